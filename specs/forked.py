"""Run two pieces of work side by side: one here, one in a forked copy of this process.

The writers of a large study (millions of records) spend most of their time encoding bytes, in
Python, under one interpreter lock. A forked child sees the parent's frames as they are (no
copying or pickling of the datasets) and can write some of the files while the parent writes
the others, using the machine's second core.

The child only computes and writes files; it prints nothing and starts no threads or processes.
Whatever it raises is sent back and raised in the parent (a :class:`DatasetWriteError` as
itself, anything else as :class:`ForkedWorkError` with the child's traceback); a child that dies
without reporting (killed, out of memory) is an error too, never a silent success. Where
``fork`` is not available (Windows, macOS defaults), the two parts run one after the other.
"""

from __future__ import annotations

import multiprocessing
import pickle
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TypeVar

FORK_AVAILABLE = "fork" in multiprocessing.get_all_start_methods()

Here = TypeVar("Here")
There = TypeVar("There")


class ForkedWorkError(RuntimeError):
    """The forked part failed: its traceback, or how the child process ended."""


def _child(work: Callable[[], object], channel: Connection) -> None:
    """The child's side: do the work, report ``(True, result)`` or ``(False, error)``, the
    error pickled whole when it can be."""
    try:
        outcome: tuple[bool, object] = (True, work())
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        try:
            pickle.loads(pickle.dumps(exc))
            outcome = (False, exc)
        except Exception:  # noqa: BLE001 - an error that does not pickle goes back as text
            outcome = (False, ForkedWorkError("".join(traceback.format_exception(exc))))
    channel.send(outcome)
    channel.close()


def run_side_by_side(here: Callable[[], Here], forked: Callable[[], There], *,
                     parallel: bool = True) -> tuple[Here, There]:
    """Run ``here`` in this process while ``forked`` runs in a forked child; wait for both and
    return both results (the child's comes back pickled).

    An error of ``here`` is raised once the child has been stopped; otherwise an error of the
    child is raised. With ``parallel`` False (or no ``fork`` on this platform) ``here`` runs
    first, then ``forked``, both in this process.
    """
    if not (parallel and FORK_AVAILABLE):
        return here(), forked()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(forked, send), name="subpack-writer", daemon=True)
    process.start()
    send.close()
    try:
        result = here()
    except BaseException:
        process.terminate()
        process.join()
        receive.close()
        raise
    return result, _outcome(receive, process)


def _outcome(receive: Connection, process: multiprocessing.process.BaseProcess) -> object:
    """The child's result; its error raised, or an error when it ended without reporting."""
    try:
        succeeded, value = receive.recv()
    except EOFError:
        process.join()
        raise ForkedWorkError(f"the forked part ended without reporting (exit code {process.exitcode})") from None
    finally:
        receive.close()
    process.join()
    if not succeeded:
        raise value
    return value
