"""The API documentation: the getting-started page runs, every public name has a page,
and ``mkdocs build --strict`` (what ``make docs`` runs) builds without a warning."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import cxstats

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), flags=re.S | re.M)


def _documented() -> set[str]:
    """Every object named in a ``::: path`` block of a page."""
    return {line.split()[1] for page in DOCS.glob("*.md")
            for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("::: ")}


@pytest.mark.parametrize("page", ["getting-started.md", "nps-topbox-index.md"])
def test_the_code_on_the_page_runs_top_to_bottom_without_a_warning(page, capsys):
    blocks = _python_blocks(DOCS / page)
    assert blocks, f"{page} has no Python blocks"
    namespace: dict = {"__name__": "__docs__"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", cxstats.CxStatsWarning)
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"{page}, block {number}", "exec"), namespace)  # noqa: S102
    if page == "getting-started.md":
        printed = capsys.readouterr().out
        assert "quality_to_loyalty" in printed and "group_first" in printed


def test_every_public_name_has_an_api_entry():
    documented = {path.rsplit(".", 1)[-1] for path in _documented()}
    aliases = {id(getattr(cxstats, name)) for name in documented if hasattr(cxstats, name)}
    missing = sorted(name for name in cxstats.__all__ if name != "__version__" and name not in documented
                     and id(getattr(cxstats, name)) not in aliases)  # e.g. Dataset, the old name of Survey
    assert not missing, f"Public names without a ::: entry in docs/: {missing}"
    from cxstats import pls, sem

    for package in (sem, pls):
        missing = sorted(name for name in package.__all__ if name not in documented)
        assert not missing, f"{package.__name__} names without a ::: entry in docs/: {missing}"


def test_every_page_is_in_the_navigation_and_names_what_it_is_checked_against():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    assert [p for p in pages if p not in config] == []
    for page in pages:
        if page not in ("index.md", "getting-started.md"):
            text = (DOCS / page).read_text(encoding="utf-8")
            assert "## What it is checked against" in text and "| Tolerance |" in text, page


def test_prose_after_the_colon_becomes_the_description():
    spec = importlib.util.spec_from_file_location("numpy_prose", DOCS / "_ext" / "numpy_prose.py")
    if importlib.util.find_spec("griffe") is None:
        pytest.skip("griffe (the docs extra) is not installed")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = ("Summary.\n\nParameters\n----------\ndata : respondents in rows.\nn : int\n    How many.\n"
            "scale : tuple[float, float] | None\n    The scale.\nci : ``\"normal\"`` (default): a\n    long text.\n"
            "\nReturns\n-------\nresult : a thing.\n")
    assert module.rewrite(text) == (
        "Summary.\n\nParameters\n----------\ndata\n    respondents in rows.\nn : int\n    How many.\n"
        "scale : tuple[float, float] | None\n    The scale.\nci\n    ``\"normal\"`` (default): a\n    long text.\n"
        "\nReturns\n-------\nresult : a thing.")


def test_mkdocs_builds_the_pages_without_a_warning(tmp_path):
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None:
        pytest.skip("mkdocs and mkdocstrings (the docs extra: pip install -e '.[docs]') are not installed")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                          str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "WARNING" not in out.stderr, out.stderr[-3000:]
    page = (tmp_path / "site" / "nps-topbox-index" / "index.html").read_text(encoding="utf-8")
    assert "nps_difference" in page and "respondents in rows." in page
