"""Dataset compare for double programming, with SAS PROC COMPARE semantics.

A production dataset (BASE) and its independent re-derivation (COMPARE) are read from XPT,
SAS7BDAT, CDISC Dataset-JSON 1.1 (``.json`` or ``.ndjson``) or CSV, matched on BY variables and
compared the way PROC COMPARE with an ID statement compares them (SAS 9.4 Procedures Guide,
"COMPARE Procedure": Concepts, "The Equality Criterion"; Results, "Procedure Output"):

- Dataset attributes: label and number of observations.
- Variables are matched by name, case-insensitively (names are upper-cased on entry, as SAS
  names are case-insensitive). For common variables: type, length, format and label.
- Observations are matched by the BY values (the ID statement); the data need not be sorted.
  Duplicate BY values, a warning in SAS, are reported as a difference; duplicates are matched
  in order of occurrence (first with first), extra ones count as observations in one side only.
- Numbers, with x the BASE and y the COMPARE value (criterion gamma = ``tolerance``):
  METHOD=ABSOLUTE: unequal when ``|y - x| > gamma``;
  METHOD=RELATIVE: unequal when ``|y - x| / ((|x| + |y|) / 2 + delta) > gamma``, equal when
  x = y = 0 (SAS's delta is 0 here). A missing value equals only a missing value.
  Diff. = y - x; % Diff. = 100 * (y - x) / x (blank when x is 0 or missing).
- Characters are compared exactly after removing trailing blanks (SAS pads character values
  with blanks to the variable length). SAS has no null character value, so a blank value and a
  missing (null) value compare equal; leading blanks and case are significant.
- A variable numeric in one dataset and character in the other is reported as a type
  conflict. SAS then skips its values; here they are compared as text (numbers written in the
  shortest exact form, SAS dates as ISO 8601) so the values are still checked.

Differences from SAS, stated: special missing values (.A-.Z) are read by pyreadstat as plain
missing and so compare equal to ``.``; CSV carries no attributes, so its columns have unknown
type, length, format and label: none of these are compared, and a CSV column is read as numbers
(or as ISO dates, when the other side has a date format) when the other side is numeric and
every value converts, otherwise compared as text. The report says so when it happens.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyreadstat

_EPOCH = np.datetime64("1960-01-01T00:00:00", "ns")
_DATE_FORMATS = {
    "DATE", "YYMMDD", "E8601DA", "IS8601DA", "B8601DA", "MMDDYY", "DDMMYY", "WORDDATE", "WORDDATX", "MONYY", "YYMMDDN",
}
_DATETIME_FORMATS = {"DATETIME", "E8601DT", "IS8601DT", "B8601DT", "DATEAMPM"}
_TIME_FORMATS = {"TIME", "TOD", "E8601TM", "IS8601TM", "B8601TM", "HHMM"}
_FORMAT_NAME = re.compile(r"^(\$?[A-Z_]+(?:\d+[A-Z_]+)*)(\d*)\.?(\d*)$")
_NUMERIC_JSON = {"integer", "float", "double", "decimal", "boolean"}
_TEMPORAL_JSON = {"date", "datetime", "time"}


class CompareUsageError(ValueError):
    """A problem the user fixes on the command line: missing file, unknown format, bad BY."""


@dataclass(frozen=True)
class VariableAttributes:
    """Attributes of one variable as its file declares them; None means unknown (e.g. CSV).

    ``type`` is ``"N"`` (numeric) or ``"C"`` (character); ``format`` is normalised
    (``"DATE9."``; ``""`` when the variable has no format); ``source_type`` is the type as the
    file states it (XPT ``double``/``string``, Dataset-JSON ``dataType[/targetDataType]``).
    """

    name: str
    type: str | None
    length: int | None = None
    label: str | None = None
    format: str | None = None
    source_type: str | None = None


@dataclass(frozen=True)
class DatasetAttributes:
    """Dataset name, label, file kind (XPT, SAS7BDAT, Dataset-JSON, CSV, DataFrame), variables."""

    name: str | None
    label: str | None
    source: str
    variables: tuple[VariableAttributes, ...]

    def variable(self, name: str) -> VariableAttributes | None:
        """Attributes of a variable (upper-case name), or None when not described."""
        for var in self.variables:
            if var.name.upper() == name.upper():
                return var
        return None


@dataclass(frozen=True)
class AttributeDifference:
    """A dataset attribute (``variable`` None) or variable attribute that differs."""

    variable: str | None
    attribute: str
    base: object
    compare: object


@dataclass(frozen=True, eq=False)
class ValueDifferences:
    """Unequal values of one variable over the matched observations.

    ``examples`` holds the first unequal observations in BY order: the BY variables, then
    BASE, COMPARE and, for numbers, DIFF (compare - base) and PCTDIFF (100 * DIFF / base).
    ``type`` is NUM or CHAR (CHAR also when values were compared as text); ``temporal`` says how
    to show numeric values (``date``/``datetime``/``time`` SAS values) or is None.
    """

    variable: str
    type: str
    count: int
    max_difference: float | None
    examples: pd.DataFrame
    temporal: str | None = None


@dataclass(frozen=True, eq=False)
class CompareResult:
    """Everything PROC COMPARE reports, as data. ``identical`` is the verdict.

    Frames of BY values: ``observations_only_in_base``/``_compare`` (every such observation),
    ``duplicates_in_base``/``_compare`` (every record whose BY values are not unique).
    """

    by: tuple[str, ...]
    method: str
    tolerance: float
    base_attributes: DatasetAttributes
    compare_attributes: DatasetAttributes
    base_records: int
    compare_records: int
    dataset_differences: tuple[AttributeDifference, ...]
    variable_differences: tuple[AttributeDifference, ...]
    variables_in_common: tuple[str, ...]
    variables_only_in_base: tuple[str, ...]
    variables_only_in_compare: tuple[str, ...]
    variables_compared: tuple[str, ...]
    observations_in_common: int
    observations_unequal: int
    observations_only_in_base: pd.DataFrame
    observations_only_in_compare: pd.DataFrame
    duplicates_in_base: pd.DataFrame
    duplicates_in_compare: pd.DataFrame
    value_differences: tuple[ValueDifferences, ...]
    read_as_numbers: tuple[str, ...] = ()

    @property
    def identical(self) -> bool:
        """True only when no difference of any kind was found (numbers within the criterion)."""
        return not (
            self.dataset_differences or self.variable_differences or self.variables_only_in_base
            or self.variables_only_in_compare or len(self.observations_only_in_base)
            or len(self.observations_only_in_compare) or len(self.duplicates_in_base)
            or len(self.duplicates_in_compare) or self.value_differences
        )

    @property
    def unequal_values(self) -> int:
        """Total number of values which compare unequal."""
        return sum(v.count for v in self.value_differences)


# ---------------------------------------------------------------------------------- reading
def normalise_format(text: str | None) -> str:
    """A SAS format as ``NAME<w>.<d>`` upper case (``DATE9`` -> ``DATE9.``); ``""`` for none."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    text = str(text).strip().upper()
    if not text:
        return ""
    return text if "." in text else text + "."


