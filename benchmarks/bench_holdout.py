"""cxstats.calibration_holdout on ten million transactions: straight from Parquet against the pandas path.

The records are those of ``bench_rfm.py`` (seeded: a million customers joining over two
years, gamma purchase rates, exponential lifetimes, lognormal amounts in cents), written to
one Parquet file and split at 2024-06-30 (holdout to the last date, 2024-12-31). Each path
runs once in a fresh process, end to end: ``pd.read_parquet`` + ``calibration_holdout``
(the pandas path) and ``calibration_holdout(path)`` (DuckDB computes the per-customer
calibration summary and holdout counts; only they come to Python). Peak resident memory is
the process's VmHWM. The tables must agree (counts exactly, means to 1e-12) before
anything is printed.

Usage: ``python benchmarks/bench_holdout.py [--transactions N] [--customers N] [--unit D|W]
[--duplicates warn|keep|drop]``.

Closing note (2026-12-07, two shared cores, load average about 1.5): at 10^7 transactions
(747,844 calibration customers, 72 repeated rows), daily periods, the default
``duplicates="warn"``: ``calibration_holdout(path)`` 8.75 s and 1.83 GB peak against 11.38 s
and 1.59 GB for ``pd.read_parquet`` + ``calibration_holdout`` (time 0.77, memory 1.15); with
``duplicates="keep"`` 3.84 s and 1.66 GB against 8.90 s and 1.67 GB (0.43, 1.00); counts
identical, means within 5e-15 (relative). DuckDB's working memory is capped at 2 GB
(:data:`cxstats._transactions_sql.MEMORY_LIMIT`) and it spills beyond: 3 x 10^7
transactions in three files took 31.4 s ("keep") and 36.4 s ("warn") with peak resident
memory 2.33 and 2.37 GB, where the pandas path would hold all rows (about 5 GB). Times vary
by a factor of two between runs on this machine; ``clv_summary(path)`` on the same 10^7
rows peaked at 1.56 GB ("keep") and 1.68 GB ("warn").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rfm import _peak_mb, make_transactions  # noqa: E402

CALIBRATION_END = "2024-06-30"


def _worker(engine: str, path: str, unit: str, duplicates: str, out: str) -> dict:
    import cxstats

    if engine == "parquet-duckdb":
        import duckdb  # noqa: F401  (imports are not timed)
    baseline = _peak_mb()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # simulated cents repeat now and then: both paths warn alike
        result = cxstats.calibration_holdout(pd.read_parquet(path) if engine == "pandas-read" else path,
                                             calibration_end=CALIBRATION_END, time_unit=unit,
                                             duplicates=duplicates)
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    result.table.to_parquet(out)
    return {"engine": engine, "seconds": seconds, "baseline_mb": baseline, "peak_mb": peak,
            "customers": result.n_customers, "duplicates": result.duplicates}


def _run_json(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n_transactions: int = 10_000_000, n_customers: int = 1_000_000, unit: str = "D",
         duplicates: str = "warn") -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "transactions.parquet")
        make_transactions(n_transactions, n_customers, seed=1).to_parquet(path)
        out = {e: os.path.join(folder, f"{e}.parquet") for e in ("pandas-read", "parquet-duckdb")}
        runs = {e: _run_json("--worker", e, "--path", path, "--unit", unit, "--duplicates", duplicates, "--out", out[e])
                for e in out}
        a, b = (pd.read_parquet(out[e]) for e in out)
        exact = ["customer", "frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
        pd.testing.assert_frame_equal(b[exact], a[exact], check_exact=True)
        means = ["monetary_value_cal", "monetary_value_holdout"]
        pd.testing.assert_frame_equal(b[means], a[means], check_exact=False, rtol=1e-12, atol=0.0)
        gap = max(float(np.max(np.abs(b[c] - a[c]) / np.maximum(np.abs(a[c]), 1e-300))) for c in means)
    p, d = runs["pandas-read"], runs["parquet-duckdb"]
    print(f"cxstats.calibration_holdout on {n_transactions:,} transactions (split at {CALIBRATION_END}, unit {unit}, "
          f"duplicates={duplicates!r}; {p['customers']:,} customers, {p['duplicates']:,} repeated rows), end to end from one Parquet file; "
          f"counts identical, largest relative difference of the means {gap:.1e}; load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}:")
    for r in (p, d):
        print(f"  {r['engine']:<15} {r['seconds']:7.2f} s  peak {r['peak_mb']:6.0f} MB (baseline {r['baseline_mb']:.0f})")
    print(f"  calibration_holdout(path) / pandas path: time {d['seconds'] / p['seconds']:.2f}, peak memory "
          f"{d['peak_mb'] / p['peak_mb']:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--unit", default="D", choices=["D", "W"])
    parser.add_argument("--duplicates", default="warn", choices=["warn", "keep", "drop"])
    parser.add_argument("--worker", choices=["pandas-read", "parquet-duckdb"])
    parser.add_argument("--path")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.path, args.unit, args.duplicates, args.out)))
    else:
        main(args.transactions, args.customers, args.unit, args.duplicates)
