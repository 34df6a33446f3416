"""Penalty-reward contrast analysis: the simulator's Kano basic factor is found, numbers by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import CxStatsError

SERVQUAL = ["TAN", "REL", "RES", "ASS", "EMP"]


def _scores(kano: bool, seed: int) -> pd.DataFrame:
    panel = cxstats.simulate_cx_panel(1000, kano=kano, seed=seed)
    data = cxstats.validate(panel.data, panel.codebook)
    return pd.DataFrame({c: data[list(panel.codebook.items_of(c))].mean(axis=1) for c in [*SERVQUAL, "SAT"]})


@pytest.mark.parametrize("seed", [5, 6])
def test_the_simulated_basic_factor_is_classified_basic(seed):
    result = cxstats.penalty_reward(_scores(kano=True, seed=seed), "SAT", SERVQUAL, scale=(1, 7))
    factors = result.table.set_index("term")["factor"]
    assert factors["REL"] == "basic"
    assert (factors.drop("REL") == "performance").all()
    rel = result.table.set_index("term").loc["REL"]
    assert rel["penalty"] < 0 < rel["reward"] and abs(rel["penalty"]) > rel["reward"]
    assert rel["impact_asymmetry"] < 0


def test_symmetric_truth_gives_performance_factors():
    result = cxstats.penalty_reward(_scores(kano=False, seed=5), "SAT", SERVQUAL, scale=(1, 7))
    assert (result.table["factor"] == "performance").all()


def test_numbers_by_hand_ols_and_hc3():
    scores = _scores(kano=True, seed=5)
    result = cxstats.penalty_reward(scores, "SAT", SERVQUAL, scale=(1, 7))
    assert (result.low_cut, result.high_cut) == (3.0, 5.0)
    columns = [np.ones(len(scores))]
    for a in SERVQUAL:
        columns += [(scores[a] <= 3).astype(float), (scores[a] >= 5).astype(float)]
    x, y = np.column_stack(columns), scores["SAT"].to_numpy()
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    resid = y - x @ beta
    bread = np.linalg.inv(x.T @ x)
    leverage = np.einsum("ij,jk,ik->i", x, bread, x)
    meat = (x * (resid / (1 - leverage))[:, None]).T @ (x * (resid / (1 - leverage))[:, None])
    hc3 = bread @ meat @ bread
    table = result.table.set_index("term")
    for k, a in enumerate(SERVQUAL):
        i, j = 1 + 2 * k, 2 + 2 * k
        assert table.loc[a, "penalty"] == pytest.approx(beta[i], abs=1e-10)
        assert table.loc[a, "reward"] == pytest.approx(beta[j], abs=1e-10)
        se = np.sqrt(hc3[i, i] + hc3[j, j] + 2 * hc3[i, j])
        assert table.loc[a, "ci_high"] - table.loc[a, "asymmetry"] == pytest.approx(1.959963984540054 * se, rel=1e-8)
        for name, k_ in (("penalty", i), ("reward", j)):
            half = 1.959963984540054 * np.sqrt(hc3[k_, k_])
            assert table.loc[a, f"{name}_ci_low"] == pytest.approx(beta[k_] - half, abs=1e-10)
            assert table.loc[a, f"{name}_ci_high"] == pytest.approx(beta[k_] + half, abs=1e-10)


def test_cut_offs_from_a_codebook_and_errors():
    survey = cxstats.load_dataset("customersat")
    result = cxstats.penalty_reward(survey.data, "q1", ["q2", "q4", "q6"], codebook=survey.codebook)
    assert (result.low_cut, result.high_cut) == (4.0, 7.0)
    with pytest.raises(CxStatsError, match="needs the rating scale"):
        cxstats.penalty_reward(survey.data, "q1", ["q2"])
    with pytest.raises(CxStatsError, match=r"Attribute 'q9' has too few respondents in its low \(\d+\) group"):
        cxstats.penalty_reward(survey.data, "q1", ["q9"], low_cut=1, high_cut=7, min_group=200)
    with pytest.raises(CxStatsError, match="low_cut \\(5\\) must be below high_cut \\(5\\)"):
        cxstats.penalty_reward(survey.data, "q1", ["q2"], low_cut=5, high_cut=5)
    with pytest.raises(CxStatsError, match="no column 'q99'"):
        cxstats.penalty_reward(survey.data, "q1", ["q99"], scale=(1, 10))


@pytest.mark.parametrize("seed", [5, 6])
def test_piecewise_slopes_find_the_basic_factor(seed):
    result = cxstats.piecewise_effects(_scores(kano=True, seed=seed), "SAT", SERVQUAL).set_index("term")
    assert result.loc["REL", "factor"] == "basic"
    assert result.loc["REL", "slope_below"] > result.loc["REL", "slope_above"]
    assert (result.drop(index="REL")["factor"] == "performance").all()
    symmetric = cxstats.piecewise_effects(_scores(kano=False, seed=seed), "SAT", SERVQUAL)
    assert (symmetric["factor"] == "performance").all()


def test_piecewise_by_hand_and_errors():
    scores = _scores(kano=True, seed=5)
    result = cxstats.piecewise_effects(scores, "SAT", ["REL"], knots={"REL": 4.0}).iloc[0]
    x = np.column_stack([np.ones(len(scores)), np.minimum(scores["REL"] - 4, 0), np.maximum(scores["REL"] - 4, 0)])
    beta = np.linalg.lstsq(x, scores["SAT"].to_numpy(), rcond=None)[0]
    assert (result["slope_below"], result["slope_above"]) == pytest.approx((beta[1], beta[2]), abs=1e-10)
    assert result["knot"] == 4.0
    with pytest.raises(CxStatsError, match="fewer than 10 answers on one side of its knot 7"):
        cxstats.piecewise_effects(scores, "SAT", ["REL"], knots={"REL": 7.0})


def test_holm_adjustment_by_hand():
    survey = cxstats.load_dataset("customersat")
    drivers = [f"q{i}" for i in range(2, 11)]
    adjusted = cxstats.penalty_reward(survey.data, "q1", drivers, codebook=survey.codebook).table
    raw = cxstats.penalty_reward(survey.data, "q1", drivers, codebook=survey.codebook, adjust="none").table
    p = raw["p_value"].to_numpy()
    order = np.argsort(p)
    holm = np.minimum(np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]), 1)
    assert np.allclose(adjusted["p_adjusted"].to_numpy()[order], holm)
    q8 = raw.set_index("term").loc["q8"]
    assert q8["p_value"] < 0.05 and q8["factor"] == "basic"  # unadjusted: basic
    assert adjusted.set_index("term").loc["q8", "factor"] == "performance"  # not after testing nine at once
    with pytest.raises(CxStatsError, match="adjust must be 'holm' or 'none'"):
        cxstats.penalty_reward(survey.data, "q1", drivers, codebook=survey.codebook, adjust="bonferroni")
