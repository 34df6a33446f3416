"""Descriptive tables and the figures drawn from them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxstats
from cxstats import CxStatsError


def test_describe_items_against_scipy():
    ds = cxstats.load_dataset("corporate_reputation")
    table = cxstats.describe_items(ds.data, ds.codebook).set_index("item")
    x = ds.data["cusl_2"].dropna().to_numpy()
    row = table.loc["cusl_2"]
    assert row["n"] == 340 and row["n_missing"] == 4
    assert row["pct_missing"] == pytest.approx(100 * 4 / 344, abs=1e-12)
    assert row["mean"] == pytest.approx(x.mean(), abs=1e-12)
    assert row["sd"] == pytest.approx(x.std(ddof=1), abs=1e-12)
    assert row["skew"] == pytest.approx(stats.skew(x, bias=False), abs=1e-10)
    assert row["kurtosis"] == pytest.approx(stats.kurtosis(x, bias=False), abs=1e-10)
    assert row["pct_top2"] == pytest.approx(100 * np.mean(x >= 6), abs=1e-12)
    assert list(table.columns[:3]) == ["construct", "wording", "n"]


def test_describe_items_names_absent_items(codebook, good_data):
    with pytest.raises(CxStatsError, match="lack the item\\(s\\) LOY1 of codebook 'toy'"):
        cxstats.describe_items(good_data.drop(columns="LOY1"), codebook)


def test_group_sizes_with_labels(codebook, good_data):
    table = cxstats.group_sizes(good_data, "segment", codebook=codebook)
    assert table["label"].tolist() == ["new", "old"]
    assert table["n"].tolist() == [2, 3]
    assert table["pct"].sum() == pytest.approx(100)
    with pytest.raises(CxStatsError, match="no column 'region' in the data"):
        cxstats.group_sizes(good_data, "region")


def test_describe_transactions():
    data = cxstats.load_dataset("cdnow_transactions").data
    row = cxstats.describe_transactions(data).iloc[0]
    per_customer = data.groupby("customer_id").size()
    assert row["customers"] == 2357 and row["transactions"] == 6919
    assert row["pct_repeat_customers"] == pytest.approx(100 * (per_customer >= 2).mean())
    assert row["total_amount"] == pytest.approx(data["amount"].sum())
    with pytest.raises(CxStatsError, match="no column 'value'.*Name the columns with customer="):
        cxstats.describe_transactions(data, amount="value")


def test_describe_datasets_lists_every_bundled_set():
    table = cxstats.describe_datasets()
    assert table["name"].tolist() == cxstats.list_datasets()
    assert table.set_index("name").loc["corporate_reputation", "missing_cells"] == 11


def test_figures(codebook, good_data):
    clean = cxstats.validate(good_data, codebook)
    fig = cxstats.plots.item_distributions(clean, codebook, constructs=["SAT"])
    assert len(fig.axes[0].patches) == 2 * 7  # two items x seven answer points
    assert cxstats.plots.missingness(clean, codebook).axes[0].patches[0].get_width() == pytest.approx(20.0)
    assert len(cxstats.plots.group_sizes(clean, "segment", codebook=codebook).axes[0].patches) == 2
    complete = clean.fillna(1)
    assert "No missing" in cxstats.plots.missingness(complete, codebook).axes[0].texts[0].get_text()
    with pytest.raises(CxStatsError, match="unknown construct\\(s\\) VAL"):
        cxstats.plots.item_distributions(clean, codebook, constructs=["VAL"])
    plt.close("all")


def test_describe_items_by_group_describes_each_groups_rows():
    corp = cxstats.load_dataset("corporate_reputation")
    by = cxstats.describe_items(corp.data, corp.codebook, group="servicetype")
    assert by.columns[0] == "group" and list(by.columns[1:]) == list(cxstats.describe_items(corp.data, corp.codebook).columns)
    for level, part in corp.data.groupby("servicetype"):
        mine = by[by["group"] == level].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, cxstats.describe_items(part, corp.codebook))
    assert by.groupby("group")["n"].max().to_dict() == {1: 125, 2: 219}
    with pytest.raises(CxStatsError, match=r"describe_items: no group column 'country' in the data; columns: "):
        cxstats.describe_items(corp.data, corp.codebook, group="country")
