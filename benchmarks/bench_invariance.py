"""Measurement invariance and FIML: cxstats against lavaan (and semopy's FIML) in the same run.

* The four-level invariance ladder of the Holzinger-Swineford CFA by school (configural,
  metric, scalar, strict with the chi-square difference tests): target <= 0.25 s in total
  for cxstats. semopy cannot constrain parameters across groups, so lavaan is the peer.
* The MLR ladder against the ML ladder on the simulated 4-country panel
  (``cxstats.simulate_cx_panel``, SERVQUAL's 5 factors x 3 items), 2,000 and 100,000
  rows: target MLR <= 2 x ML (issue 15; lavaan's own MLR/ML ratio is timed on the
  2,000-row panel in the same run). Both ladders fit four levels without the partial
  search, timed alternately (median of 5; 3 for the large panel).
* FIML on the Holzinger-Swineford CFA with 10% of the cells missing (tests/reference):
  target <= 0.5 x lavaan's time (``cfa(..., missing = "ml")``); semopy's FIML objective
  is timed for information (it reports a different chi-square and df; median of 3).

Medians of 7 runs after warm-up; lavaan is timed inside R when Rscript is on PATH.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

import cxstats
import cxstats.sem as sem

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import MachineLoad, median_seconds, rscript_json  # noqa: E402

REFERENCE = HERE.parent / "tests" / "reference" / "data"
HS_DATA, MCAR_DATA = REFERENCE / "holzinger_swineford.csv", REFERENCE / "hs_mcar.csv"
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
REPEATS, LADDER_TARGET, FIML_TARGET = 7, 0.25, 0.5
PANEL_MODEL = "\n".join(f"{f} =~ {f}1 + {f}2 + {f}3" for f in ("TAN", "REL", "RES", "ASS", "EMP"))
PANEL_SIZES, MLR_RATIO_TARGET = ((500, 5), (25_000, 3)), 2.0  # respondents per country, repeats


def _lavaan(panel_csv: Path | None = None) -> dict | None:
    if shutil.which("Rscript") is None:
        print("Rscript is not on PATH: lavaan is not timed.")
        return None
    spec = {"repeats": REPEATS, "model": MODEL, "ladder_data": str(HS_DATA), "group": "school",
            "fiml_data": str(MCAR_DATA)}
    if panel_csv is not None:
        spec.update(panel_data=str(panel_csv), panel_model=PANEL_MODEL, panel_group="country")
    try:
        return rscript_json(HERE / "lavaan_invariance_timing.R", spec)
    except RuntimeError as exc:
        print(f"  lavaan failed: {exc}")
        return None


def _semopy_fiml(data: pd.DataFrame) -> float | None:
    try:
        import semopy
    except ImportError:
        return None
    model_data = data[[f"x{i}" for i in range(1, 10)]]

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            semopy.Model(MODEL).fit(model_data, obj="FIML")

    sys.stdout.flush()
    saved = os.dup(1), os.dup(2)  # semopy's FIML makes LAPACK print thousands of DPOTRI complaints
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            os.dup2(devnull.fileno(), 2)
            return median_seconds(run, repeat=3, warmup=1)
    except Exception as exc:  # noqa: BLE001 - a failing peer only drops its column
        failure = f"  semopy FIML failed: {type(exc).__name__}: {exc}"
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    print(failure)
    return None


def _panel_ladders(n_per_country: int, repeats: int) -> tuple[float, float]:
    """Median seconds of the ML and the MLR ladder, run alternately on one panel."""
    data = cxstats.simulate_cx_panel(n_per_country, noninvariant_items=1, seed=1).data
    times: dict[str, list[float]] = {"ML": [], "MLR": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for estimator in times:  # warm-up
            sem.invariance(PANEL_MODEL, data, group="country", estimator=estimator, partial=False)
        for _ in range(repeats):
            for estimator, spent in times.items():
                start = time.perf_counter()
                sem.invariance(PANEL_MODEL, data, group="country", estimator=estimator, partial=False)
                spent.append(time.perf_counter() - start)
    return statistics.median(times["ML"]), statistics.median(times["MLR"])


def main() -> None:
    load = MachineLoad()
    for n_per_country, repeats in PANEL_SIZES:
        ml, mlr = _panel_ladders(n_per_country, repeats)
        ratio = mlr / ml
        print(f"Panel ladder, 4 countries x {n_per_country:,} rows: ML {ml:.3f} s, MLR {mlr:.3f} s, MLR/ML ratio "
              f"{ratio:.2f} (target <= {MLR_RATIO_TARGET}: {'met' if ratio <= MLR_RATIO_TARGET else 'NOT met'})")
    hs, mcar = pd.read_csv(HS_DATA), pd.read_csv(MCAR_DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = median_seconds(lambda: sem.invariance(MODEL, hs, group="school", partial=False), repeat=REPEATS)
        with_search = median_seconds(lambda: sem.invariance(MODEL, hs, group="school"), repeat=REPEATS)
        fiml = median_seconds(lambda: sem.fit(MODEL, mcar, missing="fiml"), repeat=REPEATS)
    semopy_fiml = _semopy_fiml(mcar)
    with tempfile.TemporaryDirectory() as tmp:
        panel_csv = Path(tmp) / "panel.csv"
        cxstats.simulate_cx_panel(PANEL_SIZES[0][0], noninvariant_items=1, seed=1).data.to_csv(panel_csv, index=False)
        lav = _lavaan(panel_csv)
    print(f"HS invariance ladder, 4 levels: cxstats {ladder:.3f} s (target <= {LADDER_TARGET} s: "
          f"{'met' if ladder <= LADDER_TARGET else 'NOT met'}); with the partial-invariance search "
          f"(2 more fits and score tests) {with_search:.3f} s"
          + (f"; lavaan 4 fits + lavTestLRT {lav['ladder']:.3f} s (ratio {ladder / lav['ladder']:.2f})" if lav else ""))
    line = f"HS FIML (10% MCAR): cxstats {fiml:.3f} s"
    if lav:
        ratio = fiml / lav["fiml"]
        line += (f", lavaan {lav['fiml']:.3f} s, ratio {ratio:.2f} (target <= {FIML_TARGET}: "
                 f"{'met' if ratio <= FIML_TARGET else 'NOT met'})")
    if semopy_fiml:
        line += f"; semopy FIML {semopy_fiml:.3f} s"
    print(line)
    if lav and "panel_mlr" in lav:
        print(f"lavaan panel ladder, 4 countries x {PANEL_SIZES[0][0]:,} rows: ML {lav['panel_ml']:.3f} s, MLR "
              f"{lav['panel_mlr']:.3f} s, MLR/ML ratio {lav['panel_mlr'] / lav['panel_ml']:.2f}")
    if lav:
        print(f"lavaan {lav['lavaan']}")
    load.report()


if __name__ == "__main__":
    main()
