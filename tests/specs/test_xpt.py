"""XPT v5 writer: round trip through pyreadstat, every pre-write check, byte-identical reruns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from specs.errors import DatasetWriteError
from specs.model import DatasetSpec, VariableSpec
from specs.rules.xport import read_xport, read_xport_meta
from specs.xpt import sas_timestamp, write_xpt

STAMP = dt.datetime(2025, 1, 15, 0, 0, 0)


def _spec(*variables: VariableSpec, name: str = "ADSL", label: str = "Subject-Level Analysis Dataset") -> DatasetSpec:
    return DatasetSpec(name=name, label=label, class_="SUBJECT LEVEL ANALYSIS DATASET", structure="One record per subject",
                       keys=("USUBJID",), variables=variables)


SPEC = _spec(
    VariableSpec("ADSL", "USUBJID", "Unique Subject Identifier", "text", 1, core="Req"),
    VariableSpec("ADSL", "AGE", "Age", "integer", 2),
    VariableSpec("ADSL", "SEX", "Sex", "text", 3, core="Exp"),
    VariableSpec("ADSL", "TRTSDT", "Date of First Exposure to Treatment", "integer", 4, display_format="DATE9."),
    VariableSpec("ADSL", "BMI", "Body Mass Index (kg/m2)", "float", 5, core="Perm"),
)


def _data() -> pd.DataFrame:
    # derivation output: columns in another order than the spec, a real date column, a missing value
    return pd.DataFrame(
        {
            "SEX": ["M", "F", None],
            "USUBJID": ["S-01-001", "S-01-002", "S-02-001"],
            "TRTSDT": [dt.date(2022, 3, 15), dt.date(2022, 4, 1), None],
            "AGE": [61, 70, 58],
            "BMI": [21.5, np.nan, 19.25],
        }
    )


def test_round_trip_values_labels_types_and_order(tmp_path: Path):
    path = tmp_path / "adsl.xpt"
    write_xpt(_data(), path, SPEC, timestamp=STAMP)
    back, meta = pyreadstat.read_xport(path)
    assert list(back.columns) == ["USUBJID", "AGE", "SEX", "TRTSDT", "BMI"]
    assert meta.table_name == "ADSL"
    assert meta.file_label == "Subject-Level Analysis Dataset"
    assert meta.column_names_to_labels["TRTSDT"] == "Date of First Exposure to Treatment"
    assert meta.readstat_variable_types == {"USUBJID": "string", "AGE": "double", "SEX": "string", "TRTSDT": "double", "BMI": "double"}
    assert meta.original_variable_types["TRTSDT"] == "DATE9"
    assert back["USUBJID"].tolist() == ["S-01-001", "S-01-002", "S-02-001"]
    assert back["AGE"].tolist() == [61.0, 70.0, 58.0]
    assert back["SEX"].tolist() == ["M", "F", ""]  # SAS has no null character value: blank
    assert back["TRTSDT"].tolist()[:2] == [dt.date(2022, 3, 15), dt.date(2022, 4, 1)]
    assert pd.isna(back["TRTSDT"].iloc[2])
    assert back["BMI"].iloc[0] == 21.5 and np.isnan(back["BMI"].iloc[1])


def test_character_length_is_longest_value(tmp_path: Path):
    path = tmp_path / "adsl.xpt"
    write_xpt(_data(), path, SPEC, timestamp=STAMP)
    _, meta = pyreadstat.read_xport(path)
    assert meta.variable_storage_width["USUBJID"] == 8
    assert meta.variable_storage_width["SEX"] == 1


def test_sas_date_numbers(tmp_path: Path):
    path = tmp_path / "adsl.xpt"
    written = write_xpt(_data(), path, SPEC, timestamp=STAMP)
    # 2022-03-15 is day 22719 after 1960-01-01 (SAS: put('15MAR2022'd, best.))
    assert written["TRTSDT"].iloc[0] == (dt.date(2022, 3, 15) - dt.date(1960, 1, 1)).days == 22719


def test_byte_identical_reruns_and_configured_header_stamp(tmp_path: Path):
    first, second = tmp_path / "a" / "adsl.xpt", tmp_path / "b" / "adsl.xpt"
    write_xpt(_data(), first, SPEC, timestamp=STAMP)
    write_xpt(_data(), second, SPEC, timestamp=STAMP)
    raw = first.read_bytes()
    assert raw == second.read_bytes()
    assert sas_timestamp(STAMP) == b"15JAN25:00:00:00"
    # library header (records 2-3) and member header (records 6-7) carry the configured stamp
    assert raw[80 + 64:80 + 80] == b"15JAN25:00:00:00" and raw[160:176] == b"15JAN25:00:00:00"
    assert raw.count(b"15JAN25:00:00:00") == 4


def test_label_longer_than_40_is_refused(tmp_path: Path):
    spec = _spec(VariableSpec("ADSL", "USUBJID", "Unique Subject Identifier within the whole submission", "text", 1))
    with pytest.raises(DatasetWriteError) as excinfo:
        write_xpt(pd.DataFrame({"USUBJID": ["A"]}), tmp_path / "adsl.xpt", spec, timestamp=STAMP)
    (problem,) = excinfo.value.problems
    assert (problem.dataset, problem.variable) == ("ADSL", "USUBJID")
    assert "at most 40" in problem.message
    assert not (tmp_path / "adsl.xpt").exists()


def test_variable_name_longer_than_8_is_refused(tmp_path: Path):
    spec = _spec(VariableSpec("ADSL", "USUBJIDXX", "Subject", "text", 1))
    with pytest.raises(DatasetWriteError, match="ADSL.USUBJIDXX: variable name must be 1-8"):
        write_xpt(pd.DataFrame({"USUBJIDXX": ["A"]}), tmp_path / "adsl.xpt", spec, timestamp=STAMP)


def test_value_over_200_bytes_names_variable_and_row(tmp_path: Path):
    data = _data()
    data.loc[1, "SEX"] = "X" * 201
    with pytest.raises(DatasetWriteError) as excinfo:
        write_xpt(data, tmp_path / "adsl.xpt", SPEC, timestamp=STAMP)
    (problem,) = excinfo.value.problems
    assert (problem.variable, problem.row) == ("SEX", 1)
    assert "longer than 200 bytes" in problem.message


def test_non_ascii_value_names_variable_and_row(tmp_path: Path):
    data = _data()
    data.loc[2, "USUBJID"] = "S-02-00\u00e9"
    with pytest.raises(DatasetWriteError) as excinfo:
        write_xpt(data, tmp_path / "adsl.xpt", SPEC, timestamp=STAMP)
    (problem,) = excinfo.value.problems
    assert (problem.variable, problem.row, problem.value) == ("USUBJID", 2, "S-02-00\u00e9")


def test_dataset_name_must_match_file_name(tmp_path: Path):
    with pytest.raises(DatasetWriteError, match="file name must be adsl.xpt"):
        write_xpt(_data(), tmp_path / "ADSL_final.xpt", SPEC, timestamp=STAMP)


def test_variable_not_in_spec_is_refused_not_dropped(tmp_path: Path):
    data = _data().assign(EXTRA=1)
    with pytest.raises(DatasetWriteError, match="ADSL.EXTRA: variable is not in the spec"):
        write_xpt(data, tmp_path / "adsl.xpt", SPEC, timestamp=STAMP)


def test_non_numeric_value_in_numeric_variable(tmp_path: Path):
    data = _data().astype({"AGE": object})
    data.loc[1, "AGE"] = "70 years"
    with pytest.raises(DatasetWriteError) as excinfo:
        write_xpt(data, tmp_path / "adsl.xpt", SPEC, timestamp=STAMP)
    (problem,) = excinfo.value.problems
    assert (problem.variable, problem.row, problem.value) == ("AGE", 1, "70 years")


def test_expected_variable_missing_is_added_empty_perm_is_omitted(tmp_path: Path):
    data = _data().drop(columns=["SEX", "BMI"])
    written = write_xpt(data, tmp_path / "adsl.xpt", SPEC, timestamp=STAMP)
    assert list(written.columns) == ["USUBJID", "AGE", "SEX", "TRTSDT"]
    assert written["SEX"].isna().all()


def test_header_only_metadata_gives_pyreadstat_storage_widths(tmp_path: Path):
    path = tmp_path / "adsl.xpt"
    write_xpt(_data(), path, SPEC, timestamp=STAMP)
    meta = read_xport_meta(path)
    assert meta.widths == pyreadstat.read_xport(path, metadataonly=True)[1].variable_storage_width
    assert meta == read_xport(path)[1]


@pytest.mark.parametrize(("moment", "text"), [(dt.datetime(2024, 12, 3, 14, 5, 9), b"03DEC24:14:05:09"),
                                              (dt.datetime(2031, 5, 31, 23, 59, 0), b"31MAY31:23:59:00")])
def test_header_stamp_uses_english_months_whatever_the_locale(moment, text):
    import locale

    saved = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, "de_DE.UTF-8")  # "Dez", "Mai" under strftime("%b")
    except locale.Error:
        pass  # the German locale is not installed here: the stamp must not depend on it anyway
    try:
        assert sas_timestamp(moment) == text
    finally:
        locale.setlocale(locale.LC_TIME, saved)
