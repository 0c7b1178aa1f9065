"""Lay out and draw a table or listing on fpdf2 pages: wrapping, pagination, repeated headers.

Hand-written rather than fpdf2's ``FPDF.table()`` for two reasons measured on a 600-row,
8-column listing: ``table()`` took 3 s (it runs its full line breaker on every cell twice,
to size and to draw), this takes well under a second; and ``table()`` breaks pages inside
its own loop, so a listing's ``group_by`` value blanked on the row above cannot be restored
at the top of the next page, nor a ``page_by`` group label repeated, as r2rtf does in RTF.

Layout: the table spans the text width; each column's share follows ``spec.col_widths``.
Text wraps at spaces (a word longer than its column is cut); a row is as tall as its
tallest cell. Before a row that would cross the page-break line, the page is closed with a
rule, a new page is started (fpdf2 draws the title block in ``header()``), and the column
headers are drawn again, then the ``page_by`` label "(continued)" and the row with its
``group_by`` values restored.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from tlf.render.spec import NO_DATA, OutputSpec

PAD_MM = 0.6
"""Cell padding, left/right and top/bottom."""
RULE_MM = 0.25


class TableLayout:
    """Draws one spec's table on ``pdf`` with font ``font`` at ``size`` pt and ``line_mm`` per line."""

    def __init__(self, pdf: FPDF, spec: OutputSpec, *, font: str, size: float, line_mm: float):
        self.pdf, self.spec, self.font, self.size, self.line = pdf, spec, font, size, line_mm
        total = sum(spec.col_widths)
        self.widths = [pdf.epw * w / total for w in spec.col_widths]
        self.x = [pdf.l_margin + sum(self.widths[:i]) for i in range(len(self.widths) + 1)]
        self._wrapped: dict[tuple[str, str, float], list[str]] = {}
        self._widths: dict[tuple[str, str], float] = {}
        self._covered: dict[tuple[str, str], bool] = {}

    # -- text measurement and wrapping ------------------------------------------------------
    def _use(self, style: str) -> None:
        self.pdf.set_font(self.font, style, self.size)

    def width(self, text: str) -> float:
        """Width of ``text`` in mm in the current font (fpdf2's glyph advance table; memoised per font and text)."""
        font = self.pdf.current_font
        key = (font.fontkey, text)
        if key not in self._widths:
            widths = font.cw
            self._widths[key] = sum(widths[ord(c)] for c in text) * self.size * 0.001 / self.pdf.k
        return self._widths[key]

    def _covers(self, text: str) -> bool:
        """True when the current font has a glyph for every character of ``text`` (memoised per font and text)."""
        font = self.pdf.current_font
        key = (font.fontkey, text)
        if key not in self._covered:
            covered = font.cmap
            self._covered[key] = all(ord(c) in covered for c in text)
        return self._covered[key]

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap of ``text`` into lines no wider than ``width`` mm (memoised)."""
        key = (self.pdf.current_font.fontkey, text, width)
        if key not in self._wrapped:
            self._wrapped[key] = self._wrap(text, width)
        return self._wrapped[key]

    def _wrap(self, text: str, width: float) -> list[str]:
        room = width - 2 * PAD_MM
        lines: list[str] = []
        for paragraph in text.split("\n"):
            if self.width(paragraph) <= room:
                lines.append(paragraph)
                continue
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if self.width(candidate) <= room:
                    line = candidate
                    continue
                if line:
                    lines.append(line)
                while self.width(word) > room and len(word) > 1:  # cut a word wider than the column
                    cut = max(1, next(i for i in range(len(word), 0, -1) if self.width(word[:i]) <= room or i == 1))
                    lines.append(word[:cut])
                    word = word[cut:]
                line = word
            lines.append(line)
        return lines or [""]

    # -- drawing ----------------------------------------------------------------------------
    def _text(self, text: str, left: float, width: float, top: float, align: str) -> None:
        pdf = self.pdf
        if self._covers(text):
            shift = {"l": PAD_MM, "c": (width - self.width(text)) / 2, "r": width - PAD_MM - self.width(text)}[align]
            # the baseline fpdf2's cell() uses: half the line height plus 0.3 of the font size
            pdf.text(left + shift, top + PAD_MM + 0.5 * self.line + 0.3 * pdf.font_size, text)
        else:  # characters the font lacks: cell() applies the fallback (CJK) font
            margin, pdf.c_margin = pdf.c_margin, PAD_MM
            pdf.set_xy(left, top + PAD_MM)
            pdf.cell(width, self.line, text, align={"l": "L", "c": "C", "r": "R"}[align])
            pdf.c_margin = margin

    def _cells(self, texts: Sequence[str], spans: Sequence[int], aligns: Sequence[str], *, rule_under: bool) -> None:
        """Draw one row of (possibly spanning) cells at the current y and move below it."""
        pdf = self.pdf
        top, col, wrapped = pdf.y, 0, []
        for text, span in zip(texts, spans, strict=True):
            wrapped.append(self.wrap(text, sum(self.widths[col : col + span])))
            col += span
        height = max(len(lines) for lines in wrapped) * self.line + 2 * PAD_MM
        col = 0
        for lines, span, align in zip(wrapped, spans, aligns, strict=True):
            left, width = self.x[col], sum(self.widths[col : col + span])
            for k, line in enumerate(lines):
                if line:
                    self._text(line, left, width, top + k * self.line, align)
            if rule_under and any(lines):
                pdf.line(left + 1, top + height, left + width - 1, top + height)
            col += span
        pdf.set_y(top + height)

    def row_height(self, texts: Sequence[str]) -> float:
        lines = max(len(self.wrap(t, w)) for t, w in zip(texts, self.widths, strict=True))
        return lines * self.line + 2 * PAD_MM

    def _rule(self) -> None:
        pdf = self.pdf
        pdf.set_line_width(RULE_MM)
        pdf.line(self.x[0], pdf.y, self.x[-1], pdf.y)

    def headers(self) -> None:
        """The column header rows, between rules, in bold."""
        spec = self.spec
        self._use("B")
        self._rule()
        for i, row in enumerate(spec.column_headers):
            last = i == len(spec.column_headers) - 1
            aligns = list(spec.col_align) if last else ["c"] * len(row)
            self._cells([c.text for c in row], [c.span for c in row], aligns, rule_under=not last)
        self._rule()
        self._use("")

    def _group_row(self, label: str) -> None:
        self._use("B")
        self._cells([label], [len(self.widths)], ["l"], rule_under=False)
        self._use("")

    def draw(self) -> None:
        """Draw the whole table from the current position, breaking pages as needed."""
        spec, pdf = self.spec, self.pdf
        columns = spec.display_columns
        shown, original = spec.display_body(), spec.body
        self.headers()
        if shown.empty:
            self._cells([NO_DATA], [len(columns)], ["l"], rule_under=False)
            self._rule()
            return
        group_label, first_on_page = None, True
        shown_rows = shown.to_dict("records")
        original_rows = original.to_dict("records")
        for record, full in zip(shown_rows, original_rows, strict=True):
            new_group = spec.page_by is not None and record[spec.page_by] != group_label
            texts = [record[c] for c in columns]
            needed = self.row_height(texts) + (self.line + 2 * PAD_MM if new_group else 0)
            if not first_on_page and pdf.y + needed > pdf.page_break_trigger:
                self._rule()
                pdf.add_page(orientation=pdf.cur_orientation)
                self.headers()
                first_on_page = True
                if spec.page_by is not None and not new_group:
                    self._group_row(f"{group_label} (continued)")
            if new_group:
                group_label = record[spec.page_by]
                self._group_row(group_label)
            if first_on_page:  # restore values blanked because they repeat the row above
                texts = [full[c] if c in spec.group_by else record[c] for c in columns]
            self._cells(texts, [1] * len(columns), list(spec.col_align), rule_under=False)
            first_on_page = False
        self._rule()
