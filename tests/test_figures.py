"""Every plotting function: made without pyplot (shown once in Jupyter), with content, every
text inside the figure (and labels of points inside their axes), marks explained in a legend
or a note, and the package palette readable by colour-blind readers."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.text import Annotation

import cxstats
import cxstats.pls as pls
import cxstats.sem as sem
from cxstats._figures import PALETTE, ReportFigure, colours, keep_inside, new_figure
from cxstats.data.codebook import Codebook

matplotlib.use("Agg")

REFERENCE = Path(__file__).resolve().parent / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ visual + textual"
SERVQUAL = "\n".join(f"{f} =~ {f}1 + {f}2 + {f}3" for f in ("TAN", "REL", "RES", "ASS", "EMP"))


def _texts_outside(fig: Figure) -> list[str]:
    """Visible texts that reach beyond the figure, and point labels (texts placed in data
    coordinates) that reach beyond their axes."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    bad = []
    drawn = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)  # everything drawn, tick labels too
    if drawn.x0 < frame.x0 - 1 or drawn.x1 > frame.x1 + 1 or drawn.y0 < frame.y0 - 1 or drawn.y1 > frame.y1 + 1:
        bad.append(f"drawn beyond the figure: {drawn.bounds} vs {frame.bounds}")
    ticks = {id(label) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()] for label in (tick.label1, tick.label2)}
    for text in fig.findobj(matplotlib.text.Text):
        if id(text) in ticks or not text.get_visible() or not text.get_text().strip() or text.figure is None:
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < frame.x0 - 1 or box.x1 > frame.x1 + 1 or box.y0 < frame.y0 - 1 or box.y1 > frame.y1 + 1:
            bad.append(f"outside the figure: {text.get_text()!r}")
    for ax in fig.axes:
        area = ax.get_window_extent(renderer)
        for text in ax.texts:
            in_data = text.xycoords == "data" if isinstance(text, Annotation) else text.get_transform() is ax.transData
            if not in_data or not text.get_text().strip():
                continue
            box = text.get_window_extent(renderer)
            if box.x0 < area.x0 - 1 or box.x1 > area.x1 + 1 or box.y0 < area.y0 - 1 or box.y1 > area.y1 + 1:
                bad.append(f"outside its axes: {text.get_text()!r}")
    return bad


def _legend_texts(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


def _check(fig: Figure, *, legend: bool = True) -> list[str]:
    """The checks every figure passes; returns the legend's texts."""
    assert plt.get_fignums() == [], "the figure was registered in pyplot (Jupyter would show it twice)"
    assert isinstance(fig, ReportFigure)
    assert fig.axes and any(ax.has_data() or ax.texts or ax.patches for ax in fig.axes), "empty figure"
    assert _texts_outside(fig) == []
    bundle = fig._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    texts = _legend_texts(fig)
    if legend:
        assert texts, "no legend explains the marks"
    return texts


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def ecsi():
    return cxstats.load_dataset("ecsi_mobile")


@pytest.fixture(scope="module")
def panel():
    panel = cxstats.simulate_cx_panel(300, seed=7)
    data = panel.data
    scores = {name: data[[c for c in data.columns if c[:-1] == name]].mean(axis=1) for name in ("SAT", "EMO", "TAN", "REL")}
    return data.assign(**scores)


# --- the palette -------------------------------------------------------------------------

def _lab(rgb) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _deuteranope(rgb) -> np.ndarray:
    """Machado et al. (2009) deuteranopia (severity 1) in linear RGB."""
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                             [-0.011820, 0.042940, 0.968881]]) @ linear, 0, 1)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


@pytest.mark.parametrize("vision", ["normal", "deuteranopia"])
def test_the_first_six_palette_colours_are_far_apart(vision):
    see = (lambda c: to_rgb(c)) if vision == "normal" else (lambda c: _deuteranope(to_rgb(c)))
    labs = [_lab(see(c)) for c in colours(6)]
    distances = [np.linalg.norm(a - b) for i, a in enumerate(labs) for b in labs[i + 1:]]
    assert min(distances) > (20 if vision == "normal" else 10)
    four = [_lab(see(c)) for c in colours(4)]  # four groups (countries) must stand well apart
    assert min(np.linalg.norm(a - b) for i, a in enumerate(four) for b in four[i + 1:]) > 25


def test_new_figure_does_not_touch_pyplot_and_keeps_a_users_axes():
    fig, ax = new_figure(3, 2)
    assert plt.get_fignums() == [] and isinstance(fig, ReportFigure) and fig.get_layout_engine() is not None
    user_fig, user_ax = plt.subplots()
    assert new_figure(3, 2, ax=user_ax) == (user_fig, user_ax)


