"""Tumour assessments on the protocol calendar: every 6 weeks to week 18, then every 9 weeks, +/- 7 days."""

from __future__ import annotations

import re

from raw_reference import parse_date


def test_scheduled_scans_are_inside_their_windows(forms, subjects):
    rs = forms["tumour_response"]
    for _, r in rs[rs.VISIT.str.startswith("TA_W")].iterrows():
        s = subjects[f"{r.SITEID}-{r.SUBJID}"]
        week = int(re.fullmatch(r"TA_W(\d{3})", r.VISIT).group(1))
        offset = (parse_date(r.RSDAT, s.site) - s.trtsdt).days - 7 * week
        assert -7 <= offset <= 7, (s.key, r.VISIT, offset)


def test_scan_weeks_follow_the_protocol(forms):
    weeks = {int(v[4:]) for v in forms["tumour_response"].VISIT if v.startswith("TA_W")}
    allowed = {6, 12, 18} | {18 + 9 * i for i in range(1, 20)}
    assert weeks <= allowed


def test_exactly_one_unscheduled_assessment(forms):
    rs = forms["tumour_response"]
    assert (rs.VISIT == "TA_UNS01").sum() == 1


def test_baseline_scans_within_28_days_before_first_dose(forms, subjects):
    tl = forms["tumour_target"]
    for _, r in tl[tl.VISIT == "SCR"].iterrows():
        s = subjects[f"{r.SITEID}-{r.SUBJID}"]
        assert 0 < (s.trtsdt - parse_date(r.TRDAT, s.site)).days <= 28


def test_cycles_are_at_least_21_days_apart(forms, subjects):
    ex = forms["dosing_anlotinib"]
    for key, group in ex.groupby(ex.SITEID + "-" + ex.SUBJID):
        s = subjects[key]
        days = sorted(parse_date(d, s.site) for d in group.EXSTDAT)
        assert all((b - a).days >= 21 for a, b in zip(days, days[1:]))


def test_anlotinib_doses_are_12_10_or_8_mg_and_benmelstobart_1200_mg(forms):
    assert set(forms["dosing_anlotinib"].EXDOSE) <= {"12", "10", "8"}
    ben = forms["dosing_benmelstobart"]
    assert set(ben.EXDOSE) <= {"1200", "0"}


def test_benmelstobart_stops_after_24_months(forms, subjects):
    ben = forms["dosing_benmelstobart"]
    for _, r in ben.iterrows():
        s = subjects[f"{r.SITEID}-{r.SUBJID}"]
        assert (parse_date(r.EXDAT, s.site) - s.trtsdt).days < 730
