"""Parsed statements -> the parameter table: the ONE description of a model.

The table follows lavaan's ``lavaanify()`` defaults for ``sem()``/``cfa()``: the first
loading of each factor fixed to 1 (or every latent variance fixed to 1 with
``std_lv=True``), free residual variances of observed and latent variables, free
covariances among exogenous latent variables and among observed outcomes that predict
nothing else, observed exogenous covariates fixed at their sample (co)variances
(``fixed.x``), a mean structure when an intercept is mentioned, and (``auto.fix.single``) the
residual variance of a factor's only indicator fixed at 0 unless the model sets it (the
indicator measures the factor without error; an indicator of several factors is exempt, as
in lavaan). Shared labels make
parameters equal; ``:=`` rows define new parameters; ``==`` rows are linear constraints.

Multigroup models repeat the rows once per group (``Row.group``), with a mean structure,
as lavaan does: modifiers given as ``c(v1, v2, ...)`` apply per group, a single label
applies to every group (and so makes the parameter equal across groups), and
``group_equal`` ties whole classes of parameters across groups (lavaan's vocabulary:
loadings, intercepts, means, residuals, residual.covariances, lv.variances,
lv.covariances, regressions), except the ones named in ``group_partial``. Latent means
are fixed to 0 in the first group and free in the others once intercepts are equal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

import pandas as pd

from .._format import listing
from ._problems import ModelSpecificationError
from .syntax import Statement, Term

__all__ = ["ParameterTable", "Row", "build_parameter_table"]

COLUMNS = ["lhs", "op", "rhs", "label", "free", "value", "user", "exo", "group"]

GROUP_EQUAL = ("loadings", "intercepts", "means", "residuals", "residual.covariances", "lv.variances",
               "lv.covariances", "regressions")


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
    group: int = 0  # 0-based index into ParameterTable.groups


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
    groups: tuple = (None,)  # group values in order (None: one group)
    n_par: int | None = None  # set on one group's view: the free parameters of all groups

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)

    @property
    def n_free(self) -> int:
        return self.n_par if self.n_par is not None else max((r.free for r in self.rows), default=0)

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def group_view(self, g: int) -> ParameterTable:
        """The rows of group ``g`` with free-parameter numbers of the whole model."""
        if self.n_groups == 1:
            return self
        return replace(self, rows=tuple(r for r in self.rows if r.group == g), groups=(self.groups[g],),
                       n_par=self.n_free)


def _ordered_unique(names) -> list[str]:
    return list(dict.fromkeys(names))


def build_parameter_table(statements: tuple[Statement, ...], *, std_lv: bool = False,
                          fixed_x: bool = True, meanstructure: bool | None = None, groups: tuple = (None,),
                          group_equal: tuple[str, ...] = (), group_partial: tuple[str, ...] = (),
                          auto_fix_single: bool = True) -> ParameterTable:
    """Apply lavaan's defaults to parsed statements and number the free parameters
    (``auto_fix_single=False``: keep a single indicator's residual variance free, as the
    ordinal estimator needs for its latent responses)."""
    latent = _ordered_unique(s.lhs for s in statements if s.op in ("=~", "<~"))
    model_statements = [s for s in statements if s.op in ("=~", "~", "~~")]
    composite = [s for s in statements if s.op == "<~"]
    if composite:
        raise ModelSpecificationError(
            f"Line {composite[0].line}: '<~' (a composite/formative construct) belongs to PLS path "
            "modelling (cxstats.pls); in a covariance-based model write the construct as a reflective "
            "factor with '=~'."
        )
    n_groups = len(groups)
    group_equal, partial = _group_equal(group_equal, n_groups), _group_partial(group_partial)
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
    latent_y = [n for n in latent if n in outcomes and n not in predictors]
    has_intercepts = any(t.name == "1" for s in regressions for t in s.terms)
    if meanstructure is None:
        meanstructure = has_intercepts or n_groups > 1

    rows: list[dict] = []
    for g in range(n_groups):
        rows += _group_rows(g, n_groups, model_statements, observed, latent, exogenous_x, latent_y + ov_y, latent_x,
                            meanstructure=meanstructure, std_lv=std_lv, group_equal=group_equal)
    if auto_fix_single:
        rows = _fix_single_indicators(rows)
    rows = _number_free_parameters(rows, group_equal, partial)
    defined = tuple(s for s in statements if s.op == ":=")
    constraints = tuple(s for s in statements if s.op in ("==", "<", ">"))
    _check_labels(rows, defined, observed + latent)
    return ParameterTable(rows=tuple(Row(**{c: r[c] for c in COLUMNS}) for r in rows), observed=tuple(observed),
                          latent=tuple(latent), exogenous_x=tuple(exogenous_x), meanstructure=meanstructure,
                          defined=defined, constraints=constraints, groups=tuple(groups))


def _fix_single_indicators(rows: list[dict]) -> list[dict]:
    """lavaan's ``auto.fix.single``: a factor measured by one indicator (which measures no
    other factor) takes that indicator's residual variance as 0, unless the user wrote it."""
    loadings = [r for r in rows if r["op"] == "=~" and r["lhs"] != r["rhs"] and r["group"] == 0]
    per_factor: dict[str, list[str]] = {}
    per_indicator: dict[str, int] = {}
    for r in loadings:
        per_factor.setdefault(r["lhs"], []).append(r["rhs"])
        per_indicator[r["rhs"]] = per_indicator.get(r["rhs"], 0) + 1
    single = {ind[0] for ind in per_factor.values() if len(ind) == 1 and per_indicator[ind[0]] == 1}
    return [dict(r, free=0, value=0.0) if (r["op"] == "~~" and r["lhs"] == r["rhs"] and r["lhs"] in single
                                           and not r["user"]) else r for r in rows]


