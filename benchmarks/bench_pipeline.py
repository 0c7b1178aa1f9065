"""Time ``subpack run`` end to end and per stage on the embedded study.

Run:  python benchmarks/bench_pipeline.py [--repeat 3] [--study alter_e003] [--cutoff final]

Each repetition is a fresh process (cold imports, as a user meets it), with the project's
modules compiled to bytecode as ``pip install`` leaves them: the runs do not inherit
``PYTHONDONTWRITEBYTECODE`` and an untimed first run writes the ``__pycache__`` files
(``--no-bytecode`` measures the case of this workplace, where ``PYTHONDONTWRITEBYTECODE`` is
set and the project runs from its source tree: every project module compiled again in every
process, the run and its worker; the runs use a copy of the tree without ``__pycache__``
folders, the libraries keep their bytecode). The per-stage figures
are read from the run log's ``NOTE: Stage X took Y seconds.`` lines. The CPU time is the run's
processes' together (the run and its worker process), user + system; with the load average it
tells a slow run from a busy machine. Record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGE_LINE = re.compile(r"^NOTE: Stage (\S+) took ([0-9.]+) seconds\.$")


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


REPO = Path(__file__).resolve().parents[1]
SKIPPED = shutil.ignore_patterns("__pycache__", ".git", "out", ".out*", "build", "dist", ".ci-venv", ".venv", "*.egg-info")


def run_once(study: str, cutoff: str | None, env: dict[str, str], cwd: Path) -> tuple[float, float, dict[str, float]]:
    """One cold run in a subprocess; wall time, CPU time and per-stage seconds."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "pkg"
        command = [sys.executable, "-m", "subpack", "run", "--study", study, "--out", str(out), "--quiet"]
        if cutoff:
            command += ["--cutoff", cutoff]
        start, cpu = time.perf_counter(), _children_cpu()
        subprocess.run(command, check=True, capture_output=True, env=env, cwd=cwd)
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
        stages = {}
        for line in (out / "run.log").read_text().splitlines():
            match = STAGE_LINE.match(line)
            if match:
                stages[match.group(1)] = float(match.group(2))
        return wall, cpu, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--study", default="alter_e003")
    parser.add_argument("--cutoff")
    parser.add_argument("--no-bytecode", action="store_true", help="compile the project's modules in every run")
    args = parser.parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as copy:
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            cwd = Path(copy) / "tree"
            shutil.copytree(REPO, cwd, ignore=SKIPPED)
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            cwd = REPO
            run_once(args.study, args.cutoff, env, cwd)  # writes the bytecode, as an installation does
        measure(args, env, cwd)


def measure(args: argparse.Namespace, env: dict[str, str], cwd: Path) -> None:
    """Time ``args.repeat`` runs and print the figures."""
    walls, cpus, per_stage = [], [], {}
    load = os.getloadavg()[0]
    for _ in range(args.repeat):
        wall, cpu, stages = run_once(args.study, args.cutoff, env, cwd)
        walls.append(wall)
        cpus.append(cpu)
        for name, seconds in stages.items():
            per_stage.setdefault(name, []).append(seconds)
    bytecode = "compiled in every run" if args.no_bytecode else "compiled once"
    print(f"subpack run ({args.study}), {args.repeat} cold runs, bytecode {bytecode}: median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}); CPU median {statistics.median(cpus):.2f} s; "
          f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    for name, values in per_stage.items():
        print(f"  stage {name:<12} median {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
