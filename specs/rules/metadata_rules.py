"""Rules on metadata, for SDTM and ADaM alike: names, labels, lengths, characters, define.xml,
and the spec-workbook checks of :mod:`specs.conformance` (SPEC0001-SPEC0010) run as rules.

Where a Standard (spec workbook) describes a dataset, the spec checks are run through
:func:`specs.conformance.check_dataset` rather than re-implemented; the IG-based presence and
null rules (SDTM0001-0003, ADAM0004-0005) then stand down for that dataset.
"""

from __future__ import annotations

import re

import pandas as pd

from specs import conformance
from specs.rules.registry import (
    DATASET_LEVEL,
    Registry,
    byte_length,
    dataset_hit,
    dataset_hits,
    flag,
    hits,
    is_character,
    longest_bytes,
    present,
)

META = Registry("metadata")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
NUMERIC_DEFINE_TYPES = frozenset({"integer", "float"})


def _character_columns(data: pd.DataFrame) -> list[str]:
    return [c for c in data.columns if is_character(data[c])]


def _byte_lengths(series: pd.Series) -> pd.Series:
    """UTF-8 bytes of each value (0 where missing)."""
    return byte_length(series).fillna(0)




@META.rule("META0001", "Error", "Invalid variable name", standard="both")
def check_variable_names(data, ds, ctx):
    """Variable names are 1-8 characters, upper-case letters, digits and _ starting with a letter
    (SAS transport v5). FDA Study Data Technical Conformance Guide (SAS XPORT v5 files);
    SDTMIG 3.4 section 4.2.1 (variable-naming conventions)."""
    return dataset_hits("VARIABLE", [c for c in data.columns if not _NAME.match(str(c))])


@META.rule("META0002", "Error", "Variable label is missing or longer than 40 characters", standard="both",
           option="labels")
def check_variable_labels(data, ds, ctx):
    """Every variable has a label of at most 40 characters (SAS transport v5). FDA Study Data
    Technical Conformance Guide (SAS XPORT v5 files); labels read from the XPT file."""
    labels = ctx.labels.get(ds.name, {})
    bad = [c for c in data.columns if not (labels.get(c) or "").strip() or len(labels.get(c) or "") > 40]
    return dataset_hits("VARIABLE", bad)


@META.rule("META0003", "Error", "Dataset label is missing or longer than 40 characters", standard="both",
           option="labels")
def check_dataset_label(data, ds, ctx):
    """A dataset has a label of at most 40 characters. FDA Study Data Technical Conformance
    Guide (SAS XPORT v5 files); label read from the XPT member header."""
    label = (ds.label or "").strip()
    return None if label and len(label) <= 40 else dataset_hit(DATASET=ds.name, LABEL=ds.label)


@META.rule("META0004", "Error", "Non-ASCII or non-printable characters in variable", p21_id="SD1029",
           standard="both")
def check_ascii(data, ds, ctx):
    """Character values are printable ASCII (SAS transport v5 carries no encoding). P21 SD1029;
    FDA Study Data Technical Conformance Guide (ASCII in SAS XPORT v5 files)."""
    return [hits(data, flag(data[c], lambda v: not (str(v).isascii() and str(v).isprintable())), [c])
            for c in _character_columns(data) if not _printable_ascii(data[c])]


