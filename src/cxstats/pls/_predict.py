"""PLSpredict (Shmueli et al., 2016, 2019): how well the model predicts the indicators of its
endogenous constructs for customers it was not estimated on.

Each repetition shuffles the rows (seeded) and cuts them into ``folds`` contiguous blocks of
the shuffled order (R's ``cut(1:n, folds)``, as seminr). For every fold the model is
re-estimated on the other rows; the held-out rows are standardized with the training means
and SDs, scored with the training weights, and the endogenous construct scores predicted
from the exogenous ones through the training total effects (the earliest-antecedents
prediction of Shmueli et al., 2016); an indicator's prediction is its construct's predicted
score times its training loading, back on the indicator's scale. Two benchmarks are
predicted from the same training rows: a linear model (LM) regressing each endogenous
indicator on all indicators of the exogenous constructs (with intercept), and the training
mean of the indicator.

All training sets of all repetitions are estimated at once (a stack of correlation
matrices, as the bootstrap does), so 10 x 10-fold cross-validation costs about one fit per
fold and repetition, vectorised.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._format import caution_lines, label_lookup, listing, problems_html
from .._results import Exportable, PlainText
from .._threads import single_threaded_blas
from ._algorithm import Layout, correlations, inner_estimates, outer_weights
from ._problems import ModelSpecificationError, WeightsConvergenceWarning
from .result import PLSResult
from .._validation import warn

__all__ = ["PLSPredictResult", "fold_numbers", "predict"]

_POWER = {"high": "high predictive power", "medium": "medium predictive power", "low": "low predictive power",
          "none": "no predictive power beyond the linear benchmark", "no relevance": "no predictive relevance"}


def fold_numbers(n: int, folds: int) -> np.ndarray:
    """Fold (0-based) of each position of a shuffled order of ``n`` rows: ``folds`` contiguous
    blocks whose borders are R's ``cut(seq_len(n), breaks = folds)`` (position ``p`` in 1..n
    falls in block ``ceil((p - 1) folds / (n - 1))``, the first position in block 1)."""
    steps = np.arange(n) * folds  # (p - 1) * folds, exact integers
    block = -(-steps // (n - 1))  # ceiling division
    return np.maximum(block, 1) - 1


@dataclass(frozen=True)
class PLSPredictResult(Exportable):
    """Out-of-sample prediction errors of a PLS path model (PLSpredict).

    Attributes
    ----------
    table : one row per indicator of an endogenous construct: ``construct, indicator,
        pls_rmse, lm_rmse, pls_mae, lm_mae, q2_predict, pls_beats_lm`` (RMSE and MAE of the
        out-of-fold predictions on the indicator's own scale, averaged over repetitions;
        ``q2_predict = 1 - SSE(PLS) / SSE(training mean)``; ``pls_beats_lm``: lower RMSE
        than the linear benchmark).
    constructs : one row per endogenous construct: ``construct, n_indicators, q2_min,
        n_beats_lm, power`` (Shmueli et al., 2019: ``"high"`` when PLS beats the LM on every
        indicator, ``"medium"`` on most, ``"low"`` on some, ``"none"`` on none; ``"no
        relevance"`` when some indicator has Q²predict <= 0).
    folds, repetitions, seed, n : the cross-validation and the rows predicted.
    problems : warnings (folds whose weights did not converge), for reports.
    """

    _TABLES = {
        "constructs": ("Predictive power", "Per outcome construct: smallest Q²predict, indicators where PLS "
                       "beats the linear benchmark, and the predictive power."),
        "table": ("Prediction errors", "Per question: out-of-sample RMSE and MAE of PLS and of the linear "
                  "benchmark, and Q²predict."),
    }

    table: pd.DataFrame
    constructs: pd.DataFrame
    folds: int
    repetitions: int
    seed: int | None
    n: int
    problems: tuple[str, ...]
    _index: pd.Index = field(repr=False, compare=False)
    _items: tuple[str, ...] = field(repr=False, compare=False)
    _fold: np.ndarray = field(repr=False, compare=False)  # (repetitions, n) fold of each row
    _pls: np.ndarray = field(repr=False, compare=False)  # (repetitions, n, items) predictions
    _lm: np.ndarray = field(repr=False, compare=False)
    _mean: np.ndarray = field(repr=False, compare=False)
    _actual: np.ndarray = field(repr=False, compare=False)  # (n, items)

    def predictions(self, kind: str = "pls", repetition: int = 0) -> pd.DataFrame:
        """Out-of-fold predictions of one repetition, indexed like the data: ``kind`` is
        ``"pls"``, ``"lm"`` (linear benchmark) or ``"mean"`` (training mean)."""
        values = {"pls": self._pls, "lm": self._lm, "mean": self._mean}
        if kind not in values:
            raise ModelSpecificationError(f"kind={kind!r} is not one of 'pls', 'lm', 'mean'.")
        if not 0 <= repetition < self.repetitions:
            raise ModelSpecificationError(
                f"repetition={repetition!r} is out of range: there were {self.repetitions} repetitions (0 to "
                f"{self.repetitions - 1}).")
        return pd.DataFrame(values[kind][repetition], index=self._index, columns=list(self._items))

    @property
    def fold_assignment(self) -> pd.DataFrame:
        """Fold (0-based) of every row in every repetition (rows x repetitions)."""
        return pd.DataFrame(self._fold.T, index=self._index,
                            columns=[f"repetition {r}" for r in range(self.repetitions)])

    def _headline(self) -> str:
        return (f"PLSpredict: {self.folds}-fold cross-validation, {self.repetitions} repetition"
                f"{'s' * (self.repetitions != 1)}, N = {self.n}")

    def summary(self) -> str:
        fmt = lambda v: f"{v:.3f}"
        lines = [self._headline(), *[f"! {p}" for p in self.problems], "",
                 self.table.to_string(index=False, float_format=fmt), "",
                 self.constructs.to_string(index=False, float_format=fmt)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        problems = problems_html(self.problems)
        return (f"<p><b>{html.escape(self._headline())}</b></p>{problems}{self.table.round(3).to_html(index=False)}"
                f"{self.constructs.round(3).to_html(index=False)}")

    def plain_summary(self, *, labels: dict[str, str] | None = None) -> PlainText:
        """Sentences for a stakeholder: per construct, whether the model predicts new customers'
        answers better than a naive mean and than a plain linear model. ``labels`` (a dict or a
        Codebook) names constructs and questions."""
        from .. import formatting as fmt
        from .._format import every

        name = label_lookup(labels)
        lines = [(f"- The answers of each of the {fmt.integer(self.n)} customers were predicted by a model estimated "
                  f"without that customer ({self.folds}-fold cross-validation, repeated {self.repetitions} times).")]
        for row in self.constructs.itertuples():
            label = name(row.construct)
            if row.power == "no relevance":
                part = self.table[(self.table["construct"] == row.construct) & ~(self.table["q2_predict"] > 0)]
                questions = every(f"{name(r.indicator)} (Q²predict {fmt.number(r.q2_predict, 3)})"
                                  for r in part.itertuples())
                lines.append(f"- **{label}**: for {questions} the model predicts no better than the average answer "
                             "(Q²predict ≤ 0); it has no predictive relevance here.")
                continue
            q2 = fmt.number(row.q2_min, 2 if row.q2_min >= 0.01 else 3)
            lines.append(f"- **{label}**: the model beats the average answer on every question (smallest Q²predict "
                         f"{q2}) and beats a plain linear model on {row.n_beats_lm} of "
                         f"{row.n_indicators}: {_POWER[row.power]}.")
        lines += caution_lines(self.problems)
        return PlainText("\n".join(lines))


def _check(result: PLSResult, folds, repetitions) -> None:
    if not isinstance(result, PLSResult):
        raise TypeError(f"predict needs a fitted cxstats.pls result (from pls.fit), got {type(result).__name__}.")
    if result.consistent:
        raise ModelSpecificationError(
            "PLSpredict predicts from composite scores, weights and loadings; PLSc (consistent=True) corrects "
            "paths for measurement error and has no such prediction. Refit with consistent=False to predict.")
    n = result.n
    if isinstance(folds, bool) or int(folds) != folds or not 2 <= folds <= n:
        raise ModelSpecificationError(f"folds must be a whole number from 2 to the number of rows ({n}), got {folds!r}.")
    if isinstance(repetitions, bool) or int(repetitions) != repetitions or repetitions < 1:
        raise ModelSpecificationError(f"repetitions must be a whole number of at least 1, got {repetitions!r}.")


@single_threaded_blas
def predict(result: PLSResult, *, folds: int = 10, repetitions: int = 10, seed: int | None = None,
            tol: float = 1e-7, max_iter: int = 300) -> PLSPredictResult:
    """PLSpredict: cross-validated predictions of every indicator of the endogenous constructs.

    Parameters
    ----------
    result : a fitted ``cxstats.pls.fit`` result (not PLSc); its analysed rows (after the
        missing-value treatment), scheme and model are used.
    folds : k of k-fold cross-validation (10, as Shmueli et al., 2019 recommend).
    repetitions : how often the k-fold split is drawn anew; errors are averaged over them.
    seed : fixes the shuffles. Repetition 0 uses ``numpy.random.default_rng(seed).permutation(n)``,
        the shuffle seminr's ``predict_pls(seed=...)`` draws.
    tol, max_iter : the convergence rule of each training fit (as in ``pls.fit``).

    Returns
    -------
    PLSPredictResult
        ``.table`` (``construct, indicator, pls_rmse, lm_rmse, pls_mae, lm_mae, q2_predict,
        pls_beats_lm``), ``.constructs`` (the verdict per construct), ``.predictions()``,
        ``.plain_summary()``.

    Raises
    ------
    ModelSpecificationError
        A PLSc result, folds outside 2..n, repetitions below 1, or training folds too small
        for the linear benchmark (fewer rows than exogenous indicators + 2).

    Warns
    -----
    WeightsConvergenceWarning
        The weights of some training fold did not converge (also in ``.problems``).

    Notes
    -----
    RMSE and MAE are computed per repetition over all n out-of-fold predictions and then
    averaged over repetitions; Q²predict likewise, with the SSE of predicting each held-out
    answer by its training fold's mean as the benchmark (Shmueli et al., 2019). The per-row
    PLS and LM predictions of one repetition equal PyPI seminr 0.2.1's ``predict_pls`` with
    ``technique=predict_EA`` and the same shuffle within 1e-8 (tests/reference/pls_seminr.py);
    the LM benchmark equals statsmodels OLS fitted on each training fold, and the PLS
    predictions a direct refit-and-predict loop (tests/pls/test_pls_predict.py).

    References
    ----------
    Shmueli, G., Ray, S., Velasquez Estrada, J. M., & Chatla, S. B. (2016). The elephant in the
    room: Predictive performance of PLS models. Journal of Business Research, 69, 4552-4564.
    Shmueli, G., Sarstedt, M., Hair, J. F., et al. (2019). Predictive model assessment in PLS-SEM:
    guidelines for using PLSpredict. European Journal of Marketing, 53(11), 2322-2347.

    Examples
    --------
    >>> import cxstats, cxstats.pls as pls
    >>> mobi = cxstats.load_dataset("ecsi_mobile").data
    >>> res = pls.fit('''
    ...     IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ...     CUSA =~ CUSA1 + CUSA2 + CUSA3
    ...     CUSL =~ CUSL1 + CUSL2 + CUSL3
    ...     CUSA ~ IMAG
    ...     CUSL ~ IMAG + CUSA''', mobi)
    >>> out = pls.predict(res, seed=1)
    >>> out.constructs[["construct", "power"]].to_dict("records")
    [{'construct': 'CUSA', 'power': 'high'}, {'construct': 'CUSL', 'power': 'high'}]
    """
    _check(result, folds, repetitions)
    folds, repetitions = int(folds), int(repetitions)
    spec = result.spec
    items = list(spec.indicators)
    x = result._standardized * result.indicator_sds.to_numpy() + result.indicator_means.to_numpy()
    n = x.shape[0]
    constructs = list(spec.constructs)
    endogenous = [constructs.index(c) for c in spec.endogenous]
    exogenous = [j for j in range(len(constructs)) if j not in endogenous]
    owner = spec.owner
    targets = np.array([k for j in endogenous for k in np.flatnonzero(owner == j)])  # endogenous indicators
    inputs = np.flatnonzero(np.isin(owner, exogenous))  # exogenous indicators: the LM's predictors
    block = fold_numbers(n, folds)
    smallest_train = n - int(np.bincount(block).max())
    if smallest_train < len(inputs) + 2:
        raise ModelSpecificationError(
            f"With {folds} folds the smallest training set has {smallest_train} rows, too few for the linear "
            f"benchmark, which regresses each endogenous indicator on all {len(inputs)} indicators of the exogenous "
            f"constructs (it needs at least {len(inputs) + 2}). Use fewer folds or more data.")

    rng = np.random.default_rng(seed)
    fold = np.empty((repetitions, n), dtype=int)
    for r in range(repetitions):
        fold[r, rng.permutation(n)] = block  # the row at shuffled position p falls in block[p]
    train = fold[:, None, :] != np.arange(folds)[None, :, None]  # (repetitions, folds, n)
    freq = train.reshape(repetitions * folds, n).astype(float)

    size = freq.sum(axis=1)
    mean = freq @ x / size[:, None]
    constant = np.array([np.ptp(x[rows], axis=0) == 0 for rows in freq.astype(bool)])  # (D, p)
    if constant.any():
        _constant_error([items[k] for k in np.flatnonzero(constant.any(axis=0))])
    centre = x.mean(axis=0)  # sums of squares about a common centre, then moved to each training mean
    sd = np.sqrt((freq @ (x - centre) ** 2 - size[:, None] * (mean - centre) ** 2) / (size[:, None] - 1))
    layout = Layout.from_spec(spec, scheme=result.scheme, consistent=False)
    with np.errstate(all="ignore"):
        r_train = correlations(x, freq)
        w, _, converged = outer_weights(r_train, layout, layout.mask, tol=tol, max_iter=max_iter)
        est = inner_estimates(r_train, w, layout)
    loadings = est.loadings[:, np.arange(len(items)), owner]  # (D, p): each indicator's loading on its construct
    effects = est.total[:, exogenous][:, :, endogenous]  # (D, exo, endo) total effects at [predictor, outcome]

    problems: list[str] = []
    if not converged.all():
        message = (f"The weights did not converge within {max_iter} iterations in {int((~converged).sum())} of "
                   f"{converged.size} training folds; their predictions use the last iteration.")
        problems.append(warn(message, WeightsConvergenceWarning))

    try:
        beta = _linear_benchmark(x, freq, mean, inputs, targets)
    except np.linalg.LinAlgError:
        raise ModelSpecificationError(
            f"The indicators of the exogenous constructs ({listing([items[k] for k in inputs], quote=True)}) are "
            "collinear within some training fold, so the linear benchmark cannot be estimated. Drop a redundant "
            "indicator, or use fewer folds.") from None
    column = np.searchsorted(endogenous, owner[targets])  # each target's construct among the endogenous
    shape = (repetitions, n, len(targets))
    pls_pred, lm_pred, mean_pred = np.empty(shape), np.empty(shape), np.empty(shape)
    for r in range(repetitions):
        for k in range(folds):
            d, rows = r * folds + k, fold[r] == k  # training fit d predicts the rows of fold k
            scores = ((x[rows] - mean[d]) / sd[d]) @ w[d][:, exogenous]
            predicted = scores @ effects[d]  # endogenous construct scores
            pls_pred[r, rows] = predicted[:, column] * loadings[d, targets] * sd[d, targets] + mean[d, targets]
            lm_pred[r, rows] = mean[d, targets] + (x[rows][:, inputs] - mean[d, inputs]) @ beta[d]
            mean_pred[r, rows] = mean[d, targets]
    actual = x[:, targets]
    if not (np.isfinite(pls_pred).all() and np.isfinite(lm_pred).all()):
        raise ModelSpecificationError(
            "Some training folds could not be estimated (collinear indicators of the exogenous constructs within a "
            "fold?). Use fewer folds, or drop redundant indicators.")

    table, summary = _metrics(pls_pred, lm_pred, mean_pred, actual, [items[k] for k in targets],
                              [constructs[owner[k]] for k in targets])
    return PLSPredictResult(table=table, constructs=summary, folds=folds, repetitions=repetitions, seed=seed, n=n,
                            problems=tuple(problems), _index=result.scores.index,
                            _items=tuple(items[k] for k in targets), _fold=fold, _pls=pls_pred, _lm=lm_pred,
                            _mean=mean_pred, _actual=actual)


def _constant_error(names: list[str]) -> None:
    raise ModelSpecificationError(
        f"Indicator(s) {listing(names, quote=True)} do not vary within some training fold (nearly every answer is "
        "the same), so those folds cannot be estimated. Use fewer folds, or drop the indicator.")


def _linear_benchmark(x: np.ndarray, freq: np.ndarray, mean: np.ndarray, inputs: np.ndarray,
                      targets: np.ndarray) -> np.ndarray:
    """OLS slopes ``(D, inputs, targets)`` of every target on the inputs (with intercept) in each
    training set (rows weighted by ``freq``, means ``mean``): the normal equations of the
    inputs and targets centred at the training means, from cross-products about a common
    centre (well conditioned, and one matrix product for all training sets)."""
    size = freq.sum(axis=1)[:, None, None]
    centre = x.mean(axis=0)
    xin, xout = x[:, inputs] - centre[inputs], x[:, targets] - centre[targets]
    m_in, m_out = mean[:, inputs] - centre[inputs], mean[:, targets] - centre[targets]
    p, q = len(inputs), len(targets)
    cross_in = (freq @ (xin[:, :, None] * xin[:, None, :]).reshape(len(x), p * p)).reshape(-1, p, p)
    cross_out = (freq @ (xin[:, :, None] * xout[:, None, :]).reshape(len(x), p * q)).reshape(-1, p, q)
    cross_in = cross_in - size * m_in[:, :, None] * m_in[:, None, :]
    cross_out = cross_out - size * m_in[:, :, None] * m_out[:, None, :]
    scale = np.sqrt(np.diagonal(cross_in, axis1=1, axis2=2))
    eigen = np.linalg.eigvalsh(cross_in / (scale[:, :, None] * scale[:, None, :]))
    if (eigen[:, 0] < 1e-10 * eigen[:, -1]).any():  # the inputs' correlation matrix is (nearly) singular
        raise np.linalg.LinAlgError("collinear inputs")
    return np.linalg.solve(cross_in, cross_out)


def _metrics(pls_pred, lm_pred, mean_pred, actual, items, owners) -> tuple[pd.DataFrame, pd.DataFrame]:
    e_pls, e_lm, e_mean = pls_pred - actual, lm_pred - actual, mean_pred - actual
    rmse = lambda e: np.sqrt((e**2).mean(axis=1)).mean(axis=0)  # per repetition, then averaged
    mae = lambda e: np.abs(e).mean(axis=1).mean(axis=0)
    q2 = (1 - (e_pls**2).sum(axis=1) / (e_mean**2).sum(axis=1)).mean(axis=0)
    table = pd.DataFrame({"construct": owners, "indicator": items, "pls_rmse": rmse(e_pls), "lm_rmse": rmse(e_lm),
                          "pls_mae": mae(e_pls), "lm_mae": mae(e_lm), "q2_predict": q2})
    table["pls_beats_lm"] = table["pls_rmse"] < table["lm_rmse"]
    rows = []
    for construct, part in table.groupby("construct", sort=False):
        k, better = len(part), int(part["pls_beats_lm"].sum())
        if (part["q2_predict"] <= 0).any():
            power = "no relevance"
        elif better == k:
            power = "high"
        elif better > k / 2:
            power = "medium"
        elif better > 0:
            power = "low"
        else:
            power = "none"
        rows.append({"construct": construct, "n_indicators": k, "q2_min": float(part["q2_predict"].min()),
                     "n_beats_lm": better, "power": power})
    return table, pd.DataFrame(rows, columns=["construct", "n_indicators", "q2_min", "n_beats_lm", "power"])
