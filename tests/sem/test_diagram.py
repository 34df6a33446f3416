"""Path diagrams drawn from lavaan's parameter tables (tests/reference/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle

from cxstats.sem._diagram import path_diagram

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
FOOTNOTE = "Standardized coefficients; *** p < .001, ** p < .01, * p < .05; dashed: not significant."


def _reference(name: str, fit: str = "default") -> tuple[pd.DataFrame, pd.Series]:
    record = json.loads((REFERENCE / f"{name}.json").read_text())["fits"][fit]
    table = pd.DataFrame(record["parameters"]).rename(
        columns={"est": "estimate", "std.all": "std_all", "pvalue": "p_value"})
    table["p_value"] = pd.to_numeric(table["p_value"])  # null (fixed parameters) -> NaN
    return table, pd.Series(record["r2"], dtype=float)


def _artists(fig, prefix: str) -> dict:
    ax = fig.axes[0]
    return {a.get_gid()[len(prefix):]: a for a in [*ax.patches, *ax.texts]
            if a.get_gid() and a.get_gid().startswith(prefix)}


def _labels(fig) -> dict[str, str]:
    return {k: t.get_text() for k, t in _artists(fig, "label:").items()}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def poldem():
    return _reference("lavaan_poldem")


@pytest.fixture(scope="module")
def ecsi():
    return _reference("lavaan_ecsi")


def test_poldem_structural_nodes_labels_layers_and_r2(poldem):
    fig = path_diagram(*poldem, title="Political democracy")
    nodes = _artists(fig, "node:")
    assert set(nodes) == {"ind60", "dem60", "dem65"}
    assert all(isinstance(n, Ellipse) for n in nodes.values())
    # lavaan std.all: .447 (p .0002), .182 (p .0097), .885 (p < 1e-15)
    assert _labels(fig) == {"dem60~ind60": "0.45***", "dem65~ind60": "0.18**", "dem65~dem60": "0.89***"}
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"0.45***", "0.18**", "0.89***", "R² = .20", "R² = .96", FOOTNOTE, "Political democracy"} <= set(texts)
    assert set(_artists(fig, "r2:")) == {"dem60", "dem65"}  # endogenous only, no indicator R²
    x = {k: t.get_position()[0] for k, t in _artists(fig, "name:").items()}
    assert x["ind60"] < x["dem60"] < x["dem65"]
    assert all(a.get_linestyle() == "-" for a in _artists(fig, "path:").values())
    assert fig.get_size_inches()[0] == pytest.approx(7.0)


def test_ecsi_structural_has_observed_cusco_and_right_coefficients(ecsi):
    fig = path_diagram(*ecsi)
    nodes = _artists(fig, "node:")
    assert set(nodes) == {"IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSL", "CUSCO"}
    assert isinstance(nodes["CUSCO"], Rectangle) and isinstance(nodes["CUSA"], Ellipse)
    assert _labels(fig) == {
        "CUEX~IMAG": "0.99***", "PERQ~CUEX": "0.99***", "PERV~CUEX": "2.19", "PERV~PERQ": "−1.51",
        "CUSA~IMAG": "1.38", "CUSA~CUEX": "0.70", "CUSA~PERQ": "−1.15", "CUSA~PERV": "0.06",
        "CUSCO~CUSA": "0.59***", "CUSL~IMAG": "−2.45", "CUSL~CUSA": "3.27*", "CUSL~CUSCO": "−0.01",
    }
    x = {k: t.get_position()[0] for k, t in _artists(fig, "name:").items()}
    assert x["IMAG"] < x["CUEX"] < x["PERQ"] < x["PERV"] < x["CUSA"] < x["CUSCO"] < x["CUSL"]
    paths = _artists(fig, "path:")
    assert paths["CUSL~IMAG"].get_linestyle() != "-"   # p = .12: dashed
    assert paths["CUSL~CUSA"].get_linestyle() == "-"   # p = .043: solid
    assert {"R² = .35", "R² = .98", "R² = .96"} <= {t.get_text() for t in fig.axes[0].texts}
    assert fig.get_size_inches()[0] == pytest.approx(7.0)


def test_full_adds_indicators_with_loadings(poldem):
    fig = path_diagram(*poldem, show="full")
    nodes = _artists(fig, "node:")
    indicators = {"x1", "x2", "x3", *(f"y{i}" for i in range(1, 9))}
    assert set(nodes) == {"ind60", "dem60", "dem65"} | indicators
    assert all(isinstance(nodes[i], Rectangle) for i in indicators)
    labels = _labels(fig)
    assert labels["ind60=~x1"] == "0.92"  # fixed loading: no p value, no stars
    assert labels["ind60=~x2"] == "0.97***"
    assert labels["dem65=~y8"] == "0.83***"
    assert "y1~~y5" not in labels  # residual covariances are left out
    assert set(_artists(fig, "r2:")) == {"dem60", "dem65"}


def test_cfa_without_regressions_draws_in_full_mode_with_covariances():
    table, r2 = _reference("lavaan_hs_cfa")
    fig = path_diagram(table, r2, show="full")
    assert len(_artists(fig, "node:")) == 3 + 9
    labels = _labels(fig)
    row = table[(table["lhs"] == "visual") & (table["op"] == "~~") & (table["rhs"] == "textual")].iloc[0]
    assert labels["visual~~textual"] == f"{row['std_all']:.2f}***"


def test_covariances_between_exogenous_variables_are_double_headed():
    rows = [("QUAL", "=~", "q1", 0.8, np.nan), ("QUAL", "=~", "q2", 0.7, 0.0),
            ("VAL", "=~", "v1", 0.9, np.nan), ("VAL", "=~", "v2", 0.6, 0.0),
            ("SAT", "=~", "s1", 0.8, np.nan), ("SAT", "=~", "s2", 0.85, 0.0),
            ("SAT", "~", "QUAL", 0.41, 0.0004), ("SAT", "~", "VAL", 0.22, 0.03),
            ("QUAL", "~~", "VAL", 0.523, 0.0), ("SAT", "~~", "SAT", 0.6, 0.0), ("q1", "~~", "v1", 0.2, 0.01)]
    table = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "std_all", "p_value"]).assign(estimate=1.0)
    fig = path_diagram(table, {"SAT": 0.41})
    labels = _labels(fig)
    assert labels == {"SAT~QUAL": "0.41***", "SAT~VAL": "0.22*", "QUAL~~VAL": "0.52***"}
    styles = {k: type(a.get_arrowstyle()).__name__ for k, a in _artists(fig, "path:").items()}
    assert styles == {"SAT~QUAL": "CurveFilledB", "SAT~VAL": "CurveFilledB", "QUAL~~VAL": "CurveFilledAB"}


def test_digits_and_alpha(poldem):
    fig = path_diagram(*poldem, digits=3, alpha=0.001)
    assert _labels(fig)["dem60~ind60"] == "0.447***"
    paths = _artists(fig, "path:")
    assert paths["dem65~ind60"].get_linestyle() != "-"  # p = .0097 >= .001
    assert "R² = .200" in {t.get_text() for t in fig.axes[0].texts}
    assert _artists(fig, "footnote")[""].get_text().endswith("dashed: p ≥ 0.001.")


@pytest.mark.parametrize("case,show", [("lavaan_poldem", "structural"), ("lavaan_poldem", "full"),
                                       ("lavaan_ecsi", "structural"), ("lavaan_hs_cfa", "full")])
def test_labels_clear_nodes_and_arrows_meet_outlines(case, show):
    fig = path_diagram(*_reference(case), show=show, title="A title")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    nodes = _artists(fig, "node:")
    boxes = {k: n.get_window_extent(renderer) for k, n in nodes.items()}
    boxes |= {f"R² of {k}": t.get_window_extent(renderer) for k, t in _artists(fig, "r2:").items()}
    labels = {k: t.get_window_extent(renderer) for k, t in _artists(fig, "label:").items()}
    for k, box in labels.items():
        for name, node in boxes.items():
            assert not box.shrunk(0.95, 0.9).overlaps(node), f"label {k} overlaps node {name}"
        for other, obox in labels.items():
            assert other == k or not box.shrunk(0.95, 0.9).overlaps(obox), f"labels {k} and {other} overlap"
    assert min(t.get_fontsize() for t in ax.texts) >= 8
    for t in ax.texts:  # nothing clipped at the figure edge
        ext = t.get_window_extent(renderer)
        assert ext.x0 >= 0 and ext.y0 >= 0 and ext.x1 <= fig.bbox.width and ext.y1 <= fig.bbox.height

    def radius(node, pts):  # 1 on the outline of the node
        if isinstance(node, Ellipse):
            return np.hypot((pts[:, 0] - node.center[0]) / (node.width / 2),
                            (pts[:, 1] - node.center[1]) / (node.height / 2))
        return np.maximum(np.abs(pts[:, 0] - node.get_x() - node.get_width() / 2) / (node.get_width() / 2),
                          np.abs(pts[:, 1] - node.get_y() - node.get_height() / 2) / (node.get_height() / 2))

    for key, arrow in _artists(fig, "path:").items():
        assert isinstance(arrow, FancyArrowPatch)
        op = next(o for o in ("=~", "~~", "~") if o in key)
        src, dst = key.split(op) if op != "~" else key.split(op)[::-1]
        verts = arrow.get_path().vertices
        assert radius(nodes[src], verts[:1])[0] == pytest.approx(1.0, abs=0.1)
        assert radius(nodes[dst], verts).min() == pytest.approx(1.0, abs=0.1)


def test_saves_png_and_pdf(poldem, tmp_path):
    fig = path_diagram(*poldem, show="full", title="Political democracy")
    for suffix in ("png", "pdf"):
        fig.savefig(tmp_path / f"diagram.{suffix}")
        assert (tmp_path / f"diagram.{suffix}").stat().st_size > 1000


def test_missing_columns_are_named(poldem):
    with pytest.raises(ValueError, match=r"missing column\(s\) 'std_all', 'p_value'\. Pass a table with columns"):
        path_diagram(poldem[0].drop(columns=["std_all", "p_value"]))


def test_no_regressions_in_structural_mode():
    table, _ = _reference("lavaan_hs_cfa")
    with pytest.raises(ValueError) as info:
        path_diagram(table)
    assert str(info.value) == ("The model has no regressions to draw; use show='full' to draw the "
                               "measurement model.")


def test_nothing_to_draw_in_full_mode():
    table = pd.DataFrame({"lhs": ["x"], "op": ["~~"], "rhs": ["x"], "estimate": [1.0], "std_all": [1.0],
                          "p_value": [np.nan]})
    with pytest.raises(ValueError, match=r"no loadings \('=~'\) or regressions \('~'\) to draw"):
        path_diagram(table, show="full")


def test_unknown_show(poldem):
    with pytest.raises(ValueError, match=r"Unknown show='measurement'\. Use show='structural' or show='full'\."):
        path_diagram(poldem[0], show="measurement")


@pytest.mark.parametrize("kwargs,message", [
    ({"digits": -1}, r"digits=-1 must be a whole number >= 0"),
    ({"digits": 1.5}, r"digits=1.5 must be a whole number >= 0"),
    ({"alpha": 1.5}, r"alpha=1.5 must lie between 0 and 1"),
])
def test_bad_digits_and_alpha(poldem, kwargs, message):
    with pytest.raises(ValueError, match=message):
        path_diagram(poldem[0], **kwargs)


def test_several_groups_and_wrong_type(poldem):
    two = pd.concat([poldem[0].assign(group=1), poldem[0].assign(group=2)])
    with pytest.raises(ValueError, match=r"The table holds 2 groups; draw one group at a time"):
        path_diagram(two)
    with pytest.raises(TypeError, match=r"needs a parameter table as a pandas DataFrame, got dict"):
        path_diagram(poldem[0].to_dict())
