"""Tumour figures: waterfall of best % change, spider plot of % change over time, swimmer plot.

Sources and rules:

* Waterfall: ADTR ``PARAMCD == "SDIAM"`` record with ``ANL02FL == "Y"`` (best, i.e. smallest,
  percentage change from baseline of the target-lesion sum up to the first progression,
  MT.ADTR.ANL02FL), one bar per subject sorted from largest increase to largest decrease,
  coloured by confirmed BOR (ADRS ``CBOR``); dashed lines at +20% (RECIST 1.1 progression)
  and -30% (partial response). Subjects without a post-baseline sum are counted in a note.
* Spider: ADTR SDIAM records with ``ANL03FL == "Y"`` (baseline and complete sums up to the
  first progression), % change (baseline 0) against months since first dose (``ADY``).
* Swimmer: one bar per treated subject of the analysis set, length ADSL ``TRTDURD`` in
  months, coloured by confirmed BOR; markers at the first confirmed response (ADRS ``CRSP``
  ADT), the first unconfirmed response when not confirmed (``RSP``), progression (``PD``) and
  death (ADSL ``DTHDT``), all relative to ``TRTSDT``; an arrow when treatment is ongoing at
  the cut-off (``EOTSTT == "ONGOING"``). Each bar is labelled with its subject while the
  labels fit one per bar (:data:`LABEL_PT` or more per row: up to 78 subjects on the figure);
  beyond that the axis says how many subjects there are instead, and the ongoing arrows are
  drawn as one set of arrowheads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tlf.figures.common import RESPONSE_COLOURS, new_figure, response_colour, style
from tlf.results import BuiltOutput, StatRows
from tlf.tables.common import Settings, as_datetime, select_population, yes
from tlf.tables.response import subject_values

LABEL_PT = 5.0
"""Font size of the swimmer plot's subject labels, and the least row height (points) that shows them."""


def _legend(ax, values: pd.Series, **kwargs) -> None:
    present = [k for k in RESPONSE_COLOURS if values.eq(k).any()]
    ax.legend(handles=[Patch(color=RESPONSE_COLOURS[k], label=k) for k in present], title="Confirmed BOR",
              frameon=False, **kwargs)


def best_change(adtr: pd.DataFrame, subjects: pd.Series) -> pd.DataFrame:
    """USUBJID and PCHG of each subject's ANL02FL SDIAM record (one per subject), subjects of ``subjects`` only."""
    best = adtr[(adtr["PARAMCD"] == "SDIAM") & yes(adtr["ANL02FL"]) & adtr["USUBJID"].isin(subjects)]
    return best.dropna(subset=["PCHG"]).drop_duplicates("USUBJID")[["USUBJID", "PCHG"]].reset_index(drop=True)


