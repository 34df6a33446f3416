"""Robust maximum likelihood: lavaan's ``estimator = "MLR"`` as pure functions.

MLR keeps the ML estimates and replaces two things (lavaan 0.6.14 defaults for
``estimator = "MLR"``: ``information = "observed"``, ``observed.information = "hessian"``,
``h1.information = "structured"``, ``information.meat = "first.order"``,
``se = "robust.huber.white"``, ``test = "yuan.bentler.mplus"``):

* the covariance of the estimates is the Huber-White sandwich
  ``A^-1 B A^-1 / N``, with ``A`` the observed information (minus the Hessian of the
  log-likelihood, per observation) and ``B`` the first-order information (the mean outer
  product of the casewise scores at the estimates); under linear equality constraints
  ``theta = theta0 + K phi`` it is ``K (K'AK)^-1 K'BK (K'AK)^-1 K' / N``;
* the chi-square is divided by the Yuan-Bentler scaling factor in its Mplus form,
  ``c = [sum_g tr(B1_g A1_g^-1) - tr(B0 E^-1)] / df``: ``A1``, ``B1`` are the observed and
  first-order information of the saturated (h1) model at the sample moments (or the EM
  moments with missing data), ``B0`` and ``E`` those of the model (h0).

The functions take models that look like :class:`~cxstats.sem.matrices.RamModel`
(``n_par``, ``p``, ``meanstructure``, ``implied(theta)`` with ``.sigma``/``.mu`` and
``jacobian(implied)``), one per group, all indexing one global ``theta``, and plain
arrays. :func:`mlr` runs from each group's sufficient statistics (n, means, covariance and
lavaan's Gamma, :mod:`._robust_moments`): the observed information in closed form and the
first-order information as ``n L Gamma L' + g g'/n``, equal to the casewise scores' outer
products, so MLR needs no rows once Gamma is known (computed once per group from the rows,
or by ``cxstats.moments(..., fourth=True)`` where the data live). Casewise scores of
complete data are here too; :mod:`._fiml` supplies those of incomplete data and reuses the
sandwich, the scaled test and the fit measures.

Validated against lavaan 0.6.14 (tests/reference/lavaan_mlr.json and
lavaan_mlr_extra.json: HS CFA, PolDem SEM, an ``==`` constraint, fixed.x covariates, two
groups with and without equal loadings, lavTestLRT's scaled difference).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from . import fit_indices as fi
from ._robust_moments import RobustSample, group_information, robust_sample, score_map

__all__ = [
    "IndependenceModel",
    "RobustML",
    "ScaledTest",
    "casewise_scores",
    "exogenous_indices",
    "first_order_information",
    "loglik_gradient",
    "mlr",
    "moment_count",
    "observed_information",
    "robust_fit_measures",
    "sandwich",
    "saturated_basis",
    "saturated_information",
    "scaled_difference",
    "yuan_bentler_mplus",
]

_LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- moments
def exogenous_indices(model) -> np.ndarray:
    """Positions of the fixed.x covariates among the observed variables (empty if none)."""
    spec = getattr(model, "spec", None)
    if spec is None:
        return np.asarray(getattr(model, "exogenous", ()), dtype=int)
    return np.array([i for i, n in enumerate(spec.observed) if n in spec.exogenous_x], dtype=int)


def _implied(model, theta: np.ndarray, sample_mean: np.ndarray | None):
    """(Sigma, mu, dSigma (q,p,p), dmu (q,p)); without a mean structure mu is the sample mean."""
    imp = model.implied(theta)
    d_sigma, d_mu = model.jacobian(imp)
    if model.meanstructure:
        return imp.sigma, imp.mu, d_sigma, d_mu
    if sample_mean is None:
        raise ValueError("A model without a mean structure needs the sample means (pass the data).")
    return imp.sigma, np.asarray(sample_mean, dtype=float), d_sigma, np.zeros_like(d_mu)


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _complete(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or np.isnan(values).any():
        raise ValueError("The data must be a complete n x p array; use cxstats.sem._fiml for missing values.")
    return values


def _scores_from_moments(sigma: np.ndarray, mu: np.ndarray, d_sigma: np.ndarray, d_mu: np.ndarray,
                         values: np.ndarray) -> np.ndarray:
    """Casewise scores of the normal log-likelihood: (n, q).

    s_ik = 1/2 vec(Sigma^-1 d_i d_i' Sigma^-1 - Sigma^-1)' vec(dSigma_k) + d_i' Sigma^-1 dmu_k
    with d_i = y_i - mu.
    """
    inv = np.linalg.inv(sigma)
    z = (values - mu) @ inv  # n x p
    q, p = d_sigma.shape[0], sigma.shape[0]
    flat = d_sigma.reshape(q, p * p)
    quad = np.einsum("ia,ib->iab", z, z).reshape(len(z), p * p) @ flat.T
    return 0.5 * (quad - flat @ inv.ravel()) + z @ d_mu.T


def casewise_scores(models, theta: np.ndarray, data) -> np.ndarray:
    """Casewise scores of the ML log-likelihood with respect to ``theta``.

    Parameters
    ----------
    models : a RamModel, or one per group (each indexing the global ``theta``).
    theta : the parameter vector (length ``n_par``).
    data : complete n x p array (model's observed-variable order), or one per group.

    Returns
    -------
    numpy.ndarray
        (sum of n_g) x n_par: row i is d log L_i / d theta, groups stacked in order. A model
        without a mean structure uses each group's sample means (lavaan's convention).
    """
    out = []
    for model, values in zip(_as_list(models), _as_list(data), strict=True):
        values = _complete(values)
        sigma, mu, d_sigma, d_mu = _implied(model, theta, values.mean(axis=0))
        out.append(_scores_from_moments(sigma, mu, d_sigma, d_mu, values))
    return np.vstack(out)


def _loglik_from_moments(sigma: np.ndarray, mu: np.ndarray, cov: np.ndarray, mean: np.ndarray, n: float) -> float:
    chol = np.linalg.cholesky(sigma)
    logdet = 2.0 * np.sum(np.log(np.diag(chol)))
    inv = np.linalg.inv(sigma)
    diff = mean - mu
    return float(-0.5 * n * (len(mu) * _LOG_2PI + logdet + np.sum(inv * cov) + diff @ inv @ diff))


def _gradient_from_moments(sigma, mu, d_sigma, d_mu, cov, mean, n) -> np.ndarray:
    """d log L / d theta from the sufficient statistics (cov with divisor n, mean)."""
    inv = np.linalg.inv(sigma)
    diff = mean - mu
    t = cov + np.outer(diff, diff)
    w = inv - inv @ t @ inv
    q = d_sigma.shape[0]
    return n * (-0.5 * d_sigma.reshape(q, -1) @ w.ravel() + d_mu @ (inv @ diff))


def loglik_gradient(models, theta: np.ndarray, data) -> np.ndarray:
    """Gradient of the total ML log-likelihood of complete data (all groups), length n_par."""
    grad = np.zeros(len(theta))
    for model, values in zip(_as_list(models), _as_list(data), strict=True):
        values = _complete(values)
        mean = values.mean(axis=0)
        cov = (values - mean).T @ (values - mean) / len(values)
        sigma, mu, d_sigma, d_mu = _implied(model, theta, mean)
        grad += _gradient_from_moments(sigma, mu, d_sigma, d_mu, cov, mean, len(values))
    return grad


# --------------------------------------------------------------------------- information
def observed_information(gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, nobs: float,
                         step: float = 1e-5) -> np.ndarray:
    """Observed information per observation, -(1/N) d2 log L / dtheta2, from an analytic gradient.

    Parameters
    ----------
    gradient : theta -> d log L / d theta (the total over all observations and groups).
    theta : the point (the estimates).
    nobs : N, the total number of observations.
    step : relative step h; parameter j moves by h max(1, |theta_j|).

    Returns
    -------
    numpy.ndarray
        Symmetric n_par x n_par matrix.

    Notes
    -----
    Column j is the five-point central difference (g(-2h) - 8 g(-h) + 8 g(h) - g(2h)) / 12h
    of the analytic gradient, then the matrix is symmetrised (the stencil lavaan's
    ``lav_model_hessian`` uses, there with h = 1e-6). The truncation error is
    h^4/30 |d5 log L| (about 1e-20 relative here) and the rounding error about
    eps |g| / h (about 1e-11 relative for gradients of order N), so the matrix is exact to
    ~1e-9 relative: far below the 1e-3 to which SEs are compared, and the same limit as
    lavaan's own numerical Hessian. Tested against the closed-form Hessian of
    :func:`cxstats.sem.estimate` for models without a mean structure.
    """
    theta = np.asarray(theta, dtype=float)
    q = len(theta)
    hess = np.zeros((q, q))
    for j in range(q):
        h = step * max(1.0, abs(theta[j]))
        e = np.zeros(q)
        e[j] = h
        g = [gradient(theta + k * e) for k in (-2, -1, 1, 2)]
        hess[:, j] = (g[0] - 8.0 * g[1] + 8.0 * g[2] - g[3]) / (12.0 * h)
    return -0.5 * (hess + hess.T) / nobs


def first_order_information(scores: np.ndarray, nobs: float | None = None) -> np.ndarray:
    """Mean outer product of casewise scores, ``S'S / N`` (lavaan's ``first.order``)."""
    scores = np.asarray(scores, dtype=float)
    return scores.T @ scores / (len(scores) if nobs is None else nobs)


def _constrained_inverse(information: np.ndarray, k: np.ndarray | None) -> np.ndarray:
    """A^-1, or K (K'AK)^-1 K' (the top-left block of lavaan's augmented inverse)."""
    if k is None:
        return np.linalg.inv(information)
    return k @ np.linalg.inv(k.T @ information @ k) @ k.T


def sandwich(information: np.ndarray, first_order: np.ndarray, nobs: float,
             constraint_basis: np.ndarray | None = None) -> np.ndarray:
    """Huber-White covariance of the estimates (lavaan's ``se = "robust.huber.white"``).

    Parameters
    ----------
    information : A, the observed information per observation (:func:`observed_information`).
    first_order : B, the first-order information per observation (:func:`first_order_information`).
    nobs : N.
    constraint_basis : K with theta = theta0 + K phi for linear equality constraints.

    Returns
    -------
    numpy.ndarray
        ``A^-1 B A^-1 / N``; with K, ``K (K'AK)^-1 K'BK (K'AK)^-1 K' / N``.
    """
    bread = _constrained_inverse(information, constraint_basis)
    return bread @ first_order @ bread / nobs


# --------------------------------------------------------------------------- saturated model
def saturated_basis(p: int, meanstructure: bool, exogenous: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Jacobian of (Sigma, mu) with respect to the saturated parameters (means, then the
    lower triangle of Sigma column by column, lavaan's ``vech``), without the fixed.x
    elements (x means and x-x covariances), as lavaan drops them.

    Returns (dSigma (k,p,p), dmu (k,p)).
    """
    x = {int(i) for i in exogenous}
    d_sigma, d_mu = [], []
    if meanstructure:
        for i in range(p):
            if i not in x:
                d_mu.append(np.eye(p)[i])
                d_sigma.append(np.zeros((p, p)))
    for j in range(p):
        for i in range(j, p):
            if i in x and j in x:
                continue
            e = np.zeros((p, p))
            e[i, j] = e[j, i] = 1.0
            d_sigma.append(e)
            d_mu.append(np.zeros(p))
    return np.array(d_sigma).reshape(-1, p, p), np.array(d_mu).reshape(-1, p)


def _sample(data) -> RobustSample:
    """A group's sufficient statistics for MLR: given, or computed once from its complete rows."""
    return data if isinstance(data, RobustSample) else robust_sample(_complete(data))


def saturated_information(data: np.ndarray | RobustSample, *, meanstructure: bool,
                          exogenous: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(A1, B1): information and first-order information of the saturated model of one group
    of complete data (its rows, or its :class:`RobustSample`), at the sample moments
    (lavaan's ``h1.information = "unstructured"``).

    At the sample moments the observed and expected information of the saturated model
    coincide: ``A1 = 1/2 D'(S^-1 x S^-1)D`` (and ``S^-1`` for the means); ``B1`` is the mean
    outer product of the saturated scores, ``L Gamma L'`` with Gamma the ADF matrix and L
    the scores' linear map (:func:`cxstats.sem._robust_moments.score_map`; equal to
    ``A1 Gamma A1`` restricted to the saturated parameters).
    """
    sample = _sample(data)
    cov, mean = sample.cov, sample.mean
    d_sigma, d_mu = saturated_basis(len(mean), meanstructure, exogenous)
    inv = np.linalg.inv(cov)
    g = inv @ d_sigma  # (k, p, p): S^-1 dSigma_k
    k = len(g)
    a1 = 0.5 * g.reshape(k, -1) @ g.transpose(0, 2, 1).reshape(k, -1).T + d_mu @ inv @ d_mu.T
    lmap = score_map(cov, mean, d_sigma, d_mu, mean)
    return a1, lmap @ sample.gamma @ lmap.T


# --------------------------------------------------------------------------- scaled test
@dataclass(frozen=True)
class ScaledTest:
    """A chi-square test and its Yuan-Bentler (Mplus variant) scaling, lavaan's names in comments."""

    chisq: float  # stat of test "standard"
    df: float
    pvalue: float
    chisq_scaled: float  # stat of "yuan.bentler.mplus"
    pvalue_scaled: float
    scaling_factor: float  # chisq.scaling.factor
    scaling_factor_h1: float
    scaling_factor_h0: float
    trace_h1: float  # sum over groups of tr(B1 A1^-1)
    trace_h0: float  # tr(B0 E^-1)
    h1_ndat: int
    npar: int  # free parameters net of equality constraints (fitMeasures' npar)

    @property
    def trace_ugamma(self) -> float:
        """tr(U Gamma) = trace_h1 - trace_h0 = c df (lavaan's ``trace.UGamma``)."""
        return self.trace_h1 - self.trace_h0


def yuan_bentler_mplus(chisq: float, df: float, information: np.ndarray, first_order: np.ndarray,
                       h1: Sequence[tuple[np.ndarray, np.ndarray]], *,
                       constraint_basis: np.ndarray | None = None) -> ScaledTest:
    """The Yuan-Bentler scaled chi-square, Mplus variant (lavaan's ``test = "yuan.bentler.mplus"``).

    Parameters
    ----------
    chisq, df : the ML (or FIML) likelihood-ratio statistic against h1 and its df.
    information : E, observed information of the model per observation (all groups).
    first_order : B0, first-order information of the model per observation (all groups:
        ``S'S / N`` over every group's scores, i.e. sum_g (N_g / N) B0_g).
    h1 : per group (A1_g, B1_g), the saturated model's information and first-order
        information at the unrestricted moments (:func:`saturated_information`, or
        :func:`cxstats.sem._fiml.saturated_information` with missing data).
    constraint_basis : K for linear equality constraints (E^-1 becomes K (K'EK)^-1 K').

    Returns
    -------
    ScaledTest

    Notes
    -----
    trace_h1 = sum_g tr(B1_g A1_g^-1), trace_h0 = tr(B0 E^-1), c = (trace_h1 - trace_h0)/df,
    chisq.scaled = chisq / c, scaling.factor.h1 = trace_h1 / ndat_h1 and
    scaling.factor.h0 = trace_h0 / n_par (all free parameters, also those tied by
    constraints, as lavaan's ``nx.free``). A negative c is ``nan``; with df = 0 the statistic
    is left unscaled and c is ``nan``, as in lavaan. lavaan 0.6.14
    ``lav_test_yuan_bentler()`` and ``lav_test_yuan_bentler_mplus_trace()``
    (R/lav_test_yuan_bentler.R). Yuan & Bentler (2000); Muthen & Muthen (Mplus).
    """
    trace_h1, ndat = 0.0, 0
    for a1, b1 in h1:
        keep = np.diag(a1) != 0
        a1, b1 = a1[np.ix_(keep, keep)], b1[np.ix_(keep, keep)]
        trace_h1 += float(np.sum(b1 * np.linalg.inv(a1).T))
        ndat += int(keep.sum())
    e_inv = _constrained_inverse(information, constraint_basis)
    trace_h0 = float(np.sum(first_order * e_inv.T))
    n_free = information.shape[0]  # lavaan's nx.free: constrained parameters count in scaling.factor.h0
    npar = n_free if constraint_basis is None else constraint_basis.shape[1]
    factor_h0 = trace_h0 / n_free if n_free else math.nan
    pvalue = fi.chisq_pvalue(chisq, df) if df > 0 else math.nan
    if df <= 0:
        return ScaledTest(chisq, df, pvalue, chisq, math.nan, math.nan, trace_h1 / ndat, factor_h0,
                          trace_h1, trace_h0, ndat, npar)
    c = (trace_h1 - trace_h0) / df
    c = c if c >= 0 else math.nan
    scaled = chisq / c
    return ScaledTest(chisq, df, pvalue, scaled, fi.chisq_pvalue(scaled, df) if np.isfinite(scaled) else math.nan,
                      c, trace_h1 / ndat, factor_h0, trace_h1, trace_h0, ndat, npar)


def scaled_difference(chisq0: float, df0: float, c0: float, chisq1: float, df1: float, c1: float, *,
                      c10: float | None = None) -> dict[str, float]:
    """Satorra-Bentler scaled chi-square difference test: the 2001 form (lavaan's ``lavTestLRT``
    default for MLR, ``method = "satorra.bentler.2001"``) or, given ``c10``, the 2010 form.

    Parameters
    ----------
    chisq0, df0, c0 : unscaled chi-square, df and scaling factor of the restricted model
        (more df).
    chisq1, df1, c1 : the same for the less restricted model (c1 is taken as 1 when df1 = 0).
    c10 : the scaling factor of the M10 model (the less restricted model evaluated at the
        restricted model's estimates) for the Satorra-Bentler (2010) test; it replaces c1.

    Returns
    -------
    dict
        ``chisq_diff`` (scaled difference), ``df_diff``, ``scaling_factor`` (cd) and ``pvalue``.

    Notes
    -----
    cd = (df0 c0 - df1 c1) / (df0 - df1), T = (chisq0 - chisq1) / cd, compared with a
    chi-square on df0 - df1 (a negative T has p = 1, as R's ``pchisq``). In the 2001 form a
    negative cd gives ``nan`` (lavaan warns); the 2010 form uses c10 for c1 and keeps a
    negative cd, as lavaan 0.6.14 does. Equal df give the unscaled difference and cd =
    ``nan``. lavaan 0.6.14 ``lav_test_diff_SatorraBentler2001()`` and
    ``lav_test_diff_SatorraBentler2010()``. Satorra & Bentler (2001), Psychometrika 66,
    507-514; Satorra & Bentler (2010), Psychometrika 75, 243-248.
    """
    if df1 > df0:
        chisq0, df0, c0, chisq1, df1, c1 = chisq1, df1, c1, chisq0, df0, c0
    if df1 == 0:
        c1 = 1.0
    m = df0 - df1
    if m == 0:
        return {"chisq_diff": chisq0 - chisq1, "df_diff": 0.0, "scaling_factor": math.nan, "pvalue": math.nan}
    if c10 is None:
        cd = (df0 * c0 - df1 * c1) / m
        if not cd >= 0:
            cd = math.nan
    else:
        cd = (df0 * c0 - (df1 * c10 if df1 else 0.0)) / m
    stat = (chisq0 - chisq1) / cd
    pvalue = 1.0 - float(fi._pchisq(max(stat, 0.0), m)) if np.isfinite(stat) else math.nan
    return {"chisq_diff": stat, "df_diff": float(m), "scaling_factor": cd, "pvalue": pvalue}


# --------------------------------------------------------------------------- fit measures
def _incremental(x: float, d: float, x0: float, d0: float, c: float, c0: float) -> dict[str, float]:
    """cfi/tli/rni with lavaan's c.hat form (Brosseau-Liard & Savalei, 2014); the plain
    formulas when c or c0 is 1 or df = 0 (lavaan 0.6.14 R/lav_fit_cfi.R)."""
    if any(not np.isfinite(v) for v in (x, d, x0, d0, c, c0)):
        return {"cfi": math.nan, "tli": math.nan, "rni": math.nan}
    if not (d > 0 and c != 1 and c0 != 1):
        c = c0 = 1.0
    t1, t2 = max(x - c * d, 0.0), max(x - c * d, x0 - c0 * d0, 0.0)
    cfi = 1.0 if abs(t1) <= fi._ALL_EQUAL_TOL and abs(t2) <= fi._ALL_EQUAL_TOL else 1.0 - t1 / t2
    u1, u2 = (x - c * d) * d0, (x0 - c0 * d0) * d
    tli = 1.0 - u1 / u2 if d > 0 and abs(u2) > 0 else 1.0
    r2 = x0 - c0 * d0
    rni = math.nan if abs(r2) <= fi._ALL_EQUAL_TOL else 1.0 - (x - c * d) / r2
    return {"cfi": cfi, "tli": tli, "rni": rni}


def _rmsea_family(x: float, d: float, n: float, g: int, c: float, level: float,
                  close_h0: float, notclose_h0: float) -> dict[str, float]:
    """RMSEA, CI and p-values of lavaan's ``lav_fit_rmsea*`` with c.hat = c:
    sqrt(max(x/(N d) - c/N, 0) G); the CI bounds sqrt(c lambda G / (N d)); the p-values with
    noncentrality N d h0^2 / (c G). Written as sqrt(c) times the plain index of x / c."""
    if not all(np.isfinite(v) for v in (x, d, c)):
        return dict.fromkeys(("rmsea", "lower", "upper", "pvalue", "notclose"), math.nan)
    root = math.sqrt(c)
    lower, upper = fi.rmsea_ci(x, d, n, level, ngroups=g)
    return {
        "rmsea": root * fi.rmsea(x / c, d, n, ngroups=g),
        "lower": root * lower, "upper": root * upper,
        "pvalue": fi.rmsea_pvalue(x, d, n, close_h0 / root, ngroups=g) if d > 0 else math.nan,
        "notclose": fi.rmsea_notclose_pvalue(x, d, n, notclose_h0 / root, ngroups=g) if d > 0 else math.nan,
    }


def robust_fit_measures(test: ScaledTest, baseline: ScaledTest, nobs: float, *, ngroups: int = 1,
                        robust: dict[str, float] | None = None, ci_level: float = 0.90,
                        close_h0: float = 0.05, notclose_h0: float = 0.08) -> dict[str, float]:
    """The chi-square based fit measures lavaan reports for MLR, keyed by lavaan's names.

    Parameters
    ----------
    test, baseline : the model's and the baseline (independence) model's :class:`ScaledTest`.
    nobs, ngroups : N (all groups) and G.
    robust : for missing data, the FIML-corrected inputs of the robust CFI/TLI/RMSEA
        (``XX3, df3, c_hat3, XX3_null, df3_null, c_hat3_null``, from
        :func:`cxstats.sem._fiml.fiml_corrected`); by default (complete data) the
        unscaled chi-squares with the scaling factors (Brosseau-Liard, Savalei & Li, 2012;
        Brosseau-Liard & Savalei, 2014).

    Returns
    -------
    dict
        chisq, df, pvalue, chisq.scaled, df.scaled, pvalue.scaled, chisq.scaling.factor,
        baseline.* (plain and scaled), cfi, tli, nnfi, rfi, nfi, pnfi, ifi, rni and their
        ``.scaled`` versions, cfi.robust, tli.robust, nnfi.robust, rni.robust,
        scaling.factor.h1, scaling.factor.h0, rmsea (+ ci.lower, ci.upper, ci.level, pvalue,
        close.h0, notclose.pvalue, notclose.h0), rmsea.*.scaled and rmsea.*.robust.

    Notes
    -----
    Scaled indices use chisq.scaled and the df; rmsea.scaled uses the unscaled chi-square on
    tr(U Gamma) = c df degrees of freedom; the robust RMSEA is sqrt(max(chisq/(N df) - c/N, 0))
    with the CI and p-values of chisq.scaled rescaled by c. lavaan 0.6.14 R/lav_fit_cfi.R,
    R/lav_fit_rmsea.R (``lav_fit_cfi_lavobject``, ``lav_fit_rmsea_lavobject``).
    """
    x, d, x0, d0 = test.chisq, test.df, baseline.chisq, baseline.df
    xs, x0s = test.chisq_scaled, baseline.chisq_scaled
    c, c0 = test.scaling_factor, baseline.scaling_factor
    out: dict[str, float] = {
        "chisq": x, "df": d, "pvalue": test.pvalue,
        "chisq.scaled": xs, "df.scaled": d, "pvalue.scaled": test.pvalue_scaled, "chisq.scaling.factor": c,
        "baseline.chisq": x0, "baseline.df": d0, "baseline.pvalue": baseline.pvalue,
        "baseline.chisq.scaled": x0s, "baseline.df.scaled": d0, "baseline.pvalue.scaled": baseline.pvalue_scaled,
        "baseline.chisq.scaling.factor": c0,
    }
    plain, scaled = _incremental(x, d, x0, d0, 1, 1), _incremental(xs, d, x0s, d0, 1, 1)
    if robust is None:
        robust = {"XX3": x, "df3": d, "c_hat3": c, "XX3_null": x0, "df3_null": d0, "c_hat3_null": c0}
    rob = _incremental(robust["XX3"], d, robust["XX3_null"], d0, robust["c_hat3"], robust["c_hat3_null"])
    for suffix, values, chi, chi0 in (("", plain, x, x0), (".scaled", scaled, xs, x0s)):
        out[f"cfi{suffix}"], out[f"tli{suffix}"] = values["cfi"], values["tli"]
        out[f"nnfi{suffix}"], out[f"rni{suffix}"] = values["tli"], values["rni"]
        finite = all(np.isfinite(v) for v in (chi, d, chi0, d0))
        out[f"rfi{suffix}"] = fi.rfi(chi, d, chi0, d0) if finite else math.nan
        out[f"nfi{suffix}"] = fi.nfi(chi, d, chi0, d0) if finite else math.nan
        out[f"pnfi{suffix}"] = (d / d0) * (chi0 - chi) / chi0 if finite and d0 > 0 and chi0 > 0 else math.nan
        out[f"ifi{suffix}"] = fi.ifi(chi, d, chi0, d0) if finite else math.nan
    out["cfi.robust"], out["tli.robust"] = rob["cfi"], rob["tli"]
    out["nnfi.robust"], out["rni.robust"] = rob["tli"], rob["rni"]
    out["scaling.factor.h1"], out["scaling.factor.h0"] = test.scaling_factor_h1, test.scaling_factor_h0
    g = ngroups
    standard = _rmsea_family(x, d, nobs, g, 1.0, ci_level, close_h0, notclose_h0)
    trace = test.trace_ugamma if np.isfinite(c) and test.trace_ugamma != 0 else math.nan
    scaled_r = _rmsea_family(x, trace, nobs, g, 1.0, ci_level, close_h0, notclose_h0)
    c3, x3, df3 = robust["c_hat3"], robust["XX3"], robust["df3"]
    robust_r = _rmsea_family(x3 / c3 if np.isfinite(c3) else math.nan, df3, nobs, g, c3, ci_level,
                             close_h0, notclose_h0)
    robust_r["rmsea"] = (math.sqrt(max(x3 / (nobs * df3) - c3 / nobs, 0.0) * g) if df3 > 0 else 0.0) \
        if np.isfinite(c3) else math.nan
    out.update({"rmsea": standard["rmsea"], "rmsea.ci.lower": standard["lower"],
                "rmsea.ci.upper": standard["upper"], "rmsea.ci.level": ci_level,
                "rmsea.pvalue": standard["pvalue"], "rmsea.close.h0": close_h0,
                "rmsea.notclose.pvalue": standard["notclose"], "rmsea.notclose.h0": notclose_h0})
    for suffix, values in ((".scaled", scaled_r), (".robust", robust_r)):
        out.update({f"rmsea{suffix}": values["rmsea"], f"rmsea.ci.lower{suffix}": values["lower"],
                    f"rmsea.ci.upper{suffix}": values["upper"], f"rmsea.pvalue{suffix}": values["pvalue"],
                    f"rmsea.notclose.pvalue{suffix}": values["notclose"]})
    return out


# --------------------------------------------------------------------------- baseline model
class IndependenceModel:
    """lavaan's baseline model of one group: free variances (and, with a mean structure, free
    means) of the observed variables, no covariances; the fixed.x covariates keep their sample
    (co)variances and means. Parameters ``offset .. offset + n_own - 1`` of a global theta of
    length ``n_par`` (one block per group in a multigroup baseline)."""

    linear = True  # Sigma and mu are linear in theta: the Hessian has no second-order terms

    def __init__(self, p: int, meanstructure: bool, *, exogenous: Sequence[int] = (),
                 x_cov: np.ndarray | None = None, x_mean: np.ndarray | None = None,
                 offset: int = 0, n_par: int | None = None):
        self.p, self.meanstructure = p, meanstructure
        self.exogenous = np.asarray(exogenous, dtype=int)
        self.free_var = np.array([i for i in range(p) if i not in set(self.exogenous.tolist())], dtype=int)
        self.free_mean = self.free_var if meanstructure else np.zeros(0, dtype=int)
        self.n_own = len(self.free_var) + len(self.free_mean)
        self.offset = offset
        self.n_par = self.n_own if n_par is None else n_par
        self._sigma0, self._mu0 = np.zeros((p, p)), np.zeros(p)
        if len(self.exogenous):
            x = self.exogenous
            self._sigma0[np.ix_(x, x)] = x_cov
            if meanstructure:
                self._mu0[x] = x_mean

    def implied(self, theta: np.ndarray) -> SimpleNamespace:
        own = theta[self.offset:self.offset + self.n_own]
        sigma, mu = self._sigma0.copy(), self._mu0.copy()
        k = len(self.free_var)
        sigma[self.free_var, self.free_var] = own[:k]
        mu[self.free_mean] = own[k:]
        return SimpleNamespace(sigma=sigma, mu=mu)

    def jacobian(self, imp) -> tuple[np.ndarray, np.ndarray]:
        d_sigma, d_mu = np.zeros((self.n_par, self.p, self.p)), np.zeros((self.n_par, self.p))
        k = len(self.free_var)
        rows = self.offset + np.arange(k)
        d_sigma[rows, self.free_var, self.free_var] = 1.0
        d_mu[self.offset + k + np.arange(len(self.free_mean)), self.free_mean] = 1.0
        return d_sigma, d_mu

    def estimates(self, variances: np.ndarray, means: np.ndarray) -> np.ndarray:
        """This group's block of theta from per-variable ML variances and means."""
        return np.concatenate([variances[self.free_var], means[self.free_mean]])


def moment_count(p: int, meanstructure: bool, n_exogenous: int = 0) -> int:
    """Sample moments of one group that a model can fit (lavaan's ndat): p*(p+1)/2 [+ p],
    without the fixed.x (co)variances and means."""
    px = n_exogenous
    ndat = p * (p + 1) // 2 - px * (px + 1) // 2
    return ndat + ((p - px) if meanstructure else 0)


# --------------------------------------------------------------------------- complete-data MLR
@dataclass(frozen=True)
class RobustML:
    """Everything MLR adds to an ML fit of complete data."""

    vcov: np.ndarray  # sandwich covariance of theta
    information: np.ndarray  # A: observed information per observation
    first_order: np.ndarray  # B: first-order information per observation
    test: ScaledTest
    baseline: ScaledTest
    fit_measures: dict[str, float]
    logl: float
    unrestricted_logl: float


def mlr(models, theta: np.ndarray, data, *, constraint_basis: np.ndarray | None = None,
        ci_level: float = 0.90) -> RobustML:
    """lavaan's ``estimator = "MLR"`` for complete data, at given ML estimates.

    Parameters
    ----------
    models : a RamModel, or one per group (sharing the global ``theta``).
    theta : the ML estimates.
    data : per group, its complete n x p array (columns in the model's observed order) or
        its sufficient statistics (:class:`~cxstats.sem._robust_moments.RobustSample`: n,
        means, covariance and lavaan's Gamma), which give the same numbers without rows.
    constraint_basis : K of linear equality constraints (``inference.constraint_basis``).
    ci_level : level of the RMSEA confidence intervals.

    Returns
    -------
    RobustML
        ``vcov`` (sandwich), ``information`` (A), ``first_order`` (B), the model's and the
        baseline's :class:`ScaledTest`, ``fit_measures`` (the dict of
        :func:`robust_fit_measures` plus npar, logl, unrestricted.logl, aic, bic, bic2,
        ntotal and srmr), and the two log-likelihoods.

    Notes
    -----
    Every piece runs from each group's (n, means, covariance, Gamma): the observed
    information is the Hessian of the log-likelihood (a function of n, means and
    covariance) and the first-order information is ``sum_g n_g L_g Gamma_g L_g' + g_g g_g'/n_g``
    (:mod:`._robust_moments`), equal to the mean outer product of the casewise scores.
    With fixed.x covariates the log-likelihoods are those of the outcomes given the
    covariates (as lavaan reports them); the covariates' moments are left out of h1, the
    baseline and the df. Validated against lavaan 0.6.14 ``estimator = "MLR"`` on the
    Holzinger-Swineford CFA, the Political Democracy SEM, an ``==`` constraint, fixed.x
    covariates and two groups (tests/reference/lavaan_mlr.json, lavaan_mlr_extra.json).
    """
    models, samples = _as_list(models), [_sample(v) for v in _as_list(data)]
    theta = np.asarray(theta, dtype=float)
    nobs = sum(s.nobs for s in samples)
    information, first_order = _information(models, theta, samples)
    vcov = sandwich(information, first_order, nobs, constraint_basis)
    h1, logl, logl_h1, ndat, moments = [], 0.0, 0.0, 0, []
    for model, sample in zip(models, samples, strict=True):
        x = exogenous_indices(model)
        h1.append(sample.remember(("h1", model.meanstructure, tuple(x.tolist())), lambda: saturated_information(
            sample, meanstructure=model.meanstructure, exogenous=x)))
        n, mean, cov = sample.nobs, sample.mean, sample.cov
        sigma, mu, _, _ = _implied(model, theta, mean)
        # with fixed.x lavaan reports the likelihood of the outcomes given the covariates:
        # both log-likelihoods net of the covariates' own (saturated) normal log-likelihood
        logl_x = _loglik_from_moments(cov[np.ix_(x, x)], mean[x], cov[np.ix_(x, x)], mean[x], n) if len(x) else 0.0
        logl += _loglik_from_moments(sigma, mu, cov, mean, n) - logl_x
        logl_h1 += _loglik_from_moments(cov, mean, cov, mean, n) - logl_x
        ndat += moment_count(model.p, model.meanstructure, len(x))
        moments.append((n, cov, sigma, mean, mu, model.meanstructure))
    npar = len(theta) if constraint_basis is None else constraint_basis.shape[1]
    chisq = max(2.0 * (logl_h1 - logl), 0.0)
    test = yuan_bentler_mplus(chisq, ndat - npar, information, first_order, h1, constraint_basis=constraint_basis)
    layout = tuple((m.p, m.meanstructure, tuple(exogenous_indices(m).tolist())) for m in models)
    kept = samples[0].remember(("baseline", tuple(map(id, samples)), layout),
                               lambda: (tuple(samples), _baseline_test(models, samples, h1, ndat)))
    baseline = kept[1] if all(a is b for a, b in zip(kept[0], samples, strict=True)) else \
        _baseline_test(models, samples, h1, ndat)
    out = robust_fit_measures(test, baseline, nobs, ngroups=len(models), ci_level=ci_level)
    out.update({"npar": float(npar), "logl": logl, "unrestricted.logl": logl_h1, "ntotal": float(nobs)})
    out.update(fi.information_criteria(logl, npar, nobs))
    out["srmr"] = sum(n / nobs * (fi.srmr(s, sg, m, mu) if ms else fi.srmr(s, sg))
                      for n, s, sg, m, mu, ms in moments)
    return RobustML(vcov, information, first_order, test, baseline, out, logl, logl_h1)


def _information(models, theta: np.ndarray, samples: list[RobustSample]) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) per observation over all groups, from each group's sufficient statistics."""
    q = len(theta)
    information, first_order = np.zeros((q, q)), np.zeros((q, q))
    for model, sample in zip(models, samples, strict=True):
        _, info, outer = group_information(model, theta, sample)
        information += info
        first_order += outer
    nobs = sum(s.nobs for s in samples)
    return information / nobs, first_order / nobs


def _baseline_test(models, samples: list[RobustSample], h1, ndat: int) -> ScaledTest:
    """The independence model of complete data (closed-form ML estimates) and its scaled test."""
    blocks, offset = [], 0
    for model, sample in zip(models, samples, strict=True):
        x = exogenous_indices(model)
        cov, mean = sample.cov, sample.mean
        b = IndependenceModel(model.p, model.meanstructure, exogenous=x, x_cov=cov[np.ix_(x, x)],
                              x_mean=mean[x], offset=offset)
        blocks.append((b, b.estimates(np.diag(cov), mean)))
        offset += b.n_own
    for b, _ in blocks:
        b.n_par = offset
    base_models = [b for b, _ in blocks]
    theta_b = np.concatenate([t for _, t in blocks])
    info, first_order = _information(base_models, theta_b, samples)
    chisq = 0.0
    for b, sample in zip(base_models, samples, strict=True):
        n, cov, mean = sample.nobs, sample.cov, sample.mean
        imp = b.implied(theta_b)
        mu = imp.mu if b.meanstructure else mean
        chisq += 2.0 * (_loglik_from_moments(cov, mean, cov, mean, n) - _loglik_from_moments(imp.sigma, mu, cov, mean, n))
    return yuan_bentler_mplus(chisq, ndat - offset, info, first_order, h1)
