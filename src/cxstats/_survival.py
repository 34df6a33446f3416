"""The numbers behind the retention analyses: survival data checks, Kaplan-Meier curves with
Greenwood variances, R's quantile rule for median times, the log-rank test, Harrell's
concordance and the Cox fit. No result objects and no drawing here (see ``retention.py``).

Every function follows R's survival package (3.5) conventions, including left truncation:
a customer who enters observation at ``start`` is at risk at times ``t`` with
``start < t <= time``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._errors import CxStatsError
from ._format import listing, rows_and_values

__all__: list[str] = []

_TOLERANCE = float(np.sqrt(np.finfo(float).eps))  # R's quantile.survfit tolerance


@dataclass(frozen=True)
class SurvivalData:
    """Checked, complete rows of a survival data set (numpy arrays, same length)."""

    time: np.ndarray
    event: np.ndarray
    start: np.ndarray | None
    frame: pd.DataFrame  # the complete rows of the columns used, original index
    n_dropped: int


def survival_data(data: pd.DataFrame, time: str, event: str, *, start: str | None = None,
                  others: Sequence[str] = (), min_rows: int = 2) -> SurvivalData:
    """Check the time, event and start columns; drop rows missing any used column."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    used = [time, event, *([start] if start else []), *others]
    absent = [c for c in dict.fromkeys(used) if c not in data.columns]
    if absent:
        raise CxStatsError(f"No column {listing(absent, quote=True)} in the data; columns: "
                           f"{listing(data.columns, limit=20)}.")
    frame = data[list(dict.fromkeys(used))]
    complete = frame.notna().all(axis=1)
    frame = frame[complete]
    n_dropped = int((~complete).sum())
    times = _numeric_times(frame, time)
    events = _events(frame, event)
    starts = None
    if start:
        starts = _numeric_times(frame, start)
        bad = times <= starts
        if bad.any():
            rows = list(frame.index[bad])
            pairs = [f"{a:g} <= {b:g}" for a, b in zip(times[bad], starts[bad], strict=True)]
            raise CxStatsError(
                f"Event times before start: in {len(rows)} row(s) '{time}' is not after '{start}' "
                f"({rows_and_values(rows, pairs)}). A customer must enter observation before churning "
                f"or being censored; check the two columns (start is when observation began, "
                f"'{time}' when it ended)."
            )
    if len(times) < min_rows:
        raise CxStatsError(f"Too few rows: {len(times)} complete row(s) of '{time}' and '{event}'"
                           f"{' (after dropping ' + str(n_dropped) + ' with missing values)' if n_dropped else ''}; "
                           f"at least {min_rows} are needed.")
    return SurvivalData(time=times, event=events, start=starts, frame=frame, n_dropped=n_dropped)


