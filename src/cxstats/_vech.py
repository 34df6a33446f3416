"""lavaan's ``vech`` order of a symmetric matrix, shared by the sufficient statistics and MLR."""

from __future__ import annotations

import numpy as np

__all__ = ["vech_index"]


def vech_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of lavaan's ``vech`` (lower triangle, column by column).

    >>> vech_index(2)
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    cols, rows = np.triu_indices(p)
    return rows, cols
