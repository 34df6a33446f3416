"""Every plain summary reads as a careful statistician would say it: no negative zero, no
p = 0 or scientific notation, no raw NaN, no "and 2 more", base sizes given."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import cxstats
import cxstats.pls as pls
import cxstats.sem as sem

REFERENCE = Path(__file__).resolve().parent / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
BAD = {
    "negative zero": re.compile(r"[−-]0(?:\.0+)?(?![.\d])"),
    "p = 0": re.compile(r"p = 0(?![.\d])|p = 0\.0+(?!\d)"),
    "scientific notation": re.compile(r"\d[eE][-+]?\d"),
    "missing value": re.compile(r"\bnan\b|\bNaN\b|\bNone\b"),
    "names left out": re.compile(r"and \d+ more"),
    "Python repr": re.compile(r"np\.float|Timestamp\(|\bTrue\b|\bFalse\b"),
}


def _clean(text: str) -> list[str]:
    return [f"{what}: {m.group(0)!r} in {text[max(m.start() - 40, 0):m.end() + 40]!r}"
            for what, pattern in BAD.items() for m in pattern.finditer(text)]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    data = cxstats.simulate_cx_panel(300, seed=5).data
    return data.assign(SAT=data[["SAT1", "SAT2", "SAT3"]].mean(axis=1), EMO=data[["EMO1", "EMO2", "EMO3"]].mean(axis=1))


def _summaries(panel: pd.DataFrame):
    yield "nps", cxstats.nps(panel, "REC", group="country").plain_summary()
    yield "importance", cxstats.relative_importance(panel, "SAT", ["TAN1", "REL1", "EMO1"]).plain_summary()
    km = cxstats.kaplan_meier(panel, "tenure_months", "churned", group="country")
    yield "kaplan-meier", km.plain_summary(horizon=24, time_unit="months")
    yield "cox", cxstats.cox_model(panel, "tenure_months", "churned", ["EMO", "country"]).plain_summary()
    yield "claim", cxstats.test_claim(panel, "20% lower churn", group=panel["EMO"] > panel["EMO"].median(),
                                      event="churned", time="tenure_months", horizon=24).plain_summary()
    shop = cxstats.simulate_cx_panel(150, seed=5, value_outcomes=True).data
    happy = shop[["EMO1", "EMO2", "EMO3"]].mean(axis=1) > 4.5
    yield "value claim", cxstats.test_claim(shop, "23% higher lifetime value", group=happy, outcome="spend_12m",
                                            outcome_label="12-month spend").plain_summary()
    yield "repurchase claim", cxstats.test_claim(shop, "2x more likely to repurchase", group=happy,
                                                 outcome="repurchased").plain_summary()
    yield "loyalty", cxstats.loyalty_index(panel, satisfaction=["SAT1", "SAT2", "SAT3"], scale=(1, 7),
                                           churned="churned", recommend="REC", group="country").plain_summary()
    cdnow = cxstats.load_dataset("cdnow_transactions").data
    yield "rfm", cxstats.rfm(cdnow, duplicates="keep").plain_summary()  # CDNOW repeats 21 rows: real repeat buys
    yield "purchases", cxstats.purchase_summary(cdnow, duplicates="keep").plain_summary()
    yield "period rates", cxstats.period_rates(cdnow, "customer_id", "date").plain_summary()
    hs = pd.read_csv(REFERENCE / "data" / "holzinger_swineford.csv")
    yield "sem", sem.fit(HS + "speed ~ visual + textual", hs).plain_summary("speed")
    yield "invariance", sem.invariance(HS, hs, group="school").plain_summary()
    yield "compare", sem.compare(sem.fit(HS, hs, estimator="MLR"), sem.fit(HS + "visual =~ x9", hs, estimator="MLR"),
                                 sem.fit(HS.replace("x2 + x3", "a*x2 + a*x3"), hs, estimator="MLR")).plain_summary()
    mobi = cxstats.load_dataset("ecsi_mobile")
    model = ("IMAG =~ IMAG1 + IMAG2 + IMAG3\nCUSA =~ CUSA1 + CUSA2 + CUSA3\nCUSL =~ CUSL1 + CUSL2 + CUSL3\n"
             "CUSA ~ IMAG\nCUSL ~ CUSA + IMAG")
    fit = pls.fit(model, mobi.data)
    yield "pls index", pls.index_scores(fit, codebook=mobi.codebook).plain_summary(labels=mobi.codebook)
    yield "pls predict", pls.predict(fit, folds=5, repetitions=1, seed=1).plain_summary(labels=mobi.codebook)


def test_plain_summaries_have_no_raw_numbers_or_hidden_names(panel):
    problems = {name: _clean(str(text)) for name, text in _summaries(panel)}
    assert {name: found for name, found in problems.items() if found} == {}
    assert len(problems) == 16


@pytest.mark.parametrize(("text", "what"), [
    ("NPS −0 (95% CI", "negative zero"), ("changes by -0.000,", "negative zero"), ("p = 0.000", "p = 0"),
    ("p = 1.4e-55", "scientific notation"), ("items x1, x2 and 3 more", "names left out"), ("scores nan", "missing value"),
])
def test_the_checks_catch_what_they_look_for(text, what):
    assert any(found.startswith(what) for found in _clean(text))


def test_the_checks_pass_careful_numbers():
    assert _clean("NPS +20 (95% CI +1 to +39; 100 answers), p < .001, CFI changes by 0.000, RMSEA by −0.004") == []


def test_sem_explained_shares_and_indirect_effects_read_cleanly():
    data = pd.read_csv(REFERENCE / "data" / "cx_panel_mediation.csv")
    model = ("REL =~ REL1 + REL2 + REL3\nEMO =~ EMO1 + EMO2 + EMO3\nSAT =~ SAT1 + SAT2 + SAT3\n"
             "LOY =~ LOY1 + LOY2 + LOY3\nEMO ~ REL\nSAT ~ EMO + REL\nLOY ~ SAT + EMO")
    fit = sem.fit(model, data)
    shares, effects = fit.explained_shares(), fit.indirect_effects("EMO")
    texts = {"shares": shares.plain_summary(), "statement": shares.statement("SAT", "EMO", claim=0.63),
             "indirect": effects.plain_summary()}
    problems = {name: _clean(str(text)) for name, text in texts.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_cross_lagged_summaries_are_careful():
    panel = cxstats.simulate_cx_waves(200, waves=4, seed=3)
    for builder in (sem.riclpm_syntax, sem.clpm_syntax):
        for equal in (False, True):
            effects = sem.cross_lagged_effects(sem.fit(builder(["QUAL", "LOY"], waves=4, equal_lags=equal), panel.data))
            text = str(effects.plain_summary(labels=panel.labels))
            assert _clean(text) == [], text
            assert "n = 200" in text and "95% CI" in text
