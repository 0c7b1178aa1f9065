"""Run every SDTM mapper in registry order, check each domain against the spec, and write it.

Outputs (under the package folder): ``sdtm/<domain>.xpt`` and ``.json`` for every mapped domain,
``reports/data_issues.csv``, ``reports/sdtm_reconciliation.csv`` (one line per raw record and
outcome), ``reports/sdtm_reconciliation_summary.csv`` (per raw file: delivered vs accounted) and
``reports/sdtm_conformance.csv`` (spec findings).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import pandas as pd

from sdtm.context import DomainResult, MappingContext
from sdtm.reconcile import build_ledger, summarise
from specs.conform import conform_to_spec, conformed_text
from specs.conformance import check_dataset
from specs.csvtext import write_csv
from specs.datasetjson import JsonContext, write_conformed_dataset_json
from specs.errors import DatasetWriteError
from specs.forked import run_side_by_side
from specs.model import Standard
from specs.xpt import write_conformed_xpt

Mapper = Callable[[MappingContext], DomainResult | list[DomainResult]]
Written = TypeVar("Written")


@dataclass(frozen=True)
class SdtmRun:
    """What an SDTM run produced: datasets as written, the ledger and its summary, findings."""

    datasets: dict[str, pd.DataFrame]
    ledger: pd.DataFrame
    summary: pd.DataFrame
    findings: pd.DataFrame


def run_mappers(ctx: MappingContext, mappers: Sequence[tuple[str, Mapper]]) -> dict[str, DomainResult]:
    """Run the mappers in order; each sees the domains mapped before it (``ctx.results``).

    Mappers may return relationship pieces as results named ``RELREC_<something>``; they are
    merged into one RELREC dataset at the end (SDTMIG 3.4 section 8.2).
    """
    for _, mapper in mappers:
        produced = mapper(ctx)
        for result in produced if isinstance(produced, list) else [produced]:
            ctx.results[result.domain] = result
    merge_relrec(ctx.results)
    return ctx.results


def merge_relrec(results: dict[str, DomainResult]) -> None:
    """Concatenate every RELREC piece (``RELREC`` and ``RELREC_*`` results) into ``RELREC``."""
    names = sorted(n for n in results if n == "RELREC" or n.startswith("RELREC_"))
    if not names or names == ["RELREC"]:
        return
    pieces = [results.pop(n) for n in names]
    data = pd.concat([p.data for p in pieces], ignore_index=True)
    results["RELREC"] = DomainResult("RELREC", data, *(pd.concat([getattr(p, k) for p in pieces], ignore_index=True)
                                                      for k in ("rejected", "excluded", "used")))


def read_rejections(ctx: MappingContext) -> pd.DataFrame:
    """Rows rejected while reading raw files (bad encoding, missing columns), all forms."""
    frames = [form.rejected for form in ctx._forms.values() if not form.rejected.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["SOURCE_FILE", "SOURCE_ROW", "REASON"])


def publishable(data: pd.DataFrame) -> pd.DataFrame:
    """The SDTM variables only: provenance and helper columns (``_...``) removed."""
    return data[[c for c in data.columns if not c.startswith("_") and c not in ("SOURCE_FILE", "SOURCE_ROW")]]


PARALLEL_WRITING_RECORDS = 250_000
"""From this many records in all, the Dataset-JSON files are written in a forked child while this
process writes the XPT files and checks the data (:func:`specs.forked.run_side_by_side`)."""

FINDINGS_COLUMNS = ["dataset", "row", "variable", "value", "rule", "severity", "message"]


def conform_domains(results: dict[str, DomainResult], spec: Standard) -> dict[str, pd.DataFrame]:
    """Every domain conformed to its spec (:func:`specs.conform.conform_to_spec`), by name;
    raise DatasetWriteError with every domain's problems."""
    frames, problems = {}, []
    for name in sorted(results):
        frames[name], found = conform_to_spec(publishable(results[name].data), spec.dataset(name))
        problems += found
    if problems:
        raise DatasetWriteError(problems)
    return frames


