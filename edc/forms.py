"""CRF forms: one function per form, turning a subject's latent facts into export rows.

Every row starts with the EDC keys :data:`KEYS` -- study, site, subject number as the EDC
writes it (3-digit screening number within the site), visit folder OID and name, form OID and
record position within the form -- followed by the form's fields (CDASH-style names). The
registry :data:`FORMS` gives each CSV form's file stem, form OID, field names and function;
the local labs are an xlsx workbook (:data:`LAB_SHEETS`). Column meanings and formats are
documented in ``rawdata/alter_e003/README.md``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from edc.clinical import Timeline
from edc.mess import SiteStyle
from edc.population import Subject, subject_rng
from edc.recist import Tumour
from edc.schedule import Schedule

KEYS = ["STUDYID", "SITEID", "SUBJID", "VISIT", "VISITNAME", "FORMOID", "RECPOS"]


@dataclass
class SubjectRecord:
    """Everything the forms need about one subject."""

    subj: Subject
    style: SiteStyle
    studyid: str
    schedule: Schedule
    seed: int
    labs_cfg: dict
    tl: Timeline | None = None
    tumour: Tumour | None = None
    duplicate_ae: int | None = None        # AE number written twice (mess: duplicated AE row)
    extra: dict = field(default_factory=dict)

    def keys(self, visit: str, visitname: str, formoid: str, pos: int) -> list:
        """The EDC key columns of a row."""
        return [self.studyid, self.subj.siteid, self.subj.subjid, visit, visitname, formoid, pos]


SCR = ("SCR", "Screening")
LOG = ("LOG", "Log Forms")

# ---------------------------------------------------------------------------------------------
# Baseline forms
# ---------------------------------------------------------------------------------------------


def rows_demographics(r: SubjectRecord):
    """Demographics: birth date (site 05 to the month), age, sex, ethnic group, race as the site records it."""
    s, st = r.subj, r.style
    birth = st.date(s.birth) if s.siteid != "05" else st.partial(s.birth, "month")
    yield r.keys(*SCR, "DM", 1) + [birth, s.age, "YEARS", st.sex(s.sex), s.ethnic, st.race_text]


def rows_informed_consent(r: SubjectRecord):
    """Informed consent date and form version."""
    yield r.keys(*SCR, "IC", 1) + [r.style.date(r.subj.consent), "V2.0 2021-12-20", r.style.yn(True, f"{r.subj.key}/IC")]


INCLUSION = [
    ("IN01", "Age 18-75 years at signing of informed consent"),
    ("IN02", "Histologically or cytologically confirmed unresectable locally advanced, recurrent or metastatic ESCC"),
    ("IN03", "No prior systemic anticancer therapy for advanced disease (perioperative therapy completed >= 6 months before recurrence allowed)"),
    ("IN04", "At least one measurable lesion per RECIST 1.1"),
    ("IN05", "ECOG performance status 0 or 1"),
    ("IN06", "Life expectancy >= 3 months"),
    ("IN07", "Adequate bone marrow function (ANC >= 1.5 x 10^9/L, platelets >= 100 x 10^9/L, haemoglobin >= 90 g/L)"),
    ("IN08", "Adequate hepatic function (total bilirubin <= 1.5 x ULN; ALT and AST <= 2.5 x ULN, <= 5 x ULN with liver metastases)"),
    ("IN09", "Adequate renal function (creatinine <= 1.5 x ULN or clearance >= 60 mL/min; urine protein < 2+)"),
    ("IN10", "Signed written informed consent"),
]
EXCLUSION = [
    ("EX01", "Prior anti-PD-1/PD-L1/CTLA-4 antibody or anti-angiogenic tyrosine kinase inhibitor"),
    ("EX02", "Tumour invading major blood vessels or high risk of oesophageal fistula or bleeding"),
    ("EX03", "Uncontrolled hypertension (systolic >= 140 mmHg or diastolic >= 90 mmHg despite treatment)"),
    ("EX04", "Active autoimmune disease requiring systemic treatment within the past 2 years"),
    ("EX05", "Symptomatic or untreated central nervous system metastases"),
    ("EX06", "Active bleeding or coagulation abnormality (INR > 1.5)"),
    ("EX07", "Active hepatitis B (HBV DNA >= 500 IU/mL) or hepatitis C"),
    ("EX08", "Myocardial infarction, unstable angina or NYHA class III-IV heart failure within 6 months"),
    ("EX09", "History of interstitial lung disease or non-infectious pneumonitis"),
    ("EX10", "Other malignancy within 5 years (except cured basal cell carcinoma or carcinoma in situ)"),
]


def rows_eligibility(r: SubjectRecord):
    """All criteria; IEORRES is the answer to the criterion (inclusion Y = met, exclusion Y = applies)."""
    s, st = r.subj, r.style
    pos = 0
    for cat, items in (("INCLUSION", INCLUSION), ("EXCLUSION", EXCLUSION)):
        for code, text in items:
            pos += 1
            failed = s.sf_reason == code
            answer = (not failed) if cat == "INCLUSION" else failed
            yield r.keys(*SCR, "IE", pos) + [code, cat, text, st.yn(answer, f"{s.key}/IE/{code}")]


def rows_medical_history(r: SubjectRecord):
    """Medical history: verbatim term, partial start date, ongoing."""
    st = r.style
    for i, h in enumerate(r.subj.history, 1):
        yield r.keys(*LOG, "MH", i) + [i, h["verbatim"], st.partial(h["start"], h["precision"]), st.yn(h["ongoing"], f"{r.subj.key}/MH/{i}"), None]


MET_COLUMNS = [("Distant lymph node", "METLN"), ("Lung", "METLUNG"), ("Liver", "METLIVER"), ("Bone", "METBONE"),
               ("Pleura", "METPLEUR"), ("Adrenal", "METADREN")]


def rows_disease_history(r: SubjectRecord):
    """ESCC diagnosis: date (partial), grade, location, status, TNM/AJCC 8th stage, metastatic sites, PD-L1 CPS."""
    s, st = r.subj, r.style
    mets = [st.yn(name in s.mets, f"{s.key}/DH/{col}") for name, col in MET_COLUMNS]
    yield r.keys(*SCR, "DH", 1) + [st.partial(s.diag_day, s.diag_precision), "Squamous cell carcinoma", s.differentiation,
                                   s.location, s.status, *s.tnm, s.stage, *mets, None, s.pdl1, "22C3 pharmDx"]


def rows_prior_therapy(r: SubjectRecord):
    """Prior cancer therapy (surgery, radiotherapy, perioperative chemotherapy) with partial dates."""
    st = r.style
    for i, p in enumerate(r.subj.prior, 1):
        yield r.keys(*LOG, "PR", i) + [i, p["type"], p["text"], p["setting"], st.partial(p["start"], "month" if i % 2 else "day"), st.partial(p["end"], "month" if i % 2 else "day")]


def rows_substance_use(r: SubjectRecord):
    """Tobacco and alcohol use."""
    s = r.subj
    yield r.keys(*SCR, "SU", 1) + ["TOBACCO", s.smoking, s.pack_years if s.smoking != "NEVER" else None]
    yield r.keys(*SCR, "SU", 2) + ["ALCOHOL", s.alcohol, None]


# ---------------------------------------------------------------------------------------------
# Visits, vitals, ECOG
# ---------------------------------------------------------------------------------------------


def _visits(r: SubjectRecord) -> list[tuple[str, str, int]]:
    if r.tl is not None:
        return r.tl.visits
    return [("SCR", "Screening", r.subj.sf_day - 2)]


def rows_visit_dates(r: SubjectRecord):
    """One row per visit with its date (screening, cycles, end of treatment, safety follow-up)."""
    for code, name, day in _visits(r):
        yield r.keys(code, name, "SV", 1) + [r.style.date(day)]


def rows_ecog(r: SubjectRecord):
    """ECOG performance status per visit."""
    ecog = r.tl.ecog if r.tl is not None else {"SCR": r.subj.ecog0}
    for code, name, day in _visits(r):
        if code in ecog:
            yield r.keys(code, name, "ECOG", 1) + [r.style.date(day), ecog[code]]


def _bp_increase(r: SubjectRecord, day: int) -> float:
    if r.tl is None:
        return 35.0 if r.subj.sf_reason == "EX03" else 0.0
    for ae in r.tl.aes:
        if ae.pt == "Hypertension" and ae.start <= day and (ae.end is None or day <= ae.end):
            return {1: 10.0, 2: 22.0, 3: 38.0}.get(ae.grade, 10.0)
    return 0.0


def rows_vital_signs(r: SubjectRecord):
    """Vital signs per visit; blood pressure follows any hypertension AE's grade."""
    s = r.subj
    rng = subject_rng(r.seed, s.siteid, s.subjid, "vitals")
    hyper = any(h["term"] == "Hypertension" for h in s.history)
    sbp0, dbp0 = rng.gauss(136 if hyper else 124, 8), rng.gauss(82 if hyper else 76, 5)
    weight = s.weight
    for code, name, day in _visits(r):
        inc = _bp_increase(r, day)
        weight = round(weight * (1 + rng.gauss(-0.002, 0.01)), 1)
        yield r.keys(code, name, "VS", 1) + [
            r.style.date(day), s.height if code == "SCR" else None, weight,
            int(round(sbp0 + inc + rng.gauss(0, 6))), int(round(dbp0 + inc * 0.55 + rng.gauss(0, 4))),
            int(round(rng.gauss(78, 8))), round(rng.uniform(36.1, 36.9), 1)]


