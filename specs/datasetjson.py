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

import pandas as pd

from specs.conform import SAS_EPOCH, conform_to_spec, date_kind
from specs.errors import DatasetWriteError, WriteProblem
from specs.model import DatasetSpec, VariableSpec

DATASET_JSON_VERSION = "1.1.0"


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


def _json_values(series: pd.Series, var: VariableSpec) -> list:
    """Column values as JSON-ready Python objects (None for missing)."""
    kind = date_kind(var) if var.is_numeric else None
    if kind == "date":
        return [None if pd.isna(v) else (SAS_EPOCH + dt.timedelta(days=int(v))).isoformat() for v in series]
    if kind == "datetime":
        base = dt.datetime(1960, 1, 1)
        return [None if pd.isna(v) else (base + dt.timedelta(seconds=float(v))).isoformat(timespec="seconds") for v in series]
    if kind == "time":
        return [None if pd.isna(v) else (dt.datetime(1960, 1, 1) + dt.timedelta(seconds=float(v))).time().isoformat() for v in series]
    if var.data_type == "integer":
        return [None if pd.isna(v) else (int(v) if float(v).is_integer() else float(v)) for v in series]
    if var.is_numeric:
        return [None if pd.isna(v) else float(v) for v in series]
    return [None if v is None else str(v) for v in series]


def _column(var: VariableSpec, series: pd.Series, spec: DatasetSpec) -> dict:
    data_type, target = _data_type(var)
    column: dict = {"itemOID": f"IT.{spec.name}.{var.name}", "name": var.name, "label": var.label, "dataType": data_type}
    if target:
        column["targetDataType"] = target
    if not var.is_numeric:
        longest = series.dropna().map(lambda s: len(s.encode("utf-8"))).max() if series.notna().any() else 1
        column["length"] = int(max(longest, 1))
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


def check_structure(document: dict) -> None:
    """The checks Dataset-JSON readers rely on; raise DatasetWriteError naming each failure."""
    name = document.get("name", "?")
    problems: list[WriteProblem] = []
    columns = document["columns"]
    names = [c["name"] for c in columns]
    if len(set(names)) != len(names):
        problems.append(WriteProblem(name, None, None, names, "duplicate column names"))
    if document["records"] != len(document["rows"]):
        problems.append(WriteProblem(name, None, None, document["records"], "records differs from the number of rows"))
    for index, row in enumerate(document["rows"]):
        if len(row) != len(columns):
            problems.append(WriteProblem(name, None, index, len(row), f"row has {len(row)} values for {len(columns)} columns"))
            break
        for value, column in zip(row, columns):
            if isinstance(value, float) and not math.isfinite(value):
                problems.append(WriteProblem(name, column["name"], index, value, "numbers must be finite (missing is null)"))
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
