"""The report pipeline: cell options, table tidying, and a notebook rendered end to end."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from cxstats.report import RenderError, render_notebook, render_suite
from cxstats.report.__main__ import main
from cxstats.report._cells import cell_options, front_matter
from cxstats.report._pdf import to_markdown
from cxstats.report._tables import tidy_table_html

ROOT = Path(__file__).resolve().parents[1]


def _notebook(*cells) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


def test_quarto_cell_options_and_front_matter():
    cell = new_code_cell('#| fig-cap: "Answers by item"\n#| include: false\nx = 1\n#| not an option')
    assert cell_options(cell) == {"fig-cap": "Answers by item", "include": False}
    assert cell_options(new_markdown_cell("#| echo: false")) == {}
    nb = _notebook(new_raw_cell('---\ntitle: "Data: an overview"\nsubtitle: S\n---'), new_code_cell("1"))
    assert front_matter(nb) == ({"title": "Data: an overview", "subtitle": "S"}, 0)
    assert front_matter(_notebook(new_code_cell("1"), new_raw_cell("---\ntitle: late\n---"))) == ({}, None)


def test_default_index_is_dropped_and_named_index_kept():
    import pandas as pd

    plain = tidy_table_html(pd.DataFrame({"p_value": [0.1, 0.2]}).to_html())
    assert "<th>0</th>" not in plain and "p value" in plain and "p_value" not in plain
    named = tidy_table_html(pd.DataFrame({"n": [3, 4]}, index=["DE", "US"]).to_html())
    assert "<th>DE</th>" in named
    filtered = tidy_table_html(pd.DataFrame({"n": [3, 4]}, index=[7, 12]).to_html())
    assert "<th>7</th>" not in filtered
    assert tidy_table_html("<p>no table</p>") == "<p>no table</p>"


def test_markdown_conversion_keeps_captions_and_drops_hidden_cells(tmp_path):
    import pandas as pd

    table = pd.DataFrame({"item": ["SAT1"], "mean": [5.5]})
    shown = new_code_cell('#| tbl-cap: "Item means"\ntable', outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/html": table.to_html(), "text/plain": str(table)}, execution_count=1)])
    hidden = new_code_cell("#| include: false\nsecret", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="do not show")])
    silenced = new_code_cell("#| output: false\nprint('x')", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="silenced")])
    warned = new_code_cell("warn()", outputs=[nbformat.v4.new_output("stream", name="stderr", text="UserWarning")])
    nb = _notebook(new_raw_cell("---\ntitle: T\n---"), new_markdown_cell("## Heading"), shown, hidden, silenced, warned)
    meta, body = to_markdown(nb, tmp_path)
    assert meta == {"title": "T"}
    assert "## Heading" in body and "SAT1" in body and ": Item means" in body
    assert "do not show" not in body and "silenced" not in body and "UserWarning" not in body
    assert "table" not in body.split("SAT1")[0].replace("Item means", "")  # no code shown


def test_data_overview_renders_to_html_and_pdf(tmp_path):
    """The stakeholder report end to end: executed, HTML without code, a real PDF."""
    report = render_notebook(ROOT / "notebooks" / "01-data-overview.ipynb", tmp_path)
    html_file, pdf_file = report.files
    html = html_file.read_text(encoding="utf-8")
    assert report.title == "The data behind cxstats"
    assert "<title>The data behind cxstats</title>" in html
    assert "ECSI mobile-phone survey" in html and "Figure" not in html.split("<body")[0]
    assert "cxstats.load_dataset" not in html  # code is hidden from stakeholders
    assert "<th>0</th>" not in html
    assert html.count("data:image/svg+xml") >= 5  # the figures
    assert 'alt="ECSI mobile-phone survey: share of each answer' in html  # captions double as alt text
    pdf = pdf_file.read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    pages = re.search(rb"/Type\s*/Pages\s*/Count\s+(\d+)", pdf)
    assert pages and int(pages.group(1)) >= 4


def test_suite_writes_an_index_and_the_cli_reports_errors(tmp_path, capsys):
    nb = _notebook(new_raw_cell("---\ntitle: Tiny report\n---"), new_markdown_cell("Hello."),
                   new_code_cell("print(6 * 7)"))
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    reports = render_suite([path], tmp_path / "out", formats=["html"])
    assert reports[0].files == (tmp_path / "out" / "tiny.html",)
    assert "42" in reports[0].files[0].read_text()
    assert "Tiny report" in (tmp_path / "out" / "index.html").read_text()
    assert main(["render", str(tmp_path / "nothing.ipynb")]) == 1
    assert "neither a notebook" in capsys.readouterr().err
    assert main([str(path), "-o", str(tmp_path / "cli"), "--formats", "html"]) == 0
    assert "tiny.html" in capsys.readouterr().out


def test_a_failing_cell_is_named(tmp_path):
    nb = _notebook(new_markdown_cell("Intro"), new_code_cell("1 / 0"))
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(RenderError, match=r"Notebook 'broken.ipynb' failed in cell 2 .*ZeroDivisionError"):
        render_notebook(path, tmp_path, formats=["html"])
    with pytest.raises(RenderError, match="Unknown report format\\(s\\) docx"):
        render_notebook(path, tmp_path, formats=["docx"])
