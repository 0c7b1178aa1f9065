r"""Render an :class:`~tlf.render.spec.OutputSpec` to RTF with rtflite, and assemble many into one file.

rtflite (the Python port of r2rtf) does the layout: page size and orientation, the title
block, the column headers repeated at the top of every page, pagination, ``page_by`` group
rows and ``group_by`` value suppression, footnotes on every page, the page header and footer,
and PNG embedding for figures. This module only maps the spec onto rtflite's components.

What is not left to rtflite, and why:

* **Escaping.** rtflite treats text as RTF, so ``\ { }`` would break the document; it writes
  characters 128-255 unescaped into a UTF-8 file that RTF readers decode as Windows-1252, and
  its text conversion rewrites ``_``, ``^`` and ``>=``. Every string is escaped by
  :func:`tlf.render.text.rtf_escape_for_rtflite` and handed over with text conversion off; the file is
  pure 7-bit ASCII.
* **"Page x of y" and the page-header fields** are hand-written RTF field codes (``\chpgn``,
  ``NUMPAGES``), passed as raw header text; that is rtflite's own documented default.
* **Rows per page.** rtflite paginates by a line budget (``nrow``) that counts each column
  header row and the footnote block as one line whatever their height. :func:`rows_per_page`
  sets that budget from the page geometry, the title block and the footnotes' wrapped lines,
  with a row height measured in LibreOffice (Word's rows are lower, so Word pages have room
  to spare rather than overflowing).
* **Assembly.** rtflite's ``assemble_rtf`` concatenates files with ``\page``, which keeps one
  section: the first output's page header, orientation and page numbering would govern every
  later output. :func:`assemble_rtf` joins the outputs as RTF sections instead (``\sect``,
  ``\sectd``, ``\pgnrestart``) so each keeps its own header, footer and orientation, and page
  numbers restart; "of y" then uses ``SECTIONPAGES``.
* **String widths.** rtflite measures every body cell for pagination with
  ``rtflite.strwidth.get_string_width``, which opens the TrueType file again on each call (a
  long listing has thousands of cells). :func:`memoise_string_width` gives rtflite's modules a
  memoised copy of that pure function: same widths, each (text, font, size) measured once.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import polars as pl
import rtflite
import rtflite.attributes
import rtflite.pagination.core
import rtflite.strwidth

from tlf.render.spec import NO_DATA, OutputSpec, figure_size
from tlf.render.text import rtf_escape_for_rtflite as rtf_text

PAGE_SIZE = {"portrait": (8.5, 11.0), "landscape": (11.0, 8.5)}
"""Letter paper, width x height in inches."""
MARGIN = (1.0, 1.0, 1.25, 1.0, 0.5, 0.5)
"""Left, right, top, bottom, header and footer distances in inches (rtflite's order)."""
BODY_PT = 9
TITLE_PT = 10
FURNITURE_PT = 8
ROW_HEIGHT_IN = 0.17
"""Height of one 9 pt table line: 11.85 pt measured in LibreOffice 7.4 (Times line 10.35 pt plus
0.75 pt space before and after), plus 3 % to spare."""
ROW_HEIGHT_CJK_IN = 0.205
"""The same when the body holds CJK text, which LibreOffice sets in a taller fallback font (14.45 pt)."""
TITLE_SPACE_TWIPS = (0, 180)
PAGE_FIELD = r"Page {\chpgn} of {\field{\*\fldinst NUMPAGES }{\fldrslt 1}}"
_PAGE_BREAK = re.compile(r"\\page(?![a-z])")
FONT = 1  # rtflite font 1: Times New Roman
STRING_WIDTH_CACHE = 1 << 16
"""Distinct (text, font, size) measurements kept by :func:`memoise_string_width`."""


def memoise_string_width() -> Callable[..., float]:
    """Make rtflite measure each string once; return the memoised ``get_string_width``.

    rtflite's ``get_string_width(text, font, font_size, unit, dpi)`` is a pure function of its
    arguments but loads the font file (``PIL.ImageFont.truetype``) on every call. The modules
    that call it during encoding (``rtflite.attributes``, ``rtflite.pagination.core``) get an
    ``functools.lru_cache`` wrapper of the original instead; a module whose name no longer
    points at rtflite's original (another rtflite version) is left alone. Idempotent.
    """
    original = rtflite.strwidth.get_string_width
    modules = (rtflite.attributes, rtflite.pagination.core)
    installed = [getattr(m, "get_string_width", None) for m in modules]
    memoised = next((f for f in installed if getattr(f, "__wrapped__", None) is original), None)
    memoised = memoised or functools.lru_cache(maxsize=STRING_WIDTH_CACHE)(original)
    for module, current in zip(modules, installed, strict=True):
        if current is original:
            module.get_string_width = memoised
    return memoised


_string_width = memoise_string_width()


def _lines(text: str, width_in: float, size: float) -> int:
    """Wrapped line count of ``text`` in a column ``width_in`` wide (rtflite's own width metric)."""
    return sum(
        max(1, math.ceil(_string_width(part, font=FONT, font_size=size) / max(width_in - 0.15, 0.1)))
        for part in text.split("\n")
    )


def _has_cjk(spec: OutputSpec) -> bool:
    """True when the body, headers or footnotes hold CJK characters (U+2E80 and above, below U+FB00)."""
    texts = [*spec.footnotes, *(cell.text for row in spec.column_headers for cell in row)]
    texts += [v for column in spec.body.columns for v in spec.body[column]]
    return any(0x2E80 <= ord(ch) < 0xFB00 for text in texts for ch in text)


def _column_inches(spec: OutputSpec) -> list[float]:
    width = PAGE_SIZE[spec.orientation][0] - MARGIN[0] - MARGIN[1]
    total = sum(spec.col_widths)
    return [width * w / total for w in spec.col_widths]


def _title_height(spec: OutputSpec) -> float:
    """Height in inches of the title block, its lines wrapped at the text width."""
    width = PAGE_SIZE[spec.orientation][0] - MARGIN[0] - MARGIN[1]
    lines = sum(_lines(line, width, TITLE_PT) for line in spec.title_block)
    return lines * TITLE_PT * 1.25 / 72 + sum(TITLE_SPACE_TWIPS) / 1440


def rows_per_page(spec: OutputSpec) -> int:
    """rtflite's line budget per page (``RTFPage.nrow``) for a table or listing.

    Rule: the lines that fit between the top and bottom margins under the title block, at
    :data:`ROW_HEIGHT_IN` per line; less the extra lines of column-header rows and footnotes
    that wrap or hold several lines, since rtflite counts each header row and the whole
    footnote block as a single line. ``spec.rows_per_page`` overrides it.
    """
    if spec.rows_per_page:
        return spec.rows_per_page
    height = PAGE_SIZE[spec.orientation][1] - MARGIN[2] - MARGIN[3] - _title_height(spec)
    budget = int(height / (ROW_HEIGHT_CJK_IN if _has_cjk(spec) else ROW_HEIGHT_IN))
    inches = _column_inches(spec)
    for row in spec.column_headers:
        start, extra = 0, 0
        for cell in row:
            extra = max(extra, _lines(cell.text, sum(inches[start : start + cell.span]), BODY_PT) - 1)
            start += cell.span
        budget -= extra
    if spec.footnotes:
        table_width = sum(inches)
        budget -= sum(_lines(text, table_width, BODY_PT) for text in spec.footnotes) - 1
    return max(budget, len(spec.column_headers) + 3)


def _page(spec: OutputSpec, nrow: int | None = None) -> rtflite.RTFPage:
    width, height = PAGE_SIZE[spec.orientation]
    return rtflite.RTFPage(
        orientation=spec.orientation,
        width=width,
        height=height,
        margin=list(MARGIN),
        col_width=width - MARGIN[0] - MARGIN[1],
        nrow=nrow,
        page_title="all",
        page_footnote="all",
        page_source="all",
    )


def _furniture(spec: OutputSpec) -> dict[str, object]:
    """Page header (study id, cut-off, page x of y), page footer (source/program) and title block."""
    header = rtflite.RTFPageHeader(
        text=[rtf_text(spec.study_line), PAGE_FIELD],
        text_font_size=[FURNITURE_PT],
        text_convert=[False],
    )
    parts: dict[str, object] = {"rtf_page_header": header}
    if spec.source_line:
        parts["rtf_page_footer"] = rtflite.RTFPageFooter(
            text=[rtf_text(spec.source_line)],
            text_font_size=[FURNITURE_PT],
            text_justification=["l"],
            text_convert=[False],
        )
    lines = spec.title_block
    parts["rtf_title"] = rtflite.RTFTitle(
        text=[rtf_text(line) for line in lines],
        text_font_size=[TITLE_PT] * len(lines),
        text_format=["b"] + [""] * (len(lines) - 1),
        text_space_before=[TITLE_SPACE_TWIPS[0]],
        text_space_after=[TITLE_SPACE_TWIPS[1]],
        text_convert=[False],
    )
    return parts


def _table_document(spec: OutputSpec) -> rtflite.RTFDocument:
    body = spec.body
    shown = spec.display_columns
    if body.empty:
        body = _no_data(spec)
    order = ([spec.page_by] if spec.page_by else []) + shown
    frame = pl.DataFrame({c: [rtf_text(v) for v in body[c]] for c in order}, schema={c: pl.String for c in order})
    widths = ([1.0] if spec.page_by else []) + list(spec.col_widths)
    align = (["l"] if spec.page_by else []) + list(spec.col_align)
    headers = []
    for i, row in enumerate(spec.column_headers):
        last = i == len(spec.column_headers) - 1
        cell_widths, start = [], 0
        for cell in row:
            cell_widths.append(sum(spec.col_widths[start : start + cell.span]))
            start += cell.span
        headers.append(
            rtflite.RTFColumnHeader(
                text=[rtf_text(cell.text) for cell in row],
                col_rel_width=cell_widths,
                text_justification=list(spec.col_align) if last else ["c"] * len(row),
                text_font_size=[BODY_PT] * len(row),
                text_format=["b"] * len(row),
                text_convert=[False] * len(row),
            )
        )
    extra: dict[str, object] = {}
    if spec.footnotes:
        extra["rtf_footnote"] = rtflite.RTFFootnote(
            text=[rtf_text(text) for text in spec.footnotes], text_convert=[[False]], text_font_size=[[BODY_PT]]
        )
    body_options: dict[str, object] = {}
    if spec.page_by:
        body_options.update(page_by=[spec.page_by], new_page=spec.new_page)
    if spec.group_by:
        body_options["group_by"] = list(spec.group_by)
    return rtflite.RTFDocument(
        df=frame,
        rtf_page=_page(spec, rows_per_page(spec)),
        rtf_column_header=headers,
        rtf_body=rtflite.RTFBody(
            col_rel_width=widths,
            text_justification=[align],
            text_font_size=[[BODY_PT]],
            text_convert=[[False]],
            **body_options,
        ),
        **_furniture(spec),
        **extra,
    )


def _no_data(spec: OutputSpec) -> pd.DataFrame:
    empty = {c: [""] for c in spec.body.columns}
    empty[spec.display_columns[0]] = [NO_DATA]
    return pd.DataFrame(empty)


def _figure_document(spec: OutputSpec) -> rtflite.RTFDocument:
    if spec.figure_png is None:
        raise ValueError(f"{spec.output_id}: RTF embeds a PNG; the figure has only {spec.figure_svg}")
    page_w, page_h = PAGE_SIZE[spec.orientation]
    footnote_lines = sum(_lines(t, page_w - MARGIN[0] - MARGIN[1], BODY_PT) for t in spec.footnotes)
    box_h = page_h - MARGIN[2] - MARGIN[3] - _title_height(spec) - (footnote_lines + 1) * ROW_HEIGHT_IN
    width, height = figure_size(spec.figure_png, page_w - MARGIN[0] - MARGIN[1], box_h)
    extra: dict[str, object] = {}
    if spec.footnotes:
        extra["rtf_footnote"] = rtflite.RTFFootnote(
            text=[rtf_text(t) for t in spec.footnotes],
            as_table=False,
            text_convert=[[False]],
            text_font_size=[[BODY_PT]],
        )
    return rtflite.RTFDocument(
        rtf_figure=rtflite.RTFFigure(figures=[str(spec.figure_png)], fig_width=width, fig_height=height),
        rtf_page=_page(spec),
        **_furniture(spec),
        **extra,
    )


def rtf_document(spec: OutputSpec) -> rtflite.RTFDocument:
    """The rtflite document for ``spec`` (a table, listing or figure), not yet encoded."""
    return _figure_document(spec) if spec.kind == "figure" else _table_document(spec)


def encode_rtf(spec: OutputSpec) -> str:
    """The RTF text of ``spec``: 7-bit ASCII, starting with ``{\\rtf1``."""
    text = rtf_document(spec).rtf_encode()
    text.encode("ascii")  # raises if any text escaped the escaping
    # The field result shown until a reader updates the field: rtflite's own page count.
    return text.replace(r"{\fldrslt 1}", f"{{\\fldrslt {page_count(text)}}}")


def page_count(text: str) -> int:
    r"""Pages of an rtflite document as it paginated it: one more than its ``\page`` breaks."""
    return len(_PAGE_BREAK.findall(text)) + 1


def render_rtf(spec: OutputSpec, path: str | Path) -> Path:
    """Write ``spec`` as an RTF file (Word and LibreOffice) and return its path.

    Titles and column headers repeat on every page, footnotes close every page, the page
    header carries the study id, the data cut-off and "Page x of y", the page footer the
    source datasets and program. Figures embed their PNG. The bytes depend only on the spec,
    so a rerun writes an identical file.

    Examples
    --------
    >>> render_rtf(spec, "out/alter_e003/tlf/t_14_2_1.rtf")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_rtf(spec).encode("ascii"))
    return path


_HEADER_START = re.compile(r"\{\\header|\{\\footer|\\paperw|\\margl")


def _split(text: str) -> tuple[str, str]:
    r"""Split one document into its preamble (``{\rtf1`` to the end of the colour/font tables) and content."""
    match = _HEADER_START.search(text)
    if match is None:
        raise ValueError("not an rtflite document: no page header, footer or page size")
    body = text[match.start() :].rstrip()
    if not body.endswith("}"):
        raise ValueError("RTF document does not end with '}'")
    return text[: match.start()], body[:-1]


def _section_properties(content: str) -> str:
    r"""Section-level page size, orientation and margins (``\pgwsxn`` ...) from rtflite's document-level ones."""
    size = re.search(r"\\paperw(\d+)\\paperh(\d+)(\\landscape)?", content)
    margins = re.search(r"\\margl(\d+)\\margr(\d+)\\margt(\d+)\\margb(\d+)", content)
    if size is None or margins is None:
        raise ValueError("rtflite document without page size or margins")
    left, right, top, bottom = margins.groups()
    props = f"\\pgwsxn{size.group(1)}\\pghsxn{size.group(2)}" + ("\\lndscpsxn" if size.group(3) else "")
    return props + f"\\marglsxn{left}\\margrsxn{right}\\margtsxn{top}\\margbsxn{bottom}"


def assemble_rtf(sources: Sequence[OutputSpec | str | Path], path: str | Path) -> Path:
    r"""Join many outputs into one RTF file, one section per output, and return its path.

    Each source is an :class:`OutputSpec` (encoded here) or an RTF file written by
    :func:`render_rtf`. Hand-written because rtflite's ``assemble_rtf`` joins with ``\page``
    inside one section (see the module docstring). Each output becomes a section
    (``\sect\sectd``) with its own page size, orientation and margins (``\pgwsxn``,
    ``\lndscpsxn``, ``\marglsxn`` ...), page header and footer, and page numbers restarting at
    1 (``\pgnrestart``); the page field ``NUMPAGES`` becomes ``SECTIONPAGES`` so "Page x of y"
    counts within the output.
    """
    texts = [encode_rtf(s) if isinstance(s, OutputSpec) else Path(s).read_text(encoding="ascii") for s in sources]
    if not texts:
        raise ValueError("assemble_rtf needs at least one output")
    preamble, _ = _split(texts[0])
    sections = []
    for i, text in enumerate(texts):
        _, content = _split(text)
        content = content.replace(r"\fldinst NUMPAGES ", r"\fldinst SECTIONPAGES ")
        content = re.sub(r"\{\\fldrslt \d+\}", f"{{\\\\fldrslt {page_count(content)}}}", content)
        start = ("" if i == 0 else "\\sect") + "\\sectd" + _section_properties(content) + "\\pgnrestart\\pgnstarts1"
        sections.append(start + "\n" + content)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((preamble + "\n".join(sections) + "}\n").encode("ascii"))
    return path
