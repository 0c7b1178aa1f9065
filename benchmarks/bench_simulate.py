"""Time the raw-data simulator: the calibrated embedded study and a scaled study.

Run:  python benchmarks/bench_simulate.py [--subjects 10000] [--seed 1]

Each measurement is a fresh process (cold imports) timed with its peak resident memory
(``resource.getrusage``: the process itself and, for the scaled study, its worker processes).
Target: the 10,000-subject scaled study well under a minute on 2 cores, with memory that does
not grow with the number of subjects (rows are streamed to disk subject by subject).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

SNIPPET = """
import resource, sys, time
from pathlib import Path
from edc.simulate import write_scaled_study, write_study
out = Path(sys.argv[1])
start = time.perf_counter()
if sys.argv[2] == "embedded":
    files = write_study(Path("specs/alter_e003"), out)
else:
    files = write_scaled_study(out, subjects=int(sys.argv[2]), seed=int(sys.argv[3]))
wall = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
size = sum(p.stat().st_size for p in files)
print(f"{wall:.2f} {max(own, kids) / 1024:.0f} {len(files)} {size / 2**20:.1f}")
"""


def measure(what: str, seed: int) -> tuple[float, float, int, float]:
    """(seconds, peak MiB, files, MiB written) of one cold run."""
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run([sys.executable, "-c", SNIPPET, folder, what, str(seed)],
                                check=True, capture_output=True, text=True)
        wall, peak, files, size = result.stdout.split()
        return float(wall), float(peak), int(files), float(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for what in ("embedded", str(args.subjects)):
        start = time.perf_counter()
        wall, peak, files, size = measure(what, args.seed)
        label = "embedded study (53 subjects, calibrated)" if what == "embedded" else f"scaled study ({what} subjects)"
        print(f"{label}: {wall:.1f} s in-process, {time.perf_counter() - start:.1f} s with start-up, "
              f"peak RSS {peak:.0f} MiB, {files} files, {size:.1f} MiB")


if __name__ == "__main__":
    main()
