"""Net Promoter Score and top-box satisfaction with their uncertainty and minimum base sizes.

NPS = %promoters (9-10) - %detractors (0-6) of 0-10 answers. With shares p_P and p_D from
n answers its variance is ``(p_P + p_D - (p_P - p_D)^2) / n`` (the multinomial variance of
a difference of two shares); intervals are normal-theory on the -100..100 scale, or
bootstrap percentile intervals on request (``ci="bootstrap"``). Two
independent groups are compared with the z test of the difference. Top-box shares use
Wilson score intervals (Wilson, 1927), which stay inside 0-100% for small bases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ._errors import CxStatsError
from . import formatting as fmt
from ._format import listing, rows_and_values
from ._results import Exportable, PlainText
from ._sufficient import count_parts
from ._validation import (all_suppressed, check_frame, count, declared_scale, moments_parts, numeric_columns, one_of,
                          within_scale)
from ._validation import ci_level as check_ci_level
from .data.codebook import Codebook
from .formatting import labels_of
from ._validation import labels_from, survey_parts

if TYPE_CHECKING:
    from ._moments import Moments

__all__ = ["NPSResult", "nps", "nps_difference", "top_box"]


@dataclass(frozen=True)
class NPSResult(Exportable):
    """``table``: one row per group (``group, n, pct_promoters, pct_passives, pct_detractors,
    nps, se, ci_low, ci_high, suppressed``); groups below ``min_base`` keep their n but
    their shares and NPS are NaN and ``suppressed`` is True; ``labels``: the codebook's
    ``{code: label}`` with its value labels of the group column, when the data were a Survey
    (the summary names the groups by them)."""

    _TABLES = {
        "table": ("NPS", "Net Promoter Score per group: share of promoters (9-10), passives (7-8) and detractors "
                  "(0-6) in %, NPS (promoters minus detractors, points) with its SE and interval; groups below "
                  "the minimum base are suppressed.",
                  {"nps": "number1", "se": "number1", "ci_low": "number1", "ci_high": "number1"}),
    }

    table: pd.DataFrame
    min_base: int
    ci: str = "normal"
    n_boot: int | None = None
    ci_level: float = 0.95
    labels: Mapping[str, str] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        return self.table.round(1).to_html(index=False, na_rep="–")

    def plain_summary(self, *, labels: Mapping[Any, str] | None = None) -> PlainText:
        """Sentences for a stakeholder: each NPS with its interval and base, the widest gap, suppressed groups.

        ``labels`` (a dict or a Codebook) names the groups, adding to or replacing the labels
        kept on the result.
        """
        names = {**self.labels, **labels_of(labels)}
        name = lambda g: names.get(str(g), str(g))  # noqa: E731
        level = fmt.percent(self.ci_level)
        shown = self.table[~self.table["suppressed"]]
        signed = lambda v: fmt.number(v, 0, signed=True)  # noqa: E731
        lines = []
        for row in shown.itertuples():
            label = "All answers" if row.group == "all" and len(self.table) == 1 else name(row.group)
            lines.append(f"- **{label}: NPS {signed(row.nps)}** ({level} CI {signed(row.ci_low)} to "
                         f"{signed(row.ci_high)}; {fmt.integer(row.n)} answers): {fmt.number(row.pct_promoters, 0)}% "
                         f"promoters, {fmt.number(row.pct_detractors, 0)}% detractors.")
        if len(shown) > 1:
            top, bottom = shown.loc[shown["nps"].idxmax()], shown.loc[shown["nps"].idxmin()]
            gap, se = top["nps"] - bottom["nps"], float(np.hypot(top["se"], bottom["se"]))
            z = stats.norm.ppf(0.5 + self.ci_level / 2)
            p = 2 * stats.norm.sf(abs(gap) / se) if se > 0 else float("nan")
            sure = ("larger than chance would explain" if gap - z * se > 0
                    else "within what chance would produce: these data do not rank them")
            lines.append(f"- The gap between the highest ({name(top['group'])}) and the lowest "
                         f"({name(bottom['group'])}) is {fmt.number(gap, 0)} points ({level} CI "
                         f"{signed(gap - z * se)} to {signed(gap + z * se)}, {fmt.p_text(p)}): {sure}"
                         + (" (the widest of several gaps: compare pairs with care)." if len(shown) > 2 else "."))
        small = self.table[self.table["suppressed"]]
        if len(small):
            groups = ", ".join(f"{name(r.group)} (n = {fmt.integer(r.n)})" for r in small.itertuples())
            lines.append(f"- Not reported, fewer than {fmt.integer(self.min_base)} answers: {groups}.")
        return PlainText("\n".join(lines))


def _answers(data: pd.DataFrame, column: str) -> pd.Series:
    check_frame(data, where="nps")
    if column not in data.columns:
        raise CxStatsError(f"No column '{column}' in the data; columns: {listing(data.columns, limit=20)}.")
    values = pd.to_numeric(data[column], errors="coerce")
    bad = data[column].notna() & (values.isna() | (values < 0) | (values > 10) | (values != np.floor(values)))
    if bad.any():
        rows = list(data.index[bad])
        raise CxStatsError(
            f"NPS answers in '{column}' must be whole numbers from 0 to 10; rows {listing(rows)} hold "
            f"{listing(data.loc[bad, column].tolist())}. Recode them or set them to missing."
        )
    return values


def _nps_row(values: pd.Series, ci_level: float) -> dict:
    answered = values.dropna()
    return _nps_from_counts(int(answered.size), int((answered >= 9).sum()), int((answered <= 6).sum()), ci_level)


def _counted_answers(counts: pd.Series, column: str) -> pd.Series:
    """Value counts of 0-10 answers (from a :class:`~cxstats.Moments`), checked like :func:`_answers`."""
    values = pd.to_numeric(pd.Series(counts.index, dtype=object), errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) | (values < 0) | (values > 10) | (values != np.floor(values))
    if bad.any():
        raise CxStatsError(f"NPS answers in '{column}' must be whole numbers from 0 to 10; the Moments count "
                           f"{listing(list(counts.index[bad]))}. Recode them or set them to missing, then compute "
                           "the moments again.")
    return pd.Series(counts.to_numpy(dtype=np.int64), index=values)


def _nps_from_counts(n: int, n_promoters: int, n_detractors: int, ci_level: float) -> dict:
    """NPS, shares, SE and normal interval from the number of answers, promoters and detractors."""
    promoters, detractors = n_promoters / n, n_detractors / n
    score = 100 * (promoters - detractors)
    se = 100 * np.sqrt((promoters + detractors - (promoters - detractors) ** 2) / n)
    z = stats.norm.ppf(0.5 + ci_level / 2)
    return {"n": n, "pct_promoters": 100 * promoters, "pct_passives": 100 * (1 - promoters - detractors),
            "pct_detractors": 100 * detractors, "nps": score, "se": se, "ci_low": max(score - z * se, -100.0),
            "ci_high": min(score + z * se, 100.0)}


def nps(data: pd.DataFrame | Moments, column: str, *, group: str | None = None, min_base: int = 30,
        ci_level: float = 0.95, ci: str = "normal", n_boot: int = 2000, seed: int | None = None) -> NPSResult:
    """Net Promoter Score overall or per group, with a confidence interval and base-size rule.

    Groups with fewer than ``min_base`` answers are kept but suppressed (values NaN,
    ``suppressed`` True): an NPS from a handful of answers is noise.

    Parameters
    ----------
    data : respondents in rows, or a :class:`~cxstats.Survey` (its codebook's value labels of
        ``group`` then name the groups in the summary).
        A :class:`~cxstats.Moments` holding the value counts of ``column``
        (``cxstats.moments(source, items, group=..., counts=[column])``) may stand in for
        them: the table, both kinds of interval included, equals that of the rows (the
        bootstrap is a multinomial draw from the counts either way).
    column : the 0-10 "how likely are you to recommend" answers.
    group : a column to report the NPS by (segment, country, wave); with a Moments, its
        group column (or None for all answers).
    min_base : groups with fewer answers are suppressed.
    ci_level : coverage of the interval.
    ci : ``"normal"`` (default): ``nps +/- z se`` with the closed-form multinomial SE,
        clipped to -100..100. ``"bootstrap"``: percentile interval of ``n_boot``
        resampled NPS values; ``se`` is then their standard deviation.
    n_boot : bootstrap resamples per group (at least 100).
    seed : fixes the bootstrap draws; the same seed gives identical intervals.

    Returns
    -------
    NPSResult
        ``table``: ``group, n, pct_promoters, pct_passives, pct_detractors, nps, se, ci_low,
        ci_high, suppressed`` (the same columns for both kinds of interval).

    Notes
    -----
    Resampling n answers with replacement and counting promoters, passives and detractors
    is a multinomial draw with the observed shares, so each bootstrap NPS is drawn that way
    (exactly the nonparametric bootstrap, without materialising resampled rows). Groups
    are resampled in sorted order from one generator seeded with ``seed``. On 20,000
    answers the bootstrap interval agrees with the closed-form one within Monte-Carlo
    error (tests/test_nps.py).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxstats.nps import nps
    >>> answers = pd.DataFrame({"rec": [10] * 50 + [8] * 30 + [3] * 20})
    >>> row = nps(answers, "rec", ci="bootstrap", seed=1).table.iloc[0]
    >>> float(row["nps"]), bool(row["ci_low"] < 30 < row["ci_high"])
    (30.0, True)
    """
    labels = labels_from(data, group=group)
    data, _ = survey_parts(data)
    data, moments = moments_parts(data, where="nps")
    one_of("ci", ci, ("normal", "bootstrap"))
    ci_level = check_ci_level(ci_level)
    min_base = count("min_base", min_base, minimum=1)
    if ci == "bootstrap":
        n_boot = count("n_boot", n_boot, minimum=100, what=" for a bootstrap interval")
    if moments is not None:  # value counts per group: (n, promoters, detractors)
        parts = [(label, _counted_answers(counts, column)) for label, counts in
                 count_parts(moments, column, group, where="nps")]
        tallies = [(label, int(c.sum()), int(c[c.index >= 9].sum()), int(c[c.index <= 6].sum())) for label, c in parts]
    else:
        values = _answers(data, column)
        if group is not None and group not in data.columns:
            raise CxStatsError(f"No group column '{group}' in the data.")
        parts = [("all", values)] if group is None else list(values.groupby(data[group], sort=True))
        tallies = [(label, int(part.notna().sum()), int((part >= 9).sum()), int((part <= 6).sum()))
                   for label, part in parts]
    rng = np.random.default_rng(seed) if ci == "bootstrap" else None
    rows = []
    for label, n, promoters, detractors in tallies:
        row = ({"group": label, **_nps_from_counts(n, promoters, detractors, ci_level)} if n
               else {"group": label, "n": 0})
        row["suppressed"] = row["n"] < min_base
        if rng is not None and not row["suppressed"] and row["n"] > 0:
            row.update(_bootstrap_interval(row, n_boot, ci_level, rng))
        if row["suppressed"]:
            row.update({k: np.nan for k in ("pct_promoters", "pct_passives", "pct_detractors", "nps", "se",
                                            "ci_low", "ci_high")})
        rows.append(row)
    if group is None and rows[0]["suppressed"]:
        raise CxStatsError(f"Only {rows[0]['n']} answers: below the minimum base of {min_base} for an NPS. "
                           "Collect more answers or lower min_base deliberately.")
    if group is not None and all(row["suppressed"] for row in rows):
        all_suppressed(group, [(row["group"], row["n"]) for row in rows], min_base)
    columns = ["group", "n", "pct_promoters", "pct_passives", "pct_detractors", "nps", "se", "ci_low", "ci_high",
               "suppressed"]
    return NPSResult(table=pd.DataFrame(rows, columns=columns), min_base=min_base, ci=ci,
                     n_boot=int(n_boot) if ci == "bootstrap" else None, ci_level=ci_level, labels=labels)


def _bootstrap_interval(row: dict, n_boot: int, ci_level: float, rng: np.random.Generator) -> dict:
    n = row["n"]
    shares = np.array([row["pct_promoters"], row["pct_passives"], row["pct_detractors"]]) / 100
    counts = rng.multinomial(n, shares / shares.sum(), size=int(n_boot))
    draws = 100.0 * (counts[:, 0] - counts[:, 2]) / n
    low, high = np.quantile(draws, [0.5 - ci_level / 2, 0.5 + ci_level / 2])
    return {"se": float(draws.std(ddof=1)), "ci_low": float(low), "ci_high": float(high)}


def nps_difference(data: pd.DataFrame | pd.Series, column: str | pd.Series | None = None, *,
                   group: str | None = None, levels: tuple[Any, Any] | None = None, min_base: int = 30,
                   ci_level: float = 0.95) -> pd.DataFrame:
    """Difference of two independent NPS values: two segments, or two survey waves, of one column.

    Called like :func:`nps`: ``nps_difference(data, "rec", group="wave")`` compares the two
    levels of ``group``; when ``group`` has more than two levels, ``levels=(a, b)`` says
    which two (the difference is ``a - b``). The older form with two Series of answers,
    ``nps_difference(answers_a, answers_b)``, still works.

    Parameters
    ----------
    data : respondents in rows (or, in the two-Series form, the first group's answers).
    column : the 0-10 "how likely are you to recommend" answers (or the second group's
        answers in the two-Series form).
    group : the column whose two levels are compared (segment, country, wave).
    levels : ``(first, second)``: the two levels of ``group`` to compare, in that order.
        Needed when ``group`` has more than two levels; default: the two levels, sorted.
    min_base : each group needs at least this many answers.
    ci_level : coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``group_first, group_second, nps_first, nps_second, difference, se,
        statistic, p_value, ci_low, ci_high`` (z test with the multinomial variances added;
        ``difference = nps_first - nps_second``). In the two-Series form ``group_first`` and
        ``group_second`` are the Series' names, or ``"first"`` and ``"second"``.

    Raises
    ------
    CxStatsError
        ``column`` or ``group`` is not a column of ``data``; ``group`` is missing, or has
        fewer than two levels, or more than two without ``levels``; a level in ``levels``
        does not occur; answers outside 0-10; a group below ``min_base``.
    TypeError
        The two-Series form is mixed with the data form.

    Notes
    -----
    ``se = sqrt(se_first^2 + se_second^2)`` with each NPS's multinomial standard error (see
    :func:`nps`); ``statistic = difference / se`` is referred to the standard normal
    distribution. The groups must be independent samples (two waves of different
    respondents, two segments); the same respondents asked twice need a paired analysis.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxstats.nps import nps_difference
    >>> answers = pd.DataFrame({"rec": [10] * 60 + [5] * 40 + [10] * 40 + [5] * 60,
    ...                         "wave": [2024] * 100 + [2025] * 100})
    >>> row = nps_difference(answers, "rec", group="wave", levels=(2025, 2024)).iloc[0]
    >>> round(float(row["difference"]), 6), bool(row["p_value"] < 0.01)
    (-40.0, True)
    """
    ci_level = check_ci_level(ci_level)
    min_base = count("min_base", min_base, minimum=1)
    if isinstance(data, pd.Series):
        if not isinstance(column, pd.Series) or group is not None or levels is not None:
            raise TypeError("nps_difference takes either a DataFrame, a column and group= (the documented form), "
                            "or two Series of answers (nps_difference(answers_a, answers_b)) without group= or "
                            "levels=; pass one form.")
        names = (data.name if data.name is not None else "first", column.name if column.name is not None
                 else "second")
        frame = pd.DataFrame({"a": pd.concat([data, column], ignore_index=True)})
        parts = [_answers(frame.iloc[: len(data)], "a"), _answers(frame.iloc[len(data):], "a")]
        where = ("The first group", "The second group")
    else:
        if not isinstance(column, str):
            raise TypeError(f"nps_difference: column must be the name of the 0-10 answer column, got "
                            f"{type(column).__name__}. Call nps_difference(data, \"rec\", group=\"wave\").")
        values = _answers(data, column)
        names = _two_levels(data, group, levels)
        keys = data[group]
        parts = [values[keys == name] for name in names]
        where = tuple(f"Group '{name}' of '{group}'" for name in names)
    for label, values in zip(where, parts, strict=True):
        if values.notna().sum() < min_base:
            raise CxStatsError(f"{label} has {int(values.notna().sum())} answers, below the minimum "
                               f"base of {min_base}.")
    ra, rb = _nps_row(parts[0], ci_level), _nps_row(parts[1], ci_level)
    diff, se = ra["nps"] - rb["nps"], float(np.hypot(ra["se"], rb["se"]))
    z = stats.norm.ppf(0.5 + ci_level / 2)
    statistic = diff / se if se > 0 else float("nan")  # both groups unanimous: no sampling variance to test
    return pd.DataFrame([{"group_first": names[0], "group_second": names[1], "nps_first": ra["nps"],
                          "nps_second": rb["nps"], "difference": diff, "se": se,
                          "statistic": statistic, "p_value": 2 * stats.norm.sf(abs(statistic)),
                          "ci_low": diff - z * se, "ci_high": diff + z * se}])


def _two_levels(data: pd.DataFrame, group: str | None, levels: tuple[Any, Any] | None) -> tuple[Any, Any]:
    """The two levels of ``group`` to compare: ``levels`` checked, or the only two there are."""
    if group is None:
        raise CxStatsError("nps_difference needs group=: the column whose two levels (segments or waves) are "
                           "compared, e.g. nps_difference(data, \"rec\", group=\"wave\").")
    if group not in data.columns:
        raise CxStatsError(f"No group column '{group}' in the data; columns: {listing(data.columns, limit=20)}.")
    present = sorted(data[group].dropna().unique().tolist(), key=str)
    if levels is None:
        if len(present) != 2:
            raise CxStatsError(
                f"Group column '{group}' has {len(present)} levels ({listing(present)}); nps_difference compares "
                f"two. Pass levels=(a, b) to say which two" + (" are compared." if len(present) > 2 else
                                                                " (or a group column with two levels).")
            )
        return present[0], present[1]
    if isinstance(levels, str) or not isinstance(levels, Sequence) or len(levels) != 2:
        raise CxStatsError(f"Argument levels must be a pair (a, b) of levels of '{group}', got {levels!r}.")
    first, second = levels
    missing = [level for level in (first, second) if not (data[group] == level).any()]
    if missing:
        raise CxStatsError(f"Level {listing(missing)} does not occur in '{group}' (levels: {listing(present)}). "
                           "Pass levels that occur in the data.")
    if first == second:
        raise CxStatsError(f"Argument levels names '{first}' twice; pass two different levels of '{group}'.")
    return first, second


def top_box(data: pd.DataFrame | Moments, items: Sequence[str], *, scale: tuple[float, float] | None = None,
            boxes: int = 2, group: str | None = None, min_base: int = 30, ci_level: float = 0.95,
            codebook: Codebook | None = None) -> pd.DataFrame:
    """Share of answers in the top ``boxes`` scale points (CSAT top-2-box), with Wilson intervals.

    Parameters
    ----------
    data : respondents in rows. A :class:`~cxstats.Moments` holding the value counts of
        the items (``counts=items``) may stand in for them: the shares and Wilson intervals
        equal those of the rows.
    items : the rating items to report.
    scale : ``(low, high)`` of the response scale; read from ``codebook`` when omitted
        (as in :func:`cxstats.satisfaction_index`).
    boxes : how many scale points at the top count (2: top-2-box).
    group : a column to report the shares by (segment, country, wave).
    min_base : rows (item, or item within a group) with fewer answers keep their n but
        their share and interval are NaN and ``suppressed`` is True, as in :func:`nps`.
    ci_level : coverage of the interval.
    codebook : the codebook that declares the items' scale (used when ``scale`` is omitted).

    Returns
    -------
    pandas.DataFrame
        ``group, item, n, pct_top, ci_low, ci_high, suppressed`` (percentages; ``group`` is
        ``"all"`` without ``group``), one row per group and item.

    Raises
    ------
    CxStatsError
        Neither ``scale`` nor a ``codebook`` declaring one scale for the items is given;
        ``scale`` is not a (low, high) pair with low < high; ``boxes`` does not fit the
        scale; an item holds text, infinite values, answers off the scale or fractional
        answers (rows named); every row is below ``min_base``; ``ci_level`` is not a
        proportion.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxstats.nps import top_box
    >>> answers = pd.DataFrame({"sat": [7, 6, 5, 3] * 10 + [7] * 5, "seg": ["a"] * 40 + ["b"] * 5})
    >>> top_box(answers, ["sat"], scale=(1, 7), group="seg")[["group", "n", "pct_top", "suppressed"]]
      group   n  pct_top  suppressed
    0     a  40     50.0       False
    1     b   5      NaN        True
    """
    data, codebook = survey_parts(data, codebook)
    data, moments = moments_parts(data, where="top_box")
    if isinstance(items, str):
        items = [items]
    low, high = declared_scale(items, scale, codebook, where="top_box")
    boxes = count("boxes", boxes, minimum=1)
    if boxes > high - low:
        raise CxStatsError(f"Argument boxes must be between 1 and {high - low:g} for a {low:g}-{high:g} scale, "
                           f"got {boxes}.")
    ci_level = check_ci_level(ci_level)
    min_base = count("min_base", min_base, minimum=1)
    if moments is not None:
        tallies = [(label, item, *_top_counts(counts, item, (low, high), boxes))
                   for item in items for label, counts in count_parts(moments, item, group, where="top_box")]
    else:
        tallies = _top_tallies(data, items, (low, high), boxes, group)
    z = stats.norm.ppf(0.5 + ci_level / 2)
    rows = []
    for label, item, n, n_top in tallies:
        row = {"group": label, "item": item, "n": n, "pct_top": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "suppressed": n < min_base or n == 0}
        if not row["suppressed"]:
            share = n_top / n
            centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
            half = z / (1 + z**2 / n) * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
            row.update({"pct_top": 100 * share, "ci_low": 100 * (centre - half), "ci_high": 100 * (centre + half)})
        rows.append(row)
    if rows and all(row["suppressed"] for row in rows):
        if group is not None:
            all_suppressed(group, [(row["group"], row["n"]) for row in rows], min_base)
        largest = max(rows, key=lambda row: row["n"])
        raise CxStatsError(f"Every item has fewer answers than min_base={min_base} (the most, {largest['n']}, for "
                           f"'{largest['item']}'); there is no share to report. Collect more answers or lower "
                           "min_base deliberately.")
    return pd.DataFrame(rows, columns=["group", "item", "n", "pct_top", "ci_low", "ci_high", "suppressed"])


def _top_tallies(data: pd.DataFrame, items: list[str], bounds: tuple[float, float], boxes: int,
                 group: str | None) -> list[tuple[Any, str, int, int]]:
    """``(group, item, answers, answers in the top boxes)`` from the rows, with the checks of the answers."""
    low, high = bounds
    answers = numeric_columns(data, items, where="top_box", role="item")
    within_scale(answers, (low, high), where="top_box")
    if high - low <= 20:
        for item in items:
            col = answers[item]
            fractional = col.notna() & (np.floor(col) != col)
            if fractional.any():
                raise CxStatsError(
                    f"top_box: item '{item}' has fractional values on the {low:g}-{high:g} scale "
                    f"({rows_and_values(list(col.index[fractional]), list(col[fractional]))}); top-box counts whole "
                    "scale points. Round or recode them, or check the export (averaged values?)."
                )
    if group is not None and group not in data.columns:
        raise CxStatsError(f"No group column '{group}' in the data.")
    tallies = []
    for item in items:
        values = answers[item]
        parts = [("all", values)] if group is None else list(values.groupby(data[group], sort=True))
        for label, part in parts:
            answered = part.dropna()
            tallies.append((label, item, int(answered.size), int((answered > high - boxes).sum())))
    return tallies


def _top_counts(counts: pd.Series, item: str, bounds: tuple[float, float], boxes: int) -> tuple[int, int]:
    """``(answers, answers in the top boxes)`` from an item's value counts, with the checks of the answers."""
    low, high = bounds
    values = pd.to_numeric(pd.Series(counts.index, dtype=object), errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any():
        raise CxStatsError(f"top_box: the Moments count non-numeric values of '{item}' "
                           f"({listing(list(counts.index[np.isnan(values)]), quote=True)}); recode them to numbers.")
    outside = (values < low) | (values > high)
    if outside.any():
        raise CxStatsError(f"top_box: column '{item}' has values outside the declared scale {low:g}-{high:g} (the "
                           f"Moments count {listing(list(values[outside]))}). Pass the true scale of the answers, or "
                           "recode or set those values to missing.")
    if high - low <= 20 and (np.floor(values) != values).any():
        raise CxStatsError(f"top_box: item '{item}' has fractional values on the {low:g}-{high:g} scale (the Moments "
                           f"count {listing(list(values[np.floor(values) != values]))}); top-box counts whole scale "
                           "points. Round or recode them, or check the export (averaged values?).")
    n = counts.to_numpy(dtype=np.int64)
    return int(n.sum()), int(n[values > high - boxes].sum())
