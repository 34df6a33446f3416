"""Partial least squares path modelling (PLS-SEM) in lavaan syntax.

``=~`` blocks are mode A (reflective; PLSc-corrected with ``consistent=True``), ``<~``
blocks mode B (formative), ``~`` the structural paths. One call gives loadings, weights,
paths, R², f², total and indirect effects and construct scores; ``bootstrap=`` adds SEs,
t, p and percentile or BCa intervals for all of them (and for HTMT), on both cores;
``assess()`` gives alpha, rho_A, rho_C, AVE, HTMT, Fornell-Larcker, cross-loadings and VIFs.
Checked against PyPI seminr 0.2.1 (tests/reference/pls_seminr.py).

After the fit: ``predict`` (PLSpredict: cross-validated RMSE, MAE and Q²predict against a
linear benchmark), ``index_scores`` (ACSI-style 0-100 construct indices by segment),
``importance_performance`` (IPMA on unstandardized total effects); two groups:
``multigroup`` (PLS-MGA: Henseler's bootstrap test and the permutation test of path
differences) and ``micom`` (measurement invariance of composites).

>>> import cxstats.pls as pls
>>> res = pls.fit("SAT =~ s1 + s2; LOY =~ l1 + l2; LOY ~ SAT", data, bootstrap=1000, seed=1)  # doctest: +SKIP
>>> res.table, res.r2, res.f2, res.effects(), res.assess()                                       # doctest: +SKIP
>>> pls.predict(res, seed=1), pls.index_scores(res, codebook=cb)                                 # doctest: +SKIP
"""

from ._api import fit
from ._assess import PLSAssessment
from ._index import IndexWeightWarning, PLSIndexResult, index_scores
from ._ipma import importance_performance
from ._mga import PLSMultigroupResult, multigroup
from ._micom import MICOMResult, micom
from ._predict import PLSPredictResult, predict
from ._problems import (
    BootstrapWarning,
    InadmissibleWarning,
    ModelSpecificationError,
    WeightsConvergenceWarning,
)
from .result import PLSResult

__all__ = [
    "fit",
    "PLSResult",
    "PLSAssessment",
    "ModelSpecificationError",
    "WeightsConvergenceWarning",
    "InadmissibleWarning",
    "BootstrapWarning",
    "predict",
    "PLSPredictResult",
    "index_scores",
    "PLSIndexResult",
    "IndexWeightWarning",
    "importance_performance",
    "multigroup",
    "PLSMultigroupResult",
    "micom",
    "MICOMResult",
]
