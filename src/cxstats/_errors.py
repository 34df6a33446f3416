"""The exception and warning classes every cxstats module raises.

Input problems raise a :class:`CxStatsError` subclass (which is also a ``ValueError``)
with a message that names the column, rows and values and says what to do. Problems with
an estimate are warnings of a :class:`CxStatsWarning` subclass and are also recorded on
the result object so that reports can show them.
"""

from __future__ import annotations

import re

__all__ = [
    "CxStatsError",
    "CodebookError",
    "DataValidationError",
    "CxStatsWarning",
]


# terminal escape sequences: CSI (colours, "\x1b[0;31m") and the two-byte ones
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")


def plain_text(text: str) -> str:
    """``text`` without terminal escape sequences (colours from kernels, terminals, column names)."""
    return _ESCAPES.sub("", text)


class CxStatsError(ValueError):
    """Base class of the errors cxstats raises for bad input.

    Terminal escape sequences (colours) in the message, e.g. from a column name or a
    wrapped library message, are removed: error text stays plain in logs and reports.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(plain_text(a) if isinstance(a, str) else a for a in args))


class CodebookError(CxStatsError):
    """A codebook is malformed: a missing field, an unknown role, a bad scale."""


class DataValidationError(CxStatsError):
    """Data do not agree with their codebook (columns, scale, ids, constant items)."""


class CxStatsWarning(UserWarning):
    """Base class of the warnings cxstats issues about an estimate or a data set."""
