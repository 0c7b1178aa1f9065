"""GF (Genomics Findings), SDTMIG 3.4 section 6.3.5.4: the somatic NGS panel of the tumour.

Sources: ``ngs_sample`` (one row per sequenced sample: sample id, collection date, specimen,
panel, tumour content, TMB, MSI) and ``ngs_variants`` (one row per reported variant: gene,
transcript, HGVS coding and protein change, variant class, variant allele frequency, copy
number). Assay facts (method, material tested, the panel's reported genes) come from
``specs/<study>/biomarker_assays.yaml``.

Per reported variant, one group (GFGRPID = sample id + variant position) of records with
GFTESTCD from the variant class (value map GFTESTCD: SNV, SHRTVAR, CPNUMVAR) and GFTSTDTL:

| GFTSTDTL                          | GFORRES            | GFSTRESC/GFSTRESN                 |
|-----------------------------------|--------------------|-----------------------------------|
| DETECTION                         | DETECTED           | DETECTED                          |
| PREDICTED AMINO ACID CHANGE       | HGVSP (p.Arg273Leu) | same                              |
| PREDICTED CODING SEQUENCE CHANGE  | HGVSC (c.818G>T)   | same                              |
| VARIANT READ DEPTH/READ DEPTH     | VAF, GFORRESU %    | VAF / 100 (fraction, ValueLevel)  |
| NUMBER OF GENE COPIES             | CNCOPY (amplifications) | same, numeric                |

with GFSYM = gene (HGNC), GFSYMTYP GENE WITH PROTEIN PRODUCT, GFINHERT SOMATIC VARIATION,
GFSEQID = the RefSeq transcript. Per sample: TMB (GFORRESU /MBP) and microsatellite status
(GFTESTCD MICRISTB). Wild type made explicit (spec comment COM.GF): every reported gene of the
panel (``biomarker_assays.yaml``) without a variant in the sample gets one DETECTION record
GFORRES NOT DETECTED (GFTESTCD SHRTVAR: no short variant), so NOTCH3 wild type differs from
not tested. GFREFID = sample id, GFSPEC/GFMETHOD from the assay file, GFDTC = collection date,
VISIT/VISITNUM of the form, GFDY; GF has no EPOCH in this spec. TUMPCT (tumour content) has no
GF test and is not mapped (the sample row is the source of its TMB, MSI and wild-type records).

Checks: GF001 (WARNING) variant in a gene missing from the panel's reported-gene list; GF002
(ERROR) variant whose sample is not on the sample form (rejected); GF003 (ERROR) sample panel not
in ``biomarker_assays.yaml`` (no wild-type records, no method).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sdtm.common import (
    finalise_domain,
    map_coded,
    map_date,
    numeric_text,
    order_variables,
    read_subject_rows,
    split_after_cutoff,
)
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.mapping import normalise_text
from sdtm.units import format_number
from sdtm.visits import compute_planned_visitnum
from specs.documents import load_yaml_document

ASSAYS_FILE = "biomarker_assays.yaml"
_ASSAY = {"testcd": {"type": "string"}, "tstdtl": {"type": "string", "required": True}, "method": {"type": "string", "required": True},
          "specimen": {"type": "string", "required": True}, "condition": {"type": "string"}}
SCHEMA = {
    "ngs_panels": {"type": "dict", "required": True, "valuesrules": {"type": "dict", "schema": {
        "method": {"type": "string", "required": True}, "specimen": {"type": "string", "required": True},
        "reported_genes": {"type": "list", "required": True, "schema": {"type": "string"}}}}},
    "mihc": {"type": "dict", "required": True, "schema": _ASSAY},
    "pdl1_assays": {"type": "dict", "required": True, "valuesrules": {"type": "dict", "schema": _ASSAY}},
}
DETECTED, NOT_DETECTED = "DETECTED", "NOT DETECTED"
SYMBOL_TYPE = "GENE WITH PROTEIN PRODUCT"
SOMATIC = "SOMATIC VARIATION"
WILD_TYPE_TESTCD = "SHRTVAR"


def load_assays(folder: str | Path) -> dict:
    """Load and validate ``biomarker_assays.yaml``; panel and assay keys normalised (upper case)."""
    path = Path(folder) / ASSAYS_FILE
    document = load_yaml_document(path, SCHEMA)
    document["ngs_panels"] = {normalise_text(k): v for k, v in document["ngs_panels"].items()}
    document["pdl1_assays"] = {normalise_text(k): v for k, v in document["pdl1_assays"].items()}
    return document


def _decode(ctx: MappingContext, codelist: str) -> dict[str, str]:
    return {t.value: t.decode for t in ctx.study.sdtm.codelists[codelist].terms}


def create_samples(ctx: MappingContext, assays: dict) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """Sample rows with keys, GFDTC and the panel's assay facts (GF003 for unknown panels)."""
    rows, (unknown, dups) = read_subject_rows(ctx, "ngs_sample")
    rows = rows.assign(GFDTC=map_date(rows, "SPECDAT", ctx), _PANEL=rows["PANEL"].map(normalise_text))
    rows, late = split_after_cutoff(rows, rows["GFDTC"], ctx)
    panels = assays["ngs_panels"]
    unknown_panel = ~rows["_PANEL"].isin(list(panels))
    if unknown_panel.any():
        ctx.issues.add_rows(rows[unknown_panel], column="PANEL", check="GF003", severity="ERROR",
                            message=f"panel not described in {ASSAYS_FILE}: no method, specimen or wild-type records")
    rows["GFMETHOD"] = rows["_PANEL"].map({k: v["method"] for k, v in panels.items()})
    rows["GFSPEC"] = rows["_PANEL"].map({k: v["specimen"] for k, v in panels.items()})
    return rows, [unknown, dups], [late]


