"""Codebooks: what each column of a survey or transaction file means.

A codebook declares, per item, its construct, wording, response scale, reverse-coding,
missing-value codes and value labels; per data set, its id column, grouping columns and
source. It is the first link of the cxstats chain (codebook + data -> moments -> model ->
estimates -> report): loading, validation, scale scores and report labels all read it.

Codebooks are written in YAML (format documented, with a complete example, in the README's
"Codebook format" section and in ``data/README.md``) or built in code
with :meth:`Codebook.from_dict`; SPSS files carry most of one in their metadata
(:meth:`Codebook.from_sav`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from .._errors import CodebookError

__all__ = ["Codebook", "Item", "Variable", "ROLES", "KINDS"]

ROLES = ("id", "group", "date", "count", "amount", "covariate", "outcome")
KINDS = ("integer", "number", "date", "category", "text")


def _frozen_labels(raw: Mapping[Any, Any] | None, where: str) -> Mapping[float, str]:
    labels: dict[float, str] = {}
    for key, text in (raw or {}).items():
        try:
            code = float(key)
        except (TypeError, ValueError):
            raise CodebookError(
                f"{where}: value label key {key!r} is not a number. Write labels as "
                f"{{1: 'Strongly disagree', 7: 'Strongly agree'}}."
            ) from None
        labels[code] = str(text)
    return MappingProxyType(labels)


def _codes(raw: Any, where: str) -> tuple[float, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raw = [raw]
    try:
        return tuple(float(v) for v in raw)
    except (TypeError, ValueError):
        raise CodebookError(f"{where}: missing codes must be numbers, got {raw!r}.") from None


def _sav_missing_codes(meta: Any, name: str) -> list[float]:
    """User-missing values of an SPSS variable: discrete values and (short) integer ranges."""
    codes = [float(v) for v in (meta.missing_user_values or {}).get(name, []) if isinstance(v, (int, float))]
    for span in (meta.missing_ranges or {}).get(name, []):
        low, high = span.get("lo"), span.get("hi")
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and high - low <= 20:
            codes += [float(v) for v in range(int(low), int(high) + 1) if low <= v <= high]
    return sorted(set(codes))


@dataclass(frozen=True)
class Item:
    """One rating item (a Likert statement, a 0-10 recommendation question ...).

    Attributes
    ----------
    name : column name in the data.
    construct : code of the construct the item measures (e.g. ``"SAT"``).
    wording : the question as respondents saw it.
    scale : ``(low, high)`` end points of the response scale.
    reverse : True when the item is worded against its construct and must be recoded
        as ``low + high - x`` before it is combined with the other items.
    missing : codes that mean "no answer" (e.g. ``(-99,)``); they become NaN on load.
    labels : value labels, code -> text.
    label : a short name for tables and figures ("Overall satisfaction"); the item's name
        when not given.
    """

    name: str
    construct: str
    wording: str = ""
    scale: tuple[float, float] | None = None
    reverse: bool = False
    missing: tuple[float, ...] = ()
    labels: Mapping[float, str] = field(default_factory=lambda: MappingProxyType({}))
    label: str = ""

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Item:
        name = raw.get("name")
        if not name:
            raise CodebookError(f"An item has no 'name' field: {dict(raw)!r}. Give every item a name.")
        where = f"Item '{name}'"
        construct = raw.get("construct")
        if not construct:
            raise CodebookError(f"{where} has no 'construct'. Say which construct it measures.")
        scale = raw.get("scale")
        if scale is not None:
            if not isinstance(scale, (list, tuple)) or len(scale) != 2:
                raise CodebookError(f"{where}: scale must be [low, high], got {scale!r}.")
            low, high = (float(v) for v in scale)
            if not low < high:
                raise CodebookError(f"{where}: scale low end {low:g} is not below high end {high:g}.")
            scale = (low, high)
        reverse = bool(raw.get("reverse", False))
        if reverse and scale is None:
            raise CodebookError(f"{where} is reverse-coded but has no scale; declare scale: [low, high].")
        return cls(
            name=str(name),
            construct=str(construct),
            wording=str(raw.get("wording") or ""),
            scale=scale,
            reverse=reverse,
            missing=_codes(raw.get("missing"), where),
            labels=_frozen_labels(raw.get("labels"), where),
            label=str(raw.get("label") or ""),
        )


@dataclass(frozen=True)
class Variable:
    """A non-item column: respondent id, grouping factor, date, count, amount, covariate."""

    name: str
    role: str
    kind: str = "number"
    description: str = ""
    labels: Mapping[float, str] = field(default_factory=lambda: MappingProxyType({}))
    missing: tuple[float, ...] = ()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Variable:
        name = raw.get("name")
        if not name:
            raise CodebookError(f"A variable has no 'name' field: {dict(raw)!r}.")
        where = f"Variable '{name}'"
        role = str(raw.get("role", "covariate"))
        if role not in ROLES:
            raise CodebookError(f"{where} has role '{role}'; use one of {', '.join(ROLES)}.")
        kind = str(raw.get("kind", "number"))
        if kind not in KINDS:
            raise CodebookError(f"{where} has kind '{kind}'; use one of {', '.join(KINDS)}.")
        return cls(
            name=str(name),
            role=role,
            kind=kind,
            description=str(raw.get("description") or ""),
            labels=_frozen_labels(raw.get("labels"), where),
            missing=_codes(raw.get("missing"), where),
        )


@dataclass(frozen=True)
class Codebook:
    """The description of one data set: its items, other columns and provenance.

    Examples
    --------
    >>> import cxstats
    >>> cb = cxstats.load_dataset("ecsi_mobile").codebook
    >>> cb.items_of("CUSA")
    ('CUSA1', 'CUSA2', 'CUSA3')
    """

    name: str
    items: tuple[Item, ...]
    variables: tuple[Variable, ...] = ()
    constructs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    title: str = ""
    file: str | None = None
    id: str | None = None
    groups: tuple[str, ...] = ()
    n_rows: int | None = None
    source: str = ""
    citation: str = ""
    licence: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in (*self.items, *self.variables)]
        seen: set[str] = set()
        repeated = sorted({n for n in names if n in seen or seen.add(n)})
        if repeated:
            raise CodebookError(
                f"Codebook '{self.name}' declares {', '.join(repeated)} more than once. "
                "Each column may appear once, as an item or as a variable."
            )
        for column in (self.id, *self.groups):
            if column is not None and column not in names:
                raise CodebookError(
                    f"Codebook '{self.name}' names '{column}' as id or group column but does "
                    "not declare it under variables. Add it with role: id or role: group."
                )
        self._check_constructs_declared()

    def _check_constructs_declared(self) -> None:
        """Every item's construct is a key of ``constructs``; an undeclared one is a typo or an omission."""
        undeclared: dict[str, list[str]] = {}
        for item in self.items:
            if item.construct not in self.constructs:
                undeclared.setdefault(item.construct, []).append(item.name)
        if not undeclared:
            return
        parts = []
        for construct, names in undeclared.items():
            close = difflib.get_close_matches(construct, list(self.constructs), n=1)
            hint = f" (a typo for '{close[0]}'?)" if close else ""
            parts.append(f"'{construct}'{hint}, used by item(s) {', '.join(repr(n) for n in names)}")
        example = ", ".join(f"{c}: <label>" for c in undeclared)
        declared = f"declares {', '.join(self.constructs)}" if self.constructs else "declares none"
        raise CodebookError(
            f"Codebook '{self.name}' uses construct(s) under items that it never declares under constructs: "
            f"{'; '.join(parts)}. Its constructs section {declared}. Add each construct with a plain label "
            f"(constructs: {{{example}}}), or correct the item's construct if it is misspelt."
        )

    # construction ------------------------------------------------------------------
    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Codebook:
        """Build a codebook from the structure of a codebook YAML file."""
        if not isinstance(raw, Mapping) or "items" not in raw:
            raise CodebookError(
                "A codebook needs an 'items' list (it may be empty) and usually a 'dataset' "
                "section; see data/README.md for the format."
            )
        meta = raw.get("dataset") or {}
        items = tuple(Item.from_dict(i) for i in raw.get("items") or [])
        variables = tuple(Variable.from_dict(v) for v in raw.get("variables") or [])
        constructs = raw.get("constructs") or {}
        if not isinstance(constructs, Mapping):
            raise CodebookError(f"The codebook's 'constructs' must map each construct code to a label "
                                f"(e.g. {{SAT: Satisfaction}}), got {constructs!r}.")
        return cls(
            name=str(meta.get("name", "data")),
            items=items,
            variables=variables,
            constructs=MappingProxyType({str(k): str(v) for k, v in constructs.items()}),
            title=str(meta.get("title") or ""),
            file=meta.get("file"),
            id=meta.get("id"),
            groups=tuple(meta.get("groups") or ()),
            n_rows=meta.get("n_rows"),
            source=str(meta.get("source") or ""),
            citation=str(meta.get("citation") or ""),
            licence=str(meta.get("licence") or ""),
            description=str(meta.get("description") or ""),
        )

    @classmethod
    def from_yaml(cls, path: str | Path) -> Codebook:
        """Read a codebook YAML file; errors name the file and the YAML line."""
        path = Path(path)
        if not path.exists():
            raise CodebookError(f"Codebook file '{path}' does not exist.")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise CodebookError(f"Codebook file '{path}' is not valid YAML{where}: {exc}.") from None
        try:
            return cls.from_dict(raw)
        except CodebookError as exc:
            raise CodebookError(f"In codebook file '{path}': {exc}") from None

    @classmethod
    def from_sav(cls, path: str | Path, *, construct_separator: str = "_") -> Codebook:
        """Derive a codebook from an SPSS file's metadata.

        Variable labels become wordings, value labels are kept, user-missing values become
        missing codes, and the scale runs from the lowest to the highest labelled value.
        Numeric columns with value labels are items; their construct is the name up to
        the last ``construct_separator`` (``SAT_2`` -> ``SAT``). Other columns become
        covariates. Check and extend the result before relying on it.
        """
        import pyreadstat

        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
        items, variables = [], []
        for name in meta.column_names:
            labels = meta.variable_value_labels.get(name, {})
            missing = _sav_missing_codes(meta, name)
            numeric_codes = sorted(k for k in labels if isinstance(k, (int, float)) and k not in missing)
            wording = (meta.column_names_to_labels or {}).get(name) or ""
            if len(numeric_codes) >= 2 and meta.readstat_variable_types.get(name) == "double":
                construct = name.rsplit(construct_separator, 1)[0] if construct_separator in name else name
                items.append({"name": name, "construct": construct, "wording": wording,
                              "scale": [numeric_codes[0], numeric_codes[-1]],
                              "missing": missing, "labels": labels})
            else:
                variables.append({"name": name, "role": "covariate",
                                  "kind": "number" if meta.readstat_variable_types.get(name) == "double" else "text",
                                  "description": wording, "labels": labels, "missing": missing})
        constructs = {item["construct"]: item["construct"] for item in items}  # labels: edit the codebook
        return cls.from_dict({"dataset": {"name": Path(path).stem, "file": Path(path).name,
                                          "title": meta.file_label or ""},
                              "constructs": constructs, "items": items, "variables": variables})

    # queries -----------------------------------------------------------------------
    @property
    def item_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.items)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the codebook declares, items first."""
        return (*self.item_names, *(v.name for v in self.variables))

    def item(self, name: str) -> Item:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"'{name}' is not an item of codebook '{self.name}'; items: {', '.join(self.item_names)}.")

    def items_of(self, construct: str) -> tuple[str, ...]:
        """Names of the items that measure ``construct``, in codebook order."""
        found = tuple(i.name for i in self.items if i.construct == construct)
        if not found:
            raise KeyError(
                f"Codebook '{self.name}' has no items for construct '{construct}'; "
                f"constructs: {', '.join(self.constructs)}."
            )
        return found

    def blocks(self) -> dict[str, tuple[str, ...]]:
        """``{construct: items}`` for every construct, in codebook order."""
        return {c: self.items_of(c) for c in self.constructs if any(i.construct == c for i in self.items)}

    @property
    def labels(self) -> dict[str, str]:
        """``{code: label}`` for every construct and item, for tables, figures and summaries.

        Constructs get their plain label ("Customer satisfaction"); items their short
        ``label`` when the codebook gives one, else their name.

        Examples
        --------
        >>> import cxstats
        >>> cb = cxstats.load_dataset("ecsi_mobile").codebook
        >>> cb.labels["CUSA"]
        'Customer satisfaction'
        """
        labels = {i.name: i.label or i.name for i in self.items}
        labels.update(self.constructs)
        return labels

    @property
    def table(self) -> pd.DataFrame:
        """One row per item: name, construct, construct_label, wording, scale, reverse, missing."""
        rows = [
            {
                "name": i.name,
                "construct": i.construct,
                "construct_label": self.constructs.get(i.construct, i.construct),
                "wording": i.wording,
                "scale_low": i.scale[0] if i.scale else None,
                "scale_high": i.scale[1] if i.scale else None,
                "reverse": i.reverse,
                "missing_codes": ", ".join(f"{c:g}" for c in i.missing),
            }
            for i in self.items
        ]
        return pd.DataFrame(rows, columns=["name", "construct", "construct_label", "wording",
                                           "scale_low", "scale_high", "reverse", "missing_codes"])
