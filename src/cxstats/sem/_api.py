"""``cxstats.sem.fit``: one call from model text and data to a validated result.

The layers run one way: syntax -> parameter table -> sample moments -> RAM matrices ->
ML estimate -> inference -> fit measures -> :class:`SEMResult`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from . import fit_indices as fitindex
from ._bootstrap import bootstrap_estimates
from ._problems import (
    ConvergenceWarning,
    HeywoodWarning,
    IdentificationWarning,
    ModelSpecificationError,
    NonPositiveDefiniteWarning,
)
from .estimate import Estimate, expected_hessian, fisher_scoring, start_values
from .inference import DefinedParameters, constraint_basis, covariance_of_estimates, r_squared, standardized
from .matrices import RamModel
from .moments import SampleMoments, moments_from_data, moments_from_summary
from .partable import ParameterTable, build_parameter_table
from .result import TABLE_COLUMNS, SEMResult
from .syntax import parse_model

__all__ = ["fit"]


def fit(
    model: str,
    data: pd.DataFrame | None = None,
    *,
    group: str | None = None,
    group_equal: Sequence[str] = (),
    estimator: str = "ML",
    missing: str = "listwise",
    se: str = "standard",
    bootstrap: int = 1000,
    bootstrap_ci: str = "percentile",
    seed: int | None = None,
    std_lv: bool = False,
    fixed_x: bool = True,
    ci_level: float = 0.95,
    cov: pd.DataFrame | np.ndarray | None = None,
    means: pd.Series | np.ndarray | None = None,
    nobs: int | None = None,
    progress: bool | None = None,
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax by maximum likelihood.

    Parameters
    ----------
    model : lavaan model syntax (``=~``, ``~``, ``~~``, ``~ 1``, labels, fixed values,
        ``:=`` defined parameters, ``==`` linear constraints).
    data : raw data, one row per respondent; rows with a missing value in a model
        variable are dropped (``missing="listwise"``).
    group, group_equal : multigroup models (not yet available).
    estimator : ``"ML"``.
    se : ``"standard"`` (expected information, lavaan's default for ML), ``"bootstrap"``
        (non-parametric, ``bootstrap`` draws, percentile or BCa intervals), or ``"none"``.
    bootstrap_ci : ``"percentile"``, ``"bc"`` (bias-corrected, lavaan's ``bca.simple``)
        or ``"bca"`` (bias-corrected and accelerated, jackknife acceleration).
    seed : fixes the bootstrap draws.
    std_lv : identify factors by fixing their variances to 1 instead of the first loading.
    fixed_x : treat observed exogenous covariates as fixed (lavaan's default).
    cov, means, nobs : fit to summary statistics instead of raw data (a covariance matrix
        with divisor N - 1, as published; optional means; the sample size).
    progress : show a progress bar during the bootstrap (default: only when interactive).

    Returns
    -------
    SEMResult
        ``.table`` (``lhs, op, rhs, group, label, free, estimate, se, z, p_value, ci_low,
        ci_high, std_lv, std_all``), ``.fit_measures`` (lavaan's names), ``.r2`` and the
        problem fields ``converged``, ``heywood``, ``nonpositive_latent``, ``identified``.

    Notes
    -----
    Estimates, SEs, chi-square, fit indices, standardized solutions, R² and modification
    indices are checked against lavaan 0.6.14 on the Holzinger-Swineford CFA, the
    Political Democracy SEM, a mediation model with ``:=`` and the ECSI model
    (tests/reference).
    """
    _check_options(group, group_equal, estimator, missing, se, bootstrap_ci, ci_level, bootstrap)
    spec = build_parameter_table(parse_model(model), std_lv=std_lv, fixed_x=fixed_x)
    if spec.n_free == 0:
        raise ModelSpecificationError("The model has no free parameters to estimate.")
    if (data is None) == (cov is None):
        raise ModelSpecificationError("Pass either data= (raw data) or cov= with nobs= (summary statistics).")
    if data is not None and (means is not None or nobs is not None):
        raise ModelSpecificationError("means= and nobs= go with cov=; with data= they come from the data. Drop them.")
    if cov is not None and se == "bootstrap":
        raise ModelSpecificationError("se='bootstrap' needs raw data; summary statistics (cov=) cannot be resampled.")
    if data is not None:
        moments = moments_from_data(data, spec.observed, n_free=spec.n_free)
    else:
        if spec.meanstructure and means is None:
            raise ModelSpecificationError("The model has intercepts; pass means= together with cov=.")
        moments = moments_from_summary(cov, spec.observed, nobs=nobs, means=means, n_free=spec.n_free)  # type: ignore[arg-type]
    _check_degrees_of_freedom(spec, moments)
    ram = RamModel(spec, moments.cov, moments.mean)
    k, theta0 = constraint_basis(spec)
    start = _feasible(ram, start_values(ram, moments.cov, moments.mean), moments)
    if k is not None:
        start = theta0 + k @ np.linalg.lstsq(k, start - theta0, rcond=None)[0]
    estimate = fisher_scoring(ram, start, moments.cov, moments.mean, constraint_basis=k)
    problems: list[str] = []
    if not estimate.converged:
        problems.append(_warn(ConvergenceWarning,
                              f"The ML optimiser did not converge after {estimate.iterations} iterations "
                              f"(largest gradient {estimate.gradient_max:.2g}); estimates are not trustworthy. "
                              "Check the model, the starting values or the data."))
    hessian = expected_hessian(ram, estimate.theta)
    vcov, identified = covariance_of_estimates(hessian, moments.nobs, k)
    if not identified:
        problems.append(_warn(IdentificationWarning,
                              "The information matrix is singular: at least one parameter is not identified. "
                              "Fix a loading or variance per factor, or remove redundant paths."))
    defined = DefinedParameters(spec)
    table = _parameter_table(ram, spec, estimate, vcov, defined, ci_level)
    heywood = _heywood(ram, estimate.theta)
    if heywood:
        problems.append(_warn(HeywoodWarning,
                              f"Negative variance estimate(s) for {', '.join(heywood)} (a Heywood case). "
                              "The model may be misspecified or a factor has too few indicators."))
    nonpd = _latent_not_positive_definite(ram, estimate.theta)
    if nonpd:
        problems.append(_warn(NonPositiveDefiniteWarning,
                              "The covariance matrix of the latent variables is not positive definite "
                              "(a negative latent variance, or a correlation at or beyond 1: two factors "
                              "may measure the same thing)."))
    boot = None
    if se == "bootstrap":
        boot = bootstrap_estimates(ram, spec, moments, estimate, k, defined, draws=bootstrap, seed=seed,
                                   ci=bootstrap_ci, ci_level=ci_level, progress=progress)
        table = boot.apply(table, np.array([r.free for r in spec.rows]) - 1)
        if boot.failed:
            problems.append(boot.message)
    measures = _fit_measures(ram, spec, moments, estimate)
    r2 = pd.Series(r_squared(ram, estimate.theta), name="r2")
    return SEMResult(
        table=table,
        fit_measures=measures,
        r2=r2,
        nobs=moments.nobs,
        n_dropped=moments.n_dropped,
        converged=estimate.converged,
        iterations=estimate.iterations,
        identified=identified,
        heywood=tuple(heywood),
        nonpositive_latent=nonpd,
        problems=tuple(problems),
        se_type=se,
        bootstrap_draws=boot.n_ok if boot else 0,
        bootstrap_failed=boot.failed if boot else 0,
        _model=ram,
        _spec=spec,
        _moments=moments,
        _theta=estimate.theta,
        _vcov=vcov,
        _constraint_basis=k,
    )


