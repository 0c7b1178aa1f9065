"""EX/SUPPEX: both dosing forms to EX (anlotinib periods, benmelstobart infusions); hand-made rows and the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import sdtm_support
from sdtm_support import issues, unaccounted

from sdtm.context import MappingContext
from sdtm.dm import map_dm
from sdtm.ex import ANLOTINIB_FORM, BENMELSTOBART_FORM, map_ex
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


FORMS = [ANLOTINIB_FORM, BENMELSTOBART_FORM]
DM = [{"USUBJID": "ALTER-E-003-03-001", "SEX": "M", "RFSTDTC": "2022-04-10", "RFXSTDTC": "2022-04-10"}]
SE = [{"USUBJID": "ALTER-E-003-03-001", "SESTDTC": "2022-04-10", "SEENDTC": None, "EPOCH": "TREATMENT"}]
C1 = {"VISIT": "C01D01", "VISITNAME": "Cycle 1 Day 1"}
C2 = {"VISIT": "C02D01", "VISITNAME": "Cycle 2 Day 1"}
C3 = {"VISIT": "C03D01", "VISITNAME": "Cycle 3 Day 1"}
PERIOD = {"EXDOSU": "mg", "EXDAYSPL": "14", "EXPHASE": "COMBINATION"}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "03", ANLOTINIB_FORM, [
        {"SUBJID": "001", **C1, **PERIOD, "CYCLE": "1", "EXSTDAT": "10/04/2022", "EXENDAT": "23/04/2022", "EXDOSE": "12",
         "EXDAYSTK": "9", "EXDAYSMS": "5", "EXINTRPT": "Yes", "EXINTRSN": "Adverse event", "EXADJ": "No"},
        {"SUBJID": "001", **C2, **PERIOD, "CYCLE": "2", "EXSTDAT": "01/05/2022", "EXENDAT": "14/05/2022", "EXDOSE": "10",
         "EXDAYSTK": "14", "EXDAYSMS": "0", "EXINTRPT": "N", "EXADJ": "y", "EXADJRSN": "Adverse event"},
        {"SUBJID": "001", **C3, **PERIOD, "CYCLE": "3", "EXSTDAT": "05/01/2025", "EXENDAT": "18/01/2025", "EXDOSE": "10",
         "EXDAYSTK": "14", "EXDAYSMS": "0", "EXINTRPT": "N", "EXADJ": "N"},
    ])
    write_form(folder, "03", BENMELSTOBART_FORM, [
        {"SUBJID": "001", **C1, "CYCLE": "1", "EXDAT": "10/04/2022", "EXSTTIM": "09:40", "EXENTIM": "10:45", "EXDOSE": "1200",
         "EXDOSU": "mg", "EXOCCUR": "Y"},
        {"SUBJID": "001", **C2, "CYCLE": "2", "EXDAT": "01/05/2022", "EXSTTIM": "", "EXENTIM": "", "EXDOSE": "0", "EXDOSU": "mg",
         "EXOCCUR": "No", "EXREASND": "Adverse event"},
        {"SUBJID": "001", **C3, "CYCLE": "3", "EXDAT": "22/05/2022", "EXSTTIM": "9.40", "EXENTIM": "", "EXDOSE": "1200", "EXDOSU": "mg",
         "EXOCCUR": "Y"},
    ])
    return folder


def _ex(results):
    return results[0].data.sort_values("EXSEQ").reset_index(drop=True)


def test_anlotinib_one_record_per_dosing_period(raw):
    data = _ex(map_ex(make_ctx(raw, DM, SE)))
    anl = data[data["EXTRT"] == "ANLOTINIB"]
    assert anl[["EXDOSE", "EXDOSU", "EXDOSFRM", "EXDOSFRQ", "EXROUTE", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY"]].values.tolist() == [
        [12.0, "mg", "CAPSULE", "QD", "ORAL", "2022-04-10", "2022-04-23", 1, 14],
        [10.0, "mg", "CAPSULE", "QD", "ORAL", "2022-05-01", "2022-05-14", 22, 35],
    ]
    assert anl["EXADJ"].tolist()[1] == "Adverse event" and pd.isna(anl["EXADJ"].tolist()[0])
    assert anl["VISITNUM"].isna().all() and anl["VISIT"].isna().all()  # taken at home: SDTMIG 3.4 EX assumption 4a


def test_interruption_counts_and_cycle_in_suppex(raw):
    results = map_ex(make_ctx(raw, DM, SE))
    supp = results[1].data
    first = supp[supp["IDVARVAL"] == "1"].set_index("QNAM")["QVAL"].to_dict()
    assert first == {"EXCYCLE": "1", "EXPLDAYS": "14", "EXTKDAYS": "9", "EXMSDAYS": "5", "EXINTRSN": "Adverse event"}
    assert set(supp["RDOMAIN"]) == {"EX"} and set(supp["IDVAR"]) == {"EXSEQ"} and set(supp["QORIG"]) == {"CRF"}


def test_benmelstobart_infusions_with_times_and_visit(raw):
    ctx = make_ctx(raw, DM, SE)
    data = _ex(map_ex(ctx))
    ben = data[data["EXTRT"] == "BENMELSTOBART"]
    assert ben[["EXDOSE", "EXDOSFRM", "EXDOSFRQ", "EXROUTE", "EXSTDTC", "EXENDTC", "VISITNUM", "VISIT"]].values.tolist() == [
        [1200.0, "INJECTION, SOLUTION", "EVERY 3 WEEKS", "INTRAVENOUS", "2022-04-10T09:40", "2022-04-10T10:45", 101.0, "Cycle 1 Day 1"],
        [1200.0, "INJECTION, SOLUTION", "EVERY 3 WEEKS", "INTRAVENOUS", "2022-05-22", "2022-05-22", 103.0, "Cycle 3 Day 1"],
    ]
    assert issues(ctx, "DATE001") == [("site_03/dosing_benmelstobart.csv", 4, "EXSTTIM", "9.40")]


def test_infusion_not_given_and_period_after_cutoff_are_excluded_with_reasons(raw):
    ctx = make_ctx(raw, DM, SE)
    results = map_ex(ctx)
    reasons = results[0].excluded.set_index(["SOURCE_FILE", "SOURCE_ROW"])["REASON"].to_dict()
    assert reasons[("site_03/dosing_anlotinib.csv", 4)] == "after data cut-off 2024-12-31"
    assert reasons[("site_03/dosing_benmelstobart.csv", 3)].startswith("planned infusion not given (EXOCCUR No, reason: Adverse event)")
    assert unaccounted(ctx, results, FORMS) == set()


def test_bad_dose_unknown_subject_and_duplicate(tmp_path):
    raw = tmp_path / "raw"
    row = {"SUBJID": "001", **C1, **PERIOD, "CYCLE": "1", "EXSTDAT": "10/04/2022", "EXENDAT": "23/04/2022", "EXDOSE": "twelve",
           "EXDAYSTK": "14", "EXDAYSMS": "0", "EXINTRPT": "N", "EXADJ": "N", "RECPOS": 1}
    write_form(raw, "03", ANLOTINIB_FORM, [row, row, {**row, "SUBJID": "007"}])
    write_form(raw, "03", BENMELSTOBART_FORM, [])
    ctx = make_ctx(raw, DM, SE)
    results = map_ex(ctx)
    assert [i[1:] for i in issues(ctx, "EX001")] == [(2, "EXDOSE", "twelve")]
    assert [i[1] for i in issues(ctx, "DUP001")] == [3] and [i[1] for i in issues(ctx, "SUBJ001")] == [4]
    assert unaccounted(ctx, results, FORMS) == set()


def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    results = map_ex(ctx)
    for result in results:
        assert conformance_errors(result).empty
    assert unaccounted(ctx, results, FORMS) == set()
    first_dose = results[0].data.groupby("USUBJID")["EXSTDTC"].min().str.slice(0, 10)
    assert (first_dose == ctx.domain("DM").set_index("USUBJID")["RFXSTDTC"].reindex(first_dose.index)).all()
