"""What the pipeline hands each stage, and what a stage is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from specs.model import Study
from subpack.runlog import RunLog


@dataclass
class RunContext:
    """What every stage gets: the study, the cut-off, where to write, the log, shared results."""

    study: Study
    cutoff: str
    cutoff_date: dt.date
    raw: Path
    work: Path
    log: RunLog
    results: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """A named step of the pipeline."""

    name: str
    description: str
    run: Callable[[RunContext], None]
    background: bool = False
    """Run in a second process, concurrently with the stages after it. Only for stages that
    read the work folder and ``results`` and write files, nothing the later stages use; ``run``
    must be a module-level function (it is pickled into the other process)."""


class StageFailed(RuntimeError):
    """A stage logged blocking errors; the run stops and nothing is moved into place."""
