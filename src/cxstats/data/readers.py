"""Read survey files (CSV, Excel, SPSS .sav, Parquet) into validated data frames."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

import pandas as pd

from .._errors import CxStatsError, DataValidationError
from .codebook import Codebook
from .validate import validate

__all__ = ["read_survey", "read_table"]

_READERS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".sav": "sav",
    ".zsav": "sav",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def read_table(path: str | Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a data file as it is, choosing the reader by the file's extension.

    SPSS files are read with pyreadstat: the data hold the numeric codes, and
    :meth:`Codebook.from_sav` turns the file's value labels and variable labels into a
    codebook.
    """
    path = Path(path)
    if not path.exists():
        raise CxStatsError(f"Data file '{path}' does not exist.")
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise CxStatsError(
            f"Cannot read '{path.name}': the extension '{path.suffix}' is not one of "
            f"{', '.join(sorted(_READERS))}. Save the data as CSV, Excel, SPSS or Parquet."
        )
    try:
        if kind == "csv":
            return pd.read_csv(path, sep=_delimiter(path))
        if kind == "tsv":
            return pd.read_csv(path, sep="\t")
        if kind == "excel":
            return pd.read_excel(path, sheet_name=sheet)
        if kind == "parquet":
            return pd.read_parquet(path)
        import pyreadstat

        data, _ = pyreadstat.read_sav(str(path), user_missing=True)
        return data
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise CxStatsError(f"Could not read '{path.name}' as {kind}: {exc}. Is the file complete?") from None


def _delimiter(path: Path) -> str:
    """The field separator of a delimited text file (comma, semicolon, tab or bar)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        sample = handle.read(16384)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_survey(
    path: str | Path,
    codebook: Codebook | str | Path | None = None,
    *,
    sheet: str | int = 0,
    unknown_columns: Literal["error", "drop", "keep"] = "error",
    reverse_code: bool = True,
) -> pd.DataFrame:
    """Read a survey file and validate it against its codebook.

    Parameters
    ----------
    path : a ``.csv``, ``.tsv``, ``.xlsx``, ``.sav`` or ``.parquet`` file.
    codebook : a :class:`Codebook`, the path of a codebook YAML file, or None to use
        ``<file stem>.codebook.yaml`` beside the data (or, for ``.sav`` files without one,
        the codebook the file's own metadata gives).
    sheet : the Excel sheet (name or position).
    unknown_columns, reverse_code : passed to :func:`cxstats.validate`.

    Returns
    -------
    DataFrame
        The validated data (see :func:`cxstats.validate`).

    Raises
    ------
    CxStatsError
        The file or its codebook cannot be found or read.
    DataValidationError
        The data disagree with the codebook; the message names column, rows and values.
    """
    path = Path(path)
    data = read_table(path, sheet=sheet)
    codebook = _resolve_codebook(path, codebook)
    if codebook.n_rows is not None and codebook.n_rows != len(data) and codebook.file == path.name:
        raise DataValidationError(
            f"'{path.name}' has {len(data)} rows but its codebook expects {codebook.n_rows}. "
            "The file may be truncated or a different version; fix n_rows in the codebook if "
            "the change is intended."
        )
    return validate(data, codebook, unknown_columns=unknown_columns, reverse_code=reverse_code)


def _resolve_codebook(path: Path, codebook: Codebook | str | Path | None) -> Codebook:
    if isinstance(codebook, Codebook):
        return codebook
    if codebook is not None:
        return Codebook.from_yaml(codebook)
    beside = path.with_name(f"{path.stem}.codebook.yaml")
    if beside.exists():
        return Codebook.from_yaml(beside)
    if path.suffix.lower() in (".sav", ".zsav"):
        return Codebook.from_sav(path)
    raise CxStatsError(
        f"No codebook for '{path.name}': pass codebook=..., or put '{beside.name}' beside the "
        "data file (format: data/README.md)."
    )
