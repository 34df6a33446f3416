"""Render notebooks to the report suite: execute, then write HTML and PDF side by side.

``render_suite`` checks that the output folder is writable before anything runs, renders
each notebook (a failing one does not stop the others: its stale reports are removed and
the index lists it as missing, with the reason) and writes ``index.html``, the suite's
executive summary: for each report in reading order (front matter ``order``, else the
file name) its title, subtitle, data source, its "In short" section and links.
"""

from __future__ import annotations

import html
import math
import re
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from ._callouts import callouts_to_html
from ._cells import front_matter, in_short, markdown_sources, report_cells, unshown_warnings
from ._checks import check_cells
from ._execute import RenderError, execute_notebook, plain_text
from ._html import CALLOUT_CSS, to_html
from ._inline import DOLLAR
from ._pdf import to_pdf

__all__ = ["RenderedReport", "render_notebook", "render_suite"]

FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class RenderedReport:
    """What one notebook became.

    ``files`` are the reports written (empty when it failed, and then ``error`` says why);
    ``in_short`` is its "In short" section as HTML (for the index); ``problems`` are the
    report checks' findings (:func:`cxstats.report.check_notebook`), and, after
    :func:`render_suite`, the shared facts on which it disagrees with another report;
    ``facts`` are the numbers the notebook shares with the suite (its ``FACTS`` dict).
    """

    notebook: Path
    title: str
    files: tuple[Path, ...]
    seconds: float
    subtitle: str = ""
    data: str = ""
    order: float = math.inf
    in_short: str = ""
    problems: tuple[str, ...] = ()
    error: str | None = None
    facts: Mapping[str, float] = field(default_factory=dict)


def render_notebook(path: str | Path, output: str | Path, *, formats: Sequence[str] = FORMATS,
                    execute: bool = True, timeout: int = 600, strict: bool = False) -> RenderedReport:
    """Execute ``path`` (unless ``execute=False``) and write ``<stem>.html`` / ``<stem>.pdf`` to ``output``.

    Raises
    ------
    RenderError
        The notebook failed, a warning it raised is shown nowhere in its report, or (with
        ``strict=True``) the report checks found problems.
    """
    path, output = Path(path), Path(output)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise RenderError(f"Unknown report format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}.")
    if not path.exists():
        raise RenderError(f"Notebook '{path}' does not exist.")
    _check_writable(output)
    start = time.perf_counter()
    try:
        meta, cells, problems, files, facts = _render(path, output, formats, execute, timeout, strict)
    except (RenderError, OSError, RuntimeError):
        _remove_reports(path, output)  # no stale report of an earlier run stays linked
        raise
    return RenderedReport(path, str(meta.get("title", path.stem)), tuple(files), time.perf_counter() - start,
                          **_front(meta), in_short=_in_short_html(cells, f"{path.stem}.html"), problems=problems,
                          facts=facts)


def _render(path: Path, output: Path, formats: Sequence[str], execute: bool, timeout: int, strict: bool):
    nb = execute_notebook(path, timeout=timeout) if execute else nbformat.read(path, as_version=4)
    prepared = meta, cells = report_cells(nb, path.name)
    unshown = unshown_warnings(nb, path.name, prepared)
    if unshown:
        raise RenderError(f"Notebook '{path.name}' raised warnings its report does not show: "
                          + "; ".join(unshown) + ".")
    problems = tuple(check_cells(cells, markdown_sources(nb), meta))
    if strict and problems:
        raise RenderError(f"Notebook '{path.name}' fails the report checks (--strict): " + "; ".join(problems) + ".")
    files = []
    if "html" in formats:
        target = output / f"{path.stem}.html"
        target.write_text(to_html(nb, path.name, prepared), encoding="utf-8")
        files.append(target)
    if "pdf" in formats:
        target = output / f"{path.stem}.pdf"
        to_pdf(nb, target, path.name, prepared)
        files.append(target)
    return meta, cells, problems, files, dict(nb.metadata.get("cxstats", {}).get("facts", {}))


