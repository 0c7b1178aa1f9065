"""Baseline demographics and disease characteristics from ADSL.

Rules: continuous variables show n, mean (SD) and median (range); categorical variables n (%)
of the analysis set per category, in the order of :data:`CHARACTERISTICS` (then any other
value, sorted), with a "Missing" row when a subject has no value; Y/N flags show the ``Y``
count. A variable absent from ADSL (e.g. SMOKHX while it has no SDTM source, MT.ADSL.SUHX) is
left out of the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tlf.results import BuiltOutput, StatRows
from tlf.tables.common import Settings, body_frame, fmt_n_pct, fmt_number, select_population


@dataclass(frozen=True)
class Characteristic:
    """One block of the table: ADSL variable, label, kind, (categorical) value order and labels, other values' case."""

    variable: str
    label: str
    kind: str = "categorical"  # "continuous", "categorical" or "flag"
    values: tuple[tuple[str, str], ...] = ()
    places: int = 1
    sentence_case: bool = False  # other values: "ESOPHAGUS, LOWER THIRD" -> "Esophagus, lower third"


CHARACTERISTICS = (
    Characteristic("AGE", "Age, years", "continuous"),
    Characteristic("AGEGR1", "Age group", values=(("<65", "<65 years"), (">=65", ">=65 years"))),
    Characteristic("SEX", "Sex", values=(("M", "Male"), ("F", "Female"))),
    Characteristic("RACE", "Race", sentence_case=True),
    Characteristic("ECOGBL", "ECOG performance status", values=(("0", "0"), ("1", "1"))),
    Characteristic("STAGEBL", "Disease stage at baseline"),
    Characteristic("TUMLOC", "Primary tumour location", sentence_case=True),
    Characteristic("METSCNT", "Number of metastatic sites", "continuous", places=1),
    Characteristic("LIVERMFL", "Liver metastasis", "flag"),
    Characteristic("LUNGMFL", "Lung metastasis", "flag"),
    Characteristic("BONEMFL", "Bone metastasis", "flag"),
    Characteristic("NODEMFL", "Distant lymph node metastasis", "flag"),
    Characteristic("PDL1CPS", "PD-L1 combined positive score", "continuous"),
    Characteristic("PDL1GR1", "PD-L1 CPS group", values=(("<1", "<1"), ("1-<10", "1 to <10"), (">=10", ">=10"))),
    Characteristic("SMOKHX", "Smoking history", values=(("NEVER", "Never"), ("FORMER", "Former"), ("CURRENT", "Current"))),
    Characteristic("DRINKHX", "Alcohol drinking history",
                   values=(("NEVER", "Never"), ("FORMER", "Former"), ("CURRENT", "Current"))),
)
"""The table's blocks in display order."""
COLUMNS = ["Section", "Characteristic", "Value"]


def _text(values: pd.Series) -> pd.Series:
    """Categories as text: integral floats without ``.0`` (ECOG 1.0 -> "1")."""
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
    return values.map(lambda v: None if pd.isna(v) else str(v))


def _continuous(stats: StatRows, data: pd.DataFrame, c: Characteristic) -> list[tuple[str, str]]:
    values = pd.to_numeric(data[c.variable], errors="coerce")
    have = values.notna().to_numpy()
    ids = data.loc[have, "USUBJID"]
    x = values[have].to_numpy(dtype=float)
    stats.add(c.variable, "n", len(x), subjects=ids)
    if not len(x):
        return [("n", "0")]
    summary = {"mean": x.mean(), "sd": x.std(ddof=1) if len(x) > 1 else np.nan, "median": float(np.median(x)),
               "min": x.min(), "max": x.max()}
    for name, value in summary.items():
        stats.add(c.variable, name, value, subjects=ids)
    p = c.places
    low, high = (fmt_number(v, 0 if float(v).is_integer() else p) for v in (summary["min"], summary["max"]))
    rows = [("n", str(len(x))), ("Mean (SD)", f"{fmt_number(summary['mean'], p)} ({fmt_number(summary['sd'], p + 1)})"),
            ("Median (range)", f"{fmt_number(summary['median'], p)} ({low}-{high})")]
    missing = int((~have).sum())
    if missing:
        rows.append(("Missing", str(missing)))
    return rows


def _categorical(stats: StatRows, data: pd.DataFrame, c: Characteristic) -> list[tuple[str, str]]:
    values = _text(data[c.variable])
    total = len(data)
    labels = dict(c.values)
    if c.kind == "flag":
        order, labels = ["Y"], {"Y": "Yes"}
    else:
        order = list(labels) + sorted(set(values.dropna()) - set(labels))
    if values.isna().any():
        order.append("Missing")
    rows = []
    for level in order:
        hit = (values.isna() if level == "Missing" else values.eq(level)).to_numpy()
        ids = data.loc[hit, "USUBJID"]
        stats.add(c.variable, "n", int(hit.sum()), subjects=ids, level=level)
        if total:
            stats.add(c.variable, "pct", 100 * hit.sum() / total, subjects=ids, level=level)
        label = labels.get(level, level.capitalize() if c.sentence_case else level)
        rows.append((label, fmt_n_pct(int(hit.sum()), total)))
    return rows


def build_demographics_table(adsl: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Baseline demographics and disease characteristics (rules in the module docstring).

    Parameters
    ----------
    adsl : pandas.DataFrame
        USUBJID, the population flag, and the variables of :data:`CHARACTERISTICS` present.
    settings : Settings

    Returns
    -------
    BuiltOutput
        Body Section (page_by: the characteristic), Characteristic (statistic or category),
        Value. Statistics per variable: ``n``, ``mean``, ``sd``, ``median``, ``min``, ``max``
        (continuous) or ``n``/``pct`` by level (categorical). Context ``n``.
    """
    data = select_population(adsl, settings.population)
    stats = StatRows()
    stats.add("POPULATION", "N", len(data), subjects=data["USUBJID"])
    rows = []
    for c in CHARACTERISTICS:
        if c.variable not in data.columns:
            continue
        block = _continuous(stats, data, c) if c.kind == "continuous" else _categorical(stats, data, c)
        rows += [{"Section": c.label, "Characteristic": label, "Value": value} for label, value in block]
    return BuiltOutput(stats=stats.frame(), context={"n": len(data)}, body=body_frame(rows, COLUMNS),
                       layout={"page_by": "Section"})
