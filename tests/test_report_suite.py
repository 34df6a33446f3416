"""The suite: the index as an executive summary, failures that do not stop the others, report checks.

The notebooks here carry stored outputs (and stored inline values), so nothing starts a kernel.
"""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from cxstats.report import RenderError, check_notebook, render_notebook, render_suite
from cxstats.report.__main__ import main
from cxstats.report._execute import plain_text

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="100pt"><rect width="9" height="9"/></svg>'


def _notebook(*cells) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


def _front(title: str, **keys) -> nbformat.NotebookNode:
    lines = "".join(f"{k}: {v}\n" for k, v in keys.items())
    return new_raw_cell(f"---\ntitle: \"{title}\"\nsubtitle: Sub {title}\n{lines}---")


def _figure(options: str, svg: str = SVG, times: int = 1) -> nbformat.NotebookNode:
    return new_code_cell(options + "\nfig", outputs=[new_output("display_data", data={"image/svg+xml": svg})] * times)


def _short(text: str, values: list[str]) -> nbformat.NotebookNode:
    return new_markdown_cell(text, metadata={"cxstats": {"inline": values}})


def _suite(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    loyalty = _notebook(
        _front("Loyalty", data="simulated", order=2),
        new_markdown_cell("A demonstration."),
        _short("## In short\n\n- Loyalty is `{python} d` SD higher `{python} ci`, n = `{python} n` (@fig-gap).\n\n"
               "## Details\n\nNot in the index.", ["0.46", "[0.27, 0.65]", "890"]),
        _figure('#| label: fig-gap\n#| fig-cap: "The gap"'),
    )
    data = _notebook(_front("Data", data="real", order=1),
                     _short("## In short\n\n- `{python} n` customers answered, 95% CI `{python} ci`.", ["250", "[1, 2]"]))
    broken = _notebook(_front("Broken", data="real and simulated"), new_markdown_cell("See @fig-nowhere."))
    paths = []
    for name, nb in (("02-loyalty", loyalty), ("01-data", data), ("03-broken", broken)):
        nbformat.write(nb, folder / f"{name}.ipynb")
        paths.append(folder / f"{name}.ipynb")
    return paths


def test_index_is_an_executive_summary_and_a_failure_does_not_stop_the_suite(tmp_path):
    paths = _suite(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "03-broken.html").write_text("stale report")
    reports = render_suite(paths, out, formats=["html"], execute=False)
    assert [r.title for r in reports] == ["Data", "Loyalty", "Broken"]  # order 1, 2, then by file name
    assert [r.error is None for r in reports] == [True, True, False]
    assert "refers to @fig-nowhere" in reports[2].error and reports[2].files == ()
    assert not (out / "03-broken.html").exists()  # no stale report left behind
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.index(">Data</a>") < page.index(">Loyalty</a>") < page.index("Broken")
    assert "Sub Loyalty" in page and '<span class="cx-badge cx-simulated">Simulated data: a demonstration</span>' in page
    assert '<span class="cx-badge cx-real">Real data</span>' in page and "Data: real and simulated" in page
    assert ("<li>Loyalty is 0.46 SD higher [0.27, 0.65], n = 890 "
            '(<a href="02-loyalty.html#fig-gap" title="Open the full report at this figure">Figure 1 in the report</a>).'
            '</li>') in page
    assert "Not in the index" not in page and "A demonstration" not in page
    assert '<a href="02-loyalty.html">HTML</a>' in page
    assert "<b>Missing:</b> this report failed to render." in page and "@fig-nowhere" in page


def test_cli_continues_after_a_failure_and_exits_non_zero_without_a_traceback(tmp_path, capsys):
    paths = _suite(tmp_path)
    code = main([str(paths[0].parent), "-o", str(tmp_path / "out"), "--formats", "html", "--no-execute"])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.err
    assert "03-broken.ipynb: FAILED" in captured.err and "1 of 3 notebooks failed (03-broken.ipynb)" in captured.err
    assert "01-data.ipynb:" in captured.out and (tmp_path / "out" / "02-loyalty.html").exists()


def test_an_unwritable_output_folder_stops_the_suite_before_anything_runs(tmp_path, capsys):
    paths = _suite(tmp_path)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(RenderError, match=r"^Cannot write reports to '.*a-file' .*nothing was executed\.$"):
        render_suite(paths, blocked, formats=["html"])
    with pytest.raises(RenderError, match=r"^Cannot write reports to '.*a-file/sub' \(Not a directory\)"):
        render_notebook(paths[0], blocked / "sub")
    assert main([str(paths[0]), "-o", str(blocked)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert plain_text("\x1b[0;31mZeroDivisionError\x1b[0m: division by zero") == "ZeroDivisionError: division by zero"


def test_report_checks_find_what_a_reader_should_not_see(tmp_path):
    import pandas as pd

    table = pd.DataFrame({"lhs": ["SAT", "LOY"], "op": ["~", "~"], "p_value": ["0.000", "1.4e-55"],
                          "df": [752.0, 3.0], "free": [True, False], "se": [float("nan"), -0.0]},
                         index=pd.Index(["a", float("nan")], name="group"))  # NaN cells are emptied; index NaN stays
    nb = _notebook(
        new_raw_cell("---\ntitle: Checks\nexecute:\n  echo: false\n  warning: false\n---"),
        new_markdown_cell("## Data\n\nOn a 1-7 scale, 6 countries in 2019: `{python} n` answers, a 95% interval (95% CI).",
                          metadata={"cxstats": {"inline": ["250"]}}),
        new_markdown_cell("None of the effects: `{python} d`, p `{python} p`, `{python} ok`. True, we say None.",
                          metadata={"cxstats": {"inline": ["-0.000", "1.4e-55", "True"]}}),
        new_markdown_cell("## Results\n\nLoyalty rose by 0.46 [0.27, 0.65] (p < .001), 59% of n = 1,811."),
        new_code_cell("table", outputs=[new_output("execute_result", data={"text/html": table.to_html()},
                                                   execution_count=1)]),
        _figure("#| label: fig-a", times=2),
        _figure("#| label: fig-b"),
        new_code_cell("model", outputs=[new_output("execute_result", execution_count=2, data={
            "text/plain": "<cxstats.sem.SEMResult object at 0x7f3a2c1d0e50>"})]),
        new_code_cell("#| include: false\nimport warnings\nwarnings.simplefilter('ignore')"),
    )
    problems = check_notebook(nb, "checks.ipynb")
    assert problems[:2] == [
        "the front matter sets 'execute: warning: false': remove it, warnings must show",
        "the front matter has no 'data:' (real, simulated, or which is which): the index shows readers where the "
        "numbers come from"]
    problems = problems[2:]
    assert problems[0] == ("the report does not open with a '## In short' section (the first is 'Data'): put 2-4 "
                           "findings first")
    assert problems[2] == ("cell 4 has result numbers typed by hand ('[0.27, 0.65]', 'p < .001', '59%', 'n = 1,811', "
                           "'0.46'): compute them in a hidden cell and write them with inline code `{python} ...`")
    rest = "\n".join(problems[1:2] + problems[3:])
    assert "cell 2" not in rest  # small integers, scales, years and inline code are fine
    assert "cell 5: program names as column headers (lhs, op, p value, se): give them words a reader knows" in rest
    assert "cell 5: False, True in a table" in rest and "cell 5: NaN in a table" in rest
    assert "cell 5: -0.0, 0.000 in a table" in rest and "cell 5: scientific notation in a table (1.4e-55)" in rest
    assert "cell 5: whole numbers shown as decimals in a table (752.0)" in rest
    assert "cell 6 shows the same figure twice" in rest and "cell 7 repeats the figure of cell 6" in rest
    assert "cell 8 prints a program object (<cxstats.sem.SEMResult object at 0x7f3a2c1d0e50>)" in rest
    assert ("cell 9 silences warnings (warnings.filterwarnings/simplefilter 'ignore'): remove it; show a model's "
            "problems with cxstats.report.cautions(...) instead") in rest
    assert ("cell 3 shows raw program output in its text (-0.000, 1.4e-55, True): format the inline values with "
            "cxstats.formatting") in rest
    assert len(problems) == 13

    no_interval = _notebook(_front("Short", data="real"), _short("Intro.\n\n## In short\n\n- Loyalty rose by `{python} d`.", ["0.46"]))
    assert check_notebook(no_interval) == [
        "the 'In short' section gives no interval: each finding needs its 95% interval"]
    clean = _notebook(_front("Clean", data="simulated"), _short("## In short\n\n- Loyalty rose by `{python} d` `{python} ci`.", ["0.46", "[0.1, 0.8]"]))
    assert check_notebook(clean) == []


def test_strict_turns_report_checks_into_failures(tmp_path, capsys):
    path = tmp_path / "typed.ipynb"
    nbformat.write(_notebook(_front("Typed", data="real"),
                             new_markdown_cell("## In short\n\n- Loyalty rose by 0.46 [0.27, 0.65].")), path)
    (report,) = render_suite([path], tmp_path / "lenient", formats=["html"], execute=False)
    assert report.error is None and "typed by hand" in report.problems[0]
    (report,) = render_suite([path], tmp_path / "strict", formats=["html"], execute=False, strict=True)
    assert report.error.startswith("Notebook 'typed.ipynb' fails the report checks (--strict): cell 2 has result "
                                   "numbers typed by hand")
    assert main([str(path), "-o", str(tmp_path / "cli"), "--formats", "html", "--no-execute"]) == 0
    assert "check: cell 2 has result numbers typed by hand" in capsys.readouterr().out
    assert main([str(path), "-o", str(tmp_path / "cli"), "--formats", "html", "--no-execute", "--strict"]) == 1


def test_in_short_takes_markdown_displayed_by_code_cells(tmp_path):
    from cxstats.report._cells import in_short, report_cells

    summary = new_code_cell("result.plain_summary()", outputs=[new_output(
        "display_data", data={"text/markdown": "- Loyalty is higher in the US.", "text/plain": "..."})])
    nb = _notebook(new_markdown_cell("## In short"), summary,
                   new_code_cell("fig", outputs=[new_output("display_data", data={"image/svg+xml": SVG})]),
                   new_markdown_cell("More.\n\n## Next\n\nLater."))
    assert in_short(report_cells(nb)[1]) == "- Loyalty is higher in the US.\n\nMore."
