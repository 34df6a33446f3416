"""Nested-model comparison: lavaan's ``lavTestLRT()`` (``anova()``) for models fitted with
:func:`cxstats.sem.fit`, and the one place that computes a chi-square difference test.

The models are sorted by their degrees of freedom, as lavaan does, and each is tested
against the one before it (the next less restricted model): the chi-square difference
under ML; under MLR the Satorra-Bentler (2001) scaled difference (lavaan's default) or
its 2010 variant, which evaluates the less restricted model at the estimates of the more
restricted one (lavaan's M10 model); under WLSMV and ULSMV (ordered items) lavaan's
scaled-shifted Satorra (2000) difference (no AIC or BIC: there is no likelihood). Beside the
test, the change in CFI and RMSEA (robust under MLR, scaled under WLSMV and ULSMV) is judged
by the fit-change rules of Chen (2007) and Cheung & Rensvold (2002).

:func:`difference_test` and :func:`model_measures` are shared with the invariance ladder
(:mod:`cxstats.sem.invariance`), so both report the same numbers for the same pair.

Checked against lavaan 0.6.14 ``lavTestLRT()`` (tests/reference/lavaan_compare.R): ladders
of the Holzinger-Swineford CFA, the Political Democracy SEM and the ECSI model, a
two-group pair, a FIML pair and a non-nested set, ML and MLR (both methods); the WLSMV
difference tests against ``lavTestLRT()`` of ordinal fits (tests/reference/lavaan_wlsmv.R).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .. import formatting as fmt
from .._format import every, label_lookup, listing
from .._results import Exportable, PlainText
from .._validation import warn
from ._fiml import fiml
from ._missing_patterns import missing_patterns
from ._problems import ComparisonError, ConvergenceWarning, NestingWarning, ScaledDifferenceWarning
from ._ordinal import scaled_shifted_difference
from ._robust import mlr, scaled_difference
from ._robust_moments import robust_samples
from . import fit_indices as fi
from .result import SEMResult

__all__ = ["ComparisonResult", "DifferenceTest", "compare", "default_method", "difference_test", "model_measures",
           "sample_size_note", "METHODS"]

METHODS = {"standard": "chi-square difference",
           "satorra.bentler.2001": "Satorra–Bentler (2001) scaled chi-square difference",
           "satorra.bentler.2010": "Satorra–Bentler (2010) scaled chi-square difference",
           "satorra.2000": "Satorra (2000) scaled-shifted chi-square difference"}
_ESTIMATORS = ("ML", "MLR", "WLSMV", "ULSMV")
_ORDINAL = ("WLSMV", "ULSMV")  # ordered items: lavaan's scaled-shifted Satorra (2000) test
_NEGATIVE_TOLERANCE = np.finfo(float).eps ** (1 / 3)  # lavaan's tolerance for "fits better"
_PD_TOLERANCE = np.finfo(float).eps ** 0.75  # lavaan's check of the M10 information matrix
_PROBLEM_WORDS = {
    "NestingWarning": "models that do not behave as nested",
    "ScaledDifferenceWarning": "a scaled difference test that cannot be trusted",
    "ConvergenceWarning": "a model without a converged solution",
    "HeywoodWarning": "a negative variance (a Heywood case)",
    "NonPositiveDefiniteWarning": "an impossible latent covariance matrix",
    "IdentificationWarning": "a parameter the data cannot determine",
}


# --------------------------------------------------------------------------- one pair
def model_measures(result: SEMResult) -> dict[str, float]:
    """The numbers a comparison reads from one fit: ``npar, df, aic, bic, chisq`` (the
    standard statistic), ``chisq_scaled`` and ``scaling_factor`` (MLR; NaN under ML), and
    ``cfi``, ``rmsea`` (the robust versions under MLR; the scaled ones with ordered items, as
    Wu & Estabrook's ladder is usually reported with WLSMV) and ``srmr``."""
    fm = result.fit_measures
    robust = result.estimator in ("MLR", *_ORDINAL)
    kind = "scaled" if result.estimator in _ORDINAL else "robust"
    return {"npar": float(fm["npar"]), "df": float(fm["df"]), "aic": float(fm.get("aic", math.nan)),
            "bic": float(fm.get("bic", math.nan)),
            "chisq": float(fm["chisq"]),
            "chisq_scaled": float(fm["chisq.scaled"]) if robust else math.nan,
            "scaling_factor": float(fm["chisq.scaling.factor"]) if robust else math.nan,
            "cfi": float(fm[f"cfi.{kind}" if robust else "cfi"]),
            "rmsea": float(fm[f"rmsea.{kind}" if robust else "rmsea"]), "srmr": float(fm["srmr"])}


@dataclass(frozen=True)
class DifferenceTest:
    """One difference test: ``chisq_diff`` (scaled under MLR), ``df_diff``, ``p_value``,
    ``scaling_factor`` (cd; NaN under ML or with equal df), ``unscaled`` (the difference of
    the standard statistics) and, for the 2010 method, whether the M10 model's information
    matrix is positive definite (``m10_positive_definite``; None otherwise)."""

    chisq_diff: float
    df_diff: float
    p_value: float
    scaling_factor: float
    unscaled: float
    m10_positive_definite: bool | None = None


def default_method(estimator: str) -> str:
    """lavaan's default difference test: ``standard`` for ML, Satorra-Bentler 2001 for MLR,
    Satorra 2000 (scaled-shifted) for WLSMV and ULSMV."""
    if estimator in _ORDINAL:
        return "satorra.2000"
    return "satorra.bentler.2001" if estimator == "MLR" else "standard"


def difference_test(general: SEMResult, restricted: SEMResult, *, method: str | None = None) -> DifferenceTest:
    """The difference test of ``restricted`` (more df) against ``general`` (fewer df).

    ``method`` is ``"standard"`` (ML), ``"satorra.bentler.2001"`` or
    ``"satorra.bentler.2010"`` (MLR); default as lavaan. Equal df give the unscaled
    difference and no p-value; a negative difference has p = 1 (R's ``pchisq``).
    """
    method = method or default_method(general.estimator)
    a, b = model_measures(general), model_measures(restricted)
    unscaled = b["chisq"] - a["chisq"]
    df_diff = b["df"] - a["df"]
    if method == "standard":
        p = float(stats.chi2.sf(unscaled, df_diff)) if df_diff > 0 else math.nan
        return DifferenceTest(unscaled, df_diff, p, math.nan, unscaled)
    if method == "satorra.2000":
        if df_diff <= 0:
            return DifferenceTest(unscaled, df_diff, math.nan, math.nan, unscaled)
        traces = scaled_shifted_difference(general._ordinal, restricted._ordinal)
        a = math.sqrt(df_diff / traces["trace2"])
        statistic = a * unscaled + df_diff - a * traces["trace1"]
        return DifferenceTest(statistic, df_diff, float(stats.chi2.sf(statistic, df_diff)), 1.0 / a, unscaled)
    c10, positive_definite = None, None
    if method == "satorra.bentler.2010" and df_diff > 0:
        c10, positive_definite = _m10_scaling_factor(general, restricted)
    out = scaled_difference(b["chisq"], b["df"], b["scaling_factor"], a["chisq"], a["df"], a["scaling_factor"],
                            c10=c10)
    return DifferenceTest(out["chisq_diff"], out["df_diff"], out["pvalue"], out["scaling_factor"], unscaled,
                          positive_definite)


def _m10_scaling_factor(general: SEMResult, restricted: SEMResult) -> tuple[float, bool]:
    """The scaling factor of the general model evaluated at the restricted model's estimates
    (lavaan's ``lav_test_diff_m10``), and whether its information matrix is positive definite."""
    theta = _estimates_in(general, restricted)
    moments = general._group_moments
    models, k = general._groups.models, general._constraint_basis
    if general.missing == "fiml":
        patterns = [missing_patterns(m.data) for m in moments]
        fitted = fiml(models, theta, patterns, estimator="MLR", constraint_basis=k,
                      saturated=[m.saturated for m in moments])
    else:
        fitted = mlr(models, theta, robust_samples(moments), constraint_basis=k)
    information = fitted.information
    smallest = float(np.linalg.eigvalsh((information + information.T) / 2).min())
    return float(fitted.test.scaling_factor), bool(smallest >= -_PD_TOLERANCE)


def _key(row, groups) -> tuple:
    lhs, rhs = (sorted((row.lhs, row.rhs)) if row.op == "~~" else (row.lhs, row.rhs))
    return lhs, row.op, rhs, groups[row.group]


def _estimates_in(general: SEMResult, restricted: SEMResult) -> np.ndarray:
    """The free parameters of ``general`` set to the estimates of ``restricted`` (matched by
    lhs, op, rhs and group); a parameter ``restricted`` leaves out is 0, as in lavaan."""
    spec = restricted._spec
    values = {_key(r, spec.groups): (restricted._theta[r.free - 1] if r.free else r.value) for r in spec.rows
              if r.op in ("=~", "~", "~~", "~1")}
    present = {*spec.observed, *spec.latent, ""}
    theta = general._theta.copy()
    for r in general._spec.rows:
        if not r.free:
            continue
        value = values.get(_key(r, general._spec.groups))
        if value is None:
            if r.lhs not in present or r.rhs not in present:
                missing = r.lhs if r.lhs not in present else r.rhs
                raise ComparisonError(
                    f"method='satorra.bentler.2010' evaluates the less restricted model at the estimates of the "
                    f"more restricted one and needs the same variable names, but '{missing}' (in "
                    f"'{r.lhs} {r.op} {r.rhs}') is not in the more restricted model. Use "
                    "method='satorra.bentler.2001' (the default).")
            value = 0.0
        if np.isfinite(value):
            theta[r.free - 1] = value
    return theta


# --------------------------------------------------------------------------- checks
def _models_of(fit_a, fit_b, more, names) -> tuple[list[SEMResult], list[str]]:
    """The fitted models and their names; one sequence or mapping may stand for them all."""
    if fit_b is None and not more and isinstance(fit_a, Mapping):
        if names is not None:
            raise ComparisonError("Pass names= or a dict of models, not both: the dict's keys are the names.")
        names, fits = [str(k) for k in fit_a], list(fit_a.values())
    elif fit_b is None and not more and isinstance(fit_a, list | tuple):
        fits = list(fit_a)
    else:
        fits = [f for f in (fit_a, fit_b, *more) if f is not None]
    for i, f in enumerate(fits, start=1):
        if not isinstance(f, SEMResult):
            hint = (" An invariance ladder keeps its models in .models: compare(ladder.models)."
                    if hasattr(f, "models") and hasattr(f, "noninvariant_items") else "")
            raise TypeError(f"Model {i} passed to compare() is a {type(f).__name__}, not a fitted model: pass "
                            f"results of cxstats.sem.fit().{hint}")
    if len(fits) < 2:
        raise ComparisonError(f"compare() needs at least two fitted models; got {len(fits)}. Fit the nested "
                              "models you want to compare and pass them all: compare(fit_a, fit_b, ...).")
    if names is None:
        names = [f"model {i}" for i in range(1, len(fits) + 1)]
    names = [str(n) for n in names]
    if len(names) != len(fits) or len(set(names)) != len(names):
        raise ComparisonError(f"names= must give each of the {len(fits)} models its own name; got "
                              f"{listing(names, quote=True)}.")
    return fits, names


def _check_comparable(fits: list[SEMResult], names: list[str]) -> None:
    first, name0 = fits[0], names[0]
    for f, name in zip(fits, names, strict=True):
        if f.estimator not in _ESTIMATORS:
            raise ComparisonError(
                f"Model '{name}' was fitted with estimator '{f.estimator}', which compare() does not support: it "
                "tests ML fits (chi-square difference), MLR fits (Satorra-Bentler scaled difference) and WLSMV or "
                f"ULSMV fits (Satorra 2000 scaled-shifted difference). Refit with one of these estimators.")
    for f, name in zip(fits[1:], names[1:], strict=True):
        if f.estimator != first.estimator:
            raise ComparisonError(f"Model '{name}' was fitted with estimator '{f.estimator}' and model '{name0}' with "
                                  f"'{first.estimator}'; a difference test needs one estimator. Refit them with the "
                                  "same estimator=.")
        if f.missing != first.missing:
            raise ComparisonError(f"Model '{name}' was fitted with missing='{f.missing}' and model '{name0}' with "
                                  f"missing='{first.missing}', so they use different rows. Refit them with the same "
                                  "missing=.")
        if f.group != first.group or tuple(f.groups) != tuple(first.groups):
            raise ComparisonError(f"Model '{name}' and model '{name0}' have different groups "
                                  f"({_groups_text(f)} against {_groups_text(first)}). Refit them with the same "
                                  "group= (and group_labels=).")
        _check_same_data(first, name0, f, name)
        if f._spec.meanstructure != first._spec.meanstructure:
            with_means, without = (name, name0) if f._spec.meanstructure else (name0, name)
            raise ComparisonError(f"Model '{with_means}' has a mean structure (intercepts) and model '{without}' "
                                  "does not, so their chi-squares test different moments (lavaan refuses too). Give "
                                  f"both intercepts (e.g. add '{first._spec.observed[0]} ~ 1') or neither.")


def _groups_text(result: SEMResult) -> str:
    return f"'{result.group}': {listing(result.groups, quote=True)}" if result.group else "one group"


def _check_same_data(first: SEMResult, name0: str, other: SEMResult, name: str) -> None:
    vars0, vars1 = set(first._spec.observed), set(other._spec.observed)
    if vars0 != vars1:
        only1, only0 = sorted(vars1 - vars0), sorted(vars0 - vars1)
        parts = ([f"'{name}' uses {listing(only1, quote=True)}, which '{name0}' does not"] if only1 else []) + \
                ([f"'{name0}' uses {listing(only0, quote=True)}, which '{name}' does not"] if only0 else [])
        raise ComparisonError(
            f"The models are fitted to different variables: {'; '.join(parts)}. Nested models describe the same "
            "variables; keep every variable in both and restrict its paths instead (e.g. 'y ~ 0*x').")
    sizes0 = first.group_nobs or (first.nobs,)
    sizes1 = other.group_nobs or (other.nobs,)
    if tuple(sizes0) != tuple(sizes1):
        raise ComparisonError(
            f"Model '{name}' was fitted to {fmt.integer(other.nobs)} rows and model '{name0}' to "
            f"{fmt.integer(first.nobs)}"
            + (f" (per group {listing(sizes1)} against {listing(sizes0)})" if first.group else "")
            + ": a difference test needs the same data. Fit both models to the same rows (drop incomplete rows "
              "before fitting, or use missing='fiml').")
    for m0, m1, level in zip(first._group_moments, other._group_moments, first.groups or (None,), strict=True):
        if hasattr(m0, "wls_obs"):  # ordered items: the thresholds and polychoric correlations
            _check_same_ordinal(m0, m1, level, name0, name)
            continue
        order = [list(m1.names).index(v) for v in m0.names]
        cov1, mean1 = m1.cov[np.ix_(order, order)], m1.mean[order]
        scale = max(1.0, float(np.abs(m0.cov).max()))
        means = first._spec.meanstructure and other._spec.meanstructure  # without, the means are not fitted
        if not (np.allclose(cov1, m0.cov, rtol=1e-6, atol=1e-8 * scale)
                and (not means or np.allclose(mean1, m0.mean, rtol=1e-6,
                                              atol=1e-8 * max(1.0, float(np.abs(m0.mean).max()))))):
            where = f" in group '{level}'" if level is not None else ""
            raise ComparisonError(
                f"Model '{name}' and model '{name0}' were fitted to different data{where}: the same variables and "
                "number of rows, but different values (covariances or means). Fit both models to the same data frame.")


def _check_same_ordinal(m0, m1, level, name0: str, name: str) -> None:
    order = [list(m1.names).index(v) for v in m0.names]
    same = np.allclose(np.asarray(m1.cor)[np.ix_(order, order)], m0.cor, rtol=1e-6, atol=1e-8) and all(
        v in m1.thresholds and np.allclose(m0.thresholds[v], m1.thresholds[v], rtol=1e-6, atol=1e-8)
        for v in m0.thresholds)
    for field in ("means", "variances"):  # continuous variables of a mixed model
        first, other = getattr(m0, field, None) or {}, getattr(m1, field, None) or {}
        same = same and set(first) == set(other) and all(np.isclose(first[v], other[v], rtol=1e-6, atol=1e-8)
                                                         for v in first)
    if not same:
        where = f" in group '{level}'" if level is not None else ""
        raise ComparisonError(
            f"Model '{name}' and model '{name0}' were fitted to different data{where}: the same items and number of "
            "rows, but different thresholds or polychoric correlations (or means and variances of continuous "
            "variables). Fit both models to the same data frame.")


def _method(method: str | None, estimator: str) -> str:
    if method is None:
        return default_method(estimator)
    if not isinstance(method, str):
        raise TypeError(f"method must be a string such as 'satorra.bentler.2001', got {type(method).__name__}.")
    compact = re.sub(r"[-_. ]", "", method.lower())
    known = {re.sub(r"[-_. ]", "", m): m for m in (*METHODS, "default")}
    if compact not in known:
        raise ComparisonError(f"method={method!r} is not one of {listing(METHODS, quote=True)}.")
    chosen = known[compact]
    if chosen == "default":
        return default_method(estimator)
    if (estimator in _ORDINAL) != (chosen == "satorra.2000"):
        raise ComparisonError(f"method='{chosen}' does not go with {estimator} fits: WLSMV and ULSMV fits take "
                              "'satorra.2000' (lavaan's scaled-shifted difference, the default for them), ML fits "
                              "'standard', MLR fits 'satorra.bentler.2001' or 'satorra.bentler.2010'. Leave method= "
                              "out for lavaan's default.")
    if estimator == "ML" and chosen != "standard":
        raise ComparisonError(f"method='{chosen}' scales the difference of robust (MLR) tests, but these models were "
                              "fitted by ML, whose chi-square difference needs no scaling. Leave method= out, or refit "
                              "with estimator='MLR'.")
    if estimator == "MLR" and chosen == "standard":
        raise ComparisonError("method='standard' ignores the robust scaling of MLR fits; the difference of two "
                              "MLR tests must be scaled. Use 'satorra.bentler.2001' (the default) or "
                              "'satorra.bentler.2010'.")
    return chosen


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class ComparisonResult(Exportable):
    """Nested models compared by difference tests, as lavaan's ``lavTestLRT()``.

    Attributes
    ----------
    table : one row per model, least restricted (fewest df) first: ``model, npar, df, aic,
        bic, chisq`` (the standard statistic, lavaan's ``Chisq`` column), under MLR
        ``chisq_scaled, scaling_factor``, then the test against the row above:
        ``chisq_diff`` (scaled under MLR), ``df_diff, p_value``, under MLR
        ``scaling_factor_diff`` (cd), under ML ``rmsea_diff`` (lavaan's RMSEA of the
        difference), then ``cfi, delta_cfi, rmsea, delta_rmsea`` (robust CFI and RMSEA under
        MLR, scaled ones under WLSMV/ULSMV; deltas are this row minus the row above), ``lrt`` and ``fit_rule`` (``holds``,
        ``rejected`` or ``untested``: whether the added restrictions hold by the test and
        by the fit-change rules) and ``problems`` (kinds of problem with the row's test).
    models : the fitted models by name, in table order.
    preferred : the most restricted model reached by walking down the table while the
        chi-square difference tests do not reject; ``preferred_fit_rule`` likewise by the
        fit-change rules; ``lowest_aic``, ``lowest_bic``.
    not_nested, scaling_failed : models whose test row is flagged (equal df or a better
        fit than the less restricted model; a negative or unusable scaled difference).
    problems : the warnings issued here, then each model's own problems prefixed with its
        name (``"cfa: HeywoodWarning: ..."``).
    """

    _TABLES = {
        "table": ("Model comparison", "Nested models in order of degrees of freedom: fit, chi-square difference tests "
                  "(scaled under MLR), AIC/BIC and the changes in CFI and RMSEA."),
    }

    table: pd.DataFrame
    models: dict[str, SEMResult]
    estimator: str
    method: str
    nobs: int
    group: str | None
    groups: tuple
    group_nobs: tuple[int, ...]
    preferred: str
    preferred_fit_rule: str
    lowest_aic: str
    lowest_bic: str
    not_nested: tuple[str, ...]
    scaling_failed: tuple[str, ...]
    problems: tuple[str, ...]
    alpha: float = 0.05
    rules: tuple[float, float] = field(default=(0.01, 0.015))

    def _display(self) -> pd.DataFrame:
        robust = self.estimator in ("MLR", *_ORDINAL)
        kind = "scaled" if self.estimator in _ORDINAL else "robust"
        columns = ["model", "npar", "df", "aic", "bic", "chisq", *(["chisq_scaled"] if robust else []), "chisq_diff",
                   "df_diff", "p_value", "cfi", "delta_cfi", "rmsea", "delta_rmsea"]
        if self.table["aic"].isna().all():  # WLSMV/ULSMV: no likelihood, no AIC or BIC (as lavaan)
            columns = [c for c in columns if c not in ("aic", "bic")]
        rename = {"model": "Model", "npar": "Parameters", "df": "df", "chisq": "χ²", "chisq_scaled": "χ² (scaled)",
                  "chisq_diff": "Δχ² (scaled)" if robust else "Δχ²", "df_diff": "Δdf", "p_value": "p",
                  "cfi": f"CFI ({kind})" if robust else "CFI", "delta_cfi": "ΔCFI",
                  "rmsea": f"RMSEA ({kind})" if robust else "RMSEA", "delta_rmsea": "ΔRMSEA"}
        digits = {"aic": 1, "bic": 1, "chisq": 2, "chisq_scaled": 2, "chisq_diff": 2, "cfi": 3, "delta_cfi": 3,
                  "rmsea": 3, "delta_rmsea": 3}
        return fmt.table(self.table, columns=columns, rename=rename, digits=digits, integers=["df_diff"])

    def _repr_html_(self) -> str:
        return self._display().to_html(index=False)

    def summary(self) -> str:
        """Plain text in the spirit of lavaan's printed ``lavTestLRT()`` table."""
        lines = [f"{METHODS[self.method][:1].upper()}{METHODS[self.method][1:]} test ({self.estimator}), "
                 f"N = {self.nobs}" + (f" in {len(self.groups)} groups of '{self.group}'" if self.groups else ""),
                 self._display().to_string(index=False)]
        lines += [f"! {p}" for p in self.problems]
        return "\n".join(lines)

    def plain_summary(self, *, labels=None) -> PlainText:
        """Which model the data favour and why, for a reader without SEM training.

        Each restriction is judged by the difference test and by the fit-change rules (CFI
        may drop by at most ``rules[0]``, RMSEA rise by at most ``rules[1]``); when they
        disagree both verdicts are given with what the sample size means for the test.
        ``labels`` (a dict or a Codebook) names the groups.
        """
        name = label_lookup(labels)
        robust = self.estimator == "MLR"
        base = f"{fmt.integer(self.nobs)} respondents"
        if self.groups:
            base += " (" + every(f"{name(g)} {fmt.integer(n)}" for g, n in zip(self.groups, self.group_nobs,
                                                                                 strict=True)) + ")"
        ladder = every(f"{row.model} ({fmt.integer(row.df)} df)" for row in self.table.itertuples())
        test = METHODS[self.method] + (" test of the MLR (robust) fits" if robust else " test")
        lines = [f"- {len(self.table)} models fitted to the same {base}, from the least to the most restricted: "
                 f"{ladder}. Each is tested against the one before it by the {test}."]
        cut_cfi, cut_rmsea = self.rules
        rules = (f"the fit-change rules allow a CFI drop of at most {fmt.number(cut_cfi, 3).lstrip('0')} and an "
                 f"RMSEA rise of at most {fmt.number(cut_rmsea, 3).lstrip('0')}")
        rows = list(self.table.itertuples())
        for before, row in zip(rows, rows[1:], strict=False):
            lines.append(self._step_line(before, row, rules))
        lines.append(self._verdict_line())
        lines += self._caution_lines()
        return PlainText("\n".join(lines))

    def _step_line(self, before, row, rules: str) -> str:
        pair = f"**{row.model}** against **{before.model}**"
        change = (f"CFI changes by {fmt.number(row.delta_cfi, 3, signed=True)} and RMSEA by "
                  f"{fmt.number(row.delta_rmsea, 3, signed=True)}")
        if row.df_diff == 0:
            return (f"- {pair}: the two have the same degrees of freedom, so neither is nested in the other and no "
                    f"difference test applies; {change}. Compare them by AIC and BIC instead.")
        restrictions = f"{fmt.integer(row.df_diff)} restriction{'s' if row.df_diff != 1 else ''} more"
        if "fits better" in row.problems:
            return (f"- {pair} ({restrictions}): the more restricted {row.model} fits better (χ² "
                    f"{fmt.number(row.chisq, 2)} against {fmt.number(before.chisq, 2)}), which a nested model cannot "
                    f"do, so neither the difference test nor the fit-change rules can judge this step (see the caution "
                    f"below); {change}.")
        if row.lrt == "untested":
            return (f"- {pair} ({restrictions}): the difference test cannot be computed (see the caution below); "
                    f"{change} ({rules}).")
        stat = f"Δχ²({fmt.integer(row.df_diff)}) = {fmt.number(row.chisq_diff, 2)}, {fmt.p_text(row.p_value)}"
        lrt_ok, rule_ok = row.lrt == "holds", row.fit_rule == "holds"
        if lrt_ok and rule_ok:
            return (f"- {pair} ({restrictions}): the restrictions cost no significant fit ({stat}) and {change} "
                    f"({rules}): prefer the simpler {row.model}.")
        if not lrt_ok and not rule_ok:
            return (f"- {pair} ({restrictions}): the restrictions worsen fit by both criteria: the difference test "
                    f"rejects them ({stat}) and {change} ({rules}): keep {before.model}.")
        if not lrt_ok:
            return (f"- {pair} ({restrictions}): **the two criteria disagree**. The difference test rejects the "
                    f"restrictions ({stat}), but by the fit-change rules they hold ({change}; {rules}). "
                    + sample_size_note(True, self.nobs, "losses of fit"))
        return (f"- {pair} ({restrictions}): **the two criteria disagree**. The difference test finds no significant "
                f"loss of fit ({stat}), but by the fit-change rules the restrictions do not hold ({change}; {rules}). "
                + sample_size_note(False, self.nobs, "losses of fit") + f" Treat {row.model} with caution.")

    def _verdict_line(self) -> str:
        by_test, by_rule = self.preferred, self.preferred_fit_rule
        stopped = [row.model for row in self.table.itertuples()
                   if row.lrt == "untested" or row.fit_rule == "untested"]
        both = (f"**{by_test}** by both the difference tests and the fit-change rules" if by_test == by_rule else
                f"**{by_test}** by the difference tests, **{by_rule}** by the fit-change rules")
        untested = (f" The comparison stops at {stopped[0]}, which could not be tested against the model before it "
                    "(see the cautions below): the preference holds only up to there." if stopped else "")
        if not self.lowest_aic:  # WLSMV/ULSMV: no likelihood, so no AIC or BIC (as lavaan)
            return f"- Preferred: {both}.{untested}"
        ic = (f"AIC and BIC also favour {self.lowest_aic}" if self.lowest_aic == self.lowest_bic == by_test else
              f"AIC favours {self.lowest_aic} and BIC {self.lowest_bic}" if self.lowest_aic != self.lowest_bic else
              f"AIC and BIC favour {self.lowest_aic}")
        return (f"- Preferred: {both}.{untested} {ic} (lower is better; BIC penalises extra parameters more, so it "
                "leans to simpler models in large samples).")

    def _caution_lines(self) -> list[str]:
        out = []
        for problem in self.problems:
            source, _, rest = problem.partition(": ")
            if source.endswith("Warning"):  # from the comparison itself
                kind, message = source, rest
            else:  # a model's own problem, "name: Kind: message"
                kind, _, message = rest.partition(": ")
                message = f"model {source}: {message}"
            what = _PROBLEM_WORDS.get(kind, "a problem")
            out.append(f"- Caution ({what}): {message}")
        return out


def sample_size_note(chisq_rejects: bool, n_total: int, what: str) -> str:
    """What the sample size means when the chi-square test and the fit-change rules disagree
    about ``what`` ("losses of fit", "differences between groups")."""
    n = fmt.integer(n_total)
    if chisq_rejects:
        return (f"The chi-square test grows more sensitive with the sample (here {n} respondents) and in large "
                f"samples flags even trivial {what}; the fit-change rules, which do not grow with the sample, are "
                "the better guide to whether they matter in practice.")
    return f"With {n} respondents the chi-square test may be too weak to detect {what} that matter."


# --------------------------------------------------------------------------- compare
def compare(fit_a, fit_b=None, /, *more: SEMResult, method: str | None = None, names: Sequence[str] | None = None,
            alpha: float = 0.05, delta_cfi: float = 0.01, delta_rmsea: float = 0.015) -> ComparisonResult:
    r"""Compare nested models by chi-square difference tests (lavaan's ``lavTestLRT``/``anova``).

    Parameters
    ----------
    fit_a, fit_b, *more : results of :func:`cxstats.sem.fit` for nested models fitted to the
        same data (the same rows, variables, groups, estimator and missing-data handling),
        in any order; or one list, or one dict ``{name: result}``.
    method : the difference test; default as lavaan: the plain chi-square difference for ML
        fits, ``"satorra.bentler.2001"`` for MLR fits; ``"satorra.bentler.2010"`` (MLR) for
        the variant that evaluates the less restricted model at the estimates of the more
        restricted one (lavaan's spellings, e.g. ``"Satorra-Bentler-2010"``, are accepted).
    names : a name per model, in the order given (default ``"model 1"``, ``"model 2"``, ...).
    alpha : level of the difference tests.
    delta_cfi, delta_rmsea : the fit-change rules: a restriction holds by them when CFI drops
        by at most ``delta_cfi`` and RMSEA rises by at most ``delta_rmsea`` (Chen, 2007).

    Returns
    -------
    ComparisonResult
        ``table`` (``model, npar, df, aic, bic, chisq, [chisq_scaled, scaling_factor],
        chisq_diff, df_diff, p_value, [scaling_factor_diff | rmsea_diff], cfi, delta_cfi,
        rmsea, delta_rmsea, lrt, fit_rule, problems``), ``preferred``,
        ``preferred_fit_rule``, ``lowest_aic``, ``lowest_bic``, ``problems``;
        ``plain_summary()`` in words.

    Raises
    ------
    TypeError
        If an argument is not a fitted model.
    ComparisonError
        Fewer than two models; models fitted to different data (rows, variables, values,
        groups, missing-data handling), by different estimators, or with and without a mean
        structure; an estimator other than ML or MLR; an unknown method or one that does
        not fit the estimator.

    Warns
    -----
    NestingWarning
        Two models have the same df (no p-value, as lavaan), or a more restricted model fits
        better than a less restricted one (lavaan: "Some restricted models fit better ...").
    ScaledDifferenceWarning
        A Satorra-Bentler 2001 scaling factor is negative (the statistic is NaN, as lavaan),
        a 2010 statistic is negative, or the M10 information matrix is not positive definite.
    ConvergenceWarning
        A model did not converge (lavaan: "not all models converged").

    Notes
    -----
    ML: Δχ² = χ²_restricted − χ²_general on Δdf degrees of freedom, and lavaan's RMSEA of
    the difference sqrt(max(Δχ²/(N Δdf) − 1/N, 0) G). MLR, Satorra & Bentler (2001):
    cd = (df0 c0 − df1 c1)/(df0 − df1) and T = Δχ²/cd from the standard statistics and the
    Yuan-Bentler scaling factors c; Satorra & Bentler (2010) put c10, the scaling factor of
    the general model at the restricted model's estimates, in place of c1. AIC and BIC are
    lavaan's (also under MLR). Nesting is not checked beyond lavaan's checks: equal df and a
    restricted model that fits better are warned about. The M10 information matrix is
    checked in the model's own parameters, where parameters made equal by labels or
    ``group_equal`` are one parameter; lavaan checks it with a copy per group (tied by
    ``==`` rows), so lavaan may warn about it where compare() does not.

    Validated against lavaan 0.6.14 ``lavTestLRT()`` (tests/reference/lavaan_compare.R and
    lavaan_invariance.R): χ² differences to 1e-6, scaled differences to 1e-5 (relative),
    p-values, AIC and BIC, on the Holzinger-Swineford, Political Democracy and ECSI data,
    one and two groups, complete data and FIML.

    References
    ----------
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. Psychometrika, 66, 507-514.
    Satorra, A., & Bentler, P. M. (2010). Ensuring positiveness of the scaled difference
    chi-square test statistic. Psychometrika, 75, 243-248.
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14, 464-504.

    Examples
    --------
    >>> import cxstats, cxstats.sem as sem
    >>> mobi = cxstats.load_dataset("ecsi_mobile").data
    >>> free = sem.fit("CUSA =~ CUSA1 + CUSA2 + CUSA3\nCUSL =~ CUSL1 + CUSL2 + CUSL3", mobi)
    >>> equal = sem.fit("CUSA =~ CUSA1 + a*CUSA2 + a*CUSA3\nCUSL =~ CUSL1 + CUSL2 + CUSL3", mobi)
    >>> result = sem.compare(free, equal, names=["free", "equal"])  # In R: lavTestLRT(free, equal)
    >>> result.table[["model", "df", "chisq", "chisq_diff", "p_value"]].round(3)
       model   df   chisq  chisq_diff  p_value
    0   free  8.0  13.217         NaN      NaN
    1  equal  9.0  14.371       1.154    0.283
    >>> result.preferred
    'equal'
    """
    fits, labels = _models_of(fit_a, fit_b, more, names)
    _check_comparable(fits, labels)
    estimator = fits[0].estimator
    method = _method(method, estimator)
    order = sorted(range(len(fits)), key=lambda i: model_measures(fits[i])["df"])  # stable, as R's order()
    fits, labels = [fits[i] for i in order], [labels[i] for i in order]
    rows, problems, not_nested, failed = [], [], [], []
    bad = [name for name, f in zip(labels, fits, strict=True) if not f.converged]
    if bad:
        problems.append(warn(f"Model{'s' if len(bad) > 1 else ''} {every(repr(b) for b in bad)} did not converge: "
                             "their chi-squares, and the difference tests that use them, are not trustworthy. Refit "
                             "them (check the model, starting values or data) before comparing.", ConvergenceWarning))
    first = fits[0]
    ngroups = max(1, len(first.groups))
    for i, (f, label) in enumerate(zip(fits, labels, strict=True)):
        m = model_measures(f)
        row = {"model": label, "npar": m["npar"], "df": m["df"], "aic": m["aic"], "bic": m["bic"], "chisq": m["chisq"]}
        robust = estimator in ("MLR", *_ORDINAL)
        if robust:
            row.update(chisq_scaled=m["chisq_scaled"], scaling_factor=m["scaling_factor"])
        row.update(chisq_diff=math.nan, df_diff=math.nan, p_value=math.nan)
        row.update({"scaling_factor_diff": math.nan} if robust else {"rmsea_diff": math.nan})
        row.update(cfi=m["cfi"], delta_cfi=math.nan, rmsea=m["rmsea"], delta_rmsea=math.nan, lrt="", fit_rule="",
                   problems="")
        if i:
            previous, before = fits[i - 1], rows[-1]
            test = difference_test(previous, f, method=method)
            kinds = _check_pair(test, labels[i - 1], label, before, row, method, problems)
            not_nested += [label] if {"same df", "fits better"} & set(kinds) else []
            failed += [label] if {"negative scaling factor", "negative statistic"} & set(kinds) else []
            row.update(chisq_diff=test.chisq_diff, df_diff=test.df_diff, p_value=test.p_value,
                       delta_cfi=m["cfi"] - before["cfi"], delta_rmsea=m["rmsea"] - before["rmsea"],
                       problems="; ".join(kinds))
            if robust:
                row["scaling_factor_diff"] = test.scaling_factor
            else:
                row["rmsea_diff"] = fi.rmsea(max(test.unscaled, 0.0), test.df_diff, f.nobs, ngroups=ngroups) \
                    if test.df_diff > 0 else 0.0
            suspect = bool({"fits better", "same df", "negative statistic"} & set(kinds))
            row["lrt"] = ("untested" if suspect or not np.isfinite(test.p_value)
                          else "holds" if test.p_value >= alpha else "rejected")
            changes = (row["delta_cfi"], row["delta_rmsea"])
            row["fit_rule"] = ("untested" if not all(np.isfinite(changes)) or {"fits better", "same df"} & set(kinds)
                               else "holds" if -changes[0] <= delta_cfi and changes[1] <= delta_rmsea else "rejected")
        rows.append(row)
    table = pd.DataFrame(rows)
    problems += [f"{label}: {p}" for label, f in zip(labels, fits, strict=True) for p in f.problems]
    return ComparisonResult(
        table=table, models=dict(zip(labels, fits, strict=True)), estimator=estimator, method=method,
        nobs=int(first.nobs), group=first.group, groups=tuple(first.groups), group_nobs=tuple(first.group_nobs),
        preferred=_walk(table, "lrt"), preferred_fit_rule=_walk(table, "fit_rule"),
        lowest_aic=str(table.loc[table["aic"].idxmin(), "model"]) if table["aic"].notna().any() else "",
        lowest_bic=str(table.loc[table["bic"].idxmin(), "model"]) if table["bic"].notna().any() else "",
        not_nested=tuple(not_nested), scaling_failed=tuple(failed), problems=tuple(problems), alpha=alpha,
        rules=(delta_cfi, delta_rmsea))


def _check_pair(test: DifferenceTest, general: str, restricted: str, before: dict, row: dict, method: str,
                problems: list[str]) -> list[str]:
    """Warn about one pair's test as lavaan does; return the kinds of problem found."""
    kinds = []
    if test.unscaled < -_NEGATIVE_TOLERANCE and test.df_diff > 0:
        kinds.append("fits better")
        problems.append(warn(
            f"Model '{restricted}' ({fmt.integer(row['df'])} df) is more restricted than model '{general}' "
            f"({fmt.integer(before['df'])} df) but fits better (χ² {fmt.number(row['chisq'], 3)} against "
            f"{fmt.number(before['chisq'], 3)}): either the two are not nested, or '{general}' did not reach its "
            f"best fit. Check that '{restricted}' only adds restrictions (fixed or equal parameters) to "
            f"'{general}', and refit '{general}' from other starting values.", NestingWarning))
    if test.df_diff == 0:
        kinds.append("same df")
        problems.append(warn(
            f"Models '{general}' and '{restricted}' have the same degrees of freedom ({fmt.integer(row['df'])}), so "
            "neither is nested in the other and no difference test applies (its p-value is left empty, as in "
            "lavaan). Compare them by AIC and BIC, or check that one of them adds a restriction.", NestingWarning))
        return kinds
    if method == "standard":
        return kinds
    if not np.isfinite(test.chisq_diff):
        kinds.append("negative scaling factor")
        problems.append(warn(
            f"The scaled difference test of '{restricted}' against '{general}' cannot be computed: its scaling "
            "factor is negative (or a model has no scaling factor), which happens when the models are not nested "
            "or their scaling factors are far apart in a small sample. Check that the models are nested; "
            "method='satorra.bentler.2010' gives a test with another scaling factor.", ScaledDifferenceWarning))
    elif test.chisq_diff < 0 <= test.unscaled:
        kinds.append("negative statistic")
        problems.append(warn(
            f"The {METHODS[method]} of '{restricted}' against '{general}' is negative "
            f"({fmt.number(test.chisq_diff, 3)}; lavaan reports the same number), which a chi-square cannot be: "
            "its scaling factor is negative. Do not use this test; check that the models are nested and use "
            "method='satorra.bentler.2001' (the default).", ScaledDifferenceWarning))
    if test.m10_positive_definite is False:
        kinds.append("M10 information not positive definite")
        problems.append(warn(
            f"The information matrix of '{general}' at the estimates of '{restricted}' (the M10 model of the "
            "Satorra-Bentler 2010 test) is not positive definite (lavaan warns too); the 2010 test rests on it, so "
            "read it with caution and check it against method='satorra.bentler.2001'.", ScaledDifferenceWarning))
    return kinds


def _walk(table: pd.DataFrame, column: str) -> str:
    """The most restricted model reached while each added restriction holds by ``column``."""
    best = str(table["model"].iloc[0])
    for model, verdict in zip(table["model"].iloc[1:], table[column].iloc[1:], strict=True):
        if verdict != "holds":
            break
        best = str(model)
    return best
