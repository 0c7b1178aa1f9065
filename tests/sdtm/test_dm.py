"""DM, SE and the trial-design domains on hand-made raw rows (the real mapping spec)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sdtm.context import MappingContext
from sdtm.dm import map_dm
from sdtm.mapping import load_mapping
from sdtm.se import map_se
from sdtm.trial_design import map_ta, map_te, map_ti, map_ts, map_tv, planned_visitnum
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))


def write_form(raw: Path, site: str, form: str, rows: list[dict]) -> None:
    """Write a raw form with the mapping spec's columns (EDC keys filled in)."""
    spec = MAPPING.form(form)
    folder = raw / f"site_{site}"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{spec.file}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(spec.columns), lineterminator="\n")
        writer.writeheader()
        for position, row in enumerate(rows, start=1):
            keys = {"STUDYID": "ALTER-E-003", "SITEID": site, "VISIT": "SCR", "VISITNAME": "Screening", "FORMOID": "X", "RECPOS": position}
            writer.writerow({**keys, **row})


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    # site 01: a treated subject (001, died) and a screen failure (002)
    write_form(folder, "01", "demographics", [
        {"SUBJID": "001", "BRTHDAT": "1960-05-10", "AGE": "61", "AGEU": "YEARS", "SEX": "Male ", "ETHNIC": "Han", "RACE": "Asian"},
        {"SUBJID": "002", "BRTHDAT": "UN-JUN-1955", "AGE": "66", "AGEU": "years", "SEX": "female", "ETHNIC": "Han", "RACE": "Chinese"},
    ])
    write_form(folder, "01", "informed_consent", [
        {"SUBJID": "001", "DSSTDAT": "2022-03-01", "ICVERS": "V2.0", "ICYN": "Y"},
        {"SUBJID": "002", "DSSTDAT": "2022-03-05", "ICVERS": "V2.0", "ICYN": "Yes"},
    ])
    write_form(folder, "01", "dosing_anlotinib", [
        {"SUBJID": "001", "CYCLE": "1", "EXSTDAT": "2022-03-10", "EXENDAT": "2022-03-23", "EXDOSE": "12", "EXPHASE": "COMBINATION"},
        {"SUBJID": "001", "CYCLE": "2", "EXSTDAT": "2022-03-31", "EXENDAT": "2022-04-13", "EXDOSE": "12", "EXPHASE": "COMBINATION"},
    ])
    write_form(folder, "01", "dosing_benmelstobart", [
        {"SUBJID": "001", "CYCLE": "1", "EXDAT": "2022-03-10", "EXDOSE": "1200", "EXOCCUR": "Y"},
        {"SUBJID": "001", "CYCLE": "2", "EXDAT": "2022-03-31", "EXDOSE": "1200", "EXOCCUR": "Y"},
        {"SUBJID": "001", "CYCLE": "3", "EXDAT": "", "EXDOSE": "", "EXOCCUR": "N", "EXREASND": "Adverse event"},
    ])
    write_form(folder, "01", "end_of_treatment", [
        {"SUBJID": "001", "EOTDRUG": "ANLOTINIB", "EOTDAT": "2022-04-13", "EOTREAS": "Adverse event"},
        {"SUBJID": "001", "EOTDRUG": "BENMELSTOBART", "EOTDAT": "2022-04-13", "EOTREAS": "Adverse event"},
    ])
    write_form(folder, "01", "end_of_study", [
        {"SUBJID": "001", "EOSDAT": "2022-06-20", "EOSREAS": "Death"},
        {"SUBJID": "002", "EOSDAT": "2022-03-09", "EOSREAS": "Screen failure"},
    ])
    write_form(folder, "01", "survival_followup", [
        {"SUBJID": "001", "SFDAT": "2022-05-20", "SFMETHOD": "Telephone", "SFSTAT": "Alive"},
        {"SUBJID": "001", "SFDAT": "2022-06-20", "SFMETHOD": "Telephone", "SFSTAT": "Dead", "DTHDAT": "2022-06-18", "DTHCAUS": "Disease progression"},
    ])
    write_form(folder, "01", "eligibility", [
        {"SUBJID": "001", "IETESTCD": "IN01", "IECAT": "INCLUSION", "IETEST": "Age 18-75 years", "IEORRES": "Y"},
        {"SUBJID": "002", "IETESTCD": "IN01", "IECAT": "Inclusion", "IETEST": "Age 18-75 years", "IEORRES": "N"},
        {"SUBJID": "001", "IETESTCD": "EX01", "IECAT": "EXCLUSION", "IETEST": "Prior anti-PD-1", "IEORRES": "N"},
    ])
    # site 03 writes dates DD/MM/YYYY: a subject still on treatment at the cut-off
    write_form(folder, "03", "demographics", [
        {"SUBJID": "001", "BRTHDAT": "15/03/1964", "AGE": "58", "AGEU": "YEARS", "SEX": "M", "ETHNIC": "Han", "RACE": "Han Chinese"},
    ])
    write_form(folder, "03", "informed_consent", [{"SUBJID": "001", "DSSTDAT": "01/04/2022", "ICVERS": "V2.0", "ICYN": "Y"}])
    write_form(folder, "03", "dosing_anlotinib", [
        {"SUBJID": "001", "CYCLE": "1", "EXSTDAT": "10/04/2022", "EXENDAT": "23/04/2022", "EXDOSE": "12", "EXPHASE": "COMBINATION"},
        {"SUBJID": "001", "CYCLE": "36", "EXSTDAT": "20/12/2024", "EXENDAT": "02/01/2025", "EXDOSE": "10", "EXPHASE": "Maintenance"},
    ])
    write_form(folder, "03", "dosing_benmelstobart", [{"SUBJID": "001", "CYCLE": "1", "EXDAT": "10/04/2022", "EXDOSE": "1200", "EXOCCUR": "Yes"}])
    for form in ("end_of_treatment", "end_of_study", "survival_followup", "eligibility"):
        write_form(folder, "03", form, [])
    return folder


