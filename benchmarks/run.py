"""Run every benchmark in this folder and print ratios against the peer measured in the same run.

Usage: ``make bench`` (installs the peers) or ``python benchmarks/run.py``. Timings are
medians of repeated runs on this machine; only the ratios are meaningful across machines.
Benchmarks never run as tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        print(f"== {path.stem}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
