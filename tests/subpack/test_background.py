"""Background stages: run in a second process alongside the later stages, logged in stage order."""

from __future__ import annotations

import background_support as support
import pytest
from rich.console import Console

from subpack.background import ParallelStage
from subpack.context import Stage
from subpack.pipeline import run_pipeline
from subpack.stages import STAGES

BASIC = STAGES[:2]  # specs + raw inventory


def _foreground(context) -> None:
    context.log.note("foreground: ran while the background stages worked")


def _run(study_dir, raw_dir, out, *stages: Stage) -> int:
    return run_pipeline(study_dir, out=out, raw=raw_dir, console=Console(quiet=True), stages=BASIC + stages)


def test_background_stages_log_in_stage_order_and_their_files_are_in_the_package(study_dir, raw_dir, tmp_path):
    out = tmp_path / "pkg"
    stages = (Stage("slow", "", support.slow_writer, background=True), Stage("second", "", support.second_note, background=True),
              Stage("fore", "", _foreground))
    assert _run(study_dir, raw_dir, out, *stages) == 0
    lines = (out / "run.log").read_text().splitlines()
    order = [line for line in lines if "background:" in line or "foreground:" in line or "Stage slow" in line
             or "Stage second" in line or "Stage fore" in line]
    assert [line.split(" took")[0] for line in order] == [
        "NOTE: background: wrote background.txt", "NOTE: Stage slow", "WARNING: background: second stage",
        "NOTE: Stage second", "NOTE: foreground: ran while the background stages worked", "NOTE: Stage fore"]
    # the background stage saw the results of the stages before it, and its file was moved with the package
    assert (out / "background.txt").read_text() == "1 raw files\n"
    warnings = sum(line.startswith("WARNING") for line in lines)
    assert f"{warnings} warning(s)" in lines[-1] and "seconds of stage time" in lines[-1]


def test_an_error_in_a_background_stage_fails_the_run(study_dir, raw_dir, tmp_path):
    out = tmp_path / "pkg"
    stages = (Stage("bad", "", support.logs_an_error, background=True), Stage("fore", "", _foreground))
    assert _run(study_dir, raw_dir, out, *stages) == 1
    assert not out.exists()
    log = (tmp_path / "pkg.failed.log").read_text()
    assert "ERROR: background: a problem the user must fix" in log
    assert "Stage bad reported blocking errors" in log
    assert "foreground: ran" in log  # the foreground went on; the run fails when the background is collected


def test_a_programming_error_in_a_background_stage_is_raised(study_dir, raw_dir, tmp_path):
    with pytest.raises(ZeroDivisionError, match="background stage"):
        _run(study_dir, raw_dir, tmp_path / "pkg", Stage("bug", "", support.has_a_bug, background=True))
    assert not (tmp_path / "pkg").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".pkg")] == []


def test_a_parallel_stage_shares_its_work_with_the_worker_and_logs_in_stage_order(study_dir, raw_dir, tmp_path):
    out = tmp_path / "pkg"
    stages = (Stage("slow", "", support.slow_writer, background=True),
              ParallelStage("parallel", "", support.shares_work, preload=("json",)))
    assert _run(study_dir, raw_dir, out, *stages) == 0
    lines = (out / "run.log").read_text().splitlines()
    order = [line.split(" took")[0] for line in lines if "background:" in line or "parallel:" in line or "Stage slow" in line
             or "Stage parallel" in line]
    assert order == ["NOTE: background: wrote background.txt", "NOTE: Stage slow",
                     "NOTE: parallel: 1 worker(s), in other processes", "NOTE: Stage parallel"]


def test_a_parallel_stage_without_background_stages_still_gets_the_worker(study_dir, raw_dir, tmp_path):
    out = tmp_path / "pkg"
    assert _run(study_dir, raw_dir, out, ParallelStage("parallel", "", support.shares_work)) == 0
    assert "NOTE: parallel: 1 worker(s)" in (out / "run.log").read_text()


def test_a_programming_error_in_a_parallel_stage_s_worker_is_raised(study_dir, raw_dir, tmp_path):
    with pytest.raises(ZeroDivisionError, match="background stage"):
        _run(study_dir, raw_dir, tmp_path / "pkg", ParallelStage("bug", "", support.shares_a_bug))
    assert not (tmp_path / "pkg").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".pkg")] == []


def test_the_worker_s_last_task_freezes_its_objects_for_the_exit(study_dir, raw_dir, tmp_path, monkeypatch):
    record = tmp_path / "record.txt"
    monkeypatch.setenv(support.FREEZE_RECORD, str(record))
    monkeypatch.setattr("subpack.background.freeze_for_exit", support.record_freeze)
    stages = (Stage("first", "", support.notes_its_pid, background=True),
              Stage("second", "", support.notes_its_pid, background=True))
    assert _run(study_dir, raw_dir, tmp_path / "pkg", *stages) == 0
    lines = record.read_text().split()
    assert lines[::2] == ["stage", "stage", "freeze"]
    assert len(set(lines[1::2])) == 1  # all in the worker, the freeze after both stages


def test_freeze_for_exit_freezes_every_object_alive():
    import gc

    from subpack.background import freeze_for_exit

    assert gc.get_freeze_count() == 0
    try:
        freeze_for_exit()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
