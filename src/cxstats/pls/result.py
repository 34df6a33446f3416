"""The frozen result of ``cxstats.pls.fit``: tidy tables, R², f², effects, scores, problems.

The result keeps what later analyses need (PLSpredict, importance-performance maps,
multigroup comparisons): the standardized indicator data, their means and SDs, the
outer weights and the model specification.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._format import problems_html
from .._results import Exportable
from ._algorithm import InnerEstimates
from ._spec import PLSSpec
from ._statistics import Statistics

__all__ = ["PLSResult", "BOOT_COLUMNS"]

BOOT_COLUMNS = ["se", "t", "p_value", "ci_low", "ci_high"]
_SECTIONS = (("~", "Paths"), ("=~", "Loadings"), ("<~", "Outer weights"))


@dataclass(frozen=True)
class PLSResult(Exportable):
    """A fitted PLS path model.

    Attributes
    ----------
    table : one row per loading (``op "=~"``: construct =~ indicator), outer weight (``"<~"``,
        for every construct, mode A and B) and path (``"~"``: outcome ~ predictor), with
        ``lhs, op, rhs, estimate`` and, when bootstrapped, ``se, t, p_value, ci_low, ci_high``.
    r2 : ``construct, r2, r2_adj`` of every endogenous construct (+ bootstrap columns).
    f2 : ``outcome, predictor, f2`` (Cohen's effect size of each path).
    scores : standardized construct scores, one column per construct, indexed like the data.
    n, n_dropped : rows analysed and rows dropped (listwise deletion).
    missing : what was done about missing values, in words.
    scheme, consistent : inner weighting scheme and whether PLSc was applied.
    converged, iterations : whether the outer weights settled, after how many updates.
    problems : warning messages (non-convergence, an inadmissible PLSc solution, failed
        bootstrap draws), for reports.
    bootstrap_draws, bootstrap_failed, ci, ci_level : the bootstrap (0 draws: none).
    indicator_means, indicator_sds : the scaling of each indicator (SD divisor n - 1).
    spec : the model as blocks, modes and paths.
    codebook, labels : the codebook given to (or carried by the Survey passed to) ``pls.fit``,
        and its ``{code: label}``; None and {} without one.
    """

    _TABLES = {
        "table": ("Estimates", "Paths, loadings and outer weights, with bootstrap SE, t, p and interval when "
                  "bootstrapped."),
        "r2": ("R²", "R² and adjusted R² of every outcome construct."),
        "f2": ("f²", "Cohen's f² of each path (0.02 small, 0.15 medium, 0.35 large)."),
        "effects": ("Effects", "Direct, indirect and total effects between constructs."),
    }

    table: pd.DataFrame
    r2: pd.DataFrame
    f2: pd.DataFrame
    scores: pd.DataFrame
    n: int
    n_dropped: int
    missing: str
    scheme: str
    consistent: bool
    converged: bool
    iterations: int
    problems: tuple[str, ...]
    bootstrap_draws: int
    bootstrap_failed: int
    ci: str
    ci_level: float
    indicator_means: pd.Series
    indicator_sds: pd.Series
    spec: PLSSpec
    _statistics: Statistics = field(repr=False, compare=False)
    _estimate: np.ndarray = field(repr=False, compare=False)
    _all: pd.DataFrame = field(repr=False, compare=False)  # every statistic: kind, lhs, op, rhs, estimate, ...
    _boot: Any = field(repr=False, compare=False)
    _standardized: np.ndarray = field(repr=False, compare=False)
    _correlations: np.ndarray = field(repr=False, compare=False)
    _weights: np.ndarray = field(repr=False, compare=False)
    _inner: InnerEstimates = field(repr=False, compare=False)
    codebook: Any = field(default=None, repr=False, compare=False)

    @property
    def labels(self) -> dict[str, str]:
        """The ``{code: label}`` of the codebook the model was fitted with ({} without one)."""
        return dict(self.codebook.labels) if self.codebook is not None else {}

    @classmethod
    def build(cls, *, spec: PLSSpec, statistics: Statistics, estimate: np.ndarray, boot: Any, f2: pd.DataFrame,
              n: int, n_dropped: int, missing: str, scheme: str, consistent: bool, converged: bool,
              iterations: int, problems: tuple[str, ...], scores: pd.DataFrame, indicator_means: pd.Series,
              indicator_sds: pd.Series, standardized: np.ndarray, correlations: np.ndarray, weights: np.ndarray,
              inner: InnerEstimates) -> PLSResult:
        stats = statistics.labels.assign(estimate=estimate)
        if boot is not None:
            stats = pd.concat([stats, boot.summary()], axis=1)
        columns = ["lhs", "op", "rhs", "estimate"] + (BOOT_COLUMNS if boot is not None else [])
        order = {"loading": 0, "weight": 1, "path": 2}
        table = stats[stats["kind"].isin(order)]
        table = table.iloc[np.argsort(table["kind"].map(order).to_numpy(), kind="stable")][columns]
        r2 = stats[stats["kind"] == "r2"].rename(columns={"lhs": "construct", "estimate": "r2"})
        k = np.array([len(spec.predictors(c)) for c in r2["construct"]])
        r2.insert(2, "r2_adj", 1 - (1 - r2["r2"].to_numpy()) * (n - 1) / (n - k - 1))
        r2 = r2[["construct", "r2", "r2_adj"] + (BOOT_COLUMNS if boot is not None else [])]
        return cls(table=table.reset_index(drop=True), r2=r2.reset_index(drop=True), f2=f2, scores=scores, n=n,
                   n_dropped=n_dropped, missing=missing, scheme=scheme, consistent=consistent, converged=converged,
                   iterations=iterations, problems=problems,
                   bootstrap_draws=int(boot.draws.shape[0]) if boot is not None else 0,
                   bootstrap_failed=boot.failed if boot is not None else 0,
                   ci=boot.ci if boot is not None else "", ci_level=boot.ci_level if boot is not None else np.nan,
                   indicator_means=indicator_means, indicator_sds=indicator_sds, spec=spec, _statistics=statistics,
                   _estimate=estimate, _all=stats, _boot=boot, _standardized=standardized, _correlations=correlations,
                   _weights=weights, _inner=inner)

    # ------------------------------------------------------------------------------
    def _stats(self, kinds: tuple[str, ...]) -> pd.DataFrame:
        return self._all[self._all["kind"].isin(kinds)]

    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects between constructs linked by a directed route.

        Returns ``outcome, predictor, effect`` (``"direct"``, ``"indirect"``, ``"total"``),
        ``estimate`` and, when bootstrapped, ``se, t, p_value, ci_low, ci_high``. The total
        effect sums the products of the paths along every route (``B + B² + ...``, as seminr's
        ``total_effects``); the indirect effect is total minus direct.
        """
        stats = self._stats(("path", "indirect", "total"))
        names = {"path": "direct", "indirect": "indirect", "total": "total"}
        out = stats.assign(effect=stats["kind"].map(names)).rename(columns={"lhs": "outcome", "rhs": "predictor"})
        position = {c: j for j, c in enumerate(self.spec.constructs)}
        out = out.assign(_o=out["outcome"].map(position), _p=out["predictor"].map(position),
                         _e=out["effect"].map({"direct": 0, "indirect": 1, "total": 2}))
        out = out.sort_values(["_o", "_p", "_e"], kind="stable")
        columns = ["outcome", "predictor", "effect", "estimate"] + (BOOT_COLUMNS if self._boot is not None else [])
        return out[columns].reset_index(drop=True)

    def assess(self):
        """Reliability and validity of the measurement model: alpha, rho_A, rho_C, AVE,
        HTMT (with bootstrap intervals when bootstrapped), Fornell-Larcker, cross-loadings,
        indicator VIF and inner VIF. See :class:`cxstats.pls.PLSAssessment`."""
        from ._assess import assess

        return assess(self)

    @property
    def outer_weights(self) -> pd.DataFrame:
        """Indicators x constructs matrix of the outer weights on standardized indicators
        (zero outside each construct's block); ``scores = standardized data @ weights``."""
        return pd.DataFrame(self._weights, index=list(self.spec.indicators), columns=list(self.spec.constructs))

    @property
    def standardized_data(self) -> pd.DataFrame:
        """The analysed indicators, standardized (after the missing-value treatment)."""
        return pd.DataFrame(self._standardized, index=self.scores.index, columns=list(self.spec.indicators))

    @property
    def construct_correlations(self) -> pd.DataFrame:
        """Correlations of the constructs the paths are estimated from (PLSc-corrected with
        ``consistent=True``, else the correlations of the scores)."""
        names = list(self.spec.constructs)
        return pd.DataFrame(self._inner.construct_correlations[0], index=names, columns=names)

    # ------------------------------------------------------------------------------
    def _headline(self) -> str:
        scheme = {"path": "path weighting", "factorial": "factorial", "centroid": "centroid"}[self.scheme]
        kind = "PLSc (consistent PLS)" if self.consistent else "PLS"
        state = f"converged after {self.iterations} iterations" if self.converged else \
            f"NOT converged after {self.iterations} iterations"
        boot = (f"; bootstrap {self.bootstrap_draws} draws, {'BCa' if self.ci == 'bca' else self.ci} "
                f"{self.ci_level:.0%} intervals"
                if self.bootstrap_draws else "")
        return f"{kind} path model ({scheme} scheme), {state}; N = {self.n}{boot}"

    def summary(self) -> str:
        """Plain-text summary: paths, loadings, weights, R² and f²."""
        lines = [self._headline(), self.missing]
        lines += [f"! {p}" for p in self.problems]
        fmt = lambda v: f"{v:.3f}"
        for op, title in _SECTIONS:
            part = self.table[self.table["op"] == op]
            lines += ["", title, part.to_string(index=False, float_format=fmt, na_rep="")]
        lines += ["", "R-square", self.r2.to_string(index=False, float_format=fmt, na_rep="")]
        lines += ["", "Effect sizes (f-square)", self.f2.to_string(index=False, float_format=fmt)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        problems = problems_html(self.problems)
        paths = self.table[self.table["op"] == "~"].round(3)
        return (f"<p><b>{html.escape(self._headline())}</b></p><p>{html.escape(self.missing)}</p>{problems}"
                f"<p>Paths</p>{paths.to_html(index=False, na_rep='')}"
                f"<p>R²</p>{self.r2.round(3).to_html(index=False, na_rep='')}"
                f"<details><summary>Loadings and weights</summary>"
                f"{self.table[self.table['op'] != '~'].round(3).to_html(index=False, na_rep='')}</details>")
