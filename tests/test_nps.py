"""NPS and top-box shares: closed-form values, coverage by simulation, and the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import cxstats
from cxstats import CxStatsError


def test_closed_form_nps_and_interval():
    answers = pd.DataFrame({"rec": [10] * 50 + [8] * 30 + [3] * 20})
    row = cxstats.nps(answers, "rec").table.iloc[0]
    assert (row["pct_promoters"], row["pct_passives"], row["pct_detractors"]) == (50.0, 30.0, 20.0)
    assert row["nps"] == pytest.approx(30.0)
    se = 100 * np.sqrt((0.5 + 0.2 - 0.3**2) / 100)  # multinomial variance of p_P - p_D
    assert row["se"] == pytest.approx(se)
    assert row["ci_high"] - row["nps"] == pytest.approx(1.959963984540054 * se)


def test_coverage_of_the_nps_interval_is_near_95_percent():
    rng = np.random.default_rng(1)
    probs = np.array([0.05] * 7 + [0.1, 0.15, 0.2, 0.2])
    probs = probs / probs.sum()
    truth = 100 * (probs[9:].sum() - probs[:7].sum())
    hits = 0
    for _ in range(2000):
        sample = pd.DataFrame({"r": rng.choice(11, size=200, p=probs)})
        row = cxstats.nps(sample, "r").table.iloc[0]
        hits += row["ci_low"] <= truth <= row["ci_high"]
    assert 0.935 <= hits / 2000 <= 0.965


def test_segments_below_the_minimum_base_are_suppressed():
    data = pd.DataFrame({"rec": [10] * 40 + [2] * 10, "seg": ["a"] * 40 + ["b"] * 10})
    table = cxstats.nps(data, "rec", group="seg", min_base=30).table.set_index("group")
    assert table.loc["a", "nps"] == 100 and not table.loc["a", "suppressed"]
    assert table.loc["b", "suppressed"] and np.isnan(table.loc["b", "nps"]) and table.loc["b", "n"] == 10


def test_difference_between_two_groups():
    first, second = pd.Series([10] * 60 + [5] * 40), pd.Series([10] * 40 + [5] * 60)
    row = cxstats.nps_difference(first, second).iloc[0]
    assert row["difference"] == pytest.approx(40.0)
    se = 100 * np.hypot(np.sqrt((1 - 0.2**2) / 100), np.sqrt((1 - 0.2**2) / 100))
    assert row["se"] == pytest.approx(se)
    assert row["p_value"] < 0.01


def test_top_box_matches_statsmodels_wilson():
    data = pd.DataFrame({"sat": [7, 6, 6, 5, 4, 7, 3, 6, 2, 7]})
    row = cxstats.top_box(data, ["sat"], scale=(1, 7)).iloc[0]
    low, high = proportion_confint(6, 10, alpha=0.05, method="wilson")
    assert row["pct_top"] == pytest.approx(60.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * low, 100 * high), abs=1e-10)


def test_errors():
    with pytest.raises(CxStatsError, match=r"whole numbers from 0 to 10; rows 1, 2 hold 11, 4.5"):
        cxstats.nps(pd.DataFrame({"rec": [10, 11, 4.5]}), "rec")
    with pytest.raises(CxStatsError, match="Only 3 answers: below the minimum base of 30"):
        cxstats.nps(pd.DataFrame({"rec": [10, 9, 1]}), "rec")
    with pytest.raises(CxStatsError, match="The second group has 5 answers, below the minimum base of 30"):
        cxstats.nps_difference(pd.Series([10] * 40), pd.Series([1] * 5))
    with pytest.raises(CxStatsError, match="boxes must be between 1 and 6"):
        cxstats.top_box(pd.DataFrame({"s": [1, 2]}), ["s"], scale=(1, 7), boxes=7)
    with pytest.raises(CxStatsError, match="No column 'nps'"):
        cxstats.nps(pd.DataFrame({"rec": [1]}), "nps")
