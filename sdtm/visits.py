"""VISITNUM and VISIT of raw visit codes, planned and unscheduled (SDTMIG 3.4 section 4.4.5).

The raw EDC visit code (``VISIT`` column of every form) names the visit. Planned visits take
the number of the trial design (:func:`sdtm.trial_design.planned_visitnum`: screening 1, cycle
n day 1 100 + n, tumour assessment of week w 300 + w, end of treatment 800, safety follow-up
810, survival follow-up k 900 + k, end of study 999) and the TV visit name.

Unscheduled visits (codes ``<SERIES>_UNSnn`` or ``UNSnn``) follow the usual convention: the
VISITNUM of the subject's preceding scheduled visit + 0.01 for the first unscheduled visit after
it, + 0.02 for the second, and so on; VISIT is ``"Unscheduled <VISITNUM>"`` (e.g.
``Unscheduled 318.01``), so VISIT and VISITNUM stay one-to-one across the study. The preceding
scheduled visit is looked up in the unscheduled visit's own series (the code prefix before
``UNS``: ``TA_UNS01`` follows the last tumour assessment ``TA_W...`` or screening), so every
domain that carries the visit finds the same number whatever other forms it reads; a code with
no prefix follows the last scheduled visit of any series. "Preceding" means the latest
scheduled visit of the subject dated on or before the unscheduled visit (same day counts; ties
go to the higher VISITNUM); with no such visit, or no complete date, the number is missing and
the caller reports it.

Codes that are neither planned nor unscheduled (e.g. ``LOG`` of log forms) get no VISITNUM.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sdtm.dates import dtc_date
from sdtm.trial_design import load_trial_design, planned_visitnum, planned_visits
from specs.model import Study

UNSCHEDULED = re.compile(r"^(?:(?P<series>[A-Z0-9]+)_)?UNS\d*$")
SCREENING_CODE = "SCR"


_NAMES: dict[int, tuple[Study, dict[str, str]]] = {}


def planned_visit_names(study: Study) -> dict[str, str]:
    """Planned visit code -> VISIT name, as TV writes them (trial_design.yaml + study.yaml).

    Read once per study object (the mappers of one run share it).
    """
    cached = _NAMES.get(id(study))
    if cached is None or cached[0] is not study:
        table = planned_visits(study, load_trial_design(study))
        cached = _NAMES[id(study)] = (study, dict(zip(table["_CODE"], table["VISIT"])))
    return dict(cached[1])


def compute_planned_visitnum(visit: pd.Series) -> pd.Series:
    """VISITNUM of raw visit codes (one lookup per distinct code; see ``planned_visitnum``)."""
    lookup = {code: planned_visitnum(code) for code in visit.dropna().unique()}
    return visit.map(lookup).astype("float64")


def _normalise_codes(codes: pd.Series) -> pd.Series:
    """Visit codes trimmed and upper case, blanks missing (computed once per distinct code)."""
    codes = codes.astype(object)
    unique = pd.unique(codes.to_numpy())
    clean = {v: (str(v).strip().upper() or None) for v in unique if v is not None and not pd.isna(v)}
    out = codes.map(clean).astype(object)
    return out.where(out.notna(), None)


def _planned_numbers(codes: pd.Series) -> pd.Series:
    """planned_visitnum of normalised codes (computed once per distinct code)."""
    numbers = {c: planned_visitnum(c) for c in pd.unique(codes.dropna().to_numpy())}
    return codes.map(numbers).astype("float64")


def compute_unscheduled_series(codes: pd.Series) -> pd.Series:
    """The series an unscheduled code belongs to ("" for a bare ``UNSnn``); None if scheduled.

    >>> compute_unscheduled_series(pd.Series(["TA_UNS01", "UNS02", "C01D01"])).tolist()
    ['TA', '', None]
    """
    def series(code: object) -> str | None:
        match = UNSCHEDULED.match(code) if isinstance(code, str) else None
        return (match.group("series") or "") if match else None

    codes = _normalise_codes(codes)
    out = codes.map({c: series(c) for c in pd.unique(codes.dropna().to_numpy())}).astype(object)
    return out.where(out.notna(), None)


def compute_visitnum(
    visit_codes: pd.Series,
    visit_dates: pd.Series,
    usubjid: pd.Series,
    *,
    names: dict[str, str] | None = None,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """VISITNUM and VISIT for raw visit codes (aligned with the input index).

    Parameters
    ----------
    visit_codes, visit_dates, usubjid
        Aligned series: raw visit code, ISO 8601 date of the record (--DTC), USUBJID.
    names
        Planned code -> VISIT name (:func:`planned_visit_names`); a planned code without a name
        keeps its code as VISIT.
    reference
        The subject's dated visits to look the preceding scheduled visit up in (columns
        ``USUBJID``, ``VISIT`` (raw code), ``DTC``); default: the input rows themselves. Pass
        every row of every form that shares the series (for tumour assessments: all tumour
        forms) so each domain finds the same number.

    Returns
    -------
    DataFrame with ``VISITNUM`` (float, NaN when unknown) and ``VISIT`` (text or None).

    Examples
    --------
    >>> out = compute_visitnum(pd.Series(["TA_W006", "TA_UNS01"]), pd.Series(["2022-05-01", "2022-05-20"]),
    ...                        pd.Series(["S-01-001", "S-01-001"]), names={"TA_W006": "Week 6 Tumour Assessment"})
    >>> out["VISITNUM"].tolist(), out["VISIT"].tolist()
    ([306.0, 306.01], ['Week 6 Tumour Assessment', 'Unscheduled 306.01'])
    """
    names = names or {}
    codes = _normalise_codes(visit_codes)
    planned = _planned_numbers(codes)
    visit = codes.map({c: names.get(c, c) for c in pd.unique(codes.dropna().to_numpy())}).where(planned.notna(), None)
    result = pd.DataFrame({"VISITNUM": planned, "VISIT": visit.astype(object)}, index=visit_codes.index)
    series = compute_unscheduled_series(codes)
    unscheduled = series.notna()
    if not unscheduled.any():
        return result
    if reference is None:
        reference = pd.DataFrame({"USUBJID": usubjid.to_numpy(), "VISIT": codes.to_numpy(), "DTC": visit_dates.to_numpy()})
    numbers = _unscheduled_numbers(
        pd.DataFrame({"USUBJID": usubjid[unscheduled].to_numpy(), "_CODE": codes[unscheduled].to_numpy(),
                      "_SERIES": series[unscheduled].to_numpy(), "_DATE": dtc_date(visit_dates[unscheduled]).to_numpy()},
                     index=visit_codes.index[unscheduled]),
        reference,
    )
    result.loc[numbers.index, "VISITNUM"] = numbers.to_numpy()
    labels = numbers.map({n: f"Unscheduled {n:.2f}" for n in pd.unique(numbers.dropna().to_numpy())}).astype(object)
    result.loc[numbers.index, "VISIT"] = labels.where(labels.notna(), None).to_numpy()
    return result


def compute_code_prefix(codes: pd.Series) -> pd.Series:
    """The series prefix of visit codes (the text before the first ``_``, ``""`` when there is
    none), computed once per distinct code.

    >>> compute_code_prefix(pd.Series(["TA_W006", "C01D01", "TA_W012"], index=[3, 4, 5])).tolist()
    ['TA', '', 'TA']
    """
    distinct = pd.Series(pd.unique(codes.to_numpy()), dtype=object)
    prefixes = distinct.str.extract(r"^([A-Z0-9]+)_", expand=False).fillna("")
    return codes.map(dict(zip(distinct, prefixes)))


def _scheduled_reference(reference: pd.DataFrame) -> pd.DataFrame:
    """Dated planned visits of the reference with their VISITNUM and series prefix."""
    reference = reference.drop_duplicates(["USUBJID", "VISIT", "DTC"])
    codes = _normalise_codes(reference["VISIT"])
    ref = pd.DataFrame({"USUBJID": reference["USUBJID"].to_numpy(), "_REFCODE": codes.to_numpy(),
                        "_REFNUM": _planned_numbers(codes).to_numpy(), "_REFDATE": dtc_date(reference["DTC"]).to_numpy()})
    ref = ref.dropna(subset=["_REFNUM", "_REFDATE"])
    ref["_PREFIX"] = compute_code_prefix(ref["_REFCODE"])
    return ref.drop_duplicates(["USUBJID", "_REFCODE", "_REFDATE"])


def _unscheduled_numbers(unscheduled: pd.DataFrame, reference: pd.DataFrame) -> pd.Series:
    """VISITNUM of unscheduled rows: preceding scheduled visit of the series + 0.01 * rank."""
    # One date per (subject, unscheduled code): the earliest of its rows.
    visits = (unscheduled.dropna(subset=["_DATE"]).groupby(["USUBJID", "_CODE", "_SERIES"], as_index=False)["_DATE"].min())
    ref = _scheduled_reference(reference)
    pairs = visits.merge(ref, on="USUBJID", how="inner")
    in_series = (pairs["_SERIES"] == "") | (pairs["_PREFIX"] == pairs["_SERIES"]) | (pairs["_REFCODE"] == SCREENING_CODE)
    pairs = pairs[in_series & (pairs["_REFDATE"] <= pairs["_DATE"])]
    base = (pairs.sort_values(["USUBJID", "_CODE", "_REFDATE", "_REFNUM"], kind="mergesort")
            .drop_duplicates(["USUBJID", "_CODE"], keep="last")[["USUBJID", "_CODE", "_REFNUM"]])
    visits = visits.merge(base, on=["USUBJID", "_CODE"], how="left")
    visits = visits.sort_values(["USUBJID", "_REFNUM", "_DATE", "_CODE"], kind="mergesort")
    rank = visits.groupby(["USUBJID", "_REFNUM"], dropna=False).cumcount() + 1
    visits["_NUM"] = np.round(visits["_REFNUM"] + 0.01 * rank, 2)
    lookup = visits.set_index(["USUBJID", "_CODE"])["_NUM"]
    keys = pd.MultiIndex.from_arrays([unscheduled["USUBJID"], unscheduled["_CODE"]])
    return pd.Series(lookup.reindex(keys).to_numpy(dtype="float64"), index=unscheduled.index)
