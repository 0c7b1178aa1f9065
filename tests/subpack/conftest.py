"""Fixtures of the pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A raw-data folder with one site and one small form (a quoted value spans two lines)."""
    folder = tmp_path / "raw" / "site_01"
    folder.mkdir(parents=True)
    (folder / "dm.csv").write_text('SUBJID,SEX,COMMENT\n001,M,"two\nlines"\n002,F,\n', encoding="utf-8")
    return folder.parent
