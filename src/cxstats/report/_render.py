"""Render notebooks to the report suite: execute, then write HTML and PDF side by side."""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ._cells import front_matter, unshown_warnings
from ._execute import RenderError, execute_notebook
from ._html import to_html
from ._pdf import to_pdf

__all__ = ["RenderedReport", "render_notebook", "render_suite"]

FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class RenderedReport:
    """What one notebook became: its title, the files written, and the seconds it took."""

    notebook: Path
    title: str
    files: tuple[Path, ...]
    seconds: float


def render_notebook(path: str | Path, output: str | Path, *, formats: Sequence[str] = FORMATS,
                    execute: bool = True, timeout: int = 600) -> RenderedReport:
    """Execute ``path`` (unless ``execute=False``) and write ``<stem>.html`` / ``<stem>.pdf`` to ``output``."""
    path, output = Path(path), Path(output)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise RenderError(f"Unknown report format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}.")
    if not path.exists():
        raise RenderError(f"Notebook '{path}' does not exist.")
    start = time.perf_counter()
    nb = execute_notebook(path, timeout=timeout) if execute else nbformat.read(path, as_version=4)
    unshown = unshown_warnings(nb, path.name)
    if unshown:
        raise RenderError(f"Notebook '{path.name}' raised warnings its report does not show: "
                          + "; ".join(unshown) + ".")
    output.mkdir(parents=True, exist_ok=True)
    files = []
    if "html" in formats:
        target = output / f"{path.stem}.html"
        target.write_text(to_html(nb, path.name), encoding="utf-8")
        files.append(target)
    if "pdf" in formats:
        target = output / f"{path.stem}.pdf"
        to_pdf(nb, target, path.name)
        files.append(target)
    title = str(front_matter(nb)[0].get("title", path.stem))
    return RenderedReport(path, title, tuple(files), time.perf_counter() - start)


def render_suite(notebooks: Iterable[str | Path], output: str | Path, *, formats: Sequence[str] = FORMATS,
                 execute: bool = True) -> list[RenderedReport]:
    """Render several notebooks and write ``index.html`` linking every report."""
    reports = [render_notebook(nb, output, formats=formats, execute=execute) for nb in notebooks]
    _write_index(reports, Path(output))
    return reports


def _write_index(reports: list[RenderedReport], output: Path) -> None:
    rows = "\n".join(
        "<li><b>{}</b> — {}</li>".format(
            html.escape(r.title),
            " · ".join(f'<a href="{f.name}">{f.suffix.lstrip(".").upper()}</a>' for f in r.files),
        )
        for r in reports
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>cxstats reports</title>"
        "<style>body{font-family:sans-serif;max-width:44rem;margin:2rem auto;line-height:1.6}</style>"
        f"</head><body><h1>cxstats reports</h1><ul>{rows}</ul></body></html>\n"
    )
    (output / "index.html").write_text(page, encoding="utf-8")
