"""VS: the vital-signs form (one column per test) to VS, hand-made rows and the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import sdtm_support
from sdtm_support import issues, unaccounted

from sdtm.context import MappingContext
from sdtm.dm import map_dm
from sdtm.mapping import load_mapping
from sdtm.se import map_se
from sdtm.vs import FORM, map_vs
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
CUTOFF = dt.date(2024, 12, 31)
KEYS = {"STUDYID": "ALTER-E-003", "VISIT": "SCR", "VISITNAME": "Screening", "FORMOID": "X"}


write_form = partial(sdtm_support.write_form, mapping=MAPPING, keys=KEYS)


def make_ctx(raw: Path, dm: list[dict], se: list[dict] | None = None) -> MappingContext:
    """A context on ``raw`` with hand-made DM (USUBJID, SEX, RFSTDTC, RFXSTDTC) and SE frames."""
    return sdtm_support.make_context(STUDY, MAPPING, raw, CUTOFF, dm, se, dm_columns=["USUBJID", "SEX", "RFSTDTC", "RFXSTDTC"])


conformance_errors = partial(sdtm_support.errors, study=STUDY)


DM = [{"USUBJID": "ALTER-E-003-03-001", "SEX": "M", "RFSTDTC": "2022-04-10", "RFXSTDTC": "2022-04-10"}]
SE = [{"USUBJID": "ALTER-E-003-03-001", "SESTDTC": "2022-04-01", "SEENDTC": "2022-04-10", "EPOCH": "SCREENING"},
      {"USUBJID": "ALTER-E-003-03-001", "SESTDTC": "2022-04-10", "SEENDTC": None, "EPOCH": "TREATMENT"}]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "03", FORM, [
        {"SUBJID": "001", "VSDAT": "05/04/2022", "HEIGHT": "170.5", "WEIGHT": "60.2", "SYSBP": "120", "DIABP": "80", "PULSE": "72", "TEMP": "36.5"},
        {"SUBJID": "001", "VISIT": "C01D01", "VISITNAME": "Cycle 1 Day 1", "VSDAT": "10/04/2022", "WEIGHT": "59.8", "SYSBP": "135",
         "DIABP": "85", "PULSE": "n/a", "TEMP": "36.7"},
        {"SUBJID": "001", "VISIT": "C02D01", "VISITNAME": "Cycle 2 Day 1", "VSDAT": "02/01/2025", "WEIGHT": "58.0"},
        {"SUBJID": "001", "VISIT": "C02D01", "VISITNAME": "Cycle 2 Day 1", "VSDAT": "01/05/2022"},
        {"SUBJID": "002", "VSDAT": "05/04/2022", "WEIGHT": "70"},
    ])
    return folder


def test_one_record_per_measurement_with_crf_units(raw):
    result = map_vs(make_ctx(raw, DM, SE))
    screening = result.data[result.data["VSDTC"] == "2022-04-05"].set_index("VSTESTCD")
    assert screening.loc["HEIGHT", ["VSORRES", "VSORRESU", "VSSTRESN", "VSSTRESC", "VSSTRESU"]].tolist() == ["170.5", "cm", 170.5, "170.5", "cm"]
    assert screening.loc["PULSE", ["VSTEST", "VSORRESU"]].tolist() == ["Pulse Rate", "beats/min"]
    assert screening.loc["TEMP", "VSSTRESU"] == "C" and len(screening) == 6


def test_non_numeric_value_is_vs001_and_kept_in_orres(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_vs(ctx)
    pulse = result.data[(result.data["VSTESTCD"] == "PULSE") & (result.data["VSDTC"] == "2022-04-10")].iloc[0]
    assert pulse["VSORRES"] == "n/a" and pd.isna(pulse["VSSTRESN"]) and pulse["VSSTRESC"] is None and pulse["VSSTRESU"] is None
    assert issues(ctx, "VS001") == [("site_03/vital_signs.csv", 3, "COLUMN", "PULSE")]


def test_baseline_flag_visit_epoch(raw):
    result = map_vs(make_ctx(raw, DM, SE))
    data = result.data.set_index(["VSTESTCD", "VSDTC"])
    assert data.loc[("WEIGHT", "2022-04-10"), ["VSLOBXFL", "VISITNUM", "EPOCH", "VSDY"]].tolist() == ["Y", 101.0, "TREATMENT", 1]
    assert data.loc[("HEIGHT", "2022-04-05"), ["VSLOBXFL", "VISITNUM", "EPOCH", "VSDY"]].tolist() == ["Y", 1.0, "SCREENING", -5]
    assert data.loc[("PULSE", "2022-04-05"), "VSLOBXFL"] == "Y"  # the day-1 pulse is not a number


def test_accounting_cutoff_empty_row_unknown_subject(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_vs(ctx)
    assert result.excluded.set_index("SOURCE_ROW")["REASON"].to_dict() == {
        4: "after data cut-off 2024-12-31", 5: "no vital sign recorded on the row"}
    assert result.rejected["SOURCE_ROW"].tolist() == [6]
    assert issues(ctx, "SUBJ001") == [("site_03/vital_signs.csv", 6, "SUBJID", "03-002")]
    assert unaccounted(ctx, [result], [FORM]) == set()


def test_unreadable_date_and_duplicate(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "03", FORM, [{"SUBJID": "001", "VSDAT": "31/02/2022", "WEIGHT": "60", "RECPOS": 1},
                                 {"SUBJID": "001", "VSDAT": "31/02/2022", "WEIGHT": "60", "RECPOS": 1}])
    ctx = make_ctx(raw, DM, SE)
    result = map_vs(ctx)
    assert issues(ctx, "DATE001") == [("site_03/vital_signs.csv", 2, "VSDAT", "31/02/2022")]
    assert issues(ctx, "DUP001") == [("site_03/vital_signs.csv", 3, None, None)]
    assert result.data["VSDTC"].tolist() == [None] and result.data["VSLOBXFL"].tolist() == [None]


def test_wrong_encoding_rejects_the_file(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "03", FORM, [{"SUBJID": "001", "VSDAT": "05/04/2022", "WEIGHT": "60", "VISITNAME": "Dépistage"}], encoding="latin-1")
    ctx = make_ctx(raw, DM, SE)
    result = map_vs(ctx)
    assert result.data.empty and [i[0] for i in issues(ctx, "RAW001")] == ["site_03/vital_signs.csv"]
    assert unaccounted(ctx, [result], [FORM]) == set()


def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    result = map_vs(ctx)
    assert conformance_errors(result).empty
    assert unaccounted(ctx, [result], [FORM]) == set()
