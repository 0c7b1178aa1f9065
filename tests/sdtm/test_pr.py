"""PR and SUPPPR: prior surgery/radiotherapy and subsequent radiotherapy from the therapy forms."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import sdtm_support
from sdtm_support import outcomes

from sdtm.cm import map_cm
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


SURGERY = {"SUBJID": "001", "PRSPID": "1", "PRTYPE": "SURGERY", "PRTRT": "McKeown esophagectomy (three-incision)",
           "PRSETTING": "CURATIVE", "PRSTDAT": "UN-MAR-2020", "PRENDAT": "UN-MAR-2020"}
RADIO = {**SURGERY, "PRSPID": "2", "PRTYPE": "RADIOTHERAPY", "PRTRT": "Palliative radiotherapy to bone metastasis 30 Gy/10 fx",
         "PRSETTING": "PALLIATIVE", "PRSTDAT": "02/03/2022", "PRENDAT": "14/03/2022"}
CHEMO = {**SURGERY, "PRSPID": "3", "PRTYPE": "CHEMOTHERAPY", "PRTRT": "Adjuvant paclitaxel + cisplatin x4", "PRSETTING": "ADJUVANT"}
LATER_RT = {"SUBJID": "001", "STSPID": "1", "STTYPE": "RADIOTHERAPY", "STTRT": "Radiotherapy to oesophageal primary (50 Gy/25 fx)",
            "STSTDAT": "04/08/2024", "STENDAT": "10/09/2024"}


def write_all(folder: Path, prior=None, subsequent=None) -> None:
    write_form(folder, "03", "prior_therapy", prior if prior is not None else [SURGERY, RADIO, CHEMO])
    write_form(folder, "03", "subsequent_therapy", subsequent if subsequent is not None else [LATER_RT])
    write_form(folder, "03", "con_meds", [])


def test_surgery_and_radiotherapy_coded_with_category(tmp_path):
    write_all(tmp_path)
    pr = map_pr(make_ctx(tmp_path))[0].data.set_index("PRCAT")
    assert pr.loc["PRIOR CANCER SURGERY", ["PRTRT", "PRDECOD", "PRLOC", "PRSTDTC", "PRENDTC"]].tolist() == [
        "McKeown esophagectomy (three-incision)", "EXCISION", "ESOPHAGUS", "2020-03", "2020-03"]
    assert pr.loc["PRIOR RADIOTHERAPY", ["PRDECOD", "PRLOC", "PRSTDTC", "PRSTDY", "EPOCH"]].tolist() == [
        "RADIOTHERAPY", "BONE", "2022-03-02", -39, None]
    later = pr.loc["SUBSEQUENT RADIOTHERAPY"]
    assert later[["PRDECOD", "PRLOC", "PRSTDTC", "PRENDTC", "PRSTDY", "EPOCH"]].tolist() == [
        "RADIOTHERAPY", "ESOPHAGUS", "2024-08-04", "2024-09-10", 848, "TREATMENT"]


def test_chemotherapy_rows_are_not_procedures(tmp_path):
    write_all(tmp_path)
    pr = map_pr(make_ctx(tmp_path))[0].data
    assert "Adjuvant paclitaxel + cisplatin x4" not in set(pr["PRTRT"]) and len(pr) == 3


def test_setting_in_supppr(tmp_path):
    write_all(tmp_path)
    pr, supp = (r.data for r in map_pr(make_ctx(tmp_path)))
    by_seq = pr.set_index("PRSEQ")["PRCAT"].to_dict()
    got = {by_seq[int(v)]: q for v, q in zip(supp["IDVARVAL"], supp["QVAL"])}
    assert got == {"PRIOR CANCER SURGERY": "CURATIVE", "PRIOR RADIOTHERAPY": "PALLIATIVE"}
    assert set(supp["QNAM"]) == {"TRTINTNT"} and set(supp["RDOMAIN"]) == {"PR"}


def test_after_cutoff_excluded_and_bad_date_reported(tmp_path):
    write_all(tmp_path, prior=[{**RADIO, "PRSTDAT": "31/02/2022"}], subsequent=[{**LATER_RT, "STSTDAT": "05/01/2025"}])
    ctx = make_ctx(tmp_path)
    pr = map_pr(ctx)[0]
    assert pr.data["PRSTDTC"].tolist() == [None]
    assert issues(ctx, "DATE001") == [("site_03/prior_therapy.csv", 2, "PRSTDAT", "31/02/2022")]
    assert pr.excluded[["SOURCE_FILE", "SOURCE_ROW"]].values.tolist() == [["site_03/subsequent_therapy.csv", 2]]


def test_uncoded_procedure_reported(tmp_path):
    write_all(tmp_path, prior=[{**SURGERY, "PRTRT": "Stent placement"}], subsequent=[])
    ctx = make_ctx(tmp_path)
    assert map_pr(ctx)[0].data["PRDECOD"].tolist() == [None]
    assert issues(ctx, "CODE001") == [("site_03/prior_therapy.csv", 2, "PRTRT", "Stent placement")]


def test_every_therapy_row_ends_in_cm_or_pr_and_conforms(tmp_path):
    write_all(tmp_path, prior=[SURGERY, RADIO, CHEMO, SURGERY, {**SURGERY, "SUBJID": "044"}], subsequent=[LATER_RT])
    ctx = make_ctx(tmp_path)
    cm, pr = map_cm(ctx), map_pr(ctx)
    states = outcomes(ctx, cm + pr, ["prior_therapy", "subsequent_therapy"])
    assert sorted(states.values()) == ["mapped"] * 4 + ["rejected"] * 2
    assert errors(pr[0]).empty and errors(pr[1]).empty
