"""Figures of the PLS group comparisons (drawing only; the numbers come from the results)."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from .. import formatting as fmt
from .._figures import colours, draw_intervals, finish_interval_plot, interval_key, new_figure

__all__ = ["multigroup_plot"]


def multigroup_plot(result, *, labels, group_labels, title: str | None, ax=None):
    """One block per path: its estimate in each group with the bootstrap interval; filled
    markers where the permutation test finds a difference (p < .05). A legend below the
    plot explains every mark."""
    labels = fmt.labels_of(labels)
    group_labels = dict(group_labels or {})
    table = result.table
    names = [f"{labels.get(r, r)} → {labels.get(l, l)}" for l, r in zip(table["lhs"], table["rhs"], strict=True)]
    k = len(names)
    height = 2.0 + 0.42 * k
    own = ax is None
    fig, ax = new_figure(7.0, height, ax=ax)
    differs = (table["p_permutation"] < 0.05).to_numpy()
    ink = colours(len(result.groups))
    handles = []
    for g, (label, offset) in enumerate(zip(result.groups, (0.15, -0.15), strict=True)):
        fit = result.fits[label]
        paths = fit.table[fit.table["op"] == "~"].set_index(["lhs", "rhs"]).loc[list(zip(table["lhs"], table["rhs"],
                                                                                         strict=True))]
        y = -np.arange(k) + offset
        colour = ink[g]
        draw_intervals(ax, y, paths["estimate"], paths["ci_low"], paths["ci_high"], ink=colour, filled=differs, size=36)
        handles.append(Line2D([], [], color=colour, lw=2, marker="o", label=str(group_labels.get(label, label))))
    ax.set_yticks(-np.arange(k), names, fontsize=8)
    ax.set_xlabel("Path coefficient (standardized)")
    level = fmt.number(100 * result.ci_level, 0)
    handles += interval_key(filled="the path differs between the groups (permutation p < .05)",
                            hollow="no detectable difference", bar=f"{level}% bootstrap interval in the group",
                            zero="no effect (0)")
    return finish_interval_plot(fig, ax, handles, own=own, title=title or f"Paths by {result.group}")
