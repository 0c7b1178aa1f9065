"""Figure conventions shared by every figure builder: style, colours, and saving once to PNG and SVG.

A builder draws one :class:`matplotlib.figure.Figure` (no pyplot state: figures are created
with :class:`~matplotlib.figure.Figure` directly, so nothing leaks between builds) and returns
it; :func:`save_figure` renders it once with Agg at 300 dpi for the PNG and once as SVG.

The PNG is written by Pillow as an 8-bit palette image (:func:`tlf.figures.palette.quantise`: at
most 256 colours, the figure's most frequent colours kept exactly and each rare antialiasing
shade the nearest of them, no dithering): a chart has few colours, and the palette image is a
third of the data that every consumer (the RTF hex dump, the PDF bundle's Flate stream) must
process. Byte-stable output: the PNG carries only its pixel data and 300 dpi (no text chunks,
no time); the SVG hash salt is fixed and its ``Date`` dropped, so a rerun writes identical files.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from PIL import Image

from tlf.figures.palette import quantise

DPI = 300
SVG_HASHSALT = "subpack-tlf"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": SVG_HASHSALT,
    "svg.fonttype": "none",
    "path.simplify": True,
}
"""rcParams applied while a figure is drawn and saved (:func:`style`)."""

RESPONSE_COLOURS = {
    "CR": "#1b7837",
    "PR": "#5aae61",
    "SD": "#4575b4",
    "NON-CR/NON-PD": "#91bfdb",
    "PD": "#d73027",
    "NE": "#969696",
    "Missing": "#d9d9d9",
}
"""Colour per best overall response (colour-blind-safe where it matters: green / blue / red / grey)."""
GROUP_COLOURS = ("#b2182b", "#2166ac", "#4d9221", "#762a83")
FIGURE_SIZE = (9.0, 5.6)
"""Inches; fits a landscape letter page under the title block."""


def style() -> matplotlib.rc_context:
    """Context manager applying :data:`STYLE`."""
    return matplotlib.rc_context(STYLE)


def new_figure(size: tuple[float, float] = FIGURE_SIZE) -> Figure:
    """A fresh figure (not registered with pyplot) with the house style's size."""
    with style():
        return Figure(figsize=size, layout=None)


def write_png(image: Image.Image, path: Path) -> Path:
    """Write an image as PNG at 300 dpi, quantised first unless it already is a palette image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (image if image.mode == "P" else quantise(image)).save(path, format="PNG", dpi=(DPI, DPI))
    return path


def agg_image(canvas: FigureCanvasAgg) -> Image.Image:
    """The drawn Agg canvas as an RGB image (alpha dropped, colours untouched), converted in C by Pillow."""
    buffer = canvas.buffer_rgba()  # memoryview, shape (height, width, 4)
    height, width = buffer.shape[:2]
    return Image.frombuffer("RGBA", (width, height), buffer, "raw", "RGBA", 0, 1).convert("RGB")


def render_figure(figure: Figure, svg: str | Path) -> tuple[Image.Image, Path]:
    """Draw ``figure`` once with Agg at 300 dpi (returned as an RGB image) and write its SVG."""
    svg = Path(svg)
    svg.parent.mkdir(parents=True, exist_ok=True)
    with style():
        figure.set_dpi(DPI)
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        image = agg_image(canvas)
        figure.savefig(svg, format="svg", facecolor="white", metadata={"Date": None})
    return image, svg


def save_figure(figure: Figure, png: str | Path, svg: str | Path) -> tuple[Path, Path]:
    """Write ``figure`` as PNG (300 dpi, palette, white background) and SVG; return both paths.

    The figure is drawn once by Agg at 300 dpi for the PNG and once by the SVG backend; the
    data are not re-plotted. (:func:`tlf.outputs.make_output` calls :func:`render_figure` and
    then :func:`quantise` and :func:`write_png`, reusing the palette image for the PDF bundle.)
    """
    image, svg = render_figure(figure, svg)
    return write_png(image, Path(png)), svg


@lru_cache(maxsize=4096)
def text_width_in(text: str, size_pt: float) -> float:
    """Width in inches of one line of ``text`` in the house font (:data:`STYLE`) at ``size_pt``,
    from the font's outlines (unhinted, as Agg draws it at 300 dpi and as the SVG scales)."""
    font = FontProperties(family=STYLE["font.family"], size=size_pt)
    width, _, _ = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return width / 72


def wrap_text(text: str, width_in: float, size_pt: float, *, indent: str = "  ") -> str:
    """``text`` with each line wrapped at word boundaries to fit ``width_in`` inches at ``size_pt``.

    A continuation line starts with the line's own leading spaces plus ``indent``, so a wrapped
    item of an indented list stays visibly one item. A single word wider than the width is left
    whole on its line (never cut).
    """
    wrapped = []
    for line in text.split("\n"):
        lead = line[: len(line) - len(line.lstrip(" "))]
        current = ""
        for word in line.split():
            candidate = f"{current} {word}" if current else f"{lead}{word}"
            if current and text_width_in(candidate, size_pt) > width_in:
                wrapped.append(current)
                candidate = f"{lead}{indent}{word}"
            current = candidate
        wrapped.append(current or lead)
    return "\n".join(wrapped)


def response_colour(value: object) -> str:
    """Colour of a best overall response value (missing -> the "Missing" grey)."""
    return RESPONSE_COLOURS.get(value if isinstance(value, str) else "Missing", RESPONSE_COLOURS["Missing"])
