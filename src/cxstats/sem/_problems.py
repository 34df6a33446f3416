"""Errors for bad models/data and warnings for problems with an estimate.

Every warning is also recorded on the result (``SEMResult.problems``) so reports show it.
"""

from __future__ import annotations

from .._errors import CxStatsError, CxStatsWarning

__all__ = [
    "ModelSpecificationError",
    "ConvergenceWarning",
    "HeywoodWarning",
    "NonPositiveDefiniteWarning",
    "IdentificationWarning",
    "BootstrapWarning",
    "DecompositionWarning",


    "ComparisonError",
    "NestingWarning",
    "ScaledDifferenceWarning",
]


class ModelSpecificationError(CxStatsError):
    """The model cannot be fitted as written (unknown variables, too few rows, bad labels)."""


class ConvergenceWarning(CxStatsWarning):
    """The optimiser stopped before reaching a minimum; estimates are not trustworthy."""


class HeywoodWarning(CxStatsWarning):
    """A variance estimate is negative (a Heywood case)."""


class NonPositiveDefiniteWarning(CxStatsWarning):
    """The covariance matrix of the latent variables is not positive definite."""


class IdentificationWarning(CxStatsWarning):
    """The information matrix is singular: some parameters are not identified."""


class BootstrapWarning(CxStatsWarning):
    """Some bootstrap draws failed to converge and were left out."""


class DecompositionWarning(CxStatsWarning):
    """A split of explained variance or of an effect cannot be read as shares of a whole."""


class ComparisonError(CxStatsError):
    """Fitted models cannot be compared by a difference test (different data, estimators,
    variables or mean structures)."""


class NestingWarning(CxStatsWarning):
    """Two compared models do not behave as nested models: equal degrees of freedom, or the
    more restricted model fits better than the less restricted one."""


class ScaledDifferenceWarning(CxStatsWarning):
    """A scaled chi-square difference cannot be trusted (a negative scaling factor or
    statistic, or a non-positive-definite information matrix of the M10 model)."""
