"""Clinical timelines: what happens to a treated subject between consent and the export date.

:func:`build_timeline` turns a subject's latent facts and solved outcome course into dated
events: treatment cycles (anlotinib 12 mg days 1-14 and benmelstobart 1200 mg day 1 of
21-day cycles; benmelstobart for at most 24 months, then anlotinib maintenance), adverse
events with CTCAE v5.0 grades, per-drug relatedness and actions (which drive the dose
reductions 12 -> 10 -> 8 mg, interruptions and skipped infusions), concomitant medications,
visits with labs, vital signs and ECOG, end of treatment per drug, survival follow-up
contacts, deaths, subsequent anticancer therapy and end of study.

Independence from death: every random draw comes from a per-subject, per-purpose stream and is
made before anything is truncated at death, so the records on/before the cut-off of a subject
alive at the cut-off are the same whatever the (later) death date -- the calibration solver
relies on this when it varies post-progression survival (stage 2).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from edc.courses import Course
from edc.population import Subject, _day, pick, subject_rng
from edc.schedule import Schedule

RELATED = ("Definitely related", "Probably related", "Possibly related")
UNRELATED = ("Unlikely related", "Not related")
REL_PROFILES = {
    "high": {"Definitely related": 0.25, "Probably related": 0.45, "Possibly related": 0.3},
    "mid": {"Probably related": 0.3, "Possibly related": 0.45, "Unlikely related": 0.25},
    "low": {"Possibly related": 0.2, "Unlikely related": 0.45, "Not related": 0.35},
    "none": {"Unlikely related": 0.3, "Not related": 0.7},
}


@dataclass
class Cycle:
    """One treatment cycle: anlotinib diary and benmelstobart infusion."""

    n: int
    day: int
    anl_dose: int | None = 12          # mg/day; None = anlotinib not given (stopped)
    anl_missed: int = 0
    anl_last: int | None = None        # last day anlotinib taken in this cycle
    anl_reduced: bool = False
    anl_reason: str | None = None      # reason for interruption / reduction
    ben_given: bool | None = True      # None = not planned (after 24 months or stopped)
    ben_reason: str | None = None
    phase: str = "COMBINATION"


@dataclass
class AEvent:
    """One adverse event as the investigator records it."""

    num: int
    pt: str
    verbatim: str
    start: int
    end: int | None
    grade: int
    serious: bool
    rel_anl: str
    rel_ben: str
    acn_anl: str
    acn_ben: str
    outcome: str
    irae: bool
    hosp: bool = False
    fatal: bool = False
    lab: str | None = None

    @property
    def related(self) -> bool:
        """Related to either drug."""
        return self.rel_anl in RELATED or self.rel_ben in RELATED


@dataclass
class Med:
    """One concomitant medication."""

    name: str
    verbatim: str
    indication: str
    start: int
    precision: str
    end: int | None
    ae_num: int | None = None


@dataclass
class Timeline:
    """Dated clinical events of one subject (day numbers)."""

    visits: list[tuple[str, str, int]] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    eot: dict[str, tuple[int, str]] = field(default_factory=dict)
    eos: tuple[int, str] | None = None
    aes: list[AEvent] = field(default_factory=list)
    meds: list[Med] = field(default_factory=list)
    ecog: dict[str, int] = field(default_factory=dict)
    contacts: list[tuple[int, str, str]] = field(default_factory=list)   # (day, status, method)
    death: int | None = None
    death_cause: str | None = None
    subsequent: list[tuple[str, str, int, int | None]] = field(default_factory=list)
    stop_day: int | None = None
    last_dose: int | None = None

    def alive_days(self) -> list[tuple[str, int]]:
        """``(source, day)`` of every date on which the subject is known alive: visits (labs,
        vital signs and ECOG share the visit date), dosing, adverse events and survival contacts
        (tumour scans are added by the caller)."""
        days = [("visit", d) for _, _, d in self.visits]
        for c in self.cycles:
            if c.anl_dose is not None and c.anl_last is not None:
                days += [("dosing", c.day), ("dosing", c.anl_last)]
            if c.ben_given:
                days.append(("dosing", c.day))
        for ae in self.aes:
            days.append(("ae", ae.start))
            if ae.end is not None and not ae.fatal:
                days.append(("ae", ae.end))
        days += [("contact", d) for d, status, _ in self.contacts if status == "Alive"]
        return days


def stop_treatment_day(course: Course, schedule: Schedule, rng: random.Random, export: int) -> tuple[int, str]:
    """Day treatment stops (no cycle starts on/after it) and the reason of end of treatment."""
    kind, end = course.kind, course.end
    if end == "withdraw":
        return course.trtsdt + rng.randint(14, 24), "Withdrawal by subject"
    death = course.death_day(schedule)
    if end == "death":
        return death, "Death"
    if end == "ltfu":
        return course.assessment_day(course.k_end, schedule) + rng.randint(8, 16), "Lost to follow-up"
    if end == "newtx":
        return course.assessment_day(course.k_end, schedule) - rng.randint(4, 10), "Adverse event"
    if end == "missed":
        return course.assessment_day(course.k_end, schedule) + rng.randint(10, 18), "Progressive disease"
    pd_day = course.progression_day(schedule)
    if pd_day is not None:
        return pd_day, "Progressive disease"
    return export + 1, ""


def build_timeline(subj: Subject, course: Course, cfg: dict, terms: dict, schedule: Schedule, *,
                   seed: int, export: int, cutoff: int, baseline_scan: int) -> Timeline:
    """All dated clinical events of a treated subject (see the module docstring)."""
    tl = Timeline()
    trt = course.trtsdt
    stop, reason = stop_treatment_day(course, schedule, subject_rng(seed, subj.siteid, subj.subjid, "stop"), export)
    death = course.death_day(schedule)
    tl.stop_day = stop
    _cycles(tl, trt, stop, cutoff, schedule, subject_rng(seed, subj.siteid, subj.subjid, "cycles"))
    last_dose = max(max(c.day for c in tl.cycles), max(c.anl_last or c.day for c in tl.cycles))
    _adverse_events(tl, subj, course, terms, cfg, schedule, last_dose, death, export, cutoff,
                    subject_rng(seed, subj.siteid, subj.subjid, "ae"))
    _apply_actions(tl, stop)
    tl.last_dose = max([c.anl_last for c in tl.cycles if c.anl_last] + [c.day for c in tl.cycles if c.ben_given])
    _end_of_treatment(tl, trt, reason, stop, export, schedule)
    _visits(tl, subj, course, stop, death, export, subject_rng(seed, subj.siteid, subj.subjid, "visits"))
    _medications(tl, subj, terms, subject_rng(seed, subj.siteid, subj.subjid, "meds"), export, death)
    _followup(tl, subj, course, schedule, stop, death, export, cutoff, cfg, terms,
              subject_rng(seed, subj.siteid, subj.subjid, "followup"))
    return tl


def _cycles(tl: Timeline, trt: int, stop: int, cutoff: int, schedule: Schedule, rng: random.Random) -> None:
    day, n = trt, 1
    while day < stop:
        cyc = Cycle(n=n, day=day)
        if day - trt >= schedule.benmelstobart_max_days:
            cyc.ben_given, cyc.phase = None, "MAINTENANCE"
        cyc.anl_last = min(day + schedule.anlotinib_days - 1, stop - 1)
        tl.cycles.append(cyc)
        delay = rng.choice((0,) * 11 + (3, 4, 5, 7))
        day += schedule.cycle_days + delay
        n += 1


def _grade(rng: random.Random, probs: list[float]) -> int:
    return pick(rng, {g + 1: p for g, p in enumerate(probs) if p > 0})


def _adverse_events(tl, subj, course, terms, cfg, schedule, last_dose, death, export, cutoff, rng) -> None:
    trt = course.trtsdt
    # AEs are drawn up to 28 days after the last dose whatever the death date (truncated below),
    # so a later death never changes the records before it
    window_end = min(last_dose + 28, export)
    exposure = max(window_end - trt, 1)
    scale = min(1.6, 0.45 + 0.55 * math.sqrt(exposure / 180.0))
    events: list[AEvent] = []
    catalogue = terms["adverse_events"]
    for pt, t in catalogue.items():
        if pt == "COVID-19":
            continue
        if rng.random() >= min(0.95, t["p"] * scale):
            continue
        start = trt + rng.randint(*t["onset"])
        if start > window_end:
            continue
        grade = _grade(rng, t["grades"])
        end = start + rng.randint(*t["duration"])
        events.append(_ae(len(events), pt, rng.choice(t["verbatims"]), start, end, grade, t, rng))
    wave = terms["covid_wave"]
    w0, w1 = _day(wave["start"]), _day(wave["end"])
    if trt < w1 and window_end > w0 and rng.random() < wave["p"]:
        t = catalogue["COVID-19"]
        start = rng.randint(max(w0, trt + 1), min(w1, window_end))
        events.append(_ae(len(events), "COVID-19", rng.choice(t["verbatims"]), start, start + rng.randint(*t["duration"]), _grade(rng, t["grades"]), t, rng))
    _force_trae_level(events, subj.trae, catalogue, trt, window_end, rng)
    if course.end == "newtx":  # the immune pneumonitis that stops treatment before the new therapy
        onset = tl.stop_day - rng.randint(3, 8)
        events.append(AEvent(0, "Pneumonitis", "Immune-related pneumonitis", onset, onset + rng.randint(30, 60), 3, True,
                             "Possibly related", "Definitely related", "DRUG WITHDRAWN", "DRUG WITHDRAWN", "Recovered/Resolved", True, hosp=True))
    if subj.death_cause is not None:
        pt, related = subj.death_cause
        fatal = terms["fatal_events"][pt]
        start = death - rng.randint(0, 4)
        events.append(AEvent(0, pt, rng.choice(fatal["verbatims"]), max(start, trt + 1), death, 5, True,
                             "Possibly related" if related else "Not related", "Unlikely related" if related else "Not related",
                             "DRUG WITHDRAWN", "DRUG WITHDRAWN", "Fatal", False, hosp=True, fatal=True))
    # nothing after death; ongoing AEs have no end date; AEs end by the export date or not at all
    kept = []
    for ae in sorted(events, key=lambda a: (a.start, a.pt)):
        if death is not None and ae.start > death:
            continue
        if death is not None and ae.end is not None and ae.end > death and not ae.fatal:
            ae.end, ae.outcome = None, "Not recovered/Not resolved"
        if ae.end is not None and ae.end > export:
            ae.end, ae.outcome = None, "Recovering/Resolving"
        if ae.start > export:
            continue
        kept.append(ae)
    for i, ae in enumerate(kept):
        ae.num = i + 1
    tl.aes = kept


def _ae(num, pt, verbatim, start, end, grade, t, rng) -> AEvent:
    rel_anl = pick(rng, REL_PROFILES[t["anl"]])
    rel_ben = pick(rng, REL_PROFILES[t["ben"]])
    serious = grade >= 3 and rng.random() < (0.4 if grade == 3 else 0.8)
    outcome = "Recovered/Resolved" if rng.random() < 0.92 else "Recovered/Resolved with sequelae"
    return AEvent(num, pt, verbatim, start, end, grade, serious, rel_anl, rel_ben, "", "", outcome,
                  t["irae"] == "Y" and (rel_ben in RELATED), hosp=serious, lab=t.get("lab"))


def _force_trae_level(events: list[AEvent], level: str, catalogue: dict, trt: int, window_end: int, rng: random.Random) -> None:
    """Make the subject's treatment-related AEs match its calibrated level (none / any / g3)."""
    if level == "none":
        for ae in events:
            ae.rel_anl = ae.rel_anl if ae.rel_anl in UNRELATED else "Unlikely related"
            ae.rel_ben = ae.rel_ben if ae.rel_ben in UNRELATED else "Not related"
            ae.irae = False
        return
    related = [ae for ae in events if ae.related]
    if not related:
        pt = rng.choice(["Hypertension", "Proteinuria", "Hypothyroidism"])
        t = catalogue[pt]
        start = min(trt + rng.randint(*t["onset"]), window_end)
        ae = _ae(len(events), pt, rng.choice(t["verbatims"]), start, start + rng.randint(*t["duration"]), rng.choice([1, 2]), t, rng)
        ae.rel_anl, ae.rel_ben = ("Probably related", "Unlikely related") if pt != "Hypothyroidism" else ("Possibly related", "Probably related")
        ae.irae = pt == "Hypothyroidism"
        events.append(ae)
        related = [ae]
    if level == "any":
        for ae in related:
            if ae.grade >= 3:
                ae.grade, ae.serious, ae.hosp = 2, False, False
        return
    if not any(ae.grade >= 3 for ae in related):
        target = max(related, key=lambda a: (a.pt in ("Hypertension", "Proteinuria", "Palmar-plantar erythrodysaesthesia syndrome"), a.grade))
        target.grade = 3
        target.serious = target.hosp = rng.random() < 0.3


