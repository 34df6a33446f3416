"""Multigroup models against lavaan 0.6.14 (tests/reference/lavaan_invariance.R): the
Holzinger-Swineford CFA by school from configural to strict invariance, a partial scalar
model and a multigroup structural model with per-group labels and a defined difference."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest

import cxstats.sem as sem

from conftest import REFERENCE, reference, reference_data

CASE = "lavaan_invariance"
LEVELS = {
    "configural_ml": (),
    "metric_ml": ("loadings",),
    "scalar_ml": ("loadings", "intercepts"),
    "strict_ml": ("loadings", "intercepts", "residuals"),
}
MEASURES = ["npar", "df", "baseline.df"]
CLOSE = ["chisq", "baseline.chisq", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
         "srmr", "aic", "bic", "logl", "unrestricted.logl", "pvalue"]


@cache
def invariance_json() -> dict:
    return json.loads((REFERENCE / f"{CASE}.json").read_text())


@cache
def _fit(name: str) -> sem.SEMResult:
    ref = reference(CASE, name)
    options = ref["options"]
    equal = options["group.equal"]
    equal = (equal,) if isinstance(equal, str) else tuple(equal)
    partial = options["group.partial"]
    partial = (partial,) if isinstance(partial, str) else tuple(partial)
    return sem.fit(ref["model"], reference_data(CASE, name), group="school", group_equal=equal, group_partial=partial)


def _joined(name: str) -> pd.DataFrame:
    ref = reference(CASE, name)
    lav = pd.DataFrame(ref["parameters"])
    lav = lav[lav["op"] != "=="].copy()
    labels = dict(enumerate(ref["group_labels"], start=1))
    lav["group"] = [labels.get(g) if op != ":=" else None for g, op in zip(lav["group"], lav["op"], strict=True)]
    lav["rhs"] = lav["rhs"].fillna("").str.replace(" ", "")
    ours = _fit(name).table.copy()
    ours["rhs"] = ours["rhs"].str.replace(" ", "")
    key = ["lhs", "op", "rhs", "group"]
    joined = ours.merge(lav, on=key, how="outer", indicator=True, suffixes=("", "_lav"))
    assert (joined["_merge"] == "both").all(), joined.loc[joined["_merge"] != "both", key + ["_merge"]]
    return joined


@pytest.mark.parametrize("name", [*LEVELS, "partial_scalar_ml", "sem_scalar", "sem_regressions_labelled",
                                  "sem_all_regressions_equal"])
def test_estimates_ses_and_standardized_match_lavaan(name):
    joined = _joined(name)
    assert np.allclose(joined["estimate"], joined["est"], atol=1e-4, rtol=0)
    assert np.allclose(joined["se"], joined["se_lav"], rtol=1e-3, atol=1e-6)
    assert np.allclose(joined["std_all"], joined["std.all"], atol=1e-4, rtol=0)
    assert np.allclose(joined["std_lv"], joined["std.lv"], atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", [*LEVELS, "partial_scalar_ml", "sem_scalar", "sem_regressions_labelled",
                                  "sem_all_regressions_equal"])
def test_fit_measures_match_lavaan(name):
    ours, lav = _fit(name).fit_measures, reference(CASE, name)["fit_measures"]
    for key in MEASURES:
        assert ours[key] == lav[key], key
    assert ours["chisq"] == pytest.approx(lav["chisq"], rel=1e-6)
    for key in CLOSE:
        assert ours[key] == pytest.approx(lav[key], rel=1e-4, abs=1e-6), key


def test_group_order_and_sizes_follow_lavaan():
    result = _fit("configural_ml")
    ref = reference(CASE, "configural_ml")
    assert list(result.groups) == ref["group_labels"] == ["Pasteur", "Grant-White"]
    assert list(result.group_nobs) == list(ref["nobs"])
    assert set(result.table["group"].dropna()) == {"Pasteur", "Grant-White"}


def test_latent_means_are_fixed_in_the_first_group_and_free_once_intercepts_are_equal():
    table = _fit("scalar_ml").table
    means = table[(table["op"] == "~1") & table["lhs"].isin(["visual", "textual", "speed"])]
    first, second = means[means["group"] == "Pasteur"], means[means["group"] == "Grant-White"]
    assert (~first["free"]).all() and (first["estimate"] == 0).all()
    assert second["free"].all()
    ref = invariance_json()["latent_means_scalar"]["ml"]["means"]
    for _, row in second.iterrows():
        assert row["estimate"] == pytest.approx(ref[row["lhs"]]["est"], abs=1e-4)
        assert row["se"] == pytest.approx(ref[row["lhs"]]["se"], rel=1e-3)
    configural = _fit("configural_ml").table
    assert (configural.loc[(configural["op"] == "~1") & configural["lhs"].isin(["visual"]), "estimate"] == 0).all()


def test_per_group_labels_and_the_defined_difference():
    table = _fit("sem_scalar").table
    b = table[table["label"].isin(["b1", "b2"])].set_index("label")
    assert b.loc["b1", "group"] == "Pasteur" and b.loc["b2", "group"] == "Grant-White"
    diff = table[table["op"] == ":="].iloc[0]
    assert diff["estimate"] == pytest.approx(b.loc["b1", "estimate"] - b.loc["b2", "estimate"], abs=1e-12)
    wald = reference(CASE, "sem_scalar")["wald_b1_eq_b2"]
    assert (diff["estimate"] / diff["se"]) ** 2 == pytest.approx(wald["stat"], rel=1e-3)


def test_the_r2_of_every_group():
    result = _fit("configural_ml")
    assert list(result.r2.index.names) == ["group", "variable"]
    assert set(result.r2.index.get_level_values("group")) == {"Pasteur", "Grant-White"}
    assert ((result.r2 > 0) & (result.r2 < 1)).all()


def test_group_labels_select_and_order_the_groups(hs):
    result = sem.fit("visual =~ x1 + x2 + x3", hs, group="school", group_labels=["Grant-White", "Pasteur"])
    assert result.groups == ("Grant-White", "Pasteur")
    reordered = result.fit_measures["chisq"]
    default = sem.fit("visual =~ x1 + x2 + x3", hs, group="school").fit_measures["chisq"]
    assert reordered == pytest.approx(default, rel=1e-8)


def test_rows_without_a_group_value_are_dropped_and_counted(hs):
    data = hs.copy()
    data.loc[data.index[:5], "school"] = np.nan
    result = sem.fit("visual =~ x1 + x2 + x3", data, group="school")
    assert result.nobs == len(hs) - 5 and result.n_dropped == 5


def test_bootstrap_resamples_within_groups(hs):
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    result = sem.fit(model, hs, group="school", group_equal=["loadings"], se="bootstrap", bootstrap=200, seed=3,
                     progress=False)
    standard = sem.fit(model, hs, group="school", group_equal=["loadings"])
    boot, normal = result.table, standard.table
    free = boot["free"].to_numpy()
    ratio = boot.loc[free, "se"].to_numpy() / normal.loc[free, "se"].to_numpy()
    assert result.bootstrap_draws + result.bootstrap_failed == 200
    # the HS items are not normal: bootstrap SEs run above the normal-theory ones, as robust SEs do
    assert 0.9 < np.median(ratio) < 1.3 and np.all((ratio > 0.6) & (ratio < 2.0)), ratio
    again = sem.fit(model, hs, group="school", group_equal=["loadings"], se="bootstrap", bootstrap=200, seed=3,
                    progress=False)
    assert np.array_equal(again.table["se"].to_numpy(), boot["se"].to_numpy())


def test_per_group_views_of_a_multigroup_result(hs):
    import matplotlib

    matplotlib.use("Agg")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ visual + textual"
    result = sem.fit(model, hs, group="school", group_equal=["loadings"])
    first, second = result.effects(), result.effects(group="Grant-White")
    assert first.loc[0, "total"] != pytest.approx(second.loc[0, "total"])
    table = result.table
    std = table[(table["op"] == "~") & (table["rhs"] == "visual")].set_index("group")["std_all"]
    assert second.set_index("predictor").loc["visual", "total"] == pytest.approx(std["Grant-White"], abs=1e-10)
    text = str(result.plain_summary("speed", group="Grant-White"))
    assert "In the group school = Grant-White" in text
    assert "Grant-White" in result.summary() and "group" in result._repr_html_()
    figure = result.plot(group="Grant-White")
    assert figure is not None
    with pytest.raises(ValueError, match=r"group='Paris' is not one of the model's groups: Pasteur, Grant-White"):
        result.effects(group="Paris")
