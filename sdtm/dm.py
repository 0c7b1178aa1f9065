"""DM (Demographics), SDTMIG 3.4 section 5.2: one record per screened subject.

Primary source: the demographics form. Reference dates come from other forms, whose rows are
then listed as contributing (``used``) in the reconciliation:

| variable  | rule                                                                                 |
|-----------|--------------------------------------------------------------------------------------|
| RFICDTC   | informed consent date (earliest, if re-consented)                                    |
| RFXSTDTC  | first dose of either study drug on or before the cut-off (date; the infusion times are in EX) |
| RFXENDTC  | last dose of either drug on or before the cut-off (an anlotinib period running past the cut-off ends at it) |
| RFSTDTC   | = RFXSTDTC (the study's reference start: first dose); null for screen failures       |
| RFENDTC   | = RFXENDTC                                                                            |
| DTHDTC    | death date from the survival follow-up, on or before the cut-off; DTHFL "Y" then     |
| RFPENDTC  | end of participation: the latest date on or before the cut-off of end of study, death, survival contact, last dose, consent, and any AE, con-med, subsequent-therapy, tumour-assessment or visit date |
| AGE       | age collected at screening (checked against BRTHDTC and RFICDTC: AGE001 when they disagree) |
| ARM...    | treated: the study's (single) arm; not treated: arms null, ARMNRS "SCREEN FAILURE" when the end-of-study reason is a screen failure, else "ASSIGNED, NOT TREATED" with ARMCD kept (SDTMIG 3.4 5.2 assumptions 4-6) |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sdtm.common import earliest_possible, map_coded, map_date, map_date_unreported, read_keyed_rows
from sdtm.context import DomainResult, MappingContext
from sdtm.dates import dtc_date
from sdtm.frames import add_columns, reset_rows

SCREEN_FAILURE = "SCREEN FAILURE"


def _dates_by_subject(frame: pd.DataFrame, dtc: pd.Series, *, how: str) -> pd.DataFrame:
    """Per USUBJID the earliest/latest complete date with the raw row that gave it."""
    dates = dtc_date(dtc)
    work = add_columns(frame, _date=dates.to_numpy()).dropna(subset=["_date"])
    ascending = how == "min"
    work = work.sort_values(["USUBJID", "_date", "SOURCE_ROW"], ascending=[True, ascending, True], kind="mergesort")
    return work.drop_duplicates("USUBJID")[["USUBJID", "_date", "SOURCE_FILE", "SOURCE_ROW"]]


def _cutoff_date(ctx: MappingContext) -> pd.Timestamp:
    return pd.Timestamp(ctx.cutoff)


def _dose_dates(ctx: MappingContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First and last dose per subject (either drug), on or before the cut-off."""
    cutoff = _cutoff_date(ctx)
    anl = read_keyed_rows(ctx, "dosing_anlotinib")
    ben = read_keyed_rows(ctx, "dosing_benmelstobart")
    given = map_coded(ben, "EXOCCUR", "NY", ctx) == "Y"
    ben = ben[given.to_numpy()]
    anl_start = dtc_date(map_date(anl, "EXSTDAT", ctx))
    anl_end = dtc_date(map_date(anl, "EXENDAT", ctx)).fillna(anl_start)
    ben_date = dtc_date(map_date(ben, "EXDAT", ctx))
    keys = ["USUBJID", "SOURCE_FILE", "SOURCE_ROW"]
    starts = pd.concat([anl[keys].assign(_date=anl_start.to_numpy()), ben[keys].assign(_date=ben_date.to_numpy())],
                       ignore_index=True)
    ends = pd.concat([anl[keys].assign(_date=anl_end.clip(upper=cutoff).where(anl_start <= cutoff).to_numpy()),
                      ben[keys].assign(_date=ben_date.to_numpy())], ignore_index=True)
    starts = starts[starts["_date"] <= cutoff]
    ends = ends[ends["_date"].notna() & (ends["_date"] <= cutoff)]
    first = starts.sort_values(["USUBJID", "_date", "SOURCE_FILE", "SOURCE_ROW"], kind="mergesort").drop_duplicates("USUBJID")
    last = ends.sort_values(["USUBJID", "_date", "SOURCE_FILE", "SOURCE_ROW"], ascending=[True, False, True, True],
                            kind="mergesort").drop_duplicates("USUBJID")
    columns = ["USUBJID", "_date", "SOURCE_FILE", "SOURCE_ROW"]
    return first[columns], last[columns]


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").astype(object).where(dates.notna(), None)


