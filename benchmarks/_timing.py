"""Timing helper shared by the benchmarks: median wall time of repeated calls."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
