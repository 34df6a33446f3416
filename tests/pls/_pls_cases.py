"""Reference numbers from PyPI seminr 0.2.1 (tests/reference/pls_seminr.py) and the fits they check."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

import cxstats
import cxstats.pls as pls

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "pls_seminr.json"
FITS = ("ecsi", "ecsi_plsc", "ecsi_factorial", "ecsi_image_formative", "corp_rep_mean", "corp_rep_listwise")


@cache
def seminr_reference() -> dict:
    return json.loads(REFERENCE.read_text())


@cache
def dataset(name: str) -> pd.DataFrame:
    return cxstats.load_dataset(name).data


def data(name: str) -> pd.DataFrame:
    return dataset(name).copy()


@cache
def reference_fit(name: str) -> pls.PLSResult:
    """cxstats' fit of a reference case, with the options seminr used."""
    case = seminr_reference()["fits"][name]
    options = case["options"]
    return pls.fit(case["model"], data(case["dataset"]), scheme=options["scheme"],
                   consistent=options.get("consistent", False), missing=options.get("missing", "mean"))


ECSI = seminr_reference()["fits"]["ecsi"]["model"]