@pytest.fixture
def ctx(raw: Path) -> MappingContext:
    return MappingContext(STUDY, MAPPING, raw, dt.date(2024, 12, 31))


def _dm(ctx: MappingContext) -> pd.DataFrame:
    result = map_dm(ctx)
    ctx.results["DM"] = result
    return result.data.set_index("SUBJID")


def test_identifiers_and_coded_values(ctx):
    dm = _dm(ctx)
    # SUBJID must be unique within the study (SDTMIG 3.4 DM): site-number
    assert dm.index.tolist() == ["01-001", "01-002", "03-001"]
    assert dm.loc["01-001", "USUBJID"] == "ALTER-E-003-01-001"
    assert dm["USUBJID"].tolist() == ["ALTER-E-003-01-001", "ALTER-E-003-01-002", "ALTER-E-003-03-001"]
    assert dm["SEX"].tolist() == ["M", "F", "M"]  # "Male ", "female", "M"
    assert dm["RACE"].unique().tolist() == ["ASIAN"]
    assert dm["ETHNIC"].unique().tolist() == ["NOT HISPANIC OR LATINO"]
    assert dm["AGEU"].unique().tolist() == ["YEARS"]
    assert dm["COUNTRY"].unique().tolist() == ["CHN"]


def test_dates_partial_and_site_format(ctx):
    dm = _dm(ctx)
    assert dm["BRTHDTC"].tolist() == ["1960-05-10", "1955-06", "1964-03-15"]
    assert dm.loc["01-001", "RFICDTC"] == "2022-03-01"
    assert ctx.issues.issues == []


def test_reference_dates_of_a_treated_subject_who_died(ctx):
    dm = _dm(ctx).loc["01-001"]
    assert (dm["RFXSTDTC"], dm["RFSTDTC"]) == ("2022-03-10", "2022-03-10")
    # last dose: end of the second anlotinib period (the third infusion was not given)
    assert (dm["RFXENDTC"], dm["RFENDTC"]) == ("2022-04-13", "2022-04-13")
    assert (dm["DTHDTC"], dm["DTHFL"]) == ("2022-06-18", "Y")
    assert dm["RFPENDTC"] == "2022-06-20"  # end of study after the death was reported
    assert (dm["ARMCD"], dm["ACTARMCD"], dm["ARMNRS"]) == ("ANLBEN", "ANLBEN", None)


