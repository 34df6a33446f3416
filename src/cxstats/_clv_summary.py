"""Purchase records -> the per-customer summaries of the lifetime-value models (public via cxstats.clv).

:func:`clv_summary` gives each customer's frequency, recency, age and mean repeat spend;
:func:`calibration_holdout` splits the records at a date for checking a model on the
purchases that followed. lifetimes' conventions (see :mod:`cxstats._clv_data`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import formatting as fmt
from ._clv_data import (_MONDAY_SHIFT, as_ns, holdout_counts, period_end_ns, period_index, period_start_ns,
                        summarise, time_unit)
from ._errors import CxStatsError
from ._format import listing
from ._results import Exportable, PlainText
from ._transactions import _NS_PER_DAY, read_transactions
from ._transactions_sql import TransactionSource, check, holdout_histories, is_source, period_histories

__all__ = ["CLVSummary", "CalibrationHoldout", "clv_summary", "calibration_holdout", "history_frame"]

_UNIT_WORDS = {"D": "days", "W": "weeks"}



# ---------------------------------------------------------------- summaries

@dataclass(frozen=True)
class CLVSummary(Exportable):
    """Per-customer purchase history in the form the BG/NBD and Gamma-Gamma models use.

    ``table``: one row per customer (sorted by customer): ``customer, frequency`` (repeat
    purchases: periods with a purchase after the first), ``recency`` (periods from the first
    to the last purchase), ``T`` (periods from the first purchase to ``as_of``),
    ``monetary_value`` (mean amount of the repeat purchases; 0 without any),
    ``first_purchase``. Periods are ``time_unit`` (``"D"`` days, ``"W"`` weeks).
    """

    _TABLES = {
        "table": ("Customer summary", "Per customer: repeat purchases (frequency), recency, age (T) and mean repeat "
                  "spend, in the lifetimes conventions."),
    }

    table: pd.DataFrame
    as_of: pd.Timestamp
    time_unit: str
    n_customers: int
    n_repeat: int
    n_transactions: int
    excluded: int
    duplicates: int = 0
    problems: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        return (f"<p>CLV summary to {self.as_of.date()} in {_UNIT_WORDS[self.time_unit]}: {self.n_customers:,} "
                f"customers, {self.n_repeat:,} bought again.</p>" + self.table.head(10).to_html(index=False))

    def plain_summary(self) -> PlainText:
        """The purchase histories in sentences: how many came back, how often and for how much."""
        t = self.table
        unit = _UNIT_WORDS[self.time_unit]
        repeat = t[t["frequency"] > 0]
        lines = [f"- {fmt.integer(self.n_customers)} customers, followed up to {self.as_of.date()} (on average "
                 f"{fmt.number(t['T'].mean(), 0)} {unit} since their first purchase).",
                 f"- {fmt.integer(self.n_repeat)} of them ({fmt.percent(self.n_repeat / self.n_customers)}) bought "
                 f"again on a later {unit[:-1]}."]
        if len(repeat):
            lines.append(f"- Those who came back made a median of {fmt.number(repeat['frequency'].median(), 0)} repeat "
                         f"purchase(s), spending a median of {fmt.currency(repeat['monetary_value'].median())} each "
                         "time (purchases on the same day are added up into one).")
        return PlainText("\n".join(lines))


def clv_summary(transactions: pd.DataFrame | TransactionSource, *, customer: str = "customer_id",
                date: str = "date", amount: str = "amount", as_of: object = None, time_unit: str = "D",
                duplicates: str = "warn") -> CLVSummary:
    """Frequency, recency, customer age and mean repeat spend of every customer.

    Parameters
    ----------
    transactions : one row per purchase: a pandas DataFrame, or Parquet files or a DuckDB
        relation/query, summarised where they live (as for :func:`cxstats.rfm`).
    customer, date, amount : the columns holding the customer id, the purchase date and
        the amount (non-negative).
    as_of : end of observation; transactions after its period are left out. Default: the
        last transaction date.
    time_unit : ``"D"`` (days, default) or ``"W"`` (weeks, Monday to Sunday): the unit of
        ``recency`` and ``T``, and the period within which purchases count as one.
    duplicates : ``"warn"`` (default), ``"keep"`` or ``"drop"`` rows that repeat an earlier
        row exactly, as in :func:`cxstats.rfm`. With daily periods a repeated row only
        changes that day's amount (its purchases are added up anyway).

    Returns
    -------
    CLVSummary
        ``table`` columns: ``customer, frequency, recency, T, monetary_value, first_purchase``.

    Raises
    ------
    CxStatsError
        As :func:`cxstats.rfm` (missing columns or values, unreadable dates, negative
        amounts, ``as_of`` before the first purchase); ``time_unit`` not allowed.

    Notes
    -----
    lifetimes' ``summary_data_from_transaction_data(..., freq=time_unit)`` conventions: the
    first purchase is not counted in ``frequency`` or ``monetary_value``; purchases of one
    customer in one period are a single purchase whose amount is their sum; dates and
    ``as_of`` are floored to their period. Checked to be identical to lifetimes 0.11.3 on
    the CDNOW sample (tests/reference/clv_lifetimes.py).

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> s = cxstats.clv_summary(cd, duplicates="keep")
    >>> # lifetimes: summary_data_from_transaction_data(cd, "customer_id", "date", monetary_value_col="amount")
    >>> s.n_customers, s.n_repeat, s.as_of.date().isoformat()
    (2357, 1139, '1998-06-30')
    """
    where = "clv_summary"
    unit = _unit(time_unit, where)
    cutoff = None if as_of is None else pd.Timestamp(period_end_ns(as_ns(as_of, "as_of", where), unit))
    if is_source(transactions):
        chk, frame, counts = period_histories(transactions, customer=customer, date=date, amount=amount, where=where,
                                              as_of=cutoff, duplicates=duplicates, unit=unit)
        end = chk.cutoff if as_of is None else as_ns(as_of, "as_of", where)
        s = _histories(frame, end, unit)
        customers = frame["customer"].to_numpy()
        found = {"n_transactions": counts["transactions"], "excluded": counts["excluded"],
                 "duplicates": counts["duplicates"], "problems": counts["problems"]}
    else:
        records, stamp = read_transactions(transactions, customer=customer, date=date, amount=amount, where=where,
                                           as_of=cutoff, duplicates=duplicates)
        end = stamp.value if as_of is None else as_ns(as_of, "as_of", where)
        s = summarise(records, None, end, unit)
        customers = records.customers[s["codes"]]
        found = {"n_transactions": int(records.codes.size), "excluded": records.excluded,
                 "duplicates": records.duplicates, "problems": records.problems}
    table = _summary_frame(customers, s)
    return CLVSummary(table=table, as_of=pd.Timestamp(period_start_ns(end, unit)), time_unit=unit, n_customers=len(table),
                      n_repeat=int((s["frequency"] > 0).sum()), **found)


def _histories(frame: pd.DataFrame, end_ns: int, unit: str) -> dict[str, np.ndarray]:
    """:func:`cxstats._clv_data.summarise` from per-customer period totals computed elsewhere (DuckDB)."""
    first, last = frame["first"].to_numpy(dtype=np.int64), frame["last"].to_numpy(dtype=np.int64)
    frequency = frame["periods"].to_numpy(dtype=np.int64) - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, (frame["total"].to_numpy() - frame["first_spend"].to_numpy()) / frequency,
                            0.0)
    end = int(period_index(end_ns, unit))
    first_day = first if unit == "D" else first * 7 - _MONDAY_SHIFT
    return {"frequency": frequency, "recency": (last - first).astype(float), "T": (end - first).astype(float),
            "monetary_value": monetary, "first": first_day * _NS_PER_DAY}


@dataclass(frozen=True)
class CalibrationHoldout(Exportable):
    """Purchase histories up to ``calibration_end`` and the purchases that followed, per customer.

    ``table``: one row per customer who bought by ``calibration_end``: ``customer,
    frequency_cal, recency_cal, T_cal, monetary_value_cal`` (as :class:`CLVSummary`),
    ``frequency_holdout`` (periods with a purchase after ``calibration_end`` up to
    ``observation_end``), ``monetary_value_holdout`` (mean amount of those transactions, 0
    without any), ``duration_holdout`` (length of the holdout in periods).
    """

    _TABLES = {
        "table": ("Calibration and holdout", "Per customer: the summary over the calibration period and the purchases "
                  "and spend in the holdout period."),
    }

    table: pd.DataFrame
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    time_unit: str
    duration_holdout: float
    n_customers: int
    duplicates: int = 0
    problems: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        return (f"<p>Calibration to {self.calibration_end.date()}, holdout to {self.observation_end.date()} "
                f"({self.duration_holdout:g} {_UNIT_WORDS[self.time_unit]}): {self.n_customers:,} customers.</p>"
                + self.table.head(10).to_html(index=False))

    def plain_summary(self) -> PlainText:
        """The split in sentences."""
        t = self.table
        unit = _UNIT_WORDS[self.time_unit]
        return PlainText(
            f"- {fmt.integer(self.n_customers)} customers bought by {self.calibration_end.date()} (calibration "
            f"period); {fmt.integer((t['frequency_holdout'] > 0).sum())} of them bought again in the "
            f"{fmt.integer(self.duration_holdout)} {unit} up to {self.observation_end.date()} (holdout period), "
            f"{fmt.number(t['frequency_holdout'].sum(), 0)} purchases in all.\n"
            "- Customers whose first purchase came after the calibration period are not in the holdout check.")


def calibration_holdout(transactions: pd.DataFrame | TransactionSource, *, calibration_end: object,
                        observation_end: object = None, customer: str = "customer_id", date: str = "date",
                        amount: str = "amount", time_unit: str = "D", duplicates: str = "warn") -> CalibrationHoldout:
    """Split purchase records at ``calibration_end``: summaries before, purchases after.

    Parameters
    ----------
    transactions : one row per purchase: a pandas DataFrame, or Parquet files (a path, glob,
        folder or list) or a DuckDB relation/query or one-table connection, split and
        summarised where they live in DuckDB SQL (as for :func:`clv_summary`); only the
        per-customer rows come back to Python.
    calibration_end : last date of the calibration period (e.g. ``"1997-09-30"``).
    observation_end : last date of the holdout period. Default: the last transaction date.
    customer, date, amount, time_unit, duplicates : as :func:`clv_summary`.

    Returns
    -------
    CalibrationHoldout
        ``table`` columns: ``customer, frequency_cal, recency_cal, T_cal,
        monetary_value_cal, frequency_holdout, monetary_value_holdout, duration_holdout``.

    Raises
    ------
    CxStatsError
        As :func:`clv_summary`; ``calibration_end`` is not before ``observation_end`` or
        is before the first purchase; no purchase falls in the holdout period.

    Notes
    -----
    lifetimes' ``calibration_and_holdout_data`` conventions: calibration transactions are
    those dated on or before ``calibration_end``; holdout transactions those after it, up
    to ``observation_end``; the holdout frequency counts distinct periods, the holdout
    monetary value is the mean of the holdout transactions (not of period totals), and
    ``duration_holdout`` is the number of periods between the two ends. Identical to
    lifetimes 0.11.3 on the CDNOW sample. From Parquet or DuckDB the table equals that of
    the pandas path (counts exactly, means to 1e-12) on CDNOW and on simulated records
    with times of day, for every ``duplicates`` mode and both time units
    (tests/test_transactions_sql.py).

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> split = cxstats.calibration_holdout(cd, calibration_end="1997-09-30", duplicates="keep")
    >>> # lifetimes: calibration_and_holdout_data(cd, "customer_id", "date", calibration_period_end="1997-09-30",
    >>> #            monetary_value_col="amount")
    >>> split.n_customers, split.duration_holdout
    (2357, 273.0)
    """
    where = "calibration_holdout"
    unit = _unit(time_unit, where)
    cal = as_ns(calibration_end, "calibration_end", where)
    if is_source(transactions):
        chk = check(transactions, customer=customer, date=date, amount=amount, where=where, as_of=observation_end,
                    duplicates=duplicates, as_of_name="observation_end")
        end, stamp = chk.cutoff, pd.Timestamp(chk.cutoff)
        _split_dates(cal, stamp, chk.first, where)
        frame, found = holdout_histories(chk, cal, unit)
        if not found["holdout"]:
            _no_holdout(cal, stamp, where)
        s = _histories(frame, cal, unit)
        customers = frame["customer"].to_numpy()
        periods = frame["holdout_periods"].to_numpy(dtype=np.int64)
        rows = frame["holdout_rows"].to_numpy(dtype=np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(rows > 0, frame["holdout_spend"].to_numpy(dtype=float) / rows, 0.0)
        repeated, problems = found["duplicates"], found["problems"]
    else:
        records, stamp = read_transactions(transactions, customer=customer, date=date, amount=amount, where=where,
                                           as_of=observation_end, duplicates=duplicates, as_of_name="observation_end")
        end = stamp.value
        _split_dates(cal, stamp, int(records.dates.min()), where)
        before = records.dates <= cal
        after = ~before
        if not after.any():
            _no_holdout(cal, stamp, where)
        s = summarise(records, before, cal, unit)
        periods, mean = holdout_counts(records, after, unit)
        customers, periods, mean = records.customers[s["codes"]], periods[s["codes"]], mean[s["codes"]]
        repeated, problems = records.duplicates, records.problems
    table = _summary_frame(customers, s).drop(columns="first_purchase")
    table.columns = ["customer"] + [f"{c}_cal" for c in table.columns[1:]]
    duration = float(period_index(end, unit) - period_index(cal, unit))
    table["frequency_holdout"] = periods
    table["monetary_value_holdout"] = mean
    table["duration_holdout"] = duration
    return CalibrationHoldout(table=table, calibration_end=pd.Timestamp(cal), observation_end=stamp, time_unit=unit,
                              duration_holdout=duration, n_customers=len(table), duplicates=repeated,
                              problems=problems)


def _split_dates(cal: int, stamp: pd.Timestamp, first: int, where: str) -> None:
    """``calibration_end`` must fall from the first purchase to before ``observation_end``."""
    if cal >= stamp.value:
        raise CxStatsError(f"{where}: calibration_end {pd.Timestamp(cal).date()} is not before observation_end "
                           f"{stamp.date()}; the holdout period would be empty. Pass an earlier calibration_end.")
    if cal < first:
        raise CxStatsError(f"{where}: calibration_end {pd.Timestamp(cal).date()} is before the first purchase "
                           f"({pd.Timestamp(first).date()}); pass a later date.")


def _no_holdout(cal: int, stamp: pd.Timestamp, where: str) -> None:
    raise CxStatsError(f"{where}: no purchase falls after calibration_end {pd.Timestamp(cal).date()} up to "
                       f"{stamp.date()}; pass an earlier calibration_end or a later observation_end.")


def _summary_frame(customers: pd.Index, s: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({"customer": np.asarray(customers), "frequency": s["frequency"], "recency": s["recency"],
                         "T": s["T"], "monetary_value": s["monetary_value"],
                         "first_purchase": pd.to_datetime(s["first"])})


def _unit(value: object, where: str) -> str:
    return time_unit(value, where)


def history_frame(data: object, where: str, columns: tuple[str, ...]) -> tuple[pd.DataFrame, str]:
    """Summary rows (``customer`` + ``columns``) from a CLVSummary, CalibrationHoldout or DataFrame."""
    unit = "D"
    if isinstance(data, CLVSummary):
        frame, unit = data.table, data.time_unit
    elif isinstance(data, CalibrationHoldout):
        frame, unit = data.table.rename(columns=lambda c: c[:-4] if c.endswith("_cal") else c), data.time_unit
    elif isinstance(data, pd.DataFrame):
        frame = data if "customer" in data.columns else data.rename_axis("customer").reset_index()
    else:
        raise TypeError(f"{where} needs the result of clv_summary() or calibration_holdout(), or a DataFrame with "
                        f"columns {listing(columns, quote=True)}; got {type(data).__name__}.")
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise CxStatsError(f"{where}: no column {listing(absent, quote=True)} in the summary; make it with "
                           "cxstats.clv_summary(transactions).")
    out = frame[["customer", *columns]].copy()
    for c in columns:
        values = pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            raise CxStatsError(f"{where}: column '{c}' has missing, negative or infinite values for customer(s) "
                               f"{listing(out['customer'][bad])}; summaries hold counts and times of 0 or more.")
        out[c] = values
    if {"frequency", "recency", "T"} <= set(columns):
        late = out["recency"].to_numpy() > out["T"].to_numpy()
        if late.any():
            raise CxStatsError(f"{where}: recency is larger than T for customer(s) {listing(out['customer'][late])}: "
                               "the last purchase cannot come after the end of observation. Rebuild the summary "
                               "with cxstats.clv_summary().")
        odd = (out["frequency"].to_numpy() == 0) & (out["recency"].to_numpy() > 0)
        if odd.any():
            raise CxStatsError(f"{where}: customer(s) {listing(out['customer'][odd])} have no repeat purchase but a "
                               "recency above 0; recency counts from the first to the last purchase.")
    return out.reset_index(drop=True), unit

