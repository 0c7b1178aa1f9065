"""load_yaml_document: validated once per unchanged file and schema, a copy to each caller."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from specs.documents import load_yaml_document
from specs.errors import SpecError

SCHEMA = {"visits": {"type": "list", "schema": {"type": "string"}, "required": True},
          "window": {"type": "integer", "default": 3}}


def test_a_document_is_validated_and_normalised(tmp_path: Path):
    path = tmp_path / "design.yaml"
    path.write_text("visits: [C1D1, C2D1]\n")
    assert load_yaml_document(path, SCHEMA) == {"visits": ["C1D1", "C2D1"], "window": 3}


def test_each_caller_gets_its_own_copy(tmp_path: Path):
    path = tmp_path / "design.yaml"
    path.write_text("visits: [C1D1]\n")
    first = load_yaml_document(path, SCHEMA)
    first["visits"].append("changed by a caller")
    assert load_yaml_document(path, SCHEMA)["visits"] == ["C1D1"]


def test_a_changed_file_is_read_again(tmp_path: Path):
    path = tmp_path / "design.yaml"
    path.write_text("visits: [C1D1]\n")
    assert load_yaml_document(path, SCHEMA)["visits"] == ["C1D1"]
    path.write_text("visits: [C1D1, C3D1]\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert load_yaml_document(path, SCHEMA)["visits"] == ["C1D1", "C3D1"]
    path.write_text("visits: oops\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000))
    with pytest.raises(SpecError, match="visits"):
        load_yaml_document(path, SCHEMA)


def test_the_same_file_under_another_schema_is_validated_under_it(tmp_path: Path):
    path = tmp_path / "design.yaml"
    path.write_text("visits: [C1D1]\n")
    assert "window" in load_yaml_document(path, SCHEMA)
    assert load_yaml_document(path, {"visits": {"type": "list"}}) == {"visits": ["C1D1"]}


def test_a_missing_file_is_a_spec_error_every_time(tmp_path: Path):
    for _ in range(2):
        with pytest.raises(SpecError, match="file is missing"):
            load_yaml_document(tmp_path / "absent.yaml", SCHEMA)
