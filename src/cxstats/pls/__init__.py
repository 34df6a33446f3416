"""Partial least squares path modelling (PLS-SEM) in lavaan syntax.

>>> import cxstats.pls as pls
>>> res = pls.fit("SAT =~ s1 + s2; LOY =~ l1 + l2; LOY ~ SAT", data, bootstrap=1000, seed=1)  # doctest: +SKIP
>>> res.table, res.r2, res.f2, res.effects(), res.assess()                                       # doctest: +SKIP
"""

from ._api import fit
from ._assess import PLSAssessment
from ._problems import BootstrapWarning, InadmissibleWarning, ModelSpecificationError, WeightsConvergenceWarning
from .result import PLSResult

__all__ = [
    "fit",
    "PLSResult",
    "PLSAssessment",
    "ModelSpecificationError",
    "WeightsConvergenceWarning",
    "InadmissibleWarning",
    "BootstrapWarning",
]
