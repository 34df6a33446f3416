"""What analyses read from a :class:`~cxstats.Moments`: per-group samples and counts, and OLS.

:func:`cxstats._validation.moments_parts` is the one place where a function recognises a
Moments passed in place of rows; this module turns it into what the estimators need:

* :func:`samples`: per group (or pooled) the number of rows, the means and the covariance
  matrix (divisor n - 1) of the chosen items, with the checks a user needs (items the
  moments lack, a ``group=`` that does not match the Moments' group);
* :func:`count_parts`: per group (or pooled) the value counts of one column (NPS, top-box);
* :func:`ols`: ordinary least squares with classical standard errors from the means and
  the centred cross-products alone, the numbers ``statsmodels.OLS`` (R's ``lm``) gives on
  the rows.

The statistics of a Moments are listwise: the rows complete on every item it was computed
over. An analysis of a subset of the items from a Moments therefore equals the in-memory
analysis of the rows complete on all of the Moments' items (on complete data, the same
rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._errors import CxStatsError
from ._format import listing

__all__ = ["Sample", "check_group", "check_items", "count_parts", "gamma_of", "group_levels", "needs_rows", "ols",
           "samples"]


@dataclass(frozen=True)
class Sample:
    """One group's (or the pooled) statistics of the chosen items: ``n`` rows, ``mean``
    (a Series by item) and ``cov`` (a DataFrame, divisor n - 1)."""

    label: Any
    n: int
    mean: pd.Series
    cov: pd.DataFrame

    @property
    def ml_cov(self) -> pd.DataFrame:
        """The covariance matrix with divisor n (lavaan's ML sample moments)."""
        return self.cov * ((self.n - 1) / self.n) if self.n else self.cov

    @property
    def corr(self) -> pd.DataFrame:
        sd = np.sqrt(np.diag(self.cov.to_numpy()))
        return self.cov / np.outer(sd, sd)


def needs_rows(where: str, what: str, instead: str) -> CxStatsError:
    """The error for an option that needs each respondent's row, which a Moments does not hold."""
    return CxStatsError(f"{where}: {what} needs the rows (one per respondent), but a cxstats.Moments holds only "
                        f"counts, means and cross-products. {instead}")


def check_group(moments, group: str | None, *, where: str) -> None:
    """``group`` must be the Moments' group column (or None: the pooled statistics)."""
    if group is None or group == moments.group:
        return
    if moments.group is None:
        raise CxStatsError(f"{where}: group={group!r}, but the Moments were computed without a group column. "
                           f"Compute them with cxstats.moments(source, items, group={group!r}), or drop group=.")
    raise CxStatsError(f"{where}: group={group!r} does not match the Moments' group column '{moments.group}'. "
                       f"Pass group={moments.group!r}, or compute the moments with group={group!r}.")


def group_levels(moments, group: str | None, labels: Sequence | None = None, *, where: str) -> list:
    """The Moments' group levels to analyse (sorted, or ``labels`` in their order), or
    ``[None]`` for the pooled statistics when ``group`` is None."""
    check_group(moments, group, where=where)
    if group is None:
        return [None]
    present = list(moments.groups)
    if labels is None:
        return present
    absent = [v for v in labels if v not in present]
    if absent:
        raise CxStatsError(f"{where}: group level(s) {listing(absent, quote=True)} are not in the Moments' group "
                           f"'{group}'; its levels are {listing(present, limit=30, quote=True)}.")
    return list(labels)


def check_items(moments, items: Sequence[str], *, where: str, role: str = "item") -> None:
    """Every one of ``items`` must be among the Moments' items."""
    absent = [i for i in items if i not in moments.items]
    if absent:
        raise CxStatsError(f"{where}: the Moments have no {role} {listing(absent, quote=True)}; they were computed "
                           f"over {listing(moments.items, limit=30, quote=True)}. Compute them with "
                           f"cxstats.moments(source, items=[...]) including {listing(absent, quote=True)}.")


def samples(moments, items: Sequence[str], group: str | None = None, *, where: str,
            labels: Sequence | None = None, minimum: int = 2) -> list[Sample]:
    """Each group's statistics of ``items`` (in the Moments' group order, or ``labels``'), or
    the pooled ones when ``group`` is None (labelled ``"all"``). A group with fewer than
    ``minimum`` rows is an error; below 2 rows its covariance matrix is NaN."""
    items = list(items)
    check_items(moments, items, where=where)
    index = [moments.items.index(i) for i in items]
    levels = group_levels(moments, group, labels, where=where)
    source = moments.total() if group is None else moments
    counts, means, cross = source.n, source.mean, source.cross
    out = []
    for level in levels:
        n = int(counts[level])
        if n < minimum:
            raise CxStatsError(f"{where}: {'the Moments have' if level is None else f'group {level!r} has'} {n} "
                               f"complete row(s) on the items; at least {minimum} are needed.")
        cov = cross[level][np.ix_(index, index)] / (n - 1) if n >= 2 else np.full((len(items), len(items)), np.nan)
        out.append(Sample("all" if level is None else level, n, pd.Series(means[level][index], index=items),
                          pd.DataFrame(cov, index=items, columns=items)))
    return out


def gamma_of(moments, level, names: Sequence[str]) -> np.ndarray:
    """lavaan's Gamma of (means, vech(cov)) of ``names``, in their order, for group ``level``
    (None: the pooled rows): the rows and columns of :meth:`Moments.gamma` that belong to
    these variables, re-ordered as lavaan orders a model with these observed variables."""
    source = moments.total() if level is None else moments
    full = source.gamma(level)
    position = {item: k for k, item in enumerate(moments.items)}
    names = list(names)
    pairs = [(names[i], names[j]) for j in range(len(names)) for i in range(j, len(names))]
    labels = [f"{n}~1" for n in names] + [
        f"{a}~~{b}" if position[a] <= position[b] else f"{b}~~{a}" for a, b in pairs]
    return full.loc[labels, labels].to_numpy()


def count_parts(moments, column: str, group: str | None, *, where: str) -> list[tuple[Any, pd.Series]]:
    """Each group's value counts of ``column`` (or the pooled counts, labelled ``"all"``)."""
    if column not in moments.count_columns:
        kept = listing(moments.count_columns, quote=True) if moments.count_columns else "none"
        raise CxStatsError(f"{where}: the Moments hold no counts of '{column}' (kept: {kept}). Compute them with "
                           f"cxstats.moments(source, items, counts=[{column!r}]).")
    out = []
    for level in group_levels(moments, group, where=where):
        source = moments.total() if level is None else moments
        out.append(("all" if level is None else level, source.counts(level, column)))
    return out


def ols(sample: Sample, outcome: str, drivers: list[str], ci_level: float) -> dict:
    """OLS of ``outcome`` on ``drivers`` with an intercept, from one sample's statistics.

    ``b = S_xx^-1 s_xy`` (centred cross-products), intercept ``ybar - xbar'b``; residual sum
    of squares ``s_yy - s_xy'b`` on ``n - p - 1`` df; ``Var(b) = s² S_xx^-1``, ``Var(b0) =
    s² (1/n + xbar' S_xx^-1 xbar)``, ``Cov(b0, b) = -s² S_xx^-1 xbar``; t tests and
    intervals on the residual df (R's ``lm``). Returns ``params, bse, tvalues, pvalues, ci,
    df, r2, adj_r2, std_beta``.
    """
    n, p = sample.n, len(drivers)
    s = sample.cov.to_numpy() * (n - 1)  # centred cross-products
    y, x = 0, np.arange(1, p + 1)
    sxx, sxy, syy = s[np.ix_(x, x)], s[x, y], s[y, y]
    mean = sample.mean.to_numpy()
    inverse = np.linalg.inv(sxx)
    slopes = inverse @ sxy
    intercept = mean[y] - mean[x] @ slopes
    df = n - p - 1
    rss = syy - sxy @ slopes
    sigma2 = rss / df
    cov = np.empty((p + 1, p + 1))
    cov[1:, 1:] = sigma2 * inverse
    cov[0, 1:] = cov[1:, 0] = -sigma2 * (inverse @ mean[x])
    cov[0, 0] = sigma2 * (1.0 / n + mean[x] @ inverse @ mean[x])
    params = np.concatenate([[intercept], slopes])
    bse = np.sqrt(np.diag(cov))
    tvalues = params / bse
    half = stats.t.ppf(0.5 + ci_level / 2, df) * bse
    r2 = 1.0 - rss / syy
    corr = sample.corr.to_numpy()
    std_beta = np.linalg.solve(corr[np.ix_(x, x)], corr[x, y])
    return {"params": params, "bse": bse, "tvalues": tvalues, "pvalues": 2 * stats.t.sf(np.abs(tvalues), df),
            "ci": np.column_stack([params - half, params + half]), "df": float(df), "r2": float(r2),
            "adj_r2": float(1.0 - (1.0 - r2) * (n - 1) / df), "std_beta": np.concatenate([[np.nan], std_beta])}
