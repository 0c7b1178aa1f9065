"""DD (Death Details), SDTMIG 3.4 section 6.3.5.2: the primary cause of death as reported.

Source: the survival follow-up form, on the row of the contact that reported the death (DTHDAT
or DTHCAUS present). One DD record per subject and death:

| variable | value |
|----------|-------|
| DDTESTCD / DDTEST | PRCDTH / Primary Cause of Death (CDISC codelists DDTESTCD/DDTEST) |
| DDORRES | the cause as written on the form (DTHCAUS) |
| DDSTRESC | the same text (a verbatim cause; no dictionary is applied) |
| DDDTC | date of the contact that collected it (SFDAT); the death date itself is DM.DTHDTC |
| DDDY, EPOCH | of that contact |

The death date decides the cut-off, as for DM.DTHDTC: a death after the data cut-off is not a
death at the cut-off, so its cause is excluded. A death reported without a cause is check
DD001 (WARNING) and gives no DD record; a subject reported dead on several contacts keeps the
first report (the later ones are already in SS).
"""

from __future__ import annotations

import pandas as pd

from sdtm.common import (
    add_subject_keys,
    finalise_domain,
    map_date,
    map_date_unreported,
    order_variables,
    reject_unknown_subjects,
    split_after_cutoff,
)
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext

FORM = "survival_followup"
TESTCD = "PRCDTH"


def map_dd(ctx: MappingContext) -> DomainResult:
    """Map the cause of death reported on the survival follow-up form to DD."""
    raw = ctx.form(FORM).data
    rows = add_subject_keys(raw[raw["DTHDAT"].notna() | raw["DTHCAUS"].notna()], ctx)
    rows, unknown = reject_unknown_subjects(rows, ctx)
    rows = rows.assign(_DTHDTC=map_date_unreported(rows, "DTHDAT", ctx), _DDDTC=map_date(rows, "SFDAT", ctx))
    rows, uncaused = _split_without_cause(rows, ctx)
    rows = rows.sort_values(["USUBJID", "_DDDTC", "SOURCE_ROW"], kind="mergesort", na_position="last")
    repeated = rows.duplicated("USUBJID", keep="first")
    again = rows.loc[repeated, REASON_COLUMNS[:2]].assign(REASON="death already reported on an earlier contact")
    rows = rows[~repeated]
    codelist = ctx.study.sdtm.codelists["DDTESTCD"]
    data = pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"], "SOURCE_ROW": rows["SOURCE_ROW"], "USUBJID": rows["USUBJID"],
        "DDTESTCD": TESTCD, "DDTEST": codelist.decode(TESTCD), "DDORRES": rows["DTHCAUS"].str.strip(),
        "DDSTRESC": rows["DTHCAUS"].str.strip(), "DDDTC": rows["_DDDTC"],
    })
    data, late = split_after_cutoff(data, rows["_DTHDTC"], ctx)
    data = finalise_domain(data.reset_index(drop=True), ctx, domain="DD", seq_order=["DDDTC"], dy={"DDDTC": "DDDY"},
                           epoch_from="DDDTC")
    late = late.assign(REASON=late["REASON"].str.replace("after data cut-off", "death after data cut-off", regex=False))
    excluded = pd.concat([uncaused, again, late], ignore_index=True)[REASON_COLUMNS]
    return DomainResult("DD", order_variables(data, ctx, "DD"), rejected=unknown[REASON_COLUMNS], excluded=excluded)


def _split_without_cause(rows: pd.DataFrame, ctx: MappingContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deaths reported without a cause (check DD001): no DD record; the row stays in SS and DM."""
    missing = rows["DTHCAUS"].isna()
    if missing.any():
        ctx.issues.add_rows(rows[missing], column="DTHCAUS", check="DD001", severity="WARNING",
                            message="death reported without a cause; no DD record")
    return rows[~missing], rows.loc[missing, REASON_COLUMNS[:2]].assign(REASON="death without a reported cause")
