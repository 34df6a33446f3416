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
        t = spec.table
        self.n_par = spec.n_free
        a0, s0, m0 = np.zeros((self.m, self.m)), np.zeros((self.m, self.m)), np.zeros(self.m)
        slots = {"A": [], "S": [], "M": []}
        x_index = {n: k for k, n in enumerate(spec.observed) if n in spec.exogenous_x}
        self._exo: list[tuple[str, int, int, int, int]] = []
        for row in t.itertuples(index=False):
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
        d_sigma = np.zeros((q, p, p))
        d_mu = np.zeros((q, p))
        if len(self.a_slots):
            i, j, k = self.a_slots.T
            term = np.einsum("ak,kb->kab", fb[:, i], imp.total[j, :p])
            np.add.at(d_sigma, k, term + term.transpose(0, 2, 1))
            if self.meanstructure:
                np.add.at(d_mu, k, (fb[:, i] * imp.total_mean[j]).T)
        if len(self.s_slots):
            i, j, k = self.s_slots.T
            term = np.einsum("ak,bk->kab", fb[:, i], fb[:, j])
            off = (i != j)[:, None, None]
            np.add.at(d_sigma, k, term + off * term.transpose(0, 2, 1))
        if len(self.m_slots) and self.meanstructure:
            i, _, k = self.m_slots.T
            np.add.at(d_mu, k, fb[:, i].T)
        return d_sigma, d_mu