def test_repr_follows_the_inline_backend_formats(monkeypatch):
    fig, ax = new_figure(3, 2)
    ax.plot([1, 2])
    monkeypatch.setattr("cxstats._figures._inline_settings", lambda: (["svg"], {"bbox_inches": "tight"}))
    bundle = fig._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "image/png" not in bundle


def test_keep_inside_widens_the_limits_for_labels_of_points():
    fig, ax = new_figure(5, 3)
    ax.scatter([0, 1], [0, 1])
    ax.annotate("a long label of the last point", (1, 1), xytext=(5, 4), textcoords="offset points")
    assert _texts_outside(fig)
    keep_inside(ax)
    assert _texts_outside(fig) == []


# --- every plotting function ---------------------------------------------------------------

def test_overview_figures_label_items_in_words(ecsi):
    data, book = ecsi.data, ecsi.codebook
    fig = cxstats.plots.item_distributions(data, book, constructs=["CUSA"])
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Customer satisfaction: Overall satisfaction" in ticks and not any(t.startswith("CUSA1") for t in ticks)
    _check(fig)
    holes = data.copy()
    holes.loc[:10, "CUSA1"] = np.nan
    fig = cxstats.plots.missingness(holes, book)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Overall satisfaction"]
    _check(fig, legend=False)
    index = cxstats.satisfaction_index(data, ["CUSA1", "CUSA2", "CUSA3"], codebook=book)
    texts = _check(cxstats.plots.index_distribution(index))
    assert any("confidence interval" in t for t in texts) and "Mean" in texts


