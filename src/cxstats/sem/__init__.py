"""Covariance-based structural equation models in lavaan syntax.

>>> import cxstats.sem as sem
>>> res = sem.fit("visual =~ x1 + x2 + x3", hs)            # doctest: +SKIP
>>> res.table, res.fit_measures, res.r2, res.modindices()  # doctest: +SKIP
>>> ladder = sem.invariance(model, data, group="country")   # doctest: +SKIP
>>> ladder.table, ladder.noninvariant_items                 # doctest: +SKIP
"""

from ._api import fit
from ._problems import (
    BootstrapWarning,
    ConvergenceWarning,
    HeywoodWarning,
    IdentificationWarning,
    ModelSpecificationError,
    NonPositiveDefiniteWarning,
)
from .group_tests import GroupComparison, latent_mean_differences, path_differences, score_tests, wald_test
from .invariance import InvarianceResult, invariance
from .result import SEMResult
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
    "clpm_syntax",
    "riclpm_syntax",
    "cross_lagged_syntax",
    "cross_lagged_effects",
    "CrossLaggedEffects",
]
