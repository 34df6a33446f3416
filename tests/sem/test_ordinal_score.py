"""Score tests of WLSMV fits and the partial search of the ordinal invariance ladder, against
lavaan 0.6.14 / semTools 0.5.6 (tests/reference/lavaan_ordinal_score.R): ``lavTestScore``
(threshold and loading equalities, univariate and total), ``modindices`` (the later group's
intercepts and, under theta, residual variances of the latent responses), the partial models
semTools writes with ``group.partial``, and the search of the intercepts step run to its end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxstats import sem
from cxstats.sem._api import fit_ordinal_step
from cxstats.sem.group_tests import score_tests

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "lavaan_ordinal_score.json").read_text())
DATA = pd.read_csv(REF_DIR / REF["data"])
LEVELS = {"thresholds": ("thresholds",), "loadings": ("thresholds", "loadings"),
          "intercepts": ("thresholds", "loadings", "intercepts"),
          "residuals": ("thresholds", "loadings", "intercepts", "residuals")}


def lavaan_name(text: str) -> str:
    """semTools' group.partial entry ("x2|t3", "x3~1") as cxstats writes it ("x2 | t3", "x3 ~ 1")."""
    for op in ("|", "=~", "~~"):
        if op in text:
            lhs, rhs = text.split(op)
            return f"{lhs} {op} {rhs}"
    return text.replace("~1", " ~ 1")


def fit_case(case: dict, partial: tuple = ()):
    return fit_ordinal_step(REF["model"], DATA, True, group="school", group_equal=LEVELS[case["step"]],
                            estimator="WLSMV", parameterization=case["parameterization"], missing="listwise",
                            group_partial=partial)


@pytest.fixture(scope="module")
def fits():
    return {key: fit_case(case) for key, case in REF["cases"].items()}


@pytest.mark.parametrize("key", list(REF["cases"]))
def test_score_tests_match_lavtestscore(fits, key):
    """Every equality's univariate test and the total test (1 df each with two groups)."""
    case = REF["cases"][key]
    ours = score_tests(fits[key])
    ref = pd.DataFrame(case["score"])
    merged = ref.merge(ours, on=["lhs", "op", "rhs"], how="left", suffixes=("_ref", ""), validate="one_to_one")
    assert merged["x2"].notna().all() and (merged["df"] == 1).all()
    np.testing.assert_allclose(merged["x2"], merged["x2_ref"], rtol=1e-4, atol=1e-4)
    assert ours.attrs["total"]["df"] == case["score_total"]["df"]
    assert ours.attrs["total"]["x2"] == pytest.approx(case["score_total"]["x2"], rel=1e-5)