def write_xpt_and_check(frames: dict[str, pd.DataFrame], spec: Standard, folder: Path, *, timestamp) -> pd.DataFrame:
    """Write each conformed domain as XPT v5 and run the spec checks on it, both on one
    factorization of its text columns (:func:`specs.conform.conformed_text`); return the findings."""
    findings = []
    for name, frame in frames.items():
        dataset = spec.dataset(name)
        texts = conformed_text(frame, dataset)
        write_conformed_xpt(frame, folder / f"{name.lower()}.xpt", dataset, timestamp=timestamp, texts=texts)
        found = check_dataset(frame, dataset, spec.codelists, spec.value_level, texts)
        if not found.empty:
            findings.append(found)
    return pd.concat(findings, ignore_index=True) if findings else pd.DataFrame(columns=FINDINGS_COLUMNS)


def write_json(frames: dict[str, pd.DataFrame], spec: Standard, folder: Path, *, json_context: JsonContext) -> None:
    """Write each conformed domain as Dataset-JSON 1.1."""
    for name, frame in frames.items():
        write_conformed_dataset_json(frame, folder / f"{name.lower()}.json", spec.dataset(name), json_context)


def write_json_alongside(here: Callable[[], Written], frames: dict[str, pd.DataFrame], spec: Standard, folder: Path, *,
                         json_context: JsonContext, parallel: bool | None = None) -> Written:
    """Run ``here`` while the Dataset-JSON files of ``frames`` are written (:func:`write_json`)
    in a forked child, when ``parallel`` (default: from :data:`PARALLEL_WRITING_RECORDS`
    records in all), else after; return what ``here`` returns."""
    if parallel is None:
        parallel = sum(len(frame) for frame in frames.values()) >= PARALLEL_WRITING_RECORDS
    result, _ = run_side_by_side(here, partial(write_json, frames, spec, folder, json_context=json_context),
                                 parallel=parallel)
    return result


def write_domains(results: dict[str, DomainResult], spec: Standard, folder: Path, *, json_context: JsonContext,
                  timestamp, parallel: bool | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Check each domain against the spec and write XPT + Dataset-JSON; return frames and findings.

    Each domain is conformed to its spec once (:func:`conform_domains`). The XPT files are
    written and the spec checks run here (:func:`write_xpt_and_check`) while the Dataset-JSON
    files are written (:func:`write_json_alongside`). The files and findings are the same
    whether the JSON is written in parallel or not.
    """
    frames = conform_domains(results, spec)
    findings = write_json_alongside(partial(write_xpt_and_check, frames, spec, folder, timestamp=timestamp),
                                    frames, spec, folder, json_context=json_context, parallel=parallel)
    return frames, findings


def raw_record_counts(inventory: Sequence) -> dict[str, int]:
    """Records per raw file from the raw inventory (edc.inventory.RawFile list)."""
    return {item.path: item.records for item in inventory}


def reconcile(ctx: MappingContext, inventory: Sequence) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger and its per-file summary."""
    ledger = build_ledger(ctx.results, read_rejections(ctx))
    return ledger, summarise(ledger, raw_record_counts(inventory))


def write_sdtm(ctx: MappingContext, inventory: Sequence, folder: Path, reports: Path, *, json_context: JsonContext,
               timestamp) -> SdtmRun:
    """Write the mapped domains (:func:`write_domains`' work) and the reconciliation ledger.

    This process writes the XPT files, runs the spec checks, builds the ledger
    (:func:`reconcile`) and writes it to ``reports/sdtm_reconciliation.csv`` while the
    Dataset-JSON files are written (:func:`write_json_alongside`).
    """
    frames = conform_domains(ctx.results, ctx.study.sdtm)

    def write_xpt_check_and_reconcile() -> SdtmRun:
        findings = write_xpt_and_check(frames, ctx.study.sdtm, folder, timestamp=timestamp)
        ledger, summary = reconcile(ctx, inventory)
        write_csv(ledger, reports / "sdtm_reconciliation.csv")
        return SdtmRun(frames, ledger, summary, findings)

    return write_json_alongside(write_xpt_check_and_reconcile, frames, ctx.study.sdtm, folder, json_context=json_context)
