"""Figure of a cross-lagged model's lagged effects: one line per path (and lag), its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import formatting as fmt
from .._errors import CxStatsError
from .._figures import colours, draw_intervals, finish_interval_plot, interval_key, new_figure

__all__ = ["lagged_effects_plot"]

_SHOW = ("cross-lagged", "all")


def lagged_effects_plot(effects, *, show: str = "cross-lagged", title: str | None = None, labels=None, ax=None):
    """Estimates with their intervals, one colour per path, filled when the interval excludes 0.

    With equal lags one line per path, else one per path and lag (``waves 1 → 2``). The
    x axis is in scale points of the outcome per scale point of the predictor.
    """
    if show not in _SHOW:
        raise CxStatsError(f"Argument show={show!r} is not known: pass show='cross-lagged' (the effects between "
                           "constructs) or show='all' (with the autoregressions).")
    names = fmt.labels_of(labels)
    name = lambda c: names.get(c, c)  # noqa: E731
    table = effects.paths("cross-lagged")
    if show == "all":
        table = pd.concat([table, effects.paths("autoregressive")], ignore_index=True)
    pairs = list(dict.fromkeys(zip(table["predictor"], table["outcome"], strict=True)))
    colour_of = dict(zip(pairs, colours(len(pairs)), strict=True))
    block = np.array([pairs.index(p) for p in zip(table["predictor"], table["outcome"], strict=True)])
    rows = [f"{name(p)} → {name(o)}" + ("" if effects.equal_lags else f", waves {a} → {b}")
            for p, o, a, b in zip(table["predictor"], table["outcome"], table["from_wave"], table["to_wave"],
                                  strict=True)]
    y = -(np.arange(len(rows)) + 0.6 * block)
    own = ax is None
    fig, ax = new_figure(7.0, 1.9 + 0.32 * len(rows) + 0.2 * block.max(initial=0), ax=ax)
    ink = [colour_of[p] for p in zip(table["predictor"], table["outcome"], strict=True)]
    low, high, est = table["ci_low"].to_numpy(), table["ci_high"].to_numpy(), table["estimate"].to_numpy()
    draw_intervals(ax, y, est, low, high, ink=ink, filled=(low > 0) | (high < 0))
    ax.set_yticks(y, rows, fontsize=8)
    within = effects.model == "RI-CLPM"
    ax.set_xlabel("Change at the next wave (scale points)\nper point " + ("above the usual level" if within
                                                                         else "higher"))
    level = f"{fmt.number(100 * effects.ci_level, 0)}% confidence interval"
    handles = interval_key(filled="interval excludes 0", hollow="interval includes 0", bar=level, zero="no effect (0)")
    default = f"Lagged effects ({effects.model}, n = {fmt.integer(effects.nobs)})"
    return finish_interval_plot(fig, ax, handles, own=own, title=title or default)
