"""Likelihoods, fitting and predictions of the BG/NBD and Gamma-Gamma models (no pandas, no checks).

Everything works on NumPy arrays of a summary table: ``x`` repeat purchases, ``tx`` the
time of the last purchase (recency), ``T`` the customer's age, ``m`` the mean spend of the
repeat purchases. Terms that depend on ``x`` alone (log-gamma and digamma values) are
computed once per distinct ``x`` and weighted by how many customers share it, so a
million customers cost a few vectorised passes per likelihood evaluation. Both models are
fitted by BFGS on log-parameters with analytic gradients, polished by Newton steps whose
Hessian is the forward difference of the analytic gradient; that Hessian (on the natural
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
    hessian: np.ndarray  # of the mean negative log-likelihood in log-parameters


#: Above this many customers, a systematic subsample is fitted first to start the full fit near the optimum.
WARM_START = 50_000


class _ByX:
    """Customers grouped by their number of repeat purchases."""

    def __init__(self, x: np.ndarray) -> None:
        self.values, self.inverse, self.counts = np.unique(x, return_inverse=True, return_counts=True)
        self.n = x.size


# ---------------------------------------------------------------- BG/NBD (Fader, Hardie & Lee 2005)

class BGNBDData:
    """Summary arrays prepared once for repeated likelihood evaluations.

    Customers without repeat purchases contribute through their ``T`` alone, so they are
    grouped by ``T`` (a daily summary has a few hundred distinct values); repeat buyers are
    kept one by one.
    """

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
        self.by_x = _ByX(x)
        repeat = x > 0
        self.zero_T, self.zero_count = np.unique(T[~repeat], return_counts=True)
        self.rx, self.rtx, self.rT = x[repeat].astype(float), tx[repeat], T[repeat]
        self.r_inverse = self.by_x.inverse[repeat]


def bgnbd_negloglik(theta: np.ndarray, d: BGNBDData) -> tuple[float, np.ndarray]:
    """Minus the mean log-likelihood per customer and its gradient in ``theta = log(r, alpha, a, b)``.

    Per customer (FHL 2005, eq. 6, on the log scale): ``A1 + A2 + log(exp(A3) + [x > 0] exp(A4))``
    with ``A3 = -(r + x) log(alpha + T)`` and ``A4 = log a - log(b + x - 1) - (r + x) log(alpha + tx)``;
    ``w`` below is the posterior weight of the second term (dropped out after the last purchase).
    """
    r, alpha, a, b = np.exp(theta)
    g = d.by_x
    ux, counts, n = g.values, g.counts, g.n
    per_x = gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
    log_zero = np.log(alpha + d.zero_T)
    log_T = np.log(alpha + d.rT)
    gap = np.log(alpha + d.rtx) - log_T
    rx = r + d.rx
    diff = np.log(a) - np.log(b + ux - 1 + (ux == 0))[d.r_inverse] - rx * gap
    # softplus(diff) = log(1 + exp(diff)) and w = expit(diff) from one exponential
    e = np.exp(-np.abs(diff))
    softplus = np.maximum(diff, 0.0) + np.log1p(e)
    w = np.where(diff >= 0, 1.0, e) / (1.0 + e)
    total = (counts @ per_x + n * r * np.log(alpha) - r * (d.zero_count @ log_zero) - rx @ log_T + softplus.sum())
    d_r = (counts @ (digamma(r + ux) - digamma(r)) + n * np.log(alpha) - d.zero_count @ log_zero - log_T.sum()
           - w @ gap)
    inv_T = 1.0 / (alpha + d.rT)
    d_alpha = (n * r / alpha - r * (d.zero_count @ (1.0 / (alpha + d.zero_T))) - rx @ inv_T
               - (rx * w) @ (1.0 / (alpha + d.rtx) - inv_T))
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
    d_a = counts @ (psi_ab - psi_abx) + w.sum() / a
    d_b = counts @ (psi_ab + digamma(b + ux) - digamma(b) - psi_abx) - w @ (1.0 / (b + d.rx - 1))
    grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return -total / n, -grad / n


def bgnbd_fit(x: np.ndarray, tx: np.ndarray, T: np.ndarray, start: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood BG/NBD parameters; ``start`` on the natural scale (default all 1, as lifetimes).

    With more than ``WARM_START`` customers and no ``start``, every k-th customer (about
    20,000) is fitted first and the full fit starts from that optimum and its curvature:
    a handful of iterations on the full data instead of thirty.
    """
    warm = None
    if start is None and x.size > WARM_START:
        every = slice(None, None, x.size // 20_000)
        warm = bgnbd_fit(x[every], tx[every], T[every], np.ones(4))
    d = BGNBDData(x, tx, T)
    return _fit(lambda t: bgnbd_negloglik(t, d), _start(start, warm, 4), d.by_x.n, BGNBD_TERMS, warm)


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


# ---------------------------------------------------------------- Pareto/NBD (Schmittlein, Morrison & Colombo 1987)

PARETO_TERMS = ("r", "alpha", "s", "beta")


class ParetoData:
    """Distinct (x, tx, T) rows and how many customers share each (the likelihood has no
    per-x shortcut, so identical histories are evaluated once)."""

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
        rows, self.counts = np.unique(np.column_stack([x, tx, T]).astype(float), axis=0, return_counts=True)
        self.x, self.tx, self.T = rows[:, 0], rows[:, 1], rows[:, 2]
        self.n = int(x.size)


def pareto_log_a0(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """log A0 of Fader & Hardie's (2005) note on the Pareto/NBD likelihood (eq. 19-20), by Euler's
    identity on whichever of alpha, beta is larger; -inf where tx = T."""
    r, alpha, s, beta = params
    if alpha < beta:
        low, high, t = alpha, beta, r + x
    else:
        low, high, t = beta, alpha, s + 1.0
    rsx = r + s + x
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.log(hyp2f1(rsx, t, rsx + 1.0, (high - low) / (high + tx))) - rsx * np.log(high + tx)
        v = np.log(hyp2f1(rsx, t, rsx + 1.0, (high - low) / (high + T))) - rsx * np.log(high + T)
        return np.where(u > v, u + np.log1p(-np.exp(v - u)), -np.inf)


def pareto_loglik_each(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Log-likelihood of each history (Fader & Hardie 2005 note, eq. 22)."""
    r, alpha, s, beta = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    with np.errstate(divide="ignore"):
        a2 = np.logaddexp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T),
                          np.log(s) + pareto_log_a0(params, x, tx, T) - np.log(r + s + x))
    return a1 + a2


def pareto_negloglik(theta: np.ndarray, d: ParetoData) -> tuple[float, np.ndarray]:
    """Minus the mean log-likelihood and its gradient in log-parameters (central differences:
    the hypergeometric function has no cheap derivatives in its parameters)."""
    def value(t: np.ndarray) -> float:
        return -float(d.counts @ pareto_loglik_each(np.exp(t), d.x, d.tx, d.T)) / d.n

    grad = np.empty(theta.size)
    for j in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        grad[j] = (value(up) - value(down)) / (2 * h)
    return value(theta), grad


def pareto_fit(x: np.ndarray, tx: np.ndarray, T: np.ndarray, start: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood Pareto/NBD parameters (start: all 1)."""
    d = ParetoData(x, tx, T)
    return _fit(lambda t: pareto_negloglik(t, d), np.zeros(4) if start is None else np.log(start), d.n, PARETO_TERMS,
                hessian=lambda t: _hessian_values(lambda u: pareto_negloglik(u, d)[0], t))


def pareto_expected(t: np.ndarray | float, params: np.ndarray) -> np.ndarray:
    """E[X(t)] of a new customer: r beta / (alpha (s - 1)) (1 - (beta / (beta + t))^(s - 1))."""
    r, alpha, s, beta = params
    t = np.asarray(t, dtype=float)
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def pareto_conditional(t: np.ndarray | float, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                       params: np.ndarray) -> np.ndarray:
    """E[Y(t) | x, tx, T] (Schmittlein et al. 1987; Fader & Hardie 2005 note, eq. 23)."""
    r, alpha, s, beta = params
    t = np.asarray(t, dtype=float)
    first = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - (r + x) * np.log(alpha + T)
             - s * np.log(beta + T))
    second = np.log(r + x) + np.log(beta + T) - np.log(alpha + T)
    third = np.log((1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1))
    return np.exp(first + second + third - pareto_loglik_each(params, x, tx, T))


def pareto_alive(x: np.ndarray, tx: np.ndarray, T: np.ndarray, params: np.ndarray) -> np.ndarray:
    """P(alive | x, tx, T) (Fader & Hardie 2005 note, eq. 18)."""
    r, alpha, s, beta = params
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T)
                                   + s * np.log(beta + T) + pareto_log_a0(params, x, tx, T)))


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


