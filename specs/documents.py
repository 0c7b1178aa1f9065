"""Read a study YAML document and validate it with its cerberus schema, in one place.

Every study document (trial design, endpoints, ADSL choices, lab units, biomarker assays ...)
goes through :func:`load_yaml_document`, so a missing file, invalid YAML or a schema violation is
always the same :class:`specs.errors.SpecError`, naming the file and the key.
"""

from __future__ import annotations

import copy
from pathlib import Path

import cerberus
import yaml

from specs.errors import SpecError, SpecProblem

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, with libyaml's C parser when PyYAML was built with it (about eight
times faster; the same Python constructor builds the same objects)."""


def parse_yaml(text: str) -> object:
    """``yaml.safe_load(text)``, with libyaml's parser where available (:data:`YAML_LOADER`)."""
    return yaml.load(text, Loader=YAML_LOADER)


_VALIDATED: dict[tuple, tuple[dict, dict]] = {}
"""Documents already read and validated, by file (path, size, modification time) and schema:
the schema itself is kept with the document, so a schema's id is never mistaken for another's."""


def load_yaml_document(path: Path, schema: dict) -> dict:
    """The validated (normalised) mapping of a YAML file; SpecError listing every problem.

    A file read before with the same schema, and not changed since (same size and modification
    time), is not parsed and validated again: the caller gets a copy of the validated document
    (several mappers need the same trial design).
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return _validated(path, schema)  # a missing file: the SpecError names it
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, id(schema))
    known = _VALIDATED.get(key)
    if known is None or known[0] is not schema:
        known = _VALIDATED[key] = (schema, _validated(path, schema))
    return copy.deepcopy(known[1])


def _validated(path: Path, schema: dict) -> dict:
    """:func:`load_yaml_document` without the memo."""
    source = str(path)
    try:
        document = parse_yaml(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SpecError([SpecProblem(source, "", None, None, "file is missing")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError([SpecProblem(source, "", None, None, f"not valid YAML: {exc}")]) from None
    validator = cerberus.Validator(schema)
    if not validator.validate(document):
        raise SpecError([SpecProblem(source, "", None, key, str(message)) for key, message in sorted(validator.errors.items())])
    return validator.document
