"""Forest plot of group comparisons: estimates with confidence intervals, zero marked."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from .. import formatting as fmt
from .._errors import CxStatsError
from .._figures import colours, draw_intervals, finish_interval_plot, interval_key, new_figure

__all__ = ["forest_plot"]


def forest_plot(comparison, *, title: str | None = None, labels=None, units: str = "sd", ax=None):
    """One line per comparison (latent mean of a group, or a path in a group), its interval
    as a bar, one colour per group; filled markers when the interval excludes zero (latent
    means) or when the path differs across groups (Holm-adjusted p < .05). A legend below
    the plot explains every mark."""
    if units not in ("sd", "latent"):
        raise CxStatsError(f"Argument units={units!r} is not known: pass units='sd' (standard deviations) or "
                           "units='latent' (the factors' own units).")
    labels = fmt.labels_of(labels)
    table = comparison.table
    key = "factor" if comparison.kind == "latent means" else "path"
    order = list(dict.fromkeys(table[key]))  # one block per factor or path, its groups together
    table = table.assign(_block=table[key].map(order.index)).sort_values("_block", kind="stable")
    groups = list(dict.fromkeys(table["group"]))
    # latent means leave out the reference group: it keeps its colour slot, so that every group has the same
    # colour here as in the paths figure of the same model
    slots = ([comparison.reference] if comparison.kind == "latent means" and comparison.reference not in groups
             else []) + groups
    colour_of = dict(zip(slots, colours(len(slots)), strict=True))
    if comparison.kind == "latent means":
        names = [f"{labels.get(str(f), f)} — {labels.get(str(g), g)}" for f, g in
                 zip(table["factor"], table["group"], strict=True)]
        in_sd = units == "sd" and "d" in table
        est, low, high = ((table["d"], table["d_ci_low"], table["d_ci_high"]) if in_sd
                          else (table["difference"], table["ci_low"], table["ci_high"]))
        filled = ((low > 0) | (high < 0)).to_numpy()
        reference = labels.get(str(comparison.reference), comparison.reference)
        xlabel = (f"Mean difference from {reference} in standard deviations" if in_sd
                  else f"Latent mean difference from {reference} (latent units)")
        filled_text, hollow_text = "interval excludes 0", "interval includes 0"
    else:
        def path(p):
            outcome, driver = p.split(" ~ ")
            return f"{labels.get(driver, driver)} → {labels.get(outcome, outcome)}"
        names = [f"{path(p)} — {labels.get(str(g), g)}" for p, g in zip(table["path"], table["group"], strict=True)]
        est, low, high = table["estimate"], table["ci_low"], table["ci_high"]
        filled = (table["p_holm"].fillna(1.0) < 0.05).to_numpy()
        xlabel = "Path coefficient (unstandardized)"
        filled_text = "path differs across groups (Holm-adjusted p < .05)"
        hollow_text = "no detectable difference across groups"
    blocks = table["_block"].to_numpy()
    y = -(np.arange(len(names)) + 0.6 * blocks)  # a gap between blocks
    height = 2.0 + 0.3 * len(names) + 0.18 * blocks.max(initial=0)
    own = ax is None
    fig, ax = new_figure(7.0, height, ax=ax)
    draw_intervals(ax, y, est, low, high, ink=[colour_of[g] for g in table["group"]], filled=filled)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel(xlabel)
    level = f"{fmt.number(100 * comparison.ci_level, 0)}% confidence interval"
    handles = [Line2D([], [], color=colour_of[g], lw=2, label=str(labels.get(str(g), g))) for g in groups]
    handles += interval_key(filled=filled_text, hollow=hollow_text, bar=level, zero="no difference (0)")
    return finish_interval_plot(fig, ax, handles, own=own,
                                title=title or f"{comparison.kind.capitalize()} by group")
