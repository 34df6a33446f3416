"""Ordinal sample statistics against lavaan 0.6.14 (tests/reference/lavaan_polychoric.R).

Four cases: psych's ``bfi`` (10 six-point items, complete cases and pairwise with the missing
answers), Holzinger-Swineford x1-x9 cut at their quartiles, and x1-x6 cut with x7-x9
continuous (polyserial and Pearson pairs). Thresholds, correlations and ``wls.obs`` at 1e-6,
``gamma`` (NACOV) and the DWLS weights at 1e-6 relative.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import ndtr
from scipy.stats import norm

from cxstats.sem._bvn import bvn_cdf, bvn_pdf
from cxstats.sem.ordinal_moments import (
    CorrelationNearOneWarning,
    OrdinalDataError,
    PolychoricConvergenceWarning,
    ordinal_moments,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@lru_cache(maxsize=None)
def reference() -> dict:
    return json.loads((REFERENCE / "lavaan_polychoric.json").read_text())


@lru_cache(maxsize=None)
def bfi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "bfi_items.csv")


@lru_cache(maxsize=None)
def hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "hs_ordinal.csv")


def case_data(key: str) -> tuple[pd.DataFrame, str]:
    if key == "bfi_complete":
        return bfi().dropna(), "listwise"
    if key == "bfi_pairwise":
        return bfi(), "pairwise"
    data = hs().copy()
    if key == "hs_binary":
        return data, "listwise"
    if key == "hs_mixed":
        for v in ("x7", "x8", "x9"):
            data[v] = data[f"{v}_raw"]
    return data, "listwise"


CASES = ["bfi_complete", "bfi_pairwise", "hs_ordinal", "hs_mixed", "hs_binary"]


@lru_cache(maxsize=None)
def moments(key: str):
    case = reference()["cases"][key]
    data, missing = case_data(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorrelationNearOneWarning)  # hs_binary: b1 ~~ b4 (tested below)
        return ordinal_moments(data, case["names"], case["ordered"], missing=missing)


@pytest.mark.parametrize("key", CASES)
def test_thresholds_and_correlations_match_lavaan(key):
    case = reference()["cases"][key]
    m = moments(key)
    assert m.nobs == case["nobs"]
    cov = np.array(case["cov"]["values"])
    np.testing.assert_allclose(m.cov, cov, rtol=0, atol=1e-6)
    for name in case["ordered"]:
        expected = [case["th"][f"{name}|t{k + 1}"] for k in range(len(m.thresholds[name]))]
        np.testing.assert_allclose(m.thresholds[name], expected, rtol=0, atol=1e-6)
    assert list(m.wls_obs_names) == case["wls_obs_names"]
    np.testing.assert_allclose(m.wls_obs, case["wls_obs"], rtol=0, atol=1e-6)
    assert m.not_converged == ()


@pytest.mark.parametrize("key", CASES)
def test_nacov_and_weights_match_lavaan_gamma(key):
    case = reference()["cases"][key]
    m = moments(key)
    gamma = np.array(case["gamma"])
    assert m.nacov.shape == gamma.shape
    np.testing.assert_allclose(m.nacov, gamma, rtol=0, atol=1e-6 * np.abs(gamma).max())
    np.testing.assert_allclose(np.diag(m.nacov), np.diag(gamma), rtol=1e-6)
    np.testing.assert_allclose(m.wls_v_diag, case["wls_v_diag"], rtol=1e-6)


def test_levels_and_empty_cells_are_recorded():
    m = moments("hs_ordinal")
    assert m.levels["x1"] == (1, 2, 3, 4)
    assert m.ordered == frozenset(f"x{k}" for k in range(1, 10))
    for (a, b), cells in m.empty_cells.items():
        data = hs()
        for va, vb in cells:
            assert not ((data[a] == va) & (data[b] == vb)).any()


def test_groups_give_one_result_each():
    data = hs().assign(school=np.where(np.arange(301) < 150, "A", "B"))
    out = ordinal_moments(data, ["x1", "x2", "x3"], True, group="school", nacov=False)
    assert list(out) == ["A", "B"]
    assert out["A"].nobs == 150 and out["B"].nobs == 151
    assert out["A"].nacov is None
    alone = ordinal_moments(data[data.school == "B"], ["x1", "x2", "x3"], True, nacov=False)
    np.testing.assert_allclose(out["B"].cor, alone.cor, atol=1e-12)


# --- the bivariate normal distribution --------------------------------------------------------

def _quadrature(h: float, k: float, r: float) -> float:
    s = np.sqrt(1 - r * r)
    return integrate.quad(lambda x: norm.pdf(x) * ndtr((k - r * x) / s), -np.inf, h,
                          epsabs=1e-15, epsrel=1e-14, limit=500)[0]


def test_bivariate_normal_cdf_matches_quadrature_to_1e_12():
    rng = np.random.default_rng(7)
    rhos = [-0.999, -0.95, -0.93, -0.9, -0.5, -0.2, 0.0, 0.1, 0.29, 0.31, 0.6, 0.76, 0.9, 0.924, 0.926, 0.95, 0.999]
    points = rng.uniform(-3.5, 3.5, (8, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.array([[_quadrature(h, k, r) for h, k in points] for r in rhos])
    got = bvn_cdf(points[None, :, 0], points[None, :, 1], np.array(rhos)[:, None])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_bivariate_normal_limits_and_density():
    assert bvn_cdf(-np.inf, 0.3, 0.5) == 0.0
    assert bvn_cdf(np.inf, 0.3, 0.5) == pytest.approx(ndtr(0.3), abs=1e-15)
    assert bvn_cdf(0.0, 0.0, 0.0) == pytest.approx(0.25, abs=1e-15)
    assert bvn_cdf(0.0, 0.0, 0.5) == pytest.approx(0.25 + np.arcsin(0.5) / (2 * np.pi), abs=1e-15)
    h, k, r = 0.4, -0.7, 0.35
    eps = 1e-6
    numeric = (bvn_cdf(h, k, r + eps) - bvn_cdf(h, k, r - eps)) / (2 * eps)
    assert bvn_pdf(h, k, r) == pytest.approx(numeric, rel=1e-7)


# --- errors and warnings ----------------------------------------------------------------------

def test_single_category_item_is_named_with_its_value():
    data = hs()[["x1", "x2"]].assign(x3=3)
    with pytest.raises(OrdinalDataError, match=r"Ordered item 'x3' has only the value 3.*Drop 'x3'"):
        ordinal_moments(data, ["x1", "x2", "x3"], True)


def test_non_integer_codes_are_refused():
    data = hs()[["x1", "x2"]].assign(x7=hs()["x7_raw"])
    with pytest.raises(OrdinalDataError, match=r"Column 'x7' is listed in ordered= but has non-integer values"):
        ordinal_moments(data, ["x1", "x2", "x7"], True)


def test_too_many_categories_are_refused():
    data = hs()[["x1", "x2"]].assign(score=np.arange(301) % 25)
    with pytest.raises(OrdinalDataError, match=r"Column 'score' .* 25 distinct values \(more than 20\)"):
        ordinal_moments(data, ["x1", "x2", "score"], True)


def test_category_missing_in_one_group_is_refused_as_lavaan_does():
    data = hs()[["x1", "x2"]].assign(g=np.where(np.arange(301) < 150, "A", "B"))
    data.loc[(data.g == "B") & (data.x1 == 4), "x1"] = 3
    with pytest.raises(OrdinalDataError, match=r"'x1' has no answers in category 4 in group 'B'.*Collapse"):
        ordinal_moments(data, ["x1", "x2"], True, group="g")


def test_too_sparse_pair_names_the_pair_and_its_empty_cells():
    data = hs()[["x1", "x2"]].astype(float)
    data.loc[5:, "x2"] = np.nan  # the pair shares 5 rows
    data.loc[:4, "x1"] = 2
    with pytest.raises(OrdinalDataError, match=r"Items 'x1' and 'x2' are answered together by only 5 rows.*"
                                               r"Empty cells \(x1, x2\): \(1, "):
        ordinal_moments(data, ["x1", "x2"], True, missing="pairwise")


def test_non_convergence_warns_and_is_recorded():
    data = hs()
    with pytest.warns(PolychoricConvergenceWarning, match=r"'x1 ~~ x2'.* did not converge"):
        m = ordinal_moments(data, ["x1", "x2"], True, max_iter=1)
    assert m.not_converged == (("x1", "x2"),)


def test_unknown_ordered_name_and_unknown_missing_option():
    with pytest.raises(ValueError, match=r"ordered= names 'x9', which is not among"):
        ordinal_moments(hs(), ["x1", "x2"], ["x9"])
    with pytest.raises(ValueError, match=r"missing"):
        ordinal_moments(hs(), ["x1", "x2"], True, missing="ml")


@pytest.mark.parametrize("key", ["bfi_pairwise", "hs_ordinal"])
def test_standard_errors_from_cells_equal_the_nacov_diagonal(key):
    case = reference()["cases"][key]
    m = moments(key)
    gamma = np.array(case["gamma"])
    p = len(m.names)
    pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]
    offset = len(m.wls_obs) - len(pairs)
    expected = np.sqrt(np.diag(gamma)[offset:] / m.nobs)
    np.testing.assert_allclose([m.cor_se[i, j] for i, j in pairs], expected, rtol=1e-6)
    th = [k for k, name in enumerate(case["wls_obs_names"]) if "|t" in name]
    np.testing.assert_allclose(np.concatenate([m.threshold_se[n] for n in m.names]),
                               np.sqrt(np.diag(gamma)[th] / m.nobs), rtol=1e-6)


def test_two_by_two_table_with_an_empty_cell_reaches_the_bound_and_warns_as_lavaan():
    data = hs()
    assert not ((data.b1 == 2) & (data.b4 == 1)).any()
    with pytest.warns(CorrelationNearOneWarning, match=r"'b1 ~~ b4' is \(nearly\) 1.*empty cell"):
        m = ordinal_moments(data, ["b1", "b2", "b4"], True)
    assert m.near_one == (("b1", "b4"),)
    assert m.cor[0, 2] == pytest.approx(0.999, abs=1e-9)  # lavaan's bound
    assert m.empty_cells[("b1", "b4")] == ((2, 1),)


def test_ordered_categoricals_are_read_in_their_order_and_unordered_ones_refused():
    data = hs()
    labels = {1: "low", 2: "mid", 3: "high", 4: "top"}
    ordered = pd.Categorical(data.x1.map(labels), categories=list(labels.values()), ordered=True)
    m = ordinal_moments(data.assign(x1=ordered), ["x1", "x2"], True, nacov=False)
    plain = ordinal_moments(data, ["x1", "x2"], True, nacov=False)
    assert m.levels["x1"] == ("low", "mid", "high", "top")
    np.testing.assert_allclose(m.cor, plain.cor, atol=1e-14)
    with pytest.raises(OrdinalDataError, match=r"Column 'x1' is an unordered categorical.*as_ordered"):
        ordinal_moments(data.assign(x1=ordered.as_unordered()), ["x1", "x2"], True)
    with pytest.raises(OrdinalDataError, match=r"Column 'x1' is not numeric .*coded as integers"):
        ordinal_moments(data.assign(x1=data.x1.astype(str)), ["x1", "x2"], True)
    with pytest.raises(ValueError, match=r"Column 'x7_raw' is not numeric .*list it in ordered="):
        ordinal_moments(data.assign(x7_raw="a"), ["x1", "x7_raw"], ["x1"])
    with pytest.raises(ValueError, match=r"repeat a name; list each column once"):
        ordinal_moments(data, ["x1", "x1"], True)
