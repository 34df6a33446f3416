"""The ordinal invariance ladder: cxstats against lavaan + semTools in the same run.

``sem.invariance(model, data, group="school", ordered=True, parameterization=...)`` (polychoric
statistics per group, each Wu & Estabrook step by WLSMV, the scaled-shifted difference tests,
the changes in scaled CFI and RMSEA, the latent means) against lavaan fitting semTools'
``measEq.syntax(..., ID.cat = "Wu.Estabrook.2016")`` models with ``fitMeasures`` and
``lavTestLRT`` for each step (the syntax written once outside lavaan's timing), and the same
partial-invariance search where a step fails (score tests by ``lavTestScore`` / ``modindices``,
the ``group.partial`` model freeing the largest, until the step holds). Data: the
reference data of tests/reference/semtools_ordinal_ladder.R (Holzinger-Swineford x1-x9 cut
into 4 categories, by school, n = 301; 3 factors). Delta: 4 steps; theta: 5 steps (with
strict). Target (issue 14): <= 0.25 x lavaan's time.

Medians of 5 runs after warm-up; lavaan is timed inside R when Rscript is on PATH.
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import pandas as pd

import cxstats.sem as sem

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import MachineLoad, median_seconds, report, rscript_json  # noqa: E402

DATA = HERE.parent / "tests" / "reference" / "data" / "hs_wlsmv_groups.csv"
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PARAMETERIZATIONS = ("delta", "theta")
REPEATS, TARGET = 5, 0.25


def main() -> None:
    load = MachineLoad()
    lavaan = None
    if shutil.which("Rscript") is not None:
        spec = {"repeats": REPEATS, "data": str(DATA), "model": MODEL, "group": "school",
                "parameterizations": list(PARAMETERIZATIONS)}
        lavaan = rscript_json(HERE / "lavaan_ordinal_ladder_timing.R", spec)
    else:
        print("Rscript is not on PATH: lavaan is not timed.")
    data = pd.read_csv(DATA)
    for pz in PARAMETERIZATIONS:
        def run() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the configural model's problems are not timed output
                ladder = sem.invariance(MODEL, data, group="school", ordered=True, parameterization=pz)
            _ = ladder.table, ladder.latent_means

        ours = median_seconds(run, repeat=REPEATS)
        if lavaan is not None:
            report(f"Ordinal invariance ladder ({pz}, target <= {TARGET} x lavaan + semTools)", ours, lavaan[pz],
                   f"lavaan {lavaan['lavaan']}")
        else:
            print(f"Ordinal invariance ladder ({pz}): cxstats {ours * 1e3:.1f} ms")
    load.report()


if __name__ == "__main__":
    main()
