"""SDTM record-level rules that apply across domains: identifiers, dates, study days, findings.

Each rule names the public rule it is modelled on: the Pinnacle 21 / FDA validator rule id
(``p21_id``; the ids and their wording as published with the open XQuery implementation of the
FDA validator rules) and/or the CDISC CORE id (``core_id``; cdisc-org/cdisc-open-rules). An
empty id means no public rule with that meaning was found; the docstring then cites the
SDTMIG 3.4 section the rule enforces.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from specs.rules.context import DatasetInfo
from specs.rules.dates import after, complete_date, invalid_datetime, invalid_duration, study_day
from specs.rules.registry import (
    Registry,
    dataset_hit,
    dataset_hits,
    flag,
    hits,
    is_character,
    is_null,
    keys_in,
    many_for_one,
    not_one_to_one,
    numeric,
    present,
    text,
)

SDTM = Registry("SDTM general")
GENERAL = ("INTERVENTIONS", "EVENTS", "FINDINGS")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")

REQUIRED: dict[str, tuple[str, ...]] = {
    "INTERVENTIONS": ("STUDYID", "DOMAIN", "USUBJID", "--SEQ", "--TRT"),
    "EVENTS": ("STUDYID", "DOMAIN", "USUBJID", "--SEQ", "--TERM"),
    "FINDINGS": ("STUDYID", "DOMAIN", "USUBJID", "--SEQ", "--TESTCD", "--TEST"),
    "AE": ("AEDECOD",),
    "DS": ("DSDECOD", "DSCAT"),
    "DM": ("STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY"),
    "SE": ("STUDYID", "DOMAIN", "USUBJID", "SESEQ", "ETCD", "SESTDTC"),
    "SV": ("STUDYID", "DOMAIN", "USUBJID", "VISITNUM"),
    "TA": ("STUDYID", "DOMAIN", "ARMCD", "ARM", "TAETORD", "ETCD"),
    "TE": ("STUDYID", "DOMAIN", "ETCD", "ELEMENT", "TESTRL"),
    "TV": ("STUDYID", "DOMAIN", "VISITNUM"),
    "TI": ("STUDYID", "DOMAIN", "IETESTCD", "IETEST", "IECAT"),
    "TS": ("STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM"),
    "SUPPQUAL": ("STUDYID", "RDOMAIN", "USUBJID", "QNAM", "QLABEL", "QVAL", "QORIG"),
    "RELREC": ("STUDYID", "RDOMAIN", "RELID"),
}
"""SDTMIG 3.4 Req variables used when no spec workbook describes the dataset (by class or domain)."""

EXPECTED: dict[str, tuple[str, ...]] = {
    "FINDINGS": ("--ORRES", "--STRESC"),
    "LB": ("VISITNUM", "LBDTC", "LBORRESU", "LBSTRESN", "LBSTRESU"),
    "VS": ("VISITNUM", "VSDTC", "VSORRESU", "VSSTRESN", "VSSTRESU"),
    "EG": ("VISITNUM", "EGDTC"),
    "QS": ("VISITNUM", "QSDTC"),
    "AE": ("AESTDTC", "AEENDTC", "AESER", "AEREL", "AEOUT", "AEACN"),
    "EX": ("EXDOSE", "EXDOSU", "EXSTDTC", "EXENDTC"),
    "DM": ("RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC", "RFPENDTC", "DTHDTC", "DTHFL",
           "AGE", "AGEU", "RACE", "ARMCD", "ARM", "ACTARMCD", "ACTARM"),
    "SV": ("SVSTDTC", "SVENDTC"),
    "TS": ("TSVAL",),
    "SUPPQUAL": ("IDVAR", "IDVARVAL", "QEVAL"),
}
"""SDTMIG 3.4 Exp variables checked for presence when no spec workbook describes the dataset."""


def _core_list(table: dict, ds: DatasetInfo) -> list[str]:
    names = list(table.get(ds.cls, ())) + list(table.get(ds.domain, ()))
    if ds.domain in ("DM", "SE", "SV", "TA", "TE", "TV", "TI", "TS", "SUPPQUAL", "RELREC"):
        names = list(table.get(ds.domain, ()))
    return list(dict.fromkeys(ds.vars(*names)))


# --- presence ----------------------------------------------------------------------------------

@SDTM.rule("SDTM0001", "Error", "NULL value in variable marked as Required", p21_id="SD0002", spec_free=True)
def check_required_null(data, ds, ctx):
    """Required (Core = Req) variables are never null. P21 SD0002; SDTMIG 3.4 domain tables (Core = Req).
    Uses the SDTMIG Req list when no spec describes the dataset (else spec rule SPEC0005)."""
    frames = [hits(data, is_null(data[v]), [v]) for v in _core_list(REQUIRED, ds) if v in data.columns]
    return frames


@SDTM.rule("SDTM0002", "Error", "SDTM Required variable not found", p21_id="SD0056", spec_free=True)
def check_required_present(data, ds, ctx):
    """Variables the SDTMIG marks Req are included in the dataset. P21 SD0056; SDTMIG 3.4
    domain tables (Core = Req). Used when no spec describes the dataset (else SPEC0002)."""
    return dataset_hits("VARIABLE", [v for v in _core_list(REQUIRED, ds) if v not in data.columns])


@SDTM.rule("SDTM0003", "Warning", "SDTM Expected variable not found", p21_id="SD0057", spec_free=True)
def check_expected_present(data, ds, ctx):
    """Variables the SDTMIG marks Exp are included, even when empty. P21 SD0057; SDTMIG 3.4
    domain tables (Core = Exp). Used when no spec describes the dataset (else SPEC0003)."""
    return dataset_hits("VARIABLE", [v for v in _core_list(EXPECTED, ds) if v not in data.columns])


# --- identifiers -------------------------------------------------------------------------------

@SDTM.rule("SDTM0004", "Error", "Inconsistent value for DOMAIN", p21_id="SD0004", variables=("DOMAIN",))
def check_domain_value(data, ds, ctx):
    """DOMAIN equals the dataset name, or for a split dataset its first two characters. P21
    SD0004; SDTMIG 3.4 section 4.1.7 (split datasets)."""
    wrong = flag(text(data["DOMAIN"]), lambda v: v != ds.name and not (len(v) == 2 and ds.name.startswith(v)))
    return hits(data, wrong | is_null(data["DOMAIN"]), ["DOMAIN"])


@SDTM.rule("SDTM0005", "Error", "Duplicate value for --SEQ variable", p21_id="SD0005",
           classes=GENERAL + ("SPECIAL PURPOSE",), variables=("USUBJID", "--SEQ"))
def check_seq_unique(data, ds, ctx):
    """--SEQ uniquely identifies a record within USUBJID in a domain. P21 SD0005; SDTM v2.0
    identifier variables (--SEQ)."""
    keys = ds.vars("USUBJID", "--SEQ")
    valid = present(data[keys[1]])
    return hits(data, data.duplicated(keys, keep="first") & valid, keys)


@SDTM.rule("SDTM0006", "Error", "Subject is not present in DM domain", p21_id="SD0064",
           variables=("USUBJID",), needs=("DM",))
def check_usubjid_in_dm(data, ds, ctx):
    """Every USUBJID of a subject-level dataset is a subject of DM. P21 SD0064; SDTMIG 3.4
    section 5.2 (DM: one record per subject in the study)."""
    if ds.domain == "DM" or ctx.subjects is None:
        return None
    subject = text(data["USUBJID"])
    return hits(data, subject.notna() & ~subject.isin(ctx.subjects.index), ["USUBJID"])


@SDTM.rule("SDTM0007", "Error", "STUDYID is not the same in all datasets", level="study")
def check_studyid_constant(ctx):
    """All records of the submission carry the same STUDYID. SDTM v2.0 identifier variables (STUDYID
    identifies the study); the most frequent value across SDTM datasets is taken as the study's."""
    counts = pd.Series(dtype="int64")
    for name in ctx.names("SDTM"):
        if "STUDYID" in ctx.datasets[name].columns:
            counts = counts.add(text(ctx.datasets[name]["STUDYID"]).value_counts(), fill_value=0)
    if len(counts) < 2:
        return []
    study = counts.sort_values(ascending=False, kind="stable").index[0]
    found = []
    for name in ctx.names("SDTM"):
        data = ctx.datasets[name]
        if "STUDYID" in data.columns:
            value = text(data["STUDYID"])
            found.append((name, hits(data, value.notna() & (value != study), ["STUDYID"])))
    return found


