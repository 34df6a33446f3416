"""The four-country invariance ladder of a 10^7-row Parquet panel, end to end (issue 15).

The panel is simulated by :func:`cxstats.write_panel_parquet` (four countries of 2.5
million responses, the intercept of ``RES2`` shifted in China, 20 files of 500,000 rows)
in a temporary directory. End to end means: one pass over the files for the sufficient
statistics by country (:func:`cxstats.moments` of the 15 SERVQUAL items), then
:func:`cxstats.sem.invariance` of the five-factor model from those statistics alone, with
its partial-invariance search, as a user runs it:

* ML: ``moments(files, items, group="country")`` + the ML ladder; target < 10 s;
* MLR: ``moments(..., fourth=True)`` (the fourth-order moments robust SEs need) + the MLR
  ladder; reported with its ratio to ML.

Each run is a fresh subprocess (page cache warm), alternating ML and MLR; times are
medians of ``repeat`` runs, split into the statistics pass and the ladder; peak memory is
the subprocess's ``ru_maxrss``. ``MachineLoad`` reports how busy the shared machine was.

Usage: ``python benchmarks/bench_scale_ladder.py [--rows N] [--repeat R] [--dir D]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import MachineLoad  # noqa: E402

FACTORS = ("TAN", "REL", "RES", "ASS", "EMP")
ITEMS = [f"{f}{k}" for f in FACTORS for k in (1, 2, 3)]
MODEL = "\n".join(f"{f} =~ {f}1 + {f}2 + {f}3" for f in FACTORS)
ESTIMATORS = ("ML", "MLR")
TARGET = 10.0


def _worker(estimator: str, folder: str) -> None:
    import cxstats
    import cxstats.sem as sem

    files = sorted(str(p) for p in Path(folder).glob("*.parquet"))
    start = time.perf_counter()
    m = cxstats.moments(files, ITEMS, group="country", fourth=estimator == "MLR")
    middle = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # problems stay on the result
        ladder = sem.invariance(MODEL, moments=m, group="country", estimator=estimator)
    end = time.perf_counter()
    print(json.dumps({"moments": middle - start, "ladder": end - middle, "total": end - start,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "n": m.n_total,
                      "fits": len(ladder.models) + len(ladder.search), "freed": list(ladder.freed)}))


def _in_subprocess(estimator: str, folder: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", estimator, "--dir", folder], capture_output=True,
                         text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"{estimator} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(rows: int = 10_000_000, repeat: int = 3, folder: str | None = None) -> None:
    import cxstats

    load = MachineLoad()
    with tempfile.TemporaryDirectory() as tmp:
        if folder is None or not any(Path(folder).glob("*.parquet")):
            folder = folder or tmp
            start = time.perf_counter()
            cxstats.write_panel_parquet(folder, rows, chunk_rows=500_000, seed=15, noninvariant_items=1)
            print(f"wrote {rows:,} responses in {time.perf_counter() - start:.0f} s to {folder}")
        runs: dict[str, list[dict]] = {e: [] for e in ESTIMATORS}
        for _ in range(repeat):
            for estimator in ESTIMATORS:
                runs[estimator].append(_in_subprocess(estimator, folder))
    median = {e: {k: statistics.median(r[k] for r in runs[e]) for k in ("moments", "ladder", "total")}
              for e in ESTIMATORS}
    for e in ESTIMATORS:
        first = runs[e][0]
        print(f"{e:3s} ladder end to end, {first['n']:,} rows: median {median[e]['total']:.2f} s (statistics pass "
              f"{median[e]['moments']:.2f} s + ladder {median[e]['ladder']:.2f} s, {first['fits']} fits); peak RSS "
              f"{max(r['maxrss_mb'] for r in runs[e]):.0f} MB; freed {', '.join(first['freed'][:4])}"
              + (" ..." if len(first["freed"]) > 4 else ""))
    ml = median["ML"]["total"]
    print(f"ML ladder end to end {ml:.2f} s (target < {TARGET:.0f} s: {'met' if ml < TARGET else 'NOT met'}); MLR "
          f"{median['MLR']['total']:.2f} s ({'met' if median['MLR']['total'] < TARGET else 'NOT met'}), "
          f"MLR/ML ratio {median['MLR']['total'] / ml:.2f} (the fourth-order moments of the pass dominate)")
    load.report()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", help="reuse (or create) the panel in this directory")
    parser.add_argument("--worker", choices=ESTIMATORS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.dir)
    else:
        main(args.rows, args.repeat, args.dir)
