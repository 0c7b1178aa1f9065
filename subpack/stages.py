"""The registry of pipeline stages, in run order. Adding a stage is one line in :data:`STAGES`.

Each stage function takes the :class:`~subpack.context.RunContext`, writes its outputs under
``context.work`` and logs through ``context.log``; an ``ERROR`` line makes the run fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from adam.build import build_adam
from edc.inventory import inventory, write_inventory
from edc.readers import ParsedSheets
from sdtm.build import publishable, run_mappers, write_domains, write_sdtm
from sdtm.context import MappingContext
from sdtm.dm import compare_sites, filter_consent_after_cutoff
from sdtm.mapping import load_mapping
from sdtm.registry import MAPPERS
from specs.ct import CT_FOLDER
from specs.datasetjson import JsonContext
from specs.errors import SpecError
from subpack import __version__
from subpack.background import ParallelStage
from subpack.context import RunContext, Stage

if TYPE_CHECKING:
    import pandas as pd

LOG_EXAMPLES = 20
"""Most examples of one kind logged, one line each (the reports hold them all), so a large study's log stays scannable."""
LINE_EXAMPLES = 5
"""Most examples listed within one log line."""


def describe_specs(context: RunContext) -> None:
    """Log what the study's validated metadata contains."""
    study = context.study
    log = context.log
    log.note(f"Sites: {len(study.sites)}; cut-offs: " + ", ".join(f"{k}={v}" for k, v in study.cutoffs.items()) + ".")
    for key, name in (("sdtm", "SDTM"), ("adam", "ADaM")):
        standard = getattr(study, key)
        if standard is None:
            log.warning(f"The study has no {name} spec workbook yet.")
            continue
        variables = sum(len(d.variables) for d in standard.datasets.values())
        log.note(
            f"{standard.source}: {standard.name} {standard.version}, {len(standard.datasets)} datasets, "
            f"{variables} variables, {len(standard.codelists)} codelists, {len(standard.methods)} methods."
        )


def inventory_raw(context: RunContext) -> None:
    """List every raw export with its record count (``reports/raw_inventory.csv``).

    The workbook sheets read for counting are left in ``results["raw_sheets"]`` for the SDTM
    readers (``MappingContext(raw_sheets=...)``), which then do not parse the workbooks again.
    """
    raw = context.raw
    if not raw.is_dir():
        context.log.error(f"Raw data folder {raw} does not exist.")
        return
    sheets = ParsedSheets()
    files = inventory(raw, keep=sheets)
    if not files:
        context.log.error(f"Raw data folder {raw} holds no .csv or .xlsx export.")
        return
    write_inventory(files, context.work / "reports" / "raw_inventory.csv")
    sites = sorted({f.site for f in files})
    context.results["raw_files"] = files
    context.results["raw_sheets"] = sheets
    context.log.note(
        f"Raw data: {len(files)} files from {len(sites)} site folder(s), {sum(f.records for f in files)} records."
    )


def json_context(context: RunContext, standard: str) -> JsonContext:
    """Dataset-JSON file attributes from the study configuration (no wall-clock time)."""
    study = context.study
    return JsonContext(
        study_oid=study.id, metadata_version_oid=f"MDV.{study.id}.{standard}", created=study.analysis.xpt_timestamp,
        originator=study.sponsor, source_system="subpack", source_version=__version__,
    )


def build_sdtm(context: RunContext) -> None:
    """Map the raw exports to SDTM, write every domain, the data issues and the reconciliation."""
    study, log = context.study, context.log
    if study.sdtm is None:
        log.error("The study has no SDTM spec workbook: nothing to map to.")
        return
    try:
        mapping = load_mapping(Path(study.folder))
    except SpecError as exc:
        log.error(str(exc))
        return
    sheets = context.results.pop("raw_sheets", None)  # the workbooks the rawdata stage parsed, used once
    ctx = MappingContext(study, mapping, context.raw, context.cutoff_date, raw_sheets=sheets)
    run_mappers(ctx, MAPPERS)
    late = filter_consent_after_cutoff(ctx.domain("DM"), context.cutoff_date)
    if not late.empty:
        log.error(f"The data cut-off {context.cutoff_date.isoformat()} is before the informed consent of {len(late)} of "
                  f"{len(ctx.domain('DM'))} subjects (the last on {late['RFICDTC'].max()}). A package keeps every subject "
                  "of the raw data, so the cut-off must be on or after the last informed consent.")
        return
    _log_sites(context, ctx.domain("DM"))
    reports = context.work / "reports"
    run = write_sdtm(ctx, context.results.get("raw_files", []), context.work / "sdtm", reports,
                     json_context=json_context(context, "SDTM"), timestamp=study.analysis.xpt_timestamp)
    ctx.issues.write_csv(reports / "data_issues.csv")
    run.summary.to_csv(reports / "sdtm_reconciliation_summary.csv", index=False, lineterminator="\n")
    run.findings.to_csv(reports / "sdtm_conformance.csv", index=False, lineterminator="\n")
    context.results["sdtm"] = run.datasets
    log.note("SDTM: " + ", ".join(f"{name} {len(frame)}" for name, frame in run.datasets.items()) + " records.")
    _log_issues(context, ctx.issues, mapping.blocking_checks)
    _log_reconciliation(context, run.summary)
    _log_conformance(context, run.findings, "SDTM")


