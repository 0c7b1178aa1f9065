"""Build every output of a study's TLF catalogue from ADaM: RTF, PNG/SVG, PDF bundle, HTML page, results, concordance.

:func:`build_tlfs` is the TLF stage's one entry point. For each catalogue entry (in catalogue
order) it calls the entry's builder (``program``, one of :data:`BUILDERS`; the catalogue is
data, so it can only name a registered builder, never import code) with the entry's source
datasets in order and the analysis settings (population flag from the entry, CI level, month
length, landmarks from ``study.yaml``), fills the entry's templates from the builder's
context in the sandbox, and renders:

* tables and listings: one RTF each (``tlf/<id>.rtf``);
* figures: drawn once, saved once as PNG (300 dpi) and SVG, the PNG embedded in an RTF
  (each PNG is quantised and encoded in a worker thread while the next output builds; the
  same thread prepares the figure's PDF image stream from the palette image in memory);
* every output into one PDF bundle with bookmarks (``tlf/tlf_bundle.pdf``) and one HTML
  review page (``tlf/tlf_review.html``);
* the results dataset, every number with its subjects (``tlf/results.csv``);
* the publication concordance (``concordance.csv`` and ``concordance.html``).

An entry whose source datasets are not all in ``adam``, or whose builder finds a variable
missing (:class:`~tlf.tables.common.MissingInputError`), is skipped and reported in
``TlfRun.skipped`` and the summary line (the run still produces everything else); any other
failure raises (a programming error).
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from fpdf.image_datastructures import RasterImageInfo
from PIL import Image

from tlf import concordance as conc
from tlf import listings
from tlf.catalogue import CatalogueEntry, create_output_spec, load_catalogue
from tlf.figures import biomarker as fig_biomarker
from tlf.figures import consort, km, tumour
from tlf.figures.common import quantise, render_figure, write_png
from tlf.render.html import render_html_page
from tlf.render.pdf import pdf_image, render_pdf_bundle
from tlf.render.rtf import render_rtf
from tlf.render.spec import OutputSpec
from tlf.results import BuiltOutput, create_results, write_results
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

CATALOGUE = "tlf_catalogue.yaml"
PNG_THREADS = 2
"""Threads that quantise and encode figure PNGs (Pillow and zlib release the GIL there)."""
GC_YOUNG_THRESHOLD = 10_000
"""Allocations between young-generation garbage collections while the TLFs build (Python's default: 700)."""


@dataclass
class TlfRun:
    """What :func:`build_tlfs` wrote.

    Attributes
    ----------
    outputs : list of OutputSpec
        The rendered outputs, in catalogue order.
    files : list of Path
        Every file written (RTF, PNG, SVG, PDF, HTML, CSV).
    results : pandas.DataFrame
        The results dataset.
    concordance : pandas.DataFrame
        One row per published value (:func:`tlf.concordance.create_concordance`).
    summary : str
        The concordance summary line for the run log.
    skipped : dict
        Output id -> reason, for entries that could not be built (a source dataset or variable missing).
    timings : dict
        Seconds per step: ``prepare``, one per output id (build, SVG, RTF), ``figure rtf``, ``pdf``.
    """

    outputs: list[OutputSpec]
    files: list[Path]
    results: pd.DataFrame
    concordance: pd.DataFrame
    summary: str
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def file_stem(output_id: str) -> str:
    """``"T-14.2.1"`` -> ``"t_14_2_1"``."""
    return re.sub(r"[^a-z0-9]+", "_", output_id.lower()).strip("_")


def _landmarks(months: tuple[int, ...]) -> str:
    text = [str(m) for m in months]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def base_context(study: object, cutoff_name: str) -> dict[str, object]:
    """Template values every output can use, from the study configuration."""
    analysis = study.analysis
    settings = Settings.from_study(study)
    return {
        "cutoff_name": cutoff_name,
        "ci_pct": settings.ci_pct,
        "days_per_month": f"{analysis.days_per_month:g}",
        "landmarks": _landmarks(settings.landmark_months),
        "teae_window_days": analysis.teae_window_days,
        "confirmation_min_days": analysis.recist.confirmation_min_days,
        "sd_min_days": analysis.recist.sd_min_days,
        "study_title": study.short_title,
    }


def _blank_to_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty text (how XPT stores a missing character value) as missing (None), text columns only."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    if not text:
        return frame
    frame = frame.copy()
    for column in text:
        values = frame[column]
        frame[column] = values.where(values.map(lambda v: not (isinstance(v, str) and not v.strip())), None)
    return frame


def _prepare(adam: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Datasets by upper-case name, blanks as missing, with the ADSL variables the builders need merged where absent."""
    data = {name.upper(): _blank_to_missing(frame) for name, frame in adam.items()}
    adsl = data.get("ADSL")
    if adsl is None:
        return data
    for name in ("ADRS", "ADTR"):
        frame = data.get(name)
        if frame is not None and "TRTSDT" not in frame.columns and "TRTSDT" in adsl.columns:
            data[name] = frame.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID", how="left")
    return data


def build_output(entry: CatalogueEntry, data: Mapping[str, pd.DataFrame], study: object) -> BuiltOutput:
    """Run the entry's builder on its source datasets.

    Raises
    ------
    KeyError
        When the entry's program is not a registered builder, or a source dataset is missing.
    """
    if entry.program not in BUILDERS:
        raise KeyError(f"{entry.id}: program {entry.program} is not a registered TLF builder (tlf.build.BUILDERS)")
    missing = [name for name in entry.source if name not in data]
    if missing:
        raise KeyError(f"{entry.id}: source dataset(s) {', '.join(missing)} not available")
    settings = Settings.from_study(study, population=entry.population_flag)
    return BUILDERS[entry.program](*(data[name] for name in entry.source), settings=settings)


@dataclass(frozen=True)
class _Job:
    """What building one output needs."""

    data: Mapping[str, pd.DataFrame]
    study: object
    folder: Path
    context: dict
    cutoff: str


@dataclass
class _Made:
    """One output built and written (or skipped, with the reason).

    ``png`` is pending while its thread writes the PNG; its result is the PDF image (:func:`write_figure_png`).
    """

    output_id: str
    spec: OutputSpec | None = None
    files: list[Path] = field(default_factory=list)
    stats: pd.DataFrame | None = None
    skipped: str | None = None
    seconds: float = 0.0
    png: Future | None = None


def write_figure_png(image: Image.Image, png: Path) -> RasterImageInfo:
    """Quantise a drawn figure once, write it as PNG and return the same palette image prepared for the PDF bundle.

    Runs in a worker thread: quantising, PNG encoding and the PDF stream's compression release the GIL.
    """
    palette = quantise(image)
    write_png(palette, png)
    return pdf_image(palette)


def make_output(entry: CatalogueEntry, job: _Job, png_writer: Executor) -> _Made:
    """Build one entry and write its files: a figure's PNG (by ``png_writer``) and SVG, a table's RTF.

    A figure's RTF embeds its PNG, so it is written by :func:`build_tlfs` once the PNG is done.
    """
    started = time.perf_counter()
    absent = [name for name in entry.source if name not in job.data]
    if absent:
        return _Made(entry.id, skipped="missing " + ", ".join(absent))
    try:
        built = build_output(entry, job.data, job.study)
    except MissingInputError as exc:
        return _Made(entry.id, skipped=str(exc))
    stem = job.folder / file_stem(entry.id)
    figure_files: dict[str, Path] = {}
    png = None
    if entry.kind == "figure":
        image, svg = render_figure(built.figure, stem.with_suffix(".svg"))
        built.figure.clear()
        png = png_writer.submit(write_figure_png, image, stem.with_suffix(".png"))
        figure_files = {"figure_png": stem.with_suffix(".png"), "figure_svg": svg}
    spec = create_output_spec(entry, built.body, context={**job.context, **built.context}, study_id=job.study.id,
                              cutoff=job.cutoff, **figure_files, **built.layout)
    if png is None:
        render_rtf(spec, stem.with_suffix(".rtf"))
    files = [*figure_files.values(), stem.with_suffix(".rtf")]
    return _Made(entry.id, spec, files, built.stats, seconds=time.perf_counter() - started, png=png)


@contextmanager
def relaxed_garbage_collection(young_threshold: int = GC_YOUNG_THRESHOLD) -> Iterator[None]:
    """Collect cyclic garbage less often for the duration of the block, then restore the settings.

    The build allocates many long-lived containers (matplotlib artists, pydantic models,
    DataFrames); with Python's default thresholds the collector runs about a thousand times
    and rescans them, some 8 % of the build's CPU. Inside the block the objects alive at its
    start are frozen (``gc.freeze``: never rescanned) and the young generation is collected
    every ``young_threshold`` net allocations instead of 700. Cycles are still collected, so
    memory stays bounded (the whole build: about 20 MB more at its peak). A caller that has
    frozen objects itself keeps them frozen; nothing is frozen or unfrozen then.
    """
    thresholds = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(young_threshold, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()


def build_tlfs(
    adam: Mapping[str, pd.DataFrame], study: object, *, out: Path, cutoff_name: str, workers: int = 1
) -> TlfRun:
    """Build every output of the study's TLF catalogue, the results dataset and the concordance report.

    Parameters
    ----------
    adam : mapping of str to DataFrame
        ADaM datasets by name (ADSL, ADRS, ADTTE, ADAE, ADTR, ADBM, ADEX). Dates may be
        datetimes, ``datetime.date`` objects or SAS day numbers; blank text is read as missing.
    study : specs.model.Study
        The study: its folder holds ``tlf_catalogue.yaml`` and ``publication.yaml``; its
        ``analysis`` block gives the conventions.
    out : Path
        The package folder: TLFs go to ``out/tlf/``, the concordance to ``out/``.
    cutoff_name : str
        ``"final"``, ``"interim"`` or an ISO date (resolved by ``study.cutoff_date``).
    workers : int, default 1
        Must be 1: the build runs in this process (see Notes). Kept so that callers written
        against the earlier multi-process signature keep working.

    Returns
    -------
    TlfRun
        With ``summary`` such as ``"53/54 published values reproduced; 1 irreproducible, see
        concordance.html"``.

    Raises
    ------
    ValueError
        When ``workers`` is not 1.

    Notes
    -----
    One process, no process forked (the polars threads that rtflite starts make ``fork``
    unsafe). The GIL-free work runs in :data:`PNG_THREADS` threads while the next output is
    built: quantising and encoding each figure's PNG and compressing its PDF image stream
    (:func:`write_figure_png`). Garbage collection is relaxed for the build
    (:func:`relaxed_garbage_collection`).
    """
    if workers != 1:
        raise ValueError(f"build_tlfs runs in one process; workers must be 1, got {workers!r}")
    out = Path(out)
    folder = out / "tlf"
    folder.mkdir(parents=True, exist_ok=True)
    with relaxed_garbage_collection():
        started = time.perf_counter()
        entries = load_catalogue(Path(study.folder) / CATALOGUE)
        job = _Job(_prepare(adam), study, folder, base_context(study, cutoff_name),
                   study.cutoff_date(cutoff_name).isoformat())
        timings: dict[str, float] = {"prepare": time.perf_counter() - started}
        made, images = _make_outputs(entries, job, timings)
        specs = [m.spec for m in made if m.spec is not None]
        started = time.perf_counter()
        pdf = _write_pdf(specs, folder, f"{study.id} tables, listings and figures ({cutoff_name} cut-off)", images)
        timings["pdf"] = time.perf_counter() - started
        run = _finish(made, specs, job, out, cutoff_name, timings)
    run.files += pdf
    return run


def _make_outputs(entries: list[CatalogueEntry], job: _Job,
                  timings: dict[str, float]) -> tuple[list[_Made], dict[Path, RasterImageInfo]]:
    """Every entry built and written, in catalogue order, with each figure's PDF image by PNG path.

    Figures' PNGs are written by worker threads; a figure's RTF, which embeds the PNG, is
    written once its PNG is done (timed as ``figure rtf``).
    """
    with ThreadPoolExecutor(max_workers=PNG_THREADS, thread_name_prefix="tlf-png") as png_writer:
        made = [make_output(entry, job, png_writer) for entry in entries]
        started = time.perf_counter()
        images = {}
        for m in made:
            if m.png is not None:
                images[m.spec.figure_png] = m.png.result()
                render_rtf(m.spec, job.folder / f"{file_stem(m.output_id)}.rtf")
        timings["figure rtf"] = time.perf_counter() - started
    return made, images


def _write_pdf(specs: list[OutputSpec], folder: Path, title: str,
               images: Mapping[Path, RasterImageInfo]) -> list[Path]:
    """The PDF bundle of every output (none when nothing was built), figures from their prepared images."""
    return [render_pdf_bundle(specs, folder / "tlf_bundle.pdf", title=title, images=images)] if specs else []


def _finish(made: list[_Made], specs: list[OutputSpec], job: _Job, out: Path, cutoff_name: str,
            timings: dict[str, float]) -> TlfRun:
    """Results dataset, HTML review page and concordance report (the PDF is written alongside)."""
    study = job.study
    timings.update({m.output_id: m.seconds for m in made if m.spec is not None})
    files = [f for m in made for f in m.files]
    results = create_results({m.output_id: m.stats for m in made if m.stats is not None})
    files.append(write_results(results, job.folder / "results.csv"))
    if specs:
        files.append(render_html_page(specs, job.folder / "tlf_review.html",
                                      title=f"{study.id} TLF review ({cutoff_name} cut-off)",
                                      context={"Study": study.id, "Data cut-off": f"{job.cutoff} ({cutoff_name})",
                                               "Outputs": len(specs)}))
    table = conc.create_concordance(study.publication, results)
    files += list(conc.write_concordance(table, out, study_id=study.id, cutoff=job.cutoff))
    skipped = {m.output_id: m.skipped for m in made if m.skipped}
    summary = conc.summary_line(table)
    if skipped:
        summary += f"; {len(skipped)} output(s) not built ({', '.join(skipped)})"
    return TlfRun(outputs=specs, files=files, results=results, concordance=table, summary=summary, skipped=skipped,
                  timings=timings)
