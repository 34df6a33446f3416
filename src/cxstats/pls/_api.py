"""``cxstats.pls.fit``: model text and data -> a validated PLS path model.

The layers run one way: syntax -> :class:`PLSSpec` -> standardized indicators and their
correlation matrix -> outer weights (the PLS iteration) -> statistics -> bootstrap ->
:class:`PLSResult`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .._format import listing, rows_and_values
from .._threads import single_threaded_blas
from ..sem.syntax import parse_model
from ._algorithm import SCHEMES, Layout, inner_estimates, outer_weights
from ._bootstrap import bootstrap as run_bootstrap
from ._problems import InadmissibleWarning, ModelSpecificationError, WeightsConvergenceWarning
from ._spec import PLSSpec, build_spec
from ._statistics import Statistics
from .result import PLSResult
from .._validation import check_frame, warn
from .._validation import ci_level as check_ci_level
from .._validation import survey_parts
from ..data.codebook import Codebook

__all__ = ["fit"]


@single_threaded_blas
def fit(
    model: str,
    data: pd.DataFrame,
    *,
    scheme: str = "path",
    consistent: bool = False,
    missing: str = "mean",
    max_iter: int = 300,
    tol: float = 1e-7,
    bootstrap: int = 0,
    seed: int | None = None,
    ci: str = "percentile",
    ci_level: float = 0.95,
    progress: bool | None = None,
    codebook: Codebook | None = None,
) -> PLSResult:
    """Fit a PLS path model (PLS-SEM) written in lavaan syntax.

    Parameters
    ----------
    model : ``F =~ x1 + x2`` (mode A: reflective, correlation weights), ``F <~ x1 + x2``
        (mode B: formative, regression weights), ``y ~ a + b`` (structural paths). An observed
        column named in a ``~`` statement becomes a single-indicator construct, so the text of
        a ``cxstats.sem`` model with observed variables fits as it is.
    data : one row per respondent; the indicators must be numeric.
    scheme : inner weighting: ``"path"`` (seminr's and SmartPLS's default), ``"factorial"`` or
        ``"centroid"``.
    consistent : PLSc (Dijkstra & Henseler, 2015): correct the construct correlations, paths,
        R² and loadings of the ``=~`` constructs for measurement error with rho_A, so they
        estimate common-factor (reflective) models consistently.
    missing : ``"mean"`` (replace a missing answer by the indicator's mean; seminr's default)
        or ``"listwise"`` (drop rows with any missing indicator).
    max_iter, tol : stop updating the outer weights when the sum of their absolute changes
        falls below ``tol`` (seminr's criterion, ``10^-7``), or after ``max_iter`` updates.
    bootstrap : number of bootstrap draws (0: none) for SEs, t, p and intervals of every
        loading, weight, path, total and indirect effect, R² and HTMT.
    seed : fixes the bootstrap draws.
    ci : ``"percentile"`` or ``"bca"`` (bias-corrected and accelerated; jackknife acceleration).
    ci_level : level of the bootstrap intervals.
    progress : progress bar during the bootstrap (default: in a terminal, or as a widget in a
        Jupyter notebook).
    codebook : a :class:`~cxstats.Codebook` the result keeps (default: the codebook of
        ``data`` when it is a :class:`~cxstats.Survey`): :func:`index_scores` and
        :func:`importance_performance` then read the response scales from it, and their
        summaries name constructs by its labels.

    Returns
    -------
    PLSResult
        ``.table`` (``lhs, op, rhs, estimate`` and, with ``bootstrap``, ``se, t, p_value,
        ci_low, ci_high``) with loadings (``=~``), outer weights (``<~``) and paths (``~``);
        ``.r2``, ``.f2``, ``.effects()``, ``.scores``, ``.assess()``; ``converged``,
        ``iterations``, ``missing`` and ``problems``.

    Raises
    ------
    ModelSpecificationError
        A construct without indicators, an indicator used by two constructs or absent from
        the data, a structural variable that is neither a construct nor a column, a constant
        indicator, collinear indicators in a mode B block, a feedback loop, bad options.

    Warns
    -----
    WeightsConvergenceWarning
        The weights did not converge within ``max_iter`` updates (also in ``.problems``).
    InadmissibleWarning
        With ``consistent=True``: a corrected construct correlation or loading beyond 1, an
        R² above 1 or a rho_A outside (0, 1] (also in ``.problems``).
    BootstrapWarning
        Some bootstrap draws failed and were left out (also in ``.problems``).

    Notes
    -----
    Indicators are standardized (SD with divisor n - 1); the outer weights start at 1 and
    are updated by Lohmöller's iteration (see ``cxstats.pls._algorithm``) exactly as seminr
    does; ``iterations`` counts weight updates (seminr reports one fewer: the index of its
    last pass, from 0). Paths are OLS regressions of the standardized construct scores;
    total effects sum the products of paths over all routes. Loadings, weights, paths, R²,
    total effects, rho_A, rho_C, AVE and HTMT match PyPI seminr 0.2.1 (a port that
    reproduces R seminr) within 1e-8 on the ECSI mobile-phone model, with PLSc, with a mode B
    construct and with missing values (tests/reference/pls_seminr.py).

    Examples
    --------
    >>> import cxstats, cxstats.pls as pls
    >>> mobi = cxstats.load_dataset("ecsi_mobile").data
    >>> res = pls.fit('''
    ...     IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ...     CUSA =~ CUSA1 + CUSA2 + CUSA3
    ...     CUSL =~ CUSL1 + CUSL2 + CUSL3
    ...     CUSA ~ IMAG
    ...     CUSL ~ IMAG + CUSA''', mobi)
    >>> round(float(res.r2.set_index("construct").loc["CUSL", "r2"]), 3)
    0.454
    """
    data, codebook = survey_parts(data, codebook)
    _check_options(scheme, missing, max_iter, tol, bootstrap, ci, ci_level)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    spec = build_spec(parse_model(model), data.columns)
    raw, observed, used_rows, missing_text = _indicator_data(data, spec, missing)
    n = raw.shape[0]
    needed = max([len(spec.predictors(o)) for o in spec.endogenous] + [1]) + 2
    if n < max(needed, 3):
        raise ModelSpecificationError(
            f"Only {n} rows are left for the analysis; at least {max(needed, 3)} are needed "
            f"(more than the largest number of predictors of one construct plus one).")
    means, sds = raw.mean(axis=0), raw.std(axis=0, ddof=1)
    _check_constant(spec, raw, sds)
    z = (raw - means) / sds
    r = z.T @ z / (n - 1)
    _check_mode_b(spec, r)
    layout = Layout.from_spec(spec, scheme=scheme, consistent=consistent)
    weights, iterations, converged = outer_weights(r[None], layout, layout.mask, tol=tol, max_iter=max_iter)
    problems: list[str] = []
    if not converged[0]:
        problems.append(warn(f"The outer weights did not converge within {max_iter} iteration"
                             f"{'s' * (max_iter != 1)} (sum of absolute changes still at or above {tol:g}); the "
                             "estimates are those of the last iteration. Raise max_iter, or check for constructs "
                             "whose indicators hardly correlate.", WeightsConvergenceWarning))
    statistics = Statistics.build(spec, layout)
    estimate = statistics.vector(r[None], weights)[0]
    inner = inner_estimates(r[None], weights, layout)
    if consistent:
        inadmissible = _inadmissible(spec, layout, inner)
        if inadmissible:
            problems.append(warn(f"PLSc gave an inadmissible solution ({inadmissible}); the corrected paths, R² and "
                                 "loadings are not trustworthy. The blocks are too unreliable for the correction: "
                                 "check their indicators, or report plain PLS (consistent=False).",
                                 InadmissibleWarning))
    f2 = _f_squared(spec, r, statistics, estimate, scheme=scheme, consistent=consistent, tol=tol, max_iter=max_iter)
    boot = None
    if bootstrap:
        impute = missing == "mean" and bool(np.isnan(observed).any())  # each draw replaces its own missing values
        x = observed if impute else z
        boot = run_bootstrap(statistics, x, weights[0], estimate, draws=int(bootstrap), seed=seed, ci=ci,
                             ci_level=ci_level, tol=tol, max_iter=max_iter, impute=impute, progress=progress)
        if boot.failed:
            problems.append(boot.message)
    w = weights[0]
    result = PLSResult.build(
        spec=spec, statistics=statistics, estimate=estimate, boot=boot, f2=f2, n=n,
        n_dropped=len(data) - n, missing=missing_text, scheme=scheme, consistent=consistent,
        converged=bool(converged[0]), iterations=int(iterations[0]), problems=tuple(problems),
        scores=pd.DataFrame(z @ w, index=data.index[used_rows], columns=list(spec.constructs)),
        indicator_means=pd.Series(means, index=list(spec.indicators)),
        indicator_sds=pd.Series(sds, index=list(spec.indicators)),
        standardized=z, correlations=r, weights=w, inner=inner,
    )
    return replace(result, codebook=codebook) if codebook is not None else result


def _inadmissible(spec: PLSSpec, layout: Layout, inner) -> str:
    """What makes a PLSc solution inadmissible, in words ('' if nothing)."""
    names = spec.constructs
    found = []
    rho = inner.rho_a[0]
    bad_rho = [names[j] for j in np.flatnonzero(layout.corrected & layout.multi_item) if not 0 < rho[j] <= 1]
    if bad_rho:
        found.append(f"rho_A outside (0, 1] for {listing(bad_rho, quote=True)}")
    cors = inner.construct_correlations[0]
    upper = [(names[a], names[b]) for a, b in zip(*np.triu_indices(len(names), 1), strict=True) if abs(cors[a, b]) > 1]
    if upper:
        found.append("construct correlation beyond 1 for " + listing([f"{a}-{b}" for a, b in upper]))
    r2 = inner.r2[0]
    above = [names[o] for (o, _), value in zip(layout.outcomes, r2, strict=True) if value > 1]
    if above:
        found.append(f"R² above 1 for {listing(above, quote=True)}")
    loadings = np.abs(inner.loadings[0]).max(axis=0)
    high = [names[j] for j in np.flatnonzero(layout.corrected) if loadings[j] > 1 + 1e-12]
    if high:
        found.append(f"a loading beyond 1 in {listing(high, quote=True)}")
    return "; ".join(found)


def _check_options(scheme, missing, max_iter, tol, bootstrap, ci, ci_level) -> None:
    if scheme not in SCHEMES:
        raise ModelSpecificationError(f"scheme={scheme!r} is not one of 'path', 'factorial', 'centroid'.")
    if missing not in ("mean", "listwise"):
        raise ModelSpecificationError(f"missing={missing!r} is not one of 'mean', 'listwise'.")
    if isinstance(max_iter, bool) or int(max_iter) != max_iter or max_iter < 1:
        raise ModelSpecificationError(f"max_iter must be a whole number of at least 1, got {max_iter!r}.")
    if not tol > 0:
        raise ModelSpecificationError(f"tol must be positive, got {tol!r}.")
    if isinstance(bootstrap, bool) or int(bootstrap) != bootstrap or (bootstrap != 0 and bootstrap < 10):
        raise ModelSpecificationError(f"bootstrap must be 0 or a whole number of at least 10 draws, got {bootstrap!r}.")
    if ci not in ("percentile", "bca"):
        raise ModelSpecificationError(f"ci={ci!r} is not one of 'percentile', 'bca'.")
    check_ci_level(ci_level, error=ModelSpecificationError)


def _numeric(data: pd.DataFrame, spec: PLSSpec) -> pd.DataFrame:
    check_frame(data, where="pls.fit")
    frame = data[list(spec.indicators)]
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes):
        return _finite(frame.astype(float))
    for column in frame.columns:
        converted = pd.to_numeric(frame[column], errors="coerce")
        bad = converted.isna() & frame[column].notna()
        if bad.any():
            raise ModelSpecificationError(
                f"Indicator '{column}' has values that are not numbers ({rows_and_values(list(frame.index[bad]), list(frame[column][bad]))}). "
                "Recode them as numbers or missing.")
    return _finite(frame.apply(pd.to_numeric, errors="coerce").astype(float))


def _finite(frame: pd.DataFrame) -> pd.DataFrame:
    """Infinite values are named (a constant-indicator or convergence error would hide them)."""
    infinite = np.isinf(frame.to_numpy())
    if infinite.any():
        column = frame.columns[int(np.flatnonzero(infinite.any(axis=0))[0])]
        bad = np.isinf(frame[column].to_numpy())
        raise ModelSpecificationError(
            f"Indicator '{column}' holds infinite values ({rows_and_values(list(frame.index[bad]), list(frame[column][bad]))}). "
            "Replace them with valid numbers or with NaN (missing).")
    return frame


def _indicator_data(data: pd.DataFrame, spec: PLSSpec,
                    missing: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """The analysed rows with missing values treated, the same rows as observed, their row
    numbers, and what was done, in words."""
    frame = _numeric(data, spec)
    values = frame.to_numpy()
    holes = np.isnan(values)
    if not holes.any():
        return values, values, np.arange(len(values)), "No missing values."
    counts = holes.sum(axis=0)
    which = [f"{c} ({k})" for c, k in zip(frame.columns, counts, strict=True) if k]
    if holes.all(axis=0).any():
        empty = [c for c, none in zip(frame.columns, holes.all(axis=0), strict=True) if none]
        raise ModelSpecificationError(f"Indicator(s) {listing(empty, quote=True)} have no observed values; drop them.")
    if missing == "listwise":
        keep = np.flatnonzero(~holes.any(axis=1))
        text = (f"Listwise deletion: {len(values) - len(keep)} of {len(values)} rows had a missing value in "
                f"{listing(which, limit=10)} and were dropped; {len(keep)} rows analysed.")
        return values[keep], values[keep], keep, text
    complete = ~holes.all(axis=0)
    if not complete.all():
        empty = [c for c, ok in zip(frame.columns, complete, strict=True) if not ok]
        raise ModelSpecificationError(f"Indicator(s) {listing(empty, quote=True)} have no observed values; drop them.")
    filled = np.where(holes, np.nanmean(values, axis=0), values)
    text = (f"Mean replacement: {int(counts.sum())} missing values in {listing(which, limit=10)} were replaced by "
            f"the indicator's mean (seminr's default); all {len(values)} rows analysed.")
    return filled, values, np.arange(len(values)), text


def _check_constant(spec: PLSSpec, raw: np.ndarray, sds: np.ndarray) -> None:
    for k, item in enumerate(spec.indicators):
        if sds[k] > 0 and np.isfinite(sds[k]):
            continue
        j = int(spec.owner[k])
        construct, mode = spec.constructs[j], spec.modes[j]
        if mode == "B":
            hint = (f"a formative (mode B) block regresses its construct on its indicators, and a constant "
                    f"cannot enter that regression. Drop '{item}' from '{construct} <~ ...'.")
        elif len(spec.blocks[j]) == 1:
            hint = f"a single-indicator construct needs an indicator that varies. Remove '{construct}' from the model."
        else:
            hint = f"it cannot be standardized and carries no information. Drop '{item}' from '{construct} =~ ...'."
        raise ModelSpecificationError(
            f"Indicator '{item}' of construct '{construct}' is constant (every analysed row has {raw[0, k]:g}); {hint}")


def _check_mode_b(spec: PLSSpec, r: np.ndarray) -> None:
    for j, (construct, mode) in enumerate(zip(spec.constructs, spec.modes, strict=True)):
        if mode != "B" or len(spec.blocks[j]) < 2:
            continue
        items = np.flatnonzero(spec.owner == j)
        block = r[np.ix_(items, items)]
        if np.linalg.eigvalsh(block).min() < 1e-10:
            raise ModelSpecificationError(
                f"The indicators of formative construct '{construct}' ({listing(spec.blocks[j], quote=True)}) are "
                "perfectly collinear, so its mode B weights are not defined. Drop a redundant indicator.")


def _f_squared(spec: PLSSpec, r: np.ndarray, statistics: Statistics, estimate: np.ndarray, *, scheme: str,
               consistent: bool, tol: float, max_iter: int) -> pd.DataFrame:
    """Cohen's f² of every path: ``(R²_incl - R²_excl) / (1 - R²_incl)``, with R²_excl from the
    model re-estimated without the path (as seminr; 0 when the outcome has no predictor left)."""
    labels = statistics.labels
    r2 = dict(zip(labels.loc[labels["kind"] == "r2", "lhs"], estimate[(labels["kind"] == "r2").to_numpy()],
                  strict=True))
    rows = []
    for outcome, predictor in spec.paths:
        reduced = spec.without_path(outcome, predictor)
        excluded = 0.0
        if reduced.predictors(outcome):
            keep = [spec.indicators.index(item) for item in reduced.indicators]
            sub_r = r[np.ix_(keep, keep)][None]
            layout = Layout.from_spec(reduced, scheme=scheme, consistent=consistent)
            w, _, _ = outer_weights(sub_r, layout, layout.mask, tol=tol, max_iter=max_iter)
            est = inner_estimates(sub_r, w, layout)
            excluded = float(est.r2[0, reduced.endogenous.index(outcome)])
        rows.append({"outcome": outcome, "predictor": predictor,
                     "f2": (r2[outcome] - excluded) / (1 - r2[outcome])})
    return pd.DataFrame(rows, columns=["outcome", "predictor", "f2"])
