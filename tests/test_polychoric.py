"""cxstats.polychoric and ordinal alpha against lavaan 0.6.14 and psych (tests/reference/lavaan_polychoric.R)."""

from __future__ import annotations

import re

import json
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats._figures import ReportFigure

REFERENCE = Path(__file__).resolve().parent / "reference"


@lru_cache(maxsize=None)
def reference() -> dict:
    return json.loads((REFERENCE / "lavaan_polychoric.json").read_text())


def bfi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "bfi_items.csv")


def hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "hs_ordinal.csv")


def _pairs(names):
    return [(i, j) for j in range(len(names)) for i in range(j + 1, len(names))]


@pytest.mark.parametrize("key, missing", [("bfi_complete", "listwise"), ("bfi_pairwise", "pairwise")])
def test_table_matches_lavaan_estimates_and_standard_errors(key, missing):
    case = reference()["cases"][key]
    data = bfi().dropna() if missing == "listwise" else bfi()
    result = cxstats.polychoric(data, case["names"], missing=missing)
    names = case["names"]
    cov = np.array(case["cov"]["values"])
    gamma = np.array(case["gamma"])
    offset = len(case["wls_obs"]) - len(_pairs(names))
    assert list(zip(result.table.item1, result.table.item2)) == [(names[j], names[i]) for i, j in _pairs(names)]
    np.testing.assert_allclose(result.table.estimate, [cov[i, j] for i, j in _pairs(names)], atol=1e-6, rtol=0)
    np.testing.assert_allclose(result.table.se, np.sqrt(np.diag(gamma)[offset:] / case["nobs"]), rtol=1e-6)
    assert (result.table.type == "polychoric").all() and result.table.converged.all()
    np.testing.assert_allclose(result.matrix.to_numpy(), cov, atol=1e-6, rtol=0)
    labels = [f"{item}|{t}" for item, t in zip(result.thresholds.item, result.thresholds.threshold)]
    assert labels == case["th_names"]
    np.testing.assert_allclose(result.thresholds.estimate, [case["th"][name] for name in labels], atol=1e-6, rtol=0)
    np.testing.assert_allclose(result.thresholds.se, np.sqrt(np.diag(gamma)[:offset] / case["nobs"]), rtol=1e-6)
    assert result.nobs[None] == case["nobs"]


def test_pairwise_counts_and_interval():
    data = bfi()
    result = cxstats.polychoric(data, ["A1", "C5"], missing="pairwise", ci_level=0.9)
    row = result.table.iloc[0]
    assert row.n == int((data.A1.notna() & data.C5.notna()).sum())
    assert row.ci_low == pytest.approx(row.estimate - 1.6448536269514722 * row.se, abs=1e-12)


def test_polyserial_pairs_are_typed_and_match_lavaan():
    case = reference()["cases"]["hs_mixed"]
    data = hs().assign(x7=hs().x7_raw)
    result = cxstats.polychoric(data, ["x1", "x2", "x7"], ordered=["x1", "x2"])
    assert list(result.table.type) == ["polychoric", "polyserial", "polyserial"]
    cov = np.array(case["cov"]["values"])
    sd7 = np.sqrt(cov[6, 6])
    np.testing.assert_allclose(result.matrix.loc["x7", "x1"], cov[6, 0] / sd7, atol=1e-6)


def test_groups_give_a_matrix_each():
    data = hs().assign(half=np.where(np.arange(301) % 2 == 0, "even", "odd"))
    result = cxstats.polychoric(data, ["x1", "x2", "x3"], group="half")
    assert list(result.matrices) == ["even", "odd"]
    assert list(result.table.columns[:3]) == ["group", "item1", "item2"]
    with pytest.raises(cxstats.CxStatsError, match=r"one matrix per group \(even, odd\); use .matrices\[group\]"):
        result.matrix
    with pytest.raises(cxstats.CxStatsError, match=r"pass group= one of 'even', 'odd'"):
        result.plot()
    assert isinstance(result.plot(group="odd"), ReportFigure)


