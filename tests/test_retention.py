"""Retention: Kaplan-Meier, log-rank and Cox against R survival 3.5, parameter recovery on the
simulator, period churn/repurchase rates against a direct count, and every user-facing error."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import CxStatsError
from cxstats.retention import (
    NoEventsWarning,
    PartialPeriodWarning,
    churn_model,
    cox_model,
    kaplan_meier,
    period_rates,
)
from cxstats.sem._problems import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]
REF = json.loads((ROOT / "tests" / "reference" / "survival_km_cox.json").read_text())
TOL = 1e-8


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = pd.read_csv(ROOT / "tests" / "reference" / "data" / "lung.csv")
    return data.assign(dead=data["status"] - 1)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests" / "reference" / "data" / "cx_panel_survival.csv")


KM_CASES = {  # reference name -> (data fixture, time, event, group, start)
    "lung_by_sex": ("lung", "time", "dead", "sex", None),
    "lung_all": ("lung", "time", "dead", None, None),
    "panel_by_country": ("panel", "tenure_months", "churned", "country", None),
    "panel_entry_by_country": ("panel", "tenure_months", "churned", "country", "entry"),
}


@pytest.mark.parametrize("case", list(KM_CASES))
def test_kaplan_meier_matches_r_survfit(case, request):
    source, time, event, group, start = KM_CASES[case]
    ref = REF["km"][case]
    km = kaplan_meier(request.getfixturevalue(source), time, event, group=group, start=start, at=ref["at"])
    curve = pd.DataFrame(ref["curve"])
    table = km.table.assign(group=km.table["group"].astype(str))
    assert list(table["group"]) == list(curve["group"])
    for ours, theirs in [("time", "time"), ("n_at_risk", "n_risk"), ("n_events", "n_event"),
                         ("n_censored", "n_censor"), ("survival", "surv"), ("se", "std_err"),
                         ("ci_low", "lower"), ("ci_high", "upper")]:
        np.testing.assert_allclose(table[ours].to_numpy(float), curve[theirs].to_numpy(float), atol=TOL, rtol=0,
                                   equal_nan=True, err_msg=ours)
    medians = pd.DataFrame(ref["medians"])
    for ours, theirs in [("median", "median"), ("median_ci_low", "lower"), ("median_ci_high", "upper")]:
        np.testing.assert_allclose(km.summary[ours].to_numpy(float), medians[theirs].to_numpy(float), atol=TOL,
                                   equal_nan=True, err_msg=ours)
    np.testing.assert_array_equal(km.summary["n"], np.atleast_1d(ref["n"]))
    np.testing.assert_array_equal(km.summary["events"], np.atleast_1d(ref["events"]))
    at = pd.DataFrame(ref["at_times"])
    observed = km.retention.dropna(subset=["survival"])  # R drops times after the last one (extend = FALSE)
    for ours, theirs in [("time", "time"), ("n_at_risk", "n_risk"), ("survival", "surv"), ("se", "std_err"),
                         ("ci_low", "lower"), ("ci_high", "upper")]:
        np.testing.assert_allclose(observed[ours].to_numpy(float), at[theirs].to_numpy(float), atol=TOL,
                                   err_msg=ours)
    if "logrank" in ref:
        test = ref["logrank"]
        assert km.logrank_chisq == pytest.approx(test["chisq"], abs=TOL)
        assert km.logrank_df == test["df"]
        assert km.logrank_p_value == pytest.approx(test["p"], abs=TOL)
        np.testing.assert_allclose(km.summary["expected"], test["expected"], atol=TOL)
    else:
        assert np.isnan(km.logrank_chisq)


def test_median_on_an_exact_half_is_the_midpoint_as_in_r(panel):
    # CN's curve sits exactly at 0.5 from month 22 to 23: R prints 22.5.
    km = kaplan_meier(panel, "tenure_months", "churned", group="country")
    assert km.summary.set_index("group").loc["CN", "median"] == 22.5


COX_CASES = {  # reference name -> (fixture, time, event, covariates, start, ties, R term names)
    "lung_efron": ("lung", "time", "dead", ["age", "sex", "ph.ecog"], None, "efron", None),
    "lung_breslow": ("lung", "time", "dead", ["age", "sex", "ph.ecog"], None, "breslow", None),
    "panel_efron": ("panel", "tenure_months", "churned", ["emo", "sat", "country"], None, "efron",
                    {"country[CN]": "countryCN", "country[DE]": "countryDE", "country[US]": "countryUS"}),
    "panel_entry_country": ("panel", "tenure_months", "churned", ["country"], "entry", "efron",
                            {"country[CN]": "countryCN", "country[DE]": "countryDE", "country[US]": "countryUS"}),
}


@pytest.mark.parametrize("case", list(COX_CASES))
def test_cox_model_matches_r_coxph(case, request):
    source, time, event, covariates, start, ties, rename = COX_CASES[case]
    ref = REF["cox"][case]
    fit = cox_model(request.getfixturevalue(source), time, event, covariates, start=start, ties=ties)
    table = fit.table.set_index(fit.table["term"].map(lambda t: (rename or {}).get(t, t)))
    assert list(table.index) == ref["terms"]
    for term, r in ref["coefficients"].items():
        row = table.loc[term]
        for ours, theirs in [("estimate", "coef"), ("se", "se"), ("hazard_ratio", "hr"), ("statistic", "z"),
                             ("p_value", "p"), ("hr_ci_low", "hr_lower"), ("hr_ci_high", "hr_upper")]:
            assert row[ours] == pytest.approx(r[theirs], abs=TOL, rel=1e-8), (term, ours)
    assert (fit.nobs, fit.n_events) == (ref["n"], ref["nevent"])
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-8)
    assert fit.loglik_null == pytest.approx(ref["loglik_null"], abs=1e-8)
    assert fit.lr_statistic == pytest.approx(ref["lr_test"]["statistic"], abs=1e-7)
    assert fit.lr_df == ref["lr_test"]["df"]
    assert fit.lr_p_value == pytest.approx(ref["lr_test"]["p"], abs=1e-10)
    assert fit.concordance == pytest.approx(ref["concordance"]["concordance"], abs=1e-10)
    assert fit.converged and fit.problems == ()


def test_concordance_counts_match_r(lung, panel):
    from cxstats._survival import concordance

    for frame, time, event, covariates, case in [(lung, "time", "dead", ["age", "sex", "ph.ecog"], "lung_efron"),
                                                 (panel, "tenure_months", "churned", ["emo", "sat", "country"],
                                                  "panel_efron")]:
        fit = cox_model(frame, time, event, covariates)
        complete = frame[[time, event, *covariates]].dropna()
        x = pd.get_dummies(complete[covariates], drop_first=True, dtype=float).to_numpy()
        counts = concordance(complete[time].to_numpy(float), complete[event].to_numpy(float),
                             x @ fit.table["estimate"].to_numpy())
        ref = REF["cox"][case]["concordance"]
        for key in ("concordant", "discordant", "tied_x", "tied_y"):
            assert counts[key] == ref[key], key


def test_concordance_against_brute_force():
    from cxstats._survival import concordance

    rng = np.random.default_rng(5)
    time = rng.integers(1, 8, 300).astype(float)
    event = rng.integers(0, 2, 300).astype(float)
    risk = rng.integers(0, 5, 300).astype(float)
    c = d = tx = 0.0
    for i in np.flatnonzero(event == 1):
        later = (time > time[i]) | ((time == time[i]) & (event == 0))
        c += np.sum(later & (risk < risk[i]))
        d += np.sum(later & (risk > risk[i]))
        tx += np.sum(later & (risk == risk[i]))
    counts = concordance(time, event, risk)
    assert (counts["concordant"], counts["discordant"], counts["tied_x"]) == (c, d, tx)


def test_concordance_with_delayed_entry_against_brute_force():
    from cxstats._survival import concordance

    rng = np.random.default_rng(8)
    start = rng.integers(0, 4, 400).astype(float)
    time = start + rng.integers(1, 6, 400)
    event = rng.integers(0, 2, 400).astype(float)
    risk = rng.normal(size=400).round(1)
    c = d = tx = 0.0
    for i in np.flatnonzero(event == 1):
        later = ((time > time[i]) | ((time == time[i]) & (event == 0))) & (start < time[i])
        c += np.sum(later & (risk < risk[i]))
        d += np.sum(later & (risk > risk[i]))
        tx += np.sum(later & (risk == risk[i]))
    counts = concordance(time, event, risk, start)
    assert (counts["concordant"], counts["discordant"], counts["tied_x"]) == (c, d, tx)


def test_cox_recovers_the_simulators_hazard_ratios():
    panel = cxstats.simulate_cx_panel(2500, seed=11)
    data = pd.concat([panel.data[["tenure_months", "churned"]], panel.scores[["EMO", "SAT"]]], axis=1)
    fit = cox_model(data, "tenure_months", "churned", ["EMO", "SAT"], concordance=False)
    estimate = fit.table.set_index("term")["estimate"]
    # monthly grouping of exponential times biases Efron estimates only slightly
    assert estimate["EMO"] == pytest.approx(panel.retention["log_hr_EMO"], abs=0.05)
    assert estimate["SAT"] == pytest.approx(panel.retention["log_hr_SAT"], abs=0.05)
    assert np.isnan(fit.concordance)


def test_reference_level_and_plain_summary(panel):
    fit = cox_model(panel, "tenure_months", "churned", ["emo", "country"], reference={"country": "DE"})
    assert list(fit.table["term"]) == ["emo", "country[BR]", "country[CN]", "country[US]"]
    text = str(fit.plain_summary())
    assert "than country = DE" in text and "per one-unit increase" in text
    assert "**BR (country)**" in text and "[BR]" not in text  # a level, not a program name
    assert f"Cox model of {fit.nobs:,} customers, {fit.n_events:,} of whom churned." in text
    emo = fit.table.set_index("term").loc["emo"]
    assert f"hazard ratio {emo['hazard_ratio']:.2f}, 95% CI [{emo['hr_ci_low']:.2f}, {emo['hr_ci_high']:.2f}]" in text
    named = str(fit.plain_summary(labels={"country[BR]": "Brazil", "country[DE]": "Germany"}))
    assert "**Brazil**: churn risk at any moment" in named and "than Germany (hazard ratio" in named
    assert "country = DE" not in named
    assert "<table" in fit._repr_html_()


def test_kaplan_meier_outputs_for_reports(panel):
    km = kaplan_meier(panel, "tenure_months", "churned", group="country", at=[12, 24])
    text = str(km.plain_summary(labels={"DE": "Germany"}))
    assert "Germany" in text and "(log-rank χ²(" in text and ", p = ." in text and "Half of the customers had left" in text
    assert "Still customers at tenure_months = 24:" in text
    assert km.retention["n_at_risk"].dtype == "int64"  # counts print as counts
    worded = str(km.plain_summary(labels={"DE": "Germany"}, time_unit="months"))
    assert "Still customers after 24 months:" in worded and "tenure_months" not in worded
    assert re.search(r"Half of the customers had left: .*after [\d.]+ months", worded)
    html = km._repr_html_()
    assert "Log-rank test" in html and "<table" in html
    fig = km.plot(labels={"DE": "Germany"})
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 4 and "Germany (n = 250)" in [t.get_text() for t in ax.get_legend().get_texts()]
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_small_groups_are_suppressed(panel):
    small = panel.assign(segment=np.where(panel.index < 20, "tiny", "main"))
    km = kaplan_meier(small, "tenure_months", "churned", group="segment", min_base=30)
    row = km.summary.set_index("group").loc["tiny"]
    assert row["suppressed"] and row["n"] == 20 and np.isnan(row["median"])
    assert set(km.table["group"]) == {"main"} and np.isnan(km.logrank_chisq)
    assert "below the minimum base of 30" in km.problems[0]


def test_rows_with_missing_values_are_left_out_and_noted(panel):
    data = panel.astype({"tenure_months": float})
    data.loc[[5, 9], "tenure_months"] = np.nan
    km = kaplan_meier(data, "tenure_months", "churned")
    assert km.nobs == len(panel) - 2
    assert km.problems == ("2 row(s) with missing values in the columns used were left out.",)


def test_group_without_events_warns_in_kaplan_meier_and_stops_cox(panel):
    data = panel.copy()
    data.loc[data["country"] == "US", "churned"] = 0
    with pytest.warns(NoEventsWarning, match="No churn events in group 'US' of 'country'"):
        km = kaplan_meier(data, "tenure_months", "churned", group="country")
    assert any("US" in p for p in km.problems)
    assert np.isfinite(km.logrank_chisq)  # the log-rank test is still defined
    with pytest.raises(CxStatsError, match=r"No churn events among the 250 customers in group country = 'US'"):
        cox_model(data, "tenure_months", "churned", ["country"])
    binary = panel.assign(vip=(panel["country"] == "US").astype(int), churned=data["churned"])
    with pytest.raises(CxStatsError, match=r"group vip = 1: the hazard ratio"):
        cox_model(binary, "tenure_months", "churned", ["vip"])


def test_input_errors(panel):
    bad = panel.copy()
    bad.loc[[3, 8], "tenure_months"] = [-1, -2]
    with pytest.raises(CxStatsError, match=r"Column 'tenure_months' has negative times \(rows 3, 8: -1, -2\)"):
        kaplan_meier(bad, "tenure_months", "churned")
    with pytest.raises(CxStatsError, match=r"Event times before start: in 2 row\(s\) 'tenure_months' is not after "
                                           r"'entry' \(rows 0, 1: 24 <= 30, 24 <= 30\)"):
        kaplan_meier(panel.assign(entry=np.where(panel.index < 2, 30, 0)), "tenure_months", "churned",
                     start="entry")
    coded = panel["churned"].copy()
    coded[[0, 1]] = [2, 5]
    with pytest.raises(CxStatsError, match=r"Column 'churned' must be coded 0/1 .* it has 2, 5 in rows 0, 1: 2, 5"):
        kaplan_meier(panel.assign(churned=coded), "tenure_months", "churned")
    with pytest.raises(CxStatsError, match="coded 1/2 as in R's lung data"):
        kaplan_meier(panel.assign(churned=panel["churned"] + 1), "tenure_months", "churned")
    with pytest.raises(CxStatsError, match=r"No column 'tenure' in the data; columns: respondent"):
        kaplan_meier(panel, "tenure", "churned")
    with pytest.raises(CxStatsError, match=r"Too few rows: 10 customers, below the minimum base of 30"):
        kaplan_meier(panel.head(10), "tenure_months", "churned")
    with pytest.raises(CxStatsError, match=r"Too few rows: 1 complete row\(s\)"):
        kaplan_meier(panel.head(1), "tenure_months", "churned", min_base=1)
    with pytest.raises(CxStatsError, match=r"Too few events: 2 churn event\(s\) for 2 model term\(s\)"):
        cox_model(panel.assign(churned=np.where(panel.index < 2, 1, 0)), "tenure_months", "churned", ["emo", "sat"])
    with pytest.raises(CxStatsError, match="holds dates or time spans"):
        kaplan_meier(panel.assign(t=pd.Timestamp("2024-01-01") + pd.to_timedelta(panel["tenure_months"], "D")),
                     "t", "churned")
    with pytest.raises(CxStatsError, match="ties must be 'efron'"):
        cox_model(panel, "tenure_months", "churned", ["emo"], ties="exact")
    with pytest.raises(CxStatsError, match=r"Term 'emo2' is a linear combination of 'emo'"):
        cox_model(panel.assign(emo2=2 * panel["emo"]), "tenure_months", "churned", ["emo", "emo2"])
    with pytest.raises(CxStatsError, match="Covariate 'one' does not vary"):
        cox_model(panel.assign(one=1.0), "tenure_months", "churned", ["one"])
    with pytest.raises(CxStatsError, match=r"Reference level 'XX' is not a value of 'country'"):
        cox_model(panel, "tenure_months", "churned", ["country"], reference={"country": "XX"})


def test_separation_is_a_named_warning_and_a_problem():
    # the customer with the highest x always churns next: monotone likelihood, infinite coefficient
    x = np.arange(60.0)
    data = pd.DataFrame({"t": 61 - x, "churned": 1, "x": x})
    with pytest.warns(ConvergenceWarning, match="coefficient is infinite"):
        fit = cox_model(data, "t", "churned", ["x"], concordance=False)
    assert fit.problems and fit.problems[0].startswith("ConvergenceWarning")


def test_churn_model_is_the_binomial_driver_regression(panel):
    fit = churn_model(panel, "churned", ["emo", "sat"])
    same = cxstats.driver_regression(panel, "churned", ["emo", "sat"], family="binomial")
    pd.testing.assert_frame_equal(fit.table, same.table)
    assert {"odds_ratio", "ame"} <= set(fit.table.columns)
    with pytest.raises(CxStatsError, match="Column 'churned' must be coded 0/1"):
        churn_model(panel.assign(churned=panel["churned"] * 3), "churned", ["emo"])
    with pytest.raises(CxStatsError, match="No column 'left'"):
        churn_model(panel, "left", ["emo"])


def _direct_rates(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The definitions spelled out with Python sets, one period at a time."""
    periods = frame["date"].dt.to_period(freq)
    buyers = {p: set(frame.loc[periods == p, "customer_id"]) for p in periods.unique()}
    seen: set = set()
    rows = []
    for p in pd.period_range(periods.min(), periods.max(), freq=freq):
        now, before, after = buyers.get(p, set()), buyers.get(p - 1, set()), buyers.get(p + 1)
        rows.append({"period": p, "active": len(now), "new": len(now - seen),
                     "returning": len((now & seen) - before),
                     "repurchased": np.nan if p == periods.max() else len(now & (after or set()))})
        seen |= now
    return pd.DataFrame(rows)


