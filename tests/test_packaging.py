"""The wheel ships every data file the product reads (an installed subpack runs from any folder)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
DATA_SUFFIXES = {".yaml", ".yml", ".csv", ".xlsx", ".md", ".j2", ".json"}


@pytest.mark.parametrize("package", ["specs", "rawdata", "edc", "tlf"])
def test_package_data_covers_every_data_file(package):
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"].get(package, [])
    root = REPO / package
    shipped = {p for pattern in patterns for p in root.glob(pattern)}
    data = {p for p in root.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES and "__pycache__" not in p.parts}
    missing = sorted(p.relative_to(REPO).as_posix() for p in data - shipped)
    assert missing == []
