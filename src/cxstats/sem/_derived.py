"""Inference for quantities derived from a fitted model's parameters (explained shares,
indirect effects): delta-method standard errors and bootstrap intervals.

A derived quantity is a function ``f(theta)`` of the free parameters returning a vector.
Its delta-method covariance is ``J V J'`` with ``V`` the covariance of the estimates and
``J`` the Jacobian of ``f`` by central differences (relative step 1e-5: truncation and
rounding errors near 1e-10, far below the SEs). Its bootstrap draws are ``f`` applied to
the fit's bootstrap draws of ``theta`` (the same resamples as the parameter table), and its
intervals are those the fit's bootstrap computes for every parameter (percentile, BC or
BCa, see :mod:`._bootstrap`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import special

from ._bootstrap import BootstrapDraws, bootstrap_estimates
from ._problems import ModelSpecificationError

__all__ = ["Derived", "derive", "bootstrap_of"]


@dataclass(frozen=True)
class Derived:
    """Estimates of derived quantities with SEs and intervals (one entry per quantity)."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    method: str  # "delta" or "bootstrap (percentile)" ...
    draws: int  # bootstrap draws used (0 for the delta method)


def bootstrap_of(result, bootstrap: int, seed: int | None, *, progress: bool | None = None) -> BootstrapDraws | None:
    """The bootstrap draws to use: new draws when ``bootstrap`` > 0 (the model refitted to
    ``bootstrap`` resamples, as ``sem.fit(se="bootstrap")`` would), else the fit's own, if any."""
    if int(bootstrap) != bootstrap or bootstrap < 0 or 0 < bootstrap < 10:
        raise ModelSpecificationError(f"bootstrap must be 0 (use the fit's own draws, or the delta method) or a whole "
                                      f"number of at least 10 draws, got {bootstrap!r}.")
    if not bootstrap:
        return result._bootstrap
    if any(m.data is None for m in result._group_moments):
        raise ModelSpecificationError("bootstrap= needs raw data, but this model was fitted to summary statistics "
                                      "(cov= or moments=). Refit it with data= to bootstrap, or use bootstrap=0 "
                                      "(delta method).")
    ci = result._bootstrap.ci if result._bootstrap is not None else "percentile"
    return bootstrap_estimates(result._groups, result._group_moments, result._estimate, result._constraint_basis,
                               result._defined, draws=int(bootstrap), seed=seed, ci=ci, ci_level=result._ci_level,
                               progress=progress)


def jacobian(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian of ``f`` at ``theta`` (rows: outputs, columns: parameters)."""
    columns = []
    for j in range(len(theta)):
        h = 1e-5 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        columns.append((f(up) - f(down)) / (2 * h))
    return np.column_stack(columns) if columns else np.zeros((len(f(theta)), 0))


def derive(result, f: Callable[[np.ndarray], np.ndarray], boot: BootstrapDraws | None) -> Derived:
    """``f`` at the estimate, with bootstrap SEs and intervals when ``boot`` is given, else
    delta-method SEs and Wald intervals at the fit's ``ci_level``."""
    theta = result._theta
    value = np.asarray(f(theta), dtype=float)
    if boot is None:
        jac = jacobian(f, theta)
        se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, result._vcov, jac), 0.0, None))
        z = special.ndtri(0.5 + result._ci_level / 2)
        return Derived(value, se, value - z * se, value + z * se, "delta", 0)
    q = len(theta)
    draws = np.array([f(t) for t in boot.draws[:, :q]], dtype=float).reshape(len(boot.draws), -1)
    keep = np.isfinite(draws).all(axis=1)
    jackknife = None
    if boot.jackknife is not None:
        jackknife = np.array([f(t) for t in boot.jackknife[:, :q]], dtype=float).reshape(len(boot.jackknife), -1)
        jackknife = jackknife[np.isfinite(jackknife).all(axis=1)]
    derived = replace(boot, draws=draws[keep], estimate=value, jackknife=jackknife)
    low, high = derived.interval()
    names = {"percentile": "percentile", "bc": "bias-corrected", "bca": "BCa"}
    return Derived(value, draws[keep].std(axis=0, ddof=1), low, high, f"bootstrap ({names[boot.ci]})",
                   int(keep.sum()))
