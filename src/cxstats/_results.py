"""Shared pieces of result objects."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PlainText"]


@dataclass(frozen=True)
class PlainText:
    """Markdown text that Jupyter and the report renderer show as formatted text."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text