def _temporal_of_format(fmt: str | None) -> str | None:
    match = _FORMAT_NAME.match(fmt or "")
    name = match.group(1) if match else ""
    if name in _DATE_FORMATS:
        return "date"
    if name in _DATETIME_FORMATS:
        return "datetime"
    if name in _TIME_FORMATS:
        return "time"
    return None


def _read_sas(path: Path, source: str) -> tuple[pd.DataFrame, DatasetAttributes]:
    reader = pyreadstat.read_xport if source == "XPT" else pyreadstat.read_sas7bdat
    frame, meta = reader(str(path), disable_datetime_conversion=True)
    variables = tuple(
        VariableAttributes(
            name=name,
            type="N" if meta.readstat_variable_types[name] == "double" else "C",
            length=meta.variable_storage_width.get(name),
            label=meta.column_names_to_labels.get(name) or "",
            format=normalise_format(meta.original_variable_types.get(name)),
            source_type=meta.readstat_variable_types[name],
        )
        for name in frame.columns
    )
    label = meta.file_label or ""
    return frame, DatasetAttributes(meta.table_name or path.stem.upper(), label, source, variables)


def _json_column(values: list, column: dict) -> pd.Series:
    """Dataset-JSON values of one column as SAS would hold them (numbers or text)."""
    data_type = column.get("dataType", "string")
    series = pd.Series(values, dtype=object)
    if data_type in _TEMPORAL_JSON and column.get("targetDataType") == "integer":
        return _iso_to_sas(series, data_type)
    if data_type in _NUMERIC_JSON:
        return pd.to_numeric(series.map(lambda v: v if v is None else float(v)), errors="raise").astype(float)
    return series.where(series.notna(), None)


def _read_json(path: Path) -> tuple[pd.DataFrame, DatasetAttributes]:
    try:
        if path.suffix.lower() == ".ndjson":
            lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
            document = json.loads(lines[0]) if lines else {}
            rows = [json.loads(ln) for ln in lines[1:]]
        else:
            document = json.loads(path.read_text(encoding="utf-8"))
            rows = document.get("rows", [])
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CompareUsageError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("columns"), list):
        raise CompareUsageError(f"{path}: not a Dataset-JSON file (no 'columns')")
    columns = document["columns"]
    if not all(isinstance(c, dict) and c.get("name") for c in columns):
        raise CompareUsageError(f"{path}: every column needs a name")
    names = [str(c["name"]) for c in columns]
    if len({n.upper() for n in names}) != len(names):
        raise CompareUsageError(f"{path}: duplicate column names")
    if not isinstance(rows, list) or any(not isinstance(row, list) or len(row) != len(columns) for row in rows):
        raise CompareUsageError(f"{path}: rows do not all have {len(columns)} values")
    by_column = list(zip(*rows)) if rows else [[] for _ in columns]
    data = {}
    for name, values, column in zip(names, by_column, columns):
        try:
            data[name] = _json_column(list(values), column)
        except (ValueError, TypeError) as error:
            message = f"{path}: column {name}: a value is not of dataType {column.get('dataType')} ({error})"
            raise CompareUsageError(message) from None
    frame = pd.DataFrame(data, columns=names)
    variables = []
    for column in columns:
        data_type = column.get("dataType", "string")
        target = column.get("targetDataType")
        numeric = data_type in _NUMERIC_JSON or (data_type in _TEMPORAL_JSON and target == "integer")
        variables.append(VariableAttributes(
            name=column["name"], type="N" if numeric else "C", length=column.get("length"),
            label=column.get("label", ""), format=normalise_format(column.get("displayFormat")),
            source_type=data_type + (f"/{target}" if target else ""),
        ))
    return frame, DatasetAttributes(document.get("name"), document.get("label", ""), "Dataset-JSON", tuple(variables))


