"""Parsed lavaan statements + data columns -> the PLS path model (blocks, modes, paths).

``F =~ x1 + x2`` makes a mode A block (reflective; corrected by PLSc when
``consistent=True``), ``F <~ x1 + x2`` a mode B (formative) block, ``y ~ a + b`` the
structural (inner) model. A variable named in a ``~`` statement that is not a construct
but a column of the data becomes a single-indicator construct of that name (as lavaan
treats an observed variable in a regression), so the same ECSI text fits in
``cxstats.sem`` and ``cxstats.pls``. Labels (``a*x``) are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .._format import listing
from ..sem.syntax import Statement
from ._problems import ModelSpecificationError

__all__ = ["PLSSpec", "build_spec"]

_UNSUPPORTED = {
    "~~": "PLS estimates no variances or covariances: remove the '~~' statement",
    ":=": "PLS reports every indirect and total effect with result.effects(): remove the ':=' statement",
    "==": "PLS takes no equality constraints: remove the '==' statement",
    "<": "PLS takes no inequality constraints: remove the '<' statement",
    ">": "PLS takes no inequality constraints: remove the '>' statement",
}


@dataclass(frozen=True)
class PLSSpec:
    """A PLS path model: constructs with their indicator blocks and modes, and the paths.

    ``paths`` holds ``(outcome, predictor)`` pairs in the order of the model text;
    ``single_items`` the constructs made from an observed column named in a ``~`` statement.
    """

    constructs: tuple[str, ...]
    blocks: tuple[tuple[str, ...], ...]
    modes: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]
    single_items: tuple[str, ...] = ()

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(item for block in self.blocks for item in block)

    @property
    def owner(self) -> np.ndarray:
        """Construct index of every indicator."""
        return np.array([j for j, block in enumerate(self.blocks) for _ in block], dtype=int)

    @property
    def mask(self) -> np.ndarray:
        """Indicators x constructs 0/1 membership matrix."""
        out = np.zeros((len(self.indicators), len(self.constructs)))
        out[np.arange(len(self.indicators)), self.owner] = 1.0
        return out

    @property
    def path_matrix(self) -> np.ndarray:
        """Constructs x constructs, 1 at ``[predictor, outcome]``."""
        index = {c: j for j, c in enumerate(self.constructs)}
        out = np.zeros((len(self.constructs), len(self.constructs)))
        for outcome, predictor in self.paths:
            out[index[predictor], index[outcome]] = 1.0
        return out

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Outcomes of the inner model, in construct order."""
        outcomes = {o for o, _ in self.paths}
        return tuple(c for c in self.constructs if c in outcomes)

    def predictors(self, outcome: str) -> tuple[str, ...]:
        """Predictors of ``outcome`` in construct order."""
        found = {p for o, p in self.paths if o == outcome}
        return tuple(c for c in self.constructs if c in found)

    def without_path(self, outcome: str, predictor: str) -> PLSSpec:
        """The model without one path; constructs left in no path are dropped (they would
        not change the others' weights)."""
        paths = tuple(p for p in self.paths if p != (outcome, predictor))
        used = {c for pair in paths for c in pair}
        keep = [j for j, c in enumerate(self.constructs) if c in used]
        return replace(self, constructs=tuple(self.constructs[j] for j in keep),
                       blocks=tuple(self.blocks[j] for j in keep), modes=tuple(self.modes[j] for j in keep),
                       paths=paths, single_items=tuple(c for c in self.single_items if c in used))


def _where(statement: Statement) -> str:
    return f"line {statement.line}" if statement.line else "the model"