def test_screen_failure_has_no_arm(ctx):
    dm = _dm(ctx).loc["01-002"]
    assert (dm["ARMCD"], dm["ARM"], dm["ACTARMCD"], dm["ACTARM"]) == (None, None, None, None)
    assert dm["ARMNRS"] == "SCREEN FAILURE"
    assert dm["RFSTDTC"] is None and dm["RFPENDTC"] == "2022-03-09"


def test_dosing_period_running_past_the_cutoff_ends_at_it(ctx):
    # site 03 subject: maintenance period 2024-12-20 .. 2025-01-02 is cut at 2024-12-31
    assert _dm(ctx).loc["03-001", "RFXENDTC"] == "2024-12-31"


def test_interim_cutoff_drops_later_events(raw):
    ctx = MappingContext(STUDY, MAPPING, raw, dt.date(2022, 4, 1))
    dm = _dm(ctx).loc["01-001"]
    # the anlotinib period 2022-03-31 .. 04-13 is cut at the cut-off: daily dosing up to 04-01
    assert (dm["RFXSTDTC"], dm["RFXENDTC"], dm["DTHDTC"], dm["DTHFL"]) == ("2022-03-10", "2022-04-01", None, None)


def _subject_in_follow_up(raw: Path, subsequent: list[dict]) -> None:
    """Site 02, subject 001 (Hui ethnicity): treated, stopped for progression, alive at the last
    survival contact of 2022-08-01; ``subsequent`` are its subsequent-therapy rows."""
    write_form(raw, "02", "demographics", [
        {"SUBJID": "001", "BRTHDAT": "1958-01-02", "AGE": "64", "AGEU": "YEARS", "SEX": "M", "ETHNIC": "Hui", "RACE": "Asian"},
    ])
    write_form(raw, "02", "informed_consent", [{"SUBJID": "001", "DSSTDAT": "2022-03-02", "ICVERS": "V2.0", "ICYN": "Y"}])
    write_form(raw, "02", "dosing_anlotinib", [
        {"SUBJID": "001", "CYCLE": "1", "EXSTDAT": "2022-03-11", "EXENDAT": "2022-03-24", "EXDOSE": "12", "EXPHASE": "COMBINATION"},
    ])
    write_form(raw, "02", "dosing_benmelstobart", [{"SUBJID": "001", "CYCLE": "1", "EXDAT": "2022-03-11", "EXDOSE": "1200", "EXOCCUR": "Y"}])
    write_form(raw, "02", "survival_followup", [
        {"SUBJID": "001", "SFDAT": "2022-08-01", "SFMETHOD": "Telephone", "SFSTAT": "Alive"},
    ])
    write_form(raw, "02", "subsequent_therapy", subsequent)
    for form in ("end_of_treatment", "end_of_study", "eligibility"):
        write_form(raw, "02", form, [])


def test_a_subsequent_therapy_after_the_last_survival_contact_extends_participation(raw, ctx):
    _subject_in_follow_up(raw, [
        {"SUBJID": "001", "STSPID": "1", "STTYPE": "Chemotherapy", "STTRT": "Docetaxel", "STSTDAT": "2022-08-15", "STENDAT": ""},
    ])
    dm = _dm(ctx).loc["02-001"]
    assert dm["RFPENDTC"] == "2022-08-15"  # the site learnt of the therapy from the subject
    assert dm["ETHNIC"] == "NOT HISPANIC OR LATINO"  # Hui, a Chinese nationality like Han
    assert ctx.issues.issues == []


def test_a_subsequent_therapy_after_the_cutoff_does_not_extend_participation(raw, ctx):
    _subject_in_follow_up(raw, [
        {"SUBJID": "001", "STSPID": "1", "STTYPE": "Chemotherapy", "STTRT": "Docetaxel", "STSTDAT": "2022-07-01",
         "STENDAT": "2025-02-01"},
    ])
    assert _dm(ctx).loc["02-001", "RFPENDTC"] == "2022-08-01"  # the survival contact; 2025 is after the cut-off


