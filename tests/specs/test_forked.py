"""run_side_by_side: both parts run, the child's errors come back whole, a dead child is an error."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from specs.errors import DatasetWriteError, WriteProblem
from specs.forked import FORK_AVAILABLE, ForkedWorkError, run_side_by_side

pytestmark = pytest.mark.skipif(not FORK_AVAILABLE, reason="no fork on this platform")


def _touch(path: Path):
    return lambda: path.write_text(str(os.getpid()))


@pytest.mark.parametrize("parallel", [True, False])
def test_both_parts_run_the_forked_one_in_another_process_when_parallel(tmp_path: Path, parallel: bool):
    run_side_by_side(_touch(tmp_path / "here"), _touch(tmp_path / "there"), parallel=parallel)
    here, there = ((tmp_path / name).read_text() for name in ("here", "there"))
    assert here == str(os.getpid())
    assert (there != here) is parallel


def test_a_write_error_in_the_child_is_raised_here_with_its_problems():
    problem = WriteProblem("LB", "LBORRES", 7, float("inf"), "numbers must be finite (missing is null)")

    def fail() -> None:
        raise DatasetWriteError([problem])

    with pytest.raises(DatasetWriteError) as raised:
        run_side_by_side(lambda: None, fail)
    assert raised.value.problems == [problem]
    assert "LB.LBORRES row 7" in str(raised.value)


def test_an_error_that_does_not_pickle_comes_back_as_its_traceback():
    def fail() -> None:
        lock = threading.Lock()  # locks do not pickle
        raise ValueError("bad value", lock)

    with pytest.raises(ForkedWorkError, match="ValueError: .*bad value"):
        run_side_by_side(lambda: None, fail)


def test_a_child_that_dies_without_reporting_is_an_error():
    with pytest.raises(ForkedWorkError, match="exit code 3"):
        run_side_by_side(lambda: None, lambda: os._exit(3))


def test_an_error_here_stops_the_child_and_is_raised(tmp_path: Path):
    started = threading.Event()

    def slow() -> None:
        (tmp_path / "pid").write_text(str(os.getpid()))
        import time
        time.sleep(60)

    def fail() -> None:
        while not (tmp_path / "pid").exists() or not (tmp_path / "pid").read_text():
            started.wait(0.01)
        raise KeyError("here")

    with pytest.raises(KeyError, match="here"):
        run_side_by_side(fail, slow)
    with pytest.raises(ProcessLookupError):  # stopped and reaped, not left running
        os.kill(int((tmp_path / "pid").read_text()), 0)


@pytest.mark.parametrize("parallel", [True, False])
def test_both_results_are_returned(parallel: bool):
    assert run_side_by_side(lambda: 1, lambda: {"rows": [2, 3]}, parallel=parallel) == (1, {"rows": [2, 3]})
