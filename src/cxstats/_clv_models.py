"""Likelihoods, fitting and predictions of the BG/NBD and Gamma-Gamma models (no pandas, no checks).

Everything works on NumPy arrays of a summary table: ``x`` repeat purchases, ``tx`` the
time of the last purchase (recency), ``T`` the customer's age, ``m`` the mean spend of the
repeat purchases. Terms that depend on ``x`` alone (log-gamma and digamma values) are
computed once per distinct ``x`` and weighted by how many customers share it, so a
million customers cost a few vectorised passes per likelihood evaluation. Both models are
fitted by BFGS on log-parameters with analytic gradients, polished by Newton steps whose
Hessian is the central difference of the analytic gradient; that Hessian (on the natural
scale) gives the standard errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

BGNBD_TERMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_TERMS = ("p", "q", "v")
#: Days (or weeks) per month in lifetimes' ``customer_lifetime_value``.
MONTH = {"D": 30.0, "W": 4.345}


@dataclass(frozen=True)
class Fit:
    """The optimum: natural-scale parameters, total log-likelihood, covariance of the parameters."""

    params: np.ndarray
    loglik: float
    covariance: np.ndarray
    converged: bool
    iterations: int
    gradient_norm: float
    message: str


class _ByX:
    """Customers grouped by their number of repeat purchases."""

    def __init__(self, x: np.ndarray) -> None:
        self.values, self.inverse, self.counts = np.unique(x, return_inverse=True, return_counts=True)
        self.n = x.size


# ---------------------------------------------------------------- BG/NBD (Fader, Hardie & Lee 2005)

class BGNBDData:
    """Summary arrays prepared once for repeated likelihood evaluations."""

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
        self.x, self.tx, self.T = x, tx, T
        self.by_x = _ByX(x)
        repeat = x > 0
        self.rx, self.rtx = x[repeat], tx[repeat]
        self.r_inverse = self.by_x.inverse[repeat]
        self.sum_x = float(x.sum())


def bgnbd_negloglik(theta: np.ndarray, d: BGNBDData) -> tuple[float, np.ndarray]:
    """Minus the mean log-likelihood per customer and its gradient in ``theta = log(r, alpha, a, b)``."""
    r, alpha, a, b = np.exp(theta)
    g = d.by_x
    ux, counts, n = g.values, g.counts, g.n
    per_x = gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
    log_T = np.log(alpha + d.T)
    log_tx = np.log(alpha + d.rtx)
    shift_b = np.log(b + np.maximum(ux, 1) - 1)
    # log(exp(A3) + exp(A4)) = A3 + log1p(exp(A4 - A3)) for repeat buyers; A3 for the others
    a3 = -(r + d.x) * log_T
    diff = np.log(a) - shift_b[d.r_inverse] - (r + d.rx) * (log_tx - log_T[d.x > 0])
    total = counts @ per_x + n * r * np.log(alpha) + a3.sum() + np.logaddexp(0.0, diff).sum()
    w = expit(diff)  # weight of the "dropped out after the last purchase" term
    rep = d.x > 0
    d_r = (counts @ (digamma(r + ux) - digamma(r)) + n * np.log(alpha) - log_T.sum()
           - (w * (log_tx - log_T[rep])).sum())
    inv_T = 1.0 / (alpha + d.T)
    inv_tx = 1.0 / (alpha + d.rtx)
    d_alpha = (n * r / alpha - ((r + d.x) * inv_T).sum()
               - ((r + d.rx) * w * (inv_tx - inv_T[rep])).sum())
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
    sum_w = w.sum()
    d_a = counts @ (psi_ab - psi_abx) + sum_w / a
    d_b = counts @ (psi_ab + digamma(b + ux) - digamma(b) - psi_abx) - (w / (b + d.rx - 1)).sum()
    grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return -total / n, -grad / n


def bgnbd_fit(d: BGNBDData, start: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood BG/NBD parameters; ``start`` on the natural scale (default all 1, as lifetimes)."""
    theta0 = np.zeros(4) if start is None else np.log(start)
    return _fit(lambda t: bgnbd_negloglik(t, d), theta0, d.by_x.n, BGNBD_TERMS)


