"""Two-group comparisons: PLS-MGA (Henseler's bootstrap test against PyPI seminr 0.2.1's
estimate_pls_mga with the same resamples; the permutation test against refits of the
relabelled data) and MICOM (against a direct computation), with their size and power on
simulated groups whose truth is known."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest
from _pls_cases import data, seminr_reference
from scipy import stats

import cxstats.pls as pls
from cxstats import CxStatsError
from cxstats.pls._groups import group_seeds, permute, pooled_raw, split_groups
from cxstats.pls._mga import henseler_p
from cxstats.pls._micom import compositional_correlation

MGA = seminr_reference()["mga"]
CORP = seminr_reference()["fits"]["corp_rep_mean"]["model"]
SIMPLE = "X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X\n"
REPUTATION = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""


def _two_groups(n: tuple[int, int], paths: tuple[float, float], seed: int, *, loadings_b=(0.8, 0.8, 0.8),
                shift_b: float = 0.0, scale_b: float = 1.0) -> pd.DataFrame:
    """Two groups of a one-path model X -> Y with three indicators each (loadings 0.8 in group
    a); group b may have its own path, X loadings, X mean and X standard deviation."""
    rng = np.random.default_rng(seed)
    frames = []
    for label, size, beta, loadings, shift, scale in (("a", n[0], paths[0], (0.8, 0.8, 0.8), 0.0, 1.0),
                                                      ("b", n[1], paths[1], loadings_b, shift_b, scale_b)):
        xi = rng.normal(size=size)
        eta = beta * xi + np.sqrt(1 - beta**2) * rng.normal(size=size)
        columns = {"group": label}
        for k, lam in enumerate(loadings, start=1):
            columns[f"x{k}"] = shift + scale * (lam * xi + np.sqrt(1 - lam**2) * rng.normal(size=size))
        for k in range(1, 4):
            columns[f"y{k}"] = 0.8 * eta + 0.6 * rng.normal(size=size)
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True)


# -- PLS-MGA against seminr --------------------------------------------------------------
@pytest.fixture(scope="module")
def corp_mga() -> pls.PLSMultigroupResult:
    return pls.multigroup(CORP, data("corporate_reputation"), group="servicetype", groups=(1, 2),
                          bootstrap=MGA["draws"], permutations=20, seed=MGA["seed"], progress=False)


def test_group_paths_and_henseler_p_match_seminr(corp_mga):
    table = corp_mga.table.set_index(["lhs", "rhs"])
    assert len(table) == len(MGA["paths"]) == 13
    for r in MGA["paths"]:
        row = table.loc[(r["outcome"], r["predictor"])]
        assert row["estimate"] == pytest.approx(r["estimate"], abs=1e-8)
        assert row["estimate_a"] == pytest.approx(r["group1_beta"], abs=1e-8)
        assert row["estimate_b"] == pytest.approx(r["group2_beta"], abs=1e-8)
        assert row["difference"] == pytest.approx(r["diff"], abs=1e-8)
        # the same resamples; the p-value counts pairs of draws, which agree to ~1e-9
        assert row["p_henseler_greater"] == pytest.approx(r["pls_mga_p"], abs=1e-12)
    means = {(r["outcome"], r["predictor"]): r["group1_beta_mean"] for r in MGA["paths"]}
    draws = corp_mga.fits[1]._boot.draws
    columns = np.flatnonzero((corp_mga.fits[1]._statistics.labels["kind"] == "path").to_numpy())
    for k, (outcome, predictor) in enumerate(zip(corp_mga.table["lhs"], corp_mga.table["rhs"], strict=True)):
        assert draws[:, columns[k]].mean() == pytest.approx(means[(outcome, predictor)], abs=1e-8)
    assert corp_mga.n == tuple(MGA["sizes"]) and corp_mga.bootstrap_draws == MGA["draws"]
    p = corp_mga.table["p_henseler_greater"]
    assert np.allclose(corp_mga.table["p_henseler"], 2 * np.minimum(p, 1 - p))


def test_group_bootstraps_are_seeded_as_documented(corp_mga):
    """Group g's resamples come from default_rng(SeedSequence(seed).generate_state(3)[g])."""
    seeds = np.random.SeedSequence(MGA["seed"]).generate_state(3)
    assert group_seeds(MGA["seed"]) == tuple(int(s) for s in seeds)
    prepaid = data("corporate_reputation").query("servicetype == 1").reset_index(drop=True)
    rows = np.random.default_rng(int(seeds[0])).integers(0, len(prepaid), size=(1, len(prepaid)))
    refit = pls.fit(CORP, prepaid.iloc[rows[0]].reset_index(drop=True))
    assert np.abs(corp_mga.fits[1]._boot.draws[0] - refit._estimate).max() < 1e-7


