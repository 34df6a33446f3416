"""Export the items of one simulated CX panel for the explained-shares and mediation references.

Run once from the repository root (the CSV is committed, so later changes to the simulator
do not change the reference):

    .venv/bin/python tests/reference/data/export_cx_panel_mediation.py

Writes tests/reference/data/cx_panel_mediation.csv: 500 respondents of
``cxstats.simulate_cx_panel(125, seed=20261207)`` with the items REL1-3, RES1-3, EMO1-3,
VAL1-3, SAT1-3, LOY1-3 (1-7) and REC (0-10).
"""

from pathlib import Path

import cxstats

panel = cxstats.simulate_cx_panel(125, seed=20261207)
columns = [f"{c}{i}" for c in ("REL", "RES", "EMO", "VAL", "SAT", "LOY") for i in (1, 2, 3)] + ["REC"]
out = panel.data[columns].astype(int)
path = Path(__file__).with_name("cx_panel_mediation.csv")
out.to_csv(path, index=False)
print(f"wrote {path} ({len(out)} rows)")
