"""``cxstats.sem.fit``: one call from model text and data to a validated result.

The layers run one way: syntax -> parameter table -> sample moments -> RAM matrices ->
ML estimate -> inference -> fit measures -> :class:`SEMResult`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._errors import CxStatsWarning
from .._format import level as shown_level
from .._format import listing
from .._threads import single_threaded_blas
from ._bootstrap import bootstrap_estimates
from ._fiml import fiml
from ._fiml_estimate import fiml_estimate
from ._missing_patterns import em_saturated, missing_patterns, patterns_from_sums, restrict_patterns
from ._robust import mlr
from ._robust_moments import robust_samples
from ._ordinal import ESTIMATORS as ORDINAL_ESTIMATORS
from ._ordinal_mixed import mixed_continuous
from ._ordinal_fit import (check_ordinal_group_equal, check_ordinal_options, fit_ordinal_sample, ordered_names,
                           ordinal_sample, ordinal_spec, resolve_estimator, wu_estabrook_spec)
from ._ordinal_fit import wu_estabrook_fixed_scales
from ._problems import (
    HeywoodWarning,
    ModelSpecificationError,
    NonPositiveDefiniteWarning,
    estimate_problems,
)
from .estimate import Estimate, Groups, fisher_scoring, start_values
from .inference import DefinedParameters, constraint_basis, covariance_of_estimates
from .matrices import RamModel
from .moments import (SampleMoments, check_rows, moments_from_data, moments_from_sufficient, moments_from_summary,
                      numeric_values)
from .partable import ParameterTable, build_parameter_table
from .result import SEMResult
from .syntax import parse_model
from .._validation import ci_level as check_ci_level
from .._errors import CxStatsError
from .._sufficient import gamma_of, group_levels, samples
from .._validation import labels_from, moments_parts, survey_parts, warn
from ..data.codebook import Codebook

if TYPE_CHECKING:
    from .._moments import Moments

__all__ = ["fit", "fiml_sample_from_patterns", "shared_samples", "sharing_samples"]

_SHARED: ContextVar[dict | None] = ContextVar("cxstats_sem_shared_samples", default=None)


@contextmanager
def shared_samples() -> Iterator[None]:
    """Within this block, fits to the same DataFrame (same object, group column, group levels
    and model variables, listwise) share each group's sample statistics: the moments, and
    under MLR the fourth-order Gamma, are computed from the rows once. The invariance
    ladder's models all fit the same data; outside the block nothing is kept."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def sharing_samples(func):
    """Decorator: run ``func`` inside :func:`shared_samples` (its own frame stays in
    cxstats, so warnings still point at the caller's line)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with shared_samples():
            return func(*args, **kwargs)

    return wrapper


def _shared(data, key: tuple, compute):
    """``compute()``, or its value from an earlier fit to the same ``data`` in :func:`shared_samples`."""
    cache = _SHARED.get()
    if cache is None or data is None:
        return compute()
    key = (id(data), *key)
    if key not in cache or cache[key][0] is not data:
        cache[key] = (data, compute())  # the data are kept with the key, so the id stays theirs
    return cache[key][1]


@single_threaded_blas
def fit(
    model: str,
    data: pd.DataFrame | Moments | None = None,
    *,
    group: str | None = None,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    group_labels: Sequence | None = None,
    estimator: str | None = None,
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
    moments: Moments | None = None,
    progress: bool | None = None,
    codebook: Codebook | None = None,
    ordered: Sequence[str] | bool | None = None,
    parameterization: str = "delta",
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax by maximum likelihood.

    Parameters
    ----------
    model : lavaan model syntax (``=~``, ``~``, ``~~``, ``~ 1``, labels, fixed values,
        ``:=`` defined parameters, ``==`` linear constraints).
    data : raw data, one row per respondent, or a :class:`~cxstats.Survey` (its codebook's
        labels then name constructs and items in ``plain_summary()`` and ``plot()``).
    missing : ``"listwise"`` drops rows with a missing value in a model variable;
        ``"fiml"`` (lavaan's ``missing = "ml"``) uses every answered value: case-wise ML
        by missing-data pattern, the saturated model by EM, SEs from the observed
        information (sandwich under MLR), lavaan's fit measures. Rows that answer none of
        the model's variables are dropped with a warning.
    group : the column that splits the rows into groups (a multigroup model: one set of
        parameters per group, a mean structure, lavaan's defaults).
    group_equal : classes of parameters equal across groups, in lavaan's vocabulary:
        ``loadings``, ``intercepts``, ``means``, ``residuals``, ``residual.covariances``,
        ``lv.variances``, ``lv.covariances``, ``regressions``.
    group_partial : parameters exempt from ``group_equal``, e.g. ``["x3 ~ 1"]``.
    group_labels : the group values to use, in this order (default: every value, in order
        of first appearance, as lavaan).
    estimator : ``"ML"`` (the default without ``ordered=``) or ``"MLR"`` (lavaan's robust ML: the same estimates with
        Huber-White sandwich SEs, the Yuan-Bentler scaled chi-square and the scaled and
        robust fit measures, e.g. ``chisq.scaled``, ``cfi.robust``, ``rmsea.robust``).
    se : ``"standard"`` (expected information, lavaan's default for ML), ``"bootstrap"``
        (non-parametric, ``bootstrap`` draws, percentile or BCa intervals; with
        ``missing="fiml"`` each draw is refitted by FIML), or ``"none"``.
    bootstrap_ci : ``"percentile"``, ``"bc"`` (bias-corrected, lavaan's ``bca.simple``)
        or ``"bca"`` (bias-corrected and accelerated, jackknife acceleration).
    seed : fixes the bootstrap draws.
    std_lv : identify factors by fixing their variances to 1 instead of the first loading.
    fixed_x : treat observed exogenous covariates as fixed (lavaan's default).
    cov, means, nobs : fit to summary statistics instead of raw data (a covariance matrix
        with divisor N - 1, as published; optional means; the sample size).
    moments : a :class:`~cxstats.Moments` (what :func:`cxstats.moments` computes where the
        data live: Parquet, DuckDB, Dask) instead of raw data; it may also be passed as
        ``data``. ML works from it, one group or several: ``group`` must be the Moments' group
        column (without ``group`` the pooled statistics of the rows with a group value are
        fitted) and ``group_labels`` picks and orders its levels (default: the Moments'
        order, its levels sorted, where a fit to rows keeps their order of appearance, as
        lavaan does: pass ``group_labels`` to match). Estimates, SEs, chi-square, fit
        measures, modification indices and score tests equal those from the same rows in
        memory (the rows complete on every item of the Moments). ``se="bootstrap"`` needs
        the rows; ``estimator="MLR"`` needs moments computed with ``fourth=True``;
        ``missing="fiml"`` needs them computed with ``patterns=True`` (FIML from the
        per-pattern sums equals FIML from the rows; MLR with FIML needs the rows).
    progress : show a progress bar during the bootstrap (default: in a terminal, or as a widget
        in a Jupyter notebook).
    codebook : a :class:`~cxstats.Codebook` whose labels the result keeps (default: the
        Survey's, when ``data`` is one); its value labels of the ``group`` column name the groups.
    ordered : the ordinal (Likert) items, or ``True`` for every observed variable: each is the
        cut of a normal latent response at its thresholds (``x1 | t1`` rows in ``.table``), the
        model is fitted to the thresholds and polychoric correlations
        (:func:`cxstats.sem.ordinal_moments`) by ``estimator="WLSMV"`` (the default with
        ``ordered=``: diagonally weighted least squares, robust SEs, lavaan's scaled-shifted
        chi-square and ``cfi.scaled``, ``tli.scaled``, ``rmsea.scaled``), ``"ULSMV"``
        (unweighted) or ``"DWLS"`` (standard SEs and test). ``missing`` may then be
        ``"pairwise"``. Observed variables not in ``ordered=`` are continuous (lavaan's mixed
        models): their means, variances and covariances (polyserial correlations times the sd
        with ordered items) join the statistics, their intercepts (``x7 ~1`` rows) and
        residual variances are free parameters, and lavaan's robust CFI/TLI/RMSEA are NaN (not
        defined for them); equal thresholds across groups also make their intercepts equal
        (lavaan). A model with ordered items may not have exogenous observed predictors (lavaan
        conditions on them, ``conditional.x``): make each the single indicator of a factor.
        Checked against lavaan 0.6.14 (tests/reference/lavaan_wlsmv_mixed.R). With
        ``group=``: thresholds per group (intercepts of the latent responses and latent means fixed at 0, as lavaan),
        ``group_equal`` among thresholds (the later groups' latent means and, under delta, their
        scale factors ``~*~`` or, under theta, their residual variances become free, as lavaan;
        theta with continuous variables is refused), loadings, regressions, lv.variances,
        lv.covariances and residual.covariances. Checked against lavaan 0.6.14
        (tests/reference/lavaan_wlsmv.R, lavaan_wlsmv_theta_groups.R).
    parameterization : with ``ordered=``: ``"delta"`` (latent responses with variance 1,
        lavaan's default) or ``"theta"`` (residual variances 1; scale factors ``~*~``).

    Returns
    -------
    SEMResult
        ``.table`` (``lhs, op, rhs, group, label, free, estimate, se, z, p_value, ci_low,
        ci_high, std_lv, std_all``), ``.fit_measures`` (lavaan's names), ``.r2`` and the
        problem fields ``converged``, ``heywood``, ``nonpositive_latent``, ``identified``.

    Notes
    -----
    The optimiser is Fisher scoring with step halving, then Newton steps; if it stalls, a
    trust region takes over (a step into a non-positive-definite implied covariance matrix
    counts as too long). FIML starts from the ML fit to the EM moments, so FIML on complete
    data equals ML. A fit whose final gradient is not near zero warns
    (``ConvergenceWarning``) and has ``converged=False``. Checked on a stress corpus of
    hard models (tests/sem/test_stress.py), with lavaan references for the ECSI
    measurement model with MCAR cells.

    Estimates, SEs, chi-square, fit indices, standardized solutions, R² and modification
    indices are checked against lavaan 0.6.14 on the Holzinger-Swineford CFA, the
    Political Democracy SEM, a mediation model with ``:=`` and the ECSI model
    (tests/reference).
    """
    labels = labels_from(codebook, data, group=group)
    data, _ = survey_parts(data)
    data, moments_given = moments_parts(data, moments, where="sem.fit")
    estimator = resolve_estimator(estimator, ordered)
    check_ordinal_options(estimator, ordered, missing=missing, parameterization=parameterization, se=se, cov=cov,
                          group=group)
    if estimator in ORDINAL_ESTIMATORS:
        if moments_given is not None:
            raise ModelSpecificationError("ordered= needs the rows: thresholds and polychoric correlations cannot be "
                                          "computed from means and covariances. Pass the data instead of a Moments.")
        return _fit_ordered(model, data, ordered, estimator=estimator, parameterization=parameterization,
                            missing=missing, std_lv=std_lv, ci_level=ci_level, labels=labels, group=group,
                            group_equal=tuple(group_equal), group_partial=tuple(group_partial),
                            group_labels=group_labels)
    _check_options(estimator, missing, se, bootstrap_ci, ci_level, bootstrap)
    robust_estimator = str(estimator).upper() == "MLR"
    full_information = missing in ("fiml", "ml")
    _check_data_options(data, cov, means, nobs, group, se, full_information=full_information,
                        robust=robust_estimator, moments=moments_given)
    statements = parse_model(model)
    if moments_given is not None:
        levels, frames, n_no_group = _moment_levels(moments_given, group, group_labels), None, 0
    else:
        levels, frames, n_no_group = _split_groups(data, group, group_labels)
    spec = build_parameter_table(statements, std_lv=std_lv, fixed_x=fixed_x, groups=levels,
                                 group_equal=tuple(group_equal), group_partial=tuple(group_partial),
                                 meanstructure=True if full_information else None)
    if spec.n_free == 0:
        raise ModelSpecificationError("The model has no free parameters to estimate.")
    data_problems: list[str] = []  # rows FIML had to leave out: warned and kept on the result
    if moments_given is not None and full_information:
        found = [restrict_patterns(moments_given.patterns(level), moments_given.items, spec.observed)[0]
                 for level in levels]
        moments, patterns = fiml_sample_from_patterns(spec, found, group=group, levels=levels, problems=data_problems)
        n_no_group = moments_given.n_dropped
    elif moments_given is not None:
        moments, patterns = _sufficient_sample(spec, moments_given, group, levels), None
        n_no_group = moments_given.n_dropped
    elif full_information:
        moments, patterns = _fiml_sample(spec, frames, group, levels, data_problems)
    elif data is None:
        moments, patterns = _summary_sample(spec, cov, means, nobs), None
    elif group is None:
        moments = _shared(data, (None, None, spec.observed, spec.n_free),
                          lambda: (moments_from_data(data, spec.observed, n_free=spec.n_free),))
        patterns = None
    else:
        moments = _shared(data, (group, levels, spec.observed),
                          lambda: _multigroup_sample(spec, frames, group, levels))
        patterns = None
    n_total = sum(m.nobs for m in moments)
    check_rows(n_total, spec.n_free)  # across groups (one group's data were checked when read)
    _check_degrees_of_freedom(spec, moments)
    models = tuple(RamModel(spec.group_view(g), m.cov, m.mean) for g, m in enumerate(moments))
    groups = Groups(models, [m.cov for m in moments], [m.mean for m in moments], [m.nobs for m in moments])
    k, theta0 = constraint_basis(spec)
    start = _start(groups, k, theta0)
    if full_information:
        fitted = _fit_fiml(groups, patterns, moments, start, k, robust=robust_estimator)
    elif robust_estimator:
        fitted = _fit_mlr(groups, moments, start, k)
    else:
        fitted = _fit_ml(groups, start, k)
    estimate = fitted.estimate
    problems, heywood, nonpositive_latent = _check_estimate(fitted, models, group)
    problems = data_problems + problems
    defined = DefinedParameters(spec)
    boot = None
    if se == "bootstrap":
        boot = bootstrap_estimates(groups, moments, estimate, k, defined, draws=bootstrap, seed=seed,
                                   ci=bootstrap_ci, ci_level=ci_level, progress=progress)
        if boot.failed:
            problems.append(boot.message)
    return SEMResult(
        nobs=n_total,
        n_dropped=sum(m.n_dropped for m in moments) + n_no_group,
        converged=estimate.converged,
        iterations=estimate.iterations,
        identified=fitted.identified,
        heywood=heywood,
        nonpositive_latent=nonpositive_latent,
        problems=tuple(problems),
        se_type="robust (Huber-White)" if robust_estimator and se == "standard" else se,
        estimator="MLR" if robust_estimator else "ML",
        bootstrap_draws=boot.n_ok if boot else 0,
        bootstrap_failed=boot.failed if boot else 0,
        group=group,
        groups=levels if group is not None else (),
        group_nobs=tuple(m.nobs for m in moments) if group is not None else (),
        _model=models[0],
        _spec=spec,
        _moments=moments[0],
        _theta=estimate.theta,
        _vcov=fitted.vcov,
        _constraint_basis=k,
        _estimate=estimate,
        _defined=defined,
        _ci_level=ci_level,
        _bootstrap=boot,
        _groups=groups,
        _group_moments=moments,
        _robust=fitted.robust,
        _missing_fit=fitted.missing_fit,
        missing="fiml" if full_information else "listwise",
        labels=labels,
    )


