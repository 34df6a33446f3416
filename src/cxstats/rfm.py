"""RFM scores and segments, and purchase frequency/amount summaries, from purchase records.

For every customer: recency (days from the last purchase to ``as_of``), frequency (number
of transactions) and monetary value (total spend), each turned into a 1-``bins`` score
(``bins`` highest = most recent / most frequent / highest spend) by its rank among the
customers, and a named segment in the common RFM vocabulary. Vectorised over NumPy
arrays: ten million transactions of a million customers take seconds
(``benchmarks/bench_rfm.py`` times it next to polars and DuckDB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import CxStatsError
from . import formatting as fmt
from ._results import Exportable, PlainText
from ._transactions import _NS_PER_DAY, DuplicateTransactionsWarning, per_customer, read_transactions, visit_gaps
from ._transactions_sql import TransactionSource, customer_totals, is_source, purchase_totals

__all__ = ["DuplicateTransactionsWarning", "RFMResult", "PurchaseSummary", "rfm", "purchase_summary", "SEGMENTS"]

#: The named segments in reporting order, each with its rule on the 1-5 scores and a gloss.
SEGMENTS: dict[str, tuple[str, str]] = {
    "Champions": ("R 5, F 4-5", "bought very recently and often"),
    "Loyal customers": ("R 3-4, F 4-5", "buy often, bought fairly recently"),
    "Potential loyalists": ("R 4-5, F 2-3", "recent customers with a few purchases"),
    "New customers": ("R 5, F 1", "first purchases very recently"),
    "Promising": ("R 4, F 1", "recent one-off buyers"),
    "Need attention": ("R 3, F 3", "middling recency and frequency"),
    "About to sleep": ("R 3, F 1-2", "infrequent buyers, going quiet"),
    "At risk": ("R 1-2, F 3-4", "bought fairly often, but long ago"),
    "Can't lose them": ("R 1-2, F 5", "used to buy most often, not for a long time"),
    "Hibernating": ("R 1-2, F 1-2, not Lost", "few purchases, long ago"),
    "Lost": ("R 1, F 1, M 1", "lowest recency, frequency and spend"),
}
_NAMES = list(SEGMENTS)
# _GRID[r - 1, f - 1] is the position in _NAMES of the segment of R score r and F score f.
_GRID = np.array([
    [9, 9, 7, 7, 8],
    [9, 9, 7, 7, 8],
    [6, 6, 5, 1, 1],
    [4, 2, 2, 1, 1],
    [3, 2, 2, 0, 0],
])
_LOST = _NAMES.index("Lost")
_TIES = ("shared", "first")


@dataclass(frozen=True)
class RFMResult(Exportable):
    """RFM scores of every customer and the segments they fall in.

    ``table``: one row per customer (sorted by customer): ``customer, first_purchase,
    last_purchase, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_code,
    segment``. ``segments``: one row per named segment (all eleven, in reporting order):
    ``segment, rule, description, customers, share, mean_recency_days, mean_frequency,
    mean_monetary, revenue, revenue_share`` (shares are proportions summing to 1).
    ``as_of`` is the date recency is counted to; ``excluded`` the number of transactions
    after it, which were left out; ``duplicates`` the number of rows that repeat an earlier
    row exactly; ``problems`` the warnings issued, for reports.
    """

    _TABLES = {
        "segments": ("Segments", "One row per RFM segment: rule, customers, share, mean recency, frequency "
                     "and spend, revenue and revenue share.", {"share": "percent", "revenue_share": "percent"}),
        "table": ("Customers", "One row per customer: first and last purchase, recency, frequency, spend, "
                  "R/F/M scores and segment."),
    }

    table: pd.DataFrame
    segments: pd.DataFrame
    as_of: pd.Timestamp
    bins: int
    ties: str
    n_customers: int
    n_transactions: int
    excluded: int
    duplicates: int = 0
    problems: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        head = (f"<p>RFM as of {self.as_of.date()}: {self.n_customers:,} customers, "
                f"{self.n_transactions:,} transactions; {self.bins} score bins, ties {self.ties}.</p>")
        shown = self.segments.drop(columns=["description"]).copy()
        shown[["share", "revenue_share"]] = shown[["share", "revenue_share"]] * 100
        return head + shown.round(1).rename(columns={"share": "% customers", "revenue_share": "% revenue"}).to_html(
            index=False, na_rep="–")

    def plain_summary(self) -> PlainText:
        """Sentences for a stakeholder: who the best customers are and how much is at risk."""
        seg = self.segments.set_index("segment")
        lines = [f"- {fmt.integer(self.n_customers)} customers made {fmt.integer(self.n_transactions)} purchases up "
                 f"to {self.as_of.date()}."]
        champions = seg.loc["Champions"]
        lines.append(f"- **Champions** (recent and frequent buyers) are {fmt.percent(champions.share)} of customers "
                     f"({fmt.integer(champions.customers)}) and brought {fmt.percent(champions.revenue_share)} of "
                     "revenue.")
        risk = seg.loc[["At risk", "Can't lose them"]]
        lines.append(f"- **At risk** or **can't lose them** (once frequent, now quiet): {fmt.percent(risk.share.sum())} "
                     f"of customers ({fmt.integer(risk.customers.sum())}), {fmt.percent(risk.revenue_share.sum())} of "
                     "revenue — the first to win back.")
        gone = seg.loc[["Hibernating", "Lost"]]
        lines.append(f"- Hibernating or lost: {fmt.percent(gone.share.sum())} of customers "
                     f"({fmt.integer(gone.customers.sum())}), {fmt.percent(gone.revenue_share.sum())} of revenue.")
        lines.append("- Scores rank customers against each other in these data; they are not comparable "
                     "across data sets or dates.")
        return PlainText("\n".join(lines))

    def plot(self, *, title: str | None = None, ax=None):
        """Share of customers and of revenue per segment, side by side, labelled with the values."""
        import seaborn as sns

        from . import formatting as fmt
        from ._figures import PALETTE, keep_inside, new_figure

        seg = self.segments
        y = np.arange(len(seg))[::-1]
        fig, ax = new_figure(7.0, 0.34 * len(seg) + 1.6, ax=ax)
        colours = PALETTE
        height = 0.38
        ax.barh(y + height / 2, seg["share"] * 100, height, color=colours[0], label="% of customers")
        ax.barh(y - height / 2, seg["revenue_share"] * 100, height, color=colours[1], label="% of revenue")
        for yy, share, revenue, count in zip(y, seg["share"], seg["revenue_share"], seg["customers"], strict=True):
            ax.text(share * 100, yy + height / 2, f" {fmt.percent(share)} ({fmt.integer(count)} customers)",
                    va="center", fontsize=7)
            ax.text(revenue * 100, yy - height / 2, f" {fmt.percent(revenue)}", va="center", fontsize=7)
        ax.set_yticks(y, seg["segment"], fontsize=8)
        top = float(max(seg["share"].max(), seg["revenue_share"].max()) * 100)
        ax.set_xlim(0, top * 1.3 + 1)
        ax.set_xlabel("Percent")
        ax.legend(fontsize=8, frameon=False, loc="lower right")
        ax.set_title(title or f"RFM segments as of {self.as_of.date()}: {fmt.integer(self.n_customers)} customers",
                     fontsize=10)
        sns.despine(ax=ax)
        keep_inside(ax)
        return fig


def rfm(transactions: pd.DataFrame | TransactionSource, *, customer: str = "customer_id", date: str = "date",
        amount: str = "amount", as_of: object = None, bins: int = 5, ties: str = "shared",
        duplicates: str = "warn") -> RFMResult:
    """Recency, frequency and monetary scores and named segments of every customer.

    Parameters
    ----------
    transactions : one row per purchase: a pandas DataFrame, or where the records live (summarised
        in DuckDB, never loaded into pandas; needs ``pip install cxstats[scale]``): Parquet files
        (a path, a glob such as ``"sales/*.parquet"``, a folder or a list of paths), a DuckDB
        relation (``con.table("sales")``, ``con.sql("SELECT ...")``), a ``(connection, "SELECT ...")``
        pair or a connection holding one table. Rows in messages are then named by file and
        zero-based row within it.
    customer, date, amount : the columns holding the customer id, the purchase date
        (datetimes or text such as ``1997-01-31``) and the amount (non-negative).
    as_of : the date recency is counted to; transactions after it are left out. Default:
        the last transaction date (so the most recent buyers have recency 0).
    bins : number of score levels (2-9); 5 gives the usual quintile scores.
    ties : ``"shared"`` (default) gives customers with equal values the same score;
        ``"first"`` breaks ties by customer id for bins of equal size.
    duplicates : rows that repeat an earlier row exactly (every column) are counted as
        purchases with a ``DuplicateTransactionsWarning`` (``"warn"``, default), counted
        silently (``"keep"``: genuine repeat purchases) or left out (``"drop"``: a double export).

    Returns
    -------
    RFMResult
        ``table`` (one row per customer) and ``segments`` (one row per named segment).

    Raises
    ------
    CxStatsError
        A column is missing; the data are empty; a customer id, date or amount is missing;
        a date cannot be read (the rows are named); an amount is negative; ``as_of`` is
        before the first transaction; with ``as_of=None``, a date after today (a typo would
        move ``as_of`` there); ``bins``, ``ties`` or ``duplicates`` is not allowed.

    Notes
    -----
    Definitions (one row of ``transactions`` is one purchase):

    - ``recency_days`` = whole days from the customer's last purchase to ``as_of``;
    - ``frequency`` = number of transactions (several on one day count separately; add
      them up first if a day's rows are one order);
    - ``monetary`` = total amount spent.

    Scores. A customer with ``k`` customers strictly *worse* (longer recency, fewer
    purchases, lower spend) among ``n`` gets ``max(1, ceil(bins * k / (n - 1)))``: without
    ties this is exactly ``pd.qcut(x.rank(method="first"), bins)`` (levels of equal size, the
    common RFM practice; checked for every n up to 3,000 in tests/test_rfm.py). Ties:
    ``"shared"`` (default) counts only strictly worse customers, so equal values always get
    the same score, the lowest their tied positions would give, and the result does not
    depend on row order; when many customers tie (e.g. half bought once) the levels are
    unequal and a level can be empty. ``"first"`` ranks tied customers by customer id (as
    ``rank(method="first")`` on data sorted by customer), which keeps the levels equal but
    can give two customers with the same purchases different scores. Totals that agree to
    12 significant digits of the largest total tie (sums of the same amounts added in
    another order can differ in the last binary digit).

    Segments (first matching rule; R, F, M are quintile scores, computed with the same tie
    rule even when ``bins`` is not 5, so the segments mean the same at any ``bins``):

    ==================== ======================= =======================================
    segment              rule                    reading
    ==================== ======================= =======================================
    Champions            R 5, F 4-5              bought very recently and often
    Loyal customers      R 3-4, F 4-5            buy often, bought fairly recently
    Potential loyalists  R 4-5, F 2-3            recent customers with a few purchases
    New customers        R 5, F 1                first purchases very recently
    Promising            R 4, F 1                recent one-off buyers
    Need attention       R 3, F 3                middling recency and frequency
    About to sleep       R 3, F 1-2              infrequent buyers, going quiet
    At risk              R 1-2, F 3-4            bought fairly often, but long ago
    Can't lose them      R 1-2, F 5              used to buy most often, long ago
    Hibernating          R 1-2, F 1-2, not Lost  few purchases, long ago
    Lost                 R 1, F 1, M 1           lowest recency, frequency and spend
    ==================== ======================= =======================================

    The R x F grid is the widely used RFM segment map (recency against frequency; every
    cell belongs to exactly one segment); Lost is the "lowest on all three" cell carved out
    of Hibernating. Monetary value enters only there; it is reported for every segment.

    Validation: recency, frequency and monetary are checked against a pandas ``groupby``
    on the CDNOW purchase records and the scores against hand-computed ranks
    (tests/test_rfm.py); polars and DuckDB give identical scores in benchmarks/bench_rfm.py.
    From Parquet files or a DuckDB relation the per-customer totals are computed in DuckDB
    and the scores from them as here: the same table and segments as the pandas path
    (counts, dates and scores identical, spend to 1e-12; tests/test_transactions_sql.py).

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> from cxstats.rfm import rfm
    >>> res = rfm(cd, duplicates="keep")  # the published sample counts each of its rows as a purchase
    >>> res.n_customers, res.as_of.date().isoformat()
    (2357, '1998-06-30')
    >>> round(float(res.segments["share"].sum()), 10)
    1.0
    """
    where = "rfm"
    bins = _check_bins(bins, where)
    if ties not in _TIES:
        raise CxStatsError(f"{where}: ties must be 'shared' or 'first', got {ties!r}.")
    if is_source(transactions):
        chk, frame, counts = customer_totals(transactions, customer=customer, date=date, amount=amount, where=where,
                                             as_of=as_of, duplicates=duplicates)
        customers, stamp = pd.Index(frame["customer"], name="customer"), pd.Timestamp(chk.cutoff)
        totals = {k: frame[k].to_numpy() for k in ("frequency", "monetary", "first", "last")}
        counted = {"n_transactions": counts["transactions"], "excluded": counts["excluded"],
                   "duplicates": counts["duplicates"], "problems": counts["problems"]}
    else:
        records, stamp = read_transactions(transactions, customer=customer, date=date, amount=amount, where=where,
                                           as_of=as_of, duplicates=duplicates)
        customers, totals = records.customers, per_customer(records)
        counted = {"n_transactions": int(records.codes.size), "excluded": records.excluded,
                   "duplicates": records.duplicates, "problems": records.problems}
    if len(customers) < 2:
        raise CxStatsError(f"{where}: only one customer ({customers[0]}) has bought by "
                           f"{stamp.date()}; RFM scores rank customers against each other and need at least two.")
    recency = (stamp.value - totals["last"]) // _NS_PER_DAY
    frequency, monetary = totals["frequency"], totals["monetary"]
    scores = [_score(v, better, bins, ties) for v, better in ((recency, "lower"), (frequency, "higher"),
                                                                (monetary, "higher"))]
    quintiles = scores if bins == 5 else [_score(v, better, 5, ties) for v, better in
                                          ((recency, "lower"), (frequency, "higher"), (monetary, "higher"))]
    segment = _segment(*quintiles)
    r, f, m = scores
    table = pd.DataFrame({
        "customer": customers,
        "first_purchase": pd.to_datetime(totals["first"]),
        "last_purchase": pd.to_datetime(totals["last"]),
        "recency_days": recency,
        "frequency": frequency,
        "monetary": monetary,
        "r_score": r,
        "f_score": f,
        "m_score": m,
        "rfm_code": pd.Series(r * 100 + f * 10 + m).astype(str).to_numpy(),
        "segment": pd.Categorical.from_codes(segment, categories=_NAMES),
    })
    return RFMResult(table=table, segments=_segment_table(segment, recency, frequency, monetary), as_of=stamp,
                     bins=bins, ties=ties, n_customers=len(table), **counted)


@dataclass(frozen=True)
class PurchaseSummary(Exportable):
    """Purchase frequency and amount, per customer and as distributions.

    ``table``: one row per measure (``measure, n, mean, sd, min, p25, median, p75, p90,
    max``) for ``purchases_per_customer``, ``spend_per_customer``, ``amount_per_purchase``,
    ``days_between_purchases`` (all gaps between consecutive purchase days of a customer)
    and ``customer_mean_gap_days`` (each repeat customer's mean gap). ``customers``: one row
    per customer (``customer, frequency, purchase_days, total_amount, mean_amount,
    first_purchase, last_purchase, mean_gap_days``; the gap is NaN for customers who bought
    on one day only).
    """

    _TABLES = {
        "table": ("Purchases", "Distributions of purchases per customer, spend per customer, amount per purchase "
                  "and days between purchases: n, mean, SD and percentiles."),
        "customers": ("Customers", "One row per customer: purchases, purchase days, total and mean amount, first "
                      "and last purchase, mean days between purchases."),
    }

    table: pd.DataFrame
    customers: pd.DataFrame
    n_customers: int
    n_transactions: int
    pct_repeat: float
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    duplicates: int = 0
    problems: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        head = (f"<p>{self.n_transactions:,} purchases by {self.n_customers:,} customers, "
                f"{self.first_date.date()} to {self.last_date.date()}; {self.pct_repeat:.1f}% bought on more than "
                "one day.</p>")
        return head + self.table.round(2).to_html(index=False, na_rep="–")

    def plain_summary(self) -> PlainText:
        """The typical customer in sentences: how often, how much, how long between purchases."""
        t = self.table.set_index("measure")
        lines = [f"- {fmt.integer(self.n_customers)} customers made {fmt.integer(self.n_transactions)} purchases "
                 f"between {self.first_date.date()} and {self.last_date.date()}.",
                 f"- Half bought {_times(t.loc['purchases_per_customer', 'median'])}; the mean is "
                 f"{fmt.number(t.loc['purchases_per_customer', 'mean'], 1)} purchases (skewed by a few frequent "
                 f"buyers). {fmt.number(self.pct_repeat, 0)}% came back on another day.",
                 f"- A purchase is typically {fmt.number(t.loc['amount_per_purchase', 'median'], 2)} (median; mean "
                 f"{fmt.number(t.loc['amount_per_purchase', 'mean'], 2)}); a customer spends "
                 f"{fmt.number(t.loc['spend_per_customer', 'median'], 2)} in total (median)."]
        if t.loc["days_between_purchases", "n"] > 0:
            gap = float(t.loc["days_between_purchases", "median"])
            lines.append(f"- Repeat purchases come a median {fmt.number(gap, 0 if gap.is_integer() else 1)} "
                         f"days apart ({fmt.integer(t.loc['days_between_purchases', 'n'])} gaps between purchase days).")
        return PlainText("\n".join(lines))


def purchase_summary(transactions: pd.DataFrame | TransactionSource, *, customer: str = "customer_id",
                     date: str = "date", amount: str = "amount", duplicates: str = "warn") -> PurchaseSummary:
    """Purchase frequency, amounts and inter-purchase times: per customer and their distributions.

    Parameters
    ----------
    transactions : one row per purchase: a pandas DataFrame, or Parquet files or a DuckDB
        relation/query, summarised where they live (as for :func:`cxstats.rfm`).
    customer, date, amount : the columns holding the customer id, the purchase date and the
        amount (non-negative).
    duplicates : ``"warn"`` (default), ``"keep"`` or ``"drop"`` rows that repeat an earlier
        row exactly, as in :func:`rfm`.

    Returns
    -------
    PurchaseSummary

    Raises
    ------
    CxStatsError
        As :func:`rfm`: missing columns, empty data, missing ids, unreadable dates (rows
        named), missing or negative amounts.

    Notes
    -----
    ``frequency`` counts transactions; ``purchase_days`` counts distinct calendar days with
    a purchase, and inter-purchase times are the days between consecutive purchase days
    (several purchases on one day are one visit, so no gap is zero). ``sd`` uses n - 1;
    quantiles are pandas' linear interpolation. Checked against a pandas ``groupby`` /
    ``diff`` computation on the CDNOW records in tests/test_rfm.py.

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> from cxstats.rfm import purchase_summary
    >>> summary = purchase_summary(cd, duplicates="keep")
    >>> int(summary.table.set_index("measure").loc["purchases_per_customer", "n"])
    2357
    """
    where = "purchase_summary"
    if is_source(transactions):
        chk, frame, spread, counts = purchase_totals(transactions, customer=customer, date=date, amount=amount,
                                                     where=where, duplicates=duplicates)
        names = pd.Index(frame["customer"], name="customer")
        totals = {k: frame[k].to_numpy() for k in ("frequency", "monetary", "first", "last")}
        gap_count, mean_gap = frame["gaps"].to_numpy(), frame["mean_gap"].to_numpy()
        dates, found = (chk.first, chk.last), (counts["duplicates"], counts["problems"])
        n_transactions = counts["transactions"]
    else:
        records, _ = read_transactions(transactions, customer=customer, date=date, amount=amount, where=where,
                                       duplicates=duplicates)
        totals = per_customer(records)
        gaps, gap_codes = visit_gaps(records)
        names, n_transactions = records.customers, int(records.codes.size)
        gap_count = np.bincount(gap_codes, minlength=len(names))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_gap = np.bincount(gap_codes, weights=gaps, minlength=len(names)) / gap_count
        spread = [_distribution("amount_per_purchase", records.amounts),
                  _distribution("days_between_purchases", gaps)]
        dates, found = (int(records.dates.min()), int(records.dates.max())), (records.duplicates, records.problems)
    frequency, monetary = totals["frequency"], totals["monetary"]
    customers = pd.DataFrame({
        "customer": names,
        "frequency": frequency,
        "purchase_days": gap_count + 1,
        "total_amount": monetary,
        "mean_amount": monetary / frequency,
        "first_purchase": pd.to_datetime(totals["first"]),
        "last_purchase": pd.to_datetime(totals["last"]),
        "mean_gap_days": mean_gap,
    })
    rows = [_distribution("purchases_per_customer", np.asarray(frequency, dtype=float)),
            _distribution("spend_per_customer", np.asarray(monetary, dtype=float)), *spread,
            _distribution("customer_mean_gap_days", mean_gap[gap_count > 0])]
    return PurchaseSummary(table=pd.DataFrame(rows), customers=customers, n_customers=len(names),
                           n_transactions=n_transactions, pct_repeat=100.0 * float((gap_count > 0).mean()),
                           first_date=pd.Timestamp(dates[0]), last_date=pd.Timestamp(dates[1]),
                           duplicates=found[0], problems=found[1])


def _times(median: float) -> str:
    return "only once" if median <= 1 else f"{fmt.number(median, 0 if float(median).is_integer() else 1)} times or fewer"


def _check_bins(bins: object, where: str) -> int:
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 9:
        raise CxStatsError(f"{where}: bins must be a whole number from 2 to 9 (5 gives quintile scores), got {bins!r}.")
    return int(bins)


def _score(values: np.ndarray, better: str, bins: int, ties: str) -> np.ndarray:
    """1..bins from the number of customers with a worse value (see :func:`rfm`, Notes)."""
    n = values.size
    if values.dtype.kind == "f":
        values = _snap(values)
    if ties == "shared":
        ordered = np.sort(values)
        if better == "higher":
            worse = np.searchsorted(ordered, values, side="left")
        else:
            worse = n - np.searchsorted(ordered, values, side="right")
    else:
        key = values if better == "higher" else -values
        worse = np.empty(n, dtype=np.int64)
        worse[np.argsort(key, kind="stable")] = np.arange(n)
    return np.maximum(1, -((-bins * worse.astype(np.int64)) // (n - 1)))


def _snap(values: np.ndarray) -> np.ndarray:
    """Round to 12 significant digits of the largest value, so that sums of the same amounts
    added in a different order (which can differ in the last binary digit) tie."""
    top = float(np.max(np.abs(values)))
    if top == 0.0 or not np.isfinite(top):
        return values
    return np.round(values, 12 - int(np.ceil(np.log10(top))))


def _segment(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    segment = _GRID[r - 1, f - 1]
    segment[(r == 1) & (f == 1) & (m == 1)] = _LOST
    return segment


def _segment_table(segment: np.ndarray, recency: np.ndarray, frequency: np.ndarray,
                   monetary: np.ndarray) -> pd.DataFrame:
    k = len(_NAMES)
    count = np.bincount(segment, minlength=k)
    revenue = np.bincount(segment, weights=monetary, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame({
            "segment": _NAMES,
            "rule": [rule for rule, _ in SEGMENTS.values()],
            "description": [text for _, text in SEGMENTS.values()],
            "customers": count,
            "share": count / count.sum(),
            "mean_recency_days": np.bincount(segment, weights=recency, minlength=k) / count,
            "mean_frequency": np.bincount(segment, weights=frequency, minlength=k) / count,
            "mean_monetary": revenue / count,
            "revenue": revenue,
            "revenue_share": revenue / revenue.sum() if revenue.sum() > 0 else np.full(k, np.nan),
        })
    return table


def _distribution(name: str, values: np.ndarray) -> dict:
    n = values.size
    if n == 0:
        return {"measure": name, "n": 0, **dict.fromkeys(("mean", "sd", "min", "p25", "median", "p75", "p90", "max"),
                                                          np.nan)}
    q = np.quantile(values, [0.25, 0.5, 0.75, 0.9])
    return {"measure": name, "n": n, "mean": float(values.mean()),
            "sd": float(values.std(ddof=1)) if n > 1 else np.nan, "min": float(values.min()), "p25": q[0],
            "median": q[1], "p75": q[2], "p90": q[3], "max": float(values.max())}
