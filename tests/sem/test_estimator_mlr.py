"""``sem.fit(estimator="MLR")`` and the MLR invariance ladder end to end, against lavaan
0.6.14 (tests/reference/lavaan_mlr.R, lavaan_invariance.R)."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest

import cxstats.sem as sem
from conftest import REFERENCE, reference, reference_data

# lavaan's auxiliary trace ratios of constrained models count every group's copy of an
# equal parameter; they are not fit measures and are not compared
AUXILIARY = {"scaling.factor.h0", "scaling.factor.h1"}
GROUP_LABELS = {1: "Pasteur", 2: "Grant-White"}


def _compare_measures(ours: pd.Series, ref: dict, skip=()) -> None:
    compared = 0
    for key, value in ref.items():
        if key not in ours.index or value is None or key in AUXILIARY or key in skip:
            continue
        assert ours[key] == pytest.approx(value, rel=1e-4, abs=1e-7), key
        compared += 1
    assert compared >= 40


@pytest.mark.parametrize("name", ["hs_cfa", "poldem"])
def test_single_group_mlr_matches_lavaan(name):
    ref = reference("lavaan_mlr", name)
    result = sem.fit(ref["model"], reference_data("lavaan_mlr", name), estimator="MLR")
    lav = pd.DataFrame(ref["parameters"])
    lav["rhs"] = lav["rhs"].str.replace(" ", "")
    joined = result.table.merge(lav, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(joined) == len(lav[lav["op"].isin(["=~", "~", "~~", "~1", ":="])])
    assert np.allclose(joined["estimate"], joined["est"], atol=1e-4, rtol=0)
    free = joined["se_lav"] > 0
    assert np.allclose(joined.loc[free, "se"], joined.loc[free, "se_lav"], rtol=1e-3)
    fm = result.fit_measures
    assert fm["chisq.scaled"] == pytest.approx(ref["fit_measures"]["chisq.scaled"], rel=1e-6)
    assert fm["chisq.scaling.factor"] == pytest.approx(ref["fit_measures"]["chisq.scaling.factor"], rel=1e-6)
    _compare_measures(fm, ref["fit_measures"])
    assert result.estimator == "MLR" and "robust" in result.se_type
    assert "scaled chi-square" in result.summary() and "robust CFI" in result.summary()


def test_mlr_vcov_matches_lavaan():
    ref = reference("lavaan_mlr", "hs_cfa")
    result = sem.fit(ref["model"], reference_data("lavaan_mlr", "hs_cfa"), estimator="MLR")
    lavaan_vcov = np.array(ref["vcov"]["values"], dtype=float)  # rows and columns in lavaan's free-parameter order
    assert lavaan_vcov.shape == result._vcov.shape
    assert np.allclose(result._vcov, lavaan_vcov, rtol=2e-3, atol=1e-8)


@cache
def _ladder() -> sem.InvarianceResult:
    ref = reference("lavaan_invariance", "configural_mlr")
    return sem.invariance(ref["model"], reference_data("lavaan_invariance", "configural_mlr"), group="school",
                          estimator="MLR", partial=False)


@pytest.mark.parametrize("level", ["configural", "metric", "scalar", "strict"])
def test_multigroup_mlr_matches_lavaan(level):
    ref = reference("lavaan_invariance", f"{level}_mlr")
    result = _ladder().models[level]
    _compare_measures(result.fit_measures, ref["fit_measures"])
    lav = pd.DataFrame(ref["parameters"])
    lav = lav[lav["op"] != "=="].assign(group=lambda t: t["group"].map(GROUP_LABELS), rhs=lambda t: t["rhs"].fillna(""))
    joined = result.table.merge(lav, on=["lhs", "op", "rhs", "group"], suffixes=("", "_lav"))
    assert len(joined) == len(lav)
    free = joined["se_lav"] > 0
    assert np.allclose(joined.loc[free, "se"], joined.loc[free, "se_lav"], rtol=1e-3)


def test_mlr_ladder_uses_the_satorra_bentler_2001_difference():
    lrt = json.loads((REFERENCE / "lavaan_invariance.json").read_text())["lrt_mlr"]
    assert lrt["method"] == "satorra.bentler.2001"
    expected = {row["model"]: row for row in lrt["table"]}
    table = _ladder().table.set_index("level")
    for level in ("metric", "scalar", "strict"):
        assert table.loc[level, "chisq_diff"] == pytest.approx(expected[level]["Chisq diff"], rel=1e-4)
        assert table.loc[level, "p_value"] == pytest.approx(expected[level]["Pr(>Chisq)"], rel=1e-3)
    assert _ladder().robust
    assert table.loc["metric", "cfi"] == pytest.approx(reference("lavaan_invariance", "metric_mlr")["fit_measures"]
                                                       ["cfi.robust"], abs=1e-6)


def test_mlr_needs_raw_data(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"estimator='MLR' needs raw data"):
        sem.fit("visual =~ x1 + x2 + x3", cov=hs[["x1", "x2", "x3"]].cov(), nobs=len(hs), estimator="MLR")
