"""write_panel_parquet: a simulated tracker written in chunks, reproducible, with clear errors."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

import cxstats
from cxstats import CxStatsError


def test_chunks_are_seeded_numbered_and_typed(tmp_path):
    files = cxstats.write_panel_parquet(tmp_path / "a", 2_100, chunk_rows=1_000, seed=7, row_group_rows=300)
    again = cxstats.write_panel_parquet(tmp_path / "b", 2_100, chunk_rows=1_000, seed=7, row_group_rows=300)
    assert [f.name for f in files] == ["part-00000.parquet", "part-00001.parquet"]  # the 100-row tail joins chunk 2
    data = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert len(data) == 2_100 and data["respondent"].tolist() == list(range(1, 2_101))
    assert data["country"].value_counts().tolist() == [525] * 4
    pd.testing.assert_frame_equal(data, pd.concat([pd.read_parquet(f) for f in again], ignore_index=True))
    assert str(pq.read_schema(files[0]).field("SAT1").type) == "float"
    assert pq.ParquetFile(files[0]).metadata.num_row_groups == 4
    # the items of one chunk are those of simulate_cx_panel with that chunk's seed: Likert 1-7
    assert set(data["SAT1"].unique()) <= set(range(1, 8))
    other = cxstats.write_panel_parquet(tmp_path / "c", 2_100, chunk_rows=1_000, seed=8)
    assert not pd.read_parquet(other[0])["SAT1"].equals(pd.read_parquet(files[0])["SAT1"])
    wide = cxstats.write_panel_parquet(tmp_path / "d", 400, item_dtype="float64", seed=1)
    assert str(pq.read_schema(wide[0]).field("SAT1").type) == "double"


def test_errors(tmp_path):
    with pytest.raises(CxStatsError, match=r"n_rows \(1001\) must be a multiple of the number of countries \(4\)"):
        cxstats.write_panel_parquet(tmp_path, 1_001)
    with pytest.raises(CxStatsError, match=r"chunk_rows must be a positive whole number, got 0\.$"):
        cxstats.write_panel_parquet(tmp_path, 1_000, chunk_rows=0)
    with pytest.raises(CxStatsError,
                       match=r"Each chunk needs at least 50 responses per country \(200 in all\); got 100"):
        cxstats.write_panel_parquet(tmp_path, 100)
    with pytest.raises(CxStatsError, match=r"item_dtype must be 'float32' or 'float64', got 'int8'\.$"):
        cxstats.write_panel_parquet(tmp_path, 400, item_dtype="int8")
    cxstats.write_panel_parquet(tmp_path / "x", 400, seed=1)
    with pytest.raises(CxStatsError, match=r"already holds Parquet files; write to a new or empty directory\.$"):
        cxstats.write_panel_parquet(tmp_path / "x", 400, seed=1)


def test_noninvariant_items_are_built_into_every_chunk(tmp_path):
    files = cxstats.write_panel_parquet(tmp_path / "a", 2_000, chunk_rows=1_000, seed=3, noninvariant_items=1)
    plain = cxstats.write_panel_parquet(tmp_path / "b", 2_000, chunk_rows=1_000, seed=3)
    for biased, same in zip(files, plain, strict=True):
        a, b = pd.read_parquet(biased), pd.read_parquet(same)
        # the same draws; only RES2's answers in China (the third country) are shifted upwards
        pd.testing.assert_frame_equal(a.drop(columns="RES2"), b.drop(columns="RES2"))
        china = a["country"] == "CN"
        assert a.loc[~china, "RES2"].equals(b.loc[~china, "RES2"])
        assert a.loc[china, "RES2"].mean() > b.loc[china, "RES2"].mean() + 0.2
    with pytest.raises(CxStatsError, match=r"noninvariant_items must be 0, 1 or 2, got 3\.$"):
        cxstats.write_panel_parquet(tmp_path / "c", 400, noninvariant_items=3)
    with pytest.raises(CxStatsError, match=r"noninvariant_country must point at a country other than the reference"):
        cxstats.write_panel_parquet(tmp_path / "d", 400, noninvariant_items=1, noninvariant_country=0)
    assert not any((tmp_path / "c").glob("*.parquet")) and not any((tmp_path / "d").glob("*.parquet"))
