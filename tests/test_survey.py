"""cxstats.Survey: data + codebook + provenance, construct scores, labels and display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import cxstats
from cxstats import CxStatsError


def test_load_dataset_and_read_survey_return_a_survey_with_provenance():
    mobi = cxstats.load_dataset("ecsi_mobile")
    assert isinstance(mobi, cxstats.Survey) and cxstats.Dataset is cxstats.Survey
    assert mobi.data.shape == (250, 24) and mobi.codebook.name == "ecsi_mobile"
    prov = mobi.provenance
    assert prov.source.endswith("ecsi_mobile.csv") and prov.codebook_origin.endswith("ecsi_mobile.codebook.yaml")
    assert (prov.rows_read, prov.rows_dropped, prov.columns_dropped, prov.reverse_coded) == (250, 0, (), True)
    survey = cxstats.read_survey(cxstats.data_dir() / "customersat.csv")
    assert survey.provenance.codebook_origin.endswith("customersat.codebook.yaml")
    assert survey.labels["q1"] == "Overall satisfaction" and survey.items("PRICE") == ("q2", "q3", "q4")


def test_provenance_counts_dropped_columns_and_says_where_the_codebook_came_from(tmp_path, codebook, good_data):
    path = tmp_path / "wave.csv"
    good_data.assign(note="x").to_csv(path, index=False)
    survey = cxstats.read_survey(path, codebook, unknown_columns="drop", reverse_code=False)
    assert survey.provenance.source == str(path) and survey.provenance.codebook_origin == "given in code"
    assert survey.provenance.columns_dropped == ("note",) and survey.provenance.rows_read == 5
    assert survey.provenance.reverse_coded is False
    html = survey._repr_html_()
    assert "5 rows read, 0 dropped; columns dropped: note; reversed items as in the file" in html
    assert "Satisfaction</b> <small>(SAT)</small>" in html and "[reversed]" in html
    assert repr(survey) == f"Survey('toy': 5 rows, 3 items in 2 constructs; from {path})"


def test_scores_reverse_code_whether_or_not_the_items_were_recoded_on_load(codebook, good_data):
    recoded = cxstats.Survey.from_frame(good_data, codebook)
    as_filed = cxstats.Survey.from_frame(good_data, codebook, reverse_code=False)
    assert as_filed.provenance.reverse_coded is False
    expected = pd.Series([(7 + 7) / 2, (5 + 5) / 2, 4.0, (2 + 2) / 2, (6 + 6) / 2])  # SAT2 on 1-7: 8 - x
    for survey in (recoded, as_filed):
        np.testing.assert_allclose(survey.scores(["SAT"])["SAT"].to_numpy(), expected.to_numpy())
    # respondent 103 answered SAT2 only (SAT1 is -99, missing): no score when two answers are required
    strict = recoded.scores(["SAT"], min_answered=2)["SAT"]
    assert np.isnan(strict.iloc[2]) and strict.notna().sum() == 4
    np.testing.assert_allclose(recoded.scores(["SAT"], method="sum")["SAT"].to_numpy(), 2 * expected.to_numpy())
    # an explicit reverse_coded=False on already recoded data would recode twice: the flag is the caller's word
    twice = cxstats.scale_scores(recoded.data, codebook, ["SAT"], reverse_coded=False)["SAT"]
    assert not np.allclose(twice.to_numpy(), expected.to_numpy())


def test_scores_equal_scale_scores_on_the_bundled_data():
    corp = cxstats.load_dataset("corporate_reputation")
    pd.testing.assert_frame_equal(corp.scores(["CUSL", "COMP"]),
                                  cxstats.scale_scores(corp.data, corp.codebook, ["CUSL", "COMP"]))
    assert corp.scores(["CUSL"])["CUSL"].isna().sum() == 0  # the -99 answers are gaps, not scores
    raw = cxstats.read_table(cxstats.data_dir() / "corporate_reputation.csv")[["cusl_1", "cusl_2", "cusl_3"]]
    incomplete = (raw == -99).any(axis=1)
    assert incomplete.sum() > 0
    assert corp.scores(["CUSL"], min_answered=3)["CUSL"].isna().equals(incomplete)


def test_survey_checks_its_parts():
    book = cxstats.load_dataset("ecsi_mobile").codebook
    with pytest.raises(TypeError, match=r"^Survey: data must be a pandas DataFrame, got list\.$"):
        cxstats.Survey([1, 2], book)
    with pytest.raises(TypeError, match=r"^Survey: codebook must be a cxstats\.Codebook, got dict\. Read a YAML"):
        cxstats.Survey(pd.DataFrame(), {"items": []})
    with pytest.raises(CxStatsError, match="no items for construct"):
        cxstats.load_dataset("ecsi_mobile").scores(["SAT"])


def test_a_yaml_codebook_beside_a_csv_gives_a_survey(tmp_path, good_data):
    good_data.to_csv(tmp_path / "wave.csv", index=False)
    raw = {"dataset": {"name": "wave", "id": "resp"}, "constructs": {"SAT": "Satisfaction", "LOY": "Loyalty"},
           "items": [{"name": "SAT1", "construct": "SAT", "scale": [1, 7], "missing": [-99], "label": "Overall"},
                     {"name": "SAT2", "construct": "SAT", "scale": [1, 7]},
                     {"name": "LOY1", "construct": "LOY", "scale": [0, 10]}],
           "variables": [{"name": "resp", "role": "id"}, {"name": "segment", "role": "group"}]}
    (tmp_path / "wave.codebook.yaml").write_text(yaml.safe_dump(raw))
    survey = cxstats.read_survey(tmp_path / "wave.csv")
    assert survey.constructs == {"SAT": "Satisfaction", "LOY": "Loyalty"}
    assert survey.labels["SAT1"] == "Overall"
