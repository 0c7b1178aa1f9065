"""SS: survival follow-up contacts to SS (survival status), hand-made rows and the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pytest
import sdtm_support
from sdtm_support import issues, unaccounted

from sdtm.context import MappingContext
from sdtm.dm import map_dm
from sdtm.mapping import load_mapping
from sdtm.se import map_se
from sdtm.ss import FORM, map_ss
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


DM = [{"USUBJID": "ALTER-E-003-01-001", "SEX": "M", "RFSTDTC": "2022-03-10", "RFXSTDTC": "2022-03-10"}]
SE = [{"USUBJID": "ALTER-E-003-01-001", "SESTDTC": "2022-03-10", "SEENDTC": "2022-09-01", "EPOCH": "TREATMENT"},
      {"USUBJID": "ALTER-E-003-01-001", "SESTDTC": "2022-09-01", "SEENDTC": "2023-06-01", "EPOCH": "FOLLOW-UP"}]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    fu = {"VISIT": "FU01", "VISITNAME": "Survival Follow-up 1"}
    write_form(folder, "01", FORM, [
        {"SUBJID": "001", **fu, "SFDAT": "2022-10-01", "SFMETHOD": "Telephone", "SFSTAT": "Alive"},
        {"SUBJID": "001", "VISIT": "FU02", "VISITNAME": "Survival Follow-up 2", "SFDAT": "2023-01-05", "SFMETHOD": "Telephone",
         "SFSTAT": "Lost to follow-up"},
        {"SUBJID": "001", "VISIT": "FU03", "VISITNAME": "Survival Follow-up 3", "SFDAT": "2025-01-20", "SFSTAT": "Dead", "DTHDAT": "2025-01-10"},
        {"SUBJID": "001", "VISIT": "FU04", "VISITNAME": "Survival Follow-up 4", "SFDAT": "2023-02-01", "SFSTAT": "Missing in action"},
        {"SUBJID": "002", **fu, "SFDAT": "2022-10-01", "SFSTAT": "Alive"},
    ])
    return folder


def test_one_status_record_per_contact(raw):
    result = map_ss(make_ctx(raw, DM, SE))
    first = result.data.iloc[0]
    assert (first["SSTESTCD"], first["SSTEST"], first["SSORRES"], first["SSSTRESC"]) == ("SURVSTAT", "Survival Status", "Alive", "ALIVE")
    assert (first["SSDTC"], first["SSDY"], first["VISITNUM"], first["VISIT"], first["EPOCH"]) == (
        "2022-10-01", 206, 901.0, "Survival Follow-up 1", "FOLLOW-UP")


def test_lost_to_follow_up_is_unknown_and_unmapped_status_is_map001(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_ss(ctx)
    assert result.data.set_index("SSDTC")["SSSTRESC"].to_dict() == {"2022-10-01": "ALIVE", "2023-01-05": "UNKNOWN",
                                                                    "2023-02-01": "MISSING IN ACTION"}
    assert issues(ctx, "MAP001") == [("site_01/survival_followup.csv", 5, "SFSTAT", "Missing in action")]


def test_accounting_cutoff_and_unknown_subject(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_ss(ctx)
    assert result.excluded["SOURCE_ROW"].tolist() == [4] and result.rejected["SOURCE_ROW"].tolist() == [6]
    assert unaccounted(ctx, [result], [FORM]) == set()


def test_missing_column_rejects_the_file(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "01", FORM, [{"SUBJID": "001", "SFDAT": "2022-10-01"}], drop=("SFSTAT",))
    ctx = make_ctx(raw, DM, SE)
    result = map_ss(ctx)
    assert result.data.empty and [i[2] for i in issues(ctx, "RAW002")] == ["SFSTAT"]
    assert unaccounted(ctx, [result], [FORM]) == set()


def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    result = map_ss(ctx)
    assert conformance_errors(result).empty
    assert unaccounted(ctx, [result], [FORM]) == set()