def fit_ordinal_step(model: str, data, ordered, *, group: str, group_equal: tuple, estimator: str,
                     parameterization: str, missing: str, group_labels=None, group_partial: tuple = ()) -> SEMResult:
    """One step of the ordinal invariance ladder: the multigroup WLSMV fit identified as Wu &
    Estabrook (2016) (factor variances 1 in the first group), with ``group_equal`` among
    thresholds, loadings, intercepts (of the latent responses) and residuals (theta), and
    ``group_partial`` the parameters exempt from them (``"x3 | t2"`` frees one threshold, as
    semTools' ``group.partial``)."""
    thresholds = tuple(p for p in group_partial if "|" in p)
    return _fit_ordered(model, data, ordered, estimator=estimator, parameterization=parameterization,
                        missing=missing, std_lv=True, ci_level=0.95, labels={}, group=group,
                        group_equal=tuple(group_equal), group_partial=tuple(p for p in group_partial if "|" not in p),
                        group_labels=group_labels, identification="wu.estabrook",
                        free_thresholds=tuple(tuple(part.strip() for part in p.split("|")) for p in thresholds))


# --------------------------------------------------------------------------- estimators
def _fit_ordered(model: str, data, ordered, *, estimator: str, parameterization: str, missing: str, std_lv: bool,
                 ci_level: float, labels, group: str | None, group_equal: tuple, group_partial: tuple,
                 group_labels, identification: str = "lavaan", free_thresholds: tuple = ()) -> SEMResult:
    """Ordered items: model -> polychoric sample statistics (per group) -> DWLS/ULS fit -> result.
    ``identification="wu.estabrook"`` (the ordinal invariance ladder): the groups are identified
    as Wu & Estabrook (2016), which also makes equal intercepts (and, under theta, residual
    variances) of the latent responses available."""
    check_ci_level(ci_level, error=ModelSpecificationError)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame (or a Survey) with ordered=, got {type(data).__name__}.")
    if identification == "lavaan":
        check_ordinal_group_equal(group_equal, parameterization)
    levels, _, _ = _split_groups(data, group, group_labels)
    equal_thresholds = "thresholds" in group_equal
    statements = parse_model(model)
    table = build_parameter_table(statements, std_lv=std_lv, groups=levels, auto_fix_single=False,
                                  group_equal=tuple(c for c in group_equal if c != "thresholds"),
                                  group_partial=group_partial)
    continuous = mixed_continuous(table, ordered_names(ordered, table), ladder=identification == "wu.estabrook")
    if identification == "lavaan":
        check_ordinal_group_equal(group_equal, parameterization, mixed=bool(continuous))
    if continuous and not table.meanstructure:  # their means are sample statistics (lavaan)
        table = build_parameter_table(statements, std_lv=std_lv, groups=levels, meanstructure=True,
                                      group_equal=tuple(c for c in group_equal if c != "thresholds"),
                                      group_partial=group_partial)
    spec = (wu_estabrook_spec(table, equal_thresholds=equal_thresholds) if identification == "wu.estabrook"
            else ordinal_spec(table, equal_thresholds=equal_thresholds, continuous=continuous))
    if spec.n_free == 0:
        raise ModelSpecificationError("The model has no free parameters to estimate.")
    names = ordered_names(ordered, spec)
    sample = _shared(data, ("ordinal", group, tuple(spec.groups), names, missing),
                     lambda: ordinal_sample(data, spec, names, missing, group))  # computed once per ladder
    nobs = sample.nobs if group is None else sum(s.nobs for s in sample)
    first = sample if group is None else sample[0]
    for item, tk in free_thresholds:
        count = len(first.thresholds.get(item, ())) if item in spec.observed else 0
        if tk not in [f"t{k + 1}" for k in range(count)]:
            raise ModelSpecificationError(
                f"group_partial entry '{item} | {tk}' is not a threshold of the model: "
                + (f"{item!r} has thresholds t1 to t{count}." if count else f"{item!r} is not an item of the model.")
                + " Write a threshold as 'item | tk', e.g. 'x3 | t1'.")
    equal = {n: len(first.thresholds[n]) - sum(1 for item, _ in set(free_thresholds) if item == n)
             for n in spec.observed if n not in continuous}  # thresholds still equal across groups, per item
    if equal_thresholds and any(v == 0 for v in equal.values()):
        item = next(n for n, v in equal.items() if v == 0)
        raise ModelSpecificationError(
            f"group_partial frees every threshold of {item!r}; keep at least one of them equal (it identifies the "
            "item's intercept in the later groups), or leave the item out of the comparison.")
    fixed_scale = ()
    if identification == "wu.estabrook":  # one equal threshold (binary items): the scale stays at 1, intercept free
        fixed_scale = wu_estabrook_fixed_scales(spec, equal)
    return fit_ordinal_sample(spec, sample, estimator=estimator, parameterization=parameterization,
                              ci_level=ci_level, n_dropped=len(data) - nobs, missing=missing, labels=labels,
                              group=group, equal_thresholds=equal_thresholds,
                              free_residuals=identification == "wu.estabrook" or parameterization == "theta", fixed_scale=fixed_scale,
                              free_thresholds=free_thresholds)


