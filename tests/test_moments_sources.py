"""cxstats.moments from Parquet files, a DuckDB database file and a Dask LocalCluster equal
the pandas path to 1e-10 (real engines, small data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import MomentsError

ITEMS = ["SAT1", "SAT2", "SAT3", "LOY1", "EMO1", "VAL1"]


@pytest.fixture(scope="module")
def tracker(tmp_path_factory) -> tuple[list, pd.DataFrame]:
    """A simulated tracker in three Parquet files with holes: null items, a null country."""
    folder = tmp_path_factory.mktemp("tracker")
    files = cxstats.write_panel_parquet(folder, 6_000, chunk_rows=2_000, seed=5, row_group_rows=700)
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(2)
    for path in files:  # punch holes (nulls) into two items and the group
        table = pq.read_table(path)
        for col in ("SAT2", "EMO1", "country"):
            arr = table.column(col).combine_chunks()
            mask = pa.array(rng.random(len(arr)) < 0.03)
            table = table.set_column(table.schema.get_field_index(col), col,
                                     pa.compute.if_else(mask, pa.scalar(None, arr.type), arr))
        pq.write_table(table, path, row_group_size=700)
    frame = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    return files, frame


def _same(a, b, tol=1e-10):
    assert a.groups == b.groups and a.n_dropped == b.n_dropped
    for g in a.groups:
        assert a.n[g] == b.n[g]
        np.testing.assert_allclose(a.mean[g], b.mean[g], rtol=0, atol=tol)
        np.testing.assert_allclose(a.cov(g).to_numpy(), b.cov(g).to_numpy(), rtol=0, atol=tol)
        for col in a.count_columns:
            pd.testing.assert_series_equal(a.counts(g, col), b.counts(g, col))


@pytest.mark.parametrize("threads", [1, 2])
def test_parquet_directory_glob_and_list_equal_pandas(tracker, threads):
    files, frame = tracker
    want = cxstats.moments(frame, ITEMS, group="country", counts=["REC"])
    assert want.n_dropped > 0
    folder = files[0].parent
    for source in (folder, str(folder / "part-*.parquet"), [str(f) for f in files]):
        got = cxstats.moments(source, ITEMS, group="country", counts=["REC"], batch_rows=500, threads=threads)
        _same(got, want)
    one = cxstats.moments(files[1], ITEMS)
    _same(one, cxstats.moments(pd.read_parquet(files[1]), ITEMS))


def test_parquet_fourth_and_patterns_equal_pandas(tracker):
    files, frame = tracker
    got = cxstats.moments(files, ITEMS, group="country", fourth=True, patterns=True, batch_rows=400)
    want = cxstats.moments(frame, ITEMS, group="country", fourth=True, patterns=True)
    _same(got, want)
    for g in want.groups:
        np.testing.assert_allclose(got.gamma(g).to_numpy(), want.gamma(g).to_numpy(), rtol=0, atol=1e-10)
        for a, b in zip(got.patterns(g), want.patterns(g), strict=True):
            assert (a.mask == b.mask).all() and a.n == b.n
            np.testing.assert_allclose(a.cross, b.cross, rtol=1e-12, atol=1e-9)


def test_parquet_errors(tracker, tmp_path):
    files, _ = tracker
    with pytest.raises(MomentsError, match=r"cxstats.moments: there is no file or folder '.*nowhere\.parquet'\. Check the path"):
        cxstats.moments(str(tmp_path / "nowhere.parquet"), ITEMS)
    with pytest.raises(MomentsError, match=r"cxstats.moments: no file matches '.*\*\.parquet'"):
        cxstats.moments(str(tmp_path / "*.parquet"), ITEMS)
    with pytest.raises(MomentsError, match=r"holds no Parquet file \(\*\.parquet"):
        cxstats.moments(tmp_path, ITEMS)
    with pytest.raises(MomentsError, match=r"No item column 'NOPE' in the Parquet file"):
        cxstats.moments(files, ["SAT1", "NOPE"])
    with pytest.raises(MomentsError,
                       match=r"Item column 'country' is not numeric \(type (large_)?string\) in the Parquet"):
        cxstats.moments(files, ["SAT1", "country"])
    bad = tmp_path / "notes.parquet"
    bad.write_text("not parquet")
    with pytest.raises(MomentsError, match=r"Cannot read '.*notes\.parquet' as Parquet .*pass Parquet files only\.$"):
        cxstats.moments(bad, ITEMS)


def test_duckdb_database_file_equals_pandas(tracker, tmp_path):
    import duckdb  # the scale extra: `make test` installs it
    files, frame = tracker
    con = duckdb.connect(str(tmp_path / "tracker.duckdb"))
    con.execute(f"CREATE TABLE tracker AS SELECT * FROM read_parquet({[str(f) for f in files]!r})")
    con.close()
    con = duckdb.connect(str(tmp_path / "tracker.duckdb"), read_only=True)
    want = cxstats.moments(frame, ITEMS, group="country", counts=["REC"])
    _same(cxstats.moments((con, "SELECT * FROM tracker"), ITEMS, group="country", counts=["REC"],
                          batch_rows=1000), want)
    _same(cxstats.moments(con.table("tracker"), ITEMS, group="country", counts=["REC"]), want)
    de = cxstats.moments((con, "SELECT * FROM tracker WHERE country = 'DE'"), ITEMS, fourth=True)
    np.testing.assert_allclose(de.gamma().to_numpy(),
                               cxstats.moments(frame[frame.country == "DE"], ITEMS, fourth=True).gamma().to_numpy(),
                               rtol=0, atol=1e-10)
    # the SQL-aggregate variant (benchmark peer) agrees too
    from cxstats._moments._engines import sql_moments

    sql = sql_moments(con.table("tracker"), ITEMS, "country")
    for g in want.groups:
        n, mean, cross = sql[g]
        assert n == want.n[g]
        np.testing.assert_allclose(cross / (n - 1), want.cov(g).to_numpy(), rtol=0, atol=1e-10)
    with pytest.raises(MomentsError, match=r"DuckDB could not run the query .*fix the SQL\.$"):
        cxstats.moments((con, "SELECT * FROM no_such_table"), ITEMS)
    with pytest.raises(MomentsError, match=r"No item column 'NOPE' in the DuckDB query"):
        cxstats.moments(con.table("tracker"), ["NOPE"])
    with pytest.raises(TypeError, match=r"the second element is a int\.$"):
        cxstats.moments((con, 3), ITEMS)
    con.close()


def test_dask_local_cluster_with_processes_equals_pandas(tracker):
    import dask.dataframe as dd  # the scale extra: `make test` installs it
    import distributed
    files, frame = tracker
    want = cxstats.moments(frame, ITEMS, group="country", counts=["REC"], fourth=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  memory_limit="1GiB") as cluster, distributed.Client(cluster):
        ddf = dd.read_parquet([str(f) for f in files])
        got = cxstats.moments(ddf, ITEMS, group="country", counts=["REC"], fourth=True)
        from_pandas = cxstats.moments(dd.from_pandas(frame, npartitions=7), ITEMS, group="country",
                                      counts=["REC"], fourth=True)
    for m in (got, from_pandas):
        _same(m, want)
        for g in want.groups:
            np.testing.assert_allclose(m.gamma(g).to_numpy(), want.gamma(g).to_numpy(), rtol=0, atol=1e-10)
    with pytest.raises(MomentsError, match=r"No group column 'region' in the Dask DataFrame"):
        cxstats.moments(dd.from_pandas(frame, npartitions=2), ITEMS, group="region")


def test_missing_engine_names_the_extra(monkeypatch):
    import builtins

    from cxstats._moments._engines import require

    real = builtins.__import__

    def no_duckdb(name, *args, **kwargs):
        if name == "duckdb":
            raise ImportError("No module named 'duckdb'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_duckdb)
    monkeypatch.delitem(__import__("sys").modules, "duckdb", raising=False)
    with pytest.raises(ImportError, match=r"needs the optional package 'duckdb'; .*`pip install cxstats\[scale\]`\.$"):
        require("duckdb", "A DuckDB source")


def test_parquet_rows_clustered_or_shuffled_by_group_agree(tracker, tmp_path):
    _, frame = tracker
    clustered = frame.dropna(subset=["country"]).sort_values("country", kind="stable")
    shuffled = clustered.sample(frac=1.0, random_state=1)
    clustered.to_parquet(tmp_path / "clustered.parquet", row_group_size=900)
    shuffled.to_parquet(tmp_path / "shuffled.parquet", row_group_size=900)
    want = cxstats.moments(clustered, ITEMS, group="country", counts=["REC"])
    for name in ("clustered", "shuffled"):
        _same(cxstats.moments(tmp_path / f"{name}.parquet", ITEMS, group="country", counts=["REC"], batch_rows=450),
              want)


def test_parquet_result_does_not_depend_on_the_threads(tracker):
    files, _ = tracker
    one = cxstats.moments(files, ITEMS, group="country", threads=1, batch_rows=300)
    for _ in range(2):
        two = cxstats.moments(files, ITEMS, group="country", threads=2, batch_rows=300)
        for g in one.groups:
            assert np.array_equal(one.cross[g], two.cross[g]) and np.array_equal(one.mean[g], two.mean[g])


def test_parquet_with_a_large_mean_is_stable(tmp_path):
    rng = np.random.default_rng(4)
    x = 1e6 + rng.standard_normal((30_000, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(g=np.repeat(["u", "v", "w"], 10_000))
    frame.iloc[:15_000].to_parquet(tmp_path / "one.parquet", row_group_size=4_000)
    frame.iloc[15_000:].to_parquet(tmp_path / "two.parquet", row_group_size=4_000)
    got = cxstats.moments(tmp_path, ["a", "b", "c"], group="g", batch_rows=1_500)
    for g, sub in frame.groupby("g"):
        v = sub[["a", "b", "c"]].to_numpy()
        exact = np.cov((v - v.mean(axis=0)).T)
        np.testing.assert_allclose(got.cov(g).to_numpy(), exact, rtol=0, atol=1e-10)
