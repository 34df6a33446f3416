"""The heat map of :meth:`cxstats.PolychoricResult.plot` (drawing only; the numbers come from the result)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap

from . import formatting as fmt
from ._figures import GREY, PALETTE, new_figure

__all__ = ["heat_map"]

# Okabe-Ito orange (negative) -> white (0) -> Okabe-Ito blue (positive): safe for colour-blind readers
_DIVERGING = LinearSegmentedColormap.from_list("cx_diverging", [PALETTE[1], "#ffffff", PALETTE[0]])


def heat_map(matrix: pd.DataFrame, labels: Mapping[str, str], *, title: str | None, ax: Any, base: int,
             missing: str) -> Any:
    names = [str(c) for c in matrix.columns]
    shown = [labels.get(n, n) for n in names]
    p = len(names)
    size = min(max(3.5, 0.45 * p + 2.5), 9.0)
    fig, ax = new_figure(size + 1.0, size, ax=ax)
    values = matrix.to_numpy(dtype=float).copy()
    np.fill_diagonal(values, np.nan)  # the diagonal (1) says nothing: left blank
    image = ax.imshow(values, cmap=_DIVERGING, vmin=-1.0, vmax=1.0)
    fontsize = 8 if p <= 12 else 6 if p <= 20 else 0
    if fontsize:
        for i in range(p):
            for j in range(p):
                if i != j:
                    ax.text(j, i, fmt.number(values[i, j]).replace("0.", ".", 1), ha="center", va="center",
                            fontsize=fontsize, color="white" if abs(values[i, j]) > 0.6 else "black")
    ax.set_xticks(range(p), shown, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(p), shown, fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.7, ticks=[-1, -0.5, 0, 0.5, 1])
    bar.set_label("Polychoric correlation (blue: answered alike, orange: opposite)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.set_title(title or "How strongly the answers to each pair of questions go together", fontsize=10)
    base_text = (f"up to n = {fmt.integer(base)} (each pair: the rows answering both questions)" if missing == "pairwise"
                 else f"n = {fmt.integer(base)} (rows answering every question)")
    ax.set_xlabel(f"{base_text}; diagonal left blank", fontsize=7, color=GREY)
    return fig
