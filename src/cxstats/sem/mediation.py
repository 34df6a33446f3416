"""Indirect effects of a fitted SEM through chosen mediators, with proportion mediated.

Every directed path of the structural part (``~`` statements) from a predictor to an
outcome that passes through a mediator is listed with its effect, the product of the
coefficients along it (the ``a*b`` of a ``:=`` statement, without writing one), its
standardized value (std.all: the product of the standardized coefficients), the total
effect of the predictor on the outcome and the proportion of it that runs through the
mediator. When a predictor reaches an outcome through the mediator by more than one path
(X -> EMO -> Y and X -> EMO -> SAT -> Y), a row with ``path`` ending in "(all via EMO)"
sums them.

Intervals: bootstrap (percentile, BC or BCa, from the fit's draws or new ones) or, without
a bootstrap, delta-method SEs with Wald intervals; the unstandardized estimates and
delta-method SEs equal lavaan's for the same ``:=`` definitions, and the standardized ones
equal ``standardizedSolution()`` (checked against lavaan 0.6.14 to 1e-6,
tests/reference/lavaan_shares_mediation.R).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .._format import listing
from .._results import Exportable, PlainText
from .._threads import single_threaded_blas
from .._validation import warn
from ..formatting import labels_of
from ._derived import bootstrap_of, derive
from ._problems import DecompositionWarning, ModelSpecificationError
from .shares import _one_group

__all__ = ["IndirectEffects", "indirect_effects", "INDIRECT_COLUMNS"]

INDIRECT_COLUMNS = ["predictor", "mediator", "outcome", "path", "group", "estimate", "se", "z", "p_value", "ci_low",
                    "ci_high", "std_all", "std_se", "std_ci_low", "std_ci_high", "total", "std_total", "proportion",
                    "proportion_ci_low", "proportion_ci_high"]


@dataclass(frozen=True)
class IndirectEffects(Exportable):
    """Indirect effects through the mediators of a fitted SEM.

    Attributes
    ----------
    table : one row per path (and one per predictor-outcome pair reached by several
        paths through the same mediator, ``path`` ending in "(all via M)"):
        ``predictor, mediator, outcome, path, group, estimate, se, z, p_value, ci_low,
        ci_high`` (unstandardized: the product of the path coefficients), ``std_all,
        std_se, std_ci_low, std_ci_high`` (standardized), ``total, std_total`` (total effect of the
        predictor on the outcome), ``proportion, proportion_ci_low, proportion_ci_high``
        (indirect / total: the proportion mediated).
    method : ``"delta"`` or ``"bootstrap (percentile)"`` (bias-corrected, BCa);
        ``draws`` the bootstrap draws used.
    inconsistent : paths whose indirect effect and the rest of the total effect have
        opposite signs (inconsistent mediation): their ``proportion`` is not a share.
    problems : the fit's problems and the warnings raised here.
    """

    _TABLES = {
        "table": ("Indirect effects", "Every path through the mediator with its estimate, standardized estimate, "
                  "interval and the proportion of the total effect it carries."),
    }

    table: pd.DataFrame
    method: str
    draws: int
    ci_level: float
    nobs: int
    inconsistent: tuple[str, ...]
    problems: tuple[str, ...]

    def plain_summary(self, *, labels=None, group=None) -> PlainText:
        """One line per path: its standardized indirect effect with interval, whether the
        interval excludes zero, and the proportion of the total effect it carries."""
        from .. import formatting as fmt

        names = labels_of(labels)
        name = lambda v: names.get(str(v), str(v))  # noqa: E731
        table = self.table
        table = _one_group(table, group)
        how = "delta-method" if self.method == "delta" else f"bootstrap, {fmt.integer(self.draws)} draws"
        lines = [f"- Caution: {p.split(': ', 1)[-1]}" for p in self.problems]
        for r in table.itertuples():
            steps = " → ".join(name(v) for v in r.path.split(" (")[0].split(" → "))
            clear = r.ci_low > 0 or r.ci_high < 0
            share = ("" if r.path in self.inconsistent or not np.isfinite(r.proportion) else
                     f"; it carries {fmt.percent(r.proportion)} {fmt.interval(r.proportion_ci_low, r.proportion_ci_high, kind='percent', digits=0)} "
                     f"of the total effect of {name(r.predictor)} on {name(r.outcome)}")
            lines.append(f"- {steps}{' (all paths via ' + name(r.mediator) + ')' if '(all via' in r.path else ''}: "
                         f"{fmt.number(r.std_all, 2, signed=True)} standard deviations "
                         f"{fmt.interval(r.std_ci_low, r.std_ci_high)}, "
                         f"{'clearly different from zero' if clear else 'not clearly different from zero'}{share} "
                         f"({fmt.number(100 * self.ci_level, 0)}% {how} intervals).")
        return PlainText("\n".join(lines))

    def _repr_html_(self) -> str:
        return (f"<p>Indirect effects ({html.escape(self.method)} intervals)</p>"
                + self.table.dropna(axis=1, how="all").round(3).to_html(index=False, na_rep=""))


def _paths(edges: dict[str, list[str]]) -> list[list[str]]:
    """Every directed path of at least two steps (a list of variables, predictor first)."""
    found = []

    def walk(path):
        for nxt in edges.get(path[-1], []):
            if nxt in path:  # a feedback loop: no simple path goes round it
                continue
            longer = path + [nxt]
            if len(longer) >= 3:
                found.append(longer)
            walk(longer)

    for start in edges:
        walk([start])
    return found


@single_threaded_blas  # the bootstrap refits, and the draws of LMG, are small matrix algebra
def indirect_effects(result, through: str | Sequence[str] | None = None, *, predictor: str | None = None,
                     outcome: str | None = None, bootstrap: int = 0, seed: int | None = None,
                     progress: bool | None = None) -> IndirectEffects:
    """The implementation of :meth:`SEMResult.indirect_effects` (see there)."""
    models = result._groups.models
    group_values = list(result.groups) if result.groups else [None]
    regressions = [r for r in result._spec.rows if r.op == "~" and r.group == 0]
    if not regressions:
        raise ModelSpecificationError("The model has no regressions ('~'), so it has no indirect effects. Add the "
                                      "structural paths, e.g. 'EMO ~ QUAL' and 'SAT ~ EMO + QUAL'.")
    variables = list(dict.fromkeys([v for r in regressions for v in (r.rhs, r.lhs)]))
    mediators = sorted({r.lhs for r in regressions} & {r.rhs for r in regressions}, key=variables.index)
    through = mediators if through is None else [through] if isinstance(through, str) else list(through)
    bad = [m for m in through if m not in mediators]
    if bad or not through:
        raise ModelSpecificationError(
            f"through={listing(bad or through, quote=True)} is not a mediator of the model (a variable that is "
            f"both predicted and a predictor); mediators: {listing(mediators, quote=True) or 'none'}.")
    for role, value in (("predictor", predictor), ("outcome", outcome)):
        if value is not None and value not in variables:
            raise ModelSpecificationError(f"{role}={value!r} is not a variable of the structural model; variables: "
                                          f"{listing(variables, quote=True)}.")
    edges: dict[str, list[str]] = {}
    for r in regressions:
        edges.setdefault(r.rhs, []).append(r.lhs)
    entries = []  # (mediator, predictor, outcome, [paths])
    for m in through:
        by_pair: dict[tuple[str, str], list[list[str]]] = {}
        for path in _paths(edges):
            if m in path[1:-1] and (predictor is None or path[0] == predictor) and (outcome is None or path[-1] == outcome):
                by_pair.setdefault((path[0], path[-1]), []).append(path)
        for (x, y), paths in by_pair.items():
            entries += [(m, x, y, [p], " → ".join(p)) for p in paths]
            if len(paths) > 1:
                entries.append((m, x, y, paths, f"{x} → … → {y} (all via {m})"))
    if not entries:
        raise ModelSpecificationError(f"No path of the model runs through {listing(through, quote=True)}"
                                      f"{'' if predictor is None else f' from {predictor!r}'}"
                                      f"{'' if outcome is None else f' to {outcome!r}'}.")
    n = len(entries)

    def values(theta: np.ndarray) -> np.ndarray:
        out = []
        for model in models:
            a = model.matrices(theta)[0]
            index = {v: i for i, v in enumerate(model.names)}
            total = np.linalg.inv(np.eye(len(a)) - a) - np.eye(len(a))
            sd = np.sqrt(np.clip(np.diag(model.implied(theta).total), 1e-300, None))
            for _, x, y, paths, _ in entries:
                effect = sum(np.prod([a[index[p[k + 1]], index[p[k]]] for k in range(len(p) - 1)]) for p in paths)
                scale = sd[index[x]] / sd[index[y]]
                tot = total[index[y], index[x]]
                out += [effect, effect * scale, tot, tot * scale, effect / tot if tot != 0 else np.nan]
        return np.array(out)

    boot = bootstrap_of(result, bootstrap, seed, progress=progress)
    derived = derive(result, values, boot)
    problems = list(result.problems)
    if boot is not None and boot is not result._bootstrap and boot.failed:
        problems.append(boot.message)
    rows, inconsistent = [], []
    for g in range(len(models)):
        for e, (m, x, y, _, text) in enumerate(entries):
            k = 5 * (g * n + e)
            est, se = derived.estimate[k], derived.se[k]
            z = est / se if se > 0 else np.nan
            rows.append({"predictor": x, "mediator": m, "outcome": y, "path": text, "group": group_values[g],
                         "estimate": est, "se": se, "z": z, "p_value": 2 * special.ndtr(-abs(z)),
                         "ci_low": derived.ci_low[k], "ci_high": derived.ci_high[k], "std_all": derived.estimate[k + 1],
                         "std_se": derived.se[k + 1],
                         "std_ci_low": derived.ci_low[k + 1], "std_ci_high": derived.ci_high[k + 1],
                         "total": derived.estimate[k + 2], "std_total": derived.estimate[k + 3],
                         "proportion": derived.estimate[k + 4], "proportion_ci_low": derived.ci_low[k + 4],
                         "proportion_ci_high": derived.ci_high[k + 4]})
            rest = derived.estimate[k + 2] - est
            if est * rest < 0 and abs(rest) > 1e-8 * max(1.0, abs(est)) and text not in inconsistent:
                inconsistent.append(text)
    if inconsistent:
        problems.append(warn(
            f"Inconsistent mediation: for {listing(inconsistent, quote=True)} the indirect effect and the rest of the "
            "total effect have opposite signs, so the proportion mediated is not a share of the total (it can exceed "
            "100% or be negative). Report the indirect effect itself.", DecompositionWarning))
    return IndirectEffects(table=pd.DataFrame(rows, columns=INDIRECT_COLUMNS), method=derived.method,
                           draws=derived.draws, ci_level=result._ci_level, nobs=result.nobs,
                           inconsistent=tuple(inconsistent), problems=tuple(problems))
