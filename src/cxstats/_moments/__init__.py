"""Sufficient statistics computed where the data live: :func:`moments` -> :class:`Moments`.

Counts, means and centred cross-products per group (optionally third/fourth-order sums for
MLR's Gamma, per-missing-data-pattern sums for FIML, value counts for NPS/top-box) from a
pandas DataFrame, Parquet files, a DuckDB query or a Dask DataFrame, in one pass with
bounded memory. Parts combine exactly with ``+``.
"""

from __future__ import annotations

from ._api import moments
from ._core import Moments, MomentsError, Pattern

__all__ = ["Moments", "MomentsError", "Pattern", "moments"]
