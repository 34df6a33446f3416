"""Executed notebook -> PDF: cells to Pandoc Markdown, Pandoc to Typst, Typst to PDF.

All three tools come from the package registries: pandoc inside ``pypandoc_binary`` and
the Typst compiler inside ``typst``. Figures are embedded as SVG (vector) or PNG; HTML
tables (pandas) are converted to Markdown tables by pandoc and typeset by Typst with a
smaller font so that wide tables fit the page.
"""

from __future__ import annotations

import base64
import re
import tempfile
from pathlib import Path

import nbformat
import pypandoc
import typst
import yaml

from ._execute import RenderError

from ._callouts import callouts_to_typst
from ._cells import report_cells
from ._inline import DOLLAR

__all__ = ["to_pdf", "to_markdown"]

_HEADER = r"""
// no creation date in the file: a re-rendered report with the same content is the same file
#set document(date: none)
#set text(size: 10pt)
#set par(justify: false)
#show table: set text(size: 7.5pt)
#show table: set par(justify: false)
#show table.cell.where(y: 0): set text(weight: "bold")
#show raw.where(block: true): set text(size: 7.5pt)
#set figure(numbering: none)  // captions carry the report's own numbers ("Figure 2: ...")
#show figure.where(kind: table): set block(breakable: true)
#show figure.where(kind: table): set figure.caption(position: top)
// a table that fits on one page is kept whole; a longer one breaks across pages
#show figure.where(kind: table): it => layout(size => {
  block(breakable: measure(it, width: size.width).height > size.height, width: 100%, it)
})
// A figure stays where the text puts it, next to the paragraphs about it. When it does not fit
// in the rest of the page but would at 75% or more of its size, it is scaled down to fit; when
// it is much taller than the rest of the page, it goes to the top of the next page and the text
// after it fills this one; a figure after one that went ahead follows it (their order holds).
#let cx-page-bottom = 841.89pt - 2.2cm
#let cx-deferred = state("cx-deferred", 0)
#show figure.where(kind: image): it => context {
  let here-now = here()
  let room = (cx-page-bottom - here-now.position().y - 2.4em).to-absolute()  // less the spacing around it
  let body = measure(it.body, width: 481.9pt).height
  let caption = if it.caption == none { 0pt } else {
    (measure(it.caption, width: 481.9pt).height + it.gap).to-absolute()
  }
  let after-deferred = cx-deferred.get() == here-now.page()
  place([])  // anchors here() where the text stops, even when the figure itself moves on
  if not after-deferred and body + caption <= room {
    it
  } else if not after-deferred and body > 0pt and (room - caption) >= 0.75 * body {
    block(breakable: false, width: 100%, above: 1.2em, below: 1.2em, align(center, {
      scale((room - caption) / body * 100%, reflow: true, it.body)
      v(it.gap, weak: true)
      it.caption
    }))
  } else if room < (4em).to-absolute() or (after-deferred and body + caption > room) {
    // the page is full anyway, or a figure went ahead to the next page: this one follows it there
    it
  } else {
    cx-deferred.update(here-now.page())
    place(top, float: true, clearance: 1.5em, it)
  }
}
#show figure.caption: set text(size: 8.5pt)
// a caption above a table stays with the table instead of ending a page on its own
#show figure.caption.where(position: top): set block(sticky: true)
// a callout box: a short one (up to a third of a page) is kept whole; a longer one may break
// rather than leave a page half empty, but its title stays with its first lines
#let cx-callout(fill: none, border: black, title: [], body) = layout(size => {
  let framed(breakable) = block(width: 100%, breakable: breakable, inset: (x: 8pt, y: 6pt), radius: 2pt,
    fill: fill, stroke: (left: 3pt + border, rest: 0.6pt + border), {
      block(sticky: true, above: 0pt, below: 0.8em, strong(title))
      body
    })
  framed(measure(framed(false), width: size.width).height > size.height / 3)
})
#set table(stroke: (x, y) => if y == 0 { (bottom: 0.6pt) } else { none }, inset: (x: 4pt, y: 2.5pt))
"""

