"""A group's RamModel seen through a global parameter vector, for testing the multigroup
design of the MLR and FIML layers before the parameter table numbers groups itself."""

from __future__ import annotations

import numpy as np

from cxstats.sem.matrices import RamModel


class GroupView:
    """Local free parameter k of ``model`` is global parameter ``index[k]`` of a theta of
    length ``n_par`` (the same index in two groups = one parameter, equal across groups)."""

    def __init__(self, model: RamModel, index: np.ndarray, n_par: int):
        self.model, self.index, self.n_par = model, np.asarray(index, dtype=int), n_par
        self.p, self.meanstructure, self.spec = model.p, model.meanstructure, model.spec

    def implied(self, theta):
        return self.model.implied(np.asarray(theta)[self.index])

    def jacobian(self, imp):
        d_sigma, d_mu = self.model.jacobian(imp)
        out_s, out_m = np.zeros((self.n_par, self.p, self.p)), np.zeros((self.n_par, self.p))
        np.add.at(out_s, self.index, d_sigma)
        np.add.at(out_m, self.index, d_mu)
        return out_s, out_m