def render_suite(notebooks: Iterable[str | Path], output: str | Path, *, formats: Sequence[str] = FORMATS,
                 execute: bool = True, strict: bool = False) -> list[RenderedReport]:
    """Render several notebooks and write ``index.html``, the suite's executive summary.

    A notebook that fails does not stop the others: its old reports are removed from
    ``output`` and the index lists it as missing with the reason.

    Returns
    -------
    list of RenderedReport
        In reading order, failed ones included (their ``error`` says why).

    Raises
    ------
    RenderError
        ``output`` cannot be written to (checked before anything runs).
    """
    output = Path(output)
    _check_writable(output)
    reports = []
    for notebook in notebooks:
        notebook = Path(notebook)
        start = time.perf_counter()
        try:
            reports.append(render_notebook(notebook, output, formats=formats, execute=execute, strict=strict))
        except (RenderError, OSError, RuntimeError) as exc:
            reports.append(_failed(notebook, output, plain_text(str(exc)), time.perf_counter() - start))
    reports.sort(key=lambda r: (r.order, r.notebook.name))
    reports = _compare_facts(reports)
    _write_index(reports, output)
    if strict:
        disagreements = sorted({p for r in reports for p in r.problems if p.startswith("Shared fact")})
        if disagreements:
            raise RenderError("The reports disagree (--strict): " + "; ".join(disagreements) + ".")
    return reports


def _compare_facts(reports: list[RenderedReport]) -> list[RenderedReport]:
    """Add to each report the shared facts (same name in two ``FACTS`` dicts) whose values differ.

    The same quantity for the same data must have the same value in every report; a
    difference beyond rounding (relative 1e-9) means two reports compute it differently.
    """
    holders: dict[str, list[RenderedReport]] = {}
    for report in reports:
        for name in report.facts:
            holders.setdefault(name, []).append(report)
    found: dict[Path, list[str]] = {}
    for name, having in holders.items():
        values = [r.facts[name] for r in having]
        if len(having) > 1 and not all(math.isclose(v, values[0], rel_tol=1e-9, abs_tol=1e-12) for v in values):
            said = ", ".join(f"{r.notebook.stem} says {v:.6g}" for r, v in zip(having, values, strict=True))
            for report in having:
                found.setdefault(report.notebook, []).append(
                    f"Shared fact '{name}' differs between reports ({said}): compute it the same way in each, "
                    "or give the two quantities different names and labels")
    return [replace(r, problems=r.problems + tuple(found[r.notebook])) if r.notebook in found else r
            for r in reports]


def _check_writable(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".cxstats-write-check-"):
            pass
    except OSError as exc:
        raise RenderError(
            f"Cannot write reports to '{output}' ({exc.strerror or exc}). Choose another folder with "
            "--output or make this one writable; nothing was executed."
        ) from None


def _failed(notebook: Path, output: Path, reason: str, seconds: float) -> RenderedReport:
    """A notebook that failed: its stale reports removed, what the index shows about it."""
    _remove_reports(notebook, output)
    try:
        meta = front_matter(nbformat.read(notebook, as_version=4))[0]
    except Exception:  # an unreadable notebook still gets its line in the index
        meta = {}
    return RenderedReport(notebook, str(meta.get("title", notebook.stem)), (), seconds, **_front(meta),
                          error=reason)


def _remove_reports(notebook: Path, output: Path) -> None:
    for suffix in FORMATS:
        try:
            (output / f"{notebook.stem}.{suffix}").unlink(missing_ok=True)
        except OSError:
            pass


def _front(meta: dict) -> dict:
    order = meta.get("order")
    return {"subtitle": str(meta.get("subtitle", "") or ""), "data": str(meta.get("data", "") or ""),
            "order": float(order) if isinstance(order, (int, float)) else math.inf}


