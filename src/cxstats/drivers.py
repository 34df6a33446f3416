"""Driver analysis: which quality dimensions move loyalty or satisfaction, and how much.

``driver_regression`` fits OLS (classical or HC3 standard errors, via statsmodels) or a
logistic model for a binary outcome, with standardized betas, VIFs and the condition
number, and warns when collinearity makes a ranking of drivers meaningless.
``relative_importance`` splits R² among correlated drivers by the LMG / Shapley method
(exact, all 2^p subsets), with bootstrap intervals for each share and for the differences
between shares ("is reliability really ahead of empathy?").

Validated against R: ``lm``, ``sandwich::vcovHC``, ``car::vif``, ``glm`` and an independent
subset-enumeration LMG (tests/reference/drivers_lm_sandwich_car.R).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ._errors import CxStatsError, CxStatsWarning
from ._format import caution_lines, label_lookup, listing
from ._importance import CHUNK
from ._importance import lmg as exact_lmg
from ._results import Exportable, PlainText
from .data.codebook import Codebook
from ._sufficient import Sample, check_items, needs_rows, ols, samples
from ._validation import (check_frame, count, declared_scale, labels_from, moments_parts, numeric_columns, one_of,
                          survey_parts, within_scale)
from ._validation import ci_level as check_ci_level
from .data.codebook import Codebook
from .sem._problems import ConvergenceWarning
from ._validation import warn
from ._progress import progress_bar

if TYPE_CHECKING:
    from ._moments import Moments

__all__ = ["CollinearityWarning", "DriverResult", "IPMAResult", "ImportanceResult", "driver_regression",
           "importance_performance", "relative_importance"]

_VIF_LIMIT, _CONDITION_LIMIT = 10.0, 30.0


class CollinearityWarning(CxStatsWarning):
    """Drivers are so correlated that their separate effects (and ranking) are unstable."""


@dataclass(frozen=True)
class DriverResult(Exportable):
    """``table``: one row per term (``term, estimate, se, statistic, df, p_value, ci_low,
    ci_high, std_beta, vif``; logistic models add ``odds_ratio, or_ci_low, or_ci_high`` and
    ``ame, ame_se, ame_ci_low, ame_ci_high``, the average marginal effect on the probability
    with its delta-method standard error and interval). Scalars: ``nobs``, ``r2``, ``adj_r2`` (OLS),
    ``condition_number``; ``problems`` lists collinearity warnings for reports; ``outcome``;
    ``labels``: the codebook's ``{code: label}`` when one was given."""

    _TABLES = {
        "table": ("Drivers", "One row per driver: regression coefficient, SE, test, p, 95% CI, standardized "
                  "coefficient (β) and VIF (collinearity)."),
    }

    table: pd.DataFrame
    nobs: int
    r2: float
    adj_r2: float
    condition_number: float
    family: str
    se_type: str
    problems: tuple[str, ...]
    outcome: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        head = f"<p>{self.family} driver model, N = {self.nobs}, R² = {self.r2:.3f}</p>"
        return head + self.table.round(3).to_html(index=False, na_rep="")

    def plain_summary(self, *, labels: Mapping[str, str] | None = None) -> PlainText:
        """Sentences for a stakeholder: how much the drivers explain and which go with the outcome.

        A driver "goes with" the outcome when its interval excludes zero (the other drivers
        held equal); drivers are ordered by the size of their standardized effect. ``labels``
        (a dict or a Codebook) adds to or replaces the codebook labels kept on the result.
        """
        from . import formatting as fmt
        from ._format import every

        name = label_lookup(labels, own=self.labels)
        outcome = name(self.outcome) if self.outcome else "the outcome"
        terms = self.table[(self.table["term"] != "(Intercept)") & self.table["se"].notna()]
        terms = terms.reindex(terms["std_beta"].abs().sort_values(ascending=False).index)
        lines = caution_lines(self.problems)
        if self.family == "gaussian":
            lines.append(f"- Together the drivers explain {fmt.percent(self.r2)} of the differences in {outcome} "
                         f"(R² = {fmt.number(self.r2, 2)}, {fmt.integer(self.nobs)} respondents).")
        else:
            lines.append(f"- A {'logistic' if self.family == 'binomial' else 'proportional-odds'} model of {outcome} "
                         f"on the drivers ({fmt.integer(self.nobs)} respondents; McFadden's pseudo R² = "
                         f"{fmt.number(self.r2, 2)}).")
        clear = terms[(terms["ci_low"] > 0) | (terms["ci_high"] < 0)]
        for row in clear.itertuples():
            if self.family == "gaussian":
                effect = (f"one point more goes with {fmt.estimate(row.estimate, row.ci_low, row.ci_high)} points of "
                          f"{outcome}")
            else:
                effect = (f"one point more multiplies the odds of {'a higher ' if self.family == 'ordinal' else ''}"
                          f"{outcome} by {fmt.estimate(np.exp(row.estimate), np.exp(row.ci_low), np.exp(row.ci_high))}")
            standardized = (f"; standardized β {fmt.number(row.std_beta, 2, signed=True)}"
                            if self.family == "gaussian" else "")
            lines.append(f"- **{name(row.term)}**: {effect} ({fmt.p_text(row.p_value)}{standardized}), the other "
                         "drivers held equal.")
        unclear = [name(t) for t in terms["term"] if t not in set(clear["term"])]
        if unclear:
            lines.append(f"- No clear association, once the other drivers are held equal: {every(unclear)} (intervals "
                         "include zero).")
        if not clear.empty:
            lines.append("- These are associations in one survey, not proof that changing a driver changes "
                         f"{outcome}.")
        return PlainText("\n".join(lines))


