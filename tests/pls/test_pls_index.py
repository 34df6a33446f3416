"""0-100 index scores of PLS constructs and the importance-performance map on them, checked
by direct computation, by cxstats.satisfaction_index with the same weights, by refits on
resampled rows, and by OLS regressions of the index scores (statsmodels)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _pls_cases import ECSI, data, reference_fit

import cxstats
import cxstats.pls as pls
from cxstats import CxStatsError


@pytest.fixture(scope="module")
def mobi():
    return cxstats.load_dataset("ecsi_mobile")


@pytest.fixture(scope="module")
def ecsi() -> pls.PLSResult:
    return reference_fit("ecsi")


def test_index_by_hand(ecsi, mobi):
    idx = pls.index_scores(ecsi, codebook=mobi.codebook)
    frame = mobi.data
    for construct, block in zip(ecsi.spec.constructs, ecsi.spec.blocks, strict=True):
        w = ecsi.outer_weights.loc[list(block), construct] / frame[list(block)].std(ddof=1)
        w = w / w.sum()
        expected = 100 * (frame[list(block)] @ w - 1) / 9  # all items 1-10, weights positive
        assert np.allclose(idx.scores[construct], expected, atol=1e-10)
        row = idx.table.set_index("construct").loc[construct]
        assert row["estimate"] == pytest.approx(expected.mean(), abs=1e-10)
        assert row["se"] == pytest.approx(expected.std(ddof=1) / np.sqrt(250), abs=1e-10)
    weights = idx.weights.groupby("construct")["rescaled"].sum()
    assert np.allclose(weights, 1)
    assert list(idx.table.columns) == ["construct", "group", "n", "estimate", "se", "ci_low", "ci_high"]
    assert idx.se_method == "sd/sqrt(n)" and idx.problems == ()


def test_same_arithmetic_as_satisfaction_index(ecsi, mobi):
    """One shared scale and positive weights: the PLS index of a construct is
    cxstats.satisfaction_index of its items with the unstandardized weights (overall and by
    segment; the segment summary is the same helper)."""
    frame = mobi.data.assign(segment=np.where(np.arange(250) % 3 == 0, "a", "b"))
    idx = pls.index_scores(ecsi, codebook=mobi.codebook, group=frame["segment"])
    for construct in ("CUSA", "CUSL", "PERQ"):
        items = list(ecsi.spec.blocks[ecsi.spec.constructs.index(construct)])
        ours = idx.table[idx.table["construct"] == construct].drop(columns="construct").reset_index(drop=True)
        by_mapping = cxstats.satisfaction_index(frame, items, codebook=mobi.codebook, group="segment", weights=dict(
            zip(idx.weights["indicator"], idx.weights["unstandardized"], strict=True)))
        by_result = cxstats.satisfaction_index(frame, items, codebook=mobi.codebook, group="segment", weights=ecsi)
        assert not by_mapping.table["suppressed"].any()
        pd.testing.assert_frame_equal(ours.iloc[1:].reset_index(drop=True), by_mapping.table.drop(columns="suppressed"),
                                      check_dtype=False)
        pd.testing.assert_frame_equal(by_mapping.table, by_result.table)
        assert np.allclose(by_result.scores, idx.scores[construct])


def test_satisfaction_index_needs_one_whole_construct(ecsi, mobi):
    with pytest.raises(CxStatsError, match=re.escape(
            "satisfaction_index: the PLS model must measure exactly these items by one construct (the items belong "
            "to 'CUSA').")):
        cxstats.satisfaction_index(mobi.data, ["CUSA1", "CUSA2"], codebook=mobi.codebook, weights=ecsi)


def test_bootstrap_draws_are_refits_on_resampled_rows(ecsi, mobi):
    idx = pls.index_scores(ecsi, codebook=mobi.codebook, bootstrap=50, seed=4, progress=False)
    rows = np.random.default_rng(4).integers(0, 250, size=(50, 250))
    for d in (0, 37):
        refit = pls.fit(ECSI, mobi.data.iloc[rows[d]].reset_index(drop=True))
        expected = pls.index_scores(refit, codebook=mobi.codebook).table["estimate"].to_numpy()
        assert np.abs(idx._draws[d, :, 0] - expected).max() < 1e-6  # both weight iterations stop within 1e-7
    assert np.allclose(idx.table["se"], idx._draws[:, :, 0].std(axis=0, ddof=1))
    assert idx.se_method == "bootstrap" and idx.bootstrap_draws == 50
    again = pls.index_scores(ecsi, codebook=mobi.codebook, bootstrap=50, seed=4, progress=False)
    pd.testing.assert_frame_equal(idx.table, again.table)


def test_bootstrap_keeps_segment_sizes(ecsi, mobi):
    segment = pd.Series(np.where(np.arange(250) < 60, "new", "long"), index=mobi.data.index)
    idx = pls.index_scores(ecsi, codebook=mobi.codebook, group=segment, bootstrap=40, seed=2, progress=False)
    assert list(idx.table["group"].unique()) == ["all", "long", "new"]
    assert idx.table.query("group == 'new'")["n"].unique().tolist() == [60]
    assert idx._draws.shape == (40, 7, 3)
    # resamples drawn within each segment: the first segment's rows come first
    rng = np.random.default_rng(2)
    long_rows = np.arange(60, 250)[rng.integers(0, 190, size=(40, 190))]
    new_rows = np.arange(60)[rng.integers(0, 60, size=(40, 60))]
    rows = np.concatenate([long_rows, new_rows], axis=1)
    refit = pls.fit(ECSI, mobi.data.iloc[rows[0]].reset_index(drop=True))
    part = pd.Series(["long"] * 190 + ["new"] * 60)
    expected = pls.index_scores(refit, codebook=mobi.codebook, group=part).table
    assert np.abs(idx._draws[0].ravel() - expected["estimate"].to_numpy()).max() < 1e-6
    text = str(idx.plain_summary(labels={"CUSA": "Satisfaction", "new": "New customers"}))
    assert "**Satisfaction** scores" in text and "highest in" in text and "250 respondents" in text
    cusa = idx.table[(idx.table["construct"] == "CUSA") & (idx.table["group"] != "all")].set_index("group")
    gap = abs(cusa.loc["long", "estimate"] - cusa.loc["new", "estimate"])
    assert f"the gap of {gap:.1f} points (95% CI " in text and "New customers (" in text
    assert ", n = 190)" in text and ", n = 60)" in text


def test_negative_weight_is_a_named_warning():
    corp = cxstats.load_dataset("corporate_reputation")
    res = reference_fit("corp_rep_mean")
    with pytest.warns(pls.IndexWeightWarning, match=re.escape(
            "Negative unstandardized weight for qual_4 of QUAL: a higher answer lowers the index. Check the item's "
            "coding (reverse-worded?) or whether it belongs to the construct.")):
        idx = pls.index_scores(res, codebook=corp.codebook)
    assert idx.problems[0].startswith("IndexWeightWarning: Negative unstandardized weight for qual_4")
    # the bounds follow the sign: the lowest composite takes the negative item at its top
    w = idx.weights[idx.weights["construct"] == "QUAL"]
    low = np.minimum(w["rescaled"] * 1, w["rescaled"] * 7).sum()
    high = np.maximum(w["rescaled"] * 1, w["rescaled"] * 7).sum()
    raw = res.standardized_data[w["indicator"]] * res.indicator_sds[w["indicator"]] + res.indicator_means[w["indicator"]]
    assert np.allclose(idx.scores["QUAL"], 100 * (raw @ w["rescaled"].to_numpy() - low) / (high - low))
    assert idx.scores.min().min() >= 0 and idx.scores.max().max() <= 100


def test_index_errors(ecsi, mobi):
    with pytest.raises(CxStatsError, match=re.escape(
            "Index scores need the response scale of the indicators: pass scale=(low, high), a mapping indicator -> "
            "(low, high), or codebook=.")):
        pls.index_scores(ecsi)
    with pytest.raises(CxStatsError, match=re.escape(
            "Indicator 'IMAG1' has values outside its 1-5 scale (6, 7, 8, 9, 10); recode them or pass the right scale=.")):
        pls.index_scores(ecsi, scale=(1, 5))
    with pytest.raises(CxStatsError, match=re.escape("scale has no (low, high) for indicator(s) 'CUSCO'.")):
        pls.index_scores(ecsi, scale={i: (1, 10) for i in ecsi.spec.indicators if i != "CUSCO"})
    with pytest.raises(CxStatsError, match=re.escape(
            "The scale of indicator(s) 'IMAG1', 'IMAG2', 'IMAG3', 'IMAG4', 'IMAG5' and 19 more has a low end not below "
            "its high end.")):
        pls.index_scores(ecsi, scale=(10, 1))
    with pytest.raises(CxStatsError, match=re.escape(
            "group 'segment' is not indexed like the data that were fitted: 100 analysed rows have no entry. Pass the "
            "column of the same DataFrame, e.g. group=data['segment'].")):
        pls.index_scores(ecsi, scale=(1, 10), group=pd.Series(1, index=range(150), name="segment"))
    with pytest.raises(TypeError, match=r"group must be a pandas Series indexed like the data"):
        pls.index_scores(ecsi, scale=(1, 10), group="segment")
    with pytest.raises(CxStatsError, match=re.escape("bootstrap must be 0 or a whole number of at least 10 resamples, got 5.")):
        pls.index_scores(ecsi, scale=(1, 10), bootstrap=5)
    corp = cxstats.load_dataset("corporate_reputation")
    other = pls.fit("CUSA =~ cusa\nCUSL =~ cusl_1 + cusl_2\nCUSL ~ CUSA", data("corporate_reputation"))
    with pytest.raises(CxStatsError, match=re.escape(
            "Indicator 'IMAG1' has no response scale in codebook 'corporate_reputation'; pass scale=(low, high)")):
        pls.index_scores(ecsi, codebook=corp.codebook)
    assert pls.index_scores(other, codebook=corp.codebook).table["n"].tolist() == [344, 344]


def _unstandardized_total_effects(scores: pd.DataFrame, spec) -> np.ndarray:
    """Paths of the model re-estimated by OLS (statsmodels, with intercept) on the index
    scores; total effects B + B^2 + ... summed over routes."""
    constructs = list(spec.constructs)
    b = np.zeros((len(constructs), len(constructs)))
    for outcome in spec.endogenous:
        predictors = list(spec.predictors(outcome))
        coef = sm.OLS(scores[outcome], sm.add_constant(scores[predictors])).fit().params[predictors]
        for p in predictors:
            b[constructs.index(p), constructs.index(outcome)] = coef[p]
    total, power = b.copy(), b.copy()
    for _ in range(len(constructs)):
        power = power @ b
        total += power
    return total


def test_ipma_importance_is_the_unstandardized_total_effect(ecsi, mobi):
    ipma = pls.importance_performance(ecsi, "CUSL", codebook=mobi.codebook)
    idx = pls.index_scores(ecsi, codebook=mobi.codebook)
    total = _unstandardized_total_effects(idx.scores, ecsi.spec)
    constructs = list(ecsi.spec.constructs)
    table = ipma.table.set_index("term")
    assert list(table.index) == ["IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSCO"]
    for term, row in table.iterrows():
        assert row["importance"] == pytest.approx(total[constructs.index(term), constructs.index("CUSL")], abs=1e-10)
        assert row["performance"] == pytest.approx(idx.scores[term].mean(), abs=1e-10)
    assert ipma.importance_label == "unstandardized total effect on CUSL"
    assert set(table["quadrant"]) <= {"Concentrate here", "Keep up the good work", "Low priority", "Possible overkill"}
    fig = ipma.plot(labels={"CUSA": "Satisfaction"})
    # the codebook that gave the scales also names the target (its labels are kept on the map)
    assert fig.axes[0].get_xlabel() == "Importance (unstandardized total effect on Customer loyalty)"
    assert fig.axes[0].get_ylabel() == "Performance (mean index, 0–100)"


def test_ipma_errors(ecsi, mobi):
    with pytest.raises(CxStatsError, match=re.escape("'LOY' is not a construct of the model; constructs: 'IMAG', 'CUEX'")):
        pls.importance_performance(ecsi, "LOY", codebook=mobi.codebook)
    with pytest.raises(CxStatsError, match=re.escape(
            "No construct has a path to 'IMAG' (it is exogenous); choose an outcome of the inner model: 'CUEX', 'PERQ'")):
        pls.importance_performance(ecsi, "IMAG", codebook=mobi.codebook)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pls.importance_performance(ecsi, "CUSA", scale=(1, 10))


def test_a_fitted_result_is_required(mobi):
    with pytest.raises(TypeError, match=re.escape(
            "index_scores needs a fitted cxstats.pls result (from pls.fit), got DataFrame.")):
        pls.index_scores(mobi.data, codebook=mobi.codebook)
    with pytest.raises(TypeError, match=re.escape("importance_performance needs a fitted cxstats.pls result, got str.")):
        pls.importance_performance("model", "CUSL")
