"""The ``subpack`` command line. Thin: parses arguments and calls the pipeline or a tool."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from rich.console import Console

from subpack import __version__
from subpack.pipeline import EXIT_OK, EXIT_USAGE, run_pipeline

DESCRIPTION = """\
Build a CDISC submission package from a study's raw EDC exports:
raw site data -> SDTM -> ADaM -> tables, listings and figures, with define.xml,
conformance reports and a manifest of checksums.

The embedded default study is ALTER-E-003 (NCT05038813); its metadata live in
specs/alter_e003/ and its raw exports in rawdata/alter_e003/.
"""

EPILOG = """\
exit codes:
  0  the package was built (warnings may have been logged)
  1  a stage reported blocking errors; nothing was written (see <out>.failed.log)
  2  bad command line, unknown study, or a study spec that contradicts itself

examples:
  subpack run                              build out/alter_e003 at the final cut-off
  subpack run --cutoff interim --out pkg   the interim analysis, into ./pkg
  subpack run --study path/to/study --raw path/to/raw
  subpack simulate --subjects 10000 --out /tmp/raw10k
  subpack compare prod/adsl.xpt qc/adsl.xpt --by STUDYID,USUBJID
  subpack validate out/alter_e003/sdtm
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="subpack", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"subpack {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run", help="build the whole package", description="Run every stage in order into a temporary folder; "
        "move it to --out only when the run succeeds.",
    )
    run.add_argument("--study", default="alter_e003", help="study name under specs/ or path to a study folder (default: %(default)s)")
    run.add_argument("--out", type=Path, help="output folder (default: out/<study>)")
    run.add_argument("--cutoff", help="data cut-off: a name from study.yaml (final, interim) or a date YYYY-MM-DD, "
                     "on or after the last informed consent (default: the study's default)")
    run.add_argument("--raw", type=Path, help="raw-data folder (default: the study's embedded rawdata/<study>)")
    run.add_argument("--quiet", action="store_true", help="print only warnings, errors and the final line")

    simulate = commands.add_parser(
        "simulate", help="write simulated raw EDC exports",
        description="Write the calibrated embedded study's raw exports, or with --subjects an uncalibrated "
        "study of N subjects (same forms, same data issues) for benchmarks.",
    )
    simulate.add_argument("--study", default="alter_e003", help="study name under specs/ or path (default: %(default)s)")
    simulate.add_argument("--subjects", type=int, help="number of subjects of an uncalibrated study")
    simulate.add_argument("--seed", type=int, help="random seed (default: the simulator's configured seed)")
    simulate.add_argument("--out", type=Path, required=True, help="folder to write the site folders into")

    validate = commands.add_parser(
        "validate", help="validate a folder of SDTM/ADaM XPT files",
        description="Run the conformance rules (Pinnacle 21 / CDISC CORE style) over every .xpt in DIR, with "
        "define.xml beside them when present; write a P21-style validation.xlsx. Exit code 1 when errors are found.",
    )
    validate.add_argument("folder", type=Path, help="folder of .xpt files")
    validate.add_argument("--study", help="study name or folder whose spec workbooks also apply (optional)")
    validate.add_argument("--report", type=Path, help="where to write the workbook (default: DIR/validation.xlsx)")
    validate.add_argument("--cutoff", help="data cut-off date YYYY-MM-DD for the ADT rules (optional)")

    define = commands.add_parser(
        "define", help="regenerate define.xml of a built package",
        description="Rewrite sdtm/define.xml and adam/define.xml (and their HTML views) of a package folder from the "
        "study's spec workbooks and the XPT files in it; check them against the Define-XML 2.1 schema and the data.",
    )
    define.add_argument("package", type=Path, help="package folder written by subpack run (e.g. out/alter_e003)")
    define.add_argument("--study", default="alter_e003", help="study name under specs/ or path (default: %(default)s)")

    compare = commands.add_parser(
        "compare", help="compare two datasets (PROC COMPARE style)",
        description="Compare BASE with COMPARE (XPT, Dataset-JSON or CSV) by key variables: attributes, "
        "observations in one only, and value differences. Exit code 0 only when identical within tolerance, "
        "1 when they differ, 2 for a usage problem.",
    )
    compare.add_argument("base", help="the base dataset (production)")
    compare.add_argument("compare", help="the compare dataset (QC)")
    compare.add_argument("--by", required=True, help="comma-separated key variables, e.g. USUBJID,PARAMCD,ADT")
    compare.add_argument("--tolerance", type=float, default=1e-8, help="numeric criterion (default: %(default)s)")
    compare.add_argument("--method", choices=["absolute", "relative"], default="absolute", help="numeric comparison method")
    compare.add_argument("--max-examples", type=int, default=10, help="differences listed per variable (default: %(default)s)")
    return parser


