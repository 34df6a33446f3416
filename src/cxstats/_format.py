"""Small helpers that turn lists of offending rows and values into readable messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

_MAX_SHOWN = 5


def listing(values: Iterable[Any], *, limit: int = _MAX_SHOWN, quote: bool = False) -> str:
    """Join values as ``a, b, c`` and say how many more were left out."""
    values = list(values)
    shown = [f"'{v}'" if quote else _plain(v) for v in values[:limit]]
    text = ", ".join(shown)
    if len(values) > limit:
        text += f" and {len(values) - limit} more"
    return text


def rows_and_values(rows: Sequence[Any], values: Sequence[Any], *, limit: int = _MAX_SHOWN) -> str:
    """``rows 14, 88: 9, 0`` — the form the validation messages use."""
    noun = "row" if len(rows) == 1 else "rows"
    return f"{noun} {listing(rows, limit=limit)}: {listing(values, limit=limit)}"


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def level(value: Any) -> str:
    """A group level (or another data value) for a message: numbers bare, as a reader writes
    them (``2``, not ``np.int64(2)`` or ``2.0``), text in quotes (``'north'``)."""
    if hasattr(value, "item") and type(value).__module__ == "numpy":  # a NumPy scalar
        value = value.item()
    return repr(value) if isinstance(value, str) else _plain(value)


def every(values: Iterable[Any], *, conjunction: str = "and") -> str:
    """All values, none left out, for prose: ``a``, ``a and b``, ``a, b and c``."""
    shown = [_plain(v) for v in values]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} {conjunction} {shown[-1]}"


def label_lookup(labels: Any, own: Mapping[str, str] | None = None) -> Callable[[Any], str]:
    """``name(code)``: the label of a code, or the code itself (as text) when it has none.

    ``labels`` (a dict or a Codebook, read by :func:`cxstats.formatting.labels_of`) adds to or
    replaces ``own``, the labels a result keeps (e.g. its codebook's)."""
    from .formatting import labels_of

    names = {**(own or {}), **labels_of(labels)}
    return lambda value: names.get(str(value), str(value))


def caution_lines(problems: Iterable[str], *, then: str = "") -> list[str]:
    """A ``- Caution:`` bullet per problem a result records, for its plain summary: the problem's
    message without the warning's name before the first ``': '``, then ``then`` (a sentence
    added to each, e.g. `` The numbers below are not trustworthy until this is resolved.``)."""
    return [f"- Caution: {problem.split(': ', 1)[-1]}{then}" for problem in problems]


def problems_html(problems: Iterable[str]) -> str:
    """A result's problems as a red HTML list for ``_repr_html_`` (empty text when there are none)."""
    import html

    items = "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
    return f"<ul style='color:#a00'>{items}</ul>" if items else ""
