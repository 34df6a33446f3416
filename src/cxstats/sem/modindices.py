"""Modification indices: score tests for parameters fixed to zero (lavaan's ``modindices()``).

For each candidate parameter c the model is extended by c (at 0) and, with the expected
information Q of the extended model (per observation) and the gradient d of the ML
discrepancy, ``mi = N d_c^2 / (4 V_c)`` and ``epc = -d_c / (2 V_c)`` where
``V = Q_cc - Q_ct Q_tt^-1 Q_tc`` (Saris, Satorra & Sörbom, 1987). Candidates follow
lavaan's ``lav_partable_full``: loadings of every factor on every observed variable,
covariances among observed variables, regressions among the variables of the
structural part, covariances among latent variables; parameters already in the model are
skipped, and so are candidates that would not be identified if freed (V ~ 0: lavaan's
``na.remove``). Validated against
lavaan 0.6.14 (HS CFA, Political Democracy, ECSI).
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
    if result.groups or result.missing == "fiml":
        from ._problems import ModelSpecificationError

        raise ModelSpecificationError(
            "modindices() covers one-group models with complete data; for multigroup models use "
            "sem.score_tests() on the constraints across groups."
        )
    spec: ParameterTable = result._spec
    moments = result._moments
    candidates = candidate_parameters(spec)
    if not candidates:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"])
    q = spec.n_free
    extra_rows = tuple(Row(lhs, op, rhs, "", q + 1 + i, float("nan"), False, False)
                       for i, (lhs, op, rhs) in enumerate(candidates))
    extended_spec = dataclasses.replace(spec, rows=spec.rows + extra_rows)
    extended = RamModel(extended_spec, moments.cov, moments.mean)
    extra = extra_rows
    theta = np.concatenate([result._theta, np.zeros(len(extra))])
    imp = extended.implied(theta)
    grad, hess = _gradient_and_hessian(extended, imp, moments.cov, moments.mean)
    info = hess / 2.0  # expected information per observation
    model_idx, extra_idx = np.arange(q), np.arange(q, q + len(extra))
    q_tt_inv = result._vcov * moments.nobs  # (K (K'QK)^-1 K'): respects constraints
    q_ct = info[np.ix_(extra_idx, model_idx)]
    v = np.diag(info[np.ix_(extra_idx, extra_idx)]) - np.einsum("ij,jk,ik->i", q_ct, q_tt_inv, q_ct)
    d = grad[extra_idx] / 2.0  # gradient of lavaan's F (with its factor 1/2)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_cc = np.diag(info[np.ix_(extra_idx, extra_idx)])
        v = np.where(v < _V_TOLERANCE * np.maximum(q_cc, 1.0), np.nan, v)
        mi = moments.nobs * d**2 / v
        epc = -d / v
    _, _, sd_lv, sd_all = standardized(result._model, result._theta)
    sepc_lv, sepc_all = [], []
    for (lhs, op, rhs), value in zip(candidates, epc, strict=True):
        for scale, out in ((sd_lv, sepc_lv), (sd_all, sepc_all)):
            if op == "=~":
                out.append(value * scale[lhs] / scale[rhs])
            elif op == "~":
                out.append(value * scale[rhs] / scale[lhs])
            else:
                out.append(_residual_scale(result, lhs, rhs, value, scale is sd_all))
    table = pd.DataFrame({"lhs": [c[0] for c in candidates], "op": [c[1] for c in candidates],
                          "rhs": [c[2] for c in candidates], "mi": mi, "epc": epc,
                          "sepc_lv": sepc_lv, "sepc_all": sepc_all})
    return table[table["mi"].notna()].reset_index(drop=True)


def _residual_scale(result, lhs: str, rhs: str, value: float, full: bool) -> float:
    """A residual covariance EPC as a residual correlation (observed variables: std.all only)."""
    model: RamModel = result._model
    names = {n: i for i, n in enumerate(model.names)}
    s = model.matrices(result._theta)[1]
    si, sj = s[names[lhs], names[lhs]], s[names[rhs], names[rhs]]
    latent = lhs in model.spec.latent and rhs in model.spec.latent
    if (full or latent) and si > 0 and sj > 0:
        return value / np.sqrt(si * sj)
    return value
