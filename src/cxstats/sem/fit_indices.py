"""Fit indices as pure functions of test statistics and moments (lavaan's ``lav_fit_*`` layer).

No model objects: numbers and matrices in, numbers out, with lavaan's edge-case
conventions (``NA`` in lavaan is ``nan`` here). ``nobs`` is N; like lavaan for ML with
``likelihood = "normal"`` the functions use N, not N - 1. Validated against
``fitMeasures()`` of lavaan 0.6.14 (R 4.2.2) on every fit in ``tests/reference/``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

__all__ = [
    "chisq_pvalue", "cfi", "tli", "nnfi", "rni", "nfi", "ifi", "rfi",
    "rmsea", "rmsea_ci", "rmsea_pvalue", "rmsea_notclose_pvalue",
    "srmr", "srmr_mplus", "rmr", "crmr", "gfi", "agfi",
    "loglik_normal", "information_criteria",
]

_ALL_EQUAL_TOL = 1.5e-8  # R's all.equal() tolerance, lavaan's test for "is zero"
_UNIROOT_TOL = np.finfo(float).eps ** 0.25  # R's uniroot() default tolerance
_NEAR_ZERO = 1e-5  # lavaan leaves moments this small unstandardised

_SCALARS = {  # argument: (smallest allowed value, what it is, what to pass)
    "chisq": (0, "a chi-square statistic", "the model's test statistic"),
    "baseline_chisq": (0, "a chi-square statistic", "the baseline model's test statistic"),
    "df": (0, "degrees of freedom", "the model's degrees of freedom (0 if saturated)"),
    "baseline_df": (0, "degrees of freedom", "the baseline model's degrees of freedom"),
    "nobs": (2, "the number of observations", "the N the model was fitted to"),
    "ngroups": (1, "the number of groups", "1, or the groups of a multigroup model"),
    "npar": (0, "the number of free parameters", "the count of estimated parameters"),
    "logl": (-math.inf, "a log-likelihood", "the model's log-likelihood (loglik_normal)"),
}


def _float(value: object) -> float:
    try:
        return math.nan if isinstance(value, (str, bytes)) else float(value)  # type: ignore
    except (TypeError, ValueError):
        return math.nan


def _show(value: object) -> str:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return f"{float(value):.10g}"
    return repr(value) if len(repr(value)) <= 40 else f"a {type(value).__name__}"


def _scalar(name: str, value: object) -> float:
    low, what, hint = _SCALARS[name]
    x = _float(value)
    if not (math.isfinite(x) and x >= low):
        bound = "" if low == -math.inf else f" >= {low}"
        raise ValueError(f"Argument '{name}' is {_show(value)}; {what} must be a finite number"
                         f"{bound}. Pass {hint}.")
    return x


def _covariance(name: str, value: ArrayLike) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.size == 0:
        raise ValueError(f"Argument '{name}' has shape {a.shape}; a covariance matrix must be "
                         "square (p x p). Pass the matrix of the observed variables.")
    if not np.all(np.isfinite(a)) or np.max(np.abs(a - a.T)) > 1e-8 * max(1.0, np.max(np.abs(a))):
        raise ValueError(f"Argument '{name}' is not a finite symmetric matrix. "
                         "Pass a covariance matrix without NaN or infinite values.")
    return a


def _moments(sample_cov: ArrayLike, implied_cov: ArrayLike, sample_mean: ArrayLike | None,
             implied_mean: ArrayLike | None, *, positive_variances: bool = True
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    s, sigma = _covariance("sample_cov", sample_cov), _covariance("implied_cov", implied_cov)
    p = s.shape[0]
    if sigma.shape != s.shape:
        raise ValueError(f"Arguments 'sample_cov' ({p} x {p}) and 'implied_cov' ({sigma.shape[0]}"
                         f" x {sigma.shape[0]}) differ in size. Pass both over the same observed "
                         "variables, in the same order.")
    for name, a in (("sample_cov", s), ("implied_cov", sigma)):
        bad = np.flatnonzero(np.diag(a) <= 0)
        if positive_variances and bad.size:
            raise ValueError(f"Argument '{name}' has a non-positive variance (row {bad[0]}: "
                             f"{a[bad[0], bad[0]]:.6g}). Check that every variable varies and "
                             "that the estimates contain no negative variance.")
    if (sample_mean is None) != (implied_mean is None):
        raise ValueError(f"Only '{'implied' if sample_mean is None else 'sample'}_mean' was "
                         "given. Pass both 'sample_mean' and 'implied_mean', or neither.")
    if sample_mean is None:
        return s, sigma, None, None
    means = [np.asarray(v, dtype=float) for v in (sample_mean, implied_mean)]
    for name, m in zip(("sample_mean", "implied_mean"), means):
        if m.shape != (p,):
            raise ValueError(f"Argument '{name}' has shape {m.shape} but the covariance matrices "
                             f"are {p} x {p}. Pass one mean per observed variable.")
        if not np.all(np.isfinite(m)):
            raise ValueError(f"Argument '{name}' contains NaN or infinite values. "
                             "Pass the means of complete data or of the EM estimates.")
    return s, sigma, means[0], means[1]


def _cholesky(sigma: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        raise ValueError(f"Argument 'implied_cov' is not positive definite (smallest eigenvalue "
                         f"{np.min(np.linalg.eigvalsh(sigma)):.3g}). Check the estimates (e.g. a "
                         "negative variance) before computing this index.") from None


def _pchisq(x: float, df: float, ncp: float = 0.0) -> float:
    # the distribution functions as ufuncs: the same numbers as scipy.stats, without its overhead
    return float(special.chndtr(x, df, ncp) if ncp > 0 else special.chdtr(df, x))


def chisq_pvalue(chisq: float, df: float) -> float:
    """p-value of the chi-square test of exact fit (lavaan's ``pvalue``); ``nan`` if df = 0.

    Raises
    ------
    ValueError
        If ``chisq`` or ``df`` is negative or not a finite number.

    Notes
    -----
    p = 1 - F(chisq; df), as lavaan computes it (so p-values below ~1e-16 are 0).
    lavaan 0.6.14 ``lav_model_test()``; validated against lavaan 0.6.14.

    Examples
    --------
    >>> round(chisq_pvalue(chisq=38.125, df=35), 4)
    0.3292
    """
    x, d = _scalar("chisq", chisq), _scalar("df", df)
    return math.nan if d == 0 else 1.0 - _pchisq(x, d)


def _baseline(*args: float) -> tuple[float, ...]:
    names = ("chisq", "df", "baseline_chisq", "baseline_df")
    return tuple(_scalar(name, value) for name, value in zip(names, args))


def cfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Comparative fit index (Bentler, 1990).

    Parameters
    ----------
    chisq, df : float
        Test statistic and degrees of freedom of the model.
    baseline_chisq, baseline_df : float
        The same for the baseline (independence) model.

    Returns
    -------
    float
        The index. :func:`tli`, :func:`rni`, :func:`nfi`, :func:`ifi` and :func:`rfi` take
        the same arguments and raise the same errors.

    Raises
    ------
    ValueError
        If a statistic or a df is negative or not a finite number.

    Notes
    -----
    t1 = max(chisq - df, 0), t2 = max(chisq - df, baseline_chisq - baseline_df, 0);
    CFI = 1 - t1 / t2, and 1 when t1 and t2 are both 0 (R ``all.equal``, tolerance 1.5e-8).
    lavaan 0.6.14 R/lav_fit_cfi.R (``lav_fit_cfi``); validated against lavaan 0.6.14.

    Examples
    --------
    >>> round(cfi(chisq=85.306, df=24, baseline_chisq=918.852, baseline_df=36), 4)
    0.9306
    """
    x, d, x0, d0 = _baseline(chisq, df, baseline_chisq, baseline_df)
    t1, t2 = max(x - d, 0.0), max(x - d, x0 - d0, 0.0)
    return 1.0 if abs(t1) <= _ALL_EQUAL_TOL and abs(t2) <= _ALL_EQUAL_TOL else 1.0 - t1 / t2


def tli(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Tucker-Lewis index, also known as the non-normed fit index (``nnfi``); see :func:`cfi`.

    Notes
    -----
    TLI = 1 - (chisq - df) baseline_df / ((baseline_chisq - baseline_df) df), not truncated
    (it can exceed 1); 1 when df = 0 or the denominator is 0. lavaan 0.6.14 R/lav_fit_cfi.R.
    """
    x, d, x0, d0 = _baseline(chisq, df, baseline_chisq, baseline_df)
    t1, t2 = (x - d) * d0, (x0 - d0) * d
    return 1.0 - t1 / t2 if d > 0 and abs(t2) > 0 else 1.0


nnfi = tli


def rni(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Relative noncentrality index (McDonald & Marsh, 1990); see :func:`cfi`.

    Notes
    -----
    RNI = 1 - (chisq - df) / (baseline_chisq - baseline_df), the CFI without max(0, .);
    ``nan`` when the denominator is 0. lavaan 0.6.14 R/lav_fit_cfi.R.
    """
    x, d, x0, d0 = _baseline(chisq, df, baseline_chisq, baseline_df)
    return math.nan if abs(x0 - d0) <= _ALL_EQUAL_TOL else 1.0 - (x - d) / (x0 - d0)


def nfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Normed fit index (Bentler & Bonett, 1980); see :func:`cfi`.

    Notes
    -----
    NFI = (baseline_chisq - chisq) / baseline_chisq; 1 when df = 0; ``nan`` when
    df > baseline_df or baseline_chisq = 0. lavaan 0.6.14 R/lav_fit_cfi.R.
    """
    x, d, x0, d0 = _baseline(chisq, df, baseline_chisq, baseline_df)
    if d > d0 or abs(x0) <= _ALL_EQUAL_TOL:
        return math.nan
    return (x0 - x) / x0 if d > 0 else 1.0


def ifi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Incremental fit index (Bollen, 1989); see :func:`cfi`.

    Notes
    -----
    IFI = (baseline_chisq - chisq) / (baseline_chisq - df); 1 when the denominator is
    negative, ``nan`` when it is 0. lavaan 0.6.14 R/lav_fit_cfi.R.
    """
    x, d, x0, _ = _baseline(chisq, df, baseline_chisq, baseline_df)
    if x0 - d < 0:
        return 1.0
    return math.nan if abs(x0 - d) <= _ALL_EQUAL_TOL else (x0 - x) / (x0 - d)


def rfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Relative fit index (Bollen, 1986); see :func:`cfi`.

    Notes
    -----
    RFI = 1 - (chisq / df) / (baseline_chisq / baseline_df); 1 when that is negative or
    df or baseline_df is 0; ``nan`` when df > baseline_df. lavaan 0.6.14 R/lav_fit_cfi.R.
    """
    x, d, x0, d0 = _baseline(chisq, df, baseline_chisq, baseline_df)
    if d > d0:
        return math.nan
    if d == 0 or d0 == 0 or x0 / d0 - x / d < 0:
        return 1.0
    return math.nan if x0 == 0 else (x0 / d0 - x / d) / (x0 / d0)


def _rmsea_args(chisq: float, df: float, nobs: float, ngroups: int) -> tuple[float, ...]:
    return tuple(_scalar(k, v) for k, v in zip(("chisq", "df", "nobs", "ngroups"),
                                               (chisq, df, nobs, ngroups)))


def rmsea(chisq: float, df: float, nobs: float, *, ngroups: int = 1) -> float:
    """Root mean square error of approximation (Steiger & Lind, 1980).

    Parameters
    ----------
    chisq, df : float
        Test statistic and degrees of freedom of the model.
    nobs : float
        Number of observations N (all groups together).
    ngroups : int, default 1
        Number of groups G of a multigroup model.

    Raises
    ------
    ValueError
        If ``chisq`` or ``df`` is negative, ``nobs`` < 2 or ``ngroups`` < 1.

    Notes
    -----
    RMSEA = sqrt(max(chisq / (N df) - 1 / N, 0) G), and 0 when df = 0. lavaan 0.6.14
    R/lav_fit_rmsea.R (``lav_fit_rmsea``); validated against lavaan 0.6.14.

    Examples
    --------
    >>> round(rmsea(chisq=85.306, df=24, nobs=301), 4)
    0.0921
    """
    x, d, n, g = _rmsea_args(chisq, df, nobs, ngroups)
    return math.sqrt(max(x / (n * d) - 1.0 / n, 0.0) * g) if d > 0 else 0.0


def _ncp_root(chisq: float, df: float, prob: float, upper: float) -> float:
    try:  # Brent's method with R's uniroot() tolerance; a failure is NA in lavaan
        return optimize.brentq(lambda ncp: _pchisq(chisq, df, ncp) - prob, 0.0, upper,
                               xtol=_UNIROOT_TOL, rtol=4 * np.finfo(float).eps, maxiter=1000)
    except (ValueError, RuntimeError):
        return math.nan


def rmsea_ci(chisq: float, df: float, nobs: float, level: float = 0.90, *,
             ngroups: int = 1) -> tuple[float, float]:
    """Confidence interval ``(lower, upper)`` of the RMSEA (Browne & Cudeck, 1993).

    Arguments as :func:`rmsea`, plus the confidence ``level`` (0 < level < 1); raises as
    :func:`rmsea`, and if ``level`` is outside (0, 1).

    Notes
    -----
    lambda_L solves F(chisq; df, lambda) = (1 + level) / 2 on [0, chisq], lambda_U solves
    F(chisq; df, lambda) = (1 - level) / 2 on [0, max(N, 4 chisq)], F the noncentral
    chi-square CDF; a bound is sqrt(lambda G / (N df)), and 0 when df < 1 or when F at
    lambda = 0 is already below the target. The roots use R's ``uniroot`` tolerance
    (eps^0.25), which reproduces lavaan to ~1e-15 where the exact root would differ by
    ~1e-9. lavaan 0.6.14 R/lav_fit_rmsea.R (``lav_fit_rmsea_ci``).

    Examples
    --------
    >>> [round(bound, 4) for bound in rmsea_ci(chisq=85.306, df=24, nobs=301)]
    [0.0714, 0.1137]
    """
    x, d, n, g = _rmsea_args(chisq, df, nobs, ngroups)
    lev = _float(level)
    if not 0 < lev < 1:
        raise ValueError(f"Argument 'level' is {_show(level)}; a confidence level must lie "
                         "strictly between 0 and 1. Pass e.g. 0.90.")
    hi_p, lo_p, n_max = (1 + lev) / 2, (1 - lev) / 2, max(n, 4 * x)
    lower = upper = 0.0
    if d >= 1 and _pchisq(x, d) >= hi_p:
        lower = math.sqrt(_ncp_root(x, d, hi_p, x) * g / (n * d))
    if d >= 1 and _pchisq(x, d, n_max) <= lo_p <= _pchisq(x, d):
        upper = math.sqrt(_ncp_root(x, d, lo_p, n_max) * g / (n * d))
    return lower, upper


def _rmsea_cdf(chisq: float, df: float, nobs: float, h0: float, ngroups: int) -> float:
    x, d, n, g = _rmsea_args(chisq, df, nobs, ngroups)
    r0 = _float(h0)
    if not 0 < r0 < math.inf:
        raise ValueError(f"Argument 'h0' is {_show(h0)}; the RMSEA of the null hypothesis must "
                         "be a number > 0. Pass e.g. 0.05 (close fit) or 0.08 (not-close fit).")
    return math.nan if d == 0 else _pchisq(x, d, n * d * r0 ** 2 / g)


def rmsea_pvalue(chisq: float, df: float, nobs: float, h0: float = 0.05, *,
                 ngroups: int = 1) -> float:
    """p-value of the test of close fit, H0: RMSEA <= ``h0`` (lavaan's ``rmsea.pvalue``).

    Arguments as :func:`rmsea`; ``nan`` when df = 0. Raises as :func:`rmsea`, and if
    ``h0`` is not > 0.

    Notes
    -----
    p = 1 - F(chisq; df, N df h0^2 / G), F the noncentral chi-square CDF. lavaan 0.6.14
    R/lav_fit_rmsea.R (``lav_fit_rmsea_closefit``); validated against lavaan 0.6.14.
    """
    return 1.0 - _rmsea_cdf(chisq, df, nobs, h0, ngroups)


def rmsea_notclose_pvalue(chisq: float, df: float, nobs: float, h0: float = 0.08, *,
                          ngroups: int = 1) -> float:
    """p-value of the test of not-close fit, H0: RMSEA >= ``h0`` (MacCallum et al., 1996).

    Notes
    -----
    p = F(chisq; df, N df h0^2 / G), otherwise as :func:`rmsea_pvalue`. lavaan 0.6.14
    R/lav_fit_rmsea.R (``lav_fit_rmsea_notclosefit``); validated against lavaan 0.6.14.
    """
    return _rmsea_cdf(chisq, df, nobs, h0, ngroups)


_MOMENTS_DOC = """
    Parameters
    ----------
    sample_cov, implied_cov : array_like
        Sample (divisor N) and model-implied covariance matrices, p x p, same variable order.
    sample_mean, implied_mean : array_like, optional
        Sample and implied means (length p) of a model with a mean structure.

    Raises
    ------
    ValueError
        If a matrix is not square, symmetric and finite, the two differ in size, only one
        mean vector is given, or (except for ``rmr``) a variance is not positive.
"""


def _rms_residual(kind: str, sample_cov: ArrayLike, implied_cov: ArrayLike,
                  sample_mean: ArrayLike | None, implied_mean: ArrayLike | None) -> float:
    s, sigma, m, mu = _moments(sample_cov, implied_cov, sample_mean, implied_mean,
                               positive_variances=kind != "raw")
    p = s.shape[0]

    def rescale(x: np.ndarray, scale: np.ndarray) -> np.ndarray:  # lav_residuals_rescale()
        return x * np.where(np.abs(x) < _NEAR_ZERO, 1.0, scale)

    if kind != "raw":
        sd_obs = np.sqrt(np.diag(s))
        sd_est = sd_obs if kind == "bentler" else np.sqrt(np.diag(sigma))
        s = rescale(s, 1 / np.outer(sd_obs, sd_obs))
        sigma = rescale(sigma, 1 / np.outer(sd_est, sd_est))
        if m is not None:  # both mean vectors by the observed SDs, also for "bollen"
            m, mu = rescale(m, 1 / sd_obs), rescale(mu, 1 / sd_obs)
    total = np.sum((s - sigma)[np.tril_indices(p)] ** 2)
    count = p * (p + 1) / 2 - (p if kind == "bollen" else 0)
    if m is not None:
        total, count = total + np.sum((m - mu) ** 2), count + p
    return math.sqrt(float(total) / count)


def srmr(sample_cov: ArrayLike, implied_cov: ArrayLike, sample_mean: ArrayLike | None = None,
         implied_mean: ArrayLike | None = None) -> float:
    """Standardized root mean square residual, lavaan's ``srmr`` (= ``srmr_bentler``).
    {moments}
    Notes
    -----
    r_ij = (s_ij - sigma_ij) / sqrt(s_ii s_jj) on and below the diagonal, and
    (m_i - mu_i) / sqrt(s_ii) with means; SRMR = sqrt(sum r^2 / (p(p+1)/2 [+ p])). As in
    lavaan, moments with |value| < 1e-5 are not standardised. lavaan 0.6.14
    ``lav_residuals(type = "cor.bentler")`` and ``lav_residuals_summary()``, R/lav_residuals.R;
    validated against lavaan 0.6.14.

    Examples
    --------
    >>> round(srmr([[1.0, 0.5], [0.5, 1.0]], [[1.0, 0.3], [0.3, 1.0]]), 4)
    0.1155
    """
    return _rms_residual("bentler", sample_cov, implied_cov, sample_mean, implied_mean)


def rmr(sample_cov: ArrayLike, implied_cov: ArrayLike, sample_mean: ArrayLike | None = None,
        implied_mean: ArrayLike | None = None) -> float:
    """Root mean square residual of the raw moments, lavaan's ``rmr``.
    {moments}
    Notes
    -----
    sqrt of the mean of (s_ij - sigma_ij)^2 on and below the diagonal [and (m_i - mu_i)^2].
    lavaan 0.6.14 ``lav_residuals_summary()``, R/lav_residuals.R; validated against it.
    """
    return _rms_residual("raw", sample_cov, implied_cov, sample_mean, implied_mean)


def crmr(sample_cov: ArrayLike, implied_cov: ArrayLike, sample_mean: ArrayLike | None = None,
         implied_mean: ArrayLike | None = None) -> float:
    """Correlation root mean square residual (Bollen), lavaan's ``crmr``.
    {moments}
    Notes
    -----
    cov2cor(S) - cov2cor(Sigma) below the diagonal, and (m_i - mu_i) / sqrt(s_ii) with
    means; divisor p(p-1)/2 [+ p]. lavaan 0.6.14 ``lav_residuals(type = "cor.bollen")``,
    R/lav_residuals.R; validated against lavaan 0.6.14.
    """
    return _rms_residual("bollen", sample_cov, implied_cov, sample_mean, implied_mean)


def srmr_mplus(sample_cov: ArrayLike, implied_cov: ArrayLike, sample_mean: ArrayLike | None = None,
               implied_mean: ArrayLike | None = None) -> float:
    """SRMR as Mplus computes it, lavaan's ``srmr_mplus``.
    {moments}
    Notes
    -----
    cov2cor(S) - cov2cor(Sigma) below the diagonal, (s_ii - sigma_ii) / s_ii on it and, with
    means, m_i / sqrt(s_ii) - mu_i / sqrt(sigma_ii); divisor p(p+1)/2 [+ p]. lavaan 0.6.14
    R/lav_fit_srmr.R (``lav_fit_srmr_mplus``); validated against lavaan 0.6.14.
    """
    s, sigma, m, mu = _moments(sample_cov, implied_cov, sample_mean, implied_mean)
    p, sd_s, sd_e = s.shape[0], np.sqrt(np.diag(s)), np.sqrt(np.diag(sigma))
    r = s / np.outer(sd_s, sd_s) - sigma / np.outer(sd_e, sd_e)
    total = np.sum(r[np.tril_indices(p, -1)] ** 2) + np.sum((1 - np.diag(sigma) / np.diag(s)) ** 2)
    if m is not None:
        total += np.sum((m / sd_s - mu / sd_e) ** 2)
    return math.sqrt(float(total) / (p * (p + 1) / 2 + (0 if m is None else p)))


def gfi(sample_cov: ArrayLike, implied_cov: ArrayLike, sample_mean: ArrayLike | None = None,
        implied_mean: ArrayLike | None = None) -> float:
    """Goodness-of-fit index (Joreskog & Sorbom), lavaan 0.6.14's ``gfi`` for ML.
    {moments}
    Notes
    -----
    GFI = 1 - t1 / t2 with the ML weights at the implied moments:
    t1 = tr[(Sigma^-1 (S - Sigma))^2] / 2 [+ (m - mu)' Sigma^-1 (m - mu)],
    t2 = tr[(Sigma^-1 S)^2] / 2 [+ m' Sigma^-1 m]. Also raises if ``implied_cov`` is not
    positive definite. lavaan 0.6.14 R/lav_fit_gfi.R; validated against lavaan 0.6.14.
    """
    s, sigma, m, mu = _moments(sample_cov, implied_cov, sample_mean, implied_mean)
    chol = _cholesky(sigma)
    inv = np.linalg.solve(chol.T, np.linalg.solve(chol, np.eye(s.shape[0])))
    a, r = inv @ s, inv @ (s - sigma)
    t1, t2 = np.trace(r @ r) / 2, np.trace(a @ a) / 2
    if m is not None:
        t1, t2 = t1 + (m - mu) @ inv @ (m - mu), t2 + m @ inv @ m
    return float(1 - t1 / t2)


def agfi(sample_cov: ArrayLike, implied_cov: ArrayLike, df: float,
         sample_mean: ArrayLike | None = None, implied_mean: ArrayLike | None = None) -> float:
    """Adjusted goodness-of-fit index; arguments and errors as :func:`gfi`, plus ``df``.

    Notes
    -----
    AGFI = 1 - (k / df) (1 - GFI) with k = p(p+1)/2 [+ p] sample moments; 1 when df = 0.
    lavaan 0.6.14 R/lav_fit_gfi.R (``lav_fit_agfi``); validated against lavaan 0.6.14.
    """
    d, value = _scalar("df", df), gfi(sample_cov, implied_cov, sample_mean, implied_mean)
    p = np.shape(sample_cov)[0]
    moments = p * (p + 1) / 2 + (0 if sample_mean is None else p)
    return 1 - moments / d * (1 - value) if d > 0 else 1.0


for _function in (srmr, rmr, crmr, srmr_mplus, gfi):
    _function.__doc__ = _function.__doc__.replace("{moments}", _MOMENTS_DOC)
del _function


def loglik_normal(sample_cov: ArrayLike, implied_cov: ArrayLike, nobs: float,
                  sample_mean: ArrayLike | None = None,
                  implied_mean: ArrayLike | None = None) -> float:
    """Normal-theory log-likelihood from summary statistics, lavaan's ``logl``.

    Arguments as :func:`srmr`, plus ``nobs`` (N). With ``implied_cov = sample_cov`` (and
    equal means) it is lavaan's ``unrestricted.logl``.

    Raises
    ------
    ValueError
        As :func:`srmr`, if ``nobs`` < 2, or if ``implied_cov`` is not positive definite.

    Notes
    -----
    logl = -N/2 [p log(2 pi) + log|Sigma| + tr(Sigma^-1 S) + (m - mu)' Sigma^-1 (m - mu)]
    with S of divisor N. lavaan 0.6.14 ``lav_mvnorm_loglik_samplestats()``, R/lav_mvnorm.R;
    validated against lavaan 0.6.14 ``logl`` and ``unrestricted.logl``.

    Examples
    --------
    >>> round(loglik_normal([[2.0, 0.5], [0.5, 1.0]], [[2.0, 0.5], [0.5, 1.0]], nobs=100), 3)
    -311.768
    """
    n = _scalar("nobs", nobs)
    s, sigma, m, mu = _moments(sample_cov, implied_cov, sample_mean, implied_mean,
                               positive_variances=False)
    chol = _cholesky(sigma)
    half = np.linalg.solve(chol, np.eye(s.shape[0]))  # Sigma^-1 = half' half
    dist = float(np.sum((half.T @ half) * s))
    if m is not None:
        dist += float(np.sum(np.linalg.solve(chol, m - mu) ** 2))
    logdet = 2 * float(np.sum(np.log(np.diag(chol))))
    return -n / 2 * (s.shape[0] * math.log(2 * math.pi) + logdet + dist)


def information_criteria(logl: float, npar: int, nobs: float) -> dict[str, float]:
    """AIC, BIC and sample-size adjusted BIC as a dict with keys ``aic, bic, bic2``.

    Raises
    ------
    ValueError
        If ``logl`` is not a finite number, ``npar`` < 0 or ``nobs`` < 2.

    Notes
    -----
    AIC = -2 logl + 2 npar; BIC = -2 logl + npar log N; BIC2 = -2 logl + npar log((N + 2) / 24)
    (Sclove, 1987). lavaan 0.6.14 R/lav_fit_aic.R; validated against lavaan 0.6.14.

    Examples
    --------
    >>> {k: round(v, 2) for k, v in information_criteria(logl=-3737.745, npar=21, nobs=301).items()}
    {'aic': 7517.49, 'bic': 7595.34, 'bic2': 7528.74}
    """
    ll, k, n = _scalar("logl", logl), _scalar("npar", npar), _scalar("nobs", nobs)
    return {"aic": -2 * ll + 2 * k, "bic": -2 * ll + k * math.log(n),
            "bic2": -2 * ll + k * math.log((n + 2) / 24)}
