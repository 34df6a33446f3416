"""Covariance-based structural equation models in lavaan syntax.

>>> import cxstats.sem as sem
>>> res = sem.fit("visual =~ x1 + x2 + x3", hs)            # doctest: +SKIP
>>> res.table, res.fit_measures, res.r2, res.modindices()  # doctest: +SKIP
>>> res.explained_shares("SAT"), res.indirect_effects("EMO")  # doctest: +SKIP
>>> ladder = sem.invariance(model, data, group="country")   # doctest: +SKIP
>>> ladder.table, ladder.noninvariant_items                 # doctest: +SKIP
>>> sem.compare(free, restricted).table                     # doctest: +SKIP
"""

from ._api import fit
from ._problems import (
    BootstrapWarning,
    ComparisonError,
    ConvergenceWarning,
    HeywoodWarning,
    IdentificationWarning,
    ModelSpecificationError,
    NestingWarning,
    NonPositiveDefiniteWarning,
    DecompositionWarning,
    ScaledDifferenceWarning,
)
from .comparison import ComparisonResult, compare
from .group_tests import GroupComparison, latent_mean_differences, path_differences, score_tests, wald_test
from .invariance import InvarianceResult, invariance
from .mediation import IndirectEffects
from .shares import ExplainedShares
from .result import SEMResult
from ._ordinal_fit import PolychoricNotPositiveDefiniteWarning
from .syntax import ModelSyntaxError, parse_model
from .cross_lagged import CrossLaggedEffects, clpm_syntax, cross_lagged_effects, cross_lagged_syntax, riclpm_syntax

__all__ = [
    "fit",
    "SEMResult",
    "invariance",
    "InvarianceResult",
    "score_tests",
    "wald_test",
    "latent_mean_differences",
    "path_differences",
    "GroupComparison",
    "parse_model",
    "ModelSyntaxError",
    "ModelSpecificationError",
    "ConvergenceWarning",
    "HeywoodWarning",
    "NonPositiveDefiniteWarning",
    "IdentificationWarning",
    "BootstrapWarning",
    "ExplainedShares",
    "IndirectEffects",
    "DecompositionWarning",
    "compare",
    "ComparisonResult",
    "ComparisonError",
    "NestingWarning",
    "ScaledDifferenceWarning",
    "clpm_syntax",
    "riclpm_syntax",
    "cross_lagged_syntax",
    "cross_lagged_effects",
    "CrossLaggedEffects",
    "PolychoricNotPositiveDefiniteWarning",
]
