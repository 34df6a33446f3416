"""Reference numbers for cxstats.clv from the lifetimes package on the bundled CDNOW sample.

Run from the repository root with lifetimes installed (it is NOT a cxstats dependency;
``pip install lifetimes==0.11.3``, which brings autograd):

    PYTHONPATH=src python tests/reference/clv_lifetimes.py

Writes tests/reference/clv_lifetimes.json: summaries (daily and weekly; rows repeated in
the records kept as purchases, and dropped), the calibration/holdout split at 1997-09-30,
BG/NBD and Gamma-Gamma parameters with standard errors and log-likelihoods, expected
purchases, P(alive), expected spend and 12-month CLV for every customer, and the
calibration-vs-holdout means of the holdout plot.

lifetimes' ``BetaGeoFitter`` rescales time by 10 / max(T) before fitting and reports the
mean negative log-likelihood on that scale; the log-likelihood stored here is its own
likelihood function evaluated at its estimates on the original time scale, summed over
customers (the scale changes it by sum(x) * log(scale)).
"""

from __future__ import annotations

import json
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

import cxstats

warnings.filterwarnings("ignore")  # pandas FutureWarnings raised inside lifetimes
OUT = Path(__file__).with_suffix(".json")
CALIBRATION_END = "1997-09-30"


def columns(frame: pd.DataFrame) -> dict:
    out = {"customer": [int(c) for c in frame.index]}
    out.update({c: [float(v) for v in frame[c]] for c in frame.columns})
    return out


def bgnbd_reference(data: pd.DataFrame, f: str, r: str, t: str) -> tuple[BetaGeoFitter, dict]:
    model = BetaGeoFitter(penalizer_coef=0.0).fit(data[f], data[r], data[t])
    params = model.params_[["r", "alpha", "a", "b"]].to_numpy()
    n = len(data)
    loglik = -n * BetaGeoFitter._negative_log_likelihood(np.log(params), data[f].to_numpy(), data[r].to_numpy(),
                                                          data[t].to_numpy(), np.ones(n), 0.0)
    summary = model.summary
    return model, {"params": dict(zip(["r", "alpha", "a", "b"], map(float, params), strict=True)),
                   "se": {k: float(summary.loc[k, "se(coef)"]) for k in ["r", "alpha", "a", "b"]},
                   "loglik": float(loglik)}


