"""Argument and data checks shared by every public function, and the one place that warns.

Every public estimator validates its input here before computing, so that the same bad
input gets the same clear message everywhere: a :class:`~cxstats.CxStatsError` (also a
``ValueError``) or a ``TypeError`` naming the argument, column, rows and values and saying
what to do. :func:`warn` issues a named warning at the caller's line (not at a line inside
cxstats) and returns the ``"WarningClass: message"`` text that results keep in ``problems``.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._errors import CxStatsError, plain_text
from ._format import listing, rows_and_values

__all__ = [
    "find_stack_level",
    "warn",
    "one_of",
    "check_frame",
    "columns_present",
    "ci_level",
    "count",
    "scale",
    "numeric_columns",
    "within_scale",
    "strip_ansi",
    "survey_parts",
    "moments_parts",
    "need_codebook",
    "labels_from",
    "group_level_labels",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# control characters other than tab and line ends
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# text that is read as "no answer" rather than as a non-numeric answer
_BLANK = re.compile(r"^\s*$")


def strip_ansi(text: str) -> str:
    """``text`` without terminal escape sequences (colours) and other control characters."""
    return _CONTROL.sub("", plain_text(text))


def find_stack_level() -> int:
    """The ``stacklevel`` that makes a warning point at the first line outside cxstats.

    Walks out of the frames whose file lies in the cxstats package (as pandas'
    ``find_stack_level``), so wrappers such as the BLAS-thread decorator or private
    helpers never become the reported location.
    """
    frame = inspect.currentframe()
    level = 0
    try:
        while frame is not None:
            filename = os.path.abspath(frame.f_code.co_filename)
            if not filename.startswith(_PACKAGE_DIR + os.sep):
                break
            frame = frame.f_back
            level += 1
    finally:
        del frame
    return level


def warn(message: str, category: type[Warning]) -> str:
    """Warn with ``category`` at the user's line; return ``"Category: message"`` for ``problems``."""
    message = strip_ansi(message)
    # find_stack_level counts its own frame in place of the user's; warnings.warn counts this one as 1
    warnings.warn(message, category, stacklevel=find_stack_level())
    return f"{category.__name__}: {message}"


def one_of(name: str, value: Any, options: Sequence[Any], *, error: type[Exception] = CxStatsError) -> Any:
    """``value`` if it is one of ``options``, else an error listing them."""
    try:
        if value in options:
            return value
    except TypeError:  # unhashable or incomparable values are simply not among the options
        pass
    quoted = [repr(o) for o in options]
    choices = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    raise error(f"Argument {name} must be {choices}, got {value!r}.")


def check_frame(data: Any, *, where: str, name: str = "data") -> pd.DataFrame:
    """A pandas DataFrame with unique column names, else a TypeError or a clear error."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{where}: {name} must be a pandas DataFrame, got {type(data).__name__}.")
    columns = pd.Index(data.columns)
    if columns.has_duplicates:
        repeated = list(dict.fromkeys(columns[columns.duplicated()]))
        positions = [str(i + 1) for i, c in enumerate(columns) if c in repeated]
        raise CxStatsError(
            f"{where}: the data have duplicated column names {listing(repeated, quote=True)} (at positions "
            f"{listing(positions, limit=10)}); a column name must say which column is meant. Rename or drop "
            "the duplicates (e.g. data.loc[:, ~data.columns.duplicated()]) first."
        )
    return data


def columns_present(data: pd.DataFrame, columns: Iterable[Any], *, where: str, role: str = "column") -> None:
    """Every column in ``columns`` is in ``data``, else an error naming the absent ones."""
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise CxStatsError(
            f"{where}: no {role} {listing(absent, quote=True)} in the data; the data have "
            f"{listing(data.columns, limit=20, quote=True)}. Check the spelling."
        )


def ci_level(value: Any, *, error: type[Exception] = CxStatsError) -> float:
    """A coverage level strictly between 0 and 1; 95 gets a hint to pass 0.95."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Argument ci_level must be a number between 0 and 1 (e.g. 0.95), got {value!r}.")
    level = float(value)
    if not 0 < level < 1:
        hint = f"pass {level / 100:g} for a {level:g}% interval" if 50 <= level < 100 else "pass e.g. 0.95"
        raise error(f"Argument ci_level={value!r} is not a proportion between 0 and 1; {hint}.")
    return level


