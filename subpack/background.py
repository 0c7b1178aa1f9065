"""Stages that run in a second process while the pipeline goes on (``Stage.background``).

The define and validate stages only read what the earlier stages wrote, so on a machine with two
cores they can run while the TLFs are drawn. They run one after the other, in order, in one
worker process started fresh (``spawn``: a forked copy of a process that holds threads can
deadlock). Their log lines are put back where the stage was started, so the run log reads in
stage order whatever the timing; their errors fail the run when they are collected.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace

from subpack.context import RunContext, Stage
from subpack.runlog import RunLog


@dataclass(frozen=True)
class StageReport:
    """What a background stage left: its log lines and how long it took."""

    lines: list[str]
    seconds: float
    errors: int


def warm_up() -> None:
    """Import the stages' code in the worker while the first stages run in the main process."""
    import subpack.stages  # noqa: F401


def run_stage_quietly(stage: Stage, context: RunContext) -> StageReport:
    """Run ``stage`` with a log of its own (the worker process's side)."""
    log = RunLog()
    with log.timed(stage.name):
        stage.run(replace(context, log=log))
    return StageReport(log.lines, log.timings[stage.name], log.counts["ERROR"])


class BackgroundStages:
    """Submit background stages in order; :meth:`collect` waits and merges their logs."""

    def __init__(self, context: RunContext):
        self.context = context
        self._executor: ProcessPoolExecutor | None = None
        self._pending: list[tuple[Stage, int, Future]] = []

    def start(self) -> None:
        """Start the worker process and its imports now, so it is ready when the first
        background stage comes."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            self._executor.submit(warm_up)

    def submit(self, stage: Stage) -> None:
        """Start ``stage`` (after the background stages submitted before it)."""
        self.start()
        snapshot = replace(self.context, log=RunLog(), results=dict(self.context.results))
        future = self._executor.submit(run_stage_quietly, stage, snapshot)
        self._pending.append((stage, len(self.context.log.lines), future))

    def collect(self) -> list[Stage]:
        """Wait for every submitted stage; put its log lines in place; return the stages that
        logged errors. A programming error in a stage is raised here."""
        try:
            reports = [(stage, position, future.result()) for stage, position, future in self._pending]
        finally:
            self.close()
        for stage, position, report in reversed(reports):
            self.context.log.insert(position, report.lines, stage=stage.name, seconds=report.seconds)
        return [stage for stage, _, report in reports if report.errors]

    def close(self) -> None:
        """Stop the worker process (cancelling what has not started)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._pending = []
