"""Excel export: every table of a result on its own formatted sheet, and a Contents sheet."""

from __future__ import annotations

import dataclasses
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

openpyxl = pytest.importorskip("openpyxl")

import cxstats  # noqa: E402
import cxstats.pls as pls  # noqa: E402
import cxstats.sem as sem  # noqa: E402
from cxstats._export import NUMBER_FORMATS, readable  # noqa: E402
from cxstats._results import Exportable  # noqa: E402

ECSI = """
IMAG =~ IMAG1 + IMAG2 + IMAG3
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
CUSA ~ IMAG
CUSL ~ CUSA + IMAG
"""


@pytest.fixture(scope="module")
def mobi():
    return cxstats.load_dataset("ecsi_mobile")


@pytest.fixture(scope="module")
def sem_fit(mobi):
    return sem.fit(ECSI, mobi.data)


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _column(sheet, header: str) -> list:
    rows = _rows(sheet)
    j = rows[0].index(header)
    return [row[j] for row in rows[1:]]


def test_every_result_class_exports():
    classes = [getattr(cxstats, n) for n in cxstats.__all__ if n.endswith("Result")]
    classes += [cxstats.PurchaseSummary, sem.GroupComparison, sem.SEMResult, sem.InvarianceResult, pls.PLSResult,
                pls.PLSAssessment, pls.PLSIndexResult,
                pls.PLSMultigroupResult, pls.MICOMResult, pls.PLSPredictResult, cxstats.CLVSummary,
                cxstats.CalibrationHoldout, cxstats.HoldoutValidation, sem.ExplainedShares, sem.IndirectEffects,
                sem.CrossLaggedEffects]
    missing = [c.__name__ for c in classes if not issubclass(c, Exportable)]
    assert not missing
    for cls in classes:  # each declared table is an attribute of the result
        fields = {f.name for f in cls.__dataclass_fields__.values()} | set(dir(cls))
        assert set(cls._TABLES) <= fields, cls.__name__


def test_sem_workbook_has_every_table_with_labels_and_formats(tmp_path, sem_fit, mobi):
    path = sem_fit.to_excel(tmp_path / "sem.xlsx", labels=mobi.codebook)
    book = openpyxl.load_workbook(path)
    tables = sem_fit._tables()
    assert book.sheetnames == ["Contents", *tables]
    assert list(tables) == ["Parameters", "Fit measures", "R²", "Effects", "Latent correlations",
                            "Modification indices"]
    for title, table in tables.items():
        sheet = book[title]
        assert sheet.max_row == len(table.frame) + 1, title  # header + one row per table row
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    parameters = book["Parameters"]
    header = _rows(parameters)[0]
    assert header[:2] == ("Kind", "Parameter")
    assert {"Estimate", "SE", "p", "95% CI: lower", "Standardized"} <= set(header)
    assert not {"lhs", "op", "rhs"} & set(header)
    assert "Image → Trustworthy" in _column(parameters, "Parameter")  # codebook labels, not IMAG1
    assert "Customer satisfaction → Customer loyalty" in _column(parameters, "Parameter")
    np.testing.assert_allclose(_column(parameters, "Estimate"), sem_fit.table["estimate"], rtol=1e-12)
    # fixed parameters (the marker loadings) have no SE
    assert _column(parameters, "SE")[0] is None and _column(parameters, "Estimate")[0] == 1
    j = header.index("p") + 1
    assert parameters.cell(3, j).number_format == NUMBER_FORMATS["p"]
    assert parameters.cell(3, header.index("Estimate") + 1).number_format == "0.000"
    fit = book["Fit measures"]
    assert "χ² (model test)" in _column(fit, "Measure") and "cfi" in _column(fit, "lavaan name")
    formats = {row[1].value: row[2].number_format for row in fit.iter_rows(min_row=2)}
    assert formats["df"] == formats["npar"] == formats["baseline.df"] == "#,##0"
    assert formats["pvalue"] == formats["rmsea.pvalue"] == NUMBER_FORMATS["p"] and formats["cfi"] == "0.000"
    modindices = _rows(book["Modification indices"])[0]
    assert "Modification index" in modindices
    assert "Customer satisfaction" in _column(book["R²"], "Variable")


