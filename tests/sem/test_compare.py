"""cxstats.sem.compare against lavaan 0.6.14 lavTestLRT() (tests/reference/lavaan_compare.R),
and every error and warning it raises, with its message and the result field that records it.

Tolerances: chi-square differences 1e-6 absolute (ML), scaled differences 1e-5 relative
(MLR), p-values 1e-6, AIC/BIC 1e-6. The one exception is the Satorra-Bentler 2001 test of
the ECSI pair: ECSI's optimum is flat (information condition ~1e8), its MLR scaling factor
is determined to ~1e-6 only, and cd = (df0 c0 - df1 c1) / 3 with df ~ 241 amplifies that
~80-fold; it is checked to 1e-4 relative.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


@functools.cache
def _reference() -> dict:
    return json.loads((REFERENCE / "lavaan_compare.json").read_text())["cases"]


@functools.cache
def _fits(case: str) -> dict[str, sem.SEMResult]:
    """The case's models fitted as the R script fitted them, by name (in the order lavTestLRT got them)."""
    spec = _reference()[case]
    options = spec["options"] or {}
    data = pd.read_csv(ROOT / spec["data_file"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the FIML case drops two empty rows, as lavaan (which warns too)
        return {m["name"]: sem.fit(m["model"], data, group=options.get("group"), group_equal=m["group_equal"],
                                   estimator=options.get("estimator", "ML"),
                                   missing="fiml" if options.get("missing") == "ml" else "listwise")
                for m in spec["models"]}


def _compare(case: str, method: str = "default", **kwargs) -> tuple[sem.ComparisonResult, list]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sem.compare(_fits(case), method=None if method == "default" else method, **kwargs)
    return result, caught


@functools.cache
def _hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "holzinger_swineford.csv")


@functools.cache
def _hs_fit(model: str = HS, estimator: str = "ML", **options) -> sem.SEMResult:
    return sem.fit(model, _hs(), estimator=estimator, **options)


CASES = [(case, method) for case, spec in json.loads((REFERENCE / "lavaan_compare.json").read_text())["cases"].items()
         for method in spec["lrt"]]


# -- lavaan references ---------------------------------------------------------------------
@pytest.mark.parametrize(("case", "method"), CASES)
def test_matches_lavtestlrt(case, method):
    result, _ = _compare(case, method)
    spec = _reference()[case]
    lrt = spec["lrt"][method]
    theirs = pd.DataFrame(lrt["table"]).set_index("model")
    ours = result.table.set_index("model")
    assert list(ours.index) == list(theirs.index)  # sorted by df as lavaan sorts them
    assert result.method == lrt["method"]
    assert np.array_equal(ours["df"], theirs["Df"])
    np.testing.assert_allclose(ours["chisq"], theirs["Chisq"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["aic"], theirs["AIC"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["bic"], theirs["BIC"], rtol=0, atol=1e-6)
    tested = ours.index[1:]
    assert np.array_equal(ours.loc[tested, "df_diff"], theirs.loc[tested, "Df diff"])
    diff_ours, diff_theirs = ours.loc[tested, "chisq_diff"], theirs.loc[tested, "Chisq diff"]
    p_ours, p_theirs = ours.loc[tested, "p_value"], theirs.loc[tested, "Pr(>Chisq)"].astype(float)
    if lrt["method"] == "standard":
        np.testing.assert_allclose(diff_ours, diff_theirs, rtol=0, atol=1e-6)
        np.testing.assert_allclose(ours.loc[tested, "rmsea_diff"], theirs.loc[tested, "RMSEA"], rtol=0, atol=1e-8)
        p_tol = 1e-6
    else:
        flat = case == "ecsi_mlr" and method == "default"  # see the module docstring
        np.testing.assert_allclose(diff_ours, diff_theirs, rtol=1e-4 if flat else 1e-5)
        p_tol = 1e-4 if flat else 1e-6
    np.testing.assert_allclose(p_ours, p_theirs, rtol=0, atol=p_tol)  # NaN (equal df) in the same places


@pytest.mark.parametrize("case", sorted(_reference_case for _reference_case in
                                        json.loads((REFERENCE / "lavaan_compare.json").read_text())["cases"]))
def test_fit_change_columns_are_differences_of_lavaans_measures(case):
    result, _ = _compare(case)
    measures = _reference()[case]["fit_measures"]
    robust = result.estimator == "MLR"
    cfi = pd.Series({name: m["cfi.robust" if robust else "cfi"] for name, m in measures.items()})
    rmsea = pd.Series({name: m["rmsea.robust" if robust else "rmsea"] for name, m in measures.items()})
    table = result.table.set_index("model")
    np.testing.assert_allclose(table["cfi"], cfi[table.index], atol=1e-6)
    np.testing.assert_allclose(table["rmsea"], rmsea[table.index], atol=1e-6)
    np.testing.assert_allclose(table["delta_cfi"].iloc[1:], np.diff(cfi[table.index]), atol=1e-6)
    np.testing.assert_allclose(table["delta_rmsea"].iloc[1:], np.diff(rmsea[table.index]), atol=1e-6)
    if robust:
        np.testing.assert_allclose(table["chisq_scaled"], [measures[n]["chisq.scaled"] for n in table.index],
                                   rtol=1e-5)


@pytest.mark.parametrize(("method", "key"), [("satorra.bentler.2001", "lrt_mlr"),
                                             ("satorra.bentler.2010", "lrt_mlr_sb2010")])
def test_invariance_ladder_models_match_lavaan(method, key):
    """The four invariance levels as fitted by the user (lavaan_invariance.R, lavaan's default
    optimiser); the 2010 test maps the scalar model's free latent means onto the metric model."""
    levels = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts"),
              "strict": ("loadings", "intercepts", "residuals")}
    fits = {name: _hs_fit(HS, "MLR", group="school", group_equal=equal) for name, equal in levels.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem.compare(fits, method=method)
    theirs = pd.DataFrame(json.loads((REFERENCE / "lavaan_invariance.json").read_text())[key]["table"])
    np.testing.assert_allclose(result.table["chisq_diff"].iloc[1:], theirs["Chisq diff"].iloc[1:], rtol=1e-4)
    np.testing.assert_allclose(result.table["p_value"].iloc[1:], theirs["Pr(>Chisq)"].iloc[1:], atol=1e-5)


def test_the_invariance_ladder_and_compare_give_the_same_tests():
    ladder = sem.invariance(HS, _hs(), group="school", estimator="MLR", partial=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem.compare(ladder.models)
    assert list(result.table["model"]) == list(ladder.table["level"])
    np.testing.assert_allclose(result.table["chisq_diff"].iloc[1:], ladder.table["chisq_diff"].iloc[1:], rtol=1e-12)
    np.testing.assert_allclose(result.table["delta_cfi"].iloc[1:], ladder.table["delta_cfi"].iloc[1:], rtol=1e-12)
    np.testing.assert_allclose(result.table["chisq_scaled"], ladder.table["chisq"], rtol=1e-12)


# -- the result ------------------------------------------------------------------------------
def test_table_columns_and_verdicts():
    result, caught = _compare("hs_ladder_ml")
    assert caught == []
    assert list(result.table.columns) == ["model", "npar", "df", "aic", "bic", "chisq", "chisq_diff", "df_diff",
                                          "p_value", "rmsea_diff", "cfi", "delta_cfi", "rmsea", "delta_rmsea",
                                          "lrt", "fit_rule", "problems"]
    assert list(result.table["lrt"]) == ["", "rejected", "rejected", "rejected"]
    assert result.preferred == "cross" and result.lowest_aic == "cross" and result.lowest_bic == "cross"
    assert list(result.models) == ["cross", "cfa", "equal", "orthogonal"]
    assert result.problems == () and result.not_nested == () and result.scaling_failed == ()
    robust, _ = _compare("poldem_mlr")
    assert {"chisq_scaled", "scaling_factor", "scaling_factor_diff"} <= set(robust.table.columns)
    assert "rmsea_diff" not in robust.table.columns
    assert robust.method == "satorra.bentler.2001" and robust.preferred == "equal"
    with pytest.raises(dataclasses.FrozenInstanceError):
        robust.preferred = "full"


def test_plain_summary_names_the_preferred_model_and_both_verdicts():
    result, _ = _compare("poldem_mlr")
    text = str(result.plain_summary())
    assert "75 respondents" in text and "Satorra–Bentler (2001)" in text
    assert "**equal** against **full**" in text and "prefer the simpler equal" in text
    assert "Preferred: **equal** by both the difference tests and the fit-change rules" in text
    assert "nan" not in text.lower() and "e-0" not in text


def test_plain_summary_gives_the_sample_size_when_the_criteria_disagree():
    result, _ = _compare("ecsi_ml")  # p = .010, but CFI drops by .003 and RMSEA rises by .0004
    assert list(result.table["lrt"]) == ["", "rejected"] and list(result.table["fit_rule"]) == ["", "holds"]
    text = str(result.plain_summary())
    assert "**the two criteria disagree**. The difference test rejects the restrictions (Δχ²(3) = 11.26, p = .010)" \
        in text
    assert "grows more sensitive with the sample (here 250 respondents)" in text
    assert "Preferred: **full** by the difference tests, **restricted** by the fit-change rules" in text
    strict, _ = _compare("ecsi_mlr", delta_cfi=0.001)  # p = .233, CFI drops by .0013 > .001
    assert list(strict.table["lrt"]) == ["", "holds"] and list(strict.table["fit_rule"]) == ["", "rejected"]
    text = str(strict.plain_summary())
    assert "the restrictions do not hold" in text and "the fit-change rules allow a CFI drop of at most .001" in text
    assert "With 250 respondents the chi-square test may be too weak to detect losses of fit that matter." in text


def test_groups_are_named_in_the_summary_and_the_html_has_readable_headers():
    result, _ = _compare("school_mlr")
    text = str(result.plain_summary(labels={"Pasteur": "Pasteur school"}))
    assert "301 respondents (Pasteur school 156 and Grant-White 145)" in text
    html = result._repr_html_()
    for header in ("Model", "Δχ² (scaled)", "Δdf", "CFI (robust)", "ΔRMSEA", "p"):
        assert f"<th>{header}</th>" in html
    assert "nan" not in html.lower()
    assert result.summary().startswith("Satorra–Bentler (2001) scaled chi-square difference test (MLR), N = 301")


def test_models_can_be_passed_as_arguments_a_list_or_a_dict():
    cfa, cross = _hs_fit(HS), _hs_fit(HS + "visual =~ x9\n")
    by_arguments = sem.compare(cfa, cross)
    assert list(by_arguments.table["model"]) == ["model 2", "model 1"]  # sorted by df, named by position
    assert list(sem.compare([cfa, cross], names=["cfa", "cross"]).table["model"]) == ["cross", "cfa"]
    assert list(sem.compare({"a": cfa, "b": cross}).table["model"]) == ["b", "a"]
    assert by_arguments.method == "standard" and by_arguments.estimator == "ML"


def test_a_fit_to_summary_statistics_compares_with_a_fit_to_the_raw_data():
    xs = [f"x{i}" for i in range(1, 10)]
    from_cov = sem.fit(HS, cov=_hs()[xs].cov(), nobs=len(_hs()))  # no means: only the covariances are compared
    result = sem.compare(from_cov, _hs_fit(HS + "visual =~ x9\n"))
    expected = _reference()["hs_ladder_ml"]["lrt"]["default"]["table"][1]
    assert result.table["chisq_diff"].iloc[1] == pytest.approx(expected["Chisq diff"], abs=1e-6)


# -- errors --------------------------------------------------------------------------------
def test_error_classes():
    assert issubclass(sem.ComparisonError, cxstats.CxStatsError)
    for warning in (sem.NestingWarning, sem.ScaledDifferenceWarning):
        assert issubclass(warning, cxstats.CxStatsWarning)
    assert {"compare", "ComparisonResult", "ComparisonError", "NestingWarning",
            "ScaledDifferenceWarning"} <= set(sem.__all__)


def test_arguments_must_be_fitted_models():
    with pytest.raises(TypeError, match=r"Model 2 passed to compare\(\) is a DataFrame, not a fitted model: "
                                        r"pass results of cxstats\.sem\.fit\(\)\."):
        sem.compare(_hs_fit(), _hs())
    ladder = sem.invariance(HS, _hs(), group="school", levels=("configural", "metric"), partial=False)
    with pytest.raises(TypeError, match=r"is a InvarianceResult.*keeps its models in \.models: "
                                        r"compare\(ladder\.models\)\."):
        sem.compare(ladder)


def test_needs_two_models_with_distinct_names():
    with pytest.raises(sem.ComparisonError, match=r"compare\(\) needs at least two fitted models; got 1\. Fit the "
                                                  r"nested models"):
        sem.compare(_hs_fit())
    with pytest.raises(sem.ComparisonError, match=r"got 1"):
        sem.compare([_hs_fit()])
    with pytest.raises(sem.ComparisonError, match=r"names= must give each of the 2 models its own name; got 'a', "
                                                  r"'a'\."):
        sem.compare(_hs_fit(), _hs_fit(HS + "visual =~ x9\n"), names=["a", "a"])
    with pytest.raises(sem.ComparisonError, match=r"Pass names= or a dict of models, not both"):
        sem.compare({"a": _hs_fit(), "b": _hs_fit(HS + "visual =~ x9\n")}, names=["x", "y"])


def test_estimators_must_agree_and_be_supported():
    with pytest.raises(sem.ComparisonError, match=r"Model 'model 2' was fitted with estimator 'MLR' and model "
                                                  r"'model 1' with 'ML'; a difference test needs one estimator\. "
                                                  r"Refit them with the same estimator=\."):
        sem.compare(_hs_fit(), _hs_fit(HS + "visual =~ x9\n", "MLR"))
    dwls = dataclasses.replace(_hs_fit(), estimator="DWLS")
    with pytest.raises(sem.ComparisonError, match=r"Model 'model 1' was fitted with estimator 'DWLS', which "
                                                  r"compare\(\) does not support.*WLSMV or ULSMV fits \(Satorra 2000 "
                                                  r"scaled-shifted difference\)\. Refit with one of these estimators\."):
        sem.compare(dwls, _hs_fit(HS + "visual =~ x9\n"))


def test_models_must_be_fitted_to_the_same_data():
    cfa = _hs_fit()
    with pytest.raises(sem.ComparisonError, match=r"Model 'model 2' was fitted to 300 rows and model 'model 1' to "
                                                  r"301: a difference test needs the same data\. Fit both models to "
                                                  r"the same rows"):
        sem.compare(cfa, sem.fit(HS + "visual =~ x9\n", _hs().iloc[:300]))
    changed = _hs().assign(x1=_hs()["x1"] * 1.1)
    with pytest.raises(sem.ComparisonError, match=r"were fitted to different data: the same variables and number "
                                                  r"of rows, but different values \(covariances or means\)\."):
        sem.compare(cfa, sem.fit(HS + "visual =~ x9\n", changed))
    with pytest.raises(sem.ComparisonError, match=r"different variables: 'model 1' uses 'x7', 'x8', 'x9', which "
                                                  r"'model 2' does not\. .*'y ~ 0\*x'"):
        sem.compare(cfa, sem.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n", _hs()))
    with pytest.raises(sem.ComparisonError, match=r"missing='fiml' and model 'model 1' with missing='listwise', so "
                                                  r"they use different rows\. Refit them with the same missing=\."):
        sem.compare(cfa, sem.fit(HS + "visual =~ x9\n", _hs(), missing="fiml"))
    with pytest.raises(sem.ComparisonError, match=r"have different groups \('school': 'Pasteur', 'Grant-White' "
                                                  r"against one group\)\. Refit them with the same group="):
        sem.compare(cfa, _hs_fit(HS, group="school"))
    with pytest.raises(sem.ComparisonError, match=r"Model 'model 2' has a mean structure \(intercepts\) and model "
                                                  r"'model 1' does not.*add 'x1 ~ 1'\) or neither\."):
        sem.compare(cfa, _hs_fit(HS + "x1 ~ 1\n"))


def test_method_must_exist_and_fit_the_estimator():
    cfa, cross = _hs_fit(), _hs_fit(HS + "visual =~ x9\n")
    with pytest.raises(sem.ComparisonError, match=r"method='satorra\.bentler\.2010' scales the difference of robust "
                                                  r"\(MLR\) tests, but these models were fitted by ML.*Leave method= "
                                                  r"out, or refit with estimator='MLR'\."):
        sem.compare(cfa, cross, method="satorra.bentler.2010")
    robust = [_hs_fit(HS, "MLR"), _hs_fit(HS + "visual =~ x9\n", "MLR")]
    with pytest.raises(sem.ComparisonError, match=r"method='standard' ignores the robust scaling of MLR fits"):
        sem.compare(robust, method="standard")
    with pytest.raises(sem.ComparisonError, match=r"method='satorra\.2000' does not go with MLR fits: WLSMV and "
                                                  r"ULSMV fits take 'satorra\.2000'"):
        sem.compare(robust, method="Satorra.2000")
    with pytest.raises(sem.ComparisonError, match=r"method='wald' is not one of 'standard', 'satorra\.bentler\.2001', "
                                                  r"'satorra\.bentler\.2010'.*'satorra\.2000'\."):
        sem.compare(robust, method="wald")
    with pytest.raises(TypeError, match=r"method must be a string such as 'satorra\.bentler\.2001', got int\."):
        sem.compare(robust, method=2001)
    assert sem.compare(robust, method="Satorra-Bentler_2001").method == "satorra.bentler.2001"  # lavaan's spellings


def test_the_2010_method_needs_the_same_variable_names():
    two = _hs_fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n", "MLR")
    one = _hs_fit("general =~ x1 + x2 + x3 + x4 + x5 + x6\n", "MLR")
    with pytest.raises(sem.ComparisonError, match=r"needs the same variable names, but 'visual' \(in 'visual =~ x2'\)"
                                                  r" is not in the more restricted model\. Use "
                                                  r"method='satorra\.bentler\.2001' \(the default\)\."):
        sem.compare(two, one, method="satorra.bentler.2010")


# -- warnings ------------------------------------------------------------------------------
def test_models_that_are_not_nested_warn_as_lavaan_does():
    result, caught = _compare("not_nested_ml")
    assert [w.category for w in caught] == [sem.NestingWarning, sem.NestingWarning]  # lavaan: two warnings
    messages = [str(w.message) for w in caught]
    assert messages[0].startswith("Model 'residual' (23 df) is more restricted than model 'two_residuals' (22 df) "
                                  "but fits better (χ² 53.272 against 81.561): either the two are not nested, or "
                                  "'two_residuals' did not reach its best fit.")
    assert "refit 'two_residuals' from other starting values." in messages[0]
    assert messages[1].startswith("Models 'residual' and 'cross' have the same degrees of freedom (23), so neither "
                                  "is nested in the other and no difference test applies")
    assert "Compare them by AIC and BIC" in messages[1]
    assert result.not_nested == ("residual", "cross")
    assert [p.split(": ", 1)[0] for p in result.problems] == ["NestingWarning"] * 2
    assert list(result.table["problems"]) == ["", "fits better", "same df"]
    assert list(result.table["lrt"]) == ["", "untested", "untested"]  # lavaan: p = 1, then no p
    assert result.preferred == "two_residuals" and result.lowest_aic == "cross"
    text = str(result.plain_summary())
    assert "the more restricted residual fits better (χ² 53.27 against 81.56), which a nested model cannot do" in text
    assert "the two have the same degrees of freedom, so neither is nested" in text
    assert "The comparison stops at residual, which could not be tested against the model before it" in text
    assert "- Caution (models that do not behave as nested): Model 'residual' (23 df)" in text


def test_a_negative_2010_statistic_and_an_indefinite_m10_information_warn():
    result, caught = _compare("hs_ladder_mlr", "satorra.bentler.2010")
    messages = [str(w.message) for w in caught if w.category is sem.ScaledDifferenceWarning]
    assert len(messages) == 4 and len(caught) == 4
    assert messages[0].startswith("The Satorra–Bentler (2010) scaled chi-square difference of 'cfa' against 'cross' "
                                  "is negative (−5.188; lavaan reports the same number), which a chi-square cannot "
                                  "be: its scaling factor is negative.")
    assert messages[1].startswith("The information matrix of 'cross' at the estimates of 'cfa' (the M10 model of "
                                  "the Satorra-Bentler 2010 test) is not positive definite (lavaan warns too)")
    assert result.scaling_failed == ("cfa", "orthogonal")
    assert list(result.table["lrt"]) == ["", "untested", "holds", "untested"]
    assert result.table["problems"].iloc[1] == "negative statistic; M10 information not positive definite"


def test_a_negative_2001_scaling_factor_warns_and_leaves_the_test_empty():
    cfa, cross = _hs_fit(HS, "MLR"), _hs_fit(HS + "visual =~ x9\n", "MLR")
    small = dataclasses.replace(cfa, _robust=dataclasses.replace(
        cfa._robust, fit_measures={**cfa._robust.fit_measures, "chisq.scaling.factor": 0.5}))
    with pytest.warns(sem.ScaledDifferenceWarning, match=r"The scaled difference test of 'model 1' against 'model 2' "
                                                          r"cannot be computed: its scaling factor is negative"):
        result = sem.compare(small, cross)
    row = result.table.iloc[1]
    assert math.isnan(row["chisq_diff"]) and math.isnan(row["p_value"]) and math.isnan(row["scaling_factor_diff"])
    assert row["lrt"] == "untested" and result.scaling_failed == ("model 1",)
    assert result.problems[0].startswith("ScaledDifferenceWarning: The scaled difference test")
    assert "the difference test cannot be computed (see the caution below)" in str(result.plain_summary())


def test_a_model_that_did_not_converge_warns():
    stuck = dataclasses.replace(_hs_fit(), converged=False)
    with pytest.warns(sem.ConvergenceWarning, match=r"Model 'model 1' did not converge: their chi-squares, and the "
                                                     r"difference tests that use them, are not trustworthy\. Refit"):
        result = sem.compare(stuck, _hs_fit(HS + "visual =~ x9\n"))
    assert result.problems[0].startswith("ConvergenceWarning: Model 'model 1' did not converge")
    assert "- Caution (a model without a converged solution):" in str(result.plain_summary())


def test_problems_of_the_models_are_carried_with_their_names():
    heywood = dataclasses.replace(_hs_fit(), problems=("HeywoodWarning: Negative variance estimate(s) for x3.",))
    result = sem.compare(heywood, _hs_fit(HS + "visual =~ x9\n"), names=["cfa", "cross"])
    assert result.problems == ("cfa: HeywoodWarning: Negative variance estimate(s) for x3.",)
    assert ("- Caution (a negative variance (a Heywood case)): model cfa: Negative variance estimate(s) for x3."
            in str(result.plain_summary()))
