"""Tests across the groups of a fitted multigroup model: score tests of equality
constraints, Wald tests, latent mean differences and structural path differences.

* :func:`score_tests` is lavaan's ``lavTestScore``: each equality that ties a parameter
  across groups is released in turn (the others kept) and the Lagrange-multiplier
  statistic ``N d' K1 (K1' I K1)^-1 K1' d`` is computed at the constrained estimate, with
  ``d`` the gradient and ``I`` the expected information of the model in which every
  group has its own copy of the parameter, and ``K1`` a basis of the constraints kept.
  With two groups each test has 1 df and equals lavaan's univariate test; with more
  groups the G - 1 equalities of one parameter are released together (G - 1 df), the
  test that matches freeing it with ``group_partial``.
* :func:`wald_test` tests linear constraints on labelled parameters with the model's
  covariance of the estimates (lavaan's ``lavTestWald``).
* :func:`latent_mean_differences` reads the latent means of a (partial) scalar model
  against the first group and expresses them in pooled latent SD units.
* :func:`path_differences` runs one Wald test per structural path: equal in all groups?

Checked against lavaan 0.6.14 (tests/reference/lavaan_invariance.R): univariate and total
score tests, the Wald test of ``b1 == b2`` and the latent means of the scalar model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .._results import Exportable
from .._multiplicity import holm
from .._threads import single_threaded_blas
from ._ordinal_score import ScoreParts, ordinal_score_parts
from ._problems import ModelSpecificationError
from .estimate import Groups
from .inference import constraint_rows
from .matrices import RamModel
from .result import SEMResult
from .syntax import parse_model

__all__ = ["GroupComparison", "score_tests", "wald_test", "latent_mean_differences", "path_differences"]


def _require_groups(result: SEMResult, what: str) -> None:
    if not result.groups:
        raise ModelSpecificationError(f"{what} compares groups: fit the model with group= first.")


def _parameter_name(row) -> str:
    return f"{row.lhs} ~1" if row.op == "~1" else f"{row.lhs} {row.op} {row.rhs}"


# --- score tests ---------------------------------------------------------------------------------


def _released_model(result: SEMResult):
    """Every group's copy of a tied parameter gets its own index: (groups, theta, ties).

    ``ties`` maps each original free index shared by several rows to the new indices of
    those rows (first row first)."""
    spec = result._spec
    first_of: dict[int, int] = {}
    ties: dict[int, list[int]] = {}
    new_rows, theta, counter = [], [], 0
    for row in spec.rows:
        if row.free == 0:
            new_rows.append(row)
            continue
        counter += 1
        theta.append(result._theta[row.free - 1])
        if row.free in first_of:
            ties.setdefault(row.free, [first_of[row.free]]).append(counter)
        else:
            first_of[row.free] = counter
        new_rows.append(row._replace(free=counter))
    released = replace(spec, rows=tuple(new_rows), n_par=None)
    moments = result._group_moments
    models = [RamModel(released.group_view(g), m.cov, m.mean) for g, m in enumerate(moments)]
    groups = Groups(models, [m.cov for m in moments], [m.mean for m in moments], [m.nobs for m in moments])
    return groups, np.array(theta), ties


def _continuous_score_parts(result: SEMResult) -> ScoreParts:
    """Gradient and expected information of the released model (ML), and one constraint row
    per equality (each later copy of a tied parameter against the first)."""
    if result._spec.constraints:
        raise ModelSpecificationError(
            "score_tests() handles equalities from group_equal= and shared labels; the model also has "
            "'==' constraints. Express them through shared labels instead."
        )
    groups, theta, ties = _released_model(result)
    grad, _ = groups.gradient_and_hessian(groups.implied(theta), hessian=False)
    d = grad / 2.0  # gradient of lavaan's F (which carries a factor 1/2)
    info = groups.expected_hessian(theta) / 2.0  # expected information per observation
    rows_by_index: dict[int, list] = {}
    for row in result._spec.rows:
        if row.free in ties:
            rows_by_index.setdefault(row.free, []).append(row)
    r, keys, described = [], [], []
    for k, idx in ties.items():
        first = rows_by_index[k][0]
        for b, row in zip(idx[1:], rows_by_index[k][1:], strict=True):
            line = np.zeros(len(theta))
            line[idx[0] - 1], line[b - 1] = 1.0, -1.0
            r.append(line)
            keys.append(k)
            described.append((first.lhs, first.op, first.rhs, (first.group, row.group)))
    return ScoreParts(d=d, info=info, r=np.array(r), keys=tuple(keys), rows=tuple(described),
                      n=float(sum(groups.nobs)))


@single_threaded_blas
def score_tests(result: SEMResult) -> pd.DataFrame:
    """Score (Lagrange multiplier) tests of the equalities that tie parameters across groups.

    Returns one row per tied parameter: ``parameter, lhs, op, rhs, groups, x2, df, p_value``
    (sorted by ``x2``, largest first), and ``result.attrs["total"]`` holds the joint test of
    all of them (``x2, df, p_value``; with ordered items, of the equalities between
    parameters, as lavaan's total test). A large statistic names a parameter whose equality
    costs fit: the candidate to free in a partial-invariance model.

    With ordered items (WLSMV, ULSMV, DWLS) the equalities also include the thresholds
    (``x3 | t1``) and, in a model identified as Wu & Estabrook (the ordinal invariance ladder),
    the later groups' intercepts (and, under theta, residual variances) of the latent responses
    that the first group's fixed values tie: the statistics are lavaan's ``lavTestScore`` and
    ``modindices`` for a DWLS fit (see :mod:`cxstats.sem._ordinal_score`).
    """
    _require_groups(result, "score_tests()")
    parts = ordinal_score_parts(result) if result._ordinal is not None else _continuous_score_parts(result)
    if not parts.keys:
        raise ModelSpecificationError("The model ties no parameter across groups (no group_equal=, no shared "
                                      "labels): there is no equality to test.")
    d, info, r, n = parts.d, parts.info, parts.r, parts.n
    q = len(d)

    def statistic(kept: np.ndarray) -> float:
        basis = linalg.null_space(r[kept]) if kept.any() else np.eye(q)
        reduced = basis.T @ d
        return float(n * reduced @ np.linalg.pinv(basis.T @ info @ basis, hermitian=True) @ reduced)

    released = _released_statistics(d, info, r, n)  # the same numbers from one bordered inverse, when it exists
    keys = np.array([str(k) for k in parts.keys])
    out = []
    for key in dict.fromkeys(keys):
        kept = keys != key
        x2 = statistic(kept) if released is None else released(~kept)
        df = int((~kept).sum())
        members = [parts.rows[i] for i in np.flatnonzero(~kept)]
        lhs, op, rhs, _ = members[0]
        groups = dict.fromkeys(g for *_, pair in members for g in pair)
        out.append({"parameter": _parameter_name(SimpleNamespace(lhs=lhs, op=op, rhs=rhs)), "lhs": lhs, "op": op,
                    "rhs": rhs, "groups": ", ".join(str(result.groups[g]) for g in groups),
                    "x2": x2, "df": df, "p_value": float(stats.chi2.sf(x2, df))})
    table = pd.DataFrame(out).sort_values("x2", ascending=False, kind="stable").reset_index(drop=True)
    in_total = np.ones(len(keys), dtype=bool) if parts.in_total is None else parts.in_total
    total = statistic(~in_total)
    df_total = int(in_total.sum())
    table.attrs["total"] = {"x2": total, "df": df_total, "p_value": float(stats.chi2.sf(total, df_total))}
    return table


def _released_statistics(d: np.ndarray, info: np.ndarray, r: np.ndarray, n: int):
    """The score statistic of releasing the constraints ``J`` (the others kept), for any ``J``,
    from one inverse of the bordered information ``[[I, R'], [R, 0]]`` (lavaan's route).

    At the constrained estimate the gradient is ``d = -R' lambda`` (the Lagrange multipliers),
    and ``N d' K1 (K1' I K1)^-1 K1' d = N lambda_J' [(-E22)_JJ]^-1 lambda_J`` with ``E22``
    the constraint block of the bordered inverse: a (G - 1)-square solve per test instead
    of a null space and a pseudo-inverse of the parameter dimension. None when the bordered
    matrix is singular or ``d`` is not in the row space of the constraints (the caller then
    uses the null-space form)."""
    q, m = info.shape[0], r.shape[0]
    bordered = np.block([[info, r.T], [r, np.zeros((m, m))]])
    try:
        inverse = np.linalg.inv(bordered)
    except np.linalg.LinAlgError:
        return None
    if not np.allclose(inverse @ bordered, np.eye(q + m), atol=1e-8):
        return None
    multipliers = -np.linalg.lstsq(r.T, d, rcond=None)[0]
    if np.linalg.norm(r.T @ multipliers + d) > 1e-6 * max(1.0, np.linalg.norm(d)):
        return None
    variance = -inverse[q:, q:]

    def statistic(release: np.ndarray) -> float:
        lam = multipliers[release]  # a singular block (a release that leaves the model unidentified): lavaan's ginv
        return float(n * lam @ np.linalg.pinv(variance[np.ix_(release, release)], hermitian=True) @ lam)

    return statistic


# --- Wald tests ------------------------------------------------------------------------------------


def wald_test(result: SEMResult, constraints: str) -> dict[str, float]:
    """Wald test of linear constraints on labelled parameters, e.g. ``"b1 == b2"`` (several
    separated by ``;`` or new lines), with the model's covariance of the estimates (robust
    under MLR). Returns ``stat, df, p_value``; checked against lavaan's ``lavTestWald``."""
    statements = tuple(s for s in parse_model(constraints) if s.op == "==")
    if not statements:
        raise ModelSpecificationError(f"No '==' constraint in {constraints!r}; write e.g. 'b1 == b2'.")
    r, c = constraint_rows(result._spec, statements)
    return _wald(r, c, result._theta, result._vcov)


