"""Fixtures of the simulator tests: the committed raw data, a regeneration, the latent world."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RAW = REPO / "rawdata" / "alter_e003"
STUDY = REPO / "specs" / "alter_e003"
sys.path.insert(0, str(HERE))

from raw_reference import load_subjects, read_forms  # noqa: E402


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The committed raw exports."""
    return RAW


@pytest.fixture(scope="session")
def forms(raw_dir):
    """Every CSV form of the committed data, all sites concatenated, as text."""
    return read_forms(raw_dir)


@pytest.fixture(scope="session")
def subjects(raw_dir):
    """Per subject, the facts the endpoint derivations read (from the raw files only)."""
    return load_subjects(raw_dir)


@pytest.fixture(scope="session")
def treated(subjects):
    return [s for s in subjects.values() if s.treated]


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory) -> Path:
    """A fresh write of the embedded study with the default seed."""
    from edc.simulate import write_study

    out = tmp_path_factory.mktemp("regenerated")
    write_study(STUDY, out)
    return out


@pytest.fixture(scope="session")
def world():
    """The latent embedded study (courses, timelines, issue locations)."""
    from edc import simulate as sim

    cfg = sim.load_config()
    return sim.build_world(cfg, sim.load_terms(), sim.load_study(STUDY), cfg["simulator"]["seed"])
