"""Ordinal indicators: the DWLS / ULS estimators on polychoric sample statistics (lavaan's
WLSMV, ULSMV and DWLS), one group or several (thresholds per group).

Each ordered item is the cut of a normal latent response ``y*`` at its thresholds. The
model's RAM matrices describe the covariance of the latent responses ``Sigma*``; the
statistics it is fitted to are the thresholds and the polychoric correlations, in lavaan's
order (``lavInspect(fit, "wls.obs")``: thresholds item by item, then the correlations
column-wise below the diagonal). Two ways to fix the scale of ``y*`` (lavaan's
``parameterization``):

* ``"delta"``: the scaled latent responses ``Delta y*`` have variance 1; an item's residual
  variance is not a parameter but ``1 / delta^2 - diag(Lambda Psi Lambda')`` (shown fixed, as
  lavaan), the implied correlations are ``delta_i delta_j Sigma*_ij`` and the implied
  thresholds ``delta_i (tau - mu*_i)``; the scale factors ``~*~`` are 1, except in the later
  groups of a model with equal thresholds, where they and the latent means are free (lavaan);
* ``"theta"``: the residual variances are 1; ``Delta = diag(Sigma*)^-1/2`` (the ``~*~``
  rows), implied correlations ``Delta Sigma* Delta`` and thresholds ``Delta tau``.

The discrepancy is ``F = (s - sigma)' W (s - sigma)`` with ``W = diag(1 / diag(Gamma))``
(DWLS: WLSMV, DWLS) or ``W = I`` (ULS: ULSMV), ``Gamma`` being N times the asymptotic
covariance of ``s`` (lavaan's ``NACOV``, ``lavInspect(fit, "gamma")``). As lavaan 0.6.14,
``chisq = sum_g (N_g - 1) F_g`` and ``fmin = chisq / (2 N)``; the robust SEs are the sandwich
``(D'WD)^-1 D'W Gamma W D (D'WD)^-1 / (N - G)`` (``D = d sigma / d theta``; groups stacked
with ``W_g f_g`` and ``Gamma_g / f_g``, ``f_g = N_g / N``); the mean-and-variance adjusted
(scaled-shifted) test uses ``U = W - W D (D'WD)^-1 D'W``: ``a = sqrt(df / tr((U Gamma)^2))``,
``chisq.scaled = a chisq + df - a tr(U Gamma)`` and lavaan's scaling factor ``1 / a``. RMSEA
divides by ``N - G``. The baseline model frees the thresholds and fixes every correlation
at 0.

Models that also have continuous observed variables (mixed models: their means among the
thresholds, their variances, covariances and polyserial covariances; free intercepts and
residual variances) use :class:`cxstats.sem._ordinal_mixed.MixedStructure` in place of
``_Structure`` and the baseline and residual summaries described there.

Checked against lavaan 0.6.14 (tests/reference/lavaan_wlsmv.R; mixed models:
tests/reference/lavaan_wlsmv_mixed.R).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import fit_indices as fitindex
from .estimate import start_values
from .matrices import RamModel
from ._problems import ModelSpecificationError
from .partable import ParameterTable

__all__ = ["OrdinalFit", "OrdinalSample", "fit_ordinal", "threshold_labels", "ESTIMATORS", "PARAMETERIZATIONS"]

ESTIMATORS = ("WLSMV", "ULSMV", "DWLS", "ULS")
PARAMETERIZATIONS = ("delta", "theta")


@dataclass(frozen=True)
class OrdinalSample:
    """The ordinal sample statistics of one group (the fields sem.fit reads from the
    producer of polychoric moments): model-ordered ``names``, ``thresholds`` per item,
    polychoric ``cor``, ``nobs``, ``wls_obs`` (lavaan's order), ``nacov`` (N times the
    asymptotic covariance of ``wls_obs``) and the DWLS weights ``wls_v_diag``."""

    names: tuple[str, ...]
    thresholds: dict[str, np.ndarray]
    cor: np.ndarray
    nobs: int
    wls_obs: np.ndarray
    nacov: np.ndarray
    wls_v_diag: np.ndarray
    ordered: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class OrdinalFit:
    """What the ordinal estimator hands on to the result."""

    theta: np.ndarray  # the RAM parameters (residual variances of the items filled in)
    estimate: np.ndarray  # the free parameters: RAM parameters without the items' residual variances, then thresholds
    vcov_full: np.ndarray  # covariance of ``theta`` (zero rows for the items' residual variances)
    vcov: np.ndarray  # covariance of ``estimate``
    fmin: float
    iterations: int
    converged: bool
    gradient_max: float
    identified: bool
    fit_measures: dict[str, float]
    threshold_rows: pd.DataFrame  # ``|`` rows (estimate, se) and the ``~*~`` scale factors
    thresholds_std: np.ndarray  # thresholds on the scale of the latent responses (std.all)
    scale: np.ndarray  # the ``~*~`` values, one per item (and group)
    implied: np.ndarray  # implied statistics, in ``wls_obs`` order
    residual_rows: tuple[int, ...]  # free-parameter indices (0-based) the items' residual variances had
    scale_se: np.ndarray | None = None  # SEs of free scale factors (0 when fixed)
    jacobian: np.ndarray | None = None  # d implied statistics / d estimate, groups stacked
    group_weights: tuple = ()  # lavaan's reported DWLS weights of each group (ones for ULS)
    group_gamma: tuple = ()  # lavaan's reported NACOV of each group
    group_nobs: tuple = ()
    equal_thresholds: bool = False  # one set of thresholds for every group (but ``free_thresholds``)
    free_thresholds: frozenset = frozenset()  # (item, "tk") with a copy per group despite equal thresholds
    free_residuals: bool = False  # theta: the later groups' residual variances are parameters unless tied
    continuous: tuple = ()  # the model's continuous observed variables (a mixed model)
    fixed_scale: tuple = ()  # (group index, item): scale (delta) or residual variance (theta) kept at 1


class _Structure:
    """Maps the free parameters to one group's implied thresholds and correlations.

    The parameter vector of all groups is ``[core, thresholds of group 1, of group 2, ...]``:
    ``core`` are the RAM free parameters without the items' residual variances (shared by
    groups through the table's free-parameter numbers); this group's thresholds start at
    ``th_offset`` after them."""

    def __init__(self, ram: RamModel, sample: OrdinalSample, parameterization: str, core: np.ndarray,
                 th_offset: int, n_par: int, scale_cols: np.ndarray | None = None, fixed: set | None = None):
        spec = ram.spec
        self.ram, self.param = ram, parameterization
        self.p = ram.p
        names = list(spec.observed)
        order = [tuple(sample.names).index(n) for n in names]
        self.order = order  # model position -> sample position
        self.residual = {}  # model item position -> free index of its residual variance
        for r in spec.rows:
            if (r.op == "~~" and r.lhs == r.rhs and r.lhs in spec.observed and r.free > 0
                    and (fixed is None or r.free - 1 in fixed)):
                self.residual[names.index(r.lhs)] = r.free - 1
        self.core = core
        self.n_core = len(core)
        self.n_th = [len(sample.thresholds[n]) for n in names]
        self.th_item = np.repeat(np.arange(self.p), self.n_th)
        self.th_cols = self.n_core + th_offset + np.arange(int(sum(self.n_th)))
        self.n_par = n_par
        # free scale factors (delta, groups after the first when thresholds are equal)
        self.scale_cols = scale_cols
        # positions of the statistics in wls_obs order (the sample's variable order)
        th_start = np.concatenate([[0], np.cumsum([len(sample.thresholds[n]) for n in sample.names])])
        self.th_pos = np.concatenate([np.arange(th_start[o], th_start[o + 1]) for o in order]).astype(int)
        k = int(th_start[-1])
        self._set_pairs(order, k)

    def _set_pairs(self, order: list[int], k: int) -> None:
        """The correlations' positions from ``k`` on (column-wise below the diagonal, in sample
        positions), the number of statistics, and the items whose residual variance is not a
        parameter."""
        inv = {o: m for m, o in enumerate(order)}
        pairs = [(inv[i], inv[j]) for j in range(self.p) for i in range(j + 1, self.p)]
        self.pair_i = np.array([a for a, _ in pairs], dtype=int)
        self.pair_j = np.array([b for _, b in pairs], dtype=int)
        self.pair_pos = k + np.arange(len(pairs), dtype=int)
        self.n_stat = k + len(pairs)
        self.items = np.array(sorted(self.residual), dtype=int)
        self.resid_idx = np.array([self.residual[i] for i in self.items], dtype=int)

    def full_theta(self, x: np.ndarray) -> np.ndarray:
        """The RAM parameter vector: the items' residual variances are 1 - explained (delta)
        or 1 (theta)."""
        theta = np.zeros(self.ram.n_par)
        theta[self.core] = x[:self.n_core]
        if self.param == "delta" and len(self.items):
            sigma0 = self.ram.implied(theta).sigma
            delta = self.delta(x)
            theta[self.resid_idx] = 1.0 / delta[self.items] ** 2 - np.diag(sigma0)[self.items]
        elif len(self.items):
            theta[self.resid_idx] = 1.0
        return theta

    def implied(self, x: np.ndarray, theta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(implied statistics in wls_obs order, Jacobian (n_stat, n_par), RAM theta)."""
        if theta is None:
            theta = self.full_theta(x)
        imp = self.ram.implied(theta)
        sigma = imp.sigma
        d_sigma = self.ram.jacobian(imp)[0][self.core]  # (n_core, p, p)
        tau = x[self.th_cols]
        out = np.zeros(self.n_stat)
        jac = np.zeros((self.n_stat, self.n_par))
        i, j = self.pair_i, self.pair_j
        if self.param == "delta":
            # y = Delta y*: correlations delta_i delta_j Sigma*_ij, thresholds delta_i (tau - mu*_i)
            delta = self.delta(x)
            d_mu = self.ram.jacobian(imp)[1][self.core] if self.ram.meanstructure else None
            mu = imp.mu
            dd = delta[i] * delta[j]
            out[self.pair_pos] = dd * sigma[i, j]
            jac[self.pair_pos, :self.n_core] = (d_sigma[:, i, j] * dd).T
            t = self.th_item
            out[self.th_pos] = delta[t] * (tau - mu[t])
            jac[self.th_pos, self.th_cols] = delta[t]
            if d_mu is not None:
                jac[self.th_pos, :self.n_core] = (-d_mu[:, t] * delta[t]).T
            if self.scale_cols is not None:  # a column of -1: that item's scale factor is fixed at 1
                sc = self.scale_cols
                fi, fj, ft = sc[i] >= 0, sc[j] >= 0, sc[t] >= 0
                jac[self.pair_pos[fi], sc[i][fi]] = (delta[j] * sigma[i, j])[fi]
                jac[self.pair_pos[fj], sc[j][fj]] = (delta[i] * sigma[i, j])[fj]
                jac[self.th_pos[ft], sc[t][ft]] = (tau - mu[t])[ft]
        else:
            var = np.diag(sigma)
            sd = np.sqrt(var)
            cor = sigma[i, j] / (sd[i] * sd[j])
            out[self.pair_pos] = cor
            d_var = np.einsum("kii->ki", d_sigma)  # (n_core, p)
            jac[self.pair_pos, :self.n_core] = (d_sigma[:, i, j] / (sd[i] * sd[j])
                                                - 0.5 * cor * (d_var[:, i] / var[i] + d_var[:, j] / var[j])).T
            # thresholds (tau - mu*_i) / sd(y*_i): mu* (the latent responses' intercepts and the
            # loadings times the latent means) is 0 unless the later groups' means are free
            t = self.th_item
            mu = imp.mu[t]
            out[self.th_pos] = (tau - mu) / sd[t]
            jac[self.th_pos, self.th_cols] = 1.0 / sd[t]
            jac[self.th_pos, :self.n_core] = (-0.5 * ((tau - mu) / sd[t])[None, :] * d_var[:, t] / var[t]).T
            if self.ram.meanstructure:
                d_mu = self.ram.jacobian(imp)[1][self.core]
                jac[self.th_pos, :self.n_core] -= (d_mu[:, t] / sd[t]).T
        return out, jac, theta

    def delta(self, x: np.ndarray) -> np.ndarray:
        """The delta parameterization's scale factors (1 unless free)."""
        if self.scale_cols is None:
            return np.ones(self.p)
        return np.where(self.scale_cols >= 0, x[self.scale_cols], 1.0)

    def scale(self, theta: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:
        """The ``~*~`` scale factors: delta (1 unless free) or 1 / sd(y*) (theta)."""
        if self.param == "delta":
            return np.ones(self.p) if x is None else self.delta(x)
        return 1.0 / np.sqrt(np.diag(self.ram.implied(theta).sigma))

    def start_thresholds(self, sample: OrdinalSample, x: np.ndarray) -> np.ndarray:
        sd = np.sqrt(np.diag(self.ram.implied(self.full_theta(x)).sigma)) if self.param == "theta" else np.ones(self.p)
        names = self.ram.spec.observed
        return np.concatenate([sample.thresholds[n] * sd[m] for m, n in enumerate(names)])


def fit_ordinal(spec: ParameterTable, sample, *, estimator: str = "WLSMV",
                parameterization: str = "delta", max_iter: int = 500, equal_thresholds: bool = False,
                free_residuals: bool = False, free_thresholds=frozenset(),
                fixed_scale: Collection[tuple[int, str]] = ()) -> OrdinalFit:
    """Fit the model to each group's ordinal sample statistics (``sample``: one
    :class:`OrdinalSample`, or a sequence of them in the order of ``spec.groups``).

    ``equal_thresholds``: one set of thresholds for every group; under delta the later groups'
    scale factors are then free. ``free_residuals`` (theta): the later groups' residual
    variances of the latent responses are parameters, unless tied to the first group's (fixed
    at 1), as Wu & Estabrook (2016) free them once the thresholds are equal. ``free_thresholds``
    (with equal thresholds): ``(item, "tk")`` pairs whose threshold each group estimates on its own
    (a partial-invariance model; semTools' ``group.partial = "item|tk"``). ``fixed_scale``:
    ``(group index, item)`` pairs whose scale factor (delta) or residual variance (theta) stays
    fixed at 1 although the thresholds are equal (Wu & Estabrook's binary items, whose one
    threshold identifies their intercept but not also their scale; see
    :func:`~cxstats.sem._ordinal_fit.wu_estabrook_fixed_scales`)."""
    from ._ordinal_mixed import (ROBUST_NAMES, MixedStructure, continuous_names, full_rank_scaled, residual_summaries,
                                 scaled_pinv, start_moments)

    estimator = estimator.upper()
    free_thresholds = frozenset(free_thresholds) if equal_thresholds else frozenset()
    samples = [sample] if isinstance(sample, OrdinalSample) or hasattr(sample, "wls_obs") else list(sample)
    n_groups = len(samples)
    continuous = continuous_names(spec.observed, samples)  # their residual variances are parameters
    if continuous and equal_thresholds:  # continuous variables have no scale factor to free
        fixed_scale = tuple(fixed_scale) + tuple((g, nm) for g in range(1, n_groups) for nm in continuous)
    rams = [RamModel(spec.group_view(g), np.asarray(smp.cor, dtype=float), np.zeros(len(spec.observed)))
            for g, smp in enumerate(samples)]
    n_ram = rams[0].n_par
    resid = {r.free - 1 for r in spec.rows if r.op == "~~" and r.lhs == r.rhs and r.lhs in spec.observed and r.free > 0
             and r.lhs not in continuous}
    free_resid: set[int] = set()
    if free_residuals and parameterization == "theta":  # later groups' own residual variances are parameters
        first = {r.lhs: r.free for r in spec.rows if r.group == 0 and r.op == "~~" and r.lhs == r.rhs}
        free_resid = {r.free - 1 for r in spec.rows if r.group > 0 and r.op == "~~" and r.lhs == r.rhs
                      and r.lhs in spec.observed and r.free > 0 and r.free != first.get(r.lhs)
                      and (r.group, r.lhs) not in set(fixed_scale)}
        resid -= free_resid
    core = np.array([k for k in range(n_ram) if k not in resid], dtype=int)
    n_th = [int(sum(len(smp.thresholds[nm]) for nm in spec.observed if nm not in continuous)) for smp in samples]
    p = len(spec.observed)
    if equal_thresholds:  # one set of thresholds; free scale factors in the later groups (lavaan)
        offsets = np.zeros(n_groups + 1, dtype=int)
        n_th_total = n_th[0]
        if parameterization == "delta":
            scale, n_par = _scale_columns(spec, n_groups, len(core) + n_th_total, fixed_scale)
        else:  # theta: the scale follows from the (free) residual variances
            scale = [None] * n_groups
            n_par = len(core) + n_th_total
    else:
        offsets = np.concatenate([[0], np.cumsum(n_th)]).astype(int)
        scale = [None] * n_groups
        n_par = len(core) + int(offsets[-1])
    own = [k for k, label in enumerate(threshold_labels(spec.observed, samples[0], continuous))
           if label in free_thresholds]  # positions (in the shared set) each later group copies
    n_par += (n_groups - 1) * len(own)
    structure = MixedStructure if continuous else _Structure
    sts = [structure(ram, smp, parameterization, core, int(offsets[g]), n_par, scale[g], resid)
           for g, (ram, smp) in enumerate(zip(rams, samples, strict=True))]
    for g, st in enumerate(sts[1:]):  # the later groups' own copies of the freed thresholds, at the end
        st.th_cols = st.th_cols.copy()
        st.th_cols[own] = n_par - (n_groups - 1 - g) * len(own) + np.arange(len(own))
    n_stats = sum(st.n_stat for st in sts)
    if n_par > n_stats:
        kinds = "thresholds, correlations" + (", means and variances" if any(len(getattr(st, "numeric", ())) for st
                                                                         in sts) else "")
        raise ModelSpecificationError(
            f"The model is not identified: it has {n_par} free parameters (thresholds included) but the data provide "
            f"only {n_stats} sample statistics ({kinds}). Add indicators (three per factor), fix parameters (e.g. a "
            "loading per factor), or remove paths.")
    nobs = np.array([smp.nobs for smp in samples], dtype=float)
    n = float(nobs.sum())
    fg = nobs / n
    s = np.concatenate([np.asarray(smp.wls_obs, dtype=float) for smp in samples])
    # the discrepancy weights each group's statistics by f_g (N_g - 1) / N_g times lavaan's
    # reported DWLS weights (1 / diag(NACOV); 1 for ULS), so chisq = N F matches lavaan
    w_rep = [np.asarray(smp.wls_v_diag, dtype=float) for smp in samples]
    w = np.concatenate([
        fg[g] * (w_rep[g] if estimator in ("WLSMV", "DWLS") else np.ones(len(w_rep[g]))) * (nobs[g] - 1) / nobs[g]
        for g in range(n_groups)])
    stat_start = np.concatenate([[0], np.cumsum([st.n_stat for st in sts])]).astype(int)

    def evaluate(x):
        parts = [st.implied(x) for st in sts]
        return np.concatenate([p[0] for p in parts]), np.vstack([p[1] for p in parts]), [p[2] for p in parts]

    def objective(x):
        sigma, jac, _ = evaluate(x)
        r = s - sigma
        return float(r @ (w * r)), r, jac

    x = np.zeros(n_par)
    starts = [start_values(ram, *start_moments(smp, st.order)) if continuous else
              start_values(ram, np.asarray(smp.cor, dtype=float)[np.ix_(st.order, st.order)], np.zeros(ram.p))
              for ram, smp, st in zip(rams, samples, sts, strict=True)]
    x[:len(core)] = np.mean([theta[core] for theta in starts], axis=0)
    if free_resid:  # start the later groups' residual variances at the first group's 1
        x[[int(np.flatnonzero(core == k)[0]) for k in sorted(free_resid)]] = 1.0
    for st in sts[1:]:
        if st.scale_cols is not None:
            x[st.scale_cols[st.scale_cols >= 0]] = 1.0
    for g, (st, smp) in enumerate(zip(sts, samples, strict=True)):
        if equal_thresholds and g > 0:
            x[st.th_cols[own]] = st.start_thresholds(smp, x)[own]
            continue
        x[st.th_cols] = st.start_thresholds(smp, x)
    f, r, jac = objective(x)
    converged, it, gmax = False, 0, np.inf
    for it in range(1, max_iter + 1):
        h = jac.T @ (w[:, None] * jac)
        g = jac.T @ (w * r)
        gmax = float(np.max(np.abs(2 * g))) if len(g) else 0.0
        if gmax < 1e-9:
            converged = True
            break
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(h, g, rcond=None)[0]
        alpha = 1.0
        for _ in range(30):
            trial = x + alpha * step
            try:
                f_new, r_new, jac_new = objective(trial)
            except np.linalg.LinAlgError:
                f_new = np.inf
            if np.isfinite(f_new) and f_new <= f + 1e-15 * max(1.0, abs(f)):
                break
            alpha /= 2
        else:
            break
        x, f, r, jac = trial, f_new, r_new, jac_new
    h = jac.T @ (w[:, None] * jac)
    g = jac.T @ (w * r)
    gmax = float(np.max(np.abs(2 * g))) if len(g) else 0.0
    converged = converged or gmax < 1e-6
    implied, jac, thetas = evaluate(x)
    theta = thetas[0].copy()
    for st, th in zip(sts, thetas, strict=True):  # each group's residual variances
        theta[st.resid_idx] = th[st.resid_idx]

    # ------------------------------------------------------------------ inference
    identified = bool(np.linalg.matrix_rank(h, tol=1e-10 * max(1.0, np.abs(h).max())) == h.shape[0])
    if continuous:  # continuous variables on large or small scales: judge the rank on the scale-free matrix
        identified = full_rank_scaled(h)
    # SEs and the traces of the scaled test use lavaan's reported weights and NACOV (groups
    # weighted by f_g: W_g f_g, Gamma_g / f_g), and the sandwich is divided by N - G
    w_rep_all = np.concatenate([fg[g] * (w_rep[g] if estimator in ("WLSMV", "DWLS") else np.ones(len(w_rep[g])))
                                for g in range(n_groups)])
    gamma_rep = _block_diag([np.asarray(smp.nacov, dtype=float) / fg[g] for g, smp in enumerate(samples)])
    hr_inv = (scaled_pinv if continuous else np.linalg.pinv)(jac.T @ (w_rep_all[:, None] * jac))
    wdr = w_rep_all[:, None] * jac
    if estimator == "DWLS" or estimator == "ULS":
        vcov = hr_inv / (n - n_groups)  # lavaan's "standard" SEs for (D)WLS: the inverse of D'WD
    else:
        vcov = hr_inv @ (wdr.T @ gamma_rep @ wdr) @ hr_inv / (n - n_groups)
    # the RAM parameters: delta's residual variances are functions of the others (shown fixed)
    vcov_full = np.zeros((n_ram, n_ram))
    vcov_full[np.ix_(core, core)] = vcov[:len(core), :len(core)]

    df = len(s) - n_par
    chisq = n * f
    layout = _Layout(sts, stat_start, nobs)
    measures = _fit_measures(s, implied, jac, w, n, df, layout, chisq, estimator, w_rep_all, gamma_rep, hr_inv)
    if estimator in ("WLSMV", "ULSMV"):
        measures.update(_robust_measures(samples, implied, jac, estimator, df, layout) if not continuous
                        else dict.fromkeys(ROBUST_NAMES, float("nan")))  # lavaan: not defined (NA)
    if continuous:
        measures.update(residual_summaries(s, implied, layout))
    measures["wrmr"] = float(np.sqrt(chisq / (len(s) / n_groups)))  # lavaan: statistics per group
    measures["npar"] = float(n_par)
    measures["fmin"] = f / 2

    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    names = spec.observed
    frames, scales, scale_se = [], [], []
    for g, (st, th) in enumerate(zip(sts, thetas, strict=True)):
        scale = st.scale(th, x)
        scales.append(scale)
        scale_se.append(np.zeros(st.p) if st.scale_cols is None
                        else np.where(st.scale_cols >= 0, se[st.scale_cols], 0.0))
        tau = x[st.th_cols]
        lab = threshold_labels(names, samples[g], continuous)
        frames.append(pd.DataFrame({"lhs": [a for a, _ in lab], "rhs": [b for _, b in lab],
                                    "group": spec.groups[g], "estimate": tau, "se": se[st.th_cols],
                                    "std_all": tau * scale[st.th_item]}))
    rows = pd.concat(frames, ignore_index=True)
    return OrdinalFit(theta=theta, estimate=x, vcov_full=vcov_full, vcov=vcov, fmin=f / 2, iterations=it,
                      converged=converged, gradient_max=gmax, identified=identified, fit_measures=measures,
                      threshold_rows=rows, thresholds_std=rows["std_all"].to_numpy(), scale=np.concatenate(scales),
                      scale_se=np.concatenate(scale_se), jacobian=jac,
                      group_weights=tuple(w_rep[g] if estimator in ("WLSMV", "DWLS") else np.ones(len(w_rep[g]))
                                          for g in range(n_groups)),
                      group_gamma=tuple(np.asarray(smp.nacov, dtype=float) for smp in samples),
                      group_nobs=tuple(int(v) for v in nobs),
                      implied=implied, residual_rows=tuple(int(k) for k in sorted(resid)),
                      equal_thresholds=bool(equal_thresholds), free_thresholds=free_thresholds,
                      free_residuals=bool(free_residuals and parameterization == "theta"),
                      fixed_scale=tuple(fixed_scale), continuous=tuple(continuous))


def threshold_labels(names, sample, continuous=()) -> list[tuple[str, str]]:
    """``(item, "tk")`` of every threshold in the order of the parameter vector: the ordered
    items of ``names`` (model order), each with its thresholds ``t1, t2, ...`` in ``sample``."""
    return [(name, f"t{k + 1}") for name in names if name not in continuous
            for k in range(len(sample.thresholds[name]))]


def _scale_columns(spec: ParameterTable, n_groups: int, start: int, fixed_scale) -> tuple[list, int]:
    """The delta parameterization's free scale factors of the later groups (equal thresholds):
    one column per item and later group after ``start``, -1 where ``fixed_scale`` keeps the
    item's scale at 1. Returns (columns per group, None for the first; the number of parameters)."""
    fixed = set(fixed_scale)
    scale, at = [None], start
    for g in range(1, n_groups):
        cols = np.full(len(spec.observed), -1, dtype=int)
        for m, name in enumerate(spec.observed):
            if (g, name) not in fixed:
                cols[m], at = at, at + 1
        scale.append(cols)
    return scale, at


class _Layout:
    """Where each group's statistics sit in the stacked vector."""

    def __init__(self, sts, stat_start, nobs):
        self.sts, self.nobs = sts, nobs
        self.n_groups = len(sts)
        from ._ordinal_mixed import baseline_positions

        # the statistics the baseline fits exactly (thresholds; means and variances of continuous variables)
        self.th_pos = np.concatenate([stat_start[g] + baseline_positions(st) for g, st in enumerate(sts)])
        self.pair_pos = np.concatenate([stat_start[g] + st.pair_pos for g, st in enumerate(sts)])
        self.group_pairs = [stat_start[g] + st.pair_pos for g, st in enumerate(sts)]
        self.group_stats = [np.arange(stat_start[g], stat_start[g + 1]) for g in range(len(sts))]


def scaled_shifted_difference(general: OrdinalFit, restricted: OrdinalFit) -> dict[str, float]:
    """lavaan's difference test for WLSMV/ULSMV fits (``lavTestLRT``: Satorra, 2000,
    scaled-shifted; Asparouhov & Muthen, 2006): with ``A`` the constraints that take the
    general model to the restricted one (the orthogonal complement of ``pinv(D1) D0``, both
    Jacobians at their own estimates), ``P`` the general model's information ``D1'WD1`` and
    ``M = P^-1 A' (A P^-1 A')^+ A P^-1``: ``tr1 = sum_g f_g tr(W_g Gamma_g W_g D1_g M D1_g')``,
    ``tr2 = tr((W D1 M D1' W Gamma_f)^2)`` (``Gamma_f``: ``f_g Gamma_g``), ``a = sqrt(m / tr2)``
    and ``T = a (T0 - T1) + m - a tr1``. Returns ``a``, ``shift`` (b), ``trace1``, ``trace2``."""
    from scipy import linalg

    nobs = np.asarray(general.group_nobs, dtype=float)
    fg = nobs / nobs.sum()
    d1, d0 = general.jacobian, restricted.jacobian
    if general.continuous:  # parameters and statistics in the units of continuous variables: work in unit scale
        from ._ordinal_mixed import unit_scale_jacobians

        d1, d0, h = unit_scale_jacobians(d1, d0, np.concatenate(general.group_weights))
    else:
        h = np.linalg.pinv(d1) @ d0
    a_mat = linalg.null_space(h.T).T  # rows: the constraints on the general model's parameters
    w_all = np.concatenate([fg[g] * w for g, w in enumerate(general.group_weights)])
    info = d1.T @ (w_all[:, None] * d1)
    info_inv = np.linalg.pinv(info)
    apa = a_mat @ info_inv @ a_mat.T
    m_mat = info_inv @ a_mat.T @ np.linalg.pinv(apa) @ a_mat @ info_inv
    w_plain = np.concatenate(general.group_weights)
    gamma_f = _block_diag([fg[g] * gam for g, gam in enumerate(general.group_gamma)])
    u = (w_plain[:, None] * d1) @ m_mat @ (d1.T * w_plain[None, :])
    starts = np.concatenate([[0], np.cumsum([len(w) for w in general.group_weights])]).astype(int)
    trace1 = 0.0
    for g, gam in enumerate(general.group_gamma):
        rows = slice(starts[g], starts[g + 1])
        trace1 += fg[g] * float(np.trace(u[rows, rows] @ gam))
    ug = u @ gamma_f
    trace2 = float(np.sum(ug * ug.T))
    return {"trace1": trace1, "trace2": trace2}


def _block_diag(blocks):
    size = sum(b.shape[0] for b in blocks)
    out = np.zeros((size, size))
    at = 0
    for b in blocks:
        k = b.shape[0]
        out[at:at + k, at:at + k] = b
        at += k
    return out


def _scaled_shifted(jac, w, gamma, h_inv, df):
    """(tr(U Gamma), tr((U Gamma)^2)) with U = W - W D (D'WD)^-1 D'W."""
    wd = w[:, None] * jac
    u = np.diag(w) - wd @ h_inv @ wd.T
    ug = u @ gamma
    return float(np.trace(ug)), float(np.sum(ug * ug.T))


def _test(chisq, df, tr1, tr2):
    """lavaan's scaled-shifted statistic and scaling factor, and the mean-adjusted one."""
    if df <= 0:
        return chisq, 1.0, 0.0
    a = np.sqrt(df / tr2)
    shift = df - a * tr1
    return a * chisq + shift, 1.0 / a, shift


def _fit_measures(s, implied, jac, w, n, df, st: _Layout, chisq, estimator, wt, gt, ht) -> dict:
    """lavaan's fit measures: ``w`` are the weights of the discrepancy (chi-square), ``wt``,
    ``gt`` and ``ht`` the weights, NACOV and inverse information of the scaled test."""
    tr1, tr2 = _scaled_shifted(jac, wt, gt, ht, df)
    scaled, factor, shift = _test(chisq, df, tr1, tr2)
    # baseline: thresholds free, correlations 0
    r = s.copy()
    r[st.th_pos] = 0.0
    base_chisq = n * float(r @ (w * r))
    base_df = len(st.pair_pos)
    jb = np.zeros((len(s), len(st.th_pos)))
    jb[st.th_pos, np.arange(len(st.th_pos))] = 1.0
    hb_inv = np.linalg.pinv(jb.T @ (wt[:, None] * jb))
    b1, b2 = _scaled_shifted(jb, wt, gt, hb_inv, base_df)
    base_scaled, base_factor, base_shift = _test(base_chisq, base_df, b1, b2)
    out = {"chisq": chisq, "df": float(df), "pvalue": _p(chisq, df)}
    robust = estimator in ("WLSMV", "ULSMV")
    if robust:
        out.update({"chisq.scaled": scaled, "df.scaled": float(df), "pvalue.scaled": _p(scaled, df),
                    "chisq.scaling.factor": factor, "chisq.shift.parameter": shift})
    out.update({"baseline.chisq": base_chisq, "baseline.df": float(base_df), "baseline.pvalue": _p(base_chisq, base_df)})
    if robust:
        out.update({"baseline.chisq.scaled": base_scaled, "baseline.df.scaled": float(base_df),
                    "baseline.pvalue.scaled": _p(base_scaled, base_df),
                    "baseline.chisq.scaling.factor": base_factor})
    for suffix, (x2, x2b) in {"": (chisq, base_chisq), ".scaled": (scaled, base_scaled)}.items():
        if suffix and not robust:
            continue
        out["cfi" + suffix] = _cfi(x2, df, x2b, base_df)
        out["tli" + suffix] = _tli(x2, df, x2b, base_df)
        out["nnfi" + suffix] = out["tli" + suffix]
        for name in ("rfi", "nfi", "ifi", "rni"):
            out[name + suffix] = float(getattr(fitindex, name)(x2, df, x2b, base_df))
        out["pnfi" + suffix] = df / base_df * out["nfi" + suffix]
        # lavaan's RMSEA for these estimators divides by N - G (and multiplies by sqrt(G))
        m, root_g = n - st.n_groups, np.sqrt(st.n_groups)
        out["rmsea" + suffix] = _rmsea(x2, df, m) * root_g
        lo, hi = _rmsea_ci(x2, df, m)
        out["rmsea.ci.lower" + suffix], out["rmsea.ci.upper" + suffix] = lo * root_g, hi * root_g
        out["rmsea.pvalue" + suffix] = _rmsea_p(x2, df, m / st.n_groups, 0.05, close=True)
        out["rmsea.notclose.pvalue" + suffix] = _rmsea_p(x2, df, m / st.n_groups, 0.08, close=False)
    if estimator in ("ULSMV", "ULS"):  # lavaan gives the plain ULS statistic no reference distribution
        out["pvalue"] = out["baseline.pvalue"] = float("nan")
    out["rmsea.ci.level"], out["rmsea.close.h0"], out["rmsea.notclose.h0"] = 0.90, 0.05, 0.08
    # lavaan's residual summaries for ordered items: the correlation residuals, over p(p+1)/2
    # elements (with the zero diagonal; srmr, rmr_nomean) or p(p-1)/2 (crmr_nomean); the
    # "with means" variants also count the thresholds; groups weighted by their share of N.
    # The GFI family with the estimator's weights.
    e = s - implied
    keys = ("srmr", "srmr_bentler", "crmr", "crmr_nomean", "gfi")
    sums = dict.fromkeys(keys, 0.0)
    for g, group in enumerate(st.sts):
        share = st.nobs[g] / n
        stats_g, pairs_g = st.group_stats[g], st.group_pairs[g]
        p, n_th = group.p, len(group.th_pos)
        ss_cor, ss_all = float(np.sum(e[pairs_g] ** 2)), float(np.sum(e[stats_g] ** 2))
        sums["srmr"] += share * np.sqrt(ss_cor / (p * (p + 1) / 2))
        sums["srmr_bentler"] += share * np.sqrt(ss_all / (p * (p + 1) / 2 + n_th))
        sums["crmr_nomean"] += share * np.sqrt(ss_cor / (p * (p - 1) / 2))
        sums["crmr"] += share * np.sqrt(ss_all / (p * (p - 1) / 2 + n_th))
        w_g, e_g, s_g = w[stats_g], e[stats_g], s[stats_g]
        sums["gfi"] += share * (1.0 - float(e_g @ (w_g * e_g)) / float(s_g @ (w_g * s_g)))
    out["srmr"] = out["srmr_bentler_nomean"] = out["rmr_nomean"] = float(sums["srmr"])
    out["srmr_bentler"] = out["rmr"] = float(sums["srmr_bentler"])
    out["crmr_nomean"], out["crmr"] = float(sums["crmr_nomean"]), float(sums["crmr"])
    nel = len(s)
    gfi = float(sums["gfi"])
    out["gfi"] = gfi
    out["agfi"] = 1.0 - nel / df * (1.0 - gfi) if df > 0 else 1.0
    out["pgfi"] = df / nel * gfi
    # Hoelter's N and McDonald's MFI with N - G
    m = n - st.n_groups
    out["mfi"] = float(np.exp(-0.5 * (chisq - df) / m))
    for name, alpha in (("cn_05", 0.05), ("cn_01", 0.01)):
        out[name] = float(stats.chi2.ppf(1 - alpha, df) / (chisq / m) + 1) if df > 0 and chisq > 0 else float("nan")
    out["ntotal"] = float(n)
    return out


def _robust_measures(samples, implied, jac, estimator, df, st: _Layout) -> dict:
    """lavaan 0.6.14's robust CFI, TLI, RNI and RMSEA for ordered items (Savalei, 2021, "catML"):
    the normal-theory ML statistic of the polychoric matrices at the estimates, ``XX3 = sum_g
    N_g F_ML(R_g, P_g)``, with ``c = tr(U' V U Gamma) / df`` over the correlations (``V`` the
    ML weight at the implied correlations ``P_g`` times the group's share ``f_g``, ``Gamma_g /
    f_g``, ``U = I - D (D'WD)^-1 D'W`` with lavaan's reported weights); the baseline's
    ``sum_g N_g (-log|R_g|)`` with ``tr(Gamma) / df0``. NaN when a polychoric matrix is not
    positive definite (as lavaan)."""
    names = ("cfi.robust", "tli.robust", "nnfi.robust", "rni.robust", "rmsea.robust", "rmsea.ci.lower.robust",
             "rmsea.ci.upper.robust", "rmsea.pvalue.robust", "rmsea.notclose.pvalue.robust")
    cors = [np.asarray(smp.cor, dtype=float) for smp in samples]
    if df <= 0 or min(np.linalg.eigvalsh(c).min() for c in cors) < np.sqrt(np.finfo(float).eps):
        return dict.fromkeys(names, float("nan"))
    n = float(st.nobs.sum())
    fg = st.nobs / n
    w = np.concatenate([fg[g] * (np.asarray(smp.wls_v_diag, dtype=float) if estimator == "WLSMV"
                                 else np.ones(len(smp.wls_obs))) for g, smp in enumerate(samples)])
    gamma = _block_diag([np.asarray(smp.nacov, dtype=float) / fg[g] for g, smp in enumerate(samples)])
    xx3 = xx0 = 0.0
    v_blocks = []
    for g, (group, cor) in enumerate(zip(st.sts, cors, strict=True)):
        p = group.p
        model_cor = np.eye(p)
        i_, j_ = group.pair_i, group.pair_j
        model_cor[i_, j_] = model_cor[j_, i_] = implied[st.group_pairs[g]]
        sample_cor = cor[np.ix_(group.order, group.order)]
        logdet_p, logdet_r = np.linalg.slogdet(model_cor)[1], np.linalg.slogdet(sample_cor)[1]
        inv = np.linalg.inv(model_cor)
        xx3 += st.nobs[g] * (logdet_p + np.trace(sample_cor @ inv) - logdet_r - p)
        xx0 += st.nobs[g] * (-logdet_r)
        v_blocks.append(fg[g] * (inv[np.ix_(i_, i_)] * inv[np.ix_(j_, j_)] + inv[np.ix_(i_, j_)] * inv[np.ix_(j_, i_)]))
    v = _block_diag(v_blocks)
    wd = w[:, None] * jac
    u = np.eye(len(w)) - jac @ np.linalg.pinv(jac.T @ wd) @ wd.T
    pos = st.pair_pos
    u_c, gamma_c = u[np.ix_(pos, pos)], gamma[np.ix_(pos, pos)]
    c_hat = float(np.trace(u_c.T @ v @ u_c @ gamma_c)) / df
    df0 = len(pos)
    c0 = float(np.trace(gamma_c)) / df0
    t1, t0 = xx3 - c_hat * df, xx0 - c0 * df0
    out = {"cfi.robust": 1.0 - max(t1, 0.0) / max(t1, t0, 0.0) if max(t1, t0, 0.0) > 0 else 1.0,
           "tli.robust": 1.0 - (t1 * df0) / (t0 * df) if t0 != 0 else 1.0,
           "rni.robust": 1.0 - t1 / t0 if t0 != 0 else float("nan")}
    out["nnfi.robust"] = out["tli.robust"]
    groups = st.n_groups
    m, root_g = n - groups, np.sqrt(groups)  # as the other RMSEAs of these estimators
    out["rmsea.robust"] = float(np.sqrt(max(xx3 / m / df - c_hat / m, 0.0))) * root_g
    scaled = xx3 / c_hat
    lo, hi = _rmsea_ci(scaled, df, m)
    out["rmsea.ci.lower.robust"] = lo * np.sqrt(c_hat) * root_g
    out["rmsea.ci.upper.robust"] = hi * np.sqrt(c_hat) * root_g
    out["rmsea.pvalue.robust"] = 1.0 - fitindex._pchisq(scaled, df, m * df / c_hat * 0.05 ** 2 / groups)
    out["rmsea.notclose.pvalue.robust"] = fitindex._pchisq(scaled, df, m * df / c_hat * 0.08 ** 2 / groups)
    return out


def _p(x2, df):
    return float(stats.chi2.sf(x2, df)) if df > 0 else float("nan")


def _cfi(x2, df, x2b, dfb):
    t1 = max(x2 - df, 0.0)
    t2 = max(x2 - df, x2b - dfb, 0.0)
    return 1.0 if t2 == 0 else 1.0 - t1 / t2


def _tli(x2, df, x2b, dfb):
    if df <= 0:
        return 1.0
    t1 = x2b / dfb - x2 / df
    t2 = x2b / dfb - 1.0
    return 1.0 if t2 == 0 else t1 / t2


def _rmsea(x2, df, n):
    if df <= 0:
        return 0.0
    return float(np.sqrt(max((x2 - df) / (n * df), 0.0)))


def _rmsea_ci(x2, df, n, level=0.90):
    """lavaan's RMSEA interval (``lav_fit_rmsea_ci``): :func:`fit_indices.rmsea_ci`."""
    return (0.0, 0.0) if df <= 0 else fitindex.rmsea_ci(x2, df, n, level)


def _rmsea_p(x2, df, n, h0, *, close):
    if df <= 0:
        return float("nan")
    return fitindex.rmsea_pvalue(x2, df, n, h0) if close else fitindex.rmsea_notclose_pvalue(x2, df, n, h0)
