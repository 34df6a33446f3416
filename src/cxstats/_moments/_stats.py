"""Centred sufficient statistics of one group and their exact, stable combination.

One :class:`Block` holds, for the rows of one group, the count ``n``, the mean and the
centred cross-products ``cross = sum (x - mean)(x - mean)'``; optionally the centred
third- and fourth-order product sums (full symmetric tensors), the same three numbers per
missing-data pattern of the observed part, and value counts of extra columns.

Two blocks combine by shifting each one's centred sums to the combined mean and adding
(Chan, Golub & LeVeque 1979 for the cross-products; Pebay 2008 for the higher orders):
no raw sums of squares are ever formed, so data with a mean of 1e6 and a standard deviation
of 1 lose no digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

from .._vech import vech_index

__all__ = ["Block", "Pattern", "from_rows", "merge", "pattern_key", "shift_sums", "vech_index"]


@dataclass(frozen=True)
class Pattern:
    """One missing-data pattern of a group: ``mask`` (p booleans, True = observed), ``n``
    rows, ``mean`` and centred ``cross`` of the observed items (in item order)."""

    mask: np.ndarray
    n: int
    mean: np.ndarray
    cross: np.ndarray


@dataclass(frozen=True)
class Block:
    """Sufficient statistics of one group (see the module docstring)."""

    n: int
    mean: np.ndarray
    cross: np.ndarray
    third: np.ndarray | None = None
    fourth: np.ndarray | None = None
    patterns: Mapping[bytes, Pattern] | None = None
    counts: Mapping[str, pd.Series] = field(default_factory=lambda: MappingProxyType({}))


_PRODUCT_ROWS = 2_000_000  # elements of the slice of pairwise products formed at once (16 MB)


def _pair_positions(p: int) -> np.ndarray:
    """(p, p) array: position of the pair (i, j) in vech order."""
    r, c = vech_index(p)
    pos = np.empty((p, p), dtype=int)
    pos[r, c] = np.arange(len(r))
    pos[c, r] = np.arange(len(r))
    return pos


def centred_sums(values: np.ndarray, mean: np.ndarray, *, higher: bool) -> tuple[np.ndarray, np.ndarray | None,
                                                                                   np.ndarray | None]:
    """Centred cross-products (and third/fourth-order tensors) of complete rows about ``mean``."""
    y = values - mean
    cross = y.T @ y
    if not higher:
        return cross, None, None
    p = y.shape[1]
    r, c = vech_index(p)
    pos = _pair_positions(p)
    yw = np.zeros((p, len(r)))
    ww = np.zeros((len(r), len(r)))
    step = max(1, _PRODUCT_ROWS // max(len(r), 1))
    for start in range(0, len(y), step):  # the n x p(p+1)/2 products a slice at a time: bounded memory
        part = y[start:start + step]
        w = part[:, r] * part[:, c]  # vech order
        yw += part.T @ w
        ww += w.T @ w
    third = yw[:, pos]
    fourth = ww[pos[:, :, None, None], pos[None, None, :, :]]
    return cross, third, fourth


def from_rows(values: np.ndarray, *, higher: bool = False, shift: np.ndarray | None = None,
              inplace: bool = False) -> Block:
    """A :class:`Block` of the complete rows of ``values`` (n x p float64, NaN = missing),
    without patterns or counts.

    The rows are first taken about ``shift`` (any value near the mean: the accuracy of the
    centred sums only depends on ``|mean - shift|`` relative to the spread; by default the
    first complete row), then corrected exactly to their own mean. ``inplace`` lets the
    shift be subtracted in ``values`` itself (no copy). Rows with a NaN are dropped; a batch
    without one (the usual case) is recognised from its column sums, without a scan.
    """
    p = values.shape[1]
    if shift is None:
        first = values[0] if len(values) else None
        if first is not None and np.isnan(first).any():
            rows = ~np.isnan(values).any(axis=1)
            first = values[np.argmax(rows)] if rows.any() else None
        if first is None:
            return empty_block(p, higher=higher)
        shift = first.copy()
    if inplace:
        values -= shift
        y = values
    else:
        y = values - shift
    s1 = y.sum(axis=0)
    if not np.isfinite(s1).all():
        y = y[~np.isnan(y).any(axis=1)]
        s1 = y.sum(axis=0)
    n = len(y)
    if n == 0:
        return empty_block(p, higher=higher)
    offset = s1 / n
    mean = shift + offset
    if higher:
        cross, third, fourth = centred_sums(y, offset, higher=True)
        return Block(n=n, mean=mean, cross=cross, third=third, fourth=fourth)
    cross = y.T @ y  # numpy calls BLAS syrk for a product with its own transpose
    cross -= np.outer(s1, offset)
    return Block(n=n, mean=mean, cross=(cross + cross.T) / 2)


def empty_block(p: int, *, higher: bool = False) -> Block:
    """A group with no rows (the neutral element of :func:`merge`)."""
    return Block(n=0, mean=np.zeros(p), cross=np.zeros((p, p)),
                 third=np.zeros((p, p, p)) if higher else None,
                 fourth=np.zeros((p, p, p, p)) if higher else None)


def shift_sums(n: int, cross: np.ndarray, third: np.ndarray | None, fourth: np.ndarray | None,
               d: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Sums of products of ``y + d`` from the centred sums of ``y`` (whose sum is zero).

    ``cross' = cross + n dd'``; the third and fourth orders add every placement of ``d``
    in the lower-order tensors (Pebay 2008, eq. 2.1 generalised to products).
    """
    cross2 = cross + n * np.outer(d, d)
    if third is None or fourth is None:
        return cross2, None, None
    dd = np.outer(d, d)
    third2 = (third + np.einsum("ij,k->ijk", cross, d) + np.einsum("ik,j->ijk", cross, d)
              + np.einsum("jk,i->ijk", cross, d) + n * np.einsum("ij,k->ijk", dd, d))
    fourth2 = (fourth
               + np.einsum("ijk,l->ijkl", third, d) + np.einsum("ijl,k->ijkl", third, d)
               + np.einsum("ikl,j->ijkl", third, d) + np.einsum("jkl,i->ijkl", third, d)
               + np.einsum("ij,kl->ijkl", cross, dd) + np.einsum("ik,jl->ijkl", cross, dd)
               + np.einsum("il,jk->ijkl", cross, dd) + np.einsum("jk,il->ijkl", cross, dd)
               + np.einsum("jl,ik->ijkl", cross, dd) + np.einsum("kl,ij->ijkl", cross, dd)
               + n * np.einsum("ij,kl->ijkl", dd, dd))
    return cross2, third2, fourth2


