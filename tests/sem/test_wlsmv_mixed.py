"""Models that mix ordered and continuous indicators in sem.fit(..., ordered=[...]) (WLSMV,
ULSMV, DWLS; delta and theta; one group and two; sem.compare's scaled-shifted difference),
checked against lavaan 0.6.14 (tests/reference/lavaan_wlsmv_mixed.R -> lavaan_wlsmv_mixed.json):
Holzinger-Swineford with x1-x3 cut into 4 categories and x4-x9 continuous, and psych's bfi with
A1-A5 ordered and C1-C5 continuous."""

import json
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxstats import sem
from cxstats.sem._ordinal_fit import fit_ordinal_sample
from cxstats.sem._problems import ModelSpecificationError

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "lavaan_wlsmv_mixed.json").read_text())
DATA = {"hs": "hs_mixed.csv", "hs_extra": "hs_mixed.csv", "bfi": "bfi_mixed.csv"}
CASES = [(case, name) for case in ("hs", "hs_extra", "bfi") for name in REF[case] if name != "hs_sample"]
CHISQ = ("chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled")
INDICES = ("df", "pvalue", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.df", "cfi", "tli", "rmsea",
           "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "cfi.scaled", "tli.scaled", "rmsea.scaled",
           "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.pvalue.scaled", "srmr", "wrmr", "npar", "fmin",
           "nfi", "rfi", "ifi", "rni", "pnfi", "nfi.scaled", "rfi.scaled", "ifi.scaled", "rni.scaled", "rmr",
           "rmr_nomean", "srmr_bentler", "srmr_bentler_nomean", "crmr", "crmr_nomean", "gfi", "agfi", "pgfi", "mfi",
           "cn_05", "cn_01")
ROBUST = ("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")


def _data(case, ref):
    data = pd.read_csv(REF_DIR / "data" / DATA[case])
    if case == "bfi" and ref["args"].get("missing") != "pairwise":
        data = data.dropna()
    return data


def _fit(case, name):
    ref = REF[case][name]
    args = ref["args"]
    options = {"estimator": args["estimator"], "parameterization": args.get("parameterization", "delta"),
               "missing": args.get("missing", "listwise"), "std_lv": bool(args.get("std.lv", False))}
    if "group" in args:
        options["group"] = args["group"]
    if "group.equal" in args:
        equal = args["group.equal"]
        options["group_equal"] = [equal] if isinstance(equal, str) else equal
    return sem.fit(ref["model"], _data(case, ref), ordered=ref["ordered"], **options), ref


def _merged(result, ref, key):
    table = result.table
    levels = list(dict.fromkeys(table["group"]))
    lav = pd.DataFrame(ref[key])
    lav["group"] = [levels[g - 1] for g in lav["group"]]
    merged = lav.merge(table, on=["lhs", "op", "rhs", "group"], how="left", validate="one_to_one")
    assert merged["estimate"].notna().all(), merged.loc[merged["estimate"].isna(), ["lhs", "op", "rhs"]]
    return merged


@pytest.mark.parametrize(("case", "name"), CASES)
def test_mixed_fit_matches_lavaan(case, name):
    result, ref = _fit(case, name)
    assert result.converged and result.nobs == int(np.sum(ref["nobs"]))
    if result.groups:
        assert list(result.group_nobs) == ref["nobs"]
    est = _merged(result, ref, "partable")
    # 1e-4, relative above 1: lavaan's two-group theta fit stops short of the optimum (its chi-square
    # is 3e-6 above cxstats'), 4e-5 relative on the visual factor's variance of 8.55
    np.testing.assert_allclose(est["estimate"], est["est"], atol=1e-4, rtol=1e-4)
    free = est["se_x"] > 0
    np.testing.assert_allclose(est.loc[free, "se_y"], est.loc[free, "se_x"], rtol=1e-3)
    assert (est.loc[~free, "se_y"] == 0).all()
    std = _merged(result, ref, "std")
    np.testing.assert_allclose(std["std_all"], std["est_std"], atol=1e-4)
    r2 = result.r2
    by_group = ref["r2"].items() if isinstance(ref["r2"], dict) else [(None, ref["r2"][0])]  # one group: a list
    for level, values in by_group:
        for item, value in values.items():
            assert (r2[item] if level is None else r2[(level, item)]) == pytest.approx(value, abs=1e-4)
    fm = result.fit_measures
    for name_ in CHISQ:
        if name_ in ref["fit"]:
            assert fm[name_] == pytest.approx(ref["fit"][name_], rel=1e-5), name_
    for name_ in INDICES:
        if name_ in ref["fit"]:
            assert fm[name_] == pytest.approx(ref["fit"][name_], abs=1e-4), name_
        else:  # lavaan reports no p-value for the plain ULS statistic
            assert name_ not in fm.index or np.isnan(fm[name_]), name_
    for name_ in ROBUST:  # lavaan's catML robust measures are not defined with continuous variables
        assert name_ not in ref["fit"] and (name_ not in fm.index or np.isnan(fm[name_]))


