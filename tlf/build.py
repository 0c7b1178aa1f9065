"""Build every output of a study's TLF catalogue from ADaM: RTF, PNG/SVG, PDF bundle, HTML page, results, concordance.

:func:`build_tlfs` is the TLF stage's one entry point. For each catalogue entry (in catalogue
order) it makes a job (:class:`~tlf.jobs.OutputJob`): the entry, its source datasets, the
analysis settings (population flag from the entry, CI level, month length, landmarks from
``study.yaml``). Running a job (:func:`tlf.outputs.make_output`) calls the entry's builder
(``program``, one of :data:`tlf.outputs.BUILDERS`; the catalogue is data, so it can only name
a registered builder, never import code) with the entry's source datasets in order, fills the
entry's templates from the builder's context in the sandbox, and renders:

* tables and listings: one RTF each (``tlf/<id>.rtf``);
* figures: drawn once, saved once as PNG (300 dpi) and SVG, the PNG embedded in an RTF; the
  palette image written to the PNG is also the figure's image in the PDF bundle.

The jobs are shared between this process and the worker processes the caller hands over, if
any (:class:`_SharedJobs`: whichever is free takes the next entry); the results come back in
catalogue order, and this process draws each into the PDF bundle as it comes. Then:

* every output into one PDF bundle with bookmarks (``tlf/tlf_bundle.pdf``) and one HTML
  review page (``tlf/tlf_review.html``);
* the results dataset, every number with its subjects (``tlf/results.csv``);
* the publication concordance (``concordance.csv`` and ``concordance.html``).

An entry whose source datasets are not all in ``adam``, or whose builder finds a variable
missing (:class:`~tlf.tables.common.MissingInputError`), is skipped and reported in
``TlfRun.skipped`` and the summary line (the run still produces everything else); any other
failure raises (a programming error), in a worker process too.

This module imports nothing heavy: this process loads the builders' libraries
(:mod:`tlf.outputs`), the PDF and the HTML writers only once the workers have their first
jobs, so they start at once.
"""

from __future__ import annotations

import gc
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tlf.catalogue import CatalogueEntry, load_catalogue
from tlf.jobs import MadeOutput, OutputJob
from tlf.render.spec import OutputSpec
from tlf.tables.common import Settings

CATALOGUE = "tlf_catalogue.yaml"
JOBS_PER_WORKER = 2
"""Jobs handed to each worker process at a time: the one it runs and the next, so a worker
never waits for this process (busy drawing the PDF bundle) to hand it more."""
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
        Seconds per step: ``prepare`` (catalogue, datasets, jobs), one per output id (build and
        files, in whichever process ran it), ``pdf`` (drawing and writing the bundle, waiting
        for the outputs excluded), ``outputs`` (from the first job handed out to the last
        result in), ``finish`` (results, HTML page, concordance).
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


