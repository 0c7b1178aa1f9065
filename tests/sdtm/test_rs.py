"""RS (RECIST 1.1, iRECIST, ECOG) and the tumour RELREC on hand-made raw rows, and on the committed raw data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from oncology_support import MAPPING, S1, S2, STUDY, accounted_rows, issues, make_ctx, raw_rows, write_form

from sdtm.build import publishable
from sdtm.oncology import map_relrec_oncology
from sdtm.rs import map_rs
from sdtm.tr import map_tr
from sdtm.tu import map_tu
from specs.conformance import check_dataset

ECOG_1 = ("Restricted in physically strenuous activity but ambulatory and able to carry out work of a light or sedentary "
          "nature, e.g., light house work, office work")


def response(visit, date, tl="PR", ntl="NON-CR/NON-PD", new="N", overall="PR", irecist="iPR", subject="001"):
    return {"SUBJID": subject, "VISIT": visit, "RSDAT": date, "TLRESP": tl, "NTLRESP": ntl, "NEWLESP": new,
            "OVRLRESP": overall, "IRECRESP": irecist}


def ecog(visit, date, grade, subject="001"):
    return {"SUBJID": subject, "VISIT": visit, "ECOGDAT": date, "ECOG": grade}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "01", "tumour_response", [
        response("TA_W006", "2022-05-01"),
        response("TA_W012", "2022-06-12", tl="PD", ntl="NA", new="Yes", overall="PD", irecist="iUPD", subject="002"),
    ])
    write_form(folder, "01", "tumour_new", [
        {"SUBJID": "001", "VISIT": "TA_W006", "TRDAT": "2022-05-01", "NEWLES": "N"},
        {"SUBJID": "002", "VISIT": "TA_W012", "TRDAT": "2022-06-12", "NEWLES": "Y", "NEWLOC": "Peritoneum", "TRMETHOD": "CT"},
    ])
    write_form(folder, "01", "ecog", [
        ecog("SCR", "2022-03-10", "0"), ecog("C01D01", "2022-03-20", "1"), ecog("C02D01", "2022-04-10", "1"),
    ])
    return folder


def rs_of(raw: Path):
    ctx = make_ctx(raw)
    return ctx, map_rs(ctx)


def test_one_response_row_gives_the_recist_and_irecist_records(raw):
    _, result = rs_of(raw)
    rs = result.data[(result.data["USUBJID"] == S1) & (result.data["RSCAT"] != "ECOG")]
    assert rs[["RSCAT", "RSTESTCD", "RSTEST", "RSORRES", "RSSTRESC", "RSLNKGRP"]].values.tolist() == [
        ["RECIST 1.1", "TRGRESP", "Target Response", "PR", "PR", None],
        ["RECIST 1.1", "NTRGRESP", "Non-target Response", "NON-CR/NON-PD", "NON-CR/NON-PD", None],
        ["RECIST 1.1", "NEWLIND", "New Lesion Indicator", "N", "N", None],
        ["RECIST 1.1", "OVRLRESP", "Overall Response", "PR", "PR", "TA_W006-INV"],
        ["iRECIST", "OVRLRESP", "Overall Response", "iPR", "iPR", None],
    ]
    assert set(rs["RSEVAL"]) == {"INVESTIGATOR"} and set(rs["VISITNUM"]) == {306.0} and set(rs["RSDTC"]) == {"2022-05-01"}
    assert set(rs["RSDY"]) == {43} and set(rs["EPOCH"]) == {"TREATMENT"} and rs["RSLOBXFL"].isna().all()
    assert set(rs["SOURCE_ROW"]) == {2}


def test_not_applicable_non_target_response_is_not_done(raw):
    _, result = rs_of(raw)
    row = result.data[(result.data["USUBJID"] == S2) & (result.data["RSTESTCD"] == "NTRGRESP")].iloc[0]
    assert row["RSSTAT"] == "NOT DONE" and row["RSREASND"] == "NO NON-TARGET LESIONS AT BASELINE"
    assert pd.isna(row["RSORRES"]) and pd.isna(row["RSSTRESC"])


def test_responses_are_taken_as_recorded(raw):
    _, result = rs_of(raw)
    rs = result.data[result.data["USUBJID"] == S2].set_index(["RSCAT", "RSTESTCD"])
    assert rs.loc[("RECIST 1.1", "NEWLIND"), ["RSORRES", "RSSTRESC"]].tolist() == ["Yes", "Y"]
    assert rs.loc[("RECIST 1.1", "OVRLRESP"), "RSSTRESC"] == "PD"
    assert rs.loc[("iRECIST", "OVRLRESP"), "RSSTRESC"] == "iUPD"


def test_irecist_not_evaluable_is_the_oncrsr_term_ne(tmp_path):
    write_form(tmp_path, "01", "tumour_response", [response("TA_W006", "2022-05-01", tl="NE", overall="NE", irecist="iNE")])
    _, result = rs_of(tmp_path)
    irecist = result.data[result.data["RSCAT"] == "iRECIST"].iloc[0]
    assert (irecist["RSORRES"], irecist["RSSTRESC"]) == ("iNE", "NE")


def test_ecog_grade_becomes_ct_text_and_grade_with_baseline_flag(raw):
    _, result = rs_of(raw)
    ecog_rows = result.data[result.data["RSCAT"] == "ECOG"].sort_values("RSDTC")
    assert ecog_rows[["RSTESTCD", "RSTEST", "RSSTRESC", "RSSTRESN", "RSLOBXFL", "VISITNUM", "VISIT"]].values.tolist() == [
        ["ECOG101", "ECOG1-Performance Status", "0", 0.0, None, 1.0, "Screening"],
        ["ECOG101", "ECOG1-Performance Status", "1", 1.0, "Y", 101.0, "Cycle 1 Day 1"],
        ["ECOG101", "ECOG1-Performance Status", "1", 1.0, None, 102.0, "Cycle 2 Day 1"],
    ]
    assert ecog_rows["RSORRES"].iloc[1] == ECOG_1
    assert ecog_rows["RSORRES"].iloc[0].startswith("Fully active")


def test_unknown_ecog_grade_is_reported_and_has_no_standard_result(tmp_path):
    write_form(tmp_path, "01", "ecog", [ecog("SCR", "2022-03-10", "1-2")])
    ctx, result = rs_of(tmp_path)
    row = result.data.iloc[0]
    assert row["RSORRES"] == "1-2" and pd.isna(row["RSSTRESC"]) and pd.isna(row["RSSTRESN"])
    assert issues(ctx, "MAP001")[["column", "value"]].values.tolist() == [["ECOG", "1-2"]]


def test_unknown_response_value_is_reported(tmp_path):
    write_form(tmp_path, "01", "tumour_response", [response("TA_W006", "2022-05-01", overall="Partial remission")])
    ctx, _ = rs_of(tmp_path)
    assert issues(ctx, "MAP001")[["column", "value"]].values.tolist() == [["OVRLRESP", "Partial remission"]]


def test_blank_field_makes_no_record_and_a_blank_overall_response_is_reported(tmp_path):
    write_form(tmp_path, "01", "tumour_response", [response("TA_W006", "2022-05-01", overall="", irecist="")])
    ctx, result = rs_of(tmp_path)
    assert result.data["RSTESTCD"].tolist() == ["TRGRESP", "NTRGRESP", "NEWLIND"]
    assert issues(ctx, "ONC007")[["row", "column"]].values.tolist() == [[2, "OVRLRESP"]]


def test_new_lesion_answer_contradicting_the_new_lesion_form_is_reported(raw):
    write_form(raw, "01", "tumour_response", [response("TA_W006", "2022-05-01", new="Y", overall="PD")])
    ctx, _ = rs_of(raw)
    assert issues(ctx, "ONC008")[["row", "column", "value"]].values.tolist() == [[2, "NEWLESP", "Y"]]


def test_unscheduled_assessment_gets_the_tumour_series_number(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [
        {"VISIT": "TA_W012", "TRDAT": "2022-06-12", "TLID": "T01", "TLLOC": "Liver segment IV", "TLNODAL": "N", "TRMETHOD": "CT",
         "TRDIAM": "20"}])
    write_form(tmp_path, "01", "tumour_response", [response("TA_UNS01", "2022-07-01")])
    write_form(tmp_path, "01", "ecog", [ecog("C05D01", "2022-06-25", "0")])
    _, result = rs_of(tmp_path)
    recist = result.data[result.data["RSCAT"] == "RECIST 1.1"]
    assert set(recist["VISITNUM"]) == {312.01} and set(recist["VISIT"]) == {"Unscheduled 312.01"}
    assert recist["RSLNKGRP"].dropna().tolist() == ["TA_UNS01-INV"]


def test_rejections_exclusions_and_accounting(raw):
    write_form(raw, "01", "ecog", [ecog("SCR", "2022-03-10", "0"), ecog("SCR", "2022-03-10", "0"),
                                   ecog("C01D01", "2025-03-20", "1"), ecog("C01D01", "2022-03-20", "0", subject="055")])
    ctx, result = rs_of(raw)
    assert sorted(result.rejected["REASON"]) == ["duplicate record", "subject not in demographics"]
    assert result.excluded["REASON"].tolist() == ["after data cut-off 2024-12-31"]
    assert accounted_rows(ctx, result) == raw_rows(raw, "tumour_response") | raw_rows(raw, "ecog")


def test_relrec_relates_tu_tr_by_lesion_and_tr_rs_by_assessment(raw):
    lesion = {"TLID": "T01", "TLLOC": "Liver segment IV", "TLNODAL": "N", "TRMETHOD": "CT", "TRDIAM": "20"}
    write_form(raw, "01", "tumour_target", [
        {**lesion, "SUBJID": "001", "VISIT": "SCR", "TRDAT": "2022-03-15"},
        {**lesion, "SUBJID": "001", "VISIT": "TA_W006", "TRDAT": "2022-05-01"},
        {**lesion, "SUBJID": "002", "VISIT": "SCR", "TRDAT": "2022-03-25"},
        {**lesion, "SUBJID": "002", "VISIT": "TA_W012", "TRDAT": "2022-06-12"},
    ])
    ctx = make_ctx(raw)
    for mapper in (map_tu, map_tr, map_rs):
        produced = mapper(ctx)
        for result in produced if isinstance(produced, list) else [produced]:
            ctx.results[result.domain] = result
    relrec = map_relrec_oncology(ctx)
    assert relrec.domain == "RELREC"
    assert relrec.data.values.tolist() == [
        ["ALTER-E-003", "TU", None, "TULNKID", None, "ONE", "TUTR"],
        ["ALTER-E-003", "TR", None, "TRLNKID", None, "MANY", "TUTR"],
        ["ALTER-E-003", "TR", None, "TRLNKGRP", None, "MANY", "TRRS"],
        ["ALTER-E-003", "RS", None, "RSLNKGRP", None, "ONE", "TRRS"],
    ]
    rs = ctx.results["RS"].data.dropna(subset=["RSLNKGRP"])
    rs_groups = list(zip(rs["USUBJID"], rs["RSLNKGRP"]))
    tr = ctx.results["TR"].data
    assert len(set(rs_groups)) == len(rs_groups) == 2
    assert set(rs_groups) <= set(zip(tr["USUBJID"], tr["TRLNKGRP"]))
    tr_ids = set(zip(ctx.results["TR"].data["USUBJID"], ctx.results["TR"].data["TRLNKID"]))
    assert tr_ids == set(zip(ctx.results["TU"].data["USUBJID"], ctx.results["TU"].data["TULNKID"]))


def test_relrec_is_empty_without_the_tumour_domains(tmp_path):
    assert map_relrec_oncology(make_ctx(tmp_path)).data.empty


@pytest.mark.slow
def test_committed_raw_data_conform_and_are_accounted_for():
    from sdtm.context import MappingContext
    from sdtm.dm import map_dm
    from sdtm.se import map_se

    raw = Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003"
    ctx = MappingContext(study=STUDY, mapping=MAPPING, raw=raw, cutoff=STUDY.cutoff_date())
    for mapper in (map_dm, map_se, map_tu, map_tr, map_rs, map_relrec_oncology):
        produced = mapper(ctx)
        for result in produced if isinstance(produced, list) else [produced]:
            ctx.results[result.domain] = result
    for name in ("RS", "RELREC"):
        findings = check_dataset(publishable(ctx.results[name].data), STUDY.sdtm.dataset(name), STUDY.sdtm.codelists,
                                 STUDY.sdtm.value_level)
        assert findings[findings["severity"] == "Error"].empty, findings
    rs = ctx.results["RS"]
    assert accounted_rows(ctx, rs) == raw_rows(raw, "tumour_response") | raw_rows(raw, "ecog")
    overall = rs.data[(rs.data["RSCAT"] == "RECIST 1.1") & (rs.data["RSTESTCD"] == "OVRLRESP")]
    assert overall["RSLNKGRP"].notna().all()
    assert set(overall["RSLNKGRP"]) <= set(ctx.results["TR"].data["TRLNKGRP"])
    baseline_ecog = rs.data[(rs.data["RSCAT"] == "ECOG") & (rs.data["RSLOBXFL"] == "Y")]
    treated = ctx.results["DM"].data["RFXSTDTC"].notna().sum()
    assert baseline_ecog["USUBJID"].is_unique and len(baseline_ecog) == treated


def test_one_pass_mapper_gives_the_same_domains_and_issues_as_the_three_mappers(raw):
    from sdtm.oncology import map_tumour

    write_form(raw, "01", "tumour_target", [
        {"SUBJID": "001", "VISIT": "SCR", "TRDAT": "2022-03-15", "TLID": "T01", "TLLOC": "Liver segment IV", "TLNODAL": "N",
         "TRMETHOD": "CT", "TRDIAM": "20"},
        {"SUBJID": "001", "VISIT": "TA_W006", "TRDAT": "2022-02-30", "TLID": "T01", "TLLOC": "Liver segment IV", "TLNODAL": "N",
         "TRMETHOD": "CT", "TRDIAM": ""},
    ])
    separate, together = make_ctx(raw), make_ctx(raw)
    expected = {r.domain: r for r in [*map_tu(separate), map_tr(separate), map_rs(separate)]}
    got = {r.domain: r for r in map_tumour(together)}
    assert sorted(got) == sorted(expected) == ["RS", "SUPPTU", "TR", "TU"]
    for name, result in got.items():
        pd.testing.assert_frame_equal(result.data, expected[name].data)
        for part in ("rejected", "excluded"):
            pd.testing.assert_frame_equal(getattr(result, part).reset_index(drop=True),
                                          getattr(expected[name], part).reset_index(drop=True))
    pd.testing.assert_frame_equal(together.issues.to_frame(), separate.issues.to_frame())
    assert sorted(issues(together)["check"]) == ["DATE001", "ONC003"]
