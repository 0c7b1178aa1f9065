"""The TLF stage (tlf/build.py): catalogue wiring, files written, results, concordance, byte stability."""

from __future__ import annotations

import gc
import inspect
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import pytest
from fpdf.image_parsing import get_img_info
from PIL import Image
from support import REPO

from specs.loader import load_study
from tlf.build import (
    CATALOGUE,
    _blank_to_missing,
    base_context,
    build_tlfs,
    create_jobs,
    file_stem,
    relaxed_garbage_collection,
    run_jobs,
)
from tlf.catalogue import load_catalogue
from tlf.outputs import BUILDERS, write_figure_png


@pytest.fixture(scope="module")
def study():
    return load_study("alter_e003")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(REPO / "specs" / "alter_e003" / CATALOGUE)


def test_every_catalogue_program_is_a_registered_builder(catalogue):
    assert {e.program for e in catalogue} <= set(BUILDERS)


def test_catalogue_sources_match_builder_parameters(catalogue):
    for entry in catalogue:
        parameters = inspect.signature(BUILDERS[entry.program]).parameters.values()
        positional = [p for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert [p.name.upper() for p in positional] == list(entry.source), entry.id


def test_file_stem():
    assert file_stem("F-14.2.10") == "f_14_2_10"


def test_base_context_from_study():
    recist = SimpleNamespace(confirmation_min_days=28, sd_min_days=42)
    analysis = SimpleNamespace(ci_level=0.95, days_per_month=30.4375, landmark_months=(6, 12, 18, 24),
                               teae_window_days=30, recist=recist)
    context = base_context(SimpleNamespace(analysis=analysis, short_title="ALTER-E-003"), "final")
    assert (context["ci_pct"], context["landmarks"], context["days_per_month"]) == ("95", "6, 12, 18 and 24", "30.4375")


def test_blank_text_becomes_missing():
    frame = _blank_to_missing(pd.DataFrame({"A": ["Y", "", "  "], "B": [1.0, 2.0, 3.0]}))
    assert frame["A"].tolist() == ["Y", None, None]


@pytest.mark.slow
def test_outputs_without_their_datasets_are_skipped(tmp_path, study, small_adam):
    run = build_tlfs({"ADSL": small_adam["ADSL"]}, study, out=tmp_path, cutoff_name="final")
    assert "T-14.2.1" in run.skipped and run.skipped["T-14.2.1"].startswith("missing ADRS")
    assert {s.output_id for s in run.outputs} == {"T-14.1.1", "F-14.1.1", "T-14.1.2", "L-16.2.1", "L-16.2.8"}
    assert "output(s) not built" in run.summary


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, study, small_adam_shared):
    out = tmp_path_factory.mktemp("tlf_run")
    return out, build_tlfs(small_adam_shared, study, out=out, cutoff_name="final")


@pytest.mark.slow
def test_every_catalogue_output_is_built_and_rendered(full_run, catalogue):
    out, run = full_run
    assert [s.output_id for s in run.outputs] == [e.id for e in catalogue]
    for entry in catalogue:
        stem = out / "tlf" / file_stem(entry.id)
        assert stem.with_suffix(".rtf").exists(), entry.id
        if entry.kind == "figure":
            assert stem.with_suffix(".png").exists() and stem.with_suffix(".svg").exists()
    for name in ("tlf_bundle.pdf", "tlf_review.html", "results.csv"):
        assert (out / "tlf" / name).exists()
    assert (out / "concordance.csv").exists() and (out / "concordance.html").exists()


@pytest.mark.slow
def test_rtf_files_are_well_formed(full_run):
    out, _ = full_run
    for path in (out / "tlf").glob("*.rtf"):
        text = path.read_text(encoding="ascii")
        assert text.startswith("{\\rtf1")
        body = re.sub(r"\\[{}\\]", "", text)
        assert body.count("{") == body.count("}"), path.name


@pytest.mark.slow
def test_titles_filled_from_data(full_run):
    _, run = full_run
    spec = next(s for s in run.outputs if s.output_id == "T-14.2.1")
    assert spec.population == "Efficacy set (N=12)"
    assert spec.column_headers[0][1].text == "All subjects (N=12)"
    assert any("28 days" in f for f in spec.footnotes)


@pytest.mark.slow
def test_results_hold_every_output_with_statistics(full_run):
    _, run = full_run
    assert set(run.results["OUTPUT_ID"]) == {s.output_id for s in run.outputs}
    written = pd.read_csv(run.files[[f.name for f in run.files].index("results.csv")])
    assert len(written) == len(run.results)


@pytest.mark.slow
def test_concordance_summary_and_orr_p_irreproducible(full_run):
    _, run = full_run
    assert re.fullmatch(r"\d+/\d+ published values reproduced(; \d+ \w+)*, see concordance\.html", run.summary)
    table = run.concordance.set_index("path")
    assert table.loc["biomarker.orr_p_value.published", "status"] == "irreproducible"
    assert table.loc["efficacy.confirmed_bor.CR", "status"] == "match"  # the small study has 1 CR too