@dataclass(frozen=True)
class _Fitted:
    """What an estimator hands on: the estimate, its covariance matrix, whether the
    information matrix was invertible, and the estimator's own inference record (MLR's
    robust record or FIML's fit); the post-checks fill the rest."""

    estimate: Estimate
    vcov: np.ndarray
    identified: bool
    robust: Any = None
    missing_fit: Any = None


def _fit_ml(groups: Groups, start: np.ndarray, k: np.ndarray | None) -> _Fitted:
    """ML (one group or several): Fisher scoring, SEs from the expected information."""
    estimate = fisher_scoring(groups, start, constraint_basis=k)
    vcov, identified = covariance_of_estimates(groups.expected_hessian(estimate.theta), sum(groups.nobs), k)
    return _Fitted(estimate, vcov, identified)


def _fit_mlr(groups: Groups, moments: tuple[SampleMoments, ...], start: np.ndarray, k: np.ndarray | None) -> _Fitted:
    """MLR: the ML estimates with the Huber-White sandwich and the Yuan-Bentler test."""
    ml = _fit_ml(groups, start, k)
    robust = mlr(groups.models, ml.estimate.theta, robust_samples(moments), constraint_basis=k)
    return replace(ml, vcov=robust.vcov, robust=robust)


def _fit_fiml(groups: Groups, patterns, moments: tuple[SampleMoments, ...], start: np.ndarray,
              k: np.ndarray | None, *, robust: bool) -> _Fitted:
    """FIML (ML or MLR, one group or several): case-wise ML by missing-data pattern.

    The search starts from the ML fit to the EM moments (``groups`` holds them): on complete
    data that is already the FIML estimate, and with missing values it is close to it. SEs
    come from the observed information (its sandwich under MLR)."""
    warm = fisher_scoring(groups, start, constraint_basis=k)
    if np.all(np.isfinite(warm.theta)) and np.isfinite(warm.fmin):
        start = warm.theta
    found = fiml_estimate(groups.models, patterns, start, constraint_basis=k)
    missing_fit = fiml(groups.models, found.theta, patterns, estimator="MLR" if robust else "ML",
                       constraint_basis=k, saturated=[m.saturated for m in moments])
    n_total = sum(groups.nobs)
    estimate = Estimate(found.theta, missing_fit.fit_measures["chisq"] / n_total, warm.iterations + found.iterations,
                        found.converged, found.gradient_max)
    identified = covariance_of_estimates(2.0 * missing_fit.information, n_total, k)[1]
    return _Fitted(estimate, missing_fit.vcov, identified, missing_fit=missing_fit)


