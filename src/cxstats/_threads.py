"""One BLAS thread for the small matrix algebra of model fitting.

SEM and PLS work on matrices of a few dozen rows, thousands of times per fit. A
multithreaded BLAS (OpenBLAS starts one thread per core) spends more on waking its
threads than on the arithmetic, and on a busy machine it stalls: a 4-group invariance
model took 1 s with two BLAS threads under load and 0.1 s with one. The routines that
fit models run under :func:`single_threaded_blas`; the bootstrap's worker processes
inherit the setting, so two workers never oversubscribe two cores.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded_blas"]

F = TypeVar("F", bound=Callable)
_CONTROLLER: list[ThreadpoolController] = []


def _controller() -> ThreadpoolController:
    if not _CONTROLLER:  # scanning the loaded libraries takes milliseconds: once per process
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def single_threaded_blas(func: F) -> F:
    """Run ``func`` with one BLAS thread, restoring the caller's setting afterwards."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _controller().limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