def _apply_actions(tl: Timeline, stop: int) -> None:
    """Per-drug actions of each AE and their effect on the cycles."""
    by_day = sorted(tl.cycles, key=lambda c: c.day)
    ben_end = max((c.day for c in by_day if c.ben_given is not None), default=None)
    for ae in sorted(tl.aes, key=lambda a: a.start):
        on = [c for c in by_day if c.day <= ae.start]
        current = on[-1] if on else None
        following = [c for c in by_day if c.day > ae.start]
        anl_on = current is not None and current.anl_dose is not None and ae.start < stop
        ben_on = ben_end is not None and ae.start <= ben_end + 21 and any(c.ben_given for c in following + ([current] if current else []))
        if ae.fatal:
            ae.acn_anl = "DRUG WITHDRAWN" if anl_on else "NOT APPLICABLE"
            ae.acn_ben = "DRUG WITHDRAWN" if ben_on else "NOT APPLICABLE"
            continue
        if ae.acn_anl == "DRUG WITHDRAWN":  # pre-set (pneumonitis before a new therapy)
            continue
        ae.acn_anl = _anl_action(ae, current, following) if anl_on else "NOT APPLICABLE"
        ae.acn_ben = _ben_action(ae, following) if ben_on else "NOT APPLICABLE"


def _anl_action(ae: AEvent, current: Cycle, following: list[Cycle]) -> str:
    if ae.rel_anl not in RELATED or ae.grade == 1:
        return "DOSE NOT CHANGED"
    classic = ae.pt in ("Hypertension", "Palmar-plantar erythrodysaesthesia syndrome", "Proteinuria")
    persistent = ae.end is None or ae.end - ae.start > 60
    if ae.grade == 2 and not (classic and persistent):  # a persistent grade 2 is reduced like a grade 3
        if classic and ae.start - current.day < 10:
            current.anl_missed = max(current.anl_missed, min(5, current.anl_last - ae.start + 1))
            current.anl_reason = current.anl_reason or "Adverse event"
            return "DRUG INTERRUPTED" if current.anl_missed > 0 else "DOSE NOT CHANGED"
        return "DOSE NOT CHANGED"
    new = {12: 10, 10: 8}.get(current.anl_dose)
    if new is None:
        for c in following:
            c.anl_dose, c.anl_last = None, None
        return "DRUG WITHDRAWN"
    current.anl_missed = max(current.anl_missed, max(0, min(7, current.anl_last - ae.start + 1)))
    current.anl_reason = current.anl_reason or "Adverse event"
    first = True
    for c in following:
        if c.anl_dose is not None and c.anl_dose > new:
            c.anl_dose = new
            if first:
                c.anl_reduced, c.anl_reason = True, "Adverse event"
                first = False
    return "DOSE REDUCED"


