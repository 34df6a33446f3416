"""Execute a notebook top to bottom with nbclient, as a student would."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .._errors import CxStatsError

__all__ = ["RenderError", "execute_notebook"]

# Vector figures for the reports (crisp in the PDF), full text in table cells, and SVG
# element ids that do not change from run to run (so re-rendered reports diff cleanly).
_SETUP = (
    "%config InlineBackend.figure_formats = ['svg']\n"
    "%config InlineBackend.print_figure_kwargs = {'bbox_inches': 'tight', 'metadata': {'Date': None}}\n"
    "import pandas as _pd; _pd.set_option('display.max_colwidth', 300)\n"
    "import matplotlib as _mpl; _mpl.rcParams['svg.hashsalt'] = 'cxstats'"
)


class RenderError(CxStatsError):
    """A notebook failed to execute or to render."""


def execute_notebook(path: Path, *, timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell of the notebook at ``path`` in its own folder; return the executed copy.

    Raises
    ------
    RenderError
        A cell raised: the message names the notebook, the cell number and the error.
    """
    nb = nbformat.read(path, as_version=4)
    work = copy.deepcopy(nb)
    work.cells.insert(0, nbformat.v4.new_code_cell(_SETUP))
    # on POSIX a local kernel talks over IPC sockets: no network ports, no warning about
    # unencrypted TCP; Windows has no IPC transport and keeps the default (TCP on localhost)
    sockets = tempfile.TemporaryDirectory()
    manager = (KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets.name) / "kernel"))
               if os.name == "posix" else KernelManager(kernel_name="python3"))
    client = NotebookClient(work, km=manager, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        failing = next((i for i, c in enumerate(work.cells)
                        if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = f"cell {failing} (counting code and text cells from 1)" if failing else "a cell"
        summary = str(exc).strip().splitlines()
        raise RenderError(
            f"Notebook '{path.name}' failed in {where}: {summary[-1] if summary else exc}. "
            f"Open it in JupyterLab and run it top to bottom to see the full traceback."
        ) from None
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
        sockets.cleanup()
    work.cells.pop(0)
    return work
