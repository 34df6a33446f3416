"""The FIML layer (cxstats.sem._fiml) against lavaan 0.6.14 ``missing = "ml"``.

Reference: tests/reference/lavaan_fiml.R (HS CFA on data/hs_mcar.csv: 10 % MCAR cells and
two all-missing rows; ML and MLR; a two-group configural model). Evaluated AT lavaan's
estimates unless stated. Tolerances: EM moments 1e-5, log-likelihoods 1e-6 relative, SEs
1e-3 relative, chi-squares and scaling factors 1e-6 relative, fit measures 1e-4,
estimates from our own optimiser 1e-4.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest
from _group_view import GroupView, equality_basis, lavaan_index, lavaan_theta
from conftest import REFERENCE, ROOT

from cxstats.sem import _fiml as fiml
from cxstats.sem import _robust as robust
from cxstats.sem.estimate import start_values
from cxstats.sem.matrices import RamModel
from cxstats.sem.partable import build_parameter_table
from cxstats.sem.syntax import parse_model

SCALED_KEYS = ("chisq", "baseline.chisq", "chisq.scaled", "chisq.scaling.factor", "scaling.factor.h1",
               "scaling.factor.h0")


@cache
def _reference() -> dict:
    return json.loads((REFERENCE / "lavaan_fiml.json").read_text())


@cache
def _setup(case: str):
    rec = _reference()["fits"][case]
    spec = build_parameter_table(parse_model(rec["model"]), meanstructure=True)
    frame = pd.read_csv(ROOT / rec["data_file"])
    values = frame[list(spec.observed)].to_numpy(float)
    patterns = fiml.missing_patterns(values)
    h1 = fiml.em_saturated(patterns)
    model = RamModel(spec, h1.cov, h1.mean)
    table = pd.DataFrame(rec["parameters"])
    free = table[table["free"] > 0].sort_values("free")
    key = {(r.lhs, r.op, r.rhs.replace(" ", "")): r.est for r in free.itertuples()}
    theta = np.array([key[(r.lhs, r.op, r.rhs)] for r in sorted((r for r in spec.rows if r.free > 0),
                                                                 key=lambda r: r.free)])
    return rec, model, patterns, h1, theta, free["se"].to_numpy(), values


@cache
def _fit(case: str) -> fiml.FimlFit:
    _, model, patterns, h1, theta, _, _ = _setup(case)
    return fiml.fiml(model, theta, patterns, estimator="MLR" if case == "fiml_mlr" else "ML", saturated=[h1])


CASES = ["fiml_ml", "fiml_mlr"]


# --------------------------------------------------------------------------- patterns and h1
def test_patterns_and_empty_rows_as_lavaan():
    rec, _, patterns, _, _, _, values = _setup("fiml_ml")
    assert patterns.nobs == rec["nobs"] == 301 and patterns.n_empty == 2
    assert (patterns.empty_rows + 1).tolist() == rec["empty_idx"]
    assert patterns.n_patterns == rec["n_patterns"]
    ours = sorted((tuple(m.astype(int)), n) for m, n in zip(patterns.observed, patterns.freq, strict=True))
    theirs = sorted((tuple(m), n) for m, n in zip(rec["patterns"]["observed"], rec["patterns"]["freq"], strict=True))
    assert ours == theirs
    k = int(np.argmax(patterns.freq))  # sufficient statistics of one pattern
    block = values[np.ix_(patterns.rows[k], np.flatnonzero(patterns.observed[k]))]
    np.testing.assert_allclose(patterns.mean[k], block.mean(axis=0))
    np.testing.assert_allclose(patterns.cov[k], np.cov(block.T, bias=True))


def test_em_saturated_moments_and_unrestricted_logl_match_lavaan():
    rec, model, _, h1, _, _, _ = _setup("fiml_ml")
    names = list(model.spec.observed)
    np.testing.assert_allclose(h1.mean, [rec["h1"]["mean"][n] for n in names], atol=1e-5)
    assert rec["h1"]["cov"]["colnames"] == names
    np.testing.assert_allclose(h1.cov, np.array(rec["h1"]["cov"]["values"]), atol=1e-5)
    assert h1.converged
    assert h1.logl == pytest.approx(rec["fit_measures"]["unrestricted.logl"], rel=1e-6)


def test_em_of_complete_data_is_the_sample_moments():
    rec = json.loads((REFERENCE / "lavaan_hs_cfa.json").read_text())["fits"]["default"]
    values = pd.read_csv(ROOT / rec["data_file"])[[f"x{i}" for i in range(1, 10)]].to_numpy(float)
    h1 = fiml.em_saturated(fiml.missing_patterns(values), tol=1e-12)
    mean = values.mean(axis=0)
    np.testing.assert_allclose(h1.mean, mean, atol=1e-12)
    np.testing.assert_allclose(h1.cov, np.array(rec["sample_cov"]["values"]), atol=1e-12)
    assert h1.logl == pytest.approx(rec["fit_measures"]["unrestricted.logl"], rel=1e-12)


# --------------------------------------------------------------------------- at lavaan's estimates
@pytest.mark.parametrize("case", CASES)
def test_loglik_at_lavaan_estimates(case):
    rec, model, patterns, _, theta, _, _ = _setup(case)
    imp = model.implied(theta)
    assert fiml.fiml_loglik(imp.sigma, imp.mu, patterns) == pytest.approx(rec["fit_measures"]["logl"], rel=1e-6)
    value, _ = fiml.fiml_objective(model, theta, patterns)
    assert value == pytest.approx(-2 * rec["fit_measures"]["logl"] / 301, rel=1e-10)


@pytest.mark.parametrize("case", CASES)
def test_standard_errors_match_lavaan(case):
    rec, _, _, _, _, se, _ = _setup(case)
    fit = _fit(case)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), se, rtol=1e-3)
    if case == "fiml_mlr":
        np.testing.assert_allclose(fit.vcov, np.array(rec["vcov"]["values"]), rtol=1e-3, atol=1e-9)
    assert rec["options"]["information"] == ["observed", "observed"]
    assert rec["options"]["observed.information"] == ["hessian", "hessian"]


@pytest.mark.parametrize("case", CASES)
def test_fit_measures_match_lavaan(case):
    rec = _setup(case)[0]
    fit = _fit(case)
    theirs = rec["fit_measures"]
    compared = [k for k in fit.fit_measures if theirs.get(k) is not None]
    assert len(compared) >= (58 if case == "fiml_mlr" else 36)
    assert all(k in fit.fit_measures for k in rec["fit_measures_requested"])
    for key in compared:
        assert fit.fit_measures[key] == pytest.approx(theirs[key], abs=1e-4), key
    for key in SCALED_KEYS[: 6 if case == "fiml_mlr" else 2]:
        assert fit.fit_measures[key] == pytest.approx(theirs[key], rel=1e-6), key
    assert fit.unrestricted_logl == pytest.approx(theirs["unrestricted.logl"], rel=1e-6)
    assert fit.n_empty == 2


def test_scaled_test_traces_match_lavaan():
    rec = _setup("fiml_mlr")[0]
    ref = rec["tests"]["yuan.bentler.mplus"]
    test = _fit("fiml_mlr").test
    assert test.trace_h1 == pytest.approx(ref["trace_h1"][0], rel=1e-6)
    assert test.trace_h0 == pytest.approx(ref["trace_h0"][0], rel=1e-6)
    assert test.h1_ndat == ref["h1_ndat"][0] == 54


# --------------------------------------------------------------------------- derivatives
def test_gradient_scores_and_information_are_consistent():
    _, model, patterns, _, theta, _, _ = _setup("fiml_mlr")
    point = theta * 1.02  # away from the optimum, where the gradient is not ~0
    grad = fiml.fiml_gradient(model, point, patterns)

    def logl(t):
        imp = model.implied(t)
        return fiml.fiml_loglik(imp.sigma, imp.mu, patterns)

    for j in (0, 7, 18, 25):  # a loading, a residual variance, a factor variance, an intercept
        e = np.zeros(len(point))
        e[j] = 1e-3  # five-point stencil: truncation ~1e-12, rounding ~1e-9 at |log L| ~ 3000
        numeric = (logl(point - 2 * e) - 8 * logl(point - e) + 8 * logl(point + e) - logl(point + 2 * e)) / 12e-3
        assert grad[j] == pytest.approx(numeric, rel=1e-7, abs=1e-7)
    np.testing.assert_allclose(fiml.fiml_scores(model, point, patterns).sum(axis=0), grad, rtol=1e-9, atol=1e-8)
    value, objective_grad = fiml.fiml_objective(model, point, patterns)
    np.testing.assert_allclose(objective_grad, -2 * grad / patterns.nobs)
    assert value == pytest.approx(-2 * logl(point) / patterns.nobs, rel=1e-12)
    numeric = robust.observed_information(lambda t: fiml.fiml_gradient(model, t, patterns), point, patterns.nobs)
    analytic = fiml.fiml_information(model, point, patterns)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9 * np.abs(numeric).max())


class _Saturated:
    """The saturated model: theta = (mu, vech Sigma) in lavaan's order."""

    def __init__(self, p: int):
        self.p, self.meanstructure, self.n_par = p, True, p + p * (p + 1) // 2
        self.d_sigma, self.d_mu = robust.saturated_basis(p, True)

    def implied(self, theta):
        from types import SimpleNamespace
        return SimpleNamespace(sigma=np.einsum("k,kab->ab", theta, self.d_sigma), mu=self.d_mu.T @ theta)

    def jacobian(self, imp):
        return self.d_sigma, self.d_mu