def bgnbd_expected(t: np.ndarray | float, params: np.ndarray) -> np.ndarray:
    """E[X(t)]: purchases a new customer makes in a period of length ``t`` (FHL 2005, eq. 9)."""
    r, alpha, a, b = params
    t = np.asarray(t, dtype=float)
    hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)


def bgnbd_conditional(t: np.ndarray | float, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                      params: np.ndarray) -> np.ndarray:
    """E[Y(t) | x, tx, T]: expected purchases in the next ``t`` given the history (FHL 2005, eq. 10).

    The Gaussian hypergeometric function is evaluated by Euler's transformation where the
    direct series overflows (as lifetimes does).
    """
    r, alpha, a, b = params
    t = np.asarray(t, dtype=float)
    _a, _b, _c = r + x, b + x, a + b + x - 1
    z = t / (alpha + T + t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_hyp = np.log(hyp2f1(_a, _b, _c, z))
        alt = np.log(hyp2f1(_c - _a, _c - _b, _c, z)) + (_c - _a - _b) * np.log1p(-z)
        log_hyp = np.where(np.isinf(log_hyp), alt, log_hyp)
        numerator = (a + b + x - 1) / (a - 1) * (1 - np.exp(log_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T))))
        odds = (x > 0) * (a / (b + np.maximum(x, 1) - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return numerator / (1 + odds)


def bgnbd_alive(x: np.ndarray, tx: np.ndarray, T: np.ndarray, params: np.ndarray) -> np.ndarray:
    """P(alive | x, tx, T) (FHL 2005, eq. 11; Fader, Hardie & Lee 2008 note): 1 for x = 0."""
    r, alpha, a, b = params
    log_odds = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-log_odds))


