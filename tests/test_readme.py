"""The README's Python example runs as printed, and its codebook example is complete and loads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml

import cxstats

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.M | re.S)


def test_the_readme_has_one_python_example_and_one_codebook_example():
    assert len(_blocks("python")) == 1 and len(_blocks("yaml")) == 1


@pytest.mark.filterwarnings("ignore::cxstats.CxStatsWarning")  # warnings are part of what the example shows
def test_the_python_example_runs_verbatim(tmp_path, monkeypatch, capsys):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # it must not depend on the folder it is run from
    namespace: dict = {"__name__": "__readme__"}
    exec(compile(_blocks("python")[0], str(README), "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    assert isinstance(namespace["mobi"], cxstats.Survey)
    assert "Customer satisfaction" in printed and "Customer loyalty" in printed  # labels reach the summaries
    ladder = namespace["ladder"]
    assert ladder.noninvariant_items and all(f"{ladder.labels[i]}" in printed for i in ladder.noninvariant_items)
    assert namespace["res"].bootstrap_draws == 200


def test_the_codebook_example_uses_every_key_the_loader_reads():
    raw = yaml.safe_load(_blocks("yaml")[0])
    assert set(raw) == {"dataset", "constructs", "items", "variables"}
    codebook_fields = {f.name for f in dataclasses.fields(cxstats.Codebook)} - {"items", "variables", "constructs"}
    assert set(raw["dataset"]) == codebook_fields
    item_fields = {f.name for f in dataclasses.fields(cxstats.Item)}
    assert all(set(item) == item_fields for item in raw["items"])
    variable_fields = {f.name for f in dataclasses.fields(cxstats.Variable)}
    assert all(set(variable) == variable_fields for variable in raw["variables"])


def test_the_codebook_example_reads_a_matching_file(tmp_path):
    (tmp_path / "wave3.codebook.yaml").write_text(_blocks("yaml")[0], encoding="utf-8")
    pd.DataFrame({"respondent": [1, 2, 3, 4], "country": [1, 1, 2, 2], "SAT1": [7, 5, 99, 2],
                  "SAT2": [1, 3, 4, 7], "LOY1": ["Extremely likely", 8, 0, 3]}).to_csv(tmp_path / "wave3.csv",
                                                                                   index=False)
    survey = cxstats.read_survey(tmp_path / "wave3.csv")
    assert survey.provenance.codebook_origin == str(tmp_path / "wave3.codebook.yaml")
    assert survey.data["SAT1"].isna().tolist() == [False, False, True, False]  # 99 means no answer
    assert survey.data["SAT2"].tolist() == [7.0, 5.0, 4.0, 1.0]  # reverse-worded: 8 - x
    assert survey.data["LOY1"].tolist() == [10.0, 8.0, 0.0, 3.0]  # a value label read back as its code
    assert survey.labels["SAT1"] == "Overall satisfaction" and survey.labels["LOY"] == "Loyalty"
    assert survey.scores(["SAT"])["SAT"].tolist() == [7.0, 5.0, 4.0, 1.5]
