"""The command line and the pipeline: exit codes, run log, manifest, no partial output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from subpack import __version__
from subpack.cli import main
from subpack.context import Stage
from subpack.manifest import sha256_file
from subpack.pipeline import run_pipeline
from subpack.stages import STAGES

BASIC = STAGES[:2]  # specs + raw inventory: the pipeline mechanics without the study's mappers


def _quiet() -> Console:
    return Console(stderr=True, quiet=True)


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out.strip() == f"subpack {__version__}"
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    assert "--cutoff" in text and "--study" in text and "--out" in text


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: subpack" in capsys.readouterr().err


def test_successful_run_writes_log_manifest_and_inventory(study_dir, raw_dir, tmp_path):
    out = tmp_path / "pkg"
    code = run_pipeline(study_dir, out=out, raw=raw_dir, console=_quiet(), stages=BASIC)
    assert code == 0
    log = (out / "run.log").read_text()
    assert "NOTE: Stage specs took" in log and "NOTE: Stage rawdata took" in log
    assert "NOTE: Raw data: 1 files from 1 site folder(s), 2 records." in log
    assert "ERROR" not in log
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["study"] == "ALTER-E-003" and manifest["cutoff"] == "2024-12-31"
    paths = [f["path"] for f in manifest["files"]]
    assert paths == ["reports/raw_inventory.csv"]
    entry = manifest["files"][0]
    assert entry["sha256"] == sha256_file(out / entry["path"])
    assert entry["size"] == (out / entry["path"]).stat().st_size
    inventory = (out / "reports" / "raw_inventory.csv").read_text().splitlines()
    assert inventory[1].startswith("site_01/dm.csv,site_01,dm,2,")


def test_rerun_gives_identical_manifest(study_dir, raw_dir, tmp_path):
    run_pipeline(study_dir, out=tmp_path / "a", raw=raw_dir, console=_quiet(), stages=BASIC)
    run_pipeline(study_dir, out=tmp_path / "b", raw=raw_dir, console=_quiet(), stages=BASIC)
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (tmp_path / "b" / "manifest.json").read_bytes()


def test_interim_cutoff_and_explicit_date(study_dir, raw_dir, tmp_path):
    assert run_pipeline(study_dir, out=tmp_path / "i", raw=raw_dir, cutoff="interim", console=_quiet(), stages=BASIC) == 0
    assert json.loads((tmp_path / "i" / "manifest.json").read_text())["cutoff"] == "2023-12-31"
    assert run_pipeline(study_dir, out=tmp_path / "d", raw=raw_dir, cutoff="2024-06-30", console=_quiet(), stages=BASIC) == 0
    assert json.loads((tmp_path / "d" / "manifest.json").read_text())["cutoff"] == "2024-06-30"


def test_bad_cutoff_exits_2_without_output(study_dir, raw_dir, tmp_path):
    assert run_pipeline(study_dir, out=tmp_path / "x", raw=raw_dir, cutoff="someday", console=_quiet()) == 2
    assert not (tmp_path / "x").exists()


def test_broken_spec_exits_2_without_output(study_dir, raw_dir, tmp_path):
    (study_dir / "study.yaml").write_text("study: {id: X}\n")
    assert run_pipeline(study_dir, out=tmp_path / "x", raw=raw_dir, console=_quiet()) == 2
    assert not (tmp_path / "x").exists()


def test_missing_raw_folder_fails_with_exit_1_and_failed_log(study_dir, tmp_path):
    out = tmp_path / "pkg"
    assert run_pipeline(study_dir, out=out, raw=tmp_path / "nowhere", console=_quiet()) == 1
    assert not out.exists()
    failed = (tmp_path / "pkg.failed.log").read_text()
    assert "ERROR: Raw data folder" in failed and "does not exist" in failed


def test_failing_stage_leaves_no_partial_output_and_keeps_previous(study_dir, raw_dir, tmp_path):
    out = tmp_path / "pkg"
    assert run_pipeline(study_dir, out=out, raw=raw_dir, console=_quiet(), stages=BASIC) == 0
    previous = (out / "manifest.json").read_bytes()

    def write_then_fail(context):
        (context.work / "half.xpt").write_bytes(b"partial")
        context.log.error("something the user must fix")

    stages = BASIC + (Stage("broken", "fails on purpose", write_then_fail),)
    assert run_pipeline(study_dir, out=out, raw=raw_dir, console=_quiet(), stages=stages) == 1
    assert not (out / "half.xpt").exists()
    assert (out / "manifest.json").read_bytes() == previous
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".pkg")]
    assert leftovers == []


def test_programming_error_raises_and_cleans_up(study_dir, raw_dir, tmp_path):
    def bug(context):
        raise ZeroDivisionError("a bug")

    with pytest.raises(ZeroDivisionError):
        run_pipeline(study_dir, out=tmp_path / "pkg", raw=raw_dir, console=_quiet(), stages=(Stage("bug", "", bug),))
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".pkg")] == []
    assert not (tmp_path / "pkg").exists()


def test_console_script_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "subpack", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"subpack {__version__}"


def test_compare_command_exit_codes(tmp_path, capsys):
    (tmp_path / "a.csv").write_text("USUBJID,AGE\n1,61\n2,70\n")
    (tmp_path / "b.csv").write_text("USUBJID,AGE\n2,70\n1,61\n")
    (tmp_path / "c.csv").write_text("USUBJID,AGE\n1,61\n2,71\n")
    assert main(["compare", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--by", "USUBJID"]) == 0
    assert main(["compare", str(tmp_path / "a.csv"), str(tmp_path / "c.csv"), "--by", "USUBJID"]) == 1
    assert "AGE" in capsys.readouterr().out
    assert main(["compare", str(tmp_path / "a.csv"), str(tmp_path / "missing.csv"), "--by", "USUBJID"]) == 2


def test_console_main_returns_main_s_code_with_every_object_frozen_for_the_exit(monkeypatch):
    import gc

    import subpack.cli

    monkeypatch.setattr(subpack.cli, "main", lambda: 7)
    assert gc.get_freeze_count() == 0
    try:
        assert subpack.cli.console_main() == 7
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_console_script_and_python_m_subpack_use_console_main():
    import tomllib

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["subpack"] == "subpack.cli:console_main"
    assert "console_main()" in (Path(__file__).parents[2] / "subpack" / "__main__.py").read_text()


def test_the_response_qc_log_line_lists_five_disagreements_and_counts_the_rest():
    import pandas as pd

    from subpack.stages import describe_response_discrepancies

    found = pd.DataFrame({"USUBJID": [f"S-{i}" for i in range(7)], "VISIT": "Week 36", "RSSTRESC": "CR", "OVRLRESP": "PR"})
    line = describe_response_discrepancies(found)
    assert line.startswith("Response QC: 7 investigator response(s) differ")
    assert "S-4 Week 36: investigator CR, arithmetic PR; and 2 more); see reports/response_qc.csv." in line
    assert "S-5" not in line
    two = describe_response_discrepancies(found.head(2))
    assert "S-1 Week 36: investigator CR, arithmetic PR); see" in two and "more" not in two


def test_a_cutoff_before_the_last_informed_consent_is_refused_with_the_reason(tmp_path):
    out = tmp_path / "pkg"
    assert run_pipeline("alter_e003", out=out, cutoff="2022-04-15", console=_quiet(), stages=STAGES[:3]) == 1
    log = (tmp_path / "pkg.failed.log").read_text()
    assert ("ERROR: The data cut-off 2022-04-15 is before the informed consent of 40 of 53 subjects "
            "(the last on 2022-09-16)") in log
    assert not out.exists()


def test_a_cutoff_before_any_lab_sample_reaches_the_same_refusal(tmp_path):
    # 2022-03-01: every lab sample is after it (LB maps nothing) and most subjects had not consented
    assert run_pipeline("alter_e003", out=tmp_path / "pkg", cutoff="2022-03-01", console=_quiet(), stages=STAGES[:3]) == 1
    assert "ERROR: The data cut-off 2022-03-01 is before the informed consent of" in (tmp_path / "pkg.failed.log").read_text()


def test_a_declared_site_without_subjects_is_warned_of(tmp_path):
    import shutil

    from specs.loader import load_study
    from subpack.pipeline import default_raw

    raw = tmp_path / "raw"
    shutil.copytree(default_raw(load_study("alter_e003")), raw)
    shutil.rmtree(raw / "site_05")
    assert run_pipeline("alter_e003", out=tmp_path / "pkg", raw=raw, console=_quiet(), stages=STAGES[:3]) == 0
    log = (tmp_path / "pkg" / "run.log").read_text()
    assert f"WARNING: No subject of site(s) 05, declared in study.yaml, is in the raw data {raw}: is an export missing?" in log
    assert "which study.yaml does not declare" not in log
