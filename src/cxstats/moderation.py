"""Moderated regression: does a good emotional experience buffer poor service quality?

``moderation`` fits ``outcome ~ x + m + x:m (+ covariates)`` by OLS with the predictor and the
moderator mean-centred, reports simple slopes of ``x`` at the moderator's mean and +/- 1 SD,
and the Johnson-Neyman region: the moderator values where the slope of ``x`` is
significant. Slope variance: ``V11 + 2 m V13 + m^2 V33``; the Johnson-Neyman bounds solve
``(b1 + b3 m)^2 = t^2 (V11 + 2 m V13 + m^2 V33)`` (Bauer & Curran, 2005; Hayes, 2022).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.figure import Figure
from scipy import stats

from ._results import Exportable
from ._errors import CxStatsError
from ._format import label_lookup, listing
from ._linear import combination
from ._validation import check_frame
from ._validation import ci_level as check_ci_level
from ._validation import labels_from, survey_parts
from .data.codebook import Codebook

__all__ = ["ModerationResult", "latent_interaction", "moderation"]


@dataclass(frozen=True)
class ModerationResult(Exportable):
    """``table`` (``term, estimate, se, statistic, df, p_value, ci_low, ci_high``; terms are
    centred), ``simple_slopes`` (``moderator_value, label, slope, se, statistic, p_value,
    ci_low, ci_high``, moderator values on the original scale), ``johnson_neyman``
    (moderator values, original scale, where the slope's significance changes; empty if
    never; compare them with ``moderator_range``, the observed minimum and maximum), and
    the means used for centring; ``labels``: the codebook's ``{code: label}`` when the data
    were a Survey (or ``codebook=`` was given)."""

    _TABLES = {
        "table": ("Coefficients", "Regression with the interaction (variables centred): estimate, SE, test, p "
                  "and interval per term."),
        "simple_slopes": ("Simple slopes", "The predictor's effect at low, average and high values of the "
                          "moderator, with tests and intervals."),
    }

    table: pd.DataFrame
    simple_slopes: pd.DataFrame
    johnson_neyman: tuple[float, ...]
    predictor: str
    moderator: str
    outcome: str
    nobs: int
    r2: float
    predictor_mean: float
    moderator_mean: float
    moderator_sd: float
    moderator_range: tuple[float, float]
    _coefficients: np.ndarray
    _vcov: np.ndarray
    labels: Mapping[str, str] = field(default_factory=dict)

    def plot(self, *, title: str | None = None, labels=None, ax=None) -> Figure:
        """Lines of the outcome against the predictor at the moderator's mean and +/- 1 SD.

        ``labels`` (a dict or a Codebook) names the variables, on top of the codebook labels
        kept on the result; ``ax`` draws into your own axes.
        """
        from . import formatting as fmt
        from ._figures import colours, new_figure

        name = label_lookup(labels, own=self.labels)
        b0, b1, b2, b3 = self._coefficients[:4]
        fig, ax = new_figure(7.0, 3.4, ax=ax)
        xs = np.linspace(-2, 2, 50)
        ink = colours(3)
        for row, style, colour in zip(self.simple_slopes.itertuples(), ("--", "-", ":"), (ink[1], ink[0], ink[2]),
                                      strict=True):
            m = row.moderator_value - self.moderator_mean
            where = {"-1 SD": "1 SD below its mean", "mean": "at its mean", "+1 SD": "1 SD above its mean"}[row.label]
            ax.plot(xs + self.predictor_mean, b0 + b1 * xs + b2 * m + b3 * xs * m, style, color=colour, lw=1.8,
                    label=f"{name(self.moderator)} {where} ({fmt.number(row.moderator_value, 2)}): slope "
                          f"{fmt.estimate(row.slope, row.ci_low, row.ci_high)}")
        ax.set_xlabel(f"{name(self.predictor)} (from 2 points below to 2 points above its mean)")
        ax.set_ylabel(f"{name(self.outcome)} (predicted)")
        ax.legend(fontsize=7, frameon=False, title=f"Slope: change in {name(self.outcome)} per point of "
                  f"{name(self.predictor)} [confidence interval]", title_fontsize=7)
        ax.set_title(title or f"How {name(self.moderator)} changes the effect of {name(self.predictor)}", fontsize=10)
        return fig


def moderation(data: pd.DataFrame, outcome: str, predictor: str, moderator: str, *,
               covariates: Sequence[str] = (), ci_level: float = 0.95,
               codebook: Codebook | None = None) -> ModerationResult:
    """Moderated OLS regression with centred predictor and moderator.

    Returns simple slopes at the moderator's mean and +/- 1 SD and the Johnson-Neyman
    points (original moderator scale). Rows with a missing value are dropped. ``data`` may
    be a :class:`~cxstats.Survey`; its codebook (or ``codebook``) labels the plot.
    """
    labels = labels_from(codebook, data)
    data, _ = survey_parts(data)
    check_frame(data, where="moderation")
    ci_level = check_ci_level(ci_level)
    names = [outcome, predictor, moderator, *covariates]
    absent = [c for c in names if c not in data.columns]
    if absent:
        raise CxStatsError(f"moderation: no column {listing(absent, quote=True)} in the data.")
    if len(set(names)) != len(names):
        raise CxStatsError("moderation: outcome, predictor, moderator and covariates must be different columns.")
    frame = data[names].apply(pd.to_numeric, errors="coerce").dropna()
    if len(frame) < len(names) + 3:
        raise CxStatsError(f"moderation: {len(frame)} complete rows are too few.")
    for column in (predictor, moderator):
        if frame[column].std() == 0:
            raise CxStatsError(f"moderation: '{column}' does not vary; it cannot take part in an interaction.")
    x_mean, m_mean, m_sd = frame[predictor].mean(), frame[moderator].mean(), frame[moderator].std(ddof=1)
    x, m = frame[predictor] - x_mean, frame[moderator] - m_mean
    design = pd.DataFrame({"(Intercept)": 1.0, predictor: x, moderator: m, f"{predictor}:{moderator}": x * m})
    for c in covariates:
        design[c] = frame[c]
    fit = sm.OLS(frame[outcome].to_numpy(dtype=float), design.to_numpy(dtype=float)).fit()
    ci = np.asarray(fit.conf_int(alpha=1 - ci_level))
    table = pd.DataFrame({"term": list(design.columns), "estimate": fit.params, "se": fit.bse, "statistic": fit.tvalues,
                          "df": fit.df_resid, "p_value": fit.pvalues, "ci_low": ci[:, 0], "ci_high": ci[:, 1]})
    cov = np.asarray(fit.cov_params())
    t_crit = stats.t.ppf(0.5 + ci_level / 2, fit.df_resid)
    slopes = []
    for label, value in (("-1 SD", -m_sd), ("mean", 0.0), ("+1 SD", m_sd)):
        slope, se = combination(fit.params, cov, {1: 1.0, 3: value})
        tval = slope / se
        slopes.append({"moderator_value": value + m_mean, "label": label, "slope": slope, "se": se, "statistic": tval,
                       "p_value": 2 * stats.t.sf(abs(tval), fit.df_resid), "ci_low": slope - t_crit * se,
                       "ci_high": slope + t_crit * se})
    b1, b3 = fit.params[1], fit.params[3]
    t2 = t_crit**2
    a, b, c = b3**2 - t2 * cov[3, 3], 2 * (b1 * b3 - t2 * cov[1, 3]), b1**2 - t2 * cov[1, 1]
    disc = b * b - 4 * a * c
    points: tuple[float, ...] = ()
    if a != 0 and disc >= 0:
        roots = sorted(((-b - np.sqrt(disc)) / (2 * a), (-b + np.sqrt(disc)) / (2 * a)))
        points = tuple(float(r + m_mean) for r in roots)
    return ModerationResult(table=table, simple_slopes=pd.DataFrame(slopes), johnson_neyman=points,
                            predictor=predictor, moderator=moderator, outcome=outcome, nobs=len(frame),
                            r2=float(fit.rsquared), predictor_mean=float(x_mean), moderator_mean=float(m_mean),
                            moderator_sd=float(m_sd),
                            moderator_range=(float(frame[moderator].min()), float(frame[moderator].max())),
                            _coefficients=fit.params, _vcov=cov, labels=labels)


def latent_interaction(data: pd.DataFrame, predictor_items: Sequence[str], moderator_items: Sequence[str],
                       outcome_items: Sequence[str], *, names: tuple[str, str, str] = ("X", "M", "Y"),
                       **fit_options):
    """A latent interaction by double-mean-centred product indicators (Lin et al., 2010).

    Items are mean-centred, multiplied in matched pairs (first predictor item with first
    moderator item, ...) and the products centred again; the products measure the
    interaction factor ``X:M`` (named ``<X><M>``), and ``Y ~ X + M + <X><M>`` is fitted with
    :func:`cxstats.sem.fit` (options such as ``se="bootstrap"`` pass through). Returns the
    :class:`cxstats.sem.SEMResult`; the interaction is the row ``lhs == Y, rhs == <X><M>``.
    """
    data, _ = survey_parts(data)
    check_frame(data, where="latent_interaction")
    from . import sem

    x_items, m_items, y_items = list(predictor_items), list(moderator_items), list(outcome_items)
    if len(x_items) != len(m_items) or len(x_items) < 2:
        raise CxStatsError(
            f"latent_interaction pairs predictor and moderator items one to one: give the same number (2 or more) "
            f"of each; got {len(x_items)} and {len(m_items)}."
        )
    absent = [c for c in [*x_items, *m_items, *y_items] if c not in data.columns]
    if absent:
        raise CxStatsError(f"latent_interaction: no column {listing(absent, quote=True)} in the data.")
    frame = data[[*x_items, *m_items, *y_items]].apply(pd.to_numeric, errors="coerce").dropna()
    centred = frame - frame.mean()
    products = pd.DataFrame({f"{a}.{b}": centred[a] * centred[b] for a, b in zip(x_items, m_items, strict=True)})
    products = products - products.mean()
    x, m, y = names
    xm = f"{x}{m}"
    model = "\n".join([f"{x} =~ {' + '.join(x_items)}", f"{m} =~ {' + '.join(m_items)}",
                       f"{xm} =~ {' + '.join(products.columns)}", f"{y} =~ {' + '.join(y_items)}",
                       f"{y} ~ {x} + {m} + {xm}"])
    return sem.fit(model, pd.concat([frame, products], axis=1), **fit_options)
