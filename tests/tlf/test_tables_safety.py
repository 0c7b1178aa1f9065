"""Adverse event tables (tlf/tables/safety.py): subject counts, grade columns, sorting.

Hand-made ADAE: 4 safety subjects (S1-S4) and S5 outside the safety set.
S1: hypertension grade 2 related, hypertension grade 3 related (two events, one subject),
    fatigue grade 1 not related.
S2: hypertension grade 1 related, proteinuria grade 3 related and serious, led to discontinuation.
S3: proteinuria grade 1 related; a pre-treatment rash (TRTEMFL null).
S4: diarrhoea grade 5 not related, fatal.
S5: hypertension grade 4 related (not in the safety set).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tlf.tables.common import Settings
from tlf.tables.safety import build_ae_overview_table, build_teae_by_soc_pt_table, build_trae_by_pt_table

SETTINGS = Settings(population="SAFFL")
VASC, RENAL, GEN, GI, SKIN = ("Vascular disorders", "Renal and urinary disorders", "General disorders",
                              "Gastrointestinal disorders", "Skin disorders")


@pytest.fixture
def adsl():
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4", "S5"], "SAFFL": ["Y", "Y", "Y", "Y", "N"]})


@pytest.fixture
def adae():
    rows = [
        ("S1", "Hypertension", VASC, 2, "RELATED", "N", "Y", "N", "N"),
        ("S1", "Hypertension", VASC, 3, "RELATED", "N", "Y", "N", "N"),
        ("S1", "Fatigue", GEN, 1, "NOT RELATED", "N", "Y", "N", "N"),
        ("S2", "Hypertension", VASC, 1, "RELATED", "N", "Y", "N", "N"),
        ("S2", "Proteinuria", RENAL, 3, "RELATED", "Y", "Y", "Y", "N"),
        ("S3", "Proteinuria", RENAL, 1, "RELATED", "N", "Y", "N", "N"),
        ("S3", "Rash", SKIN, 1, "RELATED", "N", None, "N", "N"),
        ("S4", "Diarrhoea", GI, 5, "NOT RELATED", "Y", "Y", "N", "Y"),
        ("S5", "Hypertension", VASC, 4, "RELATED", "N", "Y", "N", "N"),
    ]
    frame = pd.DataFrame(rows, columns=["USUBJID", "AEDECOD", "AEBODSYS", "ATOXGRN", "AREL", "AESER", "TRTEMFL",
                                        "DISCFL", "AESDTH"])
    return frame.assign(AESEQ=range(1, len(frame) + 1), INTRFL="N", REDFL="N")


def count(built, variable, level="Y", group=""):
    s = built.stats
    row = s[(s["VARIABLE"] == variable) & (s["STATISTIC"] == "n") & (s["LEVEL"] == level) & (s["GROUP"] == group)]
    assert len(row) == 1, (variable, level, group)
    return int(row["VALUE"].iloc[0])


def test_overview_counts_subjects_not_events(adsl, adae):
    built = build_ae_overview_table(adsl, adae, settings=SETTINGS)
    assert count(built, "TEAE") == 4
    assert count(built, "TEAE", "EVENTS") == 7  # records, for reference: the rash is not treatment-emergent
    assert count(built, "TRAE") == 3  # S1 (two hypertension events) counted once


def test_overview_grade_3_serious_and_actions(adsl, adae):
    built = build_ae_overview_table(adsl, adae, settings=SETTINGS)
    assert (count(built, "TEAE3"), count(built, "TRAE3")) == (3, 2)
    assert (count(built, "TESAE"), count(built, "TRSAE"), count(built, "TEDISC")) == (2, 1, 1)


def test_overview_fatal_from_grade_5_or_death_flag(adsl, adae):
    built = build_ae_overview_table(adsl, adae, settings=SETTINGS)
    assert (count(built, "TEFATAL"), count(built, "TRFATAL")) == (1, 0)


def test_overview_percentages_of_safety_set(adsl, adae):
    body = build_ae_overview_table(adsl, adae, settings=SETTINGS).body.set_index("Characteristic")["Value"]
    assert body["Any treatment-related AE (TRAE)"] == "3 (75.0)"


def test_trae_by_pt_any_grade_and_grade_3(adsl, adae):
    built = build_trae_by_pt_table(adsl, adae, settings=SETTINGS)
    assert count(built, "AEDECOD", "Hypertension") == 2
    assert count(built, "AEDECOD", "Hypertension", "ATOXGRN>=3") == 1
    assert count(built, "AEDECOD", "Proteinuria", "ATOXGRN>=3") == 1


def test_trae_by_pt_sorted_by_frequency_then_grade_3_then_name(adsl, adae):
    body = build_trae_by_pt_table(adsl, adae, settings=SETTINGS).body
    # hypertension 2 (1 severe), proteinuria 2 (1 severe): tie -> alphabetical; rash is not a TEAE
    assert body["Preferred term"].tolist() == ["Any TRAE", "Hypertension", "Proteinuria"]
    assert body.iloc[0]["Any grade"] == "3 (75.0)"


def test_trae_by_pt_excludes_subjects_outside_the_set(adsl, adae):
    built = build_trae_by_pt_table(adsl, adae, settings=SETTINGS)
    ids = built.stats.loc[built.stats["LEVEL"] == "Hypertension", "USUBJIDS"].iloc[0]
    assert ids == "S1 S2"


def test_teae_by_soc_counts_subject_once_per_soc(adsl, adae):
    built = build_teae_by_soc_pt_table(adsl, adae, settings=SETTINGS)
    assert count(built, "AEBODSYS", VASC) == 2
    assert count(built, "AEDECOD", f"{VASC} / Hypertension") == 2


def test_teae_by_soc_order_and_rows(adsl, adae):
    body = build_teae_by_soc_pt_table(adsl, adae, settings=SETTINGS).body
    socs = body["System organ class"].drop_duplicates().tolist()
    # by subjects: vascular 2, renal 2 (tie: 1 severe each -> alphabetical), then GI 1 (severe), general 1
    assert socs == ["Any TEAE", "Renal and urinary disorders", "Vascular disorders", "Gastrointestinal disorders",
                    "General disorders"]
    assert body.loc[body["System organ class"] == VASC, "Preferred term"].tolist() == ["Any event", "Hypertension"]