ACTIVITY_DATES = (("adverse_events", ("AESTDAT", "AEENDAT")), ("con_meds", ("CMSTDAT", "CMENDAT")),
                  ("subsequent_therapy", ("STSTDAT", "STENDAT")), ("tumour_response", ("RSDAT",)),
                  ("visit_dates", ("VISDAT",)))
"""Forms and date columns that show the subject still taking part (for RFPENDTC). A subsequent
therapy counts: the site learnt of its start from the subject, so it was in contact on or after
that date, whatever the date of the last survival contact recorded (SDTMIG 3.4 DM: RFPENDTC is
the last known date of contact)."""


def _latest_activity(ctx: MappingContext, cutoff: pd.Timestamp) -> pd.Series:
    """Latest complete date per USUBJID, on or before the cut-off, of any recorded study activity."""
    frames = []
    for form, columns in ACTIVITY_DATES:
        rows = read_keyed_rows(ctx, form)
        for column in columns:
            dates = dtc_date(map_date_unreported(rows, column, ctx))
            frames.append(pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(), "_date": dates.to_numpy()}))
    dates = pd.concat(frames, ignore_index=True).dropna()
    return dates[dates["_date"] <= cutoff].groupby("USUBJID")["_date"].max()


def filter_consent_after_cutoff(dm: pd.DataFrame, cutoff: dt.date) -> pd.DataFrame:
    """The DM records of subjects whose informed consent (RFICDTC) is after the data cut-off: the
    earliest date a partial RFICDTC can mean is after it (the rule of
    :func:`sdtm.common.split_after_cutoff`). The mapping keeps every subject of the raw data, so
    a package cut off before a subject entered the study would list them; the SDTM stage refuses
    such a cut-off instead."""
    return dm[(earliest_possible(dm["RFICDTC"]) > pd.Timestamp(cutoff)).to_numpy()]


def compare_sites(dm: pd.DataFrame, declared: Sequence[str]) -> tuple[list[str], list[str]]:
    """The study's declared sites (``study.yaml`` ``sites``) without any subject in DM, and the
    SITEIDs of DM that the study does not declare, each sorted."""
    seen = set(dm["SITEID"].dropna().astype(str))
    return sorted(set(declared) - seen), sorted(seen - set(declared))


def derive_age_check(dm: pd.DataFrame, ctx: MappingContext) -> None:
    """Report (AGE001) a collected AGE that differs from the age at consent computed from BRTHDTC."""
    birth, consent = dtc_date(dm["BRTHDTC"]), dtc_date(dm["RFICDTC"])
    years = consent.dt.year - birth.dt.year - ((consent.dt.month * 100 + consent.dt.day) < (birth.dt.month * 100 + birth.dt.day))
    differs = years.notna() & dm["AGE"].notna() & (years != dm["AGE"])
    if differs.any():
        ctx.issues.add_rows(dm[differs], column="AGE", check="AGE001", severity="WARNING",
                            message="collected age differs from the age at informed consent computed from the birth date")