def _ben_action(ae: AEvent, following: list[Cycle]) -> str:
    if ae.rel_ben not in RELATED or ae.grade == 1 or not following:
        return "DOSE NOT CHANGED"
    nxt = next((c for c in following if c.ben_given), None)
    if nxt is None:
        return "DOSE NOT CHANGED"
    if ae.pt == "Pneumonitis" and ae.grade >= 3:
        for c in following:
            if c.ben_given is not None:
                c.ben_given, c.ben_reason = None, None
        return "DRUG WITHDRAWN"
    if ae.irae and (ae.grade >= 2):
        nxt.ben_given, nxt.ben_reason = False, "Adverse event"
        return "DRUG INTERRUPTED"
    return "DOSE NOT CHANGED"


def _end_of_treatment(tl: Timeline, trt: int, reason: str, stop: int, export: int, schedule: Schedule) -> None:
    anl = [c for c in tl.cycles if c.anl_dose is not None]
    ben = [c for c in tl.cycles if c.ben_given]
    stopped_anl = any(c.anl_dose is None for c in tl.cycles) and anl
    if anl and (stop <= export or stopped_anl):
        why = "Adverse event" if (stopped_anl and anl[-1] is not tl.cycles[-1]) else reason
        if why:
            tl.eot["ANLOTINIB"] = (anl[-1].anl_last, why)
    if ben:
        dropped = any(c.ben_given is None and c.phase == "COMBINATION" for c in tl.cycles)
        completed = any(c.phase == "MAINTENANCE" for c in tl.cycles)
        if completed:
            tl.eot["BENMELSTOBART"] = (ben[-1].day, "Completed 24 months of treatment")
        elif dropped:
            tl.eot["BENMELSTOBART"] = (ben[-1].day, "Adverse event")
        elif stop <= export:
            tl.eot["BENMELSTOBART"] = (ben[-1].day, reason)