def test_henseler_p_is_the_pairwise_count():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.3, 0.1, size=(300, 3)), rng.normal(0.2, 0.15, size=(300, 3))
    b[:, 2] = a[:, 2]  # ties across groups
    for k in range(3):
        grid = (2 * a[:, k].mean() - a[:, k])[:, None] - 2 * b[:, k].mean() + b[None, :, k]
        assert henseler_p(a, b)[k] == pytest.approx(1 - np.mean(grid > 0), abs=1e-15)


# -- the permutation engine ---------------------------------------------------------------
def test_permuted_estimates_are_refits_of_the_relabelled_data():
    frame = _two_groups((60, 80), (0.4, 0.4), seed=7)
    spec, split = split_groups(SIMPLE, frame, "group", None, "mean")
    pooled = pls.fit(SIMPLE, split.pooled)
    raw, impute = pooled_raw(spec, split, "mean")
    perms = permute(pooled, split.member, raw, permutations=12, seed=5, impute=impute, tol=1e-7, max_iter=300,
                    progress=False)
    orders = np.stack([np.random.default_rng(5).permutation(140) for _ in range(1)])
    assert np.array_equal(perms.rows_a[0], orders[0][:60]) and np.array_equal(perms.rows_b[0], orders[0][60:])
    for d in (0, 11):
        for rows, weights, paths in ((perms.rows_a[d], perms.weights_a[d], perms.paths_a[d]),
                                     (perms.rows_b[d], perms.weights_b[d], perms.paths_b[d])):
            refit = pls.fit(SIMPLE, split.pooled.iloc[rows].reset_index(drop=True))
            assert np.abs(weights - refit.outer_weights.to_numpy()).max() < 1e-6
            assert paths[0, 1] == pytest.approx(refit.table.query("op == '~'")["estimate"].iloc[0], abs=1e-7)


def test_permutations_with_missing_values_replace_means_within_each_permuted_group():
    corp = data("corporate_reputation")
    spec, split = split_groups(REPUTATION, corp, "servicetype", None, "mean")
    pooled = pls.fit(REPUTATION, split.pooled)
    raw, impute = pooled_raw(spec, split, "mean")
    assert impute
    perms = permute(pooled, split.member, raw, permutations=10, seed=2, impute=impute, tol=1e-7, max_iter=300,
                    progress=False)
    refit = pls.fit(REPUTATION, split.pooled.iloc[perms.rows_b[3]].reset_index(drop=True))  # its own means
    assert np.abs(perms.weights_b[3] - refit.outer_weights.to_numpy()).max() < 1e-6


