"""SS (Subject Status), SDTMIG 3.4 section 6.3.5.8: survival status at each follow-up contact.

Source: the survival follow-up form (one row per contact: date, method, status, death date and
cause). One SS record per contact: SSTESTCD SURVSTAT, SSORRES the status as written, SSSTRESC
through value map SSSTRESC (CDISC SSTATRS: Alive -> ALIVE, Dead -> DEAD, Lost to follow-up ->
UNKNOWN), SSDTC the contact date, VISIT/VISITNUM of the follow-up visit, SSDY, EPOCH from SE.
Contacts after the data cut-off are excluded. The death date and cause on the same row are read
by DM (DTHDTC), DS (death disposition) and DD (primary cause of death) directly from the form.
"""

from __future__ import annotations

import pandas as pd

from sdtm.common import (
    finalise_domain,
    map_coded,
    map_date,
    order_variables,
    read_subject_rows,
    split_after_cutoff,
)
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.visits import compute_planned_visitnum

FORM = "survival_followup"
TESTCD = "SURVSTAT"


def map_ss(ctx: MappingContext) -> DomainResult:
    """Map the survival follow-up contacts to SS."""
    rows, (unknown, dups) = read_subject_rows(ctx, FORM)
    codelist = ctx.study.sdtm.codelists["SSTESTCD"]
    data = pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"], "SOURCE_ROW": rows["SOURCE_ROW"], "USUBJID": rows["USUBJID"],
        "SSTESTCD": TESTCD, "SSTEST": codelist.decode(TESTCD), "SSORRES": rows["SFSTAT"],
        "SSSTRESC": map_coded(rows, "SFSTAT", "SSSTRESC", ctx), "VISITNUM": compute_planned_visitnum(rows["VISIT"]),
        "VISIT": rows["VISITNAME"], "SSDTC": map_date(rows, "SFDAT", ctx),
    })
    data, late = split_after_cutoff(data, data["SSDTC"], ctx)
    data = finalise_domain(data.reset_index(drop=True), ctx, domain="SS", seq_order=["SSDTC", "VISITNUM"], dy={"SSDTC": "SSDY"},
                           epoch_from="SSDTC")
    rejected = pd.concat([unknown, dups], ignore_index=True)[REASON_COLUMNS]
    return DomainResult("SS", order_variables(data, ctx, "SS"), rejected=rejected, excluded=late[REASON_COLUMNS])
