"""Excel export of results: every table of one or several results in one formatted workbook.

One exporter for all results. A result lists its tables (``_tables()``, declared by its
``_TABLES``: title, one-sentence description, number formats); this module turns each into
a sheet a colleague working in Excel can read and compute with:

- headers in words (``formatting.HEADERS``: "Estimate", "SE", "p"), codes in text cells and
  in the index replaced by codebook labels, SEM rows as "Kind" + "Parameter" ("Image →
  Loyalty") instead of ``lhs/op/rhs``, booleans as "yes"/"no";
- numbers stay numbers (full precision) with an Excel number format: three decimals, p-values
  as ``.034`` / ``< .001``, counts with thousands separators, percentages;
- a bold, frozen header row, a filter, and column widths that fit the content;
- a first sheet, "Contents", with each result's plain summary, its problems and a linked
  list of its sheets with what each shows.

Number-format kinds (a table's ``formats``, one per column or a list with one per row, or
recognised from the column name): ``number``
(3 decimals), ``number1`` / ``number2`` (1 or 2 decimals), ``integer``, ``p``, ``percent``
(a proportion 0-1 shown as 59.3%), ``points`` (a percentage already 0-100, shown as 59.3%)
and ``date``; whole-number columns are integers unless declared otherwise.
"""

from __future__ import annotations

import datetime
import inspect
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._format import level as shown_level
from ._results import Table
from .formatting import _COUNT_COLUMNS, _header, _is_p_column, _parameter_rows, labels_of

__all__ = ["export", "plain_text", "readable", "NUMBER_FORMATS"]

#: Excel number format of each kind.
NUMBER_FORMATS = {
    "number": "0.000", "number1": "0.0", "number2": "0.00", "integer": "#,##0",
    "p": '[<0.001]"< .001";.000', "percent": "0.0%", "points": '0.0"%"', "date": "yyyy-mm-dd", "text": "@",
}
#: Headers of columns the report tables do not show (``formatting.HEADERS`` has the rest).
_HEADERS = {
    "mi": "Modification index", "epc": "Expected change", "sepc_lv": "Expected change (std. latent)",
    "sepc_all": "Expected change (standardized)", "item_total_r": "Item-total r", "alpha_if_deleted": "α if dropped",
    "n_items": "Questions", "average_r": "Average inter-item r", "omega_model": "ω (model)", "direct": "Direct",
    "indirect": "Indirect", "total": "Total", "sqrt_ave": "√AVE", "max_r": "Largest correlation",
    "lavaan_name": "lavaan name", "suppressed": "Suppressed (base too small)", "mc_se": "Monte-Carlo SE",
    "chisq_diff": "χ² difference", "df_diff": "df difference", "delta_cfi": "ΔCFI", "delta_rmsea": "ΔRMSEA",
    "lrt": "χ² difference test", "fit_rule": "Fit-change rules", "holds": "Holds", "level": "Level",
    "variable": "Variable", "measure": "Measure", "value": "Value", "f2": "f²", "q2_predict": "Q² predict",
}
_INVALID_SHEET = re.compile(r"[\[\]\*\?/\\:]")
_KINDS = {
    "SEMResult": "Structural equation model", "InvarianceResult": "Measurement invariance",
    "ReliabilityResult": "Reliability", "ValidityResult": "Validity",
    "DriverResult": "Driver regression", "ImportanceResult": "Relative importance",
    "NPSResult": "Net Promoter Score", "IndexResult": "Satisfaction index", "PLSResult": "PLS path model",
    "PLSAssessment": "PLS assessment", "PLSPredictResult": "PLS prediction", "PLSIndexResult": "PLS index",
    "PLSMultigroupResult": "PLS multigroup analysis", "MICOMResult": "MICOM", "GroupComparison": "Group comparison",
    "KaplanMeierResult": "Kaplan-Meier retention", "CoxResult": "Cox model", "IPMAResult": "Importance-performance",
    "AsymmetryResult": "Penalty-reward analysis", "PurchaseSummary": "Purchase summary",
    "PeriodRatesResult": "Period rates", "RFMResult": "RFM segments", "LoyaltyResult": "Loyalty index",
    "ClaimResult": "Claim test", "ModerationResult": "Moderation",
}


