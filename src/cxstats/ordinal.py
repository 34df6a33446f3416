"""Polychoric (and polyserial) correlations of Likert items, as lavaan's ``lavCor(..., ordered=)``.

Rating-scale answers are coarse readings of a continuous opinion: the polychoric correlation
is the correlation of the two underlying normal opinions, estimated from the items' joint
table; Pearson's r on the 1-5 codes understates it. :func:`polychoric` gives the matrix, each
pair with its standard error, each item's thresholds, and a heat map. The engine is
:mod:`cxstats.sem.ordinal_moments`, the same statistics that ``sem.fit(..., ordered=)`` uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy.stats import norm

from ._errors import CxStatsError
from ._format import caution_lines, label_lookup
from ._results import Exportable, PlainText
from ._validation import check_frame, ci_level as check_ci_level, labels_from, survey_parts
from .data.codebook import Codebook
from .sem.ordinal_moments import OrdinalMoments, ordinal_moments

__all__ = ["PolychoricResult", "polychoric"]


@dataclass(frozen=True)
class PolychoricResult(Exportable):
    """Polychoric correlations of a set of items.

    ``table``: one row per pair of items (``item1, item2, type, estimate, se, ci_low,
    ci_high, n, empty_cells, converged``; ``type`` is ``polychoric``, ``polyserial`` or
    ``pearson``; ``n`` the rows where both were answered; ``empty_cells`` the number of empty
    cells of their table), starting with ``group`` when ``group=`` was given.
    ``thresholds``: one row per threshold (``item, threshold, estimate, se``; ``threshold`` is
    lavaan's ``t1, t2, ...``: the point on the latent scale above which answers move past
    category k). ``matrices``: the correlation matrix of each group (key ``None`` without
    groups); ``matrix`` the only one. ``moments``: the full :class:`OrdinalMoments` (with the
    asymptotic covariance when ``nacov=True``). ``not_converged`` and ``near_one`` record the
    pairs whose estimation failed or reached (nearly) 1, ``problems`` the warnings in words.
    """

    _TABLES = {
        "table": ("Polychoric correlations", "One row per pair of questions: the correlation of the opinions "
                  "behind the answers, its standard error and interval, and the rows that answered both."),
        "thresholds": ("Thresholds", "One row per cut-point of each question on the latent opinion scale "
                       "(standard normal units)."),
    }

    table: pd.DataFrame
    thresholds: pd.DataFrame
    matrices: Mapping[Any, pd.DataFrame]
    moments: Mapping[Any, OrdinalMoments]
    nobs: Mapping[Any, int]
    missing: str
    ci_level: float
    not_converged: tuple[tuple[str, str], ...] = ()
    near_one: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def matrix(self) -> pd.DataFrame:
        """The correlation matrix (items x items) when there are no groups."""
        if len(self.matrices) != 1:
            raise CxStatsError(f"This result has one matrix per group ({', '.join(map(str, self.matrices))}); "
                               "use .matrices[group].")
        return next(iter(self.matrices.values()))

    def _repr_html_(self) -> str:
        return self.table.round(3).to_html(index=False, na_rep="")

    def plain_summary(self, *, labels: Mapping[str, str] | Codebook | None = None) -> PlainText:
        """Sentences for a stakeholder: which questions go together most and least, on what base.

        Each group (if any) gets the strongest and the weakest correlation with its interval and
        the rows behind it, and the number of pairs that go clearly in opposite directions (a
        reverse-worded question?). ``labels`` (a dict or a Codebook) names the questions.
        """
        from . import formatting as fmt

        name = label_lookup(labels, own=self.labels)
        lines = caution_lines(self.problems)
        level = fmt.percent(self.ci_level)
        parts = self.table.groupby("group", sort=False) if "group" in self.table else [(None, self.table)]
        for key, part in parts:
            where = "" if key is None else f"In group {key}: "
            ranked = part.assign(size=part.estimate.abs()).sort_values("size")
            top, low = ranked.iloc[-1], ranked.iloc[0]
            describe = lambda row: (f"{name(row.item1)} and {name(row.item2)} (correlation "  # noqa: E731
                                    f"{fmt.estimate(row.estimate, row.ci_low, row.ci_high)}, {level} interval, "
                                    f"n = {fmt.integer(row.n)})")
            lines.append(f"- {where or 'T'}{'t' if where else ''}he answers that go together most strongly are those to {describe(top)}; "
                         f"the weakest pair is {describe(low)}.")
            opposite = part[part.ci_high < 0]
            if len(opposite):
                lines.append(f"- {where}{fmt.integer(len(opposite))} of {fmt.integer(len(part))} pairs go clearly in "
                             "opposite directions (interval below 0): check for reverse-worded questions before "
                             "combining them into one score.")
        return PlainText("\n".join(lines))

    def summary(self) -> str:
        """The pairs as text: estimate, standard error, interval and base."""
        lines = [f"Polychoric correlations ({self.missing} deletion, {len(self.table)} pairs)"]
        lines += [f"  caution: {p}" for p in self.problems]
        lines.append(self.table.round(3).to_string(index=False))
        return "\n".join(lines)

    def plot(self, *, group: Any = None, labels: Mapping[str, str] | Codebook | None = None,
             title: str | None = None, ax: Any = None) -> Any:
        """Heat map of the correlations: one cell per pair, value printed, items in their order.

        A diverging colour-blind-safe scale (blue positive, orange negative, white 0) spans
        -1 to 1 so that shades compare across figures; the diagonal is left blank. ``labels``
        (a dict or a Codebook) names the items (default: the codebook kept on the result);
        ``group`` picks a group's matrix; ``ax`` draws into your own axes.
        """
        from ._polychoric_plot import heat_map
        from . import formatting as fmt

        if group is None and len(self.matrices) > 1:
            raise CxStatsError(f"This result has one matrix per group; pass group= one of "
                               f"{', '.join(map(repr, self.matrices))}.")
        matrix = self.matrices[group if group is not None else next(iter(self.matrices))]
        names = {**self.labels, **fmt.labels_of(labels)}
        n = self.nobs[group if group is not None else next(iter(self.nobs))]
        return heat_map(matrix, names, title=title, ax=ax, base=n, missing=self.missing)


def polychoric(data: pd.DataFrame | Any, items: Sequence[str], *, ordered: Sequence[str] | bool | None = None,
               group: str | None = None, missing: str = "listwise", ci_level: float = 0.95,
               nacov: bool = False, codebook: Codebook | None = None) -> PolychoricResult:
    """Polychoric correlations of ordered items, with standard errors and thresholds (lavaan's ``lavCor``).

    Parameters
    ----------
    data : DataFrame or :class:`~cxstats.Survey`
        One row per respondent; answers coded as integers (1 = lowest category) or as
        ordered categoricals.
    items : sequence of str
        The items, in the order of the matrix.
    ordered : sequence of str or bool, optional
        Which items are ordered. Default (``None`` or ``True``): all of them. Items left out
        are continuous: their pairs with ordered items get polyserial correlations, with each
        other Pearson's (as lavaan).
    group : str, optional
        A column: one matrix per group (every group must use every category).
    missing : {"listwise", "pairwise"}
        ``"pairwise"``: each threshold from every answer to its item, each correlation from the
        rows that answered both (lavaan's ``missing = "pairwise"``).
    ci_level : float
        Level of the Wald interval of each correlation (estimate +- z * se, kept within -1, 1).
    nacov : bool
        Also compute the full asymptotic covariance of thresholds and correlations (on
        ``moments``), which WLSMV uses.
    codebook : Codebook, optional
        Names the items in words in figures (default: the Survey's codebook).

    Returns
    -------
    PolychoricResult
        ``table`` (``item1, item2, type, estimate, se, ci_low, ci_high, n, empty_cells,
        converged``), ``thresholds`` (``item, threshold, estimate, se``), ``matrix``/``matrices``,
        ``moments``, ``plot()``.

    Raises
    ------
    OrdinalDataError
        An item with a single observed category (named with its value), non-integer codes or
        more than 20 categories; a category unused in one group; a pair answered together by
        too few rows to estimate (named, with its empty cells).

    Warns
    -----
    PolychoricConvergenceWarning
        A pair's correlation did not converge (also in ``not_converged`` and ``problems``).
    CorrelationNearOneWarning
        A pair's correlation is above 0.99 in absolute value (also in ``near_one``), as lavaan warns.

    Notes
    -----
    Two steps, as lavaan 0.6.14: thresholds tau_k = Phi^-1(cumulative proportion) per item,
    then for each pair the rho that maximises sum n_ab log P_ab(rho), with P_ab the
    bivariate-normal probability of cell (a, b) between the thresholds; no count is added to
    empty cells (lavaan adds 0.5 only in a 2 x 2 table with one empty cell). Standard errors
    come from Muthén's (1984) sandwich of the case-wise scores of both steps (the diagonal of
    lavaan's ``gamma`` / N). Checked against lavaan 0.6.14 (``lavCor``, ``lavInspect(fit,
    "gamma")``) on psych's ``bfi`` and cut Holzinger-Swineford items at 1e-6
    (``tests/reference/lavaan_polychoric.R``). psych's ``polychoric`` differs slightly: it adds
    0.5 to empty cells and stops its optimiser earlier.

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. Psychometrika, 44, 443-460.

    Examples
    --------
    >>> import cxstats
    >>> survey = cxstats.load_dataset("ecsi_mobile")  # satisfaction items on a 1-10 scale
    >>> result = cxstats.polychoric(survey, ["CUSA1", "CUSA2", "CUSA3"])
    >>> # In R: lavaan::lavCor(d, ordered = names(d), output = "fit")
    >>> print(result.table[["item1", "item2", "estimate", "se", "n"]].round(3).to_string(index=False))
    item1 item2  estimate    se   n
    CUSA1 CUSA2     0.580 0.043 250
    CUSA1 CUSA3     0.546 0.041 250
    CUSA2 CUSA3     0.628 0.035 250
    >>> fig = result.plot()  # heat map, items named by the codebook
    """
    labels = labels_from(codebook, data)
    data, _ = survey_parts(data, codebook)
    data = check_frame(data, where="polychoric")
    items = [str(i) for i in items] if not isinstance(items, str) else [items]
    level = check_ci_level(ci_level)
    chosen = True if ordered is None else ordered
    out = ordinal_moments(data, items, chosen, group=group, missing=missing, nacov=nacov, where="polychoric")
    moments = {None: out} if group is None else out
    z = norm.ppf(0.5 + level / 2.0)
    rows, th_rows, matrices = [], [], {}
    problems: list[str] = []
    not_converged: list[tuple[str, str]] = []
    near_one: list[tuple[str, str]] = []
    for key, m in moments.items():
        p = len(m.names)
        failed = set(m.not_converged)
        for j in range(p):
            for i in range(j + 1, p):
                a, b = m.names[j], m.names[i]
                kind = ("polychoric" if a in m.ordered and b in m.ordered else
                        "pearson" if a not in m.ordered and b not in m.ordered else "polyserial")
                est, se = m.cor[i, j], m.cor_se[i, j]
                rows.append({"group": key, "item1": a, "item2": b, "type": kind, "estimate": est, "se": se,
                             "ci_low": max(est - z * se, -1.0), "ci_high": min(est + z * se, 1.0),
                             "n": int(m.pair_nobs[i, j]), "empty_cells": len(m.empty_cells.get((a, b), ())),
                             "converged": (a, b) not in failed})
        for name in m.names:
            if name in m.ordered:
                for k, (t, s) in enumerate(zip(m.thresholds[name], m.threshold_se[name])):
                    th_rows.append({"group": key, "item": name, "threshold": f"t{k + 1}", "estimate": t, "se": s})
        matrices[key] = pd.DataFrame(m.cor, index=list(m.names), columns=list(m.names))
        where = "" if key is None else f" in group {key!r}"
        not_converged += list(m.not_converged)
        near_one += list(m.near_one)
        if m.near_one:
            problems.append(f"CorrelationNearOneWarning: the correlation of "
                            f"{', '.join(f'{x} ~~ {y}' for x, y in m.near_one)}{where} is (nearly) 1.")
        if m.not_converged:
            problems.append(f"PolychoricConvergenceWarning: the correlation of "
                            f"{', '.join(f'{x} ~~ {y}' for x, y in m.not_converged)}{where} did not converge.")
    table = pd.DataFrame(rows)
    thresholds = pd.DataFrame(th_rows, columns=["group", "item", "threshold", "estimate", "se"])
    if group is None:
        table, thresholds = table.drop(columns="group"), thresholds.drop(columns="group")
    return PolychoricResult(table=table, thresholds=thresholds, matrices=matrices, moments=moments,
                            nobs={k: m.nobs for k, m in moments.items()}, missing=missing, ci_level=level,
                            not_converged=tuple(not_converged), near_one=tuple(near_one),
                            problems=tuple(problems), labels=labels)
