"""ADaM rules: ADSL, BDS and time-to-event structure, parameters, flags, dates and derivations.

No published CDISC CORE rule exists yet for these ADaMIG conformance rules (the ADaM rules in
cdisc-org/cdisc-open-rules are drafts) and no Pinnacle 21 ADaM id with the same meaning was
found, so ``p21_id``/``core_id`` are empty; each docstring cites the ADaMIG 1.3 (or ADaM
Structure for Occurrence Data / BDS for Time-to-Event) requirement it enforces.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from specs.rules.dates import is_date_like, sas_days
from specs.rules.registry import (
    Registry,
    dataset_hit,
    dataset_hits,
    flag,
    hits,
    is_character,
    is_null,
    keys,
    not_one_to_one,
    numeric,
    present,
    text,
)

ADAM = Registry("ADaM")
BDS = ("BDS", "TTE")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
_DATE_NAME = re.compile(r"^[A-Z0-9_]*(DT|DTM)$")
POPULATION_FLAGS = ("SAFFL", "ITTFL", "FASFL", "PPROTFL", "RANDFL", "ENRLFL", "COMPLFL", "SCRNFL")
ADAM_REQUIRED = {
    "SUBJECT LEVEL": ("STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARM", "TRT01P"),
    "BDS": ("STUDYID", "USUBJID", "PARAM", "PARAMCD"),
    "TTE": ("STUDYID", "USUBJID", "PARAM", "PARAMCD", "AVAL", "CNSR"),
    "OCCDS": ("STUDYID", "USUBJID"),
}
"""ADaMIG 1.3 Req variables (ADSL and BDS variable tables, ADaM BDS for TTE) used when no
spec workbook describes the dataset."""


def _date_columns(data: pd.DataFrame) -> list[str]:
    return [c for c in data.columns if _DATE_NAME.match(str(c))]


@ADAM.rule("ADAM0001", "Error", "Missing ADSL dataset", standard="ADaM", level="study")
def check_adsl_present(ctx):
    """An ADaM submission includes ADSL. ADaMIG 1.3, ADaM fundamentals (ADSL is required); FDA
    Technical Rejection Criteria (error 1736)."""
    if not ctx.names("ADaM") or "ADSL" in ctx.datasets:
        return []
    return [("ADSL", dataset_hit(DATASET="ADSL"))]


@ADAM.rule("ADAM0002", "Error", "ADSL has more than one record per subject", standard="ADaM",
           domains=("ADSL",), variables=("USUBJID",))
def check_adsl_one_record_per_subject(data, ds, ctx):
    """ADSL has one record per subject. ADaMIG 1.3, ADSL (one record per subject)."""
    return hits(data, data.duplicated("USUBJID", keep="first") & present(data["USUBJID"]), ["USUBJID"])


@ADAM.rule("ADAM0003", "Error", "Subject is not present in ADSL", standard="ADaM",
           variables=("USUBJID",), needs=("ADSL",))
def check_usubjid_in_adsl(data, ds, ctx):
    """Every subject of an ADaM dataset is a subject of ADSL. ADaMIG 1.3, ADSL (one
    record per subject in the study)."""
    if ds.name == "ADSL" or ctx.adsl is None:
        return None
    subject = text(data["USUBJID"])
    return hits(data, subject.notna() & ~subject.isin(ctx.adsl.index), ["USUBJID"])


@ADAM.rule("ADAM0004", "Error", "ADaM Required variable not found", standard="ADaM", spec_free=True)
def check_adam_required_present(data, ds, ctx):
    """Variables ADaMIG marks Req are in the dataset: ADSL STUDYID, USUBJID, SUBJID, SITEID, AGE,
    AGEU, SEX, RACE, ARM, TRT01P; BDS STUDYID, USUBJID, PARAM, PARAMCD; TTE also AVAL and CNSR.
    ADaMIG 1.3 ADSL and BDS variable tables; ADaM BDS for TTE v1.0."""
    return dataset_hits("VARIABLE", [v for v in ADAM_REQUIRED.get(ds.cls, ()) if v not in data.columns])


@ADAM.rule("ADAM0005", "Error", "NULL value in ADaM variable marked as Required", standard="ADaM", spec_free=True)
def check_adam_required_null(data, ds, ctx):
    """ADaM Req variables are populated on every record. ADaMIG 1.3 variable
    tables (Core = Req)."""
    frames = [hits(data, is_null(data[v]), [v]) for v in ADAM_REQUIRED.get(ds.cls, ()) if v in data.columns]
    return frames


@ADAM.rule("ADAM0006", "Error", "PARAMCD and PARAM are not one-to-one", standard="ADaM",
           classes=BDS, variables=("PARAMCD", "PARAM"))
def check_param_one_to_one(data, ds, ctx):
    """Each PARAMCD has one PARAM and each PARAM one PARAMCD. ADaMIG 1.3, BDS
    parameter variables (PARAM, PARAMCD); FDA business rule FB0914 (paired variables)."""
    return not_one_to_one(data, "PARAMCD", "PARAM")


@ADAM.rule("ADAM0007", "Error", "Invalid value for PARAMCD", standard="ADaM", classes=BDS, variables=("PARAMCD",))
def check_paramcd_name(data, ds, ctx):
    """PARAMCD is at most 8 characters, starts with a letter and holds only A-Z, 0-9 and _.
    ADaMIG 1.3, BDS parameter variables (PARAMCD)."""
    return hits(data, flag(data["PARAMCD"], lambda v: not _NAME.match(str(v).strip())), ["PARAMCD"])


@ADAM.rule("ADAM0008", "Error", "Variable and its numeric version are not one-to-one", standard="ADaM")
def check_numeric_pairs(data, ds, ctx):
    """A character variable and its numeric version (xx and xxN: PARAM/PARAMN, AVISIT/AVISITN,
    TRT01P/TRT01PN, AGEGR1/AGEGR1N, ...) map one-to-one. ADaMIG 1.3, variable naming
    conventions (xxN is the numeric version of xx, one-to-one)."""
    frames = []
    for column in data.columns:
        numeric_name = f"{column}N"
        if numeric_name in data.columns and is_character(data[column]):
            frames.append(not_one_to_one(data, column, numeric_name))
    return frames


@ADAM.rule("ADAM0009", "Error", "Invalid value for CNSR", standard="ADaM", classes=("TTE",), variables=("CNSR",))
def check_cnsr_values(data, ds, ctx):
    """CNSR is 0 for an event and a positive integer for a censoring; never null. ADaM Basic
    Data Structure for Time-to-Event Analyses v1.0 (CNSR)."""
    value = numeric(data["CNSR"])
    bad = value.isna() | (value < 0) | (value != np.floor(value))
    return hits(data, bad, ["CNSR"])


@ADAM.rule("ADAM0010", "Error", "Analysis date is after the data cut-off", standard="ADaM", option="cutoff")
def check_dates_before_cutoff(data, ds, ctx):
    """No analysis date (ADT, ASTDT, ADTM) is after the study's data cut-off date (an engine
    option: study.yaml cutoffs). ADaMIG 1.3, BDS timing variables (ADT)."""
    cutoff = (pd.Timestamp(ctx.cutoff) - pd.Timestamp("1960-01-01")).days
    frames = []
    for column in ("ADT", "ASTDT", "ADTM"):
        if column in data.columns:
            days = sas_days(data[column])
            if column == "ADTM" and pd.api.types.is_numeric_dtype(data[column]):
                days = np.floor(days / 86400)
            frames.append(hits(data, days > cutoff, [column]))
    return frames


@ADAM.rule("ADAM0011", "Error", "Neither AVAL nor AVALC is populated", standard="ADaM", classes=BDS,
           variables=("PARAMCD",))
def check_analysis_value(data, ds, ctx):
    """Every BDS record has an analysis value, AVAL or AVALC (DTYPE = PHANTOM records
    excepted). ADaMIG 1.3, BDS analysis value variables."""
    if "AVAL" not in data.columns and "AVALC" not in data.columns:
        return dataset_hit(VARIABLE="AVAL, AVALC")
    missing = pd.Series(True, index=data.index)
    for column in ("AVAL", "AVALC"):
        if column in data.columns:
            missing &= is_null(data[column])
    if "DTYPE" in data.columns:
        missing &= ~text(data["DTYPE"]).eq("PHANTOM")
    return hits(data, missing, [c for c in ("USUBJID", "PARAMCD", "AVAL", "AVALC") if c in data.columns])


@ADAM.rule("ADAM0012", "Error", "Duplicate value for ASEQ", standard="ADaM", variables=("USUBJID", "ASEQ"))
def check_aseq_unique(data, ds, ctx):
    """ASEQ uniquely identifies a record within a subject in a dataset. ADaMIG 1.3, BDS
    identifier variables (ASEQ)."""
    return hits(data, data.duplicated(["USUBJID", "ASEQ"], keep="first") & present(data["ASEQ"]), ["USUBJID", "ASEQ"])


@ADAM.rule("ADAM0013", "Error", "Date variable is not numeric", standard="ADaM")
def check_dates_numeric(data, ds, ctx):
    """Variables named *DT (dates) and *DTM (datetimes) are numeric, not text. ADaMIG 1.3,
    timing variable conventions (*DT numeric dates)."""
    return dataset_hits("VARIABLE", [c for c in _date_columns(data) if not is_date_like(data[c])])


@ADAM.rule("ADAM0014", "Error", "Numeric date variable has no date format", standard="ADaM", option="formats")
def check_date_formats(data, ds, ctx):
    """Numeric *DT variables carry a SAS date format (DATE9., E8601DA., ...) and *DTM a datetime
    format, so the numbers display as dates. ADaMIG 1.3, timing variable
    conventions; formats read from the XPT file or define.xml def:DisplayFormat."""
    formats = ctx.formats.get(ds.name, {})
    bad = []
    for column in _date_columns(data):
        if not pd.api.types.is_numeric_dtype(data[column]):
            continue
        fmt = (formats.get(column) or "").upper()
        wanted = ("DATETIME", "E8601DT", "IS8601DT") if column.endswith("DTM") else ("DATE", "E8601DA", "IS8601DA", "YYMMDD", "DDMMYY", "MMDDYY")
        if not fmt.startswith(wanted) or (column.endswith("DT") and fmt.startswith("DATETIME")):
            bad.append(column)
    return dataset_hits("VARIABLE", bad)


@ADAM.rule("ADAM0015", "Error", "Invalid value for a flag variable", standard="ADaM")
def check_flag_values(data, ds, ctx):
    """Flag variables (*FL) hold Y, N or null. ADaMIG 1.3, flag variable
    conventions."""
    frames = []
    for column in data.columns:
        if str(column).endswith("FL") and is_character(data[column]):
            value = text(data[column])
            frames.append(hits(data, value.notna() & ~value.isin(["Y", "N"]), [column]))
    return frames


@ADAM.rule("ADAM0016", "Error", "Subject-level population flag is null", standard="ADaM", domains=("ADSL",))
def check_population_flags(data, ds, ctx):
    """ADSL population flags (SAFFL, ITTFL, FASFL, PPROTFL, RANDFL, ENRLFL, COMPLFL, SCRNFL)
    are Y or N for every subject, never null. ADaMIG 1.3, ADSL subject-level population
    indicator variables."""
    frames = [hits(data, is_null(data[c]), ["USUBJID", c]) for c in POPULATION_FLAGS if c in data.columns]
    return frames


@ADAM.rule("ADAM0017", "Error", "ADSL variable differs from its value in ADSL", standard="ADaM",
           variables=("USUBJID",), needs=("ADSL",))
def check_adsl_copies(data, ds, ctx):
    """An ADSL variable copied into another ADaM dataset has the subject's ADSL value.
    ADaMIG 1.3, ADSL variables copied into other datasets keep their ADSL values."""
    if ds.name == "ADSL" or ctx.adsl is None:
        return None
    shared = [c for c in data.columns if c in ctx.adsl.columns and c not in ("STUDYID", "USUBJID")]
    subject = text(data["USUBJID"])
    frames = []
    for column in shared:
        if _DATE_NAME.match(column) and not is_character(data[column]) and not is_character(ctx.adsl[column]):
            expected, actual = subject.map(sas_days(ctx.adsl[column])), sas_days(data[column])
            differs = subject.isin(ctx.adsl.index) & ~((expected == actual) | (expected.isna() & actual.isna()))
        else:
            expected, actual = subject.map(text(ctx.adsl[column])), text(data[column])
            differs = subject.isin(ctx.adsl.index) & (actual.fillna("\x00") != expected.fillna("\x00"))
        frames.append(hits(data, differs, ["USUBJID", column], **{f"ADSL.{column}": expected}))
    return frames


def _baseline_keys(data: pd.DataFrame) -> list[str]:
    return [c for c in ("USUBJID", "PARAMCD", "BASETYPE") if c in data.columns]


@ADAM.rule("ADAM0018", "Error", "BASE is not constant within subject and parameter", standard="ADaM",
           classes=BDS, variables=("USUBJID", "PARAMCD", "BASE"))
def check_base_constant(data, ds, ctx):
    """BASE has one value per USUBJID, PARAMCD (and BASETYPE). ADaMIG 1.3, BDS analysis value variables (BASE)."""
    group = _baseline_keys(data)
    counts = data[present(data["BASE"])].groupby(group, dropna=False, observed=True)["BASE"].transform("nunique")
    bad = pd.Series(False, index=data.index)
    bad.loc[counts.index] = counts > 1
    return hits(data, bad, group + ["BASE"])


@ADAM.rule("ADAM0019", "Error", "More than one baseline record flagged", standard="ADaM",
           classes=BDS, variables=("USUBJID", "PARAMCD", "ABLFL"))
def check_one_baseline(data, ds, ctx):
    """At most one record per USUBJID, PARAMCD (and BASETYPE) has ABLFL = Y. ADaMIG 1.3, BDS
    indicator variables (ABLFL)."""
    group = _baseline_keys(data)
    flagged = text(data["ABLFL"]).eq("Y")
    return hits(data, flagged & data[flagged].duplicated(group, keep=False).reindex(data.index, fill_value=False),
                group + ["ABLFL"])


@ADAM.rule("ADAM0020", "Error", "CHG is not AVAL - BASE", standard="ADaM", classes=BDS,
           variables=("AVAL", "BASE", "CHG"))
def check_change(data, ds, ctx):
    """CHG = AVAL - BASE where all are present (and CHG is null when AVAL or BASE is). ADaMIG
    1.3, BDS analysis value variables (CHG)."""
    aval, base, chg = numeric(data["AVAL"]), numeric(data["BASE"]), numeric(data["CHG"])
    expected = aval - base
    bad = (expected.notna() & chg.notna() & ~np.isclose(chg.fillna(0), expected.fillna(0), rtol=1e-9, atol=1e-9)) | (
        expected.isna() & chg.notna())
    return hits(data, bad, ["AVAL", "BASE", "CHG"])


@ADAM.rule("ADAM0021", "Error", "PCHG is not (AVAL - BASE) / BASE * 100", standard="ADaM", classes=BDS,
           variables=("AVAL", "BASE", "PCHG"))
def check_percent_change(data, ds, ctx):
    """PCHG = (AVAL - BASE) / BASE * 100 where BASE is not 0 (null otherwise). ADaMIG 1.3,
    BDS analysis value variables (PCHG)."""
    aval, base, pchg = numeric(data["AVAL"]), numeric(data["BASE"]), numeric(data["PCHG"])
    expected = ((aval - base) / base.where(base != 0)) * 100
    bad = (expected.notna() & pchg.notna() & ~np.isclose(pchg.fillna(0), expected.fillna(0), rtol=1e-6, atol=1e-6)) | (
        expected.isna() & pchg.notna())
    return hits(data, bad, ["AVAL", "BASE", "PCHG"])


@ADAM.rule("ADAM0022", "Warning", "ADY is inconsistent with ADT and TRTSDT", standard="ADaM",
           variables=("USUBJID", "ADT", "ADY"))
def check_analysis_day(data, ds, ctx):
    """ADY = ADT - TRTSDT + 1 on or after TRTSDT, else ADT - TRTSDT (no day 0), with TRTSDT from
    the dataset or ADSL. ADaMIG 1.3, BDS timing variables (ADY; no day 0)."""
    if "TRTSDT" in data.columns:
        start = sas_days(data["TRTSDT"])
    elif ctx.adsl is not None and "TRTSDT" in ctx.adsl.columns:
        start = text(data["USUBJID"]).map(sas_days(ctx.adsl["TRTSDT"]))
    else:
        return None
    delta = sas_days(data["ADT"]) - start
    expected = delta.where(delta < 0, delta + 1)
    day = numeric(data["ADY"])
    bad = expected.notna() & (day.isna() | (day != expected))
    return hits(data, bad, ["USUBJID", "ADT", "ADY"], TRTSDT=start)


@ADAM.rule("ADAM0023", "Error", "ASTDT is after AENDT", standard="ADaM", variables=("ASTDT", "AENDT"))
def check_start_before_end(data, ds, ctx):
    """Analysis start date is on or before analysis end date. ADaM Structure for Occurrence Data
    (OCCDS) v1.1, timing variables (ASTDT, AENDT)."""
    return hits(data, sas_days(data["ASTDT"]) > sas_days(data["AENDT"]), ["ASTDT", "AENDT"])


@ADAM.rule("ADAM0024", "Error", "Time-to-event AVAL is negative", standard="ADaM", classes=("TTE",),
           variables=("AVAL",))
def check_tte_not_negative(data, ds, ctx):
    """A time to event or censoring is zero or more. ADaM BDS for Time-to-Event Analyses v1.0
    (AVAL = ADT - STARTDT + 1)."""
    return hits(data, numeric(data["AVAL"]) < 0, [c for c in ("USUBJID", "PARAMCD", "AVAL") if c in data.columns])


@ADAM.rule("ADAM0025", "Error", "STARTDT is after ADT", standard="ADaM", classes=("TTE",),
           variables=("STARTDT", "ADT"))
def check_tte_origin_before_event(data, ds, ctx):
    """The time-to-event origin is on or before the event/censoring date. ADaM BDS for
    Time-to-Event Analyses v1.0 (STARTDT, ADT)."""
    return hits(data, sas_days(data["STARTDT"]) > sas_days(data["ADT"]), ["STARTDT", "ADT"])


@ADAM.rule("ADAM0026", "Error", "TRTSDT is after TRTEDT", standard="ADaM", domains=("ADSL",),
           variables=("TRTSDT", "TRTEDT"))
def check_treatment_period(data, ds, ctx):
    """First exposure date is on or before last exposure date. ADaMIG 1.3, ADSL
    treatment timing variables (TRTSDT, TRTEDT)."""
    return hits(data, sas_days(data["TRTSDT"]) > sas_days(data["TRTEDT"]), ["USUBJID", "TRTSDT", "TRTEDT"])


@ADAM.rule("ADAM0027", "Error", "AVALC and AVAL are not one-to-one within PARAMCD", standard="ADaM",
           classes=BDS, variables=("PARAMCD", "AVAL", "AVALC"))
def check_avalc_aval(data, ds, ctx):
    """Within a parameter, each AVALC maps to one AVAL and each AVAL to one AVALC (both
    present). ADaMIG 1.3, BDS analysis value variables (AVALC)."""
    both = present(data["AVAL"]) & present(data["AVALC"])
    subset = data[both]
    if subset.empty:
        return None
    frame = pd.DataFrame({"a": keys(subset["PARAMCD"], subset["AVALC"]), "b": keys(subset["PARAMCD"], subset["AVAL"])},
                         index=subset.index)
    found = not_one_to_one(frame, "a", "b")
    if found is None:
        return None
    return data.loc[found.index, ["PARAMCD", "AVAL", "AVALC"]]


@ADAM.rule("ADAM0028", "Error", "ADaM dataset name does not start with AD", standard="ADaM")
def check_dataset_name(data, ds, ctx):
    """ADaM dataset names are ADxxxxxx (at most 8 characters). ADaMIG 1.3, dataset
    naming conventions."""
    return None if _NAME.match(ds.name) and ds.name.startswith("AD") else dataset_hit(DATASET=ds.name)

