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


def test_fit_level_fiml_sample_from_pattern_sums_equals_the_row_path():
    """What sem.fit(moments=M, missing='fiml') builds from a Moments: the EM moments and the
    patterns per group, equal to those from the rows; the fit from them equals the row fit."""
    from cxstats.sem import _api

    data = _data()
    levels = ("Pasteur", "Grant-White")
    spec = build_parameter_table(parse_model(HS), groups=levels, meanstructure=True)
    frames = [data[data["school"] == g] for g in levels]
    with pytest.warns(cxstats.CxStatsWarning, match="answer none of the model's variables"):
        from_rows = _api._fiml_sample(spec, frames, "school", levels, [])
    stats = cxstats.moments(data, list(spec.observed), group="school", patterns=True)
    from_sums = _api.fiml_sample_from_patterns(spec, [stats.patterns(g) for g in levels], group="school",
                                               levels=levels)
    for a, b in zip(from_rows[0], from_sums[0], strict=True):
        assert (a.nobs, b.data) == (b.nobs, None)
        np.testing.assert_allclose(b.cov, a.cov, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b.mean, a.mean, rtol=1e-10, atol=1e-12)
    models = tuple(RamModel(spec.group_view(g), m.cov, m.mean) for g, m in enumerate(from_rows[0]))
    groups = _api.Groups(models, [m.cov for m in from_rows[0]], [m.mean for m in from_rows[0]],
                         [m.nobs for m in from_rows[0]])
    k, theta0 = constraint_basis(spec)
    start = _api._start(groups, k, theta0)
    fits = [_api._fit_fiml(groups, pats, moms, start, k, robust=False) for moms, pats in (from_rows, from_sums)]
    np.testing.assert_allclose(fits[1].estimate.theta, fits[0].estimate.theta, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fits[1].vcov, fits[0].vcov, rtol=1e-8, atol=1e-10 * np.abs(fits[0].vcov).max())
    with pytest.raises(ModelSpecificationError, match="needs each respondent's scores"):
        _api._fit_fiml(groups, from_sums[1], from_sums[0], start, k, robust=True)


def test_patterns_missing_a_covariate_are_left_out_with_a_warning_and_too_few_rows_are_refused():
    from cxstats.sem import _api

    data = _data()
    spec = build_parameter_table(parse_model("visual =~ x1 + x2 + x3\nvisual ~ x4"), meanstructure=True)
    stats = cxstats.moments(data, list(spec.observed), patterns=True)
    missing_x4 = int((data["x4"].isna() & data[["x1", "x2", "x3"]].notna().any(axis=1)).sum())
    assert missing_x4 > 0
    problems: list[str] = []
    with pytest.warns(cxstats.CxStatsWarning, match=rf"^{missing_x4} row\(s\) miss a covariate \('x4'\) and were left out\.$"):
        moments, patterns = _api.fiml_sample_from_patterns(spec, [stats.patterns()], problems=problems)
    assert problems[0].startswith(f"CxStatsWarning: {missing_x4} row(s) miss a covariate")
    assert all(mask[spec.observed.index("x4")] for mask in patterns[0].observed)
    few = [pt for pt in stats.patterns() if pt.mask.all()][:1]
    few[0] = type(few[0])(few[0].mask, 3, few[0].mean, few[0].cross)
    with pytest.raises(ModelSpecificationError, match=r"have 3 rows with answers for 4 variables; FIML needs more rows"):
        _api.fiml_sample_from_patterns(spec, [few])


def test_patterns_over_more_items_restricted_to_the_model_equal_the_patterns_of_its_columns():
    from cxstats.sem._missing_patterns import restrict_patterns

    data = _data()
    names = ["x3", "x1", "x2"]  # a subset, in another order
    wide = cxstats.moments(data, ITEMS, patterns=True).patterns()
    restricted, n_empty = restrict_patterns(wide, ITEMS, names)
    direct = cxstats.moments(data, names, patterns=True).patterns()
    # rows missing every item are not among the patterns at all; those missing only the model's columns are counted
    assert n_empty == int((data[names].isna().all(axis=1) & data[ITEMS].notna().any(axis=1)).sum())
    by_mask = {tuple(m): (n, mean, cross) for m, n, mean, cross in restricted}
    assert len(by_mask) == len(direct)
    for pt in direct:
        n, mean, cross = by_mask[tuple(pt.mask)]
        assert n == pt.n
        np.testing.assert_allclose(mean, pt.mean, rtol=1e-12)
        np.testing.assert_allclose(cross, pt.cross, rtol=1e-10, atol=1e-10)
