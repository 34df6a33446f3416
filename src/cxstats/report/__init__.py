"""The report pipeline: notebooks -> executed notebooks -> HTML and PDF reports.

Used from the command line (``cxstats render notebooks -o reports``, ``--strict`` to fail
on the report checks) or ``python -m cxstats.report notebooks -o reports``, and by
``make report``. The renderer implements the Quarto features the notebooks use (inline
code, callouts, numbered and cross-referenced figures and tables, warnings shown as
cautions), so Quarto users can instead run ``quarto render`` in ``reports/``.

Notebooks import :func:`cautions` from here; the rendering machinery (nbclient, nbconvert,
pandoc, Typst) is imported only when a rendering function is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._callouts import Cautions, cautions
from ._errors import RenderError

__all__ = ["Cautions", "RenderError", "RenderedReport", "cautions", "check_notebook", "execute_notebook",
           "render_notebook", "render_suite"]

_LAZY = {"RenderedReport": "._render", "render_notebook": "._render", "render_suite": "._render",
         "execute_notebook": "._execute", "check_notebook": "._checks"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cxstats.report' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
