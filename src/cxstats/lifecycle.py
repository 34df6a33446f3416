"""Customer lifecycle stages (new, growing, mature, declining) from tenure and activity trend.

The seeds describe loyalty that differs by lifecycle stage. :func:`lifecycle_stages` puts
each customer in a stage by stated rules, so that the stages can be compared with the
multigroup machinery: ``sem.fit(model, data, group="stage")``, ``sem.path_differences``
and ``sem.invariance`` (see the function's Examples).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._errors import CxStatsError
from ._format import rows_and_values

__all__ = ["STAGES", "lifecycle_stages"]

#: The stages in lifecycle order, each with its default rule.
STAGES: dict[str, str] = {
    "new": "tenure below the first cut (6 months): too early to judge a trend",
    "growing": "tenure between the cuts (6 to 24 months), or longer with activity up by 20% or more",
    "mature": "tenure of at least the second cut (24 months) with a stable activity",
    "declining": "tenure of at least the first cut with activity down by 20% or more",
}


def _numbers(name: str, values: Any) -> tuple[np.ndarray, pd.Index | None]:
    index = values.index if isinstance(values, pd.Series) else None
    # without an index of its own, messages count positions from 1
    series = values if isinstance(values, pd.Series) else pd.Series(values, index=range(1, len(values) + 1))
    if series.dtype == bool or not (pd.api.types.is_numeric_dtype(series) or series.isna().all()):
        bad = [(i, v) for i, v in series.items() if not isinstance(v, (int, float, np.integer, np.floating))
               or isinstance(v, bool)]
        raise TypeError(f"Argument {name} must hold numbers; it has "
                        f"{rows_and_values([i for i, _ in bad], [repr(v) for _, v in bad])}. "
                        "Convert the column to numbers first (e.g. pd.to_numeric).")
    out = series.to_numpy(dtype=float)
    if np.isinf(out).any():
        where = np.nonzero(np.isinf(out))[0]
        raise CxStatsError(f"Argument {name} has infinite values ({rows_and_values(list(series.index[where]), list(out[where]))}); "
                           "recode them as missing "
                           "or as numbers.")
    return out, index


def lifecycle_stages(tenure: Sequence[float] | pd.Series, *, trend: Sequence[float] | pd.Series | None = None,
                     cuts: tuple[float, float] = (6, 24), decline: float = -0.2,
                     growth: float = 0.2) -> pd.Series:
    """Lifecycle stage of every customer: new, growing, mature or declining.

    Parameters
    ----------
    tenure : time each customer has been a customer (months by default; ``cuts`` in the
        same unit). Missing values give a missing stage.
    trend : optional change in each customer's activity, as a proportion: e.g. purchases
        (or spend) in the latest period against the period before, ``(recent - earlier) /
        earlier``; -0.25 means activity fell by a quarter. Without it the stages follow
        tenure alone (and no customer is "declining"); a missing trend counts as stable.
    cuts : the two tenures that end the "new" and the "growing" stage (default 6 and 24
        months).
    decline : a trend at or below this (default -0.2, a fall of a fifth) makes a customer
        past the "new" stage "declining".
    growth : a trend at or above this (default +0.2) keeps a long-tenure customer "growing".

    Returns
    -------
    pandas.Series
        Ordered categorical (``new < growing < mature < declining``), named ``stage``, with
        the index of ``tenure`` when it is a Series. Use it as the ``group`` column of a
        multigroup model.

    Raises
    ------
    TypeError
        ``tenure`` or ``trend`` holds non-numbers.
    CxStatsError
        Negative or infinite tenure (rows named); ``trend`` of another length (or index)
        than ``tenure``; ``cuts`` not two increasing positive numbers; ``decline`` not
        below 0 or ``growth`` not above 0.

    Notes
    -----
    The rules, in order (the first that applies):

    1. **new**: ``tenure < cuts[0]``, whatever the trend (too early to judge);
    2. **declining**: ``trend <= decline``;
    3. **growing**: ``tenure < cuts[1]``, or ``trend >= growth``;
    4. **mature**: everyone else (``tenure >= cuts[1]`` with ``decline < trend < growth``).

    Tenure-based stages follow the relationship lifecycle of Dwyer, Schurr & Oh (1987);
    the trend rule adds a behavioural signal of decline (Reinartz & Kumar, 2003). The cuts
    are conventions, not estimates: choose them for your business (e.g. the contract
    length) and report them.

    Examples
    --------
    >>> import cxstats
    >>> cxstats.lifecycle_stages([2, 12, 36, 36, 36], trend=[0.0, 0.1, 0.0, -0.3, 0.5]).tolist()
    ['new', 'growing', 'mature', 'declining', 'growing']

    Paths by stage with the multigroup machinery::

        data["stage"] = cxstats.lifecycle_stages(data["months_as_customer"], trend=data["activity_trend"])
        fit = sem.fit(model, data, group="stage", group_equal=["loadings"])
        sem.path_differences(fit).table      # is SAT -> LOY the same in every stage?
    """
    values, index = _numbers("tenure", tenure)
    negative = np.nonzero(values < 0)[0]
    if len(negative):
        labels = index if index is not None else pd.RangeIndex(1, len(values) + 1)
        raise CxStatsError(f"Argument tenure has negative values ({rows_and_values(list(labels[negative]), list(values[negative]))}); "
                           "tenure is the time since a customer's "
                           "first purchase. Correct or drop those rows.")
    if (not isinstance(cuts, (tuple, list)) or len(cuts) != 2
            or not all(isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool) for c in cuts)
            or not 0 < cuts[0] < cuts[1]):
        raise CxStatsError(f"Argument cuts must be two increasing positive tenures, e.g. (6, 24) months, got {cuts!r}.")
    if not decline < 0:
        raise CxStatsError(f"Argument decline must be a negative change (e.g. -0.2 for a fall of a fifth), got {decline!r}.")
    if not growth > 0:
        raise CxStatsError(f"Argument growth must be a positive change (e.g. 0.2 for a rise of a fifth), got {growth!r}.")
    if trend is None:
        change = np.zeros(len(values))
    else:
        change, trend_index = _numbers("trend", trend)
        if len(change) != len(values) or (index is not None and trend_index is not None
                                          and not trend_index.equals(index)):
            raise CxStatsError(f"Argument trend must have one value per customer of tenure ({len(values)}"
                               f"{', with the same index' if index is not None else ''}); it has {len(change)}. "
                               "Pass columns of the same data frame.")
        change = np.nan_to_num(change, nan=0.0)
    stage = np.select(
        [values < cuts[0], change <= decline, (values < cuts[1]) | (change >= growth)],
        ["new", "declining", "growing"], default="mature").astype(object)
    stage[np.isnan(values)] = None
    return pd.Series(pd.Categorical(stage, categories=list(STAGES), ordered=True), index=index, name="stage")
