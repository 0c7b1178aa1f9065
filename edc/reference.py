"""The derivation contract the calibrated raw data are solved against, in compact form.

The simulator never writes derived results (best overall response, PFS, flags) into the raw
exports. It chooses raw facts (assessment dates and responses, death dates, new-therapy dates,
contact dates) whose *downstream* derivations land on the publication. This module is the
simulator's statement of those downstream rules, applied to per-subject latent timelines; the
calibration solver (:mod:`edc.calibration`) evaluates candidate solutions with it, and the tests
re-derive everything from the written raw files with an independent implementation.

Rules (the contract with ``adam/``; intervals come from ``study.yaml`` ``analysis``):

=====================  =====================================================================
First dose (TRTSDT)    earliest dose date of either drug; study day = date - TRTSDT + 1
Assessments used       investigator overall response; TRTSDT < date <= cut-off; up to and
                       including the first PD
Unconfirmed BOR        best of CR > PR > SD > PD > NE; SD counts only if date >= TRTSDT + 42,
                       otherwise that assessment is NE; no assessment -> NE
Confirmed BOR          (admiralonco ``derive_param_confirmed_bor``) CR needs a later CR >= 28
                       days after, only CR/NE between, at most one NE; PR needs a later CR/PR
                       >= 28 days after, no SD/PD between, at most one NE; an unconfirmed
                       CR/PR counts as SD if date >= TRTSDT + 42, else NE
PFS                    start TRTSDT; event = first PD or death, whichever first; AVAL = ADT -
                       start + 1. Censoring (FDA 2018 guidance, table of censoring rules):
                       new anticancer therapy before the event -> last adequate assessment on
                       or before its start; event after >= 2 missed assessments (gap from the
                       last adequate assessment, or start, > 2 scheduled intervals + window)
                       -> last adequate assessment; no event -> last adequate assessment;
                       none -> start. Adequate = response other than NE. Cut-off applied.
OS                     event = death on/before cut-off; else censored at the last known alive
                       date on/before the cut-off
=====================  =====================================================================

Statistics (:func:`km_curve`, :func:`km_median`, :func:`bc_interval`, :func:`logrank_p`) are
plain-Python versions of ``tlf.stats`` for the 46-subject arrays the solver evaluates tens of
thousands of times (numpy's per-call overhead dominates at that size); the tests check they
agree with ``tlf.stats``. Conventions: Greenwood variance, log-log Brookmeyer-Crowley interval
for the median (SAS PROC LIFETEST ``CONFTYPE=LOGLOG``), standard log-rank test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from edc.schedule import Schedule

RESPONSE_RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 3, "NE": 4}
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Conventions:
    """RECIST conventions from ``study.yaml`` ``analysis.recist``."""

    confirmation_min_days: int = 28
    sd_min_days: int = 42
    max_ne_between: int = 1

    @classmethod
    def from_study(cls, study: dict) -> Conventions:
        """Read the conventions from a loaded ``study.yaml``."""
        r = study["analysis"]["recist"]
        return cls(int(r["confirmation_min_days"]), int(r["sd_min_days"]), int(r["max_ne_between"]))


@dataclass
class EfficacyRecord:
    """What the efficacy derivations read of one treated subject (all dates are day numbers).

    Attributes
    ----------
    trtsdt : int
        First dose date.
    assessments : list of (int, str)
        Post-baseline tumour assessments (date, investigator overall response), sorted.
    death : int or None
        Death date.
    new_therapy : int or None
        Start of the first subsequent anticancer therapy.
    alive_days : list of int
        Every date on which the subject is known alive (visits, assessments, dosing, adverse
        events, labs, survival contacts).
    """

    trtsdt: int
    assessments: list[tuple[int, str]]
    death: int | None = None
    new_therapy: int | None = None
    alive_days: list[int] = field(default_factory=list)


def filter_assessments(rec: EfficacyRecord, cutoff: int) -> list[tuple[int, str]]:
    """Assessments after the first dose, on/before the cut-off, up to and including the first PD."""
    out: list[tuple[int, str]] = []
    for day, resp in rec.assessments:
        if rec.trtsdt < day <= cutoff:
            out.append((day, resp))
            if resp == "PD":
                break
    return out


def derive_bor(rec: EfficacyRecord, cutoff: int, conv: Conventions = Conventions()) -> tuple[str, str]:
    """Unconfirmed and confirmed best overall response of one subject.

    Returns
    -------
    tuple of str
        ``(unconfirmed, confirmed)``, each one of CR, PR, SD, PD, NE.

    Examples
    --------
    >>> rec = EfficacyRecord(0, [(43, "PR"), (85, "SD"), (127, "PR"), (190, "PD")])
    >>> derive_bor(rec, 1000)
    ('PR', 'SD')
    """
    used = filter_assessments(rec, cutoff)
    if not used:
        return "NE", "NE"

    def sd_ok(day: int) -> bool:
        return day - rec.trtsdt >= conv.sd_min_days

    unconfirmed = min(
        (("NE" if r == "SD" and not sd_ok(d) else r) for d, r in used), key=RESPONSE_RANK.__getitem__
    )
    confirmed = "NE"
    for i, (day, resp) in enumerate(used):
        if resp in ("CR", "PR"):
            value = resp if _is_confirmed(used, i, conv) else ("SD" if sd_ok(day) else "NE")
        elif resp == "SD":
            value = "SD" if sd_ok(day) else "NE"
        else:
            value = resp
        if RESPONSE_RANK[value] < RESPONSE_RANK[confirmed]:
            confirmed = value
    return unconfirmed, confirmed


def _is_confirmed(used: list[tuple[int, str]], i: int, conv: Conventions) -> bool:
    day, resp = used[i]
    accepted = ("CR",) if resp == "CR" else ("CR", "PR")
    n_ne = 0
    for later_day, later in used[i + 1 :]:
        if later == "NE":
            n_ne += 1
            if n_ne > conv.max_ne_between:
                return False
            continue
        if later not in accepted:
            return False
        if later_day - day >= conv.confirmation_min_days:
            return True
    return False


def _nearest_index(schedule: Schedule, rel_day: int) -> int:
    if rel_day <= 0:
        return 0
    k = 1
    while abs(schedule.scheduled_rel_day(k + 1) - rel_day) < abs(schedule.scheduled_rel_day(k) - rel_day):
        k += 1
    return k


def derive_pfs(rec: EfficacyRecord, cutoff: int, schedule: Schedule = Schedule()) -> tuple[int, int, str]:
    """Progression-free survival of one subject.

    Returns
    -------
    tuple
        ``(aval_days, event, reason)``: AVAL = ADT - TRTSDT + 1, event 1/0, and a short
        description of the deciding rule.

    Examples
    --------
    >>> derive_pfs(EfficacyRecord(0, [(43, "SD"), (85, "PD")]), 1000)
    (86, 1, 'progression')
    >>> derive_pfs(EfficacyRecord(0, [(43, "SD"), (300, "PD")]), 1000)
    (44, 0, 'event after two or more missed assessments')
    """
    start = rec.trtsdt
    used = [(d, r) for d, r in rec.assessments if start < d <= cutoff]
    adequate = [d for d, r in used if r != "NE"]
    pd_day = next((d for d, r in used if r == "PD"), None)
    death = rec.death if rec.death is not None and rec.death <= cutoff else None
    candidates = [x for x in (pd_day, death) if x is not None]
    event_day = min(candidates) if candidates else None
    new_tx = rec.new_therapy if rec.new_therapy is not None and rec.new_therapy <= cutoff else None

    def last_adequate(on_or_before: int, strict: bool = False) -> int:
        days = [d for d in adequate if (d < on_or_before if strict else d <= on_or_before)]
        return days[-1] if days else start

    if new_tx is not None and (event_day is None or new_tx < event_day):
        return last_adequate(new_tx) - start + 1, 0, "new anticancer therapy"
    if event_day is not None:
        ref = last_adequate(event_day, strict=True)
        k = _nearest_index(schedule, ref - start)
        if event_day - ref > 2 * schedule.interval_after(k) + schedule.window_days:
            return ref - start + 1, 0, "event after two or more missed assessments"
        reason = "progression" if event_day == pd_day else "death"
        return event_day - start + 1, 1, reason
    if not adequate:
        return 1, 0, "no adequate post-baseline assessment"
    return adequate[-1] - start + 1, 0, "progression-free at last adequate assessment"


def derive_os(rec: EfficacyRecord, cutoff: int) -> tuple[int, int]:
    """Overall survival ``(aval_days, event)``: death on/before cut-off, else last known alive."""
    if rec.death is not None and rec.death <= cutoff:
        return rec.death - rec.trtsdt + 1, 1
    alive = [d for d in rec.alive_days if d <= cutoff]
    return max(alive) - rec.trtsdt + 1, 0


# ---------------------------------------------------------------------------------------------
# Small-sample survival statistics for the solver
# ---------------------------------------------------------------------------------------------


def km_curve(times: list[int], events: list[int]) -> list[tuple[float, float, float]]:
    """Kaplan-Meier steps at the distinct event times: ``[(t, S(t), V(t)), ...]``.

    ``V`` is Greenwood's sum ``sum d / (Y (Y - d))`` (``inf`` once S reaches 0); censorings
    tied with events are taken to happen after them.
    """
    pairs = sorted(zip(times, events))
    n = len(pairs)
    at_risk, surv, var = n, 1.0, 0.0
    out: list[tuple[float, float, float]] = []
    i = 0
    while i < n:
        t = pairs[i][0]
        d = c = 0
        while i < n and pairs[i][0] == t:
            if pairs[i][1]:
                d += 1
            else:
                c += 1
            i += 1
        if d:
            surv *= 1.0 - d / at_risk
            var = var + d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
            out.append((t, surv, var))
        at_risk -= d + c
    return out


def km_median(curve: list[tuple[float, float, float]], last_time: float | None = None) -> float:
    """Median: first event time with S < 0.5; midpoint of a flat stretch at exactly 0.5."""
    for j, (t, s, _) in enumerate(curve):
        if abs(s - 0.5) <= 1e-12:
            following = curve[j + 1][0] if j + 1 < len(curve) else (last_time if last_time is not None else t)
            return (t + following) / 2.0
        if s < 0.5:
            return float(t)
    return math.nan


def loglog_z(s: float, v: float) -> float:
    """Brookmeyer-Crowley statistic of the median at a step: (g(S) - g(0.5)) / se(g(S))."""
    if not 0.0 < s < 1.0 or math.isinf(v):
        return math.inf
    se = math.sqrt(v) / -math.log(s)
    return (math.log(-math.log(s)) - math.log(-math.log(0.5))) / se


def bc_interval(curve: list[tuple[float, float, float]], z: float = Z_95) -> tuple[float, float]:
    """Brookmeyer-Crowley log-log interval of the median (``tlf.stats`` conventions).

    The set I of event times where ``|loglog_z| <= z``; lower = first time in I, upper = the
    event time following the last time in I (``nan`` when I is empty or reaches the end).
    """
    inside = [j for j, (_, s, v) in enumerate(curve) if abs(loglog_z(s, v)) <= z]
    if not inside:
        return math.nan, math.nan
    after = inside[-1] + 1
    return float(curve[inside[0]][0]), (float(curve[after][0]) if after < len(curve) else math.nan)


def logrank_p(times: list[int], events: list[int], groups: list[int]) -> float:
    """Two-group log-rank test P-value (chi-square, 1 df; R ``survdiff``)."""
    data = sorted(zip(times, events, groups))
    size = len(data)
    at_risk = size
    at_risk1 = sum(1 for g in groups if g == 1)
    o_minus_e = var = 0.0
    i = 0
    while i < size:
        t = data[i][0]
        d = d1 = leave = leave1 = 0
        while i < size and data[i][0] == t:
            _, e, g = data[i]
            d += e
            d1 += e if g == 1 else 0
            leave += 1
            leave1 += 1 if g == 1 else 0
            i += 1
        if d:
            frac = at_risk1 / at_risk
            o_minus_e += d1 - d * frac
            if at_risk > 1:
                var += d * frac * (1 - frac) * (at_risk - d) / (at_risk - 1)
        at_risk -= leave
        at_risk1 -= leave1
    if var <= 0:
        return math.nan
    return math.erfc(math.sqrt(o_minus_e**2 / var / 2.0))
