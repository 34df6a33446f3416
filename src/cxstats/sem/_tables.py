"""The numbers a fitted model reports, computed when first read: the parameter table and
the fit measures (``SEMResult.table`` and ``SEMResult.fit_measures`` call these).

Deferring them keeps ``sem.fit`` itself to estimation and the checks that raise warnings;
a bootstrap, a model search or an invariance ladder that reads only a few numbers does
not pay for the pandas objects of every fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from . import fit_indices as fitindex
from .estimate import Estimate, Groups, discrepancy
from .inference import DefinedParameters, standardized
from .matrices import RamModel
from .moments import SampleMoments
from .partable import ParameterTable

__all__ = ["TABLE_COLUMNS", "parameter_table", "fit_measures"]

TABLE_COLUMNS = ["lhs", "op", "rhs", "group", "label", "free", "estimate", "se", "z", "p_value",
                 "ci_low", "ci_high", "std_lv", "std_all"]


def _group_estimates(ram: RamModel, theta: np.ndarray) -> list[float]:
    """The value of every row of one group's parameter table at ``theta``."""
    a, s, mvec = ram.matrices(theta)
    index = {n: i for i, n in enumerate(ram.names)}
    est = []
    for row in ram.spec.rows:
        if row.op == "=~":
            est.append(a[index[row.rhs], index[row.lhs]])
        elif row.op == "~":
            est.append(a[index[row.lhs], index[row.rhs]])
        elif row.op == "~~":
            est.append(s[index[row.lhs], index[row.rhs]])
        else:
            est.append(mvec[index[row.lhs]])
    return est


def parameter_table(models: tuple[RamModel, ...], spec: ParameterTable, estimate: Estimate, vcov: np.ndarray,
                    defined: DefinedParameters, ci_level: float) -> pd.DataFrame:
    """One row per parameter of every group (``group`` holds the group's value), then the
    ``:=`` rows; SEs from ``vcov``, z tests and normal-theory intervals."""
    rows = spec.rows
    theta = estimate.theta
    est, std_lv, std_all, group = [], [], [], []
    for ram in models:
        est += _group_estimates(ram, theta)
        lv, al, _, _ = standardized(ram, theta)
        std_lv += list(lv)
        std_all += list(al)
        group += [ram.spec.groups[0]] * len(ram.spec.rows)
    free = np.array([r.free for r in rows])
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None))
    se = np.where(free > 0, se_all[np.maximum(free - 1, 0)], 0.0)
    columns = {"lhs": [r.lhs for r in rows], "op": [r.op for r in rows], "rhs": [r.rhs for r in rows],
               "label": [r.label for r in rows], "free": list(free > 0), "estimate": est, "se": list(se),
               "std_lv": std_lv, "std_all": std_all, "group": group}
    if defined.items:
        jac = defined.jacobian(theta)
        labelled: dict[str, int] = {}
        for i, r in enumerate(rows):
            if r.label:
                labelled.setdefault(r.label, i)
        columns["lhs"] += [d[0] for d in defined.items]
        columns["op"] += [":="] * len(defined.items)
        columns["rhs"] += [d[1] for d in defined.items]
        columns["label"] += [d[0] for d in defined.items]
        columns["free"] += [False] * len(defined.items)
        columns["group"] += [None] * len(defined.items)
        columns["estimate"] += list(defined.values(theta).real)
        columns["se"] += list(np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None)))
        columns["std_lv"] += list(defined.values(theta, {lab: std_lv[i] for lab, i in labelled.items()}).real)
        columns["std_all"] += list(defined.values(theta, {lab: std_all[i] for lab, i in labelled.items()}).real)
    estimate_arr, se_arr = np.array(columns["estimate"], dtype=float), np.array(columns["se"], dtype=float)
    z_crit = special.ndtri(0.5 + ci_level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_arr > 0, estimate_arr / se_arr, np.nan)
    columns.update(estimate=estimate_arr, se=se_arr, z=z,
                   p_value=2 * special.ndtr(-np.abs(z)), ci_low=estimate_arr - z_crit * se_arr,
                   ci_high=estimate_arr + z_crit * se_arr)
    return pd.DataFrame({name: columns[name] for name in TABLE_COLUMNS})