def _in_short_html(cells: list[nbformat.NotebookNode], page: str) -> str:
    markdown = in_short(cells)
    if not markdown:
        return ""
    rendered = markdown2html_mistune(callouts_to_html(markdown, markdown2html_mistune)).replace(DOLLAR, "$")
    target = html.escape(page, quote=True)

    def reference(match: re.Match) -> str:
        # the index shows no figures or tables: "Figure 1" says it is in the report, and links there
        text = match.group(2)
        shown = f"{text} in the report" if re.fullmatch(r"(?:Figure|Table) \d+", text) else text
        what = _REFERENCED[match.group(1)[:3]]
        return f'<a href="{target}#{match.group(1)}" title="Open the full report at this {what}">{shown}</a>'

    rendered = re.sub(r'<a href="#((?:fig|tbl)-[^"]+)">([^<]*)</a>', reference, rendered)
    return re.sub(r'href="#', f'href="{target}#', rendered)


_REFERENCED = {"fig": "figure", "tbl": "table"}


_BADGES = {"real": ("Real data", "cx-real"), "simulated": ("Simulated data: a demonstration", "cx-simulated")}

_INDEX_CSS = """
body { font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.5;
       color: #222; }
h1 { margin-bottom: 0.2rem; }
.cx-lead { color: #555; margin-top: 0; }
.cx-report { border-top: 1px solid #ddd; padding: 1rem 0 0.6rem 0; }
.cx-report h2 { margin: 0; font-size: 1.3rem; }
.cx-report h2 a { color: inherit; text-decoration: none; }
.cx-subtitle { color: #555; margin: 0.15rem 0 0.4rem 0; }
.cx-badge { display: inline-block; font-size: 0.78rem; padding: 0.05rem 0.5rem; border-radius: 0.7rem;
            border: 1px solid #999; color: #444; background: #f4f4f4; }
.cx-real { border-color: #198754; color: #125c39; background: #edf7f1; }
.cx-simulated { border-color: #e0a100; color: #7a5800; background: #fff8e6; }
.cx-links { font-size: 0.9rem; }
.cx-missing { color: #a00; }
.cx-missing-reason { font-size: 0.88rem; color: #555; white-space: pre-wrap; }
"""


def _badge(data: str) -> str:
    if not data:
        return ""
    text, css = _BADGES.get(data.strip().lower(), (f"Data: {data}", ""))
    return f'<span class="cx-badge {css}">{html.escape(text)}</span>'


def _write_index(reports: list[RenderedReport], output: Path) -> None:
    sections = []
    for number, report in enumerate(reports, start=1):
        title = html.escape(report.title)
        subtitle = f'<p class="cx-subtitle">{html.escape(report.subtitle)}</p>' if report.subtitle else ""
        if report.error is not None:
            body = (f'<p class="cx-missing"><b>Missing:</b> this report failed to render.</p>'
                    f'<p class="cx-missing-reason">{html.escape(report.error)}</p>')
            heading = f"{number}. {title}"
        else:
            links = " · ".join(f'<a href="{html.escape(f.name, quote=True)}">{f.suffix.lstrip(".").upper()}</a>'
                               for f in report.files)
            short = report.in_short or "<p><i>This report has no “In short” section.</i></p>"
            body = f'<div class="cx-short">{short}</div><p class="cx-links">Read the report: {links}</p>'
            first = report.files[0].name if report.files else ""
            link = f'<a href="{html.escape(first, quote=True)}">{title}</a>' if first else title
            heading = f"{number}. {link}"
        sections.append(f'<section class="cx-report"><h2>{heading}</h2>{subtitle}{_badge(report.data)}{body}</section>')
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>cxstats reports</title>"
        f"<style>{_INDEX_CSS}{CALLOUT_CSS}</style></head><body><h1>cxstats reports</h1>"
        "<p class='cx-lead'>The headline findings of each report, in reading order, with their intervals and "
        "base sizes. Reports on simulated data demonstrate a method; they are not evidence about real customers."
        f"</p>{''.join(sections)}</body></html>\n"
    )
    (output / "index.html").write_text(page, encoding="utf-8")
