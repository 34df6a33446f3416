"""Modification indices of a multigroup model against lavaan 0.6.14
(tests/reference/lavaan_modindices_groups.R: the HS CFA by school with equal loadings)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import cxstats.sem as sem
from conftest import REFERENCE, ROOT


def test_multigroup_modification_indices_match_lavaan():
    ref = json.loads((REFERENCE / "lavaan_modindices_groups.json").read_text())
    data = pd.read_csv(ROOT / ref["data_file"])
    result = sem.fit(ref["model"], data, group=ref["group"], group_equal=[ref["group_equal"]])
    ours = result.modindices(sort=False)
    lav = pd.DataFrame(ref["modindices"]).rename(columns={"group_label": "group"})
    joined = ours.merge(lav, on=["lhs", "op", "rhs", "group"], how="outer", indicator=True, suffixes=("", "_lav"))
    assert (joined["_merge"] == "both").all(), joined.loc[joined["_merge"] != "both", ["lhs", "op", "rhs", "group"]]
    assert len(joined) == len(lav) == 114
    assert np.allclose(joined["mi"], joined["mi_lav"], rtol=1e-3, atol=1e-4)
    assert np.allclose(joined["epc"], joined["epc_lav"], rtol=1e-3, atol=1e-4)
    assert np.allclose(joined["sepc_all"], joined["sepc.all"], rtol=1e-3, atol=1e-4)
    top = result.modindices().iloc[0]
    assert (top["lhs"], top["op"], top["rhs"], top["group"]) == ("visual", "=~", "x9", "Grant-White")


def test_one_group_modification_indices_have_no_group_column(hs):
    table = sem.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs).modindices()
    assert list(table.columns) == ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"]


def test_fiml_models_have_no_modification_indices(hs):
    result = sem.fit("visual =~ x1 + x2 + x3", hs, missing="fiml")
    with pytest.raises(sem.ModelSpecificationError, match=r"modindices\(\) needs complete data"):
        result.modindices()
