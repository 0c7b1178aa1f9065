"""Findings tests, standard units and unit conversion for LB and VS (``lab_units.yaml``).

The study's table (``specs/<study>/lab_units.yaml``, validated on load) names each raw analyte's
CDISC test code, category, specimen and standard unit, the vital-sign tests with their CRF
units, and the conversion factors from original to standard units. Conversion is one vectorised
merge: ``--STRESN = --ORRES x factor``, factor 1 when the original unit is the standard unit,
no factor (standard result empty, check UNIT001 reported by the caller) when the pair is not in
the table. The factors and their sources are documented in the YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from specs.documents import load_yaml_document
from specs.errors import SpecError, SpecProblem

UNITS_FILE = "lab_units.yaml"

SCHEMA = {
    "lab_tests": {
        "type": "dict",
        "required": True,
        "valuesrules": {
            "type": "dict",
            "schema": {
                "testcd": {"type": "string", "required": True, "maxlength": 8},
                "cat": {"type": "string", "required": True},
                "spec": {"type": "string", "required": True},
                "stdunit": {"type": "string"},
                "type": {"type": "string", "required": True, "allowed": ["numeric", "ordinal"]},
            },
        },
    },
    "vs_tests": {
        "type": "dict",
        "required": True,
        "valuesrules": {
            "type": "dict",
            "schema": {"testcd": {"type": "string", "required": True, "maxlength": 8}, "unit": {"type": "string", "required": True}},
        },
    },
    "conversions": {
        "type": "list",
        "required": True,
        "schema": {
            "type": "dict",
            "schema": {
                "testcd": {"type": "string", "required": True},
                "from": {"type": "string", "required": True},
                "to": {"type": "string", "required": True},
                "factor": {"type": "number", "required": True, "min": 0, "forbidden": [0]},
            },
        },
    },
}


@dataclass(frozen=True)
class FindingsUnits:
    """The study's findings tests and conversions as frames.

    ``lab_tests``: ANALYTE, LBTESTCD, LBCAT, LBSPEC, STDUNIT, TYPE (one row per raw analyte).
    ``vs_tests``: COLUMN, VSTESTCD, UNIT. ``conversions``: TESTCD, FROM, TO, FACTOR.
    """

    lab_tests: pd.DataFrame
    vs_tests: pd.DataFrame
    conversions: pd.DataFrame


def load_units(folder: str | Path) -> FindingsUnits:
    """Load and validate ``lab_units.yaml`` of a study folder (SpecError naming the problems)."""
    path = Path(folder) / UNITS_FILE
    document = load_yaml_document(path, SCHEMA)
    problems = []
    tests = document["lab_tests"]
    for analyte, test in tests.items():
        if test["type"] == "numeric" and not test.get("stdunit"):
            problems.append(SpecProblem(str(path), "", None, f"lab_tests.{analyte}", "numeric test needs a stdunit"))
    pairs = [(c["testcd"], c["from"]) for c in document["conversions"]]
    for pair in {p for p in pairs if pairs.count(p) > 1}:
        problems.append(SpecProblem(str(path), "", None, "conversions", f"{pair[0]} from {pair[1]} is listed twice"))
    if problems:
        raise SpecError(problems)
    lab = pd.DataFrame([{"ANALYTE": str(a), "LBTESTCD": t["testcd"], "LBCAT": t["cat"], "LBSPEC": t["spec"],
                         "STDUNIT": t.get("stdunit"), "TYPE": t["type"]} for a, t in tests.items()])
    vs = pd.DataFrame([{"COLUMN": str(c), "VSTESTCD": t["testcd"], "UNIT": t["unit"]} for c, t in document["vs_tests"].items()])
    conv = pd.DataFrame([{"TESTCD": c["testcd"], "FROM": c["from"], "TO": c["to"], "FACTOR": float(c["factor"])}
                         for c in document["conversions"]], columns=["TESTCD", "FROM", "TO", "FACTOR"])
    return FindingsUnits(lab, vs, conv)


def compute_factor(testcd: pd.Series, unit: pd.Series, stdunit: pd.Series, conversions: pd.DataFrame) -> pd.Series:
    """Conversion factor from ``unit`` to ``stdunit`` per record (NaN when unknown).

    Rule: factor 1 when the original unit equals the standard unit; else the table's factor
    for (test, original unit) when it converts to the standard unit; else NaN.

    >>> conv = pd.DataFrame({"TESTCD": ["HGB"], "FROM": ["g/dL"], "TO": ["g/L"], "FACTOR": [10.0]})
    >>> compute_factor(pd.Series(["HGB", "HGB", "HGB"]), pd.Series(["g/dL", "g/L", "mg/dL"]),
    ...                pd.Series(["g/L"] * 3), conv).tolist()
    [10.0, 1.0, nan]
    """
    keys = pd.DataFrame({"TESTCD": testcd.to_numpy(), "FROM": unit.to_numpy(), "TO": stdunit.to_numpy()})
    found = keys.merge(conversions, on=["TESTCD", "FROM", "TO"], how="left")["FACTOR"].to_numpy()
    same = (unit.to_numpy() == stdunit.to_numpy()) & unit.notna().to_numpy()
    return pd.Series(np.where(same, 1.0, found), index=testcd.index, dtype="float64")


def compute_converted(values: pd.Series, factor: pd.Series, *, digits: int = 6) -> pd.Series:
    """``values x factor`` rounded to ``digits`` decimals (removes floating-point noise only)."""
    return (values.astype("float64") * factor.astype("float64")).round(digits)


def format_number(values: pd.Series) -> pd.Series:
    """Character form of numbers for --STRESC: shortest round-trip text, no trailing ``.0``.

    Formatted once per distinct value (results repeat a lot), so it scales to millions of rows.

    >>> format_number(pd.Series([134.0, 16.074, np.nan, 0.5])).tolist()
    ['134', '16.074', None, '0.5']
    """
    codes, uniques = pd.factorize(values.astype("float64"))
    text = np.array([format(float(v), ".12g") for v in uniques] + [None], dtype=object)
    return pd.Series(text[codes], index=values.index, dtype=object)


def numeric_unique(values: pd.Series) -> pd.Series:
    """Numbers from raw text like :func:`sdtm.common.numeric_text`, parsed once per distinct text."""
    codes, uniques = pd.factorize(values.astype(object, copy=False))  # every kind of missing value: code -1
    numbers = np.append(pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype="float64"), np.nan)
    return pd.Series(numbers[codes], index=values.index, dtype="float64")
