"""Path diagrams of a fitted SEM, drawn with matplotlib alone (no graphviz).

The layout is computed first, in inches, from the parameter table (layers, order within a
layer, positions, curves, label places); the drawing step only turns it into patches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from .._errors import CxStatsError
from .._figures import ReportFigure

__all__ = ["path_diagram"]

_REQUIRED = ("lhs", "op", "rhs", "estimate", "std_all", "p_value")
_SHOW = ("structural", "full")
_WIDTH, _MARGIN = 7.0, 0.15           # figure width and outer margin, inches
_NODE_PT, _TEXT_PT = 9.0, 8.0         # node names; coefficients, R², footnote
_GAP_MIN, _GAP_MAX = 0.45, 1.7        # horizontal room between layers, inches
_VGAP, _DUMMY = 0.32, 0.07            # vertical room between nodes; half-height of a bend point
_IND_GAP = 0.7                        # latent -> indicator row distance, inches
_INK, _GREY, _FILL = "#222222", "#9a9a9a", "#dde9f4"
_FOOTNOTE = "Standardized coefficients; *** p < .001, ** p < .01, * p < .05; dashed: not significant."
_SHAPES = "Ellipses: concepts measured by several questions (latent); boxes: questions and other measured variables."


@dataclass
class _Node:
    name: str
    kind: str          # "latent" (ellipse), "observed" or "indicator" (rectangle)
    w: float
    h: float
    x: float = 0.0
    y: float = 0.0

    def box(self, pad: float) -> tuple[float, float, float, float]:
        half_w, half_h = self.w / 2 + pad, self.h / 2 + pad
        return self.x - half_w, self.y - half_h, self.x + half_w, self.y + half_h

    def contains(self, pts: np.ndarray) -> np.ndarray:
        dx, dy = (pts[..., 0] - self.x) / (self.w / 2), (pts[..., 1] - self.y) / (self.h / 2)
        return dx**2 + dy**2 <= 1.0 if self.kind == "latent" else (np.abs(dx) <= 1.0) & (np.abs(dy) <= 1.0)


@dataclass
class _Edge:
    curve: np.ndarray  # (n, 2) points in inches, clipped to the node outlines
    label: str
    solid: bool
    style: str         # "-|>" path or loading, "<|-|>" covariance
    gid: str
    width: float = 1.1
    spots: tuple[float, ...] = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.2, 0.8)


def _text_size(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    ext = TextPath((0, 0), text, size=size, prop=FontProperties(weight=weight)).get_extents()
    return ext.width / 72.0, size * 1.25 / 72.0


def _coef(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return "–" if not np.isfinite(value) else text.lstrip("-") if float(text) == 0 else text.replace("-", "−")


def _stars(p: float) -> str:  # NaN (a fixed parameter) gets none
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _check(table: pd.DataFrame, show: str, digits: int, alpha: float) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"path_diagram needs a parameter table as a pandas DataFrame, got "
                        f"{type(table).__name__}. Pass the .table of a fitted model.")
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise CxStatsError(f"The parameter table is missing column(s) {', '.join(repr(c) for c in missing)}. "
                           f"Pass a table with columns {', '.join(_REQUIRED)} (fit with standardized "
                           "estimates, e.g. the .table of a fitted model).")
    if show not in _SHOW:
        raise CxStatsError(f"Unknown show={show!r}. Use show='structural' or show='full'.")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 0:
        raise CxStatsError(f"digits={digits!r} must be a whole number >= 0, such as 2.")
    if not 0 < alpha < 1:
        raise CxStatsError(f"alpha={alpha!r} must lie between 0 and 1, such as 0.05.")
    if "group" in table.columns and table["group"].nunique() > 1:
        raise CxStatsError(f"The table holds {table['group'].nunique()} groups; draw one group at a time "
                           "by passing table[table['group'] == g].")
    table = table.assign(op=table["op"].astype(str).str.strip(), lhs=table["lhs"].astype(str),
                         rhs=table["rhs"].astype(str))
    if show == "structural" and not (table["op"] == "~").any():
        raise CxStatsError("The model has no regressions to draw; use show='full' to draw the measurement model.")
    if not table["op"].isin(["~", "=~"]).any():
        raise CxStatsError("The model has no loadings ('=~') or regressions ('~') to draw. "
                           "Pass the parameter table of a fitted SEM or CFA.")
    return table


def _layers(names: list[str], links: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering; an edge that closes a cycle is ignored."""
    preds = defaultdict(list)
    for s, d in links:
        preds[d].append(s)
    layer: dict[str, int] = {}
    active: set[str] = set()

    def visit(v: str) -> int:
        if v not in layer:
            active.add(v)
            layer[v] = 1 + max((visit(u) for u in preds[v] if u not in active), default=-1)
            active.discard(v)
        return layer[v]

    for v in names:
        visit(v)
    return layer