def _merge_centred(na, mean_a, cross_a, third_a, fourth_a, nb, mean_b, cross_b, third_b, fourth_b):
    if nb == 0:
        return na, mean_a, cross_a, third_a, fourth_a
    if na == 0:
        return nb, mean_b, cross_b, third_b, fourth_b
    n = na + nb
    delta = mean_b - mean_a
    mean = mean_a + delta * (nb / n)
    if third_a is None:
        # Chan, Golub & LeVeque: cross = cross_a + cross_b + na nb / n delta delta'
        cross = cross_a + cross_b + np.outer(delta, delta) * (na * nb / n)
        return n, mean, cross, None, None
    ca, ta, fa = shift_sums(na, cross_a, third_a, fourth_a, mean_a - mean)
    cb, tb, fb = shift_sums(nb, cross_b, third_b, fourth_b, mean_b - mean)
    return n, mean, ca + cb, ta + tb, fa + fb


def pattern_key(mask: np.ndarray) -> bytes:
    return np.asarray(mask, dtype=bool).tobytes()


def merge_patterns(a: Mapping[bytes, Pattern] | None, b: Mapping[bytes, Pattern] | None):
    if a is None or b is None:
        return None
    out = dict(a)
    for key, pb in b.items():
        pa = out.get(key)
        if pa is None:
            out[key] = pb
            continue
        n, mean, cross, _, _ = _merge_centred(pa.n, pa.mean, pa.cross, None, None, pb.n, pb.mean, pb.cross, None, None)
        out[key] = Pattern(mask=pa.mask, n=n, mean=mean, cross=cross)
    return MappingProxyType(out)


def merge_counts(a: Mapping[str, pd.Series], b: Mapping[str, pd.Series]) -> Mapping[str, pd.Series]:
    out = {}
    for col in a.keys() | b.keys():
        parts = [s for s in (a.get(col), b.get(col)) if s is not None]
        total = parts[0] if len(parts) == 1 else parts[0].add(parts[1], fill_value=0)
        out[col] = sort_counts(total.astype("int64"), col)
    return MappingProxyType(out)


def sort_counts(series: pd.Series, name: str) -> pd.Series:
    try:
        series = series.sort_index()
    except TypeError:
        pass
    series.name = "count"
    series.index.name = name
    return series


def merge(a: Block, b: Block) -> Block:
    """The statistics of the rows of ``a`` and ``b`` together (exact up to rounding)."""
    n, mean, cross, third, fourth = _merge_centred(a.n, a.mean, a.cross, a.third, a.fourth,
                                                   b.n, b.mean, b.cross, b.third, b.fourth)
    return Block(n=n, mean=mean, cross=cross, third=third, fourth=fourth,
                 patterns=merge_patterns(a.patterns, b.patterns), counts=merge_counts(a.counts, b.counts))


def with_parts(block: Block, **changes) -> Block:
    return replace(block, **changes)
