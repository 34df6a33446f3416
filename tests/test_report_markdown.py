"""Renderer features that need no kernel: callouts, cautions(), stored inline values."""

from __future__ import annotations

import json
import shutil
import subprocess

import nbformat
import pypandoc
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from cxstats.report import Cautions, RenderError, cautions
from cxstats.report.__main__ import main
from cxstats.report._callouts import Callout, split_callouts, typst_text
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
    assert raw[0] == '#cx-callout(fill: rgb("#fff8e6"), border: rgb("#e0a100"), title: [Mind the base])['
    assert raw[1] == "]"
    typ = pypandoc.convert_text(body, "typst", format="markdown")
    assert typ.index("#cx-callout(") < typ.index("few") < typ.index("\n]") < typ.index("After")
    assert typst_text("R² < 0.5 #1 [a_b] @x $5") == r"R² \< 0.5 \#1 \[a\_b\] \@x \$5"


def test_cautions_list_the_problems_of_any_result():
    class Result:
        problems = ("HeywoodWarning: Negative variance estimate(s) for SAT1.", "BootstrapWarning: 3 draws failed.")

    shown = cautions(Result(), model="the six-concept measurement model")
    markdown = shown._repr_markdown_()
    assert markdown.startswith("::: {.callout-warning}\n## Caution\n\nThe estimation of the six-concept measurement "
                               "model reported 2 problems (below).")
    assert "an impossible (negative) variance" in markdown and "rest on fewer draws" in markdown
    # the kind of each problem in words, not the warning's class name
    assert ("- Negative variance (a Heywood case): Negative variance estimate(s) for SAT1.\n"
            "- Failed resamples: 3 draws failed.\n:::") in markdown
    assert "<li>Failed resamples: 3 draws failed.</li>" in shown._repr_html_()
    assert "Warning" not in markdown
    assert bool(shown) and not cautions([]) and cautions(()). _repr_markdown_() is None
    assert cautions("ConvergenceWarning: stopped.").problems == ("ConvergenceWarning: stopped.",)
    assert "this model" in cautions(["x"])._repr_markdown_()
    assert not cautions(None)
    assert isinstance(shown, Cautions)
    with pytest.raises(TypeError, match=r"^cautions\(\) takes a result with a 'problems' attribute .* not int\.$"):
        cautions(3)
    with pytest.raises(TypeError, match=r"^cautions\(model=\.\.\.\) takes a description in words, not int\.$"):
        cautions([], model=1)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_cxstats_warning_has_a_caution_title_in_words():
    import importlib
    import pkgutil

    import cxstats
    from cxstats import CxStatsWarning
    from cxstats.report._callouts import _PROBLEMS

    for module in pkgutil.walk_packages(cxstats.__path__, "cxstats."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    kinds = {sub for sub in _subclasses(CxStatsWarning) if sub.__module__.startswith("cxstats")}
    assert {"HeywoodWarning", "NestingWarning", "ScaledDifferenceWarning", "DecompositionWarning",
            "CLVConvergenceWarning"} <= {k.__name__ for k in kinds}
    missing = sorted(k.__name__ for k in kinds if k.__name__ not in _PROBLEMS)
    assert missing == [], f"Warnings without a caution title in words: {missing}"
    for kind in kinds:
        title, meaning = _PROBLEMS[kind.__name__]
        assert title[0].isupper() and "Warning" not in title
        assert meaning is None or (meaning[0].islower() and not meaning.endswith("."))
        shown = cautions([f"{kind.__name__}: Something happened."])._repr_markdown_()
        assert f"- {title}: Something happened." in shown and kind.__name__ not in shown


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
    assert body.count("Negative variance (a Heywood case): Negative variance for SAT1.") == 1
    assert body.index("Heywood case") < body.index("Next.")
    # a warning raised by a Markdown cell's inline code follows that cell
    text = new_markdown_cell("Index `{python} index`.", metadata={"cxstats": {
        "inline": ["71"], "warnings": [{"category": "UserWarning", "message": "Few answers."}]}})
    page = to_html(_notebook(text, new_markdown_cell("After.")))
    assert page.index("Index 71.") < page.index("Few answers.") < page.index("After.")
    assert "UserWarning" not in page


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="460.8pt" height="720pt" viewBox="0 0 460.8 720">'
       '<rect width="400" height="700" fill="#369"/></svg>')


