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
    row = cxstats.top_box(data, ["sat"], scale=(1, 7), min_base=10).iloc[0]
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


def test_bootstrap_interval_agrees_with_the_closed_form_on_a_large_sample():
    rng = np.random.default_rng(11)
    probs = np.array([0.04] * 7 + [0.1, 0.14, 0.2, 0.28])
    data = pd.DataFrame({"r": rng.choice(11, size=20_000, p=probs / probs.sum())})
    closed = cxstats.nps(data, "r").table.iloc[0]
    boot = cxstats.nps(data, "r", ci="bootstrap", n_boot=4000, seed=5).table.iloc[0]
    # the point estimate and shares are unchanged; percentile end points of 4,000 draws have a
    # Monte-Carlo SD of about 0.04 SE, so they agree with nps +/- 1.96 SE within 0.15 SE
    for column in ("n", "pct_promoters", "pct_passives", "pct_detractors", "nps"):
        assert boot[column] == closed[column]
    assert boot["se"] == pytest.approx(closed["se"], rel=0.05)
    assert abs(boot["ci_low"] - closed["ci_low"]) < 0.15 * closed["se"]
    assert abs(boot["ci_high"] - closed["ci_high"]) < 0.15 * closed["se"]


def test_bootstrap_interval_is_deterministic_with_a_seed_and_keeps_the_columns():
    data = pd.DataFrame({"rec": [10, 9, 8, 7, 3, 0] * 20, "seg": ["a", "b", "c"] * 40})
    first = cxstats.nps(data, "rec", group="seg", ci="bootstrap", n_boot=500, seed=3, min_base=30)
    again = cxstats.nps(data, "rec", group="seg", ci="bootstrap", n_boot=500, seed=3, min_base=30)
    other = cxstats.nps(data, "rec", group="seg", ci="bootstrap", n_boot=500, seed=4, min_base=30)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert not first.table["ci_low"].equals(other.table["ci_low"])
    assert list(first.table.columns) == list(cxstats.nps(data, "rec", group="seg").table.columns)
    assert (first.ci, first.n_boot) == ("bootstrap", 500)
    assert (cxstats.nps(data, "rec").ci, cxstats.nps(data, "rec").n_boot) == ("normal", None)
    assert (first.table["ci_low"] <= first.table["nps"]).all() and (first.table["nps"] <= first.table["ci_high"]).all()


def test_bootstrap_leaves_suppressed_groups_empty():
    data = pd.DataFrame({"rec": [10] * 40 + [2] * 10, "seg": ["a"] * 40 + ["b"] * 10})
    table = cxstats.nps(data, "rec", group="seg", ci="bootstrap", seed=1).table.set_index("group")
    assert table.loc["b", "suppressed"] and np.isnan(table.loc["b", "ci_low"])
    assert table.loc["a", "ci_low"] == table.loc["a", "ci_high"] == 100.0  # every resample is all promoters


def test_bootstrap_errors():
    data = pd.DataFrame({"rec": [10] * 40})
    with pytest.raises(CxStatsError, match=r"ci must be 'normal' or 'bootstrap', got 'bca'"):
        cxstats.nps(data, "rec", ci="bca")
    with pytest.raises(CxStatsError, match=r"n_boot must be a whole number of at least 100 for a bootstrap "
                                           r"interval, got 10"):
        cxstats.nps(data, "rec", ci="bootstrap", n_boot=10)


def test_top_box_by_group_suppresses_small_bases_and_matches_the_overall_share():
    data = pd.DataFrame({"sat": [7, 6, 5, 3] * 10 + [7, 2, 6, 7] * 10 + [7] * 5,
                         "other": [1, 2] * 42 + [np.nan],
                         "seg": ["a"] * 40 + ["b"] * 40 + ["c"] * 5})
    table = cxstats.top_box(data, ["sat", "other"], scale=(1, 7), group="seg")
    assert list(table.columns) == ["group", "item", "n", "pct_top", "ci_low", "ci_high", "suppressed"]
    by = table.set_index(["item", "group"])
    assert by.loc[("sat", "a"), "pct_top"] == pytest.approx(50.0)
    assert by.loc[("sat", "b"), "pct_top"] == pytest.approx(75.0)
    low, high = proportion_confint(30, 40, alpha=0.05, method="wilson")
    assert (by.loc[("sat", "b"), "ci_low"], by.loc[("sat", "b"), "ci_high"]) == pytest.approx((100 * low, 100 * high))
    assert by.loc[("sat", "c"), "suppressed"] and by.loc[("sat", "c"), "n"] == 5
    assert np.isnan(by.loc[("sat", "c"), ["pct_top", "ci_low", "ci_high"]].astype(float)).all()
    assert by.loc[("other", "c"), "n"] == 4  # the missing answer is not counted
    overall = cxstats.top_box(data, ["sat"], scale=(1, 7)).iloc[0]
    assert overall["group"] == "all" and overall["n"] == 85 and not overall["suppressed"]
    with pytest.raises(CxStatsError, match="No group column 'region' in the data"):
        cxstats.top_box(data, ["sat"], scale=(1, 7), group="region")


