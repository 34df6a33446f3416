"""The set-up promises: README commands, CI script, and pyproject/environment.yml agreement."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import cxstats

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = {_name(r) for r in project["dependencies"] + extras["report"] + extras["notebooks"]
              + extras["bench"] + extras["docs"] + extras["scale"]}
    wanted |= {_name(r) for r in extras["dev"] if not r.startswith("cxstats")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = {_name(d) for d in env if isinstance(d, str)} - {"python", "pip"}
    pip = {_name(d) for d in next(d["pip"] for d in env if isinstance(d, dict)) if not d.startswith("-e")}
    assert conda | pip == wanted


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    lines = [ln.strip() for ln in (ROOT / "README.md").read_text().splitlines() if ln.strip()]
    commands = [ln.strip("`") for ln in lines[:8] if ln.startswith("`make ")]
    assert commands[:2] == ["make report", "make test"]
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert ci[-1] == "make test"


def test_public_names_are_exported_and_typed():
    assert sorted(cxstats.__all__) == sorted(set(cxstats.__all__))
    for name in cxstats.__all__:
        assert hasattr(cxstats, name), name
    assert (ROOT / "src" / "cxstats" / "py.typed").exists()


def test_make_test_installs_the_scale_engines():
    """``make test`` installs the dev extra, which pulls in the scale extra (DuckDB, Dask)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "cxstats[scale]" in [r.split("#")[0].strip() for r in extras["dev"]]
    assert {_name(r) for r in extras["scale"]} == {"duckdb", "dask"}
    assert '-e ".[dev,' in (ROOT / "Makefile").read_text()
