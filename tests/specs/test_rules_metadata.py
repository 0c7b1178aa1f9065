"""Metadata rules (specs/rules/metadata_rules.py): names, labels, lengths, characters,
define.xml, and the spec-workbook checks SPEC0001-SPEC0010 run through the engine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rules_study, the shared test study
from rules_study import drop, findings_of, setv, study, write_define

from specs.model import Codelist, DatasetSpec, Standard, Term, VariableSpec
from specs.rules.engine import ALL_RULES, validate_datasets, validate_folder

# --- names, labels, lengths, characters --------------------------------------------------------


def _labels(data):
    return {name: {c: c.title() for c in frame.columns} for name, frame in data.items()}


def test_invalid_variable_name_fires_and_valid_name_is_silent():
    found = findings_of("META0001", lambda d: d.update(AE=d["AE"].rename(columns={"AETERM": "AE_TERM_X"})))
    assert found[["dataset", "values"]].values.tolist() == [["AE", "AE_TERM_X"]]
    assert findings_of("META0001", lambda d: d.update(AE=d["AE"].rename(columns={"AETERM": "AETERM_1"}))).empty


def test_variable_label_missing_or_long_fires_and_present_is_silent():
    labels = _labels(study())
    labels["AE"]["AETERM"] = ""
    labels["DM"]["AGE"] = "A" * 41
    found = findings_of("META0002", labels=labels)
    assert sorted(found[["dataset", "values"]].values.tolist()) == [["AE", "AETERM"], ["DM", "AGE"]]
    assert findings_of("META0002", labels=_labels(study())).empty


def test_dataset_label_long_fires_and_short_is_silent():
    labels = {name: name.title() for name in study()}
    found = findings_of("META0003", labels=_labels(study()), dataset_labels={**labels, "AE": "A" * 41})
    assert found["dataset"].tolist() == ["AE"]
    assert findings_of("META0003", labels=_labels(study()), dataset_labels=labels).empty


def test_non_ascii_value_fires_and_ascii_is_silent():
    found = findings_of("META0004", setv("TS", 10, "TSVAL", "Patients with Alzheimer\u2019s disease"))
    assert found[["dataset", "row", "variables"]].values.tolist() == [["TS", 10, "TSVAL"]]
    assert findings_of("META0004", setv("TS", 10, "TSVAL", "Patients with Alzheimer's disease")).empty


def test_value_over_200_bytes_fires_and_200_is_silent():
    found = findings_of("META0005", setv("AE", 0, "AETERM", "X" * 201))
    assert found[["dataset", "row", "variables"]].values.tolist() == [["AE", 0, "AETERM"]]
    assert findings_of("META0005", setv("AE", 0, "AETERM", "X" * 200)).empty


def test_declared_length_longer_than_data_fires_and_exact_is_silent():
    exact = {"AE": {"AETERM": 6, "DOMAIN": 2}}
    found = findings_of("META0006", lengths={"AE": {**exact["AE"], "AETERM": 200}})
    assert found[["dataset", "values"]].values.tolist() == [["AE", "AETERM, length 200, longest value 6"]]
    assert findings_of("META0006", lengths=exact).empty


# --- define.xml --------------------------------------------------------------------------------

@pytest.fixture
def define(tmp_path):
    """Write a define.xml for the (changed) study; returns (path, data)."""
    def make(change=None, edit=None):
        data = study()
        path = write_define(tmp_path / "define.xml", data)
        if change is not None:
            change(data)
        if edit is not None:
            tree = etree.parse(str(path))
            edit(tree.getroot())
            tree.write(str(path))
        return path, data
    return make


def _run(rule_id, path, data):
    rules = [r for r in ALL_RULES if r.id == rule_id]
    findings = validate_datasets(data, define_path=path, rules=rules)
    assert findings.rules.iloc[0]["status"] == "applied", findings.rules.iloc[0]["reason"]
    return findings.frame


ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


def _remove(xpath):
    def edit(root):
        for element in root.xpath(xpath, namespaces={"o": ODM[1:-1]}):
            element.getparent().remove(element)
    return edit


DEFINE_CASES = [
    ("META0007", _remove("//o:ItemGroupDef[@Name='SV']"), None, [["SV", "SV"]]),
    ("META0008", None, setv("AE", 0, "AEXTRA", "x"), [["AE", "AEXTRA"]]),
    ("META0009", None, drop("AE", "AEREL"), [["AE", "AEREL"]]),
    ("META0010", None, lambda d: d.pop("SV"), [["SV", "SV"]]),
    ("META0011", None, setv("AE", 0, "AETERM", "NAUSEA AND VOMITING"), [["AE", "NAUSEA AND VOMITING"]]),
    ("META0012", None, lambda d: d.update(AE=d["AE"].assign(AESEQ=d["AE"]["AESEQ"].astype(int).astype(str))),
     [["AE", "AESEQ"]]),
]


@pytest.mark.parametrize("rule, edit, change, expected", DEFINE_CASES, ids=[c[0] for c in DEFINE_CASES])
def test_define_rule_fires(define, rule, edit, change, expected):
    path, data = define(change=change, edit=edit)
    assert _run(rule, path, data)[["dataset", "values"]].values.tolist() == expected


@pytest.mark.parametrize("rule", [c[0] for c in DEFINE_CASES])
def test_define_rule_silent_when_define_matches(define, rule):
    path, data = define()
    assert _run(rule, path, data).empty


def test_define_rules_skip_without_define():
    findings = validate_datasets(study())
    status = findings.rules.set_index("rule")
    assert status.loc["META0007", "status"] == "skipped"
    assert status.loc["META0007", "reason"] == "no define.xml given"


def test_unreadable_file_is_a_finding_and_others_are_validated(tmp_path):
    import pyreadstat
    frame = study()["DM"].astype({"AGE": float})
    pyreadstat.write_xport(frame.fillna(""), str(tmp_path / "dm.xpt"), table_name="DM", file_format_version=5)
    (tmp_path / "ae.xpt").write_bytes(b"not a transport file")
    findings = validate_folder(tmp_path)
    unreadable = findings.of("META0013")
    assert unreadable["dataset"].tolist() == ["AE"]
    assert "DM" in set(findings.datasets["dataset"])
    clean = tmp_path / "clean"
    clean.mkdir()
    pyreadstat.write_xport(frame.fillna(""), str(clean / "dm.xpt"), table_name="DM", file_format_version=5)
    assert validate_folder(clean).of("META0013").empty


# --- spec workbook checks ----------------------------------------------------------------------

SPEC = DatasetSpec(
    name="DM", label="Demographics", class_="SPECIAL PURPOSE", structure="One record per subject",
    keys=("STUDYID", "USUBJID"),
    variables=(
        VariableSpec("DM", "STUDYID", "Study Identifier", "text", 1, core="Req"),
        VariableSpec("DM", "DOMAIN", "Domain Abbreviation", "text", 2, length=2, core="Req"),
        VariableSpec("DM", "USUBJID", "Unique Subject Identifier", "text", 3, core="Req"),
        VariableSpec("DM", "AGE", "Age", "integer", 4, core="Exp"),
        VariableSpec("DM", "SEX", "Sex", "text", 5, core="Req", codelist="SEX"),
        VariableSpec("DM", "RACE", "Race", "text", 6, core="Exp", codelist="RACE"),
    ),
)
STANDARD = Standard(
    name="SDTMIG", version="3.4", study_attributes={}, datasets={"DM": SPEC}, value_level=(),
    codelists={
        "SEX": Codelist("SEX", "Sex", "C66731", "text", "CDISC CT", False, (Term("M"), Term("F"))),
        "RACE": Codelist("RACE", "Race", "C74457", "text", "CDISC CT", True, (Term("ASIAN"),)),
    },
    dictionaries={}, methods={}, comments={}, documents={},
)


def _dm(data):
    dm = data["DM"][["STUDYID", "DOMAIN", "USUBJID", "AGE", "SEX", "RACE"]].copy()
    return {"DM": dm}


SPEC_CASES = [
    ("SPEC0001", lambda dm: dm.assign(DMXX="x")),
    ("SPEC0002", lambda dm: dm.drop(columns=["SEX"])),
    ("SPEC0003", lambda dm: dm.drop(columns=["AGE"])),
    ("SPEC0004", lambda dm: dm[["DOMAIN", "STUDYID", "USUBJID", "AGE", "SEX", "RACE"]]),
    ("SPEC0005", lambda dm: dm.assign(SEX=["M", None, "M"])),
    ("SPEC0006", lambda dm: dm.assign(AGE=["60", "fifty", "70"])),
    ("SPEC0007", lambda dm: dm.assign(DOMAIN=["DM", "DMX", "DM"])),
    ("SPEC0008", lambda dm: dm.assign(SEX=["M", "U", "M"])),
    ("SPEC0009", lambda dm: dm.assign(RACE=["ASIAN", "WHITE", "ASIAN"])),
    ("SPEC0010", lambda dm: dm.assign(USUBJID=["S1-001", "S1-001", "S1-003"])),
]


@pytest.mark.parametrize("rule, change", SPEC_CASES, ids=[c[0] for c in SPEC_CASES])
def test_spec_rule_fires(rule, change):
    data = _dm(study())
    data["DM"] = change(data["DM"])
    findings = validate_datasets(data, standard=STANDARD, rules=[r for r in ALL_RULES if r.id == rule])
    assert findings.frame["rule"].tolist() and set(findings.frame["rule"]) == {rule}


@pytest.mark.parametrize("rule", [c[0] for c in SPEC_CASES])
def test_spec_rule_silent_on_conformant_dataset(rule):
    findings = validate_datasets(_dm(study()), standard=STANDARD, rules=[r for r in ALL_RULES if r.id == rule])
    assert findings.rules.iloc[0]["status"] == "applied"
    assert findings.frame.empty


def test_ig_presence_rules_stand_down_where_a_spec_describes_the_dataset():
    data = _dm(study())
    data["DM"] = data["DM"].drop(columns=["SEX"])
    findings = validate_datasets(data, standard=STANDARD)
    assert set(findings.of("SPEC0002")["values"]) | set(findings.of("SPEC0002")["variables"]) >= {"SEX"}
    assert findings.of("SDTM0002").empty
    assert findings.rules.set_index("rule").loc["SDTM0002", "status"] == "skipped"