@pytest.mark.parametrize("freq", ["M", "Q", "W"])
def test_period_rates_match_a_direct_count_on_cdnow(freq):
    cdnow = cxstats.load_dataset("cdnow_transactions").data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartialPeriodWarning)
        rates = period_rates(cdnow, "customer_id", "date", period=freq)
    direct = _direct_rates(cdnow.assign(date=pd.to_datetime(cdnow["date"])), freq)
    table = rates.table
    assert list(table["period"]) == list(direct["period"])
    for column in ("active", "new", "returning"):
        np.testing.assert_array_equal(table[column], direct[column], err_msg=column)
    np.testing.assert_array_equal(table["repurchased"].to_numpy(float, na_value=np.nan),
                                  direct["repurchased"].to_numpy(float))
    rate = table["repurchase_rate"].to_numpy()
    np.testing.assert_allclose(rate[:-1], direct["repurchased"][:-1] / direct["active"][:-1], rtol=1e-15)
    np.testing.assert_allclose(table["churn_rate"][:-1], 1 - rate[:-1], rtol=1e-15)
    assert rates.n_customers == 2357 and rates.n_transactions == 6919
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(table["churned"][:-1].astype(int), table["active"][:-1], method="wilson")
    np.testing.assert_allclose(table["churn_ci_low"][:-1], low, rtol=1e-12)
    np.testing.assert_allclose(table["churn_ci_high"][:-1], high, rtol=1e-12)
    assert table[["churn_ci_low", "churn_ci_high"]].iloc[-1].isna().all()


