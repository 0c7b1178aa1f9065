"""What a conformance rule is: data (ids, severity, scope, message) plus one check function.

A rule is declared where its check is written, with the :meth:`Registry.rule` decorator::

    @SDTM.rule("SDTM0006", "Error", "Duplicate value for --SEQ variable",
               p21_id="SD0005", variables=("USUBJID", "--SEQ"))
    def check_seq_unique(data, ds, ctx):
        '''--SEQ is unique within USUBJID (SDTMIG 3.4 section 4.1.5).'''
        return hits(data, data.duplicated([...], keep=False), [...])

The docstring is the rule's description (its source: P21 id, CORE id, IG section). A check
receives the dataset, its :class:`specs.rules.context.DatasetInfo` and the
:class:`specs.rules.context.Context` and returns the offending records as a *hits* frame: index =
0-based record numbers (``-1`` for a finding about the dataset as a whole), columns = the
variables to report, cells = their values; or a list of such frames (e.g. one per variable
checked), ``None`` entries allowed. ``None`` or an empty frame means no finding.
Study-level rules (``level="study"``) receive only the context and return
``[(dataset, hits), ...]``.

Scope is data, checked by the engine before a check runs, so a check never meets a dataset it
cannot handle: ``standard`` (SDTM, ADaM or both), ``domains`` and ``classes`` it applies to,
``variables`` that must be present (``--`` stands for the domain prefix), ``needs`` (other
domains that must be present; ``"TA|SE"`` means either) and ``option`` (``define``, ``cutoff``,
``formats``: engine inputs the rule cannot run without) and ``spec_free`` (the rule re-states an
IG core designation and runs only where no spec workbook describes the dataset, because the
spec checks of :mod:`specs.conformance` cover it there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SEVERITIES = ("Error", "Warning", "Notice")
STANDARDS = ("SDTM", "ADaM", "both")
DATASET_LEVEL = -1
"""Record number of a finding that concerns a dataset (or a variable) rather than a record."""


@dataclass(frozen=True)
class Rule:
    """One conformance rule: identifiers, severity, scope, message and its check."""

    id: str
    severity: str
    message: str
    check: Callable
    standard: str = "SDTM"
    p21_id: str = ""
    core_id: str = ""
    domains: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    option: str | None = None
    level: str = "dataset"
    spec_free: bool = False

    @property
    def description(self) -> str:
        """The check's docstring, whitespace-normalised: what it finds and where the rule comes from."""
        return " ".join((self.check.__doc__ or "").split())

    @property
    def ids(self) -> str:
        """P21 and CORE ids joined for display, e.g. ``SD0005 / CORE-000529``."""
        return " / ".join(i for i in (self.p21_id, self.core_id) if i)


class Registry:
    """An ordered collection of rules, filled by the :meth:`rule` decorator."""

    def __init__(self, name: str):
        self.name = name
        self.rules: list[Rule] = []

    def rule(self, id: str, severity: str, message: str, **scope) -> Callable:
        """Register the decorated check as a rule with these ids, severity, message and scope."""
        if severity not in SEVERITIES:
            raise ValueError(f"{id}: severity {severity!r} is not one of {SEVERITIES}")
        if scope.get("standard", "SDTM") not in STANDARDS:
            raise ValueError(f"{id}: standard {scope['standard']!r} is not one of {STANDARDS}")

        def register(check: Callable) -> Callable:
            if any(r.id == id for r in self.rules):
                raise ValueError(f"rule {id} is registered twice in {self.name}")
            self.rules.append(Rule(id=id, severity=severity, message=message, check=check, **scope))
            return check

        return register

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


# --- values ------------------------------------------------------------------------------------

def is_character(series: pd.Series) -> bool:
    """True for a character column: object/string dtype, or a Categorical of strings."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return not pd.api.types.is_numeric_dtype(series.cat.categories.dtype) and (
            len(series.cat.categories) == 0 or isinstance(series.cat.categories[0], str))
    if series.dtype != object:
        return pd.api.types.is_string_dtype(series)
    first = series.first_valid_index()
    return first is None or isinstance(series[first], str)


def is_null(series: pd.Series) -> pd.Series:
    """Missing: NaN/None, or a blank string (XPT stores a missing character value as blanks)."""
    null = series.isna()
    if isinstance(series.dtype, pd.CategoricalDtype):
        blanks = [c for c in series.cat.categories if isinstance(c, str) and not c.strip()]
        return null | series.isin(blanks) if blanks else null
    if series.dtype == object and not null.all():
        blanks = [v for v in pd.unique(series[~null]) if isinstance(v, str) and not v.strip()]
        if blanks:
            null |= series.isin(blanks)
    return null


def present(series: pd.Series) -> pd.Series:
    """Not missing (see :func:`is_null`)."""
    return ~is_null(series)


def text(series: pd.Series) -> pd.Series:
    """Values as stripped strings, missing (or blank) as NaN; whole floats without ``.0``.

    Evaluated once per distinct value, so it is cheap on long columns of repeated codes.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _cached(series, "text", _categorical_text)
    values = series.dropna()
    if values.empty:
        return pd.Series(np.nan, index=series.index, dtype=object)
    mapping = {}
    for value in pd.unique(values):
        converted = _as_text(value)
        mapping[value] = converted if converted else np.nan
    return series.map(mapping).astype(object)


