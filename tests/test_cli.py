"""The ``cxstats`` command end to end: the real command in a subprocess on bundled data, and
every bad-input message (in process, where each is one line with exit status 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cxstats
import cxstats.report.__main__ as render_cli
from cxstats import cli
from cxstats.data.datasets import data_dir

openpyxl = pytest.importorskip("openpyxl")

ECSI = """IMAG =~ IMAG1 + IMAG2 + IMAG3
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
CUSA ~ IMAG
CUSL ~ CUSA + IMAG
"""
CORP = "QUAL =~ qual_1 + qual_2 + qual_3\nPERF =~ perf_1 + perf_2 + perf_3"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m cxstats ARGS`` from any folder, with this checkout's cxstats first on the path."""
    env = dict(os.environ)
    source = str(Path(cxstats.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([source, *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONWARNINGS"] = "default"
    return subprocess.run([sys.executable, "-m", "cxstats", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def sheet_rows(path: Path, name: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def test_sem_from_a_model_file_prints_summary_and_writes_workbook(tmp_path):
    (tmp_path / "ecsi.lav").write_text(ECSI, encoding="utf-8")
    done = run("sem", "ecsi.lav", "ecsi_mobile", "--out", "results.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("- The model fits the data well (CFI 0.974")
    assert "largest total effect on Customer loyalty" in out and "**" not in out
    assert "RMSEA (approximation error) 0.053 [0.022, 0.080]" in out
    assert "Customer satisfaction → Customer loyalty" in out and "CUSA1" not in out  # labels, not codes
    assert "lhs" not in out and "p_value" not in out
    assert f"Wrote {Path('results.xlsx')}" in out
    book = openpyxl.load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames == ["Contents", "Parameters", "Fit measures", "R²", "Effects", "Latent correlations",
                               "Modification indices"]
    parameters = sheet_rows(tmp_path / "results.xlsx", "Parameters")
    assert parameters[0][:3] == ("Kind", "Parameter", "Estimate")
    assert ("Effect", "Customer satisfaction → Customer loyalty") in [row[:2] for row in parameters]
    contents = [row[0] for row in sheet_rows(tmp_path / "results.xlsx", "Contents") if row[0]]
    assert any("largest total effect on Customer loyalty" in line for line in contents)


def test_multigroup_mlr_fiml_sem_with_inline_model_and_csv_tables(tmp_path):
    model = "CUSL =~ cusl_1 + cusl_2 + cusl_3\nCOMP =~ comp_1 + comp_2 + comp_3\nCUSL ~ COMP"
    done = run("sem", model, "corporate_reputation", "--group", "servicetype", "--estimator", "MLR",
               "--missing", "fiml", "--out", "tables/sem.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Competence has the largest total effect on Customer loyalty" in done.stdout
    header, first = done.stdout.splitlines()[done.stdout.splitlines().index("Parameters") + 1:][:2]
    assert "Group" in header and first.split()[:2] == ["Contract", "plan"]  # the codebook's value label of 2
    assert "344 respondents: Contract plan 219, Prepaid plan 125" in done.stdout
    assert "In the group servicetype = Contract plan:" in done.stdout
    table = pd.read_csv(tmp_path / "tables" / "sem.csv")  # the tidy table at full precision
    assert {"lhs", "op", "rhs", "group", "estimate", "p_value"} <= set(table.columns)
    assert set(table["group"].dropna()) == {1, 2}
    fit = pd.read_csv(tmp_path / "tables" / "sem_fit_measures.csv")
    assert {"cfi.robust", "chisq.scaled"} <= set(fit["lavaan_name"])
    assert (tmp_path / "tables" / "sem_r2.csv").exists()
    assert not (tmp_path / "tables" / "sem_modification_indices.csv").exists()  # score tests need complete data


def test_invariance_reliability_nps_and_drivers(tmp_path):
    done = run("invariance", CORP, "corporate_reputation", "--group", "servicetype", "--out", "inv.xlsx",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Groups compared (servicetype)" in done.stdout and "Metric — equal loadings" in done.stdout
    ladder = done.stdout.split("Invariance ladder\n")[1].splitlines()
    assert ladder[0].split()[:3] == ["Level", "χ²", "df"] and ladder[2].split()[0] == "metric"
    assert [row[0] for row in sheet_rows(tmp_path / "inv.xlsx", "Invariance")[1:]] == [
        "configural", "metric", "scalar", "strict"]
    loyalty = "QUAL =~ " + " + ".join(f"qual_{k}" for k in range(1, 9)) + "\nCUSL =~ cusl_1 + cusl_2 + cusl_3"
    done = run("invariance", loyalty, "corporate_reputation", "--group", "servicetype", "--ordered", "all", "--search",
               "rules", cwd=tmp_path)  # the χ² test rejects equal answer levels, the fit-change rules do not
    assert done.returncode == 0, done.stderr
    assert "worked only where the fit-change rules rejected a level" in done.stdout and "(partial)" not in done.stdout

    for name in ("ecsi_mobile.csv", "ecsi_mobile.codebook.yaml"):  # a survey file with its codebook beside it
        shutil.copy(data_dir() / name, tmp_path / name)
    done = run("reliability", "ecsi_mobile.csv", "--out", "rel.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("- Caution: Construct 'CUSL', one-factor model: Negative variance estimate(s) "
                                  "for CUSL3")  # the Heywood case behind CUSL's ω is shown first
    assert "warning: HeywoodWarning: Construct 'CUSL', one-factor model:" in done.stderr
    assert "\n- Customer expectations: Cronbach's α 0.43 [0.30, 0.54]" in done.stdout
    assert "- Customer loyalty: Cronbach's α 0.44" in done.stdout and "do not agree well enough" in done.stdout
    assert "Perceived quality" in done.stdout and "PERQ" not in done.stdout
    assert [row[0] for row in sheet_rows(tmp_path / "rel.xlsx", "Reliability")[1:3]] == [
        "Customer expectations", "Customer satisfaction"]

    answers = cxstats.load_dataset("customersat").data.assign(region=lambda d: (d.index % 2).map({0: "North",
                                                                                                   1: "South"}))
    answers.to_csv(tmp_path / "answers.csv", index=False)  # no codebook: read as a plain table
    done = run("nps", "answers.csv", "q1", "--group", "region", "--out", "nps.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = cxstats.nps(answers, "q1", group="region").table
    assert "North" in done.stdout and "South" in done.stdout
    assert cxstats.formatting.number(expected["nps"].iloc[0], 1) in done.stdout
    rows = sheet_rows(tmp_path / "nps.xlsx", "NPS")
    assert rows[0][:2] == ("Group", "n") and [row[0] for row in rows[1:]] == list(expected["group"])

    done = run("drivers", "customersat", "--outcome", "q1", "--drivers", "q2,q5,q9", "--bootstrap", "20",
               "--seed", "1", "--out", "drivers.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "explain 56% of the differences in Overall satisfaction" in done.stdout
    assert done.stdout.count("R² = 0.56") == 1
    assert "Drivers of Overall satisfaction" in done.stdout and "Competitive prices" in done.stdout
    book = openpyxl.load_workbook(tmp_path / "drivers.xlsx")
    assert book.sheetnames == ["Contents", "Relative importance Importance", "Relative importance Differences",
                               "Driver regression"]


def test_ordered_items_in_sem_invariance_and_reliability(tmp_path):
    """--ordered (a list, or all) and --parameterization reach sem.fit and sem.invariance, and
    reliability --ordinal adds ordinal alpha and categorical omega: the printed numbers are those
    of the library calls."""
    quality = "QUAL =~ qual_1 + qual_2 + qual_3 + qual_4"
    done = run("sem", quality, "corporate_reputation", "--ordered", "qual_1,qual_2,qual_3,qual_4",
               "--parameterization", "theta", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    survey = cxstats.load_dataset("corporate_reputation")
    expected = cxstats.sem.fit(quality, survey, ordered=["qual_1", "qual_2", "qual_3", "qual_4"],
                               parameterization="theta")
    assert expected.parameterization == "theta" and expected.estimator == "WLSMV"
    rows = [line.split() for line in done.stdout.splitlines()]
    threshold = expected.table.query("op == '|' and lhs == 'qual_2' and rhs == 't3'")["estimate"].iloc[0]
    assert ["Threshold", "Innovator", "t3", cxstats.formatting.number(threshold, 3)] in [r[:4] for r in rows]
    assert f"CFI (comparative fit) {cxstats.formatting.number(expected.headline_fit['cfi'], 3)}" in " ".join(
        done.stdout.split())

    binary = pd.read_csv(Path(__file__).parent / "reference" / "data" / "hs_binary_groups.csv")
    binary.to_csv(tmp_path / "binary.csv", index=False)
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    done = run("invariance", model, "binary.csv", "--group", "school", "--ordered", "all", "--out", "inv.csv",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "- Thresholds — equal thresholds (the answer categories are used alike): not testable" in done.stdout
    ladder = done.stdout.split("Invariance ladder\n")[1].splitlines()
    assert ladder[0].rstrip().endswith("Holds Tested against")
    assert ladder[2].split()[0] == "thresholds" and "not testable" in ladder[2]
    assert ladder[2].split()[-1] == "configural"
    assert ladder[4].split()[0] == "scalar" and ladder[4].split()[-1] == "thresholds"
    written = pd.read_csv(tmp_path / "inv.csv")
    assert list(written["lrt"].fillna("")) == ["", "equivalent", "holds", "rejected"]  # the tidy table
    assert list(written["compared_with"].fillna("")) == ["", "configural", "thresholds", "thresholds"]

    done = run("reliability", "corporate_reputation", "--constructs", "CUSL", "--ordinal", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = cxstats.reliability(survey, constructs=["CUSL"], ordinal=True).table
    header, row = done.stdout.split("Reliability\n")[1].splitlines()[:2]
    assert "Ordinal α" in header and "Categorical ω" in header
    assert cxstats.formatting.number(table["alpha_ordinal"].iloc[0], 2) in row.split()


def test_bad_input_is_one_line_with_exit_status_2(tmp_path):
    done = run("sem", "CUSA =~ CUSA1 + CUSA2 + CUSA3", "ecsi_mobile", "--group", "country", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "cxstats sem: error: --group: column 'country' not in DATA. Choose from: CUEX1, CUEX2, CUEX3, CUSA1, "
        "CUSA2, CUSA3, CUSCO, CUSL1, CUSL2, CUSL3, IMAG1, IMAG2, IMAG3, IMAG4, IMAG5, PERQ1, PERQ2, PERQ3, PERQ4, "
        "PERQ5, PERQ6, PERQ7, PERV1, PERV2."]
    assert "Traceback" not in done.stderr
    wide = pd.DataFrame({f"c{k}": [1, 2, 3, 4] for k in range(1, 36)})  # more columns than the message lists
    wide.to_csv(tmp_path / "wide.csv", index=False)
    done = run("sem", "F =~ c1 + c2 + c3", "wide.csv", "--group", "country", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("Choose from: " + ", ".join(f"c{k}" for k in range(1, 31)) + " and 5 more.")


def test_help_and_render_subcommand(tmp_path):
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("sem", "invariance", "reliability", "nps", "drivers", "render"):
        assert command in done.stdout
    done = run("render", "--help", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("usage: cxstats render")


@pytest.mark.parametrize("command", ["sem", "invariance", "reliability", "nps", "drivers"])
def test_each_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: cxstats {command}") and "--out FILE" in out
    assert f"examples:\n  cxstats {command} " in out


@pytest.mark.parametrize("argv", [["render", "notebooks", "-o", "reports"], ["notebooks", "-o", "reports"]])
def test_render_keeps_its_command_line(argv, tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-a.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(render_cli, "render_suite", lambda notebooks, output, **kw: calls.append((notebooks, output,
                                                                                                   kw)) or [])
    assert cli.main(argv) == 0
    assert calls == [([Path("notebooks/01-a.ipynb")], "reports",
                      {"formats": ["html", "pdf"], "execute": True, "strict": False})]


def test_the_survey_from_read_survey_is_analysed_whole(tmp_path, monkeypatch, capsys):
    """The analyses get the Survey read_survey returns (data and codebook), not its parts."""
    dataset = cxstats.load_dataset("ecsi_mobile")
    assert isinstance(dataset, cxstats.Survey)
    (tmp_path / "survey.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "survey.codebook.yaml").write_text("", encoding="utf-8")
    monkeypatch.setattr(cxstats.data, "read_survey", lambda path, codebook=None: dataset)
    assert cli.main(["reliability", str(tmp_path / "survey.csv"), "--constructs", "CUSA,CUSL"]) == 0
    out = capsys.readouterr().out
    assert "Customer satisfaction: Cronbach's α 0.77" in out and "Image" not in out


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_survey_files_with_a_codebook_elsewhere(suffix, tmp_path, monkeypatch, capsys):
    dataset = cxstats.load_dataset("ecsi_mobile", reverse_code=False)
    (tmp_path / "books").mkdir()
    shutil.copy(data_dir() / "ecsi_mobile.codebook.yaml", tmp_path / "books" / "ecsi.yaml")
    path = tmp_path / f"wave{suffix}"
    dataset.data.to_parquet(path) if suffix == ".parquet" else dataset.data.to_excel(path, index=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["reliability", path.name, "--codebook", "books/ecsi.yaml", "--out", "alpha.csv"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert ("warning: HeywoodWarning: Construct 'CUSL', one-factor model: Negative variance estimate(s) for CUSL3"
            in captured.err)  # shown, one line
    assert "Customer satisfaction: Cronbach's α 0.77 [0.72, 0.82]" in out and "Wrote alpha.csv, alpha_items.csv" in out
    written = pd.read_csv(tmp_path / "alpha.csv")
    with pytest.warns(cxstats.CxStatsWarning, match="CUSL3"):
        expected = cxstats.reliability(cxstats.load_dataset("ecsi_mobile").data, dataset.codebook).table
    assert list(written["construct"]) == list(expected["construct"])
    assert written["alpha"].to_numpy() == pytest.approx(expected["alpha"].to_numpy(), rel=1e-12)


@pytest.mark.parametrize(("argv", "message"), [
    (["sem", "model.lav", "ecsi_mobile"], "cxstats sem: error: MODEL: file 'model.lav' not found. Give a file with "
     "the model in lavaan syntax, or the model itself in quotes ('SAT =~ q1 + q2 + q3')."),
    (["sem", "CUSA", "ecsi_mobile"], "cxstats sem: error: MODEL: 'CUSA' is neither a file nor lavaan syntax. Give a "
     "file with the model, or the model itself in quotes ('SAT =~ q1 + q2 + q3')."),
    (["sem", "CUSA =~ =~ CUSA1", "ecsi_mobile"], "cxstats sem: error: MODEL: Line 1, position 9: "),
    (["sem", "CUSA =~ CUSA1", "wave3.sav"], "cxstats sem: error: DATA: 'wave3.sav' is neither a file nor a bundled "
     "data set. Give the path of a CSV, Excel, SPSS or Parquet file, or one of cdnow_transactions, "
     "corporate_reputation, customersat, ecsi_mobile."),
    (["sem", "CUSA =~ CUSA1", "."], "cxstats sem: error: DATA: '.' is a folder. Give the path of a CSV, Excel, "
     "SPSS or Parquet file."),
    (["sem", "CUSA =~ CUSA1", "ecsi_mobile", "--estimator", "WLS"], "cxstats sem: error: Argument --estimator: "
     "invalid choice: 'WLS' (choose from 'ML', 'MLR', 'WLSMV', 'ULSMV', 'DWLS'). Run 'cxstats sem --help' for the "
     "usage."),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--estimator", "WLSMV"], "cxstats sem: error: --estimator: "
     "WLSMV is for ordered items. Name them with --ordered ITEMS (or --ordered all), or use ML or MLR."),
    (["invariance", "CUSA =~ CUSA1 + CUSA2", "corporate_reputation", "--group", "servicetype", "--ordered", "all",
      "--estimator", "MLR"], "cxstats invariance: error: --estimator: MLR treats the items as numbers, but "
     "--ordered declares them ordered categories. Use WLSMV (the default with --ordered), ULSMV or DWLS, or drop "
     "--ordered."),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--parameterization", "theta"], "cxstats sem: error: "
     "--parameterization: theta applies to ordered items only. Name them with --ordered ITEMS (or --ordered all), "
     "or drop --parameterization."),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--ordered", "all", "--parameterization", "gamma"],
     "cxstats sem: error: Argument --parameterization: invalid choice: 'gamma' (choose from 'delta', 'theta')."),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--ordered", "CUSA1,CUSA9"], "cxstats sem: error: --ordered: "
     "column 'CUSA9' not in DATA. Choose from: CUEX1"),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--ordered", "CUSA1,CUSA3"], "cxstats sem: error: --ordered: "
     "'CUSA3' is not in MODEL. Name items of the model (CUSA1, CUSA2), or give 'all'."),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--ordered", ","], "cxstats sem: error: --ordered: give one or "
     "more comma-separated column names (e.g. --ordered q2,q3)."),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--ordered", "all", "--missing", "fiml"], "cxstats sem: error: "
     "--missing: fiml is not available with --ordered. Use listwise or pairwise (each correlation from the rows "
     "that answer both items)."),
    (["sem", "CUSA =~ CUSA1 + CUSA2", "ecsi_mobile", "--missing", "pairwise"], "cxstats sem: error: --missing: "
     "pairwise is available with --ordered only. Use listwise or fiml, or name the ordered items with --ordered "
     "ITEMS."),
    (["sem", "CUSA =~ CUSA1 + CUSA2 + XX", "ecsi_mobile"], "cxstats sem: error: The model uses 'XX', which is "
     "neither a latent variable"),
    (["sem", "CUSA =~ CUSA1", "ecsi_mobile", "--codebook", "nope.yaml"], "cxstats sem: error: --codebook: file "
     "'nope.yaml' not found. Give the path of the codebook YAML of DATA."),
    (["invariance", "CUSA =~ CUSA1 + CUSA2", "corporate_reputation", "--group", "servicetype", "--search", "loose"],
     "cxstats invariance: error: Argument --search: invalid choice: 'loose' (choose from 'test', 'rules', 'none')."),
    (["invariance", "CUSA =~ CUSA1", "ecsi_mobile"], "cxstats invariance: error: The following arguments are "
     "required: --group. Run 'cxstats invariance --help' for the usage."),
    (["reliability", "answers.csv"], "cxstats reliability: error: DATA: 'answers.csv' has no codebook, which says "
     "which questions measure which concept. Put 'answers.codebook.yaml' beside it or pass --codebook FILE.yaml "
     "(format: data/README.md)."),
    (["reliability", "ecsi_mobile", "--constructs", "CUSA,SAT"], "cxstats reliability: error: --constructs: 'SAT' "
     "not in the codebook. Choose from: "),
    (["reliability", "ecsi_mobile", "--constructs", ","], "cxstats reliability: error: --constructs: give one or "
     "more comma-separated column names (e.g. --constructs q2,q3)."),
    (["nps", "customersat", "q99"], "cxstats nps: error: COLUMN: column 'q99' not in DATA. Choose from: "
     "respondent, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10."),
    (["nps", "customersat", "q1", "--out", "nps.txt"], "cxstats nps: error: --out: 'nps.txt' is neither .xlsx nor "
     ".csv. Give a file name ending in .xlsx (a formatted workbook) or .csv."),
    (["nps", "customersat", "q1", "--min-base", "0"], "cxstats nps: error: --min-base: 0 is not a base size. Give a "
     "whole number of 1 or more (default 30)."),
    (["drivers", "customersat", "--outcome", "q1"], "cxstats drivers: error: The following arguments are "
     "required: --drivers. Run 'cxstats drivers --help' for the usage."),
    (["drivers", "customersat", "--outcome", "sat", "--drivers", "q2"], "cxstats drivers: error: --outcome: column "
     "'sat' not in DATA."),
    (["drivers", "customersat", "--outcome", "q1", "--drivers", "q2,qq,q3x"], "cxstats drivers: error: --drivers: "
     "columns 'qq', 'q3x' not in DATA."),
    (["drivers", "customersat", "--outcome", "q1", "--drivers", "q2", "--bootstrap", "-5"], "cxstats drivers: "
     "error: --bootstrap: -5 draws is not possible. Give 0 (no intervals) or a number of draws such as 1000."),
    ([], "cxstats: error: Choose a command: sem, invariance, reliability, nps, drivers, render. Run 'cxstats "
     "--help' for what each does."),
    (["fit"], "cxstats: error: Argument COMMAND: invalid choice: 'fit' (choose from 'sem', 'invariance', "
     "'reliability', 'nps', 'drivers', 'render'). Run 'cxstats --help' for the usage."),
])
def test_error_messages(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"q1": [1, 2]}).to_csv(tmp_path / "answers.csv", index=False)
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message) and lines[0].endswith(".")
    assert captured.out == ""
