"""``sem.fit(..., ordered=...)``: the steps of an ordinal fit (options -> polychoric sample
statistics -> DWLS/ULS estimate -> checks -> :class:`SEMResult`) and its parameter table.

The table follows lavaan's ``parameterEstimates()`` for ordered items: the model's rows, the
thresholds (``x1 | t1``, ...), the items' residual variances (fixed: ``1 - R²`` under the delta
parameterization, 1 under theta) and the scale factors (``x1 ~*~ x1``: 1 under delta,
``1 / sd(y*)`` under theta). Continuous variables in the model (not in ``ordered=``) keep
their free residual variances and intercepts (``x7 ~1``) and have no thresholds or scale
factors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import special

from .._errors import CxStatsWarning
from .._format import listing
from .._validation import warn
from ._ordinal import ESTIMATORS, PARAMETERIZATIONS, OrdinalFit, fit_ordinal
from ._ordinal_mixed import continuous_names
from ._problems import HeywoodWarning, ModelSpecificationError, estimate_problems
from ._tables import TABLE_COLUMNS, parameter_table
from .estimate import Estimate, Groups
from .inference import DefinedParameters
from .matrices import RamModel
from .partable import ParameterTable

__all__ = ["PolychoricNotPositiveDefiniteWarning", "check_ordinal_options", "fit_ordinal_sample", "ordinal_table",
           "wu_estabrook_fixed_scales", "wu_estabrook_spec"]


class PolychoricNotPositiveDefiniteWarning(CxStatsWarning):
    """The polychoric correlation matrix is not positive definite (a smallest eigenvalue at or
    below 0): pairwise estimates that do not fit together, often from sparse categories."""


def resolve_estimator(estimator: str | None, ordered) -> str:
    """The estimator: ML without ordered items, WLSMV with them (lavaan's defaults)."""
    if estimator is None:
        return "WLSMV" if _has_ordered(ordered) else "ML"
    return str(estimator).upper()


def _has_ordered(ordered) -> bool:
    return ordered is True or (ordered is not None and ordered is not False and len(list(ordered)) > 0)


def check_ordinal_options(estimator: str, ordered, *, missing: str, parameterization: str, se: str, cov,
                          group) -> None:
    """The options that go with ``ordered=`` (and the ordinal estimators that need it)."""
    if not _has_ordered(ordered):
        if estimator in ESTIMATORS:
            raise ModelSpecificationError(
                f"estimator={estimator!r} is for ordered (ordinal) items; name them with ordered=[...] (or ordered=True "
                "for every indicator), or use estimator='ML' / 'MLR' for continuous items.")
        return
    if estimator in ("ML", "MLR"):
        raise ModelSpecificationError(
            f"estimator={estimator!r} treats the items as continuous (normal) variables, but ordered= declares them "
            "ordinal. For ordered items use estimator='WLSMV' (the default with ordered=: polychoric correlations, "
            "robust SEs, scaled-shifted chi-square), or 'ULSMV' (more stable with small samples or many items), or "
            "'DWLS'; or drop ordered= to treat the items as continuous (reasonable with 7 or more roughly "
            "symmetric categories).")
    if estimator not in ESTIMATORS:
        raise ModelSpecificationError(f"estimator={estimator!r} is not available with ordered=; use 'WLSMV', "
                                      "'ULSMV' or 'DWLS'.")
    if parameterization not in PARAMETERIZATIONS:
        raise ModelSpecificationError(f"parameterization={parameterization!r} is not available; use 'delta' "
                                      "(latent responses with variance 1, lavaan's default) or 'theta' (residual "
                                      "variances 1).")
    if missing in ("fiml", "ml"):
        raise ModelSpecificationError(
            "missing='fiml' is not available with ordered items: full-information ML for ordinal data needs "
            "numerical integration. Use missing='pairwise' (each polychoric correlation from the rows that answer "
            "both items, as lavaan) or missing='listwise'.")
    if missing not in ("listwise", "pairwise"):
        raise ModelSpecificationError(f"missing={missing!r} is not available with ordered=; use 'listwise' or "
                                      "'pairwise'.")
    if cov is not None:
        raise ModelSpecificationError("ordered= needs raw data (the polychoric correlations come from the answers); "
                                      "pass data= instead of cov=.")
    if se not in ("standard", "none"):
        raise ModelSpecificationError(f"se={se!r} is not available with ordered=; the ordinal estimators give "
                                      "robust (sandwich) SEs with se='standard'.")



#: group_equal classes an ordinal multigroup fit takes in sem.fit (lavaan's identification);
#: intercepts and residuals of the latent responses need Wu & Estabrook's (sem.invariance)
ORDINAL_GROUP_EQUAL = ("thresholds", "loadings", "regressions", "lv.variances", "lv.covariances",
                       "residual.covariances")


def check_ordinal_group_equal(group_equal, parameterization: str = "delta", *, mixed: bool = False) -> None:
    other = [c for c in group_equal if c not in ORDINAL_GROUP_EQUAL]
    if other:
        raise ModelSpecificationError(
            f"group_equal={listing(other, quote=True)} is not available with ordered items in sem.fit (equal "
            "intercepts or residual variances of the latent responses need the identification of Wu & Estabrook, "
            "2016); fit the ordinal invariance ladder with sem.invariance(model, data, group=..., ordered=...), or "
            f"use {listing(ORDINAL_GROUP_EQUAL, quote=True)}.")
    if mixed and "thresholds" in group_equal and parameterization != "delta":
        raise ModelSpecificationError("group_equal='thresholds' in a model with continuous variables is available with "
                                      "parameterization='delta' only (theta is not checked against lavaan there); "
                                      "drop parameterization=, or list every variable in ordered=.")


def ordinal_spec(spec: ParameterTable, *, equal_thresholds: bool = False,
                 continuous: Sequence[str] = ()) -> ParameterTable:
    """lavaan's defaults for ordered items: the intercepts of the latent responses and the latent
    means fixed at 0 (the thresholds carry the items' locations), free parameters renumbered.
    With equal thresholds across groups the latent means of the later groups are free (and,
    in the estimator, their scale factors). The intercepts of ``continuous`` observed variables
    stay free (as lavaan), equal across groups with equal thresholds (lavaan)."""
    if not spec.meanstructure:
        return spec
    latent, keep = set(spec.latent), set(continuous)
    rows = [r._replace(free=0, value=0.0)
            if r.op == "~1" and r.lhs not in keep and not (equal_thresholds and r.group > 0 and r.lhs in latent)
            else r for r in spec.rows]
    if equal_thresholds and keep:  # lavaan: equal thresholds also equate the continuous variables' intercepts
        first = {r.lhs: r.free for r in rows if r.op == "~1" and r.group == 0 and r.lhs in keep and r.free > 0}
        rows = [r._replace(free=first[r.lhs]) if r.op == "~1" and r.group > 0 and r.lhs in first and r.free > 0
                else r for r in rows]
    if equal_thresholds:  # a fresh free number for each later group's latent mean
        top = max(r.free for r in rows)
        fresh = []
        for r in rows:
            if r.op == "~1" and r.group > 0 and r.lhs in latent:
                top += 1
                r = r._replace(free=top, value=float("nan"))
            fresh.append(r)
        rows = fresh
    numbers = sorted({r.free for r in rows if r.free > 0})
    renumber = {old: new for new, old in enumerate(numbers, start=1)}
    rows = [r._replace(free=renumber[r.free]) if r.free > 0 else r for r in rows]
    return replace(spec, rows=tuple(rows))


def wu_estabrook_spec(spec: ParameterTable, *, equal_thresholds: bool) -> ParameterTable:
    """The identification of Wu & Estabrook (2016) for a step of the ordinal invariance ladder
    (semTools' ``measEq.syntax(..., ID.cat = "Wu.Estabrook.2016")``): the first group's
    latent-response intercepts and latent means fixed at 0 (with ``std_lv`` its latent
    variances at 1); once the thresholds are equal, the later groups' intercepts are free unless
    tied to the first group's (equal intercepts, which then free the later groups' latent means,
    as the parameter table already does). Without equal thresholds every intercept and latent
    mean is 0 (the configural model, as lavaan's default). The later groups' scale factors
    (delta) or residual variances (theta) are freed by the estimator (``fit_ordinal``)."""
    if not spec.meanstructure:
        return spec
    latent = set(spec.latent)
    first = {r.lhs: r.free for r in spec.rows if r.group == 0 and r.op == "~1"}
    rows = []
    for r in spec.rows:
        if r.op == "~1":
            fixed = (r.group == 0 or not equal_thresholds
                     or (r.lhs not in latent and r.free > 0 and r.free == first.get(r.lhs)))
            if fixed:
                r = r._replace(free=0, value=0.0)
        rows.append(r)
    numbers = sorted({r.free for r in rows if r.free > 0})
    renumber = {old: new for new, old in enumerate(numbers, start=1)}
    rows = [r._replace(free=renumber[r.free]) if r.free > 0 else r for r in rows]
    return replace(spec, rows=tuple(rows))


def wu_estabrook_fixed_scales(spec: ParameterTable, n_thresholds: dict[str, int]) -> tuple[tuple[int, str], ...]:
    """The binary items whose scale stays fixed in the later groups under Wu & Estabrook's
    identification (semTools 0.5.6 ``measEq.syntax(..., ID.cat = "Wu.Estabrook.2016")``): once
    its thresholds are equal, an item's first equal threshold frees its intercept in the later
    groups and a second one its scale factor (delta) or residual variance (theta); an equal
    intercept also frees the scale. A binary item has one threshold, so its scale stays at 1
    while its intercept is free (thresholds and metric levels) and is freed once the intercept
    is tied (scalar). ``n_thresholds``: thresholds per item. Returns ``(group index, item)``
    pairs for :func:`~cxstats.sem._ordinal.fit_ordinal` (``spec`` as ``wu_estabrook_spec`` left
    it: a later group's intercept is free exactly when it is not tied to the first group's)."""
    return tuple((r.group, r.lhs) for r in spec.rows
                 if r.op == "~1" and r.group > 0 and r.lhs in spec.observed and r.free > 0
                 and n_thresholds.get(r.lhs, 0) == 1)


def ordered_names(ordered, spec: ParameterTable) -> tuple[str, ...]:
    """``ordered=`` as model-ordered names, checked against the model's observed variables (the
    others are continuous)."""
    observed = spec.observed
    if ordered is True:
        return tuple(observed)
    if isinstance(ordered, str):
        ordered = [ordered]
    names = [str(n) for n in ordered]
    unknown = [n for n in names if n not in observed]
    if unknown:
        raise ModelSpecificationError(
            f"ordered= names {listing(unknown, quote=True)}, which {'is' if len(unknown) == 1 else 'are'} not an "
            f"observed variable of the model ({listing(observed, limit=30, quote=True)}). List only the model's items "
            "in ordered=, or ordered=True for all of them.")
    return tuple(n for n in observed if n in names)


def fit_ordinal_sample(spec: ParameterTable, sample, *, estimator: str, parameterization: str, ci_level: float,
                       n_dropped: int = 0, missing: str = "listwise", labels=None, group: str | None = None,
                       equal_thresholds: bool = False, free_residuals: bool = False,
                       fixed_scale: Sequence[tuple[int, str]] = (), free_thresholds=()):
    """Fit the model to each group's ordinal sample statistics (one OrdinalSample, or one per
    group in the order of ``spec.groups``) and assemble the result."""
    from .result import SEMResult

    if spec.constraints:
        raise ModelSpecificationError("Constraints written with '==', '<' or '>' are not available with ordered "
                                      "items yet; use shared labels for equal parameters.")
    samples = (sample,) if hasattr(sample, "wls_obs") else tuple(sample)
    multigroup = len(samples) > 1
    continuous = continuous_names(spec.observed, samples)
    problems: list[str] = []
    bad = []
    for level, smp in zip(spec.groups, samples, strict=True):
        eig = float(np.linalg.eigvalsh(np.asarray(smp.cor, dtype=float)).min())
        if eig <= 0:
            bad.append((level, eig))
    if bad:
        where = "" if not multigroup else " in group(s) " + ", ".join(repr(level) for level, _ in bad)
        problems.append(warn(
            f"The polychoric correlation matrix is not positive definite{where} (smallest eigenvalue "
            f"{min(e for _, e in bad):.3g}): the pairwise correlations do not fit together, often because of sparse "
            "categories. The DWLS estimates remain defined (the robust CFI and RMSEA do not), but check items with "
            "rarely used categories (merge adjacent ones) and pairs with correlations near 1.",
            PolychoricNotPositiveDefiniteWarning))
    fitted = fit_ordinal(spec, samples, estimator=estimator, parameterization=parameterization,
                         equal_thresholds=equal_thresholds and multigroup,
                         free_residuals=free_residuals and equal_thresholds and multigroup,
                         fixed_scale=tuple(fixed_scale) if equal_thresholds and multigroup else (),
                         free_thresholds=frozenset(free_thresholds))
    models = tuple(RamModel(spec.group_view(g), np.asarray(smp.cor, dtype=float), np.zeros(len(spec.observed)))
                   for g, smp in enumerate(samples))
    problems += estimate_problems(estimator, converged=fitted.converged, iterations=fitted.iterations,
                                  gradient_max=fitted.gradient_max, identified=fitted.identified)
    heywood = [r.lhs + (f" (group {spec.groups[r.group]})" if multigroup else "") for r in spec.rows
               if r.op == "~~" and r.lhs == r.rhs and r.free > 0 and fitted.theta[r.free - 1] < 0]
    if heywood:
        problems.append(warn(f"Negative variance estimate(s) for {', '.join(heywood)} (a Heywood case; with ordered "
                             "items their residual variance is 1 - R² under the delta parameterization). The model may "
                             "be misspecified or a factor has too few indicators.", HeywoodWarning))
    estimate = Estimate(fitted.theta, 2 * fitted.fmin, fitted.iterations, fitted.converged, fitted.gradient_max)
    groups = Groups(models, [np.asarray(smp.cor, dtype=float) for smp in samples],
                    [np.zeros(len(spec.observed)) for _ in samples], [smp.nobs for smp in samples])
    return SEMResult(
        nobs=int(sum(smp.nobs for smp in samples)), n_dropped=int(n_dropped), converged=fitted.converged,
        iterations=fitted.iterations, identified=fitted.identified, heywood=tuple(heywood), nonpositive_latent=False,
        problems=tuple(problems), se_type="robust (sandwich)" if estimator in ("WLSMV", "ULSMV") else "standard",
        estimator=estimator, bootstrap_draws=0, bootstrap_failed=0, group=group if multigroup else None,
        groups=tuple(spec.groups) if multigroup else (),
        group_nobs=tuple(int(smp.nobs) for smp in samples) if multigroup else (), _model=models[0], _spec=spec,
        _moments=samples[0], _theta=fitted.theta, _vcov=fitted.vcov_full, _constraint_basis=None,
        _estimate=estimate, _defined=DefinedParameters(spec), _ci_level=ci_level, _bootstrap=None, _groups=groups,
        _group_moments=samples, _robust=None, _missing_fit=None, missing=missing, labels=labels or {},
        ordered=tuple(n for n in spec.observed if n not in continuous), parameterization=parameterization,
        polychoric_not_positive_definite=bool(bad), _ordinal=fitted)


def ordinal_table(result) -> pd.DataFrame:
    """lavaan's parameterEstimates for an ordinal fit (see the module docstring)."""
    fitted: OrdinalFit = result._ordinal
    spec = result._spec
    table = parameter_table(result._groups.models, spec, result._estimate, result._vcov, result._defined,
                            result._ci_level)
    items = set(result.ordered or spec.observed)  # continuous variables' residual variances are parameters
    fixed = table["op"].eq("~~") & table["lhs"].eq(table["rhs"]) & table["lhs"].isin(items)
    n_groups = len(result._groups.models)
    estimated = {(r.lhs, spec.groups[r.group] if n_groups > 1 else table["group"].iloc[0]) for r in spec.rows
                 if r.op == "~~" and r.lhs == r.rhs and r.lhs in items and r.free > 0
                 and r.free - 1 not in fitted.residual_rows}  # theta: the later groups' free residual variances
    if estimated:
        fixed &= ~pd.Series([(a, b) in estimated for a, b in zip(table["lhs"], table["group"])], index=table.index)
    table.loc[fixed, "free"] = False
    table.loc[fixed, ["se", "z", "p_value"]] = [0.0, np.nan, np.nan]
    table.loc[fixed, "ci_low"] = table.loc[fixed, "estimate"]
    table.loc[fixed, "ci_high"] = table.loc[fixed, "estimate"]
    th = fitted.threshold_rows
    z_crit = special.ndtri(0.5 + result._ci_level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(th["se"] > 0, th["estimate"] / th["se"], np.nan)
    thresholds = pd.DataFrame({
        "lhs": th["lhs"], "op": "|", "rhs": th["rhs"], "group": th["group"], "label": "", "free": True,
        "estimate": th["estimate"], "se": th["se"], "z": z, "p_value": 2 * special.ndtr(-np.abs(z)),
        "ci_low": th["estimate"] - z_crit * th["se"], "ci_high": th["estimate"] + z_crit * th["se"],
        "std_lv": th["estimate"], "std_all": th["std_all"]})
    scale = pd.DataFrame({
        "lhs": list(spec.observed) * n_groups, "op": "~*~", "rhs": list(spec.observed) * n_groups,
        "group": [level for level in spec.groups for _ in spec.observed], "label": "",
        "free": fitted.scale_se > 0, "estimate": fitted.scale, "se": fitted.scale_se,
        "z": np.where(fitted.scale_se > 0, fitted.scale / np.where(fitted.scale_se > 0, fitted.scale_se, 1.0), np.nan),
        "ci_low": fitted.scale - z_crit * fitted.scale_se, "ci_high": fitted.scale + z_crit * fitted.scale_se,
        "std_lv": fitted.scale, "std_all": 1.0})
    scale["p_value"] = 2 * special.ndtr(-np.abs(scale["z"]))
    scale = scale[scale["lhs"].isin(items)]  # continuous variables have no scale factor
    parts = []
    model_rows = table[table["op"] != ":="]
    for level in spec.groups:
        rows = model_rows[model_rows["group"].eq(level)] if n_groups > 1 else model_rows
        measurement = rows["op"].isin(["=~", "~"]).to_numpy()
        cut = int(np.flatnonzero(measurement)[-1]) + 1 if measurement.any() else 0
        th_g = thresholds[thresholds["group"].eq(level)] if n_groups > 1 else thresholds
        sc_g = scale[scale["group"].eq(level)] if n_groups > 1 else scale
        parts += [rows.iloc[:cut], th_g, rows.iloc[cut:], sc_g]
    parts.append(table[table["op"] == ":="])
    out = pd.concat(parts, ignore_index=True)
    return out[TABLE_COLUMNS]


def ordinal_sample(data: pd.DataFrame, spec: ParameterTable, ordered: Sequence[str], missing: str,
                   group: str | None = None):
    """The polychoric sample statistics of the model's items (cxstats.sem.ordinal_moments): one
    record, or one per group in the order of ``spec.groups``."""
    from .ordinal_moments import ordinal_moments

    if group is None:
        return ordinal_moments(data, spec.observed, list(ordered), missing=missing, where="sem.fit")
    rows = data[data[group].isin(list(spec.groups))]
    by_group = ordinal_moments(rows, spec.observed, list(ordered), group=group, missing=missing, where="sem.fit")
    return tuple(by_group[level] for level in spec.groups)