def test_contributing_rows_are_listed(ctx):
    used = map_dm(ctx).used
    assert set(used["SOURCE_FILE"]) >= {"site_01/informed_consent.csv", "site_01/survival_followup.csv", "site_01/dosing_anlotinib.csv"}
    assert "DM.DTHDTC" in set(used["REASON"])


def test_unknown_sex_spelling_is_reported_and_kept(raw, ctx):
    write_form(raw, "01", "demographics", [
        {"SUBJID": "001", "BRTHDAT": "1960-05-10", "AGE": "61", "AGEU": "YEARS", "SEX": "Unknown", "ETHNIC": "Han", "RACE": "Asian"},
    ])
    dm = _dm(ctx)
    assert dm.loc["01-001", "SEX"] == "UNKNOWN"
    (issue,) = [i for i in ctx.issues.issues if i.check == "MAP001"]
    assert (issue.file, issue.row, issue.column, issue.value) == ("site_01/demographics.csv", 2, "SEX", "Unknown")


def test_unreadable_birth_date_is_reported_and_missing(raw, ctx):
    write_form(raw, "01", "demographics", [
        {"SUBJID": "001", "BRTHDAT": "1960-02-30", "AGE": "61", "AGEU": "YEARS", "SEX": "M", "ETHNIC": "Han", "RACE": "Asian"},
    ])
    dm = _dm(ctx)
    assert dm.loc["01-001", "BRTHDTC"] is None
    (issue,) = ctx.issues.issues
    assert (issue.check, issue.column, issue.value, issue.row) == ("DATE001", "BRTHDAT", "1960-02-30", 2)


def test_collected_age_inconsistent_with_birth_date_is_reported(raw, ctx):
    write_form(raw, "01", "demographics", [
        {"SUBJID": "001", "BRTHDAT": "1960-05-10", "AGE": "70", "AGEU": "YEARS", "SEX": "M", "ETHNIC": "Han", "RACE": "Asian"},
    ])
    _dm(ctx)
    assert [(i.check, i.value) for i in ctx.issues.issues] == [("AGE001", "70")]


def test_subject_elements(ctx):
    _dm(ctx)
    se = map_se(ctx).data
    one = se[se["USUBJID"] == "ALTER-E-003-01-001"][["ETCD", "EPOCH", "SESTDTC", "SEENDTC", "TAETORD", "SESEQ"]].values.tolist()
    assert one == [
        ["SCRN", "SCREENING", "2022-03-01", "2022-03-10", 1, 1],
        ["ANLBEN", "TREATMENT", "2022-03-10", "2022-04-14", 2, 2],  # ends when follow-up starts
        ["FU", "FOLLOW-UP", "2022-04-14", "2022-06-20", 4, 3],  # day after the last dose .. RFPENDTC
    ]
    failure = se[se["USUBJID"] == "ALTER-E-003-01-002"][["ETCD", "SESTDTC", "SEENDTC"]].values.tolist()
    assert failure == [["SCRN", "2022-03-05", "2022-03-09"]]
    ongoing = se[se["USUBJID"] == "ALTER-E-003-03-001"][["ETCD", "SESTDTC", "SEENDTC"]].values.tolist()
    # on maintenance at the cut-off: no end-of-treatment record, so no follow-up element
    assert ongoing == [["SCRN", "2022-04-01", "2022-04-10"], ["ANLBEN", "2022-04-10", "2024-12-20"], ["ANLMNT", "2024-12-20", None]]


def test_trial_design_domains(ctx):
    _dm(ctx)
    te = map_te(ctx).data
    assert te["ETCD"].tolist() == ["SCRN", "ANLBEN", "ANLMNT", "FU"]
    ta = map_ta(ctx).data
    assert ta[["TAETORD", "ETCD", "EPOCH"]].values.tolist() == [[1, "SCRN", "SCREENING"], [2, "ANLBEN", "TREATMENT"],
                                                                [3, "ANLMNT", "TREATMENT"], [4, "FU", "FOLLOW-UP"]]
    tv = map_tv(ctx).data
    assert tv["VISITNUM"].is_unique and tv["VISITNUM"].is_monotonic_increasing
    weeks = tv.loc[tv["VISIT"].str.contains("Tumour"), "VISITDY"].tolist()[:5]
    assert weeks == [43, 85, 127, 190, 253]  # weeks 6, 12, 18, then every 9: 27, 36
    ti = map_ti(ctx).data
    assert ti[["IETESTCD", "IECAT", "IETEST"]].values.tolist() == [["IN01", "INCLUSION", "Age 18-75 years"],
                                                                  ["EX01", "EXCLUSION", "Prior anti-PD-1"]]


