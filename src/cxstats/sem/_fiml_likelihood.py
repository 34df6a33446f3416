"""The FIML (observed-data) log-likelihood by missing-data pattern: value, gradient, scores.

With ``P = Sigma_oo^-1`` for a pattern's observed variables, ``d = ybar_p - mu_o`` and
``T = S_p + d d'`` (the pattern's cross-products, divisor n_p),

    log L = sum_p -n_p / 2 [p_o log(2 pi) + log|Sigma_oo| + tr(P T)]

and its gradient is ``sum_p -n_p/2 tr[(P - P T P) dSigma_oo] + n_p d' P dmu_o``, chained
with the model's Jacobian. :func:`fiml_objective` is what the optimiser minimises,
``F = -2 log L / N``. Models are one RamModel-like object per group, all indexing one
global theta (see :mod:`._robust`). Validated against lavaan 0.6.14's ``logl`` and
differences of the value (tests/sem/test_fiml.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ._robust import _as_list
from ._problems import ModelSpecificationError

if TYPE_CHECKING:
    from ._missing_patterns import MissingPatterns

__all__ = ["fiml_gradient", "fiml_loglik", "fiml_moments_gradient", "fiml_objective", "fiml_scores"]

_LOG_2PI = math.log(2.0 * math.pi)


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
    if patterns.values is None:
        raise ModelSpecificationError(
            "estimator='MLR' with missing='fiml' needs each respondent's scores (its first-order information and "
            "scaled test), and per-pattern counts, means and cross-products do not determine them (they would need "
            "each pattern's third- and fourth-order moments). Pass the rows, or use estimator='ML'.")
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
