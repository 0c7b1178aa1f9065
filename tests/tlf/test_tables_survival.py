"""Time-to-event tables (tlf/tables/survival.py) on hand-worked Kaplan-Meier examples.

Example A (5 subjects, days): 30 event, 60 censored, 90 event, 120 event, 150 censored.
S(30) = 4/5 = 0.8; S(90) = 0.8 x 2/3 = 0.5333; S(120) = 0.5333 x 1/2 = 0.2667.
Median = 120 days (first S < 0.5) = 3.94 months; 3-month (91.31-day) rate = 53.3%.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tlf.tables.common import MissingInputError, Settings
from tlf.tables.survival import build_km_by_group_table, build_km_summary_table, fmt_p

DPM = 30.4375
SETTINGS = Settings(population="EFFFL", landmark_months=(3,))


def adsl(n: int, groups=None) -> pd.DataFrame:
    frame = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(1, n + 1)], "EFFFL": "Y", "BMEVLFL": "Y"})
    if groups is not None:
        frame["SIGGR1"] = groups
    return frame


def adtte(days, cnsr, paramcd="PFS") -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": [f"S{i}" for i in range(1, len(days) + 1)], "PARAMCD": paramcd, "AVAL": days,
                         "CNSR": cnsr, "EVNTDESC": ["Disease Progression" if c == 0 else "No Progression or Death"
                                                    for c in cnsr]})


def stat(built, variable, statistic, level="", group=""):
    s = built.stats
    row = s[(s["VARIABLE"] == variable) & (s["STATISTIC"] == statistic) & (s["LEVEL"] == level) & (s["GROUP"] == group)]
    assert len(row) == 1, (variable, statistic, level, group)
    return row.iloc[0]["VALUE"]


@pytest.fixture
def example_a():
    return build_km_summary_table(adsl(5), adtte([30, 60, 90, 120, 150], [0, 2, 0, 0, 2]), settings=SETTINGS,
                                  endpoints=("PFS",))


def test_events_and_censored_counts(example_a):
    assert (stat(example_a, "PFS", "n", "EVENT"), stat(example_a, "PFS", "n", "CENSORED")) == (3, 2)


def test_km_median_in_months(example_a):
    assert stat(example_a, "PFS", "median_months") == pytest.approx(120 / DPM)


def test_landmark_rate(example_a):
    assert stat(example_a, "PFS", "rate_pct", "3 months") == pytest.approx(100 * 0.8 * 2 / 3)


def test_body_rows(example_a):
    body = example_a.body.set_index("Characteristic")["Value"]
    assert body["Events, n (%)"] == "3 (60.0)"
    assert body["Median, months (95% CI)"].startswith("3.94 (")
    assert body["3-month rate, % (95% CI)"].startswith("53.3 (")


def test_median_on_flat_half_is_midpoint():
    # events at 10, 20, 30, 40: S = 0.5 exactly on [20, 30) -> median (20 + 30) / 2 = 25 days (SAS, R)
    built = build_km_summary_table(adsl(4), adtte([10, 20, 30, 40], [0, 0, 0, 0]), settings=SETTINGS, endpoints=("PFS",))
    assert stat(built, "PFS", "median_months") == pytest.approx(25 / DPM)


def test_median_not_reached_prints_ne():
    built = build_km_summary_table(adsl(3), adtte([30, 60, 90], [0, 2, 2]), settings=SETTINGS, endpoints=("PFS",))
    assert built.body.set_index("Characteristic")["Value"]["Median, months (95% CI)"].startswith("NE (")


def test_only_analysis_set_subjects_enter():
    frame = adsl(5)
    frame.loc[4, "EFFFL"] = "N"
    built = build_km_summary_table(frame, adtte([30, 60, 90, 120, 150], [0, 2, 0, 0, 2]), settings=SETTINGS,
                                   endpoints=("PFS",))
    assert stat(built, "PFS", "N") == 4


def test_by_group_hazard_ratio_reference_is_last_group():
    groups = ["Signature positive"] * 4 + ["Signature negative"] * 4
    data = adtte([100, 200, 300, 400, 50, 80, 250, 120], [0, 0, 2, 0, 0, 0, 0, 2])
    built = build_km_by_group_table(adsl(8, groups), data, settings=Settings(population="BMEVLFL"), endpoints=("PFS",))
    hr_row = built.body[built.body["Characteristic"].str.startswith("Hazard ratio")].iloc[0]
    assert hr_row["Signature negative"] == "1 (reference)"
    assert stat(built, "PFS", "hr", "COX", "SIGGR1") < 1  # positive group progresses later


def test_by_group_logrank_matches_survdiff():
    # negative group fails at days 1, 2, 3, positive at 4, 5, 6, all events. By hand (Collett 2.6):
    # E_neg = 3/6 + 2/5 + 1/4 = 1.15, O_neg = 3; V = 0.25 + 0.24 + 0.1875 = 0.6775;
    # chi-square = 1.85^2 / 0.6775 = 5.0517 on 1 df, P = 0.02460 (R survdiff gives the same)
    groups = ["Signature positive"] * 3 + ["Signature negative"] * 3
    built = build_km_by_group_table(adsl(6, groups), adtte([4, 5, 6, 1, 2, 3], [0] * 6), settings=Settings(population="BMEVLFL"),
                                    endpoints=("PFS",))
    assert stat(built, "PFS", "p_value", "LOGRANK", "SIGGR1") == pytest.approx(0.02460, abs=1e-5)


def test_hazard_ratio_not_estimable_without_events_in_a_group():
    groups = ["Signature positive"] * 3 + ["Signature negative"] * 3
    built = build_km_by_group_table(adsl(6, groups), adtte([40, 50, 60, 10, 20, 30], [2, 2, 2, 0, 0, 0]),
                                    settings=Settings(population="BMEVLFL"), endpoints=("PFS",))
    assert pd.isna(stat(built, "PFS", "hr", "COX", "SIGGR1"))
    assert built.body.loc[built.body["Characteristic"].str.startswith("Hazard"), "Signature positive"].iloc[0] == "NE"


def test_by_group_needs_the_group_variable():
    with pytest.raises(MissingInputError, match="SIGGR1"):
        build_km_by_group_table(adsl(3), adtte([1, 2, 3], [0, 0, 0]), settings=Settings(population="BMEVLFL"))


@pytest.mark.parametrize(("p", "text"), [(0.0004, "<0.001"), (0.0005, "0.001"), (0.00449, "0.004"), (0.0045, "0.005")])
def test_p_value_format(p, text):
    assert fmt_p(p) == text
