"""FA: findings about the primary diagnosis (grade, location, status, TNM, stage, metastatic sites)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import sdtm_support
from sdtm_support import outcomes

from sdtm.context import MappingContext
from sdtm.fa import create_relrec_fa, map_fa
from sdtm.mapping import load_mapping
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
CUTOFF = dt.date(2024, 12, 31)
KEYS = {"STUDYID": "ALTER-E-003", "VISIT": "SCR", "VISITNAME": "Screening", "FORMOID": "DH"}
S1, S2 = "ALTER-E-003-03-001", "ALTER-E-003-03-002"
DM = [{"USUBJID": S1, "RFSTDTC": "2022-04-10"}, {"USUBJID": S2, "RFSTDTC": "2022-05-01"}]
SE = [{"USUBJID": S1, "SESTDTC": "2022-04-01", "SEENDTC": "2022-04-10", "EPOCH": "SCREENING"},
      {"USUBJID": S1, "SESTDTC": "2022-04-10", "SEENDTC": None, "EPOCH": "TREATMENT"}]


write_form = partial(sdtm_support.write_form, mapping=MAPPING, keys=KEYS)


def make_ctx(raw: Path, dm: list[dict] = DM, se: list[dict] | None = SE) -> MappingContext:
    return sdtm_support.make_context(STUDY, MAPPING, raw, CUTOFF, dm, se, dm_columns=["USUBJID", "RFSTDTC"])


issues = sdtm_support.issues


errors = partial(sdtm_support.errors, study=STUDY)


DISEASE = {"SUBJID": "001", "DIAGDAT": "UN-JAN-2022", "HISTTYPE": "Squamous cell carcinoma", "DIFFGRD": "Moderately differentiated",
           "TUMLOC": "Middle thoracic", "DISSTAT": "Metastatic (de novo)", "TSTAGE": "T4a", "NSTAGE": "N2", "MSTAGE": "M1",
           "STAGE": "IVB", "METLN": "Yes", "METLUNG": "No", "METLIVER": "y", "METBONE": "No", "METPLEUR": "No", "METADREN": "No",
           "METOTHSP": "", "PDL1CPS": "5", "PDL1ASSY": "22C3 pharmDx"}


def write_all(folder: Path, disease=None, visits=None) -> None:
    write_form(folder, "03", "disease_history", disease if disease is not None else [DISEASE])
    write_form(folder, "03", "visit_dates", visits if visits is not None else [{"SUBJID": "001", "VISDAT": "05/04/2022"}])


def test_one_record_per_characteristic_with_standard_results(tmp_path):
    write_all(tmp_path)
    fa = map_fa(make_ctx(tmp_path))[0].data
    single = fa[fa["FATESTCD"] != "METIND"].set_index("FATESTCD")
    assert single[["FATEST", "FAORRES", "FASTRESC", "FASCAT"]].to_dict("index") == {
        "HISTGRD": {"FATEST": "Histologic Grade", "FAORRES": "Moderately differentiated", "FASTRESC": "MODERATELY DIFFERENTIATED", "FASCAT": "HISTOPATHOLOGY"},
        "PLLOC": {"FATEST": "Anatomical Location of Primary Lesion", "FAORRES": "Middle thoracic", "FASTRESC": "ESOPHAGUS, MIDDLE THIRD", "FASCAT": "PRIMARY TUMOR"},
        "DISSTAT": {"FATEST": "Disease Status at Study Entry", "FAORRES": "Metastatic (de novo)", "FASTRESC": "METASTATIC (DE NOVO)", "FASCAT": None},
        "TSTAGE": {"FATEST": "AJCC Primary Tumor (T) Category", "FAORRES": "T4a", "FASTRESC": "T4a", "FASCAT": "TNM STAGING"},
        "NSTAGE": {"FATEST": "AJCC Regional Lymph Nodes (N) Category", "FAORRES": "N2", "FASTRESC": "N2", "FASCAT": "TNM STAGING"},
        "MSTAGE": {"FATEST": "AJCC Distant Metastasis (M) Category", "FAORRES": "M1", "FASTRESC": "M1", "FASCAT": "TNM STAGING"},
        "STAGE": {"FATEST": "AJCC Stage Group", "FAORRES": "IVB", "FASTRESC": "IVB", "FASCAT": "TNM STAGING"},
    }
    assert set(fa["FAOBJ"]) == {"Oesophageal squamous cell carcinoma"} and set(fa["FACAT"]) == {"DISEASE CHARACTERISTICS"}
    assert set(fa["FALNKID"]) == {"PRIMARY DIAGNOSIS"}


def test_metastatic_sites_as_indicator_with_location(tmp_path):
    write_all(tmp_path, disease=[{**DISEASE, "METOTHSP": "Brain"}])
    fa = map_fa(make_ctx(tmp_path))[0].data
    sites = fa[fa["FATESTCD"] == "METIND"].set_index("FALOC")
    assert sites["FASTRESC"].to_dict() == {"LYMPH NODE": "Y", "LUNG": "N", "LIVER": "Y", "BONE": "N", "PLEURA": "N",
                                           "ADRENAL GLAND": "N", "BRAIN": "Y"}
    assert sites.loc["LIVER", "FAORRES"] == "y" and set(sites["FATEST"]) == {"Distant Metastasis Indicator"}


def test_visit_collection_date_study_day_epoch(tmp_path):
    write_all(tmp_path)
    fa = map_fa(make_ctx(tmp_path))[0].data
    assert fa[["VISITNUM", "VISIT", "FADTC", "FADY", "EPOCH"]].drop_duplicates().values.tolist() == [
        [1.0, "Screening", "2022-04-05", -5, "SCREENING"]]
    assert sorted(fa["FASEQ"]) == list(range(1, 14))


def test_unanswered_items_give_no_record_and_unknown_values_are_reported(tmp_path):
    write_all(tmp_path, disease=[{**DISEASE, "STAGE": "", "TSTAGE": "T5", "METOTHSP": "Kidney"}], visits=[])
    ctx = make_ctx(tmp_path)
    fa = map_fa(ctx)[0].data
    assert "STAGE" not in set(fa["FATESTCD"]) and fa["FADTC"].isna().all()
    assert issues(ctx, "MAP001") == [("site_03/disease_history.csv", 2, "TSTAGE", "T5"),
                                     ("site_03/disease_history.csv", 2, "METOTHSP", "Kidney")]


def test_relrec_links_fa_to_the_primary_diagnosis(tmp_path):
    write_all(tmp_path)
    relrec = map_fa(make_ctx(tmp_path))[1]
    assert relrec.domain == "RELREC_FA"
    assert relrec.data[["RDOMAIN", "IDVAR", "RELTYPE", "RELID"]].values.tolist() == [
        ["MH", "MHLNKID", "ONE", "MHFA"], ["FA", "FALNKID", "MANY", "MHFA"]]
    assert relrec.data["USUBJID"].isna().all() and relrec.data["IDVARVAL"].isna().all()
    assert create_relrec_fa(pd.DataFrame(), "S").empty


def test_accounting_and_conformance(tmp_path):
    write_all(tmp_path, disease=[DISEASE, {**DISEASE, "SUBJID": "002", "METOTHSP": "Peritoneum"}])
    ctx = make_ctx(tmp_path)
    results = map_fa(ctx)
    assert set(outcomes(ctx, results, ["disease_history"]).values()) == {"mapped"}
    assert errors(results[0]).empty
