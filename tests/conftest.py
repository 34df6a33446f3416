"""Shared fixtures: a small codebook and data that satisfy it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import cxstats  # noqa: E402

# the scripts that wrote tests/reference/*.json need their reference packages (lifetimes, seminr), not the tests'
collect_ignore_glob = ["reference/*.py"]


@pytest.fixture
def codebook() -> cxstats.Codebook:
    return cxstats.Codebook.from_dict({
        "dataset": {"name": "toy", "id": "resp", "groups": ["segment"]},
        "constructs": {"SAT": "Satisfaction", "LOY": "Loyalty"},
        "items": [
            {"name": "SAT1", "construct": "SAT", "scale": [1, 7], "missing": [-99],
             "labels": {1: "Strongly disagree", 4: "Neutral", 7: "Strongly agree"}},
            {"name": "SAT2", "construct": "SAT", "scale": [1, 7], "reverse": True},
            {"name": "LOY1", "construct": "LOY", "scale": [0, 10]},
        ],
        "variables": [
            {"name": "resp", "role": "id", "kind": "integer"},
            {"name": "segment", "role": "group", "kind": "category", "labels": {1: "new", 2: "old"}},
        ],
    })


@pytest.fixture
def good_data() -> pd.DataFrame:
    return pd.DataFrame({
        "resp": [101, 102, 103, 104, 105],
        "segment": [1, 1, 2, 2, 2],
        "SAT1": [7, 5, -99, 2, 6],
        "SAT2": [1, 3, 4, 6, 2],
        "LOY1": [10, 8, 0, 3, 9],
    })