# ---------------------------------------------------------------------------------------------
# Local labs
# ---------------------------------------------------------------------------------------------

LAB_PANELS = ["Haematology", "Chemistry", "Urinalysis", "Thyroid"]


def lab_sheet_columns(labs_cfg: dict) -> dict[str, list[str]]:
    """Columns of each sheet of the local-labs workbook."""
    sheets = {}
    for panel in LAB_PANELS:
        analytes = [a for a, v in labs_cfg["analytes"].items() if v[0] == panel]
        sheets[panel] = KEYS + ["LBDAT", "LBNAM"] + analytes
    sheets["Ranges"] = ["SITEID", "LBNAM", "PANEL", "ANALYTE", "UNIT", "SEX", "LOW", "HIGH"]
    return sheets


def _lab_effect(analyte: str, grade: int, lo: float, hi: float, rng: random.Random) -> float | None:
    """A value (SI) consistent with a CTCAE v5.0 grade of the AE linked to the analyte."""
    u = rng.uniform
    table = {
        "ALT": [(1.3, 2.8), (3.3, 4.8), (5.5, 12.0)], "AST": [(1.3, 2.8), (3.3, 4.8), (5.5, 12.0)],
        "TBIL": [(1.1, 1.45), (1.6, 2.8), (3.2, 6.0)],
    }
    if analyte in table:
        a, b = table[analyte][min(grade, 3) - 1]
        return hi * u(a, b)
    if analyte == "HGB":
        return {1: u(101, min(lo, 118) - 1), 2: u(82, 98), 3: u(65, 78)}[min(grade, 3)]
    if analyte == "PLT":
        return {1: u(76, min(lo, 99)), 2: u(51, 74), 3: u(27, 49)}[min(grade, 3)]
    if analyte == "WBC":
        return {1: u(3.05, min(lo, 3.4)), 2: u(2.05, 2.95), 3: u(1.1, 1.9)}[min(grade, 3)]
    if analyte == "SODIUM":
        return {1: u(131, 134), 2: u(126, 129), 3: u(121, 124)}[min(grade, 3)]
    if analyte == "K":
        return {1: u(3.05, 3.4), 2: u(3.05, 3.4), 3: u(2.6, 2.95)}[min(grade, 3)]
    if analyte == "GLUC":
        return {1: u(7.5, 8.9), 2: u(9.5, 13.5), 3: u(14.5, 20)}[min(grade, 3)]
    if analyte == "ALB":
        return {1: u(30.5, 33.5), 2: u(24, 29.5), 3: u(18, 19.5)}[min(grade, 3)]
    if analyte == "TRIG":
        return {1: u(1.9, 3.3), 2: u(3.6, 5.5), 3: u(6.0, 9.0)}[min(grade, 3)]
    if analyte == "TSH":
        return {1: u(5.5, 9.5), 2: u(12, 45), 3: u(40, 80)}[min(grade, 3)]
    if analyte == "UPRO":
        return {1: 2, 2: 3, 3: 4}[min(grade, 3)]
    return None


