"""Linear combinations of regression coefficients (contrasts, simple slopes)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["combination"]


def combination(params: np.ndarray, cov: np.ndarray, weights: Mapping[int, float]) -> tuple[float, float]:
    """(estimate, se) of sum_k w_k b_k; the variance is w' V w."""
    w = np.zeros(len(params))
    for index, weight in weights.items():
        w[index] = weight
    return float(w @ params), float(np.sqrt(w @ cov @ w))
