"""Figures. Computation lives in the analysis modules; this module only draws.

Every function returns a :class:`matplotlib.figure.Figure` sized for a report page
(about 7 inches wide) so that it reads the same in HTML and PDF. Figures are made without
pyplot (nothing is left in ``plt.get_fignums()``), so Jupyter shows each one once; colours
come from the package's colour-blind-safe palette (Okabe-Ito) and axes name items by their
codebook labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from . import formatting as fmt
from ._errors import CxStatsError
from ._figures import GREY, PALETTE, keep_inside, new_figure
from .data.codebook import Codebook
from .describe import group_sizes as _group_size_table
from ._validation import need_codebook, survey_parts

__all__ = ["item_distributions", "missingness", "group_sizes", "index_distribution", "metric_dashboard", "figure"]

_WIDTH = 7.0


def _item_label(codebook: Codebook, name: str) -> str:
    """"Concept: question" in words; the question's own label (not its concept's, when both share
    a code, as a single-question concept does), and the concept only once when the two read alike."""
    item = codebook.item(name)
    concept = codebook.constructs.get(item.construct, "")
    own = item.label or codebook.labels.get(name, name)
    if own == name:
        return f"{name} ({concept})" if concept else name
    return own if not concept or own == concept else f"{concept}: {own}"


def item_distributions(data: pd.DataFrame, codebook: Codebook | None = None, *, constructs: Sequence[str] | None = None,
                       title: str | None = None) -> Figure:
    """Stacked bars: the share of each answer for every item, grouped by construct.

    Answers are coloured from red (low end of the scale) to blue (high end); items on
    different scales are drawn on their own scale points.
    """
    data, codebook = survey_parts(data, codebook)
    codebook = need_codebook(codebook, where="item_distributions")
    chosen = list(constructs) if constructs is not None else list(codebook.blocks())
    unknown = [c for c in chosen if c not in codebook.blocks()]
    if unknown:
        raise CxStatsError(
            f"item_distributions: unknown construct(s) {', '.join(unknown)}; the codebook has "
            f"{', '.join(codebook.blocks())}."
        )
    items = [i for c in chosen for i in codebook.items_of(c)]
    scales = {codebook.item(i).scale for i in items}
    if None in scales:
        raise CxStatsError("item_distributions needs a declared scale for every item.")
    low = int(min(s[0] for s in scales))  # type: ignore[index]
    high = int(max(s[1] for s in scales))  # type: ignore[index]
    points = np.arange(low, high + 1)
    shares = pd.DataFrame(
        {i: data[i].value_counts(normalize=True).reindex(points, fill_value=0.0) for i in items}
    ).T
    colours = sns.color_palette("RdYlBu", n_colors=len(points))
    height = max(2.0, 0.28 * len(items) + 1.2)
    fig, ax = new_figure(_WIDTH, height)
    left = np.zeros(len(items))
    positions = np.arange(len(items))[::-1]
    for k, point in enumerate(points):
        ax.barh(positions, shares[point].to_numpy(), left=left, color=colours[k], edgecolor="white",
                linewidth=0.4, label=str(point))
        left += shares[point].to_numpy()
    labels = [_item_label(codebook, i) for i in items]
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v)))
    ax.set_xlabel("Share of answers")
    ax.legend(title="Answer (scale point)", ncols=len(points), loc="lower center", bbox_to_anchor=(0.5, 1.0),
              fontsize=7, title_fontsize=8, frameon=False, handlelength=1.0, handletextpad=0.3, columnspacing=0.8)
    ax.set_title(title or f"Answers by item — {codebook.title or codebook.name}", fontsize=10, pad=28)
    sns.despine(ax=ax, left=True)
    return fig


def missingness(data: pd.DataFrame, codebook: Codebook | None = None, *, title: str | None = None) -> Figure:
    """Percentage of missing answers per item (a bar for each item with any missing)."""
    data, codebook = survey_parts(data, codebook)
    codebook = need_codebook(codebook, where="missingness")
    pct = data[list(codebook.item_names)].isna().mean().mul(100.0)
    pct = pct[pct > 0].sort_values()
    fig, ax = new_figure(_WIDTH, max(1.6, 0.3 * len(pct) + 1.0))
    if pct.empty:
        ax.text(0.5, 0.5, "No missing answers in any item", ha="center", va="center", fontsize=10)
        ax.set_axis_off()
    else:
        names = codebook.labels
        ax.barh([names.get(i, i) for i in pct.index], pct.to_numpy(), color=PALETTE[0])
        for y, value in enumerate(pct.to_numpy()):
            n_missing = int(round(value / 100.0 * len(data)))
            ax.text(value, y, f"  {fmt.number(value, 1)}% ({fmt.integer(n_missing)} of {fmt.integer(len(data))})",
                    va="center", fontsize=8)
        ax.set_xlabel("Missing answers (% of respondents)")
        ax.set_xlim(0, pct.max() * 1.35)
        sns.despine(ax=ax)
        keep_inside(ax)
    ax.set_title(title or f"Missing answers — {codebook.title or codebook.name}", fontsize=10)
    return fig


def group_sizes(data: pd.DataFrame, group: str, *, codebook: Codebook | None = None,
                title: str | None = None) -> Figure:
    """Bar chart of respondents per group, with counts and percentages on the bars."""
    data, codebook = survey_parts(data, codebook)
    table = _group_size_table(data, group, codebook=codebook)
    names = table["label"] if "label" in table else table[group].astype(str)
    fig, ax = new_figure(_WIDTH, max(1.6, 0.35 * len(table) + 1.0))
    ax.barh(names.astype(str)[::-1], table["n"][::-1], color=PALETTE[0])
    for y, (n, pct) in enumerate(zip(table["n"][::-1], table["pct"][::-1], strict=True)):
        ax.text(n, y, f"  {fmt.integer(n)} ({fmt.number(pct, 0)}%)", va="center", fontsize=8)
    ax.set_xlim(0, table["n"].max() * 1.3)
    keep_inside(ax)
    ax.set_xlabel("Respondents")
    ax.set_title(title or f"Respondents by {group}", fontsize=10)
    sns.despine(ax=ax)
    return fig


def index_distribution(result, *, title: str | None = None, label: str = "Satisfaction index (0-100)") -> Figure:
    """Histogram of respondents' 0-100 index scores with the mean and its confidence interval."""
    scores = result.scores.dropna()
    row = result.table.iloc[0]
    fig, ax = new_figure(_WIDTH, 2.8)
    ax.hist(scores, bins=np.linspace(0, 100, 21), color=PALETTE[0], alpha=0.8, edgecolor="white",
            label="Respondents per 5-point band")
    level = fmt.number(100 * float(getattr(result, "ci_level", 0.95)), 0)
    ax.axvspan(row["ci_low"], row["ci_high"], color="black", alpha=0.15, lw=0,
               label=f"{level}% confidence interval of the mean")
    ax.axvline(row["estimate"], color="black", lw=1.2, label="Mean")
    mean = fmt.estimate(row["estimate"], row["ci_low"], row["ci_high"], 1)
    right = row["estimate"] > 60  # write the mean on the emptier side of its line
    ax.text(row["estimate"], ax.get_ylim()[1] * 0.95, f"mean {mean}  " if right else f"  mean {mean}", va="top",
            ha="right" if right else "left", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(label)
    ax.set_ylabel("Respondents")
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.set_title(title or f"{label}: {fmt.integer(row['n'])} respondents", fontsize=10)
    sns.despine(ax=ax)
    return fig


_VALUE_COLUMNS = ("nps", "pct_top", "estimate")


def _metric_table(name: str, metric: Any) -> tuple[pd.DataFrame, str]:
    table = metric.table if hasattr(metric, "table") and isinstance(metric.table, pd.DataFrame) else metric
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"metric_dashboard: '{name}' must be a result with a .table or a DataFrame, got "
                        f"{type(metric).__name__}.")
    value = next((c for c in _VALUE_COLUMNS if c in table.columns), None)
    missing = [c for c in ("group", "n", "ci_low", "ci_high") if c not in table.columns]
    if value is None or missing:
        raise CxStatsError(f"metric_dashboard: the table of '{name}' needs the columns group, n, ci_low, ci_high and "
                           f"one of {', '.join(_VALUE_COLUMNS)}; it has {', '.join(map(str, table.columns))}.")
    if table["group"].duplicated().any():
        raise CxStatsError(f"metric_dashboard: '{name}' has several rows per group (e.g. several items of a "
                           "top-box table); pass one row per group, e.g. top_box(data, ['SAT1'], ...).")
    return table, value


