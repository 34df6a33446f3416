"""Analyses that accept a :class:`cxstats.Moments` in place of rows: reliability, validity,
driver_regression (OLS), relative_importance, satisfaction_index, nps and top_box. Each
equals the in-memory path on the same rows to 1e-10, and each option that needs the rows
is refused with a message naming it."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import moments

CONSTRUCTS = ("TAN", "REL", "RES", "ASS", "EMP")
BLOCKS = {f: [f"{f}{i}" for i in (1, 2, 3)] for f in CONSTRUCTS}
ITEMS = [i for block in BLOCKS.values() for i in block]
DRIVERS = ["TAN1", "REL1", "RES1", "ASS1", "EMP1"]


@cache
def panel() -> pd.DataFrame:
    return cxstats.simulate_cx_panel(250, seed=7).data


@cache
def panel_moments() -> cxstats.Moments:
    return moments(panel(), [*ITEMS, "SAT1", "SAT2", "SAT3", "LOY1"], group="country", counts=["REC", "SAT1"])


def same_numbers(a: pd.DataFrame, b: pd.DataFrame, tol: float = 1e-10) -> None:
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    numeric = [c for c in a.select_dtypes("number").columns if a[c].dtype != bool]
    other = [c for c in a.columns if c not in numeric]
    assert a[other].astype(str).reset_index(drop=True).equals(b[other].astype(str).reset_index(drop=True))
    x, y = a[numeric].to_numpy(dtype=float), b[numeric].to_numpy(dtype=float)
    assert np.array_equal(np.isnan(x), np.isnan(y))
    assert np.allclose(x, y, rtol=tol, atol=tol, equal_nan=True)


# --------------------------------------------------------------------------- reliability, validity
@pytest.mark.parametrize("group", [None, "country"])
def test_reliability_from_moments_equals_the_rows(group):
    raw = cxstats.reliability(panel(), BLOCKS, group=group)
    mom = cxstats.reliability(panel_moments(), BLOCKS, group=group)
    same_numbers(raw.table, mom.table)
    same_numbers(raw.items, mom.items)
    assert raw.problems == mom.problems


def test_reliability_without_a_factor_model_and_with_two_items():
    blocks = {"TAN": ["TAN1", "TAN2"], "REL": BLOCKS["REL"]}
    raw = cxstats.reliability(panel(), blocks, factor=False)
    mom = cxstats.reliability(panel_moments(), blocks, factor=False)
    same_numbers(raw.table, mom.table)
    same_numbers(raw.items, mom.items)


def test_reliability_from_moments_warns_of_a_reverse_coded_item():
    data = panel().assign(REL2=lambda d: 8 - d["REL2"])
    m = moments(data, BLOCKS["REL"])
    with pytest.warns(cxstats.ReverseCodingWarning, match=r"Construct 'REL': item\(s\) .*'REL2' \(r = -0\.8"):
        result = cxstats.reliability(m, {"REL": BLOCKS["REL"]}, factor=False)
    with pytest.warns(cxstats.ReverseCodingWarning):
        assert result.problems == cxstats.reliability(data, {"REL": BLOCKS["REL"]}, factor=False).problems


def test_validity_from_moments_equals_the_rows():
    raw = cxstats.validity(panel(), BLOCKS)
    mom = cxstats.validity(panel_moments(), BLOCKS)
    for name in ("table", "htmt_ci"):
        same_numbers(getattr(raw, name), getattr(mom, name))
    for name in ("latent_correlations", "fornell_larcker", "htmt", "htmt2"):
        same_numbers(getattr(raw, name).reset_index(), getattr(mom, name).reset_index())
    assert mom.model.nobs == raw.model.nobs == len(panel())


def test_reliability_and_validity_errors_from_moments():
    m = panel_moments()
    with pytest.raises(cxstats.CxStatsError, match=r"validity: bootstrap=100 \(HTMT intervals from resampled "
                                                   r"respondents\) needs the rows \(one per respondent\), but a "
                                                   r"cxstats\.Moments holds only counts, means and cross-products\. "
                                                   r"Pass the data for HTMT intervals, or use bootstrap=0\."):
        cxstats.validity(m, BLOCKS, bootstrap=100)
    with pytest.raises(cxstats.CxStatsError, match=r"reliability: the Moments have no item 'VAL1'; they were computed "
                                                   r"over 'TAN1', .* Compute them with cxstats\.moments\(source, "
                                                   r"items=\[\.\.\.\]\) including 'VAL1'\."):
        cxstats.reliability(m, {"VAL": ["VAL1", "SAT1", "SAT2"]})
    with pytest.raises(cxstats.CxStatsError, match=r"reliability: group='segment' does not match the Moments' group "
                                                   r"column 'country'\. Pass group='country', or compute the moments "
                                                   r"with group='segment'\."):
        cxstats.reliability(m, BLOCKS, group="segment")
    with pytest.raises(cxstats.CxStatsError, match=r"Construct 'TAN' has 1 item\(s\); alpha needs at least 2\."):
        cxstats.reliability(m, {"TAN": ["TAN1"]})
    constant = moments(panel().assign(TAN3=4.0), BLOCKS["TAN"])
    with pytest.raises(cxstats.CxStatsError, match=r"Construct 'TAN': item\(s\) 'TAN3' are constant in the complete "
                                                   r"rows; a constant item has no reliability\. Drop it"):
        cxstats.reliability(constant, {"TAN": BLOCKS["TAN"]})
    tiny = moments(panel().iloc[:2], BLOCKS["TAN"])
    with pytest.raises(cxstats.CxStatsError, match=r"Construct 'TAN' has 2 complete rows; at least 3 are needed\."):
        cxstats.reliability(tiny, {"TAN": BLOCKS["TAN"]})


# --------------------------------------------------------------------------- drivers
def test_driver_regression_from_moments_equals_ols_on_the_rows():
    raw = cxstats.driver_regression(panel(), "SAT1", DRIVERS)
    mom = cxstats.driver_regression(panel_moments(), "SAT1", DRIVERS)
    same_numbers(raw.table, mom.table)
    for name in ("nobs", "r2", "adj_r2", "condition_number"):
        assert getattr(mom, name) == pytest.approx(getattr(raw, name), rel=1e-10, abs=1e-10)
    assert (mom.family, mom.se_type, mom.outcome) == ("gaussian", "classical", "SAT1")
    narrow = cxstats.driver_regression(panel_moments(), "SAT1", DRIVERS, ci_level=0.8)
    same_numbers(cxstats.driver_regression(panel(), "SAT1", DRIVERS, ci_level=0.8).table, narrow.table)


def test_driver_regression_from_moments_warns_of_collinearity():
    noise = np.random.default_rng(1).normal(0, 0.1, len(panel()))
    data = panel().assign(TAN2=lambda d: d["TAN1"] + noise)
    m = moments(data, ["SAT1", "TAN1", "TAN2", "TAN3"])
    with pytest.warns(cxstats.CollinearityWarning) as caught:
        mom = cxstats.driver_regression(m, "SAT1", ["TAN1", "TAN2", "TAN3"])
    assert any("variance inflation above 10 for TAN1" in str(w.message) for w in caught)
    with pytest.warns(cxstats.CollinearityWarning):
        raw = cxstats.driver_regression(data, "SAT1", ["TAN1", "TAN2", "TAN3"])
    assert mom.problems == raw.problems
    same_numbers(raw.table, mom.table, tol=1e-9)


def test_relative_importance_from_moments_equals_the_rows():
    for method in ("exact", "sampled"):
        raw = cxstats.relative_importance(panel(), "SAT1", DRIVERS, method=method, seed=3)
        mom = cxstats.relative_importance(panel_moments(), "SAT1", DRIVERS, method=method, seed=3)
        same_numbers(raw.table, mom.table)
        assert mom.r2 == pytest.approx(raw.r2, rel=1e-12) and mom.nobs == raw.nobs


@pytest.mark.parametrize("call, message", [
    (lambda m: cxstats.driver_regression(m, "SAT1", DRIVERS, se="HC3"),
     r"driver_regression: se='HC3' \(each row's residual enters a heteroskedasticity-consistent SE\) needs the rows "
     r"\(one per respondent\), but a cxstats\.Moments holds only counts, means and cross-products\. Pass the data, "
     r"or use se='classical'\."),
    (lambda m: cxstats.driver_regression(m, "SAT1", DRIVERS, family="binomial"),
     r"driver_regression: family='binomial' needs the rows .* use family='gaussian' \(OLS\), which needs only means "
     r"and cross-products\."),
    (lambda m: cxstats.driver_regression(m, "SAT1", DRIVERS, family="ordinal"), r"family='ordinal' needs the rows"),
    (lambda m: cxstats.relative_importance(m, "SAT1", DRIVERS, bootstrap=200),
     r"relative_importance: bootstrap=200 \(resampling respondents\) needs the rows .* Pass the data for bootstrap "
     r"intervals, or use bootstrap=0\."),
    (lambda m: cxstats.driver_regression(m, "SAT1", ["TAN1", "VAL1"]),
     r"driver_regression: the Moments have no column 'VAL1'; they were computed over"),
    (lambda m: cxstats.relative_importance(m, "SAT1", ["TAN1", "TAN1"]),
     r"relative_importance: driver\(s\) 'TAN1' are named more than once; name each once\."),
    (lambda m: cxstats.driver_regression(m, "SAT1", ["SAT1", "TAN1"]), r"'SAT1' is both the outcome and a driver\."),
])
def test_what_drivers_from_moments_cannot_do(call, message):
    with pytest.raises(cxstats.CxStatsError, match=message):
        call(panel_moments())


def test_a_driver_that_is_a_combination_of_others_is_named_from_moments():
    data = panel().assign(TOTAL=lambda d: d["TAN1"] + d["REL1"])
    m = moments(data, ["SAT1", "TAN1", "REL1", "TOTAL"])
    message = (r"Driver 'TAN1' is a linear combination of 'REL1', 'TOTAL' \(plus a constant\); their separate "
               r"effects cannot be estimated\.")
    with pytest.raises(cxstats.CxStatsError, match=message):
        cxstats.driver_regression(m, "SAT1", ["TAN1", "REL1", "TOTAL"])
    with pytest.raises(cxstats.CxStatsError, match=message):
        cxstats.driver_regression(data, "SAT1", ["TAN1", "REL1", "TOTAL"])
    flat = moments(panel().assign(FLAT=3.0), ["SAT1", "TAN1", "FLAT"])
    with pytest.raises(cxstats.CxStatsError, match=r"Driver\(s\) 'FLAT' do not vary in the complete rows; drop them\."):
        cxstats.relative_importance(flat, "SAT1", ["TAN1", "FLAT"])
    few = moments(panel().iloc[:4], ["SAT1", *DRIVERS])
    with pytest.raises(cxstats.CxStatsError, match=r"4 complete rows are too few for 5 drivers; at least 7 are "
                                                   r"needed\."):
        cxstats.driver_regression(few, "SAT1", DRIVERS)


# --------------------------------------------------------------------------- index, NPS, top-box
SAT = ["SAT1", "SAT2", "SAT3"]


@pytest.mark.parametrize("group", [None, "country"])
def test_satisfaction_index_from_moments_equals_the_rows(group):
    for weights in (None, {"SAT1": 1.0, "SAT2": 2.0, "SAT3": 0.5}):
        raw = cxstats.satisfaction_index(panel(), SAT, scale=(1, 7), weights=weights, group=group, ci_level=0.9)
        mom = cxstats.satisfaction_index(panel_moments(), SAT, scale=(1, 7), weights=weights, group=group,
                                         ci_level=0.9)
        same_numbers(raw.table, mom.table)
        assert np.allclose(raw.weights, mom.weights, rtol=1e-14)
        assert mom.scores.empty and mom.scale == raw.scale == (1.0, 7.0)


def test_satisfaction_index_from_moments_weighted_by_a_model():
    fit = cxstats.sem.fit("SAT =~ SAT1 + SAT2 + SAT3", panel_moments())
    raw = cxstats.satisfaction_index(panel(), SAT, scale=(1, 7), weights=fit, group="country")
    mom = cxstats.satisfaction_index(panel_moments(), SAT, scale=(1, 7), weights=fit, group="country")
    same_numbers(raw.table, mom.table)


def test_satisfaction_index_from_moments_warns_of_a_tiny_group():
    data = pd.concat([panel(), panel().iloc[:1].assign(country="LU")])
    m = moments(data, SAT, group="country")
    with pytest.warns(cxstats.SmallGroupWarning, match=r"group\(s\) 'LU' \(n = 1\) of 'country' have fewer than 2"):
        mom = cxstats.satisfaction_index(m, SAT, scale=(1, 7), group="country", min_base=1)
    with pytest.warns(cxstats.SmallGroupWarning):
        raw = cxstats.satisfaction_index(data, SAT, scale=(1, 7), group="country", min_base=1)
    same_numbers(raw.table, mom.table)
    assert mom.problems == raw.problems


def test_satisfaction_index_errors_from_moments():
    m = panel_moments()
    with pytest.raises(cxstats.CxStatsError, match=r"satisfaction_index: the mean of 'SAT1', 'SAT2', 'SAT3' in group "
                                                   r"'.*' lies outside the 5-10 scale; recode the answers or pass the "
                                                   r"right scale=\."):
        cxstats.satisfaction_index(m, SAT, scale=(5, 10), group="country")
    with pytest.raises(cxstats.CxStatsError, match=r"satisfaction_index: the Moments have no item 'VAL1'"):
        cxstats.satisfaction_index(m, ["SAT1", "VAL1"], scale=(1, 7))
    with pytest.raises(cxstats.CxStatsError, match=r"satisfaction_index: group='segment' does not match"):
        cxstats.satisfaction_index(m, SAT, scale=(1, 7), group="segment")
    one = moments(panel().iloc[:1], SAT)
    with pytest.raises(cxstats.CxStatsError, match=r"satisfaction_index: only 1 respondent\(s\) answered every one of "
                                                   r"'SAT1', 'SAT2', 'SAT3'; an index with an interval needs at least "
                                                   r"2\."):
        cxstats.satisfaction_index(one, SAT, scale=(1, 7), min_base=1)


@pytest.mark.parametrize("ci", ["normal", "bootstrap"])
@pytest.mark.parametrize("group", [None, "country"])
def test_nps_from_counts_equals_the_rows(ci, group):
    uneven = panel().iloc[60:]  # one country below the base of 220
    m = moments(uneven, SAT, group="country", counts=["REC"])
    raw = cxstats.nps(uneven, "REC", group=group, ci=ci, seed=5, min_base=220)
    mom = cxstats.nps(m, "REC", group=group, ci=ci, seed=5, min_base=220)
    same_numbers(raw.table, mom.table)
    assert mom.table["suppressed"].tolist() == raw.table["suppressed"].tolist()
    assert mom.table["suppressed"].any() == (group is not None)


def test_nps_counts_every_answer_whatever_the_items():
    data = panel().copy()
    data.loc[data.index[:40], "SAT2"] = np.nan  # incomplete items: left out of the means, not of the counts
    m = moments(data, SAT, group="country", counts=["REC"])
    same_numbers(cxstats.nps(data, "REC", group="country").table, cxstats.nps(m, "REC", group="country").table)


@pytest.mark.parametrize("group", [None, "country"])
def test_top_box_from_counts_equals_the_rows(group):
    uneven = panel().iloc[60:]
    m = moments(uneven, SAT, group="country", counts=SAT)
    for boxes in (1, 2):
        raw = cxstats.top_box(uneven, SAT, scale=(1, 7), boxes=boxes, group=group, min_base=220)
        mom = cxstats.top_box(m, SAT, scale=(1, 7), boxes=boxes, group=group, min_base=220)
        same_numbers(raw, mom)
        assert mom["suppressed"].any() == (group is not None)


def test_nps_and_top_box_errors_from_counts():
    m = panel_moments()
    with pytest.raises(cxstats.CxStatsError, match=r"nps: the Moments hold no counts of 'LOY1' \(kept: 'REC', "
                                                   r"'SAT1'\)\. Compute them with cxstats\.moments\(source, items, "
                                                   r"counts=\['LOY1'\]\)\."):
        cxstats.nps(m, "LOY1")
    with pytest.raises(cxstats.CxStatsError, match=r"top_box: the Moments hold no counts of 'SAT2'"):
        cxstats.top_box(m, SAT, scale=(1, 7))
    with pytest.raises(cxstats.CxStatsError, match=r"nps: group='segment' does not match the Moments' group column "
                                                   r"'country'"):
        cxstats.nps(m, "REC", group="segment")
    bad = panel().assign(REC=lambda d: d["REC"].where(d.index != d.index[0], 11))
    with pytest.raises(cxstats.CxStatsError, match=r"NPS answers in 'REC' must be whole numbers from 0 to 10; the "
                                                   r"Moments count 11\. Recode them or set them to missing, then "
                                                   r"compute the moments again\."):
        cxstats.nps(moments(bad, SAT, counts=["REC"]), "REC")
    with pytest.raises(cxstats.CxStatsError, match=r"top_box: column 'SAT1' has values outside the declared scale 1-5 "
                                                   r"\(the Moments count 6, 7\)\. Pass the true scale"):
        cxstats.top_box(m, ["SAT1"], scale=(1, 5))
    halves = moments(panel().assign(SAT1=lambda d: d["SAT1"] - 0.5), SAT, counts=["SAT1"])
    with pytest.raises(cxstats.CxStatsError, match=r"top_box: item 'SAT1' has fractional values on the 0-7 scale "
                                                   r"\(the Moments count 0\.5, .*\); top-box counts whole scale "
                                                   r"points\."):
        cxstats.top_box(halves, ["SAT1"], scale=(0, 7))
    text = moments(panel().assign(GRADE=lambda d: np.where(d["SAT1"] > 4, "high", "low")), SAT, counts=["GRADE"])
    with pytest.raises(cxstats.CxStatsError, match=r"top_box: the Moments count non-numeric values of 'GRADE' "
                                                   r"\('high', 'low'\); recode them to numbers\."):
        cxstats.top_box(text, ["GRADE"], scale=(1, 7))
