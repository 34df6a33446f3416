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

from typing import Any

import nbformat
import yaml

__all__ = ["cell_options", "front_matter"]


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
