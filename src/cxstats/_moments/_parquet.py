"""The Parquet source: files streamed in Arrow batches, columns projected, row groups spread
over threads, each thread with its own running statistics merged at the end."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._accumulate import Accumulator
from ._arrow import add_batch, check_schema
from .._parquet_files import parquet_files
from ._core import MomentsError

__all__ = ["is_parquet_source", "parquet_paths", "from_parquet"]

def is_parquet_source(source: Any) -> bool:
    if isinstance(source, (str, os.PathLike)):
        return True
    return isinstance(source, (list, tuple)) and bool(source) and all(
        isinstance(s, (str, os.PathLike)) for s in source)


def parquet_paths(source: Any) -> list[str]:
    """A path, a directory (its Parquet files, recursively), a glob or a list of these -> files."""
    return parquet_files(source, where="cxstats.moments", error=MomentsError)


def from_parquet(source: Any, items: Sequence[str], group: str | None, acc: Accumulator, batch_rows: int,
                 threads: int | None = None) -> None:
    import pyarrow.parquet as pq

    paths = parquet_paths(source)
    columns = list(dict.fromkeys([*items, *([group] if group is not None else []), *acc.counts]))
    units = []
    for path in paths:
        try:
            meta = pq.read_metadata(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for a non-Parquet file
            raise MomentsError(f"Cannot read {path!r} as Parquet ({exc}); pass Parquet files only.") from None
        check_schema(meta.schema.to_arrow_schema(), items, group, acc.counts, where=f"the Parquet file {path!r}")
        units.extend((path, rg) for rg in range(meta.num_row_groups))
    workers = max(1, min(threads or os.cpu_count() or 1, len(units)))

    acc.default_shift = _midrange(paths[0], items) if acc.shift is None else None
    local = threading.local()

    def run(unit: tuple[str, int]) -> Accumulator:
        # one accumulator per row group, merged in file order below: the result does not depend
        # on how the row groups were spread over the threads
        path, rg = unit
        own = acc.clone()
        if not hasattr(local, "files"):
            local.files, local.scratch = {}, {}
        own.scratch = local.scratch  # the conversion buffer is reused by every row group of a thread
        handle = local.files.get(path)
        if handle is None:
            handle = local.files[path] = pq.ParquetFile(path, memory_map=True)
        for batch in handle.iter_batches(batch_size=batch_rows, row_groups=[rg], columns=columns,
                                         use_threads=workers == 1):
            add_batch(batch, items, group, own)
        return own

    if workers == 1:
        for unit in units:
            acc.merge(run(unit))
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(run, units):
            acc.merge(part)


def _midrange(path: str, items: Sequence[str]):
    """(min + max) / 2 of each item in the first row group, from the Parquet statistics: a
    shift inside the data's range, known before any row is read. None if not recorded."""
    import numpy as np
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    if meta.num_row_groups == 0:
        return None
    names = [meta.schema.column(k).name for k in range(meta.num_columns)]
    rg = meta.row_group(0)
    out = []
    for c in items:
        if c not in names:
            return None
        stats = rg.column(names.index(c)).statistics
        if stats is None or not stats.has_min_max:
            return None
        try:
            lo, hi = float(stats.min), float(stats.max)
        except (TypeError, ValueError):
            return None
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return None
        out.append((lo + hi) / 2)
    return np.array(out)
