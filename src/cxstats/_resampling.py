"""Bootstrap plumbing shared by the SEM and PLS engines.

``map_chunks`` runs a function over fixed chunks of draws on both cores of a 2-core
machine: on Linux the process forks once, child and parent work through the chunks side by
side, and the child hands its results back in a
temporary file (a fork is cheap, and one child with a working parent costs less than a pool
of two workers with an idle parent); the two take chunks from a shared counter, so a core
that the machine's other work slows down does fewer of them. Elsewhere (macOS system libraries, Windows) the work
stays serial. The chunks are fixed by the caller, not by the number of processes, so the
numbers are the same however the work is split. A progress bar (``_progress``) shows both
halves: a widget in a notebook, text in a terminal, nothing in scripts unless asked. ``jackknife_acceleration`` is the BCa acceleration
(Efron & Tibshirani, 1993, eq. 14.15).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import struct
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from ._progress import progress_bar

__all__ = ["map_chunks", "jackknife_acceleration"]


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
    with progress_bar(progress, total=sum(sizes), desc=desc, unit="draw") as bar:
        if fork:
            return _forked(work, list(chunks), sizes, bar)
        results = []
        for size, chunk in zip(sizes, chunks, strict=True):
            results.append(work(chunk))
            bar.update(size)
        return results


def _forked(work: Callable[[Any], Any], chunks: list[Any], sizes: list[int], bar: tqdm) -> list[Any]:
    """Both processes take the next unworked chunk from a shared counter until none is left,
    so a core slowed by other work on the machine simply does fewer chunks."""
    counter = multiprocessing.get_context("fork").Value("i", 0)  # shared memory, inherited by the fork
    signal_r, signal_w = os.pipe()  # the child sends the number of each chunk it finishes, for the progress bar
    results: list[Any] = [None] * len(chunks)
    with tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(work, chunks, counter, out, signal_r, signal_w)
        os.close(signal_w)
        try:
            os.set_blocking(signal_r, False)
            pending = b""
            while (index := _next(counter, len(chunks))) is not None:
                results[index] = work(chunks[index])
                bar.update(sizes[index])
                try:
                    pending = _report(pending + os.read(signal_r, 4096), sizes, bar)
                except BlockingIOError:
                    pass
            os.set_blocking(signal_r, True)
            while block := os.read(signal_r, 4096):  # until the child exits
                pending = _report(pending + block, sizes, bar)
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
            for index, value in payload:
                results[index] = value
            return results
        finally:
            os.close(signal_r)
            if pid:  # interrupted or failed while the child was still working
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _next(counter: Any, n: int) -> int | None:
    """The next chunk nobody has taken, or None when all are taken."""
    with counter.get_lock():
        index = counter.value
        if index >= n:
            return None
        counter.value = index + 1
    return index


_INDEX = struct.Struct("<I")


def _report(block: bytes, sizes: list[int], bar: tqdm) -> bytes:
    """Advance the bar by the chunks the child reported; returns an incomplete trailing record."""
    whole = len(block) - len(block) % _INDEX.size
    bar.update(sum(sizes[i] for (i,) in _INDEX.iter_unpack(block[:whole])))
    return block[whole:]


def _child(work: Callable[[Any], Any], chunks: list[Any], counter: Any, out: Any, signal_r: int,
           signal_w: int) -> None:
    code = 0
    try:
        os.close(signal_r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the child has no business writing to the parent's streams
            results = []
            while (index := _next(counter, len(chunks))) is not None:
                results.append((index, work(chunks[index])))
                os.write(signal_w, _INDEX.pack(index))
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
