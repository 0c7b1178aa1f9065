"""write_scaled_study: same forms as the embedded study, reproducible, plausible."""

from __future__ import annotations

import pandas as pd

from edc.forms import FORMS, LAB_FILE
from edc.simulate import write_scaled_study


def test_scaled_study_writes_the_same_forms_and_is_reproducible(tmp_path):
    a = write_scaled_study(tmp_path / "a", subjects=50, seed=7)
    b = write_scaled_study(tmp_path / "b", subjects=50, seed=7)
    names = sorted({p.name for p in a})
    assert names == sorted([f"{stem}.csv" for stem in FORMS] + [f"{LAB_FILE}.xlsx"])
    assert len(a) == 5 * len(names)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_scaled_study_has_the_requested_subjects(tmp_path):
    files = write_scaled_study(tmp_path, subjects=50, seed=3)
    dm = pd.concat(pd.read_csv(p, dtype=str) for p in files if p.name == "demographics.csv")
    assert len(dm) == 50
    ex = pd.concat(pd.read_csv(p, dtype=str) for p in files if p.name == "dosing_anlotinib.csv")
    assert 30 <= ex.SUBJID.groupby(ex.SITEID).nunique().sum() <= 50
