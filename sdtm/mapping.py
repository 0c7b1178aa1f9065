"""The raw-to-SDTM mapping spec of a study (``specs/<study>/raw_mapping.yaml``).

What the data transfer agreement fixes and the mappers read: each site's date conventions,
the columns each raw form must have, the study coding tables, and which data-issue checks block
the run; and, one file per map in ``value_maps/<NAME>.yaml``, the value maps from the sites'
spellings to submission values. Validated with cerberus on load; problems name the key path.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cerberus
import yaml

from specs.documents import parse_yaml
from specs.errors import SpecError, SpecProblem

MAPPING_FILE = "raw_mapping.yaml"
VALUE_MAPS_FOLDER = "value_maps"

SCHEMA = {
    "keys": {"type": "list", "required": True, "schema": {"type": "string"}},
    "sites": {
        "type": "dict",
        "required": True,
        "valuesrules": {
            "type": "dict",
            "schema": {"slash_date_order": {"type": "string", "allowed": ["DMY", "MDY"], "nullable": True}},
        },
    },
    "forms": {
        "type": "dict",
        "required": True,
        "valuesrules": {
            "type": "dict",
            "schema": {
                "file": {"type": "string"},
                "sheet": {"type": "string"},
                "keys": {"type": "list", "schema": {"type": "string"}},
                "columns": {"type": "list", "required": True, "schema": {"type": "string"}},
                "optional": {"type": "list", "schema": {"type": "string"}},
            },
        },
    },
    "coding": {"type": "dict", "valuesrules": {"type": "string"}},
    "blocking_checks": {"type": "list", "schema": {"type": "string"}},
}


@dataclass(frozen=True)
class FormSpec:
    """A raw form: the file stem in each site folder, the sheet (workbooks), its columns."""

    file: str
    sheet: str | None
    columns: tuple[str, ...]  # required, EDC keys included
    optional: tuple[str, ...]


@dataclass(frozen=True)
class MappingSpec:
    """The validated mapping spec; coding tables are loaded as lists of row dicts."""

    keys: tuple[str, ...]
    slash_date_order: dict[str, str | None]
    forms: dict[str, FormSpec]
    value_maps: dict[str, dict[str, str | None]]
    coding: dict[str, list[dict[str, str]]]
    blocking_checks: frozenset[str]

    def form(self, name: str) -> FormSpec:
        """The declared form ``name``; KeyError naming the mapping file if it is not declared."""
        try:
            return self.forms[name]
        except KeyError:
            raise KeyError(f"form {name!r} is not declared in {MAPPING_FILE}") from None


def normalise_text(value: object) -> str | None:
    """The lookup key of a raw coded value: trimmed, inner blanks collapsed, upper case."""
    if value is None:
        return None
    text = " ".join(str(value).split()).upper()
    return text or None


def _load_value_maps(folder: Path, problems: list[SpecProblem]) -> dict[str, dict[str, str | None]]:
    """Every ``value_maps/<NAME>.yaml``: raw spelling -> submission value (keys normalised)."""
    maps: dict[str, dict[str, str | None]] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            mapping = parse_yaml(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            problems.append(SpecProblem(str(path), "", None, None, f"not valid YAML: {exc}"))
            continue
        if not isinstance(mapping, dict):
            problems.append(SpecProblem(str(path), "", None, None, "must map raw spellings to submission values"))
            continue
        not_text = [k for k, v in mapping.items() if not isinstance(k, str) or not isinstance(v, (str, type(None)))]
        if not_text:
            problems.append(SpecProblem(str(path), "", None, str(not_text[0]),
                                        "keys and values must be text: quote YES/NO/ON/OFF/numbers (YAML reads them as booleans/numbers)"))
            continue
        normalised: dict[str, str | None] = {}
        for raw, value in mapping.items():
            key = normalise_text(raw)
            if key in normalised and normalised[key] != value:
                problems.append(SpecProblem(str(path), "", None, str(raw), "maps twice with different values"))
            normalised[key] = value
        maps[path.stem] = normalised
    return maps


def load_mapping(folder: Path) -> MappingSpec:
    """Load and validate ``raw_mapping.yaml`` (and its coding tables) from a study folder."""
    path = folder / MAPPING_FILE
    source = str(path)
    try:
        document = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SpecError([SpecProblem(source, "", None, None, "file is missing")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecProblem(source, "", None, None, f"not valid YAML: {exc}")]) from None
    validator = cerberus.Validator(SCHEMA)
    if not validator.validate(document):
        problems = [SpecProblem(source, "", None, key, str(message)) for key, message in sorted(validator.errors.items())]
        raise SpecError(problems)
    problems: list[SpecProblem] = []
    value_maps = _load_value_maps(folder / VALUE_MAPS_FOLDER, problems)
    coding = {}
    for name, relative in (document.get("coding") or {}).items():
        table = folder / relative
        if not table.exists():
            problems.append(SpecProblem(source, "", None, f"coding.{name}", f"coding table {relative} is missing"))
            continue
        with table.open(encoding="utf-8", newline="") as handle:
            coding[name] = list(csv.DictReader(handle))
    if problems:
        raise SpecError(problems)
    return MappingSpec(
        keys=tuple(document["keys"]),
        slash_date_order={str(k): (v or {}).get("slash_date_order") for k, v in document["sites"].items()},
        forms={
            name: FormSpec(
                file=f.get("file", name),
                sheet=f.get("sheet"),
                columns=tuple(f["keys"] if "keys" in f else document["keys"]) + tuple(f["columns"]),
                optional=tuple(f.get("optional", [])),
            )
            for name, f in document["forms"].items()
        },
        value_maps=value_maps,
        coding=coding,
        blocking_checks=frozenset(document.get("blocking_checks") or []),
    )