def lab_rows(r: SubjectRecord):
    """(sheet, row) pairs of a subject's local labs: one row per visit and panel."""
    s, st = r.subj, r.style
    rng = subject_rng(r.seed, s.siteid, s.subjid, "labs")
    analytes = r.labs_cfg["analytes"]
    every = int(r.labs_cfg["thyroid_every_cycles"])
    lab_name = f"Site {s.siteid} clinical laboratory"
    aes = r.tl.aes if r.tl is not None else []
    visits = [v for v in _visits(r) if v[0] not in ("SFU",)]
    for code, name, day in visits:
        active = {}
        for ae in aes:
            if ae.lab and ae.start <= day + 3 and (ae.end is None or day <= ae.end):
                active[ae.lab] = max(active.get(ae.lab, 0), ae.grade)
        values = {}
        for a, (panel, _u, _m, _f, _sb, sd_w, dec) in analytes.items():
            if a == "UPRO":
                values[a] = 0 if rng.random() < 0.85 else 1
            else:
                values[a] = max(s.lab_mean[a] + rng.gauss(0, sd_w), s.lab_mean[a] * 0.4)
            if a in active:
                lo, hi = st.si_range(a, s.sex) if a != "UPRO" else (0, 0)
                v = _lab_effect(a, active[a], lo, hi, rng)
                if v is not None:
                    values[a] = v
            if a == "FT4" and "TSH" in active and active["TSH"] >= 2:
                values[a] = st.si_range("FT4", s.sex)[0] * rng.uniform(0.6, 0.9)
        cycle_n = int(code[1:3]) if code.startswith("C") else 0
        for pos, panel in enumerate(LAB_PANELS, 1):
            if panel == "Thyroid" and code.startswith("C") and (cycle_n - 1) % every:
                continue
            row = r.keys(code, name, "LB", pos) + [st.date(day), lab_name]
            for a, spec in analytes.items():
                if spec[0] == panel:
                    row.append(st.lab(a, values[a], spec[6])[0])
            yield panel, row


