"""Calibration solver: outcome courses whose downstream derivations land on the publication.

What is solved
--------------
The published results are functions of raw facts the simulator chooses: assessment dates and
investigator responses, death dates, new-therapy dates, last-contact dates. The solver picks,
for each of the 46 treated subjects, a :class:`edc.courses.Course` (kind of response course,
biomarker group, the scan at which progression is found, deaths without progression, post-
progression survival) such that the contract of :mod:`edc.reference` gives *exactly*:

* confirmed BOR CR 1 / PR 25 / SD 16 / PD 1 / NE 3 and unconfirmed CR 1 / PR 31 / SD 10 /
  PD 1 / NE 3 at both cut-offs; ORR 21/32 (signature positive) vs 1/9 (negative), 4/5 without
  NGS -- by construction: the config's ``allocation`` of course kinds to biomarker groups;
* median PFS 15.74 months (95% CI 9.03-21.91), signature-positive median 17.91, negative
  5.32 months, PFS log-rank P rounding to 0.005 -- by the stage-1 search;
* OS log-rank P rounding to 0.006 -- by the stage-2 search.

How
---
1. Months are turned into the only whole days that round to them (``days / 30.4375``): the
   medians and CI limits are KM event times, so each must be an event at one exact day (479,
   275, 667, 545, 162). Tumour scans happen only inside the protocol windows (weeks 6, 12, 18,
   27, ... +/- 7 days) and none of these days is inside one, so each is a *death without
   documented progression* ("anchor") of a suitable subject; which subject holds which
   anchor is part of the search.
2. Stage 1 (PFS): simulated annealing over the free numbers of all courses -- the scan index of
   progression (or none before the export date), the anchor holders, the scan-date offsets
   within the window -- with proposals drawn from plausible priors (log-normal time to
   progression by course kind and biomarker group). The loss is zero exactly when every
   target holds with a margin: the KM curve is above 0.5 just before each median anchor and
   below it at the anchor (margin 1e-6), the Brookmeyer-Crowley statistic of every event time
   is on the required side of +/- z with a margin of 0.01 (so z = 1.96 vs 1.959964 cannot
   matter), and the log-rank P lies inside the rounding interval shrunk by 5%. The loss is a
   sum of hinge distances (KM terms scaled by N), which guides the search smoothly.
3. Stage 2 (OS): the same annealing over post-progression survival times (log-normal prior
   by biomarker group) until the OS log-rank P rounds to 0.006. Subjects alive at the cut-off
   are censored at their last-known-alive day, which the caller computes from the rendered
   clinical timeline (:func:`solve_os` takes it as input).
4. Every solution is re-derived with :mod:`edc.reference` before it is returned; a failure
   raises (the tests then re-derive everything again from the written raw files).

The search is seeded (``random.Random``), so a seed gives one solution; it runs in about a
second. Rule exercises kept deliberately (and documented in the data-issues catalogue): one
subject with a new anticancer therapy before progression, one with progression after two
missed scans, one lost to follow-up, one withdrawal before any scan, one early SD scan before
day 42. Every other date is kept away from the rules' boundaries (scans at week 6 are on days
44-49, no record within 3 days of a cut-off).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from edc.courses import Course, assessments
from edc.reference import (
    Conventions,
    EfficacyRecord,
    Z_95,
    bc_interval,
    derive_bor,
    derive_pfs,
    km_curve,
    km_median,
    logrank_p,
    loglog_z,
)
from edc.schedule import Schedule

GROUPS = ("POS", "NEG", "NONE")


class CalibrationError(RuntimeError):
    """The solver found no solution within its budget, or a solution failed re-derivation."""


def round_half_up(value: float, places: int) -> Decimal:
    """Round as publications do (half up), on the decimal value of ``value``."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def days_for_months(months: float, days_per_month: float) -> int:
    """The whole number of days that rounds to ``months`` (2 decimals); error unless unique.

    Examples
    --------
    >>> days_for_months(15.74, 30.4375), days_for_months(9.03, 30.4375), days_for_months(21.91, 30.4375)
    (479, 275, 667)
    """
    target = Decimal(repr(months))
    centre = round(months * days_per_month)
    hits = [d for d in range(centre - 3, centre + 4) if round_half_up(d / days_per_month, 2) == target]
    if len(hits) != 1:
        raise CalibrationError(f"{months} months is not exactly one whole number of days: {hits}")
    return hits[0]


