"""The report pipeline: cell options, table tidying, and a notebook rendered end to end."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from cxstats.report import RenderError, render_notebook, render_suite
from cxstats.report.__main__ import main
from cxstats.report._cells import cell_options, front_matter
from cxstats.report._pdf import to_markdown, to_pdf
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


def test_a_captioned_table_after_a_list_stays_a_table_of_its_own(tmp_path):
    import json

    import pandas as pd
    import pypandoc

    summary = new_code_cell("result.plain_summary()", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/markdown": "- first point\n- second point"})])
    table = pd.DataFrame({"item": ["SAT1", "SAT2"], "mean": [5.5, 4.25]})
    shown = new_code_cell('#| tbl-cap: "Item means"\ntable', outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/html": table.to_html(), "text/plain": str(table)}, execution_count=1)])
    _, body = to_markdown(_notebook(new_raw_cell("---\ntitle: T\n---"), summary, shown), tmp_path)
    blocks = json.loads(pypandoc.convert_text(body, "json", format="markdown"))["blocks"]
    assert [b["t"] for b in blocks if b["t"] != "RawBlock"] == ["BulletList", "Table"]
    assert len(blocks[0]["c"]) == 2  # the list keeps its two items and nothing else
    caption = next(b for b in blocks if b["t"] == "Table")["c"][1]
    assert [word["c"] for word in caption[1][0]["c"] if word["t"] == "Str"] == ["Item", "means"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils) to read the PDF")
def test_a_table_caption_is_not_left_alone_at_the_bottom_of_a_page(tmp_path):
    import subprocess

    import pandas as pd

    from cxstats.report._pdf import to_pdf

    table = pd.DataFrame({"item": [f"SAT{i}" for i in range(6)], "mean": [5.5] * 6})
    shown = new_code_cell('#| tbl-cap: "Item means CAPTIONMARK"\ntable', outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/html": table.to_html(), "text/plain": str(table)}, execution_count=1)])
    filler = [new_markdown_cell(f"Paragraph {k} of filler text.") for k in range(36)]  # the caption ends page 1
    to_pdf(_notebook(new_raw_cell("---\ntitle: T\n---"), *filler, shown), tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    page_of = {mark: next(k for k, page in enumerate(text.split("\f")) if mark in page)
               for mark in ("CAPTIONMARK", "SAT0")}
    assert page_of["CAPTIONMARK"] == page_of["SAT0"] == 1


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
    assert "https://" not in " ".join(re.findall(r"<script[^>]*>", html))  # reads offline: nothing fetched
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
    with pytest.raises(RenderError, match=r"Notebook 'broken.ipynb' failed in cell 2 .*ZeroDivisionError") as caught:
        render_notebook(path, tmp_path, formats=["html"])
    assert "\x1b" not in str(caught.value)  # no terminal colour codes from the kernel's traceback
    with pytest.raises(RenderError, match="Unknown report format\\(s\\) docx"):
        render_notebook(path, tmp_path, formats=["docx"])


def test_the_same_report_renders_to_the_same_pdf(tmp_path):
    """No creation date in the PDF: re-rendered reports only differ where their content does."""
    nb = _notebook(new_raw_cell("---\ntitle: Same\n---"), new_markdown_cell("## In short\n\nNothing changes."))
    to_pdf(nb, tmp_path / "a.pdf")
    to_pdf(nb, tmp_path / "b.pdf")
    pdf = (tmp_path / "a.pdf").read_bytes()
    assert b"/CreationDate" not in pdf and b"xmp:CreateDate" not in pdf
    assert pdf == (tmp_path / "b.pdf").read_bytes()
