"""Export one simulated four-wave quality/loyalty panel for the cross-lagged references.

Run once from the repository root (the CSV is committed, so later changes to the simulator
do not change the reference):

    .venv/bin/python tests/reference/data/export_cx_waves.py

Writes tests/reference/data/cx_waves.csv: respondent, QUAL1-QUAL4 and LOY1-LOY4 (scale
scores, rounded to 6 decimals) of ``cxstats.simulate_cx_waves(400, waves=4, seed=20261207)``,
and tests/reference/data/cx_waves_missing.csv: the same panel with about 8% of the scores
blanked (each cell missing with probability 0.08, independently; a fixed mask) for FIML.
"""

from pathlib import Path

import numpy as np

import cxstats

panel = cxstats.simulate_cx_waves(400, waves=4, seed=20261207)
data = panel.data.round(6)
here = Path(__file__).parent
data.to_csv(here / "cx_waves.csv", index=False)
rng = np.random.default_rng(20261208)
scores = [c for c in data.columns if c != "respondent"]
holes = data.copy()
holes[scores] = holes[scores].mask(rng.random((len(data), len(scores))) < 0.08)
holes.to_csv(here / "cx_waves_missing.csv", index=False)
print(f"wrote {here / 'cx_waves.csv'} and cx_waves_missing.csv ({len(data)} rows)")
