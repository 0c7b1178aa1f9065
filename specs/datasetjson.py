"""CDISC Dataset-JSON 1.1 writer that applies the spec.

Structure per the Dataset-JSON 1.1 specification (CDISC, 2024): top-level metadata, ``columns``
(itemOID, name, label, dataType, targetDataType, length, displayFormat, keySequence) and ``rows``
(one array per record, values in column order, missing values ``null``). Numeric dates are
written as ISO 8601 strings with ``dataType`` ``date``/``datetime`` and ``targetDataType``
``integer``, as the specification prescribes for SAS numeric dates. OIDs follow define.xml:
``IG.<DATASET>`` and ``IT.<DATASET>.<VARIABLE>``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from specs.conform import SAS_EPOCH, conform_to_spec, date_kind
from specs.errors import DatasetWriteError, WriteProblem
from specs.model import DatasetSpec, VariableSpec
from specs.values import compute_byte_length, is_text

DATASET_JSON_VERSION = "1.1.0"
_SAS_EPOCH_DATETIME = dt.datetime(1960, 1, 1)


@dataclass(frozen=True)
class JsonContext:
    """File-level attributes of a Dataset-JSON file, from the study configuration."""

    study_oid: str
    metadata_version_oid: str
    created: dt.datetime
    originator: str
    source_system: str
    source_version: str
    metadata_ref: str | None = None


def _data_type(var: VariableSpec) -> tuple[str, str | None]:
    """Dataset-JSON dataType and targetDataType for a spec variable."""
    kind = date_kind(var) if var.is_numeric else None
    if kind:
        return kind, "integer"
    if var.data_type == "integer":
        return "integer", None
    if var.data_type == "float":
        return "double", None
    return "string", None


def _sas_date(value: float) -> str:
    """A SAS date (days since 1960-01-01) as ISO 8601 text."""
    return (SAS_EPOCH + dt.timedelta(days=int(value))).isoformat()


def _sas_datetime(value: float) -> str:
    """A SAS datetime (seconds since 1960-01-01T00:00) as ISO 8601 text, to the second."""
    return (_SAS_EPOCH_DATETIME + dt.timedelta(seconds=float(value))).isoformat(timespec="seconds")


def _sas_time(value: float) -> str:
    """A SAS time (seconds since midnight) as ISO 8601 text."""
    return (_SAS_EPOCH_DATETIME + dt.timedelta(seconds=float(value))).time().isoformat()


_DATE_TEXT = {"date": _sas_date, "datetime": _sas_datetime, "time": _sas_time}
"""ISO 8601 text of a SAS date, datetime or time number, by :func:`specs.conform.date_kind`."""


def _by_distinct_number(values: np.ndarray, func) -> list:
    """``func`` of each number, evaluated once per distinct value; None where NaN."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [func(u) for u in uniques]
    table[-1] = None
    return table[codes].tolist()


def _whole_as_int(value: float) -> int | float | None:
    """An integer variable's value: a whole number as int, NaN as None, anything else as it is."""
    if math.isnan(value):
        return None
    return int(value) if value.is_integer() else value


def _text_values(series: pd.Series) -> list:
    """Text values as they are, None for None; other missing values print as text (``nan``)."""
    if not is_text(series):
        return [None if v is None else str(v) for v in series]
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = [None if v is None else str(v) for v in values[missing]]
    return values.tolist()


def _json_values(series: pd.Series, var: VariableSpec) -> list:
    """Column values as JSON-ready Python objects (None for missing).

    Numeric columns are float64 (:func:`specs.conform.conform_to_spec`): dates, datetimes and
    times become ISO 8601 text once per distinct value; integers lose a whole number's ``.0``.
    """
    kind = date_kind(var) if var.is_numeric else None
    if kind:
        return _by_distinct_number(series.to_numpy(dtype="float64"), _DATE_TEXT[kind])
    if var.data_type == "integer":
        return [_whole_as_int(v) for v in series.to_numpy(dtype="float64").tolist()]
    if var.is_numeric:
        values = series.to_numpy(dtype="float64")
        out = values.tolist()
        for position in np.flatnonzero(np.isnan(values)):
            out[position] = None
        return out
    return _text_values(series)


