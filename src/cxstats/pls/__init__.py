"""Partial least squares path modelling (PLS-SEM) in lavaan syntax.

``=~`` blocks are mode A (reflective; PLSc-corrected with ``consistent=True``), ``<~``
blocks mode B (formative), ``~`` the structural paths. One call gives loadings, weights,
paths, R², f², total and indirect effects and construct scores; ``bootstrap=`` adds SEs,
t, p and percentile or BCa intervals for all of them (and for HTMT), on both cores;
``assess()`` gives alpha, rho_A, rho_C, AVE, HTMT, Fornell-Larcker, cross-loadings and VIFs.
Checked against PyPI seminr 0.2.1 (tests/reference/pls_seminr.py).

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