def _check_estimate(fitted: _Fitted, models, group: str | None) -> tuple[list[str], tuple[str, ...], bool]:
    """The post-checks every estimator shares, each problem warned and recorded: (problem
    messages, variables with a negative variance, latent covariance not positive definite)."""
    estimate = fitted.estimate
    problems = estimate_problems("ML", converged=estimate.converged, iterations=estimate.iterations,
                                 gradient_max=estimate.gradient_max, identified=fitted.identified)
    heywood = [name for ram in models for name in _heywood(ram, estimate.theta, multigroup=len(models) > 1)]
    if heywood:
        problems.append(warn(f"Negative variance estimate(s) for {', '.join(heywood)} (a Heywood case). "
                             "The model may be misspecified or a factor has too few indicators.", HeywoodWarning))
    nonpd = [ram.spec.groups[0] for ram in models if _latent_not_positive_definite(ram, estimate.theta)]
    if nonpd:
        where = "" if group is None else f" in group(s) {', '.join(map(str, nonpd))}"
        problems.append(warn(f"The covariance matrix of the latent variables is not positive definite{where} "
                             "(a negative latent variance, or a correlation at or beyond 1: two factors "
                             "may measure the same thing).", NonPositiveDefiniteWarning))
    return problems, tuple(heywood), bool(nonpd)


