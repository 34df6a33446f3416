"""Arrow record batches -> :class:`Accumulator`: the shared inner loop of the Parquet,
DuckDB and Dask sources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import warnings
from types import MappingProxyType

import numpy as np
import pandas as pd

from . import _stats
from ._accumulate import Accumulator, _scalar
from ._stats import Block
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


_SLICE = 8192  # rows per product in the fast path: the slice stays in cache between conversion and syrk


def _column_arrays(batch, items: Sequence[str]) -> list[np.ndarray]:
    """Item columns as numpy (zero-copy for float columns without nulls; nulls -> NaN)."""
    import pyarrow as pa

    out = []
    for c in items:
        col = batch.column(c)
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if pa.types.is_floating(col.type) and not pa.types.is_float16(col.type):
            out.append(col.to_numpy(zero_copy_only=False))
        else:
            out.append(_float64(col))
    return out


def _group_codes(batch, group: str) -> tuple[np.ndarray, list]:
    """The group column dictionary-encoded in Arrow: int64 codes (-1 = missing) and levels."""
    import pyarrow as pa

    col = batch.column(group)
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if not pa.types.is_dictionary(col.type):
        col = col.dictionary_encode()
    codes = col.indices.to_numpy(zero_copy_only=False)
    if col.indices.null_count:
        codes = np.where(col.indices.is_null().to_numpy(zero_copy_only=False), -1, codes)
    levels = col.dictionary.to_pylist()
    codes = codes.astype(np.int64)
    missing_level = [k for k, v in enumerate(levels) if v is None or (isinstance(v, float) and np.isnan(v))]
    if missing_level:
        codes[np.isin(codes, missing_level)] = -1
    return codes, levels


class _Scratch:
    """Per-thread state of the fast path: the shift and a reusable (p + 1) x rows buffer whose
    first row is ones, so that one syrk gives n, the sums and the cross-products."""

    def __init__(self, p: int) -> None:
        self.p = p
        self.shift: np.ndarray | None = None
        self.buffer = np.empty((p + 1, 0))

    def take(self, rows: int) -> np.ndarray:
        if self.buffer.shape[1] < rows:
            self.buffer = np.empty((self.p + 1, rows))
            self.buffer[0] = 1.0
        return self.buffer


def _gram(a: np.ndarray) -> tuple[np.ndarray, int]:
    """``a a'`` of an augmented (ones row first) block of shifted rows, without columns holding
    a NaN; returns the product and the number of columns dropped."""
    g = a @ a.T  # numpy calls BLAS syrk for a product with its own transpose
    if np.isfinite(np.diagonal(g)).all():
        return g, 0
    keep = ~np.isnan(a).any(axis=0)
    a = a[:, keep]
    return a @ a.T, int((~keep).sum())


def _gram_rows(cols: list[np.ndarray], shift: np.ndarray, start: int, stop: int,
               scratch: _Scratch) -> tuple[np.ndarray, int]:
    """Augmented cross-products of rows start:stop, a cache-sized slice at a time: each slice
    is converted and shifted into the buffer, then multiplied by its own transpose."""
    g = np.zeros((len(cols) + 1, len(cols) + 1))
    dropped = 0
    buf = scratch.take(min(stop - start, _SLICE))
    for a in range(start, stop, _SLICE):
        b = min(a + _SLICE, stop)
        k = b - a
        for j, col in enumerate(cols):
            np.subtract(col[a:b], shift[j], out=buf[j + 1, :k])
        part, lost = _gram(buf[:, :k])
        g += part
        dropped += lost
    return g, dropped


def _block_from_gram(g: np.ndarray, shift: np.ndarray) -> Block:
    n = int(round(g[0, 0]))
    if n == 0:
        return _stats.empty_block(len(shift))
    s1 = g[0, 1:]
    offset = s1 / n
    cross = g[1:, 1:] - np.outer(s1, offset)
    return Block(n=n, mean=shift + offset, cross=(cross + cross.T) / 2)


def _counts(extra, idx, counts):
    out = {}
    for col in counts:
        vals = extra[col] if idx is None else extra[col][idx]
        out[col] = _stats.sort_counts(pd.Series(vals, copy=False).value_counts(dropna=True, sort=False)
                                      .astype("int64"), col)
    return MappingProxyType(out)


def fast_eligible(acc: Accumulator) -> bool:
    """The fast path computes listwise n, means and cross-products only."""
    return not (acc.fourth or acc.patterns or isinstance(acc.shift, Mapping))


def add_columns(cols: list[np.ndarray], n: int, grouping: tuple[np.ndarray, list] | None,
                extra: Mapping[str, np.ndarray], acc: Accumulator) -> None:
    """Listwise n, mean and cross-products of a batch given as item columns (numpy, NaN =
    missing), optional group codes (-1 = missing) with their levels and the count columns:
    each column is converted and shifted into a reused buffer in one pass, then one syrk per
    cache-sized slice (or per group)."""
    scratch = acc.scratch.get("fast")
    if scratch is None:
        scratch = acc.scratch["fast"] = _Scratch(len(cols))
    if scratch.shift is None:
        if acc.shift is not None and not isinstance(acc.shift, Mapping):
            scratch.shift = np.asarray(acc.shift, dtype=float)
        elif acc.default_shift is not None:
            scratch.shift = np.asarray(acc.default_shift, dtype=float)
        else:  # the first batch's column means (NaN-free): near every group's mean on the scale of the data
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: shift 0
                means = np.array([np.nanmean(c) if len(c) else 0.0 for c in cols], dtype=float)
            scratch.shift = np.where(np.isfinite(means), means, 0.0)
    shift = scratch.shift
    if grouping is None:
        g, dropped = _gram_rows(cols, shift, 0, n, scratch)
        block = _stats.with_parts(_block_from_gram(g, shift), counts=_counts(extra, None, acc.counts))
        acc.add_block(None, block, n_dropped=dropped)
        return
    codes, levels = grouping
    missing = codes < 0
    acc.n_dropped += int(missing.sum())
    change = np.flatnonzero(np.diff(codes)) + 1
    if len(change) < 64:  # rows clustered by group (a sorted or partitioned file): contiguous runs
        starts = np.concatenate([[0], change])
        stops = np.concatenate([change, [n]])
        for a, b in zip(starts, stops, strict=True):
            if codes[a] < 0:
                continue
            g, lost = _gram_rows(cols, shift, int(a), int(b), scratch)
            block = _stats.with_parts(_block_from_gram(g, shift), counts=_counts(extra, slice(a, b), acc.counts))
            acc.add_block(_scalar(levels[codes[a]]), block, n_dropped=lost)
        return
    buf = scratch.take(n)
    for j, col in enumerate(cols):
        np.subtract(col, shift[j], out=buf[j + 1, :n])
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(-1, len(levels) + 1))
    for k, level in enumerate(levels):
        idx = order[bounds[k + 1]:bounds[k + 2]]
        if len(idx) == 0:
            continue
        part, lost = _gram(buf[:, idx])
        block = _stats.with_parts(_block_from_gram(part, shift), counts=_counts(extra, idx, acc.counts))
        acc.add_block(_scalar(level), block, n_dropped=lost)


def add_batch(batch, items: Sequence[str], group: str | None, acc: Accumulator) -> None:
    """Add one Arrow RecordBatch (or Table) to ``acc``: items as float64 (null -> NaN), the
    group dictionary-encoded in Arrow, the count columns as numpy."""
    if batch.num_rows == 0:
        return
    extra = {c: batch.column(c).to_numpy(zero_copy_only=False) for c in acc.counts}
    if fast_eligible(acc):
        add_columns(_column_arrays(batch, items), batch.num_rows,
                    None if group is None else _group_codes(batch, group), extra, acc)
        return
    # items stored column by column (p x n, C order): its transpose is the n x p batch, and
    # subtracting the shift in place and forming y'y (syrk) need no further copy
    buf = np.empty((len(items), batch.num_rows))
    for j, col in enumerate(_column_arrays(batch, items)):
        buf[j] = col
    values = buf.T
    if group is None:
        acc.add(values, None, extra, inplace=True)
        return
    codes, levels = _group_codes(batch, group)
    acc.add_coded(values, codes, levels, extra, inplace=True)
