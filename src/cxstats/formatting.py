"""Numbers and tables for people: the one formatting layer of every report.

Results keep full precision in their ``.table``; this module turns them into what a
stakeholder reads, following the report conventions (APA 7 number style, ACSI reports):

- p-values as ``< .001`` or three decimals without a leading zero (``.034``), never 0,
  0.0 or 1.4e-55;
- intervals as ``[0.27, 0.65]``, an estimate with its interval as ``0.46 [0.27, 0.65]``;
- integers as integers with thousands separators (``1,811``, df ``752``, not ``752.0``);
- a true minus sign, and no negative zero (``−0.000`` reads as ``0.000``);
- percentages and currency with their unit;
- tables with readable headers ("Estimate", "95% CI", "p"), codebook labels instead of
  variable codes, SEM rows as "Image → Loyalty" instead of ``lhs/op/rhs``, and every cell
  a formatted string.

Examples
--------
>>> from cxstats import formatting as fmt
>>> fmt.p_value(0.00001), fmt.p_value(0.0342), fmt.p_text(0.2)
('< .001', '.034', 'p = .200')
>>> fmt.estimate(0.4612, 0.271, 0.6549)
'0.46 [0.27, 0.65]'
>>> fmt.number(-0.0001, 3), fmt.integer(1811.0), fmt.percent(0.593), fmt.currency(12.3)
('0.000', '1,811', '59%', '$12.30')
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._format import level as shown_level

__all__ = [
    "HEADERS",
    "currency",
    "estimate",
    "fit_measures",
    "integer",
    "interval",
    "labels_of",
    "number",
    "p_text",
    "p_value",
    "percent",
    "table",
]

MINUS = "\u2212"

#: Column names of cxstats result tables -> the header a reader sees.
HEADERS: dict[str, str] = {
    "estimate": "Estimate", "se": "SE", "z": "z", "t": "t", "statistic": "Statistic", "df": "df",
    "p_value": "p", "p": "p", "pvalue": "p", "std_all": "Standardized", "std_lv": "Std. (latent)", "std_beta": "Std. β",
    "r2": "R²", "r2_adj": "Adjusted R²", "n": "n", "group": "Group", "construct": "Concept", "term": "Driver",
    "outcome": "Outcome", "predictor": "Predictor", "item": "Question", "indicator": "Question", "label": "Label",
    "lmg": "Share of R² (LMG)", "share": "Share", "vif": "VIF", "importance": "Importance",
    "performance": "Performance", "nps": "NPS", "pct_promoters": "Promoters", "pct_passives": "Passives",
    "pct_detractors": "Detractors", "pct_top": "Top box", "segment": "Segment", "difference": "Difference",
    "mean": "Mean", "sd": "SD", "median": "Median", "min": "Min", "max": "Max", "loading": "Loading",
    "weight": "Weight", "chisq": "χ²", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR",
    "aic": "AIC", "bic": "BIC", "htmt": "HTMT", "alpha": "Cronbach's α", "alpha_std": "Standardized α",
    "omega": "ω", "ave": "AVE", "cr": "Composite reliability", "rho_a": "ρA", "rho_c": "ρC",
    "odds_ratio": "Odds ratio", "hazard_ratio": "Hazard ratio", "events": "Events", "n_at_risk": "At risk",
    "survival": "Retention", "churn_rate": "Churn rate", "repurchase_rate": "Repurchase rate",
    "period": "Period", "country": "Country", "wording": "Wording", "verdict": "Verdict",
    "monetary": "Spend", "frequency": "Purchases", "recency": "Recency (days)", "description": "Description",
    "name": "Name", "effect": "Effect", "kind": "Kind", "parameter": "Parameter", "ci": "95% CI",
}

_COUNT_COLUMNS = {"n", "df", "npar", "ntotal", "events", "n_at_risk", "count", "base", "purchases", "customers",
                  "frequency", "df_difference", "chisq_df", "n_a", "n_b", "n_items", "n_low", "n_high", "rank"}

_OPERATORS = {"=~": "Loading", "~": "Effect", "~~": "Covariance", "~1": "Mean", ":=": "Defined effect",
              "|": "Threshold", "<~": "Weight"}


def _missing(value: Any) -> bool:
    try:
        return value is None or (isinstance(value, float | np.floating) and math.isnan(value)) or value is pd.NA
    except TypeError:
        return False


def number(value: Any, digits: int = 2, *, signed: bool = False) -> str:
    """``value`` rounded to ``digits`` decimals with a true minus sign and no negative zero.

    Missing values give an empty string; ``signed=True`` writes ``+`` before positive values.
    """
    if _missing(value):
        return ""
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    text = f"{abs(value):,.{digits}f}"
    is_zero = float(text.replace(",", "")) == 0.0
    if value < 0 and not is_zero:
        return MINUS + text
    return ("+" + text) if signed and not is_zero else text


def integer(value: Any) -> str:
    """A count as an integer with thousands separators (``1,811``); empty when missing."""
    if _missing(value):
        return ""
    value = int(round(float(value)))
    return (MINUS if value < 0 else "") + f"{abs(value):,d}"


def p_value(value: Any) -> str:
    """APA style: ``< .001``, or three decimals without the leading zero (``.034``, ``> .999``)."""
    if _missing(value):
        return ""
    value = float(value)
    if value < 0.001:
        return "< .001"
    if value > 0.999:
        return "> .999"
    return f"{value:.3f}".lstrip("0")


def p_text(value: Any) -> str:
    """``p < .001`` or ``p = .034``, for prose."""
    text = p_value(value)
    return f"p {text}" if text.startswith(("<", ">")) else f"p = {text}"


def interval(low: Any, high: Any, digits: int = 2, *, kind: str = "number", unit: str = "$") -> str:
    """``[low, high]`` in the format of ``kind`` ("number", "percent", "currency", "integer")."""
    if _missing(low) or _missing(high):
        return ""
    show = _formatter(kind, digits, unit)
    return f"[{show(low)}, {show(high)}]"


def estimate(value: Any, low: Any = None, high: Any = None, digits: int = 2, *, kind: str = "number",
             unit: str = "$") -> str:
    """``0.46 [0.27, 0.65]``: an estimate followed by its interval (when given)."""
    show = _formatter(kind, digits, unit)
    text = show(value)
    ci = interval(low, high, digits, kind=kind, unit=unit)
    return f"{text} {ci}" if ci else text


def percent(value: Any, digits: int = 0, *, signed: bool = False) -> str:
    """A proportion (0.593) as a percentage (``59%``)."""
    if _missing(value):
        return ""
    return number(100 * float(value), digits, signed=signed) + "%"


def currency(value: Any, unit: str = "$", digits: int = 2) -> str:
    """An amount with its currency (``$12.30``, ``−$3.00``)."""
    if _missing(value):
        return ""
    text = number(abs(float(value)), digits)
    return (MINUS if float(value) < 0 and float(text.replace(",", "")) != 0 else "") + unit + text


def _formatter(kind: str, digits: int, unit: str = "$"):
    kinds = {
        "number": lambda v: number(v, digits),
        "percent": lambda v: percent(v, digits),
        "currency": lambda v: currency(v, unit, digits),
        "integer": integer,
        "p": p_value,
    }
    if kind not in kinds:
        raise ValueError(f"Unknown number format kind={kind!r}; choose from {', '.join(kinds)}.")
    return kinds[kind]


def labels_of(source: Any) -> dict[str, str]:
    """``{code: label}`` from a mapping, a :class:`~cxstats.Codebook`, or anything with ``.codebook``."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return {str(k): str(v) for k, v in source.items()}
    codebook = getattr(source, "codebook", source)
    if hasattr(codebook, "labels") and isinstance(codebook.labels, Mapping):
        return dict(codebook.labels)
    raise TypeError(
        f"labels must be a dict of code -> label or a Codebook, got {type(source).__name__}. "
        "Pass e.g. labels=dataset.codebook or labels={'CUSA': 'Satisfaction'}."
    )


