"""Typed metadata model: what a study, a standard and a dataset look like once loaded.

Objects are frozen dataclasses built by :mod:`specs.loader`; nothing here reads files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

NUMERIC_TYPES = frozenset({"integer", "float"})
"""define.xml 2.1 data types stored as numbers in XPT; every other type is character."""


@dataclass(frozen=True)
class Term:
    """One term of a codelist: submission value, NCI code (if CDISC CT) and decode."""

    value: str
    nci_code: str | None = None
    decode: str | None = None
    order: int | None = None


@dataclass(frozen=True)
class Codelist:
    """A codelist as the study uses it (Codelists sheet, completed from the CT subset)."""

    id: str
    name: str
    nci_code: str | None
    data_type: str
    terminology: str
    extensible: bool
    terms: tuple[Term, ...]

    @property
    def values(self) -> frozenset[str]:
        """Submission values of the terms."""
        return frozenset(t.value for t in self.terms)

    def decode(self, value: str) -> str | None:
        """Decode of a submission value, or None when the value is not a term."""
        for term in self.terms:
            if term.value == value:
                return term.decode
        return None


@dataclass(frozen=True)
class VariableSpec:
    """One row of the Variables sheet."""

    dataset: str
    name: str
    label: str
    data_type: str
    order: int
    length: int | None = None
    significant_digits: int | None = None
    display_format: str | None = None
    core: str = "Perm"
    codelist: str | None = None
    origin: str | None = None
    source: str | None = None
    pages: str | None = None
    method: str | None = None
    predecessor: str | None = None
    role: str | None = None
    comment: str | None = None

    @property
    def is_numeric(self) -> bool:
        """True when the variable is stored as a number (XPT numeric)."""
        return self.data_type in NUMERIC_TYPES

    @property
    def mandatory(self) -> bool:
        """define.xml Mandatory: Yes exactly when Core is Req."""
        return self.core == "Req"


@dataclass(frozen=True)
class WhereCondition:
    """One condition of a where clause: ``variable comparator values``."""

    variable: str
    comparator: str  # EQ, NE, IN, NOTIN
    values: tuple[str, ...]


@dataclass(frozen=True)
class ValueLevelSpec:
    """One row of the ValueLevel sheet: metadata of a variable where a condition holds."""

    dataset: str
    variable: str
    where: tuple[WhereCondition, ...]
    data_type: str
    order: int
    length: int | None = None
    significant_digits: int | None = None
    display_format: str | None = None
    mandatory: bool = False
    codelist: str | None = None
    origin: str | None = None
    source: str | None = None
    pages: str | None = None
    method: str | None = None
    predecessor: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: Datasets-sheet attributes and its variables in spec order."""

    name: str
    label: str
    class_: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[VariableSpec, ...]
    subclass: str | None = None
    standard: str | None = None
    repeating: bool = True
    reference_data: bool = False
    comment: str | None = None

    @property
    def variable_names(self) -> tuple[str, ...]:
        """Variable names in spec order."""
        return tuple(v.name for v in self.variables)

    def variable(self, name: str) -> VariableSpec:
        """The spec of one variable; KeyError naming dataset and variable if absent."""
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(f"{self.name}.{name} is not in the spec")


@dataclass(frozen=True)
class Method:
    """A derivation method (Methods sheet)."""

    id: str
    name: str
    type: str
    description: str
    expression_context: str | None = None
    expression_code: str | None = None
    document: str | None = None
    pages: str | None = None


@dataclass(frozen=True)
class Comment:
    """A comment (Comments sheet)."""

    id: str
    description: str
    document: str | None = None
    pages: str | None = None


@dataclass(frozen=True)
class Document:
    """A referenced document (Documents sheet), e.g. the annotated CRF."""

    id: str
    title: str
    href: str


@dataclass(frozen=True)
class Dictionary:
    """An external or study coding dictionary (Dictionaries sheet)."""

    id: str
    name: str
    data_type: str
    dictionary: str
    version: str
    comment: str | None = None


@dataclass(frozen=True)
class Standard:
    """One spec workbook (SDTM or ADaM) after loading and cross-checking."""

    name: str  # e.g. "SDTMIG"
    version: str  # e.g. "3.4"
    study_attributes: dict[str, str]
    datasets: dict[str, DatasetSpec]
    value_level: tuple[ValueLevelSpec, ...]
    codelists: dict[str, Codelist]
    dictionaries: dict[str, Dictionary]
    methods: dict[str, Method]
    comments: dict[str, Comment]
    documents: dict[str, Document]
    source: str = ""

    def dataset(self, name: str) -> DatasetSpec:
        """The spec of one dataset; KeyError naming the workbook if absent."""
        try:
            return self.datasets[name]
        except KeyError:
            raise KeyError(f"dataset {name} is not in {self.source or self.name}") from None


@dataclass(frozen=True)
class Site:
    """A study site."""

    siteid: str
    name: str
    city: str | None = None


@dataclass(frozen=True)
class Recist:
    """RECIST 1.1 study choices (study.yaml ``analysis.recist``)."""

    confirmation_min_days: int
    sd_min_days: int
    max_ne_between: int


@dataclass(frozen=True)
class AssessmentSchedule:
    """Protocol tumour-assessment schedule (study.yaml ``analysis.tumour_assessment``)."""

    early_interval_weeks: int
    early_until_week: int
    late_interval_weeks: int
    window_days: int


@dataclass(frozen=True)
class Analysis:
    """Analysis conventions every stage reads (study.yaml ``analysis``)."""

    days_per_month: float
    ci_level: float
    response_ci_method: str
    km_median_ci_method: str
    landmark_months: tuple[int, ...]
    teae_window_days: int
    recist: Recist
    tumour_assessment: AssessmentSchedule
    xpt_timestamp: dt.datetime


@dataclass(frozen=True)
class Study:
    """A study: configuration, the two spec workbooks, the CT subset and the publication."""

    id: str
    registry_id: str
    title: str
    short_title: str
    phase: str
    design: str
    indication: str
    country: str
    sponsor: str
    planned_subjects: int
    sites: tuple[Site, ...]
    enrollment: tuple[dt.date, dt.date]
    cutoffs: dict[str, dt.date]
    default_cutoff: str
    arms: tuple[dict, ...]
    analysis: Analysis
    folder: str
    sdtm: Standard | None = None
    adam: Standard | None = None
    publication: dict = field(default_factory=dict)

    def cutoff_date(self, cutoff: str | None = None) -> dt.date:
        """Resolve a cut-off name (``final``/``interim``) or ISO date to a date."""
        key = cutoff or self.default_cutoff
        if key in self.cutoffs:
            return self.cutoffs[key]
        try:
            return dt.date.fromisoformat(key)
        except ValueError:
            names = ", ".join(sorted(self.cutoffs))
            raise ValueError(
                f"cut-off {key!r} is neither a named cut-off ({names}) nor an ISO date YYYY-MM-DD"
            ) from None
