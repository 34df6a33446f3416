"""Bootstrap plumbing shared by the SEM and PLS engines.

``map_chunks`` runs a function over fixed chunks of draws in the two processes of a 2-core
machine (forked on Linux, where it is cheap and safe; serial elsewhere) behind a tqdm
progress bar that stays quiet unless stderr is a terminal. The chunks are fixed by the
caller, not by the number of workers, so the numbers are the same however the work is
split. ``jackknife_acceleration`` is the BCa acceleration (Efron & Tibshirani, 1993, eq. 14.15).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
from tqdm import tqdm

__all__ = ["map_chunks", "jackknife_acceleration", "show_progress"]


def show_progress(progress: bool | None) -> bool:
    """``progress`` if given, else whether stderr is a terminal (quiet in scripts, CI, notebooks' logs)."""
    return sys.stderr.isatty() if progress is None else bool(progress)


def map_chunks(work: Callable[[Any], Any], chunks: Sequence[Any], *, progress: bool | None, parallel: bool = True,
               workers: int | None = None, sizes: Sequence[int] | None = None, desc: str = "bootstrap") -> list[Any]:
    """``[work(chunk) for chunk in chunks]``, in order, on up to two forked processes.

    ``work`` must be a module-level function; whatever it needs besides its chunk must be in
    module state set before the call (a forked worker inherits it). ``sizes`` are the
    progress-bar units of each chunk (default ``len(chunk)``).
    """
    sizes = [len(c) for c in chunks] if sizes is None else list(sizes)
    workers = min(2, os.cpu_count() or 1) if workers is None else workers
    fork = (parallel and workers > 1 and len(chunks) > 1 and sys.platform.startswith("linux")
            and "fork" in mp.get_all_start_methods())
    results: list[Any] = []
    with tqdm(total=sum(sizes), disable=not show_progress(progress), desc=desc, unit="draw") as bar:
        if fork:
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
                for size, block in zip(sizes, pool.map(work, chunks), strict=True):
                    results.append(block)
                    bar.update(size)
        else:
            for size, chunk in zip(sizes, chunks, strict=True):
                results.append(work(chunk))
                bar.update(size)
    return results


def jackknife_acceleration(jack: np.ndarray) -> np.ndarray | float:
    """BCa acceleration ``sum d^3 / (6 (sum d^2)^1.5)``, ``d = mean - jackknife value``, per
    column of ``jack`` (leave-one-out estimates in rows); 0 where the jackknife does not vary."""
    centred = jack.mean(axis=0) - jack
    denom = 6.0 * np.sum(centred**2, axis=0) ** 1.5
    with np.errstate(divide="ignore", invalid="ignore"):
        accel = np.where(denom > 0, np.sum(centred**3, axis=0) / denom, 0.0)
    return float(accel) if np.ndim(accel) == 0 else accel
