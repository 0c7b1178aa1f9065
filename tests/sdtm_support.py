"""Shared helpers of the SDTM mapper tests: hand-made raw forms and the accounting of raw rows.

Imported as ``from sdtm_support import ...`` (``tests`` is on the pytest pythonpath).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from sdtm.build import publishable
from sdtm.context import DomainResult, MappingContext
from sdtm.mapping import MappingSpec
from specs.conformance import check_dataset
from specs.model import Study


SE_COLUMNS = ["USUBJID", "SESTDTC", "SEENDTC", "EPOCH"]


def make_context(study: Study, mapping: MappingSpec, raw: Path, cutoff, dm: list[dict], se: list[dict] | None = None, *,
                 dm_columns: list[str]) -> MappingContext:
    """A mapping context on ``raw`` with hand-made DM rows (``dm_columns``) and, when given, SE rows,
    as the mappers that need subjects, reference dates and epochs expect them."""
    ctx = MappingContext(study, mapping, raw, cutoff)
    ctx.results["DM"] = DomainResult("DM", pd.DataFrame(dm, columns=dm_columns))
    if se is not None:
        ctx.results["SE"] = DomainResult("SE", pd.DataFrame(se, columns=SE_COLUMNS))
    return ctx


def write_form(raw: Path, site: str, form: str, rows: list[dict], *, mapping: MappingSpec, keys: dict,
               encoding: str = "utf-8", drop: tuple[str, ...] = ()) -> None:
    """A raw CSV form with the mapping spec's columns (EDC keys filled in unless given)."""
    columns = [c for c in mapping.form(form).columns if c not in drop]
    folder = raw / f"site_{site}"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{mapping.form(form).file}.csv").open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for position, row in enumerate(rows, start=1):
            writer.writerow({**keys, "SITEID": site, "RECPOS": position, **row})


def outcomes(ctx: MappingContext, results: list[DomainResult], forms: list[str]) -> dict[tuple, str]:
    """Every raw row of ``forms`` -> its best outcome (mapped/used/excluded/rejected); missing = unaccounted."""
    seen: dict[tuple, str] = {}
    frames = [(status, getattr(r, attr)) for r in results for status, attr in
              (("rejected", "rejected"), ("excluded", "excluded"), ("used", "used"), ("mapped", "data"))]
    frames += [("rejected", ctx.form(f).rejected) for f in forms]
    for status, frame in frames:
        if "SOURCE_FILE" in frame and not frame.empty:
            for key in zip(frame["SOURCE_FILE"], frame["SOURCE_ROW"].astype(int)):
                seen[key] = status
    rows = set()
    for form in forms:
        for frame in (ctx.form(form).data, ctx.form(form).rejected):
            rows |= set(zip(frame["SOURCE_FILE"], frame["SOURCE_ROW"].astype(int)))
    return {row: seen.get(row, "unaccounted") for row in rows}


def errors(result: DomainResult, study: Study) -> pd.DataFrame:
    """Conformance findings of severity Error of a mapped domain."""
    spec = study.sdtm
    found = check_dataset(publishable(result.data), spec.dataset(result.domain), spec.codelists, spec.value_level)
    return found[found["severity"] == "Error"]


def unaccounted(ctx: MappingContext, results: list[DomainResult], forms: list[str]) -> set:
    """Raw rows of ``forms`` that are in none of data/rejected/excluded/used (nor rejected by the reader)."""
    return {row for row, status in outcomes(ctx, results, forms).items() if status == "unaccounted"}


def issues(ctx: MappingContext, check: str) -> list[tuple]:
    """(file, row, column, value) of the data issues of one check."""
    return [(i.file, i.row, i.column, i.value) for i in ctx.issues.issues if i.check == check]
