"""Loading with validation against a codebook versus a bare pandas.read_csv of the same file.

The ratio is the price of the checks (scale, labels, ids, missing codes) on a real survey.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import cxstats
from cxstats.data.datasets import data_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_seconds, report  # noqa: E402


def main() -> None:
    for name in ("corporate_reputation", "customersat"):
        codebook = cxstats.Codebook.from_yaml(data_dir() / f"{name}.codebook.yaml")
        path = data_dir() / f"{name}.csv"
        ours = median_seconds(lambda: cxstats.read_survey(path, codebook))
        peer = median_seconds(lambda: pd.read_csv(path))
        report(f"read + validate {name}", ours, peer, "pandas.read_csv (no checks)")


if __name__ == "__main__":
    main()