def _isotonic_decreasing(values: list[float]) -> list[float]:
    blocks: list[list[float]] = []
    for v in values:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    return [s / c for s, c in blocks for _ in range(int(c))]


def _arrange(layer: dict[str, int], links: list[tuple[str, str]], extent: dict) -> tuple[dict, list]:
    """Order each layer by barycentres (long edges get a bend point per layer), then place it.

    Returns the y of every item (nodes and bend points) and, per link, the items it passes.
    """
    rows: list[list] = [[] for _ in range(max(layer.values()) + 1)]
    for v in layer:
        rows[layer[v]].append(v)
    chains, up, down, nbrs = [], defaultdict(list), defaultdict(list), defaultdict(list)
    for i, (s, d) in enumerate(links):
        bends = [("bend", i, k) for k in range(layer[s] + 1, layer[d])]
        for b in bends:
            rows[b[2]].append(b)
            extent[b] = (_DUMMY, _DUMMY)
        chains.append([s, *bends, d])
        for a, b in zip(chains[-1][:-1], chains[-1][1:]):
            weight = 1.0 + isinstance(a, tuple) + isinstance(b, tuple)  # keep long edges straight
            nbrs[a].append((b, weight))
            nbrs[b].append((a, weight))
            if layer[s] < layer[d]:
                up[b].append(a)
                down[a].append(b)
    for sweep in range(8):  # down with predecessors, up with successors
        forward = sweep % 2 == 0
        for k in range(1, len(rows)) if forward else range(len(rows) - 2, -1, -1):
            pos = {v: i for i, v in enumerate(rows[k - 1] if forward else rows[k + 1])}
            key = {v: np.mean([pos[u] for u in (up if forward else down)[v]] or [i]) for i, v in enumerate(rows[k])}
            rows[k].sort(key=key.get)
    y: dict = {}
    for row in rows:
        top = 0.0
        for v in row:
            y[v] = top - extent[v][0]
            top = y[v] - extent[v][1] - _VGAP
    for _ in range(40):  # move towards the neighbours, keep order and spacing (isotonic regression)
        for row in rows:
            want = [sum(w * y[u] for u, w in nbrs[v]) / sum(w for _, w in nbrs[v]) if nbrs[v] else y[v] for v in row]
            cum = np.cumsum([0.0] + [extent[a][1] + _VGAP + extent[b][0] for a, b in zip(row[:-1], row[1:])])
            for v, z, c in zip(row, _isotonic_decreasing(list(np.add(want, cum))), cum):
                y[v] = z - c
    return y, chains


def _smooth(points: np.ndarray, per: int = 40) -> np.ndarray:
    """Catmull-Rom curve through the points (a straight line for two points)."""
    if len(points) == 2:
        return np.linspace(points[0], points[1], per)
    ext = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    t = np.linspace(0, 1, per)[:, None]
    out = []
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1: i + 3]
        m1, m2 = (p2 - p0) / 2, (p3 - p1) / 2
        out.append((2 * t**3 - 3 * t**2 + 1) * p1 + (t**3 - 2 * t**2 + t) * m1
                   + (-2 * t**3 + 3 * t**2) * p2 + (t**3 - t**2) * m2)
    return np.vstack(out)


def _clip(curve: np.ndarray, start: _Node, end: _Node) -> np.ndarray:
    """Cut the curve where it leaves ``start`` and where it enters ``end``."""
    for node, flip in ((start, False), (end, True)):
        pts = curve[::-1] if flip else curve
        inside = node.contains(pts)
        j = int(np.argmax(~inside)) if (~inside).any() else len(pts) - 1
        if j > 0:
            a, b = pts[j - 1], pts[j]
            for _ in range(25):
                m = (a + b) / 2
                a, b = (m, b) if node.contains(m) else (a, m)
            pts = np.vstack([b, pts[j:]])
        curve = pts[::-1] if flip else pts
    return curve