def bgnbd_simulate(n: int, params: np.ndarray, T: np.ndarray | float, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Summary (x, tx, T) of ``n`` customers drawn from the BG/NBD model, observed for ``T`` each.

    Each customer's purchase rate is gamma(r, alpha) and drop-out probability beta(a, b);
    purchases follow a Poisson process and after each one the customer drops out with that
    probability (the first purchase, at time 0, is not a repeat purchase).
    """
    r, alpha, a, b = params
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n, dtype=np.int64)
    tx = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        bought = now[idx] <= T[idx]
        hit = idx[bought]
        x[hit] += 1
        tx[hit] = now[hit]
        drop = rng.random(hit.size) < p[hit]
        active[idx[~bought]] = False
        active[hit[drop]] = False
    return x, tx, T


# ---------------------------------------------------------------- Gamma-Gamma (Fader, Hardie & Lee 2005, RFM and CLV)

class GammaGammaData:
    """Repeat buyers' frequency ``x`` (> 0) and mean spend ``m`` (> 0)."""

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        self.x, self.m = x.astype(float), m
        self.by_x = _ByX(self.x)
        self.log_m, self.sum_x_log_x = np.log(m), float((self.x * np.log(self.x)).sum())
        self.sum_log_m = float(self.log_m.sum())
        self.sum_x_log_m = float((self.x * self.log_m).sum())
        self.xm = self.x * m


def gamma_gamma_negloglik(theta: np.ndarray, d: GammaGammaData) -> tuple[float, np.ndarray]:
    """Minus the mean log-likelihood of the mean spends and its gradient in ``theta = log(p, q, v)``."""
    p, q, v = np.exp(theta)
    g = d.by_x
    ux, counts, n = g.values, g.counts, g.n
    px = p * ux
    log_xmv = np.log(d.xm + v)
    total = (counts @ (gammaln(px + q) - gammaln(px)) + n * (q * np.log(v) - gammaln(q))
             + p * d.sum_x_log_m - d.sum_log_m + p * d.sum_x_log_x - (p * d.x * log_xmv).sum() - q * log_xmv.sum())
    psi = digamma(px + q)
    d_p = (counts @ (ux * (psi - digamma(px))) + d.sum_x_log_m + d.sum_x_log_x - (d.x * log_xmv).sum())
    d_q = counts @ psi - n * digamma(q) + n * np.log(v) - log_xmv.sum()
    d_v = n * q / v - ((p * d.x + q) / (d.xm + v)).sum()
    grad = np.array([d_p * p, d_q * q, d_v * v])
    return -total / n, -grad / n


def gamma_gamma_fit(d: GammaGammaData, start: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood Gamma-Gamma parameters (start: all 1, as lifetimes)."""
    theta0 = np.zeros(3) if start is None else np.log(start)
    return _fit(lambda t: gamma_gamma_negloglik(t, d), theta0, d.by_x.n, GAMMA_GAMMA_TERMS)


def gamma_gamma_expected(x: np.ndarray, m: np.ndarray, params: np.ndarray) -> np.ndarray:
    """E[M | x, m]: expected mean spend per purchase, shrinking ``m`` to the population mean."""
    p, q, v = params
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * (v * p / (q - 1)) + weight * m


def lifetime_value(bgnbd: np.ndarray, spend: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                   months: int, discount_rate: float, unit: str) -> np.ndarray:
    """Discounted value of the next ``months`` months: sum over months k of
    spend x E[purchases in month k] / (1 + discount_rate)^k (lifetimes' convention)."""
    factor = MONTH[unit]
    value = np.zeros(x.shape)
    previous = np.zeros(x.shape)
    for k in range(1, months + 1):
        cumulative = bgnbd_conditional(k * factor, x, tx, T, bgnbd)
        value += spend * (cumulative - previous) / (1 + discount_rate) ** k
        previous = cumulative
    return value


# ---------------------------------------------------------------- the optimiser

def _fit(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], theta0: np.ndarray, n: int,
         terms: tuple[str, ...]) -> Fit:
    """BFGS on log-parameters, then Newton steps on the finite-difference Hessian of the gradient."""
    with np.errstate(all="ignore"):
        out = minimize(objective, theta0, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 1000})
        theta, iterations = out.x, int(out.nit)
        value, grad = objective(theta)
        hess = _hessian(objective, theta)
        for _ in range(5):
            if not (np.isfinite(hess).all() and np.all(np.linalg.eigvalsh((hess + hess.T) / 2) > 0)):
                break
            step = np.linalg.solve(hess, grad)
            trial = theta - step
            new_value, new_grad = objective(trial)
            if not np.isfinite(new_value) or new_value > value:
                break
            theta, value, grad = trial, new_value, new_grad
            iterations += 1
            hess = _hessian(objective, theta)
            if np.max(np.abs(step)) < 1e-12:
                break
    params = np.exp(theta)
    gnorm = float(np.max(np.abs(grad))) if np.isfinite(grad).all() else float("inf")
    covariance = np.full((theta.size, theta.size), np.nan)
    positive = np.isfinite(hess).all() and np.all(np.linalg.eigvalsh((hess + hess.T) / 2) > 0)
    if positive:
        # hess is of the mean negative log-likelihood in log-parameters: the natural scale's
        # covariance is J H^-1 J / n with J = diag(params) (delta method, exact at the optimum)
        covariance = np.outer(params, params) * np.linalg.inv(hess) / n
    converged = bool(np.isfinite(value) and gnorm < 1e-5 and positive and np.all(np.isfinite(params))
                     and np.all((params > 1e-8) & (params < 1e8)))
    message = str(out.message) if not converged else "converged"
    edge = ~np.isfinite(params) | (params <= 1e-8) | (params >= 1e8)
    if not converged and edge.any():
        names = ", ".join(f"{terms[k]} = {params[k]:.3g}" for k in np.flatnonzero(edge))
        message = (f"{names} ran to the edge of the range (0 or infinity): the data cannot pin "
                   f"{'them' if edge.sum() > 1 else 'it'} down")
    elif not converged and gnorm >= 1e-5:
        message = f"the gradient did not vanish (largest element {gnorm:.2g}; {out.message})"
    elif not converged and not positive:
        message = "the Hessian is not positive definite at the end point (a flat or unbounded likelihood)"
    return Fit(params=params, loglik=-value * n, covariance=covariance, converged=converged, iterations=iterations,
               gradient_norm=gnorm, message=message)


def _hessian(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], theta: np.ndarray) -> np.ndarray:
    k = theta.size
    hess = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        hess[:, j] = (objective(up)[1] - objective(down)[1]) / (2 * h)
    return (hess + hess.T) / 2
