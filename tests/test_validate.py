"""Validation against a codebook: the cleaned data and every error message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import DataValidationError


def test_clean_data_pass_with_missing_codes_and_reverse_coding(codebook, good_data):
    out = cxstats.validate(good_data, codebook)
    assert np.isnan(out.loc[2, "SAT1"])
    assert out["SAT1"].notna().sum() == 4
    assert out["SAT2"].tolist() == [7.0, 5.0, 4.0, 2.0, 6.0]  # 1 + 7 - x
    assert out["LOY1"].dtype == float
    assert good_data.loc[2, "SAT1"] == -99  # the input is not modified


def test_reverse_coding_can_be_switched_off(codebook, good_data):
    out = cxstats.validate(good_data, codebook, reverse_code=False)
    assert out["SAT2"].tolist() == [1.0, 3.0, 4.0, 6.0, 2.0]


def test_missing_column_is_named_next_to_the_data_columns(codebook, good_data):
    with pytest.raises(DataValidationError, match=r"lack 1 column\(s\).*'LOY1'.*The data have: 'resp'"):
        cxstats.validate(good_data.drop(columns="LOY1"), codebook)


def test_unknown_column_is_named_with_the_remedy(codebook, good_data):
    data = good_data.assign(NPS=1)
    with pytest.raises(DataValidationError, match=r"does not declare: 'NPS'.*unknown_columns='drop'"):
        cxstats.validate(data, codebook)
    assert "NPS" not in cxstats.validate(data, codebook, unknown_columns="drop")
    assert "NPS" in cxstats.validate(data, codebook, unknown_columns="keep")


def test_values_outside_the_scale_name_column_rows_and_values(codebook, good_data):
    data = good_data.copy()
    data.loc[[1, 4], "SAT1"] = [9, 0]
    with pytest.raises(DataValidationError) as info:
        cxstats.validate(data, codebook)
    message = str(info.value)
    assert "Column 'SAT1' has values outside the 1-7 scale declared in the codebook (rows 1, 4: 9, 0)" in message
    assert "add them to the missing codes (-99)" in message


def test_out_of_scale_message_suggests_missing_codes_when_none_declared(codebook, good_data):
    data = good_data.assign(LOY1=[10, 11, 0, 3, 9])
    with pytest.raises(DataValidationError, match=r"'LOY1'.*0-10 scale.*row 1: 11\)\. Recode them or declare missing codes\."):
        cxstats.validate(data, codebook)


def test_text_answers_matching_value_labels_become_codes(codebook, good_data):
    data = good_data.astype({"SAT1": object})
    data["SAT1"] = ["Strongly agree", " neutral ", None, "2", "strongly disagree"]
    out = cxstats.validate(data, codebook)
    assert out["SAT1"].tolist()[:2] == [7.0, 4.0]
    assert np.isnan(out["SAT1"].iloc[2])
    assert out["SAT1"].tolist()[3:] == [2.0, 1.0]


def test_non_numeric_likert_labels_are_named_with_rows(codebook, good_data):
    data = good_data.astype({"SAT1": object, "LOY1": object})
    data["LOY1"] = ["10", "Very likely", "0", "Very likely", "3"]
    with pytest.raises(DataValidationError) as info:
        cxstats.validate(data, codebook)
    message = str(info.value)
    assert "Item 'LOY1' has non-numeric answers that match no value label: 'Very likely' (rows 1, 3)" in message
    assert "The codebook gives it no value labels" in message


def test_non_numeric_message_lists_known_labels(codebook, good_data):
    data = good_data.astype({"SAT1": object})
    data["SAT1"] = ["Agree", "7", "1", "2", "3"]
    with pytest.raises(DataValidationError, match=r"'Agree'.*labels are 'Strongly disagree', 'Neutral', 'Strongly agree'"):
        cxstats.validate(data, codebook)


def test_item_with_no_answers(codebook, good_data):
    data = good_data.assign(SAT1=-99)
    with pytest.raises(DataValidationError, match=r"Item 'SAT1' has no answers: every value is missing \(missing codes -99\)"):
        cxstats.validate(data, codebook)


def test_constant_item(codebook, good_data):
    data = good_data.assign(LOY1=5)
    with pytest.raises(DataValidationError, match=r"Item 'LOY1' is constant: all 5 answers are 5\."):
        cxstats.validate(data, codebook)


def test_duplicate_ids_are_listed_with_rows(codebook, good_data):
    data = good_data.assign(resp=[101, 102, 102, 104, 101])
    with pytest.raises(DataValidationError, match=r"repeats 2 id\(s\): 101, 102 \(rows 0, 1, 2, 4\)"):
        cxstats.validate(data, codebook)


def test_empty_id(codebook, good_data):
    data = good_data.astype({"resp": float})
    data.loc[3, "resp"] = np.nan
    with pytest.raises(DataValidationError, match=r"The id column 'resp' is empty at rows 3\."):
        cxstats.validate(data, codebook)


def test_fractional_ratings_are_rejected(codebook, good_data):
    data = good_data.assign(SAT2=[1, 3.5, 4, 6, 2])
    with pytest.raises(DataValidationError, match=r"'SAT2' has fractional values.*row 1: 3.5"):
        cxstats.validate(data, codebook)


def test_non_numeric_variable_and_bad_date():
    cb = cxstats.Codebook.from_dict({"items": [], "variables": [
        {"name": "amount", "role": "amount", "kind": "number"},
        {"name": "date", "role": "date", "kind": "date"},
    ]})
    with pytest.raises(DataValidationError, match=r"'amount' is declared as a number.*row 1: ten"):
        cxstats.validate(pd.DataFrame({"amount": ["1.5", "ten"], "date": ["2024-01-01"] * 2}), cb)
    with pytest.raises(DataValidationError, match=r"'date' is declared as a date.*row 0: someday"):
        cxstats.validate(pd.DataFrame({"amount": [1, 2], "date": ["someday", "2024-01-01"]}), cb)


def test_arguments_are_checked(codebook, good_data):
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        cxstats.validate(good_data.to_numpy(), codebook)
    with pytest.raises(ValueError, match="unknown_columns must be"):
        cxstats.validate(good_data, codebook, unknown_columns="ignore")
