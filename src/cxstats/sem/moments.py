"""Data (or published summary statistics) -> the sample moments the estimator uses.

ML works with the covariance matrix with divisor N (lavaan's convention for
``likelihood = "normal"``) and the means. A covariance matrix given as input is taken to
be the usual unbiased one (divisor N - 1) and rescaled by (N - 1)/N, as lavaan does with
``sample.cov.rescale = TRUE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._format import listing
from .._validation import check_frame
from ._problems import ModelSpecificationError

__all__ = ["SampleMoments", "check_rows", "ml_moments", "moments_from_data", "moments_from_sufficient", "moments_from_summary"]


@dataclass(frozen=True)
class SampleMoments:
    """Covariance (divisor N), means and N of the observed variables, in model order."""

    names: tuple[str, ...]
    cov: np.ndarray
    mean: np.ndarray
    nobs: int
    data: np.ndarray | None = None  # complete cases, kept for the bootstrap (FIML: all rows, with gaps)
    n_dropped: int = 0
    saturated: object | None = None  # FIML: the EM estimates behind cov and mean
    fourth: np.ndarray | None = None  # MLR: lavaan's Gamma when given with the statistics (no rows)


def _unknown(names: tuple[str, ...], available: list[str], where: str) -> None:
    missing = [n for n in names if n not in available]
    if missing:
        raise ModelSpecificationError(
            f"The model uses {listing(missing, limit=10, quote=True)}, which {'is' if len(missing) == 1 else 'are'} "
            f"neither a latent variable (left of '=~') nor a column of the {where}. The {where} "
            f"has: {listing(available, limit=30, quote=True)}. Check the spelling, or define it with '=~'."
        )


def ml_moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(covariance with divisor N, means) of the rows of ``values``: lavaan's ML sample moments."""
    mean = values.mean(axis=0)
    centred = values - mean
    return centred.T @ centred / values.shape[0], mean


def numeric_values(data: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """The model's columns of ``data`` as floats (NaN for missing), with the checks a user needs."""
    check_frame(data, where="sem.fit")
    _unknown(names, [str(c) for c in data.columns], "data")
    columns = {c: data[c] for c in names}  # column by column: much cheaper than a sub-frame
    bad = [c for c, column in columns.items()
           if not (pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype))]
    if bad:
        examples = {c: columns[c].dropna().astype(str).unique()[:3].tolist() for c in bad}
        shown = "; ".join(f"'{c}' (e.g. {', '.join(map(repr, v))})" for c, v in examples.items())
        raise ModelSpecificationError(
            f"Column(s) {shown} are not numeric. Convert them to numbers (load the data through "
            "cxstats.read_survey with a codebook, which maps value labels to codes) before fitting."
        )
    values = np.column_stack([column.to_numpy(dtype=float, na_value=np.nan) for column in columns.values()])
    infinite = np.isinf(values)
    if infinite.any():
        cols = [names[j] for j in np.flatnonzero(infinite.any(axis=0))]
        rows = list(data.index[infinite.any(axis=1)])
        raise ModelSpecificationError(
            f"Column(s) {listing(cols, quote=True)} hold infinite values (rows {listing(rows)}). "
            "Replace them with valid numbers or with NaN (missing)."
        )
    empty = [names[j] for j in np.flatnonzero(np.isnan(values).all(axis=0))] if len(values) else list(names)
    if empty:
        raise ModelSpecificationError(
            f"Column(s) {listing(empty, quote=True)} have no values: every cell is missing. Drop them from the "
            "model or check the data."
        )
    return values


def check_rows(n: int, n_free: int) -> None:
    """ML needs more rows than free parameters."""
    if n <= n_free:
        raise ModelSpecificationError(
            f"The data have {n} complete rows for {n_free} free parameters; ML needs more rows than "
            "parameters (and in practice many more). Simplify the model or collect more data."
        )


def moments_from_data(data: pd.DataFrame, names: tuple[str, ...], *, n_free: int) -> SampleMoments:
    """Listwise-complete moments of ``names`` in ``data``, with the checks a user needs."""
    values = numeric_values(data, names)
    complete = ~np.isnan(values).any(axis=1)
    values = values[complete]
    n = values.shape[0]
    check_rows(n, n_free)
    cov, mean = ml_moments(values)
    _check_constant(cov, mean, names)
    return SampleMoments(names=names, cov=cov, mean=mean, nobs=n, data=values, n_dropped=int((~complete).sum()))


def moments_from_sufficient(cov: np.ndarray, mean: np.ndarray, nobs: int, names: tuple[str, ...], *,
                            n_free: int, fourth: np.ndarray | None = None) -> SampleMoments:
    """Moments from sufficient statistics of complete rows (a :class:`~cxstats.Moments`):
    the covariance with divisor N, the means and N, in model order, and lavaan's Gamma
    (``fourth``) when it was computed; no rows are kept."""
    check_rows(int(nobs), n_free)
    _check_constant(cov, mean, names)
    return SampleMoments(names=names, cov=np.asarray(cov, dtype=float), mean=np.asarray(mean, dtype=float),
                         nobs=int(nobs), fourth=fourth)


def _check_constant(cov: np.ndarray, mean: np.ndarray, names: tuple[str, ...]) -> None:
    constant = [names[i] for i in np.flatnonzero(np.diag(cov) <= 1e-12 * np.maximum(1.0, mean**2))]
    if constant:
        raise ModelSpecificationError(
            f"Variable(s) {listing(constant, quote=True)} have the same value in every complete row; "
            "a constant variable cannot be modelled. Drop it from the model."
        )


def moments_from_summary(cov: pd.DataFrame, names: tuple[str, ...], *, nobs: int,
                         means: pd.Series | None = None, n_free: int) -> SampleMoments:
    """Moments from a published covariance (or correlation) matrix, means and N."""
    if nobs is None or int(nobs) != nobs or nobs < 2:
        raise ModelSpecificationError(f"nobs must be the number of observations behind cov=, got {nobs!r}.")
    if not isinstance(cov, pd.DataFrame):
        raise ModelSpecificationError(
            "cov= must be a DataFrame with the variable names on its rows and columns (e.g. "
            "data.cov()), so that each number is matched to the right variable."
        )
    for axis, labels in (("columns", cov.columns), ("rows", cov.index)):
        missing = [n for n in names if n not in [str(c) for c in labels]]
        if missing:
            raise ModelSpecificationError(
                f"The {axis} of cov= lack {listing(missing, quote=True)}, used by the model. Pass the "
                "full covariance matrix with named rows and columns."
            )
    matrix = cov.loc[list(names), list(names)].to_numpy(dtype=float)
    if not np.allclose(matrix, matrix.T, atol=1e-10):
        raise ModelSpecificationError("cov= is not symmetric; pass a full covariance matrix.")
    if np.linalg.eigvalsh(matrix).min() <= 0:
        raise ModelSpecificationError("cov= is not positive definite; check it was copied correctly.")
    if int(nobs) <= n_free:
        raise ModelSpecificationError(f"nobs={nobs} is not more than the {n_free} free parameters.")
    mean = np.zeros(len(names))
    if means is not None:
        if not isinstance(means, pd.Series):
            raise ModelSpecificationError("means= must be a Series indexed by variable name (e.g. data.mean()).")
        missing = [n for n in names if n not in means.index]
        if missing:
            raise ModelSpecificationError(f"means= lacks {listing(missing, quote=True)}, used by the model.")
        mean = means.loc[list(names)].to_numpy(dtype=float)
    n = int(nobs)
    return SampleMoments(names=names, cov=matrix * (n - 1) / n, mean=mean, nobs=n)
