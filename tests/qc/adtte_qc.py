"""Independent QC re-derivation of ADTTE PFS and OS (double programming, issue #7).

Written from the specification text only -- the ADaM spec workbook (``adam_spec.xlsx``: sheets
Variables, Datasets, Methods, Codelists), ``study.yaml`` (cut-offs, tumour-assessment schedule)
and ``adsl.yaml`` (new anticancer therapy sources) -- and the SDTM XPT files of a built package.
Nothing under ``adam/`` (production code) nor ``endpoints.yaml`` is read or imported: the point
of the QC program is that it shares no code with production. It is deliberately plain (one
subject at a time, explicit loops) so that it can be read against the methods it cites.

Flow (each step names the spec method it implements):

1. :func:`create_subjects` -- one row per DM subject: TRTSDT (MT.ADSL.TRTSDT), FASFL/EFFFL
   (MT.ADSL.FASFL, MT.ADSL.EFFFL), NACTDT (MT.ADSL.NACTDT), DTHDT (MT.ADSL.DTHDT), LSTALVDT
   (MT.ADSL.LSTALVDT), DCUTDT (MT.ADSL.DCUT).
2. :func:`create_ovr` -- investigator RECIST 1.1 overall responses with ADT (MT.ADRS.OVR,
   MT.ADRS.ADT, MT.ADRS.AVAL).
3. :func:`derive_var_anl01fl` -- the assessments used by the endpoints (MT.ADRS.ANL01FL).
4. :func:`create_pfs_os` -- the PFS and OS records (MT.ADTTE.PARAM, STARTDT, AVAL, CNSR, PFS,
   OS, TRACE).

SRCSEQ is not derived: for every record whose date comes from an assessment, a PD or a death,
MT.ADTTE.TRACE defines it as the ASEQ of a production ADRS record, and ADRS's ASEQ depends on
how production orders the ADRS parameters, which is not something a QC re-derivation from SDTM
can reproduce independently. The compare therefore leaves SRCSEQ out (it is null, and so
trivially equal, only for the ADSL-sourced records).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import yaml

from specs.compare import CompareResult, compare_files
from specs.loader import study_folder

KEYS = ["USUBJID", "PARAMCD"]
"""BY variables of the compare (ADTTE key: STUDYID, USUBJID, PARAMCD; one study)."""

QC_VARIABLES = [
    "STUDYID", "USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR",
    "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR",
]
"""Variables the QC program derives and compares (SRCSEQ left out, see the module doc)."""

DATE_VARIABLES = ["STARTDT", "ADT"]

ADEQUATE = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")
"""MT.ADTTE.CNSR: an adequate assessment is an ANL01FL = 'Y' OVR record with one of these."""

RESPONSE_AVAL = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}
"""MT.ADRS.AVAL: numeric coding of the overall response, best to worst."""

_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:$|-)")
_YEAR = re.compile(r"^(\d{4})(?:$|-)")


# ------------------------------------------------------------------------------ inputs
@dataclass(frozen=True)
class AssessmentSchedule:
    """The protocol tumour-assessment schedule (study.yaml ``analysis.tumour_assessment``).

    Scheduled weeks are 0 (the start date), then every ``early_interval_weeks`` up to and
    including ``early_until_week``, then every ``late_interval_weeks``: 0, 6, 12, 18, 27, 36, ...
    """

    early_interval_weeks: int = 6
    early_until_week: int = 18
    late_interval_weeks: int = 9
    window_days: int = 7

    def scheduled_days(self, up_to_day: int) -> list[int]:
        """Days after the start date of the scheduled assessments: all up to ``up_to_day``, then two more.

        >>> AssessmentSchedule().scheduled_days(40)
        [0, 42, 84]
        """
        days, week = [0], 0
        while len(days) < 3 or days[-2] <= up_to_day:
            week += self.early_interval_weeks if week < self.early_until_week else self.late_interval_weeks
            days.append(7 * week)
        return days


@dataclass(frozen=True)
class StudyInputs:
    """What the QC program takes from the study folder's specification text."""

    cutoff: dt.date
    schedule: AssessmentSchedule
    new_therapy_sources: list[dict]
    params: dict[str, str]               # ADTTE.PARAMCD code -> decode (PARAM)
    labels: dict[str, str]               # ADTTE variable -> label (Variables sheet)
    dataset_label: str                   # ADTTE label (Datasets sheet)