def _read_csv(path: Path) -> tuple[pd.DataFrame, DatasetAttributes]:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise CompareUsageError(f"{path}: cannot read as CSV ({error})") from None
    frame = frame.astype(object).where(frame.notna(), None)
    variables = tuple(VariableAttributes(name=str(c), type=None) for c in frame.columns)
    return frame, DatasetAttributes(path.stem.upper(), None, "CSV", variables)


def read_dataset(path: Path | str) -> tuple[pd.DataFrame, DatasetAttributes]:
    """Read a dataset and its attributes from XPT, SAS7BDAT, Dataset-JSON 1.1 or CSV.

    Parameters
    ----------
    path : Path or str
        ``.xpt``, ``.sas7bdat``, ``.json``/``.ndjson`` (Dataset-JSON 1.1) or ``.csv``.

    Returns
    -------
    (DataFrame, DatasetAttributes)
        Numeric variables as float (NaN missing; SAS dates/datetimes/times as SAS numbers),
        character variables as text (None missing). XPT/SAS7BDAT: labels, types, storage
        lengths, formats and dataset label from the file. Dataset-JSON: ``columns`` give name,
        label, dataType, length, displayFormat; ``null`` is missing; ISO 8601 values of
        dataType date/datetime/time with targetDataType ``integer`` become SAS numeric dates
        (days since 1960-01-01), datetimes (seconds) and times (seconds). CSV: every value is
        text, blank is missing, and attributes are unknown (None).

    Raises
    ------
    CompareUsageError
        The file does not exist, its extension is not one of the above, or it cannot be parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise CompareUsageError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".xpt":
            return _read_sas(path, "XPT")
        if suffix == ".sas7bdat":
            return _read_sas(path, "SAS7BDAT")
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
        raise CompareUsageError(f"{path}: cannot read ({error})") from None
    if suffix in (".json", ".ndjson"):
        return _read_json(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise CompareUsageError(f"{path}: unknown format '{suffix}' (use .xpt, .sas7bdat, .json, .ndjson or .csv)")


# ------------------------------------------------------------------------- canonical values
@dataclass(frozen=True)
class _Column:
    kind: str                 # "N" number, "C" character, "?" text of unknown type (CSV)
    values: np.ndarray        # float64 for N, object (str / None) otherwise
    temporal: str | None = None
    from_dtype: bool = False  # an in-memory date/datetime: days or seconds chosen from its values


def _iso_to_sas(series: pd.Series, temporal: str) -> pd.Series:
    """ISO 8601 text (or date/datetime objects) -> SAS days (date) or seconds (datetime/time)."""
    present = series.notna()
    if temporal == "time":
        delta = pd.to_timedelta(series.where(present, None).astype(object), errors="raise")
        return pd.Series(delta.dt.total_seconds().to_numpy(), index=series.index)
    stamps = pd.to_datetime(series.where(present, None), format="ISO8601", errors="raise")
    return pd.Series(_datetimes_to_sas(stamps, temporal)[0], index=series.index)


def _datetimes_to_sas(stamps: pd.Series, temporal: str | None = None) -> tuple[np.ndarray, str]:
    """Naive datetimes -> SAS days when all are midnight (or ``temporal`` is date), else seconds."""
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    raw = stamps.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(raw)
    seconds = (raw - _EPOCH).astype("timedelta64[ns]").astype(np.int64) / 1e9
    seconds[missing] = np.nan
    if temporal is None:
        midnight = np.all(np.mod(seconds[~missing], 86400.0) == 0)
        temporal = "date" if midnight else "datetime"
    values = seconds / 86400.0 if temporal == "date" else seconds
    return values, temporal


def _numeric_column(series: pd.Series, temporal: str | None) -> _Column:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values, temporal = _datetimes_to_sas(series, temporal)
        return _Column("N", values, temporal, from_dtype=True)
    if pd.api.types.is_timedelta64_dtype(dtype):
        return _Column("N", series.dt.total_seconds().to_numpy(dtype=float), temporal or "time")
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return _Column("N", series.to_numpy(dtype=float, na_value=np.nan), temporal)
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "date":
        values, _ = _datetimes_to_sas(pd.to_datetime(series), "date")
        return _Column("N", values, "date", from_dtype=True)
    if inferred in ("datetime", "datetime64"):
        return _numeric_column(pd.to_datetime(series), temporal)
    if inferred == "time":
        text = series.map(lambda t: None if t is None or t != t else t.isoformat())
        return _Column("N", _iso_to_sas(text, "time").to_numpy(), "time")
    if inferred == "empty":
        return _Column("N", np.full(len(series), np.nan), temporal)
    return _Column("N", pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan), temporal)


def _canonical(series: pd.Series, attr: VariableAttributes | None) -> _Column:
    """One variable's values in the form they are compared in."""
    temporal = _temporal_of_format(attr.format) if attr else None
    declared = (attr.source_type or "").split("/")[0] if attr else ""
    if attr and not temporal and attr.type == "N" and declared in _TEMPORAL_JSON:
        temporal = declared
    if attr is not None and attr.type is None:
        return _Column("?", _object_values(series))
    numeric = attr.type == "N" if attr is not None else _looks_numeric(series)
    if numeric:
        return _numeric_column(series, temporal)
    return _Column("C", _object_values(series))


def _object_values(series: pd.Series) -> np.ndarray:
    """Text values as an object array without copying plain object columns (NaN left in place)."""
    if series.dtype == object:
        return series.to_numpy()
    return series.to_numpy(dtype=object, na_value=None)