def _visits(tl: Timeline, subj: Subject, course: Course, stop: int, death: int | None, export: int, rng: random.Random) -> None:
    trt = course.trtsdt
    tl.visits.append(("SCR", "Screening", trt - rng.randint(2, 6)))
    for c in tl.cycles:
        tl.visits.append((f"C{c.n:02d}D01", f"Cycle {c.n} Day 1", c.day))
    if stop <= export and (death is None or death > stop + 3) and course.end != "ltfu":
        eot = max(tl.last_dose, stop) + rng.randint(3, 12)
        if death is None or eot < death:
            tl.visits.append(("EOT", "End of Treatment", eot))
            sfu = tl.last_dose + 30 + rng.randint(-2, 4)
            if sfu > eot + 7 and (death is None or sfu < death) and course.end != "withdraw":
                tl.visits.append(("SFU", "Safety Follow-up", sfu))
    tl.visits = [v for v in tl.visits if v[2] <= export]
    ecog = subj.ecog0
    for code, _, day in tl.visits:
        if code == "SCR":
            tl.ecog[code] = subj.ecog0
            continue
        if rng.random() < 0.08:
            ecog = 1 - ecog if ecog in (0, 1) else ecog
        near_end = (death is not None and 0 <= death - day < 60) or (code in ("EOT", "SFU") and stop <= export)
        tl.ecog[code] = min(2, ecog + (1 if near_end and rng.random() < 0.5 else 0))


