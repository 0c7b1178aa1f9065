"""MH: general medical history and the primary diagnosis from the disease history page."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import sdtm_support
from sdtm_support import outcomes

from sdtm.context import MappingContext
from sdtm.mapping import load_mapping
from sdtm.mh import map_mh
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


HISTORY = {"SUBJID": "001", "MHSPID": "1", "MHTERM": "Hypertention ", "MHSTDAT": "UN-JUN-2018", "MHONGO": "Yes", "MHENDAT": ""}
DISEASE = {"SUBJID": "001", "VISIT": "SCR", "VISITNAME": "Screening", "DIAGDAT": "UN-JAN-2022", "HISTTYPE": "Squamous cell carcinoma",
           "DIFFGRD": "Moderately differentiated", "TUMLOC": "Middle thoracic", "DISSTAT": "Metastatic (de novo)", "TSTAGE": "T3",
           "NSTAGE": "N2", "MSTAGE": "M1", "STAGE": "IVB", "METLN": "Yes", "METLUNG": "No", "METLIVER": "No", "METBONE": "No",
           "METPLEUR": "No", "METADREN": "No", "PDL1CPS": "5", "PDL1ASSY": "22C3 pharmDx"}


def write_all(folder: Path, history=None, disease=None) -> None:
    write_form(folder, "03", "medical_history", history if history is not None else [HISTORY])
    write_form(folder, "03", "disease_history", disease if disease is not None else [DISEASE])


def test_general_history_coded_partial_date_ongoing(tmp_path):
    write_all(tmp_path)
    mh = map_mh(make_ctx(tmp_path)).data.set_index("MHCAT")
    row = mh.loc["GENERAL"]
    assert row[["MHTERM", "MHDECOD", "MHBODSYS", "MHSTDTC", "MHENRTPT", "MHENTPT"]].tolist() == [
        "Hypertention", "Hypertension", "Vascular disorders", "2018-06", "ONGOING", "SCREENING"]
    assert pd.isna(row["MHLNKID"])


def test_primary_diagnosis_record_with_link_id(tmp_path):
    write_all(tmp_path)
    mh = map_mh(make_ctx(tmp_path)).data.set_index("MHCAT")
    row = mh.loc["PRIMARY DIAGNOSIS"]
    assert row[["MHTERM", "MHDECOD", "MHBODSYS", "MHSTDTC", "MHLNKID"]].tolist() == [
        "Oesophageal squamous cell carcinoma", "Oesophageal squamous cell carcinoma",
        "Neoplasms benign, malignant and unspecified (incl cysts and polyps)", "2022-01", "PRIMARY DIAGNOSIS"]
    assert mh["MHSEQ"].to_dict() == {"PRIMARY DIAGNOSIS": 2, "GENERAL": 1}


def test_unknown_histology_and_uncoded_term_reported(tmp_path):
    write_all(tmp_path, history=[{**HISTORY, "MHTERM": "Old fracture"}], disease=[{**DISEASE, "HISTTYPE": "Adenocarcinoma"}])
    ctx = make_ctx(tmp_path)
    mh = map_mh(ctx).data.set_index("MHCAT")
    assert issues(ctx, "MAP001") == [("site_03/disease_history.csv", 2, "HISTTYPE", "Adenocarcinoma")]
    assert ("site_03/medical_history.csv", 2, "MHTERM", "Old fracture") in issues(ctx, "CODE001")
    assert mh.loc["PRIMARY DIAGNOSIS", "MHTERM"] == "ADENOCARCINOMA" and mh.loc["GENERAL", "MHDECOD"] is None


def test_bad_date_duplicates_unknown_subject_accounted(tmp_path):
    write_all(tmp_path, history=[{**HISTORY, "MHSTDAT": "UN-XYZ-2018"}, {**HISTORY, "MHSTDAT": "UN-XYZ-2018"},
                                 {**HISTORY, "SUBJID": "050"}], disease=[DISEASE, DISEASE])
    ctx = make_ctx(tmp_path)
    result = map_mh(ctx)
    assert issues(ctx, "DATE001") == [("site_03/medical_history.csv", 2, "MHSTDAT", "UN-XYZ-2018")]
    assert [(i.file, i.row) for i in ctx.issues.issues if i.check == "DUP001"] == [
        ("site_03/medical_history.csv", 3), ("site_03/disease_history.csv", 3)]
    states = outcomes(ctx, [result], ["medical_history", "disease_history"])
    assert sorted(states.values()) == ["mapped", "mapped", "rejected", "rejected", "rejected"]
    assert errors(result).empty
