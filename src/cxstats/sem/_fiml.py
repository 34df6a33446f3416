"""Full-information maximum likelihood with missing data (lavaan's ``missing = "ml"``).

Rows are grouped by missing-data pattern once; every computation then loops over the
patterns, not the rows, using each pattern's observed-variable sub-blocks of Sigma and mu
and its sufficient statistics (the pattern's mean ``ybar_p`` and cross-product matrix
``S_p``, divisor n_p, of its observed variables). With ``P = Sigma_oo^-1``,
``d = ybar_p - mu_o`` and ``T = S_p + d d'`` the log-likelihood is

    log L = sum_p -n_p / 2 [p_o log(2 pi) + log|Sigma_oo| + tr(P T)]

and its gradient is ``sum_p -n_p/2 tr[(P - P T P) dSigma_oo] + n_p d' P dmu_o``.

lavaan 0.6.14 defaults for ``missing = "ml"``: a mean structure, rows missing on every
variable dropped, ``information = "observed"`` with ``observed.information = "hessian"``
(standard errors from the inverted observed information, not the expected one),
``h1.information = "structured"``; the saturated (h1) moments by EM with
``em.h1.tol = 1e-5`` and ``em.h1.iter.max = 500``. With ``estimator = "MLR"`` the SEs are
the sandwich with first-order information from the casewise scores below and the test is
``"yuan.bentler.mplus"`` with the h1 information observed at the EM moments. The robust
CFI/TLI/RMSEA under missing data are lavaan's FIML-corrected versions (Zhang & Savalei),
``lav_fit_fiml_corrected()``: version V3 with a scaled test, V6 without. With fixed.x
covariates lavaan reports the log-likelihoods of the outcomes given the covariates (and
drops rows with a missing covariate before fitting, which the caller must do).

:func:`fiml_objective` is the function to minimise (value and analytic gradient);
:func:`fiml_estimate` minimises it by Fisher scoring and Newton steps; :func:`fiml` gives
SEs, tests and fit measures at the estimates. Models are one RamModel-like object per
group, all indexing one global theta (see :mod:`._robust`).

Validated against lavaan 0.6.14 (tests/reference/lavaan_fiml.json and
lavaan_fiml_extra.json: one and two groups, ML and MLR, ``==`` constraints, fixed.x).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import fit_indices as fi
from ._optimise import trust_region
from ._robust import (
    IndependenceModel,
    ScaledTest,
    _as_list,
    _constrained_inverse,
    exogenous_indices,
    first_order_information,
    moment_count,
    robust_fit_measures,
    sandwich,
    yuan_bentler_mplus,
)

__all__ = [
    "FimlEstimate",
    "FimlFit",
    "MissingPatterns",
    "SaturatedMoments",
    "em_saturated",
    "fiml",
    "fiml_corrected",
    "fiml_estimate",
    "fiml_gradient",
    "fiml_information",
    "fiml_loglik",
    "fiml_objective",
    "fiml_scores",
    "independence_estimates",
    "missing_patterns",
    "saturated_information",
]

_LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- patterns
@dataclass(frozen=True)
class MissingPatterns:
    """The rows of one group grouped by missing-data pattern.

    ``observed[k]`` is the boolean mask of pattern k over the p variables, ``rows[k]`` the
    row numbers (in the data passed in) of its cases, ``mean[k]`` and ``cov[k]`` its sample
    mean and cross-product matrix (divisor n_k) of the observed variables, ``values[k]`` its
    observed values (n_k x p_k). Rows missing on every variable are dropped: ``n_empty``.
    """

    p: int
    nobs: int
    n_empty: int
    empty_rows: np.ndarray
    observed: tuple[np.ndarray, ...]
    rows: tuple[np.ndarray, ...]
    freq: np.ndarray
    mean: tuple[np.ndarray, ...]
    cov: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]

    @property
    def n_patterns(self) -> int:
        return len(self.observed)

    @cached_property
    def batches(self) -> tuple[PatternBatch, ...]:
        """The patterns grouped by how many variables they observe, as stacked arrays, so that
        the per-pattern algebra runs as one batched numpy call per size."""
        sizes = np.array([int(m.sum()) for m in self.observed])
        out = []
        for size in np.unique(sizes):
            ids = np.flatnonzero(sizes == size)
            out.append(PatternBatch(
                index=np.array([np.flatnonzero(self.observed[i]) for i in ids], dtype=int).reshape(len(ids), size),
                freq=self.freq[ids].astype(float),
                mean=np.array([self.mean[i] for i in ids]).reshape(len(ids), size),
                cov=np.array([self.cov[i] for i in ids]).reshape(len(ids), size, size)))
        return tuple(out)

    @cached_property
    def batch_missing(self) -> tuple[np.ndarray, ...]:
        """For each batch, the variables its patterns miss (m x (p - k))."""
        out = []
        for batch in self.batches:
            m, k = batch.index.shape
            mask = np.ones((m, self.p), dtype=bool)
            mask[np.arange(m)[:, None], batch.index] = False
            out.append(np.nonzero(mask)[1].reshape(m, self.p - k))
        return tuple(out)


def _expected_moments(batch: PatternBatch, missing: np.ndarray, mu: np.ndarray, sigma: np.ndarray):
    """The E step for a batch of patterns: sum n_p c and sum n_p [c c' + M S_p M' + C]."""
    o, n = batch.index, batch.freq
    m, k = o.shape
    p = len(mu)
    c = np.zeros((m, p))
    rows = np.arange(m)[:, None]
    c[rows, o] = batch.mean
    lin = np.zeros((m, p, k))
    lin[rows, o, np.arange(k)[None, :]] = 1.0
    residual = np.zeros((m, p, p))
    if missing.shape[1]:
        s_oo = sigma[o[:, :, None], o[:, None, :]]
        s_om = sigma[o[:, :, None], missing[:, None, :]]
        b = np.linalg.solve(s_oo, s_om).transpose(0, 2, 1)  # (m, p - k, k): regression of missing on observed
        c[rows, missing] = mu[missing] + np.einsum("mij,mj->mi", b, batch.mean - mu[o])
        lin[rows, missing, :] = b
        residual[rows[:, :, None], missing[:, :, None], missing[:, None, :]] = (
            sigma[missing[:, :, None], missing[:, None, :]] - b @ s_om)
    second = c[:, :, None] * c[:, None, :] + lin @ batch.cov @ lin.transpose(0, 2, 1) + residual
    return n @ c, np.einsum("m,mij->ij", n, second)


@dataclass(frozen=True)
class PatternBatch:
    """Patterns observing the same number k of variables: ``index`` (m x k variable
    numbers), ``freq`` (m), ``mean`` (m x k) and ``cov`` (m x k x k)."""

    index: np.ndarray
    freq: np.ndarray
    mean: np.ndarray
    cov: np.ndarray


def missing_patterns(values: np.ndarray) -> MissingPatterns:
    """Group the rows of an n x p array (NaN = missing) by missing-data pattern.

    Patterns are ordered by first appearance; rows missing everything are dropped and
    counted (lavaan ignores such cases and warns).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"The data must be a 2-dimensional array (rows x variables), got shape {values.shape}.")
    present = ~np.isnan(values)
    empty = ~present.any(axis=1)
    keep = np.flatnonzero(~empty)
    keys, first, inverse = np.unique(present[keep], axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    inverse = np.asarray(inverse).ravel()
    observed, rows, freq, means, covs, vals = [], [], [], [], [], []
    for k in order:
        mask = keys[k]
        idx = keep[inverse == k]
        block = values[np.ix_(idx, np.flatnonzero(mask))]
        mean = block.mean(axis=0)
        centred = block - mean
        observed.append(mask.copy())
        rows.append(idx)
        freq.append(len(idx))
        means.append(mean)
        covs.append(centred.T @ centred / len(idx))
        vals.append(block)
    return MissingPatterns(p=values.shape[1], nobs=len(keep), n_empty=int(empty.sum()),
                           empty_rows=np.flatnonzero(empty), observed=tuple(observed), rows=tuple(rows),
                           freq=np.array(freq, dtype=int), mean=tuple(means), cov=tuple(covs), values=tuple(vals))


# --------------------------------------------------------------------------- likelihood
def _pattern_terms(sigma: np.ndarray, mu: np.ndarray, patterns: MissingPatterns, *, gradient: bool):
    """log L and, with ``gradient``, W = sum n_p embed(P - P T P) and w = sum n_p embed(P d)."""
    p = len(mu)
    logl = 0.0
    w_mat, w_vec = np.zeros((p, p)), np.zeros(p)
    for batch in patterns.batches:
        idx, n = batch.index, batch.freq
        rows, cols = idx[:, :, None], idx[:, None, :]
        sub = sigma[rows, cols]
        chol = np.linalg.cholesky(sub)
        inv = np.linalg.inv(sub)
        d = batch.mean - mu[idx]
        t = batch.cov + d[:, :, None] * d[:, None, :]
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        logl -= 0.5 * float(n @ (idx.shape[1] * _LOG_2PI + logdet + np.einsum("mij,mij->m", inv, t)))
        if gradient:
            np.add.at(w_mat, (rows, cols), n[:, None, None] * (inv - inv @ t @ inv))
            np.add.at(w_vec, idx, n[:, None] * np.einsum("mij,mj->mi", inv, d))
    return logl, w_mat, w_vec


def fiml_loglik(sigma: np.ndarray, mu: np.ndarray, patterns: MissingPatterns) -> float:
    """The FIML (observed-data) log-likelihood of one group at moments Sigma, mu (lavaan's
    ``logl``; at the EM moments its ``unrestricted.logl``); -inf if a block is not positive
    definite."""
    try:
        return float(_pattern_terms(sigma, mu, patterns, gradient=False)[0])
    except np.linalg.LinAlgError:
        return -math.inf


def _check_meanstructure(model) -> None:
    if not model.meanstructure:
        raise ValueError("FIML needs a model with a mean structure (build the parameter table with meanstructure=True).")


def fiml_moments_gradient(sigma: np.ndarray, mu: np.ndarray, patterns: MissingPatterns
                          ) -> tuple[float, np.ndarray, np.ndarray]:
    """(log L, d log L / dSigma, d log L / dmu) of one group at moments Sigma, mu.

    The Sigma derivative treats the p x p entries as free (a symmetric matrix G with
    ``d log L = tr(G dSigma)``), so any model's gradient is
    ``dSigma_k . G + dmu_k . g`` summed over the entries: the chain rule with the RamModel
    Jacobian. G = -1/2 sum_p n_p embed(P - P T P), g = sum_p n_p embed(P d).
    """
    logl, w_mat, w_vec = _pattern_terms(sigma, mu, patterns, gradient=True)
    return float(logl), -0.5 * w_mat, w_vec


def fiml_gradient(models, theta: np.ndarray, patterns) -> np.ndarray:
    """Gradient of the total FIML log-likelihood (all groups) with respect to theta."""
    return _loglik_and_gradient(_as_list(models), theta, _as_list(patterns))[1]


def _loglik_and_gradient(models, theta, patterns) -> tuple[float, np.ndarray]:
    logl, grad = 0.0, np.zeros(len(theta))
    for model, pat in zip(models, patterns, strict=True):
        _check_meanstructure(model)
        imp = model.implied(theta)
        d_sigma, d_mu = model.jacobian(imp)
        value, g_sigma, g_mu = fiml_moments_gradient(imp.sigma, imp.mu, pat)
        logl += value
        grad += d_sigma.reshape(len(d_sigma), -1) @ g_sigma.ravel() + d_mu @ g_mu
    return logl, grad


def fiml_objective(models, theta: np.ndarray, patterns) -> tuple[float, np.ndarray]:
    """The value and gradient to minimise: F = -2 log L / N over all groups (N = all
    non-empty rows).

    At the estimates ``N (F - F_h1)`` is the likelihood-ratio chi-square against the EM
    saturated model, ``F_h1 = -2 unrestricted.logl / N``. F is +inf (and the gradient nan)
    where an implied covariance block is not positive definite, so a line search backs off.
    """
    models, patterns = _as_list(models), _as_list(patterns)
    nobs = sum(p.nobs for p in patterns)
    try:
        logl, grad = _loglik_and_gradient(models, theta, patterns)
    except np.linalg.LinAlgError:
        return math.inf, np.full(len(theta), np.nan)
    return -2.0 * logl / nobs, -2.0 * grad / nobs


def _pattern_scores(sigma, mu, d_sigma, d_mu, patterns: MissingPatterns) -> np.ndarray:
    """Casewise scores (n x q, rows in the order of the non-empty rows of the data)."""
    q, p = d_sigma.shape[0], len(mu)
    flat = d_sigma.reshape(q, p * p)
    out = np.zeros((patterns.nobs + patterns.n_empty, q))
    for mask, rows, block in zip(patterns.observed, patterns.rows, patterns.values, strict=True):
        o = np.flatnonzero(mask)
        inv = np.linalg.inv(sigma[np.ix_(o, o)])
        z = np.zeros((len(rows), p))
        z[:, o] = (block - mu[o]) @ inv
        inv_full = np.zeros((p, p))
        inv_full[np.ix_(o, o)] = inv
        quad = np.einsum("ia,ib->iab", z, z).reshape(len(rows), p * p) @ flat.T
        out[rows] = 0.5 * (quad - flat @ inv_full.ravel()) + z @ d_mu.T
    keep = np.ones(len(out), dtype=bool)
    keep[patterns.empty_rows] = False
    return out[keep]


def fiml_scores(models, theta: np.ndarray, patterns) -> np.ndarray:
    """Casewise scores of the FIML log-likelihood, (sum of N_g) x n_par, groups stacked.

    For case i with observed variables o: s_ik = 1/2 [(P d_i)'(dSigma_k)_oo (P d_i) -
    tr(P (dSigma_k)_oo)] + (P d_i)' (dmu_k)_o, d_i = y_io - mu_o, P = Sigma_oo^-1
    (lavaan's ``lav_mvnorm_missing_scores_mu_vech_sigma`` chained with the model Jacobian).
    Rows follow the data passed to :func:`missing_patterns`, empty rows removed.
    """
    out = []
    for model, pat in zip(_as_list(models), _as_list(patterns), strict=True):
        _check_meanstructure(model)
        imp = model.implied(theta)
        d_sigma, d_mu = model.jacobian(imp)
        out.append(_pattern_scores(imp.sigma, imp.mu, d_sigma, d_mu, pat))
    return np.vstack(out)


# --------------------------------------------------------------------------- saturated model
@dataclass(frozen=True)
class SaturatedMoments:
    """EM estimates of the saturated model of one group."""

    mean: np.ndarray
    cov: np.ndarray
    logl: float  # lavaan's unrestricted.logl
    iterations: int
    converged: bool


def em_saturated(patterns: MissingPatterns, *, tol: float = 1e-5, max_iter: int = 500) -> SaturatedMoments:
    """ML means and covariance matrix of incomplete normal data by the EM algorithm.

    Parameters
    ----------
    patterns : :func:`missing_patterns` of one group.
    tol, max_iter : stop when no mean or (co)variance changes by more than ``tol`` between
        two iterations, or after ``max_iter`` iterations (lavaan's ``em.h1.tol``,
        ``em.h1.iter.max``).

    Returns
    -------
    SaturatedMoments

    Notes
    -----
    The E step takes, per pattern, the regression of the missing on the observed variables
    ``B = Sigma_mo Sigma_oo^-1`` and adds n_p [c c' + M S_p M'] + n_p C to the expected
    cross-products, with ``c = (ybar_p, mu_m + B(ybar_p - mu_o))``, ``M = (I; B)`` and the
    residual covariance ``C = Sigma_mm - B Sigma_om``; the M step divides by N. The start
    (available-case means and variances, zero covariances), the stopping rule and the small
    ridge when an eigenvalue falls below 1e-6 follow lavaan 0.6.14
    ``lav_mvnorm_missing_h1_estimate_moments()``, so that the moments (and everything that
    depends on them to first order: the FIML-corrected robust fit measures) agree with
    lavaan's to well below the EM tolerance. Dempster, Laird & Rubin (1977).
    """
    p, n = patterns.p, patterns.nobs
    var, mu = independence_estimates(patterns)
    var[~np.isfinite(var) | (var == 0)] = 1.0
    sigma = np.diag(var)
    lower = np.tril_indices(p)
    iteration, converged = 0, False
    for iteration in range(1, max_iter + 1):
        t1, t2 = np.zeros(p), np.zeros((p, p))
        for batch, missing in zip(patterns.batches, patterns.batch_missing, strict=True):
            t1_b, t2_b = _expected_moments(batch, missing, mu, sigma)
            t1 += t1_b
            t2 += t2_b
        mu_new = t1 / n
        sigma_new = t2 / n - np.outer(mu_new, mu_new)
        if np.linalg.eigvalsh(sigma_new).min() < 1e-6:
            sigma_new[np.diag_indices(p)] += np.max(np.diag(sigma_new)) * 1e-8
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(sigma_new[lower] - sigma[lower])))
        mu, sigma = mu_new, sigma_new
        if delta < tol:
            converged = True
            break
    return SaturatedMoments(mean=mu, cov=sigma, logl=fiml_loglik(sigma, mu, patterns), iterations=iteration,
                            converged=converged)


