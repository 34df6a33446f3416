"""Assessment of a PLS measurement and structural model (Hair et al., 2022, chapters 4-6).

Reliability: Cronbach's alpha on the indicators' covariances (``alpha``, as
:func:`cxstats.reliability` gives it for the raw answers) and on their correlations
(``alpha_std``, standardized alpha: what seminr and SmartPLS report as "alpha"), rho_A
(Dijkstra & Henseler, 2015), rho_C and AVE from the loadings (PLSc loadings
with ``consistent=True``). Validity: HTMT (with bootstrap intervals when the fit was
bootstrapped), Fornell-Larcker, cross-loadings. Collinearity: indicator VIF within each
block (for formative blocks) and inner VIF of each outcome's predictors.

For a single-indicator construct both alphas, rho_A, rho_C and AVE are 1 (as seminr); for a mode B
(formative) block they are not defined and reported as NaN: judge it by its weights and
indicator VIFs. Validated against PyPI seminr 0.2.1 (tests/pls/test_pls_reference.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._results import Exportable
from ..reliability import _alpha, _composite_reliability

__all__ = ["PLSAssessment", "assess"]


@dataclass(frozen=True)
class PLSAssessment(Exportable):
    """Reliability and validity of a PLS model.

    Attributes
    ----------
    table : one row per construct: ``construct, mode, n_indicators, alpha, alpha_std, rho_a, rho_c, ave``
        (``alpha``: Cronbach's alpha of the raw answers; ``alpha_std``: standardized alpha).
    htmt : constructs x constructs heterotrait-monotrait ratios (symmetric, 1 on the diagonal).
    htmt_ci : one row per pair: ``construct_a, construct_b, htmt, ci_low, ci_high`` (bootstrap
        intervals; NaN without a bootstrap). An upper bound below 0.85 (or 0.90 for
        conceptually close constructs) supports discriminant validity (Franke & Sarstedt, 2019).
    fornell_larcker : construct correlations with sqrt(AVE) on the diagonal; discriminant
        validity when each diagonal value exceeds the correlations in its row.
    cross_loadings : indicators x constructs correlations of each indicator with each score.
    indicator_vif : ``construct, indicator, vif`` (VIF of an indicator on the others of its block).
    inner_vif : ``outcome, predictor, vif`` (VIF of each predictor among an outcome's predictors).
    """

    _TABLES = {
        "table": ("Reliability", "One row per concept: Cronbach's α, standardized α, ρA, ρC and AVE."),
        "htmt": ("HTMT", "Heterotrait-monotrait ratios between concepts; below 0.85 supports discriminant "
                 "validity."),
        "htmt_ci": ("HTMT intervals", "HTMT for each pair with its bootstrap interval (empty without one)."),
        "fornell_larcker": ("Fornell-Larcker", "√AVE on the diagonal, construct correlations elsewhere."),
        "cross_loadings": ("Cross-loadings", "Correlation of each question with each construct score."),
        "indicator_vif": ("Indicator VIF", "Collinearity of each question with the others of its block."),
        "inner_vif": ("Inner VIF", "Collinearity of each predictor among an outcome's predictors."),
    }

    table: pd.DataFrame
    htmt: pd.DataFrame
    htmt_ci: pd.DataFrame
    fornell_larcker: pd.DataFrame
    cross_loadings: pd.DataFrame
    indicator_vif: pd.DataFrame
    inner_vif: pd.DataFrame

    def summary(self) -> str:
        fmt = lambda v: f"{v:.3f}"
        return "\n".join([
            "Reliability", self.table.to_string(index=False, float_format=fmt, na_rep=""),
            "", "HTMT", self.htmt_ci.to_string(index=False, float_format=fmt, na_rep=""),
            "", "Fornell-Larcker (sqrt(AVE) on the diagonal)", self.fornell_larcker.to_string(float_format=fmt),
            "", "Inner VIF", self.inner_vif.to_string(index=False, float_format=fmt),
        ])

    def _repr_html_(self) -> str:
        return (f"<p><b>Reliability</b></p>{self.table.round(3).to_html(index=False, na_rep='')}"
                f"<p><b>HTMT</b></p>{self.htmt_ci.round(3).to_html(index=False, na_rep='')}"
                f"<p><b>Fornell-Larcker</b> (sqrt(AVE) on the diagonal)</p>{self.fornell_larcker.round(3).to_html()}"
                f"<p><b>Inner VIF</b></p>{self.inner_vif.round(3).to_html(index=False)}"
                f"<details><summary>Indicator VIF</summary>{self.indicator_vif.round(3).to_html(index=False)}</details>")


def assess(result) -> PLSAssessment:
    spec = result.spec
    constructs, indicators = list(spec.constructs), list(spec.indicators)
    r = result._correlations
    sd = result.indicator_sds.to_numpy()
    rho_a = result._inner.rho_a[0]
    loadings = result.table[result.table["op"] == "=~"]
    rows, item_vif = [], []
    for j, (construct, block, mode) in enumerate(zip(constructs, spec.blocks, spec.modes, strict=True)):
        items = [indicators.index(i) for i in block]
        sub = r[np.ix_(items, items)]
        lam = loadings.loc[loadings["lhs"] == construct, "estimate"].to_numpy()
        if mode == "B":
            alpha = alpha_std = rho = rho_c = ave = np.nan
        elif len(block) == 1:
            alpha = alpha_std = rho = rho_c = ave = 1.0
        else:
            alpha_std, rho = _alpha(sub), rho_a[j]
            alpha = _alpha(sub * np.outer(sd[items], sd[items]))  # on the covariances of the answers
            rho_c, ave = _composite_reliability(lam), float(np.mean(lam**2))
        rows.append({"construct": construct, "mode": mode, "n_indicators": len(block), "alpha": alpha,
                     "alpha_std": alpha_std,
                     "rho_a": rho, "rho_c": rho_c, "ave": ave})
        vif = np.diag(np.linalg.inv(sub)) if len(block) > 1 else np.ones(1)
        item_vif += [{"construct": construct, "indicator": i, "vif": v} for i, v in zip(block, vif, strict=True)]
    table = pd.DataFrame(rows)

    htmt = pd.DataFrame(np.eye(len(constructs)), index=constructs, columns=constructs)
    stats = result._stats(("htmt",))
    for a, b, value in zip(stats["lhs"], stats["rhs"], stats["estimate"], strict=True):
        htmt.loc[a, b] = htmt.loc[b, a] = value
    htmt_ci = stats.rename(columns={"lhs": "construct_a", "rhs": "construct_b", "estimate": "htmt"})
    if "ci_low" not in htmt_ci:
        htmt_ci = htmt_ci.assign(ci_low=np.nan, ci_high=np.nan)
    htmt_ci = htmt_ci[["construct_a", "construct_b", "htmt", "ci_low", "ci_high"]].reset_index(drop=True)

    cors = result.construct_correlations
    fornell = cors.copy()
    for construct, ave in zip(table["construct"], table["ave"], strict=True):
        fornell.loc[construct, construct] = np.sqrt(ave)
    cross = pd.DataFrame(r @ result._weights, index=indicators, columns=constructs)

    inner_vif = []
    for outcome in spec.endogenous:
        predictors = list(spec.predictors(outcome))
        if len(predictors) < 2:
            continue
        vif = np.diag(np.linalg.inv(cors.loc[predictors, predictors].to_numpy()))
        inner_vif += [{"outcome": outcome, "predictor": p, "vif": v} for p, v in zip(predictors, vif, strict=True)]
    return PLSAssessment(table=table, htmt=htmt, htmt_ci=htmt_ci, fornell_larcker=fornell, cross_loadings=cross,
                         indicator_vif=pd.DataFrame(item_vif, columns=["construct", "indicator", "vif"]),
                         inner_vif=pd.DataFrame(inner_vif, columns=["outcome", "predictor", "vif"]))
