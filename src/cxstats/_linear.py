"""Linear combinations of estimates (contrasts, simple slopes, gaps between two groups)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

__all__ = ["combination", "gap"]


def combination(params: np.ndarray, cov: np.ndarray, weights: Mapping[int, float]) -> tuple[float, float]:
    """(estimate, se) of sum_k w_k b_k; the variance is w' V w."""
    w = np.zeros(len(params))
    for index, weight in weights.items():
        w[index] = weight
    return float(w @ params), float(np.sqrt(w @ cov @ w))


def gap(first: float, first_se: float, second: float, second_se: float,
        ci_level: float) -> tuple[float, float, float, float]:
    """``(difference, ci_low, ci_high, p_value)`` of ``first - second`` for two independent estimates.

    The difference's SE is ``hypot(se_1, se_2)``; the interval and the two-sided p-value use
    the normal distribution (NaN p-value when both SEs are 0).
    """
    difference, se = first - second, float(np.hypot(first_se, second_se))
    z = stats.norm.ppf(0.5 + ci_level / 2)
    p_value = float(2 * stats.norm.sf(abs(difference) / se)) if se > 0 else float("nan")
    return difference, difference - z * se, difference + z * se, p_value
