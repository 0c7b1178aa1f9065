"""Time ``subpack run`` end to end and per stage on the embedded study.

Run:  python benchmarks/bench_pipeline.py [--repeat 3] [--study alter_e003] [--cutoff final]

Each repetition is a fresh process (cold imports, as a user meets it). The per-stage figures
are read from the run log's ``NOTE: Stage X took Y seconds.`` lines. Record results in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGE_LINE = re.compile(r"^NOTE: Stage (\S+) took ([0-9.]+) seconds\.$")


def run_once(study: str, cutoff: str | None) -> tuple[float, dict[str, float]]:
    """One cold run in a subprocess; wall time and per-stage seconds."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "pkg"
        command = [sys.executable, "-m", "subpack", "run", "--study", study, "--out", str(out), "--quiet"]
        if cutoff:
            command += ["--cutoff", cutoff]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - start
        stages = {}
        for line in (out / "run.log").read_text().splitlines():
            match = STAGE_LINE.match(line)
            if match:
                stages[match.group(1)] = float(match.group(2))
        return wall, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--study", default="alter_e003")
    parser.add_argument("--cutoff")
    args = parser.parse_args()
    walls, per_stage = [], {}
    for _ in range(args.repeat):
        wall, stages = run_once(args.study, args.cutoff)
        walls.append(wall)
        for name, seconds in stages.items():
            per_stage.setdefault(name, []).append(seconds)
    print(f"subpack run ({args.study}), {args.repeat} cold runs: median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f})")
    for name, values in per_stage.items():
        print(f"  stage {name:<12} median {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
