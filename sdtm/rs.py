"""RS (Disease Response and Clin Classification), SDTMIG 3.4 section 6.3.5.x: the investigator's
RECIST 1.1 and iRECIST time-point responses, and the ECOG performance status.

Disease response (``tumour_response``, one row per assessment; each row is the primary source of
up to five records):

| raw      | RSCAT      | RSTESTCD | RSSTRESC (value map)                                  |
|----------|------------|----------|-------------------------------------------------------|
| TLRESP   | RECIST 1.1 | TRGRESP  | CR, PR, SD, PD, NE (RSRECIST; ONCRSR)                 |
| NTLRESP  | RECIST 1.1 | NTRGRESP | CR, NON-CR/NON-PD, PD, NE (RSNTRG; ONCRSR)            |
| NEWLESP  | RECIST 1.1 | NEWLIND  | Y, N (NY)                                             |
| OVRLRESP | RECIST 1.1 | OVRLRESP | CR, PR, SD, PD, NE (RSRECIST; ONCRSR)                 |
| IRECRESP | iRECIST    | OVRLRESP | iCR, iPR, iSD, iUPD, iCPD, NE (RSIRECIST; ONCRSR)     |

The responses are taken as the investigator recorded them, never recomputed from the lesions
(SDTMIG 3.4 RS assumption 3: sponsor-derived responses belong in ADaM). RSORRES is the value as
collected. The CRF's "not applicable" non-target response (no non-target lesion at baseline)
has no ONCRSR term: the NTRGRESP record is RSSTAT = "NOT DONE" with RSREASND "NO NON-TARGET
LESIONS AT BASELINE" (SDTMIG 3.4 section 4.5.1.2). A blank response field makes no record
(nothing was collected); a blank overall response is reported (ONC007). RSLNKGRP (= TR.TRLNKGRP
of the assessment) is on the RECIST 1.1 overall response, as in the SDTMIG 3.4 RS examples, so
RELREC relates many TR records to one RS record. The new-lesion answer is checked against the
new-lesion form (ONC008).

ECOG (``ecog``): a clinical classification in RS (SDTMIG 3.4 RS clinical classifications; CCCAT
ECOG): RSTESTCD ECOG101, RSTEST "ECOG1-Performance Status", RSORRES the CT text of the grade
(ECOG101OR; the CRF collects the grade number only, value map RSECOG), RSSTRESC/RSSTRESN the grade
(ECOG101STR). RSLOBXFL per RSCAT and test (SDTMIG 3.4 --LOBXFL). RSEVAL INVESTIGATOR throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdtm.baseline import derive_var_lobxfl
from sdtm.common import finalise_domain, map_coded, numeric_text
from sdtm.context import DomainResult, MappingContext
from sdtm.frames import add_columns
from sdtm.oncology import (
    EVALUATOR,
    Prepared,
    normalise,
    order_like_spec,
    prepare_form,
    prepare_new_lesions,
    quiet,
    sort_by_subject,
    strip_text,
    tumour_visit_reference,
)

RECIST, IRECIST, ECOG = "RECIST 1.1", "iRECIST", "ECOG"
NOT_DONE = "NOT DONE"


@dataclass(frozen=True)
class ResponseTest:
    """One response field of the response form and the RS test it becomes."""

    column: str
    rscat: str
    testcd: str
    test: str
    value_map: str
    not_applicable: str | None = None  # RSREASND when the value map gives null (test not applicable)
    linked: bool = False  # carries RSLNKGRP


RESPONSE_TESTS = (
    ResponseTest("TLRESP", RECIST, "TRGRESP", "Target Response", "RSRECIST"),
    ResponseTest("NTLRESP", RECIST, "NTRGRESP", "Non-target Response", "RSNTRG", not_applicable="NO NON-TARGET LESIONS AT BASELINE"),
    ResponseTest("NEWLESP", RECIST, "NEWLIND", "New Lesion Indicator", "NY"),
    ResponseTest("OVRLRESP", RECIST, "OVRLRESP", "Overall Response", "RSRECIST", linked=True),
    ResponseTest("IRECRESP", IRECIST, "OVRLRESP", "Overall Response", "RSIRECIST"),
)
"""Response form fields -> RS tests (CDISC ONCRTSCD C96782 / ONCRTS C96781; ONCRSCAT C124298)."""

ECOG_TESTCD, ECOG_TEST = "ECOG101", "ECOG1-Performance Status"


def derive_response_records(rows: pd.DataFrame, test: ResponseTest, order: int, ctx: MappingContext) -> pd.DataFrame:
    """RS records of one response field (rows with a value only)."""
    collected = strip_text(rows[test.column])
    rows = rows[collected.notna().to_numpy()]
    collected = collected[collected.notna()]
    stresc = map_coded(rows, test.column, test.value_map, ctx)
    mapping = ctx.mapping.value_maps[test.value_map]
    not_applicable = normalise(collected).isin([k for k, v in mapping.items() if v is None])
    if test.not_applicable is None:
        not_applicable[:] = False
    return pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"].to_numpy(), "SOURCE_ROW": rows["SOURCE_ROW"].to_numpy(),
        "USUBJID": rows["USUBJID"].to_numpy(),
        "RSLNKGRP": rows["_LNKGRP"].to_numpy() if test.linked else None,
        "RSTESTCD": test.testcd, "RSTEST": test.test, "RSCAT": test.rscat,
        "RSORRES": collected.where(~not_applicable, None).to_numpy(), "RSSTRESC": stresc.where(~not_applicable, None).to_numpy(),
        "RSSTAT": np.where(not_applicable, NOT_DONE, None), "RSREASND": np.where(not_applicable, test.not_applicable, None),
        "VISITNUM": rows["VISITNUM"].to_numpy(), "VISIT": rows["VISIT"].to_numpy(), "RSDTC": rows["_DTC"].to_numpy(),
        "_ORDER": order,
    })


def report_missing_overall(rows: pd.DataFrame, ctx: MappingContext) -> None:
    """ONC007: an assessment without the investigator's overall response."""
    missing = strip_text(rows["OVRLRESP"]).isna()
    if missing.any():
        ctx.issues.add_rows(rows[missing], column="OVRLRESP", check="ONC007", severity="WARNING",
                            message="overall response missing on the response form; no OVRLRESP record")


