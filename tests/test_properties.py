"""Property-based tests: malformed data at the public API give a clear error or a valid result.

Hypothesis builds small survey and purchase frames and damages them (a column all
missing, an infinite or a text cell, a constant or duplicated column, answers off the
scale, scattered gaps, too few rows). Every public function must then either raise a
``CxStatsError`` (a ``ValueError``) or ``TypeError`` of cxstats, never a numpy/pandas
internal exception, or return a result whose headline numbers are finite unless a
cxstats warning said why not.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import cxstats  # noqa: E402
from cxstats import pls, sem  # noqa: E402
from cxstats import CxStatsError, CxStatsWarning  # noqa: E402

COLUMNS = ["c1", "c2", "c3", "c4", "y"]
DAMAGE = ["none", "all_missing", "infinite", "text", "number_text", "constant", "duplicated", "off_scale",
          "fraction", "gaps", "few_rows", "bool"]
PURCHASE_DAMAGE = ["none", "future", "missing_date", "text_date", "negative", "text_amount", "infinite", "missing_id",
                   "duplicated_rows", "duplicated_column", "numeric_date"]
SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def survey(draw, damage: str) -> tuple[pd.DataFrame, str, str]:
    """A 1-5 rating frame (correlated items) with ``damage`` applied to c1 or c2 (used by every call)."""
    n = draw(st.integers(min_value=8, max_value=60))
    seed = draw(st.integers(min_value=0, max_value=2**16))
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=n)
    values = np.clip(np.round(3 + trait[:, None] + rng.normal(0, 0.8, (n, len(COLUMNS)))), 1, 5)
    frame = pd.DataFrame(values, columns=COLUMNS)
    column = draw(st.sampled_from(["c1", "c2"]))
    row = draw(st.integers(min_value=0, max_value=n - 1))
    if damage == "all_missing":
        frame[column] = np.nan
    elif damage == "infinite":
        frame.loc[row, column] = draw(st.sampled_from([np.inf, -np.inf]))
    elif damage == "text":
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = draw(st.sampled_from(["5 - very good", "n/a", "x"]))
    elif damage == "number_text":
        frame[column] = frame[column].astype(int).astype(str)
    elif damage == "constant":
        frame[column] = 3.0
    elif damage == "duplicated":
        frame = pd.concat([frame, frame[[column]]], axis=1)
    elif damage == "off_scale":
        frame.loc[row, column] = draw(st.sampled_from([0.0, 7.0, 99.0, -1.0]))
    elif damage == "fraction":
        frame.loc[row, column] = draw(st.sampled_from([4.5, 1.25]))
    elif damage == "gaps":
        frame = frame.mask(rng.random(frame.shape) < draw(st.floats(0.05, 0.6)))
    elif damage == "few_rows":
        frame = frame.head(draw(st.integers(0, 3)))
    elif damage == "bool":
        frame[column] = frame[column] > 3
    return frame, damage, column


def _loud(case, used: list[str], *, scale: bool = False, points: bool = False) -> bool:
    """Whether the damage must give an error: an empty, infinite, text or repeated column among
    ``used`` (a repeated name anywhere), with a declared ``scale`` an answer off it, and where
    whole scale ``points`` are counted a fractional answer."""
    _, damage, column = case
    return (damage == "duplicated" or (column in used and damage in ("all_missing", "infinite", "text"))
            or (scale and column in used and damage == "off_scale")
            or (points and column in used and damage == "fraction"))


def _outcome(call, headline, must_raise: bool = False) -> None:
    """``call()`` raises a cxstats error or returns a result whose ``headline`` numbers are finite
    (or NaN with a cxstats warning); with ``must_raise``, a result is a silent wrong answer."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except (CxStatsError, TypeError) as error:
            text = str(error)
            # a capital (or a number, a quoted name, or the function's name and a colon) first
            assert not text[:1].islower() or text.split(":")[0].replace(".", "_").isidentifier(), text
            assert text.rstrip().endswith((".", ".)")) or "\n" in text, text
            assert "\x1b" not in text
            return
    assert not must_raise, f"a result instead of an error: {headline(result)}"
    numbers = np.asarray(headline(result), dtype=float)
    told = [w for w in caught if issubclass(w.category, CxStatsWarning)]
    assert np.isfinite(numbers).all() or told, (numbers, [str(w.message) for w in caught])


@pytest.mark.parametrize("damage", DAMAGE)
@SETTINGS
@given(data=st.data())
def test_reliability(damage, data):
    case = data.draw(survey(damage))
    frame = case[0]
    _outcome(lambda: cxstats.reliability(frame, {"A": ["c1", "c2", "c3"]}), lambda r: r.table["alpha"],
             _loud(case, ["c1", "c2", "c3"]))


