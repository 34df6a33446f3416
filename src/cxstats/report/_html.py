"""Executed notebook -> stakeholder HTML (nbconvert, code hidden, one self-contained file)."""

from __future__ import annotations

import base64
import copy
import html
import re

import nbformat
from nbconvert import HTMLExporter

from nbconvert.filters.markdown_mistune import markdown2html_mistune

from ._callouts import COLOURS, callouts_to_html
from ._cells import report_cells
from ._inline import DOLLAR

__all__ = ["to_html", "report_cells"]  # report_cells: kept here for existing imports

# the boxes of Quarto callouts (also used by the suite's index page)
CALLOUT_CSS = """  .cx-callout { border: 1px solid; border-left-width: 5px; border-radius: 4px; padding: 0.5rem 0.9rem;
                margin: 0.8rem 0; }
  .cx-callout-title { font-weight: 600; margin-bottom: 0.2rem; }
  .cx-callout-body > :last-child { margin-bottom: 0; }
""" + "\n".join(f"  .cx-callout-{kind} {{ border-color: {border}; background: {fill}; }}"
               for kind, (border, fill) in COLOURS.items())

_CSS = """
<style>
  body { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem; }
  .jp-Notebook { padding: 0; }
  .cx-title h1 { margin-bottom: 0.2rem; }
  .cx-title p { color: #555; margin-top: 0; }
  .jp-RenderedHTMLCommon table { font-size: 0.82rem; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 0.2em 0.5em; }
  .cx-figure { margin: 0.5rem 0 1.2rem 0; }
  .cx-figure img { max-width: 100%; height: auto; }
  .cx-caption { font-size: 0.9rem; color: #444; margin: 0.2rem 0 1.2rem 0; }
  .cx-back { font-size: 0.85rem; margin: 0 0 0.8rem 0; }
  .cx-toc { font-size: 0.9rem; border-left: 3px solid #ccc; padding: 0.2rem 0.9rem; margin: 0.8rem 0 1.5rem 0; }
  .cx-toc-title { font-weight: 600; margin: 0.2rem 0; }
  .cx-toc ul { margin: 0; padding-left: 1.1rem; }
  .cx-toc ul ul { font-size: 0.85rem; padding-left: 1rem; }
@CALLOUTS@
</style>
""".replace("@CALLOUTS@", CALLOUT_CSS)


def _title_block(meta: dict) -> str:
    parts = ['<p class="cx-back"><a href="index.html">&larr; All reports</a></p>',
             f"<h1>{html.escape(str(meta.get('title', 'Report')))}</h1>"]
    sub = " · ".join(str(meta[k]) for k in ("subtitle", "author", "date") if meta.get(k))
    if sub:
        parts.append(f"<p>{html.escape(sub)}</p>")
    return f'<div class="cx-title">{"".join(parts)}</div>'


def _figure_html(output: nbformat.NotebookNode, caption: str | None, alt: str | None,
                 anchor: str | None) -> nbformat.NotebookNode:
    """An image output as an HTML <figure>: the numbered caption below, the cell's fig-cap as alt text."""
    data = output.get("data", {})
    if "image/svg+xml" in data:
        source = "data:image/svg+xml;base64," + base64.b64encode(data["image/svg+xml"].encode("utf-8")).decode()
    elif "image/png" in data:
        source = "data:image/png;base64," + data["image/png"].replace("\n", "")
    else:
        return output
    alt = html.escape(alt or caption or "Figure", quote=True)
    figcaption = f'<figcaption class="cx-caption">{html.escape(caption)}</figcaption>' if caption else ""
    ident = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
    return nbformat.v4.new_output("display_data", data={
        "text/html": f'<figure class="cx-figure"{ident}><img alt="{alt}" src="{source}">{figcaption}</figure>'})


