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
    assert "5 rows read, 0 dropped; 1 missing answer; columns dropped: note; reversed items as in the file" in html
    assert "Other columns: resp (id), segment (group)." in html
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


# --- a Survey in place of the data frame -------------------------------------------------------------------------
ECSI_MODEL = ("PERQ =~ PERQ1 + PERQ2 + PERQ3\nCUSA =~ CUSA1 + CUSA2 + CUSA3\nCUSL =~ CUSL1 + CUSL3\n"
              "CUSA ~ PERQ\nCUSL ~ CUSA")
DRIVERS = ["q2", "q3", "q4", "q5", "q6"]


@pytest.fixture(scope="module")
def mobi():
    return cxstats.load_dataset("ecsi_mobile")


@pytest.fixture(scope="module")
def csat():
    return cxstats.load_dataset("customersat")


@pytest.fixture(scope="module")
def panel():
    simulated = cxstats.simulate_cx_panel(60, seed=5)
    return cxstats.Survey.from_frame(simulated.data, simulated.codebook)


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        pd.testing.assert_frame_equal(a.table, b.table)


@pytest.mark.filterwarnings("ignore::cxstats.sem.HeywoodWarning")  # ECSI's CUSL3 in its one-factor model
@pytest.mark.parametrize("call", [
    lambda s, cb: cxstats.describe_items(s) if cb is None else cxstats.describe_items(s, cb),
    lambda s, cb: cxstats.reliability(s) if cb is None else cxstats.reliability(s, cb),
    lambda s, cb: cxstats.scale_scores(s) if cb is None else cxstats.scale_scores(s, cb),
    lambda s, cb: cxstats.satisfaction_index(s, ["CUSA1", "CUSA2", "CUSA3"], codebook=cb),
    lambda s, cb: cxstats.driver_regression(s, "CUSA1", ["PERQ1", "PERQ2"]),
    lambda s, cb: cxstats.relative_importance(s, "CUSA1", ["PERQ1", "PERQ2", "IMAG1"]),
    lambda s, cb: cxstats.importance_performance(s, "CUSA1", ["PERQ1", "PERQ2"], codebook=cb),
    lambda s, cb: cxstats.penalty_reward(s, "CUSA1", ["PERQ1", "PERQ2"], codebook=cb, low_cut=5, high_cut=9),
    lambda s, cb: cxstats.top_box(s, ["CUSA1", "CUSA2"], scale=(1, 10)),
    lambda s, cb: cxstats.nps(s, "CUSL1"),
    lambda s, cb: cxstats.moderation(s, "CUSA1", "PERQ1", "IMAG1"),
    lambda s, cb: cxstats.sem.fit(ECSI_MODEL, s),
    lambda s, cb: cxstats.pls.fit(ECSI_MODEL, s),
], ids=["describe_items", "reliability", "scale_scores", "satisfaction_index", "driver_regression",
        "relative_importance", "importance_performance", "penalty_reward", "top_box", "nps", "moderation",
        "sem.fit", "pls.fit"])
def test_a_survey_gives_what_its_data_and_codebook_give(mobi, call):
    import cxstats.pls  # noqa: F401
    import cxstats.sem  # noqa: F401

    _same(call(mobi, None), call(mobi.data, mobi.codebook))


def test_functions_on_behaviour_data_take_a_survey(panel):
    _same(cxstats.kaplan_meier(panel, "tenure_months", "churned"),
          cxstats.kaplan_meier(panel.data, "tenure_months", "churned"))
    _same(cxstats.churn_model(panel, "churned", ["SAT1", "EMO1"]), cxstats.churn_model(panel.data, "churned", ["SAT1", "EMO1"]))
    _same(cxstats.group_sizes(panel, "country"), cxstats.group_sizes(panel.data, "country", codebook=panel.codebook))
    scores = cxstats.Survey(panel.scores(["SAT", "EMO"]).join(panel.data[["churned", "tenure_months"]]), panel.codebook)
    assert isinstance(cxstats.test_claim(scores.data, "59% higher retention", group=scores.data["EMO"] >= 5,
                                         event="churned", time="tenure_months", horizon=24), cxstats.ClaimResult)


def test_figures_take_a_survey_and_name_items_by_their_labels(mobi):
    import cxstats.sem  # noqa: F401

    texts = [t.get_text() for t in cxstats.plots.item_distributions(mobi, constructs=["CUSA"]).axes[0].get_yticklabels()]
    assert any("Overall satisfaction" in t for t in texts)
    assert cxstats.plots.missingness(mobi) is not None
    diagram = cxstats.sem.fit(ECSI_MODEL, mobi).plot()
    shown = {t.get_text() for t in diagram.axes[0].texts}
    assert {"Perceived quality", "Customer satisfaction", "Customer loyalty"} <= shown
    plain = cxstats.sem.fit(ECSI_MODEL, mobi.data).plot()
    assert {"PERQ", "CUSA", "CUSL"} <= {t.get_text() for t in plain.axes[0].texts}
    title = cxstats.moderation(mobi, "CUSA1", "PERQ1", "IMAG1").plot().axes[0].get_title()
    assert title == f"How {mobi.labels['IMAG1']} changes the effect of {mobi.labels['PERQ1']}"


