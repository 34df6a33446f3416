"""Maximum likelihood: the discrepancy function, its gradient, starting values, optimiser.

The ML discrepancy (without lavaan's factor 1/2, so that chi-square = N * F at the
minimum) is

    F(theta) = log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)' Sigma^-1 (m - mu).

Its gradient is ``tr(W dSigma_k) - 2 (m - mu)' Sigma^-1 dmu_k`` with
``W = Sigma^-1 (Sigma - S) Sigma^-1``, and its expected Hessian (the Fisher information
per observation, times 2) is ``H_kl = tr(Sigma^-1 dSigma_k Sigma^-1 dSigma_l) +
2 dmu_k' Sigma^-1 dmu_l``. Fisher scoring with step halving minimises F, Newton steps
with the exact Hessian finish; when scoring stalls (near-collinear factors, two-item
factors, small samples) a trust region on the exact Hessian takes over
(:mod:`._optimise`), and convergence means the largest gradient element of F is below
1e-5 at the end. Linear equality constraints (``==`` and shared labels beyond one row) are handled by optimising over
``theta = theta0 + K phi``. Starting values follow lavaan's "simple" rules, with
loadings and factor variances from indicator triads (close to lavaan's fabin starts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._optimise import trust_region
from .matrices import Implied, RamModel, mean_second_order_term, second_order_term

__all__ = ["Estimate", "Groups", "discrepancy", "fisher_scoring", "start_values", "expected_hessian"]


@dataclass(frozen=True)
class Estimate:
    theta: np.ndarray
    fmin: float  # F at the minimum (chi-square / N)
    iterations: int
    converged: bool
    gradient_max: float


def discrepancy(model: RamModel, imp: Implied, cov: np.ndarray, mean: np.ndarray, logdet_s: float) -> float:
    """F at the implied moments; +inf when Sigma is not positive definite."""
    try:
        chol = np.linalg.cholesky(imp.sigma)
    except np.linalg.LinAlgError:
        return np.inf
    logdet = 2.0 * np.sum(np.log(np.diag(chol)))
    value = logdet + np.trace(np.linalg.solve(imp.sigma, cov)) - logdet_s - model.p
    if model.meanstructure:
        diff = mean - imp.mu
        value += diff @ np.linalg.solve(imp.sigma, diff)
    return float(value)


def _gradient_and_hessian(model: RamModel, imp: Implied, cov: np.ndarray, mean: np.ndarray,
                          hessian: bool = True, exact: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient of F and its expected Hessian (or, with ``exact=True``, the exact Hessian,
    for Newton steps near the minimum)."""
    inv = np.linalg.inv(imp.sigma)
    d_sigma, d_mu = model.jacobian(imp)
    diff = mean - imp.mu if model.meanstructure else None
    # the mean term (m - mu)' Sigma^-1 (m - mu) also depends on Sigma: it acts as S + d d'
    s_star = cov if diff is None else cov + np.outer(diff, diff)
    w = inv @ (imp.sigma - s_star) @ inv
    q = d_sigma.shape[0]
    grad = d_sigma.reshape(q, -1) @ w.ravel()
    hess = None
    if hessian:
        p = inv.shape[0]
        stacked = d_sigma.transpose(1, 0, 2).reshape(p, q * p)  # all dSigma_k side by side: one product
        g = (inv @ stacked).reshape(p, q, p).transpose(1, 0, 2)  # (q, p, p) : Sigma^-1 dSigma_k
        g_t = g.transpose(0, 2, 1).reshape(q, -1)
        hess = g.reshape(q, -1) @ g_t.T  # tr(G_k G_l)
        if exact:
            pg = ((inv @ s_star) @ g.transpose(1, 0, 2).reshape(p, q * p)).reshape(p, q, p).transpose(1, 0, 2)
            t1 = g.reshape(q, -1) @ pg.transpose(0, 2, 1).reshape(q, -1).T  # tr(G_l P G_k)
            hess = -hess + t1 + t1.T + second_order_term(model, imp, w)
    if diff is not None:
        v = inv @ diff
        grad -= 2.0 * d_mu @ v
        if hessian:
            hess += 2.0 * d_mu @ inv @ d_mu.T
            if exact:  # S + d d' moves with mu, and mu is not linear in the paths
                cross = 2.0 * (d_sigma @ v) @ (inv @ d_mu.T)
                hess += cross + cross.T - 2.0 * mean_second_order_term(model, imp, v)
    return grad, hess


