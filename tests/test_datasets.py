"""The bundled data sets load, validate and match their documented shape."""

from __future__ import annotations

import numpy as np
import pytest

import cxstats
from cxstats import CxStatsError

EXPECTED = {  # name: (rows, items, constructs)
    "ecsi_mobile": (250, 24, 7),
    "corporate_reputation": (344, 39, 13),
    "customersat": (1811, 10, 5),
    "cdnow_transactions": (6919, 0, 0),
}


def test_all_bundled_sets_are_listed():
    assert cxstats.list_datasets() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shape_and_codebook(name):
    ds = cxstats.load_dataset(name)
    rows, items, constructs = EXPECTED[name]
    assert len(ds.data) == rows == ds.codebook.n_rows
    assert len(ds.codebook.items) == items
    assert len(ds.codebook.blocks()) == constructs
    assert set(ds.data.columns) == set(ds.codebook.columns)
    assert ds.codebook.citation and ds.codebook.licence and ds.codebook.source
    assert "<b>" in ds._repr_html_()


def test_corporate_reputation_missing_codes_become_nan():
    data = cxstats.load_dataset("corporate_reputation").data
    assert data[["cusa", "cusl_1", "cusl_2", "cusl_3"]].isna().sum().tolist() == [1, 3, 4, 3]
    assert not (data == -99).any().any()
    assert data.groupby("servicetype").size().to_dict() == {1: 125, 2: 219}


def test_ecsi_item_means_match_the_raw_file():
    ds = cxstats.load_dataset("ecsi_mobile")
    raw = cxstats.read_table(cxstats.data.datasets.data_dir() / "ecsi_mobile.csv")
    assert np.allclose(ds.data.mean(), raw.mean())
    assert ds.codebook.items_of("CUSA") == ("CUSA1", "CUSA2", "CUSA3")


def test_cdnow_dates_are_parsed():
    data = cxstats.load_dataset("cdnow_transactions").data
    assert str(data["date"].min().date()) == "1997-01-01"
    assert str(data["date"].max().date()) == "1998-06-30"
    assert data["customer_id"].nunique() == 2357


def test_unknown_dataset_lists_the_available_ones():
    with pytest.raises(CxStatsError, match="no bundled data set 'mobi'. Available: cdnow_transactions, corporate_reputation"):
        cxstats.load_dataset("mobi")
