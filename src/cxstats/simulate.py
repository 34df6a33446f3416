"""A multi-country customer-experience panel generated from a stated model (known truth).

The simulator is how cxstats' tests check parameter recovery and how the notebooks show a
method where real multi-country data is not bundled. Everything is fixed by ``seed``.

The model (latent scores, one row per respondent; ``D`` are the five SERVQUAL dimensions
TAN, REL, RES, ASS, EMP and ``Q`` their mean)::

    EXP = mu_EXP[country] + z
    D_k = 0.3 EXP + u_k                    (u correlated 0.45, unit variances)
    EMO = mu_EMO[country] + 0.4 Q + e      (sd 0.8)
    VAL = 0.2 EXP + 0.4 Q + e              (sd 0.8)
    SAT = mu_SAT[country] + sum_k b_k D_k + 0.25 VAL + 0.3 EMO
          + g (Q - mean Q)(EMO - mean EMO) + e   (sd 0.6)
    LOY = 0.5 SAT + 0.25 EMO + 0.15 VAL + e       (sd 0.6)

With ``kano=True`` the reliability dimension is a *basic factor*: its term in SAT is
``0.45 min(REL, 0) + 0.05 max(REL, 0)`` (poor reliability hurts; good reliability does not
delight). Items are 1-7 ratings ``round(intercept + loading * eta + e)`` clipped to the
scale; ``EMO4`` is worded negatively and stored reverse-coded. Retention: each customer
churns at a constant monthly hazard ``0.03 exp(-0.4 EMO - 0.2 SAT)`` and is observed for
24 months.

With ``value_outcomes=True`` the panel also has 12-month behaviour driven by EMO (drawn
from a random stream of their own, so the columns above are the same with or without it)::

    repurchases_12m ~ NegBin(mean 0.8 exp(0.37 EMO), size 1)     repurchased = repurchases_12m > 0
    spend_12m       ~ LogNormal(mean 400 exp(0.16 EMO), sdlog 1)
    recommendations_12m ~ NegBin(mean 1.0 exp(0.5 EMO), size 2)       (people recommended to)
    complaints_told_12m ~ NegBin(mean 2 x 1.0 exp(-0.5 EMO), size 2)  (people told of a bad experience)

The word of mouth is asymmetric: at the same distance from neutral emotion (EMO = +e for
a good, -e for a bad experience) a bad experience is told to twice as many people as a
good one is recommended to (``negativity = 2``).

With ``stages=True`` each customer also has a lifecycle stage (from tenure at the survey and
an activity trend, by :func:`cxstats.lifecycle_stages`, drawn from a stream of their own) and
loyalty depends on satisfaction by stage: ``LOY = b[stage] SAT + 0.25 EMO + 0.15 VAL + e``
with ``b`` = 0.30 (new), 0.40 (growing), 0.50 (mature), 0.70 (declining).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._errors import CxStatsError
from .data.codebook import Codebook

__all__ = ["SimulatedPanel", "simulate_cx_panel", "SERVQUAL"]

SERVQUAL = ("TAN", "REL", "RES", "ASS", "EMP")

_CONSTRUCTS = {
    "EXP": "Expectations",
    "TAN": "Tangibles",
    "REL": "Reliability",
    "RES": "Responsiveness",
    "ASS": "Assurance",
    "EMP": "Empathy",
    "EMO": "Emotional experience",
    "VAL": "Perceived value",
    "SAT": "Satisfaction",
    "LOY": "Loyalty",
    "REC": "Recommendation (NPS question)",
}

_WORDING = {
    "EXP1": "Before I became a customer I expected high overall quality",
    "EXP2": "I expected the service to meet my personal needs",
    "EXP3": "I expected few things to go wrong",
    "TAN1": "The company's facilities and equipment look modern",
    "TAN2": "Staff appear neat and professional",
    "TAN3": "The app, statements and brochures are visually appealing",
    "REL1": "The company delivers its services as promised",
    "REL2": "The company performs the service right the first time",
    "REL3": "The company keeps my records accurately",
    "RES1": "Staff give me prompt service",
    "RES2": "Staff are always willing to help me",
    "RES3": "Staff are never too busy to respond to my requests",
    "ASS1": "I feel safe in my transactions with the company",
    "ASS2": "Staff are consistently courteous to me",
    "ASS3": "Staff have the knowledge to answer my questions",
    "EMP1": "The company gives me individual attention",
    "EMP2": "Staff understand my specific needs",
    "EMP3": "The company has my best interests at heart",
    "EMO1": "Dealing with the company makes me feel happy",
    "EMO2": "I trust the company",
    "EMO3": "I feel grateful for the way I am treated",
    "EMO4": "Dealing with the company frustrates me",
    "VAL1": "The service is worth the price I pay",
    "VAL2": "The service is worth the time and effort it takes",
    "VAL3": "Compared with the alternatives, the service is good value",
    "SAT1": "Overall, I am satisfied with the company",
    "SAT2": "The service meets my expectations",
    "SAT3": "The company comes close to my ideal provider",
    "LOY1": "I intend to stay with the company",
    "LOY2": "I would stay even if its prices rose a little",
    "LOY3": "I say positive things about the company to other people",
    "REC": "How likely are you to recommend the company to a friend or colleague?",
}

_LABELS = {  # short item labels for tables and figures (Codebook.labels)
    "EXP1": "Expected high quality", "EXP2": "Expected to meet my needs", "EXP3": "Expected few problems",
    "TAN1": "Modern facilities", "TAN2": "Neat, professional staff", "TAN3": "Appealing app and materials",
    "REL1": "Delivers as promised", "REL2": "Right the first time", "REL3": "Accurate records",
    "RES1": "Prompt service", "RES2": "Willing to help", "RES3": "Never too busy to respond",
    "ASS1": "Safe transactions", "ASS2": "Courteous staff", "ASS3": "Knowledgeable staff",
    "EMP1": "Individual attention", "EMP2": "Understands my needs", "EMP3": "Has my interests at heart",
    "EMO1": "Feel happy", "EMO2": "Trust the company", "EMO3": "Feel grateful", "EMO4": "Frustrated (reversed)",
    "VAL1": "Worth the price", "VAL2": "Worth the time and effort", "VAL3": "Good value vs alternatives",
    "SAT1": "Overall satisfaction", "SAT2": "Meets expectations", "SAT3": "Close to ideal provider",
    "LOY1": "Intend to stay", "LOY2": "Would stay if prices rose", "LOY3": "Speak positively of it",
    "REC": "Likely to recommend (0–10)",
}

_LIKERT = {1.0: "Strongly disagree", 4.0: "Neither agree nor disagree", 7.0: "Strongly agree"}
_COUNTRIES = ("DE", "US", "CN", "BR")
_COUNTRY_MEANS = {  # latent means of EXP, EMO, SAT by country position
    "EXP": (0.0, 0.2, 0.4, -0.1),
    "EMO": (0.0, 0.1, -0.2, 0.3),
    "SAT": (0.0, 0.15, -0.25, 0.1),
}
_DRIVER_WEIGHTS = {"TAN": 0.05, "REL": 0.30, "RES": 0.20, "ASS": 0.10, "EMP": 0.15}
_KANO_SLOPES = (0.45, 0.05)  # below / above the midpoint for the basic factor REL
_NONINVARIANCE = (  # (item, parameter, value in the affected country)
    ("RES2", "intercept", +0.9),
    ("EMP3", "loading", 0.45),
)
_INTERCEPT = 4.2
_RESIDUAL_SD = 0.65
_MONTHS = 24
_BASE_HAZARD = 0.03
_HAZARD_LOG = {"EMO": -0.4, "SAT": -0.2}
_OUTCOMES = MappingProxyType({  # value_outcomes=True: 12-month behaviour driven by EMO (see the module docstring)
    "spend_mean": 400.0, "log_ratio_spend_EMO": 0.16, "spend_sdlog": 1.0,
    "repurchases_mean": 0.8, "log_ratio_repurchases_EMO": 0.37, "repurchases_size": 1.0,
    "recommendations_mean": 1.0, "log_ratio_recommendations_EMO": 0.5, "word_of_mouth_size": 2.0,
    "negativity": 2.0,
})
_OUTCOME_STREAM = 16  # the outcomes' random stream: default_rng([seed, 16])


@dataclass(frozen=True)
class SimulatedPanel:
    """Data, codebook and the true parameters of one simulated CX panel.

    Attributes
    ----------
    data : one row per respondent: ``respondent``, ``country``, the 31 items (1-7), ``REC``
        (0-10), ``tenure_months`` (1-24) and ``churned`` (1 if the customer left within
        24 months). ``EMO4`` is stored as answered (reverse-worded); load it through
        :func:`cxstats.validate` with the codebook to recode it.
    codebook : the codebook of ``data``.
    scores : the true latent scores (EXP, TAN ... EMP, Q, EMO, VAL, SAT, LOY) per respondent.
    measurement : true loading, intercept and residual sd of every item in every country
        (columns ``construct, item, country, loading, intercept, residual_sd``).
    structural : true regression coefficients, lavaan-style (``lhs, op, rhs, estimate``);
        the interaction row (present when ``interaction`` is not 0) has ``rhs == "Q:EMO"``; with ``kano=True`` REL enters as the
        rows ``REL_low`` and ``REL_high``.
    latent_means : true latent means of EXP, EMO and SAT per country.
    noninvariant : ``(item, parameter, country)`` for each non-invariant item.
    retention : true log hazard ratios of monthly churn per unit of EMO and SAT and the
        base monthly hazard.
    settings : the arguments the panel was generated with.
    outcomes : with ``value_outcomes=True``, the true parameters of the 12-month behaviour
        columns (``spend_12m``, ``repurchased``, ``repurchases_12m``,
        ``recommendations_12m``, ``complaints_told_12m``; model in the module docstring):
        means at EMO = 0, log ratios of the mean per unit of EMO, dispersion, and
        ``negativity`` (people told of a bad experience per person recommended to, at
        mirrored emotion); empty otherwise. :meth:`true_outcome_means` gives each customer's
        expected values, from which the true ratio for any grouping follows.
    stage_effects : with ``stages=True``, the true ``LOY ~ SAT`` coefficient in each
        lifecycle stage (columns ``stage, lhs, op, rhs, estimate``); otherwise None.
    """

    data: pd.DataFrame
    codebook: Codebook
    scores: pd.DataFrame
    measurement: pd.DataFrame
    structural: pd.DataFrame
    latent_means: pd.DataFrame
    noninvariant: tuple[tuple[str, str, str], ...]
    retention: Mapping[str, float]
    settings: Mapping[str, Any]
    outcomes: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    stage_effects: pd.DataFrame | None = None

    def true_mean_differences(self, factors: Sequence[str] | None = None) -> pd.DataFrame:
        """The simulated customers' true differences from the first country, per factor.

        What a latent-mean comparison of these data should recover: for every factor and
        every other country, the difference of the mean true scores and that difference in
        pooled within-country SD units (``d``, the scale of
        :func:`cxstats.sem.latent_mean_differences`).

        Parameters
        ----------
        factors : factor codes (columns of ``scores``); default all.

        Returns
        -------
        DataFrame with columns ``factor, group, reference, difference, d``.

        Raises
        ------
        CxStatsError
            A factor is not among the true scores.
        """
        factors = list(self.scores.columns if factors is None else factors)
        unknown = [f for f in factors if f not in self.scores.columns]
        if unknown:
            raise CxStatsError(f"true_mean_differences(): factor(s) {', '.join(map(repr, unknown))} are not "
                             f"simulated; choose from {', '.join(self.scores.columns)}.")
        country = self.data["country"].to_numpy()
        countries = list(self.settings["countries"])
        reference = countries[0]
        rows = []
        for group in countries[1:]:
            a, b = self.scores[country == reference], self.scores[country == group]
            for factor in factors:
                pooled = np.sqrt(((len(a) - 1) * a[factor].var() + (len(b) - 1) * b[factor].var())
                                 / (len(a) + len(b) - 2))
                difference = b[factor].mean() - a[factor].mean()
                rows.append({"factor": factor, "group": group, "reference": reference,
                             "difference": difference, "d": difference / pooled})
        return pd.DataFrame(rows)

    def true_outcome_means(self) -> pd.DataFrame:
        """Each customer's expected 12-month behaviour given the true emotion score.

        The truth a claim about these customers should recover: for a grouping ``g`` (a
        boolean array), ``means[g].mean() / means[~g].mean()`` is the true ratio of the
        group means (for ``repurchased``, the true ratio of repurchase rates).

        Returns
        -------
        DataFrame, one row per customer, with columns ``spend_12m``, ``repurchased`` (the
        probability of at least one repurchase), ``repurchases_12m``,
        ``recommendations_12m`` and ``complaints_told_12m`` (expected values).

        Raises
        ------
        CxStatsError
            The panel was simulated without ``value_outcomes=True``.

        Examples
        --------
        >>> import cxstats
        >>> panel = cxstats.simulate_cx_panel(100, value_outcomes=True, seed=1)
        >>> panel.true_outcome_means().columns.tolist()[:3]
        ['spend_12m', 'repurchased', 'repurchases_12m']
        """
        if not self.outcomes:
            raise CxStatsError("This panel has no 12-month behaviour; simulate it with "
                               "simulate_cx_panel(..., value_outcomes=True).")
        return _outcome_means(self.scores["EMO"].to_numpy(), self.outcomes)


def simulate_cx_panel(
    n_per_country: int = 500,
    *,
    countries: Sequence[str] = _COUNTRIES,
    noninvariant_items: int = 0,
    noninvariant_country: int = 2,
    interaction: float = 0.0,
    kano: bool = False,
    seed: int | None = None,
    value_outcomes: bool = False,
    stages: bool = False,
) -> SimulatedPanel:
    """Simulate a multi-country CX survey panel with a 24-month retention outcome.

    Parameters
    ----------
    n_per_country : respondents per country (at least 50).
    countries : country codes; the first is the reference (latent means 0).
    noninvariant_items : 0, 1 or 2 items measured differently in one country: 1 shifts the
        intercept of ``RES2`` (scalar non-invariance), 2 also weakens the loading of
        ``EMP3`` (metric non-invariance).
    noninvariant_country : position in ``countries`` of the country with those items.
    interaction : coefficient of the quality x emotion product in the satisfaction
        equation; a negative value means a good emotional experience buffers poor quality.
    kano : make reliability a basic factor (asymmetric effect on satisfaction).
    seed : fixes every random draw; the same seed gives identical output.
    value_outcomes : add 12-month behaviour driven by emotion, for claims on value,
        repurchase and word of mouth: ``spend_12m`` (skewed), ``repurchased`` (0/1),
        ``repurchases_12m``, ``recommendations_12m`` and ``complaints_told_12m`` (people
        told of a bad experience). The truth is in ``outcomes`` and
        :meth:`SimulatedPanel.true_outcome_means`; the other columns do not change.
    stages : add lifecycle stages whose satisfaction -> loyalty effect differs (see
        ``_STAGE_SLOPES``: new 0.30, growing 0.40, mature 0.50, declining 0.70, in
        ``stage_effects``): columns ``months_as_customer`` (tenure at the survey, months),
        ``activity_trend`` (change in activity over the last period, a proportion) and
        ``stage`` (:func:`cxstats.lifecycle_stages` with its default rules). These draws
        come from a stream of their own, so the other columns keep their values except the
        loyalty items and ``REC``, which follow the stage-specific loyalty. Default False:
        the panel of earlier versions, draw for draw.

    Returns
    -------
    SimulatedPanel

    Examples
    --------
    >>> import cxstats
    >>> panel = cxstats.simulate_cx_panel(100, noninvariant_items=1, seed=1)
    >>> panel.data.shape
    (400, 36)
    >>> panel.noninvariant
    (('RES2', 'intercept', 'CN'),)
    """
    countries = tuple(str(c) for c in countries)
    _check_arguments(n_per_country, countries, noninvariant_items, noninvariant_country)
    rng = np.random.default_rng(seed)
    n = n_per_country * len(countries)
    position = np.repeat(np.arange(len(countries)), n_per_country)
    scores = _latent_scores(rng, position, interaction=interaction, kano=kano)
    lifecycle = _lifecycle(seed, n) if stages else None
    if lifecycle is not None:  # LOY = b[stage] SAT + ...: the slope of 0.5 becomes the stage's
        slope = lifecycle["stage"].map(_STAGE_SLOPES).astype(float).to_numpy()
        scores["LOY"] = scores["LOY"] + (slope - _STAGE_SLOPES["mature"]) * scores["SAT"]
    affected = countries[noninvariant_country] if noninvariant_items else None
    measurement = _measurement_table(countries, noninvariant_items, affected)
    items = _items(rng, scores, measurement, countries, position)
    tenure, churned = _retention(rng, scores)
    data = pd.DataFrame({"respondent": np.arange(1, n + 1), "country": np.asarray(countries)[position]})
    data = pd.concat([data, items], axis=1)
    data["REC"] = np.clip(np.round(7.0 + 1.5 * scores["LOY"] + rng.normal(0.0, 1.2, n)), 0, 10)
    data["tenure_months"] = tenure
    data["churned"] = churned
    if value_outcomes:
        data = pd.concat([data, _value_outcomes(seed, scores["EMO"].to_numpy())], axis=1)
    if lifecycle is not None:
        data = pd.concat([data, lifecycle], axis=1)
    return SimulatedPanel(
        data=data,
        codebook=_codebook(len(data), value_outcomes=value_outcomes, stages=stages),
        scores=scores,
        measurement=measurement,
        structural=_structural_table(interaction, kano),
        latent_means=pd.DataFrame(
            {lv: _country_shift(lv, np.arange(len(countries))) for lv in _COUNTRY_MEANS},
            index=pd.Index(countries, name="country"),
        ),
        noninvariant=tuple((item, par, affected) for item, par, _ in _NONINVARIANCE[:noninvariant_items]),
        retention=MappingProxyType({"base_monthly_hazard": _BASE_HAZARD,
                                    **{f"log_hr_{k}": v for k, v in _HAZARD_LOG.items()}}),
        settings=MappingProxyType({"n_per_country": n_per_country, "countries": countries,
                                   "noninvariant_items": noninvariant_items,
                                   "noninvariant_country": noninvariant_country,
                                   "interaction": interaction, "kano": kano, "seed": seed,
                                   "value_outcomes": value_outcomes, "stages": stages}),
        outcomes=_OUTCOMES if value_outcomes else MappingProxyType({}),
        stage_effects=_stage_effects() if stages else None,
    )


def _check_arguments(n_per_country: int, countries: tuple[str, ...], k: int, where: int) -> None:
    if not isinstance(n_per_country, (int, np.integer)) or n_per_country < 50:
        raise CxStatsError(f"n_per_country must be a whole number of at least 50, got {n_per_country!r}.")
    if len(countries) < 1 or len(set(countries)) != len(countries):
        raise CxStatsError(f"countries must be distinct codes, got {countries!r}.")
    if k not in (0, 1, 2):
        raise CxStatsError(f"noninvariant_items must be 0, 1 or 2, got {k!r}.")
    if k and not 0 < where < len(countries):
        raise CxStatsError(
            f"noninvariant_country must point at a country other than the reference "
            f"(1..{len(countries) - 1}), got {where!r}."
        )


def _country_shift(latent: str, position: np.ndarray) -> np.ndarray:
    """Latent mean of each respondent's country; countries past the fourth get mean 0."""
    means = np.array(_COUNTRY_MEANS[latent] + (0.0,) * max(0, int(position.max()) + 1 - len(_COUNTRY_MEANS[latent])))
    return means[position]


