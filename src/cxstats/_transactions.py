"""Checks and per-customer totals of purchase records, shared by the RFM and purchase summaries.

Everything here is vectorised over NumPy arrays so that ten million transactions take
seconds: customers are factorised once, totals are ``bincount`` sums and first/last dates
are grouped maxima.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import CxStatsError, CxStatsWarning
from ._format import listing
from ._validation import check_frame, one_of, warn

_NS_PER_DAY = 86_400 * 10**9
DUPLICATES = ("warn", "keep", "drop")


class DuplicateTransactionsWarning(CxStatsWarning):
    """Rows of the purchase records repeat another row exactly: a double export, or separate purchases?"""


@dataclass(frozen=True)
class Transactions:
    """Validated purchase records as arrays: ``codes`` index ``customers``; ``dates`` are
    int64 nanoseconds since 1970; ``amounts`` are non-negative floats."""

    customers: pd.Index
    codes: np.ndarray
    dates: np.ndarray
    amounts: np.ndarray
    excluded: int
    duplicates: int = 0
    problems: tuple[str, ...] = ()


def read_transactions(data: pd.DataFrame, *, customer: str, date: str, amount: str, where: str,
                      as_of: object = None, duplicates: str = "warn",
                      as_of_name: str = "as_of") -> tuple[Transactions, pd.Timestamp]:
    """Check the three columns and return the records up to ``as_of`` (default: the last date).

    Rows that repeat another row exactly (every column equal) are counted as purchases
    with a :class:`DuplicateTransactionsWarning` (``duplicates="warn"``), silently
    (``"keep"``: they are separate purchases) or left out (``"drop"``: a double export).
    With ``as_of=None`` a date after today is an error: recency would be counted to it.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{where} needs a pandas DataFrame of transactions, Parquet file(s) or a DuckDB relation, "
                        f"got {type(data).__name__}.")
    check_frame(data, where=where, name="transactions")
    one_of("duplicates", duplicates, DUPLICATES)
    absent = [c for c in (customer, date, amount) if c not in data.columns]
    if absent:
        raise CxStatsError(
            f"{where}: no column {listing(absent, quote=True)} in the transactions; the data have "
            f"{listing(data.columns, limit=20, quote=True)}. Name the columns with customer=, date=, amount=."
        )
    if len(data) == 0:
        raise CxStatsError(f"{where}: the transactions are empty (0 rows); there is nothing to summarise.")
    ids = data[customer]
    missing_id = ids.isna().to_numpy()
    if missing_id.any():
        rows = data.index[missing_id]
        raise CxStatsError(f"{where}: column '{customer}' has no customer id in row(s) {listing(rows)}. "
                           "Drop those transactions or fill in the customer.")
    dates = _dates(data[date], date, where)
    amounts = _amounts(data[amount], amount, where)
    # every column, so that rows told apart by an order id are not repeats; "keep" skips the check
    repeated = np.zeros(len(data), dtype=bool) if duplicates == "keep" else data.duplicated(keep="first").to_numpy()
    n_repeated, problems = int(repeated.sum()), []
    if n_repeated and duplicates == "drop":
        ids, dates, amounts = ids[~repeated], dates[~repeated], amounts[~repeated]
    elif n_repeated and duplicates == "warn":
        problems.append(warn(
            f"{where}: {n_repeated} row(s) repeat an earlier row exactly (rows {listing(data.index[repeated])}) and "
            "are counted as separate purchases. If they are a double export pass duplicates='drop' (or "
            "drop_duplicates() first); if they are genuine repeat purchases pass duplicates='keep'.",
            DuplicateTransactionsWarning))
    if as_of is None:
        today = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
        future = dates >= today.value
        if future.any():
            rows = ids.index[future]
            shown = [str(pd.Timestamp(v).date()) for v in dates[future]]
            raise CxStatsError(
                f"{where}: column '{date}' has dates after today ({(today - pd.Timedelta(days=1)).date()}) in "
                f"row(s) {listing(rows)}: {listing(shown)}; with {as_of_name}=None recency would be counted to the "
                f"latest of them. Fix or drop those rows, or pass {as_of_name}= (later transactions are then left "
                "out)."
            )
    last = int(dates.max())
    cutoff = last if as_of is None else _timestamp_ns(as_of, where, name=as_of_name)
    first = int(dates.min())
    if cutoff < first:
        raise CxStatsError(
            f"{where}: {as_of_name} {_show(cutoff)} is before the first transaction ({_show(first)}); no "
            f"customer had bought by then. Pass a date from {_show(first)} on, or {as_of_name}=None for the last "
            f"date ({_show(last)})."
        )
    keep = dates <= cutoff
    excluded = int(keep.size - keep.sum())
    if excluded:
        ids, dates, amounts = ids[keep], dates[keep], amounts[keep]
    codes, customers = _factorize(ids)
    records = Transactions(customers=customers, codes=codes, dates=dates, amounts=amounts, excluded=excluded,
                           duplicates=n_repeated, problems=tuple(problems))
    return records, pd.Timestamp(cutoff)


