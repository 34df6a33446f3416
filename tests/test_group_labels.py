"""Groups named by the codebook's value labels (corporate_reputation: servicetype 1 = prepaid
plan, 2 = contract plan) in summaries and tables, wherever a result has the codebook."""

from __future__ import annotations

import warnings

import pytest

import cxstats
import cxstats.sem as sem
from cxstats import formatting as fmt
from cxstats._export import readable
from cxstats._validation import labels_from

MODEL = "COMP =~ comp_1 + comp_2 + comp_3\nCUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSL ~ COMP"


@pytest.fixture(scope="module")
def corp() -> cxstats.Survey:
    return cxstats.load_dataset("corporate_reputation")


def test_the_codebook_value_labels_of_the_group_column_join_the_labels(corp):
    declared = {v.name: dict(v.labels) for v in corp.codebook.variables}["servicetype"]
    assert declared == {1.0: "Prepaid plan", 2.0: "Contract plan"}
    labels = labels_from(corp, group="servicetype")
    assert {k: labels[k] for k in ("1", "2", "1.0", "2.0")} == {"1": "Prepaid plan", "2": "Contract plan",
                                                                "1.0": "Prepaid plan", "2.0": "Contract plan"}
    assert labels["CUSL"] == "Customer loyalty"  # the codebook's own labels stay
    assert "1" not in labels_from(corp) and "1" not in labels_from(corp, group="cusl_1")  # no value labels
    assert labels_from(corp.data, group="servicetype") == {}  # a bare DataFrame has no codebook


def test_sem_and_invariance_summaries_and_tables_name_the_groups(corp):
    result = sem.fit(MODEL, corp, group="servicetype")
    text = str(result.plain_summary("CUSL"))
    assert "respondents: Contract plan 212, Prepaid plan 124)" in text
    assert "In the group servicetype = Contract plan:" in text
    shown = fmt.table(result.table, columns=["group", "kind", "parameter"], labels=result)
    assert set(shown["Group"]) == {"Contract plan", "Prepaid plan"}
    frame, _ = readable(result._tables()["Parameters"], result.labels)  # the workbook's sheet
    assert set(frame["Group"]) == {"Contract plan", "Prepaid plan"}
    bare = sem.fit(MODEL, corp.data, group="servicetype")  # no codebook: the levels themselves, as numbers
    assert "respondents: 2 212, 1 124)" in str(bare.plain_summary("CUSL"))
    assert set(fmt.table(bare.table, columns=["group"])["Group"]) == {"1", "2"}  # not 1.000

    ladder = sem.invariance("COMP =~ comp_1 + comp_2 + comp_3", corp, group="servicetype")
    assert str(ladder.plain_summary()).startswith(
        "- Groups compared (servicetype): Contract plan (n = 219) and Prepaid plan (n = 125);")


def test_reliability_by_group_names_each_group_and_its_own_weak_items(corp):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CUSL's one-factor model in the prepaid group is a Heywood case
        result = cxstats.reliability(corp, constructs=["COMP", "CUSL"], group="servicetype")
    lines = str(result.plain_summary()).splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("- **")] == [
        "- **Competence** (Prepaid plan)", "- **Customer loyalty** (Prepaid plan)",
        "- **Competence** (Contract plan)", "- **Customer loyalty** (Contract plan)"]
    assert fmt.table(result.table, columns=["group", "construct"], labels=result)["Group"].tolist() == [
        "Prepaid plan", "Prepaid plan", "Contract plan", "Contract plan"]
    flipped = corp.data.assign(comp_3=8 - corp.data["comp_3"].where(corp.data["servicetype"] == 1,
                                                                    8 - corp.data["comp_3"]))
    with pytest.warns(cxstats.ReverseCodingWarning):  # comp_3 runs backwards for prepaid customers only
        one = cxstats.reliability(flipped, {"COMP": ["comp_1", "comp_2", "comp_3"]}, group="servicetype",
                                  factor=False)
    text = str(one.plain_summary())
    assert text.count("comp_3 agrees only weakly") == 1  # listed under its own group, not under both
    assert text.index("(group 1)") < text.index("comp_3 agrees only weakly") < text.index("(group 2)")


def test_nps_summary_and_table_name_the_groups(corp):
    result = cxstats.nps(corp, "cusl_2", group="servicetype")  # a 1-7 answer, read as 0-10 only for the test
    text = str(result.plain_summary())
    assert text.startswith("- **Prepaid plan: NPS ") and "\n- **Contract plan: NPS " in text
    assert "between the highest (Contract plan) and the lowest (Prepaid plan)" in text
    assert fmt.table(result.table, columns=["group", "n"], labels=result)["Group"].tolist() == [
        "Prepaid plan", "Contract plan"]
    as_floats = cxstats.Survey(corp.data.assign(servicetype=corp.data["servicetype"].astype(float)), corp.codebook)
    assert str(cxstats.nps(as_floats, "cusl_2", group="servicetype").plain_summary()).startswith(
        "- **Prepaid plan: NPS ")
    assert str(cxstats.nps(corp.data, "cusl_2", group="servicetype").plain_summary()).startswith("- **1: NPS ")
