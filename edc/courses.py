"""Outcome courses: a treated subject's tumour-response history in a few latent numbers.

A :class:`Course` says *what happens* to a subject's disease: the kind of course (e.g. a
partial response confirmed six weeks later, or a partial response broken by stable disease),
the schedule index at which progression is found, a death without progression, a loss to
follow-up, a new anticancer therapy. :func:`assessments` turns a course into the dated
investigator responses on the protocol calendar, which :mod:`edc.recist` then renders into
lesion measurements. The calibration solver searches over the free numbers of the courses.

Kinds (investigator overall responses at the scheduled assessments, k = 1, 2, ...):

==============  ===========================================================================
CR              PR, CR, CR, ... (complete response at week 12, confirmed at week 18)
PR              [SD,] PR, PR, ... (confirmed PR; onset at week 6 or 12)
SD              SD, SD, ...
PD              PD at week 6
NE_DEATH        no assessment; death before week 6
NE_WITHDRAW     no assessment; consent withdrawn before week 6
NE_EARLY_SD     SD at an early week-6 scan (< day 42, so NE for BOR); death before week 12
UPR_SD_PR       PR, SD, ..., SD, PR, PD (an SD between the PRs breaks confirmation)
UPR_PD          PR, PD or SD, PR, PD (progression right after the PR)
UPR_NE          PR, NE (a target lesion not measured), SD, ..., PD
UPR_UNSCHED     SD, PR, unscheduled PR < 28 days later, PD
UPR_LTFU        SD, SD, PR, then lost to follow-up
UPR_DEATH       PR, then death before the next scan
==============  ===========================================================================

Ends (``Course.end``): ``pd`` (progression at assessment ``k_end``), ``cut`` (no progression
through the export date), ``death`` (death without progression on relative day
``death_rel``), ``ltfu`` (lost after assessment ``k_end``), ``withdraw``, ``newtx`` (new
anticancer therapy after assessment ``k_end``, progression two assessments later), ``missed``
(two scheduled scans missed after assessment ``k_end``, progression at the third).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edc.schedule import Schedule

KINDS = (
    "CR", "PR", "SD", "PD", "NE_DEATH", "NE_WITHDRAW", "NE_EARLY_SD",
    "UPR_SD_PR", "UPR_PD", "UPR_NE", "UPR_UNSCHED", "UPR_LTFU", "UPR_DEATH",
)
RESPONDER_KINDS = ("CR", "PR")
UNCONFIRMED_KINDS = ("UPR_SD_PR", "UPR_PD", "UPR_NE", "UPR_UNSCHED", "UPR_LTFU", "UPR_DEATH")
NE_KINDS = ("NE_DEATH", "NE_WITHDRAW", "NE_EARLY_SD")
EARLY_SD_REL_DAY = 37  # the early week-6 scan of NE_EARLY_SD: day 38, before the 42-day SD minimum


@dataclass(frozen=True)
class Assessment:
    """One post-baseline tumour assessment of a course."""

    day: int
    response: str
    k: int  # schedule index; 0 for the unscheduled assessment
    scheduled: bool = True


@dataclass
class Course:
    """The latent outcome course of one treated subject (see the module docstring).

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    group : str
        Biomarker group: ``POS`` / ``NEG`` (signature TP53+/FAT1+/NOTCH3- positive or
        negative) or ``NONE`` (no NGS result).
    trtsdt : int
        First dose date (day number).
    onset : int
        Schedule index of the first PR of a PR course (1 or 2).
    end : str
        How the progression-free period ends (module docstring).
    k_end : int or None
        Schedule index that ends it (progression, last scan before loss/new therapy/missed).
    death_rel : int or None
        Death without progression, days after the first dose.
    pps : int or None
        Days from progression to death (``None``: alive through the export date).
    offsets : list of int
        Offset in days from the scheduled date, per schedule index (``offsets[k - 1]``).
    unscheduled_gap : int
        Days from the week-12 scan to the unscheduled scan (UPR_UNSCHED only).
    wane : bool
        A PR course shows SD at the scan before progression.
    """

    kind: str
    group: str
    trtsdt: int
    onset: int = 1
    end: str = "cut"
    k_end: int | None = None
    death_rel: int | None = None
    pps: int | None = None
    offsets: list[int] = field(default_factory=list)
    unscheduled_gap: int = 17
    wane: bool = False

    def assessment_day(self, k: int, schedule: Schedule) -> int:
        """Date of the k-th scheduled assessment."""
        return self.trtsdt + schedule.scheduled_rel_day(k) + self.offsets[k - 1]

    def progression_k(self) -> int | None:
        """Schedule index of the progression scan, if the course has one."""
        if self.end == "pd":
            return self.k_end
        if self.end == "newtx":
            return self.k_end + 2
        if self.end == "missed":
            return self.k_end + 3
        return None

    def progression_day(self, schedule: Schedule) -> int | None:
        """Date of progression, if any."""
        k = self.progression_k()
        return None if k is None else self.assessment_day(k, schedule)

    def death_day(self, schedule: Schedule) -> int | None:
        """Date of death, if it happens at all in the simulated world."""
        if self.death_rel is not None:
            return self.trtsdt + self.death_rel
        pd_day = self.progression_day(schedule)
        if pd_day is not None and self.pps is not None:
            return pd_day + self.pps
        return None

    def new_therapy_day(self, schedule: Schedule) -> int | None:
        """Start of the new anticancer therapy given before progression (``newtx`` only)."""
        if self.end != "newtx":
            return None
        return self.assessment_day(self.k_end, schedule) + 24


def _pattern(course: Course, n: int) -> list[str]:
    """Investigator responses at scheduled assessments 1..n (no progression yet)."""
    kind = course.kind
    if kind == "CR":
        return ["PR"] + ["CR"] * (n - 1)
    if kind == "PR":
        out = ["SD"] * (course.onset - 1) + ["PR"] * max(n - course.onset + 1, 0)
        return out[:n]
    if kind in ("SD", "NE_EARLY_SD"):
        return ["SD"] * n
    if kind == "UPR_SD_PR":
        return (["PR"] + ["SD"] * max(n - 2, 0) + ["PR"])[:n] if n >= 2 else ["PR"][:n]
    if kind == "UPR_PD":
        return (["PR"] if course.k_end == 2 else ["SD", "PR"])[:n]
    if kind == "UPR_NE":
        return (["PR", "NE"] + ["SD"] * max(n - 2, 0))[:n]
    if kind == "UPR_UNSCHED":
        return ["SD", "PR"][:n]
    if kind == "UPR_LTFU":
        return ["SD", "SD", "PR"][:n]
    if kind == "UPR_DEATH":
        return ["PR"][:n]
    raise ValueError(f"no response pattern for kind {kind}")


def assessments(course: Course, schedule: Schedule, last_day: int) -> list[Assessment]:
    """Dated investigator responses of a course, up to ``last_day`` (the export date).

    Examples
    --------
    >>> c = Course("UPR_PD", "NEG", 0, end="pd", k_end=3, offsets=[3, 0, 1])
    >>> [(a.day, a.response) for a in assessments(c, Schedule(), 10_000)]
    [(45, 'SD'), (84, 'PR'), (127, 'PD')]
    """
    kind, end = course.kind, course.end
    if kind in ("NE_DEATH", "NE_WITHDRAW", "PD"):
        if kind == "PD":
            return [Assessment(course.assessment_day(1, schedule), "PD", 1)]
        return []
    if kind == "NE_EARLY_SD":
        return [Assessment(course.trtsdt + EARLY_SD_REL_DAY, "SD", 1)]

    pd_k = course.progression_k()
    death = course.death_day(schedule)
    skipped: set[int] = set()
    if end in ("pd",):
        n_before = pd_k - 1
    elif end in ("ltfu",):
        n_before = course.k_end
    elif end == "newtx":
        n_before = pd_k - 1
    elif end == "missed":
        n_before = pd_k - 1
        skipped = {course.k_end + 1, course.k_end + 2}
    else:  # cut or death: every scan before the export date / death
        n_before = 0
        while True:
            day = course.trtsdt + schedule.scheduled_rel_day(n_before + 1) + _offset(course, n_before + 1)
            if day > last_day or (death is not None and day >= death):
                break
            n_before += 1
    responses = _pattern(course, n_before)
    if course.wane and pd_k is not None and n_before >= course.onset + 2 and kind == "PR":
        responses[-1] = "SD"
    out = [
        Assessment(course.assessment_day(k, schedule), responses[k - 1], k)
        for k in range(1, n_before + 1)
        if k not in skipped
    ]
    if kind == "UPR_UNSCHED" and n_before >= 2:
        out.append(Assessment(out[1].day + course.unscheduled_gap, "PR", 0, scheduled=False))
    if pd_k is not None:
        out.append(Assessment(course.assessment_day(pd_k, schedule), "PD", pd_k))
    return [a for a in out if a.day <= last_day]


def _offset(course: Course, k: int) -> int:
    return course.offsets[k - 1] if k - 1 < len(course.offsets) else 0
