"""The PLS result object, the schemes seminr does not have, and parameter recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _pls_cases import ECSI, data, reference_fit

import cxstats
import cxstats.pls as pls


@pytest.fixture(scope="module")
def ecsi() -> pls.PLSResult:
    return reference_fit("ecsi")


def test_table_layout_and_fields(ecsi):
    assert list(ecsi.table.columns) == ["lhs", "op", "rhs", "estimate"]
    assert list(ecsi.table["op"].unique()) == ["=~", "<~", "~"]
    assert (ecsi.table["op"] == "~").sum() == 12 and (ecsi.table["op"] == "=~").sum() == 24
    assert list(ecsi.r2.columns) == ["construct", "r2", "r2_adj"]
    assert list(ecsi.f2.columns) == ["outcome", "predictor", "f2"]
    assert ecsi.spec.single_items == ("CUSCO",)
    assert ecsi.spec.constructs == ("IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSL", "CUSCO")
    assert ecsi.n == 250 and ecsi.n_dropped == 0 and ecsi.missing == "No missing values."
    assert ecsi.bootstrap_draws == 0 and ecsi.problems == ()
    with pytest.raises(AttributeError):
        ecsi.n = 3  # type: ignore[misc]


def test_scores_are_the_standardized_data_times_the_weights(ecsi):
    scores = ecsi.scores
    assert np.allclose(scores.mean(), 0, atol=1e-12) and np.allclose(scores.std(ddof=1), 1)
    assert np.allclose(ecsi.standardized_data.to_numpy() @ ecsi.outer_weights.to_numpy(), scores.to_numpy())
    raw = data("ecsi_mobile")[list(ecsi.spec.indicators)]
    assert np.allclose((raw - ecsi.indicator_means) / ecsi.indicator_sds, ecsi.standardized_data)
    assert ecsi.outer_weights.loc["CUSA1", "IMAG"] == 0


def test_fit_leaves_the_data_alone():
    frame = data("corporate_reputation")
    before = frame.copy()
    pls.fit(_corp_model(), frame, bootstrap=10, seed=1, progress=False)
    pd.testing.assert_frame_equal(frame, before)


def _corp_model() -> str:
    from _pls_cases import seminr_reference

    return seminr_reference()["fits"]["corp_rep_mean"]["model"]


def test_missing_values_are_stated():
    mean = reference_fit("corp_rep_mean")
    assert mean.missing.startswith("Mean replacement: 11 missing values in cusa (1), cusl_1 (3), cusl_2 (4), cusl_3 (3)")
    assert mean.n == 344 and mean.n_dropped == 0
    listwise = reference_fit("corp_rep_listwise")
    assert listwise.missing.startswith("Listwise deletion: 8 of 344 rows had a missing value")
    assert listwise.n == 336 and listwise.n_dropped == 8
    assert list(listwise.scores.index[:3]) == list(data("corporate_reputation").dropna(
        subset=["cusa", "cusl_1", "cusl_2", "cusl_3"]).index[:3])


def test_effects_add_up(ecsi):
    wide = ecsi.effects().pivot_table(index=["outcome", "predictor"], columns="effect", values="estimate").fillna(0)
    assert np.allclose(wide["direct"] + wide["indirect"], wide["total"])
    paths = ecsi.table[ecsi.table["op"] == "~"].set_index(["lhs", "rhs"])["estimate"]
    # CUSL <- CUSA: direct 0.485 plus CUSA -> CUSCO -> CUSL
    expected = paths[("CUSL", "CUSA")] + paths[("CUSCO", "CUSA")] * paths[("CUSL", "CUSCO")]
    assert wide.loc[("CUSL", "CUSA"), "total"] == pytest.approx(expected, abs=1e-14)


def test_r2_adjusted(ecsi):
    r2 = ecsi.r2.set_index("construct")
    assert r2.loc["CUSA", "r2_adj"] == pytest.approx(1 - (1 - r2.loc["CUSA", "r2"]) * 249 / (250 - 4 - 1))


def test_summary_and_html(ecsi):
    text = ecsi.summary()
    assert text.startswith("PLS path model (path weighting scheme), converged after 7 iterations; N = 250")
    for part in ("Paths", "Loadings", "Outer weights", "R-square", "Effect sizes (f-square)", "CUSL  ~ CUSCO"):
        assert part in text
    assert "<table" in ecsi._repr_html_()
    assessed = ecsi.assess()
    assert "Fornell-Larcker" in assessed.summary() and "<table" in assessed._repr_html_()
    plsc = reference_fit("ecsi_plsc")
    assert plsc.summary().startswith("PLSc (consistent PLS) path model")


def test_the_same_text_fits_in_sem_and_pls():
    import cxstats.sem as sem

    mobi = data("ecsi_mobile")
    assert sem.fit(ECSI, mobi).converged and pls.fit(ECSI, mobi).converged


def test_assessment_gives_cronbachs_alpha_of_the_answers_and_standardized_alpha(ecsi):
    # alpha: on the answers' covariances, as cxstats.reliability (checked against psych); alpha_std: seminr's
    mobi = data("ecsi_mobile")
    blocks = {"CUEX": ["CUEX1", "CUEX2", "CUEX3"], "CUSL": ["CUSL1", "CUSL2", "CUSL3"]}
    raw = cxstats.reliability(mobi, blocks, factor=False).table.set_index("construct")
    table = ecsi.assess().table.set_index("construct")
    for construct in blocks:
        assert table.loc[construct, "alpha"] == pytest.approx(raw.loc[construct, "alpha"], abs=1e-10)
        assert table.loc[construct, "alpha_std"] == pytest.approx(raw.loc[construct, "alpha_std"], abs=1e-10)
        assert table.loc[construct, "alpha"] != pytest.approx(table.loc[construct, "alpha_std"], abs=1e-3)


def test_assessment_layout(ecsi):
    a = ecsi.assess()
    assert list(a.table.columns) == ["construct", "mode", "n_indicators", "alpha", "alpha_std", "rho_a", "rho_c",
                                     "ave"]
    assert a.table.set_index("construct").loc["CUSCO", ["alpha", "alpha_std", "rho_a", "rho_c", "ave"]].tolist() == [
        1, 1, 1, 1, 1]
    assert np.allclose(a.htmt, a.htmt.T) and np.allclose(np.diag(a.htmt), 1)
    assert a.htmt_ci[["ci_low", "ci_high"]].isna().all().all()
    assert len(a.htmt_ci) == 7 * 6 // 2
    assert a.cross_loadings.shape == (24, 7)
    assert list(a.inner_vif["outcome"].unique()) == ["PERV", "CUSA", "CUSL"]


def _wold(z: np.ndarray, blocks: list[list[int]], paths: np.ndarray, scheme: str, tol=1e-7) -> np.ndarray:
    """A direct implementation of Wold's iteration on the data (Lohmöller, 1989), mode A,
    written independently of cxstats.pls: returns the outer weights (indicators x constructs)."""
    n, c = len(z), len(blocks)
    w = np.zeros((z.shape[1], c))
    for j, items in enumerate(blocks):
        w[items, j] = 1.0
    adjacent = paths + paths.T
    for _ in range(300):
        y = z @ w
        y = (y - y.mean(0)) / y.std(0, ddof=1)
        r = np.corrcoef(y, rowvar=False)
        if scheme == "centroid":
            e = np.sign(r) * adjacent
        elif scheme == "factorial":
            e = r * adjacent
        else:
            e = r * paths.T
            for j in range(c):
                pred = np.flatnonzero(paths[:, j])
                if len(pred):
                    e[pred, j] = np.linalg.lstsq(y[:, pred], y[:, j], rcond=None)[0]
        proxy = y @ e
        proxy = (proxy - proxy.mean(0)) / proxy.std(0, ddof=1)
        new = np.zeros_like(w)
        for j, items in enumerate(blocks):
            new[items, j] = z[:, items].T @ proxy[:, j] / (n - 1)
        new /= (z @ new).std(0, ddof=1)
        done = np.abs(new - w).sum() < tol
        w = new
        if done:
            break
    return w


@pytest.mark.parametrize("scheme", ["path", "factorial", "centroid"])
def test_schemes_against_a_direct_implementation(scheme):
    """seminr has no centroid scheme; all three are checked against the data-based iteration above."""
    res = pls.fit(ECSI, data("ecsi_mobile"), scheme=scheme)
    z = res.standardized_data.to_numpy()
    items = list(res.spec.indicators)
    blocks = [[items.index(i) for i in block] for block in res.spec.blocks]
    w = _wold(z, blocks, res.spec.path_matrix, scheme)
    assert np.abs(w - res.outer_weights.to_numpy()).max() < 1e-7  # both stop within the 1e-7 criterion


def test_two_constructs_every_scheme_gives_the_same_weights():
    mobi = data("ecsi_mobile")
    text = "SAT =~ CUSA1 + CUSA2 + CUSA3\nLOY =~ CUSL1 + CUSL2 + CUSL3\nLOY ~ SAT"
    fits = [pls.fit(text, mobi, scheme=s) for s in ("path", "factorial", "centroid")]
    for other in fits[1:]:
        assert np.allclose(other.table["estimate"], fits[0].table["estimate"], atol=1e-7)
    r2 = fits[0].r2["r2"].iloc[0]
    assert fits[0].f2["f2"].iloc[0] == pytest.approx(r2 / (1 - r2))


def _factor_data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    xi = rng.normal(size=n)
    eta1 = 0.5 * xi + np.sqrt(0.75) * rng.normal(size=n)
    eta2 = 0.3 * xi + 0.4 * eta1 + np.sqrt(0.63) * rng.normal(size=n)  # unit variance
    columns = {}
    for name, factor in (("x", xi), ("m", eta1), ("y", eta2)):
        for k, loading in enumerate((0.7, 0.8, 0.9), start=1):
            columns[f"{name}{k}"] = loading * factor + np.sqrt(1 - loading**2) * rng.normal(size=n)
    return pd.DataFrame(columns)


RECOVERY = "X =~ x1 + x2 + x3\nM =~ m1 + m2 + m3\nY =~ y1 + y2 + y3\nM ~ X\nY ~ X + M\n"


def test_plsc_recovers_a_common_factor_model_and_pls_attenuates():
    frame = _factor_data(20_000, 1)
    consistent = pls.fit(RECOVERY, frame, consistent=True)
    paths = consistent.table[consistent.table["op"] == "~"].set_index(["lhs", "rhs"])["estimate"]
    assert paths[("M", "X")] == pytest.approx(0.5, abs=0.02)
    assert paths[("Y", "X")] == pytest.approx(0.3, abs=0.02)
    assert paths[("Y", "M")] == pytest.approx(0.4, abs=0.02)
    loadings = consistent.table[consistent.table["op"] == "=~"]["estimate"].to_numpy()
    assert np.allclose(loadings, np.tile([0.7, 0.8, 0.9], 3), atol=0.02)
    # rho_A is the reliability of the mode A composite, whose weights tend to the loadings:
    # (l'l)^2 / ((l'l)^2 + l' Theta l) = 0.856 (higher than rho_C of the unit-weighted sum, 0.845)
    lam = np.array([0.7, 0.8, 0.9])
    true_rho = (lam @ lam) ** 2 / ((lam @ lam) ** 2 + lam @ ((1 - lam**2) * lam))
    assert np.allclose(consistent.assess().table["rho_a"], true_rho, atol=0.01)
    plain = pls.fit(RECOVERY, frame)
    attenuated = plain.table[plain.table["op"] == "~"].set_index(["lhs", "rhs"])["estimate"]
    assert attenuated[("M", "X")] < 0.5 - 0.05  # composites carry measurement error


def test_mode_b_recovers_composite_weights():
    """Data generated as a composite with known weights (Cho & Choi, 2020): mode B finds them."""
    rng = np.random.default_rng(2)
    n = 200_000
    x = rng.multivariate_normal(np.zeros(3), [[1, 0.3, 0.2], [0.3, 1, 0.4], [0.2, 0.4, 1]], size=n)
    w = np.array([0.6, 0.3, 0.4])
    composite = x @ w
    composite /= composite.std()
    y = 0.6 * composite + np.sqrt(0.64) * rng.normal(size=n)
    frame = pd.DataFrame(x, columns=["x1", "x2", "x3"]).assign(y1=y + 0.5 * rng.normal(size=n),
                                                              y2=y + 0.5 * rng.normal(size=n))
    res = pls.fit("C <~ x1 + x2 + x3\nY =~ y1 + y2\nY ~ C", frame)
    weights = res.table[(res.table["op"] == "<~") & (res.table["lhs"] == "C")]["estimate"].to_numpy()
    true = w / np.sqrt(w @ np.array([[1, 0.3, 0.2], [0.3, 1, 0.4], [0.2, 0.4, 1]]) @ w)
    assert np.allclose(weights, true, atol=0.01)
