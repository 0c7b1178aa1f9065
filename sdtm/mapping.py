"""The raw-to-SDTM mapping spec of a study (``specs/<study>/raw_mapping.yaml``).

What the data transfer agreement fixes and the mappers read: each site's date conventions,
the columns each raw form must have, the value maps from site spellings to submission values,
the study coding tables, and which data-issue checks block the run. Validated with cerberus on
load; problems name the key path.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cerberus
import yaml

from specs.errors import SpecError, SpecProblem

MAPPING_FILE = "raw_mapping.yaml"

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
                "columns": {"type": "list", "required": True, "schema": {"type": "string"}},
                "optional": {"type": "list", "schema": {"type": "string"}},
            },
        },
    },
    "value_maps": {
        "type": "dict",
        "required": True,
        "valuesrules": {"type": "dict", "keysrules": {"type": "string"}, "valuesrules": {"type": "string", "nullable": True}},
    },
    "coding": {"type": "dict", "valuesrules": {"type": "string"}},
    "blocking_checks": {"type": "list", "schema": {"type": "string"}},
}


@dataclass(frozen=True)
class MappingSpec:
    """The validated mapping spec; coding tables are loaded as lists of row dicts."""

    keys: tuple[str, ...]
    slash_date_order: dict[str, str | None]
    forms: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    value_maps: dict[str, dict[str, str | None]]
    coding: dict[str, list[dict[str, str]]]
    blocking_checks: frozenset[str]

    def columns(self, form: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Required (keys included) and optional columns of a form."""
        try:
            required, optional = self.forms[form]
        except KeyError:
            raise KeyError(f"form {form!r} is not declared in {MAPPING_FILE}") from None
        return self.keys + required, optional


def normalise_text(value: object) -> str | None:
    """The lookup key of a raw coded value: trimmed, inner blanks collapsed, upper case."""
    if value is None:
        return None
    text = " ".join(str(value).split()).upper()
    return text or None


def load_mapping(folder: Path) -> MappingSpec:
    """Load and validate ``raw_mapping.yaml`` (and its coding tables) from a study folder."""
    path = folder / MAPPING_FILE
    source = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SpecError([SpecProblem(source, "", None, None, "file is missing")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecProblem(source, "", None, None, f"not valid YAML: {exc}")]) from None
    validator = cerberus.Validator(SCHEMA)
    if not validator.validate(document):
        problems = [SpecProblem(source, "", None, key, str(message)) for key, message in sorted(validator.errors.items())]
        raise SpecError(problems)
    problems = []
    value_maps = {}
    for name, mapping in document["value_maps"].items():
        normalised: dict[str, str | None] = {}
        for raw, value in mapping.items():
            key = normalise_text(raw)
            if key in normalised and normalised[key] != value:
                problems.append(SpecProblem(source, "", None, f"value_maps.{name}", f"{raw!r} maps twice with different values"))
            normalised[key] = value
        value_maps[name] = normalised
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
        forms={name: (tuple(f["columns"]), tuple(f.get("optional", []))) for name, f in document["forms"].items()},
        value_maps=value_maps,
        coding=coding,
        blocking_checks=frozenset(document.get("blocking_checks") or []),
    )
