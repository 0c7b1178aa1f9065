"""Analysis dates from ISO 8601 --DTC text, with imputation of partial dates and its flag.

Mirrors admiral ``derive_vars_dt()`` / ``compute_dt()`` / ``compute_tmf``: a partial date is
completed up to ``highest_imputation`` ("D": day only; "M": month and day; "n": none) with the
first, middle or last possible day (``date_imputation``), then bounded by ``min_dates`` /
``max_dates`` when the partial date's possible range contains them (so an AE start known only as
"2022-03" in the month of first dose is imputed to the first dose date, not before it). The flag
(--DTF, ADaMIG 1.3 section 3.1.4) is "D" when the day was imputed, "M" when month and day were,
and missing when nothing was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_LEVELS = {"n": 0, "D": 1, "M": 2}


def _parts(dtc: pd.Series) -> pd.DataFrame:
    text = dtc.astype(object).where(dtc.notna(), None)
    return text.str.extract(r"^(?P<y>\d{4})(?:-(?P<m>\d{2}))?(?:-(?P<d>\d{2}))?")


def compute_dt(
    dtc: pd.Series,
    *,
    highest_imputation: str = "n",
    date_imputation: str = "first",
    min_dates: pd.Series | None = None,
    max_dates: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Return ``(dates, flags)``: datetime64 dates (NaT if not derivable) and imputation flags.

    >>> dates, flags = compute_dt(pd.Series(["2022-03-15", "2022-03", "2022"]), highest_imputation="M")
    >>> [str(d.date()) for d in dates], flags.tolist()
    (['2022-03-15', '2022-03-01', '2022-01-01'], [None, 'D', 'M'])
    """
    if highest_imputation not in _LEVELS:
        raise ValueError(f"highest_imputation must be one of {sorted(_LEVELS)}, not {highest_imputation!r}")
    if date_imputation not in ("first", "mid", "last"):
        raise ValueError(f"date_imputation must be 'first', 'mid' or 'last', not {date_imputation!r}")
    parts = _parts(dtc)
    year = pd.to_numeric(parts["y"], errors="coerce")
    month = pd.to_numeric(parts["m"], errors="coerce")
    day = pd.to_numeric(parts["d"], errors="coerce")
    level = _LEVELS[highest_imputation]
    needs_day = year.notna() & month.notna() & day.isna()
    needs_month = year.notna() & month.isna()
    can = year.notna() & ((month.notna() & day.notna()) | (needs_day & (level >= 1)) | (needs_month & (level >= 2)))

    fill_month = {"first": 1, "mid": 6, "last": 12}[date_imputation]
    month_full = month.where(month.notna(), fill_month)
    start_of_month = pd.to_datetime(
        pd.DataFrame({"year": year.where(can, 2000), "month": month_full.where(can, 1), "day": 1}), errors="coerce"
    )
    last_day = start_of_month.dt.days_in_month
    fill_day = {"first": pd.Series(1, index=dtc.index), "mid": pd.Series(15, index=dtc.index), "last": last_day}[date_imputation]
    if date_imputation == "mid":
        fill_day = fill_day.where(month.notna(), 30)  # admiral: "mid" of an unknown month is 30 June
    day_full = day.where(day.notna(), fill_day)
    dates = start_of_month + pd.to_timedelta(day_full - 1, unit="D")
    dates = dates.where(can)

    flags = pd.Series(np.where(needs_month, "M", np.where(needs_day, "D", None)), index=dtc.index, dtype=object)
    flags = flags.where(can & (needs_day | needs_month), None)

    # bounds apply only when the partial date's possible range contains the bound
    range_start = pd.to_datetime(pd.DataFrame({"year": year.where(can, 2000), "month": month.fillna(1).where(can, 1), "day": 1}), errors="coerce")
    range_start = range_start.where(can)
    month_end = range_start + pd.to_timedelta(range_start.dt.days_in_month - 1, unit="D")
    year_end = pd.to_datetime(year.where(can, 2000).astype(int).astype(str) + "-12-31", errors="coerce")
    range_end = month_end.where(month.notna(), year_end).where(can)
    imputed = flags.notna()
    if min_dates is not None:
        bound = pd.to_datetime(min_dates)
        use = imputed & bound.notna() & (dates < bound) & (bound <= range_end)
        dates = dates.mask(use, bound)
    if max_dates is not None:
        bound = pd.to_datetime(max_dates)
        use = imputed & bound.notna() & (dates > bound) & (bound >= range_start)
        dates = dates.mask(use, bound)
    return dates, flags