def _overlap(a: tuple, b: tuple) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _inside(pts: np.ndarray, box: tuple) -> int:
    return int(((pts[:, 0] > box[0]) & (pts[:, 0] < box[2]) & (pts[:, 1] > box[1]) & (pts[:, 1] < box[3])).sum())


def _place(edge: _Edge, size: tuple[float, float], boxes: list, lines: np.ndarray, heads: np.ndarray) -> tuple:
    """The spot along the edge where its label covers the fewest boxes, arrow heads and lines."""
    curve = edge.curve
    seg = np.r_[0, np.cumsum(np.hypot(*np.diff(curve, axis=0).T))]
    best = None
    for k, f in enumerate(edge.spots):
        at = np.array([np.interp(f * seg[-1], seg, curve[:, i]) for i in (0, 1)])
        j = min(int(np.searchsorted(seg, f * seg[-1])), len(curve) - 1)
        tangent = curve[j] - curve[max(j - 1, 0)]
        normal = np.array([-tangent[1], tangent[0]]) / (np.hypot(*tangent) or 1.0)
        for side in (0, 1, -1):  # on the line, or beside it when the line is too short
            x, y = at + side * normal * (abs(normal[0]) * size[0] + abs(normal[1]) * size[1] + 0.04) / 2
            box = (x - size[0] / 2, y - size[1] / 2, x + size[0] / 2, y + size[1] / 2)
            score = (100 * sum(_overlap(box, b) for b in boxes) + _inside(heads, box)
                     + 0.01 * _inside(lines, box) + 0.001 * k + 0.1 * abs(side))
            if best is None or score < best[0]:
                best = (score, x, y, box)
    return best[1], best[2], best[3]


def path_diagram(table: pd.DataFrame, r2: pd.Series | None = None, *, title: str | None = None,
                 show: str = "structural", digits: int = 2, alpha: float = 0.05) -> Figure:
    """Draw the path diagram of a fitted SEM with standardized coefficients.

    Latent variables are ellipses, observed variables rectangles, set out left to right in
    causal layers (exogenous on the left, every other variable one layer right of its
    right-most predictor), ordered within a layer to reduce crossings. Paths spanning several
    layers bend around the variables in between.

    Parameters
    ----------
    table : pandas.DataFrame
        Parameter table in lavaan's vocabulary, one row per parameter, with columns
        ``lhs, op, rhs, estimate, std_all, p_value`` (``p_value`` NaN for fixed parameters).
        Rows with ``op`` ``"=~"`` (loading), ``"~"`` (regression) and ``"~~"`` (covariance)
        are drawn; intercepts and defined parameters are ignored. One group only.
    r2 : pandas.Series, optional
        R² of the endogenous variables, indexed by variable name; printed under each node.
    title : str, optional
        Title above the diagram.
    show : {"structural", "full"}
        ``"structural"`` draws the latent variables and the observed variables in
        regressions; ``"full"`` also draws the indicators of every latent with their
        loadings (readable for small models).
    digits : int
        Decimals of the coefficients and R².
    alpha : float
        Paths with ``p_value >= alpha`` are drawn dashed and grey; fixed paths are solid.

    Returns
    -------
    matplotlib.figure.Figure
        About 7 inches wide (wider only if the layers do not fit), as tall as the busiest
        layer needs; text is 8 pt or larger. Nodes, arrows and labels carry ``gid``\\ s
        (``node:NAME``, ``path:LHS~RHS``, ``label:LHS~RHS``, with ``=~`` and ``~~`` likewise).

    Raises
    ------
    ValueError
        A required column is missing, ``show`` is unknown, ``digits`` or ``alpha`` is out of
        range, the table holds several groups, or there is nothing to draw.

    Notes
    -----
    Covariances are drawn between exogenous variables only (curved double-headed arrows on
    the left); residual covariances are left out to keep the picture readable. Stars:
    *** p < .001, ** p < .01, * p < .05. Coefficients keep their leading zero (standardized
    coefficients can exceed 1); R² drops it. Checked on lavaan 0.6.14's tables for the
    Political Democracy and ECSI models (tests/reference).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"lhs": ["SAT", "LOY"], "op": ["~", "~"], "rhs": ["QUAL", "SAT"],
    ...                       "estimate": [0.52, 0.71], "std_all": [0.46, 0.63], "p_value": [0.002, 1e-6]})
    >>> fig = path_diagram(table, pd.Series({"SAT": 0.21, "LOY": 0.40}), title="Quality -> loyalty")
    >>> sorted(t.get_text() for t in fig.axes[0].texts if t.get_gid().startswith("label:"))
    ['0.46**', '0.63***']
    >>> fig.get_size_inches().round(1).tolist()
    [7.0, 2.0]
    """
    table = _check(table, show, digits, alpha)
    return _draw(*_layout(table, pd.Series(dtype=float) if r2 is None else pd.Series(r2, dtype=float),
                          show, digits, alpha), title=title, alpha=alpha)


