"""RFM scores and segments: ten customers scored by hand, the CDNOW records against a pandas
groupby, the tie rules against pd.qcut, purchase summaries, and every error message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import CxStatsError
from cxstats.rfm import SEGMENTS, purchase_summary, rfm

AS_OF = pd.Timestamp("2024-01-31")
# customer: (days from the last purchase to AS_OF, purchases, total spend)
TEN = {"A": (0, 6, 600.0), "B": (5, 5, 500.0), "C": (10, 4, 100.0), "D": (20, 1, 50.0), "E": (40, 2, 80.0),
       "F": (60, 3, 300.0), "G": (100, 1, 10.0), "H": (200, 5, 450.0), "I": (300, 1, 20.0), "J": (400, 1, 5.0)}


def _ten_customers() -> pd.DataFrame:
    rows = []
    for name, (recency, count, spend) in TEN.items():
        for k in range(count):  # the last purchase at AS_OF - recency, earlier ones a week apart
            rows.append({"customer_id": name, "date": AS_OF - pd.Timedelta(days=recency + 7 * k),
                         "amount": spend / count})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=3).reset_index(drop=True)


def test_ten_customers_scored_by_hand():
    # n = 10 customers, score = max(1, ceil(5 k / 9)) with k customers strictly worse:
    # k = 0, 1 -> 1; 2, 3 -> 2; 4, 5 -> 3; 6, 7 -> 4; 8, 9 -> 5.
    # Frequencies 6,5,4,1,2,3,1,5,1,1: four 1s (k=0 -> 1), 2 (k=4 -> 3), 3 (k=5 -> 3), 4 (k=6 -> 4),
    # two 5s (k=7 -> 4), 6 (k=9 -> 5).
    res = rfm(_ten_customers(), as_of="2024-01-31")
    table = res.table.set_index("customer")
    assert list(table.index) == list("ABCDEFGHIJ")
    assert table["recency_days"].tolist() == [v[0] for v in TEN.values()]
    assert table["frequency"].tolist() == [v[1] for v in TEN.values()]
    assert table["monetary"].tolist() == pytest.approx([v[2] for v in TEN.values()])
    assert table["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert table["f_score"].tolist() == [5, 4, 4, 1, 3, 3, 1, 4, 1, 1]
    assert table["m_score"].tolist() == [5, 5, 3, 2, 3, 4, 1, 4, 2, 1]
    assert table.loc["C", "rfm_code"] == "443"
    assert table["segment"].tolist() == ["Champions", "Champions", "Loyal customers", "Promising", "Need attention",
                                         "Need attention", "Hibernating", "At risk", "Hibernating", "Lost"]
    assert table.loc["A", "first_purchase"] == AS_OF - pd.Timedelta(days=35)
    segments = res.segments.set_index("segment")
    assert list(segments.index) == list(SEGMENTS)
    assert segments.loc["Champions", "customers"] == 2 and segments.loc["Champions", "share"] == 0.2
    assert segments.loc["Champions", "revenue_share"] == pytest.approx(1100 / 2115)
    assert segments.loc["Need attention", "mean_monetary"] == pytest.approx(190.0)
    assert segments.loc["Hibernating", "mean_recency_days"] == pytest.approx(200.0)
    assert segments.loc["New customers", "customers"] == 0 and np.isnan(segments.loc["New customers", "mean_frequency"])
    assert (res.n_customers, res.n_transactions, res.excluded, res.as_of) == (10, 29, 0, AS_OF)


def test_ties_first_breaks_ties_by_customer_id():
    # Ascending frequency, ties in customer order: D G I J E F C B H A -> k = 0..9.
    table = rfm(_ten_customers(), ties="first").table.set_index("customer")
    expected = {"D": 1, "G": 1, "I": 2, "J": 2, "E": 3, "F": 3, "C": 4, "B": 4, "H": 5, "A": 5}
    assert table["f_score"].to_dict() == expected
    assert table["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]  # no ties in recency: the same


def test_as_of_leaves_out_later_purchases_and_defaults_to_the_last_date():
    data = _ten_customers()
    later = pd.DataFrame({"customer_id": ["A", "K"], "date": [AS_OF + pd.Timedelta(days=3)] * 2,
                          "amount": [1000.0, 7.0]})
    res = rfm(pd.concat([data, later], ignore_index=True), as_of=AS_OF)
    assert res.excluded == 2 and res.n_customers == 10
    assert res.table.set_index("customer").loc["A", "monetary"] == 600.0
    default = rfm(data)
    assert default.as_of == AS_OF and default.table["recency_days"].min() == 0
    shifted = rfm(data, as_of=AS_OF + pd.Timedelta(days=10))
    assert (shifted.table["recency_days"] - default.table["recency_days"] == 10).all()


def test_scores_are_pd_qcut_of_first_ranks_without_ties():
    rng = np.random.default_rng(7)
    for n in (2, 3, 7, 10, 11, 99, 2357):
        for bins in (2, 3, 5, 9):
            if n < bins:
                continue
            spend = rng.permutation(n) + 1.0
            data = pd.DataFrame({"customer_id": np.arange(n), "date": pd.Timestamp("2020-01-01"), "amount": spend})
            scores = rfm(data, bins=bins).table["m_score"].to_numpy()
            expected = pd.qcut(pd.Series(spend).rank(method="first"), bins, labels=False).to_numpy() + 1
            np.testing.assert_array_equal(scores, expected)


def test_cdnow_against_a_pandas_groupby():
    data = cxstats.load_dataset("cdnow_transactions").data
    res = rfm(data, duplicates="keep")
    table = res.table.set_index("customer")
    grouped = data.groupby("customer_id")
    as_of = data["date"].max()
    assert res.as_of == as_of and res.n_customers == 2357 and res.n_transactions == 6919
    np.testing.assert_array_equal(table["frequency"], grouped.size().to_numpy())
    np.testing.assert_allclose(table["monetary"], grouped["amount"].sum().to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(table["recency_days"], (as_of - grouped["date"].max()).dt.days.to_numpy())
    # equal values share a score; scores never decrease as the value improves
    for value, score in (("frequency", "f_score"), ("monetary", "m_score"), ("recency_days", "r_score")):
        assert (table.groupby(value)[score].nunique() == 1).all()
        ordered = table.sort_values(value, ascending=value != "recency_days")[score].to_numpy()
        assert (np.diff(ordered) >= 0).all()
    one_timers = table["frequency"] == 1  # 1,205 customers bought once: all get F = 1, F = 2 is empty
    assert one_timers.sum() == 1205 and (table.loc[one_timers, "f_score"] == 1).all()
    assert 2 not in set(table["f_score"])
    segments = res.segments
    assert segments["customers"].sum() == 2357
    assert segments["share"].sum() == pytest.approx(1.0) and segments["revenue_share"].sum() == pytest.approx(1.0)
    assert segments["revenue"].sum() == pytest.approx(data["amount"].sum())
    counts = table["segment"].value_counts().reindex(list(SEGMENTS))
    np.testing.assert_array_equal(counts.to_numpy(), segments["customers"].to_numpy())
    # the "first" rule gives quintiles of 471 or 472 customers on every score
    first = rfm(data, ties="first", duplicates="keep").table
    for score in ("r_score", "f_score", "m_score"):
        assert set(first[score].value_counts()) <= {471, 472}


def test_segments_follow_the_documented_grid():
    rng = np.random.default_rng(2)
    n = 4000
    data = pd.DataFrame({"customer_id": rng.integers(0, 800, n),
                         "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
                         "amount": rng.lognormal(3, 1, n).round(2)})
    table = rfm(data).table
    r, f, m = table["r_score"], table["f_score"], table["m_score"]
    rules = {"Champions": (r == 5) & (f >= 4), "Loyal customers": r.between(3, 4) & (f >= 4),
             "Potential loyalists": (r >= 4) & f.between(2, 3), "New customers": (r == 5) & (f == 1),
             "Promising": (r == 4) & (f == 1), "Need attention": (r == 3) & (f == 3),
             "About to sleep": (r == 3) & (f <= 2), "At risk": (r <= 2) & f.between(3, 4),
             "Can't lose them": (r <= 2) & (f == 5), "Lost": (r == 1) & (f == 1) & (m == 1)}
    rules["Hibernating"] = (r <= 2) & (f <= 2) & ~rules["Lost"]
    for name, rule in rules.items():
        pd.testing.assert_series_equal(table["segment"] == name, rule, check_names=False, obj=name)
    assert sum(rules.values()).eq(1).all()  # a partition: every customer in exactly one segment


def test_bins_other_than_five_keep_quintile_segments():
    data = _ten_customers()
    three, five = rfm(data, bins=3), rfm(data)
    assert three.table["r_score"].max() == 3
    assert (three.table["segment"] == five.table["segment"]).all()


def test_result_displays(tmp_path):
    res = rfm(cxstats.load_dataset("cdnow_transactions").data, duplicates="keep")
    html = res._repr_html_()
    assert "RFM as of 1998-06-30: 2,357 customers, 6,919 transactions" in html and "% revenue" in html
    text = str(res.plain_summary())
    assert "Champions" in text and "of revenue" in text
    fig = res.plot()
    fig.savefig(tmp_path / "segments.pdf")
    ax = fig.axes[0]
    top_down = [label.get_text() for _, label in sorted(zip(ax.get_yticks(), ax.get_yticklabels()), reverse=True)]
    assert top_down == list(SEGMENTS)


def test_purchase_summary_against_pandas():
    data = cxstats.load_dataset("cdnow_transactions").data
    summary = purchase_summary(data, duplicates="keep")
    t = summary.table.set_index("measure")
    per_customer = data.groupby("customer_id")
    assert t.loc["purchases_per_customer", "mean"] == pytest.approx(6919 / 2357)
    assert t.loc["spend_per_customer", "median"] == pytest.approx(per_customer["amount"].sum().median())
    assert t.loc["amount_per_purchase", "sd"] == pytest.approx(data["amount"].std())
    days = data[["customer_id", "date"]].drop_duplicates().sort_values(["customer_id", "date"])
    gaps = days.groupby("customer_id")["date"].diff().dt.days.dropna()
    assert t.loc["days_between_purchases", "n"] == len(gaps) and (gaps > 0).all()
    assert t.loc["days_between_purchases", "mean"] == pytest.approx(gaps.mean())
    assert t.loc["days_between_purchases", "p90"] == pytest.approx(gaps.quantile(0.9))
    repeaters = days.groupby("customer_id").size() > 1
    assert summary.pct_repeat == pytest.approx(100 * repeaters.mean())
    customers = summary.customers.set_index("customer")
    assert customers.loc[1, "mean_gap_days"] == pytest.approx((pd.Timestamp("1997-12-12") - pd.Timestamp("1997-01-01")).days / 3)
    assert np.isnan(customers.loc[3, "mean_gap_days"]) and customers.loc[3, "purchase_days"] == 1
    assert t.loc["customer_mean_gap_days", "n"] == repeaters.sum()
    assert "median 34 days apart" in str(summary.plain_summary()) and "2,357 customers" in summary._repr_html_()


def test_same_day_purchases_are_one_visit():
    data = pd.DataFrame({"customer_id": [1, 1, 1, 2], "date": ["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"],
                         "amount": [10.0, 5.0, 20.0, 8.0]})
    summary = purchase_summary(data, duplicates="keep")
    customers = summary.customers.set_index("customer")
    assert customers.loc[1, "frequency"] == 3 and customers.loc[1, "purchase_days"] == 2
    assert customers.loc[1, "mean_gap_days"] == 10 and customers.loc[1, "mean_amount"] == pytest.approx(35 / 3)
    assert summary.table.set_index("measure").loc["days_between_purchases", "n"] == 1


def _tx(**columns) -> pd.DataFrame:
    base = {"customer_id": [1, 2, 3], "date": ["2024-01-01", "2024-01-02", "2024-01-03"], "amount": [1.0, 2.0, 3.0]}
    base.update(columns)
    return pd.DataFrame(base)


@pytest.mark.parametrize("func", [rfm, purchase_summary])
def test_errors(func):
    with pytest.raises(CxStatsError, match=r"no column 'amount' in the transactions; the data have 'customer_id', "
                                           r"'date'. Name the columns"):
        func(_tx().drop(columns="amount"))
    with pytest.raises(CxStatsError, match=r"the transactions are empty \(0 rows\)"):
        func(_tx().iloc[:0])
    with pytest.raises(CxStatsError, match=r"column 'amount' has negative amounts in row\(s\) 1: -2. Net returns"):
        func(_tx(amount=[1.0, -2.0, 3.0]))
    with pytest.raises(CxStatsError, match=r"column 'amount' has no valid amount in row\(s\) 0, 2 \(not numbers: "
                                           r"'n/a'\)"):
        func(_tx(amount=["n/a", 2.0, None]))
    with pytest.raises(CxStatsError, match=r"column 'date' has dates that cannot be read in row\(s\) 2: "
                                           r"'2024-13-45'. Write them as YYYY-MM-DD"):
        func(_tx(date=["2024-01-01", "2024-01-02", "2024-13-45"]))
    with pytest.raises(CxStatsError, match=r"column 'date' has no date in row\(s\) 1"):
        func(_tx(date=["2024-01-01", None, "2024-01-03"]))
    with pytest.raises(CxStatsError, match=r"column 'date' holds numbers \(int64\), not dates"):
        func(_tx(date=[20240101, 20240102, 20240103]))
    with pytest.raises(CxStatsError, match=r"column 'customer_id' has no customer id in row\(s\) 0"):
        func(_tx(customer_id=[None, 2, 3]))
    with pytest.raises(TypeError, match=r"needs a pandas DataFrame of transactions, Parquet file\(s\) or a DuckDB relation, got list"):
        func([1, 2, 3])


def test_rfm_argument_errors():
    with pytest.raises(CxStatsError, match=r"as_of 2023-12-01 is before the first transaction \(2024-01-01\); "
                                           r"no customer had bought by then. Pass a date from 2024-01-01 on, or "
                                           r"as_of=None for the last date \(2024-01-03\)"):
        rfm(_tx(), as_of="2023-12-01")
    with pytest.raises(CxStatsError, match=r"as_of 'soon' is not a date"):
        rfm(_tx(), as_of="soon")
    with pytest.raises(CxStatsError, match=r"only one customer \(1\) has bought by 2024-01-01"):
        rfm(_tx(), as_of="2024-01-01")
    with pytest.raises(CxStatsError, match=r"bins must be a whole number from 2 to 9 \(5 gives quintile scores\), "
                                           r"got 10"):
        rfm(_tx(), bins=10)
    with pytest.raises(CxStatsError, match=r"ties must be 'shared' or 'first', got 'average'"):
        rfm(_tx(), ties="average")
    with pytest.raises(CxStatsError, match="no column 'client'"):
        rfm(_tx(), customer="client")


def test_totals_equal_up_to_rounding_share_a_score():
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last binary digit; both customers spent 0.6
    data = pd.DataFrame({"customer_id": ["a"] * 3 + ["b"] * 3 + ["c", "d"], "date": "2024-01-01",
                         "amount": [0.1, 0.2, 0.3, 0.3, 0.2, 0.1, 0.05, 2.0]})
    assert (0.1 + 0.2) + 0.3 != (0.3 + 0.2) + 0.1
    table = rfm(data).table.set_index("customer")
    assert table.loc["a", "m_score"] == table.loc["b", "m_score"]
