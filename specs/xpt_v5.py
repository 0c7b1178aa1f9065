"""SAS XPORT version 5 bytes of a conformed frame, encoded column by column in numpy.

:func:`xpt_v5_bytes` gives, byte for byte, the file ReadStat (through pyreadstat) writes for
the same frame, labels and formats, with the created/modified stamps of the caller instead of the
wall clock, in a fraction of the time: pyreadstat hands ReadStat one cell at a time from Python.
It covers the frames :func:`specs.conform.conform_to_spec` returns (float64 numerics, text
columns of ``str``/None) and returns None for anything else, and the writer then falls back to
pyreadstat; a test compares both writers byte for byte.

Layout (SAS TS-140, "The record layout of a data set in SAS transport (XPORT) format"): 80-byte
records: library header, first real header (``SAS SAS SASLIB 6.06 bsd4.2``, created), modified,
member header (NAMESTR length 140), descriptor header, member record (dataset name, created),
member label record (modified, label), NAMESTR header (variable count), one 140-byte NAMESTR per
variable (padded with blanks to a record), OBS header, then the observations back to back, padded
with blanks to a record. Character values are blank-padded (missing: all blanks); numbers are IBM
370 doubles (missing: ``.`` and seven zero bytes), converted as ReadStat's ``ieee2xpt`` does.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import numpy as np
import pandas as pd

from specs.values import FrameText, TextColumn

RECORD = 80
NUMBER_WIDTH = 8
_NAMESTR = struct.Struct(">hhhh8s40s8shhh2s8shhi52s")
"""ntype nhfun nlng nvar0 nname nlabel nform nfl nfd nfj nfill niform nifl nifd npos rest (140 bytes)."""
_FORMAT = re.compile(r"^([A-Za-z_](?:[A-Za-z0-9_]*[A-Za-z_])?)?(\d+)?(?:\.(\d+)?)?$")
"""A numeric SAS format as ReadStat parses it: name (ending in a letter), width, ``.``, decimals."""
_MISSING_NUMBER = np.array([0x2E, 0, 0, 0, 0, 0, 0, 0], dtype=np.uint8)


@dataclass(frozen=True)
class _Variable:
    """One variable as its NAMESTR record describes it."""

    name: str
    label: str
    numeric: bool
    width: int
    format: tuple[str, int, int] | None  # name, width, decimals
    text: TextColumn | None = None  # a character variable's values, factorized


def ieee_to_ibm(values: np.ndarray) -> np.ndarray:
    """IEEE doubles as big-endian IBM 370 doubles, ``(n, 8)`` bytes (NaN must be handled first).

    ReadStat's ``ieee2xpt`` (SAS TS-140), vectorised: the hex exponent is the binary one divided
    by 4, the fraction shifted left by the remainder; zero and exponents below -260 give zeros,
    exponents above 248 (infinity included) the largest magnitude with the value's sign.
    """
    bits = np.ascontiguousarray(values, dtype="<f8").view("<u8")
    high = (bits >> np.uint64(32)).astype(np.uint32)
    low = (bits & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    exponent = ((high >> np.uint32(20)) & np.uint32(0x7FF)).astype(np.int64) - 1023
    shift = (exponent & 3).astype(np.uint32)
    fraction = (high & np.uint32(0x000FFFFF)) | np.uint32(0x00100000)
    carried = ((low >> np.uint32(24)) & np.uint32(0xE0)) >> (np.uint32(8) - shift)
    first = (fraction << shift) | carried
    second = low << shift
    hex_exponent = ((exponent >> 2) + 65).astype(np.uint32) & np.uint32(0x7F)
    first |= (hex_exponent | ((high >> np.uint32(24)) & np.uint32(0x80))) << np.uint32(24)
    zero = ((high == 0) & (low == 0)) | (exponent < -260)
    first[zero], second[zero] = 0, 0
    large = ~zero & (exponent > 248)
    first[large] = np.uint32(0x7FFFFFFF) | (high[large] & np.uint32(0x80000000))
    second[large] = np.uint32(0xFFFFFFFF)
    words = np.empty((len(bits), 2), dtype=">u4")
    words[:, 0], words[:, 1] = first, second
    return words.view(np.uint8).reshape(len(bits), NUMBER_WIDTH)


def _number_cells(series: pd.Series) -> np.ndarray:
    """IBM doubles per record, ``(n, 8)`` bytes; NaN as the SAS missing value ``.``."""
    values = series.to_numpy(dtype="float64")
    missing = np.isnan(values)
    cells = ieee_to_ibm(np.where(missing, 0.0, values))
    cells[missing] = _MISSING_NUMBER
    return cells


def _text_table(column: TextColumn, width: int) -> np.ndarray | None:
    """Each distinct value's blank-padded UTF-8 bytes, one ``V<width>`` item per value, and all
    blanks last (for missing, code -1); None when a value holds NUL (ReadStat cuts there)."""
    encoded = [value.encode("utf-8") for value in column.uniques]
    if any(b"\0" in value for value in encoded):
        return None
    return np.frombuffer(b"".join(v.ljust(width, b" ") for v in encoded) + b" " * width, dtype=f"V{width}")


def _text_width(column: TextColumn) -> int:
    """Longest value in UTF-8 bytes, at least 1 (ReadStat's storage width of a string)."""
    return max([1, *(len(value.encode("utf-8")) for value in column.uniques)])


def _format(text: str) -> tuple[str, int, int] | None:
    """Name, width and decimals of a SAS format (``DATE9.`` -> ``DATE``, 9, 0); None when
    ReadStat would not parse it."""
    match = _FORMAT.match(text)
    if match is None:
        return None
    name, width, decimals = match.groups()
    return (name or "", int(width or 0), int(decimals or 0))


def _variables(frame: pd.DataFrame, labels: list[str], formats: dict[str, str], texts: FrameText) -> list[_Variable] | None:
    """NAMESTR descriptions, or None when a column is neither float64 nor text, or a name,
    label or format is not plain ASCII ReadStat would copy whole."""
    variables = []
    for column, label in zip(frame.columns, labels):
        numeric = frame[column].dtype == "float64"
        values = None if numeric else texts(column)
        if not numeric and values is None:
            return None
        text = f"{column}{label}{formats.get(column, '')}"
        form = _format(formats[column]) if column in formats else None
        if not text.isascii() or "\0" in text or (column in formats and form is None):
            return None
        variables.append(_Variable(name=str(column), label=label, numeric=numeric, format=form, text=values,
                                   width=NUMBER_WIDTH if numeric else _text_width(values)))
    return variables


def _record(text: bytes) -> bytes:
    """One 80-byte record: the text, blank-padded."""
    return text[:RECORD].ljust(RECORD, b" ")


def _header(name: str, *numbers: int) -> bytes:
    """A ``HEADER RECORD*******<name>HEADER RECORD!!!!!!!`` record with six 5-digit numbers."""
    counts = "".join(f"{n:05d}" for n in (*numbers, 0, 0, 0, 0, 0, 0)[:6])
    return _record(f"HEADER RECORD*******{name:<8}HEADER RECORD!!!!!!!{counts}".encode("ascii"))


def _padded(text: str, width: int) -> bytes:
    """ASCII text cut or blank-padded to ``width`` bytes."""
    return text.encode("ascii")[:width].ljust(width, b" ")


def _namestr(number: int, position: int, variable: _Variable) -> bytes:
    """The 140-byte NAMESTR record of a variable (numbers right-aligned, characters left)."""
    form, form_width, decimals = variable.format or ("", 0, 0)
    return _NAMESTR.pack(
        1 if variable.numeric else 2, 0, variable.width, number, _padded(variable.name, 8),
        _padded(variable.label, 40), _padded(form, 8), form_width, decimals, 1 if variable.numeric else 0,
        b"\0\0", b" " * 8, 0, 0, position, b"\0" * 52,
    )


def _pad_to_record(block: bytes) -> bytes:
    """Blank-pad a block to a whole number of 80-byte records."""
    return block + b" " * (-len(block) % RECORD)


def _headers(name: str, label: str, stamp: bytes, variables: list[_Variable]) -> bytes:
    """Every record before the observations."""
    positions = np.concatenate([[0], np.cumsum([v.width for v in variables])])
    namestrs = b"".join(_namestr(i + 1, int(positions[i]), v) for i, v in enumerate(variables))
    return b"".join([
        _header("LIBRARY"),
        _record(b"SAS     SAS     SASLIB  6.06    bsd4.2  " + b" " * 24 + stamp),
        _record(stamp),
        _header("MEMBER", 0, 0, 0, 160, 0, 140),
        _header("DSCRPTR"),
        _record(b"SAS     " + _padded(name, 8) + b"SASDATA 6.06    bsd4.2  " + b" " * 24 + stamp),
        _record(stamp + b" " * 16 + _padded(label, 40) + b" " * 8),
        _header("NAMESTR", 0, len(variables)),
        _pad_to_record(namestrs),
        _header("OBS"),
    ])


ROWS_PER_BLOCK = 8_192
"""Records filled at a time: every variable of a block is written while the block is in the
processor's cache (filling a variable at a time over millions of records is memory-bound)."""


def _observations(frame: pd.DataFrame, variables: list[_Variable]) -> list[memoryview | bytes] | None:
    """The observations, record by record, then the blanks that pad them to an 80-byte record;
    None when a value cannot be encoded.

    The records are one numpy array with a field per variable at its offset, filled block by
    block of :data:`ROWS_PER_BLOCK` records (text: the distinct values' bytes taken by code),
    and returned without copying.
    """
    widths = [v.width for v in variables]
    layout = np.dtype({"names": [f"v{i}" for i in range(len(variables))], "formats": [f"V{w}" for w in widths],
                       "offsets": [sum(widths[:i]) for i in range(len(widths))], "itemsize": sum(widths)})
    sources = []
    for variable in variables:
        if variable.numeric:
            cells = _number_cells(frame[variable.name]).view(f"V{NUMBER_WIDTH}").reshape(len(frame))
            sources.append((cells, None))
            continue
        table = _text_table(variable.text, variable.width)
        if table is None:
            return None
        sources.append((table, variable.text.codes))
    rows = np.empty(len(frame), dtype=layout)
    for start in range(0, len(frame), ROWS_PER_BLOCK):
        block = rows[start:start + ROWS_PER_BLOCK]
        for index, (values, codes) in enumerate(sources):
            if codes is None:
                block[f"v{index}"] = values[start:start + ROWS_PER_BLOCK]
            else:  # code -1 (missing) wraps to the table's last entry, all blanks
                np.take(values, codes[start:start + ROWS_PER_BLOCK], out=block[f"v{index}"], mode="wrap")
    return [memoryview(rows.view(np.uint8)), b" " * (-rows.nbytes % RECORD)]


def xpt_v5_parts(frame: pd.DataFrame, *, name: str, label: str, labels: list[str], formats: dict[str, str],
                 stamp: bytes, texts: FrameText | None = None) -> list[memoryview | bytes] | None:
    """The XPORT v5 file of ``frame`` (one member ``name``) as consecutive buffers, or None when
    the frame is not what :func:`specs.conform.conform_to_spec` returns (the caller then writes
    with pyreadstat).

    ``labels``: one per column; ``formats``: SAS formats of numeric variables (``DATE9.``);
    ``stamp``: the 16-byte created/modified date (:func:`specs.xpt.sas_timestamp`); ``texts``:
    the frame's text columns already factorized, to reuse.
    """
    if not (name + label).isascii():
        return None
    variables = _variables(frame, labels, formats, texts or FrameText(frame))
    if variables is None:
        return None
    observations = _observations(frame, variables)
    if observations is None:
        return None
    return [_headers(name, label, stamp, variables), *observations]


def xpt_v5_bytes(frame: pd.DataFrame, **attributes) -> bytes | None:
    """:func:`xpt_v5_parts` joined: the whole file's bytes, or None."""
    parts = xpt_v5_parts(frame, **attributes)
    return None if parts is None else b"".join(parts)
