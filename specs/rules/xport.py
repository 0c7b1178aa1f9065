"""A fast, vectorised SAS XPORT v5 reader for validation (numpy, no per-record Python).

The whole observation block is viewed as a numpy structured array: numeric variables are IBM
370 doubles converted to IEEE in one pass, character variables are decoded once per distinct
value and returned as pandas Categoricals (CDISC data repeat the same codes, subject ids and
dates many times, so this is both faster and smaller than one str object per cell). Dates stay
SAS numbers, as stored. Metadata (labels, formats, declared lengths, member label) come from the
NAMESTR records.

Source: SAS Institute TS-140, "The record layout of a data set in SAS transport (XPORT) format"
(library/member/DSCRPTR/NAMESTR/OBS header records, 140-byte NAMESTR, IBM floating point,
missing values ``.``, ``.A``-``.Z``, ``._``). Only the first member of a file is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

RECORD = 80
_HEADER = b"HEADER RECORD*******"
_MISSING_FIRST_BYTES = frozenset([0x2E, 0x5F] + list(range(0x41, 0x5B)))


@dataclass(frozen=True)
class XportMeta:
    """Member-level metadata of an XPORT file."""

    name: str
    label: str
    labels: dict[str, str]
    formats: dict[str, str]
    lengths: dict[str, int]
    character: frozenset[str]
    widths: dict[str, int] = field(default_factory=dict)
    """Storage width of every variable (character: declared length; numeric: 2-8 bytes)."""


def _header_at(raw: bytes, offset: int, kind: bytes) -> None:
    if raw[offset:offset + 20] != _HEADER or raw[offset + 20:offset + 20 + len(kind)] != kind:
        found = raw[offset:offset + 48].decode("latin-1")
        raise ValueError(f"not a SAS XPORT v5 file: expected {kind.decode()} header, found {found!r}")


def _text(raw: bytes) -> str:
    return raw.decode("latin-1").strip()


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8").rstrip()
    except UnicodeDecodeError:
        return value.decode("latin-1").rstrip()


def ibm_to_ieee(words: np.ndarray) -> np.ndarray:
    """IBM 370 double precision (big-endian uint64) to IEEE float64; SAS missing values -> NaN."""
    words = words.astype(np.uint64)
    high = (words >> np.uint64(32)).astype(np.uint32)
    low = (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    first = (high >> np.uint32(24)).astype(np.uint8)
    missing = np.isin(first, list(_MISSING_FIRST_BYTES)) & ((high & np.uint32(0x00FFFFFF)) == 0) & (low == 0)
    zero = (high & np.uint32(0x7FFFFFFF)) == 0
    zero &= low == 0
    shift = np.zeros(len(words), dtype=np.uint32)
    shift[(high & np.uint32(0x00200000)) != 0] = 1
    shift[(high & np.uint32(0x00400000)) != 0] = 2
    shift[(high & np.uint32(0x00800000)) != 0] = 3
    ieee_high = (high & np.uint32(0x00FFFFFF)) >> shift
    ieee_low = (low >> shift) | ((high & np.uint32(0x7)) << (np.uint32(29) + (np.uint32(3) - shift)))
    ieee_high &= np.uint32(0xFFEFFFFF)
    exponent = ((high >> np.uint32(24)) & np.uint32(0x7F)).astype(np.int64)
    ieee_exp = ((exponent - 65) * 4 + shift.astype(np.int64) + 1023).astype(np.uint32)
    ieee_high |= (ieee_exp << np.uint32(20)) | (high & np.uint32(0x80000000))
    out = ((ieee_high.astype(np.uint64) << np.uint64(32)) | ieee_low.astype(np.uint64)).view(np.float64).copy()
    out[zero] = 0.0
    out[missing] = np.nan
    return out


def _namestrs(raw: bytes, start: int, count: int, size: int) -> list[dict]:
    variables = []
    for i in range(count):
        entry = raw[start + i * size: start + (i + 1) * size]
        kind = int.from_bytes(entry[0:2], "big")
        length = int.from_bytes(entry[4:6], "big")
        name = _text(entry[8:16]).upper()
        label = entry[16:56].decode("latin-1").strip()
        fmt = _text(entry[56:64])
        width = int.from_bytes(entry[64:66], "big")
        decimals = int.from_bytes(entry[66:68], "big")
        position = int.from_bytes(entry[84:88], "big")
        if fmt:
            fmt = f"{fmt}{width or ''}" + (f".{decimals}" if decimals else "")
        variables.append({"name": name, "character": kind == 2, "length": length, "label": label,
                          "format": fmt, "position": position})
    return variables


@dataclass(frozen=True)
class _Member:
    """Where the first member of an XPORT file keeps its metadata and observations."""

    name: str
    label: str
    variables: list[dict]
    data_start: int


def _member(raw: bytes) -> _Member:
    """Parse the library, member, descriptor and NAMESTR headers of the first member."""
    _header_at(raw, 0, b"LIBRARY HEADER RECORD")
    member = 3 * RECORD
    _header_at(raw, member, b"MEMBER  HEADER RECORD")
    namestr_size = int(raw[member + 74:member + 78].decode("ascii").strip() or 140)
    _header_at(raw, member + RECORD, b"DSCRPTR HEADER RECORD")
    descriptor = member + 2 * RECORD
    name = _text(raw[descriptor + 8:descriptor + 16]).upper()
    label = raw[descriptor + RECORD + 32:descriptor + RECORD + 72].decode("latin-1").strip()
    namestr_header = descriptor + 2 * RECORD
    _header_at(raw, namestr_header, b"NAMESTR HEADER RECORD")
    count = int(raw[namestr_header + 54:namestr_header + 58].decode("ascii"))
    variables = _namestrs(raw, namestr_header + RECORD, count, namestr_size)
    block = count * namestr_size
    obs_header = namestr_header + RECORD + (block + RECORD - 1) // RECORD * RECORD
    _header_at(raw, obs_header, b"OBS     HEADER RECORD")
    return _Member(name, label, variables, obs_header + RECORD)


def _meta(member: _Member) -> XportMeta:
    """The member's metadata from its NAMESTR records."""
    variables = member.variables
    return XportMeta(
        name=member.name,
        label=member.label,
        labels={v["name"]: v["label"] for v in variables},
        formats={v["name"]: v["format"] for v in variables if v["format"] and not v["character"]},
        lengths={v["name"]: v["length"] for v in variables if v["character"]},
        character=frozenset(v["name"] for v in variables if v["character"]),
        widths={v["name"]: v["length"] for v in variables},
    )


