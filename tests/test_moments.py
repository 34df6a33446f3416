"""cxstats.moments: sufficient statistics equal the in-memory computation to 1e-10."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import Moments, MomentsError

ITEMS = ["SAT1", "SAT2", "SAT3", "LOY1", "LOY2"]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    data = cxstats.simulate_cx_panel(150, seed=3).data.copy()
    rng = np.random.default_rng(0)
    holes = rng.random((len(data), len(ITEMS))) < 0.05
    for j, col in enumerate(ITEMS):
        data.loc[holes[:, j], col] = np.nan
    data.loc[[3, 17], "country"] = None
    return data


def _complete(data, group=None):
    keep = data[ITEMS].notna().all(axis=1)
    if group is not None:
        keep &= data[group].notna()
    return data[keep]


def test_per_group_moments_equal_pandas(panel):
    m = cxstats.moments(panel, ITEMS, group="country", batch_rows=97)
    assert isinstance(m, Moments)
    complete = _complete(panel, "country")
    assert m.groups == tuple(sorted(complete["country"].unique()))
    assert m.n_dropped == len(panel) - len(complete)
    for g, sub in complete.groupby("country"):
        x = sub[ITEMS].to_numpy()
        assert m.n[g] == len(sub)
        np.testing.assert_allclose(m.mean[g], x.mean(axis=0), rtol=0, atol=1e-12)
        centred = x - x.mean(axis=0)
        np.testing.assert_allclose(m.cross[g], centred.T @ centred, rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(m.cov(g).to_numpy(), sub[ITEMS].cov().to_numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(m.ml_cov(g).to_numpy(), np.cov(x.T, ddof=0), rtol=0, atol=1e-10)
        assert list(m.cov(g).columns) == ITEMS
    total = m.total()
    assert total.group is None and total.n[None] == len(complete)
    np.testing.assert_allclose(total.cov().to_numpy(), complete[ITEMS].cov().to_numpy(), rtol=0, atol=1e-10)


def test_ungrouped_listwise(panel):
    m = cxstats.moments(panel, ITEMS)
    complete = _complete(panel)
    assert m.groups == (None,) and m.n[None] == len(complete) and m.n_dropped == len(panel) - len(complete)
    np.testing.assert_allclose(m.cov().to_numpy(), complete[ITEMS].cov().to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(m.means().to_numpy(), complete[ITEMS].mean().to_numpy(), rtol=0, atol=1e-12)


def test_sum_of_parts_equals_whole(panel):
    whole = cxstats.moments(panel, ITEMS, group="country")
    parts = [cxstats.moments(panel.iloc[i::3], ITEMS, group="country") for i in range(3)]
    combined = sum(parts)
    assert combined.groups == whole.groups and combined.n_dropped == whole.n_dropped
    for g in whole.groups:
        assert combined.n[g] == whole.n[g]
        np.testing.assert_allclose(combined.mean[g], whole.mean[g], rtol=0, atol=1e-12)
        np.testing.assert_allclose(combined.cross[g], whole.cross[g], rtol=1e-12, atol=1e-10)
    # a part without a level still combines (the level appears)
    only_de = cxstats.moments(panel[panel.country == "DE"], ITEMS, group="country")
    rest = cxstats.moments(panel[panel.country != "DE"], ITEMS, group="country")
    both = only_de + rest
    np.testing.assert_allclose(both.cross["DE"], whole.cross["DE"], rtol=1e-12, atol=1e-10)
    assert both.groups == whole.groups


def test_stable_with_a_large_mean():
    rng = np.random.default_rng(1)
    x = 1e6 + rng.standard_normal((20_000, 3)) @ np.array([[1, 0.5, 0.2], [0, 1, 0.3], [0, 0, 1]])
    frame = pd.DataFrame(x, columns=list("abc"))
    exact = np.cov((x - x.mean(axis=0)).T)
    m = cxstats.moments(frame, list("abc"), batch_rows=1000)
    np.testing.assert_allclose(m.cov().to_numpy(), exact, rtol=0, atol=1e-10)
    halves = cxstats.moments(frame.iloc[:7000], list("abc")) + cxstats.moments(frame.iloc[7000:], list("abc"))
    np.testing.assert_allclose(halves.cov().to_numpy(), exact, rtol=0, atol=1e-10)
    # raw sums of squares would lose about 12 of 16 digits here
    raw = (x.T @ x - len(x) * np.outer(x.mean(axis=0), x.mean(axis=0))) / (len(x) - 1)
    assert np.abs(raw - exact).max() > 1e-6


def test_errors_name_the_problem(panel):
    with pytest.raises(MomentsError, match=r"No item column 'NOPE' in the data.*Check the spelling\.$"):
        cxstats.moments(panel, ["SAT1", "NOPE"])
    with pytest.raises(MomentsError, match=r"No group column 'region'"):
        cxstats.moments(panel, ITEMS, group="region")
    with pytest.raises(MomentsError, match=r"Item column 'country' is not numeric"):
        cxstats.moments(panel, ["SAT1", "country"])
    with pytest.raises(MomentsError, match=r"items is empty"):
        cxstats.moments(panel, [])
    with pytest.raises(MomentsError, match=r"items names \['SAT1'\] more than once"):
        cxstats.moments(panel, ["SAT1", "SAT1"])
    with pytest.raises(MomentsError, match=r"Column 'SAT1' is both an item and the group"):
        cxstats.moments(panel, ["SAT1", "SAT2"], group="SAT1")
    with pytest.raises(MomentsError, match=r"batch_rows must be a positive whole number of rows, got 0\.$"):
        cxstats.moments(panel, ITEMS, batch_rows=0)
    with pytest.raises(MomentsError, match=r"shift must hold one value per item \(5\), got shape \(2,\)\.$"):
        cxstats.moments(panel, ITEMS, shift=[1.0, 2.0])
    with pytest.raises(TypeError, match=r"source must be .*got list\.$"):
        cxstats.moments([[1, 2]], ITEMS)
    with pytest.raises(TypeError, match=r"items must be a column name or a list of column names, got int\.$"):
        cxstats.moments(panel, 3)
    m = cxstats.moments(panel, ITEMS, group="country")
    with pytest.raises(MomentsError, match=r"grouped by 'country' with levels 'BR', 'CN', 'DE', 'US'; pass one"):
        m.cov()
    with pytest.raises(MomentsError, match=r"No group 'FR' in column 'country'; the levels are"):
        m.cov("FR")
    with pytest.raises(MomentsError, match=r"no group column, so there is no group 'FR'; leave g out\.$"):
        m.total().cov("FR")
    with pytest.raises(MomentsError, match=r"Cannot add moments that differ in items"):
        m + cxstats.moments(panel, ITEMS[:2], group="country")
    with pytest.raises(MomentsError, match=r"Cannot add moments that differ in group"):
        m + m.total()
    with pytest.raises(MomentsError, match=r"too few for a covariance matrix with ddof=1"):
        cxstats.moments(panel.iloc[:1], ITEMS).cov()
    with pytest.raises(MomentsError, match=r"Gamma needs the third- and fourth-order sums"):
        m.gamma("DE")
    with pytest.raises(MomentsError, match=r"Missing-data patterns were not kept"):
        m.patterns("DE")
    with pytest.raises(MomentsError, match=r"No counts of column 'REC' were kept \(kept: none\)"):
        m.counts("DE", "REC")
    with pytest.raises(TypeError):
        m + 1


def test_moments_are_read_only(panel):
    m = cxstats.moments(panel, ITEMS, group="country")
    with pytest.raises(ValueError):
        m.mean["DE"][0] = 0.0
    with pytest.raises(TypeError):
        m.n["DE"] = 0
    with pytest.raises(AttributeError):
        m.items = ("a",)


# --------------------------------------------------------------------------- counts
def test_counts_per_group_equal_value_counts(panel):
    m = cxstats.moments(panel, ITEMS, group="country", counts=["REC", "churned"], batch_rows=113)
    halves = (cxstats.moments(panel.iloc[:250], ITEMS, group="country", counts=["REC", "churned"])
              + cxstats.moments(panel.iloc[250:], ITEMS, group="country", counts=["REC", "churned"]))
    for g, sub in panel.dropna(subset=["country"]).groupby("country"):
        for col in ("REC", "churned"):
            want = sub[col].value_counts().sort_index()
            for got in (m.counts(g, col), halves.counts(g, col)):
                assert got.index.tolist() == want.index.tolist()
                assert got.tolist() == want.tolist()
                assert got.name == "count" and got.index.name == col
    total = m.total().counts(None, "REC")
    assert total.sum() == panel.dropna(subset=["country"])["REC"].notna().sum()
    with pytest.raises(MomentsError, match=r"No counts of column 'SAT1' were kept \(kept: 'REC', 'churned'\)"):
        m.counts("DE", "SAT1")
    with pytest.raises(MomentsError, match=r"No counts column 'NPS' in the data"):
        cxstats.moments(panel, ITEMS, counts=["NPS"])
    with pytest.raises(MomentsError, match=r"Cannot add moments that differ in counts"):
        m + cxstats.moments(panel, ITEMS, group="country")


# --------------------------------------------------------------------------- fourth order / Gamma
HS = ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"]


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    from pathlib import Path
    return pd.read_csv(Path(__file__).parent / "reference" / "data" / "holzinger_swineford.csv")


@pytest.fixture(scope="module")
def lavaan_gamma() -> dict:
    import json
    from pathlib import Path
    return json.loads((Path(__file__).parent / "reference" / "lavaan_gamma.json").read_text())


def _matrix(record) -> pd.DataFrame:
    return pd.DataFrame(record["values"], index=record["rownames"], columns=record["colnames"])


def test_gamma_equals_lavaan(hs, lavaan_gamma):
    """lavaan 0.6.14 lavInspect(fit, "gamma"), MLR with a mean structure (tests/reference/lavaan_gamma.R)."""
    one = cxstats.moments(hs, HS, fourth=True, batch_rows=50)
    want = _matrix(lavaan_gamma["gamma"])
    got = one.gamma()
    assert list(got.index) == list(want.index) and list(got.columns) == list(want.columns)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-10)
    by_school = cxstats.moments(hs, HS, group="school", fourth=True)
    assert list(by_school.groups) == sorted(lavaan_gamma["groups"])
    for g in lavaan_gamma["groups"]:
        assert by_school.n[g] == lavaan_gamma["group_nobs"][g]
        np.testing.assert_allclose(by_school.gamma(g).to_numpy(), _matrix(lavaan_gamma["group_gamma"][g]).to_numpy(),
                                   rtol=0, atol=1e-10)
    # pooled fourth-order sums of the two schools = those of all rows
    np.testing.assert_allclose(by_school.total().gamma().to_numpy(), want.to_numpy(), rtol=0, atol=1e-10)


def test_gamma_equals_the_row_based_saturated_scores(hs):
    """Gamma = A1^-1 B1 A1^-1 with A1, B1 the saturated information from the rows (sem._robust)."""
    from cxstats.sem._robust import saturated_information

    values = hs[HS].to_numpy()
    a1, b1 = saturated_information(values, meanstructure=True)
    inv = np.linalg.inv(a1)
    rows_gamma = inv @ b1 @ inv
    parts = [cxstats.moments(hs.iloc[i::4], HS, fourth=True) for i in range(4)]
    np.testing.assert_allclose(sum(parts).gamma().to_numpy(), rows_gamma, rtol=0, atol=1e-10)


def test_fourth_order_is_stable_with_a_large_mean(hs):
    shifted = hs[HS] + 1e6
    a = cxstats.moments(hs, HS, fourth=True).gamma().to_numpy()
    b = (cxstats.moments(shifted.iloc[:100], HS, fourth=True)
         + cxstats.moments(shifted.iloc[100:], HS, fourth=True)).gamma().to_numpy()
    np.testing.assert_allclose(b[9:, 9:], a[9:, 9:], rtol=0, atol=1e-8)
    np.testing.assert_allclose(b[:9, 9:], a[:9, 9:], rtol=0, atol=1e-8)


def test_gamma_errors(hs):
    m = cxstats.moments(hs, HS, group="school", fourth=True)
    with pytest.raises(MomentsError, match=r"Cannot add moments that differ in fourth"):
        m + cxstats.moments(hs, HS, group="school")
    empty = cxstats.moments(hs.assign(x1=np.nan), HS, fourth=True)
    with pytest.raises(MomentsError, match=r"has no complete rows on the items, so Gamma is undefined\.$"):
        empty.gamma()


# --------------------------------------------------------------------------- missing-data patterns
def test_patterns_equal_the_fiml_grouping(panel):
    from cxstats.sem._missing_patterns import missing_patterns

    data = panel.copy()
    data.loc[5, ITEMS] = np.nan  # a row missing every item is left out
    m = cxstats.moments(data, ITEMS, group="country", patterns=True, batch_rows=61)
    parts = sum(cxstats.moments(data.iloc[i::2], ITEMS, group="country", patterns=True) for i in range(2))
    for g, sub in data.dropna(subset=["country"]).groupby("country"):
        want = missing_patterns(sub[ITEMS].to_numpy())
        wanted = {mask.tobytes(): (k, mean, cov * k) for mask, k, mean, cov in
                  zip(want.observed, want.freq, want.mean, want.cov, strict=True)}
        for got in (m.patterns(g), parts.patterns(g)):
            assert len(got) == want.n_patterns
            assert sum(pt.n for pt in got) == want.nobs
            assert got[0].mask.all()  # complete rows first
            observed = [int(pt.mask.sum()) for pt in got]
            assert observed == sorted(observed, reverse=True)
            for pt in got:
                k, mean, cross = wanted[pt.mask.tobytes()]
                assert pt.n == k
                np.testing.assert_allclose(pt.mean, mean, rtol=0, atol=1e-12)
                np.testing.assert_allclose(pt.cross, cross, rtol=1e-12, atol=1e-10)
        # listwise statistics are those of the complete pattern
        assert m.n[g] == got[0].n
        np.testing.assert_allclose(m.cross[g], got[0].cross, rtol=1e-12, atol=1e-10)
    total = m.total().patterns()
    assert sum(pt.n for pt in total) == sum(pt.n for g in m.groups for pt in m.patterns(g))
    with pytest.raises(MomentsError, match=r"Cannot add moments that differ in patterns"):
        m + cxstats.moments(data, ITEMS, group="country")


def test_fourth_order_products_in_slices_equal_one_slice(hs, monkeypatch):
    from cxstats._moments import _stats

    whole = cxstats.moments(hs, HS, fourth=True).gamma().to_numpy()
    monkeypatch.setattr(_stats, "_PRODUCT_ROWS", 45 * 7)  # 7 rows at a time
    sliced = cxstats.moments(hs, HS, fourth=True).gamma().to_numpy()
    np.testing.assert_allclose(sliced, whole, rtol=0, atol=1e-12)


def test_categorical_group_keeps_the_category_order(panel):
    data = panel.assign(country=pd.Categorical(panel["country"], categories=["US", "DE", "CN", "BR"]))
    m = cxstats.moments(data, ITEMS, group="country")
    assert m.groups == tuple(g for g, _ in data.groupby("country", observed=True))
    assert (m + m).groups == ("US", "DE", "CN", "BR")


def test_a_given_shift_changes_nothing(panel):
    base = cxstats.moments(panel, ITEMS, group="country")
    for shift in ([100.0] * len(ITEMS), {"DE": [-3.0] * len(ITEMS)}):
        other = cxstats.moments(panel, ITEMS, group="country", shift=shift, batch_rows=77)
        for g in base.groups:
            np.testing.assert_allclose(other.cross[g], base.cross[g], rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(other.mean[g], base.mean[g], rtol=0, atol=1e-12)
