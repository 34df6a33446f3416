"""The entry point :func:`moments`: validate once, pick the source, run one pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._accumulate import Accumulator
from ._core import Moments, MomentsError, build
from ._frame import from_frame
from ._engines import from_dask, from_duckdb, is_dask, is_duckdb
from ._parquet import from_parquet, is_parquet_source

__all__ = ["moments"]


def _names(value: Any, argument: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    try:
        names = list(value)
    except TypeError:
        raise TypeError(f"{argument} must be a column name or a list of column names, got "
                        f"{type(value).__name__}.") from None
    return names


def moments(source: Any, items: Sequence[str], group: str | None = None, *, fourth: bool = False,
            patterns: bool = False, counts: Sequence[str] = (), shift: Any = None,
            batch_rows: int = 131_072, threads: int | None = None) -> Moments:
    """Sufficient statistics of ``items`` per group of ``source``, in one pass.

    Parameters
    ----------
    source : where the rows are: a pandas DataFrame; a Parquet file, directory (its Parquet
        files, recursively), glob pattern or list of these (streamed in Arrow batches, only
        the needed columns read, row groups spread over ``threads``); a DuckDB relation or a
        ``(connection, "SQL query")`` pair (the result streamed as Arrow batches); a Dask
        DataFrame (one Moments per partition on the cluster, tree-reduced with ``+``). DuckDB
        and Dask need ``pip install cxstats[scale]``.
    items : the numeric item columns (p of them).
    group : optional group column; its levels are sorted as pandas sorts them. Rows with a
        missing group are dropped (counted in ``n_dropped``).
    fourth : also keep the centred third- and fourth-order product sums, for
        :meth:`Moments.gamma` (MLR). Costs O(p^4) memory per group.
    patterns : also keep n, mean and centred cross-products per missing-data pattern of
        the observed items (FIML): :meth:`Moments.patterns`.
    counts : columns whose value counts per group are kept (NPS, top-box): :meth:`Moments.counts`.
        Counted over every row with a group, whether or not its items are complete.
    shift : optional centring shift, an array of p values (or a mapping group -> array);
        by default each group's first complete row, then its running mean.
    batch_rows : rows per batch (bounds the memory of temporaries).
    threads : threads over Parquet row groups (default: the number of cores).

    Returns
    -------
    Moments
        ``n``, ``mean``, ``cross`` per group of the listwise-complete rows, ``cov(g, ddof)``,
        ``ml_cov(g)``, ``total()``, ``gamma(g)``, ``patterns(g)``, ``counts(g, column)``;
        ``a + b`` combines two parts exactly.

    Raises
    ------
    MomentsError
        An absent or non-numeric column, a missing file, a failing SQL query, a bad option.
    TypeError
        A source of another type.
    ImportError
        DuckDB or Dask is not installed (the message names ``pip install cxstats[scale]``).

    Notes
    -----
    Each batch is taken about a shift near the mean (the first batch's means), its
    cross-products formed by one BLAS ``syrk`` per cache-sized slice, its sums corrected to its own mean,
    and batches are merged by the pairwise update of Chan, Golub & LeVeque (1979)
    ``cross = cross_a + cross_b + n_a n_b / n (mean_b - mean_a)(mean_b - mean_a)'`` and
    its higher-order analogue (Pebay 2008); raw sums of squares are never formed.

    References
    ----------
    Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise
    algorithm for computing sample variances. Stanford CS report STAN-CS-79-773.
    Pebay, P. (2008). Formulas for robust, one-pass parallel computation of covariances and
    arbitrary-order statistical moments. Sandia report SAND2008-6212.

    Examples
    --------
    >>> import cxstats
    >>> panel = cxstats.simulate_cx_panel(100, seed=1).data
    >>> m = cxstats.moments(panel, ["SAT1", "SAT2", "SAT3"], group="country")
    >>> m.cov("DE").shape
    (3, 3)
    """
    items = _names(items, "items")
    if not items:
        raise MomentsError("items is empty; name at least one numeric item column.")
    if len(set(items)) != len(items):
        dup = sorted({c for c in items if items.count(c) > 1})
        raise MomentsError(f"items names {dup} more than once; name each item column once.")
    if group is not None and group in items:
        raise MomentsError(f"Column {group!r} is both an item and the group; take it out of items.")
    counts = _names(counts, "counts")
    if not isinstance(batch_rows, (int, np.integer)) or isinstance(batch_rows, bool) or batch_rows < 1:
        raise MomentsError(f"batch_rows must be a positive whole number of rows, got {batch_rows!r}.")
    if shift is not None and not isinstance(shift, Mapping):
        arr = np.asarray(shift, dtype=float)
        if arr.shape != (len(items),):
            raise MomentsError(f"shift must hold one value per item ({len(items)}), got shape {arr.shape}.")
    acc = Accumulator(len(items), fourth=bool(fourth), patterns=bool(patterns), counts=counts, shift=shift)
    if isinstance(source, pd.DataFrame):
        from_frame(source, items, group, acc, int(batch_rows))
    elif is_parquet_source(source):
        from_parquet(source, items, group, acc, int(batch_rows), threads)
    elif is_duckdb(source):
        from_duckdb(source, items, group, acc, int(batch_rows))
    elif is_dask(source):
        return from_dask(source, items, group, fourth=bool(fourth), patterns=bool(patterns), counts=counts,
                         shift=shift, batch_rows=int(batch_rows))
    else:
        raise TypeError(f"source must be a pandas DataFrame, a Parquet path, glob or list of paths, a DuckDB "
                        f"relation or (connection, SQL) pair, or a Dask DataFrame; got {type(source).__name__}.")
    order = None
    if isinstance(source, pd.DataFrame) and group is not None and isinstance(source[group].dtype, pd.CategoricalDtype):
        order = tuple(source[group].cat.categories)
    return build(items, group, acc.blocks, fourth=bool(fourth), patterns=bool(patterns), counts=counts,
                 n_dropped=acc.n_dropped, order=order)
