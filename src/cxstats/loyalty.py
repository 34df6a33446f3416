"""A composite loyalty index: satisfaction, retention, recommendation, purchase frequency and amount.

The loyalty evaluation system of the seed articles combines five measures of a customer's
loyalty. Each is put on a 0-100 scale per respondent, averaged per group, and the index is
the weighted sum of the component means, with a standard error by the delta method or the
bootstrap. The weights are a choice, not an estimate: equal unless the user gives others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import stats

from ._errors import CxStatsError
from ._format import listing
from ._linear import gap
from ._results import Exportable, PlainText
from .data.codebook import Codebook
from .index import satisfaction_index
from .nps import _answers
from .rfm import PurchaseSummary, RFMResult
from ._validation import check_frame
from ._validation import ci_level as check_ci_level
from ._validation import survey_parts

__all__ = ["LoyaltyResult", "loyalty_index", "COMPONENTS"]

#: Component names in reporting order, with what 0 and 100 mean.
COMPONENTS: dict[str, str] = {
    "satisfaction": "satisfaction index: 0 = every item at the scale's low end, 100 = at its high end",
    "retention": "100 x share of customers who did not churn",
    "recommendation": "NPS answers: promoter 100, passive 50, detractor 0 (= 50 + NPS / 2)",
    "frequency": "purchases, 0 at the range's low end, 100 at its high end (default: 0 to the 95th percentile)",
    "amount": "spend, 0 at the range's low end, 100 at its high end (default: 0 to the 95th percentile)",
}
_SE = ("delta", "bootstrap")


@dataclass(frozen=True)
class LoyaltyResult(Exportable):
    """A 0-100 loyalty index with its components.

    ``table``: one row per group (``group, n, estimate, se, ci_low, ci_high``; ``n`` counts
    respondents with at least one component). ``components``: one row per group and
    component (``group, component, n, estimate, se, ci_low, ci_high, weight``). ``scores``:
    one row per respondent (index of ``data``) with each component's 0-100 score and
    ``loyalty``, their weighted mean over the components the respondent has. ``weights``
    (normalised to sum 1), ``ranges`` (the low/high ends that frequency and amount were
    rescaled from), ``se_method`` and ``problems`` (notes for reports).
    """

    _TABLES = {
        "table": ("Loyalty index", "The 0-100 loyalty index overall and per group, with SE and interval."),
        "components": ("Components", "Each component of the index per group (0-100) with SE, interval and "
                       "weight."),
    }

    table: pd.DataFrame
    components: pd.DataFrame
    scores: pd.DataFrame
    weights: pd.Series
    ranges: Mapping[str, tuple[float, float]]
    se_method: str
    ci_level: float
    n_boot: int | None = None
    problems: tuple[str, ...] = field(default=())

    def _repr_html_(self) -> str:
        parts = ", ".join(f"{name} {w:.0%}" for name, w in self.weights.items())
        head = f"<p>Loyalty index (0-100), weights: {parts}; SE by {self.se_method}.</p>"
        wide = self.components.pivot(index="group", columns="component", values="estimate")[list(self.weights.index)]
        table = self.table.set_index("group").join(wide).reset_index()
        notes = "".join(f"<p>Note: {p}</p>" for p in self.problems)
        return head + table.round(1).to_html(index=False, na_rep="–") + notes

    def plain_summary(self, *, labels=None) -> PlainText:
        """The index, what it is made of, how groups differ, and the caveats, in sentences.

        ``labels`` (a dict or a Codebook) names the groups.
        """
        from . import formatting as fmt

        names = fmt.labels_of(labels)
        name = lambda g: names.get(str(g), str(g))  # noqa: E731
        level = fmt.percent(self.ci_level)
        comp = self.components
        lines = []
        if len(self.table) == 1:
            row = self.table.iloc[0]
            parts = comp[comp["group"] == row["group"]]
            made = ", ".join(f"{c.component} {fmt.number(c.estimate, 0)}" for c in parts.itertuples())
            lines.append(f"- The loyalty index is **{fmt.number(row.estimate, 1)}** out of 100 ({level} CI "
                         f"{fmt.number(row.ci_low, 1)} to {fmt.number(row.ci_high, 1)}, {fmt.integer(row.n)} "
                         f"respondents); components: {made}.")
        else:
            ranked = self.table.dropna(subset=["estimate"]).sort_values("estimate", ascending=False)
            top, bottom = ranked.iloc[0], ranked.iloc[-1]
            diff, low, high, p = gap(top.estimate, top.se, bottom.estimate, bottom.se, self.ci_level)
            sure = ("larger than the uncertainty" if low > 0
                    else "within the uncertainty: the data do not tell them apart")
            lines.append(f"- Highest loyalty index: **{name(top.group)}** ({fmt.number(top.estimate, 1)}, n = "
                         f"{fmt.integer(top.n)}); lowest: **{name(bottom.group)}** ({fmt.number(bottom.estimate, 1)}, "
                         f"n = {fmt.integer(bottom.n)}). The gap of {fmt.number(diff, 1)} points ({level} CI "
                         f"{fmt.number(low, 1)} to {fmt.number(high, 1)}, {fmt.p_text(p)}) is "
                         f"{sure}" + (" (the widest of several gaps: compare other pairs with care)." if len(ranked) > 2
                                      else "."))
            spread = comp.groupby("component")["estimate"].agg(["min", "max"])
            widest = (spread["max"] - spread["min"]).idxmax()
            lines.append(f"- The groups differ most in {widest} ({fmt.number(spread.loc[widest, 'min'], 0)} to "
                         f"{fmt.number(spread.loc[widest, 'max'], 0)}).")
        weights = ", ".join(f"{part} {fmt.percent(w)}" for part, w in self.weights.items())
        lines.append(f"- Weights ({weights}) are a choice, not estimated from the data; other weights give a "
                     "different index, so compare groups and waves with the same weights.")
        if self.ranges:
            ends = "; ".join(f"{k} {fmt.number(lo, 0 if float(lo).is_integer() else 2)} to "
                             f"{fmt.number(hi, 0 if float(hi).is_integer() else 2)}" for k, (lo, hi) in self.ranges.items())
            lines.append(f"- Purchase measures are scored against fixed ranges ({ends}); values beyond the high end "
                         "count as 100.")
        lines.extend(f"- Note: {p}" for p in self.problems)
        return PlainText("\n".join(lines))

    def plot(self, *, title: str | None = None, labels=None, ax=None):
        """Each group's index with its interval (black) and its component scores (coloured marks,
        set slightly apart vertically so that none hides another). ``labels`` names the groups."""
        import seaborn as sns

        from . import formatting as fmt
        from ._figures import colours, new_figure

        names = fmt.labels_of(labels)
        groups = list(self.table["group"])
        y = np.arange(len(groups))[::-1].astype(float)
        fig, ax = new_figure(7.0, 0.5 * len(groups) + 1.9, ax=ax)
        shown = [c for c in COMPONENTS if c in self.weights.index]
        ink = [c for c in colours(len(COMPONENTS) + 1) if c != "#000000"]  # black is the index's
        markers = dict(zip(COMPONENTS, "osD^v", strict=True))
        for k, name in enumerate(COMPONENTS):
            if name not in shown:
                continue
            part = self.components[self.components["component"] == name].set_index("group").reindex(groups)
            offset = 0.13 * (shown.index(name) - (len(shown) - 1) / 2)
            ax.scatter(part["estimate"], y + offset, s=26, marker=markers[name], color=ink[k], edgecolor="white",
                       linewidths=0.5, alpha=0.9, zorder=4, label=f"Component: {name}")  # above the index's bar
        t = self.table
        level = fmt.number(100 * self.ci_level, 0)
        ax.errorbar(t["estimate"], y, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]], fmt="|",
                    color="black", markersize=14, capsize=3, lw=1.6, zorder=2,
                    label=f"Loyalty index (tall tick) with its {level}% confidence interval")
        for yy, est in zip(y, t["estimate"], strict=True):
            ax.text(est, yy + 0.25, fmt.number(est, 1), ha="center", fontsize=8)
        ax.set_yticks(y, [str(names.get(str(g), g)) for g in groups], fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.7, len(groups) - 0.2)
        ax.set_xlabel("Score (0-100)")
        ax.legend(fontsize=7, frameon=False, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.22))
        ax.set_title(title or "Loyalty index and its components", fontsize=10)
        sns.despine(ax=ax)
        return fig


def loyalty_index(
    data: pd.DataFrame,
    *,
    satisfaction: Sequence[str] | None = None,
    scale: tuple[float, float] | None = None,
    codebook: Codebook | None = None,
    churned: str | None = None,
    recommend: str | None = None,
    recommend_as: str = "nps",
    frequency: str | None = None,
    amount: str | None = None,
    purchases: pd.DataFrame | RFMResult | PurchaseSummary | None = None,
    customer: str | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    weights: Mapping[str, float] | None = None,
    group: str | None = None,
    se: str = "delta",
    n_boot: int = 2000,
    ci_level: float = 0.95,
    seed: int | None = None,
) -> LoyaltyResult:
    """A 0-100 loyalty index from any of five components, overall or per group, with SEs.

    Parameters
    ----------
    data : respondents (customers) in rows.
    satisfaction : rating items of satisfaction; rescaled to 0-100 as in
        :func:`cxstats.satisfaction_index` (with ``scale`` or ``codebook``).
    churned : column with 1 for customers who left and 0 for those who stayed.
    recommend : column of 0-10 "would you recommend" answers; ``recommend_as="nps"``
        scores promoters (9-10) 100, passives 50 and detractors (0-6) 0, so the component is
        ``50 + NPS / 2``; ``"likelihood"`` scores the answer times 10.
    frequency, amount : columns of purchases and spend per customer, in ``data`` or, when
        ``purchases`` is given, in it (defaults there: ``frequency`` and ``monetary`` of
        :func:`cxstats.rfm.rfm`, or ``total_amount`` of a purchase summary).
    purchases : per-customer purchase records to join to ``data``: an
        :class:`~cxstats.rfm.RFMResult`, a :class:`~cxstats.rfm.PurchaseSummary` or a
        DataFrame with a ``customer`` column; ``customer`` names the column of ``data``
        holding the same ids. Respondents without purchase records have no frequency or
        amount score (they are not counted as zero).
    ranges : ``{"frequency": (low, high), "amount": (low, high)}``: the values scored 0 and
        100 (clipped outside). Default: 0 to the 95th percentile of the customers in
        ``purchases`` (or of the respondents when frequency/amount are columns of ``data``).
        E.g. ``{"frequency": (1, 5)}`` with ``frequency="f_score"`` scores RFM quintiles.
    weights : ``{component: weight}`` for every component used (0 leaves one out); they
        are normalised to sum 1. Default: equal weights.
    group : column to report the index by (segment, country); looked up in ``data``, then
        in ``purchases`` (e.g. ``group="segment"`` for RFM segments).
    se : ``"delta"`` (default) or ``"bootstrap"`` (``n_boot`` resamples of respondents
        within each group; percentile intervals; deterministic with ``seed``).

    Returns
    -------
    LoyaltyResult

    Raises
    ------
    CxStatsError
        No component; a column is missing; churn values other than 0/1; recommendation
        answers outside 0-10; negative or non-numeric purchase values; an unknown
        component in ``weights`` or ``ranges``; a weight missing, negative or not finite;
        weights that do not sum to a positive number; purchase records that match no
        respondent; an unknown ``se`` or ``recommend_as``.

    Notes
    -----
    Per group, ``index = sum_k w_k m_k`` where ``m_k`` is the mean 0-100 score of component
    k over the respondents who have it. Delta method: the index is linear in the means, so
    ``Var(index) = w' S w`` with ``S_kl = c_kl n_kl / (n_k n_l)``, ``c_kl`` the covariance of
    the scores of components k and l over the ``n_kl`` respondents who have both (so
    correlated components, e.g. satisfied customers churning less, are accounted for);
    intervals are ``estimate +/- z se``. Without missing scores this is the standard error
    of the mean of the respondents' weighted scores. The rescaling ranges are held fixed
    (the same for every group and bootstrap draw).

    Where the weights come from: the seeds name the five components of a loyalty
    evaluation system but give no weights, so the default weights them equally; give
    ``weights=`` to follow your own policy (e.g. from a driver analysis or management
    judgement). Validation: component means equal :func:`cxstats.satisfaction_index`,
    churn rates and :func:`cxstats.nps` on the simulated panel; the delta SE equals the
    hand formula and agrees with the bootstrap; intervals cover the truth about 95% of the
    time in simulation (tests/test_loyalty.py).

    Examples
    --------
    >>> import cxstats
    >>> from cxstats.loyalty import loyalty_index
    >>> panel = cxstats.simulate_cx_panel(200, seed=1)
    >>> res = loyalty_index(panel.data, satisfaction=["SAT1", "SAT2", "SAT3"], codebook=panel.codebook,
    ...                     churned="churned", recommend="REC", group="country")
    >>> list(res.weights.round(3))
    [0.333, 0.333, 0.333]
    >>> res.table.columns.tolist()
    ['group', 'n', 'estimate', 'se', 'ci_low', 'ci_high']
    """
    data, codebook = survey_parts(data, codebook)
    check_frame(data, where="loyalty_index")
    ci_level = check_ci_level(ci_level)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"loyalty_index needs a pandas DataFrame of respondents, got {type(data).__name__}.")
    if se not in _SE:
        raise CxStatsError(f"loyalty_index: se must be 'delta' or 'bootstrap', got {se!r}.")
    if recommend_as not in ("nps", "likelihood"):
        raise CxStatsError(f"loyalty_index: recommend_as must be 'nps' or 'likelihood', got {recommend_as!r}.")
    if se == "bootstrap" and (isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100):
        raise CxStatsError(f"loyalty_index: n_boot must be a whole number of at least 100, got {n_boot!r}.")
    records, frequency, amount = _purchases(purchases, frequency, amount)
    columns: dict[str, pd.Series] = {}
    problems: list[str] = []
    if satisfaction is not None:
        columns["satisfaction"] = satisfaction_index(data, list(satisfaction), scale=scale, codebook=codebook,
                                                     min_base=1).scores  # the scores only
    if churned is not None:
        columns["retention"] = 100.0 * (1.0 - _churn(data, churned))
    if recommend is not None:
        answers = _answers(data, recommend)
        if recommend_as == "nps":
            points = np.select([answers >= 9, answers >= 7], [100.0, 50.0], 0.0)
            columns["recommendation"] = pd.Series(points, index=data.index).where(answers.notna())
        else:
            columns["recommendation"] = 10.0 * answers
    joined = None
    if records is not None:
        joined, note = _join(data, records, customer)
        if note:
            problems.append(note)
    ranges = dict(ranges or {})
    unknown = [k for k in ranges if k not in ("frequency", "amount")]
    if unknown:
        raise CxStatsError(f"loyalty_index: ranges are for 'frequency' and 'amount' only, got {listing(unknown, quote=True)}.")
    used_ranges = {}
    for name, column in (("frequency", frequency), ("amount", amount)):
        if column is None:
            if name in ranges:
                raise CxStatsError(f"loyalty_index: a range is given for '{name}' but no {name}= column.")
            continue
        source = data if joined is None else joined
        reference = data if records is None else records
        values = _purchase_values(source, column, name)
        low, high = _range(name, ranges.get(name), _purchase_values(reference, column, name))
        used_ranges[name] = (low, high)
        columns[name] = (100.0 * (values - low) / (high - low)).clip(0.0, 100.0)
    if not columns:
        raise CxStatsError("loyalty_index needs at least one component: pass satisfaction=, churned=, recommend=, "
                           "frequency= or amount=.")
    scores = pd.DataFrame(columns, index=data.index)[[c for c in COMPONENTS if c in columns]]
    w = _weights(weights, list(scores.columns))
    scores = scores[list(w.index)]
    labels = _groups(data, joined, group)
    answered = scores.notna()
    per_person_w = answered.mul(w, axis=1).sum(axis=1)
    scores["loyalty"] = scores.fillna(0.0).mul(w, axis=1).sum(axis=1) / per_person_w.replace(0.0, np.nan)
    rng = np.random.default_rng(seed) if se == "bootstrap" else None
    rows, comp_rows = [], []
    parts = [("all", scores.index)] if labels is None else [(g, idx) for g, idx in
                                                            scores.groupby(labels, sort=True, observed=True).groups.items()]
    z = stats.norm.ppf(0.5 + ci_level / 2)
    for label, index in parts:
        x = scores.loc[index, list(w.index)].to_numpy(dtype=float)
        row, comps = _estimate(x, w.to_numpy(), se, n_boot, ci_level, z, rng)
        rows.append({"group": label, **row})
        comp_rows.extend({"group": label, "component": name, **c, "weight": float(w[name])}
                         for name, c in zip(w.index, comps, strict=True))
        empty = [name for name, c in zip(w.index, comps, strict=True) if c["n"] == 0]
        if empty:
            problems.append(f"group '{label}' has no {listing(empty)} score, so its index is missing.")
    table = pd.DataFrame(rows, columns=["group", "n", "estimate", "se", "ci_low", "ci_high"])
    components = pd.DataFrame(comp_rows, columns=["group", "component", "n", "estimate", "se", "ci_low", "ci_high",
                                                  "weight"])
    return LoyaltyResult(table=table, components=components, scores=scores, weights=w,
                         ranges=MappingProxyType(used_ranges), se_method=se, ci_level=ci_level,
                         n_boot=int(n_boot) if se == "bootstrap" else None, problems=tuple(problems))


def _purchases(purchases, frequency: str | None, amount: str | None):
    if purchases is None:
        return None, frequency, amount
    if isinstance(purchases, RFMResult):
        records = purchases.table
    elif isinstance(purchases, PurchaseSummary):
        records = purchases.customers
    elif isinstance(purchases, pd.DataFrame):
        records = purchases
    else:
        raise TypeError("purchases must be an RFM result, a purchase summary or a DataFrame with a 'customer' column.")
    if "customer" not in records.columns:
        raise CxStatsError("loyalty_index: the purchase records need a 'customer' column with the customer ids "
                           f"(they have {listing(records.columns, limit=12, quote=True)}).")
    if records["customer"].duplicated().any():
        dup = records.loc[records["customer"].duplicated(), "customer"]
        raise CxStatsError(f"loyalty_index: the purchase records list customer(s) {listing(dup.tolist())} more than "
                           "once; pass one row per customer (e.g. rfm(...).table).")
    if frequency is None and "frequency" in records.columns:
        frequency = "frequency"
    if amount is None:
        amount = next((c for c in ("monetary", "total_amount") if c in records.columns), None)
    return records, frequency, amount


def _join(data: pd.DataFrame, records: pd.DataFrame, customer: str | None) -> tuple[pd.DataFrame, str | None]:
    if customer is None:
        raise CxStatsError("loyalty_index: with purchases= name the column of the data holding the customer ids, "
                           "e.g. customer='customer_id'.")
    if customer not in data.columns:
        raise CxStatsError(f"loyalty_index: no customer column '{customer}' in the data.")
    position = pd.Index(records["customer"]).get_indexer(data[customer])
    matched = position >= 0
    if not matched.any():
        raise CxStatsError(
            f"loyalty_index: no id in '{customer}' (e.g. {listing(data[customer].head(3).tolist())}) matches a customer "
            f"of the purchase records (e.g. {listing(records['customer'].head(3).tolist())}). Check that both hold "
            "the same ids, of the same type."
        )
    joined = records.iloc[np.where(matched, position, 0)].set_axis(data.index)
    joined = joined.where(pd.Series(matched, index=data.index), axis=0)
    note = None
    if not matched.all():
        note = (f"{int((~matched).sum()):,} of {len(data):,} respondents have no purchase record; they have no "
                "frequency or amount score.")
    return joined, note


def _churn(data: pd.DataFrame, column: str) -> pd.Series:
    if column not in data.columns:
        raise CxStatsError(f"loyalty_index: no churn column '{column}' in the data.")
    values = pd.to_numeric(data[column], errors="coerce").astype(float)
    bad = data[column].notna() & ~values.isin([0.0, 1.0])
    if bad.any():
        raise CxStatsError(
            f"loyalty_index: churn column '{column}' must hold 1 (left) or 0 (stayed); rows "
            f"{listing(data.index[bad])} hold {listing(data.loc[bad, column].tolist())}. Recode them or set them missing."
        )
    return values


def _purchase_values(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    if column not in frame.columns:
        raise CxStatsError(f"loyalty_index: no {name} column '{column}' (columns: {listing(frame.columns, limit=12, quote=True)}).")
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    bad = (frame[column].notna() & values.isna()) | (values < 0)
    if bad.any():
        raise CxStatsError(
            f"loyalty_index: {name} column '{column}' must hold non-negative numbers; rows {listing(frame.index[bad])} "
            f"hold {listing(frame.loc[bad, column].tolist())}."
        )
    return values


def _range(name: str, given, reference: pd.Series) -> tuple[float, float]:
    if given is not None:
        low, high = (float(v) for v in given)
        if not low < high:
            raise CxStatsError(f"loyalty_index: the {name} range must have low < high, got ({low:g}, {high:g}).")
        return low, high
    high = float(reference.quantile(0.95))
    if not high > 0:
        raise CxStatsError(f"loyalty_index: the 95th percentile of {name} is 0, so it cannot set the top of the "
                           f"0-100 scale; pass ranges={{'{name}': (low, high)}}.")
    return 0.0, high


def _weights(weights: Mapping[str, float] | None, used: list[str]) -> pd.Series:
    if weights is None:
        return pd.Series(1.0 / len(used), index=used)
    if not isinstance(weights, Mapping):
        raise TypeError("weights must be a mapping component -> weight, e.g. {'satisfaction': 2, 'retention': 1}.")
    unknown = [k for k in weights if k not in COMPONENTS]
    if unknown:
        raise CxStatsError(f"loyalty_index: unknown component(s) {listing(unknown, quote=True)} in weights; the "
                           f"components are {listing(COMPONENTS, quote=True)}.")
    unused = [k for k in weights if k not in used]
    if unused:
        raise CxStatsError(f"loyalty_index: weights name {listing(unused, quote=True)}, which you did not pass; "
                           f"the components used are {listing(used, quote=True)}.")
    missing = [k for k in used if k not in weights]
    if missing:
        raise CxStatsError(f"loyalty_index: no weight for {listing(missing, quote=True)}; give every component a "
                           "weight (0 leaves one out).")
    raw = pd.Series({k: weights[k] for k in used}, dtype=float)
    if not np.isfinite(raw).all() or (raw < 0).any():
        raise CxStatsError(f"loyalty_index: weights must be finite and not negative, got {raw.to_dict()}.")
    if not raw.sum() > 0:
        raise CxStatsError(f"loyalty_index: the weights sum to {raw.sum():g}; they must sum to a positive number.")
    raw = raw[raw > 0]
    return raw / raw.sum()


def _groups(data: pd.DataFrame, joined: pd.DataFrame | None, group: str | None) -> pd.Series | None:
    if group is None:
        return None
    if group in data.columns:
        return data[group]
    if joined is not None and group in joined.columns:
        return joined[group]
    where = "the data" if joined is None else "the data or the purchase records"
    raise CxStatsError(f"loyalty_index: no group column '{group}' in {where}.")


def _estimate(x: np.ndarray, w: np.ndarray, method: str, n_boot: int, ci_level: float, z: float,
              rng: np.random.Generator | None) -> tuple[dict, list[dict]]:
    observed = ~np.isnan(x)
    n_k = observed.sum(axis=0)
    n_any = int(observed.any(axis=1).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n_k > 0, np.nansum(x, axis=0) / n_k, np.nan)
    estimate = float(w @ means) if (n_k > 0).all() else np.nan
    if method == "delta":
        cov = _covariance_of_means(x, observed, n_k)
        comp_se = np.sqrt(np.diag(cov))
        se = float(np.sqrt(w @ cov @ w)) if np.isfinite(cov).all() else np.nan
        comp_ci = np.column_stack([means - z * comp_se, means + z * comp_se])
        ci = (estimate - z * se, estimate + z * se)
    else:
        draws = _bootstrap_means(x, observed, n_boot, rng)  # (n_boot, K)
        composite = draws @ w
        q = [0.5 - ci_level / 2, 0.5 + ci_level / 2]
        with np.errstate(invalid="ignore"):
            comp_se = draws.std(axis=0, ddof=1)
            se = float(composite.std(ddof=1))
        comp_ci = np.quantile(draws, q, axis=0).T if np.isfinite(draws).all() else np.full((len(w), 2), np.nan)
        ci = tuple(np.quantile(composite, q)) if np.isfinite(composite).all() else (np.nan, np.nan)
    row = {"n": n_any, "estimate": estimate, "se": se, "ci_low": float(ci[0]), "ci_high": float(ci[1])}
    comps = [{"n": int(n_k[k]), "estimate": float(means[k]), "se": float(comp_se[k]), "ci_low": float(comp_ci[k, 0]),
              "ci_high": float(comp_ci[k, 1])} for k in range(len(w))]
    return row, comps


def _covariance_of_means(x: np.ndarray, observed: np.ndarray, n_k: np.ndarray) -> np.ndarray:
    """``S_kl = c_kl n_kl / (n_k n_l)`` with pairwise-complete covariances ``c_kl``."""
    k = x.shape[1]
    cov = np.full((k, k), np.nan)
    for a in range(k):
        for b in range(a, k):
            both = observed[:, a] & observed[:, b]
            n_ab = int(both.sum())
            if n_ab < 2:
                value = np.nan if a == b else 0.0  # no pair observed together: no covariance to estimate
            else:
                xa, xb = x[both, a], x[both, b]
                value = float(((xa - xa.mean()) * (xb - xb.mean())).sum() / (n_ab - 1)) * n_ab / (n_k[a] * n_k[b])
            cov[a, b] = cov[b, a] = value
    return cov


def _bootstrap_means(x: np.ndarray, observed: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Component means of ``n_boot`` resamples of the rows, drawn as multinomial row counts."""
    n = x.shape[0]
    if n == 0:
        return np.full((n_boot, x.shape[1]), np.nan)
    filled, mask = np.where(observed, x, 0.0), observed.astype(float)
    chunk = max(1, min(n_boot, 5_000_000 // n))
    out = []
    for start in range(0, n_boot, chunk):
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=min(chunk, n_boot - start)).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append((counts @ filled) / (counts @ mask))
    return np.vstack(out)
