"""Every user-facing error and warning of cxstats.sem.fit: triggered, and its message checked.

Errors are checked by class and by the words a user needs (the line, the name, what to
do); warnings by class, message, the result field that records them and the entry in
``result.problems``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem
import cxstats.sem._api as sem_api
from cxstats.sem import estimate as sem_estimate

ROOT = Path(__file__).resolve().parents[2]
HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""
ONE_FACTOR = "visual =~ x1 + x2 + x3"
ITEMS3 = ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests" / "reference" / "data" / "holzinger_swineford.csv")


def _normal(correlation: np.ndarray, n: int, seed: int, prefix: str = "y") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((n, len(correlation))) @ np.linalg.cholesky(correlation).T
    return pd.DataFrame(values, columns=[f"{prefix}{i}" for i in range(1, len(correlation) + 1)])


def _problem(result: sem.SEMResult, category: type[Warning]) -> str:
    """The entry of ``result.problems`` written by a warning of ``category``."""
    entries = [p for p in result.problems if p.startswith(f"{category.__name__}: ")]
    assert len(entries) == 1, result.problems
    return entries[0]


def test_errors_are_value_errors():
    assert issubclass(sem.ModelSyntaxError, cxstats.CxStatsError)
    assert issubclass(sem.ModelSpecificationError, cxstats.CxStatsError)
    assert issubclass(cxstats.CxStatsError, ValueError)
    for warning in (sem.ConvergenceWarning, sem.HeywoodWarning, sem.NonPositiveDefiniteWarning,
                    sem.IdentificationWarning, sem.BootstrapWarning):
        assert issubclass(warning, UserWarning)


# -- syntax ------------------------------------------------------------------------------


def test_syntax_error_names_line_and_position(hs):
    model = "visual =~ x1 + x2 + x3\nf =~ x1 + + x2"
    with pytest.raises(sem.ModelSyntaxError, match=r"^Line 2, position 11: an empty term") as info:
        sem.fit(model, hs)
    message = str(info.value)
    # the offending statement is quoted with a pointer under the problem
    lines = message.splitlines()
    assert lines[1].strip() == "f =~ x1 + + x2"
    assert lines[2].index("^") == lines[1].index("f") + 10


def test_position_counts_from_the_start_of_the_line_after_a_semicolon():
    with pytest.raises(sem.ModelSyntaxError, match=r"^Line 1, position 25: '2x' is not a variable name"):
        sem.parse_model("f =~ x1 + x2 + x3; g =~ 2x + x4")


def test_statement_without_operator():
    with pytest.raises(sem.ModelSyntaxError, match=r"Line 2, position 1: no operator found.*=~ ~ ~~"):
        sem.parse_model("visual =~ x1 + x2 + x3\nx1 x2")


@pytest.mark.parametrize(("model", "pattern"), [
    ("visual =~ x1 + 2x + x3", r"Line 1, position 16: '2x' is not a variable name"),
    ("2f =~ x1 + x2 + x3", r"Line 1, position 1: '2f' is not a variable name; names use letters"),
    ("f =~ x1 + x-2", r"Line 1, position 11: 'x-2' is not a variable name"),
])
def test_bad_variable_name(model, pattern):
    with pytest.raises(sem.ModelSyntaxError, match=pattern):
        sem.parse_model(model)


@pytest.mark.parametrize("model", ["", "   \n\n", "# only a comment\n! and another"])
def test_empty_model(model, hs):
    with pytest.raises(sem.ModelSyntaxError, match=r"The model is empty: write at least one statement"):
        sem.fit(model, hs)


def test_model_must_be_text(hs):
    with pytest.raises(TypeError, match=r"The model must be text in lavaan syntax, got int"):
        sem.fit(123, hs)  # type: ignore[arg-type]


def test_intercept_mixed_with_predictors():
    with pytest.raises(sem.ModelSyntaxError, match=r"Line 1, position 6: write an intercept on its own line"):
        sem.parse_model("x1 ~ 1 + x2")


def test_nothing_on_one_side_of_the_operator():
    with pytest.raises(sem.ModelSyntaxError, match=r"nothing on the right of '=~'"):
        sem.parse_model("f =~")
    with pytest.raises(sem.ModelSyntaxError, match=r"nothing on the left of '~'"):
        sem.parse_model("~ x1")


@pytest.mark.parametrize(("model", "kind"), [
    ("visual =~ c(a, b)*x1 + x2 + x3", "labels"),
    ("visual =~ x1 + c(0.5, 0.7)*x2 + x3", "values"),
])
def test_per_group_modifiers_in_a_one_group_model(model, kind, hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=rf"Line 1: c\(\.\.\.\) gives 2 {kind} but the model has 1 group; give one value per "
                             r"group, or pass group= for a multigroup model"):
        sem.fit(model, hs)


def test_per_group_modifiers_of_the_wrong_length(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Line 1: c\(\.\.\.\) gives 3 labels but the model has 2 groups; give one value per group\."):
        sem.fit("visual =~ x1 + c(a, b, c)*x2 + x3", hs, group="school")


def test_mixed_per_group_modifier():
    with pytest.raises(sem.ModelSyntaxError, match=r"'c\(a, 1\)' mixes labels and numbers"):
        sem.parse_model("f =~ x1 + c(a, 1)*x2")


# -- data ----------------------------------------------------------------------------------


def test_unknown_variable_lists_missing_names_and_columns(hs):
    with pytest.raises(sem.ModelSpecificationError) as info:
        sem.fit("visual =~ x1 + x2 + x3 + xx9 + foo", hs)
    message = str(info.value)
    assert "The model uses 'xx9', 'foo', which are neither a latent variable" in message
    assert "The data has: 'id', 'sex'" in message and "'x9'" in message
    assert "Check the spelling" in message


def test_one_unknown_variable_is_singular(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"uses 'x10', which is neither"):
        sem.fit("visual =~ x1 + x2 + x10", hs)


def test_non_numeric_column_named_with_examples(hs):
    data = hs.copy()
    data["x2"] = data["x2"].map(lambda v: f"score {v:.2f}")
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Column\(s\) 'x2' \(e\.g\. 'score 7\.75', 'score 5\.25', 'score 4\.75'\) are not numeric"):
        sem.fit(ONE_FACTOR, data)


def test_boolean_column_is_not_numeric(hs):
    data = hs.assign(high=hs["x3"] > 2)
    with pytest.raises(sem.ModelSpecificationError, match=r"'high' \(e\.g\. 'False', 'True'\) are not numeric"):
        sem.fit("visual =~ x1 + x2 + high", data)


def test_data_must_be_a_dataframe(hs):
    with pytest.raises(TypeError, match=r"data must be a pandas DataFrame, got ndarray"):
        sem.fit(ONE_FACTOR, hs[ITEMS3].to_numpy())  # type: ignore[arg-type]


def test_fewer_complete_rows_than_free_parameters(hs):
    data = hs.head(10).copy()
    data.loc[:3, "x2"] = np.nan  # 4 of 10 rows incomplete: 6 left for 6 free parameters
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"The data have 6 complete rows for 6 free parameters; ML needs more rows"):
        sem.fit(ONE_FACTOR, data)


def test_constant_item(hs):
    data = hs.assign(x3=4.0)
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Variable\(s\) 'x3' have the same value in every complete row.*Drop it"):
        sem.fit(ONE_FACTOR, data)


# -- identification ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["f =~ NA*x1 + x2\nx1 ~~ x1\nx2 ~~ x2", "f =~ NA*x1 + x2"])
def test_more_free_parameters_than_moments(model, hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"The model is not identified: it has 5 free parameters but the data provide only 3"):
        sem.fit(model, hs)


def test_free_latent_mean_without_restriction(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"not identified: it has 10 free parameters .* only 9 variances, covariances and means"):
        sem.fit("visual =~ x1 + x2 + x3\nvisual ~ 1", hs)


def test_singular_information_warns_and_sets_identified(hs):
    model = "visual =~ NA*x1 + x2 + x3\ntextual =~ NA*x4 + x5 + x6"
    with pytest.warns(sem.IdentificationWarning, match=r"The information matrix is singular: at least one parameter"):
        result = sem.fit(model, hs)
    assert result.identified is False
    assert "Fix a loading or variance per factor" in _problem(result, sem.IdentificationWarning)


def test_no_free_parameters(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"The model has no free parameters"):
        sem.fit("visual =~ 1*x1 + 1*x2\nx1 ~~ 1*x1\nx2 ~~ 1*x2\nvisual ~~ 1*visual", hs)


# -- labels, := and constraints ----------------------------------------------------------------


def test_label_for_two_kinds_of_parameter(hs):
    model = "visual =~ x1 + a*x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ a*textual"
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"The label 'a' is used for different kinds of parameter \(loading, regression\)"):
        sem.fit(model, hs)


def test_label_that_is_a_variable_name(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"The label\(s\) 'x4' are also variable names. Use labels that differ"):
        sem.fit("visual =~ x1 + x4*x2 + x3\ntextual =~ x4 + x5 + x6", hs)


def test_defined_parameter_with_unknown_label(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Line 2: 'ab := a\*c' uses c, which is not the label of a free parameter. Labels: a, b\."):
        sem.fit("visual =~ x1 + a*x2 + b*x3\nab := a*c", hs)


@pytest.mark.parametrize("name", ["a", "x1", "visual"])
def test_defined_parameter_redefines_a_name(name, hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=rf"Line 2: ':=' defines '{name}', which is already a label or a variable"):
        sem.fit(f"visual =~ x1 + a*x2 + b*x3\n{name} := a*b", hs)


def test_defined_parameter_defined_twice(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"'ab'"):
        sem.fit("visual =~ x1 + a*x2 + b*x3\nab := a*b\nab := a + b", hs)


def test_defined_parameter_must_be_arithmetic(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"Line 2: .*only labels, numbers, \+ - \* / \^"):
        sem.fit("visual =~ x1 + a*x2 + b*x3\nab := max(a, b)", hs)


def test_nonlinear_equality_constraint(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Line 2: 'a == b\^2' is not linear; only linear constraints are supported"):
        sem.fit("visual =~ x1 + a*x2 + b*x3\na == b^2", hs)


@pytest.mark.parametrize("op", ["<", ">"])
def test_inequality_constraint(op, hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=rf"Line 2: inequality constraints \('{op}'\) are not supported; use '=='"):
        sem.fit(f"visual =~ x1 + a*x2 + b*x3\na {op} b", hs)


def test_constraint_with_unknown_label(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"Line 2: 'a == c' uses c, which is not the label of a free parameter. Labels: a, b\."):
        sem.fit("visual =~ x1 + a*x2 + b*x3\na == c", hs)


@pytest.mark.parametrize(("model", "line", "parameter"), [
    ("visual =~ x1 + x2 + x3\nvisual =~ x2", 2, "visual =~ x2"),
    ("visual =~ x1 + x2 + x3\nx1 ~~ x2\nx2 ~~ x1", 3, "x2 ~~ x1"),
])
def test_parameter_specified_twice(model, line, parameter, hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=rf"Line {line}: the parameter '{parameter}' is specified twice. Write each once"):
        sem.fit(model, hs)


def test_composite_is_not_fitted_by_sem(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Line 1: '<~' \(a composite/formative construct\) belongs to PLS path modelling.*reflective factor with '=~'"):
        sem.fit("visual <~ x1 + x2 + x3", hs)


# -- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "pattern"), [
    ({"estimator": "GLS"}, r"estimator='GLS' is not available; use 'ML' or 'MLR'"),
    ({"missing": "pairwise"}, r"missing='pairwise' is not available; use 'listwise' or 'fiml'"),
    ({"se": "robust"}, r"se='robust' is not one of 'standard', 'bootstrap', 'none'"),
    ({"se": "bootstrap", "bootstrap_ci": "student"}, r"bootstrap_ci='student' is not one of 'percentile', 'bc', 'bca'"),
    ({"ci_level": 1.5}, r"Argument ci_level=1\.5 is not a proportion between 0 and 1; pass e\.g\. 0\.95\."),
    ({"ci_level": 95}, r"Argument ci_level=95 is not a proportion between 0 and 1; pass 0\.95 for a 95% interval\."),
    ({"se": "bootstrap", "bootstrap": 5}, r"bootstrap must be a whole number of at least 10 draws, got 5"),
    ({"se": "bootstrap", "bootstrap": 50.5}, r"bootstrap must be a whole number of at least 10 draws, got 50\.5"),
    ({"group_equal": ["loadings"]}, r"group_equal= needs a multigroup model: pass group= as well"),
])
def test_unavailable_options(options, pattern, hs):
    with pytest.raises(sem.ModelSpecificationError, match=pattern):
        sem.fit(ONE_FACTOR, hs, **options)


def test_data_and_cov_together(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"Pass either data= \(raw data\) or cov= with nobs="):
        sem.fit(ONE_FACTOR, hs, cov=hs[ITEMS3].cov(), nobs=len(hs))


def test_neither_data_nor_cov():
    with pytest.raises(sem.ModelSpecificationError, match=r"Pass either data= \(raw data\) or cov= with nobs="):
        sem.fit(ONE_FACTOR)


def test_cov_not_positive_definite(hs):
    cov = hs[ITEMS3].cov()
    cov.loc["x1", "x2"] = cov.loc["x2", "x1"] = 10.0
    with pytest.raises(sem.ModelSpecificationError, match=r"cov= is not positive definite; check it was copied"):
        sem.fit(ONE_FACTOR, cov=cov, nobs=301)


def test_cov_not_symmetric(hs):
    cov = hs[ITEMS3].cov()
    cov.loc["x1", "x2"] += 0.1
    with pytest.raises(sem.ModelSpecificationError, match=r"cov= is not symmetric"):
        sem.fit(ONE_FACTOR, cov=cov, nobs=301)


def test_cov_wrong_shape():
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"cov= must be a DataFrame with the variable names on its rows and columns"):
        sem.fit(ONE_FACTOR, cov=np.eye(4), nobs=301)


def test_cov_without_a_model_variable(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"The columns of cov= lack 'x3', used by the model"):
        sem.fit(ONE_FACTOR, cov=hs[["x1", "x2", "x4"]].cov(), nobs=301)


@pytest.mark.parametrize("nobs", [None, 301.5, 1])
def test_nobs_missing_or_invalid(nobs, hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"nobs must be the number of observations behind cov="):
        sem.fit(ONE_FACTOR, cov=hs[ITEMS3].cov(), nobs=nobs)


def test_nobs_not_more_than_free_parameters(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"nobs=6 is not more than the 6 free parameters"):
        sem.fit(ONE_FACTOR, cov=hs[ITEMS3].cov(), nobs=6)


def test_intercept_model_needs_means(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"The model has intercepts; pass means= together with cov="):
        sem.fit(ONE_FACTOR + "\nx1 ~ 1", cov=hs[ITEMS3].cov(), nobs=301)


def test_bootstrap_needs_raw_data(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"se='bootstrap' needs raw data; summary statistics \(cov=\) cannot be resampled"):
        sem.fit(ONE_FACTOR, cov=hs[ITEMS3].cov(), nobs=301, se="bootstrap", bootstrap=20)


def test_cov_rows_without_a_model_variable(hs):
    cov = hs[ITEMS3].cov().rename(index={"x3": "x3_"})
    with pytest.raises(sem.ModelSpecificationError, match=r"x3"):
        sem.fit(ONE_FACTOR, cov=cov, nobs=301)


@pytest.mark.parametrize("means", [pd.Series({"x1": 4.9, "x2": 6.1}), np.array([4.9, 6.1])])
def test_means_without_a_model_variable(means, hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"means="):
        sem.fit(ONE_FACTOR + "\nx1 ~ 1", cov=hs[ITEMS3].cov(), nobs=301, means=means)


# -- problems with an estimate: warnings AND result fields ----------------------------------------


def _heywood_data() -> pd.DataFrame:
    """y1 correlates .8 with y2-y4, which correlate .5 among themselves: a one-factor model
    needs a loading of y1 above 1 in the correlation metric (.8^2/.5 = 1.28), so the
    residual variance of y1 goes negative (population value 1 - 1.28 = -.28)."""
    correlation = np.full((4, 4), 0.5)
    correlation[0, 1:] = correlation[1:, 0] = 0.8
    np.fill_diagonal(correlation, 1.0)
    return _normal(correlation, 500, seed=1)


def test_heywood_case_on_constructed_data():
    with pytest.warns(sem.HeywoodWarning, match=r"Negative variance estimate\(s\) for y1 \(a Heywood case\)"):
        result = sem.fit("f =~ y1 + y2 + y3 + y4", _heywood_data())
    assert result.heywood == ("y1",)
    residual = result.table.set_index(["lhs", "op", "rhs"]).loc[("y1", "~~", "y1"), "estimate"]
    assert residual < 0
    assert result.converged and result.identified
    assert "The model may be misspecified" in _problem(result, sem.HeywoodWarning)


def test_heywood_case_of_a_misspecified_cfa(hs):
    model = "visual =~ x1 + x2 + x3 + x9\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8"
    with pytest.warns(sem.HeywoodWarning, match=r"Negative variance estimate\(s\) for x8"):
        result = sem.fit(model, hs)
    assert result.heywood == ("x8",)
    assert "x8" in _problem(result, sem.HeywoodWarning)
    assert "Negative variance" in result.summary() and "Negative variance" in result._repr_html_()


def test_factor_correlation_beyond_one():
    """Items correlate .5 within and .6 across the two blocks: the factor correlation is
    .6/.5 = 1.2 in the population (the correlation matrix itself is positive definite)."""
    correlation = np.full((6, 6), 0.6)
    correlation[:3, :3] = correlation[3:, 3:] = 0.5
    np.fill_diagonal(correlation, 1.0)
    data = _normal(correlation, 500, seed=2)
    with pytest.warns(sem.NonPositiveDefiniteWarning,
                      match=r"covariance matrix of the latent variables is not positive definite"):
        result = sem.fit("f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6", data, std_lv=True)
    assert result.nonpositive_latent is True
    correlation_f = result.table.set_index(["lhs", "op", "rhs"]).loc[("f1", "~~", "f2"), "estimate"]
    assert correlation_f > 1
    assert result.heywood == ()
    assert "two factors may measure the same thing" in _problem(result, sem.NonPositiveDefiniteWarning)


def test_non_convergence(hs, monkeypatch):
    monkeypatch.setattr(sem_api, "fisher_scoring", functools.partial(sem_estimate.fisher_scoring, max_iter=2))
    with pytest.warns(sem.ConvergenceWarning,
                      match=r"The ML optimiser did not converge after 2 iterations \(largest gradient"):
        result = sem.fit(HS_MODEL, hs)
    assert result.converged is False
    assert result.iterations == 2
    assert "estimates are not trustworthy" in _problem(result, sem.ConvergenceWarning)
    assert "NOT converged" in result.summary()


def test_a_clean_fit_has_no_problems(hs):
    result = sem.fit(HS_MODEL, hs)
    assert result.problems == () and result.heywood == ()
    assert result.converged and result.identified and not result.nonpositive_latent


# -- edge cases: just-identified models, units, infeasible starts, extreme values ---------------


def test_just_identified_models_fit():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((200, 2))
        data = pd.DataFrame({"y": x @ [0.5, 0.3] + rng.standard_normal(200), "x1": x[:, 0], "x2": x[:, 1]})
        result = sem.fit("y ~ x1 + x2", data)
        assert result.fit_measures["df"] == 0 and result.fit_measures["chisq"] == pytest.approx(0, abs=1e-8)


@pytest.mark.filterwarnings("ignore")
def test_identification_does_not_depend_on_units(hs):
    reference = sem.fit(HS_MODEL, hs)
    rescaled = sem.fit(HS_MODEL, hs.assign(x2=hs["x2"] * 1000))
    assert rescaled.identified and not rescaled.problems
    np.testing.assert_allclose(rescaled.table["z"], reference.table["z"], rtol=1e-6)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("model", [
    "visual =~ x1 + x2 + x3\nx1 ~~ start(-100)*x1",
    "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~~ 1.5*textual",
])
def test_start_values_outside_the_parameter_space(model, hs):
    try:
        result = sem.fit(model, hs)
    except cxstats.CxStatsError:
        return  # a clear input error would also do
    assert result.converged or any(p.startswith("ConvergenceWarning") for p in result.problems)


@pytest.mark.filterwarnings("ignore")
def test_infinite_value_is_named(hs):
    data = hs.copy()
    data.loc[0, "x2"] = np.inf
    with pytest.raises(sem.ModelSpecificationError, match=r"'x2'"):
        sem.fit(ONE_FACTOR, data)


def test_small_variance_next_to_a_large_mean_is_not_constant():
    rng = np.random.default_rng(0)
    revenue = rng.normal(1e7, 1e6, 200)
    share = rng.normal(0.0, 1e-3, 200)
    data = pd.DataFrame({"y": 1e-7 * revenue + 100 * share + rng.standard_normal(200),
                         "revenue": revenue, "share": share})
    result = sem.fit("y ~ revenue + share", data)
    assert result.converged


# --- multigroup models -------------------------------------------------------------------------


def test_group_column_not_in_the_data(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"The group column 'schol' is not in the data; columns: .*'school'"):
        sem.fit(ONE_FACTOR, hs, group="schol")


def test_group_equal_outside_lavaans_vocabulary(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"group_equal='loading' is not in lavaan's vocabulary; use any of 'loadings', 'intercepts'"):
        sem.fit(ONE_FACTOR, hs, group="school", group_equal=["loading"])


def test_group_partial_that_is_not_a_parameter(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"group_partial entry 'x3' is not a parameter; write it as in lavaan"):
        sem.fit(ONE_FACTOR, hs, group="school", group_equal=["intercepts"], group_partial=["x3"])


def test_group_level_absent_from_the_data(hs):
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Group level\(s\) 'Grant White' do not occur in 'school'; its values are 'Pasteur', 'Grant-White'"):
        sem.fit(ONE_FACTOR, hs, group="school", group_labels=["Pasteur", "Grant White"])


def test_a_single_group_value(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"has 1 value\(s\) \('Pasteur'\); a multigroup model needs at least two"):
        sem.fit(ONE_FACTOR, hs[hs["school"] == "Pasteur"], group="school")


def test_a_group_with_too_few_cases(hs):
    small = pd.concat([hs[hs["school"] == "Pasteur"], hs[hs["school"] == "Grant-White"].head(3)])
    with pytest.raises(sem.ModelSpecificationError,
                       match=r"Group 'Grant-White' of 'school' has 3 complete rows for 3 variables; each group needs more rows"):
        sem.fit(ONE_FACTOR, small, group="school")


def test_a_label_used_for_two_kinds_of_parameter_across_groups(hs):
    model = "visual =~ x1 + c(a, b)*x2 + x3\nx1 ~~ c(b, c)*x1"
    with pytest.raises(sem.ModelSpecificationError, match=r"The label 'b' is used for different kinds of parameter"):
        sem.fit(model, hs, group="school")


def test_summary_statistics_with_groups(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"Multigroup models need raw data with the group column, "
                                                           r"or each group's statistics: pass data= and group=, or "
                                                           r"moments="):
        sem.fit(ONE_FACTOR, cov=hs[ITEMS3].cov(), nobs=len(hs), group="school")


def test_several_left_hand_sides_read_as_one_statement_each():
    """lavaan reads ``wx2 + wy2 ~ wx1 + wy1`` as two regressions with the same predictors."""
    parsed = sem.parse_model("wx2 + wy2 ~ a*wx1 + wy1\nf + g =~ x1 + x2")
    assert [(s.lhs, s.op, [t.name for t in s.terms], s.line) for s in parsed] == [
        ("wx2", "~", ["wx1", "wy1"], 1), ("wy2", "~", ["wx1", "wy1"], 1),
        ("f", "=~", ["x1", "x2"], 2), ("g", "=~", ["x1", "x2"], 2)]
    assert parsed[1].terms[0].labels == ("a",)


@pytest.mark.parametrize(("model", "pattern"), [
    ("wx2 + 2y ~ wx1", r"^Line 1, position 7: '2y' is not a variable name"),
    ("wx2 + + wy2 ~ wx1", r"^Line 1, position 7: an empty name on the left of '~'"),
    ("wx2 + wy2 ~ wx1 + 3z", r"^Line 1, position 19: '3z' is not a variable name"),
])
def test_several_left_hand_sides_errors(model, pattern):
    with pytest.raises(sem.ModelSyntaxError, match=pattern):
        sem.parse_model(model)
