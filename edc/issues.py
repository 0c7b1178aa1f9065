"""Data issues: problems in raw data a user can fix, each naming file, row, column and value.

Readers and mappers add issues instead of raising; the pipeline writes them all to
``reports/data_issues.csv`` and fails the run only for checks the study's mapping spec marks as
blocking.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

ISSUE_COLUMNS = ["file", "row", "column", "value", "check", "severity", "message"]


@dataclass(frozen=True)
class DataIssue:
    """One problem in the raw data. ``row`` is the spreadsheet-style row (header = 1)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    check: str
    severity: str  # "ERROR" or "WARNING"
    message: str

    def __str__(self) -> str:
        where = self.file + (f" row {self.row}" if self.row is not None else "")
        where += f" column {self.column}" if self.column else ""
        value = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{value} [{self.check}]"


@dataclass
class IssueLog:
    """Collects data issues from every reader and mapper of a run."""

    issues: list[DataIssue] = field(default_factory=list)

    def add(self, file: str, row: int | None, column: str | None, value: object, check: str, severity: str, message: str) -> None:
        """Record one issue (``value`` is kept as text)."""
        text = None if value is None else str(value)
        self.issues.append(DataIssue(file, row, column, text, check, severity, message))

    def add_rows(self, rows: pd.DataFrame, *, column: str | None, check: str, severity: str, message: str) -> None:
        """One issue per row of ``rows`` (needs SOURCE_FILE, SOURCE_ROW and ``column`` if given)."""
        values = rows[column] if column else pd.Series([None] * len(rows), index=rows.index)
        for file, row, value in zip(rows["SOURCE_FILE"], rows["SOURCE_ROW"], values):
            self.add(file, int(row), column, value, check, severity, message)

    def counts(self) -> Counter:
        """Issues by severity."""
        return Counter(issue.severity for issue in self.issues)

    def to_frame(self) -> pd.DataFrame:
        """All issues, sorted by file, row, column and check."""
        frame = pd.DataFrame([asdict(i) for i in self.issues], columns=ISSUE_COLUMNS)
        return frame.sort_values(["file", "row", "column", "check"], na_position="first", kind="mergesort").reset_index(drop=True)

    def write_csv(self, path: Path) -> None:
        """Write ``reports/data_issues.csv``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = self.to_frame()
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(ISSUE_COLUMNS)
            for record in frame.itertuples(index=False):
                writer.writerow(["" if pd.isna(v) else (int(v) if isinstance(v, float) else v) for v in record])
