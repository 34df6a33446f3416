"""``sem.fit`` and ``sem.invariance`` from a :class:`cxstats.Moments`: ML, one group and
several, equal to the raw-data path on the same rows (estimates, SEs, chi-square, fit
measures, modification indices, score tests, the invariance ladder) to 1e-10, and every
option that needs the rows refused with a clear message."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem
from cxstats import moments
from cxstats._sufficient import gamma_of
from conftest import REFERENCE

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
ITEMS = [f"x{i}" for i in range(1, 10)]
SERVQUAL = "\n".join(f"{f} =~ {f}1 + {f}2 + {f}3" for f in ("TAN", "REL", "RES", "ASS", "EMP"))
SERVQUAL_ITEMS = [f"{f}{i}" for f in ("TAN", "REL", "RES", "ASS", "EMP") for i in (1, 2, 3)]


@cache
def holzinger() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "holzinger_swineford.csv")


@cache
def panel() -> pd.DataFrame:
    return cxstats.simulate_cx_panel(300, noninvariant_items=2, seed=11).data


def same_numbers(a: pd.DataFrame, b: pd.DataFrame, tol: float = 1e-10) -> None:
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    numeric = a.select_dtypes("number").columns
    other = [c for c in a.columns if c not in numeric]
    assert a[other].astype(str).equals(b[other].astype(str))
    x, y = a[numeric].to_numpy(dtype=float), b[numeric].to_numpy(dtype=float)
    assert np.array_equal(np.isnan(x), np.isnan(y))
    assert np.allclose(x, y, rtol=tol, atol=tol, equal_nan=True)


def same_fit(raw, mom, *, dropped: int | None = None) -> None:
    same_numbers(raw.table, mom.table)
    fa, fb = raw.fit_measures, mom.fit_measures
    assert list(fa.index) == list(fb.index)
    assert np.allclose(fa.to_numpy(float), fb.to_numpy(float), rtol=1e-10, atol=1e-10, equal_nan=True)
    assert (raw.nobs, raw.group_nobs, raw.groups) == (mom.nobs, mom.group_nobs, mom.groups)
    assert mom.n_dropped == (raw.n_dropped if dropped is None else dropped)


def test_one_group_from_moments_equals_the_rows():
    hs = holzinger()
    m = moments(hs, ITEMS)
    raw = sem.fit(HS, hs)
    same_fit(raw, sem.fit(HS, moments=m))
    same_fit(raw, sem.fit(HS, m))  # a Moments in place of data
    same_numbers(raw.modindices(sort=False), sem.fit(HS, m).modindices(sort=False))
    same_numbers(raw.r2.to_frame(), sem.fit(HS, m).r2.to_frame())


def test_a_subset_of_the_items_and_the_pooled_groups():
    hs = holzinger()
    m = moments(hs, [*ITEMS, "ageyr", "grade"], group="school")  # the rows complete on every item
    rows = hs.dropna(subset=[*ITEMS, "ageyr", "grade"])
    same_fit(sem.fit("visual =~ x1 + x2 + x3", rows), sem.fit("visual =~ x1 + x2 + x3", moments=m),
             dropped=len(hs) - len(rows))


@pytest.mark.parametrize("equal", [(), ("loadings",), ("loadings", "intercepts", "residuals")])
def test_multigroup_from_moments_equals_the_rows(equal):
    hs = holzinger()
    m = moments(hs, ITEMS, group="school")
    assert m.groups == ("Grant-White", "Pasteur")
    raw = sem.fit(HS, hs, group="school", group_labels=m.groups, group_equal=equal, group_partial=("x3 ~ 1",))
    mom = sem.fit(HS, moments=m, group="school", group_equal=equal, group_partial=("x3 ~ 1",))
    same_fit(raw, mom)
    same_numbers(raw.modindices(sort=False), mom.modindices(sort=False))
    if equal:
        by_name = lambda t: t.sort_values("parameter").reset_index(drop=True)  # noqa: E731  (ties near 0 may swap)
        same_numbers(by_name(sem.score_tests(raw)), by_name(sem.score_tests(mom)))


def test_group_labels_choose_and_order_the_moments_groups():
    hs = holzinger()
    m = moments(hs, ITEMS, group="school")
    order = ("Pasteur", "Grant-White")
    raw = sem.fit(HS, hs, group="school", group_labels=order, group_equal=("loadings",))
    mom = sem.fit(HS, moments=m, group="school", group_labels=order, group_equal=("loadings",))
    same_fit(raw, mom)
    assert mom.groups == order


def test_the_invariance_ladder_of_the_panel_from_moments():
    data = panel()
    m = moments(data, SERVQUAL_ITEMS, group="country")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = sem.invariance(SERVQUAL, data, group="country", group_labels=m.groups)
        mom = sem.invariance(SERVQUAL, moments=m, group="country")
    same_numbers(raw.table, mom.table)
    same_numbers(raw.search, mom.search)
    assert raw.noninvariant_items == mom.noninvariant_items == ("EMP3", "RES2")
    for level in raw.models:
        same_fit(raw.models[level], mom.models[level])
    diff_raw = sem.compare(raw.models["configural"], raw.models["metric"]).table
    diff_mom = sem.compare(mom.models["configural"], mom.models["metric"]).table
    same_numbers(diff_raw, diff_mom)


def test_moments_of_parts_fit_as_the_whole():
    hs = holzinger()
    whole = sem.fit(HS, hs, group="school", group_labels=("Grant-White", "Pasteur"))
    parts = moments(hs.iloc[:120], ITEMS, group="school") + moments(hs.iloc[120:], ITEMS, group="school")
    same_fit(whole, sem.fit(HS, moments=parts, group="school"))


@pytest.mark.parametrize("kwargs, message", [
    ({"se": "bootstrap"}, r"se='bootstrap' needs the rows \(one per respondent\) to resample, but a cxstats\.Moments "
                          r"holds only counts, means and cross-products\. Pass the data, or use se='standard'\."),
    ({"estimator": "MLR"}, r"estimator='MLR' needs the third- and fourth-order moments .* these Moments lack them\. "
                           r"Compute them with cxstats\.moments\(source, items, group=\.\.\., fourth=True\)\."),
    ({"missing": "fiml"}, r"missing='fiml' needs the statistics of each missing-data pattern; these Moments hold only "
                          r"complete rows\. Compute them with .*patterns=True\)\."),
    ({"nobs": 301}, r"cov=, means= and nobs= describe one sample; with moments= they come from the Moments\. Drop "
                    r"them\."),
    ({"group": "sex"}, r"sem\.fit: group='sex' does not match the Moments' group column 'school'\. Pass "
                       r"group='school', or compute the moments with group='sex'\."),
    ({"group": "school", "group_labels": ["Pasteur", "Lincoln"]},
     r"group level\(s\) 'Lincoln' are not in the Moments' group 'school'; its levels are 'Grant-White', 'Pasteur'\."),
    ({"group_labels": ["Pasteur", "Grant-White"]}, r"group_labels= goes with group=; pass the group column too\."),
])
def test_what_a_fit_from_moments_cannot_do(kwargs, message):
    m = moments(holzinger(), ITEMS, group="school")
    with pytest.raises(sem.ModelSpecificationError, match=message):
        sem.fit(HS, moments=m, **kwargs)


def test_fiml_never_falls_back_to_the_listwise_statistics():
    m = moments(holzinger(), ITEMS, group="school", patterns=True)
    with pytest.raises(sem.ModelSpecificationError, match=r"missing='fiml' from a Moments \(its missing-data patterns\) "
                                                           r"is not available yet; pass the data, whose every answered "
                                                           r"value FIML uses\."):
        sem.fit(HS, moments=m, group="school", missing="fiml")


def test_moments_without_a_group_cannot_fit_groups():
    m = moments(holzinger(), ITEMS)
    message = (r"group='school', but the Moments were computed without a group column\. Compute them with "
               r"cxstats\.moments\(source, items, group='school'\), or drop group=\.")
    with pytest.raises(sem.ModelSpecificationError, match=message):
        sem.fit(HS, moments=m, group="school")


def test_a_variable_the_moments_lack_is_named():
    m = moments(holzinger(), ITEMS[:6])
    message = (r"The model uses 'x7', 'x8', 'x9', which are neither a latent variable .* nor an item of the "
               r"Moments\. The Moments hold 'x1', .*compute the moments with it among the items\.")
    with pytest.raises(sem.ModelSpecificationError, match=message):
        sem.fit(HS, moments=m)


def test_a_small_group_in_the_moments_is_named():
    hs = holzinger()
    small = pd.concat([hs, hs.iloc[:5].assign(school="Lincoln")])
    m = moments(small, ITEMS, group="school")
    with pytest.raises(sem.ModelSpecificationError, match=r"Group 'Lincoln' of 'school' has 5 complete rows for 9 "
                                                           r"variables"):
        sem.fit(HS, moments=m, group="school")


def test_moments_and_data_are_not_both_passed():
    hs = holzinger()
    m = moments(hs, ITEMS)
    with pytest.raises(TypeError, match=r"sem\.fit: pass either the data or moments=, not both\."):
        sem.fit(HS, hs, moments=m)
    with pytest.raises(TypeError, match=r"sem\.fit: pass the Moments once, as data or as moments=, not both\."):
        sem.fit(HS, m, moments=m)
    with pytest.raises(TypeError, match=r"sem\.fit: moments= must be a cxstats\.Moments \(what cxstats\.moments\(\) "
                                        r"returns\), got DataFrame\."):
        sem.fit(HS, moments=hs)


def test_a_bootstrap_of_effects_needs_the_rows():
    hs = holzinger()
    fit = sem.fit(HS + "visual ~ textual\nspeed ~ visual\n", moments=moments(hs, ITEMS))
    with pytest.raises(sem.ModelSpecificationError, match=r"bootstrap= needs raw data, but this model was fitted to "
                                                           r"summary statistics \(cov= or moments=\)"):
        fit.indirect_effects(bootstrap=100)


def test_moments_with_fourth_order_sums_carry_each_groups_gamma_in_model_order():
    hs = holzinger()
    m = moments(hs, ITEMS, group="school", fourth=True)
    model = "speed =~ x9 + x7 + x8\nvisual =~ x3 + x1 + x2\n"
    fit = sem.fit(model, moments=m, group="school")
    same_fit(sem.fit(model, hs, group="school", group_labels=m.groups), fit)  # ML is unchanged
    names = list(fit._spec.observed)
    alone = moments(hs, names, group="school", fourth=True)  # the Gamma of just these variables, in this order
    for level, sample in zip(fit.groups, fit._group_moments, strict=True):
        assert np.allclose(sample.fourth, alone.gamma(level).to_numpy(), rtol=1e-12, atol=1e-12)
    assert np.allclose(gamma_of(m, None, names), alone.total().gamma().to_numpy(), rtol=1e-12, atol=1e-12)
    assert sem.fit(model, moments=moments(hs, ITEMS, group="school"), group="school")._group_moments[0].fourth is None