def _header(name: Any, ci_level: float) -> str:
    key = str(name)
    if key == "ci":
        return f"{number(100 * ci_level, 0)}% CI"
    if key.endswith("_ci"):
        return f"{_header(key[: -len('_ci')], ci_level)}: {number(100 * ci_level, 0)}% CI"
    if key in HEADERS:
        return HEADERS[key]
    text = re.sub(r"[_.]+", " ", key).strip()
    return text[:1].upper() + text[1:] if text and text[0].islower() and not text.isupper() else text


def _parameter_columns(frame: pd.DataFrame, name, *, first: bool) -> pd.DataFrame:
    """A parameter table made readable: no SE, test or interval on fixed parameters (then no
    ``free`` column), and ``lhs, op, rhs`` replaced by ``kind, parameter`` (first, or where
    ``lhs`` stood). Used by :func:`table` and the exports."""
    if "free" in frame.columns:  # fixed parameters (markers, constraints) have no SE, test or interval
        fixed = ~frame["free"].astype(bool)
        if "op" in frame.columns:  # defined parameters (:=) are not free, yet have a delta-method SE and interval
            fixed &= frame["op"].to_numpy() != ":="
        for column in ("se", "z", "p_value", "ci_low", "ci_high"):
            if column in frame.columns:
                frame[column] = frame[column].astype(float).mask(fixed)
        frame = frame.drop(columns=["free"])
    if {"lhs", "op", "rhs"} <= set(frame.columns):
        kinds, texts = _parameter_rows(frame, name)
        position = 0 if first else list(frame.columns).index("lhs")
        frame.insert(position, "parameter", texts)
        frame.insert(position, "kind", kinds)
        frame = frame.drop(columns=["lhs", "op", "rhs"])
    return frame


