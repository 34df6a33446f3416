"""How much of an outcome's explained variance each predictor accounts for, in a fitted SEM.

For every endogenous variable of the structural part (latent or observed: the left side
of a ``~`` statement) the R² is split among its predictors in two ways, both computed on
the **model-implied** correlation matrix of the outcome and its predictors (for latent
variables lavaan's ``lavInspect(fit, "cor.lv")``), so measurement error does not dilute
them as it dilutes shares computed from scale scores:

* **general dominance** (LMG; Lindeman, Merenda & Gold, 1980; Azen & Budescu, 2003): the
  increase in R² from adding the predictor, averaged over every order of entry (the
  Shapley value of R²), the same exact algorithm as :func:`cxstats.relative_importance`;
* **Johnson's relative weights** (Johnson, 2000): R² split through the orthogonal
  counterparts of the predictors, a fast approximation to the dominance weights.

Both sum to the R² of the outcome regressed on its predictors, which is the model's R²
whenever the outcome's residual is uncorrelated with its predictors (every recursive
model without such a residual covariance); otherwise a ``DecompositionWarning`` says so.

Checked against R (tests/reference/lavaan_shares_mediation.R): lavaan 0.6.14
``lavInspect(fit, "cor.lv")`` with the LMG by explicit subset enumeration with ``lm``-style
normal equations and Johnson's weights by hand.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import CxStatsError
from .._format import level as shown_level
from .._format import caution_lines, label_lookup, listing
from .._importance import lmg, relative_weights
from .._results import Exportable, PlainText
from .._threads import single_threaded_blas
from .._validation import warn
from ._derived import derive_with_problems
from ._problems import DecompositionWarning, ModelSpecificationError

__all__ = ["ExplainedShares", "explained_shares", "SHARE_COLUMNS"]

SHARE_COLUMNS = ["outcome", "predictor", "group", "r2", "r2_ci_low", "r2_ci_high", "dominance", "dominance_se",
                 "dominance_ci_low", "dominance_ci_high", "share", "share_se", "share_ci_low", "share_ci_high",
                 "relative_weight", "relative_weight_ci_low", "relative_weight_ci_high", "rank"]


@dataclass(frozen=True)
class ExplainedShares(Exportable):
    """Each predictor's part of the explained variance of each outcome of a fitted SEM.

    Attributes
    ----------
    table : one row per outcome and predictor (and group): ``outcome, predictor, group,
        r2`` (R² of the outcome on the predictors listed for it), ``dominance`` (general
        dominance / LMG weight: the part of the outcome's variance the predictor accounts
        for; the weights of one outcome sum to ``r2``), ``share`` (``dominance / r2``: the
        predictor's part of the *explained* variance; shares sum to 1), ``relative_weight``
        (Johnson's), each with ``_ci_low``/``_ci_high`` (and ``_se`` for dominance and
        share), and ``rank`` (1 = largest dominance weight for that outcome). All values
        are proportions (0.31 = 31%).
    method : ``"delta"`` (Wald intervals from delta-method SEs) or ``"bootstrap (percentile)"``
        (or bias-corrected/BCa, as the fit's bootstrap); ``draws`` the bootstrap draws used.
    ci_level : the level of the intervals.
    nobs : rows the model was fitted to.
    problems : the fit's problems and any ``DecompositionWarning`` raised here.
    correlated_residuals : outcomes whose residual is correlated with a predictor: their
        shares split the R² of the implied regression, not the model's R².
    """

    _TABLES = {
        "table": ("Explained shares", "Each outcome's R² split among its predictors: general dominance (LMG) weights, "
                  "their shares of R² and Johnson's relative weights, with intervals (proportions)."),
    }

    table: pd.DataFrame
    method: str
    draws: int
    ci_level: float
    nobs: int
    problems: tuple[str, ...]
    correlated_residuals: tuple[str, ...] = ()

    def _row(self, outcome: str, predictor: str, group=None) -> pd.Series:
        rows = self.table[(self.table["outcome"] == outcome) & (self.table["predictor"] == predictor)]
        if group is not None:
            rows = rows[rows["group"] == group]
        if rows.empty:
            pairs = listing([f"{o} <- {p}" for o, p in zip(self.table["outcome"], self.table["predictor"],
                                                            strict=True)], limit=40, quote=True)
            raise ModelSpecificationError(f"No share of '{outcome}' for the predictor '{predictor}'"
                                          f"{'' if group is None else f' in group {shown_level(group)}'}; the table "
                                          f"has {pairs}.")
        return rows.iloc[0]

    def statement(self, outcome: str, predictor: str, *, group=None, labels=None,
                  claim: float | None = None) -> PlainText:
        """One sentence a stakeholder can quote, e.g. "Emotional experience accounts for 31%
        of the differences in satisfaction (95% CI 26% to 36%), that is 48% of the 64% the
        model explains."

        The first number is the dominance weight (the outcome's variance the predictor
        accounts for: the bounded reading of "emotion explains X% of satisfaction"); the
        second is its share of the explained part (of R²). ``labels`` (a dict or a
        Codebook) names the variables; ``group`` picks a group of a multigroup model
        (default the first). ``claim`` (a proportion, e.g. 0.63 for a claim that the
        predictor "explains 63%" of the outcome) adds a verdict: consistent with the
        interval of the dominance weight, or larger or smaller than the data support.

        Raises
        ------
        CxStatsError
            ``claim`` is not a proportion between 0 and 1 (a percentage gets a hint).
        cxstats.sem.ModelSpecificationError
            The outcome-predictor pair (or group) is not in the table.
        """
        from .. import formatting as fmt

        name = label_lookup(labels)
        group = self.table["group"].iloc[0] if group is None else group
        row = self._row(outcome, predictor, group if self.table["group"].notna().any() else None)
        level = f"{fmt.number(100 * self.ci_level, 0)}% CI"
        where = "" if pd.isna(row["group"]) else f" (group {name(row['group'])})"
        how = ("delta-method interval" if self.method == "delta"
               else f"{self.method.split(' (')[-1].rstrip(')')} bootstrap interval, {fmt.integer(self.draws)} draws")
        verdict = ""
        if claim is not None:
            if isinstance(claim, bool) or not isinstance(claim, (int, float, np.integer, np.floating)) \
                    or not 0 <= claim <= 1:
                hint = f" Pass {claim / 100:g} for {claim:g}%." if isinstance(claim, (int, float)) and 1 < claim <= 100 else ""
                raise CxStatsError(f"Argument claim must be a proportion between 0 and 1 (0.63 for 63%), got "
                                   f"{claim!r}.{hint}")
            low, high = row["dominance_ci_low"], row["dominance_ci_high"]
            said = f"The claim that {name(predictor)} explains {fmt.percent(claim)} of {name(outcome)}"
            if claim > high:
                verdict = f" {said} is larger than these data support (the interval ends at {fmt.percent(high)})."
            elif claim < low:
                verdict = f" {said} is smaller than what these data show (the interval starts at {fmt.percent(low)})."
            else:
                verdict = f" {said} is consistent with these data."
        return PlainText(
            f"{name(predictor)} accounts for {fmt.percent(row['dominance'])} of the differences in {name(outcome)}"
            f"{where} ({level} {fmt.percent(row['dominance_ci_low'])} to {fmt.percent(row['dominance_ci_high'])}), "
            f"that is {fmt.percent(row['share'])} ({fmt.percent(row['share_ci_low'])} to "
            f"{fmt.percent(row['share_ci_high'])}) of the {fmt.percent(row['r2'])} the model explains "
            f"(general dominance on the model-implied correlations; {how}; {fmt.integer(self.nobs)} respondents)."
            + verdict)

    def plain_summary(self, *, labels=None, group=None) -> PlainText:
        """Per outcome: how much the model explains and the predictors' parts of it, largest
        first, each with its interval (in ``group`` of a multigroup model; default the first)."""
        from .. import formatting as fmt

        name, table, lines = _summary_start(self, labels, group)
        for outcome, part in table.groupby("outcome", sort=False):
            part = part.sort_values("rank")
            parts = [f"{name(r.predictor)} {fmt.percent(r.share)} {fmt.interval(r.share_ci_low, r.share_ci_high, kind='percent', digits=0)}"
                     for r in part.itertuples()]
            lines.append(f"- The model explains {fmt.percent(part['r2'].iloc[0])} of the differences in "
                         f"{name(outcome)} {fmt.interval(part['r2_ci_low'].iloc[0], part['r2_ci_high'].iloc[0], kind='percent', digits=0)}; "
                         f"of that, {'; '.join(parts)} (shares of the explained part, "
                         f"{fmt.number(100 * self.ci_level, 0)}% {'delta-method' if self.method == 'delta' else 'bootstrap'} intervals).")
        return PlainText("\n".join(lines))

    def _repr_html_(self) -> str:
        return _html("Explained shares", self)


def _summary_start(result, labels, group):
    """What the plain summaries of explained shares and indirect effects start from: the
    label lookup, the rows of ``group`` (see :func:`_one_group`) and a caution line per
    problem."""
    name = label_lookup(labels)
    lines = caution_lines(result.problems)
    return name, _one_group(result.table, group), lines


def _html(title: str, result) -> str:
    """The Jupyter view of a decomposition: title, interval method, the table (empty columns dropped)."""
    return (f"<p>{title} ({html.escape(result.method)} intervals)</p>"
            + result.table.dropna(axis=1, how="all").round(3).to_html(index=False, na_rep=""))


def _one_group(table: pd.DataFrame, group) -> pd.DataFrame:
    """The rows of ``group`` (default the first) of a multigroup table; a one-group table as is."""
    if not table["group"].notna().any():
        if group is not None:
            raise ModelSpecificationError("This model has one group; leave group= out.")
        return table
    levels = list(dict.fromkeys(table["group"]))
    level = levels[0] if group is None else group
    if level not in levels:
        raise ModelSpecificationError(f"group={shown_level(group)} is not one of the model's groups: "
                                      f"{listing(levels, quote=True)}.")
    return table[table["group"] == level]


def _structure(spec, group_index: int) -> dict[str, list[str]]:
    """Outcome -> its direct predictors (the ``~`` statements), in model order."""
    out: dict[str, list[str]] = {}
    for row in spec.rows:
        if row.op == "~" and row.group == group_index:
            out.setdefault(row.lhs, []).append(row.rhs)
    return out


def _corr(model, implied, names: list[str]) -> np.ndarray:
    total = implied.total
    index = [list(model.names).index(n) for n in names]
    block = total[np.ix_(index, index)]
    sd = np.sqrt(np.clip(np.diag(block), 1e-300, None))
    return block / np.outer(sd, sd)


@single_threaded_blas  # the bootstrap refits, and the draws of LMG, are small matrix algebra
def explained_shares(result, outcome: str | Sequence[str] | None = None, *,
                     predictors: Sequence[str] | None = None, bootstrap: int = 0, seed: int | None = None,
                     progress: bool | None = None) -> ExplainedShares:
    """The implementation of :meth:`SEMResult.explained_shares` (see there)."""
    models = result._groups.models
    group_values = list(result.groups) if result.groups else [None]
    structure = _structure(result._spec, 0)  # the same statements in every group
    if not structure:
        raise ModelSpecificationError("The model has no regressions ('~'), so no outcome has explained variance to "
                                      "split. Add the structural paths, e.g. 'SAT ~ EMO + QUAL'.")
    outcomes = list(structure) if outcome is None else [outcome] if isinstance(outcome, str) else list(outcome)
    unknown = [o for o in outcomes if o not in structure]
    if unknown:
        raise ModelSpecificationError(f"{listing(unknown, quote=True)} is not an outcome of a regression in the model; "
                                      f"outcomes: {listing(list(structure), quote=True)}.")
    if predictors is not None:
        if len(outcomes) != 1:
            raise ModelSpecificationError("predictors= gives the predictors of one outcome: pass outcome= with a single "
                                          "variable too.")
        predictors = [predictors] if isinstance(predictors, str) else list(predictors)
        names = list(models[0].names)
        bad = [p for p in predictors if p not in names or p == outcomes[0]]
        if bad or len(set(predictors)) != len(predictors) or not predictors:
            raise ModelSpecificationError(f"predictors= must name distinct model variables other than the outcome "
                                          f"'{outcomes[0]}'; not usable: {listing(bad or predictors, quote=True)}.")
        sets = {outcomes[0]: predictors}
    else:
        sets = {o: structure[o] for o in outcomes}
    spans, slices, start = [], [], 0
    for g in range(len(models)):
        for o, xs in sets.items():
            spans.append((g, o, xs))
            slices.append(slice(start, start + 1 + 3 * len(xs) + 1))
            start += 1 + 3 * len(xs) + 1

    def values(theta: np.ndarray) -> np.ndarray:
        out, implied = [], [model.implied(theta) for model in models]
        for g, o, xs in spans:
            corr = _corr(models[g], implied[g], [o, *xs])
            try:
                dominance = lmg(corr) if len(xs) > 1 else np.array([corr[0, 1] ** 2])
                weights = relative_weights(corr)
            except np.linalg.LinAlgError:
                dominance = weights = np.full(len(xs), np.nan)
            r2 = dominance.sum()
            out += [r2, *dominance, *(dominance / r2), *weights, _model_r2(models[g], implied[g], o)]
        return np.array(out)

    derived, problems = derive_with_problems(result, values, bootstrap, seed, progress=progress)
    rows, correlated = [], []
    for (g, o, xs), part in zip(spans, slices, strict=True):
        est, se, low, high = (a[part] for a in (derived.estimate, derived.se, derived.ci_low, derived.ci_high))
        k = len(xs)
        r2, model_r2 = est[0], est[-1]
        if predictors is None and abs(r2 - model_r2) > 1e-6:
            correlated.append(o if group_values[g] is None else f"{o} (group {group_values[g]})")
            problems.append(warn(
                f"The R² of '{o}' on its predictors from the implied correlations ({r2:.3f}) differs from the model's "
                f"R² ({model_r2:.3f}): its residual is correlated with a predictor (a residual covariance or a "
                "feedback loop), so the shares split the former, not the model's R².", DecompositionWarning))
        order = np.argsort(-est[1:1 + k])
        rank = np.empty(k, dtype=int)
        rank[order] = np.arange(1, k + 1)
        for j, x in enumerate(xs):
            d, s, w = 1 + j, 1 + k + j, 1 + 2 * k + j
            rows.append({"outcome": o, "predictor": x, "group": group_values[g], "r2": r2, "r2_ci_low": low[0],
                         "r2_ci_high": high[0], "dominance": est[d], "dominance_se": se[d],
                         "dominance_ci_low": low[d], "dominance_ci_high": high[d], "share": est[s],
                         "share_se": se[s], "share_ci_low": low[s], "share_ci_high": high[s],
                         "relative_weight": est[w], "relative_weight_ci_low": low[w],
                         "relative_weight_ci_high": high[w], "rank": int(rank[j])})
    return ExplainedShares(table=pd.DataFrame(rows, columns=SHARE_COLUMNS), method=derived.method,
                           draws=derived.draws, ci_level=result._ci_level, nobs=result.nobs,
                           problems=tuple(problems), correlated_residuals=tuple(correlated))


def _model_r2(model, imp, outcome: str) -> float:
    i = list(model.names).index(outcome)
    return 1.0 - imp.s[i, i] / imp.total[i, i]
