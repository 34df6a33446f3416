"""Optional engines: DuckDB (a relation, or a connection and a SQL query) and Dask DataFrames.

Both are optional dependencies (``pip install cxstats[scale]``) imported only when such a
source is passed. DuckDB streams the query's result as Arrow record batches into the same
inner loop as Parquet (the benchmark in benchmarks/bench_moments.py found this faster than
pushing the cross-products into SQL); Dask maps every partition to a :class:`Moments` and
tree-reduces them with ``+``, so the work runs where the partitions live.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from ._accumulate import Accumulator
from ._arrow import add_batch, check_schema
from ._core import MomentsError

__all__ = ["is_dask", "is_duckdb", "from_dask", "from_duckdb", "require"]


def require(module: str, what: str) -> Any:
    """Import an optional engine or explain how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs the optional package {module!r}; install the scale extra with "
                          f"`pip install cxstats[scale]`.") from None


def _type_is(obj: Any, name: str, package: str) -> bool:
    return any(cls.__name__ == name and package in (cls.__module__ or "") for cls in type(obj).__mro__)


def is_duckdb(source: Any) -> bool:
    if _type_is(source, "DuckDBPyRelation", "duckdb"):
        return True
    return (isinstance(source, tuple) and len(source) == 2 and _type_is(source[0], "DuckDBPyConnection", "duckdb"))


def is_dask(source: Any) -> bool:
    return _type_is(source, "DataFrame", "dask")


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _relation(source: Any):
    if isinstance(source, tuple):
        con, sql = source
        if not isinstance(sql, str):
            raise TypeError(f"A DuckDB source is (connection, SQL query string); the second element is a "
                            f"{type(sql).__name__}.")
        try:
            return con.sql(sql)
        except Exception as exc:  # duckdb.Error subclasses: parser, catalog, binder errors
            raise MomentsError(f"DuckDB could not run the query ({str(exc).splitlines()[0]}); fix the SQL.") from None
    return source


def from_duckdb(source: Any, items: Sequence[str], group: str | None, acc: Accumulator, batch_rows: int) -> None:
    require("duckdb", "A DuckDB source")
    rel = _relation(source)
    columns = list(dict.fromkeys([*items, *([group] if group is not None else []), *acc.counts]))
    from ._frame import check_columns

    check_columns(list(rel.columns), items, group, acc.counts, where="the DuckDB query")
    rel = rel.project(", ".join(_quote(c) for c in columns))
    reader = rel.to_arrow_reader(batch_rows) if hasattr(rel, "to_arrow_reader") else rel.fetch_record_batch(batch_rows)
    check_schema(reader.schema, items, group, acc.counts, where="the DuckDB query")
    for batch in reader:
        add_batch(batch, items, group, acc)


def sql_moments(rel, items: Sequence[str], group: str | None = None) -> dict[Any, tuple[int, Any, Any]]:
    """Listwise n, means and centred cross-products per group as two DuckDB aggregate queries
    (means first, then sums of centred products). Kept for the benchmark's comparison."""
    import numpy as np

    p = len(items)
    q = [_quote(c) for c in items]
    complete = " AND ".join(f"{c} IS NOT NULL" for c in q)
    g = _quote(group) if group is not None else "NULL"
    base = rel.filter(complete + (f" AND {g} IS NOT NULL" if group is not None else ""))
    means = base.aggregate(", ".join([f"{g} AS g", "count(*) AS n", *[f"avg({c}) AS m{j}" for j, c in enumerate(q)]]),
                           g if group is not None else "")
    means_rel = means.set_alias("m")
    joined = base.set_alias("d").join(means_rel, f"d.{g} = m.g" if group is not None else "1 = 1")
    products = [f"sum((d.{q[i]} - m.m{i}) * (d.{q[j]} - m.m{j})) AS c{i}_{j}" for i in range(p) for j in range(i, p)]
    sums = joined.aggregate(", ".join(["m.g AS g", "any_value(m.n) AS n",
                                       *[f"any_value(m.m{j}) AS m{j}" for j in range(p)], *products]), "m.g")
    out = {}
    for row in sums.fetchall():
        level, n, mean = row[0], int(row[1]), np.array(row[2:2 + p], dtype=float)
        cross = np.zeros((p, p))
        k = 2 + p
        for i in range(p):
            for j in range(i, p):
                cross[i, j] = cross[j, i] = row[k]
                k += 1
        out[level] = (n, mean, cross)
    return out


def _partition_moments(part, items, group, fourth, patterns, counts, shift, batch_rows):
    from ._api import moments

    return moments(part, items, group, fourth=fourth, patterns=patterns, counts=counts, shift=shift,
                   batch_rows=batch_rows)


def from_dask(source: Any, items: Sequence[str], group: str | None, *, fourth: bool, patterns: bool,
              counts: Sequence[str], shift: Any, batch_rows: int, split_every: int = 8):
    """A Dask DataFrame: one :class:`Moments` per partition, tree-reduced with ``+``."""
    require("dask", "A Dask DataFrame source")
    from dask import delayed

    from ._frame import check_columns

    check_columns(list(source.columns), items, group, counts, where="the Dask DataFrame")
    parts = [delayed(_partition_moments)(part, list(items), group, fourth, patterns, list(counts), shift, batch_rows)
             for part in source.to_delayed()]
    if not parts:
        raise MomentsError("The Dask DataFrame has no partitions; pass a DataFrame with data.")
    while len(parts) > 1:
        parts = [delayed(_sum_all)(parts[k:k + split_every]) for k in range(0, len(parts), split_every)]
    return parts[0].compute()


def _sum_all(parts):
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total
