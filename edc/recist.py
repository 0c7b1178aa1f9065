"""Lesion measurements that reproduce a chosen response course under RECIST 1.1 arithmetic.

Given a subject's baseline disease and the investigator responses of its course (from
:func:`edc.courses.assessments`), :func:`render_tumour` builds the baseline lesions (at most 5
target lesions, at most 2 per organ; lymph nodes measured on the short axis) and, per
assessment, integer diameters whose arithmetic gives the same response (RECIST 1.1 section 4):

* CR: every non-nodal target 0 mm, every nodal target < 10 mm short axis, non-targets absent;
* PR: sum of diameters <= 70% of the baseline sum; PD: sum >= 120% of the nadir (smallest sum
  so far, baseline included) *and* >= 5 mm above it, or a new lesion, or unequivocal
  progression of non-target disease; SD otherwise; NE when a target lesion is not measured
  (and the other lesions do not already show progression).

Margins keep every value clear of the thresholds (PR <= 68% of baseline; not PR >= 72%; PD
>= 122% of nadir and >= 7 mm; not PD <= 118% of nadir or <= 3 mm above it; CR nodes <= 8 mm),
so an independent implementation cannot disagree by rounding. Two assessments are written
deliberately against the arithmetic (the catalogued discrepancies; see ``mess_catalogue.yaml``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from edc.courses import Assessment

NODE_SITES = [
    "Left supraclavicular lymph node", "Right supraclavicular lymph node", "Subcarinal lymph node",
    "Paraoesophageal lymph node", "Celiac axis lymph node", "Retroperitoneal lymph node",
    "Left gastric lymph node", "Para-aortic lymph node",
]
REGIONAL_NODES = ["Subcarinal lymph node", "Paraoesophageal lymph node", "Left gastric lymph node", "Right recurrent laryngeal nerve lymph node"]
ORGAN_SITES = {
    "Lung": ["Right upper lobe of lung", "Right lower lobe of lung", "Left upper lobe of lung", "Left lower lobe of lung"],
    "Liver": ["Liver segment VI", "Liver segment VII", "Liver segment IV", "Liver segment VIII"],
    "Adrenal": ["Left adrenal gland", "Right adrenal gland"],
}
NON_TARGET_ONLY = {"Bone": ["Bone (T10 vertebra)", "Bone (left iliac)", "Bone (rib, right 6th)"],
                   "Pleura": ["Pleural effusion (right)", "Pleural nodules (left)"]}
NEW_LESION_SITES = ["Liver segment V", "Right lower lobe of lung", "Bone (L2 vertebra)", "Left adrenal gland", "Brain (right frontal lobe)", "Peritoneum", "Left cervical lymph node"]


def primary_site(location: str) -> str:
    """The CRF's location text of the primary tumour: ``"Middle thoracic"`` -> ``"Oesophagus, primary tumour (middle thoracic)"``."""
    return f"Oesophagus, primary tumour ({location.lower()})"


@dataclass
class Lesion:
    """A baseline lesion."""

    lid: str
    location: str
    nodal: bool
    baseline: int  # mm (short axis for nodes); 0 for non-target lesions
    method: str
    target: bool = True


@dataclass
class TumourAssessment:
    """One assessment page set (target, non-target, new lesions, response)."""

    day: int
    k: int
    scheduled: bool
    values: list[int | None]          # per target lesion (None: not measured)
    nt_status: list[str]              # per non-target lesion
    new_lesion: str | None            # location of a new lesion
    target_resp: str
    nt_resp: str
    overall: str                      # investigator's overall response
    arithmetic: str                   # what RECIST arithmetic gives
    not_done_reason: str | None = None


@dataclass
class Tumour:
    """Baseline lesions and all post-baseline assessments of a subject."""

    baseline_day: int
    targets: list[Lesion]
    non_targets: list[Lesion]
    assessments: list[TumourAssessment] = field(default_factory=list)


