"""Information matrices of FIML: observed (the Hessian, closed form per pattern through the
saturated parameters), expected (for Fisher scoring), first-order (from casewise scores)
and the complete-data h1 information, all in lavaan's (mu, vech Sigma) basis.

lavaan 0.6.14 ``lav_mvnorm_missing_information_*`` and ``lav_model_hessian``; validated
against lavaan's vcov and differences of :func:`._fiml_likelihood.fiml_gradient`
(tests/sem/test_fiml.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._fiml_likelihood import _check_meanstructure, _pattern_scores, _pattern_terms
from ._robust import _as_list, first_order_information

if TYPE_CHECKING:
    from ._missing_patterns import MissingPatterns, PatternBatch

__all__ = ["fiml_information", "saturated_information"]


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
