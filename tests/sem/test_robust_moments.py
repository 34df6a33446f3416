"""MLR from each group's sufficient statistics (cxstats.sem._robust_moments).

Gamma is checked against lavaan 0.6.14's ``lavInspect(fit, "gamma")``
(tests/reference/lavaan_gamma.R); the first-order information ``n L Gamma L' + g g'/n``
against the outer products of the casewise scores computed from the rows (1e-10); the
closed-form observed information against the numerical Hessian of the gradient; and a
two-group MLR fit run from (n, means, covariance, lavaan's Gamma) alone against lavaan's
MLR standard errors and scaled test (tests/reference/lavaan_mlr_extra.R).
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest
from _group_view import equality_basis
from conftest import REFERENCE, ROOT
from test_robust import _group_models, _json

from cxstats.sem import _robust as robust
from cxstats.sem import _robust_moments as rm
from cxstats.sem._problems import ModelSpecificationError

ITEMS = [f"x{i}" for i in range(1, 10)]


@cache
def _gamma_json() -> dict:
    return json.loads((REFERENCE / "lavaan_gamma.json").read_text())


def _hs() -> pd.DataFrame:
    return pd.read_csv(ROOT / _gamma_json()["data_file"])


def _lavaan_gamma(record: dict) -> np.ndarray:
    return np.array(record["values"], dtype=float)


def test_vech_order_is_lavaans():
    rows, cols = rm.vech_indices(9)
    names = [f"x{i}~1" for i in range(1, 10)] + [f"x{c + 1}~~x{r + 1}" for r, c in zip(rows, cols, strict=True)]
    assert names == _gamma_json()["gamma"]["rownames"]
    assert names[9:13] == ["x1~~x1", "x1~~x2", "x1~~x3", "x1~~x4"]


def test_gamma_matches_lavaan_in_one_group_and_per_group():
    ref = _gamma_json()
    hs = _hs()
    ours = rm.gamma_from_data(hs[ITEMS].to_numpy(float))
    theirs = _lavaan_gamma(ref["gamma"])
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12 * np.abs(theirs).max())
    for label in ref["groups"]:
        values = hs.loc[hs["school"] == label, ITEMS].to_numpy(float)
        theirs = _lavaan_gamma(ref["group_gamma"][label])
        np.testing.assert_allclose(rm.gamma_from_data(values), theirs, rtol=1e-10,
                                   atol=1e-12 * np.abs(theirs).max())


def test_gamma_does_not_depend_on_the_batch_size():
    values = _hs()[ITEMS].to_numpy(float)
    np.testing.assert_allclose(rm.gamma_from_data(values, batch_rows=7), rm.gamma_from_data(values),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", ["metric", "covariates"])
def test_first_order_information_from_moments_equals_the_casewise_scores(case):
    """Away from the estimates (so every group's gradient g is not zero), with a mean
    structure and two groups sharing parameters, and with fixed.x covariates."""
    rec = _json("lavaan_mlr_extra")["fits"][case]
    models, data, theta, _ = _group_models(rec, meanstructure=case == "metric")
    theta = theta * 1.02
    for model, values in zip(models, data, strict=True):
        sample = rm.robust_sample(values)
        gradient, _, outer = rm.group_information(model, theta, sample)
        scores = robust.casewise_scores(model, theta, values)
        np.testing.assert_allclose(outer, scores.T @ scores, rtol=1e-10, atol=1e-10 * np.abs(outer).max())
        np.testing.assert_allclose(gradient, scores.sum(axis=0), rtol=1e-10, atol=1e-10 * np.abs(gradient).max())


def test_the_three_observed_information_routes_agree():
    """The RAM model's closed form, the baseline model's (linear) closed form and the
    five-point difference used for any other model object."""
    rec = _json("lavaan_mlr_extra")["fits"]["metric"]
    models, data, theta, _ = _group_models(rec, meanstructure=True)
    view, sample = models[1], rm.robust_sample(data[1])
    local = theta[view.index] * 1.01
    _, closed, _ = rm.group_information(view.model, local, sample)
    numerical = rm._numerical_hessian(view.model, local, sample)
    np.testing.assert_allclose(closed, numerical, rtol=1e-7, atol=1e-8 * np.abs(closed).max())
    base = robust.IndependenceModel(9, True)
    start = base.estimates(np.diag(sample.cov), sample.mean) * 1.1
    _, linear, _ = rm.group_information(base, start, sample)
    np.testing.assert_allclose(linear, rm._numerical_hessian(base, start, sample), rtol=1e-7,
                               atol=1e-8 * np.abs(linear).max())


def test_two_group_mlr_from_lavaans_gamma_alone_matches_lavaan():
    """No rows: each group's n, means and covariance and lavaan's own Gamma."""
    rec = _json("lavaan_mlr_extra")["fits"]["metric"]
    models, data, theta, table = _group_models(rec, meanstructure=True)
    gammas = _gamma_json()["group_gamma"]
    samples = []
    for label, values in zip(rec["group_labels"], data, strict=True):
        mean = values.mean(axis=0)
        cov = (values - mean).T @ (values - mean) / len(values)
        del values  # from here on only the group's statistics
        samples.append(rm.RobustSample(len(data[len(samples)]), mean, cov, _lavaan_gamma(gammas[label])))
    fit = robust.mlr(models, theta, samples, constraint_basis=equality_basis(table))
    free = table[table["free"] > 0].sort_values("free")
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), free["se"], rtol=1e-3)
    ref = rec["tests"]["yuan.bentler.mplus"]
    assert fit.test.trace_h1 == pytest.approx(sum(ref["trace_h1"]), rel=1e-6)
    assert fit.test.trace_h0 == pytest.approx(sum(ref["trace_h0"]), rel=1e-6)
    assert fit.fit_measures["chisq.scaled"] == pytest.approx(rec["fit_measures"]["chisq.scaled"], rel=1e-6)
    from_rows = robust.mlr(models, theta, data, constraint_basis=equality_basis(table))
    np.testing.assert_allclose(fit.vcov, from_rows.vcov, rtol=1e-9, atol=1e-9 * np.abs(fit.vcov).max())


def test_statistics_of_the_wrong_shape_are_refused():
    with pytest.raises(ModelSpecificationError, match=r"need a 3 x 3 covariance matrix and a 9 x 9 Gamma for 3 variables"):
        rm.RobustSample(10, np.zeros(3), np.eye(3), np.eye(6))


def test_fits_in_a_shared_block_reuse_each_groups_statistics_and_give_the_same_numbers():
    import cxstats.sem as sem
    from cxstats.sem._api import shared_samples

    hs = _hs()
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    alone = sem.fit(model, hs, group="school", estimator="MLR")
    with shared_samples():
        first = sem.fit(model, hs, group="school", estimator="MLR")
        second = sem.fit(model, hs, group="school", estimator="MLR", group_equal=["loadings"])
        other = sem.fit(model, hs.copy(), group="school", estimator="MLR")
    assert all(a is b for a, b in zip(first._group_moments, second._group_moments, strict=True))
    assert not any(a is b for a, b in zip(first._group_moments, other._group_moments, strict=True))
    assert "gamma" in vars(first._group_moments[0])  # computed once, kept with the moments
    pd.testing.assert_frame_equal(first.table, alone.table)
    assert first.fit_measures.equals(alone.fit_measures)
    outside = sem.fit(model, hs, group="school", estimator="MLR")
    assert not any(a is b for a, b in zip(first._group_moments, outside._group_moments, strict=True))


def test_mlr_without_rows_or_fourth_order_moments_is_refused():
    from cxstats.sem.moments import SampleMoments

    moments = SampleMoments(names=("a", "b"), cov=np.eye(2), mean=np.zeros(2), nobs=50)
    with pytest.raises(ModelSpecificationError, match=r"needs each group's fourth-order moments .* fourth=True\.$"):
        rm.robust_samples([moments])


def test_mlr_from_a_moments_object_equals_mlr_from_the_rows():
    """The statistics sem.fit builds from cxstats.moments(..., fourth=True): SampleMoments
    without rows, Gamma given as ``fourth``."""
    import cxstats
    from cxstats.sem.moments import SampleMoments

    rec = _json("lavaan_mlr_extra")["fits"]["metric"]
    models, data, theta, table = _group_models(rec, meanstructure=True)
    stats = cxstats.moments(_hs(), ITEMS, group="school", fourth=True)
    moments = [SampleMoments(names=tuple(ITEMS), cov=stats.ml_cov(g).to_numpy(), mean=stats.means(g).to_numpy(),
                             nobs=stats.n[g], fourth=stats.gamma(g).to_numpy()) for g in rec["group_labels"]]
    k = equality_basis(table)
    from_moments = robust.mlr(models, theta, rm.robust_samples(moments), constraint_basis=k)
    from_rows = robust.mlr(models, theta, data, constraint_basis=k)
    np.testing.assert_allclose(from_moments.vcov, from_rows.vcov, rtol=1e-9, atol=1e-10 * np.abs(from_rows.vcov).max())
    for key, value in from_rows.fit_measures.items():
        assert from_moments.fit_measures[key] == pytest.approx(value, rel=1e-10, abs=1e-12, nan_ok=True), key
