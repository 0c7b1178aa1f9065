"""Read one CRF form from every site folder of a raw-data export, reporting what is wrong.

A form is the file ``site_NN/<form>.csv`` (or ``.xlsx``) in each site folder. Values are read
as text exactly as exported (blank cells become missing; nothing is trimmed or recoded here:
that is the mapping's job, where it is documented). Every row keeps where it came from
(``SOURCE_FILE``, ``SOURCE_ROW`` with the header as row 1, ``SITEFOLDER``), so later stages can
account for it.

Whole-file problems become data issues and the file's rows are returned as rejected, never
silently dropped: a file that is not UTF-8 (check RAW001), a required column missing (RAW002).
An unexpected extra column is a warning (RAW003); a missing workbook sheet is an error (RAW004).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from edc.inventory import sheet_source
from edc.issues import IssueLog

SOURCE_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "SITEFOLDER"]
REJECTED_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "REASON"]


@dataclass(frozen=True)
class RawForm:
    """The rows of one form from all sites, and the rows rejected while reading."""

    name: str
    data: pd.DataFrame
    rejected: pd.DataFrame


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


def _read_csv_rows(path: Path, relative: str, issues: IssueLog) -> tuple[list[str], list[list[str]], bool]:
    """Header, rows and whether the bytes were valid UTF-8 (a BOM is allowed)."""
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
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return [], [], valid
    return [h.strip() for h in rows[0]], rows[1:], valid


def _read_xlsx_rows(path: Path, sheet: str | None) -> tuple[list[str], list[list[str | None]]] | None:
    """Header and rows of a sheet (the first when ``sheet`` is None); None if there is no such sheet."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            return None
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        return [], []
    header = [h.strip() if h else "" for h in rows[0]]
    body = [r for r in rows[1:] if any(v is not None for v in r)]
    return header, body


def _frame(header: list[str], rows: list[list], relative: str, site: str) -> pd.DataFrame:
    width = len(header)
    padded = [list(r[:width]) + [None] * (width - len(r)) for r in rows]
    frame = pd.DataFrame(padded, columns=header, dtype=object)
    frame = frame.where(frame.ne("") & frame.notna(), None)
    frame.insert(0, "SITEFOLDER", site)
    frame.insert(0, "SOURCE_ROW", range(2, len(frame) + 2))
    frame.insert(0, "SOURCE_FILE", relative)
    return frame


def read_form(
    raw: Path, form: str, *, columns: Sequence[str], issues: IssueLog, optional: Sequence[str] = (), sheet: str | None = None
) -> RawForm:
    """Read ``form`` from every ``site_*`` folder under ``raw``.

    ``columns`` are required; ``optional`` may be absent. For workbooks, ``sheet`` names the
    sheet (then ``SOURCE_FILE`` is ``site_NN/form.xlsx[Sheet]``). Rows of files with a missing
    required column or invalid encoding are returned in ``rejected`` with the reason.
    """
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
                header, rows, valid = _read_csv_rows(path, relative, issues)
            else:
                content = _read_xlsx_rows(path, sheet)
                if content is None:
                    issues.add(relative, None, None, sheet, "RAW004", "ERROR", "workbook has no such sheet")
                    continue
                header, rows = content
                if sheet is not None:
                    relative = sheet_source(relative, sheet)
            frame = _frame(header, rows, relative, folder.name)
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
