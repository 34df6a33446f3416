"""Modification indices: score tests for parameters fixed to zero (lavaan's ``modindices()``).

For each candidate parameter c the model is extended by c (at 0) and, with the expected
information Q of the extended model (per observation) and the gradient d of the ML
discrepancy, ``mi = N d_c^2 / (4 V_c)`` and ``epc = -d_c / (2 V_c)`` where
``V = Q_cc - Q_ct Q_tt^-1 Q_tc`` (Saris, Satorra & Sörbom, 1987). Candidates follow
lavaan's ``lav_partable_full``: loadings of every factor on every observed variable,
covariances among observed variables, regressions among the variables of the
structural part, covariances among latent variables; parameters already in the model are
skipped, and so are candidates that would not be identified if freed (V ~ 0: lavaan's
``na.remove``). In a multigroup model every candidate is tested in every group, with the
information and gradient of all groups (weights n_g / N) and N in total. Validated against
lavaan 0.6.14 (HS CFA, Political Democracy, ECSI; the HS metric model by school).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .estimate import _gradient_and_hessian
from .inference import standardized
from .matrices import RamModel
from .partable import ParameterTable, Row

__all__ = ["modification_indices", "candidate_parameters"]

# V below this share of Q_cc: the freed parameter would not be identified (rounding
# leaves ~1e-10 where lavaan's exact zero is; identified candidates are far above)
_V_TOLERANCE = 1e-8


def candidate_parameters(spec: ParameterTable) -> list[tuple[str, str, str]]:
    t = spec.table
    present = {(a, o, b) for a, o, b in zip(t["lhs"], t["op"], t["rhs"], strict=True)}
    present |= {(b, o, a) for a, o, b in present if o == "~~"}
    indicators = set(t.loc[t["op"] == "=~", "rhs"])
    # with latent variables, observed variables of the structural part are not candidates
    # for loadings or residual covariances (lavaan represents them as phantom factors)
    ov = [n for n in spec.observed if n not in spec.exogenous_x and (n in indicators or not spec.latent)]
    out = [(lv, "=~", x) for lv in spec.latent for x in ov]
    out += [(ov[i], "~~", ov[j]) for i in range(len(ov)) for j in range(i + 1, len(ov))]
    lv = list(spec.latent)
    out += [(lv[i], "~~", lv[j]) for i in range(len(lv)) for j in range(i + 1, len(lv))]
    regressions = t[t["op"] == "~"]
    if len(regressions):
        eqs = list(dict.fromkeys(list(regressions["lhs"]) + list(regressions["rhs"])))
        out += [(y, "~", x) for y in eqs for x in eqs
                if y != x and not (y in indicators and x in spec.latent)]
    return [c for c in out if c not in present]


def modification_indices(result) -> pd.DataFrame:
    if result.missing == "fiml":
        from ._problems import ModelSpecificationError

        raise ModelSpecificationError(
            "modindices() needs complete data (missing='listwise'); with FIML, compare nested models "
            "or refit with listwise deletion to screen for misfit."
        )
    spec: ParameterTable = result._spec
    groups = result._groups
    n_groups = len(groups.models)
    absent = candidate_parameters(spec.group_view(0))
    # fixed parameters (e.g. a marker loading) are candidates too, at their fixed value; the
    # ones that could not be identified if freed drop out below (V ~ 0), as in lavaan
    fixed = list(dict.fromkeys((r.lhs, r.op, r.rhs) for r in spec.rows
                               if r.free == 0 and not r.exo and r.op in ("=~", "~", "~~")))
    candidates = fixed + absent
    columns = ["lhs", "op", "rhs"] + ["group"] * bool(result.groups) + ["mi", "epc", "sepc_lv", "sepc_all"]
    if not candidates:
        return pd.DataFrame(columns=columns)
    q = spec.n_free
    position = {c: i for i, c in enumerate(candidates)}

    def index(g: int, key: tuple[str, str, str]) -> int:  # every candidate in every group: its own parameter
        return q + 1 + g * len(candidates) + position[key]

    theta = np.concatenate([result._theta, np.zeros(n_groups * len(candidates))])
    rows = []
    for r in spec.rows:
        key = (r.lhs, r.op, r.rhs)
        if r.free == 0 and not r.exo and key in position:
            theta[index(r.group, key) - 1] = r.value
            r = r._replace(free=index(r.group, key), value=float("nan"))
        rows.append(r)
    rows += [Row(lhs, op, rhs, "", index(g, (lhs, op, rhs)), float("nan"), False, False, g)
             for g in range(n_groups) for lhs, op, rhs in absent]
    extended_spec = dataclasses.replace(spec, rows=tuple(rows), n_par=None)
    extended = [RamModel(extended_spec.group_view(g), cov, mean)
                for g, (cov, mean) in enumerate(zip(groups.covs, groups.means, strict=True))]
    grad, hess = np.zeros(len(theta)), np.zeros((len(theta), len(theta)))
    for ram, cov, mean, weight in zip(extended, groups.covs, groups.means, groups.weights, strict=True):
        g_grad, g_hess = _gradient_and_hessian(ram, ram.implied(theta), cov, mean)
        grad += weight * g_grad
        hess += weight * g_hess
    info = hess / 2.0  # expected information per observation
    nobs = sum(groups.nobs)
    model_idx, extra_idx = np.arange(q), np.arange(q, len(theta))
    q_tt_inv = result._vcov * nobs  # (K (K'QK)^-1 K'): respects constraints
    q_ct = info[np.ix_(extra_idx, model_idx)]
    v = np.diag(info[np.ix_(extra_idx, extra_idx)]) - np.einsum("ij,jk,ik->i", q_ct, q_tt_inv, q_ct)
    d = grad[extra_idx] / 2.0  # gradient of lavaan's F (with its factor 1/2)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_cc = np.diag(info[np.ix_(extra_idx, extra_idx)])
        v = np.where(v < _V_TOLERANCE * np.maximum(q_cc, 1.0), np.nan, v)
        mi = nobs * d**2 / v
        epc = -d / v
    sepc_lv, sepc_all, group = [], [], []
    for g, ram in enumerate(groups.models):
        _, _, sd_lv, sd_all = standardized(ram, result._theta)
        block = epc[g * len(candidates):(g + 1) * len(candidates)]
        for (lhs, op, rhs), value in zip(candidates, block, strict=True):
            for scale, out in ((sd_lv, sepc_lv), (sd_all, sepc_all)):
                if op == "=~":
                    out.append(value * scale[lhs] / scale[rhs])
                elif op == "~":
                    out.append(value * scale[rhs] / scale[lhs])
                else:
                    out.append(_residual_scale(ram, result._theta, lhs, rhs, value, scale is sd_all))
            group.append(ram.spec.groups[0])
    every = candidates * n_groups
    table = pd.DataFrame({"lhs": [c[0] for c in every], "op": [c[1] for c in every], "rhs": [c[2] for c in every],
                          "group": group, "mi": mi, "epc": epc, "sepc_lv": sepc_lv, "sepc_all": sepc_all})
    return table[table["mi"].notna()].reset_index(drop=True)[columns]


def _residual_scale(model: RamModel, theta: np.ndarray, lhs: str, rhs: str, value: float, full: bool) -> float:
    """A residual covariance EPC as a residual correlation (observed variables: std.all only)."""
    names = {n: i for i, n in enumerate(model.names)}
    s = model.matrices(theta)[1]
    si, sj = s[names[lhs], names[lhs]], s[names[rhs], names[rhs]]
    latent = lhs in model.spec.latent and rhs in model.spec.latent
    if (full or latent) and si > 0 and sj > 0:
        return value / np.sqrt(si * sj)
    return value