def export(results: Any, path: str | Path, *, labels: Any = None) -> Path:
    """Write the tables of one or several results to one Excel workbook.

    Parameters
    ----------
    results : a result (anything with ``to_excel``), a dict ``{name: result}`` or a list of
        results (named after their kind: "Structural equation model", ...).
    path : the ``.xlsx`` file to write (replaced if it exists).
    labels : a Codebook or ``{code: label}``: codes in the tables become labels. Default: the
        codebook of each result, when it carries one.

    Returns
    -------
    Path
        The file written. Its first sheet, "Contents", gives each result's plain summary
        and a linked list of its sheets; then one sheet per table.

    Raises
    ------
    ValueError
        ``path`` does not end in ``.xlsx``, or ``results`` is empty.
    TypeError
        Something in ``results`` is not a cxstats result.

    Examples
    --------
    >>> import cxstats, tempfile, pathlib
    >>> mobi = cxstats.load_dataset("ecsi_mobile")
    >>> rel = cxstats.reliability(mobi.data, {"CUSA": ["CUSA1", "CUSA2", "CUSA3"]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "reliability.xlsx"
    >>> cxstats.export({"Satisfaction scale": rel}, out, labels=mobi.codebook).name
    'reliability.xlsx'
    """
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"Cannot export to '{path.name}': Excel workbooks are written as .xlsx; "
                         "give a path ending in .xlsx.")
    named = _named(results)
    workbook = Workbook()
    contents = workbook.active
    contents.title = "Contents"
    used = {"Contents"}
    listing = []
    for name, result in named.items():
        kept = getattr(result, "labels", None)  # a result's own labels (codebook, group value labels)
        names = {**(dict(kept) if isinstance(kept, Mapping) else {}),
                 **labels_of(labels if labels is not None else getattr(result, "codebook", None))}
        sheets = []
        tables = result._tables()
        for title, table in tables.items():
            full = title if len(named) == 1 else name if len(tables) == 1 else f"{name} {title}"
            sheet_name = _sheet_name(full, used)
            sheet = workbook.create_sheet(sheet_name)
            frame, kinds = readable(table, names, ci_level=_ci_level(result))
            _write_table(sheet, frame, kinds)
            sheets.append((sheet_name, title, table.description))
        listing.append((name, result, names, sheets))
    _write_contents(contents, listing)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _named(results: Any) -> dict[str, Any]:
    if isinstance(results, Mapping):
        named = {str(k): v for k, v in results.items()}
    elif isinstance(results, list | tuple):
        named, counts = {}, {}
        for result in results:
            kind = _kind(result)
            counts[kind] = counts.get(kind, 0) + 1
            named[kind if counts[kind] == 1 else f"{kind} {counts[kind]}"] = result
    else:
        named = {_kind(results): results}
    if not named:
        raise ValueError("export() got no results; pass a result, a list of results or a dict {name: result}.")
    for name, result in named.items():
        if not hasattr(result, "_tables"):
            raise TypeError(f"export(): '{name}' is a {type(result).__name__}, not a cxstats result; pass the "
                            "objects cxstats functions return (sem.fit, reliability, nps, ...).")
    return named


def _kind(result: Any) -> str:
    name = type(result).__name__
    return _KINDS.get(name, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.removesuffix("Result")).strip() or name)


def _ci_level(result: Any) -> float:
    for attribute in ("ci_level", "_ci_level"):
        value = getattr(result, attribute, None)
        if isinstance(value, float) and 0 < value < 1:
            return value
    return 0.95


def _sheet_name(title: str, used: set[str]) -> str:
    base = _INVALID_SHEET.sub("-", title).strip("' ")[:31] or "Table"
    name, k = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" {k}"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name)
    return name


# ---------------------------------------------------------------------------------- tables
def _kind_of(column: str, declared: Mapping[str, str]) -> str:
    if column in declared:
        return declared[column]
    if _is_p_column(column):
        return "p"
    if column in _COUNT_COLUMNS or column.startswith("n_"):
        return "integer"
    if column.startswith("pct_"):
        return "points"
    return "number"


