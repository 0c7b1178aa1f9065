"""Render many :class:`~tlf.render.spec.OutputSpec` into one PDF bundle with a bookmark per output.

Drawn with fpdf2 (pure Python; its other dependencies, Pillow and fontTools, already come with
matplotlib), so no office suite is needed. Each output starts on a new page in its own
orientation and gets one outline entry (bookmark) "Table 14.2.1 <first title line>". On every
page of an output: the study id and data cut-off and "Page x of y" (counted within the
output) at the top right, the title block, the column headers repeated, and
the footnotes and the source/program line at the foot. Tables are laid out by
:mod:`tlf.render.pdf_table`. Figures are placed on their own page,
scaled to fit. Text is set in DejaVu Sans, which matplotlib ships, so "≥", "µ" and "—"
render; CJK text needs a CJK font on the system (used as fallback when found).

The bytes are reproducible: the PDF creation date (and with it the file identifier) is taken
from the ``created`` argument, by default the data cut-off of the first output.

A figure's image stream can be prepared ahead, from the palette image already in memory, by
:func:`pdf_image` (in the process that drew the figure) and handed to :func:`render_pdf_bundle`
as ``images`` or to :meth:`PdfBundle.add`; fpdf2 then neither re-reads nor re-decodes the PNG.
The stream is the one fpdf2 makes from the file, so the PDF bytes are the same either way.
:class:`PdfBundle` draws the outputs one at a time as they are built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.image_datastructures import RasterImageInfo
from fpdf.image_parsing import get_img_info
from PIL import Image

from tlf.render.pdf_table import TableLayout
from tlf.render.spec import OutputSpec, figure_size

FONT = "dejavu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
CJK_FONT_NAMES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Droid Sans Fallback", "AR PL UMing CN")
PAGE_MM = {"portrait": "P", "landscape": "L"}
MARGIN_MM = 20.0
TOP_MM = 10.0
BODY_PT, TITLE_PT, NOTE_PT, FURNITURE_PT = 8.0, 10.0, 8.0, 7.0
LINE_MM = {8.0: 3.6, 10.0: 4.6, 7.0: 3.2}


@lru_cache(maxsize=1)
def _cjk_font() -> tuple[str, int] | None:
    """A CJK font file on this system (path and face index), if any; used as fallback font."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name in CJK_FONT_NAMES and entry.fname.lower().endswith((".ttf", ".otf", ".ttc")):
            return entry.fname, 0
    return None


def _has_cjk(spec: OutputSpec) -> bool:
    """True when any text of the output holds CJK characters (U+2E80 to U+FAFF), which DejaVu lacks."""
    texts = [*spec.title_block, *spec.footnotes, *(c.text for row in spec.column_headers for c in row)]
    if spec.body is not None:
        texts += [v for column in spec.body.columns for v in spec.body[column]]
    return any(0x2E80 <= ord(ch) < 0xFB00 for text in texts for ch in text)


