"""Cross-lagged panel model builders and the lagged-effects helper (cxstats.sem.cross_lagged).

Reference numbers against lavaan are in test_cross_lagged_reference.py; here: the syntax,
every error, the tidy table and summary, and recovery of the simulator's truth.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import cxstats
import cxstats.sem as sem


@pytest.fixture(scope="module")
def panel():
    return cxstats.simulate_cx_waves(300, waves=4, seed=11)


def _statements(model: str) -> set[tuple]:
    return {(s.lhs, s.op, t.name, t.fixed, t.labels) for s in sem.parse_model(model) for t in s.terms}


def test_riclpm_syntax_has_the_tutorial_parts():
    stmts = _statements(sem.riclpm_syntax(["x", "y"], waves=3))
    assert {("RI_x", "=~", f"x{t}", (1.0,), None) for t in (1, 2, 3)} <= stmts
    assert ("wy2", "=~", "y2", (1.0,), None) in stmts
    assert {("wx3", "~", "wx2", None, None), ("wx3", "~", "wy2", None, None), ("wy3", "~", "wx2", None, None)} <= stmts
    assert {("wx1", "~~", "wy1", None, None), ("wx3", "~~", "wy3", None, None),
            ("RI_x", "~~", "RI_y", None, None)} <= stmts
    assert {("RI_x", "~~", "wy1", (0.0,), None), ("RI_y", "~~", "wx1", (0.0,), None)} <= stmts
    assert {("x2", "~~", "x2", (0.0,), None), ("y3", "~", "1", None, None)} <= stmts
    assert not any(s[0].startswith("RI_") for s in _statements(sem.clpm_syntax(["x", "y"], waves=2)))


def test_equal_lags_share_one_label_per_path():
    stmts = _statements(sem.riclpm_syntax(["QUAL", "LOY"], waves=4, equal_lags=True))
    lagged = {(s[0], s[2]): s[4] for s in stmts if s[1] == "~" and s[2] != "1"}
    assert len(lagged) == 12
    assert {lagged["wLOY2", "wQUAL1"], lagged["wLOY3", "wQUAL2"], lagged["wLOY4", "wQUAL3"]} == {("cl_QUAL_LOY",)}
    assert lagged["wQUAL4", "wQUAL3"] == ("ar_QUAL",)


def test_columns_can_be_named_per_wave_and_more_than_two_constructs(panel):
    data = panel.data.rename(columns={f"QUAL{t}": f"q_{2020 + t}" for t in range(1, 5)})
    data["SAT1"], data["SAT2"], data["SAT3"], data["SAT4"] = (data[f"LOY{t}"] * 0.5 + data[f"q_{2020 + t}"] * 0.5
                                                              + np.random.default_rng(t).normal(0, 0.5, len(data))
                                                              for t in range(1, 5))
    model = sem.riclpm_syntax({"QUAL": [f"q_{2020 + t}" for t in range(1, 5)], "LOY": [f"LOY{t}" for t in range(1, 5)],
                               "SAT": [f"SAT{t}" for t in range(1, 5)]})
    assert "RI_QUAL =~ 1*q_2021 + 1*q_2022 + 1*q_2023 + 1*q_2024" in model
    effects = sem.cross_lagged_effects(sem.fit(model, data))
    assert effects.constructs == ("QUAL", "LOY", "SAT")
    assert len(effects.table) == 9 * 3 and len(effects.traits) == 3


def test_tutorial_syntax_with_several_left_hand_sides_fits_the_same_model(panel):
    ours = sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=4), panel.data)
    text = sem.riclpm_syntax(["QUAL", "LOY"], waves=4)
    for t in (2, 3, 4):  # the builder already writes 'wQUAL2 + wLOY2 ~ ...'; check it parses to two regressions
        assert f"wQUAL{t} + wLOY{t} ~ wQUAL{t - 1} + wLOY{t - 1}" in text
    split = text
    for t in (2, 3, 4):
        split = split.replace(f"wQUAL{t} + wLOY{t} ~ wQUAL{t - 1} + wLOY{t - 1}",
                              f"wQUAL{t} ~ wQUAL{t - 1} + wLOY{t - 1}\nwLOY{t} ~ wQUAL{t - 1} + wLOY{t - 1}")
    theirs = sem.fit(split, panel.data)
    assert ours.fit_measures["chisq"] == pytest.approx(theirs.fit_measures["chisq"], rel=1e-10)


@pytest.mark.parametrize(("args", "kwargs", "pattern"), [
    (["QUAL"], {"waves": 4}, r"^A cross-lagged model needs at least two constructs, got \['QUAL'\]\.$"),
    (["QUAL", "LOY"], {}, r"^waves must be the number of waves \(a whole number of at least 3\) when variables are "
                          r"construct codes, got None\.$"),
    (["QUAL", "LOY"], {"waves": 2}, r"^The RI-CLPM needs at least 3 waves, got 2 \(with two, the stable levels are not "
                                    r"identified; fit the CLPM\)\.$"),
    (["Q1", "LOY"], {"waves": 3}, r"^The construct code 'Q1' cannot name the model's components: use letters"),
    ({"QUAL": ["a", "b", "c"], "LOY": ["d", "e"]}, {}, r"^Every construct needs the same number of waves; got QUAL 3, "
                                                       r"LOY 2\.$"),
    ({"QUAL": ["a", "b", "c"], "LOY": ["d", "e", "a"]}, {}, r"^Column\(s\) 'a' are given for more than one wave"),
    ({"QUAL": ["a", "b", "2c"], "LOY": ["d", "e", "f"]}, {}, r"^Column '2c' is not a name lavaan syntax accepts"),
    ({"QUAL": ["a", "b", "c"], "LOY": ["d", "e", "f"]}, {"waves": 3}, r"^waves= goes with a list of construct codes"),
])
def test_builder_errors(args, kwargs, pattern):
    with pytest.raises(sem.ModelSpecificationError, match=pattern):
        sem.riclpm_syntax(args, **kwargs)


def test_builder_type_error_and_clpm_minimum():
    with pytest.raises(TypeError, match=r"^variables must be a list of construct codes \(with waves=\) or a mapping"):
        sem.clpm_syntax("QUAL LOY", waves=3)
    with pytest.raises(sem.ModelSpecificationError, match=r"^A cross-lagged model needs at least 2 waves, got 1\.$"):
        sem.clpm_syntax(["QUAL", "LOY"], waves=1)
    assert "wLOY2" in sem.clpm_syntax(["QUAL", "LOY"], waves=2)


def test_effects_helper_errors(panel):
    with pytest.raises(TypeError, match=r"^result must be a fitted model from cxstats.sem.fit, got DataFrame\.$"):
        sem.cross_lagged_effects(panel.data)
    plain = sem.fit("LOY2 ~ QUAL1 + LOY1", panel.data)
    with pytest.raises(sem.ModelSpecificationError, match=r"^The fitted model has no lagged paths between within "
                                                          r"components named w<construct><wave>"):
        sem.cross_lagged_effects(plain)
    grouped = panel.data.assign(half=np.arange(len(panel.data)) % 2)
    two = sem.fit(sem.clpm_syntax(["QUAL", "LOY"], waves=2), grouped, group="half")
    with pytest.raises(sem.ModelSpecificationError, match=r"^cross_lagged_effects\(\) reads one group's paths"):
        sem.cross_lagged_effects(two)


def test_effects_table_and_summary(panel):
    fit = sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=4, equal_lags=True), panel.data)
    effects = sem.cross_lagged_effects(fit)
    assert list(effects.table.columns) == ["kind", "predictor", "outcome", "from_wave", "to_wave", "lhs", "op", "rhs",
                                           "label", "estimate", "se", "z", "p_value", "ci_low", "ci_high", "std_all"]
    assert effects.model == "RI-CLPM" and effects.equal_lags and effects.waves == 4 and effects.nobs == 300
    assert list(effects.table["kind"][:6]) == ["cross-lagged"] * 6
    paths = effects.paths()
    assert list(zip(paths["predictor"], paths["outcome"], strict=True)) == [("QUAL", "LOY"), ("LOY", "QUAL")]
    quality_to_loyalty = paths.iloc[0]
    text = str(effects.plain_summary(labels=panel.labels))
    assert text.startswith("- A rise in perceived quality above the customer's usual level is followed by a rise in "
                           "loyalty at the next wave:")
    assert f"{quality_to_loyalty.estimate:+.2f}".replace("-", "−") in text and "n = 300" in text
    assert "within-customer effects" in text and "Caution" not in text
    assert "- Stable differences between customers: customers whose perceived quality is usually higher tend to have " \
           "higher loyalty (correlation of the usual levels" in text
    unrelated = cxstats.simulate_cx_waves(300, waves=4, trait_correlation=0.0, seed=11).data
    fit = sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=4), unrelated)
    text = str(sem.cross_lagged_effects(fit).plain_summary())
    assert "the usual levels of QUAL and LOY are not clearly related (correlation of the usual levels" in text
    assert "RI-CLPM, 4 waves, n = 300, lags equal over waves" in effects.summary()
    assert "<b>Lagged effects</b>" in effects._repr_html_()


def test_clpm_summary_warns_that_it_mixes_levels_and_change(panel):
    effects = sem.cross_lagged_effects(sem.fit(sem.clpm_syntax(["QUAL", "LOY"], waves=4), panel.data))
    assert effects.model == "CLPM" and not effects.equal_lags and effects.traits.empty
    text = str(effects.plain_summary(labels=panel.labels))
    assert "waves 1 to 2:" in text and "prefer the RI-CLPM" in text and "usual level" not in text.split("\n")[0]


def test_problems_reach_the_summary():
    data = cxstats.simulate_cx_waves(60, waves=3, trait_sd=(0.01, 0.01), seed=0).data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=3), data)
    assert {type(w.message) for w in caught} == {sem.HeywoodWarning, sem.NonPositiveDefiniteWarning}
    effects = sem.cross_lagged_effects(fit)
    assert effects.problems == fit.problems and any("Heywood" in p for p in effects.problems)
    text = str(effects.plain_summary())
    assert ("- Caution: the fit reported problems, so none of these numbers should be acted on. Negative "
            "variance") in text
    assert "HeywoodWarning" not in text


def test_cross_lagged_confidence_intervals_cover_the_truth():
    """200 simulated panels (150 customers, 4 waves), RI-CLPM with equal lags: the 95% CIs
    of both cross-lagged effects (400 intervals) cover the truth at a rate inside the
    two-sided 99.9% binomial band around 0.95 (0.910 to 0.9825 for 400 intervals; the
    two effects of one panel are nearly independent). Fits that warned are kept (a user
    would see the warning; dropping them would flatter the coverage); at most 10 of 200 may
    warn. Fixed seeds: the test is exact."""
    model = sem.riclpm_syntax(["QUAL", "LOY"], waves=4, equal_lags=True)
    hits, estimates = [], {("QUAL", "LOY"): [], ("LOY", "QUAL"): []}
    truth, troubled = {}, 0
    for replication in range(200):
        panel = cxstats.simulate_cx_waves(150, waves=4, seed=5000 + replication)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # counted below through the result's problems
            effects = sem.cross_lagged_effects(sem.fit(model, panel.data))
        troubled += bool(effects.problems)
        paths = effects.paths()
        for row in paths.itertuples():
            value = truth.setdefault((row.predictor, row.outcome),
                                     panel.true_value("cross-lagged", row.predictor, row.outcome))
            hits.append(row.ci_low <= value <= row.ci_high)
            estimates[row.predictor, row.outcome].append(row.estimate)
    assert troubled <= 10  # a rare small-sample Heywood case (the stable-level variance near 0)
    low, high = stats.binom.ppf([0.0005, 0.9995], len(hits), 0.95) / len(hits)
    assert low <= np.mean(hits) <= high, (np.mean(hits), low, high)
    for key, values in estimates.items():  # and no bias beyond the simulation error
        assert abs(np.mean(values) - truth[key]) < 3.5 * np.std(values) / np.sqrt(len(values)), key


def test_tutorial_syntax_for_lavaan_without_defaults_gets_a_hint(panel):
    """The tutorial's syntax relies on lavaan() adding nothing; under sem()'s defaults (as in
    lavaan's own sem(), which reports df = -3 here) it is not identified: the error says why."""
    text = "\n".join(line for line in sem.riclpm_syntax(["QUAL", "LOY"], waves=4).splitlines()
                     if "0*" not in line)
    pattern = (r"not identified: it has 47 free parameters but the data provide only 44 .* If the syntax was "
               r"written for lavaan's lavaan\(\) \(which adds nothing\), note that fit\(\) applies sem\(\)'s "
               r"defaults: free residual variances \(e\.g\. of 'QUAL1'\)")
    with pytest.raises(sem.ModelSpecificationError, match=pattern):
        sem.fit(text, panel.data)


def test_plot_shows_one_line_per_path_and_lag(panel):
    free = sem.cross_lagged_effects(sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=4), panel.data))
    fig = free.plot(labels=panel.labels)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0] == "Perceived quality → Loyalty, waves 1 → 2" and len(ticks) == 6
    assert "above the usual level" in ax.get_xlabel()
    assert ax.get_title(loc="left") == "Lagged effects (RI-CLPM, n = 300)"
    model = sem.clpm_syntax(["QUAL", "LOY"], waves=4, equal_lags=True)
    equal = sem.cross_lagged_effects(sem.fit(model, panel.data))
    ticks = [t.get_text() for t in equal.plot(show="all").axes[0].get_yticklabels()]
    assert ticks == ["QUAL → LOY", "LOY → QUAL", "QUAL → QUAL", "LOY → LOY"]
    with pytest.raises(cxstats.CxStatsError, match=r"^Argument show='lagged' is not known: pass show='cross-lagged'"):
        equal.plot(show="lagged")