def test_heat_map_uses_codebook_labels_without_pyplot():
    before = plt.get_fignums()
    result = cxstats.polychoric(hs(), ["x1", "x2", "x3"])
    fig = result.plot(labels={"x1": "Visual perception", "x2": "Cubes"})
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["Visual perception", "Cubes", "x3"]
    cells = {t.get_text() for t in fig.axes[0].texts}
    assert f"{result.matrix.loc['x1', 'x2']:.2f}".replace("0.", ".", 1) in cells
    assert plt.get_fignums() == before


def test_non_convergence_is_a_result_field_and_a_problem(monkeypatch):
    import functools

    import cxstats.ordinal as module

    monkeypatch.setattr(module, "ordinal_moments", functools.partial(module.ordinal_moments, max_iter=1))
    with pytest.warns(cxstats.PolychoricConvergenceWarning, match=r"'x1 ~~ x2'.* did not converge"):
        result = cxstats.polychoric(hs(), ["x1", "x2"])
    assert result.not_converged == (("x1", "x2"),)
    assert not result.table.converged.iloc[0]
    assert result.problems == ("PolychoricConvergenceWarning: the correlation of x1 ~~ x2 did not converge.",)


def test_single_category_error_reaches_the_user():
    data = hs().assign(x3=2)
    with pytest.raises(cxstats.OrdinalDataError, match=r"Ordered item 'x3' has only the value 2"):
        cxstats.polychoric(data, ["x1", "x3"])


# --- ordinal alpha --------------------------------------------------------------------------

def test_ordinal_alpha_formula_matches_psych_on_psychs_matrix():
    from cxstats.reliability import _alpha

    for key in ("bfi_C", "hs_x4_x6"):
        ref = reference()["alpha"][key]
        assert _alpha(np.array(ref["rho"])) == pytest.approx(ref["alpha"], abs=1e-10)


def test_ordinal_alpha_matches_alpha_of_lavaans_polychorics():
    case = reference()["cases"]["bfi_complete"]
    names = case["names"]
    cov = np.array(case["cov"]["values"])
    idx = [names.index(c) for c in ("C1", "C2", "C3")]
    r = cov[np.ix_(idx, idx)]
    expected = 3 / 2 * (1 - 3 / r.sum())
    result = cxstats.reliability(bfi().dropna(), {"C": ["C1", "C2", "C3"]}, ordinal=True, factor=False)
    assert result.table.alpha_ordinal.iloc[0] == pytest.approx(expected, abs=1e-6)
    # psych's polychorics add 0.5 to empty cells and stop earlier: within 1e-3
    assert result.table.alpha_ordinal.iloc[0] == pytest.approx(reference()["alpha"]["bfi_C"]["alpha"], abs=1e-3)
    assert result.table.alpha_ordinal.iloc[0] > result.table.alpha.iloc[0]


def test_ordinal_alpha_on_cut_items_close_to_psych():
    result = cxstats.reliability(hs(), {"textual": ["x4", "x5", "x6"]}, ordinal=True, factor=False)
    assert result.table.alpha_ordinal.iloc[0] == pytest.approx(reference()["alpha"]["hs_x4_x6"]["alpha"], abs=1e-3)


def test_ordinal_alpha_names_the_construct_of_a_bad_item():
    data = hs().assign(x6=hs().x7_raw)
    with pytest.raises(cxstats.OrdinalDataError, match=r"Construct 'textual': .*'x6' .*non-integer"):
        cxstats.reliability(data, {"textual": ["x4", "x5", "x6"]}, ordinal=True, factor=False)


def test_reliability_without_ordinal_has_no_ordinal_column():
    result = cxstats.reliability(hs(), {"textual": ["x4", "x5", "x6"]}, factor=False)
    assert "alpha_ordinal" not in result.table.columns