def range_rows(style: SiteStyle, labs_cfg: dict):
    """The site's reference-range table (one row per analyte and sex)."""
    for a, spec in labs_cfg["analytes"].items():
        unit = style.profile[a][0]
        for sex in ("M", "F"):
            lo, hi = style.reference_range(a, sex)
            yield [style.siteid, f"Site {style.siteid} clinical laboratory", spec[0], a, unit, sex, lo, hi]


# ---------------------------------------------------------------------------------------------
# Treatment
# ---------------------------------------------------------------------------------------------


def rows_dosing_anlotinib(r: SubjectRecord):
    """Anlotinib diary per cycle: days 1-14, dose level, days taken and missed, interruption, reduction."""
    st = r.style
    for c in r.tl.cycles if r.tl else []:
        if c.anl_dose is None or c.anl_last is None:
            continue
        taken = c.anl_last - c.day + 1 - c.anl_missed
        key = f"{r.subj.key}/EXA/{c.n}"
        yield r.keys(f"C{c.n:02d}D01", f"Cycle {c.n} Day 1", "EXA", 1) + [
            c.n, st.date(c.day), st.date(c.anl_last), c.anl_dose, "mg", r.schedule.anlotinib_days, taken, c.anl_missed,
            st.yn(c.anl_missed > 0, key + "/I"), c.anl_reason if c.anl_missed > 0 else None,
            st.yn(c.anl_reduced, key + "/R"), c.anl_reason if c.anl_reduced else None, c.phase]


def rows_dosing_benmelstobart(r: SubjectRecord):
    """Benmelstobart infusion per combination cycle: date, times, 1200 mg or not given."""
    st = r.style
    rng = subject_rng(r.seed, r.subj.siteid, r.subj.subjid, "infusion")
    for c in r.tl.cycles if r.tl else []:
        if c.ben_given is None:
            continue
        h, m = rng.choice([8, 9, 9, 10, 13, 14]), rng.choice([0, 10, 15, 20, 30, 40, 45])
        start, end = f"{h:02d}:{m:02d}", f"{h + 1:02d}:{(m + rng.randint(0, 15)) % 60:02d}"
        given = bool(c.ben_given)
        yield r.keys(f"C{c.n:02d}D01", f"Cycle {c.n} Day 1", "EXB", 1) + [
            c.n, st.date(c.day), start if given else None, end if given else None, 1200 if given else 0, "mg",
            st.yn(given, f"{r.subj.key}/EXB/{c.n}"), None if given else c.ben_reason]


