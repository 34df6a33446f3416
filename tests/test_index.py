"""The 0-100 satisfaction index: closed-form checks and its errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxstats
from cxstats import CxStatsError


@pytest.fixture
def ratings() -> pd.DataFrame:
    return pd.DataFrame({"s1": [1, 10, 4, 7, np.nan], "s2": [1, 10, 7, np.nan, np.nan], "seg": list("aabbb")})


def test_equal_weights_closed_form(ratings):
    res = cxstats.satisfaction_index(ratings, ["s1", "s2"], scale=(1, 10), min_base=1)
    expected = [0.0, 100.0, (3 / 9 + 6 / 9) / 2 * 100, 6 / 9 * 100, np.nan]
    assert np.allclose(res.scores, expected, equal_nan=True)
    row = res.table.iloc[0]
    x = np.array(expected[:4])
    assert row["n"] == 4 and row["estimate"] == pytest.approx(x.mean())
    assert row["se"] == pytest.approx(x.std(ddof=1) / 2)
    assert row["ci_high"] - row["estimate"] == pytest.approx(stats.t.ppf(0.975, 3) * row["se"])


def test_weights_and_groups(ratings):
    res = cxstats.satisfaction_index(ratings, ["s1", "s2"], scale=(1, 10), weights={"s1": 3, "s2": 1}, group="seg",
                                     min_base=1)
    assert res.weights.tolist() == [0.75, 0.25]
    assert res.scores.iloc[2] == pytest.approx((0.75 * 3 + 0.25 * 6) / 9 * 100)
    assert res.table["group"].tolist() == ["a", "b"] and res.table["n"].tolist() == [2, 2]


def test_weights_from_a_fitted_model():
    mobi = cxstats.load_dataset("ecsi_mobile")
    import cxstats.sem as sem

    fit = sem.fit("CUSA =~ CUSA1 + CUSA2 + CUSA3", mobi.data)
    res = cxstats.satisfaction_index(mobi.data, ["CUSA1", "CUSA2", "CUSA3"], codebook=mobi.codebook, weights=fit)
    loadings = fit.table.query("op == '=~'").set_index("rhs")["std_all"]
    assert np.allclose(res.weights, loadings / loadings.sum())
    assert 0 < res.table["estimate"].iloc[0] < 100


def test_errors(ratings):
    with pytest.raises(CxStatsError, match="needs the response scale"):
        cxstats.satisfaction_index(ratings, ["s1"])
    with pytest.raises(CxStatsError, match="no column 's3'"):
        cxstats.satisfaction_index(ratings, ["s1", "s3"], scale=(1, 10))
    with pytest.raises(CxStatsError, match="'s1' has values outside the 1-7 scale"):
        cxstats.satisfaction_index(ratings, ["s1"], scale=(1, 7))
    with pytest.raises(CxStatsError, match="no weight for 's2'"):
        cxstats.satisfaction_index(ratings, ["s1", "s2"], scale=(1, 10), weights={"s1": 1})
    with pytest.raises(CxStatsError, match="weights must be positive"):
        cxstats.satisfaction_index(ratings, ["s1", "s2"], scale=(1, 10), weights={"s1": 1, "s2": -1})
    with pytest.raises(TypeError, match="weights must be None"):
        cxstats.satisfaction_index(ratings, ["s1"], scale=(1, 10), weights=[1])


def test_unknown_group_column_is_named(ratings):
    with pytest.raises(CxStatsError, match=r"satisfaction_index: no group column 'country' in the data; columns: 's1'"):
        cxstats.satisfaction_index(ratings, ["s1"], scale=(1, 10), group="country")


def test_groups_below_the_minimum_base_are_suppressed():
    """As nps and top_box: a group with fewer than min_base respondents keeps its n, its index
    and interval are NaN; all rows below the base, or every group below it, is an error."""
    data = pd.DataFrame({"s1": [7, 5, 6, 4] * 10 + [2, 3], "seg": ["a"] * 40 + ["b"] * 2})
    res = cxstats.satisfaction_index(data, ["s1"], scale=(1, 7), group="seg")
    table = res.table.set_index("group")
    assert res.min_base == 30 and table["suppressed"].tolist() == [False, True]
    assert table.loc["b", "n"] == 2 and table.loc[["b"], ["estimate", "se", "ci_low", "ci_high"]].isna().all().all()
    assert not res.problems  # a suppressed group is not also warned about as too small for an interval
    with pytest.raises(CxStatsError, match=r"satisfaction_index: only 2 respondents answered: below the minimum base "
                                           r"of 30 for an index\. Collect more answers or lower min_base deliberately\."):
        cxstats.satisfaction_index(data[data["seg"] == "b"], ["s1"], scale=(1, 7))
    with pytest.raises(CxStatsError, match=r"Every group of 'seg' has fewer answers than min_base=50 \(the largest, "
                                           r"'a', has 40\)"):
        cxstats.satisfaction_index(data, ["s1"], scale=(1, 7), group="seg", min_base=50)
    with pytest.raises(CxStatsError, match=r"min_base"):
        cxstats.satisfaction_index(data, ["s1"], scale=(1, 7), min_base=0)
