"""MI: mIHC cell densities and the PD-L1 combined positive score to MI; hand-made rows and the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import sdtm_support

from sdtm.build import publishable
from sdtm.context import DomainResult, MappingContext
from sdtm.dm import map_dm
from sdtm.mapping import load_mapping
from sdtm.mi import map_mi
from sdtm.se import map_se
from specs.conformance import check_dataset
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
CUTOFF = dt.date(2024, 12, 31)
KEYS = {"STUDYID": "ALTER-E-003", "VISIT": "SCR", "VISITNAME": "Screening", "FORMOID": "X"}


write_form = partial(sdtm_support.write_form, mapping=MAPPING, keys=KEYS)


def make_ctx(raw: Path, dm: list[dict], se: list[dict] | None = None) -> MappingContext:
    """A context on ``raw`` with hand-made DM (USUBJID, SEX, RFSTDTC, RFXSTDTC) and SE frames."""
    ctx = MappingContext(STUDY, MAPPING, raw, CUTOFF)
    ctx.results["DM"] = DomainResult("DM", pd.DataFrame(dm, columns=["USUBJID", "SEX", "RFSTDTC", "RFXSTDTC"]))
    if se is not None:
        ctx.results["SE"] = DomainResult("SE", pd.DataFrame(se, columns=["USUBJID", "SESTDTC", "SEENDTC", "EPOCH"]))
    return ctx


def unaccounted(ctx: MappingContext, results: list[DomainResult], forms: list[str]) -> set:
    """Raw rows of ``forms`` that are in none of data/rejected/excluded/used (nor rejected by the reader)."""
    rows = set()
    for form in forms:
        read = ctx.form(form)
        rows |= set(zip(read.data["SOURCE_FILE"], read.data["SOURCE_ROW"].astype(int)))
        rows |= set(zip(read.rejected["SOURCE_FILE"], read.rejected["SOURCE_ROW"].astype(int)))
    seen = set()
    for result in results:
        for frame in (result.data, result.rejected, result.excluded, result.used):
            if "SOURCE_FILE" in frame:
                seen |= set(zip(frame["SOURCE_FILE"], frame["SOURCE_ROW"].astype(int)))
    for form in forms:
        seen |= set(zip(ctx.form(form).rejected["SOURCE_FILE"], ctx.form(form).rejected["SOURCE_ROW"].astype(int)))
    return rows - seen


def issues(ctx: MappingContext, check: str) -> list[tuple]:
    """(file, row, column, value) of the data issues of one check."""
    return [(i.file, i.row, i.column, i.value) for i in ctx.issues.issues if i.check == check]


def conformance_errors(result: DomainResult) -> pd.DataFrame:
    spec = STUDY.sdtm
    found = check_dataset(publishable(result.data), spec.dataset(result.domain), spec.codelists, spec.value_level)
    return found[found["severity"] == "Error"]


FORMS = ["mihc", "disease_history"]
DM = [{"USUBJID": "ALTER-E-003-01-001", "SEX": "M", "RFSTDTC": "2022-03-10", "RFXSTDTC": "2022-03-10"}]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "01", "mihc", [
        {"SUBJID": "001", "SAMPLEID": "MIHC01001", "MARKER": "CD8", "COMPART": "TUMOUR", "DENSITY": "162.2", "DENSU": "cells/mm2"},
        {"SUBJID": "001", "SAMPLEID": "MIHC01001", "MARKER": "CD8", "COMPART": "STROMA", "DENSITY": "228.4", "DENSU": "cells/mm2"},
        {"SUBJID": "001", "SAMPLEID": "MIHC01001", "MARKER": "PD-L1", "COMPART": "TUMOUR", "DENSITY": "n.e.", "DENSU": "cells/mm2"},
    ])
    write_form(folder, "01", "disease_history", [{"SUBJID": "001", "DIAGDAT": "2020-11-27", "PDL1CPS": "<1", "PDL1ASSY": "22C3 pharmDx"}])
    return folder


def test_mihc_density_per_marker_and_compartment(raw):
    data = map_mi(make_ctx(raw, DM)).data
    cd8 = data[data["MITESTCD"] == "CD8"].set_index("MIANTREG")
    assert cd8.loc["TUMOR", ["MITEST", "MITSTDTL", "MIORRES", "MIORRESU", "MISTRESN", "MISTRESC", "MISTRESU"]].tolist() == [
        "CD8", "POSITIVE CELL COUNT", "162.2", "/mm2", 162.2, "162.2", "/mm2"]
    assert cd8.loc["STROMA", ["MISPEC", "MISPCCND", "MIMETHOD", "MIREFID", "VISITNUM"]].tolist() == [
        "TUMOR TISSUE", "PARAFFIN-EMBEDDED", "IHC", "MIHC01001", 1.0]
    assert data["MIDTC"].isna().all() and data["MILOBXFL"].isna().all()  # no collection date on the report


def test_non_numeric_density_mi002(raw):
    ctx = make_ctx(raw, DM)
    data = map_mi(ctx).data
    pdl1 = data[(data["MITESTCD"] == "PDL1") & (data["MITSTDTL"] == "POSITIVE CELL COUNT")].iloc[0]
    assert pdl1["MIORRES"] == "n.e." and pd.isna(pdl1["MISTRESN"]) and pdl1["MISTRESU"] is None
    assert [i[1:] for i in issues(ctx, "MI002")] == [(4, "DENSITY", "n.e.")]


def test_pdl1_combined_positive_score_from_disease_history(raw):
    data = map_mi(make_ctx(raw, DM)).data
    cps = data[data["MITSTDTL"] == "COMBINED POSITIVE SCORE"].iloc[0]
    assert [cps[v] for v in ("MITESTCD", "MITEST", "MIORRES", "MISTRESC", "MIMETHOD", "SOURCE_FILE")] == [
        "PDL1", "Programmed Death Ligand 1", "<1", "<1", "IHC", "site_01/disease_history.csv"]
    assert pd.isna(cps["MISTRESN"]) and cps["MIORRESU"] is None


def test_unknown_assay_mi001_and_unknown_marker_map001(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "01", "mihc", [{"SUBJID": "001", "SAMPLEID": "M1", "MARKER": "CD163", "COMPART": "TUMOUR", "DENSITY": "5",
                                    "DENSU": "cells/mm2"}])
    write_form(raw, "01", "disease_history", [{"SUBJID": "001", "PDL1CPS": "15", "PDL1ASSY": "SP263"},
                                              {"SUBJID": "001", "PDL1CPS": ""}])
    ctx = make_ctx(raw, DM)
    result = map_mi(ctx)
    assert [i[1:] for i in issues(ctx, "MI001")] == [(2, "PDL1ASSY", "SP263")]
    assert [i[1:] for i in issues(ctx, "MAP001")] == [(2, "MARKER", "CD163")]
    assert result.excluded["SOURCE_ROW"].tolist() == [3]
    assert unaccounted(ctx, [result], FORMS) == set()


def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    result = map_mi(ctx)
    assert conformance_errors(result).empty
    assert unaccounted(ctx, [result], FORMS) == set()
    assert (result.data["MITSTDTL"] == "COMBINED POSITIVE SCORE").sum() == 53
