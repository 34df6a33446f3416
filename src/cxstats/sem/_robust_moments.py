"""MLR's robust pieces from per-group sufficient statistics instead of rows.

Everything MLR adds to an ML fit of complete data (:mod:`._robust`) depends on a group's
rows only through four numbers: ``n``, the means ``ybar``, the covariance ``S`` (divisor
n) and lavaan's ``Gamma``, the covariance (divisor n) of

    u_i = (e_i, vech(e_i e_i')),     e_i = y_i - ybar,

in lavaan's order (the means, then the lower triangle of the covariance column by column;
``lavInspect(fit, "gamma")`` of a fit with a mean structure). Gamma holds the second,
third and fourth central moments. So a group's MLR can run from ``(n, ybar, S, Gamma)``
computed once (:func:`gamma_from_data`, or ``cxstats.Moments.gamma(g)`` where the data
live), and the invariance ladder's models, which share their data, reuse them.

Why that is exact. The casewise score of the normal log-likelihood,
``s_ik = 1/2 d_i' M_k d_i - 1/2 tr(Sigma^-1 dSigma_k) + d_i' Sigma^-1 dmu_k`` with
``d_i = y_i - mu = e_i + delta``, ``delta = ybar - mu`` and
``M_k = Sigma^-1 dSigma_k Sigma^-1``, is affine in ``u_i``: ``s_i = c + L u_i`` with

    L_k = ( (Sigma^-1 dmu_k + M_k delta)' ,  w_ab M_k[a, b] for a >= b ),

``w_ab = 1`` off the diagonal and 1/2 on it. Hence, with ``g = sum_i s_i`` the group's
gradient and ``sum_i (u_i - ubar) = 0``,

    sum_i s_i s_i' = n L Gamma L' + g g' / n,

the first-order ("meat") information exactly, with no approximation. The saturated
model's ``B1 = L1 Gamma L1'`` (its gradient is zero at the sample moments) and the
baseline model's are the same formula. The observed information (the "bread") is the
Hessian of the log-likelihood, a function of ``(n, ybar, S)`` alone: closed form for the
RAM model (:func:`cxstats.sem.estimate._gradient_and_hessian` with ``exact=True``) and
for the baseline model (linear in its parameters), a five-point difference of the
moment-based gradient for any other model object.

Checked against casewise scores computed from the rows (1e-10) and against lavaan 0.6.14's
``lavInspect(fit, "gamma")`` (tests/reference/lavaan_gamma.R).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg.blas import dsyrk

from .._vech import vech_index as vech_indices
from ._problems import ModelSpecificationError
from .estimate import _gradient_and_hessian
from .matrices import RamModel

__all__ = ["RobustSample", "gamma_from_data", "robust_sample", "robust_samples", "score_map", "vech_indices",
           "group_information", "first_order_from_moments"]

_BATCH_ROWS = 16_384


@dataclass(frozen=True)
class RobustSample:
    """One group's sufficient statistics for MLR: ``nobs``, ``mean`` (p,), ``cov`` (p, p;
    divisor n) and ``gamma`` (p + p(p+1)/2 square; lavaan's Gamma for (means, vech(cov)),
    divisor n)."""

    nobs: int
    mean: np.ndarray
    cov: np.ndarray
    gamma: np.ndarray
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # results that depend on these alone

    def remember(self, key: tuple, compute):
        """``compute()``, kept under ``key`` (the saturated model's information, the baseline
        test): the invariance ladder's levels share them."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def __post_init__(self) -> None:
        p = len(self.mean)
        k = p + p * (p + 1) // 2
        if np.shape(self.cov) != (p, p) or np.shape(self.gamma) != (k, k):
            raise ModelSpecificationError(f"A group's MLR statistics need a {p} x {p} covariance matrix and a {k} x {k} Gamma "
                             f"for {p} variables; got {np.shape(self.cov)} and {np.shape(self.gamma)}. Compute them on the same "
                                          "items (Gamma in lavaan's order: the means, then vech of the covariance).")


def gamma_from_data(values: np.ndarray, *, batch_rows: int = _BATCH_ROWS) -> np.ndarray:
    """lavaan's Gamma of complete rows: the covariance (divisor n) of (y_i, vech((y_i - ybar)(y_i - ybar)')).

    Two passes (the moments, then the centred fourth-order products in batches of
    ``batch_rows`` rows, one symmetric rank-k update each), so memory stays
    ``batch_rows x k`` for k = p + p(p+1)/2.
    """
    values = np.asarray(values, dtype=float)
    n, p = values.shape
    mean = values.mean(axis=0)
    centred = values - mean
    cov = centred.T @ centred / n
    rows, cols = vech_indices(p)
    ubar = cov[rows, cols]
    k = p + len(rows)
    lower = np.zeros((k, k))
    work = np.empty((min(batch_rows, n), k))
    for start in range(0, n, batch_rows):
        e = centred[start:start + batch_rows]
        u = work[:len(e)]
        u[:, :p] = e
        at = p
        for j in range(p):  # vech order: column j of the lower triangle is e_j * (e_j, ..., e_p)
            np.multiply(e[:, j:], e[:, j:j + 1], out=u[:, at:at + p - j])
            at += p - j
        u[:, p:] -= ubar
        lower += dsyrk(1.0, u.T, trans=0, lower=1)  # the lower triangle of u'u
    return (np.tril(lower) + np.tril(lower, -1).T) / n


