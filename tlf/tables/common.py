"""Helpers shared by the table, figure and listing builders: settings, populations, dates, formats.

Formatting conventions of every output (they are also the publication's):

* percentages with 1 decimal, ``n (%)`` as ``"26 (56.5)"``;
* months (= days / ``days_per_month``) with 2 decimals;
* rounding half away from zero on the decimal value (SAS ``ROUND``), not Python's banker's
  rounding of the binary float: 0.125 -> 0.13;
* a value that cannot be estimated (a median not reached, a CI limit not reached) prints "NE".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

NOT_ESTIMABLE = "NE"
SAS_EPOCH = pd.Timestamp("1960-01-01")


@dataclass(frozen=True)
class Settings:
    """Options every builder takes: the analysis set and the study's analysis conventions.

    Attributes
    ----------
    population : str, optional
        ADSL flag of the analysis set (records with flag ``"Y"``); None for all ADSL records.
    ci_level : float
        Confidence level of every interval (study.yaml ``analysis.ci_level``).
    days_per_month : float
        Days per month for display (study.yaml ``analysis.days_per_month``).
    landmark_months : tuple of int
        Landmark times of survival rates (study.yaml ``analysis.landmark_months``).
    top_genes : int
        Genes shown in the oncoprint.
    """

    population: str | None = None
    ci_level: float = 0.95
    days_per_month: float = 30.4375
    landmark_months: tuple[int, ...] = (6, 12, 18, 24)
    top_genes: int = 15

    @classmethod
    def from_study(cls, study: object, *, population: str | None = None) -> Settings:
        """Settings from a :class:`specs.model.Study` (its ``analysis`` block)."""
        analysis = study.analysis
        return cls(
            population=population,
            ci_level=float(analysis.ci_level),
            days_per_month=float(analysis.days_per_month),
            landmark_months=tuple(int(m) for m in analysis.landmark_months),
        )

    @property
    def ci_pct(self) -> str:
        """The confidence level as printed: ``"95"``."""
        return f"{100 * self.ci_level:g}"


class MissingInputError(LookupError):
    """An output's input is not available (a dataset or variable the ADaM run did not produce).

    The build skips the output and reports it; it is not a programming error.
    """


def require_columns(frame: pd.DataFrame, dataset: str, columns: Sequence[str]) -> None:
    """Raise :class:`MissingInputError` naming the variables of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingInputError(f"{dataset} has no {', '.join(missing)}")


def select_population(adsl: pd.DataFrame, flag: str | None) -> pd.DataFrame:
    """ADSL records of the analysis set: ``flag == "Y"`` (all records when ``flag`` is None).

    Raises
    ------
    MissingInputError
        When ADSL has no such flag variable.
    """
    if flag is None:
        return adsl
    require_columns(adsl, "ADSL", [flag])
    return adsl[adsl[flag] == "Y"]


def as_datetime(values: pd.Series) -> pd.Series:
    """Dates as ``datetime64``: accepts datetimes, ``datetime.date`` objects, ISO text, or SAS dates.

    A numeric column is read as a SAS date (days since 1960-01-01), as XPT stores ADaM dates
    when the reader does not convert them.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(values):
        return SAS_EPOCH + pd.to_timedelta(values, unit="D")
    return pd.to_datetime(values.map(lambda v: v.isoformat() if isinstance(v, dt.date) else v), errors="coerce")


def round_half_up(value: float, places: int) -> Decimal:
    """``value`` rounded half away from zero at ``places`` decimals, on its shortest decimal repr."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt_number(value: float | None, places: int) -> str:
    """A number with ``places`` decimals, "NE" when missing or infinite."""
    if value is None or not np.isfinite(value):
        return NOT_ESTIMABLE
    return str(round_half_up(value, places))


def fmt_n_pct(n: int, total: int) -> str:
    """``"26 (56.5)"``; ``"0"`` when n is 0; ``"n (-)"`` when the denominator is 0."""
    if n == 0:
        return "0"
    if total == 0:
        return f"{n} (-)"
    return f"{n} ({fmt_number(100 * n / total, 1)})"


def fmt_ci(lower: float, upper: float, places: int) -> str:
    """``"(41.1, 71.1)"``; a limit not estimable prints "NE"."""
    return f"({fmt_number(lower, places)}, {fmt_number(upper, places)})"


def fmt_median_range(values: Sequence[float], places: int) -> str:
    """``"3.02 (1.31-9.86)"``, or "-" when there are no values."""
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return "-"
    median = fmt_number(float(np.median(data)), places)
    return f"{median} ({fmt_number(data.min(), places)}-{fmt_number(data.max(), places)})"


def yes(values: pd.Series) -> pd.Series:
    """True where an NY flag is ``"Y"``."""
    return values.astype(object).eq("Y")


def body_frame(rows: list[dict[str, str]], columns: Sequence[str]) -> pd.DataFrame:
    """A table body from row dicts, with exactly ``columns`` in order (missing cells empty)."""
    return pd.DataFrame(rows, columns=list(columns)).fillna("")
