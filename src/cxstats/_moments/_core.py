"""The :class:`Moments` object: sufficient statistics per group, combinable with ``+``."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._errors import CxStatsError
from .._format import listing
from . import _stats
from ._stats import Block, Pattern

__all__ = ["Moments", "MomentsError", "Pattern"]


class MomentsError(CxStatsError):
    """Sufficient statistics cannot be computed, combined or queried as asked."""


def sorted_levels(levels, order: tuple | None = None) -> tuple:
    """Group levels in the order pandas' ``groupby(sort=True)`` gives them (a categorical
    column's category order when ``order`` is given)."""
    levels = list(levels)
    if order is not None and all(level in order for level in levels):
        rank = {level: k for k, level in enumerate(order)}
        return tuple(sorted(levels, key=rank.__getitem__))
    if any(level is None for level in levels):
        return tuple(levels)
    try:
        return tuple(pd.Index(levels).sort_values())
    except TypeError:
        return tuple(levels)


@dataclass(frozen=True, eq=False)
class Moments:
    """Sufficient statistics of ``items`` per group, computed where the data live.

    Made by :func:`cxstats.moments`. Two ``Moments`` of the same items, group and options
    combine exactly with ``a + b`` (the statistics of the rows of both).

    Attributes
    ----------
    items : the item columns, in order (p of them).
    group : the group column, or None.
    groups : the group levels in pandas' sorted order; ``(None,)`` without a group.
    has_fourth : third- and fourth-order sums were kept (``fourth=True``): :meth:`gamma` works.
    has_patterns : per-missing-data-pattern sums were kept (``patterns=True``): :meth:`patterns` works.
    count_columns : the columns whose value counts were kept (``counts=``): :meth:`counts` works.
    n_dropped : rows left out of ``n``/``mean``/``cross``: a missing item (listwise deletion)
        or a missing group value.
    n, mean, cross : read-only mappings group level -> int, (p,) array, (p, p) array of the
        listwise-complete rows; ``cross[g] = sum (x - mean)(x - mean)'``. Without a group
        the one key is ``None``.
    """

    items: tuple[str, ...]
    group: str | None
    groups: tuple
    has_fourth: bool
    has_patterns: bool
    count_columns: tuple[str, ...]
    n_dropped: int
    _blocks: Mapping[Any, Block]
    _order: tuple | None = None  # the categories of a categorical group column

    # ------------------------------------------------------------------ views
    @property
    def n(self) -> Mapping[Any, int]:
        return MappingProxyType({g: int(self._blocks[g].n) for g in self.groups})

    @property
    def mean(self) -> Mapping[Any, np.ndarray]:
        return MappingProxyType({g: _readonly(self._blocks[g].mean) for g in self.groups})

    @property
    def cross(self) -> Mapping[Any, np.ndarray]:
        return MappingProxyType({g: _readonly(self._blocks[g].cross) for g in self.groups})

    @property
    def p(self) -> int:
        return len(self.items)

    @property
    def n_total(self) -> int:
        """Listwise-complete rows over all groups."""
        return int(sum(b.n for b in self._blocks.values()))

    def _block(self, g: Hashable | None) -> Block:
        if g is None and self.group is not None:
            if len(self.groups) != 1:
                raise MomentsError(
                    f"The moments are grouped by {self.group!r} with levels "
                    f"{listing(self.groups, quote=True)}; pass one of them as g, or use .total() for all rows.")
            g = self.groups[0]
        if g not in self._blocks:
            if self.group is None:
                raise MomentsError(f"The moments have no group column, so there is no group {g!r}; leave g out.")
            raise MomentsError(f"No group {g!r} in column {self.group!r}; the levels are "
                               f"{listing(self.groups, quote=True)}.")
        return self._blocks[g]

    def cov(self, g: Hashable | None = None, ddof: int = 1) -> pd.DataFrame:
        """Covariance matrix of group ``g``: ``cross / (n - ddof)``, items as labels."""
        block = self._block(g)
        if block.n - ddof <= 0:
            raise MomentsError(f"Group {g!r} has {block.n} complete rows on the items, too few for a "
                               f"covariance matrix with ddof={ddof}; collect more data or merge groups.")
        return pd.DataFrame(block.cross / (block.n - ddof), index=list(self.items), columns=list(self.items))

    def ml_cov(self, g: Hashable | None = None) -> pd.DataFrame:
        """Covariance matrix with divisor n (maximum likelihood; lavaan's ``sample.cov.rescale``)."""
        return self.cov(g, ddof=0)

    def means(self, g: Hashable | None = None) -> pd.Series:
        """Item means of group ``g`` as a Series."""
        return pd.Series(self._block(g).mean, index=list(self.items), name="mean")

    def gamma(self, g: Hashable | None = None) -> pd.DataFrame:
        """lavaan's Gamma (the asymptotic covariance of sqrt(n) (means, vech(cov))) of group ``g``.

        Returns a (p + p(p+1)/2) square DataFrame labelled as ``lavInspect(fit, "gamma")``
        with a mean structure: ``x1~1``, ..., then ``x1~~x1``, ``x1~~x2``, ... (vech order).

        Notes
        -----
        Gamma is the ML covariance matrix (divisor n) of ``z_i = (x_i, vech(c_i c_i'))``
        with ``c_i = x_i - mean``: the blocks are ``S``, ``M3 / n`` and
        ``M4 / n - vech(S) vech(S)'`` where ``M3``, ``M4`` are the centred third- and
        fourth-order product sums. Checked against lavaan 0.6.14 ``lavInspect(fit, "gamma")``
        (``estimator = "MLR"``, ``meanstructure = TRUE``) on HolzingerSwineford1939 and against
        the row-based scores of the saturated model (``sem._robust.saturated_information``).
        """
        if not self.has_fourth:
            raise MomentsError("Gamma needs the third- and fourth-order sums; compute the moments with "
                               "cxstats.moments(..., fourth=True).")
        block = self._block(g)
        if block.n == 0:
            raise MomentsError(f"Group {g!r} has no complete rows on the items, so Gamma is undefined.")
        p, n = self.p, block.n
        r, c = _stats.vech_index(p)
        s = block.cross / n
        vs = s[r, c]
        top = np.hstack([s, block.third[:, r, c] / n])
        bottom = np.hstack([block.third[r, c, :] / n, block.fourth[r, c][:, r, c] / n - np.outer(vs, vs)])
        labels = [f"{x}~1" for x in self.items] + [f"{self.items[j]}~~{self.items[i]}" for i, j in zip(r, c)]
        return pd.DataFrame(np.vstack([top, bottom]), index=labels, columns=labels)

    def patterns(self, g: Hashable | None = None) -> list[Pattern]:
        """The missing-data patterns of group ``g``: ``Pattern(mask, n, mean, cross)`` each.

        ``mask`` marks the observed items; ``mean`` and ``cross`` are of the observed items.
        Rows missing every item are left out (as lavaan does). The order is stable: most
        observed items first, then by the mask (observed before missing, item by item).
        """
        if not self.has_patterns:
            raise MomentsError("Missing-data patterns were not kept; compute the moments with "
                               "cxstats.moments(..., patterns=True).")
        block = self._block(g)
        pats = list(block.patterns.values())
        pats.sort(key=lambda pt: (-int(pt.mask.sum()), tuple(~pt.mask)))
        return pats

    def counts(self, g: Hashable | None, column: str) -> pd.Series:
        """Value counts of ``column`` in group ``g`` (index: value, sorted; name ``count``)."""
        if column not in self.count_columns:
            kept = listing(self.count_columns, quote=True) if self.count_columns else "none"
            raise MomentsError(f"No counts of column {column!r} were kept (kept: {kept}); compute the moments "
                               f"with cxstats.moments(..., counts=[{column!r}]).")
        return self._block(g).counts[column].copy()

    # ------------------------------------------------------------------ combination
    def total(self) -> Moments:
        """The statistics of all groups pooled (no group)."""
        block = _stats.empty_block(self.p, higher=self.has_fourth)
        block = _stats.with_parts(block, patterns=MappingProxyType({}) if self.has_patterns else None)
        for g in self.groups:
            block = _stats.merge(block, self._blocks[g])
        return Moments(items=self.items, group=None, groups=(None,), has_fourth=self.has_fourth,
                       has_patterns=self.has_patterns, count_columns=self.count_columns,
                       n_dropped=self.n_dropped, _blocks=MappingProxyType({None: block}))

    def __add__(self, other: object) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        for what, mine, theirs in (("items", self.items, other.items), ("group", self.group, other.group),
                                   ("fourth", self.has_fourth, other.has_fourth),
                                   ("patterns", self.has_patterns, other.has_patterns),
                                   ("counts", self.count_columns, other.count_columns)):
            if mine != theirs:
                raise MomentsError(f"Cannot add moments that differ in {what}: {mine!r} and {theirs!r}; compute "
                                   f"both with the same items, group and options.")
        blocks = dict(self._blocks)
        for g, block in other._blocks.items():
            blocks[g] = _stats.merge(blocks[g], block) if g in blocks else block
        order = self._order if self._order == other._order else None
        return Moments(items=self.items, group=self.group, groups=sorted_levels(blocks, order),
                       has_fourth=self.has_fourth, has_patterns=self.has_patterns, count_columns=self.count_columns,
                       n_dropped=self.n_dropped + other.n_dropped, _blocks=MappingProxyType(blocks), _order=order)

    def __radd__(self, other: object) -> Moments:
        if isinstance(other, int) and other == 0:  # sum([...]) starts at 0
            return self
        return NotImplemented

    def __repr__(self) -> str:
        what = f"group {self.group!r}: " + ", ".join(f"{g!r} n={self._blocks[g].n}" for g in self.groups) \
            if self.group is not None else f"n={self.n_total}"
        extras = [name for name, on in (("fourth", self.has_fourth), ("patterns", self.has_patterns)) if on]
        if self.count_columns:
            extras.append("counts " + ", ".join(self.count_columns))
        tail = f"; {'; '.join(extras)}" if extras else ""
        return f"Moments({len(self.items)} items, {what}, {self.n_dropped} rows dropped{tail})"


def _readonly(a: np.ndarray) -> np.ndarray:
    a = a.view()
    a.flags.writeable = False
    return a


def build(items: Sequence[str], group: str | None, blocks: Mapping[Any, Block], *, fourth: bool, patterns: bool,
          counts: Sequence[str], n_dropped: int, order: tuple | None = None) -> Moments:
    blocks = dict(blocks)
    if group is None and None not in blocks:
        empty = _stats.empty_block(len(items), higher=fourth)
        blocks[None] = _stats.with_parts(empty, patterns=MappingProxyType({}) if patterns else None,
                                         counts=MappingProxyType({c: _stats.sort_counts(pd.Series([], dtype="int64"), c)
                                                                  for c in counts}))
    return Moments(items=tuple(items), group=group,
                   groups=sorted_levels(blocks, order) if group is not None else (None,),
                   has_fourth=fourth, has_patterns=patterns, count_columns=tuple(counts), n_dropped=int(n_dropped),
                   _blocks=MappingProxyType(dict(blocks)), _order=order)
