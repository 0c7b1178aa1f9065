"""Stage functions for the background-stage tests. They live in an importable module because a
background stage runs in a freshly started process that imports its function by name."""

from __future__ import annotations

import time


def slow_writer(context) -> None:
    """Writes a file after a pause, so the foreground stages run meanwhile."""
    time.sleep(0.5)
    (context.work / "background.txt").write_text(f"{len(context.results.get('raw_files', []))} raw files\n")
    context.log.note("background: wrote background.txt")


def second_note(context) -> None:
    context.log.warning("background: second stage")


def logs_an_error(context) -> None:
    context.log.error("background: a problem the user must fix")


def has_a_bug(context) -> None:
    raise ZeroDivisionError("a bug in a background stage")


def worker_pid() -> int:
    import os

    return os.getpid()


def shares_work(context, workers) -> None:
    """A parallel stage: runs one call on each worker process it is given."""
    import os

    pids = [worker.submit(worker_pid).result() for worker in workers]
    where = "this process" if os.getpid() in pids else "other processes"
    context.log.note(f"parallel: {len(workers)} worker(s), in {where}")


def shares_a_bug(context, workers) -> None:
    """A parallel stage whose work raises in the worker."""
    workers[0].submit(has_a_bug, None).result()


FREEZE_RECORD = "SUBPACK_TEST_FREEZE_RECORD"
"""Environment variable naming the file :func:`record_freeze` appends to (set before the worker starts)."""


def record_freeze() -> None:
    """Stands in for ``subpack.background.freeze_for_exit``: notes in a file that the worker ran it, and when."""
    import os

    with open(os.environ[FREEZE_RECORD], "a") as record:
        record.write(f"freeze {os.getpid()}\n")


def notes_its_pid(context) -> None:
    """A background stage that notes its process in the same file as :func:`record_freeze`."""
    import os

    with open(os.environ[FREEZE_RECORD], "a") as record:
        record.write(f"stage {os.getpid()}\n")
