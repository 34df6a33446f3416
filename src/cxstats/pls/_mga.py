"""PLS multigroup analysis (PLS-MGA): do the paths differ between two groups?

Two tests of every path difference ``beta_a - beta_b``:

* **Henseler's MGA** (Henseler, Ringle & Sinkovics, 2009): both groups are bootstrapped;
  with the bootstrap draws ``b_a``, ``b_b`` centred and reflected about their means, the
  one-sided p-value of ``beta_a > beta_b`` is ``1 - #{(2 mean_a - b_aj) > (2 mean_b - b_bk)} / J²``
  over all pairs of draws (seminr's ``pls_mga_p``); the two-sided p-value is twice the
  smaller tail.
* **The permutation test** (Chin & Dibbern, 2010): group labels are permuted, the model
  re-estimated in both permuted groups, and the p-value is the share of permuted
  differences at least as large in absolute value (``(1 + count) / (P + 1)``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._format import caution_lines, label_lookup, problems_html
from .._results import Exportable, PlainText
from .._threads import single_threaded_blas
from ._groups import (
    _plain,
    fit_group,
    group_seeds,
    permutation_p,
    permute_split,
    split_groups,
)
from .result import PLSResult
from .._validation import ci_level as check_ci_level

__all__ = ["PLSMultigroupResult", "henseler_p", "multigroup"]


def henseler_p(draws_a: np.ndarray, draws_b: np.ndarray) -> np.ndarray:
    """One-sided p-values of ``beta_a > beta_b`` per column from two groups' bootstrap draws
    ``(J, k)`` (Henseler et al., 2009): the share of pairs of reflected draws in which group a's
    is not above group b's. Counted by sorting, ``O(J log J)`` per column."""
    j = draws_a.shape[0]
    out = np.empty(draws_a.shape[1])
    for k in range(draws_a.shape[1]):
        a, b = draws_a[:, k], draws_b[:, k]
        reflected_a = 2 * a.mean() - a  # pairs with reflected_a - (2 mean_b - b) > 0, i.e. b > 2 mean_b - reflected_a
        threshold = 2 * b.mean() - reflected_a
        above = j - np.searchsorted(np.sort(b), threshold, side="right")
        out[k] = 1 - above.sum() / j**2
    return out


