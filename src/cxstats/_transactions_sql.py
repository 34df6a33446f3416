"""Purchase records where they live: Parquet files or a DuckDB table, summarised in DuckDB SQL.

:func:`cxstats.rfm`, :func:`cxstats.purchase_summary`, :func:`cxstats.period_rates`,
:func:`cxstats.clv_summary` and :func:`cxstats.calibration_holdout` accept, in place of a pandas DataFrame, a Parquet source (a
path, a glob such as ``"sales/*.parquet"``, a folder, or a list of paths) or a DuckDB
relation (``con.table("tx")``, ``con.sql("SELECT ...")``), a ``(connection, "SELECT ...")`` pair
(the form :func:`cxstats.moments` takes) or a connection holding one table.
The per-customer (or per-period) aggregates are computed by DuckDB, out of core, and only
they come back to Python; the log itself is never loaded into pandas. The checks are those
of the pandas path (:mod:`cxstats._transactions`), with the same messages; rows are named
by file and zero-based row within it (``row(s) 3 of 'tx.parquet'``), and for a DuckDB
relation, which has no row order, by their number and values.

DuckDB (``pip install cxstats[scale]``) is imported only when such a source is passed.
It was chosen over a polars lazy scan by ``benchmarks/bench_rfm.py``: per-customer totals
of 10^7 Parquet rows took 6.6 s in DuckDB and 7.1 s in polars' streaming engine (16.5 s
and 16.7 s with the exact-duplicate check, peak memory 0.77 and 1.26 GB) on two busy cores
(load average 10), and DuckDB also reads DuckDB tables and spills to disk beyond
:data:`MEMORY_LIMIT`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pandas as pd

from ._errors import CxStatsError
from ._parquet_files import parquet_files
from ._format import listing

if TYPE_CHECKING:
    import duckdb

#: What the transaction functions read besides a pandas DataFrame.
TransactionSource = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]], "duckdb.DuckDBPyRelation",
                          "duckdb.DuckDBPyConnection"]

_NS_PER_DAY = 86_400 * 10**9
_SHOWN = 5
_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE")
#: DuckDB's working memory for Parquet sources (its own connection); beyond it, it spills to a temp folder.
MEMORY_LIMIT = "2GB"


def _is_query(data: Any) -> bool:
    """A ``(DuckDB connection, SQL query)`` pair, the form :func:`cxstats.moments` also takes."""
    return (isinstance(data, tuple) and len(data) == 2 and isinstance(data[1], str)
            and type(data[0]).__module__.split(".")[0] in ("duckdb", "_duckdb"))


def is_source(data: Any) -> bool:
    """True for what this module reads: paths, lists of paths, DuckDB relations, connections or
    (connection, query) pairs."""
    if isinstance(data, (str, os.PathLike)) or _is_query(data):
        return True
    if isinstance(data, (list, tuple)) and data and all(isinstance(p, (str, os.PathLike)) for p in data):
        return True
    return type(data).__module__.split(".")[0] in ("duckdb", "_duckdb")


def _duckdb(where: str):
    try:
        import duckdb
    except ImportError:
        raise ImportError(f"{where}: reading Parquet files or DuckDB tables needs the optional DuckDB engine; "
                          "install it with pip install cxstats[scale] (or pass a pandas DataFrame).") from None
    return duckdb


def quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


@dataclass
class Source:
    """An opened source: every query sees the records as the table ``cx_src``."""

    relation: Any
    rows: Any  # the same files with filename and file_row_number, or None for a DuckDB relation
    files: list[str]
    columns: list[str]
    types: dict[str, str]
    where: str
    error: type[Exception]

    def query(self, sql: str, *, frame: bool = False) -> Any:
        """The rows (or a pandas frame) of ``sql`` run over ``cx_src``."""
        return self._run(self.relation, "cx_src", sql, frame)

    def rows_query(self, sql: str) -> Any:
        return self._run(self.rows, "cx_rows", sql, False)

    def _run(self, relation: Any, name: str, sql: str, frame: bool) -> Any:
        try:
            result = relation.query(name, sql)
            return result.df() if frame else result.fetchall()
        except self.error as exc:
            raise CxStatsError(f"{self.where}: DuckDB could not read the transactions ({_first_line(exc)}). "
                               "Check the files or the relation.") from None

    def rows_text(self, condition: str, value: str | None, total: int) -> tuple[str, list[Any]]:
        """``row(s) 3, 7 of 'tx.parquet'`` (or ``2 row(s)``) and up to five values where ``condition`` holds."""
        if self.rows is None:
            values = [] if value is None else [v[0] for v in self.query(
                f"SELECT {value} FROM cx_src WHERE {condition} LIMIT {_SHOWN + 1}")]
            return f"{total} row(s)", values
        order = "list_position(" + _sql_list(self.files) + ", filename)"
        found = self.rows_query(f"SELECT filename, file_row_number{'' if value is None else ', ' + value} FROM cx_rows "
                                f"WHERE {condition} ORDER BY {order}, file_row_number LIMIT {_SHOWN + 1}")
        return _row_names(self.files, [(f, r) for f, r, *_ in found], total), [v[2] for v in found if len(v) > 2]


def open_source(data: Any, where: str) -> Source:
    """Open Parquet files (path, glob, folder or list) or take a DuckDB relation or one-table connection."""
    duckdb = _duckdb(where)
    if isinstance(data, duckdb.DuckDBPyRelation):
        relation, rows, files = data, None, []
    elif _is_query(data):
        try:
            relation, rows, files = data[0].sql(data[1]), None, []
        except duckdb.Error as exc:
            raise CxStatsError(f"{where}: DuckDB could not run the query ({_first_line(exc)}); fix the SQL.") from None
    elif isinstance(data, duckdb.DuckDBPyConnection):
        tables = [t[0] for t in data.sql("SHOW TABLES").fetchall()]
        if len(tables) != 1:
            raise CxStatsError(f"{where}: the DuckDB connection holds {len(tables)} tables "
                               f"({listing(tables, quote=True) or 'none'}); pass the one with the transactions, e.g. "
                               "con.table('sales') or con.sql('SELECT ...').")
        relation, rows, files = data.table(tables[0]), None, []
    elif is_source(data) and not type(data).__module__.startswith(("duckdb", "_duckdb")):
        files = _files(data, where)
        con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT,
                                     "temp_directory": os.path.join(tempfile.gettempdir(),
                                                                    f"cxstats-duckdb-{os.getpid()}")})
        try:
            relation = con.read_parquet(files)
            rows = con.read_parquet(files, filename=True, file_row_number=True)
        except duckdb.Error as exc:
            raise CxStatsError(f"{where}: cannot read {_files_label(files)} as Parquet ({_first_line(exc)}). "
                               "Pass Parquet files with the same columns, or a pandas DataFrame.") from None
    else:
        raise TypeError(f"{where} needs a DuckDB relation, not {type(data).__name__}; pass con.table('name').")
    columns = list(relation.columns)
    types = {c: str(t) for c, t in zip(columns, relation.types, strict=True)}
    return Source(relation=relation, rows=rows, files=files, columns=columns, types=types, where=where,
                  error=duckdb.Error)


def _files(data: Any, where: str) -> list[str]:
    return parquet_files(data, where=where, error=CxStatsError)


def _files_label(files: list[str]) -> str:
    return f"'{files[0]}'" if len(files) == 1 else f"{len(files)} files ({listing(files, quote=True)})"


def _row_names(files: list[str], found: list[tuple[str, int]], total: int) -> str:
    shown = found[:_SHOWN]
    if len(files) == 1:
        text = ", ".join(str(r) for _, r in shown)
    else:
        text = ", ".join(f"{os.path.basename(f)}:{r}" for f, r in shown)
    if total > len(shown):
        text += f" and {total - len(shown)} more"
    return f"row(s) {text}" + (f" of '{files[0]}'" if len(files) == 1 else "")


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__


def columns_present(src: Source, wanted: tuple[str, ...], where: str, message: str | None = None) -> None:
    absent = [c for c in wanted if c not in src.columns]
    if absent:
        raise CxStatsError(message or (
            f"{where}: no column {listing(absent, quote=True)} in the transactions; the data have "
            f"{listing(src.columns, limit=20, quote=True)}. Name the columns with customer=, date=, amount="))


def date_expression(src: Source, name: str, where: str) -> tuple[str, bool]:
    """SQL for the date column as int64 ns since 1970 (UTC), and whether text is parsed (can fail)."""
    kind = src.types[name]
    col = quote(name)
    if kind == "TIMESTAMP WITH TIME ZONE":
        return f"epoch_ns({col})", False
    if kind == "TIMESTAMP_NS":
        return f"epoch_ns({col})", False
    if kind in _DATE_TYPES:
        return f"epoch_ns(CAST({col} AS TIMESTAMP))", False
    if kind == "VARCHAR":
        return f"epoch_ns(try_cast({col} AS TIMESTAMP_NS))", True
    if kind.startswith(_NUMBER_TYPES) or kind == "BOOLEAN":
        raise CxStatsError(
            f"{where}: column '{name}' holds numbers ({kind}), not dates. Convert it to a date or timestamp "
            "(e.g. strptime or make_date in DuckDB) first.")
    raise CxStatsError(f"{where}: column '{name}' holds {kind} values, not dates. Store it as a date or timestamp.")


def amount_expression(src: Source, name: str, where: str) -> str:
    kind = src.types[name]
    col = quote(name)
    if kind == "BOOLEAN":
        raise CxStatsError(f"{where}: column '{name}' is True/False; it must hold purchase amounts.")
    if kind.startswith(_NUMBER_TYPES):
        return f"CAST({col} AS DOUBLE)"
    return f"try_cast({col} AS DOUBLE)"


def floor_div(expression: str, divisor: int) -> str:
    """Integer floor division in SQL (DuckDB's // truncates towards zero)."""
    return f"(({expression}) - ((({expression}) % {divisor}) + {divisor}) % {divisor}) // {divisor}"


def show_day(ns: int) -> str:
    stamp = pd.Timestamp(ns)
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def as_array(frame: pd.DataFrame, column: str, dtype: Any) -> np.ndarray:
    return frame[column].to_numpy(dtype=dtype)


@dataclass(frozen=True)
class Checked:
    """A source whose three columns passed the checks: SQL for them and what the check pass found."""

    src: Source
    customer: str  # SQL expressions over cx_src
    time: str  # int64 ns
    amount: str
    n_rows: int
    first: int  # ns
    last: int
    cutoff: int
    mode: str  # duplicates: "keep", "warn" or "drop"
    where: str

    @property
    def every(self) -> str:
        return ", ".join(quote(c) for c in self.src.columns)

    def base(self) -> str:
        """``SELECT c, t, a, k``: with ``"keep"`` one row per record (k = 1); else one row per
        distinct record, k its copies (so that repeated rows are found in the same pass)."""
        if self.mode == "keep":
            return self.rows()
        # group the stored columns first, convert after: the conversions then run once per distinct row
        return (f"SELECT {self.customer} AS c, {self.time} AS t, {self.amount} AS a, cx_copies AS k FROM "
                f"(SELECT {self.every}, count(*) AS cx_copies FROM cx_src GROUP BY {self.every})")

    def rows(self) -> str:
        """``SELECT c, t, a, k``, one row per purchase as counted: every record (k = 1), or with
        ``"drop"`` every distinct record."""
        if self.mode == "drop":
            return self.base()
        return f"SELECT {self.customer} AS c, {self.time} AS t, {self.amount} AS a, 1 AS k FROM cx_src"

    @property
    def purchases(self) -> str:
        """SQL counting purchases over :meth:`base` rows; ``spend`` sums their amounts."""
        return "count(*)" if self.mode == "drop" else "sum(k)"

    @property
    def spend(self) -> str:
        return "sum(a)" if self.mode == "drop" else "sum(a * k)"

    def repeated(self, repeats: pd.Series, customers: pd.Series) -> tuple[int, tuple[str, ...]]:
        """The number of rows repeating an earlier one (from the per-customer ``repeats`` that a
        :meth:`base` aggregation found), and the warning that ``"warn"`` issues, rows named."""
        from ._transactions import DuplicateTransactionsWarning
        from ._validation import warn

        counts = repeats.fillna(0).to_numpy(dtype=np.int64)
        total = int(counts.sum())
        if not total or self.mode != "warn":
            return total, ()
        rows = _repeated_rows(self, customers[counts > 0].tolist(), total)
        return total, (warn(
            f"{self.where}: {total} row(s) repeat an earlier row exactly ({rows}) and are counted as separate "
            "purchases. If they are a double export pass duplicates='drop' (or drop_duplicates() first); if "
            "they are genuine repeat purchases pass duplicates='keep'.", DuplicateTransactionsWarning),)


def check(data: Any, *, customer: str, date: str, amount: str, where: str, as_of: object = None,
          duplicates: str = "warn", as_of_name: str = "as_of") -> Checked:
    """The checks of :func:`cxstats._transactions.read_transactions`, in DuckDB; see there.

    Repeated rows are counted (and warned about) by the aggregation that follows, in the
    same pass: see :meth:`Checked.base` and :meth:`Checked.repeated`.
    """
    from ._transactions import _timestamp_ns
    from ._validation import one_of

    one_of("duplicates", duplicates, ("warn", "keep", "drop"))
    src = open_source(data, where)
    columns_present(src, (customer, date, amount), where)
    c, d, a = quote(customer), quote(date), quote(amount)
    t, parsed = date_expression(src, date, where)
    value = amount_expression(src, amount, where)
    today = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    stats = src.query(f"""
        SELECT count(*), count(*) FILTER (WHERE {c} IS NULL),
               count(*) FILTER (WHERE {d} IS NOT NULL AND {t} IS NULL), count(*) FILTER (WHERE {d} IS NULL),
               count(*) FILTER (WHERE {value} IS NULL OR isnan({value})),
               count(*) FILTER (WHERE {value} < 0), count(*) FILTER (WHERE isinf({value})),
               count(*) FILTER (WHERE {t} >= {today.value}), min({t}), max({t})
        FROM cx_src""")[0]
    n, no_id, unread, no_date, no_amount, negative, infinite, future, first, last = stats
    if n == 0:
        raise CxStatsError(f"{where}: the transactions are empty (0 rows); there is nothing to summarise.")
    if no_id:
        rows, _ = src.rows_text(f"{c} IS NULL", None, no_id)
        raise CxStatsError(f"{where}: column '{customer}' has no customer id in {rows}. "
                           "Drop those transactions or fill in the customer.")
    if parsed and unread:
        rows, values = src.rows_text(f"{d} IS NOT NULL AND {t} IS NULL", d, unread)
        raise CxStatsError(
            f"{where}: column '{date}' has dates that cannot be read in {rows}: {listing(values, quote=True)}. "
            "Write them as YYYY-MM-DD or convert the column to a date first.")
    if no_date:
        rows, _ = src.rows_text(f"{d} IS NULL", None, no_date)
        raise CxStatsError(f"{where}: column '{date}' has no date in {rows}. "
                           "Drop those transactions or fill in the date.")
    if no_amount:
        rows, _ = src.rows_text(f"{value} IS NULL OR isnan({value})", None, no_amount)
        text = [v for v, in src.query(f"SELECT {a} FROM cx_src WHERE {a} IS NOT NULL AND {value} IS NULL "
                                      f"LIMIT {_SHOWN + 1}")]
        detail = f" (not numbers: {listing(text, quote=True)})" if text else ""
        raise CxStatsError(f"{where}: column '{amount}' has no valid amount in {rows}{detail}. "
                           "Drop those transactions or fill in the amount.")
    if negative:
        rows, values = src.rows_text(f"{value} < 0", value, negative)
        raise CxStatsError(f"{where}: column '{amount}' has negative amounts in {rows}: {listing(values)}. "
                           "Net returns against their purchases or drop them first.")
    if infinite:
        rows, _ = src.rows_text(f"isinf({value})", None, infinite)
        raise CxStatsError(f"{where}: column '{amount}' has infinite amounts in {rows}.")
    if as_of is None and future:
        rows, values = src.rows_text(f"{t} >= {today.value}", f"CAST({d} AS DATE)", future)
        raise CxStatsError(
            f"{where}: column '{date}' has dates after today ({(today - pd.Timedelta(days=1)).date()}) in "
            f"{rows}: {listing([str(v) for v in values])}; with {as_of_name}=None recency would be counted to the "
            f"latest of them. Fix or drop those rows, or pass {as_of_name}= (later transactions are then left out).")
    cutoff = int(last) if as_of is None else _timestamp_ns(as_of, where, name=as_of_name)
    if cutoff < first:
        raise CxStatsError(
            f"{where}: {as_of_name} {show_day(cutoff)} is before the first transaction ({show_day(first)}); no "
            f"customer had bought by then. Pass a date from {show_day(first)} on, or {as_of_name}=None for the last "
            f"date ({show_day(last)}).")
    return Checked(src=src, customer=c, time=t, amount=value, n_rows=int(n), first=int(first), last=int(last),
                   cutoff=cutoff, mode=duplicates, where=where)


def _repeated_rows(chk: Checked, customers: list[Any], total: int) -> str:
    """``rows 3, 9 of 'tx.parquet'``: the copies after the first of each repeated row (file order).

    Only the customers known to have repeated rows are looked at (when they are not too
    many), so that this costs a light pass over the files, not another grouping of all rows.
    """
    src = chk.src
    if src.rows is None:
        return f"{total} row(s) of the relation"
    columns = src.columns
    every = chk.every
    only = f" WHERE {chk.customer} IN (SELECT unnest({_sql_values(customers)}))" if len(customers) <= 10_000 else ""
    on = " AND ".join(f"r.{quote(col)} IS NOT DISTINCT FROM g.{quote(col)}" for col in columns)
    order = "list_position(" + _sql_list(src.files) + ", filename)"
    sql = f"""
        WITH picked AS (SELECT * FROM cx_rows{only}),
        g AS (SELECT {every} FROM picked GROUP BY {every} HAVING count(*) > 1),
        copies AS (SELECT filename, file_row_number, {order} AS file_order,
                          row_number() OVER (PARTITION BY {', '.join('r.' + quote(col) for col in columns)}
                                             ORDER BY {order}, file_row_number) AS copy
                   FROM picked r JOIN g ON {on})
        SELECT filename, file_row_number FROM copies WHERE copy > 1 ORDER BY file_order, file_row_number
        LIMIT {_SHOWN + 1}"""
    return _row_names(src.files, src.rows_query(sql), total)


def _sql_values(values: list[Any]) -> str:
    """A SQL list literal of ids (numbers or text)."""
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return "[" + ", ".join(str(int(v)) for v in values) + "]"
    return _sql_list([str(v) for v in values])


def customer_totals(data: Any, *, customer: str, date: str, amount: str, where: str, as_of: object = None,
                    duplicates: str = "warn") -> tuple[Checked, pd.DataFrame, dict[str, Any]]:
    """Purchases, spend, first and last purchase (ns) of every customer who bought by the cutoff.

    Returns the checked source, a frame ``customer, frequency, monetary, first, last`` sorted
    by customer, and ``transactions`` (counted), ``excluded`` (after the cutoff),
    ``duplicates`` (rows repeating an earlier row) and ``problems``.
    """
    chk = check(data, customer=customer, date=date, amount=amount, where=where, as_of=as_of, duplicates=duplicates)
    inside = f"t <= {chk.cutoff}"
    frame = chk.src.query(f"""
        SELECT c AS customer, {chk.purchases} FILTER (WHERE {inside}) AS frequency,
               {chk.spend} FILTER (WHERE {inside}) AS monetary,
               min(t) FILTER (WHERE {inside}) AS first, max(t) FILTER (WHERE {inside}) AS last,
               {chk.purchases} FILTER (WHERE NOT {inside}) AS excluded, sum(k) - count(*) AS repeats
        FROM ({chk.base()}) GROUP BY c ORDER BY c""", frame=True)
    repeated, problems = chk.repeated(frame["repeats"], frame["customer"])
    excluded = int(frame["excluded"].fillna(0).sum())
    frame = frame[frame["frequency"].fillna(0) > 0].reset_index(drop=True)
    counts = {"transactions": int(frame["frequency"].sum()), "excluded": excluded, "duplicates": repeated,
              "problems": problems}
    frame = frame.astype({"frequency": np.int64, "first": np.int64, "last": np.int64})
    return chk, frame.drop(columns=["excluded", "repeats"]), counts


def _distribution_sql(column: str) -> str:
    return (f"count({column}), avg({column}), stddev_samp({column}), min({column}), "
            f"quantile_cont({column}, [0.25, 0.5, 0.75, 0.9]), max({column})")


def _distribution_row(name: str, row: tuple) -> dict:
    n, mean, sd, low, q, high = row
    if not n:
        return {"measure": name, "n": 0, **dict.fromkeys(("mean", "sd", "min", "p25", "median", "p75", "p90", "max"),
                                                          np.nan)}
    return {"measure": name, "n": int(n), "mean": float(mean), "sd": np.nan if sd is None else float(sd),
            "min": float(low), "p25": q[0], "median": q[1], "p75": q[2], "p90": q[3], "max": float(high)}


def purchase_totals(data: Any, *, customer: str, date: str, amount: str, where: str,
                    duplicates: str = "warn") -> tuple[Checked, pd.DataFrame, list[dict], dict[str, Any]]:
    """Per customer: purchases, spend, first and last purchase, purchase days and mean gap (days);
    and the distributions of the amounts and of all gaps between purchase days (rows of
    :func:`cxstats.rfm._distribution`), with the counts of :func:`customer_totals`."""
    chk, frame, counts = customer_totals(data, customer=customer, date=date, amount=amount, where=where,
                                         duplicates=duplicates)
    rows = chk.rows()  # one row per purchase as counted (the distinct days are the same either way)
    day = floor_div("t", _NS_PER_DAY)
    gaps = f"""WITH days AS (SELECT DISTINCT c, {day} AS day FROM ({rows})),
               gaps AS (SELECT c, day - lag(day) OVER (PARTITION BY c ORDER BY day) AS gap FROM days)"""
    visits = chk.src.query(f"""{gaps}
        SELECT c AS customer, count(gap) AS gaps, avg(gap) AS mean_gap FROM gaps GROUP BY c ORDER BY c""", frame=True)
    spread = chk.src.query(f"{gaps} SELECT {_distribution_sql('CAST(gap AS DOUBLE)')} FROM gaps")[0]
    amounts = chk.src.query(f"SELECT {_distribution_sql('a')} FROM ({rows})")[0]
    frame["gaps"] = visits["gaps"].to_numpy(dtype=np.int64)
    frame["mean_gap"] = visits["mean_gap"].to_numpy(dtype=float, na_value=np.nan)
    return chk, frame, [_distribution_row("amount_per_purchase", amounts),
                        _distribution_row("days_between_purchases", spread)], counts


_CALENDAR = "CAST(DATE '1970-01-01' + CAST(day AS INTEGER) AS DATE)"
_PERIOD_SQL = {
    "D": "day",
    "W": floor_div("day + 3", 7),  # Monday-to-Sunday weeks (pandas' W); 1970-01-01 was a Thursday
    "M": f"year({_CALENDAR}) * 12 + month({_CALENDAR}) - 1",
    "Q": f"year({_CALENDAR}) * 4 + quarter({_CALENDAR}) - 1",
    "Y": f"year({_CALENDAR})",
}


def period_counts(data: Any, *, customer: str, date: str, freq: str, where: str) -> dict[str, Any]:
    """Per period (consecutive slots from the first): customers active, new, returning after a gap,
    and active again in the next period; with the first and last date, customers and records."""
    src = open_source(data, where)
    absent = [col for col in (customer, date) if col not in src.columns]
    if absent:
        raise CxStatsError(f"No column {listing(absent, quote=True)} in the transactions; columns: "
                           f"{listing(src.columns, limit=20)}.")
    c, d = quote(customer), quote(date)
    t, parsed = date_expression(src, date, where)
    n, unread, first, last = src.query(f"""
        SELECT count(*) FILTER (WHERE {c} IS NOT NULL AND {t} IS NOT NULL),
               count(*) FILTER (WHERE {d} IS NOT NULL AND {t} IS NULL),
               min({t}) FILTER (WHERE {c} IS NOT NULL), max({t}) FILTER (WHERE {c} IS NOT NULL)
        FROM cx_src""")[0]
    if parsed and unread:
        rows, values = src.rows_text(f"{d} IS NOT NULL AND {t} IS NULL", d, unread)
        raise CxStatsError(f"Column '{date}' has values that are not dates: {rows}: {listing(values)}. Fix them "
                           "or set them to missing.")
    if n < 2:
        raise CxStatsError(f"Too few rows: {int(n)} transaction(s) with a customer and a date.")
    counts = src.query(f"""
        WITH pairs AS (SELECT DISTINCT c, {_PERIOD_SQL[freq]} AS p
                       FROM (SELECT {c} AS c, {floor_div(t, _NS_PER_DAY)} AS day FROM cx_src
                             WHERE {c} IS NOT NULL AND {t} IS NOT NULL)),
             steps AS (SELECT p, lead(p) OVER w AS next, lag(p) OVER w AS previous FROM pairs
                       WINDOW w AS (PARTITION BY c ORDER BY p))
        SELECT p, count(*) AS active, count(*) FILTER (WHERE previous IS NULL) AS new,
               count(*) FILTER (WHERE previous < p - 1) AS returning,
               count(*) FILTER (WHERE next = p + 1) AS repurchased
        FROM steps GROUP BY p ORDER BY p""", frame=True)
    slot = counts["p"].to_numpy(dtype=np.int64)
    slot = slot - slot.min()
    n_slots = int(slot.max()) + 1
    out: dict[str, Any] = {"first": int(first), "last": int(last), "n_transactions": int(n), "n_slots": n_slots}
    for name in ("active", "new", "returning", "repurchased"):
        full = np.zeros(n_slots, dtype=np.int64)
        full[slot] = counts[name].to_numpy(dtype=np.int64)
        out[name] = full
    out["n_customers"] = int(out["new"].sum())
    return out


def period_histories(data: Any, *, customer: str, date: str, amount: str, where: str, as_of: object,
                     duplicates: str, unit: str) -> tuple[Checked, pd.DataFrame, dict[str, Any]]:
    """Per customer, purchases by the cutoff pooled by period (days, or Monday weeks): ``customer,
    periods, first, last`` (period numbers since 1970), ``total`` spend and ``first_spend`` (of the
    first period); with the counts of :func:`customer_totals`."""
    chk = check(data, customer=customer, date=date, amount=amount, where=where, as_of=as_of, duplicates=duplicates)
    day = floor_div("t", _NS_PER_DAY)
    period = day if unit == "D" else floor_div(f"{day} + 3", 7)
    inside = f"t <= {chk.cutoff}"
    frame = chk.src.query(f"""
        WITH pooled AS (SELECT c, {period} AS p, {chk.spend} FILTER (WHERE {inside}) AS s,
                               {chk.purchases} FILTER (WHERE {inside}) AS n,
                               {chk.purchases} FILTER (WHERE NOT {inside}) AS excluded, sum(k) - count(*) AS repeats
                        FROM ({chk.base()}) GROUP BY c, p)
        SELECT c AS customer, count(*) FILTER (WHERE n > 0) AS periods, min(p) FILTER (WHERE n > 0) AS first,
               max(p) FILTER (WHERE n > 0) AS last, sum(s) AS total, arg_min(s, p) FILTER (WHERE n > 0) AS first_spend,
               sum(n) AS n, sum(excluded) AS excluded, sum(repeats) AS repeats
        FROM pooled GROUP BY c ORDER BY c""", frame=True)
    repeated, problems = chk.repeated(frame["repeats"], frame["customer"])
    excluded = int(frame["excluded"].fillna(0).sum())
    frame = frame[frame["periods"] > 0].reset_index(drop=True)
    return chk, frame, {"transactions": int(frame["n"].sum()), "excluded": excluded, "duplicates": repeated,
                        "problems": problems}


def holdout_histories(chk: Checked, calibration_end: int, unit: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`period_histories` of the purchases up to ``calibration_end`` (ns) of a checked source
    (:func:`check` with ``as_of=observation_end``), with each customer's holdout purchases (after
    ``calibration_end``, up to the cutoff), in one pass over the rows.

    Returns a frame ``customer, periods, first, last, total, first_spend`` (as
    :func:`period_histories`, calibration purchases only), ``holdout_periods`` (distinct periods
    with a holdout purchase), ``holdout_rows`` (holdout purchases as counted) and
    ``holdout_spend``: one row per customer who bought by ``calibration_end``, sorted by
    customer; and ``holdout`` (the holdout purchases of every customer), ``duplicates`` (rows
    repeating an earlier row) and ``problems``.
    """
    day = floor_div("t", _NS_PER_DAY)
    period = day if unit == "D" else floor_div(f"{day} + 3", 7)
    cal, holdout = f"t <= {calibration_end}", f"t > {calibration_end} AND t <= {chk.cutoff}"
    frame = chk.src.query(f"""
        WITH pooled AS (SELECT c, {period} AS p, {chk.spend} FILTER (WHERE {cal}) AS s,
                               {chk.purchases} FILTER (WHERE {cal}) AS n,
                               {chk.spend} FILTER (WHERE {holdout}) AS hs,
                               {chk.purchases} FILTER (WHERE {holdout}) AS h,
                               sum(k) - count(*) AS repeats
                        FROM ({chk.base()}) GROUP BY c, p)
        SELECT c AS customer, count(*) FILTER (WHERE n > 0) AS periods, min(p) FILTER (WHERE n > 0) AS first,
               max(p) FILTER (WHERE n > 0) AS last, sum(s) AS total, arg_min(s, p) FILTER (WHERE n > 0) AS first_spend,
               count(*) FILTER (WHERE h > 0) AS holdout_periods, sum(h) AS holdout_rows,
               sum(hs) AS holdout_spend, sum(repeats) AS repeats
        FROM pooled GROUP BY c ORDER BY c""", frame=True)
    repeated, problems = chk.repeated(frame["repeats"], frame["customer"])
    holdout_total = int(frame["holdout_rows"].fillna(0).sum())
    frame = frame[frame["periods"] > 0].reset_index(drop=True)
    frame["holdout_rows"] = frame["holdout_rows"].fillna(0).to_numpy(dtype=np.int64)
    frame["holdout_spend"] = frame["holdout_spend"].fillna(0.0).to_numpy(dtype=float)
    return frame.drop(columns="repeats"), {"holdout": holdout_total, "duplicates": repeated, "problems": problems}
