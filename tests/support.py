"""Shared test helpers: paths, and a small hand-made spec workbook to break in tests.

Imported by tests as ``from support import ...`` (``tests`` is on the pytest pythonpath); fixtures
using them live in conftest.py."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from specs.schemas import SHEETS

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _variable(order, name, label, data_type="text", core="Req", **extra):
    row = {"Order": order, "Dataset": "DM", "Variable": name, "Label": label, "Data Type": data_type, "Core": core}
    row["Mandatory"] = "Yes" if core == "Req" else "No"
    row.update(extra)
    return row


MINIMAL_SPEC = {
    "Study": [
        {"Attribute": "StudyName", "Value": "TEST-001"},
        {"Attribute": "StandardName", "Value": "SDTMIG"},
        {"Attribute": "StandardVersion", "Value": "3.4"},
    ],
    "Datasets": [
        {
            "Dataset": "DM", "Label": "Demographics", "Class": "SPECIAL PURPOSE",
            "Structure": "One record per subject", "Key Variables": "STUDYID, USUBJID", "Standard": "SDTMIG 3.4",
        }
    ],
    "Variables": [
        _variable(1, "STUDYID", "Study Identifier", Origin="Protocol"),
        _variable(2, "DOMAIN", "Domain Abbreviation", Length=2),
        _variable(3, "USUBJID", "Unique Subject Identifier", Method="MT.USUBJID"),
        _variable(4, "AGE", "Age", "integer", "Exp"),
        _variable(5, "SEX", "Sex", core="Req", Codelist="SEX"),
        _variable(6, "RACE", "Race", core="Exp", Codelist="RACE"),
        _variable(7, "BRTHDTC", "Date/Time of Birth", "datetime", "Perm"),
    ],
    "ValueLevel": [],
    "Codelists": [
        {"ID": "SEX", "Name": "Sex", "Data Type": "text", "Terminology": "Sponsor", "Extensible": "No", "Order": 1, "Term": "M", "Decoded Value": "Male"},
        {"ID": "SEX", "Name": "Sex", "Data Type": "text", "Terminology": "Sponsor", "Extensible": "No", "Order": 2, "Term": "F", "Decoded Value": "Female"},
        {"ID": "RACE", "Name": "Race", "Data Type": "text", "Terminology": "Sponsor", "Extensible": "Yes", "Order": 1, "Term": "ASIAN"},
    ],
    "Dictionaries": [],
    "Methods": [
        {"ID": "MT.USUBJID", "Name": "USUBJID", "Type": "Computation", "Description": "STUDYID-SITEID-SUBJID"},
    ],
    "Comments": [],
    "Documents": [],
}


def write_workbook(path: Path, sheets: dict[str, list[dict]]) -> Path:
    """Write a spec workbook with the README layout: header row = every known column."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        columns = list(SHEETS.get(name, {})) or sorted({k for r in rows for k in r})
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    book.save(path)
    return path
