"""Read a spec workbook (Pinnacle 21 define-spec layout) into a :class:`specs.model.Standard`.

Two passes, both collecting every problem rather than stopping at the first:
1. each row of each sheet is validated by its cerberus schema (:data:`specs.schemas.SHEETS`);
2. the sheets are cross-checked: duplicate variables, unknown codelists/methods/comments, key
   variables not in their dataset, Mandatory against Core, codelist terms against the CT subset.
Problems name the workbook, sheet, row (as Excel numbers it) and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import cerberus
from python_calamine import CalamineError, CalamineWorkbook, XmlError, ZipError

from specs.ct import ControlledTerminology
from specs.errors import SpecProblem
from specs.model import (
    Codelist,
    Comment,
    DatasetSpec,
    Dictionary,
    Document,
    Method,
    Standard,
    Term,
    ValueLevelSpec,
    VariableSpec,
    WhereCondition,
)
from specs.schemas import REQUIRED_SHEETS, SHEETS

Row = tuple[int, dict]
"""An Excel row number and the row's values by column header."""

_WHERE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s+(EQ|NE|IN|NOTIN)\s+(.+?)\s*$")


def _clean(value: object) -> object:
    """Blank strings become None; strings are stripped; whole floats become ints."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _cell(value: object) -> object:
    """A calamine cell value as openpyxl gives it (empty -> None, date -> midnight datetime),
    then :func:`_clean`."""
    if type(value) is dt.date:
        value = dt.datetime.combine(value, dt.time())
    return _clean(value)


def _sheet_records(rows: list[list], columns: dict) -> tuple[list, list[Row]]:
    """The header of a sheet (first row) and its non-blank rows keyed by known column headers."""
    header = [_cell(h) for h in rows[0]] if rows else []
    records: list[Row] = []
    for number, values in enumerate(rows[1:], start=2):
        record = {h: _cell(v) for h, v in zip(header, values) if h in columns}
        if any(v is not None for v in record.values()):
            records.append((number, {k: v for k, v in record.items() if v is not None}))
    return header, records


def read_sheets(path: Path) -> tuple[dict[str, list[Row]], list[SpecProblem]]:
    """Read every known sheet of a workbook into rows keyed by header; skip blank rows.

    Read with calamine (cached values of formulas, as Excel shows them); row numbers are
    Excel's (the header is row 1).
    """
    problems: list[SpecProblem] = []
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (OSError, CalamineError, ZipError, XmlError) as exc:
        return {}, [SpecProblem(str(path), "", None, None, f"cannot open workbook: {exc}")]
    sheets: dict[str, list[Row]] = {}
    try:
        for name, columns in SHEETS.items():
            if name not in book.sheet_names:
                if name in REQUIRED_SHEETS:
                    problems.append(SpecProblem(str(path), name, None, None, "required sheet is missing"))
                sheets[name] = []
                continue
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            header, sheets[name] = _sheet_records(rows, columns)
            for column in (h for h in header if h is not None and h not in columns):
                problems.append(SpecProblem(str(path), name, 1, str(column), "unknown column"))
    finally:
        book.close()
    return sheets, problems


class RowValidator:
    """Cerberus errors of a sheet's rows, each distinct cell validated once.

    The sheet schemas (:data:`specs.schemas.SHEETS`) hold only rules on single fields: no
    ``dependencies``, ``excludes``, defaults or coercion, so nothing to normalise, and a row's
    errors are the errors of its cells. Each distinct (column, value) is validated once by
    cerberus itself, without normalisation, and remembered: the messages are cerberus' own,
    for a fraction of the work of validating every row (spec sheets repeat the same data
    types, cores, origins and codelist names many times).

    Examples
    --------
    >>> RowValidator({"Order": {"type": "integer", "required": True}}).errors({"Order": "x"})
    {'Order': ['must be of integer type']}
    """

    _ABSENT = object()

    def __init__(self, schema: dict):
        self._schema = schema
        self._required = tuple(c for c, rule in schema.items() if rule.get("required"))
        self._validators = {column: cerberus.Validator({column: rule}) for column, rule in schema.items()}
        self._unknown = cerberus.Validator({})
        self._memo: dict[tuple, list] = {}

    def errors(self, record: dict) -> dict[str, list]:
        """Cerberus' error messages per column of ``record`` (empty when the row is valid)."""
        found = {}
        cells = [*record.items(), *((c, self._ABSENT) for c in self._required if c not in record)]
        for column, value in cells:
            messages = self._cell_errors(column, value)
            if messages:
                found[column] = messages
        return found

    def _cell_errors(self, column: str, value: object) -> list:
        try:
            key = (column, type(value), value)
            hash(key)
        except TypeError:
            return self._validate_cell(column, value)
        if key not in self._memo:
            self._memo[key] = self._validate_cell(column, value)
        return self._memo[key]

    def _validate_cell(self, column: str, value: object) -> list:
        validator = self._validators.get(column, self._unknown)
        document = {} if value is self._ABSENT else {column: value}
        if validator.validate(document, normalize=False):
            return []
        return list(validator.errors.get(column, []))