def _looks_numeric(series: pd.Series) -> bool:
    dtype = series.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return True
    if dtype == object:
        kinds = (str, dt.date, dt.time, np.datetime64, int, float, np.number)
        first = next((v for v in series.array if isinstance(v, kinds) and not (isinstance(v, float) and v != v)), None)
        return isinstance(first, (dt.date, dt.time, np.datetime64, int, float, np.number))
    return False


def _clean_text(value: object) -> str | None:
    """SAS character semantics: trailing blanks dropped; blank and missing are the same."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.rstrip(" ")
    return text or None


def _clean_texts(values: np.ndarray) -> np.ndarray:
    """:func:`_clean_text` over an array (the common case, a str, inlined for speed)."""
    out = np.empty(len(values), dtype=object)
    out[:] = [(v.rstrip(" ") or None) if type(v) is str else _clean_text(v) for v in values.tolist()]
    return out


def _number_text(value: float, temporal: str | None) -> str | None:
    """A SAS number as text: ISO 8601 for dates/datetimes/times, else the shortest exact form."""
    if math.isnan(value):
        return None
    if temporal == "date":
        return str(np.datetime64("1960-01-01", "D") + np.timedelta64(int(math.floor(value)), "D"))
    if temporal == "datetime":
        return str(_EPOCH + np.timedelta64(int(round(value * 1e9)), "ns"))[:19]
    if temporal == "time":
        whole = int(round(value))
        return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _as_text(column: _Column) -> np.ndarray:
    if column.kind != "N":
        return column.values
    out = np.empty(len(column.values), dtype=object)
    out[:] = [_number_text(v, column.temporal) for v in column.values.tolist()]
    return out


def _parse_numbers(values: np.ndarray, temporal: str | None) -> np.ndarray | None:
    """CSV text as SAS numbers when every non-blank value converts, else None."""
    text = pd.Series(_clean_texts(values), dtype=object)
    present = text.notna().to_numpy()
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.array_equal(~np.isnan(numbers), present):
        return numbers
    if temporal:
        try:
            return _iso_to_sas(text, temporal).to_numpy(dtype=float)
        except (ValueError, TypeError):
            return None
    return None


def _resolve(name: str, b: _Column, c: _Column) -> tuple[str, np.ndarray, np.ndarray, str | None, bool]:
    """Common representation of a common variable: (mode N/C, base, compare, temporal, read as numbers)."""
    if b.kind == "N" and c.kind == "N":
        if {b.temporal, c.temporal} == {"date", "datetime"}:
            # an in-memory date column (SAS days) against datetimes (seconds): same unit first
            if b.temporal == "date" and b.from_dtype:
                return "N", b.values * 86400.0, c.values, "datetime", False
            if c.temporal == "date" and c.from_dtype:
                return "N", b.values, c.values * 86400.0, "datetime", False
        return "N", b.values, c.values, b.temporal or c.temporal, False
    if {b.kind, c.kind} == {"N", "?"}:
        number, text = (b, c) if b.kind == "N" else (c, b)
        parsed = _parse_numbers(text.values, number.temporal)
        if parsed is not None:
            pair = (b.values, parsed) if b.kind == "N" else (parsed, c.values)
            return "N", pair[0], pair[1], number.temporal, True
    return "C", _as_text(b), _as_text(c), None, False


# ------------------------------------------------------------------------------- comparison
def compute_numeric_unequal(base: np.ndarray, compare: np.ndarray, *, tolerance: float, method: str) -> np.ndarray:
    """Boolean mask of unequal numbers per PROC COMPARE's equality criterion (see module doc)."""
    b_missing, c_missing = np.isnan(base), np.isnan(compare)
    both = ~b_missing & ~c_missing
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = np.abs(compare - base)
        if method == "relative":
            measure = diff / ((np.abs(base) + np.abs(compare)) / 2.0)
        else:
            measure = diff
        unequal = both & (base != compare) & ~(measure <= tolerance)
    return unequal | (b_missing ^ c_missing)


def compute_text_unequal(base: np.ndarray, compare: np.ndarray) -> np.ndarray:
    """Boolean mask of unequal character values (trailing blanks ignored, blank == missing).

    Exact equality is tested first in C; only the pairs that differ there are cleaned and
    tested again, so long columns of equal values cost one vectorised pass.
    """
    try:
        unequal = ~np.asarray(base == compare, dtype=bool) if len(base) else np.zeros(0, dtype=bool)
    except TypeError:  # a value (pd.NA) that refuses to compare: clean everything
        unequal = np.ones(len(base), dtype=bool)
    suspects = np.flatnonzero(unequal)
    if len(suspects):
        cleaned_b, cleaned_c = _clean_texts(base[suspects]), _clean_texts(compare[suspects])
        unequal[suspects] = [x != y for x, y in zip(cleaned_b, cleaned_c)]
    return unequal


