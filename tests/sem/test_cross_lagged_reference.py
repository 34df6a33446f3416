"""CLPM and RI-CLPM built by cxstats.sem.cross_lagged_syntax against lavaan 0.6.14.

tests/reference/lavaan_clpm.R writes its own syntax (Mulder & Hamaker's tutorial layout)
and fits it with lavaan(model, data, meanstructure = TRUE, int.ov.free = TRUE) on a public
panel (plm::Wages: log wage and weeks worked in tens, 595 workers, 7 waves) and on a simulated
4-wave quality/loyalty panel (complete, and with 8% missing cells for FIML). Tolerances:
estimates 1e-4 absolute, SEs 1e-4 relative, chi-square 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import lavaan_table, reference, reference_data

import cxstats.sem as sem

CASE = "lavaan_clpm"
FITS = ["wages_riclpm", "wages_riclpm_equal", "wages_clpm", "wages_clpm_equal", "cx_riclpm", "cx_riclpm_equal",
        "cx_clpm", "cx_clpm_equal", "cx_riclpm_fiml", "cx_riclpm_equal_fiml"]


@pytest.fixture(scope="module", params=FITS)
def fitted(request):
    rec = reference(CASE, request.param)
    model = sem.cross_lagged_syntax(list(rec["constructs"]), rec["waves"],
                                    random_intercepts=rec["random_intercepts"], equal_lags=rec["equal_lags"])
    missing = "fiml" if rec["options"]["missing"] == "ml" else "listwise"
    return request.param, sem.fit(model, reference_data(CASE, request.param), missing=missing)


def _merged(result: sem.SEMResult, fit: str) -> pd.DataFrame:
    merged = result.table.merge(lavaan_table(CASE, fit), on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", ["lhs", "op", "rhs", "_merge"]]
    return merged


def test_same_parameters_estimates_and_standard_errors(fitted):
    fit, result = fitted
    merged = _merged(result, fit)
    assert result.converged and result.identified and not result.problems
    assert (merged["free_x"] == (merged["free_y"] > 0)).all()
    assert np.abs(merged["estimate"] - merged["est"]).max() < 1e-4
    free = merged["se_y"] > 0
    assert (np.abs(merged["se_x"] - merged["se_y"]) / merged["se_y"])[free].max() < 1e-4
    assert (merged.loc[~free, "se_x"] == 0).all()
    assert np.abs(merged["std_all"] - merged["std.all"]).max() < 1e-4


def test_chi_square_and_fit_measures(fitted):
    fit, result = fitted
    lavaan = reference(CASE, fit)["fit_measures"]
    assert result.fit_measures["chisq"] == pytest.approx(lavaan["chisq"], rel=1e-6)
    assert result.fit_measures["df"] == lavaan["df"]
    assert result.fit_measures["logl"] == pytest.approx(lavaan["logl"], rel=1e-6)
    for name in ("cfi", "tli", "rmsea", "srmr"):
        assert result.fit_measures[name] == pytest.approx(lavaan[name], abs=1e-4), name


def test_lagged_paths_table_matches_lavaan(fitted):
    fit, result = fitted
    rec = reference(CASE, fit)
    effects = sem.cross_lagged_effects(result)
    lavaan = lavaan_table(CASE, fit)
    lagged = lavaan[(lavaan["op"] == "~")]
    assert len(effects.table) == len(lagged) == 4 * (rec["waves"] - 1)
    merged = effects.table.merge(lagged, on=["lhs", "op", "rhs"])
    assert np.abs(merged["estimate"] - merged["est"]).max() < 1e-4
    assert (np.abs(merged["se_x"] - merged["se_y"]) / merged["se_y"]).max() < 1e-4
    assert np.abs(merged["ci_low"] - merged["ci.lower"]).max() < 1e-4
    assert effects.model == ("RI-CLPM" if rec["random_intercepts"] else "CLPM")
    assert effects.equal_lags == rec["equal_lags"]
    assert effects.constructs == tuple(rec["constructs"]) and effects.waves == rec["waves"]
    assert set(effects.table["kind"]) == {"cross-lagged", "autoregressive"}
    assert (effects.table["to_wave"] == effects.table["from_wave"] + 1).all()
    if rec["random_intercepts"]:
        ri = lavaan[(lavaan["op"] == "~~") & lavaan["lhs"].str.startswith("RI_") & lavaan["rhs"].str.startswith("RI_")
                    & (lavaan["lhs"] != lavaan["rhs"])]
        assert effects.traits["correlation"].iloc[0] == pytest.approx(ri["std.all"].iloc[0], abs=1e-4)
    else:
        assert effects.traits.empty


def test_builder_syntax_is_the_reference_syntax():
    """The R script's independent syntax and the builder's define the same statements."""
    for fit in FITS:
        rec = reference(CASE, fit)
        ours = sem.cross_lagged_syntax(list(rec["constructs"]), rec["waves"],
                                       random_intercepts=rec["random_intercepts"], equal_lags=rec["equal_lags"])
        key = lambda s: (s.lhs, s.op, tuple((t.name, t.fixed, t.labels) for t in s.terms))  # noqa: E731
        expand = lambda text: sorted(  # noqa: E731
            (s.lhs, s.op, t) for s in sem.parse_model(text) for t in key(s)[2])
        assert expand(ours) == expand(rec["model"]), fit
