"""Lifecycle stages: the stated rules, their errors, the simulator's stages and the recovery of
their true satisfaction -> loyalty effects by a multigroup SEM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem
from cxstats import CxStatsError
from cxstats.lifecycle import STAGES

ROOT = Path(__file__).resolve().parents[1]
MODEL = """
EMO =~ EMO1 + EMO2 + EMO3
VAL =~ VAL1 + VAL2 + VAL3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3
SAT ~ EMO + VAL
LOY ~ SAT + EMO + VAL
"""


def test_each_rule_in_order():
    tenure = [0, 5.9, 6, 23, 24, 40, 40, 40, 3, 30]
    trend = [-0.9, 0.9, 0.0, -0.2, 0.19, 0.2, -0.19, -0.21, np.nan, np.nan]
    stages = cxstats.lifecycle_stages(tenure, trend=trend)
    assert stages.tolist() == ["new", "new", "growing", "declining", "mature", "growing", "mature", "declining",
                               "new", "mature"]
    assert list(stages.cat.categories) == list(STAGES) and stages.cat.ordered and stages.name == "stage"


def test_tenure_alone_the_cuts_and_thresholds_are_arguments():
    assert cxstats.lifecycle_stages([1, 10, 30]).tolist() == ["new", "growing", "mature"]
    assert cxstats.lifecycle_stages([1, 10, 30], cuts=(12, 36)).tolist() == ["new", "new", "growing"]
    assert cxstats.lifecycle_stages([30, 30], trend=[-0.15, 0.15], decline=-0.1, growth=0.1).tolist() == \
        ["declining", "growing"]


def test_series_keep_their_index_and_missing_tenure_gives_a_missing_stage():
    tenure = pd.Series([2.0, np.nan, 30.0], index=[10, 11, 12])
    stages = cxstats.lifecycle_stages(tenure, trend=pd.Series([0.0, 0.0, -0.5], index=[10, 11, 12]))
    assert list(stages.index) == [10, 11, 12]
    assert stages.iloc[0] == "new" and pd.isna(stages.iloc[1]) and stages.iloc[2] == "declining"


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"tenure": [1, -2, 3]}, CxStatsError, r"^Argument tenure has negative values \(row 2: -2\); tenure is the time"),
    ({"tenure": [1, "x"]}, TypeError, r"^Argument tenure must hold numbers; it has row 2: 'x'\. Convert"),
    ({"tenure": [1, np.inf]}, CxStatsError, r"^Argument tenure has infinite values \(row 2: inf\)"),
    ({"tenure": [1, 2], "trend": [0.1]}, CxStatsError, r"^Argument trend must have one value per customer of tenure \(2\)"),
    ({"tenure": pd.Series([1, 2]), "trend": pd.Series([0, 0], index=[5, 6])}, CxStatsError,
     r"one value per customer of tenure \(2, with the same index\)"),
    ({"tenure": [1], "cuts": (24, 6)}, CxStatsError, r"^Argument cuts must be two increasing positive tenures"),
    ({"tenure": [1], "cuts": (6,)}, CxStatsError, r"^Argument cuts must be two increasing positive tenures"),
    ({"tenure": [1], "decline": 0.2}, CxStatsError, r"^Argument decline must be a negative change"),
    ({"tenure": [1], "growth": -0.1}, CxStatsError, r"^Argument growth must be a positive change"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        cxstats.lifecycle_stages(kwargs.pop("tenure"), **kwargs)


def test_the_simulator_without_stages_gives_the_panel_of_earlier_versions():
    # the survival reference CSV was written from simulate_cx_panel(250, seed=20240611) before stages existed
    old = pd.read_csv(ROOT / "tests" / "reference" / "data" / "cx_panel_survival.csv")
    panel = cxstats.simulate_cx_panel(250, seed=20240611)
    d = panel.data
    assert (d["tenure_months"].to_numpy() == old["tenure_months"].to_numpy()).all()
    assert np.allclose(d[["SAT1", "SAT2", "SAT3"]].mean(axis=1).round(6), old["sat"])
    assert "stage" not in d.columns and panel.stage_effects is None and panel.settings["stages"] is False


def test_simulated_stages_follow_the_rules_and_change_only_loyalty():
    plain = cxstats.simulate_cx_panel(100, seed=3)
    staged = cxstats.simulate_cx_panel(100, seed=3, stages=True)
    d = staged.data
    changed = [c for c in plain.data.columns if not plain.data[c].equals(d[c])]
    assert changed == ["LOY1", "LOY2", "LOY3", "REC"]
    assert d["stage"].tolist() == cxstats.lifecycle_stages(d["months_as_customer"], trend=d["activity_trend"]).tolist()
    assert set(d["stage"]) == set(STAGES)
    assert dict(zip(staged.stage_effects["stage"], staged.stage_effects["estimate"], strict=True)) == \
        {"new": 0.30, "growing": 0.40, "mature": 0.50, "declining": 0.70}
    cxstats.validate(d, staged.codebook)  # the new columns are in the codebook
    # the true scores obey LOY = b[stage] SAT + 0.25 EMO + 0.15 VAL + e
    s = staged.scores
    for stage, b in zip(staged.stage_effects["stage"], staged.stage_effects["estimate"], strict=True):
        part = s[d["stage"] == stage]
        x = np.column_stack([np.ones(len(part)), part["SAT"], part["EMO"], part["VAL"]])
        coef = np.linalg.lstsq(x, part["LOY"], rcond=None)[0]
        assert coef[1] == pytest.approx(b, abs=0.15)


def test_a_multigroup_fit_by_stage_recovers_the_stage_truth_within_its_intervals():
    panel = cxstats.simulate_cx_panel(500, seed=20261207, stages=True)
    fit = sem.fit(MODEL, panel.data, group="stage", group_labels=list(STAGES), group_equal=["loadings"])
    assert fit.problems == ()
    paths = sem.path_differences(fit).table
    loy_sat = paths[paths["path"] == "LOY ~ SAT"].set_index("group")
    truth = panel.stage_effects.set_index("stage")["estimate"]
    for stage in STAGES:
        assert loy_sat.loc[stage, "ci_low"] < truth[stage] < loy_sat.loc[stage, "ci_high"], stage
    # the stated difference is detected, and the paths that are equal in every stage are not flagged
    assert loy_sat["p_holm"].iloc[0] < 0.001
    others = paths[paths["path"] != "LOY ~ SAT"].drop_duplicates("path")
    assert (others["p_holm"] > 0.05).all()
    # the measurement is the same in every stage: the invariance ladder holds up to strict
    ladder = sem.invariance(MODEL, panel.data, group="stage")
    assert ladder.table["holds"].all()


def test_stages_and_value_outcomes_combine_without_moving_each_other():
    both = cxstats.simulate_cx_panel(60, seed=8, stages=True, value_outcomes=True)
    staged = cxstats.simulate_cx_panel(60, seed=8, stages=True)
    valued = cxstats.simulate_cx_panel(60, seed=8, value_outcomes=True)
    pd.testing.assert_frame_equal(both.data[staged.data.columns], staged.data)
    value_columns = [c for c in valued.data.columns if c not in staged.data.columns]
    pd.testing.assert_frame_equal(both.data[value_columns], valued.data[value_columns])
    cxstats.validate(both.data, both.codebook)