def baseline_lesions(location: str, mets: list[str], rng: random.Random, mri_liver: bool, *, require_node: bool = False) -> tuple[list[Lesion], list[Lesion]]:
    """Choose target and non-target lesions from the subject's disease.

    ``require_node`` makes the first target a lymph node (the complete responder, whose
    catalogued discrepancy is a node re-measured at 11 mm).
    """
    candidates: list[tuple[str, str, bool]] = []  # (organ, site, nodal)
    if "Distant lymph node" in mets:
        for site in rng.sample(NODE_SITES, 2):
            candidates.append(("NODE", site, True))
    else:
        for site in rng.sample(REGIONAL_NODES, 2):
            candidates.append(("NODE", site, True))
    for organ in ("Lung", "Liver", "Adrenal"):
        if organ in mets:
            for site in rng.sample(ORGAN_SITES[organ], rng.choice([1, 1, 2])):
                candidates.append((organ, site, False))
    primary = ("OESOPHAGUS", primary_site(location), False)
    rng.shuffle(candidates)
    if require_node:
        candidates.sort(key=lambda c: not c[2])
    targets: list[Lesion] = []
    per_organ: dict[str, int] = {}
    n_target = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
    for organ, site, nodal in candidates:
        if len(targets) >= n_target or per_organ.get(organ, 0) >= 2:
            continue
        size = rng.randint(15, 34) if nodal else rng.randint(12, 48)
        if nodal and n_target == 1:
            size = max(size, 22)
        method = "MRI" if (organ == "Liver" and mri_liver) else "CT"
        targets.append(Lesion(f"T{len(targets) + 1:02d}", site, nodal, size, method))
        per_organ[organ] = per_organ.get(organ, 0) + 1
    primary_target = not targets or rng.random() < 0.2
    if primary_target and len(targets) < 5:
        targets.append(Lesion(f"T{len(targets) + 1:02d}", primary[1], False, rng.randint(18, 45), "CT"))
    non_targets: list[Lesion] = []
    if not primary_target:
        non_targets.append(Lesion("NT01", primary[1], False, 0, "CT", target=False))
    for organ, site, nodal in candidates:
        if not any(t.location == site for t in targets) and rng.random() < 0.5:
            non_targets.append(Lesion(f"NT{len(non_targets) + 1:02d}", site, nodal, 0, "CT", target=False))
    for organ, sites in NON_TARGET_ONLY.items():
        if organ in mets:
            non_targets.append(Lesion(f"NT{len(non_targets) + 1:02d}", rng.choice(sites), False, 0,
                                      "MRI" if organ == "Bone" and rng.random() < 0.3 else "CT", target=False))
    for i, lesion in enumerate(non_targets):
        lesion.lid = f"NT{i + 1:02d}"
    return targets, non_targets


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------


def target_response(values: list[int | None], nodal: list[bool], base: int, nadir: int) -> str:
    """RECIST 1.1 target-lesion response from measured diameters."""
    if any(v is None for v in values):
        measured = sum(v for v in values if v is not None)
        return "PD" if (measured >= 1.2 * nadir and measured - nadir >= 5) else "NE"
    s = sum(values)
    if s >= 1.2 * nadir and s - nadir >= 5:
        return "PD"
    if all((v < 10) if n else (v == 0) for v, n in zip(values, nodal)):
        return "CR"
    if s <= 0.7 * base:
        return "PR"
    return "SD"


def overall_response(target: str, nt_statuses: list[str], new_lesion: bool) -> str:
    """RECIST 1.1 overall response (table 1) from target, non-target and new-lesion results."""
    if target == "PD" or new_lesion or "Unequivocal progression" in nt_statuses:
        return "PD"
    if target == "NE":
        return "NE"
    nt_all_absent = all(s == "Absent" for s in nt_statuses)
    if target == "CR":
        return "CR" if nt_all_absent else "PR"
    return target


