"""Inventory of a raw-data folder: every export file with its form, site, record count and checksum.

The first reconciliation fact: how many raw records arrived, per file. Later stages account for
each of them (mapped or rejected), so a record is counted exactly as the readers
(:mod:`edc.readers`) read it: every CSV record after the header; every workbook row after the
header that has a non-blank cell.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from edc.readers import ParsedSheets, read_sheet_rows, sheet_source, worksheet_names

RAW_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class RawFile:
    """One raw export: a CSV file, or one sheet of a workbook (``file.xlsx[Sheet]``)."""

    path: str  # relative to the raw folder, POSIX separators; workbook sheets as "x.xlsx[Sheet]"
    site: str  # the site folder name, e.g. site_01
    form: str  # file stem, e.g. ae
    records: int  # data rows (header and blank rows excluded)
    sha256: str  # of the whole file


def count_csv_records(path: Path) -> int:
    """Data rows of a CSV (header excluded, quoted newlines respected)."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def count_sheet_records(path: Path, *, keep: ParsedSheets | None = None) -> dict[str, int]:
    """Data rows of every worksheet of a workbook (header and blank rows excluded), the workbook opened once.

    ``keep``: where to leave the rows read, for the readers of a later step (:class:`edc.readers.ParsedSheets`).
    """
    book = CalamineWorkbook.from_path(str(path))
    try:
        names = worksheet_names(book)
        sheets = {sheet: read_sheet_rows(book, sheet) for sheet in names}
    finally:
        book.close()
    if keep is not None:
        keep.keep(path, names, sheets)
    return {sheet: len(rows.rows) for sheet, rows in sheets.items()}


def inventory(raw: Path, *, keep: ParsedSheets | None = None) -> list[RawFile]:
    """Every raw export under ``raw`` (sorted by path; workbooks one entry per sheet).

    ``keep``: where to leave the workbook sheets read for counting (see :func:`count_sheet_records`).
    """
    files = []
    for path in sorted(p for p in raw.rglob("*") if p.suffix in RAW_SUFFIXES and p.is_file()):
        relative = path.relative_to(raw)
        site = relative.parts[0] if len(relative.parts) > 1 else ""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if path.suffix == ".csv":
            files.append(RawFile(relative.as_posix(), site, path.stem, count_csv_records(path), digest))
            continue
        for sheet, records in count_sheet_records(path, keep=keep).items():
            files.append(RawFile(sheet_source(relative.as_posix(), sheet), site, path.stem, records, digest))
    return files


def write_inventory(files: list[RawFile], path: Path) -> None:
    """Write the inventory as CSV (one line per file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["path", "site", "form", "records", "sha256"])
        for item in files:
            writer.writerow([item.path, item.site, item.form, item.records, item.sha256])
