"""Loyalty index: a hand-computed delta SE, components against the package's own estimators,
delta against bootstrap, coverage by simulation, purchase records from rfm(), and the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxstats
from cxstats import CxStatsError
from cxstats.loyalty import COMPONENTS, loyalty_index
from cxstats.rfm import purchase_summary, rfm

SAT = ["SAT1", "SAT2", "SAT3"]


@pytest.fixture(scope="module")
def panel():
    return cxstats.simulate_cx_panel(500, seed=4)


def test_hand_computed_index_and_delta_se_with_missing_scores():
    # satisfaction 5,4,3,1,- on 1-5 -> 100, 75, 50, 0, -; churned 0,0,1,-,1 -> retention 100, 100, 0, -, 0
    data = pd.DataFrame({"sat": [5, 4, 3, 1, None], "churned": [0, 0, 1, None, 1]})
    res = loyalty_index(data, satisfaction=["sat"], scale=(1, 5), churned="churned")
    row = res.table.iloc[0]
    assert row["estimate"] == pytest.approx(0.5 * 56.25 + 0.5 * 50.0)
    var_sat = np.var([100, 75, 50, 0], ddof=1) / 4                        # 1822.92 / 4
    var_ret = np.var([100, 100, 0, 0], ddof=1) / 4                        # 3333.33 / 4
    cov = np.cov([100, 75, 50], [100, 100, 0])[0, 1] * 3 / (4 * 4)      # 1250 * n_12 / (n_1 n_2)
    assert row["se"] == pytest.approx(np.sqrt(0.25 * (var_sat + var_ret + 2 * cov)))
    assert row["ci_high"] - row["estimate"] == pytest.approx(1.959963984540054 * row["se"])
    assert row["n"] == 5
    comps = res.components.set_index("component")
    assert comps.loc["satisfaction", "n"] == 4 and comps.loc["retention", "se"] == pytest.approx(np.sqrt(var_ret))
    # respondent scores: the weighted mean of what each respondent has
    assert res.scores["loyalty"].tolist() == pytest.approx([100, 87.5, 25, 0, 0])


def test_without_missing_scores_the_se_is_that_of_the_respondent_mean():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"s": rng.integers(1, 8, 60), "rec": rng.integers(0, 11, 60), "churned": rng.integers(0, 2, 60)})
    res = loyalty_index(data, satisfaction=["s"], scale=(1, 7), recommend="rec", churned="churned",
                        weights={"satisfaction": 2, "retention": 1, "recommendation": 1})
    per_person = res.scores["loyalty"]
    assert res.weights.to_dict() == pytest.approx({"satisfaction": 0.5, "retention": 0.25, "recommendation": 0.25})
    assert res.table["estimate"].iloc[0] == pytest.approx(per_person.mean())
    assert res.table["se"].iloc[0] == pytest.approx(per_person.std(ddof=1) / np.sqrt(60))


def test_components_match_the_package_estimators(panel):
    data = panel.data
    res = loyalty_index(data, satisfaction=SAT, codebook=panel.codebook, churned="churned", recommend="REC",
                        group="country")
    comps = res.components.set_index(["group", "component"])["estimate"]
    sat = cxstats.satisfaction_index(data, SAT, codebook=panel.codebook, group="country").table.set_index("group")
    nps = cxstats.nps(data, "REC", group="country").table.set_index("group")
    churn = data.groupby("country")["churned"].mean()
    for country in ["BR", "CN", "DE", "US"]:
        assert comps[(country, "satisfaction")] == pytest.approx(sat.loc[country, "estimate"])
        assert comps[(country, "retention")] == pytest.approx(100 * (1 - churn[country]))
        assert comps[(country, "recommendation")] == pytest.approx(50 + nps.loc[country, "nps"] / 2)
        expected = (comps[(country, "satisfaction")] + comps[(country, "retention")]
                    + comps[(country, "recommendation")]) / 3
        assert res.table.set_index("group").loc[country, "estimate"] == pytest.approx(expected)
    assert res.components["weight"].eq(1 / 3).all()
    likelihood = loyalty_index(data, recommend="REC", recommend_as="likelihood").table["estimate"].iloc[0]
    assert likelihood == pytest.approx(10 * data["REC"].mean())


def test_bootstrap_agrees_with_the_delta_method_and_is_deterministic(panel):
    kwargs = {"satisfaction": SAT, "codebook": panel.codebook, "churned": "churned", "recommend": "REC",
              "group": "country"}
    delta = loyalty_index(panel.data, **kwargs).table
    boot = loyalty_index(panel.data, se="bootstrap", n_boot=2000, seed=9, **kwargs)
    again = loyalty_index(panel.data, se="bootstrap", n_boot=2000, seed=9, **kwargs)
    pd.testing.assert_frame_equal(boot.table, again.table)
    pd.testing.assert_frame_equal(boot.components, again.components)
    assert (boot.se_method, boot.n_boot) == ("bootstrap", 2000)
    np.testing.assert_allclose(boot.table["estimate"], delta["estimate"])
    # 2,000 draws estimate an SE to about 1.6%; the two methods target the same quantity
    np.testing.assert_allclose(boot.table["se"], delta["se"], rtol=0.08)
    np.testing.assert_allclose(boot.table["ci_low"], delta["ci_low"], atol=0.3 * delta["se"].max())
    other = loyalty_index(panel.data, se="bootstrap", n_boot=2000, seed=10, **kwargs).table
    assert not other["ci_low"].equals(boot.table["ci_low"])


def test_delta_intervals_cover_the_truth_with_correlated_components_and_missing_answers():
    def draw(rng, n):  # one latent attitude z drives all three components: strongly correlated means
        z = rng.normal(size=n)
        sat = np.clip(np.round(4 + 1.5 * z + rng.normal(0, 0.5, n)), 1, 7)
        churned = (rng.random(n) < 1 / (1 + np.exp(0.5 + 2.0 * z))).astype(float)
        rec = np.clip(np.round(6.5 + 2.0 * z + rng.normal(0, 0.8, n)), 0, 10)
        rec[rng.random(n) < 0.2] = np.nan  # a fifth skipped the question
        return pd.DataFrame({"sat": sat, "churned": churned, "rec": rec})

    kwargs = {"satisfaction": ["sat"], "scale": (1, 7), "churned": "churned", "recommend": "rec"}
    rng = np.random.default_rng(2024)
    truth = loyalty_index(draw(rng, 2_000_000), **kwargs).table["estimate"].iloc[0]
    hits, reps = 0, 500
    for _ in range(reps):
        row = loyalty_index(draw(rng, 200), **kwargs).table.iloc[0]
        hits += row["ci_low"] <= truth <= row["ci_high"]
    # binomial SD of the coverage is 0.01; leaving out the covariances of the means gives about 0.85
    assert 0.925 <= hits / reps <= 0.975  # binomial SD of the coverage is 0.009


def test_purchase_records_from_rfm_and_segments_as_groups():
    cd = cxstats.load_dataset("cdnow_transactions").data
    scores = rfm(cd, duplicates="keep")
    survey = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 9999], "REC": [10, 9, 5, 7, 0, 10]})
    res = loyalty_index(survey, recommend="REC", purchases=scores, customer="customer_id", group="segment",
                        ranges={"frequency": (0, 10), "amount": (0, 100)})
    table = scores.table.set_index("customer")
    assert res.problems == ("1 of 6 respondents have no purchase record; they have no frequency or amount score.",)
    assert np.isnan(res.scores.loc[5, "frequency"])  # customer 9999 is not in the records
    assert res.scores.loc[0, "frequency"] == pytest.approx(10 * table.loc[1, "frequency"])
    assert res.scores.loc[0, "amount"] == pytest.approx(min(100.0, table.loc[1, "monetary"]))
    assert set(res.table["group"]) == set(table.loc[[1, 2, 3, 4, 5], "segment"])
    assert dict(res.ranges) == {"frequency": (0.0, 10.0), "amount": (0.0, 100.0)}
    # default ranges: 0 to the 95th percentile of all customers in the records
    default = loyalty_index(survey, purchases=scores, customer="customer_id")
    assert default.ranges["frequency"] == (0.0, float(table["frequency"].quantile(0.95)))
    assert list(default.weights.index) == ["frequency", "amount"]
    # a purchase summary works the same way (its total_amount is the RFM monetary value)
    summary = loyalty_index(survey, purchases=purchase_summary(cd, duplicates="keep"), customer="customer_id")
    pd.testing.assert_frame_equal(summary.table, default.table)
    # RFM quintile scores as the frequency measure
    quintiles = loyalty_index(survey, purchases=scores, customer="customer_id", frequency="f_score",
                              ranges={"frequency": (1, 5)}, weights={"frequency": 1, "amount": 0})
    assert list(quintiles.weights.index) == ["frequency"]
    assert quintiles.scores.loc[0, "frequency"] == pytest.approx(25 * (table.loc[1, "f_score"] - 1))


def test_displays(panel, tmp_path):
    res = loyalty_index(panel.data, satisfaction=SAT, codebook=panel.codebook, churned="churned", recommend="REC",
                        group="country")
    assert "weights: satisfaction 33%" in res._repr_html_()
    text = str(res.plain_summary())
    assert "Highest loyalty index" in text and "a choice, not estimated" in text
    ranked = res.table.sort_values("estimate", ascending=False)
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    assert f"**{top.group}** ({top.estimate:.1f}, n = {int(top.n):,})" in text and "(the widest of several gaps" in text
    named = str(res.plain_summary(labels={top.group: "The best country"}))
    assert f"**The best country** ({top.estimate:.1f}" in named and f"**{bottom.group}**" in named
    assert "−0.0" not in named and "-0.0" not in named
    overall = loyalty_index(panel.data, churned="churned")
    assert "The loyalty index is **" in str(overall.plain_summary())
    fig = res.plot()
    fig.savefig(tmp_path / "loyalty.pdf")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["BR", "CN", "DE", "US"]
    fig = res.plot(labels={"DE": "Germany"})
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["BR", "CN", "Germany", "US"]


def test_errors(panel):
    data = pd.DataFrame({"s": [1, 2, 3], "churned": [0, 1, 0], "rec": [10, 5, 8], "freq": [1.0, 2.0, 3.0],
                         "id": [1, 2, 3]})
    with pytest.raises(CxStatsError, match="needs at least one component: pass satisfaction=, churned="):
        loyalty_index(data)
    with pytest.raises(CxStatsError, match=r"unknown component\(s\) 'churn' in weights; the components are "
                                           r"'satisfaction', 'retention', 'recommendation', 'frequency', 'amount'"):
        loyalty_index(data, churned="churned", weights={"churn": 1})
    with pytest.raises(CxStatsError, match="the weights sum to 0; they must sum to a positive number"):
        loyalty_index(data, churned="churned", recommend="rec", weights={"retention": 0, "recommendation": 0})
    with pytest.raises(CxStatsError, match="weights must be finite and not negative"):
        loyalty_index(data, churned="churned", recommend="rec", weights={"retention": 2, "recommendation": -1})
    with pytest.raises(CxStatsError, match=r"no weight for 'recommendation'; give every component a weight"):
        loyalty_index(data, churned="churned", recommend="rec", weights={"retention": 1})
    with pytest.raises(CxStatsError, match=r"weights name 'amount', which you did not pass"):
        loyalty_index(data, churned="churned", weights={"retention": 1, "amount": 1})
    with pytest.raises(CxStatsError, match=r"churn column 'churned' must hold 1 \(left\) or 0 \(stayed\); rows 1 hold 2"):
        loyalty_index(data.assign(churned=[0, 2, 1]), churned="churned")
    with pytest.raises(CxStatsError, match="no churn column 'left'"):
        loyalty_index(data, churned="left")
    with pytest.raises(CxStatsError, match=r"whole numbers from 0 to 10; rows 0 hold 11"):
        loyalty_index(data.assign(rec=[11, 5, 8]), recommend="rec")
    with pytest.raises(CxStatsError, match=r"frequency column 'freq' must hold non-negative numbers; rows 2 hold -3"):
        loyalty_index(data.assign(freq=[1.0, 2.0, -3.0]), frequency="freq")
    with pytest.raises(CxStatsError, match=r"ranges are for 'frequency' and 'amount' only, got 'satisfaction'"):
        loyalty_index(data, frequency="freq", ranges={"satisfaction": (0, 1)})
    with pytest.raises(CxStatsError, match=r"the frequency range must have low < high, got \(5, 1\)"):
        loyalty_index(data, frequency="freq", ranges={"frequency": (5, 1)})
    with pytest.raises(CxStatsError, match=r"a range is given for 'amount' but no amount= column"):
        loyalty_index(data, frequency="freq", ranges={"amount": (0, 1)})
    with pytest.raises(CxStatsError, match=r"the 95th percentile of amount is 0"):
        loyalty_index(data.assign(spend=0.0), amount="spend")
    with pytest.raises(CxStatsError, match="se must be 'delta' or 'bootstrap', got 'jackknife'"):
        loyalty_index(data, churned="churned", se="jackknife")
    with pytest.raises(CxStatsError, match="n_boot must be a whole number of at least 100, got 5"):
        loyalty_index(data, churned="churned", se="bootstrap", n_boot=5)
    with pytest.raises(CxStatsError, match="recommend_as must be 'nps' or 'likelihood', got 'mean'"):
        loyalty_index(data, recommend="rec", recommend_as="mean")
    with pytest.raises(CxStatsError, match="no group column 'country' in the data."):
        loyalty_index(data, churned="churned", group="country")
    with pytest.raises(CxStatsError, match="needs the response scale"):
        loyalty_index(data, satisfaction=["s"])
    records = pd.DataFrame({"customer": [1, 2, 2], "frequency": [1, 2, 3], "monetary": [1.0, 2.0, 3.0]})
    with pytest.raises(CxStatsError, match=r"list customer\(s\) 2 more than once"):
        loyalty_index(data, purchases=records, customer="id")
    with pytest.raises(CxStatsError, match="need a 'customer' column"):
        loyalty_index(data, purchases=records.rename(columns={"customer": "cid"}), customer="id")
    records = records.drop_duplicates("customer")
    with pytest.raises(CxStatsError, match="with purchases= name the column of the data holding the customer ids"):
        loyalty_index(data, purchases=records)
    with pytest.raises(CxStatsError, match=r"no id in 'id' \(e.g. a, b, c\) matches a customer of the purchase "
                                           r"records \(e.g. 1, 2\)"):
        loyalty_index(data.assign(id=["a", "b", "c"]), purchases=records, customer="id")
    with pytest.raises(CxStatsError, match="no group column 'region' in the data or the purchase records"):
        loyalty_index(data, purchases=records, customer="id", group="region")
    with pytest.raises(TypeError, match="purchases must be an RFM result"):
        loyalty_index(data, purchases=[1, 2], customer="id")
    assert set(COMPONENTS) == {"satisfaction", "retention", "recommendation", "frequency", "amount"}


def test_an_empty_component_in_a_group_is_reported():
    data = pd.DataFrame({"churned": [0, 1, 0, 1], "rec": [10, 5, None, None], "seg": ["a", "a", "b", "b"]})
    res = loyalty_index(data, churned="churned", recommend="rec", group="seg")
    table = res.table.set_index("group")
    assert np.isnan(table.loc["b", "estimate"]) and not np.isnan(table.loc["a", "estimate"])
    assert res.problems == ("group 'b' has no recommendation score, so its index is missing.",)
    assert stats.norm.ppf(0.975) == pytest.approx(1.959963984540054)
