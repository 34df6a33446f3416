"""Reading CSV, TSV, Excel, SPSS and Parquet files through the same validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

import cxstats
from cxstats import CxStatsError, DataValidationError


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".parquet", ".sav"])
def test_every_format_gives_the_same_validated_frame(tmp_path, codebook, good_data, suffix):
    path = tmp_path / f"survey{suffix}"
    if suffix == ".csv":
        good_data.to_csv(path, index=False)
    elif suffix == ".tsv":
        good_data.to_csv(path, index=False, sep="\t")
    elif suffix == ".xlsx":
        good_data.to_excel(path, index=False)
    elif suffix == ".parquet":
        good_data.to_parquet(path)
    else:
        pyreadstat.write_sav(good_data, str(path))
    out = cxstats.read_survey(path, codebook).data
    expected = cxstats.validate(good_data, codebook)
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)


def test_codebook_beside_the_file_is_found(tmp_path, good_data):
    good_data.to_csv(tmp_path / "wave1.csv", index=False)
    raw = {"dataset": {"name": "wave1", "id": "resp"}, "constructs": {"SAT": "Satisfaction", "LOY": "Loyalty"},
           "items": [{"name": c, "construct": c[:3], "scale": [-99, 10]} for c in ("SAT1", "SAT2", "LOY1")],
           "variables": [{"name": "resp", "role": "id"}, {"name": "segment", "role": "group"}]}
    (tmp_path / "wave1.codebook.yaml").write_text(yaml.safe_dump(raw))
    out = cxstats.read_survey(tmp_path / "wave1.csv")
    assert out.data.shape == (5, 5) and out.provenance.codebook_origin == str(tmp_path / "wave1.codebook.yaml")


def test_spss_value_labels_and_user_missing_become_a_codebook(tmp_path):
    data = pd.DataFrame({"SAT_1": [1.0, 2.0, 5.0, 9.0], "SAT_2": [2.0, 2.0, 4.0, 5.0], "age": [30.0, 41.0, 25.0, 60.0]})
    labels = {1.0: "Very dissatisfied", 5.0: "Very satisfied", 9.0: "No answer"}
    path = tmp_path / "spss.sav"
    pyreadstat.write_sav(
        data, str(path),
        column_labels={"SAT_1": "Overall satisfaction", "SAT_2": "Versus expectations", "age": "Age"},
        variable_value_labels={"SAT_1": labels, "SAT_2": {1.0: "Low", 5.0: "High"}},
        missing_ranges={"SAT_1": [9.0]},
    )
    codebook = cxstats.Codebook.from_sav(path)
    item = codebook.item("SAT_1")
    assert item.construct == "SAT" and item.wording == "Overall satisfaction"
    assert item.scale == (1.0, 5.0) and item.missing == (9.0,)
    assert item.labels[5.0] == "Very satisfied"
    assert [v.name for v in codebook.variables] == ["age"]
    survey = cxstats.read_survey(path)  # no YAML beside it: the file's own metadata
    out = survey.data
    assert np.isnan(out.loc[3, "SAT_1"]) and out["SAT_2"].tolist() == [2.0, 2.0, 4.0, 5.0]
    assert survey.provenance.codebook_origin == "SPSS metadata of 'spss.sav'"


def test_reader_errors(tmp_path, codebook, good_data):
    with pytest.raises(CxStatsError, match="does not exist"):
        cxstats.read_survey(tmp_path / "nothing.csv", codebook)
    odd = tmp_path / "survey.json"
    odd.write_text("{}")
    with pytest.raises(CxStatsError, match=r"extension '.json' is not one of .*Save the data as CSV"):
        cxstats.read_survey(odd, codebook)
    plain = tmp_path / "plain.csv"
    good_data.to_csv(plain, index=False)
    with pytest.raises(CxStatsError, match=r"No codebook for 'plain.csv': pass codebook=\.\.\., or put 'plain.codebook.yaml'"):
        cxstats.read_survey(plain)


def test_row_count_disagreeing_with_the_codebook(tmp_path, good_data):
    good_data.to_csv(tmp_path / "s.csv", index=False)
    raw = {"dataset": {"name": "s", "file": "s.csv", "n_rows": 6}, "constructs": {"X": "X"},
           "items": [{"name": c, "construct": "X"} for c in ("SAT1", "SAT2", "LOY1")],
           "variables": [{"name": "resp", "role": "id"}, {"name": "segment", "role": "group"}]}
    (tmp_path / "s.codebook.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(DataValidationError, match="'s.csv' has 5 rows but its codebook expects 6"):
        cxstats.read_survey(tmp_path / "s.csv")
