"""cxstats.sem.fit on data with a known truth: parameter recovery and the behaviour of the API.

The lavaan comparisons live in test_sem_reference.py; here the reference is the model the
data were generated from (numpy, fixed seeds) or cxstats.simulate_cx_panel, plus internal
consistency (summary statistics vs raw data, std_lv vs marker metric, := and ==, the
seeded bootstrap).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""
HS_ITEMS = [f"x{i}" for i in range(1, 10)]

# The generating model of the numpy simulation: three factors with three indicators each,
# F1 and F2 correlated, F3 regressed on both (marker metric: first loadings are 1).
SEM_MODEL = """
F1 =~ y1 + y2 + y3
F2 =~ y4 + y5 + y6
F3 =~ y7 + y8 + y9
F3 ~ F1 + F2
"""
LOADINGS = {"F1": (1.0, 0.8, 1.2), "F2": (1.0, 0.9, 0.7), "F3": (1.0, 1.1, 0.6)}
RESIDUALS = (0.4, 0.5, 0.6, 0.3, 0.45, 0.5, 0.35, 0.4, 0.55)
PHI = np.array([[1.0, 0.3], [0.3, 0.8]])  # covariance of F1, F2
BETA = (0.5, 0.4)  # F3 ~ F1 + F2
ZETA = 0.5  # residual variance of F3


def _truth() -> dict[tuple[str, str, str], float]:
    truth = {}
    for k, (factor, values) in enumerate(LOADINGS.items()):
        for j, value in enumerate(values):
            truth[(factor, "=~", f"y{3 * k + j + 1}")] = value
    truth |= {("F3", "~", "F1"): BETA[0], ("F3", "~", "F2"): BETA[1]}
    truth |= {(f"y{i + 1}", "~~", f"y{i + 1}"): v for i, v in enumerate(RESIDUALS)}
    truth |= {("F1", "~~", "F1"): PHI[0, 0], ("F2", "~~", "F2"): PHI[1, 1], ("F1", "~~", "F2"): PHI[0, 1],
              ("F3", "~~", "F3"): ZETA}
    return truth


def _simulate(n: int, seed: int) -> pd.DataFrame:
    """Draw n rows from SEM_MODEL with the true values above (normal latent and residuals)."""
    rng = np.random.default_rng(seed)
    f12 = rng.standard_normal((n, 2)) @ np.linalg.cholesky(PHI).T
    f3 = f12 @ np.array(BETA) + rng.normal(0.0, np.sqrt(ZETA), n)
    factors = np.column_stack([f12, f3])
    loadings = np.zeros((9, 3))
    for k, values in enumerate(LOADINGS.values()):
        loadings[3 * k:3 * k + 3, k] = values
    y = factors @ loadings.T + rng.standard_normal((n, 9)) * np.sqrt(RESIDUALS)
    return pd.DataFrame(y + 3.0, columns=[f"y{i}" for i in range(1, 10)])


def _free(result: sem.SEMResult) -> pd.DataFrame:
    return result.table[result.table["free"]].reset_index(drop=True)


def _keyed(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index(["lhs", "op", "rhs"])


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests" / "reference" / "data" / "holzinger_swineford.csv")


@pytest.fixture(scope="module")
def hs_fit(hs) -> sem.SEMResult:
    return sem.fit(HS_MODEL, hs)


@pytest.fixture(scope="module")
def large_fit() -> sem.SEMResult:
    return sem.fit(SEM_MODEL, _simulate(5000, seed=20240501))


# -- recovery of a known numpy model -----------------------------------------------------


def test_every_true_value_within_four_standard_errors(large_fit):
    assert large_fit.converged and large_fit.identified and not large_fit.problems
    free = _free(large_fit)
    truth = _truth()
    assert len(free) == 21 and set(zip(free["lhs"], free["op"], free["rhs"])) < set(truth)
    for row in free.itertuples(index=False):
        true = truth[(row.lhs, row.op, row.rhs)]
        assert abs(row.estimate - true) < 4 * row.se, (row.lhs, row.op, row.rhs, row.estimate, true, row.se)


def test_confidence_intervals_cover_the_truth(large_fit):
    free = _free(large_fit)
    truth = np.array([_truth()[(r.lhs, r.op, r.rhs)] for r in free.itertuples(index=False)])
    covered = (free["ci_low"] <= truth) & (truth <= free["ci_high"])
    assert covered.mean() >= 0.9, free.loc[~covered, ["lhs", "op", "rhs", "estimate", "ci_low", "ci_high"]]
    # the intervals are estimate +/- 1.96 SE
    assert np.allclose(free["ci_high"] - free["estimate"], 1.959964 * free["se"], rtol=1e-6)


def test_correctly_specified_model_fits(large_fit):
    fm = large_fit.fit_measures
    assert fm["df"] == 45 - 21
    assert fm["pvalue"] > 0.001 and fm["cfi"] > 0.99 and fm["rmsea"] < 0.03
    # R² of the structural outcome: 1 - zeta / var(F3)
    var_f3 = np.array(BETA) @ PHI @ np.array(BETA) + ZETA
    assert large_fit.r2["F3"] == pytest.approx(1 - ZETA / var_f3, abs=0.03)


# -- recovery on the simulated CX panel -----------------------------------------------------


@pytest.fixture(scope="module")
def panel():
    panel = cxstats.simulate_cx_panel(1000, seed=11)
    data = panel.data.copy()
    data["EMO4"] = 8 - data["EMO4"]  # stored as answered (negatively worded); the truth is for the recoded item
    return panel, data


def test_panel_cfa_recovers_loading_ratios(panel):
    """Items are round(intercept + loading * eta + e) clipped to 1-7. Rounding adds
    measurement error (absorbed by the residual variances) and clipping compresses the
    items with the largest loadings and intercepts a little, so the ratios to the first
    loading come out a few per cent low: tolerance 0.08 on ratios near 1.1."""
    truth, data = panel
    model = """
    SAT =~ SAT1 + SAT2 + SAT3
    LOY =~ LOY1 + LOY2 + LOY3
    EMO =~ EMO1 + EMO2 + EMO3 + EMO4
    """
    result = sem.fit(model, data)
    assert result.converged and not result.problems
    loadings = result.table[result.table["op"] == "=~"].set_index("rhs")
    measurement = truth.measurement[truth.measurement["country"] == truth.measurement["country"].iloc[0]]
    measurement = measurement.set_index("item")
    for construct in ("SAT", "LOY", "EMO"):
        items = list(measurement.index[measurement["construct"] == construct])
        ratio = measurement.loc[items, "loading"] / measurement.loc[items[0], "loading"]
        assert loadings.loc[items[0], "estimate"] == 1.0 and not loadings.loc[items[0], "free"]
        np.testing.assert_allclose(loadings.loc[items, "estimate"], ratio, atol=0.08, err_msg=construct)


def test_panel_structural_paths_have_the_true_direction(panel):
    """LOY ~ SAT + EMO + VAL on the latent level. The markers SAT1, LOY1, EMO1, VAL1 share
    the true loading 1.1, so the marker-metric paths estimate the true 0.5, 0.25, 0.15; the
    discretized items make exact agreement impossible, so only sign, significance, order
    and a loose band (0.1) are checked."""
    truth, data = panel
    model = """
    SAT =~ SAT1 + SAT2 + SAT3
    LOY =~ LOY1 + LOY2 + LOY3
    EMO =~ EMO1 + EMO2 + EMO3 + EMO4
    VAL =~ VAL1 + VAL2 + VAL3
    LOY ~ SAT + EMO + VAL
    """
    result = sem.fit(model, data)
    assert result.converged and not result.problems
    paths = result.table[result.table["op"] == "~"].set_index("rhs")
    true = truth.structural[truth.structural["lhs"] == "LOY"].set_index("rhs")["estimate"]
    for predictor in ("SAT", "EMO", "VAL"):
        assert paths.loc[predictor, "estimate"] > 0 and paths.loc[predictor, "p_value"] < 0.001
        assert paths.loc[predictor, "estimate"] == pytest.approx(true[predictor], abs=0.1)
    assert list(paths["estimate"].sort_values(ascending=False).index) == list(true.sort_values(ascending=False).index)
    assert 0.3 < result.r2["LOY"] < 0.9


# -- summary statistics -----------------------------------------------------------------------


def test_covariance_input_matches_raw_data(hs, hs_fit):
    summary = sem.fit(HS_MODEL, cov=hs[HS_ITEMS].cov(), nobs=len(hs))
    assert summary.nobs == hs_fit.nobs == 301
    for column in ("estimate", "se", "z", "std_all"):
        np.testing.assert_allclose(summary.table[column], hs_fit.table[column], rtol=1e-6, atol=1e-9)
    assert summary.fit_measures["chisq"] == pytest.approx(hs_fit.fit_measures["chisq"], rel=1e-6)
    assert summary.fit_measures["df"] == hs_fit.fit_measures["df"]


def test_covariance_dataframe_may_hold_other_columns_in_any_order(hs, hs_fit):
    numeric = hs.drop(columns=["school"])
    cov = numeric.cov()
    shuffled = cov.loc[cov.index[::-1], cov.columns[::-1]]
    summary = sem.fit(HS_MODEL, cov=shuffled, nobs=len(hs))
    np.testing.assert_allclose(summary.table["estimate"], hs_fit.table["estimate"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(summary.table["se"], hs_fit.table["se"], rtol=1e-6, atol=1e-9)


def test_covariance_array_without_names_is_refused(hs):
    # an unnamed array could silently be read in the wrong variable order
    with pytest.raises(sem.ModelSpecificationError, match="cov= must be a DataFrame"):
        sem.fit(HS_MODEL, cov=hs[HS_ITEMS].cov().to_numpy(), nobs=len(hs))


def test_means_with_an_intercept_model(hs):
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx1 ~ 1"
    items = HS_ITEMS[:6]
    raw = sem.fit(model, hs)
    summary = sem.fit(model, cov=hs[items].cov(), means=hs[items].mean(), nobs=len(hs))
    np.testing.assert_allclose(summary.table["estimate"], raw.table["estimate"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(summary.table["se"], raw.table["se"], rtol=1e-6, atol=1e-9)
    assert summary.fit_measures["chisq"] == pytest.approx(raw.fit_measures["chisq"], rel=1e-6)
    intercepts = raw.table[raw.table["op"] == "~1"].set_index("lhs")["estimate"]
    # with free intercepts and latent means at 0 the intercepts are the sample means
    np.testing.assert_allclose(intercepts[items], hs[items].mean(), rtol=1e-6)


# -- parametrisations, := and == -------------------------------------------------------------


def test_std_lv_is_the_same_model_rescaled(hs, hs_fit):
    std = sem.fit(HS_MODEL, hs, std_lv=True)
    assert std.fit_measures["chisq"] == pytest.approx(hs_fit.fit_measures["chisq"], rel=1e-6)
    assert std.fit_measures["df"] == hs_fit.fit_measures["df"]
    marker = _keyed(hs_fit.table)["estimate"]
    scaled = _keyed(std.table)["estimate"]
    for factor in ("visual", "textual", "speed"):
        sd = np.sqrt(marker[(factor, "~~", factor)])
        assert scaled[(factor, "~~", factor)] == 1.0
        for item in hs_fit.table.loc[(hs_fit.table["op"] == "=~") & (hs_fit.table["lhs"] == factor), "rhs"]:
            assert scaled[(factor, "=~", item)] == pytest.approx(marker[(factor, "=~", item)] * sd, rel=1e-5)
    np.testing.assert_allclose(std.table["std_all"], hs_fit.table["std_all"], atol=1e-6)


def test_defined_parameters_are_the_arithmetic_of_labels():
    rng = np.random.default_rng(5)
    n = 400
    x = rng.standard_normal(n)
    m = 0.6 * x + rng.standard_normal(n)
    y = 0.4 * m + 0.2 * x + rng.standard_normal(n)
    data = pd.DataFrame({"x": x, "m": m, "y": y})
    model = """
    m ~ a*x
    y ~ b*m + c*x
    ab := a*b
    total := c + ab
    ratio := ab / total
    """
    result = sem.fit(model, data)
    table = result.table.set_index("label")
    a, b, c = (table.loc[k, "estimate"] for k in "abc")
    assert table.loc["ab", "estimate"] == pytest.approx(a * b, rel=1e-12)
    assert table.loc["total", "estimate"] == pytest.approx(c + a * b, rel=1e-12)
    assert table.loc["ratio", "estimate"] == pytest.approx(a * b / (c + a * b), rel=1e-12)
    # a and b come from different equations (independent): the delta-method SE is Sobel's
    sobel = np.sqrt(a**2 * table.loc["b", "se"] ** 2 + b**2 * table.loc["a", "se"] ** 2)
    assert table.loc["ab", "se"] == pytest.approx(sobel, rel=1e-6)
    assert (result.table.loc[result.table["op"] == ":=", "lhs"] == ["ab", "total", "ratio"]).all()
    assert table.loc["ab", "estimate"] == pytest.approx(0.6 * 0.4, abs=0.1)


def test_linear_equality_constraint(hs, hs_fit):
    free = sem.fit("visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    equal = sem.fit("visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\na == b", hs)
    labelled = equal.table.set_index("label")
    assert labelled.loc["a", "estimate"] == pytest.approx(labelled.loc["b", "estimate"], abs=1e-8)
    assert labelled.loc["a", "se"] == pytest.approx(labelled.loc["b", "se"], rel=1e-6)
    assert equal.fit_measures["df"] == free.fit_measures["df"] + 1
    assert equal.fit_measures["npar"] == free.fit_measures["npar"] - 1
    assert equal.fit_measures["chisq"] > free.fit_measures["chisq"]
    assert free.fit_measures["chisq"] == pytest.approx(hs_fit.fit_measures["chisq"], rel=1e-8)
    # a shared label is the same constraint
    shared = sem.fit("visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    assert shared.fit_measures["chisq"] == pytest.approx(equal.fit_measures["chisq"], rel=1e-6)


# -- bootstrap -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_data() -> pd.DataFrame:
    return _simulate(250, seed=3)


def test_bootstrap_same_seed_same_table(small_data):
    first = sem.fit(SEM_MODEL, small_data, se="bootstrap", bootstrap=40, seed=123)
    second = sem.fit(SEM_MODEL, small_data, se="bootstrap", bootstrap=40, seed=123)
    pd.testing.assert_frame_equal(first.table, second.table)
    assert first.bootstrap_draws + first.bootstrap_failed == 40
    assert first.se_type == "bootstrap"


def test_bootstrap_different_seed_different_ses(small_data):
    first = sem.fit(SEM_MODEL, small_data, se="bootstrap", bootstrap=40, seed=1)
    second = sem.fit(SEM_MODEL, small_data, se="bootstrap", bootstrap=40, seed=2)
    free = first.table["free"]
    assert not np.allclose(first.table.loc[free, "se"], second.table.loc[free, "se"])
    # the point estimates do not depend on the draws
    np.testing.assert_array_equal(first.table["estimate"], second.table["estimate"])


def test_bootstrap_ses_agree_with_standard_ses():
    """With B = 200 a bootstrap SE has a Monte Carlo error of about 1/sqrt(2B) = 5%, so
    over 21 parameters single ratios reach 0.85 or 1.2 by chance (seeds 0-9: worst ratios
    0.84-1.22, RMS log-ratio 0.06-0.085). Checked: the RMS deviation is within ~12%, the
    median within 7%, and no SE is off by more than a third."""
    data = _simulate(1000, seed=8)
    standard = sem.fit(SEM_MODEL, data)
    boot = sem.fit(SEM_MODEL, data, se="bootstrap", bootstrap=200, seed=8)
    assert boot.bootstrap_draws == 200 and boot.bootstrap_failed == 0 and not boot.problems
    free = standard.table["free"]
    ratio = boot.table.loc[free, "se"] / standard.table.loc[free, "se"]
    assert np.sqrt(np.mean(np.log(ratio) ** 2)) < 0.12, ratio
    assert 0.93 < ratio.median() < 1.07, ratio
    assert ratio.between(0.75, 1.33).all(), ratio
    np.testing.assert_array_equal(boot.table["estimate"], standard.table["estimate"])


@pytest.mark.parametrize("kind", ["percentile", "bc", "bca"])
def test_bootstrap_intervals_contain_the_estimate(kind):
    data = _simulate(150, seed=4)
    result = sem.fit(SEM_MODEL, data, se="bootstrap", bootstrap=60, bootstrap_ci=kind, seed=4)
    free = result.table[result.table["free"]]
    assert (free["ci_low"] <= free["estimate"]).all() and (free["estimate"] <= free["ci_high"]).all()
    assert (free["ci_low"] < free["ci_high"]).all()
    # percentile-type intervals are not symmetric around the estimate
    assert not np.allclose(free["ci_high"] - free["estimate"], free["estimate"] - free["ci_low"])


# -- inputs and the result object -------------------------------------------------------------


def test_inputs_are_not_mutated(hs):
    data = hs.copy()
    data.loc[3, "x2"] = np.nan
    before = data.copy()
    cov = hs[HS_ITEMS].cov()
    cov_before = cov.copy()
    result = sem.fit(HS_MODEL, data)
    sem.fit(HS_MODEL, cov=cov, nobs=len(hs))
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(cov, cov_before)
    assert result.nobs == 300 and result.n_dropped == 1


def test_result_is_frozen(hs_fit):
    with pytest.raises(dataclasses.FrozenInstanceError):
        hs_fit.converged = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        hs_fit.table = pd.DataFrame()  # type: ignore[misc]


def test_table_columns_and_types(hs_fit):
    assert list(hs_fit.table.columns) == ["lhs", "op", "rhs", "group", "label", "free", "estimate", "se", "z",
                                          "p_value", "ci_low", "ci_high", "std_lv", "std_all"]
    fixed = hs_fit.table[~hs_fit.table["free"]]
    assert (fixed["se"] == 0).all() and fixed["z"].isna().all()
    assert {"chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"} <= set(hs_fit.fit_measures.index)


def test_summary_and_html(hs_fit):
    text = hs_fit.summary()
    assert "chi-square(24) = " in text and "converged" in text
    for title in ("Measurement (loadings)", "Variances and covariances", "R-square"):
        assert title in text
    assert "Regressions" not in text  # a CFA has none
    html = hs_fit._repr_html_()
    assert "<table" in html and "chi-square(24)" in html


def test_modindices_columns(hs_fit):
    mi = hs_fit.modindices()
    assert list(mi.columns) == ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"]
    assert (mi["mi"].diff().dropna() <= 0).all()  # sorted, largest first
    assert (hs_fit.modindices(minimum=10)["mi"] >= 10).all()


def test_plot_returns_a_figure(large_fit):
    figure = large_fit.plot()
    try:
        assert isinstance(figure, Figure)
    finally:
        plt.close(figure)
