"""Standardized effects, latent correlations and the plain-language summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import lavaan_table, reference, reference_data

import cxstats
import cxstats.sem as sem


@pytest.fixture(scope="module")
def poldem() -> sem.SEMResult:
    return sem.fit(reference("lavaan_poldem")["model"], reference_data("lavaan_poldem"))


def test_total_effects_are_direct_plus_products_of_lavaan_paths(poldem):
    lav = lavaan_table("lavaan_poldem").set_index(["lhs", "op", "rhs"])["std.all"]
    a, b, c = lav[("dem60", "~", "ind60")], lav[("dem65", "~", "dem60")], lav[("dem65", "~", "ind60")]
    effects = poldem.effects().set_index(["outcome", "predictor"])
    assert effects.loc[("dem65", "ind60"), "direct"] == pytest.approx(c, abs=1e-5)
    assert effects.loc[("dem65", "ind60"), "indirect"] == pytest.approx(a * b, abs=1e-5)
    assert effects.loc[("dem65", "ind60"), "total"] == pytest.approx(c + a * b, abs=1e-5)
    assert ("ind60", "dem65") not in effects.index  # no path back


def test_latent_correlations_match_lavaan_std_all(poldem):
    corr = poldem.latent_correlations()
    assert np.allclose(np.diag(corr), 1.0)
    lav = lavaan_table("lavaan_poldem").set_index(["lhs", "op", "rhs"])["std.all"]
    # corr(ind60, dem60) equals the standardized path when dem60 has ind60 as its only predictor
    assert corr.loc["ind60", "dem60"] == pytest.approx(lav[("dem60", "~", "ind60")], abs=1e-5)


def test_plain_summary_names_the_strongest_driver_and_cautions(poldem):
    text = str(poldem.plain_summary("dem65", labels={"dem60": "Democracy 1960", "dem65": "Democracy 1965"}))
    assert "fits the data well" in text
    assert "**Democracy 1960** has the largest total effect on Democracy 1965" in text
    assert "% of the differences in Democracy 1965" in text
    assert poldem.plain_summary("dem65")._repr_markdown_() == str(poldem.plain_summary("dem65"))
    with pytest.raises(KeyError, match="'ind60' is not an outcome"):
        poldem.plain_summary("ind60")


def test_plain_summary_flags_indistinguishable_constructs():
    ecsi = sem.fit(reference("lavaan_ecsi")["model"], reference_data("lavaan_ecsi"))
    text = str(ecsi.plain_summary("CUSL"))
    assert "fits the data poorly" in text
    assert "Caution: respondents hardly distinguish IMAG and CUEX (0.99)" in text
    lines = text.splitlines()
    # the cautions come before the effects they qualify; a standardized effect beyond ±1 is flagged
    assert lines[1].startswith("- Caution: respondents hardly distinguish")
    assert lines[2].startswith("- Caution: a standardized effect beyond ±1") and "−4.01 standard deviations" in text
    named = str(ecsi.plain_summary("CUSL", labels=cxstats.load_dataset("ecsi_mobile").codebook))
    # every other driver is named (no "and 1 more"), with its label
    assert ("- Next: Customer satisfaction (+3.26), Customer expectations (−1.32), Image (+0.75), Perceived value "
            "(+0.18) and Complaints (−0.01) (standardized total effects).") in named
    assert "Image and Customer expectations (0.99)" in named and "CUSA" not in named
    assert "(R² = 0.96)" in named and "250 respondents" in named


def test_plot_uses_reader_labels(poldem):
    import matplotlib.pyplot as plt

    fig = poldem.plot(labels={"dem65": "Democracy 1965"})
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "Democracy 1965" in texts and "dem65" not in texts
    plt.close(fig)
    assert isinstance(poldem.effects(), pd.DataFrame)


def test_labels_with_dots_in_defined_parameters(hs):
    """lavaan labels may contain dots ("b.1"); := arithmetic must read them as labels."""
    model = ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ b.1*visual\nx6 ~~ a.v*x5\n"
             "ind := b.1*2 + a.v + .5")
    table = sem.fit(model, hs).table
    label = table.set_index("label")["estimate"]
    defined = table[table["op"] == ":="].iloc[0]
    assert defined["estimate"] == pytest.approx(2 * label["b.1"] + label["a.v"] + 0.5, abs=1e-12)
    assert defined["se"] > 0
