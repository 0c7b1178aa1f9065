"""CM, SUPPCM and the CM-AE links: con-meds and systemic prior/subsequent anticancer therapy."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import sdtm_support
from sdtm_support import outcomes

from sdtm.cm import compute_therapy_category, create_relrec_cmae, map_cm
from sdtm.context import MappingContext
from sdtm.mapping import load_mapping
from sdtm.pr import map_pr
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
CUTOFF = dt.date(2024, 12, 31)
KEYS = {"STUDYID": "ALTER-E-003", "VISIT": "LOG", "VISITNAME": "Log Forms", "FORMOID": "AE"}
S1, S2 = "ALTER-E-003-03-001", "ALTER-E-003-03-002"
DM = [{"USUBJID": S1, "RFSTDTC": "2022-04-10"}, {"USUBJID": S2, "RFSTDTC": "2022-05-01"}]
SE = [{"USUBJID": S1, "SESTDTC": "2022-04-01", "SEENDTC": "2022-04-10", "EPOCH": "SCREENING"},
      {"USUBJID": S1, "SESTDTC": "2022-04-10", "SEENDTC": None, "EPOCH": "TREATMENT"}]


write_form = partial(sdtm_support.write_form, mapping=MAPPING, keys=KEYS)


def make_ctx(raw: Path, dm: list[dict] = DM, se: list[dict] | None = SE) -> MappingContext:
    return sdtm_support.make_context(STUDY, MAPPING, raw, CUTOFF, dm, se, dm_columns=["USUBJID", "RFSTDTC"])


issues = sdtm_support.issues


errors = partial(sdtm_support.errors, study=STUDY)


CM_ROW = {"SUBJID": "001", "CMSPID": "1", "CMTRT": "Norvasc ", "CMDOSE": "5", "CMDOSU": "mg", "CMDOSFRQ": "QD", "CMROUTE": "ORAL",
          "CMINDC": "HTN", "CMSTDAT": "UN-MAR-2021", "CMENDAT": "", "CMONGO": "Yes", "CMAENO": ""}
PRIOR = {"SUBJID": "001", "PRSPID": "1", "PRTYPE": "CHEMOTHERAPY", "PRTRT": "Adjuvant paclitaxel + cisplatin x4",
         "PRSETTING": "ADJUVANT", "PRSTDAT": "UN-JUN-2020", "PRENDAT": "UN-AUG-2020"}
SURGERY = {**PRIOR, "PRSPID": "2", "PRTYPE": "SURGERY", "PRTRT": "Ivor Lewis esophagectomy", "PRSETTING": "CURATIVE",
           "PRSTDAT": "UN-MAY-2020", "PRENDAT": "UN-MAY-2020"}
NEXT = {"SUBJID": "001", "STSPID": "1", "STTYPE": "CHEMOTHERAPY", "STTRT": "Docetaxel", "STSTDAT": "01/03/2023", "STENDAT": ""}


def write_all(folder: Path, *, con_meds=None, prior=None, subsequent=None, ae=None) -> None:
    write_form(folder, "03", "con_meds", con_meds if con_meds is not None else [CM_ROW])
    write_form(folder, "03", "prior_therapy", prior if prior is not None else [PRIOR, SURGERY])
    write_form(folder, "03", "subsequent_therapy", subsequent if subsequent is not None else [NEXT])
    if ae is not None:
        write_form(folder, "03", "adverse_events", ae)


def test_general_medication_coded_with_units_and_ongoing(tmp_path):
    write_all(tmp_path)
    cm = map_cm(make_ctx(tmp_path))[0].data
    row = cm[cm["CMCAT"] == "GENERAL"].iloc[0]
    assert row[["CMTRT", "CMDECOD", "CMCLAS", "CMCLASCD", "CMINDC", "CMDOSE", "CMDOSU", "CMDOSFRQ", "CMROUTE"]].tolist() == [
        "Norvasc", "AMLODIPINE", "DIHYDROPYRIDINE DERIVATIVES", "C08CA", "HTN", 5.0, "mg", "QD", "ORAL"]
    assert row[["CMSTDTC", "CMENRTPT", "CMENTPT"]].tolist() == ["2021-03", "ONGOING", "END OF STUDY"]
    assert pd.isna(row["CMSTDY"]) and row["EPOCH"] is None


def test_units_frequency_route_of_other_medications(tmp_path):
    write_all(tmp_path, con_meds=[{**CM_ROW, "CMTRT": "Spiriva", "CMDOSE": "18", "CMDOSU": "ug", "CMROUTE": "RESPIRATORY (INHALATION)"},
                                  {**CM_ROW, "CMSPID": "2", "CMTRT": "Urea cream", "CMDOSE": "1", "CMDOSU": "application",
                                   "CMDOSFRQ": "Q12H", "CMROUTE": "TOPICAL"}])
    cm = map_cm(make_ctx(tmp_path))[0].data.set_index("CMTRT")
    assert cm.loc["Spiriva", ["CMDOSU", "CMROUTE", "CMDECOD"]].tolist() == ["ug", "RESPIRATORY (INHALATION)", "TIOTROPIUM BROMIDE"]
    assert cm.loc["Urea cream", ["CMDOSU", "CMDOSFRQ"]].tolist() == ["APPLICATION", "Q12H"]


def test_non_numeric_dose_and_unknown_unit_reported(tmp_path):
    write_all(tmp_path, con_meds=[{**CM_ROW, "CMDOSE": "5-10", "CMDOSU": "puffs"}])
    ctx = make_ctx(tmp_path)
    row = map_cm(ctx)[0].data.iloc[0]
    assert issues(ctx, "DOSE001") == [("site_03/con_meds.csv", 2, "CMDOSE", "5-10")]
    assert issues(ctx, "MAP001") == [("site_03/con_meds.csv", 2, "CMDOSU", "puffs")]
    assert pd.isna(row["CMDOSE"]) and row["CMDOSU"] == "PUFFS"


def test_prior_systemic_therapy_in_cm_with_setting_in_suppcm(tmp_path):
    write_all(tmp_path)
    cm, supp, _ = (r.data for r in map_cm(make_ctx(tmp_path)))
    prior = cm[cm["CMCAT"] == "PRIOR CANCER THERAPY"]
    assert prior[["CMTRT", "CMDECOD", "CMSCAT", "CMCLASCD", "CMSTDTC", "CMENDTC"]].values.tolist() == [
        ["Adjuvant paclitaxel + cisplatin x4", "PACLITAXEL + CISPLATIN", "CHEMOTHERAPY", "L01", "2020-06", "2020-08"]]
    assert supp[["IDVARVAL", "QNAM", "QVAL"]].values.tolist() == [[str(prior["CMSEQ"].iloc[0]), "TRTINTNT", "ADJUVANT"]]
    assert "Ivor Lewis esophagectomy" not in set(cm["CMTRT"])


def test_subsequent_therapy_after_cutoff_excluded(tmp_path):
    write_all(tmp_path, subsequent=[NEXT, {**NEXT, "STSPID": "2", "STTYPE": "TARGETED THERAPY", "STTRT": "Apatinib",
                                          "STSTDAT": "04/01/2025"}])
    cm = map_cm(make_ctx(tmp_path))[0]
    later = cm.data[cm.data["CMCAT"] == "SUBSEQUENT ANTICANCER THERAPY"]
    assert later[["CMTRT", "CMSCAT", "CMSTDTC", "CMSTDY", "EPOCH"]].values.tolist() == [["Docetaxel", "CHEMOTHERAPY", "2023-03-01", 326, "TREATMENT"]]
    assert cm.excluded[["SOURCE_FILE", "SOURCE_ROW"]].values.tolist() == [["site_03/subsequent_therapy.csv", 3]]


def test_therapy_category_by_value_map(tmp_path):
    ctx = make_ctx(tmp_path)
    frame = pd.DataFrame({"SOURCE_FILE": ["f"] * 3, "SOURCE_ROW": [2, 3, 4], "T": ["Surgery ", "chemotherapy", "Herbal"]})
    assert compute_therapy_category(frame, timing="PRIOR", type_column="T", ctx=ctx, report=True).tolist() == [
        "PRIOR CANCER SURGERY", "PRIOR CANCER THERAPY", None]
    assert issues(ctx, "MAP001") == [("f", 4, "T", "Herbal")]


def test_unknown_therapy_type_rejected_once(tmp_path):
    write_all(tmp_path, prior=[PRIOR, {**PRIOR, "PRSPID": "2", "PRTYPE": "HERBAL"}])
    ctx = make_ctx(tmp_path)
    results = map_cm(ctx) + map_pr(ctx)
    assert issues(ctx, "MAP001") == [("site_03/prior_therapy.csv", 3, "PRTYPE", "HERBAL")]
    states = outcomes(ctx, results, ["prior_therapy"])
    assert states == {("site_03/prior_therapy.csv", 2): "mapped", ("site_03/prior_therapy.csv", 3): "rejected"}


def test_uncoded_medication_reported(tmp_path):
    write_all(tmp_path, con_meds=[{**CM_ROW, "CMTRT": "Mystery tonic"}])
    ctx = make_ctx(tmp_path)
    assert map_cm(ctx)[0].data["CMDECOD"].tolist()[0] is None
    assert issues(ctx, "CODE001") == [("site_03/con_meds.csv", 2, "CMTRT", "Mystery tonic")]


def test_relrec_links_medication_to_its_adverse_event(tmp_path):
    ae_row = {"SUBJID": "001", "AESPID": "4", "AETERM": "HTN", "AESTDAT": "01/05/2022", "AEONGO": "Yes", "AETOXGR": "2",
              "AESER": "No", "AERELANL": "Probably related", "AERELBEN": "Not related", "AEACNANL": "Dose not changed",
              "AEACNBEN": "Dose not changed", "AEOUT": "Not recovered/Not resolved", "AEIRAE": "No"}
    write_all(tmp_path, con_meds=[{**CM_ROW, "CMAENO": "4", "CMSTDAT": "02/05/2022"}, {**CM_ROW, "CMSPID": "2", "CMAENO": "7"}], ae=[ae_row])
    from sdtm.ae import map_ae

    ctx = make_ctx(tmp_path)
    for result in map_ae(ctx):
        ctx.results[result.domain] = result
    relrec = map_cm(ctx)[2].data
    assert relrec[["RDOMAIN", "IDVAR", "IDVARVAL", "RELID"]].values.tolist() == [["AE", "AESEQ", "1", "CMAE1"], ["CM", "CMSEQ", "2", "CMAE1"]]
    assert relrec["RELTYPE"].isna().all() and set(relrec["USUBJID"]) == {S1}
    assert issues(ctx, "LINK001") == [("site_03/con_meds.csv", 3, "CMAENO", "7")]


def test_relrec_is_empty_without_links(tmp_path):
    cm = pd.DataFrame({"STUDYID": ["S"], "USUBJID": ["U"], "CMSEQ": [1], "_AENO": [None]})
    assert create_relrec_cmae(cm, None, make_ctx(tmp_path)).empty


def test_accounting_duplicates_unknown_subject_and_conformance(tmp_path):
    write_all(tmp_path, con_meds=[CM_ROW, CM_ROW, {**CM_ROW, "SUBJID": "077"}],
              prior=[PRIOR, PRIOR, SURGERY, {**PRIOR, "SUBJID": "077"}], subsequent=[NEXT])
    ctx = make_ctx(tmp_path)
    results = map_cm(ctx) + map_pr(ctx)
    states = outcomes(ctx, results, ["con_meds", "prior_therapy", "subsequent_therapy"])
    assert sorted(states.values()) == ["mapped"] * 4 + ["rejected"] * 4
    assert len(issues(ctx, "DUP001")) == 2 and len(issues(ctx, "SUBJ001")) == 2
    assert errors(results[0]).empty and errors(results[1]).empty
