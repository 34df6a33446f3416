"""The exact Hessian of the ML discrepancy (Newton steps) against central differences of
the analytic gradient, with and without a mean structure."""

from __future__ import annotations

import numpy as np
import pytest

import cxstats.sem as sem
from cxstats.sem.estimate import _gradient_and_hessian

MODELS = {
    "means, two groups, equal intercepts": (
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ visual + textual",
        {"group": "school", "group_equal": ["loadings", "intercepts"]}),
    "no mean structure": ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual", {}),
    "intercepts and a covariate": ("visual =~ x1 + x2 + x3\nvisual ~ x7\nx1 ~ 1", {}),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_exact_hessian_equals_differences_of_the_gradient(name, hs):
    model, options = MODELS[name]
    result = sem.fit(model, hs, **options)
    groups = result._groups
    theta = result._theta + 0.05 * np.random.default_rng(3).standard_normal(len(result._theta))  # off the minimum
    for ram, cov, mean in zip(groups.models, groups.covs, groups.means, strict=True):
        _, exact = _gradient_and_hessian(ram, ram.implied(theta), cov, mean, exact=True)

        def gradient(t, ram=ram, cov=cov, mean=mean):
            return _gradient_and_hessian(ram, ram.implied(t), cov, mean, hessian=False)[0]

        h = 1e-6
        numeric = np.array([(gradient(theta + h * e) - gradient(theta - h * e)) / (2 * h)
                            for e in np.eye(len(theta))]).T
        assert np.allclose(exact, numeric, atol=1e-6 * max(1.0, np.abs(numeric).max()))
        assert np.allclose(exact, exact.T, atol=1e-12)