def fit_measures(groups: Groups, spec: ParameterTable, moments: tuple[SampleMoments, ...],
                 estimate: Estimate) -> pd.Series:
    """lavaan's fitMeasures for ML: chi-square (N F), baseline, CFI/TLI, log-likelihoods,
    information criteria, RMSEA (with lavaan's sqrt(G) for G groups) and SRMR (groups
    weighted by their share of N)."""
    n = sum(m.nobs for m in moments)
    n_groups = len(moments)
    p_all = len(spec.observed)
    px = len(spec.exogenous_x)
    data_points = p_all * (p_all + 1) // 2 - px * (px + 1) // 2
    if spec.meanstructure:
        data_points += p_all - px
    data_points *= n_groups
    npar = spec.n_free - len(spec.constraints)
    df = data_points - npar
    chisq = max(n * estimate.fmin, 0.0)  # a just-identified model can round to -1e-13
    imps = groups.implied(estimate.theta)
    if not np.isfinite(chisq) or min(np.linalg.eigvalsh(imp.sigma).min() for imp in imps) <= 0:
        return pd.Series({"npar": npar, "df": df, "ntotal": n}, name="fit_measures", dtype=float).reindex(
            _MEASURE_NAMES)
    base_chisq, base_df = 0.0, 0.0
    logl = logl_h1 = srmr = 0.0
    for ram, imp, m, cov, mean, logdet, w in zip(groups.models, imps, moments, groups.covs, groups.means,
                                                 groups.logdets, groups.weights, strict=True):
        b_chisq, b_df = _baseline(spec, m)
        base_chisq, base_df = base_chisq + b_chisq, base_df + b_df
        # log-likelihoods from the discrepancy: log|Sigma| + tr(S Sigma^-1) (+ mean term) = F + log|S| + p
        # (the same numbers as fit_indices.loglik_normal, without refactoring Sigma)
        f_g = estimate.fmin if n_groups == 1 else discrepancy(ram, imp, cov, mean, logdet)
        constant = p_all * np.log(2 * np.pi) + logdet + p_all
        logl_h1 += -0.5 * m.nobs * constant
        logl += -0.5 * m.nobs * (constant + f_g)
        mean_s = mean if spec.meanstructure else None
        mean_m = imp.mu if spec.meanstructure else None
        srmr += w * fitindex.srmr(cov, imp.sigma, mean_s, mean_m)
    ic = fitindex.information_criteria(logl, npar, n)
    ci = fitindex.rmsea_ci(chisq, df, n, ngroups=n_groups)
    out = {
        "npar": npar, "fmin": estimate.fmin / 2, "chisq": chisq, "df": df,
        "pvalue": fitindex.chisq_pvalue(chisq, df),
        "baseline.chisq": base_chisq, "baseline.df": base_df,
        "baseline.pvalue": fitindex.chisq_pvalue(base_chisq, base_df),
        "cfi": fitindex.cfi(chisq, df, base_chisq, base_df),
        "tli": fitindex.tli(chisq, df, base_chisq, base_df),
        "logl": logl, "unrestricted.logl": logl_h1,
        "aic": ic["aic"], "bic": ic["bic"], "bic2": ic["bic2"], "ntotal": n,
        "rmsea": fitindex.rmsea(chisq, df, n, ngroups=n_groups), "rmsea.ci.lower": ci[0], "rmsea.ci.upper": ci[1],
        "rmsea.pvalue": fitindex.rmsea_pvalue(chisq, df, n, ngroups=n_groups),
        "srmr": srmr,
    }
    return pd.Series(np.array(list(out.values()), dtype=float), index=list(out), name="fit_measures")


_MEASURE_NAMES = ["npar", "fmin", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue",
                  "cfi", "tli", "logl", "unrestricted.logl", "aic", "bic", "bic2", "ntotal", "rmsea",
                  "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr"]


def _baseline(spec: ParameterTable, moments: SampleMoments) -> tuple[float, float]:
    """The independence model of one group: free variances (and means), fixed.x block kept
    at its sample values."""
    cov, names, n = moments.cov, spec.observed, moments.nobs
    xs = [names.index(x) for x in spec.exogenous_x]
    ys = [i for i in range(len(names)) if i not in xs]
    sigma = np.diag(np.diag(cov))
    if xs:
        sigma[np.ix_(xs, xs)] = cov[np.ix_(xs, xs)]
    p = len(names)
    f = (np.linalg.slogdet(sigma)[1] + np.trace(cov @ np.linalg.inv(sigma)) - np.linalg.slogdet(cov)[1] - p)
    py, px = len(ys), len(xs)
    df = py * (py + 1) // 2 + py * px - py
    return float(n * f), float(df)
