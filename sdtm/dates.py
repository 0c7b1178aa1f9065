"""Raw dates -> ISO 8601 --DTC text, and study days, vectorised.

Raw EDC exports write dates several ways. :func:`compute_dtc` accepts, per value:

| raw form                          | example              | ISO 8601 result     |
|-----------------------------------|----------------------|---------------------|
| ISO date / datetime, full/partial | 2022-03-15T10:30     | 2022-03-15T10:30    |
| ISO with unknown parts            | 2022-03-UN, 2022-UNK | 2022-03, 2022       |
| DD-MON-YYYY, UN/UNK for unknown   | UN-MAR-2022          | 2022-03             |
| slashed, order declared per site  | 15/03/2022 (DMY)     | 2022-03-15          |

Partial dates stay partial (SDTMIG 3.4 section 4.4.2: missing components are omitted from the
right; a missing middle component is written as a hyphen, e.g. ``2022---15``). Impossible dates
(``2022-02-30``), unknown month names and unrecognised text are returned as invalid, never
guessed. Slashed dates are ambiguous (03/04/2022), so their order (``DMY``/``MDY``) must be
declared for the site; undeclared slashed dates are invalid.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
_UNKNOWN = r"UN|UNK|UK|--"
_ISO = (
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2}|" + _UNKNOWN + r")(?:-(?P<d>\d{2}|" + _UNKNOWN + r"))?)?"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_MON = r"^(?P<d>\d{1,2}|" + _UNKNOWN + r")-(?P<m>[A-Z]{3}|" + _UNKNOWN + r")-(?P<y>\d{4})$"
_SLASH = r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})$"


def _known(part: pd.Series) -> pd.Series:
    return part.notna() & ~part.isin(["UN", "UNK", "UK", "--"])


def _assemble(y: pd.Series, m: pd.Series, d: pd.Series, H: pd.Series, M: pd.Series, S: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Build ISO text from numeric parts (NaN = unknown); also return the invalid mask."""
    has_m, has_d = m.notna(), d.notna()
    invalid = (has_m & ((m < 1) | (m > 12))) | (has_d & (d < 1))
    full = has_m & has_d & ~invalid
    if full.any():
        years = y[full].astype(int).to_numpy()
        months = m[full].astype(int).to_numpy()
        days_in_month = np.array([calendar.monthrange(a, b)[1] for a, b in zip(years, months)])
        invalid.loc[full] = d[full].to_numpy() > days_in_month
    has_time = H.notna()
    invalid |= has_time & ((H > 23) | (M > 59) | (S.fillna(0) > 59) | ~(has_m & has_d))
    text = y.astype("Int64").astype(str)
    text = text.where(~has_m, text + "-" + m.astype("Int64").astype(str).str.zfill(2))
    text = text.where(~(has_d & has_m), text + "-" + d.astype("Int64").astype(str).str.zfill(2))
    text = text.where(~(has_d & ~has_m), text + "---" + d.astype("Int64").astype(str).str.zfill(2))
    hours = "T" + H.astype("Int64").astype(str).str.zfill(2) + ":" + M.astype("Int64").astype(str).str.zfill(2)
    text = text.where(~has_time, text + hours)
    text = text.where(~S.notna(), text + ":" + S.astype("Int64").astype(str).str.zfill(2))
    return text, invalid.astype(bool)


def _numeric(part: pd.Series) -> pd.Series:
    return pd.to_numeric(part.where(_known(part)), errors="coerce")


