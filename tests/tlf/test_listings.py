"""Listings (tlf/listings.py): record selection, order, formatting, counts in the results."""

from __future__ import annotations

import pandas as pd

from tlf.listings import build_ae_listing, build_death_listing, build_response_listing, build_screen_failure_listing
from tlf.tables.common import Settings


def count(built, level):
    s = built.stats
    return s.loc[(s["VARIABLE"] == "LISTING") & (s["LEVEL"] == level), "VALUE"].item()


def test_ae_listing_one_row_per_record_in_date_order(small_adam):
    built = build_ae_listing(small_adam["ADSL"], small_adam["ADAE"], settings=Settings(population="SAFFL"))
    assert count(built, "RECORDS") == len(small_adam["ADAE"])
    first = built.body[built.body["Subject"] == "ALTER-E-003-01-001"]
    assert first["SOC / Preferred term / Verbatim"].str.split(" / ").str[1].tolist() == \
        ["Hypertension", "Cough", "Proteinuria", "Fatigue"]


def test_ae_listing_marks_non_emergent_and_actions(small_adam):
    body = build_ae_listing(small_adam["ADSL"], small_adam["ADAE"], settings=Settings(population="SAFFL")).body
    cough = body[body["SOC / Preferred term / Verbatim"].str.contains("Cough")].iloc[0]
    assert (cough["TEAE"], cough["Action"]) == ("N", "Interrupted")
    assert body.loc[body["SOC / Preferred term / Verbatim"].str.contains("Hypertension"), "Start (day)"].iloc[0] == \
        "2022-03-25 (11)"


def test_response_listing_rows_and_bor(small_adam):
    built = build_response_listing(small_adam["ADSL"], small_adam["ADRS"], settings=Settings(population="EFFFL"))
    assert count(built, "RECORDS") == 48 and count(built, "SUBJECTS") == 12
    row = built.body.iloc[0]
    assert (row["Visit"], row["Overall response"], row["Confirmed BOR"], row["Unconfirmed BOR"]) == ("WEEK 6", "SD", "CR", "CR")


def test_death_listing_study_day_and_days_after_last_dose():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "SUBJID": ["01-001", "01-002"], "SAFFL": "Y",
                         "TRTSDT": pd.to_datetime(["2022-03-01", "2022-03-01"]),
                         "TRTEDT": pd.to_datetime(["2022-03-05", "2022-03-20"]),
                         "DTHDT": pd.to_datetime(["2022-03-10", None]), "DTHCAUS": ["Pneumonia", None]})
    body = build_death_listing(adsl, settings=Settings(population="SAFFL")).body
    assert body.to_dict("records") == [{"Subject": "01-001", "Date of death": "2022-03-10", "Study day": "10",
                                        "Days after last dose": "5", "Cause of death": "Pneumonia"}]


def test_screen_failure_listing(small_adam):
    built = build_screen_failure_listing(small_adam["ADSL"])
    assert built.body["Reason for screen failure"].tolist() == ["Age outside 18-75", "ECOG >= 2"]
    assert built.context["n_failures"] == 2 and built.context["n"] == 14


def test_listing_body_is_text(small_adam):
    body = build_response_listing(small_adam["ADSL"], small_adam["ADRS"], settings=Settings(population="EFFFL")).body
    assert body.map(lambda v: isinstance(v, str)).all().all()


def test_listings_of_no_records_have_their_columns_and_count_zero(small_adam):
    """A data cut-off before the first adverse event or response: the listings are empty, not an error."""
    settings = Settings(population="SAFFL")
    ae = build_ae_listing(small_adam["ADSL"], small_adam["ADAE"].iloc[0:0], settings=settings)
    full = build_ae_listing(small_adam["ADSL"], small_adam["ADAE"], settings=settings)
    assert ae.body.empty and list(ae.body.columns) == list(full.body.columns)
    assert count(ae, "RECORDS") == 0 and count(ae, "SUBJECTS") == 0
    response = build_response_listing(small_adam["ADSL"], small_adam["ADRS"].iloc[0:0], settings=settings)
    assert response.body.empty and count(response, "RECORDS") == 0
