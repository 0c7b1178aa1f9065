"""Read one CRF form from every site folder of a raw-data export, reporting what is wrong.

A form is the file ``site_NN/<form>.csv`` (or ``.xlsx``) in each site folder. Values are read
as text exactly as exported (blank cells become missing; nothing is trimmed or recoded here:
that is the mapping's job, where it is documented). Every row keeps where it came from
(``SOURCE_FILE``, ``SOURCE_ROW`` with the header as row 1, ``SITEFOLDER``), so later stages can
account for it. ``SOURCE_ROW`` is the record's number in a CSV file and the true sheet row in a
workbook (blank sheet rows are not records, but do not shift the rows after them).

Workbook cells are read with python-calamine and written as export text by :func:`_cell_text`:
dates as ISO 8601, whole numbers without ``.0``, blank or whitespace-only cells missing; Excel
error cells (``#N/A``) read as blank.

Whole-file problems become data issues and the file's rows are returned as rejected, never
silently dropped: a file that is not UTF-8 (check RAW001), a required column missing (RAW002).
An unexpected extra column is a warning (RAW003); a missing workbook sheet is an error (RAW004).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook, SheetTypeEnum

from edc.issues import IssueLog

SOURCE_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "SITEFOLDER"]
REJECTED_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "REASON"]


@dataclass(frozen=True)
class RawForm:
    """The rows of one form from all sites, and the rows rejected while reading."""

    name: str
    data: pd.DataFrame
    rejected: pd.DataFrame


@dataclass(frozen=True)
class RawRows:
    """A file's (or sheet's) header, its records as text (``None`` = missing) and their row numbers."""

    header: list[str]
    values: np.ndarray  # object, one row per record, one column per header cell
    rows: np.ndarray  # int64: SOURCE_ROW of each record (header = 1)


@dataclass
class Workbooks:
    """The workbooks opened during one run, each opened once (several forms share a workbook).

    Belongs to one run (e.g. one :class:`sdtm.context.MappingContext`); nothing is shared
    between runs.
    """

    _open: dict[Path, CalamineWorkbook] = field(default_factory=dict)

    def get(self, path: Path) -> CalamineWorkbook:
        """The workbook at ``path``, opened on first use."""
        if path not in self._open:
            self._open[path] = CalamineWorkbook.from_path(str(path))
        return self._open[path]


def sheet_source(relative: str, sheet: str) -> str:
    """How a workbook sheet is named in inventories, ledgers and data issues."""
    return f"{relative}[{sheet}]"


def worksheet_names(book: CalamineWorkbook) -> list[str]:
    """The names of the workbook's worksheets (chart and macro sheets left out), in order."""
    return [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]


def _cell_text(value: object) -> str | None:
    """An xlsx cell as export text: dates as ISO 8601, whole floats without '.0', blanks missing."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def compute_cell_texts(cells: np.ndarray) -> np.ndarray:
    """:func:`_cell_text` of every cell of an object array, computed once per distinct value.

    Booleans compare equal to the numbers 0 and 1 (``True == 1.0``) but read differently
    ("True" vs "1"), so a sheet holding both is converted cell by cell.
    """
    flat = cells.ravel()
    kinds = set(map(type, flat))
    if bool in kinds and kinds & {int, float}:
        texts = np.array([_cell_text(v) for v in flat], dtype=object)
    else:
        codes, uniques = pd.factorize(flat)
        texts = np.array([_cell_text(v) for v in uniques] + [None], dtype=object)[codes]
    return texts.reshape(cells.shape)


def read_sheet_rows(book: CalamineWorkbook, sheet: str) -> RawRows:
    """Header (sheet row 1) and the non-blank rows of a worksheet, as export text."""
    table = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not table:
        return RawRows([], np.empty((0, 0), dtype=object), np.empty(0, dtype="int64"))
    texts = compute_cell_texts(np.array(table, dtype=object))
    header = [h.strip() if h else "" for h in texts[0]]
    body = texts[1:]
    records = np.flatnonzero(pd.notna(body).any(axis=1))
    return RawRows(header, body[records], (records + 2).astype("int64"))


def _read_xlsx_rows(path: Path, sheet: str | None, workbooks: Workbooks) -> RawRows | None:
    """Header and records of a sheet (the first when ``sheet`` is None); None if there is no such sheet."""
    book = workbooks.get(path)
    names = worksheet_names(book)
    if sheet is None and names:
        sheet = names[0]
    if sheet not in names:
        return None
    return read_sheet_rows(book, sheet)


def _read_csv_rows(path: Path, relative: str, issues: IssueLog) -> tuple[RawRows, bool]:
    """Header, records (blank fields missing) and whether the bytes were valid UTF-8 (a BOM is allowed)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        valid = True
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        issues.add(relative, line, None, repr(raw[exc.start:exc.start + 4]), "RAW001", "ERROR",
                   "file is not valid UTF-8; none of its rows are mapped")
        text = raw.decode("utf-8", errors="replace")
        valid = False
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return RawRows([], np.empty((0, 0), dtype=object), np.empty(0, dtype="int64")), valid
    header = [h.strip() for h in records[0]]
    width = len(header)
    body = [r if len(r) == width else (r[:width] + [None] * (width - len(r))) for r in records[1:]]
    values = np.array(body, dtype=object).reshape(len(body), width)
    values[values == ""] = None
    return RawRows(header, values, np.arange(2, len(body) + 2, dtype="int64")), valid