def test_closed_form_h1_information_equals_differences_of_the_gradient():
    _, _, patterns, h1, _, _, _ = _setup("fiml_ml")
    sat = _Saturated(patterns.p)
    rows, cols = np.tril_indices(patterns.p)
    order = np.lexsort((rows, cols))  # column by column
    theta = np.concatenate([h1.mean, h1.cov[cols[order], rows[order]]])
    point = theta * 1.05  # away from the EM moments, where observed and expected information differ
    imp = sat.implied(point)
    a1, _ = fiml.saturated_information(patterns, imp.mu, imp.sigma)
    numeric = robust.observed_information(lambda t: fiml.fiml_gradient(sat, t, patterns), point, patterns.nobs)
    np.testing.assert_allclose(a1, numeric, rtol=1e-6, atol=1e-9 * np.abs(numeric).max())


def test_complete_data_fiml_is_ml():
    """Without missing values FIML gives the ML chi-square and the complete-data scores."""
    rec = json.loads((REFERENCE / "lavaan_mlr.json").read_text())["fits"]["hs_cfa"]
    spec = build_parameter_table(parse_model(rec["model"]), meanstructure=True)
    values = pd.read_csv(ROOT / rec["data_file"])[list(spec.observed)].to_numpy(float)
    patterns = fiml.missing_patterns(values)
    assert patterns.n_patterns == 1
    mean = values.mean(axis=0)
    model = RamModel(spec, np.cov(values.T, bias=True), mean)
    table = pd.DataFrame(rec["parameters"])
    theta = np.concatenate([table[table["free"] > 0].sort_values("free")["est"].to_numpy(), mean])
    fit = fiml.fiml(model, theta, patterns, estimator="MLR")
    for key in ("chisq", "chisq.scaled", "chisq.scaling.factor", "baseline.chisq.scaled"):
        assert fit.fit_measures[key] == pytest.approx(rec["fit_measures"][key], rel=1e-6), key
    np.testing.assert_allclose(fiml.fiml_scores(model, theta, patterns),
                               robust.casewise_scores(model, theta, values), atol=1e-12)


