"""Two-group comparisons of a PLS model: splitting the data, and the permutation engine
that PLS-MGA's permutation test and MICOM share.

A permutation reassigns the group labels at random, keeping the group sizes, and
re-estimates the model in both permuted groups. All permutations are drawn up front from the
seed and cut into fixed chunks, so the numbers do not depend on how many processes work
(``cxstats._resampling.map_chunks``, two cores on Linux). As in each group's own fit, a
permuted group's missing values are replaced by its own means (``missing="mean"``); each
permuted group starts its iteration from the pooled weights.

Seeds: ``numpy.random.SeedSequence(seed).generate_state(3)`` gives the seeds of the first
group's bootstrap, the second group's bootstrap and the permutations, so
:func:`multigroup` and :func:`micom` with the same seed use the same permutations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import CxStatsError
from .._format import level as shown_level
from .._format import listing
from .._resampling import map_chunks
from ._algorithm import Layout, inner_estimates, outer_weights
from ._api import fit
from ._bootstrap import sample_correlations
from ._problems import BootstrapWarning, ModelSpecificationError
from ._spec import PLSSpec, build_spec
from .result import PLSResult
from .._validation import warn
from .._validation import survey_parts

__all__ = ["GroupSplit", "Permutations", "fit_group", "group_seeds", "permute", "permute_split", "split_groups"]

CHUNK = 125
_STATE: dict = {}


@dataclass(frozen=True)
class GroupSplit:
    """The rows of the two groups: ``pooled`` holds the analysed rows of both (original
    order), ``member`` is True for the first group's rows."""

    column: str
    labels: tuple
    pooled: pd.DataFrame
    member: np.ndarray
    notes: tuple[str, ...]

    @property
    def sizes(self) -> tuple[int, int]:
        return int(self.member.sum()), int((~self.member).sum())

    def frame(self, k: int) -> pd.DataFrame:
        return self.pooled[self.member] if k == 0 else self.pooled[~self.member]


