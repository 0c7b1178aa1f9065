"""Cerberus schemas for every study document: study.yaml and each spec-workbook sheet.

A schema describes one row (or the whole study.yaml); :mod:`specs.loader` runs them before any
data is touched and turns cerberus' error tree into problems naming sheet, row and column.
"""

from __future__ import annotations

DATA_TYPES = [
    "text",
    "integer",
    "float",
    "date",
    "datetime",
    "time",
    "partialDate",
    "partialTime",
    "partialDatetime",
    "incompleteDatetime",
    "durationDatetime",
    "intervalDatetime",
]
ORIGINS = ["Collected", "Derived", "Assigned", "Protocol", "Predecessor", "Not Available"]
SOURCES = ["Investigator", "Sponsor", "Subject", "Vendor"]
YES_NO = ["Yes", "No"]

_NAME = r"^[A-Z][A-Z0-9_]*$"
_ID = r"^[A-Za-z][A-Za-z0-9_.\-]*$"


def _text(required: bool = False, **extra) -> dict:
    rule = {"type": "string", "nullable": not required, "required": required, "empty": False}
    rule.update(extra)
    return rule


def _int(required: bool = False, **extra) -> dict:
    rule = {"type": "integer", "nullable": not required, "required": required}
    rule.update(extra)
    return rule


SHEETS: dict[str, dict] = {
    "Study": {
        "Attribute": _text(True),
        "Value": _text(),
    },
    "Datasets": {
        "Dataset": _text(True, regex=_NAME, maxlength=8),
        "Label": _text(True, maxlength=40),
        "Class": _text(True),
        "SubClass": _text(),
        "Structure": _text(True),
        "Key Variables": _text(True),
        "Standard": _text(),
        "Repeating": _text(allowed=YES_NO),
        "Reference Data": _text(allowed=YES_NO),
        "Comment": _text(),
        "Developer Notes": _text(),
    },
    "Variables": {
        "Order": _int(True, min=1),
        "Dataset": _text(True, regex=_NAME, maxlength=8),
        "Variable": _text(True, regex=_NAME, maxlength=8),
        "Label": _text(True, maxlength=40),
        "Data Type": _text(True, allowed=DATA_TYPES),
        "Length": _int(min=1, max=200),
        "Significant Digits": _int(min=0),
        "Format": _text(),
        "Mandatory": _text(allowed=YES_NO),
        "Core": _text(True, allowed=["Req", "Exp", "Perm", "Cond"]),
        "Codelist": _text(regex=_ID),
        "Origin": _text(allowed=ORIGINS),
        "Source": _text(allowed=SOURCES),
        "Pages": _text(),
        "Method": _text(regex=_ID),
        "Predecessor": _text(),
        "Role": _text(),
        "Comment": _text(regex=_ID),
        "Developer Notes": _text(),
    },
    "ValueLevel": {
        "Order": _int(True, min=1),
        "Dataset": _text(True, regex=_NAME, maxlength=8),
        "Variable": _text(True, regex=_NAME, maxlength=8),
        "Where Clause": _text(True),
        "Data Type": _text(True, allowed=DATA_TYPES),
        "Length": _int(min=1, max=200),
        "Significant Digits": _int(min=0),
        "Format": _text(),
        "Mandatory": _text(allowed=YES_NO),
        "Codelist": _text(regex=_ID),
        "Origin": _text(allowed=ORIGINS),
        "Source": _text(allowed=SOURCES),
        "Pages": _text(),
        "Method": _text(regex=_ID),
        "Predecessor": _text(),
        "Comment": _text(regex=_ID),
        "Developer Notes": _text(),
    },
    "Codelists": {
        "ID": _text(True, regex=_ID),
        "Name": _text(True),
        "NCI Codelist Code": _text(regex=r"^C\d+$"),
        "Data Type": _text(True, allowed=["text", "integer", "float"]),
        "Terminology": _text(True, allowed=["CDISC CT", "Sponsor"]),
        "Extensible": _text(allowed=YES_NO),
        "Order": _int(min=1),
        "Term": _text(),
        "NCI Term Code": _text(regex=r"^C\d+$"),
        "Decoded Value": _text(),
        "Comment": _text(),
    },
    "Dictionaries": {
        "ID": _text(True, regex=_ID),
        "Name": _text(True),
        "Data Type": _text(True, allowed=["text", "integer", "float"]),
        "Dictionary": _text(True),
        "Version": _text(True),
        "Comment": _text(),
    },
    "Methods": {
        "ID": _text(True, regex=_ID),
        "Name": _text(True),
        "Type": _text(True, allowed=["Computation", "Imputation"]),
        "Description": _text(True),
        "Expression Context": _text(),
        "Expression Code": _text(),
        "Document": _text(),
        "Pages": _text(),
    },
    "Comments": {
        "ID": _text(True, regex=_ID),
        "Description": _text(True),
        "Document": _text(),
        "Pages": _text(),
    },
    "Documents": {
        "ID": _text(True, regex=_ID),
        "Title": _text(True),
        "Href": _text(True),
    },
}
"""Row schema of each spec-workbook sheet (columns as in specs/README.md)."""

