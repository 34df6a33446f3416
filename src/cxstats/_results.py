"""Shared pieces of result objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar

import pandas as pd

__all__ = ["Exportable", "PlainText", "Table"]


@dataclass(frozen=True)
class PlainText:
    """Markdown text that Jupyter and the report renderer show as formatted text."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    """One table of a result, as exported: the tidy frame, what it shows (one sentence for
    the "Contents" sheet) and number formats for columns the names do not tell
    (``{"nps": "number1", "pct_promoters": "points"}``; see :mod:`cxstats._export`)."""

    frame: pd.DataFrame
    description: str
    formats: Mapping[str, str] = field(default_factory=dict)


class Exportable:
    """What every result shares: ``to_excel`` and the list of its tables.

    A result declares its tables in ``_TABLES``: ``{attribute: (title, description)}`` or
    ``(title, description, formats)``, in the order of the workbook; an attribute may be a
    DataFrame, a Series or a method called without arguments. Without ``_TABLES`` every
    public DataFrame field is a table.
    """

    _TABLES: ClassVar[Mapping[str, tuple]] = {}

    def _tables(self) -> dict[str, Table]:
        """``{title: Table}`` of every table of the result, in workbook order."""
        declared = dict(self._TABLES)
        if not declared and is_dataclass(self):
            declared = {f.name: (f.name.replace("_", " ").capitalize(), f"The result's '{f.name}' table.")
                        for f in fields(self) if not f.name.startswith("_")
                        and isinstance(getattr(self, f.name), pd.DataFrame | pd.Series)}
        tables = {}
        for attribute, spec in declared.items():
            value = getattr(self, attribute)
            if callable(value) and not isinstance(value, pd.DataFrame | pd.Series):
                value = value()
            if value is None or len(value) == 0:  # e.g. bootstrap intervals of a fit without a bootstrap
                continue
            if isinstance(value, pd.Series):
                value = value.to_frame()
            title, description, *formats = spec
            tables[title] = Table(value, description, formats[0] if formats else {})
        return tables

    def to_excel(self, path, *, labels: Any = None):
        """Write every table of this result to an Excel workbook, formatted for readers.

        The first sheet, "Contents", gives the plain summary and says what each sheet holds;
        each table follows on its own sheet with readable headers, codebook labels
        (``labels``: a Codebook or ``{code: label}``), number formats and a frozen header
        row. See :func:`cxstats.export` for several results in one workbook.

        Returns
        -------
        Path
            The file written.
        """
        from ._export import export

        return export(self, path, labels=labels)
