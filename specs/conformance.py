"""Check a dataset against its spec, column by column (vectorised), returning findings.

Findings are rows of a DataFrame (:data:`FINDING_COLUMNS`): dataset, row (0-based record
index, None for dataset-level findings), variable, value, rule id, severity and message.
Checks never raise for bad data; they report. The rules:

| rule      | severity | what it finds                                                       |
|-----------|----------|---------------------------------------------------------------------|
| SPEC0001  | Error    | variable present in the data but not in the spec                    |
| SPEC0002  | Error    | Req variable absent                                                 |
| SPEC0003  | Warning  | Exp variable absent                                                 |
| SPEC0004  | Warning  | variables not in spec order                                         |
| SPEC0005  | Error    | Req variable null                                                   |
| SPEC0006  | Error    | numeric variable holds a non-numeric value                          |
| SPEC0007  | Error    | character value longer than the spec length                         |
| SPEC0008  | Error    | value not in a non-extensible codelist (variable or value level)    |
| SPEC0009  | Warning  | value not in an extensible codelist (new term: add it to the spec)  |
| SPEC0010  | Error    | key variables do not identify records uniquely                      |
"""

from __future__ import annotations

import pandas as pd

from specs.model import Codelist, DatasetSpec, ValueLevelSpec, WhereCondition

FINDING_COLUMNS = ["dataset", "row", "variable", "value", "rule", "severity", "message"]

RULES: dict[str, tuple[str, str]] = {
    "SPEC0001": ("Error", "Variable not in the spec"),
    "SPEC0002": ("Error", "Required variable missing"),
    "SPEC0003": ("Warning", "Expected variable missing"),
    "SPEC0004": ("Warning", "Variable order differs from the spec"),
    "SPEC0005": ("Error", "Required variable is null"),
    "SPEC0006": ("Error", "Non-numeric value in a numeric variable"),
    "SPEC0007": ("Error", "Value longer than the spec length"),
    "SPEC0008": ("Error", "Value not in a non-extensible codelist"),
    "SPEC0009": ("Warning", "Value not in an extensible codelist"),
    "SPEC0010": ("Error", "Key variables do not identify records uniquely"),
}
"""Rule id -> (severity, message)."""


def _finding(dataset: str, rule: str, variable: str | None = None, row=None, value=None, detail: str = "") -> dict:
    severity, message = RULES[rule]
    return {
        "dataset": dataset,
        "row": row,
        "variable": variable,
        "value": value,
        "rule": rule,
        "severity": severity,
        "message": f"{message}{': ' + detail if detail else ''}",
    }


def _row_findings(dataset: str, rule: str, variable: str, values: pd.Series, detail: str = "") -> pd.DataFrame:
    """One finding per row of ``values`` (index = record number), built without a Python loop."""
    severity, message = RULES[rule]
    return pd.DataFrame(
        {
            "dataset": dataset,
            "row": values.index.astype("int64"),
            "variable": variable,
            "value": values.to_numpy(dtype=object),
            "rule": rule,
            "severity": severity,
            "message": f"{message}{': ' + detail if detail else ''}",
        }
    )


def _is_null(series: pd.Series) -> pd.Series:
    """Null, or a blank string (SAS does not distinguish a blank character value from missing)."""
    null = series.isna()
    if series.dtype == object:
        null |= series.map(lambda v: isinstance(v, str) and not v.strip())
    return null


def check_structure(data: pd.DataFrame, spec: DatasetSpec) -> list[dict]:
    """SPEC0001-0004: variables present, absent and their order."""
    findings = []
    names = spec.variable_names
    for column in data.columns:
        if column not in names:
            findings.append(_finding(spec.name, "SPEC0001", str(column)))
    for var in spec.variables:
        if var.name not in data.columns and var.core in ("Req", "Exp"):
            findings.append(_finding(spec.name, "SPEC0002" if var.core == "Req" else "SPEC0003", var.name))
    present = [c for c in data.columns if c in names]
    expected = [n for n in names if n in data.columns]
    if present != expected:
        findings.append(_finding(spec.name, "SPEC0004", detail=f"expected {', '.join(expected)}"))
    return findings


