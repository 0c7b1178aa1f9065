"""SDTM rules about subjects and the study: DM, death, arms and exposure, disposition, trial
summary, trial design, supplemental qualifiers and related records.

Ids as in :mod:`specs.rules.sdtm_rules`: ``p21_id`` is the Pinnacle 21 / FDA validator rule,
``core_id`` the CDISC CORE rule; empty where no public rule with that meaning was found.
"""

from __future__ import annotations

import re

import pandas as pd

from specs.rules.context import NOT_TREATED
from specs.rules.dates import after, invalid_duration
from specs.rules.registry import (
    Registry,
    dataset_hit,
    dataset_hits,
    flag,
    hits,
    is_null,
    keys_in,
    many_for_one,
    not_one_to_one,
    present,
    text,
)

SUBJECT = Registry("SDTM subject and study")
_QNAM = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
SAE_CRITERIA = ("AESCAN", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESOD", "AESMIE")
TS_REQUIRED = (
    "ADDON", "AGEMAX", "AGEMIN", "LENGTH", "PLANSUB", "RANDOM", "SEXPOP", "STOPRULE", "TBLIND", "TCNTRL",
    "TDIGRP", "TINDTP", "TITLE", "TPHASE", "TTYPE", "OBJPRIM", "SPONSOR", "TRT", "REGID", "INDIC", "STYPE",
    "SENDTC", "ACTSUB", "FCNTRY", "ADAPT", "NARMS", "HLTSUBJI", "INTMODEL",
)
"""TS parameters a submission provides (SDTMIG 3.4 TS domain (TS codes) / FDA Study Data Technical
Conformance Guide, Trial Summary); SSTDTC and INTTYPE have rules of their own."""
TS_SINGLE = ("AGEMIN", "AGEMAX", "SSTDTC", "SENDTC", "TITLE", "TPHASE", "STYPE", "SEXPOP", "PLANSUB",
             "RANDOM", "ADDON", "LENGTH", "ACTSUB", "NARMS", "ADAPT", "TBLIND", "INTMODEL")
TS_DURATIONS = ("LENGTH", "AGEMIN", "AGEMAX")


def _treated(arm: pd.Series) -> pd.Series:
    """True for an actual arm code of a treated subject (present and not SCRNFAIL/NOTASSGN/NOTTRT)."""
    code = text(arm)
    return code.notna() & ~code.str.upper().isin(NOT_TREATED)


def _subjects_with(domain: pd.DataFrame | None, mask=None) -> set:
    if domain is None or "USUBJID" not in domain.columns:
        return set()
    values = text(domain["USUBJID"])
    return set(values[mask].dropna()) if mask is not None else set(values.dropna())


# --- DM ----------------------------------------------------------------------------------------

@SUBJECT.rule("SDTM0040", "Error", "Missing DM dataset", p21_id="SD1020", level="study")
def check_dm_present(ctx):
    """An SDTM submission includes DM. P21 SD1020; SDTMIG 3.4 section 5.2; FDA Technical
    Rejection Criteria (error 1736: DM and ADSL are required)."""
    if not ctx.names("SDTM") or ctx.has("DM"):
        return []
    return [("DM", dataset_hit(DATASET="DM"))]


@SUBJECT.rule("SDTM0041", "Error", "Duplicate USUBJID", p21_id="SD0083", domains=("DM",), variables=("USUBJID",))
def check_dm_one_record_per_subject(data, ds, ctx):
    """DM has one record per subject: USUBJID is unique. P21 SD0083; SDTMIG 3.4 section 5.2."""
    return hits(data, data.duplicated("USUBJID", keep="first") & present(data["USUBJID"]), ["USUBJID"])


@SUBJECT.rule("SDTM0042", "Error", "SUBJID is not unique within study", core_id="CORE-000186",
              domains=("DM",), variables=("SUBJID",))
def check_subjid_unique(data, ds, ctx):
    """SUBJID is unique within the study. CORE-000186 (SDTMIG CG0150); SDTMIG 3.4 section 5.2."""
    keys = [c for c in ("STUDYID", "SUBJID") if c in data.columns]
    return hits(data, data.duplicated(keys, keep="first") & present(data["SUBJID"]), keys)


@SUBJECT.rule("SDTM0043", "Error", "RFSTDTC is after RFENDTC", p21_id="SD1002",
              domains=("DM",), variables=("RFSTDTC", "RFENDTC"))
def check_reference_period(data, ds, ctx):
    """The subject reference start is on or before the reference end. P21 SD1002; SDTMIG 3.4
    section 5.2."""
    return hits(data, after(data["RFSTDTC"], data["RFENDTC"]), ["RFSTDTC", "RFENDTC"])


@SUBJECT.rule("SDTM0044", "Error", "Missing value for RFXENDTC, when RFXSTDTC is provided", p21_id="SD1209",
              domains=("DM",), variables=("RFXSTDTC", "RFXENDTC"))
def check_last_treatment_date(data, ds, ctx):
    """A subject with a first study-treatment date has a last one. P21 SD1209; SDTMIG 3.4
    section 5.2."""
    return hits(data, present(data["RFXSTDTC"]) & is_null(data["RFXENDTC"]), ["RFXSTDTC", "RFXENDTC"])


@SUBJECT.rule("SDTM0045", "Error", "Negative value for AGE", p21_id="SD0084", domains=("DM",), variables=("AGE",))
def check_age_not_negative(data, ds, ctx):
    """AGE is not negative. P21 SD0084; SDTMIG 3.4 section 5.2."""
    return hits(data, pd.to_numeric(data["AGE"], errors="coerce") < 0, ["AGE"])


@SUBJECT.rule("SDTM0046", "Error", "AGE and AGEU are not populated together", domains=("DM",), variables=("AGE",))
def check_age_unit(data, ds, ctx):
    """AGEU is given exactly when AGE is (AGE is meaningless without its unit). SDTMIG 3.4
    section 5.2 (DM AGEU: Exp, unit of AGE)."""
    unit = data["AGEU"] if "AGEU" in data.columns else pd.Series(None, index=data.index, dtype=object)
    bad = present(data["AGE"]) != present(unit)
    return hits(data, bad, ["AGE", "AGEU"])


@SUBJECT.rule("SDTM0047", "Error", "Missing value for DTHDTC, when DTHFL is populated", p21_id="SD2005",
              domains=("DM",), variables=("DTHFL", "DTHDTC"))
def check_death_date_when_died(data, ds, ctx):
    """A subject who died (DTHFL = Y) has a date of death. P21 SD2005; SDTMIG 3.4 section 5.2."""
    return hits(data, text(data["DTHFL"]).eq("Y") & is_null(data["DTHDTC"]), ["DTHFL", "DTHDTC"])


@SUBJECT.rule("SDTM0048", "Error", "DTHFL is not 'Y' although DTHDTC is populated",
              domains=("DM",), variables=("DTHDTC",))
def check_death_flag_when_date(data, ds, ctx):
    """A date of death goes with DTHFL = Y. SDTMIG 3.4 section 5.2 (DTHFL: Y when the subject
    died; DM assumption on death)."""
    flag = text(data["DTHFL"]) if "DTHFL" in data.columns else pd.Series(None, index=data.index, dtype=object)
    return hits(data, present(data["DTHDTC"]) & ~flag.eq("Y"), [c for c in ("DTHDTC", "DTHFL") if c in data.columns])


@SUBJECT.rule("SDTM0049", "Warning", "DSSTDTC for DEATH record is not the same as DM.DTHDTC", p21_id="SD1317",
              domains=("DS",), variables=("USUBJID", "DSDECOD", "DSSTDTC"), needs=("DM",))
def check_death_date_ds_dm(data, ds, ctx):
    """A DS record with DSDECOD = DEATH has DSSTDTC equal to DM.DTHDTC. P21 SD1317; SDTMIG 3.4
    sections 5.2 and 6.2 (DS)."""
    death = text(data["DSDECOD"]).eq("DEATH")
    dthdtc = ctx.subject_value(data["USUBJID"], "DTHDTC")
    start = text(data["DSSTDTC"])
    bad = death & start.notna() & (start.str[:10] != text(dthdtc).str[:10])
    return hits(data, bad, ["USUBJID", "DSDECOD", "DSSTDTC"], DTHDTC=dthdtc)


@SUBJECT.rule("SDTM0050", "Warning", "Subject died (DM.DTHFL = 'Y') but has no DEATH record in DS",
              domains=("DM",), variables=("USUBJID", "DTHFL"), needs=("DS",))
def check_death_in_ds(data, ds, ctx):
    """Every subject flagged as dead has a disposition record DSDECOD = DEATH. SDTMIG 3.4
    sections 5.2 (DTHFL) and 6.2 (DS assumption on death as a disposition event)."""
    ds_frame = ctx.domain("DS")
    if "DSDECOD" not in ds_frame.columns:
        return None
    dead = _subjects_with(ds_frame, text(ds_frame["DSDECOD"]).eq("DEATH"))
    return hits(data, text(data["DTHFL"]).eq("Y") & ~text(data["USUBJID"]).isin(dead), ["USUBJID", "DTHFL"])


@SUBJECT.rule("SDTM0051", "Error", "Fatal adverse event but DM.DTHFL is not 'Y'",
              domains=("AE",), variables=("USUBJID",), needs=("DM",))
def check_fatal_ae_death_flag(data, ds, ctx):
    """An AE with AEOUT = FATAL or AESDTH = Y belongs to a subject with DM.DTHFL = Y. SDTMIG
    3.4 sections 5.2 (DTHFL) and 6.2 (AE: AEOUT, AESDTH)."""
    fatal = pd.Series(False, index=data.index)
    for column, value in (("AEOUT", "FATAL"), ("AESDTH", "Y")):
        if column in data.columns:
            fatal |= text(data[column]).eq(value)
    flag = ctx.subject_value(data["USUBJID"], "DTHFL")
    reported = [c for c in ("USUBJID", "AEOUT", "AESDTH") if c in data.columns]
    return hits(data, fatal & ~text(flag).eq("Y"), reported, DTHFL=flag)


@SUBJECT.rule("SDTM0052", "Warning", "No qualifiers set to 'Y', when AE is Serious", p21_id="SD0009",
              domains=("AE",), variables=("AESER",))
def check_serious_criteria(data, ds, ctx):
    """A serious AE (AESER = Y) has at least one seriousness criterion = Y (AESCAN, AESCONG,
    AESDISAB, AESDTH, AESHOSP, AESLIFE, AESOD, AESMIE). P21 SD0009; SDTMIG 3.4 section 6.2 (AE
    assumption 5)."""
    criteria = [c for c in SAE_CRITERIA if c in data.columns]
    if not criteria:
        return None
    any_y = data[criteria].apply(lambda s: text(s).eq("Y")).any(axis=1)
    return hits(data, text(data["AESER"]).eq("Y") & ~any_y, ["AESER"] + criteria)


@SUBJECT.rule("SDTM0053", "Error", "Seriousness criterion is 'Y' but AESER is not 'Y'",
              domains=("AE",), variables=("AESER",))
def check_criteria_serious(data, ds, ctx):
    """An AE meeting a seriousness criterion is serious (AESER = Y); P21 SD1062 states the
    AESOD case. SDTMIG 3.4 section 6.2 (AE assumption 5)."""
    criteria = [c for c in SAE_CRITERIA if c in data.columns]
    if not criteria:
        return None
    any_y = data[criteria].apply(lambda s: text(s).eq("Y")).any(axis=1)
    return hits(data, any_y & ~text(data["AESER"]).eq("Y"), ["AESER"] + criteria)


# --- arms and exposure -------------------------------------------------------------------------

@SUBJECT.rule("SDTM0054", "Error", "No Exposure record found for subject", p21_id="SD0070",
              domains=("DM",), variables=("USUBJID", "ACTARMCD"), needs=("EX",))
def check_treated_have_exposure(data, ds, ctx):
    """A subject with an actual arm (treated: ACTARMCD not null, SCRNFAIL, NOTASSGN or NOTTRT)
    has exposure records. P21 SD0070; SDTMIG 3.4 section 5.2 (DM assumption 4) and 6.1 (EX)."""
    exposed = _subjects_with(ctx.domain("EX"))
    return hits(data, _treated(data["ACTARMCD"]) & ~text(data["USUBJID"]).isin(exposed), ["USUBJID", "ACTARMCD"])


@SUBJECT.rule("SDTM0055", "Error", "EX record is present, when subject is not treated", p21_id="SD0079",
              domains=("EX",), variables=("USUBJID",), needs=("DM",))
def check_exposure_only_treated(data, ds, ctx):
    """Subjects not treated (ACTARMCD null, SCRNFAIL, NOTASSGN or NOTTRT) have no exposure
    records. P21 SD0079 states it for ARMCD = NOTASSGN; SDTMIG 3.4 section 5.2 (DM assumption 4)."""
    arm = ctx.subject_value(data["USUBJID"], "ACTARMCD")
    return hits(data, ~_treated(arm), ["USUBJID"], ACTARMCD=arm)


@SUBJECT.rule("SDTM0056", "Error", "ARM is not 'Not Assigned', when ARMCD equals 'NOTASSGN', or vice versa",
              p21_id="SD0053", domains=("DM",), variables=("ARMCD", "ARM"))
def check_not_assigned(data, ds, ctx):
    """ARMCD = NOTASSGN exactly when ARM = Not Assigned (same for ACTARMCD/ACTARM). P21 SD0053;
    SDTMIG 3.4 section 5.2 (DM assumption 4)."""
    bad = text(data["ARMCD"]).eq("NOTASSGN") != text(data["ARM"]).eq("Not Assigned")
    if {"ACTARMCD", "ACTARM"} <= set(data.columns):
        bad |= text(data["ACTARMCD"]).eq("NOTASSGN") != text(data["ACTARM"]).eq("Not Assigned")
    return hits(data, bad, [c for c in ("ARMCD", "ARM", "ACTARMCD", "ACTARM") if c in data.columns])


@SUBJECT.rule("SDTM0057", "Error", "Inconsistent value for ACTARM", p21_id="SD1133",
              domains=("DM",), variables=("ACTARMCD", "ACTARM"))
def check_actarm_one_to_one(data, ds, ctx):
    """ACTARMCD and ACTARM are one-to-one. P21 SD1133; SDTMIG 3.4 section 5.2."""
    return not_one_to_one(data, "ACTARMCD", "ACTARM")


@SUBJECT.rule("SDTM0058", "Error", "Inconsistent value for ARM", domains=("DM",), variables=("ARMCD", "ARM"))
def check_arm_one_to_one(data, ds, ctx):
    """ARMCD and ARM are one-to-one. SDTMIG 3.4 section 5.2; FDA business rule FB0914 (paired
    variables are one-to-one)."""
    return not_one_to_one(data, "ARMCD", "ARM")


@SUBJECT.rule("SDTM0059", "Error", "ARM/ARMCD is not an arm of the trial design (TA)", p21_id="SD0071",
              domains=("DM",), variables=("ARMCD",), needs=("TA",))
def check_arm_in_ta(data, ds, ctx):
    """ARMCD (and ACTARMCD) values are arms of TA, except SCRNFAIL, NOTASSGN, NOTTRT and
    UNPLAN. P21 SD0071; SDTMIG 3.4 sections 5.2 and 7.2.1."""
    ta = ctx.domain("TA")
    if "ARMCD" not in ta.columns:
        return None
    arms = set(text(ta["ARMCD"]).dropna()) | NOT_TREATED | {"UNPLAN"}
    bad = pd.Series(False, index=data.index)
    for column in ("ARMCD", "ACTARMCD"):
        if column in data.columns:
            code = text(data[column])
            bad |= code.notna() & ~code.str.upper().isin(arms) & ~code.isin(arms)
    return hits(data, bad, [c for c in ("ARMCD", "ACTARMCD") if c in data.columns])


@SUBJECT.rule("SDTM0060", "Notice", "ACTARM is not equal to ARM", p21_id="SD2237",
              domains=("DM",), variables=("ARM", "ACTARM"))
def check_actual_arm_as_planned(data, ds, ctx):
    """Subjects are expected to receive the planned arm; a difference is reported for review.
    P21 SD2237; FDA Study Data Technical Conformance Guide (DM: ARM and ACTARM)."""
    arm, actual = text(data["ARM"]), text(data["ACTARM"])
    return hits(data, arm.notna() & actual.notna() & (arm != actual), ["USUBJID", "ARM", "ACTARM"])


@SUBJECT.rule("SDTM0061", "Error", "RFSTDTC is missing for a treated subject", p21_id="SD0087",
              domains=("DM",), variables=("RFSTDTC", "ACTARMCD"))
def check_reference_start_treated(data, ds, ctx):
    """A treated subject has a reference start date. P21 SD0087 (ACTARM not Screen Failure,
    Not Assigned or Not Treated => RFSTDTC populated); SDTMIG 3.4 section 5.2."""
    return hits(data, _treated(data["ACTARMCD"]) & is_null(data["RFSTDTC"]), ["USUBJID", "ACTARMCD", "RFSTDTC"])


# --- disposition -------------------------------------------------------------------------------

@SUBJECT.rule("SDTM0062", "Error", "Missing DS dataset", p21_id="SD1110", level="study")
def check_ds_present(ctx):
    """An SDTM submission with subjects includes DS. P21 SD1110; SDTMIG 3.4 section 6.2 (DS)."""
    if not ctx.has("DM") or ctx.has("DS"):
        return []
    return [("DS", dataset_hit(DATASET="DS"))]


@SUBJECT.rule("SDTM0063", "Warning", "No Disposition record found for subject", p21_id="SD0069",
              domains=("DM",), variables=("USUBJID",), needs=("DS",))
def check_subject_has_disposition(data, ds, ctx):
    """Every subject has at least one disposition record. P21 SD0069; SDTMIG 3.4 section 6.2."""
    disposed = _subjects_with(ctx.domain("DS"))
    return hits(data, ~text(data["USUBJID"]).isin(disposed), ["USUBJID"])


@SUBJECT.rule("SDTM0064", "Warning", "AE start date is after the latest Disposition date", p21_id="SD0080",
              domains=("AE",), variables=("USUBJID", "AESTDTC"), needs=("DS",))
def check_ae_before_last_disposition(data, ds, ctx):
    """AESTDTC is on or before the DSSTDTC of the subject's latest disposition event. P21 SD0080;
    SDTMIG 3.4 section 6.2 (DS). Protocol milestones (informed consent) are not disposition
    events: a subject still on treatment has none, and its AEs are not compared (they were all
    reported as after the consent date). Without DSCAT every DS record counts."""
    disposition = ctx.domain("DS")
    if not {"USUBJID", "DSSTDTC"} <= set(disposition.columns):
        return None
    if "DSCAT" in disposition.columns:
        disposition = disposition[text(disposition["DSCAT"]).eq("DISPOSITION EVENT")]
    latest = (pd.DataFrame({"u": text(disposition["USUBJID"]), "d": text(disposition["DSSTDTC"])})
              .dropna().groupby("u")["d"].max())
    last = text(data["USUBJID"]).map(latest)
    return hits(data, after(data["AESTDTC"], last), ["USUBJID", "AESTDTC"], DSSTDTC=last)


@SUBJECT.rule("SDTM0065", "Warning", "Missing EPOCH value, when DSCAT is 'DISPOSITION EVENT'", p21_id="SD1313",
              domains=("DS",), variables=("DSCAT",))
def check_disposition_epoch(data, ds, ctx):
    """Disposition events carry the EPOCH they close. P21 SD1313; SDTMIG 3.4 section 6.2 (DS
    assumption: EPOCH for disposition events)."""
    epoch = data["EPOCH"] if "EPOCH" in data.columns else pd.Series(None, index=data.index, dtype=object)
    reported = ["DSCAT"] + (["EPOCH"] if "EPOCH" in data.columns else [])
    return hits(data, text(data["DSCAT"]).eq("DISPOSITION EVENT") & is_null(epoch), reported)


# --- trial summary and design ------------------------------------------------------------------

def _ts_parameters(ts: pd.DataFrame) -> pd.Series:
    """TSPARMCD of records that give a value (TSVAL, or a null flavor in TSVALNF)."""
    given = present(ts["TSVAL"]) if "TSVAL" in ts.columns else pd.Series(False, index=ts.index)
    if "TSVALNF" in ts.columns:
        given |= present(ts["TSVALNF"])
    return text(ts["TSPARMCD"])[given]


@SUBJECT.rule("SDTM0066", "Error", "Missing SSTDTC Trial Summary parameter", level="study")
def check_ts_study_start(ctx):
    """TS is present and gives the study start date (TSPARMCD = SSTDTC). FDA Technical
    Rejection Criteria for Study Data (error 1734); SDTMIG 3.4 TS domain."""
    if not ctx.names("SDTM"):
        return []
    ts = ctx.domain("TS")
    if ts is None or "TSPARMCD" not in ts.columns:
        return [("TS", dataset_hit(TSPARMCD="SSTDTC"))]
    name = ctx.names("SDTM", "TS")[0]
    return [] if "SSTDTC" in set(_ts_parameters(ts)) else [(name, dataset_hit(TSPARMCD="SSTDTC"))]


@SUBJECT.rule("SDTM0067", "Warning", "Trial Summary parameter is missing", domains=("TS",), variables=("TSPARMCD",))
def check_ts_parameters(data, ds, ctx):
    """TS gives each parameter a submission is expected to describe (ADDON, AGEMAX, AGEMIN,
    LENGTH, PLANSUB, RANDOM, SEXPOP, STOPRULE, TBLIND, TCNTRL, TDIGRP, TINDTP, TITLE, TPHASE,
    TTYPE, OBJPRIM, SPONSOR, TRT, REGID, INDIC, STYPE, SENDTC, ACTSUB, FCNTRY, ADAPT, NARMS,
    HLTSUBJI, INTMODEL), with TSVAL or a null flavor. SDTMIG 3.4 TS domain and Appendix C1;
    FDA Study Data Technical Conformance Guide (Trial Summary)."""
    given = set(_ts_parameters(data))
    return dataset_hits("TSPARMCD", [p for p in TS_REQUIRED if p not in given])


@SUBJECT.rule("SDTM0068", "Error", "Missing INTTYPE Trial Summary Parameter", p21_id="SD1311",
              domains=("TS",), variables=("TSPARMCD", "TSVAL"))
def check_ts_intervention_type(data, ds, ctx):
    """An interventional study (STYPE = INTERVENTIONAL) gives INTTYPE. P21 SD1311; SDTMIG 3.4
    TS domain (TS codes)."""
    parameters = text(data["TSPARMCD"])
    interventional = (parameters.eq("STYPE") & text(data["TSVAL"]).eq("INTERVENTIONAL")).any()
    return dataset_hit(TSPARMCD="INTTYPE") if interventional and "INTTYPE" not in set(parameters) else None


@SUBJECT.rule("SDTM0069", "Error", "Multiple records for a single-valued Trial Summary parameter",
              p21_id="SD1218", domains=("TS",), variables=("TSPARMCD",))
def check_ts_single_valued(data, ds, ctx):
    """Parameters with one value per trial (AGEMIN, AGEMAX, SSTDTC, TITLE, TPHASE, STYPE, ...)
    have one TS record. P21 SD1218 (AGEMIN); SDTMIG 3.4 TS domain."""
    parameters = text(data["TSPARMCD"])
    single = parameters.isin(TS_SINGLE)
    return hits(data, single & parameters.duplicated(keep="first"), ["TSPARMCD"])


@SUBJECT.rule("SDTM0070", "Error", "Invalid TSVAL value for a duration parameter (LENGTH, AGEMIN, AGEMAX)",
              p21_id="SD1219", domains=("TS",), variables=("TSPARMCD", "TSVAL"))
def check_ts_durations(data, ds, ctx):
    """TSVAL of LENGTH, AGEMIN and AGEMAX is an ISO 8601 duration (e.g. P18Y) or null. P21
    SD1219 (LENGTH); SDTMIG 3.4 TS domain (TS codes)."""
    rows = text(data["TSPARMCD"]).isin(TS_DURATIONS)
    return hits(data, rows & invalid_duration(data["TSVAL"]), ["TSPARMCD", "TSVAL"])


@SUBJECT.rule("SDTM0071", "Warning", "Invalid value for TSPARM variable", p21_id="SD0019",
              domains=("TS",), variables=("TSPARM",))
def check_tsparm_length(data, ds, ctx):
    """TSPARM is at most 40 characters. P21 SD0019; SDTMIG 3.4 TS domain."""
    return hits(data, text(data["TSPARM"]).str.len().gt(40), ["TSPARM"])


@SUBJECT.rule("SDTM0072", "Error", "Invalid ETCD", p21_id="SD0067", domains=("SE", "TA"),
              variables=("ETCD",), needs=("TE",))
def check_element_in_te(data, ds, ctx):
    """Element codes are elements of TE, except the unplanned element UNPLAN. P21 SD0067;
    SDTMIG 3.4 sections 5.3 (SE) and 7.2.2 (TE)."""
    te = ctx.domain("TE")
    if "ETCD" not in te.columns:
        return None
    elements = set(text(te["ETCD"]).dropna()) | {"UNPLAN"}
    code = text(data["ETCD"])
    return hits(data, code.notna() & ~code.isin(elements), ["ETCD"])


@SUBJECT.rule("SDTM0073", "Error", "ELEMENT and ETCD do not have a one-to-one relationship", core_id="CORE-000132",
              domains=("TE", "TA", "SE"), variables=("ETCD", "ELEMENT"))
def check_element_one_to_one(data, ds, ctx):
    """ETCD and ELEMENT are one-to-one. CORE-000132 (SDTMIG CG0154; FDA business rule FB0914);
    SDTMIG 3.4 section 7.2."""
    return not_one_to_one(data, "ETCD", "ELEMENT")


# --- supplemental qualifiers and related records -----------------------------------------------

@SUBJECT.rule("SDTM0074", "Error", "Invalid value for QNAM variable", p21_id="SD1022",
              domains=("SUPPQUAL",), variables=("QNAM",))
def check_qnam_name(data, ds, ctx):
    """QNAM is at most 8 characters, starts with a letter and holds only A-Z, 0-9 and _.
    P21 SD1022; SDTMIG 3.4 section 8.4."""
    return hits(data, flag(data["QNAM"], lambda v: not _QNAM.match(str(v).strip())), ["QNAM"])


@SUBJECT.rule("SDTM0075", "Error", "Duplicate QNAM for the same parent record", p21_id="SD0086",
              domains=("SUPPQUAL",), variables=("USUBJID", "QNAM"))
def check_supp_duplicates(data, ds, ctx):
    """STUDYID, RDOMAIN, USUBJID, IDVAR, IDVARVAL and QNAM identify a SUPP-- record. P21 SD0086;
    SDTMIG 3.4 section 8.4."""
    keys = [c for c in ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM") if c in data.columns]
    normalised = pd.DataFrame({k: text(data[k]) for k in keys})
    return hits(data, normalised.duplicated(keep="first"), keys)


def _missing_parent(data: pd.DataFrame, ctx) -> pd.Series:
    """True for records whose RDOMAIN/USUBJID/IDVAR/IDVARVAL point at no record.

    With IDVAR null the parent is the subject (USUBJID must be a subject of RDOMAIN); an
    RDOMAIN that is not in the submission, or an IDVAR that is not one of its variables, is
    reported for every record that uses it.
    """
    bad = pd.Series(False, index=data.index)
    blank = pd.Series(None, index=data.index, dtype=object)
    rdomain = text(data["RDOMAIN"])
    usubjid = text(data["USUBJID"]) if "USUBJID" in data.columns else blank
    idvar = text(data["IDVAR"]) if "IDVAR" in data.columns else blank
    idvarval = text(data["IDVARVAL"]) if "IDVARVAL" in data.columns else blank
    for domain in pd.unique(rdomain.dropna()):
        rows = rdomain.eq(domain)
        parent = ctx.domain(domain)
        if parent is None:
            bad |= rows
            continue
        if "USUBJID" not in parent.columns:
            continue
        subjects = set(text(parent["USUBJID"]).dropna())
        bad |= rows & idvar.isna() & usubjid.notna() & ~usubjid.isin(subjects)
        for variable in pd.unique(idvar[rows].dropna()):
            these = rows & idvar.eq(variable)
            if variable not in parent.columns:
                bad |= these
                continue
            bad |= these & ~keys_in([usubjid, idvarval], [parent["USUBJID"], parent[variable]])
    return bad


@SUBJECT.rule("SDTM0076", "Error", "Invalid referenced record", p21_id="SD0077",
              domains=("SUPPQUAL",), variables=("RDOMAIN", "USUBJID"))
def check_supp_parent(data, ds, ctx):
    """RDOMAIN, USUBJID, IDVAR and IDVARVAL of a SUPP-- record identify an existing parent
    record (a subject of the parent domain when IDVAR is null). P21 SD0077; SDTMIG 3.4 section
    8.4.1."""
    reported = [c for c in ("RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM") if c in data.columns]
    return hits(data, _missing_parent(data, ctx), reported)


@SUBJECT.rule("SDTM0077", "Warning", "Inconsistent value for QLABEL within QNAM", p21_id="SD0046",
              domains=("SUPPQUAL",), variables=("QNAM", "QLABEL"))
def check_qlabel_within_qnam(data, ds, ctx):
    """Each QNAM has one QLABEL across the SUPP-- dataset. P21 SD0046; SDTMIG 3.4 section 8.4."""
    return many_for_one(data, "QNAM", "QLABEL")


@SUBJECT.rule("SDTM0078", "Warning", "Inconsistent value for QNAM within QLABEL", p21_id="SD1130",
              domains=("SUPPQUAL",), variables=("QNAM", "QLABEL"))
def check_qnam_within_qlabel(data, ds, ctx):
    """Each QLABEL has one QNAM across the SUPP-- dataset. P21 SD1130; SDTMIG 3.4 section 8.4."""
    return many_for_one(data, "QLABEL", "QNAM")


@SUBJECT.rule("SDTM0079", "Error", "Unexpected value for IDVAR/IDVARVAL for a DM supplemental qualifier",
              p21_id="SD1051", domains=("SUPPQUAL",), variables=("RDOMAIN", "IDVAR"))
def check_suppdm_idvar(data, ds, ctx):
    """Qualifiers of DM (RDOMAIN = DM) have IDVAR and IDVARVAL null: DM has one record per
    subject. P21 SD1051; SDTMIG 3.4 section 8.4."""
    idvarval = data["IDVARVAL"] if "IDVARVAL" in data.columns else data["IDVAR"]
    bad = text(data["RDOMAIN"]).eq("DM") & (present(data["IDVAR"]) | present(idvarval))
    return hits(data, bad, [c for c in ("RDOMAIN", "IDVAR", "IDVARVAL") if c in data.columns])


@SUBJECT.rule("SDTM0080", "Error", "Invalid referenced record in RELREC", p21_id="SD0077",
              domains=("RELREC",), variables=("RDOMAIN", "IDVAR"))
def check_relrec_references(data, ds, ctx):
    """Record-level RELREC rows (USUBJID present) point at existing records of RDOMAIN. P21
    SD0077; SDTMIG 3.4 section 8.2."""
    subject_rows = present(data["USUBJID"]) if "USUBJID" in data.columns else pd.Series(False, index=data.index)
    bad = _missing_parent(data[subject_rows], ctx).reindex(data.index, fill_value=False)
    return hits(data, bad, [c for c in ("RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID") if c in data.columns])


@SUBJECT.rule("SDTM0081", "Error", "Invalid value for RELTYPE variable", p21_id="SD1026",
              domains=("RELREC",), variables=("IDVAR", "RELTYPE"))
def check_reltype_record_level(data, ds, ctx):
    """RELTYPE is null when IDVAR identifies single records (a --SEQ variable). P21 SD1026;
    SDTMIG 3.4 section 8.2."""
    record_level = flag(data["IDVAR"], lambda v: str(v).strip().endswith("SEQ"))
    return hits(data, record_level & present(data["RELTYPE"]), ["IDVAR", "RELTYPE"])
