"""Asymmetric effects of quality attributes: penalty-reward contrast analysis (three-factor theory).

Each attribute's rating is split into low, middle and high performance (two dummies; the
middle is the reference), and overall satisfaction is regressed on all dummies (OLS with
HC3 standard errors). The low-performance coefficient is the *penalty*, the
high-performance coefficient the *reward*. Their sum (reward - |penalty| when the penalty
is negative) tests the asymmetry: significantly negative -> a **basic** factor (hurts when
poor, does not delight when good); significantly positive -> an **excitement** factor;
otherwise a **performance** factor (Brandt, 1987; Matzler & Sauerwein, 2002; Mikulić &
Prebežac, 2008, for the impact-asymmetry index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ._results import Exportable
from ._errors import CxStatsError
from ._format import listing
from ._linear import combination
from ._multiplicity import holm
from .data.codebook import Codebook
from ._validation import check_frame
from ._validation import survey_parts

__all__ = ["AsymmetryResult", "penalty_reward", "piecewise_effects"]


def _classify(table: pd.DataFrame, alpha: float, adjust: str, basic_when_positive: bool) -> pd.DataFrame:
    """Holm-adjusted p-values (several attributes are tested at once) and the factor type."""
    if adjust not in ("holm", "none"):
        raise CxStatsError(f"adjust must be 'holm' or 'none', got {adjust!r}.")
    p = table["p_value"].to_numpy()
    adjusted = holm(p) if adjust == "holm" else p
    table = table.assign(p_adjusted=adjusted)
    sign = table["difference" if "difference" in table else "asymmetry"]
    basic = sign > 0 if basic_when_positive else sign < 0
    table["factor"] = np.where(adjusted >= alpha, "performance", np.where(basic, "basic", "excitement"))
    return table


@dataclass(frozen=True)
class AsymmetryResult(Exportable):
    """``table``: one row per attribute (``term, n_low, n_high, penalty, penalty_se,
    penalty_ci_low, penalty_ci_high, reward, reward_se, reward_ci_low, reward_ci_high,
    asymmetry, ci_low, ci_high, p_value, impact_asymmetry, p_adjusted, factor``; the intervals
    at level ``1 - alpha``, unadjusted) and the
    cut-offs used (``low_cut``: at or below is low; ``high_cut``: at or above is high)."""

    _TABLES = {
        "table": ("Penalty-reward", "One row per attribute: penalty of a low rating and reward of a high one, "
                  "with intervals, their asymmetry, its test and the attribute's Kano factor."),
    }

    table: pd.DataFrame
    nobs: int
    r2: float
    low_cut: float
    high_cut: float

    def _repr_html_(self) -> str:
        return (f"<p>Penalty-reward contrast analysis, N = {self.nobs}, low <= {self.low_cut:g}, "
                f"high >= {self.high_cut:g}</p>" + self.table.round(3).to_html(index=False))


def _cuts(values: pd.DataFrame, attributes: list[str], scale, codebook: Codebook | None, low_cut, high_cut):
    if low_cut is not None and high_cut is not None:
        return float(low_cut), float(high_cut)
    if scale is None and codebook is not None:
        scales = {codebook.item(a).scale for a in attributes}
        if len(scales) == 1 and None not in scales:
            scale = scales.pop()
    if scale is None:
        raise CxStatsError("penalty_reward needs the rating scale (scale=(low, high) or codebook=) or explicit "
                           "low_cut= and high_cut=.")
    low, high = (float(v) for v in scale)
    third = (high - low) / 3
    return (float(np.floor(low + third)) if low_cut is None else float(low_cut),
            float(np.ceil(high - third)) if high_cut is None else float(high_cut))


def _complete_rows(data: pd.DataFrame, outcome: str, attributes: Sequence[str],
                   where: str) -> tuple[list[str], pd.DataFrame]:
    """The attributes as a list and the rows with a number for the outcome and every attribute
    (text that is not a number counts as missing); ``where`` names the function in errors."""
    check_frame(data, where=where)
    attributes = list(attributes)
    absent = [c for c in [outcome, *attributes] if c not in data.columns]
    if absent:
        raise CxStatsError(f"{where}: no column {listing(absent, quote=True)} in the data.")
    return attributes, data[[outcome, *attributes]].apply(pd.to_numeric, errors="coerce").dropna()


def penalty_reward(data: pd.DataFrame, outcome: str, attributes: Sequence[str], *,
                   scale: tuple[float, float] | None = None, codebook: Codebook | None = None,
                   low_cut: float | None = None, high_cut: float | None = None,
                   alpha: float = 0.05, adjust: str = "holm", min_group: int = 10) -> AsymmetryResult:
    """Penalty-reward contrast analysis of ``attributes`` on ``outcome``.

    Parameters
    ----------
    scale, codebook : the rating scale; by default the lowest third of it counts as low
        performance and the highest third as high (1-7: <= 3 and >= 5; 1-10: <= 4 and >= 7).
    low_cut, high_cut : explicit cut-offs instead.
    alpha : significance level of the asymmetry test that decides the factor type.
    adjust : ``"holm"`` (default) adjusts the p-values for testing every attribute at once
        (Holm, 1979) before classifying; ``"none"`` does not.
    min_group : fewest respondents a low or high group may have (else a clear error).
    """
    data, codebook = survey_parts(data, codebook)
    attributes, frame = _complete_rows(data, outcome, attributes, "penalty_reward")
    low, high = _cuts(frame, attributes, scale, codebook, low_cut, high_cut)
    if not low < high:
        raise CxStatsError(f"low_cut ({low:g}) must be below high_cut ({high:g}).")
    columns, counts = {}, {}
    for a in attributes:
        lo, hi = (frame[a] <= low).astype(float), (frame[a] >= high).astype(float)
        counts[a] = (int(lo.sum()), int(hi.sum()))
        small = [f"{kind} ({n})" for kind, n in zip(("low", "high"), counts[a], strict=True) if n < min_group]
        if small:
            raise CxStatsError(
                f"Attribute '{a}' has too few respondents in its {' and '.join(small)} group(s) (minimum "
                f"{min_group}); move the cut-offs (low_cut=, high_cut=) or leave the attribute out."
            )
        columns[f"{a}__low"], columns[f"{a}__high"] = lo, hi
    design = sm.add_constant(pd.DataFrame(columns, index=frame.index))
    fit = sm.OLS(frame[outcome].to_numpy(dtype=float), design.to_numpy()).fit(cov_type="HC3")
    names = list(design.columns)
    cov = np.asarray(fit.cov_params())
    rows = []
    z = stats.norm.ppf(1 - alpha / 2)
    for a in attributes:
        i, j = names.index(f"{a}__low"), names.index(f"{a}__high")
        penalty, reward = fit.params[i], fit.params[j]
        asym, se = combination(fit.params, cov, {i: 1.0, j: 1.0})
        p = float(2 * stats.norm.sf(abs(asym / se)))
        rows.append({"term": a, "n_low": counts[a][0], "n_high": counts[a][1], "penalty": penalty,
                     "penalty_se": fit.bse[i], "penalty_ci_low": penalty - z * fit.bse[i],
                     "penalty_ci_high": penalty + z * fit.bse[i], "reward": reward, "reward_se": fit.bse[j],
                     "reward_ci_low": reward - z * fit.bse[j], "reward_ci_high": reward + z * fit.bse[j],
                     "asymmetry": asym,
                     "ci_low": asym - z * se, "ci_high": asym + z * se, "p_value": p,
                     "impact_asymmetry": (reward - abs(penalty)) / (reward + abs(penalty))})
    table = _classify(pd.DataFrame(rows), alpha, adjust, basic_when_positive=False)
    return AsymmetryResult(table=table, nobs=len(frame), r2=float(fit.rsquared), low_cut=low, high_cut=high)


def piecewise_effects(data: pd.DataFrame, outcome: str, attributes: Sequence[str], *,
                      knots: dict[str, float] | None = None, alpha: float = 0.05,
                      adjust: str = "holm") -> pd.DataFrame:
    """The continuous alternative to penalty-reward analysis: a slope below and above a knot.

    Each attribute enters as ``min(x - k, 0)`` and ``max(x - k, 0)`` (knot ``k``: the
    attribute's median unless given), all attributes in one OLS with HC3 errors. A basic
    factor has a steeper slope below the knot than above (``slope_below - slope_above``
    significantly positive, Holm-adjusted over the attributes unless ``adjust="none"``); an
    excitement factor the reverse.

    Returns
    -------
    DataFrame
        ``term, knot, slope_below, slope_above, difference, ci_low, ci_high, p_value,
        p_adjusted, factor``.
    """
    data, _ = survey_parts(data)
    attributes, frame = _complete_rows(data, outcome, attributes, "piecewise_effects")
    knots = {a: float(frame[a].median()) for a in attributes} | dict(knots or {})
    columns = {}
    for a in attributes:
        shifted = frame[a] - knots[a]
        if (shifted < 0).sum() < 10 or (shifted > 0).sum() < 10:
            raise CxStatsError(f"Attribute '{a}' has fewer than 10 answers on one side of its knot {knots[a]:g}; "
                               "choose another knot.")
        columns[f"{a}__below"], columns[f"{a}__above"] = np.minimum(shifted, 0), np.maximum(shifted, 0)
    design = sm.add_constant(pd.DataFrame(columns, index=frame.index))
    fit = sm.OLS(frame[outcome].to_numpy(dtype=float), design.to_numpy()).fit(cov_type="HC3")
    cov, names = np.asarray(fit.cov_params()), list(design.columns)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for a in attributes:
        i, j = names.index(f"{a}__below"), names.index(f"{a}__above")
        diff, se = combination(fit.params, cov, {i: 1.0, j: -1.0})
        p = float(2 * stats.norm.sf(abs(diff / se)))
        rows.append({"term": a, "knot": knots[a], "slope_below": fit.params[i], "slope_above": fit.params[j],
                     "difference": diff, "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p})
    return _classify(pd.DataFrame(rows), alpha, adjust, basic_when_positive=True)
