"""Dataset-JSON 1.1 writer: official schema validity (where shared/ is present) and structure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from support import SHARED

import specs.datasetjson
from specs.datasetjson import JsonContext, build_dataset_json, check_structure, write_dataset_json
from specs.errors import DatasetWriteError
from specs.model import DatasetSpec, VariableSpec

SCHEMA = SHARED / "reference" / "dataset-json" / "dataset.schema.json"
CONTEXT = JsonContext(
    study_oid="ALTER-E-003", metadata_version_oid="MDV.ALTER-E-003.ADAM", created=dt.datetime(2025, 1, 15),
    originator="test", source_system="subpack", source_version="0.1.0",
)
SPEC = DatasetSpec(
    name="ADSL", label="Subject-Level Analysis Dataset", class_="SUBJECT LEVEL ANALYSIS DATASET",
    structure="One record per subject", keys=("STUDYID", "USUBJID"),
    variables=(
        VariableSpec("ADSL", "STUDYID", "Study Identifier", "text", 1, core="Req"),
        VariableSpec("ADSL", "USUBJID", "Unique Subject Identifier", "text", 2, core="Req"),
        VariableSpec("ADSL", "AGE", "Age", "integer", 3),
        VariableSpec("ADSL", "TRTSDT", "Date of First Exposure to Treatment", "integer", 4, display_format="DATE9."),
        VariableSpec("ADSL", "BMI", "Body Mass Index", "float", 5),
        VariableSpec("ADSL", "SITENAM", "Site Name", "text", 6),
    ),
)


def _data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "STUDYID": ["ALTER-E-003"] * 2,
            "USUBJID": ["ALTER-E-003-01-001", "ALTER-E-003-03-002"],
            "AGE": [61, 70],
            "TRTSDT": [dt.date(2022, 3, 15), None],
            "BMI": [21.5, np.nan],
            "SITENAM": ["Zhengzhou \u90d1\u5dde", None],
        }
    )


def test_rows_columns_and_missing_values_are_null(tmp_path: Path):
    write_dataset_json(_data(), tmp_path / "adsl.json", SPEC, CONTEXT)
    back = json.loads((tmp_path / "adsl.json").read_text(encoding="utf-8"))
    assert back == build_dataset_json(_data(), SPEC, CONTEXT)
    assert back["records"] == 2 and back["datasetJSONVersion"] == "1.1.0"
    assert back["rows"] == [
        ["ALTER-E-003", "ALTER-E-003-01-001", 61, "2022-03-15", 21.5, "Zhengzhou \u90d1\u5dde"],
        ["ALTER-E-003", "ALTER-E-003-03-002", 70, None, None, None],
    ]


def test_column_metadata_follows_the_spec():
    columns = build_dataset_json(_data(), SPEC, CONTEXT)["columns"]
    by_name = {c["name"]: c for c in columns}
    assert [c["name"] for c in columns] == list(SPEC.variable_names)
    assert by_name["USUBJID"] == {
        "itemOID": "IT.ADSL.USUBJID", "name": "USUBJID", "label": "Unique Subject Identifier",
        "dataType": "string", "length": 18, "keySequence": 2,
    }
    assert by_name["TRTSDT"]["dataType"] == "date" and by_name["TRTSDT"]["targetDataType"] == "integer"
    assert by_name["TRTSDT"]["displayFormat"] == "DATE9."
    assert by_name["AGE"]["dataType"] == "integer" and by_name["BMI"]["dataType"] == "double"
    # length counts UTF-8 bytes: "Zhengzhou " (10) + two 3-byte characters
    assert by_name["SITENAM"]["length"] == 16


@pytest.mark.skipif(not SCHEMA.exists(), reason="the shared Dataset-JSON schema is not beside this checkout")
def test_valid_against_official_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = build_dataset_json(_data(), SPEC, CONTEXT)
    jsonschema.validate(document, schema)


@pytest.mark.skipif(not SCHEMA.exists(), reason="the shared Dataset-JSON schema is not beside this checkout")
def test_schema_rejects_a_document_without_columns():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = build_dataset_json(_data(), SPEC, CONTEXT)
    del document["columns"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_structure_check_catches_ragged_rows():
    document = build_dataset_json(_data(), SPEC, CONTEXT)
    document["rows"][1] = document["rows"][1][:-1]
    with pytest.raises(DatasetWriteError, match="row has 5 values for 6 columns"):
        check_structure(document)


def test_structure_check_catches_record_count():
    document = build_dataset_json(_data(), SPEC, CONTEXT)
    document["records"] = 3
    with pytest.raises(DatasetWriteError, match="records differs"):
        check_structure(document)


def test_variable_not_in_spec_is_refused():
    with pytest.raises(DatasetWriteError, match="ADSL.EXTRA"):
        build_dataset_json(_data().assign(EXTRA="x"), SPEC, CONTEXT)


def test_same_input_same_bytes(tmp_path: Path):
    write_dataset_json(_data(), tmp_path / "a.json", SPEC, CONTEXT)
    write_dataset_json(_data(), tmp_path / "b.json", SPEC, CONTEXT)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_structure_check_reports_non_finite_numbers_row_by_row_up_to_a_ragged_row():
    document = build_dataset_json(pd.concat([_data()] * 2, ignore_index=True), SPEC, CONTEXT)
    document["rows"][0][4] = float("inf")
    document["rows"][1][2] = float("nan")
    document["rows"][1][4] = float("-inf")
    document["rows"][2] = document["rows"][2][:-1]
    document["rows"][3][4] = float("nan")  # after the ragged row: not checked
    with pytest.raises(DatasetWriteError) as raised:
        check_structure(document)
    found = [(p.variable, p.row, p.message.split(" ")[0]) for p in raised.value.problems]
    assert found == [("BMI", 0, "numbers"), ("AGE", 1, "numbers"), ("BMI", 1, "numbers"), (None, 2, "row")]


def test_dates_datetimes_times_and_whole_numbers_as_json_values():
    spec = DatasetSpec(
        name="ADSL", label="Subject-Level", class_="SUBJECT LEVEL ANALYSIS DATASET", structure="One record per subject",
        keys=(), variables=(
            VariableSpec("ADSL", "TRTSDTM", "Datetime", "integer", 1, display_format="DATETIME20."),
            VariableSpec("ADSL", "TRTSTM", "Time", "integer", 2, display_format="TIME8."),
            VariableSpec("ADSL", "TRTSDT", "Date", "integer", 3, display_format="DATE9."),
            VariableSpec("ADSL", "AVAL", "Value", "integer", 4),
        ),
    )
    data = pd.DataFrame({"TRTSDTM": [0.0, 86_400.5, np.nan], "TRTSTM": [3_661.0, np.nan, 0.0],
                         "TRTSDT": [-1.0, 0.0, 0.0], "AVAL": [2.0, 2.5, -0.0]})
    rows = build_dataset_json(data, spec, CONTEXT)["rows"]
    assert rows == [["1960-01-01T00:00:00", "01:01:01", "1959-12-31", 2],
                    ["1960-01-02T00:00:00", None, "1960-01-01", 2.5],
                    [None, "00:00:00", "1960-01-01", 0]]


def _awkward() -> pd.DataFrame:
    """Values whose JSON text is easy to get wrong: escapes, control characters, non-ASCII,
    signed zeros, big and small floats, non-whole values of an integer variable, missing values."""
    texts = ['say "hi"', "back\\slash", "tab\tnew\nline", "\x00\x1f\x7f", "\u00e9\u90d1\U0001f600", "</script>", "", None]
    return pd.DataFrame({
        "STUDYID": ["S"] * len(texts),
        "USUBJID": texts,
        "AGE": [0.0, -0.0, 2.5, 1e20, -3.0, np.nan, 7.0, 2**53],
        "TRTSDT": [0.0, -1.0, np.nan, 22_000.0, 0.0, 0.0, -3_000.0, 1.0],
        "BMI": [-0.0, 0.0, 1e-300, 1.7976931348623157e308, 0.1 + 0.2, np.nan, 1e16, -2.5],
        "SITENAM": texts[::-1],
    })


@pytest.mark.parametrize("block", [1, 3, 1_000])
@pytest.mark.parametrize("reference", [None, "define.xml"])
def test_streamed_file_is_json_dumps_of_the_document_byte_for_byte(tmp_path: Path, monkeypatch, block, reference):
    monkeypatch.setattr(specs.datasetjson, "ROWS_PER_BLOCK", block)
    context = dataclasses.replace(CONTEXT, metadata_ref=reference)
    write_dataset_json(_awkward(), tmp_path / "adsl.json", SPEC, context)
    expected = json.dumps(build_dataset_json(_awkward(), SPEC, context), ensure_ascii=False, separators=(",", ":"))
    assert (tmp_path / "adsl.json").read_bytes() == (expected + "\n").encode("utf-8")
    rows = json.loads(expected)["rows"]
    assert [row[2] for row in rows[:2]] == [0, 0] and [row[4] for row in rows[:2]] == [-0.0, 0.0]
    assert str(rows[0][4]) == "-0.0" and rows[2][2] == 2.5 and rows[7][2] == 2**53


def test_an_empty_dataset_has_an_empty_rows_array(tmp_path: Path):
    write_dataset_json(_data().iloc[:0], tmp_path / "adsl.json", SPEC, CONTEXT)
    back = json.loads((tmp_path / "adsl.json").read_text(encoding="utf-8"))
    assert back["rows"] == [] and back["records"] == 0 and len(back["columns"]) == 6


def test_infinite_numbers_are_refused_before_anything_is_written(tmp_path: Path):
    data = _data().assign(BMI=[np.inf, 20.0], TRTSDT=[0.0, -np.inf])
    with pytest.raises(DatasetWriteError) as raised:
        write_dataset_json(data, tmp_path / "adsl.json", SPEC, CONTEXT)
    found = [(p.variable, p.row) for p in raised.value.problems]
    assert found == [("BMI", 0), ("TRTSDT", 1)]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("values", [
    ["a", None, np.nan, pd.NA, 'q"uote', "a"],  # missing values other than None print as text
    ["a", 1, 1.0, None],  # not text: encoded value by value, 1 and 1.0 kept apart
    [],
])
def test_encoded_text_is_the_json_text_of_each_value(values):
    series = pd.Series(values, dtype=object)
    var = VariableSpec("ADSL", "SITENAM", "Site Name", "text", 1)
    expected = [json.dumps(v, ensure_ascii=False) for v in specs.datasetjson._json_values(series, var)]
    assert specs.datasetjson._encoded_values(series, var) == expected
