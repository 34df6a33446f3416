"""Retention and churn: Kaplan-Meier retention curves, log-rank tests, Cox models of the churn
hazard, logistic churn models and period-by-period churn and repurchase rates.

Times are durations (e.g. months since the customer's start) and the event is churn (1) or
still a customer when last seen (0, censored). ``start`` columns give delayed entry (left
truncation): a customer counts as at risk only after entering observation.

Validated against R's survival package 3.5 (``survfit``, ``quantile.survfit``,
``survdiff``, ``coxph``, ``concordance``) on survival::lung and a simulated CX panel
(tests/reference/survival_km_cox.R); agreement is better than 1e-8.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import _survival
from ._errors import CxStatsError, CxStatsWarning
from ._format import level as shown_level
from ._format import caution_lines, listing, rows_and_values
from . import formatting as fmt
from ._results import Exportable, PlainText
from .formatting import labels_of
from .drivers import DriverResult, driver_regression
from .sem._problems import ConvergenceWarning
from ._validation import warn
from ._validation import check_frame
from ._validation import ci_level as check_ci_level
from ._validation import survey_parts
from ._transactions_sql import TransactionSource, is_source, period_counts

__all__ = ["CoxResult", "KaplanMeierResult", "NoEventsWarning", "PartialPeriodWarning", "PeriodRatesResult",
           "churn_model", "cox_model", "kaplan_meier", "period_rates"]


class NoEventsWarning(CxStatsWarning):
    """A group has no churn events: its curve stays at 100% and it adds nothing to a comparison."""


class PartialPeriodWarning(CxStatsWarning):
    """The data end inside the last period, so the period before it looks worse than it is."""


def _pct(value: float) -> str:
    return "–" if not np.isfinite(value) else fmt.percent(value)


# --------------------------------------------------------------------------------------
# Kaplan-Meier


@dataclass(frozen=True)
class KaplanMeierResult(Exportable):
    """Kaplan-Meier retention curves.

    ``table``: one row per group and distinct time (``group, time, n_at_risk, n_events,
    n_censored, survival, se, ci_low, ci_high``); ``survival`` is the share still retained,
    ``se`` Greenwood's standard error, the interval R's default log interval.
    ``summary``: one row per group (``group, n, events, expected, median, median_ci_low,
    median_ci_high, suppressed``; ``expected`` = log-rank expected events; a median that is
    NaN was not reached). ``retention``: the curves at the times asked for with ``at``
    (``group, time, n_at_risk, survival, se, ci_low, ci_high``). Log-rank test across groups:
    ``logrank_chisq``, ``logrank_df``, ``logrank_p_value`` (NaN without groups).
    ``problems`` lists warnings for reports.
    """

    _TABLES = {
        "summary": ("Summary", "One row per group: customers, churn events, expected events (log-rank) and "
                    "median time to churn with its interval."),
        "retention": ("Retention", "Share of customers retained at the times asked for, with intervals."),
        "table": ("Curve", "The full Kaplan-Meier curve: customers at risk, events and retention at every "
                  "distinct time, with Greenwood SE and interval.", {"survival": "percent", "ci_low": "percent",
                                                                      "ci_high": "percent", "se": "number"}),
    }

    table: pd.DataFrame
    summary: pd.DataFrame
    retention: pd.DataFrame
    logrank_chisq: float
    logrank_df: int
    logrank_p_value: float
    nobs: int
    n_events: int
    ci_level: float
    time: str
    event: str
    group: str | None
    min_base: int
    problems: tuple[str, ...]

    def _repr_html_(self) -> str:
        head = (f"<p>Kaplan-Meier retention of {self.nobs:,} customers ({self.n_events:,} churned) by "
                f"'{self.time}'" + (f", groups of '{self.group}'" if self.group else "") + "</p>")
        if np.isfinite(self.logrank_chisq):
            head += (f"<p>Log-rank test: χ²({self.logrank_df}) = {fmt.number(self.logrank_chisq)}, "
                     f"{fmt.p_text(self.logrank_p_value)}</p>")
        body = self.summary.round(3).to_html(index=False, na_rep="–")
        if not self.retention.empty:
            body += self.retention.round(3).to_html(index=False, na_rep="–")
        return head + body + "".join(f"<p>⚠ {p}</p>" for p in self.problems)

    def plot(self, *, ci: bool = True, labels: Mapping[Any, str] | None = None, title: str | None = None,
             time_label: str | None = None, ax=None):
        """Step curves of retention over time with shaded confidence bands (a matplotlib Figure).

        One colour per group from the package's colour-blind-safe palette; the legend names the
        groups (``labels``: a dict or a Codebook) with their base sizes and explains the bands.
        """
        import seaborn as sns
        from matplotlib.patches import Patch
        from matplotlib.ticker import FuncFormatter

        from . import formatting as fmt
        from ._figures import colours as palette
        from ._figures import dashes, new_figure

        labels = fmt.labels_of(labels) if labels is not None else {}
        shown = self.summary[~self.summary["suppressed"]]
        colours = palette(max(len(shown), 1))
        styles = dashes(max(len(shown), 1))
        fig, ax = new_figure(7.0, 3.8, ax=ax)
        for colour, style, row in zip(colours, styles, shown.itertuples(), strict=False):
            curve = self.table[self.table["group"] == row.group]
            t = np.concatenate([[0.0], curve["time"].to_numpy()])
            s = np.concatenate([[1.0], curve["survival"].to_numpy()])
            name = labels.get(str(row.group), labels.get(row.group, str(row.group))) if self.group else "All customers"
            ax.step(t, 100 * s, where="post", color=colour, ls=style, lw=1.6, label=f"{name} (n = {fmt.integer(row.n)})")
            if ci:
                low = np.concatenate([[1.0], curve["ci_low"].to_numpy()])
                high = np.concatenate([[1.0], curve["ci_high"].to_numpy()])
                ax.fill_between(t, 100 * low, 100 * high, step="post", color=colour, alpha=0.18, lw=0)
        ax.set_ylim(0, 102)
        ax.set_xlim(left=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.set_xlabel(time_label or labels.get(self.time) or self.time.replace("_", " ").capitalize())
        ax.set_ylabel("Customers retained")
        ax.set_title(title or "Retention over time (Kaplan-Meier)", fontsize=10)
        handles, _ = ax.get_legend_handles_labels()
        if ci:
            handles.append(Patch(color="0.5", alpha=0.25, lw=0,
                                 label=f"Shaded: {fmt.number(100 * self.ci_level, 0)}% confidence band"))
        ax.legend(handles=handles, fontsize=8, frameon=False, loc="lower left")
        sns.despine(ax=ax)
        return fig

    def plain_summary(self, *, horizon: float | None = None, labels: Mapping[Any, str] | None = None,
                      time_unit: str | None = None) -> PlainText:
        """Sentences for a stakeholder: retention at a horizon, median time to churn, the test.

        ``time_unit`` (e.g. ``"months"``) words the times as "after 24 months" instead of
        naming the time column ("at tenure_months = 24").
        """
        names = labels_of(labels)
        labels = {**dict(labels or {}), **names} if isinstance(labels, Mapping) else names
        shown = self.summary[~self.summary["suppressed"]]
        if horizon is None:
            horizon = float(min(self.table.groupby("group")["time"].max()))
        at = _at_table(self, horizon)
        lines = []
        parts = []
        for row in at.itertuples():
            name = labels.get(row.group, str(row.group)) if self.group else "all customers"
            base = f", n = {fmt.integer(row.n_at_risk)} still observed" if hasattr(row, "n_at_risk") else ""
            parts.append(f"**{name} {_pct(row.survival)}** ({fmt.percent(self.ci_level)} CI {_pct(row.ci_low)}–"
                         f"{_pct(row.ci_high)}{base})")
        when = f"after {horizon:g} {time_unit}" if time_unit else f"at {self.time} = {horizon:g}"
        lines.append(f"- Still customers {when}: " + "; ".join(parts) + ".")
        reached = shown[shown["median"].notna()]
        if len(reached):
            unit = f" {time_unit}" if time_unit else ""
            text = "; ".join(f"{labels.get(r.group, r.group) if self.group else 'all customers'} after {r.median:g}{unit}"
                             for r in reached.itertuples())
            lines.append(f"- Half of the customers had left{'' if time_unit else f' ({self.time})'}: {text}.")
        if len(reached) < len(shown):
            rest = [str(labels.get(g, g)) if self.group else "all customers"
                    for g in shown.loc[shown["median"].isna(), "group"]]
            lines.append(f"- More than half were still customers at the end of observation: {', '.join(rest)}.")
        if np.isfinite(self.logrank_p_value):
            test = (f"log-rank χ²({fmt.integer(self.logrank_df)}) = {fmt.number(self.logrank_chisq, 1)}, "
                    f"{fmt.p_text(self.logrank_p_value)}; {fmt.integer(self.nobs)} customers, "
                    f"{fmt.integer(self.n_events)} churned")
            if self.logrank_p_value < 0.05:
                lines.append(f"- The retention curves differ by more than chance would explain ({test}).")
            else:
                lines.append(f"- The differences between the curves are within what chance would produce ({test}).")
        lines += caution_lines(self.problems)
        return PlainText("\n".join(lines))


def _at_table(result: KaplanMeierResult, horizon: float) -> pd.DataFrame:
    rows = []
    for g, curve in result.table.groupby("group", sort=False):
        row = _survival.survival_at(curve.reset_index(drop=True), [horizon]).iloc[0]
        rows.append({"group": g, **row.to_dict()})
    return pd.DataFrame(rows)


def _groups(frame: pd.DataFrame, group: str) -> tuple[np.ndarray, list[Any]]:
    values = frame[group]
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = [c for c in values.cat.categories if (values == c).any()]
    else:
        levels = sorted(pd.unique(values).tolist(), key=lambda v: (str(type(v)), v))
    codes = pd.Categorical(values, categories=levels).codes
    return np.asarray(codes), levels


def kaplan_meier(data: pd.DataFrame, time: str, event: str, *, group: str | None = None, start: str | None = None,
                 at: Sequence[float] | None = None, ci_level: float = 0.95, min_base: int = 30) -> KaplanMeierResult:
    """Kaplan-Meier retention curves, overall or per group, with a log-rank test.

    Parameters
    ----------
    data : one row per customer.
    time : duration observed (e.g. ``tenure_months``): until churn, or until the end of
        observation for customers who stayed (censored).
    event : 1 if the customer churned at ``time``, 0 if still a customer (censored).
    group : optional column of segments to compare (e.g. country).
    start : optional column of delayed-entry times (left truncation, R's
        ``Surv(start, time, event)``): at risk only for ``start < t <= time``.
    at : times at which to report retention (``retention`` table), e.g. ``[6, 12, 24]``.
    min_base : groups with fewer customers are suppressed: kept in ``summary`` with their
        n, but without curve, median or test; fewer customers overall is an error.

    Returns
    -------
    KaplanMeierResult

    Raises
    ------
    CxStatsError
        missing columns, negative times, events not coded 0/1, start times not before the
        event times, too few rows (or fewer than ``min_base`` customers overall).

    Notes
    -----
    S(t) = prod_{t_i <= t} (1 - d_i / n_i); Greenwood: Var log S = sum d_i / (n_i (n_i - d_i));
    log interval exp(log S +- z SE). Median times and their intervals follow
    ``quantile.survfit`` (first time the curve or its band reaches 0.5; the midpoint of a
    stretch lying exactly at 0.5). The log-rank statistic is (O - E)' V^- (O - E) with the
    hypergeometric variance, df = groups - 1 (R's ``survdiff``; with ``start`` the same
    statistic on left-truncated risk sets). Validated against R survival 3.5 ``survfit``,
    ``summary.survfit``, ``quantile.survfit`` and ``survdiff`` to 1e-10
    (tests/reference/survival_km_cox.R).

    Examples
    --------
    >>> import cxstats
    >>> panel = cxstats.simulate_cx_panel(200, seed=3)
    >>> km = kaplan_meier(panel.data, "tenure_months", "churned", group="country", at=[12, 24])
    >>> print(km.summary[["group", "n", "events", "median"]].to_string(index=False))
    group   n  events  median
       BR 200      89     NaN
       CN 200     105    22.5
       DE 200     109    21.0
       US 200      86     NaN
    >>> round(km.logrank_p_value, 3)
    0.039
    """
    data, _ = survey_parts(data)
    check_frame(data, where="kaplan_meier")
    ci_level = check_ci_level(ci_level)
    sd = _survival.survival_data(data, time, event, start=start, others=[group] if group else [])
    if group is None:
        codes, levels = np.zeros(len(sd.time), dtype=int), ["all"]
    else:
        codes, levels = _groups(sd.frame, group)
    problems: list[str] = []
    if sd.n_dropped:
        problems.append(f"{sd.n_dropped} row(s) with missing values in the columns used were left out.")
    sizes = np.bincount(codes, minlength=len(levels))
    if group is None and sizes[0] < min_base:
        raise CxStatsError(f"Too few rows: {sizes[0]} customers, below the minimum base of {min_base} for a "
                           "retention curve. Collect more data or lower min_base deliberately.")
    kept = [k for k in range(len(levels)) if sizes[k] >= min_base]
    if not kept:
        raise CxStatsError(f"Every group of '{group}' has fewer than {min_base} customers "
                           f"({listing([f'{levels[k]}: {sizes[k]}' for k in range(len(levels))])}); lower min_base "
                           "deliberately or merge groups.")
    if len(kept) < len(levels):
        small = [f"{levels[k]} (n = {sizes[k]})" for k in range(len(levels)) if k not in kept]
        problems.append(f"Groups below the minimum base of {min_base} are left out of the curves and the test: "
                        f"{', '.join(small)}.")
    curves, medians, at_rows = [], [], []
    for k in kept:
        m = codes == k
        start_k = None if sd.start is None else sd.start[m]
        curve = _survival.km_curve(sd.time[m], sd.event[m], start_k, ci_level)
        curves.append(curve.assign(group=levels[k]))
        medians.append(_survival.median_time(curve))
        if at is not None:
            at_rows.append(_survival.survival_at(curve, at).assign(group=levels[k]))
        if sd.event[m].sum() == 0 and group is not None:
            message = (f"No churn events in group '{levels[k]}' of '{group}' ({sizes[k]} customers): its retention "
                       "stays at 100% and its median is not reached; a hazard ratio for it cannot be estimated.")
            problems.append(warn(message, NoEventsWarning))
    chisq, df, p_value = np.nan, 0, np.nan
    expected = np.full(len(levels), np.nan)
    if group is not None and len(kept) > 1:
        use = np.isin(codes, kept)
        recode = np.searchsorted(kept, codes[use])
        if sd.event[use].sum() == 0:
            problems.append("No churn events at all: the curves are flat at 100% and cannot be compared.")
        else:
            chisq, df, _, exp_kept = _survival.logrank(sd.time[use], sd.event[use],
                                                       None if sd.start is None else sd.start[use], recode, len(kept))
            expected[kept] = exp_kept
            p_value = float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan
    columns = ["group", "time", "n_at_risk", "n_events", "n_censored", "survival", "se", "ci_low", "ci_high"]
    table = pd.concat(curves, ignore_index=True)[columns]
    events = np.bincount(codes, weights=sd.event, minlength=len(levels))
    summary = pd.DataFrame({"group": levels, "n": sizes, "events": events.astype(int), "expected": expected,
                            "median": np.nan, "median_ci_low": np.nan, "median_ci_high": np.nan,
                            "suppressed": [k not in kept for k in range(len(levels))]})
    summary.loc[kept, ["median", "median_ci_low", "median_ci_high"]] = np.array(medians)
    retention = (pd.concat(at_rows, ignore_index=True)[["group", "time", "n_at_risk", "survival", "se", "ci_low",
                                                         "ci_high"]].astype({"n_at_risk": "int64"})
                 if at_rows else pd.DataFrame(columns=["group", "time", "n_at_risk", "survival", "se", "ci_low",
                                                       "ci_high"]))
    if at is not None and retention["survival"].isna().any():
        late = sorted(set(retention.loc[retention["survival"].isna(), "time"]))
        problems.append(f"Retention at {listing(late)} is missing for some groups: no one was observed that long.")
    return KaplanMeierResult(table=table, summary=summary, retention=retention, logrank_chisq=float(chisq),
                             logrank_df=int(df), logrank_p_value=float(p_value), nobs=len(sd.time),
                             n_events=int(sd.event.sum()), ci_level=ci_level, time=time, event=event, group=group,
                             min_base=min_base, problems=tuple(problems))


# --------------------------------------------------------------------------------------
# Cox proportional hazards


@dataclass(frozen=True)
class CoxResult(Exportable):
    """Cox proportional-hazards model of churn.

    ``table``: one row per term (``term, estimate, se, statistic, p_value, ci_low, ci_high,
    hazard_ratio, hr_ci_low, hr_ci_high``); ``estimate`` is the log hazard ratio (R's
    ``coef``), ``statistic`` the Wald z. Categorical covariates enter as ``column[level]``
    against their first (or chosen reference) level. Scalars: ``nobs``, ``n_events``,
    ``loglik`` and ``loglik_null`` (at all coefficients 0), the likelihood-ratio test
    (``lr_statistic, lr_df, lr_p_value``), ``concordance`` (Harrell's C; NaN if not asked
    for), ``ties``, ``converged``, ``problems``.
    """

    _TABLES = {
        "table": ("Hazard ratios", "Cox model: log hazard ratio, SE, Wald test, p and the hazard ratio with "
                  "its interval per term."),
    }

    table: pd.DataFrame
    nobs: int
    n_events: int
    loglik: float
    loglik_null: float
    lr_statistic: float
    lr_df: int
    lr_p_value: float
    concordance: float
    ties: str
    converged: bool
    ci_level: float
    reference: Mapping[str, Any]
    problems: tuple[str, ...]

    def _repr_html_(self) -> str:
        head = (f"<p>Cox model ({self.ties} ties), N = {self.nobs:,}, {self.n_events:,} churn events; "
                f"likelihood-ratio χ²({self.lr_df}) = {fmt.number(self.lr_statistic)}, {fmt.p_text(self.lr_p_value)}"
                + (f"; concordance = {self.concordance:.3f}" if np.isfinite(self.concordance) else "") + "</p>")
        return head + self.table.round(4).to_html(index=False) + "".join(f"<p>⚠ {p}</p>" for p in self.problems)

    def plain_summary(self, *, labels: Mapping[str, str] | None = None) -> PlainText:
        """One sentence per term: how much higher or lower the churn hazard is, with its interval.

        ``labels`` name terms (``{"country[BR]": "Brazil"}``) and reference levels
        (``{"country[DE]": "Germany"}`` words the comparison "than Germany").
        """
        labels = labels_of(labels)
        level = fmt.percent(self.ci_level)
        lines = [f"- Cox model of {fmt.integer(self.nobs)} customers, {fmt.integer(self.n_events)} of whom churned."]
        for row in self.table.itertuples():
            column, _, level_of = row.term.partition("[")
            level_of = level_of.rstrip("]")
            name = labels.get(row.term) or (f"{labels.get(level_of, level_of)} ({labels.get(column, column)})"
                                            if level_of else labels.get(column, column))
            change = row.hazard_ratio - 1
            word = "higher" if change > 0 else "lower"
            column = row.term.split("[", 1)[0]
            reference = self.reference.get(column)
            unit = (f"than {labels.get(f'{column}[{reference}]', f'{column} = {reference}')}"
                    if "[" in row.term and column in self.reference else "per one-unit increase")
            sure = ("clearly different from no effect" if row.p_value < 0.05
                    else "not clearly different from no effect")
            lines.append(f"- **{name}**: churn risk at any moment {fmt.percent(abs(change))} {word} {unit} "
                         f"(hazard ratio {fmt.number(row.hazard_ratio)}, {level} CI "
                         f"{fmt.interval(row.hr_ci_low, row.hr_ci_high)}; {fmt.p_text(row.p_value)}; {sure}).")
        if np.isfinite(self.concordance):
            lines.append(f"- The model ranks who churns first correctly for {fmt.percent(self.concordance)} of "
                         "comparable pairs of customers (50% = chance).")
        lines += caution_lines(self.problems)
        return PlainText("\n".join(lines))


def _cox_design(frame: pd.DataFrame, event: np.ndarray, covariates: Sequence[str],
                reference: Mapping[str, Any]) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    blocks, names, used = [], [], {}
    for column in covariates:
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if numeric and column not in reference:
            x = values.to_numpy(dtype=float)
            if np.ptp(x) == 0:
                raise CxStatsError(f"Covariate '{column}' does not vary (all {x[0]:g}); drop it.")
            if set(np.unique(x)) <= {0.0, 1.0}:
                _events_per_level(values, event, column, [0.0, 1.0])
            blocks.append(x[:, None])
            names.append(column)
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            levels = [c for c in values.cat.categories if (values == c).any()]
        else:
            levels = sorted(pd.unique(values).tolist(), key=lambda v: (str(type(v)), v))
        if column in reference:
            if reference[column] not in levels:
                raise CxStatsError(f"Reference level {shown_level(reference[column])} is not a value of '{column}'; "
                                   f"it has {listing(levels)}.")
            levels = [reference[column], *[v for v in levels if v != reference[column]]]
        if len(levels) < 2:
            raise CxStatsError(f"Covariate '{column}' has only one value ({shown_level(levels[0])}); drop it.")
        _events_per_level(values, event, column, levels)
        used[column] = levels[0]
        blocks.append(np.column_stack([(values == v).to_numpy(dtype=float) for v in levels[1:]]))
        names += [f"{column}[{v}]" for v in levels[1:]]
    x = np.column_stack(blocks)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        for j in range(1, x.shape[1]):
            if np.linalg.matrix_rank(x[:, : j + 1]) <= j:
                raise CxStatsError(f"Term '{names[j]}' is a linear combination of {listing(names[:j], quote=True)}; "
                                   "their separate effects cannot be estimated. Drop one of them.")
    return x, names, used


def _events_per_level(values: pd.Series, event: np.ndarray, column: str, levels: list[Any]) -> None:
    for level in levels:
        member = (values == level).to_numpy()
        if member.any() and event[member].sum() == 0:
            raise CxStatsError(
                f"No churn events among the {int(member.sum())} customers in group {column} = {shown_level(level)}: "
                "the hazard ratio of that group is not estimable (it would be 0 or infinite). Merge the group with a "
                "similar one, drop it, or compare retention with kaplan_meier()."
            )


def cox_model(data: pd.DataFrame, time: str, event: str, covariates: Sequence[str], *, start: str | None = None,
              ties: str = "efron", reference: Mapping[str, Any] | None = None, ci_level: float = 0.95,
              concordance: bool = True) -> CoxResult:
    """Cox proportional-hazards model of the churn hazard (hazard ratios with intervals).

    Parameters
    ----------
    covariates : numeric columns (effect per unit) and categorical ones (string, bool or
        category dtype; one dummy per level against the reference level).
    start : optional delayed-entry column (R's ``Surv(start, time, event)``).
    ties : ``"efron"`` (R's ``coxph`` default) or ``"breslow"``.
    reference : reference level per categorical covariate, e.g. ``{"country": "DE"}``
        (default: the first level in sorted order, as R does).
    concordance : compute Harrell's C (O(n log^2 n)).

    Raises
    ------
    CxStatsError
        missing columns, negative times, events not coded 0/1, start not before time, a
        group (level of a categorical or 0/1 covariate) without churn events, constant or
        collinear covariates, and too few events for the number of terms.

    Notes
    -----
    Fitted by Newton-Raphson on the partial likelihood (statsmodels ``PHReg``); Wald
    intervals exp(b +- z se). Validated against R survival 3.5 ``coxph`` (Efron and
    Breslow ties, with and without left truncation): coefficients, SEs, z, p, log
    likelihoods, LR test and concordance agree to 1e-8 (tests/reference/survival_km_cox.R).

    Examples
    --------
    >>> import cxstats
    >>> panel = cxstats.simulate_cx_panel(200, seed=3)
    >>> data = panel.data.assign(sat=panel.data[["SAT1", "SAT2", "SAT3"]].mean(axis=1))
    >>> fit = cox_model(data, "tenure_months", "churned", ["sat", "country"])
    >>> print(fit.table[["term", "hazard_ratio", "hr_ci_low", "hr_ci_high"]].round(3).to_string(index=False))
           term  hazard_ratio  hr_ci_low  hr_ci_high
            sat         0.775      0.715       0.840
    country[CN]         1.269      0.957       1.684
    country[DE]         1.358      1.026       1.797
    country[US]         0.978      0.727       1.316
    """
    data, _ = survey_parts(data)
    check_frame(data, where="cox_model")
    ci_level = check_ci_level(ci_level)
    from statsmodels.duration.hazard_regression import PHReg

    if ties not in ("efron", "breslow"):
        raise CxStatsError(f"ties must be 'efron' (R's default) or 'breslow', got {ties!r}.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise CxStatsError("Name at least one covariate.")
    clash = [c for c in covariates if c in (time, event, start)]
    if clash:
        raise CxStatsError(f"{listing(clash, quote=True)} cannot be both a covariate and the time/event/start column.")
    sd = _survival.survival_data(data, time, event, start=start, others=covariates)
    x, names, used = _cox_design(sd.frame, sd.event, covariates, dict(reference or {}))
    n_events = int(sd.event.sum())
    if n_events <= len(names):
        raise CxStatsError(f"Too few events: {n_events} churn event(s) for {len(names)} model term(s); a Cox model "
                           "needs more events than terms (a common rule of thumb is 10 per term).")
    entry = None if sd.start is None else np.nextafter(sd.start, np.inf)  # R: at risk for start < t
    model = PHReg(sd.time, x, status=sd.event, entry=entry, ties=ties)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(disp=False, maxiter=200)
    params, se = np.asarray(fit.params), np.asarray(fit.bse)
    problems: list[str] = []
    gradient = np.abs(model.score(params)).max()
    scale = x.std(axis=0)
    converged = bool(np.isfinite(params).all() and gradient < 1e-4 * max(1.0, abs(fit.llf)))
    huge = [n for n, b, s in zip(names, params, scale, strict=True) if abs(b) * s > 10]
    if huge or not converged:
        message = ("The Cox model did not converge" if not converged
                   else f"Hazard ratios of {listing(huge, quote=True)} are implausibly large")
        message += (": a covariate may order who churns first perfectly (monotone likelihood), so its coefficient "
                    "is infinite. Merge sparse groups or drop the covariate.")
        problems.append(warn(message, ConvergenceWarning))
    z = stats.norm.ppf(0.5 + ci_level / 2)
    table = pd.DataFrame({"term": names, "estimate": params, "se": se, "statistic": params / se,
                          "p_value": 2 * stats.norm.sf(np.abs(params / se)), "ci_low": params - z * se,
                          "ci_high": params + z * se})
    table["hazard_ratio"] = np.exp(table["estimate"])
    table["hr_ci_low"], table["hr_ci_high"] = np.exp(table["ci_low"]), np.exp(table["ci_high"])
    loglik, loglik_null = float(fit.llf), float(model.loglike(np.zeros(len(names))))
    lr = 2 * (loglik - loglik_null)
    c_index = (_survival.concordance(sd.time, sd.event, x @ params, sd.start)["concordance"]
               if concordance else np.nan)
    return CoxResult(table=table, nobs=len(sd.time), n_events=n_events, loglik=loglik, loglik_null=loglik_null,
                     lr_statistic=lr, lr_df=len(names), lr_p_value=float(stats.chi2.sf(lr, len(names))),
                     concordance=float(c_index), ties=ties, converged=converged, ci_level=ci_level,
                     reference=used, problems=tuple(problems))


# --------------------------------------------------------------------------------------
# Logistic churn model


def churn_model(data: pd.DataFrame, churned: str, drivers: Sequence[str], *, ci_level: float = 0.95) -> DriverResult:
    """Logistic model of churn (0/1) on drivers: odds ratios and average marginal effects.

    A thin front to :func:`cxstats.driver_regression` with ``family="binomial"`` (checked
    against R's ``glm``; see tests/reference/drivers_lm_sandwich_car.R). Use it when churn
    is known for everyone over the same window (e.g. "left within 12 months"); with
    censored follow-up use :func:`cox_model`.

    Returns
    -------
    DriverResult
        ``table`` with ``odds_ratio`` and ``ame`` (change in churn probability per unit).

    Examples
    --------
    >>> import cxstats
    >>> panel = cxstats.simulate_cx_panel(200, seed=3)
    >>> fit = churn_model(panel.data, "churned", ["SAT1", "EMO1"])
    >>> print(fit.table[["term", "odds_ratio", "ame"]].round(3).to_string(index=False))
           term  odds_ratio    ame
    (Intercept)       7.910    NaN
           SAT1       0.835 -0.043
           EMO1       0.744 -0.070
    """
    data, _ = survey_parts(data)
    ci_level = check_ci_level(ci_level)
    if churned not in data.columns:
        raise CxStatsError(f"No column '{churned}' in the data; columns: {listing(data.columns, limit=20)}.")
    present = data[churned].dropna()
    _survival._events(pd.DataFrame({churned: present}), churned)
    return driver_regression(data, churned, drivers, family="binomial", ci_level=ci_level)


# --------------------------------------------------------------------------------------
# Period churn and repurchase rates from transactions


@dataclass(frozen=True)
class PeriodRatesResult(Exportable):
    """Churn and repurchase per period from transactions.

    ``table``: one row per period (``period, active, new, returning, repurchased, churned,
    repurchase_rate, churn_rate, churn_ci_low, churn_ci_high``): ``active`` customers bought
    in the period, ``new`` of them for the first time, ``returning`` after at least one
    period without buying; ``repurchased`` of the active ones bought again in the next
    period, the others ``churned``. Rates are shares of ``active`` (0-1); the churn rate has
    a Wilson interval at ``ci_level`` (the repurchase interval is one minus it). The last
    period has no next period: its counts, rates and interval are NaN.
    """

    _TABLES = {
        "table": ("Periods", "Per period: active, new and returning customers, repurchase and churn rates "
                  "with the churn interval.", {"repurchase_rate": "percent", "churn_rate": "percent",
                                               "churn_ci_low": "percent", "churn_ci_high": "percent"}),
    }

    table: pd.DataFrame
    period: str
    n_customers: int
    n_transactions: int
    problems: tuple[str, ...]
    ci_level: float = 0.95

    def _repr_html_(self) -> str:
        head = (f"<p>{self.n_transactions:,} transactions of {self.n_customers:,} customers, by period "
                f"'{self.period}'</p>")
        shown = self.table.set_index("period").round(3).reset_index()  # rounding a period column warns
        return head + shown.to_html(index=False, na_rep="–") + "".join(
            f"<p>⚠ {p}</p>" for p in self.problems)

    def plot(self, *, title: str | None = None, ax=None):
        """Repurchase and churn rates per period (lines) over the number of active customers (bars)."""
        from matplotlib.ticker import FuncFormatter

        from . import formatting as fmt
        from ._figures import GREY, new_figure
        from ._figures import colours as palette

        t = self.table
        unit = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}.get(str(self.period)[:1].upper(),
                                                                                       "period")
        labels = (t["period"].dt.strftime("%b %Y") if unit == "month" and hasattr(t["period"], "dt")
                  else t["period"].astype(str))  # "Jan 1997", not "1997-01"
        x = np.arange(len(t))
        fig, ax = new_figure(7.0, 3.6, ax=ax)
        bars = ax.twinx()
        bars.bar(x, t["active"], color="0.85", width=0.8, zorder=0,
                 label=f"Grey bars: buyers in the {unit} (right axis)")
        bars.set_ylabel("Buyers", color=GREY)
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
        colours = palette(2)
        ax.plot(x, 100 * t["repurchase_rate"], marker="o", ms=3, color=colours[0],
                label=f"Bought again the next {unit}")
        ax.plot(x, 100 * t["churn_rate"], marker="o", ms=3, color=colours[1], label=f"Did not buy the next {unit}")
        ax.fill_between(x, 100 * t["churn_ci_low"], 100 * t["churn_ci_high"], color=colours[1], alpha=0.18, lw=0,
                        label=f"Shaded: {fmt.number(100 * self.ci_level, 0)}% confidence band of the churn rate")
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.set_ylabel(f"Share of the {unit}'s buyers")
        step = max(1, len(x) // 12)
        ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=8)
        # above the axes: inside, it would cover the churn line, which runs near the top
        handles = ax.get_legend_handles_labels()[0] + bars.get_legend_handles_labels()[0]
        ax.legend(handles=handles, fontsize=7, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
        ax.set_title(title or "Repurchase and churn by period", fontsize=10, pad=34)
        return fig

    def plain_summary(self) -> PlainText:
        """The average rates and the range over periods, in sentences."""
        t = self.table.dropna(subset=["churn_rate"])
        pooled = t["repurchased"].sum() / t["active"].sum()
        lines = [(f"- Of the customers who bought in a period, on average {_pct(pooled)} bought again in the next "
                  f"period ({len(t)} periods, {self.n_customers:,} customers)."),
                 (f"- Period by period this ranged from {_pct(t['repurchase_rate'].min())} to "
                  f"{_pct(t['repurchase_rate'].max())}; the rest ({_pct(1 - pooled)} on average) did not buy in the "
                  "following period (churned for that period; many come back later).")]
        lines += caution_lines(self.problems)
        return PlainText("\n".join(lines))


_PERIODS = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y", "A": "Y"}


def period_rates(transactions: pd.DataFrame | TransactionSource, customer: str, date: str, *,
                 period: str = "M", ci_level: float = 0.95) -> PeriodRatesResult:
    """Churn and repurchase rates per period from transaction records.

    Parameters
    ----------
    transactions : one row per purchase: a pandas DataFrame, or Parquet files or a DuckDB
        relation/query, summarised where they live (as for :func:`cxstats.rfm`).
    customer : column of customer ids.
    date : column of purchase dates (datetime or parseable text).
    period : ``"D"``, ``"W"``, ``"M"`` (default), ``"Q"`` or ``"Y"``.
    ci_level : coverage of the churn-rate intervals.

    Returns
    -------
    PeriodRatesResult

    Notes
    -----
    A customer is active in a period if they bought at least once in it. Of the customers
    active in period t, those active again in t + 1 repurchased; the others churned (for
    that period). All counts come from the set of distinct (customer, period) pairs, found
    with one sort, so ten million transactions take seconds. The definitions are checked
    against a direct set-based count in the tests. The churn interval is Wilson's score
    interval for ``churned`` of ``active`` (as statsmodels ``proportion_confint(...,
    method="wilson")``); it treats the period's active customers as independent draws.

    Examples
    --------
    >>> import cxstats
    >>> cdnow = cxstats.load_dataset("cdnow_transactions").data
    >>> rates = period_rates(cdnow, "customer_id", "date", period="Q")
    >>> columns = ["period", "active", "new", "returning", "repurchased", "churn_rate"]
    >>> print(rates.table[columns].to_string(index=False, float_format="{:.3f}".format))
    period  active  new  returning  repurchased  churn_rate
    1997Q1    2357 2357          0          524       0.778
    1997Q2     524    0          0          214       0.592
    1997Q3     418    0        204          203       0.514
    1997Q4     404    0        201          196       0.515
    1998Q1     384    0        188          169       0.560
    1998Q2     300    0        131         <NA>         NaN
    """
    ci_level = check_ci_level(ci_level)
    if period not in _PERIODS:
        raise CxStatsError(f"period must be one of {listing(list(_PERIODS), quote=True)} (day, week, month, quarter, "
                           f"year), got {period!r}.")
    freq = _PERIODS[period]
    if is_source(transactions):
        counts = period_counts(transactions, customer=customer, date=date, freq=freq, where="period_rates")
    else:
        counts = _period_counts(transactions, customer, date, freq)
    n_slots = counts["n_slots"]
    active = counts["active"].astype(float)
    repurchased = counts["repurchased"].astype(float)
    table = pd.DataFrame({
        "period": pd.period_range(pd.Period(pd.Timestamp(counts["first"]), freq=freq), periods=n_slots, freq=freq),
        "active": counts["active"].astype(int), "new": counts["new"].astype(int),
        "returning": counts["returning"].astype(int), "repurchased": repurchased, "churned": active - repurchased})
    with np.errstate(divide="ignore", invalid="ignore"):
        table["repurchase_rate"] = repurchased / active
    table["churn_rate"] = 1 - table["repurchase_rate"]
    z = stats.norm.ppf(0.5 + ci_level / 2)
    share, n = table["churn_rate"].to_numpy(), active
    with np.errstate(divide="ignore", invalid="ignore"):  # a period without buyers has no rate
        centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
    table["churn_ci_low"], table["churn_ci_high"] = centre - half, centre + half
    table.loc[n_slots - 1, ["repurchased", "churned", "repurchase_rate", "churn_rate", "churn_ci_low",
                            "churn_ci_high"]] = np.nan
    table[["repurchased", "churned"]] = table[["repurchased", "churned"]].round().astype("Int64")
    problems = []
    last_day = pd.Timestamp(counts["last"])
    if last_day < table["period"].iloc[-1].end_time.normalize():
        message = (f"The data end on {last_day:%Y-%m-%d}, inside the last period ({table['period'].iloc[-1]}); "
                   f"repurchase in {table['period'].iloc[-2] if n_slots > 1 else 'the period before'} is understated "
                   "and churn overstated. Drop the partial period or choose period boundaries that match the data.")
        problems.append(warn(message, PartialPeriodWarning))
    return PeriodRatesResult(table=table, period=period, n_customers=counts["n_customers"],
                             n_transactions=counts["n_transactions"], problems=tuple(problems), ci_level=ci_level)


def _period_counts(transactions: pd.DataFrame, customer: str, date: str, freq: str) -> dict[str, Any]:
    """Per period (consecutive slots from the first): customers active, new, returning after a gap and
    active again in the next period, from the distinct (customer, period) pairs found with one sort."""
    check_frame(transactions, where="period_rates", name="transactions")
    absent = [c for c in (customer, date) if c not in transactions.columns]
    if absent:
        raise CxStatsError(f"No column {listing(absent, quote=True)} in the transactions; columns: "
                           f"{listing(transactions.columns, limit=20)}.")
    ids, dates = transactions[customer], transactions[date]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        parsed = pd.to_datetime(dates, errors="coerce")
        bad = parsed.isna() & dates.notna()
        if bad.any():
            raise CxStatsError(f"Column '{date}' has values that are not dates: "
                               f"{rows_and_values(list(transactions.index[bad]), dates[bad].tolist())}. Fix them or "
                               "set them to missing.")
        dates = parsed
    keep = ids.notna().to_numpy() & dates.notna().to_numpy()
    if keep.sum() < 2:
        raise CxStatsError(f"Too few rows: {int(keep.sum())} transaction(s) with a customer and a date.")
    dates = dates[keep]
    codes = pd.factorize(ids[keep])[0].astype(np.int64)
    ordinal = pd.DatetimeIndex(dates).to_period(freq).asi8
    first = int(ordinal.min())
    slot = ordinal - first
    n_slots = int(slot.max()) + 1
    pairs = np.sort(codes * n_slots + slot)  # (customer, period) keys, sorted by customer then period
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]  # distinct (faster than np.unique)
    who, when = pairs // n_slots, pairs % n_slots
    same_next = np.zeros(len(pairs), dtype=bool)
    same_next[:-1] = (who[1:] == who[:-1]) & (when[1:] == when[:-1] + 1)
    is_first = np.ones(len(pairs), dtype=bool)
    is_first[1:] = who[1:] != who[:-1]
    after_gap = np.zeros(len(pairs), dtype=bool)
    after_gap[1:] = (~is_first[1:]) & (when[1:] > when[:-1] + 1)
    return {"first": dates.min(), "last": dates.max(), "n_slots": n_slots, "n_customers": int(codes.max()) + 1,
            "n_transactions": int(keep.sum()), "active": np.bincount(when, minlength=n_slots),
            "new": np.bincount(when, weights=is_first, minlength=n_slots),
            "returning": np.bincount(when, weights=after_gap, minlength=n_slots),
            "repurchased": np.bincount(when, weights=same_next, minlength=n_slots)}