def validate_rows(source: str, sheets: dict[str, list[Row]]) -> list[SpecProblem]:
    """Validate every row by its sheet's cerberus schema; one problem per failing column."""
    problems: list[SpecProblem] = []
    for name, rows in sheets.items():
        validator = RowValidator(SHEETS[name])
        for number, record in rows:
            for column, messages in sorted(validator.errors(record).items()):
                value = record.get(column)
                for message in messages:
                    text = message if isinstance(message, str) else str(message)
                    problems.append(SpecProblem(source, name, number, column, f"{text} (value {value!r})"))
    return problems


def parse_where(text: str) -> tuple[WhereCondition, ...]:
    """Parse ``VAR EQ value``, ``VAR IN (a, b)``, ... joined by `` AND ``.

    Raises ValueError with the offending condition when it does not parse.
    """
    conditions = []
    for part in re.split(r"\s+AND\s+", text.strip()):
        match = _WHERE.match(part)
        if not match:
            raise ValueError(f"cannot parse condition {part!r}: expected 'VAR EQ|NE|IN|NOTIN value(s)'")
        variable, comparator, raw = match.groups()
        if comparator in ("IN", "NOTIN"):
            if not (raw.startswith("(") and raw.endswith(")")):
                raise ValueError(f"{comparator} needs a parenthesised list in {part!r}")
            values = tuple(v.strip().strip("'\"") for v in raw[1:-1].split(","))
        else:
            values = (raw.strip("'\""),)
        conditions.append(WhereCondition(variable, comparator, values))
    return tuple(conditions)