def read_study_inputs(study: str | Path = "alter_e003", *, cutoff: str | None = None) -> StudyInputs:
    """Read the cut-off, the assessment schedule, the new-therapy sources and the ADTTE metadata.

    Sources: study.yaml ``cutoffs``/``default_cutoff`` (MT.ADSL.DCUT) and
    ``analysis.tumour_assessment`` (MT.ADTTE.CNSR rule 2); adsl.yaml ``new_anticancer_therapy``
    (MT.ADSL.NACTDT); adam_spec.xlsx Codelists ADTTE.PARAMCD (MT.ADTTE.PARAM), Variables and
    Datasets (labels). ``cutoff`` is a cut-off name or a date YYYY-MM-DD (default: the study's).
    """
    folder = study_folder(study)
    config = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    adsl = yaml.safe_load((folder / "adsl.yaml").read_text(encoding="utf-8"))
    name = cutoff or config["default_cutoff"]
    value = config["cutoffs"].get(name, name)
    cut = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    tumour = config["analysis"]["tumour_assessment"]
    schedule = AssessmentSchedule(
        early_interval_weeks=int(tumour["early_interval_weeks"]), early_until_week=int(tumour["early_until_week"]),
        late_interval_weeks=int(tumour["late_interval_weeks"]), window_days=int(tumour["window_days"]),
    )
    workbook = openpyxl.load_workbook(folder / "adam_spec.xlsx", read_only=True)
    params, labels, dataset_label = {}, {}, ""
    for row in _sheet_rows(workbook["Codelists"]):
        if row["ID"] == "ADTTE.PARAMCD":
            params[row["Term"]] = row["Decoded Value"]
    for row in _sheet_rows(workbook["Variables"]):
        if row["Dataset"] == "ADTTE":
            labels[row["Variable"]] = row["Label"]
    for row in _sheet_rows(workbook["Datasets"]):
        if row["Dataset"] == "ADTTE":
            dataset_label = row["Label"]
    workbook.close()
    return StudyInputs(cut, schedule, list(adsl["new_anticancer_therapy"]), params, labels, dataset_label)


def _sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:] if any(v is not None for v in row)]


def read_sdtm(folder: Path | str) -> dict[str, pd.DataFrame]:
    """Every ``<domain>.xpt`` of an SDTM folder as a frame keyed by upper-case domain name."""
    frames = {}
    for path in sorted(Path(folder).glob("*.xpt")):
        frame, _ = pyreadstat.read_xport(str(path))
        frames[path.stem.upper()] = frame
    return frames


# ------------------------------------------------------------------------------- dates
def compute_complete_date(dtc: object) -> dt.date | None:
    """The date part of an ISO 8601 --DTC value when it is a complete date, else None."""
    if not isinstance(dtc, str):
        return None
    match = _FULL_DATE.match(dtc.strip())
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def compute_imputed_date(dtc: object, *, impute_month: bool = True) -> tuple[dt.date | None, str | None]:
    """A --DTC value as a date with the 'first' imputation; returns (date, flag D/M/None).

    Missing day -> the first of the month (flag 'D'); missing month and day -> 1 January
    (flag 'M'), only when ``impute_month``. Anything less than a year gives (None, None).
    """
    full = compute_complete_date(dtc)
    if full is not None:
        return full, None
    if not isinstance(dtc, str):
        return None, None
    text = dtc.strip()
    match = _YEAR_MONTH.match(text)
    if match:
        return dt.date(int(match.group(1)), int(match.group(2)), 1), "D"
    match = _YEAR.match(text)
    if match and impute_month:
        return dt.date(int(match.group(1)), 1, 1), "M"
    return None, None


