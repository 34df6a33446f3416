"""SEMResult.explained_shares() and SEMResult.indirect_effects() against lavaan 0.6.14 and R.

Reference: tests/reference/lavaan_shares_mediation.R (-> .json): a six-factor CX model
with an observed outcome (REC) on 500 simulated respondents; lavaan's ``:=`` estimates
with delta-method SEs and ``standardizedSolution()``; dominance weights by an ``lm``
subset enumeration on lavaan's implied correlations, Johnson's weights by hand, and
delta-method SEs of both from a numerical Jacobian in R.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "reference" / "lavaan_shares_mediation.json").read_text())
DATA = pd.read_csv(ROOT / REF["data_file"])
SMALL = """
EMO =~ EMO1 + EMO2 + EMO3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3
SAT ~ a*EMO
LOY ~ b*SAT + EMO
ind := a*b
"""


@pytest.fixture(scope="module")
def fit() -> sem.SEMResult:
    return sem.fit(REF["model"], DATA)


@pytest.fixture(scope="module")
def defined() -> pd.DataFrame:
    return pd.DataFrame(REF["defined"]).set_index("lhs")


def test_the_fit_is_lavaans(fit):
    assert fit.fit_measures["chisq"] == pytest.approx(REF["fit_measures"]["chisq"], rel=1e-6)


@pytest.mark.parametrize("outcome", list(REF["shares"]))
def test_dominance_and_relative_weights_match_r_on_lavaans_implied_correlations(fit, outcome):
    ref = REF["shares"][outcome]
    table = fit.explained_shares(outcome).table.set_index("predictor").loc[ref["predictors"]]
    assert np.allclose(table["dominance"], ref["dominance"], atol=1e-6)
    assert np.allclose(table["share"], ref["share"], atol=1e-6)
    assert np.allclose(table["relative_weight"], ref["relative_weight"], atol=1e-6)
    assert np.allclose(table["r2"], ref["r2"], atol=1e-6)
    assert ref["r2"] == pytest.approx(ref["r2_model"], abs=1e-10)  # no residual covariance with a predictor
    assert table["dominance"].sum() == pytest.approx(table["r2"].iloc[0], abs=1e-12)
    assert sorted(table["rank"]) == list(range(1, len(table) + 1))


@pytest.mark.parametrize("outcome", list(REF["shares"]))
def test_delta_method_ses_of_the_shares_match_r(fit, outcome):
    ref = REF["shares"][outcome]
    shares = fit.explained_shares(outcome)
    table = shares.table.set_index("predictor").loc[ref["predictors"]]
    assert shares.method == "delta" and shares.draws == 0
    assert np.allclose(table["dominance_se"], ref["dominance_se"], rtol=1e-4)
    assert np.allclose(table["share_se"], ref["share_se"], rtol=1e-4, atol=1e-8)
    assert np.allclose(table["dominance_ci_high"] - table["dominance"], 1.959963984540054 * table["dominance_se"])


def test_indirect_effects_through_emotion_match_lavaans_defined_parameters(fit, defined):
    effects = fit.indirect_effects("EMO", outcome="LOY").table.set_index("path")
    names = {"REL → EMO → SAT → LOY": "REL_EMO_SAT_LOY", "REL → EMO → LOY": "REL_EMO_LOY",
             "REL → … → LOY (all via EMO)": "REL_via_EMO_LOY", "RES → EMO → SAT → LOY": "RES_EMO_SAT_LOY",
             "RES → EMO → LOY": "RES_EMO_LOY", "RES → … → LOY (all via EMO)": "RES_via_EMO_LOY"}
    assert set(effects.index) == set(names)
    for path, name in names.items():
        row, ref = effects.loc[path], defined.loc[name]
        assert row["estimate"] == pytest.approx(ref["est"], abs=1e-6)
        assert row["se"] == pytest.approx(ref["se"], rel=1e-4)
        assert row["std_all"] == pytest.approx(ref["std_all"], abs=1e-6)
        assert row["std_se"] == pytest.approx(ref["std_all_se"], rel=1e-4)
        assert row["total"] == pytest.approx(defined.loc[f"total_{row['predictor']}_LOY", "est"], abs=1e-6)
    prop = effects.loc["RES → … → LOY (all via EMO)"]
    assert prop["proportion"] == pytest.approx(defined.loc["prop_RES_via_EMO_LOY", "est"], abs=1e-6)
    half = (prop["proportion_ci_high"] - prop["proportion_ci_low"]) / 2
    assert half / 1.959963984540054 == pytest.approx(defined.loc["prop_RES_via_EMO_LOY", "se"], rel=1e-4)


def test_indirect_effects_on_satisfaction_and_the_total_effect(fit, defined):
    row = fit.indirect_effects("EMO", predictor="REL", outcome="SAT").table.iloc[0]
    assert row["path"] == "REL → EMO → SAT" and row["mediator"] == "EMO"
    assert row["estimate"] == pytest.approx(defined.loc["REL_EMO_SAT", "est"], abs=1e-6)
    assert row["se"] == pytest.approx(defined.loc["REL_EMO_SAT", "se"], rel=1e-4)
    assert row["total"] == pytest.approx(defined.loc["total_REL_SAT", "est"], abs=1e-6)
    assert row["std_total"] == pytest.approx(defined.loc["total_REL_SAT", "std_all"], abs=1e-6)
    assert row["proportion"] == pytest.approx(defined.loc["prop_REL_EMO_SAT", "est"], abs=1e-6)


def test_every_mediator_by_default_and_paths_to_the_observed_outcome(fit):
    table = fit.indirect_effects().table
    assert set(table["mediator"]) == {"EMO", "VAL", "SAT", "LOY"}
    assert "SAT → LOY → REC" in set(table["path"])  # an observed outcome at the end of a path
    assert "REL → EMO → SAT → LOY → REC" in set(table["path"])


def test_explained_shares_of_a_saturated_observed_path_model_equal_relative_importance():
    # a regression on observed variables reproduces the sample correlations, so the shares on the
    # implied correlations are those of cxstats.relative_importance on the data
    data = DATA.assign(sat=DATA[["SAT1", "SAT2", "SAT3"]].mean(axis=1), emo=DATA[["EMO1", "EMO2", "EMO3"]].mean(axis=1),
                       val=DATA[["VAL1", "VAL2", "VAL3"]].mean(axis=1), rel=DATA[["REL1", "REL2", "REL3"]].mean(axis=1))
    res = sem.fit("sat ~ emo + val + rel", data)
    shares = res.explained_shares().table.set_index("predictor")
    direct = cxstats.relative_importance(data, "sat", ["emo", "val", "rel"]).table.set_index("term")
    assert np.allclose(shares["dominance"], direct.loc[shares.index, "lmg"], atol=1e-10)
    assert np.allclose(100 * shares["share"], direct.loc[shares.index, "share"], atol=1e-8)


def test_reduced_form_shares_with_chosen_predictors(fit):
    table = fit.explained_shares("LOY", predictors=["REL", "RES"]).table
    assert list(table["predictor"]) == ["REL", "RES"]
    assert table["r2"].iloc[0] < fit.r2["LOY"]  # the exogenous drivers explain less than the direct ones
    assert table["share"].sum() == pytest.approx(1.0)


def test_bootstrap_intervals_are_seeded_and_use_the_fits_own_draws():
    small = sem.fit(SMALL, DATA, se="bootstrap", bootstrap=60, seed=11)
    effects = small.indirect_effects("SAT")
    row = effects.table.set_index("path").loc["EMO → SAT → LOY"]
    defined = small.table[small.table["op"] == ":="].iloc[0]
    # the same draws and interval code as the := row of the parameter table
    assert row["ci_low"] == pytest.approx(defined["ci_low"], abs=1e-12)
    assert row["ci_high"] == pytest.approx(defined["ci_high"], abs=1e-12)
    assert effects.method == "bootstrap (percentile)" and effects.draws == small.bootstrap_draws
    # new draws on a standard fit with the same seed are the same resamples
    again = sem.fit(SMALL, DATA).indirect_effects("SAT", bootstrap=60, seed=11)
    pd.testing.assert_frame_equal(again.table.drop(columns=["se", "z", "p_value"]),
                                  effects.table.drop(columns=["se", "z", "p_value"]), atol=1e-6)
    shares = small.explained_shares("LOY")
    t = shares.table
    assert ((t["share_ci_low"] >= 0) & (t["share_ci_high"] <= 1)).all()
    assert ((t["dominance_ci_low"] <= t["dominance"]) & (t["dominance"] <= t["dominance_ci_high"])).all()
    other = sem.fit(SMALL, DATA).explained_shares("LOY", bootstrap=60, seed=12)
    assert not np.allclose(other.table["share_ci_low"], t["share_ci_low"])


def test_multigroup_shares_and_effects_are_given_per_group():
    data = DATA.assign(half=np.where(np.arange(len(DATA)) % 2 == 0, "a", "b"))
    res = sem.fit(SMALL, data, group="half", group_equal=["loadings"])
    shares = res.explained_shares("LOY").table
    assert list(shares["group"]) == ["a", "a", "b", "b"]
    r2 = res.r2
    assert shares.loc[shares["group"] == "b", "r2"].iloc[0] == pytest.approx(r2.loc[("b", "LOY")], abs=1e-10)
    effects = res.indirect_effects("SAT").table
    assert list(effects["group"]) == ["a", "b"]
    assert "of the differences in LOY" in str(res.explained_shares("LOY").plain_summary(group="b"))
    with pytest.raises(sem.ModelSpecificationError, match=r"^group='c' is not one of the model's groups: 'a', 'b'\.$"):
        res.indirect_effects("SAT").plain_summary(group="c")


def test_statement_and_plain_summary_give_the_numbers_of_the_table(fit):
    shares = fit.explained_shares("SAT")
    row = shares.table.set_index("predictor").loc["EMO"]
    text = str(shares.statement("SAT", "EMO", labels={"EMO": "Emotional experience", "SAT": "satisfaction"}))
    assert text.startswith(f"Emotional experience accounts for {100 * row['dominance']:.0f}% of the differences in "
                           f"satisfaction (95% CI {100 * row['dominance_ci_low']:.0f}% to "
                           f"{100 * row['dominance_ci_high']:.0f}%)")
    assert f"of the {100 * row['r2']:.0f}% the model explains" in text and "500 respondents" in text
    summary = str(shares.plain_summary(labels={"SAT": "satisfaction"}))
    assert f"The model explains {100 * row['r2']:.0f}% of the differences in satisfaction" in summary
    effects = str(fit.indirect_effects("EMO", predictor="RES", outcome="SAT").plain_summary())
    assert "RES → EMO → SAT" in effects and "clearly different from zero" in effects


# --- errors and warnings -----------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda f: f.indirect_effects("REL"), "through='REL' is not a mediator of the model"),
    (lambda f: f.indirect_effects("EMO", outcome="XYZ"), "outcome='XYZ' is not a variable of the structural model"),
    (lambda f: f.indirect_effects("LOY", predictor="REC"), "No path of the model runs through 'LOY' from 'REC'."),
    (lambda f: f.explained_shares("REL"), "'REL' is not an outcome of a regression in the model"),
    (lambda f: f.explained_shares(["SAT", "LOY"], predictors=["REL"]), "pass outcome= with a single variable"),
    (lambda f: f.explained_shares("SAT", predictors=["SAT"]), "not usable: 'SAT'."),
    (lambda f: f.explained_shares("SAT", bootstrap=5), "at least 10 draws, got 5."),
])
def test_bad_arguments_raise_clear_errors(fit, call, message):
    with pytest.raises(sem.ModelSpecificationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(fit)


def test_no_regressions_and_summary_statistics_raise_clear_errors():
    cfa = sem.fit("EMO =~ EMO1 + EMO2 + EMO3", DATA)
    with pytest.raises(sem.ModelSpecificationError, match=r"^The model has no regressions \('~'\), so no outcome"):
        cfa.explained_shares()
    with pytest.raises(sem.ModelSpecificationError, match=r"so it has no indirect effects\. Add"):
        cfa.indirect_effects()
    cols = ["SAT1", "SAT2", "SAT3", "EMO1", "EMO2", "EMO3", "LOY1", "LOY2", "LOY3"]
    summary = sem.fit(SMALL, cov=DATA[cols].cov(), nobs=len(DATA))
    with pytest.raises(sem.ModelSpecificationError, match=r"bootstrap= needs raw data.*Refit it with data="):
        summary.explained_shares(bootstrap=20)
    assert summary.indirect_effects("SAT").method == "delta"  # the delta method needs no raw data


def test_inconsistent_mediation_warns_and_is_recorded():
    rng = np.random.default_rng(5)
    x = rng.standard_normal(400)
    m = 0.6 * x + rng.standard_normal(400)
    y = -0.5 * m + 0.6 * x + rng.standard_normal(400)
    res = sem.fit("m ~ x\ny ~ m + x", pd.DataFrame({"x": x, "m": m, "y": y}))
    with pytest.warns(sem.DecompositionWarning, match="^Inconsistent mediation: for 'x → m → y' the indirect effect"):
        effects = res.indirect_effects("m")
    assert effects.inconsistent == ("x → m → y",)
    assert effects.problems[-1].startswith("DecompositionWarning: Inconsistent mediation")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        consistent = sem.fit("m ~ x\ny ~ m + x", pd.DataFrame({"x": x, "m": m, "y": -y + 1.2 * x}))
        assert consistent.indirect_effects("m").inconsistent == ()  # no warning either


def test_a_residual_correlated_with_a_predictor_warns_that_shares_split_another_r2():
    rng = np.random.default_rng(6)
    z, u = rng.standard_normal(600), rng.standard_normal(600)
    x = 0.7 * z + u + rng.standard_normal(600)
    y = 0.5 * x + u + rng.standard_normal(600)  # u: a confounder of x and y; z: an instrument
    res = sem.fit("x ~ z\ny ~ x\nx ~~ y", pd.DataFrame({"x": x, "y": y, "z": z}))
    with pytest.warns(sem.DecompositionWarning, match=r"The R² of 'y' on its predictors from the implied correlations "
                                                      r"\(0\.\d{3}\) differs from the model's R²"):
        shares = res.explained_shares("y")
    assert shares.problems[-1].startswith("DecompositionWarning: The R² of 'y'")
    assert shares.correlated_residuals == ("y",)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert res.explained_shares("x").correlated_residuals == ()


def test_a_claimed_share_gets_a_verdict_from_the_interval(fit):
    shares = fit.explained_shares("SAT")
    row = shares.table.set_index("predictor").loc["EMO"]
    inside = (row["dominance_ci_low"] + row["dominance_ci_high"]) / 2
    assert str(shares.statement("SAT", "EMO", claim=inside)).endswith(
        f"The claim that EMO explains {100 * inside:.0f}% of SAT is consistent with these data.")
    assert "is larger than these data support (the interval ends at" in str(shares.statement("SAT", "EMO", claim=0.63))
    assert "is smaller than what these data show" in str(shares.statement("SAT", "EMO", claim=0.01))
    with pytest.raises(cxstats.CxStatsError, match=r"^Argument claim must be a proportion between 0 and 1 \(0\.63 for "
                                                   r"63%\), got 63\. Pass 0\.63 for 63%\.$"):
        shares.statement("SAT", "EMO", claim=63)
    with pytest.raises(sem.ModelSpecificationError, match=r"^No share of 'SAT' for the predictor 'LOY'; the table has"):
        shares.statement("SAT", "LOY")
