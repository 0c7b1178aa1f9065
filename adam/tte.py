"""Time-to-event parameters (ADTTE) from event and censoring sources, with the FDA censoring rules.

The endpoint is data, as in admiralonco: a list of event sources (``CNSR = 0``) and censoring
sources (``CNSR > 0``), each a small :class:`TteSource` naming a dataset, a filter, a date and the
descriptions to carry. :func:`derive_param_tte` then applies, per subject:

| situation (FDA Guidance for Industry, Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics, 2018, Table 2-3) | ADT                                   | CNSR                  |
|----------------------------------------------------------|-------------------------------------------|-----------------------|
| records after the data cut-off                            | ignored                                   |                       |
| new anticancer therapy started (``new_therapy``) before any event | sources after its start ignored; the last adequate assessment on or before it (start date if none) | ``new_therapy.censor`` |
| progression or death documented                            | earliest event date                        | 0                     |
| event after two or more missed scheduled assessments (:meth:`MissedAssessments.threshold`) | last adequate assessment before the event | ``missed.censor`` |
| no event                                                   | latest censoring date (last adequate assessment; start date when none) | censor source's code |

``AVAL = ADT - STARTDT + 1`` (days): an event on the start day has AVAL 1 (ADaMIG 1.3 BDS-TTE;
the +1 convention makes the start day day 1, as --DY does). Subjects without a start date
(e.g. non-responders for duration of response) get no record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

TTE_COLUMNS = ["USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]


@dataclass(frozen=True)
class TteSource:
    """A candidate event (``censor == 0``) or censoring (``censor > 0``) date.

    ``description`` becomes EVNTDESC (for events and censorings alike, as ADaMIG's BDS-TTE
    allows), ``date_description`` CNSDTDSC (censorings only). ``where`` holds conditions
    (variable, value) on ``dataset``: equality, or membership when the value is a tuple;
    ``srcseq`` names the
    column whose value becomes SRCSEQ (e.g. ASEQ); ``srcdom``/``srcvar`` default to the dataset
    name and the date variable.
    """

    name: str
    dataset: str
    date: str
    censor: int
    description: str
    date_description: str | None = None
    where: tuple[tuple[str, str], ...] = ()
    srcdom: str | None = None
    srcvar: str | None = None
    srcseq: str | None = None


@dataclass(frozen=True)
class NewTherapy:
    """FDA rule: new anticancer therapy before an event censors at the last adequate assessment
    on or before its start. ``date`` names the ADSL variable holding the start date."""

    date: str
    censor: int
    description: str
    date_description: str | None = None


@dataclass(frozen=True)
class MissedAssessments:
    """FDA rule: an event after two or more missed scheduled assessments is censored.

    The schedule is in weeks from the start date: every ``early_interval_weeks`` until
    ``early_until_week``, then every ``late_interval_weeks``; ``window_days`` is the visit
    window. Assessments named by ``adequate`` (a censoring source) are the adequate ones.
    """

    adequate: str
    censor: int
    description: str
    date_description: str | None
    early_interval_weeks: int
    early_until_week: int
    late_interval_weeks: int
    window_days: int

    def scheduled_days(self, horizon_days: int) -> np.ndarray:
        """Scheduled assessment days (days after the start date), up to ``horizon_days``."""
        early = np.arange(self.early_interval_weeks, self.early_until_week + 1, self.early_interval_weeks) * 7
        late_start = self.early_until_week + self.late_interval_weeks
        late = np.arange(late_start, late_start + horizon_days // 7 + self.late_interval_weeks, self.late_interval_weeks) * 7
        return np.concatenate([early, late]).astype("int64")

    def threshold(self, last_offset: np.ndarray) -> np.ndarray:
        """Latest event offset (days after start) that is not "after two or more missed assessments".

        With ``L`` the last adequate assessment's offset and ``k`` the scheduled assessment
        nearest to it (``k = 0`` is the start), an event later than
        ``L + 2 x (days from scheduled assessment k to k + 1) + window_days`` comes after two or
        more missed assessments (FDA 2018 guidance, PFS censoring table; the study's ADaM spec
        method MT.ADTTE.CNSR). Before week 18 that is 2 x 42 + 7 = 91 days, from week 18 on
        2 x 63 + 7 = 133 days.
        """
        last_offset = np.asarray(last_offset, dtype="float64")
        days = np.concatenate([[0], self.scheduled_days(int(np.nanmax(last_offset, initial=0)) + 400)])
        nearest = np.abs(days[None, :] - last_offset[:, None]).argmin(axis=1)
        interval = days[np.minimum(nearest + 1, len(days) - 1)] - days[nearest]
        return last_offset + 2 * interval + self.window_days


def _candidates(sources: Mapping[str, pd.DataFrame], items: Sequence[TteSource]) -> pd.DataFrame:
    frames = []
    for item in items:
        data = sources[item.dataset]
        mask = pd.Series(True, index=data.index)
        for variable, value in item.where:
            column = data[variable].astype(object)
            mask &= column.isin(value) if isinstance(value, (tuple, list, frozenset)) else column.eq(value)
        chosen = data.loc[mask & data[item.date].notna()]
        frames.append(
            pd.DataFrame(
                {
                    "USUBJID": chosen["USUBJID"].to_numpy(),
                    "ADT": pd.to_datetime(chosen[item.date]).to_numpy(),
                    "CNSR": item.censor,
                    "DESC": item.description,
                    "DATEDESC": item.date_description,
                    "SOURCE": item.name,
                    "SRCDOM": item.srcdom or item.dataset,
                    "SRCVAR": item.srcvar or item.date,
                    "SRCSEQ": chosen[item.srcseq].to_numpy(dtype=float) if item.srcseq else np.nan,
                }
            )
        )
    columns = ["USUBJID", "ADT", "CNSR", "DESC", "DATEDESC", "SOURCE", "SRCDOM", "SRCVAR", "SRCSEQ"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def derive_param_tte(
    adsl: pd.DataFrame,
    *,
    sources: Mapping[str, pd.DataFrame],
    start_date: str,
    events: Sequence[TteSource],
    censors: Sequence[TteSource],
    paramcd: str,
    param: str,
    cutoff: dt.date | None = None,
    new_therapy: NewTherapy | None = None,
    missed: MissedAssessments | None = None,
) -> pd.DataFrame:
    """One TTE record per subject of ``adsl`` with a start date (rules in the module docstring).

    Required columns: ``USUBJID``, ``start_date`` (and ``new_therapy_date`` if given) in
    ``adsl``; ``USUBJID`` and each source's date/filter/srcseq columns in its dataset.
    """
    new_therapy_date = new_therapy.date if new_therapy else None
    base = adsl[["USUBJID", start_date] + ([new_therapy_date] if new_therapy_date else [])].copy()
    base["STARTDT"] = pd.to_datetime(base[start_date])
    base = base[base["STARTDT"].notna()]
    candidates = _candidates(sources, list(events) + list(censors)).merge(base, on="USUBJID", how="inner")
    keep = candidates["ADT"] >= candidates["STARTDT"]
    if cutoff is not None:
        keep &= candidates["ADT"] <= pd.Timestamp(cutoff)
    if new_therapy_date:
        therapy = pd.to_datetime(candidates[new_therapy_date])
        keep &= therapy.isna() | (candidates["ADT"] <= therapy)
    candidates = candidates[keep]

    is_event = candidates["CNSR"] == 0
    first_event = candidates[is_event].sort_values(["USUBJID", "ADT", "SOURCE"], kind="mergesort").drop_duplicates("USUBJID")
    last_censor = candidates[~is_event].sort_values(["USUBJID", "ADT", "CNSR"], kind="mergesort").drop_duplicates("USUBJID", keep="last")

    if missed is not None and not first_event.empty:
        first_event = _apply_missed_rule(first_event, candidates, missed, start_date=start_date)

    censored = last_censor[~last_censor["USUBJID"].isin(first_event["USUBJID"])].copy()
    if new_therapy is not None and not censored.empty:
        therapy = pd.to_datetime(censored[new_therapy_date])
        started = therapy.notna()
        if cutoff is not None:
            started &= therapy <= pd.Timestamp(cutoff)
        censored.loc[started, "CNSR"] = new_therapy.censor
        censored.loc[started, "DESC"] = new_therapy.description
        censored.loc[started, "DATEDESC"] = new_therapy.date_description
    chosen = pd.concat([first_event, censored], ignore_index=True)
    result = base[["USUBJID", "STARTDT"]].merge(chosen.drop(columns=["STARTDT"]), on="USUBJID", how="inner")
    result["AVAL"] = (result["ADT"] - result["STARTDT"]).dt.days + 1
    result["EVNTDESC"] = result["DESC"]
    result["CNSDTDSC"] = result["DATEDESC"].where(result["CNSR"] > 0)
    result["PARAMCD"] = paramcd
    result["PARAM"] = param
    result["CNSR"] = result["CNSR"].astype("int64")
    return result[TTE_COLUMNS].reset_index(drop=True)


def _apply_missed_rule(first_event: pd.DataFrame, candidates: pd.DataFrame, missed: MissedAssessments, *, start_date: str) -> pd.DataFrame:
    """Replace events after two or more missed assessments by a censoring at the last adequate one
    (at the start date, from ADSL, when there was no adequate assessment)."""
    adequate = candidates[candidates["SOURCE"] == missed.adequate][["USUBJID", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ"]]
    merged = first_event.merge(adequate, on="USUBJID", how="left", suffixes=("", "_lasta"))
    merged = merged[merged["ADT_lasta"].isna() | (merged["ADT_lasta"] < merged["ADT"])]
    last = merged.sort_values(["USUBJID", "ADT_lasta"], kind="mergesort", na_position="first").drop_duplicates("USUBJID", keep="last")
    event = first_event.set_index("USUBJID")
    last = last.set_index("USUBJID").reindex(event.index)
    reference = last["ADT_lasta"].fillna(event["STARTDT"])
    offset = (reference - event["STARTDT"]).dt.days.to_numpy()
    limit = missed.threshold(offset)
    late = (event["ADT"] - event["STARTDT"]).dt.days.to_numpy() > limit
    if not late.any():
        return first_event
    event = event.copy()
    late_index = event.index[late]
    has_last = last.loc[late_index, "ADT_lasta"].notna()
    event.loc[late_index, "ADT"] = reference.loc[late_index]
    event.loc[late_index, "CNSR"] = missed.censor
    event.loc[late_index, "DESC"] = missed.description
    event.loc[late_index, "DATEDESC"] = missed.date_description
    event.loc[late_index, "SOURCE"] = missed.adequate
    event.loc[late_index, "SRCDOM"] = np.where(has_last, last.loc[late_index, "SRCDOM_lasta"], "ADSL")
    event.loc[late_index, "SRCVAR"] = np.where(has_last, last.loc[late_index, "SRCVAR_lasta"], start_date)
    event.loc[late_index, "SRCSEQ"] = np.where(has_last, last.loc[late_index, "SRCSEQ_lasta"], np.nan)
    return event.reset_index()