def _parameter_rows(data: pd.DataFrame, name) -> tuple[list[str], list[str]]:
    kinds, texts = [], []
    for lhs, op, rhs in zip(data["lhs"], data["op"], data["rhs"], strict=True):
        lhs_l, rhs_l = name(lhs), name(rhs)
        kind = _OPERATORS.get(op, op)
        if op == "~":
            text = f"{rhs_l} → {lhs_l}"
        elif op in ("=~", "<~"):
            text = f"{lhs_l} → {rhs_l}"
        elif op == "~~":
            kind, text = ("Variance", lhs_l) if lhs == rhs else ("Covariance", f"{lhs_l} ↔ {rhs_l}")
        elif op == "~1":
            text = lhs_l
        elif op == "|":
            text = f"{lhs_l} {rhs_l}"
        elif op == ":=":
            text = lhs_l
        else:
            text = f"{lhs_l} {op} {rhs_l}"
        kinds.append(kind)
        texts.append(text)
    return kinds, texts


def _is_p_column(name: str) -> bool:
    return name in ("p", "p_value", "pvalue") or name.startswith("p_") or name.endswith("_p") or name.endswith("_p_value")


def table(data: pd.DataFrame | pd.Series, *, columns: Sequence[str] | None = None,
          labels: Any = None, rename: Mapping[str, str] | None = None, digits: int | Mapping[str, int] = 2,
          ci_level: float = 0.95, percent: Iterable[str] = (), currency: Iterable[str] = (),
          integers: Iterable[str] = (), unit: str = "$", index: bool | None = None) -> pd.DataFrame:
    """A result table as a reader sees it: every cell a formatted string, every header a word.

    Parameters
    ----------
    data : a result's ``.table`` (or any DataFrame/Series with the package's column names).
    columns : the source columns to show, in order. Besides the table's own columns these
        built ones may be named: ``"parameter"`` (with ``kind``; built from ``lhs/op/rhs``),
        ``"ci"`` (built from ``ci_low``/``ci_high``) and ``"X_ci"`` for every other pair
        ``X_ci_low``/``X_ci_high`` (e.g. ``share_ci``, header "Share: 95% CI", formatted
        like ``X``). Default: all, with ``lhs/op/rhs`` replaced by ``kind`` and ``parameter``
        and each interval pair by its built column.
    labels : ``{code: label}`` or a Codebook: codes in text cells and the index become labels;
        or a result with ``labels`` (an SEM, invariance, reliability or NPS result), whose
        codebook value labels also name the levels of a ``group`` column.
    rename : header overrides, by source column name (``{"estimate": "PLS"}``).
    digits : decimals for numbers, one for all or per column (default 2).
    ci_level : the level the ``ci`` header states.
    percent, currency, integers : columns shown as percentages (proportions in the data),
        amounts with ``unit``, or counts. p-value columns (``p``, ``p_value``, ``p_*``) and
        count columns (``n``, ``df``, ...) are recognised by name; boolean cells become
        "yes"/"no".
    index : keep the index as the first column (default: when it is named or not 0..n-1).

    Returns
    -------
    DataFrame of strings with a plain 0..n-1 index (which reports do not show).
    """
    if isinstance(data, pd.Series):
        data = data.to_frame(name="value" if data.name is None or str(data.name) == "fit_measures" else data.name)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"table() takes a DataFrame, got {type(data).__name__}.")
    names = labels_of(labels)
    label = lambda v: names.get(str(v), str(v)) if not _missing(v) else ""  # noqa: E731
    frame = data.copy()
    plain_index = isinstance(frame.index, pd.RangeIndex) or (
        frame.index.dtype.kind in "iu" and frame.index.name is None)
    if index if index is not None else not plain_index:
        frame.index = [label(v) if names.get(str(v)) else _header(v, ci_level) if isinstance(v, str) else v
                       for v in frame.index] if frame.index.nlevels == 1 else frame.index
        frame = frame.reset_index()
        if frame.columns[0] == "index":
            frame = frame.rename(columns={"index": ""})
    frame = frame.reset_index(drop=True)
    frame = _parameter_columns(frame, label, first=True)
    for low in [c for c in frame.columns if str(c) == "ci_low" or str(c).endswith("_ci_low")]:
        high = str(low)[: -len("low")] + "high"
        if high in frame.columns:  # ci_low/ci_high -> "ci"; share_ci_low/share_ci_high -> "share_ci"
            position = list(frame.columns).index(low)
            frame.insert(position, str(low)[: -len("_low")], list(zip(frame[low], frame[high], strict=True)))
            frame = frame.drop(columns=[low, high])
    if columns is not None:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise ValueError(
                f"table(): column(s) {', '.join(map(repr, unknown))} are not in the table; "
                f"it has {', '.join(map(repr, frame.columns))}."
            )
        frame = frame[list(columns)]
    percent, currency, integers = set(percent), set(currency), set(integers)
    out = {}
    for column in frame.columns:
        key = str(column)
        places = digits.get(key, 2) if isinstance(digits, Mapping) else digits
        values = frame[column]
        kind = ("percent" if key in percent else "currency" if key in currency else
                "integer" if key in integers or key in _COUNT_COLUMNS else "p" if _is_p_column(key) else "number")
        if key == "ci" or key.endswith("_ci"):
            of = "estimate" if key == "ci" else key[: -len("_ci")]
            if isinstance(digits, Mapping) and key not in digits:
                places = digits.get(of, 2)
            kind_ci = "percent" if of in percent else "currency" if of in currency else "number"
            cells = [interval(v[0], v[1], places, kind=kind_ci, unit=unit) if isinstance(v, tuple) else ""
                     for v in values]
        elif values.dtype == bool:
            cells = ["yes" if bool(v) else "no" for v in values]
        elif key == "group":  # group levels are names: 2 (or 2.0), or its value label ("Contract plan")
            cells = ["" if _missing(v) else label(v if isinstance(v, str) else shown_level(v)) for v in values]
        elif pd.api.types.is_numeric_dtype(values):
            show = _formatter(kind, places, unit)
            cells = [show(v) for v in values]
        else:
            cells = [("yes" if v else "no") if isinstance(v, bool | np.bool_) else
                     _formatter(kind, places, unit)(v) if isinstance(v, int | float | np.number) else label(v)
                     for v in values]
        header = (rename or {}).get(key) or _header(key, ci_level)
        out[header] = cells
    return pd.DataFrame(out)


