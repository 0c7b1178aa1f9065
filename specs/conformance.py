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

import numpy as np
import pandas as pd

from specs.model import Codelist, DatasetSpec, ValueLevelSpec, VariableSpec, WhereCondition
from specs.values import FrameText, TextColumn, compute_blank, compute_byte_length, text_column

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


_NO_FINDINGS = pd.DataFrame(columns=FINDING_COLUMNS)


def _no_findings() -> pd.DataFrame:
    """An empty findings frame (a copy: building a DataFrame costs more than copying one)."""
    return _NO_FINDINGS.copy()


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


def _codelist_text(value: object) -> str:
    """A value as codelist text: whole floats without ``.0``."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _outside_codelist(values: pd.Series, null: np.ndarray, allowed: frozenset[str] | set[str],
                      column: TextColumn | None) -> np.ndarray:
    """True where a present value is not a term (its text, :func:`_codelist_text`, not in ``allowed``)."""
    if column is not None:
        inside = column.is_in(allowed)
    else:
        inside = values.map(_codelist_text).isin(allowed).to_numpy(dtype=bool)
    return ~null & ~inside


def _codelist_findings(dataset: str, variable: str, values: pd.Series, codelist: Codelist,
                       column: TextColumn | None = None) -> pd.DataFrame | None:
    """SPEC0008/SPEC0009 findings of the values outside a codelist (None when there are none).

    ``column``: ``values`` already factorized (:func:`specs.values.text_column`), to reuse.
    """
    column = column or text_column(values)
    outside = _outside_codelist(values, compute_blank(values, column), codelist.values, column)
    if not outside.any():
        return None
    rule = "SPEC0009" if codelist.extensible else "SPEC0008"
    return _row_findings(dataset, rule, variable, values[outside], f"codelist {codelist.id}")


def _where_hits(column: pd.Series, values: tuple[str, ...], factorized: TextColumn | None) -> np.ndarray:
    """True where a value's text (``str(value)``; None never matches, NaN prints ``nan``) is
    one of ``values``: once per distinct text value (``factorized``: the column as
    :func:`specs.values.text_column` gives it), record by record only where missing."""
    if factorized is None:
        return column.astype(object).map(lambda v: None if v is None else str(v)).isin(values).to_numpy(dtype=bool)
    hits = factorized.is_in(frozenset(values))
    if factorized.missing.any():
        hits[factorized.missing] = [v is not None and str(v) in values
                                    for v in column.to_numpy(dtype=object)[factorized.missing]]
    return hits


def where_mask(data: pd.DataFrame, where: tuple[WhereCondition, ...], texts: FrameText | None = None) -> pd.Series:
    """Rows where every condition of a value-level where clause holds (``texts``: the frame's
    text columns already factorized, to reuse)."""
    texts = texts or FrameText(data)
    mask = np.ones(len(data), dtype=bool)
    for condition in where:
        if condition.variable not in data.columns:
            return pd.Series(False, index=data.index)
        hit = _where_hits(data[condition.variable], condition.values, texts(condition.variable))
        mask &= ~hit if condition.comparator in ("NE", "NOTIN") else hit
    return pd.Series(mask, index=data.index)


def _variable_findings(data: pd.DataFrame, dataset: str, var: VariableSpec,
                       codelists: dict[str, Codelist], texts: FrameText) -> list[pd.DataFrame | None]:
    """SPEC0005-0009 on one variable present in the data (``texts``: its text columns factorized)."""
    series = data[var.name]
    column = texts(var.name)
    null = compute_blank(series, column)
    frames: list[pd.DataFrame | None] = []
    if var.core == "Req" and null.any():
        frames.append(_row_findings(dataset, "SPEC0005", var.name, series[null]))
    if var.is_numeric:
        if not pd.api.types.is_numeric_dtype(series):
            numbers = pd.to_numeric(series, errors="coerce")
            bad = series[numbers.isna().to_numpy() & ~null]
            if not bad.empty:
                frames.append(_row_findings(dataset, "SPEC0006", var.name, bad))
    elif var.length is not None and (series.dtype == object or isinstance(series.dtype, pd.CategoricalDtype)):
        long = series[~null & (compute_byte_length(series, column) > var.length)]
        if not long.empty:
            frames.append(_row_findings(dataset, "SPEC0007", var.name, long, f"length {var.length}"))
    if var.codelist and var.codelist in codelists:
        frames.append(_codelist_findings(dataset, var.name, series, codelists[var.codelist], column))
    return frames


def check_values(
    data: pd.DataFrame,
    spec: DatasetSpec,
    codelists: dict[str, Codelist],
    value_level: tuple[ValueLevelSpec, ...] = (),
    texts: FrameText | None = None,
) -> list[pd.DataFrame]:
    """SPEC0005-0009: nulls, types, lengths and codelists, one vectorised pass per variable.

    ``texts``: the frame's text columns already factorized, to reuse.
    """
    texts = texts or FrameText(data)
    frames: list[pd.DataFrame | None] = []
    for var in spec.variables:
        if var.name in data.columns:
            frames += _variable_findings(data, spec.name, var, codelists, texts)
    for vlm in value_level:
        if vlm.dataset != spec.name or not vlm.codelist or vlm.codelist not in codelists or vlm.variable not in data.columns:
            continue
        mask = where_mask(data, vlm.where, texts).to_numpy()
        column = texts(vlm.variable)
        subset = None if column is None else TextColumn(column.codes[mask], column.uniques)
        frames.append(_codelist_findings(spec.name, vlm.variable, data.loc[mask, vlm.variable], codelists[vlm.codelist], subset))
    return [f for f in frames if f is not None and not f.empty]


def check_keys(data: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """SPEC0010: records sharing all key-variable values (each duplicate after the first).

    Not checked when a key variable is absent (SPEC0002/0003 report that instead).
    """
    found = _key_findings(data, spec)
    return _no_findings() if found is None else found


def _key_findings(data: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame | None:
    """:func:`check_keys`, None when there is nothing to report."""
    keys = list(spec.keys)
    if not keys or data.empty or any(k not in data.columns for k in keys):
        return None
    duplicated = data.duplicated(subset=keys, keep="first")
    if not duplicated.any():
        return None
    values = data.loc[duplicated, keys].astype(str).agg("|".join, axis=1)
    return _row_findings(spec.name, "SPEC0010", ", ".join(keys), values)


def check_dataset(
    data: pd.DataFrame,
    spec: DatasetSpec,
    codelists: dict[str, Codelist],
    value_level: tuple[ValueLevelSpec, ...] = (),
    texts: FrameText | None = None,
) -> pd.DataFrame:
    """All spec checks on one dataset; a findings frame with :data:`FINDING_COLUMNS`.

    Character columns may be object columns or Categoricals (as the rule engine holds them).
    ``texts``: the frame's text columns already factorized, to reuse.
    """
    if not data.index.equals(pd.RangeIndex(len(data))):
        data = data.reset_index(drop=True)
    structure = check_structure(data, spec)
    frames = [pd.DataFrame(structure, columns=FINDING_COLUMNS)] if structure else []
    frames += check_values(data, spec, codelists, value_level, texts)
    frames.append(_key_findings(data, spec))
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return _no_findings()
    findings = pd.concat(frames, ignore_index=True)
    return findings[FINDING_COLUMNS]
