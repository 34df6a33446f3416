"""RFM scores and monthly churn/repurchase rates on ten million transactions: pandas, polars, DuckDB.

pandas is what cxstats uses (``cxstats.rfm.rfm`` itself, validation included); polars and
DuckDB compute the same numbers with their own engines. The data are simulated (seeded):
a million customers who join uniformly over two years, buy at gamma-distributed rates
until an exponential lifetime ends, and spend lognormal amounts in cents.

Each engine runs in a fresh subprocess that reads the same Parquet file into its native
form, so its peak memory is its own: ``ru_maxrss`` after loading and at the end (tracemalloc
would miss the native engines' allocations). Times are medians of ``repeat`` runs on the
loaded data. Before timing, all three engines (and ``cxstats.retention.period_rates`` when
present) are run on a small sample and must agree: identical recency, frequency, scores,
segments and monthly counts, monetary totals to 1e-9.

Monthly rates: a customer is active in month t if they bought in it; of those, the ones who
buy again in month t + 1 repurchased (repurchase rate), the rest churned (churn rate =
1 - repurchase rate). The last month, whose next month is not observed, is left out.

At scale (``--big N``, default 10^8; 0 skips): ``cxstats.rfm`` straight from Parquet files,
where DuckDB computes the per-customer totals and only they come to Python. First the
engine choice: per-customer totals of the ``--transactions`` Parquet file in DuckDB SQL and
in a polars lazy scan (streaming), with and without the exact-duplicate check. Then the
ratio against the pandas path on that file (``pd.read_parquet`` + ``rfm``, end to end, each
in a fresh process; tables must agree), and finally RFM of ``--big`` transactions written
in chunks of 10^7 to a temporary folder (about 2 GB, deleted afterwards): time and peak
resident memory (must stay under 4 GB); the totals of the first chunk's customers are
checked against the pandas path on that chunk alone (customers do not span chunks).

Usage: ``python benchmarks/bench_rfm.py [--transactions N] [--customers N] [--repeat R] [--big N]``.

Closing note (2026-12-07, ``--repeat 1``, two cores shared with other jobs, load average
about 10 throughout, so absolute times are inflated 3-5x): at 10^7 transactions,
``rfm(path)`` took 22.8 s and 1.00 GB peak against 34.5 s and 1.49 GB for
``pd.read_parquet`` + ``rfm`` (ratio 0.66 in time, 0.67 in memory; identical tables, 72
repeated rows found by both); per-customer totals 6.6 s in DuckDB vs 7.1 s in polars (16.5
vs 16.7 s with the duplicate check). 10^8 transactions (10 files, 0.78 GB, 10^7 customers,
default ``duplicates="warn"``: 714 repeated rows): 338.5 s, peak resident memory 3.40 GB
(under 4 GB); the first file's customers matched the pandas path.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

ENGINES = ("pandas", "polars", "duckdb")
_START = np.datetime64("2023-01-01", "ns")
_DAYS = 731  # 2023-01-01 to 2024-12-31: whole months
# R score (rows) x F score (columns) -> segment, as in cxstats.rfm
_NAMES = ["Champions", "Loyal customers", "Potential loyalists", "New customers", "Promising", "Need attention",
          "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost"]
_GRID = [[9, 9, 7, 7, 8], [9, 9, 7, 7, 8], [6, 6, 5, 1, 1], [4, 2, 2, 1, 1], [3, 2, 2, 0, 0]]


def make_transactions(n_transactions: int = 10_000_000, n_customers: int = 1_000_000, *, seed: int = 1) -> pd.DataFrame:
    """Seeded purchase records: one first purchase per customer, the rest by rate x active span."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, _DAYS, n_customers)
    life = rng.exponential(365.0, n_customers)
    span = np.maximum(np.minimum(life, _DAYS - start), 1.0)
    rate = rng.gamma(0.8, 1.0, n_customers)
    weight = rate * span
    extra = rng.choice(n_customers, n_transactions - n_customers, p=weight / weight.sum())
    who = np.concatenate([np.arange(n_customers), extra])
    day = start[who] + np.where(np.arange(who.size) < n_customers, 0,
                                np.floor(rng.random(who.size) * span[who]).astype(np.int64))
    order = rng.permutation(who.size)  # records arrive in no particular order
    return pd.DataFrame({
        "customer_id": (who + 1_000_001)[order],
        "date": (_START + day.astype("timedelta64[D]"))[order],
        "amount": np.round(rng.lognormal(3.2, 0.9, who.size), 2)[order],
    })


