"""SU and SUPPSU: tobacco and alcohol use at screening (never / former / current, pack-years)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import sdtm_support
from sdtm_support import outcomes

from sdtm.context import MappingContext
from sdtm.mapping import load_mapping
from sdtm.su import derive_vars_su_timing, map_su
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
CUTOFF = dt.date(2024, 12, 31)
KEYS = {"STUDYID": "ALTER-E-003", "VISIT": "SCR", "VISITNAME": "Screening", "FORMOID": "SU"}
S1, S2 = "ALTER-E-003-03-001", "ALTER-E-003-03-002"
DM = [{"USUBJID": S1, "RFSTDTC": "2022-04-10"}, {"USUBJID": S2, "RFSTDTC": "2022-05-01"}]
SE = [{"USUBJID": S1, "SESTDTC": "2022-04-01", "SEENDTC": "2022-04-10", "EPOCH": "SCREENING"},
      {"USUBJID": S1, "SESTDTC": "2022-04-10", "SEENDTC": None, "EPOCH": "TREATMENT"}]


write_form = partial(sdtm_support.write_form, mapping=MAPPING, keys=KEYS)


def make_ctx(raw: Path, dm: list[dict] = DM, se: list[dict] | None = SE) -> MappingContext:
    return sdtm_support.make_context(STUDY, MAPPING, raw, CUTOFF, dm, se, dm_columns=["USUBJID", "RFSTDTC"])


issues = sdtm_support.issues


errors = partial(sdtm_support.errors, study=STUDY)


FORM = "substance_use"
ROWS = [{"SUBJID": "001", "SUTRT": "TOBACCO", "SUNCF": "CURRENT", "SUPKYRS": "17"},
        {"SUBJID": "001", "SUTRT": "ALCOHOL", "SUNCF": "NEVER", "SUPKYRS": ""},
        {"SUBJID": "002", "SUTRT": "TOBACCO", "SUNCF": "former", "SUPKYRS": "28.5"},
        {"SUBJID": "002", "SUTRT": "ALCOHOL", "SUNCF": "FORMER", "SUPKYRS": ""}]


def test_status_gives_occurrence_and_relative_timing():
    out = derive_vars_su_timing(pd.DataFrame(index=[0, 1, 2, 3]), pd.Series(["NEVER", "FORMER", "CURRENT", None]),
                                pd.Series(["SCREENING"] * 4))
    assert out.values.tolist() == [
        ["N", None, None, None, None],
        ["Y", "BEFORE", "SCREENING", "BEFORE", "SCREENING"],
        ["Y", "BEFORE", "SCREENING", "ONGOING", "SCREENING"],
        [None, None, None, None, None]]


def test_su_records_prespecified(tmp_path):
    write_form(tmp_path, "03", FORM, ROWS)
    su = map_su(make_ctx(tmp_path))[0].data.set_index(["USUBJID", "SUTRT"])
    assert su.loc[(S1, "TOBACCO"), ["SUPRESP", "SUOCCUR", "SUSTRTPT", "SUSTTPT", "SUENRTPT", "SUENTPT"]].tolist() == [
        "Y", "Y", "BEFORE", "SCREENING", "ONGOING", "SCREENING"]
    assert su.loc[(S1, "ALCOHOL"), "SUOCCUR"] == "N" and su.loc[(S2, "TOBACCO"), "SUENRTPT"] == "BEFORE"
    assert su.loc[(S1, "ALCOHOL"), "SUSEQ"] == 1 and su.loc[(S1, "TOBACCO"), "SUSEQ"] == 2


def test_pack_years_in_suppsu(tmp_path):
    write_form(tmp_path, "03", FORM, ROWS)
    supp = map_su(make_ctx(tmp_path))[1].data
    assert supp[["USUBJID", "IDVAR", "QNAM", "QLABEL", "QVAL", "QORIG"]].values.tolist() == [
        [S1, "SUSEQ", "PACKYRS", "Tobacco Use in Pack-Years", "17", "CRF"],
        [S2, "SUSEQ", "PACKYRS", "Tobacco Use in Pack-Years", "28.5", "CRF"]]


def test_bad_pack_years_unknown_status_never_smoker_with_pack_years(tmp_path):
    write_form(tmp_path, "03", FORM, [{**ROWS[0], "SUPKYRS": "many"}, {**ROWS[1], "SUNCF": "Sometimes"},
                                      {**ROWS[2], "SUNCF": "NEVER", "SUPKYRS": "3"}])
    ctx = make_ctx(tmp_path)
    su, supp = (r.data for r in map_su(ctx))
    assert issues(ctx, "NUM001") == [("site_03/substance_use.csv", 2, "SUPKYRS", "many")]
    assert issues(ctx, "MAP001") == [("site_03/substance_use.csv", 3, "SUNCF", "Sometimes")]
    assert issues(ctx, "SU001") == [("site_03/substance_use.csv", 4, "SUPKYRS", "3")]
    assert supp["QVAL"].tolist() == ["3"] and su["SUOCCUR"].tolist()[1] is None


def test_accounting_duplicate_unknown_subject_and_conformance(tmp_path):
    write_form(tmp_path, "03", FORM, ROWS + [ROWS[0], {**ROWS[0], "SUBJID": "009"}])
    ctx = make_ctx(tmp_path)
    results = map_su(ctx)
    assert sorted(outcomes(ctx, results, [FORM]).values()) == ["mapped"] * 4 + ["rejected"] * 2
    assert errors(results[0]).empty and errors(results[1]).empty
