"""The frozen result of ``cxstats.sem.fit``: tidy table, fit measures, R² and problems."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._results import Exportable, PlainText
from .._format import caution_lines, every, problems_html
from .._format import level as shown_level
from ..formatting import labels_of, p_text
from ._tables import TABLE_COLUMNS, fit_measures, parameter_table
from .inference import r_squared

__all__ = ["SEMResult", "PlainText", "TABLE_COLUMNS"]


_SECTIONS = (("=~", "Measurement (loadings)"), ("~", "Regressions"), ("|", "Thresholds"),
             ("~~", "Variances and covariances"), ("~1", "Intercepts"), ("~*~", "Scale factors"),
             (":=", "Defined parameters"))
_HEADLINE = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr")


@dataclass(frozen=True)
class SEMResult(Exportable):
    """A fitted structural equation model.

    Attributes
    ----------
    table : one row per parameter (free, fixed and ``:=`` defined): ``lhs, op, rhs, group,
        label, free, estimate, se, z, p_value, ci_low, ci_high, std_lv, std_all``.
    fit_measures : lavaan's ``fitMeasures`` names (npar, chisq, df, pvalue, baseline.chisq,
        baseline.df, cfi, tli, rmsea, rmsea.ci.lower, rmsea.ci.upper, rmsea.pvalue, srmr,
        aic, bic, logl, ...).
    r2 : R² of every endogenous variable.
    nobs, n_dropped : rows used, and rows dropped for missing values.
    converged, iterations, identified, heywood, nonpositive_latent : the state of the
        estimate; ``problems`` holds the warning messages, for reports.
    labels : the codebook's ``{code: label}`` when the model was fitted to a Survey (or with
        ``codebook=``): ``plain_summary()`` and ``plot()`` name variables by it.
    """

    nobs: int
    n_dropped: int
    converged: bool
    iterations: int
    identified: bool
    heywood: tuple[str, ...]
    nonpositive_latent: bool
    problems: tuple[str, ...]
    se_type: str
    estimator: str
    bootstrap_draws: int
    bootstrap_failed: int
    group: str | None
    groups: tuple
    group_nobs: tuple[int, ...]
    _model: Any = field(repr=False, compare=False)
    _spec: Any = field(repr=False, compare=False)
    _moments: Any = field(repr=False, compare=False)
    _theta: np.ndarray = field(repr=False, compare=False)
    _vcov: np.ndarray = field(repr=False, compare=False)
    _constraint_basis: Any = field(repr=False, compare=False)
    _estimate: Any = field(repr=False, compare=False)
    _defined: Any = field(repr=False, compare=False)
    _ci_level: float = field(repr=False, compare=False)
    _bootstrap: Any = field(repr=False, compare=False)
    _groups: Any = field(repr=False, compare=False)
    _group_moments: Any = field(repr=False, compare=False)
    _robust: Any = field(repr=False, compare=False)
    _missing_fit: Any = field(repr=False, compare=False)
    missing: str = "listwise"
    labels: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    ordered: tuple[str, ...] = ()  # the ordered (ordinal) indicators: fitted by WLSMV, ULSMV or DWLS
    parameterization: str | None = None  # "delta" or "theta" with ordered items
    polychoric_not_positive_definite: bool = False
    _ordinal: Any = field(default=None, repr=False, compare=False)

    _TABLES = {
        "table": ("Parameters", "Every parameter of the model (loadings, regressions, variances and covariances, "
                  "intercepts, defined effects): estimate, SE, z, p, confidence interval and the standardized "
                  "(std.all) estimate; fixed parameters have no SE."),
        "_fit_table": ("Fit measures", "lavaan's fit measures: the χ² test, CFI, TLI, RMSEA with its 90% interval, "
                       "SRMR, information criteria (AIC, BIC) and more."),
        "_r2_table": ("R²", "Share of the variance of each dependent variable (questions and concepts) that the "
                      "model explains."),
        "effects": ("Effects", "Standardized direct, indirect and total effects between the concepts of the "
                    "structural part."),
        "_latent_table": ("Latent correlations", "Model-implied correlations between the concepts (above about "
                          ".90: hardly distinguishable)."),
        "_modindices_table": ("Modification indices", "Score tests of parameters the model fixes: the expected drop in "
                       "χ² (mi) and change (epc, standardized sepc) if each were freed, largest first."),
    }

    # The tables are built when first read (and then kept): fitting many models, as a
    # bootstrap or an invariance ladder does, should not pay for pandas objects nobody reads.
    @cached_property
    def table(self) -> pd.DataFrame:
        if self._ordinal is not None:
            from ._ordinal_fit import ordinal_table
            return ordinal_table(self)
        table = parameter_table(self._groups.models, self._spec, self._estimate, self._vcov, self._defined,
                                self._ci_level)
        if self._bootstrap is not None:
            table = self._bootstrap.apply(table, np.array([r.free for r in self._spec.rows]) - 1)
        return table

    @cached_property
    def fit_measures(self) -> pd.Series:
        if self._ordinal is not None:  # WLSMV / ULSMV / DWLS: lavaan's measures for ordered items
            return pd.Series(self._ordinal.fit_measures, name="fit_measures", dtype=float)
        if self._missing_fit is not None:  # FIML: every measure from the incomplete-data likelihood
            return pd.Series(self._missing_fit.fit_measures, name="fit_measures", dtype=float)
        measures = fit_measures(self._groups, self._spec, self._group_moments, self._estimate)
        if self._robust is None:
            return measures
        extra = {k: v for k, v in self._robust.fit_measures.items() if k not in measures.index}
        return pd.concat([measures, pd.Series(extra, dtype=float)]).rename("fit_measures")

    @property
    def headline_fit(self) -> pd.Series:
        """The fit measures a report quotes: chisq, df, pvalue, cfi, tli, rmsea (with its 90%
        interval) and srmr; under MLR the scaled chi-square and the robust CFI, TLI and RMSEA."""
        fm = self.fit_measures
        names = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper")
        if self.estimator in ("WLSMV", "ULSMV"):
            source = ("chisq.scaled", "df.scaled", "pvalue.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled",
                      "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled")
        elif self.estimator == "MLR":
            source = ("chisq.scaled", "df.scaled", "pvalue.scaled", "cfi.robust", "tli.robust", "rmsea.robust",
                      "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
        else:
            source = names
        out = {name: fm[key] for name, key in zip(names, source, strict=True)}
        out["srmr"] = fm["srmr"]
        return pd.Series(out, name="fit")

    @cached_property
    def r2(self) -> pd.Series:
        if not self.groups:
            return pd.Series(r_squared(self._model, self._theta), name="r2")
        parts = {level: pd.Series(r_squared(ram, self._theta)) for level, ram in
                 zip(self.groups, self._groups.models, strict=True)}
        return pd.concat(parts, names=["group", "variable"]).rename("r2")

    # ------------------------------------------------------------------------------
    def modindices(self, *, minimum: float = 0.0, sort: bool = True) -> pd.DataFrame:
        """Modification indices (score tests of fixed-to-zero parameters), as lavaan's ``modindices()``.

        Returns ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all`` (and ``group`` after ``rhs`` in a
        multigroup model, where each candidate is tested in each group).
        """
        from .modindices import modification_indices

        if self._ordinal is not None:
            raise ValueError("Modification indices are not available for ordered items (WLSMV, ULSMV, DWLS) yet; "
                             "compare nested models with a scaled difference test instead.")
        table = modification_indices(self)
        if minimum > 0:
            table = table[table["mi"] >= minimum]
        if sort:
            table = table.sort_values("mi", ascending=False, kind="stable")
        return table.reset_index(drop=True)

    def _group_model(self, group):
        """The RAM model of ``group`` (default: the first group, or the only one)."""
        if not self.groups:
            if group is not None:
                raise ValueError("This model has one group; leave group= out.")
            return self._model
        level = self.groups[0] if group is None else group
        if level not in self.groups:
            raise ValueError(f"group={shown_level(group)} is not one of the model's groups: "
                             f"{', '.join(map(str, self.groups))}.")
        return self._groups.models[self.groups.index(level)]

    def latent_correlations(self, group=None) -> pd.DataFrame:
        """Model-implied correlations among the latent variables (a square DataFrame).

        Correlations above about .90 mean two constructs are hardly distinguishable
        (a discriminant-validity problem); their separate effects are then unstable.
        """
        model = self._group_model(group)
        total = model.implied(self._theta).total[model.p:, model.p:]
        sd = np.sqrt(np.clip(np.diag(total), 1e-300, None))
        names = list(model.spec.latent)
        return pd.DataFrame(total / np.outer(sd, sd), index=names, columns=names)

    def effects(self, group=None) -> pd.DataFrame:
        """Standardized direct, indirect and total effects between the variables of the
        structural part (every pair linked by a directed path).

        Returns ``outcome, predictor, direct, indirect, total`` (std.all metric). Total
        effects are ``(I - A*)^-1 - I`` with ``A*`` the standardized path matrix; for
        intervals use :meth:`indirect_effects` (each path through a mediator, with delta-method
        or bootstrap intervals) or labelled paths and ``:=``.
        """
        model = self._group_model(group)
        a = model.matrices(self._theta)[0]
        sd = np.sqrt(np.clip(np.diag(model.implied(self._theta).total), 1e-300, None))
        structural = sorted({*self.table.loc[self.table["op"] == "~", "lhs"], *self.table.loc[self.table["op"] == "~", "rhs"]},
                            key=list(model.names).index)
        index = [list(model.names).index(n) for n in structural]
        a_std = a[np.ix_(index, index)] * sd[index][None, :] / sd[index][:, None]
        total = np.linalg.inv(np.eye(len(index)) - a_std) - np.eye(len(index))
        rows = [
            {"outcome": structural[i], "predictor": structural[j], "direct": a_std[i, j],
             "indirect": total[i, j] - a_std[i, j], "total": total[i, j]}
            for i in range(len(index)) for j in range(len(index)) if i != j and abs(total[i, j]) > 1e-12
        ]
        return pd.DataFrame(rows, columns=["outcome", "predictor", "direct", "indirect", "total"])

    def explained_shares(self, outcome: str | Sequence[str] | None = None, *, predictors: Sequence[str] | None = None,
                         bootstrap: int = 0, seed: int | None = None, progress: bool | None = None):
        """Each predictor's part of the explained variance (R²) of each structural outcome.

        For every endogenous variable of the structural part (latent or observed), its R² is
        split among its direct predictors by **general dominance** (LMG, the Shapley value of
        R²: the exact algorithm of :func:`cxstats.relative_importance`) and by **Johnson's
        relative weights**, both computed on the model-implied correlation matrix (for
        latent variables lavaan's ``lavInspect(fit, "cor.lv")``), in every group.

        Parameters
        ----------
        outcome : one outcome, several, or None for every outcome of a ``~`` statement.
        predictors : split the R² of one ``outcome`` among these variables instead of its
            direct predictors (e.g. the exogenous drivers, for shares of a reduced form);
            the R² is then that of the outcome regressed on them in the implied correlations.
        bootstrap : 0 (default) uses the fit's own bootstrap draws when it was fitted with
            ``se="bootstrap"`` (same resamples and interval type as its parameter table) and
            delta-method Wald intervals otherwise; a number of draws (at least 10) refits the
            model to that many resamples now. Bootstrap intervals respect the 0-1 bounds of
            the shares; prefer them for reporting.
        seed : fixes the new bootstrap draws.
        progress : progress bar for the new bootstrap (default: only when interactive).

        Returns
        -------
        ExplainedShares
            ``.table``: ``outcome, predictor, group, r2, r2_ci_low, r2_ci_high, dominance,
            dominance_se, dominance_ci_low, dominance_ci_high, share, share_se, share_ci_low,
            share_ci_high, relative_weight, relative_weight_ci_low, relative_weight_ci_high,
            rank`` (proportions: ``dominance`` is the part of the outcome's variance, summing
            to ``r2``; ``share = dominance / r2`` the part of the explained variance, summing
            to 1); ``.statement(outcome, predictor)`` one quotable sentence;
            ``.plain_summary()``; ``.problems``.

        Raises
        ------
        cxstats.sem.ModelSpecificationError
            No regressions in the model; ``outcome`` is not the left side of a ``~``;
            ``predictors`` with several outcomes, or naming the outcome or unknown
            variables; ``bootstrap`` not 0 or at least 10; ``bootstrap`` on a fit to
            summary statistics.

        Warns
        -----
        DecompositionWarning
            The outcome's residual is correlated with a predictor, so the shares split the
            R² of the implied regression, not the model's R² (also in ``problems``).

        Notes
        -----
        ``dominance_j = sum_S |S|! (p-|S|-1)! / p! [R²(S+j) - R²(S)]`` over the subsets S of
        the other predictors, with every R² from the implied correlations; Johnson's weights
        ``eps_j = sum_k Lambda_jk² beta_k²`` with ``Lambda = R_xx^{1/2}`` and
        ``beta = Lambda^-1 r_xy``. Delta-method SEs differentiate these numerically with
        respect to the free parameters. Checked against lavaan 0.6.14 ``cor.lv`` with an R
        subset enumeration and Johnson's weights by hand
        (tests/reference/lavaan_shares_mediation.R), and against
        :func:`cxstats.relative_importance` on a saturated observed path model (where the
        implied correlations are the sample ones).

        References
        ----------
        Lindeman, Merenda & Gold (1980); Budescu (1993), Psychological Bulletin 114;
        Azen & Budescu (2003), Psychological Methods 8; Johnson (2000), Multivariate
        Behavioral Research 35.

        Examples
        --------
        >>> import cxstats, cxstats.sem as sem
        >>> panel = cxstats.simulate_cx_panel(100, seed=1)
        >>> model = '''
        ... REL =~ REL1 + REL2 + REL3
        ... EMO =~ EMO1 + EMO2 + EMO3
        ... SAT =~ SAT1 + SAT2 + SAT3
        ... LOY =~ LOY1 + LOY2 + LOY3
        ... EMO ~ REL
        ... SAT ~ EMO + REL
        ... LOY ~ SAT + EMO
        ... '''
        >>> fit = sem.fit(model, panel.data)
        >>> shares = fit.explained_shares("SAT")
        >>> shares.table[["predictor", "r2", "dominance", "share"]].round(2)
          predictor    r2  dominance  share
        0       EMO  0.57       0.25   0.44
        1       REL  0.57       0.32   0.56
        >>> print(shares.statement("SAT", "EMO", labels={"EMO": "Emotional experience", "SAT": "satisfaction"}))
        Emotional experience accounts for 25% of the differences in satisfaction (95% CI 18% to 32%), that is 44% (33% to 55%) of the 57% the model explains (general dominance on the model-implied correlations; delta-method interval; 400 respondents).

        In lavaan: ``lavInspect(fit, "cor.lv")`` gives the correlations; R's relaimpo
        (``calc.relimp(..., type = "lmg")``) splits R² the same way on observed data.
        """
        from .shares import explained_shares

        return explained_shares(self, outcome, predictors=predictors, bootstrap=bootstrap, seed=seed,
                                progress=progress)

    def indirect_effects(self, through: str | Sequence[str] | None = None, *, predictor: str | None = None,
                         outcome: str | None = None, bootstrap: int = 0, seed: int | None = None,
                         progress: bool | None = None):
        """Indirect effects through mediators (e.g. emotion), with intervals and proportion mediated.

        Lists every directed path of the structural part from a predictor to an outcome that
        passes through a mediator in ``through`` (QUAL → EMO → SAT, QUAL → EMO → SAT → LOY,
        ...), without writing ``:=`` statements.

        Parameters
        ----------
        through : a mediator or several (variables that are both predicted and predictors);
            None: every mediator of the model.
        predictor, outcome : keep only the paths from / to this variable.
        bootstrap : 0 (default) uses the fit's own bootstrap draws when it was fitted with
            ``se="bootstrap"`` (same resamples and interval type as its ``:=`` rows), and
            delta-method Wald intervals otherwise; a number of draws (at least 10) refits the
            model to that many resamples now. Bootstrap intervals are the usual choice for
            indirect effects (products of coefficients are not normally distributed).
        seed : fixes the new bootstrap draws.
        progress : progress bar for the new bootstrap (default: only when interactive).

        Returns
        -------
        IndirectEffects
            ``.table``: ``predictor, mediator, outcome, path, group, estimate, se, z,
            p_value, ci_low, ci_high, std_all, std_se, std_ci_low, std_ci_high, total, std_total,
            proportion, proportion_ci_low, proportion_ci_high``; a predictor that reaches
            an outcome by several paths through the mediator also gets their sum ("X → … → Y
            (all via M)"); ``.plain_summary()``; ``.inconsistent``; ``.problems``.

        Raises
        ------
        cxstats.sem.ModelSpecificationError
            No regressions; ``through`` is not a mediator; ``predictor``/``outcome`` not in
            the structural model; no path through the mediator; ``bootstrap`` not 0 or at
            least 10, or given for a fit to summary statistics.

        Warns
        -----
        DecompositionWarning
            Inconsistent mediation (indirect effect and the rest of the total effect of
            opposite signs): the proportion mediated is not a share (also in ``problems``
            and ``inconsistent``).

        Notes
        -----
        The effect of a path is the product of its regression coefficients; its std.all
        value multiplies by ``sd(X) / sd(Y)`` (model-implied); the total effect is the
        ``(Y, X)`` entry of ``(I - B)^-1 - I`` (B the regression coefficients); the
        proportion mediated is indirect / total. Delta-method SEs differentiate these
        numerically with respect to the free parameters. Estimates and delta-method SEs
        match lavaan 0.6.14 ``:=`` (and ``standardizedSolution()`` for std.all) to 1e-6
        (tests/reference/lavaan_shares_mediation.R); bootstrap intervals reuse the draws
        and interval code of ``se="bootstrap"``.

        References
        ----------
        Preacher & Hayes (2008), Behavior Research Methods 40; Zhao, Lynch & Chen (2010),
        Journal of Consumer Research 37 (consistent and inconsistent mediation).

        Examples
        --------
        With ``fit`` from the example of :meth:`explained_shares`:

        >>> import cxstats, cxstats.sem as sem
        >>> panel = cxstats.simulate_cx_panel(100, seed=1)
        >>> model = '''
        ... REL =~ REL1 + REL2 + REL3
        ... EMO =~ EMO1 + EMO2 + EMO3
        ... SAT =~ SAT1 + SAT2 + SAT3
        ... LOY =~ LOY1 + LOY2 + LOY3
        ... EMO ~ REL
        ... SAT ~ EMO + REL
        ... LOY ~ SAT + EMO
        ... '''
        >>> fit = sem.fit(model, panel.data)
        >>> effects = fit.indirect_effects("EMO", outcome="SAT")
        >>> effects.table[["path", "estimate", "ci_low", "ci_high", "proportion"]].round(2)
                      path  estimate  ci_low  ci_high  proportion
        0  REL → EMO → SAT      0.14    0.08     0.19        0.21

        For reports, bootstrap intervals: ``fit.indirect_effects("EMO", bootstrap=1000, seed=1)``
        (in lavaan: ``ind := a*b`` with ``se = "bootstrap"``).
        """
        from .mediation import indirect_effects

        return indirect_effects(self, through, predictor=predictor, outcome=outcome, bootstrap=bootstrap, seed=seed,
                                progress=progress)

    def plain_summary(self, outcome: str, *, labels: dict[str, str] | None = None, group=None) -> PlainText:
        """A few sentences for a stakeholder: how well the model fits, and what drives ``outcome``
        (in ``group`` of a multigroup model; default the first).

        Fit is called good when CFI >= .95, RMSEA <= .06 and SRMR <= .08 (Hu & Bentler, 1999),
        acceptable when CFI >= .90 and RMSEA <= .08, otherwise poor.
        """
        from .. import formatting as fmt

        labels = {**self.labels, **labels_of(labels)}
        name = lambda v: labels.get(str(v), str(v))  # noqa: E731
        signed = lambda v: fmt.number(v, 2, signed=True)  # noqa: E731
        fm = self.headline_fit
        if fm["cfi"] >= 0.95 and fm["rmsea"] <= 0.06 and fm["srmr"] <= 0.08:
            verdict = "fits the data well"
        elif fm["cfi"] >= 0.90 and fm["rmsea"] <= 0.08:
            verdict = "fits the data acceptably"
        else:
            verdict = "fits the data poorly, so its numbers are a rough guide only"
        effects = self.effects(group)
        level = self._group_model(group).spec.groups[0] if self.groups else None
        drivers = effects[effects["outcome"] == outcome].sort_values("total", key=np.abs, ascending=False)
        if drivers.empty:
            raise KeyError(f"'{outcome}' is not an outcome of the structural model; outcomes: "
                           f"{', '.join(sorted(set(effects['outcome'])))}.")
        top = drivers.iloc[0]
        where = f" In the group {name(self.group)} = {name(level)}:" if level is not None else ""
        if self.groups:
            sizes = ", ".join(f"{name(g)} {fmt.integer(n)}" for g, n in zip(self.groups, self.group_nobs, strict=False))
            base = f"{fmt.integer(self.nobs)} respondents: {sizes}"
        else:
            base = f"{fmt.integer(self.nobs)} respondents"
        lines = [f"- The model {verdict} (CFI {fmt.number(fm['cfi'], 3)}, RMSEA {fmt.number(fm['rmsea'], 3)}, SRMR "
                 f"{fmt.number(fm['srmr'], 3)}; {base}).{where}",
                 f"- **{name(top['predictor'])}** has the largest total effect on {name(outcome)}: one standard "
                 f"deviation more goes with {signed(top['total'])} standard deviations of {name(outcome)}"
                 + (f", {fmt.percent(abs(top['indirect']) / max(abs(top['total']), 1e-12))} of it through other "
                    "drivers." if abs(top["indirect"]) > 0.05 * abs(top["total"]) else ".")]
        others = [f"{name(r.predictor)} ({signed(r.total)})" for r in drivers.iloc[1:].itertuples()]
        if others:
            lines.append(f"- Next: {every(others)} (standardized total effects).")
        r2 = self.r2.xs(level, level="group") if level is not None else self.r2
        if outcome in r2.index:
            lines.append(f"- Together the drivers explain {fmt.percent(r2[outcome])} of the differences in "
                         f"{name(outcome)} (R² = {fmt.number(r2[outcome], 2)}).")
        # cautions first, right after the fit: they decide whether the effects can be read at all
        cautions = caution_lines(self.problems,
                                 then=" The estimates below are not trustworthy until this is resolved.")
        corr = self.latent_correlations(group) if self._spec.latent else pd.DataFrame()
        close = [f"{name(a)} and {name(b)} ({fmt.number(corr.loc[a, b], 2)})" for i, a in enumerate(corr.index)
                 for b in corr.index[i + 1:] if abs(corr.loc[a, b]) > 0.90]
        if close:
            cautions.append(f"- Caution: respondents hardly distinguish {'; '.join(close)}; the separate "
                            "effects of these constructs are unstable.")
        if (drivers["total"].abs() > 1).any():
            cautions.append("- Caution: a standardized effect beyond ±1 is not a real effect of that size; it comes "
                            "from concepts so closely related that the model cannot separate them. Read the effects "
                            "below as unreliable.")
        lines[1:1] = cautions
        return PlainText("\n".join(lines))

    def plot(self, *, show: str = "structural", title: str | None = None, labels: dict[str, str] | None = None,
             group=None):
        """Path diagram with standardized coefficients and significance stars; ``labels``
        renames variables for readers (e.g. ``{"CUSA": "Satisfaction"}``), on top of the
        codebook labels kept on the result. Two variables that a label would merge (an item
        labelled like its construct) keep their codes."""
        from ._diagram import path_diagram

        table, r2 = self.table, self.r2
        if self.groups:  # one diagram per group: the first unless group= names another
            level = self._group_model(group).spec.groups[0]
            table = table[(table["group"] == level) | (table["op"] == ":=")]
            r2 = r2.xs(level, level="group")
            title = title or f"{self.group} = {level}"
        if show == "structural" and not (table["op"] == "~").any():
            show = "full"  # a measurement model (CFA): draw factors and their items
        labels = _distinct_labels({**self.labels, **labels_of(labels)}, {*table["lhs"], *table["rhs"]})
        if labels:
            table = table.assign(lhs=table["lhs"].replace(labels), rhs=table["rhs"].replace(labels))
            r2 = r2.rename(index=labels)
        return path_diagram(table, r2, show=show, title=title)


    # ------------------------------------------------------------------------------ export
    def _fit_table(self) -> pd.DataFrame:
        from ..formatting import _FIT_NAMES

        fm = self.fit_measures
        return pd.DataFrame({"measure": [_FIT_NAMES.get(k, k) for k in fm.index], "lavaan_name": list(fm.index),
                             "value": fm.to_numpy()})

    def _tables(self) -> dict:
        tables = super()._tables()
        fit = tables["Fit measures"]
        tables["Fit measures"] = type(fit)(fit.frame, fit.description, {"value": self._fit_formats()})
        return tables

    def _fit_formats(self) -> list[str]:
        """The number format of each fit measure: counts as integers, p-values as p."""
        return ["integer" if k in ("npar", "ntotal") or "df" in k.split(".") else
                "p" if "pvalue" in k else "number" for k in self.fit_measures.index]

    def _r2_table(self) -> pd.DataFrame:
        return self.r2.rename_axis(["group", "variable"] if self.groups else "variable").reset_index()

    def _modindices_table(self) -> pd.DataFrame | None:
        return None if self.missing == "fiml" or self._ordinal is not None else self.modindices()  # score tests need complete data

    def _latent_table(self) -> pd.DataFrame | None:
        return self.latent_correlations() if self._spec.latent else None

    def _final_outcomes(self) -> list[str]:
        """The final outcomes of the structural part: variables regressed on others that predict
        nothing themselves (Loyalty in the ECSI model), in model order."""
        paths = self.table[self.table["op"] == "~"]
        return [v for v in dict.fromkeys(paths["lhs"]) if v not in set(paths["rhs"])]

    def _plain_text(self, labels=None) -> str:
        """The plain summary for each final outcome (one for a CFA: the fit)."""
        from .. import formatting as fmt

        outcomes = self._final_outcomes()
        if not outcomes:
            fm = self.headline_fit
            lines = [f"- Measurement model (no paths between concepts), {fmt.integer(self.nobs)} respondents: "
                     f"CFI {fmt.number(fm['cfi'], 3)}, RMSEA {fmt.number(fm['rmsea'], 3)}, SRMR "
                     f"{fmt.number(fm['srmr'], 3)}."]
            lines += caution_lines(self.problems)
            return "\n".join(lines)
        seen: list[str] = []
        for outcome in outcomes:
            seen += [line for line in str(self.plain_summary(outcome, labels=labels)).splitlines() if line not in seen]
        return "\n".join(seen)

    # ------------------------------------------------------------------------------
    def _headline(self) -> str:
        fm = self.headline_fit
        scaled = "scaled " if self.estimator == "MLR" else ""
        robust = "robust " if self.estimator == "MLR" else ""
        groups = f" in {len(self.groups)} groups of '{self.group}'" if self.groups else ""
        return (
            f"N = {self.nobs}{groups}; {scaled}chi-square({fm['df']:.0f}) = {fm['chisq']:.3f}, {p_text(fm['pvalue'])}; "
            f"{robust}CFI = {fm['cfi']:.3f}, TLI = {fm['tli']:.3f}; {robust}RMSEA = {fm['rmsea']:.3f} "
            f"[{fm['rmsea.ci.lower']:.3f}, {fm['rmsea.ci.upper']:.3f}]; SRMR = {fm['srmr']:.3f}"
        )

    def summary(self) -> str:
        """A plain-text summary in the spirit of lavaan's ``summary(fit, standardized = TRUE)``."""
        lines = [f"cxstats SEM ({self.estimator}, {self.se_type} SEs) — " + ("converged" if self.converged else "NOT converged")
                 + f" after {self.iterations} iterations", self._headline()]
        if self.n_dropped:
            how = ("(no answers, or a missing covariate)" if self.missing == "fiml" else "(listwise)")
            lines.append(f"{self.n_dropped} rows with missing values were dropped {how}.")
        if self.missing == "fiml":
            lines.append("Missing values: full-information ML (every answered value used).")
        for problem in self.problems:
            lines.append(f"! {problem}")
        for op, title in _SECTIONS:
            part = self.table[self.table["op"] == op]
            if part.empty:
                continue
            lines += ["", title]
            columns = ["group"] * bool(self.groups) + ["lhs", "op", "rhs", "label", "estimate", "se", "z",
                                                         "p_value", "std_all"]
            shown = part[columns]
            lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep=""))
        if len(self.r2):
            lines += ["", "R-square", self.r2.to_string(float_format=lambda v: f"{v:.3f}")]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        problems = problems_html(self.problems)
        shown = (self.table if self.groups else self.table.drop(columns=["group"])).round(3)
        return (f"<p><b>Structural equation model</b> — {html.escape(self._headline())}</p>{problems}"
                + shown.to_html(index=False, na_rep=""))


def _distinct_labels(labels: Mapping[str, str], names: set) -> dict[str, str]:
    """``labels`` for the diagram's ``names``, except those sharing a label with another name (kept as codes)."""
    chosen = {str(n): str(labels[str(n)]) for n in names if str(n) in labels}
    counts: dict[str, int] = {}
    for name in names:
        text = chosen.get(str(name), str(name))
        counts[text] = counts.get(text, 0) + 1
    return {n: text for n, text in chosen.items() if counts[text] == 1}
