"""Renderer features that need no kernel: callouts, cautions(), stored inline values."""

from __future__ import annotations

import json

import nbformat
import pypandoc
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from cxstats.report import Cautions, RenderError, cautions
from cxstats.report.__main__ import main
from cxstats.report._callouts import Callout, split_callouts
from cxstats.report._html import to_html
from cxstats.report._pdf import to_markdown


def _notebook(*cells) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


def test_callouts_are_parsed_with_their_titles():
    text = ("Intro.\n\n::: {.callout-warning}\n## Mind the base\nOnly *12* answers.\n:::\n\n"
            '::: {.callout-tip title="A tip"}\nText.\n:::\n::: {.callout-note}\nNo title.\n:::\n'
            "::: {.other}\nnot a callout\n:::\n::: {.callout-note}\nnever closed")
    parts = split_callouts(text)
    assert parts[0] == "Intro.\n"
    assert parts[1] == Callout("warning", "Mind the base", "Only *12* answers.")
    assert parts[3] == Callout("tip", "A tip", "Text.")
    assert parts[4] == Callout("note", "Note", "No title.")
    assert parts[5] == "::: {.other}\nnot a callout\n:::\n::: {.callout-note}\nnever closed"


def test_callouts_are_boxed_in_html_and_typst(tmp_path):
    nb = _notebook(new_raw_cell("---\ntitle: T\n---"),
                   new_markdown_cell("::: {.callout-warning}\n## Mind the base\nOnly *few* answers.\n\n- one\n:::\n\nAfter."))
    page = to_html(nb)
    assert ('<div class="cx-callout cx-callout-warning"><div class="cx-callout-title">Mind the base</div>'
            '<div class="cx-callout-body"><p>Only <em>few</em> answers.</p>') in page
    assert ":::" not in page.split("<body")[1]
    _, body = to_markdown(nb, tmp_path)
    blocks = json.loads(pypandoc.convert_text(body, "json", format="markdown"))["blocks"]
    raw = [b["c"][1] for b in blocks if b["t"] == "RawBlock" and b["c"][0] == "typst"]
    assert raw[0].startswith('#block(width: 100%') and 'stroke: (left: 3pt + rgb("#e0a100")' in raw[0]
    assert raw[1] == "]"
    typ = pypandoc.convert_text(body, "typst", format="markdown")
    assert typ.index("#block(") < typ.index("Mind the base") < typ.index("few") < typ.index("\n]") < typ.index("After")


def test_cautions_list_the_problems_of_any_result():
    class Result:
        problems = ("HeywoodWarning: Negative variance estimate(s) for SAT1.", "BootstrapWarning: 3 draws failed.")

    shown = cautions(Result(), model="the six-concept measurement model")
    markdown = shown._repr_markdown_()
    assert markdown.startswith("::: {.callout-warning}\n## Caution\n\nThe estimation of the six-concept measurement "
                               "model reported 2 problems (below).")
    assert "an impossible (negative) variance" in markdown and "rest on fewer draws" in markdown
    assert "- HeywoodWarning: Negative variance estimate(s) for SAT1.\n- BootstrapWarning: 3 draws failed.\n:::" in markdown
    assert "<li>BootstrapWarning: 3 draws failed.</li>" in shown._repr_html_()
    assert bool(shown) and not cautions([]) and cautions(()). _repr_markdown_() is None
    assert cautions("ConvergenceWarning: stopped.").problems == ("ConvergenceWarning: stopped.",)
    assert "this model" in cautions(["x"])._repr_markdown_()
    assert isinstance(shown, Cautions)
    with pytest.raises(TypeError, match=r"^cautions\(\) takes a result with a 'problems' attribute .* not int\.$"):
        cautions(3)
    with pytest.raises(TypeError, match=r"^cautions\(model=\.\.\.\) takes a description in words, not int\.$"):
        cautions([], model=1)


def test_inline_code_needs_execution(tmp_path, capsys):
    cell = new_markdown_cell("The index is `{python} index_text`.")
    nb = _notebook(new_raw_cell("---\ntitle: T\n---"), cell)
    path = tmp_path / "never-run.ipynb"
    nbformat.write(nb, path)
    assert main([str(path), "-o", str(tmp_path / "out"), "--no-execute", "--formats", "html"]) == 1
    err = capsys.readouterr().err
    assert ("Notebook 'never-run.ipynb' has inline code (`{python} index_text` in cell 2, counting code and text "
            "cells from 1), which needs execution: render it without --no-execute.") in err
    assert "Traceback" not in err
    cell.metadata["cxstats"] = {"inline": ["71.5"]}  # stored by an earlier execution
    assert "The index is 71.5." in to_html(nb)
    with pytest.raises(RenderError, match="needs execution"):
        to_markdown(_notebook(new_markdown_cell("`{python} a` and `{python} b`",
                                                metadata={"cxstats": {"inline": ["1"]}})), tmp_path)


def test_stored_warnings_follow_their_cell_unless_hidden(tmp_path):
    warned = {"cxstats": {"warnings": [{"category": "HeywoodWarning", "message": "Negative variance for SAT1."}]}}
    nb = _notebook(new_code_cell("fit()", metadata=warned), new_markdown_cell("Next."),
                   new_code_cell("#| output: false\nfit()", metadata=warned))
    _, body = to_markdown(nb, tmp_path)
    assert body.count("HeywoodWarning: Negative variance for SAT1.") == 1
    assert body.index("HeywoodWarning") < body.index("Next.")
