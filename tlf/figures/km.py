"""Kaplan-Meier figures: PFS and OS, overall and by signature group, with numbers at risk.

Each curve is the product-limit estimate of :class:`tlf.stats.KaplanMeier` (fitted on ADTTE
``AVAL`` days, drawn in months = days / ``days_per_month``) as a right-continuous step
function starting at S(0) = 1, with a ``+`` at every censored time. Numbers at risk under the
axis at each x tick ``t``: subjects with ``AVAL >= t`` days (still under observation just
before ``t``). The overall figure states the median with its Brookmeyer-Crowley log-log CI
and the landmark rates with log-log CIs; the group figure states each group's median, the
log-rank P and the Cox hazard ratio with its CI (reference: the last group). The numbers
come from :mod:`tlf.tables.survival`, so figure and tables agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tlf.figures.common import GROUP_COLOURS, new_figure, style
from tlf.results import BuiltOutput, StatRows
from tlf.tables.common import Settings, fmt_ci, fmt_number, require_columns, select_population
from tlf.tables.survival import ENDPOINT_LABELS, KmSummary, compare_groups, endpoint_data, fmt_p, summarise_km

TICK_MONTHS = 3


def _ticks(max_months: float) -> np.ndarray:
    return np.arange(0, max(max_months, TICK_MONTHS) + TICK_MONTHS, TICK_MONTHS, dtype=float)


def _draw_curve(ax, summary: KmSummary, dpm: float, colour: str, label: str) -> None:
    table = summary.km.table_
    times = np.concatenate(([0.0], table["time"].to_numpy() / dpm))
    surv = np.concatenate(([1.0], table["survival"].to_numpy()))
    ax.step(times, 100 * surv, where="post", color=colour, linewidth=1.3, label=label)
    censored = table["n_censor"].to_numpy() > 0
    ax.plot(table["time"].to_numpy()[censored] / dpm, 100 * table["survival"].to_numpy()[censored],
            linestyle="none", marker="+", markersize=6, markeredgewidth=1.0, color=colour)


def at_risk(durations_days: np.ndarray, ticks_months: np.ndarray, dpm: float) -> np.ndarray:
    """Subjects still at risk at each tick: ``AVAL >= t`` in days (counts as integers)."""
    return (durations_days[None, :] >= (ticks_months * dpm)[:, None]).sum(axis=1)


def _risk_table(ax, rows: Sequence[tuple[str, np.ndarray, str]], ticks: np.ndarray) -> None:
    ax.set_xlim(ticks[0], ticks[-1])
    ax.set_ylim(-0.5, len(rows) - 0.5)
    for i, (label, counts, colour) in enumerate(rows):
        y = len(rows) - 1 - i
        for t, n in zip(ticks, counts):
            ax.text(t, y, str(n), ha="center", va="center", fontsize=7, color=colour)
        ax.text(-0.02, y, label, ha="right", va="center", fontsize=7, color=colour, transform=ax.get_yaxis_transform())
    ax.set_title("Number at risk", loc="left", fontsize=7)
    ax.axis("off")


def _axes(figure, rows: int = 1):
    grid = figure.add_gridspec(2, 1, height_ratios=(5.0, 0.35 + 0.3 * rows), hspace=0.3, left=0.15, right=0.97,
                               top=0.97, bottom=0.03)
    return figure.add_subplot(grid[0]), figure.add_subplot(grid[1])


def _record_at_risk(stats: StatRows, variable: str, data: pd.DataFrame, ticks: np.ndarray, dpm: float, group: str):
    days = data["AVAL"].to_numpy(dtype=float)
    counts = at_risk(days, ticks, dpm)
    for t, n in zip(ticks, counts):
        stats.add(variable, "n_at_risk", int(n), subjects=data.loc[days >= t * dpm, "USUBJID"],
                  level=f"{t:g} months", group=group)
    return counts


def build_km_figure(adsl: pd.DataFrame, adtte: pd.DataFrame, *, settings: Settings, paramcd: str = "PFS") -> BuiltOutput:
    """Kaplan-Meier curve of one ADTTE parameter for the analysis set.

    Returns
    -------
    BuiltOutput
        The figure; statistics of :func:`~tlf.tables.survival.summarise_km` plus ``n_at_risk``
        per tick; context ``n``.
    """
    data = endpoint_data(adtte, adsl, paramcd, settings.population)
    stats = StatRows()
    dpm = settings.days_per_month
    with style():
        figure = new_figure()
        ax, risk_ax = _axes(figure)
        summary = summarise_km(data, stats, variable=paramcd, settings=settings)
        ticks = _ticks(data["AVAL"].max() / dpm if len(data) else 0)
        label = ENDPOINT_LABELS.get(paramcd, paramcd)
        if summary is not None:
            _draw_curve(ax, summary, dpm, GROUP_COLOURS[1], f"All subjects (N={summary.n})")
            median = (f"Median {fmt_number(summary.median, 2)} months ({settings.ci_pct}% CI "
                      f"{fmt_number(summary.lower, 2)}-{fmt_number(summary.upper, 2)})")
            lines = [median, f"Events {summary.events}/{summary.n}"]
            lines += [f"{row.months:g}-month rate {fmt_number(100 * row.survival, 1)}% "
                      f"{fmt_ci(100 * row.lower, 100 * row.upper, 1)}" for row in summary.landmarks.itertuples()]
            ax.text(0.98, 0.97, "\n".join(lines), transform=ax.transAxes, ha="right", va="top", fontsize=7,
                    bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#999999"})
            counts = _record_at_risk(stats, paramcd, data, ticks, dpm, "")
            _risk_table(risk_ax, [("All subjects", counts, GROUP_COLOURS[1])], ticks)
        ax.axhline(50, color="#bbbbbb", linewidth=0.6, linestyle="--")
        _finish(ax, ticks, f"{label} (%)")
    return BuiltOutput(stats=stats.frame(), context={"n": len(data)}, figure=figure)


def _finish(ax, ticks: np.ndarray, ylabel: str) -> None:
    ax.set_xlim(ticks[0], ticks[-1])
    ax.set_xticks(ticks)
    ax.set_ylim(0, 102)
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower left", frameon=False)


def build_km_by_group_figure(
    adsl: pd.DataFrame,
    adtte: pd.DataFrame,
    *,
    settings: Settings,
    paramcd: str = "PFS",
    group_var: str = "SIGGR1",
    groups: Sequence[str] = ("Signature positive", "Signature negative"),
) -> BuiltOutput:
    """Kaplan-Meier curves of one parameter by group, with log-rank P and Cox HR (last group = reference).

    Returns
    -------
    BuiltOutput
        The figure; per group the statistics of :func:`summarise_km` (no landmarks) and
        ``n_at_risk``; the tests of :func:`~tlf.tables.survival.compare_groups`; context ``n``
        and ``n_group``.
    """
    require_columns(adsl, "ADSL", [group_var])
    population = select_population(adsl, settings.population)
    population = population[population[group_var].isin(groups)]
    data = endpoint_data(adtte, population, paramcd, None).merge(population[["USUBJID", group_var]], on="USUBJID")
    stats = StatRows()
    dpm = settings.days_per_month
    with style():
        figure = new_figure()
        ax, risk_ax = _axes(figure, len(groups))
        ticks = _ticks(data["AVAL"].max() / dpm if len(data) else 0)
        risk_rows = []
        for g, colour in zip(groups, GROUP_COLOURS):
            part = data[data[group_var] == g].reset_index(drop=True)
            summary = summarise_km(part, stats, variable=paramcd, settings=settings, group=f"{group_var}={g}",
                                   landmarks=False)
            if summary is None:
                continue
            _draw_curve(ax, summary, dpm, colour, f"{g} (N={summary.n}): median {fmt_number(summary.median, 2)} "
                                                  f"months {fmt_ci(summary.lower, summary.upper, 2)}")
            risk_rows.append((g, _record_at_risk(stats, paramcd, part, ticks, dpm, f"{group_var}={g}"), colour))
        p, cox = compare_groups(data, stats, variable=paramcd, group_var=group_var, reference=groups[-1],
                                settings=settings)
        if np.isfinite(p):
            hr = "HR not estimable" if cox is None else (f"HR {fmt_number(cox.hr, 2)} ({settings.ci_pct}% CI "
                                                         f"{fmt_number(cox.lower, 2)}-{fmt_number(cox.upper, 2)})")
            text = f"Log-rank P = {fmt_p(p)}\n{hr}, {groups[0]} vs {groups[-1]}"
            ax.text(0.98, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=7,
                    bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#999999"})
        ax.axhline(50, color="#bbbbbb", linewidth=0.6, linestyle="--")
        _risk_table(risk_ax, risk_rows, ticks)
        _finish(ax, ticks, f"{ENDPOINT_LABELS.get(paramcd, paramcd)} (%)")
    n_group = {g: int((population[group_var] == g).sum()) for g in groups}
    return BuiltOutput(stats=stats.frame(), context={"n": len(population), "n_group": n_group}, figure=figure)


def build_pfs_figure(adsl: pd.DataFrame, adtte: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Kaplan-Meier PFS (:func:`build_km_figure` with PARAMCD ``PFS``)."""
    return build_km_figure(adsl, adtte, settings=settings, paramcd="PFS")


def build_os_figure(adsl: pd.DataFrame, adtte: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Kaplan-Meier OS (:func:`build_km_figure` with PARAMCD ``OS``)."""
    return build_km_figure(adsl, adtte, settings=settings, paramcd="OS")


def build_pfs_by_signature_figure(adsl: pd.DataFrame, adtte: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Kaplan-Meier PFS by SIGGR1 (:func:`build_km_by_group_figure`)."""
    return build_km_by_group_figure(adsl, adtte, settings=settings, paramcd="PFS")


def build_os_by_signature_figure(adsl: pd.DataFrame, adtte: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Kaplan-Meier OS by SIGGR1 (:func:`build_km_by_group_figure`)."""
    return build_km_by_group_figure(adsl, adtte, settings=settings, paramcd="OS")