def _vech_index(p: int, exogenous: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row/column of each lower-triangle element (column by column, lavaan's vech) and the
    mean positions, without the fixed.x means and x-x covariances."""
    x = {int(i) for i in exogenous}
    pairs = [(i, j) for j in range(p) for i in range(j, p) if not (i in x and j in x)]
    rows = np.array([i for i, _ in pairs], dtype=int)
    cols = np.array([j for _, j in pairs], dtype=int)
    means = np.array([i for i in range(p) if i not in x], dtype=int)
    return means, rows, cols


def _pair_trace(x: np.ndarray, y: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """tr(E_k X E_l Y) for symmetric X, Y over the vech basis E_k = e_i e_j' + e_j e_i'
    (e_i e_i' on the diagonal): alpha_k alpha_l [X_ja Y_bi + X_jb Y_ai + X_ia Y_bj + X_ib Y_aj]
    for k = (i, j), l = (a, b), alpha = 1/2 on the diagonal."""
    i, j = rows, cols
    alpha = np.where(i == j, 0.5, 1.0)
    xi, xj, yi, yj = x[i], x[j], y[i], y[j]
    out = (xj[:, i] * yj[:, i].T + xj[:, j] * yi[:, i].T + xi[:, i] * yj[:, j].T + xi[:, j] * yi[:, j].T)
    return alpha[:, None] * out * alpha[None, :]


def _delta(d_sigma: np.ndarray, d_mu: np.ndarray, exogenous: Sequence[int] = ()) -> np.ndarray:
    """d(mu, vech Sigma) / d theta': lavaan's Delta (k x q) in the saturated basis."""
    means, rows, cols = _vech_index(d_mu.shape[1], exogenous)
    return np.vstack([d_mu[:, means].T, d_sigma[:, rows, cols].T])


def _saturated_observed(patterns: MissingPatterns, mean: np.ndarray, cov: np.ndarray,
                        exogenous: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Minus the Hessian and the gradient of the FIML log-likelihood (totals, not per
    observation) with respect to the saturated parameters (mu, vech Sigma) at (mean, cov).

    The per-pattern terms are bilinear in the pattern's embedded inverse P and in
    R = P T P, so they are summed over the patterns as Kronecker products first and taken
    to the vech basis once (:func:`_pair_trace_sum`): one p^4 array per pattern instead of
    the vech-by-vech products of every pattern."""
    p = patterns.p
    means, rows, cols = _vech_index(p, exogenous)
    k_mu, k = len(means), len(means) + len(rows)
    alpha = np.where(rows == cols, 0.5, 1.0)[:, None]
    info = np.zeros((k, k))
    _, w_mat, w_vec = _pattern_terms(cov, mean, patterns, gradient=True)
    grad = np.concatenate([w_vec[means], -0.5 * np.where(rows == cols, 1.0, 2.0) * w_mat[rows, cols]])
    k_r, k_i = np.zeros((p, p, p, p)), np.zeros((p, p, p, p))
    u_inv, inv_sum = np.zeros((p, p, p)), np.zeros((p, p))
    for batch in patterns.batches:
        idx, n = batch.index, batch.freq
        m = len(idx)
        at = (np.arange(m)[:, None, None], idx[:, :, None], idx[:, None, :])
        inv = _embedded_inverses(batch, cov, p)
        d = np.zeros((m, p))
        d[np.arange(m)[:, None], idx] = batch.mean - mean[idx]
        t = np.zeros((m, p, p))
        t[at] = batch.cov
        t += d[:, :, None] * d[:, None, :]
        u = np.einsum("mij,mj->mi", inv, d)
        weighted = n[:, None, None] * inv
        k_r += np.einsum("mab,mcd->abcd", weighted, inv @ t @ inv, optimize=True)
        k_i += np.einsum("mab,mcd->abcd", weighted, inv, optimize=True)
        u_inv += np.einsum("mi,mjk->ijk", n[:, None] * u, inv, optimize=True)
        inv_sum += weighted.sum(axis=0)
    pr = _pair_trace_sum(k_r, p, rows, cols)
    info[k_mu:, k_mu:] = 0.5 * (pr + pr.T - _pair_trace_sum(k_i, p, rows, cols))
    cross = alpha * (u_inv[rows, cols][:, means] + u_inv[cols, rows][:, means])
    info[k_mu:, :k_mu] = cross
    info[:k_mu, k_mu:] = cross.T
    info[:k_mu, :k_mu] = inv_sum[np.ix_(means, means)]
    return info, grad


def _embedded_inverses(batch: PatternBatch, sigma: np.ndarray, p: int) -> np.ndarray:
    """Each pattern's inverse observed block of ``sigma``, embedded in zeros (m x p x p)."""
    idx = batch.index
    inv = np.zeros((len(idx), p, p))
    inv[np.arange(len(idx))[:, None, None], idx[:, :, None], idx[:, None, :]] = np.linalg.inv(
        sigma[idx[:, :, None], idx[:, None, :]])
    return inv


def _pair_trace_sum(outer_sum: np.ndarray, p: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """:func:`_pair_trace` summed over patterns, from ``sum X o Y`` (outer products: entry
    [r1, c1, r2, c2] = X_r1c1 Y_r2c2): tr(E_k X E_l Y) with X_ja Y_bi read as entry
    [j, a, b, i]."""
    k4 = outer_sum
    i, j = rows[:, None], cols[:, None]
    a, b = rows[None, :], cols[None, :]
    alpha = np.where(rows == cols, 0.5, 1.0)
    out = k4[j, a, b, i] + k4[j, b, a, i] + k4[i, a, b, j] + k4[i, b, a, j]
    return alpha[:, None] * out * alpha[None, :]


def saturated_information(patterns: MissingPatterns, mean: np.ndarray, cov: np.ndarray, *,
                          exogenous: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(A1, B1) of the saturated model of one group with missing data at moments (mean, cov).

    A1 is the observed information per observation, minus the Hessian of the FIML
    log-likelihood with respect to (mu, vech Sigma), in closed form per pattern:
    ``-H_mumu = n P``, ``-H_(Sigma_k, mu) = n d'P E_k P``, ``-H_(Sigma_k, Sigma_l) =
    n/2 [tr(E_k P E_l R) + tr(E_l P E_k R) - tr(P E_k P E_l)]`` with ``R = P T P`` and E_k
    the vech basis (lavaan's ``lav_mvnorm_missing_information_observed_samplestats``). B1 is
    the mean outer product of the saturated casewise scores
    (``lav_mvnorm_missing_information_firstorder``). At the EM moments both are lavaan's
    ``h1.information = "unstructured"`` matrices for MLR. The fixed.x elements are left out.
    """
    info, _ = _saturated_observed(patterns, mean, cov, exogenous)
    p, k = patterns.p, info.shape[0]
    means, rows, cols = _vech_index(p, exogenous)
    k_mu = len(means)
    d_sigma = np.zeros((k, p, p))
    d_sigma[np.arange(k_mu, k), rows, cols] = 1.0
    d_sigma[np.arange(k_mu, k), cols, rows] = 1.0
    d_mu = np.zeros((k, p))
    d_mu[np.arange(k_mu), means] = 1.0
    scores = _pattern_scores(cov, mean, d_sigma, d_mu, patterns)
    return info / patterns.nobs, first_order_information(scores)


def fiml_information(models, theta: np.ndarray, patterns, *, step: float = 1e-5) -> np.ndarray:
    """Observed information per observation of a FIML fit, -(1/N) d2 log L / dtheta2.

    Notes
    -----
    By the chain rule through the saturated parameters m = (mu, vech Sigma):
    ``-d2 log L = Delta' (-d2 l / dm2) Delta - sum_r (dl/dm_r) d2 m_r / dtheta2``, with the
    first term in closed form (see :func:`saturated_information`, at the implied moments)
    and the second from five-point central differences of ``Delta(theta)' g`` (g fixed):
    differences of the model's Jacobian only, which needs no pass over the data and is
    accurate to ~1e-10 relative (the step analysis of
    :func:`cxstats.sem._robust.observed_information`). One pass over the patterns per
    group instead of 4 n_par; lavaan differentiates its analytic gradient numerically
    (``lav_model_hessian``), which gives the same matrix to ~1e-9. Tested against
    differences of :func:`fiml_gradient`.
    """
    models, patterns = _as_list(models), _as_list(patterns)
    theta = np.asarray(theta, dtype=float)
    q = len(theta)
    total = np.zeros((q, q))
    for model, pat in zip(models, patterns, strict=True):
        _check_meanstructure(model)
        imp = model.implied(theta)
        delta = _delta(*model.jacobian(imp))
        info, grad = _saturated_observed(pat, imp.mu, imp.sigma)
        # Sigma and mu are linear in variances, covariances and intercepts: only directions of
        # the paths (RAM's A matrix) have second derivatives, and the symmetry of the Hessian
        # gives their cross terms with everything else
        paths = np.unique(model.a_slots[:, 2]) if hasattr(model, "a_slots") else np.arange(q)
        second = np.zeros((q, q))
        for j in paths:
            h = step * max(1.0, abs(theta[j]))
            e = np.zeros(q)
            e[j] = h
            g = [_delta(*model.jacobian(model.implied(theta + k * e))).T @ grad for k in (-2, -1, 1, 2)]
            second[:, j] = (g[0] - 8.0 * g[1] + 8.0 * g[2] - g[3]) / (12.0 * h)
        block = np.ix_(paths, paths)
        second[block] = 0.5 * (second[block] + second[block].T)
        others = np.setdiff1d(np.arange(q), paths)
        second[np.ix_(paths, others)] = second[np.ix_(others, paths)].T
        total += delta.T @ info @ delta - second
    return total / sum(p.nobs for p in patterns)


def _expected_information(models, theta: np.ndarray, patterns) -> np.ndarray:
    """Expected FIML information per observation (Fisher scoring):
    sum_p n_p [1/2 tr(P dSigma_k P dSigma_l) + dmu_k' P dmu_l] over the observed blocks."""
    q = len(theta)
    total = np.zeros((q, q))
    for model, pat in zip(models, patterns, strict=True):
        imp = model.implied(theta)
        delta = _delta(*model.jacobian(imp))
        p = pat.p
        means, rows, cols = _vech_index(p)
        k_mu = len(means)
        info = np.zeros((len(delta),) * 2)
        inv_sum, k_i = np.zeros((p, p)), np.zeros((p, p, p, p))
        for batch in pat.batches:
            inv = _embedded_inverses(batch, imp.sigma, p)
            weighted = batch.freq[:, None, None] * inv
            inv_sum += weighted.sum(axis=0)
            k_i += np.einsum("mab,mcd->abcd", weighted, inv, optimize=True)
        info[:k_mu, :k_mu] = inv_sum[np.ix_(means, means)]
        info[k_mu:, k_mu:] = 0.5 * _pair_trace_sum(k_i, p, rows, cols)
        total += delta.T @ info @ delta
    return total / sum(p.nobs for p in patterns)


def _complete_information(mean: np.ndarray, cov: np.ndarray, exogenous: Sequence[int] = ()) -> np.ndarray:
    """Information of the saturated model of complete data at (mean, cov): blockdiag(S^-1,
    1/2 D'(S^-1 x S^-1) D) (lavaan's h1 information of a complete-data fit)."""
    means, rows, cols = _vech_index(len(mean), exogenous)
    inv = np.linalg.inv(cov)
    k_mu = len(means)
    out = np.zeros((k_mu + len(rows),) * 2)
    out[:k_mu, :k_mu] = inv[np.ix_(means, means)]
    out[k_mu:, k_mu:] = 0.5 * _pair_trace(inv, inv, rows, cols)
    return out


# --------------------------------------------------------------------------- baseline
def independence_estimates(patterns: MissingPatterns) -> tuple[np.ndarray, np.ndarray]:
    """FIML estimates of the independence model: each variable's available-case mean and
    ML variance (the likelihood factorises over variables)."""
    p = patterns.p
    sums, counts, sq = np.zeros(p), np.zeros(p), np.zeros(p)
    for mask, k, mean in zip(patterns.observed, patterns.freq, patterns.mean, strict=True):
        sums[mask] += k * mean
        counts[mask] += k
    mu = sums / counts
    for mask, k, mean, cov in zip(patterns.observed, patterns.freq, patterns.mean, patterns.cov, strict=True):
        sq[mask] += k * (np.diag(cov) + (mean - mu[mask]) ** 2)
    return sq / counts, mu


def _baseline_models(models, patterns, saturated: Sequence[SaturatedMoments]):
    blocks, offset = [], 0
    for model, pat, h1 in zip(models, patterns, saturated, strict=True):
        x = exogenous_indices(model)
        b = IndependenceModel(model.p, True, exogenous=x, x_cov=h1.cov[np.ix_(x, x)], x_mean=h1.mean[x],
                              offset=offset)
        var, mu = independence_estimates(pat)
        blocks.append((b, b.estimates(var, mu)))
        offset += b.n_own
    for b, _ in blocks:
        b.n_par = offset
    return [b for b, _ in blocks], np.concatenate([t for _, t in blocks])


# --------------------------------------------------------------------------- FIML-corrected
def _ml_chisq(sigma: np.ndarray, mu: np.ndarray, cov: np.ndarray, mean: np.ndarray, n: float) -> float:
    """N F_ML of a complete-data fit to (cov, mean): N [log|Sigma| + tr(S Sigma^-1) - log|S| - p + ...]."""
    inv = np.linalg.inv(sigma)
    diff = mean - mu
    f = (np.linalg.slogdet(sigma)[1] + np.sum(inv * cov) - np.linalg.slogdet(cov)[1] - len(mu)
         + diff @ inv @ diff)
    return float(n * f)


def fiml_corrected(models, theta: np.ndarray, patterns, saturated: Sequence[SaturatedMoments], df: float, *,
                   baseline: tuple | None = None, baseline_df: float | None = None,
                   constraint_basis: np.ndarray | None = None, version: str = "V3") -> dict[str, float]:
    """Inputs of lavaan's robust CFI/TLI/RMSEA under missing data (FIML-corrected, Zhang &
    Savalei): ``XX3, df3, c_hat3, XX3_scaled, XX3_null, df3_null, c_hat3_null``.

    Parameters
    ----------
    models, theta, patterns : the FIML fit (one model and pattern set per group).
    saturated : the EM moments per group.
    df : the model's degrees of freedom.
    baseline : (baseline models, baseline theta) of the independence model fitted by FIML.
    baseline_df : its degrees of freedom.
    constraint_basis : K of linear equality constraints of the model.
    version : ``"V3"`` (with a scaled test, MLR) or ``"V6"`` (ML), as lavaan chooses.

    Notes
    -----
    XX3 is the complete-data ML chi-square of the model at the FIML estimates against the
    EM moments. With Wm, Jm the observed and first-order h1 information with missing data,
    Wc the complete-data h1 information (all at the EM moments, weighted by N_g / N),
    Delta = d(mu, vech Sigma)/dtheta', E = Delta' Wm Delta and
    U = Wm - Wm Delta E^-1 Delta' Wm: V3 takes k = tr(U Wm^-1 Wc Wm^-1 U Gamma) with
    Gamma = Wm^-1 Jm Wm^-1; V6 takes k = tr(Wc Wm^-1 U Wm^-1); c_hat3 = k / df. The same
    with the independence model gives the null quantities. lavaan 0.6.14
    ``lav_fit_fiml_corrected()`` (R/lav_fit_utils.R).
    """
    models, patterns = _as_list(models), _as_list(patterns)
    ntotal = sum(p.nobs for p in patterns)
    wm, wc, wmi, gam, xx3 = [], [], [], [], 0.0
    for model, pat, h1 in zip(models, patterns, saturated, strict=True):
        x = exogenous_indices(model)
        fg = pat.nobs / ntotal
        a1, b1 = saturated_information(pat, h1.mean, h1.cov, exogenous=x)
        a1_inv = np.linalg.inv(a1)
        wm.append(fg * a1)
        wmi.append(a1_inv / fg)
        wc.append(fg * _complete_information(h1.mean, h1.cov, x))
        gam.append(a1_inv @ b1 @ a1_inv / fg)
        imp = model.implied(theta)
        xx3 += _ml_chisq(imp.sigma, imp.mu, h1.cov, h1.mean, pat.nobs)
    wm_all, wc_all, wmi_all, gam_all = (_block_diag(m) for m in (wm, wc, wmi, gam))

    def k_value(ms, th, k_basis):
        delta = np.vstack([_delta(*m.jacobian(m.implied(th)), exogenous_indices(m)) for m in ms])
        e_inv = _constrained_inverse(delta.T @ wm_all @ delta, k_basis)
        u = wm_all - wm_all @ delta @ e_inv @ delta.T @ wm_all
        if version.upper() == "V3":
            return float(np.trace(u @ wmi_all @ wc_all @ wmi_all @ u @ gam_all))
        return float(np.trace(wc_all @ wmi_all @ u @ wmi_all))

    c3 = k_value(models, theta, constraint_basis) / df if df > 0 else math.nan
    out = {"XX3": xx3, "df3": df, "c_hat3": c3, "XX3_scaled": xx3 / c3,
           "XX3_null": math.nan, "df3_null": math.nan, "c_hat3_null": math.nan}
    if baseline is not None:
        b_models, b_theta = baseline
        xx3_null = sum(_ml_chisq(m.implied(b_theta).sigma, m.implied(b_theta).mu, h1.cov, h1.mean, pat.nobs)
                       for m, pat, h1 in zip(b_models, patterns, saturated, strict=True))
        out.update({"XX3_null": xx3_null, "df3_null": baseline_df,
                    "c_hat3_null": k_value(b_models, b_theta, None) / baseline_df})
    return out


def _block_diag(blocks: Sequence[np.ndarray]) -> np.ndarray:
    size = sum(b.shape[0] for b in blocks)
    out, at = np.zeros((size, size)), 0
    for b in blocks:
        out[at:at + b.shape[0], at:at + b.shape[0]] = b
        at += b.shape[0]
    return out


# --------------------------------------------------------------------------- the whole fit
@dataclass(frozen=True)
class FimlFit:
    """Inference and fit of a FIML estimate (ML or MLR)."""

    vcov: np.ndarray
    information: np.ndarray  # observed information per observation (A)
    first_order: np.ndarray | None  # B (MLR only)
    test: ScaledTest
    baseline: ScaledTest
    saturated: tuple[SaturatedMoments, ...]
    fit_measures: dict[str, float]
    logl: float
    unrestricted_logl: float
    n_empty: int


def fiml(models, theta: np.ndarray, patterns, *, estimator: str = "ML", constraint_basis: np.ndarray | None = None,
         saturated: Sequence[SaturatedMoments] | None = None, ci_level: float = 0.90) -> FimlFit:
    """Standard errors, tests and fit measures of a FIML fit at its estimates.

    Parameters
    ----------
    models : a RamModel with a mean structure, or one per group (sharing ``theta``).
    theta : the FIML estimates (e.g. from :func:`fiml_estimate`).
    patterns : :func:`missing_patterns` of each group's data (model's variable order).
    estimator : ``"ML"`` (SEs from the observed information, standard test) or ``"MLR"``
        (sandwich SEs, Yuan-Bentler Mplus-variant scaled test).
    constraint_basis : K of linear equality constraints.
    saturated : the EM moments per group (computed when not given).

    Returns
    -------
    FimlFit
        ``fit_measures`` holds lavaan's names: chisq, df, pvalue, baseline.*, cfi, tli, ...,
        cfi.robust, tli.robust, rmsea.robust (+ CI, p-values) from the FIML-corrected
        statistics, and with MLR the ``.scaled`` measures; npar, logl, unrestricted.logl,
        aic, bic, bic2, ntotal and srmr (against the EM moments, with means).
    """
    models, patterns = _as_list(models), _as_list(patterns)
    theta = np.asarray(theta, dtype=float)
    robust = estimator.upper() == "MLR"
    if saturated is None:
        saturated = [em_saturated(p) for p in patterns]
    saturated = tuple(saturated)
    nobs = sum(p.nobs for p in patterns)
    information = fiml_information(models, theta, patterns)
    npar = len(theta) if constraint_basis is None else constraint_basis.shape[1]
    ndat = sum(moment_count(m.p, True, len(exogenous_indices(m))) for m in models)
    imps = [m.implied(theta) for m in models]
    logl = sum(fiml_loglik(imp.sigma, imp.mu, p) for imp, p in zip(imps, patterns, strict=True))
    logl_h1 = sum(s.logl for s in saturated)
    # fixed.x: lavaan reports the log-likelihoods of the outcomes given the covariates
    logl_x = sum(_marginal_loglik(p, exogenous_indices(m), s.mean, s.cov)
                 for m, p, s in zip(models, patterns, saturated, strict=True))
    chisq = max(2.0 * (logl_h1 - logl), 0.0)
    b_models, b_theta = _baseline_models(models, patterns, saturated)
    b_info = fiml_information(b_models, b_theta, patterns)
    b_logl = sum(fiml_loglik(m.implied(b_theta).sigma, m.implied(b_theta).mu, p)
                 for m, p in zip(b_models, patterns, strict=True))
    b_chisq, b_df = max(2.0 * (logl_h1 - b_logl), 0.0), ndat - len(b_theta)
    if robust:
        first_order = first_order_information(fiml_scores(models, theta, patterns), nobs)
        vcov = sandwich(information, first_order, nobs, constraint_basis)
        h1 = [saturated_information(p, s.mean, s.cov, exogenous=exogenous_indices(m))
              for m, p, s in zip(models, patterns, saturated, strict=True)]
        test = yuan_bentler_mplus(chisq, ndat - npar, information, first_order, h1, constraint_basis=constraint_basis)
        b_first = first_order_information(fiml_scores(b_models, b_theta, patterns), nobs)
        baseline = yuan_bentler_mplus(b_chisq, b_df, b_info, b_first, h1)
    else:
        first_order = None
        vcov = _constrained_inverse(information, constraint_basis) / nobs
        test, baseline = _unscaled(chisq, ndat - npar, npar), _unscaled(b_chisq, b_df, len(b_theta))
    corrected = fiml_corrected(models, theta, patterns, saturated, ndat - npar, baseline=(b_models, b_theta),
                               baseline_df=b_df, constraint_basis=constraint_basis,
                               version="V3" if robust else "V6")
    out = robust_fit_measures(test, baseline, nobs, ngroups=len(models), robust=corrected, ci_level=ci_level)
    if not robust:
        out = {k: v for k, v in out.items() if ".scaled" not in k and k not in
               ("chisq.scaling.factor", "baseline.chisq.scaling.factor", "scaling.factor.h1", "scaling.factor.h0")}
    logl, logl_h1 = logl - logl_x, logl_h1 - logl_x
    out.update({"npar": float(npar), "logl": logl, "unrestricted.logl": logl_h1, "ntotal": float(nobs)})
    out.update(fi.information_criteria(logl, npar, nobs))
    out["srmr"] = sum(p.nobs / nobs * fi.srmr(s.cov, imp.sigma, s.mean, imp.mu)
                      for imp, p, s in zip(imps, patterns, saturated, strict=True))
    return FimlFit(vcov, information, first_order, test, baseline, saturated, out, logl, logl_h1,
                   sum(p.n_empty for p in patterns))


def _marginal_loglik(patterns: MissingPatterns, index: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> float:
    """Observed-data log-likelihood of the variables ``index`` alone at (mean, cov)."""
    logl = 0.0
    for mask, n, ybar, s in zip(patterns.observed, patterns.freq, patterns.mean, patterns.cov, strict=True):
        o = np.flatnonzero(mask)
        keep = np.flatnonzero(np.isin(o, index))
        if not len(keep):
            continue
        v = o[keep]
        sub = cov[np.ix_(v, v)]
        d = ybar[keep] - mean[v]
        t = s[np.ix_(keep, keep)] + np.outer(d, d)
        logl -= 0.5 * n * (len(v) * _LOG_2PI + np.linalg.slogdet(sub)[1] + np.sum(np.linalg.inv(sub) * t))
    return float(logl)


def _unscaled(chisq: float, df: float, npar: int) -> ScaledTest:
    pvalue = fi.chisq_pvalue(chisq, df) if df > 0 else math.nan
    return ScaledTest(chisq, df, pvalue, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0, npar)


# --------------------------------------------------------------------------- estimation
@dataclass(frozen=True)
class FimlEstimate:
    theta: np.ndarray
    fmin: float  # F = -2 log L / N at the minimum
    iterations: int
    converged: bool
    gradient_max: float


def fiml_estimate(models, patterns, start: np.ndarray, *, constraint_basis: np.ndarray | None = None,
                  max_iter: int = 500) -> FimlEstimate:
    """Minimise :func:`fiml_objective` from ``start``.

    Fisher scoring with step halving (the expected information; a least-squares step where
    it is singular), then Newton steps with the observed information
    (:func:`fiml_information`) once full steps are taken, until the Newton decrement is
    below 1e-15 F. If scoring stalls, a trust region on the observed information takes over
    (:func:`cxstats.sem._optimise.trust_region`: a step into a non-positive-definite
    implied covariance block is a step too long, never a zero gradient). Converged means
    the largest gradient element of F is below 1e-6 at the end. With ``constraint_basis`` K
    the search runs over ``theta = start + K phi`` (``start`` must satisfy the constraints).
    """
    models, patterns = _as_list(models), _as_list(patterns)
    start = np.asarray(start, dtype=float)
    k = constraint_basis if constraint_basis is not None else np.eye(len(start))
    cache: dict = {}

    def evaluate(phi):
        key = phi.tobytes()
        if key not in cache:
            cache.clear()
            value, grad = fiml_objective(models, start + k @ phi, patterns)
            cache[key] = (value, k.T @ grad if np.isfinite(value) else None)
        return cache[key]

    phi = np.zeros(k.shape[1])
    value, grad = evaluate(phi)
    if not np.isfinite(value):
        raise ValueError("The implied covariance matrix is not positive definite at the starting values.")
    newton, iteration, done = False, 0, False
    for iteration in range(1, max_iter + 1):
        theta = start + k @ phi
        info = fiml_information(models, theta, patterns) if newton else _expected_information(models, theta, patterns)
        hess = 2.0 * k.T @ info @ k
        try:
            np.linalg.cholesky(hess)
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            if newton:  # the observed information is not positive definite here: score instead
                newton = False
                continue
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        if not np.all(np.isfinite(step)) or not np.any(step):  # no direction to search: hand over
            break
        decrement = 0.5 * grad @ step
        scale, new_value, new_grad = 1.0, math.inf, None
        while scale > 1e-6:
            new_value, new_grad = evaluate(phi - scale * step)
            if new_value <= value + 1e-14 * abs(value):
                break
            scale *= 0.5
        else:
            break
        phi, value, grad = phi - scale * step, new_value, new_grad
        if newton and decrement < 1e-15 * max(1.0, abs(value)):
            done = True
            break
        newton = scale == 1.0 and decrement < 1e-3 * max(1.0, abs(value))
    gmax = float(np.max(np.abs(grad))) if len(grad) else 0.0
    if not done and gmax >= 1e-6 and iteration < max_iter:  # max_iter bounds both searches
        found = trust_region(lambda x: evaluate(x)[0], lambda x: evaluate(x)[1],
                             lambda x: 2.0 * k.T @ fiml_information(models, start + k @ x, patterns) @ k, phi,
                             max_iter=max_iter - iteration, gtol=1e-9)
        iteration += found.iterations
        if found.value <= value:
            phi, value, gmax = found.x, found.value, found.gradient_max
    return FimlEstimate(start + k @ phi, float(value), iteration, bool(np.isfinite(value) and gmax < 1e-6), gmax)
