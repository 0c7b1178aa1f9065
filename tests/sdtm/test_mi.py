"""MI: mIHC cell densities and the PD-L1 combined positive score to MI; hand-made rows and the real raw data."""

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
from sdtm.mapping import load_mapping
from sdtm.mi import map_mi
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