def _warn(category: type[Warning], message: str) -> str:
    warnings.warn(message, category, stacklevel=3)
    return f"{category.__name__}: {message}"


def _check_options(group, group_equal, estimator, missing, se, bootstrap_ci, ci_level, bootstrap) -> None:
    if group is not None or tuple(group_equal):
        raise ModelSpecificationError("Multigroup models (group=, group_equal=) are not available yet.")
    if str(estimator).upper() != "ML":
        raise ModelSpecificationError(f"estimator={estimator!r} is not available; use 'ML'.")
    if missing not in ("listwise", "listwise_deletion"):
        raise ModelSpecificationError(f"missing={missing!r} is not available; use 'listwise'.")
    if se not in ("standard", "bootstrap", "none"):
        raise ModelSpecificationError(f"se={se!r} is not one of 'standard', 'bootstrap', 'none'.")
    if bootstrap_ci not in ("percentile", "bc", "bca"):
        raise ModelSpecificationError(f"bootstrap_ci={bootstrap_ci!r} is not one of 'percentile', 'bc', 'bca'.")
    if not 0 < ci_level < 1:
        raise ModelSpecificationError(f"ci_level must lie between 0 and 1, got {ci_level!r}.")
    if se == "bootstrap" and (int(bootstrap) != bootstrap or bootstrap < 10):
        raise ModelSpecificationError(f"bootstrap must be a whole number of at least 10 draws, got {bootstrap!r}.")