def build_spec(statements: Sequence[Statement], columns: Sequence[str]) -> PLSSpec:
    """Turn parsed statements into a :class:`PLSSpec`, checking it against the data columns.

    Raises
    ------
    ModelSpecificationError
        For unsupported operators or modifiers, a construct with no indicators, an indicator
        used by two constructs, an indicator not in the data, a structural variable that is
        neither a construct nor a column, a construct outside the inner model, a feedback loop.
    """
    columns = [str(c) for c in columns]
    column_set = set(columns)
    blocks: dict[str, list[str]] = {}
    modes: dict[str, str] = {}
    structural: list[Statement] = []
    for s in statements:
        if s.op in _UNSUPPORTED:
            rhs = s.expression or " + ".join(t.name for t in s.terms)
            raise ModelSpecificationError(f"{_UNSUPPORTED[s.op]} ({_where(s)}: '{s.lhs} {s.op} {rhs}').")
        for term in s.terms:
            if term.name == "1":
                raise ModelSpecificationError(
                    f"PLS works on standardized data and estimates no intercepts: remove '{s.lhs} ~ 1' ({_where(s)}).")
            if term.fixed is not None or term.start is not None or term.free:
                raise ModelSpecificationError(
                    f"PLS estimates every weight, loading and path freely: remove the fixed value or start() "
                    f"on '{term.name}' in '{s.lhs} {s.op} ...' ({_where(s)}).")
        if s.op == "~":
            structural.append(s)
            continue
        mode = "A" if s.op == "=~" else "B"
        if modes.setdefault(s.lhs, mode) != mode:
            raise ModelSpecificationError(
                f"Construct '{s.lhs}' is written both with '=~' (mode A, reflective) and '<~' (mode B, formative) "
                f"({_where(s)}); choose one.")
        block = blocks.setdefault(s.lhs, [])
        for term in s.terms:
            if term.name in block:
                raise ModelSpecificationError(f"Indicator '{term.name}' is listed twice for construct '{s.lhs}'.")
            block.append(term.name)
    for construct, block in blocks.items():
        nested = [item for item in block if item in blocks and item != construct]
        if nested:
            op = "=~" if modes[construct] == "A" else "<~"
            raise ModelSpecificationError(
                f"Construct '{construct}' has no indicators: {listing(nested, quote=True)} in '{construct} {op} ...' "
                f"{'is a construct' if len(nested) == 1 else 'are constructs'}, not columns of the data. Measure "
                f"'{construct}' by its own items (higher-order constructs are not available yet).")
    if not structural:
        raise ModelSpecificationError(
            "The model has no structural part: PLS needs at least one path such as 'CUSL ~ CUSA'.")
    paths: list[tuple[str, str]] = []
    singles: list[str] = []
    for s in structural:
        for name in (s.lhs, *(t.name for t in s.terms)):
            if name in blocks or name in singles:
                continue
            if name in column_set:
                singles.append(name)
                continue
            known = listing(list(blocks), limit=30, quote=True) if blocks else "none"
            raise ModelSpecificationError(
                f"Structural variable '{name}' ({_where(s)}) is not a construct: no '{name} =~ ...' or "
                f"'{name} <~ ...' statement gives it indicators, and the data have no column '{name}'. Define "
                f"its indicators or correct the name (constructs: {known}).")
        for term in s.terms:
            if term.name == s.lhs:
                raise ModelSpecificationError(f"'{s.lhs} ~ {s.lhs}' ({_where(s)}): a construct cannot predict itself.")
            if (s.lhs, term.name) in paths:
                raise ModelSpecificationError(f"The path '{s.lhs} ~ {term.name}' is written twice ({_where(s)}).")
            paths.append((s.lhs, term.name))
    for name in singles:
        blocks[name], modes[name] = [name], "A"
    owners: dict[str, list[str]] = {}
    for construct, block in blocks.items():
        for item in block:
            owners.setdefault(item, []).append(construct)
    shared = {item: cs for item, cs in owners.items() if len(cs) > 1}
    if shared:
        item, cs = next(iter(shared.items()))
        raise ModelSpecificationError(
            f"Indicator '{item}' is used by constructs {listing(cs, quote=True)}; in PLS each indicator belongs "
            f"to one construct. Give each construct its own indicators (or a copy of the column under a new name).")
    in_paths = {c for pair in paths for c in pair}
    outside = [c for c in blocks if c not in in_paths]
    if outside:
        raise ModelSpecificationError(
            f"Construct(s) {listing(outside, quote=True)} appear in no structural path ('~'); PLS estimates a "
            "construct's weights from its neighbours in the inner model. Add its paths or remove it.")
    absent = [item for block in blocks.values() for item in block if item not in column_set]
    if absent:
        raise ModelSpecificationError(
            f"Indicator(s) {listing(absent, quote=True, limit=10)} are not columns of the data. "
            f"The data have {len(columns)} columns: {listing(columns, limit=40)}.")
    constructs = tuple(blocks)
    _check_recursive(constructs, paths)
    return PLSSpec(constructs=constructs, blocks=tuple(tuple(blocks[c]) for c in constructs),
                   modes=tuple(modes[c] for c in constructs), paths=tuple(paths), single_items=tuple(singles))


def _check_recursive(constructs: tuple[str, ...], paths: list[tuple[str, str]]) -> None:
    """Refuse feedback loops: PLS path models (and their total effects) are recursive."""
    predictors = {c: [p for o, p in paths if o == c] for c in constructs}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in predictors[node]:
            if state.get(nxt) == 1:
                loop = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                raise ModelSpecificationError(
                    f"The structural model has a feedback loop ({' <- '.join(loop)}); PLS path models must be "
                    "recursive. Remove one of the paths in the loop.")
            if state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for c in constructs:
        if c not in state:
            visit(c, [c])
