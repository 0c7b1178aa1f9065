"""Time the ADaM stage (all datasets, their XPT/Dataset-JSON files and the response QC) on the
embedded study and on a simulated N-subject study.

Run:  python benchmarks/bench_adam.py [--subjects 10000] [--sdtm-cache DIR]

The SDTM input is produced first and is not timed: for the N-subject study the simulator writes
the raw exports and the SDTM mapping runs once; ``--sdtm-cache`` keeps those SDTM datasets
(pickled frames) so later runs start at ADaM. The ADaM stage is timed in-process exactly as
``subpack run`` runs it (``subpack.stages.build_adam_stage``): wall time, CPU time, peak RSS,
and the time of each dataset's derivation. Record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pickle
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
from rich.console import Console

import adam.build as adam_build
from edc.simulate import write_scaled_study
from sdtm.build import publishable, run_mappers
from sdtm.context import MappingContext
from sdtm.mapping import load_mapping
from sdtm.registry import MAPPERS
from specs.loader import load_study
from subpack.context import RunContext
from subpack.runlog import RunLog
from subpack.stages import build_adam_stage

STUDY = "alter_e003"


def map_sdtm(raw: Path, study, cutoff: dt.date) -> dict[str, pd.DataFrame]:
    """The SDTM datasets of a raw-data folder, as the SDTM stage maps them (not timed)."""
    ctx = MappingContext(study, load_mapping(Path(study.folder)), raw, cutoff)
    results = run_mappers(ctx, MAPPERS)
    return {name: publishable(result.data).reset_index(drop=True) for name, result in results.items()}


def sdtm_for(subjects: int | None, study, cutoff: dt.date, cache: Path | None) -> dict[str, pd.DataFrame]:
    """SDTM of the embedded study (``subjects`` None) or of a simulated study, cached on request."""
    cached = cache / f"sdtm_{subjects or 'embedded'}.pickle" if cache else None
    if cached and cached.exists():
        return pickle.loads(cached.read_bytes())
    if subjects is None:
        frames = map_sdtm(Path(study.folder).parents[1] / "rawdata" / STUDY, study, cutoff)
    else:
        with tempfile.TemporaryDirectory() as folder:
            write_scaled_study(Path(folder), subjects=subjects, seed=1)
            frames = map_sdtm(Path(folder), study, cutoff)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(frames))
    return frames


def _timed_creators() -> dict[str, float]:
    """Wrap each ``create_*`` used by adam.build so its time is recorded (name -> seconds)."""
    timings: dict[str, float] = {}
    for name in [n for n in vars(adam_build) if n.startswith("create_")]:
        original = getattr(adam_build, name)

        def timed(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                timings[_name] = timings.get(_name, 0.0) + time.perf_counter() - start

        setattr(adam_build, name, timed)
    return timings


def time_adam(sdtm: dict[str, pd.DataFrame], study, cutoff: dt.date) -> dict[str, float]:
    """Run the ADaM stage once in a temporary folder; wall/CPU seconds and per-dataset seconds."""
    timings = _timed_creators()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "reports").mkdir()
        context = RunContext(study=study, work=work, raw=work, cutoff="final", cutoff_date=cutoff,
                             log=RunLog(console=Console(quiet=True)))
        context.results["sdtm"] = sdtm
        wall, cpu = time.perf_counter(), time.process_time()
        build_adam_stage(context)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        records = {name: len(frame) for name, frame in context.results.get("adam", {}).items()}
    return {"wall": wall, "cpu": cpu, **{k.removeprefix("create_"): v for k, v in timings.items()},
            "records": sum(records.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--sdtm-cache", type=Path)
    args = parser.parse_args()
    study = load_study(STUDY)
    cutoff = study.cutoff_date()
    for subjects in (None, args.subjects):
        sdtm = sdtm_for(subjects, study, cutoff, args.sdtm_cache)
        figures = time_adam(sdtm, study, cutoff)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        label = "embedded study" if subjects is None else f"{subjects} simulated subjects"
        print(f"{label}: {len(sdtm['DM'])} subjects, {figures.pop('records')} ADaM records; "
              f"ADaM stage {figures.pop('wall'):.2f} s wall, {figures.pop('cpu'):.2f} s CPU; peak RSS so far {peak:.0f} MB")
        print("  " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(figures.items())))


if __name__ == "__main__":
    main()
