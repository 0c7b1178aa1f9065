"""The declarative description of one output (table, listing or figure), rendered by separate engines.

An :class:`OutputSpec` holds everything a renderer needs and nothing it has to compute: the
titles and footnotes already filled from their templates, the body as a frame of formatted
strings, the column headers, widths and alignment, and the page furniture (study id, data
cut-off, source datasets and program). The same spec renders to RTF (:mod:`tlf.render.rtf`),
to the HTML review page (:mod:`tlf.render.html`) and to the PDF bundle (:mod:`tlf.render.pdf`).
This follows rtflite's split of a declarative document from its encoder.

Example
-------
>>> import pandas as pd
>>> spec = OutputSpec(
...     output_id="T-14.1.1", kind="table", title=("Demographics",),
...     body=pd.DataFrame({"Characteristic": ["Age, median (range)"], "All (N=46)": ["61 (34-79)"]}),
...     study_id="ALTER-E-003", cutoff="2023-12-31",
... )
>>> spec.label, spec.orientation, spec.col_align
('Table 14.1.1', 'portrait', ('l', 'c'))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
from PIL import Image

Kind = Literal["table", "listing", "figure"]
Orientation = Literal["portrait", "landscape"]
Align = Literal["l", "c", "r"]

NO_DATA = "No data to report"
"""Printed in the first column when a table or listing has no rows."""

KIND_LABELS = {"table": "Table", "listing": "Listing", "figure": "Figure"}

# Auto orientation: landscape when the columns' natural widths add up to more characters than
# fit across a portrait page at 9 pt (6.5 in of text at ~0.065 in per character), or when a
# table has more than seven columns.
PORTRAIT_MAX_CHARS = 95
PORTRAIT_MAX_COLUMNS = 7


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a column-header row; ``span`` > 1 makes a spanning header over that many columns."""

    text: str
    span: int = 1

    def __post_init__(self) -> None:
        if self.span < 1:
            raise ValueError(f"header cell {self.text!r}: span must be >= 1, got {self.span}")


HeaderRow = tuple[HeaderCell, ...]


def _header_row(row: Sequence[HeaderCell | str | tuple[str, int]]) -> HeaderRow:
    cells = []
    for cell in row:
        if isinstance(cell, HeaderCell):
            cells.append(cell)
        elif isinstance(cell, str):
            cells.append(HeaderCell(cell))
        else:
            text, span = cell
            cells.append(HeaderCell(str(text), int(span)))
    return tuple(cells)


def _cell_text(value: object, output_id: str, column: str) -> str:
    if isinstance(value, str):
        return value
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    raise TypeError(
        f"{output_id}: body column {column!r} holds {type(value).__name__} {value!r}; "
        "the body must be formatted strings (format numbers in the table builder)"
    )


def _natural_widths(body: pd.DataFrame, headers: tuple[HeaderRow, ...], columns: list[str]) -> tuple[float, ...]:
    """Relative widths from content: the longest header word or the 95th percentile cell length, 4-40 chars."""
    last = headers[-1] if headers else tuple(HeaderCell(c) for c in columns)
    widths = []
    for i, column in enumerate(columns):
        lengths = body[column].str.len() if len(body) else pd.Series([0])
        cell = float(lengths.quantile(0.95)) if len(lengths) else 0.0
        word = max((len(w) for w in last[i].text.split()), default=0) if i < len(last) else 0
        widths.append(float(min(40.0, max(4.0, cell, word + 1.0))))
    return tuple(widths)