@dataclass(frozen=True)
class ImportanceResult(Exportable):
    """``table``: ``term, lmg, mc_se, share, share_ci_low, share_ci_high, rank`` (share in % of
    R²; ``mc_se`` the Monte-Carlo standard error of ``lmg``, 0 for the exact method);
    ``differences``: ``term_a, term_b, difference, ci_low, ci_high`` (share of a minus share of
    b, percentage points; empty without bootstrap); ``r2``, ``nobs``, ``bootstrap``,
    ``method`` (``"exact"`` or ``"sampled"``), ``permutations`` (sampled only), ``outcome`` and
    ``labels`` (the codebook's ``{code: label}`` when one was given)."""

    _TABLES = {
        "table": ("Importance", "Relative importance (LMG): each driver's share of the explained variance "
                  "(R²), with its bootstrap interval and rank.", {"share": "points", "share_ci_low": "points",
                                                                  "share_ci_high": "points"}),
        "differences": ("Differences", "Differences between the drivers' shares of R² (percentage points) "
                        "with bootstrap intervals; empty without a bootstrap."),
    }

    table: pd.DataFrame
    differences: pd.DataFrame
    r2: float
    nobs: int
    bootstrap: int
    method: str = "exact"
    permutations: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    outcome: str = ""

    def _repr_html_(self) -> str:
        return f"<p>R² = {self.r2:.3f} (N = {self.nobs})</p>" + self.table.round(2).to_html(index=False, na_rep="")

    def difference(self, a: str, b: str) -> pd.Series:
        """Share of ``a`` minus share of ``b`` (percentage points) with its bootstrap interval.

        Returns a Series with ``difference, ci_low, ci_high`` whichever order the pair is
        stored in ``differences``.
        """
        if self.differences.empty:
            raise CxStatsError("The relative importance was computed without bootstrap, so its differences have no "
                               "interval; rerun relative_importance() with bootstrap=1000.")
        d = self.differences
        forward = d[(d["term_a"] == a) & (d["term_b"] == b)]
        backward = d[(d["term_a"] == b) & (d["term_b"] == a)]
        if forward.empty and backward.empty:
            raise CxStatsError(f"No difference between '{a}' and '{b}': both must be drivers of this result "
                               f"({listing(self.table['term'], limit=20, quote=True)}) and differ from each other.")
        if not forward.empty:
            return forward.iloc[0][["difference", "ci_low", "ci_high"]].astype(float)
        row = backward.iloc[0]
        return pd.Series({"difference": -row["difference"], "ci_low": -row["ci_high"], "ci_high": -row["ci_low"]})

    def plain_summary(self, *, labels: dict[str, str] | None = None) -> PlainText:
        """Sentences for a stakeholder: the leading drivers and whether their order is certain.

        ``labels`` (a dict or a Codebook) names the drivers (added to the codebook labels kept
        on the result).
        """
        from . import formatting as fmt

        name = label_lookup(labels, own=self.labels)
        ranked = self.table.sort_values("rank")

        def share(row) -> str:
            low, high = row.get("share_ci_low"), row.get("share_ci_high")
            if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
                return (f"{fmt.number(row.share, 0)}% of the explained part, bootstrap interval "
                        f"{fmt.number(low, 0)}–{fmt.number(high, 0)}%")
            return f"{fmt.number(row.share, 0)}% of the explained part"

        outcome = name(self.outcome) if self.outcome else "the outcome"
        lines = [f"- Together the drivers explain {fmt.percent(self.r2)} of the differences in {outcome} "
                 f"(R² = {fmt.number(self.r2, 2)}, {fmt.integer(self.nobs)} respondents)."]
        if len(ranked) == 1:
            lines.append(f"- The only driver is **{name(ranked.iloc[0].term)}**.")
            return PlainText("\n".join(lines))
        first, second = ranked.iloc[0], ranked.iloc[1]
        lines.append(f"- The most important are **{name(first.term)}** ({share(first)}) and "
                     f"**{name(second.term)}** ({share(second)}).")
        if not self.differences.empty:
            pair = self.differences[((self.differences["term_a"] == first.term) & (self.differences["term_b"] == second.term))
                                    | ((self.differences["term_a"] == second.term) & (self.differences["term_b"] == first.term))]
            row = pair.iloc[0]
            tied = row["ci_low"] <= 0 <= row["ci_high"]
            lines.append("- Their order is not certain: the bootstrap interval of the difference includes zero."
                         if tied else "- The first is clearly ahead: the bootstrap interval of the difference excludes zero.")
        if len(ranked) > 2:
            weakest = ranked.iloc[-1]
            lines.append(f"- The least important is {name(weakest.term)} ({share(weakest)}).")
        return PlainText("\n".join(lines))


def _driver_names(outcome: str, drivers: Sequence[str], where: str) -> list[str]:
    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    if not drivers:
        raise CxStatsError("Name at least one driver.")
    if outcome in drivers:
        raise CxStatsError(f"'{outcome}' is both the outcome and a driver.")
    repeated = list(dict.fromkeys(d for d in drivers if drivers.count(d) > 1))
    if repeated:
        raise CxStatsError(f"{where}: driver(s) {listing(repeated, quote=True)} are named more than once; name each once.")
    return drivers


