"""ADEX: exposure per study drug (BDS), one record per safety subject per drug received per parameter.

Input: SDTM EX (+ SUPPEX: cycle number, days dosed and missed in a dosing period), ADSL
(SAFFL, DCUTDT) and the drugs' plans (:class:`DrugPlan`, from study.yaml ``arms[].treatments``).
Only administrations (EXDOSE > 0) starting on or before the cut-off count; a dosing period
running past the cut-off is cut there. Spec methods MT.ADEX.* (parameter ``<code><suffix>``,
e.g. ANLCUMD):

| suffix | AVAL                                                                                           |
|--------|------------------------------------------------------------------------------------------------|
| DURD   | AENDT - ASTDT + 1 (days); ASTDT / AENDT = first start / last end (start when no end) (MT.ADEX.DATES, DURD) |
| NCYC   | distinct cycles with a dose (SUPPEX ``cycle_var``, else VISITNUM, else one per record) (MT.ADEX.NCYC) |
| CUMD   | sum of EXDOSE x administrations: days dosed (SUPPEX ``dosed_days_var``, else the period's days) for a daily drug, 1 per record otherwise (MT.ADEX.CUMD) |
| DINT   | CUMD / intended weeks, intended = (start of the last cycle started - ASTDT + cycle length) / 7 (MT.ADEX.DINT) |
| RDI    | 100 x DINT / planned dose per week (dose x dosing days per cycle x 7 / cycle length) (MT.ADEX.RDI) |
| NRED   | records whose dose is below the previous record's (MT.ADEX.NRED)                               |
| NINT   | daily drug: dosing periods with missed days (SUPPEX ``missed_days_var`` > 0) plus gaps between periods of one cycle; other drugs: intervals between administrations longer than cycle length + ``delay_window_days`` (MT.ADEX.NINT) |

PARAM = '<Drug> <description> (<unit>)', PARCAT1 = EXTRT. Which parameters are made is an option
(``paramcds``, e.g. the spec codelist ADEX.PARAMCD: benmelstobart has no NRED).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from adam.adae import compute_drug_codes, derive_vars_supp

ADSL_VARS = ("STUDYID", "SUBJID", "SITEID", "TRT01A", "SAFFL")
ADEX_VARS = ("STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "ASEQ", "PARAMCD", "PARAM", "PARCAT1", "AVAL",
             "ASTDT", "AENDT")
SUFFIXES = ("DURD", "NCYC", "CUMD", "DINT", "RDI", "NRED", "NINT")
_SCHEDULE = re.compile(r"days?\s+(\d+)(?:\s*-\s*(\d+))?\s+of\s+each\s+(\d+)-day\s+cycle", re.IGNORECASE)


@dataclass(frozen=True)
class DrugPlan:
    """The planned regimen of one study drug: ``dose`` (``unit``) per administration, given on
    ``dosing_days`` days of each ``cycle_days``-day cycle."""

    name: str
    code: str
    dose: float
    dosing_days: int
    cycle_days: int
    unit: str = "mg"
    route: str | None = None

    @property
    def planned_per_week(self) -> float:
        """Planned dose intensity per week: dose x dosing days x 7 / cycle length."""
        return self.dose * self.dosing_days * 7 / self.cycle_days

    @property
    def daily(self) -> bool:
        """Dosed on several days of a cycle (EX records are dosing periods, not single administrations)."""
        return self.dosing_days > 1

    @property
    def administration(self) -> str:
        """What one administration is called in PARAM."""
        return "Infusions" if (self.route or "").upper() == "INTRAVENOUS" else "Administrations"


def compute_drug_plans(treatments: Sequence[Mapping]) -> tuple[DrugPlan, ...]:
    """Drug plans from study.yaml ``arms[].treatments`` (name, dose, unit, route, schedule).

    The schedule text gives the dosing days and cycle length: "days 1-14 of each 21-day cycle",
    "day 1 of each 21-day cycle".

    >>> [(p.code, p.dosing_days, p.cycle_days, p.planned_per_week) for p in compute_drug_plans(
    ...     [{"name": "ANLOTINIB", "dose": 12, "schedule": "days 1-14 of each 21-day cycle"},
    ...      {"name": "BENMELSTOBART", "dose": 1200, "schedule": "day 1 of each 21-day cycle, up to 24 months"}])]
    [('ANL', 14, 21, 56.0), ('BEN', 1, 21, 400.0)]
    """
    codes = compute_drug_codes(treatments)
    plans = []
    for code, treatment in zip(codes, treatments, strict=True):
        match = _SCHEDULE.search(str(treatment.get("schedule", "")))
        if match is None:
            raise ValueError(f"schedule of {treatment['name']} not understood: {treatment.get('schedule')!r}")
        first, last, cycle = int(match.group(1)), int(match.group(2) or match.group(1)), int(match.group(3))
        plans.append(DrugPlan(codes[code], code, float(treatment["dose"]), last - first + 1, cycle,
                              str(treatment.get("unit", "mg")), treatment.get("route")))
    return tuple(plans)


def _param_names(plan: DrugPlan) -> dict[str, str]:
    drug = plan.name.title()
    period = plan.daily
    return {
        "DURD": f"{drug} Treatment Duration (Days)",
        "NCYC": f"{drug} Number of Cycles Received" if period else f"{drug} Number of {plan.administration} Received",
        "CUMD": f"{drug} Cumulative Dose ({plan.unit})",
        "DINT": f"{drug} Dose Intensity ({plan.unit}/week)",
        "RDI": f"{drug} Relative Dose Intensity (%)",
        "NRED": f"{drug} Number of Dose Reductions",
        "NINT": f"{drug} Number of Dose Interruptions" if period else f"{drug} Number of Delayed or Omitted {plan.administration}",
    }


def derive_vars_ex_periods(
    ex: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    suppex: pd.DataFrame | None = None,
    cycle_var: str = "EXCYCLE",
    dosed_days_var: str = "EXTKDAYS",
    missed_days_var: str = "EXMSDAYS",
) -> pd.DataFrame:
    """EX administrations (EXDOSE > 0, start on or before ADSL.DCUTDT) with analysis columns.

    Adds ``_start``/``_end`` (dates; end = EXENDTC or EXSTDTC, cut at DCUTDT), ``_cycle`` (SUPPEX
    cycle, else VISITNUM, else the record), ``_days`` (days dosed: SUPPEX ``dosed_days_var`` when
    given, at most the period's days; else the period's days) and ``_missed`` (SUPPEX
    ``missed_days_var``, 0 when absent).
    """
    data = derive_vars_supp(ex, suppex, qnams=[cycle_var, dosed_days_var, missed_days_var])
    data = data.merge(adsl[["USUBJID", "DCUTDT"]].assign(DCUTDT=lambda d: pd.to_datetime(d["DCUTDT"])), on="USUBJID", how="inner")
    data["_start"] = pd.to_datetime(data["EXSTDTC"].astype(str).str[:10], errors="coerce", format="%Y-%m-%d")
    end = pd.to_datetime(data["EXENDTC"].astype(str).str[:10], errors="coerce", format="%Y-%m-%d")
    data["_end"] = end.fillna(data["_start"])
    data["_dose"] = pd.to_numeric(data["EXDOSE"], errors="coerce")
    keep = (data["_dose"] > 0) & data["_start"].notna() & (data["DCUTDT"].isna() | (data["_start"] <= data["DCUTDT"]))
    data = data[keep].copy()
    data["_end"] = data["_end"].where(data["DCUTDT"].isna() | (data["_end"] <= data["DCUTDT"]), data["DCUTDT"])
    span = (data["_end"] - data["_start"]).dt.days + 1
    dosed = pd.to_numeric(data[dosed_days_var], errors="coerce")
    data["_days"] = dosed.where(dosed.isna() | (dosed <= span), span).fillna(span)
    data["_missed"] = pd.to_numeric(data[missed_days_var], errors="coerce").fillna(0)
    cycle = pd.to_numeric(data[cycle_var], errors="coerce")
    if "VISITNUM" in data.columns:
        cycle = cycle.fillna(pd.to_numeric(data["VISITNUM"], errors="coerce"))
    data["_cycle"] = cycle.astype(object).where(cycle.notna(), "record " + data["EXSEQ"].astype(str))
    data["_treatment"] = data["EXTRT"].astype(str).str.strip().str.upper()
    return data.sort_values(["USUBJID", "_treatment", "_start", "EXSEQ"], kind="mergesort").reset_index(drop=True)


def derive_param_exposure(periods: pd.DataFrame, *, plan: DrugPlan, delay_window_days: int = 7) -> pd.DataFrame:
    """The exposure parameters of one drug per subject (module table), from :func:`derive_vars_ex_periods`.

    Returns USUBJID, PARAMCD, PARAM, PARCAT1, AVAL, ASTDT, AENDT.
    """
    rows = periods[periods["_treatment"].eq(plan.name.upper())].copy()
    if rows.empty:
        return pd.DataFrame(columns=["USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVAL", "ASTDT", "AENDT"])
    by_subject = rows.groupby("USUBJID", sort=True)
    administrations = rows["_days"] if plan.daily else pd.Series(1.0, index=rows.index)
    rows["_amount"] = rows["_dose"] * administrations
    summary = by_subject.agg(ASTDT=("_start", "min"), AENDT=("_end", "max"), CUMD=("_amount", "sum"),
                             NCYC=("_cycle", "nunique"))
    last_cycle = rows.assign(_key=rows["_cycle"].astype(str)).sort_values(["USUBJID", "_start"], kind="mergesort")
    last_cycle = last_cycle[last_cycle["_key"].eq(last_cycle.groupby("USUBJID")["_key"].transform("last"))]
    last_start = last_cycle.groupby("USUBJID")["_start"].min()
    summary["DURD"] = (summary["AENDT"] - summary["ASTDT"]).dt.days + 1
    intended_weeks = ((last_start - summary["ASTDT"]).dt.days + plan.cycle_days) / 7
    summary["DINT"] = summary["CUMD"] / intended_weeks
    summary["RDI"] = 100 * summary["DINT"] / plan.planned_per_week
    previous_dose = by_subject["_dose"].shift()
    summary["NRED"] = (rows["_dose"] < previous_dose).groupby(rows["USUBJID"]).sum()
    previous_end = by_subject["_end"].shift()
    previous_start = by_subject["_start"].shift()
    same_cycle = rows["_cycle"].astype(str).eq(by_subject["_cycle"].shift().astype(str))
    if plan.daily:
        gap = same_cycle & ((rows["_start"] - previous_end).dt.days > 1)
        interrupted = gap | (rows["_missed"] > 0)
    else:
        interrupted = (rows["_start"] - previous_start).dt.days > plan.cycle_days + delay_window_days
    summary["NINT"] = interrupted.groupby(rows["USUBJID"]).sum()
    names = _param_names(plan)
    long = summary[list(SUFFIXES)].reset_index().melt(id_vars="USUBJID", var_name="_suffix", value_name="AVAL")
    long = long.merge(summary[["ASTDT", "AENDT"]], left_on="USUBJID", right_index=True)
    long["PARAMCD"] = plan.code + long["_suffix"]
    long["PARAM"] = long["_suffix"].map(names)
    long["PARCAT1"] = plan.name.upper()
    long["AVAL"] = long["AVAL"].astype(float)
    return long[["USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVAL", "ASTDT", "AENDT"]]


def create_adex(
    ex: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    plans: Sequence[DrugPlan],
    suppex: pd.DataFrame | None = None,
    paramcds: Sequence[str] | None = None,
    delay_window_days: int = 7,
) -> pd.DataFrame:
    """The ADEX dataset for the ADSL subjects with SAFFL = 'Y' (MT.ADEX.PARAM).

    ``plans``: :func:`compute_drug_plans` of study.yaml ``arms[].treatments``; ``paramcds``: the
    parameters to keep (all ``<code><suffix>`` by default); ``adsl`` needs USUBJID, SAFFL,
    DCUTDT and the carried STUDYID, SUBJID, SITEID, TRT01A. Sorted by USUBJID, PARCAT1,
    PARAMCD (the spec keys) with ASEQ.
    """
    safety = adsl[adsl["SAFFL"].eq("Y")]
    periods = derive_vars_ex_periods(ex, safety, suppex=suppex)
    parts = [derive_param_exposure(periods, plan=plan, delay_window_days=delay_window_days) for plan in plans]
    parts = [p for p in parts if len(p)]
    adex = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVAL",
                                                                                   "ASTDT", "AENDT"])
    if paramcds is not None:
        adex = adex[adex["PARAMCD"].isin(list(paramcds))]
    carried = [c for c in ADSL_VARS if c in adsl.columns]
    adex = safety[["USUBJID", *carried]].merge(adex, on="USUBJID", how="inner")
    adex = adex.sort_values(["USUBJID", "PARCAT1", "PARAMCD"], kind="mergesort").reset_index(drop=True)
    adex["ASEQ"] = adex.groupby("USUBJID").cumcount() + 1
    adex["AVAL"] = adex["AVAL"].astype(float)
    return adex[[c for c in ADEX_VARS if c in adex.columns]].assign(ASTDT=lambda d: pd.to_datetime(d["ASTDT"]),
                                                                     AENDT=lambda d: pd.to_datetime(d["AENDT"]))