def _plain(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def split_groups(model: str, data: pd.DataFrame, group: str, groups, missing: str) -> tuple[PLSSpec, GroupSplit]:
    """Check the group column and the two groups to compare; return the model and the split."""
    from ..sem.syntax import parse_model

    data, _ = survey_parts(data)  # pls.multigroup and pls.micom take a Survey too
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if group not in data.columns:
        raise CxStatsError(f"No group column '{group}' in the data; columns: {listing(data.columns, limit=20, quote=True)}.")
    spec = build_spec(parse_model(model), data.columns)
    values = data[group]
    present = values.dropna().unique().tolist()
    try:
        present = sorted(present)
    except TypeError:
        pass
    if groups is None:
        if len(present) < 2:
            shown = listing([_plain(v) for v in present]) or "no values"
            raise CxStatsError(f"Column '{group}' holds only one group ({shown}); a comparison needs two. Choose "
                               "another group column.")
        if len(present) > 2:
            raise CxStatsError(f"Column '{group}' has {len(present)} groups ({listing([_plain(v) for v in present], limit=10)}); "
                               "name the two to compare with groups=(first, second).")
        groups = present
    groups = tuple(groups)
    if len(groups) != 2 or groups[0] == groups[1]:
        raise CxStatsError(f"groups must name two different values of '{group}', "
                           f"got ({', '.join(map(shown_level, groups))}).")
    for g in groups:
        if g not in present:
            raise CxStatsError(f"Group {shown_level(g)} is not a value of column '{group}' (its values: "
                               f"{listing([_plain(v) for v in present], limit=10)}).")
    notes = []
    keep = values.isin(groups).to_numpy()
    if values.isna().any():
        notes.append(f"{int(values.isna().sum())} rows without a value of '{group}' were left out.")
    others = int((~keep).sum() - values.isna().sum())
    if others:
        notes.append(f"{others} rows of other groups of '{group}' were left out.")
    pooled = data[keep]
    if missing == "listwise":  # the same rows for the pooled fit, both groups and every permutation
        complete = pooled[list(spec.indicators)].apply(pd.to_numeric, errors="coerce").notna().all(axis=1)
        if not complete.all():
            notes.append(f"Listwise deletion: {int((~complete).sum())} of {len(pooled)} rows had a missing indicator "
                         f"value and were left out.")
        pooled = pooled[complete.to_numpy()]
    member = (pooled[group] == groups[0]).to_numpy()
    split = GroupSplit(column=group, labels=groups, pooled=pooled, member=member, notes=tuple(notes))
    needed = max([len(spec.predictors(o)) + 2 for o in spec.endogenous]
                 + [len(b) + 2 for b, m in zip(spec.blocks, spec.modes, strict=True) if m == "B"] + [10])
    for k, size in enumerate(split.sizes):
        if size < needed:
            raise CxStatsError(
                f"Group {_plain(groups[k])!s} of '{group}' has {size} rows (after the missing-value treatment); each "
                f"group needs at least {needed} to estimate the model (the larger of 10 and the most predictors or "
                "formative indicators of one construct plus 2). Merge small groups or simplify the model.")
    return spec, split


def group_seeds(seed: int | None) -> tuple[int, int, int]:
    """Seeds of the first group's bootstrap, the second group's and the permutations."""
    state = np.random.SeedSequence(seed).generate_state(3)
    return int(state[0]), int(state[1]), int(state[2])


def fit_group(model: str, split: GroupSplit, k: int | None, **options) -> PLSResult:
    """``pls.fit`` on one group (``k`` 0 or 1) or on both (``None``); an error names the group."""
    frame = split.pooled if k is None else split.frame(k)
    try:
        return fit(model, frame, **options)
    except ModelSpecificationError as exc:
        if k is None:
            raise
        raise ModelSpecificationError(
            f"In group {_plain(split.labels[k])} of '{split.column}' ({len(frame)} rows): {exc}") from None


@dataclass(frozen=True)
class Permutations:
    """Per kept permutation: the rows of the two permuted groups ``(P, n_a)``, ``(P, n_b)``
    (positions in the pooled rows), the weights ``(P, p, c)`` and paths ``(P, c, c)`` of both."""

    rows_a: np.ndarray
    rows_b: np.ndarray
    weights_a: np.ndarray
    weights_b: np.ndarray
    paths_a: np.ndarray
    paths_b: np.ndarray
    requested: int
    failed: int
    message: str


def _run_chunk(orders: np.ndarray) -> tuple[np.ndarray, ...]:
    s = _STATE
    n_a = s["n_a"]
    out = []
    for rows in (orders[:, :n_a], orders[:, n_a:]):
        with np.errstate(all="ignore"):
            r = sample_correlations(s["x"], rows, impute=s["impute"])
            bad = ~np.isfinite(r).all(axis=(1, 2))
            r[bad] = np.eye(r.shape[1])
            w, _, converged = outer_weights(r, s["layout"], s["start"], tol=s["tol"], max_iter=s["max_iter"])
            paths = inner_estimates(r, w, s["layout"]).paths
        ok = ~bad & converged & np.isfinite(paths).all(axis=(1, 2))
        w[~ok], paths[~ok] = np.nan, np.nan
        out += [w, paths]
    return tuple(out)


def permute(pooled: PLSResult, member: np.ndarray, raw: np.ndarray, *, permutations: int, seed: int,
            impute: bool, tol: float, max_iter: int, progress: bool | None) -> Permutations:
    """Re-estimate the model in both groups of ``permutations`` random relabellings of the
    pooled rows ``raw`` (raw indicator values, NaN where missing when ``impute``)."""
    n, n_a = len(member), int(member.sum())
    rng = np.random.default_rng(seed)
    orders = np.stack([rng.permutation(n) for _ in range(permutations)]) if permutations else np.empty((0, n), int)
    layout = Layout.from_spec(pooled.spec, scheme=pooled.scheme, consistent=pooled.consistent)
    x = raw if impute else pooled._standardized
    _STATE.update(x=x, n_a=n_a, impute=impute, layout=layout, start=pooled._weights, tol=tol, max_iter=max_iter)
    try:
        chunks = [orders[i:i + CHUNK] for i in range(0, permutations, CHUNK)]
        parts = map_chunks(_run_chunk, chunks, progress=progress, desc="permutations")
    finally:
        _STATE.clear()
    w_a, p_a, w_b, p_b = (np.concatenate([part[k] for part in parts]) for k in range(4))
    ok = np.isfinite(p_a).all(axis=(1, 2)) & np.isfinite(p_b).all(axis=(1, 2))
    failed = int((~ok).sum())
    message = ""
    if failed:
        text = (f"{failed} of {permutations} permutations were left out (weights that did not converge, or an "
                f"indicator constant in a permuted group); the tests use the other {permutations - failed}.")
        message = warn(text, BootstrapWarning)
    return Permutations(rows_a=orders[ok, :n_a], rows_b=orders[ok, n_a:], weights_a=w_a[ok], weights_b=w_b[ok], paths_a=p_a[ok],
                        paths_b=p_b[ok], requested=permutations, failed=failed, message=message)


def pooled_raw(model_spec: PLSSpec, split: GroupSplit, missing: str) -> tuple[np.ndarray, bool]:
    """The pooled indicator values for the permutations and whether each permuted group
    replaces its own missing values (mean replacement with missing values present)."""
    frame = split.pooled[list(model_spec.indicators)].apply(pd.to_numeric, errors="coerce").astype(float)
    values = frame.to_numpy()
    impute = missing == "mean" and bool(np.isnan(values).any())
    return values, impute


def permute_split(pooled: PLSResult, model_spec: PLSSpec, split: GroupSplit, missing: str, *, permutations: int,
                  seed: int, tol: float, max_iter: int, progress: bool | None) -> Permutations:
    """:func:`permute` on the pooled rows of ``split`` (:func:`pooled_raw`): the permutations
    that MGA and MICOM share."""
    raw, impute = pooled_raw(model_spec, split, missing)
    return permute(pooled, split.member, raw, permutations=permutations, seed=seed, impute=impute, tol=tol,
                   max_iter=max_iter, progress=progress)


def permutation_p(observed: np.ndarray, permuted: np.ndarray) -> np.ndarray:
    """Two-sided permutation p-values ``(1 + #{|d*| >= |d|}) / (P + 1)`` (Phipson & Smyth, 2010),
    per column; ties within 1e-12 count as at least as extreme."""
    extreme = np.abs(permuted) >= np.abs(observed) - 1e-12
    return (1 + extreme.sum(axis=0)) / (permuted.shape[0] + 1)
