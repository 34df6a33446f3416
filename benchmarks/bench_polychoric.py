"""Polychoric correlation matrix: cxstats against lavaan's ``lavCor`` in the same run.

30 five-point items x 10,000 rows (simulated from three correlated factors, seed 14): the
two-step polychoric matrix (thresholds, then each of the 435 pairs by maximum likelihood),
``lavCor(d, ordered = names(d))`` in R against ``cxstats.sem.ordinal_moments(..., nacov=False)``
(the same statistics). Target: <= 0.2 x lavaan's time. Also shown: ``cxstats.polychoric``
with standard errors for every pair, and the full asymptotic covariance (NACOV, 585 x 585)
that WLSMV needs. The two matrices are compared (largest absolute difference).

Medians after warm-up; lavaan is timed inside R when Rscript is on PATH.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import cxstats
from cxstats.sem.ordinal_moments import ordinal_moments

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import MachineLoad, median_seconds, report, rscript_json  # noqa: E402

N_ITEMS, N_ROWS, REPEATS, TARGET = 30, 10_000, 5, 0.2


def simulated_items(seed: int = 14) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    factors = rng.multivariate_normal(np.zeros(3), [[1, 0.5, 0.3], [0.5, 1, 0.4], [0.3, 0.4, 1]], N_ROWS)
    loadings = rng.uniform(0.5, 0.85, N_ITEMS)
    latent = factors[:, np.arange(N_ITEMS) % 3] * loadings + rng.standard_normal((N_ROWS, N_ITEMS)) * np.sqrt(
        1 - loadings ** 2)
    cuts = np.sort(rng.normal(0, 0.8, (N_ITEMS, 4)), axis=1)
    items = np.stack([np.searchsorted(cuts[k], latent[:, k]) + 1 for k in range(N_ITEMS)], axis=1)
    return pd.DataFrame(items, columns=[f"q{k + 1}" for k in range(N_ITEMS)])


def main() -> None:
    load = MachineLoad()
    data = simulated_items()
    names = list(data.columns)
    ours = median_seconds(lambda: ordinal_moments(data, names, True, nacov=False), repeat=REPEATS, warmup=1)
    public = median_seconds(lambda: cxstats.polychoric(data, names), repeat=REPEATS, warmup=1)
    full = median_seconds(lambda: ordinal_moments(data, names, True), repeat=3, warmup=1)
    print(f"cxstats.polychoric (with SEs): {public * 1e3:.0f} ms; ordinal_moments with NACOV: {full * 1e3:.0f} ms")
    if shutil.which("Rscript") is None:
        print(f"polychoric 30 x 10,000: cxstats {ours * 1e3:.0f} ms (Rscript not on PATH: lavaan not timed)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "items.csv"
        data.to_csv(path, index=False)
        peer = rscript_json(HERE / "lavaan_polychoric_timing.R", {"repeats": 3, "data": str(path)})
    mine = ordinal_moments(data, names, True, nacov=False).cor
    print(f"largest |cxstats - lavaan| over the 435 polychorics: {np.abs(mine - np.array(peer['cor'])).max():.1e}")
    report(f"polychoric {N_ITEMS} items x {N_ROWS} rows (target <= {TARGET})", ours, peer["seconds"],
           f"lavaan {peer['lavaan']} lavCor")
    load.report()


if __name__ == "__main__":
    main()
