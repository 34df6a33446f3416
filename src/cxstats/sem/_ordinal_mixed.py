"""Models that mix ordered and continuous indicators (the pieces ``fit_ordinal`` adds for them).

With continuous (numeric) observed variables among the ordered ones, lavaan's sample statistics
(``wls.obs``) are, group by group: the thresholds of each ordered item and, in its place among
them, minus the mean of each continuous variable (``x7~1``); then the variances of the
continuous variables (``x7~~x7``); then the off-diagonal elements column-wise: polychoric
correlations between ordered items, polyserial correlations times the sd between an ordered
item and a continuous one, covariances between continuous ones
(:mod:`cxstats.sem.ordinal_moments`).

The model (lavaan 0.6.14's rules): the intercepts of the continuous variables are free
parameters (the latent means and the intercepts of the latent responses stay 0), their
residual variances are free (not ``1 - explained``, which holds for ordered items under
delta). With equal thresholds across groups their intercepts are equal too, the later groups'
latent means and the ordered items' scale factors free (lavaan's ``group.equal =
"thresholds"``). With ``s_i`` the scale of variable ``i`` (ordered: its delta, 1, or ``1 /
sd(y*_i)`` under theta; continuous: 1), ``Sigma`` and ``mu`` the model's implied covariance
and means, the implied statistics are ``s_i (tau - mu_i)`` (thresholds), ``-mu_i`` (means of
continuous variables), ``Sigma_ii`` (their variances) and ``s_i s_j Sigma_ij``. The baseline
model frees thresholds, means and variances and fixes every correlation and covariance at 0.
The residual summaries (SRMR and relatives) take the off-diagonal residuals (standardized by
the sample variances for ``srmr``, by the sample and the implied ones for ``crmr``, raw for
``rmr``) and the threshold residuals, but not the means or variances of continuous variables;
lavaan's robust (``catML``) CFI and RMSEA are not defined for such models (NaN, as lavaan).

Parameters in the units of a continuous variable can differ from the others by orders of
magnitude: the information matrix is inverted and ranked on its unit-diagonal form, and the
difference test works with Jacobians on unit parameter scale (:func:`scaled_pinv`,
:func:`full_rank_scaled`, :func:`unit_scale_jacobians`).

Checked against lavaan 0.6.14 (tests/reference/lavaan_wlsmv_mixed.R).
"""

from __future__ import annotations

import numpy as np

from ._ordinal import _Structure
from ._problems import ModelSpecificationError

__all__ = ["continuous_names", "MixedStructure", "start_moments", "baseline_positions", "residual_summaries",
           "mixed_continuous", "full_rank_scaled", "scaled_pinv", "unit_scale_jacobians",
           "ROBUST_NAMES"]

ROBUST_NAMES = ("cfi.robust", "tli.robust", "nnfi.robust", "rni.robust", "rmsea.robust", "rmsea.ci.lower.robust",
                "rmsea.ci.upper.robust", "rmsea.pvalue.robust", "rmsea.notclose.pvalue.robust")


def continuous_names(observed, samples) -> tuple[str, ...]:
    """The model's observed variables that the sample statistics hold as continuous (an empty
    ``ordered`` set means every variable is ordered)."""
    ordered = getattr(samples[0], "ordered", None) or frozenset()
    if not ordered:
        return ()
    return tuple(n for n in observed if n not in ordered)