_MARKDOWN_FORMAT = "markdown-raw_html-native_divs-native_spans-fenced_divs-bracketed_spans-raw_attribute"


def _html_to_markdown(fragment: str) -> str:
    fragment = re.sub(r"<style.*?</style>", "", fragment, flags=re.S)
    return pypandoc.convert_text(fragment, _MARKDOWN_FORMAT, format="html", extra_args=["--wrap=none"])


# the page body of A4 with the margins below, in pt; a figure takes at most 3/4 of its height
_BODY_WIDTH, _BODY_HEIGHT = 481.9, 716.0
_FIGURE_HEIGHT = 0.75 * _BODY_HEIGHT


def _svg_width(svg: str) -> str:
    """The width attribute for a figure: natural size, scaled down to the page width and 3/4 of its height."""
    found = [re.search(rf'<svg[^>]*\s{side}="([0-9.]+)pt"', svg) for side in ("width", "height")]
    if not all(found):
        return ""
    width, height = (float(f.group(1)) for f in found)  # type: ignore[union-attr]
    if width <= 0 or height <= 0:
        return ""
    shown = min(width, _BODY_WIDTH, _FIGURE_HEIGHT * width / height)
    return f"width={shown:.0f}pt"


# a figure that went ahead to the next page (see _HEADER) stays in its section and subsection: pending
# ones are placed before a new #, ## or ### heading
_FLUSH_BEFORE_SECTION = re.compile(r"^(?=#{1,3}\s)", re.M)
_FLUSH = "```{=typst}\n#place.flush()\n```\n\n"


def _escape_caption(text: str) -> str:
    return re.sub(r"([\[\]\\*_`$<>@#])", r"\\\1", text)


def _output_markdown(output: nbformat.NotebookNode, media: Path, stem: str, caption: str | None,
                     label: str | None = None) -> str:
    if output.output_type == "stream":
        return f"```\n{output.text.rstrip()}\n```"
    if output.output_type not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {})
    for mime, suffix in (("image/svg+xml", "svg"), ("image/png", "png")):
        if mime in data:
            target = media / f"{stem}.{suffix}"
            size = ""
            if suffix == "svg":
                target.write_text(data[mime], encoding="utf-8")
                size = _svg_width(data[mime])
            else:
                target.write_bytes(base64.b64decode(data[mime]))
            attributes = " ".join(a for a in (f"#{label}" if label else "", size) if a)
            return f"![{_escape_caption(caption or '')}]({target.name})" + (f"{{{attributes}}}" if attributes else "")
    if "text/markdown" in data:
        return data["text/markdown"]
    if "text/html" in data:
        table = _html_to_markdown(data["text/html"])
        if caption and "<table" in data["text/html"]:
            return f"{table}\n\n: {_escape_caption(caption)}" + (f" {{#{label}}}" if label else "")
        return table
    if "text/plain" in data:
        return f"```\n{data['text/plain'].rstrip()}\n```"
    return ""


def to_markdown(nb: nbformat.NotebookNode, media: Path, name: str = "the notebook",
                prepared: tuple | None = None) -> tuple[dict, str]:
    """Front matter and the report body as Pandoc Markdown; figures are written to ``media``."""
    meta, cells = prepared if prepared is not None else report_cells(nb, name)
    blocks: list[str] = []
    anchors: set[str] = set()
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            blocks.append(_FLUSH_BEFORE_SECTION.sub(_FLUSH, callouts_to_typst(cell.source)))
            continue
        caption, label = cell.metadata.get("cx_caption"), cell.metadata.get("cx_label")
        for k, output in enumerate(cell.outputs):
            block = _output_markdown(output, media, f"cell{index}-{k}", caption, label)
            if label and f"#{label}" in block:
                anchors.add(label)
                label = None  # one anchor per cell
            if block:
                blocks.append(callouts_to_typst(block))
    # an empty comment between blocks ends a list: otherwise Pandoc reads an indented table
    # that follows a list (e.g. a plain_summary()) as part of its last item and loses the caption
    body = ("\n\n<!-- -->\n\n".join(blocks) + "\n").replace(DOLLAR, "\\$")
    # a reference to a figure or table without an anchor in the PDF stays plain text
    body = re.sub(r"\[((?:(?:Figure|Table) )?\d+)\]\(#((?:fig|tbl)-[\w-]+)\)",
                  lambda m: m.group(0) if m.group(2) in anchors else m.group(1), body)
    return meta, body