def test_sample_statistics_follow_lavaan_layout():
    """The statistics fitted are lavaan's wls.obs (thresholds, minus the means, variances, then the
    correlations and covariances), and the implied ones at the estimates reproduce them to the residuals."""
    result, ref = _fit("hs", "wlsmv_delta")
    sample = result._group_moments[0]
    lav = ref["wls_obs"][0]
    assert list(sample.wls_obs_names) == lav["names"]
    np.testing.assert_allclose(sample.wls_obs, lav["values"], atol=1e-6)
    means = [v for k, v in zip(lav["names"], lav["values"], strict=True) if k.endswith("~1")]
    assert np.all(np.array(means) < 0)  # minus the means of x4-x9 (all positive scores)


@pytest.mark.parametrize("name", ["wlsmv_delta", "wlsmv_theta", "ulsmv_delta", "dwls_delta"])
def test_estimator_on_lavaan_sample_statistics(name):
    """The estimator alone, on lavaan's own wls.obs, gamma and DWLS weights (1e-6 on estimates)."""
    ref = REF["hs"][name]
    data = _data("hs", ref)
    result, _ = _fit("hs", name)
    lav = REF["hs_sample"]
    sample = replace(result._group_moments[0], wls_obs=np.array(lav["wls_obs"]), nacov=np.array(lav["gamma"]),
                     wls_v_diag=np.array(lav["wls_v_diag"]))
    spec = result._spec
    alone = fit_ordinal_sample(spec, sample, estimator=ref["args"]["estimator"],
                               parameterization=ref["args"].get("parameterization", "delta"), ci_level=0.95,
                               n_dropped=len(data) - sample.nobs)
    est = _merged(alone, ref, "partable")
    # lavaan's theta and ULSMV fits stop short of the optimum (their chi-squares are 5e-8 relative
    # above cxstats', which gives the same chi-square under delta and theta, as it should)
    tol = {"wlsmv_theta": 3e-5, "ulsmv_delta": 3e-6}.get(name, 1e-6)
    np.testing.assert_allclose(est["estimate"], est["est"], atol=tol)
    free = est["se_x"] > 0
    np.testing.assert_allclose(est.loc[free, "se_y"], est.loc[free, "se_x"], rtol=tol * 10)
    if "chisq.scaled" in ref["fit"]:
        assert alone.fit_measures["chisq.scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-6)


def test_mixed_table_rows():
    result, _ = _fit("hs", "wlsmv_delta")
    t = result.table
    continuous = [f"x{i}" for i in range(4, 10)]
    assert result.ordered == ("x1", "x2", "x3")
    assert list(t.loc[t["op"] == "~*~", "lhs"]) == ["x1", "x2", "x3"]  # no scale factors for continuous variables
    assert set(t.loc[t["op"] == "|", "lhs"]) == {"x1", "x2", "x3"}
    intercepts = t[t["op"] == "~1"].set_index("lhs")
    assert intercepts.loc[continuous, "free"].all() and (intercepts.loc[continuous, "se"] > 0).all()
    assert not intercepts.loc[["x1", "x2", "x3", "visual", "textual", "speed"], "free"].any()
    resid = t[(t["op"] == "~~") & (t["lhs"] == t["rhs"])].set_index("lhs")
    assert resid.loc[continuous, "free"].all() and not resid.loc[["x1", "x2", "x3"], "free"].any()
    np.testing.assert_allclose(resid.loc[["x1", "x2", "x3"], "estimate"], 1 - result.r2[["x1", "x2", "x3"]])


def test_equal_thresholds_equate_continuous_intercepts():
    result, _ = _fit("hs", "groups_thresholds")
    t = result.table
    intercepts = t[t["op"] == "~1"].pivot(index="lhs", columns="group", values="estimate")
    continuous = [f"x{i}" for i in range(4, 10)]
    np.testing.assert_array_equal(intercepts.loc[continuous, "Pasteur"], intercepts.loc[continuous, "Grant-White"])
    scale = t[t["op"] == "~*~"]
    assert list(scale["lhs"]) == ["x1", "x2", "x3"] * 2
    later = scale[scale["group"] == "Grant-White"]
    assert later["free"].all() and (later["se"] > 0).all()


@pytest.mark.parametrize(("model", "ordered", "name"), [
    ("visual =~ x1 + x2 + x3\nvisual ~ x9", ["x1", "x2", "x3"], "x9"),  # a continuous covariate
    ("textual =~ x4 + x5 + x6\ntextual ~ x1", ["x1"], "x1"),  # an ordered covariate, continuous indicators
    ("textual =~ x4 + x5 + x6\ntextual ~ x1", True, "x1"),  # every variable ordered: lavaan conditions on x1 too
])
def test_exogenous_predictor_in_mixed_model_refused(model, ordered, name):
    data = _data("hs", REF["hs"]["wlsmv_delta"])
    with pytest.raises(ModelSpecificationError, match=rf"The observed variable\(s\) '{name}' only predict .*"
                                                      r"conditional\.x.*does not do with ordered items\. Make "
                                                      r"each one the single indicator"):
        sem.fit(model, data, ordered=ordered)


def test_invariance_ladder_with_continuous_variables_refused():
    ref = REF["hs"]["groups_configural"]
    with pytest.raises(ModelSpecificationError, match=r"ordinal invariance ladder needs every observed variable in "
                                                      r"ordered=; 'x4', .*'x9' are continuous"):
        sem.invariance(ref["model"], _data("hs", ref), group="school", ordered=ref["ordered"])


@pytest.mark.parametrize("pair", ["configural_loadings", "loadings_thresholds", "single", "single_x7_times_10"])
def test_compare_mixed_fits_matches_lavaan_lrt(pair):
    """lavTestLRT between WLSMV fits of mixed models (the scaled-shifted Satorra 2000 difference;
    like lavaan's, it depends on the units of the continuous variables: x7 * 10 changes it)."""
    lav = REF["lrt"][pair]
    if pair.startswith("single"):
        ref = REF["hs"]["wlsmv_delta"]
        data = _data("hs", ref)
        if pair == "single_x7_times_10":
            data = data.assign(x7=lambda d: 10 * d["x7"])
        general = sem.fit(ref["model"], data, ordered=ref["ordered"])
        restricted = sem.fit(REF["lrt"]["single"]["model0"], data, ordered=ref["ordered"])
    else:
        first, second = pair.split("_")
        general, _ = _fit("hs", f"groups_{first}")
        restricted, _ = _fit("hs", f"groups_{second}")
    result = sem.compare(general, restricted)
    assert result.method == "satorra.2000"
    row = result.table.iloc[1]
    assert row["chisq_diff"] == pytest.approx(lav["chisq_diff"], rel=1e-5)
    assert row["df_diff"] == lav["df_diff"]
    assert row["p_value"] == pytest.approx(lav["p_value"], rel=1e-4)


def test_compare_mixed_fits_to_rescaled_data_refused():
    """A continuous variable in other units leaves the thresholds and correlations as they are, but
    not its mean and variance: not the same data."""
    general, ref = _fit("hs", "wlsmv_delta")
    data = _data("hs", ref).assign(x9=lambda d: 2 * d["x9"])
    restricted = sem.fit(REF["lrt"]["single"]["model0"], data, ordered=ref["ordered"])
    with pytest.raises(sem.ComparisonError, match=r"were fitted to different data: the same items and number of rows, "
                                                   r"but different thresholds or polychoric correlations \(or means "
                                                   r"and variances of continuous variables\)"):
        sem.compare(general, restricted)


@pytest.mark.parametrize("name", ["groups_loadings", "groups_thresholds"])
def test_score_tests_of_mixed_fits_match_lavaan(name):
    """lavTestScore (each equality, continuous variables' intercepts included, and the total) and
    modindices of the ordered items' fixed intercepts in the second group."""
    result, _ = _fit("hs", name)
    ours = sem.score_tests(result)
    lav = REF["score"][name]
    ref = pd.DataFrame(lav["score"])
    if lav["modindices"]:
        ref = pd.concat([ref, pd.DataFrame(lav["modindices"]).rename(columns={"mi": "x2"})], ignore_index=True)
    merged = ref.merge(ours, on=["lhs", "op", "rhs"], how="left", suffixes=("_ref", ""), validate="one_to_one")
    assert merged["x2"].notna().all() and len(ours) == len(ref)
    np.testing.assert_allclose(merged["x2"], merged["x2_ref"], rtol=1e-4, atol=1e-4)
    assert ours.attrs["total"]["df"] == lav["total"]["df"]
    assert ours.attrs["total"]["x2"] == pytest.approx(lav["total"]["x2"], rel=1e-5)


@pytest.mark.parametrize("factor", [1000.0, 0.001])
def test_units_of_a_continuous_variable_change_nothing_standardized(factor):
    """x7 in other units: the same chi-square and standardized solution, no false identification warning."""
    base, ref = _fit("hs", "wlsmv_delta")
    data = _data("hs", ref).assign(x7=lambda d: d["x7"] * factor)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rescaled = sem.fit(ref["model"], data, ordered=ref["ordered"])
    assert rescaled.identified and rescaled.converged
    assert rescaled.fit_measures["chisq.scaled"] == pytest.approx(base.fit_measures["chisq.scaled"], rel=1e-6)
    np.testing.assert_allclose(rescaled.table["std_all"], base.table["std_all"], atol=1e-6)
    intercept = rescaled.table.query("lhs == 'x7' and op == '~1'").iloc[0]
    before = base.table.query("lhs == 'x7' and op == '~1'").iloc[0]
    assert intercept["estimate"] == pytest.approx(factor * before["estimate"], rel=1e-6)
    assert intercept["se"] == pytest.approx(factor * before["se"], rel=1e-6)
    # the difference test stays computable (lavaan 0.6.14's lavTestLRT stops with an error at these units)
    restricted = sem.fit(REF["lrt"]["single"]["model0"], data, ordered=ref["ordered"])
    assert np.isfinite(sem.compare(rescaled, restricted).table.iloc[1]["chisq_diff"])