class MixedStructure(_Structure):
    """:class:`_Structure` for a group whose observed variables include continuous ones: the
    same attributes (thresholds of the ordered items at ``th_pos``, off-diagonal statistics at
    ``pair_pos``), plus ``mean_pos`` and ``var_pos`` (positions of ``-mean`` and the variance
    of each continuous variable, model positions in ``numeric``)."""

    def __init__(self, ram, sample, parameterization: str, core: np.ndarray, th_offset: int, n_par: int,
                 scale_cols: np.ndarray | None = None, fixed: set | None = None):
        spec = ram.spec
        self.ram, self.param = ram, parameterization
        self.p = ram.p
        names = list(spec.observed)
        sample_names = list(sample.names)
        order = [sample_names.index(n) for n in names]
        self.order = order
        self.residual = {}  # the ordered items' residual variances (functions of the others, or 1)
        for r in spec.rows:
            if (r.op == "~~" and r.lhs == r.rhs and r.lhs in spec.observed and r.free > 0
                    and (fixed is None or r.free - 1 in fixed)):
                self.residual[names.index(r.lhs)] = r.free - 1
        ordered = sample.ordered
        self.is_ordered = np.array([n in ordered for n in names])
        self.numeric = np.flatnonzero(~self.is_ordered)
        self.core = core
        self.n_core = len(core)
        self.n_th = [len(sample.thresholds[n]) if n in ordered else 0 for n in names]
        self.th_item = np.repeat(np.arange(self.p), self.n_th)
        self.th_cols = self.n_core + th_offset + np.arange(int(sum(self.n_th)))
        self.n_par = n_par
        self.scale_cols = scale_cols
        # wls_obs: per sample variable its thresholds (ordered) or one slot (-mean); the variances
        # of the continuous variables; then the off-diagonal elements column-wise
        slots = [len(sample.thresholds[n]) if n in ordered else 1 for n in sample_names]
        start = np.concatenate([[0], np.cumsum(slots)]).astype(int)
        self.th_pos = np.concatenate([np.arange(start[o], start[o + 1]) for o, n in zip(order, names, strict=True)
                                      if n in ordered] or [np.zeros(0)]).astype(int)
        self.mean_pos = np.array([start[order[m]] for m in self.numeric], dtype=int)
        numeric_sample = [n for n in sample_names if n not in ordered]
        k = int(start[-1])
        self.var_pos = np.array([k + numeric_sample.index(names[m]) for m in self.numeric], dtype=int)
        k += len(numeric_sample)
        self._set_pairs(order, k)

    def implied(self, x: np.ndarray, theta: np.ndarray | None = None):
        """(implied statistics in wls_obs order, Jacobian (n_stat, n_par), RAM theta)."""
        if theta is None:
            theta = self.full_theta(x)
        imp = self.ram.implied(theta)
        sigma, mu = imp.sigma, imp.mu
        d_sigma_all, d_mu_all = self.ram.jacobian(imp)
        d_sigma = d_sigma_all[self.core]  # (n_core, p, p)
        d_mu = d_mu_all[self.core] if d_mu_all is not None else np.zeros((self.n_core, self.p))
        var = np.diag(sigma)
        d_var = np.einsum("kii->ki", d_sigma)
        # the scale of each variable and its derivative: delta (constant unless free), 1 / sd(y*)
        # under theta, 1 for continuous variables
        if self.param == "delta":
            scale = np.where(self.is_ordered, self.delta(x), 1.0)
            d_scale = np.zeros((self.n_core, self.p))
        else:  # (a trial step of the optimiser may give a negative variance: NaN, rejected there)
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = np.where(self.is_ordered, 1.0 / np.sqrt(var), 1.0)
                d_scale = np.where(self.is_ordered, -0.5 * scale * d_var / var, 0.0)
        tau = x[self.th_cols]
        out = np.zeros(self.n_stat)
        jac = np.zeros((self.n_stat, self.n_par))
        i, j = self.pair_i, self.pair_j
        ss = scale[i] * scale[j]
        out[self.pair_pos] = ss * sigma[i, j]
        jac[self.pair_pos, :self.n_core] = (d_sigma[:, i, j] * ss
                                            + sigma[i, j] * (d_scale[:, i] * scale[j] + scale[i] * d_scale[:, j])).T
        t = self.th_item
        out[self.th_pos] = scale[t] * (tau - mu[t])
        jac[self.th_pos, self.th_cols] = scale[t]
        jac[self.th_pos, :self.n_core] = (-d_mu[:, t] * scale[t] + d_scale[:, t] * (tau - mu[t])).T
        if self.scale_cols is not None and self.param == "delta":  # free scale factors (-1: fixed at 1)
            free = self.is_ordered & (self.scale_cols >= 0)
            fi, fj, ft = free[i], free[j], free[t]
            jac[self.pair_pos[fi], self.scale_cols[i[fi]]] += (scale[j] * sigma[i, j])[fi]
            jac[self.pair_pos[fj], self.scale_cols[j[fj]]] += (scale[i] * sigma[i, j])[fj]
            jac[self.th_pos[ft], self.scale_cols[t[ft]]] = (tau - mu[t])[ft]
        m = self.numeric
        out[self.mean_pos] = -mu[m]
        jac[self.mean_pos, :self.n_core] = -d_mu[:, m].T
        out[self.var_pos] = var[m]
        jac[self.var_pos, :self.n_core] = d_var[:, m].T
        return out, jac, theta

    def scale(self, theta: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:
        """The ``~*~`` scale factors (1 for continuous variables, which have none)."""
        base = super().scale(theta, x)
        return np.where(self.is_ordered, base, 1.0)

    def start_thresholds(self, sample, x: np.ndarray) -> np.ndarray:
        sd = (np.sqrt(np.diag(self.ram.implied(self.full_theta(x)).sigma)) if self.param == "theta"
              else np.ones(self.p))
        names = self.ram.spec.observed
        return np.concatenate([np.asarray(sample.thresholds[n], dtype=float) * sd[m] for m, n in enumerate(names)
                               if self.is_ordered[m]] or [np.zeros(0)])


def scaled_pinv(info: np.ndarray) -> np.ndarray:
    """The pseudo-inverse of an information matrix computed on ``D^-1/2 info D^-1/2`` (``D`` its
    diagonal) and scaled back: parameters in the units of continuous variables can spread the
    diagonal over many orders of magnitude, past what ``pinv``'s relative cut-off keeps."""
    d = np.sqrt(np.abs(np.diag(info)))
    d[d == 0] = 1.0
    return np.linalg.pinv(info / np.outer(d, d), hermitian=True) / np.outer(d, d)


def unit_scale_jacobians(d1: np.ndarray, d0: np.ndarray, weights: np.ndarray):
    """For the difference test of two mixed fits: both Jacobians with each parameter rescaled to a
    unit diagonal of ``D'WD``, and ``pinv(D1) D0`` on them. The test does not depend on the
    parameters' scale, and ``pinv`` of a full-column-rank ``D1 S`` is ``S^-1 pinv(D1)``: the same
    statistic as lavaan's, computed without the loss of precision when parameters in the units
    of continuous variables differ by orders of magnitude. (lavaan's statistic, ``pinv(D1) D0``
    with both Jacobians at their own estimates, does depend on the units of the continuous
    variables, as does this one.)"""
    root = np.sqrt(weights)[:, None]

    def unit(d):
        norm = np.sqrt(np.einsum("ij,ij->j", root * d, root * d))
        norm[norm == 0] = 1.0
        return d / norm

    d1, d0 = unit(d1), unit(d0)
    return d1, d0, np.linalg.pinv(d1) @ d0


def full_rank_scaled(info: np.ndarray) -> bool:
    """Whether the information matrix has full rank, judged on ``D^-1/2 info D^-1/2`` (``D`` its
    diagonal), so that parameters in the units of a continuous variable (an intercept of 3,000, a
    variance of 10^6) do not make the matrix look singular."""
    d = np.sqrt(np.abs(np.diag(info)))
    d[d == 0] = 1.0
    scaled = info / np.outer(d, d)
    return bool(np.linalg.matrix_rank(scaled, tol=1e-10 * max(1.0, np.abs(scaled).max())) == info.shape[0])


def start_moments(sample, order) -> tuple[np.ndarray, np.ndarray]:
    """The covariance (continuous variables on their scale, correlations for ordered items) and
    means (0 for ordered items) the starting values are taken from, in model order."""
    names = list(sample.names)
    sd = np.array([np.sqrt(sample.variances[n]) if n in sample.variances else 1.0 for n in names])
    cov = np.asarray(sample.cor, dtype=float) * np.outer(sd, sd)
    mean = np.array([sample.means.get(n, 0.0) for n in names])
    return cov[np.ix_(order, order)], mean[order]


def baseline_positions(st) -> np.ndarray:
    """The statistics the baseline model fits exactly: the thresholds, and for continuous
    variables their means and variances."""
    if isinstance(st, MixedStructure):
        return np.sort(np.concatenate([st.th_pos, st.mean_pos, st.var_pos])).astype(int)
    return st.th_pos


def residual_summaries(s: np.ndarray, implied: np.ndarray, layout) -> dict[str, float]:
    """lavaan's RMR / SRMR / CRMR for a model with continuous variables (the module docstring):
    per group the off-diagonal residuals (raw, standardized by the sample variances, or each
    side by its own variances) and the threshold residuals; groups weighted by their share of N."""
    n = float(layout.nobs.sum())
    keys = ("rmr", "rmr_nomean", "srmr_bentler", "srmr_bentler_nomean", "crmr", "crmr_nomean")
    out = dict.fromkeys(keys, 0.0)
    for g, st in enumerate(layout.sts):
        share = layout.nobs[g] / n
        s_g, e_g = s[layout.group_stats[g]], implied[layout.group_stats[g]]
        p = st.p
        var_obs, var_est = np.ones(p), np.ones(p)
        if isinstance(st, MixedStructure):
            var_obs[st.numeric] = s_g[st.var_pos]
            var_est[st.numeric] = e_g[st.var_pos]
        i, j = st.pair_i, st.pair_j
        obs, est = s_g[st.pair_pos], e_g[st.pair_pos]
        th_res = s_g[st.th_pos] - e_g[st.th_pos]
        raw = obs - est
        bentler = _rescale(obs, var_obs[i] * var_obs[j]) - _rescale(est, var_obs[i] * var_obs[j])
        bollen = _rescale(obs, var_obs[i] * var_obs[j]) - _rescale(est, var_est[i] * var_est[j])
        n_off, n_th = len(raw), len(th_res)
        ss_th = float(th_res @ th_res)
        for name, res, extra in (("rmr", raw, p), ("srmr_bentler", bentler, p), ("crmr", bollen, 0)):
            ss = float(res @ res)
            out[name + "_nomean"] += share * np.sqrt(ss / (n_off + extra))
            out[name] += share * np.sqrt((ss + ss_th) / (n_off + n_th + extra))
    out = {k: float(v) for k, v in out.items()}
    out["srmr"] = out["srmr_bentler_nomean"]
    return out


def _rescale(values: np.ndarray, var_product: np.ndarray) -> np.ndarray:
    """lavaan's lav_residuals_rescale: divide by sqrt(var_i var_j), except values below 1e-5."""
    scale = 1.0 / np.sqrt(var_product)
    return np.where(np.abs(values) < 1e-5, values, values * scale)


def mixed_continuous(spec, ordered, *, ladder: bool = False) -> tuple[str, ...]:
    """The model's observed variables not in ``ordered`` (continuous), checked for what mixed
    models support: no exogenous observed predictors, ordered or continuous (lavaan would
    condition on them, ``conditional.x``), and not the ordinal invariance ladder."""
    continuous = tuple(n for n in spec.observed if n not in set(ordered))
    predictors = list(spec.exogenous_x)
    if predictors:  # also when every variable is ordered: the fit would differ from lavaan's silently
        raise ModelSpecificationError(
            f"The observed variable(s) {', '.join(repr(n) for n in predictors)} only predict (exogenous "
            "covariates); in a model with ordered items lavaan conditions on such covariates (conditional.x), which "
            "sem.fit does not do with ordered items. Make each one the single indicator of a factor (e.g. "
            f"'{predictors[0].upper()}F =~ {predictors[0]}'), or leave it out of the model.")
    if not continuous:
        return ()
    if ladder:
        raise ModelSpecificationError(
            f"The ordinal invariance ladder needs every observed variable in ordered=; "
            f"{', '.join(repr(n) for n in continuous)} {'is' if len(continuous) == 1 else 'are'} continuous. List "
            "them in ordered= (ordered=True for all), or fit the groups with sem.fit(..., group=..., ordered=...).")
    return continuous