def _wald(r: np.ndarray, c: np.ndarray, theta: np.ndarray, vcov: np.ndarray) -> dict[str, float]:
    gap = r @ theta - c
    middle = r @ vcov @ r.T
    stat = float(gap @ np.linalg.lstsq(middle, gap, rcond=None)[0])
    df = int(np.linalg.matrix_rank(middle))
    return {"stat": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df))}


# --- group comparisons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupComparison(Exportable):
    """Latent means or structural paths compared across groups: ``table`` (one row per
    comparison) and ``plot()`` (a forest plot with the confidence intervals)."""

    _TABLES = {
        "table": ("Group comparison", "Latent means or structural paths of each group compared with the "
                  "reference group: difference, SE, test, p and interval."),
    }

    table: pd.DataFrame
    kind: str  # "latent means" or "paths"
    reference: object
    ci_level: float

    def _repr_html_(self) -> str:
        return self.table.round(3).to_html(index=False, na_rep="")

    def plot(self, *, title: str | None = None, labels: dict[str, str] | None = None, units: str = "sd", ax=None):
        """Forest plot: each estimate with its confidence interval, one colour per group; zero
        (no difference) marked; a legend explains every mark. ``labels`` (a dict or a Codebook)
        names factors, variables and groups; ``ax`` draws into your own axes. Latent means are
        drawn in standard deviations (``units="sd"``: the table's ``d`` and its interval, as
        reports quote them) or in the factors' own units (``units="latent"``)."""
        from ._forest import forest_plot

        return forest_plot(self, title=title, labels=labels, units=units, ax=ax)


