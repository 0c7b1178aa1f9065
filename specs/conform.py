"""Give a derived dataset the structure its spec states: variables, order, storage types.

Derivations return values; :func:`conform_to_spec` returns the frame the writers write:
- variables in spec order; an ``Exp``/``Req`` variable the derivation did not create is added
  empty (a missing ``Req`` variable is a problem, reported by the conformance checker);
  ``Perm`` variables the derivation did not create are left out (SDTMIG 3.4, core
  designations: Permissible variables need not be present; Expected ones must be, even empty);
- a variable not in the spec is a problem, never silently dropped;
- numeric variables become float64 (dates with a DATE/DATETIME/TIME format become SAS numbers),
  character variables become object columns of str with None for missing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from specs.errors import WriteProblem
from specs.model import DatasetSpec, VariableSpec
from specs.values import FrameText, is_text

SAS_EPOCH = dt.date(1960, 1, 1)
_SAS_EPOCH64 = np.datetime64("1960-01-01", "D")


def date_kind(var: VariableSpec) -> str | None:
    """'date', 'datetime' or 'time' when a numeric variable carries a SAS date-type format."""
    fmt = (var.display_format or "").upper()
    if fmt.startswith(("DATETIME", "E8601DT", "IS8601DT")):
        return "datetime"
    if fmt.startswith(("DATE", "E8601DA", "IS8601DA", "YYMMDD", "DDMMYY", "MMDDYY")):
        return "date"
    if fmt.startswith(("TIME", "E8601TM", "IS8601TM")):
        return "time"
    return None


def to_sas_numeric(series: pd.Series, kind: str) -> pd.Series:
    """Dates/datetimes/times as SAS numbers: days or seconds since 1960-01-01 (or midnight)."""
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    if kind == "time":
        def seconds(value):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                return np.nan
            return value.hour * 3600 + value.minute * 60 + value.second
        return series.map(seconds).astype("float64")
    stamps = pd.to_datetime(series, errors="raise")
    if kind == "date":
        days = (stamps.values.astype("datetime64[D]") - _SAS_EPOCH64).astype("float64")
        days[pd.isna(stamps).to_numpy()] = np.nan
        return pd.Series(days, index=series.index)
    seconds = (stamps.values.astype("datetime64[s]") - _SAS_EPOCH64.astype("datetime64[s]")).astype("float64")
    seconds[pd.isna(stamps).to_numpy()] = np.nan
    return pd.Series(seconds, index=series.index)


def _as_character(series: pd.Series) -> pd.Series:
    """Object column of str, None for missing; whole floats print without '.0'."""
    if pd.api.types.is_float_dtype(series):
        def text(value: float):
            if np.isnan(value):
                return None
            return str(int(value)) if float(value).is_integer() else repr(float(value))
        return series.map(text).astype(object)
    if is_text(series):
        return _with_none(series)
    out = series.astype(object).where(series.notna(), None)
    return out.map(lambda v: v if v is None or isinstance(v, str) else str(v)).astype(object)


def _with_none(series: pd.Series) -> pd.Series:
    """A text column as an object column with None for every missing value (NaN, NA)."""
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    if not missing.any() and series.dtype == object:
        return series
    values = values.copy()
    values[missing] = None
    return pd.Series(values, index=series.index, dtype=object)


def conformed_text(frame: pd.DataFrame, spec: DatasetSpec) -> FrameText:
    """The text columns of a frame :func:`conform_to_spec` returned, factorized on demand: its
    character variables are object columns of ``str`` and None only, so they are not scanned
    for type first (:class:`specs.values.FrameText`)."""
    return FrameText(frame, known_text=frozenset(var.name for var in spec.variables if not var.is_numeric))


def conform_to_spec(data: pd.DataFrame, spec: DatasetSpec) -> tuple[pd.DataFrame, list[WriteProblem]]:
    """Order, complete and type a dataset per its spec; return it with the problems found."""
    problems: list[WriteProblem] = []
    known = set(spec.variable_names)
    for column in data.columns:
        if column not in known:
            problems.append(WriteProblem(spec.name, str(column), None, None, "variable is not in the spec"))
    columns: dict[str, pd.Series] = {}
    for var in spec.variables:
        if var.name not in data.columns:
            if var.core in ("Req", "Exp"):
                columns[var.name] = pd.Series([np.nan if var.is_numeric else None] * len(data), index=data.index,
                                              dtype="float64" if var.is_numeric else object)
            continue
        series = data[var.name]
        if var.is_numeric and series.dtype == "float64":
            columns[var.name] = series  # already a SAS number (dates included)
        elif var.is_numeric:
            kind = date_kind(var)
            try:
                columns[var.name] = to_sas_numeric(series, kind) if kind else pd.to_numeric(series, errors="raise").astype("float64")
            except (ValueError, TypeError):
                bad = series[pd.to_numeric(series, errors="coerce").isna() & series.notna()]
                row = int(bad.index[0]) if len(bad) else None
                value = bad.iloc[0] if len(bad) else None
                problems.append(WriteProblem(spec.name, var.name, row, value, f"{var.data_type} variable holds a non-numeric value"))
                columns[var.name] = series
        else:
            columns[var.name] = _as_character(series)
    return _frame_of(columns, len(data)), problems


def _frame_of(columns: dict[str, pd.Series], length: int) -> pd.DataFrame:
    """The columns as a frame with a fresh 0..n-1 index, each column kept as its own array (no
    consolidation into 2-D blocks: for millions of object values that copy is most of the time)."""
    arrays = {name: series.to_numpy() for name, series in columns.items()}
    return pd.DataFrame(arrays, index=pd.RangeIndex(length), copy=False)
