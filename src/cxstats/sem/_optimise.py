"""The fallback minimiser behind every estimator: a trust region on the model's own Hessian.

Fisher scoring with step halving (ML, MLR, multigroup: :func:`.estimate.fisher_scoring`;
FIML: :func:`._fiml_estimate.fiml_estimate`) reaches the minimum of well-behaved models in
a handful of steps. When it stalls (a line search that finds no lower value, an
information matrix that is singular or not positive definite: factors that correlate .95
and more, two-indicator factors, small samples) the search continues here instead of
giving up.

The trust region (scipy's ``trust-exact``, Moré & Sorensen's nearly exact subproblem
solution) needs no positive definite Hessian, and it treats a step into a
non-positive-definite implied covariance matrix, where the discrepancy is +inf, as a step
that was too long: the step is rejected and the radius shrunk. A gradient is only ever
asked for at accepted points, where the discrepancy is finite, so an infinite value can
never come with a misleading (zero or NaN) gradient. Convergence is then judged by one
final gradient check, the same for every estimator: the largest absolute gradient element
of the minimised function below ``gtol``.

Nocedal & Wright (2006), Numerical Optimization, ch. 4; Moré & Sorensen (1983).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["Minimum", "trust_region"]


@dataclass(frozen=True)
class Minimum:
    """Where the trust region stopped: ``x`` (in the search coordinates), the function value,
    the iterations used and the largest absolute gradient element there."""

    x: np.ndarray
    value: float
    iterations: int
    gradient_max: float


def trust_region(value: Callable[[np.ndarray], float], gradient: Callable[[np.ndarray], np.ndarray],
                 hessian: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, *, max_iter: int = 500,
                 gtol: float = 1e-8) -> Minimum:
    """Minimise ``value`` from ``x0`` by a trust region on ``hessian`` (exact or expected).

    ``value`` returns +inf where the model is not defined (a non-positive-definite implied
    covariance matrix); such steps are rejected. ``hessian`` may be indefinite. A Hessian
    that cannot be computed at a point (a singular block) is replaced by the identity
    scaled to the gradient, which makes that step a steepest-descent step.
    """
    x0 = np.asarray(x0, dtype=float)
    if x0.size == 0:
        return Minimum(x0, float(value(x0)), 0, 0.0)

    def safe_value(x):
        try:
            with np.errstate(all="ignore"):
                out = float(value(x))
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            return math.inf
        return out if np.isfinite(out) else math.inf

    def safe_hessian(x):
        try:
            with np.errstate(all="ignore"):
                h = np.asarray(hessian(x), dtype=float)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            h = None
        if h is None or not np.all(np.isfinite(h)):
            g = gradient(x)
            return np.eye(len(x)) * max(1.0, float(np.max(np.abs(g))))
        return 0.5 * (h + h.T)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", optimize.OptimizeWarning)
        res = optimize.minimize(safe_value, x0, jac=gradient, hess=safe_hessian, method="trust-exact",
                                options={"gtol": gtol, "maxiter": max_iter, "initial_trust_radius": 0.5})
    x = np.asarray(res.x, dtype=float)
    f = safe_value(x)
    if not np.isfinite(f):  # cannot happen for an accepted point; stay honest if it does
        return Minimum(x0, safe_value(x0), int(res.nit), math.inf)
    g = gradient(x)
    return Minimum(x, f, int(res.nit), float(np.max(np.abs(g))))
