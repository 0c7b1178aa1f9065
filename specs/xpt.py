"""SAS XPORT version 5 writer that applies the spec and refuses to change data silently.

:func:`specs.xpt_v5.xpt_v5_bytes` encodes the file (the bytes pyreadstat would write, which
remains the fallback for frames it does not cover); this module:
- checks the FDA/XPT v5 limits first (names <= 8, labels <= 40, character values <= 200 bytes,
  ASCII only, dataset name = file name) and raises one :class:`DatasetWriteError` listing every
  violation with dataset, variable and row, where pyreadstat would truncate or write bad bytes;
- orders, labels and types variables from the spec (:func:`specs.conform.conform_to_spec`);
- sets the library and member header created/modified stamps from the study configuration,
  so identical data give byte-identical files (pyreadstat stamps the wall clock).
Source: SAS TS-140 "The record layout of a data set in SAS transport (XPORT) format"; FDA Study
Data Technical Conformance Guide, section 3.3 (SAS Transport format v5).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from specs.conform import conform_to_spec, conformed_text, date_kind
from specs.errors import DatasetWriteError, WriteProblem
from specs.files import replacing
from specs.model import DatasetSpec
from specs.values import FrameText, TextColumn
from specs.xpt_v5 import xpt_v5_parts

RECORD = 80
MAX_NAME = 8
MAX_LABEL = 40
MAX_VALUE_BYTES = 200
_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,7}$")
_DSCRPTR = b"HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!"


SAS_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def sas_timestamp(moment: dt.datetime) -> bytes:
    """The 16-byte XPT header date, ``ddMMMyy:hh:mm:ss`` (e.g. ``15JAN25:00:00:00``), with English
    month names whatever the process locale (``%b`` would follow LC_TIME)."""
    month = SAS_MONTHS[moment.month - 1]
    return f"{moment:%d}{month}{moment:%y:%H:%M:%S}".encode("ascii")


def _first_rows(mask: np.ndarray, limit: int = 5) -> list[int]:
    """Positions of the first ``limit`` True values."""
    return [int(i) for i in np.flatnonzero(mask)[:limit]]


def check_xpt_v5(data: pd.DataFrame, spec: DatasetSpec, path: Path, texts: FrameText | None = None) -> list[WriteProblem]:
    """Every reason the frame cannot be written to ``path`` as XPT v5 unchanged (vectorised).

    ``texts``: the frame's text columns already factorized, to reuse.
    """
    texts = texts or FrameText(data)
    problems: list[WriteProblem] = []
    name = spec.name
    if not _NAME.match(name):
        problems.append(WriteProblem(name, None, None, name, "dataset name must be 1-8 letters, digits or _ starting with a letter"))
    if path.name != f"{name.lower()}.xpt":
        problems.append(WriteProblem(name, None, None, path.name, f"file name must be {name.lower()}.xpt"))
    if len(spec.label) > MAX_LABEL or not spec.label.isascii():
        problems.append(WriteProblem(name, None, None, spec.label, "dataset label must be ASCII and at most 40 characters"))
    labels = {v.name: v.label for v in spec.variables}
    for column in data.columns:
        if not _NAME.match(str(column)):
            problems.append(WriteProblem(name, str(column), None, None, "variable name must be 1-8 characters A-Z, 0-9, _"))
        label = labels.get(column, "")
        if len(label) > MAX_LABEL or not label.isascii():
            problems.append(WriteProblem(name, str(column), None, label, "label must be ASCII and at most 40 characters"))
        if data[column].dtype == object:
            problems += _value_problems(name, str(column), data[column], texts(column))
    return problems


def _value_problems(name: str, column: str, series: pd.Series, factorized: TextColumn | None) -> list[WriteProblem]:
    """The first five non-ASCII values and the first five values longer than 200 characters
    (``factorized``: the series as :func:`specs.values.text_column` gives it)."""
    if factorized is None:
        text = series.dropna().astype(str)
        not_ascii, too_long = ~text.map(str.isascii).to_numpy(dtype=bool), (text.str.len() > MAX_VALUE_BYTES).to_numpy()
    else:
        text = series
        not_ascii = factorized.compute(lambda value: not value.isascii(), missing=False, dtype=bool)
        too_long = factorized.compute(len, missing=0, dtype="int64") > MAX_VALUE_BYTES
    problems = [WriteProblem(name, column, int(text.index[row]), text.iloc[row], "value is not ASCII")
                for row in _first_rows(not_ascii)]
    problems += [WriteProblem(name, column, int(text.index[row]), text.iloc[row][:40] + "...", "value is longer than 200 bytes")
                 for row in _first_rows(too_long)]
    return problems


def _stamp_headers(raw: bytearray, stamp: bytes) -> None:
    """Overwrite created/modified stamps of the library header and every member header."""
    def put(record: int, start: int) -> None:
        offset = record * RECORD + start
        raw[offset:offset + 16] = stamp

    put(1, 64)
    put(2, 0)
    position = raw.find(_DSCRPTR)
    while position >= 0:
        record = position // RECORD
        put(record + 1, 64)
        put(record + 2, 0)
        position = raw.find(_DSCRPTR, position + RECORD)


def write_xpt(data: pd.DataFrame, path: Path | str, spec: DatasetSpec, *, timestamp: dt.datetime) -> pd.DataFrame:
    """Write ``data`` as SAS XPORT v5 per ``spec``; return the frame as written.

    Raises :class:`DatasetWriteError` (nothing written) when a variable is not in the spec, a
    value is not numeric where the spec says numeric, or an XPT v5 limit would be broken.
    """
    frame, problems = conform_to_spec(data, spec)
    if problems:
        raise DatasetWriteError(problems + check_xpt_v5(frame, spec, Path(path)))
    write_conformed_xpt(frame, path, spec, timestamp=timestamp)
    return frame


def write_conformed_xpt(frame: pd.DataFrame, path: Path | str, spec: DatasetSpec, *, timestamp: dt.datetime,
                        texts: FrameText | None = None) -> None:
    """Write a frame already conformed to ``spec`` (:func:`specs.conform.conform_to_spec`) as SAS
    XPORT v5, through a temporary file replaced at the end.

    Raises :class:`DatasetWriteError` (nothing written) when an XPT v5 limit would be broken.
    ``texts``: the frame's text columns already factorized, to reuse
    (default: :func:`specs.conform.conformed_text`).
    """
    path = Path(path)
    texts = texts or conformed_text(frame, spec)
    problems = check_xpt_v5(frame, spec, path, texts)
    if problems:
        raise DatasetWriteError(problems)
    labels = [spec.variable(c).label for c in frame.columns]
    formats = {
        v.name: v.display_format for v in spec.variables
        if v.name in frame.columns and v.display_format and v.is_numeric and date_kind(v)
    }
    stamp = sas_timestamp(timestamp)
    with replacing(path) as temp:
        parts = xpt_v5_parts(frame, name=spec.name, label=spec.label, labels=labels, formats=formats, stamp=stamp,
                             texts=texts)
        if parts is None:
            parts = [_pyreadstat_bytes(frame, temp, spec, labels, formats, stamp)]
        with open(temp, "wb") as out:
            out.writelines(parts)


def _pyreadstat_bytes(frame: pd.DataFrame, temp: str, spec: DatasetSpec, labels: list[str], formats: dict[str, str],
                      stamp: bytes) -> bytes:
    """The file pyreadstat writes (to ``temp``), with the configured header stamps."""
    pyreadstat.write_xport(
        frame,
        temp,
        file_label=spec.label,
        column_labels=labels,
        table_name=spec.name,
        file_format_version=5,
        variable_format=formats or None,
    )
    raw = bytearray(Path(temp).read_bytes())
    _stamp_headers(raw, stamp)
    return bytes(raw)
