"""A panel of customers surveyed in several waves on quality and loyalty (known truth).

The data come from a random-intercept cross-lagged panel model (RI-CLPM; Hamaker, Kuiper
& Grasman 2015), so that :func:`cxstats.sem.riclpm_syntax` fitted with
:func:`cxstats.sem.fit` can be checked against the truth. For respondent ``i`` at wave
``t`` (``Q`` perceived quality, ``L`` loyalty, on the 1-7 scale of a survey)::

    QUAL_it = mu_Q + RI_Q,i + wQ_it            (RI: a customer's stable level, the "trait")
    LOY_it  = mu_L + RI_L,i + wL_it            (w: the wave's deviation from it, the "state")

    wQ_it = a_Q wQ_i,t-1 + c_LQ wL_i,t-1 + u_it
    wL_it = a_L wL_i,t-1 + c_QL wQ_i,t-1 + v_it

``c_QL`` (quality -> loyalty) and ``c_LQ`` (loyalty -> quality) are the cross-lagged
effects, ``a_Q`` and ``a_L`` the autoregressions (carry-over of a wave's deviation to the
next wave). The random intercepts ``(RI_Q, RI_L)`` are bivariate normal with the stated
trait SDs and correlation; the innovations ``(u, v)`` are bivariate normal with the stated
SDs and correlation; the first wave's deviations are drawn from the stationary
distribution of the within-person process, so every wave has the same within-person
variance. The random intercepts are independent of the within-person deviations.

With ``items=k`` each wave's scale score is instead the mean of ``k`` 1-7 ratings
``round(mu + score + e)`` (e normal with SD 0.6) of the construct score above; measurement
error then attenuates the effects a model of the scale scores recovers (a model of the
latent scores per wave would not be attenuated).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._errors import CxStatsError

__all__ = ["SimulatedWaves", "simulate_cx_waves"]

_CONSTRUCTS = {"QUAL": "Perceived quality", "LOY": "Loyalty"}
_ITEM_SD = 0.6


@dataclass(frozen=True)
class SimulatedWaves:
    """Data and true parameters of one simulated survey panel with several waves.

    Attributes
    ----------
    data : wide format, one row per respondent: ``respondent`` and the scale scores
        ``QUAL1 ... QUALT`` and ``LOY1 ... LOYT`` (``T`` = ``waves``); with ``items=k``
        also the item ratings ``QUAL1_1 ... QUAL1_k`` (wave 1, items 1 to k) and so on.
    truth : the true parameters, one row each, with columns ``parameter`` (what it is
        in words), ``kind`` (``cross-lagged``, ``autoregressive``, ``trait variance``,
        ``trait covariance``, ``innovation variance``, ``innovation covariance``,
        ``mean``), ``predictor``, ``outcome`` (construct codes; for variances both
        name the construct) and ``value``. The ``cross-lagged`` and ``autoregressive``
        rows match the ``kind, predictor, outcome`` columns of
        :func:`cxstats.sem.cross_lagged_effects`, and hold at every wave.
    scores : the construct scores without measurement error or dropout, wide format like ``data``
        (identical to the scale scores when ``items=0``), plus the random intercepts
        ``RI_QUAL`` and ``RI_LOY``.
    long : (property) the scale scores in long format, one row per respondent and wave.
    labels : ``{code: label}`` for the constructs and every wave's scale score
        ("Perceived quality, wave 2"), for tables and figures.
    settings : the arguments the panel was generated with.
    """

    data: pd.DataFrame
    truth: pd.DataFrame
    scores: pd.DataFrame
    labels: Mapping[str, str]
    settings: Mapping[str, Any]

    @property
    def waves(self) -> int:
        """The number of waves."""
        return int(self.settings["waves"])

    @property
    def long(self) -> pd.DataFrame:
        """The scale scores in long format: one row per respondent and wave, columns
        ``respondent, wave, QUAL, LOY`` (waves numbered from 1)."""
        return _wide_to_long(self.data, ("QUAL", "LOY"), waves=self.waves)

    def true_value(self, kind: str, predictor: str, outcome: str) -> float:
        """One true parameter, e.g. ``true_value("cross-lagged", "QUAL", "LOY")``.

        Raises
        ------
        CxStatsError
            No parameter of that kind links those constructs.
        """
        row = self.truth[(self.truth["kind"] == kind) & (self.truth["predictor"] == predictor)
                         & (self.truth["outcome"] == outcome)]
        if row.empty:
            raise CxStatsError(f"No true {kind!r} parameter from {predictor!r} to {outcome!r}; the kinds are "
                               f"{', '.join(map(repr, dict.fromkeys(self.truth['kind'])))} and the constructs "
                               "'QUAL' and 'LOY'.")
        return float(row["value"].iloc[0])


def simulate_cx_waves(
    n: int = 500,
    waves: int = 4,
    *,
    quality_to_loyalty: float = 0.20,
    loyalty_to_quality: float = 0.05,
    quality_autoregression: float = 0.40,
    loyalty_autoregression: float = 0.45,
    trait_sd: tuple[float, float] = (0.7, 0.8),
    trait_correlation: float = 0.5,
    innovation_sd: tuple[float, float] = (0.6, 0.6),
    innovation_correlation: float = 0.3,
    means: tuple[float, float] = (5.0, 4.8),
    items: int = 0,
    dropout: float = 0.0,
    seed: int | None = None,
) -> SimulatedWaves:
    """Simulate customers rating quality and loyalty in several survey waves (an RI-CLPM).

    Parameters
    ----------
    n : respondents (at least 20).
    waves : survey waves (at least 3: an RI-CLPM needs three).
    quality_to_loyalty : cross-lagged effect of a wave's quality deviation on the next
        wave's loyalty deviation (within-person, per point of the rating scale).
    loyalty_to_quality : cross-lagged effect of loyalty on the next wave's quality.
    quality_autoregression, loyalty_autoregression : carry-over of each construct's
        deviation from one wave to the next.
    trait_sd : SDs of the stable between-person levels (random intercepts) of quality
        and loyalty.
    trait_correlation : correlation of the two stable levels.
    innovation_sd : SDs of the within-person innovations (the new part of each wave's
        deviation) of quality and loyalty.
    innovation_correlation : correlation of the two innovations at the same wave.
    means : mean scale score of quality and loyalty (the same at every wave).
    items : 0 (the scale scores are the construct scores) or the number of 1-7 items
        per construct and wave whose mean is the scale score.
    dropout : the share of the customers still in the panel who leave it before each
        later wave (panel attrition, completely at random); their answers from then on
        are missing (NaN) in ``data`` (``scores`` keep them). Fit such data with
        ``missing="fiml"``.
    seed : fixes every random draw; the same seed gives identical output.

    Returns
    -------
    SimulatedWaves
        ``data`` (wide), ``long`` (long format), ``truth``, ``scores``, ``labels``.

    Raises
    ------
    CxStatsError
        A count is too small, an SD is not positive, a correlation is outside (-1, 1), or
        the lagged effects make the process explosive (the within-person deviations must
        die out over waves: every eigenvalue of the lag matrix below 1 in size).

    Notes
    -----
    The model is the RI-CLPM of Hamaker, Kuiper & Grasman (2015) with time-invariant
    lagged effects and a stationary within-person process; the first wave's within
    covariance ``S`` solves ``S = B S B' + Psi`` (``B`` the lag matrix, ``Psi`` the
    innovation covariance).

    References
    ----------
    Hamaker, E. L., Kuiper, R. M., & Grasman, R. P. P. P. (2015). A critique of the
    cross-lagged panel model. Psychological Methods, 20(1), 102-116.

    Examples
    --------
    >>> import cxstats
    >>> panel = cxstats.simulate_cx_waves(200, waves=4, seed=1)
    >>> list(panel.data.columns)
    ['respondent', 'QUAL1', 'QUAL2', 'QUAL3', 'QUAL4', 'LOY1', 'LOY2', 'LOY3', 'LOY4']
    >>> panel.true_value("cross-lagged", "QUAL", "LOY")
    0.2
    >>> panel.long.shape
    (800, 4)
    """
    _check_count("n", n, 20)
    _check_count("waves", waves, 3)
    if not 0 <= float(dropout) < 1:
        raise CxStatsError(f"dropout must be a share from 0 up to (not including) 1, got {dropout!r}.")
    if not isinstance(items, (int, np.integer)) or isinstance(items, bool) or items < 0:
        raise CxStatsError(f"items must be 0 or a positive whole number of items per wave, got {items!r}.")
    trait_sd, innovation_sd, means = (_pair(name, value) for name, value in
                                       (("trait_sd", trait_sd), ("innovation_sd", innovation_sd), ("means", means)))
    for name, value in (("trait_sd", trait_sd), ("innovation_sd", innovation_sd)):
        if min(value) <= 0:
            raise CxStatsError(f"{name} must be two positive SDs (quality, loyalty), got {value!r}.")
    for name, value in (("trait_correlation", trait_correlation), ("innovation_correlation", innovation_correlation)):
        if not -1 < float(value) < 1:
            raise CxStatsError(f"{name} must lie strictly between -1 and 1, got {value!r}.")
    lags = np.array([[quality_autoregression, loyalty_to_quality], [quality_to_loyalty, loyalty_autoregression]],
                    dtype=float)
    radius = float(np.max(np.abs(np.linalg.eigvals(lags))))
    if radius >= 1:
        raise CxStatsError(f"The lagged effects make the within-person process explosive (largest eigenvalue of the "
                           f"lag matrix {radius:.3g}, needs to be below 1). Use smaller autoregressions or "
                           "cross-lagged effects.")
    trait_cov = _covariance(trait_sd, trait_correlation)
    innovation_cov = _covariance(innovation_sd, innovation_correlation)
    stationary = _stationary_covariance(lags, innovation_cov)

    rng = np.random.default_rng(seed)
    traits = rng.multivariate_normal(np.zeros(2), trait_cov, size=n)
    within = np.empty((n, waves, 2))
    within[:, 0] = rng.multivariate_normal(np.zeros(2), stationary, size=n)
    for t in range(1, waves):
        within[:, t] = within[:, t - 1] @ lags.T + rng.multivariate_normal(np.zeros(2), innovation_cov, size=n)
    score = np.asarray(means) + traits[:, None, :] + within  # (n, waves, 2)

    codes = tuple(_CONSTRUCTS)
    respondent = pd.DataFrame({"respondent": np.arange(1, n + 1)})
    scores = pd.concat([respondent, pd.DataFrame({f"{c}{t + 1}": score[:, t, j] for j, c in enumerate(codes)
                                                  for t in range(waves)}),
                        pd.DataFrame({"RI_QUAL": traits[:, 0], "RI_LOY": traits[:, 1]})], axis=1)
    data = scores.drop(columns=["RI_QUAL", "RI_LOY"])
    if items:
        ratings = {f"{c}{t + 1}_{k + 1}": np.clip(np.round(score[:, t, j] + rng.normal(0.0, _ITEM_SD, n)), 1, 7)
                   for j, c in enumerate(codes) for t in range(waves) for k in range(items)}
        for j, c in enumerate(codes):
            for t in range(waves):
                data[f"{c}{t + 1}"] = np.mean([ratings[f"{c}{t + 1}_{k + 1}"] for k in range(items)], axis=0)
        data = pd.concat([data, pd.DataFrame(ratings)], axis=1)
    if dropout:
        stays = np.cumprod(np.column_stack([np.ones(n, dtype=bool)] + [rng.random(n) >= dropout
                                                                     for _ in range(waves - 1)]), axis=1).astype(bool)
        for t in range(1, waves):
            gone = [c for c in data.columns if any(c == f"{k}{t + 1}" or c.startswith(f"{k}{t + 1}_") for k in codes)]
            data.loc[~stays[:, t], gone] = np.nan
    labels = dict(_CONSTRUCTS)
    labels.update({f"{c}{t + 1}": f"{label}, wave {t + 1}" for c, label in _CONSTRUCTS.items() for t in range(waves)})
    settings = {"n": n, "waves": waves, "quality_to_loyalty": quality_to_loyalty,
                "loyalty_to_quality": loyalty_to_quality, "quality_autoregression": quality_autoregression,
                "loyalty_autoregression": loyalty_autoregression, "trait_sd": trait_sd,
                "trait_correlation": trait_correlation, "innovation_sd": innovation_sd,
                "innovation_correlation": innovation_correlation, "means": means, "items": items, "dropout": dropout,
                "seed": seed}
    return SimulatedWaves(data=data, truth=_truth(lags, trait_cov, innovation_cov, means), scores=scores,
                          labels=MappingProxyType(labels), settings=MappingProxyType(settings))


def _wide_to_long(data: pd.DataFrame, constructs, *, waves: int, id_column: str = "respondent") -> pd.DataFrame:
    """Wide scale scores (``QUAL1 ... QUALT``) -> one row per respondent and wave."""
    frames = [pd.DataFrame({id_column: data[id_column].to_numpy(), "wave": t,
                            **{c: data[f"{c}{t}"].to_numpy() for c in constructs}})
              for t in range(1, waves + 1)]
    return pd.concat(frames, ignore_index=True).sort_values([id_column, "wave"], ignore_index=True)


def _check_count(name: str, value, minimum: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise CxStatsError(f"{name} must be a whole number of at least {minimum}, got {value!r}.")


def _pair(name: str, value) -> tuple[float, float]:
    try:
        pair = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2 or not all(np.isfinite(pair)):
        raise CxStatsError(f"{name} must be two finite numbers (quality, loyalty), got {value!r}.")
    return pair  # type: ignore[return-value]


def _covariance(sd: tuple[float, float], correlation: float) -> np.ndarray:
    sd_arr = np.asarray(sd)
    return np.outer(sd_arr, sd_arr) * np.array([[1.0, correlation], [correlation, 1.0]])


def _stationary_covariance(lags: np.ndarray, innovation_cov: np.ndarray) -> np.ndarray:
    """S with S = B S B' + Psi (vec S = (I - B kron B)^-1 vec Psi)."""
    vec = np.linalg.solve(np.eye(4) - np.kron(lags, lags), innovation_cov.reshape(-1))
    stationary = vec.reshape(2, 2)
    return (stationary + stationary.T) / 2