def test_item_labels_give_the_question_its_own_label_and_the_concept_once(ecsi):
    # the single-question concept shares its code with its question: the question keeps its own label
    fig = cxstats.plots.item_distributions(ecsi.data, ecsi.codebook, constructs=["CUSCO"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Complaints: Complaint handling"]
    survey = cxstats.load_dataset("customersat")
    fig = cxstats.plots.item_distributions(survey.data, survey.codebook, constructs=["DIST"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Distribution",
                                                                     "Distribution: Right geographic areas"]


def test_dashboard_prints_top_box_shares_whole_as_the_tables_do(panel):
    top = cxstats.top_box(panel, ["SAT1"], scale=(1, 7), group="country")
    fig = cxstats.plots.metric_dashboard({"Top-2-box (%)": top})
    texts = {t.get_text() for t in fig.findobj(matplotlib.text.Text)}
    assert {cxstats.formatting.number(v, 0) for v in top["pct_top"]} <= texts
    assert not any(t.replace(".", "", 1).isdigit() and "." in t for t in texts)


def test_group_figures(panel):
    data = panel
    _check(cxstats.plots.group_sizes(data, "country"), legend=False)
    metrics = {"NPS": cxstats.nps(data, "REC", group="country")}
    metrics["Satisfaction"] = cxstats.satisfaction_index(data, ["SAT1", "SAT2", "SAT3"], scale=(1, 7),
                                                         group="country")
    fig = cxstats.plots.metric_dashboard(metrics)
    _check(fig, legend=False)
    assert any("confidence interval" in t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_retention_curves_give_four_countries_four_distinct_colours(panel):
    km = cxstats.kaplan_meier(panel, "tenure_months", "churned", group="country")
    fig = km.plot(labels={"tenure_months": "Months as a customer"})
    texts = _check(fig)
    assert any(t.startswith("Shaded") for t in texts)
    assert fig.axes[0].get_xlabel() == "Months as a customer"
    used = [line.get_color() for line in fig.axes[0].get_lines()]
    assert len(used) == 4 and len(set(used)) == 4 and set(used) <= set(PALETTE)


def test_importance_performance_labels_stay_clear_of_the_quadrant_borders_and_the_frame():
    survey = cxstats.load_dataset("customersat")
    drivers = [f"q{k}" for k in range(2, 11)]
    ipma = cxstats.importance_performance(survey.data, "q1", drivers, scale=(1, 10))
    fig = ipma.plot(labels=survey.codebook.labels)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    x_px, y_px = ax.transData.transform((ipma.importance_split, ipma.performance_split))
    frame = ax.get_window_extent(renderer)
    points = [t for t in ax.texts if isinstance(t, Annotation) and t.xycoords == "data"]
    corners = [t for t in ax.texts if isinstance(t, Annotation) and t.xycoords == "axes fraction"]
    assert len(points) == len(drivers) and len(corners) == 4
    for text in points:  # no dashed border strikes through a driver's name
        box = text.get_window_extent(renderer)
        assert not box.x0 < x_px < box.x1 and not box.y0 < y_px < box.y1, text.get_text()
    for text in corners:  # the quadrant names sit inside the frame, not on it
        box = text.get_window_extent(renderer)
        assert box.x0 > frame.x0 + 2 and box.x1 < frame.x1 - 2 and box.y0 > frame.y0 + 2 and box.y1 < frame.y1 - 2
    _check(fig)


def test_driver_and_moderation_figures(panel):
    data = panel
    ipma = cxstats.importance_performance(data, "SAT", ["REL", "EMO", "TAN"], scale=(1, 7))
    labels = {"REL": "Reliability of the service (the long label of this driver)", "EMO": "Emotional experience",
              "TAN": "Tangibles"}
    fig = ipma.plot(labels=labels)
    texts = _check(fig)
    assert any("Dashed" in t for t in texts)
    assert {t.get_text() for t in fig.axes[0].texts} >= set(labels.values())
    total = pd.Series([0.5, 0.2, 0.3], index=["REL", "EMO", "TAN"], name="total effect on SAT")
    custom = cxstats.importance_performance(data, "SAT", ["REL", "EMO", "TAN"], scale=(1, 7), importance=total)
    assert custom.plot(labels=labels | {"SAT": "Satisfaction"}).axes[0].get_xlabel() == \
        "Importance (total effect on Satisfaction)"
    buffer = cxstats.moderation(data, "SAT", "REL", "EMO")
    fig = buffer.plot(labels={"SAT": "Satisfaction", "REL": "Reliability", "EMO": "Emotion"})
    _check(fig)
    assert fig.axes[0].get_ylabel() == "Satisfaction (predicted)"  # words, not "simple slopes"
    assert fig.axes[0].get_legend().get_title().get_text().startswith("Slope: change in Satisfaction per point of "
                                                                   "Reliability")
    assert len({line.get_color() for line in fig.axes[0].get_lines()}) == 3


def test_claim_loyalty_period_and_segment_figures(panel):
    data = panel
    claim = cxstats.test_claim(data, "59% higher retention", group=data["EMO"] > data["EMO"].median(),
                               time="tenure_months", event="churned", horizon=24)
    _check(claim.plot())
    loyalty = cxstats.loyalty_index(data, satisfaction=["SAT1", "SAT2", "SAT3"], scale=(1, 7), churned="churned",
                                    group="country")
    texts = _check(loyalty.plot())
    assert any(t.startswith("Loyalty index") for t in texts)
    cdnow = cxstats.load_dataset("cdnow_transactions").data
    _check(cxstats.period_rates(cdnow, "customer_id", "date").plot())
    _check(cxstats.rfm(cdnow, duplicates="keep").plot())  # CDNOW repeats 21 rows: real repeat buys


def test_sem_figures():
    data = pd.read_csv(REFERENCE / "data" / "holzinger_swineford.csv")
    result = sem.fit(HS, data, group="school", group_equal=["loadings", "intercepts"])
    diagram = result.plot(labels={"speed": "Speed"})
    _check(diagram, legend=False)
    assert any("dashed: not significant" in t.get_text() for t in diagram.axes[0].texts)
    full = sem.fit(HS, data).plot(show="full")  # concepts and questions: the shapes are explained too
    _check(full, legend=False)
    assert any(t.get_text().startswith("Ellipses: concepts") for t in full.axes[0].texts)
    assert not any(t.get_text().startswith("Ellipses") for t in diagram.axes[0].texts)  # concepts only
    paths = sem.path_differences(result).plot(labels={"speed": "Speed", "visual": "Visual"})
    texts = _check(paths)
    assert any(t.startswith("Filled") for t in texts) and any(t.startswith("Hollow") for t in texts)
    assert any(t.get_text().startswith("Visual → Speed") for t in paths.axes[0].get_yticklabels())
    user_fig, user_ax = plt.subplots()  # a user's own axes are drawn into, and get the legend
    assert sem.path_differences(result).plot(ax=user_ax) is user_fig and user_ax.get_legend() is not None


def test_latent_means_of_four_countries_in_four_colours():
    panel = cxstats.simulate_cx_panel(300, noninvariant_items=0, seed=4)
    scalar = sem.fit(SERVQUAL, panel.data, group="country", group_equal=["loadings", "intercepts"])
    fig = sem.latent_mean_differences(scalar).plot(labels={"TAN": "Tangibles"})
    texts = _check(fig)
    countries = [c for c in dict.fromkeys(panel.data["country"]) if c != scalar.groups[0]]
    assert set(map(str, countries)) <= set(texts)
    assert len({tuple(np.round(c, 3)) for c in fig.axes[0].collections[0].get_colors()}) == 3
    # each country keeps its colour in the paths figure of the same groups (the reference keeps its slot)
    structural = sem.fit(SERVQUAL + "\nREL ~ TAN\nRES ~ TAN", panel.data, group="country",
                         group_equal=["loadings", "intercepts"])
    paths = sem.path_differences(structural).plot()

    def legend_colours(figure):
        return {t.get_text(): to_rgb(h.get_color()) for t, h in zip(figure.legends[0].get_texts(),
                                                                    figure.legends[0].legend_handles, strict=True)
                if t.get_text() in set(map(str, panel.data["country"]))}

    means_colours, path_colours = legend_colours(fig), legend_colours(paths)
    assert len(means_colours) == 3 and all(path_colours[c] == colour for c, colour in means_colours.items())


def test_pls_multigroup_figure():
    corp = cxstats.load_dataset("corporate_reputation").data.assign(
        plan=lambda d: d["servicetype"].map({1: "prepaid", 2: "contract"}))
    model = ("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\nCUSA =~ cusa\n"
             "CUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSA ~ COMP + LIKE\nCUSL ~ COMP + LIKE + CUSA")
    mga = pls.multigroup(model, corp, group="plan", groups=("prepaid", "contract"), bootstrap=30, permutations=30,
                         seed=3, progress=False)
    fig = mga.plot(labels=Codebook.from_dict({"dataset": {"name": "t"}, "constructs": {"CUSL": "Loyalty"},
                                              "items": [{"name": "x", "construct": "CUSL"}]}))
    texts = _check(fig)
    assert {"prepaid", "contract"} <= set(texts)
    assert any("→ Loyalty" in t.get_text() for t in fig.axes[0].get_yticklabels())


def test_a_figure_shows_once_in_an_executed_notebook(tmp_path):
    """Returned, ended with ';' (the report convention), assigned, or displayed by hand: one image each."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    source = Path(cxstats.__file__).resolve().parents[1]  # this cxstats, not another installed one
    setup = (f"import sys; sys.path.insert(0, {str(source)!r})\n"
             "import cxstats\nimport matplotlib.pyplot as plt\nfrom IPython.display import display\n"
             "data = cxstats.simulate_cx_panel(100, seed=1).data")
    plot = "cxstats.plots.group_sizes(data, 'country')"
    cases = {"returned": plot, "semicolon": plot + ";", "assigned": f"fig = {plot}",
             "displayed": f"fig = {plot}\ndisplay(fig)", "nothing": "x = 1"}
    for formats in ("", "%config InlineBackend.figure_formats = ['svg']\n"):
        cells = [nbformat.v4.new_code_cell(formats + setup)] + [nbformat.v4.new_code_cell(c) for c in cases.values()]
        notebook = nbformat.v4.new_notebook(cells=cells)
        nbclient.NotebookClient(notebook, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                                ).execute()
        for name, cell in zip(cases, notebook.cells[1:], strict=True):
            images = [o for o in cell.outputs if {"image/png", "image/svg+xml"} & set(o.get("data", {}))]
            assert len(images) == (0 if name == "nothing" else 1), (name, formats)
            assert all(("image/svg+xml" in o["data"]) == bool(formats) for o in images)


def test_a_figure_of_your_own_is_a_report_figure_outside_pyplot():
    fig, axes = cxstats.plots.figure(7, 4, nrows=2, sharex=True)
    assert plt.get_fignums() == [] and isinstance(fig, ReportFigure) and fig.get_layout_engine() is not None
    assert len(axes) == 2 and tuple(fig.get_size_inches()) == (7.0, 4.0)
    assert "image/png" in fig._repr_mimebundle_()


@pytest.mark.parametrize("width, height, shown", [(0, 3, "width.*got 0"), (7, -1, "height.*got -1"),
                                                  ("7", 3, "width.*got '7'"), (7, float("nan"), "height.*got nan")])
def test_a_figure_of_your_own_needs_a_positive_size(width, height, shown):
    with pytest.raises(cxstats.CxStatsError, match=rf"^Argument {shown}\.$"):
        cxstats.plots.figure(width, height)
