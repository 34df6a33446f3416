"""The bootstrap against lavaan 0.6.14's seeded 1000-draw bootstrap of the PolDem mediation.

Intervals are checked exactly on lavaan's own draws (so percentile and bias-corrected
code is compared without Monte-Carlo noise); our own draws are checked within
Monte-Carlo error of lavaan's SEs.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import lavaan_table, reference, reference_data

import cxstats.sem as sem
from cxstats.sem._bootstrap import BootstrapDraws

CASE, FIT = "lavaan_mediation", "bootstrap"


@pytest.fixture(scope="module")
def standard() -> sem.SEMResult:
    return sem.fit(reference(CASE, FIT)["model"], reference_data(CASE, FIT))


@pytest.fixture(scope="module")
def booted() -> sem.SEMResult:
    return sem.fit(reference(CASE, FIT)["model"], reference_data(CASE, FIT), se="bootstrap", bootstrap=1000, seed=7)


def _lavaan_draws(result: sem.SEMResult) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's draws in our parameter order, with the := parameters appended; and its estimates."""
    ref = reference(CASE, FIT)
    table = result._spec.table
    labels = dict(zip(table["label"], table["free"], strict=True))
    order = []
    for name in ref["boot_draws"]["colnames"]:
        if name in labels:
            order.append(labels[name] - 1)
            continue
        lhs, op, rhs = re.match(r"^(.+?)(=~|~~|~)(.+)$", name).groups()
        row = table[(table["lhs"] == lhs) & (table["op"] == op) & (table["rhs"] == rhs)]
        order.append(int(row["free"].iloc[0]) - 1)
    raw = np.asarray(ref["boot_draws"]["values"], dtype=float)
    draws = np.empty_like(raw)
    draws[:, order] = raw
    lav = lavaan_table(CASE, FIT)
    est = np.zeros(raw.shape[1])
    for i, name in enumerate(ref["boot_draws"]["colnames"]):
        hit = lav[(lav["label"] == name) | ((lav["lhs"] + lav["op"] + lav["rhs"]) == name)]
        est[order[i]] = hit["est"].iloc[0]
    a, b, c = (draws[:, labels[x] - 1] for x in "abc")
    defined = np.column_stack([a * b, c + a * b])
    ea, eb, ec = (est[labels[x] - 1] for x in "abc")
    return np.column_stack([draws, defined]), np.concatenate([est, [ea * eb, ec + ea * eb]])


@pytest.mark.parametrize(("kind", "column"), [("percentile", "parameters"), ("bc", "parameters_bca")])
def test_intervals_on_lavaans_draws_match_lavaan(standard, kind, column):
    draws, estimate = _lavaan_draws(standard)
    boot = BootstrapDraws(draws=draws, estimate=estimate, jackknife=None, n_ok=len(draws), failed=0,
                          ci=kind, ci_level=0.95, message="")
    table = boot.apply(standard.table, standard._spec.table["free"].to_numpy() - 1)
    lavaan = pd.DataFrame(reference(CASE, FIT)[column]).assign(rhs=lambda d: d["rhs"].str.replace(" ", ""))
    merged = table.assign(rhs=table["rhs"].str.replace(" ", "")).merge(lavaan, on=["lhs", "op", "rhs"])
    free = merged["se_y"] > 0
    assert np.allclose(merged.loc[free, "se_x"], merged.loc[free, "se_y"], rtol=1e-10)
    assert np.allclose(merged.loc[free, "ci_low"], merged.loc[free, "ci.lower"], rtol=1e-8, atol=1e-10)
    assert np.allclose(merged.loc[free, "ci_high"], merged.loc[free, "ci.upper"], rtol=1e-8, atol=1e-10)


def test_bootstrap_ses_within_monte_carlo_error_of_lavaan(booted, standard):
    draws, _ = _lavaan_draws(standard)
    lav_se = draws.std(axis=0, ddof=1)
    # SE of a bootstrap SD from B draws: sd * sqrt((kurtosis - 1) / (4B)); two independent runs
    centred = draws - draws.mean(axis=0)
    kurtosis = (centred**4).mean(axis=0) / (centred**2).mean(axis=0) ** 2
    mc = lav_se * np.sqrt((kurtosis - 1) / (4 * len(draws))) * np.sqrt(2)
    ours = np.concatenate([booted.table.loc[booted.table["op"] != ":="].query("free")["se"].to_numpy()[
        np.argsort(standard._spec.table.loc[standard._spec.table["free"] > 0, "free"].to_numpy())],
        booted.table.loc[booted.table["op"] == ":=", "se"].to_numpy()])
    z = (ours - lav_se) / mc
    assert np.abs(z).max() < 4.0, z
    assert booted.bootstrap_draws + booted.bootstrap_failed == 1000
    assert booted.se_type == "bootstrap"


def test_same_seed_same_numbers():
    model, data = reference(CASE, FIT)["model"], reference_data(CASE, FIT)
    a = sem.fit(model, data, se="bootstrap", bootstrap=60, seed=3)
    b = sem.fit(model, data, se="bootstrap", bootstrap=60, seed=3)
    c = sem.fit(model, data, se="bootstrap", bootstrap=60, seed=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["se"], c.table["se"])


def test_point_estimates_do_not_change_with_the_bootstrap(booted, standard):
    assert np.allclose(booted.table["estimate"], standard.table["estimate"])
    defined = booted.table[booted.table["op"] == ":="]
    assert (defined["ci_low"] < defined["estimate"]).all() and (defined["estimate"] < defined["ci_high"]).all()
