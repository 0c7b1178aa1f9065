"""Render many :class:`~tlf.render.spec.OutputSpec` into one self-contained HTML review page.

The page is the jinja2 template ``tlf/templates/review.html.j2``: a table of contents, then
each output with its titles, its table (spanning column headers, ``page_by`` group rows) or
its figure, its footnotes and its source line. The template is the project's own (trusted)
and runs with autoescape on, so every title, header, cell and footnote is HTML-escaped.
Figures are embedded as ``<img>`` with a base64 ``data:`` URI of the SVG (PNG when there is
no SVG): the page is one file, and an image-embedded SVG cannot run script.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import jinja2

from tlf.render.spec import NO_DATA, OutputSpec

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
REVIEW_TEMPLATE = "review.html.j2"
_ALIGN = {"l": "left", "c": "center", "r": "right"}


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def anchor(output_id: str) -> str:
    """HTML id for an output: ``"T-14.2.1"`` -> ``"out-T-14-2-1"``."""
    return "out-" + re.sub(r"[^A-Za-z0-9_-]+", "-", output_id)


def _data_uri(path: Path) -> str:
    mime = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _rows(spec: OutputSpec) -> list[dict[str, object]]:
    """Body rows for the template: ``{"group": text}`` at each ``page_by`` change, else ``{"cells": [...]}``."""
    body = spec.display_body()
    columns = spec.display_columns
    if body.empty:
        return [{"cells": [NO_DATA] + [""] * (len(columns) - 1)}]
    rows: list[dict[str, object]] = []
    previous = None
    for record in body.to_dict("records"):
        if spec.page_by and record[spec.page_by] != previous:
            previous = record[spec.page_by]
            rows.append({"group": previous})
        rows.append({"cells": [record[c] for c in columns]})
    return rows


def _output(spec: OutputSpec) -> dict[str, object]:
    item: dict[str, object] = {
        "id": spec.output_id,
        "anchor": anchor(spec.output_id),
        "kind": spec.kind,
        "label": spec.label,
        "title": spec.title,
        "subtitle": spec.subtitle,
        "population": spec.population,
        "footnotes": spec.footnotes,
        "source": spec.source_line,
    }
    if spec.kind == "figure":
        image = spec.figure_svg or spec.figure_png
        item["image"] = _data_uri(image)
        item["alt"] = " ".join([spec.label, *spec.title])
        return item
    total = sum(spec.col_widths)
    item["widths"] = [f"{100 * w / total:.1f}%" for w in spec.col_widths]
    item["align"] = [_ALIGN[a] for a in spec.col_align]
    item["headers"] = [[{"text": c.text, "span": c.span} for c in row] for row in spec.column_headers]
    item["ncol"] = len(spec.display_columns)
    item["rows"] = _rows(spec)
    return item


def render_html_page(
    specs: Sequence[OutputSpec],
    path: str | Path,
    *,
    title: str,
    context: Mapping[str, object] | None = None,
) -> Path:
    """Write one HTML review page holding every output, and return its path.

    Parameters
    ----------
    specs : sequence of OutputSpec
        The outputs, in page order. Output ids must be unique (they are the anchors).
    path : path
        Where to write the page (UTF-8).
    title : str
        Page title, e.g. ``"ALTER-E-003 TLF review (final cut-off)"``.
    context : mapping, optional
        Key/value lines shown under the title (study, cut-off, package version ...). Nothing
        time-dependent is added, so the same inputs give the same bytes.

    Examples
    --------
    >>> render_html_page(specs, "out/alter_e003/tlf/review.html", title="ALTER-E-003 TLFs")  # doctest: +SKIP
    """
    ids = [spec.output_id for spec in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"output ids must be unique on the review page: {', '.join(duplicates)}")
    template = _environment().get_template(REVIEW_TEMPLATE)
    html = template.render(
        title=title,
        context=[(str(k), str(v)) for k, v in (context or {}).items()],
        outputs=[_output(spec) for spec in specs],
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(html.encode("utf-8"))
    return path
