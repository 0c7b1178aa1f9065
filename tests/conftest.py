"""Shared fixtures: a small hand-made spec workbook and study folder to break in tests."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from support import MINIMAL_SPEC, REPO, write_workbook


@pytest.fixture
def spec_sheets() -> dict[str, list[dict]]:
    """A fresh, valid minimal SDTM spec (DM only) as sheet -> rows, to modify in a test."""
    return copy.deepcopy(MINIMAL_SPEC)


@pytest.fixture
def study_dir(tmp_path: Path, spec_sheets) -> Path:
    """A study folder: the embedded study.yaml with the minimal workbook as its SDTM spec."""
    folder = tmp_path / "study"
    folder.mkdir()
    shutil.copy(REPO / "specs" / "alter_e003" / "study.yaml", folder / "study.yaml")
    write_workbook(folder / "sdtm_spec.xlsx", spec_sheets)
    return folder


@pytest.fixture
def empty_ct(tmp_path: Path) -> Path:
    """A CT folder with no CT subset (sponsor codelists only)."""
    folder = tmp_path / "ct"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def embedded_package(tmp_path_factory) -> Path:
    """The embedded study's package at its default cut-off, built once per test session.
    Tests read it; a test that changes files works on a copy."""
    from rich.console import Console

    from subpack.pipeline import run_pipeline

    out = tmp_path_factory.mktemp("embedded") / "pkg"
    assert run_pipeline("alter_e003", out=out, console=Console(quiet=True)) == 0
    return out
