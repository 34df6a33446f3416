"""Forest plot of group comparisons: estimates with confidence intervals, zero marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["forest_plot"]


def forest_plot(comparison, *, title: str | None = None, labels: dict[str, str] | None = None):
    """One line per comparison (latent mean of a group, or a path in a group), its interval
    as a bar; filled markers when the interval excludes zero (latent means) or when the
    path differs across groups (Holm-adjusted p < .05)."""
    labels = labels or {}
    table = comparison.table
    key = "factor" if comparison.kind == "latent means" else "path"
    order = list(dict.fromkeys(table[key]))  # one block per factor or path, its groups together
    table = table.assign(_block=table[key].map(order.index)).sort_values("_block", kind="stable")
    if comparison.kind == "latent means":
        names = [f"{labels.get(f, f)} — {g}" for f, g in zip(table["factor"], table["group"], strict=True)]
        est, low, high = table["difference"], table["ci_low"], table["ci_high"]
        filled = (low > 0) | (high < 0)
        xlabel = f"Latent mean difference from {comparison.reference} (latent units)"
    else:
        names = [f"{labels.get(p.split(' ~ ')[0], p.split(' ~ ')[0])} ← "
                 f"{labels.get(p.split(' ~ ')[1], p.split(' ~ ')[1])} — {g}"
                 for p, g in zip(table["path"], table["group"], strict=True)]
        est, low, high = table["estimate"], table["ci_low"], table["ci_high"]
        filled = table["p_holm"].fillna(1.0) < 0.05
        xlabel = "Unstandardized path coefficient"
    blocks = table["_block"].to_numpy()
    y = -(np.arange(len(names)) + 0.6 * blocks)  # a gap between blocks
    height = 1.2 + 0.3 * len(names) + 0.18 * blocks.max(initial=0)
    fig, ax = plt.subplots(figsize=(7.0, height))
    ax.hlines(y, low, high, color="#4c72b0", linewidth=2)
    ax.scatter(est, y, s=40, zorder=3, color=np.where(filled, "#4c72b0", "white"), edgecolor="#4c72b0")
    ax.axvline(0.0, color="0.4", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, names)
    ax.set_xlabel(xlabel)
    level = f"{comparison.ci_level:.0%} confidence intervals"
    note = ("filled: interval excludes 0" if comparison.kind == "latent means"
            else "filled: the path differs across groups (Holm-adjusted p < .05)")
    ax.set_title(title or f"{comparison.kind.capitalize()} by group", loc="left", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(rect=(0, 0.35 / height, 1, 1))
    fig.text(0.01, 0.08 / height, f"Bars: {level}; {note}.", fontsize=8, color="0.3", va="bottom")
    return fig