# ---------------------------------------------------------------- pandas (cxstats)
def pandas_load(path: str) -> pd.DataFrame:
    return pd.read_parquet(path)


def pandas_rfm(data: pd.DataFrame) -> pd.DataFrame:
    from cxstats.rfm import rfm

    table = rfm(data).table
    return table.rename(columns={"customer": "customer_id"})


def pandas_rates(data: pd.DataFrame) -> pd.DataFrame:
    codes = pd.factorize(data["customer_id"])[0].astype(np.int64)
    dates = data["date"]
    month = (dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1).astype(np.int64)
    first = month.min()
    key = np.sort(codes * 1024 + (month - first))
    key = key[np.r_[True, key[1:] != key[:-1]]]  # distinct (customer, month) pairs, sorted
    following = np.minimum(np.searchsorted(key, key + 1), key.size - 1)
    again = key[following] == key + 1  # the same customer active in the next month
    months = key % 1024
    active = np.bincount(months)
    repurchased = np.bincount(months, weights=again).astype(np.int64)
    keep = np.arange(active.size - 1)
    return _rates_frame(first + keep, active[keep], repurchased[keep])


def _rates_frame(month: np.ndarray, active: np.ndarray, repurchased: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"month": [f"{m // 12}-{m % 12 + 1:02d}" for m in month], "active": active.astype(np.int64),
                          "repurchased": repurchased.astype(np.int64)})
    frame["repurchase_rate"] = frame["repurchased"] / frame["active"]
    frame["churn_rate"] = 1.0 - frame["repurchase_rate"]
    return frame


# ---------------------------------------------------------------- polars
def polars_load(path: str):
    import polars as pl

    return pl.read_parquet(path)


def polars_rfm(data):
    import polars as pl

    as_of = data["date"].max()
    per = data.lazy().group_by("customer_id").agg(last=pl.col("date").max(), frequency=pl.len(),
                                                  monetary=pl.col("amount").sum()).collect()  # lazy: the faster path
    n = per.height
    top = float(per["monetary"].abs().max())
    digits = 12 - int(np.ceil(np.log10(top)))

    def score(worse: pl.Expr) -> pl.Expr:
        return pl.max_horizontal(pl.lit(1), (5.0 * worse / (n - 1)).ceil().cast(pl.Int64))

    per = per.with_columns(recency_days=(pl.lit(as_of) - pl.col("last")).dt.total_days())
    per = per.with_columns(
        r_score=score(pl.col("recency_days").rank("min", descending=True) - 1),
        f_score=score(pl.col("frequency").rank("min") - 1),
        m_score=score(pl.col("monetary").round(digits).rank("min") - 1),
    )
    cell = (pl.col("r_score") - 1) * 5 + pl.col("f_score") - 1
    lookup = {r * 5 + f: _NAMES[_GRID[r][f]] for r in range(5) for f in range(5)}
    segment = (pl.when((pl.col("r_score") == 1) & (pl.col("f_score") == 1) & (pl.col("m_score") == 1))
               .then(pl.lit("Lost")).otherwise(cell.replace_strict(lookup, return_dtype=pl.String)))
    return per.with_columns(segment=segment).select(
        "customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"
    ).sort("customer_id")


def polars_rates(data):
    import polars as pl

    month = pl.col("date").dt.year().cast(pl.Int64) * 12 + pl.col("date").dt.month().cast(pl.Int64) - 1
    pairs = data.lazy().select("customer_id", month=month).unique()
    following = pairs.select("customer_id", month=pl.col("month") - 1, again=pl.lit(1))
    counts = (pairs.join(following, on=["customer_id", "month"], how="left")
              .group_by("month").agg(active=pl.len(), repurchased=pl.col("again").sum()).sort("month").collect())
    return counts.slice(0, counts.height - 1)


# ---------------------------------------------------------------- DuckDB
def duckdb_load(path: str):
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE tx AS SELECT * FROM read_parquet(?)", [path])
    return con


