"""Shared pieces of every cxstats figure: made without pyplot, one palette, labels kept inside.

- Figures are :class:`ReportFigure` objects (a :class:`matplotlib.figure.Figure` that
  Jupyter displays through its own ``_repr_mimebundle_``). Nothing is registered in pyplot,
  so a plotting call whose Figure is the cell's value shows the figure once, not twice
  (pyplot's inline backend would show it a second time), and no figure piles up in
  ``plt.get_fignums()``. A figure that is not the cell's value (the line ends with ``;``, or
  the figure is assigned) is shown once when the cell ends, as with pyplot.
- One colour-blind-safe palette for the package: Okabe & Ito (2008), ordered so that the
  first four colours (blue, orange, bluish green, black) stay far apart (CIELAB distance
  above 50) for normal vision and for deuteranopia, the commonest colour-vision deficiency.
- :func:`draw_intervals`, :func:`interval_key` and :func:`finish_interval_plot` draw the
  interval plots (forest plots of group comparisons, lagged effects, PLS multigroup paths):
  bars, markers filled when the estimate is notable, a dashed zero line, a legend of the marks.
- :func:`keep_inside` widens an axes' limits until every text placed in data coordinates
  (point labels, value labels) lies inside the axes.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation

__all__ = ["ACCENT", "GREY", "PALETTE", "ReportFigure", "colours", "draw_intervals", "finish_interval_plot",
           "interval_key", "keep_inside", "new_figure"]

#: Okabe-Ito colours, in the order groups receive them.
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#000000", "#CC79A7", "#D55E00", "#56B4E9",
                            "#F0E442")
#: The colour of a mark that asks for attention (a claim, "concentrate here").
ACCENT = "#D55E00"
#: Secondary ink: reference lines, base sizes, notes.
GREY = "#6b6b6b"
#: Line styles that tell groups apart when more than the palette's colours are needed.
_DASHES = ("-", "--", ":", "-.")


def colours(n: int) -> list[str]:
    """The first ``n`` palette colours (repeating after eight; pair them with line styles)."""
    return [PALETTE[k % len(PALETTE)] for k in range(max(int(n), 0))]


def dashes(n: int) -> list[str]:
    """A line style per group: solid for the first eight, then dashed, dotted, ..."""
    return [_DASHES[(k // len(PALETTE)) % len(_DASHES)] for k in range(max(int(n), 0))]


class ReportFigure(Figure):
    """A matplotlib Figure that Jupyter shows by itself (SVG or PNG), once.

    The format follows IPython's ``InlineBackend.figure_formats`` when it is configured
    (``%config InlineBackend.figure_formats = ['svg']``), else PNG.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)  # fig.canvas.draw() works as on a pyplot figure, without pyplot
        self._shown = False
        _show_at_end_of_cell(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        self._shown = True
        formats, kwargs = _inline_settings()
        bundle: dict[str, Any] = {}
        for fmt in formats:
            buffer = io.BytesIO()
            options = {"bbox_inches": "tight", **kwargs}
            if fmt in ("png", "retina", "png2x"):
                options.setdefault("dpi", 2 * self.dpi if fmt != "png" else self.dpi)
                self.savefig(buffer, format="png", **options)
                bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
            elif fmt == "svg":
                self.savefig(buffer, format="svg", **options)
                bundle["image/svg+xml"] = buffer.getvalue().decode("utf-8")
        if not bundle:
            self.savefig(buffer := io.BytesIO(), format="png", bbox_inches="tight")
            bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        bundle["text/plain"] = repr(self)
        return bundle


_PENDING: list[ReportFigure] = []  # figures made in the running Jupyter cell and not shown yet
_HOOKED: list[Any] = []            # the shell whose post_execute event shows them


def _show_at_end_of_cell(fig: ReportFigure) -> None:
    """In a Jupyter kernel, show ``fig`` when its cell ends unless the cell already showed it.

    A figure that is the cell's value is shown by Jupyter through ``_repr_mimebundle_``;
    one whose line ends with ``;`` (or that is assigned to a name) is shown here, once, as
    pyplot's inline backend would, but without the second copy pyplot adds to a returned
    figure.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of every Jupyter kernel
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:  # scripts, tests, terminal IPython
        return
    if shell not in _HOOKED:
        shell.events.register("post_execute", _show_pending)
        _HOOKED.append(shell)
    _PENDING.append(fig)


def _show_pending() -> None:
    figures = list(_PENDING)
    _PENDING.clear()
    from IPython.display import display

    for fig in figures:
        if not fig._shown:
            display(fig)


def _inline_settings() -> tuple[list[str], dict[str, Any]]:
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # pragma: no cover - matplotlib-inline comes with ipykernel
        return ["png"], {}
    if not InlineBackend.initialized():
        return ["png"], {}
    backend = InlineBackend.instance()
    formats = [f for f in backend.figure_formats if f in ("png", "retina", "png2x", "svg")]
    kwargs = {k: v for k, v in dict(backend.print_figure_kwargs).items() if k in ("bbox_inches", "metadata", "dpi")}
    return (formats or ["png"]), kwargs


def new_figure(width: float, height: float, *, ax: Any = None, nrows: int = 1, ncols: int = 1,
               **subplots: Any) -> tuple[Figure, Any]:
    """A new :class:`ReportFigure` with constrained layout and its axes, or ``ax``'s figure and ``ax``.

    A user's own axes (``ax=``) are drawn into as they are; a new figure is never
    registered in pyplot.
    """
    if ax is not None:
        return ax.figure, ax
    fig = ReportFigure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, **subplots)
    return fig, axes


def draw_intervals(ax: Any, y: Any, estimate: Any, low: Any, high: Any, *, ink: Any, filled: Any,
                   size: float = 40) -> None:
    """Interval bars from ``low`` to ``high`` at heights ``y`` and a marker at each estimate, in
    ``ink``, filled where ``filled`` is true and hollow (white) elsewhere."""
    ax.hlines(y, low, high, color=ink, linewidth=2)
    ax.scatter(estimate, y, s=size, zorder=3, color=np.where(filled, ink, "white"), edgecolor=ink, linewidths=1.4)


def interval_key(*, filled: str, hollow: str, bar: str, zero: str) -> list[Line2D]:
    """Legend entries that explain the marks of :func:`draw_intervals` and the zero line:
    "Filled: ``filled``", "Hollow: ``hollow``", "Bar: ``bar``", "Dashed: ``zero``"."""
    return [Line2D([], [], ls="", marker="o", color="0.3", label=f"Filled: {filled}"),
            Line2D([], [], ls="", marker="o", color="0.3", mfc="white", label=f"Hollow: {hollow}"),
            Line2D([], [], color="0.3", lw=2, label=f"Bar: {bar}"),
            Line2D([], [], color=GREY, lw=0.8, ls="--", label=f"Dashed: {zero}")]


def finish_interval_plot(fig: Figure, ax: Any, handles: list[Any], *, own: bool, title: str) -> Figure:
    """The common end of an interval plot: a dashed line at zero, the legend (below the plot
    when the figure is the function's own, constrained layout making room for it; inside a
    user's axes otherwise), the title on the left, no top and right spines. Returns ``fig``."""
    ax.axvline(0.0, color=GREY, linewidth=0.8, linestyle="--")
    if own:
        fig.legend(handles=handles, fontsize=7, frameon=False, loc="outside lower center", ncols=2)
    else:
        ax.legend(handles=handles, fontsize=7, frameon=False)
    ax.set_title(title, loc="left", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def keep_inside(ax: Any, *, rounds: int = 4) -> None:
    """Widen ``ax``'s limits until its texts in data coordinates (labels of points) fit inside it.

    Offsets in points (``annotate(..., textcoords="offset points")``) keep their size when the
    limits grow, so this repeats a few times until nothing sticks out.
    """
    fig = ax.figure
    texts = [t for t in ax.texts if t.get_visible() and t.get_text() and (
        t.xycoords == "data" if isinstance(t, Annotation) else t.get_transform() is ax.transData)]
    for text in texts:  # the layout engine must not shrink the axes for them: they will fit inside
        text.set_in_layout(False)
    for _ in range(rounds):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = ax.get_window_extent(renderer)
        inverse = ax.transData.inverted()
        grow = False
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        for text in texts:
            extent = text.get_window_extent(renderer)
            if extent.width > 0.8 * box.width or extent.height > 0.8 * box.height:
                continue  # cannot fit however far the limits grow: shorten the label instead
            if (extent.x0 >= box.x0 and extent.x1 <= box.x1 and extent.y0 >= box.y0 and extent.y1 <= box.y1):
                continue
            (a, b), (c, d) = inverse.transform([[extent.x0, extent.y0], [extent.x1, extent.y1]])
            pad_x, pad_y = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
            new = (min(x0, a - pad_x), max(x1, c + pad_x), min(y0, b - pad_y), max(y1, d + pad_y))
            if not np.allclose(new, (x0, x1, y0, y1)):
                x0, x1, y0, y1 = new
                grow = True
        if not grow:
            return
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
