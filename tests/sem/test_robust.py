"""The MLR layer (cxstats.sem._robust) against lavaan 0.6.14, evaluated AT lavaan's estimates.

References: tests/reference/lavaan_mlr.R (HS CFA and PolDem, estimator = "MLR") and
tests/reference/lavaan_mlr_extra.R (an `==` constraint, two groups configural/metric,
lavTestLRT's Satorra-Bentler 2001 difference). Tolerances: SEs 1e-3 relative,
chi-squares and scaling factors 1e-6 relative, fit measures 1e-4 absolute.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
from _group_view import GroupView, equality_basis, lavaan_index, lavaan_theta
from conftest import REFERENCE, ROOT

from cxstats.sem import _robust as robust
from cxstats.sem.estimate import _gradient_and_hessian
from cxstats.sem.inference import constraint_basis
from cxstats.sem.matrices import RamModel
from cxstats.sem.partable import build_parameter_table
from cxstats.sem.syntax import parse_model

SCALED_KEYS = ("chisq", "chisq.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
               "baseline.chisq.scaling.factor", "scaling.factor.h1", "scaling.factor.h0")


@cache
def _json(name: str) -> dict:
    return json.loads((REFERENCE / f"{name}.json").read_text())


def _moments(values):
    mean = values.mean(axis=0)
    return (values - mean).T @ (values - mean) / len(values), mean


def _group_models(rec: dict, *, meanstructure: bool):
    """(models, data, theta, lavaan table) with each group's free parameters mapped to lavaan's."""
    table = pd.DataFrame(rec["parameters"])
    table["rhs"] = table["rhs"].str.replace(" ", "")
    spec = build_parameter_table(parse_model(rec["model"]), meanstructure=meanstructure)
    frame = pd.read_csv(ROOT / rec["data_file"])
    theta = lavaan_theta(table)
    groups = table["group"].max() if "group" in table else 1
    models, data = [], []
    for g in range(1, groups + 1):
        rows = frame if groups == 1 else frame[frame["school"] == rec["group_labels"][g - 1]]
        values = rows[list(spec.observed)].to_numpy(float)
        cov, mean = _moments(values)
        index = lavaan_index(spec, table, g if "group" in table else None)
        models.append(GroupView(RamModel(spec, cov, mean), index, len(theta)))
        data.append(values)
    return models, data, theta, table


def _check_measures(ours: dict, theirs: dict, *, scaled_keys=SCALED_KEYS) -> None:
    compared = [k for k in ours if theirs.get(k) is not None]
    assert len(compared) >= 40
    for key in compared:
        assert ours[key] == pytest.approx(theirs[key], abs=1e-4), key
    for key in scaled_keys:
        assert ours[key] == pytest.approx(theirs[key], rel=1e-6), key
    reported_na = [k for k in ours if k in theirs and theirs[k] is None]
    assert all(not np.isfinite(ours[k]) for k in reported_na), reported_na


# --------------------------------------------------------------------------- one group
@pytest.fixture(scope="module", params=["hs_cfa", "poldem"])
def single(request):
    rec = _json("lavaan_mlr")["fits"][request.param]
    models, data, theta, table = _group_models(rec, meanstructure=False)
    return rec, models[0].model, data[0], theta, table, robust.mlr(models[0].model, theta, data[0])


def test_sandwich_standard_errors_and_vcov_match_lavaan(single):
    rec, _, _, _, table, fit = single
    free = table[table["free"] > 0].sort_values("free")
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), free["se"], rtol=1e-3)
    np.testing.assert_allclose(fit.vcov, np.array(rec["vcov"]["values"]), rtol=1e-3, atol=1e-9)


def test_yuan_bentler_mplus_test_matches_lavaan(single):
    rec, _, _, _, _, fit = single
    ref = rec["tests"]["yuan.bentler.mplus"]
    assert fit.test.chisq_scaled == pytest.approx(ref["stat"], rel=1e-6)
    assert fit.test.scaling_factor == pytest.approx(ref["scaling.factor"], rel=1e-6)
    assert fit.test.trace_h1 == pytest.approx(ref["trace_h1"][0], rel=1e-6)
    assert fit.test.trace_h0 == pytest.approx(ref["trace_h0"][0], rel=1e-6)
    assert fit.test.trace_ugamma == pytest.approx(ref["trace.UGamma"], rel=1e-6)
    assert fit.test.h1_ndat == ref["h1_ndat"][0]
    assert fit.test.pvalue_scaled == pytest.approx(ref["pvalue"], abs=1e-10)


def test_scaled_and_robust_fit_measures_match_lavaan(single):
    rec, _, _, _, _, fit = single
    _check_measures(fit.fit_measures, rec["fit_measures"])
    assert not rec["fit_measures_not_reported"]
    for key in rec["fit_measures_requested"]:
        assert key in fit.fit_measures, key


def test_casewise_scores_sum_to_the_gradient_and_vanish_at_the_estimates(single):
    rec, model, data, theta, _, _ = single
    scores = robust.casewise_scores(model, theta, data)
    assert scores.shape == (len(data), model.n_par)
    shifted = theta * 1.01
    np.testing.assert_allclose(robust.casewise_scores(model, shifted, data).sum(axis=0),
                               robust.loglik_gradient(model, shifted, data), rtol=1e-10, atol=1e-8)
    # lavaan's gradient is that of -log L / N: the mean score at its estimates
    assert np.abs(scores.mean(axis=0)).max() < 1.5 * rec["max_abs_gradient"]


def test_numerical_observed_information_equals_the_closed_form_hessian(single):
    """Without a mean structure estimate.py has the exact Hessian of F = -2 log L / N."""
    _, model, data, theta, _, fit = single
    cov, mean = _moments(data)
    _, exact = _gradient_and_hessian(model, model.implied(theta), cov, mean, exact=True)
    np.testing.assert_allclose(fit.information, exact / 2, rtol=1e-7, atol=1e-9 * np.abs(exact).max())


def test_observed_information_of_a_quadratic_is_exact():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    info = robust.observed_information(lambda t: -a @ t * 10, np.array([0.3, -2.0]), nobs=10)
    np.testing.assert_allclose(info, a, rtol=1e-9)


# --------------------------------------------------------------------------- constraints, groups
@pytest.mark.parametrize("case", ["equality", "covariates"])
def test_equality_constraint_and_fixed_x_covariates_match_lavaan(case):
    """`a == b` (sandwich and trace in the constrained space); sex and ageyr as fixed.x
    covariates (their moments left out of h1, the baseline and the df)."""
    rec = _json("lavaan_mlr_extra")["fits"][case]
    models, data, theta, table = _group_models(rec, meanstructure=False)
    k = equality_basis(table)
    if case == "equality":
        spec_k, _ = constraint_basis(models[0].spec)
        assert np.linalg.matrix_rank(np.hstack([k, spec_k])) == k.shape[1]  # the same constrained space
    else:
        assert models[0].spec.exogenous_x == ("sex", "ageyr") and rec["options"]["fixed.x"]
    fit = robust.mlr(models, theta, data, constraint_basis=k)
    free = table[table["free"] > 0].sort_values("free")
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), free["se"], rtol=1e-3)
    np.testing.assert_allclose(fit.vcov, np.array(rec["vcov"]["values"]), rtol=1e-3, atol=1e-9)
    ref = rec["tests"]["yuan.bentler.mplus"]
    assert (fit.test.df, fit.test.npar, fit.test.h1_ndat) == (ref["df"], rec["fit_measures"]["npar"], ref["h1_ndat"][0])
    _check_measures(fit.fit_measures, rec["fit_measures"])


@pytest.mark.parametrize("case", ["configural", "metric"])
def test_two_groups_with_one_parameter_vector_match_lavaan(case):
    rec = _json("lavaan_mlr_extra")["fits"][case]
    models, data, theta, table = _group_models(rec, meanstructure=True)
    assert [len(v) for v in data] == rec["nobs"]
    k = equality_basis(table)
    fit = robust.mlr(models, theta, data, constraint_basis=k)
    free = table[table["free"] > 0].sort_values("free")
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), free["se"], rtol=1e-3)
    ref = rec["tests"]["yuan.bentler.mplus"]
    assert fit.test.trace_h1 == pytest.approx(sum(ref["trace_h1"]), rel=1e-6)
    assert fit.test.trace_h0 == pytest.approx(sum(ref["trace_h0"]), rel=1e-6)
    assert fit.test.h1_ndat == sum(ref["h1_ndat"])
    _check_measures(fit.fit_measures, rec["fit_measures"])


# --------------------------------------------------------------------------- difference test
@pytest.mark.parametrize("case", ["equality", "metric"])
def test_satorra_bentler_2001_difference_matches_lavtestlrt(case):
    extra = _json("lavaan_mlr_extra")
    restricted = extra["fits"][case]["tests"]
    free = (_json("lavaan_mlr")["fits"]["hs_cfa"] if case == "equality" else extra["fits"]["configural"])["tests"]
    args = [(t["standard"]["stat"], t["standard"]["df"], t["yuan.bentler.mplus"]["scaling.factor"])
            for t in (restricted, free)]
    out = robust.scaled_difference(*args[0], *args[1])
    row = extra["lrt"][case]["table"][1]
    assert extra["lrt"][case]["method"] == "satorra.bentler.2001"
    assert out["chisq_diff"] == pytest.approx(row["Chisq diff"], rel=1e-6)
    assert out["df_diff"] == row["Df diff"]
    assert out["pvalue"] == pytest.approx(row["Pr(>Chisq)"], abs=1e-8)
    assert robust.scaled_difference(*args[1], *args[0]) == out  # order does not matter


def test_scaled_difference_edge_cases():
    same = robust.scaled_difference(30.0, 10, 1.2, 20.0, 10, 1.1)
    assert same["chisq_diff"] == 10.0 and same["df_diff"] == 0 and math.isnan(same["scaling_factor"])
    negative = robust.scaled_difference(30.0, 11, 0.5, 20.0, 10, 1.2)  # cd < 0: nan, as lavaan
    assert math.isnan(negative["chisq_diff"]) and math.isnan(negative["pvalue"])
    saturated = robust.scaled_difference(30.0, 10, 1.5, 0.0, 0, float("nan"))  # c1 = 1 when df1 = 0
    assert saturated["scaling_factor"] == pytest.approx(1.5)


def test_the_2010_form_puts_c10_in_place_of_c1_and_keeps_a_negative_cd():
    out = robust.scaled_difference(30.0, 11, 1.1, 20.0, 10, 1.2, c10=1.0)
    assert out["scaling_factor"] == pytest.approx((11 * 1.1 - 10 * 1.0) / 1)
    assert out["chisq_diff"] == pytest.approx(10.0 / 2.1)
    negative = robust.scaled_difference(30.0, 11, 1.0, 20.0, 10, 1.2, c10=1.5)  # cd = -4: kept, as lavaan
    assert negative["scaling_factor"] == pytest.approx(-4.0) and negative["chisq_diff"] == pytest.approx(-2.5)
    assert negative["pvalue"] == 1.0


def test_zero_df_leaves_the_statistic_unscaled():
    test = robust.yuan_bentler_mplus(0.0, 0, np.eye(2), np.eye(2), [(np.eye(2), np.eye(2))])
    assert test.chisq_scaled == 0.0 and math.isnan(test.scaling_factor) and math.isnan(test.pvalue_scaled)


def test_incomplete_data_is_refused_with_a_pointer_to_fiml():
    rec = _json("lavaan_mlr")["fits"]["hs_cfa"]
    models, data, theta, _ = _group_models(rec, meanstructure=False)
    data[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="complete n x p array; use cxstats.sem._fiml"):
        robust.casewise_scores(models[0].model, theta, data[0])
