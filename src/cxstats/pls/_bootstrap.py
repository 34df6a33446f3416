"""Bootstrap of every PLS statistic: loadings, weights, paths, total and indirect effects,
R² and HTMT.

Rows are resampled with replacement; all draws are generated up front from ``seed`` and cut
into fixed chunks of 125, so the numbers do not depend on how many processes share the work.
A draw needs only its indicator correlation matrix (from row frequencies, without copying
rows; with ``missing="mean"`` each draw replaces its own missing values by its own means, as
seminr does); the weights of a whole chunk are then iterated at once, starting from the
full-sample weights (warm start). As in seminr and SmartPLS's default, draws are not
sign-corrected: the warm start keeps each draw at the sign of the full-sample solution.
Draws whose weights do not converge, or whose correlation matrix is degenerate (a constant
indicator in the resample), are left out and counted. With PLSc, draws with an inadmissible
correction (a construct correlation beyond 1) are kept, as seminr keeps them (cSEM drops
them by default).

SEs are the standard deviation of the draws (divisor B - 1, as seminr); ``t`` = estimate /
SE and the two-sided p-value compares ``t`` with the standard normal. Intervals are
percentile (R's type-7 quantiles, as seminr) or BCa (Efron, 1987) with the acceleration from
a leave-one-out jackknife.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._resampling import jackknife_acceleration, map_chunks
from ._algorithm import correlations, outer_weights
from ._problems import BootstrapWarning
from ._statistics import Statistics
from .._validation import warn

__all__ = ["PLSBootstrap", "bootstrap", "sample_correlations"]

CHUNK = 125
_STATE: dict = {}


@dataclass(frozen=True)
class PLSBootstrap:
    """Bootstrap draws ``(B_ok, q)`` of the statistic vector, its full-sample value and, for
    BCa, the jackknife values ``(n, q)``."""

    draws: np.ndarray
    estimate: np.ndarray
    jackknife: np.ndarray | None
    requested: int
    failed: int
    ci: str
    ci_level: float
    seed: int | None
    message: str

    def summary(self) -> pd.DataFrame:
        """``se, t, p_value, ci_low, ci_high`` for every entry of the statistic vector."""
        se = self.draws.std(axis=0, ddof=1)
        # a single indicator's loading and weight are 1 in every draw: SE 0, no t
        se = np.where(se > 1e-10 * np.maximum(1.0, np.abs(self.estimate)), se, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0, self.estimate / se, np.nan)
        low, high = self.interval()
        return pd.DataFrame({"se": se, "t": t, "p_value": 2 * stats.norm.sf(np.abs(t)), "ci_low": low,
                             "ci_high": high})

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        alpha = 1 - self.ci_level
        probs = np.array([alpha / 2, 1 - alpha / 2])
        if self.ci == "percentile":
            low, high = np.quantile(self.draws, probs, axis=0)
            return low, high
        share = (self.draws < self.estimate).mean(axis=0)
        z0 = np.where((share > 0) & (share < 1), stats.norm.ppf(np.clip(share, 1e-300, 1 - 1e-16)), 0.0)
        accel = jackknife_acceleration(self.jackknife) if self.jackknife is not None else np.zeros_like(z0)
        z = stats.norm.ppf(probs)[:, None]
        adjusted = stats.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
        bounds = np.array([np.quantile(self.draws[:, j], adjusted[:, j]) for j in range(self.draws.shape[1])])
        return bounds[:, 0], bounds[:, 1]


def sample_correlations(x: np.ndarray, rows: np.ndarray, *, impute: bool) -> np.ndarray:
    """Indicator correlation matrices ``(D, p, p)`` of the samples whose row numbers are the
    rows of ``rows``. With ``impute``, ``x`` has missing values and each sample replaces them
    by its own column means (mean replacement inside every draw)."""
    if not impute:
        d, n = rows.shape[0], x.shape[0]
        offsets = (rows + n * np.arange(d)[:, None]).ravel()
        freq = np.bincount(offsets, minlength=d * n).reshape(d, n).astype(float)
        return correlations(x, freq)
    sample = x[rows]
    means = np.nanmean(sample, axis=1) if np.isnan(sample).any() else sample.mean(axis=1)
    sample = np.where(np.isnan(sample), means[:, None, :], sample)
    return correlations(sample, np.ones(sample.shape[:2]))


def _run_chunk(rows: np.ndarray) -> np.ndarray:
    """Statistic vectors of one chunk of samples; NaN rows for failed draws."""
    s = _STATE
    with np.errstate(all="ignore"):
        r = sample_correlations(s["x"], rows, impute=s["impute"])
        bad = ~np.isfinite(r).all(axis=(1, 2))
        r[bad] = np.eye(r.shape[1])
        w, _, converged = outer_weights(r, s["statistics"].layout, s["start"], tol=s["tol"], max_iter=s["max_iter"])
        values = s["statistics"].vector(r, w)
    values[bad | ~converged | ~np.isfinite(values).all(axis=1)] = np.nan
    return values


def bootstrap(statistics: Statistics, x: np.ndarray, start: np.ndarray, estimate: np.ndarray, *, draws: int,
              seed: int | None, ci: str, ci_level: float, tol: float, max_iter: int, impute: bool,
              progress: bool | None, workers: int | None = None) -> PLSBootstrap:
    """Bootstrap the statistic vector (see the module docstring); ``x`` holds the rows that
    were analysed (standardized, or raw with missing values when ``impute``)."""
    n = x.shape[0]
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=(draws, n))
    chunks = [rows[i:i + CHUNK] for i in range(0, draws, CHUNK)]
    _STATE.update(x=x, impute=impute, statistics=statistics, start=start, tol=tol, max_iter=max_iter)
    try:
        values = np.vstack(map_chunks(_run_chunk, chunks, progress=progress, workers=workers))
        jackknife = None
        if ci == "bca":
            keep = np.array([np.delete(np.arange(n), i) for i in range(n)])
            jack_chunks = [keep[i:i + CHUNK] for i in range(0, n, CHUNK)]
            jackknife = np.vstack(map_chunks(_run_chunk, jack_chunks, progress=progress, workers=workers,
                                             desc="jackknife"))
            jackknife = jackknife[np.isfinite(jackknife).all(axis=1)]
    finally:
        _STATE.clear()
    ok = np.isfinite(values).all(axis=1)
    failed = int((~ok).sum())
    message = ""
    if failed:
        text = (f"{failed} of {draws} bootstrap draws were left out (weights that did not converge, or an indicator "
                f"constant in the resample); SEs and intervals use the other {int(ok.sum())}.")
        message = warn(text, BootstrapWarning)
    return PLSBootstrap(draws=values[ok], estimate=estimate, jackknife=jackknife, requested=draws, failed=failed,
                        ci=ci, ci_level=ci_level, seed=seed, message=message)
