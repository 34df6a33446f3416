"""Result objects of the lifetime-value models (public through :mod:`cxstats.clv`).

Each is a frozen dataclass with a tidy ``table``, typed fields, ``plain_summary()`` and
``_repr_html_``; predictions are methods that return new DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _clv_models as models
from . import formatting as fmt
from ._clv_summary import history_frame
from ._results import Exportable, PlainText

__all__ = ["PurchaseModel", "BGNBDResult", "ParetoNBDResult", "GammaGammaResult", "LifetimeValueResult",
           "HoldoutValidation", "MAX_CORRELATION"]

_UNIT_WORDS = {"D": "days", "W": "weeks"}
#: |correlation| of frequency and spend above which the Gamma-Gamma independence assumption is in doubt.
MAX_CORRELATION = 0.3


@dataclass(frozen=True)
class PurchaseModel(Exportable):
    """What the BG/NBD and Pareto/NBD results share: fields, predictions, display.

    ``table``: one row per parameter (``term, estimate, se, ci_low, ci_high``). ``data``:
    the histories the model was fitted to (``customer, frequency, recency, T``).
    ``loglik`` is the total log-likelihood (comparable between the two models on the same
    data: the higher, the better the fit, both having four parameters).
    """

    _TABLES = {
        "table": ("Purchase model", "Parameters of the purchase-frequency model (BG/NBD or Pareto/NBD) with SEs "
                  "from the Hessian and intervals."),
    }

    table: pd.DataFrame
    data: pd.DataFrame
    loglik: float
    n: int
    n_repeat: int
    time_unit: str
    converged: bool
    iterations: int
    ci_level: float
    problems: tuple[str, ...] = ()

    _name = ""

    @property
    def params(self) -> np.ndarray:
        return self.table["estimate"].to_numpy()

    def expected_purchases(self, t: float | np.ndarray) -> np.ndarray:
        """Expected repeat purchases of a new customer in a period of length ``t`` (in ``time_unit``)."""
        return self._expected(t, self.params)

    def predict(self, t: float, data: object = None) -> pd.DataFrame:
        """Per customer: expected purchases in the next ``t`` periods given the history, and P(alive).

        ``data``: histories to predict for (default: those the model was fitted to). Columns:
        ``customer, frequency, recency, T, expected_purchases, p_alive``.
        """
        frame = self.data if data is None else history_frame(data, "predict", ("frequency", "recency", "T"))[0]
        x, tx, T = (frame[c].to_numpy() for c in ("frequency", "recency", "T"))
        out = frame[["customer", "frequency", "recency", "T"]].copy()
        out["expected_purchases"] = self._conditional(float(t), x, tx, T, self.params)
        out["p_alive"] = self._alive(x, tx, T, self.params)
        return out

    # the model's formulas, set by each subclass (staticmethods of _clv_models)
    @staticmethod
    def _expected(t: Any, params: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _conditional(t: Any, x: np.ndarray, tx: np.ndarray, T: np.ndarray, params: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _alive(x: np.ndarray, tx: np.ndarray, T: np.ndarray, params: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _refit(x: np.ndarray, tx: np.ndarray, T: np.ndarray, start: np.ndarray) -> models.Fit:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return (f"<p>{self._name}, {self.n:,} customers, log-likelihood {self.loglik:.3f}</p>"
                + self.table.to_html(index=False))

    def _closing(self, lines: list[str]) -> PlainText:
        year = 365.0 if self.time_unit == "D" else 52.0
        lines.append(f"- A new customer is expected to make {fmt.number(float(self.expected_purchases(year)), 2)} "
                     "repeat purchases in the first year.")
        if not self.converged:
            lines.append("- **Caution:** the fit did not converge; do not use these numbers.")
        return PlainText("\n".join(lines))


@dataclass(frozen=True)
class BGNBDResult(PurchaseModel):
    """The BG/NBD model fitted to purchase histories.

    Parameters in ``table``: ``r`` and ``alpha`` (shape and rate of the gamma distribution
    of purchase rates; mean rate r/alpha per period), ``a`` and ``b`` (beta distribution of
    the drop-out probability after each purchase; mean a/(a+b)). Other fields as
    :class:`PurchaseModel`.
    """

    _name = "BG/NBD"
    _expected = staticmethod(models.bgnbd_expected)
    _conditional = staticmethod(models.bgnbd_conditional)
    _alive = staticmethod(models.bgnbd_alive)

    @staticmethod
    def _refit(x: np.ndarray, tx: np.ndarray, T: np.ndarray, start: np.ndarray) -> models.Fit:
        return models.bgnbd_fit(x, tx, T, start)

    def plain_summary(self) -> PlainText:
        """What the parameters say about buying and dropping out, in sentences."""
        r, alpha, a, b = self.params
        unit = _UNIT_WORDS[self.time_unit]
        year = 365.0 if self.time_unit == "D" else 52.0
        lines = [f"- BG/NBD fitted to {fmt.integer(self.n)} customers ({fmt.integer(self.n_repeat)} bought again)."]
        lines.append(f"- While active, a customer makes on average {fmt.number(r / alpha * year, 1)} repeat purchases a "
                     f"year (gamma-distributed rates, r = {fmt.number(r, 3)}, alpha = {fmt.number(alpha, 2)} {unit}).")
        lines.append(f"- After each purchase a customer stops buying for good with probability "
                     f"{fmt.percent(a / (a + b))} on average (beta-distributed, a = {fmt.number(a, 3)}, "
                     f"b = {fmt.number(b, 3)}).")
        return self._closing(lines)


@dataclass(frozen=True)
class ParetoNBDResult(PurchaseModel):
    """The Pareto/NBD model fitted to purchase histories.

    Parameters in ``table``: ``r`` and ``alpha`` (gamma distribution of purchase rates, as
    in BG/NBD), ``s`` and ``beta`` (gamma distribution of drop-out rates: a customer's
    lifetime is exponential, at any time, not only after a purchase; mean drop-out rate
    s/beta per period). Other fields as :class:`PurchaseModel`.
    """

    _name = "Pareto/NBD"
    _expected = staticmethod(models.pareto_expected)
    _conditional = staticmethod(models.pareto_conditional)
    _alive = staticmethod(models.pareto_alive)

    @staticmethod
    def _refit(x: np.ndarray, tx: np.ndarray, T: np.ndarray, start: np.ndarray) -> models.Fit:
        return models.pareto_fit(x, tx, T, start)

    def plain_summary(self) -> PlainText:
        """What the parameters say about buying and dropping out, in sentences."""
        r, alpha, s, beta = self.params
        unit = _UNIT_WORDS[self.time_unit]
        year = 365.0 if self.time_unit == "D" else 52.0
        lines = [f"- Pareto/NBD fitted to {fmt.integer(self.n)} customers ({fmt.integer(self.n_repeat)} bought again)."]
        lines.append(f"- While active, a customer makes on average {fmt.number(r / alpha * year, 1)} repeat purchases a "
                     f"year (gamma-distributed rates, r = {fmt.number(r, 3)}, alpha = {fmt.number(alpha, 2)} {unit}).")
        lines.append(f"- Customers stop buying at an average rate of {fmt.number(s / beta * year, 2)} a year (a "
                     "customer's drop-out can come at any time; gamma-distributed drop-out rates, "
                     f"s = {fmt.number(s, 3)}, beta = {fmt.number(beta, 2)} {unit}).")
        return self._closing(lines)


@dataclass(frozen=True)
class GammaGammaResult(Exportable):
    """The Gamma-Gamma model of spend per purchase, fitted to the repeat buyers.

    ``table``: ``term, estimate, se, ci_low, ci_high`` for ``p`` (shape of a purchase's
    amount around the customer's mean), ``q`` and ``v`` (shape and scale of the customers'
    mean spends; population mean spend p*v/(q-1)). ``data``: ``customer, frequency,
    monetary_value`` of all customers given (the fit uses those with frequency > 0).
    ``correlation``: Pearson correlation of frequency and monetary value among repeat buyers.
    """

    _TABLES = {
        "table": ("Spend model", "Parameters of the Gamma-Gamma model of the mean spend per repeat purchase, with SEs "
                  "and intervals."),
    }

    table: pd.DataFrame
    data: pd.DataFrame
    loglik: float
    n: int
    correlation: float
    mean_spend: float
    converged: bool
    iterations: int
    ci_level: float
    problems: tuple[str, ...] = ()

    @property
    def params(self) -> np.ndarray:
        return self.table["estimate"].to_numpy()

    def expected_spend(self, data: object = None) -> pd.DataFrame:
        """Per customer: expected spend per purchase given the history (``customer, frequency,
        monetary_value, expected_spend``); the population mean for customers without repeat purchases."""
        frame = self.data if data is None else history_frame(data, "expected_spend", ("frequency", "monetary_value"))[0]
        out = frame[["customer", "frequency", "monetary_value"]].copy()
        out["expected_spend"] = models.gamma_gamma_expected(frame["frequency"].to_numpy(),
                                                            frame["monetary_value"].to_numpy(), self.params)
        return out

    def _repr_html_(self) -> str:
        return (f"<p>Gamma-Gamma, {self.n:,} repeat buyers, log-likelihood {self.loglik:.3f}</p>"
                + self.table.to_html(index=False))

    def plain_summary(self) -> PlainText:
        """Spend per purchase and the check of the model's key assumption, in sentences."""
        lines = [f"- Fitted to the {fmt.integer(self.n)} customers who bought more than once.",
                 f"- Expected spend per purchase across customers: {fmt.currency(self.mean_spend)}; a customer's own "
                 "average is pulled towards it, the more so the fewer purchases it rests on."]
        verdict = ("small, as the model assumes" if abs(self.correlation) <= MAX_CORRELATION
                   else "large: the model's assumption that spend does not depend on frequency is doubtful")
        lines.append(f"- Correlation of purchase frequency and spend per purchase: {fmt.number(self.correlation, 2)} "
                     f"({verdict}).")
        if not self.converged:
            lines.append("- **Caution:** the fit did not converge; do not use these numbers.")
        return PlainText("\n".join(lines))