def _check_degrees_of_freedom(spec: ParameterTable, moments: SampleMoments) -> None:
    p = len(spec.observed) - len(spec.exogenous_x)
    px = len(spec.exogenous_x)
    data_points = p * (p + 1) // 2 + p * px + (p if spec.meanstructure else 0)
    n_par = spec.n_free - len(spec.constraints)
    if n_par > data_points:
        raise ModelSpecificationError(
            f"The model is not identified: it has {n_par} free parameters but the data provide only "
            f"{data_points} {'variances, covariances and means' if spec.meanstructure else 'variances and covariances'}. Fix "
            "parameters (e.g. a loading per factor), add indicators, or remove paths."
        )


def _parameter_table(ram: RamModel, spec: ParameterTable, estimate: Estimate, vcov: np.ndarray,
                     defined: DefinedParameters, ci_level: float) -> pd.DataFrame:
    rows = spec.rows
    theta = estimate.theta
    a, s, mvec = ram.matrices(theta)
    index = {n: i for i, n in enumerate(ram.names)}
    est = []
    for row in rows:
        if row.op == "=~":
            est.append(a[index[row.rhs], index[row.lhs]])
        elif row.op == "~":
            est.append(a[index[row.lhs], index[row.rhs]])
        elif row.op == "~~":
            est.append(s[index[row.lhs], index[row.rhs]])
        else:
            est.append(mvec[index[row.lhs]])
    free = np.array([r.free for r in rows])
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None))
    se = np.where(free > 0, se_all[np.maximum(free - 1, 0)], 0.0)
    std_lv, std_all, _, _ = standardized(ram, theta)
    columns = {"lhs": [r.lhs for r in rows], "op": [r.op for r in rows], "rhs": [r.rhs for r in rows],
               "label": [r.label for r in rows], "free": list(free > 0), "estimate": est, "se": list(se),
               "std_lv": list(std_lv), "std_all": list(std_all)}
    if defined.items:
        jac = defined.jacobian(theta)
        labelled = {r.label: i for i, r in enumerate(rows) if r.label}
        columns["lhs"] += [d[0] for d in defined.items]
        columns["op"] += [":="] * len(defined.items)
        columns["rhs"] += [d[1] for d in defined.items]
        columns["label"] += [d[0] for d in defined.items]
        columns["free"] += [False] * len(defined.items)
        columns["estimate"] += list(defined.values(theta).real)
        columns["se"] += list(np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None)))
        columns["std_lv"] += list(defined.values(theta, {lab: std_lv[i] for lab, i in labelled.items()}).real)
        columns["std_all"] += list(defined.values(theta, {lab: std_all[i] for lab, i in labelled.items()}).real)
    estimate_arr, se_arr = np.array(columns["estimate"], dtype=float), np.array(columns["se"], dtype=float)
    z_crit = special.ndtri(0.5 + ci_level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_arr > 0, estimate_arr / se_arr, np.nan)
    columns.update(group=[None] * len(estimate_arr), estimate=estimate_arr, se=se_arr, z=z,
                   p_value=2 * special.ndtr(-np.abs(z)), ci_low=estimate_arr - z_crit * se_arr,
                   ci_high=estimate_arr + z_crit * se_arr)
    return pd.DataFrame({name: columns[name] for name in TABLE_COLUMNS})


def _heywood(ram: RamModel, theta: np.ndarray) -> list[str]:
    """Variables whose free (residual) variance is estimated below zero."""
    return [r.lhs for r in ram.spec.rows if r.op == "~~" and r.lhs == r.rhs and r.free > 0 and theta[r.free - 1] < 0]


def _latent_not_positive_definite(ram: RamModel, theta: np.ndarray) -> bool:
    if not ram.spec.latent:
        return False
    imp = ram.implied(theta)
    block = imp.total[ram.p:, ram.p:]
    return bool(np.linalg.eigvalsh(block).min() <= 1e-12 * max(1.0, np.abs(block).max()))