def _group_equal(group_equal, n_groups: int) -> frozenset[str]:
    names = (group_equal,) if isinstance(group_equal, str) else tuple(group_equal)
    unknown = [n for n in names if n not in GROUP_EQUAL]
    if unknown:
        raise ModelSpecificationError(
            f"group_equal={listing(unknown, quote=True)} is not in lavaan's vocabulary; use any of "
            f"{listing(GROUP_EQUAL, quote=True)}."
        )
    if names and n_groups < 2:
        raise ModelSpecificationError("group_equal= needs a multigroup model: pass group= as well.")
    return frozenset(names)


def _group_partial(group_partial) -> frozenset[tuple[str, str, str]]:
    """``"x3 ~ 1"``, ``"visual =~ x2"`` -> (lhs, op, rhs) keys of parameters left free across groups."""
    out = set()
    for text in (group_partial,) if isinstance(group_partial, str) else group_partial:
        compact = "".join(str(text).split())
        for op in ("=~", "~~", "~"):
            lhs, found, rhs = compact.partition(op)
            if found:
                break
        if not found or not lhs or not rhs:
            raise ModelSpecificationError(
                f"group_partial entry {text!r} is not a parameter; write it as in lavaan, e.g. 'x3 ~ 1', "
                "'visual =~ x2' or 'x1 ~~ x1'."
            )
        out.add((lhs, "~1", "") if op == "~" and rhs == "1" else _key(lhs, op, rhs))
    return frozenset(out)


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    return (min(lhs, rhs), op, max(lhs, rhs)) if op == "~~" else (lhs, op, rhs)


def _per_group(values: tuple | None, g: int, n_groups: int, line: int, what: str):
    """The entry of a ``c(...)`` modifier for group ``g`` (a single entry serves every group)."""
    if values is None:
        return None
    if len(values) == 1:
        return values[0]
    if len(values) != n_groups:
        raise ModelSpecificationError(
            f"Line {line}: c(...) gives {len(values)} {what} but the model has {n_groups} group"
            f"{'s' if n_groups != 1 else ''}; give one value per group"
            + (", or pass group= for a multigroup model." if n_groups == 1 else ".")
        )
    return values[g]


