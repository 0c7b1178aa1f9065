"""Tumour response table: best overall response, ORR and DCR with exact CIs, time to and duration of response.

Sources (ADaM spec methods MT.ADRS.* and MT.ADTTE.*): ADRS subject-level parameters
``CBOR``/``BOR`` (best overall response with / without confirmation), ``CRSP``/``RSP``
(objective response, ``AVALC == "Y"``) and ``CCB``/``CB`` (disease control: CR, PR, or SD for
at least ``sd_min_days``); ADTTE ``TTR`` (days from first dose to the first assessment of the
confirmed response) and ``DOR`` (duration of confirmed response). Denominator: every subject of
the analysis set (ADSL flag, EFFFL in the catalogue); a subject of the set without the ADRS
parameter is counted under "Missing" and as a non-responder. Rates carry exact Clopper-Pearson
CIs (:func:`tlf.stats.clopper_pearson_ci`; SAS PROC FREQ ``BINOMIAL(EXACT)``). Time to
response: median and range among confirmed responders; duration of response: Kaplan-Meier
median with the Brookmeyer-Crowley log-log CI (:mod:`tlf.tables.survival`).
"""

from __future__ import annotations

import pandas as pd

from tlf.results import BuiltOutput, StatRows
from tlf.stats import clopper_pearson_ci
from tlf.tables.common import (
    Settings,
    body_frame,
    fmt_ci,
    fmt_median_range,
    fmt_n_pct,
    fmt_number,
    select_population,
)
from tlf.tables.survival import endpoint_data, summarise_km

RESPONSES = {
    "CR": "Complete response (CR)",
    "PR": "Partial response (PR)",
    "SD": "Stable disease (SD)",
    "NON-CR/NON-PD": "Non-CR/non-PD",
    "PD": "Progressive disease (PD)",
    "NE": "Not evaluable (NE)",
}
"""BOR categories in display order (ADaM codelist ONCRSR); NON-CR/NON-PD shows only when it occurs."""
COLUMNS = ["Section", "Characteristic", "Value"]


def subject_values(adrs: pd.DataFrame, paramcd: str, subjects: pd.Series) -> pd.Series:
    """AVALC of ``paramcd`` per subject of ``subjects`` (index USUBJID; missing where ADRS has none)."""
    records = adrs.loc[adrs["PARAMCD"] == paramcd, ["USUBJID", "AVALC"]].drop_duplicates("USUBJID")
    return pd.Series(subjects.to_numpy(), index=subjects.to_numpy()).map(records.set_index("USUBJID")["AVALC"])


def summarise_rate(
    stats: StatRows,
    values: pd.Series,
    *,
    variable: str,
    settings: Settings,
    level: str = "Y",
    group: str = "",
) -> dict[str, float]:
    """Count ``values == level`` among all of ``values`` (index USUBJID), with the exact CI.

    Records ``N``, ``n``, ``pct``, ``lcl_pct``, ``ucl_pct`` (CI in percent) and returns them;
    with ``N == 0`` only ``N`` and ``n`` are recorded.
    """
    hit = values.eq(level).to_numpy()
    ids = values.index.to_series()
    total, n = len(values), int(hit.sum())
    stats.add(variable, "N", total, subjects=ids, level=level, group=group)
    stats.add(variable, "n", n, subjects=ids[hit], level=level, group=group)
    out = {"N": total, "n": n}
    if total:
        lower, upper = clopper_pearson_ci(n, total, level=settings.ci_level)
        out.update(pct=100 * n / total, lcl_pct=100 * lower, ucl_pct=100 * upper)
        for name in ("pct", "lcl_pct", "ucl_pct"):
            stats.add(variable, name, out[name], subjects=ids if name != "pct" else ids[hit], level=level, group=group)
    return out


def fmt_rate(rate: dict[str, float]) -> tuple[str, str]:
    """``("26 (56.5)", "(41.1, 71.1)")`` from :func:`summarise_rate`'s result."""
    if not rate["N"]:
        return "0", "-"
    return fmt_n_pct(rate["n"], rate["N"]), fmt_ci(rate["lcl_pct"], rate["ucl_pct"], 1)


def bor_rows(stats: StatRows, values: pd.Series, *, variable: str, section: str, group: str = "") -> list[dict]:
    """Rows ``n (%)`` per BOR category of ``values`` (index USUBJID), recording ``n`` and ``pct`` per level."""
    rows, total = [], len(values)
    ids = values.index.to_series()
    categories = [c for c in RESPONSES if c != "NON-CR/NON-PD" or values.eq(c).any()]
    labels = {**RESPONSES, "Missing": "Missing"}
    if values.isna().any():
        categories.append("Missing")
    for category in categories:
        hit = (values.isna() if category == "Missing" else values.eq(category)).to_numpy()
        n = int(hit.sum())
        stats.add(variable, "n", n, subjects=ids[hit], level=category, group=group)
        if total:
            stats.add(variable, "pct", 100 * n / total, subjects=ids[hit], level=category, group=group)
        rows.append({"Section": section, "Characteristic": labels[category], "Value": fmt_n_pct(n, total)})
    return rows


