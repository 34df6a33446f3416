"""Reliability and validity against psych 2.2.9 and semTools 0.5.6
(tests/reference/reliability_psych_semtools.R made the JSON)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import CxStatsError

ROOT = Path(__file__).resolve().parents[1]
REF = json.loads((ROOT / "tests" / "reference" / "reliability_psych_semtools.json").read_text())
CASES = [(ds, block) for ds, blocks in REF["blocks"].items() for block in blocks]


def _data(dataset: str) -> pd.DataFrame:
    return cxstats.load_dataset(dataset).data


@pytest.fixture(scope="module")
def results() -> dict:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ecsi CUSL is an improper one-factor solution (as in lavaan)
        for dataset, blocks in REF["blocks"].items():
            out[dataset] = cxstats.reliability(_data(dataset), {b: v["items"] for b, v in blocks.items()})
    return out


@pytest.mark.parametrize(("dataset", "block"), CASES, ids=[f"{d}-{b}" for d, b in CASES])
def test_alpha_and_items_match_psych(results, dataset, block):
    ref = REF["blocks"][dataset][block]
    row = results[dataset].table.set_index("construct").loc[block]
    alpha = ref["alpha"]
    assert row["n"] == ref["n"]
    assert row["alpha"] == pytest.approx(alpha["raw_alpha"], abs=1e-10)
    assert row["alpha_std"] == pytest.approx(alpha["std_alpha"], abs=1e-10)
    assert row["average_r"] == pytest.approx(alpha["average_r"], abs=1e-10)
    assert row["alpha_ci_low"] == pytest.approx(alpha["feldt"]["lower"], abs=1e-10)
    assert row["alpha_ci_high"] == pytest.approx(alpha["feldt"]["upper"], abs=1e-10)
    items = results[dataset].items.query("construct == @block").set_index("item")
    assert np.allclose(items["item_total_r"], pd.Series(alpha["r_drop"])[items.index], atol=1e-10)
    if len(ref["items"]) > 2:  # psych's 'alpha if deleted' of a 2-item scale is not an alpha
        assert np.allclose(items["alpha_if_deleted"], pd.Series(alpha["alpha_if_deleted"])[items.index], atol=1e-10)


@pytest.mark.parametrize(("dataset", "block"), [c for c in CASES if REF["blocks"][c[0]][c[1]]["cfa"]],
                         ids=[f"{d}-{b}" for d, b in CASES if REF["blocks"][d][b]["cfa"]])
def test_cfa_based_values_match_semtools(results, dataset, block):
    cfa = REF["blocks"][dataset][block]["cfa"]
    row = results[dataset].table.set_index("construct").loc[block]
    assert row["omega"] == pytest.approx(cfa["comp_rel_sem"], abs=1e-4)
    assert row["omega_model"] == pytest.approx(cfa["comp_rel_sem_obs_var_false"], abs=1e-4)
    assert row["ave"] == pytest.approx(cfa["ave_sem"], abs=1e-4)
    assert row["cr"] == pytest.approx(cfa["cr_formula"], abs=1e-4)
    items = results[dataset].items.query("construct == @block").set_index("item")
    assert np.allclose(items["loading"], pd.Series(cfa["loadings_std_all"])[items.index], atol=1e-4)


@pytest.mark.parametrize("dataset", list(REF["multi_factor"]))
def test_validity_matches_semtools(dataset):
    ref = REF["multi_factor"][dataset]
    blocks = {b: REF["blocks"][dataset][b]["items"] for b in ref["blocks"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cxstats.validity(_data(dataset), blocks)
    table = result.table.set_index("construct")
    assert np.allclose(table["ave"], pd.Series(ref["ave_sem"])[table.index], atol=1e-4)
    assert np.allclose(table["omega"], pd.Series(ref["comp_rel_sem"])[table.index], atol=1e-4)
    assert np.allclose(table["omega_model"], pd.Series(ref["comp_rel_sem_obs_var_false"])[table.index], atol=1e-4)
    for name in ("htmt", "htmt2"):
        lav = pd.DataFrame(ref[name]["values"], index=ref[name]["rownames"], columns=ref[name]["colnames"])
        assert np.allclose(getattr(result, name).loc[lav.index, lav.columns], lav, atol=1e-10), name
    cor = pd.DataFrame(ref["cor_lv"]["values"], index=ref["cor_lv"]["rownames"], columns=ref["cor_lv"]["colnames"])
    assert np.allclose(result.latent_correlations.loc[cor.index, cor.columns], cor, atol=1e-3)
    assert np.allclose(np.diag(result.fornell_larcker), np.sqrt(table["ave"]))


def test_errors():
    data = _data("ecsi_mobile")
    with pytest.raises(CxStatsError, match="Construct 'CUSCO' has 1 item\\(s\\); alpha needs at least 2"):
        cxstats.reliability(data, {"CUSCO": ["CUSCO"]})
    with pytest.raises(CxStatsError, match="item\\(s\\) 'K' are constant"):
        cxstats.reliability(data.assign(K=3), {"X": ["CUSA1", "CUSA2", "K"]})
    with pytest.raises(CxStatsError, match="no column 'CUSA9'"):
        cxstats.reliability(data, {"CUSA": ["CUSA1", "CUSA9"]})
    with pytest.raises(CxStatsError, match="Unknown construct\\(s\\) 'SAT'"):
        cxstats.reliability(data, cxstats.load_dataset("ecsi_mobile").codebook, constructs=["SAT"])
    with pytest.raises(CxStatsError, match="validity needs at least two constructs"):
        cxstats.validity(data, {"CUSA": ["CUSA1", "CUSA2", "CUSA3"]})


def test_single_item_constructs_of_a_codebook_are_skipped():
    survey = cxstats.load_dataset("customersat")
    result = cxstats.reliability(survey.data, survey.codebook)
    assert list(result.table["construct"]) == ["PRICE", "REACH", "DIST"]  # SAT and EFFECT have one item


def test_htmt_bootstrap_intervals():
    survey = cxstats.load_dataset("customersat")
    a = cxstats.validity(survey.data, survey.codebook, bootstrap=100, seed=1)
    b = cxstats.validity(survey.data, survey.codebook, bootstrap=100, seed=1)
    pd.testing.assert_frame_equal(a.htmt_ci, b.htmt_ci)
    ci = a.htmt_ci.set_index(["construct_a", "construct_b"])
    assert list(ci.index) == [("PRICE", "REACH"), ("PRICE", "DIST"), ("REACH", "DIST")]
    assert ((ci["ci_low"] < ci["htmt"]) & (ci["htmt"] < ci["ci_high"])).all()
    assert ci.loc[("PRICE", "REACH"), "htmt"] == pytest.approx(a.htmt.loc["PRICE", "REACH"])
    assert cxstats.validity(survey.data, survey.codebook).htmt_ci["ci_low"].isna().all()


def test_item_level_statistics_without_the_one_factor_models():
    data = _data("ecsi_mobile")
    blocks = {"CUSL": ["CUSL1", "CUSL2", "CUSL3"], "CUSA": ["CUSA1", "CUSA2", "CUSA3"]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # CUSL's one-factor model is a Heywood case; without it nothing warns
        plain = cxstats.reliability(data, blocks, factor=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = cxstats.reliability(data, blocks)
    columns = ["n", "alpha", "alpha_ci_low", "alpha_ci_high", "alpha_std", "average_r"]
    pd.testing.assert_frame_equal(plain.table[columns], full.table[columns])
    assert plain.table[["omega", "omega_model", "cr", "ave"]].isna().all().all()
    assert plain.items["loading"].isna().all()
    assert np.allclose(plain.items["item_total_r"], full.items["item_total_r"])


# --- scale scores ---------------------------------------------------------------------------------------------
def _small_codebook() -> cxstats.Codebook:
    return cxstats.Codebook.from_dict({"dataset": {"name": "small"}, "constructs": {"A": "Scale A", "B": "Scale B"}, "items": [
        {"name": "A1", "construct": "A", "scale": [1, 5]}, {"name": "A2", "construct": "A", "scale": [1, 5]},
        {"name": "A3", "construct": "A", "scale": [1, 5]}, {"name": "B1", "construct": "B", "scale": [1, 5]}]})


def test_scale_scores_are_item_means_with_gaps_allowed_down_to_min_answered():
    data = pd.DataFrame({"A1": [1.0, 2.0, np.nan, np.nan], "A2": [3.0, np.nan, np.nan, 4.0],
                         "A3": [5.0, 5.0, np.nan, np.nan], "B1": [2.0, 3.0, 4.0, 5.0]}, index=[10, 11, 12, 13])
    scores = cxstats.scale_scores(data, _small_codebook())
    assert list(scores.columns) == ["A", "B"] and list(scores.index) == [10, 11, 12, 13]
    np.testing.assert_allclose(scores["A"].to_numpy(), [3.0, 3.5, np.nan, 4.0])
    np.testing.assert_allclose(scores["B"].to_numpy(), [2.0, 3.0, 4.0, 5.0])
    strict = cxstats.scale_scores(data, _small_codebook(), ["A"], min_answered=2)
    np.testing.assert_allclose(strict["A"].to_numpy(), [3.0, 3.5, np.nan, np.nan])
    sums = cxstats.scale_scores(data, _small_codebook(), ["A"], method="sum")  # gaps: answered mean x 3 items
    np.testing.assert_allclose(sums["A"].to_numpy(), [9.0, 10.5, np.nan, 12.0])


def test_scale_scores_use_the_reverse_coded_items_of_validated_data():
    panel = cxstats.simulate_cx_panel(50, seed=3)
    answers = cxstats.validate(panel.data, panel.codebook)
    scores = cxstats.scale_scores(answers, panel.codebook, ["EMO", "SAT"])
    assert list(scores.columns) == ["EMO", "SAT"]
    raw = panel.data
    expected = (raw["EMO1"] + raw["EMO2"] + raw["EMO3"] + (8 - raw["EMO4"])) / 4  # EMO4 is worded against, 1-7
    np.testing.assert_allclose(scores["EMO"].to_numpy(), expected.to_numpy())


def test_scale_scores_name_an_unknown_construct_absent_items_a_bad_min_answered_and_method():
    data = pd.DataFrame({"A1": [1.0], "A2": [2.0], "A3": [3.0], "B1": [4.0]})
    with pytest.raises(CxStatsError, match=r"no items for construct\(s\) 'C'; its constructs are 'A', 'B'\.$"):
        cxstats.scale_scores(data, _small_codebook(), ["A", "C"])
    with pytest.raises(CxStatsError, match=r"the data lack the item\(s\) 'B1'; pass the data that were validated"):
        cxstats.scale_scores(data.drop(columns="B1"), _small_codebook())
    with pytest.raises(CxStatsError, match=r"min_answered must be a whole number of at least 1, got 0\.$"):
        cxstats.scale_scores(data, _small_codebook(), min_answered=0)
    with pytest.raises(CxStatsError, match=r"min_answered=2 is more than the number of items of 'B'; lower "
                                           r"min_answered\.$"):
        cxstats.scale_scores(data, _small_codebook(), min_answered=2)
    with pytest.raises(CxStatsError, match=r"Argument method must be 'mean' or 'sum', got 'median'\.$"):
        cxstats.scale_scores(data, _small_codebook(), method="median")
    with pytest.raises(TypeError, match=r"^scale_scores needs a codebook: pass it as codebook=\.\.\., or pass a "
                                        r"cxstats\.Survey"):
        cxstats.scale_scores(data)


def test_bootstrap_htmt_shortcut_gives_the_same_numbers_as_the_table_version():
    from cxstats.reliability import _htmt, _htmt_pairs

    survey = cxstats.load_dataset("ecsi_mobile")
    blocks = {c: list(survey.codebook.items_of(c)) for c in ("IMAG", "CUEX", "PERQ", "CUSA")}
    items = [i for block in blocks.values() for i in block]
    rng = np.random.default_rng(4)
    values = survey.data[items].dropna().to_numpy(dtype=float)
    corr = np.corrcoef(values[rng.integers(0, len(values), len(values))], rowvar=False)
    pairs = [("IMAG", "CUEX"), ("IMAG", "CUSA"), ("PERQ", "CUSA")]
    table = _htmt(pd.DataFrame(corr, index=items, columns=items), blocks, geometric=False)
    assert _htmt_pairs(corr, blocks, items, pairs) == pytest.approx([table.loc[a, b] for a, b in pairs], abs=1e-14)


def test_reliability_by_group_is_the_reliability_of_each_groups_rows():
    corp = cxstats.load_dataset("corporate_reputation")
    blocks = {"COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"]}
    by = cxstats.reliability(corp.data, blocks, group="servicetype")
    assert by.table.columns[0] == "group" and by.items.columns[0] == "group"
    assert by.table["group"].tolist() == [1, 1, 2, 2]
    for level, part in corp.data.groupby("servicetype"):
        alone = cxstats.reliability(part, blocks)
        mine = by.table[by.table["group"] == level].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.table)
        items = by.items[by.items["group"] == level].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(items, alone.items)


def test_reliability_by_group_names_the_group_in_errors_and_warnings():
    data = _data("ecsi_mobile").assign(seg=["a"] * 200 + ["b"] * 50)
    with pytest.raises(CxStatsError, match=r"reliability: no group column 'segment' in the data; columns: 'CUEX1'"):
        cxstats.reliability(data, {"CUSA": ["CUSA1", "CUSA2", "CUSA3"]}, group="segment")
    flat = data.assign(K=list(data["CUSA1"].iloc[:200]) + [3] * 50)  # constant in group b only
    with pytest.raises(CxStatsError, match=r"^Group 'b' of 'seg': Construct 'X': item\(s\) 'K' are constant"):
        cxstats.reliability(flat, {"X": ["CUSA1", "CUSA2", "K"]}, group="seg", factor=False)
    flipped = data.assign(CUSA3=11 - data["CUSA3"])
    with pytest.warns(cxstats.ReverseCodingWarning) as caught:
        result = cxstats.reliability(flipped, {"CUSA": ["CUSA1", "CUSA2", "CUSA3"]}, group="seg", factor=False)
    assert [str(w.message).split(":")[0] for w in caught] == ["Construct 'CUSA' in group 'a' of 'seg'",
                                                              "Construct 'CUSA' in group 'b' of 'seg'"]
    assert [problem.split(":")[1].strip() for problem in result.problems] == [
        "Construct 'CUSA' in group 'a' of 'seg'", "Construct 'CUSA' in group 'b' of 'seg'"]


def test_warnings_of_the_one_factor_models_name_the_construct_and_are_problems():
    mobi = cxstats.load_dataset("ecsi_mobile")
    with pytest.warns(cxstats.sem.HeywoodWarning) as caught:
        result = cxstats.reliability(mobi, constructs=["CUSA", "CUSL"])
    messages = [str(w.message) for w in caught if issubclass(w.category, cxstats.CxStatsWarning)]
    assert len(messages) == 1 and messages[0].startswith(
        "Construct 'CUSL', one-factor model: Negative variance estimate(s) for CUSL3 (a Heywood case).")
    assert messages[0].endswith("factor=False gives the item statistics alone.")
    assert result.problems == (f"HeywoodWarning: {messages[0]}",)
    assert "Caution: Construct 'CUSL', one-factor model" in str(result.plain_summary())
    with pytest.warns(cxstats.CxStatsWarning) as caught:  # group b: no convergence, not identified, improper
        by_group = cxstats.reliability(mobi.data.assign(seg=["a"] * 125 + ["b"] * 125), mobi.codebook,
                                       constructs=["CUSL"], group="seg")
    assert by_group.problems == tuple(f"{w.category.__name__}: {w.message}" for w in caught)
    assert {p.split(", one-factor model: ")[0] for p in by_group.problems} == {
        "HeywoodWarning: Construct 'CUSL' in group 'a' of 'seg'", "HeywoodWarning: Construct 'CUSL' in group 'b' of 'seg'",
        "ConvergenceWarning: Construct 'CUSL' in group 'b' of 'seg'",
        "IdentificationWarning: Construct 'CUSL' in group 'b' of 'seg'"}
