"""Every reported PLS statistic as one vector per sample, so the full-sample estimate and
each bootstrap or jackknife draw are computed by the same code.

The vector holds, in order: loadings (``=~``), outer weights (``<~``), paths (``~``),
total effects, indirect effects, R² and HTMT; ``labels`` says which is which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._algorithm import Layout, inner_estimates
from ._spec import PLSSpec

__all__ = ["Statistics", "htmt"]


def htmt(r: np.ndarray, mask: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Heterotrait-monotrait ratios ``(D, pairs)``: the mean absolute correlation between two
    blocks' indicators over the geometric mean of their mean within-block correlations
    (Henseler, Ringle & Sarstedt, 2015); a single indicator's within-block mean is 1, as in
    seminr. ``mask`` is the indicators x constructs membership matrix."""
    size = mask.sum(axis=0)
    averaging = mask / size
    means = np.matmul(averaging.T, np.matmul(np.abs(r), averaging))  # mean |r| of every pair of blocks
    diagonal = np.diagonal(means, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mono = np.where(size > 1, (size**2 * diagonal - size) / (size * (size - 1)), 1.0)
    a, b = pairs
    return means[:, a, b] / np.sqrt(mono[:, a] * mono[:, b])


def _reachable(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs [predictor, outcome] linked by any directed route, and by a route of 2+ paths."""
    c = paths.shape[0]
    step = paths.astype(bool)
    longer = np.zeros((c, c), dtype=bool)
    power = step.copy()
    for _ in range(c - 1):
        power = (power.astype(int) @ step.astype(int)) > 0
        longer |= power
    return step | longer, longer


@dataclass(frozen=True)
class Statistics:
    """Where each statistic sits in the vector, and how to compute the vector."""

    spec: PLSSpec
    layout: Layout
    labels: pd.DataFrame  # kind, lhs, op, rhs: one row per entry of the vector
    _items: np.ndarray
    _owners: np.ndarray
    _path_index: tuple[np.ndarray, np.ndarray]
    _total_index: tuple[np.ndarray, np.ndarray]
    _indirect_index: tuple[np.ndarray, np.ndarray]
    _pairs: tuple[np.ndarray, np.ndarray]

    @classmethod
    def build(cls, spec: PLSSpec, layout: Layout) -> Statistics:
        constructs, items = spec.constructs, spec.indicators
        owners = spec.owner
        index = {c: j for j, c in enumerate(constructs)}
        rows = [("loading", constructs[j], "=~", item) for item, j in zip(items, owners, strict=True)]
        rows += [("weight", constructs[j], "<~", item) for item, j in zip(items, owners, strict=True)]
        rows += [("path", o, "~", p) for o, p in spec.paths]
        path_index = (np.array([index[p] for _, p in spec.paths]), np.array([index[o] for o, _ in spec.paths]))
        any_route, indirect_route = _reachable(layout.paths)
        # outcome-major order, in construct order: every effect on an outcome sits together
        total = [(p, o) for o in range(len(constructs)) for p in range(len(constructs)) if any_route[p, o]]
        indirect = [(p, o) for p, o in total if indirect_route[p, o]]
        rows += [("total", constructs[o], "~", constructs[p]) for p, o in total]
        rows += [("indirect", constructs[o], "~", constructs[p]) for p, o in indirect]
        rows += [("r2", constructs[o], "r2", "") for o, _ in layout.outcomes]
        pairs = [(a, b) for a in range(len(constructs)) for b in range(a + 1, len(constructs))]
        rows += [("htmt", constructs[a], "htmt", constructs[b]) for a, b in pairs]
        labels = pd.DataFrame(rows, columns=["kind", "lhs", "op", "rhs"])

        def split(pairs_: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
            return (np.array([p for p, _ in pairs_], dtype=int), np.array([o for _, o in pairs_], dtype=int))

        return cls(spec=spec, layout=layout, labels=labels, _items=np.arange(len(items)), _owners=owners,
                   _path_index=path_index, _total_index=split(total), _indirect_index=split(indirect),
                   _pairs=split(pairs))

    def vector(self, r: np.ndarray, w: np.ndarray) -> np.ndarray:
        """All statistics ``(D, q)`` from indicator correlations and converged weights."""
        est = inner_estimates(r, w, self.layout)
        total = est.total[:, self._total_index[0], self._total_index[1]]
        direct_in_total = est.paths[:, self._indirect_index[0], self._indirect_index[1]]
        return np.concatenate([
            est.loadings[:, self._items, self._owners],
            w[:, self._items, self._owners],
            est.paths[:, self._path_index[0], self._path_index[1]],
            total,
            est.total[:, self._indirect_index[0], self._indirect_index[1]] - direct_in_total,
            est.r2,
            htmt(r, self.layout.mask, self._pairs),
        ], axis=1)