def _latent_scores(rng: np.random.Generator, position: np.ndarray, *, interaction: float, kano: bool) -> pd.DataFrame:
    n = len(position)
    exp_ = _country_shift("EXP", position) + rng.standard_normal(n)
    corr = np.full((5, 5), 0.45) + 0.55 * np.eye(5)
    dims = 0.3 * exp_[:, None] + rng.standard_normal((n, 5)) @ np.linalg.cholesky(corr).T
    quality = dims.mean(axis=1)
    emo = _country_shift("EMO", position) + 0.4 * quality + rng.normal(0.0, 0.8, n)
    val = 0.2 * exp_ + 0.4 * quality + rng.normal(0.0, 0.8, n)
    sat = _country_shift("SAT", position) + 0.25 * val + 0.3 * emo
    for k, name in enumerate(SERVQUAL):
        if kano and name == "REL":
            low, high = _KANO_SLOPES
            sat = sat + low * np.minimum(dims[:, k], 0.0) + high * np.maximum(dims[:, k], 0.0)
        else:
            sat = sat + _DRIVER_WEIGHTS[name] * dims[:, k]
    sat = sat + interaction * (quality - quality.mean()) * (emo - emo.mean()) + rng.normal(0.0, 0.6, n)
    loy = 0.5 * sat + 0.25 * emo + 0.15 * val + rng.normal(0.0, 0.6, n)
    frame = {"EXP": exp_, **{name: dims[:, k] for k, name in enumerate(SERVQUAL)},
             "Q": quality, "EMO": emo, "VAL": val, "SAT": sat, "LOY": loy}
    return pd.DataFrame(frame)


