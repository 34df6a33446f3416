"""Transactions where they live: rfm, purchase_summary, period_rates, clv_summary and
calibration_holdout on real Parquet files and a real DuckDB database file give the numbers of
the pandas path (counts, dates and scores exactly, sums and means to 1e-12), with the same
duplicate handling and the same errors, naming the file and the row."""

from __future__ import annotations

import functools
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import CxStatsError
from cxstats.retention import PartialPeriodWarning, period_rates
from cxstats.rfm import DuplicateTransactionsWarning, purchase_summary, rfm

duckdb = pytest.importorskip("duckdb", reason="the scale extra (pip install cxstats[scale]) is not installed")

FLOATS = {"check_exact": False, "rtol": 1e-12, "atol": 0.0}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return cxstats.load_dataset("cdnow_transactions").data


@pytest.fixture(scope="module")
def sources(cdnow, tmp_path_factory):
    """The CDNOW records as one Parquet file, three Parquet files, and a table in a DuckDB database file."""
    folder = tmp_path_factory.mktemp("cdnow")
    one = folder / "cdnow.parquet"
    cdnow.to_parquet(one)
    parts = folder / "parts"
    parts.mkdir()
    for k, chunk in enumerate(np.array_split(np.arange(len(cdnow)), 3)):
        cdnow.iloc[chunk].to_parquet(parts / f"part-{k}.parquet")
    database = folder / "sales.duckdb"
    con = duckdb.connect(str(database))
    con.execute(f"CREATE TABLE tx AS SELECT * FROM read_parquet('{one}')")
    con.close()
    return {"file": str(one), "glob": str(parts / "*.parquet"), "folder": parts,
            "list": sorted(str(p) for p in parts.glob("*.parquet")), "database": str(database)}


def _all(sources):
    """Every kind of source, the DuckDB ones opened afresh on the database file."""
    con = duckdb.connect(sources["database"], read_only=True)
    yield "file", sources["file"]
    yield "glob", sources["glob"]
    yield "folder", sources["folder"]
    yield "list", sources["list"]
    yield "connection", con
    yield "table", con.table("tx")
    yield "query", con.sql("SELECT customer_id, date, cds, amount FROM tx")
    yield "pair", (con, "SELECT * FROM tx")


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateTransactionsWarning)
        warnings.simplefilter("ignore", PartialPeriodWarning)
        return func(*args, **kwargs)


@pytest.mark.parametrize("duplicates", ["keep", "drop", "warn"])
def test_rfm_from_parquet_and_duckdb_equals_pandas(cdnow, sources, duplicates):
    for as_of in (None, "1997-09-30"):
        expected = _quiet(rfm, cdnow, duplicates=duplicates, as_of=as_of)
        for kind, source in _all(sources):
            got = _quiet(rfm, source, duplicates=duplicates, as_of=as_of)
            exact = expected.table.drop(columns="monetary")
            pd.testing.assert_frame_equal(got.table.drop(columns="monetary"), exact, check_exact=True, obj=kind)
            np.testing.assert_allclose(got.table["monetary"], expected.table["monetary"], rtol=1e-12, err_msg=kind)
            pd.testing.assert_frame_equal(got.segments, expected.segments, **FLOATS, obj=kind)
            for field in ("as_of", "n_customers", "n_transactions", "excluded", "duplicates"):
                assert getattr(got, field) == getattr(expected, field), (kind, field)
    assert expected.duplicates == (0 if duplicates == "keep" else 21)
    assert expected.excluded == (1959 if duplicates != "drop" else 1947)


@pytest.mark.parametrize("duplicates", ["keep", "drop"])
def test_purchase_summary_from_parquet_and_duckdb_equals_pandas(cdnow, sources, duplicates):
    expected = purchase_summary(cdnow, duplicates=duplicates)
    for kind, source in _all(sources):
        got = purchase_summary(source, duplicates=duplicates)
        pd.testing.assert_frame_equal(got.customers, expected.customers, **FLOATS, obj=kind)
        pd.testing.assert_frame_equal(got.table, expected.table, **FLOATS, obj=kind)
        for field in ("n_customers", "n_transactions", "pct_repeat", "first_date", "last_date", "duplicates"):
            assert getattr(got, field) == getattr(expected, field), (kind, field)
    # integer columns are exact, not merely close
    assert got.customers["purchase_days"].equals(expected.customers["purchase_days"])


