"""Execute a notebook top to bottom with nbclient, as a student would.

Two things are added to the run (and removed from the executed notebook again):

- a setup cell that configures figures and installs two kernel hooks: every warning a cell
  raises is recorded (class and message) and returned after the cell as a
  ``application/vnd.cxstats.warnings+json`` output, which is moved to the cell's
  ``metadata["cxstats"]["warnings"]``; the per-location "show once" memory of Python's
  warnings is reset before each cell, so a problem raised again in a later cell is seen again;
- before each Markdown cell with inline code (`` `{python} expr` ``), a cell that evaluates
  the expressions; their text goes to the Markdown cell's ``metadata["cxstats"]["inline"]``.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from .._errors import plain_text
from ._errors import RenderError
from ._inline import INLINE_MIME, evaluation_source, expressions

__all__ = ["RenderError", "execute_notebook", "plain_text"]

WARNINGS_MIME = "application/vnd.cxstats.warnings+json"
FACTS_MIME = "application/vnd.cxstats.facts+json"

# Vector figures for the reports (crisp in the PDF), full text in table cells, and SVG
# element ids that do not change from run to run (so re-rendered reports diff cleanly).
_SETUP = (
    "%config InlineBackend.figure_formats = ['svg']\n"
    "%config InlineBackend.print_figure_kwargs = {'bbox_inches': 'tight', 'metadata': {'Date': None}}\n"
    "import pandas as _pd; _pd.set_option('display.max_colwidth', 300)\n"
    "import matplotlib as _mpl; _mpl.rcParams['svg.hashsalt'] = 'cxstats'\n"
    """
class __CxstatsInlineError__(Exception):
    pass

def __cxstats_setup__():
    import warnings
    from IPython import get_ipython
    from IPython.display import display

    shell = get_ipython()
    seen = []
    shown = warnings.showwarning

    def record(message, category, filename, lineno, file=None, line=None):
        entry = {"category": category.__name__, "message": str(message)}
        if entry not in seen:
            seen.append(entry)
        shown(message, category, filename, lineno, file, line)

    def before(*_):
        seen.clear()
        reset = getattr(warnings, "_filters_mutated", None)
        if reset is not None:
            reset()  # forget which warnings were already shown: each cell shows its own

    def after(*_):
        if seen:
            display({"@WARNINGS@": {"warnings": list(seen)}, "text/plain": ""}, raw=True)
            seen.clear()

    warnings.showwarning = record
    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", after)

def __cxstats_inline__(exprs):
    import json
    from IPython import get_ipython
    from IPython.display import display

    namespace = get_ipython().user_ns
    texts, markdown_flags = [], []
    for expr in exprs:
        try:
            value = eval(compile(expr, "<inline code>", "eval"), namespace)
        except Exception as exc:
            raise __CxstatsInlineError__(json.dumps({"expr": expr, "error": f"{type(exc).__name__}: {exc}"})) from None
        markdown = getattr(value, "_repr_markdown_", None)
        text = markdown() if callable(markdown) else None
        if isinstance(text, tuple):
            text = text[0]
        texts.append(str(value) if text is None else str(text))
        markdown_flags.append(text is not None)
    display({"@INLINE@": {"values": texts, "markdown": markdown_flags}, "text/plain": ""}, raw=True)

def __cxstats_facts__():
    from IPython import get_ipython
    from IPython.display import display

    facts = get_ipython().user_ns.get("FACTS")
    if facts is None:
        return
    if not isinstance(facts, dict):
        raise TypeError(f"FACTS must be a dict of name -> number, got {type(facts).__name__}.")
    values = {}
    for name, value in facts.items():
        try:
            values[str(name)] = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"FACTS[{name!r}] is {value!r}, not a number.") from None
    display({"@FACTS@": {"facts": values}, "text/plain": ""}, raw=True)