def expected_hessian(model: RamModel, theta: np.ndarray) -> np.ndarray:
    """The expected Hessian H of F at ``theta`` (n_par x n_par)."""
    imp = model.implied(theta)
    return _gradient_and_hessian(model, imp, imp.sigma, imp.mu)[1]  # type: ignore[return-value]


class Groups:
    """The groups' RAM models with their sample moments and weights ``n_g / N``: what the
    optimiser sees. One group is the ordinary single-sample model."""

    def __init__(self, models, covs, means, nobs):
        self.models, self.covs, self.means = tuple(models), tuple(covs), tuple(means)
        self.nobs = tuple(int(n) for n in nobs)
        total = sum(self.nobs)
        self.weights = tuple(n / total for n in self.nobs)
        self.logdets = tuple(np.linalg.slogdet(c)[1] for c in self.covs)
        self.meanstructure = any(m.meanstructure for m in self.models)
        self.n_par = self.models[0].n_par

    def __len__(self) -> int:
        return len(self.models)

    def implied(self, theta: np.ndarray) -> list[Implied]:
        return [m.implied(theta) for m in self.models]

    def discrepancy(self, imps: list[Implied]) -> float:
        return float(sum(w * discrepancy(m, imp, c, mu, ld) for m, imp, c, mu, ld, w in
                         zip(self.models, imps, self.covs, self.means, self.logdets, self.weights, strict=True)))

    def gradient_and_hessian(self, imps: list[Implied], hessian: bool = True, exact: bool = False):
        if len(self.models) == 1:
            return _gradient_and_hessian(self.models[0], imps[0], self.covs[0], self.means[0], hessian, exact)
        grad, hess = np.zeros(self.n_par), (np.zeros((self.n_par, self.n_par)) if hessian else None)
        for m, imp, c, mu, w in zip(self.models, imps, self.covs, self.means, self.weights, strict=True):
            g, h = _gradient_and_hessian(m, imp, c, mu, hessian, exact)
            grad += w * g
            if hessian:
                hess += w * h
        return grad, hess

    def expected_hessian(self, theta: np.ndarray) -> np.ndarray:
        """The expected Hessian of the (weighted) discrepancy at ``theta``."""
        out = np.zeros((self.n_par, self.n_par))
        for m, w in zip(self.models, self.weights, strict=True):
            out += w * expected_hessian(m, theta)
        return out


def fisher_scoring(groups: Groups, theta0: np.ndarray, *,
                   constraint_basis: np.ndarray | None = None, tol: float = 1e-7,
                   ftol: float = 1e-10, max_iter: int = 500, warm: bool = False) -> Estimate:
    """Minimise F: Fisher scoring with step halving, then Newton steps with the exact Hessian.

    Scoring is robust far from the minimum; Newton converges quadratically near it. A
    warm start (``warm=True``, e.g. bootstrap draws started at the full-sample estimate)
    begins with Newton. With ``constraint_basis`` K the search runs over theta0 + K phi.
    """
    k = constraint_basis
    theta = theta0.astype(float).copy()
    imp = groups.implied(theta)
    f = groups.discrepancy(imp)
    if not np.isfinite(f):
        return Estimate(theta, np.inf, 0, False, np.inf)
    newton = False  # the first step scores (robust); Newton takes over once steps are whole
    iteration = 0
    for iteration in range(1, max_iter + 1):
        step = None
        for use_newton in ((True, False) if newton else (False,)):
            grad, hess = groups.gradient_and_hessian(imp, exact=use_newton)
            g, h = (grad, hess) if k is None else (k.T @ grad, k.T @ hess @ k)
            direction = _solve_step(h, g, k, exact=use_newton)
            if direction is not None and use_newton and 0.5 * (grad @ direction) < ftol * max(1.0, abs(f)):
                # Newton decrement below tolerance: the full step lands on the minimum
                theta = theta - direction
                imp = groups.implied(theta)
                f = groups.discrepancy(imp)
                gmax = float(np.max(np.abs(g)))
                return Estimate(theta, f, iteration, bool(np.isfinite(f)), gmax)
            if direction is not None:
                step = _line_search(groups, theta, direction, f)
                if step is not None:
                    break
        if step is None:
            break
        scale, candidate, imp_new, f_new = step
        change = f - f_new
        theta, imp, f = candidate, imp_new, f_new
        newton = warm or (scale == 1.0 and change < 0.1 * max(1.0, abs(f)))
        if np.max(np.abs(scale * direction)) < tol or change < ftol * max(1.0, abs(f)):
            grad, _ = groups.gradient_and_hessian(imp, hessian=False)
            g = grad if k is None else k.T @ grad
            if np.max(np.abs(g)) < 1e-5:
                return Estimate(theta, f, iteration, True, float(np.max(np.abs(g))))
    grad, _ = groups.gradient_and_hessian(imp, hessian=False)
    g = grad if k is None else k.T @ grad
    gmax = float(np.max(np.abs(g))) if len(g) else 0.0
    if gmax < 1e-5 or iteration >= max_iter:  # max_iter bounds scoring and the trust region together
        return Estimate(theta, f, iteration, gmax < 1e-5, gmax)
    # scoring stalled (no lower value along its direction, or out of iterations): the trust
    # region continues from the best point so far, with the same final gradient check
    return _trust_region(groups, theta, f, gmax, k, iteration, max_iter)


