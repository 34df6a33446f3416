"""Report checks: what a stakeholder report must not show (``docs: shared/REPORTS.md``).

:func:`check_notebook` looks at an executed notebook as its report shows it and returns
one sentence per problem:

- result numbers typed by hand in Markdown (after the inline code is removed): decimals
  (0.94), percentages (59%), p-values (p < .001), bracketed intervals ([0.27, 0.65]),
  sample sizes (n = 250) and large counts (1,811); small integers ("three", "1-7 scale",
  "6 countries"), 100 (the end of a 0-100 scale), "95% interval", years and heading numbers
  are allowed;
- the same figure shown twice (in one cell, or two identical images);
- raw program output in tables and text: lavaan/snake_case column names (``lhs``, ``op``,
  ``rhs``, ``ci_low``), ``True``/``False`` or ``NaN`` cells, ``0.000`` / ``-0.000``,
  scientific notation (``1.4e-55``), whole numbers printed as floats (``752.0``) and
  object reprs (``<... object at 0x...>``);
- a report that does not open with "In short", or whose In short gives no interval;
- front matter without ``data:`` or with ``execute: warning: false``; code that silences warnings.

``render_suite`` prints them; with ``strict=True`` (``--strict``) they fail the render.
"""

from __future__ import annotations

import hashlib
import re

import nbformat
from bs4 import BeautifulSoup

from ._cells import in_short, markdown_sources, report_cells

__all__ = ["check_notebook", "check_cells"]

# -- numbers typed by hand ---------------------------------------------------------------
_INLINE = re.compile(r"`\{python\}[^`]*`")
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+|<[^>]+>")
_HEADING_NUMBER = re.compile(r"^(#{1,6}\s+)[\d.]+\s", re.M)
_HAND_TYPED = [
    ("interval", re.compile(r"\[\s*[-−]?\d[\d.,]*\s*[,;–—]\s*[-−]?\d[\d.,]*\s*\]")),
    ("p-value", re.compile(r"(?<![\w.])p\s*[<=>≤≥]\s*[-−]?(?:0?\.\d+|\d)")),
    ("percentage", re.compile(r"(?<![\w.])[-−+]?\d+(?:[.,]\d+)?\s?%")),
    ("sample size", re.compile(r"(?<![\w.])[nN]\s*=\s*\d[\d,]*")),
    ("decimal", re.compile(r"(?<![\w.\-–])[-−+]?\d*\.\d+(?![\w.]*\.\d)(?!\.?\w)")),
    ("count", re.compile(r"(?<![\w.,\-–])\d{1,3}(?:,\d{3})+(?![\w.,]\d)|(?<![\w.,\-–])\d{3,}(?![\w.,\-–]?\d)")),
]
_YEAR = re.compile(r"^(1[89]|20)\d\d$")


def _typed_numbers(markdown: str) -> list[str]:
    text = _INLINE.sub(" ", markdown)
    text = _CODE.sub(" ", text)
    text = _LINK_TARGET.sub(" ", text)
    text = _HEADING_NUMBER.sub(r"\1", text)
    text = re.sub(r"(?<![\w.])\d+\s*[-–—]\s*\d+(?=\s*(?:-?point\s+)?(?:scale|index|points?)\b)", " ", text)
    text = re.sub(r"(?<![\w.])(?:90|95|99)\s?%(?=[\s-]*(?:CI|confidence|credible|interval|bootstrap|level))", " ", text)
    found: list[str] = []
    for kind, pattern in _HAND_TYPED:
        for match in pattern.finditer(text):
            value = match.group(0).strip()
            if kind == "count" and (_YEAR.match(value) or value == "100"):
                continue  # a year, or the end of a 0-100 scale
            found.append(value)
        text = pattern.sub(" ", text)  # a number is reported once, under its first kind
    return found


# -- raw program output --------------------------------------------------------------------
_VOCABULARY = {"lhs", "op", "rhs", "se", "z", "pvalue", "p value", "ci low", "ci high", "std all", "std lv",
               "est", "estimate", "p_value", "ci_low", "ci_high", "std_all"}
