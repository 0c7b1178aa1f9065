"""Adverse event tables from ADAE: overview, TRAEs by preferred term, TEAEs by SOC and PT.

Rules (ADaM spec MT.ADAE.*): a treatment-emergent AE (TEAE) has ``TRTEMFL == "Y"``; a
treatment-related AE (TRAE) is a TEAE with ``AREL == "RELATED"`` (related to either drug, a
missing causality counting as related); grade >= 3 is ``ATOXGRN >= 3`` (NCI CTCAE v5.0);
serious is ``AESER == "Y"``; fatal is ``ATOXGRN == 5`` or ``AESDTH == "Y"``; actions are the
flags DISCFL (discontinuation of any drug), INTRFL (interruption), REDFL (dose reduction).
Every count is of subjects, not events: a subject with several qualifying events counts once
in a row. Denominator: the subjects of the analysis set (SAFFL in the catalogue); ADAE records
of other subjects are ignored. Rows by term are sorted by descending frequency, then by
grade >= 3 frequency, then alphabetically.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tlf.results import BuiltOutput, StatRows
from tlf.tables.common import Settings, body_frame, fmt_n_pct, select_population, yes

GRADE3 = "ATOXGRN>=3"


def _events(adae: pd.DataFrame, subjects: pd.Series) -> pd.DataFrame:
    """TEAEs of the analysis set with the working flags _TRAE, _G3, _SER, _FATAL."""
    data = adae[adae["USUBJID"].isin(subjects) & yes(adae["TRTEMFL"])].copy()
    grade = pd.to_numeric(data.get("ATOXGRN"), errors="coerce")
    data["_TRAE"] = data.get("AREL", pd.Series(index=data.index, dtype=object)).eq("RELATED")
    data["_G3"] = (grade >= 3).to_numpy()
    data["_SER"] = yes(data["AESER"]) if "AESER" in data.columns else False
    fatal = (grade == 5).to_numpy()
    if "AESDTH" in data.columns:
        fatal |= yes(data["AESDTH"]).to_numpy()
    data["_FATAL"] = fatal
    for flag in ("DISCFL", "INTRFL", "REDFL"):
        data[f"_{flag}"] = yes(data[flag]) if flag in data.columns else False
    return data


OVERVIEW = (
    ("TEAE", "Any TEAE", None),
    ("TEAE3", "  Grade >=3", "_G3"),
    ("TRAE", "Any treatment-related AE (TRAE)", "_TRAE"),
    ("TRAE3", "  Grade >=3", "_TRAE&_G3"),
    ("TESAE", "Any serious TEAE", "_SER"),
    ("TRSAE", "  Treatment-related", "_TRAE&_SER"),
    ("TEDISC", "TEAE leading to discontinuation of any study drug", "_DISCFL"),
    ("TEINTR", "TEAE leading to interruption of any study drug", "_INTRFL"),
    ("TERED", "TEAE leading to dose reduction of anlotinib", "_REDFL"),
    ("TEFATAL", "TEAE leading to death", "_FATAL"),
    ("TRFATAL", "  Treatment-related", "_TRAE&_FATAL"),
)
"""Overview rows: results VARIABLE (level ``Y``), label, condition on the TEAE records."""


def build_ae_overview_table(adsl: pd.DataFrame, adae: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Overview of adverse events: subjects with at least one event of each kind (rules above).

    Returns
    -------
    BuiltOutput
        Body Characteristic, Value (``n (%)``). Statistics per row of :data:`OVERVIEW`:
        ``N``, ``n``, ``pct`` with level ``Y``; ``TEAE n`` at level ``EVENTS`` counts records.
        Context ``n``.
    """
    population = select_population(adsl, settings.population)
    ids, total = population["USUBJID"], len(population)
    events = _events(adae, ids)
    stats, rows = StatRows(), []
    stats.add("POPULATION", "N", total, subjects=ids)
    stats.add("TEAE", "n", len(events), subjects=events["USUBJID"], level="EVENTS")
    for variable, label, condition in OVERVIEW:
        keep = np.ones(len(events), dtype=bool)
        for part in (condition.split("&") if condition else []):
            keep &= events[part].to_numpy(dtype=bool)
        subjects = pd.Series(events.loc[keep, "USUBJID"].unique())
        stats.add(variable, "N", total, subjects=ids, level="Y")
        stats.add(variable, "n", len(subjects), subjects=subjects, level="Y")
        if total:
            stats.add(variable, "pct", 100 * len(subjects) / total, subjects=subjects, level="Y")
        rows.append({"Characteristic": label, "Value": fmt_n_pct(len(subjects), total)})
    return BuiltOutput(stats=stats.frame(), context={"n": total}, body=body_frame(rows, ["Characteristic", "Value"]))