def readable(table: Table, labels: Mapping[str, str] | None = None, *, ci_level: float = 0.95
             ) -> tuple[pd.DataFrame, list[str]]:
    """A table as exported: readable headers and labels, numbers kept as numbers.

    Returns the frame (headers in words; text cells, index and codes labelled; booleans as
    "yes"/"no"; ``lhs/op/rhs`` as "Kind" and "Parameter") and the number-format kind of each
    of its columns (``"text"`` for text; a list of kinds, one per row, when the table's
    ``formats`` gives one).
    """
    labels = dict(labels or {})
    label = lambda v: labels.get(str(v), str(v))  # noqa: E731
    frame = table.frame.copy()
    declared = dict(table.formats)
    if not isinstance(frame.index, pd.RangeIndex):  # named rows (a matrix, a series): the first column
        names = [n if n is not None else "" for n in frame.index.names]
        frame.index = frame.index.set_names([f"_index{j}" if n == "" else n for j, n in enumerate(names)])
        frame = frame.reset_index()
        frame = frame.rename(columns={f"_index{j}": "" for j in range(len(names))})
    frame.columns = [str(c) for c in frame.columns]
    if "free" in frame.columns:  # fixed parameters (markers, constraints) have no SE, test or interval
        fixed = ~frame["free"].astype(bool)
        for column in ("se", "z", "p_value", "ci_low", "ci_high"):
            if column in frame.columns:
                frame[column] = frame[column].astype(float).mask(fixed)
        frame = frame.drop(columns=["free"])
    if {"lhs", "op", "rhs"} <= set(frame.columns):
        kinds, texts = _parameter_rows(frame, label)
        position = list(frame.columns).index("lhs")
        frame.insert(position, "parameter", texts)
        frame.insert(position, "kind", kinds)
        frame = frame.drop(columns=["lhs", "op", "rhs"])
    for column in ("group", "label"):  # a single-group model, parameters without labels
        if column in frame.columns and frame[column].map(lambda v: _blank(v) or v == "").all():
            frame = frame.drop(columns=[column])
    headers, kinds, columns = [], [], {}
    level = f"{100 * ci_level:.0f}% CI"
    key = lambda v: "" if _blank(v) else v if isinstance(v, str) else shown_level(v)  # noqa: E731
    for j, column in enumerate(frame.columns):
        values = frame[column]
        if column == "group" and values.map(lambda v: key(v) in labels).any():  # levels with value labels
            values, kind = values.map(lambda v: label(key(v)) if key(v) else ""), "text"
        elif values.dtype == bool or (values.dtype == object and values.map(
                lambda v: isinstance(v, bool | np.bool_) or _blank(v)).all() and values.notna().any()):
            values, kind = values.map(lambda v: "" if _blank(v) else ("yes" if v else "no")), "text"
        elif pd.api.types.is_datetime64_any_dtype(values):
            values, kind = values.map(lambda v: None if pd.isna(v) else v.to_pydatetime()), "date"
        elif pd.api.types.is_numeric_dtype(values):
            kind = _kind_of(column, declared)
            if kind == "number" and pd.api.types.is_integer_dtype(values):
                kind = "integer"  # ids, scores and counts stored as whole numbers
            of = column.removesuffix("_ci_low").removesuffix("_ci_high")
            if column.endswith(("_ci_low", "_ci_high")) and of in frame.columns and column not in declared:
                kind = _kind_of(of, declared)  # an interval is formatted like its estimate
            if column in ("ci_low", "ci_high") and column not in declared and "estimate" in frame.columns:
                kind = _kind_of("estimate", declared)
        else:
            values, kind = values.map(lambda v: "" if _blank(v) else label(v)), "text"
        if column == "ci_low" or column == "ci_high":
            header = f"{level}: {'lower' if column == 'ci_low' else 'upper'}"
        elif column.endswith(("_ci_low", "_ci_high")):
            of = column.rsplit("_ci_", 1)[0]
            header = f"{_header(of, ci_level)}: {level} {'lower' if column.endswith('low') else 'upper'}"
        elif column in labels:
            header = labels[column]
        elif column in _HEADERS:
            header = _HEADERS[column]
        else:
            header = _header(column, ci_level) if column else ""
        columns[j] = values
        headers.append(header)
        kinds.append(kind)
    out = pd.DataFrame({j: v.reset_index(drop=True) for j, v in columns.items()})
    out.columns = headers
    return out, kinds


