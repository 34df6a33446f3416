"""Parameter table -> model matrices, implied moments and their derivatives.

The RAM form (McArdle & McDonald, 1984) holds every model in three matrices over all m
variables (observed first, then latent): ``A`` (directed paths: loadings and
regressions, ``A[i, j]`` for ``i <- j``), ``S`` (variances and covariances) and ``M``
(intercepts and means). With ``B = (I - A)^-1`` the implied moments of all variables are
``E = B S B'`` and ``B M``; the observed block gives ``Sigma`` and ``mu``. Derivatives
with respect to every free parameter are closed-form outer products, so the Jacobian
needs no numerical differencing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .partable import ParameterTable

__all__ = ["RamModel", "Implied"]


@dataclass(frozen=True)
class Implied:
    """Implied moments at one parameter vector."""

    sigma: np.ndarray  # p x p
    mu: np.ndarray  # p
    total: np.ndarray  # m x m covariance of all variables (E)
    total_mean: np.ndarray  # m
    b: np.ndarray  # (I - A)^-1
    a: np.ndarray
    s: np.ndarray


class RamModel:
    """Maps free parameters to RAM matrices and implied moments; immutable after creation."""

    def __init__(self, spec: ParameterTable, sample_cov: np.ndarray, sample_mean: np.ndarray):
        self.spec = spec
        self.names = spec.observed + spec.latent
        self.p, self.m = len(spec.observed), len(self.names)
        index = {n: i for i, n in enumerate(self.names)}
        self.n_par = spec.n_free
        a0, s0, m0 = np.zeros((self.m, self.m)), np.zeros((self.m, self.m)), np.zeros(self.m)
        slots = {"A": [], "S": [], "M": []}
        x_index = {n: k for k, n in enumerate(spec.observed) if n in spec.exogenous_x}
        self._exo: list[tuple[str, int, int, int, int]] = []
        for row in spec.rows:
            if row.op in ("=~", "~"):
                target, i, j = "A", *((index[row.rhs], index[row.lhs]) if row.op == "=~" else (index[row.lhs], index[row.rhs]))
            elif row.op == "~~":
                target, i, j = "S", index[row.lhs], index[row.rhs]
            else:
                target, i, j = "M", index[row.lhs], 0
            if row.exo:  # fixed.x: the sample moments of the covariates
                self._exo.append((target, i, j, x_index[row.lhs], x_index.get(row.rhs, 0)))
                value = sample_mean[x_index[row.lhs]] if target == "M" else sample_cov[x_index[row.lhs], x_index[row.rhs]]
            else:
                value = row.value
            if row.free == 0:
                if target == "A":
                    a0[i, j] = value
                elif target == "S":
                    s0[i, j] = s0[j, i] = value
                else:
                    m0[i] = value
            else:
                slots[target].append((i, j, row.free - 1))
        self.a0, self.s0, self.m0 = a0, s0, m0
        self.a_slots = np.array(slots["A"], dtype=int).reshape(-1, 3)
        self.s_slots = np.array(slots["S"], dtype=int).reshape(-1, 3)
        self.m_slots = np.array(slots["M"], dtype=int).reshape(-1, 3)
        self.meanstructure = spec.meanstructure
        self._eye = np.eye(self.m)
        # slot -> parameter incidence, so that derivatives aggregate by one matrix product
        self._pa = self._incidence(self.a_slots)
        self._ps = self._incidence(self.s_slots)
        self._pm = self._incidence(self.m_slots)
        # index grids of the second-order term, computed once
        ai, aj = self.a_slots[:, 0], self.a_slots[:, 1]
        si, sj = self.s_slots[:, 0], self.s_slots[:, 1]
        self._grid = {"ji": np.ix_(aj, ai), "ii": np.ix_(ai, ai), "jj": np.ix_(aj, aj),
                      "il": np.ix_(ai, sj), "jk": np.ix_(aj, si), "ik": np.ix_(ai, si), "jl": np.ix_(aj, sj),
                      "s_factor": np.where(si != sj, 2.0, 1.0)[None, :]}

    def _incidence(self, slots: np.ndarray) -> np.ndarray:
        out = np.zeros((len(slots), self.n_par))
        if len(slots):
            out[np.arange(len(slots)), slots[:, 2]] = 1.0
        return out

    def with_sample(self, cov: np.ndarray, mean: np.ndarray) -> RamModel:
        """The same model with the fixed.x entries taken from other sample moments (bootstrap)."""
        other = copy.copy(self)
        other.a0, other.s0, other.m0 = self.a0, self.s0.copy(), self.m0.copy()
        for target, i, j, xi, xj in self._exo:
            if target == "M":
                other.m0[i] = mean[xi]
            else:
                other.s0[i, j] = other.s0[j, i] = cov[xi, xj]
        return other

    # ------------------------------------------------------------------------------
    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, s, mvec = self.a0.copy(), self.s0.copy(), self.m0.copy()
        if len(self.a_slots):
            a[self.a_slots[:, 0], self.a_slots[:, 1]] = theta[self.a_slots[:, 2]]
        if len(self.s_slots):
            s[self.s_slots[:, 0], self.s_slots[:, 1]] = theta[self.s_slots[:, 2]]
            s[self.s_slots[:, 1], self.s_slots[:, 0]] = theta[self.s_slots[:, 2]]
        if len(self.m_slots):
            mvec[self.m_slots[:, 0]] = theta[self.m_slots[:, 2]]
        return a, s, mvec

    def implied(self, theta: np.ndarray) -> Implied:
        a, s, mvec = self.matrices(theta)
        b = np.linalg.inv(self._eye - a)
        total = b @ s @ b.T
        total_mean = b @ mvec
        p = self.p
        return Implied(sigma=total[:p, :p], mu=total_mean[:p], total=total, total_mean=total_mean, b=b, a=a, s=s)

    def jacobian(self, imp: Implied) -> tuple[np.ndarray, np.ndarray]:
        """d Sigma / d theta (n_par, p, p) and d mu / d theta (n_par, p)."""
        p, q = self.p, self.n_par
        fb = imp.b[:p, :]  # p x m
        d_sigma = np.zeros((q, p * p))
        d_mu = np.zeros((q, p))
        if len(self.a_slots):
            i, j = self.a_slots[:, 0], self.a_slots[:, 1]
            term = (fb[:, i].T[:, :, None] * imp.total[j, :p][:, None, :])  # (nA, p, p)
            term = term + term.transpose(0, 2, 1)
            d_sigma += self._pa.T @ term.reshape(len(i), p * p)
            if self.meanstructure:
                d_mu += self._pa.T @ (fb[:, i] * imp.total_mean[j]).T
        if len(self.s_slots):
            i, j = self.s_slots[:, 0], self.s_slots[:, 1]
            left, right = fb[:, i].T, fb[:, j].T
            term = left[:, :, None] * right[:, None, :]
            off = (i != j)[:, None, None]
            term = term + off * term.transpose(0, 2, 1)
            d_sigma += self._ps.T @ term.reshape(len(i), p * p)
        if len(self.m_slots) and self.meanstructure:
            d_mu += self._pm.T @ fb[:, self.m_slots[:, 0]].T
        return d_sigma.reshape(q, p, p), d_mu


def second_order_term(model: RamModel, imp: Implied, w: np.ndarray) -> np.ndarray:
    """``tr(W d2Sigma / dtheta_k dtheta_l)`` for all parameter pairs (no mean structure).

    Closed form in RAM notation with ``Wm = F' W F``, ``C = B' Wm B`` and ``E = B S B'``:
    for two paths A_ij, A_kl the term is ``2[(E Wm B)_jk B_li + (E Wm B)_li B_jk + C_ki E_jl]``;
    for a path A_ij and a (co)variance S_kl it is ``(C_li B_jk + C_ki B_jl)`` (doubled when
    k != l); (co)variances enter Sigma linearly and contribute nothing.
    """
    q, m = model.n_par, model.m
    wm = np.zeros((m, m))
    wm[: model.p, : model.p] = w
    b, e = imp.b, imp.total
    c = b.T @ wm @ b
    out = np.zeros((q, q))
    if not len(model.a_slots):
        return out
    grid = model._grid
    ewb = e @ wm @ b
    t1 = ewb[grid["ji"]] * b[grid["ji"]].T
    h_aa = 2.0 * (t1 + t1.T + c[grid["ii"]] * e[grid["jj"]])
    pa = model._pa
    out += pa.T @ h_aa @ pa
    if len(model.s_slots):
        h_as = (c[grid["il"]] * b[grid["jk"]] + c[grid["ik"]] * b[grid["jl"]]) * grid["s_factor"]
        cross = pa.T @ h_as @ model._ps
        out += cross + cross.T
    return out


def mean_second_order_term(model: RamModel, imp: Implied, v: np.ndarray) -> np.ndarray:
    """``v' d2mu / dtheta_k dtheta_l`` for all parameter pairs (the mean structure's part of
    the exact Hessian; ``v = Sigma^-1 (m - mu)``).

    With ``u = B' F' v`` and ``m* = B M`` (the implied means of all variables): for two
    paths A_ij, A_kl the term is ``u_i B_jk m*_l + u_k B_li m*_j``; for a path A_ij and a
    mean M_k it is ``u_i B_jk``; (co)variances and pairs of means contribute nothing.
    """
    q = model.n_par
    out = np.zeros((q, q))
    if not len(model.a_slots):
        return out
    b, m_star = imp.b, imp.total_mean
    u = b[: model.p, :].T @ v
    ai, aj = model.a_slots[:, 0], model.a_slots[:, 1]
    b_ji = b[np.ix_(aj, ai)]  # B[j_a, i_b]
    t_aa = u[ai][:, None] * b_ji * m_star[aj][None, :]
    pa = model._pa
    out += pa.T @ (t_aa + t_aa.T) @ pa
    if len(model.m_slots):
        t_am = u[ai][:, None] * b[np.ix_(aj, model.m_slots[:, 0])]
        cross = pa.T @ t_am @ model._pm
        out += cross + cross.T
    return out
