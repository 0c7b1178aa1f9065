"""SV (Subject Visits), SDTMIG 3.4 section 5.4: one record per subject per visit that took place.

Visits come from three forms: the visit-date form (screening, treatment cycles, end of
treatment, safety follow-up: the primary source of those SV records), the tumour-response form
(tumour-assessment visits, scheduled and unscheduled: one SV record per subject and visit, its
rows listed as contributing) and the survival follow-up form (contacts: likewise). VISITNUM and
VISIT follow the trial design (:func:`sdtm.visits.compute_visitnum`, the same numbering every
domain uses; unscheduled visits: preceding scheduled VISITNUM + 0.01). SVSTDTC/SVENDTC are the
visit date; visits after the data cut-off are excluded.
"""

from __future__ import annotations

import pandas as pd

from sdtm.common import (
    finalise_domain,
    map_date,
    map_date_unreported,
    read_keyed_rows,
    reject_unknown_subjects,
    split_after_cutoff,
)
from sdtm.context import DomainResult, MappingContext, empty_rejections
from sdtm.frames import add_columns, reset_rows
from sdtm.visits import compute_visitnum, planned_visit_names

SOURCES = (("visit_dates", "VISDAT"), ("tumour_response", "RSDAT"), ("survival_followup", "SFDAT"))


def map_sv(ctx: MappingContext) -> DomainResult:
    """Subject visits from the visit-date, tumour-response and survival follow-up forms."""
    frames, rejected, excluded = [], [], []
    for form, date_column in SOURCES:
        rows = read_keyed_rows(ctx, form)
        rows, bad = reject_unknown_subjects(rows, ctx) if form == "visit_dates" else (rows[rows["USUBJID"].isin(ctx.domain("DM")["USUBJID"])], None)
        if bad is not None:
            rejected.append(bad)
        dtc = map_date(rows, date_column, ctx) if form == "visit_dates" else map_date_unreported(rows, date_column, ctx)
        rows = add_columns(rows, SVSTDTC=dtc.to_numpy(), _FORM=form)
        rows, after = split_after_cutoff(rows, rows["SVSTDTC"], ctx)
        if form == "visit_dates":
            excluded.append(after)
        frames.append(rows)
    visits = pd.concat(frames, ignore_index=True)
    numbers = compute_visitnum(visits["VISIT"], visits["SVSTDTC"], visits["USUBJID"], names=planned_visit_names(ctx.study))
    visits = add_columns(visits, VISITNUM=numbers["VISITNUM"].to_numpy(), VISIT=numbers["VISIT"].to_numpy())
    visits = visits[visits["VISITNUM"].notna()]
    visits = visits.sort_values(["USUBJID", "VISITNUM", "SVSTDTC", "_FORM"], kind="mergesort")
    primary = visits.drop_duplicates(["USUBJID", "VISITNUM"])
    used = visits[~visits.index.isin(primary.index)][["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="SV visit date")
    contributing = primary[primary["_FORM"] != "visit_dates"]
    used = pd.concat([used, contributing[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="SV visit date")], ignore_index=True)
    sv = primary[primary["_FORM"] == "visit_dates"].copy()
    derived = contributing.drop(columns=["SOURCE_FILE", "SOURCE_ROW"])
    sv = pd.concat([sv, derived], ignore_index=True)
    sv["SVENDTC"] = sv["SVSTDTC"]
    sv["SVUPDES"] = None
    sv = finalise_domain(sv, ctx, domain="SV", seq_order=["VISITNUM"], dy={"SVSTDTC": "SVSTDY", "SVENDTC": "SVENDY"})
    keep = ["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "DOMAIN", "USUBJID", "VISITNUM", "VISIT", "SVSTDTC", "SVENDTC", "SVSTDY", "SVENDY"]
    return DomainResult("SV", reset_rows(sv[keep].drop_duplicates(["USUBJID", "VISITNUM"])),
                        rejected=pd.concat(rejected, ignore_index=True) if rejected else empty_rejections(),
                        excluded=pd.concat(excluded, ignore_index=True), used=used)
