"""Ratios of group means for claims on spend, lifetime value, repurchase and word of mouth.

The estimators behind ``test_claim`` for outcomes measured per customer (an amount, a 0/1
flag or a count) rather than as time to churn:

- a 0/1 outcome (bought again, recommended): the ratio of the two shares, Katz log interval
  ``Var log p = (1 - p) / (n p)`` (the risk ratio, as statsmodels ``Table2x2.riskratio_confint``);
- an amount or a count: the ratio of the two means on the log scale. This is the group
  coefficient of a Gamma (amounts) or Poisson (counts) GLM with log link and a group dummy,
  whose fitted means are the group means; its standard error is the robust (sandwich)
  one, ``Var log(m_f / m_r) = s_f^2 / (n_f m_f^2) + s_r^2 / (n_r m_r^2)`` with the groups'
  sample variances (ddof = 1, the HC2 sandwich of that two-group model). It holds whatever
  the shape of the outcome (over-dispersed counts, log-normal spend, zeros), so one formula
  serves the Gamma, quasi-Poisson and negative binomial views.

All functions take arrays and work along the last axis, so repeated samples can be
computed at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._errors import CxStatsError
from ._validation import warn
from .index import SmallGroupWarning

__all__ = ["outcome_ratio", "log_ratio_of_means", "log_ratio_of_shares", "means_sample_size", "mean_interval"]


def log_ratio_of_means(focus: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log(mean(focus) / mean(reference))`` and its robust standard error (along the last axis)."""
    focus, reference = np.asarray(focus, dtype=float), np.asarray(reference, dtype=float)
    m_f, m_r = focus.mean(axis=-1), reference.mean(axis=-1)
    var = (focus.var(axis=-1, ddof=1) / (focus.shape[-1] * m_f**2)
           + reference.var(axis=-1, ddof=1) / (reference.shape[-1] * m_r**2))
    return np.log(m_f / m_r), np.sqrt(var)


