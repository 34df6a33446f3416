"""Importance-performance map analysis on a PLS model (Ringle & Sarstedt, 2016).

Importance is the unstandardized total effect of each construct on the target construct,
performance its mean 0-100 index score. Both come from the index scores of
:func:`cxstats.pls.index_scores`: PLS estimates its paths by OLS on standardized scores, so
a path between index scores (a linear rescaling of each score) is the standardized path
times ``sd(index of the outcome) / sd(index of the predictor)``, and so is every total
effect. The map itself, its quadrants and its plot are those of
:func:`cxstats.importance_performance`, which receives the index scores and these
importances.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from .._errors import CxStatsError
from .._format import listing
from ..drivers import IPMAResult
from ..drivers import importance_performance as _map
from ._index import index_scores
from .result import PLSResult

__all__ = ["importance_performance"]


def importance_performance(result: PLSResult, target: str, *,
                           scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
                           codebook=None) -> IPMAResult:
    """Importance-performance map of the constructs that drive ``target``.

    Parameters
    ----------
    result : a fitted ``cxstats.pls.fit`` result.
    target : the construct to explain (e.g. loyalty); every construct with a directed route
        to it is a driver.
    scale, codebook : the indicators' response scales, as for :func:`cxstats.pls.index_scores`.

    Returns
    -------
    cxstats.IPMAResult
        ``table`` (``term, importance, performance, quadrant``; importance = unstandardized
        total effect on ``target``: index points of the target per index point of the
        driver; performance = mean index, 0-100) and ``.plot()``.

    Raises
    ------
    CxStatsError
        ``target`` is not a construct of the model, or no construct has a route to it.

    Notes
    -----
    Ringle & Sarstedt (2016): the unstandardized total effects are those of the path model
    re-estimated on the 0-100 index scores; checked against OLS regressions of the index
    scores with statsmodels, with the effects summed over routes (tests/pls/test_pls_index.py).

    References
    ----------
    Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: The
    importance-performance map analysis. Industrial Management & Data Systems, 116(9), 1865-1886.

    Examples
    --------
    >>> import cxstats, cxstats.pls as pls
    >>> mobi = cxstats.load_dataset("ecsi_mobile")
    >>> res = pls.fit('''
    ...     IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ...     CUSA =~ CUSA1 + CUSA2 + CUSA3
    ...     CUSL =~ CUSL1 + CUSL2 + CUSL3
    ...     CUSA ~ IMAG
    ...     CUSL ~ IMAG + CUSA''', mobi.data)
    >>> ipma = pls.importance_performance(res, "CUSL", codebook=mobi.codebook)
    >>> ipma.table[["term", "importance", "performance"]].round(2).to_dict("records")
    [{'term': 'IMAG', 'importance': 0.91, 'performance': 73.57}, {'term': 'CUSA', 'importance': 0.78, 'performance': 72.64}]
    """
    if not isinstance(result, PLSResult):
        raise TypeError(f"importance_performance needs a fitted cxstats.pls result, got {type(result).__name__}.")
    constructs = list(result.spec.constructs)
    if target not in constructs:
        raise CxStatsError(f"'{target}' is not a construct of the model; constructs: {listing(constructs, limit=30, quote=True)}.")
    total = result._inner.total[0]
    t = constructs.index(target)
    drivers = [c for j, c in enumerate(constructs) if j != t and _reaches(result, c, target)]
    if not drivers:
        raise CxStatsError(f"No construct has a path to '{target}' (it is exogenous); choose an outcome of the "
                           f"inner model: {listing(result.spec.endogenous, quote=True)}.")
    index = index_scores(result, scale=scale, codebook=codebook)
    sd = index.scores.std(ddof=1)
    importance = pd.Series({c: total[constructs.index(c), t] * sd[target] / sd[c] for c in drivers},
                           name=f"unstandardized total effect on {target}")
    ipma = _map(index.scores, target, drivers, scale=(0.0, 100.0), importance=importance)
    return replace(ipma, performance_label="mean index, 0–100", labels=index.labels)


def _reaches(result: PLSResult, predictor: str, outcome: str) -> bool:
    """Whether a directed route of paths leads from ``predictor`` to ``outcome``."""
    paths = result.spec.path_matrix.astype(bool)
    constructs = list(result.spec.constructs)
    reached = paths[constructs.index(predictor)].copy()
    for _ in range(len(constructs)):
        reached = reached | (reached.astype(int) @ paths.astype(int) > 0)
    return bool(reached[constructs.index(outcome)])
