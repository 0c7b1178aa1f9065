"""EX (Exposure), SDTMIG 3.4 section 6.1.3, and SUPPEX: both study treatments as administered.

**Anlotinib** (form ``dosing_anlotinib``, one row per cycle: the dosing period of days 1-14, the
daily dose, days planned/taken/missed, interruption and dose adjustment with reasons, phase):
one EX record per dosing period at its constant daily dose (SDTMIG 3.4 EX assumption 1d: the
sponsor defines the constant-dosing interval). EXSTDTC/EXENDTC = the period's first and last
day, EXDOSFRQ QD. The form gives the number of days missed, not their dates, so a period with
an interruption is not split (that would invent dates): its record keeps the collected counts in
SUPPEX (EXPLDAYS planned, EXTKDAYS taken, EXMSDAYS missed, EXINTRSN reason of the
interruption) and total exposure is EXDOSE x EXTKDAYS. EXADJ holds the collected reason when the
dose was adjusted (EXADJ = Y on the form). VISIT/VISITNUM stay empty: the capsules are taken at
home, and SDTMIG 3.4 EX assumption 4a says VISITNUM must not mark where a dosing period began; the
cycle number is in SUPPEX EXCYCLE.

**Benmelstobart** (form ``dosing_benmelstobart``, one row per cycle): one record per infusion
given, EXSTDTC/EXENDTC = infusion date with start/end time, VISIT/VISITNUM of the clinic visit
(assumption 4a allows them for administrations within a clinical encounter). A planned infusion
not given (EXOCCUR = N, reason in EXREASND) is not an administration: EX holds treatments
received and generally does not use --OCCUR/--STAT/--REASND (assumptions 6a, 6d), so the row is
excluded with its reason (collected-exposure data would belong in EC, not in this spec).

Both: EXTRT, EXROUTE and the protocol dose from ``study.yaml`` arms; EXDOSFRM and EXDOSFRQ per
treatment from value maps EXDOSFRM/EXDOSFRQ; EXDOSU through value map EXDOSU; EPOCH from SE by
EXSTDTC; EXSTDY/EXENDY from RFSTDTC. Periods/infusions starting after the data cut-off are
excluded (a period starting on or before it keeps its collected end date).

Checks raised here: EX001 (ERROR) dose not a number (EXDOSE empty); EX002 (WARNING) a given
infusion without start time (EXSTDTC date only).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sdtm.common import (
    compute_distinct,
    finalise_domain,
    map_coded,
    map_date,
    numeric_text,
    order_variables,
    read_subject_rows,
    split_after_cutoff,
)
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.frames import add_columns
from sdtm.suppqual import Qualifier, create_supp
from sdtm.visits import compute_planned_visitnum

ANLOTINIB_FORM = "dosing_anlotinib"
BENMELSTOBART_FORM = "dosing_benmelstobart"
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
COMPLETE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SUPP_QUALIFIERS = (
    Qualifier("_CYCLE", "EXCYCLE", "Treatment Cycle Number", "CRF"),
    Qualifier("_PLDAYS", "EXPLDAYS", "Planned Dosing Days in Period", "CRF"),
    Qualifier("_TKDAYS", "EXTKDAYS", "Days Dosed in Period", "CRF"),
    Qualifier("_MSDAYS", "EXMSDAYS", "Days Missed in Period", "CRF"),
    Qualifier("_INTRSN", "EXINTRSN", "Reason for Dose Interruption", "CRF"),
)


def _treatment(ctx: MappingContext, position: int) -> dict:
    """The study.yaml treatment of the (single) arm at ``position`` (0 anlotinib, 1 benmelstobart)."""
    return ctx.study.arms[0]["treatments"][position]


def _dose(rows: pd.DataFrame, ctx: MappingContext) -> pd.Series:
    """EXDOSE as a number (check EX001 when the raw dose is not a number)."""
    dose = numeric_text(rows["EXDOSE"])
    bad = dose.isna() & rows["EXDOSE"].notna()
    if bad.any():
        ctx.issues.add_rows(rows[bad], column="EXDOSE", check="EX001", severity="ERROR", message="dose is not a number; EXDOSE empty")
    return dose



def compute_datetime(rows: pd.DataFrame, date_col: str, time_col: str, ctx: MappingContext) -> pd.Series:
    """ISO 8601 date-time from an ISO date column and a raw ``HH:MM`` time column.

    The time is appended when the date is complete and the time is valid; an unreadable time
    is check DATE001 (the date is kept alone).
    """
    time = compute_distinct(rows[time_col], lambda v: v.strip() if isinstance(v, str) else None)
    valid = compute_distinct(time, lambda v: v is not None and TIME.match(v) is not None).astype(bool)
    bad = time.notna() & (time != "") & ~valid
    if bad.any():
        ctx.issues.add_rows(rows[bad], column=time_col, check="DATE001", severity="ERROR", message="time is not readable; set missing")
    date = rows[date_col].astype(object)
    complete = compute_distinct(date, lambda v: isinstance(v, str) and COMPLETE_DATE.match(v) is not None).astype(bool)
    timed = valid & complete
    stamp = date.where(~timed, date[timed] + "T" + time[timed])
    return stamp.where(date.notna(), None)


def create_anlotinib(ctx: MappingContext) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """One EX record per anlotinib dosing period (see the module docstring)."""
    treatment = _treatment(ctx, 0)
    rows, rejected = read_subject_rows(ctx, ANLOTINIB_FORM)
    rows = add_columns(rows, EXSTDTC=map_date(rows, "EXSTDAT", ctx), EXENDTC=map_date(rows, "EXENDAT", ctx))
    rows, late = split_after_cutoff(rows, rows["EXSTDTC"], ctx)
    adjusted = map_coded(rows, "EXADJ", "NY", ctx) == "Y"
    interrupted = map_coded(rows, "EXINTRPT", "NY", ctx) == "Y"
    records = pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"], "SOURCE_ROW": rows["SOURCE_ROW"], "USUBJID": rows["USUBJID"],
        "EXTRT": treatment["name"], "EXDOSE": _dose(rows, ctx), "EXDOSU": map_coded(rows, "EXDOSU", "EXDOSU", ctx),
        "EXROUTE": treatment["route"], "EXADJ": rows["EXADJRSN"].where(adjusted.to_numpy()),
        "EXSTDTC": rows["EXSTDTC"], "EXENDTC": rows["EXENDTC"], "VISIT": None, "VISITNUM": np.nan,
        "_CYCLE": rows["CYCLE"], "_PLDAYS": rows["EXDAYSPL"], "_TKDAYS": rows["EXDAYSTK"], "_MSDAYS": rows["EXDAYSMS"],
        "_INTRSN": rows["EXINTRSN"].where(interrupted.to_numpy()),
    })
    return records, rejected, [late]


def create_benmelstobart(ctx: MappingContext) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """One EX record per benmelstobart infusion given; planned infusions not given are excluded."""
    treatment = _treatment(ctx, 1)
    rows, rejected = read_subject_rows(ctx, BENMELSTOBART_FORM)
    given = map_coded(rows, "EXOCCUR", "NY", ctx) == "Y"
    not_given = rows[~given.to_numpy()]
    reason = "planned infusion not given (EXOCCUR " + not_given["EXOCCUR"].fillna("missing").astype(str) + ", reason: " + \
        not_given["EXREASND"].fillna("not recorded").astype(str) + "); EX holds administrations only (SDTMIG 3.4 EX assumption 6)"
    excluded = [not_given[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON=reason.to_numpy())]
    rows = rows[given.to_numpy()]
    date = map_date(rows, "EXDAT", ctx)
    rows, late = split_after_cutoff(add_columns(rows, _DATE=date), date, ctx)
    excluded.append(late)
    start = compute_datetime(rows, "_DATE", "EXSTTIM", ctx)
    missing_time = rows["EXSTTIM"].isna() & rows["_DATE"].notna()
    if missing_time.any():
        ctx.issues.add_rows(rows[missing_time], column="EXSTTIM", check="EX002", severity="WARNING",
                            message="infusion given without a start time; EXSTDTC holds the date only")
    end = compute_datetime(rows, "_DATE", "EXENTIM", ctx)
    records = pd.DataFrame({
        "SOURCE_FILE": rows["SOURCE_FILE"], "SOURCE_ROW": rows["SOURCE_ROW"], "USUBJID": rows["USUBJID"],
        "EXTRT": treatment["name"], "EXDOSE": _dose(rows, ctx), "EXDOSU": map_coded(rows, "EXDOSU", "EXDOSU", ctx),
        "EXROUTE": treatment["route"], "EXADJ": None, "EXSTDTC": start, "EXENDTC": end,
        "VISIT": rows["VISITNAME"], "VISITNUM": compute_planned_visitnum(rows["VISIT"]), "_CYCLE": rows["CYCLE"],
    })
    return records, rejected, excluded


def map_ex(ctx: MappingContext) -> list[DomainResult]:
    """Map both dosing forms to EX, and the anlotinib period counts to SUPPEX."""
    anl, anl_rejected, anl_excluded = create_anlotinib(ctx)
    ben, ben_rejected, ben_excluded = create_benmelstobart(ctx)
    data = pd.concat([anl, ben], ignore_index=True)
    keyed = add_columns(data, _EXTRT=data["EXTRT"])
    data["EXDOSFRM"] = map_coded(keyed, "_EXTRT", "EXDOSFRM", ctx)
    data["EXDOSFRQ"] = map_coded(keyed, "_EXTRT", "EXDOSFRQ", ctx)
    data = finalise_domain(data, ctx, domain="EX", seq_order=["EXSTDTC", "EXTRT"],
                           dy={"EXSTDTC": "EXSTDY", "EXENDTC": "EXENDY"}, epoch_from="EXSTDTC")
    supp = create_supp(data, rdomain="EX", qualifiers=SUPP_QUALIFIERS, idvar="EXSEQ")
    frames = anl_rejected + ben_rejected
    rejected = pd.concat([f for f in frames if not f.empty], ignore_index=True) if any(not f.empty for f in frames) else frames[0]
    excluded = pd.concat(anl_excluded + ben_excluded, ignore_index=True)[REASON_COLUMNS]
    data = data.drop(columns=[q.column for q in SUPP_QUALIFIERS])
    return [DomainResult("EX", order_variables(data, ctx, "EX"), rejected=rejected[REASON_COLUMNS], excluded=excluded),
            DomainResult("SUPPEX", supp)]
