"""What every domain mapper gets (:class:`MappingContext`) and returns (:class:`DomainResult`).

A mapper reads raw forms through the context (each form is read once per run), reports data
issues to the context's log, and returns its records with their provenance (``SOURCE_FILE``,
``SOURCE_ROW``) so the reconciliation can account for every raw record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from edc.issues import IssueLog
from edc.readers import REJECTED_COLUMNS, ParsedSheets, RawForm, Workbooks, read_form
from sdtm.mapping import MappingSpec
from specs.model import Study

PROVENANCE = ["SOURCE_FILE", "SOURCE_ROW"]


REASON_COLUMNS = REJECTED_COLUMNS
"""Columns of the rejected/excluded/used frames of a :class:`DomainResult`: SOURCE_FILE, SOURCE_ROW, REASON."""


def empty_rejections() -> pd.DataFrame:
    """A rejection frame with no rows."""
    return pd.DataFrame(columns=REJECTED_COLUMNS)


@dataclass
class DomainResult:
    """A mapped domain.

    ``data``: SDTM variables plus ``SOURCE_FILE``/``SOURCE_ROW`` of the raw row each record
    comes from (dropped when written). ``rejected``: raw rows that could not be mapped, with
    the reason (unknown subject, invalid date, duplicate, after cut-off ...). ``excluded``: raw
    rows deliberately not mapped into this domain (e.g. eligibility criteria that were met; IE
    holds only criteria not met), with the reason. ``used``: raw rows that contributed values to
    records whose primary source is another row (e.g. informed consent date -> DM.RFICDTC).
    """

    domain: str
    data: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=empty_rejections)
    excluded: pd.DataFrame = field(default_factory=empty_rejections)
    used: pd.DataFrame = field(default_factory=empty_rejections)


@dataclass
class MappingContext:
    """Study, mapping spec, raw folder, cut-off and the issue log of one SDTM run."""

    study: Study
    mapping: MappingSpec
    raw: Path
    cutoff: dt.date
    issues: IssueLog = field(default_factory=IssueLog)
    results: dict[str, DomainResult] = field(default_factory=dict)
    raw_sheets: ParsedSheets | None = None
    """Workbook sheets the rawdata stage has already read (``edc.inventory.inventory(keep=...)``), used instead of parsing them again."""
    _forms: dict[str, RawForm] = field(default_factory=dict)
    _keyed: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Raw forms with their subject keys (``sdtm.common.read_keyed_rows``), keyed once per run."""
    _workbooks: Workbooks = field(default_factory=Workbooks)

    def __post_init__(self) -> None:
        if self.raw_sheets is not None and self._workbooks.parsed is None:
            self._workbooks.parsed = self.raw_sheets

    def form(self, name: str) -> RawForm:
        """The rows of raw form ``name`` from all sites (read once, then cached; each workbook opened once)."""
        if name not in self._forms:
            spec = self.mapping.form(name)
            self._forms[name] = read_form(
                self.raw, spec.file, columns=spec.columns, optional=spec.optional, issues=self.issues, sheet=spec.sheet,
                workbooks=self._workbooks,
            )
        return self._forms[name]

    def domain(self, name: str) -> pd.DataFrame:
        """An already mapped domain (mappers run in registry order: DM and SE come first)."""
        try:
            return self.results[name].data
        except KeyError:
            raise KeyError(f"domain {name} has not been mapped yet; check the mapper order in sdtm.registry") from None

    @property
    def studyid(self) -> str:
        """STUDYID of every record."""
        return self.study.id
