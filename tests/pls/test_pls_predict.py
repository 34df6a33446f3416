"""PLSpredict against PyPI seminr 0.2.1's predict_pls (same shuffle), statsmodels OLS for the
linear benchmark, and a direct refit-and-predict loop written independently of the
vectorised engine."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _pls_cases import ECSI, data, reference_fit, seminr_reference

import cxstats.pls as pls
from cxstats.pls._predict import _metrics, fold_numbers

PREDICT = seminr_reference()["predict"]


@pytest.fixture(scope="module")
def ecsi() -> pls.PLSResult:
    return reference_fit("ecsi")


@pytest.mark.parametrize("name", ["ecsi", "corp_rep_mean"])
def test_one_repetition_matches_seminr_predict_pls(name):
    case = PREDICT[name]
    out = pls.predict(reference_fit(name), folds=case["folds"], repetitions=1, seed=case["seed"])
    table = out.table.set_index("indicator")
    for kind, prefix in (("pls_out_of_sample", "pls"), ("lm_out_of_sample", "lm")):
        for r in case[kind]:
            column = f"{prefix}_{r['row'].lower()}"  # RMSE / MAE
            assert table.loc[r["col"], column] == pytest.approx(r["value"], abs=1e-8)
    assert sorted(table.index) == sorted(case["indicators"])
    rows = len(case["pls_first_rows"])
    ours = out.predictions("pls")[case["indicators"]].to_numpy()[:rows]
    assert np.abs(ours - np.array(case["pls_first_rows"])).max() < 1e-8
    ours = out.predictions("lm")[case["indicators"]].to_numpy()[:rows]
    assert np.abs(ours - np.array(case["lm_first_rows"])).max() < 1e-8


def test_fold_blocks_are_rs_cut():
    """R's cut(seq_len(n), breaks = k): breaks 1 + j (n - 1) / k, the first and last widened."""
    for n, k in ((250, 10), (344, 10), (11, 3), (21, 5), (7, 7), (100, 10)):
        breaks = 1 + np.arange(k + 1) * (n - 1) / k
        breaks[0], breaks[-1] = 1 - (n - 1) / 1000, n + (n - 1) / 1000
        expected = np.searchsorted(breaks, np.arange(1, n + 1), side="left") - 1
        assert np.array_equal(fold_numbers(n, k), expected), (n, k)
        assert np.bincount(fold_numbers(n, k)).min() >= n // k - 1


def test_the_first_repetition_uses_seminrs_shuffle(ecsi):
    out = pls.predict(ecsi, repetitions=3, seed=42)
    order = np.random.default_rng(42).permutation(ecsi.n)
    assert np.array_equal(out.fold_assignment["repetition 0"].to_numpy()[order], fold_numbers(ecsi.n, 10))
    assert not np.array_equal(out.fold_assignment["repetition 0"], out.fold_assignment["repetition 1"])


def test_linear_benchmark_is_ols_on_each_training_fold(ecsi):
    """Each endogenous indicator regressed (statsmodels OLS, intercept) on the five Image
    indicators, the only exogenous construct of ECSI, in the training rows of its fold."""
    out = pls.predict(ecsi, folds=5, repetitions=2, seed=3)
    mobi = data("ecsi_mobile")
    exogenous = [f"IMAG{i}" for i in range(1, 6)]
    targets = list(out.table["indicator"])
    for repetition in range(2):
        folds = out.fold_assignment[f"repetition {repetition}"].to_numpy()
        lm = out.predictions("lm", repetition)
        for k in range(5):
            train, test = folds != k, folds == k
            design = sm.add_constant(mobi.loc[train, exogenous])
            for item in targets[::4]:
                model = sm.OLS(mobi.loc[train, item], design).fit()
                expected = model.predict(sm.add_constant(mobi.loc[test, exogenous], has_constant="add"))
                assert np.allclose(lm.loc[test, item], expected, atol=1e-10)


