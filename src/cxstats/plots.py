"""Figures. Computation lives in the analysis modules; this module only draws.

Every function returns a :class:`matplotlib.figure.Figure` sized for a report page
(about 7 inches wide) so that it reads the same in HTML and PDF.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ._errors import CxStatsError
from .data.codebook import Codebook
from .describe import group_sizes as _group_size_table

__all__ = ["item_distributions", "missingness", "group_sizes", "index_distribution"]

_WIDTH = 7.0


def item_distributions(data: pd.DataFrame, codebook: Codebook, *, constructs: Sequence[str] | None = None,
                       title: str | None = None) -> Figure:
    """Stacked bars: the share of each answer for every item, grouped by construct.

    Answers are coloured from red (low end of the scale) to blue (high end); items on
    different scales are drawn on their own scale points.
    """
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
    fig, ax = plt.subplots(figsize=(_WIDTH, height), layout="constrained")
    left = np.zeros(len(items))
    positions = np.arange(len(items))[::-1]
    for k, point in enumerate(points):
        ax.barh(positions, shares[point].to_numpy(), left=left, color=colours[k], edgecolor="white",
                linewidth=0.4, label=str(point))
        left += shares[point].to_numpy()
    labels = [f"{i} ({codebook.constructs.get(codebook.item(i).construct, '')})" for i in items]
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("Share of answers")
    ax.legend(title="Answer", ncols=min(len(points), 11), loc="lower center", bbox_to_anchor=(0.5, 1.0),
              fontsize=7, title_fontsize=8, frameon=False)
    ax.set_title(title or f"Answers by item — {codebook.title or codebook.name}", fontsize=10, pad=28)
    sns.despine(ax=ax, left=True)
    return fig


def missingness(data: pd.DataFrame, codebook: Codebook, *, title: str | None = None) -> Figure:
    """Percentage of missing answers per item (a bar for each item with any missing)."""
    pct = data[list(codebook.item_names)].isna().mean().mul(100.0)
    pct = pct[pct > 0].sort_values()
    fig, ax = plt.subplots(figsize=(_WIDTH, max(1.6, 0.3 * len(pct) + 1.0)), layout="constrained")
    if pct.empty:
        ax.text(0.5, 0.5, "No missing answers in any item", ha="center", va="center", fontsize=10)
        ax.set_axis_off()
    else:
        ax.barh(pct.index, pct.to_numpy(), color=sns.color_palette()[0])
        for y, value in enumerate(pct.to_numpy()):
            n_missing = int(round(value / 100.0 * len(data)))
            ax.text(value, y, f"  {value:.1f}% ({n_missing})", va="center", fontsize=8)
        ax.set_xlabel("Missing answers (% of respondents)")
        ax.set_xlim(0, pct.max() * 1.35)
        sns.despine(ax=ax)
    ax.set_title(title or f"Missing answers — {codebook.title or codebook.name}", fontsize=10)
    return fig


def group_sizes(data: pd.DataFrame, group: str, *, codebook: Codebook | None = None,
                title: str | None = None) -> Figure:
    """Bar chart of respondents per group, with counts and percentages on the bars."""
    table = _group_size_table(data, group, codebook=codebook)
    names = table["label"] if "label" in table else table[group].astype(str)
    fig, ax = plt.subplots(figsize=(_WIDTH, max(1.6, 0.35 * len(table) + 1.0)), layout="constrained")
    ax.barh(names.astype(str)[::-1], table["n"][::-1], color=sns.color_palette()[1])
    for y, (n, pct) in enumerate(zip(table["n"][::-1], table["pct"][::-1], strict=True)):
        ax.text(n, y, f"  {n:,} ({pct:.0f}%)", va="center", fontsize=8)
    ax.set_xlim(0, table["n"].max() * 1.3)
    ax.set_xlabel("Respondents")
    ax.set_title(title or f"Respondents by {group}", fontsize=10)
    sns.despine(ax=ax)
    return fig


def index_distribution(result, *, title: str | None = None, label: str = "Satisfaction index (0-100)") -> Figure:
    """Histogram of respondents' 0-100 index scores with the mean and its confidence interval."""
    scores = result.scores.dropna()
    row = result.table.iloc[0]
    fig, ax = plt.subplots(figsize=(_WIDTH, 2.8), layout="constrained")
    ax.hist(scores, bins=np.linspace(0, 100, 21), color=sns.color_palette()[0], alpha=0.8, edgecolor="white")
    ax.axvspan(row["ci_low"], row["ci_high"], color="black", alpha=0.15, lw=0)
    ax.axvline(row["estimate"], color="black", lw=1.2)
    ax.text(row["estimate"], ax.get_ylim()[1] * 0.95, f"  mean {row['estimate']:.1f} "
            f"[{row['ci_low']:.1f}, {row['ci_high']:.1f}]", va="top", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(label)
    ax.set_ylabel("Respondents")
    ax.set_title(title or f"{label}: {int(row['n'])} respondents", fontsize=10)
    sns.despine(ax=ax)
    return fig
