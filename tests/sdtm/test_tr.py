"""TR on hand-made raw rows (real mapping spec, hand-made DM/SE), and on the committed raw data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from oncology_support import S1, STUDY, accounted_rows, issues, make_ctx, raw_rows, write_form

from sdtm.build import publishable
from sdtm.tr import map_tr
from specs.conformance import check_dataset

KEYS = ["USUBJID", "TRLNKID", "VISITNUM", "TRTESTCD"]


def target(visit, date, tlid, loc, nodal, diam, subject="001", reason="", method="CT"):
    return {"SUBJID": subject, "VISIT": visit, "TRDAT": date, "TLID": tlid, "TLLOC": loc, "TLNODAL": nodal,
            "TRMETHOD": method, "TRDIAM": diam, "TRNDREAS": reason}


def nontarget(visit, date, ntlid, status, subject="001", loc="Liver segment IV"):
    return {"SUBJID": subject, "VISIT": visit, "TRDAT": date, "NTLID": ntlid, "NTLOC": loc, "TRMETHOD": "CT", "NTSTAT": status}


def new(visit, date, answer, loc="", subject="001", method=""):
    return {"SUBJID": subject, "VISIT": visit, "TRDAT": date, "NEWLES": answer, "NEWLOC": loc, "TRMETHOD": method}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "01", "tumour_target", [
        target("SCR", "2022-03-15", "T01", "Left supraclavicular lymph node", "Y", "23"),
        target("SCR", "2022-03-15", "T02", "Liver segment VII", "N", "31"),
        target("TA_W006", "2022-05-01", "T01", "Left supraclavicular lymph node", "Yes", "14"),
        target("TA_W006", "2022-05-01", "T02", "Liver segment VII", "n", "", reason="Lesion not imaged (outside scanned field)"),
    ])
    write_form(folder, "01", "tumour_nontarget", [
        nontarget("SCR", "2022-03-15", "NT01", "Present"),
        nontarget("TA_W006", "2022-05-01", "NT01", "Unequivocal progression"),
    ])
    write_form(folder, "01", "tumour_new", [
        new("TA_W006", "2022-05-01", "Yes", "Left cervical lymph node", method="CT"),
    ])
    return folder


def tr_of(raw: Path, **kwargs):
    ctx = make_ctx(raw, **kwargs)
    return ctx, map_tr(ctx)


def record(tr: pd.DataFrame, subject: str, lnkid: str, visitnum: float) -> pd.Series:
    rows = tr[(tr["USUBJID"] == subject) & (tr["TRLNKID"] == lnkid) & (tr["VISITNUM"] == visitnum)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_target_lesions_nodal_short_axis_and_longest_diameter_in_mm(raw):
    _, result = tr_of(raw)
    tr = result.data
    expected = pd.DataFrame({
        "USUBJID": [S1] * 3, "TRLNKID": ["T01", "T02", "T01"], "VISITNUM": [1.0, 1.0, 306.0],
        "TRTESTCD": ["LPERP", "LDIAM", "LPERP"], "TRTEST": ["Longest Perpendicular", "Longest Diameter", "Longest Perpendicular"],
        "TRORRES": ["23", "31", "14"], "TRORRESU": ["mm"] * 3, "TRSTRESC": ["23", "31", "14"], "TRSTRESN": [23.0, 31.0, 14.0],
        "TRSTRESU": ["mm"] * 3, "TRMETHOD": ["CT SCAN"] * 3, "TREVAL": ["INVESTIGATOR"] * 3,
        "TRLNKGRP": ["SCR-INV", "SCR-INV", "TA_W006-INV"], "VISIT": ["Screening", "Screening", "Week 6 Tumour Assessment"],
        "TRLOBXFL": ["Y", "Y", None], "EPOCH": ["SCREENING", "SCREENING", "TREATMENT"], "TRDY": [-5, -5, 43],
    })
    measured = tr[tr["TRTESTCD"].isin(["LDIAM", "LPERP"]) & tr["TRSTAT"].isna()].sort_values(KEYS)
    pd.testing.assert_frame_equal(measured[expected.columns].reset_index(drop=True),
                                  expected.sort_values(KEYS).reset_index(drop=True), check_dtype=False)


def test_missing_measurement_is_not_done_with_the_collected_reason(raw):
    ctx, result = tr_of(raw)
    row = record(result.data, S1, "T02", 306.0)
    assert (row["TRTESTCD"], row["TRSTAT"], row["TRREASND"]) == ("LDIAM", "NOT DONE", "Lesion not imaged (outside scanned field)")
    assert pd.isna(row["TRORRES"]) and pd.isna(row["TRSTRESN"]) and pd.isna(row["TRORRESU"])
    assert issues(ctx, "ONC003").empty


def test_missing_measurement_without_reason_is_reported(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "")])
    ctx, result = tr_of(tmp_path)
    assert result.data["TRSTAT"].tolist() == ["NOT DONE"]
    found = issues(ctx, "ONC003")
    assert found[["file", "row", "column"]].values.tolist() == [["site_01/tumour_target.csv", 2, "TRDIAM"]]


def test_non_numeric_diameter_is_kept_as_collected_and_reported(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "too small")])
    ctx, result = tr_of(tmp_path)
    row = result.data.iloc[0]
    assert (row["TRORRES"], row["TRSTRESC"]) == ("too small", "too small") and pd.isna(row["TRSTRESN"])
    assert issues(ctx, "ONC004")[["row", "column", "value"]].values.tolist() == [[2, "TRDIAM", "too small"]]


def test_nodal_status_is_a_lesion_property_decided_by_its_first_answer(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [
        target("SCR", "2022-03-15", "T01", "Subcarinal lymph node", "Y", "20"),
        target("TA_W006", "2022-05-01", "T01", "Subcarinal lymph node", "N", "12"),
        target("TA_W012", "2022-06-12", "T01", "Subcarinal lymph node", "", "9"),
    ])
    ctx, result = tr_of(tmp_path)
    assert result.data["TRTESTCD"].tolist() == ["LPERP"] * 3
    assert issues(ctx, "ONC005")[["row", "column", "value"]].values.tolist() == [[3, "TLNODAL", "N"]]


def test_non_target_status_is_standardised_to_tumor_state_terms(raw):
    _, result = tr_of(raw)
    rows = result.data[result.data["TRLNKID"] == "NT01"].sort_values("VISITNUM")
    assert rows[["TRTESTCD", "TRORRES", "TRSTRESC"]].values.tolist() == [
        ["TUMSTATE", "Present", "PRESENT"], ["TUMSTATE", "Unequivocal progression", "UNEQUIVOCAL"]]
    assert rows["TRLOBXFL"].tolist() == ["Y", None]
    assert rows["TRSTRESN"].isna().all() and rows["TRORRESU"].isna().all()


def test_unknown_non_target_status_is_reported_and_kept(tmp_path):
    write_form(tmp_path, "01", "tumour_nontarget", [nontarget("SCR", "2022-03-15", "NT01", "Smaller")])
    ctx, result = tr_of(tmp_path)
    assert result.data["TRSTRESC"].tolist() == ["SMALLER"]
    assert issues(ctx, "MAP001")[["column", "value"]].values.tolist() == [["NTSTAT", "Smaller"]]


def test_new_lesion_reported_yes_is_a_present_new_lesion(raw):
    _, result = tr_of(raw)
    row = record(result.data, S1, "NEW01", 306.0)
    assert (row["TRTESTCD"], row["TRORRES"], row["TRSTRESC"], row["TRMETHOD"], row["TRLNKGRP"]) == (
        "TUMSTATE", "PRESENT", "PRESENT", "CT SCAN", "TA_W006-INV")


def test_new_lesions_are_numbered_per_subject_in_date_order_and_no_answers_are_excluded(tmp_path):
    write_form(tmp_path, "01", "tumour_new", [
        new("TA_W012", "2022-06-12", "Y", "Peritoneum"),
        new("TA_W006", "2022-05-01", "Y", "Liver segment V"),
        new("TA_W006", "2022-05-12", "N", subject="002"),
        new("TA_W018", "2022-07-20", "", subject="002"),
    ])
    ctx, result = tr_of(tmp_path)
    assert result.data.sort_values("VISITNUM")[["TRLNKID", "VISITNUM"]].values.tolist() == [["NEW01", 306.0], ["NEW02", 312.0]]
    assert sorted(result.excluded["SOURCE_ROW"].tolist()) == [4, 5]
    assert issues(ctx, "ONC006")[["row", "column"]].values.tolist() == [[5, "NEWLES"]]


def test_unscheduled_assessment_follows_the_previous_tumour_assessment(tmp_path):
    write_form(tmp_path, "03", "tumour_target", [
        target("SCR", "15/03/2022", "T01", "Liver segment IV", "N", "30"),
        target("TA_W006", "01/05/2022", "T01", "Liver segment IV", "N", "25"),
        target("TA_UNS01", "20/05/2022", "T01", "Liver segment IV", "N", "24"),
    ])
    write_form(tmp_path, "03", "tumour_response", [
        {"VISIT": "TA_W012", "RSDAT": "12/06/2022", "TLRESP": "SD", "OVRLRESP": "SD"},
    ])
    ctx, result = tr_of(tmp_path)
    ctx.results["DM"].data["USUBJID"] = ctx.results["DM"].data["USUBJID"].str.replace("-01-", "-03-")
    ctx.results["SE"].data["USUBJID"] = ctx.results["SE"].data["USUBJID"].str.replace("-01-", "-03-")
    result = map_tr(ctx)
    unscheduled = result.data[result.data["TRLNKGRP"] == "TA_UNS01-INV"].iloc[0]
    assert (unscheduled["VISITNUM"], unscheduled["VISIT"], unscheduled["TRDTC"]) == (306.01, "Unscheduled 306.01", "2022-05-20")


def test_records_after_the_cutoff_are_excluded(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [
        target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "30"),
        target("TA_W006", "2022-05-01", "T01", "Liver segment IV", "N", "25"),
    ])
    _, result = tr_of(tmp_path, cutoff=dt.date(2022, 4, 30))
    assert result.data["VISITNUM"].tolist() == [1.0]
    assert result.excluded[["SOURCE_ROW", "REASON"]].values.tolist() == [[3, "after data cut-off 2022-04-30"]]


def test_unknown_subject_is_rejected_and_reported(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "30", subject="099")])
    ctx, result = tr_of(tmp_path)
    assert result.data.empty
    assert result.rejected["REASON"].tolist() == ["subject not in demographics"]
    assert issues(ctx, "SUBJ001")[["row", "column"]].values.tolist() == [[2, "SUBJID"]]


def test_unreadable_date_is_reported_and_left_missing(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-02-30", "T01", "Liver segment IV", "N", "30")])
    ctx, result = tr_of(tmp_path)
    row = result.data.iloc[0]
    assert pd.isna(row["TRDTC"]) and pd.isna(row["TRDY"]) and row["TRLOBXFL"] is None
    assert issues(ctx, "DATE001")[["row", "column", "value"]].values.tolist() == [[2, "TRDAT", "2022-02-30"]]


def test_exact_duplicate_and_conflicting_second_record_are_rejected(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [
        target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "30"),
        target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "30"),
        target("SCR", "2022-03-15", "t01 ", "Liver segment IV", "N", "32"),
    ])
    ctx, result = tr_of(tmp_path)
    assert result.data["TRORRES"].tolist() == ["30"]
    assert sorted(result.rejected["SOURCE_ROW"].tolist()) == [3, 4]
    assert issues(ctx, "DUP001")["row"].tolist() == [3]
    assert issues(ctx, "ONC001")["row"].tolist() == [4]


def test_unknown_method_is_reported(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "30", method="Ultrasound")])
    ctx, result = tr_of(tmp_path)
    assert result.data["TRMETHOD"].tolist() == ["ULTRASOUND"]
    assert issues(ctx, "MAP001")[["column", "value"]].values.tolist() == [["TRMETHOD", "Ultrasound"]]


def test_missing_column_rejects_the_file_rows(tmp_path):
    columns = [c for c in ["STUDYID", "SITEID", "SUBJID", "VISIT", "VISITNAME", "FORMOID", "RECPOS", "TRDAT", "TLID", "TLLOC",
                           "TLNODAL", "TRMETHOD", "TRDIAM"]]
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-03-15", "T01", "Liver segment IV", "N", "30")], columns=columns)
    ctx, result = tr_of(tmp_path)
    assert result.data.empty
    assert issues(ctx, "RAW002")[["column"]].values.tolist() == [["TRNDREAS"]]
    assert accounted_rows(ctx, result) == raw_rows(tmp_path, "tumour_target")


def test_file_in_the_wrong_encoding_is_rejected(tmp_path):
    write_form(tmp_path, "01", "tumour_nontarget", [nontarget("SCR", "2022-03-15", "NT01", "Present", loc="Bone (T10 vertebra) é")],
               encoding="latin-1")
    ctx, result = tr_of(tmp_path)
    assert result.data.empty
    assert not issues(ctx, "RAW001").empty
    assert accounted_rows(ctx, result) == raw_rows(tmp_path, "tumour_nontarget")


def test_every_raw_row_is_accounted_for(raw):
    write_form(raw, "01", "tumour_new", [new("TA_W006", "2022-05-01", "Yes", "Left cervical lymph node", method="CT"),
                                         new("TA_W006", "2022-05-12", "N", subject="002"),
                                         new("TA_W006", "2022-05-12", "N", subject="077")])
    ctx, result = tr_of(raw)
    expected = set().union(*(raw_rows(raw, f) for f in ("tumour_target", "tumour_nontarget", "tumour_new")))
    assert accounted_rows(ctx, result) == expected


@pytest.mark.slow
def test_committed_raw_data_conform_and_are_accounted_for():
    from oncology_support import MAPPING

    from sdtm.context import MappingContext
    from sdtm.dm import map_dm
    from sdtm.se import map_se

    raw = Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003"
    ctx = MappingContext(study=STUDY, mapping=MAPPING, raw=raw, cutoff=STUDY.cutoff_date())
    for mapper in (map_dm, map_se):
        produced = mapper(ctx)
        ctx.results[produced.domain] = produced
    result = map_tr(ctx)
    findings = check_dataset(publishable(result.data), STUDY.sdtm.dataset("TR"), STUDY.sdtm.codelists, STUDY.sdtm.value_level)
    assert findings[findings["severity"] == "Error"].empty, findings
    expected = set().union(*(raw_rows(raw, f) for f in ("tumour_target", "tumour_nontarget", "tumour_new")))
    assert accounted_rows(ctx, result) == expected
    not_done = result.data[result.data["TRSTAT"] == "NOT DONE"]
    assert len(not_done) == 1 and not_done["TRREASND"].notna().all()