def _log_sites(context: RunContext, dm: pd.DataFrame) -> None:
    """Warn of declared sites with no subject in the raw data (an export not delivered?) and of
    subjects of sites the study does not declare."""
    missing, undeclared = compare_sites(dm, [site.siteid for site in context.study.sites])
    if missing:
        context.log.warning(f"No subject of site(s) {', '.join(missing)}, declared in study.yaml, is in the raw data "
                            f"{context.raw}: is an export missing?")
    if undeclared:
        context.log.warning(f"The raw data hold subjects of site(s) {', '.join(undeclared)}, which study.yaml does not "
                            "declare; they are mapped.")


def _log_issues(context: RunContext, issues, blocking: frozenset[str]) -> None:
    frame = issues.to_frame()
    if frame.empty:
        context.log.note("Data issues: none.")
        return
    counts = frame.groupby(["check", "severity"]).size()
    detail = "; ".join(f"{check} {severity.lower()} x{n}" for (check, severity), n in counts.items())
    context.log.warning(f"Data issues: {len(frame)} ({detail}); see reports/data_issues.csv.")
    blocked = frame[frame["check"].isin(blocking)]
    for issue in blocked.head(LOG_EXAMPLES).itertuples(index=False):
        context.log.error(f"Blocking data issue {issue.check}: {issue.file} row {issue.row} column {issue.column}: {issue.message}")


def _log_reconciliation(context: RunContext, summary) -> None:
    raw_total = int(summary["raw_records"].sum())
    unaccounted = summary[summary["unaccounted"] != 0]
    context.log.note(
        f"Reconciliation: {raw_total} raw records; mapped {int(summary['mapped'].sum())}, contributed "
        f"{int(summary['contributed'].sum())}, excluded {int(summary['excluded'].sum())}, rejected {int(summary['rejected'].sum())}; "
        f"unaccounted {int(summary['unaccounted'].sum())}."
    )
    if unaccounted.empty:
        return
    by_form = unaccounted.assign(form=unaccounted["file"].str.replace(r"^[^/]*/", "", regex=True)).groupby("form")
    for form, rows in by_form:
        context.log.error(f"Reconciliation: {int(rows['unaccounted'].sum())} of {int(rows['raw_records'].sum())} records of "
                          f"{form} ({len(rows)} site file(s)) are not accounted for; see reports/sdtm_reconciliation_summary.csv.")


def _log_conformance(context: RunContext, findings, standard: str) -> None:
    errors = findings[findings["severity"] == "Error"]
    warnings = findings[findings["severity"] == "Warning"]
    context.log.note(f"{standard} conformance to spec: {len(errors)} error(s), {len(warnings)} warning(s).")
    for row in errors.drop_duplicates(["dataset", "rule", "variable"]).head(LOG_EXAMPLES).itertuples(index=False):
        context.log.error(f"{row.dataset}.{row.variable}: {row.message} (e.g. row {row.row}, value {row.value!r}) [{row.rule}]")


def build_adam_stage(context: RunContext) -> None:
    """Derive ADaM from the SDTM datasets just written; write each through the ADaM spec."""
    study, log = context.study, context.log
    sdtm = context.results.get("sdtm")
    if study.adam is None or not sdtm:
        log.error("ADaM needs the SDTM datasets and the ADaM spec workbook.")
        return
    try:
        datasets = build_adam(sdtm, study, cutoff=context.cutoff_date)
    except SpecError as exc:
        log.error(str(exc))
        return
    frames = {name: publishable(frame) for name, frame in datasets.items()}
    written, findings = write_domains({name: _as_result(name, frame) for name, frame in frames.items()}, study.adam,
                                      context.work / "adam", json_context=json_context(context, "ADAM"),
                                      timestamp=study.analysis.xpt_timestamp)
    findings.to_csv(context.work / "reports" / "adam_conformance.csv", index=False, lineterminator="\n")
    context.results["adam"] = written
    _response_qc(context, datasets["ADTR"], sdtm)
    log.note("ADaM: " + ", ".join(f"{name} {len(frame)}" for name, frame in written.items()) + " records.")
    _log_conformance(context, findings, "ADaM")


def _response_qc(context: RunContext, adtr, sdtm) -> None:
    """Recompute each investigator response from the lesion measurements; list disagreements."""
    from adam.recist_qc import compute_recist_response, filter_response_discrepancies

    found = filter_response_discrepancies(compute_recist_response(adtr, sdtm["TR"], sdtm["TU"]), sdtm["RS"])
    found.to_csv(context.work / "reports" / "response_qc.csv", index=False, lineterminator="\n")
    if found.empty:
        context.log.note("Response QC: every investigator response agrees with the RECIST 1.1 lesion arithmetic.")
        return
    context.log.warning(describe_response_discrepancies(found))


