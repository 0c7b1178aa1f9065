"""The numpy XPORT v5 encoder writes, byte for byte, what pyreadstat (ReadStat) writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import specs.xpt_v5
from specs.model import DatasetSpec, VariableSpec
from specs.rules.xport import ibm_to_ieee
from specs.xpt import _stamp_headers, sas_timestamp, write_xpt
from specs.xpt_v5 import ieee_to_ibm, xpt_v5_bytes

STAMP = sas_timestamp(dt.datetime(2025, 1, 15))
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 22281.0, -22281.0, 2.0**53 + 2, np.inf, -np.inf, 5e-324,
           2.2250738585072014e-308, 1.7976931348623157e308, 1e-79, 5.4e-79, 7.2e75, 1e76, np.nan]


def _pyreadstat(frame: pd.DataFrame, labels: list[str], formats: dict[str, str], tmp_path: Path) -> bytes:
    """Reference: the file pyreadstat writes, with the configured header stamps."""
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "t.xpt"
    pyreadstat.write_xport(frame, path, file_label="A label", column_labels=labels, table_name="T",
                           file_format_version=5, variable_format=formats or None)
    raw = bytearray(path.read_bytes())
    _stamp_headers(raw, STAMP)
    return bytes(raw)


def _encoded(frame: pd.DataFrame, labels: list[str], formats: dict[str, str]) -> bytes | None:
    return xpt_v5_bytes(frame, name="T", label="A label", labels=labels, formats=formats, stamp=STAMP)


def _random_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    magnitude = 10.0 ** rng.uniform(-300, 300, n) * rng.choice([-1, 1], n)
    numbers = np.where(rng.random(n) < 0.5, rng.normal(0, 1e3, n), magnitude)
    numbers[rng.random(n) < 0.1] = np.nan
    if n:
        numbers[rng.integers(0, n, 5)] = rng.choice(SPECIAL, 5)
    texts = np.array(["", " ", "A", "ABC  ", "  lead", "x" * 199, None, "Zh\u00e9ngzhou"], dtype=object)
    return pd.DataFrame({
        "AVAL": numbers,
        "AVALC": texts[rng.integers(0, len(texts), n)],
        "EMPTY": np.array([None] * n, dtype=object),
        "ADT": np.floor(rng.uniform(-5000, 30000, n)),
    })


@pytest.mark.parametrize("n", [0, 1, 7, 10, 333])
@pytest.mark.parametrize("form", ["DATE9.", "DATETIME20.", "TIME8.", "E8601DA10.", "YYMMDD10.", "8.2", "BEST12."])
def test_encoder_writes_the_bytes_pyreadstat_writes(tmp_path: Path, n: int, form: str):
    frame = _random_frame(np.random.default_rng(n), n)
    labels = ["Analysis Value", "Analysis Value (C)", "", "Analysis Date"]
    assert _encoded(frame, labels, {"ADT": form}) == _pyreadstat(frame, labels, {"ADT": form}, tmp_path)


@pytest.mark.parametrize("block", [1, 3, 64])
def test_records_filled_block_by_block_give_the_same_bytes(tmp_path: Path, monkeypatch, block: int):
    monkeypatch.setattr(specs.xpt_v5, "ROWS_PER_BLOCK", block)
    frame = _random_frame(np.random.default_rng(block), 333)
    labels = ["Analysis Value", "Analysis Value (C)", "", "Analysis Date"]
    assert _encoded(frame, labels, {"ADT": "DATE9."}) == _pyreadstat(frame, labels, {"ADT": "DATE9."}, tmp_path)


def test_ibm_conversion_of_every_kind_of_double_matches_readstat(tmp_path: Path):
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**63, size=20_000, dtype=np.uint64) | (rng.integers(0, 2, 20_000).astype(np.uint64) << np.uint64(63))
    values = np.concatenate([bits.view(np.float64), SPECIAL])
    frame = pd.DataFrame({"AVAL": values[~np.isnan(values)]})
    assert _encoded(frame, ["x"], {}) == _pyreadstat(frame, ["x"], {}, tmp_path)


def test_ibm_doubles_read_back_exactly():
    values = np.array([1.0, -2.5, 0.1, 1e-70, 1e70, 12345.678])
    words = ieee_to_ibm(values).view(">u8").reshape(-1)
    np.testing.assert_array_equal(ibm_to_ieee(words), values)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"AGE": pd.Series([61, 70], dtype="int64")}),  # not float64: not a conformed frame
    pd.DataFrame({"SEX": pd.Series(["M", 1], dtype=object)}),  # mixed types
    pd.DataFrame({"SEX": ["M\0F"]}),  # ReadStat would cut the value at NUL
])
def test_frames_the_encoder_does_not_cover_are_left_to_pyreadstat(frame):
    assert _encoded(frame, ["x"], {}) is None


def test_writer_falls_back_to_pyreadstat_for_what_the_encoder_does_not_cover(tmp_path: Path):
    spec = DatasetSpec(name="T", label="A label", class_="SUBJECT LEVEL ANALYSIS DATASET", structure="One record",
                       keys=(), variables=(VariableSpec("T", "SEX", "Sex", "text", 1),))
    frame = write_xpt(pd.DataFrame({"SEX": ["M\0F", "F"]}), tmp_path / "t.xpt", spec, timestamp=dt.datetime(2025, 1, 15))
    assert (tmp_path / "t.xpt").read_bytes() == _pyreadstat(frame, ["Sex"], {}, tmp_path / "ref")