def _rate_rows(section: str, label: str, rate: dict[str, float], settings: Settings) -> list[dict]:
    count, ci = fmt_rate(rate)
    return [
        {"Section": section, "Characteristic": f"{label}, n (%)", "Value": count},
        {"Section": section, "Characteristic": f"  {settings.ci_pct}% CI (exact)", "Value": ci},
    ]


def _response_section(
    stats: StatRows, adrs: pd.DataFrame, ids: pd.Series, settings: Settings, *, confirmed: bool
) -> list[dict]:
    bor, rsp, cb = ("CBOR", "CRSP", "CCB") if confirmed else ("BOR", "RSP", "CB")
    section = f"Best overall response, {'confirmed' if confirmed else 'confirmation not required'} (RECIST 1.1)"
    rows = bor_rows(stats, subject_values(adrs, bor, ids), variable=bor, section=section)
    responders = subject_values(adrs, rsp, ids)
    control = subject_values(adrs, cb, ids)
    rows += _rate_rows(section, "Objective response rate (CR + PR)",
                       summarise_rate(stats, responders, variable=rsp, settings=settings), settings)
    rows += _rate_rows(section, "Disease control rate (CR + PR + SD)",
                       summarise_rate(stats, control, variable=cb, settings=settings), settings)
    return rows


def _timing_rows(stats: StatRows, adsl: pd.DataFrame, adtte: pd.DataFrame, settings: Settings) -> list[dict]:
    section = "Time to and duration of confirmed response"
    dpm = settings.days_per_month
    ttr = endpoint_data(adtte, adsl, "TTR", settings.population)
    months = ttr["AVAL"].astype(float) / dpm
    stats.add("TTR", "n", len(ttr), subjects=ttr["USUBJID"])
    if len(ttr):
        for name, value in (("median_months", months.median()), ("min_months", months.min()),
                            ("max_months", months.max())):
            stats.add("TTR", name, value, subjects=ttr["USUBJID"])
    rows = [
        {"Section": section, "Characteristic": "Time to response, months: n", "Value": str(len(ttr))},
        {"Section": section, "Characteristic": "  Median (range)", "Value": fmt_median_range(months, 2)},
    ]
    dor = endpoint_data(adtte, adsl, "DOR", settings.population)
    summary = summarise_km(dor, stats, variable="DOR", settings=settings, landmarks=False)
    rows.append({"Section": section, "Characteristic": "Duration of response: responders, n", "Value": str(len(dor))})
    if summary is not None:
        rows += [
            {"Section": section, "Characteristic": "  Events (progression or death), n (%)",
             "Value": fmt_n_pct(summary.events, summary.n)},
            {"Section": section, "Characteristic": f"  Median, months ({settings.ci_pct}% CI)",
             "Value": f"{fmt_number(summary.median, 2)} {fmt_ci(summary.lower, summary.upper, 2)}"},
        ]
    return rows


def build_response_table(
    adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame, *, settings: Settings
) -> BuiltOutput:
    """The tumour response table (rules in the module docstring).

    Parameters
    ----------
    adsl : pandas.DataFrame
        USUBJID and the population flag of ``settings``.
    adrs : pandas.DataFrame
        USUBJID, PARAMCD, AVALC (parameters CBOR, CRSP, CCB, BOR, RSP, CB).
    adtte : pandas.DataFrame
        USUBJID, PARAMCD, AVAL (days), CNSR (parameters TTR, DOR).
    settings : Settings

    Returns
    -------
    BuiltOutput
        Body columns Section (page_by), Characteristic, Value. Statistics: ``POPULATION N``;
        per BOR parameter ``n``/``pct`` by level; per rate parameter (CRSP, CCB, RSP, CB, level
        ``Y``) ``N``, ``n``, ``pct``, ``lcl_pct``, ``ucl_pct``; TTR ``n``, ``median_months``,
        ``min_months``, ``max_months``; DOR as :func:`~tlf.tables.survival.summarise_km`.
        Context ``n``.

    Examples
    --------
    With 10 subjects of whom 4 have a confirmed response, ``CRSP pct`` is 40.0 and its 95% CI
    12.2-73.8 (``binom.test(4, 10)`` in R).
    """
    population = select_population(adsl, settings.population)
    ids = population["USUBJID"]
    stats = StatRows()
    stats.add("POPULATION", "N", len(population), subjects=ids)
    rows = _response_section(stats, adrs, ids, settings, confirmed=True)
    rows += _response_section(stats, adrs, ids, settings, confirmed=False)
    rows += _timing_rows(stats, population, adtte, settings)
    return BuiltOutput(stats=stats.frame(), context={"n": len(population)}, body=body_frame(rows, COLUMNS),
                       layout={"page_by": "Section"})