class _Bundle(FPDF):
    """FPDF with the output-specific page header and footer; ``current`` is the output being drawn."""

    def __init__(self, *, cjk_fallback: bool) -> None:
        super().__init__(unit="mm", format="letter")
        self.current: OutputSpec | None = None
        self.page_spec: dict[int, OutputSpec] = {}
        self._foot_heights: dict[tuple[int, str], float] = {}
        self.set_margins(MARGIN_MM, TOP_MM, MARGIN_MM)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        cjk = _cjk_font() if cjk_fallback else None
        if cjk is not None:
            self.add_font("cjk", "", cjk[0], collection_font_number=cjk[1])
            self.set_fallback_fonts(["cjk"], exact_match=False)

    # fpdf2 calls header() when a page starts and footer() when it ends.
    def header(self) -> None:
        spec = self.current
        if spec is None:
            return
        self.page_spec[self.page] = spec
        self.set_font(FONT, "", FURNITURE_PT)
        self.set_xy(self.l_margin, TOP_MM)
        self.cell(0, LINE_MM[FURNITURE_PT], spec.study_line, align="R")
        self.set_xy(self.l_margin, TOP_MM + 2 * LINE_MM[FURNITURE_PT] + 3)
        for i, line in enumerate(spec.title_block):
            self.set_font(FONT, "B" if i == 0 else "", TITLE_PT)
            self.multi_cell(0, LINE_MM[TITLE_PT], line, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self) -> None:
        spec = self.page_spec.get(self.page)
        if spec is None:
            return
        self.set_y(-(MARGIN_MM / 2 + self.foot_height(spec)))
        self.set_font(FONT, "", NOTE_PT)
        for note in spec.footnotes:
            self.multi_cell(0, LINE_MM[NOTE_PT], note, new_x="LMARGIN", new_y="NEXT")
        if spec.source_line:
            self.ln(1)
            self.set_font(FONT, "", FURNITURE_PT)
            self.multi_cell(0, LINE_MM[FURNITURE_PT], spec.source_line, new_x="LMARGIN", new_y="NEXT")

    def _text_lines(self, text: str, size: float) -> int:
        self.set_font(FONT, "", size)
        lines = self.multi_cell(self.epw, LINE_MM[size], text, dry_run=True, output=MethodReturnValue.LINES)
        return len(lines)

    def foot_height(self, spec: OutputSpec) -> float:
        """Height of the footnotes and source line block, in mm (measured once per output and orientation)."""
        key = (id(spec), self.cur_orientation)
        if key not in self._foot_heights:
            self._foot_heights[key] = self._measure_foot(spec)
        return self._foot_heights[key]

    def _measure_foot(self, spec: OutputSpec) -> float:
        lines = sum(self._text_lines(note, NOTE_PT) for note in spec.footnotes) * LINE_MM[NOTE_PT]
        if spec.source_line:
            lines += 1 + self._text_lines(spec.source_line, FURNITURE_PT) * LINE_MM[FURNITURE_PT]
        return lines

    def stamp_page_numbers(self, first: int, last: int) -> None:
        """Write "Page x of y" on pages ``first``..``last``, once the output's page count is known."""
        for number in range(first, last + 1):
            self.page = number
            self.current_font_is_set_on_page = False  # the font must be set again in that page's stream
            self.set_font(FONT, "", FURNITURE_PT)
            self.set_xy(self.l_margin, TOP_MM + LINE_MM[FURNITURE_PT])
            self.cell(0, LINE_MM[FURNITURE_PT], f"Page {number - first + 1} of {last - first + 1}", align="R")
        self.page = last
        self.current_font_is_set_on_page = False


def _draw_table(pdf: _Bundle, spec: OutputSpec) -> None:
    TableLayout(pdf, spec, font=FONT, size=BODY_PT, line_mm=LINE_MM[BODY_PT]).draw()


def pdf_image(image: Image.Image) -> RasterImageInfo:
    """fpdf2's parsed form of a PNG's image (pixel rows Flate-compressed, palette), from the image in memory.

    Equal to what fpdf2 parses from the PNG file that Pillow wrote from ``image`` (the same
    pixels and palette), so it can stand in for that file in :func:`render_pdf_bundle`.
    """
    return get_img_info("image", img=image)


def _register_image(pdf: _Bundle, name: str, info: RasterImageInfo) -> None:
    """Put a prepared image into ``pdf``'s image cache as ``FPDF.image(name)`` would on first use.

    Mirrors ``fpdf.image_parsing.preload_image``: the next resource number, no use yet (the
    ``image`` call counts it), no ICC profile (:func:`pdf_image` of a palette image has none).
    """
    if info.get("iccp") is not None:
        raise ValueError(f"{name}: a prepared image with an ICC profile; let fpdf2 read the file")
    cache = pdf.image_cache.images
    if name not in cache:
        cache[name] = RasterImageInfo(info, i=len(cache) + 1, usages=0, iccp_i=None)


def _draw_figure(pdf: _Bundle, spec: OutputSpec, prepared: RasterImageInfo | None = None) -> None:
    image = spec.figure_png
    if image is None:
        raise ValueError(f"{spec.output_id}: the PDF bundle places a PNG; the figure has only {spec.figure_svg}")
    if prepared is not None:
        _register_image(pdf, str(image), prepared)
    box_w = pdf.epw
    box_h = pdf.h - pdf.get_y() - pdf.b_margin - 2
    width, height = figure_size(image, box_w / 25.4, box_h / 25.4)
    x = pdf.l_margin + (box_w - width * 25.4) / 2
    pdf.image(str(image), x=x, y=pdf.get_y() + 1, w=width * 25.4, h=height * 25.4)


