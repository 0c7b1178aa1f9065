"""What building one TLF output needs (:class:`OutputJob`) and what it gives back (:class:`MadeOutput`).

Both hold plain data only, so a job can be built in one process and run in another: the TLF
stage (:mod:`tlf.build`) makes the jobs, :func:`tlf.outputs.make_output` runs one. This module
imports nothing heavy, so the process that hands out the jobs does not load the builders'
libraries (matplotlib, lifelines, scipy, rtflite).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tlf.catalogue import CatalogueEntry
from tlf.render.spec import OutputSpec
from tlf.tables.common import Settings

if TYPE_CHECKING:
    from fpdf.image_datastructures import RasterImageInfo


@dataclass(frozen=True)
class OutputJob:
    """One catalogue entry to build, with exactly what its builder reads.

    Attributes
    ----------
    entry : CatalogueEntry
    data : mapping of str to DataFrame
        The entry's source datasets that exist, prepared (:func:`tlf.build.prepare_datasets`).
    settings : Settings
        The study's analysis settings with the entry's population flag.
    study_id, cutoff : str
        For the title block (the cut-off as an ISO date).
    folder : Path
        Where the files go (``<package>/tlf``).
    context : dict
        Template values every output can use (:func:`tlf.build.base_context`).
    stem : str
        File name without suffix (:func:`tlf.build.file_stem` of the entry id).
    """

    entry: CatalogueEntry
    data: Mapping[str, pd.DataFrame]
    settings: Settings
    study_id: str
    cutoff: str
    folder: Path
    context: dict
    stem: str


@dataclass
class MadeOutput:
    """One output built and written (or skipped, with the reason).

    ``image`` is a figure's PNG prepared for the PDF bundle (:func:`tlf.outputs.write_figure_png`);
    ``seconds`` the time its build and files took, in whichever process ran it.
    """

    output_id: str
    spec: OutputSpec | None = None
    files: list[Path] = field(default_factory=list)
    stats: pd.DataFrame | None = None
    skipped: str | None = None
    seconds: float = 0.0
    image: RasterImageInfo | None = None