def _label(row: pd.Series, digits: int, alpha: float) -> tuple[str, bool]:
    p = float(row["p_value"]) if pd.notna(row["p_value"]) else np.nan
    return _coef(float(row["std_all"]), digits) + _stars(p), not p >= alpha  # fixed (NaN p): solid


def _layout(table: pd.DataFrame, r2: pd.Series, show: str, digits: int, alpha: float) -> tuple:
    """Nodes, indicators and edges in inches, plus the R² text of each endogenous node."""
    loads, regs = table[table["op"] == "=~"], table[table["op"] == "~"]
    latents = list(dict.fromkeys(loads["lhs"]))
    names = list(dict.fromkeys([*latents, *regs["rhs"], *regs["lhs"]]))
    rows = pd.concat([regs.assign(src=regs["rhs"], dst=regs["lhs"]),  # loadings on a structural variable
                      loads[loads["rhs"].isin(names)].assign(src=lambda d: d["lhs"], dst=lambda d: d["rhs"])])
    inds = loads[~loads["rhs"].isin(names)] if show == "full" else loads.iloc[:0]
    nodes: dict[str, _Node] = {}
    for v in names:
        tw = _text_size(v, _NODE_PT, "bold" if v in latents else "normal")[0]
        nodes[v] = (_Node(v, "latent", max(0.5, 1.15 * tw + 0.1), 0.42) if v in latents
                    else _Node(v, "observed", max(0.45, tw + 0.16), 0.34))
    ind_of = {lv: [_Node(i, "indicator", max(0.36, _text_size(i, _TEXT_PT)[0] + 0.14), 0.27)
                   for i in inds.loc[inds["lhs"] == lv, "rhs"]] for lv in latents}
    r2_text = {v: "R² = " + (_coef(r2[v], digits).replace("0.", ".", 1) if abs(r2[v]) < 1 else _coef(r2[v], digits))
               for v in names if v in r2.index and np.isfinite(r2[v])}  # R² keeps no leading zero
    extent, width = {}, {}
    for v, n in nodes.items():
        row = ind_of.get(v, [])
        extent[v] = (n.h / 2 + (_IND_GAP + 0.27 if row else 0.0), n.h / 2 + (0.2 if v in r2_text else 0.0))
        width[v] = max(n.w, sum(i.w for i in row) + 0.08 * (len(row) - 1))

    row_of = {(r["src"], r["dst"]): r for _, r in rows.drop_duplicates(["src", "dst"]).iterrows()}
    label_of = {link: _label(r, digits, alpha) for link, r in row_of.items()}
    links = list(row_of)
    layer = _layers(names, links)
    y, chains = _arrange(layer, links, extent)
    lw = [max(width[v] for v in names if layer[v] == k) for k in range(max(layer.values()) + 1)]
    exo = [v for v in names if layer[v] == 0 and not any(d == v for _, d in links)]
    covs = table[(table["op"] == "~~") & (table["lhs"] != table["rhs"])
                 & table["lhs"].isin(exo) & table["rhs"].isin(exo)]
    left = 0.6 + 0.25 * max(0, len(exo) - 2) if len(covs) else 0.0  # room for covariance brackets
    room = _WIDTH - 2 * _MARGIN - left - sum(lw) - 0.1  # 0.1: the padding around node boxes
    need = np.zeros(max(len(lw) - 1, 1))  # a short, level arrow must hold its label
    for s, d in links:
        if layer[d] == layer[s] + 1 and abs(y[s] - y[d]) < 0.5:
            need[layer[s]] = max(need[layer[s]], _text_size(label_of[s, d][0], _TEXT_PT)[0] + 0.22)
    gaps = np.full(len(need), room / len(need))
    for _ in range(3):  # the other gaps share what is left
        gaps = np.where(need > gaps, need, (room - need[need > gaps].sum()) / max((need <= gaps).sum(), 1))
    gaps = np.maximum(np.clip(gaps, _GAP_MIN, _GAP_MAX), need)
    xs = np.r_[0, np.cumsum([(a + b) / 2 + g for a, b, g in zip(lw[:-1], lw[1:], gaps)])]
    for v, n in nodes.items():
        n.x, n.y = xs[layer[v]], y[v]
        at = n.x - (sum(i.w for i in ind_of.get(v, [])) + 0.08 * (len(ind_of.get(v, [])) - 1)) / 2
        for i in ind_of.get(v, []):
            i.x, i.y, at = at + i.w / 2, n.y + n.h / 2 + _IND_GAP + i.h / 2, at + i.w + 0.08

    edges: list[_Edge] = []
    for (s, d), chain in zip(links, chains):
        r = row_of[s, d]
        pts = np.array([(nodes[s].x, y[s]), *[(xs[b[2]], y[b]) for b in chain[1:-1]], (nodes[d].x, y[d])])
        if (d, s) in links and len(pts) == 2:  # reciprocal paths bow apart, each to its own left
            along = (pts[1] - pts[0]) / np.hypot(*(pts[1] - pts[0]))
            pts = np.array([pts[0], pts.mean(axis=0) + 0.15 * np.array([-along[1], along[0]]), pts[1]])
        gid = f"{r['lhs']}{'~' if r['op'] == '~' else '=~'}{r['rhs']}"
        edges.append(_Edge(_clip(_smooth(pts), nodes[s], nodes[d]), *label_of[s, d], "-|>", gid))
    ordered = sorted(exo, key=lambda v: -nodes[v].y)
    t = np.linspace(0, 1, 80)[:, None]
    for _, r in covs.iterrows():
        a, b = sorted((nodes[r["lhs"]], nodes[r["rhs"]]), key=lambda n: -n.y)
        between = ordered[ordered.index(a.name): ordered.index(b.name) + 1]
        lo = min(nodes[v].x - width[v] / 2 for v in between) - 0.35 - 0.25 * (len(between) - 2)
        c = (lo - 0.125 * (a.x + b.x)) / 0.75  # a bracket whose far-left point is at ``lo``
        ya, yb = a.y - min(0.14, 0.07 * (len(between) - 2)), b.y + min(0.14, 0.07 * (len(between) - 2))
        bez = ((1 - t) ** 3 * [a.x, ya] + 3 * t * (1 - t) ** 2 * [c, ya] + 3 * t**2 * (1 - t) * [c, yb]
               + t**3 * [b.x, yb])
        edges.append(_Edge(_clip(bez, a, b), *_label(r, digits, alpha), "<|-|>", f"{r['lhs']}~~{r['rhs']}", 0.8))
    for _, r in inds.iterrows():
        lv, row = nodes[r["lhs"]], ind_of[r["lhs"]]
        k = [i.name for i in row].index(r["rhs"])
        spread = min(1.0, 0.7 * lv.w / width[lv.name])  # start points fan out within the ellipse
        line = _clip(np.linspace([lv.x + spread * (row[k].x - lv.x), lv.y], [row[k].x, row[k].y], 40), lv, row[k])
        edges.append(_Edge(line, *_label(r, digits, alpha), "-|>", f"{r['lhs']}=~{r['rhs']}", 0.8,
                           (0.5, 0.44, 0.56, 0.38) if k % 2 else (0.8, 0.74, 0.68, 0.62)))  # staggered labels
    return nodes, [i for row in ind_of.values() for i in row], edges, r2_text