def _frame(content: RawRows, relative: str, site: str) -> pd.DataFrame:
    """The records as a frame of text, preceded by ``SOURCE_FILE``, ``SOURCE_ROW`` and ``SITEFOLDER``."""
    frame = pd.DataFrame(content.values, columns=content.header, dtype=object)
    frame.insert(0, "SITEFOLDER", site)
    frame.insert(0, "SOURCE_ROW", content.rows)
    frame.insert(0, "SOURCE_FILE", relative)
    return frame


def read_form(
    raw: Path, form: str, *, columns: Sequence[str], issues: IssueLog, optional: Sequence[str] = (), sheet: str | None = None,
    workbooks: Workbooks | None = None,
) -> RawForm:
    """Read ``form`` from every ``site_*`` folder under ``raw``.

    ``columns`` are required; ``optional`` may be absent. For workbooks, ``sheet`` names the
    sheet (then ``SOURCE_FILE`` is ``site_NN/form.xlsx[Sheet]``); ``workbooks`` keeps workbooks
    open between the reads of one run (several forms are sheets of one workbook). Rows of files
    with a missing required column or invalid encoding are returned in ``rejected`` with the
    reason.
    """
    workbooks = workbooks if workbooks is not None else Workbooks()
    frames, rejected = [], []
    known = set(columns) | set(optional)
    for folder in sorted(p for p in raw.iterdir() if p.is_dir()):
        for suffix in (".csv", ".xlsx"):
            path = folder / f"{form}{suffix}"
            if not path.exists():
                continue
            relative = path.relative_to(raw).as_posix()
            valid = True
            if suffix == ".csv":
                content, valid = _read_csv_rows(path, relative, issues)
            else:
                content = _read_xlsx_rows(path, sheet, workbooks)
                if content is None:
                    issues.add(relative, None, None, sheet, "RAW004", "ERROR", "workbook has no such sheet")
                    continue
                if sheet is not None:
                    relative = sheet_source(relative, sheet)
            header = content.header
            frame = _frame(content, relative, folder.name)
            missing = [c for c in columns if c not in header]
            for column in missing:
                issues.add(relative, 1, column, None, "RAW002", "ERROR", "required column is missing; none of the file's rows are mapped")
            for column in header:
                if column and column not in known:
                    issues.add(relative, 1, column, None, "RAW003", "WARNING", "unexpected column is ignored")
            if missing or not valid:
                reason = "file is not valid UTF-8" if not valid else f"missing column(s) {', '.join(missing)}"
                rejected.append(frame[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON=reason))
                continue
            frames.append(frame[SOURCE_COLUMNS + [c for c in header if c in known]])
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SOURCE_COLUMNS + list(columns))
    for column in list(columns) + list(optional):
        if column not in data.columns:
            data[column] = None
    rejected_frame = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECTED_COLUMNS)
    return RawForm(form, data, rejected_frame)
