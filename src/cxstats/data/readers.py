"""Read survey files (CSV, Excel, SPSS .sav, Parquet) into validated data frames."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

import pandas as pd

from .._errors import CxStatsError, DataValidationError
from .codebook import Codebook
from .survey import Provenance, Survey
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


def read_table(path: str | Path, *, sheet: str | int = 0, encoding: str | None = None) -> pd.DataFrame:
    """Read a data file as it is, choosing the reader by the file's extension.

    SPSS files are read with pyreadstat: the data hold the numeric codes, and
    :meth:`Codebook.from_sav` turns the file's value labels and variable labels into a
    codebook. Text files are read as UTF-8 unless ``encoding`` is given; a file in another
    encoding (e.g. Windows-1252 / Latin-1 from Excel or SPSS on Windows) is an error that
    names the encoding to pass. A header that repeats a column name is an error (pandas
    would silently rename the second one to ``name.1``).
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
    if kind in ("csv", "tsv"):
        _check_text_encoding(path, encoding)
    try:
        if kind in ("csv", "tsv"):
            sep = "\t" if kind == "tsv" else _delimiter(path, encoding)
            _check_header(path, _text_header(path, sep, encoding))
            return pd.read_csv(path, sep=sep, encoding=encoding or "utf-8")
        if kind == "excel":
            _check_header(path, list(pd.read_excel(path, sheet_name=sheet, header=None, nrows=1).iloc[0]))
            return pd.read_excel(path, sheet_name=sheet)
        if kind == "parquet":
            data = pd.read_parquet(path)
        else:
            import pyreadstat

            data, _ = pyreadstat.read_sav(str(path), user_missing=True)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, CxStatsError):
            raise
        raise CxStatsError(f"Could not read '{path.name}' as {kind}: {exc}. Is the file complete?") from None
    _check_header(path, list(data.columns))
    return data


def _check_text_encoding(path: Path, encoding: str | None) -> None:
    """A text file that is not valid in ``encoding`` (default UTF-8): say which encoding reads it."""
    raw = path.read_bytes()
    chosen = encoding or "utf-8"
    try:
        raw.decode(chosen)
        return
    except LookupError:
        raise CxStatsError(f"Unknown encoding {encoding!r} for '{path.name}'; pass e.g. 'utf-8' or 'cp1252'.") from None
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = raw.count(b"\n", 0, bad) + 1
    guess = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        guess = "utf-16"
    else:
        for candidate in ("cp1252", "latin-1"):
            try:
                raw.decode(candidate)
            except UnicodeDecodeError:
                continue
            guess = candidate
            break
    start, end = raw.rfind(b"\n", 0, bad) + 1, raw.find(b"\n", bad)
    text = raw[start:end if end >= 0 else len(raw)].decode(guess or "latin-1", errors="replace").strip()[:60]
    hint = (f"It reads as {'UTF-16' if guess == 'utf-16' else 'Windows-1252 (Latin-1)'} text "
            f"(line {line}: '{text}'): pass encoding='{guess}'" if guess else "Pass its encoding with encoding=")
    raise CxStatsError(
        f"'{path.name}' is not {chosen.upper() if chosen.lower().replace('-', '') == 'utf8' else chosen} text: "
        f"byte 0x{raw[bad]:02x} on line {line} cannot be decoded. {hint} to read_survey/read_table, or save the file "
        "as UTF-8."
    )


def _text_header(path: Path, sep: str, encoding: str | None) -> list[str]:
    with path.open(encoding=encoding or "utf-8", newline="") as handle:
        return next(csv.reader(handle, delimiter=sep), [])


