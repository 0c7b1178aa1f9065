"""Spec workbook reading and row validation: the fast paths give what openpyxl and a full
cerberus validation of every row give."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cerberus
import openpyxl
import pytest

from support import write_workbook
from specs.loader import STUDIES_FOLDER
from specs.schemas import SHEETS
from specs.workbook import RowValidator, _clean, read_sheets, validate_rows


def _cerberus_errors(schema: dict, record: dict) -> dict:
    """Reference: one full cerberus validation of the row, normalisation included."""
    validator = cerberus.Validator(schema)
    validator.validate(record)
    return validator.errors


BAD_VARIABLES = [
    {},  # every required column missing
    {"Order": 0, "Dataset": "dm", "Variable": "TOOLONGNAME", "Label": "x" * 41, "Data Type": "number", "Core": "Must"},
    {"Order": "1", "Dataset": 5, "Variable": "", "Label": None, "Data Type": "text", "Core": "Req"},
    {"Order": 1.5, "Dataset": "DM", "Variable": "AGE", "Label": "Age", "Data Type": "integer", "Core": "Exp",
     "Length": 201, "Significant Digits": -1, "Mandatory": "Maybe", "Codelist": "1BAD", "Origin": "Guessed",
     "Source": "Oracle", "Method": "bad id", "Comment": "*"},
    {"Order": 2, "Dataset": "DM", "Variable": "SEX", "Label": "Sex", "Data Type": "text", "Core": "Req",
     "Length": 0, "Unknown": "column", "Format": dt.datetime(2024, 1, 2)},
    {"Order": True, "Dataset": "DM" * 5, "Variable": "A-B", "Label": "ok", "Data Type": "text", "Core": "Perm"},
]


@pytest.mark.parametrize("record", BAD_VARIABLES)
def test_row_validator_gives_cerberus_errors_for_bad_rows(record):
    assert RowValidator(SHEETS["Variables"]).errors(record) == _cerberus_errors(SHEETS["Variables"], record)


def test_row_validator_reuses_cells_and_stays_exact_across_rows():
    validator = RowValidator(SHEETS["Codelists"])
    rows = [
        {"ID": "NY", "Name": "No Yes", "Data Type": "text", "Terminology": "CDISC CT", "Term": "Y"},
        {"ID": "NY", "Name": "No Yes", "Data Type": "txt", "Terminology": "CDISC", "NCI Codelist Code": "X1"},
        {"ID": "NY", "Name": "No Yes", "Data Type": "text", "Terminology": "CDISC CT", "Order": 0},
        {"ID": "NY", "Name": "No Yes", "Data Type": "txt", "Terminology": "CDISC CT", "Order": 1},
    ]
    for record in rows * 2:
        assert validator.errors(record) == _cerberus_errors(SHEETS["Codelists"], record)


def test_validate_rows_names_sheet_row_column_and_value():
    sheets = {"Variables": [(5, BAD_VARIABLES[3])], "Datasets": [(2, {"Dataset": "DM"})]}
    problems = [str(p) for p in validate_rows("spec.xlsx", sheets)]
    assert "spec.xlsx [Variables] row 5 column Length: max value is 200 (value 201)" in problems
    assert "spec.xlsx [Variables] row 5 column Order: must be of integer type (value 1.5)" in problems
    assert "spec.xlsx [Datasets] row 2 column Label: required field (value None)" in problems
    columns = [(p.row, p.column) for p in validate_rows("spec.xlsx", sheets) if p.sheet == "Variables"]
    assert columns == sorted(columns)


def _openpyxl_sheets(path: Path) -> dict[str, list]:
    """Reference reader: openpyxl (read-only, cached values), rows keyed by known headers."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = {}
    for name in SHEETS:
        if name not in book.sheetnames:
            sheets[name] = []
            continue
        rows = book[name].iter_rows(values_only=True)
        header = [_clean(h) for h in next(rows, ())]
        records = []
        for number, values in enumerate(rows, start=2):
            record = {h: _clean(v) for h, v in zip(header, values) if h in SHEETS[name]}
            if any(v is not None for v in record.values()):
                records.append((number, {k: v for k, v in record.items() if v is not None}))
        sheets[name] = records
    book.close()
    return sheets


@pytest.mark.parametrize("workbook", ["sdtm_spec.xlsx", "adam_spec.xlsx"])
def test_read_sheets_reads_the_embedded_workbooks_as_openpyxl_does(workbook):
    path = STUDIES_FOLDER / "alter_e003" / workbook
    sheets, problems = read_sheets(path)
    assert problems == []
    assert sheets == _openpyxl_sheets(path)


def test_read_sheets_reads_numbers_dates_blanks_and_row_numbers_as_openpyxl_does(tmp_path, spec_sheets):
    spec_sheets["Variables"][0]["Length"] = 8.0
    spec_sheets["Variables"][1]["Format"] = dt.datetime(2024, 3, 1)
    spec_sheets["Variables"][2]["Pages"] = "  "
    spec_sheets["Variables"].insert(3, {})  # a blank row keeps Excel's numbering of the next ones
    path = write_workbook(tmp_path / "spec.xlsx", spec_sheets)
    sheets, _ = read_sheets(path)
    assert sheets == _openpyxl_sheets(path)
    assert sheets["Variables"][3][0] == 6


def test_read_sheets_reports_a_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "spec.xlsx"
    path.write_text("not a workbook")
    sheets, problems = read_sheets(path)
    assert sheets == {}
    assert problems[0].message.startswith("cannot open workbook:")
