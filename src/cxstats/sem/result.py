"""The frozen result of ``cxstats.sem.fit``: tidy table, fit measures, R² and problems."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SEMResult", "TABLE_COLUMNS"]

TABLE_COLUMNS = ["lhs", "op", "rhs", "group", "label", "free", "estimate", "se", "z", "p_value",
                 "ci_low", "ci_high", "std_lv", "std_all"]

_SECTIONS = (("=~", "Measurement (loadings)"), ("~", "Regressions"), ("~~", "Variances and covariances"),
             ("~1", "Intercepts"), (":=", "Defined parameters"))
_HEADLINE = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr")


@dataclass(frozen=True)
class SEMResult:
    """A fitted structural equation model.

    Attributes
    ----------
    table : one row per parameter (free, fixed and ``:=`` defined): ``lhs, op, rhs, group,
        label, free, estimate, se, z, p_value, ci_low, ci_high, std_lv, std_all``.
    fit_measures : lavaan's ``fitMeasures`` names (npar, chisq, df, pvalue, baseline.chisq,
        baseline.df, cfi, tli, rmsea, rmsea.ci.lower, rmsea.ci.upper, rmsea.pvalue, srmr,
        aic, bic, logl, ...).
    r2 : R² of every endogenous variable.
    nobs, n_dropped : rows used, and rows dropped for missing values.
    converged, iterations, identified, heywood, nonpositive_latent : the state of the
        estimate; ``problems`` holds the warning messages, for reports.
    """

    table: pd.DataFrame
    fit_measures: pd.Series
    r2: pd.Series
    nobs: int
    n_dropped: int
    converged: bool
    iterations: int
    identified: bool
    heywood: tuple[str, ...]
    nonpositive_latent: bool
    problems: tuple[str, ...]
    se_type: str
    bootstrap_draws: int
    bootstrap_failed: int
    _model: Any = field(repr=False, compare=False)
    _spec: Any = field(repr=False, compare=False)
    _moments: Any = field(repr=False, compare=False)
    _theta: np.ndarray = field(repr=False, compare=False)
    _vcov: np.ndarray = field(repr=False, compare=False)
    _constraint_basis: Any = field(repr=False, compare=False)

    # ------------------------------------------------------------------------------
    def modindices(self, *, minimum: float = 0.0, sort: bool = True) -> pd.DataFrame:
        """Modification indices (score tests of fixed-to-zero parameters), as lavaan's ``modindices()``.

        Returns ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all``.
        """
        from .modindices import modification_indices

        table = modification_indices(self)
        if minimum > 0:
            table = table[table["mi"] >= minimum]
        if sort:
            table = table.sort_values("mi", ascending=False, kind="stable")
        return table.reset_index(drop=True)

    def plot(self, *, show: str = "structural", title: str | None = None):
        """Path diagram with standardized coefficients and significance stars."""
        from ._diagram import path_diagram

        return path_diagram(self.table, self.r2, show=show, title=title)

    # ------------------------------------------------------------------------------
    def _headline(self) -> str:
        fm = self.fit_measures
        return (
            f"N = {self.nobs}; chi-square({fm['df']:.0f}) = {fm['chisq']:.3f}, p = {fm['pvalue']:.3g}; "
            f"CFI = {fm['cfi']:.3f}, TLI = {fm['tli']:.3f}; RMSEA = {fm['rmsea']:.3f} "
            f"[{fm['rmsea.ci.lower']:.3f}, {fm['rmsea.ci.upper']:.3f}]; SRMR = {fm['srmr']:.3f}"
        )

    def summary(self) -> str:
        """A plain-text summary in the spirit of lavaan's ``summary(fit, standardized = TRUE)``."""
        lines = [f"cxstats SEM (ML, {self.se_type} SEs) — " + ("converged" if self.converged else "NOT converged")
                 + f" after {self.iterations} iterations", self._headline()]
        if self.n_dropped:
            lines.append(f"{self.n_dropped} rows with missing values were dropped (listwise).")
        for problem in self.problems:
            lines.append(f"! {problem}")
        for op, title in _SECTIONS:
            part = self.table[self.table["op"] == op]
            if part.empty:
                continue
            lines += ["", title]
            shown = part[["lhs", "op", "rhs", "label", "estimate", "se", "z", "p_value", "std_all"]]
            lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep=""))
        if len(self.r2):
            lines += ["", "R-square", self.r2.to_string(float_format=lambda v: f"{v:.3f}")]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        problems = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
        problems = f"<ul style='color:#a00'>{problems}</ul>" if problems else ""
        shown = self.table.drop(columns=["group"]).round(3)
        return (f"<p><b>Structural equation model</b> — {html.escape(self._headline())}</p>{problems}"
                + shown.to_html(index=False, na_rep=""))
