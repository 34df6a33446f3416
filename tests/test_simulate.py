"""The simulator: determinism, its codebook, and recovery of the stated truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.duration.hazard_regression import PHReg

import cxstats
from cxstats import CxStatsError


def test_same_seed_same_panel_and_different_seed_differs():
    a = cxstats.simulate_cx_panel(60, noninvariant_items=2, interaction=-0.1, kano=True, seed=5)
    b = cxstats.simulate_cx_panel(60, noninvariant_items=2, interaction=-0.1, kano=True, seed=5)
    c = cxstats.simulate_cx_panel(60, noninvariant_items=2, interaction=-0.1, kano=True, seed=6)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    assert not a.data.equals(c.data)


def test_panel_satisfies_its_own_codebook():
    panel = cxstats.simulate_cx_panel(100, seed=1)
    clean = cxstats.validate(panel.data, panel.codebook)
    assert clean.shape == (400, 36)
    assert set(clean["country"]) == {"DE", "US", "CN", "BR"}
    assert clean[list(panel.codebook.item_names)].stack().between(0, 10).all()
    # EMO4 is worded negatively: raw it correlates negatively with EMO1, recoded positively
    assert panel.data["EMO4"].corr(panel.data["EMO1"]) < -0.3
    assert clean["EMO4"].corr(clean["EMO1"]) > 0.3



def test_panel_codebook_gives_every_item_a_short_label():
    labels = cxstats.simulate_cx_panel(50, seed=1).codebook.labels
    assert labels["RES2"] == "Willing to help" and labels["RES"] == "Responsiveness"
    items = [name for name in labels if name[-1].isdigit()]
    assert len(items) == 31 and all(labels[name] != name for name in items)

@pytest.fixture(scope="module")
def big_panel() -> cxstats.SimulatedPanel:
    return cxstats.simulate_cx_panel(1000, interaction=-0.15, kano=True, seed=12)


def _covers(fit, truth: dict[str, float], alpha: float = 0.001) -> dict[str, tuple[float, float, float]]:
    ci = fit.conf_int(alpha=alpha)
    return {k: (ci.loc[k, 0], v, ci.loc[k, 1]) for k, v in truth.items() if not ci.loc[k, 0] <= v <= ci.loc[k, 1]}


def test_structural_truth_is_recovered_by_regression_on_true_scores(big_panel):
    s = big_panel.scores.assign(
        country=big_panel.data["country"],
        REL_low=np.minimum(big_panel.scores["REL"], 0),
        REL_high=np.maximum(big_panel.scores["REL"], 0),
        QxEMO=(big_panel.scores["Q"] - big_panel.scores["Q"].mean())
        * (big_panel.scores["EMO"] - big_panel.scores["EMO"].mean()),
    )
    truth = big_panel.structural.set_index(["lhs", "rhs"])["estimate"]
    sat = smf.ols("SAT ~ TAN + REL_low + REL_high + RES + ASS + EMP + VAL + EMO + QxEMO + C(country)", s).fit()
    sat_truth = {rhs.replace("Q:EMO", "QxEMO"): v for (lhs, rhs), v in truth.items() if lhs == "SAT"}
    assert _covers(sat, sat_truth) == {}
    loy = smf.ols("LOY ~ SAT + EMO + VAL", s).fit()
    assert _covers(loy, {rhs: v for (lhs, rhs), v in truth.items() if lhs == "LOY"}) == {}
    assert np.allclose(sat.params[list(sat_truth)], list(sat_truth.values()), atol=0.06)


def test_kano_basic_factor_hurts_when_poor_and_does_not_delight(big_panel):
    s = big_panel.scores.assign(REL_low=np.minimum(big_panel.scores["REL"], 0),
                                REL_high=np.maximum(big_panel.scores["REL"], 0))
    fit = smf.ols("SAT ~ REL_low + REL_high + TAN + RES + ASS + EMP + VAL + EMO", s).fit()
    difference = fit.t_test("REL_low - REL_high = 0")
    assert difference.effect[0] > 0.25 and difference.pvalue < 1e-6


def test_retention_hazard_ratios_are_recovered(big_panel):
    fit = PHReg(big_panel.data["tenure_months"], big_panel.scores[["EMO", "SAT"]],
                status=big_panel.data["churned"], ties="efron").fit()
    truth = np.array([big_panel.retention["log_hr_EMO"], big_panel.retention["log_hr_SAT"]])
    # monthly grouping of churn times attenuates the estimates slightly; 4 SE is generous
    assert np.all(np.abs(fit.params - truth) < 4 * fit.bse)
    assert big_panel.data["tenure_months"].between(1, 24).all()
    assert set(big_panel.data["churned"]) == {0, 1}


def test_noninvariant_items_shift_only_the_affected_country():
    panel = cxstats.simulate_cx_panel(2000, noninvariant_items=2, seed=3)
    assert panel.noninvariant == (("RES2", "intercept", "CN"), ("EMP3", "loading", "CN"))
    m = panel.measurement.set_index(["item", "country"])
    assert m.loc[("RES2", "CN"), "intercept"] == pytest.approx(m.loc[("RES2", "DE"), "intercept"] + 0.9)
    assert m.loc[("EMP3", "CN"), "loading"] == pytest.approx(0.45)
    assert m.loc[("EMP3", "US"), "loading"] != pytest.approx(0.45)
    # RES2 sits ~0.9 scale points above RES1 in CN only (rounding/clipping shrink it a little)
    gap = panel.data.groupby("country").apply(lambda d: (d["RES2"] - d["RES1"]).mean(), include_groups=False)
    assert gap["CN"] - gap.drop("CN").mean() > 0.6
    # the weaker EMP3 loading shows as a weaker correlation with EMP1 in CN only
    r = panel.data.groupby("country").apply(lambda d: d["EMP3"].corr(d["EMP1"]), include_groups=False)
    assert r["CN"] < r.drop("CN").min() - 0.1


def test_latent_means_are_recovered():
    panel = cxstats.simulate_cx_panel(3000, seed=8)
    observed = panel.scores.groupby(panel.data["country"].to_numpy())["EXP"].mean()
    assert np.allclose(observed[panel.latent_means.index], panel.latent_means["EXP"], atol=0.06)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_per_country": 10}, "at least 50"),
        ({"countries": ("DE", "DE")}, "distinct codes"),
        ({"noninvariant_items": 3}, "must be 0, 1 or 2"),
        ({"noninvariant_items": 1, "noninvariant_country": 0}, "other than the reference"),
    ],
)
def test_bad_arguments(kwargs, message):
    kwargs = {"n_per_country": 100, **kwargs}
    with pytest.raises(CxStatsError, match=message):
        cxstats.simulate_cx_panel(**kwargs)


def test_true_mean_differences_are_the_true_scores_in_pooled_sd_units():
    panel = cxstats.simulate_cx_panel(400, seed=4)
    table = panel.true_mean_differences(["EMO", "SAT"]).set_index(["factor", "group"])
    assert list(table.index) == [(f, c) for c in ("US", "CN", "BR") for f in ("EMO", "SAT")]
    assert set(table["reference"]) == {"DE"}
    emo = panel.scores["EMO"]
    de, br = emo[panel.data["country"] == "DE"], emo[panel.data["country"] == "BR"]
    pooled = np.sqrt((de.var() + br.var()) / 2)  # equal group sizes
    assert table.loc[("EMO", "BR"), "difference"] == pytest.approx(br.mean() - de.mean(), rel=1e-12)
    assert table.loc[("EMO", "BR"), "d"] == pytest.approx((br.mean() - de.mean()) / pooled, rel=1e-12)
    # the stated latent means are recovered by the true scores (sampling error only)
    assert table.loc[("EMO", "BR"), "difference"] == pytest.approx(panel.latent_means.loc["BR", "EMO"], abs=0.15)
    with pytest.raises(CxStatsError, match="factor\\(s\\) 'XYZ' are not simulated"):
        panel.true_mean_differences(["XYZ"])


def test_value_outcomes_leave_the_other_columns_alone_and_follow_their_codebook():
    plain = cxstats.simulate_cx_panel(60, seed=8)
    panel = cxstats.simulate_cx_panel(60, seed=8, value_outcomes=True)
    pd.testing.assert_frame_equal(plain.data, panel.data[plain.data.columns])
    pd.testing.assert_frame_equal(plain.scores, panel.scores)
    new = ["spend_12m", "repurchased", "repurchases_12m", "recommendations_12m", "complaints_told_12m"]
    assert list(panel.data.columns[-5:]) == new and not plain.outcomes
    clean = cxstats.validate(panel.data, panel.codebook)
    assert clean.shape == (240, 41)
    assert (panel.data["spend_12m"] > 0).all()
    assert (panel.data["repurchased"] == (panel.data["repurchases_12m"] > 0)).all()
    with pytest.raises(CxStatsError, match=r"This panel has no 12-month behaviour; simulate it with "
                                           r"simulate_cx_panel\(\.\.\., value_outcomes=True\)\."):
        plain.true_outcome_means()


def test_value_outcomes_recover_their_stated_truth():
    panel = cxstats.simulate_cx_panel(5000, seed=31, value_outcomes=True)
    truth, data = panel.outcomes, panel.data.assign(EMO=panel.scores["EMO"])
    spend = smf.glm("spend_12m ~ EMO", data, family=sm.families.Gamma(sm.families.links.Log())).fit(cov_type="HC0")
    assert _covers(spend, {"EMO": truth["log_ratio_spend_EMO"]}) == {}
    assert np.exp(spend.params["Intercept"]) == pytest.approx(truth["spend_mean"], rel=0.05)
    for column, slope in (("repurchases_12m", truth["log_ratio_repurchases_EMO"]),
                          ("recommendations_12m", truth["log_ratio_recommendations_EMO"]),
                          ("complaints_told_12m", -truth["log_ratio_recommendations_EMO"])):
        fit = smf.glm(f"{column} ~ EMO", data, family=sm.families.Poisson()).fit(cov_type="HC0")
        assert _covers(fit, {"EMO": slope}) == {}, column
    told = smf.glm("complaints_told_12m ~ EMO", data, family=sm.families.Poisson()).fit().params["Intercept"]
    recommended = smf.glm("recommendations_12m ~ EMO", data, family=sm.families.Poisson()).fit().params["Intercept"]
    assert np.exp(told - recommended) == pytest.approx(truth["negativity"], rel=0.1)  # more people told of bad
    means = panel.true_outcome_means()
    assert means["repurchased"].mean() == pytest.approx(data["repurchased"].mean(), abs=0.02)
    assert means["spend_12m"].mean() == pytest.approx(data["spend_12m"].mean(), rel=0.05)
