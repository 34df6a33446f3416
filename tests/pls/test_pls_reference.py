"""Deterministic PLS estimates against PyPI seminr 0.2.1 (which reproduces R seminr) at 1e-8.

Cases (tests/reference/pls_seminr.py): the ECSI model on the mobile-phone data with path
weighting, with PLSc, with the factorial scheme and with Image as a mode B construct; the
corporate-reputation model (four formative drivers) with mean replacement and with
listwise deletion of its missing values. The two implementations agree to about 1e-14:
the same iteration stops at the same step.
"""

from __future__ import annotations

import numpy as np
import pytest
from _pls_cases import FITS, reference_fit, seminr_reference

TOL = 1e-8


def _case(name: str) -> dict:
    return seminr_reference()["fits"][name]


def _table(name: str, op: str):
    t = reference_fit(name).table
    return t[t["op"] == op].set_index(["lhs", "rhs"])["estimate"]


def _max_diff(pairs) -> float:
    pairs = list(pairs)
    assert pairs, "nothing compared"
    return max(abs(ours - theirs) for ours, theirs in pairs)


def _mode_a(name: str) -> set[str]:
    res = reference_fit(name)
    return {c for c, m in zip(res.spec.constructs, res.spec.modes, strict=True) if m == "A"}


@pytest.mark.parametrize("name", FITS)
def test_loadings_weights_and_paths(name):
    case = _case(name)
    loadings, weights, paths = _table(name, "=~"), _table(name, "<~"), _table(name, "~")
    assert len(loadings) == len(case["loadings"]) and len(weights) == len(case["weights"])
    assert len(paths) == len(case["paths"])
    assert _max_diff((loadings[(r["col"], r["row"])], r["value"]) for r in case["loadings"]) < TOL
    assert _max_diff((weights[(r["col"], r["row"])], r["value"]) for r in case["weights"]) < TOL
    # seminr's path matrix: row = predictor, column = outcome
    assert _max_diff((paths[(r["col"], r["row"])], r["value"]) for r in case["paths"]) < TOL


@pytest.mark.parametrize("name", FITS)
def test_r2_f2_and_effects(name):
    case, res = _case(name), reference_fit(name)
    r2 = res.r2.set_index("construct")
    assert _max_diff((r2.loc[r["col"], "r2" if r["row"] == "Rsq" else "r2_adj"], r["value"]) for r in case["r2"]) < TOL
    effects = res.effects().set_index(["outcome", "predictor", "effect"])["estimate"]
    assert _max_diff((effects[(r["col"], r["row"], "total")], r["value"]) for r in case["total_effects"]) < TOL
    assert _max_diff((effects[(r["col"], r["row"], "indirect")], r["value"])
                     for r in case["total_indirect_effects"]) < TOL
    assert len(effects.xs("total", level="effect")) == len(case["total_effects"])
    f2 = res.f2.set_index(["outcome", "predictor"])["f2"]
    # seminr fills f² for every exogenous x endogenous pair; the model's paths are those it has
    assert _max_diff((f2[(r["col"], r["row"])], r["value"]) for r in case["f2"] if (r["col"], r["row"]) in f2) < TOL
    assert len(f2) == len(res.spec.paths)


@pytest.mark.parametrize("name", FITS)
def test_scores_and_iterations(name):
    case, res = _case(name), reference_fit(name)
    columns = [case["constructs"].index(c) for c in res.scores.columns]
    assert np.abs(res.scores.to_numpy()[:5] - np.array(case["scores_first_rows"])[:, columns]).max() < TOL
    # seminr reports the index of its last pass (from 0); cxstats the number of weight updates
    assert res.iterations == case["iterations"] + 1
    assert res.converged
    assert res.n == case["nobs"]


@pytest.mark.parametrize("name", FITS)
def test_reliability(name):
    case, assessed = _case(name), reference_fit(name).assess().table.set_index("construct")
    columns = {"alpha": "alpha_std", "rhoA": "rho_a", "rhoC": "rho_c", "AVE": "ave"}  # seminr: standardized alpha
    reflective = _mode_a(name)
    assert _max_diff((assessed.loc[r["row"], columns[r["col"]]], r["value"]) for r in case["reliability"]
                     if r["row"] in reflective) < TOL
    # seminr writes 1 (rho_A) or loading-based numbers for formative blocks; cxstats leaves them undefined
    formative = assessed[assessed["mode"] == "B"]
    assert formative[["alpha", "alpha_std", "rho_a", "rho_c", "ave"]].isna().all().all()


@pytest.mark.parametrize("name", FITS)
def test_validity(name):
    case, assessed = _case(name), reference_fit(name).assess()
    assert _max_diff((assessed.htmt.loc[r["row"], r["col"]], r["value"]) for r in case["htmt"]) < TOL
    assert _max_diff((assessed.cross_loadings.loc[r["row"], r["col"]], r["value"]) for r in case["cross_loadings"]) < TOL
    vif = assessed.indicator_vif.set_index(["construct", "indicator"])["vif"]
    assert _max_diff((vif[(r["construct"], r["item"])], r["value"]) for r in case["item_vif"]) < TOL
    reflective = _mode_a(name)
    diagonal = [r for r in case["fornell_larcker"] if r["row"] == r["col"] and r["row"] in reflective]
    assert _max_diff((assessed.fornell_larcker.loc[r["row"], r["col"]], r["value"]) for r in diagonal) < TOL


@pytest.mark.parametrize("name", [f for f in FITS if f != "ecsi_plsc"])
def test_construct_correlations_and_inner_vif(name):
    case, assessed = _case(name), reference_fit(name).assess()
    off = [r for r in case["fornell_larcker"] if r["row"] != r["col"]]
    assert _max_diff((assessed.fornell_larcker.loc[r["row"], r["col"]], r["value"]) for r in off) < TOL
    vif = assessed.inner_vif.set_index(["outcome", "predictor"])["vif"]
    assert _max_diff((vif[(r["outcome"], r["predictor"])], r["value"]) for r in case["inner_vif"]) < TOL
    assert len(vif) == len(case["inner_vif"])


def test_plsc_construct_correlations_are_the_disattenuated_score_correlations():
    """With PLSc, Fornell-Larcker and inner VIF use the corrected construct correlations
    (as the paths do; seminr reports the uncorrected score correlations there): seminr's
    score correlation / sqrt(rho_A_i rho_A_j)."""
    case, res = _case("ecsi_plsc"), reference_fit("ecsi_plsc")
    rho = {r["row"]: r["value"] for r in case["reliability"] if r["col"] == "rhoA"}
    corrected = res.construct_correlations
    pairs = [(corrected.loc[r["row"], r["col"]], r["value"] / np.sqrt(rho[r["row"]] * rho[r["col"]]))
             for r in case["fornell_larcker"] if r["row"] != r["col"]]
    assert _max_diff(pairs) < TOL
    # paths from the corrected correlations reproduce seminr's PLSc paths (test above), and
    # the inner VIFs are the diagonal of their inverse
    vif = res.assess().inner_vif.set_index(["outcome", "predictor"])["vif"]
    predictors = list(res.spec.predictors("CUSA"))
    expected = np.diag(np.linalg.inv(corrected.loc[predictors, predictors].to_numpy()))
    assert np.allclose(vif.loc["CUSA"].loc[predictors].to_numpy(), expected, atol=1e-12)
