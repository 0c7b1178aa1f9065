"""Each catalogued data issue is present in the committed raw data (never cleaned at the source)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml

CATALOGUE = Path(__file__).resolve().parents[2] / "edc" / "mess_catalogue.yaml"


@pytest.fixture(scope="module")
def catalogue():
    data = yaml.safe_load(CATALOGUE.read_text())
    return {i["id"]: i for i in data["issues"]}, data["rule_exercises"]


def _site(frame, site):
    return frame[frame.SITEID == site]


def test_site_03_writes_dates_dd_mm_yyyy(forms):
    assert _site(forms["visit_dates"], "03").VISDAT.str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert _site(forms["visit_dates"], "01").VISDAT.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_partial_dates_in_both_styles(forms):
    values = list(forms["medical_history"].MHSTDAT) + list(forms["con_meds"].CMSTDAT) + list(forms["disease_history"].DIAGDAT)
    assert any(v.startswith("UN-") and v[3:6].isalpha() for v in values)      # UN-MAR-2022
    assert any(len(v) == 7 and v[4] == "-" for v in values)                 # 2022-03
    assert any(v.startswith("UN-UNK-") or len(v) == 4 for v in values)      # year only


def test_verbatim_terms_need_coding(forms):
    terms = set(forms["adverse_events"].AETERM) | set(forms["con_meds"].CMTRT) | set(forms["medical_history"].MHTERM)
    assert any("(" in t and t.split("(")[0].strip().islower() for t in terms)          # pinyin + English
    assert terms & {"Hypertention", "Protienuria", "pruritis", "Fatique", "Nasuea"}      # misspellings
    assert terms & {"HTN", "HFSR", "URTI", "OME", "ETV", "L-T4", "T2DM", "CHD", "COPD"}  # abbreviations


def test_lab_units_differ_by_site(raw_dir):
    units = {}
    for site in ("01", "02", "04"):
        sheet = openpyxl.load_workbook(raw_dir / f"site_{site}" / "local_labs.xlsx", read_only=True)["Ranges"]
        rows = list(sheet.iter_rows(values_only=True))
        units[site] = {r[3]: r[4] for r in rows[1:]}
    assert units["01"]["TBIL"] == "umol/L" and units["04"]["TBIL"] == "mg/dL"
    assert units["01"]["CREAT"] == "umol/L" and units["04"]["CREAT"] == "mg/dL"
    assert units["01"]["HGB"] == "g/L" and units["02"]["HGB"] == "g/dL"


def test_coded_fields_have_trailing_spaces_and_mixed_case(forms):
    sex = set(forms["demographics"].SEX)
    assert "Male " in sex and ("male" in sex or "female" in sex)
    yn = set(forms["adverse_events"].AESER) | set(forms["con_meds"].CMONGO) | set(forms["eligibility"].IEORRES)
    assert {"y", "n"} & yn and {"Yes", "No"} & yn and {"Y", "N"} & yn
    rel = set(forms["adverse_events"].AERELANL)
    assert any(r != r.strip() for r in rel) and any(r.isupper() for r in rel)


def test_one_duplicated_ae_row(forms, catalogue):
    ae = forms["adverse_events"]
    dup = ae[ae.duplicated(keep=False)]
    loc = catalogue[0]["duplicated_ae"]["locations"]
    assert len(dup) == 2
    assert set(dup.SITEID + "-" + dup.SUBJID) == {loc["subject"]} and set(dup.AESPID) == {str(loc["aespid"])}


def test_one_page_with_a_missing_lesion_measurement(forms, catalogue):
    tl = forms["tumour_target"]
    missing = tl[tl.TRDIAM == ""]
    loc = catalogue[0]["missing_lesion_measurement"]["locations"]
    assert len(missing) == 1
    assert (missing.SITEID + "-" + missing.SUBJID).item() == loc["subject"] and missing.VISIT.item() == loc["visit"]
    assert missing.TRNDREAS.item() != ""
    rs = forms["tumour_response"]
    row = rs[(rs.SITEID + "-" + rs.SUBJID == loc["subject"]) & (rs.VISIT == loc["visit"])]
    assert row.OVRLRESP.item() == "NE"


def test_one_unscheduled_assessment_where_catalogued(forms, catalogue):
    rs = forms["tumour_response"]
    uns = rs[rs.VISIT.str.startswith("TA_UNS")]
    loc = catalogue[0]["unscheduled_assessment"]["locations"]
    assert len(uns) == 1 and (uns.SITEID + "-" + uns.SUBJID).item() == loc["subject"]


def test_one_subject_lost_to_follow_up(forms, catalogue):
    eos = forms["end_of_study"]
    lost = eos[eos.EOSREAS == "Lost to follow-up"]
    assert len(lost) == 1
    assert (lost.SITEID + "-" + lost.SUBJID).item() == catalogue[0]["lost_to_follow_up"]["locations"]["subject"]


def test_records_exist_after_the_final_cutoff(subjects):
    from datetime import date

    assert any(d > date(2024, 12, 31) for s in subjects.values() for _, d in s.dated)


def test_catalogue_locations_match_a_regeneration(world, catalogue):
    from edc.simulate import issue_locations

    issues, exercises = catalogue
    loc = issue_locations(world)
    for name in ("duplicated_ae", "missing_lesion_measurement", "unscheduled_assessment", "lost_to_follow_up", "response_discrepancies"):
        assert issues[name]["locations"] == loc[name], name
    for name, where in exercises.items():
        if isinstance(where, dict):
            assert {k: v for k, v in where.items() if k != "rule"} == loc[name], name
        else:
            assert where == loc[name], name
