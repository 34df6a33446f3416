"""The ordinal invariance ladder (Wu & Estabrook, 2016) against semTools 0.5.6 measEq.syntax
models fitted by lavaan 0.6.14 (tests/reference/semtools_ordinal_ladder.R): each step's fit
(estimates, robust SEs, chi-square and scaled chi-square), and the ladder's difference tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxstats.sem._api import _fit_ordered

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "semtools_ordinal_ladder.json").read_text())
DATA = pd.read_csv(REF_DIR / REF["data"])
STEPS = [(pz, step) for pz, ladder in REF["ladders"].items() for step in ladder]


def group_equal(step: dict) -> tuple[str, ...]:
    value = step["group_equal"]
    return tuple(value) if isinstance(value, list) else ((value,) if value else ())


def fit_step(parameterization: str, step: dict):
    return _fit_ordered(REF["model"], DATA, True, estimator="WLSMV", parameterization=parameterization,
                        missing="listwise", std_lv=True, ci_level=0.95, labels={}, group="school",
                        group_equal=group_equal(step), group_partial=(), group_labels=None,
                        identification="wu.estabrook")


@pytest.mark.parametrize(("parameterization", "name"), STEPS)
def test_wu_estabrook_step_matches_semtools_model(parameterization, name):
    """Intercepts of the latent responses (free in the later groups once thresholds are equal),
    free scale factors (delta) or residual variances (theta), equal intercepts freeing the
    latent means and equal residual variances (theta): every estimate, SE and test statistic."""
    ref = REF["ladders"][parameterization][name]
    result = fit_step(parameterization, ref)
    assert result.converged
    fm = result.fit_measures
    assert fm["npar"] == ref["fit"]["npar"] and fm["df"] == ref["fit"]["df"]
    for key in ("chisq", "chisq.scaled"):
        assert fm[key] == pytest.approx(ref["fit"][key], rel=1e-5)
    for key in ("cfi.scaled", "rmsea.scaled", "srmr"):
        assert fm[key] == pytest.approx(ref["fit"][key], abs=1e-4)
    groups = {g: i + 1 for i, g in enumerate(REF["groups"])}
    table = result.table.assign(group=result.table["group"].map(groups))
    merged = pd.DataFrame(ref["partable"]).merge(table, on=["lhs", "op", "rhs", "group"], how="left",
                                                 validate="one_to_one")
    assert merged["estimate"].notna().all()
    # lavaan stops its theta configural fit a little early (its chi-square differs from the
    # delta fit's, an equivalent model, by 1e-6 relative): 2e-4 there, 1e-4 elsewhere
    tol = 2e-4 if (parameterization, name) == ("theta", "configural") else 1e-4
    np.testing.assert_allclose(merged["estimate"], merged["est"], rtol=tol, atol=tol)
    np.testing.assert_allclose(merged["se_x"].fillna(0), merged["se_y"].fillna(0), rtol=1e-3, atol=1e-5)


@pytest.fixture(scope="module")
def ladders():
    from cxstats import sem

    return {pz: sem.invariance(REF["model"], DATA, group="school", ordered=True, parameterization=pz, partial=False)
            for pz in REF["ladders"]}


@pytest.mark.parametrize("parameterization", list(REF["ladders"]))
def test_ordinal_ladder_matches_semtools_and_lavtestlrt(ladders, parameterization):
    """Each step's scaled chi-square, and its scaled-shifted difference against the previous
    step (lavTestLRT), with the changes in the scaled CFI and RMSEA."""
    ladder = ladders[parameterization]
    ref = REF["ladders"][parameterization]
    names = {"configural": "configural", "thresholds": "thresholds", "metric": "loadings", "scalar": "intercepts",
             "strict": "residuals"}
    assert [names[level] for level in ladder.table["level"]] == list(ref)
    previous = None
    for row in ladder.table.itertuples():
        step = ref[names[row.level]]
        assert row.chisq == pytest.approx(step["fit"]["chisq.scaled"], rel=1e-5)
        assert row.df == step["fit"]["df"] and row.npar == step["fit"]["npar"]
        assert row.cfi == pytest.approx(step["fit"]["cfi.scaled"], abs=1e-4)
        assert row.rmsea == pytest.approx(step["fit"]["rmsea.scaled"], abs=1e-4)
        if previous is None:
            assert np.isnan(row.chisq_diff)
        else:
            assert row.chisq_diff == pytest.approx(step["lrt"]["chisq_diff"], rel=1e-5)
            assert row.df_diff == step["lrt"]["df_diff"]
            assert row.p_value == pytest.approx(step["lrt"]["p_value"], rel=1e-4)
            assert row.delta_cfi == pytest.approx(step["fit"]["cfi.scaled"] - previous["fit"]["cfi.scaled"], abs=1e-4)
            assert row.holds == (step["lrt"]["p_value"] >= 0.05)
        previous = step
    assert ladder.ordered == tuple(REF["items"]) and ladder.parameterization == parameterization
    assert ladder.search.empty and ladder.freed == ()


def test_ordinal_ladder_latent_means(ladders):
    """Scalar fails here (p < .001), so the means come from the scalar model and are marked not
    comparable; they equal the semTools scalar model's alpha.g2."""
    ladder = ladders["delta"]
    assert ladder.means_level == "scalar" and ladder.means_comparable is False
    lav = pd.DataFrame(REF["ladders"]["delta"]["intercepts"]["partable"])
    lav = lav[lav["op"].eq("~1") & lav["lhs"].isin(["visual", "textual", "speed"]) & lav["group"].eq(2)]
    merged = lav.merge(ladder.latent_means, on="lhs", validate="one_to_one")
    assert (merged["group_y"] == REF["groups"][1]).all()
    np.testing.assert_allclose(merged["estimate"], merged["est"], atol=1e-4)
    np.testing.assert_allclose(merged["se_y"], merged["se_x"], rtol=1e-3)
    text = str(ladder.plain_summary())
    assert "Latent means should not be compared" in text and "Latent means relative to" not in text


