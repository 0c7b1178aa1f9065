"""MH (Medical History), SDTMIG 3.4 section 6.2.4: general medical history and the primary diagnosis.

| source form        | MHCAT             | MHTERM                                                     | MHSTDTC        |
|--------------------|-------------------|------------------------------------------------------------|----------------|
| medical_history    | GENERAL           | verbatim as written (trimmed)                              | MHSTDAT        |
| disease_history    | PRIMARY DIAGNOSIS | the study disease named by the histology (value map MHPRIMDX of HISTTYPE) | DIAGDAT (date of diagnosis) |

MHDECOD and MHBODSYS (the PT and its primary SOC) come from the study coding table (CODE001 when a
verbatim is unknown). Partial dates stay partial. MHENRTPT/MHENTPT: ONGOING / BEFORE / UNKNOWN
relative to SCREENING from the ongoing answer when no end date is given (spec method MT.ENRTPT).
The primary diagnosis carries MHLNKID = "PRIMARY DIAGNOSIS", the link to its findings in FA
(:mod:`sdtm.fa`; RELREC at dataset level, COM.FALNKID). Exact duplicate rows (DUP001) and rows of
subjects missing from DM (SUBJ001) are rejected here; FA reuses the disease history rows silently.
"""

from __future__ import annotations

import pandas as pd

from sdtm.ae import DUPLICATE_IGNORED, derive_vars_enrtpt, reject_duplicate_rows
from sdtm.coding import code_events, compute_keys, compute_text
from sdtm.common import (
    finalise_domain,
    map_coded,
    map_date,
    order_variables,
    read_keyed_rows,
    reject_unknown_subjects,
    split_after_cutoff,
)
from sdtm.context import DomainResult, MappingContext, empty_rejections
from sdtm.frames import reset_rows

GENERAL = "GENERAL"
"""MHCAT of the medical history page (spec codelist MHCAT)."""
PRIMARY_DIAGNOSIS = "PRIMARY DIAGNOSIS"
"""MHCAT of the disease history record, and the MHLNKID/FALNKID linking it to its FA findings."""
HISTORY_REFERENCE = "SCREENING"
"""MHENTPT: the reference time point of the ongoing answer (spec method MT.ENRTPT)."""
DIAGNOSIS_MAP = "MHPRIMDX"



def read_disease_history(ctx: MappingContext, *, report: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disease history rows (subject keys added) and the rows rejected (duplicates, unknown subjects).

    With ``report`` (the MH mapper) the data issues are raised and the rejections returned; without
    it (FA) the same rows are dropped silently, so each issue is reported and accounted for once.
    """
    raw = read_keyed_rows(ctx, "disease_history")
    if report:
        raw, duplicates = reject_duplicate_rows(raw, ctx)
        raw, unknown = reject_unknown_subjects(raw, ctx)
        return raw, pd.concat([duplicates, unknown], ignore_index=True)
    duplicated = raw.duplicated(subset=[c for c in raw.columns if c not in DUPLICATE_IGNORED], keep="first")
    return raw[~duplicated & raw["USUBJID"].isin(ctx.domain("DM")["USUBJID"])], empty_rejections()


def compute_primary_diagnosis(raw: pd.DataFrame, ctx: MappingContext, *, report: bool) -> pd.Series:
    """The primary diagnosis term of disease history rows (value map MHPRIMDX of HISTTYPE).

    An unknown histology keeps its normalised text (reported as MAP001 when ``report``).
    """
    if report:
        return map_coded(raw, "HISTTYPE", DIAGNOSIS_MAP, ctx)
    mapping = ctx.mapping.value_maps[DIAGNOSIS_MAP]
    keys = raw["HISTTYPE"].pipe(compute_keys)
    return keys.map(lambda k: mapping.get(k, k) if k is not None else None).astype(object)


def build_general(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """MH records of the medical history page."""
    mh = raw[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID"]].copy()
    mh["MHTERM"] = compute_text(raw["MHTERM"])
    coded = code_events(raw, "MHTERM", ctx, prefix="MH")
    mh["MHDECOD"], mh["MHBODSYS"] = coded["MHDECOD"], coded["MHSOC"]
    mh["MHCAT"] = GENERAL
    mh["MHSTDTC"] = map_date(raw, "MHSTDAT", ctx)
    mh["MHENDTC"] = map_date(raw, "MHENDAT", ctx)
    return derive_vars_enrtpt(mh, prefix="MH", ongoing=map_coded(raw, "MHONGO", "NY", ctx), reference=HISTORY_REFERENCE,
                              ctx=ctx, raw=raw, ongoing_column="MHONGO")


def build_primary_diagnosis(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """The PRIMARY DIAGNOSIS record of each disease history row (date of diagnosis in MHSTDTC)."""
    mh = raw[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID"]].copy()
    mh["MHTERM"] = compute_primary_diagnosis(raw, ctx, report=True)
    coded = code_events(mh, "MHTERM", ctx, prefix="MH")
    mh["MHDECOD"], mh["MHBODSYS"] = coded["MHDECOD"], coded["MHSOC"]
    mh["MHCAT"] = PRIMARY_DIAGNOSIS
    mh["MHLNKID"] = PRIMARY_DIAGNOSIS
    mh["MHSTDTC"] = map_date(raw, "DIAGDAT", ctx)
    return mh


def map_mh(ctx: MappingContext) -> DomainResult:
    """Map the medical history and disease history forms to MH."""
    raw = read_keyed_rows(ctx, "medical_history")
    raw, duplicates = reject_duplicate_rows(raw, ctx)
    raw, unknown = reject_unknown_subjects(raw, ctx)
    history, history_rejected = read_disease_history(ctx, report=True)
    mh = pd.concat([build_primary_diagnosis(history, ctx), build_general(raw, ctx)], ignore_index=True)
    mh, after_cutoff = split_after_cutoff(mh, mh["MHSTDTC"], ctx)
    mh = finalise_domain(mh, ctx, domain="MH", seq_order=["MHCAT", "MHTERM", "MHSTDTC", "SOURCE_FILE", "SOURCE_ROW"])
    mh = reset_rows(order_variables(mh, ctx, "MH"))
    rejected = pd.concat([duplicates, unknown, history_rejected], ignore_index=True)
    return DomainResult("MH", mh, rejected=rejected, excluded=after_cutoff)