def test_period_rates_partial_period_and_reports():
    cdnow = cxstats.load_dataset("cdnow_transactions").data
    with pytest.warns(PartialPeriodWarning, match="The data end on 1998-06-30, inside the last period"):
        weekly = period_rates(cdnow, "customer_id", "date", period="W")
    assert "PartialPeriodWarning" in weekly.problems[0]
    monthly = period_rates(cdnow, "customer_id", "date")
    assert monthly.problems == () and len(monthly.table) == 18
    assert "bought again in the next period" in str(monthly.plain_summary())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rounding the period column for display must not warn
        assert "churn_ci_low" in monthly._repr_html_()
    fig = monthly.plot()
    import matplotlib.pyplot as plt

    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]  # in the period's own words
    assert "Bought again the next month" in texts and "Grey bars: buyers in the month (right axis)" in texts
    assert fig.axes[0].get_xticklabels()[0].get_text() == "Jan 1997"
    plt.close(fig)


def test_period_rates_errors():
    frame = pd.DataFrame({"c": [1, 1, 2], "d": ["2024-01-03", "soon", "2024-02-01"]})
    with pytest.raises(CxStatsError, match=r"Column 'd' has values that are not dates: row 1: soon"):
        period_rates(frame, "c", "d")
    with pytest.raises(CxStatsError, match=r"period must be one of 'D', 'W', 'M'"):
        period_rates(frame, "c", "d", period="fortnight")
    with pytest.raises(CxStatsError, match=r"Argument ci_level=95 is not a proportion between 0 and 1; pass 0\.95 for a 95% interval\."):
        period_rates(frame.assign(d="2024-01-03"), "c", "d", ci_level=95)
    with pytest.raises(CxStatsError, match=r"No column 'customer' in the transactions"):
        period_rates(frame, "customer", "d")
    with pytest.raises(CxStatsError, match=r"Too few rows: 1 transaction"):
        period_rates(frame.head(1), "c", "d")