def _structural_table(interaction: float, kano: bool) -> pd.DataFrame:
    rows = [(d, "~", "EXP", 0.3) for d in SERVQUAL]
    rows += [("EMO", "~", "Q", 0.4), ("VAL", "~", "EXP", 0.2), ("VAL", "~", "Q", 0.4)]
    for name in SERVQUAL:
        if kano and name == "REL":
            rows += [("SAT", "~", "REL_low", _KANO_SLOPES[0]), ("SAT", "~", "REL_high", _KANO_SLOPES[1])]
        else:
            rows.append(("SAT", "~", name, _DRIVER_WEIGHTS[name]))
    rows += [("SAT", "~", "VAL", 0.25), ("SAT", "~", "EMO", 0.3)]
    if interaction:
        rows.append(("SAT", "~", "Q:EMO", interaction))
    rows += [("LOY", "~", "SAT", 0.5), ("LOY", "~", "EMO", 0.25), ("LOY", "~", "VAL", 0.15)]
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "estimate"])


def _item_names() -> list[tuple[str, str]]:
    return [(name, name.rstrip("0123456789")) for name in _WORDING if name != "REC"]


def _measurement_table(countries: tuple[str, ...], k: int, affected: str | None) -> pd.DataFrame:
    rows = []
    for item, construct in _item_names():
        number = int(item[-1])
        loading = 1.0 + 0.1 * (number % 3)
        intercept = _INTERCEPT + 0.15 * number
        for country in countries:
            row = {"construct": construct, "item": item, "country": country, "loading": loading,
                   "intercept": intercept, "residual_sd": _RESIDUAL_SD}
            for name, parameter, value in _NONINVARIANCE[:k]:
                if item == name and country == affected:
                    row[parameter] = row[parameter] + value if parameter == "intercept" else value
            rows.append(row)
    return pd.DataFrame(rows)


