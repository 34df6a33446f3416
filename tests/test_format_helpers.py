"""The private text helpers the plain summaries share (``cxstats._format``)."""

import cxstats
from cxstats._format import caution_lines, label_lookup, problems_html


def test_label_lookup_given_labels_replace_own_and_unknown_codes_stay_as_text():
    name = label_lookup({"CUSA": "Satisfaction"}, own={"CUSA": "CUSA label", "CUSL": "Loyalty"})
    assert name("CUSA") == "Satisfaction"
    assert name("CUSL") == "Loyalty"
    assert name(2) == "2"
    assert label_lookup(None)("IMAG") == "IMAG"


def test_label_lookup_reads_a_codebook():
    codebook = cxstats.load_dataset("ecsi_mobile").codebook
    name = label_lookup(codebook)
    assert name("CUSA") == codebook.labels["CUSA"] != "CUSA"


def test_caution_lines_drop_the_warning_name_and_add_the_sentence():
    problems = ["HeywoodCaseWarning: Negative variance for CUSL.", "No class here."]
    assert caution_lines(problems) == ["- Caution: Negative variance for CUSL.", "- Caution: No class here."]
    assert caution_lines(problems[:1], then=" Read with care.") == [
        "- Caution: Negative variance for CUSL. Read with care."]
    assert caution_lines([]) == []


def test_problems_html_escapes_each_problem_and_is_empty_without_problems():
    assert problems_html(["Weights <did not> converge.", "R² > 1."]) == (
        "<ul style='color:#a00'><li>Weights &lt;did not&gt; converge.</li><li>R² &gt; 1.</li></ul>")
    assert problems_html(()) == ""