def test_contents_sheet_gives_summary_and_links(tmp_path, sem_fit, mobi):
    book = openpyxl.load_workbook(sem_fit.to_excel(tmp_path / "sem.xlsx", labels=mobi.codebook))
    contents = book["Contents"]
    text = [row[0] for row in _rows(contents) if row[0]]
    assert text[0] == "cxstats results"
    assert any(line.startswith("The model fits the data") and "CFI" in line for line in text)
    assert any("largest total effect on Customer loyalty" in line for line in text)
    assert not any("**" in line for line in text)
    listed = {row[0]: row[2] for row in _rows(contents) if row[0] in sem_fit._tables()}
    assert set(listed) == set(sem_fit._tables())
    assert listed["Parameters"] == sem_fit._tables()["Parameters"].description
    link = next(row[0] for row in contents.iter_rows() if row[0].value == "Fit measures")
    assert link.hyperlink.location == "'Fit measures'!A1" or link.hyperlink.target == "#'Fit measures'!A1"


def test_export_several_results_into_one_workbook(tmp_path, sem_fit, mobi):
    customersat = cxstats.load_dataset("customersat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CUSL3's Heywood case in the one-factor model for omega
        rel = cxstats.reliability(mobi.data, mobi.codebook)
    rel = dataclasses.replace(rel, problems=("ReverseCodingWarning: Item CUEX3 correlates negatively.",))
    score = cxstats.nps(customersat.data, "q1")
    path = cxstats.export({"ECSI model": sem_fit, "Scales": rel, "Recommendation": score}, tmp_path / "all.xlsx",
                          labels=mobi.codebook)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Contents", "ECSI model Parameters", "ECSI model Fit measures"]
    assert {"Scales Reliability", "Scales Items", "Recommendation"} <= set(book.sheetnames)
    assert all(len(name) <= 31 for name in book.sheetnames)
    reliability = book["Scales Reliability"]
    assert _column(reliability, "Concept")[:2] == ["Customer expectations", "Customer satisfaction"]
    header = _rows(reliability)[0]
    assert "Cronbach's α" in header and "Cronbach's α: 95% CI lower" in header
    assert reliability.cell(2, header.index("n") + 1).number_format == "#,##0"
    nps_sheet = book["Recommendation"]
    header = _rows(nps_sheet)[0]
    assert header[:5] == ("Group", "n", "Promoters", "Passives", "Detractors")
    assert nps_sheet.cell(2, 3).number_format == NUMBER_FORMATS["points"]  # 0-100 shares shown with %
    assert nps_sheet.cell(2, header.index("NPS") + 1).number_format == "0.0"
    assert _column(nps_sheet, "Suppressed (base too small)") == ["no"]
    np.testing.assert_allclose(_column(nps_sheet, "NPS"), score.table["nps"])
    contents = [row[0] for row in _rows(book["Contents"]) if row[0]]
    assert {"ECSI model", "Scales", "Recommendation"} <= set(contents)
    assert "Caution: ReverseCodingWarning: Item CUEX3 correlates negatively." in contents  # problems shown
    assert any("NPS" in line and "1,811" in line for line in contents)  # the NPS plain summary


def test_export_list_names_results_by_kind(tmp_path, mobi):
    data = mobi.data
    first = cxstats.driver_regression(data, "CUSA1", ["PERQ1", "PERV1"])
    second = cxstats.driver_regression(data, "CUSL1", ["PERQ1", "PERV1"])
    importance = cxstats.relative_importance(data, "CUSA1", ["PERQ1", "PERV1", "IMAG1"])
    book = openpyxl.load_workbook(cxstats.export([first, second, importance], tmp_path / "d.xlsx"))
    assert book.sheetnames == ["Contents", "Driver regression", "Driver regression 2",
                               "Relative importance"]
    sheet = book["Relative importance"]
    header = _rows(sheet)[0]
    assert "Share" in header and sheet.cell(2, header.index("Share") + 1).number_format == NUMBER_FORMATS["points"]
    assert "PERQ1" in _column(sheet, "Driver")  # no labels given: codes stay
    contents = [row[0] for row in _rows(book["Contents"]) if row[0]]
    assert any(line.startswith("PERQ1: one point more goes with") and "standardized β +0.56" in line for line in contents)
    weak = cxstats.driver_regression(data, "CUSA1", ["PERQ1", "CUEX3", "CUSCO"])
    text = cxstats._export.plain_text(weak, mobi.codebook)
    assert "- No clear association, once the other drivers are held equal: " in text and "Expected reliability" in text


def test_pls_and_invariance_results_export(tmp_path, mobi):
    corp = cxstats.load_dataset("corporate_reputation")
    res = pls.fit(ECSI, mobi.data)
    book = openpyxl.load_workbook(res.to_excel(tmp_path / "pls.xlsx", labels=mobi.codebook))
    assert book.sheetnames == ["Contents", "Estimates", "R²", "f²", "Effects"]
    assert "Customer satisfaction → Customer loyalty" in _column(book["Estimates"], "Parameter")
    model = "QUAL =~ qual_1 + qual_2 + qual_3\nPERF =~ perf_1 + perf_2 + perf_3"
    ladder = sem.invariance(model, corp.data, group="servicetype", levels=("configural", "metric"), partial=False)
    book = openpyxl.load_workbook(ladder.to_excel(tmp_path / "inv.xlsx", labels=corp.codebook))
    assert book.sheetnames == ["Contents", "Invariance", "Parameters by level"]
    assert _column(book["Invariance"], "Level") == ["configural", "metric"]
    assert set(_column(book["Parameters by level"], "Level")) == {"configural", "metric"}
    assert any("Groups compared" in (row[0] or "") for row in _rows(book["Contents"]))


def test_readable_table_labels_index_booleans_and_intervals():
    frame = pd.DataFrame({"share": [40.0, 60.0], "share_ci_low": [30.0, 50.0], "share_ci_high": [50.0, 70.0],
                          "ok": [True, False], "p_value": [0.0001, 0.2]}, index=pd.Index(["A1", "B1"]))
    shown, kinds = readable(cxstats._results.Table(frame, "x", {"share": "points"}), {"A1": "Price"})
    assert list(shown.columns) == ["", "Share", "Share: 95% CI lower", "Share: 95% CI upper", "Ok", "p"]
    assert kinds == ["text", "points", "points", "points", "text", "p"]
    assert list(shown.iloc[:, 0]) == ["Price", "B1"] and list(shown["Ok"]) == ["yes", "no"]


def test_export_errors(tmp_path, sem_fit):
    with pytest.raises(ValueError, match=r"^Cannot export to 'out.csv': .*path ending in .xlsx\.$"):
        sem_fit.to_excel(tmp_path / "out.csv")
    with pytest.raises(ValueError, match=r"^export\(\) got no results; .*\.$"):
        cxstats.export({}, tmp_path / "out.xlsx")
    with pytest.raises(TypeError, match=r"^export\(\): 'table' is a DataFrame, not a cxstats result; .*\.$"):
        cxstats.export({"table": sem_fit.table}, tmp_path / "out.xlsx")


def test_to_excel_is_documented():
    assert "Contents" in inspect.getdoc(Exportable.to_excel)
    assert "Examples" in inspect.getdoc(cxstats.export)


def test_every_kind_of_result_in_one_workbook(tmp_path, mobi):
    """Each table of each result on its sheet: all rows, headers in words, no raw True/False/NaN
    cells, dates as dates, and a Contents entry for each result."""
    customersat, corp = cxstats.load_dataset("customersat"), cxstats.load_dataset("corporate_reputation")
    purchases = cxstats.load_dataset("cdnow_transactions").data
    panel = cxstats.simulate_cx_panel(150, seed=7)
    data = panel.data.assign(**{n: panel.data[[f"{n}{k}" for k in (1, 2, 3)]].mean(axis=1)
                                for n in ("SAT", "EMO", "REL")})
    corp_model = "QUAL =~ qual_1 + qual_2 + qual_3\nPERF =~ perf_1 + perf_2 + perf_3\nPERF ~ QUAL"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path_model = pls.fit(ECSI, mobi.data)
        scalar = sem.fit("QUAL =~ qual_1 + qual_2 + qual_3", corp.data, group="servicetype",
                         group_equal=["loadings", "intercepts"])
        results = {
            "validity": cxstats.validity(mobi.data, {"CUSA": ["CUSA1", "CUSA2", "CUSA3"],
                                                     "IMAG": ["IMAG1", "IMAG2", "IMAG3"]}),
            "index": cxstats.satisfaction_index(mobi.data, ["CUSA1", "CUSA2", "CUSA3"], codebook=mobi.codebook),
            "ipma": cxstats.importance_performance(customersat.data, "q1", ["q2", "q3", "q4"], scale=(1, 10)),
            "asymmetry": cxstats.penalty_reward(customersat.data, "q1", ["q2", "q4", "q6"],
                                                codebook=customersat.codebook),
            "moderation": cxstats.moderation(data, "SAT", "REL", "EMO"),
            "retention": cxstats.kaplan_meier(data, "tenure_months", "churned", group="country", at=[12]),
            "cox": cxstats.cox_model(data, "tenure_months", "churned", ["EMO"]),
            "churn": cxstats.churn_model(data, "churned", ["EMO"]),
            "claim": cxstats.test_claim(data, "59% higher retention", group=data["EMO"] > data["EMO"].median(),
                                        event="churned", time="tenure_months"),
            "loyalty": cxstats.loyalty_index(data, satisfaction=["SAT1", "SAT2", "SAT3"], codebook=panel.codebook,
                                             churned="churned", recommend="REC", group="country"),
            "rfm": cxstats.rfm(purchases, duplicates="keep"),
            "purchases": cxstats.purchase_summary(purchases, duplicates="keep"),
            "periods": cxstats.period_rates(purchases, "customer_id", "date"),
            "pls": path_model,
            "pls assessment": path_model.assess(),
            "pls predict": pls.predict(path_model, seed=1, folds=5, repetitions=1),
            "pls index": pls.index_scores(path_model, codebook=mobi.codebook),
            "mga": pls.multigroup(corp_model, corp.data, group="servicetype", bootstrap=20, permutations=20, seed=1,
                                  progress=False),
            "micom": pls.micom(corp_model, corp.data, group="servicetype", permutations=20, seed=1, progress=False),
            "latent means": sem.latent_mean_differences(scalar),
        }
    book = openpyxl.load_workbook(cxstats.export(results, tmp_path / "all.xlsx"))
    contents = [row[0] for row in _rows(book["Contents"])]
    for name, result in results.items():
        assert name in contents
        tables = result._tables()
        assert tables, name
        for title, table in tables.items():
            sheet_name = name if len(tables) == 1 else f"{name} {title}"[:31]
            rows = _rows(book[sheet_name])
            assert len(rows) == len(table.frame) + 1, sheet_name
            assert not [h for h in rows[0] if h and ("_" in h or h != h.strip())], sheet_name
            cells = {v for row in rows[1:] for v in row if isinstance(v, str)}
            assert not cells & {"True", "False", "nan", "NaN", "None"}, sheet_name
    first = _rows(book["rfm Customers"])[1]
    assert first[1].year == 1997 and book["rfm Customers"].cell(2, 2).number_format == "yyyy-mm-dd"
    assert book["periods"].cell(2, 2).number_format == "#,##0"  # whole numbers as integers


@dataclasses.dataclass(frozen=True)
class _Counts(Exportable):
    table: pd.DataFrame
    by_day: pd.Series
    n: int


def test_a_result_without_declared_tables_exports_its_frames(tmp_path):
    counts = _Counts(pd.DataFrame({"item": ["CUSA1"], "n": [3]}), pd.Series([1.5, 2.5], name="mean"), 3)
    assert {t: table.description for t, table in counts._tables().items()} == {
        "Table": "The result's 'table' table.", "By day": "The result's 'by_day' table."}
    book = openpyxl.load_workbook(counts.to_excel(tmp_path / "counts.xlsx", labels={"CUSA1": "Overall"}))
    assert book.sheetnames == ["Contents", "Table", "By day"]
    assert _rows(book["Table"]) == [("Question", "n"), ("Overall", 3)]
    assert _rows(book["By day"])[0] == ("Mean",)


def test_measurement_model_summary_gives_the_fit(tmp_path, mobi):
    cfa = sem.fit("CUSA =~ CUSA1 + CUSA2 + CUSA3\nIMAG =~ IMAG1 + IMAG2 + IMAG3", mobi.data)
    text = cxstats._export.plain_text(cfa, mobi.codebook)
    fm = cfa.headline_fit
    assert text == (f"- Measurement model (no paths between concepts), 250 respondents: CFI "
                    f"{cxstats.formatting.number(fm['cfi'], 3)}, RMSEA {cxstats.formatting.number(fm['rmsea'], 3)}, "
                    f"SRMR {cxstats.formatting.number(fm['srmr'], 3)}.")
    book = openpyxl.load_workbook(cfa.to_excel(tmp_path / "cfa.xlsx"))
    assert "Effects" not in book.sheetnames and "Latent correlations" in book.sheetnames  # no structural part