def log_ratio_of_shares(focus: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log(share(focus) / share(reference))`` of 0/1 outcomes and its Katz standard error."""
    focus, reference = np.asarray(focus, dtype=float), np.asarray(reference, dtype=float)
    p_f, p_r = focus.mean(axis=-1), reference.mean(axis=-1)
    var = (1 - p_f) / (focus.shape[-1] * p_f) + (1 - p_r) / (reference.shape[-1] * p_r)
    return np.log(p_f / p_r), np.sqrt(var)


def mean_interval(values: np.ndarray, ci_level: float) -> tuple[float, float, float, float]:
    """Mean, its standard error and a log-scale interval ``mean exp(+-z cv / sqrt(n))``."""
    n = len(values)
    mean, se = float(values.mean()), float(values.std(ddof=1) / np.sqrt(n))
    spread = stats.norm.ppf(0.5 + ci_level / 2) * se / mean
    return mean, se, mean * float(np.exp(-spread)), mean * float(np.exp(spread))


def means_sample_size(cv_focus: float, cv_reference: float, claimed: float, power: float, alpha: float,
                      n_focus: int, n_reference: int) -> tuple[float, float]:
    """Customers per group to detect ``claimed`` (a ratio of means) and the power of the data at hand.

    The two-sided z test of log(m_f / m_r) = 0, whose variance is ``cv_f^2 / n_f + cv_r^2 / n_r``
    (the delta method, cv = coefficient of variation): per group
    ``n = (z_{1-alpha/2} + z_power)^2 (cv_f^2 + cv_r^2) / log(claimed)^2``, and the power
    ``Phi(d - z_{1-alpha/2}) + Phi(-d - z_{1-alpha/2})`` with ``d = |log(claimed)| / SE``
    (statsmodels ``NormalIndPower`` for the effect size ``|log(claimed)| / sqrt((cv_f^2 +
    cv_r^2) / 2)`` with equal groups).
    """
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    effect = abs(np.log(claimed))
    needed = float(np.ceil((z_alpha + z_power) ** 2 * (cv_focus**2 + cv_reference**2) / effect**2))
    shift = effect / np.sqrt(cv_focus**2 / n_focus + cv_reference**2 / n_reference)
    achieved = float(stats.norm.cdf(shift - z_alpha) + stats.norm.cdf(-shift - z_alpha))
    return needed, achieved


def outcome_ratio(data: pd.DataFrame, kind: str, outcome: str, focus_mask: np.ndarray,
                   reference_mask: np.ndarray, focus_label: str, reference_label: str, ci_level: float
                   ) -> tuple[float, float, pd.DataFrame, bool, list[str]]:
    """Log ratio of the groups' means (or shares, for a 0/1 outcome), its SE and the group table."""
    from statsmodels.stats.proportion import proportion_confint

    raw = data[outcome]
    values = pd.to_numeric(raw, errors="coerce")
    if pd.api.types.is_bool_dtype(raw):
        values = raw.astype(float)
    bad = values.isna() & raw.notna()
    if bad.any() or not (pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw)):
        rows = np.flatnonzero(bad.to_numpy())[:3]
        raise CxStatsError(f"Column '{outcome}' must be numeric; it has values such as "
                           f"{', '.join(repr(raw.iloc[r]) for r in rows) or repr(raw.iloc[0])}. Recode it as numbers.")
    values = values.to_numpy(dtype=float)
    known = np.isfinite(values)
    negative = np.flatnonzero(known & (values < 0))
    if negative.size:
        shown = ", ".join(f"{values[r]:g}" for r in negative[:3])
        raise CxStatsError(f"Column '{outcome}' has {negative.size} negative value(s) (rows "
                           f"{', '.join(str(r) for r in negative[:3])}: {shown}). Spend, value and counts must be zero "
                           "or more: net out refunds or remove those rows.")
    binary = bool(np.isin(values[known], (0.0, 1.0)).all()) and kind != "value"
    if kind != "value" and not binary and not np.all(values[known] == np.round(values[known])):
        rows = np.flatnonzero(known & (values != np.round(values)))[:3]
        raise CxStatsError(f"Column '{outcome}' has values that are not whole numbers (rows "
                           f"{', '.join(str(r) for r in rows)}: {', '.join(f'{values[r]:g}' for r in rows)}); a "
                           f"{kind.replace('_', '-')} claim needs 0/1 or a count.")
    if known.any() and not values[known].any():
        raise CxStatsError(f"Column '{outcome}' is 0 for every customer: there is nothing to compare. Check the "
                           "column (e.g. spend recorded in another column).")
    notes = []
    missing = int(((focus_mask | reference_mask) & ~known).sum())
    if missing:
        notes.append(f"{missing} customers with no value of '{outcome}' are left out.")
    parts, rows = [], []
    for label, mask in ((focus_label, focus_mask), (reference_label, reference_mask)):
        part = values[mask & known]
        if len(part) < 2:
            raise CxStatsError(f"Group {label} has {len(part)} customer(s) with a value of '{outcome}'; a ratio "
                               "needs at least 2 per group.")
        if not part.any():
            raise CxStatsError(f"Column '{outcome}' is 0 for all {len(part)} customers in group {label}: the ratio "
                               "is not estimable. Compare other groups or a longer period.")
        if binary:
            share, n = float(part.mean()), len(part)
            low, high = proportion_confint(int(part.sum()), n, alpha=1 - ci_level, method="wilson")
            estimate, se = share, np.sqrt(share * (1 - share) / n)
        else:
            estimate, se, low, high = mean_interval(part, ci_level)
        rows.append({"group": label, "n": len(part), "events": int((part > 0).sum()), "estimate": estimate,
                     "se": float(se), "ci_low": float(low), "ci_high": float(high)})
        parts.append(part)
    if binary:
        log_ratio, se = log_ratio_of_shares(*parts)
    else:
        log_ratio, se = log_ratio_of_means(*parts)
        small = [f"{r['group']} ({r['n']})" for r in rows if r["n"] < 50]
        if small:
            notes.append(warn(f"Fewer than 50 customers with a value of '{outcome}' in {' and '.join(small)}: with "
                              "skewed spend or counts the interval of the ratio of means can be too narrow.",
                              SmallGroupWarning).split(": ", 1)[-1])
    groups = pd.DataFrame(rows, columns=["group", "n", "events", "estimate", "se", "ci_low", "ci_high"])
    return float(log_ratio), float(se), groups, binary, notes
