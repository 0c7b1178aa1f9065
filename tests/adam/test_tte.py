"""TTE derivation: each FDA censoring rule, event on the start day, death without assessments.

Schedule used throughout: every 6 weeks to week 18, then every 9 weeks, window 7 days; the
scheduled days after start are 42, 84, 126, 189, 252, ...
"""

from __future__ import annotations


import pandas as pd
import pytest

from adam.tte import MissedAssessments, NewTherapy, TteSource, derive_param_tte

START = pd.Timestamp("2022-03-01")
PD = TteSource("pd", "ADRS", "ADT", 0, "Disease progression", where=(("PARAMCD", "PD"),), srcseq="ASEQ")
DEATH = TteSource("death", "ADSL", "DTHDT", 0, "Death")
LASTA = TteSource("lasta", "ADRS", "ADT", 1, "No progression or death", "Last adequate tumour assessment",
                  where=(("PARAMCD", "OVR"), ("ADEQFL", "Y")), srcseq="ASEQ")
NOASSESS = TteSource("start", "ADSL", "TRTSDT", 2, "No post-baseline adequate assessment", "Treatment start")
MISSED = MissedAssessments("lasta", 3, "Event after two or more missed assessments", "Last adequate tumour assessment", 6, 18, 9, 7)
NACT = NewTherapy("NACTDT", 4, "New anticancer therapy before event", "Last adequate assessment before new anticancer therapy")


def _day(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)


def _adsl(**columns) -> pd.DataFrame:
    frame = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": [START], "DTHDT": [pd.NaT], "NACTDT": [pd.NaT]})
    for key, value in columns.items():
        frame[key] = [value]
    return frame


def _adrs(*records: tuple[str, int, str]) -> pd.DataFrame:
    """(PARAMCD, days after start, ADEQFL)"""
    return pd.DataFrame(
        {
            "USUBJID": ["1"] * len(records),
            "PARAMCD": [r[0] for r in records],
            "ADT": [_day(r[1]) for r in records],
            "ADEQFL": [r[2] for r in records],
            "ASEQ": range(1, len(records) + 1),
        }
    )


def _pfs(adsl: pd.DataFrame, adrs: pd.DataFrame, **kwargs) -> dict:
    result = derive_param_tte(
        adsl, sources={"ADSL": adsl, "ADRS": adrs}, start_date="TRTSDT", events=[PD, DEATH], censors=[LASTA, NOASSESS],
        paramcd="PFS", param="Progression-Free Survival (days)", new_therapy=NACT, missed=MISSED, **kwargs,
    )
    assert len(result) == 1
    return result.iloc[0].to_dict()


def test_progression_is_an_event_with_aval_plus_one():
    row = _pfs(_adsl(), _adrs(("OVR", 42, "Y"), ("OVR", 84, "Y"), ("PD", 84, "Y")))
    assert (row["CNSR"], row["ADT"], row["AVAL"], row["EVNTDESC"]) == (0, _day(84), 85, "Disease progression")
    assert (row["SRCDOM"], row["SRCVAR"], row["SRCSEQ"]) == ("ADRS", "ADT", 3)
    assert row["CNSDTDSC"] is None or pd.isna(row["CNSDTDSC"])


def test_event_on_the_start_day_has_aval_1():
    row = _pfs(_adsl(DTHDT=START), _adrs())
    assert (row["CNSR"], row["AVAL"], row["EVNTDESC"]) == (0, 1, "Death")


def test_alive_without_progression_censored_at_last_adequate_assessment():
    row = _pfs(_adsl(), _adrs(("OVR", 42, "Y"), ("OVR", 84, "Y"), ("OVR", 126, "N")))
    # the NE assessment on day 126 is not adequate
    assert (row["CNSR"], row["ADT"], row["AVAL"]) == (1, _day(84), 85)
    assert (row["EVNTDESC"], row["CNSDTDSC"]) == ("No progression or death", "Last adequate tumour assessment")


def test_no_post_baseline_assessment_censored_at_start():
    row = _pfs(_adsl(), _adrs())
    assert (row["CNSR"], row["ADT"], row["AVAL"], row["EVNTDESC"]) == (2, START, 1, "No post-baseline adequate assessment")
    assert row["CNSDTDSC"] == "Treatment start"


def test_death_without_assessments_within_two_scheduled_visits_is_an_event():
    # last adequate = start (k = 0, next scheduled at day 42): limit 0 + 2 x 42 + 7 = 91
    assert _pfs(_adsl(DTHDT=_day(91)), _adrs())["CNSR"] == 0
    row = _pfs(_adsl(DTHDT=_day(92)), _adrs())
    assert (row["CNSR"], row["ADT"], row["EVNTDESC"], row["SRCVAR"]) == (3, START, "Event after two or more missed assessments", "TRTSDT")


