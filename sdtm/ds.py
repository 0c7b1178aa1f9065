"""DS (Disposition), SDTMIG 3.4 section 6.2.2: consent, end of each treatment, end of study, death.

| source row                     | DSCAT              | DSSCAT                 | DSTERM / DSDECOD                         | DSSTDTC  |
|--------------------------------|--------------------|------------------------|------------------------------------------|----------|
| informed consent (ICYN = Y)    | PROTOCOL MILESTONE | -                      | INFORMED CONSENT OBTAINED (PROTMLST)     | DSSTDAT  |
| end of treatment, per drug     | DISPOSITION EVENT  | the drug (EOTDRUG)     | EOTREAS as written / value map NCOMPLT   | EOTDAT   |
| end of study                   | DISPOSITION EVENT  | STUDY PARTICIPATION    | EOSREAS as written / value map NCOMPLT   | EOSDAT   |
| death on survival follow-up without an end-of-study record of death | DISPOSITION EVENT | STUDY PARTICIPATION | DEATH / DEATH | DTHDAT |

DSSCAT for treatment disposition names the treatment: the study has two study treatments and
SDTMIG 3.4 DS assumption 2b(iii) says "If a study has multiple treatments, then DSSCAT should
name the individual treatment" (STUDY TREATMENT is for single-treatment studies).
"Completed 24 months of treatment" maps to COMPLETED (value map NCOMPLT). EPOCH (assumption 4c,
from DSSTDTC): for disposition events the epoch that the event ends, i.e. the subject element
with SESTDTC < DSSTDTC <= SEENDTC (an end-of-treatment date on the day the follow-up element
starts belongs to TREATMENT); protocol milestones take the element the date falls in
(:func:`sdtm.timing.derive_var_epoch`). Records after the data cut-off are excluded.

Checks raised here: DS001 (WARNING) end-of-study reason death with a date other than the death
date on the survival follow-up form (the end-of-study date is kept); DS002 (WARNING) consent
answer not Y (no milestone record; row excluded).
"""

from __future__ import annotations

import pandas as pd

from sdtm.common import (
    finalise_domain,
    map_coded,
    map_date,
    order_variables,
    read_keyed_rows,
    read_subject_rows,
    split_after_cutoff,
)
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.dates import dtc_date
from sdtm.timing import derive_var_epoch

PARTICIPATION = "STUDY PARTICIPATION"
DISPOSITION = "DISPOSITION EVENT"
MILESTONE = "PROTOCOL MILESTONE"
CONSENT = "INFORMED CONSENT OBTAINED"
DEATH = "DEATH"
COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "USUBJID", "DSTERM", "DSDECOD", "DSCAT", "DSSCAT", "DSSTDTC"]



def _records(rows: pd.DataFrame, **values) -> pd.DataFrame:
    frame = rows[["SOURCE_FILE", "SOURCE_ROW", "USUBJID"]]
    return frame.assign(**{k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in values.items()})[COLUMNS]


