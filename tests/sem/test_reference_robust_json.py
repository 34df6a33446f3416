"""The lavaan references for MLR, FIML and multi-group models load and hang together.

These tests check only the JSON files written by tests/reference/lavaan_invariance.R,
lavaan_mlr.R and lavaan_fiml.R (no cxstats code): that the keys the SEM tests will
read exist, and that lavaan's numbers are consistent with each other.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "reference"

FIT_MEASURES = ["npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
                "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "aic",
                "bic", "logl", "unrestricted.logl"]
ROBUST_MEASURES = ["chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
                   "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust",
                   "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"]
LEVELS = ["configural", "metric", "scalar", "strict"]


@cache
def _load(case: str) -> dict:
    return json.loads((REFERENCE / f"{case}.json").read_text())


def test_invariance_levels() -> None:
    ref = _load("lavaan_invariance")
    assert ref["lavaan_version"] == "0.6.14"
    assert ref["group_labels"] == ["Pasteur", "Grant-White"]
    for est in ("ml", "mlr"):
        dfs = []
        for level in LEVELS:
            fit = ref["fits"][f"{level}_{est}"]
            fm = fit["fit_measures"]
            assert fit["converged"] and fit["group_labels"] == ref["group_labels"]
            assert fit["nobs"] == [156, 145] and fit["max_abs_gradient_reduced"] < 1e-4
            assert all(fm.get(m) is not None for m in FIT_MEASURES)
            if est == "mlr":
                assert all(fm.get(m) is not None for m in ROBUST_MEASURES)
                assert len(fit["chisq_scaled_group"]) == 2
            assert math.isclose(sum(fit["chisq_group"]), fm["chisq"], rel_tol=1e-10)
            table = pd.DataFrame(fit["parameters"])
            n_eq = (table["op"] == "==").sum()
            assert n_eq == {"configural": 0, "metric": 6, "scalar": 15, "strict": 24}[level]
            # every free parameter appears once; `==` rows remove one each
            assert table["free"].max() - n_eq == fm["npar"]
            dfs.append(fm["df"])
        assert dfs == [48, 54, 60, 69]
    # ML lavTestLRT: plain chi-square differences
    lrt = pd.DataFrame(ref["lrt_ml"]["table"]).set_index("model")
    assert ref["lrt_ml"]["method"] == "standard" and list(lrt.index) == LEVELS
    for a, b in itertools.pairwise(LEVELS):
        assert math.isclose(lrt.loc[b, "Chisq diff"], lrt.loc[b, "Chisq"] - lrt.loc[a, "Chisq"],
                            rel_tol=1e-9)
    assert ref["lrt_mlr"]["method"] == "satorra.bentler.2001"
    assert ref["lrt_mlr_sb2010"]["method"] == "satorra.bentler.2010"


def test_invariance_score_test_and_partial_model() -> None:
    ref = _load("lavaan_invariance")
    score = ref["score_test_scalar_ml"]
    uni = pd.DataFrame(score["univariate"])
    assert len(uni) == 15 and score["total"][0]["df"] == 15
    top = uni.loc[uni["X2"].idxmax()]
    assert top["parameter"] == score["largest"]["intercept"]["parameter"] == "x3 ~1"
    assert ref["partial_scalar"]["group_partial"] == "x3 ~ 1"
    plabels = {row["plabel"]: row for row in score["plabel_map"]}
    assert plabels[top["lhs"]]["lhs"] == "x3" and plabels[top["rhs"]]["group_label"] == "Grant-White"
    partial = ref["fits"]["partial_scalar_ml"]
    assert partial["fit_measures"]["df"] == 59
    table = pd.DataFrame(partial["parameters"])
    x3 = table[(table["lhs"] == "x3") & (table["op"] == "~1")]
    assert x3["est"].nunique() == 2  # freed across groups
    means = ref["latent_means_scalar"]["ml"]
    assert means["group"] == "Grant-White" and set(means["means"]) == {"visual", "textual", "speed"}


def test_invariance_structural_model() -> None:
    ref = _load("lavaan_invariance")
    fit = ref["fits"]["sem_scalar"]
    table = pd.DataFrame(fit["parameters"])
    b = table.set_index("label")
    diff = table[table["op"] == ":="].iloc[0]
    assert diff["lhs"] == "diff"
    assert math.isclose(diff["est"], b.loc["b1", "est"] - b.loc["b2", "est"], rel_tol=1e-9)
    wald = fit["wald_b1_eq_b2"]
    assert wald["df"] == 1
    assert math.isclose(wald["stat"], (diff["est"] / diff["se"]) ** 2, rel_tol=1e-6)
    assert ref["fits"]["sem_regressions_labelled"]["fit_measures"]["df"] == 61
    assert ref["fits"]["sem_all_regressions_equal"]["fit_measures"]["df"] == 62


@pytest.mark.parametrize("fit_name", ["hs_cfa", "poldem"])
def test_mlr(fit_name: str) -> None:
    fit = _load("lavaan_mlr")["fits"][fit_name]
    fm = fit["fit_measures"]
    assert fit["fit_measures_not_reported"] == []
    assert all(fm.get(m) is not None for m in fit["fit_measures_requested"])
    assert math.isclose(fm["chisq.scaled"], fm["chisq"] / fm["chisq.scaling.factor"],
                        rel_tol=1e-10)
    table = pd.DataFrame(fit["parameters"])
    free = table[table["free"] > 0].sort_values("free")
    vcov = fit["vcov"]
    assert len(vcov["rownames"]) == len(free) == fm["npar"]
    se = [math.sqrt(vcov["values"][i][i]) for i in range(len(free))]
    assert max(abs(a - b) for a, b in zip(se, free["se"])) < 1e-10
    yb = fit["tests"]["yuan.bentler.mplus"]
    assert math.isclose(yb["scaling.factor"],
                        (sum(yb["trace_h1"]) - sum(yb["trace_h0"])) / fm["df"], rel_tol=1e-10)


def test_fiml() -> None:
    ref = _load("lavaan_fiml")
    data = pd.read_csv(ROOT / ref["fits"]["fiml_ml"]["data_file"])
    xs = [f"x{i}" for i in range(1, 10)]
    assert len(data) == 303 and data[xs].isna().all(axis=1).sum() == 2
    assert int(data[xs].iloc[:301].isna().sum().sum()) == ref["data"]["n_cells_deleted"]
    for name in ("fiml_ml", "fiml_mlr"):
        fit = ref["fits"][name]
        assert fit["nobs"] == 301 and fit["norig"] == 303
        assert fit["options"]["missing"] == "ml"
        assert fit["options"]["information"] == ["observed", "observed"]
        assert fit["n_patterns"] == len(fit["patterns"]["freq"])
        assert sum(fit["patterns"]["freq"]) == 301
        assert fit["fit_measures_not_reported"] == [] and fit["fit_measures_requested_na"] == []
        table = pd.DataFrame(fit["parameters"])
        assert (table["op"] == "~1").sum() == 12
        fm = fit["fit_measures"]
        assert math.isclose(fm["chisq"], 2 * (fm["unrestricted.logl"] - fm["logl"]), rel_tol=1e-8)
    mg = ref["multigroup_configural_fiml"]
    assert mg["nobs"] == [156, 145] and mg["fit_measures"]["df"] == 48
