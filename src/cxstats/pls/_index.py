"""0-100 index scores of PLS constructs, as the ACSI and ECSI report them.

The outer weights of a PLS fit apply to standardized indicators; the index uses them on the
indicators' own scale. For construct ``j`` with indicators ``x_1..x_k`` and standardized
weights ``w_i``: unstandardized weights ``u_i = w_i / sd_i`` are normalised to sum 1
(``r_i = u_i / sum u``), and each respondent's index is

    ``index = 100 * (sum_i r_i x_i - min) / (max - min)``,

``min`` and ``max`` being the lowest and highest values ``sum_i r_i x_i`` can take on the
items' scales (``sum r_i low_i`` and ``sum r_i high_i`` when the weights are positive). With
one scale shared by all items this is the weighted mean of the items rescaled to 0-100, the
arithmetic of :func:`cxstats.satisfaction_index` (checked equal in the tests). The index of
a segment is the mean over its respondents, with ``sd / sqrt(n)`` and a t interval (the
helper :func:`cxstats.index._summary` both functions use) or, with ``bootstrap``, the SD
and percentile interval of the segment means over resamples in which the weights are
re-estimated.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._errors import CxStatsError, CxStatsWarning
from .._format import caution_lines, label_lookup, listing, problems_html
from .._linear import gap
from .._resampling import map_chunks
from .._results import Exportable, PlainText
from .._threads import single_threaded_blas
from ..index import _summary
from ._algorithm import outer_weights
from ._bootstrap import sample_correlations
from ._problems import BootstrapWarning
from .result import PLSResult
from .._validation import warn
from .._validation import ci_level as check_ci_level

__all__ = ["IndexWeightWarning", "PLSIndexResult", "index_scores", "index_weights"]

CHUNK = 125
_STATE: dict = {}


class IndexWeightWarning(CxStatsWarning):
    """A construct has a negative unstandardized outer weight: the index counts that item
    against the construct, which ACSI-style indices do not expect (check the item's coding)."""


@dataclass(frozen=True)
class PLSIndexResult(Exportable):
    """0-100 index scores of the constructs of a PLS model.

    Attributes
    ----------
    table : one row per construct and segment: ``construct, group, n, estimate, se, ci_low,
        ci_high`` (``group`` is ``"all"`` for the whole sample, then each segment).
    scores : respondents x constructs index scores (0-100), indexed like the data.
    weights : ``construct, indicator, weight, unstandardized, rescaled, low, high``: the
        standardized outer weight, ``weight / sd`` and the share of the index (sums to 1).
    se_method : ``"sd/sqrt(n)"`` or ``"bootstrap"`` (then ``bootstrap_draws`` and ``seed``).
    ci_level : level of the intervals.
    problems : warnings (negative weights, failed bootstrap draws), for reports.
    labels : the codebook's ``{code: label}`` (from ``codebook=`` or the fitted model's).
    """

    _TABLES = {
        "table": ("Index", "0-100 index of each construct overall and per segment, with SE and interval.",
                  {"estimate": "number1", "se": "number2", "ci_low": "number1", "ci_high": "number1"}),
        "weights": ("Weights", "Each question's weight in its construct's index (share sums to 1)."),
    }

    table: pd.DataFrame
    scores: pd.DataFrame
    weights: pd.DataFrame
    se_method: str
    ci_level: float
    bootstrap_draws: int
    seed: int | None
    problems: tuple[str, ...]
    _draws: np.ndarray | None = field(default=None, repr=False, compare=False)  # (draws, constructs, segments)
    labels: Mapping[str, str] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        problems = problems_html(self.problems)
        return (f"<p><b>Index scores (0-100), SE {html.escape(self.se_method)}</b></p>{problems}"
                f"{self.table.round(2).to_html(index=False)}")

    def plain_summary(self, *, labels: dict[str, str] | None = None) -> PlainText:
        """The index of each construct in words, highest first, with segment gaps.

        ``labels`` (a dict or a Codebook) names constructs and segments. The gap between the
        highest and lowest segment comes with its interval (segments are different
        customers: the SEs combine as independent).
        """
        from .. import formatting as fmt

        name = label_lookup(labels, own=self.labels)
        whole = self.table[self.table["group"] == "all"].sort_values("estimate", ascending=False)
        level = fmt.percent(self.ci_level)
        lines = [f"- **{name(r.construct)}** scores {fmt.number(r.estimate, 1)} of 100 ({level} interval "
                 f"{fmt.number(r.ci_low, 1)} to {fmt.number(r.ci_high, 1)}; {fmt.integer(r.n)} respondents)."
                 for r in whole.itertuples()]
        segments = self.table[self.table["group"] != "all"]
        if not segments.empty:
            for construct, part in segments.groupby("construct", sort=False):
                top, bottom = part.loc[part["estimate"].idxmax()], part.loc[part["estimate"].idxmin()]
                difference, low, high, _ = gap(top["estimate"], top["se"], bottom["estimate"], bottom["se"],
                                               self.ci_level)
                sure = ("a gap larger than the uncertainty" if low > 0
                        else "the data do not tell these segments apart")
                lines.append(f"- {name(construct)}: highest in {name(top['group'])} ({fmt.number(top['estimate'], 1)}, "
                             f"n = {fmt.integer(top['n'])}), lowest in {name(bottom['group'])} "
                             f"({fmt.number(bottom['estimate'], 1)}, n = {fmt.integer(bottom['n'])}); the gap of "
                             f"{fmt.number(difference, 1)} points ({level} CI {fmt.number(low, 1)} to "
                             f"{fmt.number(high, 1)}): {sure}.")
        lines += caution_lines(self.problems)
        return PlainText("\n".join(lines))


def _scales(items: list[str], scale, codebook) -> tuple[np.ndarray, np.ndarray]:
    if scale is None and codebook is None:
        raise CxStatsError("Index scores need the response scale of the indicators: pass scale=(low, high), a "
                           "mapping indicator -> (low, high), or codebook=.")
    if scale is not None:
        if isinstance(scale, Mapping):
            absent = [i for i in items if i not in scale]
            if absent:
                raise CxStatsError(f"scale has no (low, high) for indicator(s) {listing(absent, quote=True)}.")
            pairs = [tuple(float(v) for v in scale[i]) for i in items]
        else:
            low, high = (float(v) for v in scale)
            pairs = [(low, high)] * len(items)
    else:
        pairs = []
        for item in items:
            try:
                declared = codebook.item(item).scale
            except KeyError:
                declared = None
            if declared is None:
                raise CxStatsError(f"Indicator '{item}' has no response scale in codebook '{codebook.name}'; pass "
                                   "scale=(low, high) or a mapping indicator -> (low, high).")
            pairs.append(tuple(float(v) for v in declared))
    lows, highs = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    bad = [i for i, lo, hi in zip(items, lows, highs, strict=True) if not lo < hi]
    if bad:
        raise CxStatsError(f"The scale of indicator(s) {listing(bad, quote=True)} has a low end not below its high end.")
    return lows, highs


def index_weights(result: PLSResult) -> pd.DataFrame:
    """``construct, indicator, weight, unstandardized, rescaled``: every indicator's
    standardized outer weight, ``weight / sd`` and its share of its construct's index."""
    spec = result.spec
    items = list(spec.indicators)
    w = result._weights[np.arange(len(items)), spec.owner]
    u = w / result.indicator_sds.to_numpy()
    totals = np.bincount(spec.owner, weights=u, minlength=len(spec.constructs))
    return pd.DataFrame({"construct": [spec.constructs[j] for j in spec.owner], "indicator": items, "weight": w,
                         "unstandardized": u, "rescaled": u / totals[spec.owner]})


def _bounds(rescaled: np.ndarray, owner: np.ndarray, lows: np.ndarray, highs: np.ndarray, c: int):
    low = np.bincount(owner, weights=np.minimum(rescaled * lows, rescaled * highs), minlength=c)
    high = np.bincount(owner, weights=np.maximum(rescaled * lows, rescaled * highs), minlength=c)
    return low, high


@single_threaded_blas
def index_scores(result: PLSResult, *, scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
                 codebook=None, group: pd.Series | None = None, bootstrap: int = 0, seed: int | None = None,
                 ci_level: float = 0.95, progress: bool | None = None) -> PLSIndexResult:
    """0-100 index scores of every construct from its unstandardized outer weights.

    Parameters
    ----------
    result : a fitted ``cxstats.pls.fit`` result.
    scale : ``(low, high)`` of every indicator's response scale, or a mapping indicator ->
        ``(low, high)``; read from ``codebook`` when omitted.
    codebook : gives the scales and the labels of the summary (default: the codebook the
        model was fitted with, ``result.codebook``).
    group : segments to report the index by: a Series indexed like the data that were
        fitted (e.g. ``data["servicetype"]``); rows without a segment count only in ``"all"``.
    bootstrap : 0 for SEs ``sd / sqrt(n)`` with t intervals (the weights taken as known), or
        the number of resamples (rows drawn within each segment) in which the weights are
        re-estimated: SE = SD of the resampled means, percentile intervals.
    seed : fixes the resamples. ci_level : level of the intervals.

    Returns
    -------
    PLSIndexResult
        ``.table`` (``construct, group, n, estimate, se, ci_low, ci_high``), ``.scores``,
        ``.weights``, ``.plain_summary()``.

    Raises
    ------
    CxStatsError
        No scale, an indicator without a declared scale, a value outside its scale, a group
        Series that does not match the data.

    Warns
    -----
    IndexWeightWarning
        A negative unstandardized weight (also in ``.problems``).
    BootstrapWarning
        Resamples whose weights did not converge were left out (also in ``.problems``).

    Notes
    -----
    The formula is in the module docstring (Fornell et al., 1996). The index uses the rows
    the model analysed, after its missing-value treatment. Validated by a direct
    computation from the weights and data and by :func:`cxstats.satisfaction_index` with
    the same weights (tests/pls/test_pls_index.py).

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The American
    Customer Satisfaction Index: nature, purpose, and findings. Journal of Marketing, 60(4), 7-18.

    Examples
    --------
    >>> import cxstats, cxstats.pls as pls
    >>> mobi = cxstats.load_dataset("ecsi_mobile")
    >>> res = pls.fit("CUSA =~ CUSA1 + CUSA2 + CUSA3\\nCUSL =~ CUSL1 + CUSL2 + CUSL3\\nCUSL ~ CUSA", mobi.data)
    >>> idx = pls.index_scores(res, codebook=mobi.codebook)
    >>> idx.table[["construct", "estimate"]].round(1).to_dict("records")
    [{'construct': 'CUSA', 'estimate': 72.5}, {'construct': 'CUSL', 'estimate': 71.1}]
    """
    ci_level = check_ci_level(ci_level)
    if not isinstance(result, PLSResult):
        raise TypeError(f"index_scores needs a fitted cxstats.pls result (from pls.fit), got {type(result).__name__}.")
    if isinstance(bootstrap, bool) or int(bootstrap) != bootstrap or (bootstrap != 0 and bootstrap < 10):
        raise CxStatsError(f"bootstrap must be 0 or a whole number of at least 10 resamples, got {bootstrap!r}.")
    codebook = result.codebook if codebook is None else codebook
    spec = result.spec
    items, constructs, owner = list(spec.indicators), list(spec.constructs), spec.owner
    lows, highs = _scales(items, scale, codebook)
    x = result._standardized * result.indicator_sds.to_numpy() + result.indicator_means.to_numpy()
    outside = (x < lows - 1e-9) | (x > highs + 1e-9)
    if outside.any():
        k = int(np.flatnonzero(outside.any(axis=0))[0])
        values = sorted(set(np.round(x[outside[:, k], k], 6).tolist()))
        raise CxStatsError(f"Indicator '{items[k]}' has values outside its {lows[k]:g}-{highs[k]:g} scale "
                           f"({listing(values)}); recode them or pass the right scale=.")
    labels = _segments(result, group)
    weights = index_weights(result).assign(low=lows, high=highs)
    problems = []
    negative = weights[weights["unstandardized"] < 0]
    if not negative.empty:
        pairs = [f"{i} of {c}" for c, i in zip(negative["construct"], negative["indicator"], strict=True)]
        message = (f"Negative unstandardized weight for {listing(pairs, limit=10)}: a higher answer lowers the index. "
                   "Check the item's coding (reverse-worded?) or whether it belongs to the construct.")
        problems.append(warn(message, IndexWeightWarning))
    rescaled = weights["rescaled"].to_numpy()
    low, high = _bounds(rescaled, owner, lows, highs, len(constructs))
    composite = x @ (spec.mask * rescaled[:, None])
    scores = pd.DataFrame(np.clip(100 * (composite - low) / (high - low), 0, 100), index=result.scores.index, columns=constructs)

    segments = [("all", np.ones(len(x), dtype=bool))] + [(g, (labels == g).to_numpy()) for g in _levels(labels)]
    rows = []
    for construct in constructs:
        for name, member in segments:
            rows.append({"construct": construct, **_summary(name, scores.loc[member, construct], ci_level)})
    table = pd.DataFrame(rows, columns=["construct", "group", "n", "estimate", "se", "ci_low", "ci_high"])
    means = None
    if bootstrap:
        means, failed = _bootstrap(result, x, segments, lows, highs, int(bootstrap), seed, progress)
        if failed:
            message = (f"{failed} of {bootstrap} resamples were left out (weights that did not converge, or an "
                       f"indicator constant in the resample); SEs and intervals use the other {bootstrap - failed}.")
            problems.append(warn(message, BootstrapWarning))
        alpha = (1 - ci_level) / 2
        flat = means.reshape(means.shape[0], -1)  # (draws, constructs x segments), the table's order
        table["se"] = flat.std(axis=0, ddof=1)
        table["ci_low"], table["ci_high"] = np.quantile(flat, [alpha, 1 - alpha], axis=0)
    return PLSIndexResult(table=table, scores=scores, weights=weights,
                          se_method="bootstrap" if bootstrap else "sd/sqrt(n)", ci_level=ci_level,
                          bootstrap_draws=int(bootstrap) - (failed if bootstrap else 0), seed=seed,
                          problems=tuple(problems), _draws=means,
                          labels=dict(codebook.labels) if codebook is not None else {})


def _segments(result: PLSResult, group) -> pd.Series:
    index = result.scores.index
    if group is None:
        return pd.Series(np.nan, index=index, dtype=object)
    if not isinstance(group, pd.Series):
        raise TypeError(f"group must be a pandas Series indexed like the data (e.g. data['segment']), got "
                        f"{type(group).__name__}.")
    if group.index.has_duplicates or not index.isin(group.index).all():
        raise CxStatsError(f"group '{group.name}' is not indexed like the data that were fitted: "
                           f"{int((~index.isin(group.index)).sum())} analysed rows have no entry. Pass the column of "
                           "the same DataFrame, e.g. group=data['segment'].")
    return group.reindex(index)


def _levels(labels: pd.Series) -> list:
    values = labels.dropna().unique().tolist()
    try:
        return sorted(values)
    except TypeError:
        return values


def _run_chunk(rows: np.ndarray) -> np.ndarray:
    """Segment means of the index of every construct in each resample: ``(draws, c, segments)``."""
    s = _STATE
    x, spec = s["x"], s["spec"]
    with np.errstate(all="ignore"):
        r = sample_correlations(x, rows, impute=False)
        bad = ~np.isfinite(r).all(axis=(1, 2))
        r[bad] = np.eye(r.shape[1])
        w, _, converged = outer_weights(r, s["layout"], s["start"], tol=s["tol"], max_iter=s["max_iter"])
        sample = x[rows]  # (draws, n, p)
        sd = sample.std(axis=1, ddof=1)
        u = w[:, np.arange(x.shape[1]), spec.owner] / sd
        rescaled = u / (u @ spec.mask)[:, spec.owner]  # (draws, p): each weight's share of its construct
        low = np.minimum(rescaled * s["lows"], rescaled * s["highs"]) @ spec.mask  # (draws, c)
        high = np.maximum(rescaled * s["lows"], rescaled * s["highs"]) @ spec.mask
        composite = np.einsum("dnp,dpc->dnc", sample, spec.mask * rescaled[:, :, None])
        index = 100 * (composite - low[:, None, :]) / (high - low)[:, None, :]
        member = np.stack([m[rows] for m in s["members"]], axis=-1).astype(float)  # (draws, n, segments)
        out = np.einsum("dnc,dnk->dck", index, member) / member.sum(axis=1)[:, None, :]
    out[bad | ~converged | ~np.isfinite(out).all(axis=(1, 2))] = np.nan
    return out


def _bootstrap(result: PLSResult, x: np.ndarray, segments, lows, highs, draws: int, seed, progress):
    from ._algorithm import Layout

    rng = np.random.default_rng(seed)
    strata = [np.flatnonzero(m) for _, m in segments[1:]] or [np.arange(len(x))]
    if len(segments) > 1:
        left = np.setdiff1d(np.arange(len(x)), np.concatenate(strata))
        strata = strata + ([left] if len(left) else [])
    rows = np.concatenate([s[rng.integers(0, len(s), size=(draws, len(s)))] for s in strata], axis=1)
    layout = Layout.from_spec(result.spec, scheme=result.scheme, consistent=result.consistent)
    _STATE.update(x=x, spec=result.spec, layout=layout, start=result._weights, tol=1e-7, max_iter=300,
                  members=[m for _, m in segments], lows=lows, highs=highs)
    try:
        chunks = [rows[i:i + CHUNK] for i in range(0, draws, CHUNK)]
        means = np.concatenate(map_chunks(_run_chunk, chunks, progress=progress, desc="index bootstrap"))
    finally:
        _STATE.clear()
    ok = np.isfinite(means).all(axis=(1, 2))
    return means[ok], int((~ok).sum())
