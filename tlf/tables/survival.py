"""Time-to-event summaries (PFS, OS, DOR) from ADTTE: Kaplan-Meier medians, landmark rates, group tests.

Rules: ADTTE ``AVAL`` is in days (``ADT - STARTDT + 1``); an event is ``CNSR == 0``. The
Kaplan-Meier estimate, the Brookmeyer-Crowley log-log interval of the median and the log-log
pointwise intervals of landmark rates come from :class:`tlf.stats.KaplanMeier` (SAS PROC
LIFETEST conventions), fitted on days; medians and limits are shown in months (days /
``days_per_month``), landmark ``m`` months is day ``m * days_per_month``. Group comparisons: the
log-rank test (:func:`tlf.stats.logrank_test`) and the Cox hazard ratio with Efron ties
(:func:`tlf.stats.cox_hazard_ratio`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tlf.results import BuiltOutput, StatRows
from tlf.stats import CoxResult, KaplanMeier, cox_hazard_ratio, logrank_test
from tlf.tables.common import (
    Settings,
    body_frame,
    fmt_ci,
    fmt_n_pct,
    fmt_number,
    require_columns,
    select_population,
)

ENDPOINT_LABELS = {
    "PFS": "Progression-free survival",
    "OS": "Overall survival",
    "DOR": "Duration of confirmed response",
    "DORU": "Duration of response (confirmation not required)",
}
COLUMNS = ["Section", "Characteristic", "Value"]


def fmt_p(p: float) -> str:
    """A P-value with 3 decimals; ``"<0.001"`` when it rounds to 0.000 (p < 0.0005)."""
    if p is None or not np.isfinite(p):
        return "NE"
    text = fmt_number(p, 3)
    return "<0.001" if text == "0.000" else text


@dataclass
class KmSummary:
    """A fitted curve with its subjects and its summary numbers (months, rates as proportions)."""

    km: KaplanMeier
    data: pd.DataFrame
    n: int
    events: int
    median: float
    lower: float
    upper: float
    landmarks: pd.DataFrame


def endpoint_data(adtte: pd.DataFrame, adsl: pd.DataFrame, paramcd: str, flag: str | None) -> pd.DataFrame:
    """ADTTE records of ``paramcd`` for the subjects of the analysis set: USUBJID, AVAL, CNSR (+ EVNTDESC)."""
    subjects = select_population(adsl, flag)["USUBJID"]
    keep = [c for c in ("USUBJID", "AVAL", "CNSR", "EVNTDESC") if c in adtte.columns]
    data = adtte.loc[(adtte["PARAMCD"] == paramcd) & adtte["USUBJID"].isin(subjects), keep]
    return data.dropna(subset=["AVAL", "CNSR"]).drop_duplicates("USUBJID").reset_index(drop=True)


def summarise_km(
    data: pd.DataFrame,
    stats: StatRows,
    *,
    variable: str,
    settings: Settings,
    group: str = "",
    landmarks: bool = True,
) -> KmSummary | None:
    """Fit Kaplan-Meier on ``data`` (USUBJID, AVAL days, CNSR) and record its statistics.

    Records ``N``; ``n`` and ``pct`` of events (level ``EVENT``), of each kind of event (level
    ``EVENT: <EVNTDESC>``) and of censored subjects (level ``CENSORED``); ``median_months``, ``lcl_months``, ``ucl_months`` and, with ``landmarks``, at each landmark
    ``m``: ``rate_pct``, ``lcl_pct``, ``ucl_pct`` with level ``"m months"``. Returns None (and
    records only ``N = 0``) when there are no subjects.
    """
    ids = data["USUBJID"]
    stats.add(variable, "N", len(data), subjects=ids, group=group)
    if data.empty:
        return None
    event = data["CNSR"].to_numpy() == 0
    for level, hit in (("EVENT", event), ("CENSORED", ~event)):
        stats.add(variable, "n", int(hit.sum()), subjects=ids[hit], level=level, group=group)
        stats.add(variable, "pct", 100 * hit.sum() / len(data), subjects=ids[hit], level=level, group=group)
    if "EVNTDESC" in data.columns:
        kinds = data["EVNTDESC"].where(event)
        for kind in sorted(kinds.dropna().unique()):
            hit = kinds.eq(kind).to_numpy()
            stats.add(variable, "n", int(hit.sum()), subjects=ids[hit], level=f"EVENT: {kind}", group=group)
            stats.add(variable, "pct", 100 * hit.sum() / len(data), subjects=ids[hit], level=f"EVENT: {kind}",
                      group=group)
    km = KaplanMeier(level=settings.ci_level).fit(data["AVAL"].to_numpy(dtype=float), event)
    dpm = settings.days_per_month
    median, (lower, upper) = km.median_ / dpm, (km.median_ci_[0] / dpm, km.median_ci_[1] / dpm)
    for name, value in (("median_months", median), ("lcl_months", lower), ("ucl_months", upper)):
        stats.add(variable, name, value, subjects=ids, group=group)
    rates = pd.DataFrame()
    if landmarks:
        months = np.asarray(settings.landmark_months, dtype=float)
        rates = km.survival_at(months * dpm).assign(months=months)
        for row in rates.itertuples():
            level = f"{row.months:g} months"
            for name, value in (("rate_pct", row.survival), ("lcl_pct", row.lower), ("ucl_pct", row.upper)):
                stats.add(variable, name, 100 * value, subjects=ids, level=level, group=group)
    return KmSummary(km, data, len(data), int(event.sum()), median, lower, upper, rates)


def _km_rows(section: str, summary: KmSummary | None, data: pd.DataFrame, settings: Settings) -> list[dict]:
    rows = [{"Section": section, "Characteristic": "Subjects, n", "Value": str(len(data))}]
    if summary is None:
        return rows
    rows.append({"Section": section, "Characteristic": "Events, n (%)", "Value": fmt_n_pct(summary.events, summary.n)})
    if "EVNTDESC" in data.columns:
        kinds = data.loc[data["CNSR"] == 0, "EVNTDESC"].value_counts().sort_index()
        rows += [{"Section": section, "Characteristic": f"  {kind}", "Value": fmt_n_pct(int(k), summary.n)}
                 for kind, k in kinds.items()]
    rows.append({"Section": section, "Characteristic": "Censored, n (%)",
                 "Value": fmt_n_pct(summary.n - summary.events, summary.n)})
    rows.append({"Section": section, "Characteristic": f"Median, months ({settings.ci_pct}% CI)",
                 "Value": f"{fmt_number(summary.median, 2)} {fmt_ci(summary.lower, summary.upper, 2)}"})
    for row in summary.landmarks.itertuples():
        rows.append({"Section": section, "Characteristic": f"{row.months:g}-month rate, % ({settings.ci_pct}% CI)",
                     "Value": f"{fmt_number(100 * row.survival, 1)} "
                              f"{fmt_ci(100 * row.lower, 100 * row.upper, 1)}"})
    return rows


def build_km_summary_table(
    adsl: pd.DataFrame, adtte: pd.DataFrame, *, settings: Settings, endpoints: Sequence[str] = ("PFS", "OS")
) -> BuiltOutput:
    """Summary of PFS and OS: events by kind, censored, KM median with CI, landmark rates with CIs.

    Parameters
    ----------
    adsl : pandas.DataFrame
        USUBJID and the population flag of ``settings``.
    adtte : pandas.DataFrame
        USUBJID, PARAMCD, AVAL (days), CNSR, EVNTDESC.
    settings : Settings
    endpoints : sequence of str
        ADTTE PARAMCDs, one section each.

    Returns
    -------
    BuiltOutput
        Body columns Section (page_by), Characteristic, Value; statistics of
        :func:`summarise_km` per endpoint; context ``n`` (analysis set).
    """
    stats, rows = StatRows(), []
    population = select_population(adsl, settings.population)
    stats.add("POPULATION", "N", len(population), subjects=population["USUBJID"])
    for paramcd in endpoints:
        data = endpoint_data(adtte, adsl, paramcd, settings.population)
        summary = summarise_km(data, stats, variable=paramcd, settings=settings)
        rows += _km_rows(ENDPOINT_LABELS.get(paramcd, paramcd), summary, data, settings)
    return BuiltOutput(stats=stats.frame(), context={"n": len(population)}, body=body_frame(rows, COLUMNS),
                       layout={"page_by": "Section"})


def compare_groups(
    data: pd.DataFrame, stats: StatRows, *, variable: str, group_var: str, reference: str, settings: Settings
) -> tuple[float, CoxResult | None]:
    """Log-rank P and Cox HR (non-reference vs ``reference``) of ``data`` (USUBJID, AVAL, CNSR, group column).

    Records ``p_value`` (level ``LOGRANK``) and ``hr``, ``lcl``, ``ucl``, ``p_value`` (level
    ``COX``) with GROUP ``"<group_var>"``; returns (nan, None) with fewer than two groups.
    """
    if data[group_var].nunique() < 2:
        return np.nan, None
    ids = data["USUBJID"]
    event = data["CNSR"].to_numpy() == 0
    times, labels = data["AVAL"].to_numpy(dtype=float), data[group_var].to_numpy()
    p = logrank_test(times, event, labels).p_value
    stats.add(variable, "p_value", p, subjects=ids, level="LOGRANK", group=group_var)
    cox = _cox(times, event, labels != reference, settings.ci_level)
    values = (np.nan,) * 4 if cox is None else (cox.hr, cox.lower, cox.upper, cox.p_value)
    for name, value in zip(("hr", "lcl", "ucl", "p_value"), values):
        stats.add(variable, name, value, subjects=ids, level="COX", group=group_var)
    return p, cox


def _cox(times: np.ndarray, event: np.ndarray, exposed: np.ndarray, level: float) -> CoxResult | None:
    """The Cox HR of ``exposed`` vs not, or None when not estimable.

    Not estimable: a group without events (the partial likelihood has no finite maximum,
    "monotone likelihood"), or a fit that does not converge; SAS PROC PHREG warns and R
    ``coxph`` returns an infinite estimate in the same situations.
    """
    if not (event & exposed).any() or not (event & ~exposed).any():
        return None
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            cox = cox_hazard_ratio(times, event, exposed, reference=False, level=level)
        except (ConvergenceError, ConvergenceWarning):
            return None
    return cox if np.isfinite([cox.hr, cox.lower, cox.upper]).all() else None


def build_km_by_group_table(
    adsl: pd.DataFrame,
    adtte: pd.DataFrame,
    *,
    settings: Settings,
    group_var: str = "SIGGR1",
    groups: Sequence[str] = ("Signature positive", "Signature negative"),
    endpoints: Sequence[str] = ("PFS", "OS"),
) -> BuiltOutput:
    """PFS and OS by group: events, KM median (CI), Cox HR (CI) of the first group vs the last, log-rank P.

    The reference group of the hazard ratio is the last of ``groups``. Subjects: the analysis set
    of ``settings`` with a non-missing ``group_var``. Body columns: Section (page_by),
    Characteristic, one column per group. Context: ``n`` and ``n_group`` (group -> N).
    """
    require_columns(adsl, "ADSL", [group_var])
    population = select_population(adsl, settings.population)
    population = population[population[group_var].isin(groups)]
    stats, rows = StatRows(), []
    n_group = {g: int((population[group_var] == g).sum()) for g in groups}
    for g in groups:
        stats.add("POPULATION", "N", n_group[g], subjects=population.loc[population[group_var] == g, "USUBJID"],
                  group=f"{group_var}={g}")
    columns = ["Section", "Characteristic", *groups]
    for paramcd in endpoints:
        section = ENDPOINT_LABELS.get(paramcd, paramcd)
        data = endpoint_data(adtte, population, paramcd, None).merge(population[["USUBJID", group_var]], on="USUBJID")
        events, medians = {"Characteristic": "Events, n (%)"}, {"Characteristic": f"Median, months ({settings.ci_pct}% CI)"}
        for g in groups:
            summary = summarise_km(data[data[group_var] == g].reset_index(drop=True), stats, variable=paramcd,
                                   settings=settings, group=f"{group_var}={g}", landmarks=False)
            events[g] = "-" if summary is None else fmt_n_pct(summary.events, summary.n)
            medians[g] = "-" if summary is None else f"{fmt_number(summary.median, 2)} {fmt_ci(summary.lower, summary.upper, 2)}"
        p, cox = compare_groups(data, stats, variable=paramcd, group_var=group_var, reference=groups[-1],
                                settings=settings)
        hr = {"Characteristic": f"Hazard ratio ({settings.ci_pct}% CI), Cox", groups[-1]: "1 (reference)"}
        hr[groups[0]] = "NE" if cox is None else f"{fmt_number(cox.hr, 2)} {fmt_ci(cox.lower, cox.upper, 2)}"
        test = {"Characteristic": "Log-rank P", groups[0]: fmt_p(p)}
        rows += [{"Section": section, **row} for row in (events, medians, hr, test)]
    return BuiltOutput(stats=stats.frame(), context={"n": len(population), "n_group": n_group},
                       body=body_frame(rows, columns), layout={"page_by": "Section"})
