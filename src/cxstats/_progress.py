"""Progress bars: one place that decides whether a bar shows and which kind it is.

In a Jupyter kernel (JupyterLab, the classic Notebook, VS Code) with ipywidgets installed,
the bar is ``tqdm.auto``'s widget; elsewhere it is tqdm's text bar on stderr. ``tqdm.auto``
is imported only in that case: without ipywidgets it warns on import, and that warning
would land in every notebook (and fail the render of a hidden cell).

By default (``progress=None``) a bar shows when stderr is a terminal or the code runs in
an interactive Jupyter kernel, and stays quiet in scripts, CI and under pytest. Setting the
environment variable ``CXSTATS_PROGRESS=0`` keeps the default quiet everywhere (the report
renderer sets it for the kernels it starts: a rendered report has no use for a bar);
an explicit ``progress=True`` still shows one.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from tqdm import tqdm as text_tqdm

__all__ = ["in_notebook", "progress_bar", "show_progress"]

#: Environment variable that turns default progress bars off ("0", "false", "no" or "off").
ENVIRONMENT = "CXSTATS_PROGRESS"


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel that can show widgets (not a terminal IPython)."""
    if "ipykernel.zmqshell" not in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def show_progress(progress: bool | None) -> bool:
    """``progress`` if given; else whether stderr is a terminal or this is an interactive notebook."""
    if progress is not None:
        return bool(progress)
    if os.environ.get(ENVIRONMENT, "").strip().lower() in {"0", "false", "no", "off"}:
        return False
    return _stderr_is_terminal() or in_notebook()


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


def _bar_class(show: bool) -> type:
    if show and in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm as auto_tqdm

        return auto_tqdm
    return text_tqdm


def progress_bar(progress: bool | None, **options: Any) -> text_tqdm:
    """A tqdm bar, disabled unless :func:`show_progress` says to show one.

    ``options`` go to tqdm (``total``, ``desc``, ``unit`` ...). The bar is always a tqdm
    object (a disabled one when hidden), so callers can ``update`` it unconditionally and
    use it as a context manager.
    """
    show = show_progress(progress)
    return _bar_class(show)(disable=not show, **options)
