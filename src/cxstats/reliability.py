"""Measurement quality: reliability of each scale and validity across scales.

``reliability`` gives, per construct, what a paper's reliability table reports: Cronbach's
alpha with its Feldt confidence interval, standardized alpha, the average inter-item
correlation, McDonald's omega and composite reliability from a one-factor CFA, AVE, and
per item the corrected item-total correlation and alpha-if-deleted. ``validity`` fits one
CFA over several constructs and gives AVE, composite reliability, the Fornell-Larcker
table and the heterotrait-monotrait ratio (HTMT).

Validated against psych 2.2.9 (``alpha``) and semTools 0.5.6 (``compRelSEM``, ``AVE``,
``htmt``) with lavaan 0.6.14: tests/reference/reliability_psych_semtools.R.
``scale_scores`` gives each respondent's unit-weighted score on each construct (the mean of
its items), the score most driver analyses start from.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ._errors import CxStatsError, CxStatsWarning
from ._format import caution_lines, label_lookup, listing
from ._results import Exportable, PlainText
from ._sufficient import group_levels, needs_rows, samples
from ._validation import (check_frame, count, labels_from, moments_parts, need_codebook, numeric_columns, one_of,
                          survey_parts, warn)
from ._validation import ci_level as check_ci_level
from .data.codebook import Codebook
from .data.survey import Survey
from .sem.moments import ml_moments

if TYPE_CHECKING:
    from ._moments import Moments

__all__ = ["ReliabilityResult", "ReverseCodingWarning", "ValidityResult", "reliability", "scale_scores", "validity"]


class ReverseCodingWarning(CxStatsWarning):
    """An item correlates negatively with the rest of its construct: reverse-worded and not recoded?"""


def scale_scores(data: pd.DataFrame | Survey, codebook: Codebook | None = None,
                 constructs: Sequence[str] | None = None, *, method: str = "mean", min_answered: int = 1,
                 reverse_coded: bool | None = None) -> pd.DataFrame:
    """Each respondent's score on each construct: the mean (or sum) of the construct's items.

    Parameters
    ----------
    data : respondents in rows: a :class:`~cxstats.Survey` (then ``codebook`` defaults to
        its own, and ``reverse_coded`` to its provenance), or a data frame.
    codebook : says which items measure which construct and which are reverse-worded.
    constructs : the constructs to score, in the order of the result's columns (default:
        every construct of the codebook).
    method : ``"mean"`` (default): the mean of the answered items, on the items' scale.
        ``"sum"``: the sum of the items; a respondent with unanswered items gets the mean of
        the answered ones times the number of items (person-mean imputation), so sums of
        complete and incomplete answers stay comparable.
    min_answered : fewest answered items a respondent needs for a score (default 1); with
        fewer the score is missing (NaN).
    reverse_coded : True when reverse-worded items in ``data`` already point the same way
        as the others (data read with ``reverse_code=True``, the default of
        :func:`cxstats.read_survey`, :func:`cxstats.load_dataset` and
        :func:`cxstats.validate`); False recodes them here as ``low + high - x``. Default:
        the survey's ``provenance.reverse_coded``, or True for a data frame.

    Returns
    -------
    DataFrame
        One column per construct (named by its code), the index of ``data``.

    Raises
    ------
    CxStatsError
        A construct the codebook does not declare, items missing from ``data``,
        ``min_answered`` outside 1 to the number of a construct's items, or an unknown
        ``method``.

    Examples
    --------
    >>> import cxstats
    >>> mobi = cxstats.load_dataset("ecsi_mobile")
    >>> scores = cxstats.scale_scores(mobi, constructs=["CUSA", "CUSL"])
    >>> list(scores.columns), round(float(scores["CUSA"].iloc[0]), 3)
    (['CUSA', 'CUSL'], 5.667)
    """
    from .data.survey import Survey

    if isinstance(data, Survey) and reverse_coded is None:
        reverse_coded = data.provenance.reverse_coded
    if (isinstance(data, Survey) and constructs is None and isinstance(codebook, Sequence)
            and not isinstance(codebook, str)):
        codebook, constructs = None, codebook  # scale_scores(survey, ["SAT", "LOY"])
    data, codebook = survey_parts(data, codebook)
    codebook = need_codebook(codebook, where="scale_scores")
    check_frame(data, where="scale_scores")
    one_of("method", method, ("mean", "sum"))
    blocks = codebook.blocks()
    constructs = list(blocks) if constructs is None else [constructs] if isinstance(constructs, str) else list(constructs)
    unknown = [c for c in constructs if c not in blocks]
    if unknown:
        raise CxStatsError(f"scale_scores: codebook '{codebook.name}' has no items for construct(s) "
                           f"{listing(unknown, quote=True)}; its constructs are {listing(blocks, limit=20, quote=True)}.")
    needed = [i for c in constructs for i in blocks[c]]
    absent = [i for i in needed if i not in data.columns]
    if absent:
        raise CxStatsError(f"scale_scores: the data lack the item(s) {listing(absent, quote=True)}; pass the data "
                           f"that were validated with codebook '{codebook.name}'.")
    if isinstance(min_answered, bool) or not isinstance(min_answered, int | np.integer) or min_answered < 1:
        raise CxStatsError(f"scale_scores: min_answered must be a whole number of at least 1, got {min_answered!r}.")
    short = [c for c in constructs if len(blocks[c]) < min_answered]
    if short:
        raise CxStatsError(f"scale_scores: min_answered={min_answered} is more than the number of items of "
                           f"{listing(short, quote=True)}; lower min_answered.")
    recode = reverse_coded is False
    scores = {}
    for construct in constructs:
        items = numeric_columns(data, list(blocks[construct]), where="scale_scores", role="item")
        if recode:
            for name in items.columns:
                item = codebook.item(name)
                if item.reverse and item.scale is not None:
                    items[name] = item.scale[0] + item.scale[1] - items[name]
        mean = items.mean(axis=1).where(items.notna().sum(axis=1) >= min_answered)
        scores[construct] = mean * items.shape[1] if method == "sum" else mean
    return pd.DataFrame(scores, index=data.index)


@dataclass(frozen=True)
class ReliabilityResult(Exportable):
    """``table``: one row per construct (``construct, n_items, n, alpha, alpha_ci_low,
    alpha_ci_high, alpha_std, average_r, omega, omega_model, cr, ave``, and ``alpha_ordinal``,
    ``omega_ordinal`` with ``ordinal=True``); ``items``: one row
    per item (``construct, item, loading, item_total_r, alpha_if_deleted``); both start with
    a ``group`` column when ``group=`` was given; ``problems``: the warnings issued (e.g. a
    negative item-total correlation, or a Heywood case in a construct's one-factor model), for
    reports; ``labels``: the codebook's ``{code: label}`` when one was given (summaries name
    constructs and items by it, and groups by its value labels of the group column)."""

    _TABLES = {
        "table": ("Reliability", "One row per concept: Cronbach's α with its Feldt interval, standardized α, "
                  "average inter-item correlation, ω, composite reliability and AVE."),
        "items": ("Items", "One row per question: loading on its concept, item-total correlation and α if the "
                  "question were dropped."),
    }

    table: pd.DataFrame
    items: pd.DataFrame
    problems: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        return self.table.round(3).to_html(index=False, na_rep="")

    def plain_summary(self, *, labels: Mapping[str, str] | Codebook | None = None) -> PlainText:
        """Sentences for a stakeholder: can each construct's items be combined into one score?

        Alpha of .80 or more is called good, .70 acceptable, .60 questionable, lower poor
        (George & Mallery's bands, as usually quoted); every item whose corrected item-total
        correlation is below .30 is named. ``labels`` (a dict or a
        Codebook) adds to or replaces the codebook labels kept on the result.
        """
        from . import formatting as fmt

        names = {**self.labels, **fmt.labels_of(labels)}
        name = label_lookup(names)
        lines = caution_lines(self.problems)
        grouped = "group" in self.table.columns
        for row in self.table.itertuples():
            where = "" if not grouped else f" ({name(row.group)})" if str(row.group) in names else (
                f" (group {listing([row.group])})")
            if row.alpha >= 0.80:
                verdict = "its items agree well and can be averaged into one score"
            elif row.alpha >= 0.70:
                verdict = "its items agree acceptably and can be averaged into one score"
            elif row.alpha >= 0.60:
                verdict = "its items agree only moderately (below the usual .70); treat its score with care"
            else:
                verdict = "its items do not agree well enough to be averaged into one score"
            omega = "" if pd.isna(row.omega) else f", ω {fmt.number(row.omega)}"
            lines.append(f"- **{name(row.construct)}**{where}: Cronbach's α {fmt.estimate(row.alpha, row.alpha_ci_low, row.alpha_ci_high)}"
                         f"{omega} over {fmt.integer(row.n_items)} items (n = {fmt.integer(row.n)}): {verdict}.")
            weak = self.items[(self.items["construct"] == row.construct) & (self.items["item_total_r"] < 0.30)
                              & ((self.items["group"] == row.group) if grouped else True)]
            for item in weak.itertuples():
                dropped = ("" if pd.isna(item.alpha_if_deleted) else
                           f"; without it α would be {fmt.number(item.alpha_if_deleted)}")
                lines.append(f"  - {name(item.item)} agrees only weakly with the other items (corrected item-total "
                             f"r = {fmt.number(item.item_total_r)}, below .30){dropped}.")
        return PlainText("\n".join(lines))


@dataclass(frozen=True)
class ValidityResult(Exportable):
    """``table`` (``construct, n_items, ave, cr, omega, omega_model, sqrt_ave, max_r``),
    ``latent_correlations``, ``fornell_larcker`` (sqrt(AVE) on the diagonal, latent
    correlations elsewhere), ``htmt`` and ``htmt2`` (geometric-mean variant), the fitted
    multi-factor CFA as ``model``, ``htmt_ci`` (``construct_a, construct_b, htmt,
    ci_low, ci_high``: bootstrap percentile intervals; empty without ``bootstrap``) and
    ``labels``, the codebook's ``{code: label}`` when one was given."""

    _TABLES = {
        "table": ("Validity", "One row per concept: AVE, composite reliability, ω, √AVE and the largest "
                  "correlation with another concept (Fornell-Larcker: √AVE should exceed it)."),
        "latent_correlations": ("Latent correlations", "Correlations between the concepts estimated by the CFA."),
        "fornell_larcker": ("Fornell-Larcker", "√AVE on the diagonal, latent correlations elsewhere: each "
                            "diagonal value should exceed the others in its row and column."),
        "htmt": ("HTMT", "Heterotrait-monotrait ratios between concepts; below 0.85 supports discriminant "
                 "validity."),
        "htmt_ci": ("HTMT intervals", "HTMT for each pair of concepts with its bootstrap interval; empty "
                    "without a bootstrap."),
    }

    table: pd.DataFrame
    latent_correlations: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    model: Any
    htmt_ci: pd.DataFrame
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def problems(self) -> tuple[str, ...]:
        """The warnings of the CFA behind the numbers (non-convergence, Heywood cases ...)."""
        return tuple(self.model.problems)

    def plain_summary(self, *, labels: Mapping[str, str] | Codebook | None = None,
                      htmt_limit: float = 0.85) -> PlainText:
        """Sentences for a stakeholder: does each construct hold together, and are they distinct?

        Convergent validity: AVE of .50 or more (the construct explains at least half its
        items' variance). Discriminant validity: Fornell-Larcker (sqrt(AVE) above every
        correlation with another construct) and HTMT below ``htmt_limit`` (Henseler et al.,
        2015: .85, or .90 for conceptually close constructs); with a bootstrap, the upper
        end of the HTMT interval is compared. ``labels`` adds to or replaces the codebook
        labels kept on the result.
        """
        from . import formatting as fmt
        from ._format import every

        name = label_lookup(labels, own=self.labels)
        lines = caution_lines(self.problems,
                              then=" The numbers below are not trustworthy until this is resolved.")
        n = f"{fmt.integer(self.model.nobs)} respondents"
        weak = self.table[self.table["ave"] < 0.5]
        strong = self.table[self.table["ave"] >= 0.5]
        ave = lambda v: fmt.number(v, 3 if round(v, 2) == 0.5 else 2)  # noqa: E731  (0.498 is not "0.50")
        if len(strong):
            one = len(strong) == 1
            lines.append(f"- {every(f'**{name(c)}**' for c in strong['construct'])} "
                         f"{'holds' if one else 'hold'} together: {'it explains' if one else 'each explains'} at "
                         f"least half of {'its' if one else 'its own'} items' variance (AVE {ave(strong['ave'].min())}"
                         f"{'' if one else ' or more'}; {n}).")
        for row in weak.itertuples():
            lines.append(f"- **{name(row.construct)}** explains less than half of its items' variance "
                         f"(AVE {ave(row.ave)}, below .50): its items measure it loosely.")
        failing = self.table[self.table["sqrt_ave"] <= self.table["max_r"]]
        if failing.empty:
            lines.append("- By the Fornell–Larcker rule every construct is distinct from the others: each shares more "
                         "variance with its own items than with any other construct.")
        for row in failing.itertuples():
            other = self.latent_correlations.loc[row.construct].drop(row.construct).abs().idxmax()
            lines.append(f"- By the Fornell–Larcker rule **{name(row.construct)}** is not clearly distinct from "
                         f"{name(other)}: the root of its AVE ({fmt.number(row.sqrt_ave)}) is not above their "
                         f"correlation ({fmt.number(row.max_r)}).")
        ci = self.htmt_ci
        bootstrapped = ci["ci_high"].notna().all() and len(ci)
        bound = ci["ci_high"] if bootstrapped else ci["htmt"]
        close = ci[bound >= htmt_limit]
        shown = lambda r: fmt.estimate(r.htmt, r.ci_low, r.ci_high) if bootstrapped else fmt.number(r.htmt)  # noqa: E731
        for row in close.itertuples():
            if row.htmt >= htmt_limit:
                lines.append(f"- {name(row.construct_a)} and {name(row.construct_b)} are hard to tell apart: HTMT "
                             f"{shown(row)}, at or above {fmt.number(htmt_limit)}.")
            else:
                lines.append(f"- {name(row.construct_a)} and {name(row.construct_b)} may be hard to tell apart: HTMT "
                             f"{shown(row)}, whose interval reaches {fmt.number(htmt_limit)}.")
        if close.empty and len(ci):
            top = next(ci.loc[[ci["htmt"].idxmax()]].itertuples())
            lines.append(f"- Every pair is distinct by HTMT (below {fmt.number(htmt_limit)}"
                         f"{', upper interval ends included' if bootstrapped else ''}); the closest pair is "
                         f"{name(top.construct_a)} and {name(top.construct_b)} ({shown(top)}).")
        return PlainText("\n".join(lines))


def _blocks(blocks: Mapping[str, Sequence[str]] | Codebook, constructs: Sequence[str] | None) -> dict[str, list[str]]:
    """The constructs to assess; from a codebook without ``constructs=``, those with 2+ items."""
    found = dict(blocks.blocks()) if isinstance(blocks, Codebook) else {k: list(v) for k, v in blocks.items()}
    if constructs is None and isinstance(blocks, Codebook):
        found = {c: items for c, items in found.items() if len(items) >= 2}
    if constructs is not None:
        unknown = [c for c in constructs if c not in found]
        if unknown:
            raise CxStatsError(f"Unknown construct(s) {listing(unknown, quote=True)}; known: {listing(found, limit=30)}.")
        found = {c: found[c] for c in constructs}
    return {k: list(v) for k, v in found.items()}


def _enough_items(construct: str, items: list[str], minimum: int) -> None:
    if len(items) < minimum:
        raise CxStatsError(
            f"Construct '{construct}' has {len(items)} item(s); {'alpha' if minimum == 2 else 'this'} needs at "
            f"least {minimum}. Leave single-item constructs out (constructs=...)."
        )


def _block_data(data: pd.DataFrame, construct: str, items: list[str], *, minimum: int) -> np.ndarray:
    _enough_items(construct, items, minimum)
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise CxStatsError(f"Construct '{construct}': no column {listing(absent, quote=True)} in the data.")
    repeated = list(dict.fromkeys(i for i in items if items.count(i) > 1))
    if repeated:
        raise CxStatsError(f"Construct '{construct}' lists item(s) {listing(repeated, quote=True)} more than once; "
                           "name each item once.")
    numeric = numeric_columns(data, items, where=f"Construct '{construct}'", role="item")
    values = numeric.dropna().to_numpy(dtype=float)
    if len(values) < 3:
        sparse = [f"'{c}' ({m} missing)" for c, m in numeric.isna().sum().sort_values(ascending=False).items() if m]
        raise CxStatsError(f"Construct '{construct}' has {len(values)} complete rows; at least 3 are needed. The "
                           f"most missing values are in {', '.join(sparse[:3]) or 'no item'}.")
    constant = [i for i, v in zip(items, values.var(axis=0), strict=True) if v == 0]
    if constant:
        raise CxStatsError(
            f"Construct '{construct}': item(s) {listing(constant, quote=True)} are constant in the complete rows; "
            "a constant item has no reliability. Drop it from the construct."
        )
    return values


def _ordinal(values: np.ndarray, items: list[str], construct: str, where: str, problems: list,
             omega: bool) -> tuple[float, float]:
    """(ordinal alpha, categorical omega) of one construct's complete rows."""
    from .sem.ordinal_moments import OrdinalDataError, ordinal_moments

    try:
        moments = ordinal_moments(pd.DataFrame(values, columns=items), items, True, nacov=False,
                                  where=f"reliability(ordinal=True) of construct '{construct}'{where}")
    except OrdinalDataError as exc:
        raise type(exc)(f"Construct '{construct}'{where}: {exc}") from None
    if moments.not_converged:
        problems.append(f"PolychoricConvergenceWarning: construct '{construct}'{where}: the polychoric correlation of "
                        f"{', '.join(f'{a} ~~ {b}' for a, b in moments.not_converged)} did not converge; its ordinal "
                        "alpha is unreliable.")
    if not omega:
        return _alpha(moments.cor), np.nan
    loadings = _dwls_one_factor(moments.cor, moments.cor_se)
    if np.any(np.abs(loadings) >= 1.0):
        from .sem import HeywoodWarning

        problems.append(warn(
            f"Construct '{construct}'{where}: the one-factor model of the items' polychoric correlations has a "
            f"standardized loading of 1 or more ({', '.join(f'{i} {v:.2f}' for i, v in zip(items, loadings))}), so "
            "categorical omega is not defined (omega_ordinal is missing). The items may not measure one concept.",
            HeywoodWarning))
        return _alpha(moments.cor), np.nan
    thresholds = [moments.thresholds[i] for i in items]
    return _alpha(moments.cor), _categorical_omega(np.outer(loadings, loadings), moments.cor, thresholds)


def _dwls_one_factor(cor: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Standardized loadings of a one-factor model of a polychoric matrix by DWLS (lavaan's WLSMV estimates).

    With ordered items in the delta parameterization the thresholds of a one-factor model are
    fitted exactly and the residual variances are 1 - l^2, so DWLS minimises
    sum_(i<j) (r_ij - l_i l_j)^2 / se_ij^2 (lavaan's weights 1 / diag(NACOV), up to N).
    """
    from scipy.optimize import least_squares

    k = cor.shape[0]
    rows, cols = np.tril_indices(k, -1)
    weight = 1.0 / se[rows, cols]
    values, vectors = np.linalg.eigh(cor)
    start = vectors[:, -1] * np.sqrt(max(values[-1] - 1.0, 0.1) * k / (k - 1))
    start = start if start.sum() >= 0 else -start
    fit = least_squares(lambda l: weight * (cor[rows, cols] - l[rows] * l[cols]), start,
                        xtol=1e-15, ftol=1e-15, gtol=1e-15, method="lm")
    loadings = fit.x
    return loadings if loadings.sum() >= 0 else -loadings


def _categorical_omega(common: np.ndarray, total: np.ndarray, thresholds: list[np.ndarray]) -> float:
    """Green & Yang's (2009) categorical omega (semTools ``compRelSEM`` with ``ord.scale = TRUE``).

    sum_jj' [sum_cc' Phi2(t_jc, t_j'c'; C_jj') - sum_c Phi(t_jc) sum_c' Phi(t_j'c')] over the same with the
    polychoric matrix R in place of the common (factor) part C = l l' of the latent responses.
    """
    from scipy.special import ndtr

    from .sem.ordinal_moments import bvn_cdf

    def joint(matrix: np.ndarray) -> float:
        total_sum = 0.0
        for j, tj in enumerate(thresholds):
            for jp, tjp in enumerate(thresholds):
                r = matrix[j, jp]
                h, kk = np.meshgrid(tj, tjp, indexing="ij")
                if r >= 1.0:
                    both = ndtr(np.minimum(h, kk)).sum()
                else:
                    both = bvn_cdf(h, kk, r).sum()
                total_sum += both - ndtr(tj).sum() * ndtr(tjp).sum()
        return total_sum

    return joint(common) / joint(total)


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def _composite_reliability(loadings: np.ndarray) -> float:
    """rho_C of standardized loadings l: (sum l)^2 / ((sum l)^2 + sum(1 - l^2))."""
    total = float(np.sum(loadings)) ** 2
    return total / (total + float(np.sum(1 - np.asarray(loadings) ** 2)))


def _feldt(alpha: float, n: int, k: int, ci_level: float) -> tuple[float, float]:
    """Feldt (1965) interval: 1 - (1 - alpha) F, with F on (n - 1, (n - 1)(k - 1)) df."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    upper_q, lower_q = stats.f.ppf([0.5 + ci_level / 2, 0.5 - ci_level / 2], df1, df2)
    return 1 - (1 - alpha) * upper_q, 1 - (1 - alpha) * lower_q


def _one_factor(items: list[str], n: int, cov: np.ndarray, rows: dict, *, construct: str, where: str,
                problems: list[str]) -> tuple[np.ndarray, float, float, float]:
    """Standardized loadings, omega (observed total variance), omega (model variance), AVE;
    ``cov`` has divisor n - 1 and ``rows`` is what ``sem.fit`` fits (the rows, or cov= and nobs=).

    The CFA's warnings are issued again naming the construct (the model calls it ``F``) and
    appended to ``problems``.
    """
    from . import sem

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sem.fit("F =~ " + " + ".join(items), std_lv=True, **rows)
    for caught_warning in caught:
        advice = (f" The model-based values of '{construct}' (ω, CR, AVE, loadings) rest on this model; "
                  "factor=False gives the item statistics alone."
                  if issubclass(caught_warning.category, CxStatsWarning) else "")
        problems.append(warn(f"Construct '{construct}'{where}, one-factor model: {caught_warning.message}{advice}",
                             caught_warning.category))
    loadings = fit.table[fit.table["op"] == "=~"].set_index("rhs")
    residual = fit.table[(fit.table["op"] == "~~") & (fit.table["lhs"] != "F")].set_index("lhs")
    lam, theta = loadings.loc[items, "estimate"].to_numpy(), residual.loc[items, "estimate"].to_numpy()
    true_part = lam.sum() ** 2
    sample = cov * ((n - 1) / n)  # divisor N, as lavaan's sample moments
    return (loadings.loc[items, "std_all"].to_numpy(), true_part / sample.sum(),
            true_part / (true_part + theta.sum()), float((lam**2).sum() / np.trace(sample)))


def _rows_sample(data: pd.DataFrame):
    """For :func:`_reliability`: a construct's (n, covariance, what sem.fit fits) from the rows
    complete within the construct."""
    def sample_of(construct: str, items: list[str]) -> tuple[int, np.ndarray, dict]:
        values = _block_data(data, construct, items, minimum=2)
        return len(values), np.cov(values, rowvar=False), {"data": pd.DataFrame(values, columns=items)}
    return sample_of


def _moments_sample(moments, group: str | None, level):
    """For :func:`_reliability`: a construct's (n, covariance, what sem.fit fits) from a Moments
    (the rows complete on every item of the Moments, in group ``level``)."""
    def sample_of(construct: str, items: list[str]) -> tuple[int, np.ndarray, dict]:
        _enough_items(construct, items, 2)
        sample = samples(moments, items, group, where="reliability", labels=None if group is None else [level],
                         minimum=0)[0]
        if sample.n < 3:
            raise CxStatsError(f"Construct '{construct}' has {sample.n} complete rows; at least 3 are needed.")
        constant = [i for i, v in zip(items, np.diag(sample.cov.to_numpy()), strict=True) if v <= 0]
        if constant:
            raise CxStatsError(f"Construct '{construct}': item(s) {listing(constant, quote=True)} are constant in the "
                               "complete rows; a constant item has no reliability. Drop it from the construct.")
        return sample.n, sample.cov.to_numpy(), {"cov": sample.cov, "nobs": sample.n}
    return sample_of


def _inputs(data, blocks, where: str, *, group: str | None = None):
    """What ``reliability`` and ``validity`` start from: (data frame or None, the Moments or
    None, the blocks, the codebook labels), with the data checked when rows were given."""
    labels = labels_from(blocks, data, group=group)
    data, blocks = survey_parts(data, blocks)
    data, moments = moments_parts(data, where=where)
    blocks = need_codebook(blocks, where=where, argument="blocks")
    if moments is None:
        check_frame(data, where=where)
    return data, moments, blocks, labels


def reliability(data: pd.DataFrame | Survey | Moments, blocks: Mapping[str, Sequence[str]] | Codebook | None = None, *,
                constructs: Sequence[str] | None = None, ci_level: float = 0.95,
                factor: bool = True, group: str | None = None, ordinal: bool = False) -> ReliabilityResult:
    """Reliability of each construct's items (rows complete within the construct).

    Parameters
    ----------
    data : respondents in rows, or a :class:`~cxstats.Survey` (its codebook is then the
        default ``blocks``, and its labels name constructs and items in the summary), or a
        :class:`~cxstats.Moments` over the items: every number comes from each construct's
        n and covariance matrix, so the result equals that of the rows complete on all the
        Moments' items (on complete data, the same rows); ``group`` must then be the
        Moments' group column.
    blocks : ``{construct: [items]}`` or a :class:`Codebook` (its constructs).
    constructs : a subset of the constructs.
    ci_level : level of the Feldt interval for alpha.
    factor : fit a one-factor model per construct of three or more items for ``omega``,
        ``omega_model``, ``cr``, ``ave`` and the item loadings (default). ``False`` gives the
        item-level statistics only (alpha, standardized alpha, item-total correlations),
        which need no model: use it when a construct's one-factor model is improper
        (a Heywood case) and only alpha is wanted; the model-based columns are then missing.
    group : a column (country, segment, wave) to report the reliability by: each group's
        rows are analysed on their own, and ``table`` and ``items`` start with a ``group``
        column (levels sorted; rows without a group value are left out).
    ordinal : also give ordinal alpha (column ``alpha_ordinal``): Cronbach's alpha of the
        items' polychoric correlation matrix (Zumbo, Gadermann & Zeisser, 2007), and, with
        ``factor=True`` and three or more items, categorical omega (``omega_ordinal``; Green &
        Yang, 2009) from a one-factor model of the polychorics fitted by DWLS (the estimates of
        lavaan's WLSMV), for Likert items whose answers are ordered categories (coded as integers).
        The polychorics are lavaan's two-step estimates (:func:`cxstats.polychoric`) on the
        construct's complete rows.

    Notes
    -----
    alpha = k/(k-1) (1 - sum var_i / var_total); standardized alpha = k r / (1 + (k-1) r)
    with r the mean inter-item correlation; omega = (sum lambda)^2 / var(sum score) from a
    one-factor ML CFA with the observed variance of the sum (semTools ``compRelSEM``) and
    ``omega_model`` with the model-implied variance; ``cr`` = (sum l)^2 / ((sum l)^2 +
    sum(1 - l^2)) for standardized loadings l; ``ave`` = sum lambda^2 / sum s_ii, the share of
    the observed item variance the factor explains (semTools ``AVE``). Constructs with two
    items get alpha but no CFA-based values (a two-item factor is not identified alone).
    Ordinal alpha = k/(k-1) (1 - k / sum R) for the polychoric matrix R, as psych's
    ``alpha(polychoric(x)$rho)``: equal to 1e-10 on the same matrix; psych's own polychorics
    differ from lavaan's by about 1e-3 (psych adds 0.5 to empty cells and stops its optimiser
    earlier), and ordinal alpha with them by less than 1e-3
    (``tests/reference/lavaan_polychoric.R``). Categorical omega matches
    ``semTools::compRelSEM(cfa(model, data, ordered = items, std.lv = TRUE))`` (semTools 0.5.6,
    lavaan 0.6.14) to 1e-6.
    """
    data, moments, blocks, labels = _inputs(data, blocks, "reliability", group=group)
    ci_level = check_ci_level(ci_level)
    if ordinal and moments is not None:
        raise CxStatsError("reliability(ordinal=True) needs the rows: polychoric correlations cannot be computed "
                           "from means and covariances. Pass the data instead of a Moments, or drop ordinal=True.")
    chosen = _blocks(blocks, constructs)
    if group is None:
        sample_of = _rows_sample(data) if moments is None else _moments_sample(moments, None, None)
        table, items, problems = _reliability(sample_of, chosen, ci_level, factor, where="", ordinal=ordinal)
        return ReliabilityResult(table=table, items=items, problems=problems, labels=labels)
    if moments is not None:
        parts = [(level, _moments_sample(moments, group, level))
                 for level in group_levels(moments, group, where="reliability")]
    elif not isinstance(group, str) or group not in data.columns:
        raise CxStatsError(f"reliability: no group column {group!r} in the data; columns: "
                           f"{listing(data.columns, limit=20, quote=True)}.")
    else:
        parts = [(level, _rows_sample(part)) for level, part in data.groupby(group, sort=True)]
    tables, item_tables, problems = [], [], []
    for level, sample_of in parts:
        where = f" in group '{level}' of '{group}'"
        try:
            table, items, found = _reliability(sample_of, chosen, ci_level, factor, where=where, ordinal=ordinal)
        except CxStatsError as exc:
            raise CxStatsError(f"Group '{level}' of '{group}': {exc}") from None
        tables.append(table.assign(group=level))
        item_tables.append(items.assign(group=level))
        problems.extend(found)
    first = lambda frame: frame[["group", *[c for c in frame.columns if c != "group"]]]  # noqa: E731
    return ReliabilityResult(table=first(pd.concat(tables, ignore_index=True)),
                             items=first(pd.concat(item_tables, ignore_index=True)), problems=tuple(problems),
                             labels=labels)


def _reliability(sample_of, blocks: dict[str, list[str]], ci_level: float, factor: bool, *,
                 where: str, ordinal: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """The construct and item tables of one sample, every number from each construct's n and
    covariance matrix (``sample_of``: :func:`_rows_sample` or :func:`_moments_sample`);
    ``where`` names the group in warnings. Ordinal values need the rows."""
    rows, item_rows, problems = [], [], []
    for construct, items in blocks.items():
        n, cov, fit_rows = sample_of(construct, items)
        k = len(items)
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)
        alpha = _alpha(cov)
        average_r = (corr.sum() - k) / (k * (k - 1))
        low, high = _feldt(alpha, n, k, ci_level)
        loadings, omega, omega_model, cr, ave = np.full(k, np.nan), np.nan, np.nan, np.nan, np.nan
        if factor and k >= 3:
            loadings, omega, omega_model, ave = _one_factor(items, n, cov, fit_rows, construct=construct, where=where,
                                                            problems=problems)
            cr = _composite_reliability(loadings)
        rows.append({"construct": construct, "n_items": k, "n": n, "alpha": alpha, "alpha_ci_low": low,
                     "alpha_ci_high": high, "alpha_std": k * average_r / (1 + (k - 1) * average_r),
                     "average_r": average_r, "omega": omega, "omega_model": omega_model, "cr": cr, "ave": ave})
        if ordinal:
            values = fit_rows["data"].to_numpy()
            alpha_ord, omega_ord = _ordinal(values, items, construct, where, problems, factor and k >= 3)
            rows[-1]["alpha_ordinal"], rows[-1]["omega_ordinal"] = alpha_ord, omega_ord
        with_total, total = cov.sum(axis=1), cov.sum()  # cov(x_j, sum), var(sum)
        for j, item in enumerate(items):
            rest = np.delete(np.arange(k), j)
            rest_var = total - 2 * with_total[j] + cov[j, j]  # var(sum - x_j)
            item_rows.append({
                "construct": construct, "item": item, "loading": loadings[j],
                "item_total_r": (with_total[j] - cov[j, j]) / np.sqrt(cov[j, j] * rest_var),
                "alpha_if_deleted": _alpha(cov[np.ix_(rest, rest)]) if k > 2 else np.nan,
            })
        negative = [(r["item"], r["item_total_r"]) for r in item_rows[-k:] if r["item_total_r"] < 0]
        if negative:
            named = ", ".join(f"'{item}' (r = {r:.2f})" for item, r in negative)
            problems.append(warn(
                f"Construct '{construct}'{where}: item(s) {named} correlate negatively with the rest of the construct "
                f"(alpha = {alpha:.2f}). Reverse-coded? Recode reverse-worded items as low + high - x (or declare "
                "reverse: true in the codebook), or drop items that do not belong.", ReverseCodingWarning))
    return pd.DataFrame(rows), pd.DataFrame(item_rows), tuple(problems)


def _htmt(corr: pd.DataFrame, blocks: dict[str, list[str]], geometric: bool) -> pd.DataFrame:
    """The HTMT matrix of the constructs from the item correlations (labelled by item)."""
    names = list(blocks)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    values = _htmt_pairs(corr.to_numpy(), blocks, [str(i) for i in corr.index], pairs, geometric=geometric)
    out = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for (a, b), value in zip(pairs, values, strict=True):
        out.loc[a, b] = out.loc[b, a] = value
    return out


def _htmt_pairs(corr: np.ndarray, blocks: dict[str, list[str]], items: list[str],
                pairs: list[tuple[str, str]], *, geometric: bool = False) -> list[float]:
    """HTMT of each pair from an item correlation matrix in ``items`` order: the mean absolute
    correlation between two blocks over the root of the product of their mean within-block
    correlations (arithmetic or geometric means). Plain arrays: it runs once per bootstrap draw."""
    mean = (lambda x: float(np.exp(np.mean(np.log(x))))) if geometric else (lambda x: float(np.mean(x)))
    position = {item: k for k, item in enumerate(items)}
    index = {c: np.array([position[i] for i in block]) for c, block in blocks.items()}
    absolute = np.abs(corr)
    mono = {}
    for c, idx in index.items():
        block = absolute[np.ix_(idx, idx)]
        mono[c] = mean(block[np.triu_indices(len(idx), 1)])
    return [mean(absolute[np.ix_(index[a], index[b])].ravel()) / np.sqrt(mono[a] * mono[b]) for a, b in pairs]


def validity(data: pd.DataFrame | Survey | Moments, blocks: Mapping[str, Sequence[str]] | Codebook | None = None, *,
             constructs: Sequence[str] | None = None, bootstrap: int = 0, seed: int | None = None,
             ci_level: float = 0.95) -> ValidityResult:
    """Convergent and discriminant validity from one CFA over the constructs.

    Rows with a missing answer on any item are dropped (listwise). AVE is the share of the
    observed item variance the factor explains (semTools ``AVE``: sum lambda^2 psi /
    sum s_ii); ``omega`` and ``omega_model`` are semTools' ``compRelSEM`` with the observed
    and the model-implied variance of the sum; ``cr`` is the composite reliability of the
    standardized loadings; HTMT is the mean absolute correlation between two
    constructs' items over the geometric mean of their mean within-construct correlations
    (Henseler, Ringle & Sarstedt, 2015); ``htmt2`` uses geometric means throughout.
    Fornell-Larcker holds when every sqrt(AVE) exceeds the construct's correlations. With
    ``bootstrap`` > 0, HTMT gets percentile intervals from resampled respondents (an upper
    bound below 0.85 or 0.90 supports discriminant validity; Henseler et al., 2015).

    ``data`` may be a :class:`~cxstats.Moments` over the items instead of rows: the CFA, AVE,
    CR, omega and HTMT then come from its pooled statistics and equal those of the same
    rows; the HTMT bootstrap needs the rows.
    """
    from . import sem

    data, moments, blocks, labels = _inputs(data, blocks, "validity")
    ci_level = check_ci_level(ci_level)
    bootstrap = count("bootstrap", bootstrap, minimum=10, zero=True, what=" resamples")
    if moments is not None and bootstrap:
        raise needs_rows("validity", f"bootstrap={bootstrap} (HTMT intervals from resampled respondents)",
                         "Pass the data for HTMT intervals, or use bootstrap=0.")
    chosen = _blocks(blocks, constructs)
    for construct, items in chosen.items():
        if len(items) < 2:
            raise CxStatsError(f"Construct '{construct}' has 1 item; validity needs at least 2 per construct.")
    if len(chosen) < 2:
        raise CxStatsError("validity needs at least two constructs.")
    items = [i for block in chosen.values() for i in block]
    model_text = "\n".join(f"{c} =~ {' + '.join(block)}" for c, block in chosen.items())
    if moments is not None:  # the pooled statistics of the rows complete on the Moments' items
        pooled = samples(moments, items, where="validity")[0]
        fit = sem.fit(model_text, moments=moments, std_lv=True)
        sample, corr_items = pooled.ml_cov, pooled.corr
    else:
        absent = [i for i in items if i not in data.columns]
        if absent:
            raise CxStatsError(f"No column {listing(absent, quote=True)} in the data.")
        frame = numeric_columns(data, items, where="validity", role="item").dropna()
        fit = sem.fit(model_text, frame, std_lv=True)
        sample = pd.DataFrame(ml_moments(frame.to_numpy(dtype=float))[0], index=items, columns=items)
        corr_items = frame.corr()
    table = fit.table
    rows = []
    for construct, block in chosen.items():
        loadings = table[(table["op"] == "=~") & (table["lhs"] == construct)].set_index("rhs").loc[block]
        lam, std = loadings["estimate"], loadings["std_all"]
        theta = table[(table["op"] == "~~") & table["lhs"].isin(block) & (table["lhs"] == table["rhs"])]
        true_part = lam.sum() ** 2
        rows.append({"construct": construct, "n_items": len(block),
                     "ave": float((lam**2).sum() / np.diag(sample.loc[block, block]).sum()),
                     "cr": _composite_reliability(std.to_numpy()),
                     "omega": true_part / sample.loc[block, block].to_numpy().sum(),
                     "omega_model": true_part / (true_part + theta["estimate"].sum())})
    result = pd.DataFrame(rows)
    corr_lv = fit.latent_correlations()
    result["sqrt_ave"] = np.sqrt(result["ave"])
    result["max_r"] = [corr_lv.loc[c].drop(c).abs().max() for c in result["construct"]]
    fornell = corr_lv.copy()
    for c, root in zip(result["construct"], result["sqrt_ave"], strict=True):
        fornell.loc[c, c] = root
    htmt = _htmt(corr_items, chosen, geometric=False)
    pairs = [(a, b) for i, a in enumerate(chosen) for b in list(chosen)[i + 1:]]
    ci = pd.DataFrame({"construct_a": [a for a, _ in pairs], "construct_b": [b for _, b in pairs],
                       "htmt": [htmt.loc[a, b] for a, b in pairs], "ci_low": np.nan, "ci_high": np.nan})
    if bootstrap:
        rng = np.random.default_rng(seed)
        values = frame.to_numpy(dtype=float)
        draws = np.array([_htmt_pairs(np.corrcoef(values[rng.integers(0, len(values), len(values))], rowvar=False),
                                      chosen, items, pairs) for _ in range(bootstrap)])
        ci["ci_low"], ci["ci_high"] = np.quantile(draws, [(1 - ci_level) / 2, (1 + ci_level) / 2], axis=0)
    return ValidityResult(table=result, latent_correlations=corr_lv, fornell_larcker=fornell, htmt=htmt,
                          htmt2=_htmt(corr_items, chosen, geometric=True), model=fit, htmt_ci=ci, labels=labels)