def nt_response(nt_statuses: list[str]) -> str:
    """Investigator's non-target response field."""
    if not nt_statuses:
        return "NA"
    if "Unequivocal progression" in nt_statuses:
        return "PD"
    if all(s == "Absent" for s in nt_statuses):
        return "CR"
    return "NON-CR/NON-PD"


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _sum_range(want: str, base: int, nadir: int, floor_sum: int, need_sd_later: bool) -> tuple[int, int]:
    """Integer range of target sums that give ``want`` with the module's margins."""
    not_pd_hi = max(math.floor(1.18 * nadir), nadir + 3)
    if want == "PR":
        lo = max(floor_sum, math.ceil(0.2 * base))
        if need_sd_later:
            lo = max(lo, math.ceil(min(0.72 * base / 1.18, 0.72 * base - 3)) + 1)
        return lo, min(math.floor(0.68 * base), not_pd_hi)
    if want == "SD":
        return max(math.ceil(0.72 * base), floor_sum), not_pd_hi
    if want == "PD":
        lo = max(math.ceil(1.22 * nadir), nadir + 7)
        return lo, lo + max(6, base // 3)
    raise ValueError(want)


def _distribute(total: int, lesions: list[Lesion], prev: list[int], rng: random.Random, ratio: float) -> list[int]:
    """Integer diameters summing to ``total`` with lesion-to-lesion variation.

    Every lesion keeps at least 5 mm (RECIST: a lesion too small to measure is recorded as
    5 mm), and when all targets are nodes the largest stays >= 11 mm, so a non-CR assessment
    can never read as a complete response.
    """
    if len(lesions) == 1:
        return [total]
    weights = [max(lesion.baseline * ratio ** rng.uniform(0.8, 1.25), 0.5) * 0.5 + max(p or 0, 0.5) * 0.5
               for lesion, p in zip(lesions, prev)]
    mins = [5] * len(lesions)
    if all(lesion.nodal for lesion in lesions):
        mins[max(range(len(lesions)), key=lambda i: lesions[i].baseline)] = 11
    free = total - sum(mins)
    raw = [free * w / sum(weights) for w in weights]
    values = [m + math.floor(r) for m, r in zip(mins, raw)]
    rest = total - sum(values)
    order = sorted(range(len(raw)), key=lambda i: -(raw[i] - math.floor(raw[i])))
    for i in order[:rest]:
        values[i] += 1
    return values


def non_cr_floor(lesions: list[Lesion]) -> int:
    """Smallest target sum :func:`_distribute` can render without reading as CR."""
    if len(lesions) == 1:
        return 11 if lesions[0].nodal else 5
    return 5 * len(lesions) + (6 if all(lesion.nodal for lesion in lesions) else 0)


def _looks_cr(values: list[int], lesions: list[Lesion]) -> bool:
    return all((v <= 10) if lesion.nodal else (v <= 4) for v, lesion in zip(values, lesions))


def render_tumour(
    targets: list[Lesion],
    non_targets: list[Lesion],
    baseline_day: int,
    course_assessments: list[Assessment],
    rng: random.Random,
    *,
    discrepancy: int | None = None,
    missing_lesion_k: int | None = None,
) -> Tumour:
    """Measurements for every assessment of a course.

    Parameters
    ----------
    discrepancy : int, optional
        Index (into ``course_assessments``) of an assessment whose investigator response is
        deliberately not what the measurements give: a CR with a node at 12 mm (arithmetic
        PR), or a PR with a sum at 72-74% of baseline (arithmetic SD).
    missing_lesion_k : int, optional
        Schedule index of the NE assessment at which one target lesion is not measured.
    """
    base = sum(t.baseline for t in targets)
    nodal = [t.nodal for t in targets]
    tumour = Tumour(baseline_day, targets, non_targets)
    nadir = base
    prev = [t.baseline for t in targets]
    responses = [a.response for a in course_assessments]
    node_floor = non_cr_floor(targets)
    cr_nodes = [rng.randint(7, 8) if t.nodal else 0 for t in targets]
    for idx, a in enumerate(course_assessments):
        want = a.response
        need_sd_later = any(r in ("SD", "NE") for r in responses[idx + 1:]) or (discrepancy is not None and idx < discrepancy and responses[discrepancy] == "PR")
        nt = ["Present"] * len(non_targets)
        new_lesion = None
        values: list[int | None]
        reason = None
        arith_want = want
        if discrepancy == idx and want == "PR":
            arith_want = "SD"
        if want == "CR":
            values = list(cr_nodes)
            if discrepancy == idx:
                node = next(i for i, t in enumerate(targets) if t.nodal)
                values[node] = 11
            nt = ["Absent"] * len(non_targets)
        elif want == "NE":
            lo, hi = _sum_range("SD", base, nadir, node_floor, False)
            values = _distribute(rng.randint(lo, hi), targets, prev, rng, 0.8)
            missing = max(range(len(targets)), key=lambda i: (not targets[i].nodal, targets[i].baseline))
            values[missing] = None
            reason = "Lesion not imaged (outside scanned field)"
        elif want == "PD":
            # progression by the sum (most often), a new lesion, or non-target progression
            how = rng.choice(["sum", "sum", "sum", "new", "new", "nt"])
            if how == "nt" and not non_targets:
                how = "new"
            if how == "sum":
                lo, hi = _sum_range("PD", base, nadir, node_floor, False)
            else:  # the sum itself stays below progression
                lo, hi = _sum_range("SD", base, nadir, node_floor, False)
                lo = min(lo, hi)
                if how == "new":
                    new_lesion = rng.choice(NEW_LESION_SITES)
                else:
                    nt[rng.randrange(len(nt))] = "Unequivocal progression"
            values = _distribute(rng.randint(lo, hi), targets, prev, rng, 1.1)
        else:
            lo, hi = _sum_range(arith_want, base, nadir, node_floor, need_sd_later and arith_want == "PR")
            if lo > hi:
                raise ValueError(f"no {arith_want} sum for base {base}, nadir {nadir}")
            if arith_want == "PR":
                prev_sum = sum(v for v in prev)
                pref = prev_sum * rng.uniform(0.85, 1.0) if prev_sum < 0.7 * base else base * rng.uniform(0.42, 0.62)
            else:
                pref = max(sum(prev), base) * rng.uniform(0.8, 1.05)
            total = min(max(int(round(pref)), lo), hi)
            values = _distribute(total, targets, prev, rng, total / base)
            for _ in range(20):
                if not _looks_cr(values, targets):
                    break
                values = _distribute(total, targets, prev, rng, total / base)
            if _looks_cr(values, targets):
                raise ValueError("a non-CR sum distributes like a complete response")
        target = target_response(values, nodal, base, nadir)
        arithmetic = overall_response(target, nt, new_lesion is not None)
        # the investigator's target-lesion response: the arithmetic one, except where the
        # catalogued discrepancy has the investigator read the targets as the overall response
        investigator_target = want if discrepancy == idx else target
        tumour.assessments.append(TumourAssessment(
            day=a.day, k=a.k, scheduled=a.scheduled, values=values, nt_status=nt, new_lesion=new_lesion,
            target_resp=investigator_target,
            nt_resp=nt_response(nt), overall=want, arithmetic=arithmetic, not_done_reason=reason,
        ))
        if discrepancy != idx and arithmetic != want:
            raise ValueError(f"rendered {arithmetic} for an intended {want}")
        if all(v is not None for v in values):
            nadir = min(nadir, sum(values))
            prev = list(values)
    return tumour
