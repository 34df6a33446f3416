"""Full-information maximum likelihood with missing data (lavaan's ``missing = "ml"``).

Rows are grouped by missing-data pattern once; every computation then loops over the
patterns, not the rows, using each pattern's observed-variable sub-blocks of Sigma and mu
and its sufficient statistics (the pattern's mean ``ybar_p`` and cross-product matrix
``S_p``, divisor n_p, of its observed variables). With ``P = Sigma_oo^-1``,
``d = ybar_p - mu_o`` and ``T = S_p + d d'`` the log-likelihood is

    log L = sum_p -n_p / 2 [p_o log(2 pi) + log|Sigma_oo| + tr(P T)]

and its gradient is ``sum_p -n_p/2 tr[(P - P T P) dSigma_oo] + n_p d' P dmu_o``.

lavaan 0.6.14 defaults for ``missing = "ml"``: a mean structure, rows missing on every
variable dropped, ``information = "observed"`` with ``observed.information = "hessian"``
(standard errors from the inverted observed information, not the expected one),
``h1.information = "structured"``; the saturated (h1) moments by EM with
``em.h1.tol = 1e-5`` and ``em.h1.iter.max = 500``. With ``estimator = "MLR"`` the SEs are
the sandwich with first-order information from the casewise scores below and the test is
``"yuan.bentler.mplus"`` with the h1 information observed at the EM moments. The robust
CFI/TLI/RMSEA under missing data are lavaan's FIML-corrected versions (Zhang & Savalei),
``lav_fit_fiml_corrected()``: version V3 with a scaled test, V6 without. With fixed.x
covariates lavaan reports the log-likelihoods of the outcomes given the covariates (and
drops rows with a missing covariate before fitting, which the caller must do).

The layer is split by responsibility: :mod:`._missing_patterns` (patterns, EM saturated
moments), :mod:`._fiml_likelihood` (the case-wise likelihood, its gradient and scores),
:mod:`._fiml_information` (information matrices), :mod:`._fiml_estimate` (the optimiser);
this module gives SEs, tests and fit measures at the estimates (:func:`fiml`) and the
FIML-corrected robust measures, and re-exports the layer's public names. Models are one
RamModel-like object per group, all indexing one global theta (see :mod:`._robust`).

Validated against lavaan 0.6.14 (tests/reference/lavaan_fiml.json and
lavaan_fiml_extra.json: one and two groups, ML and MLR, ``==`` constraints, fixed.x).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import fit_indices as fi
from ._fiml_estimate import FimlEstimate, fiml_estimate
from ._fiml_information import (
    _complete_information,
    _delta,
    _saturated_observed,
    fiml_information,
    saturated_information,
)
from ._fiml_likelihood import _marginal_loglik, fiml_gradient, fiml_loglik, fiml_objective, fiml_scores
from ._missing_patterns import (
    MissingPatterns,
    SaturatedMoments,
    em_saturated,
    independence_estimates,
    missing_patterns,
)
from ._robust import (
    IndependenceModel,
    ScaledTest,
    _as_list,
    _constrained_inverse,
    exogenous_indices,
    first_order_information,
    moment_count,
    robust_fit_measures,
    sandwich,
    yuan_bentler_mplus,
)

__all__ = [
    "FimlEstimate",
    "FimlFit",
    "MissingPatterns",
    "SaturatedMoments",
    "em_saturated",
    "fiml",
    "fiml_corrected",
    "fiml_estimate",
    "fiml_gradient",
    "fiml_information",
    "fiml_loglik",
    "fiml_objective",
    "fiml_scores",
    "independence_estimates",
    "missing_patterns",
    "saturated_information",
]


# --------------------------------------------------------------------------- baseline
def _baseline_models(models, patterns, saturated: Sequence[SaturatedMoments]):
    blocks, offset = [], 0
    for model, pat, h1 in zip(models, patterns, saturated, strict=True):
        x = exogenous_indices(model)
        b = IndependenceModel(model.p, True, exogenous=x, x_cov=h1.cov[np.ix_(x, x)], x_mean=h1.mean[x],
                              offset=offset)
        var, mu = independence_estimates(pat)
        blocks.append((b, b.estimates(var, mu)))
        offset += b.n_own
    for b, _ in blocks:
        b.n_par = offset
    return [b for b, _ in blocks], np.concatenate([t for _, t in blocks])


# --------------------------------------------------------------------------- FIML-corrected
def _ml_chisq(sigma: np.ndarray, mu: np.ndarray, cov: np.ndarray, mean: np.ndarray, n: float) -> float:
    """N F_ML of a complete-data fit to (cov, mean): N [log|Sigma| + tr(S Sigma^-1) - log|S| - p + ...]."""
    inv = np.linalg.inv(sigma)
    diff = mean - mu
    f = (np.linalg.slogdet(sigma)[1] + np.sum(inv * cov) - np.linalg.slogdet(cov)[1] - len(mu)
         + diff @ inv @ diff)
    return float(n * f)


def fiml_corrected(models, theta: np.ndarray, patterns, saturated: Sequence[SaturatedMoments], df: float, *,
                   baseline: tuple | None = None, baseline_df: float | None = None,
                   constraint_basis: np.ndarray | None = None, version: str = "V3") -> dict[str, float]:
    """Inputs of lavaan's robust CFI/TLI/RMSEA under missing data (FIML-corrected, Zhang &
    Savalei): ``XX3, df3, c_hat3, XX3_scaled, XX3_null, df3_null, c_hat3_null``.

    Parameters
    ----------
    models, theta, patterns : the FIML fit (one model and pattern set per group).
    saturated : the EM moments per group.
    df : the model's degrees of freedom.
    baseline : (baseline models, baseline theta) of the independence model fitted by FIML.
    baseline_df : its degrees of freedom.
    constraint_basis : K of linear equality constraints of the model.
    version : ``"V3"`` (with a scaled test, MLR) or ``"V6"`` (ML), as lavaan chooses.

    Notes
    -----
    XX3 is the complete-data ML chi-square of the model at the FIML estimates against the
    EM moments. With Wm, Jm the observed and first-order h1 information with missing data,
    Wc the complete-data h1 information (all at the EM moments, weighted by N_g / N),
    Delta = d(mu, vech Sigma)/dtheta', E = Delta' Wm Delta and
    U = Wm - Wm Delta E^-1 Delta' Wm: V3 takes k = tr(U Wm^-1 Wc Wm^-1 U Gamma) with
    Gamma = Wm^-1 Jm Wm^-1; V6 takes k = tr(Wc Wm^-1 U Wm^-1); c_hat3 = k / df. The same
    with the independence model gives the null quantities. lavaan 0.6.14
    ``lav_fit_fiml_corrected()`` (R/lav_fit_utils.R).
    """
    models, patterns = _as_list(models), _as_list(patterns)
    ntotal = sum(p.nobs for p in patterns)
    wm, wc, wmi, gam, xx3 = [], [], [], [], 0.0
    for model, pat, h1 in zip(models, patterns, saturated, strict=True):
        x = exogenous_indices(model)
        fg = pat.nobs / ntotal
        if version.upper() == "V3":  # only V3 uses the first-order information (casewise scores)
            a1, b1 = saturated_information(pat, h1.mean, h1.cov, exogenous=x)
        else:
            a1, b1 = _saturated_observed(pat, h1.mean, h1.cov, x)[0] / pat.nobs, None
        a1_inv = np.linalg.inv(a1)
        wm.append(fg * a1)
        wmi.append(a1_inv / fg)
        wc.append(fg * _complete_information(h1.mean, h1.cov, x))
        gam.append(None if b1 is None else a1_inv @ b1 @ a1_inv / fg)
        imp = model.implied(theta)
        xx3 += _ml_chisq(imp.sigma, imp.mu, h1.cov, h1.mean, pat.nobs)
    wm_all, wc_all, wmi_all = (_block_diag(m) for m in (wm, wc, wmi))
    gam_all = None if gam[0] is None else _block_diag(gam)

    def k_value(ms, th, k_basis):
        delta = np.vstack([_delta(*m.jacobian(m.implied(th)), exogenous_indices(m)) for m in ms])
        e_inv = _constrained_inverse(delta.T @ wm_all @ delta, k_basis)
        u = wm_all - wm_all @ delta @ e_inv @ delta.T @ wm_all
        if version.upper() == "V3":
            return float(np.trace(u @ wmi_all @ wc_all @ wmi_all @ u @ gam_all))
        return float(np.trace(wc_all @ wmi_all @ u @ wmi_all))

    c3 = k_value(models, theta, constraint_basis) / df if df > 0 else math.nan
    out = {"XX3": xx3, "df3": df, "c_hat3": c3, "XX3_scaled": xx3 / c3,
           "XX3_null": math.nan, "df3_null": math.nan, "c_hat3_null": math.nan}
    if baseline is not None:
        b_models, b_theta = baseline
        xx3_null = sum(_ml_chisq(m.implied(b_theta).sigma, m.implied(b_theta).mu, h1.cov, h1.mean, pat.nobs)
                       for m, pat, h1 in zip(b_models, patterns, saturated, strict=True))
        out.update({"XX3_null": xx3_null, "df3_null": baseline_df,
                    "c_hat3_null": k_value(b_models, b_theta, None) / baseline_df})
    return out


def _block_diag(blocks: Sequence[np.ndarray]) -> np.ndarray:
    size = sum(b.shape[0] for b in blocks)
    out, at = np.zeros((size, size)), 0
    for b in blocks:
        out[at:at + b.shape[0], at:at + b.shape[0]] = b
        at += b.shape[0]
    return out


# --------------------------------------------------------------------------- the whole fit
@dataclass(frozen=True)
class FimlFit:
    """Inference and fit of a FIML estimate (ML or MLR)."""

    vcov: np.ndarray
    information: np.ndarray  # observed information per observation (A)
    first_order: np.ndarray | None  # B (MLR only)
    test: ScaledTest
    baseline: ScaledTest
    saturated: tuple[SaturatedMoments, ...]
    fit_measures: dict[str, float]
    logl: float
    unrestricted_logl: float
    n_empty: int


def fiml(models, theta: np.ndarray, patterns, *, estimator: str = "ML", constraint_basis: np.ndarray | None = None,
         saturated: Sequence[SaturatedMoments] | None = None, ci_level: float = 0.90) -> FimlFit:
    """Standard errors, tests and fit measures of a FIML fit at its estimates.

    Parameters
    ----------
    models : a RamModel with a mean structure, or one per group (sharing ``theta``).
    theta : the FIML estimates (e.g. from :func:`fiml_estimate`).
    patterns : :func:`missing_patterns` of each group's data (model's variable order).
    estimator : ``"ML"`` (SEs from the observed information, standard test) or ``"MLR"``
        (sandwich SEs, Yuan-Bentler Mplus-variant scaled test).
    constraint_basis : K of linear equality constraints.
    saturated : the EM moments per group (computed when not given).

    Returns
    -------
    FimlFit
        ``fit_measures`` holds lavaan's names: chisq, df, pvalue, baseline.*, cfi, tli, ...,
        cfi.robust, tli.robust, rmsea.robust (+ CI, p-values) from the FIML-corrected
        statistics, and with MLR the ``.scaled`` measures; npar, logl, unrestricted.logl,
        aic, bic, bic2, ntotal and srmr (against the EM moments, with means).
    """
    models, patterns = _as_list(models), _as_list(patterns)
    theta = np.asarray(theta, dtype=float)
    robust = estimator.upper() == "MLR"
    if saturated is None:
        saturated = [em_saturated(p) for p in patterns]
    saturated = tuple(saturated)
    nobs = sum(p.nobs for p in patterns)
    information = fiml_information(models, theta, patterns)
    npar = len(theta) if constraint_basis is None else constraint_basis.shape[1]
    ndat = sum(moment_count(m.p, True, len(exogenous_indices(m))) for m in models)
    imps = [m.implied(theta) for m in models]
    logl = sum(fiml_loglik(imp.sigma, imp.mu, p) for imp, p in zip(imps, patterns, strict=True))
    logl_h1 = sum(s.logl for s in saturated)
    # fixed.x: lavaan reports the log-likelihoods of the outcomes given the covariates
    logl_x = sum(_marginal_loglik(p, exogenous_indices(m), s.mean, s.cov)
                 for m, p, s in zip(models, patterns, saturated, strict=True))
    chisq = max(2.0 * (logl_h1 - logl), 0.0)
    b_models, b_theta = _baseline_models(models, patterns, saturated)
    b_info = fiml_information(b_models, b_theta, patterns)
    b_logl = sum(fiml_loglik(m.implied(b_theta).sigma, m.implied(b_theta).mu, p)
                 for m, p in zip(b_models, patterns, strict=True))
    b_chisq, b_df = max(2.0 * (logl_h1 - b_logl), 0.0), ndat - len(b_theta)
    if robust:
        first_order = first_order_information(fiml_scores(models, theta, patterns), nobs)
        vcov = sandwich(information, first_order, nobs, constraint_basis)
        h1 = [saturated_information(p, s.mean, s.cov, exogenous=exogenous_indices(m))
              for m, p, s in zip(models, patterns, saturated, strict=True)]
        test = yuan_bentler_mplus(chisq, ndat - npar, information, first_order, h1, constraint_basis=constraint_basis)
        b_first = first_order_information(fiml_scores(b_models, b_theta, patterns), nobs)
        baseline = yuan_bentler_mplus(b_chisq, b_df, b_info, b_first, h1)
    else:
        first_order = None
        vcov = _constrained_inverse(information, constraint_basis) / nobs
        test, baseline = _unscaled(chisq, ndat - npar, npar), _unscaled(b_chisq, b_df, len(b_theta))
    corrected = fiml_corrected(models, theta, patterns, saturated, ndat - npar, baseline=(b_models, b_theta),
                               baseline_df=b_df, constraint_basis=constraint_basis,
                               version="V3" if robust else "V6")
    out = robust_fit_measures(test, baseline, nobs, ngroups=len(models), robust=corrected, ci_level=ci_level)
    if not robust:
        out = {k: v for k, v in out.items() if ".scaled" not in k and k not in
               ("chisq.scaling.factor", "baseline.chisq.scaling.factor", "scaling.factor.h1", "scaling.factor.h0")}
    logl, logl_h1 = logl - logl_x, logl_h1 - logl_x
    out.update({"npar": float(npar), "logl": logl, "unrestricted.logl": logl_h1, "ntotal": float(nobs)})
    out.update(fi.information_criteria(logl, npar, nobs))
    out["srmr"] = sum(p.nobs / nobs * fi.srmr(s.cov, imp.sigma, s.mean, imp.mu)
                      for imp, p, s in zip(imps, patterns, saturated, strict=True))
    return FimlFit(vcov, information, first_order, test, baseline, saturated, out, logl, logl_h1,
                   sum(p.n_empty for p in patterns))


def _unscaled(chisq: float, df: float, npar: int) -> ScaledTest:
    pvalue = fi.chisq_pvalue(chisq, df) if df > 0 else math.nan
    return ScaledTest(chisq, df, pvalue, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0, npar)