@SDTM.rule("SDTM0008", "Warning", "Duplicate records", classes=("FINDINGS",), variables=("USUBJID", "--TESTCD"))
def check_duplicate_findings(data, ds, ctx):
    """No two findings records share subject, test and timing: USUBJID, --CAT, --SCAT, --TESTCD,
    --TSTDTL, --SPEC, --METHOD, --LOC, --ANTREG, --LAT, --LNKID, --EVAL, --EVALID, --REFID,
    --GRPID, --SYM, VISITNUM, --TPTNUM, --TPTREF, --DTC (those present). SDTMIG 3.4 section
    3.2.1.1 (natural keys of findings); --TSTDTL further qualifies the test and --ANTREG the
    location (SDTMIG 3.4 findings class), and in GF one variant's records share --GRPID and
    its gene is --SYM (SDTMIG 3.4 GF domain), so records differing in them are distinct."""
    keys = [c for c in ds.vars("USUBJID", "--CAT", "--SCAT", "--TESTCD", "--TSTDTL", "--SPEC", "--METHOD", "--LOC",
                               "--ANTREG", "--LAT", "--LNKID", "--EVAL", "--EVALID", "--REFID", "--GRPID", "--SYM",
                               "VISITNUM", "--TPTNUM", "--TPTREF", "--DTC") if c in data.columns]
    return hits(data, data.duplicated(keys, keep="first"), keys)


