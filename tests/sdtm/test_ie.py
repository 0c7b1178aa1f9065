"""IE: eligibility criteria not met to IE (criteria met are excluded by design), hand-made rows and the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pytest
import sdtm_support
from sdtm_support import issues, unaccounted

from sdtm.context import MappingContext
from sdtm.dm import map_dm
from sdtm.ie import FORM, VISIT_FORM, map_ie
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


DM = [{"USUBJID": "ALTER-E-003-05-001", "SEX": "M", "RFSTDTC": None, "RFXSTDTC": None},
      {"USUBJID": "ALTER-E-003-05-002", "SEX": "F", "RFSTDTC": "2022-06-01", "RFXSTDTC": "2022-06-01"}]
SE = [{"USUBJID": "ALTER-E-003-05-001", "SESTDTC": "2022-05-20", "SEENDTC": "2022-05-25", "EPOCH": "SCREENING"}]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "05", FORM, [
        {"SUBJID": "001", "IETESTCD": "IN01", "IECAT": "INCLUSION", "IETEST": "Age 18-75 years", "IEORRES": "y"},
        {"SUBJID": "001", "IETESTCD": "IN05", "IECAT": "INCLUSION", "IETEST": "ECOG performance status 0 or 1", "IEORRES": "n"},
        {"SUBJID": "001", "IETESTCD": "EX03", "IECAT": "EXCLUSION", "IETEST": "Uncontrolled hypertension", "IEORRES": "Yes"},
        {"SUBJID": "001", "IETESTCD": "EX04", "IECAT": "EXCLUSION", "IETEST": "Active autoimmune disease", "IEORRES": "No"},
        {"SUBJID": "002", "IETESTCD": "IN01", "IECAT": "INCLUSION", "IETEST": "Age 18-75 years", "IEORRES": ""},
        {"SUBJID": "003", "IETESTCD": "IN01", "IECAT": "INCLUSION", "IETEST": "Age 18-75 years", "IEORRES": "N"},
    ])
    write_form(folder, "05", VISIT_FORM, [{"SUBJID": "001", "VISDAT": "2022-05-22"}, {"SUBJID": "002", "VISDAT": "2022-05-28"}])
    return folder


def test_only_criteria_not_met(raw):
    result = map_ie(make_ctx(raw, DM, SE))
    data = result.data
    assert data[["IETESTCD", "IECAT", "IEORRES", "IESTRESC"]].values.tolist() == [
        ["IN05", "INCLUSION", "N", "N"], ["EX03", "EXCLUSION", "Y", "Y"]]
    assert data["IESEQ"].tolist() == [2, 1]  # numbered by IETESTCD (the spec's key)
    assert data["IETEST"].tolist() == ["ECOG performance status 0 or 1", "Uncontrolled hypertension"]


def test_criteria_met_are_excluded_with_the_reason(raw):
    result = map_ie(make_ctx(raw, DM, SE))
    met = result.excluded.set_index("SOURCE_ROW")["REASON"]
    assert sorted(met.index) == [2, 5] and met[2].startswith("criterion met")


def test_date_from_the_screening_visit_which_is_listed_as_used(raw):
    result = map_ie(make_ctx(raw, DM, SE))
    assert set(result.data["IEDTC"]) == {"2022-05-22"}
    assert result.data["IEDY"].isna().all()  # screen failure: no RFSTDTC
    assert set(result.data["EPOCH"]) == {"SCREENING"} and set(result.data["VISITNUM"]) == {1.0}
    assert result.used[["SOURCE_FILE", "SOURCE_ROW"]].values.tolist() == [["site_05/visit_dates.csv", 2]]


def test_unanswered_criterion_ie001_and_unknown_subject(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_ie(ctx)
    assert issues(ctx, "IE001") == [("site_05/eligibility.csv", 6, "IEORRES", None)]
    assert issues(ctx, "SUBJ001") == [("site_05/eligibility.csv", 7, "SUBJID", "05-003")]
    assert sorted(result.rejected["SOURCE_ROW"]) == [6, 7]
    assert unaccounted(ctx, [result], [FORM]) == set()


def test_unknown_answer_is_map001_and_rejected(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "05", FORM, [{"SUBJID": "001", "IETESTCD": "IN01", "IECAT": "INCLUSION", "IETEST": "Age", "IEORRES": "maybe"}])
    write_form(raw, "05", VISIT_FORM, [])
    ctx = make_ctx(raw, DM, SE)
    result = map_ie(ctx)
    assert [i[1:] for i in issues(ctx, "MAP001")] == [(2, "IEORRES", "maybe")] and result.data.empty
    assert unaccounted(ctx, [result], [FORM]) == set()


def test_missing_visit_date_is_ie003(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "05", FORM, [{"SUBJID": "001", "IETESTCD": "IN01", "IECAT": "INCLUSION", "IETEST": "Age", "IEORRES": "N"}])
    write_form(raw, "05", VISIT_FORM, [])
    ctx = make_ctx(raw, DM, SE)
    result = map_ie(ctx)
    assert result.data["IEDTC"].tolist() == [None] and [i[2:] for i in issues(ctx, "IE003")] == [("VISIT", "SCR")]


def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    result = map_ie(ctx)
    assert conformance_errors(result).empty
    assert unaccounted(ctx, [result], [FORM]) == set()
    assert len(result.data) == 7 and result.data["USUBJID"].isin(ctx.domain("DM").query("ARMNRS == 'SCREEN FAILURE'")["USUBJID"]).all()
