"""The long results dataset: every number of every output, with the subjects behind it.

Each table and figure builder returns its numbers as rows of a small frame (one row per
statistic) alongside its formatted body or its figure; :func:`tlf.build.build_tlfs` stacks them
under their output ids into one dataset written next to the TLFs (``results.csv``), which the
publication concordance (:mod:`tlf.concordance`) reads. The layout follows the analysis
results data of CDISC ARS and of pharmaverse ``cards`` (group, variable, level, statistic):

============  ==============================================================================
OUTPUT_ID     catalogue id of the output that shows the number (``T-14.2.1``)
GROUP         by-group, ``VAR=value`` (``SIGGR1=Signature positive``); empty for all subjects
VARIABLE      what is analysed: an ADaM parameter or variable (``CBOR``, ``CRSP``, ``PFS``, ``AGE``)
LEVEL         the category of the variable counted (``CR``, ``Y``, ``Grade >=3``); may be empty
STATISTIC     ``N`` (analysis set), ``n``, ``pct``, ``lcl_pct``/``ucl_pct`` (CI of a rate in %),
              ``median``, ``lcl``/``ucl``, ``min``/``max`` (unit in the name when not plain:
              ``median_months``), ``p_value``, ``hr`` ...
VALUE         the number, unrounded (float); empty when not estimable or not numeric
VALUEC        text value where the statistic is not a number (a date, an identifier)
N_SUBJECTS    how many subjects are listed in USUBJIDS
USUBJIDS      the subjects behind the number, space-separated, sorted: for ``n`` and ``pct``
              the subjects counted (the numerator); for ``N`` the analysis set; for estimates
              and tests (CIs of rates, medians, landmark rates, P-values) the subjects whose
              data enter the estimate
============  ==============================================================================

Example
-------
>>> rows = StatRows()
>>> _ = rows.add("CRSP", "n", 2, subjects=["S2", "S1"], level="Y")
>>> rows.frame()[["VARIABLE", "LEVEL", "STATISTIC", "VALUE", "USUBJIDS"]].to_dict("records")
[{'VARIABLE': 'CRSP', 'LEVEL': 'Y', 'STATISTIC': 'n', 'VALUE': 2.0, 'USUBJIDS': 'S1 S2'}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = ["OUTPUT_ID", "GROUP", "VARIABLE", "LEVEL", "STATISTIC", "VALUE", "VALUEC", "N_SUBJECTS", "USUBJIDS"]
"""Columns of the results dataset, in order."""
KEY = ["OUTPUT_ID", "GROUP", "VARIABLE", "LEVEL", "STATISTIC"]
"""A results row is unique by these columns."""


def _subjects(subjects: Iterable[str] | None) -> tuple[str, ...]:
    if subjects is None:
        return ()
    values = subjects.tolist() if hasattr(subjects, "tolist") else list(subjects)
    return tuple(sorted({str(v) for v in values if isinstance(v, str) or not pd.isna(v)}))


class StatRows:
    """Collects the statistics of one output; :meth:`frame` returns them as results rows."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []

    def add(
        self,
        variable: str,
        statistic: str,
        value: float | None,
        *,
        subjects: Iterable[str] | None = None,
        level: str = "",
        group: str = "",
        text: str | None = None,
    ) -> float:
        """Record one statistic and return its value as a float (``nan`` when missing).

        Parameters
        ----------
        variable, statistic : str
            See the module table.
        value : number or None
            Unrounded; None or NaN when not estimable.
        subjects : iterable of str, optional
            USUBJIDs behind the number (duplicates dropped, sorted).
        level, group : str
            Category of the variable, and the by-group as ``VAR=value``.
        text : str, optional
            VALUEC, for statistics that are not numbers.
        """
        number = np.nan if value is None else float(value)
        ids = _subjects(subjects)
        self._rows.append(
            {
                "GROUP": group,
                "VARIABLE": variable,
                "LEVEL": level,
                "STATISTIC": statistic,
                "VALUE": number,
                "VALUEC": text,
                "N_SUBJECTS": len(ids),
                "USUBJIDS": " ".join(ids),
            }
        )
        return number

    def extend(self, other: StatRows) -> None:
        """Append the rows of another collector."""
        self._rows += other._rows

    def frame(self) -> pd.DataFrame:
        """The rows as a frame with every results column except OUTPUT_ID."""
        return pd.DataFrame(self._rows, columns=COLUMNS[1:])


@dataclass
class BuiltOutput:
    """What a table, listing or figure builder returns.

    Attributes
    ----------
    stats : pandas.DataFrame
        Its numbers as results rows (:meth:`StatRows.frame`), without OUTPUT_ID.
    context : dict
        Values for the catalogue templates of the output (``n`` ...).
    body : pandas.DataFrame, optional
        Formatted strings (tables and listings).
    figure : matplotlib.figure.Figure, optional
        The drawn figure (figures), saved and closed by the build.
    layout : dict
        Layout overrides for :func:`tlf.catalogue.create_output_spec` (``page_by`` ...).
    """

    stats: pd.DataFrame
    context: dict[str, object] = field(default_factory=dict)
    body: pd.DataFrame | None = None
    figure: Any = None
    layout: dict[str, object] = field(default_factory=dict)


def create_results(stats: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack the statistics of many outputs into the results dataset.

    Parameters
    ----------
    stats : mapping of output id to frame
        Each frame as returned by :meth:`StatRows.frame`; in output order.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, outputs in the mapping's order, rows in each builder's order.

    Raises
    ------
    ValueError
        When two rows share the :data:`KEY` (a builder named two numbers alike).
    """
    frames = [frame.assign(OUTPUT_ID=oid) for oid, frame in stats.items() if len(frame)]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    results = pd.concat(frames, ignore_index=True)[COLUMNS]
    duplicated = results.duplicated(KEY, keep=False)
    if duplicated.any():
        first = results.loc[duplicated, KEY].iloc[0].to_dict()
        raise ValueError(f"results rows are not unique by {KEY}: {first}")
    return results


def write_results(results: pd.DataFrame, path: str | Path) -> Path:
    """Write the results dataset as UTF-8 CSV (values unrounded, ``repr`` precision); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    results.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
    return path


def lookup(
    results: pd.DataFrame,
    *,
    variable: str,
    statistic: str,
    level: str = "",
    group: str = "",
) -> pd.Series | None:
    """The first results row with these keys (outputs in catalogue order), or None."""
    hit = results[
        (results["VARIABLE"] == variable)
        & (results["STATISTIC"] == statistic)
        & (results["LEVEL"].fillna("") == level)
        & (results["GROUP"].fillna("") == group)
    ]
    return None if hit.empty else hit.iloc[0]
