"""The pipeline: run every stage in order into a temporary folder, then move it into place.

Thin by design: stages live in their own packages; this module orders them, times them, logs
them, and guarantees that a failed run leaves no half-written package behind (the previous
output, if any, stays untouched; the failed run's log is kept beside it).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from specs.errors import SpecError
from specs.loader import load_study, study_folder
from specs.model import Study
from subpack import __version__
from subpack.background import BackgroundStages, ParallelStage
from subpack.context import RunContext, Stage, StageFailed
from subpack.manifest import write_manifest
from subpack.runlog import RunLog
from subpack.stages import STAGES

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _replace_folder(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, replacing an existing ``target`` as late as possible."""
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.previous")
        if backup.exists():
            shutil.rmtree(backup)
        target.rename(backup)
    source.rename(target)
    if backup is not None:
        shutil.rmtree(backup)


def default_output(study: Study) -> Path:
    """``out/<study folder name>`` under the current directory."""
    return Path("out") / Path(study.folder).name


def default_raw(study: Study) -> Path:
    """The embedded raw data of the study (``rawdata/<study folder name>``)."""
    from rawdata import raw_folder

    return raw_folder(Path(study.folder).name)


def run_pipeline(
    study_name: str | Path,
    *,
    out: Path | None = None,
    cutoff: str | None = None,
    raw: Path | None = None,
    console: Console | None = None,
    stages: tuple[Stage, ...] | None = None,
    quiet: bool = False,
) -> int:
    """Build the package for a study; return the process exit code (0, 1 or 2)."""
    console = console or Console(stderr=True)
    log = RunLog(console=console, quiet=quiet)
    log.note(f"subpack {__version__}: building the submission package for {study_name}.")
    try:
        study = load_study(study_folder(study_name))
        cutoff_date = study.cutoff_date(cutoff)
    except (SpecError, FileNotFoundError, ValueError) as exc:
        log.error(str(exc))
        return EXIT_USAGE
    cutoff_name = cutoff or study.default_cutoff
    out = Path(out) if out else default_output(study)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.building.", dir=out.parent))
    context = RunContext(study, cutoff_name, cutoff_date, Path(raw) if raw else default_raw(study), work, log)
    log.note(f"Study {study.id} ({study.registry_id}); data cut-off {cutoff_name} = {cutoff_date.isoformat()}.")
    started = time.perf_counter()
    try:
        _run_stages(context, stages if stages is not None else STAGES, console)
        write_manifest(work, study=study.id, cutoff=cutoff_date.isoformat(), version=__version__)
        _log_summary(log, "finished", started)
        log.save(work / "run.log")
        _replace_folder(work, out)
        log_path = out / "run.log"
    except StageFailed as exc:
        log.error(str(exc))
        _log_summary(log, "failed; no output was written", started)
        log_path = out.with_name(f"{out.name}.failed.log")
        log.save(log_path)
        shutil.rmtree(work, ignore_errors=True)
        console.print(f"Run log: {log_path}")
        return EXIT_FAILED
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    console.print(f"Package: {out}  (run log: {log_path})")
    return EXIT_OK


def _run_stages(context: RunContext, stages: tuple[Stage, ...], console: Console) -> None:
    """Run the stages in order; background stages run in a second process, collected at the end;
    a parallel stage shares its work with that process, which starts (and loads the stage's
    modules) before the first stage."""
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )
    parallel = [stage for stage in stages if isinstance(stage, ParallelStage)]
    background = BackgroundStages(context, preload=[module for stage in parallel for module in stage.preload])
    if parallel or any(stage.background for stage in stages):
        background.start()
    try:
        with progress:
            overall = progress.add_task("subpack run", total=len(stages))
            for stage in stages:
                progress.update(overall, description=f"{stage.name}: {stage.description}")
                if stage.background:
                    background.submit(stage)
                    continue
                errors_before = context.log.counts["ERROR"]
                with context.log.timed(stage.name):
                    _run_foreground(stage, context, background)
                if context.log.counts["ERROR"] > errors_before:
                    raise StageFailed(f"Stage {stage.name} reported blocking errors; the run stops here.")
                progress.advance(overall)
            progress.update(overall, description="waiting for the background stages")
            failed = background.collect()
    finally:
        background.close()
    if failed:
        raise StageFailed(f"Stage {failed[0].name} reported blocking errors; the run stops here.")


def _run_foreground(stage: Stage, context: RunContext, background: BackgroundStages) -> None:
    """Run a stage in this process; a parallel stage with the worker processes."""
    if isinstance(stage, ParallelStage):
        stage.run(context, background.workers())
    else:
        stage.run(context)


def _log_summary(log: RunLog, outcome: str, started: float) -> None:
    """The last line: the outcome, the counts, the wall time of the stages and their summed time
    (larger when background stages ran alongside the others)."""
    total = sum(log.timings.values())
    log.note(
        f"Run {outcome}: {log.counts['ERROR']} error(s), {log.counts['WARNING']} warning(s); "
        f"stages took {time.perf_counter() - started:.2f} seconds ({total:.2f} seconds of stage time)."
    )