def rows_end_of_treatment(r: SubjectRecord):
    """End of treatment per drug: last dose date and reason."""
    if r.tl is None:
        return
    for i, drug in enumerate(("ANLOTINIB", "BENMELSTOBART"), 1):
        if drug in r.tl.eot:
            day, reason = r.tl.eot[drug]
            yield r.keys("EOT", "End of Treatment", "EOT", i) + [drug, r.style.date(day), reason]


def rows_end_of_study(r: SubjectRecord):
    """End of study: date and reason (screen failure, death, lost to follow-up, withdrawal)."""
    s = r.subj
    if not s.treated:
        yield r.keys("EOS", "End of Study", "EOS", 1) + [r.style.date(s.sf_day), "Screen failure"]
    elif r.tl is not None and r.tl.eos is not None:
        yield r.keys("EOS", "End of Study", "EOS", 1) + [r.style.date(r.tl.eos[0]), r.tl.eos[1]]


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def rows_adverse_events(r: SubjectRecord):
    """Adverse events with CTCAE grade, seriousness, per-drug relationship and action; the catalogued duplicate is written twice."""
    st, key = r.style, r.subj.key
    for ae in r.tl.aes if r.tl else []:
        k = f"{key}/AE/{ae.num}"
        row = r.keys(*LOG, "AE", ae.num) + [
            ae.num, ae.verbatim, st.date(ae.start), st.date(ae.end), st.yn(ae.end is None, k + "/O"), ae.grade,
            st.yn(ae.serious, k + "/S"), st.yn(ae.fatal, k + "/D"), st.yn(False, k + "/L") if ae.serious else None,
            st.yn(ae.hosp, k + "/H") if ae.serious else None, st.yn(False, k + "/B") if ae.serious else None,
            st.yn(False, k + "/C") if ae.serious else None, st.yn(False, k + "/M") if ae.serious else None,
            st.coded(ae.rel_anl, k + "/RA"), st.coded(ae.rel_ben, k + "/RB"),
            st.coded(ae.acn_anl.capitalize(), k + "/AA"), st.coded(ae.acn_ben.capitalize(), k + "/AB"),
            st.coded(ae.outcome, k + "/OUT"), st.yn(ae.irae, k + "/IR")]
        yield row
        if r.duplicate_ae == ae.num:
            yield row


def rows_con_meds(r: SubjectRecord):
    """Concomitant medications: verbatim, dose, route, indication, (partial) dates, the AE treated."""
    if r.tl is None:
        return
    st, meds = r.style, r.extra["medications"]
    for i, m in enumerate(r.tl.meds, 1):
        spec = meds[m.name]
        yield r.keys(*LOG, "CM", i) + [
            i, m.verbatim, spec["dose"], spec["unit"], spec["freq"], spec["route"], m.indication,
            st.partial(m.start, m.precision), st.date(m.end), st.yn(m.end is None, f"{r.subj.key}/CM/{i}"), m.ae_num]


def rows_subsequent_therapy(r: SubjectRecord):
    """Anticancer therapy after study treatment (and the radiotherapy given before progression)."""
    for i, (text, kind, start, end) in enumerate(r.tl.subsequent if r.tl else [], 1):
        yield r.keys(*LOG, "ST", i) + [i, kind, text, r.style.date(start), r.style.date(end)]


def rows_survival_followup(r: SubjectRecord):
    """Survival follow-up contacts; the death report carries the death date and cause."""
    if r.tl is None:
        return
    for i, (day, status, method) in enumerate(sorted(r.tl.contacts), 1):
        dead = status == "Dead"
        yield r.keys(f"FU{i:02d}", f"Survival Follow-up {i}", "SF", 1) + [
            r.style.date(day), method, status, r.style.date(r.tl.death) if dead else None, r.tl.death_cause if dead else None]


# ---------------------------------------------------------------------------------------------
# Tumour assessments (RECIST 1.1)
# ---------------------------------------------------------------------------------------------


def _ta_visit(r: SubjectRecord, a) -> tuple[str, str]:
    if not a.scheduled:
        return "TA_UNS01", "Unscheduled Tumour Assessment 1"
    return r.schedule.visit_code(a.k), r.schedule.visit_name(a.k)