@dataclass(frozen=True)
class LifetimeValueResult(Exportable):
    """Discounted expected spend of every customer over the coming ``months``, with bootstrap intervals.

    ``table``: one row per customer: ``customer, segment, frequency, recency, T,
    monetary_value, expected_purchases`` (in the horizon), ``p_alive``, ``expected_spend``
    (per purchase), ``clv``, ``ci_low, ci_high`` (percentile bootstrap interval of the
    customer's CLV: uncertainty of the model parameters; NaN without bootstrap).
    ``segments``: one row per segment (or one "All customers" row): ``segment, customers,
    mean_clv, ci_low, ci_high, total_clv, total_ci_low, total_ci_high`` (intervals from
    resampling customers and refitting both models). ``total_clv`` (property) is the sum
    over customers, ``total_ci_low, total_ci_high`` its bootstrap interval.
    """

    _TABLES = {
        "segments": ("Value by segment", "Customer lifetime value per segment: mean and total with bootstrap intervals "
                     "(customers resampled, both models refitted); segments below the minimum base are not described."),
        "table": ("Value by customer", "Expected purchases, P(alive), expected spend and discounted lifetime value of "
                  "each customer."),
    }

    table: pd.DataFrame
    segments: pd.DataFrame
    months: int
    discount_rate: float
    time_unit: str
    n_boot: int
    failed_draws: int
    ci_level: float
    seed: int | None
    min_base: int = 30
    purchase_model: str = "BG/NBD"
    total_ci_low: float = float("nan")
    total_ci_high: float = float("nan")
    problems: tuple[str, ...] = ()

    @property
    def total_clv(self) -> float:
        return float(self.table["clv"].sum())

    def _repr_html_(self) -> str:
        return (f"<p>CLV over {self.months} months (discount {self.discount_rate:.1%} a month), "
                f"{len(self.table):,} customers, bootstrap {self.n_boot} draws.</p>"
                + self.segments.to_html(index=False))

    def plain_summary(self) -> PlainText:
        """Value per customer and per segment in sentences, with intervals and base sizes."""
        s = self.segments
        pct = fmt.percent(self.ci_level)
        interval = ""
        if np.isfinite(self.total_ci_low):
            interval = (f" ({pct} CI {fmt.currency(self.total_ci_low)} to {fmt.currency(self.total_ci_high)}, "
                        f"{self.n_boot - self.failed_draws} bootstrap draws)")
        lines = [f"- Expected value of the {fmt.integer(len(self.table))} customers over the next {self.months} months "
                 f"(discounted {fmt.percent(self.discount_rate, 1)} a month): {fmt.currency(self.total_clv)} in "
                 f"all{interval}, {fmt.currency(self.table['clv'].mean())} per customer on average."]
        if self.n_boot and self.n_boot > self.failed_draws + 1:
            for row in s[s["customers"] >= self.min_base].itertuples():
                lines.append(f"- {row.segment} (n = {fmt.integer(row.customers)}): {fmt.currency(row.mean_clv)} per "
                             f"customer ({pct} CI {fmt.currency(row.ci_low)} to {fmt.currency(row.ci_high)}).")
        small = s[s["customers"] < self.min_base]
        if len(small):
            names = ", ".join(f"{seg} (n = {fmt.integer(c)})" for seg, c in zip(small["segment"], small["customers"],
                                                                                 strict=True))
            lines.append(f"- Not reported, fewer than {self.min_base} customers: {names}.")
        top = self.table["clv"].sort_values(ascending=False)
        share = top.head(max(1, len(top) // 10)).sum() / top.sum() if top.sum() > 0 else float("nan")
        lines.append(f"- The most valuable tenth of customers holds {fmt.percent(share)} of the expected value.")
        lines.append(f"- These are model forecasts ({self.purchase_model} purchases x Gamma-Gamma spend): they assume "
                     "customers keep "
                     "behaving as in the observed period; intervals cover parameter and sampling uncertainty, not "
                     "changes in the market.")
        if self.failed_draws:
            lines.append(f"- **Caution:** {fmt.integer(self.failed_draws)} of {fmt.integer(self.n_boot)} bootstrap "
                         "refits did not converge and were left out of the intervals.")
        return PlainText("\n".join(lines))


    def plot(self, *, title: str | None = None, ax: Any = None) -> Any:
        """Mean CLV per customer by segment with its bootstrap interval, labelled with the value and base."""
        from ._figures import GREY, PALETTE, keep_inside, new_figure

        seg = self.segments
        y = np.arange(len(seg))[::-1]
        fig, ax = new_figure(7.0, 0.34 * len(seg) + 1.6, ax=ax)
        small = (seg["customers"] < self.min_base).to_numpy()
        colours = [GREY if k else PALETTE[0] for k in small]
        ax.barh(y, seg["mean_clv"], 0.6, color=colours)
        has_ci = np.isfinite(seg["ci_low"].to_numpy())
        if has_ci.any():
            low = (seg["mean_clv"] - seg["ci_low"]).to_numpy()
            high = (seg["ci_high"] - seg["mean_clv"]).to_numpy()
            ax.errorbar(seg["mean_clv"][has_ci], y[has_ci], xerr=[low[has_ci], high[has_ci]], fmt="none",
                        ecolor="black", elinewidth=1, capsize=3)
        right = np.where(has_ci, seg["ci_high"].to_numpy(), seg["mean_clv"].to_numpy())
        for yy, x, mean, n, tiny in zip(y, right, seg["mean_clv"], seg["customers"], small, strict=True):
            note = ", too few to act on" if tiny else ""
            ax.text(x, yy, f"  {fmt.currency(mean)} (n = {fmt.integer(n)}{note})", va="center", fontsize=7)
        ax.set_yticks(y, seg["segment"], fontsize=8)
        ax.set_xlim(0, float(np.nanmax(right)) * 1.35)
        interval = f"; whiskers: {fmt.percent(self.ci_level)} bootstrap interval" if has_ci.any() else ""
        ax.set_xlabel(f"Expected value per customer, next {self.months} months (discounted){interval}", fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title(title or "Customer lifetime value by segment", fontsize=10)
        keep_inside(ax)
        return fig


@dataclass(frozen=True)
class HoldoutValidation(Exportable):
    """Predicted and actual holdout purchases, by number of repeat purchases in the calibration period.

    ``table``: one row per group (``calibration_purchases`` 0, 1, ... and the last group
    ``max_purchases`` or more): ``calibration_purchases, label, customers, actual,
    predicted`` (mean purchases per customer in the holdout period).
    """

    _TABLES = {
        "table": ("Holdout check", "Purchases predicted for the holdout period against those made, by the number of "
                  "repeat purchases in the calibration period."),
    }

    table: pd.DataFrame
    total_actual: float
    total_predicted: float
    duration_holdout: float
    time_unit: str
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    n_customers: int
    model: str = "BG/NBD"

    def _repr_html_(self) -> str:
        return (f"<p>Holdout {self.calibration_end.date()} to {self.observation_end.date()}: actual "
                f"{self.total_actual:,.0f}, predicted {self.total_predicted:,.1f} purchases.</p>"
                + self.table.to_html(index=False))

    def plain_summary(self) -> PlainText:
        """How well the model forecast the holdout purchases, in sentences."""
        error = self.total_predicted / self.total_actual - 1 if self.total_actual else float("nan")
        worst = self.table.assign(gap=(self.table["predicted"] - self.table["actual"]).abs()).sort_values("gap").iloc[-1]
        return PlainText(
            f"- Fitted to purchases up to {self.calibration_end.date()}, the model forecast "
            f"{fmt.number(self.total_predicted, 0)} purchases by {fmt.integer(self.n_customers)} customers in the "
            f"following {fmt.integer(self.duration_holdout)} {_UNIT_WORDS[self.time_unit]}; they made "
            f"{fmt.integer(self.total_actual)} ({fmt.percent(error, 1, signed=True)}).\n"
            f"- The largest gap is for customers with {worst['label']} earlier repeat purchase(s): "
            f"{fmt.number(worst['predicted'], 2)} forecast against {fmt.number(worst['actual'], 2)} made per customer "
            f"(n = {fmt.integer(worst['customers'])}).")

    def plot(self, *, title: str | None = None, ax: Any = None) -> Any:
        """Mean holdout purchases, actual (solid) and predicted (dashed), by calibration purchases."""
        from ._figures import GREY, PALETTE, keep_inside, new_figure

        t = self.table
        fig, ax = new_figure(7.0, 3.8, ax=ax)
        pos = np.arange(len(t))
        ax.plot(pos, t["actual"], "-o", color=PALETTE[0], lw=2)
        ax.plot(pos, t["predicted"], "--s", color=PALETTE[1], lw=2)
        ax.annotate("actual", (pos[-1], t["actual"].iloc[-1]), xytext=(6, 0), textcoords="offset points",
                    va="center", color=PALETTE[0], fontsize=9)
        ax.annotate(f"predicted ({self.model})", (pos[-1], t["predicted"].iloc[-1]), xytext=(6, -12),
                    textcoords="offset points", va="center", color=PALETTE[1], fontsize=9)
        ax.set_xticks(pos, [f"{lab}\n(n = {fmt.integer(c)})" for lab, c in zip(t["label"], t["customers"],
                                                                                strict=True)], fontsize=8)
        ax.set_xlim(-0.4, len(t) - 0.3 + 1.2)
        ax.set_xlabel("Repeat purchases in the calibration period")
        ax.set_ylabel(f"Purchases per customer in the holdout\n({fmt.integer(self.duration_holdout)} "
                      f"{_UNIT_WORDS[self.time_unit]})")
        ax.grid(axis="y", color=GREY, alpha=0.2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title(title or "Holdout purchases: forecast against actual, by earlier purchases", fontsize=10)
        keep_inside(ax)
        return fig