def p_interval(published: float) -> tuple[float, float]:
    """Half-open interval of P-values that round to ``published`` at its decimals."""
    places = -Decimal(repr(published)).as_tuple().exponent
    half = 0.5 * 10.0**-places
    return published - half, published + half


@dataclass(frozen=True)
class Targets:
    """Calibration targets in the units the solver uses (days of AVAL = study day)."""

    median: int
    ci: tuple[int, int]
    median_pos: int
    median_neg: int
    p_pfs: tuple[float, float]
    p_os: tuple[float, float]

    @classmethod
    def from_config(cls, cal: dict, days_per_month: float) -> Targets:
        """Convert the restated publication targets (months, P) to days and intervals."""
        t = cal["targets"]
        shrink = float(cal["margins"]["p_inner"])

        def inner(p: float) -> tuple[float, float]:
            lo, hi = p_interval(p)
            width = hi - lo
            return lo + shrink * width, hi - shrink * width

        return cls(
            median=days_for_months(t["pfs_median_months"], days_per_month),
            ci=(days_for_months(t["pfs_ci95_months"][0], days_per_month),
                days_for_months(t["pfs_ci95_months"][1], days_per_month)),
            median_pos=days_for_months(t["pfs_median_signature_pos_months"], days_per_month),
            median_neg=days_for_months(t["pfs_median_signature_neg_months"], days_per_month),
            p_pfs=inner(t["pfs_logrank_p"]),
            p_os=inner(t["os_logrank_p"]),
        )


@dataclass
class Problem:
    """Everything the search needs besides the courses themselves."""

    schedule: Schedule
    conv: Conventions
    targets: Targets
    cutoff: int
    interim: int
    export: int
    priors: dict
    margins: dict
    solver: dict
    os_median_range: tuple[float, float] = (0.0, 1e9)  # plausibility bound on median OS (days)


# ---------------------------------------------------------------------------------------------
# Initial courses
# ---------------------------------------------------------------------------------------------


