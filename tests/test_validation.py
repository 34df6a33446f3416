"""The shared input-validation layer: every bad input gets a clear error or a named warning.

One test per message of ``cxstats._validation`` and per case where a public function used
to answer bad input silently (a result without a warning) or with a vague error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxstats
from cxstats import CxStatsError
from cxstats._validation import ci_level, count, find_stack_level, one_of, scale, strip_ansi


# --- the shared checks -------------------------------------------------------------------------

def test_ci_level_rejects_percentages_with_a_hint_everywhere():
    with pytest.raises(CxStatsError, match=r"Argument ci_level=95 is not a proportion between 0 and 1; pass 0.95 "
                                           r"for a 95% interval\."):
        ci_level(95)
    with pytest.raises(CxStatsError, match=r"ci_level=0 is not a proportion between 0 and 1; pass e.g. 0.95\."):
        ci_level(0)
    with pytest.raises(TypeError, match=r"Argument ci_level must be a number between 0 and 1 \(e.g. 0.95\), "
                                        r"got '95%'\."):
        ci_level("95%")
    data = pd.DataFrame({"rec": [10, 9, 3, 7] * 20, "sat": [5, 4, 2, 3] * 20, "x": [1, 2, 3, 5] * 20,
                         "z": [2, 1, 4, 3] * 20})
    for call in (lambda: cxstats.nps(data, "rec", ci_level=95),
                 lambda: cxstats.top_box(data, ["sat"], scale=(1, 5), ci_level=95),
                 lambda: cxstats.driver_regression(data, "sat", ["x", "z"], ci_level=95),
                 lambda: cxstats.relative_importance(data, "sat", ["x", "z"], ci_level=95),
                 lambda: cxstats.reliability(data, {"A": ["sat", "x", "z"]}, ci_level=95),
                 lambda: cxstats.satisfaction_index(data, ["sat"], scale=(1, 5), ci_level=95)):
        with pytest.raises(CxStatsError, match="pass 0.95 for a 95% interval"):
            call()


def test_count_one_of_and_scale_messages():
    with pytest.raises(CxStatsError, match=r"Argument bootstrap must be 0 or a whole number of at least 10, "
                                           r"got -1\."):
        count("bootstrap", -1, minimum=10, zero=True)
    with pytest.raises(TypeError, match=r"Argument bootstrap must be a whole number, got 2.5\."):
        count("bootstrap", 2.5)
    assert count("bootstrap", 20.0, minimum=10) == 20
    with pytest.raises(CxStatsError, match=r"Argument se must be 'classical', 'HC3' or 'HC1', got 'HC0'\."):
        one_of("se", "HC0", ("classical", "HC3", "HC1"))
    with pytest.raises(CxStatsError, match=r"Argument scale=\(5, 1\): the low end 5 must be below the high end 1; "
                                           r"pass \(1, 5\)\."):
        scale((5, 1))
    with pytest.raises(TypeError, match=r"Argument scale must be a \(low, high\) pair of numbers such as \(1, 5\), "
                                        r"got 5\."):
        scale(5)
    with pytest.raises(CxStatsError, match=r"has a bound that is not a finite number"):
        scale((1, np.inf))


def test_error_text_never_carries_ansi_escape_codes():
    coloured = "\x1b[31mSAT1\x1b[0m"
    assert strip_ansi(f"column {coloured}") == "column SAT1"
    with pytest.raises(CxStatsError) as info:
        cxstats.nps(pd.DataFrame({"rec": [10] * 40}), coloured)
    assert "\x1b" not in str(info.value) and "SAT1" in str(info.value)
    assert "\x1b" not in str(CxStatsError("\x1b[1mbold\x1b[0m text."))


def test_find_stack_level_counts_only_frames_inside_cxstats():
    assert find_stack_level() == 1  # its own frame only: this test file is outside cxstats


# --- nps and top_box ----------------------------------------------------------------------------

def test_top_box_rejects_answers_off_the_declared_scale_and_fractions():
    data = pd.DataFrame({"sat": [5, 4, 7, 3] * 10})
    with pytest.raises(CxStatsError, match=r"top_box: column 'sat' has values outside the declared scale 1-5 "
                                           r"\(rows 2, 6, 10, 14, 18 and 5 more: 7, 7, 7, 7, 7 and 5 more\)\. Pass the "
                                           r"true scale of the answers"):
        cxstats.top_box(data, ["sat"], scale=(1, 5))
    data = pd.DataFrame({"sat": [5, 4, 4.5, 3] * 10})
    with pytest.raises(CxStatsError, match=r"top_box: item 'sat' has fractional values on the 1-5 scale \(rows 2, 6, "
                                           r"10, 14, 18 and 5 more: 4.5, .*\); top-box counts whole scale points"):
        cxstats.top_box(data, ["sat"], scale=(1, 5))


def test_top_box_blames_the_scale_not_boxes_when_the_scale_is_reversed():
    data = pd.DataFrame({"sat": [5, 4, 2, 3] * 10})
    with pytest.raises(CxStatsError, match=r"Argument scale=\(5, 1\): the low end 5 must be below the high end 1"):
        cxstats.top_box(data, ["sat"], scale=(5, 1))


def test_a_min_base_above_every_group_is_an_error_not_a_table_of_nans():
    data = pd.DataFrame({"rec": [10, 9, 3, 7] * 20, "sat": [5, 4, 2, 3] * 20, "seg": ["a", "b"] * 40})
    with pytest.raises(CxStatsError, match=r"Every group of 'seg' has fewer answers than min_base=100 \(the largest, "
                                           r"'a', has 40\), so every value would be suppressed\. Report without "
                                           r"group=, merge small groups, or lower min_base deliberately\."):
        cxstats.nps(data, "rec", group="seg", min_base=100)
    with pytest.raises(CxStatsError, match=r"Every group of 'seg' has fewer answers than min_base=100"):
        cxstats.top_box(data, ["sat"], scale=(1, 5), group="seg", min_base=100)
    with pytest.raises(CxStatsError, match=r"Every item has fewer answers than min_base=100 \(the most, 80, for "
                                           r"'sat'\); there is no share to report\."):
        cxstats.top_box(data, ["sat"], scale=(1, 5), min_base=100)
    # one group above the base: the others are suppressed as before
    assert cxstats.nps(data, "rec", group="seg", min_base=40).table["suppressed"].tolist() == [False, False]


def test_top_box_names_a_text_answer():
    data = pd.DataFrame({"sat": [5, 4, "5 - very good", 3] * 10})
    with pytest.raises(CxStatsError, match=r"top_box: item 'sat' holds text that is not a number \(rows 2, 6, 10, "
                                           r"14, 18 and 5 more: '5 - very good'"):
        cxstats.top_box(data, ["sat"], scale=(1, 5))


# --- drivers ------------------------------------------------------------------------------------

def _drivers_data(n: int = 200, p: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, size=(n, p)).astype(float)
    y = x @ np.linspace(0.5, 0.1, p) + rng.normal(0, 1, n)
    return pd.DataFrame(np.column_stack([y, x]), columns=["y", *[f"d{i}" for i in range(1, p + 1)]])


def test_importance_performance_rejects_a_scale_narrower_than_the_answers():
    data = _drivers_data()  # drivers on 1-7
    with pytest.raises(CxStatsError, match=r"importance_performance: column 'd1' has values outside the declared "
                                           r"scale 1-5 \(rows .*: (6|7)"):
        cxstats.importance_performance(data, "y", ["d1", "d2", "d3"], scale=(1, 5))
    ipma = cxstats.importance_performance(data, "y", ["d1", "d2", "d3"], scale=(1, 7))
    assert ipma.table["performance"].between(0, 100).all()


def test_driver_text_answers_are_named_not_dropped():
    data = _drivers_data().astype(object)
    data.loc[[3, 17], "d2"] = "5 - very good"
    with pytest.raises(CxStatsError, match=r"driver_regression: column 'd2' holds text that is not a number "
                                           r"\(rows 3, 17: '5 - very good', '5 - very good'\)\. Recode it to numbers"):
        cxstats.driver_regression(data, "y", ["d1", "d2", "d3"])
    data.loc[[3, 17], "d2"] = "  "  # blank cells are missing answers, not text
    assert cxstats.driver_regression(data, "y", ["d1", "d2", "d3"]).nobs == 198


def test_all_missing_and_infinite_driver_columns_are_named():
    data = _drivers_data()
    with pytest.raises(CxStatsError, match=r"relative_importance: column 'd3' has no values: every cell is missing\. "
                                           r"Drop it from the analysis"):
        cxstats.relative_importance(data.assign(d3=np.nan), "y", ["d1", "d2", "d3"])
    with pytest.raises(CxStatsError, match=r"driver_regression: column 'd1' holds infinite values \(row 5: inf\)\."):
        bad = data.copy()
        bad.loc[5, "d1"] = np.inf
        cxstats.driver_regression(bad, "y", ["d1", "d2", "d3"])


def test_bootstrap_must_be_a_sensible_count():
    data = _drivers_data()
    with pytest.raises(CxStatsError, match=r"Argument bootstrap must be 0 or a whole number of at least 10 "
                                           r"resamples, got -1\."):
        cxstats.relative_importance(data, "y", ["d1", "d2"], bootstrap=-1)
    with pytest.raises(CxStatsError, match=r"Argument bootstrap must be 0 or a whole number of at least 10"):
        cxstats.validity(data, {"A": ["d1", "d2"], "B": ["d3", "y"]}, bootstrap=-1)


def test_duplicated_column_names_are_named():
    data = _drivers_data()
    data = pd.concat([data, data[["d1"]]], axis=1)
    with pytest.raises(CxStatsError, match=r"driver_regression: the data have duplicated column names 'd1' \(at "
                                           r"positions 2, 5\); a column name must say which column is meant\."):
        cxstats.driver_regression(data, "y", ["d1", "d2"])
    with pytest.raises(CxStatsError, match=r"duplicated column names 'd1'"):
        cxstats.reliability(data, {"A": ["d1", "d2", "d3"]})


def test_sampled_lmg_agrees_with_the_exact_lmg_within_its_monte_carlo_error():
    data = _drivers_data(n=400, p=8, seed=3)
    drivers = [f"d{i}" for i in range(1, 9)]
    exact = cxstats.relative_importance(data, "y", drivers).table.set_index("term")
    sampled = cxstats.relative_importance(data, "y", drivers, method="sampled", permutations=4000, seed=1)
    table = sampled.table.set_index("term")
    assert sampled.method == "sampled" and sampled.permutations == 4000
    assert (exact["mc_se"] == 0).all() and (table["mc_se"] > 0).all()
    assert sampled.r2 == pytest.approx(exact["lmg"].sum(), rel=1e-10)  # every order's gains add up to R²
    assert (np.abs(table["lmg"] - exact["lmg"]) < 4 * table["mc_se"]).all()
    assert (table["rank"] == exact["rank"]).sum() >= 6
    again = cxstats.relative_importance(data, "y", drivers, method="sampled", permutations=4000, seed=1)
    assert again.table["lmg"].equals(sampled.table["lmg"])


def test_many_drivers_get_an_estimate_a_fast_option_and_a_progress_bar(capsys):
    data = _drivers_data(n=120, p=17, seed=4)
    drivers = [f"d{i}" for i in range(1, 18)]
    with pytest.raises(CxStatsError, match=r"17 drivers need 2\^17 = 131,072 subset regressions for exact LMG \(about "
                                           r"\d+ s on one core and [\d.]+ GB\).*Pass method='sampled'"):
        cxstats.relative_importance(data, "y", drivers)
    exact = cxstats.relative_importance(data, "y", drivers, max_drivers=17)
    assert "LMG, 17 drivers" in capsys.readouterr().err  # the progress bar
    fast = cxstats.relative_importance(data, "y", drivers, method="sampled", permutations=2000, seed=2)
    assert capsys.readouterr().err == ""  # seconds: no bar unless asked
    gap = (fast.table["lmg"] - exact.table["lmg"]).abs()
    assert (gap < 5 * fast.table["mc_se"]).all()


def test_collinearity_warning_points_at_the_callers_line():
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal(300)
    data = pd.DataFrame({"x1": x1, "x2": x1 + 0.05 * rng.standard_normal(300), "y": rng.standard_normal(300)})
    with pytest.warns(cxstats.CollinearityWarning) as caught:
        cxstats.driver_regression(data, "y", ["x1", "x2"])
    assert {w.filename for w in caught} == {__file__}


# --- reliability ------------------------------------------------------------------------------

def test_an_unrecoded_reverse_worded_item_is_named_with_a_warning():
    rng = np.random.default_rng(5)
    trait = rng.normal(size=300)
    items = {f"s{i}": np.clip(np.round(4 + 1.2 * trait + rng.normal(0, 1, 300)), 1, 7) for i in (1, 2, 3)}
    data = pd.DataFrame(items)
    data["s4"] = 8 - np.clip(np.round(4 + 1.2 * trait + rng.normal(0, 1, 300)), 1, 7)  # reverse-worded
    with pytest.warns(cxstats.ReverseCodingWarning, match=r"Construct 'SAT': item\(s\) 's4' \(r = -0\.\d\d\) "
                                                         r"correlate negatively with the rest of the construct "
                                                         r"\(alpha = [-\d.]+\)\. Reverse-coded\?") as caught:
        result = cxstats.reliability(data, {"SAT": ["s1", "s2", "s3", "s4"]})
    assert {w.filename for w in caught if w.category is cxstats.ReverseCodingWarning} == {__file__}
    assert len(result.problems) == 1 and result.problems[0].startswith("ReverseCodingWarning: Construct 'SAT'")
    recoded = data.assign(s4=8 - data["s4"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", cxstats.ReverseCodingWarning)
        assert cxstats.reliability(recoded, {"SAT": ["s1", "s2", "s3", "s4"]}).problems == ()


def test_reliability_names_an_empty_or_infinite_item():
    data = pd.DataFrame({"a": [1.0, 2, 3, 4, 5] * 10, "b": [2.0, 2, 3, 5, 5] * 10, "c": [1.0, 3, 3, 4, 4] * 10})
    with pytest.raises(CxStatsError, match=r"Construct 'A': item 'c' has no values: every cell is missing"):
        cxstats.reliability(data.assign(c=np.nan), {"A": ["a", "b", "c"]})
    bad = data.copy()
    bad.loc[7, "b"] = -np.inf
    with pytest.raises(CxStatsError, match=r"Construct 'A': item 'b' holds infinite values \(row 7: -inf\)"):
        cxstats.reliability(bad, {"A": ["a", "b", "c"]})


# --- transactions -------------------------------------------------------------------------------

def _purchases() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 4],
                         "date": ["2024-01-05", "2024-03-01", "2024-02-10", "2024-01-20", "2024-03-30", "2024-02-02"],
                         "amount": [10.0, 12.5, 8.0, 30.0, 5.0, 7.5]})


def test_a_future_dated_purchase_is_an_error_unless_as_of_is_given():
    data = _purchases()
    data.loc[4, "date"] = "2099-03-30"
    with pytest.raises(CxStatsError, match=r"rfm: column 'date' has dates after today \(\d{4}-\d\d-\d\d\) in row\(s\) "
                                           r"4: 2099-03-30; with as_of=None recency would be counted to the latest of "
                                           r"them\. Fix or drop those rows, or pass as_of="):
        cxstats.rfm(data)
    result = cxstats.rfm(data, as_of="2024-03-31")
    assert result.excluded == 1 and result.table["recency_days"].max() < 100


def test_duplicated_transactions_warn_and_can_be_kept_or_dropped():
    data = pd.concat([_purchases(), _purchases().iloc[[1]]], ignore_index=True)
    with pytest.warns(cxstats.DuplicateTransactionsWarning,
                      match=r"rfm: 1 row\(s\) repeat an earlier row exactly \(rows 6\) and are counted as separate "
                            r"purchases\. If they are a double export pass duplicates='drop'") as caught:
        warned = cxstats.rfm(data)
    assert caught[0].filename == __file__
    assert warned.duplicates == 1 and warned.problems[0].startswith("DuplicateTransactionsWarning: rfm: 1 row(s)")
    assert warned.table.set_index("customer")["frequency"][1] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = cxstats.rfm(data, duplicates="keep")
        dropped = cxstats.purchase_summary(data, duplicates="drop")
    assert kept.table.set_index("customer")["frequency"][1] == 3 and kept.problems == ()
    assert dropped.n_transactions == 6 and dropped.duplicates == 1
    with pytest.raises(CxStatsError, match=r"Argument duplicates must be 'warn', 'keep' or 'drop', got 'ignore'\."):
        cxstats.rfm(data, duplicates="ignore")


# --- reading files ------------------------------------------------------------------------------

def test_a_repeated_column_name_in_a_file_is_named_not_called_undeclared(tmp_path, codebook, good_data):
    path = tmp_path / "survey.csv"
    text = good_data.to_csv(index=False).splitlines()
    text = [line + "," + line.split(",")[2] for line in text]  # SAT1 again as the last column
    path.write_text("\n".join(text) + "\n")
    for mode in ("error", "drop"):
        with pytest.raises(cxstats.DataValidationError, match=r"'survey.csv' repeats column name\(s\): 'SAT1' at "
                                                             r"columns 3, 6\. Each column needs its own name"):
            cxstats.read_survey(path, codebook, unknown_columns=mode)
    xlsx = tmp_path / "survey.xlsx"
    pd.read_csv(path, header=None).to_excel(xlsx, index=False, header=False)
    with pytest.raises(cxstats.DataValidationError, match=r"'survey.xlsx' repeats column name\(s\): 'SAT1'"):
        cxstats.read_survey(xlsx, codebook, unknown_columns="drop")


def test_validate_recognises_pandas_renamed_duplicates_and_repeated_names(codebook, good_data):
    renamed = good_data.assign(**{"SAT1.1": good_data["SAT1"]})
    with pytest.raises(cxstats.DataValidationError, match=r"The data have column\(s\) 'SAT1.1' \(a second 'SAT1'\?\): "
                                                         r"pandas renames a repeated column name"):
        cxstats.validate(renamed, codebook, unknown_columns="drop")
    assert "SAT1.1" in cxstats.validate(renamed, codebook, unknown_columns="keep").columns
    repeated = pd.concat([good_data, good_data[["SAT2"]]], axis=1)
    with pytest.raises(CxStatsError, match=r"validate: the data have duplicated column names 'SAT2' \(at positions "
                                           r"4, 6\)"):
        cxstats.validate(repeated, codebook)


def test_a_latin1_file_names_the_encoding_to_pass(tmp_path, codebook, good_data):
    path = tmp_path / "survey.csv"
    data = good_data.assign(segment=[1, 1, 2, 2, 2])
    text = data.to_csv(index=False).replace("resp,", "résp,", 1)
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(CxStatsError, match=r"'survey.csv' is not UTF-8 text: byte 0xe9 on line 1 cannot be decoded\. "
                                           r"It reads as Windows-1252 \(Latin-1\) text \(line 1: 'résp,segment,.*'\): "
                                           r"pass encoding='cp1252' to read_survey/read_table, or save the file as "
                                           r"UTF-8\."):
        cxstats.read_table(path)
    assert list(cxstats.read_table(path, encoding="cp1252").columns)[0] == "résp"
    path.write_bytes(good_data.to_csv(index=False).replace("1", "\u00e9", 1).encode("cp1252"))
    with pytest.raises(CxStatsError, match="pass encoding='cp1252'"):
        cxstats.read_survey(path, codebook)
    with pytest.raises(CxStatsError, match=r"Unknown encoding 'klingon' for 'survey.csv'"):
        cxstats.read_table(path, encoding="klingon")


# --- SEM and PLS entry checks -------------------------------------------------------------------

def _two_factors(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=200)
    g = 0.5 * f + rng.normal(size=200)
    data = {f"a{i}": f + rng.normal(size=200) for i in (1, 2, 3)}
    data.update({f"b{i}": g + rng.normal(size=200) for i in (1, 2, 3)})
    return pd.DataFrame(data)


def test_sem_syntax_names_the_operator_a_typed_arrow_was_meant_to_be():
    from cxstats import sem

    with pytest.raises(cxstats.sem.ModelSyntaxError, match=r"Line 1, position 3: '=>' is not a lavaan operator; it "
                                                           r"looks like '=~', a latent variable measured by "
                                                           r"indicators \(e\.g\. 'F =~ x1 \+ x2 \+ x3'\)\."):
        sem.fit("A => a1 + a2 + a3", _two_factors())
    with pytest.raises(cxstats.sem.ModelSyntaxError, match=r"Line 2, position 3: '<-' is not a lavaan operator; it "
                                                           r"looks like '~', a regression with the outcome on the left"):
        sem.fit("A =~ a1 + a2 + a3\nB <- A\nB =~ b1 + b2 + b3", _two_factors())
    with pytest.raises(cxstats.sem.ModelSyntaxError, match=r"'>=' is not a lavaan operator; it looks like '>'"):
        sem.fit("A =~ a1 + l2*a2 + a3\nl2 >= 0", _two_factors())
    parsed = cxstats.sem.syntax.parse_model("l2 > -1\nl3 < 0.5")  # genuine constraints still parse
    assert [s.op for s in parsed] == [">", "<"]


def test_sem_and_pls_name_an_empty_infinite_or_repeated_column():
    from cxstats import pls, sem

    data = _two_factors()
    model = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nB ~ A"
    for missing in ("listwise", "fiml"):
        with pytest.raises(cxstats.sem.ModelSpecificationError, match=r"Column\(s\) 'a3' have no values: every cell "
                                                                      r"is missing\. Drop them from the model"):
            sem.fit(model, data.assign(a3=np.nan), missing=missing)
    with pytest.raises(CxStatsError, match=r"sem.fit: the data have duplicated column names 'a1'"):
        sem.fit(model, pd.concat([data, data[["a1"]]], axis=1))
    bad = data.copy()
    bad.loc[3, "a2"] = np.inf
    with pytest.raises(cxstats.sem.ModelSpecificationError, match=r"Indicator 'a2' holds infinite values \(row 3: "
                                                                  r"inf\)\. Replace them"):
        pls.fit(model, bad)
    for missing in ("mean", "listwise"):
        with pytest.raises(cxstats.sem.ModelSpecificationError, match=r"Indicator\(s\) 'a3' have no observed values"):
            pls.fit(model, data.assign(a3=np.nan), missing=missing)
    with pytest.raises(CxStatsError, match=r"pls.fit: the data have duplicated column names 'a1'"):
        pls.fit(model, pd.concat([data, data[["a1"]]], axis=1))


# --- warnings at the caller's line ----------------------------------------------------------------

def test_every_warning_of_the_package_goes_through_the_one_helper():
    from pathlib import Path

    package = Path(cxstats.__file__).parent
    direct = [str(path.relative_to(package)) for path in package.rglob("*.py")
              if "warnings.warn(" in path.read_text() and path.name != "_validation.py"]
    assert direct == []


def test_sem_warnings_point_at_the_callers_line_not_at_the_blas_wrapper():
    from cxstats import sem

    rng = np.random.default_rng(2)
    data = pd.DataFrame({"a1": rng.normal(size=60), "a2": rng.normal(size=60), "a3": rng.normal(size=60)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sem.fit("A =~ a1 + a2 + a3", data)  # unrelated items: a Heywood case or an unidentified factor
    ours = [w for w in caught if issubclass(w.category, cxstats.CxStatsWarning)]
    assert ours and {w.filename for w in ours} == {__file__}


def test_every_public_estimator_checks_ci_level_the_same_way():
    rng = np.random.default_rng(0)
    survey = pd.DataFrame({"sat": rng.integers(1, 6, 80).astype(float), "x": rng.normal(size=80),
                           "w": rng.normal(size=80), "churned": rng.integers(0, 2, 80), "tenure": rng.integers(1, 30, 80)})
    calls = [lambda: cxstats.moderation(survey, "sat", "x", "w", ci_level=95),
             lambda: cxstats.kaplan_meier(survey, "tenure", "churned", ci_level=95),
             lambda: cxstats.cox_model(survey, "tenure", "churned", ["x"], ci_level=95),
             lambda: cxstats.churn_model(survey, "churned", ["x"], ci_level=95)]
    for call in calls:
        with pytest.raises(CxStatsError, match=r"Argument ci_level=95 is not a proportion between 0 and 1; pass 0\.95"):
            call()


def test_relative_importance_without_a_bar_does_not_import_tqdm_auto():
    # tqdm.auto warns on import where ipywidgets is missing; in a notebook that warning became a
    # caution box (or failed the render of a hidden cell)
    import subprocess
    import sys

    code = ("import sys, numpy as np, pandas as pd, cxstats\n"
            "d = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 4)), columns=['y', 'a', 'b', 'c'])\n"
            "cxstats.relative_importance(d, 'y', ['a', 'b', 'c'], bootstrap=20, seed=1)\n"
            "print('tqdm.auto' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_public_entry_names_duplicated_column_names():
    rng = np.random.default_rng(1)
    base = pd.DataFrame({"sat": rng.integers(1, 6, 60).astype(float), "x": rng.normal(size=60),
                         "w": rng.normal(size=60), "churned": rng.integers(0, 2, 60),
                         "tenure": rng.integers(1, 30, 60)})
    data = pd.concat([base, base[["x"]]], axis=1)
    calls = {"penalty_reward": lambda: cxstats.penalty_reward(data, "sat", ["x"], scale=(1, 5)),
             "moderation": lambda: cxstats.moderation(data, "sat", "x", "w"),
             "kaplan_meier": lambda: cxstats.kaplan_meier(data, "tenure", "churned"),
             "cox_model": lambda: cxstats.cox_model(data, "tenure", "churned", ["w"]),
             "group_sizes": lambda: cxstats.group_sizes(data, "churned"),
             "satisfaction_index": lambda: cxstats.satisfaction_index(data, ["sat"], scale=(1, 5)),
             "nps": lambda: cxstats.nps(data, "sat")}
    for where, call in calls.items():
        with pytest.raises(CxStatsError, match=rf"{where}: the data have duplicated column names 'x' \(at positions "
                                               r"2, 6\)"):
            call()


def test_remaining_messages_of_the_shared_checks():
    data = _drivers_data(n=30)
    with pytest.raises(TypeError, match=r"driver_regression: data must be a pandas DataFrame, got ndarray\."):
        cxstats.driver_regression(data.to_numpy(), "y", ["d1"])
    with pytest.raises(CxStatsError, match=r"top_box: no item 'zz' in the data; the data have 'y', 'd1', 'd2', 'd3'\. "
                                           r"Check the spelling\."):
        cxstats.top_box(data, ["zz"], scale=(1, 7))
    with pytest.raises(CxStatsError, match=r"driver_regression: driver\(s\) 'd1' are named more than once; name each "
                                           r"once\."):
        cxstats.driver_regression(data, "y", ["d1", "d2", "d1"])
    sparse = data.copy()
    sparse.loc[:27, "d2"] = np.nan
    with pytest.raises(CxStatsError, match=r"2 complete rows are too few for 3 drivers; at least 5 are needed\. The most "
                                           r"missing values are in 'd2' \(28 missing\)\."):
        cxstats.driver_regression(sparse, "y", ["d1", "d2", "d3"])
    with pytest.raises(CxStatsError, match=r"Construct 'A' lists item\(s\) 'd1' more than once; name each item once\."):
        cxstats.reliability(data, {"A": ["d1", "d2", "d1"]})
    with pytest.raises(CxStatsError, match=r"Construct 'A' has 2 complete rows; at least 3 are needed\. The most missing "
                                           r"values are in 'd2' \(28 missing\)\."):
        cxstats.reliability(sparse, {"A": ["d1", "d2", "d3"]})
    one = pd.DataFrame({"sat": [4.0] + [np.nan] * 9})
    with pytest.raises(CxStatsError, match=r"satisfaction_index: only 1 respondent\(s\) answered any of 'sat'; an index "
                                           r"with an interval needs at least 2\."):
        cxstats.satisfaction_index(one, ["sat"], scale=(1, 5))


def test_an_index_group_without_an_interval_is_named_with_a_warning():
    data = pd.DataFrame({"sat": [5.0, 4, 3, 4, 2, 5, 1], "seg": ["a"] * 6 + ["b"]})
    with pytest.warns(cxstats.SmallGroupWarning, match=r"satisfaction_index: group\(s\) 'b' \(n = 1\) of 'seg' have "
                                                       r"fewer than 2 answers, so their index has no standard error "
                                                       r"or interval \(NaN\)\.") as caught:
        result = cxstats.satisfaction_index(data, ["sat"], scale=(1, 5), group="seg", min_base=1)
    assert caught[0].filename == __file__
    assert result.problems[0].startswith("SmallGroupWarning: satisfaction_index: group(s) 'b'")
    assert np.isnan(result.table.set_index("group").loc["b", "se"])
