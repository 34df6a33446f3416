"""The fallback minimiser (sem._optimise.trust_region) and the hand-over to it.

When Fisher scoring stalls, the trust region alone must reach lavaan's optimum (ML and
FIML), treat an undefined (non-positive-definite) point as a step too long, and a search
that runs out of iterations must be flagged, not reported as converged."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cxstats.sem as sem
import cxstats.sem._fiml_estimate as sem_fiml
import cxstats.sem.estimate as sem_estimate
from cxstats.sem._optimise import trust_region
from conftest import lavaan_table, reference, reference_data

# the FIML reference data have two empty rows, dropped with a (tested elsewhere) warning
pytestmark = pytest.mark.filterwarnings("ignore:2 row\\(s\\) answer none")

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


def test_an_undefined_point_is_a_step_too_long():
    """f = -log(1 - x^2) + (x - 2)^2 / 10 is +inf outside (-1, 1), where its minimum lies
    close to the edge; the search must stay inside and find it."""

    def value(x):
        return -math.log(1 - x[0] ** 2) + (x[0] - 2) ** 2 / 10 if abs(x[0]) < 1 else math.inf

    def gradient(x):
        return np.array([2 * x[0] / (1 - x[0] ** 2) + (x[0] - 2) / 5])

    def hessian(x):
        return np.array([[2 * (1 + x[0] ** 2) / (1 - x[0] ** 2) ** 2 + 0.2]])

    found = trust_region(value, gradient, hessian, np.array([-0.9]))
    assert abs(found.x[0]) < 1 and found.gradient_max < 1e-8
    assert gradient(found.x)[0] == pytest.approx(0.0, abs=1e-8)


def test_ml_reaches_lavaan_when_scoring_makes_no_step(hs, monkeypatch):
    """Every line search fails: the trust region alone finds lavaan's estimates."""
    monkeypatch.setattr(sem_estimate, "_line_search", lambda *args: None)
    result = sem.fit(HS_MODEL, hs)
    assert result.converged
    ref = lavaan_table("lavaan_hs_cfa").set_index(["lhs", "op", "rhs"])["est"]
    ours = result.table.set_index(["lhs", "op", "rhs"])["estimate"]
    np.testing.assert_allclose(ours.loc[ref.index].to_numpy(), ref.to_numpy(), atol=1e-5)
    assert result.fit_measures["chisq"] == pytest.approx(reference("lavaan_hs_cfa")["fit_measures"]["chisq"],
                                                         rel=1e-6)


def test_fiml_reaches_lavaan_when_scoring_has_no_direction(monkeypatch):
    """A useless (zero) expected information and no ML warm start: scoring has no step to
    take, and the trust region on the observed information finds lavaan's FIML estimate."""
    monkeypatch.setattr(sem_fiml, "_expected_information", lambda models, theta, patterns: np.zeros((len(theta),) * 2))
    monkeypatch.setattr("cxstats.sem._api.fisher_scoring", lambda groups, start, constraint_basis=None:
                        sem_estimate.Estimate(start, np.inf, 0, False, np.inf))
    rec = reference("lavaan_fiml", "fiml_ml")
    result = sem.fit(rec["model"], reference_data("lavaan_fiml", "fiml_ml"), missing="fiml")
    assert result.converged
    assert result.fit_measures["chisq"] == pytest.approx(rec["fit_measures"]["chisq"], rel=1e-6)
    ref = lavaan_table("lavaan_fiml", "fiml_ml").set_index(["lhs", "op", "rhs"])["est"]
    ours = result.table.set_index(["lhs", "op", "rhs"])["estimate"]
    np.testing.assert_allclose(ours.loc[ref.index].to_numpy(), ref.to_numpy(), atol=1e-4)


def test_fiml_out_of_iterations_is_flagged(monkeypatch):
    monkeypatch.setattr(sem_fiml, "_expected_information", lambda models, theta, patterns: np.zeros((len(theta),) * 2))
    monkeypatch.setattr("cxstats.sem._api.fisher_scoring", lambda groups, start, constraint_basis=None:
                        sem_estimate.Estimate(start, np.inf, 0, False, np.inf))
    monkeypatch.setattr("cxstats.sem._api.fiml_estimate",
                        lambda *args, **kwargs: sem_fiml.fiml_estimate(*args, **kwargs, max_iter=3))
    rec = reference("lavaan_fiml", "fiml_ml")
    with pytest.warns(sem.ConvergenceWarning, match=r"did not converge after 3 iterations"):
        result = sem.fit(rec["model"], reference_data("lavaan_fiml", "fiml_ml"), missing="fiml")
    assert result.converged is False
    assert any(p.startswith("ConvergenceWarning") for p in result.problems)