def latent_mean_differences(result: SEMResult, *, ci_level: float = 0.95) -> GroupComparison:
    """Latent means of every group against the first (whose means are fixed at 0).

    Meaningful only under (partial) scalar invariance: fit with
    ``group_equal=["loadings", "intercepts"]`` (plus ``group_partial`` for items that
    are not invariant). ``table``: ``factor, group, reference, difference, se, z, p_value,
    ci_low, ci_high, d, d_se, d_ci_low, d_ci_high, n, n_reference`` where ``d`` is the
    difference in pooled latent SD units (``sqrt`` of the size-weighted latent variances
    of the two groups), with ``d_se`` by the delta method and its Wald interval
    ``d ± z·d_se``; ``n`` and ``n_reference`` are the two groups' sizes.
    """
    _require_groups(result, "latent_mean_differences()")
    spec = result._spec
    free_means = [r for r in spec.rows if r.op == "~1" and r.lhs in spec.latent and r.group > 0 and r.free > 0]
    if not free_means:
        raise ModelSpecificationError(
            "The latent means are fixed in every group: they can be compared only once the intercepts are "
            "equal across groups (scalar invariance). Fit with group_equal=['loadings', 'intercepts'] "
            "(and group_partial= for items that are not invariant)."
        )
    variance_index = {(r.lhs, r.group): r for r in spec.rows if r.op == "~~" and r.lhs == r.rhs and r.lhs in spec.latent}
    nobs = result.group_nobs
    z_crit = stats.norm.ppf(0.5 + ci_level / 2)
    theta, vcov = result._theta, result._vcov

    def value(row, variance_ref, variance_g, t: np.ndarray) -> float:
        def get(r):
            return t[r.free - 1] if r.free > 0 else r.value
        pooled = (nobs[0] * get(variance_ref) + nobs[row.group] * get(variance_g)) / (nobs[0] + nobs[row.group])
        return get(row) / np.sqrt(pooled)

    out = []
    for row in free_means:
        k = row.free - 1
        est, se = theta[k], float(np.sqrt(max(vcov[k, k], 0.0)))
        v_ref, v_g = variance_index[(row.lhs, 0)], variance_index[(row.lhs, row.group)]
        d = value(row, v_ref, v_g, theta)
        grad = np.zeros(len(theta))  # d depends on the mean and the two latent variances only
        for j in {r.free - 1 for r in (row, v_ref, v_g) if r.free > 0}:
            bump = np.zeros(len(theta))
            bump[j] = 1e-6 * max(1.0, abs(theta[j]))
            grad[j] = (value(row, v_ref, v_g, theta + bump) - value(row, v_ref, v_g, theta - bump)) / (2 * bump[j])
        z = est / se if se > 0 else np.nan
        out.append({"factor": row.lhs, "group": result.groups[row.group], "reference": result.groups[0],
                    "difference": est, "se": se, "z": z, "p_value": float(2 * stats.norm.sf(abs(z))),
                    "ci_low": est - z_crit * se, "ci_high": est + z_crit * se,
                    "d": d, "d_se": (d_se := float(np.sqrt(max(grad @ vcov @ grad, 0.0)))),
                    "d_ci_low": d - z_crit * d_se, "d_ci_high": d + z_crit * d_se,
                    "n": int(nobs[row.group]), "n_reference": int(nobs[0])})
    return GroupComparison(table=pd.DataFrame(out), kind="latent means", reference=result.groups[0],
                           ci_level=ci_level)