def compute_dtc(values: pd.Series, *, slash_order: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Convert raw date text to ISO 8601; return ``(dtc, invalid)`` aligned with ``values``.

    ``dtc`` is None where the raw value is blank or invalid; ``invalid`` is True where a
    non-blank value could not be read (the caller reports those as data issues).
    ``slash_order`` is ``"DMY"`` or ``"MDY"`` for sites that write ``dd/mm/yyyy`` or
    ``mm/dd/yyyy``; None means slashed dates are not expected (invalid).

    >>> compute_dtc(pd.Series(["UN-MAR-2022", "15/03/2022", "2022-02-30", ""]), slash_order="DMY")[0].tolist()
    ['2022-03', '2022-03-15', None, None]
    """
    if slash_order not in (None, "DMY", "MDY"):
        raise ValueError(f"slash_order must be 'DMY', 'MDY' or None, not {slash_order!r}")
    # parse each distinct raw value once (dates repeat a lot: one visit date per many records)
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    if len(uniques) < len(values):
        dtc_u, invalid_u = _compute_dtc_unique(pd.Series(uniques, dtype=object), slash_order)
        known = codes >= 0
        taken = np.where(known, codes, 0)
        parsed = dtc_u.to_numpy(dtype=object)[taken] if len(uniques) else np.full(len(values), None, dtype=object)
        flags = invalid_u.to_numpy(dtype=bool)[taken] if len(uniques) else np.zeros(len(values), dtype=bool)
        dtc = pd.Series(np.where(known, parsed, None), index=values.index, dtype=object)
        invalid = pd.Series(known & flags, index=values.index)
        return dtc, invalid
    return _compute_dtc_unique(values, slash_order)


def _compute_dtc_unique(values: pd.Series, slash_order: str | None) -> tuple[pd.Series, pd.Series]:
    """:func:`compute_dtc` on values that are (mostly) distinct."""
    text = values.astype(object).where(values.notna(), None).map(lambda v: v.strip().upper() if isinstance(v, str) else v)
    text = text.map(lambda v: None if v is None or v == "" else str(v))
    blank = text.isna()
    dtc = pd.Series([None] * len(text), index=text.index, dtype=object)
    parsed = pd.Series(False, index=text.index)
    invalid = pd.Series(False, index=text.index)

    iso = text.str.extract(_ISO)
    hit = iso["y"].notna()
    if hit.any():
        rows = iso[hit]
        month_unknown = ~_known(rows["m"])
        day = _numeric(rows["d"]).where(~month_unknown | _known(rows["d"]))
        out, bad = _assemble(_numeric(rows["y"]), _numeric(rows["m"]), day, _numeric(rows["H"]), _numeric(rows["M"]), _numeric(rows["S"]))
        dtc[hit] = out.where(~bad, None).to_numpy(dtype=object)
        invalid[hit] = bad.to_numpy(dtype=bool)
        parsed |= hit

    mon = text.where(~parsed).str.extract(_MON)
    hit = mon["y"].notna()
    if hit.any():
        rows = mon[hit]
        month_name = rows["m"].where(_known(rows["m"]))
        month = month_name.map(MONTHS)
        bad_name = month_name.notna() & month.isna()
        nan = pd.Series(np.nan, index=rows.index)
        out, bad = _assemble(_numeric(rows["y"]), month.astype(float), _numeric(rows["d"]), nan, nan, nan)
        bad |= bad_name
        dtc[hit] = out.where(~bad, None).to_numpy(dtype=object)
        invalid[hit] = bad.to_numpy(dtype=bool)
        parsed |= hit

    slash = text.where(~parsed).str.extract(_SLASH)
    hit = slash["y"].notna()
    if hit.any():
        rows = slash[hit]
        if slash_order is None:
            invalid[hit] = True
        else:
            first, second = pd.to_numeric(rows["a"]), pd.to_numeric(rows["b"])
            day, month = (first, second) if slash_order == "DMY" else (second, first)
            nan = pd.Series(np.nan, index=rows.index)
            out, bad = _assemble(pd.to_numeric(rows["y"]), month.astype(float), day.astype(float), nan, nan, nan)
            dtc[hit] = out.where(~bad, None).to_numpy(dtype=object)
            invalid[hit] = bad.to_numpy(dtype=bool)
        parsed |= hit

    invalid |= ~parsed & ~blank
    return dtc, invalid


def dtc_date(dtc: pd.Series) -> pd.Series:
    """The calendar date of complete ISO dates/datetimes (``YYYY-MM-DD...``); NaT otherwise."""
    text = dtc.astype(object).where(dtc.notna(), None)
    complete = text.str.match(r"^\d{4}-\d{2}-\d{2}", na=False).astype(bool)
    return pd.to_datetime(text.where(complete).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")


def compute_dy(dtc: pd.Series, reference: pd.Series) -> pd.Series:
    """Study day of ``dtc`` relative to ``reference`` (both ISO text), SDTMIG 3.4 section 4.4.4.

    ``--DY = date - reference + 1`` on or after the reference date, ``date - reference`` before
    it: there is no day 0. Missing when either date is partial or missing.

    >>> compute_dy(pd.Series(["2022-03-15", "2022-03-14", "2022-03"]), pd.Series(["2022-03-15"] * 3)).tolist()
    [1, -1, <NA>]
    """
    days = (dtc_date(dtc) - dtc_date(reference)).dt.days
    return (days + (days >= 0).astype(int)).astype("Int64")
