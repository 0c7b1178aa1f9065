"""CONSORT-style flow diagram from ADSL: screened -> screen failures -> treated -> analysis sets -> status.

The boxes hold the counts of :func:`tlf.tables.disposition.count_disposition` (one ADSL record
per screened subject): screened; screen failures by SCRFREAS; treated (SAFFL); the analysis
sets (safety SAFFL, full analysis FASFL, efficacy EFFFL); the NGS biomarker-evaluable set
(BMEVLFL) by signature group (SIGGR1); treatment status at the cut-off (EOTSTT) with the
discontinuation reasons (DCTREAS). The same counts are
in the disposition table, so figure and table agree.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.patches import FancyBboxPatch

from tlf.figures.common import new_figure, style, wrap_text
from tlf.results import BuiltOutput, StatRows
from tlf.tables.disposition import SETS, count_disposition, record_disposition

BOX = {"boxstyle": "round,pad=0.06", "facecolor": "white", "edgecolor": "#333333", "linewidth": 0.8}
FONT_PT = 7.5
LINE_IN = 0.15
"""Height of a text line in inches (7.5 pt, line spacing 1.35)."""
TEXT_MARGIN_IN = 0.1
"""Space between a box's edge and its text, each side."""
GAP_IN = 0.35
WIDTH_IN, MAIN_X, SIDE_X, BOX_W = 9.0, 2.8, 6.6, 3.6


def _height(text: str) -> float:
    return LINE_IN * (text.count("\n") + 1) + 0.1


def _fit(text: str) -> str:
    """``text`` wrapped to the width inside a box (a long screen-failure reason takes several lines)."""
    return wrap_text(text, BOX_W - 2 * TEXT_MARGIN_IN, FONT_PT)


def _box(ax, x: float, top: float, text: str, *, align: str = "center") -> float:
    """Draw a box whose top edge is at ``top`` (inches) around ``text`` (already :func:`_fit`); return its bottom edge."""
    height = _height(text)
    ax.add_patch(FancyBboxPatch((x - BOX_W / 2, top - height), BOX_W, height, **BOX))
    tx = x if align == "center" else x - BOX_W / 2 + TEXT_MARGIN_IN
    ax.text(tx, top - height / 2, text, ha=align, va="center", fontsize=FONT_PT, linespacing=1.35)
    return top - height


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "lw": 0.8, "color": "#333333",
                                                      "shrinkA": 0, "shrinkB": 2})


def _reasons(groups: dict[str, pd.Series], *, capitalise: bool = False) -> list[str]:
    return [f"  {k.capitalize() if capitalise else k} (n={len(v)})" for k, v in groups.items()]


def build_consort_figure(adsl: pd.DataFrame, *, settings: object = None) -> BuiltOutput:
    """The flow diagram (rules in the module docstring).

    Parameters
    ----------
    adsl : pandas.DataFrame
        As for :func:`tlf.tables.disposition.build_disposition_table`.
    settings : Settings, optional
        Unused; accepted for a uniform call.

    Returns
    -------
    BuiltOutput
        The figure; statistics of :func:`~tlf.tables.disposition.record_disposition`; context
        ``n`` (screened) and ``n_treated``.
    """
    flow = count_disposition(adsl)
    stats = StatRows()
    record_disposition(stats, adsl, flow)
    screened = _fit(f"Screened (assessed for eligibility)\nn = {len(flow.screened)}")
    failures = _fit("\n".join([f"Screen failures (n = {len(flow.failures)})", *_reasons(flow.failure_reasons)]))
    treated = _fit(f"Treated (at least one dose of study treatment)\nn = {len(flow.treated)}")
    status = [f"{k.capitalize()}: n = {len(v)}" for k, v in flow.treatment_status.items()]
    status_text = _fit("\n".join(["Study treatment at data cut-off", *status,
                                  *(["Reasons for discontinuation:"] if flow.treatment_reasons else []),
                                  *_reasons(flow.treatment_reasons, capitalise=True)]))
    analysed = _fit("\n".join(["Analysed", *(f"{SETS[f]}: n = {len(v)}" for f, v in flow.sets.items() if f != "BMEVLFL")]))
    ngs = flow.sets.get("BMEVLFL")
    biomarker = None
    if ngs is not None:
        groups = adsl.loc[adsl["USUBJID"].isin(ngs), "SIGGR1"].value_counts() if "SIGGR1" in adsl.columns else {}
        biomarker = _fit("\n".join([f"{SETS['BMEVLFL']}\nn = {len(ngs)}", *(f"{g}: n = {n}" for g, n in groups.items())]))
    height = (0.3 + _height(screened) + max(_height(failures), 0.3) + _height(treated) + max(_height(status_text), 0.3)
              + _height(analysed) + 4 * GAP_IN + (_height(biomarker) + GAP_IN if biomarker else 0))
    with style():
        figure = new_figure((WIDTH_IN, height))
        ax = figure.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, WIDTH_IN)
        ax.set_ylim(0, height)
        ax.axis("off")
        bottom = _box(ax, MAIN_X, height - 0.15, screened)
        side_top = bottom - GAP_IN / 2
        side_bottom = _box(ax, SIDE_X, side_top, failures, align="left")
        _arrow(ax, (MAIN_X, (side_top + side_bottom) / 2), (SIDE_X - BOX_W / 2, (side_top + side_bottom) / 2))
        top = side_bottom - GAP_IN / 2
        _arrow(ax, (MAIN_X, bottom), (MAIN_X, top))
        bottom = _box(ax, MAIN_X, top, treated)
        side_top = bottom - GAP_IN / 2
        side_bottom = _box(ax, SIDE_X, side_top, status_text, align="left")
        _arrow(ax, (MAIN_X, (side_top + side_bottom) / 2), (SIDE_X - BOX_W / 2, (side_top + side_bottom) / 2))
        top = side_bottom - GAP_IN / 2
        _arrow(ax, (MAIN_X, bottom), (MAIN_X, top))
        bottom = _box(ax, MAIN_X, top, analysed)
        if biomarker:
            _arrow(ax, (MAIN_X, bottom), (MAIN_X, bottom - GAP_IN))
            _box(ax, MAIN_X, bottom - GAP_IN, biomarker)
    return BuiltOutput(stats=stats.frame(), context={"n": len(flow.screened), "n_treated": len(flow.treated)},
                       figure=figure)