def describe_response_discrepancies(found: pd.DataFrame) -> str:
    """The run log's one line on the response QC's disagreements: how many, the first
    :data:`LINE_EXAMPLES` of them, and where the rest are."""
    cases = "; ".join(f"{r.USUBJID} {r.VISIT}: investigator {r.RSSTRESC}, arithmetic {r.OVRLRESP}"
                      for r in found.head(LINE_EXAMPLES).itertuples())
    more = f"; and {len(found) - LINE_EXAMPLES} more" if len(found) > LINE_EXAMPLES else ""
    return (f"Response QC: {len(found)} investigator response(s) differ from the lesion arithmetic ({cases}{more}); "
            "see reports/response_qc.csv.")


def _as_result(name: str, frame):
    from sdtm.context import DomainResult

    return DomainResult(name, frame)


def build_tlf_stage(context: RunContext, workers: Sequence[Executor] = ()) -> None:
    """Tables, listings and figures from the ADaM datasets, the results dataset and the
    publication concordance (tlf.build), the outputs built by ``workers`` when given."""
    from tlf.build import build_tlfs

    adam = context.results.get("adam")
    if not adam:
        context.log.error("TLFs need the ADaM datasets.")
        return
    run = build_tlfs(adam, context.study, out=context.work, cutoff_name=context.cutoff, executors=workers)
    context.log.note(f"TLFs: {len(run.outputs)} outputs, {len(run.files)} files (RTF, PNG/SVG, PDF bundle, HTML review page).")
    for output, reason in sorted(getattr(run, "skipped", {}).items()):
        context.log.warning(f"TLF {output} not produced: {reason}")
    mismatches = run.concordance[run.concordance["status"] == "mismatch"] if not run.concordance.empty else run.concordance
    (context.log.warning if len(mismatches) else context.log.note)(f"Publication concordance: {run.summary}")
    for row in mismatches.itertuples(index=False):
        context.log.warning(f"Concordance mismatch {row.path}: published {row.published}, reproduced {row.reproduced}")


def write_define(context: RunContext, key: str) -> None:
    """define.xml 2.1 (+ HTML view) of one standard (``sdtm`` or ``adam``), with the study's
    Analysis Results Metadata in the ADaM one (``analysis_results.yaml``); schema and data checks."""
    from specs.define import DefineContext  # the worker's stages: the main process never loads them
    from specs.define.package import write_package_define

    study = context.study
    standard = getattr(study, key)
    frames = context.results.get(key)
    if not frames or standard is None:
        return
    define_context = DefineContext.for_study(study, ct_yaml=CT_FOLDER / "ct_subset.yaml", source_system_version=__version__)
    try:
        outcome = write_package_define(standard, study, frames, context.work / key, context=define_context,
                                       analysis_results=key == "adam")
    except SpecError as exc:
        context.log.error(f"{key}/define.xml: analysis results metadata: {exc}")
        return
    for problem in outcome.problems[:LOG_EXAMPLES]:
        context.log.error(f"{key}/define.xml: {problem}")
    arm = f"; {outcome.analysis_results} analysis result(s) described (ARM 1.0)" if outcome.analysis_results else ""
    context.log.note(f"{key}/define.xml: {len(frames)} datasets{arm}; schema and data checks: {len(outcome.problems)} problem(s).")


def validate_standard(context: RunContext, key: str) -> None:
    """Run the conformance rules over one written standard; write reports/validation_<key>.xlsx."""
    from specs.rules import summary_line, validate_folder  # the worker's stages: the main process never loads them
    from specs.rules.report import write_validation_report

    folder = context.work / key
    if not folder.is_dir():
        context.log.warning(f"Nothing to validate: no {key.upper()} datasets were written.")
        return
    standard = getattr(context.study, key)
    findings = validate_folder(folder, standard=standard, cutoff=context.cutoff_date)
    report = context.work / "reports" / f"validation_{key}.xlsx"
    write_validation_report(findings, None, None, report)
    line = f"{key.upper()} {summary_line(findings)}; see reports/{report.name}."
    (context.log.warning if findings.counts["Error"] else context.log.note)(line)


STAGES: tuple[Stage, ...] = (
    Stage("specs", "validate the study metadata", describe_specs),
    Stage("rawdata", "inventory the raw EDC exports", inventory_raw),
    Stage("sdtm", "map raw exports to SDTM", build_sdtm),
    Stage("sdtm-define", "write the SDTM define.xml", partial(write_define, key="sdtm"), background=True),
    Stage("sdtm-validate", "run the conformance rules on SDTM", partial(validate_standard, key="sdtm"), background=True),
    Stage("adam", "derive ADaM from SDTM", build_adam_stage),
    Stage("adam-define", "write the ADaM define.xml", partial(write_define, key="adam"), background=True),
    Stage("adam-validate", "run the conformance rules on ADaM", partial(validate_standard, key="adam"), background=True),
    ParallelStage("tlf", "tables, listings, figures and the concordance report", build_tlf_stage, preload=("tlf.outputs",)),
)
"""Pipeline stages in run order. The define and validate stages read only the datasets written
before them, so they run in a second process while the later stages go on; the TLF stage hands
its outputs to the worker processes, which load its libraries while the first stages run
(subpack.background)."""