@SDTM.rule("SDTM0009", "Error", "Invalid value for --TESTCD variable", p21_id="SD0018",
           classes=("FINDINGS",), variables=("--TESTCD",))
def check_testcd_name(data, ds, ctx):
    """--TESTCD is at most 8 characters, starts with a letter and holds only A-Z, 0-9 and _.
    P21 SD0018; SDTMIG 3.4 section 4.5.3.1 (test codes must be valid SAS names)."""
    column = ds.var("--TESTCD")
    bad = flag(data[column], lambda v: not _NAME.match(str(v)))
    return hits(data, bad, [column])


@SDTM.rule("SDTM0010", "Warning", "Invalid value for --TEST variable", p21_id="SD0017",
           classes=("FINDINGS",), variables=("--TEST",))
def check_test_length(data, ds, ctx):
    """--TEST is at most 40 characters (not applied to IE and TI, whose --TEST may be 200).
    P21 SD0017; SDTMIG 3.4 section 4.5.3.1."""
    if ds.domain in ("IE", "TI"):
        return None
    column = ds.var("--TEST")
    return hits(data, text(data[column]).str.len().gt(40), [column])


@SDTM.rule("SDTM0011", "Error", "Inconsistent value for --TEST within --TESTCD", p21_id="SD0040",
           classes=("FINDINGS",), variables=("--TESTCD", "--TEST"))
def check_test_within_testcd(data, ds, ctx):
    """Each --TESTCD has one --TEST (and the reverse, FDA business rule FB0914 on paired
    variables). P21 SD0040; SDTMIG 3.4 section 4.5.3.1."""
    return not_one_to_one(data, *ds.vars("--TESTCD", "--TEST"))


# --- ISO 8601 ----------------------------------------------------------------------------------

@SDTM.rule("SDTM0012", "Error", "Invalid ISO 8601 value for variable", p21_id="SD0003")
def check_iso8601_dtc(data, ds, ctx):
    """Every *DTC value is ISO 8601 date/time text: right-truncated partial dates, a hyphen for
    each missing middle component, and intervals of uncertainty are allowed. P21 SD0003; SDTMIG
    3.4 sections 4.4.2 and 4.4.3."""
    frames = [hits(data, invalid_datetime(data[c]), [c]) for c in data.columns if str(c).endswith("DTC")]
    return frames


@SDTM.rule("SDTM0013", "Error", "Invalid ISO 8601 value for duration variable", p21_id="SD1011")
def check_iso8601_duration(data, ds, ctx):
    """--DUR, --ELTM, --EVLINT (and TEDUR) are ISO 8601 durations; elapsed times may be
    negative. P21 SD1011; SDTMIG 3.4 sections 4.4.3 and 4.4.5."""
    columns = [c for c in data.columns if re.search(r"(DUR|ELTM|EVLINT)$", str(c)) and is_character(data[c])]
    frames = [hits(data, invalid_duration(data[c]), [c]) for c in columns]
    return frames