def test_progression_after_two_missed_assessments_censored_at_last_adequate():
    # last adequate on day 126 (week 18; next scheduled week 27 = day 189): limit 126 + 2 x 63 + 7 = 259
    adrs = _adrs(("OVR", 126, "Y"), ("OVR", 260, "Y"), ("PD", 260, "Y"))
    row = _pfs(_adsl(), adrs)
    assert (row["CNSR"], row["ADT"], row["AVAL"], row["SRCSEQ"]) == (3, _day(126), 127, 1)
    adrs_in_time = _adrs(("OVR", 126, "Y"), ("OVR", 259, "Y"), ("PD", 259, "Y"))
    assert _pfs(_adsl(), adrs_in_time)["CNSR"] == 0


def test_early_assessment_counts_for_its_nearest_visit():
    # assessment on day 80 is nearest to the day-84 visit (interval to the next, day 126: 42): limit 80 + 84 + 7 = 171
    adrs = _adrs(("OVR", 80, "Y"), ("OVR", 171, "Y"), ("PD", 171, "Y"))
    assert _pfs(_adsl(), adrs)["CNSR"] == 0
    late = _adrs(("OVR", 80, "Y"), ("OVR", 172, "Y"), ("PD", 172, "Y"))
    assert _pfs(_adsl(), late)["CNSR"] == 3


def test_new_anticancer_therapy_before_progression_censors_at_last_adequate_before_it():
    adrs = _adrs(("OVR", 42, "Y"), ("OVR", 84, "Y"), ("OVR", 126, "Y"), ("PD", 126, "Y"))
    row = _pfs(_adsl(NACTDT=_day(100)), adrs)
    assert (row["CNSR"], row["ADT"], row["AVAL"], row["EVNTDESC"], row["CNSDTDSC"]) == (
        4, _day(84), 85, NACT.description, NACT.date_description)


def test_new_therapy_without_progression_also_censors_with_its_code():
    row = _pfs(_adsl(NACTDT=_day(150)), _adrs(("OVR", 42, "Y"), ("OVR", 126, "Y")))
    assert (row["CNSR"], row["ADT"]) == (4, _day(126))


def test_new_therapy_after_the_cutoff_is_ignored():
    row = _pfs(_adsl(NACTDT=_day(150)), _adrs(("OVR", 42, "Y")), cutoff=(START + pd.Timedelta(days=100)).date())
    assert (row["CNSR"], row["ADT"]) == (1, _day(42))


def test_progression_on_the_day_new_therapy_starts_is_an_event():
    adrs = _adrs(("OVR", 42, "Y"), ("OVR", 84, "Y"), ("PD", 84, "Y"))
    assert _pfs(_adsl(NACTDT=_day(84)), adrs)["CNSR"] == 0


def test_cutoff_ignores_later_events():
    adrs = _adrs(("OVR", 42, "Y"), ("OVR", 84, "Y"), ("PD", 126, "Y"))
    row = _pfs(_adsl(DTHDT=_day(200)), adrs, cutoff=(START + pd.Timedelta(days=100)).date())
    assert (row["CNSR"], row["ADT"]) == (1, _day(84))


def test_earliest_event_wins():
    adrs = _adrs(("OVR", 42, "Y"), ("PD", 84, "Y"))
    row = _pfs(_adsl(DTHDT=_day(60)), adrs)
    assert (row["ADT"], row["EVNTDESC"]) == (_day(60), "Death")


def test_subjects_without_start_date_get_no_record():
    adsl = pd.concat([_adsl(), _adsl(USUBJID="2", TRTSDT=pd.NaT)], ignore_index=True)
    result = derive_param_tte(adsl, sources={"ADSL": adsl, "ADRS": _adrs()}, start_date="TRTSDT", events=[DEATH],
                              censors=[NOASSESS], paramcd="OS", param="Overall Survival (days)")
    assert result["USUBJID"].tolist() == ["1"]


def test_scheduled_days():
    assert MISSED.scheduled_days(300)[:6].tolist() == [42, 84, 126, 189, 252, 315]


@pytest.mark.parametrize(
    ("last", "limit"),
    [
        (0, 91),  # k = 0 (start), next at 42: 2 x 42 + 7
        (42, 133),  # week 6, next at 84: 42 + 91
        (84, 175),  # week 12, next at 126: 84 + 91
        (126, 259),  # week 18, next at 189: 126 + 2 x 63 + 7
        (189, 322),  # week 27
        (120, 253),  # nearest scheduled is 126 (week 18): 120 + 2 x 63 + 7
    ],
)
def test_threshold(last, limit):
    assert MISSED.threshold(pd.Series([last]).to_numpy())[0] == limit