def _figure_cell(options: str, svg: str = SVG):
    return new_code_cell(options + "\nfigure", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/svg+xml": svg, "text/plain": "<Figure>"})])


def _table_cell(options: str, rows: int = 3):
    import pandas as pd

    table = pd.DataFrame({"item": [f"SAT{i}" for i in range(rows)], "mean": [5.5] * rows})
    return new_code_cell(options + "\ntable", outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/html": table.to_html(), "text/plain": str(table)}, execution_count=1)])


def _numbered_notebook():
    return _notebook(
        new_raw_cell("---\ntitle: Numbers\n---"),
        new_markdown_cell("## In short\n\nSee @fig-answers and [@tbl-means]; @fig-answers again, not a@fig-answers."),
        _figure_cell('#| label: fig-answers\n#| fig-cap: "Most answers are high"'),
        _table_cell('#| label: tbl-means\n#| tbl-cap: "Item means [1-7 scale]"'),
        _figure_cell('#| fig-cap: "An unnumbered sketch"'),
        new_markdown_cell("## Details\n\nFigures [-@fig-answers] and [-@fig-second].\n\n### Drivers\n\nText."),
        _figure_cell('#| label: fig-second\n#| fig-cap: "Second"'),
    )


def test_figures_and_tables_are_numbered_and_cross_referenced_in_html():
    page = to_html(_numbered_notebook())
    assert 'See <a href="#fig-answers">Figure 1</a> and <a href="#tbl-means">Table 1</a>; ' in page
    assert '<a href="#fig-answers">Figure 1</a> again, not a@fig-answers.' in page
    assert '<figure class="cx-figure" id="fig-answers"><img alt="Most answers are high"' in page
    assert '<figcaption class="cx-caption">Figure 1: Most answers are high</figcaption>' in page
    assert '<p class="cx-caption" id="tbl-means">Table 1: Item means [1-7 scale]</p>' in page
    assert '<figcaption class="cx-caption">An unnumbered sketch</figcaption>' in page
    assert '<figure class="cx-figure" id="fig-second">' in page and "Figure 2: Second" in page
    assert 'Figures <a href="#fig-answers">1</a> and <a href="#fig-second">2</a>.' in page
    body = page.split("<body", 1)[1]
    assert body.index('<a href="index.html">') < body.index("<h1>Numbers</h1>") < body.index('class="cx-toc"')
    toc = body[body.index('class="cx-toc"'):body.index("</nav>")]
    assert '<li><a href="#In-short">In short</a></li>' in toc
    assert '<li><a href="#Details">Details</a><ul><li><a href="#Drivers">Drivers</a></li></ul></li>' in toc
    assert body.index("</nav>") < body.index('id="In-short"')


def test_figures_and_tables_are_numbered_and_cross_referenced_in_pdf(tmp_path):
    _, body = to_markdown(_numbered_notebook(), tmp_path)
    assert "See [Figure 1](#fig-answers) and [Table 1](#tbl-means);" in body
    assert "![Figure 1: Most answers are high](cell1-0.svg){#fig-answers width=344pt}" in body  # 3/4 page high
    assert r": Table 1: Item means \[1-7 scale\] {#tbl-means}" in body
    typ = pypandoc.convert_text(body, "typst", format="markdown")
    assert "#link(<tbl-means>)[Table 1]" in typ and "<fig-answers>" in typ and "<tbl-means>" in typ
    assert "Figures #link(<fig-answers>)[1] and #link(<fig-second>)[2]." in typ


def test_an_unknown_reference_fails_the_render(tmp_path):
    nb = _notebook(new_markdown_cell("Intro."), new_markdown_cell("As @fig-missing shows."),
                   _figure_cell('#| label: fig-answers\n#| fig-cap: "Answers"'),
                   new_code_cell("#| label: fig-empty\nnothing = 1"))
    message = (r"^Notebook 'the notebook', cell 2 \(counting code and text cells from 1\) refers to @fig-missing, but "
               r"no figure or table cell with output has that label \(labels: fig-answers\)\. Add '#\| label: "
               r"fig-missing' to the cell that draws it, or correct the reference\.$")
    with pytest.raises(RenderError, match=message):
        to_html(nb)
    nb.cells[1].source = "As @fig-empty shows."  # labelled, but it drew nothing
    with pytest.raises(RenderError, match="refers to @fig-empty"):
        to_markdown(nb, tmp_path)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils) to read the PDF")
def test_pdf_keeps_short_tables_whole_and_lets_figures_float(tmp_path):
    from cxstats.report._pdf import to_pdf

    filler = [new_markdown_cell(f"Paragraph {k} of filler text.") for k in range(30)]
    nb = _notebook(new_raw_cell("---\ntitle: T\n---"), *filler,
                   _table_cell('#| label: tbl-short\n#| tbl-cap: "SHORTCAP"', rows=30),
                   new_markdown_cell("AFTERSHORT"),
                   _table_cell('#| label: tbl-long\n#| tbl-cap: "LONGCAP"', rows=120),
                   *[new_markdown_cell(f"More filler {k}.") for k in range(12)],
                   _figure_cell('#| label: fig-tall\n#| fig-cap: "TALLCAP"'),
                   new_markdown_cell("AFTERFIGURE"))
    to_pdf(nb, tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")

    def page_of(mark):
        return next(k for k, page in enumerate(pages) if mark in page)

    assert page_of("Paragraph 29") == 0
    assert page_of("SHORTCAP") == page_of("SAT0") == page_of("SAT29") == 1  # moved whole to page 2
    assert "Table 1: SHORTCAP" in pages[1] and "Table 2: LONGCAP" in text
    long_start = pages.index(next(p for p in pages if "LONGCAP" in p))
    assert "SAT119" not in pages[long_start]  # the long table breaks across pages
    # the figure does not fit below the last filler: the text after it fills the page instead
    assert page_of("AFTERFIGURE") <= page_of("TALLCAP") and "Figure 1: TALLCAP" in text

    # but a figure does not float past the next section's heading: it does not fit below the
    # filler, the text after it does, and the next section waits for the figure
    nb = _notebook(new_raw_cell("---\ntitle: T\n---"), *[new_markdown_cell(f"Filler {k}.") for k in range(22)],
                   _figure_cell('#| label: fig-late\n#| fig-cap: "LATECAP"'), new_markdown_cell("AFTERLATE"),
                   new_markdown_cell("## NEXTSECTION\n\nLast words."))
    to_pdf(nb, tmp_path / "s.pdf")
    pages = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    assert page_of("AFTERLATE") == 0 and page_of("LATECAP") == page_of("NEXTSECTION") == 1
    assert pages[1].index("LATECAP") < pages[1].index("NEXTSECTION")
    nb.cells[-1].source = "### NEXTSUBSECTION\n\nLast words."  # nor past a subsection's heading
    pages = _pdf_pages(nb, tmp_path / "t.pdf")
    assert page_of("AFTERLATE") == 0 and pages[1].index("LATECAP") < pages[1].index("NEXTSUBSECTION")


def _pdf_pages(nb, path) -> list[str]:
    from cxstats.report._pdf import to_pdf

    to_pdf(nb, path)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split("\f")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils) to read the PDF")
def test_pdf_figures_stay_next_to_their_text(tmp_path):
    # a figure a little taller than the rest of the page is scaled down to fit there, after its paragraph
    nb = _notebook(new_raw_cell("---\ntitle: T\n---"), *[new_markdown_cell(f"Filler {k}.") for k in range(10)],
                   new_markdown_cell("BEFOREFIG"), _figure_cell('#| label: fig-near\n#| fig-cap: "NEARCAP"'),
                   new_markdown_cell("AFTERFIG"))
    pages = _pdf_pages(nb, tmp_path / "near.pdf")
    assert "NEARCAP" in pages[0] and pages[0].index("BEFOREFIG") < pages[0].index("NEARCAP")
    text = "\f".join(pages)
    assert text.index("NEARCAP") < text.index("AFTERFIG")  # the text after it follows it
    # two figures with a table between them, neither fitting on the first page: they keep their order
    # and the table stays between them; the text after the first fills the page it leaves
    nb = _notebook(new_raw_cell("---\ntitle: T\n---"), *[new_markdown_cell(f"Filler {k}.") for k in range(22)],
                   _figure_cell('#| label: fig-one\n#| fig-cap: "ONECAP"'), new_markdown_cell("AFTERONE"),
                   _table_cell('#| label: tbl-mid\n#| tbl-cap: "MIDCAP"', rows=3),
                   _figure_cell('#| label: fig-two\n#| fig-cap: "TWOCAP"'), new_markdown_cell("AFTERTWO"))
    pages = _pdf_pages(nb, tmp_path / "two.pdf")
    text = "\f".join(pages)
    assert "AFTERONE" in pages[0] and "ONECAP" in pages[1]
    assert text.index("ONECAP") < text.index("TWOCAP") < text.index("AFTERTWO")
    assert text.index("AFTERONE") < text.index("MIDCAP")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils) to read the PDF")
