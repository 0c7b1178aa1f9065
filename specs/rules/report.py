"""``validation.xlsx`` in the Pinnacle 21 report layout, written deterministically.

Sheets: Dataset Summary (dataset, label, class, records, errors, warnings, notices), Issue
Summary (one row per dataset, rule and message with its count), Details (one row per finding),
Rules (every rule with its ids, severity, description, and whether it ran, where, or why not).
The same findings give the same bytes: workbook properties carry a fixed timestamp and the zip
entries a fixed date (openpyxl stamps both with the wall clock).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from specs.files import replacing
from specs.rules.engine import ALL_RULES, Findings
from specs.rules.registry import Rule

FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
"""Timestamp written into the workbook properties and zip entries (reproducible bytes)."""

SHEETS = {
    "Dataset Summary": ["Dataset", "Label", "Standard", "Class", "Records", "Errors", "Warnings", "Notices"],
    "Issue Summary": ["Dataset", "Rule", "Pinnacle 21 ID", "CORE ID", "Message", "Severity", "Found"],
    "Details": ["Dataset", "Record", "Variables", "Values", "Rule", "Pinnacle 21 ID", "CORE ID", "Severity", "Message"],
    "Rules": ["Rule", "Pinnacle 21 ID", "CORE ID", "Standard", "Severity", "Message", "Description", "Status",
              "Datasets", "Reason", "Found"],
}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _dataset_rows(findings: Findings, datasets) -> list[list]:
    summary = findings.datasets.copy()
    if datasets is not None:
        records = {str(k).upper(): (len(v) if hasattr(v, "__len__") and not isinstance(v, int) else int(v))
                   for k, v in datasets.items()}
        summary["records"] = [records.get(n, r) for n, r in zip(summary["dataset"], summary["records"])]
    return summary[["dataset", "label", "standard", "class", "records", "errors", "warnings", "notices"]].values.tolist()


def _issue_rows(frame: pd.DataFrame) -> list[list]:
    if frame.empty:
        return []
    grouped = (frame.groupby(["dataset", "rule", "p21_id", "core_id", "message", "severity"], sort=True, dropna=False)
               .size().reset_index(name="found"))
    return grouped.values.tolist()


def _detail_rows(frame: pd.DataFrame, limit: int | None) -> list[list]:
    if frame.empty:
        return []
    if limit is not None:
        frame = frame.groupby(["dataset", "rule"], sort=False).head(limit)
    record = frame["row"].astype("Int64") + 1
    out = pd.DataFrame({
        "dataset": frame["dataset"], "record": record.astype(object).where(record.notna(), None),
        "variables": frame["variables"], "values": frame["values"], "rule": frame["rule"], "p21": frame["p21_id"],
        "core": frame["core_id"], "severity": frame["severity"], "message": frame["message"],
    })
    return out.values.tolist()


def _rule_rows(findings: Findings, rules: Iterable[Rule] | None) -> list[list]:
    status = findings.rules.set_index("rule")
    rows = []
    for rule in (tuple(rules) if rules is not None else ALL_RULES):
        if rule.id in status.index:
            s = status.loc[rule.id]
            rows.append([rule.id, rule.p21_id, rule.core_id, rule.standard, rule.severity, rule.message,
                         rule.description, s["status"], s["datasets"], s["reason"], int(s["findings"])])
        else:
            rows.append([rule.id, rule.p21_id, rule.core_id, rule.standard, rule.severity, rule.message,
                         rule.description, "not run", "", "not selected for this run", 0])
    return rows


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _sheet(book: Workbook, title: str, rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(SHEETS[title])
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for row in rows:
        sheet.append([None if _missing(v) else v for v in row])
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(SHEETS[title]))}{len(rows) + 1}"
    widths = {"Description": 80, "Message": 60, "Values": 50, "Variables": 30, "Label": 40, "Reason": 50, "Datasets": 40}
    for index, name in enumerate(SHEETS[title], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(name, max(10, len(name) + 2))


def _fix_zip_dates(path: Path) -> None:
    """Rewrite the xlsx zip with every entry dated :data:`FIXED_TIME`, in the same order, and the
    core properties' modified time (openpyxl sets it to the wall clock on save) fixed too."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    entries = [(info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data)
                if info.filename == "docProps/core.xml" else data) for info, data in entries]
    with replacing(path) as temp, zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)


def write_validation_report(
    findings: Findings,
    rules: Iterable[Rule] | None,
    datasets: Mapping[str, object] | None,
    path: Path | str,
    *,
    max_details_per_rule: int | None = None,
) -> Path:
    """Write ``validation.xlsx`` (Dataset Summary, Issue Summary, Details, Rules) to ``path``.

    ``rules``: the rules to list (default: every rule of the engine); ``datasets``: name ->
    frame or record count (default: as validated). ``max_details_per_rule`` caps the Details
    rows per dataset and rule (the Issue Summary always counts all). Written to a temporary file
    and moved into place, so a failure never leaves a partial report.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "Dataset Summary", _dataset_rows(findings, datasets))
    _sheet(book, "Issue Summary", _issue_rows(findings.frame))
    _sheet(book, "Details", _detail_rows(findings.frame, max_details_per_rule))
    _sheet(book, "Rules", _rule_rows(findings, rules))
    book.properties.creator = "subpack"
    book.properties.title = "Conformance validation report"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    with replacing(path) as temp:
        book.save(temp)
        _fix_zip_dates(temp)
    return path