@pytest.mark.parametrize("damage", DAMAGE)
@SETTINGS
@given(data=st.data())
def test_nps_and_top_box(damage, data):
    case = data.draw(survey(damage))
    frame = case[0]
    _outcome(lambda: cxstats.nps(frame, "c1", min_base=5),
             lambda r: r.table.loc[~r.table["suppressed"], ["nps", "ci_low", "ci_high"]])
    _outcome(lambda: cxstats.top_box(frame, ["c1", "c2"], scale=(1, 5), min_base=5),
             lambda t: t.loc[~t["suppressed"], ["pct_top", "ci_low", "ci_high"]],
             _loud(case, ["c1", "c2"], scale=True, points=True))


@pytest.mark.parametrize("damage", DAMAGE)
@SETTINGS
@given(data=st.data())
def test_driver_regression_and_relative_importance(damage, data):
    case = data.draw(survey(damage))
    frame = case[0]
    drivers = ["c1", "c2", "c3"]
    _outcome(lambda: cxstats.driver_regression(frame, "y", drivers, se="HC3"),
             lambda r: r.table[["estimate", "se", "p_value"]], _loud(case, ["y", *drivers]))
    _outcome(lambda: cxstats.relative_importance(frame, "y", drivers), lambda r: r.table[["lmg", "share"]],
             _loud(case, ["y", *drivers]))
    _outcome(lambda: cxstats.importance_performance(frame, "y", drivers, scale=(1, 5)),
             lambda r: r.table[["importance", "performance"]], _loud(case, ["y", *drivers]) or _loud(
                 case, drivers, scale=True))


@pytest.mark.parametrize("damage", DAMAGE)
@SETTINGS
@given(data=st.data())
def test_satisfaction_index(damage, data):
    case = data.draw(survey(damage))
    frame = case[0]
    _outcome(lambda: cxstats.satisfaction_index(frame, ["c1", "c2", "c3"], scale=(1, 5)),
             lambda r: r.table[["estimate", "ci_low", "ci_high"]], _loud(case, ["c1", "c2", "c3"], scale=True))


@pytest.mark.parametrize("damage", DAMAGE)
@SETTINGS
@given(data=st.data())
def test_sem_fit(damage, data):
    case = data.draw(survey(damage))
    frame = case[0]
    _outcome(lambda: sem.fit("A =~ c1 + c2 + c3", frame), lambda r: r.table["estimate"],
             _loud(case, ["c1", "c2", "c3"]))


@pytest.mark.parametrize("damage", DAMAGE)
@SETTINGS
@given(data=st.data())
def test_pls_fit(damage, data):
    case = data.draw(survey(damage))
    frame = case[0]
    _outcome(lambda: pls.fit("A =~ c1 + c2\nB =~ c3 + c4\nB ~ A", frame), lambda r: r.table["estimate"],
             _loud(case, ["c1", "c2", "c3", "c4"]))


@st.composite
def purchases(draw, damage: str) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=40))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    frame = pd.DataFrame({
        "customer_id": rng.integers(1, 8, n),
        "date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")).astype(object),
        "amount": np.round(rng.gamma(2.0, 20.0, n), 2),
    })
    row = draw(st.integers(0, n - 1))
    if damage == "future":
        frame.loc[row, "date"] = pd.Timestamp("2099-03-30")
    elif damage == "missing_date":
        frame.loc[row, "date"] = None
    elif damage == "text_date":
        frame.loc[row, "date"] = "last tuesday"
    elif damage == "negative":
        frame.loc[row, "amount"] = -5.0
    elif damage == "text_amount":
        frame["amount"] = frame["amount"].astype(object)
        frame.loc[row, "amount"] = "12,50 EUR"
    elif damage == "infinite":
        frame.loc[row, "amount"] = np.inf
    elif damage == "missing_id":
        frame["customer_id"] = frame["customer_id"].astype(float)
        frame.loc[row, "customer_id"] = np.nan
    elif damage == "duplicated_rows":
        frame = pd.concat([frame, frame.iloc[[row]]], ignore_index=True)
    elif damage == "duplicated_column":
        frame = pd.concat([frame, frame[["amount"]]], axis=1)
    elif damage == "numeric_date":
        frame["date"] = np.arange(n)
    return frame


@pytest.mark.parametrize("damage", PURCHASE_DAMAGE)
@SETTINGS
@given(data=st.data())
def test_rfm_and_purchase_summary(damage, data):
    frame = data.draw(purchases(damage))
    loud = damage not in ("none", "duplicated_rows")
    _outcome(lambda: cxstats.rfm(frame), lambda r: r.table[["recency_days", "frequency", "monetary"]], loud)
    _outcome(lambda: cxstats.purchase_summary(frame), lambda r: r.table[["n"]], loud)
    if damage == "duplicated_rows":
        with pytest.warns(cxstats.DuplicateTransactionsWarning):
            cxstats.purchase_summary(frame)
