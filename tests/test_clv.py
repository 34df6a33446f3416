"""Customer lifetime value against lifetimes 0.11.3 on the CDNOW sample (tests/reference/clv_lifetimes.py),
parameter recovery on simulated customers, and every error and warning."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_plain_summaries import _clean

import cxstats
from cxstats import _clv_models as models
from cxstats._figures import ReportFigure
from cxstats.rfm import SEGMENTS

REF = json.loads((Path(__file__).resolve().parent / "reference" / "clv_lifetimes.json").read_text())
BGNBD = ["r", "alpha", "a", "b"]
GG = ["p", "q", "v"]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return cxstats.load_dataset("cdnow_transactions").data


@pytest.fixture(scope="module")
def summary(cdnow) -> cxstats.CLVSummary:
    return cxstats.clv_summary(cdnow, duplicates="keep")


@pytest.fixture(scope="module")
def fitted(summary):
    return cxstats.bgnbd(summary), cxstats.gamma_gamma(summary)


@pytest.fixture(scope="module")
def split(cdnow) -> cxstats.CalibrationHoldout:
    return cxstats.calibration_holdout(cdnow, calibration_end=REF["calibration_end"], duplicates="keep")


def _same_summary(table: pd.DataFrame, ref: dict, columns: list[str]) -> None:
    assert table["customer"].tolist() == ref["customer"]
    for c in columns:
        if "monetary" in c:
            np.testing.assert_allclose(table[c].to_numpy(), ref[c], rtol=1e-12, atol=1e-12, err_msg=c)
        else:
            assert table[c].to_numpy(dtype=float).tolist() == ref[c], c


# ---------------------------------------------------------------- summaries: identical to lifetimes

def test_daily_summary_is_lifetimes_summary(summary):
    _same_summary(summary.table, REF["summary_daily"], ["frequency", "recency", "T", "monetary_value"])
    assert summary.as_of == pd.Timestamp("1998-06-30")


def test_dropping_repeated_rows_is_lifetimes_on_drop_duplicates(cdnow):
    dropped = cxstats.clv_summary(cdnow, duplicates="drop")
    _same_summary(dropped.table, REF["summary_daily_dropped"], ["frequency", "recency", "T", "monetary_value"])
    assert dropped.duplicates == 21


def test_weekly_summary_and_an_earlier_as_of(cdnow):
    weekly = cxstats.clv_summary(cdnow, time_unit="W", duplicates="keep")
    _same_summary(weekly.table, REF["summary_weekly"], ["frequency", "recency", "T", "monetary_value"])
    assert weekly.as_of == pd.Timestamp("1998-06-29")  # the Monday starting the last week
    early = cxstats.clv_summary(cdnow, as_of="1997-12-31", duplicates="keep")
    _same_summary(early.table, REF["summary_daily_as_of"], ["frequency", "recency", "T", "monetary_value"])
    assert early.excluded > 0


def test_calibration_holdout_is_lifetimes_split(split):
    columns = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal", "frequency_holdout",
               "monetary_value_holdout", "duration_holdout"]
    _same_summary(split.table, REF["holdout"], columns)
    assert split.duration_holdout == 273.0


def test_repeated_rows_warn_with_their_class_and_are_recorded(cdnow):
    with pytest.warns(cxstats.DuplicateTransactionsWarning, match="21 row"):
        result = cxstats.clv_summary(cdnow)
    assert result.problems[0].startswith("DuplicateTransactionsWarning: clv_summary: 21 row(s)")


# ---------------------------------------------------------------- models: lifetimes at its optimum

def test_bgnbd_matches_lifetimes(fitted, summary):
    model, _ = fitted
    ref = REF["bgnbd"]
    table = model.table.set_index("term")
    np.testing.assert_allclose(table["estimate"][BGNBD], [ref["params"][k] for k in BGNBD], rtol=1e-5)
    np.testing.assert_allclose(table["se"][BGNBD], [ref["se"][k] for k in BGNBD], rtol=1e-3)
    assert model.loglik == pytest.approx(ref["loglik"], rel=1e-5)
    assert model.loglik >= ref["loglik"] - 1e-9 * abs(ref["loglik"])  # at least as high as lifetimes' optimum
    assert model.converged and model.problems == ()
    for t, value in ref["expected_new"].items():
        assert float(model.expected_purchases(float(t))) == pytest.approx(value, rel=1e-4)
    for t in (30, 365):
        pred = model.predict(t)
        np.testing.assert_allclose(pred["expected_purchases"], ref[f"conditional_{t}"], rtol=1e-4, atol=1e-10)
    np.testing.assert_allclose(model.predict(30)["p_alive"], ref["p_alive"], rtol=1e-4, atol=1e-10)


def test_gamma_gamma_matches_lifetimes(fitted):
    _, spend = fitted
    ref = REF["gamma_gamma"]
    table = spend.table.set_index("term")
    np.testing.assert_allclose(table["estimate"][GG], [ref["params"][k] for k in GG], rtol=1e-5)
    np.testing.assert_allclose(table["se"][GG], [ref["se"][k] for k in GG], rtol=1e-3)
    assert spend.loglik == pytest.approx(ref["loglik"], rel=1e-5)
    assert spend.loglik >= ref["loglik"] - 1e-9 * abs(ref["loglik"])
    assert spend.correlation == pytest.approx(ref["correlation"], rel=1e-10)
    np.testing.assert_allclose(spend.expected_spend()["expected_spend"], ref["expected_spend"], rtol=1e-4)
    assert spend.n == 1139 and spend.problems == ()


@pytest.mark.parametrize(("months", "rate", "key"), [(12, 0.01, "clv_12"), (6, 0.02, "clv_6_rate_2pct")])
def test_lifetime_value_matches_lifetimes_for_every_customer(fitted, months, rate, key):
    value = cxstats.lifetime_value(*fitted, months=months, discount_rate=rate, n_boot=0)
    np.testing.assert_allclose(value.table["clv"], REF["gamma_gamma"][key], rtol=1e-4, atol=1e-8)
    assert value.table["ci_low"].isna().all() and value.n_boot == 0


def test_holdout_check_matches_lifetimes_plot_means(split):
    model = cxstats.bgnbd(split)
    ref = REF["holdout_bgnbd"]
    np.testing.assert_allclose(model.table["estimate"], [ref["params"][k] for k in BGNBD], rtol=1e-5)
    assert model.loglik >= ref["loglik"] - 1e-9 * abs(ref["loglik"])
    check = cxstats.holdout_validation(model, split)
    head = check.table.iloc[:7]
    assert head["calibration_purchases"].tolist() == REF["holdout_plot"]["frequency_cal"]
    np.testing.assert_allclose(head["actual"], REF["holdout_plot"]["actual"], rtol=1e-12)
    np.testing.assert_allclose(head["predicted"], REF["holdout_plot"]["predicted"], rtol=1e-4)
    assert check.table["customers"].sum() == split.n_customers
    assert check.total_actual == split.table["frequency_holdout"].sum()


def test_holdout_figure_is_a_report_figure_and_leaves_pyplot_alone(split):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = cxstats.holdout_validation(cxstats.bgnbd(split), split, max_purchases=5).plot()
    assert isinstance(fig, ReportFigure) and plt.get_fignums() == before
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["actual", "predicted (BG/NBD)"]
    assert fig.axes[0].get_xticklabels()[-1].get_text().startswith("5+")


# ---------------------------------------------------------------- recovery of a known truth

def test_bgnbd_and_gamma_gamma_recover_simulated_parameters():
    truth = np.array([0.8, 20.0, 0.6, 3.0])
    rng = np.random.default_rng(7)
    x, tx, T = models.bgnbd_simulate(20_000, truth, rng.uniform(200, 400, 20_000), rng)
    model = cxstats.bgnbd(pd.DataFrame({"customer": np.arange(x.size), "frequency": x, "recency": tx, "T": T}))
    table = model.table.set_index("term")
    z = (table["estimate"] - truth) / table["se"]
    assert (z.abs() < 3.5).all(), z
    # spend: each customer's amounts gamma(p, nu), nu ~ gamma(q, v)
    p, q, v = 5.0, 4.0, 30.0
    nu = rng.gamma(q, 1 / v, x.size)
    buyers = x > 0
    mean = rng.gamma(p * x[buyers], 1 / (nu[buyers] * x[buyers]))
    spend = cxstats.gamma_gamma(pd.DataFrame({"customer": np.flatnonzero(buyers), "frequency": x[buyers],
                                              "monetary_value": mean}))
    z = (spend.table.set_index("term")["estimate"] - [p, q, v]) / spend.table.set_index("term")["se"]
    assert (z.abs() < 3.5).all(), z


# ---------------------------------------------------------------- lifetime value with bootstrap intervals

def test_segment_intervals_are_reproducible_and_cover_the_estimate(cdnow, fitted):
    segments = cxstats.rfm(cdnow, duplicates="keep").table.set_index("customer")["segment"]
    first = cxstats.lifetime_value(*fitted, segments=segments, n_boot=30, seed=3)
    again = cxstats.lifetime_value(*fitted, segments=segments, n_boot=30, seed=3)
    pd.testing.assert_frame_equal(first.segments, again.segments)
    seg = first.segments
    assert seg["customers"].sum() == 2357 and first.failed_draws == 0
    big = seg[seg["customers"] >= 50]
    assert ((big["ci_low"] < big["mean_clv"]) & (big["mean_clv"] < big["ci_high"])).all()
    assert ((big["total_ci_low"] < big["total_clv"]) & (big["total_clv"] < big["total_ci_high"])).all()
    assert first.total_ci_low < first.total_clv < first.total_ci_high
    assert first.total_ci_high < seg["total_ci_high"].sum()  # segments' extremes do not coincide
    assert seg["segment"].tolist() == [name for name in SEGMENTS if name in set(segments)]  # RFM's reporting order, not alphabetical
    t = first.table
    inside = (t["ci_low"] <= t["clv"]) & (t["clv"] <= t["ci_high"])
    assert inside.mean() > 0.9 and (t["ci_high"] > t["ci_low"]).all()
    text = str(first.plain_summary())
    assert "Not reported, fewer than 30 customers: Can't lose them (n = 3)." in text
    assert "Can't lose them (n = 3):" not in text
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = first.plot()
    assert isinstance(fig, ReportFigure) and plt.get_fignums() == before
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sum(label.endswith("(n = 3, too few to act on)") for label in labels) == 1 and len(labels) == len(seg)
    assert "whiskers: 95% bootstrap interval" in fig.axes[0].get_xlabel()
    assert seg.set_index("segment").loc["Champions", "mean_clv"] == pytest.approx(
        t.loc[t["segment"] == "Champions", "clv"].mean())


def test_plain_summaries_are_careful(summary, fitted, split):
    value = cxstats.lifetime_value(*fitted, n_boot=5, seed=1)
    texts = {"summary": summary.plain_summary(), "bgnbd": fitted[0].plain_summary(),
             "gamma": fitted[1].plain_summary(), "value": value.plain_summary(), "split": split.plain_summary(),
             "holdout": cxstats.holdout_validation(cxstats.bgnbd(split), split).plain_summary()}
    assert {k: _clean(str(v)) for k, v in texts.items() if _clean(str(v))} == {}
    assert "1,139 of them (48%)" in str(texts["summary"])
    assert "All customers (n = 2,357)" in str(texts["value"])
    assert "1,882" in str(texts["holdout"])


# ---------------------------------------------------------------- errors and warnings

def _frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"customer": [f"c{k}" for k in range(n)], **columns})


def test_no_repeat_buyers_is_an_error():
    data = _frame(frequency=[0, 0, 0], recency=[0.0, 0, 0], T=[5.0, 6, 7], monetary_value=[0.0, 0, 0])
    with pytest.raises(cxstats.CxStatsError, match=r"^bgnbd: no customer made a repeat purchase \(all 3 have"):
        cxstats.bgnbd(data)
    with pytest.raises(cxstats.CxStatsError, match=r"^gamma_gamma: no customer made a repeat purchase; .*period\.$"):
        cxstats.gamma_gamma(data)


def test_recency_after_t_names_the_customers():
    data = _frame(frequency=[1, 2, 0], recency=[9.0, 3, 0], T=[5.0, 6, 7])
    with pytest.raises(cxstats.CxStatsError, match=r"^bgnbd: recency is larger than T for customer\(s\) c0: .*\.$"):
        cxstats.bgnbd(data)
    data = _frame(frequency=[1, 0, 0], recency=[1.0, 3, 0], T=[5.0, 6, 7])
    with pytest.raises(cxstats.CxStatsError, match=r"customer\(s\) c1 have no repeat purchase but a recency above 0"):
        cxstats.bgnbd(data)
    data = _frame(frequency=[1, -1, 0], recency=[1.0, 0, 0], T=[5.0, 6, np.nan])
    with pytest.raises(cxstats.CxStatsError, match=r"column 'frequency' has missing, negative .* customer\(s\) c1;"):
        cxstats.bgnbd(data)
    with pytest.raises(cxstats.CxStatsError, match=r"^bgnbd: no column 'T' in the summary; make it with "):
        cxstats.bgnbd(data.drop(columns="T"))
    with pytest.raises(TypeError, match=r"^bgnbd needs the result of clv_summary\(\).*got list\.$"):
        cxstats.bgnbd([1, 2])  # type: ignore[arg-type]


def test_zero_spend_of_repeat_buyers_names_them():
    data = _frame(frequency=[1, 2, 0, 3], monetary_value=[0.0, 5, 0, 0])
    with pytest.raises(cxstats.CxStatsError, match=r"^gamma_gamma: customer\(s\) c0, c3 made repeat purchases worth "
                                                   r"0 in all; .*amounts\.$"):
        cxstats.gamma_gamma(data)


def test_correlated_spend_and_frequency_warn_and_are_recorded():
    rng = np.random.default_rng(2)
    x = rng.integers(1, 20, 500)
    data = _frame(frequency=x, monetary_value=x * rng.gamma(3, 10, 500))
    with pytest.warns(cxstats.SpendFrequencyCorrelationWarning, match=r"are correlated \(r = 0\.\d\d, above 0.3\)"):
        spend = cxstats.gamma_gamma(data)
    assert spend.correlation > 0.3
    assert spend.problems[0].startswith("SpendFrequencyCorrelationWarning: gamma_gamma: frequency and monetary")
    assert "doubtful" in str(spend.plain_summary())
    from cxstats.report import cautions

    assert "- Spend depends on purchase frequency: gamma_gamma:" in cautions(spend.problems)._repr_markdown_()


def test_non_convergence_warns_and_is_recorded():
    x = np.arange(200) % 10 + 1.0  # everyone still buying on the last day: no drop-out to estimate
    with pytest.warns(cxstats.CLVConvergenceWarning, match=r"^bgnbd: the BG/NBD fit did not converge: a = .* ran to "
                                                          r"the edge .*not reliable\.$"):
        model = cxstats.bgnbd(_frame(frequency=x, recency=np.full(200, 100.0), T=np.full(200, 100.0)))
    assert not model.converged and model.problems[0].startswith("CLVConvergenceWarning: bgnbd:")
    assert "did not converge" in str(model.plain_summary())
    from cxstats.report import cautions

    shown = cautions(model.problems, model="the purchase model")._repr_markdown_()
    assert "- The lifetime-value model did not finish: bgnbd: the BG/NBD fit did not converge" in shown
    m = np.exp(np.random.default_rng(1).normal(3, 3, 200))
    with pytest.warns(cxstats.CLVConvergenceWarning, match=r"q = 0\.\d+ is not above 1, so the expected spend"):
        spend = cxstats.gamma_gamma(_frame(frequency=x, monetary_value=m))
    assert not spend.converged and spend.problems[-1].startswith("CLVConvergenceWarning: gamma_gamma:")


def test_failed_bootstrap_refits_warn_and_are_counted(fitted, monkeypatch):
    real = models.gamma_gamma_fit
    calls = {"n": 0}

    def flaky(x, m, start=None):
        calls["n"] += 1
        fit = real(x, m, start)
        return fit if calls["n"] % 2 else models.Fit(**{**fit.__dict__, "converged": False})

    monkeypatch.setattr(models, "gamma_gamma_fit", flaky)
    with pytest.warns(cxstats.CLVConvergenceWarning, match=r"^lifetime_value: 2 of 4 bootstrap refits did not "):
        value = cxstats.lifetime_value(*fitted, n_boot=4, seed=1)
    assert value.failed_draws == 2 and "2 of 4 bootstrap refits" in str(value.plain_summary())


def test_lifetime_value_argument_errors(fitted, summary, split):
    model, spend = fitted
    with pytest.raises(cxstats.CxStatsError, match=r"fitted to different customers \(2357 and 300\)"):
        cxstats.lifetime_value(model, cxstats.gamma_gamma(summary.table.iloc[:300]), n_boot=0)
    with pytest.raises(cxstats.CxStatsError, match=r"^lifetime_value: customer\(s\) 3, 4, 5, 6, 7 and 2350 more have no segment in "):
        cxstats.lifetime_value(model, spend, segments=pd.Series({1: "a", 2: "b"}), n_boot=0)
    with pytest.raises(TypeError, match=r"segments must be a pandas Series indexed by customer id or a dict, got list"):
        cxstats.lifetime_value(model, spend, segments=["a"], n_boot=0)  # type: ignore[arg-type]
    with pytest.raises(cxstats.CxStatsError, match=r"discount_rate must be a monthly rate from 0 to 1 .*got 12\.$"):
        cxstats.lifetime_value(model, spend, discount_rate=12, n_boot=0)
    with pytest.raises(TypeError, match=r"^lifetime_value needs a bgnbd\(\) \(or pareto_nbd\(\)\) result and a "
                                        r"gamma_gamma\(\) result, got GammaGammaResult and BGNBDResult\.$"):
        cxstats.lifetime_value(spend, model)  # type: ignore[arg-type]
    with pytest.raises(cxstats.CxStatsError, match=r"^holdout_validation: the model was not fitted to this split"):
        cxstats.holdout_validation(model, split)
    with pytest.raises(TypeError, match=r"^holdout_validation needs a bgnbd\(\) \(or pareto_nbd\(\)\) result and a "
                                        r"calibration_holdout\(\) result, got BGNBDResult and CLVSummary\.$"):
        cxstats.holdout_validation(model, summary)  # type: ignore[arg-type]
    with pytest.raises(cxstats.CxStatsError, match=r"max_purchases"):
        cxstats.holdout_validation(cxstats.bgnbd(split), split, max_purchases=0)


def test_split_and_unit_errors(cdnow):
    with pytest.raises(cxstats.CxStatsError, match=r"calibration_end 1998-07-31 is not before observation_end "
                                                   r"1998-06-30; .*calibration_end\.$"):
        cxstats.calibration_holdout(cdnow, calibration_end="1998-07-31", duplicates="keep")
    with pytest.raises(cxstats.CxStatsError, match=r"calibration_end 1996-01-01 is before the first purchase "
                                                   r"\(1997-01-01\); pass a later date\.$"):
        cxstats.calibration_holdout(cdnow, calibration_end="1996-01-01", duplicates="keep")
    last = cdnow["date"].max()
    quiet = cdnow[cdnow["date"] != last]
    with pytest.raises(cxstats.CxStatsError, match=r"no purchase falls after calibration_end 1998-06-29 up to "
                                                   r"1998-06-30; .*later observation_end\.$"):
        cxstats.calibration_holdout(quiet, calibration_end="1998-06-29", observation_end="1998-06-30",
                                    duplicates="keep")
    with pytest.raises(cxstats.CxStatsError, match=r"^clv_summary: time_unit must be 'D' \(days\) or 'W' \(weeks, "
                                                   r"Monday to Sunday\), got 'M'\.$"):
        cxstats.clv_summary(cdnow, time_unit="M")
    with pytest.raises(cxstats.CxStatsError, match=r"^clv_summary: as_of 'soon' is not a date; pass e\.g\. "):
        cxstats.clv_summary(cdnow, as_of="soon")
    with pytest.raises(cxstats.CxStatsError, match=r"^calibration_holdout: observation_end 1996-06-30 is before the "
                                                   r"first transaction \(1997-01-01\); .* or observation_end=None "):
        cxstats.calibration_holdout(cdnow, calibration_end="1996-01-01", observation_end="1996-06-30",
                                    duplicates="keep")
    with pytest.raises(cxstats.CxStatsError, match=r"^calibration_holdout: observation_end 'soon' is not a date; "):
        cxstats.calibration_holdout(cdnow, calibration_end="1997-09-30", observation_end="soon", duplicates="keep")
    with pytest.raises(cxstats.CxStatsError, match=r"^calibration_holdout: calibration_end is missing \(NaT\); pass a "
                                                   r"date\.$"):
        cxstats.calibration_holdout(cdnow, calibration_end=pd.NaT, duplicates="keep")


def test_fitting_does_not_change_the_summary(summary):
    before = summary.table.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cxstats.bgnbd(summary)
        cxstats.gamma_gamma(summary)
    pd.testing.assert_frame_equal(summary.table, before)


# ---------------------------------------------------------------- Pareto/NBD

def test_pareto_nbd_reaches_lifetimes_optimum_and_its_formulas_match(summary, fitted):
    ref = REF["pareto_nbd"]
    model = cxstats.pareto_nbd(summary)
    assert model.converged and model.problems == ()
    theirs = np.array([ref["params"][k] for k in ["r", "alpha", "s", "beta"]])
    # lifetimes' Nelder-Mead stops short: the parameters agree to its precision, the likelihood is at least its own
    np.testing.assert_allclose(model.params, theirs, rtol=1e-3)
    assert model.loglik == pytest.approx(ref["loglik"], rel=1e-5)
    assert model.loglik >= ref["loglik"]
    x, tx, T = (summary.table[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    np.testing.assert_allclose(models.pareto_alive(x, tx, T, theirs), ref["p_alive"], rtol=1e-10)
    np.testing.assert_allclose(models.pareto_conditional(30.0, x, tx, T, theirs), ref["conditional_30"], rtol=1e-10)
    for t, value in ref["expected_new"].items():
        assert float(models.pareto_expected(float(t), theirs)) == pytest.approx(value, rel=1e-10)
    # the whole CLV pipeline at lifetimes' parameters (the table of an otherwise identical result)
    at_theirs = dataclasses.replace(model, table=model.table.assign(estimate=theirs))
    value = cxstats.lifetime_value(at_theirs, fitted[1], n_boot=0)
    np.testing.assert_allclose(value.table["clv"], ref["clv_12"], rtol=1e-4, atol=1e-8)
    assert value.purchase_model == "Pareto/NBD" and "Pareto/NBD purchases" in str(value.plain_summary())
    # and at its own optimum the predictions move by no more than the parameters do
    np.testing.assert_allclose(model.predict(30)["p_alive"], ref["p_alive"], rtol=1e-3)


def test_pareto_nbd_holdout_check_and_summary(split):
    model = cxstats.pareto_nbd(split)
    check = cxstats.holdout_validation(model, split)
    assert check.model == "Pareto/NBD"
    assert [t.get_text() for t in check.plot().axes[0].texts] == ["actual", "predicted (Pareto/NBD)"]
    assert check.total_predicted == pytest.approx(model.predict(split.duration_holdout)["expected_purchases"].sum())
    text = str(model.plain_summary())
    assert text.startswith("- Pareto/NBD fitted to 2,357 customers") and _clean(text) == []
    with pytest.raises(cxstats.CxStatsError, match=r"^pareto_nbd: no customer made a repeat purchase"):
        cxstats.pareto_nbd(_frame(frequency=[0, 0], recency=[0.0, 0], T=[3.0, 4]))


def test_weekly_models_and_clv_match_lifetimes(cdnow):
    weekly = cxstats.clv_summary(cdnow, time_unit="W", duplicates="keep")
    ref = REF["weekly"]
    model, spend = cxstats.bgnbd(weekly), cxstats.gamma_gamma(weekly)
    np.testing.assert_allclose(model.params, [ref["bgnbd"][k] for k in BGNBD], rtol=1e-5)
    np.testing.assert_allclose(spend.params, [ref["gamma_gamma"][k] for k in GG], rtol=1e-5)
    value = cxstats.lifetime_value(model, spend, n_boot=0)  # a month is 4.345 weeks
    np.testing.assert_allclose(value.table["clv"], ref["clv_12"], rtol=1e-4, atol=1e-8)
    assert "weeks" in str(model.plain_summary())


def test_many_customers_get_segment_intervals_only(fitted, monkeypatch):
    import cxstats.clv as clv

    monkeypatch.setattr(clv, "MAX_DRAW_CELLS", 100)
    value = cxstats.lifetime_value(*fitted, n_boot=5, seed=2)
    assert value.table["ci_low"].isna().all()
    row = value.segments.iloc[0]
    assert row["ci_low"] < row["mean_clv"] < row["ci_high"]