def _latest_possible(dtc: str) -> dt.date | None:
    """The last day a partial date can stand for ('2023-02' -> 2023-02-28; '2023' -> 2023-12-31)."""
    text = dtc.strip()
    match = _YEAR_MONTH.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        return first_next - dt.timedelta(days=1)
    match = _YEAR.match(text)
    if match:
        return dt.date(int(match.group(1)), 12, 31)
    return None


# ------------------------------------------------------------------------- subject level
def _of(frame: pd.DataFrame | None, usubjid: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[frame["USUBJID"] == usubjid]


def compute_trtsdt(ex: pd.DataFrame) -> dt.date | None:
    """MT.ADSL.TRTSDT: earliest complete EX.EXSTDTC date among records with EXDOSE > 0.

    (No placebo in the study, so the EXDOSE = 0 placebo clause never applies.) None if never dosed.
    """
    dates = [compute_complete_date(r.EXSTDTC) for r in ex.itertuples() if r.EXDOSE > 0]
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


def compute_efffl(dm_row, ex: pd.DataFrame, tu: pd.DataFrame, trtsdt: dt.date | None) -> tuple[str, str]:
    """MT.ADSL.ENRLFL/FASFL/EFFFL; returns (FASFL, EFFFL).

    ENRLFL = 'Y' when DM.ARMCD is populated and DM.ARMNRS is not 'SCREEN FAILURE'; FASFL = 'Y'
    when enrolled and dosed (EX with EXDOSE > 0); EFFFL = 'Y' when FASFL = 'Y' and a TU record
    identifies a TARGET lesion by the investigator (TUEVAL = 'INVESTIGATOR') on or before TRTSDT.
    """
    enrolled = bool(str(dm_row.ARMCD or "").strip()) and str(dm_row.ARMNRS or "").strip() != "SCREEN FAILURE"
    dosed = bool((ex["EXDOSE"] > 0).any()) if not ex.empty else False
    fasfl = "Y" if enrolled and dosed else "N"
    target = False
    for r in tu.itertuples():
        day = compute_complete_date(r.TUDTC)
        if (r.TUSTRESC == "TARGET" and r.TUEVAL == "INVESTIGATOR" and day is not None
                and trtsdt is not None and day <= trtsdt):
            target = True
    return fasfl, "Y" if fasfl == "Y" and target else "N"


def compute_nactdt(sdtm: dict[str, pd.DataFrame], usubjid: str, trtsdt: dt.date | None, *,
                   sources: list[dict], cutoff: dt.date) -> dt.date | None:
    """MT.ADSL.NACTDT: earliest start of a new anticancer therapy started after TRTSDT.

    Sources are adsl.yaml ``new_anticancer_therapy`` (CM CMCAT = 'SUBSEQUENT ANTICANCER
    THERAPY' -> CMSTDTC; PR PRCAT in the subsequent radiotherapy/surgery categories -> PRSTDTC).
    Partial start dates: missing day -> first of the month, missing month -> 1 January, but
    never before TRTSDT + 1. A partial date that cannot be after TRTSDT (its last possible day
    is on or before TRTSDT) and a complete date on or before TRTSDT are not 'after TRTSDT'.
    None when there is no such therapy on or before the cut-off (or the subject was not dosed).
    """
    if trtsdt is None:
        return None
    starts = []
    for source in sources:
        frame = _of(sdtm.get(source["domain"]), usubjid)
        for _, row in frame.iterrows():
            if row[source["variable"]] not in source["values"]:
                continue
            dtc = row[source["start"]]
            day, flag = compute_imputed_date(dtc)
            if day is None:
                continue
            if flag is None:
                if day <= trtsdt:
                    continue
            else:
                latest = _latest_possible(dtc)
                if latest is not None and latest <= trtsdt:
                    continue
                day = max(day, trtsdt + dt.timedelta(days=1))
            if day <= cutoff:
                starts.append(day)
    return min(starts) if starts else None


LAST_ALIVE_SOURCES = [
    ("DM", ["RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC"]),
    ("EX", ["EXSTDTC", "EXENDTC"]),
    ("AE", ["AESTDTC", "AEENDTC"]),
    ("LB", ["LBDTC"]),
    ("VS", ["VSDTC"]),
    ("RS", ["RSDTC"]),
    ("TR", ["TRDTC"]),
    ("DS", ["DSSTDTC"]),
]
"""MT.ADSL.LSTALVDT contact dates (plus SS survival contacts with SSSTRESC = 'ALIVE').

'DM reference dates' is read as the subject reference dates RFSTDTC, RFENDTC, RFXSTDTC,
RFXENDTC and RFICDTC. DM.RFPENDTC (end of participation) is left out: by MT.RFPENDTC of the
SDTM spec it is the latest contact of any kind, the date of death and contacts that report the
subject dead or lost included, so it is not a date the subject is known to have been alive (in
the package it is after DTHDTC for every subject who died, and equals a CM end date for
01-012 and 05-003). The spec text does not list the DM variables; see the QC report.
"""


def compute_last_contact(sdtm: dict[str, pd.DataFrame], usubjid: str, *, cutoff: dt.date) -> dt.date | None:
    """MT.ADSL.LSTALVDT for a subject who did not die: the latest complete contact date.

    Latest complete date on or before the cut-off among: DM reference dates (RFSTDTC, RFENDTC,
    RFXSTDTC, RFXENDTC, RFICDTC; not RFPENDTC, see :data:`LAST_ALIVE_SOURCES`), EX
    administration dates, AE start/end, LB/VS/RS/TR assessment dates, DS event dates and SS
    survival follow-up contacts with SSTESTCD = 'SURVSTAT' and SSSTRESC = 'ALIVE'. Partial dates
    are ignored.
    """
    dates = []
    for domain, variables in LAST_ALIVE_SOURCES:
        frame = _of(sdtm.get(domain), usubjid)
        for variable in variables:
            if variable in frame:
                dates += [compute_complete_date(v) for v in frame[variable]]
    ss = _of(sdtm.get("SS"), usubjid)
    for r in ss.itertuples():
        if r.SSTESTCD == "SURVSTAT" and r.SSSTRESC == "ALIVE":
            dates.append(compute_complete_date(r.SSDTC))
    dates = [d for d in dates if d is not None and d <= cutoff]
    return max(dates) if dates else None


def compute_dthdt(dthdtc: object, last_contact: dt.date | None, *, cutoff: dt.date) -> dt.date | None:
    """MT.ADSL.DTHDT: DM.DTHDTC as a date when on or before the cut-off.

    Partial dates: missing day -> first of the month, missing day and month -> 1 January; an
    imputed date earlier than the last contact date (MT.ADSL.LSTALVDT, death excluded) is moved
    to that contact date.
    """
    day, flag = compute_imputed_date(dthdtc)
    if day is None:
        return None
    if flag is not None and last_contact is not None and day < last_contact:
        day = last_contact
    return day if day <= cutoff else None


def create_subjects(sdtm: dict[str, pd.DataFrame], inputs: StudyInputs) -> pd.DataFrame:
    """One row per DM subject with the ADSL variables PFS and OS need.

    Columns: STUDYID, USUBJID, TRTSDT, FASFL, EFFFL, NACTDT, DTHDT, LSTALVDT, DCUTDT (dates as
    ``datetime.date``). Methods: MT.ADSL.TRTSDT, MT.ADSL.FASFL, MT.ADSL.EFFFL, MT.ADSL.NACTDT,
    MT.ADSL.DTHDT, MT.ADSL.LSTALVDT (= DTHDT for subjects who died), MT.ADSL.DCUT.
    """
    rows = []
    for dm_row in sdtm["DM"].itertuples():
        usubjid = dm_row.USUBJID
        ex = _of(sdtm.get("EX"), usubjid)
        trtsdt = compute_trtsdt(ex) if not ex.empty else None
        fasfl, efffl = compute_efffl(dm_row, ex, _of(sdtm.get("TU"), usubjid), trtsdt)
        last_contact = compute_last_contact(sdtm, usubjid, cutoff=inputs.cutoff)
        dthdt = compute_dthdt(dm_row.DTHDTC, last_contact, cutoff=inputs.cutoff)
        rows.append({
            "STUDYID": dm_row.STUDYID, "USUBJID": usubjid, "TRTSDT": trtsdt, "FASFL": fasfl, "EFFFL": efffl,
            "NACTDT": compute_nactdt(sdtm, usubjid, trtsdt, sources=inputs.new_therapy_sources, cutoff=inputs.cutoff),
            "DTHDT": dthdt, "LSTALVDT": dthdt if dthdt is not None else last_contact, "DCUTDT": inputs.cutoff,
        })
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- ADRS OVR
def create_ovr(sdtm: dict[str, pd.DataFrame], subjects: pd.DataFrame) -> pd.DataFrame:
    """MT.ADRS.OVR / MT.ADRS.ADT / MT.ADRS.AVAL: investigator RECIST 1.1 overall responses.

    RS records with RSCAT = 'RECIST 1.1', RSTESTCD = 'OVRLRESP', RSEVAL = 'INVESTIGATOR'
    (iRECIST not used) of FASFL = 'Y' subjects; AVALC = RSSTRESC, AVAL per MT.ADRS.AVAL. ADT =
    RSDTC date part; a missing day is imputed to the first of the month, or to TRTSDT + 1 when
    that is not after TRTSDT for a post-baseline visit (EPOCH not SCREENING); missing month or
    year: ADT null. Columns: USUBJID, ADT, AVALC, AVAL, RSSEQ.
    """
    rs = sdtm["RS"]
    rs = rs[(rs["RSCAT"] == "RECIST 1.1") & (rs["RSTESTCD"] == "OVRLRESP") & (rs["RSEVAL"] == "INVESTIGATOR")]
    trtsdt = dict(zip(subjects["USUBJID"], subjects["TRTSDT"]))
    fas = set(subjects.loc[subjects["FASFL"] == "Y", "USUBJID"])
    rows = []
    for r in rs.itertuples():
        if r.USUBJID not in fas:
            continue
        day, flag = compute_imputed_date(r.RSDTC, impute_month=False)
        start = trtsdt.get(r.USUBJID)
        if flag == "D" and start is not None and day <= start and r.EPOCH != "SCREENING":
            day = start + dt.timedelta(days=1)
        avalc = r.RSSTRESC if isinstance(r.RSSTRESC, str) and r.RSSTRESC.strip() else None
        rows.append({"USUBJID": r.USUBJID, "ADT": day, "AVALC": avalc,
                     "AVAL": RESPONSE_AVAL.get(avalc), "RSSEQ": r.RSSEQ})
    return pd.DataFrame(rows, columns=["USUBJID", "ADT", "AVALC", "AVAL", "RSSEQ"])


def derive_var_anl01fl(ovr: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """MT.ADRS.ANL01FL: flag the OVR records the derived parameters use; adds ANL01FL.

    'Y' when AVALC and ADT are populated, TRTSDT < ADT <= DCUTDT, ADT <= NACTDT when a new
    anticancer therapy was started, ADT <= the date of the first such PD, and the record is the
    one kept for its date (several on one date: the largest AVAL among CR..PD, NE only when all
    are NE). Input columns: USUBJID, ADT, AVALC (AVAL derived when absent); subjects: USUBJID,
    TRTSDT, NACTDT, DCUTDT.
    """
    out = ovr.copy()
    if "AVAL" not in out:
        out["AVAL"] = [RESPONSE_AVAL.get(v) for v in out["AVALC"]]
    out["ANL01FL"] = None
    by_subject = subjects.set_index("USUBJID")
    for usubjid, records in out.groupby("USUBJID", sort=False):
        subject = by_subject.loc[usubjid]
        trtsdt = subject["TRTSDT"] if isinstance(subject["TRTSDT"], dt.date) else None
        nactdt = subject["NACTDT"] if isinstance(subject["NACTDT"], dt.date) else None
        candidates = []
        for index, r in records.iterrows():
            day = r["ADT"] if isinstance(r["ADT"], dt.date) else None
            if not isinstance(r["AVALC"], str) or day is None or trtsdt is None:
                continue
            if not (trtsdt < day <= subject["DCUTDT"]):
                continue
            if nactdt is not None and day > nactdt:
                continue
            candidates.append(index)
        kept = []
        for day in sorted({out.at[i, "ADT"] for i in candidates}):
            same_day = [i for i in candidates if out.at[i, "ADT"] == day]
            graded = [i for i in same_day if out.at[i, "AVALC"] != "NE"]
            pool = graded or same_day
            kept.append(max(pool, key=lambda i: out.at[i, "AVAL"]))
        first_pd = min((out.at[i, "ADT"] for i in kept if out.at[i, "AVALC"] == "PD"), default=None)
        for i in kept:
            if first_pd is None or out.at[i, "ADT"] <= first_pd:
                out.at[i, "ANL01FL"] = "Y"
    return out


# ------------------------------------------------------------------------------- ADTTE
def compute_missed_limit(startdt: dt.date, last: dt.date, schedule: AssessmentSchedule) -> int:
    """MT.ADTTE.CNSR rule (2): the longest gap (days) from L to the event that is not censored.

    k = the scheduled assessment nearest to L (weeks 0, 6, 12, 18, 27, ...; k = 0 for STARTDT;
    on a tie the earlier one); limit = 2 x (days from k to k + 1) + window_days: 2 x 42 + 7 = 91
    before week 18, 2 x 63 + 7 = 133 from week 18 on. The event is censored when
    event date - L > limit.
    """
    day = (last - startdt).days
    scheduled = schedule.scheduled_days(day)
    k = min(range(len(scheduled) - 1), key=lambda j: (abs(scheduled[j] - day), j))
    return 2 * (scheduled[k + 1] - scheduled[k]) + schedule.window_days


def _record(subject, paramcd: str, params: dict[str, str], adt: dt.date, cnsr: int, evntdesc: str,
            cnsdtdsc: str | None, srcdom: str, srcvar: str) -> dict:
    """One ADTTE record; AVAL = ADT - STARTDT + 1 (MT.ADTTE.AVAL)."""
    start = subject["TRTSDT"]
    return {
        "STUDYID": subject["STUDYID"], "USUBJID": subject["USUBJID"], "PARAMCD": paramcd,
        "PARAM": params[paramcd], "STARTDT": start, "ADT": adt, "AVAL": float((adt - start).days + 1),
        "CNSR": float(cnsr), "EVNTDESC": evntdesc, "CNSDTDSC": cnsdtdsc, "SRCDOM": srcdom, "SRCVAR": srcvar,
    }


def compute_pfs(subject, ovr: pd.DataFrame, *, schedule: AssessmentSchedule, params: dict[str, str]) -> dict:
    """MT.ADTTE.PFS with MT.ADTTE.CNSR rules (1)-(5) and MT.ADTTE.TRACE, for one subject.

    ``subject``: USUBJID, STUDYID, TRTSDT (= STARTDT, MT.ADTTE.STARTDT), NACTDT, DTHDT.
    ``ovr``: the subject's OVR records with ADT, AVALC, ANL01FL (:func:`derive_var_anl01fl`).
    Event = the earlier of PD (first ANL01FL = 'Y' PD, MT.ADRS.PD) and death (MT.ADRS.DEATH);
    PD wins a tie. Rules in order: (1) NACTDT before the event or no event -> CNSR 4 at the last
    adequate assessment on or before NACTDT; (2) event more than the missed-assessment limit
    after the last adequate assessment before it (:func:`compute_missed_limit`) -> CNSR 3 at
    that assessment; (3) event -> CNSR 0; (4) no event, an adequate assessment -> CNSR 2 at the
    last one; (5) otherwise CNSR 1 at STARTDT. A censoring date from an assessment is traced to
    'ADRS'.'ADT', STARTDT to 'ADSL'.'TRTSDT'; an event to 'ADRS'.'ADT' (the PD or DEATH record).
    """
    start = subject["TRTSDT"]
    used = ovr[ovr["ANL01FL"] == "Y"]
    adequate = sorted(d for d, v in zip(used["ADT"], used["AVALC"]) if v in ADEQUATE)
    pd_dates = sorted(d for d, v in zip(used["ADT"], used["AVALC"]) if v == "PD")
    pd_date = pd_dates[0] if pd_dates else None
    death = subject["DTHDT"] if isinstance(subject["DTHDT"], dt.date) else None
    nactdt = subject["NACTDT"] if isinstance(subject["NACTDT"], dt.date) else None
    event, kind = None, None
    if pd_date is not None and (death is None or pd_date <= death):
        event, kind = pd_date, "Disease Progression"
    elif death is not None:
        event, kind = death, "Death"

    def censored_at(day: dt.date | None, cnsr: int, evntdesc: str, cnsdtdsc: str) -> dict:
        if day is None:
            return _record(subject, "PFS", params, start, cnsr, evntdesc, cnsdtdsc, "ADSL", "TRTSDT")
        return _record(subject, "PFS", params, day, cnsr, evntdesc, cnsdtdsc, "ADRS", "ADT")

    # (1) new anticancer therapy before PD or death
    if nactdt is not None and (event is None or nactdt < event):
        last = max((d for d in adequate if d <= nactdt), default=None)
        return censored_at(last, 4, "New Anticancer Therapy Before Event",
                           "Last Adequate Tumor Assessment Before New Anticancer Therapy")
    if event is not None:
        # (2) PD or death after two or more missed assessments
        last = max((d for d in adequate if d < event), default=None)
        reference = last if last is not None else start
        if (event - reference).days > compute_missed_limit(start, reference, schedule):
            return censored_at(last, 3, "Event After Two or More Missed Assessments", "Last Adequate Tumor Assessment")
        # (3) the event
        return _record(subject, "PFS", params, event, 0, kind, None, "ADRS", "ADT")
    # (4) no event, at least one adequate assessment
    if adequate:
        return censored_at(adequate[-1], 2, "No Progression or Death", "Last Adequate Tumor Assessment")
    # (5) no event and no adequate post-baseline assessment
    return censored_at(None, 1, "No Adequate Post-Baseline Assessment", "Treatment Start")


def compute_os(subject, *, params: dict[str, str]) -> dict:
    """MT.ADTTE.OS with MT.ADTTE.TRACE, for one subject.

    Death (DTHDT populated, i.e. ADRS DEATH = 'Y'): CNSR 0, ADT = DTHDT, EVNTDESC 'Death',
    traced to the ADRS DEATH record ('ADRS'.'ADT', as MT.ADTTE.TRACE 'death -> ASEQ of the ADRS
    DEATH record'). Alive: CNSR 5, ADT = LSTALVDT, EVNTDESC 'Alive', CNSDTDSC 'Last Known Alive
    Date', traced to 'ADSL'.'LSTALVDT'. New therapy and missed assessments do not censor OS.
    """
    death = subject["DTHDT"] if isinstance(subject["DTHDT"], dt.date) else None
    if death is not None:
        return _record(subject, "OS", params, death, 0, "Death", None, "ADRS", "ADT")
    return _record(subject, "OS", params, subject["LSTALVDT"], 5, "Alive", "Last Known Alive Date", "ADSL", "LSTALVDT")


def create_pfs_os(subjects: pd.DataFrame, ovr: pd.DataFrame, *, schedule: AssessmentSchedule,
                  params: dict[str, str]) -> pd.DataFrame:
    """MT.ADTTE.PARAM: PFS and OS records, one each per subject with EFFFL = 'Y'.

    ``subjects`` as from :func:`create_subjects`; ``ovr`` as from :func:`create_ovr` (ANL01FL
    is derived here by :func:`derive_var_anl01fl`). Returns the :data:`QC_VARIABLES` columns,
    sorted by USUBJID, PARAMCD.
    """
    flagged = derive_var_anl01fl(ovr, subjects)
    records = []
    for _, subject in subjects[subjects["EFFFL"] == "Y"].iterrows():
        own = flagged[flagged["USUBJID"] == subject["USUBJID"]]
        records.append(compute_pfs(subject, own, schedule=schedule, params=params))
        records.append(compute_os(subject, params=params))
    frame = pd.DataFrame(records, columns=QC_VARIABLES)
    return frame.sort_values(KEYS, kind="stable").reset_index(drop=True)


def create_adtte_qc(package: Path | str, study: str | Path = "alter_e003", *, cutoff: str | None = None) -> pd.DataFrame:
    """The QC PFS and OS records of a built package, from its ``sdtm/`` folder and the spec."""
    inputs = read_study_inputs(study, cutoff=cutoff)
    sdtm = read_sdtm(Path(package) / "sdtm")
    subjects = create_subjects(sdtm, inputs)
    return create_pfs_os(subjects, create_ovr(sdtm, subjects), schedule=inputs.schedule, params=inputs.params)


# ------------------------------------------------------------------------------- output
def write_xpt(frame: pd.DataFrame, path: Path | str, *, labels: dict[str, str], dataset_label: str) -> Path:
    """Write a frame as a SAS V5 transport file ADTTE: spec labels, DATE9. on the date variables."""
    path = Path(path)
    out = frame.copy()
    for name in DATE_VARIABLES:
        if name in out:
            out[name] = [d if isinstance(d, dt.date) else None for d in out[name]]
    pyreadstat.write_xport(
        out, str(path), file_label=dataset_label, table_name="ADTTE", file_format_version=5,
        column_labels=[labels.get(c, c) for c in out.columns],
        variable_format={c: "DATE9." for c in DATE_VARIABLES if c in out},
    )
    return path


def write_production_subset(adtte: Path | str, path: Path | str, *, variables: list[str] = QC_VARIABLES,
                            params: tuple[str, ...] = ("PFS", "OS")) -> Path:
    """The production ADTTE restricted to ``params`` and ``variables``, with its own labels.

    The compare's BASE: production records and attributes untouched except for the selection
    (storage lengths are those of the selected values, as in the QC file).
    """
    frame, meta = pyreadstat.read_xport(str(adtte))
    frame = frame.loc[frame["PARAMCD"].isin(params), variables].reset_index(drop=True)
    return write_xpt(frame, path, labels=meta.column_names_to_labels, dataset_label=meta.file_label)


def write_compare_files(package: Path | str, qc: pd.DataFrame, folder: Path | str, *,
                        variables: list[str] = QC_VARIABLES, study: str | Path = "alter_e003") -> tuple[Path, Path]:
    """Write BASE (production PFS/OS) and COMPARE (QC) XPT files of ``variables``; return their paths.

    The pair is what ``subpack compare BASE COMPARE --by USUBJID,PARAMCD`` takes.
    """
    inputs = read_study_inputs(study)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    base = write_production_subset(Path(package) / "adam" / "adtte.xpt", folder / "adtte_prod.xpt", variables=variables)
    compare = write_xpt(qc[variables], folder / "adtte_qc.xpt", labels=inputs.labels, dataset_label=inputs.dataset_label)
    return base, compare


def compare_with_production(package: Path | str, qc: pd.DataFrame, folder: Path | str, *,
                            variables: list[str] = QC_VARIABLES,
                            study: str | Path = "alter_e003") -> tuple[CompareResult, Path, Path]:
    """Compare the QC PFS/OS records with production by USUBJID, PARAMCD (:func:`specs.compare.compare_files`).

    Returns (result, base path, compare path), the files as :func:`write_compare_files` wrote them.
    """
    base, compare = write_compare_files(package, qc, folder, variables=variables, study=study)
    return compare_files(base, compare, by=KEYS), base, compare
