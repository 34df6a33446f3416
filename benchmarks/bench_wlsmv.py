"""Ordinal CFAs by WLSMV: cxstats against lavaan in the same run.

``sem.fit(model, data, ordered=True)`` (polychoric statistics, DWLS estimate, robust SEs,
every fit measure, the parameter table) against lavaan's ``cfa(..., ordered = TRUE)`` with
``fitMeasures`` and ``parameterEstimates``, on the reference data of tests/reference/lavaan_wlsmv.R:
Holzinger-Swineford x1-x9 cut into 4 categories (n = 301, 3 factors) and psych's bfi
A1-A5, C1-C5 (n = 2632, 2 factors). Target (issue 14): <= 0.25 x lavaan's time.

Medians of 7 runs after warm-up; lavaan is timed inside R when Rscript is on PATH.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

import cxstats.sem as sem

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import MachineLoad, median_seconds, report, rscript_json  # noqa: E402

REFERENCE = HERE.parent / "tests" / "reference" / "data"
CASES = {
    "hs": (REFERENCE / "hs_wlsmv.csv", "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"),
    "bfi": (REFERENCE / "bfi_wlsmv.csv", "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"),
}
REPEATS, TARGET = 7, 0.25


def main() -> None:
    load = MachineLoad()
    lavaan = None
    if shutil.which("Rscript") is not None:
        spec = {"repeats": REPEATS,
                "cases": [{"name": k, "data": str(path), "model": model} for k, (path, model) in CASES.items()]}
        lavaan = rscript_json(HERE / "lavaan_wlsmv_timing.R", spec)
    else:
        print("Rscript is not on PATH: lavaan is not timed.")
    for name, (path, model) in CASES.items():
        data = pd.read_csv(path)

        def run() -> None:
            result = sem.fit(model, data, ordered=True)
            _ = result.fit_measures, result.table

        ours = median_seconds(run, repeat=REPEATS)
        if lavaan is not None:
            report(f"WLSMV CFA ({name}, target <= {TARGET} x lavaan)", ours, lavaan[name], f"lavaan {lavaan['lavaan']}")
        else:
            print(f"WLSMV CFA ({name}): cxstats {ours * 1e3:.1f} ms")
    load.report()


if __name__ == "__main__":
    main()