def metric_dashboard(metrics: Mapping[str, Any], *, labels: Mapping[Any, str] | None = None,
                     title: str | None = None) -> Figure:
    """Side-by-side panels, one per metric: every group's value with its confidence interval and base size.

    Parameters
    ----------
    metrics : ``{panel title: result}``. A result is an :class:`~cxstats.NPSResult`, an
        :class:`~cxstats.IndexResult`, a loyalty index result, the table of
        :func:`cxstats.top_box` for one item, or any DataFrame with the columns ``group, n,
        ci_low, ci_high`` and one of ``nps``, ``pct_top``, ``estimate``. Rows with
        ``suppressed`` True are shown as "too few answers" with their n.
    labels : display names of the groups.
    title : figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Groups in rows (in the order of the first metric, then any new ones), metrics in
        columns; each value is printed above its point and the base size to the right of
        its interval.
    """
    if not metrics:
        raise CxStatsError("metric_dashboard needs at least one metric.")
    labels = dict(labels or {})
    tables = [(name, *_metric_table(name, metric)) for name, metric in metrics.items()]
    groups: list[Any] = []
    for _, table, _ in tables:
        groups += [g for g in table["group"] if g not in groups]
    y = {g: k for k, g in enumerate(groups[::-1])}
    fig, axes = new_figure(_WIDTH, 0.42 * len(groups) + 1.6, ncols=len(tables), sharey=True, squeeze=False)
    colour = PALETTE[0]
    for ax, (name, table, value) in zip(axes[0], tables, strict=True):
        suppressed = table["suppressed"].astype(bool) if "suppressed" in table else pd.Series(False, index=table.index)
        shown = table[~suppressed & table[value].notna()]
        low, high = float(shown["ci_low"].min()), float(shown["ci_high"].max())
        pad = max(high - low, 1.0) * 0.18
        ax.set_xlim(low - pad, high + 2.2 * pad)
        for row, hidden in zip(table.itertuples(index=False), suppressed, strict=True):
            row = row._asdict()
            level = y[row["group"]]
            if hidden or not np.isfinite(row[value]):
                ax.text(low + (high - low) / 2, level, f"too few answers (n = {fmt.integer(row['n'])})",
                        ha="center", va="center", fontsize=7, color=GREY)
                continue
            ax.plot([row["ci_low"], row["ci_high"]], [level, level], color=colour, lw=1.6)
            ax.plot(row[value], level, "o", color=colour, ms=5)
            ax.text(row[value], level + 0.2, fmt.number(row[value], 0 if value in ("nps", "pct_top") else 1),
                    ha="center", va="bottom", fontsize=8)
            ax.text(row["ci_high"], level, f"  n = {fmt.integer(row['n'])}", va="center", fontsize=7, color=GREY)
        ax.set_title(name, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="0.92", lw=0.6)
        ax.set_axisbelow(True)
        sns.despine(ax=ax, left=True)
    axes[0, 0].set_yticks(list(y.values()), [str(labels.get(g, g)) for g in y], fontsize=8)
    axes[0, 0].set_ylim(-0.6, len(groups) - 0.3)
    for ax in axes[0]:
        keep_inside(ax)
    fig.suptitle(title or "Metrics by group: estimates, confidence intervals and base sizes", fontsize=10)
    fig.supxlabel("Dot: estimate (value above it); line: confidence interval; n: respondents in the group.",
                  fontsize=7, color=GREY)
    return fig


