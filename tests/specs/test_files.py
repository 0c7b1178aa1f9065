"""replacing: a file is written whole or not at all, with the usual mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from specs.files import replacing


def test_the_written_file_replaces_the_old_one_with_the_usual_mode(tmp_path: Path):
    path = tmp_path / "new" / "ae.json"
    with replacing(path) as temp:
        assert temp.parent == path.parent and temp != path
        temp.write_text("whole")
    assert path.read_text() == "whole"
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    assert list(path.parent.iterdir()) == [path]


def test_a_failure_leaves_the_old_file_and_no_temporary_file(tmp_path: Path):
    path = tmp_path / "ae.json"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="half way"), replacing(path) as temp:
        temp.write_text("half")
        raise RuntimeError("half way")
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]
