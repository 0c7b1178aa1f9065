"""What the data say, for define.xml: lengths, decimals, and which records a where clause selects.

Shared by the writer (:mod:`specs.define.xml`) and the checks (:mod:`specs.define.check`), so
both measure the data the same way. Rules: Define-XML 2.1 ItemDef/@Length and
@SignificantDigits; FDA Study Data Technical Conformance Guide 4.1.2.1 (character lengths set to
the longest value present).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from specs.model import WhereCondition

NUMERIC_LENGTH = 8
"""define.xml Length of integer and float variables: the 8 bytes of an XPT numeric."""

LENGTH_TYPES = frozenset({"text", "integer", "float"})
"""Data types that carry a Length (Define-XML 2.1 ItemDef: Length applies to text, integer, float)."""


def data_length(series: pd.Series, data_type: str) -> int | None:
    """define.xml Length of a variable from its values (Define-XML 2.1 ItemDef/@Length).

    text: the longest value in UTF-8 bytes (1 when every value is missing, Length being a
    positive integer); integer/float: 8 (XPT numeric); other types (ISO 8601 dates as text):
    None, Length not given.
    """
    if data_type not in LENGTH_TYPES:
        return None
    if data_type != "text":
        return NUMERIC_LENGTH
    values = series[has_value(series)]
    if values.empty:
        return 1
    return max(1, int(values.astype(str).str.encode("utf-8").str.len().max()))


def has_value(series: pd.Series) -> pd.Series:
    """True where a value is present: not null and, for text, not blank (SAS reads a blank
    character value as missing, and pyreadstat returns it as '')."""
    present = series.notna()
    if series.dtype == object:
        present &= series.map(lambda v: not (isinstance(v, str) and not v.strip()))
    return present


def data_decimals(series: pd.Series) -> int:
    """Most decimal places of a float variable's values, read at 15 significant digits (the
    precision of an IEEE double as SAS prints it); 0 when every value is whole or missing.
    Used for ItemDef/@SignificantDigits when the spec leaves it blank."""
    values = pd.to_numeric(series, errors="coerce").dropna().unique()
    most = 0
    for value in values:
        exponent = Decimal(format(float(value), ".15g")).normalize().as_tuple().exponent
        if isinstance(exponent, int):
            most = max(most, -exponent)
    return most


def where_mask(data: pd.DataFrame, where: tuple[WhereCondition, ...]) -> pd.Series:
    """Rows where every condition holds (EQ/IN: value among the listed ones; NE/NOTIN: not).

    Values compare as text, or as numbers when the column is numeric. A condition on a column
    the data lack matches nothing.
    """
    mask = pd.Series(True, index=data.index)
    for condition in where:
        if condition.variable not in data.columns:
            return pd.Series(False, index=data.index)
        column = data[condition.variable]
        if pd.api.types.is_numeric_dtype(column):
            try:
                targets: list = [float(v) for v in condition.values]
            except ValueError:
                targets = []
            hit = column.isin(targets)
        else:
            hit = column.astype(object).where(column.notna(), None).map(
                lambda v: v if v is None or isinstance(v, str) else str(v)
            ).isin(list(condition.values))
        if condition.comparator in ("EQ", "IN"):
            mask &= hit
        elif condition.comparator in ("NE", "NOTIN"):
            mask &= ~hit
        else:
            raise ValueError(f"where_mask does not evaluate comparator {condition.comparator}")
    return mask
