"""The one progress-bar helper: when a bar shows, and which kind (widget in a notebook, text elsewhere)."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest
from tqdm import tqdm as text_tqdm

from cxstats import _progress


class ZMQInteractiveShell:  # the class name ipykernel's shell has
    pass


@pytest.fixture
def notebook(monkeypatch):
    """Pretend to run in a Jupyter kernel."""
    ipython = types.ModuleType("IPython")
    shell = ZMQInteractiveShell()
    ipython.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    monkeypatch.delenv("CXSTATS_PROGRESS", raising=False)


def test_outside_a_notebook_the_bar_is_text_and_quiet_by_default(monkeypatch):
    monkeypatch.delenv("CXSTATS_PROGRESS", raising=False)
    assert not _progress.in_notebook()
    assert _progress.show_progress(None) is False  # stderr is not a terminal under pytest
    bar = _progress.progress_bar(None, total=3)
    assert type(bar) is text_tqdm and bar.disable
    bar.update(3)  # a hidden bar still takes updates
    bar.close()
    assert _progress.show_progress(True) is True and _progress.show_progress(False) is False


def test_in_a_notebook_the_auto_widget_bar_is_chosen_and_shown_by_default(notebook, monkeypatch):
    pytest.importorskip("ipywidgets")
    assert _progress.in_notebook()
    assert _progress.show_progress(None) is True
    from tqdm.auto import tqdm as auto_tqdm

    assert _progress._bar_class(True) is auto_tqdm
    assert _progress._bar_class(False) is text_tqdm  # a hidden bar needs no widget
    assert _progress.show_progress(False) is False


def test_in_a_notebook_without_ipywidgets_the_text_bar_is_used(notebook, monkeypatch):
    real = _progress.importlib.util.find_spec
    monkeypatch.setattr(_progress.importlib.util, "find_spec",
                        lambda name, *a: None if name == "ipywidgets" else real(name, *a))
    assert _progress._bar_class(True) is text_tqdm


def test_the_environment_variable_keeps_default_bars_quiet(notebook, monkeypatch):
    monkeypatch.setenv("CXSTATS_PROGRESS", "0")
    assert _progress.show_progress(None) is False
    assert _progress.show_progress(True) is True  # asking explicitly still shows one


def test_a_terminal_ipython_is_not_a_notebook(monkeypatch):
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: type("TerminalInteractiveShell", (), {})()
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    assert not _progress.in_notebook()


def test_no_import_warning_without_ipywidgets():
    # tqdm.auto warns on import where ipywidgets is missing; the helper must never import it then
    code = ("import sys, warnings\n"
            "warnings.simplefilter('error')\n"
            "sys.modules['ipywidgets'] = None  # as if not installed\n"
            "import types\n"
            "class ZMQInteractiveShell: pass\n"
            "ipy = types.ModuleType('IPython'); ipy.get_ipython = lambda: ZMQInteractiveShell()\n"
            "sys.modules['IPython'] = ipy; sys.modules['ipykernel.zmqshell'] = types.ModuleType('z')\n"
            "from cxstats._progress import progress_bar\n"
            "with progress_bar(True, total=2, file=sys.stdout) as bar:\n"
            "    bar.update(2)\n"
            "print('tqdm.auto' in sys.modules, type(bar).__module__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False tqdm.std"
    assert "Warning" not in out.stderr


def test_bootstrap_and_relative_importance_use_the_shared_helper():
    from cxstats import _resampling, drivers

    assert _resampling.progress_bar is _progress.progress_bar
    assert drivers.progress_bar is _progress.progress_bar
    assert not hasattr(drivers, "_progress_bar")


def test_notebooks_rendered_as_reports_show_no_progress_bars(tmp_path, monkeypatch):
    # in a kernel a bar would show by default; a rendered report has no use for one
    nbformat = pytest.importorskip("nbformat")
    from cxstats.report import execute_notebook

    monkeypatch.delenv("CXSTATS_PROGRESS", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from cxstats import _progress\n"
                                          "print(_progress.in_notebook(), _progress.show_progress(None))")]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    executed = execute_notebook(path, timeout=120)
    printed = "".join(o.get("text", "") for cell in executed.cells for o in cell.get("outputs", []))
    assert printed.strip() == "True False"