# --- date order and study days -----------------------------------------------------------------

@SDTM.rule("SDTM0014", "Error", "--STDTC is after --ENDTC", p21_id="SD0013", variables=("--STDTC", "--ENDTC"))
def check_start_after_end(data, ds, ctx):
    """Start date/time is on or before end date/time (compared at their common precision).
    P21 SD0013; SDTMIG 3.4 section 4.4.2."""
    start, end = ds.vars("--STDTC", "--ENDTC")
    return hits(data, after(data[start], data[end]), [start, end])


@SDTM.rule("SDTM0015", "Error", "--DTC is after --ENDTC", p21_id="SD0025",
           classes=("FINDINGS",), variables=("--DTC", "--ENDTC"))
def check_collection_after_end(data, ds, ctx):
    """In findings collected over an interval, --DTC (start) is on or before --ENDTC. P21
    SD0025; SDTMIG 3.4 section 4.4.8."""
    start, end = ds.vars("--DTC", "--ENDTC")
    return hits(data, after(data[start], data[end]), [start, end])


@SDTM.rule("SDTM0016", "Error", "--STDY is after --ENDY", p21_id="SD0012", variables=("--STDY", "--ENDY"))
def check_stdy_after_endy(data, ds, ctx):
    """Study day of start is not after study day of end. P21 SD0012; SDTMIG 3.4 section 4.4.4."""
    start, end = ds.vars("--STDY", "--ENDY")
    return hits(data, numeric(data[start]) > numeric(data[end]), [start, end])


def _day_mismatch(data, ds, ctx, day_var: str, date_var: str):
    day, date = ds.vars(day_var, date_var)
    if ds.domain == "DM" or ctx.subjects is None or "_RFSTDT" not in ctx.subjects.columns:
        return None
    reference = pd.to_numeric(ctx.subject_value(data["USUBJID"], "_RFSTDT"), errors="coerce")
    expected = study_day(complete_date(data[date]), reference)
    actual = numeric(data[day])
    bad = expected.notna() & (actual.isna() | (actual != expected))
    rfstdtc = ctx.subject_value(data["USUBJID"], "RFSTDTC")
    return hits(data, bad, [day, date], RFSTDTC=rfstdtc)


@SDTM.rule("SDTM0017", "Error", "Incorrect value for --DY variable", core_id="CORE-000529",
           variables=("USUBJID", "--DY", "--DTC"), needs=("DM",))
def check_dy(data, ds, ctx):
    """--DY = date(--DTC) - date(DM.RFSTDTC) + 1 on or after RFSTDTC, else the difference
    (no day 0), wherever both dates are complete. CORE-000529 (SDTMIG CG0006); FDA business rule
    FB1603; SDTMIG 3.4 section 4.4.4."""
    return _day_mismatch(data, ds, ctx, "--DY", "--DTC")


@SDTM.rule("SDTM0018", "Error", "Incorrect value for --STDY variable", p21_id="SD1090",
           variables=("USUBJID", "--STDY", "--STDTC"), needs=("DM",))
def check_stdy(data, ds, ctx):
    """--STDY follows the study-day algorithm from --STDTC and DM.RFSTDTC. P21 SD1090; SDTMIG
    3.4 section 4.4.4."""
    return _day_mismatch(data, ds, ctx, "--STDY", "--STDTC")


@SDTM.rule("SDTM0019", "Error", "Incorrect value for --ENDY variable", p21_id="SD1094",
           variables=("USUBJID", "--ENDY", "--ENDTC"), needs=("DM",))
def check_endy(data, ds, ctx):
    """--ENDY follows the study-day algorithm from --ENDTC and DM.RFSTDTC. P21 SD1094; SDTMIG
    3.4 section 4.4.4."""
    return _day_mismatch(data, ds, ctx, "--ENDY", "--ENDTC")


@SDTM.rule("SDTM0020", "Error", "Study day variable value equals 0", p21_id="SD0038")
def check_day_zero(data, ds, ctx):
    """No study day variable (--DY, --STDY, --ENDY, VISITDY) equals 0: there is no day 0.
    P21 SD0038; SDTMIG 3.4 section 4.4.4."""
    columns = [c for c in data.columns if re.search(r"(DY|STDY|ENDY)$", str(c))]
    frames = [hits(data, numeric(data[c]).eq(0), [c]) for c in columns]
    return frames


