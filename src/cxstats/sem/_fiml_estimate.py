"""Minimising the FIML discrepancy: Fisher scoring, Newton steps, the trust-region fallback."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._fiml_information import _expected_information, fiml_information
from ._fiml_likelihood import fiml_objective
from ._optimise import trust_region
from ._robust import _as_list

__all__ = ["FimlEstimate", "fiml_estimate"]


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
