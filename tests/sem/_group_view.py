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


def lavaan_index(spec, table, group: int | None = None) -> np.ndarray:
    """Global (lavaan ``free`` - 1) index of each local free parameter of ``spec``, matching
    rows on lhs/op/rhs (and ``group`` when the lavaan table has one)."""
    rows = table if group is None else table[table["group"] == group]
    key = {(r.lhs, r.op, r.rhs.replace(" ", "")): r.free - 1 for r in rows.itertuples() if r.free > 0}
    local = sorted((r for r in spec.rows if r.free > 0), key=lambda r: r.free)
    return np.array([key[(r.lhs, r.op, r.rhs)] for r in local], dtype=int)


def lavaan_theta(table) -> np.ndarray:
    """lavaan's estimates in ``free`` order."""
    free = table[table["free"] > 0].drop_duplicates("free").sort_values("free")
    return free["est"].to_numpy()


def equality_basis(table) -> np.ndarray | None:
    """K (theta = theta0 + K phi) from lavaan's `==` rows between labels or plabels of free
    parameters; None without such rows."""
    from scipy import linalg

    index = {}
    for r in table.itertuples():
        if r.free > 0:
            index[r.plabel] = r.free - 1
            if r.label:
                index.setdefault(r.label, r.free - 1)
    eq = table[table["op"] == "=="]
    if eq.empty:
        return None
    rows = np.zeros((len(eq), int(table["free"].max())))
    for i, r in enumerate(eq.itertuples()):
        rows[i, index[r.lhs]], rows[i, index[r.rhs]] = 1.0, -1.0
    return linalg.null_space(rows)