# --------------------------------------------------------------------------- estimation
def test_minimising_from_default_starts_reproduces_lavaan():
    _, model, patterns, h1, theta, _, _ = _setup("fiml_ml")
    est = fiml.fiml_estimate(model, patterns, start_values(model, h1.cov, h1.mean))
    assert est.converged
    np.testing.assert_allclose(est.theta, theta, atol=1e-4)
    assert est.fmin <= fiml.fiml_objective(model, theta, patterns)[0] + 1e-12


def test_two_group_configural_model_matches_lavaan():
    rec = _reference()["multigroup_configural_fiml"]
    spec = build_parameter_table(parse_model(rec["model"]), meanstructure=True)
    frame = pd.read_csv(ROOT / rec["data_file"])
    q = spec.n_free
    models, patterns, starts = [], [], []
    for g, label in enumerate(rec["group_labels"]):
        values = frame.loc[frame["school"] == label, list(spec.observed)].to_numpy(float)
        pat = fiml.missing_patterns(values)
        h1 = fiml.em_saturated(pat)
        ram = RamModel(spec, h1.cov, h1.mean)
        models.append(GroupView(ram, np.arange(q) + g * q, 2 * q))
        patterns.append(pat)
        starts.append(start_values(ram, h1.cov, h1.mean))
    assert [p.nobs for p in patterns] == rec["nobs"]
    est = fiml.fiml_estimate(models, patterns, np.concatenate(starts))
    assert est.converged
    fit = fiml.fiml(models, est.theta, patterns)
    for key, value in rec["fit_measures"].items():
        assert fit.fit_measures[key] == pytest.approx(value, rel=1e-6, abs=1e-6 if key != "chisq" else 0), key
    per_group = [2 * (s.logl - fiml.fiml_loglik(m.implied(est.theta).sigma, m.implied(est.theta).mu, p))
                 for m, p, s in zip(models, patterns, fit.saturated, strict=True)]
    np.testing.assert_allclose(per_group, rec["chisq_group"], rtol=1e-6)