def _trust_region(groups: Groups, theta: np.ndarray, f: float, gmax: float, k: np.ndarray | None, used: int,
                  max_iter: int) -> Estimate:
    """The fallback of :func:`fisher_scoring`: a trust region on the exact Hessian over
    ``theta + K phi``, a non-positive-definite implied covariance matrix counting as a step
    that was too long (see :mod:`._optimise`)."""
    basis = np.eye(len(theta)) if k is None else k
    cache: dict = {}

    def implied(phi):  # the optimiser asks for value, gradient and Hessian at the same point
        key = phi.tobytes()
        if key not in cache:
            cache.clear()
            cache[key] = groups.implied(theta + basis @ phi)
        return cache[key]

    def value(phi):
        return groups.discrepancy(implied(phi))

    def gradient(phi):
        return basis.T @ groups.gradient_and_hessian(implied(phi), hessian=False)[0]

    def hessian(phi):
        return basis.T @ groups.gradient_and_hessian(implied(phi), exact=True)[1] @ basis

    found = trust_region(value, gradient, hessian, np.zeros(basis.shape[1]), max_iter=max_iter - used,
                         gtol=1e-9)
    if found.value > f:  # never hand back a worse point than scoring reached
        return Estimate(theta, f, used + found.iterations, False, gmax)
    return Estimate(theta + basis @ found.x, found.value, used + found.iterations, found.gradient_max < 1e-5,
                    found.gradient_max)


def _line_search(groups: Groups, theta: np.ndarray, direction: np.ndarray, f: float):
    """Halve the step until F does not increase: (scale, theta, implied, F) or None."""
    scale = 1.0
    for _ in range(40):
        candidate = theta - scale * direction
        try:
            imp_new = groups.implied(candidate)
            f_new = groups.discrepancy(imp_new)
        except np.linalg.LinAlgError:
            f_new = np.inf
        if f_new <= f + 1e-14 * max(1.0, abs(f)):
            return scale, candidate, imp_new, f_new
        scale *= 0.5
    return None


def _solve_step(h: np.ndarray, g: np.ndarray, k: np.ndarray | None, *, exact: bool) -> np.ndarray | None:
    """The step H^-1 g (mapped back through K). An exact Hessian that is not positive
    definite gives None (take a scoring step instead); a singular expected Hessian gets
    the least-squares step."""
    try:
        np.linalg.cholesky(h)
        step = np.linalg.solve(h, g)
    except np.linalg.LinAlgError:
        if exact:
            return None
        step = np.linalg.lstsq(h, g, rcond=None)[0]
    return step if k is None else k @ step


