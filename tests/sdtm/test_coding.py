"""Study coding tables and lookups; and the real committed raw data through AE/CM/MH/PR/SU/FA."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sdtm.ae import map_ae
from sdtm.build import publishable, run_mappers
from sdtm.cm import map_cm
from sdtm.coding import code_events, code_medications, coding_table, compute_coded_terms
from sdtm.context import MappingContext
from sdtm.dm import map_dm
from sdtm.fa import map_fa
from sdtm.mapping import load_mapping, normalise_text
from sdtm.mh import map_mh
from sdtm.pr import map_pr
from sdtm.se import map_se
from sdtm.su import map_su
from specs.conformance import check_dataset
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
RAW = Path(__file__).resolve().parents[2] / "rawdata" / "alter_e003"
MY_FORMS = ["adverse_events", "con_meds", "medical_history", "disease_history", "prior_therapy", "subsequent_therapy", "substance_use"]


def test_table_keys_are_normalised_and_blank_cells_missing():
    table = coding_table([{"KEY": " hfsr ", "PT": "Palmar-plantar erythrodysaesthesia syndrome", "HLT": " "}], ["PT", "HLT"])
    assert table.index.tolist() == ["HFSR"] and table.loc["HFSR", "HLT"] is None


def test_conflicting_rows_for_one_key_are_a_spec_error():
    with pytest.raises(ValueError, match="HTN"):
        coding_table([{"KEY": "HTN", "PT": "Hypertension"}, {"KEY": "htn", "PT": "Blood pressure increased"}], ["PT"])


def test_lookup_is_case_and_blank_insensitive():
    table = coding_table([{"KEY": "GAO XUE YA (HYPERTENSION)", "PT": "Hypertension"}], ["PT"])
    coded = compute_coded_terms(pd.Series(["gao  xue ya (Hypertension) ", "HTN", None], index=[5, 6, 7]), table)
    assert coded["PT"].to_dict() == {5: "Hypertension", 6: None, 7: None}


def test_unknown_verbatim_is_code001_and_left_uncoded(tmp_path):
    ctx = MappingContext(STUDY, MAPPING, tmp_path, dt.date(2024, 12, 31))
    frame = pd.DataFrame({"SOURCE_FILE": ["f", "f"], "SOURCE_ROW": [2, 3], "AETERM": ["HTN", "Zzz"]})
    coded = code_events(frame, "AETERM", ctx, prefix="AE")
    assert coded[["AELLT", "AEDECOD", "AESOC"]].values.tolist() == [["Hypertension", "Hypertension", "Vascular disorders"],
                                                                   [None, None, None]]
    assert [(i.file, i.row, i.column, i.value, i.check, i.severity) for i in ctx.issues.issues] == [
        ("f", 3, "AETERM", "Zzz", "CODE001", "WARNING")]


def test_medication_table_gives_standard_name_and_atc_class(tmp_path):
    ctx = MappingContext(STUDY, MAPPING, tmp_path, dt.date(2024, 12, 31))
    frame = pd.DataFrame({"SOURCE_FILE": ["f", "f"], "SOURCE_ROW": [2, 3], "CMTRT": ["OME", "Lian hua qing wen"]})
    coded = code_medications(frame, "CMTRT", ctx)
    assert coded.values.tolist() == [["OMEPRAZOLE", "A02BC", "PROTON PUMP INHIBITORS"], ["LIANHUA QINGWEN", None, None]]
    assert not ctx.issues.issues


def test_tables_cover_every_committed_verbatim():
    ctx = MappingContext(STUDY, MAPPING, RAW, dt.date(2024, 12, 31))

    def keys(form: str, column: str, where=None) -> set:
        data = ctx.form(form).data
        if where is not None:
            data = data[where(data)]
        return set(data[column].map(normalise_text).dropna())

    systemic = {"CHEMOTHERAPY", "TARGETED THERAPY", "IMMUNOTHERAPY"}
    events = {normalise_text(r["KEY"]) for r in MAPPING.coding["adverse_events"]}
    medications = {normalise_text(r["KEY"]) for r in MAPPING.coding["medications"]}
    procedures = {normalise_text(r["KEY"]) for r in MAPPING.coding["procedures"]}
    assert keys("adverse_events", "AETERM") | keys("medical_history", "MHTERM") <= events
    assert keys("con_meds", "CMTRT") <= medications
    assert keys("prior_therapy", "PRTRT", lambda d: d["PRTYPE"].map(normalise_text).isin(systemic)) <= medications
    assert keys("subsequent_therapy", "STTRT", lambda d: d["STTYPE"].map(normalise_text).isin(systemic)) <= medications
    assert keys("prior_therapy", "PRTRT", lambda d: ~d["PRTYPE"].map(normalise_text).isin(systemic)) <= procedures
    assert keys("subsequent_therapy", "STTRT", lambda d: ~d["STTYPE"].map(normalise_text).isin(systemic)) <= procedures


@pytest.mark.slow
def test_real_raw_data_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, RAW, STUDY.cutoffs["final"])
    run_mappers(ctx, [("DM", map_dm), ("SE", map_se), ("AE", map_ae), ("CM", map_cm), ("MH", map_mh), ("PR", map_pr),
                      ("SU", map_su), ("FA", map_fa)])
    spec = STUDY.sdtm
    mine = ["AE", "SUPPAE", "CM", "SUPPCM", "MH", "PR", "SUPPPR", "SU", "SUPPSU", "FA"]
    for name in mine:
        found = check_dataset(publishable(ctx.results[name].data), spec.dataset(name), spec.codelists, spec.value_level)
        assert found[found["severity"] == "Error"].empty, (name, found.head())
    relrec = ctx.results["RELREC"].data  # run_mappers merges the RELREC pieces
    found = check_dataset(relrec, spec.dataset("RELREC"), spec.codelists, spec.value_level)
    assert found[found["severity"] == "Error"].empty
    checks = {i.check for i in ctx.issues.issues if any(i.file.endswith(f"{f}.csv") for f in MY_FORMS)}
    assert not checks & {"CODE001", "MAP001", "DATE001", "SUBJ001"}, checks  # every verbatim codes, every answer maps
    # every raw row of the forms read here ends in a record, a rejection or an exclusion
    results = [ctx.results[n] for n in ("AE", "CM", "MH", "PR", "SU", "FA")]
    accounted = set()
    for result in results:
        for frame in (result.data, result.rejected, result.excluded, result.used):
            if "SOURCE_FILE" in frame:
                accounted |= set(zip(frame["SOURCE_FILE"], frame["SOURCE_ROW"].astype(int)))
    for form in MY_FORMS:
        rows = set(zip(ctx.form(form).data["SOURCE_FILE"], ctx.form(form).data["SOURCE_ROW"].astype(int)))
        assert rows <= accounted, (form, sorted(rows - accounted)[:5])
    assert "duplicate record" in set(ctx.results["AE"].rejected["REASON"])  # the AE row exported twice