def _split_keys(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def _variable(record: dict) -> VariableSpec:
    return VariableSpec(
        dataset=record["Dataset"],
        name=record["Variable"],
        label=record["Label"],
        data_type=record["Data Type"],
        order=record["Order"],
        length=record.get("Length"),
        significant_digits=record.get("Significant Digits"),
        display_format=record.get("Format"),
        core=record["Core"],
        codelist=record.get("Codelist"),
        origin=record.get("Origin"),
        source=record.get("Source"),
        pages=record.get("Pages"),
        method=record.get("Method"),
        predecessor=record.get("Predecessor"),
        role=record.get("Role"),
        comment=record.get("Comment"),
    )


def _codelists(source: str, rows: list[Row], ct: ControlledTerminology) -> tuple[dict[str, Codelist], list[SpecProblem]]:
    """Group Codelists-sheet rows into codelists and check CDISC ones against the CT subset."""
    problems: list[SpecProblem] = []
    grouped: dict[str, list[Row]] = defaultdict(list)
    for number, record in rows:
        grouped[record["ID"]].append((number, record))
    codelists: dict[str, Codelist] = {}
    for cl_id, members in grouped.items():
        first_row, first = members[0]
        cdisc = first["Terminology"] == "CDISC CT"
        reference = None
        if cdisc:
            code = first.get("NCI Codelist Code")
            reference = ct.by_code(code) if code else ct.codelists.get(cl_id)
            if reference is None:
                problems.append(
                    SpecProblem(source, "Codelists", first_row, "ID", f"CDISC codelist {cl_id} ({code}) is not in the CT subset")
                )
        terms: list[Term] = []
        orders: dict[int, int] = {}
        for number, record in members:
            order = record.get("Order")
            if order is not None and order in orders:
                problems.append(SpecProblem(source, "Codelists", number, "Order", f"order {order} of {cl_id} repeats row {orders[order]}"))
            elif order is not None:
                orders[order] = number
            for column in ("Name", "Terminology", "Data Type"):
                if record.get(column) != first.get(column):
                    problems.append(
                        SpecProblem(source, "Codelists", number, column, f"differs from the first row of codelist {cl_id}")
                    )
            value = record.get("Term")
            if value is None:
                continue
            if any(t.value == value for t in terms):
                problems.append(SpecProblem(source, "Codelists", number, "Term", f"duplicate term {value!r} in {cl_id}"))
                continue
            code = record.get("NCI Term Code")
            if reference is not None:
                ct_term = next((t for t in reference.terms if t.value == value), None)
                if ct_term is None and not reference.extensible:
                    problems.append(
                        SpecProblem(source, "Codelists", number, "Term", f"{value!r} is not a term of non-extensible {cl_id}")
                    )
                elif ct_term is not None and code and ct_term.nci_code and code != ct_term.nci_code:
                    problems.append(
                        SpecProblem(
                            source, "Codelists", number, "NCI Term Code", f"{code} for {value!r}, CT has {ct_term.nci_code}"
                        )
                    )
                if ct_term is not None and not code:
                    code = ct_term.nci_code
            decode = record.get("Decoded Value")
            if decode is None and reference is not None:
                decode = reference.decode(value)
            terms.append(Term(value, code, decode, record.get("Order") or len(terms) + 1))
        extensible = first.get("Extensible") == "Yes"
        if reference is not None:
            if first.get("Extensible") and extensible != reference.extensible:
                problems.append(
                    SpecProblem(source, "Codelists", first_row, "Extensible", f"{cl_id} extensibility disagrees with the CT")
                )
            extensible = reference.extensible
            if not terms:
                terms = list(reference.terms)
        codelists[cl_id] = Codelist(
            id=cl_id,
            name=first["Name"],
            nci_code=first.get("NCI Codelist Code") or (reference.nci_code if reference else None),
            data_type=first["Data Type"],
            terminology=first["Terminology"],
            extensible=extensible,
            terms=tuple(sorted(terms, key=lambda t: (t.order or 0))),
        )
    return codelists, problems


def _datasets(source: str, sheets: dict[str, list[Row]]) -> tuple[dict[str, DatasetSpec], list[SpecProblem]]:
    """Build dataset specs; check duplicates, orphan variables and key variables."""
    problems: list[SpecProblem] = []
    variables: dict[str, list[VariableSpec]] = defaultdict(list)
    seen: dict[tuple[str, str], int] = {}
    orders: dict[tuple[str, int], int] = {}
    dataset_rows = {record["Dataset"]: number for number, record in sheets["Datasets"]}
    for number, record in sheets["Variables"]:
        key = (record["Dataset"], record["Variable"])
        if key in seen:
            problems.append(
                SpecProblem(source, "Variables", number, "Variable", f"duplicate variable {'.'.join(key)} (first at row {seen[key]})")
            )
            continue
        seen[key] = number
        order_key = (record["Dataset"], record["Order"])
        if order_key in orders:
            problems.append(
                SpecProblem(source, "Variables", number, "Order", f"order {record['Order']} repeats row {orders[order_key]}")
            )
        orders[order_key] = number
        if record["Dataset"] not in dataset_rows:
            problems.append(SpecProblem(source, "Variables", number, "Dataset", f"{record['Dataset']} is not in Datasets"))
        mandatory = record.get("Mandatory")
        if mandatory and (mandatory == "Yes") != (record["Core"] == "Req"):
            problems.append(
                SpecProblem(source, "Variables", number, "Mandatory", f"{mandatory} contradicts Core {record['Core']}")
            )
        if record["Data Type"] in ("integer", "float") and record.get("Length") not in (None, 8):
            problems.append(SpecProblem(source, "Variables", number, "Length", "numeric variables have length 8"))
        variables[record["Dataset"]].append(_variable(record))
    datasets: dict[str, DatasetSpec] = {}
    for number, record in sheets["Datasets"]:
        name = record["Dataset"]
        if name in datasets:
            problems.append(SpecProblem(source, "Datasets", number, "Dataset", f"duplicate dataset {name}"))
            continue
        members = tuple(sorted(variables.get(name, []), key=lambda v: v.order))
        if not members:
            problems.append(SpecProblem(source, "Datasets", number, "Dataset", f"{name} has no variables"))
        keys = _split_keys(record["Key Variables"])
        names = {v.name for v in members}
        for key in keys:
            if key not in names:
                problems.append(
                    SpecProblem(source, "Datasets", number, "Key Variables", f"key variable {key} is not a variable of {name}")
                )
        datasets[name] = DatasetSpec(
            name=name,
            label=record["Label"],
            class_=record["Class"],
            structure=record["Structure"],
            keys=keys,
            variables=members,
            subclass=record.get("SubClass"),
            standard=record.get("Standard"),
            repeating=record.get("Repeating", "Yes") == "Yes",
            reference_data=record.get("Reference Data", "No") == "Yes",
            comment=record.get("Comment"),
        )
    return datasets, problems


def _value_level(source: str, rows: list[Row], datasets: dict[str, DatasetSpec]) -> tuple[tuple[ValueLevelSpec, ...], list[SpecProblem]]:
    problems: list[SpecProblem] = []
    specs: list[ValueLevelSpec] = []
    for number, record in rows:
        dataset = datasets.get(record["Dataset"])
        if dataset is None:
            problems.append(SpecProblem(source, "ValueLevel", number, "Dataset", f"{record['Dataset']} is not in Datasets"))
            continue
        if record["Variable"] not in dataset.variable_names:
            problems.append(
                SpecProblem(source, "ValueLevel", number, "Variable", f"{record['Variable']} is not a variable of {dataset.name}")
            )
        try:
            where = parse_where(record["Where Clause"])
        except ValueError as exc:
            problems.append(SpecProblem(source, "ValueLevel", number, "Where Clause", str(exc)))
            continue
        for condition in where:
            if condition.variable not in dataset.variable_names:
                problems.append(
                    SpecProblem(
                        source, "ValueLevel", number, "Where Clause", f"{condition.variable} is not a variable of {dataset.name}"
                    )
                )
        specs.append(
            ValueLevelSpec(
                dataset=record["Dataset"],
                variable=record["Variable"],
                where=where,
                data_type=record["Data Type"],
                order=record["Order"],
                length=record.get("Length"),
                significant_digits=record.get("Significant Digits"),
                display_format=record.get("Format"),
                mandatory=record.get("Mandatory") == "Yes",
                codelist=record.get("Codelist"),
                origin=record.get("Origin"),
                source=record.get("Source"),
                pages=record.get("Pages"),
                method=record.get("Method"),
                predecessor=record.get("Predecessor"),
                comment=record.get("Comment"),
            )
        )
    return tuple(specs), problems


def _check_references(source: str, sheets: dict[str, list[Row]], ids: dict[str, set[str]]) -> list[SpecProblem]:
    """Every Codelist, Method and Comment ID used in Variables/ValueLevel/Datasets must exist."""
    problems: list[SpecProblem] = []
    targets = {"Codelist": ids["codelists"], "Method": ids["methods"], "Comment": ids["comments"]}
    for sheet in ("Variables", "ValueLevel", "Datasets"):
        for number, record in sheets[sheet]:
            for column, known in targets.items():
                value = record.get(column)
                if value is not None and value not in known:
                    kind = {"Codelist": "codelist", "Method": "method", "Comment": "comment"}[column]
                    problems.append(SpecProblem(source, sheet, number, column, f"unknown {kind} {value!r}"))
    return problems


def load_standard(path: Path, ct: ControlledTerminology) -> tuple[Standard | None, list[SpecProblem]]:
    """Load one spec workbook; return the Standard (None if unreadable) and every problem."""
    source = path.name
    sheets, problems = read_sheets(path)
    if not sheets:
        return None, problems
    problems += validate_rows(source, sheets)
    if problems:
        return None, problems
    codelists, found = _codelists(source, sheets["Codelists"], ct)
    problems += found
    datasets, found = _datasets(source, sheets)
    problems += found
    value_level, found = _value_level(source, sheets["ValueLevel"], datasets)
    problems += found
    dictionaries = {
        r["ID"]: Dictionary(r["ID"], r["Name"], r["Data Type"], r["Dictionary"], r["Version"], r.get("Comment"))
        for _, r in sheets["Dictionaries"]
    }
    methods = {
        r["ID"]: Method(
            r["ID"], r["Name"], r["Type"], r["Description"], r.get("Expression Context"), r.get("Expression Code"),
            r.get("Document"), r.get("Pages"),
        )
        for _, r in sheets["Methods"]
    }
    comments = {r["ID"]: Comment(r["ID"], r["Description"], r.get("Document"), r.get("Pages")) for _, r in sheets["Comments"]}
    documents = {r["ID"]: Document(r["ID"], r["Title"], r["Href"]) for _, r in sheets["Documents"]}
    problems += _check_references(
        source,
        sheets,
        {"codelists": set(codelists) | set(dictionaries), "methods": set(methods), "comments": set(comments)},
    )
    attributes = {r["Attribute"]: r.get("Value", "") for _, r in sheets["Study"]}
    standard = Standard(
        name=attributes.get("StandardName", ""),
        version=attributes.get("StandardVersion", ""),
        study_attributes=attributes,
        datasets=datasets,
        value_level=value_level,
        codelists=codelists,
        dictionaries=dictionaries,
        methods=methods,
        comments=comments,
        documents=documents,
        source=source,
    )
    return standard, problems
