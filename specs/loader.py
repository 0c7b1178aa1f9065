"""Load a study folder (``specs/<study>/``) into a :class:`specs.model.Study`.

Everything is validated before any data is touched: ``study.yaml`` by its cerberus schema, each
spec workbook row by row and across sheets, the CT subset. All problems are collected and raised
together as one :class:`specs.errors.SpecError`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cerberus
import yaml

from specs.ct import CT_FOLDER, ControlledTerminology, load_ct
from specs.documents import parse_yaml
from specs.errors import SpecError, SpecProblem
from specs.model import Analysis, AssessmentSchedule, Recist, Site, Standard, Study
from specs.schemas import STUDY_YAML
from specs.workbook import load_standard

STUDIES_FOLDER = Path(__file__).parent
"""Where the embedded studies live: ``specs/<study>/``."""

WORKBOOKS = {"sdtm": "sdtm_spec.xlsx", "adam": "adam_spec.xlsx"}


def study_folder(study: str | Path) -> Path:
    """Resolve a study name (folder under ``specs/``) or a path to a study folder."""
    path = Path(study)
    if path.is_dir():
        return path
    embedded = STUDIES_FOLDER / str(study)
    if embedded.is_dir() and (embedded / "study.yaml").exists():
        return embedded
    known = sorted(p.name for p in STUDIES_FOLDER.iterdir() if (p / "study.yaml").exists())
    raise FileNotFoundError(f"no study folder {study!r}: give a path or one of {', '.join(known) or 'none'}")


def _flatten_errors(source: str, errors: dict, path: str = "") -> list[SpecProblem]:
    """Turn cerberus' nested error tree into one problem per leaf, with a dotted key path."""
    problems = []
    for key, messages in errors.items():
        where = f"{path}.{key}" if path else str(key)
        for message in messages:
            if isinstance(message, dict):
                problems += _flatten_errors(source, message, where)
            else:
                problems.append(SpecProblem(source, "", None, where, str(message)))
    return problems


def _read_yaml(path: Path) -> tuple[dict | None, list[SpecProblem]]:
    try:
        return parse_yaml(path.read_text(encoding="utf-8")) or {}, []
    except FileNotFoundError:
        return None, [SpecProblem(str(path), "", None, None, "file is missing")]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, [SpecProblem(str(path), "", None, None, f"not valid YAML: {exc}")]


def parse_study_config(config: dict, source: str = "study.yaml") -> tuple[dict | None, list[SpecProblem]]:
    """Validate a study.yaml mapping by its schema; return it normalised, or None with problems."""
    validator = cerberus.Validator(STUDY_YAML, allow_unknown=False)
    if not validator.validate(config):
        return None, _flatten_errors(source, validator.errors)
    document = validator.document
    problems = []
    if document["default_cutoff"] not in document["cutoffs"]:
        problems.append(SpecProblem(source, "", None, "default_cutoff", "is not one of cutoffs"))
    if document["enrollment"]["first"] > document["enrollment"]["last"]:
        problems.append(SpecProblem(source, "", None, "enrollment", "first is after last"))
    siteids = [s["siteid"] for s in document["sites"]]
    if len(set(siteids)) != len(siteids):
        problems.append(SpecProblem(source, "", None, "sites", "duplicate siteid"))
    return (None if problems else document), problems


def _study(document: dict, folder: Path, standards: dict[str, Standard | None], publication: dict) -> Study:
    info = document["study"]
    analysis = document["analysis"]
    return Study(
        id=info["id"],
        registry_id=info["registry_id"],
        title=" ".join(info["title"].split()),
        short_title=info["short_title"],
        phase=info["phase"],
        design=info["design"],
        indication=info["indication"],
        country=info["country"],
        sponsor=info["sponsor"],
        planned_subjects=info["planned_subjects"],
        sites=tuple(Site(s["siteid"], s["name"], s.get("city")) for s in document["sites"]),
        enrollment=(document["enrollment"]["first"], document["enrollment"]["last"]),
        cutoffs=dict(document["cutoffs"]),
        default_cutoff=document["default_cutoff"],
        arms=tuple(document["arms"]),
        analysis=Analysis(
            days_per_month=float(analysis["days_per_month"]),
            ci_level=float(analysis["ci_level"]),
            response_ci_method=analysis["response_ci_method"],
            km_median_ci_method=analysis["km_median_ci_method"],
            landmark_months=tuple(analysis["landmark_months"]),
            teae_window_days=analysis["teae_window_days"],
            recist=Recist(**analysis["recist"]),
            tumour_assessment=AssessmentSchedule(**analysis["tumour_assessment"]),
            xpt_timestamp=analysis["xpt_timestamp"],
        ),
        folder=str(folder),
        sdtm=standards.get("sdtm"),
        adam=standards.get("adam"),
        publication=publication,
    )


def load_study(study: str | Path, *, ct_folder: Path = CT_FOLDER) -> Study:
    """Load and validate a study folder; raise :class:`SpecError` listing every problem.

    Reads ``study.yaml`` (required), ``publication.yaml`` (optional), the SDTM and ADaM spec
    workbooks (each optional: a study may have only one yet) and the CT subset.
    """
    folder = study_folder(study)
    problems: list[SpecProblem] = []
    config, found = _read_yaml(folder / "study.yaml")
    problems += found
    document = None
    if config is not None:
        document, found = parse_study_config(config, str(folder / "study.yaml"))
        problems += found
    publication: dict = {}
    if (folder / "publication.yaml").exists():
        loaded, found = _read_yaml(folder / "publication.yaml")
        problems += found
        publication = loaded or {}
    ct, found = load_ct(ct_folder)
    problems += found
    standards = _load_standards(folder, ct, problems)
    if problems:
        raise SpecError(problems)
    assert document is not None
    return _study(document, folder, standards, publication)


def _load_standards(folder: Path, ct: ControlledTerminology, problems: list[SpecProblem]) -> dict[str, Standard | None]:
    standards: dict[str, Standard | None] = {}
    for key, filename in WORKBOOKS.items():
        path = folder / filename
        if not path.exists():
            standards[key] = None
            continue
        standard, found = load_standard(path, ct)
        problems += found
        standards[key] = standard
    return standards


def as_date(value: object) -> dt.date:
    """A YAML date or ISO string as a date (used for config values given as text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