_FIT_NAMES = {
    "chisq": "χ² (model test)", "df": "Degrees of freedom", "pvalue": "p (exact fit)",
    "chisq.scaled": "χ² (scaled)", "df.scaled": "Degrees of freedom (scaled)", "pvalue.scaled": "p (scaled)",
    "cfi": "CFI (comparative fit)", "tli": "TLI (Tucker–Lewis)", "cfi.robust": "CFI (robust)",
    "tli.robust": "TLI (robust)", "rmsea": "RMSEA (approximation error)", "rmsea.robust": "RMSEA (robust)",
    "srmr": "SRMR (residual correlation)", "aic": "AIC", "bic": "BIC", "npar": "Free parameters",
    "ntotal": "Respondents",
}
_FIT_KINDS = {"df": "integer", "df.scaled": "integer", "npar": "integer", "ntotal": "integer",
              "pvalue": "p", "pvalue.scaled": "p", "chisq": 1, "chisq.scaled": 1, "aic": 1, "bic": 1}


def fit_measures(measures: pd.Series | Mapping[str, float], names: Sequence[str] = (
        "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"), *, ci_level: float = 0.90) -> pd.DataFrame:
    """SEM fit measures (lavaan's names) as a two-column table a reader understands.

    RMSEA is shown with its interval when ``rmsea.ci.lower``/``rmsea.ci.upper`` (or their
    ``.robust`` versions) are present; df as an integer; p in APA style.

    Examples
    --------
    >>> fit_measures({"chisq": 13.2, "df": 8.0, "pvalue": 0.1, "rmsea": 0.051,
    ...               "rmsea.ci.lower": 0.0, "rmsea.ci.upper": 0.097}, ["chisq", "df", "pvalue", "rmsea"])
                           Measure                 Value
    0              χ² (model test)                  13.2
    1           Degrees of freedom                     8
    2                p (exact fit)                  .100
    3  RMSEA (approximation error)  0.051 [0.000, 0.097]
    """
    measures = pd.Series(measures, dtype=float)
    missing = [n for n in names if n not in measures.index]
    if missing:
        raise ValueError(f"fit_measures(): {', '.join(map(repr, missing))} not among the fit measures; "
                         f"available: {', '.join(measures.index)}.")
    rows = []
    for name in names:
        kind = _FIT_KINDS.get(name, 3)
        value = measures[name]
        if kind == "integer":
            text = integer(value)
        elif kind == "p":
            text = p_value(value)
        else:
            text = number(value, kind)
        if name.startswith("rmsea"):
            suffix = name[len("rmsea"):]
            low, high = measures.get(f"rmsea.ci.lower{suffix}"), measures.get(f"rmsea.ci.upper{suffix}")
            if low is not None and high is not None:
                text = estimate(value, low, high, 3)
        rows.append((_FIT_NAMES.get(name, _header(name, ci_level)), text))
    return pd.DataFrame(rows, columns=["Measure", "Value"])