@SDTM.rule("SDTM0021", "Error", "--DY populated although --DTC or RFSTDTC is not a complete date",
           core_id="CORE-000354", variables=("USUBJID", "--DY", "--DTC"), needs=("DM",))
def check_dy_partial(data, ds, ctx):
    """--DY is null when the date part of --DTC or DM.RFSTDTC is incomplete. CORE-000354
    (SDTMIG CG0007); SDTMIG 3.4 section 4.4.4."""
    if ds.domain == "DM" or ctx.subjects is None or "_RFSTDT" not in ctx.subjects.columns:
        return None
    day, date = ds.vars("--DY", "--DTC")
    reference = pd.to_numeric(ctx.subject_value(data["USUBJID"], "_RFSTDT"), errors="coerce")
    incomplete = complete_date(data[date]).isna() | reference.isna()
    return hits(data, present(data[day]) & incomplete, [day, date], RFSTDTC=ctx.subject_value(data["USUBJID"], "RFSTDTC"))


@SDTM.rule("SDTM0022", "Error", "--STDTC is after the subject's end of participation (RFPENDTC)",
           p21_id="SD1202", classes=("INTERVENTIONS", "EVENTS"), variables=("USUBJID", "--STDTC"), needs=("DM",))
def check_start_after_rfpendtc(data, ds, ctx):
    """Start dates fall on or before DM.RFPENDTC, the end of the subject's participation. P21
    SD1202; SDTMIG 3.4 section 5.2 (RFPENDTC)."""
    start = ds.var("--STDTC")
    end = ctx.subject_value(data["USUBJID"], "RFPENDTC")
    return hits(data, after(data[start], end), [start], RFPENDTC=end)


# --- findings results --------------------------------------------------------------------------

@SDTM.rule("SDTM0023", "Error", "--STRESN does not equal --STRESC when --STRESC is a number",
           p21_id="SD1212", classes=("FINDINGS",), variables=("--STRESC", "--STRESN"))
def check_stresn_matches_stresc(data, ds, ctx):
    """When --STRESC holds a number, --STRESN holds the same number. P21 SD1212; SDTMIG 3.4
    section 4.5.1 (original and standardized results)."""
    stresc, stresn = ds.vars("--STRESC", "--STRESN")
    as_number = numeric(data[stresc])
    value = numeric(data[stresn])
    bad = as_number.notna() & (value.isna() | ~np.isclose(as_number.fillna(0), value.fillna(0), rtol=1e-9, atol=1e-12))
    return hits(data, bad, [stresc, stresn])


def _missing_when(data, ds, given: str, missing: str):
    given, missing = ds.vars(given, missing)
    return hits(data, present(data[given]) & is_null(data[missing]), [given, missing])


@SDTM.rule("SDTM0024", "Error", "Missing value for --STRESC, when --ORRES is provided", p21_id="SD0036",
           classes=("FINDINGS",), variables=("--ORRES", "--STRESC"))
def check_stresc_when_orres(data, ds, ctx):
    """Every original result has a standardized character result. P21 SD0036; SDTMIG 3.4
    section 4.5.1."""
    return _missing_when(data, ds, "--ORRES", "--STRESC")


@SDTM.rule("SDTM0025", "Error", "Missing value for --STRESC, when --STRESU is provided", p21_id="SD0030",
           classes=("FINDINGS",), variables=("--STRESU", "--STRESC"))
def check_stresc_when_stresu(data, ds, ctx):
    """A standard unit is only given with a standardized result. P21 SD0030; SDTMIG 3.4
    section 4.5.1."""
    return _missing_when(data, ds, "--STRESU", "--STRESC")


@SDTM.rule("SDTM0026", "Warning", "Missing value for --ORRES, when --ORRESU is provided", p21_id="SD0027",
           classes=("FINDINGS",), variables=("--ORRESU", "--ORRES"))
def check_orres_when_orresu(data, ds, ctx):
    """An original unit is only given with an original result. P21 SD0027; SDTMIG 3.4
    section 4.5.1."""
    return _missing_when(data, ds, "--ORRESU", "--ORRES")


