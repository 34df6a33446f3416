"""Codebooks: construction, queries and the errors for malformed ones."""

from __future__ import annotations

import pytest

import cxstats
from cxstats import CodebookError


def test_queries(codebook):
    assert codebook.item_names == ("SAT1", "SAT2", "LOY1")
    assert codebook.items_of("SAT") == ("SAT1", "SAT2")
    assert codebook.blocks() == {"SAT": ("SAT1", "SAT2"), "LOY": ("LOY1",)}
    assert codebook.columns == ("SAT1", "SAT2", "LOY1", "resp", "segment")
    assert codebook.item("SAT1").labels[7.0] == "Strongly agree"
    table = codebook.table
    assert list(table["construct_label"]) == ["Satisfaction", "Satisfaction", "Loyalty"]
    assert table.loc[0, "missing_codes"] == "-99"


def test_unknown_construct_and_item_are_named(codebook):
    with pytest.raises(KeyError, match="no items for construct 'VAL'; constructs: SAT, LOY"):
        codebook.items_of("VAL")
    with pytest.raises(KeyError, match="'X9' is not an item"):
        codebook.item("X9")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"construct": "SAT"}, "An item has no 'name' field"),
        ({"name": "SAT1"}, "Item 'SAT1' has no 'construct'"),
        ({"name": "SAT1", "construct": "SAT", "scale": [7]}, r"Item 'SAT1': scale must be \[low, high\]"),
        ({"name": "SAT1", "construct": "SAT", "scale": [7, 1]}, "low end 7 is not below high end 1"),
        ({"name": "SAT1", "construct": "SAT", "reverse": True}, "reverse-coded but has no scale"),
        ({"name": "SAT1", "construct": "SAT", "missing": ["n/a"]}, "missing codes must be numbers"),
        ({"name": "SAT1", "construct": "SAT", "labels": {"low": "x"}}, "value label key 'low' is not a number"),
    ],
)
def test_malformed_items(item, message):
    with pytest.raises(CodebookError, match=message):
        cxstats.Codebook.from_dict({"items": [item]})


def test_malformed_variables_and_structure():
    with pytest.raises(CodebookError, match="role 'respondent'; use one of id, group"):
        cxstats.Codebook.from_dict({"items": [], "variables": [{"name": "r", "role": "respondent"}]})
    with pytest.raises(CodebookError, match="kind 'float'; use one of"):
        cxstats.Codebook.from_dict({"items": [], "variables": [{"name": "r", "kind": "float"}]})
    with pytest.raises(CodebookError, match="needs an 'items' list"):
        cxstats.Codebook.from_dict({"dataset": {"name": "x"}})
    with pytest.raises(CodebookError, match="declares A1 more than once"):
        cxstats.Codebook.from_dict({"constructs": {"A": "A"}, "items": [{"name": "A1", "construct": "A"}] * 2})
    with pytest.raises(CodebookError, match="names 'cid' as id or group column but does not declare it"):
        cxstats.Codebook.from_dict({"dataset": {"id": "cid"}, "constructs": {"A": "A"},
                                    "items": [{"name": "A1", "construct": "A"}]})
    with pytest.raises(CodebookError, match=r"'constructs' must map each construct code to a label"):
        cxstats.Codebook.from_dict({"constructs": ["A"], "items": []})


def test_a_construct_used_by_items_but_never_declared_is_named_with_its_items_and_the_fix():
    raw = {"dataset": {"name": "wave"}, "constructs": {"SAT": "Satisfaction", "LOY": "Loyalty"},
           "items": [{"name": "SAT1", "construct": "SAT"}, {"name": "SAT2", "construct": "SATT"},
                     {"name": "VAL1", "construct": "VAL"}, {"name": "VAL2", "construct": "VAL"}]}
    message = (r"^Codebook 'wave' uses construct\(s\) under items that it never declares under constructs: "
               r"'SATT' \(a typo for 'SAT'\?\), used by item\(s\) 'SAT2'; 'VAL', used by item\(s\) 'VAL1', 'VAL2'\. "
               r"Its constructs section declares SAT, LOY\. Add each construct with a plain label "
               r"\(constructs: \{SATT: <label>, VAL: <label>\}\), or correct the item's construct if it is misspelt\.$")
    with pytest.raises(CodebookError, match=message):
        cxstats.Codebook.from_dict(raw)
    del raw["constructs"]
    with pytest.raises(CodebookError, match=r"Its constructs section declares none\. Add each construct"):
        cxstats.Codebook.from_dict(raw)


def test_a_yaml_codebook_with_an_undeclared_construct_names_the_file(tmp_path):
    path = tmp_path / "wave.codebook.yaml"
    path.write_text("dataset: {name: wave}\nconstructs: {SAT: Satisfaction}\nitems:\n"
                    "  - {name: SAT1, construct: SAT}\n  - {name: LOY1, construct: LOY}\n")
    with pytest.raises(CodebookError, match=r"In codebook file '.*wave.codebook.yaml': .*'LOY', used by item\(s\) 'LOY1'"):
        cxstats.Codebook.from_yaml(path)


@pytest.mark.parametrize("name", cxstats.list_datasets())
def test_every_bundled_codebook_loads_and_declares_its_constructs(name):
    codebook = cxstats.Codebook.from_yaml(cxstats.data_dir() / f"{name}.codebook.yaml")
    assert {item.construct for item in codebook.items} <= set(codebook.constructs)


def test_yaml_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.codebook.yaml"
    bad.write_text("dataset:\n  name: x\nitems:\n  - name: A1\n    construct: [A\n")
    with pytest.raises(CodebookError, match=r"is not valid YAML at line \d+, column \d+"):
        cxstats.Codebook.from_yaml(bad)
    wrong = tmp_path / "wrong.codebook.yaml"
    wrong.write_text("items:\n  - construct: A\n")
    with pytest.raises(CodebookError, match=r"In codebook file '.*wrong.codebook.yaml': An item has no 'name'"):
        cxstats.Codebook.from_yaml(wrong)
    with pytest.raises(CodebookError, match="does not exist"):
        cxstats.Codebook.from_yaml(tmp_path / "absent.yaml")
