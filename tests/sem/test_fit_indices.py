"""Fit indices of cxstats.sem.fit against lavaan 0.6.14 ``fitMeasures()``.

The references are the fit records in tests/reference/*.json (made by the R scripts
next to them). Every index is recomputed from the numbers lavaan stored (chisq, df,
baseline, nobs, logl, npar) or from the stored sample and implied covariance matrices,
and must agree to 1e-6 relative or 1e-8 absolute.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cxstats.sem.fit_indices import (
    agfi, cfi, chisq_pvalue, crmr, gfi, ifi, information_criteria, loglik_normal, nfi, nnfi,
    rfi, rmr, rmsea, rmsea_ci, rmsea_notclose_pvalue, rmsea_pvalue, rni, srmr, srmr_mplus,
    tli,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
# (file, fit) pairs: every fit of each case; of the mediation case only the standard fit
# (its bootstrap fit has the same estimates and fit measures).
CASES = {"lavaan_hs_cfa.json": None, "lavaan_poldem.json": None,
         "lavaan_mediation.json": ["standard"], "lavaan_ecsi.json": None}


def _records() -> list:
    params = []
    for file, only in CASES.items():
        fits = json.loads((REFERENCE / file).read_text())["fits"]
        for name in only or fits:
            params.append(pytest.param(fits[name], id=f"{file[7:-5]}-{name}"))
    return params


RECORDS = _records()


def _matrices(record: dict) -> tuple[np.ndarray, np.ndarray]:
    """Sample and implied covariance matrices, both in the sample matrix's variable order."""
    s, sigma = record["sample_cov"], record["implied_cov"]
    assert s["rownames"] == s["colnames"] and sigma["rownames"] == sigma["colnames"]
    order = [sigma["rownames"].index(name) for name in s["rownames"]]
    implied = np.asarray(sigma["values"], dtype=float)[np.ix_(order, order)]
    return np.asarray(s["values"], dtype=float), implied


def _tests(record: dict) -> tuple[float, float, float, float, int]:
    fm = record["fit_measures"]
    return fm["chisq"], fm["df"], fm["baseline.chisq"], fm["baseline.df"], record["nobs"]


def _lavaan(value: float | None) -> float:
    return math.nan if value is None else value  # NA is written as null


# lavaan fitMeasures() name -> how cxstats computes it from a fit record
INDICES = {
    "pvalue": lambda r: chisq_pvalue(r["fit_measures"]["chisq"], r["fit_measures"]["df"]),
    "baseline.pvalue": lambda r: chisq_pvalue(r["fit_measures"]["baseline.chisq"],
                                              r["fit_measures"]["baseline.df"]),
    "cfi": lambda r: cfi(*_tests(r)[:4]),
    "tli": lambda r: tli(*_tests(r)[:4]),
    "nnfi": lambda r: nnfi(*_tests(r)[:4]),
    "rfi": lambda r: rfi(*_tests(r)[:4]),
    "nfi": lambda r: nfi(*_tests(r)[:4]),
    "ifi": lambda r: ifi(*_tests(r)[:4]),
    "rni": lambda r: rni(*_tests(r)[:4]),
    "rmsea": lambda r: rmsea(_tests(r)[0], _tests(r)[1], nobs=r["nobs"]),
    "rmsea.ci.lower": lambda r: rmsea_ci(_tests(r)[0], _tests(r)[1], nobs=r["nobs"],
                                         level=r["fit_measures"]["rmsea.ci.level"])[0],
    "rmsea.ci.upper": lambda r: rmsea_ci(_tests(r)[0], _tests(r)[1], nobs=r["nobs"],
                                         level=r["fit_measures"]["rmsea.ci.level"])[1],
    "rmsea.pvalue": lambda r: rmsea_pvalue(_tests(r)[0], _tests(r)[1], nobs=r["nobs"],
                                           h0=r["fit_measures"]["rmsea.close.h0"]),
    "rmsea.notclose.pvalue": lambda r: rmsea_notclose_pvalue(
        _tests(r)[0], _tests(r)[1], nobs=r["nobs"], h0=r["fit_measures"]["rmsea.notclose.h0"]),
    "srmr": lambda r: srmr(*_matrices(r)),
    "srmr_bentler": lambda r: srmr(*_matrices(r)),
    "srmr_bentler_nomean": lambda r: srmr(*_matrices(r)),
    "srmr_mplus": lambda r: srmr_mplus(*_matrices(r)),
    "rmr": lambda r: rmr(*_matrices(r)),
    "crmr": lambda r: crmr(*_matrices(r)),
    "gfi": lambda r: gfi(*_matrices(r)),
    "agfi": lambda r: agfi(*_matrices(r), df=r["fit_measures"]["df"]),
    "logl": lambda r: loglik_normal(*_matrices(r), nobs=r["nobs"]),
    "unrestricted.logl": lambda r: loglik_normal(_matrices(r)[0], _matrices(r)[0], nobs=r["nobs"]),
    "aic": lambda r: information_criteria(r["fit_measures"]["logl"], r["fit_measures"]["npar"],
                                          r["nobs"])["aic"],
    "bic": lambda r: information_criteria(r["fit_measures"]["logl"], r["fit_measures"]["npar"],
                                          r["nobs"])["bic"],
    "bic2": lambda r: information_criteria(r["fit_measures"]["logl"], r["fit_measures"]["npar"],
                                           r["nobs"])["bic2"],
}


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("index", list(INDICES))
def test_index_matches_lavaan(record: dict, index: str) -> None:
    expected = _lavaan(record["fit_measures"][index])
    assert INDICES[index](record) == pytest.approx(expected, rel=1e-6, abs=1e-8, nan_ok=True)


