"""The exception and warning classes every cxstats module raises.

Input problems raise a :class:`CxStatsError` subclass (which is also a ``ValueError``)
with a message that names the column, rows and values and says what to do. Problems with
an estimate are warnings of a :class:`CxStatsWarning` subclass and are also recorded on
the result object so that reports can show them.
"""

from __future__ import annotations

__all__ = [
    "CxStatsError",
    "CodebookError",
    "DataValidationError",
    "CxStatsWarning",
]


class CxStatsError(ValueError):
    """Base class of the errors cxstats raises for bad input."""


class CodebookError(CxStatsError):
    """A codebook is malformed: a missing field, an unknown role, a bad scale."""


class DataValidationError(CxStatsError):
    """Data do not agree with their codebook (columns, scale, ids, constant items)."""


class CxStatsWarning(UserWarning):
    """Base class of the warnings cxstats issues about an estimate or a data set."""