def _base(rows: pd.DataFrame) -> pd.DataFrame:
    """Columns every GF record of a sample carries."""
    return pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"].to_numpy(), "SOURCE_ROW": rows["SOURCE_ROW"].to_numpy(),
        "USUBJID": rows["USUBJID"].to_numpy(), "GFREFID": rows["SAMPLEID"].astype(str).str.strip().to_numpy(),
        "GFSPEC": rows["GFSPEC"].to_numpy(), "GFMETHOD": rows["GFMETHOD"].to_numpy(), "GFDTC": rows["GFDTC"].to_numpy(),
        "VISIT": rows["VISITNAME"].to_numpy(), "VISITNUM": compute_planned_visitnum(rows["VISIT"]).to_numpy(),
    })


def create_sample_records(samples: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """TMB and microsatellite status per sample."""
    base = _base(samples)
    tmb = numeric_text(samples["TMB"]).to_numpy()
    tmb_records = base.assign(GFTESTCD="TMB", GFORRES=samples["TMB"].to_numpy(), GFORRESU="/MBP", GFSTRESN=tmb,
                              GFSTRESC=format_number(pd.Series(tmb)).to_numpy(), GFSTRESU=np.where(np.isnan(tmb), None, "/MBP"))
    tmb_records = tmb_records[samples["TMB"].notna().to_numpy()]
    msi = base.assign(GFTESTCD="MICRISTB", GFORRES=samples["MSI"].to_numpy(),
                      GFSTRESC=samples["MSI"].map(normalise_text).to_numpy())
    return pd.concat([tmb_records, msi[samples["MSI"].notna().to_numpy()]], ignore_index=True)


def create_variant_records(samples: pd.DataFrame, ctx: MappingContext) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """The records of every reported variant; returns them, the variant rows and rejections."""
    rows, (unknown, dups) = read_subject_rows(ctx, "ngs_variants")
    rows = rows.assign(SAMPLEID=rows["SAMPLEID"].astype(str).str.strip(), GENE=rows["GENE"].astype(str).str.strip())
    sample_keys = samples[["USUBJID", "SAMPLEID", "GFSPEC", "GFMETHOD", "GFDTC", "_PANEL"]].assign(
        SAMPLEID=samples["SAMPLEID"].astype(str).str.strip())
    rows = rows.merge(sample_keys, on=["USUBJID", "SAMPLEID"], how="left", indicator=True)
    orphan = rows["_merge"] == "left_only"
    if orphan.any():
        ctx.issues.add_rows(rows[orphan], column="SAMPLEID", check="GF002", severity="ERROR",
                            message="variant of a sample that is not on the NGS sample form (or is after the cut-off); not mapped")
    rejected = [unknown, dups, rows.loc[orphan, ["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="sample not on the NGS sample form")]
    rows = rows[~orphan].drop(columns="_merge").reset_index(drop=True)
    base = _base(rows).assign(
        GFGRPID=(rows["SAMPLEID"] + "-V" + rows["RECPOS"].astype(str).str.strip().str.zfill(2)).to_numpy(),
        GFTESTCD=map_coded(rows, "VARCLASS", "GFTESTCD", ctx).to_numpy(), GFSYM=rows["GENE"].to_numpy(),
        GFSEQID=rows["TRANSCRIPT"].to_numpy(), GFINHERT=SOMATIC, GFSYMTYP=SYMBOL_TYPE)
    vaf = numeric_text(rows["VAF"]).to_numpy()
    copies = numeric_text(rows["CNCOPY"]).to_numpy()
    parts = [
        base.assign(GFTSTDTL="DETECTION", GFORRES=DETECTED, GFSTRESC=DETECTED),
        base.assign(GFTSTDTL="PREDICTED AMINO ACID CHANGE", GFORRES=rows["HGVSP"].to_numpy(), GFSTRESC=rows["HGVSP"].to_numpy())[
            rows["HGVSP"].notna().to_numpy()],
        base.assign(GFTSTDTL="PREDICTED CODING SEQUENCE CHANGE", GFORRES=rows["HGVSC"].to_numpy(), GFSTRESC=rows["HGVSC"].to_numpy())[
            rows["HGVSC"].notna().to_numpy()],
        base.assign(GFTSTDTL="VARIANT READ DEPTH/READ DEPTH", GFORRES=rows["VAF"].to_numpy(), GFORRESU="%",
                    GFSTRESN=np.round(vaf / 100, 6), GFSTRESC=format_number(pd.Series(np.round(vaf / 100, 6))).to_numpy())[
            rows["VAF"].notna().to_numpy()],
        base.assign(GFTSTDTL="NUMBER OF GENE COPIES", GFORRES=rows["CNCOPY"].to_numpy(), GFSTRESN=copies,
                    GFSTRESC=format_number(pd.Series(copies)).to_numpy())[rows["CNCOPY"].notna().to_numpy()],
    ]
    return pd.concat(parts, ignore_index=True), rows, rejected


def create_wild_type_records(samples: pd.DataFrame, variants: pd.DataFrame, assays: dict, ctx: MappingContext) -> pd.DataFrame:
    """One NOT DETECTED record per reported gene of the panel without a variant in the sample."""
    genes = pd.DataFrame([(panel, gene) for panel, spec in assays["ngs_panels"].items() for gene in spec["reported_genes"]],
                         columns=["_PANEL", "GFSYM"])
    listed = variants.merge(genes, left_on=["_PANEL", "GENE"], right_on=["_PANEL", "GFSYM"], how="left")["GFSYM"].notna()
    if (~listed).any():
        first = variants[~listed.to_numpy()].drop_duplicates(["_PANEL", "GENE"])
        ctx.issues.add_rows(first, column="GENE", check="GF001", severity="WARNING",
                            message=f"gene not in the panel's reported genes ({ASSAYS_FILE}); no wild-type records for it in other samples")
    pairs = samples.assign(SAMPLEID=samples["SAMPLEID"].astype(str).str.strip()).merge(genes, on="_PANEL", how="inner")
    mutated = pd.MultiIndex.from_frame(variants[["USUBJID", "SAMPLEID", "GENE"]])
    wild = pairs[~pd.MultiIndex.from_frame(pairs[["USUBJID", "SAMPLEID", "GFSYM"]]).isin(mutated)].reset_index(drop=True)
    return _base(wild).assign(GFTESTCD=WILD_TYPE_TESTCD, GFTSTDTL="DETECTION", GFORRES=NOT_DETECTED, GFSTRESC=NOT_DETECTED,
                              GFSYM=wild["GFSYM"].to_numpy(), GFSYMTYP=SYMBOL_TYPE, GFINHERT=SOMATIC)


def map_gf(ctx: MappingContext) -> DomainResult:
    """Map the NGS sample and variant forms to GF."""
    assays = load_assays(ctx.study.folder)
    samples, rejected, excluded = create_samples(ctx, assays)
    variant_records, variants, variant_rejected = create_variant_records(samples, ctx)
    data = pd.concat([create_sample_records(samples, ctx), variant_records,
                      create_wild_type_records(samples, variants, assays, ctx)], ignore_index=True)
    data["GFTEST"] = data["GFTESTCD"].map(_decode(ctx, "GFTESTCD"))
    data = finalise_domain(data, ctx, domain="GF", seq_order=["GFDTC", "GFREFID", "GFSYM", "GFGRPID", "GFTESTCD", "GFTSTDTL"],
                           dy={"GFDTC": "GFDY"})
    frames = [f for f in rejected + variant_rejected if not f.empty]
    return DomainResult("GF", order_variables(data, ctx, "GF"),
                        rejected=pd.concat(frames, ignore_index=True)[REASON_COLUMNS] if frames else pd.DataFrame(columns=REASON_COLUMNS),
                        excluded=pd.concat(excluded, ignore_index=True)[REASON_COLUMNS])