def rows_tumour_target(r: SubjectRecord):
    """Target lesions at baseline and each assessment (mm; short axis for nodes)."""
    tm = r.tumour
    if tm is None:
        return
    st = r.style
    for i, t in enumerate(tm.targets, 1):
        yield r.keys(*SCR, "TL", i) + [st.date(tm.baseline_day), t.lid, t.location, st.yn(t.nodal, f"{r.subj.key}/TL/{t.lid}"), t.method, t.baseline, None]
    for a in tm.assessments:
        visit = _ta_visit(r, a)
        for i, (t, v) in enumerate(zip(tm.targets, a.values), 1):
            reason = a.not_done_reason if v is None else None
            yield r.keys(*visit, "TL", i) + [st.date(a.day), t.lid, t.location, st.yn(t.nodal, f"{r.subj.key}/TL/{t.lid}"), t.method, v, reason]


def rows_tumour_nontarget(r: SubjectRecord):
    """Non-target lesions at baseline and each assessment (status)."""
    tm = r.tumour
    if tm is None:
        return
    for i, t in enumerate(tm.non_targets, 1):
        yield r.keys(*SCR, "NTL", i) + [r.style.date(tm.baseline_day), t.lid, t.location, t.method, "Present"]
    for a in tm.assessments:
        visit = _ta_visit(r, a)
        for i, (t, status) in enumerate(zip(tm.non_targets, a.nt_status), 1):
            yield r.keys(*visit, "NTL", i) + [r.style.date(a.day), t.lid, t.location, t.method, status]


def rows_tumour_new(r: SubjectRecord):
    """New lesions (yes/no, location) at each post-baseline assessment."""
    tm = r.tumour
    if tm is None:
        return
    for a in tm.assessments:
        new = a.new_lesion is not None
        yield r.keys(*_ta_visit(r, a), "NL", 1) + [r.style.date(a.day), r.style.yn(new, f"{r.subj.key}/NL/{a.day}"), a.new_lesion, "CT" if new else None]


IRECIST = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "PD": "iUPD", "NE": "iNE"}


def rows_tumour_response(r: SubjectRecord):
    """Investigator's target, non-target and overall response (RECIST 1.1; iRECIST too)."""
    tm = r.tumour
    if tm is None:
        return
    for a in tm.assessments:
        yield r.keys(*_ta_visit(r, a), "RS", 1) + [
            r.style.date(a.day), a.target_resp, a.nt_resp, r.style.yn(a.new_lesion is not None, f"{r.subj.key}/RS/{a.day}"),
            a.overall, IRECIST[a.overall]]


# ---------------------------------------------------------------------------------------------
# Biomarkers
# ---------------------------------------------------------------------------------------------


def rows_ngs_sample(r: SubjectRecord):
    """Tumour NGS sample of a tested subject."""
    ns = r.subj.ngs_sample
    if ns:
        yield r.keys(*SCR, "NGS", 1) + [ns["sample"], r.style.date(ns["collected"]), "FFPE tumour tissue", "520-gene hybrid-capture panel", ns["purity"], ns["tmb"], ns["msi"]]


def rows_ngs_variants(r: SubjectRecord):
    """Reported NGS alterations (a gene without a row is wild type)."""
    ns = r.subj.ngs_sample
    if not ns:
        return
    for i, v in enumerate(r.subj.variants, 1):
        yield r.keys(*SCR, "NGSV", i) + [ns["sample"], v["gene"], v["transcript"], v["hgvs_c"] or None, v["hgvs_p"] or None, v["class"], v["vaf"], v["copies"]]


def rows_mihc(r: SubjectRecord):
    """Multiplex IHC cell densities (CD8+, PD-L1+) by compartment."""
    if not r.subj.mihc:
        return
    sample = f"MIHC{r.subj.siteid}{r.subj.subjid}"
    for i, (marker, compartment, density) in enumerate(r.subj.mihc, 1):
        yield r.keys(*SCR, "MIHC", i) + [sample, marker, compartment, density, "cells/mm2"]


