"""The PLS bootstrap against PyPI seminr 0.2.1's 1000-draw bootstrap of the ECSI model.

seminr's default resampler draws every replication's rows from one PCG64 stream seeded with
``seed``, which is what ``numpy.random.default_rng(seed).integers(0, n, (B, n))`` gives, so
with the same seed both libraries analyse the same 1000 resamples: SEs and percentile
bounds then agree to ~1e-9 (each draw's iteration stops within seminr's 1e-7 criterion, from
a warm start here and from unit weights in seminr). A second run with another seed is
compared within Monte-Carlo error.
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from _pls_cases import ECSI, data, seminr_reference
from scipy import stats

import cxstats._resampling as resampling
import cxstats.pls as pls

BOOT = seminr_reference()["bootstrap"]


@pytest.fixture(scope="module")
def booted() -> pls.PLSResult:
    return pls.fit(ECSI, data("ecsi_mobile"), bootstrap=BOOT["draws"], seed=BOOT["seed"], progress=False)


def _rows(res: pls.PLSResult, kind: str) -> tuple[pd.DataFrame, list[dict]]:
    op = {"paths": "~", "loadings": "=~", "weights": "<~"}[kind]
    t = res.table[res.table["op"] == op].set_index(["lhs", "rhs"])
    return t, [r for r in BOOT[kind] if r["boot_sd"] > 1e-8]  # a single item's loading and weight are 1


@pytest.mark.parametrize("kind", ["paths", "loadings", "weights"])
def test_same_resamples_as_seminr_give_the_same_ses_and_intervals(booted, kind):
    table, reference = _rows(booted, kind)
    for r in reference:
        row = table.loc[(r["col"], r["row"])]
        assert row["se"] == pytest.approx(r["boot_sd"], abs=1e-7)
        assert row["ci_low"] == pytest.approx(r["ci_low"], abs=1e-7)
        assert row["ci_high"] == pytest.approx(r["ci_high"], abs=1e-7)
    assert booted.bootstrap_draws == BOOT["kept"] and booted.bootstrap_failed == BOOT["failed"]


def test_total_effect_ses_match_seminr(booted):
    effects = booted.effects().set_index(["outcome", "predictor", "effect"])
    for r in BOOT["total_effects"]:
        assert effects.loc[(r["col"], r["row"], "total"), "se"] == pytest.approx(r["boot_sd"], abs=1e-7)


def test_independent_draws_agree_within_monte_carlo_error():
    """The SD of B draws has relative SE sqrt((kurtosis - 1) / (4B)); two independent runs
    differ by sqrt(2) times that. Every SE must lie within 4 of those SEs (for normal draws
    and B = 1000: 12.6%)."""
    other = pls.fit(ECSI, data("ecsi_mobile"), bootstrap=1000, seed=BOOT["seed"] + 1, progress=False)
    draws, labels = other._boot.draws, other._statistics.labels
    position = {(op, lhs, rhs): k for k, (op, lhs, rhs) in enumerate(zip(labels["op"], labels["lhs"], labels["rhs"],
                                                                       strict=True))}
    compared = 0
    for kind, op in (("paths", "~"), ("loadings", "=~"), ("weights", "<~")):
        table, reference = _rows(other, kind)
        for r in reference:
            kurtosis = stats.kurtosis(draws[:, position[(op, r["col"], r["row"])]], fisher=False)
            bound = 4 * np.sqrt(2) * np.sqrt((kurtosis - 1) / (4 * draws.shape[0]))
            assert abs(table.loc[(r["col"], r["row"]), "se"] / r["boot_sd"] - 1) < bound
            compared += 1
    assert compared == 12 + 23 + 23


def test_every_estimate_is_bootstrapped(booted):
    columns = ["se", "t", "p_value", "ci_low", "ci_high"]
    assert list(booted.table.columns) == ["lhs", "op", "rhs", "estimate", *columns]
    single_item = booted.table["op"].isin(["=~", "<~"]) & (booted.table["rhs"] == "CUSCO")
    multi = booted.table[~single_item]
    assert multi[columns].notna().all().all()
    assert (multi["ci_low"] < multi["estimate"]).all() and (multi["estimate"] < multi["ci_high"]).all()
    assert booted.r2[columns].notna().all().all()
    effects = booted.effects()
    assert set(effects["effect"]) == {"direct", "indirect", "total"}
    assert effects[columns].notna().all().all()
    assert booted.assess().htmt_ci[["ci_low", "ci_high"]].notna().all().all()
    single = booted.table[single_item]
    assert (single["se"] == 0).all() and single["t"].isna().all()


def test_t_and_p_follow_from_the_bootstrap_se(booted):
    t = booted.table
    assert np.allclose(t["t"].dropna(), (t["estimate"] / t["se"])[t["t"].notna()])
    assert np.allclose(t["p_value"].dropna(), 2 * stats.norm.sf(np.abs(t["t"].dropna())))


def test_draws_are_fits_to_the_resampled_rows(booted):
    """A draw's statistics equal a full fit to its resampled rows (correlations from row
    frequencies, and the warm start, change nothing beyond the iteration tolerance)."""
    mobi = data("ecsi_mobile")
    rows = np.random.default_rng(BOOT["seed"]).integers(0, len(mobi), size=(3, len(mobi)))
    for d in range(3):
        refit = pls.fit(ECSI, mobi.iloc[rows[d]].reset_index(drop=True))
        assert np.abs(booted._boot.draws[d] - refit._estimate).max() < 1e-7


def test_mean_replacement_happens_inside_every_draw():
    corp = data("corporate_reputation")
    model = seminr_reference()["fits"]["corp_rep_mean"]["model"]
    res = pls.fit(model, corp, bootstrap=20, seed=5, progress=False)
    rows = np.random.default_rng(5).integers(0, len(corp), size=(2, len(corp)))
    for d in range(2):
        refit = pls.fit(model, corp.iloc[rows[d]].reset_index(drop=True))  # mean replacement of that resample
        assert np.abs(res._boot.draws[d] - refit._estimate).max() < 1e-7


def test_seeded_and_the_same_with_one_or_two_workers(monkeypatch):
    mobi = data("ecsi_mobile")
    two = pls.fit(ECSI, mobi, bootstrap=300, seed=11, progress=False)
    again = pls.fit(ECSI, mobi, bootstrap=300, seed=11, progress=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    one = pls.fit(ECSI, mobi, bootstrap=300, seed=11, progress=False)
    other = pls.fit(ECSI, mobi, bootstrap=300, seed=12, progress=False)
    assert np.array_equal(two._boot.draws, one._boot.draws)
    pd.testing.assert_frame_equal(two.table, again.table)
    pd.testing.assert_frame_equal(two.table, one.table)
    assert not np.allclose(two.table["se"], other.table["se"])


def _pid(chunk) -> tuple[int, int]:
    time.sleep(0.05)  # long enough that both processes take chunks
    return chunk[0], os.getpid()


@pytest.mark.skipif(not os.sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2, reason="forks on Linux")
def test_the_work_is_shared_by_two_processes():
    results = resampling.map_chunks(_pid, [[i] for i in range(12)], progress=False)
    assert [chunk for chunk, _ in results] == list(range(12))  # in order, whoever did the work
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 2  # this process and one forked child share the chunks
    assert resampling.map_chunks(_pid, [[0]] * 3, progress=False, workers=1) == [(0, os.getpid())] * 3


def _fail(chunk):
    if chunk == [3]:
        raise ValueError("chunk 3 failed")
    return chunk


def test_an_error_in_the_child_reaches_the_caller():
    with pytest.raises(ValueError, match="chunk 3 failed"):
        resampling.map_chunks(_fail, [[0], [1], [2], [3]], progress=False)
    assert resampling.map_chunks(_fail, [[0], [1], [2]], progress=False) == [[0], [1], [2]]


def test_bca_interval_is_efrons(booted):
    """BCa by hand (Efron & Tibshirani, 1993, ch. 14) from the same draws and a jackknife
    computed by refitting the model without each row."""
    mobi = data("ecsi_mobile")
    res = pls.fit(ECSI, mobi, bootstrap=1000, seed=BOOT["seed"], ci="bca", progress=False)
    boot = res._boot
    assert np.array_equal(boot.draws, booted._boot.draws)
    for i in (0, 17, 249):
        loo = pls.fit(ECSI, mobi.drop(index=mobi.index[i]).reset_index(drop=True))
        assert np.abs(boot.jackknife[i] - loo._estimate).max() < 1e-7
    labels = res._statistics.labels
    for k in labels.index[labels["kind"].isin(["path", "total", "r2"])][:12]:
        theta, draws, jack = boot.estimate[k], boot.draws[:, k], boot.jackknife[:, k]
        z0 = stats.norm.ppf(np.mean(draws < theta))
        u = jack.mean() - jack
        a = (u**3).sum() / (6 * ((u**2).sum()) ** 1.5)
        bounds = []
        for z in stats.norm.ppf([0.025, 0.975]):
            bounds.append(np.quantile(draws, stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))))
        row = labels.loc[k]
        if row["kind"] == "path":
            got = res.table.set_index(["op", "lhs", "rhs"]).loc[("~", row["lhs"], row["rhs"])]
        elif row["kind"] == "total":
            got = res.effects().set_index(["effect", "outcome", "predictor"]).loc[("total", row["lhs"], row["rhs"])]
        else:
            got = res.r2.set_index("construct").loc[row["lhs"]]
        assert got["ci_low"] == pytest.approx(bounds[0], abs=1e-12)
        assert got["ci_high"] == pytest.approx(bounds[1], abs=1e-12)
    assert not np.allclose(res.table["ci_low"], booted.table["ci_low"])


def test_failed_draws_are_left_out_with_a_warning():
    rng = np.random.default_rng(3)
    n = 40
    f = rng.normal(size=n)
    frame = pd.DataFrame({"a1": f + rng.normal(size=n), "a2": f + rng.normal(size=n),
                          "b1": f + rng.normal(size=n), "b2": np.r_[np.zeros(n - 1), 1.0]})
    with pytest.warns(pls.BootstrapWarning, match=r"bootstrap draws were left out \(weights that did not converge, "
                                                  r"or an indicator constant in the resample\)"):
        res = pls.fit("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A", frame, bootstrap=100, seed=1, progress=False)
    assert 0 < res.bootstrap_failed < 100
    assert res.bootstrap_draws + res.bootstrap_failed == 100
    assert any(p.startswith("BootstrapWarning:") for p in res.problems)


def test_progress_bar_only_when_asked(capsys):
    mobi = data("ecsi_mobile")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pls.fit(ECSI, mobi, bootstrap=20, seed=1)  # stderr is not a terminal under pytest: quiet
    assert "bootstrap" not in capsys.readouterr().err
    pls.fit(ECSI, mobi, bootstrap=300, seed=1, progress=True)  # 3 chunks: this process 2, the child 1
    assert "300/300" in capsys.readouterr().err