def _check_options(estimator, missing, se, bootstrap_ci, ci_level, bootstrap) -> None:
    if str(estimator).upper() not in ("ML", "MLR"):
        raise ModelSpecificationError(f"estimator={estimator!r} is not available; use 'ML' or 'MLR' (or, for ordered "
                                      "items named with ordered=, 'WLSMV', 'ULSMV' or 'DWLS').")
    if missing not in ("listwise", "listwise_deletion", "fiml", "ml"):
        raise ModelSpecificationError(f"missing={missing!r} is not available; use 'listwise' or 'fiml'.")
    if se not in ("standard", "bootstrap", "none"):
        raise ModelSpecificationError(f"se={se!r} is not one of 'standard', 'bootstrap', 'none'.")
    if bootstrap_ci not in ("percentile", "bc", "bca"):
        raise ModelSpecificationError(f"bootstrap_ci={bootstrap_ci!r} is not one of 'percentile', 'bc', 'bca'.")
    check_ci_level(ci_level, error=ModelSpecificationError)
    if se == "bootstrap" and (int(bootstrap) != bootstrap or bootstrap < 10):
        raise ModelSpecificationError(f"bootstrap must be a whole number of at least 10 draws, got {bootstrap!r}.")


def _check_data_options(data, cov, means, nobs, group, se, *, full_information: bool, robust: bool,
                        moments=None) -> None:
    """Which data options go together (raw data, summary statistics or a Moments)."""
    if moments is not None:
        _check_moment_options(moments, cov, means, nobs, se, full_information=full_information, robust=robust)
        return
    if full_information and cov is not None:
        raise ModelSpecificationError("missing='fiml' needs raw data: it uses every answered value. Pass data= "
                                      "instead of cov=.")
    if robust and cov is not None:
        raise ModelSpecificationError("estimator='MLR' needs raw data: its robust SEs and scaled test use every "
                                      "row. Pass data= instead of cov=.")
    if (data is None) == (cov is None):
        raise ModelSpecificationError("Pass either data= (raw data) or cov= with nobs= (summary statistics).")
    if data is not None and (means is not None or nobs is not None):
        raise ModelSpecificationError("means= and nobs= go with cov=; with data= they come from the data. Drop them.")
    if cov is not None and se == "bootstrap":
        raise ModelSpecificationError("se='bootstrap' needs raw data; summary statistics (cov=) cannot be resampled.")
    if cov is not None and group is not None:
        raise ModelSpecificationError("Multigroup models need raw data with the group column, or each group's "
                                      "statistics: pass data= and group=, or moments=cxstats.moments(source, items, "
                                      "group=...) and group=.")


