"""Renderers: one declarative :class:`OutputSpec` per output, written as RTF, HTML and PDF."""

from tlf.render.spec import HeaderCell, OutputSpec

__all__ = ["HeaderCell", "OutputSpec"]
