"""Every user-facing error and warning of cxstats.pls, with its message."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from _pls_cases import ECSI, data

import cxstats.pls as pls
from cxstats.sem import ModelSyntaxError

SMALL = "SAT =~ CUSA1 + CUSA2 + CUSA3\nLOY =~ CUSL1 + CUSL3\nLOY ~ SAT\n"


@pytest.fixture
def mobi() -> pd.DataFrame:
    return data("ecsi_mobile")


def _raises(text: str, frame: pd.DataFrame, message: str, **options) -> None:
    with pytest.raises(pls.ModelSpecificationError, match=message):
        pls.fit(text, frame, **options)


def test_a_construct_whose_indicators_are_constructs_has_no_indicators(mobi):
    _raises(SMALL + "ALL =~ SAT + LOY\nALL ~ SAT\n", mobi,
            r"Construct 'ALL' has no indicators: 'SAT', 'LOY' in 'ALL =~ \.\.\.' are constructs, not columns of the "
            r"data\. Measure 'ALL' by its own items \(higher-order constructs are not available yet\)\.")


def test_a_construct_written_without_indicators_is_a_syntax_error(mobi):
    with pytest.raises(ModelSyntaxError, match=r"Line 3, position 7: nothing on the right of '=~'"):
        pls.fit("LOY =~ CUSL1 + CUSL2\nLOY ~ SAT\nSAT =~", mobi)


def test_a_structural_variable_that_is_not_a_construct(mobi):
    _raises(SMALL + "LOY ~ VALUE\n", mobi,
            r"Structural variable 'VALUE' \(line 4\) is not a construct: no 'VALUE =~ \.\.\.' or 'VALUE <~ \.\.\.' "
            r"statement gives it indicators, and the data have no column 'VALUE'\. Define its indicators or correct "
            r"the name \(constructs: 'SAT', 'LOY'\)\.")


def test_an_indicator_used_by_two_constructs(mobi):
    _raises(SMALL + "VAL =~ PERV1 + CUSA2\nLOY ~ VAL\n", mobi,
            r"Indicator 'CUSA2' is used by constructs 'SAT', 'VAL'; in PLS each indicator belongs to one construct\. "
            r"Give each construct its own indicators \(or a copy of the column under a new name\)\.")


def test_an_indicator_twice_in_one_block(mobi):
    _raises("SAT =~ CUSA1 + CUSA1\nLOY =~ CUSL1\nLOY ~ SAT", mobi,
            r"Indicator 'CUSA1' is listed twice for construct 'SAT'\.")


def test_an_indicator_not_in_the_data_lists_the_columns(mobi):
    _raises(SMALL.replace("CUSA3", "CUSA9").replace("CUSL3", "cusl3"), mobi,
            r"Indicator\(s\) 'CUSA9', 'cusl3' are not columns of the data\. The data have 24 columns: CUEX1, CUEX2, "
            r"CUEX3, CUSA1, CUSA2, CUSA3, CUSCO, .*PERV2\.")


def test_a_constant_indicator_in_a_formative_block(mobi):
    frame = mobi.assign(IMAG3=4.0)
    _raises("IMAG <~ IMAG1 + IMAG2 + IMAG3\nCUSA =~ CUSA1 + CUSA2\nCUSA ~ IMAG", frame,
            r"Indicator 'IMAG3' of construct 'IMAG' is constant \(every analysed row has 4\); a formative \(mode B\) "
            r"block regresses its construct on its indicators, and a constant cannot enter that regression\. Drop "
            r"'IMAG3' from 'IMAG <~ \.\.\.'\.")


def test_a_constant_indicator_in_a_reflective_block_or_single_item(mobi):
    _raises(SMALL, mobi.assign(CUSL3=7.0),
            r"Indicator 'CUSL3' of construct 'LOY' is constant \(every analysed row has 7\); it cannot be standardized "
            r"and carries no information\. Drop 'CUSL3' from 'LOY =~ \.\.\.'\.")
    _raises(SMALL + "CUSCO ~ SAT\n", mobi.assign(CUSCO=1.0),
            r"Indicator 'CUSCO' of construct 'CUSCO' is constant \(every analysed row has 1\); a single-indicator "
            r"construct needs an indicator that varies\. Remove 'CUSCO' from the model\.")


def test_collinear_formative_indicators(mobi):
    frame = mobi.assign(IMAG_SUM=mobi["IMAG1"] + mobi["IMAG2"])
    _raises("IMAG <~ IMAG1 + IMAG2 + IMAG_SUM\nCUSA =~ CUSA1 + CUSA2\nCUSA ~ IMAG", frame,
            r"The indicators of formative construct 'IMAG' \('IMAG1', 'IMAG2', 'IMAG_SUM'\) are perfectly collinear, "
            r"so its mode B weights are not defined\. Drop a redundant indicator\.")


def test_non_convergence_is_a_warning_and_a_field(mobi):
    with pytest.warns(pls.WeightsConvergenceWarning,
                      match=r"The outer weights did not converge within 2 iterations \(sum of absolute changes still "
                            r"at or above 1e-07\); the estimates are those of the last iteration\. Raise max_iter"):
        res = pls.fit(ECSI, mobi, max_iter=2)
    assert res.converged is False and res.iterations == 2
    assert res.problems[0].startswith("WeightsConvergenceWarning: The outer weights did not converge")
    assert "NOT converged after 2 iterations" in res.summary()
    assert "did not converge" in res._repr_html_()


def test_an_inadmissible_plsc_solution_is_a_warning_and_a_problem():
    """Two unreliable blocks (within-block r = .3) correlating .35 across: disattenuating
    the score correlation pushes it beyond 1."""
    cov = np.full((4, 4), 0.35)
    cov[0, 1] = cov[1, 0] = cov[2, 3] = cov[3, 2] = 0.3
    np.fill_diagonal(cov, 1)
    frame = pd.DataFrame(np.random.default_rng(1).multivariate_normal(np.zeros(4), cov, size=500),
                         columns=["a1", "a2", "b1", "b2"])
    text = "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A"
    with pytest.warns(pls.InadmissibleWarning,
                      match=r"PLSc gave an inadmissible solution \(construct correlation beyond 1 for A-B; R² above 1 "
                            r"for 'B'\); the corrected paths, R² and loadings are not trustworthy\."):
        res = pls.fit(text, frame, consistent=True)
    assert res.problems[0].startswith("InadmissibleWarning: PLSc gave an inadmissible solution")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pls.fit(text, frame).problems == ()  # plain PLS has nothing to correct


def test_a_construct_outside_the_inner_model(mobi):
    _raises(SMALL + "VAL =~ PERV1 + PERV2\n", mobi,
            r"Construct\(s\) 'VAL' appear in no structural path \('~'\); PLS estimates a construct's weights from its "
            r"neighbours in the inner model\. Add its paths or remove it\.")


def test_a_model_without_paths(mobi):
    _raises("SAT =~ CUSA1 + CUSA2", mobi,
            r"The model has no structural part: PLS needs at least one path such as 'CUSL ~ CUSA'\.")


def test_a_feedback_loop(mobi):
    _raises(SMALL + "VAL =~ PERV1 + PERV2\nVAL ~ LOY\nSAT ~ VAL\n", mobi,
            r"The structural model has a feedback loop \((LOY <- SAT <- VAL <- LOY|.* <- .*)\); PLS path models must be "
            r"recursive\. Remove one of the paths in the loop\.")


def test_a_construct_both_reflective_and_formative(mobi):
    _raises(SMALL + "SAT <~ CUSA1\n", mobi,
            r"Construct 'SAT' is written both with '=~' \(mode A, reflective\) and '<~' \(mode B, formative\) "
            r"\(line 4\); choose one\.")


@pytest.mark.parametrize("extra, message", [
    ("SAT ~~ LOY", r"PLS estimates no variances or covariances: remove the '~~' statement \(line 4: 'SAT ~~ LOY'\)\."),
    ("ind := a*b", r"PLS reports every indirect and total effect with result\.effects\(\): remove the ':=' statement"),
    ("LOY ~ 1", r"PLS works on standardized data and estimates no intercepts: remove 'LOY ~ 1' \(line 4\)\."),
    ("LOY ~ 0.5*SAT", (r"PLS estimates every weight, loading and path freely: remove the fixed value or start\(\) "
                       r"on 'SAT' in 'LOY ~ \.\.\.' \(line 4\)\.")),
    ("LOY ~ SAT", r"The path 'LOY ~ SAT' is written twice \(line 4\)\."),
    ("LOY ~ LOY", r"'LOY ~ LOY' \(line 4\): a construct cannot predict itself\."),
])
def test_statements_pls_does_not_take(mobi, extra, message):
    _raises(SMALL + extra + "\n", mobi, message)


def test_labels_are_accepted(mobi):
    plain = pls.fit(SMALL, mobi)
    labelled = pls.fit(SMALL.replace("LOY ~ SAT", "LOY ~ b*SAT"), mobi)
    pd.testing.assert_frame_equal(plain.table, labelled.table)


def test_non_numeric_indicator(mobi):
    frame = mobi.astype({"CUSA2": object})
    frame.loc[[3, 9], "CUSA2"] = "n/a"
    _raises(SMALL, frame, r"Indicator 'CUSA2' has values that are not numbers \(rows 3, 9: n/a, n/a\)\. Recode them as "
                          r"numbers or missing\.")


def test_an_indicator_without_observed_values(mobi):
    _raises(SMALL, mobi.assign(CUSL3=np.nan), r"Indicator\(s\) 'CUSL3' have no observed values; drop them\.")


def test_too_few_rows(mobi):
    _raises(SMALL, mobi.head(2), r"Only 2 rows are left for the analysis; at least 3 are needed")


@pytest.mark.parametrize("options, message", [
    ({"scheme": "pathweighting"}, r"scheme='pathweighting' is not one of 'path', 'factorial', 'centroid'\."),
    ({"missing": "fiml"}, r"missing='fiml' is not one of 'mean', 'listwise'\."),
    ({"max_iter": 0}, r"max_iter must be a whole number of at least 1, got 0\."),
    ({"tol": 0}, r"tol must be positive, got 0\."),
    ({"bootstrap": 5}, r"bootstrap must be 0 or a whole number of at least 10 draws, got 5\."),
    ({"bootstrap": 50.5}, r"bootstrap must be 0 or a whole number of at least 10 draws, got 50\.5\."),
    ({"ci": "bc"}, r"ci='bc' is not one of 'percentile', 'bca'\."),
    ({"ci_level": 95}, r"Argument ci_level=95 is not a proportion between 0 and 1; pass 0\.95 for a 95% interval\."),
])
def test_bad_options(mobi, options, message):
    _raises(SMALL, mobi, message, **options)


def test_data_must_be_a_data_frame(mobi):
    with pytest.raises(TypeError, match=re.escape("data must be a pandas DataFrame, got ndarray.")):
        pls.fit(SMALL, mobi.to_numpy())