@pytest.mark.parametrize("period", ["D", "W", "M", "Q", "Y"])
def test_period_rates_from_parquet_and_duckdb_equal_pandas(cdnow, sources, period):
    expected = _quiet(period_rates, cdnow, "customer_id", "date", period=period)
    for kind, source in _all(sources):
        got = _quiet(period_rates, source, "customer_id", "date", period=period)
        pd.testing.assert_frame_equal(got.table, expected.table, check_exact=True, obj=kind)
        assert (got.n_customers, got.n_transactions, got.problems) == (
            expected.n_customers, expected.n_transactions, expected.problems)


@pytest.mark.parametrize("unit", ["D", "W"])
def test_clv_summary_from_parquet_and_duckdb_equals_pandas(cdnow, sources, unit):
    for duplicates in ("keep", "drop"):
        for as_of in (None, "1997-09-30"):
            expected = cxstats.clv_summary(cdnow, time_unit=unit, duplicates=duplicates, as_of=as_of)
            for kind, source in _all(sources):
                got = cxstats.clv_summary(source, time_unit=unit, duplicates=duplicates, as_of=as_of)
                pd.testing.assert_frame_equal(got.table, expected.table, **FLOATS, obj=kind)
                assert got.table["frequency"].equals(expected.table["frequency"])
                for field in ("as_of", "n_customers", "n_repeat", "n_transactions", "excluded", "duplicates"):
                    assert getattr(got, field) == getattr(expected, field), (kind, field, duplicates, as_of)


def _same_split(got, expected, obj) -> None:
    pd.testing.assert_frame_equal(got.table, expected.table, **FLOATS, obj=obj)
    for column in ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"):
        assert got.table[column].equals(expected.table[column]), (obj, column)
    for field in ("calibration_end", "observation_end", "time_unit", "duration_holdout", "n_customers", "duplicates"):
        assert getattr(got, field) == getattr(expected, field), (obj, field)
    assert len(got.problems) == len(expected.problems), obj


