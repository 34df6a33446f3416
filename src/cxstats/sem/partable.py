"""Parsed statements -> the parameter table: the ONE description of a model.

The table follows lavaan's ``lavaanify()`` defaults for ``sem()``/``cfa()``: the first
loading of each factor fixed to 1 (or every latent variance fixed to 1 with
``std_lv=True``), free residual variances of observed and latent variables, free
covariances among exogenous latent variables and among observed outcomes that predict
nothing else, observed exogenous covariates fixed at their sample (co)variances
(``fixed.x``), and a mean structure when an intercept is mentioned. Shared labels make
parameters equal; ``:=`` rows define new parameters; ``==`` rows are linear constraints.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import pandas as pd

from .._format import listing
from ._problems import ModelSpecificationError
from .syntax import Statement, Term

__all__ = ["ParameterTable", "Row", "build_parameter_table"]

COLUMNS = ["lhs", "op", "rhs", "label", "free", "value", "user", "exo"]


class Row(NamedTuple):
    """One parameter-table row as plain Python values (the engine's fast path)."""

    lhs: str
    op: str
    rhs: str
    label: str
    free: int
    value: float
    user: bool
    exo: bool


@dataclass(frozen=True)
class ParameterTable:
    """The parameter table and the variable roles read from it.

    ``rows`` hold one :class:`Row` per model parameter; ``table`` shows them as a
    DataFrame (columns ``lhs, op, rhs, label, free, value, user, exo``): ``free`` is 0 for
    a fixed parameter and k > 0 for the k-th free parameter (rows sharing a label share
    k); ``value`` holds the fixed value or, for free rows, a user start value (NaN when
    none); ``exo`` marks the fixed.x rows whose value comes from the data.
    """

    rows: tuple[Row, ...]
    observed: tuple[str, ...]
    latent: tuple[str, ...]
    exogenous_x: tuple[str, ...]
    meanstructure: bool
    defined: tuple[Statement, ...]
    constraints: tuple[Statement, ...]

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)

    @property
    def n_free(self) -> int:
        return max((r.free for r in self.rows), default=0)


def _ordered_unique(names) -> list[str]:
    return list(dict.fromkeys(names))


def build_parameter_table(statements: tuple[Statement, ...], *, std_lv: bool = False,
                          fixed_x: bool = True, meanstructure: bool | None = None) -> ParameterTable:
    """Apply lavaan's defaults to parsed statements and number the free parameters."""
    latent = _ordered_unique(s.lhs for s in statements if s.op in ("=~", "<~"))
    model_statements = [s for s in statements if s.op in ("=~", "~", "~~")]
    composite = [s for s in statements if s.op == "<~"]
    if composite:
        raise ModelSpecificationError(
            f"Line {composite[0].line}: '<~' (a composite/formative construct) belongs to PLS path "
            "modelling, which cxstats does not offer yet; write the construct as a reflective factor with '=~'."
        )
    indicators = _ordered_unique(t.name for s in model_statements if s.op == "=~" for t in s.terms)
    mentioned = _ordered_unique(
        [n for s in model_statements for n in (s.lhs, *(t.name for t in s.terms)) if n != "1"]
    )
    observed = [n for n in indicators if n not in latent] + [
        n for n in mentioned if n not in latent and n not in indicators
    ]
    observed = _ordered_unique(observed)
    regressions = [s for s in model_statements if s.op == "~"]
    outcomes = {s.lhs for s in regressions if any(t.name != "1" for t in s.terms)}
    predictors = {t.name for s in regressions for t in s.terms if t.name != "1"}
    exogenous_x = [n for n in observed if n in predictors and n not in outcomes and n not in indicators]
    if not fixed_x:
        exogenous_x = []
    ov_y = [n for n in observed if n in outcomes and n not in predictors and n not in indicators]
    latent_x = [n for n in latent if n not in outcomes]
    has_intercepts = any(t.name == "1" for s in regressions for t in s.terms)
    meanstructure = has_intercepts if meanstructure is None else meanstructure

    rows: list[dict] = []
    seen: set[tuple[str, str, str]] = set()

    def key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
        return (min(lhs, rhs), op, max(lhs, rhs)) if op == "~~" else (lhs, op, rhs)

    def add(lhs: str, op: str, rhs: str, term: Term | None, *, user: bool, default_fixed: float | None = None,
            exo: bool = False, line: int = 0) -> None:
        k = key(lhs, op, rhs)
        if k in seen:
            if user:
                raise ModelSpecificationError(
                    f"Line {line}: the parameter '{lhs} {op} {rhs}' is specified twice. Write each once."
                )
            return
        seen.add(k)
        value, label, fixed = float("nan"), "", default_fixed
        if term is not None:
            if term.fixed is not None:
                if len(term.fixed) != 1:
                    raise ModelSpecificationError(
                        f"Line {line}: per-group values c(...) belong to multigroup models, which are not "
                        "available yet; give one value."
                    )
                fixed = term.fixed[0]
            if term.free:
                fixed = None
            if term.labels is not None:
                if len(term.labels) != 1:
                    raise ModelSpecificationError(
                        f"Line {line}: per-group labels c(...) belong to multigroup models, which are not "
                        "available yet; give one label."
                    )
                label = term.labels[0] or ""
            if term.start is not None and fixed is None:
                value = term.start[0] if term.start[0] is not None else float("nan")
        rows.append({"lhs": lhs, "op": op, "rhs": rhs, "label": label,
                     "free": 0 if fixed is not None else -1,
                     "value": fixed if fixed is not None else value, "user": user, "exo": exo})

    first_indicator: dict[str, str] = {}
    for s in model_statements:
        for term in s.terms:
            if s.op == "=~":
                first = first_indicator.setdefault(s.lhs, term.name) == term.name
                marker = 1.0 if (first and not std_lv) else None
                add(s.lhs, "=~", term.name, term, user=True, default_fixed=marker, line=s.line)
            elif s.op == "~" and term.name == "1":
                add(s.lhs, "~1", "", term, user=True, line=s.line)
            else:
                add(s.lhs, s.op, term.name, term, user=True, line=s.line)

    for name in observed:  # residual variances; fixed.x covariates take sample values
        add(name, "~~", name, None, user=False, default_fixed=0.0 if name in exogenous_x else None,
            exo=name in exogenous_x)
    for name in latent:
        add(name, "~~", name, None, user=False, default_fixed=1.0 if std_lv else None)
    for group in (latent_x, ov_y):
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                add(a, "~~", b, None, user=False)
    for i, a in enumerate(exogenous_x):
        for b in exogenous_x[i + 1:]:
            add(a, "~~", b, None, user=False, default_fixed=0.0, exo=True)
    if meanstructure:
        for name in observed:
            add(name, "~1", "", None, user=False, default_fixed=0.0 if name in exogenous_x else None,
                exo=name in exogenous_x)
        for name in latent:
            add(name, "~1", "", None, user=False, default_fixed=0.0)

    rows = _number_free_parameters(rows)
    defined = tuple(s for s in statements if s.op == ":=")
    constraints = tuple(s for s in statements if s.op in ("==", "<", ">"))
    _check_labels(rows, defined, observed + latent)
    return ParameterTable(rows=tuple(Row(**{c: r[c] for c in COLUMNS}) for r in rows), observed=tuple(observed),
                          latent=tuple(latent), exogenous_x=tuple(exogenous_x), meanstructure=meanstructure,
                          defined=defined, constraints=constraints)