@pytest.mark.parametrize("record", RECORDS)
def test_reference_record_is_what_these_tests_assume(record: dict) -> None:
    """ML, normal likelihood, no mean structure, one group: N (not N - 1) everywhere."""
    options = record["options"]
    assert options["estimator"] == "ML" and options["likelihood"] == "normal"
    assert options["meanstructure"] is False
    assert record["fit_measures"]["ntotal"] == record["nobs"]


# -- edge cases --------------------------------------------------------------------------
def test_saturated_model_follows_lavaan_conventions() -> None:
    # lavaan 0.6.14, sem("x1 ~ x2 + x3", HolzingerSwineford1939): chisq = 0 on 0 df,
    # baseline 74.329 on 2 df; fitMeasures() gives cfi = tli = rfi = nfi = ifi = rni = 1,
    # rmsea = ci.lower = ci.upper = 0, pvalue = rmsea.pvalue = rmsea.notclose.pvalue = NA.
    args = dict(chisq=0.0, df=0, baseline_chisq=74.329, baseline_df=2)
    for index in (cfi, tli, rfi, nfi, ifi, rni):
        assert index(**args) == 1.0, index.__name__
    assert rmsea(0.0, 0, nobs=301) == 0.0
    assert rmsea_ci(0.0, 0, nobs=301) == (0.0, 0.0)
    assert math.isnan(chisq_pvalue(0.0, 0))
    assert math.isnan(rmsea_pvalue(0.0, 0, nobs=301))
    assert math.isnan(rmsea_notclose_pvalue(0.0, 0, nobs=301))
    s = np.array([[1.3, 0.4], [0.4, 1.1]])
    assert agfi(s, s, df=0) == 1.0
    assert srmr(s, s) == rmr(s, s) == crmr(s, s) == srmr_mplus(s, s) == 0.0
    assert gfi(s, s) == pytest.approx(1.0, abs=1e-15)


def test_tli_is_one_when_df_is_zero_even_with_misfit() -> None:
    assert tli(chisq=5.0, df=0, baseline_chisq=100.0, baseline_df=10) == 1.0


def test_chisq_below_df_gives_rmsea_zero_and_cfi_one() -> None:
    x, d, x0, d0, n = 20.0, 35, 730.654085392558, 55, 75
    assert rmsea(x, d, nobs=n) == 0.0
    assert cfi(x, d, x0, d0) == 1.0
    assert rmsea_ci(x, d, nobs=n)[0] == 0.0
    assert tli(x, d, x0, d0) == pytest.approx(1 + 15 * 55 / ((x0 - d0) * 35))  # above 1
    assert rni(x, d, x0, d0) == pytest.approx(1 + 15 / (x0 - d0))  # not truncated either
    assert ifi(x, d, x0, d0) == pytest.approx((x0 - x) / (x0 - d))


def test_cfi_is_one_when_both_numerators_are_zero_within_all_equal_tolerance() -> None:
    assert cfi(chisq=10.0, df=10, baseline_chisq=4.0, baseline_df=5) == 1.0
    assert cfi(chisq=10.0 + 1e-9, df=10, baseline_chisq=5.0, baseline_df=5) == 1.0
    assert cfi(chisq=12.0, df=10, baseline_chisq=8.0, baseline_df=10) == 0.0  # t1 = t2 = 2


def test_na_conventions_of_incremental_indices() -> None:
    assert math.isnan(rni(chisq=12.0, df=10, baseline_chisq=5.0, baseline_df=5))
    assert math.isnan(nfi(chisq=12.0, df=10, baseline_chisq=50.0, baseline_df=5))
    assert math.isnan(nfi(chisq=0.0, df=1, baseline_chisq=0.0, baseline_df=5))
    assert math.isnan(rfi(chisq=12.0, df=10, baseline_chisq=50.0, baseline_df=5))
    assert math.isnan(ifi(chisq=1.0, df=5, baseline_chisq=5.0, baseline_df=10))
    assert ifi(chisq=1.0, df=5, baseline_chisq=4.0, baseline_df=10) == 1.0
    assert rfi(chisq=30.0, df=5, baseline_chisq=40.0, baseline_df=10) == 1.0  # t1 < 0


