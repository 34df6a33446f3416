"""Errors for bad models/data and warnings for problems with an estimate.

Every warning is also recorded on the result (``SEMResult.problems``) so reports show it.
"""

from __future__ import annotations

from .._errors import CxStatsError, CxStatsWarning
from .._validation import warn

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


def estimate_problems(optimiser: str, *, converged: bool, iterations: int, gradient_max: float,
                      identified: bool) -> list[str]:
    """The checks every estimator makes of its estimate, each problem warned (a named warning)
    and returned for the result's ``problems``: no convergence, a singular information matrix."""
    problems = []
    if not converged:
        problems.append(warn(f"The {optimiser} optimiser did not converge after {iterations} iterations (largest "
                             f"gradient {gradient_max:.2g}); estimates are not trustworthy. Check the model, the "
                             "starting values or the data.", ConvergenceWarning))
    if not identified:
        problems.append(warn("The information matrix is singular: at least one parameter is not identified. Fix a "
                             "loading or variance per factor, or remove redundant paths.", IdentificationWarning))
    return problems