def _number_free_parameters(rows: list[dict]) -> list[dict]:
    """Give each free row an index; rows that share a label share the index."""
    fixed_labels = {r["label"]: r["value"] for r in rows if r["label"] and r["free"] == 0}
    by_label: dict[str, int] = {}
    counter = 0
    for row in rows:
        label = row["label"]
        if label in fixed_labels:
            row["free"], row["value"] = 0, fixed_labels[label]
        elif row["free"] == 0:
            continue
        elif label and label in by_label:
            row["free"] = by_label[label]
        else:
            counter += 1
            row["free"] = counter
            if label:
                by_label[label] = counter
    for row in rows:
        row["value"] = float(row["value"])
    return rows


def _check_labels(rows: list[dict], defined: tuple[Statement, ...], variables: list[str]) -> None:
    labels = {r["label"] for r in rows} - {""}
    clash = sorted(labels & set(variables))
    if clash:
        raise ModelSpecificationError(
            f"The label(s) {listing(clash, quote=True)} are also variable names. Use labels that "
            "differ from every variable (e.g. 'a1' instead of 'x1')."
        )
    kinds: dict[str, set[str]] = {}
    for label, op in ((r["label"], r["op"]) for r in rows):
        if label:
            kinds.setdefault(label, set()).add({"=~": "loading", "~": "regression", "~~": "(co)variance",
                                                "~1": "intercept"}[op])
    mixed = {lab: k for lab, k in kinds.items() if len(k) > 1}
    if mixed:
        label, kind = next(iter(mixed.items()))
        raise ModelSpecificationError(
            f"The label '{label}' is used for different kinds of parameter ({', '.join(sorted(kind))}). "
            "Equal labels mean equal values; give each kind its own label."
        )
    seen_defined: set[str] = set()
    for s in defined:
        if s.lhs in seen_defined:
            raise ModelSpecificationError(
                f"Line {s.line}: '{s.lhs}' is defined with ':=' more than once; give each definition its own name."
            )
        seen_defined.add(s.lhs)
        if s.lhs in labels or s.lhs in variables:
            raise ModelSpecificationError(
                f"Line {s.line}: ':=' defines '{s.lhs}', which is already a label or a variable; "
                "choose a new name."
            )
