"""Moderated regression: the simulator's quality x emotion interaction, slopes and J-N by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import cxstats
from cxstats import CxStatsError


def _scores(interaction: float, seed: int = 9) -> pd.DataFrame:
    panel = cxstats.simulate_cx_panel(1000, interaction=interaction, seed=seed)
    data = cxstats.validate(panel.data, panel.codebook)
    scores = pd.DataFrame({c: data[list(panel.codebook.items_of(c))].mean(axis=1)
                           for c in ["TAN", "REL", "RES", "ASS", "EMP", "EMO", "SAT"]})
    return scores.assign(QUAL=scores[["TAN", "REL", "RES", "ASS", "EMP"]].mean(axis=1))


def test_buffering_interaction_is_recovered():
    result = cxstats.moderation(_scores(-0.15), "SAT", "QUAL", "EMO")
    row = result.table.set_index("term").loc["QUAL:EMO"]
    assert row["ci_high"] < 0 and row["p_value"] < 1e-6  # a good emotion weakens the effect of quality
    slopes = result.simple_slopes.set_index("label")["slope"]
    assert slopes["-1 SD"] > slopes["mean"] > slopes["+1 SD"] > 0


def test_no_interaction_is_not_found():
    row = cxstats.moderation(_scores(0.0), "SAT", "QUAL", "EMO").table.set_index("term").loc["QUAL:EMO"]
    assert row["p_value"] > 0.05


def test_against_statsmodels_formula_and_hand_formulas():
    data = _scores(-0.15)
    result = cxstats.moderation(data, "SAT", "QUAL", "EMO", covariates=["TAN"])
    centred = data.assign(QUAL=data["QUAL"] - data["QUAL"].mean(), EMO=data["EMO"] - data["EMO"].mean())
    fit = smf.ols("SAT ~ QUAL * EMO + TAN", centred).fit()
    table = result.table.set_index("term")
    assert table.loc["QUAL:EMO", "estimate"] == pytest.approx(fit.params["QUAL:EMO"], abs=1e-12)
    assert table.loc["QUAL", "se"] == pytest.approx(fit.bse["QUAL"], rel=1e-10)
    cov = fit.cov_params()
    sd = data["EMO"].std()
    high = result.simple_slopes.set_index("label").loc["+1 SD"]
    assert high["slope"] == pytest.approx(fit.params["QUAL"] + sd * fit.params["QUAL:EMO"], abs=1e-12)
    var = cov.loc["QUAL", "QUAL"] + 2 * sd * cov.loc["QUAL", "QUAL:EMO"] + sd**2 * cov.loc["QUAL:EMO", "QUAL:EMO"]
    assert high["se"] == pytest.approx(np.sqrt(var), rel=1e-10)
    t_crit = stats.t.ppf(0.975, fit.df_resid)
    for point in result.johnson_neyman:  # at a J-N point the slope's t equals the critical t
        m = point - data["EMO"].mean()
        slope = fit.params["QUAL"] + m * fit.params["QUAL:EMO"]
        se = np.sqrt(cov.loc["QUAL", "QUAL"] + 2 * m * cov.loc["QUAL", "QUAL:EMO"] + m**2 * cov.loc["QUAL:EMO", "QUAL:EMO"])
        assert abs(slope / se) == pytest.approx(t_crit, rel=1e-8)
    assert result.moderator_range == (data["EMO"].min(), data["EMO"].max())
    fig = result.plot()
    assert len(fig.axes[0].lines) == 3
    plt.close(fig)


def test_errors():
    data = _scores(0.0)
    with pytest.raises(CxStatsError, match="no column 'NPS'"):
        cxstats.moderation(data, "SAT", "QUAL", "NPS")
    with pytest.raises(CxStatsError, match="'K' does not vary"):
        cxstats.moderation(data.assign(K=1.0), "SAT", "QUAL", "K")
    with pytest.raises(CxStatsError, match="must be different columns"):
        cxstats.moderation(data, "SAT", "QUAL", "QUAL")


@pytest.mark.parametrize(("interaction", "significant"), [(-0.15, True), (0.0, False)])
def test_latent_interaction_by_product_indicators(interaction, significant):
    panel = cxstats.simulate_cx_panel(1000, interaction=interaction, seed=9)
    data = cxstats.validate(panel.data, panel.codebook)
    fit = cxstats.latent_interaction(data, ["REL1", "REL2", "REL3"], ["EMO1", "EMO2", "EMO3"],
                                     ["SAT1", "SAT2", "SAT3"], names=("REL", "EMO", "SAT"))
    row = fit.table.set_index(["lhs", "op", "rhs"]).loc[("SAT", "~", "RELEMO")]
    assert fit.converged and not fit.problems
    assert (row["p_value"] < 0.001 and row["estimate"] < 0) if significant else row["p_value"] > 0.05
    assert ("RELEMO", "=~", "REL1.EMO1") in fit.table.set_index(["lhs", "op", "rhs"]).index


def test_latent_interaction_errors():
    data = _scores(0.0)
    with pytest.raises(CxStatsError, match="same number \\(2 or more\\) of each; got 2 and 1"):
        cxstats.latent_interaction(data, ["TAN", "REL"], ["EMO"], ["SAT"])
    with pytest.raises(CxStatsError, match="no column 'X9'"):
        cxstats.latent_interaction(data, ["TAN", "X9"], ["EMO", "REL"], ["SAT"])
