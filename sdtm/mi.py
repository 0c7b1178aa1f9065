"""MI (Microscopic Findings), SDTMIG 3.4 section 6.3.5.5: tumour-tissue immunohistochemistry.

Sources and records:

* ``mihc`` (multiplex IHC report, one row per sample, marker and tissue compartment): one MI
  record per row. MITESTCD = the marker (value map MITESTCD: CD8, PD-L1 -> PDL1; SDTMIG 3.4 MI
  assumptions put the biomarker in MITESTCD), MITEST = codelist decode, MITSTDTL = POSITIVE CELL
  COUNT (cells per mm2: the spec's ValueLevel), MIORRES = density, MIORRESU via value map
  MIORRESU (cells/mm2 -> /mm2), MIANTREG = the compartment (value map MIANTREG: TUMOR, STROMA;
  --ANTREG, anatomical region of the specimen, is the findings qualifier for a region within
  the specimen), MIREFID = sample id. The report has no collection date: MIDTC stays empty (not
  invented) and no record can be flagged as the last before exposure.
* ``disease_history`` (one row per subject): the PD-L1 combined positive score PDL1CPS measured
  with assay PDL1ASSY (e.g. 22C3 pharmDx): MITESTCD PDL1, MITSTDTL COMBINED POSITIVE SCORE (a
  sponsor extension of the extensible MIFTSDTL list, which has no CPS term), MIORRES as written
  ("<1" stays text: MISTRESC "<1", MISTRESN empty), no unit (CPS is a score). The disease-history
  row is also the primary source of MH/FA records of the events mapper; both are primary uses.

MISPEC, MISPCCND and MIMETHOD come from ``biomarker_assays.yaml`` (mihc, pdl1_assays); VISIT
and VISITNUM from the form's visit; EPOCH from SE when MIDTC is known.

Checks: MI001 (ERROR) PD-L1 assay not described in ``biomarker_assays.yaml`` (records keep
MITSTDTL empty); MI002 (WARNING) a density that is not a number (kept in MIORRES).
"""

from __future__ import annotations

import pandas as pd

from sdtm.baseline import derive_var_lobxfl
from sdtm.common import finalise_domain, map_coded, numeric_text, order_variables, read_subject_rows
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.gf import ASSAYS_FILE, load_assays
from sdtm.mapping import normalise_text
from sdtm.units import format_number
from sdtm.visits import compute_planned_visitnum


def create_mihc(ctx: MappingContext, assay: dict) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """One record per mIHC density (marker x compartment)."""
    rows, rejected = read_subject_rows(ctx, "mihc")
    value = numeric_text(rows["DENSITY"])
    bad = value.isna() & rows["DENSITY"].notna()
    if bad.any():
        ctx.issues.add_rows(rows[bad], column="DENSITY", check="MI002", severity="WARNING",
                            message="cell density is not a number; kept in MIORRES, standard result empty")
    unit = map_coded(rows, "DENSU", "MIORRESU", ctx)
    data = pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"], "SOURCE_ROW": rows["SOURCE_ROW"], "USUBJID": rows["USUBJID"],
        "MIREFID": rows["SAMPLEID"].astype(str).str.strip(), "MITESTCD": map_coded(rows, "MARKER", "MITESTCD", ctx),
        "MITSTDTL": assay["tstdtl"], "MIORRES": rows["DENSITY"], "MIORRESU": unit, "MISTRESN": value,
        "MISTRESC": format_number(value), "MISTRESU": unit.astype(object).where(value.notna(), None),
        "MISPEC": assay["specimen"], "MISPCCND": assay.get("condition"), "MIANTREG": map_coded(rows, "COMPART", "MIANTREG", ctx),
        "MIMETHOD": assay["method"], "VISITNUM": compute_planned_visitnum(rows["VISIT"]), "VISIT": rows["VISITNAME"], "MIDTC": None,
    })
    return data, rejected


def create_pdl1(ctx: MappingContext, assays: dict) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """One PD-L1 combined-positive-score record per disease-history row with a score."""
    rows, rejected = read_subject_rows(ctx, "disease_history")
    scored = rows["PDL1CPS"].notna() & (rows["PDL1CPS"].astype(str).str.strip() != "")
    excluded = [rows.loc[~scored, ["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="MI: no PD-L1 score on the disease history row")]
    rows = rows[scored]
    assay_key = rows["PDL1ASSY"].map(normalise_text)
    known = assay_key.isin(list(assays))
    if (~known).any():
        ctx.issues.add_rows(rows[~known], column="PDL1ASSY", check="MI001", severity="ERROR",
                            message=f"PD-L1 assay not described in {ASSAYS_FILE}; test code, detail and method empty")

    def attribute(name: str) -> pd.Series:
        return assay_key.map({k: v.get(name) for k, v in assays.items()})

    value = numeric_text(rows["PDL1CPS"])
    text = rows["PDL1CPS"].astype(str).str.strip()
    data = pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"], "SOURCE_ROW": rows["SOURCE_ROW"], "USUBJID": rows["USUBJID"], "MIREFID": None,
        "MITESTCD": attribute("testcd"), "MITSTDTL": attribute("tstdtl"), "MIORRES": text, "MIORRESU": None,
        "MISTRESN": value, "MISTRESC": format_number(value).where(value.notna(), text), "MISTRESU": None,
        "MISPEC": attribute("specimen"), "MISPCCND": attribute("condition"), "MIANTREG": None, "MIMETHOD": attribute("method"),
        "VISITNUM": compute_planned_visitnum(rows["VISIT"]), "VISIT": rows["VISITNAME"], "MIDTC": None,
    })
    return data, rejected, excluded


def map_mi(ctx: MappingContext) -> DomainResult:
    """Map the mIHC densities and the PD-L1 combined positive score to MI."""
    assays = load_assays(ctx.study.folder)
    mihc, mihc_rejected = create_mihc(ctx, assays["mihc"])
    pdl1, pdl1_rejected, excluded = create_pdl1(ctx, assays["pdl1_assays"])
    data = pd.concat([mihc, pdl1], ignore_index=True)
    data["MITEST"] = data["MITESTCD"].map({t.value: t.decode for t in ctx.study.sdtm.codelists["MITSCD"].terms})
    data = finalise_domain(data, ctx, domain="MI", seq_order=["VISITNUM", "MIREFID", "MITESTCD", "MITSTDTL", "MIANTREG"],
                           dy={"MIDTC": "MIDY"}, epoch_from="MIDTC")
    data = derive_var_lobxfl(data, ctx.domain("DM"), by_vars=["USUBJID", "MITESTCD", "MITSTDTL", "MIANTREG"], dtc_var="MIDTC",
                             result_var="MISTRESC", new_var="MILOBXFL")
    frames = [f for f in mihc_rejected + pdl1_rejected if not f.empty]
    rejected = pd.concat(frames, ignore_index=True)[REASON_COLUMNS] if frames else pd.DataFrame(columns=REASON_COLUMNS)
    return DomainResult("MI", order_variables(data, ctx, "MI"), rejected=rejected,
                        excluded=pd.concat(excluded, ignore_index=True)[REASON_COLUMNS])