def _match(b_keys: list[np.ndarray], c_keys: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Match observations on their BY values, as PROC COMPARE's ID statement does.

    The BY values of both sides are coded together as one sortable integer (factorised per
    variable, combined lexicographically), so matching is integer set algebra. Records sharing
    BY values are matched in order of occurrence. Returns, all in BY order, the row positions
    of the matched pairs (base, compare), of the observations only in base and only in compare,
    then the masks of base and compare records whose BY values are not unique.
    """
    n_base = len(b_keys[0])
    code = np.zeros(n_base + len(c_keys[0]), dtype=np.int64)
    for kb, kc in zip(b_keys, c_keys):
        values = np.concatenate([kb, kc])
        if values.dtype == object:  # text: clean the distinct values only, then code the cleaned ones
            raw_codes, raw_uniques = pd.factorize(values, use_na_sentinel=False)
            clean_codes, uniques = pd.factorize(_clean_texts(np.asarray(raw_uniques, dtype=object)), sort=True,
                                                use_na_sentinel=False)
            part = clean_codes[raw_codes]
        else:
            part, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
        code, _ = pd.factorize(code * max(len(uniques), 1) + part, sort=True)
    code_b, code_c = pd.Series(code[:n_base]), pd.Series(code[n_base:])
    dup_b = code_b.duplicated(keep=False).to_numpy()
    dup_c = code_c.duplicated(keep=False).to_numpy()
    key_b, key_c = code_b.to_numpy(), code_c.to_numpy()
    if dup_b.any() or dup_c.any():
        occ_b = code_b.groupby(code_b).cumcount().to_numpy()
        occ_c = code_c.groupby(code_c).cumcount().to_numpy()
        width = max(occ_b.max(initial=0), occ_c.max(initial=0)) + 1
        key_b, key_c = key_b * width + occ_b, key_c * width + occ_c
    _, pos_b, pos_c = np.intersect1d(key_b, key_c, assume_unique=True, return_indices=True)
    only = []
    for keys, matched in ((key_b, pos_b), (key_c, pos_c)):
        alone = np.ones(len(keys), dtype=bool)
        alone[matched] = False
        rows = np.flatnonzero(alone)
        only.append(rows[np.argsort(keys[rows], kind="stable")])
    return pos_b, pos_c, only[0], only[1], dup_b, dup_c


def _key_values(name: str, b: _Column, c: _Column) -> tuple[np.ndarray, np.ndarray]:
    _, bv, cv, _, _ = _resolve(name, b, c)
    return bv, cv


def _attribute_differences(
    name: str, b: VariableAttributes | None, c: VariableAttributes | None
) -> list[AttributeDifference]:
    out: list[AttributeDifference] = []
    if b is None or c is None:
        return out
    if b.type and c.type and b.type != c.type:
        out.append(AttributeDifference(name, "type", _TYPE_NAMES[b.type], _TYPE_NAMES[c.type]))
    elif b.length is not None and c.length is not None and b.length != c.length:
        out.append(AttributeDifference(name, "length", b.length, c.length))
    if b.format is not None and c.format is not None and b.format != c.format:
        out.append(AttributeDifference(name, "format", b.format, c.format))
    if b.label is not None and c.label is not None and b.label.rstrip() != c.label.rstrip():
        out.append(AttributeDifference(name, "label", b.label, c.label))
    return out


_TYPE_NAMES = {"N": "NUM", "C": "CHAR", None: "?"}


def infer_attributes(frame: pd.DataFrame, *, name: str | None = None) -> DatasetAttributes:
    """Attributes of an in-memory frame: type from the dtype; length, format, label unknown."""
    variables = tuple(VariableAttributes(str(c), "N" if _looks_numeric(frame[c]) else "C") for c in frame.columns)
    return DatasetAttributes(name, None, "DataFrame", variables)


def _upper(frame: pd.DataFrame, attrs: DatasetAttributes) -> tuple[pd.DataFrame, DatasetAttributes, str]:
    upper = [str(c).upper() for c in frame.columns]
    if len(set(upper)) != len(upper):
        raise CompareUsageError(f"{attrs.source} dataset has variable names that differ only in case")
    variables = tuple(
        VariableAttributes(v.name.upper(), v.type, v.length, v.label, v.format, v.source_type) for v in attrs.variables
    )
    known = {v.name for v in variables}
    if list(frame.columns) != upper:
        frame = frame.set_axis(upper, axis=1)
    extra = infer_attributes(frame[[c for c in upper if c not in known]]).variables
    return frame, DatasetAttributes(attrs.name, attrs.label, attrs.source, variables + extra), upper


def compare_datasets(
    base: pd.DataFrame,
    compare: pd.DataFrame,
    *,
    by: list[str],
    tolerance: float = 1e-8,
    method: Literal["absolute", "relative"] = "absolute",
    base_attributes: DatasetAttributes | None = None,
    compare_attributes: DatasetAttributes | None = None,
    keep_examples: int = 100,
) -> CompareResult:
    """Compare two datasets as PROC COMPARE with an ID statement does (see the module doc).

    Parameters
    ----------
    base, compare : DataFrame
        The production (BASE=) and QC (COMPARE=) datasets.
    by : list of str
        Variables that identify an observation (PROC COMPARE's ID statement); required in both.
    tolerance : float
        The criterion gamma (CRITERION=), >= 0.
    method : {"absolute", "relative"}
        METHOD=ABSOLUTE: unequal when ``|y - x| > gamma``. METHOD=RELATIVE: unequal when
        ``|y - x| / ((|x| + |y|) / 2) > gamma`` (SAS's delta = 0), equal when x = y = 0.
    base_attributes, compare_attributes : DatasetAttributes, optional
        As returned by :func:`read_dataset`; inferred from the dtypes when omitted (then length,
        format and label are unknown and not compared).
    keep_examples : int
        How many unequal observations per variable to keep as examples.

    Returns
    -------
    CompareResult

    Raises
    ------
    CompareUsageError
        No BY variable given, or a BY variable missing from either dataset.

    Examples
    --------
    >>> b = pd.DataFrame({"USUBJID": ["01", "02"], "AGE": [61.0, 70.0]})
    >>> c = pd.DataFrame({"USUBJID": ["01", "02"], "AGE": [61.0, 71.0]})
    >>> r = compare_datasets(b, c, by=["USUBJID"])
    >>> r.identical, r.value_differences[0].variable, r.value_differences[0].count
    (False, 'AGE', 1)
    """
    if method not in ("absolute", "relative"):
        raise CompareUsageError(f"method must be 'absolute' or 'relative', not {method!r}")
    if not (tolerance >= 0) or math.isinf(tolerance):
        raise CompareUsageError(f"tolerance must be a finite number >= 0, not {tolerance!r}")
    by = [str(v).strip().upper() for v in by if str(v).strip()]
    if not by:
        raise CompareUsageError("give at least one BY variable")
    base, b_attrs, b_names = _upper(base, base_attributes or infer_attributes(base))
    compare, c_attrs, c_names = _upper(compare, compare_attributes or infer_attributes(compare))
    for side, names in (("base", b_names), ("compare", c_names)):
        absent = [v for v in by if v not in names]
        if absent:
            raise CompareUsageError(f"BY variable(s) {', '.join(absent)} not in the {side} dataset")
    in_b, in_c = set(b_names), set(c_names)
    common = [v for v in b_names if v in in_c]
    only_b = tuple(v for v in b_names if v not in in_c)
    only_c = tuple(v for v in c_names if v not in in_b)

    columns_b = {v: _canonical(base[v], b_attrs.variable(v)) for v in common}
    columns_c = {v: _canonical(compare[v], c_attrs.variable(v)) for v in common}

    keys = [_key_values(v, columns_b[v], columns_c[v]) for v in by]
    pos_b, pos_c, only_in_b, only_in_c, dup_b, dup_c = _match([k[0] for k in keys], [k[1] for k in keys])

    by_values_b = base[by].reset_index(drop=True)
    by_values_c = compare[by].reset_index(drop=True)
    obs_unequal = np.zeros(len(pos_b), dtype=bool)
    value_diffs: list[ValueDifferences] = []
    read_as_numbers: list[str] = []
    compared = [v for v in common if v not in by]
    for name in compared:
        mode, bv, cv, temporal, coerced = _resolve(name, columns_b[name], columns_c[name])
        if coerced:
            read_as_numbers.append(name)
        bv, cv = bv[pos_b], cv[pos_c]
        if mode == "N":
            unequal = compute_numeric_unequal(bv, cv, tolerance=tolerance, method=method)
        else:
            unequal = compute_text_unequal(bv, cv)
        count = int(unequal.sum())
        if not count:
            continue
        obs_unequal |= unequal
        rows = np.flatnonzero(unequal)
        examples = by_values_b.iloc[pos_b[rows[:keep_examples]]].reset_index(drop=True)
        shown_b, shown_c = bv[rows[:keep_examples]], cv[rows[:keep_examples]]
        examples["BASE"] = shown_b if mode == "N" else _clean_texts(shown_b)
        examples["COMPARE"] = shown_c if mode == "N" else _clean_texts(shown_c)
        max_diff = None
        if mode == "N":
            with np.errstate(invalid="ignore", divide="ignore"):
                diff = cv[rows] - bv[rows]
                examples["DIFF"] = diff[:keep_examples]
                base_shown = bv[rows[:keep_examples]]
                examples["PCTDIFF"] = np.where(base_shown != 0, 100.0 * diff[:keep_examples] / base_shown, np.nan)
            finite = np.abs(diff[~np.isnan(diff)])
            max_diff = float(finite.max()) if len(finite) else None
        kind = "NUM" if mode == "N" else "CHAR"
        value_diffs.append(ValueDifferences(name, kind, count, max_diff, examples, temporal))

    dataset_diffs = []
    if b_attrs.label is not None and c_attrs.label is not None and b_attrs.label.rstrip() != c_attrs.label.rstrip():
        dataset_diffs.append(AttributeDifference(None, "label", b_attrs.label, c_attrs.label))
    if len(base) != len(compare):
        dataset_diffs.append(AttributeDifference(None, "records", len(base), len(compare)))
    variable_diffs = [d for v in common for d in _attribute_differences(v, b_attrs.variable(v), c_attrs.variable(v))]

    return CompareResult(
        by=tuple(by), method=method, tolerance=float(tolerance),
        base_attributes=b_attrs, compare_attributes=c_attrs,
        base_records=len(base), compare_records=len(compare),
        dataset_differences=tuple(dataset_diffs), variable_differences=tuple(variable_diffs),
        variables_in_common=tuple(common), variables_only_in_base=only_b, variables_only_in_compare=only_c,
        variables_compared=tuple(compared),
        observations_in_common=int(len(pos_b)), observations_unequal=int(obs_unequal.sum()),
        observations_only_in_base=by_values_b.iloc[only_in_b].reset_index(drop=True),
        observations_only_in_compare=by_values_c.iloc[only_in_c].reset_index(drop=True),
        duplicates_in_base=by_values_b[dup_b].reset_index(drop=True),
        duplicates_in_compare=by_values_c[dup_c].reset_index(drop=True),
        value_differences=tuple(value_diffs), read_as_numbers=tuple(read_as_numbers),
    )


def compare_files(
    base_path: Path | str,
    compare_path: Path | str,
    *,
    by: list[str],
    tolerance: float = 1e-8,
    method: Literal["absolute", "relative"] = "absolute",
    keep_examples: int = 100,
) -> CompareResult:
    """Read two dataset files (:func:`read_dataset`) and compare them (:func:`compare_datasets`)."""
    base, base_attrs = read_dataset(base_path)
    compare, compare_attrs = read_dataset(compare_path)
    return compare_datasets(
        base, compare, by=by, tolerance=tolerance, method=method,
        base_attributes=base_attrs, compare_attributes=compare_attrs, keep_examples=keep_examples,
    )


# ----------------------------------------------------------------------------------- report
def _show(value: object, temporal: str | None = None) -> str:
    """A value as the report shows it: '.' for a missing number, blank for missing text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "."
        if temporal:
            return _number_text(float(value), temporal) or "."
        return f"{float(value):.15g}"
    if isinstance(value, (int, np.integer)):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _show_diff(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.6g}"


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset(), indent: int = 2) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return (" " * indent + "  ".join(parts)).rstrip()

    rule = ["||" if h == "||" else "-" * w for h, w in zip(headers, widths)]
    return [line(headers), line(rule)] + [line(r) for r in rows]


def _title(text: str) -> list[str]:
    return ["", text, "=" * len(text), ""]


def _by_rows(frame: pd.DataFrame, limit: int) -> list[list[str]]:
    return [[_show(v) for v in row] for row in frame.head(limit).itertuples(index=False)]


def _data_set_summary(result: CompareResult, b: str, c: str) -> list[str]:
    ba, ca = result.base_attributes, result.compare_attributes
    nvar_b = len(result.variables_in_common) + len(result.variables_only_in_base)
    nvar_c = len(result.variables_in_common) + len(result.variables_only_in_compare)
    rows = [[b, ba.source, str(nvar_b), str(result.base_records), ba.label or ""],
            [c, ca.source, str(nvar_c), str(result.compare_records), ca.label or ""]]
    return _title("Data Set Summary") + _table(["Dataset", "Source", "NVar", "NObs", "Label"], rows, right={2, 3})


def _variables_summary(result: CompareResult, b: str, c: str) -> list[str]:
    ba, ca = result.base_attributes, result.compare_attributes
    differences = result.variable_differences
    conflicting = {d.variable for d in differences if d.attribute == "type"}
    differing = {d.variable for d in differences if d.attribute != "type"}
    out = _title("Variables Summary") + [
        f"Number of Variables in Common: {len(result.variables_in_common)}.",
        f"Number of Variables in {b} but not in {c}: {len(result.variables_only_in_base)}.",
        f"Number of Variables in {c} but not in {b}: {len(result.variables_only_in_compare)}.",
        f"Number of Variables with Conflicting Types: {len(conflicting)}.",
        f"Number of Variables with Differing Attributes: {len(differing)}.",
        f"Number of BY Variables: {len(result.by)} ({', '.join(result.by)}).",
    ]
    for name, attributes in ((b, ba), (c, ca)):
        if any(v.type is None for v in attributes.variables):
            out.append(f"NOTE: {name} is {attributes.source}: its variable types, lengths, formats and labels "
                       "are unknown and not compared.")
    if result.read_as_numbers:
        out.append(f"NOTE: CSV values read as numbers to match the other dataset: {', '.join(result.read_as_numbers)}.")
    for first, second, names in ((b, c, result.variables_only_in_base), (c, b, result.variables_only_in_compare)):
        if names:
            out += ["", f"Listing of Variables in {first} but not in {second}:", "  " + " ".join(names)]
    if differences:
        rows = []
        for variable in dict.fromkeys(d.variable for d in differences):
            which = ", ".join(sorted({d.attribute for d in differences if d.variable == variable}))
            for dataset, attributes in ((b, ba), (c, ca)):
                var = attributes.variable(variable)
                first = dataset == b
                length = "" if var.length is None else str(var.length)
                rows.append([variable if first else "", dataset, _TYPE_NAMES[var.type], length,
                             var.format or "", var.label or "", which if first else ""])
        out += ["", "Listing of Common Variables with Conflicting Types or Differing Attributes", ""]
        out += _table(["Variable", "Dataset", "Type", "Length", "Format", "Label", "Differs in"], rows, right={3})
    return out


def _observation_summary(result: CompareResult, b: str, c: str, max_examples: int) -> list[str]:
    out = _title("Observation Summary") + [
        f"Number of Observations in Common: {result.observations_in_common}.",
        f"Number of Observations in {b} but not in {c}: {len(result.observations_only_in_base)}.",
        f"Number of Observations in {c} but not in {b}: {len(result.observations_only_in_compare)}.",
        f"Total Number of Observations Read from {b}: {result.base_records}.",
        f"Total Number of Observations Read from {c}: {result.compare_records}.",
        "",
        f"Number of Observations with Some Compared Variables Unequal: {result.observations_unequal}.",
        "Number of Observations with All Compared Variables Equal: "
        f"{result.observations_in_common - result.observations_unequal}.",
    ]
    for name, dups in ((b, result.duplicates_in_base), (c, result.duplicates_in_compare)):
        if len(dups):
            out += ["", f"WARNING: {name} has {len(dups)} observations whose BY values are not unique "
                    f"(matched in order of occurrence; first {min(len(dups), max_examples)} shown):"]
            out += _table(list(result.by), _by_rows(dups, max_examples))
    for first, second, frame in ((b, c, result.observations_only_in_base), (c, b, result.observations_only_in_compare)):
        if len(frame):
            shown = min(len(frame), max_examples)
            out += ["", f"Listing of Observations in {first} but not in {second} (first {shown} of {len(frame)}):"]
            out += _table(list(result.by), _by_rows(frame, max_examples))
    return out


def _values_summary(result: CompareResult) -> list[str]:
    out = _title("Values Comparison Summary") + [
        "Number of Variables Compared with All Observations Equal: "
        f"{len(result.variables_compared) - len(result.value_differences)}.",
        f"Number of Variables Compared with Some Observations Unequal: {len(result.value_differences)}.",
        f"Total Number of Values which Compare Unequal: {result.unequal_values}.",
    ]
    numeric_max = [v.max_difference for v in result.value_differences if v.max_difference is not None]
    if numeric_max:
        out.append(f"Maximum Difference: {_show_diff(max(numeric_max))}.")
    if not result.value_differences:
        return out
    rows = []
    for v in result.value_differences:
        var = result.base_attributes.variable(v.variable)
        length = "" if var is None or var.length is None else str(var.length)
        max_diff = "" if v.max_difference is None else _show_diff(v.max_difference)
        rows.append([v.variable, v.type, length, str(v.count), max_diff])
    headers = ["Variable", "Type", "Len", "Ndif", "MaxDif"]
    return out + _title("Variables with Unequal Values") + _table(headers, rows, right={2, 3, 4})


def _value_results(result: CompareResult, max_examples: int) -> list[str]:
    if not result.value_differences:
        return []
    out = _title("Value Comparison Results for Variables")
    by = list(result.by)
    for v in result.value_differences:
        shown = v.examples.head(max_examples)
        numeric = v.type == "NUM"
        headers = by + ["||", f"Base {v.variable}", f"Compare {v.variable}"] + (["Diff.", "% Diff"] if numeric else [])
        rows = []
        for row in shown.itertuples(index=False):
            cells = [_show(x) for x in row[: len(by)]] + ["||"]
            if numeric:
                cells += [_show(row.BASE, v.temporal), _show(row.COMPARE, v.temporal), _show_diff(row.DIFF),
                          "" if v.temporal else _show_diff(row.PCTDIFF)]
            else:
                cells += [_clean_text(row.BASE) or "", _clean_text(row.COMPARE) or ""]
            rows.append(cells)
        right = set(range(len(by) + 1, len(by) + 5)) if numeric else set()
        out += [f"{v.variable} ({v.type}): {v.count} unequal value(s), first {len(shown)} shown", ""]
        out += _table(headers, rows, right=right) + [""]
    return out


def _verdict(result: CompareResult) -> str:
    if result.identical:
        return "NOTE: No differences were found. All values compared are equal within the criterion."
    found = []
    if result.dataset_differences:
        found.append("dataset attributes (" + ", ".join(d.attribute for d in result.dataset_differences) + ")")
    if result.variable_differences:
        found.append(f"attributes of {len({d.variable for d in result.variable_differences})} variable(s)")
    if result.variables_only_in_base or result.variables_only_in_compare:
        found.append("variables in one dataset only")
    if len(result.observations_only_in_base) or len(result.observations_only_in_compare):
        found.append("observations in one dataset only")
    if len(result.duplicates_in_base) or len(result.duplicates_in_compare):
        found.append("duplicate BY values")
    if result.value_differences:
        found.append(f"{result.unequal_values} unequal value(s) in {len(result.value_differences)} variable(s)")
    return "NOTE: The datasets differ: " + "; ".join(found) + "."


def format_report(result: CompareResult, *, base_name: str, compare_name: str, max_examples: int = 10) -> str:
    """A plain-text report shaped like PROC COMPARE's listing output.

    Sections, in PROC COMPARE's order: Data Set Summary; Variables Summary (with listings of
    variables in one dataset only and of common variables with conflicting types or differing
    attributes); Observation Summary (with duplicate BY values and observations in one dataset
    only); Values Comparison Summary; Variables with Unequal Values (Ndif, MaxDif); Value
    Comparison Results (the first ``max_examples`` unequal observations per variable with BY
    values, base and compare values, Diff. and % Diff); a closing verdict line. Missing numbers
    show as ``.``, missing characters as blank, SAS dates/datetimes/times as ISO 8601.
    """
    b, c = base_name, compare_name
    out = [
        "The COMPARE Procedure (subpack compare)",
        f"Comparison of {b} with {c}",
        f"(Method={result.method.upper()}, Criterion={result.tolerance:g}, BY {' '.join(result.by)})",
    ]
    out += _data_set_summary(result, b, c)
    out += _variables_summary(result, b, c)
    out += _observation_summary(result, b, c, max_examples)
    out += _values_summary(result)
    out += _value_results(result, max_examples)
    out += ["", _verdict(result)]
    return "\n".join(out) + "\n"


def main_compare(base: str, compare: str, by: str, tolerance: float = 1e-8, max_examples: int = 10,
                 method: Literal["absolute", "relative"] = "absolute") -> int:
    """``subpack compare BASE COMPARE --by KEYS [--tolerance T]``: print the report.

    Returns the exit code: 0 when the datasets are identical within the tolerance, 1 when they
    differ, 2 for a usage problem (file missing, unknown format, BY variable absent, bad
    option), with a one-line message on stderr and no traceback.
    """
    try:
        result = compare_files(base, compare, by=[v for v in by.split(",")], tolerance=tolerance,
                               method=method, keep_examples=max(max_examples, 0))
    except CompareUsageError as error:
        print(f"subpack compare: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(format_report(result, base_name=base, compare_name=compare, max_examples=max_examples))
    return 0 if result.identical else 1
