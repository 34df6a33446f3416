"""Reference fits from lavaan 0.6.14 (tests/reference) and the data they used."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "reference"


@cache
def reference(case: str, fit: str = "default") -> dict:
    return json.loads((REFERENCE / f"{case}.json").read_text())["fits"][fit]


@cache
def _csv(path: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / path)


def reference_data(case: str, fit: str = "default") -> pd.DataFrame:
    return _csv(reference(case, fit)["data_file"]).copy()


def lavaan_table(case: str, fit: str = "default") -> pd.DataFrame:
    table = pd.DataFrame(reference(case, fit)["parameters"])
    table["rhs"] = table["rhs"].str.replace(" ", "")
    return table


@pytest.fixture
def hs() -> pd.DataFrame:
    return reference_data("lavaan_hs_cfa")


@pytest.fixture
def poldem() -> pd.DataFrame:
    return reference_data("lavaan_poldem")
