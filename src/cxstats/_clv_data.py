"""Purchase records -> per-customer (frequency, recency, T, monetary value), as lifetimes counts them.

lifetimes' ``summary_data_from_transaction_data`` conventions, vectorised: every date is
floored to its period (the day, or the week from Monday to Sunday, pandas' ``W``
periods); the purchases of one customer in one period are one purchase whose amount is
their sum; ``frequency`` is the number of periods with a purchase after the first,
``recency`` the periods from the first to the last, ``T`` the periods from the first to
the end of observation (itself floored), and ``monetary_value`` the mean amount of the
repeat periods (0 for a customer without repeat purchases).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import CxStatsError
from ._transactions import _NS_PER_DAY, Transactions, _timestamp_ns

UNITS = {"D": 1, "W": 7}
# 1970-01-01 was a Thursday: Monday-based weeks start 3 days before it
_MONDAY_SHIFT = 3


def period_index(ns: np.ndarray | int, unit: str) -> np.ndarray:
    """Whole periods (days or Monday-weeks) since 1970 of timestamps in ns."""
    days = np.floor_divide(np.asarray(ns, dtype=np.int64), _NS_PER_DAY)
    if unit == "D":
        return days
    return np.floor_divide(days + _MONDAY_SHIFT, 7)


def period_end_ns(ns: int, unit: str) -> int:
    """The last nanosecond of the period holding ``ns``."""
    start = int(period_index(ns, unit))
    first_day = start if unit == "D" else start * 7 - _MONDAY_SHIFT
    return (first_day + UNITS[unit]) * _NS_PER_DAY - 1


def summarise(records: Transactions, keep: np.ndarray | None, end_ns: int, unit: str) -> dict[str, np.ndarray]:
    """Frequency, recency, T and monetary value of every customer with a purchase among ``keep``.

    Returns ``codes`` (the customers' positions in ``records.customers``) with the four
    measures and ``first`` (ns of the first period's start).
    """
    codes, dates, amounts = records.codes, records.dates, records.amounts
    if keep is not None:
        codes, dates, amounts = codes[keep], dates[keep], amounts[keep]
    period = period_index(dates, unit)
    base = int(period.min())
    key = codes.astype(np.int64) * np.int64(1 << 32) + (period - base)
    unique, inverse = np.unique(key, return_inverse=True)
    spend = np.bincount(inverse, weights=amounts, minlength=unique.size)
    who, when = np.divmod(unique, np.int64(1 << 32))
    when = when + base
    # unique keys are sorted by customer, then period: each customer's first row is its first period
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    customers = who[starts]
    count = np.diff(np.r_[starts, who.size])
    first = when[starts]
    last = when[np.r_[starts[1:], who.size] - 1]
    total = np.add.reduceat(spend, starts)
    frequency = count - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, (total - spend[starts]) / frequency, 0.0)
    end = int(period_index(end_ns, unit))
    first_day = first if unit == "D" else first * 7 - _MONDAY_SHIFT
    return {"codes": customers, "frequency": frequency, "recency": (last - first).astype(float),
            "T": (end - first).astype(float), "monetary_value": monetary, "first": first_day * _NS_PER_DAY}


def holdout_counts(records: Transactions, keep: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Per customer code (all of ``records.customers``): distinct periods with a purchase among
    ``keep``, and the mean amount of those transactions (0 without any)."""
    n = len(records.customers)
    codes, dates, amounts = records.codes[keep], records.dates[keep], records.amounts[keep]
    if codes.size == 0:
        return np.zeros(n, dtype=np.int64), np.zeros(n)
    period = period_index(dates, unit)
    key = np.unique(codes.astype(np.int64) * np.int64(1 << 32) + (period - period.min()))
    periods = np.bincount(key >> 32, minlength=n)
    rows = np.bincount(codes, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(rows > 0, np.bincount(codes, weights=amounts, minlength=n) / rows, 0.0)
    return periods, mean


def time_unit(value: object, where: str) -> str:
    if value not in UNITS:
        raise CxStatsError(f"{where}: time_unit must be 'D' (days) or 'W' (weeks, Monday to Sunday), got {value!r}.")
    return str(value)


def as_ns(value: object, name: str, where: str) -> int:
    return _timestamp_ns(value, where, name=name, example="1997-09-30", missing="a date")


def period_start_ns(ns: int, unit: str) -> int:
    """The first nanosecond of the period holding ``ns``."""
    start = int(period_index(ns, unit))
    return (start if unit == "D" else start * 7 - _MONDAY_SHIFT) * _NS_PER_DAY
