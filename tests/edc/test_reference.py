"""The solver's statement of the derivation contract (edc.reference), on hand-worked cases."""

from __future__ import annotations

import math

import pytest

from edc.calibration import days_for_months, p_interval
from edc.reference import EfficacyRecord, bc_interval, derive_bor, derive_os, derive_pfs, km_curve, km_median, logrank_p
from tlf.stats import KaplanMeier, logrank_test


def rec(*assessments, death=None, new_therapy=None, alive=()):
    return EfficacyRecord(0, list(assessments), death=death, new_therapy=new_therapy, alive_days=list(alive))


def test_cr_ne_cr_is_confirmed():
    assert derive_bor(rec((43, "CR"), (85, "NE"), (127, "CR")), 999) == ("CR", "CR")


def test_pr_sd_pr_is_not_confirmed():
    assert derive_bor(rec((43, "PR"), (85, "SD"), (127, "PR"), (190, "PD")), 999) == ("PR", "SD")


def test_pr_then_pd_is_sd():
    assert derive_bor(rec((43, "PR"), (85, "PD")), 999) == ("PR", "SD")


def test_pr_confirmed_less_than_28_days_later_is_not_confirmed():
    assert derive_bor(rec((85, "PR"), (100, "PR"), (127, "PD")), 999) == ("PR", "SD")


def test_pr_with_no_further_scan_before_cutoff_is_sd():
    assert derive_bor(rec((43, "PR"), (85, "PR")), 60) == ("PR", "SD")


def test_sd_before_day_42_is_ne():
    assert derive_bor(rec((37, "SD")), 999) == ("NE", "NE")


def test_only_ne_and_no_assessment_are_ne():
    assert derive_bor(rec((43, "NE")), 999) == ("NE", "NE")
    assert derive_bor(rec(), 999) == ("NE", "NE")


def test_assessments_after_first_pd_are_ignored():
    assert derive_bor(rec((43, "PD"), (85, "PR"), (127, "PR")), 999) == ("PD", "PD")


def test_pfs_progression_is_an_event_on_the_scan_day():
    assert derive_pfs(rec((43, "SD"), (85, "PD")), 999)[:2] == (86, 1)


def test_pfs_death_without_progression_is_an_event():
    assert derive_pfs(rec((43, "SD"), death=80), 999)[:2] == (81, 1)


def test_pfs_no_adequate_assessment_censored_at_start():
    assert derive_pfs(rec((43, "NE")), 999)[:2] == (1, 0)


def test_pfs_new_therapy_before_progression_censored_at_last_scan_before_it():
    assert derive_pfs(rec((43, "PR"), (85, "PR"), (127, "PD"), new_therapy=100), 999)[:2] == (86, 0)


def test_pfs_event_after_two_missed_scans_is_censored():
    assert derive_pfs(rec((43, "SD"), (189, "PD")), 999)[:2] == (44, 0)


def test_pfs_event_after_cutoff_is_censored_at_last_scan_before():
    assert derive_pfs(rec((43, "SD"), (85, "SD"), (127, "PD")), 120)[:2] == (86, 0)


def test_os_censored_at_last_known_alive_before_cutoff():
    assert derive_os(rec(death=500, alive=(10, 200, 450)), 400) == (201, 0)
    assert derive_os(rec(death=300, alive=(10,)), 400) == (301, 1)


def test_months_to_days_of_the_published_medians():
    assert [days_for_months(m, 30.4375) for m in (15.74, 9.03, 21.91, 17.91, 5.32)] == [479, 275, 667, 545, 162]


def test_p_rounding_interval():
    lo, hi = p_interval(0.005)
    assert math.isclose(lo, 0.0045) and math.isclose(hi, 0.0055)


@pytest.mark.parametrize("seed", range(20))
def test_small_sample_km_agrees_with_tlf_stats(seed):
    import random

    rng = random.Random(seed)
    t = [rng.randint(1, 40) for _ in range(rng.randint(5, 46))]
    e = [int(rng.random() < 0.7) for _ in t]
    curve = km_curve(t, e)
    km = KaplanMeier().fit(t, e)
    ours = (km_median(curve, max(t)), *bc_interval(curve))
    theirs = (km.median_, *km.median_ci_)
    assert all((math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(ours, theirs))


@pytest.mark.parametrize("seed", range(20))
def test_logrank_agrees_with_tlf_stats(seed):
    import random

    rng = random.Random(seed)
    t = [rng.randint(1, 40) for _ in range(30)]
    e = [int(rng.random() < 0.7) for _ in t]
    g = [i % 2 for i in range(30)]
    assert math.isclose(logrank_p(t, e, g), logrank_test(t, e, g).p_value, rel_tol=1e-9)