def _draw(nodes: dict[str, _Node], indicators: list[_Node], edges: list[_Edge], r2_text: dict[str, str], *,
          title: str | None, alpha: float) -> Figure:
    boxes = [n.box(0.05) for n in [*nodes.values(), *indicators]]
    for v, text in r2_text.items():
        n, (tw, th) = nodes[v], _text_size(text, _TEXT_PT)
        boxes.append((n.x - tw / 2 - 0.06, n.y - n.h / 2 - 0.03 - th, n.x + tw / 2 + 0.06, n.y - n.h / 2))
    labels = []
    heads = np.array([e.curve[i] for e in edges for i in ((0, -1) if e.style == "<|-|>" else (-1,))])
    for k, e in enumerate(edges):
        others = np.vstack([o.curve for j, o in enumerate(edges) if j != k] or [np.zeros((0, 2))])
        tw, th = _text_size(e.label, _TEXT_PT)
        x, y, box = _place(e, (tw + 0.06, th), boxes, others, heads)
        boxes.append(box)
        labels.append((x, y))
    allx = np.concatenate([[b[0] for b in boxes], [b[2] for b in boxes], *[e.curve[:, 0] for e in edges]])
    ally = np.concatenate([[b[1] for b in boxes], [b[3] for b in boxes], *[e.curve[:, 1] for e in edges]])
    kinds = {n.kind == "latent" for n in [*nodes.values(), *indicators]}
    shapes = len(kinds) == 2  # ellipses and boxes both drawn: a second footnote line says which is which
    top, bottom = (0.45 if title else 0.15), 0.56 if shapes else 0.38
    width = max(_WIDTH, allx.max() - allx.min() + 2 * _MARGIN)
    height = max(2.0, ally.max() - ally.min() + top + bottom)
    x0, y0 = (allx.min() + allx.max()) / 2 - width / 2, ally.min() - bottom
    fig = ReportFigure(figsize=(width, height))  # not registered in pyplot: Jupyter shows it once
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(x0, x0 + width), ylim=(y0, y0 + height))
    ax.set_axis_off()
    for e, (x, y) in zip(edges, labels):
        colour = _INK if e.solid else _GREY
        ax.add_patch(FancyArrowPatch(path=Path(e.curve), arrowstyle=e.style, mutation_scale=8 + 2 * e.width,
                                     color=colour, lw=e.width, linestyle="-" if e.solid else (0, (4, 2.5)),
                                     zorder=2, gid=f"path:{e.gid}"))
        ax.text(x, y, e.label, ha="center", va="center", fontsize=_TEXT_PT, color=colour, zorder=4,
                gid=f"label:{e.gid}", bbox={"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none"})
    for n in [*nodes.values(), *indicators]:
        if n.kind == "latent":
            shape = Ellipse((n.x, n.y), n.w, n.h, fc=_FILL, ec="#2b5d8a", lw=1.2)
        else:
            shape = Rectangle((n.x - n.w / 2, n.y - n.h / 2), n.w, n.h, lw=1.0 if n.kind == "observed" else 0.8,
                              fc="#f3f3f3" if n.kind == "observed" else "white", ec="#555555")
        ax.add_patch(shape).set(zorder=3, gid=f"node:{n.name}")
        ax.text(n.x, n.y, n.name, ha="center", va="center", zorder=5, color=_INK,
                fontsize=_TEXT_PT if n.kind == "indicator" else _NODE_PT,
                fontweight="bold" if n.kind == "latent" else "normal", gid=f"name:{n.name}")
    for v, text in r2_text.items():
        n = nodes[v]
        ax.text(n.x, n.y - n.h / 2 - 0.03, text, ha="center", va="top", fontsize=_TEXT_PT, color="#444444",
                zorder=5, gid=f"r2:{v}")
    if title:
        ax.text(x0 + _MARGIN, y0 + height - 0.15, title, ha="left", va="top", fontsize=10, fontweight="bold",
                gid="title")
    note = _FOOTNOTE if alpha == 0.05 else _FOOTNOTE.replace("not significant.", f"p ≥ {alpha:g}.")
    ax.text(x0 + _MARGIN, y0 + (0.30 if shapes else 0.12), note, ha="left", va="bottom", fontsize=_TEXT_PT,
            color="#444444", gid="footnote")
    if shapes:
        ax.text(x0 + _MARGIN, y0 + 0.12, _SHAPES, ha="left", va="bottom", fontsize=_TEXT_PT, color="#444444",
                gid="footnote:shapes")
    return fig
