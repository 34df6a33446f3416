"""One pass over batches of rows: split by group, drop incomplete rows, build and merge blocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from . import _stats
from ._stats import Block, Pattern

__all__ = ["Accumulator"]


class Accumulator:
    """Running sufficient statistics of one pass; :meth:`add` a batch, read :attr:`blocks`.

    The first batch of each group fixes that group's shift (its first complete row's
    values unless ``shift`` is given): every batch is taken about it before its sums are
    corrected to its own mean and merged, so no precision is lost to a large mean.
    """

    def __init__(self, p: int, *, fourth: bool = False, patterns: bool = False, counts: Sequence[str] = (),
                 shift: Any = None) -> None:
        self.p = p
        self.fourth = fourth
        self.patterns = patterns
        self.counts = tuple(counts)
        self.shift = shift
        self.blocks: dict[Any, Block] = {}
        self.n_dropped = 0
        self.scratch: dict[str, Any] = {}  # per-pass working memory of a source (buffers, shifts)
        self.default_shift: np.ndarray | None = None  # a source's shift for every batch (e.g. Parquet statistics)

    def _shift_for(self, level: Any, values: np.ndarray) -> np.ndarray | None:
        if self.shift is None:
            return None
        if isinstance(self.shift, Mapping):
            s = self.shift.get(level)
            return None if s is None else np.asarray(s, dtype=float)
        return np.asarray(self.shift, dtype=float)

    def add(self, values: np.ndarray, groups: np.ndarray | None = None,
            extra: Mapping[str, np.ndarray] | None = None, *, inplace: bool = False) -> None:
        """Add a batch: ``values`` (n x p float64, NaN = missing), ``groups`` (n level values,
        missing = NaN/None, or None for no group), ``extra`` (the count columns). With
        ``inplace`` the batch's buffer may be overwritten."""
        if groups is None:
            self._add_level(None, values, extra, inplace=inplace)
            return
        codes, uniques = pd.factorize(pd.Series(groups, copy=False), sort=False)
        self.add_coded(values, np.asarray(codes), list(uniques), extra, inplace=inplace)

    def add_coded(self, values: np.ndarray, codes: np.ndarray, levels: Sequence[Any],
                  extra: Mapping[str, np.ndarray] | None = None, *, inplace: bool = False) -> None:
        """:meth:`add` with the group given as integer codes into ``levels`` (-1 = missing)."""
        missing = codes < 0
        self.n_dropped += int(missing.sum())
        present = np.unique(codes[~missing]) if missing.any() or len(levels) > 1 else np.arange(len(levels))
        if len(present) == 1 and not missing.any():
            self._add_level(_scalar(levels[present[0]]), values, extra, inplace=inplace)
            return
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(-1, len(levels) + 1))
        for k in present:
            idx = order[bounds[k + 1]:bounds[k + 2]]
            sub_extra = None if extra is None else {c: v[idx] for c, v in extra.items()}
            self._add_level(_scalar(levels[k]), values[idx], sub_extra, inplace=True)

    def add_block(self, level: Any, block: Block, n_dropped: int = 0) -> None:
        """Merge a ready-made block (from SQL aggregates or another engine)."""
        self.n_dropped += n_dropped
        self.blocks[level] = _stats.merge(self.blocks[level], block) if level in self.blocks else block

    def _add_level(self, level: Any, values: np.ndarray, extra: Mapping[str, np.ndarray] | None, *,
                   inplace: bool = False) -> None:
        n = len(values)
        if n == 0:
            return
        current = self.blocks.get(level)
        shift = self._shift_for(level, values)
        if shift is None and current is not None and current.n > 0:
            shift = current.mean
        pats = _pattern_sums(values) if self.patterns else None  # before values may be overwritten
        block = _stats.from_rows(values, higher=self.fourth, shift=shift, inplace=inplace)
        self.n_dropped += n - block.n
        counts = {}
        for col in self.counts:
            vals = pd.Series(extra[col], copy=False)
            counts[col] = _stats.sort_counts(vals.value_counts(dropna=True, sort=False).astype("int64"), col)
        block = _stats.with_parts(block, patterns=pats, counts=MappingProxyType(counts))
        self.blocks[level] = block if current is None else _stats.merge(current, block)

    def clone(self) -> Accumulator:
        """An empty accumulator with the same options (for another thread or partition)."""
        twin = Accumulator(self.p, fourth=self.fourth, patterns=self.patterns, counts=self.counts, shift=self.shift)
        twin.default_shift = self.default_shift
        return twin

    def merge(self, other: Accumulator) -> None:
        """Fold another pass's statistics (e.g. another thread's) into this one."""
        for level, block in other.blocks.items():
            self.add_block(level, block)
        self.n_dropped += other.n_dropped


def _scalar(level: Any) -> Any:
    return level.item() if isinstance(level, np.generic) else level


def _pattern_sums(values: np.ndarray) -> Mapping[bytes, Pattern]:
    """Per missing-data pattern n, mean and centred cross-products, grouped as the FIML
    layer groups rows (:func:`cxstats.sem._missing_patterns.missing_patterns`)."""
    from ..sem._missing_patterns import missing_patterns

    grouped = missing_patterns(values)
    out = {}
    for mask, k, mean, cov in zip(grouped.observed, grouped.freq, grouped.mean, grouped.cov, strict=True):
        out[_stats.pattern_key(mask)] = Pattern(mask=np.asarray(mask, dtype=bool), n=int(k), mean=mean,
                                                cross=cov * int(k))
    return MappingProxyType(out)