def figure(width: float = _WIDTH, height: float = 3.0, *, nrows: int = 1, ncols: int = 1,
           **subplots: Any) -> tuple[Figure, Any]:
    """An empty figure and its axes for a chart of your own, shown once in Jupyter and in reports.

    Like ``plt.subplots`` but without pyplot: the figure is the package's own kind (shown
    through its ``_repr_mimebundle_``, once, whether or not it is the cell's value) with
    constrained layout, sized in inches (a report page is about 7 inches wide). Draw into
    the axes, or pass them as ``ax=`` to the ``plot()`` methods of cxstats results to put
    several in one figure.

    Parameters
    ----------
    width, height : size in inches (positive).
    nrows, ncols, subplots : passed to :meth:`matplotlib.figure.Figure.subplots`
        (e.g. ``sharex=True``).

    Returns
    -------
    (Figure, axes)
        The axes as ``Figure.subplots`` returns them: one Axes, or an array of them.

    Raises
    ------
    CxStatsError
        ``width`` or ``height`` is not a positive number.

    Examples
    --------
    >>> import cxstats
    >>> fig, axes = cxstats.plots.figure(7, 4, nrows=2)
    >>> len(axes)
    2
    """
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value) or value <= 0:
            raise CxStatsError(f"Argument {name} must be a positive number of inches (a report page is about "
                               f"{_WIDTH:g} wide), got {value!r}.")
    return new_figure(float(width), float(height), nrows=nrows, ncols=ncols, **subplots)