_RFM_SQL = """
WITH per AS (
    SELECT customer_id, max(date) AS last, count(*) AS frequency, sum(amount) AS monetary
    FROM tx GROUP BY customer_id),
scored AS (
    SELECT customer_id, frequency, monetary,
           (epoch_us((SELECT max(date) FROM tx)) - epoch_us(last)) // 86400000000 AS recency_days,
           round(monetary, {digits}) AS snapped
    FROM per),
ranked AS (
    SELECT *,
           greatest(1, ceil(5.0 * (rank() OVER (ORDER BY recency_days DESC) - 1) / (count(*) OVER () - 1)))::BIGINT AS r_score,
           greatest(1, ceil(5.0 * (rank() OVER (ORDER BY frequency) - 1) / (count(*) OVER () - 1)))::BIGINT AS f_score,
           greatest(1, ceil(5.0 * (rank() OVER (ORDER BY snapped) - 1) / (count(*) OVER () - 1)))::BIGINT AS m_score
    FROM scored)
SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
       CASE WHEN r_score = 1 AND f_score = 1 AND m_score = 1 THEN 'Lost'
            ELSE list_extract({grid}, ((r_score - 1) * 5 + f_score)::INTEGER) END AS segment
FROM ranked ORDER BY customer_id
"""

_RATES_SQL = """
WITH pairs AS (
    SELECT DISTINCT customer_id, year(date) * 12 + month(date) - 1 AS month FROM tx),
flags AS (
    SELECT p.month, (n.customer_id IS NOT NULL)::INTEGER AS again
    FROM pairs p LEFT JOIN pairs n ON n.customer_id = p.customer_id AND n.month = p.month + 1)
SELECT month, count(*) AS active, sum(again) AS repurchased FROM flags
WHERE month < (SELECT max(month) FROM pairs) GROUP BY month ORDER BY month
"""


def duckdb_rfm(con):
    top = con.sql("SELECT max(abs(m)) FROM (SELECT sum(amount) AS m FROM tx GROUP BY customer_id)").fetchall()[0][0]
    grid = "[" + ", ".join("'" + _NAMES[_GRID[r][f]].replace("'", "''") + "'" for r in range(5) for f in range(5)) + "]"
    sql = _RFM_SQL.format(digits=12 - int(np.ceil(np.log10(top))), grid=grid)
    return con.sql(sql).to_arrow_table()


def duckdb_rates(con):
    return con.sql(_RATES_SQL).to_arrow_table()


# ---------------------------------------------------------------- agreement and timing
def _as_pandas(result) -> pd.DataFrame:
    if isinstance(result, pd.DataFrame):
        return result
    return result.to_pandas()


def _rfm_columns(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]
    out = frame[columns].copy()
    out["segment"] = out["segment"].astype(str)
    for c in columns[:-1]:
        if c != "monetary":
            out[c] = out[c].astype(np.int64)
    return out.sort_values("customer_id").reset_index(drop=True)


