"""Test a loyalty claim ("customers with positive emotional experiences have 59% higher
retention", "80% lower churn", "a 30% lower churn hazard", "23% higher lifetime value",
"30% higher repurchase rates", "2x more likely to recommend") on your own data.

The claim is turned into the matching estimate with a confidence interval: the ratio of
retention (or churn) at a horizon between the group the claim is about and the others
(Kaplan-Meier or plain proportions), the hazard ratio of churn (Cox, optionally adjusted
for covariates), or for value, repurchase and word-of-mouth claims the ratio of the two
groups' means of an outcome column (spend, a 0/1 repurchase flag, a count of repurchases
or of people told). The verdict compares the claimed ratio with the interval, and the
sample size per group needed to detect the claimed effect is given alongside.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import _outcome_ratios, _survival
from . import formatting as fmt
from ._errors import CxStatsError
from ._format import level as shown_level
from ._format import listing
from ._results import Exportable, PlainText
from .retention import cox_model
from ._validation import check_frame
from ._validation import ci_level as check_ci_level
from ._validation import survey_parts

__all__ = ["KINDS", "VERDICTS", "ClaimResult", "parse_claim", "test_claim", "verdict"]

VERDICTS = ("consistent with the claim", "smaller than claimed", "larger than claimed", "no evidence",
            "opposite to the claim")

_ACCEPTED = ('"59% higher retention", "retention 59% higher", "59% more likely to stay", "80% lower churn", '
             '"churn is 80% lower", "reduces churn by 80%", "30% lower churn hazard", "hazard 30% lower", '
             '"23% higher lifetime value", "spend 20% more", "30% higher repurchase rates", '
             '"2x more likely to recommend", "tell 2 times as many people"')
KINDS = ("retention", "churn", "hazard", "value", "repurchase", "word_of_mouth")
_OUTCOME_KINDS = ("value", "repurchase", "word_of_mouth")  # compared through an outcome= column
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)")
_TIMES = re.compile(r"(\d+(?:\.\d+)?)\s*(?:x|×|times|-?fold)(?![a-z])")  # "2x", "3 times", "2-fold"
_TIMES_WORDS = {"twice": 2.0, "double": 2.0, "doubles": 2.0, "doubled": 2.0, "thrice": 3.0, "triple": 3.0,
                "triples": 3.0, "tripled": 3.0}
_TIMES_WORD = re.compile(r"\b(" + "|".join(_TIMES_WORDS) + r")\b")
_POINTS = re.compile(r"percentage\s+points?|\bpp\b|%\s*-?\s*points?")
_HIGHER = re.compile(r"\b(higher|greater|more|increased?|increases|raises?|boosts?|improves?|better|up|larger)\b")
_LOWER = re.compile(r"\b(lower|less|fewer|reduced?|reduces|reduction|decreased?|decreases|cuts?|lowers|"
                    r"smaller|down|drop|declines?)\b")
_KINDS = (  # checked in this order: "churn hazard" is a hazard claim, "customers who stay spend more" a value one
    ("hazard", re.compile(r"\bhazards?\b")),
    ("value", re.compile(r"\b(lifetime\s+value|life-time\s+value|customer\s+value|clv|ltv|spend\w*|spent|"
                         r"revenue|sales|share\s+of\s+wallet|purchase\s+(amount|value)s?|basket)\b")),
    ("repurchase", re.compile(r"\b(re-?purchas\w*|repeat\s+(purchas|buy|order)\w*|(buy|bought|order\w*|purchas\w*)"
                              r"\s+again|come\s+back|return(ing)?\s+customers?)")),
    ("word_of_mouth", re.compile(r"\b(recommend\w*|referr\w*|refer|word[\s-]+of[\s-]+mouth|wom|tell\w*|told|"
                                 r"promoters?|advocat\w*)\b")),
    ("churn", re.compile(r"\b(churn\w*|attrition|defect\w*|leav\w*|leave|quit\w*|cancel\w*|lapse\w*|"
                         r"los[et]\b|lost)")),
    ("retention", re.compile(r"\b(retention|retain\w*|stay\w*|remain\w*|surviv\w*|renew\w*)\b")),
)


def parse_claim(claim: str) -> tuple[str, str, float]:
    """Read ``(kind, direction, size)`` from a claim such as ``"59% higher retention"``.

    ``kind`` is one of ``KINDS``: ``"retention"``, ``"churn"``, ``"hazard"``, ``"value"``
    (lifetime value, CLV, spend, revenue), ``"repurchase"`` (repurchase rate, buying again)
    or ``"word_of_mouth"`` (recommending, referrals, telling others); ``direction``
    ``"higher"`` or ``"lower"``; ``size`` the relative change as a fraction (0.59). A
    multiple counts as a ratio: "2x more likely", "2 times as many", "twice as much" are
    100% higher (size 1.0); "3 times less" is a ratio of 1/3 (67% lower). A multiple with
    no direction word ("tell 2 times as many people") is read as higher.

    Examples
    --------
    >>> parse_claim("Customers with positive emotions have 59% higher retention")
    ('retention', 'higher', 0.59)
    >>> parse_claim("reduces churn by 80 percent")
    ('churn', 'lower', 0.8)
    >>> parse_claim("happy customers spend 20% more")
    ('value', 'higher', 0.2)
    >>> parse_claim("2x more likely to recommend")
    ('word_of_mouth', 'higher', 1.0)
    """
    if not isinstance(claim, str) or not claim.strip():
        raise CxStatsError(f"A claim must be a sentence such as {_ACCEPTED}; got {claim!r}.")
    text = claim.lower().replace("–", "-")
    if _POINTS.search(text):
        raise CxStatsError(f"Cannot test {claim!r}: percentage points are an absolute difference. State the claim as "
                           f"a relative change, e.g. {_ACCEPTED}.")
    numbers = _NUMBER.findall(text)
    multiples = [float(m) for m in _TIMES.findall(text)] + [_TIMES_WORDS[w] for w in _TIMES_WORD.findall(text)]
    kinds = [kind for kind, pattern in _KINDS if pattern.search(text)]
    kind = kinds[0] if kinds else None
    higher, lower = bool(_HIGHER.search(text)), bool(_LOWER.search(text))
    if len(numbers) + len(multiples) == 1 and multiples and not (higher and lower):
        higher = not lower  # "tell 2 times as many people": a multiple says which way by itself
    count = len(numbers) + len(multiples)
    if count != 1 or kind is None or higher == lower:
        missing = []
        if count != 1:
            missing.append("one percentage" if not count else f"a single percentage or multiple (found {count})")
        if kind is None:
            missing.append("what changes (retention, churn, hazard, lifetime value or spend, repurchase, or "
                           "recommendation / word of mouth)")
        if higher == lower:
            missing.append("one direction (higher or lower)")
        raise CxStatsError(f"Cannot read the claim {claim!r}: it needs {' and '.join(missing)}. Accepted forms include "
                           f"{_ACCEPTED}; or pass kind=, direction= and size= instead.")
    if multiples:
        ratio = multiples[0] if higher else 1 / multiples[0]
        if not np.isfinite(ratio) or ratio <= 0 or ratio == 1:
            raise CxStatsError(f"Cannot test {claim!r}: a multiple of {multiples[0]:g} is no change; state the "
                               "claim as a multiple other than 1 (\"2x\") or a percentage.")
        direction, size = ("higher", ratio - 1) if ratio > 1 else ("lower", 1 - ratio)
    else:
        size = float(numbers[0]) / 100
        direction = "higher" if higher else "lower"
    _check_size(size, direction)
    return kind, direction, size


def _check_size(size: float, direction: str) -> None:
    if not np.isfinite(size) or size <= 0:
        raise CxStatsError(f"The claimed change must be a positive percentage, got {100 * size:g}%.")
    if direction == "lower" and size >= 1:
        raise CxStatsError(f"A rate cannot be {100 * size:g}% lower (100% lower is zero); check the claim.")


@dataclass(frozen=True)
class ClaimResult(Exportable):
    """The claim, the matching estimate and the verdict.

    ``table`` (one row): ``term, estimate, se, statistic, p_value, ci_low, ci_high, claimed,
    change_pct, ci_low_pct, ci_high_pct, claimed_pct, verdict, n_per_group_needed``.
    ``estimate`` is the ratio (focus group / reference group) of retention or churn at the
    horizon, or the hazard ratio; ``se`` is the standard error of its logarithm,
    ``statistic`` the z test of no difference; the ``_pct`` columns restate the ratios as %
    changes. ``groups``: per group ``group, n, events, estimate, se, ci_low, ci_high`` (the
    retention or churn share at the horizon with its interval: Kaplan-Meier log interval or
    Wilson interval for proportions; NaN for hazard claims).
    ``verdict`` is one of "consistent with the claim" (the interval contains the claimed
    value), "smaller than claimed", "larger than claimed" (the effect is in the claimed
    direction but the claimed value lies outside the interval), "no evidence" (the interval
    contains no difference; this takes precedence: an interval that holds both no difference
    and the claimed value is no evidence for the claim) or "opposite to the claim". ``n_per_group_needed``: customers
    per group for 80% power (``power``) at ``alpha`` to detect the claimed effect;
    ``events_needed`` (hazard claims); ``power_at_claim``: the power the data at hand have.

    Value, repurchase and word-of-mouth claims (``kind`` ``"value"``, ``"repurchase"``,
    ``"word_of_mouth"``): ``estimate`` is the ratio of the groups' means of ``outcome`` (for
    a 0/1 outcome, of their shares: a repurchase rate ratio or risk ratio); ``groups`` gives
    per group its mean (or share) with a log-scale (Wilson for shares) interval, and in
    ``events`` the customers with an outcome above 0 (bought again, spent, told someone).
    ``outcome`` names the column compared (or its ``outcome_label``); empty otherwise.
    """

    _TABLES = {
        "table": ("Claim", "The claim tested: the matching estimate with its interval and test, the claimed "
                  "value, the verdict and the customers per group needed to detect it."),
        "groups": ("Groups", "Retention or churn at the horizon in each group, with its interval."),
    }

    table: pd.DataFrame
    groups: pd.DataFrame
    claim: str
    kind: str
    direction: str
    size: float
    measure: str
    method: str
    time: str
    horizon: float
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    verdict: str
    n_per_group_needed: float
    events_needed: float
    power_at_claim: float
    power: float
    alpha: float
    ci_level: float
    focus: str
    reference: str
    problems: tuple[str, ...]
    outcome: str = ""

    def _repr_html_(self) -> str:
        head = (f"<p><b>Claim:</b> {self.claim}<br><b>Estimate:</b> {self.measure}<br>"
                f"<b>Verdict: {self.verdict}</b></p>")
        body = self.table.drop(columns=["verdict"]).round(3).to_html(index=False, na_rep="–")
        body += self.groups.round(3).to_html(index=False, na_rep="–")
        return head + body + "".join(f"<p>⚠ {p}</p>" for p in self.problems)

    def plain_summary(self, *, time_unit: str | None = None) -> PlainText:
        """The claim, what the data say, the verdict and the sample size, in sentences.

        ``time_unit`` (e.g. ``"months"``) words the horizon as "after 24 months" instead of
        naming the time column ("at tenure_months = 24").
        """
        level = fmt.percent(self.ci_level)
        claimed = float(self.table["claimed"].iloc[0])
        thing = {"retention": "retention", "churn": "churn", "hazard": "churn hazard (risk of leaving at any moment)",
                 "value": f"value ({self.outcome})",
                 "repurchase": (f"repurchase rate ({self.outcome})" if self.method == "proportions"
                                else f"repurchases ({self.outcome})"),
                 "word_of_mouth": (f"share recommending or telling others ({self.outcome})"
                                   if self.method == "proportions" else f"word of mouth ({self.outcome})")}
        times = f"{claimed:g} times the {thing[self.kind]} of" if claimed >= 2 else None
        lines = [f"- **Claim:** {self.focus} have " + (times or f"{100 * self.size:.0f}% {self.direction} "
                                                       f"{thing[self.kind]} than") + f" {self.reference}."]
        if self.kind in _OUTCOME_KINDS:
            f, r = self.groups.iloc[0], self.groups.iloc[1]
            if self.method == "proportions":
                lines.append(f"- **In the data:** {fmt.percent(f['estimate'])} of {self.focus} (n = "
                             f"{fmt.integer(f['n'])}) vs {fmt.percent(r['estimate'])} of {self.reference} (n = "
                             f"{fmt.integer(r['n'])}) have {self.outcome} = 1 ({self.method}).")
            else:
                digits = 0 if max(f["estimate"], r["estimate"]) >= 100 else 2
                lines.append(f"- **In the data:** a mean {self.outcome} of {fmt.number(f['estimate'], digits)} among "
                             f"{self.focus} (n = {fmt.integer(f['n'])}) vs {fmt.number(r['estimate'], digits)} among "
                             f"{self.reference} (n = {fmt.integer(r['n'])}) ({self.method}).")
        elif self.kind != "hazard":
            f, r = self.groups.iloc[0], self.groups.iloc[1]
            share = "still customers" if self.kind == "retention" else "had churned"
            lines.append(f"- **In the data:** {fmt.percent(f['estimate'])} of {self.focus} (n = {fmt.integer(f['n'])}) "
                         f"vs {fmt.percent(r['estimate'])} of {self.reference} (n = {fmt.integer(r['n'])}) {share} "
                         + ((f"after {self.horizon:g} {time_unit}" if time_unit else
                             f"at {self.time} = {self.horizon:g}") if np.isfinite(self.horizon)
                            else "at the end of the observation window") + f" ({self.method}).")
        change = 100 * (self.estimate - 1)
        p_value = float(self.table["p_value"].iloc[0])
        lines.append(f"- **Estimate:** {fmt.number(abs(change), 0)}% {'higher' if change >= 0 else 'lower'} "
                     f"({level} CI {_signed(self.ci_low)} to {_signed(self.ci_high)}; against no difference "
                     f"{fmt.p_text(p_value)}); the claim corresponds to "
                     f"{_signed(1 + (self.size if self.direction == 'higher' else -self.size))}.")
        explain = {
            "consistent with the claim": "the claimed size lies within the range the data support.",
            "smaller than claimed": "there is an effect in the claimed direction, but it is smaller than claimed.",
            "larger than claimed": "the effect is in the claimed direction and larger than claimed.",
            "no evidence": "the data are compatible with no difference at all"
                           + (" (and also with the claimed size)." if self.ci_low <= claimed <= self.ci_high else "."),
            "opposite to the claim": "the difference goes the other way.",
        }
        lines.append(f"- **Verdict: {self.verdict}** — {explain[self.verdict]}")
        if np.isfinite(self.n_per_group_needed):
            n_f, n_r = (int(v) for v in self.groups["n"].iloc[:2])
            extra = f" ({self.events_needed:,.0f} churn events)" if self.kind == "hazard" else ""
            lines.append(f"- To detect the claimed effect with {fmt.percent(self.power)} power at the "
                         f"{fmt.percent(self.alpha)} level takes about {fmt.integer(self.n_per_group_needed)} customers "
                         f"per group{extra}; the data have {fmt.integer(n_f)} and {fmt.integer(n_r)} (power "
                         f"{'> 99%' if self.power_at_claim > 0.995 else fmt.percent(self.power_at_claim)}).")
        lines += [f"- Caution: {p}" for p in self.problems]
        return PlainText("\n".join(lines))

    def plot(self, *, title: str | None = None, ax=None):
        """The estimate with its interval on the ratio scale, against no effect and the claim."""
        from ._figures import ACCENT, GREY, PALETTE, new_figure

        own = ax is None
        fig, ax = new_figure(7.0, 2.8, ax=ax)
        claimed = float(self.table["claimed"].iloc[0])
        ax.errorbar([self.estimate], [0], xerr=[[self.estimate - self.ci_low], [self.ci_high - self.estimate]],
                    fmt="o", color=PALETTE[0], capsize=4,
                    label=f"Estimate with its {fmt.number(100 * self.ci_level, 0)}% confidence interval")
        ax.axvline(1, color=GREY, lw=1, ls="--", label="Dashed: no difference")
        ax.axvline(claimed, color=ACCENT, lw=1.5, label=f"Claim ({_signed(claimed)})")
        right_edge = claimed < 1  # the no-difference line is then the rightmost
        ax.text(1, 0.45, "no difference " if right_edge else " no difference", color=GREY, fontsize=8,
                va="center", ha="right" if right_edge else "left")
        ax.annotate(f"{_signed(self.estimate)} ({_signed(self.ci_low)} to {_signed(self.ci_high)})",
                    (self.estimate, 0), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=8,
                    color=PALETTE[0], zorder=3, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
        # (the white box keeps the claim line, often close to the estimate, from striking through the label)
        ax.set_xscale("log")
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        low, high = min(claimed, self.ci_low, 1.0), max(claimed, self.ci_high, 1.0)
        ax.set_xlim(low / 1.15, high * 1.15)
        ticks = sorted({round(claimed, 3), 1.0})
        ax.set_xticks(ticks, [_signed(t) for t in ticks], fontsize=8)
        ax.minorticks_off()
        what = {"retention": "Retention", "churn": "Churn", "hazard": "Churn hazard"}.get(
            self.kind, f"Mean {self.outcome}" if self.method != "proportions" else f"Share with {self.outcome}")
        focus, reference = (str(g) for g in self.groups["group"].iloc[:2])  # the groups by their names
        ax.set_xlabel(f"{what}: {focus} vs {reference}, % difference (log scale)", fontsize=9)
        if own:  # below the plot: inside, it would cover the claim line or the interval
            fig.legend(*ax.get_legend_handles_labels(), fontsize=8, frameon=False, loc="outside lower center", ncols=3)
        else:
            ax.legend(fontsize=8, frameon=False, loc="lower right")
        ax.set_title(title or f"{self.claim}: {self.verdict}", fontsize=10)
        return fig


def _signed(ratio: float) -> str:
    return fmt.percent(ratio - 1, signed=True)


def verdict(claimed_ratio: float, ci_low: float, ci_high: float) -> str:
    """Compare a claimed ratio with a confidence interval of the ratio (see ``VERDICTS``)."""
    if ci_low <= 1 <= ci_high:
        return "no evidence"
    if ci_low <= claimed_ratio <= ci_high:
        return "consistent with the claim"
    if (claimed_ratio > 1) != (ci_low > 1):
        return "opposite to the claim"
    farther = claimed_ratio > ci_high if claimed_ratio > 1 else claimed_ratio < ci_low
    return "smaller than claimed" if farther else "larger than claimed"


def _group_masks(data: pd.DataFrame, group: str | pd.Series, focus: Any, reference: Any
                 ) -> tuple[str, pd.Series, np.ndarray, np.ndarray, str, str]:
    if isinstance(group, pd.Series):
        values, name = group.reindex(data.index), str(group.name or "group")
        if values.isna().all():
            raise CxStatsError("The group Series does not share an index with the data.")
    else:
        if group not in data.columns:
            raise CxStatsError(f"No group column '{group}' in the data; columns: {listing(data.columns, limit=20)}.")
        values, name = data[group], group
    levels = pd.unique(values.dropna()).tolist()
    if focus is None:
        if set(levels) <= {0, 1} and len(levels) == 2:  # also True/False
            focus = True if any(isinstance(v, (bool, np.bool_)) for v in levels) else 1
        else:
            raise CxStatsError(f"Say which group the claim is about with focus= (levels of '{name}': "
                               f"{listing(sorted(levels, key=str), limit=10)}).")
    if focus not in levels:
        raise CxStatsError(f"focus={shown_level(focus)} is not a value of '{name}' "
                           f"(levels: {listing(sorted(levels, key=str))}).")
    focus_mask = (values == focus).to_numpy()
    if reference is None:
        others = [v for v in levels if v != focus]
        reference_mask = values.notna().to_numpy() & ~focus_mask
        reference_label = str(others[0]) if len(others) == 1 and not isinstance(others[0], (bool, np.bool_)) \
            and others[0] not in (0, 1) else "the other customers"
    else:
        if reference not in levels or reference == focus:
            raise CxStatsError(f"reference={reference!r} must be another value of '{name}' "
                               f"(levels: {listing(sorted(levels, key=str))}).")
        reference_mask = (values == reference).to_numpy()
        reference_label = str(reference)
    binary = isinstance(focus, (bool, np.bool_)) or focus in (0, 1)  # a flag: say "with", not "= True"
    focus_label = (f"customers with {name}" if bool(focus) else f"customers without {name}") if binary else str(focus)
    if not reference_mask.any():
        raise CxStatsError(f"All customers are in the focus group {name} = {shown_level(focus)}; there is nobody to "
                           "compare with.")
    return name, values, focus_mask, reference_mask, focus_label, reference_label


def test_claim(data: pd.DataFrame, claim: str | None = None, *, group: str | pd.Series, event: str | None = None,
               time: str | None = None, focus: Any = None, reference: Any = None, kind: str | None = None,
               direction: str | None = None, size: float | None = None, horizon: float | None = None,
               method: str | None = None, covariates: Sequence[str] = (), labels: Sequence[str] | None = None,
               ci_level: float = 0.95, power: float = 0.8, alpha: float = 0.05, outcome: str | None = None,
               outcome_label: str | None = None, levels: tuple[Any, Any] | None = None) -> ClaimResult:
    """Test a claim about one group against the others: retention, churn, the churn hazard,
    lifetime value or spend, repurchase, or word of mouth.

    Retention, churn and hazard claims use ``event`` (and ``time``); value, repurchase and
    word-of-mouth claims use ``outcome``, a column with one value per customer:

    ========================  =============================  ===================================
    claim                     ``outcome``                    estimate
    ========================  =============================  ===================================
    "23% higher lifetime      spend or value, >= 0           ratio of mean value
    value", "spend 20% more"  (e.g. 12-month spend, CLV)
    "30% higher repurchase    0/1 (bought again)             ratio of repurchase rates (shares)
    rates"                    or a count of repurchases      ratio of mean counts (rate ratio)
    "2x more likely to        0/1 (recommended, promoter)    ratio of shares
    recommend", "tell 2       or a count of people told      ratio of mean counts
    times as many people"
    ========================  =============================  ===================================

    For the word-of-mouth asymmetry ("people tell twice as many others about a bad
    experience as about a good one") build one column, the number of people each customer
    told about their experience (complaints for those with a bad one, recommendations for
    the others), and let ``group`` mark the bad experiences (see Examples).

    Parameters
    ----------
    data : one row per customer.
    claim : e.g. ``"59% higher retention"``, ``"80% lower churn"``, ``"hazard 30% lower"``,
        ``"23% higher lifetime value"``, ``"2x more likely to recommend"`` (see
        :func:`parse_claim`); or give ``kind``, ``direction`` and ``size`` instead.
    group : column (or boolean Series aligned with ``data``) that defines the groups.
    event : churn indicator, 1 = churned, 0 = still a customer (censored if ``time`` is given);
        for retention, churn and hazard claims.
    outcome : for value, repurchase and word-of-mouth claims, the column compared: an
        amount (spend, value; zero or more), a 0/1 flag or a count (whole numbers, zero or
        more). Customers with no value in it are left out (noted in ``problems``).
    outcome_label : words for ``outcome`` in sentences, e.g. ``"12-month spend"``
        (default: the column name).
    time : duration observed (e.g. ``tenure_months``); needed for Kaplan-Meier and hazard claims.
    focus : the value of ``group`` the claim is about (default True / 1 for a binary group).
    reference : the value to compare with (default: everybody else).
    levels : ``(focus, reference)`` in one argument, as :func:`cxstats.nps_difference`
        takes the two levels it compares; give either ``levels`` or ``focus``/``reference``.
    kind, direction, size : one of ``KINDS`` (``"retention"``, ``"churn"``, ``"hazard"``,
        ``"value"``, ``"repurchase"``, ``"word_of_mouth"``), ``"higher" | "lower"``, and
        the relative change as a fraction (0.59 for 59%; 1.0 for "2x").
    horizon : time at which retention or churn is compared (default: the longest time
        observed in both groups).
    method : ``"km"`` (Kaplan-Meier at the horizon; default when ``time`` is given) or
        ``"proportion"`` (shares of customers; default without ``time``: everyone must
        have been observed over the same window). Hazard claims always use a Cox model.
    covariates : adjust a hazard ratio for these columns (Cox model).
    labels : names of the two groups for tables and sentences, e.g.
        ``("customers with a positive emotional experience", "the others")``.
    power, alpha : for the sample size needed to detect the claimed effect.

    Returns
    -------
    ClaimResult

    Raises
    ------
    CxStatsError
        The claim cannot be read; a column is missing or the claim kind's column (``event``
        or ``outcome``) is not given; an outcome is negative, not numeric, not whole numbers
        for a count claim, or zero for every customer of a group (the ratio is not
        estimable); arguments of one kind of claim are given for another.

    Warns
    -----
    SmallGroupWarning
        A group has fewer than 50 customers for a ratio of means: with skewed spend the
        interval can then be too narrow (also in ``problems``).

    Notes
    -----
    Ratios are estimated on the log scale: Kaplan-Meier, Var log S(h) = Greenwood's sum
    (Var log(1 - S) = Var S / (1 - S)^2 for churn), groups independent; proportions, the
    Katz log interval Var log p = (1 - p) / (n p) (as statsmodels ``Table2x2.riskratio_confint``);
    hazard ratios from :func:`cxstats.cox_model` (Efron ties, checked against R's coxph).
    Sample sizes: two proportions, the reference group's share and the share implied by
    the claim, Cohen's h and the normal approximation (statsmodels ``NormalIndPower``);
    hazard ratios, Schoenfeld's (1983) events D = 4 (z_{1-alpha/2} + z_power)^2 / log(HR)^2
    for equal groups, divided by the observed share of churners.

    Value, repurchase and word-of-mouth claims: a 0/1 outcome gives the ratio of shares
    (Katz log interval, as above). An amount or a count gives the ratio of means
    m_f / m_r, the group coefficient of a Gamma (amounts) or Poisson (counts) GLM with log
    link; its variance is the robust sandwich Var log(m_f / m_r) = s_f^2 / (n_f m_f^2) +
    s_r^2 / (n_r m_r^2) with the groups' sample variances (checked against statsmodels' GLM
    with ``cov_type="HC0"`` after the n / (n - 1) correction per group). Being robust, it
    needs no distribution: over-dispersed (negative binomial) counts and log-normal spend
    with zeros are covered. Coverage of the 95% interval over 1,000 samples of the
    simulator (``value_outcomes=True``; spend log-normal with sdlog 1, repurchases negative
    binomial): with 1,000 customers per group 94.9% (spend), 95.6% (repurchase rate), 95.7%
    (repurchase counts), as tests/test_claims_outcomes.py checks; measured the same way with
    200 per group 94.4%, 94.1%, 94.9%, and with 50 per group 92.4% for spend, hence the
    warning below 50. Sample size: n per group = (z_{1-alpha/2} + z_power)^2 (cv_f^2 +
    cv_r^2) / log(claimed)^2, with the observed coefficients of variation; for shares,
    Cohen's h as for retention.

    Examples
    --------
    >>> import cxstats
    >>> panel = cxstats.simulate_cx_panel(500, seed=7)
    >>> emo = panel.data[["EMO1", "EMO2", "EMO3"]].mean(axis=1)
    >>> result = test_claim(panel.data, "59% higher retention", group=emo > 4.5, event="churned",
    ...                     time="tenure_months", horizon=24)
    >>> result.verdict
    'consistent with the claim'
    >>> test_claim(panel.data, "80% lower churn", group=emo > 4.5, event="churned",
    ...            time="tenure_months").verdict
    'smaller than claimed'

    Value, repurchase and word of mouth (simulated with ``value_outcomes=True``):

    >>> panel = cxstats.simulate_cx_panel(500, seed=7, value_outcomes=True)
    >>> emo = panel.data[["EMO1", "EMO2", "EMO3"]].mean(axis=1)
    >>> test_claim(panel.data, "23% higher lifetime value", group=emo > 4.5, outcome="spend_12m",
    ...            outcome_label="12-month spend").verdict
    'consistent with the claim'
    >>> test_claim(panel.data, "30% higher repurchase rates", group=emo > 4.5, outcome="repurchased").verdict
    'consistent with the claim'
    >>> experience = pd.cut(emo, [0, 3.5, 5.5, 7], labels=["bad", "neutral", "good"])
    >>> told = panel.data["complaints_told_12m"].where(experience == "bad", panel.data["recommendations_12m"])
    >>> result = test_claim(panel.data.assign(experience=experience, people_told=told),
    ...                     "tell 2 times as many people about a bad experience", group="experience",
    ...                     focus="bad", reference="good", outcome="people_told")
    >>> result.verdict
    'consistent with the claim'
    """
    data, _ = survey_parts(data)
    check_frame(data, where="test_claim")
    ci_level = check_ci_level(ci_level)
    if claim is not None and any(v is not None for v in (kind, direction, size)):
        raise CxStatsError("Give either a claim sentence or kind=, direction= and size=, not both.")
    if claim is None:
        if kind is None or direction is None or size is None:
            raise CxStatsError(f"Give a claim such as {_ACCEPTED}, or all of kind=, direction= and size=.")
        if kind not in KINDS:
            raise CxStatsError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}.")
        if direction not in ("higher", "lower"):
            raise CxStatsError(f"direction must be 'higher' or 'lower', got {direction!r}.")
        size = float(size)
        _check_size(size, direction)
        claim = f"{100 * size:g}% {direction} {kind}"
    else:
        kind, direction, size = parse_claim(claim)
    if not 0 < ci_level < 1 or not 0 < power < 1 or not 0 < alpha < 1:
        raise CxStatsError("ci_level, power and alpha must each be between 0 and 1.")
    _check_roles(data, kind, event, outcome, time, horizon, method, covariates)
    if method is None:
        method = "km" if time is not None else "proportion"
    if method not in ("km", "proportion"):
        raise CxStatsError(f"method must be 'km' (Kaplan-Meier) or 'proportion', got {method!r}.")
    if (kind == "hazard" or method == "km") and time is None:
        raise CxStatsError(f"A {'hazard' if kind == 'hazard' else 'Kaplan-Meier'} comparison needs time= (the "
                           "duration each customer was observed); for shares of a fixed window use "
                           "method='proportion'.")
    if covariates and kind != "hazard":
        raise CxStatsError("covariates= adjusts hazard ratios only; use a hazard claim or leave covariates out.")
    if levels is not None:
        if focus is not None or reference is not None:
            raise CxStatsError("Give the two groups either as levels=(focus, reference) or as focus= and "
                               "reference=, not both.")
        if isinstance(levels, str) or not isinstance(levels, Sequence) or len(levels) != 2:
            raise CxStatsError(f"Argument levels must be a pair (focus, reference) of values of the group, got "
                               f"{levels!r}.")
        focus, reference = levels
    name, values, focus_mask, reference_mask, focus_label, reference_label = _group_masks(data, group, focus,
                                                                                         reference)
    if labels is not None:
        if isinstance(labels, str) or len(labels) != 2 or labels[0] == labels[1]:
            raise CxStatsError(f"labels must be two different names (focus group, reference group), got {labels!r}.")
        focus_label, reference_label = (str(v) for v in labels)
    claimed = 1 + size if direction == "higher" else 1 - size
    z = stats.norm.ppf(0.5 + ci_level / 2)
    problems: list[str] = []
    outcome_name = ""
    if kind in _OUTCOME_KINDS:
        log_ratio, se, groups, binary, notes = _outcome_ratios.outcome_ratio(
            data, kind, outcome, focus_mask, reference_mask, focus_label, reference_label, ci_level)
        problems += notes
        horizon_used = np.nan
        outcome_name = outcome_label or outcome
        measure = (f"{'ratio of shares' if binary else 'ratio of means'} of {outcome_name}, "
                   f"{focus_label} vs {reference_label}")
    elif kind == "hazard":
        log_ratio, se, groups, churn_share, notes = _hazard(data, values, name, focus_mask, reference_mask,
                                                              focus_label, reference_label, time, event,
                                                              list(covariates))
        problems += [note.split(": ", 1)[-1] for note in notes]
        horizon_used = np.nan
        measure = (f"hazard ratio of churn, {focus_label} vs {reference_label} (Cox"
                   + (f", adjusted for {', '.join(covariates)}" if covariates else "") + ")")
    else:
        log_ratio, se, groups, horizon_used, notes = _shares(data, kind, method, focus_mask, reference_mask,
                                                             focus_label, reference_label, time, event, horizon,
                                                             ci_level)
        problems += notes
        what = "retention" if kind == "retention" else "churn"
        measure = (f"{what} ratio, {focus_label} vs {reference_label}, at {time or 'end of window'}"
                   + (f" = {horizon_used:g}" if np.isfinite(horizon_used) else "")
                   + (" (Kaplan-Meier)" if method == "km" else " (proportions)"))
    estimate, low, high = np.exp(log_ratio), np.exp(log_ratio - z * se), np.exp(log_ratio + z * se)
    p_value = float(2 * stats.norm.sf(abs(log_ratio / se)))
    result_verdict = verdict(claimed, low, high)
    n_f, n_r = int(groups["n"].iloc[0]), int(groups["n"].iloc[1])
    if kind in _OUTCOME_KINDS and not binary:
        needed_events = np.nan
        cv_f, cv_r = (float(groups["se"].iloc[i] * np.sqrt(groups["n"].iloc[i]) / groups["estimate"].iloc[i])
                      for i in (0, 1))
        n_needed, power_now = _outcome_ratios.means_sample_size(cv_f, cv_r, claimed, power, alpha, n_f, n_r)
    elif kind == "hazard":
        needed_events, n_needed, power_now = _schoenfeld(claimed, power, alpha, churn_share, n_f, n_r)
    else:
        needed_events = np.nan
        n_needed, power_now, note = _two_proportions(float(groups["estimate"].iloc[1]), claimed, kind, power, alpha,
                                                     n_f, n_r, reference_label)
        if note:
            problems.append(note)
    table = pd.DataFrame([{
        "term": measure, "estimate": estimate, "se": se, "statistic": log_ratio / se, "p_value": p_value,
        "ci_low": low, "ci_high": high, "claimed": claimed, "change_pct": 100 * (estimate - 1),
        "ci_low_pct": 100 * (low - 1), "ci_high_pct": 100 * (high - 1), "claimed_pct": 100 * (claimed - 1),
        "verdict": result_verdict, "n_per_group_needed": n_needed}])
    if kind in _OUTCOME_KINDS:
        method_used = "proportions" if binary else ("ratio of means, Gamma GLM with log link and robust SE"
                                                    if kind == "value" else
                                                    "ratio of means, Poisson GLM with log link and robust SE")
    else:
        method_used = "Cox model" if kind == "hazard" else ("Kaplan-Meier" if method == "km" else "proportions")
    return ClaimResult(table=table, groups=groups, claim=claim, kind=kind, direction=direction, size=size,
                       measure=measure, method=method_used,
                       time=time or "", horizon=float(horizon_used), estimate=float(estimate), ci_low=float(low),
                       ci_high=float(high), p_value=p_value, verdict=result_verdict,
                       n_per_group_needed=float(n_needed), events_needed=float(needed_events),
                       power_at_claim=float(power_now), power=power, alpha=alpha, ci_level=ci_level,
                       focus=focus_label, reference=reference_label, problems=tuple(problems),
                       outcome=outcome_name)


test_claim.__test__ = False  # a public function whose name pytest would otherwise collect


def _check_roles(data: pd.DataFrame, kind: str, event: str | None, outcome: str | None, time: str | None,
                 horizon: float | None, method: str | None, covariates: Sequence[str]) -> None:
    """Each kind of claim gets the columns and options it uses, and only those."""
    if kind in _OUTCOME_KINDS:
        what = {"value": "each customer's spend or lifetime value (e.g. 12-month spend)",
                "repurchase": "whether each customer bought again (0/1) or how many times",
                "word_of_mouth": "whether each customer recommended the company (0/1) or how many people "
                                 "they told"}[kind]
        if outcome is None:
            raise CxStatsError(f"A {kind.replace('_', '-')} claim compares a column of the data: pass outcome=, the "
                               f"column with {what}.")
        if outcome not in data.columns:
            raise CxStatsError(f"No outcome column '{outcome}' in the data; columns: "
                               f"{listing(data.columns, limit=20)}.")
        given = [name for name, value in (("event", event), ("time", time), ("horizon", horizon),
                                          ("method", method)) if value is not None] + (
            ["covariates"] if covariates else [])
        if given:
            raise CxStatsError(f"{', '.join(given)} apply to retention, churn and hazard claims; a "
                               f"{kind.replace('_', '-')} claim compares outcome= only. Leave them out.")
    else:
        if event is None:
            raise CxStatsError(f"A {kind} claim needs event=, the churn indicator column (1 = churned).")
        if outcome is not None:
            raise CxStatsError(f"outcome= is for value, repurchase and word-of-mouth claims; a {kind} claim uses "
                               "event= (and time=). Leave outcome out.")


def _shares(data: pd.DataFrame, kind: str, method: str, focus_mask: np.ndarray, reference_mask: np.ndarray,
            focus_label: str, reference_label: str, time: str | None, event: str, horizon: float | None,
            ci_level: float) -> tuple[float, float, pd.DataFrame, float, list[str]]:
    from statsmodels.stats.proportion import proportion_confint

    notes: list[str] = []
    rows_of = data.assign(__row__=np.arange(len(data)))  # to map complete rows back to the group masks
    sd = _survival.survival_data(rows_of, time, event, others=["__row__"]) if time else None
    rows, logs, variances = [], [], []
    if method == "km":
        row_index = sd.frame["__row__"].to_numpy()
        parts = [focus_mask[row_index], reference_mask[row_index]]
        if horizon is None:
            horizon = float(min(sd.time[m].max() for m in parts if m.any()))
        for label, m in zip((focus_label, reference_label), parts, strict=True):
            if not m.any():
                raise CxStatsError(f"No customers with complete '{time}' and '{event}' in group {label}.")
            curve = _survival.km_curve(sd.time[m], sd.event[m], None, ci_level)
            if horizon > sd.time[m].max():
                raise CxStatsError(f"Nobody in group {label} was observed up to {time} = {horizon:g} (longest: "
                                   f"{sd.time[m].max():g}); choose a shorter horizon.")
            at = _survival.survival_at(curve, [horizon]).iloc[0]
            surv, se = float(at["survival"]), float(at["se"])
            share = surv if kind == "retention" else 1 - surv
            if share <= 0:
                what = "retained customers" if kind == "retention" else "churn events"
                raise CxStatsError(f"No {what} by {time} = {horizon:g} in group {label}: the ratio is not "
                                   "estimable. Choose another horizon or a hazard claim.")
            logs.append(np.log(share))
            variances.append((se / share) ** 2)
            low, high = ((at["ci_low"], at["ci_high"]) if kind == "retention"
                         else (1 - at["ci_high"], 1 - at["ci_low"]))
            rows.append({"group": label, "n": int(m.sum()), "events": int(sd.event[m & (sd.time <= horizon)].sum()),
                         "estimate": share, "se": se, "ci_low": float(low), "ci_high": float(high)})
    else:
        if sd is None:
            if event not in data.columns:
                raise CxStatsError(f"No column '{event}' in the data; columns: {listing(data.columns, limit=20)}.")
            known = rows_of[rows_of[event].notna()]
            churned, row_index = _survival._events(known, event), known["__row__"].to_numpy()
            horizon = np.nan
        else:
            row_index = sd.frame["__row__"].to_numpy()
            if horizon is None:
                horizon = float(sd.time.max())
            unknown = (sd.event == 0) & (sd.time < horizon)
            if unknown.any():
                notes.append(f"{int(unknown.sum())} customers were censored before {time} = {horizon:g} and are left "
                             "out of the proportions, which biases them; prefer method='km'.")
            keep = ~unknown
            churned = ((sd.event == 1) & (sd.time <= horizon))[keep]
            row_index = row_index[keep]
        for label, mask in ((focus_label, focus_mask), (reference_label, reference_mask)):
            m = mask[row_index]
            n = int(m.sum())
            if n == 0:
                raise CxStatsError(f"No customers with a known '{event}' in group {label}.")
            share = float(churned[m].mean()) if kind == "churn" else float(1 - churned[m].mean())
            if share <= 0:
                what = "retained customers" if kind == "retention" else "churners"
                raise CxStatsError(f"No {what} in group {label} ({n} customers): the ratio is not estimable.")
            logs.append(np.log(share))
            variances.append((1 - share) / (n * share))
            low, high = proportion_confint(round(share * n), n, alpha=1 - ci_level, method="wilson")
            rows.append({"group": label, "n": n, "events": int(churned[m].sum()), "estimate": share,
                         "se": np.sqrt(share * (1 - share) / n), "ci_low": float(low), "ci_high": float(high)})
    groups = pd.DataFrame(rows, columns=["group", "n", "events", "estimate", "se", "ci_low", "ci_high"])
    return logs[0] - logs[1], float(np.sqrt(sum(variances))), groups, float(horizon), notes


def _hazard(data: pd.DataFrame, values: pd.Series, name: str, focus_mask: np.ndarray, reference_mask: np.ndarray,
            focus_label: str, reference_label: str, time: str, event: str, covariates: list[str]
            ) -> tuple[float, float, pd.DataFrame, float, tuple[str, ...]]:
    if name in covariates:
        raise CxStatsError(f"'{name}' defines the groups; it cannot also be a covariate.")
    keep = focus_mask | reference_mask
    frame = data.loc[keep, [c for c in dict.fromkeys([time, event, *covariates])]].copy()
    frame[name] = np.where(focus_mask[keep], focus_label, reference_label)
    fit = cox_model(frame, time, event, [name, *covariates], reference={name: reference_label}, concordance=False)
    row = fit.table.iloc[0]
    complete = frame[[time, event, *covariates]].notna().all(axis=1).to_numpy()
    ev = pd.to_numeric(frame[event], errors="coerce").to_numpy()
    rows = []
    for label in (focus_label, reference_label):
        m = (frame[name] == label).to_numpy() & complete
        rows.append({"group": label, "n": int(m.sum()), "events": int(np.nansum(ev[m])), "estimate": np.nan,
                     "se": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    groups = pd.DataFrame(rows)
    return float(row["estimate"]), float(row["se"]), groups, fit.n_events / fit.nobs, fit.problems


def _two_proportions(reference_share: float, claimed: float, kind: str, power: float, alpha: float, n_f: int,
                     n_r: int, reference_label: str) -> tuple[float, float, str | None]:
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    target = reference_share * claimed
    if target >= 1:
        word = {"retention": "retention", "churn": "churn", "repurchase": "repurchase rate"}.get(kind, "share")
        return np.nan, np.nan, (f"The claim is impossible at this base rate: {reference_label} have a {word} of "
                                f"{reference_share:.0%}, and {_signed(claimed)} of that would be {target:.0%}.")
    effect = abs(proportion_effectsize(target, reference_share))
    analysis = NormalIndPower()
    needed = float(np.ceil(analysis.solve_power(effect_size=effect, alpha=alpha, power=power, ratio=1.0)))
    achieved = float(analysis.power(effect_size=effect, nobs1=n_f, alpha=alpha, ratio=n_r / n_f))
    return needed, achieved, None


def _schoenfeld(claimed: float, power: float, alpha: float, churn_share: float, n_f: int, n_r: int
                ) -> tuple[float, float, float]:
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    events = float(np.ceil(4 * (z_alpha + z_power) ** 2 / np.log(claimed) ** 2))
    per_group = float(np.ceil(events / churn_share / 2)) if churn_share > 0 else np.nan
    share_f = n_f / (n_f + n_r)
    observed_events = churn_share * (n_f + n_r)
    achieved = float(stats.norm.cdf(np.sqrt(observed_events * share_f * (1 - share_f)) * abs(np.log(claimed))
                                    - z_alpha))
    return events, per_group, achieved
