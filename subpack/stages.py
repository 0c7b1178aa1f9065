"""The registry of pipeline stages, in run order. Adding a stage is one line in :data:`STAGES`.

Each stage function takes the :class:`~subpack.context.RunContext`, writes its outputs under
``context.work`` and logs through ``context.log``; an ``ERROR`` line makes the run fail.
"""

from __future__ import annotations

from edc.inventory import inventory, write_inventory
from subpack.context import RunContext, Stage


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
    """List every raw export with its record count (``reports/raw_inventory.csv``)."""
    raw = context.raw
    if not raw.is_dir():
        context.log.error(f"Raw data folder {raw} does not exist.")
        return
    files = inventory(raw)
    if not files:
        context.log.error(f"Raw data folder {raw} holds no .csv or .xlsx export.")
        return
    write_inventory(files, context.work / "reports" / "raw_inventory.csv")
    sites = sorted({f.site for f in files})
    context.results["raw_files"] = files
    context.log.note(
        f"Raw data: {len(files)} files from {len(sites)} site folder(s), {sum(f.records for f in files)} records."
    )


STAGES: tuple[Stage, ...] = (
    Stage("specs", "validate the study metadata", describe_specs),
    Stage("rawdata", "inventory the raw EDC exports", inventory_raw),
)
"""Pipeline stages in run order."""
