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

    def _shift_for(self, level: Any, values: np.ndarray) -> np.ndarray | None:
        if self.shift is None:
            return None
        if isinstance(self.shift, Mapping):
            s = self.shift.get(level)
            return None if s is None else np.asarray(s, dtype=float)
        return np.asarray(self.shift, dtype=float)

    def add(self, values: np.ndarray, groups: np.ndarray | None = None,
            extra: Mapping[str, np.ndarray] | None = None) -> None:
        """Add a batch: ``values`` (n x p float64, NaN = missing), ``groups`` (n level values,
        missing = NaN/None, or None for no group), ``extra`` (the count columns)."""
        if groups is None:
            self._add_level(None, values, extra)
            return
        codes, uniques = pd.factorize(pd.Series(groups, copy=False), sort=False)
        missing = codes < 0
        self.n_dropped += int(missing.sum())
        if len(uniques) == 1 and not missing.any():
            self._add_level(_scalar(uniques[0]), values, extra)
            return
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(-1, len(uniques) + 1))
        for k, level in enumerate(uniques):
            idx = order[bounds[k + 1]:bounds[k + 2]]
            sub_extra = None if extra is None else {c: v[idx] for c, v in extra.items()}
            self._add_level(_scalar(level), values[idx], sub_extra)

    def add_block(self, level: Any, block: Block, n_dropped: int = 0) -> None:
        """Merge a ready-made block (from SQL aggregates or another engine)."""
        self.n_dropped += n_dropped
        self.blocks[level] = _stats.merge(self.blocks[level], block) if level in self.blocks else block

    def _add_level(self, level: Any, values: np.ndarray, extra: Mapping[str, np.ndarray] | None) -> None:
        n = len(values)
        if n == 0:
            return
        current = self.blocks.get(level)
        shift = self._shift_for(level, values)
        if shift is None and current is not None and current.n > 0:
            shift = current.mean
        block = _complete_block(values, fourth=self.fourth, shift=shift)
        self.n_dropped += n - block.n
        pats = _pattern_sums(values) if self.patterns else None
        counts = {}
        for col in self.counts:
            vals = pd.Series(extra[col], copy=False)
            counts[col] = _stats.sort_counts(vals.value_counts(dropna=True, sort=False).astype("int64"), col)
        block = _stats.with_parts(block, patterns=pats, counts=MappingProxyType(counts))
        self.blocks[level] = block if current is None else _stats.merge(current, block)


def _scalar(level: Any) -> Any:
    return level.item() if isinstance(level, np.generic) else level


def _complete_block(values: np.ndarray, *, fourth: bool, shift: np.ndarray | None) -> Block:
    """Listwise-complete rows of a batch as a block. A batch without NaN (the usual case)
    is detected from its column sums and never copied for filtering."""
    if shift is None:
        rows = ~np.isnan(values).any(axis=1)
        if not rows.any():
            return _stats.empty_block(values.shape[1], higher=fourth)
        shift = values[np.argmax(rows)]
        if not rows.all():
            values = values[rows]
        return _stats.from_rows(values, higher=fourth, shift=shift)
    if np.isfinite(values.sum(axis=0)).all():
        return _stats.from_rows(values, higher=fourth, shift=shift)
    rows = ~np.isnan(values).any(axis=1)
    return _stats.from_rows(values[rows], higher=fourth, shift=shift)


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
