"""GF: NGS samples and variants to GF (variant groups, TMB, MSI, explicit wild type); hand-made rows and the real raw data."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pytest
import sdtm_support
from sdtm_support import issues, unaccounted

from sdtm.context import MappingContext
from sdtm.dm import map_dm
from sdtm.gf import load_assays, map_gf
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


FORMS = ["ngs_sample", "ngs_variants"]
DM = [{"USUBJID": "ALTER-E-003-01-001", "SEX": "M", "RFSTDTC": "2022-03-10", "RFXSTDTC": "2022-03-10"}]
PANEL = "520-gene hybrid-capture panel"


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "01", "ngs_sample", [{"SUBJID": "001", "SAMPLEID": "NGS01001", "SPECDAT": "2022-02-20",
                                             "SPECTYPE": "FFPE tumour tissue", "PANEL": PANEL, "TUMPCT": "53", "TMB": "12.2", "MSI": "MSS"}])
    write_form(folder, "01", "ngs_variants", [
        {"SUBJID": "001", "SAMPLEID": "NGS01001", "GENE": "TP53", "TRANSCRIPT": "NM_000546.6", "HGVSC": "c.818G>T",
         "HGVSP": "p.Arg273Leu", "VARCLASS": "Missense", "VAF": "20.9"},
        {"SUBJID": "001", "SAMPLEID": "NGS01001", "GENE": "CCND1", "TRANSCRIPT": "NM_053056.3", "VARCLASS": "Amplification", "CNCOPY": "12"},
        {"SUBJID": "001", "SAMPLEID": "NGS01001", "GENE": "ABCB1", "TRANSCRIPT": "NM_000927.5", "HGVSC": "c.100del",
         "HGVSP": "p.Leu34fs", "VARCLASS": "Frameshift", "VAF": "5"},
        {"SUBJID": "001", "SAMPLEID": "NGS09999", "GENE": "TP53", "TRANSCRIPT": "NM_000546.6", "HGVSC": "c.1A>G", "VARCLASS": "Missense"},
    ])
    return folder


def test_variant_group_records(raw):
    data = map_gf(make_ctx(raw, DM)).data
    tp53 = data[data["GFGRPID"] == "NGS01001-V01"].set_index("GFTSTDTL")
    assert set(tp53["GFTESTCD"]) == {"SNV"} and set(tp53["GFSYM"]) == {"TP53"} and set(tp53["GFSEQID"]) == {"NM_000546.6"}
    assert tp53.loc["DETECTION", ["GFORRES", "GFSTRESC", "GFINHERT", "GFSYMTYP"]].tolist() == [
        "DETECTED", "DETECTED", "SOMATIC VARIATION", "GENE WITH PROTEIN PRODUCT"]
    assert tp53.loc["PREDICTED AMINO ACID CHANGE", "GFORRES"] == "p.Arg273Leu"
    assert tp53.loc["PREDICTED CODING SEQUENCE CHANGE", "GFORRES"] == "c.818G>T"
    assert tp53.loc["VARIANT READ DEPTH/READ DEPTH", ["GFORRES", "GFORRESU", "GFSTRESN", "GFSTRESC"]].tolist() == ["20.9", "%", 0.209, "0.209"]
    assert set(tp53["GFREFID"]) == {"NGS01001"} and set(tp53["GFDTC"]) == {"2022-02-20"} and set(tp53["GFDY"]) == {-18}


def test_amplification_is_copy_number_variation_with_copies(raw):
    data = map_gf(make_ctx(raw, DM)).data
    ccnd1 = data[data["GFSYM"] == "CCND1"].set_index("GFTSTDTL")
    assert set(ccnd1["GFTESTCD"]) == {"CPNUMVAR"} and ccnd1.loc["NUMBER OF GENE COPIES", "GFSTRESN"] == 12.0
    assert sorted(ccnd1.index) == ["DETECTION", "NUMBER OF GENE COPIES"]


def test_tmb_and_msi_per_sample(raw):
    data = map_gf(make_ctx(raw, DM)).data.set_index("GFTESTCD")
    assert data.loc["TMB", ["GFORRES", "GFORRESU", "GFSTRESN", "GFSTRESU"]].tolist() == ["12.2", "/MBP", 12.2, "/MBP"]
    assert data.loc["MICRISTB", ["GFORRES", "GFSTRESC", "GFTEST"]].tolist() == ["MSS", "MSS", "Microsatellite Instability"]


def test_panel_genes_without_variant_are_explicitly_not_detected(raw):
    data = map_gf(make_ctx(raw, DM)).data
    wild = data[data["GFORRES"] == "NOT DETECTED"]
    genes = set(load_assays(STUDY.folder)["ngs_panels"][PANEL.upper()]["reported_genes"])
    assert set(wild["GFSYM"]) == genes - {"TP53", "CCND1"}
    assert "NOTCH3" in set(wild["GFSYM"]) and set(wild["GFTSTDTL"]) == {"DETECTION"} and wild["GFGRPID"].isna().all()
    assert set(wild["SOURCE_FILE"]) == {"site_01/ngs_sample.csv"}


def test_gene_outside_the_reported_list_gf001_and_orphan_variant_gf002(raw):
    ctx = make_ctx(raw, DM)
    result = map_gf(ctx)
    assert [i[1:] for i in issues(ctx, "GF001")] == [(4, "GENE", "ABCB1")]
    assert [i[1:] for i in issues(ctx, "GF002")] == [(5, "SAMPLEID", "NGS09999")]
    assert "ABCB1" in set(result.data["GFSYM"])
    assert result.rejected["SOURCE_ROW"].tolist() == [5]
    assert unaccounted(ctx, [result], FORMS) == set()


def test_unknown_panel_gf003_and_unknown_variant_class_map001(tmp_path):
    raw = tmp_path / "raw"
    write_form(raw, "01", "ngs_sample", [{"SUBJID": "001", "SAMPLEID": "S1", "SPECDAT": "2022-02-20", "PANEL": "Other panel", "TMB": "3"}])
    write_form(raw, "01", "ngs_variants", [{"SUBJID": "001", "SAMPLEID": "S1", "GENE": "TP53", "VARCLASS": "Inversion"}])
    ctx = make_ctx(raw, DM)
    result = map_gf(ctx)
    assert [i[1:] for i in issues(ctx, "GF003")] == [(2, "PANEL", "Other panel")]
    assert [i[1:] for i in issues(ctx, "MAP001")] == [(2, "VARCLASS", "Inversion")]
    assert not (result.data["GFORRES"] == "NOT DETECTED").any()


def test_real_raw_data_is_conformant_and_fully_accounted():
    ctx = MappingContext(STUDY, MAPPING, Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003", STUDY.cutoff_date())
    ctx.results["DM"] = map_dm(ctx)
    ctx.results["SE"] = map_se(ctx)
    result = map_gf(ctx)
    assert conformance_errors(result).empty
    assert unaccounted(ctx, [result], FORMS) == set()
    assert not [i for i in ctx.issues.issues if i.check.startswith("GF")]
    status = result.data[result.data["GFTSTDTL"] == "DETECTION"].groupby(["GFREFID", "GFSYM"])["GFORRES"].first()
    assert status.index.get_level_values("GFREFID").nunique() == 41 and {"TP53", "FAT1", "NOTCH3"} <= set(status.index.get_level_values(1))