def _printable_ascii(series: pd.Series) -> bool:
    """True when a Categorical's categories are all printable ASCII (nothing for META0004 to
    find), checked on their concatenation in one pass."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return False
    text = "".join(map(str, series.cat.categories))
    return text.isascii() and text.isprintable()


@META.rule("META0005", "Error", "Character value is longer than 200 bytes", standard="both")
def check_value_length(data, ds, ctx):
    """Character values are at most 200 bytes; longer text is split (--TEST excepted cases go to
    SUPP--). FDA Study Data Technical Conformance Guide (SAS XPORT v5: 200-byte limit); SDTMIG 3.4
    section 4.5.3.2."""
    return [hits(data, _byte_lengths(data[c]) > 200, [c]) for c in _character_columns(data) if longest_bytes(data[c]) > 200]


def _declared_lengths(ds, ctx) -> dict[str, int]:
    if ctx.define is not None and ds.name in ctx.define.datasets:
        return {n: v.length for n, v in ctx.define.datasets[ds.name].variables.items() if v.length}
    return ctx.lengths.get(ds.name, {})


@META.rule("META0006", "Warning", "Variable length is longer than the longest value", standard="both",
           option="lengths")
def check_length_fits_data(data, ds, ctx):
    """A character variable's length (define.xml Length, else the XPT length) equals the longest
    value, to keep files small. FDA Study Data Technical Conformance Guide (character
    variable lengths set to the longest value of the data)."""
    declared = _declared_lengths(ds, ctx)
    found = []
    for column in _character_columns(data):
        if column in declared:
            longest = longest_bytes(data[column])
            if declared[column] > max(longest, 1):
                found.append((column, f"length {declared[column]}, longest value {longest}"))
    if not found:
        return None
    return pd.DataFrame({"VARIABLE": [c for c, _ in found], "LENGTH": [d for _, d in found]},
                        index=[DATASET_LEVEL] * len(found))


@META.rule("META0007", "Error", "Dataset is not in define.xml", standard="both", option="define")
def check_dataset_in_define(data, ds, ctx):
    """Every submitted dataset is described by an ItemGroupDef of define.xml. Define-XML 2.1
    section 5.3.4; FDA Study Data Technical Conformance Guide (define.xml describes every dataset)."""
    return None if ds.name in ctx.define.datasets else dataset_hit(DATASET=ds.name)


@META.rule("META0008", "Error", "Variable is not in define.xml", standard="both", option="define")
def check_variable_in_define(data, ds, ctx):
    """Every variable of a dataset is an ItemRef of its ItemGroupDef. Define-XML 2.1 sections
    5.3.4 and 5.3.6."""
    described = ctx.define.datasets.get(ds.name)
    if described is None:
        return None
    return dataset_hits("VARIABLE", [c for c in data.columns if c not in described.variables])


@META.rule("META0009", "Warning", "Variable in define.xml is not present in the dataset", p21_id="SD0054",
           standard="both", option="define")
def check_define_variable_in_data(data, ds, ctx):
    """Every variable define.xml lists for a dataset is in the dataset. P21 SD0054; Define-XML
    2.1 section 5.3.4."""
    described = ctx.define.datasets.get(ds.name)
    if described is None:
        return None
    return dataset_hits("VARIABLE", [v for v in described.variables if v not in data.columns])


@META.rule("META0010", "Error", "Dataset in define.xml is not submitted", standard="both", option="define",
           level="study")
def check_define_dataset_submitted(ctx):
    """Every ItemGroupDef of define.xml has its dataset in the submission. Define-XML 2.1
    section 5.3.4 (def:leaf points to the dataset file)."""
    return [(name, dataset_hit(DATASET=name)) for name in sorted(ctx.define.datasets) if name not in ctx.datasets]


@META.rule("META0011", "Error", "Value is longer than the define.xml Length", standard="both", option="define")
def check_values_fit_define_length(data, ds, ctx):
    """No character value is longer than the Length define.xml gives its variable. Define-XML
    2.1 section 5.3.6 (ItemDef Length)."""
    described = ctx.define.datasets.get(ds.name)
    if described is None:
        return None
    frames = []
    for column in _character_columns(data):
        item = described.variables.get(column)
        if item is not None and item.length and longest_bytes(data[column]) > item.length:
            frames.append(hits(data, _byte_lengths(data[column]) > item.length, [column]))
    return frames


@META.rule("META0012", "Error", "Define.xml/dataset variable type mismatch", p21_id="SD0059",
           standard="both", option="define")
def check_define_types(data, ds, ctx):
    """A variable is numeric in the data exactly when define.xml gives it a numeric DataType
    (integer, float). P21 SD0059; Define-XML 2.1 section 5.3.6 (DataType)."""
    described = ctx.define.datasets.get(ds.name)
    if described is None:
        return None
    bad = []
    for column, item in described.variables.items():
        if column in data.columns and item.data_type:
            numeric_data = pd.api.types.is_numeric_dtype(data[column]) or pd.api.types.is_datetime64_any_dtype(data[column])
            if numeric_data != (item.data_type in NUMERIC_DEFINE_TYPES) and present(data[column]).any():
                bad.append(column)
    return dataset_hits("VARIABLE", bad)


@META.rule("META0013", "Error", "Dataset file could not be read", standard="both", level="study")
def check_files_readable(ctx):
    """Every dataset file of the folder reads as SAS XPORT. FDA Study Data Technical Conformance
    Guide (SAS XPORT v5 files)."""
    return [(name, dataset_hit(FILE=error)) for name, error in sorted(ctx.cache.get("unreadable", {}).items())]


# --- spec workbook checks (specs.conformance) --------------------------------------------------

SPEC_P21 = {"SPEC0002": "SD0056", "SPEC0003": "SD0057", "SPEC0005": "SD0002"}
"""Spec rules that state a P21 rule for SDTM datasets (Req/Exp from the spec's Core column)."""


def _spec_findings(ds, ctx) -> pd.DataFrame:
    cache = ctx.cache.setdefault("spec_findings", {})
    if ds.name not in cache:
        spec, standard = ctx.spec(ds.name)
        cache[ds.name] = conformance.check_dataset(ctx.datasets[ds.name], spec, standard.codelists, standard.value_level)
    return cache[ds.name]


def _spec_check(rule_id: str, text: str):
    def check(data, ds, ctx):
        found = _spec_findings(ds, ctx)
        found = found[found["rule"] == rule_id]
        if found.empty:
            return None
        rows = found["row"].astype(object).where(found["row"].notna(), DATASET_LEVEL).astype(int)
        frame = pd.DataFrame({
            "_variables": found["variable"].fillna("").to_numpy(),
            "_values": found["value"].astype(object).to_numpy(),
            "_detail": found["message"].to_numpy(),
        }, index=rows.to_numpy())
        return frame
    check.__doc__ = f"{text} Run by specs.conformance.check_dataset against the spec workbook (Standard)."
    check.__name__ = f"check_{rule_id.lower()}"
    return check


_SPEC_TEXT = {
    "SPEC0001": "Every variable of the dataset is in the spec's Variables sheet.",
    "SPEC0002": "Variables the spec marks Req are present (P21 SD0056 for SDTM).",
    "SPEC0003": "Variables the spec marks Exp are present (P21 SD0057 for SDTM).",
    "SPEC0004": "Variables are in the spec's order (the order define.xml lists them in).",
    "SPEC0005": "Variables the spec marks Req are never null (P21 SD0002 for SDTM).",
    "SPEC0006": "Variables the spec types integer/float hold numbers only.",
    "SPEC0007": "Character values fit the spec Length.",
    "SPEC0008": "Values of a variable with a non-extensible codelist are terms of that codelist (variable or value level).",
    "SPEC0009": "Values of a variable with an extensible codelist are terms of it; new terms are reported for review.",
    "SPEC0010": "The spec's key variables identify records uniquely (define.xml def:KeySequence).",
}
for _rule_id, (_severity, _message) in conformance.RULES.items():
    META.rule(_rule_id, _severity, _message, standard="both", option="spec",
              p21_id=SPEC_P21.get(_rule_id, ""))(_spec_check(_rule_id, _SPEC_TEXT[_rule_id]))
