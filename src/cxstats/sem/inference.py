"""Standard errors (expected information), defined parameters (delta method), constraints,
standardized solutions and R².

For ML with ``likelihood = "normal"`` lavaan's default covariance of the estimates is the
inverse expected information, ``vcov = (2 / N) H^-1`` with ``H`` the expected Hessian of
the discrepancy F (see :mod:`.estimate`); under linear constraints
``vcov = (2 / N) K (K' H K)^-1 K'``. Defined parameters get delta-method SEs with exact
(complex-step) derivatives. Validated against lavaan 0.6.14 (tests/reference).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import linalg

from ._expressions import ExpressionError, compile_expression
from ._problems import ModelSpecificationError
from .matrices import RamModel
from .partable import ParameterTable

__all__ = ["constraint_basis", "constraint_rows", "covariance_of_estimates", "DefinedParameters", "standardized", "r_squared"]


def _label_index(spec: ParameterTable) -> dict[str, int]:
    return {r.label: r.free - 1 for r in spec.rows if r.label and r.free > 0}


def _fixed_labels(spec: ParameterTable) -> dict[str, float]:
    return {r.label: r.value for r in spec.rows if r.label and r.free == 0}


def constraint_basis(spec: ParameterTable) -> tuple[np.ndarray | None, np.ndarray]:
    """For linear ``==`` constraints: (K, theta0) with theta = theta0 + K phi; (None, 0) if none."""
    if not spec.constraints:
        return None, np.zeros(spec.n_free)
    r, c = constraint_rows(spec, spec.constraints)
    theta0 = np.linalg.lstsq(r, c, rcond=None)[0]
    return linalg.null_space(r), theta0


def constraint_rows(spec: ParameterTable, statements) -> tuple[np.ndarray, np.ndarray]:
    """Linear ``==`` statements on labels as ``R theta = c`` (one row per statement)."""
    q = spec.n_free
    index = _label_index(spec)
    rows, rhs = [], []
    for s in statements:
        if s.op != "==":
            raise ModelSpecificationError(
                f"Line {s.line}: inequality constraints ('{s.op}') are not supported; use '==' or fix the parameter."
            )
        _compile(s, s.lhs, set(index), sorted(index))
        f, names = _compile(s, f"({s.lhs}) - ({s.expression})", set(index), sorted(index))

        def value(theta: np.ndarray) -> complex:
            return f({n: theta[index[n]] for n in names})

        base = np.zeros(q, dtype=complex)
        grad = np.array([value(base + 1e-20j * np.eye(q)[i]).imag / 1e-20 for i in range(q)])
        probe = np.linspace(0.3, 1.7, q)
        if abs(value(probe).real - (value(base).real + grad @ probe)) > 1e-8 * (1 + abs(value(probe).real)):
            raise ModelSpecificationError(
                f"Line {s.line}: '{s.lhs} == {s.expression}' is not linear; only linear constraints are supported."
            )
        rows.append(grad)
        rhs.append(-value(base).real)
    return np.array(rows), np.array(rhs)


def _compile(statement, text: str, known: set[str], labels: list[str]):
    """Compile the arithmetic of a ``:=`` or ``==`` statement; every name must be known."""
    try:
        compile_expression(statement.expression)
        f, names = compile_expression(text)
    except ExpressionError as exc:
        raise ModelSpecificationError(f"Line {statement.line}: {exc}") from None
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ModelSpecificationError(
            f"Line {statement.line}: '{statement.lhs} {statement.op} {statement.expression}' uses "
            f"{', '.join(unknown)}, which {'is not the label' if len(unknown) == 1 else 'are not labels'} "
            f"of a free parameter. Labels: {', '.join(labels) or '(none)'}."
        )
    return f, names


def covariance_of_estimates(hessian: np.ndarray, nobs: int, k: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """(vcov, identified): (2/N) H^-1, in the constrained space when K is given.

    Identification is judged on H scaled to unit diagonal (a correlation-like matrix), so
    that the units of the data do not matter.
    """
    h = hessian if k is None else k.T @ hessian @ k
    if not h.size:
        return np.zeros((0, 0)), True
    d = np.sqrt(np.clip(np.diag(h), 1e-300, None))
    scaled = h / np.outer(d, d)
    eigen = np.linalg.eigvalsh(scaled)
    identified = bool(eigen.min() > 1e-10 * max(1.0, eigen.max()))
    inv = (np.linalg.inv(scaled) if identified else np.linalg.pinv(scaled)) / np.outer(d, d)
    vcov = inv if k is None else k @ inv @ k.T
    return 2.0 / nobs * vcov, identified


class DefinedParameters:
    """The ``:=`` parameters: values and their Jacobian with respect to theta."""

    def __init__(self, spec: ParameterTable):
        self.index = _label_index(spec)
        self.constants = _fixed_labels(spec)  # labels of fixed parameters enter as numbers
        self.items = []
        for s in spec.defined:
            known = set(self.index) | set(self.constants) | {d[0] for d in self.items}
            f, names = _compile(s, s.expression, known, sorted(self.index))
            self.items.append((s.lhs, s.expression, f, names))

    def values(self, theta: np.ndarray, overrides: Mapping[str, complex] | None = None) -> np.ndarray:
        values: dict[str, complex] = {**self.constants, **{lab: theta[i] for lab, i in self.index.items()}}
        if overrides:
            values.update(overrides)
        out = []
        for name, _, f, names in self.items:
            value = f({n: values[n] for n in names})
            values[name] = value
            out.append(value)
        return np.array(out)

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        q, h = len(theta), 1e-20
        jac = np.zeros((len(self.items), q))
        for i in range(q):
            bumped = theta.astype(complex)
            bumped[i] += 1j * h
            jac[:, i] = self.values(bumped).imag / h
        return jac


def standardized(model: RamModel, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, float], dict[str, float]]:
    """std.lv and std.all for every row of the parameter table, plus the sd of each variable.

    std.lv divides by the model-implied sd of latent variables only; std.all by the sd of
    every variable; residual (co)variances become residual correlations for ``~~``
    between two different variables, as lavaan reports them.
    """
    imp = model.implied(theta)
    sd = np.sqrt(np.clip(np.diag(imp.total), 1e-300, None))  # a zero variance must not divide by 0
    names = model.names
    sd_all = dict(zip(names, sd, strict=True))
    sd_lv = {n: (sd_all[n] if n in model.spec.latent else 1.0) for n in names}
    a, s, mvec = imp.a, imp.s, model.matrices(theta)[2]
    index = {n: i for i, n in enumerate(names)}
    std_lv, std_all = [], []
    for row in model.spec.rows:
        for scale, out in ((sd_lv, std_lv), (sd_all, std_all)):
            if row.op == "=~":
                est = a[index[row.rhs], index[row.lhs]]
                out.append(est * scale[row.lhs] / scale[row.rhs])
            elif row.op == "~":
                est = a[index[row.lhs], index[row.rhs]]
                out.append(est * scale[row.rhs] / scale[row.lhs])
            elif row.op == "~~":
                i, j = index[row.lhs], index[row.rhs]
                if i == j:
                    out.append(s[i, i] / scale[row.lhs] ** 2)
                else:
                    si, sj = s[i, i], s[j, j]
                    # residual covariances become residual correlations (lavaan)
                    denom = np.sqrt(si * sj) if (si > 0 and sj > 0 and scale is sd_all) else scale[row.lhs] * scale[row.rhs]
                    if scale is sd_lv and si > 0 and sj > 0 and row.lhs in model.spec.latent and row.rhs in model.spec.latent:
                        denom = np.sqrt(si * sj)
                    out.append(s[i, j] / denom)
            else:
                out.append(mvec[index[row.lhs]] / scale[row.lhs])
    return np.array(std_lv), np.array(std_all), sd_lv, sd_all


def r_squared(model: RamModel, theta: np.ndarray) -> dict[str, float]:
    """R² of every endogenous variable (indicators and outcomes): 1 - residual / total variance."""
    imp = model.implied(theta)
    rows = model.spec.rows
    endogenous = list(dict.fromkeys([r.rhs for r in rows if r.op == "=~"] + [r.lhs for r in rows if r.op == "~"]))
    index = {n: i for i, n in enumerate(model.names)}
    return {n: float(1.0 - imp.s[index[n], index[n]] / imp.total[index[n], index[n]]) for n in endogenous}
