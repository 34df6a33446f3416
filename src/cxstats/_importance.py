"""Shares of R² among correlated predictors, computed from a correlation matrix.

The one implementation behind :func:`cxstats.relative_importance` (observed drivers, the
sample correlation matrix) and :meth:`cxstats.sem.SEMResult.explained_shares` (latent or
observed predictors, the model-implied correlation matrix). Every function takes the
correlation matrix of the outcome (row and column 0) and its predictors (1..p).

* :func:`lmg`: general dominance weights (Lindeman, Merenda & Gold, 1980; Budescu, 1993;
  Azen & Budescu, 2003): the Shapley value of R², the increase in R² from adding a
  predictor averaged over every order of entry. Exact, over all 2^p subsets.
* :func:`relative_weights`: Johnson's (2000) relative weights: R² split through the
  orthogonal counterpart ``Z = R_xx^{1/2}`` of the predictors.

Both sum to the R² of the outcome on all the predictors.
"""

from __future__ import annotations

from math import factorial

import numpy as np

__all__ = ["CHUNK", "subsets", "subset_r2", "lmg", "relative_weights"]

CHUNK = 1 << 14  # subsets solved at once: bounds the memory of the exact LMG at any number of drivers


def subsets(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Every subset of ``p`` drivers as a bit mask, and its number of drivers."""
    masks = np.arange(2**p)
    sizes = np.zeros(2**p, dtype=np.int64)
    for j in range(p):
        sizes += (masks >> j) & 1
    return masks, sizes


def subset_r2(corr: np.ndarray, masks: np.ndarray, sizes: np.ndarray, bar=None) -> np.ndarray:
    """R² of the outcome (index 0) on every subset of the drivers (:func:`subsets`), indexed by bit mask.

    Subsets of one size are solved together in chunks of ``CHUNK``, so memory stays a few
    tens of MB however many drivers there are; ``bar`` (a tqdm bar) advances per subset.
    """
    p = corr.shape[0] - 1
    r2 = np.zeros(2**p)
    for k in range(1, p + 1):
        of_size = masks[sizes == k]
        for start in range(0, len(of_size), CHUNK):
            chosen = of_size[start:start + CHUNK]
            bits = (chosen[:, None] >> np.arange(p)) & 1
            cols = np.nonzero(bits)[1].reshape(len(chosen), k) + 1
            r_ss = corr[cols[:, :, None], cols[:, None, :]]
            r_sy = corr[cols, 0]
            r2[chosen] = np.einsum("nk,nk->n", r_sy, np.linalg.solve(r_ss, r_sy[:, :, None])[:, :, 0])
            if bar is not None:
                bar.update(len(chosen))
    return r2


def lmg(corr: np.ndarray, bar=None) -> np.ndarray:
    """LMG shares of R² (Lindeman, Merenda & Gold, 1980): Shapley values over subsets.

    ``LMG_j = sum_S |S|! (p - |S| - 1)! / p! [R²(S + j) - R²(S)]`` over the subsets ``S``
    of the other predictors; the values sum to the R² of all predictors.
    """
    p = corr.shape[0] - 1
    masks, sizes = subsets(p)
    r2 = subset_r2(corr, masks, sizes, bar)
    weight = np.array([factorial(k) * factorial(p - k - 1) / factorial(p) for k in range(p)])
    out = np.zeros(p)
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        out[j] = np.sum(weight[sizes[without]] * (r2[without | (1 << j)] - r2[without]))
    return out


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights of the predictors (they sum to R²).

    With ``R_xx = V diag(l) V'`` and ``Lambda = V diag(sqrt(l)) V'`` (the symmetric square
    root, the correlations of the predictors with their closest orthogonal counterparts),
    ``beta = Lambda^-1 r_xy`` regresses the outcome on the counterparts and
    ``eps_j = sum_k Lambda_jk² beta_k²``.
    """
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    values, vectors = np.linalg.eigh(rxx)
    root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    beta = np.linalg.solve(root, rxy)
    return (root**2) @ (beta**2)