def map_dm(ctx: MappingContext) -> DomainResult:
    """Map the demographics form (plus reference dates from other forms) to DM."""
    raw = read_keyed_rows(ctx, "demographics")
    cutoff = _cutoff_date(ctx)
    dm = raw[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID", "SUBJID", "SITEID"]].copy()
    dm["BRTHDTC"] = map_date(raw, "BRTHDAT", ctx)
    dm["AGE"] = pd.to_numeric(raw["AGE"], errors="coerce")
    dm["AGEU"] = map_coded(raw, "AGEU", "AGEU", ctx)
    dm["SEX"] = map_coded(raw, "SEX", "SEX", ctx)
    dm["RACE"] = map_coded(raw, "RACE", "RACE", ctx)
    dm["ETHNIC"] = map_coded(raw, "ETHNIC", "ETHNIC", ctx)
    dm["COUNTRY"] = ctx.study.country

    consent = read_keyed_rows(ctx, "informed_consent")
    first_consent = _dates_by_subject(consent, map_date(consent, "DSSTDAT", ctx), how="min")
    first_dose, last_dose = _dose_dates(ctx)
    follow = read_keyed_rows(ctx, "survival_followup")
    death_dtc = map_date(follow, "DTHDAT", ctx)
    deaths = _dates_by_subject(follow, death_dtc.where(dtc_date(death_dtc) <= cutoff), how="min")
    contacts = _dates_by_subject(follow, map_date(follow, "SFDAT", ctx).where(dtc_date(map_date(follow, "SFDAT", ctx)) <= cutoff), how="max")
    eos = read_keyed_rows(ctx, "end_of_study")
    eos_dtc = map_date(eos, "EOSDAT", ctx)
    eos_dates = _dates_by_subject(eos, eos_dtc.where(dtc_date(eos_dtc) <= cutoff), how="max")
    eos_reason = add_columns(eos, _reason=map_coded(eos, "EOSREAS", "NCOMPLT", ctx)).drop_duplicates("USUBJID").set_index("USUBJID")["_reason"]

    index = dm.set_index("USUBJID").index
    lookup = {name: frame.set_index("USUBJID")["_date"].reindex(index)
              for name, frame in {"consent": first_consent, "first": first_dose, "last": last_dose, "death": deaths,
                                  "contact": contacts, "eos": eos_dates}.items()}
    dm["RFICDTC"] = _iso(lookup["consent"]).to_numpy()
    dm["RFXSTDTC"] = _iso(lookup["first"]).to_numpy()
    dm["RFXENDTC"] = _iso(lookup["last"]).to_numpy()
    dm["RFSTDTC"] = dm["RFXSTDTC"]
    dm["RFENDTC"] = dm["RFXENDTC"]
    dm["DTHDTC"] = _iso(lookup["death"]).to_numpy()
    dm["DTHFL"] = np.where(dm["DTHDTC"].notna(), "Y", None)
    activity = _latest_activity(ctx, cutoff).reindex(index)
    latest = pd.concat([lookup[k] for k in ("eos", "death", "contact", "last", "consent")] + [activity], axis=1).max(axis=1)
    dm["RFPENDTC"] = _iso(latest).to_numpy()

    treated = dm["RFXSTDTC"].notna()
    arm = ctx.study.arms[0]
    screen_failure = dm["USUBJID"].map(eos_reason).eq(SCREEN_FAILURE)
    dm["ARMCD"] = np.where(treated | ~screen_failure, arm["armcd"], None)
    dm["ARM"] = np.where(treated | ~screen_failure, arm["arm"], None)
    dm["ACTARMCD"] = np.where(treated, arm["armcd"], None)
    dm["ACTARM"] = np.where(treated, arm["arm"], None)
    dm["ARMNRS"] = np.where(treated, None, np.where(screen_failure, SCREEN_FAILURE, "ASSIGNED, NOT TREATED"))
    dm["DOMAIN"] = "DM"
    derive_age_check(dm, ctx)

    used = pd.concat([frame[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON=f"DM.{variable}")
                      for frame, variable in ((first_consent, "RFICDTC"), (first_dose, "RFXSTDTC"), (last_dose, "RFXENDTC"),
                                              (deaths, "DTHDTC"), (contacts, "RFPENDTC"), (eos_dates, "RFPENDTC"))], ignore_index=True)
    return DomainResult("DM", reset_rows(dm), used=used)