def read_xport_meta(path: Path | str) -> XportMeta:
    """The metadata of the first member of an XPORT v5 file, without reading its observations."""
    return _meta(_member(Path(path).read_bytes()))


def read_xport(path: Path | str) -> tuple[pd.DataFrame, XportMeta]:
    """Read the first member of an XPORT v5 file into a frame (strings as Categoricals)."""
    raw = Path(path).read_bytes()
    member = _member(raw)
    variables, data_start = member.variables, member.data_start
    data_end = raw.find(_HEADER + b"MEMBER  HEADER RECORD", data_start)
    data_end = len(raw) if data_end < 0 else data_end
    width = sum(v["length"] for v in variables)
    rows = (data_end - data_start) // width if width else 0
    if rows and width < RECORD:
        # trailing blank padding of the last 80-byte record is not an observation
        while rows and raw[data_start + (rows - 1) * width:data_start + rows * width] == b" " * width:
            rows -= 1
    dtype = np.dtype({
        "names": [v["name"] for v in variables],
        "formats": [f"S{v['length']}" if v["character"] else f"V{v['length']}" for v in variables],
        "offsets": [v["position"] for v in variables],
        "itemsize": width,
    })
    records = np.frombuffer(raw, dtype=dtype, count=rows, offset=data_start)
    columns = {}
    for variable in variables:
        values = records[variable["name"]]
        if variable["character"]:
            columns[variable["name"]] = _categorical(values)
        else:
            padded = np.zeros((rows, 8), dtype=np.uint8)
            padded[:, :variable["length"]] = np.frombuffer(values.tobytes(), dtype=np.uint8).reshape(rows, variable["length"])
            columns[variable["name"]] = ibm_to_ieee(padded.view(">u8").reshape(-1))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(rows))
    return frame, _meta(member)


def _unique_fixed(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for fixed-width bytes, grouping records by a
    64-bit hash of their bytes instead of sorting them (only the distinct values are sorted).

    Records sharing a hash are checked byte for byte; on a collision the sort does the work.
    """
    rows, width = len(values), values.dtype.itemsize
    if rows == 0 or width == 0:
        return np.unique(values, return_inverse=True)
    padded = np.zeros((rows, -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = np.frombuffer(values.tobytes(), dtype=np.uint8).reshape(rows, width)
    digest = np.zeros(rows, dtype=np.uint64)
    for word in padded.view(np.uint64).T:
        digest = (digest ^ word) * np.uint64(0x100000001B3)  # FNV-1a style mixing, modulo 2**64
    _, first, inverse = np.unique(digest, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not np.array_equal(padded, padded[first][inverse]):
        return np.unique(values, return_inverse=True)
    distinct = values[first]
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return distinct[order], rank[inverse]


def _categorical(values: np.ndarray) -> pd.Categorical:
    """Fixed-width character values as a Categorical of decoded, right-stripped text (blank -> NaN)."""
    uniques, codes = _unique_fixed(values)
    decoded = [_decode(u) for u in uniques.tolist()]
    categories = [d for d in decoded if d]
    position = {d: i for i, d in enumerate(dict.fromkeys(categories))}
    remap = np.array([position.get(d, -1) for d in decoded], dtype=np.int32)
    codes = remap[codes.reshape(-1)] if len(remap) else np.zeros(0, dtype=np.int32)
    return pd.Categorical.from_codes(codes, categories=list(position))