__cxstats_setup__()
"""
).replace("@FACTS@", FACTS_MIME).replace("@WARNINGS@", WARNINGS_MIME).replace("@INLINE@", INLINE_MIME)

def execute_notebook(path: Path, *, timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell of the notebook at ``path`` in its own folder; return the executed copy.

    The warnings each cell raised are in ``cell.metadata["cxstats"]["warnings"]`` (a list of
    ``{"category", "message"}``), the text of a Markdown cell's inline code in
    ``cell.metadata["cxstats"]["inline"]`` (with ``["inline_markdown"]``: which of them are
    Markdown, from ``_repr_markdown_``), and the notebook's ``FACTS`` (a dict of the
    numbers it shares with other reports, name -> float) in ``nb.metadata["cxstats"]["facts"]``.

    Raises
    ------
    RenderError
        A cell or an inline expression raised: the message names the notebook, the cell
        number and the error.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    work = copy.deepcopy(nb)
    # origin[k]: which cell of the notebook work.cells[k] stands for, and whether it is the
    # inserted cell that evaluates that Markdown cell's inline code
    origin: list[tuple[int | None, bool]] = [(None, False)]
    cells = [nbformat.v4.new_code_cell(_SETUP)]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            exprs = expressions(cell.source)
            if exprs:
                cells.append(nbformat.v4.new_code_cell(evaluation_source(exprs)))
                origin.append((index, True))
        cells.append(copy.deepcopy(cell))
        origin.append((index, False))
    cells.append(nbformat.v4.new_code_cell("__cxstats_facts__()"))  # the numbers the report shares with the suite
    origin.append((None, False))
    work.cells = cells
    # on POSIX a local kernel talks over IPC sockets: no network ports, no warning about
    # unencrypted TCP; Windows has no IPC transport and keeps the default (TCP on localhost)
    sockets = tempfile.TemporaryDirectory()
    manager = (KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets.name) / "kernel"))
               if os.name == "posix" else KernelManager(kernel_name="python3"))
    client = NotebookClient(work, km=manager, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    # the kernel runs in the notebook's folder: relative PYTHONPATH entries (PYTHONPATH=src)
    # would point elsewhere there, so they are made absolute and the kernel imports the same cxstats
    env = dict(os.environ)
    env.setdefault("CXSTATS_PROGRESS", "0")  # a rendered report has no use for progress bars
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) if p else p
                                            for p in env["PYTHONPATH"].split(os.pathsep))
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        raise _execution_error(path, work, origin, exc) from None
    except CellTimeoutError:
        raise RenderError(f"Notebook '{path.name}' did not finish: a cell ran longer than {timeout} s. Make that "
                          "cell faster (fewer bootstrap draws, a smaller sample) or raise the timeout.") from None
    except DeadKernelError:
        raise RenderError(f"Notebook '{path.name}' stopped: its Python kernel died (often out of memory). Run it "
                          "in JupyterLab to see which cell.") from None
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
        sockets.cleanup()
    return _collect(nb, work, origin)


def _execution_error(path: Path, work: nbformat.NotebookNode, origin: list, exc: CellExecutionError) -> RenderError:
    failing = next((k for k, c in enumerate(work.cells)
                    if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    index, inline = origin[failing] if failing is not None else (None, False)
    if inline and exc.ename == "__CxstatsInlineError__":
        detail = json.loads(exc.evalue)
        return RenderError(
            f"Notebook '{path.name}': the inline code `{{python}} {detail['expr']}` in cell {index + 1} "
            f"(counting code and text cells from 1) raised {detail['error']}. Define what it "
            "uses in a code cell above that Markdown cell, or correct the expression."
        )
    where = (f"cell {index + 1} (counting code and text cells from 1)" if index is not None
             else "its FACTS dict (the numbers it shares with the other reports)" if failing == len(work.cells) - 1
             else "its setup")
    summary = f"{exc.ename}: {exc.evalue}" if exc.ename else (str(exc).strip().splitlines() or [""])[-1]
    return RenderError(
        f"Notebook '{path.name}' failed in {where}: {summary}. "
        f"Open it in JupyterLab and run it top to bottom to see the full traceback."
    )


def _collect(nb: nbformat.NotebookNode, work: nbformat.NotebookNode, origin: list) -> nbformat.NotebookNode:
    """The notebook's own cells with their outputs; warnings and inline values in metadata."""
    executed = copy.deepcopy(nb)
    for cell, (index, inline) in zip(work.cells, origin, strict=True):
        if index is None:
            for output in cell.get("outputs", []):
                if FACTS_MIME in output.get("data", {}):
                    executed.metadata.setdefault("cxstats", {})["facts"] = dict(output["data"][FACTS_MIME]["facts"])
            continue
        target = executed.cells[index]
        record = target.metadata.setdefault("cxstats", {})
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WARNINGS_MIME in data:
                record.setdefault("warnings", []).extend(
                    w for w in data[WARNINGS_MIME]["warnings"] if w not in record.get("warnings", []))
            elif INLINE_MIME in data:
                record["inline"] = list(data[INLINE_MIME]["values"])
                record["inline_markdown"] = list(data[INLINE_MIME].get("markdown", []))
            else:
                outputs.append(output)
        if target.cell_type == "code" and not inline:
            target.outputs = outputs
            target.execution_count = cell.execution_count
        if not record:
            del target.metadata["cxstats"]
    return executed
