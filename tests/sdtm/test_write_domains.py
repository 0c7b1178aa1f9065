"""write_domains: the same files and findings whether the Dataset-JSON files are written by a
forked child or in this process; conform problems of every domain reported before any file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from sdtm.build import write_domains
from sdtm.context import DomainResult
from specs.datasetjson import JsonContext
from specs.errors import DatasetWriteError
from specs.forked import FORK_AVAILABLE
from specs.loader import load_study, study_folder

CONTEXT = JsonContext(study_oid="ALTER-E-003", metadata_version_oid="MDV.ALTER-E-003.SDTM",
                      created=dt.datetime(2025, 1, 15), originator="test", source_system="subpack", source_version="0")
STAMP = dt.datetime(2025, 1, 15)
DOMAINS = ("DM", "AE", "LB", "SUPPAE")


@pytest.fixture(scope="module")
def study():
    return load_study(study_folder("alter_e003"))


@pytest.fixture(scope="module")
def results(embedded_package: Path) -> dict[str, DomainResult]:
    """A few domains of the embedded package, read back, with a finding to report (a duplicate key)."""
    frames = {name: pyreadstat.read_xport(embedded_package / "sdtm" / f"{name.lower()}.xpt")[0] for name in DOMAINS}
    frames["AE"] = pd.concat([frames["AE"], frames["AE"].head(1)], ignore_index=True)
    return {name: DomainResult(name, frame) for name, frame in frames.items()}


@pytest.mark.skipif(not FORK_AVAILABLE, reason="no fork on this platform")
def test_forked_and_serial_writing_give_the_same_files_and_findings(tmp_path: Path, study, results):
    serial = write_domains(results, study.sdtm, tmp_path / "serial", json_context=CONTEXT, timestamp=STAMP, parallel=False)
    forked = write_domains(results, study.sdtm, tmp_path / "forked", json_context=CONTEXT, timestamp=STAMP, parallel=True)
    names = sorted(path.name for path in (tmp_path / "serial").iterdir())
    assert names == sorted(f"{d.lower()}.{ext}" for d in DOMAINS for ext in ("xpt", "json"))
    for name in names:
        assert (tmp_path / "forked" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes(), name
    pd.testing.assert_frame_equal(forked[1], serial[1])
    assert "SPEC0010" in set(serial[1]["rule"])
    assert list(forked[0]) == sorted(DOMAINS)


@pytest.mark.parametrize("parallel", [False, True] if FORK_AVAILABLE else [False])
def test_problems_of_every_domain_are_reported_before_anything_is_written(tmp_path: Path, study, results, parallel):
    broken = dict(results)
    broken["AE"] = DomainResult("AE", results["AE"].data.assign(AENOTINSPEC="x"))
    broken["DM"] = DomainResult("DM", results["DM"].data.assign(AGE="old"))
    with pytest.raises(DatasetWriteError) as raised:
        write_domains(broken, study.sdtm, tmp_path, json_context=CONTEXT, timestamp=STAMP, parallel=parallel)
    assert {(p.dataset, p.variable) for p in raised.value.problems} == {("AE", "AENOTINSPEC"), ("DM", "AGE")}
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


@pytest.mark.skipif(not FORK_AVAILABLE, reason="no fork on this platform")
def test_a_json_problem_found_by_the_child_fails_the_writing(tmp_path: Path, study, results):
    broken = dict(results)
    lb = results["LB"].data.copy()
    lb.loc[3, "LBSTRESN"] = float("inf")
    broken["LB"] = DomainResult("LB", lb)
    with pytest.raises(DatasetWriteError, match=r"LB.LBSTRESN row 3: numbers must be finite"):
        write_domains(broken, study.sdtm, tmp_path, json_context=CONTEXT, timestamp=STAMP, parallel=True)
