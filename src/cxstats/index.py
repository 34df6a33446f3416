"""A 0-100 satisfaction index in the ACSI/ECSI manner: weighted items rescaled to 0-100.

Each respondent's index is ``100 * sum_j w_j (x_j - low) / (high - low) / sum_j w_j`` over
the items they answered; the index of a group is the mean with its standard error
``sd / sqrt(n)`` and a t interval. Weights are equal by default, given explicitly, or
taken from a fitted model: the standardized loadings of the construct the items measure
(the CB-SEM counterpart of the PLS outer weights the ACSI uses), or the unstandardized
outer weights of a PLS construct (``cxstats.pls.index_scores`` gives the index of every
construct of a PLS model at once, with bootstrap SEs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from ._results import Exportable
from ._errors import CxStatsError, CxStatsWarning
from ._format import listing
from ._validation import all_suppressed, check_frame, count, declared_scale, numeric_columns, warn
from ._validation import ci_level as check_ci_level
from .data.codebook import Codebook
from ._sufficient import check_items, samples
from ._validation import moments_parts, survey_parts

if TYPE_CHECKING:
    from ._moments import Moments

__all__ = ["IndexResult", "SmallGroupWarning", "satisfaction_index"]


class SmallGroupWarning(CxStatsWarning):
    """A group has too few answers for a standard error or an interval."""


@dataclass(frozen=True)
class IndexResult(Exportable):
    """A 0-100 index: ``table`` (``group, n, estimate, se, ci_low, ci_high, suppressed``: a
    group with fewer than ``min_base`` answers keeps its n, its values are NaN), ``scores``
    (one value per respondent, NaN when every item is missing; empty from a Moments), ``weights`` (normalised to
    sum 1) and the response ``scale`` the items were rescaled from; ``problems``: the warnings
    issued (a group with fewer than two answers has no SE or interval), for reports."""

    _TABLES = {
        "table": ("Index", "The 0-100 index overall and per group: base n, mean index, SE and interval.",
                  {"estimate": "number1", "se": "number2", "ci_low": "number1", "ci_high": "number1"}),
        "weights": ("Weights", "The weight of each question in the index (sums to 1)."),
    }

    table: pd.DataFrame
    scores: pd.Series
    weights: pd.Series
    scale: tuple[float, float]
    ci_level: float = 0.95
    problems: tuple[str, ...] = ()
    min_base: int = 30

    def _repr_html_(self) -> str:
        return self.table.round(2).to_html(index=False)


def satisfaction_index(
    data: pd.DataFrame | Moments,
    items: Sequence[str],
    *,
    scale: tuple[float, float] | None = None,
    codebook: Codebook | None = None,
    weights: Mapping[str, float] | object | None = None,
    group: str | None = None,
    ci_level: float = 0.95,
    min_base: int = 30,
) -> IndexResult:
    """Compute a 0-100 index from rating items, overall and per group.

    Parameters
    ----------
    data : respondents in rows, or a :class:`~cxstats.Moments` over the items: each group's
        index is then ``w'mean`` with SD ``sqrt(w'Cw)`` (rescaled), which equals the index of
        the rows complete on the Moments' items (on complete data, the same rows; with the
        rows, a respondent's index averages the items they answered). ``scores`` is then
        empty and only the item means can be checked against the scale.
    items : the items of the index (e.g. the three ACSI satisfaction items).
    scale : ``(low, high)`` of the response scale; read from ``codebook`` when omitted.
    weights : ``None`` (equal), a mapping item -> weight, a fitted
        :class:`cxstats.sem.SEMResult` whose standardized loadings on the construct
        measured by ``items`` become the weights, or a fitted ``cxstats.pls`` result whose
        unstandardized outer weights (weight / SD) of that construct become the weights.
    group : a column to report the index by (e.g. country or segment); with a Moments, its
        group column (or None for all rows).
    min_base : a group answered by fewer respondents keeps its n but its index and interval are
        NaN (``suppressed`` True), as in :func:`cxstats.nps` and :func:`cxstats.top_box`; an
        index of all rows below it, or every group below it, is an error.

    Returns
    -------
    IndexResult

    Examples
    --------
    >>> import cxstats
    >>> mobi = cxstats.load_dataset("ecsi_mobile")
    >>> res = cxstats.satisfaction_index(mobi.data, ["CUSA1", "CUSA2", "CUSA3"], codebook=mobi.codebook)
    >>> round(float(res.table["estimate"].iloc[0]), 1)
    72.0
    """
    data, codebook = survey_parts(data, codebook)
    data, moments = moments_parts(data, where="satisfaction_index")
    ci_level = check_ci_level(ci_level)
    min_base = count("min_base", min_base, minimum=1)
    items = [items] if isinstance(items, str) else list(items)
    if moments is not None:
        return _index_from_moments(moments, items, scale, codebook, weights, group, min_base=min_base,
                                   ci_level=ci_level)
    check_frame(data, where="satisfaction_index")
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise CxStatsError(f"satisfaction_index: no column {listing(absent, quote=True)} in the data.")
    if len(items) == 0:
        raise CxStatsError("satisfaction_index needs at least one item.")
    if group is not None and group not in data.columns:
        raise CxStatsError(f"satisfaction_index: no group column '{group}' in the data; columns: "
                           f"{listing(data.columns, limit=20, quote=True)}.")
    low, high = _scale(items, scale, codebook)
    w = _weights(items, weights)
    values = numeric_columns(data, items, where="satisfaction_index", role="item")
    outside = values.notna() & ((values < low) | (values > high))
    if outside.to_numpy().any():
        column = values.columns[outside.any()][0]
        raise CxStatsError(
            f"satisfaction_index: '{column}' has values outside the {low:g}-{high:g} scale "
            f"({listing(values.loc[outside[column], column].tolist())}); recode them or pass the right scale=."
        )
    rescaled = (values - low) / (high - low) * 100.0
    answered = rescaled.notna()
    weight_sum = answered.mul(w, axis=1).sum(axis=1)
    scores = (rescaled.fillna(0.0).mul(w, axis=1).sum(axis=1) / weight_sum.replace(0.0, np.nan)).rename("index")
    frames = [("all", scores)] if group is None else [(g, s) for g, s in scores.groupby(data[group], sort=True)]
    if scores.notna().sum() < 2:
        raise CxStatsError(f"satisfaction_index: only {int(scores.notna().sum())} respondent(s) answered any of "
                           f"{listing(items, quote=True)}; an index with an interval needs at least 2.")
    rows = [_summary(label, s.dropna(), ci_level) for label, s in frames]
    table, problems = _table(rows, group, min_base)
    return IndexResult(table=table, scores=scores, weights=w, scale=(low, high), ci_level=ci_level,
                       problems=problems, min_base=min_base)


def _table(rows: list[dict], group: str | None, min_base: int) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The index table (groups below ``min_base`` suppressed) and the warning for groups too
    small for an interval."""
    table = pd.DataFrame(rows, columns=["group", "n", "estimate", "se", "ci_low", "ci_high"])
    table["suppressed"] = table["n"] < min_base
    if group is None and table["suppressed"].all():
        raise CxStatsError(f"satisfaction_index: only {int(table['n'].iloc[0])} respondents answered: below the "
                           f"minimum base of {min_base} for an index. Collect more answers or lower min_base "
                           "deliberately.")
    if group is not None and table["suppressed"].all():
        all_suppressed(group, list(zip(table["group"], table["n"].astype(int), strict=True)), min_base)
    table.loc[table["suppressed"], ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    problems = []
    small = table[(table["n"] < 2) & ~table["suppressed"]]
    if len(small):
        shown = ", ".join(f"'{g}' (n = {n})" for g, n in zip(small["group"], small["n"], strict=True))
        problems.append(warn(f"satisfaction_index: group(s) {shown} of '{group}' have fewer than 2 answers, so their "
                             "index has no standard error or interval (NaN). Merge small groups or report them "
                             "without an interval.", SmallGroupWarning))
    return table, tuple(problems)


def _index_from_moments(moments, items: list[str], scale, codebook, weights, group: str | None, *,
                        min_base: int, ci_level: float) -> IndexResult:
    """The index of each group from its item means and covariance matrix: a weighted mean of
    items is linear, so its mean is ``w'mean`` and its variance ``w'Cw`` (rescaled to 0-100)."""
    if len(items) == 0:
        raise CxStatsError("satisfaction_index needs at least one item.")
    check_items(moments, items, where="satisfaction_index")
    low, high = _scale(items, scale, codebook)
    w = _weights(items, weights)
    parts = samples(moments, items, group, where="satisfaction_index", minimum=0)
    for part in parts:
        outside = [i for i, m in part.mean.items() if part.n and not low <= m <= high]
        if outside:
            raise CxStatsError(f"satisfaction_index: the mean of {listing(outside, quote=True)}"
                               f"{'' if group is None else f' in group {part.label!r}'} lies outside the "
                               f"{low:g}-{high:g} scale; recode the answers or pass the right scale=.")
    if sum(part.n for part in parts) < 2:
        raise CxStatsError(f"satisfaction_index: only {sum(part.n for part in parts)} respondent(s) answered every "
                           f"one of {listing(items, quote=True)}; an index with an interval needs at least 2.")
    unit = 100.0 / (high - low)
    weight = w.to_numpy()
    rows = [_summary_of(part.label, part.n, unit * (weight @ (part.mean.to_numpy() - low)),
                        unit * np.sqrt(weight @ part.cov.to_numpy() @ weight), ci_level) for part in parts]
    table, problems = _table(rows, group, min_base)
    return IndexResult(table=table, scores=pd.Series(dtype=float, name="index"), weights=w, scale=(low, high),
                       ci_level=ci_level, problems=problems, min_base=min_base)


def _scale(items: list[str], scale, codebook: Codebook | None) -> tuple[float, float]:
    return declared_scale(items, scale, codebook, where="satisfaction_index")


def _weights(items: list[str], weights) -> pd.Series:
    if weights is None:
        raw = pd.Series(1.0, index=items)
    elif isinstance(weights, Mapping):
        missing = [i for i in items if i not in weights]
        if missing:
            raise CxStatsError(f"satisfaction_index: no weight for {listing(missing, quote=True)}.")
        raw = pd.Series({i: float(weights[i]) for i in items})
    elif hasattr(weights, "outer_weights") and hasattr(weights, "indicator_sds"):  # a cxstats.pls result
        from .pls._index import index_weights

        table = index_weights(weights)
        owners = set(table.loc[table["indicator"].isin(items), "construct"])
        block = table[table["construct"].isin(owners)]
        if len(owners) != 1 or set(block["indicator"]) != set(items):
            raise CxStatsError(
                "satisfaction_index: the PLS model must measure exactly these items by one construct "
                f"(the items belong to {listing(sorted(owners), quote=True) or 'no construct'}).")
        raw = block.set_index("indicator")["unstandardized"].reindex(items)
    elif hasattr(weights, "table"):
        loadings = weights.table[(weights.table["op"] == "=~") & weights.table["rhs"].isin(items)]
        if set(loadings["rhs"]) != set(items) or loadings["lhs"].nunique() != 1:
            raise CxStatsError(
                "satisfaction_index: the model must measure exactly these items by one factor "
                f"(found loadings for {listing(sorted(set(loadings['rhs'])))})."
            )
        raw = loadings.set_index("rhs")["std_all"].reindex(items)
    else:
        raise TypeError("weights must be None, a mapping item -> weight, or a fitted cxstats.sem or cxstats.pls result.")
    if (raw <= 0).any() or raw.isna().any():
        raise CxStatsError(f"satisfaction_index: weights must be positive, got {raw.round(3).to_dict()}.")
    return raw / raw.sum()


def _summary(label, scores: pd.Series, ci_level: float) -> dict:
    n = int(scores.size)
    return _summary_of(label, n, float(scores.mean()) if n else float("nan"),
                       float(scores.std(ddof=1)) if n > 1 else float("nan"), ci_level)


def _summary_of(label, n: int, mean: float, sd: float, ci_level: float) -> dict:
    """Mean, SE ``sd / sqrt(n)`` and t interval of a group's index (no SE or interval below 2 answers)."""
    mean = float(mean) if n else float("nan")
    se = float(sd / np.sqrt(n)) if n > 1 else float("nan")
    half = stats.t.ppf(0.5 + ci_level / 2, n - 1) * se if n > 1 else float("nan")
    return {"group": label, "n": n, "estimate": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half}