def _check_header(path: Path, names: list) -> None:
    """The column names are unique; a repeated one is named with its positions."""
    seen: dict = {}
    for position, name in enumerate(names, start=1):
        if isinstance(name, str):
            name = name.strip()
        seen.setdefault(name, []).append(position)
    repeated = {name: where for name, where in seen.items() if len(where) > 1 and not _blank(name)}
    if repeated:
        detail = "; ".join(f"'{name}' at columns {', '.join(map(str, where))}" for name, where in repeated.items())
        raise DataValidationError(
            f"'{path.name}' repeats column name(s): {detail}. Each column needs its own name: rename or delete the "
            "repeated column in the file (pandas would rename it to 'name.1' and the codebook check would then "
            "call it undeclared)."
        )


def _blank(name: object) -> bool:
    return name is None or (isinstance(name, float) and name != name) or (isinstance(name, str) and not name)


def _delimiter(path: Path, encoding: str | None = None) -> str:
    """The field separator of a delimited text file (comma, semicolon, tab or bar)."""
    with path.open(encoding=encoding or "utf-8", errors="replace") as handle:
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
    encoding: str | None = None,
) -> Survey:
    """Read a survey file and validate it against its codebook: a :class:`Survey`.

    Parameters
    ----------
    path : a ``.csv``, ``.tsv``, ``.xlsx``, ``.sav`` or ``.parquet`` file.
    codebook : a :class:`Codebook`, the path of a codebook YAML file, or None to use
        ``<file stem>.codebook.yaml`` beside the data (or, for ``.sav`` files without one,
        the codebook the file's own metadata gives).
    sheet : the Excel sheet (name or position).
    unknown_columns, reverse_code : passed to :func:`cxstats.validate`.
    encoding : the text encoding of a CSV/TSV file (default UTF-8), e.g. ``"cp1252"``.

    Returns
    -------
    Survey
        ``.data``: the validated data (see :func:`cxstats.validate`); ``.codebook``;
        ``.provenance``: the file, where the codebook came from, rows read and dropped,
        columns dropped, and whether reverse-worded items were recoded.

    Raises
    ------
    CxStatsError
        The file or its codebook cannot be found or read; the file is not UTF-8 text (the
        message names the encoding that reads it).
    DataValidationError
        The data disagree with the codebook; the message names column, rows and values.

    Examples
    --------
    >>> import cxstats
    >>> survey = cxstats.read_survey(cxstats.data_dir() / "customersat.csv")  # codebook beside it
    >>> survey.provenance.rows_read, survey.labels["q1"]
    (1811, 'Overall satisfaction')
    """
    path = Path(path)
    data = read_table(path, sheet=sheet, encoding=encoding)
    codebook, origin = _resolve_codebook(path, codebook)
    if codebook.n_rows is not None and codebook.n_rows != len(data) and codebook.file == path.name:
        raise DataValidationError(
            f"'{path.name}' has {len(data)} rows but its codebook expects {codebook.n_rows}. "
            "The file may be truncated or a different version; fix n_rows in the codebook if "
            "the change is intended."
        )
    clean = validate(data, codebook, unknown_columns=unknown_columns, reverse_code=reverse_code)
    return Survey(clean, codebook, Provenance(
        source=str(path), codebook_origin=origin, rows_read=len(data), rows_dropped=len(data) - len(clean),
        columns_dropped=tuple(str(c) for c in data.columns if c not in clean.columns), reverse_coded=reverse_code))


def _resolve_codebook(path: Path, codebook: Codebook | str | Path | None) -> tuple[Codebook, str]:
    """The codebook and where it came from (for the survey's provenance)."""
    if isinstance(codebook, Codebook):
        return codebook, "given in code"
    if codebook is not None:
        return Codebook.from_yaml(codebook), str(codebook)
    beside = path.with_name(f"{path.stem}.codebook.yaml")
    if beside.exists():
        return Codebook.from_yaml(beside), str(beside)
    if path.suffix.lower() in (".sav", ".zsav"):
        return Codebook.from_sav(path), f"SPSS metadata of '{path.name}'"
    raise CxStatsError(
        f"No codebook for '{path.name}': pass codebook=..., or put '{beside.name}' beside the "
        "data file (format: data/README.md)."
    )
