"""MICOM: measurement invariance of composite models (Henseler, Ringle & Sarstedt, 2016).

Before comparing two groups' paths (or pooling them), the composites must mean the same in
both. Three steps:

1. **Configural invariance**: the same indicators, the same treatment of the data and the
   same algorithm settings in both groups. It holds by construction here (one model text,
   one set of options, each indicator varying in each group); it is reported, not tested.
2. **Compositional invariance**: the scores a construct gets with group a's weights and with
   group b's weights, both applied to the pooled (pooled-standardized) data, should
   correlate almost perfectly. ``c = cor(X w_a, X w_b)``; the permutation distribution of
   ``c`` (weights re-estimated in permuted groups) gives the p-value
   ``(1 + #{c* <= c}) / (P + 1)``; invariance holds when ``p > alpha`` (``c`` above the
   ``alpha`` quantile of ``c*``).
3. **Equal composite means and variances**: with the pooled weights, the groups' mean
   scores and log variances (scores standardized on the pooled data) are compared with the
   permutation distribution of their differences: ``(1 - alpha)`` intervals from its
   quantiles and two-sided p-values.

Step 2 met: *partial* measurement invariance (path coefficients may be compared across
groups). Steps 2 and 3 met: *full* invariance (the groups may also be pooled).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import formatting as fmt
from .._format import caution_lines, every, problems_html
from .._results import Exportable, PlainText
from .._threads import single_threaded_blas
from ..formatting import labels_of
from ._groups import (
    _plain,
    fit_group,
    group_seeds,
    permutation_p,
    permute_split,
    split_groups,
)
from ._mga import _check_counts

__all__ = ["MICOMResult", "compositional_correlation", "micom"]


def compositional_correlation(r: np.ndarray, w_a: np.ndarray, w_b: np.ndarray) -> np.ndarray:
    """``cor(X w_a, X w_b)`` per construct for data with correlation matrix ``r`` (pooled),
    weights ``(..., p, c)`` (zero outside each block); stacks of weights broadcast."""
    rw_b = np.matmul(r, w_b)
    cross = (w_a * rw_b).sum(axis=-2)
    var_a = (w_a * np.matmul(r, w_a)).sum(axis=-2)
    var_b = (w_b * rw_b).sum(axis=-2)
    return cross / np.sqrt(var_a * var_b)


@dataclass(frozen=True)
class MICOMResult(Exportable):
    """The three steps of MICOM for two groups.

    Attributes
    ----------
    configural : ``construct, mode, n_indicators, established`` (step 1).
    compositional : ``construct, c, c_quantile, p_value, invariant`` (step 2; ``c_quantile``
        is the ``alpha`` quantile of the permuted correlations).
    equality : ``construct, mean_difference, mean_ci_low, mean_ci_high, mean_p_value,
        equal_means, log_variance_ratio, variance_ci_low, variance_ci_high,
        variance_p_value, equal_variances`` (step 3; differences a - b of pooled-weight
        scores, intervals from the permutation distribution).
    verdict : ``construct, invariance`` (``"full"``, ``"partial"`` or ``"none"``).
    group, groups, n, permutations (kept), seed, alpha, notes, problems.
    """

    _TABLES = {
        "verdict": ("Verdict", "Measurement invariance of each composite: full, partial or none."),
        "configural": ("Step 1 configural", "Step 1: same indicators, mode and treatment in both groups."),
        "compositional": ("Step 2 compositional", "Step 2: correlation of the composite scores from both "
                          "groups' weights against its permutation quantile."),
        "equality": ("Step 3 equality", "Step 3: differences in composite means and log variance ratios, "
                     "with permutation intervals and p-values."),
    }

    configural: pd.DataFrame
    compositional: pd.DataFrame
    equality: pd.DataFrame
    verdict: pd.DataFrame
    group: str
    groups: tuple
    n: tuple[int, int]
    permutations: int
    seed: int | None
    alpha: float
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    _permuted: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
        """Steps 2 and 3 side by side, one row per construct."""
        return (self.compositional.merge(self.equality, on="construct").merge(self.verdict, on="construct"))

    def _headline(self) -> str:
        a, b = (_plain(g) for g in self.groups)
        return (f"MICOM by '{self.group}': {a} (n = {self.n[0]}) vs {b} (n = {self.n[1]}), {self.permutations} "
                f"permutations, alpha = {self.alpha:g}")

    def summary(self) -> str:
        fmt = lambda v: f"{v:.3f}"
        return "\n".join([self._headline(), *self.notes, *[f"! {p}" for p in self.problems], "",
                          "Step 1: configural invariance", self.configural.to_string(index=False), "",
                          "Step 2: compositional invariance", self.compositional.to_string(index=False, float_format=fmt),
                          "", "Step 3: equal means and variances", self.equality.to_string(index=False, float_format=fmt),
                          "", "Verdict", self.verdict.to_string(index=False)])

    def _repr_html_(self) -> str:
        problems = problems_html(self.problems)
        return (f"<p><b>{html.escape(self._headline())}</b></p>{problems}"
                f"<p>Step 2: compositional invariance</p>{self.compositional.round(3).to_html(index=False)}"
                f"<p>Step 3: equal means and variances</p>{self.equality.round(3).to_html(index=False)}"
                f"<p>Verdict</p>{self.verdict.to_html(index=False)}")

    def plain_summary(self, *, labels: dict[str, str] | None = None, group_labels: dict | None = None) -> PlainText:
        """What the three steps allow, in words. ``labels`` (a dict or a Codebook) names the
        constructs, ``group_labels`` the groups."""
        names = labels_of(labels)
        name = lambda c: names.get(str(c), str(c))  # noqa: E731
        groups = labels_of(group_labels)
        a, b = (groups.get(str(g), names.get(str(g), _plain(g))) for g in self.groups)
        by = self.verdict.set_index("construct")["invariance"]
        full = [name(c) for c, v in by.items() if v == "full"]
        partial = [name(c) for c, v in by.items() if v == "partial"]
        none = [name(c) for c, v in by.items() if v == "none"]
        lines = [(f"- Both groups ({a}, n = {fmt.integer(self.n[0])}; {b}, n = {fmt.integer(self.n[1])}) use the same "
                  "questions, data treatment and algorithm: configural invariance holds.")]
        if none:
            lines.append(f"- **{every(none)}** {'is' if len(none) == 1 else 'are'} formed differently in the two "
                         "groups (compositional invariance fails): do not compare paths that involve "
                         f"{'it' if len(none) == 1 else 'them'}.")
        else:
            lines.append("- Every construct is formed alike in both groups (compositional invariance): the groups' "
                         "path coefficients can be compared (partial measurement invariance).")
        if full:
            lines.append(f"- Equal means and variances as well (full invariance): {every(full)}.")
        if partial:
            eq = self.equality.set_index("construct")
            detail = []
            for c, v in by.items():
                if v != "partial":
                    continue
                what = [w for w, ok in (("means", eq.loc[c, "equal_means"]), ("variances", eq.loc[c, "equal_variances"]))
                        if not ok]
                detail.append(f"{name(c)} ({' and '.join(what)})")
            lines.append(f"- Means or variances differ between the groups for {every(detail)}: compare paths, "
                         "but do not pool the groups for these constructs.")
        lines += caution_lines(self.problems)
        return PlainText("\n".join(lines))


@single_threaded_blas
def micom(model: str, data: pd.DataFrame, *, group: str, groups: tuple | None = None, permutations: int = 1000,
          seed: int | None = None, alpha: float = 0.05, scheme: str = "path", missing: str = "mean",
          tol: float = 1e-7, max_iter: int = 300, progress: bool | None = None) -> MICOMResult:
    """MICOM (Henseler, Ringle & Sarstedt, 2016): measurement invariance of the composites
    of a PLS model across two groups.

    Parameters
    ----------
    model, data, group, groups : as for :func:`cxstats.pls.multigroup`.
    permutations : relabellings of the groups (Henseler et al. recommend 1000 or more).
    seed : fixes the permutations (the same as ``multigroup``'s for the same seed).
    alpha : level of the tests (step 2 one-sided, step 3 two-sided).
    scheme, missing, tol, max_iter : estimation options, as for ``pls.fit``.

    Returns
    -------
    MICOMResult
        ``.configural``, ``.compositional`` (``construct, c, c_quantile, p_value, invariant``),
        ``.equality``, ``.verdict``, ``.table``, ``.plain_summary()``.

    Raises
    ------
    CxStatsError
        As :func:`cxstats.pls.multigroup` (group column, levels, group sizes).

    Notes
    -----
    A single-indicator construct has ``c = 1`` in every permutation (p = 1). The observed
    ``c`` equals the correlation of the pooled standardized data times each group's weights
    (numpy), and the permuted weights equal refits of the model to relabelled data
    (tests/pls/test_pls_groups.py); on simulated groups the steps keep their nominal size
    and detect built-in differences in weights and in means.

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement invariance of
    composites using partial least squares. International Marketing Review, 33(3), 405-431.

    Examples
    --------
    >>> import cxstats, cxstats.pls as pls
    >>> corp = cxstats.load_dataset("corporate_reputation").data
    >>> res = pls.micom('''
    ...     COMP =~ comp_1 + comp_2 + comp_3
    ...     LIKE =~ like_1 + like_2 + like_3
    ...     CUSL =~ cusl_1 + cusl_2 + cusl_3
    ...     CUSL ~ COMP + LIKE''', corp, group="servicetype", permutations=200, seed=1)
    >>> res.verdict.to_dict("records")
    [{'construct': 'COMP', 'invariance': 'full'}, {'construct': 'LIKE', 'invariance': 'full'}, {'construct': 'CUSL', 'invariance': 'full'}]
    """
    _check_counts(0, permutations, need_bootstrap=False)
    if not 0 < alpha < 1:
        from ._problems import ModelSpecificationError

        raise ModelSpecificationError(f"alpha must lie between 0 and 1, got {alpha!r}.")
    spec, split = split_groups(model, data, group, groups, missing)
    _, _, seed_perm = group_seeds(seed)
    options = {"scheme": scheme, "consistent": False, "missing": missing, "tol": tol, "max_iter": max_iter}
    pooled = fit_group(model, split, None, **options)
    fit_a, fit_b = fit_group(model, split, 0, **options), fit_group(model, split, 1, **options)
    perms = permute_split(pooled, spec, split, missing, permutations=permutations, seed=seed_perm, tol=tol,
                          max_iter=max_iter, progress=progress)
    constructs = list(spec.constructs)
    r = pooled._correlations
    single = np.array([len(b) == 1 for b in spec.blocks])
    c = np.where(single, 1.0, compositional_correlation(r, fit_a._weights, fit_b._weights))
    c_perm = np.where(single, 1.0, compositional_correlation(r, perms.weights_a, perms.weights_b))
    p2 = (1 + (c_perm <= c + 1e-12).sum(axis=0)) / (len(c_perm) + 1)
    p2 = np.where(single, 1.0, p2)
    compositional = pd.DataFrame({"construct": constructs, "c": c, "c_quantile": np.quantile(c_perm, alpha, axis=0),
                                  "p_value": p2, "invariant": p2 > alpha})

    scores = pooled.scores.to_numpy()
    member = split.member
    mean_diff, logvar = _moments(scores[member], scores[~member])
    perm_mean, perm_logvar = _moments(scores[perms.rows_a], scores[perms.rows_b])
    q = [alpha / 2, 1 - alpha / 2]
    mean_ci, var_ci = np.quantile(perm_mean, q, axis=0), np.quantile(perm_logvar, q, axis=0)
    p_mean, p_var = permutation_p(mean_diff, perm_mean), permutation_p(logvar, perm_logvar)
    equality = pd.DataFrame({"construct": constructs, "mean_difference": mean_diff, "mean_ci_low": mean_ci[0],
                             "mean_ci_high": mean_ci[1], "mean_p_value": p_mean, "equal_means": p_mean > alpha,
                             "log_variance_ratio": logvar, "variance_ci_low": var_ci[0], "variance_ci_high": var_ci[1],
                             "variance_p_value": p_var, "equal_variances": p_var > alpha})
    configural = pd.DataFrame({"construct": constructs, "mode": list(spec.modes),
                               "n_indicators": [len(b) for b in spec.blocks], "established": True})
    invariance = np.where(~compositional["invariant"], "none",
                          np.where(equality["equal_means"] & equality["equal_variances"], "full", "partial"))
    verdict = pd.DataFrame({"construct": constructs, "invariance": invariance})
    problems = tuple(p for res in (pooled, fit_a, fit_b) for p in res.problems) + ((perms.message,) if perms.failed else ())
    return MICOMResult(configural=configural, compositional=compositional, equality=equality, verdict=verdict,
                       group=group, groups=split.labels, n=split.sizes, permutations=len(perms.rows_a), seed=seed,
                       alpha=alpha, notes=split.notes, problems=problems,
                       _permuted={"c": c_perm, "mean_difference": perm_mean, "log_variance_ratio": perm_logvar})


def _moments(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Difference of means and of log variances (divisor n - 1) along the rows axis (-2)."""
    mean = a.mean(axis=-2) - b.mean(axis=-2)
    logvar = np.log(a.var(axis=-2, ddof=1)) - np.log(b.var(axis=-2, ddof=1))
    return mean, logvar
