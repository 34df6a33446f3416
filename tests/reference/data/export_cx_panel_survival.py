"""Export the retention columns of one simulated CX panel for the survival references.

Run once from the repository root (the CSV is committed, so later changes to the simulator
do not change the reference):

    .venv/bin/python tests/reference/data/export_cx_panel_survival.py

Writes tests/reference/data/cx_panel_survival.csv: respondent, country, emo (mean of EMO1-3
and the reverse-coded EMO4), sat (mean of SAT1-3), tenure_months (1-24), churned (0/1) and
entry (months before the customer entered observation: 3 for every fourth respondent whose
tenure exceeds 3 months, else 0; a made-up delayed entry to check left truncation).
"""

from pathlib import Path

import numpy as np

import cxstats

panel = cxstats.simulate_cx_panel(250, seed=20240611)
d = panel.data
out = d[["respondent", "country"]].copy()
out["emo"] = (d["EMO1"] + d["EMO2"] + d["EMO3"] + (8 - d["EMO4"])) / 4
out["sat"] = d[["SAT1", "SAT2", "SAT3"]].mean(axis=1).round(6)
out["tenure_months"] = d["tenure_months"]
out["churned"] = d["churned"]
out["entry"] = np.where((d["respondent"] % 4 == 0) & (d["tenure_months"] > 3), 3, 0)
path = Path(__file__).with_name("cx_panel_survival.csv")
out.to_csv(path, index=False)
print(f"wrote {path} ({len(out)} rows)")
