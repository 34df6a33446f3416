"""Score tests of a multigroup fit with ordered items (WLSMV, ULSMV, DWLS): the parts of
lavaan's ``lavTestScore`` and ``modindices`` for a (D)WLS fit.

The equalities of the fit are released into a larger parameter space in which every group
has its own copy of each tied parameter (loadings, labelled parameters, thresholds), and in
which the parameters that the Wu & Estabrook (2016) identification ties to a constant are free
(the later groups' intercepts of the latent responses, fixed at 0 once the latent means are
free; under theta, their residual variances fixed at 1). Each equality becomes a row of
``R theta_released = c``. At the restricted estimate, mapped into that space, lavaan's
quantities for a DWLS fit are

* the gradient ``d = sum_g (N_g - 1) / N  D_g' W_g (s_g - sigma_g)`` (lavaan's
  ``lav_model_gradient`` with ``W_g`` the DWLS weights ``1 / diag(NACOV_g)``; identity for ULS);
* the expected information ``I = sum_g N_g / N  D_g' W_g D_g``,

and the test of releasing a set of rows is ``N d' K1 (K1' I K1)^+ K1' d`` with ``K1`` a basis
of the rows kept (:func:`cxstats.sem.group_tests.score_tests`). As in lavaan, the test is the
ordinary score test (lavaan warns that a robust version is not implemented and falls back to
it). The released space is not identified as a whole (the later groups' free scale factors and
intercepts absorb released thresholds); the rows kept identify it.

Checked against lavaan 0.6.14 ``lavTestScore`` (threshold and loading equalities) and
``modindices`` (intercepts and residual variances) on semTools' Wu & Estabrook models
(tests/reference/lavaan_ordinal_score.R). Models with continuous variables among the ordered
items (their intercepts tied with equal thresholds, as lavaan) use the mixed structure of
:mod:`cxstats.sem._ordinal_mixed` (tests/reference/lavaan_wlsmv_mixed.R).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._ordinal import OrdinalFit, _scale_columns, _Structure, threshold_labels
from ._ordinal_mixed import MixedStructure, continuous_names
from .matrices import RamModel


@dataclass(frozen=True)
class ScoreParts:
    """What the score statistics need: gradient ``d`` and information ``info`` (per observation)
    in the released space, the constraint rows ``r`` (one per released equality) and, for each
    row, the key of the parameter it belongs to (rows of one key are released together) and its
    description ``(lhs, op, rhs, groups)`` (the positions of the groups the row ties).
    ``in_total`` marks the rows of lavaan's total test (its ``==`` constraints; not the
    parameters tied to a constant, which lavaan tests as modification indices)."""

    d: np.ndarray
    info: np.ndarray
    r: np.ndarray
    keys: tuple
    rows: tuple
    n: float
    in_total: np.ndarray | None = None


def ordinal_score_parts(result) -> ScoreParts:
    """Gradient, information and released equalities of an ordinal multigroup fit."""
    fitted: OrdinalFit = result._ordinal
    spec = result._spec
    samples = list(result._group_moments)
    continuous = continuous_names(spec.observed, samples)  # a mixed model: no thresholds or scale factors for them
    n_groups = len(samples)
    theta_pz = result.parameterization == "theta"
    observed = set(spec.observed)
    latent = set(spec.latent)
    # ---- the released RAM rows: every free row its own number; rows tied to a constant freed
    fixed_scale = set(fitted.fixed_scale)  # binary items: kept at 1 for identification, not tied
    later_means_free = any(r.op == "~1" and r.group > 0 and r.lhs in latent and r.free > 0 for r in spec.rows)
    computed = set(fitted.residual_rows)  # restricted indices of residual variances that are not parameters
    final, to_constant = [], {}
    fixed_resid: set[int] = set()  # released indices of residual variances that _Structure computes or fixes
    counter = 0
    for r in spec.rows:
        release = None
        if r.free == 0 and r.group > 0 and r.lhs in observed and fitted.equal_thresholds:
            if r.op == "~1" and later_means_free:
                release = 0.0  # an intercept tied to the first group's 0
        is_resid = r.op == "~~" and r.lhs == r.rhs and r.lhs in observed
        if is_resid and r.free > 0 and r.free - 1 in computed:
            if theta_pz and fitted.free_residuals and r.group > 0 and (r.group, r.lhs) not in fixed_scale:
                release = 1.0  # theta: a residual variance tied to the first group's 1
            else:
                fixed_resid.add(counter)  # computed (delta) or fixed at 1 (theta): not a parameter
        if r.free > 0 or release is not None:
            counter += 1
            final.append(r._replace(free=counter, value=float("nan")))
            if release is not None:
                to_constant[counter] = release
        else:
            final.append(r)
    released = replace(spec, rows=tuple(final), n_par=None)
    n_ram = counter
    core = np.array([k for k in range(n_ram) if k not in fixed_resid], dtype=int)
    # ---- thresholds: each group its own; scale factors as in the fit (free in later groups, delta)
    n_th = [int(sum(len(smp.thresholds[nm]) for nm in spec.observed if nm not in continuous)) for smp in samples]
    offsets = np.concatenate([[0], np.cumsum(n_th)]).astype(int)
    p = len(spec.observed)
    n_par = len(core) + int(offsets[-1])
    scale = [None] * n_groups
    if fitted.equal_thresholds and not theta_pz:
        scale, n_par = _scale_columns(spec, n_groups, n_par, fitted.fixed_scale)
    rams = [RamModel(released.group_view(g), np.asarray(smp.cor, dtype=float), np.zeros(p))
            for g, smp in enumerate(samples)]
    structure = MixedStructure if continuous else _Structure
    sts = [structure(ram, smp, result.parameterization, core, int(offsets[g]), n_par, scale[g], fixed_resid)
           for g, (ram, smp) in enumerate(zip(rams, samples, strict=True))]
    # ---- the restricted estimate in the released coordinates
    x = np.zeros(n_par)
    index_of = {k: i for i, k in enumerate(core)}
    for new, old in zip(final, spec.rows, strict=True):
        if new.free > 0 and new.free - 1 in index_of:
            x[index_of[new.free - 1]] = (to_constant[new.free] if new.free in to_constant
                                         else result._theta[old.free - 1])
    x[len(core):len(core) + int(offsets[-1])] = fitted.threshold_rows["estimate"].to_numpy()
    for g, cols in enumerate(scale):
        if cols is not None:
            x[cols[cols >= 0]] = fitted.scale[g * p:(g + 1) * p][cols >= 0]
    parts = [st.implied(x) for st in sts]
    implied = np.concatenate([part[0] for part in parts])
    if not np.allclose(implied, fitted.implied, atol=1e-7):  # the mapping must reproduce the fit
        raise RuntimeError("Internal error: the released ordinal model does not reproduce the fitted statistics.")
    nobs = np.array([smp.nobs for smp in samples], dtype=float)
    n = float(nobs.sum())
    uls = result.estimator in ("ULSMV", "ULS")
    d = np.zeros(n_par)
    info = np.zeros((n_par, n_par))
    for g, (smp, (imp, jac, _)) in enumerate(zip(samples, parts, strict=True)):
        w = np.ones(len(imp)) if uls else np.asarray(smp.wls_v_diag, dtype=float)
        d += (nobs[g] - 1) / n * jac.T @ (w * (np.asarray(smp.wls_obs, dtype=float) - imp))
        info += nobs[g] / n * jac.T @ (w[:, None] * jac)
    # ---- the equalities, as rows of R
    r_rows, keys, described = [], [], []

    def add(cols_coef, key, desc):
        row = np.zeros(n_par)
        for col, coef in cols_coef:
            row[col] = coef
        r_rows.append(row)
        keys.append(key)
        described.append(desc)

    by_number: dict[int, list[int]] = {}
    for i, old in enumerate(spec.rows):
        new = final[i]
        if old.free > 0 and new.free - 1 in index_of:
            by_number.setdefault(old.free, []).append(i)
    for number, members in by_number.items():
        if len(members) < 2:
            continue
        first = final[members[0]]
        for i in members[1:]:
            other, old = final[i], spec.rows[i]
            add([(index_of[first.free - 1], 1.0), (index_of[other.free - 1], -1.0)], ("tie", number),
                (old.lhs, old.op, old.rhs, (spec.rows[members[0]].group, old.group)))
    for i, new in enumerate(final):
        if new.free in to_constant:
            old = spec.rows[i]
            add([(index_of[new.free - 1], 1.0)], ("fixed", old.op, old.lhs, old.rhs),
                (old.lhs, old.op, old.rhs, (0, old.group)))
    if fitted.equal_thresholds:
        for g in range(1, n_groups):
            for k, (item, tk) in enumerate(threshold_labels(spec.observed, samples[0], continuous)):
                if (item, tk) in fitted.free_thresholds:
                    continue
                add([(int(sts[0].th_cols[k]), 1.0), (int(sts[g].th_cols[k]), -1.0)], ("|", item, tk),
                    (item, "|", tk, (0, g)))
    r = np.array(r_rows).reshape(len(r_rows), n_par)
    in_total = np.array([key[0] != "fixed" for key in keys], dtype=bool)
    return ScoreParts(d=d, info=info, r=r, keys=tuple(keys), rows=tuple(described), n=n, in_total=in_total)
