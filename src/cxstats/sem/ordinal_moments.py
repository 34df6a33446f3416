"""Ordinal data -> thresholds, polychoric/polyserial correlations and their asymptotic covariance.

The sample statistics lavaan 0.6.14 computes for ``ordered=`` variables (its ``muthen1984``
routine), in two steps:

1. *Univariate*: the thresholds of each ordered variable, tau_k = Phi^-1(proportion of
   answers in categories 1..k) (the probit maximum-likelihood estimate without covariates),
   and the mean and variance (divisor N) of each continuous variable. Each variable uses
   every row where it is observed.
2. *Bivariate*: with the step-1 estimates fixed, each correlation is the value of rho that
   maximises the bivariate likelihood of the pair (polychoric for two ordered variables,
   polyserial for a continuous and an ordered one, Pearson, i.e. the bivariate-normal ML
   rho, for two continuous ones), on the rows where both are observed (lavaan's
   ``missing = "pairwise"``; with ``"listwise"`` every row is complete). As in lavaan, rho is
   kept within [-0.999, 0.999]; no count is added to empty cells except in a 2 x 2 table with
   one empty cell (0.5, keeping the margins: lavaan's ``zero.add = c(0.5, 0)``).

The asymptotic covariance (``nacov``, lavaan's ``lavInspect(fit, "gamma")``) is Muthén's
(1984) sandwich built from the case-wise scores of both steps: with SC the N x q matrix of
scores (thresholds or means, variances, then correlations), A11 the block-diagonal
cross-product of each variable's step-1 scores, A21 the cross-products of each correlation's
score with the bivariate-likelihood scores of its two variables' step-1 parameters and A22 the
diagonal of the correlations' squared scores, ``nacov = N B^-1 (SC'SC) B^-T`` with
B = [[A11, 0], [A21, A22]]; entries that involve continuous variables are carried to the
covariance metric by the delta method, and the rows of their means change sign (lavaan stores
-mean among the thresholds). Checked against lavaan 0.6.14 in
``tests/reference/lavaan_polychoric.R``.

This module is the producer of :class:`OrdinalMoments` for ``sem.fit(..., ordered=...)``
(see the ordinal contract of issue 14) and the engine of :func:`cxstats.polychoric`.

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered categorical,
and continuous latent variable indicators. Psychometrika, 49, 115-132.
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
Psychometrika, 44, 443-460.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .._errors import CxStatsError, CxStatsWarning
from .._format import listing
from .._validation import check_frame, columns_present, one_of, warn
from ._bvn import bvn_cdf, bvn_pdf

__all__ = [
    "OrdinalDataError",
    "OrdinalMoments",
    "CorrelationNearOneWarning",
    "PolychoricConvergenceWarning",
    "bvn_cdf",
    "ordinal_moments",
]

#: More categories than this and an ``ordered`` item is almost surely a continuous score.
MAX_CATEGORIES = 20
_RHO_BOUND = 0.999  # lavaan's bounds for a polychoric correlation
_PS_BOUND = 0.995  # ... and for a polyserial one
_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))


class OrdinalDataError(CxStatsError):
    """Ordered items that cannot give thresholds or polychoric correlations as they are."""


class PolychoricConvergenceWarning(CxStatsWarning):
    """The maximum-likelihood polychoric or polyserial correlation of a pair did not converge."""


class CorrelationNearOneWarning(CxStatsWarning):
    """A polychoric, polyserial or Pearson correlation is (nearly) 1 in absolute value (lavaan warns too)."""


@dataclass(frozen=True)
class OrdinalMoments:
    """Ordinal sample statistics of one group, in lavaan's layout (see the module docstring).

    ``wls_obs`` holds the thresholds (for a continuous variable: minus its mean) variable by
    variable, the variances of the continuous variables, then the off-diagonal correlations
    (covariances when a continuous variable is involved) column by column (lavaan's
    ``lav_matrix_vech(R, diagonal = FALSE)``); ``wls_obs_names`` names them as lavaan does
    (``"sat1|t1"``, ``"x7~1"``, ``"x7~~x7"``, ``"sat1~~sat2"``). ``nacov`` is N times the
    asymptotic covariance of ``wls_obs`` and ``wls_v_diag`` = 1 / diag(nacov) the DWLS weights
    (``None`` when computed with ``nacov=False``). ``cor_se`` (p, p) and ``threshold_se`` are
    the standard errors of the correlations (correlation metric) and thresholds: the square
    roots of the diagonal of nacov / N, available without the full matrix. ``pair_nobs`` counts
    the rows where both variables of a pair are observed; ``empty_cells`` lists the empty cells of
    each pair's table (lavaan's zero-cell tables); ``not_converged`` the pairs whose ML failed;
    ``near_one`` the pairs whose correlation exceeds 0.99 in absolute value.
    """

    names: tuple[str, ...]
    ordered: frozenset[str]
    thresholds: dict[str, np.ndarray]
    means: dict[str, float]
    variances: dict[str, float]
    cor: np.ndarray
    nobs: int
    levels: dict[str, tuple[Any, ...]]
    wls_obs: np.ndarray
    wls_obs_names: tuple[str, ...]
    nacov: np.ndarray | None
    wls_v_diag: np.ndarray | None
    pair_nobs: np.ndarray
    cor_se: np.ndarray
    threshold_se: dict[str, np.ndarray]
    empty_cells: dict[tuple[str, str], tuple[tuple[Any, Any], ...]] = field(default_factory=dict)
    not_converged: tuple[tuple[str, str], ...] = ()
    near_one: tuple[tuple[str, str], ...] = ()
    group: Any = None

    @property
    def cov(self) -> np.ndarray:
        """The correlation matrix with continuous variables back on their scale (lavaan's sampstat cov)."""
        sd = np.array([np.sqrt(self.variances[n]) if n in self.variances else 1.0 for n in self.names])
        return self.cor * np.outer(sd, sd)


# ---------------------------------------------------------------------------------------------
# input


def _levels(data: pd.DataFrame, name: str, where: str) -> tuple[np.ndarray, tuple[Any, ...]]:
    """(codes 0..K-1 with -1 for missing, the sorted observed categories) of an ordered item."""
    column = data[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        if not column.cat.ordered:
            raise OrdinalDataError(
                f"Column '{name}' is an unordered categorical; {where} needs ordered categories. "
                f"Make it ordered (column.cat.as_ordered()) or code its answers as integers.")
        used = [c for c in column.cat.categories if (column == c).any()]
        mapping = {c: k for k, c in enumerate(used)}
        codes = np.array([mapping.get(v, -1) if not pd.isna(v) else -1 for v in column], dtype=np.int64)
        return codes, tuple(used)
    if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(column.dtype):
        raise OrdinalDataError(
            f"Column '{name}' is not numeric (dtype {column.dtype}); {where} needs the answers of an "
            f"ordered item coded as integers (1 = lowest category). Recode it, e.g. with a codebook.")
    values = column.to_numpy(dtype=float, na_value=np.nan)
    observed = values[~np.isnan(values)]
    fractional = observed[observed != np.round(observed)]
    if fractional.size:
        raise OrdinalDataError(
            f"Column '{name}' is listed in ordered= but has non-integer values "
            f"({listing(sorted(set(fractional.tolist())), limit=5)}). Ordered items take integer "
            f"category codes; drop '{name}' from ordered= to treat it as continuous.")
    used = np.unique(observed)
    if used.size > MAX_CATEGORIES:
        raise OrdinalDataError(
            f"Column '{name}' is listed in ordered= but has {used.size} distinct values "
            f"(more than {MAX_CATEGORIES}); it is not a rating scale. Drop it from ordered= to treat "
            f"it as continuous, or collapse its categories.")
    codes = np.full(values.shape, -1, dtype=np.int64)
    seen = ~np.isnan(values)
    codes[seen] = np.searchsorted(used, values[seen])
    return codes, tuple(int(v) if float(v).is_integer() else v for v in used)


def _check_categories(name: str, codes: np.ndarray, levels: tuple[Any, ...], group: Any) -> None:
    where = "" if group is None else f" in group '{group}'"
    counts = np.bincount(codes[codes >= 0], minlength=len(levels))
    if np.count_nonzero(counts) < 2:
        only = [levels[k] for k in np.flatnonzero(counts)]
        said = f"only the value {only[0]}" if only else "no answers"
        raise OrdinalDataError(
            f"Ordered item '{name}' has {said}{where}: a single observed category gives no threshold "
            f"or correlation. Drop '{name}' from the analysis.")
    if (counts == 0).any():
        empty = [levels[k] for k in np.flatnonzero(counts == 0)]
        raise OrdinalDataError(
            f"Ordered item '{name}' has no answers in categor{'y' if len(empty) == 1 else 'ies'} "
            f"{listing(empty)}{where}, which other groups use; lavaan stops here too. Collapse "
            f"{'that category' if len(empty) == 1 else 'those categories'} with a neighbour "
            f"(the same way in every group) or analyse the groups separately.")


# ---------------------------------------------------------------------------------------------
# step 1: univariate


def _uni_ordinal(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(thresholds, score table: category x threshold) of one ordered variable."""
    counts = np.bincount(codes[codes >= 0], minlength=k).astype(float)
    tau = ndtri(np.cumsum(counts)[:-1] / counts.sum())
    upper = np.append(tau, np.inf)
    lower = np.insert(tau, 0, -np.inf)
    prob = ndtr(upper) - ndtr(lower)
    dens = np.exp(-tau * tau / 2.0) / np.sqrt(2.0 * np.pi)
    table = np.zeros((k, k - 1))
    for t in range(k - 1):
        table[t, t] = dens[t] / prob[t]
        table[t + 1, t] = -dens[t] / prob[t + 1]
    return tau, table


# ---------------------------------------------------------------------------------------------
# step 2: polychoric, vectorized over pairs


def _bounds(tau: list[np.ndarray], kmax: int) -> np.ndarray:
    """(variables, kmax + 1) category limits: -inf, the thresholds, then +inf (padding too)."""
    out = np.full((len(tau), kmax + 1), np.inf)
    out[:, 0] = -np.inf
    for v, t in enumerate(tau):
        out[v, 1:1 + t.size] = t
    return out


def _cell_probabilities(u1: np.ndarray, u2: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P, K, K) cell probabilities and their derivatives in rho for limits u1, u2 (P, K + 1)."""
    r = rho[:, None, None]
    big = bvn_cdf(u1[:, :, None], u2[:, None, :], r)
    dens = bvn_pdf(u1[:, :, None], u2[:, None, :], r)
    prob = big[:, 1:, 1:] - big[:, :-1, 1:] - big[:, 1:, :-1] + big[:, :-1, :-1]
    dprob = dens[:, 1:, 1:] - dens[:, :-1, 1:] - dens[:, 1:, :-1] + dens[:, :-1, :-1]
    return prob, dprob


def _second_derivative(u1: np.ndarray, u2: np.ndarray, rho: np.ndarray) -> np.ndarray:
    r = rho[:, None, None]
    h, k = u1[:, :, None], u2[:, None, :]
    one = 1.0 - r * r
    finite = np.isfinite(h) & np.isfinite(k)
    hh, kk = np.where(finite, h, 0.0), np.where(finite, k, 0.0)
    g = (hh * kk * one - r * (hh * hh - 2.0 * r * hh * kk + kk * kk) + r * one) / (one * one)
    gd = bvn_pdf(u1[:, :, None], u2[:, None, :], r) * g
    return gd[:, 1:, 1:] - gd[:, :-1, 1:] - gd[:, 1:, :-1] + gd[:, :-1, :-1]


def _polychoric_fit(freq: np.ndarray, u1: np.ndarray, u2: np.ndarray, start: np.ndarray, *,
                    max_iter: int = 100, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """ML rho for every table in ``freq`` (P, K, K) given the limits; (rho, converged)."""

    def loglik(rho: np.ndarray) -> np.ndarray:
        prob, _ = _cell_probabilities(u1, u2, rho)
        return (freq * np.log(np.maximum(prob, _SQRT_EPS))).sum(axis=(1, 2))

    rho = np.clip(start, -_RHO_BOUND, _RHO_BOUND)
    converged = np.zeros(rho.shape, dtype=bool)
    current = loglik(rho)
    active = np.ones(rho.shape, dtype=bool)
    for _ in range(max_iter):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        a1, a2, f, r = u1[idx], u2[idx], freq[idx], rho[idx]
        prob, dprob = _cell_probabilities(a1, a2, r)
        ok = prob > _SQRT_EPS
        safe = np.where(ok, prob, 1.0)
        grad = np.where(ok, f * dprob / safe, 0.0).sum(axis=(1, 2))
        second = _second_derivative(a1, a2, r)
        hess = np.where(ok, f * (second / safe - dprob * dprob / (safe * safe)), 0.0).sum(axis=(1, 2))
        step = np.where(hess < 0, -grad / np.where(hess < 0, hess, -1.0), np.sign(grad) * 0.1)
        step = np.clip(step, -0.5, 0.5)
        base = current[idx]
        accepted = np.zeros(idx.size, dtype=bool)
        new = r.copy()
        new_ll = base.copy()
        scale = 1.0
        for _half in range(30):
            trial = np.clip(r + scale * step, -_RHO_BOUND, _RHO_BOUND)
            todo = ~accepted
            ll = np.full(idx.size, -np.inf)
            ll[todo] = (f[todo] * np.log(np.maximum(
                _cell_probabilities(a1[todo], a2[todo], trial[todo])[0], _SQRT_EPS))).sum(axis=(1, 2))
            better = todo & (ll >= base - 1e-12 * np.abs(base))
            new[better], new_ll[better] = trial[better], ll[better]
            accepted |= better
            if accepted.all():
                break
            scale /= 2.0
        moved = np.abs(new - r)
        rho[idx], current[idx] = new, new_ll
        at_bound = (np.abs(new) >= _RHO_BOUND) & (np.sign(grad) == np.sign(new))
        done = (moved < tol) | at_bound
        converged[idx[done]] = True
        active[idx[done]] = False
        active[idx[~accepted]] = False  # no ascent possible: stays not converged
    return rho, converged


def _two_by_two(freq: np.ndarray, tau1: float, tau2: float) -> float | None:
    """lavaan's closed forms for a 2 x 2 table (None: estimate by ML); ``freq`` may be adjusted in place."""
    zeros = np.flatnonzero(freq.ravel() == 0)
    if zeros.size == 2:
        return 1.0 if freq[0, 0] > 0 else -1.0
    if zeros.size == 1:  # zero.add = 0.5, keeping the margins
        sign = 1.0 if zeros[0] in (0, 3) else -1.0
        freq += sign * 0.5 * np.array([[1.0, -1.0], [-1.0, 1.0]])
    if freq[0, 0] * freq[1, 1] == freq[0, 1] * freq[1, 0]:
        return 0.0
    if tau1 == 0 and tau2 == 0:
        return -np.cos(2.0 * np.pi * freq[0, 0] / freq.sum())
    return None


def _start_values(freq: np.ndarray) -> np.ndarray:
    """Pearson correlations of the category codes (lavaan's starting values), 0 when undefined."""
    k = freq.shape[1]
    codes = np.arange(k, dtype=float)
    n = freq.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = freq.sum(axis=2) / n[:, None], freq.sum(axis=1) / n[:, None]
        m1, m2 = p1 @ codes, p2 @ codes
        v1, v2 = p1 @ codes ** 2 - m1 ** 2, p2 @ codes ** 2 - m2 ** 2
        cross = np.einsum("pab,a,b->p", freq, codes, codes) / n - m1 * m2
        r = cross / np.sqrt(v1 * v2)
    return np.where(np.isfinite(r) & (np.abs(r) < 1.0), r, 0.0)


def _threshold_derivatives(u1: np.ndarray, u2: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """(P, K - 1, K): d P(row t or t + 1, column b) / d tau1_t, up to the sign of the row."""
    r = rho[:, None, None]
    tau = u1[:, 1:-1, None]  # (P, K - 1, 1) the thresholds of the row variable (padding: inf)
    finite = np.isfinite(tau)
    t = np.where(finite, tau, 0.0)
    one = np.sqrt(1.0 - r * r)
    with np.errstate(invalid="ignore"):
        cdf = ndtr((u2[:, None, :] - r * t) / one)  # (P, K - 1, K + 1)
    strip = cdf[:, :, 1:] - cdf[:, :, :-1]
    dens = np.exp(-t * t / 2.0) / np.sqrt(2.0 * np.pi)
    return np.where(finite, dens * strip, 0.0)


@dataclass
class _Scores:
    """Case-wise scores and the pieces of Muthén's sandwich, filled pair type by pair type."""

    step1: np.ndarray  # (N, q1) thresholds / means, then variances of continuous variables
    blocks: list[np.ndarray]  # A11 blocks: step-1 columns of each variable
    a11_inv: list[np.ndarray]  # the inverse of each A11 block
    cases: bool  # keep case-wise correlation scores (for the full NACOV)
    cor: np.ndarray  # (N, P)
    a21: np.ndarray  # (P, q1)
    a22: np.ndarray  # (P,)
    h21: np.ndarray  # (P, q1)
    h22: np.ndarray  # (P,)


def ordinal_moments(data: pd.DataFrame, names: Any, ordered: Any, group: str | None = None, *,
                    missing: str = "listwise", nacov: bool = True, max_iter: int = 100,
                    where: str = "ordinal_moments") -> OrdinalMoments | dict[Any, OrdinalMoments]:
    """Thresholds, polychoric/polyserial correlations and their asymptotic covariance, as lavaan.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    names : sequence of str
        The variables, in model order.
    ordered : sequence of str or True
        The ordered (ordinal) variables among ``names``; ``True`` for all of them.
    group : str, optional
        A grouping column: one :class:`OrdinalMoments` per group (a dict, in order of first
        appearance). Every group must use every category of every ordered item (lavaan's rule).
    missing : {"listwise", "pairwise"}
        ``"pairwise"``: thresholds from every answer to the item, correlations from the rows
        where both items are answered (lavaan's ``missing = "pairwise"``).
    nacov : bool
        Compute the asymptotic covariance (``nacov``, ``wls_v_diag``).

    Raises
    ------
    OrdinalDataError
        An ordered item with a single observed category, non-integer codes or more than 20
        categories; a category used in one group but not in another; a pair of items whose
        joint answers are too few to estimate their correlation.

    Warns
    -----
    PolychoricConvergenceWarning
        A pair's correlation did not converge (also in ``not_converged``).
    CorrelationNearOneWarning
        A pair's correlation is above 0.99 in absolute value (also in ``near_one``), as lavaan
        warns: the two items are (nearly) the same question, or an empty cell of a 2 x 2 table.
    """
    data = check_frame(data, where=where)
    names = tuple(str(n) for n in names)
    if len(set(names)) != len(names):
        raise CxStatsError(f"The variables of {where} repeat a name; list each column once.")
    columns_present(data, list(names) + ([group] if group is not None else []), where=where)
    if ordered is True:
        ordered = names
    ordered = frozenset(str(n) for n in (ordered or ()))
    unknown = sorted(ordered - set(names))
    if unknown:
        raise CxStatsError(f"ordered= names {listing(unknown, quote=True)}, which {'is' if len(unknown) == 1 else 'are'} "
                           f"not among the variables of {where}. List only the analysed items in ordered=.")
    one_of("missing", missing, ("listwise", "pairwise"))
    if len(names) < 2:
        raise CxStatsError(f"{where} needs at least two variables; got {listing(names, quote=True)}.")
    codes: dict[str, np.ndarray] = {}
    levels: dict[str, tuple[Any, ...]] = {}
    values: dict[str, np.ndarray] = {}
    for name in names:
        if name in ordered:
            codes[name], levels[name] = _levels(data, name, where)
        else:
            column = data[name]
            if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(column.dtype):
                raise CxStatsError(f"Column '{name}' is not numeric (dtype {column.dtype}); list it in ordered= "
                                   f"if it holds ordered categories, or recode it as numbers.")
            values[name] = column.to_numpy(dtype=float, na_value=np.nan)
    observed = np.column_stack([codes[n] >= 0 if n in ordered else ~np.isnan(values[n]) for n in names])
    keep = observed.all(axis=1) if missing == "listwise" else observed.any(axis=1)
    if group is None:
        parts = [(None, keep)]
    else:
        g = data[group]
        parts = [(value, keep & (g == value).to_numpy()) for value in pd.unique(g.dropna())]
    out = {}
    for value, rows in parts:
        part_codes = {n: c[rows] for n, c in codes.items()}
        for name in names:
            if name in ordered:
                _check_categories(name, part_codes[name], levels[name], value)
        out[value] = _group_moments(names, ordered, part_codes, {n: v[rows] for n, v in values.items()},
                                    levels, value, nacov, max_iter)
    return out[None] if group is None else out


def _group_moments(names: tuple[str, ...], ordered: frozenset[str], codes: dict[str, np.ndarray],
                   values: dict[str, np.ndarray], levels: dict[str, tuple[Any, ...]], group: Any,
                   want_nacov: bool, max_iter: int) -> OrdinalMoments:
    nvar = len(names)
    n = len(next(iter(codes.values())) if codes else next(iter(values.values())))
    # step 1 -----------------------------------------------------------------------------------
    tau: dict[str, np.ndarray] = {}
    uni_tables: dict[str, np.ndarray] = {}
    means: dict[str, float] = {}
    variances: dict[str, float] = {}
    th_slots: dict[str, np.ndarray] = {}
    position = 0
    for name in names:
        if name in ordered:
            tau[name], uni_tables[name] = _uni_ordinal(codes[name], len(levels[name]))
            th_slots[name] = np.arange(position, position + tau[name].size)
        else:
            x = values[name][~np.isnan(values[name])]
            means[name], variances[name] = float(x.mean()), float(x.var())
            th_slots[name] = np.array([position])
        position += th_slots[name].size
    nth = position
    numeric = [nm for nm in names if nm not in ordered]
    var_slot = {nm: nth + k for k, nm in enumerate(numeric)}
    q1 = nth + len(numeric)
    step1 = np.zeros((n, q1))
    for name in names:
        if name in ordered:
            if not want_nacov and not numeric:
                continue  # the standard errors of polychorics come from the cell counts
            c = codes[name]
            seen = c >= 0
            step1[np.ix_(seen, th_slots[name])] = uni_tables[name][c[seen]]
        else:
            x = values[name]
            seen = ~np.isnan(x)
            mu, v = means[name], variances[name]
            step1[seen, th_slots[name][0]] = (x[seen] - mu) / v
            step1[seen, var_slot[name]] = -1.0 / (2.0 * v) + (x[seen] - mu) ** 2 / (2.0 * v * v)
    blocks = [np.append(th_slots[nm], [var_slot[nm]] if nm in var_slot else []).astype(int) for nm in names]
    a11_inv = []
    for name, block in zip(names, blocks):
        if name in ordered:  # from the category counts: sum over cases of the outer products of scores
            counts = np.bincount(codes[name][codes[name] >= 0], minlength=len(levels[name])).astype(float)
            table = uni_tables[name]
            a11_inv.append(np.linalg.inv(table.T @ (counts[:, None] * table)))
        else:
            a11_inv.append(np.linalg.inv(step1[:, block].T @ step1[:, block]))
    # step 2 -----------------------------------------------------------------------------------
    pairs = [(i, j) for j in range(nvar) for i in range(j + 1, nvar)]
    npairs = len(pairs)
    cor = np.eye(nvar)
    scores = _Scores(step1, blocks, a11_inv, want_nacov, np.zeros((n, npairs)), np.zeros((npairs, q1)), np.zeros(npairs),
                     np.zeros((npairs, q1)), np.ones(npairs))
    seen_all = np.column_stack([(codes[nm] >= 0) if nm in ordered else ~np.isnan(values[nm]) for nm in names])
    seen_float = seen_all.astype(float)
    pair_nobs = np.rint(seen_float.T @ seen_float).astype(int)
    cor_se = np.zeros(npairs)
    empty_cells: dict[tuple[str, str], tuple[tuple[Any, Any], ...]] = {}
    not_converged: list[tuple[str, str]] = []
    ord_pairs = [(p, i, j) for p, (i, j) in enumerate(pairs) if names[i] in ordered and names[j] in ordered]
    if ord_pairs:
        _polychorics(ord_pairs, names, codes, levels, tau, uni_tables, th_slots, cor, cor_se, scores, empty_cells,
                     not_converged, max_iter)
    for p, (i, j) in enumerate(pairs):
        a, b = names[i], names[j]
        if a in ordered and b in ordered:
            continue
        if a not in ordered and b not in ordered:
            ok = _pearson(p, i, j, names, values, means, variances, th_slots, var_slot, cor, scores)
        else:
            num, ordv = (i, j) if a not in ordered else (j, i)
            ok = _polyserial(p, num, ordv, names, values, codes, means, variances, tau, th_slots, var_slot, cor,
                             scores)
        if not ok:
            not_converged.append((b, a))
        u2 = scores.cor[:, p].copy()
        for v in (i, j):
            block = blocks[v]
            u2 -= step1[:, block] @ (a11_inv[v] @ scores.a21[p, block])
        cor_se[p] = np.sqrt(u2 @ u2) / scores.a22[p]
    if not_converged:
        warn(f"The correlation of {listing([f'{x} ~~ {y}' for x, y in not_converged], quote=True)} did not converge"
             f"{'' if group is None else f' in group {group!r}'}; its value is the starting value and should not be "
             f"used. Check the pair's table for empty or near-empty categories.", PolychoricConvergenceWarning)
    near_one = tuple((names[j], names[i]) for i, j in pairs if abs(cor[i, j]) > 0.99)
    if near_one:
        warn(f"The correlation of {listing([f'{x} ~~ {y}' for x, y in near_one], quote=True)} is (nearly) 1"
             f"{'' if group is None else f' in group {group!r}'}: the items may repeat one question, or their table "
             f"has an empty cell that forces the estimate to the bound. Check the pair's table; consider dropping "
             f"one of the two items.", CorrelationNearOneWarning)
    # wls.obs ----------------------------------------------------------------------------------
    sd = np.array([np.sqrt(variances[nm]) if nm in variances else 1.0 for nm in names])
    cov = cor * np.outer(sd, sd)
    th_values = np.concatenate([tau[nm] if nm in ordered else [-means[nm]] for nm in names])
    th_names = [f"{nm}|t{k + 1}" for nm in names for k in range(tau[nm].size)] if not numeric else \
        [label for nm in names for label in ([f"{nm}|t{k + 1}" for k in range(tau[nm].size)] if nm in ordered
                                             else [f"{nm}~1"])]
    wls_obs = np.concatenate([th_values, [variances[nm] for nm in numeric], [cov[i, j] for i, j in pairs]])
    wls_names = tuple(th_names + [f"{nm}~~{nm}" for nm in numeric] + [f"{names[j]}~~{names[i]}" for i, j in pairs])
    se_matrix = np.zeros((nvar, nvar))
    for p, (i, j) in enumerate(pairs):
        se_matrix[i, j] = se_matrix[j, i] = cor_se[p]
    threshold_se = {nm: np.sqrt(np.diag(a11_inv[v]))[:tau[nm].size] for v, nm in enumerate(names) if nm in ordered}
    nacov = wls_v = None
    if want_nacov:
        nacov = _nacov(scores, n, numeric, th_slots, pairs)
        with np.errstate(divide="ignore"):
            wls_v = 1.0 / np.diag(nacov)
    return OrdinalMoments(names=names, ordered=ordered, thresholds=tau, means=means, variances=variances, cor=cor,
                          nobs=n, levels={nm: levels[nm] for nm in names if nm in ordered}, wls_obs=wls_obs,
                          wls_obs_names=wls_names, nacov=nacov, wls_v_diag=wls_v, pair_nobs=pair_nobs,
                          cor_se=se_matrix, threshold_se=threshold_se,
                          empty_cells=empty_cells, not_converged=tuple(not_converged), near_one=near_one,
                          group=group)


def _too_sparse(a: str, b: str, table: np.ndarray, la: tuple[Any, ...], lb: tuple[Any, ...]) -> None:
    """Raise when a pair's joint answers cannot identify a correlation (one row or column used)."""
    total = int(table.sum())
    rows, cols = np.count_nonzero(table.sum(axis=1)), np.count_nonzero(table.sum(axis=0))
    if total >= 2 and rows >= 2 and cols >= 2:
        return
    empty = [f"({la[r]}, {lb[c]})" for r, c in zip(*np.nonzero(table == 0))]
    raise OrdinalDataError(
        f"Items '{a}' and '{b}' are answered together by only {total} row{'' if total == 1 else 's'}, using "
        f"{rows} categor{'y' if rows == 1 else 'ies'} of '{a}' and {cols} of '{b}': too sparse to estimate their "
        f"correlation. Empty cells ({a}, {b}): {listing(empty, limit=12)}. Collect more answers to both items, "
        f"use missing='listwise' only if it leaves more rows, or drop one of the two items.")


def _polychorics(ord_pairs: list[tuple[int, int, int]], names: tuple[str, ...], codes: dict[str, np.ndarray],
                 levels: dict[str, tuple[Any, ...]], tau: dict[str, np.ndarray], uni_tables: dict[str, np.ndarray],
                 th_slots: dict[str, np.ndarray], cor: np.ndarray, cor_se: np.ndarray, scores: _Scores,
                 empty_cells: dict, not_converged: list, max_iter: int) -> None:
    ord_names = [nm for nm in names if nm in tau]
    kmax = max(len(levels[nm]) for nm in ord_names)
    index = {nm: k for k, nm in enumerate(ord_names)}
    npairs = len(ord_pairs)
    rows_idx = np.array([index[names[i]] for _, i, _ in ord_pairs])
    cols_idx = np.array([index[names[j]] for _, _, j in ord_pairs])
    # every bivariate table in one count; category kmax stands for "not answered"
    width = kmax + 1
    coded = np.column_stack([np.where(codes[nm] >= 0, codes[nm], kmax) for nm in ord_names])
    full = np.empty((npairs, width, width))
    for start in range(0, npairs, 256):  # in chunks: at most 256 pairs x N cells at a time
        stop = min(start + 256, npairs)
        cells = coded[:, rows_idx[start:stop]] * width + coded[:, cols_idx[start:stop]]
        cells += np.arange(stop - start) * width * width
        full[start:stop] = np.bincount(cells.ravel(), minlength=(stop - start) * width * width).reshape(
            stop - start, width, width)
    counts = full[:, :kmax, :kmax]
    freq = counts.copy()
    bounds = _bounds([tau[nm] for nm in ord_names], kmax)
    u1 = np.stack([bounds[index[names[i]]] for _, i, _ in ord_pairs])
    u2 = np.stack([bounds[index[names[j]]] for _, _, j in ord_pairs])
    rho = np.zeros(npairs)
    fixed = np.zeros(npairs, dtype=bool)
    for q, (_, i, j) in enumerate(ord_pairs):
        a, b = names[i], names[j]
        ka, kb = len(levels[a]), len(levels[b])
        table = freq[q, :ka, :kb]
        _too_sparse(b, a, table.T, levels[b], levels[a])
        zeros = list(zip(*np.nonzero(table == 0)))
        if zeros:
            empty_cells[(b, a)] = tuple((levels[b][c], levels[a][r]) for r, c in zeros)
        if ka == 2 and kb == 2:
            adjusted = table.copy()
            value = _two_by_two(adjusted, float(tau[a][0]), float(tau[b][0]))
            if value is None:
                freq[q, :2, :2] = adjusted
            else:
                rho[q], fixed[q] = value, True
    free = ~fixed
    converged = np.ones(npairs, dtype=bool)
    if free.any():
        rho[free], converged[free] = _polychoric_fit(freq[free], u1[free], u2[free], _start_values(freq[free]),
                                                     max_iter=max_iter)
    for q in np.flatnonzero(~converged):
        _, i, j = ord_pairs[q]
        not_converged.append((names[j], names[i]))
        rho[q] = _start_values(freq[q:q + 1])[0]
    for q, (p, i, j) in enumerate(ord_pairs):
        cor[i, j] = cor[j, i] = rho[q]
    # scores at the estimates (from the observed cells, as lavaan: no zero.add here)
    prob, dprob = _cell_probabilities(u1, u2, rho)
    ok = prob > _SQRT_EPS
    safe = np.where(ok, prob, 1.0)
    score_rho = np.where(ok, dprob / safe, 0.0)
    weighted = counts * score_rho / safe * ok  # n_ab * score_ab / P_ab
    d1 = _threshold_derivatives(u1, u2, rho)  # (P, K-1, K) rows
    d2 = _threshold_derivatives(u2, u1, rho)  # (P, K-1, K) columns
    # d log P_ab / d tau1_t = ([a == t] - [a == t + 1]) d1[t, b] / P_ab
    a21_row = (weighted[:, :-1, :] * d1).sum(axis=2) - (weighted[:, 1:, :] * d1).sum(axis=2)
    wt = weighted.transpose(0, 2, 1)
    a21_col = (wt[:, :-1, :] * d2).sum(axis=2) - (wt[:, 1:, :] * d2).sum(axis=2)
    a22 = (counts * score_rho ** 2).sum(axis=(1, 2))
    # standard errors from the cells (Muthen's sandwich restricted to one pair): with u the step-1
    # scores times A11^-1, a case in cell (a, b) contributes (score_ab - u_i(a).A21_i - u_j(b).A21_j) / A22,
    # a case that answered only one of the two items its step-1 part alone
    u_tables = np.zeros((len(ord_names), kmax, kmax - 1))
    for nm in ord_names:
        v = names.index(nm)
        k = len(levels[nm])
        u_tables[index[nm], :k, :k - 1] = uni_tables[nm] @ scores.a11_inv[v]
    v_row = np.einsum("pak,pk->pa", u_tables[rows_idx], a21_row)
    v_col = np.einsum("pbk,pk->pb", u_tables[cols_idx], a21_col)
    inside = (counts * (score_rho - v_row[:, :, None] - v_col[:, None, :]) ** 2).sum(axis=(1, 2))
    only_row = (full[:, :kmax, kmax] * v_row ** 2).sum(axis=1)
    only_col = (full[:, kmax, :kmax] * v_col ** 2).sum(axis=1)
    se = np.sqrt(inside + only_row + only_col) / a22
    if scores.cases:
        padded = np.zeros((npairs, kmax + 1, kmax + 1))
        padded[:, :kmax, :kmax] = score_rho
    for q, (p, i, j) in enumerate(ord_pairs):
        a, b = names[i], names[j]
        scores.a21[p, th_slots[a]] = a21_row[q, :th_slots[a].size]
        scores.a21[p, th_slots[b]] = a21_col[q, :th_slots[b].size]
        scores.a22[p] = a22[q]
        cor_se[p] = se[q]
        if scores.cases:
            ca, cb = codes[a].copy(), codes[b].copy()
            ca[ca < 0], cb[cb < 0] = kmax, kmax
            scores.cor[:, p] = padded[q][ca, cb]

def _maximise(loglik: Any, bound: float) -> tuple[float, bool]:
    """Maximise a smooth one-parameter log-likelihood on [-bound, bound] (bounded Brent)."""
    from scipy.optimize import minimize_scalar

    result = minimize_scalar(lambda r: -loglik(r), bounds=(-bound, bound), method="bounded",
                             options={"xatol": 1e-12, "maxiter": 500})
    return float(result.x), bool(result.success)


def _pearson(p: int, i: int, j: int, names: tuple[str, ...], values: dict[str, np.ndarray], means: dict,
             variances: dict, th_slots: dict, var_slot: dict, cor: np.ndarray, scores: _Scores) -> bool:
    """Two continuous variables: the bivariate-normal ML rho given the step-1 means and variances."""
    a, b = names[i], names[j]
    both = ~np.isnan(values[a]) & ~np.isnan(values[b])
    sa, sb = np.sqrt(variances[a]), np.sqrt(variances[b])
    z1 = (values[a][both] - means[a]) / sa
    z2 = (values[b][both] - means[b]) / sb
    s11, s22, s12, m = (z1 * z1).sum(), (z2 * z2).sum(), (z1 * z2).sum(), z1.size

    def loglik(r: float) -> float:
        one = 1.0 - r * r
        return -0.5 * m * np.log(one) - (s11 - 2.0 * r * s12 + s22) / (2.0 * one)

    r, ok = _maximise(loglik, _RHO_BOUND)
    cor[i, j] = cor[j, i] = r
    one = 1.0 - r * r
    q = z1 * z1 - 2.0 * r * z1 * z2 + z2 * z2
    sc = np.zeros(both.size)
    sc[both] = r / one + (z1 * z2 * one - r * q) / (one * one)
    d_mu1 = (z1 - r * z2) / (sa * one)
    d_mu2 = (z2 - r * z1) / (sb * one)
    d_v1 = (z1 * (z1 - r * z2) / one - 1.0) / (2.0 * variances[a])
    d_v2 = (z2 * (z2 - r * z1) / one - 1.0) / (2.0 * variances[b])
    scores.cor[:, p] = sc
    s = sc[both]
    scores.a21[p, th_slots[a][0]], scores.a21[p, th_slots[b][0]] = s @ d_mu1, s @ d_mu2
    scores.a21[p, var_slot[a]], scores.a21[p, var_slot[b]] = s @ d_v1, s @ d_v2
    scores.a22[p] = s @ s
    scores.h21[p, var_slot[a]] = sb * r / (2.0 * sa)
    scores.h21[p, var_slot[b]] = sa * r / (2.0 * sb)
    scores.h22[p] = sa * sb
    return ok


def _polyserial(p: int, num: int, ordv: int, names: tuple[str, ...], values: dict, codes: dict, means: dict,
                variances: dict, tau: dict, th_slots: dict, var_slot: dict, cor: np.ndarray, scores: _Scores) -> bool:
    """A continuous and an ordered variable: the ML polyserial rho given the step-1 estimates."""
    x_name, y_name = names[num], names[ordv]
    x, c = values[x_name], codes[y_name]
    both = ~np.isnan(x) & (c >= 0)
    sd = np.sqrt(variances[x_name])
    z = (x[both] - means[x_name]) / sd
    cat = c[both]
    limits = np.concatenate([[-np.inf], tau[y_name], [np.inf]])
    upper, lower = limits[cat + 1], limits[cat]

    def parts(r: float) -> tuple[np.ndarray, ...]:
        big_r = np.sqrt(1.0 - r * r)
        with np.errstate(invalid="ignore"):
            hi = np.where(np.isfinite(upper), (upper - r * z) / big_r, np.inf)
            lo = np.where(np.isfinite(lower), (lower - r * z) / big_r, -np.inf)
        return hi, lo, ndtr(hi) - ndtr(lo), big_r

    def loglik(r: float) -> float:
        prob = parts(r)[2]
        return float(np.log(prob[prob > _SQRT_EPS]).sum())

    r, ok = _maximise(loglik, _PS_BOUND)
    cor[num, ordv] = cor[ordv, num] = r
    hi, lo, prob, big_r = parts(r)
    good = prob > _SQRT_EPS
    inv = np.where(good, 1.0 / np.where(good, prob, 1.0), 0.0)
    dh = np.where(np.isfinite(hi), np.exp(-np.where(np.isfinite(hi), hi, 0.0) ** 2 / 2.0), 0.0) / np.sqrt(2 * np.pi)
    dl = np.where(np.isfinite(lo), np.exp(-np.where(np.isfinite(lo), lo, 0.0) ** 2 / 2.0), 0.0) / np.sqrt(2 * np.pi)
    up = np.where(np.isfinite(upper), upper, 0.0)
    low = np.where(np.isfinite(lower), lower, 0.0)
    s = inv * (dh * (r * up - z) - dl * (r * low - z)) / big_r ** 3
    d_mu = (z + inv * (r / big_r) * (dh - dl)) / sd
    d_var = ((z * z - 1.0) + inv * (r * z / big_r) * (dh - dl)) / (2.0 * variances[x_name])
    k = tau[y_name].size
    d_th = np.zeros((cat.size, k))
    rows = np.arange(cat.size)
    has_up, has_low = cat < k, cat > 0
    d_th[rows[has_up], cat[has_up]] = (inv * dh / big_r)[has_up]
    d_th[rows[has_low], cat[has_low] - 1] = -(inv * dl / big_r)[has_low]
    sc = np.zeros(both.size)
    sc[both] = s
    scores.cor[:, p] = sc
    scores.a21[p, th_slots[x_name][0]] = s @ d_mu
    scores.a21[p, th_slots[y_name]] = s @ d_th
    scores.a21[p, var_slot[x_name]] = s @ d_var
    scores.a22[p] = s @ s
    scores.h21[p, var_slot[x_name]] = r / (2.0 * sd)
    scores.h22[p] = sd
    return ok


def _nacov(scores: _Scores, n: int, numeric: list[str], th_slots: dict, pairs: list) -> np.ndarray:
    """N B^-1 (SC'SC) B^-T (Muthén 1984), then the delta method for continuous variables."""
    n_cases, q1 = scores.step1.shape
    u = np.empty((n_cases, q1 + scores.cor.shape[1]))  # [step-1 scores A11^-1, step-2 part of B^-1]
    u1, u2 = u[:, :q1], u[:, q1:]
    for block, inverse in zip(scores.blocks, scores.a11_inv):
        u1[:, block] = scores.step1[:, block] @ inverse
    np.subtract(scores.cor, u1 @ scores.a21.T, out=u2)
    u2 /= scores.a22
    gamma = u.T @ u  # numpy hands a'a to BLAS's symmetric rank-k update
    q1 = u1.shape[1]
    if numeric:
        h = np.eye(gamma.shape[0])
        h[q1:, :q1] = scores.h21
        h[q1:, q1:] = np.diag(scores.h22)
        gamma = h @ gamma @ h.T
        flip = np.ones(gamma.shape[0])
        flip[[int(th_slots[nm][0]) for nm in numeric]] = -1.0
        gamma = gamma * np.outer(flip, flip)
    return n * gamma