def count(name: str, value: Any, *, minimum: int = 0, zero: bool = False, what: str = "",
          error: type[Exception] = CxStatsError) -> int:
    """A whole number of at least ``minimum`` (or exactly 0 when ``zero``), else a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"Argument {name} must be a whole number, got {value!r}.")
    value = int(value)
    if value < minimum and not (zero and value == 0):
        allowed = f"0 or a whole number of at least {minimum}" if zero else f"a whole number of at least {minimum}"
        raise error(f"Argument {name} must be {allowed}{what}, got {value!r}.")
    return value


def scale(value: Any, *, name: str = "scale") -> tuple[float, float]:
    """A ``(low, high)`` pair of finite numbers with low < high."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"Argument {name} must be a (low, high) pair of numbers such as (1, 5), got {value!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise CxStatsError(f"Argument {name}={value!r} has a bound that is not a finite number; pass e.g. (1, 5).")
    if not low < high:
        raise CxStatsError(f"Argument {name}={value!r}: the low end {low:g} must be below the high end {high:g}; "
                           f"pass ({min(low, high):g}, {max(low, high):g}).")
    return low, high


def declared_scale(items: Sequence[Any], value: Any, codebook: Any, *, where: str) -> tuple[float, float]:
    """``value`` checked as a scale, or else the one scale ``codebook`` declares for every item.

    The rule wherever a function takes ``scale=`` or ``codebook=`` (satisfaction_index,
    top_box, importance_performance): an explicit scale wins; a codebook must declare the
    same scale for all the items.
    """
    if value is not None:
        return scale(value)
    if codebook is None:
        raise CxStatsError(f"{where} needs the response scale: pass scale=(low, high), codebook=, or a "
                           "cxstats.Survey as data.")
    unknown = [i for i in items if i not in codebook.item_names]
    if unknown:
        raise CxStatsError(f"{where}: {listing(unknown, quote=True)} are not items of the codebook, so it declares "
                           "no scale for them; pass scale=(low, high).")
    scales = {codebook.item(i).scale for i in items}
    if len(scales) != 1 or None in scales:
        raise CxStatsError(f"{where}: the items {listing(items)} do not share one declared scale in the codebook; "
                           "pass scale=(low, high).")
    return scale(scales.pop())


def numeric_columns(data: pd.DataFrame, columns: Sequence[Any], *, where: str, role: str = "column") -> pd.DataFrame:
    """``data[columns]`` as floats; text, infinite and empty columns are errors naming them.

    Blank text and missing values stay missing. A cell holding text that is not a number
    (e.g. ``"5 - very good"``) is an error naming the column, rows and values: silently
    treating it as missing would drop those respondents unnoticed.
    """
    check_frame(data, where=where)
    columns = list(columns)
    columns_present(data, columns, where=where, role=role)
    out = {}
    for column in columns:
        raw = data[column]
        if pd.api.types.is_bool_dtype(raw.dtype):
            values = raw.astype(float)
        elif pd.api.types.is_numeric_dtype(raw.dtype):
            values = raw.astype(float)
        else:
            blank = raw.map(lambda v: isinstance(v, str) and bool(_BLANK.match(v)))
            values = pd.to_numeric(raw.mask(blank.astype(bool)), errors="coerce").astype(float)
            text = values.isna() & raw.notna() & ~blank.astype(bool)
            if text.any():
                raise CxStatsError(
                    f"{where}: {role} '{column}' holds text that is not a number "
                    f"({rows_and_values(list(raw.index[text]), [repr(v) for v in raw[text]])}). Recode it to numbers "
                    "(e.g. '5 - very good' to 5) or set those cells to missing (NaN) deliberately."
                )
        infinite = np.isinf(values.to_numpy())
        if infinite.any():
            raise CxStatsError(
                f"{where}: {role} '{column}' holds infinite values "
                f"({rows_and_values(list(values.index[infinite]), list(values[infinite]))}). Set them to missing "
                "(NaN) or fix the computation that produced them."
            )
        if values.isna().all():
            raise CxStatsError(f"{where}: {role} '{column}' has no values: every cell is missing. Drop it from the "
                               "analysis or check the export.")
        out[column] = values
    return pd.DataFrame(out, index=data.index)


def within_scale(values: pd.DataFrame, bounds: tuple[float, float], *, where: str, argument: str = "scale") -> None:
    """Every answer in ``values`` lies on the declared scale, else an error naming column, rows and values."""
    low, high = bounds
    for column in values.columns:
        col = values[column]
        outside = col.notna() & ((col < low) | (col > high))
        if outside.any():
            raise CxStatsError(
                f"{where}: column '{column}' has values outside the declared {argument} {low:g}-{high:g} "
                f"({rows_and_values(list(col.index[outside]), list(col[outside]))}). Pass the true scale of the "
                "answers, or recode or set those values to missing."
            )


def survey_parts(data: Any, codebook: Any = None) -> tuple[Any, Any]:
    """``(frame, codebook)`` from a :class:`~cxstats.Survey` (the codebook passed wins over its
    own) or ``(data, codebook)`` unchanged: the one place where functions accept a Survey."""
    from .data.survey import Survey

    if isinstance(data, Survey):
        return data.data, data.codebook if codebook is None else codebook
    return data, codebook


def moments_parts(data: Any, moments: Any = None, *, where: str) -> tuple[Any, Any]:
    """``(data, None)`` for rows, or ``(None, moments)`` when a :class:`~cxstats.Moments` is
    passed as ``data`` or as ``moments=``: the one place where functions accept sufficient
    statistics in place of rows (what they can compute from them is in ``cxstats._sufficient``)."""
    from ._moments import Moments

    if isinstance(data, Moments):
        if moments is not None:
            raise TypeError(f"{where}: pass the Moments once, as data or as moments=, not both.")
        return None, data
    if moments is None:
        return data, None
    if not isinstance(moments, Moments):
        raise TypeError(f"{where}: moments= must be a cxstats.Moments (what cxstats.moments() returns), got "
                        f"{type(moments).__name__}.")
    if data is not None:
        raise TypeError(f"{where}: pass either the data or moments=, not both.")
    return None, moments


def need_codebook(codebook: Any, *, where: str, argument: str = "codebook") -> Any:
    """``codebook`` unless it is None, else an error saying how to pass one."""
    if codebook is None:
        raise TypeError(f"{where} needs a codebook: pass it as {argument}=..., or pass a cxstats.Survey (what "
                        "read_survey and load_dataset return) as data.")
    return codebook


def labels_from(*sources: Any, group: str | None = None) -> dict[str, str]:
    """The ``{code: label}`` of the first Codebook or Survey among ``sources`` ({} when there is none):
    what a result keeps so that its summaries and figures name constructs and items in words.

    With ``group`` (the grouping column of the analysis), the codebook's value labels of that
    column are added, keyed by the level as it prints (``"2"``, and ``"2.0"`` for a column of
    floats): the one place where results learn to call group 2 "Contract plan".
    """
    from .data.codebook import Codebook
    from .data.survey import Survey

    for source in sources:
        codebook = source.codebook if isinstance(source, Survey) else source
        if isinstance(codebook, Codebook):
            return {**codebook.labels, **group_level_labels(codebook, group)}
    return {}


def group_level_labels(codebook: Any, column: str | None) -> dict[str, str]:
    """``{level: label}`` from the codebook's value labels of ``column`` (a variable or an item),
    keyed by ``str(level)`` for both integer and float levels; {} without labels."""
    if codebook is None or column is None:
        return {}
    declared = next((c for c in (*codebook.items, *codebook.variables) if c.name == column), None)
    out: dict[str, str] = {}
    for code, text in (declared.labels if declared is not None else {}).items():
        out[str(float(code))] = str(text)
        if float(code).is_integer():
            out[str(int(code))] = str(text)
    return out


def all_suppressed(group: str, sizes: list[tuple[Any, int]], min_base: int) -> None:
    """Every group is below the base (``sizes``: (group, n) pairs): say so instead of returning a
    table of NaNs (nps, top_box, satisfaction_index)."""
    label, largest = max(sizes, key=lambda pair: pair[1]) if sizes else ("-", 0)
    raise CxStatsError(
        f"Every group of '{group}' has fewer answers than min_base={min_base} (the largest, '{label}', has "
        f"{largest}), so every value would be suppressed. Report without group=, merge small groups, or lower "
        "min_base deliberately."
    )
