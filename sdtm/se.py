"""SE (Subject Elements), SDTMIG 3.4 section 7.3.1: the elements each subject actually passed through.

Derived from DM's reference dates, the anlotinib diary (the first maintenance-phase period)
and the end-of-treatment form, following the trial design (TE/TA in
``specs/<study>/trial_design.yaml``; element codes are taken from there by role):

| element (role) | SESTDTC                                   | SEENDTC                                         |
|----------------|-------------------------------------------|-------------------------------------------------|
| screening      | RFICDTC                                   | RFXSTDTC; for subjects never treated, RFPENDTC  |
| combination    | RFXSTDTC                                  | start of maintenance, else of follow-up; open if ongoing |
| maintenance    | first maintenance-phase dose (<= cut-off) | start of follow-up; open if ongoing             |
| follow-up      | day after the last dose, once every drug has an end-of-treatment record on or before the cut-off (none when participation ended on the last dose day) | RFPENDTC |

An element's end equals the next element's start (SDTMIG 3.4 7.3.1 assumption 2), so a date on
the boundary belongs to the element that starts there (see :func:`sdtm.timing.derive_var_epoch`).
"""

from __future__ import annotations

import pandas as pd

from sdtm.common import map_coded, map_date, read_keyed_rows
from sdtm.context import DomainResult, MappingContext
from sdtm.dates import compute_dy_of_dates, dtc_date, map_subject_dates
from sdtm.identifiers import derive_var_seq
from sdtm.trial_design import TrialDesign, load_trial_design


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").astype(object).where(dates.notna(), None)


def maintenance_start(ctx: MappingContext) -> pd.Series:
    """First maintenance-phase anlotinib period start per USUBJID, on or before the cut-off."""
    diary = read_keyed_rows(ctx, "dosing_anlotinib")
    phase = map_coded(diary, "EXPHASE", "EXPHASE", ctx)
    start = dtc_date(map_date(diary, "EXSTDAT", ctx))
    chosen = diary.assign(_date=start.to_numpy())[(phase == "MAINTENANCE").to_numpy() & (start <= pd.Timestamp(ctx.cutoff)).to_numpy()]
    return chosen.groupby("USUBJID")["_date"].min()


def treatment_ended(ctx: MappingContext, drugs: int) -> pd.Series:
    """USUBJIDs (index, True) with an end-of-treatment record for every drug on or before the cut-off."""
    eot = read_keyed_rows(ctx, "end_of_treatment")
    dates = dtc_date(map_date(eot, "EOTDAT", ctx))
    done = eot[(dates <= pd.Timestamp(ctx.cutoff)).to_numpy()]
    counts = done.groupby("USUBJID")["EOTDRUG"].nunique()
    return counts >= drugs


def build_elements(dm: pd.DataFrame, maintenance: pd.Series, ended: pd.Series, design: TrialDesign) -> pd.DataFrame:
    """One row per subject and element passed through, with start/end dates (see the module table)."""
    base = dm.set_index("USUBJID")
    consent = dtc_date(base["RFICDTC"])
    first = dtc_date(base["RFXSTDTC"])
    last = dtc_date(base["RFXENDTC"])
    end_part = dtc_date(base["RFPENDTC"])
    maint = maintenance.reindex(base.index)
    finished = ended.reindex(base.index, fill_value=False).astype(bool) & first.notna()
    follow_start = (last + pd.Timedelta(days=1)).where(finished)
    rows = [
        ("screening", consent, first.fillna(end_part)),
        ("combination", first, maint.fillna(follow_start)),
        ("maintenance", maint, follow_start),
        ("follow-up", follow_start, end_part.where(follow_start.notna())),
    ]
    frames = []
    for role, start, end in rows:
        element = design.element(role)
        present = start.notna() & (end.isna() | (end >= start))
        frames.append(pd.DataFrame({
            "USUBJID": base.index[present], "ETCD": element.etcd, "ELEMENT": element.element,
            "TAETORD": design.order(role), "EPOCH": design.epoch(role),
            "SESTDTC": _iso(start[present]).to_numpy(), "SEENDTC": _iso(end[present]).to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)


def map_se(ctx: MappingContext) -> DomainResult:
    """Subject elements from DM, the anlotinib diary and the end-of-treatment form."""
    design = load_trial_design(ctx.study)
    dm = ctx.domain("DM")
    se = build_elements(dm, maintenance_start(ctx), treatment_ended(ctx, len(design.drugs)), design)
    se = se.assign(STUDYID=ctx.studyid, DOMAIN="SE")
    se = derive_var_seq(se, new_var="SESEQ", order=["SESTDTC", "TAETORD"])
    reference = map_subject_dates(se["USUBJID"], dm, "RFSTDTC")
    se["SESTDY"] = compute_dy_of_dates(dtc_date(se["SESTDTC"]), reference)
    se["SEENDY"] = compute_dy_of_dates(dtc_date(se["SEENDTC"]), reference)
    return DomainResult("SE", se)
