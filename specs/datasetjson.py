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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np
import pandas as pd

from specs.conform import SAS_EPOCH, conform_to_spec, conformed_text, date_kind
from specs.errors import DatasetWriteError, WriteProblem
from specs.files import replacing
from specs.model import DatasetSpec, VariableSpec
from specs.values import FrameText, TextColumn, compute_byte_length, is_text

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


def _by_distinct_number(values: np.ndarray, func, missing: object = None) -> list:
    """``func`` of each number, evaluated once per distinct value; ``missing`` where NaN.

    Numbers are grouped by their bits, so ``-0.0`` and ``0.0`` stay apart, as they print apart.
    """
    codes, uniques = pd.factorize(np.ascontiguousarray(values, dtype="float64").view("int64"))
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [missing if math.isnan(u) else func(u) for u in uniques.view("float64").tolist()]
    return table[codes].tolist()


def _whole_as_int(value: float) -> int | float:
    """An integer variable's value: a whole number as int, anything else as it is."""
    return int(value) if value.is_integer() else value


def _as_float(value: float) -> float:
    """A double variable's value, as it is."""
    return value


def _number_function(var: VariableSpec):
    """The JSON value of one present SAS number of ``var``: ISO 8601 text for dates, datetimes
    and times (:func:`specs.conform.date_kind`), an int for a whole number of an integer variable,
    else the float."""
    kind = date_kind(var)
    if kind:
        return _DATE_TEXT[kind]
    return _whole_as_int if var.data_type == "integer" else _as_float


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

    Numeric columns are float64 (:func:`specs.conform.conform_to_spec`): each distinct number is
    converted once (:func:`_number_function`).
    """
    if var.is_numeric:
        return _by_distinct_number(series.to_numpy(dtype="float64"), _number_function(var))
    return _text_values(series)


_encode_number = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
"""JSON text of a number or of a date's ISO 8601 text, as ``json.dumps`` writes it."""


def _encoded_values(series: pd.Series, var: VariableSpec) -> list[str]:
    """Each value of a column as its JSON text, exactly as ``json.dumps(..., ensure_ascii=False)``
    writes it inside the document (:func:`_column_encoder`)."""
    frame = series.to_frame(var.name)
    return _column_encoder(frame, var, FrameText(frame))(0, len(series))


def _column_encoder(frame: pd.DataFrame, var: VariableSpec, texts: FrameText) -> Callable[[int, int], list[str]]:
    """A function giving the JSON texts of the column's values in rows ``start:stop``.

    Numbers and dates are encoded once per distinct value of the rows asked for
    (:func:`_number_function`), text once per distinct value of the whole column
    (:func:`_text_table`); ``null`` for missing. A column of anything but strings is encoded
    value by value from its printed text (:func:`_text_values`).
    """
    if var.is_numeric:
        numbers = frame[var.name].to_numpy(dtype="float64")
        convert = _number_function(var)
        return lambda start, stop: _by_distinct_number(numbers[start:stop], lambda v: _encode_number(convert(v)), "null")
    values = frame[var.name].to_numpy(dtype=object)
    column = texts(var.name)
    if column is None:
        return lambda start, stop: ["null" if v is None else encode_basestring(v)
                                    for v in _text_values(pd.Series(values[start:stop], dtype=object))]
    table, codes = _text_table(values, column)
    return lambda start, stop: table[codes[start:stop]].tolist()


def _text_table(values: np.ndarray, column: TextColumn) -> tuple[np.ndarray, np.ndarray]:
    """A text column's JSON texts as a table and each record's position in it: every distinct
    string escaped once, ``null`` for None; another missing value (NaN, NA) as its printed text
    (:func:`_text_values`), one entry per record."""
    table = [encode_basestring(u) for u in column.uniques] + ["null"]
    codes = column.codes
    missing = np.flatnonzero(column.missing)
    printed = missing[[values[i] is not None for i in missing]]
    if len(printed):
        codes = np.where(column.missing, len(column.uniques), codes)
        codes[printed] = np.arange(len(table), len(table) + len(printed))
        table += [encode_basestring(str(values[i])) for i in printed]
    return np.array(table, dtype=object), codes


def _longest(series: pd.Series, column: TextColumn | None) -> int:
    """UTF-8 bytes of the longest value, at least 1 (Dataset-JSON ``length``)."""
    lengths = compute_byte_length(series, column)
    present = lengths[~np.isnan(lengths)]
    return int(max(present.max(), 1)) if len(present) else 1


def _column(var: VariableSpec, series: pd.Series, spec: DatasetSpec, text: TextColumn | None) -> dict:
    """The ``columns`` entry of a variable (``text``: the series factorized, when text)."""
    data_type, target = _data_type(var)
    column: dict = {"itemOID": f"IT.{spec.name}.{var.name}", "name": var.name, "label": var.label, "dataType": data_type}
    if target:
        column["targetDataType"] = target
    if not var.is_numeric:
        column["length"] = _longest(series, text)
    if var.display_format:
        column["displayFormat"] = var.display_format
    if var.name in spec.keys:
        column["keySequence"] = spec.keys.index(var.name) + 1
    return column


