"""Run every applicable rule over a set of SDTM/ADaM datasets and collect the findings.

:func:`validate_datasets` takes frames in memory; :func:`validate_folder` reads every ``.xpt``
of a folder (and ``define.xml`` beside them). Both return :class:`Findings`: one row per finding
(:data:`FINDING_COLUMNS`), the status of every rule (applied to which datasets, or skipped and
why) and a summary per dataset. A rule whose scope does not fit a dataset (another standard,
domain or class, a variable or domain it needs is absent, an engine option is not given) does
not run there; foreign data therefore never reaches a check that cannot handle it.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from specs.model import Standard
from specs.rules.adam_rules import ADAM
from specs.rules.context import Context, DatasetInfo, classify
from specs.rules.define import read_define
from specs.rules.metadata_rules import META
from specs.rules.registry import DATASET_LEVEL, SEVERITIES, Rule, clear_cache, is_character
from specs.rules.sdtm_rules import SDTM
from specs.rules.sdtm_subject_rules import SUBJECT
from specs.rules.xport import XportMeta, read_xport

FINDING_COLUMNS = ["dataset", "row", "variables", "values", "rule", "p21_id", "core_id", "severity", "message"]
"""Columns of a findings frame. ``row`` is the 0-based record number (None for a finding about
the dataset or a variable as a whole; reports show it 1-based as P21's "Record")."""

RULE_STATUS_COLUMNS = ["rule", "p21_id", "core_id", "standard", "severity", "message", "description",
                       "status", "datasets", "reason", "findings"]

ALL_RULES: tuple[Rule, ...] = tuple(SDTM) + tuple(SUBJECT) + tuple(ADAM) + tuple(META)
"""Every rule of the engine, in report order."""

OPTION_REASONS = {
    "define": "no define.xml given",
    "cutoff": "no data cut-off date given",
    "formats": "no variable formats known (validate XPT files or give a define.xml)",
    "lengths": "no variable lengths known (validate XPT files or give a define.xml)",
    "labels": "no labels known (validate XPT files)",
    "spec": "no spec workbook (Standard) describes the dataset",
}


@dataclass
class Findings:
    """The result of a validation run."""

    frame: pd.DataFrame
    rules: pd.DataFrame
    datasets: pd.DataFrame

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings per severity (Error, Warning, Notice)."""
        counts = self.frame["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}

    @property
    def errors(self) -> pd.DataFrame:
        """Findings of severity Error."""
        return self.frame[self.frame["severity"] == "Error"]

    def of(self, rule: str) -> pd.DataFrame:
        """Findings of one rule."""
        return self.frame[self.frame["rule"] == rule]


# --- applicability -----------------------------------------------------------------------------

def _option_known(option: str | None, ds: DatasetInfo | None, ctx: Context) -> bool:
    if option is None:
        return True
    if option == "define":
        return ctx.define is not None
    if option == "cutoff":
        return ctx.cutoff is not None
    if option == "spec":
        return ds is not None and ctx.spec(ds.name) is not None
    if option == "formats":
        return ds is not None and bool(ctx.formats.get(ds.name))
    if option == "lengths":
        return ds is not None and (bool(ctx.lengths.get(ds.name)) or (
            ctx.define is not None and ds.name in ctx.define.datasets))
    if option == "labels":
        return ds is not None and ds.name in ctx.labels
    raise ValueError(f"unknown rule option {option!r}")


def _needs_met(rule: Rule, ctx: Context) -> str | None:
    for need in rule.needs:
        if not any(ctx.has(d) or d in ctx.datasets for d in need.split("|")):
            return f"needs {need.replace('|', ' or ')} (not provided)"
    return None


def _why_not(rule: Rule, ds: DatasetInfo, data: pd.DataFrame, ctx: Context) -> tuple[int, str] | None:
    """None when the rule applies to the dataset, else (priority, reason) for the Rules sheet."""
    if rule.standard != "both" and ds.standard != rule.standard:
        return 0, f"no {rule.standard} dataset"
    if rule.domains and ds.domain not in rule.domains and ds.name not in rule.domains:
        return 1, f"no {'/'.join(rule.domains)} dataset"
    if rule.classes and ds.cls not in rule.classes:
        return 1, f"no {'/'.join(c.lower() for c in rule.classes)} dataset"
    missing = [v for v in ds.vars(*rule.variables) if v not in data.columns]
    if missing:
        generic = ", ".join(rule.variables)
        return 2, f"no dataset in scope has {generic}"
    need = _needs_met(rule, ctx)
    if need:
        return 3, need
    if rule.spec_free and ctx.spec(ds.name) is not None:
        return 4, "covered by the spec checks (SPEC rules) where a spec describes the dataset"
    if not _option_known(rule.option, ds, ctx):
        return 5, OPTION_REASONS[rule.option]
    return None


# --- hits -> findings --------------------------------------------------------------------------

def _format(series: pd.Series) -> pd.Series:
    """Values as display text: missing -> "", whole floats without ".0", dates as ISO."""
    def one(value) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            return ""
        if isinstance(value, (float, np.floating)):
            return str(int(value)) if float(value).is_integer() else repr(float(value))
        if isinstance(value, (pd.Timestamp, dt.datetime)):
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)
    values = series.astype(object)
    try:
        uniques = pd.unique(values)
        mapping = {u: one(u) for u in uniques}
        return values.map(mapping).fillna("")
    except TypeError:
        return values.map(one)


def _to_findings(rule: Rule, dataset: str, found) -> pd.DataFrame | None:
    if isinstance(found, (list, tuple)):
        parts = [_to_findings(rule, dataset, f) for f in found]
        parts = [p for p in parts if p is not None]
        return pd.concat(parts, ignore_index=True) if parts else None
    if found is None or len(found) == 0:
        return None
    rows = pd.Series(found.index, dtype="int64")
    if "_variables" in found.columns:
        variables = found["_variables"].astype(str).to_numpy()
        values = _format(found["_values"]).to_numpy()
    else:
        columns = [c for c in found.columns if not str(c).startswith("_")]
        variables = np.full(len(found), ", ".join(map(str, columns)), dtype=object)
        joined = _format(found[columns[0]]) if columns else pd.Series("", index=found.index)
        for column in columns[1:]:
            joined = joined + ", " + _format(found[column])
        values = joined.to_numpy()
    message = found["_detail"].to_numpy() if "_detail" in found.columns else rule.message
    return pd.DataFrame({
        "dataset": dataset,
        "row": pd.array(rows.where(rows != DATASET_LEVEL), dtype="Int64"),
        "variables": variables,
        "values": values,
        "rule": rule.id,
        "p21_id": rule.p21_id,
        "core_id": rule.core_id,
        "severity": rule.severity,
        "message": message,
    })


# --- running -----------------------------------------------------------------------------------

def _normalise(data: pd.DataFrame) -> pd.DataFrame:
    """Upper-case names, a 0..n-1 index, character columns as Categoricals with empty values
    missing (XPT stores a missing character value as blanks).

    Categoricals make every rule's per-value work (text, dates, membership, duplicates) run once
    per distinct value: CDISC data repeat the same codes, subjects and dates many times.
    """
    data = data.reset_index(drop=True)
    data.columns = [str(c).upper() for c in data.columns]
    for column in data.columns:
        series = data[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            if not is_character(series):
                data[column] = series.astype(object)
                continue
        elif is_character(series):
            series = series.astype("category")
        else:
            continue
        blanks = [c for c in series.cat.categories if isinstance(c, str) and not c.strip()]
        data[column] = series.cat.remove_categories(blanks) if blanks else series
    return data


def _run_rule(rule: Rule, ctx: Context) -> tuple[list[pd.DataFrame], dict]:
    status = {"rule": rule.id, "p21_id": rule.p21_id, "core_id": rule.core_id, "standard": rule.standard,
              "severity": rule.severity, "message": rule.message, "description": rule.description}
    frames: list[pd.DataFrame] = []
    try:
        if rule.level == "study":
            reason = _needs_met(rule, ctx) or (None if _option_known(rule.option, None, ctx) else OPTION_REASONS[rule.option])
            if rule.standard != "both" and not ctx.names(rule.standard):
                reason = reason or f"no {rule.standard} dataset"
            if reason:
                return [], {**status, "status": "skipped", "datasets": "", "reason": reason, "findings": 0}
            for dataset, found in rule.check(ctx):
                frames.append(_to_findings(rule, dataset, found))
            applied = ["(study)"]
        else:
            applied, reasons = [], []
            for name in sorted(ctx.datasets):
                why = _why_not(rule, ctx.info[name], ctx.datasets[name], ctx)
                if why is not None:
                    reasons.append(why)
                    continue
                applied.append(name)
                frames.append(_to_findings(rule, name, rule.check(ctx.datasets[name], ctx.info[name], ctx)))
            if not applied:
                reason = max(reasons)[1] if reasons else "no datasets"
                return [], {**status, "status": "skipped", "datasets": "", "reason": reason, "findings": 0}
    except Exception as exc:  # noqa: BLE001 - a rule must not stop the run; the Rules sheet reports it
        last = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"
        return [], {**status, "status": "failed", "datasets": "", "reason": reason, "findings": 0}
    frames = [f for f in frames if f is not None]
    count = sum(len(f) for f in frames)
    return frames, {**status, "status": "applied", "datasets": ", ".join(applied), "reason": "", "findings": count}


def _standards(standard) -> tuple[Standard, ...]:
    if standard is None:
        return ()
    if isinstance(standard, Standard):
        return (standard,)
    return tuple(standard)


def validate_datasets(
    datasets: Mapping[str, pd.DataFrame],
    *,
    standard: Standard | Sequence[Standard] | None = None,
    define_path: Path | str | None = None,
    cutoff: dt.date | None = None,
    formats: Mapping[str, Mapping[str, str]] | None = None,
    lengths: Mapping[str, Mapping[str, int]] | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    dataset_labels: Mapping[str, str] | None = None,
    unreadable: Mapping[str, str] | None = None,
    rules: Iterable[Rule] | None = None,
) -> Findings:
    """Validate SDTM and/or ADaM datasets (name -> frame); return the findings.

    Parameters
    ----------
    datasets : dataset name -> DataFrame (names and columns in any case; SDTM or ADaM is decided
        per dataset from name and structure, see :func:`specs.rules.context.classify`).
    standard : spec workbook(s) (:class:`specs.model.Standard`); datasets they describe are also
        checked by :func:`specs.conformance.check_dataset` (rules SPEC0001-SPEC0010).
    define_path : a define.xml to compare datasets and variables with (META0007-META0012).
    cutoff : data cut-off date; ADaM analysis dates after it are reported (ADAM0010).
    formats, lengths, labels : per dataset, per variable SAS format, declared length and label
        (as read from XPT files; :func:`validate_folder` fills them).
    dataset_labels : per dataset label.
    unreadable : dataset name -> why its file could not be read (reported by META0013).
    rules : the rules to run (default :data:`ALL_RULES`).

    Examples
    --------
    >>> dm = pd.DataFrame({"STUDYID": ["S1", "S1"], "DOMAIN": ["DM", "DM"], "USUBJID": ["S1-1", "S1-1"]})
    >>> validate_datasets({"DM": dm}).of("SDTM0041")[["dataset", "row", "values"]].values.tolist()
    [['DM', 1, 'S1-1']]
    """
    clear_cache()
    frames = {str(name).upper(): _normalise(frame) for name, frame in datasets.items()}
    label_of = {str(k).upper(): v for k, v in (dataset_labels or {}).items()}
    for name, frame in datasets.items():
        if str(name).upper() not in label_of and frame.attrs.get("label"):
            label_of[str(name).upper()] = frame.attrs["label"]
    info = {name: classify(name, frame, label_of.get(name)) for name, frame in frames.items()}
    define = read_define(define_path) if define_path is not None else None
    merged_formats = {str(k).upper(): dict(v) for k, v in (formats or {}).items()}
    if define is not None:
        for name, described in define.datasets.items():
            for variable, item in described.variables.items():
                if item.display_format:
                    merged_formats.setdefault(name, {}).setdefault(variable, item.display_format)
    ctx = Context(
        datasets=frames,
        info=info,
        standards=_standards(standard),
        define=define,
        cutoff=cutoff,
        formats=merged_formats,
        lengths={str(k).upper(): dict(v) for k, v in (lengths or {}).items()},
        labels={str(k).upper(): dict(v) for k, v in (labels or {}).items()},
        cache={"unreadable": dict(unreadable or {})},
    )
    all_frames, statuses = [], []
    for rule in (tuple(rules) if rules is not None else ALL_RULES):
        found, status = _run_rule(rule, ctx)
        all_frames += found
        statuses.append(status)
    clear_cache()
    if all_frames:
        frame = pd.concat(all_frames, ignore_index=True)
        order = frame.assign(_row=frame["row"].fillna(-1)).sort_values(["dataset", "rule", "_row"], kind="stable").index
        frame = frame.loc[order].reset_index(drop=True)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else object) for c in FINDING_COLUMNS})
    return Findings(frame=frame[FINDING_COLUMNS], rules=pd.DataFrame(statuses, columns=RULE_STATUS_COLUMNS),
                    datasets=_dataset_summary(ctx, frame))


def _dataset_summary(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    names = sorted(set(ctx.datasets) | set(frame["dataset"].dropna()))
    rows = []
    for name in names:
        info = ctx.info.get(name)
        found = frame[frame["dataset"] == name]["severity"].value_counts()
        rows.append({
            "dataset": name,
            "label": (info.label if info else None) or "",
            "standard": info.standard if info else "",
            "class": info.cls if info else "(missing)",
            "records": info.records if info else 0,
            **{s.lower() + "s": int(found.get(s, 0)) for s in SEVERITIES},
        })
    return pd.DataFrame(rows, columns=["dataset", "label", "standard", "class", "records", "errors", "warnings", "notices"])


def _read_with_pyreadstat(path: Path) -> tuple[pd.DataFrame, XportMeta]:
    frame, info = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    types = info.readstat_variable_types or {}
    character = frozenset(k for k, v in types.items() if v == "string")
    return frame, XportMeta(
        name=(info.table_name or path.stem).upper(),
        label=info.file_label or "",
        labels=dict(info.column_names_to_labels or {}),
        formats={k: v for k, v in (info.original_variable_types or {}).items() if v and k not in character},
        lengths={k: int(v) for k, v in (info.variable_storage_width or {}).items() if k in character},
        character=character,
    )


def read_xpt_folder(folder: Path | str) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """Read every ``*.xpt`` of a folder: name (file stem, upper case) -> frame, and metadata.

    Metadata per dataset: ``label``, ``labels``, ``formats`` (SAS formats of numeric variables,
    e.g. DATE9), ``lengths`` (declared lengths of character variables), or ``error`` when the
    file cannot be read. Dates stay SAS numbers (no conversion), as stored. Files are read by
    the vectorised reader :func:`specs.rules.xport.read_xport` (pyreadstat as the fallback).
    """
    frames, meta = {}, {}
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() != ".xpt" or not path.is_file():
            continue
        name = path.stem.upper()
        try:
            frame, info = read_xport(path)
        except Exception as own:  # noqa: BLE001 - not the XPORT v5 layout the fast reader knows: pyreadstat tries
            try:
                frame, info = _read_with_pyreadstat(path)
            except Exception as exc:  # noqa: BLE001 - an unreadable file is a finding, not a crash
                meta[name] = {"error": f"{type(exc).__name__}: {exc} ({type(own).__name__}: {own})"}
                continue
        frames[name] = frame
        meta[name] = {"label": info.label, "labels": info.labels, "formats": info.formats, "lengths": info.lengths}
    return frames, meta


def validate_folder(
    folder: Path | str,
    *,
    standard: Standard | Sequence[Standard] | None = None,
    define_path: Path | str | None = None,
    cutoff: dt.date | None = None,
    rules: Iterable[Rule] | None = None,
) -> Findings:
    """Validate every ``.xpt`` of a folder, with ``define.xml`` beside them when present.

    Files that cannot be read are reported as findings (META0013) and the others validated.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    frames, meta = read_xpt_folder(folder)
    if define_path is None and (folder / "define.xml").is_file():
        define_path = folder / "define.xml"
    readable = {n: m for n, m in meta.items() if "error" not in m}
    return validate_datasets(
        frames,
        standard=standard,
        define_path=define_path,
        cutoff=cutoff,
        formats={n: m["formats"] for n, m in readable.items()},
        lengths={n: m["lengths"] for n, m in readable.items()},
        labels={n: m["labels"] for n, m in readable.items()},
        dataset_labels={n: m["label"] for n, m in readable.items() if m["label"]},
        unreadable={n: m["error"] for n, m in meta.items() if "error" in m},
        rules=rules,
    )


def summary_line(findings: Findings) -> str:
    """One line for the run log, e.g. ``Validation: 0 errors, 3 warnings, 1 notice in 28 datasets (61 rules)``."""
    counts = findings.counts
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"
    datasets = len(findings.datasets[findings.datasets["records"].notna() & (findings.datasets["class"] != "(missing)")])
    applied = int((findings.rules["status"] == "applied").sum())
    return (f"Validation: {plural(counts['Error'], 'error')}, {plural(counts['Warning'], 'warning')}, "
            f"{plural(counts['Notice'], 'notice')} in {plural(datasets, 'dataset')} ({plural(applied, 'rule')})")
