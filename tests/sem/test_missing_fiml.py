"""``sem.fit(missing="fiml")`` end to end against lavaan 0.6.14 ``missing = "ml"``
(tests/reference/lavaan_fiml.R: the Holzinger-Swineford CFA with 10% of the cells missing
completely at random and two rows with no answers)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxstats
import cxstats.sem as sem
from conftest import reference, reference_data

CASE = "lavaan_fiml"


def _fit(name: str, estimator: str) -> sem.SEMResult:
    ref = reference(CASE, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cxstats.CxStatsWarning)
        return sem.fit(ref["model"], reference_data(CASE, name), missing="fiml", estimator=estimator)


@pytest.mark.parametrize(("name", "estimator"), [("fiml_ml", "ML"), ("fiml_mlr", "MLR")])
def test_fiml_matches_lavaan(name, estimator):
    ref = reference(CASE, name)
    result = _fit(name, estimator)
    lav = pd.DataFrame(ref["parameters"])
    lav["rhs"] = lav["rhs"].fillna("").str.replace(" ", "")
    joined = result.table.merge(lav, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(joined) == len(lav[lav["op"].isin(["=~", "~~", "~1"])])
    assert np.allclose(joined["estimate"], joined["est"], atol=1e-4, rtol=0)
    free = joined["se_lav"] > 0
    assert np.allclose(joined.loc[free, "se"], joined.loc[free, "se_lav"], rtol=1e-3)
    assert np.allclose(joined["std_all"], joined["std.all"], atol=1e-4)
    fm = result.fit_measures
    assert fm["chisq"] == pytest.approx(ref["fit_measures"]["chisq"], rel=1e-6)
    compared = 0
    for key, value in ref["fit_measures"].items():
        if key in fm.index and value is not None:
            assert fm[key] == pytest.approx(value, rel=1e-4, abs=1e-7), key
            compared += 1
    assert compared >= 25
    assert result.nobs == ref["nobs"] if not isinstance(ref["nobs"], list) else result.nobs == ref["nobs"][0]
    assert result.missing == "fiml" and result.n_dropped == 2


def test_rows_without_answers_are_dropped_with_a_message():
    ref = reference(CASE, "fiml_ml")
    with pytest.warns(cxstats.CxStatsWarning, match=r"2 row\(s\) answer none of the model's variables and were left "
                                                    r"out: rows 301, 302"):
        result = sem.fit(ref["model"], reference_data(CASE, "fiml_ml"), missing="fiml")
    # kept on the result too, so reports (cxstats.report.cautions) show it
    assert any("answer none of the model's variables" in p for p in result.problems)


def test_messages_name_numbered_groups_as_plain_numbers():
    corp = cxstats.load_dataset("corporate_reputation").data  # servicetype 1/2 (int64); row 177 misses cusa
    with pytest.warns(cxstats.CxStatsWarning) as caught:
        result = sem.fit("CUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSL ~ cusa", corp, group="servicetype", missing="fiml")
    assert "1 row(s) in group 2 miss a covariate ('cusa') and were left out: rows 177." in [
        str(w.message) for w in caught]
    assert not any("np." in str(w.message) or "np." in p for w in caught for p in result.problems)
    tiny = corp[corp["servicetype"] == 2].head(3)
    with pytest.raises(sem.ModelSpecificationError, match=r"^Group 1 of 'servicetype' has \d+ complete rows .* leave "
                                                          r"1 out with group_labels=\.$"):
        sem.fit("CUSL =~ cusl_1 + cusl_2 + cusl_3", pd.concat([corp[corp["servicetype"] == 1].head(3), tiny]),
                group="servicetype")
    with pytest.raises(ValueError, match=r"^group=3 is not one of the model's groups: 2, 1\.$"):
        result.latent_correlations(group=np.int64(3))


def test_fiml_equals_ml_on_complete_data(hs):
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    full = sem.fit(model, hs, missing="fiml")
    ml = sem.fit(model + "\nx1 ~ 1", hs)  # a mean structure, as FIML has
    assert full.fit_measures["chisq"] == pytest.approx(ml.fit_measures["chisq"], rel=1e-6)
    assert np.allclose(full.table.set_index(["lhs", "op", "rhs"])["estimate"].sort_index(),
                       ml.table.set_index(["lhs", "op", "rhs"])["estimate"].sort_index(), atol=1e-5)


def test_multigroup_fiml_matches_lavaan():
    ref = reference(CASE, "fiml_ml")
    data = reference_data(CASE, "fiml_ml")
    import json
    from conftest import REFERENCE

    expected = json.loads((REFERENCE / f"{CASE}.json").read_text())["multigroup_configural_fiml"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cxstats.CxStatsWarning)
        result = sem.fit(ref["model"], data.dropna(subset=["school"]), group="school", missing="fiml")
    measures = expected["fit_measures"]
    assert result.fit_measures["chisq"] == pytest.approx(measures["chisq"], rel=1e-6)
    assert result.fit_measures["df"] == measures["df"]
    for key in ("cfi", "rmsea", "srmr", "logl"):
        assert result.fit_measures[key] == pytest.approx(measures[key], rel=1e-4), key


def test_unknown_missing_option(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"missing='pairwise' is not available; use 'listwise' or 'fiml'"):
        sem.fit("visual =~ x1 + x2 + x3", hs, missing="pairwise")


def test_fiml_bootstrap_resamples_rows_with_their_gaps():
    """Bootstrap SEs under FIML agree with the robust (sandwich) SEs of FIML + MLR, which
    estimate the same sampling variability without assuming normality."""
    ref = reference(CASE, "fiml_ml")
    data = reference_data(CASE, "fiml_ml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cxstats.CxStatsWarning)
        boot = sem.fit(ref["model"], data, missing="fiml", se="bootstrap", bootstrap=150, seed=7, progress=False)
        again = sem.fit(ref["model"], data, missing="fiml", se="bootstrap", bootstrap=150, seed=7, progress=False)
        robust = sem.fit(ref["model"], data, missing="fiml", estimator="MLR")
    assert boot.bootstrap_draws == 150 and boot.bootstrap_failed == 0
    free = boot.table["free"].to_numpy()
    ratio = boot.table.loc[free, "se"].to_numpy() / robust.table.loc[free, "se"].to_numpy()
    assert 0.9 < np.median(ratio) < 1.15 and np.all((ratio > 0.7) & (ratio < 1.4)), ratio
    assert np.array_equal(boot.table["se"].to_numpy(), again.table["se"].to_numpy())
    assert np.allclose(boot.table["estimate"], robust.table["estimate"])  # the estimates are FIML's


def test_fiml_needs_raw_data(hs):
    with pytest.raises(sem.ModelSpecificationError, match=r"missing='fiml' needs raw data"):
        sem.fit("visual =~ x1 + x2 + x3", cov=hs[["x1", "x2", "x3"]].cov(), nobs=len(hs), missing="fiml")
