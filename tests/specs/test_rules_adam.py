"""ADaM rules (specs/rules/adam_rules.py): each fires on one change to the conformant ADaM
datasets of ``rules_study`` and stays silent on a conformant near miss."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rules_study, the shared test study
from rules_study import both, drop, duplicate, findings_of, remove, sas, setv

CUTOFF = dt.date(2022, 12, 31)

FIRES = [
    ("ADAM0001", remove("ADSL"), ("ADSL", None, "DATASET")),
    ("ADAM0002", duplicate("ADSL", 0), ("ADSL", 2, "USUBJID")),
    ("ADAM0003", setv("ADLB", 1, "USUBJID", "S1-003"), ("ADLB", 1, "USUBJID")),
    ("ADAM0004", drop("ADTTE", "CNSR"), ("ADTTE", None, "VARIABLE")),
    ("ADAM0005", setv("ADSL", 0, "TRT01P", None), ("ADSL", 0, "TRT01P")),
    ("ADAM0006", setv("ADLB", 1, "PARAM", "ALT (U/L)"), ("ADLB", 0, "PARAMCD, PARAM")),
    ("ADAM0007", setv("ADLB", 1, "PARAMCD", "_ALT"), ("ADLB", 1, "PARAMCD")),
    ("ADAM0008", setv("ADSL", 1, "TRT01PN", 2.0), ("ADSL", 0, "TRT01P, TRT01PN")),
    ("ADAM0009", setv("ADTTE", 0, "CNSR", 0.5), ("ADTTE", 0, "CNSR")),
    ("ADAM0009", setv("ADTTE", 1, "CNSR", None), ("ADTTE", 1, "CNSR")),
    ("ADAM0010", setv("ADLB", 1, "ADT", sas("2023-01-01")), ("ADLB", 1, "ADT")),
    ("ADAM0011", both(setv("ADLB", 1, "AVAL", None), setv("ADLB", 1, "CHG", None), setv("ADLB", 1, "PCHG", None)),
     ("ADLB", 1, "USUBJID, PARAMCD, AVAL")),
    ("ADAM0012", setv("ADLB", 1, "ASEQ", 1.0), ("ADLB", 1, "USUBJID, ASEQ")),
    ("ADAM0013", setv("ADAE", 0, "ASTDT", "2022-03-05"), ("ADAE", None, "VARIABLE")),
    ("ADAM0015", setv("ADSL", 0, "SAFFL", "YES"), ("ADSL", 0, "SAFFL")),
    ("ADAM0016", setv("ADSL", 1, "ITTFL", None), ("ADSL", 1, "USUBJID, ITTFL")),
    ("ADAM0017", setv("ADLB", 1, "TRT01A", "Drug B"), ("ADLB", 1, "USUBJID, TRT01A, ADSL.TRT01A")),
    ("ADAM0018", setv("ADLB", 1, "BASE", 31.0), ("ADLB", 0, "USUBJID, PARAMCD, BASE")),
    ("ADAM0019", setv("ADLB", 1, "ABLFL", "Y"), ("ADLB", 1, "USUBJID, PARAMCD, ABLFL")),
    ("ADAM0020", setv("ADLB", 1, "CHG", 16.0), ("ADLB", 1, "AVAL, BASE, CHG")),
    ("ADAM0021", setv("ADLB", 1, "PCHG", 15.0), ("ADLB", 1, "AVAL, BASE, PCHG")),
    ("ADAM0022", setv("ADLB", 1, "ADY", 7.0), ("ADLB", 1, "USUBJID, ADT, ADY, TRTSDT")),
    ("ADAM0023", setv("ADAE", 0, "AENDT", sas("2022-03-04")), ("ADAE", 0, "ASTDT, AENDT")),
    ("ADAM0024", setv("ADTTE", 0, "AVAL", -1.0), ("ADTTE", 0, "USUBJID, PARAMCD, AVAL")),
    ("ADAM0025", setv("ADTTE", 1, "STARTDT", sas("2022-06-01")), ("ADTTE", 1, "STARTDT, ADT")),
    ("ADAM0026", setv("ADSL", 0, "TRTEDT", sas("2022-02-01")), ("ADSL", 0, "USUBJID, TRTSDT, TRTEDT")),
    ("ADAM0027", both(setv("ADLB", 0, "AVALC", "30"), setv("ADLB", 1, "AVALC", "30")), ("ADLB", 0, "PARAMCD, AVAL, AVALC")),
    ("ADAM0028", lambda data: data.update({"LBANAL": data.pop("ADLB")}), ("LBANAL", None, "DATASET")),
]

SILENT = [
    ("ADAM0003", setv("ADLB", 1, "USUBJID", "S1-002")),
    ("ADAM0008", setv("ADSL", 1, "TRT01AN", 1.0)),
    ("ADAM0009", setv("ADTTE", 0, "CNSR", 2.0)),  # another censoring reason
    ("ADAM0010", setv("ADLB", 1, "ADT", sas("2022-12-31"))),  # on the cut-off day
    ("ADAM0011", both(setv("ADLB", 1, "AVAL", None), setv("ADLB", 1, "AVALC", "NEGATIVE"),
                      setv("ADLB", 1, "CHG", None), setv("ADLB", 1, "PCHG", None))),
    ("ADAM0015", setv("ADLB", 1, "ABLFL", "N")),
    ("ADAM0020", setv("ADLB", 1, "CHG", 15.0 + 1e-12)),  # floating-point noise
    ("ADAM0021", both(setv("ADLB", 0, "BASE", 0.0), setv("ADLB", 1, "BASE", 0.0), setv("ADLB", 0, "CHG", 30.0),
                      setv("ADLB", 1, "CHG", 45.0), setv("ADLB", 0, "PCHG", None), setv("ADLB", 1, "PCHG", None))),
    ("ADAM0022", both(setv("ADLB", 1, "ADT", sas("2022-02-28")), setv("ADLB", 1, "ADY", -1.0))),  # day before: -1
    ("ADAM0027", both(setv("ADLB", 0, "AVALC", "30"), setv("ADLB", 1, "AVALC", "45"))),
]


@pytest.mark.parametrize("rule, change, expected", FIRES, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(FIRES)])
def test_rule_fires(rule, change, expected):
    found = findings_of(rule, change, cutoff=CUTOFF)
    dataset, row, variables = expected
    assert not found.empty, f"{rule} did not fire"
    hit = found[found["dataset"] == dataset]
    assert not hit.empty, found
    if row is None:
        assert hit["row"].isna().all()
    else:
        assert row in set(hit["row"].dropna().astype(int)), hit
    if variables is not None:
        assert variables in set(hit["variables"]), hit["variables"].tolist()


@pytest.mark.parametrize("rule, change", SILENT, ids=[f"{r}-{i}" for i, (r, _) in enumerate(SILENT)])
def test_rule_silent_on_near_miss(rule, change):
    assert findings_of(rule, change, cutoff=CUTOFF).empty


def test_date_without_format_fires_and_with_format_stays_silent():
    formats = {"ADAE": {"ASTDT": "DATE9", "AENDT": "BEST12"}}
    found = findings_of("ADAM0014", formats=formats)
    assert found[["dataset", "variables", "values"]].values.tolist() == [["ADAE", "VARIABLE", "AENDT"]]
    assert findings_of("ADAM0014", formats={"ADAE": {"ASTDT": "E8601DA", "AENDT": "DATE9"}}).empty
