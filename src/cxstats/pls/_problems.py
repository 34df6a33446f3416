"""Warnings about a PLS estimate; each is also recorded on the result (``PLSResult.problems``).

Bad models and data raise :class:`cxstats.sem.ModelSpecificationError`, the same error the
SEM engine raises for a model that cannot be fitted as written.
"""

from __future__ import annotations

from .._errors import CxStatsWarning
from ..sem._problems import BootstrapWarning, ModelSpecificationError

__all__ = ["WeightsConvergenceWarning", "InadmissibleWarning", "BootstrapWarning", "ModelSpecificationError"]


class WeightsConvergenceWarning(CxStatsWarning):
    """The outer weights did not settle within ``max_iter`` iterations; the estimates are
    those of the last iteration and are not trustworthy."""


class InadmissibleWarning(CxStatsWarning):
    """PLSc gave an inadmissible solution: a construct correlation or loading beyond 1 in
    absolute value, an R² above 1, or a rho_A outside (0, 1]. The correction is then not
    trustworthy (Dijkstra & Henseler, 2015): the blocks are too unreliable for it."""