_CACHE: dict[tuple[int, str], tuple[object, pd.Series]] = {}
"""Conversions of categorical columns, by (id of the Categorical, kind). The Categorical is kept
alongside so its id cannot be reused while the entry lives; :func:`clear_cache` empties it
(the engine does at the start and end of every run)."""


def clear_cache() -> None:
    """Forget cached column conversions."""
    _CACHE.clear()


def _cached(series: pd.Series, kind: str, convert) -> pd.Series:
    array = series.array
    key = (id(array), kind)
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not array or not entry[1].index.equals(series.index):
        entry = (array, convert(series))
        _CACHE[key] = entry
    return entry[1]


def _categorical_text(series: pd.Series) -> pd.Series:
    converted = np.array([(_as_text(c) or np.nan) for c in series.cat.categories] + [np.nan], dtype=object)
    return pd.Series(converted[series.cat.codes.to_numpy()], index=series.index, dtype=object)


def _categorical_numeric(series: pd.Series) -> pd.Series:
    values = pd.to_numeric(pd.Series([_as_text(c) for c in series.cat.categories], dtype=object), errors="coerce")
    table = np.append(values.to_numpy(dtype="float64"), np.nan)
    return pd.Series(table[series.cat.codes.to_numpy()], index=series.index)


def _as_text(value) -> str:
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value).strip()


def byte_length(series: pd.Series) -> pd.Series:
    """UTF-8 bytes of each present value's text (NaN where missing), once per distinct value;
    cached for Categoricals, which several rules measure (value length, define.xml Length)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _cached(series, "bytes", _categorical_bytes)
    return pd.to_numeric(by_value(series, lambda v: len(str(v).encode("utf-8"))), errors="coerce")


def _categorical_bytes(series: pd.Series) -> pd.Series:
    """:func:`byte_length` of a Categorical, from its categories."""
    table = np.append(_category_bytes(series), np.nan)
    return pd.Series(table[series.array.codes], index=series.index)


def _category_bytes(series: pd.Series) -> np.ndarray:
    """UTF-8 bytes of each category of a Categorical, cached."""
    array = series.array
    key = (id(array), "category bytes")
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not array:
        entry = (array, np.array([len(str(c).encode("utf-8")) for c in array.categories], dtype="float64"))
        _CACHE[key] = entry
    return entry[1]


def longest_bytes(series: pd.Series) -> int:
    """UTF-8 bytes of the longest present value (0 when every value is missing); for a
    Categorical, from the lengths of the categories in use."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.array.codes
        used = np.bincount(codes[codes >= 0], minlength=len(series.cat.categories)) > 0
        return int(_category_bytes(series)[used].max()) if used.any() else 0
    return int(byte_length(series).fillna(0).max()) if len(series) else 0


def by_value(series: pd.Series, func) -> pd.Series:
    """``func`` applied once per distinct present value, mapped back (NaN where missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        out = np.empty(len(series.cat.categories) + 1, dtype=object)
        out[:] = [func(c) for c in series.cat.categories] + [np.nan]
        return pd.Series(out[series.cat.codes.to_numpy()], index=series.index, dtype=object)
    present_values = series[present(series)]
    if present_values.empty:
        return pd.Series(np.nan, index=series.index, dtype=object)
    mapping = {u: func(u) for u in pd.unique(present_values)}
    return series.map(mapping).where(present(series)).astype(object)


def flag(series: pd.Series, predicate) -> pd.Series:
    """Boolean Series: ``predicate`` of each present value (evaluated once per distinct value)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        table = np.array([bool(predicate(c)) for c in series.cat.categories] + [False], dtype=bool)
        return pd.Series(table[series.cat.codes.to_numpy()], index=series.index)
    present_values = series[present(series)]
    if present_values.empty:
        return pd.Series(False, index=series.index)
    truth = {u for u in pd.unique(present_values) if predicate(u)}
    return series.isin(truth) & present(series) if truth else pd.Series(False, index=series.index)


