"""Model text in lavaan syntax -> parsed statements (the first layer of the SEM engine).

Supported: ``=~`` (measured by), ``~`` (regressed on), ``~~`` (covariance), ``~ 1``
(intercept), ``<~`` (composite, parsed for the PLS module), ``:=`` (defined parameter),
``==``, ``<``, ``>`` (constraints); modifiers ``a*x`` (label), ``0.5*x`` (fixed value),
``NA*x`` (free), ``start(0.5)*x``, ``label("a")*x``/``equal("a")*x`` and per-group
vectors ``c(a1, a2)*x``; comments with ``#`` or ``!``; several statements on one line
separated by ``;``; several left-hand sides joined by ``+`` (``wx2 + wy2 ~ wx1 + wy1``
is ``wx2 ~ wx1 + wy1`` and ``wy2 ~ wx1 + wy1``, as lavaan reads it); a statement
continued on the next line when a line ends with an operator, ``+``, ``*`` or ``,`` or
the next line starts with ``+``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .._errors import CxStatsError

__all__ = ["ModelSyntaxError", "Term", "Statement", "parse_model", "OPERATORS"]

# longest first, so that "=~" is not read as "=" and "~~" not as "~"
OPERATORS = ("=~", "~~", "<~", ":=", "==", "~", "<", ">")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CONTINUES = ("+", "*", ",", "=~", "~~", "~", "<~", ":=", "==", "(")


class ModelSyntaxError(CxStatsError):
    """The model text cannot be parsed; the message names the line and position."""


@dataclass(frozen=True)
class Term:
    """One right-hand-side term: a variable (or ``1`` for an intercept) and its modifiers.

    Each modifier is a tuple with one entry per group (a single entry applies to all
    groups); ``None`` in ``fixed`` means "free in that group".
    """

    name: str
    fixed: tuple[float | None, ...] | None = None
    labels: tuple[str | None, ...] | None = None
    start: tuple[float | None, ...] | None = None
    free: bool = False  # NA*x: free a parameter that would be fixed by default


@dataclass(frozen=True)
class Statement:
    """One model statement: ``lhs op rhs`` with its source line for error messages."""

    lhs: str
    op: str
    terms: tuple[Term, ...] = ()
    expression: str = ""  # the right-hand side of :=, ==, <, >
    line: int = 0


def parse_model(model: str) -> tuple[Statement, ...]:
    """Parse lavaan model syntax into statements.

    Raises
    ------
    ModelSyntaxError
        With the line number, the position in the line and a pointer under the problem.

    Examples
    --------
    >>> [(s.lhs, s.op, [t.name for t in s.terms]) for s in parse_model("f =~ x1 + a*x2; f ~ 1")]
    [('f', '=~', ['x1', 'x2']), ('f', '~', ['1'])]
    """
    if not isinstance(model, str):
        raise TypeError(f"The model must be text in lavaan syntax, got {type(model).__name__}.")
    statements = [s for text, line, column in _logical_lines(model) for s in _statements(text, line, column)]
    if not statements:
        raise ModelSyntaxError("The model is empty: write at least one statement such as 'SAT =~ s1 + s2 + s3'.")
    return tuple(statements)


def _logical_lines(model: str) -> list[tuple[str, int, int]]:
    """Statements with comments removed and continuation lines joined: (text, line, column)."""
    pieces: list[tuple[str, int, int]] = []
    for number, raw in enumerate(model.splitlines(), start=1):
        text = re.split(r"[#!]", raw, maxsplit=1)[0]
        column = 0
        for part in text.split(";"):
            stripped = part.strip()
            if stripped:
                pieces.append((stripped, number, column + len(part) - len(part.lstrip())))
            column += len(part) + 1
    joined: list[tuple[str, int, int]] = []
    for text, number, column in pieces:
        if joined and (joined[-1][0].endswith(_CONTINUES) or text.startswith(("+", "*", ","))):
            previous, line, start = joined[-1]
            joined[-1] = (f"{previous} {text}", line, start)
        else:
            joined.append((text, number, column))
    return joined


def _fail(message: str, text: str, line: int, column: int, offset: int) -> ModelSyntaxError:
    pointer = " " * offset + "^"
    return ModelSyntaxError(
        f"Line {line}, position {column + offset + 1}: {message}\n    {text}\n    {pointer}"
    )


def _statements(text: str, line: int, column: int) -> list[Statement]:
    """One statement, or one per left-hand side when several are joined by ``+`` (lavaan's
    ``y1 + y2 ~ x``); the right-hand side is parsed once per left-hand side."""
    match = _find_operator(text)
    if match is None or match[0] not in ("=~", "~", "~~"):
        return [_statement(text, line, column)]
    op, at = match
    sides = _split_top(text[:at], "+")
    if len(sides) == 1:
        return [_statement(text, line, column)]
    statements = []
    for lhs, offset in sides:
        if not lhs:
            raise _fail(f"an empty name on the left of '{op}' (two '+' in a row, or a '+' at the start?).",
                        text, line, column, offset)
        if not _NAME.match(lhs):
            raise _fail(f"'{lhs}' is not a variable name; names use letters, digits, '_' or '.' and do not "
                        "start with a digit.", text, line, column, offset)
        statements.append(_statement(text, line, column, lhs=lhs))
    return statements


def _statement(text: str, line: int, column: int, lhs: str | None = None) -> Statement:
    """Parse one statement; ``lhs`` (one of several left-hand sides, already checked)
    replaces the text left of the operator."""
    match = _find_operator(text)
    if match is None:
        raise _fail("no operator found; a statement needs one of =~ ~ ~~ := == < > "
                    "(e.g. 'SAT =~ s1 + s2').", text, line, column, 0)
    op, at = match
    lhs, rhs = (text[:at].strip() if lhs is None else lhs), text[at + len(op):].strip()
    if not lhs:
        raise _fail(f"nothing on the left of '{op}'.", text, line, column, at)
    if not rhs:
        raise _fail(f"nothing on the right of '{op}'.", text, line, column, at + len(op))
    _check_arrow(op, text, line, column, at)
    if op in (":=", "==", "<", ">"):
        if op == ":=" and not _NAME.match(lhs):
            raise _fail(f"'{lhs}' cannot be the name of a defined parameter; use letters, digits, '_' or '.'.",
                        text, line, column, 0)
        return Statement(lhs=lhs, op=op, expression=rhs, line=line)
    if not _NAME.match(lhs):
        raise _fail(f"'{lhs}' is not a variable name; names use letters, digits, '_' or '.' and do not "
                    "start with a digit.", text, line, column, 0)
    offset = at + len(op) + (len(text[at + len(op):]) - len(text[at + len(op):].lstrip()))
    terms = []
    for term_text, term_offset in _split_top(rhs, "+"):
        terms.append(_term(term_text, text, line, column, offset + term_offset, op))
    if op == "~" and any(t.name == "1" for t in terms) and len(terms) > 1:
        raise _fail("write an intercept on its own line ('y ~ 1'), not mixed with predictors.",
                    text, line, column, offset)
    return Statement(lhs=lhs, op=op, terms=tuple(terms), line=line)


# Arrows that are not lavaan operators, and what was probably meant.
_ARROWS = {"=>": ("=~", "a latent variable measured by indicators", "F =~ x1 + x2 + x3"),
           "->": ("~", "a regression with the outcome on the left", "y ~ x"),
           "<-": ("~", "a regression with the outcome on the left", "y ~ x"),
           "<=": ("<", "an inequality constraint", "a < 1"),
           ">=": (">", "an inequality constraint", "a > 0")}


def _check_arrow(op: str, text: str, line: int, column: int, at: int) -> None:
    """A typed arrow such as ``=>`` is read as ``>`` after ``=``: name the operator that was meant."""
    if op not in ("<", ">"):
        return
    before, after = text[at - 1:at] if at else "", text[at + 1:at + 2]
    if before in ("=", "-"):
        arrow, start = before + op, at - 1
    elif after == "=" or (op == "<" and after == "-"):
        arrow, start = op + after, at
    else:
        return
    meant, reading, example = _ARROWS[arrow]
    raise _fail(f"'{arrow}' is not a lavaan operator; it looks like '{meant}', {reading} (e.g. '{example}').",
                text, line, column, start)


def _find_operator(text: str) -> tuple[str, int] | None:
    depth = 0
    for i, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth:
            continue
        for op in OPERATORS:
            if text.startswith(op, i):
                return op, i
    return None


def _split_top(text: str, sep: str) -> list[tuple[str, int]]:
    """Split on ``sep`` outside parentheses and quotes; return (piece, offset) pairs."""
    parts, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    return [(p.strip(), off + len(p) - len(p.lstrip())) for p, off in parts]


def _term(term: str, text: str, line: int, column: int, offset: int, op: str) -> Term:
    if not term:
        raise _fail("an empty term (two '+' in a row, or a '+' at the end?).", text, line, column, offset)
    pieces = _split_top(term, "*")
    name, name_offset = pieces[-1]
    if not (_NAME.match(name) or (name == "1" and op == "~")):
        raise _fail(f"'{name}' is not a variable name.", text, line, column, offset + name_offset)
    fixed = labels = start = None
    free = False
    for modifier, mod_offset in pieces[:-1]:
        where = offset + mod_offset
        kind, values = _modifier(modifier, text, line, column, where)
        if kind == "fixed":
            if all(v is None for v in values):
                free = True
            else:
                fixed = values
        elif kind == "label":
            labels = values
        else:
            start = values
    return Term(name=name, fixed=fixed, labels=labels, start=start, free=free)


def _modifier(modifier: str, text: str, line: int, column: int, where: int) -> tuple[str, tuple]:
    call = re.match(r"^(c|start|label|equal)\s*\((.*)\)$", modifier, flags=re.S)
    if call is None:
        return _single(modifier, text, line, column, where)
    function, inner = call.groups()
    values = [v for v, _ in _split_top(inner, ",")]
    if not values or any(not v for v in values):
        raise _fail(f"'{modifier}' has an empty value.", text, line, column, where)
    if function in ("label", "equal"):
        return "label", tuple(v.strip("\"'") for v in values)
    if function == "start":
        return "start", tuple(_number_or_na(v, text, line, column, where) for v in values)
    kinds = {_single(v, text, line, column, where)[0] for v in values}
    if len(kinds) > 1:
        raise _fail(f"'{modifier}' mixes labels and numbers; use c(...) for one kind only.",
                    text, line, column, where)
    return kinds.pop(), tuple(_single(v, text, line, column, where)[1][0] for v in values)


def _single(value: str, text: str, line: int, column: int, where: int) -> tuple[str, tuple]:
    value = value.strip()
    if value == "NA" or _NUMBER.match(value):
        return "fixed", (_number_or_na(value, text, line, column, where),)
    if value.startswith(("'", '"')) and value.endswith(("'", '"')):
        return "label", (value[1:-1],)
    if _NAME.match(value):
        return "label", (value,)
    raise _fail(f"'{value}' is neither a number, NA nor a label.", text, line, column, where)


def _number_or_na(value: str, text: str, line: int, column: int, where: int) -> float | None:
    value = value.strip()
    if value == "NA":
        return None
    if not _NUMBER.match(value):
        raise _fail(f"'{value}' is not a number.", text, line, column, where)
    number = float(value)
    if not math.isfinite(number):
        raise _fail(f"'{value}' is not a finite number.", text, line, column, where)
    return number
