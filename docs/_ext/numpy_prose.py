"""A griffe extension for the API pages: cxstats' numpydoc parameter lists often put the
description straight after the colon (``data : respondents in rows.``), where numpydoc
expects a type. This moves such prose to the description line before griffe parses the
docstring, so the pages show it as the description (the signature already has the type).

Only ``Parameters``, ``Other Parameters`` and ``Attributes`` sections are touched, and only
entries whose text after the colon is not a type (``int``, ``str | None``,
``tuple[float, float]``, ``int, optional``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SECTIONS = {"parameters", "other parameters", "attributes"}
_ONE_TYPE = r"[\w.]+(?:\[[^\]]*\])?"
_TYPE = re.compile(rf"{_ONE_TYPE}(?:\s*(?:\||or)\s*{_ONE_TYPE})*(?:,\s*optional)?")
_ENTRY = re.compile(r"^(?P<indent>\s*)(?P<names>\*{0,2}\w+(?:,\s*\*{0,2}\w+)*)\s+:\s+(?P<rest>\S.*)$")


def rewrite(text: str) -> str:
    """The docstring with prose after ``name :`` moved to the next line, indented."""
    lines = text.splitlines()
    out: list[str] = []
    section: str | None = None
    base = ""
    for i, line in enumerate(lines):
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.strip() and following and set(following) == {"-"}:
            section = line.strip().lower()
            base = line[: len(line) - len(line.lstrip())]
            out.append(line)
            continue
        match = _ENTRY.match(line) if section in _SECTIONS else None
        if match and match["indent"] == base and not _TYPE.fullmatch(match["rest"].strip()):
            out.append(f"{base}{match['names']}")
            out.append(f"{base}    {match['rest']}")
            continue
        out.append(line)
    return "\n".join(out)


class NumpyProse(griffe.Extension):
    """Apply :func:`rewrite` to every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:  # noqa: ARG002
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