def test_nps_plain_summary_names_each_group_the_gap_and_the_suppressed():
    data = pd.DataFrame({"rec": [10] * 60 + [5] * 40 + [10] * 40 + [5] * 60 + [9] * 10,
                         "seg": ["a"] * 100 + ["b"] * 100 + ["c"] * 10})
    text = str(cxstats.nps(data, "rec", group="seg").plain_summary(labels={"a": "Alpha"}))
    assert "**Alpha: NPS +20** (95% CI +1 to +39; 100 answers): 60% promoters, 40% detractors." in text
    assert "**b: NPS −20**" in text
    assert "The gap between the highest (Alpha) and the lowest (b) is 40 points (95% CI +13 to +67, p = .004)" in text
    assert "larger than chance would explain" in text
    assert "Not reported, fewer than 30 answers: c (n = 10)." in text
    single = str(cxstats.nps(data, "rec", ci_level=0.9).plain_summary())
    assert single.startswith("- **All answers: NPS +5** (90% CI")


def test_nps_plain_summary_has_no_negative_zero_and_names_groups_by_any_key_type():
    # 330 promoters, 333 detractors, 337 passives: NPS -0.3, which rounds to 0 (never "-0")
    data = pd.DataFrame({"rec": [10] * 330 + [0] * 333 + [8] * 337, "segment": [1] * 1000})
    text = str(cxstats.nps(data, "rec", group="segment").plain_summary(labels={1: "New customers"}))
    assert "**New customers: NPS 0**" in text and "−0" not in text and "-0" not in text