def _medications(tl: Timeline, subj: Subject, terms: dict, rng: random.Random, export: int, death: int | None) -> None:
    meds = terms["medications"]
    for h in subj.history:
        for name in terms["history_medications"].get(h["term"], [])[:1 + (rng.random() < 0.2)]:
            start = h["start"] + rng.randint(0, 120)
            tl.meds.append(Med(name, rng.choice(meds[name]["verbatims"]), h["verbatim"], min(start, subj.consent - 10),
                               pick(rng, {"day": 0.3, "month": 0.5, "year": 0.2}), None))
    for ae in tl.aes:
        names = terms["adverse_events"].get(ae.pt, {}).get("cm", [])
        if not names or (ae.grade == 1 and rng.random() < 0.6):
            continue
        name = rng.choice(names)
        start = ae.start + rng.randint(0, 3)
        end = None if ae.end is None else ae.end + rng.randint(0, 10)
        if ae.pt in ("Hypothyroidism", "Hypertension") and rng.random() < 0.7:
            end = None
        if end is not None and end > export:
            end = None
        if start <= export and (death is None or start <= death):
            tl.meds.append(Med(name, rng.choice(meds[name]["verbatims"]), ae.verbatim, start, "day", end, ae.num))


def _followup(tl, subj, course, schedule, stop, death, export, cutoff, cfg, terms, rng) -> None:
    """Survival contacts (every ~3 months after end of treatment, a sweep before the final cut-off),
    death, subsequent therapy and end of study."""
    quiet = cfg["simulator"]["quiet_days_around_cutoff"]
    draws = [rng.randint(80, 100) for _ in range(40)]
    sweep = cutoff - rng.randint(quiet + 4, quiet + 20)
    methods = [rng.choice(["Telephone", "Telephone", "Clinic visit"]) for _ in range(40)]
    in_fu = stop <= export and course.end not in ("withdraw", "ltfu")
    last_visit = max(d for _, _, d in tl.visits)
    if in_fu:
        day = max(last_visit, tl.last_dose + 30) + draws[0]
        i = 0
        contacts = []
        while day <= export:
            contacts.append(day)
            i += 1
            day += draws[i % len(draws)]
        if last_visit < sweep:
            contacts = [d for d in contacts if not (sweep - 10 <= d <= cutoff + quiet)] + [sweep]
        contacts = sorted(d for d in contacts if abs(d - cutoff) > quiet)
        for j, d in enumerate(contacts):
            if death is not None and d >= death:
                break
            tl.contacts.append((d, "Alive", methods[j % len(methods)]))
    if course.end == "ltfu":
        tl.contacts.append((stop, "Alive", "Clinic visit"))
        tl.contacts.append((stop + rng.randint(95, 110), "Lost to follow-up", "Telephone"))
        tl.eos = (stop + rng.randint(120, 150), "Lost to follow-up")
    if course.end == "withdraw":
        tl.eos = (stop + rng.randint(0, 3), "Withdrawal by subject")
    pd_day = course.progression_day(schedule)
    sub_draw = rng.random()
    sub_gap = rng.randint(14, 45)
    regimen = pick(rng, {text: p for text, kind, p in terms["subsequent_therapy"]})
    kinds = {text: kind for text, kind, p in terms["subsequent_therapy"]}
    if course.end == "newtx":
        start = course.new_therapy_day(schedule)
        tl.subsequent.append(("Radiotherapy to oesophageal primary (50 Gy/25 fx)", "RADIOTHERAPY", start, start + 34))
    if pd_day is not None and sub_draw < 0.6:
        start = pd_day + sub_gap
        if start <= export and (death is None or start < death - 7):
            tl.subsequent.append((regimen, kinds[regimen], start, None))
    if death is not None and death <= export:
        tl.death = death
        report = death + rng.randint(1, 12)
        if report <= export:
            tl.contacts.append((report, "Dead", "Telephone"))
        tl.death_cause = subj.death_cause[0] if subj.death_cause else "Disease progression"
        tl.eos = (death, "Death")