def main() -> None:
    cd = cxstats.load_dataset("cdnow_transactions").data
    kw = {"customer_id_col": "customer_id", "datetime_col": "date", "monetary_value_col": "amount"}
    daily = summary_data_from_transaction_data(cd, **kw)
    out: dict = {"lifetimes_version": version("lifetimes"), "calibration_end": CALIBRATION_END,
                 "summary_daily": columns(daily),
                 "summary_daily_dropped": columns(summary_data_from_transaction_data(cd.drop_duplicates(), **kw)),
                 "summary_weekly": columns(summary_data_from_transaction_data(cd, freq="W", **kw)),
                 "summary_daily_as_of": columns(summary_data_from_transaction_data(
                     cd, observation_period_end="1997-12-31", **kw))}
    bgf, out["bgnbd"] = bgnbd_reference(daily, "frequency", "recency", "T")
    x, tx, T = daily["frequency"], daily["recency"], daily["T"]
    out["bgnbd"]["expected_new"] = {str(t): float(bgf.expected_number_of_purchases_up_to_time(t))
                                    for t in (30, 180, 365)}
    out["bgnbd"]["conditional_30"] = [float(v) for v in
                                      bgf.conditional_expected_number_of_purchases_up_to_time(30, x, tx, T)]
    out["bgnbd"]["conditional_365"] = [float(v) for v in
                                       bgf.conditional_expected_number_of_purchases_up_to_time(365, x, tx, T)]
    out["bgnbd"]["p_alive"] = [float(v) for v in bgf.conditional_probability_alive(x, tx, T)]
    repeat = daily[daily["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0).fit(repeat["frequency"], repeat["monetary_value"])
    n_rep = len(repeat)
    params = ggf.params_[["p", "q", "v"]].to_numpy()
    loglik = -n_rep * GammaGammaFitter._negative_log_likelihood(
        np.log(params), repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy(), np.ones(n_rep), 0.0)
    out["gamma_gamma"] = {
        "params": dict(zip(["p", "q", "v"], map(float, params), strict=True)),
        "se": {k: float(ggf.summary.loc[k, "se(coef)"]) for k in ["p", "q", "v"]},
        "loglik": float(loglik),
        "correlation": float(repeat[["frequency", "monetary_value"]].corr().iloc[0, 1]),
        "expected_spend": [float(v) for v in ggf.conditional_expected_average_profit(x, daily["monetary_value"])],
        "clv_12": [float(v) for v in ggf.customer_lifetime_value(bgf, x, tx, T, daily["monetary_value"], time=12,
                                                                  discount_rate=0.01, freq="D")],
        "clv_6_rate_2pct": [float(v) for v in ggf.customer_lifetime_value(bgf, x, tx, T, daily["monetary_value"],
                                                                           time=6, discount_rate=0.02, freq="D")],
    }
    np.random.seed(20261207)  # ParetoNBDFitter draws its start values
    pnbd = ParetoNBDFitter(penalizer_coef=0.0).fit(x, tx, T)
    pparams = pnbd.params_[["r", "alpha", "s", "beta"]].to_numpy()
    out["pareto_nbd"] = {
        "params": dict(zip(["r", "alpha", "s", "beta"], map(float, pparams), strict=True)),
        "loglik": float(-ParetoNBDFitter._negative_log_likelihood(pparams, x.to_numpy(), tx.to_numpy(), T.to_numpy(),
                                                                   np.ones(len(x)), 0.0)),
        "expected_new": {str(t): float(pnbd.expected_number_of_purchases_up_to_time(t)) for t in (30, 180, 365)},
        "conditional_30": [float(v) for v in pnbd.conditional_expected_number_of_purchases_up_to_time(30, x, tx, T)],
        "p_alive": [float(v) for v in pnbd.conditional_probability_alive(x, tx, T)],
        "clv_12": [float(v) for v in ggf.customer_lifetime_value(pnbd, x, tx, T, daily["monetary_value"], time=12,
                                                                  discount_rate=0.01, freq="D")],
    }
    weekly = summary_data_from_transaction_data(cd, freq="W", **kw)
    bgf_w = BetaGeoFitter(penalizer_coef=0.0).fit(weekly["frequency"], weekly["recency"], weekly["T"])
    rep_w = weekly[weekly["frequency"] > 0]
    ggf_w = GammaGammaFitter(penalizer_coef=0.0).fit(rep_w["frequency"], rep_w["monetary_value"])
    out["weekly"] = {
        "bgnbd": dict(zip(["r", "alpha", "a", "b"], map(float, bgf_w.params_[["r", "alpha", "a", "b"]]), strict=True)),
        "gamma_gamma": dict(zip(["p", "q", "v"], map(float, ggf_w.params_[["p", "q", "v"]]), strict=True)),
        "clv_12": [float(v) for v in ggf_w.customer_lifetime_value(
            bgf_w, weekly["frequency"], weekly["recency"], weekly["T"], weekly["monetary_value"], time=12,
            discount_rate=0.01, freq="W")],
    }
    split = calibration_and_holdout_data(cd, "customer_id", "date", calibration_period_end=CALIBRATION_END,
                                         monetary_value_col="amount")
    out["holdout"] = columns(split)
    bgf_cal, out["holdout_bgnbd"] = bgnbd_reference(split, "frequency_cal", "recency_cal", "T_cal")
    # the means behind lifetimes.plotting.plot_calibration_purchases_vs_holdout_purchases(model, split, n=7)
    split["model_predictions"] = bgf_cal.conditional_expected_number_of_purchases_up_to_time(
        split["duration_holdout"], split["frequency_cal"], split["recency_cal"], split["T_cal"])
    means = split.groupby("frequency_cal")[["frequency_holdout", "model_predictions"]].mean().iloc[:7]
    out["holdout_plot"] = {"frequency_cal": [int(v) for v in means.index],
                           "actual": [float(v) for v in means["frequency_holdout"]],
                           "predicted": [float(v) for v in means["model_predictions"]]}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
