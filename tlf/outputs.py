"""Build and write one output of the TLF catalogue: the per-output work of the TLF stage.

:func:`make_output` takes a :class:`~tlf.jobs.OutputJob` (the catalogue entry, its source
datasets, the analysis settings, where to write) and writes the output's files: a table's or listing's RTF;
a figure drawn once, saved as SVG and as a 300 dpi palette PNG, that PNG embedded in the
figure's RTF. It returns a :class:`~tlf.jobs.MadeOutput`: the rendered spec, the statistics for the
results dataset and, for a figure, its PDF image prepared from the palette image in memory.

A job holds only what its output reads and a result only plain data, so :mod:`tlf.build` can
run jobs in other processes (this module imports matplotlib, lifelines, scipy and rtflite,
which a process should load once, ahead of the stage). No output depends on another or on
what a process built before, so the files are the same whichever process writes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
from fpdf.image_datastructures import RasterImageInfo
from PIL import Image

from tlf import listings
from tlf.catalogue import CatalogueEntry, create_output_spec
from tlf.figures import biomarker as fig_biomarker
from tlf.figures import consort, km, tumour
from tlf.figures.common import quantise, render_figure, write_png
from tlf.jobs import MadeOutput, OutputJob
from tlf.render.pdf import pdf_image
from tlf.render.rtf import render_rtf
from tlf.results import BuiltOutput
from tlf.tables import biomarker, demographics, disposition, response, safety, survival
from tlf.tables.common import MissingInputError, Settings

_REGISTERED: tuple[Callable[..., BuiltOutput], ...] = (
    disposition.build_disposition_table,
    demographics.build_demographics_table,
    response.build_response_table,
    survival.build_km_summary_table,
    survival.build_km_by_group_table,
    biomarker.build_orr_by_signature_table,
    biomarker.build_subgroup_orr_table,
    safety.build_ae_overview_table,
    safety.build_trae_by_pt_table,
    safety.build_teae_by_soc_pt_table,
    consort.build_consort_figure,
    km.build_pfs_figure,
    km.build_os_figure,
    km.build_pfs_by_signature_figure,
    km.build_os_by_signature_figure,
    tumour.build_waterfall_figure,
    tumour.build_spider_figure,
    tumour.build_swimmer_figure,
    fig_biomarker.build_oncoprint_figure,
    fig_biomarker.build_orr_by_signature_figure,
    fig_biomarker.build_forest_figure,
    listings.build_screen_failure_listing,
    listings.build_response_listing,
    listings.build_ae_listing,
    listings.build_death_listing,
)
BUILDERS: dict[str, Callable[..., BuiltOutput]] = {f"{f.__module__}:{f.__name__}": f for f in _REGISTERED}
"""Catalogue ``program`` -> builder. Every builder takes the entry's source datasets positionally and ``settings``."""


def missing_sources(entry: CatalogueEntry, data: Mapping[str, pd.DataFrame]) -> list[str]:
    """The entry's source datasets that ``data`` does not hold, in the entry's order."""
    return [name for name in entry.source if name not in data]


def build_output(entry: CatalogueEntry, data: Mapping[str, pd.DataFrame], settings: Settings) -> BuiltOutput:
    """Run the entry's builder on its source datasets, in the entry's order.

    Raises
    ------
    KeyError
        When the entry's program is not a registered builder, or a source dataset is missing.
    """
    if entry.program not in BUILDERS:
        raise KeyError(f"{entry.id}: program {entry.program} is not a registered TLF builder (tlf.outputs.BUILDERS)")
    missing = missing_sources(entry, data)
    if missing:
        raise KeyError(f"{entry.id}: source dataset(s) {', '.join(missing)} not available")
    return BUILDERS[entry.program](*(data[name] for name in entry.source), settings=settings)


def write_figure_png(image: Image.Image, png: Path) -> RasterImageInfo:
    """Quantise a drawn figure once, write it as PNG and return the same palette image prepared for the PDF bundle."""
    palette = quantise(image)
    write_png(palette, png)
    return pdf_image(palette)


def make_output(job: OutputJob) -> MadeOutput:
    """Build one entry and write its files: a table's or listing's RTF; a figure's SVG, PNG and RTF.

    The figure is drawn once (Agg, 300 dpi) and saved once as SVG; its PNG is quantised once,
    and the palette image both written and prepared for the PDF bundle; the RTF embeds the PNG.
    An entry whose source dataset or variable is missing is skipped (``MadeOutput.skipped``).
    """
    started = time.perf_counter()
    entry = job.entry
    absent = missing_sources(entry, job.data)
    if absent:
        return MadeOutput(entry.id, skipped="missing " + ", ".join(absent))
    try:
        built = build_output(entry, job.data, job.settings)
    except MissingInputError as exc:
        return MadeOutput(entry.id, skipped=str(exc))
    stem = job.folder / job.stem
    figure_files: dict[str, Path] = {}
    image = None
    if entry.kind == "figure":
        drawn, svg = render_figure(built.figure, stem.with_suffix(".svg"))
        built.figure.clear()
        image = write_figure_png(drawn, stem.with_suffix(".png"))
        figure_files = {"figure_png": stem.with_suffix(".png"), "figure_svg": svg}
    spec = create_output_spec(entry, built.body, context={**job.context, **built.context}, study_id=job.study_id,
                              cutoff=job.cutoff, **figure_files, **built.layout)
    render_rtf(spec, stem.with_suffix(".rtf"))
    files = [*figure_files.values(), stem.with_suffix(".rtf")]
    return MadeOutput(entry.id, spec, files, built.stats, seconds=time.perf_counter() - started, image=image)
