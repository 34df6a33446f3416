"""Check a data frame against its codebook and return the analysis-ready copy.

Every check raises :class:`~cxstats.DataValidationError` with a message that names the
column, the offending rows (index labels of the data frame) and values, and what to do.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from .._errors import DataValidationError
from .._format import listing, rows_and_values
from .._validation import check_frame, one_of
from .codebook import Codebook, Item, Variable

__all__ = ["validate"]


def validate(
    data: pd.DataFrame,
    codebook: Codebook,
    *,
    unknown_columns: Literal["error", "drop", "keep"] = "error",
    reverse_code: bool = True,
) -> pd.DataFrame:
    """Validate ``data`` against ``codebook`` and return a cleaned copy.

    Parameters
    ----------
    data : the raw data, one row per respondent (or transaction).
    codebook : what each column means.
    unknown_columns : what to do with columns the codebook does not declare:
        ``"error"`` (default) raises, ``"drop"`` removes them, ``"keep"`` passes them on.
    reverse_code : recode reverse-worded items as ``low + high - x`` (default True), so
        that every item of a construct points the same way.

    Returns
    -------
    DataFrame
        The declared columns (plus unknown ones when ``unknown_columns="keep"``), with
        missing codes replaced by NaN, text answers that match value labels replaced by
        their codes, items as float, and reverse-coded items recoded. The input is not
        modified.

    Raises
    ------
    DataValidationError
        Declared columns absent from the data; undeclared columns (by default); item
        values that are not numbers and match no value label; values outside an item's
        declared scale; an item with no answers or a single value; duplicated ids.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    one_of("unknown_columns", unknown_columns, ("error", "drop", "keep"))
    check_frame(data, where="validate")
    _check_columns(data, codebook, unknown_columns)
    keep = [c for c in data.columns if c in codebook.columns or unknown_columns == "keep"]
    out = data.loc[:, keep].copy()
    for variable in codebook.variables:
        out[variable.name] = _clean_variable(out[variable.name], variable)
    for item in codebook.items:
        out[item.name] = _clean_item(out[item.name], item, reverse_code=reverse_code)
    if codebook.id is not None:
        _check_unique_ids(out[codebook.id])
    return out


def _check_columns(data: pd.DataFrame, codebook: Codebook, unknown_columns: str) -> None:
    declared = codebook.columns
    absent = [c for c in declared if c not in data.columns]
    if absent:
        raise DataValidationError(
            f"The data lack {len(absent)} column(s) the codebook '{codebook.name}' declares: "
            f"{listing(absent, limit=10, quote=True)}. The data have: "
            f"{listing(data.columns, limit=12, quote=True)}. Check the file, or remove them "
            "from the codebook."
        )
    unknown = [c for c in data.columns if c not in declared]
    renamed = [(c, base) for c in unknown for base in [_renamed_duplicate(c, declared)] if base is not None]
    if renamed and unknown_columns != "keep":
        detail = ", ".join(f"'{c}' (a second '{base}'?)" for c, base in renamed)
        raise DataValidationError(
            f"The data have column(s) {detail}: pandas renames a repeated column name 'x' to 'x.1' when it "
            f"reads a file, so the file has duplicated column names. Rename or delete the repeated column in the "
            "file (or pass unknown_columns='keep' if these are genuinely different columns)."
        )
    if unknown and unknown_columns == "error":
        raise DataValidationError(
            f"The data have {len(unknown)} column(s) the codebook '{codebook.name}' does not "
            f"declare: {listing(unknown, limit=10, quote=True)}. Declare them in the codebook "
            "(as items or variables), or pass unknown_columns='drop' or 'keep'."
        )


def _renamed_duplicate(column: object, declared) -> str | None:
    """The declared name ``x`` if ``column`` is ``x.1``, ``x.2``, ... (pandas' name for a repeated column)."""
    if not isinstance(column, str):
        return None
    base, dot, number = column.rpartition(".")
    return base if dot and number.isdigit() and base in declared else None


def _replace_missing(column: pd.Series, codes: tuple[float, ...]) -> pd.Series:
    if not codes:
        return column
    numeric = pd.to_numeric(column, errors="coerce")
    return column.mask(numeric.isin(codes))


