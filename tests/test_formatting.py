"""The formatting layer: APA numbers, no negative zero, readable SEM tables."""

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import formatting as fmt


@pytest.mark.parametrize(("p", "text"), [(0.0, "< .001"), (1.4e-55, "< .001"), (0.0009, "< .001"),
                                         (0.001, ".001"), (0.0342, ".034"), (0.5, ".500"), (0.9996, "> .999"),
                                         (np.nan, "")])
def test_p_values_in_apa_style(p, text):
    assert fmt.p_value(p) == text


def test_p_text_for_prose():
    assert fmt.p_text(1e-9) == "p < .001"
    assert fmt.p_text(0.049) == "p = .049"


def test_no_negative_zero_and_true_minus():
    assert fmt.number(-0.0001, 3) == "0.000"
    assert fmt.number(-0.25) == "\u22120.25"
    assert fmt.number(0.0, signed=True) == "0.00"
    assert fmt.number(0.1, 1, signed=True) == "+0.1"


def test_integers_percent_currency_intervals():
    assert fmt.integer(752.0) == "752"
    assert fmt.integer(12345) == "12,345"
    assert fmt.percent(0.593) == "59%"
    assert fmt.percent(0.5934, 1) == "59.3%"
    assert fmt.currency(-3) == "\u2212$3.00"
    assert fmt.currency(1234.5, "€", 0) == "€1,234"  # banker's rounding of .5 is fine for display
    assert fmt.interval(0.271, 0.6549) == "[0.27, 0.65]"
    assert fmt.estimate(0.59, 0.5, 0.7, 0, kind="percent") == "59% [50%, 70%]"
    with pytest.raises(ValueError, match="kind='percentage'"):
        fmt.estimate(1, 0, 2, kind="percentage")


def test_sem_table_reads_as_words():
    mobi = cxstats.load_dataset("ecsi_mobile")
    res = cxstats.sem.fit("CUSA =~ CUSA1 + CUSA2 + CUSA3\nCUSL =~ CUSL1 + CUSL3\nCUSL ~ CUSA", mobi.data)
    shown = fmt.table(res.table, columns=["kind", "parameter", "estimate", "se", "ci", "p_value"],
                      labels=mobi.codebook)
    assert list(shown.columns) == ["Kind", "Parameter", "Estimate", "SE", "95% CI", "p"]
    effect = shown[shown["Kind"] == "Effect"].iloc[0]
    assert effect["Parameter"] == "Customer satisfaction → Customer loyalty"
    assert effect["p"] == "< .001"
    marker = shown.iloc[0]  # the fixed first loading has no SE, interval or p
    assert marker["Parameter"] == "Customer satisfaction → Overall satisfaction"
    assert marker["SE"] == marker["95% CI"] == marker["p"] == ""
    assert all(isinstance(v, str) for v in shown.to_numpy().ravel())


def test_defined_parameters_keep_their_se_interval_and_p():
    mobi = cxstats.load_dataset("ecsi_mobile")
    res = cxstats.sem.fit("CUSA =~ CUSA1 + a*CUSA2 + b*CUSA3\nratio := a / b", mobi.data)
    row = res.table.query("op == ':='").iloc[0]
    shown = fmt.table(res.table.query("op == ':='"), columns=["parameter", "estimate", "se", "ci", "p_value"])
    assert shown.iloc[0]["SE"] == fmt.number(row.se)
    assert shown.iloc[0]["95% CI"] == fmt.interval(row.ci_low, row.ci_high) != ""
    assert shown.iloc[0]["p"] == fmt.p_value(row.p_value) != ""


def test_table_headers_counts_and_booleans():
    frame = pd.DataFrame({"term": ["q1", "q2"], "n": [10.0, 12.0], "std_beta": [0.2, -0.00001],
                          "significant": [True, False], "p_holm": [0.2, 1e-6], "odd_name": [1, 2]})
    shown = fmt.table(frame, labels={"q1": "Price"})
    assert list(shown.columns) == ["Driver", "n", "Std. β", "Significant", "P holm", "Odd name"]
    assert shown["Driver"].tolist() == ["Price", "q2"]
    assert shown["n"].tolist() == ["10", "12"]
    assert shown["Std. β"].tolist() == ["0.20", "0.00"]
    assert shown["Significant"].tolist() == ["yes", "no"]
    assert shown["P holm"].tolist() == [".200", "< .001"]


def test_table_names_a_missing_column_and_a_bad_label_source():
    with pytest.raises(ValueError, match="'nope' are not in the table"):
        fmt.table(pd.DataFrame({"a": [1]}), columns=["nope"])
    with pytest.raises(TypeError, match="labels must be a dict"):
        fmt.table(pd.DataFrame({"a": [1]}), labels=3)


def test_codebook_labels_cover_items_and_constructs():
    labels = cxstats.load_dataset("ecsi_mobile").codebook.labels
    assert labels["CUSL"] == "Customer loyalty"
    assert labels["CUSA1"] == "Overall satisfaction"
    reputation = cxstats.load_dataset("corporate_reputation").codebook
    assert all(reputation.labels[name] != name for name in reputation.item_names)


def test_every_interval_pair_becomes_one_column_formatted_like_its_estimate():
    frame = pd.DataFrame({"term": ["q4"], "share": [22.5229], "share_ci_low": [20.345], "share_ci_high": [24.546],
                          "top": [0.5912], "top_ci_low": [0.55], "top_ci_high": [0.632],
                          "estimate": [0.31], "ci_low": [-0.0001], "ci_high": [0.37]})
    shown = fmt.table(frame, labels={"q4": "Pricing for volume"}, digits={"share": 1, "top": 0, "estimate": 3},
                      percent=["top"])
    assert list(shown.columns) == ["Driver", "Share", "Share: 95% CI", "Top", "Top: 95% CI", "Estimate", "95% CI"]
    row = shown.iloc[0]
    assert (row["Share"], row["Share: 95% CI"]) == ("22.5", "[20.3, 24.5]")
    assert (row["Top"], row["Top: 95% CI"]) == ("59%", "[55%, 63%]")
    assert (row["Estimate"], row["95% CI"]) == ("0.310", "[0.000, 0.370]")
    picked = fmt.table(frame, columns=["term", "share_ci"], rename={"share_ci": "Interval"}, digits=0)
    assert picked.iloc[0].tolist() == ["q4", "[20, 25]"]


def test_item_counts_group_sizes_and_ranks_are_integers():
    frame = pd.DataFrame({"n_items": [3.0], "n_low": [155.0], "n_high": [1287.0], "rank": [1.0]})
    assert fmt.table(frame).iloc[0].tolist() == ["3", "155", "1,287", "1"]