def _codelist_findings(dataset: str, variable: str, values: pd.Series, codelist: Codelist) -> pd.DataFrame:
    present = values[~_is_null(values)]
    if present.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    allowed = codelist.values
    text = present.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    outside = present[~text.isin(allowed)]
    if outside.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    rule = "SPEC0009" if codelist.extensible else "SPEC0008"
    return _row_findings(dataset, rule, variable, outside, f"codelist {codelist.id}")


def where_mask(data: pd.DataFrame, where: tuple[WhereCondition, ...]) -> pd.Series:
    """Rows where every condition of a value-level where clause holds."""
    mask = pd.Series(True, index=data.index)
    for condition in where:
        if condition.variable not in data.columns:
            return pd.Series(False, index=data.index)
        column = data[condition.variable].astype(object).map(lambda v: None if v is None else str(v))
        hit = column.isin(condition.values)
        mask &= ~hit if condition.comparator in ("NE", "NOTIN") else hit
    return mask


def check_values(
    data: pd.DataFrame,
    spec: DatasetSpec,
    codelists: dict[str, Codelist],
    value_level: tuple[ValueLevelSpec, ...] = (),
) -> list[pd.DataFrame]:
    """SPEC0005-0009: nulls, types, lengths and codelists, one vectorised pass per variable."""
    frames: list[pd.DataFrame] = []
    for var in spec.variables:
        if var.name not in data.columns:
            continue
        series = data[var.name]
        null = _is_null(series)
        if var.core == "Req" and null.any():
            frames.append(_row_findings(spec.name, "SPEC0005", var.name, series[null]))
        if var.is_numeric:
            if not pd.api.types.is_numeric_dtype(series):
                numbers = pd.to_numeric(series, errors="coerce")
                bad = series[numbers.isna() & ~null]
                if not bad.empty:
                    frames.append(_row_findings(spec.name, "SPEC0006", var.name, bad))
        elif var.length is not None and series.dtype == object:
            lengths = series[~null].map(lambda v: len(str(v).encode("utf-8")))
            long = series[lengths[lengths > var.length].index]
            if not long.empty:
                frames.append(_row_findings(spec.name, "SPEC0007", var.name, long, f"length {var.length}"))
        if var.codelist and var.codelist in codelists:
            frames.append(_codelist_findings(spec.name, var.name, series, codelists[var.codelist]))
    for vlm in value_level:
        if vlm.dataset != spec.name or not vlm.codelist or vlm.codelist not in codelists or vlm.variable not in data.columns:
            continue
        mask = where_mask(data, vlm.where)
        frames.append(_codelist_findings(spec.name, vlm.variable, data.loc[mask, vlm.variable], codelists[vlm.codelist]))
    return [f for f in frames if not f.empty]


def check_keys(data: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """SPEC0010: records sharing all key-variable values (each duplicate after the first).

    Not checked when a key variable is absent (SPEC0002/0003 report that instead).
    """
    keys = list(spec.keys)
    if not keys or data.empty or any(k not in data.columns for k in keys):
        return pd.DataFrame(columns=FINDING_COLUMNS)
    duplicated = data.duplicated(subset=keys, keep="first")
    if not duplicated.any():
        return pd.DataFrame(columns=FINDING_COLUMNS)
    values = data.loc[duplicated, keys].astype(str).agg("|".join, axis=1)
    return _row_findings(spec.name, "SPEC0010", ", ".join(keys), values)


def check_dataset(
    data: pd.DataFrame,
    spec: DatasetSpec,
    codelists: dict[str, Codelist],
    value_level: tuple[ValueLevelSpec, ...] = (),
) -> pd.DataFrame:
    """All spec checks on one dataset; a findings frame with :data:`FINDING_COLUMNS`."""
    data = data.reset_index(drop=True)
    frames = [pd.DataFrame(check_structure(data, spec), columns=FINDING_COLUMNS)]
    frames += check_values(data, spec, codelists, value_level)
    frames.append(check_keys(data, spec))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    findings = pd.concat(frames, ignore_index=True)
    return findings[FINDING_COLUMNS]
