"""Renderer features that need a kernel: inline code and warnings shown as cautions.

Each test starts a kernel (a few seconds), so the features share notebooks.
"""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from cxstats.report import RenderError, execute_notebook, render_notebook, render_suite
from cxstats.report._pdf import to_markdown


def _write(path, *cells):
    nb = new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nbformat.write(nb, path)
    return path


SETUP = new_code_cell(
    "#| include: false\n"
    "import warnings\n"
    "from cxstats.report import cautions\n"
    "class Share:\n"
    "    def _repr_markdown_(self):\n"
    "        return '**59%**'\n"
    "def estimate(message):\n"
    "    warnings.warn(message, RuntimeWarning)  # the same source line warns in two cells\n"
    "    return 0.4567\n"
)


def test_inline_code_and_warnings_reach_the_report(tmp_path):
    path = _write(
        tmp_path / "report.ipynb",
        new_raw_cell("---\ntitle: Inline\n---"),
        SETUP,
        new_markdown_cell("Before any code: `{python} 6 * 7` and `{python} Share()`."),
        new_code_cell("value = estimate('The first model did not settle.')"),
        new_markdown_cell("After: `{python} round(value, 2)` (raw `{python} value`)."),
        new_code_cell("again = estimate('The first model did not settle.')"),
        new_code_cell("#| include: false\nhidden = estimate('A hidden model has a negative variance.')"),
        new_code_cell("cautions(['HeywoodWarning: A hidden model has a negative variance.'], model='hidden model')"),
        new_code_cell("cautions([], model='a model without problems')"),
    )
    nb = execute_notebook(path)
    assert nb.cells[2].metadata["cxstats"]["inline"] == ["42", "**59%**"]
    assert nb.cells[2].metadata["cxstats"]["inline_markdown"] == [False, True]  # only _repr_markdown_ is Markdown
    assert nb.cells[4].metadata["cxstats"]["inline"] == ["0.46", "0.4567"]
    assert [w["message"] for w in nb.cells[3].metadata["cxstats"]["warnings"]] == ["The first model did not settle."]
    # the same warning from the same line is recorded again in a later cell
    assert nb.cells[5].metadata["cxstats"]["warnings"] == [
        {"category": "RuntimeWarning", "message": "The first model did not settle."}]
    assert nb.cells[8].outputs == []  # cautions() without problems displays nothing
    assert len(nb.cells) == 9  # the inserted evaluation cells are gone

    report = render_notebook(path, tmp_path / "out")
    page = report.files[0].read_text(encoding="utf-8")
    assert "Before any code: 42 and <strong>59%</strong>." in page
    assert "After: 0.46 (raw 0.4567)." in page and "{python}" not in page
    assert page.count('<div class="cx-callout cx-callout-warning"><div class="cx-callout-title">Caution</div>') == 3
    assert page.count("The first model did not settle.") == 2 and "RuntimeWarning" not in page
    assert "The estimation of the hidden model reported a problem" in page
    _, body = to_markdown(nb, tmp_path)
    assert "Before any code: 42 and **59%**." in body
    assert body.count("title: [Caution]") == 3 and body.count("```{=typst}\n#cx-callout(") == 3
    assert report.files[1].read_bytes().startswith(b"%PDF")


def test_a_hidden_warning_not_shown_fails_the_render_and_a_bad_inline_expression_is_named(tmp_path):
    path = _write(
        tmp_path / "hidden.ipynb",
        SETUP,
        new_markdown_cell("Intro."),
        new_code_cell("#| include: false\nhidden = estimate('A hidden model has a negative variance.')"),
        new_code_cell("#| warning: false\nquiet = estimate('A quiet model did not converge.')"),
        new_code_cell("print(hidden)"),
    )
    with pytest.raises(RenderError) as caught:
        render_notebook(path, tmp_path / "out", formats=["html"])
    message = str(caught.value)
    assert message.startswith("Notebook 'hidden.ipynb' raised warnings its report does not show: cell 3 raised "
                              "RuntimeWarning: A hidden model has a negative variance. -- it is shown nowhere in the "
                              "report (the cell is hidden);")
    assert ("cell 4 raised RuntimeWarning: A quiet model did not converge. -- it is shown nowhere in the report "
            "(the cell has 'warning: false')") in message
    assert "display cxstats.report.cautions(result" in message and message.endswith(".")

    broken = _write(tmp_path / "broken.ipynb", SETUP, new_markdown_cell("Fine: `{python} 1 + 1`."),
                    new_markdown_cell("Broken: `{python} undefined_name * 2`."), new_code_cell("never = 1"))
    with pytest.raises(RenderError, match=r"^Notebook 'broken.ipynb': the inline code `\{python\} undefined_name \* 2` "
                                          r"in cell 3 .* raised NameError: name 'undefined_name' is not defined\. "):
        render_notebook(broken, tmp_path / "out", formats=["html"])


def test_reports_that_give_a_shared_fact_two_values_are_named(tmp_path):
    def report(name, **facts):
        return _write(tmp_path / f"{name}.ipynb", new_raw_cell(f"---\ntitle: {name}\ndata: real\n---"),
                      new_code_cell(f"#| include: false\nFACTS = {facts!r}"),
                      new_markdown_cell("## In short\n\n- Alpha is `{python} FACTS['ecsi.alpha.CUSA']` "
                                        "`{python} '[0.70, 0.80]'`, n = `{python} FACTS['ecsi.n']`."))

    paths = [report("a", **{"ecsi.alpha.CUSA": 0.77, "ecsi.n": 250}),
             report("b", **{"ecsi.alpha.CUSA": 0.78, "ecsi.n": 250.0, "only.here": 1})]
    first, second = render_suite(paths, tmp_path / "out", formats=["html"])
    assert first.facts == {"ecsi.alpha.CUSA": 0.77, "ecsi.n": 250.0}
    for shown in (first, second):
        (problem,) = [p for p in shown.problems if p.startswith("Shared fact")]
        assert "'ecsi.alpha.CUSA' differs between reports (a says 0.77, b says 0.78)" in problem
    nbformat.write(new_notebook(cells=[new_code_cell("FACTS = {'x': 'high'}")],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}),
                   tmp_path / "bad.ipynb")
    with pytest.raises(RenderError, match=r"its FACTS dict .*FACTS\['x'\] is 'high', not a number"):
        execute_notebook(tmp_path / "bad.ipynb")
    with pytest.raises(RenderError, match="The reports disagree"):
        render_suite(paths[:2], tmp_path / "strict", formats=["html"], strict=True)
