"""lavaan's auto.fix.single: a factor with one indicator takes that indicator's residual
variance as 0, unless the model writes it (tests/reference/lavaan_single_indicator.R, lavaan
0.6.14 sem() on the corporate reputation survey: ML, MLR, and a user-written residual)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxstats import sem

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "lavaan_single_indicator.json").read_text())


@pytest.fixture(scope="module")
def data():
    raw = pd.read_csv(REF_DIR.parents[1] / REF["data"]).replace(-99, np.nan)
    return raw[REF["items"]].dropna()


@pytest.mark.parametrize("name", list(REF["cases"]))
def test_single_indicator_matches_lavaan(data, name):
    case = REF["cases"][name]
    assert len(data) == REF["nobs"]
    result = sem.fit(case["model"], data, estimator=case["estimator"])
    fm = result.fit_measures
    assert fm["npar"] == case["fit"]["npar"] and fm["df"] == case["fit"]["df"]
    assert fm["chisq"] == pytest.approx(case["fit"]["chisq"], rel=1e-6)
    merged = pd.DataFrame(case["partable"]).merge(result.table, on=["lhs", "op", "rhs"], how="inner",
                                                  validate="one_to_one")
    assert len(merged) == len(case["partable"])
    np.testing.assert_allclose(merged["estimate"], merged["est"], atol=1e-4)
    np.testing.assert_allclose(merged["se_x"], merged["se_y"], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(merged["std_all_x"], merged["std_all_y"], atol=1e-4)
    residual = result.table.query("lhs == 'cusa' and op == '~~' and rhs == 'cusa'").iloc[0]
    assert bool(residual["free"]) == (name == "user_residual")