@pytest.mark.filterwarnings("ignore::cxstats.sem.HeywoodWarning")  # ECSI's CUSL3 in its one-factor model
def test_plain_summaries_name_constructs_and_items_by_the_codebook_labels(mobi, csat):
    import cxstats.sem  # noqa: F401

    text = str(cxstats.reliability(mobi).plain_summary())
    assert "**Customer satisfaction**: Cronbach's α" in text and "CUSA" not in text
    assert "Would stay if others cut prices agrees only weakly with the other items" in text  # CUSL2, r < .30
    validity = cxstats.validity(csat, constructs=["PRICE", "REACH", "DIST"])
    assert "**Pricing**, **Reach and exposure** and **Distribution** hold together" in str(validity.plain_summary())
    regression = cxstats.driver_regression(csat, "q1", DRIVERS, se="HC3")
    assert regression.labels["q4"] == "Pricing for volume"
    text = str(regression.plain_summary())
    assert "differences in Overall satisfaction" in text and "**Pricing for volume**: one point more" in text
    assert "q4" not in text
    importance = cxstats.relative_importance(csat, "q1", DRIVERS)
    assert "and **Pricing for volume** (" in str(importance.plain_summary())
    fit = cxstats.sem.fit(ECSI_MODEL, mobi)
    text = str(fit.plain_summary("CUSL"))
    assert "**Customer satisfaction** has the largest total effect on Customer loyalty" in text
    # a codebook given separately labels results of plain data frames; without one the codes stay
    assert "Pricing for volume" in str(cxstats.driver_regression(csat.data, "q1", DRIVERS,
                                                                 codebook=csat.codebook).plain_summary())
    assert "**q4**" in str(cxstats.driver_regression(csat.data, "q1", DRIVERS).plain_summary())
    assert "**CUSA**" in str(cxstats.sem.fit(ECSI_MODEL, mobi.data).plain_summary("CUSL"))


def test_a_diagram_keeps_codes_where_labels_would_merge_two_variables(csat):
    import cxstats.sem  # noqa: F401

    # q1's item label and its construct's label are both "Overall satisfaction"
    fit = cxstats.sem.fit("SAT =~ q1 + q2 + q3", csat.data, codebook=csat.codebook)
    shown = {t.get_text() for t in fit.plot().axes[0].texts}
    assert {"SAT", "q1", "Competitive prices"} <= shown


def test_a_frame_without_codebook_is_told_how_to_pass_one(mobi):
    for call, where in [(lambda: cxstats.reliability(mobi.data), "reliability"),
                        (lambda: cxstats.validity(mobi.data), "validity"),
                        (lambda: cxstats.describe_items(mobi.data), "describe_items"),
                        (lambda: cxstats.plots.missingness(mobi.data), "missingness")]:
        argument = "blocks" if where in ("reliability", "validity") else "codebook"
        with pytest.raises(TypeError, match=rf"^{where} needs a codebook: pass it as {argument}=\.\.\., or pass a "
                                            r"cxstats\.Survey \(what read_survey and load_dataset return\) as data\.$"):
            call()
    with pytest.raises(CxStatsError, match=r"^importance_performance needs the response scale: pass scale=\(low, high\), "
                                           r"codebook=, or a cxstats\.Survey as data\.$"):
        cxstats.importance_performance(mobi.data, "CUSA1", ["PERQ1"])
    with pytest.raises(CxStatsError, match=r"^importance_performance: 'x9' are not items of the codebook, so it declares no "
                                           r"scale for them; pass scale=\(low, high\)\.$"):
        cxstats.importance_performance(mobi.data.assign(x9=mobi.data["PERQ2"]), "CUSA1", ["PERQ1", "x9"],
                                       codebook=mobi.codebook)


def test_an_invariance_ladder_on_a_survey_keeps_its_labels(panel):
    import cxstats.sem  # noqa: F401

    ladder = cxstats.sem.invariance("RES =~ RES1 + RES2 + RES3", panel, group="country", levels=("configural", "metric"),
                                    partial=False)
    assert ladder.labels["RES2"] == panel.labels["RES2"] != "RES2"
    plain = cxstats.sem.invariance("RES =~ RES1 + RES2 + RES3", panel.data, group="country",
                                   levels=("configural", "metric"), partial=False)
    assert plain.labels == {} and plain.table.equals(ladder.table)


def test_a_pls_model_fitted_to_a_survey_reads_scales_and_labels_from_its_codebook(mobi):
    import cxstats.pls as pls

    model = ("IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nCUSA =~ CUSA1 + CUSA2 + CUSA3\n"
             "CUSL =~ CUSL1 + CUSL2 + CUSL3\nCUSA ~ IMAG\nCUSL ~ IMAG + CUSA")
    fitted = pls.fit(model, mobi)
    assert fitted.codebook is mobi.codebook and fitted.labels["CUSL"] == "Customer loyalty"
    index = pls.index_scores(fitted)  # no codebook= needed: the fitted model keeps it
    pd.testing.assert_frame_equal(index.table, pls.index_scores(pls.fit(model, mobi.data), codebook=mobi.codebook).table)
    assert "**Customer loyalty** scores" in str(index.plain_summary())
    assert pls.importance_performance(fitted, "CUSL").labels["IMAG"] == "Image"
    with pytest.raises(CxStatsError, match=r"Index scores need the response scale of the indicators"):
        pls.index_scores(pls.fit(model, mobi.data))