def test_correlation_near_one_is_a_result_field_and_a_problem():
    with pytest.warns(cxstats.CorrelationNearOneWarning, match=r"'b1 ~~ b4' is \(nearly\) 1"):
        result = cxstats.polychoric(hs(), ["b1", "b4"])
    assert result.near_one == (("b1", "b4"),)
    assert result.problems == ("CorrelationNearOneWarning: the correlation of b1 ~~ b4 is (nearly) 1.",)
    assert result.table.empty_cells.iloc[0] == 1


@pytest.mark.parametrize("key, data, block", [
    ("bfi_A", "bfi", ["A2", "A3", "A4", "A5"]),
    ("bfi_C", "bfi", ["C1", "C2", "C3"]),
    ("hs_x1_x3", "hs", ["x1", "x2", "x3"]),
])
def test_categorical_omega_matches_semtools_comprelsem(key, data, block):
    from cxstats.reliability import _dwls_one_factor
    from cxstats.sem.ordinal_moments import ordinal_moments

    ref = reference()["omega"][key]
    frame = bfi().dropna() if data == "bfi" else hs()
    result = cxstats.reliability(frame, {"F": block}, ordinal=True)
    assert result.table.omega_ordinal.iloc[0] == pytest.approx(ref["omega"], abs=1e-6)
    m = ordinal_moments(frame, block, True, nacov=False)
    np.testing.assert_allclose(_dwls_one_factor(m.cor, m.cor_se), ref["loadings"], atol=1e-6)


def test_categorical_omega_needs_the_factor_model():
    result = cxstats.reliability(hs(), {"F": ["x1", "x2", "x3"]}, ordinal=True, factor=False)
    assert np.isnan(result.table.omega_ordinal.iloc[0])
    assert not np.isnan(result.table.alpha_ordinal.iloc[0])


def test_categorical_omega_with_a_loading_above_one_warns_and_is_missing():
    from cxstats.sem import HeywoodWarning

    rng = np.random.default_rng(3)
    z2, z3 = rng.standard_normal((2, 800))
    z1 = (z2 + z3) / np.sqrt(2) + 0.1 * rng.standard_normal(800)
    cut = lambda z: np.searchsorted([-0.8, 0.0, 0.8], z) + 1  # noqa: E731
    data = pd.DataFrame({"q1": cut(z1), "q2": cut(z2), "q3": cut(z3)})
    with pytest.warns(cxstats.CxStatsWarning) as caught:  # the continuous one-factor model fails here too
        result = cxstats.reliability(data, {"F": ["q1", "q2", "q3"]}, ordinal=True)
    ordinal_heywood = r"Construct 'F': .*loading of 1 or more \(q1 \d+\.\d\d.*omega_ordinal is missing"
    assert any(issubclass(w.category, HeywoodWarning) and re.search(ordinal_heywood, str(w.message)) for w in caught)
    assert np.isnan(result.table.omega_ordinal.iloc[0])
    assert any(p.startswith("HeywoodWarning: Construct 'F'") for p in result.problems)


def test_plain_summary_names_the_strongest_and_weakest_pairs_in_words():
    data = bfi()
    result = cxstats.polychoric(data, ["A1", "A2", "A3"], missing="pairwise")
    text = str(result.plain_summary(labels={"A2": "Inquire about others' well-being"}))
    top = result.table.loc[result.table.estimate.abs().idxmax()]
    assert text.startswith("- The answers that go together most strongly are those to ")
    assert f"{top.estimate:.2f}" in text and "Inquire about others' well-being" in text
    assert f"n = {int(top.n):,d}" in text
    assert "2 of 3 pairs go clearly in opposite directions" in text  # A1 is reverse-worded
    grouped = cxstats.polychoric(hs().assign(g=np.arange(301) % 2), ["x1", "x2"], group="g")
    assert str(grouped.plain_summary()).startswith("- In group 0: the answers")
