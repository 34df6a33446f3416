"""The invariance ladder, score tests, Wald tests and group comparisons against lavaan 0.6.14
(tests/reference/lavaan_invariance.R), and the partial-invariance search on the simulator,
whose non-invariant items are known."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

import matplotlib
import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem
from conftest import REFERENCE, reference, reference_data

matplotlib.use("Agg")
CASE = "lavaan_invariance"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
SERVQUAL = "\n".join(f"{f} =~ {f}1 + {f}2 + {f}3" for f in ("TAN", "REL", "RES", "ASS", "EMP"))


@cache
def invariance_json() -> dict:
    return json.loads((REFERENCE / f"{CASE}.json").read_text())


@cache
def hs_ladder() -> sem.InvarianceResult:
    return sem.invariance(HS, reference_data(CASE, "configural_ml"), group="school")


def test_the_ladder_matches_lavaan_lrt():
    ladder = sem.invariance(HS, reference_data(CASE, "configural_ml"), group="school", partial=False)
    assert ladder.search.empty and len(ladder.table) == 4
    full = ladder.table.set_index("level")
    lrt = {row["model"]: row for row in invariance_json()["lrt_ml"]["table"]}
    for level in ("configural", "metric", "scalar", "strict"):
        assert full.loc[level, "chisq"] == pytest.approx(lrt[level]["Chisq"], rel=1e-6)
        assert full.loc[level, "df"] == lrt[level]["Df"]
    for level in ("metric", "scalar", "strict"):  # each against the level below (lavTestLRT's order)
        assert full.loc[level, "chisq_diff"] == pytest.approx(lrt[level]["Chisq diff"], rel=1e-5)
        assert full.loc[level, "df_diff"] == lrt[level]["Df diff"]
        assert full.loc[level, "p_value"] == pytest.approx(lrt[level]["Pr(>Chisq)"], rel=1e-4)
    for level in ("configural", "metric", "scalar", "strict"):
        ref = reference(CASE, f"{level}_ml")["fit_measures"]
        assert full.loc[level, "cfi"] == pytest.approx(ref["cfi"], abs=1e-6)
        assert full.loc[level, "rmsea"] == pytest.approx(ref["rmsea"], abs=1e-6)
    assert full.loc["metric", "delta_cfi"] == pytest.approx(
        reference(CASE, "metric_ml")["fit_measures"]["cfi"] - reference(CASE, "configural_ml")["fit_measures"]["cfi"],
        abs=1e-6)


def test_decisions_by_lrt_and_by_fit_change_rules():
    table = hs_ladder().table.set_index("level")
    assert table.loc["metric", "lrt"] == "holds" and table.loc["metric", "fit_rule"] == "holds"
    # scalar: p < .001 and CFI drops by .038 (> .01)
    assert table.loc["scalar", "lrt"] == "rejected" and table.loc["scalar", "fit_rule"] == "rejected"
    assert not table.loc["scalar", "holds"]


def test_the_partial_search_frees_the_intercepts_lavaan_scores_highest():
    ladder = hs_ladder()
    univariate = sorted(invariance_json()["score_test_scalar_ml"]["univariate"], key=lambda u: -u["X2"])
    assert ladder.search["parameter"].iloc[0] == "x3 ~ 1" == univariate[0]["parameter"].replace("~1", "~ 1")
    assert ladder.search["x2"].iloc[0] == pytest.approx(univariate[0]["X2"], rel=1e-4)
    assert ladder.noninvariant_items == ("x3", "x7")
    partial = ladder.table.set_index("level").loc["scalar (partial)"]
    assert partial["holds"] and partial["df"] == 58


def test_partial_scalar_model_matches_lavaan():
    ref = invariance_json()["partial_scalar"]
    ladder = sem.invariance(HS, reference_data(CASE, "configural_ml"), group="school",
                            levels=("metric", "scalar"), group_partial=[ref["group_partial"]], partial=False)
    lrt = {row["model"]: row for row in ref["lrt"]["table"]}
    scalar = ladder.table.set_index("level").loc["scalar"]
    assert scalar["chisq"] == pytest.approx(lrt["partial_scalar"]["Chisq"], rel=1e-6)
    assert scalar["chisq_diff"] == pytest.approx(lrt["partial_scalar"]["Chisq diff"], rel=1e-5)
    assert scalar["df_diff"] == lrt["partial_scalar"]["Df diff"] == 5
    assert ladder.freed == ("x3 ~ 1",) and ladder.noninvariant_items == ()


def test_score_tests_match_lavtestscore():
    scalar = sem.fit(HS, reference_data(CASE, "scalar_ml"), group="school", group_equal=["loadings", "intercepts"])
    ours = sem.score_tests(scalar).set_index("parameter")
    ref = invariance_json()["score_test_scalar_ml"]
    assert len(ours) == len(ref["univariate"])
    for row in ref["univariate"]:
        name = row["parameter"].replace("~1", "~1")
        # statistics near 0 differ by the optimisers' tolerances (about 1e-5 on the chi-square scale)
        assert ours.loc[name, "x2"] == pytest.approx(row["X2"], rel=1e-4, abs=1e-4), name
        assert ours.loc[name, "df"] == row["df"]
    total = ref["total"][0]
    assert ours.attrs["total"]["x2"] == pytest.approx(total["X2"], rel=1e-4)
    assert ours.attrs["total"]["df"] == total["df"]


def test_wald_test_matches_lavtestwald():
    ref = reference(CASE, "sem_scalar")
    result = sem.fit(ref["model"], reference_data(CASE, "sem_scalar"), group="school",
                     group_equal=["loadings", "intercepts"])
    wald = sem.wald_test(result, "b1 == b2")
    assert wald["stat"] == pytest.approx(ref["wald_b1_eq_b2"]["stat"], rel=1e-4)
    assert wald["df"] == 1
    assert wald["p_value"] == pytest.approx(ref["wald_b1_eq_b2"]["p.value"], rel=1e-3)
    paths = sem.path_differences(result).table
    visual = paths[paths["path"] == "speed ~ visual"]
    assert visual["wald"].iloc[0] == pytest.approx(wald["stat"], rel=1e-10)
    assert set(visual["group"]) == {"Pasteur", "Grant-White"}
    figure = sem.path_differences(result).plot()
    assert len(figure.axes[0].get_yticklabels()) == len(paths)


def test_latent_mean_differences_match_lavaan_and_give_effect_sizes():
    scalar = sem.fit(HS, reference_data(CASE, "scalar_ml"), group="school", group_equal=["loadings", "intercepts"])
    table = sem.latent_mean_differences(scalar).table.set_index("factor")
    ref = invariance_json()["latent_means_scalar"]["ml"]["means"]
    for factor, values in ref.items():
        assert table.loc[factor, "difference"] == pytest.approx(values["est"], abs=1e-4)
        assert table.loc[factor, "se"] == pytest.approx(values["se"], rel=1e-3)
        assert table.loc[factor, "p_value"] == pytest.approx(values["pvalue"], rel=1e-3, abs=1e-8)
    est = scalar.table
    psi = est[(est["op"] == "~~") & (est["lhs"] == "textual") & (est["rhs"] == "textual")].set_index("group")["estimate"]
    n = dict(zip(scalar.groups, scalar.group_nobs, strict=True))
    pooled = (n["Pasteur"] * psi["Pasteur"] + n["Grant-White"] * psi["Grant-White"]) / sum(n.values())
    assert table.loc["textual", "d"] == pytest.approx(table.loc["textual", "difference"] / np.sqrt(pooled), rel=1e-10)
    assert 0 < table.loc["textual", "d_se"] < table.loc["textual", "d"]
    half = table["d_ci_high"] - table["d"]
    assert np.allclose(half, 1.959964 * table["d_se"], rtol=1e-6)
    assert np.allclose(table["d"] - table["d_ci_low"], half, rtol=1e-10)
    assert list(table["n"]) == [n["Grant-White"]] * 3 and list(table["n_reference"]) == [n["Pasteur"]] * 3
    narrow = sem.latent_mean_differences(scalar, ci_level=0.5).table.set_index("factor")
    assert (narrow["d_ci_high"] < table["d_ci_high"]).all()


def test_the_simulated_noninvariant_items_are_found():
    panel = cxstats.simulate_cx_panel(500, noninvariant_items=2, seed=11)
    ladder = sem.invariance(SERVQUAL, panel.data, group="country")
    truth = {item for item, _, _ in panel.noninvariant}
    assert set(ladder.noninvariant_items) == truth == {"RES2", "EMP3"}
    assert list(ladder.search["parameter"]) == ["EMP =~ EMP3", "RES2 ~ 1"]
    assert ladder.table.set_index("level").loc["scalar (partial)", "holds"]
    means = sem.latent_mean_differences(ladder.models["scalar (partial)"]).table
    assert len(means) == 5 * 3  # five factors, three countries against the first


def test_an_invariant_panel_needs_no_partial_model():
    panel = cxstats.simulate_cx_panel(400, noninvariant_items=0, seed=4)
    ladder = sem.invariance(SERVQUAL, panel.data, group="country", levels=("configural", "metric", "scalar"))
    assert ladder.noninvariant_items == ()
    assert ladder.search.empty
    assert ladder.table["holds"].all()
    text = str(ladder.plain_summary())
    assert "Latent means can be compared across groups (full scalar invariance)" in text


def test_plain_summary_names_the_items():
    text = str(hs_ladder().plain_summary(labels={"x3": "Lozenges", "school": "School"}))
    assert "Intercepts differ across groups for Lozenges and x7" in text
    assert "after freeing the intercept of Lozenges and the intercept of x7" in text
    assert "Groups compared (School): Pasteur (n = 156) and Grant-White (n = 145); 301 respondents" in text
    # scalar fails by both criteria: only then a level "does not hold"
    assert "**Scalar** — equal intercepts (the same factor level gives the same item level) — does not hold" in text
    assert "RMSEA rise of at most .015; the CFI drop exceeds its limit)" in text  # lavaan: ΔCFI −.038, ΔRMSEA +.015


def test_plain_summary_takes_a_codebook_and_names_every_item():
    book = cxstats.Codebook.from_dict({
        "dataset": {"name": "hs"}, "constructs": {"visual": "Visual ability"},
        "items": [{"name": f"x{k}", "construct": "visual", "label": f"Test {k}"} for k in range(1, 10)]})
    freed = tuple(f"x{k} ~ 1" for k in range(1, 10))
    text = str(replace(hs_ladder(), freed=freed).plain_summary(labels=book))
    assert "for Test 1, Test 2, Test 3, Test 4, Test 5, Test 6, Test 7, Test 8 and Test 9:" in text
    assert " more" not in text.replace("more sensitive", "")


def test_plain_summary_separates_intercepts_from_loadings_and_residuals():
    ladder = replace(hs_ladder(), freed=("visual =~ x2", "x3 ~ 1", "x5 ~~ x5"))
    lines = str(ladder.plain_summary(labels={"x2": "Cubes", "visual": "Visual"})).splitlines()
    intercepts = next(line for line in lines if line.startswith("- Intercepts differ"))
    loadings = next(line for line in lines if line.startswith("- Loadings differ"))
    residuals = next(line for line in lines if line.startswith("- Residual variances differ"))
    assert "for x3:" in intercepts and "comparing latent means" in intercepts
    assert "for Cubes (on Visual):" in loadings and "relationships" in loadings and "x3" not in loadings
    assert "for x5:" in residuals and "does not affect comparisons of latent means" in residuals
    assert "x3" not in residuals


def test_plain_summary_gives_both_verdicts_when_they_disagree():
    ladder = hs_ladder()
    strict = next(line for line in str(ladder.plain_summary()).splitlines() if line.startswith("- **Strict**"))
    # lavaan: strict vs partial scalar chi-square difference p = .037, CFI drops by .00998 (< .01)
    assert "the two criteria disagree" in strict and "does not hold" not in strict
    assert "rejects it (χ²(9) = 17.8, p = .037)" in strict and "by the fit-change rules it holds" in strict
    assert "here 301 respondents" in strict
    table = ladder.table.copy()
    table.loc[table["level"] == "metric", ["fit_rule", "delta_cfi"]] = ["rejected", -0.02]
    metric = next(line for line in str(replace(ladder, table=table).plain_summary()).splitlines()
                  if line.startswith("- **Metric**"))
    assert "finds no significant loss of fit" in metric and "by the fit-change rules it does not hold" in metric
    assert "may be too weak" in metric


def test_plain_summary_flags_poor_configural_fit_and_has_no_negative_zero():
    ladder = hs_ladder()
    text = str(ladder.plain_summary())
    assert "Caution: the configural model itself fits poorly (CFI 0.923, RMSEA 0.097" in text  # lavaan: .923, .097
    table = ladder.table.copy()
    table.loc[table["level"] == "metric", ["delta_cfi", "delta_rmsea"]] = [-0.0001, -0.0002]
    table.loc[table["level"] == "configural", ["cfi", "rmsea"]] = [0.99, 0.03]
    text = str(replace(ladder, table=table).plain_summary())
    assert "CFI changes by 0.000, RMSEA by 0.000" in text and "−0.000" not in text and "-0.000" not in text
    assert "fits poorly" not in text and "p = 0" not in text and "e-" not in text


def test_plain_summary_and_problems_name_heywood_cases():
    ladder = hs_ladder()
    broken = replace(ladder.models["strict"], problems=(
        "HeywoodWarning: Negative variance estimate(s) for x3 ~~ x3 [Pasteur] (a Heywood case).",))
    ladder = replace(ladder, models={**ladder.models, "strict": broken})
    assert ladder.problems == ("strict: HeywoodWarning: Negative variance estimate(s) for x3 ~~ x3 [Pasteur] "
                               "(a Heywood case).",)
    text = str(ladder.plain_summary())
    assert "Caution: the strict model has a negative variance (Heywood case)" in text
    assert "not trustworthy" in text


def test_problems_of_the_ladder_are_named_warnings_on_the_result_and_in_the_summary():
    rng = np.random.default_rng(0)  # y1 measures F almost without error: its residual variance goes negative
    frames = []
    for name in ("a", "b"):
        f = rng.standard_normal(60)
        frames.append(pd.DataFrame({"y1": f + 0.02 * rng.standard_normal(60), "y2": 0.6 * f + 0.8 * rng.standard_normal(60),
                                    "y3": 0.6 * f + 0.8 * rng.standard_normal(60), "g": name}))
    with pytest.warns(sem.HeywoodWarning) as caught:
        ladder = sem.invariance("F =~ y1 + y2 + y3", pd.concat(frames, ignore_index=True), group="g", partial=False)
    messages = [str(w.message) for w in caught]
    assert messages[0].startswith("Invariance ladder, configural model: Negative variance estimate(s) for y1 (group b)")
    assert [m.split(" model:")[0] for m in messages] == [f"Invariance ladder, {level}" for level in
                                                         ("configural", "metric", "scalar", "strict")]
    assert caught[0].filename == __file__  # points at the caller
    assert ladder.problems[0].startswith("configural: HeywoodWarning: Negative variance estimate(s) for y1 (group b)")
    assert "Heywood" in ladder.table.set_index("level").loc["configural", "problems"]
    cautions = [line for line in str(ladder.plain_summary(labels={"y1": "Overall"})).splitlines()
                if line.startswith("- Caution: the configural, metric, scalar and strict models have a negative")]
    assert len(cautions) == 1 and "(the metric, scalar and strict likewise)" in cautions[0]


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"levels": ("configural", "weak")}, r"levels='weak': choose from 'configural', 'metric', 'scalar', 'strict'"),
    ({"levels": ("scalar", "metric")}, r"levels must go up the ladder without repeats"),
])
def test_ladder_errors(kwargs, pattern, hs):
    with pytest.raises(sem.ModelSpecificationError, match=pattern):
        sem.invariance(HS, hs, group="school", **kwargs)


def test_group_comparisons_need_groups_and_free_means(hs):
    single = sem.fit(HS, hs)
    with pytest.raises(sem.ModelSpecificationError, match=r"score_tests\(\) compares groups: fit the model with group= first"):
        sem.score_tests(single)
    configural = sem.fit(HS, hs, group="school")
    with pytest.raises(sem.ModelSpecificationError, match=r"The latent means are fixed in every group"):
        sem.latent_mean_differences(configural)
    with pytest.raises(sem.ModelSpecificationError, match=r"ties no parameter across groups"):
        sem.score_tests(configural)
    with pytest.raises(sem.ModelSpecificationError, match=r"no regression paths"):
        sem.path_differences(configural)
    with pytest.raises(sem.ModelSpecificationError, match=r"No '==' constraint"):
        sem.wald_test(configural, "b1 ~ b2")


def test_latent_mean_forest_plot():
    scalar = sem.fit(HS, reference_data(CASE, "scalar_ml"), group="school", group_equal=["loadings", "intercepts"])
    comparison = sem.latent_mean_differences(scalar)
    figure = comparison.plot(labels={"textual": "Verbal"})
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert any(label.startswith("Verbal") for label in labels)
    # standard deviations by default, as the table's d and reports quote them; latent units on request
    axis = figure.axes[0]
    assert "standard deviations" in axis.get_xlabel()
    assert np.allclose(np.sort(axis.collections[-1].get_offsets()[:, 0]), np.sort(comparison.table["d"]))
    latent = comparison.plot(units="latent").axes[0]
    assert "latent units" in latent.get_xlabel()
    assert np.allclose(np.sort(latent.collections[-1].get_offsets()[:, 0]), np.sort(comparison.table["difference"]))
    with pytest.raises(ValueError, match=r"Argument units='z' is not known: pass units='sd'"):
        comparison.plot(units="z")
    assert "<table" in comparison._repr_html_()
    assert isinstance(pd.DataFrame(comparison.table), pd.DataFrame)


def test_latent_means_from_the_last_level_that_holds():
    """The continuous ladder also keeps the later group's latent means (``latent_means``); here
    from the partial scalar model when it holds. Its plain summary leaves them to
    latent_mean_differences, so that a report does not give one comparison two values."""
    ladder = hs_ladder()
    table = ladder.table.set_index("level")
    assert not table.loc["scalar", "holds"] and table.loc["scalar (partial)", "holds"]
    assert not table.loc["strict", "holds"]
    assert ladder.means_level == "scalar (partial)" and ladder.means_comparable
    assert "Latent means relative to" not in str(ladder.plain_summary())
    model = ladder.models[ladder.means_level].table
    expected = model[model["op"].eq("~1") & model["lhs"].eq("textual") & model["free"].astype(bool)]["estimate"]
    assert ladder.latent_means.set_index("lhs").loc["textual", "estimate"] == pytest.approx(float(expected.iloc[0]))


def test_plain_summary_of_a_partial_level_with_every_constraint_freed():
    ladder = hs_ladder()
    last = ladder.table.iloc[-1]
    emptied = last.copy()
    emptied[["level", "df_diff", "chisq_diff", "p_value"]] = [f"{last.level} (partial)", 0.0, np.nan, np.nan]
    table = pd.concat([ladder.table, emptied.to_frame().T], ignore_index=True)
    text = str(replace(ladder, table=table).plain_summary())
    line = next(x for x in text.splitlines() if x.startswith(f"- **{last.level.capitalize()} (partial)**"))
    assert "the search freed every constraint this level adds, so nothing of it is left to test" in line
    assert "the starting point" not in line