def _blank(value: Any) -> bool:
    try:
        return value is None or value is pd.NA or (isinstance(value, float | np.floating) and math.isnan(value))
    except TypeError:
        return False


def _write_table(sheet, frame: pd.DataFrame, kinds: list) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False):
        sheet.append([None if _blank(v) or v == "" else (float(v) if isinstance(v, np.floating) else
                      int(v) if isinstance(v, np.integer) else v) for v in row])
    for j, kind in enumerate(kinds, start=1):
        letter = get_column_letter(j)
        per_row = [kind] * len(frame) if isinstance(kind, str) else list(kind)  # a kind per row (fit measures)
        for (cell,), row_kind in zip(sheet.iter_rows(min_row=2, min_col=j, max_col=j), per_row, strict=False):
            if row_kind != "text":
                cell.number_format = NUMBER_FORMATS[row_kind]
        shown = [len(str(frame.columns[j - 1]))] + [_shown_width(v, k) for v, k in
                                                    zip(frame.iloc[:, j - 1], per_row, strict=True)]
        sheet.column_dimensions[letter].width = min(max(max(shown) + 2, 8), 60)
    sheet.freeze_panes = "A2"
    if len(frame):
        sheet.auto_filter.ref = sheet.dimensions


def _shown_width(value: Any, kind: str) -> int:
    if _blank(value):
        return 0
    if kind == "text" or isinstance(value, str):
        return len(str(value))
    if kind == "date":
        return 10
    digits = {"number": 3, "number1": 1, "number2": 2, "integer": 0, "percent": 1, "points": 1, "p": 3}[kind]
    return len(f"{float(value):,.{digits}f}") + (1 if kind in ("percent", "points") else 0)


# -------------------------------------------------------------------------------- contents
def plain_text(result: Any, labels: Any = None) -> str:
    """The plain summary of a result as text (Markdown emphasis removed): the result's own
    ``_plain_text(labels)`` when it has one (``labels``: a Codebook or ``{code: label}``), else
    ``plain_summary(labels=...)`` when that
    needs no other argument, else its one-line headline; "" when it has none."""
    labels = labels_of(labels)
    if hasattr(result, "_plain_text"):
        text = result._plain_text(labels)
    elif callable(getattr(result, "plain_summary", None)):
        parameters = inspect.signature(result.plain_summary).parameters
        required = [p for p in parameters.values() if p.default is inspect.Parameter.empty
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if required:
            text = result._headline() if hasattr(result, "_headline") else ""
        elif "labels" in parameters:
            text = str(result.plain_summary(labels=labels or None))
        else:
            text = str(result.plain_summary())
    elif hasattr(result, "_headline"):
        text = result._headline()
    else:
        text = ""
    return str(text).replace("**", "")


def _write_contents(sheet, listing: list) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    from . import __version__

    sheet.append(["cxstats results"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"Written by cxstats {__version__} on {datetime.date.today().isoformat()}. Each table is on its "
                  "own sheet (linked below); numbers keep full precision, the cell formats only round them."])
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, result, labels, sheets in listing:
        sheet.append([])
        sheet.append([name])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
        kind = _kind(result)
        if kind != name:
            sheet.append([kind])
        for line in plain_text(result, labels).splitlines():
            if line.strip():
                sheet.append([line.strip().removeprefix("- ")])
                sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=False, vertical="top")
        for problem in getattr(result, "problems", ()) or ():
            sheet.append([f"Caution: {problem}"])
            sheet.cell(sheet.max_row, 1).font = Font(color="AA0000")
        sheet.append(["Sheet", "Table", "What it shows"])
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
        for sheet_name, title, description in sheets:
            sheet.append([sheet_name, title, description])
            link = sheet.cell(sheet.max_row, 1)
            link.hyperlink = f"#'{sheet_name}'!A1"
            link.font = Font(color="0563C1", underline="single")
            sheet.cell(sheet.max_row, 3).alignment = wrap
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 90