def gamma_gamma_fit(x: np.ndarray, m: np.ndarray, start: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood Gamma-Gamma parameters of repeat buyers (start: all 1, as lifetimes;
    its likelihood is cheap enough to need no warm start)."""
    d = GammaGammaData(x, m)
    return _fit(lambda t: gamma_gamma_negloglik(t, d), _start(start, None, 3), d.by_x.n, GAMMA_GAMMA_TERMS)


def _start(start: np.ndarray | None, warm: Fit | None, k: int) -> np.ndarray:
    if warm is not None and warm.converged:
        return np.log(warm.params)
    return np.zeros(k) if start is None else np.log(start)


def gamma_gamma_expected(x: np.ndarray, m: np.ndarray, params: np.ndarray) -> np.ndarray:
    """E[M | x, m]: expected mean spend per purchase, shrinking ``m`` to the population mean."""
    p, q, v = params
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * (v * p / (q - 1)) + weight * m


def lifetime_value(conditional: Callable[[float], np.ndarray], spend: np.ndarray, months: int,
                   discount_rate: float, unit: str) -> np.ndarray:
    """Discounted value of the next ``months`` months: sum over months k of
    spend x E[purchases in month k] / (1 + discount_rate)^k (lifetimes' convention);
    ``conditional(t)`` gives each customer's expected purchases by time t."""
    factor = MONTH[unit]
    value = np.zeros(spend.shape)
    previous = np.zeros(spend.shape)
    for k in range(1, months + 1):
        cumulative = conditional(k * factor)
        value += spend * (cumulative - previous) / (1 + discount_rate) ** k
        previous = cumulative
    return value


# ---------------------------------------------------------------- the optimiser

def _fit(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], theta0: np.ndarray, n: int,
         terms: tuple[str, ...], warm: Fit | None = None,
         hessian: Callable[[np.ndarray], np.ndarray] | None = None) -> Fit:
    """BFGS on log-parameters, then Newton steps on the finite-difference Hessian of the gradient
    (or on ``hessian(theta)`` when the gradient is itself a difference quotient)."""
    def curvature(t: np.ndarray, g: np.ndarray) -> np.ndarray:
        return _hessian(objective, t, g) if hessian is None else hessian(t)

    options: dict = {"gtol": 1e-9, "maxiter": 1000}
    if warm is not None and warm.converged:
        inverse = np.linalg.inv(warm.hessian)
        options["hess_inv0"] = (inverse + inverse.T) / 2
    with np.errstate(all="ignore"):
        out = minimize(objective, theta0, jac=True, method="BFGS", options=options)
        theta, iterations = out.x, int(out.nit)
        value, grad = objective(theta)
        hess = curvature(theta, grad)
        for _ in range(5):  # Newton polish: BFGS stops a little short of the optimum on flat likelihoods
            if not (np.isfinite(hess).all() and np.all(np.linalg.eigvalsh(hess) > 0)):
                break
            step = np.linalg.solve(hess, grad)
            if np.max(np.abs(step)) < 1e-10:
                break
            trial = theta - step
            new_value, new_grad = objective(trial)
            if not np.isfinite(new_value) or new_value > value:
                break
            theta, value, grad = trial, new_value, new_grad
            iterations += 1
            if np.max(np.abs(step)) > 1e-6:  # moved far enough to change the curvature (and the SEs)
                hess = curvature(theta, grad)
    params = np.exp(theta)
    gnorm = float(np.max(np.abs(grad))) if np.isfinite(grad).all() else float("inf")
    covariance = np.full((theta.size, theta.size), np.nan)
    eigen = np.linalg.eigvalsh(hess) if np.isfinite(hess).all() else np.full(theta.size, np.nan)
    # a flat direction (the data do not pin a parameter down) counts as not positive definite
    positive = bool(np.all(eigen > 0) and eigen[0] > 1e-10 * eigen[-1])
    if positive:
        # hess is of the mean negative log-likelihood in log-parameters: the natural scale's
        # covariance is J H^-1 J / n with J = diag(params) (delta method, exact at the optimum)
        covariance = np.outer(params, params) * np.linalg.inv(hess) / n
    edge = ~np.isfinite(params) | (params <= 1e-6) | (params >= 1e6)
    converged = bool(np.isfinite(value) and gnorm < 1e-5 and positive and not edge.any())
    message = str(out.message) if not converged else "converged"
    if not converged and edge.any():
        names = ", ".join(f"{terms[k]} = {params[k]:.3g}" for k in np.flatnonzero(edge))
        message = (f"{names} ran to the edge of the range (0 or infinity): the data cannot pin "
                   f"{'them' if edge.sum() > 1 else 'it'} down")
    elif not converged and gnorm >= 1e-5:
        message = f"the gradient did not vanish (largest element {gnorm:.2g}; {out.message})"
    elif not converged and not positive:
        message = "the Hessian is not positive definite at the end point (a flat or unbounded likelihood)"
    return Fit(params=params, loglik=-value * n, covariance=covariance, converged=converged, iterations=iterations,
               gradient_norm=gnorm, message=message, hessian=hess)


def _hessian(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], theta: np.ndarray,
             grad: np.ndarray) -> np.ndarray:
    """Forward differences of the analytic gradient (one evaluation per parameter), symmetrised."""
    k = theta.size
    hess = np.empty((k, k))
    for j in range(k):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up = theta.copy()
        up[j] += h
        hess[:, j] = (objective(up)[1] - grad) / h
    return (hess + hess.T) / 2


def _hessian_values(value: Callable[[np.ndarray], float], theta: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central second differences of the function itself (for objectives without an analytic gradient)."""
    k = theta.size
    hess = np.empty((k, k))
    h = step * np.maximum(1.0, np.abs(theta))
    for i in range(k):
        for j in range(i, k):
            total = 0.0
            for si, sj, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                point = theta.copy()
                point[i] += si * h[i]
                point[j] += sj * h[j]
                total += sign * value(point)
            hess[i, j] = hess[j, i] = total / (4 * h[i] * h[j])
    return hess