def _simulate(args: argparse.Namespace, console: Console) -> int:
    from edc import simulate
    from specs.loader import study_folder

    if args.subjects is not None:
        if args.subjects < 1:
            console.print("ERROR: --subjects must be at least 1", style="bold red")
            return EXIT_USAGE
        files = simulate.write_scaled_study(args.out, subjects=args.subjects, seed=args.seed if args.seed is not None else 1)
    else:
        files = simulate.write_study(study_folder(args.study), args.out, seed=args.seed)
    console.print(f"NOTE: wrote {len(files)} raw files under {args.out}")
    return EXIT_OK


def _validate(args: argparse.Namespace, console: Console) -> int:
    import datetime as dt

    from specs.loader import load_study
    from specs.rules import summary_line, validate_folder
    from specs.rules.report import write_validation_report

    if not args.folder.is_dir():
        console.print(f"ERROR: {args.folder} is not a folder", style="bold red")
        return EXIT_USAGE
    standards = []
    if args.study:
        study = load_study(args.study)
        standards = [s for s in (study.sdtm, study.adam) if s is not None]
    cutoff = dt.date.fromisoformat(args.cutoff) if args.cutoff else None
    findings = validate_folder(args.folder, standard=standards or None, cutoff=cutoff)
    report = args.report or args.folder / "validation.xlsx"
    write_validation_report(findings, None, None, report)
    console.print(f"NOTE: {summary_line(findings)}; report: {report}")
    return 1 if findings.counts["Error"] else EXIT_OK


def _define(args: argparse.Namespace, console: Console) -> int:
    import pyreadstat

    from specs.ct import CT_FOLDER
    from specs.define import DefineContext
    from specs.define.package import write_package_define
    from specs.loader import load_study

    study = load_study(args.study)
    context = DefineContext.for_study(study, ct_yaml=CT_FOLDER / "ct_subset.yaml", source_system_version=__version__)
    written = 0
    problems: list[str] = []
    for key, standard in (("sdtm", study.sdtm), ("adam", study.adam)):
        folder = args.package / key
        files = sorted(folder.glob("*.xpt")) if folder.is_dir() else []
        if standard is None or not files:
            continue
        frames = {path.stem.upper(): pyreadstat.read_xport(path)[0] for path in files}
        outcome = write_package_define(standard, study, frames, folder, context=context, analysis_results=key == "adam")
        problems += [f"{key}/define.xml: {p}" for p in outcome.problems]
        written += 1
    if not written:
        console.print(f"ERROR: no sdtm/ or adam/ XPT files under {args.package}", style="bold red")
        return EXIT_USAGE
    for problem in problems:
        console.print(f"ERROR: {problem}", style="bold red", markup=False)
    console.print(f"NOTE: wrote {written} define.xml file(s) under {args.package}; {len(problems)} problem(s)")
    return 1 if problems else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``subpack`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    if args.command == "run":
        return run_pipeline(args.study, out=args.out, cutoff=args.cutoff, raw=args.raw, console=console, quiet=args.quiet)
    if args.command == "simulate":
        return _simulate(args, console)
    if args.command == "validate":
        return _validate(args, console)
    if args.command == "define":
        return _define(args, console)
    if args.command == "compare":
        from specs.compare import main_compare

        return main_compare(args.base, args.compare, args.by, args.tolerance, args.max_examples, args.method)
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def console_main() -> int:
    """Entry point of the ``subpack`` console script and ``python -m subpack``: :func:`main`,
    then every object still alive is frozen for the interpreter's exit.

    At exit Python runs one last garbage collection over every object still alive, the loaded
    libraries' (pandas, matplotlib, scipy) included: about 0.4 s after ``subpack run``, for
    nothing, since the process's memory goes back to the system anyway. Frozen objects
    (``gc.freeze``) are skipped. Everything else of the exit happens as usual: ``atexit``
    handlers, flushing the standard streams, and finalizers of objects freed by reference
    counting. Every file the commands write is closed before :func:`main` returns. Calling
    :func:`main` (the tests do) freezes nothing.
    """
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(console_main())