def test_pdf_callouts_keep_their_title_with_their_text(tmp_path):
    filler = [new_markdown_cell(f"Paragraph {k} of filler text.") for k in range(35)]  # room for two lines
    short = new_markdown_cell("::: {.callout-warning}\n## SHORTTITLE\nSHORTBODY first line of a caution that is "
                              "long enough to wrap onto a second line of text in the box, and more.\n\n- a point\n"
                              "- LASTPOINT\n:::")
    pages = _pdf_pages(_notebook(new_raw_cell("---\ntitle: T\n---"), *filler, short), tmp_path / "short.pdf")
    assert "Paragraph 34" in pages[0]
    assert "SHORTTITLE" in pages[1] and "SHORTBODY" in pages[1] and "LASTPOINT" in pages[1]  # moved whole
    lines = "\n\n".join(f"LINE{k} of a long caution." for k in range(30))  # half a page
    long = new_markdown_cell(f"::: {{.callout-note}}\n## LONGTITLE\n{lines}\n:::")
    pages = _pdf_pages(_notebook(new_raw_cell("---\ntitle: T\n---"), *filler[:26], long), tmp_path / "long.pdf")
    assert "LONGTITLE" in pages[0] and "LINE0 " in pages[0] and "LINE1 " in pages[0]  # the title keeps its first lines
    assert "LINE29" in pages[1]  # a long box breaks rather than leave a page half empty