# file stem -> (form OID, field columns, row function)
FORMS = {
    "demographics": ("DM", ["BRTHDAT", "AGE", "AGEU", "SEX", "ETHNIC", "RACE"], rows_demographics),
    "informed_consent": ("IC", ["DSSTDAT", "ICVERS", "ICYN"], rows_informed_consent),
    "eligibility": ("IE", ["IETESTCD", "IECAT", "IETEST", "IEORRES"], rows_eligibility),
    "medical_history": ("MH", ["MHSPID", "MHTERM", "MHSTDAT", "MHONGO", "MHENDAT"], rows_medical_history),
    "disease_history": ("DH", ["DIAGDAT", "HISTTYPE", "DIFFGRD", "TUMLOC", "DISSTAT", "TSTAGE", "NSTAGE", "MSTAGE", "STAGE",
                               "METLN", "METLUNG", "METLIVER", "METBONE", "METPLEUR", "METADREN", "METOTHSP", "PDL1CPS", "PDL1ASSY"], rows_disease_history),
    "prior_therapy": ("PR", ["PRSPID", "PRTYPE", "PRTRT", "PRSETTING", "PRSTDAT", "PRENDAT"], rows_prior_therapy),
    "substance_use": ("SU", ["SUTRT", "SUNCF", "SUPKYRS"], rows_substance_use),
    "visit_dates": ("SV", ["VISDAT"], rows_visit_dates),
    "ecog": ("ECOG", ["ECOGDAT", "ECOG"], rows_ecog),
    "vital_signs": ("VS", ["VSDAT", "HEIGHT", "WEIGHT", "SYSBP", "DIABP", "PULSE", "TEMP"], rows_vital_signs),
    "dosing_anlotinib": ("EXA", ["CYCLE", "EXSTDAT", "EXENDAT", "EXDOSE", "EXDOSU", "EXDAYSPL", "EXDAYSTK", "EXDAYSMS", "EXINTRPT",
                                 "EXINTRSN", "EXADJ", "EXADJRSN", "EXPHASE"], rows_dosing_anlotinib),
    "dosing_benmelstobart": ("EXB", ["CYCLE", "EXDAT", "EXSTTIM", "EXENTIM", "EXDOSE", "EXDOSU", "EXOCCUR", "EXREASND"], rows_dosing_benmelstobart),
    "adverse_events": ("AE", ["AESPID", "AETERM", "AESTDAT", "AEENDAT", "AEONGO", "AETOXGR", "AESER", "AESDTH", "AESLIFE",
                              "AESHOSP", "AESDISAB", "AESCONG", "AESMIE", "AERELANL", "AERELBEN", "AEACNANL", "AEACNBEN",
                              "AEOUT", "AEIRAE"], rows_adverse_events),
    "con_meds": ("CM", ["CMSPID", "CMTRT", "CMDOSE", "CMDOSU", "CMDOSFRQ", "CMROUTE", "CMINDC", "CMSTDAT", "CMENDAT",
                        "CMONGO", "CMAENO"], rows_con_meds),
    "tumour_target": ("TL", ["TRDAT", "TLID", "TLLOC", "TLNODAL", "TRMETHOD", "TRDIAM", "TRNDREAS"], rows_tumour_target),
    "tumour_nontarget": ("NTL", ["TRDAT", "NTLID", "NTLOC", "TRMETHOD", "NTSTAT"], rows_tumour_nontarget),
    "tumour_new": ("NL", ["TRDAT", "NEWLES", "NEWLOC", "TRMETHOD"], rows_tumour_new),
    "tumour_response": ("RS", ["RSDAT", "TLRESP", "NTLRESP", "NEWLESP", "OVRLRESP", "IRECRESP"], rows_tumour_response),
    "end_of_treatment": ("EOT", ["EOTDRUG", "EOTDAT", "EOTREAS"], rows_end_of_treatment),
    "end_of_study": ("EOS", ["EOSDAT", "EOSREAS"], rows_end_of_study),
    "subsequent_therapy": ("ST", ["STSPID", "STTYPE", "STTRT", "STSTDAT", "STENDAT"], rows_subsequent_therapy),
    "survival_followup": ("SF", ["SFDAT", "SFMETHOD", "SFSTAT", "DTHDAT", "DTHCAUS"], rows_survival_followup),
    "ngs_sample": ("NGS", ["SAMPLEID", "SPECDAT", "SPECTYPE", "PANEL", "TUMPCT", "TMB", "MSI"], rows_ngs_sample),
    "ngs_variants": ("NGSV", ["SAMPLEID", "GENE", "TRANSCRIPT", "HGVSC", "HGVSP", "VARCLASS", "VAF", "CNCOPY"], rows_ngs_variants),
    "mihc": ("MIHC", ["SAMPLEID", "MARKER", "COMPART", "DENSITY", "DENSU"], rows_mihc),
}
LAB_FILE = "local_labs"