@pytest.mark.parametrize("key", [k for k, c in REF["cases"].items() if c["step"] in ("intercepts", "residuals")])
def test_score_tests_of_fixed_intercepts_and_residuals_match_modindices(fits, key):
    """Intercepts (and, under theta, residual variances) that Wu & Estabrook tie to the first
    group's 0 (1) are tested as lavaan's modification indices of freeing them."""
    case = REF["cases"][key]
    ours = score_tests(fits[key])
    released = ours[ours["op"].isin(["~1", "~~"]) & ours["lhs"].eq(ours["rhs"].where(ours["op"] == "~~", ours["lhs"]))]
    ref = pd.DataFrame(case["modindices"])
    merged = released.merge(ref, on=["lhs", "op", "rhs"], how="left", validate="one_to_one")
    assert len(merged) == (9 if case["step"] == "intercepts" else 18)
    np.testing.assert_allclose(merged["x2"], merged["mi"], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("key", list(REF["cases"]))
def test_partial_model_matches_semtools_group_partial(key):
    """The model freeing the step's largest test: one threshold, loading, intercept or residual."""
    case = REF["cases"][key]
    ref = case["partial"]
    result = fit_case(case, (lavaan_name(ref["parameter"]),))
    fm = result.fit_measures
    assert result.converged and fm["npar"] == ref["fit"]["npar"] and fm["df"] == ref["fit"]["df"]
    assert fm["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-5)
    assert fm["chisq.scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-5)
    groups = {g: i + 1 for i, g in enumerate(REF["groups"])}
    table = result.table.assign(group=result.table["group"].map(groups))
    merged = pd.DataFrame(ref["partable"]).merge(table, on=["lhs", "op", "rhs", "group"], how="left",
                                                 validate="one_to_one")
    assert merged["estimate"].notna().all()
    np.testing.assert_allclose(merged["estimate"], merged["est"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(merged["se_x"].fillna(0), merged["se_y"].fillna(0), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("parameterization", ["delta", "theta"])
def test_ordinal_ladder_partial_search_matches_lavaan(parameterization):
    """The scalar step fails; the search frees x3's and then x7's intercept by their
    modification indices, and the partial scalar model (and, under theta, the strict model on
    top of it) is tested against the metric model as lavTestLRT does."""
    ref = REF["searches"][parameterization]
    ladder = sem.invariance(REF["model"], DATA, group="school", ordered=True, parameterization=parameterization)
    assert list(ladder.search["parameter"]) == [lavaan_name(p) for p in ref["freed"]]
    np.testing.assert_allclose(ladder.search["x2"], [s["mi"] for s in ref["steps"]], rtol=1e-4)
    rows = ladder.table.set_index("level")
    partial = rows.loc["scalar (partial)"]
    assert partial["chisq"] == pytest.approx(ref["final"]["fit"]["chisq.scaled"], rel=1e-5)
    assert partial["chisq_diff"] == pytest.approx(ref["final"]["lrt"]["chisq_diff"], rel=1e-5)
    assert partial["df_diff"] == ref["final"]["lrt"]["df_diff"] and partial["holds"]
    if parameterization == "theta":
        assert rows.loc["strict", "chisq_diff"] == pytest.approx(ref["strict"]["lrt"]["chisq_diff"], rel=1e-5)
    assert ladder.freed == ("x3 ~ 1", "x7 ~ 1") and ladder.noninvariant_items == ("x3", "x7")
    assert ladder.means_level == ("strict" if parameterization == "theta" else "scalar (partial)")
    text = str(ladder.plain_summary())
    assert "holds (after freeing the intercept of x3 and the intercept of x7)" in text
    assert "Intercepts differ across groups for x3 and x7" in text


def test_threshold_search_frees_one_threshold_and_keeps_the_item_identified():
    """Thresholds shifted in one group: the thresholds step fails, the search frees a threshold
    of the shifted item, never a third one of a four-category item (its intercept and scale
    need two equal thresholds), and the summary names it."""
    shifted = DATA.copy()
    later = shifted["school"].eq(REF["groups"][1])
    moved = shifted.index[later & shifted["x5"].eq(3)]
    moved = moved[:len(moved) * 4 // 5]  # most of one category's answers one lower
    shifted.loc[moved, "x5"] = 2
    ladder = sem.invariance(REF["model"], shifted, group="school", ordered=True,
                            levels=["configural", "thresholds", "metric"])
    rows = ladder.table.set_index("level")
    assert not rows.loc["thresholds", "holds"]
    freed = list(ladder.search["parameter"])
    assert freed and all(p.startswith("x5 | t") for p in freed[:1])
    per_item = pd.Series([p.split(" | ")[0] for p in freed if "|" in p]).value_counts()
    assert (per_item <= 1).all()  # 3 thresholds each: one may go, two must stay equal
    assert "thresholds (partial)" in rows.index
    text = str(ladder.plain_summary())
    assert f"Thresholds differ across groups for threshold {freed[0].split(' | t')[1]} of x5" in text


def test_group_partial_threshold_needs_a_model_threshold():
    from cxstats.sem import ModelSpecificationError

    with pytest.raises(ModelSpecificationError, match=r"x5 \| t9"):
        sem.invariance(REF["model"], DATA, group="school", ordered=True, group_partial=["x5 | t9"],
                       levels=["configural", "thresholds"])


def test_three_groups_release_each_parameter_in_every_later_group():
    """psych's bfi by education (three groups, 6-point items, metric step): each threshold or
    loading is released in both later groups at once (2 df), as lavTestScore(release = ...)
    (tests/reference/lavaan_ordinal_score_groups.R); and the total test."""
    ref = json.loads((REF_DIR / "lavaan_ordinal_score_groups.json").read_text())
    data = pd.read_csv(REF_DIR / ref["data"])
    result = fit_ordinal_step(ref["model"], data, True, group=ref["group"], group_equal=("thresholds", "loadings"),
                              estimator="WLSMV", parameterization="delta", missing="listwise")
    assert list(result.groups) == ref["groups"]
    assert result.fit_measures["chisq.scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-5)
    ours = score_tests(result)
    merged = pd.DataFrame(ref["tests"]).merge(ours, on=["lhs", "op", "rhs"], how="left", suffixes=("_ref", ""),
                                              validate="one_to_one")
    assert len(merged) == len(ours) == 60 and (merged["df"] == 2).all()
    np.testing.assert_allclose(merged["x2"], merged["x2_ref"], rtol=1e-4, atol=1e-4)
    assert set(merged["groups"]) == {", ".join(ref["groups"])}
    assert ours.attrs["total"]["df"] == ref["total"]["df"]
    assert ours.attrs["total"]["x2"] == pytest.approx(ref["total"]["x2"], rel=1e-5)


def test_search_skips_the_intercepts_of_binary_items():
    """All items binary: scalar fails, but freeing a binary item's intercept refixes its scale
    (the same df, nothing tested), so the search frees none and the summary says why."""
    data = pd.read_csv(REF_DIR / "data" / "hs_binary_groups.csv")
    ladder = sem.invariance(REF["model"], data, group="school", ordered=True, levels=["configural", "metric", "scalar"])
    assert not ladder.table.set_index("level").loc["scalar", "holds"]
    assert ladder.search.empty and "scalar (partial)" not in set(ladder.table["level"])
    assert "did not free the intercepts of the binary items (x1, x2, x3, x4, x5, x6, x7, x8 and x9)" in str(
        ladder.plain_summary())


def test_group_partial_cannot_free_every_threshold_of_an_item():
    from cxstats.sem import ModelSpecificationError

    with pytest.raises(ModelSpecificationError, match=r"group_partial frees every threshold of 'x5'; keep at least one"):
        sem.invariance(REF["model"], DATA, group="school", ordered=True,
                       group_partial=["x5 | t1", "x5 | t2", "x5 | t3"], levels=["configural", "thresholds"])


def test_three_group_ladder_searches_every_step_and_reads_the_means():
    """bfi by education: the search frees a threshold, two loadings and four intercepts. The
    thresholds step stays rejected by the χ² test but holds by the fit-change rules, which
    does not end the chain: the latent means come from the partial scalar model and are read
    out."""
    ref = json.loads((REF_DIR / "lavaan_ordinal_score_groups.json").read_text())
    data = pd.read_csv(REF_DIR / ref["data"])
    ladder = sem.invariance(ref["model"], data, group=ref["group"], ordered=True)
    rows = ladder.table.set_index("level")
    assert rows.loc["thresholds (partial)", "lrt"] == "rejected"
    assert rows.loc["thresholds (partial)", "fit_rule"] == "holds"
    assert rows.loc["scalar (partial)", "holds"] and (ladder.search["df"] == 2).all()
    assert set(ladder.search["level"]) == {"thresholds", "metric", "scalar"}
    assert ladder.means_level == "scalar (partial)" and ladder.means_comparable
    assert set(ladder.latent_means["group"]) == {"secondary", "degree"}
    assert "Latent means relative to some college (0; in standard deviations of some college)" in str(
        ladder.plain_summary())


def test_search_by_the_fit_change_rules():
    """partial="rules": bfi by education is rejected by the χ² test at every step but holds by
    the rules, so nothing is freed (the χ² search frees seven parameters) and the summary says
    why; an unknown mode is an error."""
    ref = json.loads((REF_DIR / "lavaan_ordinal_score_groups.json").read_text())
    data = pd.read_csv(REF_DIR / ref["data"])
    ladder = sem.invariance(ref["model"], data, group=ref["group"], ordered=True, partial="rules")
    assert ladder.search.empty and ladder.search_by == "rules"
    assert (ladder.table["lrt"].iloc[1:] == "rejected").all() and (ladder.table["fit_rule"].iloc[1:] == "holds").all()
    assert ladder.means_level == "scalar" and ladder.means_comparable
    assert "worked only where the fit-change rules rejected a level (partial='rules')" in str(ladder.plain_summary())
    hs = sem.invariance(REF["model"], DATA, group="school", ordered=True, partial="rules")
    assert list(hs.search["parameter"]) == ["x3 ~ 1", "x7 ~ 1"]  # the rules reject scalar until both are free
    with pytest.raises(sem.ModelSpecificationError, match=r"partial='loose': use True \(search where the χ² "
                                                          r"difference test rejects a level\), 'rules'"):
        sem.invariance(REF["model"], DATA, group="school", ordered=True, partial="loose")
