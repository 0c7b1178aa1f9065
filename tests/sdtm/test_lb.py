"""LB: the local-labs workbook (four panels + Ranges) to LB on hand-made sheets and on the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sdtm_support
from sdtm_support import issues, unaccounted

from sdtm.context import DomainResult, MappingContext
from sdtm.dm import map_dm
from sdtm.lb import FORMS, RANGES, map_lb
from sdtm.mapping import load_mapping
from sdtm.se import map_se
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


SHEETS = {"lab_haematology": "Haematology", "lab_chemistry": "Chemistry", "lab_urinalysis": "Urinalysis", "lab_thyroid": "Thyroid"}
RANGE_ROWS = [
    # site 02 reports haemoglobin in g/dL, sex-specific
    {"ANALYTE": "HGB", "PANEL": "Haematology", "UNIT": "g/dL", "SEX": "M", "LOW": "13", "HIGH": "17.5"},
    {"ANALYTE": "HGB", "PANEL": "Haematology", "UNIT": "g/dL", "SEX": "F", "LOW": "11.5", "HIGH": "15"},
    {"ANALYTE": "WBC", "PANEL": "Haematology", "UNIT": "10^3/uL", "SEX": "M", "LOW": "4", "HIGH": "10"},
    {"ANALYTE": "WBC", "PANEL": "Haematology", "UNIT": "10^3/uL", "SEX": "F", "LOW": "4", "HIGH": "10"},
    {"ANALYTE": "TBIL", "PANEL": "Chemistry", "UNIT": "mg/dL", "SEX": "M", "LOW": "0.2", "HIGH": "1.2"},
    {"ANALYTE": "TBIL", "PANEL": "Chemistry", "UNIT": "mg/dL", "SEX": "F", "LOW": "0.2", "HIGH": "1.2"},
    {"ANALYTE": "ALT", "PANEL": "Chemistry", "UNIT": "mmol/L", "SEX": "M", "LOW": "5", "HIGH": "40"},  # no conversion: UNIT001
    {"ANALYTE": "UPRO", "PANEL": "Urinalysis", "UNIT": "dipstick", "SEX": "M", "LOW": "-", "HIGH": "-"},
    {"ANALYTE": "UPRO", "PANEL": "Urinalysis", "UNIT": "dipstick", "SEX": "F", "LOW": "-", "HIGH": "-"},
    {"ANALYTE": "TSH", "PANEL": "Thyroid", "UNIT": "uIU/mL", "SEX": "M", "LOW": "0.35", "HIGH": "4.94"},
]


def write_labs(raw: Path, site: str, sheets: dict[str, list[dict]], ranges: list[dict] | None = None, *, skip=()) -> None:
    """A local-labs workbook: each panel sheet with the mapping spec's columns, and Ranges."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for form, sheet in SHEETS.items():
        if sheet in skip:
            continue
        columns = list(MAPPING.form(form).columns)
        ws = book.create_sheet(sheet)
        ws.append(columns)
        for position, row in enumerate(sheets.get(form, []), start=1):
            full = {**KEYS, "SITEID": site, "RECPOS": position, "LBNAM": f"Site {site} lab", **row}
            ws.append([full.get(c) for c in columns])
    ws = book.create_sheet("Ranges")
    columns = list(MAPPING.form(RANGES).columns)
    ws.append(columns)
    for row in ranges if ranges is not None else RANGE_ROWS:
        ws.append([{"SITEID": site, "LBNAM": f"Site {site} lab", **row}.get(c) for c in columns])
    folder = raw / f"site_{site}"
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / "local_labs.xlsx")


DM = [{"USUBJID": "ALTER-E-003-02-001", "SEX": "M", "RFSTDTC": "2022-03-10", "RFXSTDTC": "2022-03-10"},
      {"USUBJID": "ALTER-E-003-02-002", "SEX": "F", "RFSTDTC": "2022-04-01", "RFXSTDTC": "2022-04-01"}]
SE = [{"USUBJID": "ALTER-E-003-02-001", "SESTDTC": "2022-03-01", "SEENDTC": "2022-03-10", "EPOCH": "SCREENING"},
      {"USUBJID": "ALTER-E-003-02-001", "SESTDTC": "2022-03-10", "SEENDTC": None, "EPOCH": "TREATMENT"}]
