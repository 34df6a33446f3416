"""Covariance-based structural equation models in lavaan syntax.

>>> import cxstats.sem as sem
>>> res = sem.fit("visual =~ x1 + x2 + x3", hs)            # doctest: +SKIP
>>> res.table, res.fit_measures, res.r2, res.modindices()  # doctest: +SKIP
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
from .result import SEMResult
from .syntax import ModelSyntaxError, parse_model

__all__ = [
    "fit",
    "SEMResult",
    "parse_model",
    "ModelSyntaxError",
    "ModelSpecificationError",
    "ConvergenceWarning",
    "HeywoodWarning",
    "NonPositiveDefiniteWarning",
    "IdentificationWarning",
    "BootstrapWarning",
]