def test_the_same_with_one_or_two_workers(monkeypatch):
    frame = _two_groups((70, 70), (0.3, 0.5), seed=3)
    two = pls.multigroup(SIMPLE, frame, group="group", bootstrap=150, permutations=300, seed=8, progress=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    one = pls.multigroup(SIMPLE, frame, group="group", bootstrap=150, permutations=300, seed=8, progress=False)
    pd.testing.assert_frame_equal(two.table, one.table)
    other = pls.multigroup(SIMPLE, frame, group="group", bootstrap=150, permutations=300, seed=9, progress=False)
    assert not np.allclose(two.table["p_permutation"], other.table["p_permutation"])


# -- size and power on simulated groups ------------------------------------------------------
def test_a_real_path_difference_is_found():
    frame = _two_groups((200, 200), (0.7, 0.2), seed=11)
    res = pls.multigroup(SIMPLE, frame, group="group", bootstrap=300, permutations=300, seed=1, progress=False)
    row = res.table.iloc[0]
    assert row["estimate_a"] - row["estimate_b"] > 0.3  # composites attenuate both (loadings 0.8)
    assert row["p_henseler"] < 0.01 and row["p_permutation"] < 0.01
    assert row["p_henseler_greater"] < 0.005  # a > b
    text = str(res.plain_summary(labels={"X": "Quality", "Y": "Loyalty"}))
    assert "Of 1 paths, 1 differs between a and b customers by both tests" in text
    assert "Quality → Loyalty: " in text and "**differs**" in text
    assert f"a difference of +{row['difference']:.2f}" in text and "(p < .05; a n = 200, b n = 200)" in text
    assert "permutation p < .001" in text or f"permutation p = {row['p_permutation']:.3f}".replace("0.", ".") in text
    named = str(res.plain_summary(group_labels={"a": "Prepaid", "b": "Contract"}))
    assert "between Prepaid and Contract customers" in named


@pytest.mark.filterwarnings("ignore::cxstats.pls.BootstrapWarning")  # a rare draw of n = 50 does not converge
def test_equal_groups_are_rejected_at_about_the_nominal_rate():
    """40 pairs of groups drawn from one population (n = 50 each): the number of p < .05 must
    not exceed the 99.9% quantile of Binomial(40, .05) (7), and the p-values must not be far
    from uniform (Kolmogorov-Smirnov p > .001)."""
    p = {"henseler": [], "permutation": [], "micom_c": [], "micom_mean": [], "micom_var": []}
    for rep in range(40):
        frame = _two_groups((50, 50), (0.5, 0.5), seed=1000 + rep)
        res = pls.multigroup(SIMPLE, frame, group="group", bootstrap=100, permutations=100, seed=rep, progress=False)
        p["henseler"].append(res.table["p_henseler"].iloc[0])
        p["permutation"].append(res.table["p_permutation"].iloc[0])
        m = pls.micom(SIMPLE, frame, group="group", permutations=100, seed=rep, progress=False)
        x = m.table.set_index("construct").loc["X"]
        p["micom_c"].append(x["p_value"])
        p["micom_mean"].append(x["mean_p_value"])
        p["micom_var"].append(x["variance_p_value"])
    limit = stats.binom.ppf(0.999, 40, 0.05)
    for name, values in p.items():
        values = np.array(values)
        assert (values < 0.05).sum() <= limit, name
        assert stats.kstest(values, "uniform").pvalue > 0.001, name


def test_micom_finds_different_weights_and_means():
    """Group b's first X indicator hardly measures X (loading 0.1), so X is formed differently
    (step 2 fails); its X indicators are also shifted up by 0.6 (step 3 means)."""
    frame = _two_groups((250, 250), (0.5, 0.5), seed=21, loadings_b=(0.1, 0.8, 0.8))
    res = pls.micom(SIMPLE, frame, group="group", permutations=300, seed=2, progress=False)
    step2 = res.compositional.set_index("construct")
    assert step2.loc["X", "p_value"] < 0.01 and not step2.loc["X", "invariant"]
    assert step2.loc["Y", "invariant"]
    assert res.verdict.set_index("construct").loc["X", "invariance"] == "none"
    shifted = _two_groups((250, 250), (0.5, 0.5), seed=22, shift_b=0.6)
    res = pls.micom(SIMPLE, shifted, group="group", permutations=300, seed=2, progress=False)
    step3 = res.equality.set_index("construct")
    assert res.compositional["invariant"].all()
    assert step3.loc["X", "mean_p_value"] < 0.01 and step3.loc["X", "mean_difference"] < 0
    assert not (step3.loc["X", "mean_ci_low"] <= step3.loc["X", "mean_difference"] <= step3.loc["X", "mean_ci_high"])
    assert step3.loc["Y", "equal_means"]
    assert res.verdict.set_index("construct").loc["X", "invariance"] == "partial"  # Y: 'full' up to chance (variances)
    text = str(res.plain_summary(labels={"X": "Quality"}))
    assert "Means or variances differ between the groups for Quality (means" in text
    assert f"(a, n = {res.n[0]:,}; b, n = {res.n[1]:,})" in text
    spread = _two_groups((250, 250), (0.5, 0.5), seed=23, scale_b=1.6)
    step3 = pls.micom(SIMPLE, spread, group="group", permutations=300, seed=2, progress=False).equality
    x = step3.set_index("construct").loc["X"]
    assert x["variance_p_value"] < 0.01 and x["log_variance_ratio"] < 0 and x["equal_means"]


def test_micom_by_hand():
    frame = _two_groups((120, 90), (0.5, 0.5), seed=5, loadings_b=(0.5, 0.8, 0.9), shift_b=0.3)
    res = pls.micom(SIMPLE, frame, group="group", permutations=50, seed=4, progress=False)
    pooled = pls.fit(SIMPLE, frame)
    fit_a, fit_b = pls.fit(SIMPLE, frame[frame.group == "a"]), pls.fit(SIMPLE, frame[frame.group == "b"])
    z = pooled.standardized_data
    for construct in ("X", "Y"):
        c = np.corrcoef(z @ fit_a.outer_weights[construct], z @ fit_b.outer_weights[construct])[0, 1]
        assert res.compositional.set_index("construct").loc[construct, "c"] == pytest.approx(c, abs=1e-12)
        scores = pooled.scores[construct]
        a, b = scores[frame.group == "a"], scores[frame.group == "b"]
        row = res.equality.set_index("construct").loc[construct]
        assert row["mean_difference"] == pytest.approx(a.mean() - b.mean(), abs=1e-12)
        assert row["log_variance_ratio"] == pytest.approx(np.log(a.var()) - np.log(b.var()), abs=1e-12)
    perm = res._permuted
    assert perm["c"].shape == (50, 2)
    p = res.compositional["p_value"].iloc[0]
    assert p == pytest.approx((1 + np.sum(perm["c"][:, 0] <= res.compositional["c"].iloc[0] + 1e-12)) / 51)
    r = pooled._correlations
    assert compositional_correlation(r, fit_a._weights, fit_a._weights) == pytest.approx(np.ones(2))
    assert list(res.configural.columns) == ["construct", "mode", "n_indicators", "established"]
    assert "Step 2: compositional invariance" in res.summary() and "<table" in res._repr_html_()


def test_real_survey_prepaid_vs_contract():
    corp = data("corporate_reputation").assign(plan=lambda d: d["servicetype"].map({1: "prepaid", 2: "contract"}))
    mga = pls.multigroup(REPUTATION, corp, group="plan", groups=("prepaid", "contract"), bootstrap=200,
                         permutations=200, seed=3, progress=False)
    assert mga.groups == ("prepaid", "contract") and mga.n == (125, 219)
    assert list(mga.table.columns) == ["lhs", "op", "rhs", "estimate", "estimate_a", "estimate_b", "difference",
                                       "se_a", "se_b", "p_henseler", "p_henseler_greater", "p_permutation"]
    assert set(mga.fits) == {"prepaid", "contract", "pooled"}
    assert mga.fits["prepaid"].missing.startswith("Mean replacement")  # within the group
    assert "PLS multigroup analysis by 'plan': prepaid (n = 125) vs contract (n = 219)" in mga.summary()
    fig = mga.plot(labels={"CUSL": "Loyalty"})
    assert len(fig.axes[0].get_yticklabels()) == 5


# -- errors --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corp() -> pd.DataFrame:
    return data("corporate_reputation")


def test_group_errors(corp):
    with pytest.raises(CxStatsError, match=re.escape("No group column 'plan' in the data; columns: 'servicetype'")):
        pls.multigroup(REPUTATION, corp, group="plan")
    with pytest.raises(CxStatsError, match=re.escape(
            "Column 'servicetype' holds only one group (2); a comparison needs two. Choose another group column.")):
        pls.micom(REPUTATION, corp[corp.servicetype == 2], group="servicetype")
    with pytest.raises(CxStatsError, match=re.escape(
            "Column 'serviceprovider' has 4 groups (1, 2, 3, 4); name the two to compare with groups=(first, second).")):
        pls.multigroup(REPUTATION, corp, group="serviceprovider")
    with pytest.raises(CxStatsError, match=re.escape(
            "Group 3 is not a value of column 'servicetype' (its values: 1, 2).")):
        pls.multigroup(REPUTATION, corp, group="servicetype", groups=(1, 3))
    with pytest.raises(CxStatsError, match=re.escape("groups must name two different values of 'servicetype', got (1, 1).")):
        pls.micom(REPUTATION, corp, group="servicetype", groups=(1, 1))


def test_a_group_with_too_few_cases(corp):
    few = pd.concat([corp[corp.servicetype == 1].head(8), corp[corp.servicetype == 2]])
    with pytest.raises(CxStatsError, match=re.escape(
            "Group 1 of 'servicetype' has 8 rows (after the missing-value treatment); each group needs at least 10 to "
            "estimate the model (the larger of 10 and the most predictors or formative indicators of one construct "
            "plus 2). Merge small groups or simplify the model.")):
        pls.multigroup(REPUTATION, few, group="servicetype")
    holes = corp.copy()
    holes.loc[holes.index[holes.servicetype == 1][:120], "cusl_1"] = np.nan
    with pytest.raises(CxStatsError, match=r"Group 1 of 'servicetype' has 5 rows \(after the missing-value treatment\)"):
        pls.micom(REPUTATION, holes, group="servicetype", missing="listwise")  # rows dropped before counting
    assert pls.micom(REPUTATION, holes, group="servicetype", permutations=10, seed=1).n == (125, 219)  # mean replacement


def test_a_model_that_fails_in_one_group_names_the_group(corp):
    constant = corp.copy()
    constant.loc[constant.servicetype == 1, "comp_2"] = 4.0
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(
            "In group 1 of 'servicetype' (125 rows): Indicator 'comp_2' of construct 'COMP' is constant (every "
            "analysed row has 4)")):
        pls.multigroup(REPUTATION, constant, group="servicetype", bootstrap=10, permutations=10)


def test_rows_without_a_group_are_noted(corp):
    frame = corp.assign(servicetype=corp["servicetype"].where(corp.index % 50 != 0))
    res = pls.micom(REPUTATION, frame, group="servicetype", permutations=20, seed=1, progress=False)
    assert res.notes == ("7 rows without a value of 'servicetype' were left out.",)
    assert sum(res.n) == 344 - 7


@pytest.mark.parametrize("options, message", [
    ({"bootstrap": 5}, "bootstrap must be a whole number of at least 10 draws per group, got 5."),
    ({"permutations": 0}, "permutations must be a whole number of at least 10, got 0."),
])
def test_bad_counts(corp, options, message):
    with pytest.raises(pls.ModelSpecificationError, match=re.escape(message)):
        pls.multigroup(REPUTATION, corp, group="servicetype", **options)


def test_other_argument_errors(corp):
    with pytest.raises(TypeError, match=re.escape("data must be a pandas DataFrame, got ndarray.")):
        pls.micom(REPUTATION, corp.to_numpy(), group="servicetype")
    with pytest.raises(pls.ModelSpecificationError, match=re.escape("alpha must lie between 0 and 1, got 5.")):
        pls.micom(REPUTATION, corp, group="servicetype", alpha=5)