def start_values(model: RamModel, cov: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Starting values: user starts, else lavaan-like simple starts with triad loadings, and
    structural paths from the covariances of the factors' marker indicators."""
    spec = model.spec
    rows = [(r.lhs, r.op, r.rhs, r.free, r.value) for r in spec.rows]
    obs = {n: i for i, n in enumerate(spec.observed)}
    markers, fixed_variance = _markers(rows, obs), _latents_with_fixed_variance(rows, spec.latent)
    factor_var = _factor_variances(rows, spec.latent, markers, cov, obs)
    paths, residual = _structural_starts(rows, spec, markers, factor_var, fixed_variance, cov, obs)
    theta = np.zeros(model.n_par)
    for lhs, op, rhs, free, value in rows:
        if free == 0:
            continue
        k = free - 1
        if not np.isnan(value):
            theta[k] = value
        elif op == "=~" and rhs in obs:
            marker, phi, j = markers.get(lhs), factor_var.get(lhs, 0.0), obs[rhs]
            ratio = cov[j, obs[marker]] / phi if marker is not None and marker != rhs and phi > 0 else 1.0
            if lhs in fixed_variance:  # std.lv metric: loadings carry the factor's sd
                ratio *= np.sqrt(phi if phi > 0 else 0.5 * cov[j, j])
            theta[k] = ratio
        elif op == "~":
            theta[k] = paths.get((lhs, rhs), 0.0)
        elif op == "~~" and lhs == rhs:
            if lhs in residual:
                theta[k] = residual[lhs]
            elif lhs in obs:
                theta[k] = 0.5 * cov[obs[lhs], obs[lhs]]
            else:
                theta[k] = factor_var.get(lhs, 0.05)
        elif op == "~1" and lhs in obs:
            theta[k] = mean[obs[lhs]]
    return theta


def _structural_starts(rows, spec, markers, factor_var, fixed_variance, cov, obs):
    """Regression starts by OLS on the covariances of marker indicators (a factor's marker
    carries the factor's covariances when its loading is 1); residual variances to match.
    Paths of a factor whose marker also indicates another factor start at 0, as in lavaan."""
    regressions: dict[str, list[str]] = {}
    for lhs, op, rhs, free, value in rows:
        if op == "~":
            regressions.setdefault(lhs, []).append(rhs)
    if not regressions or fixed_variance:
        return {}, {}

    # a marker that indicates several factors (an RI-CLPM's score loads on its random intercept
    # and on its within component) carries none of them alone: such factors' paths start at 0
    shared = {m for m in markers.values() if sum(1 for lhs, op, rhs, *_ in rows if op == "=~" and rhs == m) > 1}

    def proxy(name: str) -> int | None:
        if name in obs and name not in spec.latent:
            return obs[name]
        marker = markers.get(name)
        return obs[marker] if marker is not None and marker not in shared else None

    def phi(a: str, b: str) -> float:
        if a == b and a in factor_var:
            return factor_var[a]
        return cov[proxy(a), proxy(b)]

    paths, residual = {}, {}
    for outcome, predictors in regressions.items():
        if proxy(outcome) is None or any(proxy(x) is None for x in predictors):
            continue
        sxx = np.array([[phi(a, b) for b in predictors] for a in predictors])
        sxy = np.array([phi(a, outcome) for a in predictors])
        try:
            beta = np.linalg.solve(sxx, sxy)
        except np.linalg.LinAlgError:
            continue
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 10:
            continue
        paths.update({(outcome, x): b for x, b in zip(predictors, beta, strict=True)})
        total = phi(outcome, outcome) if outcome in spec.latent else cov[obs[outcome], obs[outcome]]
        residual[outcome] = max(total - beta @ sxy, 0.1 * total)
    return paths, residual


def _latents_with_fixed_variance(rows, latent) -> set[str]:
    return {lhs for lhs, op, rhs, free, _ in rows if op == "~~" and lhs == rhs and lhs in latent and free == 0}


def _markers(rows, obs: dict[str, int]) -> dict[str, str]:
    """The scaling indicator of each factor: its fixed loading, else its first indicator."""
    first, fixed = {}, {}
    for lhs, op, rhs, free, _ in rows:
        if op == "=~" and rhs in obs:
            first.setdefault(lhs, rhs)
            if free == 0:
                fixed.setdefault(lhs, rhs)
    return {**first, **fixed}


def _factor_variances(rows, latent, markers: dict[str, str], cov: np.ndarray, obs: dict[str, int]) -> dict[str, float]:
    """Variance of each factor in the metric of its marker, from indicator triads."""
    out = {}
    fixed_residual = {lhs: value for lhs, op, rhs, free, value in rows
                      if op == "~~" and lhs == rhs and lhs in obs and free == 0}
    for name in latent:
        marker = markers.get(name)
        if marker is None:
            continue
        others = [rhs for lhs, op, rhs, *_ in rows if op == "=~" and lhs == name and rhs in obs and rhs != marker]
        m = obs[marker]
        if len(others) >= 2:
            est = [cov[m, obs[a]] * cov[m, obs[b]] / cov[obs[a], obs[b]]
                   for i, a in enumerate(others) for b in others[i + 1:] if abs(cov[obs[a], obs[b]]) > 1e-12]
            value = float(np.median(est)) if est else 0.5 * cov[m, m]
        elif len(others) == 1:
            value = abs(cov[m, obs[others[0]]])
        elif marker in fixed_residual:  # a single indicator with a fixed residual variance (0: the score itself)
            value = cov[m, m] - fixed_residual[marker]
        else:
            value = 0.5 * cov[m, m]
        out[name] = min(max(value, 0.05 * cov[m, m]), cov[m, m])
    return out
