"""Quarto inline code in Markdown cells: `` `{python} expr` `` replaced by the value of ``expr``.

During execution (``_execute.py``) a hidden cell is run just before each Markdown cell that
holds inline code; it evaluates the expressions in the kernel (after every code cell above
it) and returns their text as JSON: the value's ``_repr_markdown_()`` when it has one, else
``str(value)``, as Quarto does. The values are stored on the Markdown cell
(``metadata["cxstats"]["inline"]``) and substituted when the report is written.
"""

from __future__ import annotations

import json
import re

import nbformat

__all__ = ["INLINE_MIME", "INLINE_PATTERN", "expressions", "evaluation_source", "substitute"]

INLINE_PATTERN = re.compile(r"`\{python\}[ \t]+([^`]+?)[ \t]*`")
INLINE_MIME = "application/vnd.cxstats.inline+json"

# defined in the kernel by the setup cell (see _execute._SETUP)
_FUNCTION = "__cxstats_inline__"


def expressions(source: str) -> list[str]:
    """The inline-code expressions of a Markdown cell, in order."""
    return [match.group(1) for match in INLINE_PATTERN.finditer(source)]


def evaluation_source(exprs: list[str]) -> str:
    """The source of the hidden cell that evaluates ``exprs`` in the kernel."""
    return f"{_FUNCTION}({json.dumps(exprs)})"


def values(cell: nbformat.NotebookNode) -> list[str] | None:
    """The stored values of a Markdown cell's inline code, or None if it was never executed."""
    stored = cell.get("metadata", {}).get("cxstats", {}).get("inline")
    return list(stored) if stored is not None else None


def substitute(source: str, texts: list[str]) -> str:
    """``source`` with its inline code replaced by ``texts`` (one per expression, in order)."""
    replacements = iter(texts)
    return INLINE_PATTERN.sub(lambda _: next(replacements), source)