def test_trial_summary_counts_and_codes(ctx):
    _dm(ctx)
    ts = map_ts(ctx).data.set_index(["TSPARMCD", "TSSEQ"])
    assert ts.loc[("ACTSUB", 1), "TSVAL"] == "2"
    assert ts.loc[("SSTDTC", 1), "TSVAL"] == "2022-03-01"
    assert ts.loc[("DCUTDTC", 1), "TSVAL"] == "2024-12-31"
    assert ts.loc[("DCUTDESC", 1), "TSVAL"] == "FINAL ANALYSIS DATA CUT-OFF"
    assert ts.loc[("TPHASE", 1), ["TSVAL", "TSVALCD", "TSVCDREF"]].tolist() == ["PHASE II TRIAL", "C15601", "CDISC CT"]
    assert ts.loc[("TRT", 2), "TSVAL"] == "BENMELSTOBART"


@pytest.mark.parametrize(("code", "number"), [("SCR", 1), ("C03D01", 103), ("TA_W027", 327), ("EOT", 800), ("FU02", 902),
                                               ("EOS", 999), ("TA_UNS01", None), ("LOG", None)])
def test_planned_visitnum(code, number):
    assert planned_visitnum(code) == number


def test_unknown_summary_parameters_carry_a_null_flavour(ctx):
    _dm(ctx)
    ts = map_ts(ctx).data.set_index("TSPARMCD")
    assert ts.loc["SENDTC", "TSVAL"] is None and ts.loc["SENDTC", "TSVALNF"] == "NI"
    assert ts.loc["TITLE", "TSVALNF"] is None


def test_no_follow_up_element_when_participation_ends_on_the_last_dose_day(raw, ctx):
    write_form(raw, "01", "end_of_study", [{"SUBJID": "001", "EOSDAT": "2022-04-13", "EOSREAS": "Withdrawal by subject"}])
    write_form(raw, "01", "survival_followup", [])
    _dm(ctx)
    se = map_se(ctx).data
    assert se.loc[se["USUBJID"] == "ALTER-E-003-01-001", "ETCD"].tolist() == ["SCRN", "ANLBEN"]


def test_every_ethnic_group_the_simulator_writes_is_in_the_ethnic_map():
    from edc.simulate import load_config
    from sdtm.mapping import normalise_text

    groups = {normalise_text(group) for group in load_config()["population"]["ethnic_groups"]}
    assert groups <= set(MAPPING.value_maps["ETHNIC"])


def test_subjects_who_consented_after_the_cutoff_are_found_partial_dates_at_their_earliest():
    from sdtm.dm import filter_consent_after_cutoff

    dm = pd.DataFrame({"USUBJID": ["A", "B", "C", "D", "E"],
                       "RFICDTC": ["2022-04-15", "2022-04-16", "2022-04", "2022-05", None]})
    late = filter_consent_after_cutoff(dm, dt.date(2022, 4, 15))
    # "2022-04" can mean 2022-04-01: not after; a missing consent date is not after either
    assert late["USUBJID"].tolist() == ["B", "D"]
    assert filter_consent_after_cutoff(dm, dt.date(2022, 5, 1)).empty


def test_sites_declared_without_subjects_and_subjects_of_undeclared_sites():
    from sdtm.dm import compare_sites

    dm = pd.DataFrame({"SITEID": ["01", "01", "03", "07", None]})
    assert compare_sites(dm, ["01", "02", "03"]) == (["02"], ["07"])
    assert compare_sites(dm, ["01", "03", "07"]) == ([], [])