def _refit_predictions(text: str, frame: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> pd.DataFrame:
    """PLSpredict's earliest-antecedents prediction written out step by step: fit on the
    training rows, standardize the test rows with the training means and SDs, score them with
    the training weights, push the exogenous scores through the total effects, and turn each
    predicted score into its indicators with the loadings."""
    res = pls.fit(text, frame[train])
    items = list(res.spec.indicators)
    mean, sd = frame.loc[train, items].mean(), frame.loc[train, items].std(ddof=1)
    scores = ((frame.loc[test, items] - mean) / sd) @ res.outer_weights
    effects = res.effects().query("effect == 'total'")
    outcomes = list(res.spec.endogenous)
    exogenous = [c for c in res.spec.constructs if c not in outcomes]
    predicted = pd.DataFrame(0.0, index=scores.index, columns=outcomes)
    for row in effects.itertuples():
        if row.predictor in exogenous:
            predicted[row.outcome] += scores[row.predictor] * row.estimate
    loadings = res.table.query("op == '=~'")
    out = {}
    for row in loadings.itertuples():
        if row.lhs in outcomes:
            out[row.rhs] = predicted[row.lhs] * row.estimate * sd[row.rhs] + mean[row.rhs]
    return pd.DataFrame(out)


@pytest.mark.parametrize("name", ["ecsi", "corp_rep_mean"])
def test_pls_predictions_equal_a_refit_on_the_training_rows(name):
    res = reference_fit(name)
    case = seminr_reference()["fits"][name]
    frame = res.standardized_data * res.indicator_sds + res.indicator_means  # the analysed (mean-replaced) rows
    out = pls.predict(res, folds=4, repetitions=2, seed=9)
    for repetition in (0, 1):
        folds = out.fold_assignment[f"repetition {repetition}"].to_numpy()
        ours = out.predictions("pls", repetition)
        for k in (0, 3):
            expected = _refit_predictions(case["model"], frame, folds != k, folds == k)
            assert np.abs(ours.loc[folds == k, expected.columns] - expected).to_numpy().max() < 1e-6


def test_metrics_follow_from_the_predictions(ecsi):
    out = pls.predict(ecsi, folds=10, repetitions=3, seed=5)
    mobi = data("ecsi_mobile")
    folds = out.fold_assignment
    for row in out.table.itertuples():
        actual = mobi[row.indicator]
        rmse, mae, q2, lm_rmse = [], [], [], []
        for r in range(3):
            error = out.predictions("pls", r)[row.indicator] - actual
            rmse.append(np.sqrt(np.mean(error**2)))
            mae.append(np.mean(np.abs(error)))
            lm_rmse.append(np.sqrt(np.mean((out.predictions("lm", r)[row.indicator] - actual) ** 2)))
            f = folds[f"repetition {r}"]
            naive = f.map({k: actual[f != k].mean() for k in range(10)})  # the training fold's mean
            assert np.allclose(out.predictions("mean", r)[row.indicator], naive)
            q2.append(1 - np.sum(error**2) / np.sum((naive - actual) ** 2))
        assert row.pls_rmse == pytest.approx(np.mean(rmse), rel=1e-12)
        assert row.pls_mae == pytest.approx(np.mean(mae), rel=1e-12)
        assert row.lm_rmse == pytest.approx(np.mean(lm_rmse), rel=1e-12)
        assert row.q2_predict == pytest.approx(np.mean(q2), rel=1e-10)
        assert row.pls_beats_lm == (row.pls_rmse < row.lm_rmse)


def test_verdicts_follow_shmueli_et_al():
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(40, 4))
    mean = np.broadcast_to(np.zeros((1, 40, 4)), (1, 40, 4))
    good, bad = actual[None] + 0.1 * rng.normal(size=(1, 40, 4)), actual[None] + 0.5 * rng.normal(size=(1, 40, 4))
    owners = ["A"] * 4
    cases = {"high": (good, bad), "none": (bad, good)}
    for expected, (pls_pred, lm_pred) in cases.items():
        _, summary = _metrics(pls_pred, lm_pred, mean, actual, list("wxyz"), owners)
        assert summary["power"].iloc[0] == expected
    for wins, expected in ((3, "medium"), (1, "low")):  # PLS ahead of the LM on the first `wins` indicators
        pls_pred = np.concatenate([good[..., :wins], bad[..., wins:]], axis=2)
        lm_pred = np.concatenate([bad[..., :wins], good[..., wins:]], axis=2)
        assert _metrics(pls_pred, lm_pred, mean, actual, list("wxyz"), owners)[1]["power"].iloc[0] == expected
    worse_than_mean = actual[None] + 3.0
    assert _metrics(worse_than_mean, bad, mean, actual, list("wxyz"), owners)[1]["power"].iloc[0] == "no relevance"


