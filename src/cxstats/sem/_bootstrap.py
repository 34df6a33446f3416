"""Non-parametric bootstrap of every parameter, including ``:=`` defined ones.

Rows are resampled with replacement (the draws are generated up front from ``seed``, so
the numbers do not depend on how the work is split), each resample is refitted from the
full-sample estimate (warm start; it stops when the Newton decrement falls below 1e-5 F,
which moves a draw by under 1e-3 of its bootstrap SD and the SEs by about 1e-5 relative
against a 1e-7 stop), and the draws are shared between the two processes
of a 2-core machine when the platform can fork. SEs are the SD of the draws (divisor
B for model parameters and B - 1 for defined ones, as lavaan 0.6.14); intervals are percentile (lavaan's ``boot.ci.type = "perc"``),
bias-corrected (``"bca.simple"``) or BCa with jackknife acceleration; quantiles are
interpolated on the normal scale (boot's ``norm.inter``), as lavaan computes them.
With ``missing="fiml"`` every draw resamples whole rows, gaps included, and is refitted by
FIML.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._resampling import jackknife_acceleration, map_chunks
from ._fiml import fiml_estimate, missing_patterns
from ._problems import BootstrapWarning
from .estimate import Estimate, Groups, fisher_scoring
from .inference import DefinedParameters
from .moments import SampleMoments, ml_moments
from .._validation import warn

__all__ = ["bootstrap_estimates", "BootstrapDraws"]

_STATE: dict = {}


@dataclass(frozen=True)
class BootstrapDraws:
    """Draws of the free parameters (columns ``0..q-1``) and defined parameters (after)."""

    draws: np.ndarray
    estimate: np.ndarray
    jackknife: np.ndarray | None
    n_ok: int
    failed: int
    ci: str
    ci_level: float
    message: str

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        alpha = 1 - self.ci_level
        lows, highs = [], []
        for j in range(self.draws.shape[1]):
            x = self.draws[:, j]
            probs = np.array([alpha / 2, 1 - alpha / 2])
            if self.ci in ("bc", "bca"):
                share = np.mean(x < self.estimate[j])
                z0 = stats.norm.ppf(share) if 0 < share < 1 else 0.0
                z = stats.norm.ppf(probs)
                accel = (jackknife_acceleration(self.jackknife[:, j])
                         if self.ci == "bca" and self.jackknife is not None else 0.0)
                probs = stats.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z))) if self.ci == "bca" else \
                    stats.norm.cdf(2 * z0 + z)
            low, high = (_normal_interpolated_quantile(np.sort(x), prob) for prob in probs)
            lows.append(low)
            highs.append(high)
        return np.array(lows), np.array(highs)

    def apply(self, table: pd.DataFrame, free_index: np.ndarray) -> pd.DataFrame:
        """Bootstrap SEs and intervals in the parameter table; ``free_index`` is the free
        parameter (0-based, -1 if fixed) of each model row. z and p use the bootstrap SE."""
        table = table.copy()
        model_rows = table.index[table["op"] != ":="]
        defined_rows = table.index[table["op"] == ":="]
        q = self.draws.shape[1] - len(defined_rows)
        # lavaan 0.6.14: divisor B for model parameters, B - 1 (R's sd) for := parameters
        se = np.concatenate([self.draws[:, :q].std(axis=0, ddof=0), self.draws[:, q:].std(axis=0, ddof=1)])
        low, high = self.interval()
        for row, k in zip(model_rows, free_index, strict=True):
            if k >= 0:
                table.loc[row, ["se", "ci_low", "ci_high"]] = se[k], low[k], high[k]
        for i, row in enumerate(defined_rows):
            table.loc[row, ["se", "ci_low", "ci_high"]] = se[q + i], low[q + i], high[q + i]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(table["se"] > 0, table["estimate"] / table["se"], np.nan)
        table["z"] = z
        table["p_value"] = 2 * stats.norm.sf(np.abs(z))
        return table


def _normal_interpolated_quantile(sorted_draws: np.ndarray, prob: float) -> float:
    """Quantile of bootstrap draws by interpolation on the normal scale between the order
    statistics around (B + 1) p (Davison & Hinkley, 1997, eq. 5.8; boot's ``norm.inter``,
    which lavaan uses for its bootstrap intervals)."""
    b = len(sorted_draws)
    rank = (b + 1) * prob
    k = int(np.floor(rank + 1e-10))
    if k <= 0:
        return float(sorted_draws[0])
    if k >= b:
        return float(sorted_draws[-1])
    if abs(rank - k) < 1e-10:
        return float(sorted_draws[k - 1])
    z = stats.norm.ppf([prob, k / (b + 1), (k + 1) / (b + 1)])
    share = (z[0] - z[1]) / (z[2] - z[1])
    return float(sorted_draws[k - 1] + share * (sorted_draws[k] - sorted_draws[k - 1]))


def _refit(rows: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    """Refit to resampled rows; ``sizes`` splits them into the groups (stacked in order)."""
    template: Groups = _STATE["groups"]
    theta, k, defined = _STATE["theta"], _STATE["k"], _STATE["defined"]
    if _STATE["fiml"]:
        return _refit_fiml(rows, sizes)
    models, covs, means = [], [], []
    for ram, block in zip(template.models, np.split(rows, np.cumsum(sizes)[:-1]), strict=True):
        cov, mean = ml_moments(block)
        models.append(ram.with_sample(cov, mean) if ram.spec.exogenous_x else ram)
        covs.append(cov)
        means.append(mean)
    try:
        with np.errstate(all="ignore"):
            est: Estimate = fisher_scoring(Groups(models, covs, means, sizes), theta, constraint_basis=k,
                                           ftol=1e-5, max_iter=200, warm=True)
    except (np.linalg.LinAlgError, ValueError):
        return np.full(len(theta) + len(defined.items), np.nan)
    if not est.converged:
        return np.full(len(theta) + len(defined.items), np.nan)
    return np.concatenate([est.theta, defined.values(est.theta).real]) if defined.items else est.theta


def _refit_fiml(rows: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    """Refit by FIML to resampled rows with their gaps (fixed.x covariates are complete)."""
    template: Groups = _STATE["groups"]
    theta, k, defined = _STATE["theta"], _STATE["k"], _STATE["defined"]
    models, patterns = [], []
    for ram, block in zip(template.models, np.split(rows, np.cumsum(sizes)[:-1]), strict=True):
        patterns.append(missing_patterns(block))
        if ram.spec.exogenous_x:
            x = [ram.spec.observed.index(n) for n in ram.spec.exogenous_x]
            cov, mean = np.zeros((ram.p, ram.p)), np.zeros(ram.p)
            cov[np.ix_(x, x)], mean[x] = ml_moments(block[:, x])
            ram = ram.with_sample(cov, mean)
        models.append(ram)
    failed = np.full(len(theta) + len(defined.items), np.nan)
    try:
        with np.errstate(all="ignore"):
            est = fiml_estimate(models, patterns, theta, constraint_basis=k)
    except (np.linalg.LinAlgError, ValueError):
        return failed
    if not est.converged:
        return failed
    return np.concatenate([est.theta, defined.values(est.theta).real]) if defined.items else est.theta


def _run_chunk(index_block: np.ndarray) -> np.ndarray:
    data, sizes = _STATE["data"], _STATE["sizes"]
    return np.array([_refit(data[idx], sizes) for idx in index_block])


def bootstrap_estimates(groups: Groups, moments: tuple[SampleMoments, ...], estimate: Estimate,
                        k: np.ndarray | None, defined: DefinedParameters, *, draws: int, seed: int | None,
                        ci: str, ci_level: float, progress: bool | None) -> BootstrapDraws:
    """Draws resample rows within each group (as lavaan), from the groups' rows stacked in order."""
    data = np.vstack([m.data for m in moments])  # fit() refuses se="bootstrap" with summary statistics
    sizes = tuple(m.data.shape[0] for m in moments)
    n = data.shape[0]
    rng = np.random.default_rng(seed)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    indices = np.hstack([offset + rng.integers(0, size, size=(draws, size)) for offset, size in
                         zip(offsets, sizes, strict=True)])
    _STATE.update(groups=groups, theta=estimate.theta, k=k, defined=defined, data=data, sizes=sizes,
                  fiml=moments[0].saturated is not None)
    chunks = np.array_split(indices, max(1, min(draws // 25, 40)))
    results = map_chunks(_run_chunk, chunks, progress=progress, parallel=draws >= 200)
    all_draws = np.vstack(results)
    ok = ~np.isnan(all_draws).any(axis=1)
    failed = int((~ok).sum())
    full = np.concatenate([estimate.theta, defined.values(estimate.theta).real]) if defined.items else estimate.theta
    jackknife = None
    if ci == "bca":
        owner = np.repeat(np.arange(len(sizes)), sizes)
        jackknife = np.array([_refit(np.delete(data, i, axis=0),
                                     tuple(s - (g == owner[i]) for g, s in enumerate(sizes))) for i in range(n)])
        jackknife = jackknife[~np.isnan(jackknife).any(axis=1)]
    message = ""
    if failed:
        message = (f"BootstrapWarning: {failed} of {draws} bootstrap draws did not converge and were left out; "
                   f"SEs and intervals use the other {int(ok.sum())}.")
        warn(message.split(": ", 1)[1], BootstrapWarning)
    _STATE.clear()
    return BootstrapDraws(draws=all_draws[ok], estimate=full, jackknife=jackknife, n_ok=int(ok.sum()),
                          failed=failed, ci=ci, ci_level=ci_level, message=message)