@pytest.mark.parametrize("case", ["configural", "metric"])
def test_two_group_mlr_with_equality_constraints_matches_lavaan(case):
    """Two groups sharing one theta; metric invariance ties the loadings by `==` (a K basis)."""
    rec = json.loads((REFERENCE / "lavaan_fiml_extra.json").read_text())["fits"][case]
    spec = build_parameter_table(parse_model(rec["model"]), meanstructure=True)
    frame = pd.read_csv(ROOT / rec["data_file"])
    table = pd.DataFrame(rec["parameters"])
    theta = lavaan_theta(table)
    models, patterns = [], []
    for g, label in enumerate(rec["group_labels"], start=1):
        pat = fiml.missing_patterns(frame.loc[frame["school"] == label, list(spec.observed)].to_numpy(float))
        h1 = fiml.em_saturated(pat)
        models.append(GroupView(RamModel(spec, h1.cov, h1.mean), lavaan_index(spec, table, g), len(theta)))
        patterns.append(pat)
        ref_h1 = rec["h1"][label]
        np.testing.assert_allclose(h1.cov, np.array(ref_h1["cov"]["values"]), atol=1e-5)
    k = equality_basis(table)
    assert (k is None) == (case == "configural")
    fit = fiml.fiml(models, theta, patterns, estimator="MLR", constraint_basis=k)
    free = table[table["free"] > 0].sort_values("free")
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), free["se"], rtol=1e-3)
    ref = rec["tests"]["yuan.bentler.mplus"]
    assert fit.test.trace_h1 == pytest.approx(sum(ref["trace_h1"]), rel=1e-6)
    assert fit.test.trace_h0 == pytest.approx(sum(ref["trace_h0"]), rel=1e-6)
    theirs = rec["fit_measures"]
    compared = [key for key in fit.fit_measures if theirs.get(key) is not None]
    assert len(compared) >= 58
    for key in compared:
        assert fit.fit_measures[key] == pytest.approx(theirs[key], abs=1e-4), key
    for key in SCALED_KEYS:
        assert fit.fit_measures[key] == pytest.approx(theirs[key], rel=1e-6), key


def test_fixed_x_covariates_match_lavaan():
    """sex and ageyr (complete) as fixed.x covariates: their moments leave h1, the baseline
    and the df, and the log-likelihoods are those of the outcomes given the covariates."""
    rec = json.loads((REFERENCE / "lavaan_fiml_extra.json").read_text())["fits"]["covariates"]
    spec = build_parameter_table(parse_model(rec["model"]), meanstructure=True)
    assert spec.exogenous_x == ("sex", "ageyr") and rec["options"]["fixed.x"]
    frame = pd.read_csv(ROOT / rec["data_file"])
    hs = pd.read_csv(ROOT / "tests/reference/data/holzinger_swineford.csv").set_index("id")
    frame["sex"], frame["ageyr"] = frame["id"].map(hs["sex"]), frame["id"].map(hs["ageyr"])
    patterns = fiml.missing_patterns(frame[list(spec.observed)].to_numpy(float))
    assert patterns.nobs == rec["nobs"][0]  # lavaan drops the 2 rows without covariates
    h1 = fiml.em_saturated(patterns)
    table = pd.DataFrame(rec["parameters"])
    theta = lavaan_theta(table)
    model = GroupView(RamModel(spec, h1.cov, h1.mean), lavaan_index(spec, table, 1), len(theta))
    fit = fiml.fiml(model, theta, patterns, estimator="MLR", saturated=[h1])
    free = table[table["free"] > 0].sort_values("free")
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), free["se"], rtol=1e-3)
    ref = rec["tests"]["yuan.bentler.mplus"]
    assert fit.test.h1_ndat == ref["h1_ndat"][0] == 39
    theirs = rec["fit_measures"]
    for key in (k for k in fit.fit_measures if theirs.get(k) is not None):
        assert fit.fit_measures[key] == pytest.approx(theirs[key], abs=1e-4), key
    for key in (*SCALED_KEYS, "logl", "unrestricted.logl"):
        assert fit.fit_measures[key] == pytest.approx(theirs[key], rel=1e-6), key


# --------------------------------------------------------------------------- errors
def test_a_model_without_mean_structure_is_refused():
    _, _, patterns, h1, _, _, _ = _setup("fiml_ml")
    spec = build_parameter_table(parse_model(_reference()["fits"]["fiml_ml"]["model"]))
    model = RamModel(spec, h1.cov, h1.mean)
    with pytest.raises(ValueError, match="FIML needs a model with a mean structure"):
        fiml.fiml_objective(model, np.ones(model.n_par), patterns)


def test_data_must_be_two_dimensional():
    with pytest.raises(ValueError, match=r"must be a 2-dimensional array \(rows x variables\), got shape \(3,\)"):
        fiml.missing_patterns(np.array([1.0, np.nan, 2.0]))