@dataclass(frozen=True, eq=False)
class OutputSpec:
    """One table, listing or figure, ready to render.

    Parameters
    ----------
    output_id : str
        Catalogue id, e.g. ``"T-14.2.1"``, ``"L-16.2.7"``, ``"F-14.2.3"``.
    kind : {"table", "listing", "figure"}
    title : sequence of str
        Title lines (already filled from their templates), printed under the output label.
    subtitle : str, optional
        Printed after the title lines.
    population : str, optional
        Analysis-set label, e.g. ``"Efficacy set (N=46)"``; printed last in the title block.
    body : pandas.DataFrame, optional
        Formatted strings, one column per displayed column (plus ``page_by`` if set). Missing
        values (None/NaN) print as empty cells; any other non-string is a ``TypeError``.
        Required for tables and listings, absent for figures.
    column_headers : sequence of header rows, optional
        Each row a sequence of :class:`HeaderCell`, plain strings (span 1) or ``(text, span)``
        pairs; spans in each row add up to the number of displayed columns. The last row is the
        column labels; an earlier row may span. Default: one row of the body's column names.
    col_widths : sequence of float, optional
        Relative widths of the displayed columns. Default: from content length.
    col_align : sequence of {"l", "c", "r"}, optional
        Alignment per displayed column. Default: first column left, the rest centred for a
        table; all left for a listing.
    page_by : str, optional
        Body column whose value heads each group as a full-width row (not a displayed column).
    new_page : bool
        With ``page_by``: start each group on a new page.
    group_by : sequence of str
        Displayed columns whose repeated values are blanked after their first row in a group.
    footnotes : sequence of str
    source_datasets : sequence of str
        ADaM datasets the output reads, for the source line.
    program : str
        ``module:function`` that built the output, for the source line.
    study_id, cutoff : str
        Study identifier and data cut-off date (a ``date`` is written as ISO 8601).
    orientation : {"portrait", "landscape"}, optional
        Default: landscape when the columns are too wide for portrait (figures: landscape).
    figure_png, figure_svg : path, optional
        The rendered figure: PNG embedded in RTF and PDF, SVG shown in HTML (PNG if no SVG).
    rows_per_page : int, optional
        Override of the RTF pagination (body lines per page); default from page geometry.
    """

    output_id: str
    kind: Kind
    title: tuple[str, ...]
    study_id: str
    cutoff: str
    subtitle: str | None = None
    population: str | None = None
    body: pd.DataFrame | None = None
    column_headers: tuple[HeaderRow, ...] = ()
    col_widths: tuple[float, ...] = ()
    col_align: tuple[Align, ...] = ()
    page_by: str | None = None
    new_page: bool = False
    group_by: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()
    source_datasets: tuple[str, ...] = ()
    program: str | None = None
    orientation: Orientation | None = None
    figure_png: Path | None = None
    figure_svg: Path | None = None
    rows_per_page: int | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        oid = self.output_id
        if self.kind not in KIND_LABELS:
            raise ValueError(f"{oid}: kind must be one of {sorted(KIND_LABELS)}, got {self.kind!r}")
        put(self, "title", tuple(self.title) if not isinstance(self.title, str) else (self.title,))
        put(self, "footnotes", tuple(self.footnotes))
        put(self, "source_datasets", tuple(self.source_datasets))
        put(self, "group_by", tuple(self.group_by))
        if isinstance(self.cutoff, dt.date):
            put(self, "cutoff", self.cutoff.isoformat())
        if self.kind == "figure":
            self._check_figure()
        else:
            self._check_table()

    # -- validation -------------------------------------------------------------------------
    def _check_figure(self) -> None:
        oid = self.output_id
        if self.figure_png is None and self.figure_svg is None:
            raise ValueError(f"{oid}: a figure needs figure_png and/or figure_svg")
        for name in ("figure_png", "figure_svg"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value))
        if self.orientation is None:
            object.__setattr__(self, "orientation", "landscape")

    def _check_table(self) -> None:
        put = object.__setattr__
        oid = self.output_id
        if self.body is None:
            raise ValueError(f"{oid}: a {self.kind} needs a body")
        body = self.body.copy()
        body.columns = [str(c) for c in body.columns]
        for column in body.columns:
            body[column] = [_cell_text(v, oid, column) for v in body[column]]
        body = body.astype(object).reset_index(drop=True)
        put(self, "body", body)
        if self.page_by is not None and self.page_by not in body.columns:
            raise ValueError(f"{oid}: page_by column {self.page_by!r} is not in the body")
        if self.new_page and self.page_by is None:
            raise ValueError(f"{oid}: new_page needs page_by")
        columns = self.display_columns
        for name in self.group_by:
            if name not in columns:
                raise ValueError(f"{oid}: group_by column {name!r} is not a displayed column")
        ncol = len(columns)
        headers = tuple(_header_row(row) for row in self.column_headers) or ((tuple(HeaderCell(c) for c in columns)),)
        for i, row in enumerate(headers):
            spans = sum(cell.span for cell in row)
            if spans != ncol:
                raise ValueError(f"{oid}: column header row {i + 1} spans {spans} columns, the body shows {ncol}")
        if any(cell.span != 1 for cell in headers[-1]):
            raise ValueError(f"{oid}: the last column header row labels single columns (no spans)")
        put(self, "column_headers", headers)
        natural = _natural_widths(body, headers, columns)
        widths = tuple(float(w) for w in self.col_widths) or natural
        if len(widths) != ncol or any(w <= 0 for w in widths):
            raise ValueError(f"{oid}: col_widths needs {ncol} positive numbers, got {list(widths)}")
        put(self, "col_widths", widths)
        default_align = ("l",) * ncol if self.kind == "listing" else ("l",) + ("c",) * (ncol - 1)
        align = tuple(self.col_align) or default_align
        if len(align) != ncol or any(a not in ("l", "c", "r") for a in align):
            raise ValueError(f"{oid}: col_align needs {ncol} of 'l', 'c', 'r', got {list(align)}")
        put(self, "col_align", align)
        if self.orientation is None:
            wide = sum(natural) > PORTRAIT_MAX_CHARS or ncol > PORTRAIT_MAX_COLUMNS
            put(self, "orientation", "landscape" if wide else "portrait")
        if self.orientation not in ("portrait", "landscape"):
            raise ValueError(f"{oid}: orientation must be portrait or landscape, got {self.orientation!r}")

    # -- derived ----------------------------------------------------------------------------
    @property
    def display_columns(self) -> list[str]:
        """Body columns shown as table columns (all but ``page_by``)."""
        if self.body is None:
            return []
        return [c for c in self.body.columns if c != self.page_by]

    @property
    def label(self) -> str:
        """``"Table 14.2.1"`` from id ``"T-14.2.1"``; otherwise kind label and id."""
        match = re.fullmatch(r"[TLF]-(.+)", self.output_id)
        number = match.group(1) if match else self.output_id
        return f"{KIND_LABELS[self.kind]} {number}"

    @property
    def title_block(self) -> tuple[str, ...]:
        """Lines above the body: label, title lines, subtitle, population."""
        lines = [self.label, *self.title]
        lines += [text for text in (self.subtitle, self.population) if text]
        return tuple(lines)

    @property
    def source_line(self) -> str:
        """``"Source: ADSL, ADRS. Program: tlf.tables.response:build_response_table"``."""
        parts = []
        if self.source_datasets:
            parts.append("Source: " + ", ".join(self.source_datasets) + ".")
        if self.program:
            parts.append(f"Program: {self.program}")
        return " ".join(parts)

    @property
    def study_line(self) -> str:
        """``"ALTER-E-003 | Data cut-off: 2023-12-31"``."""
        return f"{self.study_id} | Data cut-off: {self.cutoff}"

    def display_body(self) -> pd.DataFrame:
        """The body as displayed: ``group_by`` repeats blanked within each ``page_by`` group.

        A value is blanked when it and every ``group_by`` column before it equal the row above
        (and the ``page_by`` value is unchanged), as r2rtf's ``group_by`` does.
        """
        body = self.body.copy()
        if not self.group_by:
            return body
        same = pd.Series(True, index=body.index)
        if self.page_by:
            same &= body[self.page_by].eq(body[self.page_by].shift())
        original = self.body
        for column in self.group_by:
            same &= original[column].eq(original[column].shift())
            body.loc[same, column] = ""
        return body


def figure_size(png: Path, max_width: float, max_height: float) -> tuple[float, float]:
    """Width and height in inches that fit ``png`` in the box, keeping its aspect ratio (RTF and PDF alike)."""
    with Image.open(png) as image:
        ratio = image.height / image.width
    width = min(max_width, max_height / ratio)
    return round(width, 3), round(width * ratio, 3)
