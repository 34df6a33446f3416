"""Exact LMG relative importance with 1000 bootstrap draws, next to pingouin in the same run.

pingouin's ``linear_regression(relimp=True)`` computes the same LMG shares (checked to 1e-10
in tests/test_drivers.py) but has no bootstrap; its time for 1000 draws is 1000 x its
median single-call time (labelled "extrapolated").
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import cxstats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_seconds  # noqa: E402


def _cases() -> list[tuple[str, pd.DataFrame, str, list[str]]]:
    survey = cxstats.load_dataset("customersat").data
    drivers = [f"q{i}" for i in range(2, 11)]
    rng = np.random.default_rng(1)
    extra = survey.assign(q11=np.clip(np.round(0.5 * survey["q6"] + rng.normal(4, 2, len(survey))), 1, 10))
    return [("customerSat, 9 drivers", survey, "q1", drivers),
            ("customerSat + 1 simulated driver, 10 drivers", extra, "q1", [*drivers, "q11"])]


def main() -> None:
    import pingouin as pg

    for label, data, outcome, drivers in _cases():
        start = time.perf_counter()
        cxstats.relative_importance(data, outcome, drivers, bootstrap=1000, seed=1)
        ours = time.perf_counter() - start
        single = median_seconds(lambda: cxstats.relative_importance(data, outcome, drivers), repeat=10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer = median_seconds(lambda: pg.linear_regression(data[drivers], data[outcome], relimp=True), repeat=10)
        print(f"{label}, n = {len(data)}: cxstats LMG + 1000 bootstrap draws {ours:.2f} s "
              f"(one LMG {single * 1e3:.1f} ms); pingouin relimp one call {peer * 1e3:.1f} ms, "
              f"1000 calls extrapolated {peer * 1000:.1f} s; ratio {ours / (peer * 1000):.3f}")


if __name__ == "__main__":
    main()
