"""Arrow record batches -> :class:`Accumulator`: the shared inner loop of the Parquet,
DuckDB and Dask sources."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._accumulate import Accumulator
from ._core import MomentsError

__all__ = ["add_batch", "check_schema"]


def check_schema(schema, items: Sequence[str], group: str | None, counts: Sequence[str], *, where: str) -> None:
    """Columns present and item columns numeric, from an Arrow schema."""
    import pyarrow as pa

    from ._frame import check_columns

    check_columns(schema.names, items, group, counts, where=where)
    for c in items:
        t = schema.field(c).type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                or pa.types.is_decimal(t) or pa.types.is_null(t)):
            raise MomentsError(f"Item column {c!r} is not numeric (type {t}) in {where}; recode it to numbers or "
                               f"leave it out of items.")


def _float64(column) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not pa.types.is_floating(column.type):
        column = pc.cast(column, pa.float64())
    return column.to_numpy(zero_copy_only=False)


def add_batch(batch, items: Sequence[str], group: str | None, acc: Accumulator) -> None:
    """Add one Arrow RecordBatch (or Table) to ``acc``: items as float64 (null -> NaN), the
    group dictionary-encoded in Arrow, the count columns as numpy."""
    import pyarrow as pa

    n = batch.num_rows
    if n == 0:
        return
    # items stored column by column (p x n, C order): its transpose is the n x p batch, and
    # subtracting the shift in place and forming y'y (syrk) need no further copy
    buf = np.empty((len(items), n))
    for j, c in enumerate(items):
        buf[j] = _float64(batch.column(c))
    values = buf.T
    extra = {c: batch.column(c).to_numpy(zero_copy_only=False) for c in acc.counts}
    if group is None:
        acc.add(values, None, extra, inplace=True)
        return
    col = batch.column(group)
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if not pa.types.is_dictionary(col.type):
        col = col.dictionary_encode()
    codes = col.indices.to_numpy(zero_copy_only=False)
    if col.indices.null_count:
        codes = np.where(col.indices.is_null().to_numpy(zero_copy_only=False), -1, codes)
    levels = col.dictionary.to_pylist()
    missing_level = [k for k, v in enumerate(levels) if v is None or (isinstance(v, float) and np.isnan(v))]
    codes = codes.astype(np.int64)
    if missing_level:
        codes[np.isin(codes, missing_level)] = -1
    acc.add_coded(values, codes, levels, extra, inplace=True)