@SDTM.rule("SDTM0027", "Error", "Value for --ORRES is populated, when --STAT is 'NOT DONE'", p21_id="SD1123",
           classes=("FINDINGS",), variables=("--STAT", "--ORRES"))
def check_not_done_without_result(data, ds, ctx):
    """A test marked NOT DONE has no result. P21 SD1123; SDTMIG 3.4 section 4.5.1 (tests
    not done)."""
    stat, orres = ds.vars("--STAT", "--ORRES")
    return hits(data, text(data[stat]).eq("NOT DONE") & present(data[orres]), [stat, orres])


@SDTM.rule("SDTM0028", "Error", "Missing value for --STAT, when --REASND is provided", p21_id="SD0023",
           variables=("--REASND", "--STAT"))
def check_stat_when_reasnd(data, ds, ctx):
    """A reason not done is only given when --STAT is NOT DONE. P21 SD0023; SDTMIG 3.4
    section 4.5.1."""
    reasnd, stat = ds.vars("--REASND", "--STAT")
    return hits(data, present(data[reasnd]) & ~text(data[stat]).eq("NOT DONE"), [reasnd, stat])


@SDTM.rule("SDTM0029", "Error", "Value for --STNRHI is less than value for --STNRLO", p21_id="SD0028",
           classes=("FINDINGS",), variables=("--STNRLO", "--STNRHI"))
def check_normal_range_order(data, ds, ctx):
    """The upper limit of the standardized normal range is not below the lower limit. P21
    SD0028; SDTMIG 3.4 section 6.3 (LB --STNRLO/--STNRHI)."""
    low, high = ds.vars("--STNRLO", "--STNRHI")
    return hits(data, numeric(data[high]) < numeric(data[low]), [low, high])


@SDTM.rule("SDTM0030", "Warning", "--NRIND is inconsistent with --STRESN and the normal range",
           classes=("FINDINGS",), variables=("--NRIND", "--STRESN", "--STNRLO", "--STNRHI"))
def check_nrind_consistent(data, ds, ctx):
    """--NRIND agrees with the standardized numeric result and range: HIGH only above
    --STNRHI, LOW only below --STNRLO, NORMAL only within the range. SDTMIG 3.4 section 6.3
    (LB --NRIND: reference range indicator)."""
    nrind, value, low, high = ds.vars("--NRIND", "--STRESN", "--STNRLO", "--STNRHI")
    flag, x, lo, hi = text(data[nrind]), numeric(data[value]), numeric(data[low]), numeric(data[high])
    bad = (flag.eq("HIGH") & (x <= hi)) | (flag.eq("LOW") & (x >= lo)) | (flag.eq("NORMAL") & ((x < lo) | (x > hi)))
    return hits(data, bad, [nrind, value, low, high])


@SDTM.rule("SDTM0031", "Error", "Negative value for --DOSE", p21_id="SD0014",
           classes=("INTERVENTIONS",), variables=("--DOSE",))
def check_dose_not_negative(data, ds, ctx):
    """A dose is zero or more. P21 SD0014; SDTMIG 3.4 section 6.1 (interventions --DOSE)."""
    dose = ds.var("--DOSE")
    return hits(data, numeric(data[dose]) < 0, [dose])


@SDTM.rule("SDTM0032", "Warning", "Missing value for --DOSU, when --DOSE is provided", p21_id="SD0035",
           classes=("INTERVENTIONS",), variables=("--DOSE", "--DOSU"))
def check_dose_unit(data, ds, ctx):
    """A dose has a unit. P21 SD0035 (--DOSE, --DOSTOT or --DOSTXT given => --DOSU given);
    SDTMIG 3.4 section 6.1."""
    return _missing_when(data, ds, "--DOSE", "--DOSU")


@SDTM.rule("SDTM0033", "Error", "--TOX present in dataset without --TOXGR", core_id="CORE-000023",
           classes=("EVENTS", "FINDINGS"), variables=("--TOX",))
def check_tox_without_toxgr(data, ds, ctx):
    """--TOX qualifies --TOXGR and is not included without it. CORE-000023 (SDTMIG CG0084);
    SDTM v2.0 (variable qualifiers)."""
    return None if ds.var("--TOXGR") in data.columns else dataset_hit(VARIABLE=ds.var("--TOX"))