def _group_rows(g: int, n_groups: int, model_statements, observed, latent, exogenous_x, outcomes_only, latent_x, *,
                meanstructure: bool, std_lv: bool, group_equal: frozenset[str]) -> list[dict]:
    """The parameter rows of one group: the user's statements, then lavaan's defaults."""
    rows: list[dict] = []
    seen: set[tuple[str, str, str]] = set()

    def add(lhs: str, op: str, rhs: str, term: Term | None, *, user: bool, default_fixed: float | None = None,
            exo: bool = False, line: int = 0) -> None:
        k = _key(lhs, op, rhs)
        if k in seen:
            if user and g == 0:
                raise ModelSpecificationError(
                    f"Line {line}: the parameter '{lhs} {op} {rhs}' is specified twice. Write each once."
                )
            return
        seen.add(k)
        value, label, fixed = float("nan"), "", default_fixed
        if term is not None:
            if term.fixed is not None:
                fixed = _per_group(term.fixed, g, n_groups, line, "values")
            if term.free:
                fixed = None
            if term.labels is not None:
                label = _per_group(term.labels, g, n_groups, line, "labels") or ""
            if term.start is not None and fixed is None:
                start = _per_group(term.start, g, n_groups, line, "start values")
                value = start if start is not None else float("nan")
        rows.append({"lhs": lhs, "op": op, "rhs": rhs, "label": label,
                     "free": 0 if fixed is not None else -1,
                     "value": fixed if fixed is not None else value, "user": user, "exo": exo, "group": g})

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
    # std.lv: latent variances are 1 in the first group, free elsewhere once loadings are equal
    lv_variance = 1.0 if std_lv and (g == 0 or "loadings" not in group_equal) else None
    for name in latent:
        add(name, "~~", name, None, user=False, default_fixed=lv_variance)
    for names in (latent_x, outcomes_only):  # exogenous factors; outcomes that predict nothing (lavaan's cov.y)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                add(a, "~~", b, None, user=False)
    for i, a in enumerate(exogenous_x):
        for b in exogenous_x[i + 1:]:
            add(a, "~~", b, None, user=False, default_fixed=0.0, exo=True)
    if meanstructure:
        for name in observed:
            add(name, "~1", "", None, user=False, default_fixed=0.0 if name in exogenous_x else None,
                exo=name in exogenous_x)
        # latent means: 0 in the first group; free in the others once intercepts are equal
        free_means = g > 0 and "intercepts" in group_equal and "means" not in group_equal
        for name in latent:
            add(name, "~1", "", None, user=False, default_fixed=None if free_means else 0.0)
    return rows


def _equality_class(row: dict, latent: set[str]) -> str | None:
    """lavaan's group.equal class of a parameter row."""
    op, lhs, rhs = row["op"], row["lhs"], row["rhs"]
    if op == "=~":
        return "loadings"
    if op == "~":
        return "regressions"
    if op == "~1":
        return "means" if lhs in latent else "intercepts"
    if op == "~~":
        both_latent = lhs in latent and rhs in latent
        if lhs == rhs:
            return "lv.variances" if both_latent else "residuals"
        return "lv.covariances" if both_latent else "residual.covariances"
    return None


def _number_free_parameters(rows: list[dict], group_equal: frozenset[str] = frozenset(),
                            partial: frozenset = frozenset()) -> list[dict]:
    """Give each free row an index; rows that share a label share the index, and so do the
    rows of a ``group_equal`` class across groups (the first group's row sets the index)."""
    fixed_labels = {r["label"]: r["value"] for r in rows if r["label"] and r["free"] == 0}
    latent = {r["lhs"] for r in rows if r["op"] == "=~"}
    by_label: dict[str, int] = {}
    by_key: dict[tuple[str, str, str], int] = {}
    counter = 0
    for row in rows:
        label = row["label"]
        key = _key(row["lhs"], row["op"], row["rhs"])
        tied = (group_equal and not label and not row["exo"] and key not in partial
                and _equality_class(row, latent) in group_equal)
        if label in fixed_labels:
            row["free"], row["value"] = 0, fixed_labels[label]
        elif row["free"] == 0:
            continue
        elif label and label in by_label:
            row["free"] = by_label[label]
        elif tied and key in by_key:
            row["free"] = by_key[key]
        else:
            counter += 1
            row["free"] = counter
            if label:
                by_label[label] = counter
            elif tied:
                by_key[key] = counter
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