def _numeric_times(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
        raise CxStatsError(
            f"Column '{column}' holds dates or time spans; survival times must be numbers (e.g. months "
            f"since the customer's start). Convert them first, e.g. (end - start).dt.days / 30.44."
        )
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna()
    if bad.any():
        raise CxStatsError(f"Column '{column}' must hold numbers; {rows_and_values(list(frame.index[bad]), values[bad].tolist())}.")
    out = numbers.to_numpy(dtype=float)
    negative = out < 0
    if negative.any():
        raise CxStatsError(
            f"Column '{column}' has negative times ({rows_and_values(list(frame.index[negative]), out[negative].tolist())}). "
            "Times are durations since the start of observation; fix those rows or set them to missing."
        )
    if not np.isfinite(out).all():
        bad = ~np.isfinite(out)
        raise CxStatsError(f"Column '{column}' has infinite times ({rows_and_values(list(frame.index[bad]), out[bad].tolist())}).")
    return out


def _events(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = frame[column]
    numbers = pd.to_numeric(values.astype(float) if values.dtype == bool else values, errors="coerce")
    bad = numbers.isna() | ~numbers.isin([0, 1])
    if bad.any():
        found = sorted(pd.unique(values[bad]).tolist(), key=str)
        hint = (" It looks coded 1/2 as in R's lung data (1 = censored, 2 = event): use the column minus 1."
                if set(pd.unique(numbers.dropna())) <= {1.0, 2.0} else "")
        raise CxStatsError(
            f"Column '{column}' must be coded 0/1 (1 = churned, the event; 0 = still a customer when last "
            f"seen, censored); it has {listing(found)} in {rows_and_values(list(frame.index[bad]), values[bad].tolist())}."
            f"{hint}"
        )
    return numbers.to_numpy(dtype=float)


def at_risk(time: np.ndarray, start: np.ndarray | None, at: np.ndarray) -> np.ndarray:
    """Number at risk at each of ``at``: ``#{start < t <= time}`` (``start`` 0 if None)."""
    sorted_time = np.sort(time)
    n = (len(time) - np.searchsorted(sorted_time, at, side="left")).astype(float)
    if start is not None:
        n -= len(start) - np.searchsorted(np.sort(start), at, side="left")
    return n


def km_curve(time: np.ndarray, event: np.ndarray, start: np.ndarray | None, ci_level: float) -> pd.DataFrame:
    """Kaplan-Meier curve at every distinct time (events and censorings), R's survfit layout.

    ``se`` is Greenwood's standard error of S(t); the interval is R's default
    ``conf.type = "log"``: exp(log S +- z sqrt(sum d / (n (n - d)))).
    """
    unique, inverse = np.unique(time, return_inverse=True)
    d = np.bincount(inverse, weights=event, minlength=len(unique))
    total = np.bincount(inverse, minlength=len(unique)).astype(float)
    n = at_risk(time, start, unique)
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - d / n)
        greenwood = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
        log_se = np.sqrt(greenwood)
        z = stats.norm.ppf(0.5 + ci_level / 2)
        low = np.exp(np.log(survival) - z * log_se)
        high = np.minimum(np.exp(np.log(survival) + z * log_se), 1.0)
    dead = (survival == 0) | ~np.isfinite(log_se)
    low[dead], high[dead] = np.nan, np.nan
    se = np.where(np.isfinite(log_se), survival * log_se, np.nan)
    return pd.DataFrame({"time": unique, "n_at_risk": n, "n_events": d, "n_censored": total - d,
                         "survival": survival, "se": se, "ci_low": low, "ci_high": high})


def survival_at(curve: pd.DataFrame, at: Sequence[float]) -> pd.DataFrame:
    """The curve at chosen times, as R's ``summary(fit, times = at, extend = FALSE)``: the
    value at the last curve time <= t; times after the last observed time are NaN."""
    at = np.asarray(at, dtype=float)
    times = curve["time"].to_numpy()
    index = np.searchsorted(times, at, side="right") - 1
    rows = []
    for t, k in zip(at, index, strict=True):
        if t > times[-1]:
            rows.append({"time": t, "n_at_risk": 0.0, "survival": np.nan, "se": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan})
            continue
        # R takes the number at risk from the first curve time >= t.
        n_risk = float(curve["n_at_risk"].iloc[np.searchsorted(times, t, side="left")])
        if k < 0:
            rows.append({"time": t, "n_at_risk": n_risk, "survival": 1.0, "se": 0.0, "ci_low": 1.0, "ci_high": 1.0})
        else:
            row = curve.iloc[k]
            rows.append({"time": t, "n_at_risk": n_risk, "survival": row["survival"], "se": row["se"],
                         "ci_low": row["ci_low"], "ci_high": row["ci_high"]})
    return pd.DataFrame(rows, columns=["time", "n_at_risk", "survival", "se", "ci_low", "ci_high"])


def _findq(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """Port of survival's internal ``findq``: the time a cumulative curve ``y`` reaches ``p``,
    the midpoint of a flat stretch when it sits exactly at ``p`` (within R's tolerance)."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return np.nan
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]

    def first_at_least(values: np.ndarray) -> float:
        ok = ~np.isnan(values)
        hits = np.flatnonzero(ok & (values >= p))
        return np.nan if hits.size == 0 else float(x[hits[0]])

    low, high = first_at_least(y + _TOLERANCE), first_at_least(y - _TOLERANCE)
    quantile = (low + high) / 2
    if not np.isnan(y[-1]) and abs(p - y[-1]) < _TOLERANCE:
        quantile = (low + xmax) / 2
    return quantile


def median_time(curve: pd.DataFrame) -> tuple[float, float, float]:
    """Median time with its CI exactly as R's ``print(survfit)`` / ``quantile(fit, 0.5)``."""
    x = np.concatenate([[0.0], curve["time"].to_numpy()])

    def at(column: str) -> float:
        return _findq(x, np.concatenate([[0.0], 1.0 - curve[column].to_numpy()]), 0.5)

    return at("survival"), at("ci_low"), at("ci_high")


def logrank(time: np.ndarray, event: np.ndarray, start: np.ndarray | None,
            codes: np.ndarray, k: int) -> tuple[float, int, np.ndarray, np.ndarray]:
    """Log-rank test of ``k`` groups (``codes`` 0..k-1), R's ``survdiff`` (rho = 0).

    Returns chisq, df, observed and expected events per group. With ``start`` the risk sets
    are left-truncated (survdiff itself has no such option).
    """
    event_times = np.unique(time[event == 1])
    n_t = np.zeros((k, len(event_times)))
    d_t = np.zeros((k, len(event_times)))
    for g in range(k):
        member = codes == g
        n_t[g] = at_risk(time[member], None if start is None else start[member], event_times)
        hit = member & (event == 1)
        d_t[g] = np.bincount(np.searchsorted(event_times, time[hit]), minlength=len(event_times))
    n, d = n_t.sum(axis=0), d_t.sum(axis=0)
    expected = (d * n_t / n).sum(axis=1)
    observed = d_t.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0) / n**2
    # covariance of the hypergeometric counts: sum_t c_t (n_g/n)(delta_gh - n_h/n)
    variance = np.diag((factor * n * n_t).sum(axis=1)) - np.einsum("t,gt,ht->gh", factor, n_t, n_t)
    diff = (observed - expected)[1:]
    v = variance[1:, 1:]
    chisq = float(diff @ np.linalg.pinv(v) @ diff)
    df = int(np.linalg.matrix_rank(v)) if v.size else 0
    return chisq, df, observed, expected


def concordance(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                start: np.ndarray | None = None) -> dict[str, float]:
    """Harrell's C as R's ``concordance()`` reports it for a Cox model.

    A pair is comparable when the shorter time is an event and the other customer is in its
    risk set: a censored time tied with an event time counts as longer; with ``start``, a
    customer who entered at or after the event time is not comparable. Two events at the
    same time are not comparable (``tied_y``, or ``tied_xy`` when their risks are tied too).
    Concordant: the one who churned first had the higher risk. Ties in risk count 1/2.
    """
    ranks = np.unique(risk, return_inverse=True)[1].astype(np.int64)
    time_rank = np.unique(time, return_inverse=True)[1].astype(np.int64)
    ev = event == 1
    # risk set of event i: t_j > t_i, or t_j == t_i and j censored
    counts = _pair_counts(2 * time_rank[ev], ranks[ev], 2 * time_rank + (~ev), ranks, strict=True)
    if start is not None:  # minus those who had not yet entered: start_j >= t_i
        late = _pair_counts(time[ev], ranks[ev], start, ranks, strict=False)
        counts = counts - late
    less, equal, greater = counts
    _, per_time = np.unique(time[ev], return_counts=True)
    _, per_time_risk = np.unique(np.column_stack([time[ev], ranks[ev]]), axis=0, return_counts=True)
    tied_pairs = float(np.sum(per_time * (per_time - 1) / 2))
    tied_both = float(np.sum(per_time_risk * (per_time_risk - 1) / 2))
    total = less + greater + equal
    return {"concordance": (less + equal / 2) / total if total else np.nan, "concordant": less,
            "discordant": greater, "tied_x": equal, "tied_y": tied_pairs - tied_both, "tied_xy": tied_both}


def _pair_counts(query_key: np.ndarray, query_rank: np.ndarray, item_key: np.ndarray, item_rank: np.ndarray, *,
                 strict: bool) -> np.ndarray:
    """For every query, count the items with a larger key (``>=`` unless ``strict``) whose
    rank is below, equal to and above the query's rank; summed over queries.

    O(n log^2 n): merge-sort passes over the key order, each a vectorised binary search of
    the queries in the left half of a block against the sorted items in its right half.
    """
    n_items = len(item_key)
    keys = np.concatenate([item_key, query_key]).astype(float)
    is_item = np.arange(len(keys)) < n_items
    tie = np.where(is_item, 0 if strict else 1, 1 if strict else 0)  # order at equal keys
    order = np.lexsort((tie, keys))
    width = int(max(item_rank.max(initial=0), query_rank.max(initial=0))) + 2
    values = np.concatenate([item_rank, query_rank])[order]
    item = is_item[order]
    n = len(keys)
    position = np.arange(n, dtype=np.int64)
    items_before = np.concatenate([[0], np.cumsum(item)])
    less = equal = greater = 0.0
    run = 1
    while run < n:
        block = position // run
        right = block % 2 == 1
        right_items = np.sort(block[right & item] * width + values[right & item])
        query = ~right & ~item
        right_block = block[query] + 1
        target = right_block * width + values[query]
        base = np.searchsorted(right_items, right_block * width, side="left")
        lo = np.searchsorted(right_items, target, side="left")
        hi = np.searchsorted(right_items, target, side="right")
        total = items_before[np.minimum((right_block + 1) * run, n)] - items_before[np.minimum(right_block * run, n)]
        less += float(np.sum(lo - base))
        equal += float(np.sum(hi - lo))
        greater += float(np.sum(total - (hi - base)))
        run *= 2
    return np.array([less, equal, greater])
