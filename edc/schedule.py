"""Protocol calendar of ALTER-E-003: treatment cycles and the tumour-assessment schedule.

Every date inside the simulator is an integer day number (``datetime.date.toordinal``); a
subject's calendar is anchored on the first dose (TRTSDT, cycle 1 day 1). "Relative day" below
means ``date - TRTSDT`` (0 on the first dose); the study day of SDTM/ADaM is that plus one.

Tumour assessments follow the calendar, not the cycles (RECIST 1.1 section 4.1 asks for a
fixed schedule so that delays do not bias time-to-event endpoints): every 6 weeks for the first
18 weeks (6 cycles), then every 9 weeks, each within +/- 7 days. The intervals come from
``study.yaml`` (``analysis.tumour_assessment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Schedule:
    """The protocol schedule.

    Parameters
    ----------
    early_interval_weeks, early_until_week, late_interval_weeks, window_days : int
        Tumour-assessment calendar (``study.yaml`` ``analysis.tumour_assessment``).
    cycle_days : int
        Length of a treatment cycle (21).
    anlotinib_days : int
        Dosing days of anlotinib at the start of each cycle (14: days 1-14).
    benmelstobart_max_days : int
        Benmelstobart is given for at most this many days from the first dose (24 months).
    screening_days : int
        Longest screening period (consent to first dose).

    Examples
    --------
    >>> s = Schedule()
    >>> [s.assessment_week(k) for k in range(1, 7)]
    [6, 12, 18, 27, 36, 45]
    >>> s.scheduled_rel_day(4), s.interval_after(3), s.interval_after(4)
    (189, 63, 63)
    """

    early_interval_weeks: int = 6
    early_until_week: int = 18
    late_interval_weeks: int = 9
    window_days: int = 7
    cycle_days: int = 21
    anlotinib_days: int = 14
    benmelstobart_max_days: int = 730
    screening_days: int = 28

    @classmethod
    def from_study(cls, study: dict) -> Schedule:
        """Build the schedule from a loaded ``study.yaml`` mapping."""
        ta = study["analysis"]["tumour_assessment"]
        return cls(
            early_interval_weeks=int(ta["early_interval_weeks"]),
            early_until_week=int(ta["early_until_week"]),
            late_interval_weeks=int(ta["late_interval_weeks"]),
            window_days=int(ta["window_days"]),
        )

    @property
    def n_early(self) -> int:
        """Number of assessments in the early (6-weekly) phase."""
        return self.early_until_week // self.early_interval_weeks

    def assessment_week(self, k: int) -> int:
        """Protocol week of the k-th post-baseline assessment (k = 1, 2, ...)."""
        if k < 1:
            raise ValueError("assessments are numbered from 1")
        if k <= self.n_early:
            return k * self.early_interval_weeks
        return self.early_until_week + (k - self.n_early) * self.late_interval_weeks

    def scheduled_rel_day(self, k: int) -> int:
        """Scheduled day of the k-th assessment relative to the first dose (week * 7)."""
        return 7 * self.assessment_week(k)

    def interval_after(self, k: int) -> int:
        """Days from the k-th scheduled assessment to the next one (k = 0 is baseline)."""
        if k == 0:
            return self.scheduled_rel_day(1)
        return self.scheduled_rel_day(k + 1) - self.scheduled_rel_day(k)

    def last_index_before(self, rel_day: int) -> int:
        """Largest k whose scheduled day (before window) is <= ``rel_day`` (0 if none)."""
        k = 0
        while self.scheduled_rel_day(k + 1) <= rel_day:
            k += 1
        return k

    def visit_code(self, k: int) -> str:
        """EDC folder OID of the k-th tumour assessment, e.g. ``TA_W006``."""
        return f"TA_W{self.assessment_week(k):03d}"

    def visit_name(self, k: int) -> str:
        """EDC folder name of the k-th tumour assessment, e.g. ``Week 6 Tumour Assessment``."""
        return f"Week {self.assessment_week(k)} Tumour Assessment"


def to_day(value: date | str) -> int:
    """Day number of a date (or ISO date text)."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.toordinal()


def to_date(day: int) -> date:
    """Date of a day number."""
    return date.fromordinal(day)