def path_differences(result: SEMResult, *, ci_level: float = 0.95) -> GroupComparison:
    """One Wald test per regression path: is it equal in every group?

    ``table``: ``path, group, estimate, se, ci_low, ci_high, std_all`` for every group,
    and per path ``wald, df, p_value, p_holm`` (Holm-adjusted over the paths tested);
    paths already held equal by the model are listed with ``df`` 0 and no test.
    """
    _require_groups(result, "path_differences()")
    table = result.table
    paths = table[table["op"] == "~"]
    if paths.empty:
        raise ModelSpecificationError("The model has no regression paths ('~') to compare across groups.")
    z_crit = stats.norm.ppf(0.5 + ci_level / 2)
    rows_by_path: dict[tuple[str, str], list] = {}
    for row in result._spec.rows:
        if row.op == "~":
            rows_by_path.setdefault((row.lhs, row.rhs), []).append(row)
    out, tests = [], {}
    for (lhs, rhs), rows in rows_by_path.items():
        index = sorted({r.free for r in rows if r.free > 0})
        if len(index) > 1:
            r = np.zeros((len(index) - 1, len(result._theta)))
            for i, k in enumerate(index[1:]):
                r[i, index[0] - 1], r[i, k - 1] = 1.0, -1.0
            tests[(lhs, rhs)] = _wald(r, np.zeros(len(r)), result._theta, result._vcov)
        else:
            tests[(lhs, rhs)] = {"stat": np.nan, "df": 0, "p_value": np.nan}
    tested = [key for key, t in tests.items() if t["df"] > 0]
    adjusted = dict(zip(tested, holm([tests[key]["p_value"] for key in tested]), strict=True))
    for _, row in paths.iterrows():
        key = (row["lhs"], row["rhs"])
        test = tests[key]
        out.append({"path": f"{row['lhs']} ~ {row['rhs']}", "group": row["group"], "estimate": row["estimate"],
                    "se": row["se"], "ci_low": row["estimate"] - z_crit * row["se"],
                    "ci_high": row["estimate"] + z_crit * row["se"], "std_all": row["std_all"],
                    "wald": test["stat"], "df": test["df"], "p_value": test["p_value"],
                    "p_holm": adjusted.get(key, np.nan)})
    return GroupComparison(table=pd.DataFrame(out), kind="paths", reference=result.groups[0], ci_level=ci_level)