@pytest.mark.parametrize("unit", ["D", "W"])
@pytest.mark.parametrize("duplicates", ["keep", "drop", "warn"])
def test_calibration_holdout_from_parquet_and_duckdb_equals_pandas(cdnow, sources, unit, duplicates):
    # 1997-09-30 is a Tuesday: with weeks, that week has calibration and holdout purchases
    for cal, end in (("1997-09-30", None), ("1997-03-31", "1997-12-31")):
        expected = _quiet(cxstats.calibration_holdout, cdnow, calibration_end=cal, observation_end=end, time_unit=unit,
                          duplicates=duplicates)
        for kind, source in _all(sources):
            got = _quiet(cxstats.calibration_holdout, source, calibration_end=cal, observation_end=end,
                         time_unit=unit, duplicates=duplicates)
            _same_split(got, expected, f"{kind} {cal} {end}")
    assert expected.duplicates == (0 if duplicates == "keep" else 21)
    assert expected.table["frequency_holdout"].sum() > 0


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Seeded records with times of day, text ids and 40 exact repeats, as a frame and two Parquet files."""
    rng = np.random.default_rng(7)
    n = 20_000
    who = rng.integers(0, 1_500, n)
    seconds = rng.integers(0, 400 * 86_400, n)
    data = pd.DataFrame({"customer_id": np.char.add("c", who.astype(str)),
                         "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(seconds, unit="s"),
                         "amount": np.round(rng.lognormal(3.0, 1.0, n), 2)})
    data = pd.concat([data, data.sample(40, random_state=1)], ignore_index=True)
    folder = tmp_path_factory.mktemp("simulated")
    half = len(data) // 2
    data.iloc[:half].to_parquet(folder / "a.parquet")
    data.iloc[half:].to_parquet(folder / "b.parquet")
    return data, str(folder / "*.parquet")


@pytest.mark.parametrize("unit", ["D", "W"])
@pytest.mark.parametrize("duplicates", ["keep", "drop", "warn"])
def test_calibration_holdout_of_simulated_records_with_times_of_day(simulated, unit, duplicates):
    data, files = simulated
    # ends inside a day (and a week): purchases of that period fall on both sides
    for cal, end in (("2023-08-16 13:30", None), ("2023-03-01", "2023-12-20 08:00")):
        expected = _quiet(cxstats.calibration_holdout, data, calibration_end=cal, observation_end=end, time_unit=unit,
                          duplicates=duplicates)
        got = _quiet(cxstats.calibration_holdout, files, calibration_end=cal, observation_end=end, time_unit=unit,
                     duplicates=duplicates)
        _same_split(got, expected, f"{cal} {end}")
        assert expected.duplicates == (0 if duplicates == "keep" else 40)
        assert (expected.table["monetary_value_holdout"] > 0).sum() > 1_000


def test_calibration_holdout_errors_from_parquet(cdnow, sources, tmp_path):
    where = "calibration_holdout"
    split = functools.partial(cxstats.calibration_holdout, duplicates="keep")
    with pytest.raises(CxStatsError, match=rf"^{where}: no column 'amount' in the transactions; the data have "
                                           r"'customer_id', 'date'. Name the columns"):
        split(_drop_column(tmp_path, "amount"), calibration_end="2024-01-02")
    with pytest.raises(CxStatsError, match=rf"^{where}: column 'amount' has negative amounts in row\(s\) 1 of "):
        split(_bad(tmp_path, amount=[1.0, -2.0, 3.0]), calibration_end="2024-01-02")
    with pytest.raises(CxStatsError, match=rf"^{where}: column 'date' has dates after today \(.*\) in row\(s\) 2 "
                                           r".*with observation_end=None recency .* or pass observation_end= "):
        split(_bad(tmp_path, date=pd.to_datetime(["2024-01-01", "2024-01-02", "2199-01-03"])),
              calibration_end="2024-01-02")
    for source in (sources["file"], duckdb.connect(sources["database"], read_only=True)):
        with pytest.raises(CxStatsError, match=r"calibration_end 1998-07-31 is not before observation_end "
                                               r"1998-06-30; .*calibration_end\.$"):
            split(source, calibration_end="1998-07-31")
        with pytest.raises(CxStatsError, match=r"calibration_end 1996-01-01 is before the first purchase "
                                               r"\(1997-01-01\); pass a later date\.$"):
            split(source, calibration_end="1996-01-01")
        with pytest.raises(CxStatsError, match=rf"^{where}: observation_end 1996-06-30 is before the first "
                                               r"transaction \(1997-01-01\); no customer had bought by then\. Pass a "
                                               r"date from 1997-01-01 on, or observation_end=None for the last date "
                                               r"\(1998-06-30\)\.$"):
            split(source, calibration_end="1996-01-01", observation_end="1996-06-30")
        with pytest.raises(CxStatsError, match=rf"^{where}: observation_end 'soon' is not a date; pass e\.g\. "):
            split(source, calibration_end="1997-09-30", observation_end="soon")
        with pytest.raises(CxStatsError, match=rf"^{where}: calibration_end is missing \(NaT\); pass a date\.$"):
            split(source, calibration_end=pd.NaT)
        with pytest.raises(CxStatsError, match=rf"^{where}: calibration_end 'soon' is not a date; pass e\.g\. "):
            split(source, calibration_end="soon")
        with pytest.raises(CxStatsError, match=rf"^{where}: time_unit must be 'D' \(days\) or 'W'"):
            split(source, calibration_end="1997-09-30", time_unit="M")
        with pytest.raises(CxStatsError, match=r"Argument duplicates must be 'warn', 'keep' or 'drop', got 'no'"):
            cxstats.calibration_holdout(source, calibration_end="1997-09-30", duplicates="no")
    last = cdnow["date"].max()
    quiet = tmp_path / "quiet.parquet"
    cdnow[cdnow["date"] != last].to_parquet(quiet)
    with pytest.raises(CxStatsError, match=r"no purchase falls after calibration_end 1998-06-29 up to "
                                           r"1998-06-30; .*later observation_end\.$"):
        split(str(quiet), calibration_end="1998-06-29", observation_end="1998-06-30")
    with pytest.warns(DuplicateTransactionsWarning, match=rf"^{where}: 21 row\(s\) repeat an earlier row exactly "
                                                          r"\(row\(s\) 402, 892, "):
        result = cxstats.calibration_holdout(sources["file"], calibration_end="1997-09-30")
    assert result.problems[0].startswith(f"DuplicateTransactionsWarning: {where}: 21 row(s)")


def test_repeated_rows_are_named_by_file_and_row(cdnow, sources):
    named = r"rfm: 21 row\(s\) repeat an earlier row exactly \(row\(s\) 402, 892, 2541, 2614, 2646 and 16 more of "
    with pytest.warns(DuplicateTransactionsWarning, match=named + r"'.*cdnow.parquet'\)"):
        result = rfm(sources["file"])
    assert result.problems[0].startswith("DuplicateTransactionsWarning: rfm: 21 row(s)")
    # the pandas path names the same rows
    with pytest.warns(DuplicateTransactionsWarning, match=r"\(rows 402, 892, 2541, 2614, 2646 and 16 more\)"):
        rfm(cdnow)
    with pytest.warns(DuplicateTransactionsWarning, match=r"\(row\(s\) part-0.parquet:402, part-0.parquet:892"):
        rfm(sources["glob"])
    con = duckdb.connect(sources["database"], read_only=True)
    with pytest.warns(DuplicateTransactionsWarning, match=r"\(21 row\(s\) of the relation\)"):
        rfm(con.table("tx"))


def test_text_ids_and_dates_of_other_types(tmp_path):
    # string ids sort as in pandas; DATE, text and zoned timestamps read as the pandas path reads them
    data = pd.DataFrame({"customer_id": ["b", "a", "é", "Z", "a", "b", "c"],
                         "date": ["2024-01-05", "2024-01-01", "2024-02-01", "2024-01-03", "2024-03-01",
                                  "2024-03-02", "2024-01-09"],
                         "amount": [1.5, 2.0, 3.25, 4.0, 0.5, 10.0, 7.0]})
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.register("frame", data)
    con.execute("CREATE TABLE text_dates AS SELECT * FROM frame")
    con.execute("CREATE TABLE dates AS SELECT customer_id, CAST(date AS DATE) AS date, amount FROM frame")
    con.execute("CREATE TABLE zoned AS SELECT customer_id, CAST(date || ' 00:00+00' AS TIMESTAMPTZ) AS date, amount "
                "FROM frame")
    expected = rfm(data)
    assert list(expected.table["customer"]) == ["Z", "a", "b", "c", "é"]
    for table in ("text_dates", "dates", "zoned"):
        got = rfm(con.table(table))
        pd.testing.assert_frame_equal(got.table, expected.table, check_exact=True, obj=table)
        pd.testing.assert_frame_equal(_quiet(period_rates, con.table(table), "customer_id", "date").table,
                                      _quiet(period_rates, data, "customer_id", "date").table, check_exact=True)


def _bad(tmp_path, name="tx.parquet", **columns) -> str:
    base = {"customer_id": [1, 2, 3], "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [1.0, 2.0, 3.0]}
    base.update(columns)
    path = tmp_path / name
    pd.DataFrame(base).to_parquet(path)
    return str(path)


@pytest.mark.parametrize("func", [rfm, purchase_summary, cxstats.clv_summary])
def test_errors_name_the_column_file_and_row(func, tmp_path):
    where = func.__name__
    with pytest.raises(CxStatsError, match=rf"{where}: no column 'amount' in the transactions; the data have "
                                           r"'customer_id', 'date'. Name the columns"):
        func(_drop_column(tmp_path, "amount"))
    with pytest.raises(CxStatsError, match=r"the transactions are empty \(0 rows\)"):
        func(_empty(tmp_path))
    with pytest.raises(CxStatsError, match=r"column 'amount' has negative amounts in row\(s\) 1 of '.*tx.parquet': "
                                           r"-2. Net returns"):
        func(_bad(tmp_path, amount=[1.0, -2.0, 3.0]))
    with pytest.raises(CxStatsError, match=r"column 'amount' has no valid amount in row\(s\) 0, 2 of '.*tx.parquet' "
                                           r"\(not numbers: 'n/a'\)"):
        func(_bad(tmp_path, amount=["n/a", "2.0", None]))
    with pytest.raises(CxStatsError, match=r"column 'amount' has infinite amounts in row\(s\) 2 of"):
        func(_bad(tmp_path, amount=[1.0, 2.0, np.inf]))
    with pytest.raises(CxStatsError, match=r"column 'date' has dates that cannot be read in row\(s\) 2 of "
                                           r"'.*tx.parquet': '2024-13-45'. Write them as YYYY-MM-DD"):
        func(_bad(tmp_path, date=["2024-01-01", "2024-01-02", "2024-13-45"]))
    with pytest.raises(CxStatsError, match=r"column 'date' has no date in row\(s\) 1 of"):
        func(_bad(tmp_path, date=pd.to_datetime(["2024-01-01", None, "2024-01-03"])))
    with pytest.raises(CxStatsError, match=r"column 'date' holds numbers \(BIGINT\), not dates"):
        func(_bad(tmp_path, date=[20240101, 20240102, 20240103]))
    with pytest.raises(CxStatsError, match=r"column 'customer_id' has no customer id in row\(s\) 0 of"):
        func(_bad(tmp_path, customer_id=[None, 2, 3]))
    with pytest.raises(CxStatsError, match=r"column 'amount' is True/False"):
        func(_bad(tmp_path, amount=[True, False, True]))
    with pytest.raises(CxStatsError, match=r"column 'date' has dates after today \(.*\) in row\(s\) 2 of .*: "
                                           r"2199-01-03; with as_of=None"):
        func(_bad(tmp_path, date=pd.to_datetime(["2024-01-01", "2024-01-02", "2199-01-03"])))


def _drop_column(tmp_path, column) -> str:
    path = tmp_path / "narrow.parquet"
    pd.read_parquet(_bad(tmp_path)).drop(columns=column).to_parquet(path)
    return str(path)


def _empty(tmp_path) -> str:
    path = tmp_path / "empty.parquet"
    pd.read_parquet(_bad(tmp_path)).iloc[:0].to_parquet(path)
    return str(path)


def test_source_errors(tmp_path):
    with pytest.raises(CxStatsError, match=r"rfm: there is no file or folder '.*nothing.parquet'. Check the path"):
        rfm(str(tmp_path / "nothing.parquet"))
    with pytest.raises(CxStatsError, match=r"rfm: no file matches '.*\*.parquet'. Check the folder and the pattern"):
        rfm(str(tmp_path / "*.parquet"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CxStatsError, match=r"rfm: the folder '.*empty' holds no Parquet file \(\*\.parquet, \*\.parq, \*\.pq\)\."):
        rfm(tmp_path / "empty")
    (tmp_path / "notes.txt").write_text("not a parquet file")
    with pytest.raises(CxStatsError, match=r"rfm: cannot read '.*notes.txt' as Parquet \(.*\). Pass Parquet files"):
        rfm(str(tmp_path / "notes.txt"))
    con = duckdb.connect()
    con.execute("CREATE TABLE a AS SELECT 1 AS x")
    con.execute("CREATE TABLE b AS SELECT 1 AS x")
    with pytest.raises(CxStatsError, match=r"rfm: the DuckDB connection holds 2 tables \('a', 'b'\); pass the one "
                                           r"with the transactions, e.g. con.table\('sales'\)"):
        rfm(con)
    with pytest.raises(CxStatsError, match=r"rfm: DuckDB could not run the query \(.*\); fix the SQL."):
        rfm((con, "SELECT * FROM no_such_table"))
    with pytest.raises(TypeError, match="needs a pandas DataFrame of transactions, Parquet file\\(s\\) or a DuckDB "
                                        "relation, got list"):
        rfm([1, 2, 3])


def test_values_duckdb_cannot_convert_are_an_error(tmp_path):
    # a date beyond 2262 does not fit in nanoseconds (nor does it in the pandas path)
    con = duckdb.connect()
    con.execute("CREATE TABLE tx AS SELECT * FROM (VALUES (1, TIMESTAMP '2024-01-01', 1.0), "
                "(2, TIMESTAMP '2999-01-01', 2.0)) AS t(customer_id, date, amount)")
    with pytest.raises(CxStatsError, match=r"rfm: DuckDB could not read the transactions \(Conversion Error.*\). "
                                           r"Check the files or the relation."):
        rfm(con, as_of="2024-06-30")


def test_as_of_and_one_customer_errors(tmp_path):
    path = _bad(tmp_path)
    with pytest.raises(CxStatsError, match=r"as_of 2023-12-01 is before the first transaction \(2024-01-01\); "
                                           r"no customer had bought by then. Pass a date from 2024-01-01 on, or "
                                           r"as_of=None for the last date \(2024-01-03\)"):
        rfm(path, as_of="2023-12-01")
    with pytest.raises(CxStatsError, match=r"as_of 'soon' is not a date"):
        rfm(path, as_of="soon")
    with pytest.raises(CxStatsError, match=r"only one customer \(1\) has bought by 2024-01-01"):
        rfm(path, as_of="2024-01-01")
    with pytest.raises(CxStatsError, match=r"Argument duplicates must be 'warn', 'keep' or 'drop', got 'no'"):
        rfm(path, duplicates="no")


def test_period_rates_errors(tmp_path):
    with pytest.raises(CxStatsError, match=r"No column 'd' in the transactions; columns: customer_id, date, amount."):
        period_rates(_bad(tmp_path), "customer_id", "d")
    with pytest.raises(CxStatsError, match=r"Column 'date' has values that are not dates: row\(s\) 2 of "
                                           r"'.*tx.parquet': 2024-13-45. Fix them"):
        period_rates(_bad(tmp_path, date=["2024-01-01", "2024-01-02", "2024-13-45"]), "customer_id", "date")
    with pytest.raises(CxStatsError, match=r"Too few rows: 1 transaction\(s\) with a customer and a date."):
        period_rates(_bad(tmp_path, customer_id=[None, 2, None]), "customer_id", "date")
    with pytest.raises(CxStatsError, match=r"period must be one of"):
        period_rates(_bad(tmp_path), "customer_id", "date", period="fortnight")


def test_missing_duckdb_names_the_extra(tmp_path, monkeypatch):
    path = _bad(tmp_path)
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(ImportError, match=r"rfm: reading Parquet files or DuckDB tables needs the optional DuckDB "
                                          r"engine; install it with pip install cxstats\[scale\]"):
        rfm(path)


def test_the_records_never_reach_pandas(cdnow, sources, monkeypatch):
    # only per-customer (or per-period) summaries come back from DuckDB
    import pyarrow.parquet

    def refuse(*args, **kwargs):
        raise AssertionError("the transaction log was read into Python")

    monkeypatch.setattr(pd, "read_parquet", refuse)
    monkeypatch.setattr(pyarrow.parquet, "read_table", refuse)
    expected = cdnow.groupby("customer_id")["amount"].size()
    table = rfm(sources["glob"], duplicates="keep").table
    np.testing.assert_array_equal(table["frequency"], expected.to_numpy())
    assert len(_quiet(period_rates, sources["file"], "customer_id", "date").table) == 18
    split = cxstats.calibration_holdout(sources["glob"], calibration_end="1997-09-30", duplicates="keep")
    bought = cdnow[cdnow["date"] <= "1997-09-30"].groupby("customer_id").size()
    np.testing.assert_array_equal(split.table["customer"], bought.index.to_numpy())
