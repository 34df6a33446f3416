"""Missing-data patterns and the saturated model by EM: FIML's moments layer.

Rows are grouped by missing-data pattern once (:func:`missing_patterns`); every FIML
computation then loops over the patterns, not the rows, using each pattern's mean and
cross-product matrix of its observed variables. The saturated (h1) moments come from the
EM algorithm (:func:`em_saturated`) with lavaan 0.6.14's start, stopping rule and ridge
(``em.h1.tol = 1e-5``, ``em.h1.iter.max = 500``); :func:`independence_estimates` gives the
independence model's FIML estimates (available-case means and variances), which are also
the EM start. Validated against lavaan's ``sampstat.h1`` (tests/reference/lavaan_fiml*.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._fiml_likelihood import fiml_loglik
from ._problems import ModelSpecificationError

__all__ = ["MissingPatterns", "PatternBatch", "SaturatedMoments", "em_saturated", "independence_estimates",
           "missing_patterns", "patterns_from_sums", "restrict_patterns"]


@dataclass(frozen=True)
class MissingPatterns:
    """The rows of one group grouped by missing-data pattern.

    ``observed[k]`` is the boolean mask of pattern k over the p variables, ``rows[k]`` the
    row numbers (in the data passed in) of its cases, ``mean[k]`` and ``cov[k]`` its sample
    mean and cross-product matrix (divisor n_k) of the observed variables, ``values[k]`` its
    observed values (n_k x p_k). Rows missing on every variable are dropped: ``n_empty``.
    Built from per-pattern sums (:func:`patterns_from_sums`) there are no rows: ``rows``
    and ``values`` are None, and only the casewise scores (MLR's first-order information)
    are out of reach; the likelihood, its gradient, the information matrices and EM use
    ``freq``, ``mean`` and ``cov`` alone.
    """

    p: int
    nobs: int
    n_empty: int
    empty_rows: np.ndarray
    observed: tuple[np.ndarray, ...]
    rows: tuple[np.ndarray, ...] | None
    freq: np.ndarray
    mean: tuple[np.ndarray, ...]
    cov: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...] | None

    @property
    def n_patterns(self) -> int:
        return len(self.observed)

    @cached_property
    def batches(self) -> tuple[PatternBatch, ...]:
        """The patterns grouped by how many variables they observe, as stacked arrays, so that
        the per-pattern algebra runs as one batched numpy call per size."""
        sizes = np.array([int(m.sum()) for m in self.observed])
        out = []
        for size in np.unique(sizes):
            ids = np.flatnonzero(sizes == size)
            out.append(PatternBatch(
                index=np.array([np.flatnonzero(self.observed[i]) for i in ids], dtype=int).reshape(len(ids), size),
                freq=self.freq[ids].astype(float),
                mean=np.array([self.mean[i] for i in ids]).reshape(len(ids), size),
                cov=np.array([self.cov[i] for i in ids]).reshape(len(ids), size, size)))
        return tuple(out)

    @cached_property
    def batch_missing(self) -> tuple[np.ndarray, ...]:
        """For each batch, the variables its patterns miss (m x (p - k))."""
        out = []
        for batch in self.batches:
            m, k = batch.index.shape
            mask = np.ones((m, self.p), dtype=bool)
            mask[np.arange(m)[:, None], batch.index] = False
            out.append(np.nonzero(mask)[1].reshape(m, self.p - k))
        return tuple(out)


def _expected_moments(batch: PatternBatch, missing: np.ndarray, mu: np.ndarray, sigma: np.ndarray):
    """The E step for a batch of patterns: sum n_p c and sum n_p [c c' + M S_p M' + C]."""
    o, n = batch.index, batch.freq
    m, k = o.shape
    p = len(mu)
    c = np.zeros((m, p))
    rows = np.arange(m)[:, None]
    c[rows, o] = batch.mean
    lin = np.zeros((m, p, k))
    lin[rows, o, np.arange(k)[None, :]] = 1.0
    residual = np.zeros((m, p, p))
    if missing.shape[1]:
        s_oo = sigma[o[:, :, None], o[:, None, :]]
        s_om = sigma[o[:, :, None], missing[:, None, :]]
        b = np.linalg.solve(s_oo, s_om).transpose(0, 2, 1)  # (m, p - k, k): regression of missing on observed
        c[rows, missing] = mu[missing] + np.einsum("mij,mj->mi", b, batch.mean - mu[o])
        lin[rows, missing, :] = b
        residual[rows[:, :, None], missing[:, :, None], missing[:, None, :]] = (
            sigma[missing[:, :, None], missing[:, None, :]] - b @ s_om)
    second = c[:, :, None] * c[:, None, :] + lin @ batch.cov @ lin.transpose(0, 2, 1) + residual
    return n @ c, np.einsum("m,mij->ij", n, second)


@dataclass(frozen=True)
class PatternBatch:
    """Patterns observing the same number k of variables: ``index`` (m x k variable
    numbers), ``freq`` (m), ``mean`` (m x k) and ``cov`` (m x k x k)."""

    index: np.ndarray
    freq: np.ndarray
    mean: np.ndarray
    cov: np.ndarray


def missing_patterns(values: np.ndarray) -> MissingPatterns:
    """Group the rows of an n x p array (NaN = missing) by missing-data pattern.

    Patterns are ordered by first appearance; rows missing everything are dropped and
    counted (lavaan ignores such cases and warns).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"The data must be a 2-dimensional array (rows x variables), got shape {values.shape}.")
    present = ~np.isnan(values)
    empty = ~present.any(axis=1)
    keep = np.flatnonzero(~empty)
    keys, first, inverse = np.unique(present[keep], axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    inverse = np.asarray(inverse).ravel()
    observed, rows, freq, means, covs, vals = [], [], [], [], [], []
    for k in order:
        mask = keys[k]
        idx = keep[inverse == k]
        block = values[np.ix_(idx, np.flatnonzero(mask))]
        mean = block.mean(axis=0)
        centred = block - mean
        observed.append(mask.copy())
        rows.append(idx)
        freq.append(len(idx))
        means.append(mean)
        covs.append(centred.T @ centred / len(idx))
        vals.append(block)
    return MissingPatterns(p=values.shape[1], nobs=len(keep), n_empty=int(empty.sum()),
                           empty_rows=np.flatnonzero(empty), observed=tuple(observed), rows=tuple(rows),
                           freq=np.array(freq, dtype=int), mean=tuple(means), cov=tuple(covs), values=tuple(vals))


def patterns_from_sums(p: int, patterns, *, n_empty: int = 0) -> MissingPatterns:
    """One group's :class:`MissingPatterns` from per-pattern sufficient statistics.

    Parameters
    ----------
    p : number of variables.
    patterns : per pattern ``(mask, n, mean, cross)`` (a tuple, or an object with these
        attributes such as ``cxstats.Moments.patterns(g)``'s): the boolean mask of the observed
        variables (length p), the number of rows, the mean (length ``mask.sum()``) and the
        centred cross-products ``sum (y - mean)(y - mean)'`` of the observed variables
        in the model's variable order.
    n_empty : rows missing every variable, left out (reported, as with rows).

    Returns
    -------
    MissingPatterns
        Without ``rows`` and ``values``: FIML's likelihood, gradient, observed and expected
        information, EM moments, chi-square and fit measures equal those from the rows;
        casewise scores (MLR) need the rows.
    """
    observed, freq, means, covs = [], [], [], []
    for pattern in patterns:
        mask, n, mean, cross = ((pattern.mask, pattern.n, pattern.mean, pattern.cross) if hasattr(pattern, "mask")
                                else pattern)
        mask = np.asarray(mask, dtype=bool)
        k = int(mask.sum())
        mean, cross = np.asarray(mean, dtype=float), np.asarray(cross, dtype=float)
        if mask.shape != (p,) or mean.shape != (k,) or cross.shape != (k, k) or int(n) < 1:
            raise ModelSpecificationError(
                f"A missing-data pattern needs a mask of {p} variables, at least one row, a mean and a cross-product "
                f"matrix of its {k} observed variables; got a mask of shape {mask.shape}, n={n}, a mean of shape "
                f"{mean.shape} and a cross-product matrix of shape {cross.shape}. Compute the patterns on the "
                "model's variables (cxstats.moments(..., patterns=True)).")
        if k == 0:
            continue
        observed.append(mask.copy())
        freq.append(int(n))
        means.append(mean)
        covs.append(cross / int(n))
    return MissingPatterns(p=p, nobs=int(sum(freq)), n_empty=int(n_empty), empty_rows=np.zeros(0, dtype=int),
                           observed=tuple(observed), rows=None, freq=np.array(freq, dtype=int), mean=tuple(means),
                           cov=tuple(covs), values=None)


def restrict_patterns(patterns, items, names) -> tuple[list[tuple], int]:
    """Per-pattern sums over ``items`` re-expressed over the model's variables ``names``.

    Each pattern ``(mask, n, mean, cross)`` (or an object with these attributes) keeps the
    observed model variables, in ``names`` order; patterns that then look alike are merged
    exactly (n = n1 + n2, mean = (n1 m1 + n2 m2) / n, cross = c1 + c2 + n1 n2 / n d d' with
    d = m1 - m2), in order of first appearance. Returns (patterns, rows that observe none of
    ``names``: left out, as rows missing every model variable are).
    """
    items = list(items)
    where = [items.index(n) for n in names]
    merged: dict[bytes, list] = {}
    n_empty = 0
    for pattern in patterns:
        mask, n, mean, cross = ((pattern.mask, pattern.n, pattern.mean, pattern.cross) if hasattr(pattern, "mask")
                                else pattern)
        mask = np.asarray(mask, dtype=bool)
        position = np.cumsum(mask) - 1  # item -> its place among the pattern's observed items
        keep = [position[i] for i in where if mask[i]]
        sub = mask[where]
        if not sub.any():
            n_empty += int(n)
            continue
        m, c = np.asarray(mean, dtype=float)[keep], np.asarray(cross, dtype=float)[np.ix_(keep, keep)]
        key = sub.tobytes()
        if key not in merged:
            merged[key] = [sub, int(n), m, c]
            continue
        _, n1, m1, c1 = merged[key]
        total = n1 + int(n)
        d = m1 - m
        merged[key] = [sub, total, (n1 * m1 + int(n) * m) / total, c1 + c + n1 * int(n) / total * np.outer(d, d)]
    return [tuple(v) for v in merged.values()], n_empty


@dataclass(frozen=True)
class SaturatedMoments:
    """EM estimates of the saturated model of one group."""

    mean: np.ndarray
    cov: np.ndarray
    logl: float  # lavaan's unrestricted.logl
    iterations: int
    converged: bool


def em_saturated(patterns: MissingPatterns, *, tol: float = 1e-5, max_iter: int = 500) -> SaturatedMoments:
    """ML means and covariance matrix of incomplete normal data by the EM algorithm.

    Parameters
    ----------
    patterns : :func:`missing_patterns` of one group.
    tol, max_iter : stop when no mean or (co)variance changes by more than ``tol`` between
        two iterations, or after ``max_iter`` iterations (lavaan's ``em.h1.tol``,
        ``em.h1.iter.max``).

    Returns
    -------
    SaturatedMoments

    Notes
    -----
    The E step takes, per pattern, the regression of the missing on the observed variables
    ``B = Sigma_mo Sigma_oo^-1`` and adds n_p [c c' + M S_p M'] + n_p C to the expected
    cross-products, with ``c = (ybar_p, mu_m + B(ybar_p - mu_o))``, ``M = (I; B)`` and the
    residual covariance ``C = Sigma_mm - B Sigma_om``; the M step divides by N. The start
    (available-case means and variances, zero covariances), the stopping rule and the small
    ridge when an eigenvalue falls below 1e-6 follow lavaan 0.6.14
    ``lav_mvnorm_missing_h1_estimate_moments()``, so that the moments (and everything that
    depends on them to first order: the FIML-corrected robust fit measures) agree with
    lavaan's to well below the EM tolerance. Dempster, Laird & Rubin (1977).
    """
    p, n = patterns.p, patterns.nobs
    var, mu = independence_estimates(patterns)
    var[~np.isfinite(var) | (var == 0)] = 1.0
    sigma = np.diag(var)
    lower = np.tril_indices(p)
    iteration, converged = 0, False
    for iteration in range(1, max_iter + 1):
        t1, t2 = np.zeros(p), np.zeros((p, p))
        for batch, missing in zip(patterns.batches, patterns.batch_missing, strict=True):
            t1_b, t2_b = _expected_moments(batch, missing, mu, sigma)
            t1 += t1_b
            t2 += t2_b
        mu_new = t1 / n
        sigma_new = t2 / n - np.outer(mu_new, mu_new)
        if np.linalg.eigvalsh(sigma_new).min() < 1e-6:
            sigma_new[np.diag_indices(p)] += np.max(np.diag(sigma_new)) * 1e-8
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(sigma_new[lower] - sigma[lower])))
        mu, sigma = mu_new, sigma_new
        if delta < tol:
            converged = True
            break
    return SaturatedMoments(mean=mu, cov=sigma, logl=fiml_loglik(sigma, mu, patterns), iterations=iteration,
                            converged=converged)


def independence_estimates(patterns: MissingPatterns) -> tuple[np.ndarray, np.ndarray]:
    """FIML estimates of the independence model: each variable's available-case mean and
    ML variance (the likelihood factorises over variables)."""
    p = patterns.p
    sums, counts, sq = np.zeros(p), np.zeros(p), np.zeros(p)
    for mask, k, mean in zip(patterns.observed, patterns.freq, patterns.mean, strict=True):
        sums[mask] += k * mean
        counts[mask] += k
    mu = sums / counts
    for mask, k, mean, cov in zip(patterns.observed, patterns.freq, patterns.mean, patterns.cov, strict=True):
        sq[mask] += k * (np.diag(cov) + (mean - mu[mask]) ** 2)
    return sq / counts, mu
