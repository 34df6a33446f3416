"""FIML from per-pattern sums (n, mean and centred cross-products of the observed
variables of each missing-data pattern, ``cxstats.moments(..., patterns=True)``) against
FIML from the rows: estimates, SEs, chi-square and every fit measure to 1e-10 (lavaan
0.6.14's FIML numbers for these data are checked in test_fiml.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import cxstats
from cxstats.sem._fiml import em_saturated, fiml, fiml_estimate, fiml_scores, missing_patterns
from cxstats.sem._missing_patterns import patterns_from_sums
from cxstats.sem._problems import ModelSpecificationError
from cxstats.sem.inference import constraint_basis
from cxstats.sem.matrices import RamModel
from cxstats.sem.partable import build_parameter_table
from cxstats.sem.syntax import parse_model

ITEMS = [f"x{i}" for i in range(1, 10)]
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _data() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests/reference/data/hs_mcar.csv")


def _setup(group_equal=()):
    data = _data()
    levels = ("Pasteur", "Grant-White")
    spec = build_parameter_table(parse_model(HS), groups=levels, group_equal=tuple(group_equal), meanstructure=True)
    rows = [missing_patterns(data.loc[data["school"] == g, list(spec.observed)].to_numpy(float)) for g in levels]
    stats = cxstats.moments(data, list(spec.observed), group="school", patterns=True)
    sums = [patterns_from_sums(len(spec.observed), stats.patterns(g)) for g in levels]
    models = []
    for g, pat in enumerate(rows):
        saturated = em_saturated(pat)
        models.append(RamModel(spec.group_view(g), saturated.cov, saturated.mean))
    return spec, models, rows, sums


@pytest.mark.parametrize("group_equal", [(), ("loadings", "intercepts")])
def test_fiml_from_pattern_sums_equals_fiml_from_rows(group_equal):
    spec, models, rows, sums = _setup(group_equal)
    assert [p.nobs for p in sums] == [p.nobs for p in rows] and sums[0].values is None
    k, theta0 = constraint_basis(spec)
    start = np.array([0.5 if r.op != "~1" else 4.0 for r in sorted({r.free: r for r in spec.rows if r.free > 0}.values(),
                                                                     key=lambda r: r.free)])
    start = theta0 + k @ np.linalg.lstsq(k, start - theta0, rcond=None)[0] if k is not None else start
    found = [fiml_estimate(models, pat, start, constraint_basis=k) for pat in (rows, sums)]
    np.testing.assert_allclose(found[1].theta, found[0].theta, rtol=1e-10, atol=1e-10)
    theta = found[0].theta
    saturated = [[em_saturated(p) for p in pats] for pats in (rows, sums)]
    for a, b in zip(*saturated, strict=True):
        np.testing.assert_allclose(b.cov, a.cov, rtol=1e-10, atol=1e-12)
        assert b.logl == pytest.approx(a.logl, rel=1e-12)
    fits = [fiml(models, theta, pats, constraint_basis=k, saturated=sat) for pats, sat in zip((rows, sums), saturated)]
    np.testing.assert_allclose(fits[1].vcov, fits[0].vcov, rtol=1e-8, atol=1e-10 * np.abs(fits[0].vcov).max())
    assert fits[1].fit_measures.keys() == fits[0].fit_measures.keys()
    for key, value in fits[0].fit_measures.items():
        assert fits[1].fit_measures[key] == pytest.approx(value, rel=1e-10, abs=1e-10, nan_ok=True), key


def test_mlr_from_pattern_sums_is_refused_with_the_reason():
    _, models, rows, sums = _setup()
    theta = np.full(models[0].n_par, 0.5)
    assert fiml_scores(models, theta, rows).shape[0] == sum(p.nobs for p in rows)
    with pytest.raises(ModelSpecificationError, match=r"each pattern's third- and fourth-order moments\)\. Pass the "
                                                      r"rows, or use estimator='ML'\.$"):
        fiml_scores(models, theta, sums)


def test_a_pattern_of_the_wrong_shape_is_refused():
    with pytest.raises(ModelSpecificationError, match=r"needs a mask of 3 variables.*got a mask of shape \(2,\)"):
        patterns_from_sums(3, [(np.array([True, True]), 5, np.zeros(2), np.eye(2))])
