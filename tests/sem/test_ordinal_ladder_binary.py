"""The ordinal invariance ladder with binary items (Wu & Estabrook, 2016) against semTools 0.5.6
measEq.syntax models fitted by lavaan 0.6.14 (tests/reference/semtools_ordinal_ladder_binary.R):
HolzingerSwineford1939 x1-x9 cut in two ("binary") and x1-x3 cut in two with x4-x9 in four
categories ("mixed"), by school, under delta and theta. A binary item's one threshold frees its
intercept in the later groups but not also its scale (kept at 1 until its intercept is tied), so
the thresholds step adds nothing testable and the scalar model is not nested in the metric model."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxstats import sem
from cxstats.sem._api import _fit_ordered

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "semtools_ordinal_ladder_binary.json").read_text())
DATA = {case: pd.read_csv(REF_DIR / c["data"]) for case, c in REF["cases"].items()}
STEPS = [(case, pz, step) for case, c in REF["cases"].items() for pz, ladder in c["ladders"].items() for step in ladder]
LEVEL_OF = {"configural": "configural", "thresholds": "thresholds", "loadings": "metric", "intercepts": "scalar",
            "residuals": "strict"}
STEP_OF = {level: step for step, level in LEVEL_OF.items()}


def group_equal(step: dict) -> tuple[str, ...]:
    value = step["group_equal"]
    return tuple(value) if isinstance(value, list) else ((value,) if value else ())


def fit_step(case: str, parameterization: str, step: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _fit_ordered(REF["model"], DATA[case], True, estimator="WLSMV", parameterization=parameterization,
                            missing="listwise", std_lv=True, ci_level=0.95, labels={}, group="school",
                            group_equal=group_equal(step), group_partial=(), group_labels=None,
                            identification="wu.estabrook")


@pytest.mark.parametrize(("case", "parameterization", "name"), STEPS)
def test_binary_step_matches_semtools_model(case, parameterization, name):
    """Each step as semTools writes it for binary items (scale factors / residual variances of
    the binary items fixed in the later groups until their intercepts are tied): the number of
    parameters, every estimate and SE, the chi-square and the scaled chi-square."""
    ref = REF["cases"][case]["ladders"][parameterization][name]
    result = fit_step(case, parameterization, ref)
    assert result.converged
    fm = result.fit_measures
    assert fm["npar"] == ref["fit"]["npar"] and fm["df"] == ref["fit"]["df"]
    assert fm["chisq.scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-5)
    assert fm["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-6)
    for key in ("cfi.scaled", "rmsea.scaled", "srmr"):
        assert fm[key] == pytest.approx(ref["fit"][key], abs=1e-4)
    groups = {g: i + 1 for i, g in enumerate(REF["groups"])}
    table = result.table.assign(group=result.table["group"].map(groups))
    merged = pd.DataFrame(ref["partable"]).merge(table, on=["lhs", "op", "rhs", "group"], how="left",
                                                 validate="one_to_one")
    assert merged["estimate"].notna().all()
    tol = 1e-4
    if (case, parameterization, name) == ("binary", "delta", "intercepts"):
        # with every item binary the scalar model's later-group scale factors are weakly determined
        # (SEs 0.4-1.1) and lavaan stops at its relative tolerance before the minimum: our chi-square
        # is the lower one, and the estimates agree to 2e-3
        assert fm["chisq"] <= ref["fit"]["chisq"]
        tol = 2e-3
    np.testing.assert_allclose(merged["estimate"], merged["est"], rtol=tol, atol=tol)
    np.testing.assert_allclose(merged["se_x"].fillna(0), merged["se_y"].fillna(0), rtol=10 * tol, atol=1e-5)
    scale = merged[merged["op"].eq("~*~" if parameterization == "delta" else "~~") & merged["lhs"].isin(["x1", "x2"])
                   & merged["lhs"].eq(merged["rhs"]) & merged["group"].eq(2)]
    fixed = name in ("thresholds", "loadings", "residuals") or (name == "configural")
    assert (scale["se_x"] == 0).all() == fixed  # binary x1, x2: the scale is free at the intercepts step only


@pytest.fixture(scope="module")
def ladders():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {(case, pz): sem.invariance(REF["model"], DATA[case], group="school", ordered=True, parameterization=pz,
                                           partial=False)
                for case, c in REF["cases"].items() for pz in c["ladders"]}


@pytest.mark.parametrize(("case", "parameterization"), [(c, pz) for c in REF["cases"] for pz in ("delta", "theta")])
def test_binary_ladder_matches_lavtestlrt_of_nested_steps(ladders, case, parameterization):
    """Each level's scaled chi-square and its scaled-shifted difference (lavTestLRT) against the
    nested model it is compared with: the level before, except scalar, which with binary items is
    tested against the thresholds model (semTools' scalar frees the binary items' scales that its
    metric model fixes). Equal thresholds of binary items are equivalent to the configural model."""
    ladder = ladders[(case, parameterization)]
    ref = REF["cases"][case]["ladders"][parameterization]
    assert [STEP_OF[level] for level in ladder.table["level"]] == list(ref)
    assert ladder.binary_items == (tuple(REF["items"]) if case == "binary" else ("x1", "x2", "x3"))
    expected = {"thresholds": "configural", "metric": "thresholds", "scalar": "thresholds", "strict": "scalar"}
    for row in ladder.table.itertuples():
        step = ref[STEP_OF[row.level]]
        assert row.chisq == pytest.approx(step["fit"]["chisq.scaled"], rel=1e-5)
        if row.level == "configural":
            assert row.compared_with == ""
            continue
        assert row.compared_with == expected[row.level]
        lrt = step["lrt"][STEP_OF[row.compared_with]]
        assert row.df_diff == lrt["df_diff"]
        if lrt["df_diff"] == 0:  # binary thresholds: lavTestLRT's 0 on 0 df, shown as equivalent
            assert case == "binary" and row.level == "thresholds"
            assert abs(lrt["chisq_diff"]) < 1e-6 and lrt["p_value"] is None
            assert (row.lrt, row.fit_rule, row.holds) == ("equivalent", "equivalent", True)
            assert np.isnan(row.p_value) and np.isnan(row.chisq_diff)
            continue
        rel = 1e-5
        if (case, parameterization, row.level) == ("binary", "delta", "scalar"):
            # lavaan stops its delta scalar fit early (see above); the theta scalar model is the same
            # model, fitted to its minimum by lavaan, and gives our difference to 1e-5
            theta = REF["cases"][case]["ladders"]["theta"]["intercepts"]["lrt"]["thresholds"]
            assert row.chisq_diff == pytest.approx(theta["chisq_diff"], rel=1e-5)
            rel = 5e-5
        assert row.chisq_diff == pytest.approx(lrt["chisq_diff"], rel=rel)
        assert row.p_value == pytest.approx(lrt["p_value"], rel=10 * rel)
        assert row.lrt == ("holds" if lrt["p_value"] >= 0.05 else "rejected")


def test_semtools_scalar_is_not_nested_in_metric_with_binary_items():
    """Why scalar is tested against thresholds: semTools' scalar model has more parameters than
    its metric model when items are binary, and lavTestLRT of the pair flags the misfit ordering."""
    for pz, ladder in REF["cases"]["binary"]["ladders"].items():
        assert ladder["intercepts"]["fit"]["npar"] > ladder["loadings"]["fit"]["npar"]
        assert ladder["intercepts"]["lrt"]["loadings"]["chisq_diff"] < 0  # "restricted fits better": not nested


def test_binary_summary_names_untestable_levels(ladders):
    text = str(ladders[("binary", "theta")].plain_summary())
    thresholds = next(line for line in text.splitlines() if line.startswith("- **Thresholds**"))
    assert "**not testable** with these items" in thresholds and "equivalent to the configural model" in thresholds
    assert "χ²(0)" not in text and "Thresholds differ across groups" not in text
    metric = next(line for line in text.splitlines() if line.startswith("- **Metric**"))
    assert "equal loadings cannot be tested on their own" in metric
    assert "residual variances of their latent responses fixed at 1" in metric
    scalar = next(line for line in text.splitlines() if line.startswith("- **Scalar**"))
    assert "against the thresholds model, not the metric model" in scalar and "not nested" in scalar
    delta = str(ladders[("binary", "delta")].plain_summary())
    assert "the scale of their latent responses (their total variance) fixed at 1" in delta


def test_mixed_summary_tests_thresholds_of_four_category_items(ladders):
    text = str(ladders[("mixed", "delta")].plain_summary())
    thresholds = next(line for line in text.splitlines() if line.startswith("- **Thresholds**"))
    assert "not testable" not in thresholds and "χ²(6)" in thresholds
    assert "With binary items (x1, x2 and x3)" in text


def test_scalar_falls_back_to_configural_without_thresholds_level():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = sem.invariance(REF["model"], DATA["binary"], group="school", ordered=True,
                                parameterization="theta", levels=("configural", "metric", "scalar"))
    ref = REF["cases"]["binary"]["ladders"]["theta"]["intercepts"]["lrt"]["configural"]
    row = ladder.table.set_index("level").loc["scalar"]
    assert row["compared_with"] == "configural"
    assert row["chisq_diff"] == pytest.approx(ref["chisq_diff"], rel=1e-5) and row["df_diff"] == ref["df_diff"]


def test_three_category_thresholds_are_equivalent_to_configural():
    """With three answer categories equal thresholds only fix each item's intercept and scale
    (Wu & Estabrook, 2016): the thresholds model has the configural model's fit and df."""
    hs = pd.read_csv(REF_DIR / "data" / "holzinger_swineford.csv")
    items = [f"x{i}" for i in range(1, 10)]
    three = hs[items].apply(lambda x: pd.qcut(x, 3, labels=False, duplicates="drop") + 1).assign(school=hs["school"])
    assert (three[items].nunique() == 3).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = sem.invariance(REF["model"], three, group="school", ordered=True, levels=("configural", "thresholds"))
    configural, thresholds = ladder.table.itertuples()
    assert thresholds.df == configural.df and thresholds.chisq == pytest.approx(configural.chisq, rel=1e-6)
    assert thresholds.lrt == "equivalent" and ladder.binary_items == ()
    assert "**not testable**" in str(ladder.plain_summary())
