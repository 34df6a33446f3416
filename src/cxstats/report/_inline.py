"""Quarto inline code in Markdown cells: `` `{python} expr` `` replaced by the value of ``expr``.

During execution (``_execute.py``) a hidden cell is run just before each Markdown cell that
holds inline code; it evaluates the expressions in the kernel (after every code cell above
it) and returns their text as JSON: the value's ``_repr_markdown_()`` when it has one, else
``str(value)``, as Quarto does. The values are stored on the Markdown cell
(``metadata["cxstats"]["inline"]``, and which of them are Markdown in
``metadata["cxstats"]["inline_markdown"]``) and substituted when the report is written.

A plain value is text, not Markdown: it is escaped so that Markdown does not reinterpret
it (``212`` at the start of a line before ``) customers`` is not a list item, ``$5`` and
``$9`` are not maths, in the PDF nor in the HTML, ``*`` and ``_`` are not
emphasis). A ``_repr_markdown_()`` value is inserted as it is.
"""

from __future__ import annotations

import json
import re

import nbformat

__all__ = ["DOLLAR", "INLINE_MIME", "INLINE_PATTERN", "escape", "expressions", "evaluation_source", "markdown_flags",
           "substitute"]

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


def markdown_flags(cell: nbformat.NotebookNode) -> list[bool]:
    """For each stored value of a Markdown cell's inline code: whether it is Markdown (``_repr_markdown_``)."""
    stored = cell.get("metadata", {}).get("cxstats", {}).get("inline_markdown")
    return [bool(flag) for flag in stored] if stored is not None else []


# characters that mean something to Markdown (CommonMark or Pandoc's) anywhere in a line
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~^@&])")
# what a line may start with before its text: indentation, list markers, block quotes
_LINE_LEAD = re.compile(r"[ \t]*(?:(?:[-+*]|\d{1,9}[.)]|>)[ \t]+)*")
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")


# A dollar sign of a value: Markdown reads "$5 and $9" as mathematics ("$25.99 (median; mean
# $35.28)"). Values carry this placeholder instead; the PDF writer turns it into an escaped "$",
# the HTML writers into a plain "$" once the Markdown is converted (the HTML loads no MathJax).
DOLLAR = "\ue024"


def escape(text: str) -> str:
    """``text`` with the characters Markdown would interpret backslash-escaped; ``$`` as :data:`DOLLAR`."""
    return _SPECIAL.sub(r"\\\1", text).replace("$", DOLLAR)


def _at_line_start(text: str, following: str) -> str:
    """An escaped value that starts a line: not a list marker, heading underline or definition."""
    marker = _ORDERED_MARKER.match(text + following.split("\n", 1)[0])
    if marker:
        at = len(marker.group(1))
        return text[:at] + "\\" + text[at:]  # "212\) customers"; at the end of text it escapes what follows
    if text[:1] in ("-", "+", "=", ":"):
        return "\\" + text
    return text


def substitute(source: str, texts: list[str], markdown: list[bool] | None = None) -> str:
    """``source`` with its inline code replaced by ``texts`` (one per expression, in order).

    ``markdown[k]`` says that ``texts[k]`` is Markdown (inserted as is); other values are
    escaped (:func:`escape`), and a value at the start of a line cannot begin a list.
    """
    flags = list(markdown or [])
    out: list[str] = []
    last = 0
    for k, match in enumerate(INLINE_PATTERN.finditer(source)):
        out.append(source[last:match.start()])
        text = texts[k]
        if not (k < len(flags) and flags[k]):
            text = escape(text)
            if _LINE_LEAD.fullmatch("".join(out).rsplit("\n", 1)[-1]):
                text = _at_line_start(text, source[match.end():])
        out.append(text)
        last = match.end()
    out.append(source[last:])
    return "".join(out)