# table text is 7.5pt: about 3.4pt a character, plus the cell's inset
_CHAR_WIDTH, _CELL_INSET = 3.4, 8.0
_TABLE = re.compile(r"(#table\(\n\s*columns: )(\d+)(,\n.*?\n\s*\)\])", re.S)


def _cells(row: str) -> list[str]:
    """The cells (``[...]``) of one line of a Typst table as Pandoc writes it."""
    cells, depth, start, k = [], 0, 0, 0
    while k < len(row):
        char = row[k]
        if char == "\\":
            k += 2
            continue
        if char == "[":
            if depth == 0:
                start = k + 1
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                cells.append(row[start:k])
        k += 1
    return cells


def _text_length(cell: str) -> int:
    text = re.sub(r"#\w+(?:\.\w+)*(?:\([^)]*\))?", "", cell)  # Typst calls: #strong, #link(<x>)
    return len(re.sub(r"\\(.)|[\[\]]", r"\1", text).strip())


def _column_widths(match: re.Match) -> str:
    """A wide table's columns: narrow ones as wide as their text, the rest share the page.

    Pandoc leaves column widths to Typst, which keeps a long first column on one line and
    squeezes a column of long text into a narrow strip; a table that fits keeps its widths.
    """
    count = int(match.group(2))
    lengths = [0] * count
    for line in match.group(3).splitlines():
        cells = _cells(line)
        if len(cells) == count:
            lengths = [max(a, _text_length(c)) for a, c in zip(lengths, cells, strict=True)]
    natural = [n * _CHAR_WIDTH + _CELL_INSET for n in lengths]
    if sum(natural) <= _BODY_WIDTH:
        return match.group(0)
    fixed: set[int] = set()
    while True:  # columns narrower than an equal share of the width left keep their natural width
        left = _BODY_WIDTH - sum(natural[k] for k in fixed)
        rest = [k for k in range(count) if k not in fixed]
        narrow = {k for k in rest if natural[k] <= left / len(rest)}
        if not narrow or len(narrow) == len(rest):
            break
        fixed |= narrow
    # the wide columns share the rest by the square root of their text's length: a long column
    # gets more room, but not so much that a shorter one wraps into many lines
    widths = ", ".join("auto" if k in fixed else f"{max(lengths[k], 1) ** 0.5:.1f}fr" for k in range(count))
    return f"{match.group(1)}({widths},){match.group(3)}"


def to_pdf(nb: nbformat.NotebookNode, target: Path, name: str = "the notebook", prepared: tuple | None = None) -> None:
    """Render an executed notebook to a PDF file at ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        meta, body = to_markdown(nb, folder, name, prepared)
        (folder / "header.typ").write_text(_HEADER, encoding="utf-8")
        settings = {"papersize": "a4", "margin": {"x": "2cm", "y": "2.2cm"}, "fontsize": "10pt",
                    "page-numbering": "1"}
        settings.update({k: str(meta[k]) for k in ("title", "subtitle", "date", "author") if meta.get(k)})
        body = "---\n" + yaml.safe_dump(settings, allow_unicode=True) + "---\n\n" + body
        args = ["--standalone", "--wrap=none", "--columns=110", f"--include-in-header={folder / 'header.typ'}"]
        source = _TABLE.sub(_column_widths, pypandoc.convert_text(body, "typst", format="markdown", extra_args=args))
        typ = folder / "report.typ"
        typ.write_text(source, encoding="utf-8")
        try:
            typst.compile(str(typ), output=str(target), root=str(folder))
        except typst.TypstError as exc:
            raise RenderError(
                f"Typst could not typeset the PDF of '{target.stem}': {exc}. The HTML report is "
                "unaffected; check the notebook's Markdown cells and table outputs."
            ) from None
