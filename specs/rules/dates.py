"""ISO 8601 text (SDTM --DTC, --DUR) and SAS numeric dates (ADaM --DT), vectorised.

Every function works on the distinct values of a column and maps the answer back, so a column of
100,000 dates with 900 distinct values costs 900 evaluations.

Sources: SDTMIG 3.4 section 4.4.2 (date/time precision: right truncation, and a hyphen for each
missing intermediate component, e.g. ``2003---15``), 4.4.3 (intervals of uncertainty written
``start/end``), 4.4.4 (study day: no day 0), 4.4.5 (ISO 8601 durations, elapsed times may be
negative); ISO 8601:2004 sections 4.4.3 (durations) and 4.4.4 (time intervals).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from specs.rules.registry import flag

_C = r"(?:\d{2}|-)"
_DATETIME = re.compile(
    r"^(?P<y>\d{4}|-)(?:-(?P<m>\d{2}|-)(?:-(?P<d>\d{2}|-)"
    r"(?:T(?P<H>\d{2}|-)(?::(?P<M>\d{2}|-)(?::(?P<S>\d{2}(?:\.\d+)?|-))?)?)?)?)?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DURATION = re.compile(
    r"^-?P(?:(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?|\d+(?:[.,]\d+)?W)$"
)
_SIMPLE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?)?)?$")
_SAS_EPOCH = np.datetime64("1960-01-01", "ns")
_ORDINAL_1960 = dt.date(1960, 1, 1).toordinal()
_DAY_NS = 86_400 * 10**9


def _by_value(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` to each distinct non-null value; map back (None stays None)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        results = [func(c) for c in series.cat.categories] + [np.nan]
        out = np.empty(len(results), dtype=object)
        out[:] = results
        return pd.Series(out[series.cat.codes.to_numpy()], index=series.index, dtype=object)
    values = series.dropna()
    if values.empty:
        return pd.Series(np.nan, index=series.index, dtype=object)
    uniques = pd.unique(values)
    mapping = dict(zip(uniques, (func(v) for v in uniques)))
    return series.map(mapping)


def _valid_datetime(value: str) -> bool:
    match = _DATETIME.match(value)
    if not match or value.endswith(("-", ":", "T")) or not any(c.isdigit() for c in value):
        return False
    parts = {k: (None if v in (None, "-") else v) for k, v in match.groupdict().items()}
    if parts["m"] is not None and not 1 <= int(parts["m"]) <= 12:
        return False
    if parts["d"] is not None:
        if not 1 <= int(parts["d"]) <= 31:
            return False
        if parts["y"] is not None and parts["m"] is not None:
            try:
                pd.Timestamp(int(parts["y"]), int(parts["m"]), int(parts["d"]))
            except ValueError:
                return False
    for key, limit in (("H", 23), ("M", 59), ("S", 60)):
        if parts[key] is not None and float(parts[key]) > limit:
            return False
    return True


@lru_cache(maxsize=1 << 16)
def is_iso8601_datetime(value: str, *, allow_interval: bool = True) -> bool:
    """One --DTC value: a (partial) ISO 8601 date/time, or an interval ``start/end``.

    >>> [is_iso8601_datetime(v) for v in ("2003-12-15T13:14", "2003---15", "2003-13", "15DEC2003")]
    [True, True, False, False]
    """
    value = value.strip()
    if allow_interval and "/" in value:
        start, _, end = value.partition("/")
        ok_start = _valid_datetime(start) or bool(_DURATION.match(start))
        ok_end = _valid_datetime(end) or bool(_DURATION.match(end))
        return ok_start and ok_end and not (_DURATION.match(start) and _DURATION.match(end))
    return _valid_datetime(value)


def is_iso8601_duration(value: str) -> bool:
    """One --DUR/--ELTM/--EVLINT value: an ISO 8601 duration (``P2Y3M``, ``PT1H``, ``-PT15M``, ``P4W``).

    >>> [is_iso8601_duration(v) for v in ("P2Y3M", "-PT15M", "P4W", "P", "2 days")]
    [True, True, True, False, False]
    """
    value = value.strip()
    return bool(_DURATION.match(value)) and value not in ("P", "-P") and not value.endswith("T")


def invalid_datetime(series: pd.Series) -> pd.Series:
    """True where a present value is not valid ISO 8601 date/time (nor an interval)."""
    return flag(series, lambda v: not is_iso8601_datetime(str(v)))


def invalid_duration(series: pd.Series) -> pd.Series:
    """True where a present value is not a valid ISO 8601 duration."""
    return flag(series, lambda v: not is_iso8601_duration(str(v)))


def complete_date(series: pd.Series) -> pd.Series:
    """Day number (days since 1960-01-01, as SAS dates) of values whose date part is complete.

    NaN where the value is missing, partial (``2014-01``) or not a valid date.
    """
    def convert(value) -> float:
        value = str(value)
        if len(value) >= 10 and value[4] == "-" and value[7] == "-":
            try:
                return float(dt.date.fromisoformat(value[:10]).toordinal() - _ORDINAL_1960)
            except ValueError:
                return np.nan
        return np.nan
    return pd.to_numeric(_by_value(series, convert), errors="coerce").astype("float64")


def study_day(dates: pd.Series, reference: pd.Series) -> pd.Series:
    """SDTMIG 4.4.4 study day from day numbers: ``date - reference + 1`` on or after the
    reference, else ``date - reference`` (there is no day 0)."""
    delta = dates.astype("float64") - reference.astype("float64")
    return delta.where(delta < 0, delta + 1)


def after(start: pd.Series, end: pd.Series) -> pd.Series:
    """True where ISO 8601 ``start`` is later than ``end`` at their common precision.

    Only right-truncated values are compared (``2014-01`` vs ``2014-01-15`` compares ``2014-01``
    with ``2014-01``: not after); values with missing intermediate components, intervals or
    time zones are not compared (no finding).
    """
    result = pd.Series(False, index=start.index)
    both = start.notna() & end.notna()
    if not both.any():
        return result
    s = _strip(start[both])
    e = _strip(end[both])
    simple = flag(s, lambda v: bool(_SIMPLE.match(v))) & flag(e, lambda v: bool(_SIMPLE.match(v)))
    starts, ends = s[simple].to_numpy(dtype=str), e[simple].to_numpy(dtype=str)
    width = np.minimum(np.char.str_len(starts), np.char.str_len(ends))
    later = np.zeros(len(starts), dtype=bool)
    for n in np.unique(width):
        rows = width == n
        later[rows] = starts[rows].astype(f"U{n}") > ends[rows].astype(f"U{n}")  # compare the first n characters
    result.loc[s.index[simple.to_numpy()]] = later
    return result


def _strip(series: pd.Series) -> pd.Series:
    """Values as stripped strings (each distinct value stripped once)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    return _by_value(series, lambda v: str(v).strip())


def sas_days(series: pd.Series) -> pd.Series:
    """Dates as SAS day numbers (days since 1960-01-01): numbers as they are, dates converted."""
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        values = stamps.to_numpy(dtype="datetime64[ns]")
        days = (values - _SAS_EPOCH).astype("timedelta64[ns]").astype("int64") / _DAY_NS
        return pd.Series(np.floor(days), index=series.index).where(series.notna())
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    converted = pd.to_datetime(series, errors="coerce")
    return sas_days(converted) if converted.notna().any() else pd.to_numeric(series, errors="coerce")


def is_date_like(series: pd.Series) -> bool:
    """True when a column stores dates as numbers or date/time objects (not as text)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = pd.Series(series.cat.categories)
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return True
    values = series.dropna()
    if values.empty:
        return True
    return bool(values.map(lambda v: isinstance(v, (dt.date, dt.datetime, pd.Timestamp))).all())