def _clean_variable(column: pd.Series, variable: Variable) -> pd.Series:
    column = _replace_missing(column, variable.missing)
    if variable.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(column):
            return column
        parsed = pd.to_datetime(column, errors="coerce", format="ISO8601")
        _reject_unparsed(column, parsed, "a date", "dates", "Write dates as YYYY-MM-DD.")
        return parsed
    if variable.kind in ("integer", "number"):
        numeric = pd.to_numeric(column, errors="coerce")
        _reject_unparsed(column, numeric, f"a {variable.kind}", "numbers",
                         "Fix these cells or declare the column with kind: text.")
        return numeric
    return column


def _reject_unparsed(column: pd.Series, parsed: pd.Series, declared: str, plural: str, remedy: str) -> None:
    """Raise if any non-missing cell of ``column`` failed to parse (is missing in ``parsed``)."""
    bad = parsed.isna() & column.notna()
    if bad.any():
        raise DataValidationError(
            f"Column '{column.name}' is declared as {declared} but has values that are not "
            f"{plural} at {rows_and_values(list(column.index[bad]), list(column[bad]))}. {remedy}"
        )


def _clean_item(column: pd.Series, item: Item, *, reverse_code: bool) -> pd.Series:
    column = _replace_missing(column, item.missing)
    values = _item_as_numbers(column, item)
    _check_scale(values, item)
    answered = values.dropna()
    if answered.empty:
        raise DataValidationError(
            f"Item '{item.name}' has no answers: every value is missing"
            + (f" (missing codes {listing(item.missing)})" if item.missing else "")
            + ". Drop it from the codebook or check the export."
        )
    if answered.nunique() == 1:
        raise DataValidationError(
            f"Item '{item.name}' is constant: all {len(answered)} answers are "
            f"{answered.iloc[0]:g}. A constant item carries no information and breaks "
            "correlations; drop it from the codebook or check the export."
        )
    if reverse_code and item.reverse and item.scale is not None:
        values = item.scale[0] + item.scale[1] - values
    return values


def _item_as_numbers(column: pd.Series, item: Item) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype(float)
    numeric = pd.to_numeric(column, errors="coerce")
    text = column.astype("string").str.strip().str.casefold()
    by_label = {label.strip().casefold(): code for code, label in item.labels.items()}
    from_labels = text.map(by_label).astype(float)
    values = numeric.fillna(from_labels)
    bad = values.isna() & column.notna()
    if bad.any():
        rows = list(column.index[bad])
        found = list(dict.fromkeys(column[bad].astype(str)))
        known = (
            f"Its value labels are {listing(item.labels.values(), limit=10, quote=True)}."
            if item.labels
            else "The codebook gives it no value labels."
        )
        raise DataValidationError(
            f"Item '{item.name}' has non-numeric answers that match no value label: "
            f"{listing(found, quote=True)} (rows {listing(rows)}). {known} Recode the "
            "answers to numbers, or add the labels to the codebook's 'labels' for this item."
        )
    return values.astype(float)


def _check_scale(values: pd.Series, item: Item) -> None:
    if item.scale is None:
        return
    low, high = item.scale
    outside = values.notna() & ((values < low) | (values > high))
    if outside.any():
        missing_hint = (
            "Recode them or declare missing codes."
            if not item.missing
            else f"Recode them or add them to the missing codes ({listing(item.missing)})."
        )
        raise DataValidationError(
            f"Column '{item.name}' has values outside the {low:g}-{high:g} scale declared in "
            f"the codebook ({rows_and_values(list(values.index[outside]), list(values[outside]))}). "
            + missing_hint
        )
    fractional = values.notna() & (np.floor(values) != values)
    if fractional.any() and high - low <= 20:
        raise DataValidationError(
            f"Column '{item.name}' has fractional values on its {low:g}-{high:g} rating scale "
            f"({rows_and_values(list(values.index[fractional]), list(values[fractional]))}). "
            "Ratings are whole numbers; check the export (averaged or weighted values?)."
        )


def _check_unique_ids(ids: pd.Series) -> None:
    if ids.isna().any():
        rows = list(ids.index[ids.isna()])
        raise DataValidationError(
            f"The id column '{ids.name}' is empty at rows {listing(rows)}. Every respondent needs an id."
        )
    duplicated = ids[ids.duplicated(keep=False)]
    if not duplicated.empty:
        repeated = list(dict.fromkeys(duplicated))
        raise DataValidationError(
            f"The id column '{ids.name}' repeats {len(repeated)} id(s): "
            f"{listing(repeated)} (rows {listing(list(duplicated.index))}). Remove duplicate "
            "responses, or name a different id column in the codebook."
        )
