"""Time the SDTM stage (raw reading, mapping, writing, reconciliation) on the embedded and scaled studies.

Run:  python benchmarks/bench_sdtm.py [--subjects 10000] [--seed 1] [--cache DIR] [--skip-embedded]

What is timed is ``subpack.stages.build_sdtm`` (what ``subpack run`` does in its sdtm stage:
read every raw form, map every domain, check and write each domain as XPT + Dataset-JSON, write
the data issues and the reconciliation), after the rawdata stage (``inventory_raw``, timed on its
own) that it takes the delivered record counts from. The scaled studies are written by
``subpack simulate --subjects N`` (uncalibrated, same forms and data issues) with 2,500, 5,000
and ``--subjects`` subjects, so the growth of time and memory with the study size can be seen;
``--cache DIR`` keeps them (``DIR/subjects_N``) for later runs.

Each measurement is a fresh process (cold imports) reporting wall time, process CPU time
(``time.process_time``) and peak resident memory (``resource.getrusage``), with the stage split
into mapping (reading included), writing with the reconciliation (``sdtm.build.write_sdtm``) and
the rest (reports), and the CPU time and peak memory of the forked Dataset-JSON writer.
Target (issue #4): the SDTM stage of the 10,000-subject study <= 60 s on 2 cores, memory
growing linearly with the number of subjects. Record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SNIPPET = """
import json, resource, sys, tempfile, time
from pathlib import Path
from rich.console import Console
from specs.loader import load_study, study_folder
from subpack import stages
from subpack.context import RunContext
from subpack.pipeline import default_raw
from subpack.runlog import RunLog

parts = {}
def timed(name, function):
    def run(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + time.process_time() - start
    return run
for name in ("run_mappers", "write_sdtm"):
    setattr(stages, name, timed(name, getattr(stages, name)))

study = load_study(study_folder("alter_e003"))
raw = Path(sys.argv[1]) if sys.argv[1] != "embedded" else default_raw(study)
with tempfile.TemporaryDirectory() as work:
    log = RunLog(console=Console(stderr=True), quiet=True)
    context = RunContext(study, study.default_cutoff, study.cutoff_date(None), raw, Path(work), log)
    wall, cpu = time.perf_counter(), time.process_time()
    stages.inventory_raw(context)
    inventory = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    stages.build_sdtm(context)
    sdtm = (time.perf_counter() - wall, time.process_time() - cpu)
records = sum(len(frame) for frame in context.results.get("sdtm", {}).values())
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"inventory": inventory, "sdtm": sdtm, "parts": parts, "records": records,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "writer_cpu": children.ru_utime + children.ru_stime, "writer_peak_mib": children.ru_maxrss / 1024}))
"""


def measure(raw: str) -> dict:
    """Figures of one cold run of the rawdata and sdtm stages on ``raw`` ("embedded" or a folder)."""
    result = subprocess.run([sys.executable, "-c", SNIPPET, raw], check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def simulated(root: Path, subjects: int, seed: int) -> Path:
    """The raw folder of a scaled study of ``subjects`` (written once per root)."""
    folder = root / f"subjects_{subjects}"
    if not (folder / ".complete").exists():
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "subpack", "simulate", "--subjects", str(subjects), "--seed", str(seed),
                        "--out", str(folder)], check=True, capture_output=True)
        (folder / ".complete").write_text("")
        print(f"  (simulated {subjects} subjects in {time.perf_counter() - start:.0f} s)")
    return folder


def report(label: str, figures: dict, *, target: float | None = None) -> None:
    """Print one measurement."""
    inv_wall, inv_cpu = figures["inventory"]
    wall, cpu = figures["sdtm"]
    parts = figures["parts"]
    mapping, writing = (parts.get(k, 0.0) for k in ("run_mappers", "write_sdtm"))
    verdict = "" if target is None else f"; target <= {target:g} s {'OK' if wall <= target else 'MISSED'}"
    print(f"{label}: sdtm stage {wall:.1f} s wall, {cpu:.1f} s CPU (mapping incl. reading {mapping:.1f}, writing "
          f"incl. reconciliation {writing:.1f}, reports {cpu - mapping - writing:.1f} s CPU) + {figures['writer_cpu']:.1f} s "
          f"CPU in the forked Dataset-JSON writer; rawdata stage {inv_wall:.1f} s wall, {inv_cpu:.1f} s CPU; peak RSS "
          f"{figures['peak_mib']:.0f} MiB (writer {figures['writer_peak_mib']:.0f} MiB); {figures['records']:,} SDTM records{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, help="keep the simulated studies here (reused when present)")
    parser.add_argument("--skip-embedded", action="store_true")
    args = parser.parse_args()
    if not args.skip_embedded:
        report("embedded study (53 subjects)", measure("embedded"))
    sizes = sorted({2_500, 5_000, args.subjects} if args.subjects > 5_000 else {args.subjects})
    with tempfile.TemporaryDirectory() as temp:
        root = args.cache or Path(temp)
        for subjects in sizes:
            figures = measure(str(simulated(root, subjects, args.seed)))
            report(f"scaled study ({subjects} subjects)", figures, target=60.0 if subjects == 10_000 else None)


if __name__ == "__main__":
    main()
