"""Subject disposition from ADSL: screening, analysis sets, treatment and study status.

Rules: ADSL holds one record per screened subject (MT.ADSL.ENRLFL). Screened = every ADSL
record; screen failures = ``ENRLFL != "Y"``, by ``SCRFREAS``; treated = ``SAFFL == "Y"``;
analysis sets by their flags (SAFFL, FASFL, EFFFL, BMEVLFL). Treatment status (EOTSTT, reason
DCTREAS) and study status (EOSSTT, reason DCSREAS) are counted among treated subjects.
Percentages: screen failures of the screened, everything else of the treated.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tlf.results import BuiltOutput, StatRows
from tlf.tables.common import as_datetime, body_frame, fmt_n_pct, yes

SETS = {"SAFFL": "Safety set", "FASFL": "Full analysis set", "EFFFL": "Efficacy set",
        "BMEVLFL": "NGS biomarker-evaluable set"}
COLUMNS = ["Section", "Characteristic", "Value"]


@dataclass
class Disposition:
    """Subject counts of the flow (subject ids per box), shared by the table and the CONSORT figure."""

    screened: pd.Series
    failures: pd.Series
    failure_reasons: dict[str, pd.Series]
    treated: pd.Series
    sets: dict[str, pd.Series]
    treatment_status: dict[str, pd.Series]
    treatment_reasons: dict[str, pd.Series]
    study_status: dict[str, pd.Series]
    study_reasons: dict[str, pd.Series]


def _by(frame: pd.DataFrame, column: str) -> dict[str, pd.Series]:
    if column not in frame.columns:
        return {}
    values = frame[column].fillna("Missing").astype(str)
    return {str(k): frame.loc[values == k, "USUBJID"] for k in values.value_counts().sort_index().index}


def count_disposition(adsl: pd.DataFrame) -> Disposition:
    """The subjects of every disposition box (rules in the module docstring)."""
    failed = adsl[~yes(adsl["ENRLFL"])] if "ENRLFL" in adsl.columns else adsl.iloc[:0]
    treated = adsl[yes(adsl["SAFFL"])]
    sets = {flag: adsl.loc[yes(adsl[flag]), "USUBJID"] for flag in SETS if flag in adsl.columns}
    stopped = treated[treated.get("EOTSTT", pd.Series(index=treated.index, dtype=object)).eq("DISCONTINUED")]
    left = treated[treated.get("EOSSTT", pd.Series(index=treated.index, dtype=object)).eq("DISCONTINUED")]
    return Disposition(
        screened=adsl["USUBJID"], failures=failed["USUBJID"], failure_reasons=_by(failed, "SCRFREAS"),
        treated=treated["USUBJID"], sets=sets,
        treatment_status=_by(treated, "EOTSTT"), treatment_reasons=_by(stopped, "DCTREAS"),
        study_status=_by(treated, "EOSSTT"), study_reasons=_by(left, "DCSREAS"),
    )


def record_disposition(stats: StatRows, adsl: pd.DataFrame, flow: Disposition) -> None:
    """Record the flow's counts (``n`` and ``pct``): DISPOSITION by box (of screened), SCRFREAS (of screened),
    flags, EOTSTT/DCTREAS, EOSSTT/DCSREAS (of treated); the number of sites, the study id and the first and
    last first-dose dates."""
    n_screened, n_treated = len(flow.screened), len(flow.treated)
    for level, ids in (("Screened", flow.screened), ("Screen failure", flow.failures), ("Treated", flow.treated)):
        stats.add("DISPOSITION", "n", len(ids), subjects=ids, level=level)
        if n_screened:
            stats.add("DISPOSITION", "pct", 100 * len(ids) / n_screened, subjects=ids, level=level)
    for variable, groups, total in (("SCRFREAS", flow.failure_reasons, n_screened),
                                    ("EOTSTT", flow.treatment_status, n_treated),
                                    ("DCTREAS", flow.treatment_reasons, n_treated),
                                    ("EOSSTT", flow.study_status, n_treated),
                                    ("DCSREAS", flow.study_reasons, n_treated)):
        for level, ids in groups.items():
            stats.add(variable, "n", len(ids), subjects=ids, level=level)
            if total:
                stats.add(variable, "pct", 100 * len(ids) / total, subjects=ids, level=level)
    for flag, ids in flow.sets.items():
        stats.add(flag, "n", len(ids), subjects=ids, level="Y")
        if n_treated:
            stats.add(flag, "pct", 100 * len(ids) / n_treated, subjects=ids, level="Y")
    if "SITEID" in adsl.columns:
        stats.add("SITEID", "n_distinct", adsl["SITEID"].nunique(), subjects=adsl["USUBJID"], level="Screened")
    if "STUDYID" in adsl.columns and adsl["STUDYID"].nunique() == 1:
        stats.add("STUDYID", "value", None, subjects=adsl["USUBJID"], text=str(adsl["STUDYID"].iloc[0]))
    treated = adsl[yes(adsl["SAFFL"])]
    if "TRTSDT" in adsl.columns and len(treated):
        first = as_datetime(treated["TRTSDT"])
        for name, when in (("min", first.min()), ("max", first.max())):
            if pd.notna(when):
                stats.add("TRTSDT", name, None, subjects=treated.loc[first == when, "USUBJID"],
                          text=when.date().isoformat())


def build_disposition_table(adsl: pd.DataFrame, *, settings: object = None) -> BuiltOutput:
    """Disposition table: screened, screen failures by reason, treated, analysis sets, status and reasons.

    Parameters
    ----------
    adsl : pandas.DataFrame
        USUBJID, ENRLFL, SAFFL, FASFL, EFFFL, BMEVLFL, SCRFREAS, EOTSTT, DCTREAS, EOSSTT,
        DCSREAS, SITEID, TRTSDT (absent status variables leave their rows out).
    settings : Settings, optional
        Unused (every record of ADSL is a screened subject); accepted for a uniform call.

    Returns
    -------
    BuiltOutput
        Body Section (page_by), Characteristic, Value; statistics of :func:`record_disposition`;
        context ``n`` (screened) and ``n_treated``.
    """
    flow = count_disposition(adsl)
    stats = StatRows()
    record_disposition(stats, adsl, flow)
    n_scr, n_trt = len(flow.screened), len(flow.treated)
    rows = [("Screening", "Screened", str(n_scr)),
            ("Screening", "Screen failures", fmt_n_pct(len(flow.failures), n_scr))]
    rows += [("Screening", f"  {k}", fmt_n_pct(len(v), n_scr)) for k, v in flow.failure_reasons.items()]
    rows.append(("Screening", "Treated (at least one dose)", fmt_n_pct(n_trt, n_scr)))
    rows += [("Analysis sets", SETS[f], fmt_n_pct(len(v), n_trt)) for f, v in flow.sets.items()]
    for section, status, reasons in (("Study treatment", flow.treatment_status, flow.treatment_reasons),
                                     ("Study participation", flow.study_status, flow.study_reasons)):
        for level, ids in status.items():
            rows.append((section, level.capitalize(), fmt_n_pct(len(ids), n_trt)))
            if level == "DISCONTINUED":
                rows += [(section, f"  {k.capitalize()}", fmt_n_pct(len(v), n_trt)) for k, v in reasons.items()]
    body = body_frame([dict(zip(COLUMNS, r)) for r in rows], COLUMNS)
    return BuiltOutput(stats=stats.frame(), context={"n": n_scr, "n_treated": n_trt}, body=body,
                       layout={"page_by": "Section"})