def _markdown_output_html(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A Markdown output holding a callout (a warning's "Caution", ``cautions()``) as HTML."""
    data = output.get("data", {})
    markdown = data.get("text/markdown")
    if not markdown or ":::" not in markdown:
        return output
    return nbformat.v4.new_output("display_data", data={
        "text/html": markdown2html_mistune(callouts_to_html(markdown, markdown2html_mistune))})


def to_html(nb: nbformat.NotebookNode, name: str = "the notebook", prepared: tuple | None = None) -> str:
    """Render an executed notebook as one HTML page with the code hidden.

    ``prepared``: the notebook's :func:`report_cells`, when the caller has them already.
    """
    meta, cells = copy.deepcopy(prepared) if prepared is not None else report_cells(nb, name)
    shown = nbformat.v4.new_notebook(metadata=nb.metadata)
    shown.cells.append(nbformat.v4.new_markdown_cell(_title_block(meta) + "\n" + _TOC_MARK, id="cx-title"))
    for index, cell in enumerate(cells):
        options = cell.metadata.get("cx_options", {})
        if cell.cell_type == "markdown":
            cell.source = callouts_to_html(cell.source, markdown2html_mistune)
        if cell.cell_type == "code":
            caption, label = cell.metadata.get("cx_caption"), cell.metadata.get("cx_label")
            is_table = str(label or "").startswith("tbl-") or (not label and options.get("tbl-cap"))
            anchor, outputs = (None if is_table else label), []
            for output in cell.outputs:
                figure = _figure_html(output, None if is_table else caption, options.get("fig-cap"), anchor)
                if figure is not output:
                    anchor = None  # one anchor per cell: its first image
                outputs.append(_markdown_output_html(figure))
            cell.outputs = outputs
            if is_table and caption and cell.outputs:
                ident = f' id="{html.escape(label, quote=True)}"' if label else ""
                shown.cells.append(nbformat.v4.new_markdown_cell(
                    f'<p class="cx-caption"{ident}>{html.escape(caption)}</p>', id=f"cx-caption-{index}"))
        shown.cells.append(cell)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(shown, resources={"metadata": {"name": meta.get("title", "Report")}})
    # the dollar signs of inline values (DOLLAR kept them from being read as maths on the way) as "$"
    return _offline(_with_toc(body.replace("</head>", _CSS + "</head>", 1))).replace(DOLLAR, "$")


# nbconvert's page loads require.js and MathJax from a CDN; a report has no widgets or
# formulas, and must read the same offline (a file sent by e-mail, a laptop on a train)
_CDN_SCRIPTS = re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/(?:require\.js|mathjax)/[^"]*">\s*</script>'
                          r'|<!-- MathJax configuration -->\s*<script type="text/x-mathjax-config">.*?</script>', re.S)


def _offline(page: str) -> str:
    """The page without the scripts nbconvert fetches from the internet (require.js, MathJax)."""
    return _CDN_SCRIPTS.sub("", page)


_TOC_MARK = '<div class="cx-toc-here"></div>'
_HEADINGS = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def _with_toc(page: str) -> str:
    """The page with a table of contents in place of the mark: its ``##`` headings, linked, each
    with its ``###`` subsections nested below it."""
    sections: list[tuple[str, list[str]]] = []
    for level, ident, inner in _HEADINGS.findall(page):
        text = re.sub(r"<a class=\"anchor-link\".*?</a>", "", inner, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text).strip()
        entry = f'<a href="#{ident}">{text}</a>'
        if level == "2":
            sections.append((entry, []))
        elif sections:  # a subsection before the first section stays out of the contents
            sections[-1][1].append(entry)
    entries = [f"<li>{entry}" + (f"<ul>{''.join(f'<li>{s}</li>' for s in subs)}</ul>" if subs else "") + "</li>"
               for entry, subs in sections]
    toc = (f'<nav class="cx-toc"><p class="cx-toc-title">Contents</p><ul>{"".join(entries)}</ul></nav>'
           if len(entries) >= 2 else "")
    return page.replace(_TOC_MARK, toc, 1)
