"""SEM: one ML fit and a 1000-draw bootstrap, cxstats against semopy and lavaan in the same run.

Fits: the Holzinger-Swineford 3-factor CFA and the Political Democracy SEM (tests/reference),
median of 15 after warm-up; building the model object is inside the timing for every library,
as a user experiences it. "1 fit" is estimation with every check that warns (convergence,
identification, Heywood cases, positive definiteness) against semopy's ``Model(...).fit``;
"fit + table" also reads the parameter table with SEs and standardized values and the fit
measures (built on first access) against semopy's ``fit`` + ``inspect(std_est=True)`` +
``calc_stats``. Bootstrap: 1000 draws of the Political Democracy mediation (labels
and ``:=`` effects). semopy has no bootstrap, so its figure is a loop of 1000 refits on
resampled rows (warm-started, as cxstats' draws are), run once: it takes several minutes.
lavaan is timed inside R (benchmarks/lavaan_timing.R) when Rscript is on PATH. A peer that
fails is reported and left out; its ratio shows as "-".
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import cxstats
import cxstats.sem as sem

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import MachineLoad, median_seconds, rscript_json  # noqa: E402

REFERENCE = HERE.parent / "tests" / "reference"
HS_DATA = REFERENCE / "data" / "holzinger_swineford.csv"
POLDEM_DATA = REFERENCE / "data" / "political_democracy.csv"
HS_CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
REPEATS, BOOT_RUNS, DRAWS, SEED = 15, 3, 1000, 1
FIT_TARGET = 0.25  # cxstats / semopy, one fit
BOOT_TARGET = 1.5  # seconds for cxstats, 1000 draws


def _reference_model(name: str, fit: str) -> str:
    return json.loads((REFERENCE / f"lavaan_{name}.json").read_text())["fits"][fit]["model"]


def _peer(label: str, func):
    """Run a peer's measurement; a failure is printed, never fatal."""
    try:
        return func()
    except Exception as exc:  # noqa: BLE001 - any failure of a peer only drops its column
        print(f"  {label} failed: {type(exc).__name__}: {exc}")
        return None


def _semopy():
    import semopy

    return semopy