C1 = {"VISIT": "C01D01", "VISITNAME": "Cycle 1 Day 1"}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_labs(folder, "02", {
        "lab_haematology": [
            {"SUBJID": "001", "LBDAT": "2022-03-05", "HGB": "12.1", "WBC": "5.2"},
            {"SUBJID": "001", **C1, "LBDAT": "2022-03-10", "HGB": "13.5", "WBC": "11"},
            {"SUBJID": "002", "LBDAT": "2022-03-25", "HGB": "12.1"},
        ],
        "lab_chemistry": [{"SUBJID": "001", "LBDAT": "2022-03-05", "TBIL": "0.94", "ALT": "22"}],
        "lab_urinalysis": [
            {"SUBJID": "001", "LBDAT": "2022-03-05", "UPRO": "-"},
            {"SUBJID": "001", **C1, "LBDAT": "2022-03-10", "UPRO": "+"},
        ],
        "lab_thyroid": [{"SUBJID": "001", "LBDAT": "2022-03-05", "TSH": "2.5"}],
    })
    return folder


def _record(result: DomainResult, usubjid: str, testcd: str, dtc: str) -> dict:
    data = result.data
    hit = data[(data["USUBJID"] == usubjid) & (data["LBTESTCD"] == testcd) & (data["LBDTC"] == dtc)]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


def test_wide_to_long_one_record_per_analyte_result(raw):
    result = map_lb(make_ctx(raw, DM, SE))
    counts = result.data.groupby("LBTESTCD").size().to_dict()
    assert counts == {"HGB": 3, "WBC": 2, "BILI": 1, "ALT": 1, "PROT": 2, "TSH": 1}
    assert set(result.data["SOURCE_FILE"]) >= {"site_02/local_labs.xlsx[Haematology]", "site_02/local_labs.xlsx[Urinalysis]"}


def test_conversion_to_standard_units_with_converted_range(raw):
    result = map_lb(make_ctx(raw, DM, SE))
    hgb = _record(result, "ALTER-E-003-02-001", "HGB", "2022-03-05")
    assert (hgb["LBORRES"], hgb["LBORRESU"], hgb["LBORNRLO"], hgb["LBORNRHI"]) == ("12.1", "g/dL", "13", "17.5")
    assert (hgb["LBSTRESN"], hgb["LBSTRESC"], hgb["LBSTRESU"], hgb["LBSTNRLO"], hgb["LBSTNRHI"]) == (121.0, "121", "g/L", 130.0, 175.0)
    assert (hgb["LBNRIND"], hgb["LBCAT"], hgb["LBSPEC"], hgb["LBTEST"]) == ("LOW", "HEMATOLOGY", "BLOOD", "Hemoglobin")
    bili = _record(result, "ALTER-E-003-02-001", "BILI", "2022-03-05")
    assert (bili["LBSTRESN"], bili["LBSTRESC"], bili["LBSTRESU"], bili["LBNRIND"]) == (16.074, "16.074", "umol/L", "NORMAL")


def test_cdisc_unit_synonyms_are_the_same_unit(raw):
    result = map_lb(make_ctx(raw, DM, SE))
    wbc = _record(result, "ALTER-E-003-02-001", "WBC", "2022-03-10")
    assert (wbc["LBORRESU"], wbc["LBSTRESN"], wbc["LBSTRESU"], wbc["LBNRIND"]) == ("10^9/L", 11.0, "10^9/L", "HIGH")
    tsh = _record(result, "ALTER-E-003-02-001", "TSH", "2022-03-05")
    assert (tsh["LBORRESU"], tsh["LBSTRESN"], tsh["LBSTRESU"]) == ("mIU/L", 2.5, "mIU/L")


def test_sex_specific_range_from_dm(raw):
    result = map_lb(make_ctx(raw, DM, SE))
    female = _record(result, "ALTER-E-003-02-002", "HGB", "2022-03-25")
    assert (female["LBORNRLO"], female["LBORNRHI"], female["LBNRIND"]) == ("11.5", "15", "NORMAL")