def test_rmsea_ci_bounds_are_the_noncentral_chisquare_quantiles() -> None:
    x, d, n = 85.3055217699727, 24, 301
    for level in (0.90, 0.95):
        lower, upper = rmsea_ci(x, d, nobs=n, level=level)
        lam_l, lam_u = lower ** 2 * n * d, upper ** 2 * n * d
        assert stats.ncx2.cdf(x, d, lam_l) == pytest.approx((1 + level) / 2, abs=1e-6)
        assert stats.ncx2.cdf(x, d, lam_u) == pytest.approx((1 - level) / 2, abs=1e-6)
    assert rmsea_ci(x, d, nobs=n, level=0.95)[1] > rmsea_ci(x, d, nobs=n)[1]


def test_ngroups_scales_rmsea_and_noncentrality_as_lavaan() -> None:
    x, d, n = 85.3055217699727, 24, 301
    assert rmsea(x, d, nobs=n, ngroups=2) == pytest.approx(math.sqrt(2) * rmsea(x, d, nobs=n))
    lower2 = rmsea_ci(x, d, nobs=n, ngroups=2)[0]
    assert lower2 == pytest.approx(math.sqrt(2) * rmsea_ci(x, d, nobs=n)[0], rel=1e-12)
    assert rmsea_pvalue(x, d, nobs=n, ngroups=2) == pytest.approx(
        1 - stats.ncx2.cdf(x, d, n * d * 0.05 ** 2 / 2))


def test_mean_residuals_enter_srmr_rmr_and_loglik() -> None:
    s = np.array([[2.0, 0.6, 0.3], [0.6, 1.5, 0.4], [0.3, 0.4, 1.0]])
    sigma = np.array([[2.0, 0.5, 0.35], [0.5, 1.5, 0.45], [0.35, 0.45, 1.0]])
    m, mu = np.array([1.0, 2.0, 3.0]), np.array([1.1, 2.0, 2.8])
    # equal means: the same squared residuals over 6 + 3 instead of 6 moments
    assert srmr(s, sigma, m, m) == pytest.approx(srmr(s, sigma) * math.sqrt(6 / 9))
    assert rmr(s, sigma, m, m) == pytest.approx(rmr(s, sigma) * math.sqrt(6 / 9))
    sd = np.sqrt(np.diag(s))
    by_hand = (np.sum(((s - sigma) / np.outer(sd, sd))[np.tril_indices(3)] ** 2)
               + np.sum(((m - mu) / sd) ** 2)) / 9
    assert srmr(s, sigma, m, mu) == pytest.approx(math.sqrt(by_hand))
    d = m - mu
    shift = -50 * d @ np.linalg.solve(sigma, d)
    assert loglik_normal(s, sigma, 100, m, mu) == pytest.approx(
        loglik_normal(s, sigma, 100) + shift)
    assert loglik_normal(s, s, 100, m, m) == pytest.approx(
        -50 * (3 * math.log(2 * math.pi) + math.log(np.linalg.det(s)) + 3))


def test_near_zero_moments_are_left_unstandardised_as_in_lavaan() -> None:
    # lavaan's lav_residuals_rescale(): |moment| < 1e-5 keeps scale 1
    s = np.array([[4.0, 4e-6], [4e-6, 0.25]])
    sigma = np.array([[4.0, 0.0], [0.0, 0.25]])
    assert srmr(s, sigma) == pytest.approx(math.sqrt(4e-6 ** 2 / 3))


# -- errors ------------------------------------------------------------------------------
S3 = np.array([[2.0, 0.6, 0.3], [0.6, 1.5, 0.4], [0.3, 0.4, 1.0]])