def test_seeded_and_reported(ecsi):
    a, b = pls.predict(ecsi, seed=11), pls.predict(ecsi, seed=11)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["pls_rmse"], pls.predict(ecsi, seed=12).table["pls_rmse"])
    assert list(a.table.columns) == ["construct", "indicator", "pls_rmse", "lm_rmse", "pls_mae", "lm_mae",
                                     "q2_predict", "pls_beats_lm"]
    assert list(a.constructs.columns) == ["construct", "n_indicators", "q2_min", "n_beats_lm", "power"]
    assert a.folds == 10 and a.repetitions == 10 and a.n == 250 and a.problems == ()
    assert (a.table["q2_predict"] > 0).all()
    assert "PLSpredict: 10-fold cross-validation, 10 repetitions, N = 250" in a.summary()
    assert "<table" in a._repr_html_()
    text = str(a.plain_summary(labels={"CUSL": "Loyalty"}))
    assert "**Loyalty**" in text and "plain linear model" in text and "each of the 250 customers were predicted" in text
    worse = a.table.assign(q2_predict=np.where(a.table["indicator"] == "CUSL1", -0.0004, a.table["q2_predict"]))
    constructs = a.constructs.assign(power=np.where(a.constructs["construct"] == "CUSL", "no relevance",
                                                    a.constructs["power"]))
    text = str(replace(a, table=worse, constructs=constructs).plain_summary(labels={"CUSL1": "Would choose again"}))
    assert "for Would choose again (Q²predict 0.000) the model predicts no better" in text and "−0.000" not in text


def test_errors(ecsi):
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "PLSpredict predicts from composite scores, weights and loadings; PLSc (consistent=True) corrects paths "
            "for measurement error and has no such prediction. Refit with consistent=False to predict.")):
        pls.predict(reference_fit("ecsi_plsc"))
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "folds must be a whole number from 2 to the number of rows (250), got 1.")):
        pls.predict(ecsi, folds=1)
    with pytest.raises(pls.ModelSpecificationError, match=r"folds must be a whole number from 2 .* got 251\."):
        pls.predict(ecsi, folds=251)
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "repetitions must be a whole number of at least 1, got 0.")):
        pls.predict(ecsi, repetitions=0)
    with pytest.raises(TypeError, match=re.escape("predict needs a fitted cxstats.pls result (from pls.fit), got DataFrame.")):
        pls.predict(data("ecsi_mobile"))
    out = pls.predict(ecsi, repetitions=2, seed=1)
    with pytest.raises(pls.ModelSpecificationError, match=re.escape("kind='fitted' is not one of 'pls', 'lm', 'mean'.")):
        out.predictions("fitted")
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "repetition=2 is out of range: there were 2 repetitions (0 to 1).")):
        out.predictions("pls", 2)


def test_too_few_training_rows_for_the_linear_benchmark():
    small = pls.fit(ECSI, data("ecsi_mobile").head(12))
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "With 2 folds the smallest training set has 6 rows, too few for the linear benchmark, which "
            "regresses each endogenous indicator on all 5 indicators of the exogenous constructs (it needs at "
            "least 7). Use fewer folds or more data.")):
        pls.predict(small, folds=2)


def test_an_indicator_constant_in_a_training_fold():
    mobi = data("ecsi_mobile")
    mobi["CUSCO"] = 5.0
    mobi.loc[0, "CUSCO"] = 6.0  # varies in the data, not in the training rows of the fold that holds row 0
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "Indicator(s) 'CUSCO' do not vary within some training fold (nearly every answer is the same), so those "
            "folds cannot be estimated. Use fewer folds, or drop the indicator.")):
        pls.predict(pls.fit(ECSI, mobi), repetitions=1, seed=1)


def test_collinear_exogenous_indicators():
    mobi = data("ecsi_mobile").assign(IMAG6=lambda d: d["IMAG1"] + d["IMAG2"])
    res = pls.fit(ECSI.replace("IMAG5\n", "IMAG5 + IMAG6\n", 1), mobi)
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "The indicators of the exogenous constructs ('IMAG1', 'IMAG2', 'IMAG3', 'IMAG4', 'IMAG5' and 1 more) are "
            "collinear within some training fold, so the linear benchmark cannot be estimated.")):
        pls.predict(res, repetitions=1, seed=1)