def create_consent(ctx: MappingContext) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """Protocol milestone INFORMED CONSENT OBTAINED per consent row answered Y."""
    rows, rejected = read_subject_rows(ctx, "informed_consent")
    obtained = map_coded(rows, "ICYN", "NY", ctx) == "Y"
    if (~obtained).any():
        ctx.issues.add_rows(rows[~obtained.to_numpy()], column="ICYN", check="DS002", severity="WARNING",
                            message="informed consent not answered Y; no consent milestone recorded")
    excluded = [rows.loc[~obtained.to_numpy(), ["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="informed consent not obtained (ICYN not Y)")]
    rows = rows[obtained.to_numpy()]
    return _records(rows, DSTERM=CONSENT, DSDECOD=CONSENT, DSCAT=MILESTONE, DSSCAT=None,
                    DSSTDTC=map_date(rows, "DSSTDAT", ctx)), rejected, excluded


def create_end_of_treatment(ctx: MappingContext) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """One disposition event per drug ended (DSSCAT = the drug)."""
    rows, rejected = read_subject_rows(ctx, "end_of_treatment")
    drug = rows["EOTDRUG"].astype(str).str.strip().str.upper()
    return _records(rows, DSTERM=rows["EOTREAS"], DSDECOD=map_coded(rows, "EOTREAS", "NCOMPLT", ctx), DSCAT=DISPOSITION,
                    DSSCAT=drug, DSSTDTC=map_date(rows, "EOTDAT", ctx)), rejected, []


def create_end_of_study(ctx: MappingContext) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """One disposition event of study participation per end-of-study row."""
    rows, rejected = read_subject_rows(ctx, "end_of_study")
    return _records(rows, DSTERM=rows["EOSREAS"], DSDECOD=map_coded(rows, "EOSREAS", "NCOMPLT", ctx), DSCAT=DISPOSITION,
                    DSSCAT=PARTICIPATION, DSSTDTC=map_date(rows, "EOSDAT", ctx)), rejected, []


def create_deaths(ctx: MappingContext, end_of_study: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deaths on the survival follow-up form; DS records for those without an end-of-study death.

    Returns the new records and the death rows (with their ISO death date) for the date check.
    """
    rows = read_keyed_rows(ctx, "survival_followup")
    rows = rows[rows["USUBJID"].isin(ctx.domain("DM")["USUBJID"]) & rows["DTHDAT"].notna()]
    rows = rows.assign(_DTHDTC=map_date(rows, "DTHDAT", ctx)).sort_values(["USUBJID", "_DTHDTC"], kind="mergesort")
    deaths = rows.drop_duplicates("USUBJID")
    recorded = end_of_study.loc[end_of_study["DSDECOD"] == DEATH, "USUBJID"]
    new = deaths[~deaths["USUBJID"].isin(recorded)]
    return _records(new, DSTERM=DEATH, DSDECOD=DEATH, DSCAT=DISPOSITION, DSSCAT=PARTICIPATION, DSSTDTC=new["_DTHDTC"]), deaths


def check_death_dates(end_of_study: pd.DataFrame, deaths: pd.DataFrame, ctx: MappingContext) -> None:
    """DS001: an end-of-study death whose date differs from the survival follow-up death date."""
    eos = end_of_study[end_of_study["DSDECOD"] == DEATH]
    both = eos.merge(deaths[["USUBJID", "_DTHDTC"]], on="USUBJID", how="inner")
    differs = both["_DTHDTC"].notna() & both["DSSTDTC"].notna() & (both["_DTHDTC"] != both["DSSTDTC"])
    if differs.any():
        ctx.issues.add_rows(both[differs].assign(EOSDAT=both["DSSTDTC"]), column="EOSDAT", check="DS001", severity="WARNING",
                            message="end of study for death dated differently from the death date on the survival follow-up form")


def derive_var_epoch_ended(data: pd.DataFrame, se: pd.DataFrame) -> pd.DataFrame:
    """EPOCH of disposition events: the element the event ends (SESTDTC < DSSTDTC <= SEENDTC).

    Implemented as the standard EPOCH of the day before DSSTDTC (calendar days); records whose
    previous day lies before every element (or protocol milestones) keep the standard EPOCH.
    """
    standard = derive_var_epoch(data, se, dtc_var="DSSTDTC")["EPOCH"]
    previous = (dtc_date(data["DSSTDTC"]) - pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    shifted = derive_var_epoch(data.assign(_PREV=previous.where(previous.notna(), None)), se, dtc_var="_PREV")["EPOCH"]
    event = (data["DSCAT"] == DISPOSITION) & shifted.notna()
    return data.assign(EPOCH=shifted.where(event, standard))


def map_ds(ctx: MappingContext) -> DomainResult:
    """Map consent, end of treatment, end of study and deaths to DS."""
    consent, consent_rejected, consent_excluded = create_consent(ctx)
    eot, eot_rejected, _ = create_end_of_treatment(ctx)
    eos, eos_rejected, _ = create_end_of_study(ctx)
    deaths, death_rows = create_deaths(ctx, eos)
    check_death_dates(eos, death_rows, ctx)
    data = pd.concat([consent, eot, eos, deaths], ignore_index=True)
    data, late = split_after_cutoff(data, data["DSSTDTC"], ctx)
    data = finalise_domain(data.reset_index(drop=True), ctx, domain="DS", seq_order=["DSSTDTC", "DSCAT", "DSSCAT"],
                           dy={"DSSTDTC": "DSSTDY"})
    if "SE" in ctx.results:
        data = derive_var_epoch_ended(data, ctx.domain("SE"))
    frames = [f for f in consent_rejected + eot_rejected + eos_rejected if not f.empty]
    rejected = pd.concat(frames, ignore_index=True)[REASON_COLUMNS] if frames else pd.DataFrame(columns=REASON_COLUMNS)
    excluded = pd.concat(consent_excluded + [late], ignore_index=True)[REASON_COLUMNS]
    return DomainResult("DS", order_variables(data, ctx, "DS"), rejected=rejected, excluded=excluded)