def test_dipstick_grades_through_value_map_and_ordinal_range(raw):
    result = map_lb(make_ctx(raw, DM, SE))
    negative = _record(result, "ALTER-E-003-02-001", "PROT", "2022-03-05")
    positive = _record(result, "ALTER-E-003-02-001", "PROT", "2022-03-10")
    assert (negative["LBORRES"], negative["LBSTRESC"], negative["LBSTNRC"], negative["LBNRIND"]) == ("-", "NEGATIVE", "NEGATIVE", "NORMAL")
    assert (positive["LBORRES"], positive["LBSTRESC"], positive["LBNRIND"], positive["LBSPEC"]) == ("+", "1+", "ABNORMAL", "URINE")
    assert pd.isna(positive["LBSTRESN"]) and pd.isna(positive["LBORRESU"]) and pd.isna(positive["LBSTRESU"])


def test_unit_without_conversion_is_unit001_and_standard_result_empty(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_lb(ctx)
    alt = _record(result, "ALTER-E-003-02-001", "ALT", "2022-03-05")
    assert alt["LBORRESU"] == "mmol/L" and pd.isna(alt["LBSTRESN"]) and alt["LBSTRESC"] is None
    assert issues(ctx, "UNIT001") == [("site_02/local_labs.xlsx[Ranges]", 8, "UNIT", "mmol/L")]


def test_missing_range_is_rng002_and_result_kept(raw):
    # the Ranges sheet has TSH for men only: the woman's TSH has no unit, range or standard result
    write_labs(raw, "02", {"lab_thyroid": [{"SUBJID": "002", "LBDAT": "2022-03-25", "TSH": "1.1"}]})
    ctx = make_ctx(raw, DM, SE)
    result = map_lb(ctx)
    tsh = _record(result, "ALTER-E-003-02-002", "TSH", "2022-03-25")
    assert tsh["LBORRES"] == "1.1" and pd.isna(tsh["LBORRESU"]) and pd.isna(tsh["LBSTRESN"]) and pd.isna(tsh["LBNRIND"])
    assert [i[2:] for i in issues(ctx, "RNG002")] == [("ANALYTE", "TSH")]


def test_last_observation_before_exposure(raw):
    result = map_lb(make_ctx(raw, DM, SE))
    flags = result.data.set_index(["USUBJID", "LBTESTCD", "LBDTC"])["LBLOBXFL"]
    assert flags[("ALTER-E-003-02-001", "HGB", "2022-03-10")] == "Y"  # same day as first dose counts as pre-dose
    assert flags[("ALTER-E-003-02-001", "HGB", "2022-03-05")] is None
    assert flags[("ALTER-E-003-02-002", "HGB", "2022-03-25")] == "Y"


def test_visit_epoch_and_study_day(raw):
    result = map_lb(make_ctx(raw, DM, SE))
    row = _record(result, "ALTER-E-003-02-001", "HGB", "2022-03-10")
    assert (row["VISIT"], row["VISITNUM"], row["EPOCH"], row["LBDY"]) == ("Cycle 1 Day 1", 101.0, "TREATMENT", 1)
    screening = _record(result, "ALTER-E-003-02-001", "HGB", "2022-03-05")
    assert (screening["VISITNUM"], screening["EPOCH"], screening["LBDY"]) == (1.0, "SCREENING", -5)


def test_ranges_rows_are_reference_data_used_or_excluded(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_lb(ctx)
    used_rows = sorted(result.used["SOURCE_ROW"].tolist())
    assert used_rows == [2, 3, 4, 6, 8, 9, 11]
    excluded = result.excluded[result.excluded["SOURCE_FILE"].str.endswith("[Ranges]")]
    assert sorted(excluded["SOURCE_ROW"]) == [5, 7, 10]
    assert unaccounted(ctx, [result], list(FORMS) + [RANGES]) == set()


def test_bad_input_unknown_subject_date_duplicate_cutoff(tmp_path):
    raw = tmp_path / "raw"
    write_labs(raw, "02", {"lab_haematology": [
        {"SUBJID": "001", "LBDAT": "2022-03-05", "HGB": "12.1", "RECPOS": 1},
        {"SUBJID": "001", "LBDAT": "2022-03-05", "HGB": "12.1", "RECPOS": 1},  # exact duplicate
        {"SUBJID": "099", "LBDAT": "2022-03-05", "HGB": "12.1"},          # not in DM
        {"SUBJID": "001", "LBDAT": "2022-02-30", "HGB": "12.0"},          # impossible date
        {"SUBJID": "001", "LBDAT": "2025-01-10", "HGB": "12.2"},          # after the cut-off
        {"SUBJID": "001", "LBDAT": "2022-03-06"},                         # no result
    ]})
    ctx = make_ctx(raw, DM, SE)
    result = map_lb(ctx)
    sheet = "site_02/local_labs.xlsx[Haematology]"
    assert issues(ctx, "DUP001") == [(sheet, 3, None, None)]
    assert issues(ctx, "SUBJ001") == [(sheet, 4, "SUBJID", "02-099")]
    assert issues(ctx, "DATE001") == [(sheet, 5, "LBDAT", "2022-02-30")]
    assert sorted(result.rejected["SOURCE_ROW"]) == [3, 4]
    reasons = result.excluded[result.excluded["SOURCE_FILE"] == sheet].set_index("SOURCE_ROW")["REASON"]
    assert reasons.to_dict() == {6: "after data cut-off 2024-12-31", 7: "no laboratory result recorded on the row"}
    assert sorted(result.data["SOURCE_ROW"]) == [2, 5]
    assert result.data.set_index("SOURCE_ROW").loc[5, "LBDTC"] is None
    assert unaccounted(ctx, [result], list(FORMS) + [RANGES]) == set()


def test_missing_column_and_sheet_are_reported_and_rows_rejected(tmp_path):
    raw = tmp_path / "raw"
    write_labs(raw, "02", {"lab_haematology": [{"SUBJID": "001", "LBDAT": "2022-03-05", "HGB": "12.1"}]}, skip=("Thyroid",))
    book = openpyxl.load_workbook(raw / "site_02" / "local_labs.xlsx")
    book["Haematology"].delete_cols(list(MAPPING.form("lab_haematology").columns).index("WBC") + 1)
    book.save(raw / "site_02" / "local_labs.xlsx")
    ctx = make_ctx(raw, DM, SE)
    result = map_lb(ctx)
    assert [i[2] for i in issues(ctx, "RAW002")] == ["WBC"]
    assert [i[3] for i in issues(ctx, "RAW004")] == ["Thyroid"]
    assert not (result.data["SOURCE_FILE"] == "site_02/local_labs.xlsx[Haematology]").any()
    assert unaccounted(ctx, [result], list(FORMS) + [RANGES]) == set()


def test_unknown_dipstick_grade_is_map001(tmp_path):
    raw = tmp_path / "raw"
    write_labs(raw, "02", {"lab_urinalysis": [{"SUBJID": "001", "LBDAT": "2022-03-05", "UPRO": "moderate"}]})
    ctx = make_ctx(raw, DM, SE)
    result = map_lb(ctx)
    assert issues(ctx, "MAP001") == [("site_02/local_labs.xlsx[Urinalysis]", 2, "LBORRES", "moderate")]
    assert result.data["LBNRIND"].tolist() == [None]


@pytest.mark.slow
def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    result = map_lb(ctx)
    assert conformance_errors(result).empty
    assert unaccounted(ctx, [result], list(FORMS) + [RANGES]) == set()
    assert {i.check for i in ctx.issues.issues if i.severity == "ERROR"} == set()


def test_long_results_are_melt_without_empty_cells():
    from sdtm.lb import create_long_results

    wide = pd.DataFrame({"ID": [1, 2, 3], "DY": pd.array([5, None, 7], dtype="Int64"), "HGB": ["130", None, None],
                         "WBC": [None, None, "4.1"]})
    long, empty = create_long_results(wide, id_vars=["ID", "DY"], value_vars=["HGB", "WBC"], var_name="ANALYTE",
                                      value_name="LBORRES")
    melted = wide.melt(id_vars=["ID", "DY"], value_vars=["HGB", "WBC"], var_name="ANALYTE", value_name="LBORRES")
    pd.testing.assert_frame_equal(long, melted[melted["LBORRES"].notna()].reset_index(drop=True))
    assert empty.tolist() == [False, True, False]