def _subject_counts(events: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Subjects per ``by`` term, any grade (``n``) and grade >= 3 (``n3``), with the subject lists."""
    if events.empty:
        return pd.DataFrame(columns=[*by, "n", "n3", "ids", "ids3"])
    any_grade = events.groupby(by, sort=False)["USUBJID"].agg(lambda s: tuple(sorted(set(s))))
    severe = events[events["_G3"]].groupby(by, sort=False)["USUBJID"].agg(lambda s: tuple(sorted(set(s))))
    counts = pd.DataFrame({"ids": any_grade}).join(pd.DataFrame({"ids3": severe}), how="left")
    counts["ids3"] = counts["ids3"].map(lambda v: v if isinstance(v, tuple) else ())
    counts["n"], counts["n3"] = counts["ids"].map(len), counts["ids3"].map(len)
    return counts.reset_index()


def _sorted(counts: pd.DataFrame, term: str) -> pd.DataFrame:
    return counts.sort_values(["n", "n3", term], ascending=[False, False, True], kind="mergesort")


def _record_term(stats: StatRows, variable: str, level: str, row: pd.Series, total: int) -> None:
    for group, n, ids in (("", row["n"], row["ids"]), (GRADE3, row["n3"], row["ids3"])):
        stats.add(variable, "n", n, subjects=ids, level=level, group=group)
        if total:
            stats.add(variable, "pct", 100 * n / total, subjects=ids, level=level, group=group)


def build_trae_by_pt_table(adsl: pd.DataFrame, adae: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """TRAEs by preferred term (AEDECOD), any grade and grade >= 3, by descending frequency.

    The first row counts subjects with any TRAE. Statistics: ``AEDECOD n``/``pct`` per term
    (level = term; GROUP empty for any grade, ``ATOXGRN>=3`` for grade >= 3), and ``TRAE`` the
    same for the first row. Body: Preferred term, Any grade, Grade >=3. Context ``n``.
    """
    population = select_population(adsl, settings.population)
    total = len(population)
    events = _events(adae, population["USUBJID"])
    events = events[events["_TRAE"]].assign(_ALL="Any TRAE")
    stats = StatRows()
    stats.add("POPULATION", "N", total, subjects=population["USUBJID"])
    rows = []
    for variable, term, label in (("TRAE", "_ALL", None), ("AEDECOD", "AEDECOD", None)):
        counts = _sorted(_subject_counts(events, [term]), term)
        for _, row in counts.iterrows():
            level = "Y" if variable == "TRAE" else str(row[term])
            _record_term(stats, variable, level, row, total)
            rows.append({"Preferred term": str(row[term]), "Any grade": fmt_n_pct(row["n"], total),
                         "Grade >=3": fmt_n_pct(row["n3"], total)})
    if not rows:
        rows.append({"Preferred term": "Any TRAE", "Any grade": "0", "Grade >=3": "0"})
        for group in ("", GRADE3):
            stats.add("TRAE", "n", 0, level="Y", group=group)
    return BuiltOutput(stats=stats.frame(), context={"n": total},
                       body=body_frame(rows, ["Preferred term", "Any grade", "Grade >=3"]))


def build_teae_by_soc_pt_table(adsl: pd.DataFrame, adae: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """TEAEs by system organ class (AEBODSYS) and preferred term (AEDECOD), any grade and grade >= 3.

    SOCs by descending frequency, PTs within each SOC likewise. Body: SOC (page_by), Preferred
    term (first row "Any event" holds the SOC count), Any grade, Grade >=3. Statistics
    ``AEBODSYS`` per SOC and ``AEDECOD`` per term (level ``SOC / PT``), GROUP as in
    :func:`build_trae_by_pt_table`; ``TEAE`` for subjects with any TEAE. Context ``n``.
    """
    population = select_population(adsl, settings.population)
    total = len(population)
    events = _events(adae, population["USUBJID"])
    soc = "AEBODSYS" if "AEBODSYS" in events.columns else "AESOC"
    events = events.assign(_SOC=events[soc].fillna("Uncoded"), _PT=events["AEDECOD"].fillna("Uncoded"),
                           _ALL="Any TEAE")
    stats = StatRows()
    stats.add("POPULATION", "N", total, subjects=population["USUBJID"])
    columns = ["System organ class", "Preferred term", "Any grade", "Grade >=3"]
    rows = []
    for _, row in _subject_counts(events, ["_ALL"]).iterrows():
        _record_term(stats, "TEAE", "Y", row, total)
        rows.append(dict(zip(columns, ("Any TEAE", "Any event", fmt_n_pct(row["n"], total),
                                       fmt_n_pct(row["n3"], total)))))
    pts = _subject_counts(events, ["_SOC", "_PT"])
    for _, srow in _sorted(_subject_counts(events, ["_SOC"]), "_SOC").iterrows():
        _record_term(stats, "AEBODSYS", srow["_SOC"], srow, total)
        rows.append(dict(zip(columns, (srow["_SOC"], "Any event", fmt_n_pct(srow["n"], total),
                                       fmt_n_pct(srow["n3"], total)))))
        for _, prow in _sorted(pts[pts["_SOC"] == srow["_SOC"]], "_PT").iterrows():
            _record_term(stats, "AEDECOD", f"{srow['_SOC']} / {prow['_PT']}", prow, total)
            rows.append(dict(zip(columns, (srow["_SOC"], prow["_PT"], fmt_n_pct(prow["n"], total),
                                           fmt_n_pct(prow["n3"], total)))))
    return BuiltOutput(stats=stats.frame(), context={"n": total}, body=body_frame(rows, columns),
                       layout={"page_by": "System organ class"})