def _fit_measures(ram: RamModel, spec: ParameterTable, moments: SampleMoments, estimate: Estimate) -> pd.Series:
    n = moments.nobs
    p_all = len(spec.observed)
    px = len(spec.exogenous_x)
    data_points = p_all * (p_all + 1) // 2 - px * (px + 1) // 2
    if spec.meanstructure:
        data_points += p_all - px
    npar = spec.n_free - len(spec.constraints)
    df = data_points - npar
    chisq = max(n * estimate.fmin, 0.0)  # a just-identified model can round to -1e-13
    imp = ram.implied(estimate.theta)
    if not np.isfinite(chisq) or np.linalg.eigvalsh(imp.sigma).min() <= 0:
        return pd.Series({"npar": npar, "df": df, "ntotal": n}, name="fit_measures", dtype=float).reindex(
            _MEASURE_NAMES)
    base_chisq, base_df = _baseline(spec, moments)
    mean_s = moments.mean if spec.meanstructure else None
    mean_m = imp.mu if spec.meanstructure else None
    # log-likelihoods from the discrepancy: log|Sigma| + tr(S Sigma^-1) (+ mean term) = F + log|S| + p
    # (the same numbers as fit_indices.loglik_normal, without refactoring Sigma)
    p_all_log = p_all * np.log(2 * np.pi) + np.linalg.slogdet(moments.cov)[1] + p_all
    logl_h1 = -0.5 * n * p_all_log
    logl = -0.5 * n * (p_all_log + estimate.fmin)
    ic = fitindex.information_criteria(logl, npar, n)
    ci = fitindex.rmsea_ci(chisq, df, n)
    out = {
        "npar": npar, "fmin": estimate.fmin / 2, "chisq": chisq, "df": df,
        "pvalue": fitindex.chisq_pvalue(chisq, df),
        "baseline.chisq": base_chisq, "baseline.df": base_df,
        "baseline.pvalue": fitindex.chisq_pvalue(base_chisq, base_df),
        "cfi": fitindex.cfi(chisq, df, base_chisq, base_df),
        "tli": fitindex.tli(chisq, df, base_chisq, base_df),
        "logl": logl, "unrestricted.logl": logl_h1,
        "aic": ic["aic"], "bic": ic["bic"], "bic2": ic["bic2"], "ntotal": n,
        "rmsea": fitindex.rmsea(chisq, df, n), "rmsea.ci.lower": ci[0], "rmsea.ci.upper": ci[1],
        "rmsea.pvalue": fitindex.rmsea_pvalue(chisq, df, n),
        "srmr": fitindex.srmr(moments.cov, imp.sigma, mean_s, mean_m),
    }
    return pd.Series(np.array(list(out.values()), dtype=float), index=list(out), name="fit_measures")


_MEASURE_NAMES = ["npar", "fmin", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue",
                  "cfi", "tli", "logl", "unrestricted.logl", "aic", "bic", "bic2", "ntotal", "rmsea",
                  "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr"]


def _feasible(ram: RamModel, start: np.ndarray, moments: SampleMoments) -> np.ndarray:
    """Raise free variance starts until the implied covariance matrix is positive definite."""
    variances = [r.free - 1 for r in ram.spec.rows if r.op == "~~" and r.lhs == r.rhs and r.free > 0]
    theta = start.copy()
    for _ in range(30):
        try:
            if np.linalg.eigvalsh(ram.implied(theta).sigma).min() > 0:
                return theta
        except np.linalg.LinAlgError:
            pass
        theta[variances] = np.abs(theta[variances]) * 2.0 + 0.1
    raise ModelSpecificationError(
        "No starting values give a positive definite implied covariance matrix: check fixed values "
        "(e.g. a fixed covariance larger than the variances allow) and start() values."
    )


def _baseline(spec: ParameterTable, moments: SampleMoments) -> tuple[float, float]:
    """The independence model: free variances (and means), fixed.x block kept at its sample values."""
    cov, names, n = moments.cov, spec.observed, moments.nobs
    xs = [names.index(x) for x in spec.exogenous_x]
    ys = [i for i in range(len(names)) if i not in xs]
    sigma = np.diag(np.diag(cov))
    if xs:
        sigma[np.ix_(xs, xs)] = cov[np.ix_(xs, xs)]
    p = len(names)
    f = (np.linalg.slogdet(sigma)[1] + np.trace(cov @ np.linalg.inv(sigma)) - np.linalg.slogdet(cov)[1] - p)
    py, px = len(ys), len(xs)
    df = py * (py + 1) // 2 + py * px - py
    return float(n * f), float(df)
