"""write_csv: byte for byte what DataFrame.to_csv(index=False, lineterminator="\\n") writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import specs.csvtext
from specs.csvtext import write_csv

AWKWARD = ["plain", "comma, inside", 'quote " inside', "new\nline", "carriage\rreturn", " leading space", "",
           None, "\u00e9\u90d1", "semi;colon", "tab\there", '"quoted"']


def _pandas(frame: pd.DataFrame, path: Path) -> bytes:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path.read_bytes()


def _frames() -> dict[str, pd.DataFrame]:
    n = len(AWKWARD)
    text = pd.Series(AWKWARD, dtype=object)
    return {
        "text, categorical, integers": pd.DataFrame({
            "FILE": text, "STATUS": pd.Categorical(AWKWARD[::-1]), "ROW": np.arange(n, dtype="int64") * 1_000_003 - 7,
            "SEQ": pd.array([1, None] * (n // 2), dtype="Int64"), "EMPTY": pd.Series([None] * n, dtype=object),
        }),
        "floats (left to pandas)": pd.DataFrame({"A": text, "B": np.linspace(0, 1, n)}),
        "one column (left to pandas)": pd.DataFrame({"A": text}),
        "no rows": pd.DataFrame({"A": pd.Series([], dtype=object), "B": pd.Series([], dtype="int64")}),
        "awkward column names": pd.DataFrame({"a,b": [1, 2], 'c"d': ["x", ""]}),
    }


@pytest.mark.parametrize("block", [1, 5, 100_000])
@pytest.mark.parametrize("name", list(_frames()))
def test_same_bytes_as_pandas(tmp_path: Path, monkeypatch, name: str, block: int):
    monkeypatch.setattr(specs.csvtext, "LINES_PER_BLOCK", block)
    frame = _frames()[name]
    write_csv(frame, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == _pandas(frame, tmp_path / "pandas.csv")


def test_the_fast_path_is_taken_for_text_and_integers(tmp_path: Path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("to_csv called")

    frame = _frames()["text, categorical, integers"]
    expected = _pandas(frame, tmp_path / "pandas.csv")
    monkeypatch.setattr(pd.DataFrame, "to_csv", refuse)
    write_csv(frame, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == expected
