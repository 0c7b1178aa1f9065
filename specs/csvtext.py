"""CSV reports of millions of lines (the reconciliation ledger), written fast and exactly as
``DataFrame.to_csv(path, index=False, lineterminator="\\n")`` writes them.

pandas formats every cell through the ``csv`` module, one row at a time. Report columns repeat a
few values (files, outcomes, domains, reasons) or are integers, so here each distinct value of a
column is formatted once, by the same ``csv`` module (minimal quoting), and the lines are joined
in blocks. Columns of another kind (floats, dates, mixed objects), and frames of one column
(where the csv module quotes an empty field), are left to pandas: the whole frame is then written
by ``to_csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype

from specs.files import replacing
from specs.values import is_text

LINES_PER_BLOCK = 100_000
"""Lines formatted and written at a time: memory stays bounded whatever the report's size."""


def csv_field(value: str) -> str:
    """A value as one field of a CSV line (``csv`` minimal quoting, as pandas writes it).

    Examples
    --------
    >>> csv_field("plain"), csv_field('say "hi", twice'), csv_field("")
    ('plain', '"say ""hi"", twice"', '')
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([value, ""])
    return buffer.getvalue()[:-2]  # the field, without the empty second field's "," and the "\n"


def _fast_kind(series: pd.Series) -> str | None:
    """'text' (str values, a Categorical of str), 'integer' (int64 or nullable Int64), or None
    for a column pandas should format."""
    if is_integer_dtype(series.dtype):
        return "integer"
    return "text" if is_text(series) else None


def _codes_and_fields(series: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Each record's position in a table of CSV fields: every distinct value formatted once, the
    empty field for missing (pandas' ``na_rep``)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    fields = [csv_field(str(value)) for value in uniques] if kind == "text" else [str(value) for value in uniques]
    return np.asarray(codes), np.array(fields + [""], dtype=object)


def _lines(frame: pd.DataFrame, kinds: list[str]) -> Iterator[str]:
    """The data lines, in blocks of :data:`LINES_PER_BLOCK`, each block ending with a newline."""
    columns = [_codes_and_fields(frame[name], kind) for name, kind in zip(frame.columns, kinds)]
    for start in range(0, len(frame), LINES_PER_BLOCK):
        cells = [fields[codes[start:start + LINES_PER_BLOCK]].tolist() for codes, fields in columns]
        yield "\n".join(map(",".join, zip(*cells))) + "\n"


def write_csv(frame: pd.DataFrame, path: Path | str) -> None:
    """Write ``frame`` as ``frame.to_csv(path, index=False, lineterminator="\\n")`` would, byte for
    byte (through a temporary file replaced at the end)."""
    path = Path(path)
    kinds = [_fast_kind(frame[name]) for name in frame.columns]
    if frame.columns.has_duplicates or not all(kinds) or len(frame.columns) < 2:  # one column: '""' for ''
        frame.to_csv(path, index=False, lineterminator="\n")
        return
    with replacing(path) as temp, open(temp, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(csv_field(str(name)) for name in frame.columns) + "\n")
        out.writelines(_lines(frame, kinds))