def numeric(series: pd.Series) -> pd.Series:
    """Values as floats (non-numbers become NaN)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _cached(series, "numeric", _categorical_numeric)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    return pd.to_numeric(text(series), errors="coerce")


# --- hits --------------------------------------------------------------------------------------

def hits(data: pd.DataFrame, mask: pd.Series | np.ndarray, columns, **extra: pd.Series) -> pd.DataFrame | None:
    """The records of ``data`` where ``mask`` holds, with the reported ``columns`` (+ ``extra``).

    ``extra`` adds reported values that are not columns of ``data`` (e.g. ``RFSTDTC`` looked up
    in DM), as Series aligned on ``data``'s index.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return None
    frame = data.loc[mask, [c for c in columns if c in data.columns]].copy()
    for name, values in extra.items():
        frame[name] = np.asarray(values)[mask] if not isinstance(values, pd.Series) else values[mask].to_numpy()
    return frame


def dataset_hit(**values) -> pd.DataFrame:
    """A finding about the dataset as a whole (record number ``-1``) reporting ``values``."""
    return pd.DataFrame({k: [v] for k, v in values.items()}, index=[DATASET_LEVEL])


def dataset_hits(column: str, values) -> pd.DataFrame | None:
    """One dataset-level finding per value (e.g. one per missing variable or parameter)."""
    values = list(values)
    if not values:
        return None
    return pd.DataFrame({column: values}, index=[DATASET_LEVEL] * len(values))


def text_codes(series: pd.Series) -> np.ndarray:
    """An integer per record, equal where the :func:`text` values are equal, -1 where missing;
    cached for Categoricals."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _cached(series, "codes", _categorical_text_codes).to_numpy()
    return pd.factorize(text(series), use_na_sentinel=True)[0]


def _categorical_text_codes(series: pd.Series) -> pd.Series:
    """:func:`text_codes` of a Categorical, from its categories."""
    texts = pd.Series([_as_text(c) or np.nan for c in series.cat.categories], dtype=object)
    table = np.append(pd.factorize(texts, use_na_sentinel=True)[0], -1)
    return pd.Series(table[series.cat.codes.to_numpy()], index=series.index)


def many_for_one(data: pd.DataFrame, key: str, value: str) -> pd.DataFrame | None:
    """Records whose ``key`` has more than one distinct ``value`` in the dataset (both present).

    Counted on integer codes of the values' text: distinct (key, value) pairs, then pairs per key.
    """
    keys, values = text_codes(data[key]), text_codes(data[value])
    both = (keys >= 0) & (values >= 0)
    if not both.any():
        return None
    width = np.int64(values.max()) + 1
    pairs = np.unique(keys[both].astype(np.int64) * width + values[both])
    many = np.bincount(pairs // width) > 1
    if not many.any():
        return None
    return hits(data, both & many[np.where(both, keys, 0)], [key, value])


def not_one_to_one(data: pd.DataFrame, left: str, right: str) -> pd.DataFrame | None:
    """Records where ``left`` has several ``right`` values or ``right`` several ``left`` values."""
    frames = [f for f in (many_for_one(data, left, right), many_for_one(data, right, left)) if f is not None]
    if not frames:
        return None
    frame = pd.concat(frames)
    return frame[~frame.index.duplicated()].sort_index()


def keys_in(left: list[pd.Series], right: list[pd.Series]) -> np.ndarray:
    """True where the tuple of ``left`` values of a record is among the tuples of ``right``.

    Values are compared as :func:`text` (so 1.0 and "1" match); columns are factorized over
    both sides together and combined into one integer key, all in C.
    """
    n_left = len(left[0])
    key_left = np.zeros(n_left, dtype=np.int64)
    key_right = np.zeros(len(right[0]), dtype=np.int64)
    for one, other in zip(left, right):
        both = pd.concat([text(one), text(other)], ignore_index=True)
        codes, uniques = pd.factorize(both, use_na_sentinel=True)
        codes = codes.astype(np.int64) + 1
        key_left = key_left * (len(uniques) + 1) + codes[:n_left]
        key_right = key_right * (len(uniques) + 1) + codes[n_left:]
    return np.isin(key_left, key_right)


def keys(*columns: pd.Series) -> pd.Series:
    """Several columns as one text key per record (numbers without a trailing ``.0``)."""
    def one(series: pd.Series) -> pd.Series:
        return text(series).fillna("").astype(str)
    out = one(columns[0])
    for column in columns[1:]:
        out = out + "\x1f" + one(column)
    return out
