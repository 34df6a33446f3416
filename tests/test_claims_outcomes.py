"""Claims on lifetime value / spend, repurchase and word of mouth: parsing, the ratio of means
and its robust interval against statsmodels' GLM, sample sizes against statsmodels' power
functions, interval coverage and verdicts over repeated samples of the simulator (known
truth), and every error and warning."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.power import NormalIndPower

import cxstats
from cxstats import CxStatsError, SmallGroupWarning, claims

check_claim = claims.test_claim  # not imported under its own name: pytest would collect it


def positive_emotion(data: pd.DataFrame) -> pd.Series:
    """Positive emotional experience: mean of EMO1-3 and reverse-coded EMO4 above 4.5 (of 1-7)."""
    score = (data["EMO1"] + data["EMO2"] + data["EMO3"] + (8 - data["EMO4"])) / 4
    return (score > 4.5).rename("positive_emotion")


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    """200,000 simulated customers with 12-month spend, repurchases and word of mouth."""
    data = cxstats.simulate_cx_panel(50_000, seed=1616, value_outcomes=True).data
    return data.assign(positive_emotion=positive_emotion(data))


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    data = cxstats.simulate_cx_panel(250, seed=77, value_outcomes=True).data
    return data.assign(positive_emotion=positive_emotion(data))


@pytest.mark.parametrize("text, parsed", [
    ("customers with positive emotional experiences have 23% higher lifetime value", ("value", "higher", 0.23)),
    ("CLV is 23% higher", ("value", "higher", 0.23)),
    ("happy customers spend 20% more", ("value", "higher", 0.2)),
    ("30% higher repurchase rates", ("repurchase", "higher", 0.3)),
    ("they buy again 30% more often", ("repurchase", "higher", 0.3)),
    ("2x more likely to recommend", ("word_of_mouth", "higher", 1.0)),
    ("twice as likely to recommend the brand", ("word_of_mouth", "higher", 1.0)),
    ("customers tell 2 times as many people about a bad experience", ("word_of_mouth", "higher", 1.0)),
    ("3 times less likely to refer a friend", ("word_of_mouth", "lower", 2 / 3)),
    ("customers who stay spend 20% more", ("value", "higher", 0.2)),
    ("59% more likely to stay", ("retention", "higher", 0.59)),  # unchanged
])
def test_parse_value_repurchase_and_word_of_mouth_claims(text, parsed):
    kind, direction, size = claims.parse_claim(text)
    assert (kind, direction) == parsed[:2] and size == pytest.approx(parsed[2])


def _two_groups(rng: np.random.Generator, n_focus: int, n_reference: int, draw) -> pd.DataFrame:
    return pd.DataFrame({"vip": np.r_[np.ones(n_focus, int), np.zeros(n_reference, int)],
                         "y": np.r_[draw(rng, n_focus, 1.3), draw(rng, n_reference, 1.0)]})


@pytest.mark.parametrize("kind, family, draw", [
    ("value", sm.families.Gamma(sm.families.links.Log()),
     lambda rng, n, scale: np.round(scale * rng.lognormal(5, 1.1, n) * (rng.random(n) > 0.2), 2)),  # zeros too
    ("repurchase", sm.families.Poisson(), lambda rng, n, scale: rng.negative_binomial(1, 1 / (1 + scale), n)),
])
def test_ratio_of_means_and_robust_se_match_a_log_link_glm(kind, family, draw):
    data = _two_groups(np.random.default_rng(3), 70, 130, draw)
    result = check_claim(data, kind=kind, direction="higher", size=0.3, group="vip", outcome="y")
    glm = sm.GLM(data["y"], sm.add_constant(data["vip"].astype(float)), family=family).fit(cov_type="HC0")
    assert result.estimate == pytest.approx(np.exp(glm.params["vip"]), rel=1e-10)
    # HC0 per group, times n / (n - 1) per group (the groups' sample variances): one intercept-only GLM per group
    corrected = 0.0
    for flag in (0, 1):
        y = data.loc[data["vip"] == flag, "y"]
        fit = sm.GLM(y, np.ones(len(y)), family=family).fit(cov_type="HC0")
        corrected += fit.bse.iloc[0] ** 2 * len(y) / (len(y) - 1)
    assert result.table["se"].iloc[0] == pytest.approx(np.sqrt(corrected), rel=1e-8)
    assert glm.bse["vip"] < result.table["se"].iloc[0]  # the correction widens HC0 a little
    z = stats.norm.ppf(0.975)
    assert result.ci_low == pytest.approx(result.estimate * np.exp(-z * np.sqrt(corrected)), rel=1e-8)
    assert "robust SE" in result.method and result.groups["estimate"].tolist() == pytest.approx(
        [data.loc[data["vip"] == 1, "y"].mean(), data.loc[data["vip"] == 0, "y"].mean()])


def test_a_yes_no_outcome_gives_the_risk_ratio():
    data = pd.DataFrame({"vip": [1] * 400 + [0] * 600,
                         "bought_again": [1] * 220 + [0] * 180 + [1] * 240 + [0] * 360})
    result = check_claim(data, "30% higher repurchase rates", group="vip", outcome="bought_again")
    low, high = Table2x2(np.array([[220, 180], [240, 360]])).riskratio_confint()
    assert result.estimate == pytest.approx(0.55 / 0.40)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert result.method == "proportions" and result.verdict == "consistent with the claim"
    assert "repurchase rate (bought_again)" in str(result.plain_summary())


def test_sample_size_for_a_ratio_of_means_matches_the_normal_power_analysis():
    data = _two_groups(np.random.default_rng(5), 150, 150,
                       lambda rng, n, scale: scale * rng.gamma(0.8, 100.0, n))
    result = check_claim(data, "spend 25% more", group="vip", outcome="y")
    cv = result.groups["se"] * np.sqrt(result.groups["n"]) / result.groups["estimate"]
    # the z test of log(m_f / m_r) with n per group: effect size log(1.25) / sqrt((cv_f^2 + cv_r^2) / 2)
    effect = np.log(1.25) / np.sqrt((cv.iloc[0] ** 2 + cv.iloc[1] ** 2) / 2)
    analysis = NormalIndPower()
    closed_form = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) ** 2 * (cv ** 2).sum() / np.log(1.25) ** 2
    assert result.n_per_group_needed == np.ceil(closed_form)
    assert abs(result.n_per_group_needed - analysis.solve_power(effect_size=effect, alpha=0.05, power=0.8)) <= 1
    assert result.power_at_claim == pytest.approx(analysis.power(effect, 150, 0.05, ratio=1.0), rel=1e-6)
    assert f"{int(result.n_per_group_needed):,} customers per group" in str(result.plain_summary())


@pytest.mark.parametrize("outcome, seed_claim, true_change", [
    ("spend_12m", "23% higher lifetime value", 0.23),  # the seeds' claim is the simulator's truth
    ("repurchased", "30% higher repurchase rates", 0.30),
    ("repurchases_12m", "30% more repurchases", None),  # a count: the rate ratio is larger than the seeds say
])
def test_coverage_and_a_claim_three_times_the_truth_over_repeated_samples(population, outcome, seed_claim,
                                                                          true_change):
    """1,000 samples of 1,000 customers per group, drawn at random from 200,000 simulated ones.

    The truth is the population's ratio of the groups' means (or repurchase rates); each
    sample draws from each group with replacement, so it is a sample of independent
    customers from that population. Rules tested: the 95% interval covers the truth in
    93-97% of samples; a claim of three times the true change (e.g. +69% for a true +23%)
    is called "smaller than claimed" in at least 90% of samples; the seeds' claim, where
    it is the truth, is "consistent with the claim" in at least 90%. The samples are
    computed at once with the estimator ``test_claim`` uses; the first 20 are checked
    against ``test_claim`` itself.
    """
    focus_group = population["positive_emotion"].to_numpy()
    values = population[outcome].to_numpy(dtype=float)
    focus, reference = values[focus_group], values[~focus_group]
    truth = focus.mean() / reference.mean()
    if true_change is not None:
        assert truth - 1 == pytest.approx(true_change, abs=0.02)
    rng = np.random.default_rng(16)
    samples, n = 1000, 1000
    f = focus[rng.integers(0, len(focus), (samples, n))]
    r = reference[rng.integers(0, len(reference), (samples, n))]
    estimator = (claims._outcome_ratios.log_ratio_of_shares if outcome == "repurchased"
                 else claims._outcome_ratios.log_ratio_of_means)
    log_ratio, se = estimator(f, r)
    z = stats.norm.ppf(0.975)
    low, high = np.exp(log_ratio - z * se), np.exp(log_ratio + z * se)
    wording = seed_claim.split("% ", 1)[1]
    exaggerated = f"{300 * (truth - 1):.1f}% {wording}"
    claimed = 1 + claims.parse_claim(exaggerated)[2]
    for k in range(20):  # the vectorized estimator is test_claim's
        data = pd.DataFrame({"happy": np.r_[np.ones(n, bool), np.zeros(n, bool)], outcome: np.r_[f[k], r[k]]})
        result = check_claim(data, exaggerated, group="happy", outcome=outcome)
        assert (result.estimate, result.ci_low, result.ci_high) == pytest.approx((np.exp(log_ratio[k]), low[k],
                                                                                  high[k]), rel=1e-10)
        assert result.verdict == claims.verdict(claimed, low[k], high[k])
    coverage = np.mean((low <= truth) & (truth <= high))
    assert 0.93 <= coverage <= 0.97, coverage
    verdicts = pd.Series([claims.verdict(claimed, lo, hi) for lo, hi in zip(low, high, strict=True)])
    assert (verdicts == "smaller than claimed").mean() >= 0.9, verdicts.value_counts()
    if true_change is not None:
        seeds = pd.Series([claims.verdict(1 + true_change, lo, hi) for lo, hi in zip(low, high, strict=True)])
        assert (seeds == "consistent with the claim").mean() >= 0.9, seeds.value_counts()


def test_word_of_mouth_asymmetry_on_the_simulator(population):
    panel_truth = cxstats.simulate_cx_panel(60, seed=1, value_outcomes=True).outcomes
    score = (population["EMO1"] + population["EMO2"] + population["EMO3"]) / 3
    experience = pd.cut(score, [0, 3.5, 5.5, 7], labels=["bad", "neutral", "good"])
    told = population["complaints_told_12m"].where(experience == "bad", population["recommendations_12m"])
    data = population.assign(experience=experience, people_told=told).iloc[:3000]
    result = check_claim(data, "tell 2 times as many people about a bad experience", group="experience",
                         focus="bad", reference="good", outcome="people_told", outcome_label="people told")
    assert panel_truth["negativity"] == 2.0
    assert result.kind == "word_of_mouth" and result.verdict == "consistent with the claim"
    assert result.ci_low < 2 < result.ci_high
    assert check_claim(data, "tell 6 times as many people", group="experience", focus="bad", reference="good",
                       outcome="people_told").verdict == "smaller than claimed"
    text = str(result.plain_summary())
    assert text.startswith("- **Claim:** bad have 2 times the word of mouth (people told) of good.")
    assert "a mean people told of " in text and "(ratio of means, Poisson GLM with log link and robust SE)" in text


def test_value_claim_reports(survey):
    result = check_claim(survey, "23% higher lifetime value", group="positive_emotion", outcome="spend_12m",
                         outcome_label="12-month spend", labels=("customers with a positive emotional experience",
                                                                 "the others"))
    text = str(result.plain_summary())
    assert text.startswith("- **Claim:** customers with a positive emotional experience have 23% higher value "
                           "(12-month spend) than the others.")
    mean_f = survey.loc[survey["positive_emotion"], "spend_12m"].mean()
    assert f"a mean 12-month spend of {mean_f:,.0f} among customers with a positive" in text
    assert "(ratio of means, Gamma GLM with log link and robust SE)" in text
    assert result.outcome == "12-month spend" and "ratio of means of 12-month spend" in result.measure
    fig = result.plot()
    assert fig.axes[0].get_xlabel().startswith("Mean 12-month spend: customers with a positive")
    plt.close(fig)


def test_value_claim_errors(survey):
    group = "positive_emotion"
    with pytest.raises(CxStatsError, match=r"A value claim compares a column of the data: pass outcome=, the column "
                                           r"with each customer's spend or lifetime value \(e\.g\. 12-month spend\)\."):
        check_claim(survey, "23% higher lifetime value", group=group)
    with pytest.raises(CxStatsError, match=r"A repurchase claim compares .* whether each customer bought again"):
        check_claim(survey, "30% higher repurchase rates", group=group, event="churned")
    with pytest.raises(CxStatsError, match=r"No outcome column 'clv' in the data; columns: respondent, country"):
        check_claim(survey, "23% higher lifetime value", group=group, outcome="clv")
    with pytest.raises(CxStatsError, match=r"^event, time apply to retention, churn and hazard claims; a value claim "
                                           r"compares outcome= only\. Leave them out\.$"):
        check_claim(survey, "23% higher lifetime value", group=group, outcome="spend_12m", event="churned",
                    time="tenure_months")
    with pytest.raises(CxStatsError, match=r"^A churn claim needs event=, the churn indicator column"):
        check_claim(survey, "80% lower churn", group=group)
    with pytest.raises(CxStatsError, match=r"^outcome= is for value, repurchase and word-of-mouth claims; a churn "
                                           r"claim uses event="):
        check_claim(survey, "80% lower churn", group=group, event="churned", outcome="spend_12m")
    refunds = survey.assign(spend_12m=survey["spend_12m"].where(survey.index != 4, -35.5))
    with pytest.raises(CxStatsError, match=r"^Column 'spend_12m' has 1 negative value\(s\) \(rows 4: -35\.5\)\. "
                                           r"Spend, value and counts must be zero or more"):
        check_claim(refunds, "23% higher lifetime value", group=group, outcome="spend_12m")
    with pytest.raises(CxStatsError, match=r"^Column 'spend_12m' is 0 for every customer: there is nothing to "
                                           r"compare\."):
        check_claim(survey.assign(spend_12m=0.0), "spend 20% more", group=group, outcome="spend_12m")
    none_happy = survey.assign(repurchased=np.where(survey[group], 0, survey["repurchased"]))
    with pytest.raises(CxStatsError, match=r"^Column 'repurchased' is 0 for all \d+ customers in group customers "
                                           r"with positive_emotion: the ratio is not estimable\."):
        check_claim(none_happy, "30% higher repurchase rates", group=group, outcome="repurchased")
    with pytest.raises(CxStatsError, match=r"^Column 'country' must be numeric; it has values such as 'DE'"):
        check_claim(survey, "spend 20% more", group=group, outcome="country")
    with pytest.raises(CxStatsError, match=r"^Column 'spend_12m' has values that are not whole numbers \(rows 0, 1, "
                                           r"2: .*\); a repurchase claim needs 0/1 or a count\.$"):
        check_claim(survey, "30% higher repurchase rates", group=group, outcome="spend_12m")
    lonely = survey.assign(vip=survey.index == 0)
    with pytest.raises(CxStatsError, match=r"^Group customers with vip has 1 customer\(s\) with a value of "
                                           r"'spend_12m'; a ratio needs at least 2 per group\.$"):
        check_claim(lonely, "spend 20% more", group="vip", outcome="spend_12m")
    with pytest.raises(CxStatsError, match=r"a multiple of 1 is no change"):
        claims.parse_claim("1 times as many people recommend it")
    with pytest.raises(CxStatsError, match=r"^kind must be one of 'retention', 'churn', 'hazard', 'value', "
                                           r"'repurchase', 'word_of_mouth', got 'clv'\.$"):
        check_claim(survey, kind="clv", direction="higher", size=0.2, group=group, outcome="spend_12m")


def test_small_groups_and_missing_outcomes_are_flagged(survey):
    small = survey.iloc[:60].copy()
    small.loc[small.index[:3], "spend_12m"] = np.nan
    with pytest.warns(SmallGroupWarning, match=r"Fewer than 50 customers with a value of 'spend_12m' in "):
        result = check_claim(small, "spend 20% more", group="positive_emotion", outcome="spend_12m")
    assert result.problems[0] == "3 customers with no value of 'spend_12m' are left out."
    assert "can be too narrow" in result.problems[1] and int(result.groups["n"].sum()) == 57
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # enough customers: no warning
        check_claim(survey, "spend 20% more", group="positive_emotion", outcome="spend_12m")


@pytest.mark.parametrize("claim, outcome, focus, other", [
    ("2x more likely to recommend", "CUSL3", (67, 48), (183, 47)),
    ("30% higher repurchase rates", "CUSL1", (67, 42), (183, 63)),
])
def test_stated_intentions_on_the_real_ecsi_survey(claim, outcome, focus, other):
    """Real data: 250 mobile-phone customers (bundled ecsi_mobile). Customers with overall
    satisfaction 9-10 of 10 against the others; the outcome is a stated intention in its
    top two boxes (9-10): recommending (CUSL3) or choosing the provider again (CUSL1). No
    openly licensed real data linking satisfaction to actual repurchase, spend or word of
    mouth was found; these are intentions, not behaviour."""
    data = cxstats.load_dataset("ecsi_mobile").data
    data = data.assign(highly_satisfied=data["CUSA1"] >= 9, top_box=(data[outcome] >= 9).astype(int))
    result = check_claim(data, claim, group="highly_satisfied", outcome="top_box",
                         labels=("highly satisfied customers", "the others"))
    assert (result.groups["n"].tolist(), result.groups["events"].tolist()) == ([focus[0], other[0]],
                                                                               [focus[1], other[1]])
    table = Table2x2(np.array([[focus[1], focus[0] - focus[1]], [other[1], other[0] - other[1]]]))
    assert result.estimate == pytest.approx(table.riskratio, rel=1e-12)
    assert (result.ci_low, result.ci_high) == pytest.approx(table.riskratio_confint(), rel=1e-12)
    assert result.verdict == claims.verdict(1 + claims.parse_claim(claim)[2], *table.riskratio_confint())
