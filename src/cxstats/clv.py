"""Customer lifetime value: BG/NBD (or Pareto/NBD) purchases, Gamma-Gamma spend, CLV with intervals.

The pipeline, one public function per step::

    summary = clv_summary(transactions)          # frequency, recency, T, monetary value
    purchases = bgnbd(summary)                    # how often customers buy, and for how long
                                                  # (or pareto_nbd(summary))
    spend = gamma_gamma(summary)                  # how much they spend per purchase
    value = lifetime_value(purchases, spend, segments=..., n_boot=200, seed=1)

and, to check the purchase model on purchases it has not seen::

    split = calibration_holdout(transactions, calibration_end="1997-09-30")
    check = holdout_validation(bgnbd(split), split)

Conventions are those of the ``lifetimes`` package (0.11.3), which the numbers are checked
against (tests/reference/clv_lifetimes.py): time in whole days (or weeks); purchases on the
same day are one purchase; the first purchase is not a repeat purchase; CLV adds up the
expected spend of each coming month (30 days, or 4.345 weeks) discounted monthly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from . import _clv_models as models
from ._clv_results import (
    MAX_CORRELATION,
    BGNBDResult,
    GammaGammaResult,
    HoldoutValidation,
    LifetimeValueResult,
    ParetoNBDResult,
    PurchaseModel,
)
from ._clv_summary import CalibrationHoldout, CLVSummary, calibration_holdout, clv_summary, history_frame
from ._errors import CxStatsError, CxStatsWarning
from ._format import listing
from ._threads import single_threaded_blas
from ._validation import ci_level as _ci_level
from ._validation import count, warn

__all__ = [
    "CLVConvergenceWarning", "SpendFrequencyCorrelationWarning", "CLVSummary", "CalibrationHoldout", "BGNBDResult",
    "GammaGammaResult", "LifetimeValueResult", "HoldoutValidation", "clv_summary", "calibration_holdout", "bgnbd",
    "gamma_gamma", "lifetime_value", "holdout_validation", "ParetoNBDResult", "PurchaseModel", "pareto_nbd",
]


#: Per-customer bootstrap intervals keep every draw of every customer: above this many
#: (draws x customers, 8 bytes each) only the segment intervals are computed.
MAX_DRAW_CELLS = 20_000_000


class CLVConvergenceWarning(CxStatsWarning):
    """A BG/NBD, Pareto/NBD or Gamma-Gamma fit (or bootstrap refits) did not reach a maximum of the likelihood."""


class SpendFrequencyCorrelationWarning(CxStatsWarning):
    """Spend per purchase and number of purchases are correlated; the Gamma-Gamma model assumes they are not."""



def _parameter_table(terms: tuple[str, ...], fit: models.Fit, level: float) -> pd.DataFrame:
    se = np.sqrt(np.diag(fit.covariance))
    z = norm.ppf(0.5 + level / 2)
    return pd.DataFrame({"term": terms, "estimate": fit.params, "se": se, "ci_low": fit.params - z * se,
                         "ci_high": fit.params + z * se})



# ---------------------------------------------------------------- BG/NBD


@single_threaded_blas
def bgnbd(summary: CLVSummary | CalibrationHoldout | pd.DataFrame, *, ci_level: float = 0.95) -> BGNBDResult:
    """Fit the BG/NBD model (Fader, Hardie & Lee, 2005) by maximum likelihood.

    Parameters
    ----------
    summary : :func:`clv_summary` (or :func:`calibration_holdout`, whose calibration
        columns are used), or a DataFrame with ``customer`` (or the index), ``frequency``,
        ``recency`` and ``T``.
    ci_level : coverage of the Wald intervals.

    Returns
    -------
    BGNBDResult
        ``table`` columns: ``term, estimate, se, ci_low, ci_high`` for ``r, alpha, a, b``.
        ``.predict(t)`` gives expected purchases in the next ``t`` periods and P(alive);
        ``.expected_purchases(t)`` those of a new customer.

    Raises
    ------
    CxStatsError
        Missing columns; negative or missing values; recency above T, or a recency above 0
        without repeat purchases (customers named); no customer bought twice.

    Warns
    -----
    CLVConvergenceWarning
        The optimiser did not reach a maximum (also ``converged=False`` and ``problems``).

    Notes
    -----
    Log-likelihood of a customer with x repeat purchases, the last at tx, observed for T
    (FHL 2005, eq. 6):
    ``B(a, b + x)/B(a, b) * Gamma(r + x)/Gamma(r) * alpha^r / (alpha + T)^(r + x)
    + [x > 0] B(a + 1, b + x - 1)/B(a, b) * Gamma(r + x)/Gamma(r) * alpha^r / (alpha + tx)^(r + x)``.
    Maximised by BFGS on log-parameters with the analytic gradient, then Newton steps;
    standard errors from the inverse Hessian (delta method from the log scale). No
    penalty (lifetimes' default ``penalizer_coef=0``). Parameters, log-likelihood,
    predictions and P(alive) match lifetimes 0.11.3 ``BetaGeoFitter`` on the CDNOW sample
    (tests/reference/clv_lifetimes.py; lifetimes rescales time internally, so its reported
    log-likelihood differs by ``sum(x) * log(scale)``; the reference evaluates its
    likelihood on the original scale).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> model = cxstats.bgnbd(cxstats.clv_summary(cd, duplicates="keep"))
    >>> # lifetimes: BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> model.converged, list(model.table["term"])
    (True, ['r', 'alpha', 'a', 'b'])
    """
    return _purchase_model(summary, ci_level, "bgnbd", BGNBDResult, models.bgnbd_fit, models.BGNBD_TERMS)


@single_threaded_blas
def pareto_nbd(summary: CLVSummary | CalibrationHoldout | pd.DataFrame, *, ci_level: float = 0.95) -> ParetoNBDResult:
    """Fit the Pareto/NBD model (Schmittlein, Morrison & Colombo, 1987) by maximum likelihood.

    The alternative to :func:`bgnbd`: customers drop out at any time (an exponential
    lifetime with gamma-distributed rates), not only just after a purchase. Same input,
    result fields and methods (``.predict(t)``, ``.expected_purchases(t)``) as
    :func:`bgnbd`, and accepted by :func:`lifetime_value` and :func:`holdout_validation`;
    compare the two models' ``loglik`` on the same data.

    Parameters
    ----------
    summary, ci_level : as :func:`bgnbd`.

    Returns
    -------
    ParetoNBDResult
        ``table`` columns ``term, estimate, se, ci_low, ci_high`` for ``r, alpha, s, beta``.

    Raises
    ------
    CxStatsError
        As :func:`bgnbd`.

    Warns
    -----
    CLVConvergenceWarning
        As :func:`bgnbd`.

    Notes
    -----
    The likelihood of Fader & Hardie's (2005) note (eq. 22), with the Gaussian
    hypergeometric term A0 taken on whichever of alpha and beta is larger. It has no
    analytic gradient here (the hypergeometric function's parameter derivatives): BFGS
    uses central differences, and the Hessian for the standard errors comes from second
    differences of the log-likelihood, so fits take seconds on thousands of customers,
    not milliseconds. Checked against lifetimes 0.11.3 ``ParetoNBDFitter`` on the CDNOW
    sample: the log-likelihood is at least lifetimes' (whose Nelder-Mead search stops
    about 1e-4 short in the parameters), and P(alive) and conditional expected purchases
    at lifetimes' parameters agree to 1e-10.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G., & Colombo, R. (1987). Counting your customers: Who
    are they and what will they do next? Management Science, 33(1), 1-24.
    Fader, P. S., & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
    related expressions. http://brucehardie.com/notes/009/

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> model = cxstats.pareto_nbd(cxstats.clv_summary(cd, duplicates="keep"))
    >>> # lifetimes: ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"])
    >>> model.converged, list(model.table["term"])
    (True, ['r', 'alpha', 's', 'beta'])
    """
    return _purchase_model(summary, ci_level, "pareto_nbd", ParetoNBDResult, models.pareto_fit, models.PARETO_TERMS)


def _purchase_model(summary: object, ci_level: float, where: str, result: type, fitter: Any,
                    terms: tuple[str, ...]) -> Any:
    level = _ci_level(ci_level)
    frame, unit = history_frame(summary, where, ("frequency", "recency", "T"))
    x, tx, T = (frame[c].to_numpy() for c in ("frequency", "recency", "T"))
    if not (x > 0).any():
        raise CxStatsError(f"{where}: no customer made a repeat purchase (all {len(frame)} have frequency 0); the "
                           "model cannot tell how often customers buy or when they stop. Use a longer observation "
                           "period.")
    fit = fitter(x, tx, T)
    problems = []
    if not fit.converged:
        problems.append(warn(f"{where}: the {result._name} fit did not converge: {fit.message}. Its predictions and "
                             "CLV are not reliable.", CLVConvergenceWarning))
    return result(table=_parameter_table(terms, fit, level), data=frame[["customer", "frequency", "recency", "T"]],
                  loglik=float(fit.loglik), n=len(frame), n_repeat=int((x > 0).sum()), time_unit=unit,
                  converged=fit.converged, iterations=fit.iterations, ci_level=level, problems=tuple(problems))


# ---------------------------------------------------------------- Gamma-Gamma


@single_threaded_blas
def gamma_gamma(summary: CLVSummary | CalibrationHoldout | pd.DataFrame, *, ci_level: float = 0.95,
                max_correlation: float = MAX_CORRELATION) -> GammaGammaResult:
    """Fit the Gamma-Gamma spend model (Fader, Hardie & Lee, 2005b) to the repeat buyers.

    Parameters
    ----------
    summary : as :func:`bgnbd`; needs ``frequency`` and ``monetary_value``.
    ci_level : coverage of the Wald intervals.
    max_correlation : warn when |correlation of frequency and monetary value| exceeds it.

    Returns
    -------
    GammaGammaResult
        ``table`` columns ``term, estimate, se, ci_low, ci_high`` for ``p, q, v``;
        ``.expected_spend()`` per customer.

    Raises
    ------
    CxStatsError
        No repeat buyers; a repeat buyer's monetary value is 0 (customers named: the model
        needs positive spend; drop them or add a small amount).

    Warns
    -----
    SpendFrequencyCorrelationWarning
        Frequency and spend are correlated beyond ``max_correlation`` (``correlation`` and
        ``problems`` on the result).
    CLVConvergenceWarning
        No convergence, or ``q <= 1`` (the mean spend is infinite).

    Notes
    -----
    A customer's purchase amounts are gamma(p, nu), nu ~ gamma(q, v); the mean m of x
    purchases has the likelihood ``Gamma(px + q) / (Gamma(px) Gamma(q)) * v^q m^(px - 1)
    x^(px) / (v + m x)^(px + q)``. Expected spend per purchase given the history:
    ``(1 - w) p v / (q - 1) + w m`` with ``w = p x / (p x + q - 1)``. Fitted as :func:`bgnbd`;
    matches lifetimes 0.11.3 ``GammaGammaFitter`` on the CDNOW sample.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005b). RFM and CLV: Using iso-value
    curves for customer base analysis. Journal of Marketing Research, 42(4), 415-430.

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> spend = cxstats.gamma_gamma(cxstats.clv_summary(cd, duplicates="keep"))
    >>> # lifetimes: GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"]) on frequency > 0
    >>> spend.converged, abs(spend.correlation) < 0.3
    (True, True)
    """
    where = "gamma_gamma"
    level = _ci_level(ci_level)
    frame, _ = history_frame(summary, where, ("frequency", "monetary_value"))
    repeat = frame["frequency"].to_numpy() > 0
    if not repeat.any():
        raise CxStatsError(f"{where}: no customer made a repeat purchase; the spend model is fitted to repeat "
                           "purchases. Use a longer observation period.")
    buyers = frame[repeat]
    zero = buyers["monetary_value"].to_numpy() <= 0
    if zero.any():
        raise CxStatsError(f"{where}: customer(s) {listing(buyers['customer'][zero], limit=10)} made repeat purchases "
                           "worth 0 in all; the Gamma-Gamma model needs positive spend. Leave them out "
                           "(summary.table[summary.table.monetary_value > 0]) or check their amounts.")
    x, m = buyers["frequency"].to_numpy(), buyers["monetary_value"].to_numpy()
    correlation = float(np.corrcoef(x, m)[0, 1]) if len(buyers) > 2 and x.std() > 0 and m.std() > 0 else float("nan")
    problems = []
    if np.isfinite(correlation) and abs(correlation) > max_correlation:
        problems.append(warn(f"{where}: frequency and monetary value of the repeat buyers are correlated (r = "
                             f"{correlation:.2f}, above {max_correlation}); the Gamma-Gamma model assumes spend per "
                             "purchase does not depend on how often a customer buys, so its expected spends and CLV "
                             "are biased.", SpendFrequencyCorrelationWarning))
    fit = models.gamma_gamma_fit(x, m)
    p, q, v = fit.params
    mean_spend = p * v / (q - 1) if q > 1 else float("inf")
    converged = bool(fit.converged and q > 1)
    if not fit.converged:
        problems.append(warn(f"{where}: the Gamma-Gamma fit did not converge: {fit.message}. Its expected spends are "
                             "not reliable.", CLVConvergenceWarning))
    elif q <= 1:
        problems.append(warn(f"{where}: the estimate q = {q:.3g} is not above 1, so the expected spend per purchase "
                             "is infinite; the spend model does not fit these data.", CLVConvergenceWarning))
    return GammaGammaResult(table=_parameter_table(models.GAMMA_GAMMA_TERMS, fit, level),
                            data=frame[["customer", "frequency", "monetary_value"]], loglik=float(fit.loglik),
                            n=int(repeat.sum()), correlation=correlation, mean_spend=float(mean_spend),
                            converged=converged, iterations=fit.iterations, ci_level=level, problems=tuple(problems))



# ---------------------------------------------------------------- lifetime value


@single_threaded_blas
def lifetime_value(purchases: BGNBDResult | ParetoNBDResult, spend: GammaGammaResult, *, months: int = 12,
                   discount_rate: float = 0.01, segments: pd.Series | Mapping[Any, Any] | None = None,
                   n_boot: int = 200, ci_level: float = 0.95, seed: int | None = None,
                   min_base: int = 30) -> LifetimeValueResult:
    """Customer lifetime value: discounted expected spend over the next ``months``, per customer and segment.

    Parameters
    ----------
    purchases : :func:`bgnbd` (or :func:`pareto_nbd`) fitted to the same customers as ``spend``.
    spend : :func:`gamma_gamma` fitted to the same summary.
    months : horizon in months (a month is 30 days, or 4.345 weeks).
    discount_rate : monthly discount rate (0.01 is about 12.7% a year).
    segments : segment of each customer, a Series indexed by customer id or a mapping
        (e.g. ``rfm(...).table.set_index("customer")["segment"]``). Default: one group.
    n_boot : bootstrap draws (customers resampled with replacement, both models refitted);
        0 for no intervals.
    ci_level : coverage of the percentile intervals.
    seed : seed of the bootstrap.
    min_base : segments with fewer customers are listed but not described in
        ``plain_summary()`` (their intervals are too wide to act on).

    Returns
    -------
    LifetimeValueResult
        ``table`` (one row per customer: ``customer, segment, frequency, recency, T,
        monetary_value, expected_purchases, p_alive, expected_spend, clv, ci_low, ci_high``;
        the per-customer interval is NaN when ``n_boot`` x customers exceeds 20 million)
        and ``segments`` (``segment, customers, mean_clv, ci_low, ci_high, total_clv,
        total_ci_low, total_ci_high``); ``.plot()`` draws the segments.

    Raises
    ------
    CxStatsError
        The two models were fitted to different customers; a customer has no segment
        (named); ``months``, ``discount_rate`` or ``n_boot`` out of range.

    Warns
    -----
    CLVConvergenceWarning
        Some bootstrap refits did not converge (left out; ``failed_draws`` on the result).

    Notes
    -----
    ``CLV = sum_{k=1..months} E[spend] * (E[Y(k)] - E[Y(k-1)]) / (1 + discount_rate)^k``,
    with ``E[Y(t)]`` the BG/NBD conditional expected purchases by time t (in the models'
    time unit, month k ending at 30 k days) and ``E[spend]`` the Gamma-Gamma conditional
    expected spend: lifetimes 0.11.3 ``GammaGammaFitter.customer_lifetime_value(...,
    time=months, discount_rate=..., freq=...)``, which it matches on the CDNOW sample.
    Per-customer intervals hold each customer's history fixed and vary the parameters;
    segment intervals also resample the customers of each segment. Each draw refits both models
    from the point estimates (a BG/NBD refit takes milliseconds on the CDNOW sample; a
    Pareto/NBD refit about a second, so keep ``n_boot`` modest with :func:`pareto_nbd`).

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> s = cxstats.clv_summary(cd, duplicates="keep")
    >>> value = cxstats.lifetime_value(cxstats.bgnbd(s), cxstats.gamma_gamma(s), n_boot=0)
    >>> # lifetimes: ggf.customer_lifetime_value(bgf, s["frequency"], s["recency"], s["T"],
    >>> #            s["monetary_value"], time=12, discount_rate=0.01, freq="D")
    >>> list(value.segments["segment"]), value.total_clv > 0
    (['All customers'], True)
    >>> rfm_segment = cxstats.rfm(cd, duplicates="keep").table.set_index("customer")["segment"]
    >>> by_segment = cxstats.lifetime_value(cxstats.bgnbd(s), cxstats.gamma_gamma(s), segments=rfm_segment,
    ...                                     n_boot=20, seed=1)
    >>> by_segment.segments.columns.tolist()
    ['segment', 'customers', 'mean_clv', 'ci_low', 'ci_high', 'total_clv', 'total_ci_low', 'total_ci_high']
    >>> by_segment.segments["segment"].iloc[0]  # RFM's reporting order
    'Champions'
    """
    where = "lifetime_value"
    if not isinstance(purchases, PurchaseModel) or not isinstance(spend, GammaGammaResult):
        raise TypeError(f"{where} needs a bgnbd() (or pareto_nbd()) result and a gamma_gamma() result, got "
                        f"{type(purchases).__name__} and {type(spend).__name__}.")
    months = count("months", months, minimum=1)
    if isinstance(discount_rate, bool) or not isinstance(discount_rate, (int, float)) or not 0 <= discount_rate < 1:
        raise CxStatsError(f"{where}: discount_rate must be a monthly rate from 0 to 1 (e.g. 0.01), got "
                           f"{discount_rate!r}.")
    n_boot = count("n_boot", n_boot, minimum=0)
    min_base = count("min_base", min_base, minimum=1)
    level = _ci_level(ci_level)
    a, b = purchases.data, spend.data
    if len(a) != len(b) or not (np.array_equal(a["customer"].to_numpy(), b["customer"].to_numpy())
                                and np.array_equal(a["frequency"].to_numpy(), b["frequency"].to_numpy())):
        raise CxStatsError(f"{where}: the purchase and spend models were fitted to different customers ({len(a)} and "
                           f"{len(b)}); fit bgnbd() and gamma_gamma() to the same summary.")
    frame = a.assign(monetary_value=b["monetary_value"].to_numpy())
    labels, order = _segments(frame["customer"], segments, where)
    x, tx, T, m = (frame[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value"))
    unit = purchases.time_unit
    exp_spend = models.gamma_gamma_expected(x, m, spend.params)
    params = purchases.params
    clv = models.lifetime_value(lambda t: purchases._conditional(t, x, tx, T, params), exp_spend, months,
                                discount_rate, unit)
    table = frame.assign(segment=labels)[["customer", "segment", "frequency", "recency", "T", "monetary_value"]]
    table["expected_purchases"] = purchases._conditional(months * models.MONTH[unit], x, tx, T, params)
    table["p_alive"] = purchases._alive(x, tx, T, params)
    table["expected_spend"] = exp_spend
    table["clv"] = clv
    names = pd.Index(order)
    codes = names.get_indexer(labels)
    draws, seg_mean, seg_total, failed = _bootstrap(purchases, spend, x, tx, T, m, codes, len(names), months,
                                                    discount_rate, unit, n_boot, seed)
    tail = (1 - level) / 2
    problems = list(purchases.problems) + list(spend.problems)
    if failed:
        problems.append(warn(f"{where}: {failed} of {n_boot} bootstrap refits did not converge and were left out of "
                             "the intervals.", CLVConvergenceWarning))
    with np.errstate(all="ignore"):
        ok = n_boot - failed > 1
        low, high = (np.quantile(draws, [tail, 1 - tail], axis=0) if ok and draws.shape[1]
                     else np.full((2, len(x)), np.nan))
        table["ci_low"], table["ci_high"] = low, high
        count_by = np.bincount(codes, minlength=len(names))
        totals = np.bincount(codes, weights=clv, minlength=len(names))
        q_mean = np.nanquantile(seg_mean, [tail, 1 - tail], axis=0) if ok else np.full((2, len(names)), np.nan)
        q_total = np.nanquantile(seg_total, [tail, 1 - tail], axis=0) if ok else np.full((2, len(names)), np.nan)
        overall = np.quantile(np.nansum(seg_total, axis=1), [tail, 1 - tail]) if ok else np.full(2, np.nan)
    seg = pd.DataFrame({"segment": list(names), "customers": count_by, "mean_clv": totals / count_by,
                        "ci_low": q_mean[0], "ci_high": q_mean[1], "total_clv": totals,
                        "total_ci_low": q_total[0], "total_ci_high": q_total[1]})
    return LifetimeValueResult(table=table, segments=seg, months=months, discount_rate=float(discount_rate),
                               time_unit=unit, n_boot=n_boot, failed_draws=failed, ci_level=level, seed=seed,
                               min_base=min_base, purchase_model=purchases._name, total_ci_low=float(overall[0]),
                               total_ci_high=float(overall[1]), problems=tuple(problems))


def _segments(customers: pd.Series, segments: Any, where: str) -> tuple[np.ndarray, list[str]]:
    """Each customer's segment label, and the segments in reporting order."""
    if segments is None:
        return np.full(len(customers), "All customers", dtype=object), ["All customers"]
    if isinstance(segments, Mapping):
        segments = pd.Series(segments)
    if not isinstance(segments, pd.Series):
        raise TypeError(f"{where}: segments must be a pandas Series indexed by customer id or a dict, got "
                        f"{type(segments).__name__}.")
    labels = segments.reindex(customers.to_numpy())
    missing = labels.isna().to_numpy()
    if missing.any():
        raise CxStatsError(f"{where}: customer(s) {listing(customers[missing])} have no segment in segments=; give "
                           "every customer of the summary a segment.")
    if isinstance(labels.dtype, pd.CategoricalDtype):  # keep the categories' order (e.g. RFM's reporting order)
        present = [str(c) for c in labels.cat.categories if (labels == c).any()]
        return labels.astype(str).to_numpy(dtype=object), present
    values = labels.astype(str).to_numpy(dtype=object)
    return values, sorted(set(values))