def _check_moment_options(moments, cov, means, nobs, se, *, full_information: bool, robust: bool) -> None:
    """What a fit from a Moments can do: ML; MLR and FIML only with the statistics they need."""
    if cov is not None or means is not None or nobs is not None:
        raise ModelSpecificationError("cov=, means= and nobs= describe one sample; with moments= they come from the "
                                      "Moments. Drop them.")
    if se == "bootstrap":
        raise ModelSpecificationError("se='bootstrap' needs the rows (one per respondent) to resample, but a "
                                      "cxstats.Moments holds only counts, means and cross-products. Pass the data, "
                                      "or use se='standard'.")
    if full_information and robust:
        raise ModelSpecificationError("estimator='MLR' with missing='fiml' needs each respondent's scores, which "
                                      "per-pattern sums do not determine; pass the data, or use estimator='ML'.")
    if robust and not moments.has_fourth:
        raise ModelSpecificationError("estimator='MLR' needs the third- and fourth-order moments of the data for its "
                                      "robust SEs and scaled test; these Moments lack them. Compute them with "
                                      "cxstats.moments(source, items, group=..., fourth=True).")
    if full_information and not moments.has_patterns:
        raise ModelSpecificationError("missing='fiml' needs the statistics of each missing-data pattern; these "
                                      "Moments hold only complete rows. Compute them with cxstats.moments(source, "
                                      "items, group=..., patterns=True).")