def prepare_datasets(adam: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
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


_relaxed_depth = 0
"""How many :func:`relaxed_garbage_collection` blocks this process is inside (the build and the jobs it runs itself, all on one thread)."""


@contextmanager
def relaxed_garbage_collection(young_threshold: int = GC_YOUNG_THRESHOLD) -> Iterator[None]:
    """Collect cyclic garbage less often for the duration of the block, then restore the settings.

    The build allocates many long-lived containers (matplotlib artists, pydantic models,
    DataFrames); with Python's default thresholds the collector runs about a thousand times
    and rescans them, some 8 % of the build's CPU. Inside the block the objects alive at its
    start are frozen (``gc.freeze``: never rescanned) and the young generation is collected
    every ``young_threshold`` net allocations instead of 700. Cycles are still collected, so
    memory stays bounded (the whole build: about 20 MB more at its peak). A caller that has
    frozen objects itself keeps them frozen; nothing is frozen or unfrozen then. A block inside
    another (a job run by the build in this process) changes nothing: counting the frozen
    objects again would walk all of them every time.
    """
    global _relaxed_depth
    if _relaxed_depth:
        _relaxed_depth += 1
        try:
            yield
        finally:
            _relaxed_depth -= 1
        return
    thresholds = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(young_threshold, *thresholds[1:])
    _relaxed_depth = 1
    try:
        yield
    finally:
        _relaxed_depth = 0
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()


def create_jobs(entries: Sequence[CatalogueEntry], data: Mapping[str, pd.DataFrame], study: object, *,
                folder: Path, cutoff_name: str) -> list[OutputJob]:
    """One job per catalogue entry, in catalogue order, each with only the source datasets it reads."""
    context = base_context(study, cutoff_name)
    cutoff = study.cutoff_date(cutoff_name).isoformat()
    return [
        OutputJob(entry, {name: data[name] for name in entry.source if name in data},
                  Settings.from_study(study, population=entry.population_flag), study.id, cutoff, folder, context,
                  file_stem(entry.id))
        for entry in entries
    ]


def run_job(job: OutputJob) -> MadeOutput:
    """Build one output and write its files (:func:`tlf.outputs.make_output`), garbage collection relaxed.

    A module-level function of this light module, so that handing it to a worker process does
    not load the builders' libraries here.
    """
    from tlf.outputs import make_output

    with relaxed_garbage_collection():
        return make_output(job)


class _SharedJobs:
    """Run jobs here and on single-process executors; give their results back in job order.

    The jobs wait in one queue, in job order. Each executor holds at most
    :data:`JOBS_PER_WORKER` of them at a time and takes the next one waiting as soon as it
    finishes one (from the executor's thread, so even while this process is busy); this
    process, whenever the result it needs next is not in, runs the next job waiting itself,
    and only when none waits does it wait for a worker. So every process stays busy until the
    queue is empty, and with no executors every job runs here. A job that raises raises here
    when its result is due; :meth:`close` cancels the jobs no worker has started.
    """

    def __init__(self, jobs: Sequence[OutputJob], executors: Sequence[Executor]) -> None:
        self._waiting = deque(enumerate(jobs))
        self._count = len(jobs)
        self._futures: dict[int, Future] = {}
        self._done: dict[int, MadeOutput] = {}
        self._lock = threading.Lock()
        self._closed = False
        for executor in executors:
            for _ in range(JOBS_PER_WORKER):
                self._hand_out(executor)

    def _hand_out(self, executor: Executor) -> None:
        """Give ``executor`` the next job waiting; it asks for another when that one is done."""
        with self._lock:
            if self._closed or not self._waiting:
                return
            index, job = self._waiting.popleft()
            future = self._futures[index] = executor.submit(run_job, job)
        future.add_done_callback(lambda done: self._next_for(executor, done))

    def _next_for(self, executor: Executor, done: Future) -> None:
        if not done.cancelled() and done.exception() is None:
            self._hand_out(executor)

    def _run_next_here(self) -> bool:
        """Run the next job waiting in this process; False when none waits."""
        with self._lock:
            if not self._waiting:
                return False
            index, job = self._waiting.popleft()
        self._done[index] = run_job(job)
        return True

    def _result(self, index: int) -> MadeOutput:
        """Job ``index``'s result; until a worker has it, run waiting jobs here (``index`` itself if not handed out)."""
        while index not in self._done:
            with self._lock:
                future = self._futures.get(index)
            if future is not None and future.done():
                break
            if not self._run_next_here():
                if future is None:
                    raise RuntimeError(f"TLF job {index} was neither handed out nor run")
                break
        if index in self._done:
            return self._done.pop(index)
        with self._lock:
            future = self._futures.pop(index)
        return future.result()

    def __iter__(self) -> Iterator[MadeOutput]:
        for index in range(self._count):
            yield self._result(index)

    def close(self) -> None:
        """Hand out no more jobs; cancel those no worker has started."""
        with self._lock:
            self._closed = True
            self._waiting.clear()
            futures = list(self._futures.values())
        for future in futures:
            future.cancel()


def run_jobs(jobs: Sequence[OutputJob], executors: Sequence[Executor] = ()) -> _SharedJobs:
    """The jobs' results in job order, run here and by ``executors`` (worker processes) (:class:`_SharedJobs`).

    Use with :func:`contextlib.closing`, so that jobs not started are cancelled if the caller stops early.
    """
    return _SharedJobs(jobs, executors)


def build_tlfs(
    adam: Mapping[str, pd.DataFrame], study: object, *, out: Path, cutoff_name: str,
    executors: Sequence[Executor] = (),
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
    executors : sequence of Executor, optional
        Worker processes, each an executor of one process (started with ``spawn``: the polars
        threads that rtflite starts make ``fork`` unsafe), that share the outputs' jobs
        (:func:`run_job`) with this process, which also draws the PDF bundle. Default: none,
        every job runs in this process. The files are the same either way: no output depends
        on another or on what a process built before.

    Returns
    -------
    TlfRun
        With ``summary`` such as ``"53/54 published values reproduced; 1 irreproducible, see
        concordance.html"``.

    Notes
    -----
    Garbage collection is relaxed for the build (:func:`relaxed_garbage_collection`), in this
    process and around each job in a worker.
    """
    out = Path(out)
    folder = out / "tlf"
    folder.mkdir(parents=True, exist_ok=True)
    with relaxed_garbage_collection():
        started = time.perf_counter()
        entries = load_catalogue(Path(study.folder) / CATALOGUE)
        jobs = create_jobs(entries, prepare_datasets(adam), study, folder=folder, cutoff_name=cutoff_name)
        timings: dict[str, float] = {"prepare": time.perf_counter() - started}
        with closing(run_jobs(jobs, executors)) as results:
            made, pdf = _write_pdf(results, folder, f"{study.id} tables, listings and figures ({cutoff_name} cut-off)",
                                   timings)
        started = time.perf_counter()
        run = _finish(made, study, folder, out, cutoff_name, timings)
        timings["finish"] = time.perf_counter() - started
    run.files += pdf
    return run


def _write_pdf(results: Iterable[MadeOutput], folder: Path, title: str,
               timings: dict[str, float]) -> tuple[list[MadeOutput], list[Path]]:
    """Every output as it comes, drawn into the PDF bundle (none when nothing was built); the outputs and the PDF."""
    started = time.perf_counter()
    from tlf.render.pdf import PdfBundle  # loaded once the workers have their first jobs

    bundle = PdfBundle(title=title)
    made, drawing = [], time.perf_counter() - started
    for output in results:
        made.append(output)
        if output.spec is not None:
            drawn = time.perf_counter()
            bundle.add(output.spec, output.image)
            drawing += time.perf_counter() - drawn
    timings["outputs"] = time.perf_counter() - started
    if not any(output.spec is not None for output in made):
        return made, []
    saved = time.perf_counter()
    pdf = bundle.save(folder / "tlf_bundle.pdf")
    timings["pdf"] = drawing + time.perf_counter() - saved
    return made, [pdf]


def _finish(made: list[MadeOutput], study: object, folder: Path, out: Path, cutoff_name: str,
            timings: dict[str, float]) -> TlfRun:
    """Results dataset, HTML review page and concordance report (the PDF is written before)."""
    from tlf import concordance as conc
    from tlf.render.html import render_html_page
    from tlf.results import create_results, write_results

    cutoff = study.cutoff_date(cutoff_name).isoformat()
    specs = [m.spec for m in made if m.spec is not None]
    timings.update({m.output_id: m.seconds for m in made if m.spec is not None})
    files = [f for m in made for f in m.files]
    results = create_results({m.output_id: m.stats for m in made if m.stats is not None})
    files.append(write_results(results, folder / "results.csv"))
    if specs:
        files.append(render_html_page(specs, folder / "tlf_review.html",
                                      title=f"{study.id} TLF review ({cutoff_name} cut-off)",
                                      context={"Study": study.id, "Data cut-off": f"{cutoff} ({cutoff_name})",
                                               "Outputs": len(specs)}))
    table = conc.create_concordance(study.publication, results)
    files += list(conc.write_concordance(table, out, study_id=study.id, cutoff=cutoff))
    skipped = {m.output_id: m.skipped for m in made if m.skipped}
    summary = conc.summary_line(table)
    if skipped:
        summary += f"; {len(skipped)} output(s) not built ({', '.join(skipped)})"
    return TlfRun(outputs=specs, files=files, results=results, concordance=table, summary=summary, skipped=skipped,
                  timings=timings)
