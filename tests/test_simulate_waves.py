"""cxstats.simulate_cx_waves: a panel of survey waves from a stated RI-CLPM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxstats


def test_wide_and_long_layouts_and_truth():
    panel = cxstats.simulate_cx_waves(50, waves=3, seed=4)
    assert list(panel.data.columns) == ["respondent", "QUAL1", "QUAL2", "QUAL3", "LOY1", "LOY2", "LOY3"]
    assert panel.waves == 3 and len(panel.data) == 50
    long = panel.long
    assert list(long.columns) == ["respondent", "wave", "QUAL", "LOY"] and len(long) == 150
    row = long[(long["respondent"] == 7) & (long["wave"] == 2)].iloc[0]
    wide = panel.data[panel.data["respondent"] == 7].iloc[0]
    assert (row["QUAL"], row["LOY"]) == (wide["QUAL2"], wide["LOY2"])
    assert panel.true_value("cross-lagged", "QUAL", "LOY") == 0.20
    assert panel.true_value("cross-lagged", "LOY", "QUAL") == 0.05
    assert panel.true_value("autoregressive", "LOY", "LOY") == 0.45
    assert panel.true_value("trait covariance", "QUAL", "LOY") == pytest.approx(0.7 * 0.8 * 0.5)
    assert panel.labels["LOY2"] == "Loyalty, wave 2" and panel.labels["QUAL"] == "Perceived quality"
    assert panel.settings["seed"] == 4


def test_same_seed_same_panel():
    a = cxstats.simulate_cx_waves(30, seed=9, items=2).data
    b = cxstats.simulate_cx_waves(30, seed=9, items=2).data
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(cxstats.simulate_cx_waves(30, seed=10, items=2).data)


def test_generator_follows_the_stated_model():
    """On many respondents the true components show the stated lags, traits and stationarity."""
    panel = cxstats.simulate_cx_waves(20_000, waves=4, quality_to_loyalty=0.3, loyalty_to_quality=-0.1, seed=1)
    s = panel.scores
    traits = s[["RI_QUAL", "RI_LOY"]].to_numpy()
    assert np.corrcoef(traits.T)[0, 1] == pytest.approx(0.5, abs=0.02)
    assert traits.std(axis=0) == pytest.approx([0.7, 0.8], abs=0.02)
    within = {(c, t): s[f"{c}{t}"] - m - s[f"RI_{c}"] for c, m in (("QUAL", 5.0), ("LOY", 4.8)) for t in range(1, 5)}
    previous = np.column_stack([np.concatenate([within["QUAL", t] for t in (1, 2, 3)]),
                                np.concatenate([within["LOY", t] for t in (1, 2, 3)])])
    following = np.column_stack([np.concatenate([within["QUAL", t] for t in (2, 3, 4)]),
                                 np.concatenate([within["LOY", t] for t in (2, 3, 4)])])
    lags = np.linalg.lstsq(previous, following, rcond=None)[0].T  # rows: outcome, columns: predictor
    assert lags == pytest.approx(np.array([[0.40, -0.1], [0.3, 0.45]]), abs=0.02)
    variances = [within["LOY", t].var() for t in range(1, 5)]
    assert max(variances) / min(variances) < 1.05  # stationary: the same within variance at every wave


def test_items_are_ratings_whose_mean_is_the_scale_score():
    panel = cxstats.simulate_cx_waves(40, waves=3, items=3, seed=2)
    items = [f"QUAL2_{k}" for k in (1, 2, 3)]
    assert set(items) <= set(panel.data.columns)
    values = panel.data[items].to_numpy()
    assert np.isin(values, np.arange(1, 8)).all()
    assert np.allclose(panel.data["QUAL2"], values.mean(axis=1))
    assert not np.allclose(panel.data["QUAL2"], panel.scores["QUAL2"])


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"n": 10}, r"^n must be a whole number of at least 20, got 10\.$"),
    ({"waves": 2}, r"^waves must be a whole number of at least 3, got 2\.$"),
    ({"items": -1}, r"^items must be 0 or a positive whole number of items per wave, got -1\.$"),
    ({"trait_sd": (0.5, 0.0)}, r"^trait_sd must be two positive SDs \(quality, loyalty\), got \(0\.5, 0\.0\)\.$"),
    ({"means": (5.0,)}, r"^means must be two finite numbers \(quality, loyalty\), got \(5\.0,\)\.$"),
    ({"trait_correlation": 1.0}, r"^trait_correlation must lie strictly between -1 and 1, got 1\.0\.$"),
    ({"quality_autoregression": 0.9, "loyalty_autoregression": 0.9, "quality_to_loyalty": 0.5},
     r"^The lagged effects make the within-person process explosive \(largest eigenvalue of the lag matrix 1\.0\d*"),
])
def test_bad_arguments_are_named(kwargs, pattern):
    with pytest.raises(cxstats.CxStatsError, match=pattern):
        cxstats.simulate_cx_waves(**{"n": 30, **kwargs})


def test_unknown_true_value_names_the_kinds():
    panel = cxstats.simulate_cx_waves(20, seed=1)
    with pytest.raises(cxstats.CxStatsError, match=r"^No true 'cross-lagged' parameter from 'SAT' to 'LOY'; the kinds "
                                                   r"are 'cross-lagged', 'autoregressive'.*'QUAL' and 'LOY'\.$"):
        panel.true_value("cross-lagged", "SAT", "LOY")


def test_dropout_leaves_later_waves_missing_and_fiml_uses_the_rest():
    import cxstats.sem as sem

    panel = cxstats.simulate_cx_waves(400, waves=4, dropout=0.15, items=2, seed=3)
    data = panel.data
    answered = data[[f"LOY{t}" for t in range(1, 5)]].notna().to_numpy()
    assert answered[:, 0].all() and (np.diff(answered.astype(int), axis=1) <= 0).all()  # once gone, gone for good
    assert 0.5 < answered[:, 3].mean() < 0.75  # 0.85 ** 3 = 0.61 stay to the last wave
    assert (data["QUAL3"].isna() == data["QUAL3_1"].isna()).all() and data["QUAL3"].isna().equals(data["LOY3"].isna())
    assert panel.scores["LOY4"].notna().all()
    fit = sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=4, equal_lags=True), data, missing="fiml")
    assert fit.nobs == 400 and fit.converged
    with pytest.raises(cxstats.CxStatsError, match=r"^dropout must be a share from 0 up to \(not including\) 1, "
                                                   r"got 1\.$"):
        cxstats.simulate_cx_waves(30, dropout=1)
