"""The claim tester: parsing, verdict logic on constructed cases, intervals against statsmodels,
sample sizes against their formulas, and verdicts on simulated panels whose truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

import cxstats
from cxstats import CxStatsError, claims
from cxstats.retention import cox_model, kaplan_meier

check_claim = claims.test_claim  # not imported under its own name: pytest would collect it


def positive_emotion(data: pd.DataFrame) -> pd.Series:
    """Positive emotional experience: mean of EMO1-3 and reverse-coded EMO4 above 4.5 (of 1-7)."""
    score = (data["EMO1"] + data["EMO2"] + data["EMO3"] + (8 - data["EMO4"])) / 4
    return (score > 4.5).rename("positive_emotion")


@pytest.fixture(scope="module")
def truth() -> dict[str, float]:
    """The population values for the positive-emotion groups, from 200,000 simulated customers.

    Everyone is followed for 24 months (churn is known for all), so the 24-month retention
    ratio is a ratio of proportions; the hazard ratio is the Cox estimate (the groups mix
    customers with different hazards, so it is the population-averaged Cox target).
    """
    panel = cxstats.simulate_cx_panel(50_000, seed=990)
    data = panel.data.assign(positive_emotion=positive_emotion(panel.data))
    stayed = 1 - data.groupby("positive_emotion")["churned"].mean()
    fit = cox_model(data, "tenure_months", "churned", ["positive_emotion"], concordance=False)
    return {"retention": stayed[True] / stayed[False],
            "churn": (1 - stayed[True]) / (1 - stayed[False]),
            "hazard": float(fit.table["hazard_ratio"].iloc[0]),
            "hazard_se": float(fit.table["se"].iloc[0])}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    """A realistic survey: 4 countries x 500 customers."""
    return cxstats.simulate_cx_panel(500, seed=2024).data


def test_truth_is_what_the_seed_claims_for_retention_but_not_for_churn(truth):
    assert truth["retention"] == pytest.approx(1.60, abs=0.02)  # the seeds' "59% higher retention"
    assert truth["churn"] == pytest.approx(0.64, abs=0.02)  # 36% lower churn, not "80% lower"
    assert truth["hazard"] == pytest.approx(0.52, abs=0.02)


@pytest.mark.parametrize("method", ["km", "proportion"])
def test_true_claims_are_consistent_and_exaggerated_ones_smaller(truth, survey, method):
    group = positive_emotion(survey)
    common = {"group": group, "event": "churned", "time": "tenure_months", "method": method}
    for kind, direction in (("retention", "higher"), ("churn", "lower")):
        size = abs(truth[kind] - 1)
        result = check_claim(survey, kind=kind, direction=direction, size=size, **common)
        assert result.verdict == "consistent with the claim", (kind, result.table)
        assert result.ci_low < truth[kind] < result.ci_high
    assert check_claim(survey, "59% higher retention", **common).verdict == "consistent with the claim"
    assert check_claim(survey, "80% lower churn", **common).verdict == "smaller than claimed"
    assert check_claim(survey, "churn is 10% lower", **common).verdict == "larger than claimed"
    assert check_claim(survey, "retention is 150% higher", **common).verdict == "smaller than claimed"


def test_hazard_claims_on_the_simulator(truth, survey):
    group = positive_emotion(survey)
    common = {"group": group, "event": "churned", "time": "tenure_months"}
    at_truth = check_claim(survey, kind="hazard", direction="lower", size=1 - truth["hazard"], **common)
    assert at_truth.verdict == "consistent with the claim"
    assert check_claim(survey, "80% lower churn hazard", **common).verdict == "smaller than claimed"
    assert check_claim(survey, "hazard 10% lower", **common).verdict == "larger than claimed"
    adjusted = check_claim(survey, "hazard 45% lower", covariates=["country"], **common)
    assert "adjusted for country" in adjusted.measure
    assert adjusted.verdict == "consistent with the claim"


def test_kaplan_meier_ratio_matches_its_parts(survey):
    group = positive_emotion(survey)
    result = check_claim(survey, "59% higher retention", group=group, event="churned", time="tenure_months",
                         horizon=12)
    km = kaplan_meier(survey.assign(g=group), "tenure_months", "churned", group="g", at=[12]).retention
    focus, other = km.set_index("group").loc[True], km.set_index("group").loc[False]
    assert result.estimate == pytest.approx(focus["survival"] / other["survival"], rel=1e-12)
    log_se = np.hypot(focus["se"] / focus["survival"], other["se"] / other["survival"])
    assert result.table["se"].iloc[0] == pytest.approx(log_se, rel=1e-12)
    assert result.ci_high == pytest.approx(result.estimate * np.exp(stats.norm.ppf(0.975) * log_se), rel=1e-12)
    assert result.horizon == 12 and list(result.groups["estimate"]) == [focus["survival"], other["survival"]]


def test_interval_coverage_on_repeated_surveys(truth):
    # 100 independent surveys of 400 customers: disjoint random parts of one simulated population
    population = cxstats.simulate_cx_panel(10_000, seed=4242).data
    population = population.assign(positive_emotion=positive_emotion(population))
    parts = np.random.default_rng(1).permutation(len(population)).reshape(100, 400)
    hits = {"retention": 0, "churn": 0, "hazard": 0}
    for rows in parts:
        data = population.iloc[rows]
        common = {"group": "positive_emotion", "event": "churned", "time": "tenure_months"}
        for kind, claim in (("retention", "50% higher retention"), ("churn", "30% lower churn"),
                            ("hazard", "hazard 40% lower")):
            r = check_claim(data, claim, **common)
            hits[kind] += r.ci_low <= truth[kind] <= r.ci_high
    for kind, count in hits.items():
        assert 0.9 <= count / len(parts) <= 0.99, (kind, count)  # 95% +- 2 binomial SDs


def _constructed(n_focus: int, kept_focus: int, n_other: int, kept_other: int) -> pd.DataFrame:
    return pd.DataFrame({
        "vip": [1] * n_focus + [0] * n_other,
        "churned": [0] * kept_focus + [1] * (n_focus - kept_focus) + [0] * kept_other + [1] * (n_other - kept_other),
    })


@pytest.mark.parametrize("claim, expected", [
    ("60% higher retention", "consistent with the claim"),
    ("100% higher retention", "smaller than claimed"),
    ("20% higher retention", "larger than claimed"),
    ("30% lower retention", "opposite to the claim"),
    ("60% lower churn", "consistent with the claim"),
    ("90% lower churn", "smaller than claimed"),
])
def test_verdicts_on_constructed_proportions(claim, expected):
    data = _constructed(1000, 800, 1000, 500)  # retention 80% vs 50%: ratio 1.6; churn 20% vs 50%: 0.4
    result = check_claim(data, claim, group="vip", event="churned")
    assert result.verdict == expected
    kind = result.kind
    counts = (np.array([[800, 200], [500, 500]]) if kind == "retention" else np.array([[200, 800], [500, 500]]))
    low, high = Table2x2(counts).riskratio_confint()
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert result.estimate == pytest.approx(1.6 if kind == "retention" else 0.4)


def test_small_samples_give_no_evidence_and_say_how_many_are_needed():
    data = _constructed(12, 8, 12, 6)
    result = check_claim(data, "33% higher retention", group="vip", event="churned")
    assert result.verdict == "no evidence"
    text = str(result.plain_summary())
    assert "no difference at all (and also with the claimed size)" in text
    effect = abs(proportion_effectsize(0.5 * 1.33, 0.5))
    needed = np.ceil(NormalIndPower().solve_power(effect_size=effect, alpha=0.05, power=0.8))
    assert result.n_per_group_needed == needed
    assert result.power_at_claim == pytest.approx(NormalIndPower().power(effect, 12, 0.05, ratio=1.0))
    assert "takes about" in text and f"{int(needed):,} customers per group" in text


def test_verdict_function():
    assert claims.verdict(1.5, 1.2, 1.8) == "consistent with the claim"
    assert claims.verdict(2.0, 1.2, 1.8) == "smaller than claimed"
    assert claims.verdict(1.1, 1.2, 1.8) == "larger than claimed"
    assert claims.verdict(1.5, 0.9, 1.8) == "no evidence"
    assert claims.verdict(1.5, 0.5, 0.8) == "opposite to the claim"
    assert claims.verdict(0.2, 0.5, 0.8) == "smaller than claimed"
    assert claims.verdict(0.9, 0.5, 0.8) == "larger than claimed"
    assert claims.verdict(0.6, 0.5, 0.8) == "consistent with the claim"
    assert claims.verdict(0.6, 1.1, 1.3) == "opposite to the claim"


def test_schoenfeld_events_for_a_hazard_ratio_of_0_7(survey):
    # Schoenfeld (1983), equal groups: 4 (1.96 + 0.84)^2 / log(0.7)^2 = 247 events
    result = check_claim(survey, "hazard 30% lower", group=positive_emotion(survey), event="churned",
                         time="tenure_months")
    assert result.events_needed == 247
    share = survey["churned"].mean()
    assert result.n_per_group_needed == np.ceil(247 / share / 2)


@pytest.mark.parametrize("text, parsed", [
    ("Customers with positive emotional experiences have 59% higher retention", ("retention", "higher", 0.59)),
    ("retention is 59 % higher", ("retention", "higher", 0.59)),
    ("59% more likely to stay", ("retention", "higher", 0.59)),
    ("80% lower churn", ("churn", "lower", 0.8)),
    ("Churn rate 80 percent lower", ("churn", "lower", 0.8)),
    ("reduces churn by 80%", ("churn", "lower", 0.8)),
    ("an 80% reduction in customer attrition", ("churn", "lower", 0.8)),
    ("30% lower churn hazard", ("hazard", "lower", 0.3)),
    ("hazard 12.5% lower", ("hazard", "lower", 0.125)),
    ("25% less likely to leave", ("churn", "lower", 0.25)),
])
def test_parse_claim(text, parsed):
    kind, direction, size = claims.parse_claim(text)
    assert (kind, direction) == parsed[:2] and size == pytest.approx(parsed[2])


def test_claim_errors(survey):
    group = positive_emotion(survey)
    with pytest.raises(CxStatsError, match=r"Cannot read the claim 'better service'.*one percentage and what "
                                           r"changes.*Accepted forms include \"59% higher retention\""):
        claims.parse_claim("better service")
    with pytest.raises(CxStatsError, match="it needs one direction"):
        claims.parse_claim("retention changes by 20%")
    with pytest.raises(CxStatsError, match="percentage points are an absolute difference"):
        claims.parse_claim("retention 5 percentage points higher")
    with pytest.raises(CxStatsError, match="cannot be 120% lower"):
        claims.parse_claim("120% lower churn")
    with pytest.raises(CxStatsError, match="either a claim sentence or kind="):
        check_claim(survey, "59% higher retention", kind="retention", group=group, event="churned")
    with pytest.raises(CxStatsError, match=r"Say which group the claim is about with focus= \(levels of 'country': "
                                           r"BR, CN, DE, US\)"):
        check_claim(survey, "59% higher retention", group="country", event="churned")
    with pytest.raises(CxStatsError, match=r"focus='FR' is not a value of 'country'"):
        check_claim(survey, "59% higher retention", group="country", focus="FR", event="churned")
    with pytest.raises(CxStatsError, match="A hazard comparison needs time="):
        check_claim(survey, "hazard 30% lower", group=group, event="churned")
    with pytest.raises(CxStatsError, match="covariates= adjusts hazard ratios only"):
        check_claim(survey, "59% higher retention", group=group, event="churned", covariates=["country"])
    with pytest.raises(CxStatsError, match="No group column 'emotion'"):
        check_claim(survey, "59% higher retention", group="emotion", event="churned")
    no_churn = survey.assign(churned=np.where(group, 0, survey["churned"]))
    with pytest.raises(CxStatsError, match=r"No churn events among the \d+ customers in group positive_emotion = "
                                           r"'customers with positive_emotion'"):
        check_claim(no_churn, "hazard 30% lower", group=group, event="churned", time="tenure_months")
    with pytest.raises(CxStatsError, match=r"No churners in group customers with positive_emotion\b"):
        check_claim(no_churn, "80% lower churn", group=group, event="churned")
    with pytest.raises(CxStatsError, match=r"Nobody in group .* was observed up to tenure_months = 30"):
        check_claim(survey, "59% higher retention", group=group, event="churned", time="tenure_months", horizon=30)
    with pytest.raises(CxStatsError, match="labels must be two different names"):
        check_claim(survey, "59% higher retention", group=group, event="churned", labels=("a", "a"))


def test_impossible_claim_is_flagged_not_sized():
    data = _constructed(100, 90, 100, 80)
    result = check_claim(data, "59% higher retention", group="vip", event="churned")
    assert np.isnan(result.n_per_group_needed)
    assert "impossible at this base rate" in result.problems[0] and "127%" in result.problems[0]


def test_reports(survey):
    result = check_claim(survey, "80% lower churn", group=positive_emotion(survey), event="churned",
                         time="tenure_months", labels=("customers with a positive emotional experience", "the others"))
    text = str(result.plain_summary())
    assert text.startswith("- **Claim:** customers with a positive emotional experience have 80% lower churn than "
                           "the others.")
    assert "**Verdict: smaller than claimed**" in text and "at tenure_months = 24 (Kaplan-Meier)" in text
    n_focus, n_rest = (f"{int(n):,}" for n in result.groups["n"].iloc[:2])
    assert f"of customers with a positive emotional experience (n = {n_focus}) vs " in text
    assert f"of the others (n = {n_rest})" in text and "against no difference p " in text
    worded = str(result.plain_summary(time_unit="months"))
    assert "had churned after 24 months (Kaplan-Meier)" in worded and "tenure_months" not in worded
    assert "Verdict: smaller than claimed" in result._repr_html_()
    assert list(result.table.columns) == ["term", "estimate", "se", "statistic", "p_value", "ci_low", "ci_high",
                                          "claimed", "change_pct", "ci_low_pct", "ci_high_pct", "claimed_pct",
                                          "verdict", "n_per_group_needed"]
    fig = result.plot()
    import matplotlib.pyplot as plt

    assert "smaller than claimed" in fig.axes[0].get_title()
    label = fig.axes[0].get_xlabel()  # the groups by their names, not "focus group vs reference group"
    assert label.startswith(f"Churn: {result.groups['group'].iloc[0]} vs ") and "focus group" not in label
    plt.close(fig)


def test_censoring_before_the_horizon_is_noted_for_proportions(survey):
    data = survey.copy()
    data.loc[data.index[:40], "tenure_months"] = 6
    data.loc[data.index[:40], "churned"] = 0
    result = check_claim(data, "59% higher retention", group=positive_emotion(data), event="churned",
                         time="tenure_months", method="proportion")
    assert "40 customers were censored before tenure_months = 24" in result.problems[0]


def test_levels_names_the_two_groups_as_nps_difference_does():
    data = pd.concat([_constructed(1000, 800, 1000, 500).assign(tier=lambda d: d["vip"].map({1: "gold", 0: "basic"})),
                      pd.DataFrame({"vip": [0] * 50, "churned": [1] * 50, "tier": ["trial"] * 50})],
                     ignore_index=True)
    by_levels = check_claim(data, "60% higher retention", group="tier", event="churned", levels=("gold", "basic"))
    by_keywords = check_claim(data, "60% higher retention", group="tier", event="churned", focus="gold",
                              reference="basic")
    pd.testing.assert_frame_equal(by_levels.table, by_keywords.table)
    assert by_levels.estimate == pytest.approx(1.6) and by_levels.reference == "basic"
    with pytest.raises(CxStatsError, match=r"either as levels=\(focus, reference\) or as focus= and reference=, "
                                           r"not both\."):
        check_claim(data, "60% higher retention", group="tier", event="churned", levels=("gold", "basic"),
                    focus="gold")
    with pytest.raises(CxStatsError, match=r"Argument levels must be a pair \(focus, reference\) of values of the "
                                           r"group, got 'gold'\."):
        check_claim(data, "60% higher retention", group="tier", event="churned", levels="gold")