def test_metric_dashboard_draws_one_panel_per_metric_with_bases_and_suppressed_groups():
    import matplotlib.pyplot as plt

    data = pd.DataFrame({"rec": [10] * 60 + [5] * 40 + [10] * 40 + [5] * 60 + [9] * 10,
                         "sat": [7, 3] * 105, "sat2": [6, 2] * 105, "seg": ["a"] * 100 + ["b"] * 100 + ["c"] * 10})
    fig = cxstats.plots.metric_dashboard(
        {"NPS": cxstats.nps(data, "rec", group="seg"),
         "Top-2-box": cxstats.top_box(data, ["sat"], scale=(1, 7), group="seg"),
         "Index": cxstats.satisfaction_index(data, ["sat"], scale=(1, 7), group="seg")},
        labels={"a": "Alpha"})
    assert [ax.get_title() for ax in fig.axes] == ["NPS", "Top-2-box", "Index"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["c", "b", "Alpha"]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "too few answers (n = 10)" in texts and "  n = 100" in texts and "20" in texts
    assert "too few answers (n = 10)" in [t.get_text() for t in fig.axes[1].texts]
    assert "too few answers (n = 10)" in [t.get_text() for t in fig.axes[2].texts]  # min_base as the others
    plt.close(fig)
    with pytest.raises(CxStatsError, match="several rows per group"):
        cxstats.plots.metric_dashboard({"T2B": cxstats.top_box(data, ["sat", "sat2"], scale=(1, 7), group="seg")})
    with pytest.raises(CxStatsError, match="needs the columns group, n, ci_low, ci_high"):
        cxstats.plots.metric_dashboard({"bad": pd.DataFrame({"group": ["a"], "value": [1.0]})})
    with pytest.raises(TypeError, match="'x' must be a result with a .table or a DataFrame"):
        cxstats.plots.metric_dashboard({"x": 3})


def _waves() -> pd.DataFrame:
    return pd.DataFrame({"rec": [10] * 60 + [5] * 40 + [10] * 40 + [5] * 60 + [9] * 30,
                         "wave": ["w1"] * 100 + ["w2"] * 100 + ["w3"] * 30})


def test_difference_called_like_nps_with_group_and_levels_matches_the_two_series_form():
    data = _waves()
    two = data[data["wave"] != "w3"]
    by_group = cxstats.nps_difference(two, "rec", group="wave").iloc[0]
    by_series = cxstats.nps_difference(two.loc[two["wave"] == "w1", "rec"],
                                       two.loc[two["wave"] == "w2", "rec"]).iloc[0]
    assert (by_group["group_first"], by_group["group_second"]) == ("w1", "w2")  # the two levels, sorted
    assert (by_series["group_first"], by_series["group_second"]) == ("rec", "rec")  # the Series' names
    columns = ["nps_first", "nps_second", "difference", "se", "statistic", "p_value", "ci_low", "ci_high"]
    assert by_group[columns].astype(float).to_numpy() == pytest.approx(by_series[columns].astype(float).to_numpy())
    assert by_group["difference"] == pytest.approx(40.0)
    # the same NPS values as nps(..., group=)
    per_group = cxstats.nps(data, "rec", group="wave").table.set_index("group")
    reverse = cxstats.nps_difference(data, "rec", group="wave", levels=("w3", "w1")).iloc[0]
    assert reverse["nps_first"] == pytest.approx(per_group.loc["w3", "nps"])
    assert reverse["difference"] == pytest.approx(per_group.loc["w3", "nps"] - per_group.loc["w1", "nps"])
    unnamed = cxstats.nps_difference(pd.Series([10] * 40), pd.Series([1] * 40)).iloc[0]
    assert (unnamed["group_first"], unnamed["group_second"]) == ("first", "second")
    assert np.isnan(unnamed["statistic"]) and np.isnan(unnamed["p_value"])  # unanimous groups: nothing to test


def test_difference_errors_name_the_group_and_the_levels():
    data = _waves()
    with pytest.raises(CxStatsError, match=r"Group column 'wave' has 3 levels \(w1, w2, w3\); nps_difference "
                                           r"compares two\. Pass levels=\(a, b\) to say which two are compared\."):
        cxstats.nps_difference(data, "rec", group="wave")
    with pytest.raises(CxStatsError, match=r"nps_difference needs group=: the column whose two levels"):
        cxstats.nps_difference(data, "rec")
    with pytest.raises(CxStatsError, match=r"No group column 'country' in the data; columns: rec, wave\."):
        cxstats.nps_difference(data, "rec", group="country")
    with pytest.raises(CxStatsError, match=r"Level w9 does not occur in 'wave' \(levels: w1, w2, w3\)\."):
        cxstats.nps_difference(data, "rec", group="wave", levels=("w1", "w9"))
    with pytest.raises(CxStatsError, match=r"Argument levels must be a pair \(a, b\) of levels of 'wave', got 'w1'\."):
        cxstats.nps_difference(data, "rec", group="wave", levels="w1")
    with pytest.raises(CxStatsError, match=r"Argument levels names 'w1' twice"):
        cxstats.nps_difference(data, "rec", group="wave", levels=("w1", "w1"))
    with pytest.raises(CxStatsError, match=r"Group column 'wave' has 1 levels \(w1\).*\(or a group column with two "
                                           r"levels\)\."):
        cxstats.nps_difference(data[data["wave"] == "w1"], "rec", group="wave")
    with pytest.raises(CxStatsError, match=r"Group 'w3' of 'wave' has 30 answers, below the minimum base of 40\."):
        cxstats.nps_difference(data, "rec", group="wave", levels=("w1", "w3"), min_base=40)
    with pytest.raises(TypeError, match=r"either a DataFrame, a column and group=.*or two Series of answers"):
        cxstats.nps_difference(data["rec"], data["rec"], group="wave")
    with pytest.raises(TypeError, match=r"column must be the name of the 0-10 answer column, got Series"):
        cxstats.nps_difference(data, data["rec"], group="wave")


def test_top_box_reads_the_scale_from_the_codebook_as_satisfaction_index_does():
    mobi = cxstats.load_dataset("ecsi_mobile")
    items = ["CUSA1", "CUSA2"]
    from_codebook = cxstats.top_box(mobi.data, items, codebook=mobi.codebook)
    pd.testing.assert_frame_equal(from_codebook, cxstats.top_box(mobi.data, items, scale=(1, 10)))
    with pytest.raises(CxStatsError, match=r"^top_box needs the response scale: pass scale=\(low, high\), "
                                           r"codebook=, or a cxstats\.Survey as data\.$"):
        cxstats.top_box(mobi.data, items)
    mixed = cxstats.Codebook.from_dict({
        "dataset": {"name": "mixed"},
        "constructs": {"SAT": "Satisfaction"},
        "items": [{"name": "a", "construct": "SAT", "scale": [1, 5]}, {"name": "b", "construct": "SAT", "scale": [1, 7]}],
    })
    with pytest.raises(CxStatsError, match=r"top_box: the items a, b do not share one declared scale in the "
                                           r"codebook; pass scale=\(low, high\)\."):
        cxstats.top_box(pd.DataFrame({"a": [1, 5], "b": [1, 7]}), ["a", "b"], codebook=mixed)
