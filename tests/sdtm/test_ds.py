"""DS: consent, end of treatment per drug, end of study and deaths to DS; hand-made rows and the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import sdtm_support
from sdtm_support import issues, unaccounted

from sdtm.context import DomainResult, MappingContext
from sdtm.dm import map_dm
from sdtm.ds import map_ds
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


FORMS = ["informed_consent", "end_of_treatment", "end_of_study"]
DM = [{"USUBJID": "ALTER-E-003-01-001", "SEX": "M", "RFSTDTC": "2022-03-10", "RFXSTDTC": "2022-03-10"},
      {"USUBJID": "ALTER-E-003-01-002", "SEX": "F", "RFSTDTC": None, "RFXSTDTC": None},
      {"USUBJID": "ALTER-E-003-01-003", "SEX": "F", "RFSTDTC": "2022-04-01", "RFXSTDTC": "2022-04-01"}]
SE = [{"USUBJID": "ALTER-E-003-01-001", "SESTDTC": "2022-03-01", "SEENDTC": "2022-03-10", "EPOCH": "SCREENING"},
      {"USUBJID": "ALTER-E-003-01-001", "SESTDTC": "2022-03-10", "SEENDTC": "2022-06-14", "EPOCH": "TREATMENT"},
      {"USUBJID": "ALTER-E-003-01-001", "SESTDTC": "2022-06-14", "SEENDTC": "2022-09-20", "EPOCH": "FOLLOW-UP"},
      {"USUBJID": "ALTER-E-003-01-002", "SESTDTC": "2022-03-05", "SEENDTC": "2022-03-09", "EPOCH": "SCREENING"}]
EOT = {"VISIT": "EOT", "VISITNAME": "End of Treatment"}
EOS = {"VISIT": "EOS", "VISITNAME": "End of Study"}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "01", "informed_consent", [
        {"SUBJID": "001", "DSSTDAT": "2022-03-01", "ICVERS": "V2.0", "ICYN": "Y"},
        {"SUBJID": "002", "DSSTDAT": "2022-03-05", "ICVERS": "V2.0", "ICYN": "Yes"},
        {"SUBJID": "003", "DSSTDAT": "2022-03-20", "ICVERS": "V2.0", "ICYN": "N"},
    ])
    write_form(folder, "01", "end_of_treatment", [
        {"SUBJID": "001", **EOT, "EOTDRUG": "ANLOTINIB", "EOTDAT": "2022-06-13", "EOTREAS": "Progressive disease"},
        {"SUBJID": "001", **EOT, "EOTDRUG": "BENMELSTOBART", "EOTDAT": "2022-06-13", "EOTREAS": "Completed 24 months of treatment"},
        {"SUBJID": "003", **EOT, "EOTDRUG": "ANLOTINIB", "EOTDAT": "2025-01-05", "EOTREAS": "Adverse event"},
    ])
    write_form(folder, "01", "end_of_study", [
        {"SUBJID": "001", **EOS, "EOSDAT": "2022-09-20", "EOSREAS": "Death"},
        {"SUBJID": "002", **EOS, "EOSDAT": "2022-03-09", "EOSREAS": "Screen failure"},
    ])
    write_form(folder, "01", "survival_followup", [
        {"SUBJID": "001", "VISIT": "FU01", "SFDAT": "2022-09-25", "SFSTAT": "Dead", "DTHDAT": "2022-09-18"},
        {"SUBJID": "003", "VISIT": "FU01", "SFDAT": "2022-12-01", "SFSTAT": "Dead", "DTHDAT": "2022-11-30"},
    ])
    return folder


def _by(result: DomainResult, usubjid: str) -> list[list]:
    data = result.data[result.data["USUBJID"] == usubjid].sort_values("DSSEQ")
    return data[["DSCAT", "DSSCAT", "DSTERM", "DSDECOD", "DSSTDTC", "EPOCH"]].values.tolist()


def test_consent_treatment_per_drug_and_study_disposition(raw):
    result = map_ds(make_ctx(raw, DM, SE))
    assert _by(result, "ALTER-E-003-01-001") == [
        ["PROTOCOL MILESTONE", None, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", "2022-03-01", "SCREENING"],
        ["DISPOSITION EVENT", "ANLOTINIB", "Progressive disease", "PROGRESSIVE DISEASE", "2022-06-13", "TREATMENT"],
        ["DISPOSITION EVENT", "BENMELSTOBART", "Completed 24 months of treatment", "COMPLETED", "2022-06-13", "TREATMENT"],
        ["DISPOSITION EVENT", "STUDY PARTICIPATION", "Death", "DEATH", "2022-09-20", "FOLLOW-UP"],
    ]


def test_screen_failure_ends_the_screening_epoch(raw):
    result = map_ds(make_ctx(raw, DM, SE))
    assert _by(result, "ALTER-E-003-01-002")[1] == ["DISPOSITION EVENT", "STUDY PARTICIPATION", "Screen failure", "SCREEN FAILURE",
                                                    "2022-03-09", "SCREENING"]
    assert result.data.loc[result.data["USUBJID"] == "ALTER-E-003-01-002", "DSSTDY"].isna().all()


def test_epoch_of_a_disposition_event_is_the_epoch_it_ends():
    data = pd.DataFrame({"USUBJID": ["A", "A"], "DSCAT": ["DISPOSITION EVENT", "PROTOCOL MILESTONE"],
                         "DSSTDTC": ["2022-06-14", "2022-06-14"]})
    se = pd.DataFrame(SE[:3]).assign(USUBJID="A")
    from sdtm.ds import derive_var_epoch_ended
    assert derive_var_epoch_ended(data, se)["EPOCH"].tolist() == ["TREATMENT", "FOLLOW-UP"]


def test_death_on_follow_up_without_end_of_study_death_is_added(raw):
    result = map_ds(make_ctx(raw, DM, SE))
    death = result.data[(result.data["USUBJID"] == "ALTER-E-003-01-003") & (result.data["DSDECOD"] == "DEATH")]
    assert death[["DSSCAT", "DSTERM", "DSSTDTC", "SOURCE_FILE"]].values.tolist() == [
        ["STUDY PARTICIPATION", "DEATH", "2022-11-30", "site_01/survival_followup.csv"]]


def test_end_of_study_death_dated_differently_is_ds001(raw):
    ctx = make_ctx(raw, DM, SE)
    map_ds(ctx)
    assert issues(ctx, "DS001") == [("site_01/end_of_study.csv", 2, "EOSDAT", "2022-09-20")]


def test_consent_not_obtained_and_after_cutoff_are_excluded(raw):
    ctx = make_ctx(raw, DM, SE)
    result = map_ds(ctx)
    reasons = result.excluded.set_index(["SOURCE_FILE", "SOURCE_ROW"])["REASON"].to_dict()
    assert reasons == {("site_01/informed_consent.csv", 4): "informed consent not obtained (ICYN not Y)",
                       ("site_01/end_of_treatment.csv", 4): "after data cut-off 2024-12-31"}
    assert [i[1:3] for i in issues(ctx, "DS002")] == [(4, "ICYN")]
    assert unaccounted(ctx, [result], FORMS) == set()


def test_unknown_reason_unknown_subject_and_bad_date(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "01", "informed_consent", [])
    write_form(raw, "01", "end_of_treatment", [
        {"SUBJID": "001", **EOT, "EOTDRUG": "ANLOTINIB", "EOTDAT": "2022-13-01", "EOTREAS": "Sponsor decision"},
        {"SUBJID": "009", **EOT, "EOTDRUG": "ANLOTINIB", "EOTDAT": "2022-06-01", "EOTREAS": "Progressive disease"},
    ])
    write_form(raw, "01", "end_of_study", [])
    write_form(raw, "01", "survival_followup", [])
    ctx = make_ctx(raw, DM, SE)
    result = map_ds(ctx)
    assert [i[1:] for i in issues(ctx, "MAP001")] == [(2, "EOTREAS", "Sponsor decision")]
    assert [i[1:] for i in issues(ctx, "DATE001")] == [(2, "EOTDAT", "2022-13-01")]
    assert [i[1:] for i in issues(ctx, "SUBJ001")] == [(3, "SUBJID", "01-009")]
    assert result.data["DSSTDTC"].tolist() == [None]
    assert unaccounted(ctx, [result], FORMS) == set()


def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    result = map_ds(ctx)
    assert conformance_errors(result).empty
    assert unaccounted(ctx, [result], FORMS) == set()
    consent = result.data[result.data["DSDECOD"] == "INFORMED CONSENT OBTAINED"]
    assert consent["USUBJID"].nunique() == len(ctx.domain("DM"))