def allocate_kinds(allocation: dict, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Shuffle the configured (group, kind) slots over ``n`` treated subjects."""
    slots = [(group, kind) for group in GROUPS for kind, count in allocation[group].items() for _ in range(count)]
    if len(slots) != n:
        raise CalibrationError(f"allocation has {len(slots)} slots for {n} treated subjects")
    rng.shuffle(slots)
    return slots


def _draw_offset(rng: random.Random, k: int) -> int:
    if k == 1:
        return rng.randint(2, 7)
    return rng.choice((-6, -5, -4, -3, -2, -2, -1, -1, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7))


def _safe_offsets(course: Course, prob: Problem, rng: random.Random, n: int = 40) -> list[int]:
    """Scan offsets, none putting a scan within 3 days of either cut-off (when the window allows)."""
    offsets = []
    for k in range(1, n + 1):
        scheduled = course.trtsdt + prob.schedule.scheduled_rel_day(k)
        off = _draw_offset(rng, k)
        for _ in range(30):
            if all(abs(scheduled + off - c) > 3 for c in (prob.cutoff, prob.interim)):
                break
            off = _draw_offset(rng, k) if _ < 20 else rng.randint(-7, 7)
        offsets.append(off)
    return offsets


def _k_for_rel_day(schedule: Schedule, rel: float, k_min: int) -> int:
    k = k_min
    while schedule.scheduled_rel_day(k) < rel:
        k += 1
    return k


def _k_min(course: Course) -> int:
    return {"CR": 4, "PR": course.onset + 2, "SD": 2, "UPR_SD_PR": 4, "UPR_NE": 4}.get(course.kind, 2)


VARIABLE_KINDS = ("CR", "PR", "SD", "UPR_SD_PR", "UPR_NE", "UPR_PD")


def _draw_end(course: Course, prob: Problem, rng: random.Random) -> None:
    """Draw a progression scan (or none before the export date) from the prior."""
    if course.kind == "UPR_PD":
        course.end, course.k_end = "pd", rng.choice((2, 3, 3))
        return
    med = prob.priors["pd_median_days"][course.kind][course.group]
    rel = med * math.exp(rng.gauss(0.0, prob.priors["pd_sigma"]))
    k = _k_for_rel_day(prob.schedule, min(rel, prob.export - course.trtsdt), _k_min(course))
    if k > len(course.offsets) or course.assessment_day(k, prob.schedule) > prob.export - 10:
        course.end, course.k_end = "cut", None
    else:
        course.end, course.k_end = "pd", k


def initial_courses(trtsdt: list[int], prob: Problem, allocation: dict, rng: random.Random) -> list[Course]:
    """Courses from the priors (before any search), fixed kinds fully specified."""
    courses = []
    for day, (group, kind) in zip(trtsdt, allocate_kinds(allocation, len(trtsdt), rng)):
        c = Course(kind=kind, group=group, trtsdt=day)
        c.offsets = _safe_offsets(c, prob, rng)
        c.onset = 2 if (kind == "PR" and rng.random() < 0.25) else 1
        c.wane = kind == "PR" and rng.random() < 0.3
        if kind == "PD":
            c.end, c.k_end = "pd", 1
        elif kind == "NE_DEATH":
            c.end, c.death_rel = "death", rng.randint(18, 34)
        elif kind == "NE_WITHDRAW":
            c.end = "withdraw"
        elif kind == "NE_EARLY_SD":
            c.end, c.death_rel = "death", rng.randint(58, 72)
        elif kind == "UPR_DEATH":
            c.end, c.death_rel = "death", rng.randint(60, 72)
        elif kind == "UPR_UNSCHED":
            c.end, c.k_end, c.onset = "pd", 3, 2
            c.unscheduled_gap = rng.randint(14, 20)
        elif kind == "UPR_LTFU":
            c.end, c.k_end = "ltfu", 3
        else:
            _draw_end(c, prob, rng)
        courses.append(c)
    return courses


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def efficacy_record(course: Course, prob: Problem) -> EfficacyRecord:
    """The reference-derivation view of a course (OS is evaluated separately, see :func:`solve_os`)."""
    return EfficacyRecord(
        trtsdt=course.trtsdt,
        assessments=[(a.day, a.response) for a in assessments(course, prob.schedule, prob.export)],
        death=course.death_day(prob.schedule),
        new_therapy=course.new_therapy_day(prob.schedule),
    )


def _crossing_loss(curve: list[tuple[float, float, float]], at: int, margin: float) -> float:
    """Hinge distance from 'S > 0.5 just before ``at`` and S < 0.5 at ``at``'."""
    before, at_value = 1.0, None
    for t, s, _ in curve:
        if t < at:
            before = s
        elif t == at:
            at_value = s
    loss = max(0.0, 0.5 + margin - before)
    loss += max(0.0, (before if at_value is None else at_value) - (0.5 - margin)) + (1.0 if at_value is None else 0.0)
    return loss


def _ci_loss(curve: list[tuple[float, float, float]], lower: int, upper: int, zc: float, m: float) -> float:
    """Hinge distance from 'first event time in I is ``lower``; the one after the last is ``upper``'."""
    loss = 0.0
    times = [t for t, _, _ in curve]
    if lower not in times or upper not in times:
        loss += 1.0
    prev_upper = max((t for t in times if t < upper), default=None)
    for t, s, v in curve:
        z = loglog_z(s, v)
        if t < lower:
            loss += max(0.0, z + zc + m)  # must be below -zc (band above 0.5)
        elif t == lower or t == prev_upper:
            loss += max(0.0, abs(z) - (zc - m)) if math.isfinite(z) else 1.0
        elif t >= upper:
            loss += max(0.0, zc + m - z) if math.isfinite(z) else 0.0
    return loss


def _p_loss(p: float, interval: tuple[float, float]) -> float:
    lo, hi = interval
    if math.isnan(p):
        return 10.0
    if lo <= p <= hi:
        return 0.0
    return abs(math.log(p / math.sqrt(lo * hi)))


def pfs_loss(pfs: list[tuple[int, int]], groups: list[str], prob: Problem) -> float:
    """Stage-1 loss: zero exactly when every PFS target holds with its margin."""
    t, e = [x[0] for x in pfs], [x[1] for x in pfs]
    ms, mz = prob.margins["survival"], prob.margins["z"]
    tg = prob.targets
    curve = km_curve(t, e)
    loss = len(t) * _crossing_loss(curve, tg.median, ms)
    loss += _ci_loss(curve, tg.ci[0], tg.ci[1], Z_95, mz)
    sub_t = {g: [x for x, gg in zip(t, groups) if gg == g] for g in ("POS", "NEG")}
    sub_e = {g: [x for x, gg in zip(e, groups) if gg == g] for g in ("POS", "NEG")}
    loss += len(sub_t["POS"]) * _crossing_loss(km_curve(sub_t["POS"], sub_e["POS"]), tg.median_pos, ms)
    loss += len(sub_t["NEG"]) * _crossing_loss(km_curve(sub_t["NEG"], sub_e["NEG"]), tg.median_neg, ms)
    idx = [i for i, g in enumerate(groups) if g in ("POS", "NEG")]
    p = logrank_p([t[i] for i in idx], [e[i] for i in idx], [1 if groups[i] == "POS" else 0 for i in idx])
    loss += 3.0 * _p_loss(p, tg.p_pfs)
    return loss


# ---------------------------------------------------------------------------------------------
# Stage 1: PFS
# ---------------------------------------------------------------------------------------------


def _anchor_days(prob: Problem) -> dict[str, int]:
    tg = prob.targets
    return {"median": tg.median, "lower": tg.ci[0], "upper": tg.ci[1], "pos": tg.median_pos, "neg": tg.median_neg}


def _anchor_eligible(course: Course, name: str, day_rel: int, prob: Problem) -> bool:
    if course.kind not in ("PR", "SD"):
        return False
    if name == "neg" and not (course.group == "NEG" and course.kind == "SD"):
        return False
    if name == "pos" and course.group != "POS":
        return False
    needed = course.onset + 1 if course.kind == "PR" else 1
    last_needed = prob.schedule.scheduled_rel_day(needed) + prob.schedule.window_days
    return day_rel > last_needed + 7


def _special_roles(courses: list[Course], prob: Problem, rng: random.Random) -> set[int]:
    """Give the rule-exercise roles: a new anticancer therapy before PD, two missed scans."""
    fixed = set()
    pos_pr = [i for i, c in enumerate(courses) if c.group == "POS" and c.kind == "PR"]
    i = rng.choice(pos_pr)
    courses[i].end, courses[i].k_end = "newtx", rng.randint(4, 6)
    fixed.add(i)
    pos_sd = [j for j, c in enumerate(courses) if c.group == "POS" and c.kind == "SD"]
    j = rng.choice(pos_sd)
    courses[j].end, courses[j].k_end = "missed", rng.randint(4, 5)
    fixed.add(j)
    return fixed


def solve_pfs(trtsdt: list[int], prob: Problem, allocation: dict, seed: int) -> list[Course]:
    """Stage 1: courses whose PFS derivations meet every PFS target (see module docstring)."""
    cfg = prob.solver
    for restart in range(int(cfg["restarts"])):
        rng = random.Random(f"calibration/pfs/{seed}/{restart}")
        courses = initial_courses(trtsdt, prob, allocation, rng)
        special = _special_roles(courses, prob, rng)
        anchors = _anchor_days(prob)
        holders: dict[str, int] = {}
        for name, day in anchors.items():
            eligible = [i for i, c in enumerate(courses)
                        if i not in special and i not in holders.values() and _anchor_eligible(c, name, day - 1, prob)]
            holders[name] = rng.choice(eligible)
            courses[holders[name]].end, courses[holders[name]].death_rel = "death", day - 1
        result = _anneal_pfs(courses, holders, special, prob, rng, int(cfg["iterations"]))
        if result is not None:
            return result
    raise CalibrationError("stage 1 (PFS) found no solution; raise solver.restarts or iterations")


def _pfs_of(course: Course, prob: Problem) -> tuple[int, int]:
    aval, event, _ = derive_pfs(efficacy_record(course, prob), prob.cutoff, prob.schedule)
    return aval, event


def _anneal_pfs(courses, holders, special, prob, rng, iterations):
    groups = [c.group for c in courses]
    pfs = [_pfs_of(c, prob) for c in courses]
    loss = pfs_loss(pfs, groups, prob)
    anchors = _anchor_days(prob)
    variable = [i for i, c in enumerate(courses) if c.kind in VARIABLE_KINDS and i not in special]
    t0, t1 = float(prob.solver["t_start"]), float(prob.solver["t_end"])
    for it in range(iterations):
        if loss == 0.0:
            return courses
        temp = t0 * (t1 / t0) ** (it / iterations)
        move = rng.random()
        saved: list[tuple[int, Course]] = []
        if move < 0.6:
            i = rng.choice(variable)
            if i in holders.values():
                continue
            saved.append((i, replace(courses[i])))
            c = courses[i]
            if c.end == "pd" and rng.random() < 0.5 and c.kind != "UPR_PD":
                k = c.k_end + rng.choice((-2, -1, 1, 2))
                if k < _k_min(c) or k > len(c.offsets) or c.assessment_day(k, prob.schedule) > prob.export - 10:
                    continue
                c.k_end = k
            else:
                _draw_end(c, prob, rng)
        elif move < 0.8:
            name = rng.choice(list(anchors))
            day = anchors[name]
            old = holders[name]
            cands = [i for i in variable if i not in holders.values() and _anchor_eligible(courses[i], name, day - 1, prob)]
            if not cands:
                continue
            new = rng.choice(cands)
            saved += [(old, replace(courses[old])), (new, replace(courses[new]))]
            courses[new].end, courses[new].death_rel, courses[new].k_end = "death", day - 1, None
            courses[old].death_rel = None
            _draw_end(courses[old], prob, rng)
            holders[name] = new
        else:
            i = rng.randrange(len(courses))
            c = courses[i]
            k = c.progression_k() or (c.k_end if c.end == "ltfu" else None)
            if k is None:
                continue
            saved.append((i, replace(c, offsets=list(c.offsets))))
            c.offsets[k - 1] = _safe_offsets(replace(c, offsets=[]), prob, rng, n=k)[k - 1]
        changed = {i for i, _ in saved}
        new_pfs = list(pfs)
        for i in changed:
            new_pfs[i] = _pfs_of(courses[i], prob)
        new_loss = pfs_loss(new_pfs, groups, prob)
        if new_loss <= loss or rng.random() < math.exp(-(new_loss - loss) / temp):
            pfs, loss = new_pfs, new_loss
        else:
            for i, old_course in saved:
                courses[i] = old_course
            if move >= 0.6 and move < 0.8:
                holders[name] = old
    return courses if loss == 0.0 else None


# ---------------------------------------------------------------------------------------------
# Stage 2: OS
# ---------------------------------------------------------------------------------------------


def _os_of(course: Course, prob: Problem, lka: int) -> tuple[int, int]:
    death = course.death_day(prob.schedule)
    if death is not None and death <= prob.cutoff:
        return death - course.trtsdt + 1, 1
    return lka - course.trtsdt + 1, 0


def _draw_pps(course: Course, prob: Problem, rng: random.Random) -> int:
    med = prob.priors["pps_median_days"][course.group]
    pd_day = course.progression_day(prob.schedule)
    for _ in range(100):
        pps = max(21, int(round(med * math.exp(rng.gauss(0.0, prob.priors["pps_sigma"])))))
        death = pd_day + pps
        if all(abs(death - c) > 3 for c in (prob.cutoff, prob.interim)):
            return pps
    return pps


def solve_os(courses: list[Course], lka_variants: list[list[int]], prob: Problem, seed: int) -> list[Course]:
    """Stage 2: post-progression survival so that the OS log-rank P rounds to the target.

    Parameters
    ----------
    courses : list of Course
        Stage-1 solution; ``pps`` is set in place (the list is also returned).
    lka_variants : list of list of int
        Per last-known-alive convention, per subject, the last-known-alive day on/before the
        cut-off if the subject is alive then (from the rendered clinical timeline). The P-value
        must round to the target under every convention, so a pipeline that reads "last known
        alive" a little differently still reproduces it.
    """
    groups = [c.group for c in courses]
    idx = [i for i, g in enumerate(groups) if g in ("POS", "NEG")]
    labels = [1 if groups[i] == "POS" else 0 for i in idx]
    movable = [i for i, c in enumerate(courses) if c.progression_k() is not None]
    lo_m, hi_m = prob.os_median_range

    def loss_of(all_os):
        loss = 0.0
        for values in all_os:
            p = logrank_p([values[i][0] for i in idx], [values[i][1] for i in idx], labels)
            loss += _p_loss(p, prob.targets.p_os)
            curve = km_curve([v[0] for v in values], [v[1] for v in values])
            if any(abs(s - 0.5) < 1e-9 for _, s, _ in curve):
                loss += 1.0
            med = km_median(curve)
            if not math.isnan(med):
                loss += max(0.0, lo_m - med) / 100.0 + max(0.0, med - hi_m) / 100.0
        return loss

    cfg = prob.solver
    for restart in range(int(cfg["restarts"])):
        rng = random.Random(f"calibration/os/{seed}/{restart}")
        for i in movable:
            courses[i].pps = _draw_pps(courses[i], prob, rng)
        all_os = [[_os_of(c, prob, d) for c, d in zip(courses, lka)] for lka in lka_variants]
        loss = loss_of(all_os)
        iterations = int(cfg["iterations"]) // 4
        for it in range(iterations):
            if loss == 0.0:
                return courses
            temp = 0.5 * (0.01 / 0.5) ** (it / iterations)
            i = rng.choice(movable)
            old = courses[i].pps
            courses[i].pps = _draw_pps(courses[i], prob, rng)
            new_all = []
            for values, lka in zip(all_os, lka_variants):
                v = list(values)
                v[i] = _os_of(courses[i], prob, lka[i])
                new_all.append(v)
            new_loss = loss_of(new_all)
            if new_loss <= loss or rng.random() < math.exp(-(new_loss - loss) / temp):
                all_os, loss = new_all, new_loss
            else:
                courses[i].pps = old
        if loss == 0.0:
            return courses
    raise CalibrationError("stage 2 (OS) found no solution; raise solver.restarts or iterations")


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


@dataclass
class Achieved:
    """What the reference derivations give for a solution."""

    bor_unconfirmed: dict[str, int]
    bor_confirmed: dict[str, int]
    bor_confirmed_interim: dict[str, int]
    bor_unconfirmed_interim: dict[str, int]
    orr_by_group: dict[str, tuple[int, int]]
    pfs_median: float
    pfs_ci: tuple[float, float]
    pfs_median_pos: float
    pfs_median_neg: float
    p_pfs: float
    p_os: float
    os_median: float


def evaluate(courses: list[Course], lka: list[int] | None, prob: Problem) -> Achieved:
    """Derive every calibrated quantity from the courses with :mod:`edc.reference`."""
    def count(values):
        out = dict.fromkeys(("CR", "PR", "SD", "PD", "NE"), 0)
        for v in values:
            out[v] += 1
        return out

    recs = [efficacy_record(c, prob) for c in courses]
    bor = [derive_bor(r, prob.cutoff, prob.conv) for r in recs]
    bor_i = [derive_bor(r, prob.interim, prob.conv) for r in recs]
    groups = [c.group for c in courses]
    orr = {g: (sum(1 for b, gg in zip(bor, groups) if gg == g and b[1] in ("CR", "PR")), groups.count(g)) for g in GROUPS}
    pfs = [derive_pfs(r, prob.cutoff, prob.schedule)[:2] for r in recs]
    t, e = [x[0] for x in pfs], [x[1] for x in pfs]
    curve = km_curve(t, e)
    sub = {g: km_median(km_curve([a for a, gg in zip(t, groups) if gg == g], [b for b, gg in zip(e, groups) if gg == g])) for g in ("POS", "NEG")}
    idx = [i for i, g in enumerate(groups) if g in ("POS", "NEG")]
    lab = [1 if groups[i] == "POS" else 0 for i in idx]
    p_pfs = logrank_p([t[i] for i in idx], [e[i] for i in idx], lab)
    p_os, os_median = math.nan, math.nan
    if lka is not None:
        os_ = [_os_of(c, prob, d) for c, d in zip(courses, lka)]
        p_os = logrank_p([os_[i][0] for i in idx], [os_[i][1] for i in idx], lab)
        os_median = km_median(km_curve([x[0] for x in os_], [x[1] for x in os_]))
    return Achieved(
        bor_unconfirmed=count(b[0] for b in bor),
        bor_confirmed=count(b[1] for b in bor),
        bor_confirmed_interim=count(b[1] for b in bor_i),
        bor_unconfirmed_interim=count(b[0] for b in bor_i),
        orr_by_group=orr,
        pfs_median=km_median(curve),
        pfs_ci=bc_interval(curve),
        pfs_median_pos=sub["POS"],
        pfs_median_neg=sub["NEG"],
        p_pfs=p_pfs,
        p_os=p_os,
        os_median=os_median,
    )


def verify(achieved: Achieved, targets: dict, prob: Problem) -> None:
    """Raise :class:`CalibrationError` unless the achieved values meet every target."""
    tg = prob.targets
    problems = []
    for name, want in (("bor_confirmed", targets["confirmed_bor"]), ("bor_unconfirmed", targets["unconfirmed_bor"]),
                       ("bor_confirmed_interim", targets["confirmed_bor"]), ("bor_unconfirmed_interim", targets["unconfirmed_bor"])):
        if getattr(achieved, name) != want:
            problems.append(f"{name} {getattr(achieved, name)} != {want}")
    if achieved.orr_by_group["POS"] != (targets["orr_signature_pos"], targets["signature_positive"]):
        problems.append(f"ORR signature positive {achieved.orr_by_group['POS']}")
    if achieved.orr_by_group["NEG"] != (targets["orr_signature_neg"], targets["signature_negative"]):
        problems.append(f"ORR signature negative {achieved.orr_by_group['NEG']}")
    checks = [(achieved.pfs_median, tg.median), (achieved.pfs_ci[0], tg.ci[0]), (achieved.pfs_ci[1], tg.ci[1]),
              (achieved.pfs_median_pos, tg.median_pos), (achieved.pfs_median_neg, tg.median_neg)]
    problems += [f"PFS {got} != {want}" for got, want in checks if got != want]
    for name, p, (lo, hi) in (("PFS", achieved.p_pfs, tg.p_pfs), ("OS", achieved.p_os, tg.p_os)):
        if not lo <= p <= hi:
            problems.append(f"{name} log-rank P {p} outside [{lo}, {hi}]")
    if problems:
        raise CalibrationError("calibration does not reproduce the targets: " + "; ".join(problems))
