"""Figures of the PLS group comparisons (drawing only; the numbers come from the results)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["multigroup_plot"]

_COLOURS = ("#3465a4", "#c4a000")


def multigroup_plot(result, *, labels: dict, group_labels: dict, title: str | None):
    """One block per path: its estimate in each group with the bootstrap interval; filled
    markers where the permutation test finds a difference (p < .05)."""
    table = result.table
    names = [f"{labels.get(r, r)} → {labels.get(l, l)}" for l, r in zip(table["lhs"], table["rhs"], strict=True)]
    k = len(names)
    height = 1.4 + 0.42 * k
    fig, ax = plt.subplots(figsize=(7.0, height))
    differs = (table["p_permutation"] < 0.05).to_numpy()
    for g, (label, offset) in enumerate(zip(result.groups, (0.15, -0.15), strict=True)):
        fit = result.fits[label]
        paths = fit.table[fit.table["op"] == "~"].set_index(["lhs", "rhs"]).loc[list(zip(table["lhs"], table["rhs"],
                                                                                         strict=True))]
        y = -np.arange(k) + offset
        colour = _COLOURS[g]
        ax.hlines(y, paths["ci_low"], paths["ci_high"], color=colour, linewidth=2)
        ax.scatter(paths["estimate"], y, s=36, zorder=3, color=np.where(differs, colour, "white"), edgecolor=colour,
                   label=str(group_labels.get(label, label)))
    ax.axvline(0.0, color="0.4", linewidth=0.8, linestyle="--")
    ax.set_yticks(-np.arange(k), names)
    ax.set_xlabel("Path coefficient (standardized)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=8, frameon=False, borderaxespad=0.2)
    ax.set_title(title or f"Paths by {result.group}", loc="left", fontsize=11, pad=22)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(rect=(0, 0.35 / height, 1, 1))
    fig.text(0.01, 0.08 / height, f"Bars: {result.ci_level:.0%} bootstrap intervals in each group; filled: the "
             "path differs between the groups (permutation p < .05).", fontsize=8, color="0.3", va="bottom")
    return fig
