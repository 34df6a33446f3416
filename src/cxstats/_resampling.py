"""Bootstrap plumbing shared by the SEM and PLS engines.

``map_chunks`` runs a function over fixed chunks of draws on both cores of a 2-core
machine: on Linux the process forks once, the child works through the second half of the
chunks while the parent works through the first, and the child hands its results back in a
temporary file (a fork is cheap, and one child with a working parent costs less than a pool
of two workers with an idle parent). Elsewhere (macOS system libraries, Windows) the work
stays serial. The chunks are fixed by the caller, not by the number of processes, so the
numbers are the same however the work is split. A tqdm progress bar shows both halves and
stays quiet unless stderr is a terminal. ``jackknife_acceleration`` is the BCa acceleration
(Efron & Tibshirani, 1993, eq. 14.15).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

__all__ = ["map_chunks", "jackknife_acceleration", "show_progress"]


def show_progress(progress: bool | None) -> bool:
    """``progress`` if given, else whether stderr is a terminal (quiet in scripts, CI, notebooks' logs)."""
    return sys.stderr.isatty() if progress is None else bool(progress)


def map_chunks(work: Callable[[Any], Any], chunks: Sequence[Any], *, progress: bool | None, parallel: bool = True,
               workers: int | None = None, sizes: Sequence[int] | None = None, desc: str = "bootstrap") -> list[Any]:
    """``[work(chunk) for chunk in chunks]``, in order, shared by two processes when possible.

    ``work`` must be a module-level function; whatever it needs besides its chunk must be in
    module state set before the call (the forked child inherits it). ``workers=1`` (or
    ``parallel=False``) keeps the work in this process. ``sizes`` are the progress-bar units
    of each chunk (default ``len(chunk)``).
    """
    sizes = [len(c) for c in chunks] if sizes is None else list(sizes)
    workers = min(2, os.cpu_count() or 1) if workers is None else workers
    fork = parallel and workers > 1 and len(chunks) > 1 and sys.platform.startswith("linux") and hasattr(os, "fork")
    with tqdm(total=sum(sizes), disable=not show_progress(progress), desc=desc, unit="draw") as bar:
        if fork:
            return _forked(work, list(chunks), sizes, bar)
        results = []
        for size, chunk in zip(sizes, chunks, strict=True):
            results.append(work(chunk))
            bar.update(size)
        return results


def _forked(work: Callable[[Any], Any], chunks: list[Any], sizes: list[int], bar: tqdm) -> list[Any]:
    split = (len(chunks) + 1) // 2
    theirs = sizes[split:]
    signal_r, signal_w = os.pipe()  # one byte per chunk the child finishes, for the progress bar
    with tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(work, chunks[split:], out, signal_r, signal_w)
        os.close(signal_w)
        reported = 0
        try:
            results = []
            os.set_blocking(signal_r, False)
            for size, chunk in zip(sizes[:split], chunks[:split], strict=True):
                results.append(work(chunk))
                bar.update(size)
                try:
                    reported += _report(os.read(signal_r, 4096), theirs, reported, bar)
                except BlockingIOError:
                    pass
            os.set_blocking(signal_r, True)
            while block := os.read(signal_r, 4096):  # until the child exits
                reported += _report(block, theirs, reported, bar)
            _, status = os.waitpid(pid, 0)
            pid = 0
            out.seek(0)
            try:
                kind, payload = pickle.load(out)
            except (EOFError, pickle.UnpicklingError):
                raise RuntimeError(f"The bootstrap's second process ended without results (exit status {status}).") \
                    from None
            if kind == "error":
                raise payload
            return results + payload
        finally:
            os.close(signal_r)
            if pid:  # interrupted or failed while the child was still working
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _report(block: bytes, theirs: list[int], reported: int, bar: tqdm) -> int:
    bar.update(sum(theirs[reported:reported + len(block)]))
    return len(block)


def _child(work: Callable[[Any], Any], chunks: list[Any], out: Any, signal_r: int, signal_w: int) -> None:
    code = 0
    try:
        os.close(signal_r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the child has no business writing to the parent's streams
            results = []
            for chunk in chunks:
                results.append(work(chunk))
                os.write(signal_w, b".")
        pickle.dump(("ok", results), out)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent, which raises it
        try:
            pickle.dump(("error", exc), out)
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            pickle.dump(("error", RuntimeError(f"{type(exc).__name__}: {exc}")), out)
    finally:
        try:
            out.flush()
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)


def jackknife_acceleration(jack: np.ndarray) -> np.ndarray | float:
    """BCa acceleration ``sum d^3 / (6 (sum d^2)^1.5)``, ``d = mean - jackknife value``, per
    column of ``jack`` (leave-one-out estimates in rows); 0 where the jackknife does not vary."""
    centred = jack.mean(axis=0) - jack
    denom = 6.0 * np.sum(centred**2, axis=0) ** 1.5
    with np.errstate(divide="ignore", invalid="ignore"):
        accel = np.where(denom > 0, np.sum(centred**3, axis=0) / denom, 0.0)
    return float(accel) if np.ndim(accel) == 0 else accel