def _longest(series: pd.Series) -> int:
    """UTF-8 bytes of the longest value, at least 1 (Dataset-JSON ``length``)."""
    lengths = compute_byte_length(series)
    present = lengths[~np.isnan(lengths)]
    return int(max(present.max(), 1)) if len(present) else 1


def _column(var: VariableSpec, series: pd.Series, spec: DatasetSpec) -> dict:
    data_type, target = _data_type(var)
    column: dict = {"itemOID": f"IT.{spec.name}.{var.name}", "name": var.name, "label": var.label, "dataType": data_type}
    if target:
        column["targetDataType"] = target
    if not var.is_numeric:
        column["length"] = _longest(series)
    if var.display_format:
        column["displayFormat"] = var.display_format
    if var.name in spec.keys:
        column["keySequence"] = spec.keys.index(var.name) + 1
    return column


def build_dataset_json(data: pd.DataFrame, spec: DatasetSpec, context: JsonContext) -> dict:
    """The Dataset-JSON document for a dataset, checked for structural consistency."""
    frame, problems = conform_to_spec(data, spec)
    if problems:
        raise DatasetWriteError(problems)
    variables = [spec.variable(c) for c in frame.columns]
    columns = [_column(v, frame[v.name], spec) for v in variables]
    values = [_json_values(frame[v.name], v) for v in variables]
    rows = [list(r) for r in zip(*values)] if values else []
    stamp = context.created.isoformat(timespec="seconds")
    document = {
        "datasetJSONCreationDateTime": stamp,
        "datasetJSONVersion": DATASET_JSON_VERSION,
        "fileOID": f"{context.study_oid}.{spec.name}",
        "dbLastModifiedDateTime": stamp,
        "originator": context.originator,
        "sourceSystem": {"name": context.source_system, "version": context.source_version},
        "studyOID": context.study_oid,
        "metaDataVersionOID": context.metadata_version_oid,
        "itemGroupOID": f"IG.{spec.name}",
        "records": len(rows),
        "name": spec.name,
        "label": spec.label,
        "columns": columns,
        "rows": rows,
    }
    if context.metadata_ref:
        document["metaDataRef"] = context.metadata_ref
    check_structure(document)
    return document


def _non_finite(values: tuple) -> list[int]:
    """Positions of non-finite floats (NaN, inf) among a column's values."""
    try:
        distinct = set(values)
    except TypeError:  # unhashable values (lists, dicts): look at every one
        distinct = values
    bad = [v for v in distinct if isinstance(v, float) and not math.isfinite(v)]
    if not bad:
        return []
    return [i for i, v in enumerate(values) if isinstance(v, float) and not math.isfinite(v)]


def check_structure(document: dict) -> None:
    """The checks Dataset-JSON readers rely on; raise DatasetWriteError naming each failure.

    Unique column names; ``records`` equal to the number of rows; every row as long as
    ``columns`` (the first short or long row is reported, and rows after it are not checked);
    numbers finite (missing is null), checked column by column over distinct values.
    """
    name = document.get("name", "?")
    problems: list[WriteProblem] = []
    columns = document["columns"]
    rows = document["rows"]
    names = [c["name"] for c in columns]
    if len(set(names)) != len(names):
        problems.append(WriteProblem(name, None, None, names, "duplicate column names"))
    if document["records"] != len(rows):
        problems.append(WriteProblem(name, None, None, document["records"], "records differs from the number of rows"))
    wrong = [i for i, row in enumerate(rows) if len(row) != len(columns)]
    checked = rows[:wrong[0]] if wrong else rows
    found = sorted((i, j) for j, values in enumerate(zip(*checked)) for i in _non_finite(values))
    for index, position in found:
        problems.append(WriteProblem(name, columns[position]["name"], index, rows[index][position],
                                     "numbers must be finite (missing is null)"))
    if wrong:
        row = rows[wrong[0]]
        problems.append(WriteProblem(name, None, wrong[0], len(row), f"row has {len(row)} values for {len(columns)} columns"))
    if problems:
        raise DatasetWriteError(problems)


def write_dataset_json(data: pd.DataFrame, path: Path | str, spec: DatasetSpec, context: JsonContext) -> dict:
    """Write ``data`` as Dataset-JSON 1.1 per ``spec``; return the document written."""
    document = build_dataset_json(data, spec, context)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return document
