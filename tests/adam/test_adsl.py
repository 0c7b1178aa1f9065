"""ADSL derivations on hand-made SDTM frames: treatment dates, populations, end of study, death."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from adam.adsl import (
    DeathCauseSource,
    derive_var_dthcaus,
    derive_vars_death,
    derive_vars_end_of_study,
    derive_vars_populations,
    derive_vars_treatment_dates,
)

T = pd.Timestamp


def _subjects(*ids: str, **columns) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": list(ids), **columns})


# --- TRTSDT / TRTEDT ---------------------------------------------------------------------------------

def _ex(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["USUBJID", "EXTRT", "EXDOSE", "EXSTDTC", "EXENDTC"])


def test_treatment_dates_first_and_last_valid_dose():
    ex = _ex([("A", "DRUG", 10, "2022-01-03", "2022-01-23"), ("A", "DRUG", 10, "2022-01-24", None),
              ("B", "Placebo patch", 0, "2022-02-01", "2022-02-10"),   # placebo at dose 0 counts
              ("C", "DRUG", 0, "2022-03-01", "2022-03-05"),            # active drug at dose 0 does not
              ("D", "DRUG", 10, "2022-04", "2022-04-20")])             # partial start: no TRTSDT from it
    out = derive_vars_treatment_dates(_subjects("A", "B", "C", "D"), ex, cutoff=None)
    assert out["TRTSDT"].tolist()[:2] == [T("2022-01-03"), T("2022-02-01")]
    # an open record ends on its start day (EXENDTC missing -> EXSTDTC)
    assert out["TRTEDT"].tolist()[:2] == [T("2022-01-24"), T("2022-02-10")]
    assert out["TRTDURD"].tolist()[:2] == [22, 10]
    assert out.loc[2, ["TRTSDT", "TRTEDT"]].isna().all()
    assert pd.isna(out.loc[3, "TRTSDT"]) and out.loc[3, "TRTEDT"] == T("2022-04-20") and pd.isna(out.loc[3, "TRTDURD"])


def test_treatment_end_is_capped_at_the_cutoff():
    ex = _ex([("A", "DRUG", 10, "2022-01-03", "2022-03-31")])
    out = derive_vars_treatment_dates(_subjects("A"), ex, cutoff=dt.date(2022, 2, 28))
    assert out.loc[0, "TRTEDT"] == T("2022-02-28") and out.loc[0, "TRTDURD"] == 57


# --- populations -------------------------------------------------------------------------------------

def test_populations_sdtmig_34_and_older_screen_failure_conventions():
    adsl = _subjects("A", "B", "C", "D", ARMNRS=[None, "SCREEN FAILURE", None, None],
                     TRTSDT=[T("2022-01-03"), pd.NaT, pd.NaT, T("2022-01-05")])
    dm = _subjects("A", "B", "C", "D", ARMCD=["ARM1", None, "Scrnfail", "ARM1"])
    tu = pd.DataFrame({"USUBJID": ["A", "D"], "TUSTRESC": ["TARGET", "TARGET"], "TUEVAL": ["INVESTIGATOR"] * 2,
                       "TUDTC": ["2022-01-01", "2022-01-20"]})   # D's only target lesion is after first dose
    gf = pd.DataFrame({"USUBJID": ["A", "D"], "GFSTAT": [None, "NOT DONE"]})
    out = derive_vars_populations(adsl, dm, tu, gf)
    assert out["ENRLFL"].tolist() == ["Y", "N", "N", "Y"]
    assert out["SAFFL"].tolist() == ["Y", "N", "N", "Y"]
    assert out["FASFL"].tolist() == ["Y", "N", "N", "Y"]
    assert out["EFFFL"].tolist() == ["Y", "N", "N", "N"]
    assert out["BMEVLFL"].tolist() == ["Y", "N", "N", "N"]
    without = derive_vars_populations(adsl.drop(columns="ARMNRS"), dm)
    assert without["ENRLFL"].tolist() == ["Y", "N", "N", "Y"] and without["EFFFL"].eq("N").all()


# --- end of study ------------------------------------------------------------------------------------

def _ds(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["USUBJID", "DSSEQ", "DSCAT", "DSSCAT", "DSDECOD", "DSSTDTC"])
    return frame


def test_end_of_study_by_subcategory_and_cutoff():
    ds = _ds([("A", 1, "DISPOSITION EVENT", "TREATMENT", "ADVERSE EVENT", "2022-02-01"),
              ("A", 2, "DISPOSITION EVENT", "STUDY PARTICIPATION", "DEATH", "2022-05-01"),
              ("B", 1, "DISPOSITION EVENT", "STUDY PARTICIPATION", "COMPLETED", "2022-04-01"),
              ("C", 1, "DISPOSITION EVENT", "STUDY PARTICIPATION", "WITHDRAWAL BY SUBJECT", "2022-07-01"),
              ("D", 1, "PROTOCOL MILESTONE", "STUDY PARTICIPATION", "INFORMED CONSENT OBTAINED", "2022-01-01")])
    out = derive_vars_end_of_study(_subjects("A", "B", "C", "D"), ds, cutoff=dt.date(2022, 6, 30))
    assert out["EOSSTT"].tolist() == ["DISCONTINUED", "COMPLETED", "ONGOING", "ONGOING"]
    assert out.loc[0, "DCSREAS"] == "DEATH" and out.loc[1:, "DCSREAS"].isna().all()
    assert out["EOSDT"].tolist()[:2] == [T("2022-05-01"), T("2022-04-01")]
    # without a subcategory every disposition event counts; the latest decides
    anyscat = derive_vars_end_of_study(_subjects("A"), ds.drop(columns="DSSCAT").iloc[:2], cutoff=None, scat=None)
    assert anyscat.loc[0, "DCSREAS"] == "DEATH"


# --- death -------------------------------------------------------------------------------------------

def test_death_date_partial_imputed_not_before_last_contact_and_cut_off_applied():
    adsl = _subjects("A", "B", "C", "D", _LASTCONT=[T("2022-03-20"), T("2022-03-01"), T("2022-01-01"), T("2022-01-01")])
    dm = _subjects("A", "B", "C", "D", DTHDTC=["2022-03", "2022-03", "2022-09-01", None])
    out = derive_vars_death(adsl, dm, cutoff=dt.date(2022, 6, 30))
    assert out["DTHDT"].tolist()[:2] == [T("2022-03-20"), T("2022-03-01")]
    assert out["DTHDTF"].tolist()[:2] == ["D", "D"]
    assert out.loc[2:, "DTHDT"].isna().all()   # after the cut-off; alive


@pytest.fixture
def death_sdtm() -> dict[str, pd.DataFrame]:
    dd = pd.DataFrame({"USUBJID": ["A"], "DDTESTCD": ["PRCDTH"], "DDSTRESC": ["Disease progression"], "DDDTC": ["2022-03-02"]})
    ae = pd.DataFrame({"USUBJID": ["A", "B", "B"], "AEOUT": ["FATAL", "FATAL", "FATAL"],
                       "AEDECOD": ["Pneumonia", "Sepsis", "Pneumonia"], "AESTDTC": ["2022-03-01", "2022-05-03", "2022-05-01"]})
    ds = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"], "DSDECOD": ["DEATH"] * 4, "DSTERM": ["Death"] * 4,
                       "DSSTDTC": ["2022-03-02", "2022-05-04", "2022-06-01", "2022-06-01"]})
    return {"DD": dd, "AE": ae, "DS": ds}


SOURCES = [DeathCauseSource("DD", "DDTESTCD", "PRCDTH", "DDSTRESC", "DDDTC"),
           DeathCauseSource("AE", "AEOUT", "FATAL", "AEDECOD", "AESTDTC"),
           DeathCauseSource("DS", "DSDECOD", "DEATH", "DSTERM", "DSSTDTC")]


def test_cause_of_death_from_the_first_source_in_priority_order(death_sdtm):
    adsl = _subjects("A", "B", "C", "D", DTHDT=[T("2022-03-02"), T("2022-05-04"), T("2022-06-01"), pd.NaT])
    out = derive_var_dthcaus(adsl, death_sdtm, SOURCES)
    # A: DD outranks the fatal AE; B: earliest fatal AE; C: only DS; D: alive, no cause
    assert out["DTHCAUS"].tolist()[:3] == ["Disease progression", "Pneumonia", "Death"] and pd.isna(out.loc[3, "DTHCAUS"])


def test_cause_of_death_skips_absent_domains(death_sdtm):
    adsl = _subjects("A", DTHDT=[T("2022-03-02")])
    out = derive_var_dthcaus(adsl, {"AE": death_sdtm["AE"]}, SOURCES)
    assert out["DTHCAUS"].tolist() == ["Pneumonia"]
    assert derive_var_dthcaus(adsl, {}, SOURCES)["DTHCAUS"].isna().all()
