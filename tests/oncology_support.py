"""Helpers of the tumour-domain tests (TU, TR, RS, visits): raw forms in a tmp folder, a mapping
context with hand-made DM and SE, and the accounting check.

Imported as ``from oncology_support import ...`` (``tests`` is on the pytest pythonpath)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from sdtm.build import read_rejections
from sdtm.context import DomainResult, MappingContext
from sdtm.mapping import load_mapping
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
STUDYID = "ALTER-E-003"
S1, S2 = f"{STUDYID}-01-001", f"{STUDYID}-01-002"


def write_form(raw: Path, site: str, form: str, rows: list[dict], *, columns: list[str] | None = None,
               encoding: str = "utf-8") -> Path:
    """Write a raw form with the mapping spec's columns (EDC keys filled in; VISIT defaults to SCR)."""
    spec = MAPPING.form(form)
    folder = raw / f"site_{site}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.file}.csv"
    fieldnames = columns or list(spec.columns)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            keys = {"STUDYID": STUDYID, "SITEID": site, "SUBJID": "001", "VISIT": "SCR", "VISITNAME": "", "FORMOID": "X",
                    "RECPOS": "1"}
            writer.writerow({**keys, **row})
    return path


def hand_made_dm() -> pd.DataFrame:
    """Two treated subjects of site 01: first dose 2022-03-20 and 2022-04-01."""
    return pd.DataFrame({
        "STUDYID": STUDYID, "USUBJID": [S1, S2], "SUBJID": ["001", "002"], "SITEID": "01",
        "RFSTDTC": ["2022-03-20", "2022-04-01"], "RFXSTDTC": ["2022-03-20", "2022-04-01"],
    })


def hand_made_se() -> pd.DataFrame:
    """Screening up to the first dose, treatment after it (open)."""
    return pd.DataFrame({
        "USUBJID": [S1, S1, S2, S2], "ETCD": ["SCRN", "ANLBEN"] * 2,
        "SESTDTC": ["2022-03-01", "2022-03-20", "2022-03-10", "2022-04-01"],
        "SEENDTC": ["2022-03-20", None, "2022-04-01", None], "EPOCH": ["SCREENING", "TREATMENT"] * 2,
    })


def make_ctx(raw: Path, *, cutoff: dt.date = dt.date(2024, 12, 31)) -> MappingContext:
    """A mapping context on ``raw`` with the real study and mapping spec and hand-made DM/SE."""
    ctx = MappingContext(study=STUDY, mapping=MAPPING, raw=raw, cutoff=cutoff)
    ctx.results["DM"] = DomainResult("DM", hand_made_dm())
    ctx.results["SE"] = DomainResult("SE", hand_made_se())
    return ctx


def raw_rows(raw: Path, form: str) -> set[tuple[str, int]]:
    """(SOURCE_FILE, SOURCE_ROW) of every data row of a form in every site folder."""
    rows = set()
    for path in sorted(raw.glob(f"site_*/{MAPPING.form(form).file}.csv")):
        with path.open("rb") as handle:
            count = sum(1 for line in handle if line.strip()) - 1
        rows |= {(path.relative_to(raw).as_posix(), r) for r in range(2, count + 2)}
    return rows


def accounted_rows(ctx: MappingContext, *results: DomainResult) -> set[tuple[str, int]]:
    """Rows that are in some result's data, rejected, excluded or used, or rejected on reading."""
    rows = set()
    for result in results:
        for frame in (result.data, result.rejected, result.excluded, result.used):
            if {"SOURCE_FILE", "SOURCE_ROW"} <= set(frame.columns):
                rows |= set(zip(frame["SOURCE_FILE"], frame["SOURCE_ROW"].astype(int)))
    read = read_rejections(ctx)
    rows |= set(zip(read["SOURCE_FILE"], read["SOURCE_ROW"].astype(int)))
    return rows


def issues(ctx: MappingContext, check: str | None = None) -> pd.DataFrame:
    """The context's data issues (of one check)."""
    frame = ctx.issues.to_frame()
    return frame if check is None else frame[frame["check"] == check].reset_index(drop=True)
