"""BG/NBD + Gamma-Gamma fits on a million customers: cxstats against lifetimes in the same run.

The summary table (one row per customer: frequency, recency, T in whole days, mean repeat
spend) is simulated from the BG/NBD generative model (seeded; r = 0.25, alpha = 40,
a = 0.6, b = 2.6, close to the CDNOW estimates) with customers observed for 30 to 545
days, and spends from the Gamma-Gamma model (p = 4.7, q = 4.2, v = 24). Times are
day counts as a daily transaction summary gives them (the time of the last purchase
floored to its day).

Timed: ``cxstats.bgnbd(summary)`` + ``cxstats.gamma_gamma(summary)`` (argument checks,
maximum likelihood, standard errors) against lifetimes 0.11.3 ``BetaGeoFitter().fit`` +
``GammaGammaFitter().fit`` on the repeat buyers (its defaults: no penalty, its own
start values and optimiser; it also computes standard errors from an autograd Hessian).
Before timing, both must reach the same optimum: parameters within 1e-4 (relative) and a
cxstats log-likelihood at least lifetimes' (evaluated on the original time scale).

Usage: ``python benchmarks/bench_clv.py [--customers N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import MachineLoad, median_seconds, report  # noqa: E402

import cxstats  # noqa: E402
from cxstats import _clv_models as models  # noqa: E402

TRUTH_BGNBD = np.array([0.25, 40.0, 0.6, 2.6])
TRUTH_GG = (4.7, 4.2, 24.0)


def make_summary(n: int = 1_000_000, *, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = rng.integers(30, 546, n).astype(float)
    x, tx, _ = models.bgnbd_simulate(n, TRUTH_BGNBD, T, rng)
    p, q, v = TRUTH_GG
    nu = rng.gamma(q, 1 / v, n)
    spend = np.where(x > 0, rng.gamma(p * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1))), 0.0)
    return pd.DataFrame({"customer": np.arange(n), "frequency": x, "recency": np.floor(tx), "T": T,
                         "monetary_value": spend})


def fit_cxstats(summary: pd.DataFrame) -> tuple:
    return cxstats.bgnbd(summary), cxstats.gamma_gamma(summary)


def fit_lifetimes(summary: pd.DataFrame) -> tuple:
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    repeat = summary[summary["frequency"] > 0]
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    return bgf, ggf


def check_same_optimum(summary: pd.DataFrame) -> None:
    from lifetimes import BetaGeoFitter

    ours_bg, ours_gg = fit_cxstats(summary)
    bgf, ggf = fit_lifetimes(summary)
    theirs = bgf.params_[["r", "alpha", "a", "b"]].to_numpy()
    n = len(summary)
    loglik = -n * BetaGeoFitter._negative_log_likelihood(
        np.log(theirs), summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["T"].to_numpy(),
        np.ones(n), 0.0)
    gap_bg = np.max(np.abs(ours_bg.params / theirs - 1))
    gap_gg = np.max(np.abs(ours_gg.params / ggf.params_[["p", "q", "v"]].to_numpy() - 1))
    print(f"same optimum: BG/NBD parameters differ by at most {gap_bg:.1e} (relative), Gamma-Gamma by "
          f"{gap_gg:.1e}; log-likelihood cxstats {ours_bg.loglik:.4f}, lifetimes {loglik:.4f}")
    if gap_bg > 1e-4 or gap_gg > 1e-4 or ours_bg.loglik < loglik - 1e-9 * abs(loglik):
        raise SystemExit("cxstats and lifetimes disagree; timings would compare different work")


def main(n_customers: int = 1_000_000, repeat: int = 3) -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)  # pandas warnings inside lifetimes
    summary = make_summary(n_customers)
    print(f"{n_customers:,} customers, {int((summary['frequency'] > 0).sum()):,} repeat buyers")
    check_same_optimum(summary)
    load = MachineLoad()
    ours = median_seconds(lambda: fit_cxstats(summary), repeat=repeat, warmup=0)
    peer = median_seconds(lambda: fit_lifetimes(summary), repeat=repeat, warmup=0)
    report(f"BG/NBD + Gamma-Gamma fit, {n_customers:,} customers", ours, peer, "lifetimes")
    load.report()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    main(args.customers, args.repeat)
