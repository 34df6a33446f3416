"""Driver regression and relative importance against R (lm, sandwich, car, glm, and an
independent subset-enumeration LMG: tests/reference/drivers_lm_sandwich_car.R)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import CollinearityWarning, CxStatsError

ROOT = Path(__file__).resolve().parents[1]
REF = json.loads((ROOT / "tests" / "reference" / "drivers_lm_sandwich_car.json").read_text())["cases"]


def _case(name: str) -> tuple[pd.DataFrame, dict]:
    return cxstats.load_dataset(name).data, REF[name]


@pytest.mark.parametrize("name", list(REF))
@pytest.mark.parametrize("se", ["classical", "HC3", "HC1"])
def test_ols_matches_lm_sandwich_and_car(name, se):
    data, ref = _case(name)
    res = cxstats.driver_regression(data, ref["outcome"], ref["drivers"], se=se)
    table = res.table.set_index("term")
    coef = pd.DataFrame(ref["ols"]["coefficients"]).T
    assert res.nobs == ref["n"]
    assert np.allclose(table["estimate"], coef.loc[table.index, "estimate"], atol=1e-10, rtol=1e-10)
    ses = coef["se"] if se == "classical" else pd.Series(ref["robust"][se]["se"])
    assert np.allclose(table["se"], ses[table.index], rtol=1e-8)
    if se == "classical":
        assert np.allclose(table["p_value"], coef.loc[table.index, "p"], rtol=1e-6, atol=1e-300)
        assert np.allclose(table["ci_low"], coef.loc[table.index, "ci_lower"], rtol=1e-8)
    else:  # robust SEs with the t(df) reference, as lmtest::coeftest(fit, vcovHC(fit)) and coefci
        robust = ref["robust"][se]
        assert (table["df"] == robust["df"]).all()
        assert np.allclose(table["p_value"], pd.Series(robust["p"])[table.index], rtol=1e-6, atol=1e-300)
        assert np.allclose(table["ci_low"], pd.Series(robust["ci_lower"])[table.index], rtol=1e-8)
        assert np.allclose(table["ci_high"], pd.Series(robust["ci_upper"])[table.index], rtol=1e-8)
    assert res.r2 == pytest.approx(ref["ols"]["r_squared"], abs=1e-12)
    assert res.adj_r2 == pytest.approx(ref["ols"]["adj_r_squared"], abs=1e-12)
    drivers = table.drop(index="(Intercept)")
    assert np.allclose(drivers["std_beta"], pd.Series(ref["standardized"]["beta"])[drivers.index], atol=1e-10)
    assert np.allclose(drivers["vif"], pd.Series(ref["collinearity"]["vif"])[drivers.index], rtol=1e-10)
    assert res.condition_number == pytest.approx(ref["collinearity"]["condition_index_cor"], rel=1e-10)


def test_logistic_matches_glm():
    data, ref = _case("customersat")
    logistic = ref["logistic"]
    binary = data.assign(top2=(data["q1"] >= 9).astype(int))
    res = cxstats.driver_regression(binary, "top2", ref["drivers"], family="binomial")
    table = res.table.set_index("term")
    coef = pd.DataFrame(logistic["coefficients"]).T
    assert np.allclose(table["estimate"], coef.loc[table.index, "estimate"], rtol=1e-6)
    assert np.allclose(table["se"], coef.loc[table.index, "se"], rtol=1e-6)
    assert np.allclose(table["odds_ratio"], coef.loc[table.index, "odds_ratio"], rtol=1e-6)
    drivers = table.drop(index="(Intercept)")
    assert np.allclose(drivers["ame"], pd.Series(logistic["ame"])[drivers.index], rtol=1e-6)
    assert np.allclose(np.log(table[["or_ci_low", "or_ci_high"]]), table[["ci_low", "ci_high"]], rtol=1e-12)
    # delta-method SEs of the AMEs: statsmodels' independent implementation (Logit.get_margeff)
    import statsmodels.api as sm

    complete = binary[["top2", *ref["drivers"]]].dropna()
    margeff = sm.Logit(complete["top2"], sm.add_constant(complete[ref["drivers"]])).fit(disp=0).get_margeff()
    assert np.allclose(drivers["ame"], margeff.margeff, rtol=1e-6)
    assert np.allclose(drivers["ame_se"], margeff.margeff_se, rtol=1e-5)
    assert np.allclose(drivers[["ame_ci_low", "ame_ci_high"]], margeff.conf_int(), rtol=1e-5)


@pytest.mark.parametrize("name", list(REF))
def test_lmg_matches_the_r_enumeration(name):
    data, ref = _case(name)
    res = cxstats.relative_importance(data, ref["outcome"], ref["drivers"])
    table = res.table.set_index("term")
    assert np.allclose(table["lmg"], pd.Series(ref["lmg"]["lmg"])[table.index], atol=1e-12)
    assert np.allclose(table["share"], 100 * pd.Series(ref["lmg"]["share"])[table.index], atol=1e-10)
    assert res.r2 == pytest.approx(ref["lmg"]["r_squared"], abs=1e-12)
    assert sorted(table["rank"]) == list(range(1, len(table) + 1))


def test_bootstrap_intervals_are_seeded_and_cover_the_estimates():
    data, ref = _case("customersat")
    a = cxstats.relative_importance(data, "q1", ref["drivers"], bootstrap=100, seed=3)
    b = cxstats.relative_importance(data, "q1", ref["drivers"], bootstrap=100, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert (a.table["share_ci_low"] < a.table["share"]).all() and (a.table["share"] < a.table["share_ci_high"]).all()
    assert len(a.differences) == 9 * 8 // 2
    top = a.differences.set_index(["term_a", "term_b"]).loc[("q2", "q4")]
    assert top["ci_high"] < 0  # q4 is clearly ahead of q2
    text = str(a.plain_summary(labels={"q4": "Pricing given volume"}))
    q4 = a.table.set_index("term").loc["q4"]
    assert (f"**Pricing given volume** (23% of the explained part, bootstrap interval {q4['share_ci_low']:.0f}–"
            f"{q4['share_ci_high']:.0f}%)") in text
    assert f"(R² = {a.r2:.2f}, {a.nobs:,} respondents)" in text
    assert "Their order is not certain" in text  # q4 and q6 cannot be told apart


def test_collinearity_warning_and_errors():
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal(300)
    data = pd.DataFrame({"x1": x1, "x2": x1 + 0.05 * rng.standard_normal(300), "x3": rng.standard_normal(300)})
    data["y"] = data.sum(axis=1) + rng.standard_normal(300)
    with pytest.warns(CollinearityWarning) as caught:
        res = cxstats.driver_regression(data, "y", ["x1", "x2", "x3"])
    messages = [str(w.message) for w in caught]
    assert any(re.search(r"variance inflation above 10 for x1 \(\d+\.\d\), x2", m) for m in messages)
    assert any("condition number of the drivers' correlations is" in m for m in messages)
    assert len(res.problems) == 2 and any("ranking is not meaningful" in p for p in res.problems)
    exact = data.assign(x4=data["x1"] + 2 * data["x3"])
    with pytest.raises(CxStatsError, match=r"Driver 'x1' is a linear combination of 'x3', 'x4'"):
        cxstats.driver_regression(exact, "y", ["x1", "x3", "x4"])
    with pytest.raises(CxStatsError, match=r"20 drivers need 2\^20 = 1,048,576 subset regressions for exact LMG "
                                           r"\(about \d+ s on one core and [\d.]+ GB\); the limit is max_drivers=15\. "
                                           r"Pass method='sampled' .*group related drivers"):
        wide = pd.DataFrame(rng.standard_normal((100, 21)), columns=["y", *[f"d{i}" for i in range(20)]])
        cxstats.relative_importance(wide, "y", [f"d{i}" for i in range(20)])
    with pytest.raises(CxStatsError, match=r"Driver\(s\) 'c' do not vary"):
        cxstats.driver_regression(data.assign(c=1.0), "y", ["x3", "c"])
    with pytest.raises(CxStatsError, match="No column 'zz'"):
        cxstats.driver_regression(data, "y", ["zz"])
    with pytest.raises(CxStatsError, match="must be coded 0/1"):
        cxstats.driver_regression(data, "y", ["x3"], family="binomial")
    with pytest.raises(CxStatsError, match="se must be"):
        cxstats.driver_regression(data, "y", ["x3"], se="HC9")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cxstats.driver_regression(data, "y", ["x3"])  # one clean driver: no warning


def test_lmg_agrees_with_pingouin():
    import pingouin as pg

    data, ref = _case("customersat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = pg.linear_regression(data[ref["drivers"]], data["q1"], relimp=True).set_index("names")
    ours = cxstats.relative_importance(data, "q1", ref["drivers"]).table.set_index("term")
    assert np.allclose(ours["lmg"], peer.loc[ours.index, "relimp"], atol=1e-10)


def test_importance_performance_map():
    import matplotlib.pyplot as plt

    data, ref = _case("customersat")
    ipma = cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10))
    table = ipma.table.set_index("term")
    assert np.allclose(table["importance"], 100 * pd.Series(ref["lmg"]["share"])[table.index], atol=1e-10)
    assert table.loc["q2", "performance"] == pytest.approx((data["q2"].mean() - 1) / 9 * 100)
    assert ipma.importance_split == pytest.approx(100 / 9)
    q4 = table.loc["q4"]  # the most important driver: where does it fall?
    assert q4["quadrant"] == ("Concentrate here" if q4["performance"] < ipma.performance_split else "Keep up the good work")
    beta = cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10), importance="std_beta")
    assert beta.importance_label == "standardized beta"
    fig = ipma.plot()
    assert len(fig.axes[0].collections) == 1
    plt.close(fig)
    with pytest.raises(CxStatsError, match="importance must be 'lmg', 'std_beta' or a Series"):
        cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10), importance="shap")
    total = pd.Series(np.linspace(0.1, 0.9, 9), index=ref["drivers"], name="total effect")
    custom = cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10), importance=total)
    assert custom.importance_label == "total effect" and np.allclose(custom.table["importance"], total)
    with pytest.raises(CxStatsError, match="no value for 'q10'"):
        cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10), importance=total.drop("q10"))


def test_ordinal_matches_polr():
    ref = json.loads((ROOT / "tests" / "reference" / "drivers_polr.json").read_text())
    data = cxstats.load_dataset("customersat").data
    res = cxstats.driver_regression(data, "q1", ref["drivers"], family="ordinal")
    table = res.table.set_index("term")
    coef = pd.DataFrame(ref["coefficients"]).T
    assert np.allclose(table.loc[ref["drivers"], "estimate"], coef["estimate"], atol=1e-5)
    assert np.allclose(table.loc[ref["drivers"], "se"], coef["se"], rtol=1e-3)
    cuts = table.loc[[t for t in table.index if t.startswith("threshold")], "estimate"]
    assert np.allclose(cuts, list(ref["thresholds"].values()), atol=1e-5)
    assert res.r2 == pytest.approx(1 - ref["loglik"] / ref["null_loglik"], abs=1e-7)
    with pytest.raises(CxStatsError, match="at least 3 categories"):
        cxstats.driver_regression(data.assign(top=(data["q1"] > 8).astype(int)), "top", ["q2"], family="ordinal")


def test_ordinal_non_convergence_is_a_named_warning_and_a_problem(monkeypatch):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    from cxstats.sem import ConvergenceWarning

    original = OrderedModel.fit
    monkeypatch.setattr(OrderedModel, "fit", lambda self, **kw: original(self, **{**kw, "maxiter": 1}))
    data = cxstats.load_dataset("customersat").data
    with pytest.warns(ConvergenceWarning, match="The ordinal model did not converge"):
        res = cxstats.driver_regression(data, "q1", ["q2", "q4"], family="ordinal")
    assert res.problems and res.problems[-1].startswith("ConvergenceWarning: The ordinal model did not converge")


def test_importance_performance_carries_the_bootstrap_shares_and_performance_intervals():
    data, ref = _case("customersat")
    shares = cxstats.relative_importance(data, "q1", ref["drivers"], bootstrap=50, seed=7)
    ipma = cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10), importance=shares)
    table = ipma.table.set_index("term")
    same = shares.table.set_index("term")
    assert np.allclose(table["importance"], same["share"]) and ipma.importance_label == "share of R², %"
    assert np.allclose(table["importance_ci_low"], same["share_ci_low"])
    assert np.allclose(table["importance_ci_high"], same["share_ci_high"])
    # performance and its interval are the 0-100 index of the single item (a t interval of the mean)
    index = cxstats.satisfaction_index(data, ["q4"], scale=(1, 10)).table.iloc[0]
    assert table.loc["q4", "performance"] == pytest.approx(index["estimate"])
    assert table.loc["q4", "performance_ci_low"] == pytest.approx(index["ci_low"])
    assert table.loc["q4", "performance_ci_high"] == pytest.approx(index["ci_high"])
    assert (table["n"] == len(data)).all()
    plain = cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10)).table
    assert plain["importance_ci_low"].isna().all()
    with pytest.raises(CxStatsError, match="relative-importance result has no share for 'q10'; compute it with the same"):
        cxstats.importance_performance(data, "q1", ref["drivers"], scale=(1, 10),
                                       importance=cxstats.relative_importance(data, "q1", ref["drivers"][:-1]))


def test_difference_between_two_shares_in_either_order():
    data, ref = _case("customersat")
    res = cxstats.relative_importance(data, "q1", ref["drivers"], bootstrap=50, seed=11)
    stored = res.differences.set_index(["term_a", "term_b"]).loc[("q2", "q4")]
    forward, backward = res.difference("q2", "q4"), res.difference("q4", "q2")
    assert forward.tolist() == pytest.approx([stored["difference"], stored["ci_low"], stored["ci_high"]])
    assert backward.tolist() == pytest.approx([-stored["difference"], -stored["ci_high"], -stored["ci_low"]])
    shares = res.table.set_index("term")["share"]
    assert backward["difference"] == pytest.approx(shares["q4"] - shares["q2"])
    with pytest.raises(CxStatsError, match=r"No difference between 'q4' and 'q99': both must be drivers"):
        res.difference("q4", "q99")
    plain = cxstats.relative_importance(data, "q1", ref["drivers"])
    with pytest.raises(CxStatsError, match=r"computed without bootstrap.*rerun relative_importance\(\) with bootstrap"):
        plain.difference("q2", "q4")


def test_importance_performance_reads_the_scale_from_the_codebook():
    survey = cxstats.load_dataset("customersat")
    drivers = ["q2", "q3", "q4"]
    from_codebook = cxstats.importance_performance(survey.data, "q1", drivers, codebook=survey.codebook)
    given = cxstats.importance_performance(survey.data, "q1", drivers, scale=(1, 10))
    pd.testing.assert_frame_equal(from_codebook.table, given.table)
    with pytest.raises(CxStatsError, match=r"^importance_performance needs the response scale: pass "
                                           r"scale=\(low, high\), codebook=, or a cxstats\.Survey as data\.$"):
        cxstats.importance_performance(survey.data, "q1", drivers)
