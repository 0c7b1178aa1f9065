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


def file_stamp(path: Path) -> tuple[int, int]:
    """Size and modification time (ns) of a file: what tells a re-exported file from the one read before."""
    status = path.stat()
    return status.st_size, status.st_mtime_ns


@dataclass
class ParsedSheets:
    """Worksheets already read by one step, handed to one later read of the same run.

    The rawdata inventory reads every sheet to count its records; the SDTM readers need the
    same rows (:func:`read_sheet_rows`, the same text and row numbers), and parsing a large
    workbook is the slowest part of reading raw data. Kept per file (path and
    :func:`file_stamp`: a file changed since is read again) with its sheet names; each sheet is
    given out once and then dropped, so the rows do not stay in memory. A pickled copy (the
    pipeline sends its results to a second process) is empty.
    """

    _files: dict[Path, tuple[tuple[int, int], list[str], dict[str, RawRows]]] = field(default_factory=dict)

    def __reduce__(self):
        """Pickled as an empty collection: the rows stay in the process that read them."""
        return (ParsedSheets, ())

    def keep(self, path: Path, names: list[str], sheets: dict[str, RawRows]) -> None:
        """Keep the worksheet names and rows of the workbook at ``path`` (as it is now)."""
        self._files[path.resolve()] = (file_stamp(path), list(names), dict(sheets))

    def _current(self, path: Path) -> tuple[list[str], dict[str, RawRows]] | None:
        """Names and rows kept for ``path`` if the file is still the one they were read from."""
        key = path.resolve()
        kept = self._files.get(key)
        if kept is None or kept[0] != file_stamp(path):
            self._files.pop(key, None)
            return None
        return kept[1], kept[2]

    def names(self, path: Path) -> list[str] | None:
        """The worksheet names of ``path``; None when not kept."""
        current = self._current(path)
        return list(current[0]) if current is not None else None

    def take(self, path: Path, sheet: str) -> RawRows | None:
        """The rows of ``sheet`` of ``path``, given out once; None when not kept."""
        current = self._current(path)
        return current[1].pop(sheet, None) if current is not None else None


@dataclass
class Workbooks:
    """The workbooks opened during one run, each opened once (several forms share a workbook).

    Belongs to one run (e.g. one :class:`sdtm.context.MappingContext`); nothing is shared
    between runs. ``parsed``: sheets an earlier step of the run has already read (used first).
    """

    parsed: ParsedSheets | None = None
    _open: dict[Path, CalamineWorkbook] = field(default_factory=dict)

    def get(self, path: Path) -> CalamineWorkbook:
        """The workbook at ``path``, opened on first use."""
        if path not in self._open:
            self._open[path] = CalamineWorkbook.from_path(str(path))
        return self._open[path]

    def sheet_names(self, path: Path) -> list[str]:
        """:func:`worksheet_names` of the workbook at ``path``."""
        names = self.parsed.names(path) if self.parsed is not None else None
        return names if names is not None else worksheet_names(self.get(path))

    def sheet_rows(self, path: Path, sheet: str) -> RawRows:
        """:func:`read_sheet_rows` of a sheet of the workbook at ``path``."""
        rows = self.parsed.take(path, sheet) if self.parsed is not None else None
        return rows if rows is not None else read_sheet_rows(self.get(path), sheet)


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
    names = workbooks.sheet_names(path)
    if sheet is None and names:
        sheet = names[0]
    if sheet not in names:
        return None
    return workbooks.sheet_rows(path, sheet)


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
    table = parse_csv_table(text) if valid else None
    if table is None:
        table = parse_csv_records(text)
    if table is None:
        return RawRows([], np.empty((0, 0), dtype=object), np.empty(0, dtype="int64")), valid
    header = [h.strip() for h in table[0]]
    values = table[1:]
    values[values == ""] = None
    return RawRows(header, values, np.arange(2, len(values) + 2, dtype="int64")), valid


def parse_csv_records(text: str) -> np.ndarray | None:
    """The records of CSV text (header first) read by the ``csv`` module, as a 2-D object array
    as wide as the header: shorter records padded with None, longer ones cut; None for no record."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return None
    width = len(records[0])
    rows = [r if len(r) == width else (r[:width] + [None] * (width - len(r))) for r in records]
    return np.array(rows, dtype=object).reshape(len(rows), width)


def parse_csv_table(text: str) -> np.ndarray | None:
    """:func:`parse_csv_records` by pandas' C parser (several times faster), or None when that
    parser could read the text otherwise than the ``csv`` module.

    Both read the same dialect (comma, double quotes doubled inside quotes, nothing trimmed);
    the C parser pads short records with "" (which the readers make missing like the padding
    None). It is not used, and None returned, for text with a carriage return, NUL, leading
    BOM or blank first line, and when it fails: a record longer than the header, an
    unterminated quote, no record at all.
    """
    if not text or text[0] in "\n\ufeff" or "\r" in text or "\x00" in text:
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=object, na_filter=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    return frame.to_numpy(dtype=object)


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
            kept = SOURCE_COLUMNS + [c for c in header if c in known]
            frames.append(frame if frame.columns.is_unique and list(frame.columns) == kept else frame[kept])
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SOURCE_COLUMNS + list(columns))
    for column in list(columns) + list(optional):
        if column not in data.columns:
            data[column] = None
    rejected_frame = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECTED_COLUMNS)
    return RawForm(form, data, rejected_frame)