def build_waterfall_figure(adsl: pd.DataFrame, adrs: pd.DataFrame, adtr: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Waterfall plot (rules in the module docstring).

    Statistics: ``PCHG n`` (subjects plotted), ``n`` at levels ``<=-30`` and ``>=20``,
    ``median``/``min``/``max``; ``PCHG n`` level ``NO POST-BASELINE`` (not plotted). Context
    ``n`` (analysis set) and ``n_plotted``.
    """
    ids = select_population(adsl, settings.population)["USUBJID"]
    best = best_change(adtr, ids).sort_values("PCHG", ascending=False, kind="mergesort").reset_index(drop=True)
    best["CBOR"] = subject_values(adrs, "CBOR", best["USUBJID"]).to_numpy()
    stats = StatRows()
    change = best["PCHG"].to_numpy(dtype=float)
    stats.add("PCHG", "n", len(best), subjects=best["USUBJID"])
    stats.add("PCHG", "n", int((change <= -30).sum()), subjects=best.loc[change <= -30, "USUBJID"], level="<=-30")
    stats.add("PCHG", "n", int((change >= 20).sum()), subjects=best.loc[change >= 20, "USUBJID"], level=">=20")
    missing = ids[~ids.isin(best["USUBJID"])]
    stats.add("PCHG", "n", len(missing), subjects=missing, level="NO POST-BASELINE")
    if len(best):
        for name, value in (("median", np.median(change)), ("min", change.min()), ("max", change.max())):
            stats.add("PCHG", name, value, subjects=best["USUBJID"])
    with style():
        figure = new_figure()
        ax = figure.add_axes((0.09, 0.1, 0.88, 0.85))
        x = np.arange(len(best))
        ax.bar(x, change, width=0.8, color=[response_colour(v) for v in best["CBOR"]], edgecolor="none")
        for level, text in ((20, "+20%"), (-30, "-30%")):
            ax.axhline(level, color="#444444", linewidth=0.7, linestyle="--")
            ax.text(-0.7, level + 1, text, ha="left", va="bottom", fontsize=7, color="#444444")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks([])
        ax.set_xlim(-0.8, max(len(best), 1) - 0.2)
        ax.set_ylim(min(-100, np.floor(change.min() / 10) * 10 if len(best) else -100) - 5,
                    max(40, np.ceil(change.max() / 10) * 10 + 10 if len(best) else 40))
        ax.set_ylabel("Best change from baseline in sum of target lesion diameters (%)")
        ax.set_xlabel(f"Subjects with a post-baseline tumour assessment (n={len(best)})")
        _legend(ax, best["CBOR"], loc="lower left")
    return BuiltOutput(stats=stats.frame(), context={"n": len(ids), "n_plotted": len(best), "n_missing": len(missing)},
                       figure=figure)


def build_spider_figure(adsl: pd.DataFrame, adrs: pd.DataFrame, adtr: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Spider plot (rules in the module docstring). Statistics: ``PCHG n`` at level ``SUBJECTS`` and records."""
    ids = select_population(adsl, settings.population)["USUBJID"]
    data = adtr[(adtr["PARAMCD"] == "SDIAM") & yes(adtr["ANL03FL"]) & adtr["USUBJID"].isin(ids)].copy()
    baseline = yes(data["ABLFL"]) if "ABLFL" in data.columns else data["PCHG"].isna()
    data["_X"] = np.where(baseline, 0.0, pd.to_numeric(data["ADY"], errors="coerce") / settings.days_per_month)
    data["_Y"] = np.where(baseline, 0.0, pd.to_numeric(data["PCHG"], errors="coerce"))
    data = data.dropna(subset=["_X", "_Y"]).sort_values(["USUBJID", "_X"], kind="mergesort")
    cbor = subject_values(adrs, "CBOR", pd.Series(data["USUBJID"].unique()))
    stats = StatRows()
    stats.add("PCHG", "n", data["USUBJID"].nunique(), subjects=data["USUBJID"], level="SUBJECTS")
    stats.add("PCHG", "n", len(data), subjects=data["USUBJID"], level="RECORDS")
    with style():
        figure = new_figure()
        ax = figure.add_axes((0.09, 0.1, 0.88, 0.85))
        for subject, part in data.groupby("USUBJID", sort=True):
            colour = response_colour(cbor.get(subject))
            ax.plot(part["_X"], part["_Y"], color=colour, linewidth=0.9, marker="o", markersize=2.5, alpha=0.9)
        for level in (20, -30):
            ax.axhline(level, color="#444444", linewidth=0.7, linestyle="--")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xlabel("Months since first dose")
        ax.set_ylabel("Change from baseline in sum of target lesion diameters (%)")
        ax.set_xlim(left=0)
        _legend(ax, cbor, loc="upper right")
    return BuiltOutput(stats=stats.frame(), context={"n": len(ids), "n_plotted": data["USUBJID"].nunique()},
                       figure=figure)


def _event_months(adrs: pd.DataFrame, paramcd: str, start: pd.Series) -> pd.Series:
    """Months from TRTSDT (``start``, index USUBJID) to the ADT of ``paramcd == "Y"`` (NaN otherwise)."""
    rec = adrs[(adrs["PARAMCD"] == paramcd) & (adrs["AVALC"] == "Y")].drop_duplicates("USUBJID")
    when = pd.Series(as_datetime(rec["ADT"]).to_numpy(), index=rec["USUBJID"].to_numpy())
    return (when.reindex(start.index) - start).dt.days


def build_swimmer_figure(adsl: pd.DataFrame, adrs: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Swimmer plot (rules in the module docstring).

    Statistics: ``TRTDURD`` ``n``, ``median_months``, ``max_months``; ``EOTSTT n`` at level
    ``ONGOING``. Context ``n``.
    """
    data = select_population(adsl, settings.population)
    data = data[data["TRTDURD"].notna()].copy()
    dpm = settings.days_per_month
    start = pd.Series(as_datetime(data["TRTSDT"]).to_numpy(), index=data["USUBJID"].to_numpy())
    data["_DUR"] = data["TRTDURD"].astype(float).to_numpy() / dpm
    data["_CBOR"] = subject_values(adrs, "CBOR", data["USUBJID"]).to_numpy()
    data["_RESP"] = (_event_months(adrs, "CRSP", start) / dpm).to_numpy()
    data["_URESP"] = (_event_months(adrs, "RSP", start) / dpm).where(np.isnan(data["_RESP"].to_numpy())).to_numpy()
    data["_PD"] = (_event_months(adrs, "PD", start) / dpm).to_numpy()
    death = as_datetime(data["DTHDT"]) if "DTHDT" in data.columns else pd.Series(pd.NaT, index=data.index)
    data["_DEATH"] = (death.to_numpy() - start.to_numpy()) / np.timedelta64(1, "D") / dpm
    data["_ONGOING"] = data.get("EOTSTT", pd.Series(index=data.index, dtype=object)).eq("ONGOING").to_numpy()
    data = data.sort_values(["_DUR", "USUBJID"], ascending=[True, False], kind="mergesort").reset_index(drop=True)
    stats = StatRows()
    stats.add("TRTDURD", "n", len(data), subjects=data["USUBJID"])
    if len(data):
        stats.add("TRTDURD", "median_months", data["_DUR"].median(), subjects=data["USUBJID"])
        stats.add("TRTDURD", "max_months", data["_DUR"].max(), subjects=data["USUBJID"])
    stats.add("EOTSTT", "n", int(data["_ONGOING"].sum()), subjects=data.loc[data["_ONGOING"], "USUBJID"], level="ONGOING")
    height = min(max(4.0, 0.12 * len(data) + 1.2), 6.2)
    axes_box = (0.12, 0.09, 0.7, 0.88)
    labelled = len(data) * LABEL_PT <= height * axes_box[3] * 72
    with style():
        figure = new_figure((9.0, height))
        ax = figure.add_axes(axes_box)
        y = np.arange(len(data))
        ax.barh(y, data["_DUR"], height=0.7, color=[response_colour(v) for v in data["_CBOR"]], edgecolor="none")
        markers = (("_RESP", "^", "black", "Confirmed response"), ("_URESP", "^", "white", "Unconfirmed response"),
                   ("_PD", "X", "#d73027", "Progression"), ("_DEATH", "*", "black", "Death"))
        for column, marker, face, _ in markers:
            ax.scatter(data[column], y, marker=marker, s=18, facecolor=face, edgecolor="black", linewidth=0.5, zorder=3)
        ongoing = data["_ONGOING"].to_numpy()
        arrow = max(data["_DUR"].max() * 0.04, 0.3) if len(data) else 0.3
        if labelled:
            for yy, x in zip(y[ongoing], data.loc[ongoing, "_DUR"]):
                ax.annotate("", xy=(x + arrow, yy), xytext=(x, yy), arrowprops={"arrowstyle": "->", "lw": 0.8})
            ax.set_yticks(y)
            ax.set_yticklabels(data.get("SUBJID", data["USUBJID"]).astype(str), fontsize=LABEL_PT)
        else:
            ax.scatter(data.loc[ongoing, "_DUR"] + arrow / 2, y[ongoing], marker=">", s=6, color="black", linewidth=0,
                       zorder=3)
            ax.set_yticks([])
            ax.set_ylabel(f"Subjects (n={len(data)}), by treatment duration")
        ax.set_ylim(-0.7, len(data) - 0.3)
        ax.set_xlim(left=0)
        ax.set_xlabel("Months since first dose (bar: treatment duration)")
        handles = [Patch(color=RESPONSE_COLOURS[k], label=k) for k in RESPONSE_COLOURS if data["_CBOR"].eq(k).any()]
        handles += [Line2D([], [], marker=m, linestyle="none", markerfacecolor=f, markeredgecolor="black", label=t)
                    for _, m, f, t in markers]
        handles.append(Line2D([], [], marker=r"$\rightarrow$", linestyle="none", color="black", label="Treatment ongoing"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="Confirmed BOR")
    return BuiltOutput(stats=stats.frame(), context={"n": len(data)}, figure=figure)