def test_inline_values_are_text_not_markdown(tmp_path):
    from cxstats.report._inline import substitute

    source = "`{python} n`) customers left; `{python} a` and `{python} b`.\n- `{python} n`. next\n`{python} d` pts"
    assert substitute(source, ["212", "$5", "*x*", "212", "-0.5"], [False] * 5) == (
        "212\\) customers left; \ue0245 and \\*x\\*.\n- 212\\. next\n\\-0.5 pts")
    assert substitute("`{python} s` and `{python} t`", ["**59%**", "a_b"], [True, False]) == "**59%** and a\\_b"
    assert substitute("x `{python} v`) y", ["3"]) == "x 3) y"  # not at a line start: unchanged
    cell = new_markdown_cell("## In short\n\n`{python} n`) customers paid `{python} a`, `{python} b` and "
                             "`{python} c` #`{python} n`; `{python} m`.",
                             metadata={"cxstats": {"inline": ["212", "$5", "$9", "a_b_c", "212", "**bold**"],
                                                   "inline_markdown": [False] * 5 + [True]}})
    page = to_html(_notebook(cell))
    assert "<p>212) customers paid $5, $9 and a_b_c #212; <strong>bold</strong>.</p>" in page  # no MathJax
    assert "\ue024" not in page and "x-mathjax-config" not in page and "libs/mathjax" not in page
    assert "<ol" not in page.split("<body", 1)[1]
    from cxstats.report._cells import report_cells
    from cxstats.report._render import _in_short_html

    assert "212) customers paid $5, $9 and" in _in_short_html(report_cells(_notebook(cell))[1], "r.html")  # the index
    _, body = to_markdown(_notebook(cell), tmp_path)
    blocks = json.loads(pypandoc.convert_text(body, "json", format="markdown"))["blocks"]
    assert [b["t"] for b in blocks if b["t"] != "RawBlock"] == ["Header", "Para"]
    text = pypandoc.convert_text(body, "html", format="markdown", extra_args=["--wrap=none"])
    assert "212) customers paid $5, $9 and a_b_c #212; <strong>bold</strong>." in text


def test_pdf_wide_tables_share_the_page_between_their_long_columns(tmp_path):
    import pandas as pd

    from cxstats.report._pdf import _TABLE, _column_widths

    long = pd.DataFrame({"Data set": ["Corporate reputation survey of mobile-phone customers", "ECSI survey"],
                         "Source": ["Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). A Primer on "
                                    "Partial Least Squares Structural Equation Modeling (PLS-SEM). Sage.", "Tenenhaus"],
                         "Licence": ["GPL-3.0-only", "MIT"]})
    short = pd.DataFrame({"item": ["SAT1", "SAT2"], "mean": [5.5, 4.25]})
    cells = [new_code_cell(f'#| tbl-cap: "{name}"\ntable', outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/html": frame.to_html(), "text/plain": str(frame)}, execution_count=1)])
        for name, frame in (("Long", long), ("Short", short))]
    _, body = to_markdown(_notebook(*cells), tmp_path)
    typ = pypandoc.convert_text(body, "typst", format="markdown", extra_args=["--wrap=none"])
    typ = _TABLE.sub(_column_widths, typ)
    # the long text takes the room the other two columns leave (they fit on one line each)
    assert "columns: (auto, 12.1fr, auto,)," in typ
    assert "columns: 2," in typ  # a table that fits keeps Typst's widths