def _rates_columns(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if "month" in frame and not isinstance(frame["month"].iloc[0], str):
        frame["month"] = [f"{int(m) // 12}-{int(m) % 12 + 1:02d}" for m in frame["month"]]
    return frame[["month", "active", "repurchased"]].astype({"active": np.int64, "repurchased": np.int64}).reset_index(
        drop=True)


def check_agreement(data: pd.DataFrame, path: str) -> list[str]:
    """Run every engine on ``data`` (also saved at ``path``); raise if any number differs."""
    reference = _rfm_columns(pandas_rfm(data))
    rates = _rates_columns(pandas_rates(data))
    for engine in ENGINES[1:]:
        loaded = globals()[f"{engine}_load"](path)
        other = _rfm_columns(_as_pandas(globals()[f"{engine}_rfm"](loaded)))
        pd.testing.assert_frame_equal(other.drop(columns="monetary"), reference.drop(columns="monetary"),
                                      check_dtype=False, obj=f"{engine} RFM")
        np.testing.assert_allclose(other["monetary"], reference["monetary"], rtol=1e-9, err_msg=f"{engine} monetary")
        pd.testing.assert_frame_equal(_rates_columns(_as_pandas(globals()[f"{engine}_rates"](loaded))), rates,
                                      check_dtype=False, obj=f"{engine} monthly rates")
    checked = ["pandas", "polars", "duckdb"]
    period_rates = _period_rates()
    if period_rates is not None:
        table = _period_rates_table(period_rates, data)
        pd.testing.assert_frame_equal(table, rates, check_dtype=False, obj="cxstats.retention.period_rates")
        checked.append("cxstats.retention.period_rates")
    return checked


def _period_rates():
    try:
        from cxstats.retention import period_rates
    except ImportError:
        return None
    return period_rates


def _period_rates_table(period_rates, data: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a partial last month is dropped below
        table = period_rates(data, "customer_id", "date", period="M").table
    table = table.iloc[:-1]  # the last month has no next month
    return pd.DataFrame({"month": [str(p)[:7] for p in table["period"]], "active": table["active"].to_numpy(),
                         "repurchased": table["repurchased"].to_numpy()}).astype(
        {"active": np.int64, "repurchased": np.int64})


def _peak_mb() -> float:
    """This process's peak resident memory. Linux: VmHWM, which starts afresh at exec (ru_maxrss
    does not: a child inherits its parent's high-water mark across fork and exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def _worker(engine: str, path: str, repeat: int) -> dict:
    """Runs in its own process: load, then time the RFM scores and the monthly rates."""
    import cxstats.rfm  # noqa: F401  (imports are not timed)
    if engine == "period_rates":
        import cxstats.retention  # noqa: F401
    else:
        __import__(engine)
    baseline = _peak_mb()
    start = time.perf_counter()
    if engine == "period_rates":
        data = pandas_load(path)
        period_rates = _period_rates()
        jobs = {"rates": lambda: period_rates(data, "customer_id", "date", period="M")}
    else:
        data = globals()[f"{engine}_load"](path)
        jobs = {"rfm": lambda: globals()[f"{engine}_rfm"](data), "rates": lambda: globals()[f"{engine}_rates"](data)}
    load = time.perf_counter() - start
    after_load = _peak_mb()
    times = {}
    for name, job in jobs.items():
        job()  # warm-up
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            job()
            runs.append(time.perf_counter() - t0)
        times[name] = statistics.median(runs)
    return {"engine": engine, "load_s": load, **{f"{k}_s": v for k, v in times.items()}, "baseline_mb": baseline,
            "after_load_mb": after_load, "peak_mb": _peak_mb()}


# ---------------------------------------------------------------- at scale: Parquet sources
def _totals_worker(engine: str, path: str, mode: str) -> dict:
    """Per-customer purchases, spend, first and last date from Parquet; mode "keep" or "distinct"
    (rows that repeat exactly counted once, the check behind duplicates="warn"/"drop")."""
    start = time.perf_counter()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        src = (f"read_parquet('{path}')" if mode == "keep" else
               f"(SELECT customer_id, date, amount, count(*) AS n FROM read_parquet('{path}') GROUP BY ALL)")
        count = "count(*)" if mode == "keep" else "sum(n)"
        out = con.sql(f"SELECT customer_id, {count} AS f, sum(amount) AS m, min(date) AS a, max(date) AS b "
                      f"FROM {src} GROUP BY customer_id ORDER BY customer_id").fetchnumpy()
    else:
        import polars as pl

        scan = pl.scan_parquet(path)
        if mode == "distinct":
            scan = scan.group_by(["customer_id", "date", "amount"]).agg(n=pl.len())
        count = pl.len() if mode == "keep" else pl.col("n").sum()
        out = scan.group_by("customer_id").agg(f=count, m=pl.col("amount").sum(), a=pl.col("date").min(),
                                               b=pl.col("date").max()).sort("customer_id").collect(engine="streaming")
    return {"engine": engine, "mode": mode, "seconds": time.perf_counter() - start, "customers": len(out["f"]),
            "peak_mb": _peak_mb()}


def _rfm_worker(engine: str, path: str, out: str) -> dict:
    """cxstats.rfm end to end from Parquet: via pandas (read, then rfm) or straight from the files."""
    from cxstats.rfm import rfm

    if engine == "parquet-duckdb":
        import duckdb  # noqa: F401  (imports are not timed)
    baseline = _peak_mb()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # simulated cents repeat now and then: both paths warn alike
        result = rfm(pd.read_parquet(path) if engine == "pandas-read" else path)
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    if out:
        result.table.drop(columns=["rfm_code"]).to_parquet(out)
    return {"engine": engine, "seconds": seconds, "baseline_mb": baseline, "peak_mb": peak,
            "customers": result.n_customers, "transactions": result.n_transactions, "duplicates": result.duplicates,
            "segments": result.segments[["segment", "customers"]].values.tolist()}


def _run_json(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_chunks(folder: str, n_transactions: int, chunk: int = 10_000_000, per_customer: int = 10) -> list[str]:
    """``n_transactions`` in Parquet files of ``chunk`` rows each; each file its own customers."""
    paths, chunk = [], min(chunk, n_transactions)
    for k in range(n_transactions // chunk):
        part = make_transactions(chunk, chunk // per_customer, seed=100 + k)
        part["customer_id"] += k * (chunk // per_customer)
        paths.append(os.path.join(folder, f"part-{k:03d}.parquet"))
        part.to_parquet(paths[-1])
        del part
    return paths


def scale_main(path: str, n_big: int) -> None:
    """Engine choice, the ratio against the pandas path on ``path``, and RFM of ``n_big`` from Parquet."""
    print("\nper-customer totals from Parquet, fresh process each (the engine behind rfm(path)):")
    for mode in ("keep", "distinct"):
        for engine in ("duckdb", "polars"):
            r = _run_json("--totals", engine, "--path", path, "--mode", mode)
            print(f"  {engine:<7} {mode:<9} {r['seconds']:7.2f} s  peak {r['peak_mb']:6.0f} MB  "
                  f"({r['customers']:,} customers)")
    with tempfile.TemporaryDirectory() as folder:
        out = {e: os.path.join(folder, f"{e}.parquet") for e in ("pandas-read", "parquet-duckdb")}
        runs = {e: _run_json("--rfm", e, "--path", path, "--out", out[e]) for e in out}
        a, b = (pd.read_parquet(out[e]) for e in out)
        pd.testing.assert_frame_equal(b.drop(columns="monetary"), a.drop(columns="monetary"), check_exact=True)
        np.testing.assert_allclose(b["monetary"], a["monetary"], rtol=1e-12)
        assert runs["pandas-read"]["segments"] == runs["parquet-duckdb"]["segments"]
    p, d = runs["pandas-read"], runs["parquet-duckdb"]
    print(f"\ncxstats.rfm on {p['transactions']:,} transactions ({p['duplicates']:,} repeated rows, "
          f"{p['customers']:,} customers), end to end from one Parquet file; identical tables:")
    for r in (p, d):
        print(f"  {r['engine']:<15} {r['seconds']:7.2f} s  peak {r['peak_mb']:6.0f} MB (baseline {r['baseline_mb']:.0f})")
    print(f"  rfm(path) / pandas path: time {d['seconds'] / p['seconds']:.2f}, peak memory "
          f"{d['peak_mb'] / p['peak_mb']:.2f}")
    if not n_big:
        return
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        paths = write_chunks(folder, n_big)
        size = sum(os.path.getsize(f) for f in paths) / 1024**3
        print(f"\n{n_big:,} transactions written in {len(paths)} Parquet files ({size:.2f} GB) in "
              f"{time.perf_counter() - start:.0f} s; load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
        out = os.path.join(folder, "result.parquet")
        big = _run_json("--rfm", "parquet-duckdb", "--path", os.path.join(folder, "*.parquet"), "--out", out)
        print(f"  cxstats.rfm('{os.path.basename(folder)}/*.parquet'): {big['seconds']:.1f} s, peak resident memory "
              f"{big['peak_mb']:.0f} MB ({'under' if big['peak_mb'] < 4096 else 'OVER'} 4 GB); "
              f"{big['customers']:,} customers, {big['transactions']:,} transactions, "
              f"{big['duplicates']:,} repeated rows")
        check_first_chunk(paths[0], out)


def check_first_chunk(path: str, result: str) -> None:
    """The big run's totals for the first file's customers equal the pandas path on that file."""
    from cxstats.rfm import rfm

    table = pd.read_parquet(result, columns=["customer", "last_purchase", "recency_days", "frequency", "monetary"])
    as_of = table["last_purchase"].max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = rfm(pd.read_parquet(path), as_of=as_of).table
    mine = table[table["customer"].isin(alone["customer"])].reset_index(drop=True)
    pd.testing.assert_series_equal(mine["customer"], alone["customer"], check_names=False)
    for column in ("recency_days", "frequency"):
        np.testing.assert_array_equal(mine[column], alone[column])
    np.testing.assert_allclose(mine["monetary"], alone["monetary"], rtol=1e-12)
    print(f"  checked: recency, frequency and spend of the {len(alone):,} customers of the first file equal "
          "the pandas path on that file")


def _run_worker(engine: str, path: str, repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", engine, "--path", path, "--repeat", str(repeat)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n_transactions: int = 10_000_000, n_customers: int = 1_000_000, repeat: int = 3,
         big: int = 100_000_000) -> None:
    import polars
    import duckdb

    with tempfile.TemporaryDirectory() as folder:
        small = make_transactions(200_000, 20_000, seed=2)
        small_path = os.path.join(folder, "small.parquet")
        small.to_parquet(small_path)
        checked = check_agreement(small, small_path)
        print(f"agreement on 200,000 transactions of 20,000 customers: {', '.join(checked)} give the same "
              "RFM scores, segments and monthly repurchase counts")
        start = time.perf_counter()
        data = make_transactions(n_transactions, n_customers, seed=1)
        path = os.path.join(folder, "transactions.parquet")
        data.to_parquet(path)
        made = time.perf_counter() - start
        print(f"{len(data):,} transactions of {data['customer_id'].nunique():,} customers, "
              f"{data['date'].min().date()} to {data['date'].max().date()} (simulated and written in {made:.1f} s); "
              f"cores {os.cpu_count()}, load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
        del data
        versions = {"pandas": pd.__version__, "polars": polars.__version__, "duckdb": duckdb.__version__}
        engines = list(ENGINES) + (["period_rates"] if _period_rates() is not None else [])
        results = [_run_worker(engine, path, repeat) for engine in engines]
        _print_engines(results, versions, repeat)
        scale_main(path, big)


def _print_engines(results: list[dict], versions: dict, repeat: int) -> None:
    print(f"{'engine':<28}{'load s':>8}{'RFM s':>8}{'rates s':>9}{'RSS base MB':>13}{'after load':>12}{'peak MB':>9}")
    for r in results:
        label = (f"{r['engine']} {versions[r['engine']]}" if r["engine"] in versions
                 else "cxstats.retention.period_rates")
        rfm_s = f"{r['rfm_s']:8.2f}" if "rfm_s" in r else f"{'-':>8}"
        print(f"{label:<28}{r['load_s']:8.2f}{rfm_s}{r['rates_s']:9.2f}{r['baseline_mb']:13.0f}"
              f"{r['after_load_mb']:12.0f}{r['peak_mb']:9.0f}")
    base = next(r for r in results if r["engine"] == "pandas")
    for r in results:
        if r["engine"] in ("polars", "duckdb"):
            print(f"{r['engine']} / pandas time ratio: RFM {r['rfm_s'] / base['rfm_s']:.2f}, "
                  f"rates {r['rates_s'] / base['rates_s']:.2f}; peak memory ratio {r['peak_mb'] / base['peak_mb']:.2f}")
    print(f"(median of {repeat} runs on loaded data; peak = VmHWM (peak resident memory) of a fresh process per engine; "
          f"load average now {', '.join(f'{v:.1f}' for v in os.getloadavg())})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big", type=int, default=100_000_000, help="transactions for RFM from Parquet (0: skip)")
    parser.add_argument("--worker", choices=[*ENGINES, "period_rates"], help=argparse.SUPPRESS)
    parser.add_argument("--totals", choices=["duckdb", "polars"], help=argparse.SUPPRESS)
    parser.add_argument("--rfm", choices=["pandas-read", "parquet-duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="keep", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.path, args.repeat)))
    elif args.totals:
        print(json.dumps(_totals_worker(args.totals, args.path, args.mode)))
    elif args.rfm:
        print(json.dumps(_rfm_worker(args.rfm, args.path, args.out)))
    else:
        main(args.transactions, args.customers, args.repeat, args.big)
