"""Read a study YAML document and validate it with its cerberus schema, in one place.

Every study document (trial design, endpoints, ADSL choices, lab units, biomarker assays ...)
goes through :func:`load_yaml_document`, so a missing file, invalid YAML or a schema violation is
always the same :class:`specs.errors.SpecError`, naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import cerberus
import yaml

from specs.errors import SpecError, SpecProblem


def load_yaml_document(path: Path, schema: dict) -> dict:
    """The validated (normalised) mapping of a YAML file; SpecError listing every problem."""
    source = str(path)
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SpecError([SpecProblem(source, "", None, None, "file is missing")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError([SpecProblem(source, "", None, None, f"not valid YAML: {exc}")]) from None
    validator = cerberus.Validator(schema)
    if not validator.validate(document):
        raise SpecError([SpecProblem(source, "", None, key, str(message)) for key, message in sorted(validator.errors.items())])
    return validator.document