def _bootstrap(purchases: PurchaseModel, spend: GammaGammaResult, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
               m: np.ndarray, codes: np.ndarray, k: int, months: int, rate: float, unit: str, n_boot: int,
               seed: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Resample customers, refit both models; each draw's CLV of every customer and segment means/totals."""
    rng = np.random.default_rng(seed)
    n = x.size
    draws = np.full((n_boot, n if n_boot * n <= MAX_DRAW_CELLS else 0), np.nan)
    seg_mean = np.full((n_boot, k), np.nan)
    seg_total = np.full((n_boot, k), np.nan)
    failed = 0
    for i in range(n_boot):
        idx = rng.integers(0, n, n)
        xi, rep = x[idx], x[idx] > 0
        if not rep.any():
            failed += 1
            continue
        bg = purchases._refit(xi, tx[idx], T[idx], purchases.params)
        gg = models.gamma_gamma_fit(xi[rep], m[idx][rep], start=spend.params)
        if not (bg.converged and gg.converged and gg.params[1] > 1):
            failed += 1
            continue
        clv = models.lifetime_value(lambda t: purchases._conditional(t, x, tx, T, bg.params),
                                    models.gamma_gamma_expected(x, m, gg.params), months, rate, unit)
        if draws.shape[1]:
            draws[i] = clv
        counts = np.bincount(codes[idx], minlength=k)
        seg_total[i] = np.bincount(codes[idx], weights=clv[idx], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            seg_mean[i] = seg_total[i] / counts
    keep = ~np.isnan(seg_total).all(axis=1)
    return draws[keep], seg_mean[keep], seg_total[keep], failed


# ---------------------------------------------------------------- holdout check


def holdout_validation(model: BGNBDResult | ParetoNBDResult, holdout: CalibrationHoldout, *,
                       max_purchases: int = 7) -> HoldoutValidation:
    """Compare the purchases a BG/NBD model forecast for the holdout period with those made.

    Parameters
    ----------
    model : :func:`bgnbd` fitted to ``holdout`` (its calibration columns).
    holdout : :func:`calibration_holdout`.
    max_purchases : customers with this many calibration repeat purchases or more form the
        last group.

    Returns
    -------
    HoldoutValidation
        ``table`` columns ``calibration_purchases, label, customers, actual, predicted``;
        ``.plot()`` draws them.

    Raises
    ------
    CxStatsError
        The model was fitted to other data than ``holdout``'s calibration period.

    Notes
    -----
    ``predicted`` is the mean of E[Y(duration) | x, tx, T] over the group's customers and
    ``actual`` the mean of their holdout purchases; the groups below ``max_purchases`` are
    lifetimes' ``plot_calibration_purchases_vs_holdout_purchases(model, data, n=max_purchases)``.

    Examples
    --------
    >>> import cxstats
    >>> cd = cxstats.load_dataset("cdnow_transactions").data
    >>> split = cxstats.calibration_holdout(cd, calibration_end="1997-09-30", duplicates="keep")
    >>> check = cxstats.holdout_validation(cxstats.bgnbd(split), split)
    >>> # lifetimes: plot_calibration_purchases_vs_holdout_purchases(bgf, split, n=7)
    >>> list(check.table["label"])
    ['0', '1', '2', '3', '4', '5', '6', '7+']
    """
    where = "holdout_validation"
    if not isinstance(model, PurchaseModel) or not isinstance(holdout, CalibrationHoldout):
        raise TypeError(f"{where} needs a bgnbd() (or pareto_nbd()) result and a calibration_holdout() result, got "
                        f"{type(model).__name__} and {type(holdout).__name__}.")
    max_purchases = count("max_purchases", max_purchases, minimum=1)
    t = holdout.table
    if len(t) != len(model.data) or not np.array_equal(t["frequency_cal"].to_numpy(), model.data["frequency"].to_numpy()):
        raise CxStatsError(f"{where}: the model was not fitted to this split's calibration period; fit it with "
                           "cxstats.bgnbd(holdout) first.")
    predicted = model._conditional(holdout.duration_holdout, t["frequency_cal"].to_numpy(),
                                         t["recency_cal"].to_numpy(), t["T_cal"].to_numpy(), model.params)
    group = np.minimum(t["frequency_cal"].to_numpy(), max_purchases).astype(int)
    frame = pd.DataFrame({"g": group, "actual": t["frequency_holdout"].to_numpy(dtype=float), "predicted": predicted})
    table = frame.groupby("g").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                   predicted=("predicted", "mean")).reset_index()
    table = table.rename(columns={"g": "calibration_purchases"})
    table.insert(1, "label", [f"{g}+" if g == max_purchases else str(g) for g in table["calibration_purchases"]])
    return HoldoutValidation(table=table, total_actual=float(frame["actual"].sum()),
                             total_predicted=float(predicted.sum()), duration_holdout=holdout.duration_holdout,
                             time_unit=holdout.time_unit, calibration_end=holdout.calibration_end,
                             observation_end=holdout.observation_end, n_customers=len(t), model=model._name)
