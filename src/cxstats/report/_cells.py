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
from typing import Any

import nbformat
import yaml

__all__ = ["cell_options", "front_matter", "report_cells", "unshown_warnings"]


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
    from ._callouts import callout_markdown
    from ._execute import RenderError
    from ._inline import expressions, substitute, values
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
                cell.source = substitute(cell.source, texts)
        elif cell.cell_type == "code":
            cell.outputs = [] if options.get("output") is False else [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
            for output in cell.outputs:
                if "text/html" in output.get("data", {}):
                    output.data["text/html"] = tidy_table_html(output.data["text/html"])
            if options.get("output") is not False and options.get("warning") is not False:
                for warning in cell.metadata.get("cxstats", {}).get("warnings", []):
                    text = f"{warning['category']}: {warning['message']}"
                    cell.outputs.append(nbformat.v4.new_output(
                        "display_data", data={"text/markdown": callout_markdown("warning", "Caution", text)}))
            cell.metadata["cx_options"] = options
        cell.metadata["cx_index"] = index
        cells.append(cell)
    return meta, cells


def unshown_warnings(nb: nbformat.NotebookNode, name: str = "the notebook") -> list[str]:
    """The warnings raised while ``nb`` ran whose message is in no visible callout of its report."""
    from ._callouts import normalise, split_callouts

    _, cells = report_cells(nb, name)
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
                missing.append(
                    f"cell {index + 1} raised {warning['category']}: {warning['message']} -- it is shown nowhere in "
                    "the report (the cell is hidden); display cxstats.report.cautions(result, model=\"...\") "
                    "in a visible cell after it"
                )
    return missing
