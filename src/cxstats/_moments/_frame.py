"""The pandas DataFrame source."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._format import listing
from ._accumulate import Accumulator
from ._core import MomentsError

__all__ = ["check_columns", "frame_values", "from_frame"]


def check_columns(available: Sequence[str], items: Sequence[str], group: str | None, counts: Sequence[str],
                  *, where: str = "the data") -> None:
    """Every named column exists in ``available``, else an error naming the absent ones."""
    have = set(available)
    for role, cols in (("item", items), ("group", [group] if group is not None else []), ("counts", counts)):
        absent = [c for c in cols if c not in have]
        if absent:
            raise MomentsError(f"No {role} column {listing(absent, quote=True)} in {where}; its columns are "
                               f"{listing(list(available), limit=20, quote=True)}. Check the spelling.")


def frame_values(frame: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """The item columns as a float64 array (NaN = missing), or an error naming a non-numeric column."""
    for c in items:
        dtype = frame[c].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise MomentsError(f"Item column {c!r} is not numeric (dtype {dtype}); recode it to numbers or leave "
                               f"it out of items.")
    return frame[list(items)].to_numpy(dtype=np.float64, na_value=np.nan)


def from_frame(frame: pd.DataFrame, items: Sequence[str], group: str | None, acc: Accumulator,
               batch_rows: int) -> None:
    from ._arrow import add_columns, fast_eligible

    check_columns(list(frame.columns), items, group, acc.counts)
    fast = fast_eligible(acc)
    for start in range(0, max(len(frame), 1), batch_rows):
        part = frame.iloc[start:start + batch_rows]
        if len(part) == 0:
            break
        extra = {c: part[c].to_numpy() for c in acc.counts}
        if fast:
            frame_values(part.iloc[:0], items)  # the dtype check
            cols = [part[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in items]
            grouping = None
            if group is not None:
                codes, levels = pd.factorize(part[group], sort=False)
                grouping = (np.asarray(codes, dtype=np.int64), list(levels))
            add_columns(cols, len(part), grouping, extra, acc)
            continue
        values = frame_values(part, items)
        groups = part[group].to_numpy() if group is not None else None
        acc.add(values, groups, extra)
