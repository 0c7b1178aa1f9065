"""TU (Tumor/Lesion Identification), SDTMIG 3.4 section 6.3.15: one record per identified lesion.

A lesion is identified once, at the assessment where it is first recorded (SDTMIG 3.4 TU
assumption 1): target and non-target lesions at screening (a lesion first recorded later is
identified there and reported, ONC002), new lesions when they appear. TUTESTCD TUMIDENT,
TUORRES/TUSTRESC TARGET, NON-TARGET or NEW (the CRF section the lesion is recorded in), TULNKID
the lesion id (TR.TRLNKID), TUEVAL INVESTIGATOR, TUMETHOD the imaging method (value map
TUMETHOD).

Location: the CRF records it as free text. TULOC holds the CDISC LOC term (value map TULOC,
reported as MAP001 when a text is not in the map), TULAT/TUDIR the side and direction it states
(value maps TULAT/TUDIR keyed by the same text; SDTMIG 3.4 TU assumption 5); the text as
collected, which can say more (liver segment, vertebra, effusion vs nodules), is kept in
SUPPTU.TULOCTXT, because SDTM keeps collected data and LOC has no term for that detail.

TULOBXFL: "Y" on lesions identified on or before the first dose (SDTMIG 3.4 --LOBXFL).
"""

from __future__ import annotations

import pandas as pd

from sdtm.baseline import derive_var_lobxfl
from sdtm.common import finalise_domain, map_coded
from sdtm.context import DomainResult, MappingContext
from sdtm.oncology import (
    EVALUATOR,
    LESION_FORMS,
    NEW,
    NON_TARGET,
    TARGET,
    LesionForm,
    TumourForms,
    lookup_map,
    order_like_spec,
    prepare_tumour_forms,
    quiet,
    sort_by_subject,
    strip_text,
)
from sdtm.suppqual import Qualifier, create_supp
from sdtm.trial_design import load_trial_design

TESTCD, TEST = "TUMIDENT", "Tumor Identification"
LOCATION_TEXT = Qualifier(column="_LOCTXT", qnam="TULOCTXT", qlabel="Tumor/Lesion Location as Collected", qorig="CRF",
                          qeval=EVALUATOR)


def filter_first_record(rows: pd.DataFrame) -> pd.DataFrame:
    """Each lesion's first record (by assessment date, then VISITNUM, then raw row)."""
    order = rows.sort_values(["USUBJID", "_LNKID", "_DATE", "VISITNUM", "SOURCE_FILE", "SOURCE_ROW"],
                             kind="mergesort", na_position="last")
    return order.drop_duplicates(["USUBJID", "_LNKID"]).sort_index()


def report_late_identification(first: pd.DataFrame, lesion: LesionForm, ctx: MappingContext) -> None:
    """ONC002: a target/non-target lesion whose first record is not at the screening visit."""
    screening = load_trial_design(ctx.study).visits["screening"]["visit"]
    late = first["_VISITCD"] != screening
    if late.any():
        ctx.issues.add_rows(first[late], column=lesion.id_column, check="ONC002", severity="WARNING",
                            message=f"{lesion.role.lower()} lesion first recorded after screening; identified in TU at its first assessment")


def derive_identifications(first: pd.DataFrame, lesion: LesionForm, ctx: MappingContext) -> pd.DataFrame:
    """TU records of one lesion form's identification rows."""
    location = lesion.location_column
    return pd.DataFrame({
        "SOURCE_FILE": first["SOURCE_FILE"].to_numpy(), "SOURCE_ROW": first["SOURCE_ROW"].to_numpy(),
        "USUBJID": first["USUBJID"].to_numpy(), "TULNKID": first["_LNKID"].to_numpy(),
        "TUTESTCD": TESTCD, "TUTEST": TEST, "TUORRES": lesion.role, "TUSTRESC": lesion.role,
        "TULOC": map_coded(first, location, "TULOC", ctx).to_numpy(),
        "TULAT": lookup_map(first[location], "TULAT", ctx).to_numpy(),
        "TUDIR": lookup_map(first[location], "TUDIR", ctx).to_numpy(),
        "TUMETHOD": lookup_map(first["TRMETHOD"], "TUMETHOD", ctx).to_numpy(),
        "TUEVAL": EVALUATOR, "VISITNUM": first["VISITNUM"].to_numpy(), "VISIT": first["VISIT"].to_numpy(),
        "TUDTC": first["_DTC"].to_numpy(), "_LOCTXT": strip_text(first[location]).to_numpy(), "_ROLE": lesion.role,
    })


def derive_tu(forms: TumourForms, ctx: MappingContext) -> list[DomainResult]:
    """TU and SUPPTU from the prepared lesion forms (reports ONC002 and unknown locations)."""
    parts = []
    for lesion, prepared in ((TARGET, forms.target), (NON_TARGET, forms.nontarget), (NEW, forms.new)):
        first = filter_first_record(prepared.data)
        if lesion is not NEW:
            report_late_identification(first, lesion, ctx)
        parts.append(derive_identifications(first, lesion, ctx))
    tu = pd.concat(parts, ignore_index=True)
    tu["_ROLEORDER"] = tu["_ROLE"].map({lesion.role: i for i, lesion in enumerate(LESION_FORMS)})
    tu = finalise_domain(tu, ctx, domain="TU", seq_order=["TUDTC", "_ROLEORDER", "TULNKID"], dy={"TUDTC": "TUDY"},
                         epoch_from="TUDTC")
    tu = derive_var_lobxfl(tu, ctx.domain("DM"), by_vars=["USUBJID", "TULNKID", "TUTESTCD"], dtc_var="TUDTC",
                           result_var="TUSTRESC", new_var="TULOBXFL")
    supp = create_supp(tu, rdomain="TU", qualifiers=[LOCATION_TEXT], idvar="TUSEQ")
    tu = order_like_spec(sort_by_subject(tu.drop(columns=["_ROLE", "_ROLEORDER"]), "TUSEQ"), ctx, "TU")
    return [DomainResult("TU", tu), DomainResult("SUPPTU", supp)]


def map_tu(ctx: MappingContext) -> list[DomainResult]:
    """Map the lesion forms to TU and SUPPTU (needs DM; SE for EPOCH).

    The lesion rows are prepared as TR prepares them but quietly: TR reports the rows' data
    issues and accounts for the rows it does not map; TU adds the identification records and
    reports what only TU decides (ONC002, the location map). :func:`sdtm.oncology.map_tumour`
    maps TU, TR and RS in one pass.
    """
    return derive_tu(prepare_tumour_forms(quiet(ctx), response=False), ctx)
