"""Quarto-style cell options (``#| echo: false``) and the notebook's front matter.

Notebooks keep Quarto's conventions so that users who have Quarto can render them with
``quarto render``; the built-in renderer reads the same options:

- ``include: false`` drops the cell and its output from the report;
- ``output: false`` keeps neither output (the code is never shown in reports);
- ``fig-cap`` / ``tbl-cap`` caption a figure or table.

The front matter is a raw cell at the top holding YAML between ``---`` lines (title,
subtitle, author, date), as Quarto expects.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import nbformat
import yaml

__all__ = ["cell_options", "front_matter", "in_short", "markdown_sources", "report_cells", "unshown_warnings"]


def cell_options(cell: nbformat.NotebookNode) -> dict[str, Any]:
    """The ``#|`` options at the top of a code cell, parsed as YAML."""
    if cell.get("cell_type") != "code":
        return {}
    lines = []
    for line in cell.source.splitlines():
        if not line.startswith("#|"):
            break
        lines.append(line[2:].strip())
    if not lines:
        return {}
    parsed = yaml.safe_load("\n".join(lines))
    return parsed if isinstance(parsed, dict) else {}


def front_matter(nb: nbformat.NotebookNode) -> tuple[dict[str, Any], int | None]:
    """``(metadata, index of the raw cell)`` from the first raw cell, if it holds YAML."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "raw":
            text = cell.source.strip()
            if text.startswith("---") and text.count("---") >= 2:
                body = text.split("---", 2)[1]
                parsed = yaml.safe_load(body) or {}
                return (parsed if isinstance(parsed, dict) else {}), index
        elif cell.cell_type == "code":
            break
    return {}, None


def report_cells(nb: nbformat.NotebookNode, name: str = "the notebook") -> tuple[dict, list[nbformat.NotebookNode]]:
    """Front matter and the cells a report shows, ready for the HTML and PDF writers.

    ``include: false`` cells are dropped and ``output: false`` cells emptied; inline code is
    replaced by its value; stderr text is dropped and each warning the cell raised follows
    its output as a "Caution" callout (unless the cell is hidden or has ``warning: false``).

    Raises
    ------
    RenderError
        A Markdown cell has inline code but the notebook was not executed by the renderer.
    """
    from ._callouts import callout_markdown, plain_problem
    from ._errors import RenderError
    from ._inline import expressions, markdown_flags, substitute, values
    from ._tables import tidy_table_html

    meta, raw_index = front_matter(nb)
    cells = []
    for index, cell in enumerate(nb.cells):
        if index == raw_index or cell.cell_type == "raw":
            continue
        options = cell_options(cell)
        if options.get("include") is False:
            continue
        cell = copy.deepcopy(cell)
        if cell.cell_type == "markdown":
            exprs = expressions(cell.source)
            if exprs:
                texts = values(cell)
                if texts is None or len(texts) != len(exprs):
                    raise RenderError(
                        f"Notebook '{name}' has inline code (`{{python}} {exprs[0]}` in cell {index + 1}, counting "
                        "code and text cells from 1), which needs execution: render it without --no-execute."
                    )
                cell.source = substitute(cell.source, texts, markdown_flags(cell))
            for warning in cell.metadata.get("cxstats", {}).get("warnings", []):  # raised by its inline code
                text = plain_problem(f"{warning['category']}: {warning['message']}")
                cell.source += "\n\n" + callout_markdown("warning", "Caution", text)
        elif cell.cell_type == "code":
            cell.outputs = [] if options.get("output") is False else [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
            for output in cell.outputs:
                if "text/html" in output.get("data", {}):
                    output.data["text/html"] = tidy_table_html(output.data["text/html"])
            if options.get("output") is not False and options.get("warning") is not False:
                for warning in cell.metadata.get("cxstats", {}).get("warnings", []):
                    text = plain_problem(f"{warning['category']}: {warning['message']}")
                    cell.outputs.append(nbformat.v4.new_output(
                        "display_data", data={"text/markdown": callout_markdown("warning", "Caution", text)},
                        metadata={"cx_caution": True}))
            cell.metadata["cx_options"] = options
        cell.metadata["cx_index"] = index
        cells.append(cell)
    numbers = _number(cells)
    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = _resolve_references(cell.source, numbers, name, cell.metadata["cx_index"])
    return meta, cells


_KINDS = {"fig": "Figure", "tbl": "Table"}
_REFERENCE = re.compile(r"\[(-?)@((?:fig|tbl)-[\w-]*\w)\]|(?<![\w@.\\])@((?:fig|tbl)-[\w-]*\w)")


def _number(cells: list[nbformat.NotebookNode]) -> dict[str, tuple[str, int]]:
    """Number the labelled figure and table cells in order; caption each as Quarto does.

    Sets ``cell.metadata["cx_caption"]`` ("Figure 2: caption", or the bare caption of an
    unlabelled cell) and ``cell.metadata["cx_label"]``; returns ``{label: (kind, number)}``.
    """
    counters = {"fig": 0, "tbl": 0}
    numbers: dict[str, tuple[str, int]] = {}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        options = cell.metadata["cx_options"]
        label = str(options.get("label", ""))
        prefix = label.split("-", 1)[0] if "-" in label else ""
        caption = options.get(f"{prefix}-cap") if prefix else options.get("fig-cap") or options.get("tbl-cap")
        shown = [o for o in cell.outputs if not o.get("metadata", {}).get("cx_caution")]
        if prefix in counters and shown and label not in numbers:
            counters[prefix] += 1
            numbers[label] = (_KINDS[prefix], counters[prefix])
            cell.metadata["cx_label"] = label
            head = f"{_KINDS[prefix]} {counters[prefix]}"
            cell.metadata["cx_caption"] = f"{head}: {caption}" if caption else head
        elif caption:
            cell.metadata["cx_caption"] = str(caption)
    return numbers


def _resolve_references(text: str, numbers: dict[str, tuple[str, int]], name: str, index: int) -> str:
    """``@fig-x`` / ``[@fig-x]`` as a Markdown link ``[Figure 1](#fig-x)``, ``[-@fig-x]`` as ``[1](#fig-x)``."""
    from ._errors import RenderError

    def replace(match: re.Match) -> str:
        label = match.group(2) or match.group(3)
        if label not in numbers:
            known = ", ".join(numbers) or "none"
            raise RenderError(
                f"Notebook '{name}', cell {index + 1} (counting code and text cells from 1) refers to @{label}, but no "
                f"figure or table cell with output has that label (labels: {known}). Add '#| label: {label}' to the "
                "cell that draws it, or correct the reference."
            )
        kind, number = numbers[label]
        text = str(number) if match.group(1) else f"{kind} {number}"  # Quarto: [-@fig-x] is the number alone
        return f"[{text}](#{label})"

    return _REFERENCE.sub(replace, text)


def unshown_warnings(nb: nbformat.NotebookNode, name: str = "the notebook", prepared: tuple | None = None) -> list[str]:
    """The warnings raised while ``nb`` ran whose message is in no visible callout of its report."""
    from ._callouts import normalise, split_callouts

    _, cells = prepared if prepared is not None else report_cells(nb, name)
    shown = []
    for cell in cells:
        texts = [cell.source] if cell.cell_type == "markdown" else [
            o.get("data", {}).get("text/markdown", "") for o in cell.outputs]
        for text in texts:
            shown += [normalise(f"{p.title} {p.body}") for p in split_callouts(str(text)) if not isinstance(p, str)]
    missing = []
    for index, cell in enumerate(nb.cells):
        for warning in cell.get("metadata", {}).get("cxstats", {}).get("warnings", []):
            message = normalise(warning["message"])
            if not any(message in callout for callout in shown):
                options = cell_options(cell)
                why = ("the cell has 'warning: false'" if options.get("warning") is False and
                       options.get("include") is not False and options.get("output") is not False
                       else "the cell is hidden")
                missing.append(
                    f"cell {index + 1} raised {warning['category']}: {warning['message']} -- it is shown nowhere in "
                    f"the report ({why}); display cxstats.report.cautions(result, model=\"...\") in a visible "
                    "cell after it"
                )
    return missing


def markdown_sources(nb: nbformat.NotebookNode) -> dict[int, str]:
    """The source of each Markdown and code cell as written (inline code not yet substituted), by index."""
    return {index: cell.source for index, cell in enumerate(nb.cells) if cell.cell_type in ("markdown", "code")}


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def in_short(cells: list[nbformat.NotebookNode]) -> str:
    """The Markdown of a report's "In short" section (up to the next heading), or ''.

    The section's Markdown cells and the Markdown its code cells display (e.g. a
    ``plain_summary()``); figures, tables and cautions are left to the report.
    """
    collected: list[str] | None = None
    for cell in cells:
        if cell.cell_type != "markdown":
            if collected is not None:
                collected += [str(o.data["text/markdown"]) for o in cell.get("outputs", [])
                              if "text/markdown" in o.get("data", {}) and not o.get("metadata", {}).get("cx_caution")]
            continue
        text = cell.source
        if collected is None:
            heading = next((m for m in _HEADING.finditer(text)
                            if len(m.group(1)) == 2 and m.group(2).strip().lower() == "in short"), None)
            if heading is None:
                continue
            collected, text = [], text[heading.end():]
        following = next((m for m in _HEADING.finditer(text) if len(m.group(1)) <= 2), None)
        collected.append(text[:following.start()] if following else text)
        if following:
            break
    return "\n\n".join(part.strip() for part in collected or [] if part.strip())