def report_new_lesion_mismatch(rows: pd.DataFrame, new_lesions: pd.DataFrame, ctx: MappingContext) -> None:
    """ONC008: the response form's new-lesion answer contradicts the new-lesion form.

    ``new_lesions``: rows of the new-lesion form that report a new lesion (USUBJID, _VISITCD).
    A "yes" on the response form needs a reported new lesion at the same assessment, a "no"
    needs none.
    """
    answer = map_coded(rows, "NEWLESP", "NY", quiet(ctx))  # MAP001 is reported with the NEWLIND records
    keys = rows["USUBJID"].astype(str) + "|" + rows["_VISITCD"].astype(str)
    reported = keys.isin(set(new_lesions["USUBJID"].astype(str) + "|" + new_lesions["_VISITCD"].astype(str)))
    mismatch = (answer.eq("Y") & ~reported) | (answer.eq("N") & reported)
    if mismatch.any():
        ctx.issues.add_rows(rows[mismatch.to_numpy()], column="NEWLESP", check="ONC008", severity="WARNING",
                            message="new-lesion answer differs from the new-lesion form at the same assessment")


def derive_ecog_records(rows: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """RS records of the ECOG form: RSORRES the CT text of the grade, RSSTRESC/RSSTRESN the grade."""
    grade = strip_text(rows["ECOG"])
    known = normalise(grade).isin(list(ctx.mapping.value_maps["RSECOG"]))
    return pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"].to_numpy(), "SOURCE_ROW": rows["SOURCE_ROW"].to_numpy(),
        "USUBJID": rows["USUBJID"].to_numpy(), "RSLNKGRP": None,
        "RSTESTCD": ECOG_TESTCD, "RSTEST": ECOG_TEST, "RSCAT": ECOG,
        "RSORRES": map_coded(rows, "ECOG", "RSECOG", ctx).to_numpy(),
        "RSSTRESC": normalise(grade).where(known, None).to_numpy(),
        "RSSTRESN": numeric_text(grade).where(known).to_numpy(),
        "RSSTAT": np.where(grade.isna(), NOT_DONE, None), "RSREASND": None,
        "VISITNUM": rows["VISITNUM"].to_numpy(), "VISIT": rows["VISIT"].to_numpy(), "RSDTC": rows["_DTC"].to_numpy(),
        "_ORDER": len(RESPONSE_TESTS),
    })


def derive_rs(responses: Prepared, new_lesions: pd.DataFrame, ctx: MappingContext) -> DomainResult:
    """RS from the prepared response form (``new_lesions``: reported new lesions, for ONC008) and the ECOG form."""
    rows = responses.data
    report_missing_overall(rows, ctx)
    report_new_lesion_mismatch(rows, new_lesions, ctx)
    ecog = prepare_form(ctx, "ecog", keys=["RECPOS"], what="ECOG record")
    parts = [derive_response_records(rows, test, order, ctx) for order, test in enumerate(RESPONSE_TESTS)]
    parts.append(derive_ecog_records(ecog.data, ctx))
    rs = add_columns(pd.concat([p for p in parts if not p.empty] or parts[-1:], ignore_index=True), RSEVAL=EVALUATOR)
    rs["RSSTRESN"] = pd.to_numeric(rs["RSSTRESN"], errors="coerce") if "RSSTRESN" in rs else np.nan
    rs = finalise_domain(rs, ctx, domain="RS", seq_order=["VISITNUM", "RSDTC", "_ORDER"], dy={"RSDTC": "RSDY"},
                         epoch_from="RSDTC")
    rs = derive_var_lobxfl(rs, ctx.domain("DM"), by_vars=["USUBJID", "RSCAT", "RSTESTCD"], dtc_var="RSDTC",
                           result_var="RSSTRESC", new_var="RSLOBXFL")
    return DomainResult("RS", order_like_spec(sort_by_subject(rs, "RSSEQ"), ctx, "RS"),
                        rejected=pd.concat([responses.rejected, ecog.rejected], ignore_index=True),
                        excluded=pd.concat([responses.excluded, ecog.excluded], ignore_index=True))


def map_rs(ctx: MappingContext) -> DomainResult:
    """Map the response form and the ECOG form to RS (needs DM; SE for EPOCH).

    :func:`sdtm.oncology.map_tumour` maps TU, TR and RS in one pass.
    """
    reference = tumour_visit_reference(ctx)
    responses = prepare_form(ctx, "tumour_response", keys=["RECPOS"], what="response record", reference=reference)
    return derive_rs(responses, prepare_new_lesions(quiet(ctx), reference).data, ctx)