def per_customer(records: Transactions) -> dict[str, np.ndarray]:
    """Purchases, total spend and first/last purchase (ns) of every customer, in ``customers`` order."""
    n = len(records.customers)
    frequency = np.bincount(records.codes, minlength=n)
    monetary = np.bincount(records.codes, weights=records.amounts, minlength=n)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, records.codes, records.dates)
    np.maximum.at(last, records.codes, records.dates)
    return {"frequency": frequency, "monetary": monetary, "first": first, "last": last}


def visit_gaps(records: Transactions) -> tuple[np.ndarray, np.ndarray]:
    """Days between consecutive purchase days of the same customer, and each gap's customer code.

    Several purchases on one calendar day count as one visit, so a gap is never zero.
    """
    days = np.floor_divide(records.dates, _NS_PER_DAY)
    visits = np.sort(records.codes * np.int64(1 << 32) + (days - days.min()))
    visits = visits[np.r_[True, visits[1:] != visits[:-1]]]
    codes, day = np.divmod(visits, np.int64(1 << 32))
    same = codes[1:] == codes[:-1]
    return np.diff(day)[same].astype(float), codes[1:][same]


def _factorize(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Customer codes 0..k-1 in the sorted order of the ids (unsorted if the ids cannot be ordered)."""
    codes, uniques = pd.factorize(ids)
    try:
        order = np.asarray(uniques.argsort())
    except TypeError:
        return codes.astype(np.int64, copy=False), pd.Index(uniques, name="customer")
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    return position[codes], pd.Index(uniques.take(order), name="customer")


def _dates(column: pd.Series, name: str, where: str) -> np.ndarray:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        parsed = column.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(column.dtype):
        parsed = column
    else:
        if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            raise CxStatsError(
                f"{where}: column '{name}' holds numbers ({column.dtype}), not dates. Convert it with "
                "pd.to_datetime (e.g. unit='D' and origin= for day counts, or format='%Y%m%d') first."
            )
        parsed = pd.to_datetime(column, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        bad = (parsed.isna() & column.notna()).to_numpy()
        if bad.any():
            raise CxStatsError(
                f"{where}: column '{name}' has dates that cannot be read in row(s) {listing(column.index[bad])}: "
                f"{listing(column[bad].tolist(), quote=True)}. Write them as YYYY-MM-DD or parse the column with "
                "pd.to_datetime(..., format=...) first."
            )
    missing = parsed.isna().to_numpy()
    if missing.any():
        raise CxStatsError(f"{where}: column '{name}' has no date in row(s) {listing(column.index[missing])}. "
                           "Drop those transactions or fill in the date.")
    return parsed.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _amounts(column: pd.Series, name: str, where: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype):
        raise CxStatsError(f"{where}: column '{name}' is True/False; it must hold purchase amounts.")
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    if missing.any():
        text = column.notna().to_numpy() & missing
        detail = f" (not numbers: {listing(column[text].tolist(), quote=True)})" if text.any() else ""
        raise CxStatsError(
            f"{where}: column '{name}' has no valid amount in row(s) {listing(column.index[missing])}{detail}. "
            "Drop those transactions or fill in the amount."
        )
    negative = values < 0
    if negative.any():
        raise CxStatsError(
            f"{where}: column '{name}' has negative amounts in row(s) {listing(column.index[negative])}: "
            f"{listing(values[negative].tolist())}. Net returns against their purchases or drop them first."
        )
    if not np.isfinite(values).all():
        rows = column.index[~np.isfinite(values)]
        raise CxStatsError(f"{where}: column '{name}' has infinite amounts in row(s) {listing(rows)}.")
    return values


def _timestamp_ns(value: object, where: str, *, name: str = "as_of", example: str = "1998-06-30",
                  missing: str = "a date or None") -> int:
    """``value`` as nanoseconds since the epoch (UTC, time zone dropped); errors name ``name``."""
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CxStatsError(f"{where}: {name} {value!r} is not a date; pass e.g. '{example}'.") from None
    if stamp is pd.NaT:
        raise CxStatsError(f"{where}: {name} is missing (NaT); pass {missing}.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int(stamp.as_unit("ns").value)


def _show(ns: int) -> str:
    stamp = pd.Timestamp(ns)
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)