@pytest.mark.slow
def test_rerun_writes_identical_files(tmp_path, full_run, study, small_adam_shared):
    out, _ = full_run
    build_tlfs(small_adam_shared, study, out=tmp_path, cutoff_name="final")
    first = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    for name in first:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name


NUMERIC_CELL = re.compile(r"(NE|<?\d[\d.]*)( \(.*\))?|\(.*\)|\d+/\d+")


@pytest.mark.slow
def test_every_number_of_every_table_is_in_the_results(full_run):
    from tlf.tables.common import round_half_up

    _, run = full_run
    for spec in (s for s in run.outputs if s.kind == "table"):
        values = run.results.loc[run.results["OUTPUT_ID"] == spec.output_id, "VALUE"].dropna()
        shown = {str(round_half_up(v, places)) for v in values for places in range(4)}
        labels = {spec.display_columns[0], "Level"}  # row labels (an ECOG level "0" is not a statistic)
        cells = [c for column in spec.display_columns if column not in labels for c in spec.body[column]
                 if NUMERIC_CELL.fullmatch(c)]
        numbers = {n for c in cells for n in re.findall(r"\d+(?:\.\d+)?", c)}
        assert numbers <= shown, (spec.output_id, sorted(numbers - shown))


@pytest.fixture(scope="module")
def worker():
    """One spawned worker process, as the pipeline hands the TLF stage."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield executor


@pytest.mark.slow
def test_outputs_built_with_a_worker_process_are_the_same_files(tmp_path, full_run, study, small_adam_shared, worker):
    out, run = full_run
    shared = build_tlfs(small_adam_shared, study, out=tmp_path, cutoff_name="final", executors=(worker,))
    assert [s.output_id for s in shared.outputs] == [s.output_id for s in run.outputs]
    first = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert first == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for name in first:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name


def _jobs(study, small_adam, folder, *, program=None):
    entries = load_catalogue(REPO / "specs" / "alter_e003" / CATALOGUE)[:3]
    if program is not None:
        entries[1] = replace(entries[1], program=program)
    return create_jobs(entries, {k.upper(): v for k, v in small_adam.items()}, study, folder=folder, cutoff_name="final")


@pytest.mark.slow
def test_jobs_shared_with_a_worker_come_back_in_job_order(tmp_path, study, small_adam, worker):
    jobs = _jobs(study, small_adam, tmp_path)
    with closing(run_jobs(jobs, (worker,))) as results:
        assert [made.output_id for made in results] == [job.entry.id for job in jobs]


@pytest.mark.slow
def test_an_error_in_a_job_run_by_a_worker_is_raised_here(tmp_path, study, small_adam, worker):
    jobs = _jobs(study, small_adam, tmp_path, program="tlf.nowhere:build_nothing")
    with pytest.raises(KeyError, match="not a registered TLF builder"), closing(run_jobs(jobs, (worker,))) as results:
        list(results)


def test_each_job_holds_only_its_source_datasets(tmp_path, study, small_adam):
    for job in _jobs(study, small_adam, tmp_path):
        assert set(job.data) == {name for name in job.entry.source if name in {k.upper() for k in small_adam}}
        assert job.settings.population == job.entry.population_flag


def test_garbage_collection_is_relaxed_inside_and_restored_after():
    before = gc.get_threshold()
    with relaxed_garbage_collection(young_threshold=12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_garbage_collection_is_restored_when_the_build_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), relaxed_garbage_collection():
        raise RuntimeError("builder failed")
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


def test_figure_png_and_its_pdf_image_come_from_one_quantisation(tmp_path):
    image = Image.new("RGB", (30, 20), "white")
    image.paste((215, 48, 39), (5, 5, 25, 15))
    info = write_figure_png(image, tmp_path / "f.png")
    with Image.open(tmp_path / "f.png") as png:
        assert png.mode == "P" and png.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert info == get_img_info(str(tmp_path / "f.png"))


def test_objects_frozen_by_the_caller_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with relaxed_garbage_collection():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_block_inside_another_leaves_the_outer_settings_alone(monkeypatch):
    before = gc.get_threshold()
    with relaxed_garbage_collection(young_threshold=12_345):
        frozen = gc.get_freeze_count()
        monkeypatch.setattr(gc, "get_freeze_count", lambda: pytest.fail("counted the frozen objects again"))
        with relaxed_garbage_collection(young_threshold=99):
            assert gc.get_threshold() == (12_345, *before[1:])
        monkeypatch.undo()
        assert gc.get_threshold() == (12_345, *before[1:]) and gc.get_freeze_count() == frozen
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)