def _cutoff_datetime(cutoff: str) -> dt.datetime:
    """Midnight UTC of an ISO 8601 cut-off date; 2000-01-01 if the cut-off is not ISO 8601."""
    try:
        return dt.datetime.combine(dt.date.fromisoformat(cutoff[:10]), dt.time(), dt.UTC)
    except ValueError:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class PdfBundle:
    """A PDF bundle drawn one output at a time, in bundle order, then saved: :func:`render_pdf_bundle` in steps.

    Each output is drawn when it is added, so the bundle can be drawn while the later outputs
    are still being built. DejaVu lacks CJK glyphs: when an output holding CJK text comes and
    this system has a CJK font, the outputs added so far are drawn again into a fresh document
    with that font as fallback, so the file is always the one :func:`render_pdf_bundle` writes
    from the whole list.

    Parameters
    ----------
    title : str, optional
        Document title in the PDF metadata (default: ``"<study id> tables, listings and figures"``
        of the first output).
    created : datetime, optional
        PDF creation date (and the seed of the file identifier). Default: midnight UTC of the
        first output's data cut-off, so a rerun gives the same bytes.
    cjk_fallback : bool
        Start with the CJK fallback font (when the outputs are known to hold CJK text).
    """

    def __init__(self, *, title: str | None = None, created: dt.datetime | None = None,
                 cjk_fallback: bool = False) -> None:
        self.title = title
        self.created = created
        self.cjk_fallback = cjk_fallback
        self._added: list[tuple[OutputSpec, RasterImageInfo | None]] = []
        self._pdf: _Bundle | None = None

    def add(self, spec: OutputSpec, image: RasterImageInfo | None = None) -> None:
        """Draw ``spec`` on new pages; a figure from ``image`` (:func:`pdf_image`) or else its PNG file."""
        if not self.cjk_fallback and _has_cjk(spec) and _cjk_font() is not None:
            self.cjk_fallback = True
            self._pdf = None
            for earlier, earlier_image in self._added:
                self._draw(earlier, earlier_image)
        self._draw(spec, image)
        self._added.append((spec, image))

    def save(self, path: str | Path) -> Path:
        """Write the bundle to ``path`` and return it."""
        if self._pdf is None:
            raise ValueError("a PDF bundle needs at least one output")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._pdf.output(str(path))
        return path

    def _document(self, first: OutputSpec) -> _Bundle:
        pdf = _Bundle(cjk_fallback=self.cjk_fallback)
        pdf.set_title(self.title or f"{first.study_id} tables, listings and figures")
        pdf.set_author(first.study_id)
        pdf.set_creator("subpack tlf.render.pdf")
        pdf.set_producer("fpdf2")
        created = self.created or _cutoff_datetime(first.cutoff)
        pdf.set_creation_date(created if created.tzinfo else created.replace(tzinfo=dt.UTC))
        return pdf

    def _draw(self, spec: OutputSpec, image: RasterImageInfo | None) -> None:
        if self._pdf is None:
            self._pdf = self._document(spec)
        pdf = self._pdf
        pdf.current = spec
        pdf.add_page(orientation=PAGE_MM[spec.orientation])
        # after add_page: the break trigger depends on this page's height, and measuring needs a page
        pdf.set_auto_page_break(True, margin=MARGIN_MM / 2 + pdf.foot_height(spec) + 3)
        first = pdf.page
        pdf.start_section(" ".join([spec.label, *spec.title[:1]]))
        if spec.kind == "figure":
            _draw_figure(pdf, spec, image)
        else:
            _draw_table(pdf, spec)
        pdf.stamp_page_numbers(first, pdf.page)


def render_pdf_bundle(
    specs: Sequence[OutputSpec],
    path: str | Path,
    *,
    title: str | None = None,
    created: dt.datetime | None = None,
    images: Mapping[Path, RasterImageInfo] | None = None,
) -> Path:
    """Write every output into one PDF with one bookmark per output, and return its path.

    Parameters
    ----------
    specs : sequence of OutputSpec
        The outputs, in bundle order.
    path : path
        Where to write the PDF.
    title : str, optional
        Document title in the PDF metadata (default: ``"<study id> tables, listings and figures"``).
    created : datetime, optional
        PDF creation date (and the seed of the file identifier). Default: midnight UTC of the
        first output's data cut-off, so a rerun gives the same bytes.
    images : mapping of Path to RasterImageInfo, optional
        Figure PNG path -> its image prepared by :func:`pdf_image`; a figure not in it is read
        from its PNG file.

    Examples
    --------
    >>> render_pdf_bundle(specs, "out/alter_e003/tlf/tlf_bundle.pdf")  # doctest: +SKIP
    """
    if not specs:
        raise ValueError("render_pdf_bundle needs at least one output")
    bundle = PdfBundle(title=title, created=created, cjk_fallback=any(_has_cjk(spec) for spec in specs))
    for spec in specs:
        bundle.add(spec, (images or {}).get(spec.figure_png))
    return bundle.save(path)
