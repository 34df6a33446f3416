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

With ordered (Likert) items (``ordered=``) the ladder follows Wu & Estabrook (2016) as
semTools' ``measEq.syntax(..., ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")`` writes it,
fitted by WLSMV: configural (thresholds and loadings free per group; latent-response
intercepts and latent means 0, latent variances 1) -> ``thresholds`` equal (the later groups'
latent-response intercepts and scale factors (delta) or residual variances (theta) become
free) -> ``metric`` (+ loadings; the later groups' latent variances free) -> ``scalar`` (+
latent-response intercepts; the later groups' latent means free) -> ``strict`` (+ residual
variances; theta only). Each step is tested against the previous one by lavaan's
scaled-shifted difference (``lavTestLRT``) and by the changes in the scaled CFI and RMSEA.
Checked against semTools 0.5.6 / lavaan 0.6.14 (tests/reference/semtools_ordinal_ladder.R).

Items with two or three answer categories follow the same rules (semTools' ``ID.cat =
"Wu.Estabrook.2016"``): in a later group, an item's first equal threshold frees its
latent-response intercept and a second one its scale; a tied intercept also frees the scale.
So with 3 categories equal thresholds free both and add no constraint, and with 2 (binary
items) they free the intercept only: the scale stays at 1 at the thresholds and metric levels
and is freed at scalar. Hence (Wu & Estabrook, 2016) equal thresholds are not testable when
every item has 2 or 3 categories: that level has the configural model's fit and df and is
reported as ``"equivalent"`` (``lrt`` and ``fit_rule``), not as a test; with binary items the
metric step tests equal loadings together with equal scales (loadings alone cannot be tested),
and the scalar model, which frees the binary items' scales that metric fixes, is not nested in
metric: it is tested against the thresholds model (configural when thresholds is not fitted),
named in the table's ``compared_with``. Checked against semTools 0.5.6 / lavaan 0.6.14 on
binary and mixed binary and 4-category items (tests/reference/semtools_ordinal_ladder_binary.R).

