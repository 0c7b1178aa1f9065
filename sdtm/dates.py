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
declared for the site; undeclared slashed dates are invalid. Digits are ASCII digits; the year
is written with its four digits.

How: dates repeat (one visit date for many records), so each distinct raw value is read once.
Values already written as complete ISO dates or datetimes are checked in one vectorised step
(:func:`compute_complete_iso`); the others are read one distinct value at a time
(:func:`parse_dtc`).
"""

from __future__ import annotations

import calendar
import re

import numpy as np
import pandas as pd

MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
UNKNOWN_PARTS = frozenset({"UN", "UNK", "UK", "--"})
_UNKNOWN = r"UN|UNK|UK|--"
_ISO = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2}|" + _UNKNOWN + r")(?:-(?P<d>\d{2}|" + _UNKNOWN + r"))?)?"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$",
    re.ASCII,
)
_MON = re.compile(r"^(?P<d>\d{1,2}|" + _UNKNOWN + r")-(?P<m>[A-Z]{3}|" + _UNKNOWN + r")-(?P<y>\d{4})$", re.ASCII)
_SLASH = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})$", re.ASCII)
_COMPLETE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ISO_SHAPES = {
    "0000-00-00": "%Y-%m-%d", "0000-00-00T00:50": "%Y-%m-%dT%H:%M", "0000-00-00T00:50:50": "%Y-%m-%dT%H:%M:%S",
}
"""Complete ISO dates/datetimes as templates and their strptime formats: "0" stands for an ASCII
digit, "5" for a digit from 0 to 5 (strptime would take second 60)."""


def _part(text: str | None) -> int | None:
    """A date component as a number; None when absent or written as unknown (UN, UNK, UK, --)."""
    return None if text is None or text in UNKNOWN_PARTS else int(text)


def _assemble(year: int, month: int | None, day: int | None, hour: int | None = None, minute: int | None = None,
              second: int | None = None) -> tuple[str | None, bool]:
    """ISO 8601 text of date/time components (None = unknown) and whether they are impossible."""
    invalid = (month is not None and not 1 <= month <= 12) or (day is not None and day < 1)
    if not invalid and month is not None and day is not None:
        invalid = day > calendar.monthrange(year, month)[1]
    if hour is not None:
        invalid = invalid or hour > 23 or minute > 59 or (second or 0) > 59 or month is None or day is None
    if invalid:
        return None, True
    text = f"{year:04d}"
    if month is not None:
        text += f"-{month:02d}"
    if day is not None:
        text += f"-{day:02d}" if month is not None else f"---{day:02d}"
    if hour is not None:
        text += f"T{hour:02d}:{minute:02d}"
    if second is not None:
        text += f":{second:02d}"
    return text, False


def _normalise(value: object) -> str | None:
    """The text a raw value is read from: trimmed and upper case; None when blank."""
    text = value.strip().upper() if isinstance(value, str) else str(value)
    return text or None


def parse_dtc(text: str, slash_order: str | None) -> tuple[str | None, bool]:
    """One normalised raw date (see :func:`_normalise`) -> (ISO 8601 text or None, invalid).

    The rules of the module docstring, tried in order: ISO, DD-MON-YYYY, slashed.

    >>> parse_dtc("UN-MAR-2022", None), parse_dtc("2022-02-30", None)
    (('2022-03', False), (None, True))
    """
    if match := _ISO.search(text):
        parts = (_part(match[name]) for name in ("m", "d", "H", "M", "S"))
        return _assemble(int(match["y"]), *parts)
    if match := _MON.search(text):
        name = None if match["m"] in UNKNOWN_PARTS else match["m"]
        if name is not None and name not in MONTHS:
            return None, True
        return _assemble(int(match["y"]), MONTHS.get(name), _part(match["d"]))
    if match := _SLASH.search(text):
        if slash_order is None:
            return None, True
        first, second = int(match["a"]), int(match["b"])
        day, month = (first, second) if slash_order == "DMY" else (second, first)
        return _assemble(int(match["y"]), month, day)
    return None, True


def compute_complete_iso(texts: np.ndarray) -> np.ndarray:
    """Which normalised texts are complete, possible ISO dates or datetimes, vectorised.

    Those are their own ISO 8601 result (``2022-03-15``, ``2022-03-15T10:30``,
    ``2022-03-15T10:30:05``): the shape is checked on the characters, the calendar by
    ``pandas.to_datetime``. A value it rejects (also a date pandas cannot hold, e.g. year 1500)
    is not complete here and is read by :func:`parse_dtc`, which decides.
    """
    lengths = np.fromiter((len(t) if t is not None else 0 for t in texts), dtype=np.int64, count=len(texts))
    complete = np.zeros(len(texts), dtype=bool)
    for template, fmt in _ISO_SHAPES.items():
        rows = np.flatnonzero(lengths == len(template))
        if not len(rows):
            continue
        chars = np.array(texts[rows], dtype=f"<U{len(template)}").view(np.uint32).reshape(len(rows), len(template))
        shape = np.frombuffer(template.encode("utf-32-le"), dtype=np.uint32)
        digit = (shape == ord("0")) | (shape == ord("5"))
        highest = np.where(shape == ord("5"), ord("5"), ord("9"))
        shaped = np.where(digit, (chars >= ord("0")) & (chars <= highest), chars == shape).all(axis=1)
        candidates = rows[shaped]
        dates = pd.to_datetime(pd.Series(texts[candidates], dtype=object), format=fmt, errors="coerce")
        complete[candidates[dates.notna().to_numpy()]] = True
    return complete


def compute_slashed_iso(texts: np.ndarray, slash_order: str) -> np.ndarray:
    """ISO dates of the normalised texts that are possible slashed dates written with two-digit
    day and month (``15/03/2022``) in the site's order (``DMY``/``MDY``), vectorised; None for
    the others, which :func:`parse_dtc` reads and decides (one-digit parts, impossible dates).

    The same result as :func:`parse_dtc` for those texts: the characters are rearranged to
    ``YYYY-MM-DD`` and the calendar checked by ``pandas.to_datetime``.

    >>> compute_slashed_iso(np.array(["15/03/2022", "31/02/2022", "5/3/2022", None], dtype=object), "DMY").tolist()
    ['2022-03-15', None, None, None]
    """
    lengths = np.fromiter((len(t) if t is not None else 0 for t in texts), dtype=np.int64, count=len(texts))
    iso = np.full(len(texts), None, dtype=object)
    rows = np.flatnonzero(lengths == 10)
    if not len(rows):
        return iso
    chars = np.array(texts[rows], dtype="<U10").view(np.uint32).reshape(len(rows), 10)
    digit = np.array([c != "/" for c in "00/00/0000"])
    shaped = np.where(digit, (chars >= ord("0")) & (chars <= ord("9")), chars == ord("/")).all(axis=1)
    day, month = ((0, 1), (3, 4)) if slash_order == "DMY" else ((3, 4), (0, 1))
    rearranged = chars[shaped][:, [6, 7, 8, 9, 2, *month, 5, *day]]
    rearranged[:, [4, 7]] = ord("-")
    candidates = rows[shaped]
    text = rearranged.copy().view("<U10").ravel().astype(object)
    valid = pd.to_datetime(pd.Series(text, dtype=object), format="%Y-%m-%d", errors="coerce").notna().to_numpy()
    iso[candidates[valid]] = text[valid]
    return iso


def _compute_dtc_unique(values: np.ndarray, slash_order: str | None) -> tuple[np.ndarray, np.ndarray]:
    """ISO text (object) and invalid flags (bool) of distinct, non-missing raw values."""
    texts = np.fromiter(map(_normalise, values), dtype=object, count=len(values))
    blank = np.equal(texts, None)
    dtc = np.where(compute_complete_iso(texts), texts, None)
    if slash_order is not None:
        slashed = compute_slashed_iso(texts, slash_order)
        dtc = np.where(np.equal(slashed, None), dtc, slashed)
    invalid = np.zeros(len(texts), dtype=bool)
    rest = np.flatnonzero(pd.isna(dtc) & ~blank)
    for position, (text, bad) in zip(rest, (parse_dtc(texts[i], slash_order) for i in rest)):
        dtc[position], invalid[position] = text, bad
    return dtc, invalid


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
    codes, uniques = pd.factorize(values.astype(object, copy=False), use_na_sentinel=True)
    dtc, invalid = _compute_dtc_unique(np.asarray(uniques, dtype=object), slash_order)
    dtc = np.append(dtc, None).astype(object)  # position -1: missing raw value
    invalid = np.append(invalid, False)
    return pd.Series(dtc[codes], index=values.index, dtype=object), pd.Series(invalid[codes], index=values.index)


def dtc_date(dtc: pd.Series) -> pd.Series:
    """The calendar date of complete ISO dates/datetimes (``YYYY-MM-DD...``); NaT otherwise.

    Each distinct value is converted once.
    """
    codes, uniques = pd.factorize(dtc.astype(object, copy=False), use_na_sentinel=True)
    heads = [v[:10] if isinstance(v, str) and _COMPLETE_DATE.match(v) else None for v in uniques]
    dates = pd.to_datetime(pd.Series(heads + [None], dtype=object), format="%Y-%m-%d", errors="coerce")
    return pd.Series(dates.to_numpy()[codes], index=dtc.index, name=dtc.name)


def compute_dy(dtc: pd.Series, reference: pd.Series) -> pd.Series:
    """Study day of ``dtc`` relative to ``reference`` (both ISO text), SDTMIG 3.4 section 4.4.4.

    ``--DY = date - reference + 1`` on or after the reference date, ``date - reference`` before
    it: there is no day 0. Missing when either date is partial or missing.

    >>> compute_dy(pd.Series(["2022-03-15", "2022-03-14", "2022-03"]), pd.Series(["2022-03-15"] * 3)).tolist()
    [1, -1, <NA>]
    """
    return compute_dy_of_dates(dtc_date(dtc), dtc_date(reference))


def compute_dy_of_dates(dates: pd.Series, reference: pd.Series) -> pd.Series:
    """:func:`compute_dy` of calendar dates (datetime64; NaT when partial or missing), e.g. a
    subject's reference date looked up once per subject instead of read from text on every row.

    >>> compute_dy_of_dates(pd.Series(pd.to_datetime(["2022-03-15", None])), pd.Series(pd.to_datetime(["2022-03-14"] * 2))).tolist()
    [2, <NA>]
    """
    days = (dates - reference).dt.days
    return (days + (days >= 0).astype(int)).astype("Int64")


def map_subject_dates(usubjid: pd.Series, dm: pd.DataFrame, variable: str) -> pd.Series:
    """Each row's subject's DM ``variable`` (an ISO 8601 --DTC such as RFSTDTC) as a calendar date,
    NaT when partial, missing or the subject is not in DM: converted once per subject, not read
    from text on every row (:func:`dtc_date`).

    >>> dm = pd.DataFrame({"USUBJID": ["A", "B"], "RFSTDTC": ["2022-03-15", "2022-03"]})
    >>> map_subject_dates(pd.Series(["B", "A", "A", "C"]), dm, "RFSTDTC").dt.strftime("%Y-%m-%d").tolist()
    [nan, '2022-03-15', '2022-03-15', nan]
    """
    return usubjid.map(pd.Series(dtc_date(dm[variable]).to_numpy(), index=dm["USUBJID"].to_numpy()))