def _semopy_fit(model: str, data: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _semopy().Model(model).fit(data)


def _semopy_fit_table(model: str, data: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = _semopy().Model(model)
        m.fit(data)
        m.inspect(std_est=True)
        _semopy().calc_stats(m)


def _cxstats_fit_table(model: str, data: pd.DataFrame) -> None:
    result = sem.fit(model, data)
    result.table, result.fit_measures  # noqa: B018 - reading them builds them


def _semopy_bootstrap(model: str, data: pd.DataFrame) -> tuple[float, float, int]:
    """1000 refits of one semopy model on rows resampled with replacement; returns seconds,
    the bootstrap SE of indirect = a*b (semopy has no ``:=``) and the number of failed draws."""
    model = "\n".join(line for line in model.splitlines() if ":=" not in line)
    rows = np.random.default_rng(SEED).integers(0, len(data), size=(DRAWS, len(data)))
    draws, failed = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        m = _semopy().Model(model)
        m.fit(data)  # the full-sample estimate is every refit's start, as in cxstats
        for idx in rows:
            try:
                m.fit(data.iloc[idx])
                draws.append(m.param_vals.copy())
            except Exception:  # noqa: BLE001 - a failed draw is counted, as lavaan does
                failed += 1
        seconds = time.perf_counter() - start
    names = [name for name, p in m.parameters.items() if p.active]
    draws = np.array(draws)
    indirect = draws[:, names.index("a")] * draws[:, names.index("b")]
    return seconds, float(np.std(indirect, ddof=1)), failed


def _cxstats_bootstrap(model: str, data: pd.DataFrame) -> tuple[list[float], float]:
    times, result = [], None
    sem.fit(model, data, se="bootstrap", bootstrap=DRAWS, seed=SEED, progress=False)  # warm-up
    for _ in range(BOOT_RUNS):
        start = time.perf_counter()
        result = sem.fit(model, data, se="bootstrap", bootstrap=DRAWS, seed=SEED, progress=False)
        times.append(time.perf_counter() - start)
    table = result.table
    return times, float(table.loc[(table["op"] == ":=") & (table["lhs"] == "indirect"), "se"].iloc[0])


def _lavaan(fits: dict, boot: tuple[str, str, Path]) -> dict:
    """Time lavaan in R on the same models and CSV files; returns the parsed JSON."""
    spec = {
        "repeats": REPEATS, "warmup": 2,
        "fits": [{"case": case, "model": model, "data": str(path)} for case, (model, _, path) in fits.items()],
        "bootstrap": {"case": boot[0], "model": boot[1], "data": str(boot[2]), "draws": DRAWS, "seed": SEED},
    }
    return rscript_json(HERE / "lavaan_timing.R", spec)


def _ratio(ours: float, peer: float | None) -> str:
    return f"{ours / peer:.3f}" if peer else "-"


def _seconds(value: float | None) -> str:
    return f"{value:.4f}" if value is not None else "-"


def main() -> None:
    load = MachineLoad()
    hs, poldem = pd.read_csv(HS_DATA), pd.read_csv(POLDEM_DATA)
    fits = {
        "HS CFA, 1 fit": (HS_CFA, hs, HS_DATA),
        "PolDem SEM, 1 fit": (_reference_model("poldem", "default"), poldem, POLDEM_DATA),
    }
    mediation = _reference_model("mediation", "standard")
    semopy_version = _peer("import semopy", lambda: _semopy().__version__)

    rows = []  # case, cxstats, semopy, lavaan
    for case, (model, data, _) in fits.items():
        ours = median_seconds(lambda: sem.fit(model, data), repeat=REPEATS)
        peer = _peer(f"semopy {case}", lambda: median_seconds(lambda: _semopy_fit(model, data), repeat=REPEATS)) \
            if semopy_version else None
        rows.append([case, ours, peer, None])
        print(f"{case}: cxstats {ours * 1e3:.1f} ms, semopy {_seconds(peer)} s (median of {REPEATS})")
    model, data, _ = fits["HS CFA, 1 fit"]
    full = median_seconds(lambda: _cxstats_fit_table(model, data), repeat=REPEATS)
    peer = _peer("semopy HS fit + table", lambda: median_seconds(lambda: _semopy_fit_table(model, data),
                                                                repeat=REPEATS)) if semopy_version else None
    print(f"HS CFA, fit + table + fit measures: cxstats {full * 1e3:.1f} ms, semopy {_seconds(peer)} s "
          f"(fit + inspect + calc_stats; ratio {_ratio(full, peer)}, no target)")

    boot_times, boot_se = _cxstats_bootstrap(mediation, poldem)
    boot_case = f"PolDem mediation, bootstrap {DRAWS}"
    print(f"{boot_case}: cxstats runs {', '.join(f'{t:.2f}' for t in boot_times)} s "
          f"(median of {BOOT_RUNS} after warm-up), SE(indirect) {boot_se:.4f}")
    semopy_boot = _peer("semopy bootstrap loop", lambda: _semopy_bootstrap(mediation, poldem)) \
        if semopy_version else None
    if semopy_boot:
        print(f"  semopy: no bootstrap in its API; a loop of {DRAWS} refits on resampled rows, run once: "
              f"{semopy_boot[0]:.1f} s, SE(indirect) {semopy_boot[1]:.4f}, {semopy_boot[2]} failed draws")
    rows.append([boot_case, statistics.median(boot_times), semopy_boot[0] if semopy_boot else None, None])

    lavaan_version = "-"
    if shutil.which("Rscript") is None:
        print("Rscript is not on PATH: lavaan is not timed.")
    else:
        lav = _peer("lavaan (Rscript)", lambda: _lavaan(fits, ("mediation", mediation, POLDEM_DATA)))
        if lav:
            lavaan_version = lav["lavaan"]
            for row in rows[:-1]:
                row[3] = lav["fits"][row[0]]
            rows[-1][3] = lav["bootstrap"]
            print(f"  lavaan: single fits median of {REPEATS} (system.time in R), bootstrap once "
                  f"(set.seed({SEED}), serial), SE(indirect) {lav['se_indirect']:.4f}")

    print(f"\nos.cpu_count() = {os.cpu_count()}; cxstats {cxstats.__version__}, "
          f"semopy {semopy_version or '-'}, lavaan {lavaan_version}")
    header = ("case", "cxstats s", "semopy s", "lavaan s", "vs semopy", "vs lavaan", "target", "met")
    widths = (34, 10, 10, 10, 10, 10, 18, 3)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for i, (case, ours, peer, lavaan) in enumerate(rows):
        if i < len(fits):
            target, met = f"<= {FIT_TARGET} vs semopy", ("yes" if ours / peer <= FIT_TARGET else "no") if peer else "-"
        else:
            target, met = f"<= {BOOT_TARGET} s", "yes" if ours <= BOOT_TARGET else "no"
        cells = (case, _seconds(ours), _seconds(peer), _seconds(lavaan), _ratio(ours, peer), _ratio(ours, lavaan),
                 target, met)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    print(f"(semopy bootstrap = {DRAWS} refits on resampled rows, run once; lavaan bootstrap run once; "
          f"cxstats bootstrap median of {BOOT_RUNS})")
    load.report()


if __name__ == "__main__":
    main()