The partial search works the same way with ordered items: the score tests are lavaan's
``lavTestScore`` (threshold and loading equalities) and ``modindices`` (the later groups'
latent-response intercepts and, under theta, residual variances, which Wu & Estabrook tie to
the first group's 0 and 1) on the WLSMV fit; a freed threshold (``"x3 | t1"``) is estimated in
each group as semTools' ``group.partial`` does, and is a candidate only while at least two
other thresholds of its item stay equal (they identify the item's intercept and scale).
Checked against lavaan (tests/reference/lavaan_ordinal_score.R): the score tests of every step
and the partial model that frees the largest.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import formatting as fmt
from .._format import every, label_lookup, listing
from .._results import Exportable, PlainText
from .._threads import single_threaded_blas
from .._validation import warn
from .._errors import CxStatsWarning
from . import _ordinal_fit, _problems
from ._api import fit, fit_ordinal_step, sharing_samples
from ._ordinal_fit import check_ordinal_options
from ._problems import ModelSpecificationError
from .comparison import difference_test, model_measures, sample_size_note
from .group_tests import score_tests
from .result import SEMResult
from .._validation import labels_from, moments_parts, survey_parts
from ..data.codebook import Codebook

if TYPE_CHECKING:
    from .._moments import Moments

__all__ = ["InvarianceResult", "invariance", "LEVELS", "ORDINAL_LEVELS"]

LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: the ordinal ladder (Wu & Estabrook, 2016): equal thresholds come first
ORDINAL_LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "metric": ("thresholds", "loadings"),
    "scalar": ("thresholds", "loadings", "intercepts"),
    "strict": ("thresholds", "loadings", "intercepts", "residuals"),
}
_ADDED = {"thresholds": ("|",), "metric": ("=~",), "scalar": ("~1",), "strict": ("~~",)}
_WORDS = {"configural": "the same factor structure in every group",
          "thresholds": "equal thresholds (the answer categories are used alike)",
          "metric": "equal loadings (items relate to their factor alike)",
          "scalar": "equal intercepts (the same factor level gives the same item level)",
          "strict": "equal residual variances (items are equally precise)"}
_ORDINAL_WORDS = {**_WORDS,
                  "metric": "equal thresholds and loadings (items relate to their factor alike)",
                  "scalar": "equal intercepts of the latent responses (the same factor level gives the same answers)",
                  "strict": "equal residual variances of the latent responses (items are equally precise)"}


@dataclass(frozen=True)
class InvarianceResult(Exportable):
    """The ladder: ``models`` (level name -> fitted model; a partial level under its name
    with the freed parameters in ``freed``), ``table`` (one row per level: ``level, npar,
    chisq, df, chisq_diff, df_diff, p_value, cfi, delta_cfi, rmsea, delta_rmsea, srmr,
    lrt, fit_rule, holds, problems, compared_with``), ``search`` (the steps of the partial search:
    ``level, step, parameter, x2, df, p_value``), ``noninvariant_items`` and ``labels`` (the
    codebook's ``{code: label}`` when the ladder was fitted to a Survey or with ``codebook=``).

    ``latent_means`` (``lhs, group, estimate, se, z, p_value, ci_low, ci_high``: each later
    group's latent mean relative to the first group's 0) come from ``means_level``, the last
    level that holds when it is scalar or strict, else the scalar model (``means_comparable``
    then False: the means should not be compared). With ordered items, ``ordered`` names them
    and ``parameterization`` is ``"delta"`` or ``"theta"``; the CFI and RMSEA of the table are
    the scaled ones, and the search frees thresholds too (``"x3 | t1"``). ``binary_items`` names the
    ordered items with two answer categories. The table's ``compared_with`` names the level each
    level is tested against (the one before, except the ordinal scalar level with binary items:
    thresholds); a level that only identifies the model (equal thresholds when every item has 2
    or 3 categories) has ``lrt`` and ``fit_rule`` ``"equivalent"``, ``df_diff`` 0 and no p-value."""

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
    labels: Mapping[str, str] = field(default_factory=dict)
    ordered: tuple[str, ...] = ()
    parameterization: str | None = None
    latent_means: pd.DataFrame = field(default_factory=pd.DataFrame)
    means_level: str | None = None
    means_comparable: bool = False
    binary_items: tuple[str, ...] = ()
    search_by: str = "test"  # what started and stopped the partial search: the χ² "test" or the fit-change "rules"

    _TABLES = {
        "table": ("Invariance", "The ladder, one row per level (configural, metric, scalar, strict; partial "
                  "levels after freeing parameters): fit, χ² difference test (against the level named in "
                  "compared_with) and changes in CFI and RMSEA, and whether the level holds by each criterion "
                  "(\"equivalent\": the level adds nothing testable, as equal thresholds of binary items)."),
        "search": ("Partial search", "Steps of the search for partial invariance: the parameter freed at each "
                   "step and its score test."),
        "latent_means": ("Latent means", "Each later group's latent mean relative to the first group's (0), from "
                         "the last level that holds (scalar or strict)."),
        "_parameters": ("Parameters by level", "Every parameter of every level's model, per group."),
    }

    def _parameters(self) -> pd.DataFrame:
        return pd.concat({level: r.table for level, r in self.models.items()}, names=["level", None]
                         ).reset_index(level=0).reset_index(drop=True)

    def _repr_html_(self) -> str:
        shown = self.table.round({"chisq": 2, "chisq_diff": 2, "p_value": 4, "cfi": 3, "delta_cfi": 3,
                                  "rmsea": 3, "delta_rmsea": 3, "srmr": 3})
        return shown.to_html(index=False, na_rep="")

    @property
    def problems(self) -> tuple[str, ...]:
        """Problems of the fitted models (Heywood cases, non-positive-definite latent
        covariances, non-convergence), each prefixed with its level: ``"scalar: HeywoodWarning: ..."``."""
        seen = []
        for level, result in self.models.items():
            seen += [f"{level}: {p}" for p in result.problems]
        return tuple(seen)

    def plain_summary(self, *, labels=None) -> PlainText:
        """What the ladder means, level by level, for a reader without SEM training.

        ``labels`` (a dict or a Codebook) names items, concepts and groups. Each level is
        judged by the chi-square difference test and by the fit-change rules; when they
        disagree both verdicts are given with what the sample size means for the test.
        Non-invariant parameters are reported by kind: intercepts (which bias latent mean
        comparisons), loadings (which bias comparisons of relationships) and residual
        variances (which affect neither). Poor configural fit and estimation problems
        (Heywood cases, non-positive-definite matrices) are flagged.
        """
        name = label_lookup(labels, self.labels)
        first = next(iter(self.models.values()))
        n_total = int(first.nobs)
        sizes = dict(zip(first.groups, first.group_nobs, strict=False))
        groups = every([f"{name(g)} (n = {fmt.integer(sizes[g])})" if g in sizes else name(g) for g in self.groups])
        lines = [f"- Groups compared ({name(self.group)}): {groups}; {fmt.integer(n_total)} respondents in all."]
        cut_cfi, cut_rmsea = self.rules
        disagreements = []
        for row in self.table.itertuples():
            base = row.level.split(" ")[0]
            words = (_ORDINAL_WORDS if self.ordered else _WORDS).get(base, row.level)
            title = f"**{row.level.capitalize()}**"
            if row.Index > 0 and row.df_diff == 0 and "partial" in row.level:
                lines.append(f"- {title} — {words}: the search freed every constraint this level adds, so "
                             f"nothing of it is left to test; the model equals the level before (CFI "
                             f"{fmt.number(row.cfi, 3)}, RMSEA {fmt.number(row.rmsea, 3)}).")
                continue
            if row.lrt == "equivalent":
                lines.append(f"- {title} — {words}: **not testable** with these items. "
                             + self._equivalent_reason(base, name)
                             + f" The model is equivalent to the {row.compared_with} model (the same fit: CFI "
                             f"{fmt.number(row.cfi, 3)}, RMSEA {fmt.number(row.rmsea, 3)}; a χ² difference of 0 on 0 "
                             "df), so it is reported as such rather than as a test.")
                continue
            if row.df_diff == 0 or pd.isna(row.p_value):
                lines.append(f"- {title} — {words}: the starting point, CFI {fmt.number(row.cfi, 3)}, RMSEA "
                             f"{fmt.number(row.rmsea, 3)}.")
                if base == "configural" and (row.rmsea > 0.08 or row.cfi < 0.90):
                    lines.append(f"- Caution: the configural model itself fits poorly (CFI {fmt.number(row.cfi, 3)}, "
                                 f"RMSEA {fmt.number(row.rmsea, 3)}; acceptable is CFI ≥ .90 and RMSEA ≤ .08). The "
                                 "factor structure does not describe every group well, so the comparisons below "
                                 "rest on a model that is already off; improve the model before relying on them.")
                continue
            test = (f"χ²({fmt.integer(row.df_diff)}) = {fmt.number(row.chisq_diff, 1)}, {fmt.p_text(row.p_value)}")
            change = f"CFI changes by {fmt.number(row.delta_cfi, 3, signed=True)}, RMSEA by " \
                     f"{fmt.number(row.delta_rmsea, 3, signed=True)}"
            broken = [what for what, bad in (("the CFI drop", -row.delta_cfi > cut_cfi),
                                             ("the RMSEA rise", row.delta_rmsea > cut_rmsea)) if bad]
            rules = (f"the rules allow a CFI drop of at most {fmt.number(cut_cfi, 3).lstrip('0')} and an RMSEA rise of "
                     f"at most {fmt.number(cut_rmsea, 3).lstrip('0')}"
                     + (f"; {every(broken)} {'exceeds its limit' if len(broken) == 1 else 'exceed their limits'}"
                        if broken else ""))
            freed = self._freed_at(row.level)
            after = f" (after freeing {every([self._describe(f, name) for f in freed])})" if freed else ""
            lrt_ok, rule_ok = row.lrt == "holds", row.fit_rule == "holds"
            binary_note = self._binary_note(base, row.compared_with, name)
            if lrt_ok and rule_ok:
                lines.append(f"- {title} — {words} — holds{after}: the chi-square difference test finds no "
                             f"significant loss of fit ({test}) and {change} ({rules}).")
            elif not lrt_ok and not rule_ok:
                lines.append(f"- {title} — {words} — does not hold{after}: the chi-square difference test rejects "
                             f"it ({test}) and {change} ({rules}).")
            elif not lrt_ok:
                disagreements.append("large")
                lines.append(f"- {title} — {words}{after}: **the two criteria disagree**. The chi-square difference "
                             f"test rejects it ({test}), but by the fit-change rules it holds ({change}; {rules}). "
                             + sample_size_note(True, n_total, "differences between groups"))
            else:
                disagreements.append("small")
                lines.append(f"- {title} — {words}{after}: **the two criteria disagree**. The chi-square difference "
                             f"test finds no significant loss of fit ({test}), but by the fit-change rules it does not "
                             f"hold ({change}; {rules}). "
                             + sample_size_note(False, n_total, "differences between groups")
                             + " Treat this level with caution.")
            if binary_note:
                lines[-1] += " " + binary_note
        lines += self._threshold_lines()
        lines += self._binary_search_line(name)
        if self.search_by == "rules" and (self.table["lrt"] == "rejected").any():
            lines.append("- The search for partial invariance worked only where the fit-change rules rejected a level "
                         "(partial='rules'): with this many respondents the chi-square test also flags differences "
                         "too small to matter, so its rejections alone did not free any parameter.")
        lines += self._noninvariance_lines(name)
        lines += self._means_line()
        lines += self._latent_mean_lines(name)
        if self.ordered:
            lines.append("- The items were treated as ordered categories (WLSMV, "
                         f"{self.parameterization} parameterization; levels after Wu & Estabrook, 2016; CFI and "
                         "RMSEA are the scaled ones).")
        by_kind: dict[str, list[tuple[str, str]]] = {}
        for problem in self.problems:  # one caution per kind of problem, naming every level it affects
            level, rest = problem.split(": ", 1)
            kind, _, message = rest.partition(": ")
            by_kind.setdefault(kind, []).append((level, message))
        meanings = {"HeywoodWarning": "a negative variance (Heywood case): the model is misspecified for some group "
                                      "or a factor has too few items",
                    "NonPositiveDefiniteWarning": "an impossible latent covariance matrix (a correlation at or beyond "
                                                  "1, or a negative variance)",
                    "ConvergenceWarning": "no converged solution",
                    "IdentificationWarning": "a parameter that the data cannot determine"}
        for kind, found in by_kind.items():
            levels = every(level for level, _ in found)
            models = "model has" if len(found) == 1 else "models have"
            also = f" (the {every(level for level, _ in found[1:])} likewise)" if len(found) > 1 else ""
            lines.append(f"- Caution: the {levels} {models} {meanings.get(kind, kind)} — {found[0][0]}: "
                         f"{found[0][1]}{also} Fit and tests of {'this model' if len(found) == 1 else 'these models'} "
                         "are not trustworthy until this is resolved.")
        return PlainText("\n".join(lines))

    def _threshold_lines(self) -> list[str]:
        """What failing equal thresholds means (ordinal ladder only)."""
        rows = [r for r in self.table.itertuples() if r.level.startswith("thresholds")]
        if not rows or rows[0].lrt == "equivalent" or (rows[-1].lrt == "holds" and rows[-1].fit_rule == "holds"):
            return []
        return ["- Thresholds differ across groups: the answer categories are used differently (at the same level "
                "of what an item measures, respondents in some groups pick higher or lower categories, or use the "
                "extreme categories more or less). Comparisons of answer distributions between groups then mix "
                "differences in the concept with differences in how the scale is used; the later levels are "
                "tested on top of this and should be read with caution."]

    def _equivalent_reason(self, base: str, name) -> str:
        """Why a level of the ordinal ladder adds nothing testable (Wu & Estabrook, 2016)."""
        if base == "thresholds":
            return ("With two or three answer categories an item has at most two thresholds, and equal thresholds "
                    "only take over the job of fixing where the item's latent response sits and how it is scaled "
                    "in each group (Wu & Estabrook, 2016: for binary items there is no separate test of equal "
                    "thresholds, and 3-category items must assume them).")
        return "Every constraint this level adds only identifies the model."

    def _binary_search_line(self, name) -> list[str]:
        """Why the search freed no binary item's intercept where scalar failed."""
        levels = list(self.table["level"])
        scalar = self.table[self.table["level"].eq("scalar")]
        if not self.binary_items or scalar.empty or bool(scalar["holds"].iloc[0]) or "scalar (partial)" in levels:
            return []
        items = every([name(i) for i in self.binary_items])
        return [f"- The search for partial invariance did not free the intercepts of the binary items ({items}): "
                "freeing a binary item's intercept fixes its scale again (Wu & Estabrook, 2016), so the model would "
                "change without anything being tested."]

    def _binary_note(self, base: str, compared_with: str, name) -> str:
        """What a step of the ordinal ladder tests when some items are binary (semTools' rules)."""
        if not self.binary_items:
            return ""
        items = every([name(i) for i in self.binary_items])
        scale = ("the scale of their latent responses (their total variance)" if self.parameterization == "delta"
                 else "the residual variances of their latent responses")
        if base == "metric":
            return (f"With binary items ({items}) equal loadings cannot be tested on their own (Wu & Estabrook, "
                    f"2016): this step also keeps {scale} fixed at 1 in every group, as semTools "
                    "writes it, so for these items it tests equal loadings and equal scales together.")
        if base == "scalar" and compared_with and compared_with != "metric":
            return (f"This test is against the {compared_with} model, not the metric model: with binary items "
                    f"({items}) the scalar model frees {scale} in the later groups, which the metric model fixes, "
                    "so the two are not nested; it tests equal loadings and equal intercepts together.")
        return ""

    def _latent_mean_lines(self, name) -> list[str]:
        """The latent means in words, for ordinal ladders; a continuous ladder's means are read
        with :func:`latent_mean_differences` (in SD units, from the model the reader chooses), and
        a second set in the summary would give a report two values for one comparison."""
        if self.latent_means.empty or not self.means_comparable or not self.ordered:
            return []
        first = name(self.groups[0])
        spec = self.models[self.means_level]._spec
        latent = set(spec.latent)
        unit_variance = all(r.free == 0 for r in spec.rows
                            if r.group == 0 and r.op == "~~" and r.lhs == r.rhs and r.lhs in latent)
        units = f"standard deviations of {first}" if unit_variance else "the units of each factor's first item"
        parts = [f"{name(r.lhs)} in {name(r.group)}: {fmt.number(r.estimate, 2, signed=True)} "
                 f"{fmt.interval(r.ci_low, r.ci_high, 2)}, {fmt.p_text(r.p_value)}"
                 for r in self.latent_means.itertuples()]
        return [f"- Latent means relative to {first} (0; in {units}), from the {self.means_level} model: "
                f"{'; '.join(parts)}."]

    def _freed_at(self, level: str) -> list[str]:
        """Parameters freed by the partial search at ``level`` ("scalar (partial)" -> the scalar steps)."""
        if "partial" not in level or self.search.empty:
            return []
        base = level.split(" ")[0]
        return list(self.search.loc[self.search["level"] == base, "parameter"])

    @staticmethod
    def _describe(entry: str, name) -> str:
        compact = entry.replace(" ", "")
        if "|" in compact:
            item, tk = compact.split("|")
            return f"threshold {tk.lstrip('t')} of {name(item)}"
        if "=~" in compact:
            factor, item = compact.split("=~")
            return f"the loading of {name(item)} on {name(factor)}"
        if "~~" in compact:
            return f"the residual variance of {name(compact.split('~~')[0])}"
        return f"the intercept of {name(compact.split('~')[0])}"

    def _noninvariance_lines(self, name) -> list[str]:
        kinds: dict[str, list[str]] = {"|": [], "=~": [], "~1": [], "~~": []}
        for entry in self.freed:
            compact = entry.replace(" ", "")
            if "|" in compact:
                kinds["|"].append(self._describe(entry, name))
            elif "=~" in compact:
                factor, item = compact.split("=~")
                kinds["=~"].append(f"{name(item)} (on {name(factor)})")
            elif "~~" in compact:
                kinds["~~"].append(name(compact.split("~~")[0]))
            elif "~" in compact:
                kinds["~1"].append(name(compact.split("~")[0]))
        lines = []
        def these(found: list[str], one: str, many: str) -> str:
            return one if len(found) == 1 else many

        if kinds["|"]:
            found = kinds["|"]
            lines.append(f"- Thresholds differ across groups for {every(found)}: respondents at the same level of the "
                         "concept choose the answer categories of "
                         f"{these(found, 'this item', 'these items')} differently in some groups; "
                         f"{these(found, 'it is', 'they are')} left free, so the other levels rest on the remaining "
                         "thresholds.")
        if kinds["~1"]:
            found = kinds["~1"]
            lines.append(f"- Intercepts differ across groups for {every(found)}: at the same level of the concept, "
                         f"{these(found, 'this item is', 'these items are')} answered higher or lower in some groups. "
                         f"This matters for comparing latent means; {these(found, 'its intercept is', 'their intercepts are')} "
                         "left free, so the means are compared through the other items.")
        if kinds["=~"]:
            found = kinds["=~"]
            lines.append(f"- Loadings differ across groups for {every(found)}: "
                         f"{these(found, 'this item reflects its', 'these items reflect their')} concept more or less "
                         "strongly in some groups. This matters for comparing relationships (correlations, paths) "
                         f"between groups; {these(found, 'its loading is', 'their loadings are')} left free.")
        if kinds["~~"]:
            found = kinds["~~"]
            lines.append(f"- Residual variances differ across groups for {every(found)}: "
                         f"{these(found, 'this item is', 'these items are')} answered with different precision in some "
                         "groups. This does not affect comparisons of latent means or of relationships.")
        return lines

    def _means_line(self) -> list[str]:
        scalar = [r for r in self.table.itertuples() if r.level.startswith("scalar")]
        if not scalar:
            return []
        last = scalar[-1]
        kind = "partial" if "partial" in last.level else "full"
        if last.lrt == "holds" and last.fit_rule == "holds":
            return [f"- Latent means can be compared across groups ({kind} scalar invariance)."]
        if last.fit_rule == "holds":
            return [f"- Latent means can be compared across groups by the fit-change rules ({kind} scalar "
                    "invariance), although the chi-square test flags intercept differences; report the mean "
                    "differences as approximate."]
        if last.lrt == "holds":
            return [f"- Latent means can be compared by the chi-square test ({kind} scalar invariance), but fit "
                    "worsens beyond the fit-change rules: compare means with caution."]
        return ["- Latent means should not be compared across groups: scalar invariance fails by both criteria, so "
                "group differences in scores may come from how items work, not from the concept."]


@single_threaded_blas
@sharing_samples  # every level fits the same data: each group's statistics are computed once
def invariance(model: str, data: pd.DataFrame | Moments | None = None, *, group: str,
               levels: Sequence[str] | None = None,
               estimator: str | None = None, missing: str = "listwise", std_lv: bool | None = None,
               group_labels: Sequence | None = None, group_partial: Sequence[str] = (),
               partial: bool | str | None = None, alpha: float = 0.05, delta_cfi: float = 0.01, delta_rmsea: float = 0.015,
               max_free: int | None = None, codebook: Codebook | None = None,
               moments: Moments | None = None, ordered: Sequence[str] | bool | None = None,
               parameterization: str = "delta") -> InvarianceResult:
    """Fit the invariance ladder and, where a level fails, search for partial invariance.

    Parameters
    ----------
    model : a measurement model in lavaan syntax (structural paths are allowed).
    group : the column with the groups (countries, segments, waves).
    levels : the levels to fit, in order, from ``configural``, ``metric``, ``scalar``, ``strict``
        (default: all four). With ordered items from ``configural``, ``thresholds``, ``metric``,
        ``scalar`` and (theta only) ``strict``; default all but ``strict`` under delta, all under theta.
    estimator, missing, std_lv, group_labels : as in :func:`cxstats.sem.fit` (default
        ``estimator``: ML, or WLSMV with ``ordered=``; ``std_lv``: False, but True with ``ordered=``,
        the identification of Wu & Estabrook).
    group_partial : parameters known to differ, freed at every level (e.g. ``["x3 ~ 1"]``; with
        ordered items also single thresholds, ``"x3 | t2"``).
    partial : search for partial invariance where a level fails its chi-square difference test
        and until it holds (default True; with ordered items the score tests are lavaan's for
        WLSMV fits, and the thresholds level is searched too); ``"rules"``: where a level fails
        the fit-change rules and until they hold, for samples so large that the χ² test rejects
        differences too small to matter (the candidates still need a significant score test);
        False: no search.
    ordered : ordered (Likert) items, or ``True`` for every item: the ordinal ladder of Wu &
        Estabrook (2016), fitted by WLSMV (see the module docstring), checked against semTools
        0.5.6 ``measEq.syntax`` models fitted by lavaan 0.6.14. Binary (two-category) items are
        allowed, alone or mixed with items of more categories: with them equal thresholds are
        not testable (shown as equivalent to configural), metric tests equal loadings and equal
        scales together, and scalar is tested against the thresholds model (``compared_with``).
    parameterization : with ``ordered=``: ``"delta"`` (the default) or ``"theta"`` (needed
        for the ``strict`` level).
    alpha : level of the difference tests and of the score tests in the search.
    delta_cfi, delta_rmsea : the fit-change rules (a level holds by them when CFI drops by
        at most ``delta_cfi`` and RMSEA rises by at most ``delta_rmsea``).
    max_free : most parameters freed per level in the search (default: half of the
        constraints the level adds).
    codebook : a :class:`~cxstats.Codebook` whose labels name items and concepts in
        ``plain_summary()`` (default: the codebook of ``data`` when it is a
        :class:`~cxstats.Survey`).
    moments : a :class:`~cxstats.Moments` grouped by ``group`` instead of raw data (it may
        also be passed as ``data``): the ML ladder, the difference tests and the score tests
        of the partial search come from the sufficient statistics alone and equal those
        from the rows (see :func:`cxstats.sem.fit`).
    """
    labels = labels_from(codebook, data, group=group)
    data, _ = survey_parts(data)
    data, moments = moments_parts(data, moments, where="sem.invariance")
    is_ordinal = ordered is not None and ordered is not False and (ordered is True or len(list(ordered)) > 0)
    if is_ordinal:
        estimator, std_lv, levels = _check_ordinal_ladder(estimator, std_lv, levels, moments, parameterization,
                                                          missing)
        ladder_levels = ORDINAL_LEVELS
        partial = _search_mode(partial)
    else:
        estimator = "ML" if estimator is None else estimator
        std_lv = bool(std_lv)
        partial = _search_mode(partial)
        levels = ("configural", "metric", "scalar", "strict") if levels is None else levels
        ladder_levels = LEVELS
    unknown = [lv for lv in levels if lv not in ladder_levels]
    if unknown or not levels:
        raise ModelSpecificationError(
            f"levels={listing(unknown or ['(none)'], quote=True)}: choose from {listing(ladder_levels, quote=True)}, "
            "in order.")
    order = [list(ladder_levels).index(lv) for lv in levels]
    if order != sorted(order) or len(set(order)) != len(order):
        raise ModelSpecificationError(
            f"levels must go up the ladder without repeats: {listing(ladder_levels, quote=True)}.")
    robust = str(estimator).upper() in ("MLR", "WLSMV", "ULSMV")
    freed = list(group_partial)
    models: dict[str, SEMResult] = {}
    rows, steps = [], []
    previous: SEMResult | None = None  # the model the next level is tested against

    def run(level: str) -> SEMResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # problems stay on the result (.problems) and in the table
            if is_ordinal:
                return fit_ordinal_step(model, data, ordered, group=group, group_equal=ORDINAL_LEVELS[level],
                                        estimator=estimator, parameterization=parameterization, missing=missing,
                                        group_labels=group_labels, group_partial=tuple(freed))
            return fit(model, data, group=group, group_equal=LEVELS[level], group_partial=tuple(freed),
                       estimator=estimator, missing=missing, std_lv=std_lv, group_labels=group_labels,
                       se="standard", moments=moments)

    def row_for(name: str, result: SEMResult) -> dict:
        m = model_measures(result)
        out = {"level": name, "npar": m["npar"], "chisq": m["chisq_scaled"] if robust else m["chisq"], "df": m["df"],
               "chisq_diff": np.nan, "df_diff": 0.0, "p_value": np.nan, "cfi": m["cfi"], "delta_cfi": np.nan,
               "rmsea": m["rmsea"], "delta_rmsea": np.nan, "srmr": m["srmr"], "lrt": "", "fit_rule": "", "holds": True,
               "problems": "; ".join(p.split(": ", 1)[0] for p in result.problems), "compared_with": ""}
        if previous is not None:
            test = difference_test(previous, result)
            out["compared_with"] = next(name for name, r in models.items() if r is previous)
            before = model_measures(previous)
            d_cfi, d_rmsea = m["cfi"] - before["cfi"], m["rmsea"] - before["rmsea"]
            p = test.p_value
            lrt_ok = bool(p >= alpha) if np.isfinite(p) else True
            rule_ok = bool(-d_cfi <= delta_cfi and d_rmsea <= delta_rmsea)
            out.update(chisq_diff=test.chisq_diff if test.df_diff > 0 else np.nan, df_diff=test.df_diff, p_value=p,
                       delta_cfi=d_cfi, delta_rmsea=d_rmsea, lrt="holds" if lrt_ok else "rejected",
                       fit_rule="holds" if rule_ok else "rejected", holds=lrt_ok)
            if is_ordinal and test.df_diff == 0:  # e.g. equal thresholds of binary and 3-category items
                out.update(p_value=np.nan, lrt="equivalent", fit_rule="equivalent", holds=True)
        return out

    def fails(row: dict) -> bool:
        """Whether the search works on a level: its χ² test rejects it (or, with
        ``partial="rules"``, the fit-change rules do)."""
        return row["fit_rule"] == "rejected" if partial == "rules" else not row["holds"]

    for level in levels:
        result = run(level)
        if is_ordinal and rows:  # the nested model to test against (binary items: scalar is not nested in metric)
            previous = models[_tested_against(level, [r["level"] for r in rows], _binary_items(result))]
        row = row_for(level, result)
        models[level] = result
        rows.append(row)
        if fails(row) and partial and level in _ADDED:
            added = ({(r.lhs, "|") for r in result._spec.rows if r.lhs in result._spec.observed} if level == "thresholds"
                     else {(r.lhs, r.op, r.rhs) for r in result._spec.rows if r.op in _ADDED[level]})
            limit = max_free if max_free is not None else max(1, len(added) // 2)
            for step in range(1, limit + 1):
                candidates = _candidates(result, level)
                if candidates.empty or candidates["p_value"].iloc[0] >= alpha:
                    break
                best = candidates.iloc[0]
                entry = f"{best['lhs']} ~ 1" if best["op"] == "~1" else f"{best['lhs']} {best['op']} {best['rhs']}"
                freed.append(entry)
                steps.append({"level": level, "step": step, "parameter": entry, "x2": best["x2"], "df": best["df"],
                              "p_value": best["p_value"]})
                result = run(level)
                row = row_for(f"{level} (partial)", result)
                if not fails(row):
                    break
            if steps and steps[-1]["level"] == level:
                models[f"{level} (partial)"] = result
                rows.append(row)
        previous = models[rows[-1]["level"]]
    table = pd.DataFrame(rows)
    search = pd.DataFrame(steps, columns=["level", "step", "parameter", "x2", "df", "p_value"])
    found = [f for f in freed if f not in group_partial]
    items = tuple(dict.fromkeys(_item_of(f) for f in found))
    means, means_level, comparable = _latent_means(models, table)
    ladder = InvarianceResult(models=models, table=table, search=search, freed=tuple(freed),
                              noninvariant_items=items, group=group, groups=result.groups, robust=robust, alpha=alpha,
                              rules=(delta_cfi, delta_rmsea), labels=labels,
                              ordered=tuple(result.ordered or ()) if is_ordinal else (),
                              parameterization=parameterization if is_ordinal else None,
                              latent_means=means, means_level=means_level, means_comparable=comparable,
                              binary_items=_binary_items(result) if is_ordinal else (),
                              search_by="rules" if partial == "rules" else "test")
    for problem in ladder.problems:  # silenced while fitting; shown once here, named by level
        level, rest = problem.split(": ", 1)
        kind, _, message = rest.partition(": ")
        kind_class = getattr(_problems, kind, None) or getattr(_ordinal_fit, kind, CxStatsWarning)
        warn(f"Invariance ladder, {level} model: {message}", kind_class)
    return ladder


def _search_mode(partial) -> bool | str:
    """``partial=`` checked: True (the χ² test; also None), ``"rules"`` or False."""
    if partial is None or partial is True or partial is False or partial == "rules":
        return True if partial is None else partial
    raise ModelSpecificationError(f"partial={partial!r}: use True (search where the χ² difference test rejects a "
                                  "level), 'rules' (where the fit-change rules reject it) or False (no search).")


def _check_ordinal_ladder(estimator, std_lv, levels, moments, parameterization, missing):
    """The options of the ordinal ladder, checked once: (estimator, std_lv, levels)."""
    estimator = "WLSMV" if estimator is None else str(estimator).upper()
    check_ordinal_options(estimator, True, missing=missing, parameterization=parameterization, se="standard",
                          cov=None, group=None)
    if moments is not None:
        raise ModelSpecificationError("ordered= needs the rows: thresholds and polychoric correlations cannot be "
                                      "computed from means and covariances. Pass the data instead of a Moments.")
    if std_lv is False:
        raise ModelSpecificationError(
            "std_lv=False is not available with ordered items: the ordinal ladder identifies each factor by its "
            "variance (1 in the first group), as Wu & Estabrook (2016) and semTools (ID.fac='std.lv'). Drop std_lv=.")
    if levels is None:
        levels = ("configural", "thresholds", "metric", "scalar") + (("strict",) if parameterization == "theta" else ())
    if "strict" in levels and parameterization != "theta":
        raise ModelSpecificationError(
            "levels='strict' with ordered items needs parameterization='theta': under 'delta' the residual "
            "variances of the latent responses are not parameters, so their equality cannot be tested (as semTools).")
    return estimator, True, tuple(levels)


def _thresholds_per_item(result: SEMResult) -> pd.Series:
    """How many thresholds each ordered item has in an ordinal fit (its categories - 1)."""
    rows = result._ordinal.threshold_rows
    return rows[rows["group"].eq(rows["group"].iloc[0])]["lhs"].value_counts()


def _binary_items(result: SEMResult) -> tuple[str, ...]:
    """The ordered items with two answer categories (one threshold) in an ordinal fit."""
    counts = _thresholds_per_item(result)
    return tuple(name for name in result._spec.observed if counts.get(name, 0) == 1)


def _tested_against(level: str, fitted: list[str], binary: tuple[str, ...]) -> str:
    """The level an ordinal level is tested against: the one before, except scalar after metric
    with binary items. There semTools (Wu & Estabrook's rules) frees the binary items' scales at
    scalar (their intercepts are tied) that metric keeps at 1, so scalar is not nested in metric;
    it is nested in the thresholds model (with binary items equivalent to configural) and is
    tested against it (or against configural when thresholds was not fitted)."""
    if level == "scalar" and binary and fitted[-1].split(" ")[0] == "metric":  # or "metric (partial)"
        earlier = [lv for lv in fitted if lv.split(" ")[0] in ("configural", "thresholds")]
        if earlier:
            return earlier[-1]
    return fitted[-1]


def _latent_means(models: dict[str, SEMResult], table: pd.DataFrame) -> tuple[pd.DataFrame, str | None, bool]:
    """The later groups' latent means (relative to the first group's 0) from the last level
    that holds, when it is scalar or strict; else from the scalar model, marked not comparable.
    A level holds here when either criterion accepts it (the χ² test or the fit-change rules:
    the summary reports a disagreement and reads such means as approximate); one rejected by
    both ends the chain unless its partial version takes its place. Among the levels of the
    chain, the last one the χ² test accepts is preferred (a strict level that only the rules
    accept does not replace the scalar one)."""
    holding = []
    levels = list(table["level"])
    by_test = dict(zip(levels, (bool(h) for h in table["holds"]), strict=True))
    holds = [bool(h) or rule == "holds" for h, rule in zip(table["holds"], table["fit_rule"], strict=True)]
    for k, level in enumerate(levels):
        if not holds[k]:
            if k + 1 < len(levels) and levels[k + 1] == f"{level} (partial)":
                continue  # the partial version of this level takes its place
            break
        holding.append(level)
    cols = ["lhs", "group", "estimate", "se", "z", "p_value", "ci_low", "ci_high"]
    with_means = [lv for lv in models if lv.split(" ")[0] in ("scalar", "strict")]
    if not with_means:
        return pd.DataFrame(columns=cols), None, False
    accepted = [lv for lv in holding if lv in with_means]
    preferred = [lv for lv in accepted if by_test[lv]] or accepted
    level = preferred[-1] if preferred else with_means[0]
    result = models[level]
    tab = result.table
    latent = set(result._spec.latent)
    rows = tab[tab["op"].eq("~1") & tab["lhs"].isin(latent) & tab["free"].astype(bool)]
    return rows[cols].reset_index(drop=True), level, bool(accepted)


def _candidates(result: SEMResult, level: str) -> pd.DataFrame:
    """Score tests of the constraints ``level`` added that are still in place, largest first."""
    tests = score_tests(result)
    ops = _ADDED[level]
    keep = tests["op"].isin(ops)
    if level == "strict":  # residual variances only, not latent variances
        keep &= tests["lhs"] == tests["rhs"]
    if level == "scalar":
        keep &= ~tests["lhs"].isin(result._spec.latent)
        if result._ordinal is not None:  # an item with one equal threshold (binary): freeing its intercept refixes
            freed = pd.Series([item for item, _ in result._ordinal.free_thresholds], dtype=object)  # its scale
            equal = _thresholds_per_item(result).sub(freed.value_counts(), fill_value=0)  # (Wu & Estabrook)
            keep &= ~tests["lhs"].map(equal).eq(1)
    if level == "thresholds":  # an item's intercept and scale need two other equal thresholds (Wu & Estabrook)
        tied = tests.loc[keep, "lhs"].value_counts()
        keep &= tests["lhs"].map(tied).fillna(0) >= 3
    return tests[keep].reset_index(drop=True)


def _item_of(entry: str) -> str:
    """The item a freed parameter belongs to: the indicator of a loading, the variable of an
    intercept or residual variance."""
    compact = entry.replace(" ", "")
    if "|" in compact:
        return compact.split("|")[0]
    if "=~" in compact:
        return compact.split("=~")[1]
    if "~~" in compact:
        return compact.split("~~")[0]
    return compact.split("~")[0]