def test_ordinal_ladder_summary_explains_itself(ladders):
    text = str(ladders["theta"].plain_summary())
    assert "equal thresholds (the answer categories are used alike) — holds" in text
    assert "equal intercepts of the latent responses" in text
    assert "theta parameterization" in text
    assert "answer categories are used differently" not in text  # the thresholds hold here


def test_ordinal_ladder_comparable_means_and_threshold_failure():
    """Half of Grant-White's answers in category 2 of x4-x6 moved to category 1 (a different
    use of the lowest categories, which a shift and stretch of the latent response cannot
    absorb): equal thresholds fail and the summary says the categories are
    used differently. A ladder stopped at metric has no latent means."""
    from cxstats import sem

    shifted = DATA.copy()
    later = shifted["school"].eq(REF["groups"][1]) & (np.arange(len(shifted)) % 2 == 0)
    for item in ("x4", "x5", "x6"):
        value = shifted[item]
        shifted.loc[later & value.eq(2), item] = 1
    ladder = sem.invariance(REF["model"], shifted, group="school", ordered=True,
                            levels=["configural", "thresholds", "metric"], partial=False)
    row = ladder.table.set_index("level").loc["thresholds"]
    assert row["lrt"] == "rejected"
    assert "the answer categories are used differently" in str(ladder.plain_summary())
    assert ladder.latent_means.empty and ladder.means_level is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"levels": ["configural", "thresholds", "metric", "scalar", "strict"]},
     r"levels='strict' with ordered items needs parameterization='theta'"),
    ({"std_lv": False}, r"std_lv=False is not available with ordered items"),
    ({"estimator": "ML"}, r"estimator='ML' treats the items as continuous"),
    ({"levels": ["configural", "scalar", "metric"]}, r"levels must go up the ladder without repeats: 'configural', "
                                                    r"'thresholds'"),
    ({"levels": ["configural", "weak"]}, r"levels='weak': choose from 'configural', 'thresholds'"),
])
def test_ordinal_ladder_errors(kwargs, message):
    from cxstats import sem
    from cxstats.sem import ModelSpecificationError

    with pytest.raises(ModelSpecificationError, match=message):
        sem.invariance(REF["model"], DATA, group="school", ordered=True, **kwargs)


def test_ordinal_ladder_means_where_scalar_holds():
    """Alternate rows as two groups of one population: every level holds, the latent means come
    from the scalar model, are comparable and are read out in the summary."""
    from cxstats import sem

    halves = DATA.assign(half=np.where(np.arange(len(DATA)) % 2 == 0, "odd", "even"))
    ladder = sem.invariance(REF["model"], halves, group="half", ordered=True)
    assert ladder.table["holds"].all()
    assert ladder.means_level == "scalar" and ladder.means_comparable is True
    scalar = ladder.models["scalar"].table
    expected = scalar[scalar["op"].eq("~1") & scalar["lhs"].eq("speed") & scalar["group"].eq("even")]["estimate"]
    assert ladder.latent_means.set_index("lhs").loc["speed", "estimate"] == pytest.approx(float(expected.iloc[0]))
    assert set(ladder.latent_means["group"]) == {"even"}
    text = str(ladder.plain_summary())
    assert "Latent means can be compared across groups (full scalar invariance)." in text
    assert "Latent means relative to odd (0; in standard deviations of odd), from the scalar model: visual in even:" \
        in text


def test_ordinal_ladder_needs_the_rows():
    from cxstats import moments, sem
    from cxstats.sem import ModelSpecificationError

    sums = moments(DATA, REF["items"], group="school")
    with pytest.raises(ModelSpecificationError, match=r"ordered= needs the rows: thresholds and polychoric"):
        sem.invariance(REF["model"], sums, group="school", ordered=True)


def test_ordinal_ladder_exports_latent_means(ladders):
    tables = ladders["delta"]._tables()
    assert list(tables) == ["Invariance", "Latent means", "Parameters by level"]  # partial=False: no search
    assert list(tables["Latent means"].frame["lhs"]) == ["visual", "textual", "speed"]