def _design(data: pd.DataFrame, outcome: str, drivers: Sequence[str], where: str = "driver analysis"
            ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    check_frame(data, where=where)
    named = [drivers] if isinstance(drivers, str) else list(drivers)
    absent = [c for c in [outcome, *named] if c not in data.columns]
    if absent and named:
        raise CxStatsError(f"No column {listing(absent, quote=True)} in the data; columns: {listing(data.columns, limit=20)}.")
    drivers = _driver_names(outcome, drivers, where)
    numeric = numeric_columns(data, [outcome, *drivers], where=where, role="column")
    frame = numeric.dropna()
    n, p = len(frame), len(drivers)
    if n < p + 2:
        sparse = numeric.isna().sum().sort_values(ascending=False)
        worst = [f"'{c}' ({m} missing)" for c, m in sparse.items() if m][:3]
        raise CxStatsError(f"{n} complete rows are too few for {p} drivers; at least {p + 2} are needed. The most "
                           f"missing values are in {', '.join(worst) or 'no column'}.")
    x, y = frame[drivers].to_numpy(dtype=float), frame[outcome].to_numpy(dtype=float)
    constant = [d for d, v in zip(drivers, x.var(axis=0), strict=True) if v == 0]
    if constant:
        raise CxStatsError(f"Driver(s) {listing(constant, quote=True)} do not vary in the complete rows; drop them.")
    _check_rank(x, drivers)
    return x, y, drivers


def _check_rank(x: np.ndarray, drivers: list[str]) -> None:
    """Name a driver that is an exact linear combination of others (and which others)."""
    design = np.column_stack([np.ones(len(x)), x])
    if np.linalg.matrix_rank(design) == design.shape[1]:
        return
    for j, name in enumerate(drivers):
        others = np.delete(design, j + 1, axis=1)
        coef, *_ = np.linalg.lstsq(others, x[:, j], rcond=None)
        if np.allclose(others @ coef, x[:, j], atol=1e-8 * max(1.0, np.abs(x[:, j]).max())):
            rest = [drivers[k] for k in range(len(drivers)) if k != j and abs(coef[k + 1 if k < j else k]) > 1e-8]
            raise CxStatsError(
                f"Driver '{name}' is a linear combination of {listing(rest, quote=True)} (plus a constant); "
                "their separate effects cannot be estimated. Drop one of them or combine them into one score."
            )


def _sufficient_design(moments, outcome: str, drivers: Sequence[str], where: str) -> tuple[Sample, list[str]]:
    """The pooled statistics of the outcome and the drivers from a Moments, with the checks of :func:`_design`."""
    drivers = _driver_names(outcome, drivers, where)
    check_items(moments, [outcome, *drivers], where=where, role="column")
    p = len(drivers)
    n = int(moments.total().n[None])
    if n < p + 2:
        raise CxStatsError(f"{n} complete rows are too few for {p} drivers; at least {p + 2} are needed.")
    sample = samples(moments, [outcome, *drivers], where=where)[0]
    cov = sample.cov.to_numpy()[1:, 1:]
    constant = [d for d, v in zip(drivers, np.diag(cov), strict=True) if v <= 0]
    if constant:
        raise CxStatsError(f"Driver(s) {listing(constant, quote=True)} do not vary in the complete rows; drop them.")
    corr = sample.corr.to_numpy()[1:, 1:]
    if np.linalg.matrix_rank(corr) < p:  # a driver that is a linear combination of others (and a constant)
        for j, name in enumerate(drivers):
            rest = [k for k in range(p) if k != j]
            coef = np.linalg.lstsq(corr[np.ix_(rest, rest)], corr[rest, j], rcond=None)[0]
            if 1.0 - corr[j, rest] @ coef <= 1e-10:
                others = [drivers[k] for k, c in zip(rest, coef, strict=True) if abs(c) > 1e-8]
                raise CxStatsError(
                    f"Driver '{name}' is a linear combination of {listing(others, quote=True)} (plus a constant); "
                    "their separate effects cannot be estimated. Drop one of them or combine them into one score."
                )
    return sample, drivers


def _collinearity(corr: np.ndarray, drivers: list[str]) -> tuple[np.ndarray, float, tuple[str, ...]]:
    """VIFs, the condition number and collinearity warnings from the drivers' correlation matrix."""
    corr = np.asarray(corr).reshape(len(drivers), len(drivers))
    vif = np.diag(np.linalg.inv(corr)) if len(drivers) > 1 else np.ones(1)
    eigen = np.linalg.eigvalsh(corr)
    condition = float(np.sqrt(eigen.max() / eigen.min()))
    problems = []
    high = [f"{d} ({v:.1f})" for d, v in zip(drivers, vif, strict=True) if v > _VIF_LIMIT]
    if high:
        problems.append(f"CollinearityWarning: variance inflation above {_VIF_LIMIT:g} for {', '.join(high)}; "
                        "these drivers overlap so much that their ranking is not meaningful. Combine them or "
                        "use relative_importance().")
    if condition > _CONDITION_LIMIT:
        problems.append(f"CollinearityWarning: the condition number of the drivers' correlations is "
                        f"{condition:.0f} (above {_CONDITION_LIMIT:g}); coefficients are unstable.")
    for message in problems:
        warn(message.split(": ", 1)[1], CollinearityWarning)
    return vif, condition, tuple(problems)


def driver_regression(data: pd.DataFrame | Moments, outcome: str, drivers: Sequence[str], *, family: str = "gaussian",
                      se: str = "classical", ci_level: float = 0.95, codebook: Codebook | None = None) -> DriverResult:
    """Regress ``outcome`` on ``drivers`` (rows complete on all of them).

    Parameters
    ----------
    data : respondents in rows, a :class:`~cxstats.Survey`, or a :class:`~cxstats.Moments`
        over the outcome and the drivers (OLS with classical SEs from the pooled means and
        cross-products, equal to OLS on the same rows; ``family="binomial"``/``"ordinal"``
        and HC SEs need the rows).
    codebook : a :class:`~cxstats.Codebook` (default: the Survey's) whose labels the result
        keeps for :meth:`DriverResult.plain_summary`.
    family : ``"gaussian"`` (OLS), ``"binomial"`` (logistic; the outcome must be 0/1) or
        ``"ordinal"`` (proportional-odds logit for a rating outcome, as R's ``MASS::polr``;
        the table adds the thresholds; ``r2`` is McFadden's pseudo R²).
    se : ``"classical"``, ``"HC3"`` (heteroskedasticity-consistent, recommended for rating
        scales) or ``"HC1"``; logistic models use the model-based SEs. p-values and
        intervals of OLS use the t distribution on the residual df with every ``se`` (as
        R's ``lmtest::coeftest(fit, sandwich::vcovHC(fit))``).

    Notes
    -----
    Standardized betas are the slopes of the z-scored outcome on z-scored drivers (OLS) and
    of the logit on z-scored drivers (logistic). VIF_j = 1 / (1 - R²_j); the condition number
    is sqrt(largest / smallest eigenvalue) of the drivers' correlation matrix. Average
    marginal effects are mean_i(b_j p_i (1 - p_i)), with delta-method standard errors
    (as statsmodels ``Logit.get_margeff(at="overall")`` and R's ``margins``).
    """
    labels = labels_from(codebook, data)
    data, _ = survey_parts(data)
    data, moments = moments_parts(data, where="driver_regression")
    one_of("family", family, ("gaussian", "binomial", "ordinal"))
    one_of("se", se, ("classical", "HC3", "HC1"))
    ci_level = check_ci_level(ci_level)
    if moments is not None:
        return replace(_regression_from_moments(moments, outcome, drivers, family, se, ci_level), labels=labels)
    x, y, drivers = _design(data, outcome, drivers, where="driver_regression")
    vif, condition, problems = _collinearity(np.corrcoef(x, rowvar=False), drivers)
    if family == "ordinal":
        return replace(_ordinal(x, y, drivers, vif, condition, problems, ci_level), outcome=outcome, labels=labels)
    design = sm.add_constant(x, has_constant="add")
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    terms = ["(Intercept)", *drivers]
    if family == "gaussian":
        # robust SEs keep the t(df) reference of lm + lmtest::coeftest(fit, vcovHC(fit)), not the normal
        fit = sm.OLS(y, design).fit(cov_type="nonrobust" if se == "classical" else se, use_t=True)
        zy = (y - y.mean()) / y.std(ddof=1)
        std_beta = np.concatenate([[np.nan], sm.OLS(zy, z).fit().params])
        df, statistic = float(fit.df_resid), fit.tvalues
        r2, adj = float(fit.rsquared), float(fit.rsquared_adj)
    else:
        if not set(np.unique(y)) <= {0.0, 1.0}:
            raise CxStatsError(f"A binomial outcome must be coded 0/1; '{outcome}' has {listing(np.unique(y))}.")
        fit = sm.GLM(y, design, family=sm.families.Binomial()).fit()
        std_beta = np.concatenate([[np.nan], sm.GLM(y, sm.add_constant(z), family=sm.families.Binomial()).fit().params[1:]])
        df, statistic = np.inf, fit.tvalues
        r2 = adj = float(1 - fit.llf / fit.llnull)  # McFadden's pseudo R²
        se = "model"
    ci = np.asarray(fit.conf_int(alpha=1 - ci_level))
    table = pd.DataFrame({"term": terms, "estimate": fit.params, "se": fit.bse, "statistic": statistic, "df": df,
                          "p_value": fit.pvalues, "ci_low": ci[:, 0], "ci_high": ci[:, 1], "std_beta": std_beta,
                          "vif": np.concatenate([[np.nan], vif])})
    if family == "binomial":
        table["odds_ratio"] = np.exp(fit.params)
        table["or_ci_low"], table["or_ci_high"] = np.exp(ci[:, 0]), np.exp(ci[:, 1])
        ame, ame_se = _average_marginal_effects(np.asarray(fit.params), np.asarray(fit.cov_params()), design)
        half = stats.norm.ppf(0.5 + ci_level / 2) * ame_se
        table["ame"], table["ame_se"] = ame, ame_se
        table["ame_ci_low"], table["ame_ci_high"] = ame - half, ame + half
    return DriverResult(table=table, nobs=len(y), r2=r2, adj_r2=adj, condition_number=condition, family=family,
                        se_type=se, problems=problems, outcome=outcome, labels=labels)


def _regression_from_moments(moments, outcome: str, drivers: Sequence[str], family: str, se: str,
                             ci_level: float) -> DriverResult:
    """OLS with classical SEs from the pooled means and cross-products of a Moments."""
    where = "driver_regression"
    if family != "gaussian":
        raise needs_rows(where, f"family='{family}'", "Pass the data, or use family='gaussian' (OLS), which needs "
                                                      "only means and cross-products.")
    if se != "classical":
        raise needs_rows(where, f"se='{se}' (each row's residual enters a heteroskedasticity-consistent SE)",
                         "Pass the data, or use se='classical'.")
    sample, drivers = _sufficient_design(moments, outcome, drivers, where)
    vif, condition, problems = _collinearity(sample.corr.to_numpy()[1:, 1:], drivers)
    fit = ols(sample, outcome, drivers, ci_level)
    table = pd.DataFrame({"term": ["(Intercept)", *drivers], "estimate": fit["params"], "se": fit["bse"],
                          "statistic": fit["tvalues"], "df": fit["df"], "p_value": fit["pvalues"],
                          "ci_low": fit["ci"][:, 0], "ci_high": fit["ci"][:, 1], "std_beta": fit["std_beta"],
                          "vif": np.concatenate([[np.nan], vif])})
    return DriverResult(table=table, nobs=sample.n, r2=fit["r2"], adj_r2=fit["adj_r2"], condition_number=condition,
                        family="gaussian", se_type="classical", problems=problems, outcome=outcome)


def _average_marginal_effects(params: np.ndarray, cov: np.ndarray, design: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray]:
    """AMEs of a logit, ``mean_i b_j p_i (1 - p_i)``, and their delta-method SEs (NaN for the intercept).

    The gradient of AME_j with respect to b_k is ``mean_i [1(j = k) w_i + b_j w_i (1 - 2 p_i) x_ik]``
    with ``w_i = p_i (1 - p_i)``; SE_j = sqrt(g_j' V g_j).
    """
    prob = 1.0 / (1.0 + np.exp(-(design @ params)))
    w = prob * (1.0 - prob)
    slope = (w * (1.0 - 2.0 * prob)) @ design / len(prob)  # mean_i w_i (1 - 2 p_i) x_ik
    gradient = np.outer(params, slope) + np.eye(len(params)) * w.mean()
    ame = params * w.mean()
    se = np.sqrt(np.einsum("jk,kl,jl->j", gradient, cov, gradient))
    ame[0] = se[0] = np.nan
    return ame, se


def _ordinal(x: np.ndarray, y: np.ndarray, drivers: list[str], vif: np.ndarray, condition: float,
             problems: tuple[str, ...], ci_level: float) -> DriverResult:
    """Proportional-odds logit (statsmodels ``OrderedModel``; the model of R's ``MASS::polr``)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    levels = np.unique(y)
    if len(levels) < 3:
        raise CxStatsError(f"An ordinal outcome needs at least 3 categories; it has {len(levels)}. "
                           "Use family='binomial' for two.")
    codes = pd.Series(pd.Categorical(y, categories=levels, ordered=True))

    def fit_on(design: np.ndarray):
        model = OrderedModel(codes, design, distr="logit")
        with warnings.catch_warnings():  # convergence is checked below, in our own words
            warnings.simplefilter("ignore")
            return model, model.fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-6)

    model, fit = fit_on(x)
    if not fit.mle_retvals.get("converged", True):
        message = ("The ordinal model did not converge; check for categories with very few answers (merge "
                   "them) or drivers that separate the categories perfectly.")
        problems = (*problems, warn(message, ConvergenceWarning))
    p = len(drivers)
    z_std = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    std_beta = fit_on(z_std)[1].params[:p]
    thresholds = model.transform_threshold_params(fit.params)[1:-1]
    counts = codes.value_counts().to_numpy()
    null_loglik = float(np.sum(counts * np.log(counts / counts.sum())))
    z = stats.norm.ppf(0.5 + ci_level / 2)
    est, se = np.asarray(fit.params[:p]), np.asarray(fit.bse[:p])
    table = pd.DataFrame({"term": drivers, "estimate": est, "se": se, "statistic": est / se, "df": np.inf,
                          "p_value": 2 * stats.norm.sf(np.abs(est / se)), "ci_low": est - z * se,
                          "ci_high": est + z * se, "std_beta": np.asarray(std_beta), "vif": vif,
                          "odds_ratio": np.exp(est)})
    cuts = pd.DataFrame({"term": [f"threshold {a:g}|{b:g}" for a, b in zip(levels[:-1], levels[1:], strict=True)],
                         "estimate": thresholds})
    table = pd.concat([table, cuts], ignore_index=True)
    pseudo = float(1 - fit.llf / null_loglik)
    return DriverResult(table=table, nobs=len(y), r2=pseudo, adj_r2=pseudo, condition_number=condition,
                        family="ordinal", se_type="model", problems=problems)


_SECONDS_PER_SUBSET_DRIVER = 2.5e-7  # exact LMG on one core here: 20 drivers (2^20 subsets) take 3-6 s
_EXACT_SHOWN_FROM = 16  # drivers from which the exact LMG shows a progress bar by default


def _lmg_sampled(corr: np.ndarray, permutations: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values of R² from random orders of entry, and their Monte-Carlo standard errors.

    For one order of the drivers the R² gains of adding them one by one are the squared
    entries of ``L^-1 r_xy`` (L the Cholesky factor of the drivers' correlations in that
    order), so an order costs one Cholesky factorisation. Orders are drawn in antithetic
    pairs (an order and its reverse); the standard error is that of the mean of the pairs.
    """
    p = corr.shape[0] - 1
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    pairs = max(1, permutations // 2)
    means = np.empty((pairs, p))
    for start in range(0, pairs, 2048):
        m = min(2048, pairs - start)
        orders = np.argsort(rng.random((m, p)), axis=1)
        both = np.concatenate([orders, orders[:, ::-1]])
        chol = np.linalg.cholesky(rxx[both[:, :, None], both[:, None, :]])
        steps = np.linalg.solve(chol, rxy[both][:, :, None])[:, :, 0] ** 2
        gains = np.empty_like(steps)
        np.put_along_axis(gains, both, steps, axis=1)
        means[start:start + m] = (gains[:m] + gains[m:]) / 2
    lmg = means.mean(axis=0)
    mc_se = means.std(axis=0, ddof=1) / np.sqrt(pairs) if pairs > 1 else np.full(p, np.inf)
    return lmg, mc_se


def _exact_cost(p: int, bootstrap: int) -> str:
    """Rough time and memory of the exact LMG, in words, for messages."""
    seconds = 2**p * p * _SECONDS_PER_SUBSET_DRIVER * (1 + bootstrap)
    if seconds < 90:
        time_text = f"about {max(seconds, 1):.0f} s"
    elif seconds < 5400:
        time_text = f"about {seconds / 60:.0f} min"
    else:
        time_text = f"about {seconds / 3600:,.0f} h"
    memory = (2**p * 8 * 3 + CHUNK * (p * p + 4 * p) * 8) / 1e9
    return f"{time_text} on one core and {max(memory, 0.01):.2g} GB"


def relative_importance(data: pd.DataFrame | Moments, outcome: str, drivers: Sequence[str], *, bootstrap: int = 0,
                        seed: int | None = None, ci_level: float = 0.95, method: str = "exact",
                        permutations: int = 2000, max_drivers: int = 15,
                        progress: bool | None = None, codebook: Codebook | None = None) -> ImportanceResult:
    """Relative importance of correlated drivers: LMG decomposition of R², with bootstrap CIs.

    Parameters
    ----------
    data : respondents in rows, a :class:`~cxstats.Survey`, or a :class:`~cxstats.Moments`
        over the outcome and the drivers (the exact or sampled LMG from the pooled
        correlation matrix, equal to that of the same rows; the bootstrap needs the rows).
    bootstrap : number of resamples for percentile intervals of the shares and their
        pairwise differences (0: none).
    method : ``"exact"`` (default): LMG over all 2^p subsets of the drivers.
        ``"sampled"``: Shapley values from ``permutations`` random orders of entry (fast for
        many drivers); the table's ``mc_se`` gives each value's Monte-Carlo standard error.
    permutations : orders of entry drawn by ``method="sampled"`` (in antithetic pairs).
    max_drivers : the exact method fits 2^p subsets; above this many drivers it stops with
        an estimate of the time and memory and suggests ``method="sampled"``. Raise it to
        run the exact method anyway (with a progress bar).
    progress : show a progress bar (text in a terminal, a widget in a Jupyter notebook); default:
        for the exact method from 16 drivers.
    codebook : a :class:`~cxstats.Codebook` (default: the Survey's, when ``data`` is a
        :class:`~cxstats.Survey`) whose labels the result keeps for its plain summary.

    Raises
    ------
    CxStatsError
        A column is absent, repeated, empty, infinite or holds text (named with rows and
        values); too few complete rows; a driver is constant or a linear combination of
        others; more than ``max_drivers`` drivers with the exact method (the message gives
        the expected time and memory and the faster ``method="sampled"``); ``bootstrap``,
        ``permutations`` or ``ci_level`` out of range.

    Notes
    -----
    LMG_j averages the increase in R² from adding driver j over all orders of entry; the
    values sum to the full-model R². Computed from the correlation matrix, so it matches
    relaimpo's ``lmg`` (checked against an independent R enumeration with ``lm``). The
    sampled method averages the same increases over random orders (Strumbelj & Kononenko,
    2010), each order from one Cholesky factorisation; its values also sum to R² exactly,
    and agree with the exact ones within a few ``mc_se`` (tests/test_drivers.py).
    """
    labels = labels_from(codebook, data)
    data, _ = survey_parts(data)
    data, moments = moments_parts(data, where="relative_importance")
    one_of("method", method, ("exact", "sampled"))
    ci_level = check_ci_level(ci_level)
    bootstrap = count("bootstrap", bootstrap, minimum=10, zero=True, what=" resamples")
    permutations = count("permutations", permutations, minimum=100)
    max_drivers = count("max_drivers", max_drivers, minimum=1)
    if moments is not None:
        if bootstrap:
            raise needs_rows("relative_importance", f"bootstrap={bootstrap} (resampling respondents)",
                             "Pass the data for bootstrap intervals, or use bootstrap=0.")
        sample, drivers = _sufficient_design(moments, outcome, drivers, "relative_importance")
        values, nobs, corr = None, sample.n, sample.corr.to_numpy()
    else:
        x, y, drivers = _design(data, outcome, drivers, where="relative_importance")
        values = np.column_stack([y, x])
        nobs, corr = len(y), np.corrcoef(values, rowvar=False)
    p = len(drivers)
    if method == "exact" and p > max_drivers:
        raise CxStatsError(
            f"{p} drivers need 2^{p} = {2**p:,} subset regressions for exact LMG ({_exact_cost(p, bootstrap)}"
            f"{f' with {bootstrap} bootstrap resamples' if bootstrap else ''}); the limit is max_drivers={max_drivers}. "
            f"Pass method='sampled' for permutation-sampled Shapley values with a Monte-Carlo error (seconds), "
            f"raise max_drivers to run the exact method with a progress bar, or group related drivers into a few "
            "scores (e.g. one per SERVQUAL dimension)."
        )
    rng = np.random.default_rng(seed)
    show = (method == "exact" and p >= _EXACT_SHOWN_FROM) if progress is None else bool(progress)

    def estimate(corr: np.ndarray, bar) -> tuple[np.ndarray, np.ndarray]:
        if method == "exact":
            return exact_lmg(corr, bar), np.zeros(p)
        found = _lmg_sampled(corr, permutations, rng)
        if bar is not None:
            bar.update(permutations)
        return found

    per_fit = 2**p - 1 if method == "exact" else permutations
    with progress_bar(show, total=per_fit * (1 + bootstrap), unit="subset" if method == "exact" else "order",
                       desc=f"LMG, {p} drivers" + (f" (about {_exact_cost(p, bootstrap).split(' on')[0]})"
                                                   if method == "exact" else "")) as bar:
        lmg, mc_se = estimate(corr, bar)
        r2 = float(lmg.sum())
        share = 100 * lmg / r2
        low = high = np.full(p, np.nan)
        differences = pd.DataFrame(columns=["term_a", "term_b", "difference", "ci_low", "ci_high"])
        if bootstrap:
            draws = np.array([
                estimate(np.corrcoef(values[rng.integers(0, len(values), len(values))], rowvar=False), bar)[0]
                for _ in range(bootstrap)
            ])
            shares = 100 * draws / draws.sum(axis=1, keepdims=True)
            alpha = (1 - ci_level) / 2
            low, high = np.quantile(shares, [alpha, 1 - alpha], axis=0)
            rows = []
            for a in range(p):
                for b in range(a + 1, p):
                    diff = shares[:, a] - shares[:, b]
                    lo, hi = np.quantile(diff, [alpha, 1 - alpha])
                    rows.append({"term_a": drivers[a], "term_b": drivers[b], "difference": share[a] - share[b],
                                 "ci_low": lo, "ci_high": hi})
            differences = pd.DataFrame(rows)
    order = np.argsort(-lmg)
    rank = np.empty(p, dtype=int)
    rank[order] = np.arange(1, p + 1)
    table = pd.DataFrame({"term": drivers, "lmg": lmg, "mc_se": mc_se, "share": share, "share_ci_low": low,
                          "share_ci_high": high, "rank": rank})
    return ImportanceResult(table=table, differences=differences, r2=r2, nobs=nobs, bootstrap=bootstrap,
                            method=method, permutations=permutations if method == "sampled" else None, labels=labels,
                            outcome=outcome)


@dataclass(frozen=True)
class IPMAResult(Exportable):
    """Importance-performance map: ``table`` (``term, importance, importance_ci_low,
    importance_ci_high, performance, performance_ci_low, performance_ci_high, n, quadrant``;
    performance is the mean rating rescaled to 0-100 with its t interval, or a mean index:
    ``performance_label``; the importance interval is the bootstrap interval of an
    :class:`ImportanceResult`, else missing) and the split points (means)."""

    _TABLES = {
        "table": ("Importance-performance", "Each driver's importance and performance (0-100) with their "
                  "intervals, and its quadrant of the map."),
    }

    table: pd.DataFrame
    importance_split: float
    performance_split: float
    importance_label: str
    performance_label: str = "mean rating, 0–100"
    labels: Mapping[str, str] = field(default_factory=dict)

    def plot(self, *, title: str | None = None, labels: dict[str, str] | None = None, ax=None):
        """The map a manager reads: importance across, performance up, quadrants named.

        ``labels`` (a dict or a Codebook) names the drivers; ``ax`` draws into your own axes.
        """
        from matplotlib.lines import Line2D

        from . import formatting as fmt
        from ._figures import ACCENT, GREY, PALETTE, keep_inside, new_figure

        names = {**self.labels, **fmt.labels_of(labels)}
        own = ax is None
        fig, ax = new_figure(7.0, 4.9, ax=ax)
        t = self.table
        ax.scatter(t["importance"], t["performance"], s=40, color=PALETTE[0], edgecolor="white", linewidths=0.6,
                   zorder=3, alpha=0.9)
        point_labels = [ax.annotate(names.get(str(row.term), str(row.term)), (row.importance, row.performance),
                                    xytext=(5, 4), textcoords="offset points", fontsize=8, zorder=4)
                        for row in t.itertuples()]
        ax.margins(x=0.08, y=0.1)
        ax.axvline(self.importance_split, color=GREY, lw=0.8, ls="--")
        ax.axhline(self.performance_split, color=GREY, lw=0.8, ls="--")
        import re

        worded = re.sub(r"\b\w+\b", lambda m: names.get(m.group(0), m.group(0)), self.importance_label)
        ax.set_xlabel(f"Importance ({worded})")  # "total effect on CUSL" -> "... on Customer loyalty"
        ax.set_ylabel(f"Performance ({self.performance_label})")
        ax.set_title(title or "Importance-performance map", fontsize=10)
        handles = [Line2D([], [], ls="", marker="o", color=PALETTE[0], label="Driver"),
                   Line2D([], [], color=GREY, lw=0.8, ls="--",
                          label="Dashed: average importance and average performance (quadrant borders)")]
        if own:
            fig.legend(handles=handles, fontsize=7, frameon=False, loc="outside lower center", ncols=2)
        else:
            ax.legend(handles=handles, fontsize=7, frameon=False)
        for text, x, y, ha, va in (("Concentrate here", 1, 0, "right", "bottom"),
                                   ("Keep up the good work", 1, 1, "right", "top"),
                                   ("Low priority", 0, 0, "left", "bottom"),
                                   ("Possible overkill", 0, 1, "left", "top")):  # inset from the frame
            ax.annotate(text, (x, y), xycoords="axes fraction", xytext=(-5 if x else 5, 5 if y == 0 else -5),
                        textcoords="offset points", ha=ha, va=va, fontsize=8,
                        color=ACCENT if text.startswith("Concentrate") else GREY,
                        fontweight="bold" if text.startswith("Concentrate") else "normal", zorder=1, in_layout=False)
        for _ in range(4):  # room for the outermost labels; widening the axes can bring a border onto a label
            keep_inside(ax)
            _clear_of_lines(ax, point_labels, self.importance_split, self.performance_split)
        keep_inside(ax)
        return fig


def _clear_of_lines(ax, labels, x_line: float, y_line: float) -> None:
    """Move point labels that a dashed quadrant border would strike through: to the left of
    their point for the vertical line, below it for the horizontal one."""
    fig = ax.figure
    fig.canvas.draw()
    fig.canvas.draw()  # a second pass: the layout engine has placed the axes for good
    renderer = fig.canvas.get_renderer()
    x_px, y_px = ax.transData.transform((x_line, y_line))
    frame = ax.get_window_extent(renderer)
    for label in labels:
        box = label.get_window_extent(renderer)
        dx, dy = label.xyann
        point_x, point_y = ax.transData.transform(label.xy)
        if box.x0 < x_px < box.x1 and point_x - box.width - 8 > frame.x0:  # only where it still fits
            label.xyann = (dx := -abs(dx), dy)
            label.set_ha("right")
        if box.y0 < y_px < box.y1 and point_y - box.height - 8 > frame.y0:
            label.xyann = (dx, -abs(dy))
            label.set_va("top")


_QUADRANTS = {(True, False): "Concentrate here", (True, True): "Keep up the good work",
              (False, False): "Low priority", (False, True): "Possible overkill"}


def importance_performance(data: pd.DataFrame, outcome: str, drivers: Sequence[str], *,
                           scale: tuple[float, float] | None = None,
                           importance: str | pd.Series | ImportanceResult = "lmg", ci_level: float = 0.95,
                           codebook: Codebook | None = None) -> IPMAResult:
    """Importance-performance analysis (Martilla & James, 1977) of ``drivers``.

    Importance is the LMG share of R² (``"lmg"``, %), the standardized beta
    (``"std_beta"``), the shares of a :func:`relative_importance` result (with its bootstrap
    intervals, so the map and the importance table show the same numbers), or a Series
    indexed by driver (e.g. total effects from ``SEMResult.effects()``, as in PLS-SEM's
    IPMA); performance is each driver's mean rating rescaled from ``scale`` (or the scale
    ``codebook`` declares for the drivers, as in :func:`cxstats.satisfaction_index`) to
    0-100, with its t interval at ``ci_level`` (rows complete on the outcome and every driver). Quadrants
    split at the mean importance and mean performance: high importance and low performance
    is where to "concentrate here". ``data`` may be a :class:`~cxstats.Survey`; ``scale``
    defaults to the drivers' common scale in the codebook (the Survey's, or ``codebook``),
    whose labels the map then shows.
    """
    labels = labels_from(codebook, data)
    data, codebook = survey_parts(data, codebook)
    intervals = None
    if isinstance(importance, ImportanceResult):
        shares = importance.table.set_index("term")
        missing = [d for d in drivers if d not in shares.index]
        if missing:
            raise CxStatsError(f"The relative-importance result has no share for {listing(missing, quote=True)}; "
                               "compute it with the same drivers.")
        intervals = shares[["share_ci_low", "share_ci_high"]]
        importance = shares["share"].rename("share of R², %")
    if isinstance(importance, pd.Series):
        missing = [d for d in drivers if d not in importance.index]
        if missing:
            raise CxStatsError(f"The importance Series has no value for {listing(missing, quote=True)}.")
    elif importance not in ("lmg", "std_beta"):
        raise CxStatsError(f"importance must be 'lmg', 'std_beta' or a Series by driver (or a relative_importance() "
                           f"result), got {importance!r}.")
    low, high = declared_scale([drivers] if isinstance(drivers, str) else list(drivers), scale, codebook,
                               where="importance_performance")
    ci_level = check_ci_level(ci_level)
    x, _, drivers = _design(data, outcome, drivers, where="importance_performance")
    within_scale(numeric_columns(data, drivers, where="importance_performance"), (low, high),
                 where="importance_performance")
    if isinstance(importance, pd.Series):
        values, label = importance, str(importance.name or "importance")
    elif importance == "lmg":
        values = relative_importance(data, outcome, drivers).table.set_index("term")["share"]
        label = "share of R², %"
    else:
        values = driver_regression(data, outcome, drivers).table.set_index("term")["std_beta"]
        label = "standardized beta"
    n = len(x)
    performance = (x.mean(axis=0) - low) / (high - low) * 100
    half = stats.t.ppf(0.5 + ci_level / 2, n - 1) * x.std(axis=0, ddof=1) / np.sqrt(n) / (high - low) * 100
    importance_ci = (np.full((len(drivers), 2), np.nan) if intervals is None
                     else intervals.loc[drivers].to_numpy(dtype=float))
    table = pd.DataFrame({"term": drivers, "importance": values.loc[drivers].to_numpy(),
                          "importance_ci_low": importance_ci[:, 0], "importance_ci_high": importance_ci[:, 1],
                          "performance": performance, "performance_ci_low": performance - half,
                          "performance_ci_high": performance + half, "n": n})
    imp_split, perf_split = float(table["importance"].mean()), float(table["performance"].mean())
    table["quadrant"] = [_QUADRANTS[(i > imp_split, p > perf_split)]
                         for i, p in zip(table["importance"], table["performance"], strict=True)]
    return IPMAResult(table=table, importance_split=imp_split, performance_split=perf_split, importance_label=label,
                      labels=labels)


