"""Dataset-against-spec checks: each rule fires on a bad case and stays silent on a good one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.conformance import check_dataset, where_mask
from specs.model import Codelist, DatasetSpec, Term, ValueLevelSpec, VariableSpec, WhereCondition

SPEC = DatasetSpec(
    name="VS", label="Vital Signs", class_="FINDINGS", structure="One record per test per visit per subject",
    keys=("USUBJID", "VSTESTCD", "VISITNUM"),
    variables=(
        VariableSpec("VS", "USUBJID", "Unique Subject Identifier", "text", 1, core="Req"),
        VariableSpec("VS", "VSTESTCD", "Vital Signs Test Short Name", "text", 2, length=8, core="Req", codelist="VSTESTCD"),
        VariableSpec("VS", "VSORRESU", "Original Units", "text", 3, core="Exp", codelist="UNIT"),
        VariableSpec("VS", "VSSTRESN", "Numeric Result/Finding in Standard Units", "float", 4, core="Exp"),
        VariableSpec("VS", "VISITNUM", "Visit Number", "float", 5, core="Exp"),
        VariableSpec("VS", "VSPOS", "Vital Signs Position of Subject", "text", 6, core="Perm"),
    ),
)
CODELISTS = {
    "VSTESTCD": Codelist("VSTESTCD", "Vital Signs Test Code", "C66741", "text", "CDISC CT", False,
                         (Term("SYSBP"), Term("PULSE"))),
    "UNIT": Codelist("UNIT", "Unit", "C71620", "text", "CDISC CT", True, (Term("mmHg"), Term("beats/min"))),
    "PULSEU": Codelist("PULSEU", "Pulse units", None, "text", "Sponsor", False, (Term("beats/min"),)),
}


def _good() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["S-001", "S-001", "S-002"],
            "VSTESTCD": ["SYSBP", "PULSE", "SYSBP"],
            "VSORRESU": ["mmHg", "beats/min", "mmHg"],
            "VSSTRESN": [120.0, 72.0, np.nan],
            "VISITNUM": [1.0, 1.0, 1.0],
        }
    )


def _rules(findings: pd.DataFrame) -> list[tuple]:
    return sorted(zip(findings["rule"], findings["row"].astype(object).where(findings["row"].notna(), None), findings["variable"]),
                  key=str)


def test_conformant_dataset_has_no_findings():
    assert check_dataset(_good(), SPEC, CODELISTS).empty


def test_variable_not_in_spec():
    findings = check_dataset(_good().assign(VSXX=1), SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0001", None, "VSXX")]


def test_required_missing_is_error_expected_missing_is_warning():
    findings = check_dataset(_good().drop(columns=["VSTESTCD", "VISITNUM"]), SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0002", None, "VSTESTCD"), ("SPEC0003", None, "VISITNUM")]
    assert findings.set_index("rule").loc["SPEC0003", "severity"] == "Warning"


def test_order_differs_from_spec():
    findings = check_dataset(_good()[["VSTESTCD", "USUBJID", "VSORRESU", "VSSTRESN", "VISITNUM"]], SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0004", None, None)]


def test_required_null_or_blank_names_rows():
    data = _good()
    data.loc[1, "USUBJID"] = None
    data.loc[2, "USUBJID"] = "  "
    findings = check_dataset(data, SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0005", 1, "USUBJID"), ("SPEC0005", 2, "USUBJID")]


def test_non_numeric_in_numeric_variable():
    data = _good().astype({"VSSTRESN": object})
    data.loc[0, "VSSTRESN"] = "120 mmHg"
    findings = check_dataset(data, SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0006", 0, "VSSTRESN")]
    assert findings["value"].tolist() == ["120 mmHg"]


def test_value_longer_than_spec_length():
    data = _good()
    data.loc[2, "VSTESTCD"] = "SYSBPSTAND"
    findings = check_dataset(data, SPEC, CODELISTS)
    # too long for the 8-byte length, and not a term of the non-extensible VSTESTCD list
    assert _rules(findings) == [("SPEC0007", 2, "VSTESTCD"), ("SPEC0008", 2, "VSTESTCD")]


def test_non_extensible_codelist_is_error_extensible_is_warning():
    data = _good()
    data.loc[0, "VSTESTCD"] = "TEMP"
    data.loc[1, "VSORRESU"] = "bpm"
    findings = check_dataset(data, SPEC, CODELISTS).set_index("rule")
    assert findings.loc["SPEC0008", "severity"] == "Error" and findings.loc["SPEC0008", "value"] == "TEMP"
    assert findings.loc["SPEC0009", "severity"] == "Warning" and findings.loc["SPEC0009", "value"] == "bpm"


def test_value_level_codelist_applies_only_where_clause_holds():
    vlm = (ValueLevelSpec("VS", "VSORRESU", (WhereCondition("VSTESTCD", "EQ", ("PULSE",)),), "text", 1, codelist="PULSEU"),)
    data = _good()
    data.loc[0, "VSORRESU"] = "mmHg"  # SYSBP: the value-level list does not apply
    assert check_dataset(data, SPEC, CODELISTS, vlm).empty
    data.loc[1, "VSORRESU"] = "mmHg"  # PULSE in mmHg: not in PULSEU
    findings = check_dataset(data, SPEC, CODELISTS, vlm)
    assert _rules(findings) == [("SPEC0008", 1, "VSORRESU")]


def test_duplicate_keys_reported_after_first():
    data = pd.concat([_good(), _good().iloc[[0]]], ignore_index=True)
    findings = check_dataset(data, SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0010", 3, "USUBJID, VSTESTCD, VISITNUM")]


def test_where_mask_in_and_ne():
    data = _good()
    assert where_mask(data, (WhereCondition("VSTESTCD", "IN", ("PULSE", "TEMP")),)).tolist() == [False, True, False]
    assert where_mask(data, (WhereCondition("VSTESTCD", "NE", ("PULSE",)),
                             WhereCondition("USUBJID", "EQ", ("S-002",)))).tolist() == [False, False, True]


def test_vectorised_on_a_million_rows_finds_the_one_bad_value():
    n = 1_000_000
    data = pd.DataFrame(
        {
            "USUBJID": np.repeat([f"S-{i:06d}" for i in range(n // 2)], 2),
            "VSTESTCD": np.tile(["SYSBP", "PULSE"], n // 2).astype(object),
            "VSORRESU": np.tile(["mmHg", "beats/min"], n // 2).astype(object),
            "VSSTRESN": np.ones(n),
            "VISITNUM": np.ones(n),
        }
    )
    data.loc[777_777, "VSTESTCD"] = "BMI"
    findings = check_dataset(data, SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0008", 777_777, "VSTESTCD")]


def _every_rule_fires() -> pd.DataFrame:
    """A frame breaking SPEC0005, 0007, 0008, 0009 and 0010, with blanks, None and NaN mixed."""
    data = pd.concat([_good(), _good().iloc[[0]]], ignore_index=True)
    data["VSTESTCD"] = ["SYSBP", "TEMPERATURE", None, "SYSBP"]
    data["VSORRESU"] = ["mmHg", "bpm", np.nan, "mmHg"]
    data["USUBJID"] = ["S-001", "  ", "S-002", "S-001"]
    data["VSPOS"] = ["SITTING", None, "", "STANDING"]
    return data


def test_categorical_columns_give_the_findings_of_object_columns():
    data = _every_rule_fires()
    as_read = data.apply(lambda s: s.astype("category") if s.dtype == object else s)
    as_object = as_read.apply(lambda s: s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s)
    expected = check_dataset(as_object, SPEC, CODELISTS)
    assert {"SPEC0005", "SPEC0007", "SPEC0008", "SPEC0009", "SPEC0010"} <= set(expected["rule"])
    pd.testing.assert_frame_equal(check_dataset(as_read, SPEC, CODELISTS), expected)


def test_mixed_type_columns_are_checked_value_by_value():
    data = _good().astype({"VSTESTCD": object})
    data.loc[2, "VSTESTCD"] = 1.0  # a number in a text column prints "1", not a term
    data.loc[1, "VSORRESU"] = 72
    findings = check_dataset(data, SPEC, CODELISTS)
    assert _rules(findings) == [("SPEC0008", 2, "VSTESTCD"), ("SPEC0009", 1, "VSORRESU")]


def test_where_mask_on_missing_values_compares_their_text():
    data = pd.DataFrame({"VSTESTCD": pd.Series(["PULSE", None, np.nan], dtype=object)})
    assert where_mask(data, (WhereCondition("VSTESTCD", "EQ", ("nan",)),)).tolist() == [False, False, True]
    assert where_mask(data, (WhereCondition("VSTESTCD", "NE", ("PULSE",)),)).tolist() == [False, True, True]