def robust_samples(moments) -> list[RobustSample]:
    """Each group's :class:`RobustSample` from its sample moments (objects with ``nobs``,
    ``mean``, ``cov`` with divisor n and ``gamma``, such as :class:`~cxstats.sem.moments.SampleMoments`)."""
    return [m.robust if hasattr(m, "robust") else RobustSample(int(m.nobs), m.mean, m.cov, m.gamma) for m in moments]


def robust_sample(values: np.ndarray, *, gamma: np.ndarray | None = None) -> RobustSample:
    """A group's :class:`RobustSample` from its complete rows (Gamma computed unless given)."""
    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=0)
    centred = values - mean
    return RobustSample(len(values), mean, centred.T @ centred / len(values),
                        gamma_from_data(values) if gamma is None else gamma)


def score_map(sigma: np.ndarray, mu: np.ndarray, d_sigma: np.ndarray, d_mu: np.ndarray,
              mean: np.ndarray) -> np.ndarray:
    """L (q x k): the casewise scores are ``s_i = c + L u_i`` (see the module docstring)."""
    inv = np.linalg.inv(sigma)
    p = len(mu)
    m = inv @ d_sigma @ inv  # (q, p, p): Sigma^-1 dSigma_k Sigma^-1
    rows, cols = vech_indices(p)
    weight = np.where(rows == cols, 0.5, 1.0)
    delta = mean - mu
    return np.hstack([d_mu @ inv + m @ delta, m[:, rows, cols] * weight])


def first_order_from_moments(sigma, mu, d_sigma, d_mu, sample: RobustSample, gradient: np.ndarray) -> np.ndarray:
    """``sum_i s_i s_i' = n L Gamma L' + g g' / n`` (q x q) for one group; ``gradient`` is
    ``g``, the group's total score at the same point."""
    lmap = score_map(sigma, mu, d_sigma, d_mu, sample.mean)
    return sample.nobs * lmap @ sample.gamma @ lmap.T + np.outer(gradient, gradient) / sample.nobs


def _implied(model, theta: np.ndarray, mean: np.ndarray):
    imp = model.implied(theta)
    d_sigma, d_mu = model.jacobian(imp)
    if model.meanstructure:
        return imp, imp.sigma, imp.mu, d_sigma, d_mu
    return imp, imp.sigma, mean, d_sigma, np.zeros_like(d_mu)


def _loglik_gradient(sigma, mu, d_sigma, d_mu, sample: RobustSample) -> np.ndarray:
    inv = np.linalg.inv(sigma)
    diff = sample.mean - mu
    w = inv - inv @ (sample.cov + np.outer(diff, diff)) @ inv
    q = d_sigma.shape[0]
    return sample.nobs * (-0.5 * d_sigma.reshape(q, -1) @ w.ravel() + d_mu @ (inv @ diff))


def _linear_hessian(sigma, mu, d_sigma, d_mu, sample: RobustSample) -> np.ndarray:
    """-d2 log L of a model whose Sigma and mu are linear in theta (the baseline model)."""
    inv = np.linalg.inv(sigma)
    diff = sample.mean - mu
    s_star = sample.cov + np.outer(diff, diff)
    q = d_sigma.shape[0]
    g = inv @ d_sigma  # Sigma^-1 dSigma_k
    pg = (inv @ s_star) @ g
    tr_gg = g.reshape(q, -1) @ g.transpose(0, 2, 1).reshape(q, -1).T
    t1 = g.reshape(q, -1) @ pg.transpose(0, 2, 1).reshape(q, -1).T
    hess_f = -tr_gg + t1 + t1.T + 2.0 * d_mu @ inv @ d_mu.T
    cross = 2.0 * (d_sigma @ (inv @ diff)) @ (inv @ d_mu.T)
    return 0.5 * sample.nobs * (hess_f + cross + cross.T)


def _numerical_hessian(model, theta: np.ndarray, sample: RobustSample, step: float = 1e-5) -> np.ndarray:
    """-d2 log L by the five-point stencil of the moment-based gradient (any model object):
    :func:`cxstats.sem._robust.observed_information` with N = 1 (not per observation)."""
    from ._robust import observed_information  # _robust imports this module

    def gradient(t):
        _, sigma, mu, d_sigma, d_mu = _implied(model, t, sample.mean)
        return _loglik_gradient(sigma, mu, d_sigma, d_mu, sample)

    return observed_information(gradient, theta, 1.0, step)


def group_information(model, theta: np.ndarray, sample: RobustSample) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One group's (gradient of log L, observed information -d2 log L, sum of score outer
    products), all totals over the group's n rows, from its sufficient statistics.

    The RAM model's Hessian is in closed form; a model flagged ``linear`` (Sigma and mu
    linear in theta, as the baseline model) has no second-order terms; any other model
    object gets a five-point difference of the analytic gradient (exact to ~1e-9 relative).
    """
    theta = np.asarray(theta, dtype=float)
    imp, sigma, mu, d_sigma, d_mu = _implied(model, theta, sample.mean)
    gradient = _loglik_gradient(sigma, mu, d_sigma, d_mu, sample)
    if isinstance(model, RamModel):
        _, hess_f = _gradient_and_hessian(model, imp, sample.cov, sample.mean, exact=True)
        information = 0.5 * sample.nobs * hess_f
    elif getattr(model, "linear", False):
        information = _linear_hessian(sigma, mu, d_sigma, d_mu, sample)
    else:
        information = _numerical_hessian(model, theta, sample)
    information = 0.5 * (information + information.T)
    return gradient, information, first_order_from_moments(sigma, mu, d_sigma, d_mu, sample, gradient)