@dataclass(frozen=True)
class PLSMultigroupResult(Exportable):
    """Path differences between two groups.

    Attributes
    ----------
    table : one row per path: ``lhs, op, rhs, estimate`` (pooled sample), ``estimate_a,
        estimate_b, difference`` (a - b), ``se_a, se_b`` (bootstrap), ``p_henseler``
        (two-sided), ``p_henseler_greater`` (one-sided, H1: a > b; seminr's ``pls_mga_p``),
        ``p_permutation`` (two-sided).
    groups : the two groups' values of the group column (a, b); ``group`` the column.
    n : rows in each group.
    fits : the two groups' bootstrapped fits and the pooled fit (``"pooled"``), by label.
    bootstrap_draws : draws per group used (the smaller kept count), ``permutations`` kept.
    seed, ci_level, notes (rows left out), problems (estimation warnings).
    """

    _TABLES = {
        "table": ("Path differences", "Each path in the pooled sample and both groups, the difference and its "
                  "Henseler and permutation p-values."),
    }

    table: pd.DataFrame
    group: str
    groups: tuple
    n: tuple[int, int]
    fits: dict = field(repr=False)
    bootstrap_draws: int = 0
    permutations: int = 0
    seed: int | None = None
    ci_level: float = 0.95
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def _headline(self) -> str:
        a, b = (_plain(g) for g in self.groups)
        return (f"PLS multigroup analysis by '{self.group}': {a} (n = {self.n[0]}) vs {b} (n = {self.n[1]}); "
                f"bootstrap {self.bootstrap_draws} draws per group, {self.permutations} permutations")

    def summary(self) -> str:
        lines = [self._headline(), *self.notes, *[f"! {p}" for p in self.problems], "",
                 self.table.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        problems = problems_html(self.problems)
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return f"<p><b>{html.escape(self._headline())}</b></p>{notes}{problems}{self.table.round(3).to_html(index=False)}"

    def plain_summary(self, *, labels: dict[str, str] | None = None, group_labels: dict | None = None,
                      alpha: float = 0.05) -> PlainText:
        """Which paths differ between the groups, in words (a path 'differs' when both
        tests give p < ``alpha``; 'unclear' when only one does). ``labels`` (a dict or a
        Codebook) names the constructs, ``group_labels`` the groups."""
        from .. import formatting as fmt
        from ..formatting import labels_of

        name = label_lookup(labels)
        groups = labels_of(group_labels)
        a, b = (groups.get(str(g), _plain(g)) for g in self.groups)
        rows = []
        verdicts = []
        for r in self.table.itertuples():
            signals = (r.p_henseler < alpha) + (r.p_permutation < alpha)
            verdicts.append(signals)
            path = f"{name(r.rhs)} → {name(r.lhs)}"
            text = {2: "**differs**", 1: "differs by one test only (unclear)", 0: "does not differ detectably"}[signals]
            rows.append(f"  - {path}: {fmt.number(r.estimate_a)} ({a}) vs {fmt.number(r.estimate_b)} ({b}), a "
                        f"difference of {fmt.number(r.difference, signed=True)}; {text} (permutation "
                        f"{fmt.p_text(r.p_permutation)}, Henseler {fmt.p_text(r.p_henseler)}).")
        clear = sum(v == 2 for v in verdicts)
        sizes = f"{a} n = {fmt.integer(self.n[0])}, {b} n = {fmt.integer(self.n[1])}"
        level = f"{alpha:g}".lstrip("0")
        head = (f"- Of {len(verdicts)} paths, {clear} differ{'s' * (clear == 1)} between {a} and {b} customers by both "
                f"tests (p < {level}; {sizes})." if clear else
                f"- None of the {len(verdicts)} paths differs detectably between {a} and {b} customers by both tests "
                f"(p < {level}; {sizes}). This does not show that the paths are equal: small groups can miss real "
                "differences.")
        caveat = ("- Path differences are meaningful only if the constructs are measured alike in both groups: "
                  "check with MICOM (at least partial invariance).")
        problems = caution_lines(self.problems)
        return PlainText("\n".join([head, *rows, caveat, *problems]))

    def plot(self, *, labels: dict[str, str] | None = None, group_labels: dict | None = None,
             title: str | None = None, ax=None):
        """Each path in both groups with its bootstrap interval; filled markers where the
        permutation test finds a difference (p < .05). ``ax`` draws into your own axes."""
        from ._plots import multigroup_plot

        return multigroup_plot(self, labels=labels or {}, group_labels=group_labels or {}, title=title, ax=ax)


def _path_columns(res: PLSResult) -> np.ndarray:
    return np.flatnonzero((res._statistics.labels["kind"] == "path").to_numpy())


@single_threaded_blas
def multigroup(model: str, data: pd.DataFrame, *, group: str, groups: tuple | None = None, bootstrap: int = 1000,
               permutations: int = 1000, seed: int | None = None, scheme: str = "path", consistent: bool = False,
               missing: str = "mean", ci_level: float = 0.95, tol: float = 1e-7, max_iter: int = 300,
               progress: bool | None = None) -> PLSMultigroupResult:
    """PLS-MGA: Henseler's bootstrap test and the permutation test of every path difference.

    Parameters
    ----------
    model : lavaan-style model text, as for :func:`cxstats.pls.fit`.
    data : both groups' rows.
    group : the column that tells the groups apart.
    groups : the two values of ``group`` to compare, ``(a, b)``; needed when the column has
        more than two values. Differences are a - b.
    bootstrap : draws per group for Henseler's test (and the groups' SEs and intervals).
    permutations : relabellings for the permutation test.
    seed : fixes the bootstrap draws and the permutations (see ``cxstats.pls._groups``).
    scheme, consistent, missing, tol, max_iter : estimation options, as for ``pls.fit``;
        missing values are treated within each group.
    ci_level : level of each group's bootstrap intervals.
    progress : progress bars (default: in a terminal, or as a widget in a Jupyter notebook).

    Returns
    -------
    PLSMultigroupResult
        ``.table`` (``lhs, op, rhs, estimate, estimate_a, estimate_b, difference, se_a, se_b,
        p_henseler, p_henseler_greater, p_permutation``), ``.fits``, ``.plot()``,
        ``.plain_summary()``.

    Raises
    ------
    CxStatsError
        No such group column; only one group; more than two and ``groups`` not given; a
        named group that does not occur; a group too small for the model.
    ModelSpecificationError
        The model cannot be estimated in one group (the message names the group).

    Notes
    -----
    Group estimates and bootstrap draws are ``pls.fit`` on each group's rows. With the same
    resamples, the group paths and Henseler p-values equal PyPI seminr 0.2.1's
    ``estimate_pls_mga`` (tests/reference/pls_seminr.py). The permuted estimates equal
    refits of the model to the relabelled data, and the tests keep their nominal size on
    simulated data with equal groups and find a built-in difference
    (tests/pls/test_pls_groups.py).

    References
    ----------
    Henseler, J., Ringle, C. M., & Sinkovics, R. R. (2009). The use of partial least squares
    path modeling in international marketing. Advances in International Marketing, 20, 277-319.
    Chin, W. W., & Dibbern, J. (2010). An introduction to a permutation based procedure for
    multi-group PLS analysis. In Handbook of Partial Least Squares (pp. 171-193). Springer.

    Examples
    --------
    >>> import cxstats, cxstats.pls as pls
    >>> corp = cxstats.load_dataset("corporate_reputation").data
    >>> res = pls.multigroup('''
    ...     COMP =~ comp_1 + comp_2 + comp_3
    ...     LIKE =~ like_1 + like_2 + like_3
    ...     CUSL =~ cusl_1 + cusl_2 + cusl_3
    ...     CUSL ~ COMP + LIKE''', corp, group="servicetype", bootstrap=200, permutations=200, seed=1)
    >>> res.table[["lhs", "rhs", "difference", "p_permutation"]].round(2).to_dict("records")
    [{'lhs': 'CUSL', 'rhs': 'COMP', 'difference': 0.27, 'p_permutation': 0.08}, {'lhs': 'CUSL', 'rhs': 'LIKE', 'difference': -0.19, 'p_permutation': 0.17}]
    """
    ci_level = check_ci_level(ci_level)
    _check_counts(bootstrap, permutations)
    spec, split = split_groups(model, data, group, groups, missing)
    seed_a, seed_b, seed_perm = group_seeds(seed)
    options = {"scheme": scheme, "consistent": consistent, "missing": missing, "tol": tol, "max_iter": max_iter}
    pooled = fit_group(model, split, None, **options)
    fit_a = fit_group(model, split, 0, bootstrap=bootstrap, seed=seed_a, ci_level=ci_level, progress=progress,
                      **options)
    fit_b = fit_group(model, split, 1, bootstrap=bootstrap, seed=seed_b, ci_level=ci_level, progress=progress,
                      **options)
    columns = _path_columns(pooled)
    draws_a, draws_b = fit_a._boot.draws[:, columns], fit_b._boot.draws[:, columns]
    j = min(len(draws_a), len(draws_b))
    greater = henseler_p(draws_a[:j], draws_b[:j])
    perms = permute_split(pooled, spec, split, missing, permutations=permutations, seed=seed_perm, tol=tol,
                          max_iter=max_iter, progress=progress)
    est_a, est_b = fit_a._estimate[columns], fit_b._estimate[columns]
    index = {c: k for k, c in enumerate(spec.constructs)}
    outcome = np.array([index[o] for o, _ in spec.paths])
    predictor = np.array([index[p] for _, p in spec.paths])
    permuted = perms.paths_a[:, predictor, outcome] - perms.paths_b[:, predictor, outcome]
    table = pooled._statistics.labels.iloc[columns][["lhs", "op", "rhs"]].reset_index(drop=True)
    table = table.assign(estimate=pooled._estimate[columns], estimate_a=est_a, estimate_b=est_b,
                         difference=est_a - est_b, se_a=draws_a.std(axis=0, ddof=1), se_b=draws_b.std(axis=0, ddof=1),
                         p_henseler=2 * np.minimum(greater, 1 - greater), p_henseler_greater=greater,
                         p_permutation=permutation_p(est_a - est_b, permuted))
    problems = tuple(p for res in (pooled, fit_a, fit_b) for p in res.problems) + ((perms.message,) if perms.failed else ())
    return PLSMultigroupResult(
        table=table, group=group, groups=split.labels, n=split.sizes,
        fits={split.labels[0]: fit_a, split.labels[1]: fit_b, "pooled": pooled}, bootstrap_draws=j,
        permutations=permutations - perms.failed, seed=seed, ci_level=ci_level, notes=split.notes,
        problems=problems)


def _check_counts(bootstrap, permutations, *, need_bootstrap: bool = True) -> None:
    from ._problems import ModelSpecificationError

    if need_bootstrap and (isinstance(bootstrap, bool) or int(bootstrap) != bootstrap or bootstrap < 10):
        raise ModelSpecificationError(f"bootstrap must be a whole number of at least 10 draws per group, got {bootstrap!r}.")
    if isinstance(permutations, bool) or int(permutations) != permutations or permutations < 10:
        raise ModelSpecificationError(f"permutations must be a whole number of at least 10, got {permutations!r}.")