REQUIRED_SHEETS = ("Study", "Datasets", "Variables", "Codelists")
"""Sheets a workbook must have; the others may be absent when empty."""

_DATE = {"type": "date", "required": True}

STUDY_YAML: dict = {
    "study": {
        "type": "dict",
        "required": True,
        "schema": {
            "id": {"type": "string", "required": True, "regex": r"^[A-Za-z0-9\-_]+$"},
            "registry_id": {"type": "string", "required": True, "regex": r"^NCT\d{8}$"},
            "title": {"type": "string", "required": True},
            "short_title": {"type": "string", "required": True},
            "phase": {"type": "string", "required": True},
            "design": {"type": "string", "required": True},
            "indication": {"type": "string", "required": True},
            "country": {"type": "string", "required": True, "regex": r"^[A-Z]{3}$"},
            "sponsor": {"type": "string", "required": True},
            "planned_subjects": {"type": "integer", "required": True, "min": 1},
        },
    },
    "sites": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "schema": {
            "type": "dict",
            "schema": {
                "siteid": {"type": "string", "required": True, "regex": r"^[A-Za-z0-9]{1,8}$"},
                "name": {"type": "string", "required": True},
                "city": {"type": "string"},
            },
        },
    },
    "enrollment": {
        "type": "dict",
        "required": True,
        "schema": {"first": _DATE, "last": _DATE},
    },
    "cutoffs": {
        "type": "dict",
        "required": True,
        "keysrules": {"type": "string", "regex": r"^[a-z_]+$"},
        "valuesrules": {"type": "date"},
    },
    "default_cutoff": {"type": "string", "required": True},
    "arms": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "schema": {
            "type": "dict",
            "schema": {
                "armcd": {"type": "string", "required": True, "maxlength": 20},
                "arm": {"type": "string", "required": True, "maxlength": 200},
                "treatments": {
                    "type": "list",
                    "required": True,
                    "schema": {
                        "type": "dict",
                        "schema": {
                            "name": {"type": "string", "required": True},
                            "dose": {"type": "number", "required": True, "min": 0},
                            "unit": {"type": "string", "required": True},
                            "route": {"type": "string", "required": True},
                            "schedule": {"type": "string", "required": True},
                        },
                    },
                },
            },
        },
    },
    "analysis": {
        "type": "dict",
        "required": True,
        "schema": {
            "days_per_month": {"type": "number", "required": True, "min": 28, "max": 31},
            "ci_level": {"type": "number", "required": True, "min": 0.5, "max": 0.999},
            "response_ci_method": {"type": "string", "required": True, "allowed": ["clopper-pearson"]},
            "km_median_ci_method": {
                "type": "string",
                "required": True,
                "allowed": ["brookmeyer-crowley-loglog"],
            },
            "landmark_months": {
                "type": "list",
                "required": True,
                "schema": {"type": "integer", "min": 1},
            },
            "teae_window_days": {"type": "integer", "required": True, "min": 0},
            "recist": {
                "type": "dict",
                "required": True,
                "schema": {
                    "confirmation_min_days": {"type": "integer", "required": True, "min": 1},
                    "sd_min_days": {"type": "integer", "required": True, "min": 0},
                    "max_ne_between": {"type": "integer", "required": True, "min": 0},
                },
            },
            "tumour_assessment": {
                "type": "dict",
                "required": True,
                "schema": {
                    "early_interval_weeks": {"type": "integer", "required": True, "min": 1},
                    "early_until_week": {"type": "integer", "required": True, "min": 0},
                    "late_interval_weeks": {"type": "integer", "required": True, "min": 1},
                    "window_days": {"type": "integer", "required": True, "min": 0},
                },
            },
            "xpt_timestamp": {"type": "datetime", "required": True},
        },
    },
}
"""Schema of study.yaml (dates are YAML dates, so PyYAML gives date objects)."""