_SNAKE = re.compile(r"^[A-Za-z]+(?:_[A-Za-z0-9]+)+$")
_REPR = re.compile(r"<[\w.]+(?: [\w.]+)* object at 0x[0-9a-fA-F]+>")
_ZERO = re.compile(r"^[-−]?0\.000+$|^[-−]0(?:\.0+)?$")
_SCIENTIFIC = re.compile(r"^[-−]?\d(?:\.\d+)?e[-+]?\d+$", re.I)
_WHOLE_FLOAT = re.compile(r"^[-−]?\d+\.0+$")
_RAW_WORDS = {"None", "True", "False", "nan", "NaN", "<NA>", "NaT"}
_RAW_TEXT = re.compile(r"(?<![\w.])(?:NaN|nan|[-−]0\.0+|\d(?:\.\d+)?e[-+]\d+)(?![\w.])|"
                       r"<[\w.]+(?: [\w.]+)* object at 0x[0-9a-fA-F]+>")
_NUMBER = re.compile(r"^[-−]?\d[\d,]*(?:\.\d+)?$")


def _table_problems(fragment: str) -> list[str]:
    problems = []
    soup = BeautifulSoup(fragment, "html.parser")
    for table in soup.find_all("table"):
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        raw = sorted({h for h in headers if h in _VOCABULARY or h.lower() in {"lhs", "op", "rhs"} or _SNAKE.match(h)})
        if raw:
            problems.append(f"program names as column headers ({', '.join(raw)}): give them words a reader knows")
        rows = [[cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
                for row in (table.find("tbody") or table).find_all("tr")]
        cells = [value for row in rows for value in row]
        for values, what in (({"True", "False"}, "True/False cells: use words or marks"),
                             ({"NaN", "nan", "<NA>", "None"}, "NaN/None cells: leave them empty or say why")):
            found = sorted(values & set(cells))
            if found:
                problems.append(f"{', '.join(found)} in a table ({what})")
        zeros = sorted({v for v in cells if _ZERO.match(v)})
        if zeros:
            problems.append(f"{', '.join(zeros)} in a table (show 'p < .001', '< 0.001' or fewer decimals; "
                            "never a negative zero)")
        scientific = sorted({v for v in cells if _SCIENTIFIC.match(v)})
        if scientific:
            problems.append(f"scientific notation in a table ({', '.join(scientific[:3])}): format the numbers")
        width = max((len(row) for row in rows), default=0)
        for column in range(width):
            values = [row[column] for row in rows if column < len(row) and row[column]]
            numbers = [v for v in values if _NUMBER.match(v)]
            whole = numbers and len(numbers) == len(values) and all(_WHOLE_FLOAT.match(v) for v in numbers)
            if whole and len(numbers) >= 2 and any(abs(float(v.replace("−", "-"))) >= 2 for v in numbers):
                problems.append(f"whole numbers shown as decimals in a table ({numbers[0]}): show them as integers")
                break
    return problems


def _output_text(output: nbformat.NotebookNode) -> str:
    if output.output_type == "stream":
        return str(output.get("text", ""))
    data = output.get("data", {})
    return "\n".join(str(data[m]) for m in ("text/html", "text/markdown", "text/plain") if m in data)


def _image_digest(output: nbformat.NotebookNode) -> str | None:
    data = output.get("data", {})
    for mime in ("image/svg+xml", "image/png", "image/jpeg"):
        if mime in data:
            return hashlib.sha1(str(data[mime]).encode("utf-8")).hexdigest()
    return None


def check_cells(cells: list[nbformat.NotebookNode], sources: dict[int, str] | None = None,
                meta: dict | None = None) -> list[str]:
    """The report checks on cells from :func:`report_cells` (see :func:`check_notebook`).

    ``sources`` maps a Markdown cell's index to its text before the inline code was
    substituted (the hand-typed-number check needs it); without it that check is skipped.
    ``meta`` is the front matter (checked for ``data:`` and against ``warning: false``).
    """
    problems: list[str] = []
    if meta is not None:
        execute = meta.get("execute")
        if isinstance(execute, dict) and execute.get("warning") is False:
            problems.append("the front matter sets 'execute: warning: false': remove it, warnings must show")
        if not str(meta.get("data", "")).strip():
            problems.append("the front matter has no 'data:' (real, simulated, or which is which): the index "
                            "shows readers where the numbers come from")

    def where(cell: nbformat.NotebookNode) -> str:
        return f"cell {cell.metadata['cx_index'] + 1}"

    # "In short" first, with an interval
    headings = [m.group(2).strip() for cell in cells if cell.cell_type == "markdown"
                for m in re.finditer(r"^(#{2})\s+(.*?)\s*$", cell.source, re.M)]
    if not headings or headings[0].lower() != "in short":
        first = f" (the first is '{headings[0]}')" if headings else ""
        problems.append(f"the report does not open with a '## In short' section{first}: put 2-4 findings first")
    else:
        short = in_short(cells)
        if not re.search(r"\[\s*[-−]?\d[^\]]*[,;–]\s*[-−]?\d[^\]]*\]|±|\bCI\b|interval", short):
            problems.append("the 'In short' section gives no interval: each finding needs its 95% interval")
    # numbers typed by hand
    for cell in cells:
        if cell.cell_type == "markdown" and sources is not None:
            typed = _typed_numbers(sources.get(cell.metadata["cx_index"], ""))
            if typed:
                shown = ", ".join(f"'{t}'" for t in typed[:5]) + (" ..." if len(typed) > 5 else "")
                problems.append(f"{where(cell)} has result numbers typed by hand ({shown}): compute them in a hidden "
                                "cell and write them with inline code `{python} ...`")
        if cell.cell_type == "markdown":  # the values of its inline code
            values = [str(v).strip() for v in cell.metadata.get("cxstats", {}).get("inline", [])]
            raw = sorted({v for v in values if v in _RAW_WORDS} |
                         {m.group(0) for v in values for m in _RAW_TEXT.finditer(v)})
            if raw:
                problems.append(f"{where(cell)} shows raw program output in its text ({', '.join(raw[:4])}): format "
                                "the inline values with cxstats.formatting")
    # figures shown twice; raw program output
    seen: dict[str, str] = {}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        digests = []
        for output in cell.outputs:
            digest = _image_digest(output)
            if digest is not None:
                if digest in digests:
                    problems.append(f"{where(cell)} shows the same figure twice: end the plotting line with ';' or "
                                    "build it with matplotlib.figure.Figure (not pyplot)")
                elif digest in seen:
                    problems.append(f"{where(cell)} repeats the figure of {seen[digest]}: show each figure once")
                digests.append(digest)
                seen.setdefault(digest, where(cell))
                continue
            if output.get("metadata", {}).get("cx_caution"):
                continue
            text = _output_text(output)
            reprs = sorted(set(_REPR.findall(text)))
            if reprs:
                problems.append(f"{where(cell)} prints a program object ({reprs[0]}): display the result or a "
                                "formatted table instead")
            html = output.get("data", {}).get("text/html", "")
            if "<table" in html:
                problems += [f"{where(cell)}: {p}" for p in _table_problems(html)]
    # warnings silenced in code
    silencing = re.compile(r"^\s*warnings\.(?:filterwarnings|simplefilter)\(\s*[\"']ignore", re.M)
    for index, text in sorted((sources or {}).items()):
        if silencing.search(text):
            problems.append(f"cell {index + 1} silences warnings (warnings.filterwarnings/simplefilter 'ignore'): "
                            "remove it; show a model's problems with cxstats.report.cautions(...) instead")
    return problems


def check_notebook(nb: nbformat.NotebookNode, name: str = "the notebook") -> list[str]:
    """Problems a stakeholder would see in the report of the executed notebook ``nb``.

    Returns
    -------
    list of str
        One sentence per problem, naming the cell (counting code and text cells from 1);
        empty when the report passes.

    Examples
    --------
    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> from nbformat.v4 import new_raw_cell
    >>> front = new_raw_cell("---\\ntitle: Loyalty\\ndata: real\\n---")
    >>> check_notebook(new_notebook(cells=[front, new_markdown_cell("## In short\\n\\n- Loyalty rose by 0.46.")]))
    ... # doctest: +NORMALIZE_WHITESPACE
    ["the 'In short' section gives no interval: each finding needs its 95% interval",
     "cell 2 has result numbers typed by hand ('0.46'): compute them in a hidden cell and write them with inline
     code `{python} ...`"]
    """
    meta, cells = report_cells(nb, name)
    return check_cells(cells, markdown_sources(nb), meta)