def _items(rng: np.random.Generator, scores: pd.DataFrame, measurement: pd.DataFrame,
           countries: tuple[str, ...], position: np.ndarray) -> pd.DataFrame:
    n = len(scores)
    out = {}
    for item, construct in _item_names():
        par = measurement[measurement["item"] == item].set_index("country").loc[list(countries)]
        loading = par["loading"].to_numpy()[position]
        intercept = par["intercept"].to_numpy()[position]
        latent = scores[construct].to_numpy()
        value = np.clip(np.round(intercept + loading * latent + rng.normal(0.0, _RESIDUAL_SD, n)), 1, 7)
        out[item] = 8.0 - value if item == "EMO4" else value
    return pd.DataFrame(out)


def _retention(rng: np.random.Generator, scores: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    rate = _BASE_HAZARD * np.exp(sum(b * scores[k].to_numpy() for k, b in _HAZARD_LOG.items()))
    time_to_churn = rng.exponential(1.0 / rate)
    churned = (time_to_churn <= _MONTHS).astype(int)
    tenure = np.minimum(np.ceil(time_to_churn), _MONTHS).astype(int)
    return tenure, churned


def _outcome_means(emo: np.ndarray, truth: Mapping[str, float]) -> pd.DataFrame:
    """Expected 12-month behaviour given the emotion score (the model in the module docstring)."""
    repurchases = truth["repurchases_mean"] * np.exp(truth["log_ratio_repurchases_EMO"] * emo)
    size = truth["repurchases_size"]
    recommend = truth["recommendations_mean"] * np.exp(truth["log_ratio_recommendations_EMO"] * emo)
    told = truth["negativity"] * truth["recommendations_mean"] * np.exp(-truth["log_ratio_recommendations_EMO"] * emo)
    return pd.DataFrame({
        "spend_12m": truth["spend_mean"] * np.exp(truth["log_ratio_spend_EMO"] * emo),
        "repurchased": 1.0 - (size / (size + repurchases)) ** size,  # P(NegBin > 0)
        "repurchases_12m": repurchases,
        "recommendations_12m": recommend,
        "complaints_told_12m": told,
    })


def _value_outcomes(seed: int | None, emo: np.ndarray) -> pd.DataFrame:
    """The 12-month behaviour columns, from a random stream of their own (other columns keep their draws)."""
    rng = np.random.default_rng(None if seed is None else [int(seed), _OUTCOME_STREAM])
    truth = _OUTCOMES
    means = _outcome_means(emo, truth)

    def negbin(mean: np.ndarray, size: float) -> np.ndarray:
        return rng.negative_binomial(size, size / (size + mean))

    sdlog = truth["spend_sdlog"]
    spend = means["spend_12m"].to_numpy() * np.exp(sdlog * rng.standard_normal(len(emo)) - sdlog**2 / 2)
    repurchases = negbin(means["repurchases_12m"].to_numpy(), truth["repurchases_size"])
    size = truth["word_of_mouth_size"]
    return pd.DataFrame({
        "spend_12m": np.round(spend, 2),
        "repurchased": (repurchases > 0).astype(int),
        "repurchases_12m": repurchases,
        "recommendations_12m": negbin(means["recommendations_12m"].to_numpy(), size),
        "complaints_told_12m": negbin(means["complaints_told_12m"].to_numpy(), size),
    })


_OUTCOME_VARIABLES = (
    {"name": "spend_12m", "role": "amount", "kind": "number",
     "description": "Amount spent with the company in the 12 months after the survey, in currency units "
                    "(skewed: log-normal); a stand-in for customer lifetime value"},
    {"name": "repurchased", "role": "outcome", "kind": "integer",
     "description": "1 if the customer bought again within the 12 months after the survey, else 0"},
    {"name": "repurchases_12m", "role": "count", "kind": "integer",
     "description": "Number of repeat purchases in the 12 months after the survey"},
    {"name": "recommendations_12m", "role": "count", "kind": "integer",
     "description": "Number of people the customer recommended the company to in the 12 months after the survey"},
    {"name": "complaints_told_12m", "role": "count", "kind": "integer",
     "description": "Number of people the customer told about a bad experience with the company in the "
                    "12 months after the survey (negative word of mouth)"},
)


def _codebook(n_rows: int, *, value_outcomes: bool = False, stages: bool = False) -> Codebook:
    items = [
        {"name": item, "construct": construct, "wording": _WORDING[item], "label": _LABELS[item],
         "scale": [1, 7], "reverse": item == "EMO4", "labels": dict(_LIKERT)}
        for item, construct in _item_names()
    ]
    items.append({"name": "REC", "construct": "REC", "wording": _WORDING["REC"], "label": _LABELS["REC"],
                  "scale": [0, 10],
                  "labels": {0: "Not at all likely", 10: "Extremely likely"}})
    variables = [
        {"name": "respondent", "role": "id", "kind": "integer", "description": "Respondent number"},
        {"name": "country", "role": "group", "kind": "category", "description": "Country of the respondent"},
        {"name": "tenure_months", "role": "count", "kind": "integer",
         "description": "Months observed as a customer (1-24); censored at 24"},
        {"name": "churned", "role": "outcome", "kind": "integer",
         "description": "1 if the customer left within the 24 months observed, else 0"},
    ]
    if value_outcomes:
        variables += [dict(v) for v in _OUTCOME_VARIABLES]
    if stages:
        variables += _STAGE_VARIABLES
    return Codebook.from_dict({
        "dataset": {"name": "simulated_cx_panel", "title": "Simulated multi-country CX panel",
                    "id": "respondent", "groups": ["country"], "n_rows": n_rows,
                    "source": "cxstats.simulate_cx_panel", "licence": "Generated data; no restrictions",
                    "description": "A survey of service quality (SERVQUAL), emotional experience, value, "
                                   "satisfaction and loyalty, with 24-month retention, generated from "
                                   "a stated model with known parameters."},
        "constructs": {k: v for k, v in _CONSTRUCTS.items()},
        "items": items,
        "variables": variables,
    })


# --- lifecycle stages (stages=True) -------------------------------------------------------------
_STAGE_STREAM = 17  # the stages' random stream: default_rng([seed, 17]) (16 is the value outcomes')
_STAGE_SLOPES = {"new": 0.30, "growing": 0.40, "mature": 0.50, "declining": 0.70}  # true LOY ~ SAT per stage
_STAGE_VARIABLES = [
    {"name": "months_as_customer", "role": "covariate", "kind": "integer",
     "description": "Months as a customer at the time of the survey"},
    {"name": "activity_trend", "role": "covariate", "kind": "number",
     "description": "Change in purchase activity over the last period against the one before (proportion)"},
    {"name": "stage", "role": "group", "kind": "category",
     "description": "Lifecycle stage (cxstats.lifecycle_stages, default rules): new, growing, mature, declining"},
]


def _lifecycle(seed: int | None, n: int) -> pd.DataFrame:
    """Tenure at the survey (exponential, mean 24 months, whole months from 1), an activity
    trend (normal, mean 0, sd 0.2) and the stage they imply, from a random stream of their
    own (``default_rng([seed, 17])``), so that the panel's other draws do not move."""
    from .lifecycle import lifecycle_stages

    rng = np.random.default_rng(None if seed is None else [int(seed), _STAGE_STREAM])
    months = np.maximum(np.ceil(rng.exponential(24.0, n)), 1).astype(int)
    trend = np.round(rng.normal(0.0, 0.2, n), 3)
    stage = lifecycle_stages(months, trend=trend)
    return pd.DataFrame({"months_as_customer": months, "activity_trend": trend, "stage": stage.astype(str)})


def _stage_effects() -> pd.DataFrame:
    return pd.DataFrame([(stage, "LOY", "~", "SAT", b) for stage, b in _STAGE_SLOPES.items()],
                        columns=["stage", "lhs", "op", "rhs", "estimate"])
