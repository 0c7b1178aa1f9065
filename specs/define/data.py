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
from specs.values import TextColumn, compute_blank, text_column

NUMERIC_LENGTH = 8
"""define.xml Length of integer and float variables: the 8 bytes of an XPT numeric."""

LENGTH_TYPES = frozenset({"text", "integer", "float"})
"""Data types that carry a Length (Define-XML 2.1 ItemDef: Length applies to text, integer, float)."""


def data_length(series: pd.Series, data_type: str, column: TextColumn | None = None) -> int | None:
    """define.xml Length of a variable from its values (Define-XML 2.1 ItemDef/@Length).

    text: the longest value in UTF-8 bytes (1 when every value is missing, Length being a
    positive integer); integer/float: 8 (XPT numeric); other types (ISO 8601 dates as text):
    None, Length not given. ``column``: the series already factorized
    (:func:`specs.values.text_column`), to reuse.
    """
    if data_type not in LENGTH_TYPES:
        return None
    if data_type != "text":
        return NUMERIC_LENGTH
    column = column or text_column(series)
    if column is not None:
        lengths = column.byte_length[~column.blank]
        return max(1, int(lengths.max())) if len(lengths) else 1
    values = series[has_value(series)]
    if values.empty:
        return 1
    return max(1, int(values.astype(str).str.encode("utf-8").str.len().max()))


def has_value(series: pd.Series, column: TextColumn | None = None) -> pd.Series:
    """True where a value is present: not null and, for text, not blank (SAS reads a blank
    character value as missing, and pyreadstat returns it as ''). ``column``: the series
    already factorized (:func:`specs.values.text_column`), to reuse."""
    return pd.Series(~compute_blank(series, column), index=series.index)


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


def _text_in(column: pd.Series, values: tuple[str, ...]) -> pd.Series:
    """True where a value's text (``str(value)``) is one of ``values``; never where missing."""
    factorized = text_column(column)
    if factorized is not None:
        return pd.Series(factorized.is_in(frozenset(values)), index=column.index)
    return column.astype(object).where(column.notna(), None).map(
        lambda v: v if v is None or isinstance(v, str) else str(v)
    ).isin(list(values))


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
            hit = _text_in(column, condition.values)
        if condition.comparator in ("EQ", "IN"):
            mask &= hit
        elif condition.comparator in ("NE", "NOTIN"):
            mask &= ~hit
        else:
            raise ValueError(f"where_mask does not evaluate comparator {condition.comparator}")
    return mask