def _check_degrees_of_freedom(spec: ParameterTable, moments) -> None:
    p = len(spec.observed) - len(spec.exogenous_x)
    px = len(spec.exogenous_x)
    data_points = (p * (p + 1) // 2 + p * px + (p if spec.meanstructure else 0)) * spec.n_groups
    n_par = spec.n_free - len(spec.constraints)
    if n_par > data_points:
        raise ModelSpecificationError(
            f"The model is not identified: it has {n_par} free parameters but the data provide only "
            f"{data_points} {'variances, covariances and means' if spec.meanstructure else 'variances and covariances'}. Fix "
            "parameters (e.g. a loading per factor), add indicators, or remove paths." + _lavaan_defaults_hint(spec)
        )


def _lavaan_defaults_hint(spec: ParameterTable) -> str:
    """A hint for syntax written for lavaan's ``lavaan()`` (no defaults), such as the RI-CLPM
    tutorial's: observed variables loading on several factors with fixed loadings and a
    residual variance that only ``sem()``'s defaults set free."""
    loads: dict[str, int] = {}
    for r in spec.rows:
        if r.op == "=~" and r.free == 0 and r.group == 0:
            loads[r.rhs] = loads.get(r.rhs, 0) + 1
    defaulted = [r.lhs for r in spec.rows if r.op == "~~" and r.lhs == r.rhs and not r.user and r.free > 0
                 and loads.get(r.lhs, 0) > 1 and r.group == 0]
    if not defaulted:
        return ""
    return (f" If the syntax was written for lavaan's lavaan() (which adds nothing), note that fit() applies sem()'s "
            f"defaults: free residual variances (e.g. of '{defaulted[0]}') and covariances among exogenous factors; "
            "fix them in the syntax (e.g. 'x1 ~~ 0*x1') or build a cross-lagged model with riclpm_syntax().")


def _split_groups(data: pd.DataFrame | None, group: str | None, labels) -> tuple[tuple, list, int]:
    """(group values in lavaan's order, one frame per group, rows without a group value).

    The order is that of first appearance in the data (as lavaan), or ``labels``."""
    if group is None:
        if labels is not None:
            raise ModelSpecificationError("group_labels= goes with group=; pass the group column too.")
        return (None,), [data], 0
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if group not in data.columns:
        raise ModelSpecificationError(
            f"The group column '{group}' is not in the data; columns: {listing(data.columns, limit=30, quote=True)}."
        )
    column = data[group]
    present = list(pd.unique(column.dropna()))
    if labels is None:
        levels = present
    else:
        levels = list(labels)
        absent = [v for v in levels if v not in present]
        if absent:
            raise ModelSpecificationError(
                f"Group level(s) {listing(absent, quote=True)} do not occur in '{group}'; its values are "
                f"{listing(present, limit=30, quote=True)}."
            )
    if len(levels) < 2:
        raise ModelSpecificationError(
            f"The group column '{group}' has {len(levels)} value(s) ({listing(levels, quote=True)}); a multigroup "
            "model needs at least two groups. Fit without group= instead."
        )
    frames = [data[column == level] for level in levels]
    return tuple(levels), frames, int(len(data) - sum(len(f) for f in frames))


def _moment_levels(moments, group: str | None, labels) -> tuple:
    """The groups to fit from a Moments: its levels (sorted), or ``labels``; ``(None,)`` without group."""
    if group is None and labels is not None:
        raise ModelSpecificationError("group_labels= goes with group=; pass the group column too.")
    try:
        levels = group_levels(moments, group, labels, where="sem.fit")
    except CxStatsError as exc:
        raise ModelSpecificationError(str(exc)) from None
    if group is not None and len(levels) < 2:
        raise ModelSpecificationError(
            f"The group column '{group}' has {len(levels)} value(s) ({listing(levels, quote=True)}) in the Moments; a "
            "multigroup model needs at least two groups. Fit without group= instead."
        )
    return tuple(levels)


def _sufficient_sample(spec: ParameterTable, moments, group: str | None, levels) -> tuple[SampleMoments, ...]:
    """Each group's ML moments (divisor N) from a Moments, with the checks of the raw-data path."""
    absent = [v for v in spec.observed if v not in moments.items]
    if absent:
        raise ModelSpecificationError(
            f"The model uses {listing(absent, limit=10, quote=True)}, which {'is' if len(absent) == 1 else 'are'} "
            f"neither a latent variable (left of '=~') nor an item of the Moments. The Moments hold "
            f"{listing(moments.items, limit=30, quote=True)}. Check the spelling, define it with '=~', or compute the "
            "moments with it among the items."
        )
    out = []
    for sample in samples(moments, spec.observed, group, where="sem.fit", labels=None if group is None else levels,
                          minimum=0):
        level = None if group is None else sample.label
        fourth = gamma_of(moments, level, spec.observed) if moments.has_fourth else None
        found = moments_from_sufficient(sample.ml_cov.to_numpy(), sample.mean.to_numpy(), sample.n, spec.observed,
                                        n_free=spec.n_free if group is None else 0, fourth=fourth)
        p = len(spec.observed)
        if group is not None and found.nobs <= p:
            raise ModelSpecificationError(
                f"Group {sample.label!r} of '{group}' has {found.nobs} complete rows for {p} variables; each group "
                "needs more rows than variables (and in practice many more) for its covariance matrix. Merge small "
                f"groups or leave {sample.label!r} out with group_labels=."
            )
        out.append(found)
    return tuple(out)


def _summary_sample(spec: ParameterTable, cov, means, nobs) -> tuple[SampleMoments]:
    """One group's moments from a published covariance matrix (and means)."""
    if spec.meanstructure and means is None:
        raise ModelSpecificationError("The model has intercepts; pass means= together with cov=.")
    return (moments_from_summary(cov, spec.observed, nobs=nobs, means=means, n_free=spec.n_free),)


def _multigroup_sample(spec: ParameterTable, frames, group: str, levels) -> tuple[SampleMoments, ...]:
    return tuple(_group_moments(frame, spec, group, level) for level, frame in zip(levels, frames, strict=True))


def _fiml_sample(spec: ParameterTable, frames, group: str | None, levels, problems: list[str]):
    """Each group's EM moments and missing-data patterns; warnings about left-out rows go to ``problems``."""
    prepared = [_incomplete_moments(frame, spec, group, level, problems)
                for level, frame in zip(levels, frames, strict=True)]
    return tuple(m for m, _ in prepared), tuple(pt for _, pt in prepared)


def _group_moments(frame: pd.DataFrame, spec: ParameterTable, group: str, level) -> SampleMoments:
    moments = moments_from_data(frame, spec.observed, n_free=0)
    p = len(spec.observed)
    if moments.nobs <= p:
        raise ModelSpecificationError(
            f"Group {shown_level(level)} of '{group}' has {moments.nobs} complete rows for {p} variables; each group "
            "needs more rows than variables (and in practice many more) for its covariance matrix. Merge small groups "
            f"or leave {shown_level(level)} out with group_labels=."
        )
    return moments


def _incomplete_moments(frame: pd.DataFrame, spec: ParameterTable, group: str | None, level, problems: list[str]):
    """FIML's data of one group: the values with their gaps, grouped by missing-data pattern,
    and the saturated model's EM moments (which stand in for the sample moments)."""
    values = numeric_values(frame, spec.observed)
    where = "" if group is None else f" in group {shown_level(level)}"
    x = [spec.observed.index(n) for n in spec.exogenous_x]
    no_x = np.isnan(values[:, x]).any(axis=1) if x else np.zeros(len(values), dtype=bool)
    if no_x.any():  # the covariates are conditioned on, as lavaan does: rows without them go
        problems.append(warn(f"{int(no_x.sum())} row(s){where} miss a covariate ({listing(spec.exogenous_x, quote=True)}) "
                             f"and were left out: rows {listing(list(frame.index[no_x]))}.", CxStatsWarning))
    kept_index = frame.index[~no_x]
    values = values[~no_x]
    patterns = missing_patterns(values)
    if patterns.n_empty:
        problems.append(warn(f"{patterns.n_empty} row(s){where} answer none of the model's variables and were "
                             f"left out: rows {listing(list(kept_index[patterns.empty_rows]))}.", CxStatsWarning))
    p = len(spec.observed)
    if patterns.nobs <= p:
        raise ModelSpecificationError(
            f"The data{where} have {patterns.nobs} rows with answers for {p} variables; FIML needs more rows than "
            "variables (and in practice many more)."
        )
    saturated = em_saturated(patterns)
    answered = np.ones(len(values), dtype=bool)
    answered[patterns.empty_rows] = False
    moments = SampleMoments(names=spec.observed, cov=saturated.cov, mean=saturated.mean, nobs=patterns.nobs,
                            data=values[answered], n_dropped=int(no_x.sum()) + patterns.n_empty, saturated=saturated)
    return moments, patterns


def fiml_sample_from_patterns(spec: ParameterTable, patterns_by_group: Sequence, *, group: str | None = None,
                              levels: Sequence = (None,), problems: list[str] | None = None):
    """FIML's data of every group from per-pattern sums instead of rows: (moments, patterns)
    as the row path gives them (``_fiml_sample``), for ``sem.fit(moments=M, missing="fiml")``.

    ``patterns_by_group[g]`` lists group g's patterns as ``(mask, n, mean, cross)`` over the
    model's observed variables in ``spec.observed`` order (``Moments.patterns(g)`` re-indexed
    to the model's variables, patterns that differ only outside them merged). Patterns that
    miss a fixed.x covariate are left out, as the row path leaves out such rows (warned and
    recorded in ``problems``). ML from these equals ML from the rows; MLR needs the rows.
    """
    problems = [] if problems is None else problems
    x = [spec.observed.index(n) for n in spec.exogenous_x]
    p = len(spec.observed)
    moments, patterns = [], []
    for level, found in zip(levels, patterns_by_group, strict=True):
        where = "" if group is None else f" in group {level!r}"
        found = [pt if not hasattr(pt, "mask") else (pt.mask, pt.n, pt.mean, pt.cross) for pt in found]
        kept = [pt for pt in found if all(np.asarray(pt[0], dtype=bool)[x])]
        n_no_x = sum(int(pt[1]) for pt in found) - sum(int(pt[1]) for pt in kept)
        if n_no_x:
            problems.append(warn(f"{n_no_x} row(s){where} miss a covariate ({listing(spec.exogenous_x, quote=True)}) "
                                 "and were left out.", CxStatsWarning))
        pats = patterns_from_sums(p, kept)
        if pats.nobs <= p:
            raise ModelSpecificationError(
                f"The data{where} have {pats.nobs} rows with answers for {p} variables; FIML needs more rows than "
                "variables (and in practice many more)."
            )
        saturated = em_saturated(pats)
        moments.append(SampleMoments(names=spec.observed, cov=saturated.cov, mean=saturated.mean, nobs=pats.nobs,
                                     n_dropped=n_no_x, saturated=saturated))
        patterns.append(pats)
    return tuple(moments), tuple(patterns)


def _start(groups: Groups, k: np.ndarray | None, theta0: np.ndarray) -> np.ndarray:
    """Feasible starting values that satisfy the linear constraints (theta0 + K phi)."""
    start = _feasible(groups, _start_values(groups))
    if k is not None:
        start = theta0 + k @ np.linalg.lstsq(k, start - theta0, rcond=None)[0]
    return start


def _start_values(groups: Groups) -> np.ndarray:
    """Each group's starting values; a parameter shared by groups starts at their mean."""
    total, count = np.zeros(groups.n_par), np.zeros(groups.n_par)
    for ram, cov, mean in zip(groups.models, groups.covs, groups.means, strict=True):
        theta = start_values(ram, cov, mean)
        present = np.unique([r.free - 1 for r in ram.spec.rows if r.free > 0])
        total[present] += theta[present]
        count[present] += 1
    return total / np.maximum(count, 1)


def _heywood(ram: RamModel, theta: np.ndarray, *, multigroup: bool = False) -> list[str]:
    """Variables whose free (residual) variance is estimated below zero."""
    where = f" (group {ram.spec.groups[0]})" if multigroup else ""
    return [r.lhs + where for r in ram.spec.rows
            if r.op == "~~" and r.lhs == r.rhs and r.free > 0 and theta[r.free - 1] < 0]


def _latent_not_positive_definite(ram: RamModel, theta: np.ndarray) -> bool:
    if not ram.spec.latent:
        return False
    imp = ram.implied(theta)
    block = imp.total[ram.p:, ram.p:]
    return bool(np.linalg.eigvalsh(block).min() <= 1e-12 * max(1.0, np.abs(block).max()))


def _feasible(groups: Groups, start: np.ndarray) -> np.ndarray:
    """Raise free variance starts until every group's implied covariance matrix is positive definite."""
    variances = sorted({r.free - 1 for ram in groups.models for r in ram.spec.rows
                        if r.op == "~~" and r.lhs == r.rhs and r.free > 0})
    theta = start.copy()
    for _ in range(30):
        try:
            if all(np.linalg.eigvalsh(ram.implied(theta).sigma).min() > 0 for ram in groups.models):
                return theta
        except np.linalg.LinAlgError:
            pass
        theta[variances] = np.abs(theta[variances]) * 2.0 + 0.1
    raise ModelSpecificationError(
        "No starting values give a positive definite implied covariance matrix: check fixed values "
        "(e.g. a fixed covariance larger than the variances allow) and start() values."
    )
