"""Listings from ADaM: adverse events, tumour responses per assessment, deaths, screen failures.

Each builder selects the records, formats every value as text (dates ISO 8601, missing as
empty) and sorts by subject and date; it returns the body with the row and subject counts as
statistics (``LISTING n`` at levels ``RECORDS`` and ``SUBJECTS``), so the results dataset
accounts for every listing. Columns are fixed by the builder; the catalogue's column headers
label them in the same order.

* Adverse events: ADAE records of the analysis set (SAFFL), treatment-emergent or not (a TEAE
  column says which), by subject, start date, sequence.
* Tumour responses: ADRS ``OVR`` records (investigator, RECIST 1.1) of the analysis set, with
  the analysis flag and the subject's confirmed and unconfirmed BOR.
* Deaths: ADSL subjects with ``DTHDT`` (on or before the cut-off), with the study day of
  death, days after the last dose and the cause.
* Screen failures: ADSL subjects with ``ENRLFL != "Y"`` and their screen-failure reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tlf.results import BuiltOutput, StatRows
from tlf.tables.common import as_datetime, select_population, yes


def _date(values: pd.Series) -> pd.Series:
    dates = as_datetime(values)
    return dates.dt.strftime("%Y-%m-%d").where(dates.notna(), "").astype(object)


def _text(values: pd.Series) -> pd.Series:
    def one(v: object) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return values.map(one).astype(object)  # text even when there are no values (an empty map is numeric)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _subject(frame: pd.DataFrame) -> pd.Series:
    return _text(frame["SUBJID"]) if "SUBJID" in frame.columns else _text(frame["USUBJID"])


def _built(body: pd.DataFrame, subjects: pd.Series, context: dict | None = None) -> BuiltOutput:
    stats = StatRows()
    stats.add("LISTING", "n", len(body), subjects=subjects, level="RECORDS")
    stats.add("LISTING", "n", subjects.nunique(), subjects=subjects, level="SUBJECTS")
    return BuiltOutput(stats=stats.frame(), context={"n_records": len(body), "n_subjects": int(subjects.nunique()),
                                                     **(context or {})}, body=body.reset_index(drop=True))


def build_ae_listing(adsl: pd.DataFrame, adae: pd.DataFrame, *, settings: object) -> BuiltOutput:
    """Listing of adverse events (rules in the module docstring).

    Columns: Subject, SOC / preferred term / verbatim, Start (day), End, Grade, Serious,
    Related, Action, Outcome, TEAE. Context ``n`` (analysis set).
    """
    population = select_population(adsl, getattr(settings, "population", None))
    data = adae[adae["USUBJID"].isin(population["USUBJID"])].copy()
    data["_START"] = as_datetime(_column(data, "ASTDT"))
    data = data.sort_values(["USUBJID", "_START", "AESEQ"], kind="mergesort", na_position="last")
    actions = pd.Series("", index=data.index)
    for flag, text in (("DISCFL", "Discontinued"), ("INTRFL", "Interrupted"), ("REDFL", "Reduced")):
        actions = actions.where(~yes(_column(data, flag)), actions.str.cat(pd.Series(text, index=data.index), sep="; "))
    day = _text(_column(data, "ASTDY"))
    body = pd.DataFrame({
        "Subject": _subject(data),
        "SOC / Preferred term / Verbatim": _text(_column(data, "AEBODSYS")) + " / " + _text(data["AEDECOD"]) + " / "
        + _text(_column(data, "AETERM")),
        "Start (day)": _date(data["_START"]) + np.where(day != "", " (" + day + ")", ""),
        "End": _date(_column(data, "AENDT")),
        "Grade": _text(_column(data, "ATOXGR")),
        "Serious": _text(_column(data, "AESER")),
        "Related": _text(_column(data, "AREL")).str.capitalize(),
        "Action": actions.str.strip("; "),
        "Outcome": _text(_column(data, "AEOUT")).str.capitalize(),
        "TEAE": np.where(yes(_column(data, "TRTEMFL")), "Y", "N"),
    })
    return _built(body, data["USUBJID"], {"n": len(population)})


def build_response_listing(adsl: pd.DataFrame, adrs: pd.DataFrame, *, settings: object) -> BuiltOutput:
    """Listing of overall response per assessment with each subject's BOR (rules in the module docstring).

    Columns: Subject, Visit, Date, Study day, Overall response, Analysis record, Confirmed BOR,
    Unconfirmed BOR. Context ``n``.
    """
    population = select_population(adsl, getattr(settings, "population", None))
    ids = population["USUBJID"]
    ovr = adrs[(adrs["PARAMCD"] == "OVR") & adrs["USUBJID"].isin(ids)].copy()
    best = {p: adrs[adrs["PARAMCD"] == p].drop_duplicates("USUBJID").set_index("USUBJID")["AVALC"]
            for p in ("CBOR", "BOR")}
    ovr["_ADT"] = as_datetime(ovr["ADT"])
    ovr = ovr.sort_values(["USUBJID", "_ADT"], kind="mergesort")
    body = pd.DataFrame({
        "Subject": _subject(ovr), "Visit": _text(_column(ovr, "AVISIT")), "Date": _date(ovr["_ADT"]),
        "Study day": _text(_column(ovr, "ADY")), "Overall response": _text(ovr["AVALC"]),
        "Analysis record": np.where(yes(_column(ovr, "ANL01FL")), "Y", ""),
        "Confirmed BOR": _text(ovr["USUBJID"].map(best["CBOR"])),
        "Unconfirmed BOR": _text(ovr["USUBJID"].map(best["BOR"])),
    })
    return _built(body, ovr["USUBJID"], {"n": len(population)})


def build_death_listing(adsl: pd.DataFrame, *, settings: object) -> BuiltOutput:
    """Listing of deaths (rules in the module docstring).

    Columns: Subject, Date of death, Study day, Days after last dose, Cause of death. Context
    ``n`` (analysis set) and ``n_deaths``.
    """
    population = select_population(adsl, getattr(settings, "population", None))
    death = as_datetime(_column(population, "DTHDT"))
    data = population[death.notna().to_numpy()].assign(_DTH=death[death.notna()])
    data = data.sort_values(["_DTH", "USUBJID"], kind="mergesort")
    start, last = as_datetime(_column(data, "TRTSDT")), as_datetime(_column(data, "TRTEDT"))
    day = (data["_DTH"] - start).dt.days
    day = day.where(day < 0, day + 1)
    body = pd.DataFrame({
        "Subject": _subject(data), "Date of death": _date(data["_DTH"]), "Study day": _text(day.astype(float)),
        "Days after last dose": _text((data["_DTH"] - last).dt.days.astype(float)),
        "Cause of death": _text(_column(data, "DTHCAUS")),
    })
    return _built(body, data["USUBJID"], {"n": len(population), "n_deaths": len(data)})


def build_screen_failure_listing(adsl: pd.DataFrame, *, settings: object = None) -> BuiltOutput:
    """Listing of screen failures (rules in the module docstring).

    Columns: Subject, Site, Informed consent, Age, Sex, Reason for screen failure. Context
    ``n`` (screened) and ``n_failures``.
    """
    data = adsl[~yes(adsl["ENRLFL"])].sort_values("USUBJID", kind="mergesort")
    body = pd.DataFrame({
        "Subject": _subject(data), "Site": _text(_column(data, "SITEID")), "Informed consent": _date(_column(data, "RFICDT")),
        "Age": _text(_column(data, "AGE")), "Sex": _text(_column(data, "SEX")),
        "Reason for screen failure": _text(_column(data, "SCRFREAS")),
    })
    return _built(body, data["USUBJID"], {"n": len(adsl), "n_failures": len(data)})
