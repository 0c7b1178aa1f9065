"""AE and SUPPAE: hand-made adverse-event rows, each kind of bad input, and the multiple-treatment rule."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import sdtm_support
from sdtm_support import outcomes

from sdtm.ae import FORM, compute_multiple_treatment, derive_vars_enrtpt, map_ae
from sdtm.context import MappingContext
from sdtm.mapping import load_mapping
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


ROW = {"SUBJID": "001", "AESPID": "1", "AETERM": "  gao xue ya (hypertension) ", "AESTDAT": "15/04/2022", "AEENDAT": "20/05/2022",
       "AEONGO": "No", "AETOXGR": "3", "AESER": "No", "AESDTH": "No", "AERELANL": "Probably related ", "AERELBEN": "UNLIKELY RELATED",
       "AEACNANL": "Dose reduced", "AEACNBEN": "Dose not changed", "AEOUT": "Recovered/Resolved", "AEIRAE": "No"}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "03", FORM, [
        ROW,
        {**ROW, "AESPID": "2", "AETERM": "Rash", "AESTDAT": "01/05/2022", "AEENDAT": "", "AEONGO": "Yes", "AETOXGR": "1",
         "AERELANL": "Possibly related", "AERELBEN": "possibly related", "AEACNANL": "Not applicable", "AEACNBEN": "Drug interrupted",
         "AEOUT": "Not recovered/Not resolved", "AEIRAE": "Yes"},
        {**ROW, "AESPID": "3", "AETERM": "Upper GI bleeding", "AESTDAT": "03/06/2022", "AEENDAT": "03/06/2022", "AETOXGR": "5",
         "AESER": "Yes", "AESDTH": "Yes", "AESLIFE": "No", "AESHOSP": "Yes", "AESDISAB": "No", "AESCONG": "No", "AESMIE": "No",
         "AEOUT": "Fatal", "AEACNANL": "Drug withdrawn", "AEACNBEN": "Drug withdrawn"},
    ])
    return folder


def test_aeterm_verbatim_trimmed_and_coded(raw):
    ae = map_ae(make_ctx(raw))[0].data.set_index("AESPID")
    first = ae.loc["1"]
    assert first["AETERM"] == "gao xue ya (hypertension)"
    assert first[["AELLT", "AEDECOD", "AEHLT", "AEHLGT", "AEBODSYS", "AESOC"]].tolist() == [
        "Hypertension", "Hypertension", "Vascular hypertensive disorders NEC", "Vascular hypertensive disorders",
        "Vascular disorders", "Vascular disorders"]


def test_dates_grade_seriousness_outcome(raw):
    ae = map_ae(make_ctx(raw))[0].data.set_index("AESPID")
    fatal = ae.loc["3"]
    assert fatal[["AESTDTC", "AEENDTC", "AETOXGR", "AESER", "AESDTH", "AESHOSP", "AESLIFE", "AEOUT"]].tolist() == [
        "2022-06-03", "2022-06-03", "5", "Y", "Y", "Y", "N", "FATAL"]
    assert ae.loc["1", "AESTDTC"] == "2022-04-15" and pd.isna(ae.loc["1", "AESLIFE"])


def test_multiple_treatments_rule():
    rel = compute_multiple_treatment([pd.Series(["NOT RELATED", "POSSIBLY RELATED", None]),
                                      pd.Series(["NOT RELATED", "PROBABLY RELATED", "NOT RELATED"])])
    acn = compute_multiple_treatment([pd.Series(["NOT APPLICABLE", "NOT APPLICABLE", "DOSE REDUCED"]),
                                      pd.Series(["DRUG WITHDRAWN", "NOT APPLICABLE", "DOSE NOT CHANGED"])], ignore=["NOT APPLICABLE"])
    assert rel.tolist() == ["NOT RELATED", "MULTIPLE", "NOT RELATED"]
    assert acn.tolist() == ["DRUG WITHDRAWN", "NOT APPLICABLE", "MULTIPLE"]


def test_aerel_aeacn_and_per_drug_values_in_suppae(raw):
    ae, supp = (r.data for r in map_ae(make_ctx(raw)))
    ae = ae.set_index("AESPID")
    assert ae.loc["1", ["AEREL", "AEACN"]].tolist() == ["MULTIPLE", "MULTIPLE"]
    assert ae.loc["2", ["AEREL", "AEACN"]].tolist() == ["POSSIBLY RELATED", "DRUG INTERRUPTED"]
    assert ae.loc["3", "AEACN"] == "DRUG WITHDRAWN"
    seq = str(ae.loc["2", "AESEQ"])
    values = supp[supp["IDVARVAL"] == seq].set_index("QNAM")["QVAL"].to_dict()
    assert values == {"AERELANL": "POSSIBLY RELATED", "AERELBEN": "POSSIBLY RELATED", "AEACNANL": "NOT APPLICABLE",
                      "AEACNBEN": "DRUG INTERRUPTED", "AEIRFL": "Y"}
    assert set(supp["RDOMAIN"]) == {"AE"} and set(supp["IDVAR"]) == {"AESEQ"} and set(supp["QORIG"]) == {"CRF"}
    assert "AERELANL" not in ae.columns


def test_ongoing_event_relative_end(raw):
    ae = map_ae(make_ctx(raw))[0].data.set_index("AESPID")
    assert ae.loc["2", ["AEENRTPT", "AEENTPT"]].tolist() == ["ONGOING", "END OF STUDY"]
    assert ae.loc["1", ["AEENRTPT", "AEENTPT"]].isna().all()


def test_enrtpt_rules_and_ongoing_with_end_date_reported(tmp_path):
    ctx = make_ctx(tmp_path)
    raw = pd.DataFrame({"SOURCE_FILE": ["f"] * 4, "SOURCE_ROW": [2, 3, 4, 5], "XXONGO": ["y", "n", None, "Yes"]})
    data = pd.DataFrame({"XXENDTC": [None, None, None, "2022-01-01"]})
    out = derive_vars_enrtpt(data, prefix="XX", ongoing=pd.Series(["Y", "N", None, "Y"]), reference="REF", ctx=ctx, raw=raw,
                             ongoing_column="XXONGO")
    assert out["XXENRTPT"].tolist() == ["ONGOING", "BEFORE", "UNKNOWN", None]
    assert out["XXENTPT"].tolist() == ["REF", "REF", "REF", None]
    assert issues(ctx, "ONGO001") == [("f", 5, "XXONGO", "Yes")]


def test_seq_study_day_epoch(raw):
    ae = map_ae(make_ctx(raw))[0].data.set_index("AESPID")
    # AESEQ follows the keys: AEDECOD (Hypertension, Rash, Upper gastrointestinal haemorrhage)
    assert ae["AESEQ"].to_dict() == {"1": 1, "2": 2, "3": 3}
    assert ae.loc["1", ["AESTDY", "AEENDY", "EPOCH"]].tolist() == [6, 41, "TREATMENT"]


def test_duplicate_row_rejected_even_with_new_record_position(tmp_path):
    folder = tmp_path / "raw"
    write_form(folder, "03", FORM, [ROW, ROW, {**ROW, "AESPID": "2"}])
    ctx = make_ctx(folder)
    ae = map_ae(ctx)[0]
    assert len(ae.data) == 2 and ae.rejected[["SOURCE_ROW", "REASON"]].values.tolist() == [[3, "duplicate record"]]
    assert [i.row for i in ctx.issues.issues if i.check == "DUP001"] == [3]


def test_unknown_subject_rejected(tmp_path):
    folder = tmp_path / "raw"
    write_form(folder, "03", FORM, [ROW, {**ROW, "SUBJID": "099"}])
    ctx = make_ctx(folder)
    ae = map_ae(ctx)[0]
    assert issues(ctx, "SUBJ001") == [("site_03/adverse_events.csv", 3, "SUBJID", "03-099")]
    assert ae.rejected["REASON"].tolist() == ["subject not in demographics"]


def test_unparseable_date_unknown_code_uncoded_verbatim(tmp_path):
    folder = tmp_path / "raw"
    write_form(folder, "03", FORM, [{**ROW, "AESTDAT": "31/02/2022", "AEOUT": "Better", "AETERM": "Felt odd"}])
    ctx = make_ctx(folder)
    ae = map_ae(ctx)[0].data.iloc[0]
    assert issues(ctx, "DATE001") == [("site_03/adverse_events.csv", 2, "AESTDAT", "31/02/2022")]
    assert issues(ctx, "MAP001") == [("site_03/adverse_events.csv", 2, "AEOUT", "Better")]
    assert issues(ctx, "CODE001") == [("site_03/adverse_events.csv", 2, "AETERM", "Felt odd")]
    assert ae["AESTDTC"] is None and ae["AETERM"] == "Felt odd" and ae["AEDECOD"] is None


def test_after_cutoff_excluded_partial_start_kept(tmp_path):
    folder = tmp_path / "raw"
    write_form(folder, "01", FORM, [{**ROW, "SUBJID": "001", "AESTDAT": "2025-01-05", "AEENDAT": ""},
                                    {**ROW, "SUBJID": "001", "AESPID": "2", "AESTDAT": "2024-12", "AEENDAT": ""}])
    ctx = make_ctx(folder, dm=[{"USUBJID": "ALTER-E-003-01-001", "RFSTDTC": "2022-04-10"}], se=None)
    ae = map_ae(ctx)[0]
    assert ae.data["AESTDTC"].tolist() == ["2024-12"] and ae.data["AESTDY"].isna().all()
    assert ae.excluded[["SOURCE_ROW", "REASON"]].values.tolist() == [[2, "after data cut-off 2024-12-31"]]


def test_missing_column_and_wrong_encoding_reject_the_files(tmp_path):
    folder = tmp_path / "raw"
    write_form(folder, "01", FORM, [{**ROW, "SUBJID": "001", "AESTDAT": "2022-04-15", "AEENDAT": ""}], drop=("AEOUT",))
    write_form(folder, "03", FORM, [{**ROW, "AETERM": "Fièvre"}], encoding="latin-1")
    ctx = make_ctx(folder)
    results = map_ae(ctx)
    assert results[0].data.empty
    assert {(i.file, i.check) for i in ctx.issues.issues} >= {("site_01/adverse_events.csv", "RAW002"),
                                                               ("site_03/adverse_events.csv", "RAW001")}
    assert set(outcomes(ctx, results, [FORM]).values()) == {"rejected"}


def test_every_row_accounted_and_conformant(tmp_path):
    folder = tmp_path / "raw"
    write_form(folder, "03", FORM, [ROW, ROW, {**ROW, "SUBJID": "099"}, {**ROW, "AESPID": "2", "AESTDAT": "05/01/2025"},
                                    {**ROW, "AESPID": "3", "AETERM": "Rash"}])
    ctx = make_ctx(folder)
    results = map_ae(ctx)
    assert sorted(outcomes(ctx, results, [FORM]).values()) == ["excluded", "mapped", "mapped", "rejected", "rejected"]
    assert errors(results[0]).empty and errors(results[1]).empty