def _document(frame: pd.DataFrame, spec: DatasetSpec, context: JsonContext, rows: list, texts: FrameText) -> dict:
    """The Dataset-JSON document of a conformed frame, with ``rows`` as given."""
    columns = [_column(spec.variable(c), frame[c], spec, texts(c)) for c in frame.columns]
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
        "records": len(frame),
        "name": spec.name,
        "label": spec.label,
        "columns": columns,
        "rows": rows,
    }
    if context.metadata_ref:
        document["metaDataRef"] = context.metadata_ref
    return document


def _conformed(data: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """``data`` conformed to its spec (:func:`specs.conform.conform_to_spec`); raise on any problem."""
    frame, problems = conform_to_spec(data, spec)
    if problems:
        raise DatasetWriteError(problems)
    return frame


def build_dataset_json(data: pd.DataFrame, spec: DatasetSpec, context: JsonContext) -> dict:
    """The Dataset-JSON document for a dataset, checked for structural consistency."""
    frame = _conformed(data, spec)
    problems = _infinite_numbers(frame, spec)
    if problems:
        raise DatasetWriteError(problems)
    values = [_json_values(frame[name], spec.variable(name)) for name in frame.columns]
    rows = [list(r) for r in zip(*values)] if values else []
    document = _document(frame, spec, context, rows, FrameText(frame))
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


def _infinite_numbers(frame: pd.DataFrame, spec: DatasetSpec) -> list[WriteProblem]:
    """Infinite numbers, row by row (JSON has no infinity; a missing number is NaN, written null)."""
    found = []
    for position, name in enumerate(frame.columns):
        if spec.variable(name).is_numeric:
            values = frame[name].to_numpy(dtype="float64")
            found += [(row, position, name, values[row]) for row in np.flatnonzero(np.isinf(values))]
    return [WriteProblem(spec.name, name, int(row), float(value), "numbers must be finite (missing is null)")
            for row, _, name, value in sorted(found)]


ROWS_PER_BLOCK = 50_000
"""Rows encoded and written at a time: memory stays bounded whatever the dataset's size."""


def _encoded_rows(frame: pd.DataFrame, spec: DatasetSpec, texts: FrameText) -> Iterator[str]:
    """The ``rows`` array's text in blocks of :data:`ROWS_PER_BLOCK` rows: each row
    ``[v1,v2,...]`` of encoded values (:func:`_column_encoder`), rows separated by commas (the
    caller puts commas between blocks)."""
    encoders = [_column_encoder(frame, spec.variable(name), texts) for name in frame.columns]
    for start in range(0, len(frame), ROWS_PER_BLOCK):
        encoded = [encode(start, start + ROWS_PER_BLOCK) for encode in encoders]
        yield "[" + "],[".join(map(",".join, zip(*encoded))) + "]"


def write_conformed_dataset_json(frame: pd.DataFrame, path: Path | str, spec: DatasetSpec, context: JsonContext,
                                 texts: FrameText | None = None) -> None:
    """Write a frame already conformed to ``spec`` (:func:`specs.conform.conform_to_spec`, as
    :func:`specs.xpt.write_xpt` returns it) as Dataset-JSON 1.1.

    The bytes are those of ``json.dumps(build_dataset_json(...), ensure_ascii=False,
    separators=(",", ":"))`` plus a newline, but the rows are encoded column by column in blocks
    of :data:`ROWS_PER_BLOCK` and streamed to the file (a temporary file replaced at the end), so
    neither the row lists nor the whole text are held in memory. Raises DatasetWriteError
    (nothing written) for an infinite number. ``texts``: the frame's text columns already
    factorized, to reuse (default: :func:`specs.conform.conformed_text`).
    """
    texts = texts or conformed_text(frame, spec)
    problems = _infinite_numbers(frame, spec)
    if problems:
        raise DatasetWriteError(problems)
    text = json.dumps(_document(frame, spec, context, [], texts), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    head, tail = text.split(',"rows":[]', 1)
    with replacing(path) as temp, open(temp, "w", encoding="utf-8", newline="\n") as out:
        out.write(head + ',"rows":[')
        out.writelines("," + block if index else block for index, block in enumerate(_encoded_rows(frame, spec, texts)))
        out.write("]" + tail + "\n")


def write_dataset_json(data: pd.DataFrame, path: Path | str, spec: DatasetSpec, context: JsonContext) -> None:
    """Write ``data`` as Dataset-JSON 1.1 per ``spec`` (conformed first; DatasetWriteError, nothing
    written, for a variable not in the spec or a non-numeric value in a numeric variable)."""
    write_conformed_dataset_json(_conformed(data, spec), path, spec, context)