ERRORS = [
    (lambda: cfi(-1, 24, 918.9, 36),
     "Argument 'chisq' is -1; a chi-square statistic must be a finite number >= 0. "
     "Pass the model's test statistic."),
    (lambda: tli(85.3, 24, math.nan, 36),
     "Argument 'baseline_chisq' is nan; a chi-square statistic must be a finite number >= 0. "
     "Pass the baseline model's test statistic."),
    (lambda: chisq_pvalue(3.0, -2),
     "Argument 'df' is -2; degrees of freedom must be a finite number >= 0. "
     "Pass the model's degrees of freedom (0 if saturated)."),
    (lambda: nfi(85.3, 24, 918.9, -36),
     "Argument 'baseline_df' is -36; degrees of freedom must be a finite number >= 0. "
     "Pass the baseline model's degrees of freedom."),
    (lambda: rfi("85.3", 24, 918.9, 36),
     "Argument 'chisq' is '85.3'; a chi-square statistic must be a finite number >= 0."),
    (lambda: rmsea(85.3, 24, nobs=1),
     "Argument 'nobs' is 1; the number of observations must be a finite number >= 2. "
     "Pass the N the model was fitted to."),
    (lambda: rmsea(85.3, 24, nobs=301, ngroups=0),
     "Argument 'ngroups' is 0; the number of groups must be a finite number >= 1."),
    (lambda: rmsea_ci(85.3, 24, nobs=301, level=90),
     "Argument 'level' is 90; a confidence level must lie strictly between 0 and 1. "
     "Pass e.g. 0.90."),
    (lambda: rmsea_pvalue(85.3, 24, nobs=301, h0=0),
     "Argument 'h0' is 0; the RMSEA of the null hypothesis must be a number > 0. "
     "Pass e.g. 0.05 (close fit) or 0.08 (not-close fit)."),
    (lambda: rmsea_notclose_pvalue(85.3, 24, nobs=1.5),
     "Argument 'nobs' is 1.5; the number of observations must be a finite number >= 2."),
    (lambda: information_criteria(logl=math.inf, npar=21, nobs=301),
     "Argument 'logl' is inf; a log-likelihood must be a finite number. "
     "Pass the model's log-likelihood (loglik_normal)."),
    (lambda: information_criteria(logl=-3737.7, npar=-1, nobs=301),
     "Argument 'npar' is -1; the number of free parameters must be a finite number >= 0. "
     "Pass the count of estimated parameters."),
    (lambda: srmr(S3[:2], S3),
     "Argument 'sample_cov' has shape (2, 3); a covariance matrix must be square (p x p). "
     "Pass the matrix of the observed variables."),
    (lambda: rmr(S3, [1.0, 2.0, 3.0]),
     "Argument 'implied_cov' has shape (3,); a covariance matrix must be square (p x p)."),
    (lambda: crmr(S3, np.triu(S3)),
     "Argument 'implied_cov' is not a finite symmetric matrix. "
     "Pass a covariance matrix without NaN or infinite values."),
    (lambda: srmr_mplus(np.where(np.eye(3) == 1, np.nan, S3), S3),
     "Argument 'sample_cov' is not a finite symmetric matrix."),
    (lambda: srmr(S3, S3[:2, :2]),
     "Arguments 'sample_cov' (3 x 3) and 'implied_cov' (2 x 2) differ in size. "
     "Pass both over the same observed variables, in the same order."),
    (lambda: srmr(np.diag([1.0, 0.0, 2.0]), S3),
     "Argument 'sample_cov' has a non-positive variance (row 1: 0). Check that every "
     "variable varies and that the estimates contain no negative variance."),
    (lambda: crmr(S3, np.diag([1.0, 1.0, -0.2])),
     "Argument 'implied_cov' has a non-positive variance (row 2: -0.2)."),
    (lambda: srmr(S3, S3, sample_mean=[0.0, 0.0, 0.0]),
     "Only 'sample_mean' was given. Pass both 'sample_mean' and 'implied_mean', or neither."),
    (lambda: rmr(S3, S3, implied_mean=[0.0, 0.0, 0.0]),
     "Only 'implied_mean' was given."),
    (lambda: srmr(S3, S3, [0.0, 0.0], [0.0, 0.0, 0.0]),
     "Argument 'sample_mean' has shape (2,) but the covariance matrices are 3 x 3. "
     "Pass one mean per observed variable."),
    (lambda: rmr(S3, S3, [0.0, 0.0, 0.0], [0.0, math.nan, 0.0]),
     "Argument 'implied_mean' contains NaN or infinite values."),
    (lambda: loglik_normal(S3, [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]], nobs=100),
     "Argument 'implied_cov' is not positive definite (smallest eigenvalue -1). Check the "
     "estimates (e.g. a negative variance) before computing this index."),
    (lambda: gfi(S3, [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
     "Argument 'implied_cov' is not positive definite (smallest eigenvalue -1)."),
    (lambda: loglik_normal(S3, S3, nobs=0),
     "Argument 'nobs' is 0; the number of observations must be a finite number >= 2."),
    (lambda: agfi(S3, S3, df=-3),
     "Argument 'df' is -3; degrees of freedom must be a finite number >= 0."),
]


@pytest.mark.parametrize("call, message", ERRORS, ids=[m[:40] for _, m in ERRORS])
def test_error_message(call, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        call()
    text = str(info.value)
    assert text[0].isupper() and text.endswith("."), text
