"""The measurement-invariance ladder: configural -> metric -> scalar -> strict, with a
partial-invariance search that names the items that do not measure alike.

Each level adds equality constraints across groups (lavaan's ``group.equal``): metric
ties the loadings, scalar also the intercepts, strict also the residual variances. A
level holds when its chi-square difference against the previous level is not
significant (``lavTestLRT``; the Satorra-Bentler 2001 scaled difference under MLR) and,
by the fit-change rules of Chen (2007) and Cheung & Rensvold (2002), when CFI drops by
at most .01 and RMSEA rises by at most .015 (robust CFI/RMSEA under MLR).

When a level fails, the partial search frees, one at a time, the equality with the
largest score test among the constraints that level added (lavaan's ``lavTestScore``;
:func:`cxstats.sem.group_tests.score_tests`) until the level holds or no constraint is
significant; the freed parameters carry over to the next levels (``group_partial``).

Checked against lavaan 0.6.14 (tests/reference/lavaan_invariance.R): every level's fit,
the LRT table, the score tests and the partial scalar model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._format import listing
from .._results import PlainText
from .._threads import single_threaded_blas
from ._api import fit
from ._problems import ModelSpecificationError
from .group_tests import score_tests
from .result import SEMResult

__all__ = ["InvarianceResult", "invariance", "LEVELS"]

LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
_ADDED = {"metric": ("=~",), "scalar": ("~1",), "strict": ("~~",)}
_WORDS = {"configural": "the same factor structure in every group",
          "metric": "equal loadings (items relate to their factor alike)",
          "scalar": "equal intercepts (the same factor level gives the same item level)",
          "strict": "equal residual variances (items are equally precise)"}


@dataclass(frozen=True)
class InvarianceResult:
    """The ladder: ``models`` (level name -> fitted model; a partial level under its name
    with the freed parameters in ``freed``), ``table`` (one row per level: ``level, npar,
    chisq, df, chisq_diff, df_diff, p_value, cfi, delta_cfi, rmsea, delta_rmsea, srmr,
    lrt, fit_rule, holds``), ``search`` (the steps of the partial search:
    ``level, step, parameter, x2, df, p_value``) and ``noninvariant_items``."""

    models: dict[str, SEMResult]
    table: pd.DataFrame
    search: pd.DataFrame
    freed: tuple[str, ...]
    noninvariant_items: tuple[str, ...]
    group: str
    groups: tuple
    robust: bool
    alpha: float
    rules: tuple[float, float] = field(default=(0.01, 0.015))

    def _repr_html_(self) -> str:
        shown = self.table.round({"chisq": 2, "chisq_diff": 2, "p_value": 4, "cfi": 3, "delta_cfi": 3,
                                  "rmsea": 3, "delta_rmsea": 3, "srmr": 3})
        return shown.to_html(index=False, na_rep="")

    def plain_summary(self, *, labels: dict[str, str] | None = None) -> PlainText:
        """What the ladder means, level by level, for a reader without SEM training."""
        labels = labels or {}
        groups = listing([str(g) for g in self.groups])
        lines = [f"- Groups compared: {groups} ({self.group})."]
        for row in self.table.itertuples():
            base = row.level.split(" ")[0]
            words = _WORDS.get(base, row.level)
            if row.df_diff == 0 or pd.isna(row.p_value):
                lines.append(f"- **{row.level.capitalize()}** — {words}: the starting point, "
                             f"CFI {row.cfi:.3f}, RMSEA {row.rmsea:.3f}.")
                continue
            verdict = "holds" if row.holds else "does not hold"
            lines.append(
                f"- **{row.level.capitalize()}** — {words} — {verdict}: chi-square difference "
                f"{row.chisq_diff:.1f} on {row.df_diff:.0f} df (p = {row.p_value:.3g}); CFI changes by "
                f"{row.delta_cfi:+.3f}, RMSEA by {row.delta_rmsea:+.3f}."
            )
        if self.noninvariant_items:
            items = listing([labels.get(i, i) for i in self.noninvariant_items])
            lines.append(f"- Items that do not measure alike across groups: {items}. They are left free "
                         "in the comparison; the other items carry it.")
        scalar = [r for r in self.table.itertuples() if r.level.startswith("scalar")]
        if scalar and scalar[-1].holds:
            lines.append("- Latent means can be compared across groups (scalar invariance, "
                         + ("partial" if "partial" in scalar[-1].level else "full") + ").")
        elif scalar:
            lines.append("- Latent means should NOT be compared across groups: scalar invariance fails, so "
                         "group differences in scores may come from how items work, not from the construct.")
        return PlainText("\n".join(lines))


def _measures(result: SEMResult, robust: bool) -> dict[str, float]:
    fm = result.fit_measures
    if robust:
        return {"chisq": fm["chisq.scaled"], "df": fm["df"], "cfi": fm["cfi.robust"], "rmsea": fm["rmsea.robust"],
                "srmr": fm["srmr"], "npar": fm["npar"], "c": fm["chisq.scaling.factor"], "chisq_ml": fm["chisq"]}
    return {"chisq": fm["chisq"], "df": fm["df"], "cfi": fm["cfi"], "rmsea": fm["rmsea"], "srmr": fm["srmr"],
            "npar": fm["npar"], "c": 1.0, "chisq_ml": fm["chisq"]}


def _difference(lower: dict, upper: dict, robust: bool) -> tuple[float, float, float]:
    """(chi-square difference, df difference, p) of the more constrained ``upper`` against ``lower``."""
    df_diff = upper["df"] - lower["df"]
    if df_diff <= 0:
        return np.nan, df_diff, np.nan
    if robust:
        from ._robust import scaled_difference

        test = scaled_difference(upper["chisq_ml"], upper["df"], upper["c"], lower["chisq_ml"], lower["df"],
                                 lower["c"])
        return test["chisq_diff"], test["df_diff"], test["pvalue"]
    diff = upper["chisq"] - lower["chisq"]
    return diff, df_diff, float(stats.chi2.sf(max(diff, 0.0), df_diff))


@single_threaded_blas
def invariance(model: str, data: pd.DataFrame, *, group: str,
               levels: Sequence[str] = ("configural", "metric", "scalar", "strict"),
               estimator: str = "ML", missing: str = "listwise", std_lv: bool = False,
               group_labels: Sequence | None = None, group_partial: Sequence[str] = (),
               partial: bool = True, alpha: float = 0.05, delta_cfi: float = 0.01, delta_rmsea: float = 0.015,
               max_free: int | None = None) -> InvarianceResult:
    """Fit the invariance ladder and, where a level fails, search for partial invariance.

    Parameters
    ----------
    model : a measurement model in lavaan syntax (structural paths are allowed).
    group : the column with the groups (countries, segments, waves).
    levels : the levels to fit, in order, from ``configural``, ``metric``, ``scalar``, ``strict``.
    estimator, missing, std_lv, group_labels : as in :func:`cxstats.sem.fit`.
    group_partial : parameters known to differ, freed at every level (e.g. ``["x3 ~ 1"]``).
    partial : search for partial invariance where a level fails its chi-square difference test.
    alpha : level of the difference tests and of the score tests in the search.
    delta_cfi, delta_rmsea : the fit-change rules (a level holds by them when CFI drops by
        at most ``delta_cfi`` and RMSEA rises by at most ``delta_rmsea``).
    max_free : most parameters freed per level in the search (default: half of the
        constraints the level adds).
    """
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown or not levels:
        raise ModelSpecificationError(
            f"levels={listing(unknown or ['(none)'], quote=True)}: choose from {listing(LEVELS, quote=True)}, in order."
        )
    order = [list(LEVELS).index(lv) for lv in levels]
    if order != sorted(order) or len(set(order)) != len(order):
        raise ModelSpecificationError(f"levels must go up the ladder without repeats: {listing(LEVELS, quote=True)}.")
    robust = str(estimator).upper() == "MLR"
    freed = list(group_partial)
    models: dict[str, SEMResult] = {}
    rows, steps = [], []
    previous: dict | None = None

    def run(level: str) -> SEMResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # problems stay on the result (.problems) and in the table
            return fit(model, data, group=group, group_equal=LEVELS[level], group_partial=tuple(freed),
                       estimator=estimator, missing=missing, std_lv=std_lv, group_labels=group_labels,
                       se="standard")

    def row_for(name: str, result: SEMResult) -> dict:
        m = _measures(result, robust)
        out = {"level": name, "npar": m["npar"], "chisq": m["chisq"], "df": m["df"], "chisq_diff": np.nan,
               "df_diff": 0.0, "p_value": np.nan, "cfi": m["cfi"], "delta_cfi": np.nan, "rmsea": m["rmsea"],
               "delta_rmsea": np.nan, "srmr": m["srmr"], "lrt": "", "fit_rule": "", "holds": True,
               "problems": "; ".join(p.split(": ", 1)[0] for p in result.problems)}
        if previous is not None:
            diff, df_diff, p = _difference(previous, m, robust)
            d_cfi, d_rmsea = m["cfi"] - previous["cfi"], m["rmsea"] - previous["rmsea"]
            lrt_ok = bool(p >= alpha) if np.isfinite(p) else True
            rule_ok = bool(-d_cfi <= delta_cfi and d_rmsea <= delta_rmsea)
            out.update(chisq_diff=diff, df_diff=df_diff, p_value=p, delta_cfi=d_cfi, delta_rmsea=d_rmsea,
                       lrt="holds" if lrt_ok else "rejected", fit_rule="holds" if rule_ok else "rejected",
                       holds=lrt_ok)
        return out

    for level in levels:
        result = run(level)
        row = row_for(level, result)
        models[level] = result
        rows.append(row)
        if not row["holds"] and partial and level in _ADDED:
            added = [r for r in result._spec.rows if r.op in _ADDED[level]]
            limit = max_free if max_free is not None else max(1, len({(r.lhs, r.op, r.rhs) for r in added}) // 2)
            for step in range(1, limit + 1):
                candidates = _candidates(result, level, freed)
                if candidates.empty or candidates["p_value"].iloc[0] >= alpha:
                    break
                best = candidates.iloc[0]
                entry = f"{best['lhs']} ~ 1" if best["op"] == "~1" else f"{best['lhs']} {best['op']} {best['rhs']}"
                freed.append(entry)
                steps.append({"level": level, "step": step, "parameter": entry, "x2": best["x2"], "df": best["df"],
                              "p_value": best["p_value"]})
                result = run(level)
                row = row_for(f"{level} (partial)", result)
                if row["holds"]:
                    break
            if steps and steps[-1]["level"] == level:
                models[f"{level} (partial)"] = result
                rows.append(row)
        previous = _measures(models[rows[-1]["level"]], robust)  # the next level is tested against this one
    table = pd.DataFrame(rows)
    search = pd.DataFrame(steps, columns=["level", "step", "parameter", "x2", "df", "p_value"])
    found = [f for f in freed if f not in group_partial]
    items = tuple(dict.fromkeys(_item_of(f) for f in found))
    return InvarianceResult(models=models, table=table, search=search, freed=tuple(freed), noninvariant_items=items,
                            group=group, groups=result.groups, robust=robust, alpha=alpha,
                            rules=(delta_cfi, delta_rmsea))


def _candidates(result: SEMResult, level: str, freed: list[str]) -> pd.DataFrame:
    """Score tests of the constraints ``level`` added that are still in place, largest first."""
    tests = score_tests(result)
    ops = _ADDED[level]
    keep = tests["op"].isin(ops)
    if level == "strict":  # residual variances only, not latent variances
        keep &= tests["lhs"] == tests["rhs"]
    if level == "scalar":
        keep &= ~tests["lhs"].isin(result._spec.latent)
    return tests[keep].reset_index(drop=True)


def _item_of(entry: str) -> str:
    """The item a freed parameter belongs to: the indicator of a loading, the variable of an
    intercept or residual variance."""
    compact = entry.replace(" ", "")
    if "=~" in compact:
        return compact.split("=~")[1]
    if "~~" in compact:
        return compact.split("~~")[0]
    return compact.split("~")[0]
