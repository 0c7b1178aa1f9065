"""Per-value measurements of dataset columns, evaluated once per distinct value (vectorised).

The writers (:mod:`specs.xpt`, :mod:`specs.datasetjson`, :mod:`specs.define`) and the checks
(:mod:`specs.conformance`, :mod:`specs.define.check`) all ask the same questions of a character
column: which values are missing or blank, how many UTF-8 bytes each value takes, whether a value
is a codelist term. CDISC data repeat the same codes, subject ids and dates many times, so a
column is factorized once (:class:`TextColumn`), each answer is computed once per distinct value
and spread back over the records with the codes, in numpy.

The fast path applies to text columns: object columns whose present values are all ``str``, and
Categoricals of ``str``. For anything else (numbers stored in an object column, mixed types)
:func:`text_column` returns None and the callers evaluate per record, because grouping by
distinct value would merge values that hash alike but print differently (``1`` and ``1.0``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

TEXT_KINDS = frozenset({"string", "empty"})
"""``pandas.api.types.infer_dtype`` answers for values that are all ``str`` (missing skipped)."""


def is_text(series: pd.Series) -> bool:
    """True for a text column: object values all ``str`` (missing allowed) or a Categorical of ``str``.

    Examples
    --------
    >>> is_text(pd.Series(["a", None])), is_text(pd.Series(["a", 1], dtype=object))
    (True, False)
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return infer_dtype(series.cat.categories, skipna=True) in TEXT_KINDS
    return series.dtype == object and infer_dtype(series.to_numpy(), skipna=True) in TEXT_KINDS


@dataclass(frozen=True)
class TextColumn:
    """A text column factorized: ``uniques[codes]`` are its values, code -1 where missing
    (None, NaN, NA). Measurements are computed once per distinct value and cached.

    Examples
    --------
    >>> column = text_column(pd.Series(["ab", " ", None, "ab"]))
    >>> column.blank.tolist(), column.byte_length.tolist()
    ([False, True, True, False], [2.0, 1.0, nan, 2.0])
    """

    codes: np.ndarray
    uniques: np.ndarray

    def compute(self, func: Callable[[str], object], *, missing: object, dtype: type | str = object) -> np.ndarray:
        """``func`` of each record's value (evaluated once per distinct value); ``missing`` where missing."""
        table = np.empty(len(self.uniques) + 1, dtype=dtype)
        table[:-1] = [func(value) for value in self.uniques]
        table[-1] = missing
        return table[self.codes]  # code -1 picks the last entry, the missing value's

    @cached_property
    def missing(self) -> np.ndarray:
        """True where the value is missing (None, NaN, NA)."""
        return self.codes < 0

    @cached_property
    def blank(self) -> np.ndarray:
        """True where the value is missing or a blank string."""
        return self.compute(lambda value: not value.strip(), missing=True, dtype=bool)

    @cached_property
    def byte_length(self) -> np.ndarray:
        """UTF-8 bytes of each value, NaN where missing (blank strings count)."""
        return self.compute(lambda value: len(value.encode("utf-8")), missing=np.nan, dtype="float64")

    def is_in(self, allowed: frozenset[str] | set[str]) -> np.ndarray:
        """True where the value is one of ``allowed`` (False where missing)."""
        return self.compute(lambda value: value in allowed, missing=False, dtype=bool)


def text_column(series: pd.Series, *, known_text: bool = False) -> TextColumn | None:
    """The column factorized (:class:`TextColumn`), or None when it is not text (:func:`is_text`;
    not asked with ``known_text``, for an object column known to hold only ``str`` and None, as
    :func:`specs.conform.conform_to_spec` makes a character variable)."""
    if not (known_text and series.dtype == object) and not is_text(series):
        return None
    if isinstance(series.dtype, pd.CategoricalDtype):
        categorical = series.array
        return TextColumn(categorical.codes, categorical.categories.to_numpy(dtype=object))
    codes, uniques = pd.factorize(series.to_numpy(), use_na_sentinel=True)
    return TextColumn(codes, np.asarray(uniques, dtype=object))


class FrameText:
    """The text columns of one frame, each factorized once (:func:`text_column`) when first asked
    for, and shared by every writer and check of that frame (XPT, Dataset-JSON, the spec checks).

    ``known_text``: names of object columns known to hold only ``str`` and None (the character
    variables of a conformed frame), factorized without scanning them first (:func:`is_text`).
    The frame must not change while this is in use.

    Examples
    --------
    >>> texts = FrameText(pd.DataFrame({"A": ["x", "y", "x"], "N": [1.0, 2.0, 3.0]}))
    >>> texts("A").codes.tolist(), texts("A") is texts("A"), texts("N")
    ([0, 1, 0], True, None)
    """

    def __init__(self, frame: pd.DataFrame, known_text: frozenset[str] = frozenset()) -> None:
        self._frame = frame
        self._known_text = known_text
        self._columns: dict[str, TextColumn | None] = {}

    def __call__(self, name: str) -> TextColumn | None:
        """The column ``name`` factorized, or None when it is not text."""
        if name not in self._columns:
            self._columns[name] = text_column(self._frame[name], known_text=name in self._known_text)
        return self._columns[name]


def compute_blank(series: pd.Series, column: TextColumn | None = None) -> np.ndarray:
    """True where a value is missing (None, NaN, NA) or a blank string: SAS does not tell a
    blank character value from a missing one, and pyreadstat reads it back as ``''``.

    ``column``: the series already factorized (:func:`text_column`), to reuse.

    Examples
    --------
    >>> compute_blank(pd.Series(["a", " ", None, ""])).tolist()
    [False, True, True, True]
    """
    column = column or text_column(series)
    if column is not None:
        return column.blank
    blank = series.isna().to_numpy(dtype=bool)
    if series.dtype == object:
        blank |= series.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
    return blank


def compute_byte_length(series: pd.Series, column: TextColumn | None = None) -> np.ndarray:
    """UTF-8 bytes of each value's text (``str(value)``), NaN where missing (blank strings count).

    Examples
    --------
    >>> compute_byte_length(pd.Series(["ab", None, "é"])).tolist()
    [2.0, nan, 2.0]
    """
    column = column or text_column(series)
    if column is not None:
        return column.byte_length
    lengths = np.full(len(series), np.nan)
    present = series.notna().to_numpy(dtype=bool)
    lengths[present] = [len(str(v).encode("utf-8")) for v in series.to_numpy(dtype=object)[present]]
    return lengths