def _truth(lags: np.ndarray, trait_cov: np.ndarray, innovation_cov: np.ndarray, means) -> pd.DataFrame:
    q, loy = "QUAL", "LOY"
    rows = [
        ("quality -> loyalty (next wave)", "cross-lagged", q, loy, lags[1, 0]),
        ("loyalty -> quality (next wave)", "cross-lagged", loy, q, lags[0, 1]),
        ("quality -> quality (next wave)", "autoregressive", q, q, lags[0, 0]),
        ("loyalty -> loyalty (next wave)", "autoregressive", loy, loy, lags[1, 1]),
        ("variance of stable quality levels", "trait variance", q, q, trait_cov[0, 0]),
        ("variance of stable loyalty levels", "trait variance", loy, loy, trait_cov[1, 1]),
        ("covariance of stable quality and loyalty levels", "trait covariance", q, loy, trait_cov[0, 1]),
        ("quality innovation variance", "innovation variance", q, q, innovation_cov[0, 0]),
        ("loyalty innovation variance", "innovation variance", loy, loy, innovation_cov[1, 1]),
        ("covariance of quality and loyalty innovations", "innovation covariance", q, loy, innovation_cov[0, 1]),
        ("mean quality", "mean", q, q, means[0]),
        ("mean loyalty", "mean", loy, loy, means[1]),
    ]
    table = pd.DataFrame(rows, columns=["parameter", "kind", "predictor", "outcome", "value"])
    table["value"] = table["value"].astype(float).round(12)
    return table
