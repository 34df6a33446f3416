"""Timing helper shared by the benchmarks: median wall time of repeated calls."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def median_seconds(func: Callable[[], object], *, repeat: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, ours: float, peer: float, peer_name: str) -> None:
    print(f"{name}: cxstats {ours * 1e3:.1f} ms, {peer_name} {peer * 1e3:.1f} ms, ratio {ours / peer:.2f}")


def _cpu_seconds() -> tuple[float, float] | None:
    """CPU seconds used so far by the whole machine and by this process with its children."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None  # not Linux: the load of other processes is not reported
    own = os.times()
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    return busy, own.user + own.system + own.children_user + own.children_system


class MachineLoad:
    """How much CPU other processes took while a benchmark ran: timings are trustworthy only
    when it is near zero (these machines are shared)."""

    def __init__(self) -> None:
        self.cpu, self.wall = _cpu_seconds(), time.perf_counter()

    def report(self) -> None:
        end, wall = _cpu_seconds(), time.perf_counter() - self.wall
        if self.cpu and end:
            other = (end[0] - self.cpu[0]) - (end[1] - self.cpu[1])
            print(f"other processes used {max(other, 0):.0f} CPU-s of the {wall * (os.cpu_count() or 1):.0f} "
                  f"available during the {wall:.0f} s run; timings are trustworthy only when this is near 0")


def rscript_json(script: Path, spec: dict, *, timeout: float = 1800) -> dict:
    """Run an R timing script on a JSON spec file; returns the JSON of its last output line."""
    with tempfile.TemporaryDirectory() as tmp:
        spec_file = Path(tmp) / "spec.json"
        spec_file.write_text(json.dumps(spec))
        out = subprocess.run(["Rscript", str(script), str(spec_file)], capture_output=True, text=True,
                             timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])