@SDTM.rule("SDTM0034", "Error", "Toxicity grade is not a grade 1-5", variables=("--TOXGR",))
def check_toxgr_range(data, ds, ctx):
    """--TOXGR holds a CTCAE grade 1, 2, 3, 4 or 5 (grade 0 is not an adverse event). CTCAE
    v5.0 (grades 1-5); SDTMIG 3.4 section 6.2 (AE --TOXGR)."""
    grade = ds.var("--TOXGR")
    ok = text(data[grade]).isin(["1", "2", "3", "4", "5"])
    return hits(data, present(data[grade]) & ~ok, [grade])


# --- visits and epochs -------------------------------------------------------------------------

@SDTM.rule("SDTM0035", "Error", "EPOCH value is not an epoch of the trial design (TA/SE)",
           variables=("EPOCH",), needs=("TA|SE",))
def check_epoch_in_design(data, ds, ctx):
    """EPOCH values are epochs of the trial: those of TA, or of SE when TA is absent. SDTMIG
    3.4 EPOCH variable definition and section 7.2.1 (TA)."""
    if ds.domain in ("TA", "SE"):
        return None
    source = ctx.domain("TA") if ctx.has("TA") else ctx.domain("SE")
    if source is None or "EPOCH" not in source.columns:
        return None
    epochs = set(text(source["EPOCH"]).dropna())
    value = text(data["EPOCH"])
    return hits(data, value.notna() & ~value.isin(epochs), ["EPOCH"])


@SDTM.rule("SDTM0036", "Error", "Inconsistent value for VISIT within VISITNUM", p21_id="SD0051",
           variables=("VISITNUM", "VISIT"))
def check_visit_within_visitnum(data, ds, ctx):
    """Each VISITNUM has one VISIT name within a dataset. P21 SD0051; SDTMIG 3.4 section
    4.4.5 (visit variables)."""
    return many_for_one(data, "VISITNUM", "VISIT")


@SDTM.rule("SDTM0037", "Error", "Inconsistent value for VISITNUM within VISIT", p21_id="SD0052",
           variables=("VISITNUM", "VISIT"))
def check_visitnum_within_visit(data, ds, ctx):
    """Each VISIT name has one VISITNUM within a dataset. P21 SD0052; SDTMIG 3.4 section 4.4.5."""
    return many_for_one(data, "VISIT", "VISITNUM")


@SDTM.rule("SDTM0038", "Warning", "VISIT/VISITNUM values do not match TV domain data", p21_id="SD1023",
           variables=("VISITNUM", "VISIT"), needs=("TV",))
def check_visit_in_tv(data, ds, ctx):
    """Planned visits (integer VISITNUM, VISIT not marked unscheduled) are visits of TV with
    the same name. P21 SD1023; SDTMIG 3.4 section 7.3 (TV)."""
    if ds.domain == "TV":
        return None
    tv = ctx.domain("TV")
    if tv is None or not {"VISITNUM", "VISIT"} <= set(tv.columns):
        return None
    number = numeric(data["VISITNUM"])
    unscheduled = flag(data["VISIT"], lambda v: bool(re.search("UNSCHED|UNPLAN", str(v), re.IGNORECASE)))
    scheduled = number.notna() & (number == np.floor(number)) & ~unscheduled
    known = keys_in([number, data["VISIT"]], [numeric(tv["VISITNUM"]), tv["VISIT"]])
    return hits(data, scheduled & ~known, ["VISITNUM", "VISIT"])


@SDTM.rule("SDTM0039", "Warning", "USUBJID/VISIT/VISITNUM values do not match SV domain data", p21_id="SD0065",
           classes=GENERAL, variables=("USUBJID", "VISITNUM"), needs=("SV",))
def check_visit_in_sv(data, ds, ctx):
    """Every subject visit in a general-observation dataset is a visit of that subject in SV.
    P21 SD0065; SDTMIG 3.4 SV domain ( one record per subject per actual visit)."""
    sv = ctx.domain("SV")
    if sv is None or not {"USUBJID", "VISITNUM"} <= set(sv.columns):
        return None
    number = numeric(data["VISITNUM"])
    known = keys_in([data["USUBJID"], number], [sv["USUBJID"], numeric(sv["VISITNUM"])])
    return hits(data, number.notna() & ~known, ["USUBJID", "VISITNUM"])
