"""The worker process: stages that run while the pipeline goes on (``Stage.background``), and a
share of the work of a foreground stage (:class:`ParallelStage`).

The define and validate stages only read what the earlier stages wrote, so on a machine with two
cores they can run while the TLFs are drawn. They run one after the other, in order, in one
worker process started fresh (``spawn``: a forked copy of a process that holds threads can
deadlock). Their log lines are put back where the stage was started, so the run log reads in
stage order whatever the timing; their errors fail the run when they are collected.

A :class:`ParallelStage` (the TLF stage) shares its work with the same worker, which takes its
share once the background stages submitted before are done (on two cores, the worker is mostly
idle by then). The worker imports the stage's ``preload`` modules as soon as it has imported
the stages, while the first stages run in the main process, so it does not wait for them then.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, replace

from subpack.context import RunContext, Stage
from subpack.runlog import RunLog

STAGES_MODULE = "subpack.stages"
"""What the background stages' worker imports first: the stage functions."""


@dataclass(frozen=True)
class ParallelStage(Stage):
    """A foreground stage that shares its work with the worker process.

    ``run(context, workers)`` gets the workers: a tuple of executors of one process each (the
    background stages' worker: what the stage hands it runs after the background stages
    submitted before). ``preload`` names the modules the stage's work needs; the worker
    imports them while the earlier stages run.
    """

    preload: tuple[str, ...] = ()


@dataclass(frozen=True)
class StageReport:
    """What a background stage left: its log lines and how long it took."""

    lines: list[str]
    seconds: float
    errors: int


def warm_up(modules: Sequence[str]) -> None:
    """Import ``modules`` in a worker while the first stages run in the main process."""
    for name in modules:
        importlib.import_module(name)


def freeze_for_exit() -> None:
    """Freeze every object alive in the worker (``gc.freeze``), its last task before it exits.

    A worker process ends with a full interpreter exit, whose last garbage collection walks
    every object still alive (the TLF libraries' modules: about 0.5 s that the main process
    waits for when it closes the worker); frozen objects are skipped. Nothing is lost:
    its results are sent back already, and its memory goes back to the system.
    """
    gc.freeze()


def run_stage_quietly(stage: Stage, context: RunContext) -> StageReport:
    """Run ``stage`` with a log of its own (the worker process's side)."""
    log = RunLog()
    with log.timed(stage.name):
        stage.run(replace(context, log=log))
    return StageReport(log.lines, log.timings[stage.name], log.counts["ERROR"])


class BackgroundStages:
    """Submit background stages in order; :meth:`collect` waits and merges their logs.

    Parameters
    ----------
    context : RunContext
    preload : sequence of str
        Modules the worker imports when it starts, after the stages (the parallel stages' ``preload``).
    """

    def __init__(self, context: RunContext, *, preload: Sequence[str] = ()):
        self.context = context
        self.preload = tuple(preload)
        self._executor: ProcessPoolExecutor | None = None
        self._pending: list[tuple[Stage, int, Future]] = []

    def start(self) -> None:
        """Start the worker process and its imports now, so it is ready when the first
        background stage comes."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            self._executor.submit(warm_up, (STAGES_MODULE, *self.preload))

    def workers(self) -> tuple[Executor, ...]:
        """The worker processes a parallel stage shares its work with."""
        self.start()
        return (self._executor,)

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
            if self._executor is not None:
                self._executor.submit(freeze_for_exit).result()
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
