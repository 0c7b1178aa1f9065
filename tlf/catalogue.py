"""The TLF catalogue: which outputs a study has, and their titles, footnotes and layout, as data.

A study's ``specs/<study>/tlf_catalogue.yaml`` lists every table, listing and figure. Titles,
subtitle, population label, column headers and footnotes are jinja2 templates filled from the
data when the output is built (``"Efficacy set (N={{ n }})"``, ``"Data cut-off {{ cutoff }}"``);
they are data from the study folder, so they are only ever rendered in the sandbox of
:mod:`tlf.render.text`. The file is validated by cerberus when it loads, and every template is
parsed then, so a broken catalogue fails before any data is touched, with every problem named
by output id and field.

Example file::

    outputs:
      - id: T-14.2.1
        kind: table
        template: summary_table
        title: [Best overall response (confirmed), RECIST 1.1]
        population: {flag: EFFFL, label: "Efficacy set (N={{ n }})"}
        column_headers: [["", "All subjects (N={{ n }})"]]
        footnotes: ["CI: exact Clopper-Pearson. Data cut-off {{ cutoff }}."]
        source: [ADSL, ADRS]
        program: tlf.tables.response:build_response_table
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cerberus
import jinja2
import pandas as pd
import yaml

from specs.documents import parse_yaml
from specs.errors import SpecError
from tlf.render.spec import HeaderCell, OutputSpec
from tlf.render.text import fill_template, fill_templates, sandbox_environment

SHELLS = {"summary_table": "table", "listing": "listing", "figure": "figure"}
"""Renderer shells a catalogue entry may name, and the kind of output each draws."""

_TEXT = {"type": "string", "empty": False}
_NAME = {"type": "string", "regex": r"[A-Z][A-Z0-9]{0,7}"}
_HEADER_CELL = {
    "anyof": [
        {"type": "string"},
        {
            "type": "dict",
            "schema": {"text": {"type": "string", "required": True}, "span": {"type": "integer", "min": 1}},
        },
    ]
}
ENTRY_SCHEMA = {
    "id": {"type": "string", "required": True, "regex": r"[A-Z]+-[0-9A-Za-z][0-9A-Za-z._-]*"},
    "kind": {"type": "string", "required": True, "allowed": sorted(set(SHELLS.values()))},
    "template": {"type": "string", "required": True, "allowed": sorted(SHELLS)},
    "title": {"type": ["string", "list"], "required": True, "empty": False, "schema": _TEXT},
    "subtitle": _TEXT,
    "population": {
        "type": "dict",
        "schema": {"flag": {**_NAME, "required": True}, "label": {**_TEXT, "required": True}},
    },
    "footnotes": {"type": "list", "schema": _TEXT},
    "column_headers": {"type": "list", "schema": {"type": "list", "empty": False, "schema": _HEADER_CELL}},
    "col_widths": {"type": "list", "schema": {"type": "number", "min": 0.1}},
    "col_align": {"type": "list", "schema": {"type": "string", "allowed": ["l", "c", "r"]}},
    "group_by": {"type": "list", "schema": _TEXT},
    "page_by": _TEXT,
    "source": {"type": "list", "required": True, "empty": False, "schema": _NAME},
    "program": {"type": "string", "required": True, "regex": r"[A-Za-z_][\w.]*:[A-Za-z_]\w*"},
    "orientation": {"type": "string", "allowed": ["portrait", "landscape", "auto"]},
}
CATALOGUE_SCHEMA = {
    "study": {"type": "string"},
    "outputs": {"type": "list", "required": True, "empty": False, "schema": {"type": "dict"}},
}


@dataclass(frozen=True)
class CatalogueProblem:
    """One problem in the catalogue: the file, the output id (or position) and the field."""

    source: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: output {self.entry}" if self.entry else self.source
        return f"{where}, field {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class CatalogueError(SpecError):
    """A TLF catalogue that does not validate; ``problems`` lists every :class:`CatalogueProblem`."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One output of the catalogue, templates not yet filled.

    Attributes mirror the YAML keys; ``title`` and ``footnotes`` are tuples of template
    strings, ``column_headers`` a tuple of rows of :class:`HeaderCell` whose text is a template,
    ``orientation`` is None for "decide from the width".
    """

    id: str
    kind: str
    template: str
    title: tuple[str, ...]
    source: tuple[str, ...]
    program: str
    subtitle: str | None = None
    population_flag: str | None = None
    population_label: str | None = None
    footnotes: tuple[str, ...] = ()
    column_headers: tuple[tuple[HeaderCell, ...], ...] = ()
    col_widths: tuple[float, ...] = ()
    col_align: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    page_by: str | None = None
    orientation: str | None = None

    def templates(self) -> dict[str, str]:
        """Every template of the entry by field name (``title[0]``, ``column_headers[1][2]`` ...)."""
        found = {f"title[{i}]": t for i, t in enumerate(self.title)}
        found.update({f"footnotes[{i}]": t for i, t in enumerate(self.footnotes)})
        for i, row in enumerate(self.column_headers):
            found.update({f"column_headers[{i}][{j}]": c.text for j, c in enumerate(row)})
        if self.subtitle:
            found["subtitle"] = self.subtitle
        if self.population_label:
            found["population.label"] = self.population_label
        return found


def _flatten(source: str, entry: str, errors: Mapping, path: str = "") -> list[CatalogueProblem]:
    problems = []
    for key, messages in errors.items():
        where = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))
        for message in messages:
            if isinstance(message, dict):
                problems += _flatten(source, entry, message, where)
            else:
                problems.append(CatalogueProblem(source, entry, where, str(message)))
    return problems


def _entry(raw: dict) -> CatalogueEntry:
    title = raw["title"]
    population = raw.get("population") or {}
    headers = tuple(
        tuple(HeaderCell(c) if isinstance(c, str) else HeaderCell(c["text"], c.get("span", 1)) for c in row)
        for row in raw.get("column_headers", [])
    )
    orientation = raw.get("orientation")
    return CatalogueEntry(
        id=raw["id"],
        kind=raw["kind"],
        template=raw["template"],
        title=(title,) if isinstance(title, str) else tuple(title),
        source=tuple(raw["source"]),
        program=raw["program"],
        subtitle=raw.get("subtitle"),
        population_flag=population.get("flag"),
        population_label=population.get("label"),
        footnotes=tuple(raw.get("footnotes", [])),
        column_headers=headers,
        col_widths=tuple(float(w) for w in raw.get("col_widths", [])),
        col_align=tuple(raw.get("col_align", [])),
        group_by=tuple(raw.get("group_by", [])),
        page_by=raw.get("page_by"),
        orientation=None if orientation in (None, "auto") else orientation,
    )


def _check_entry(source: str, index: int, raw: object,
                 validator: cerberus.Validator) -> tuple[CatalogueEntry | None, list[CatalogueProblem]]:
    """One entry checked by ``validator`` (of :data:`ENTRY_SCHEMA`, built once per catalogue: cerberus
    checks the schema itself each time a validator is made) and by the rules cerberus cannot state."""
    name = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{index + 1}"
    if not validator.validate(raw):
        return None, _flatten(source, name, validator.errors)
    entry = _entry(validator.document)
    problems = []
    if SHELLS[entry.template] != entry.kind:
        problems.append(
            CatalogueProblem(
                source, name, "template", f"{entry.template!r} draws a {SHELLS[entry.template]}, not a {entry.kind}"
            )
        )
    if entry.kind == "figure" and entry.column_headers:
        problems.append(CatalogueProblem(source, name, "column_headers", "a figure has no column headers"))
    widths = {len(row) for row in (entry.col_widths, entry.col_align) if row}
    if len(widths) > 1:
        problems.append(CatalogueProblem(source, name, "col_align", "col_widths and col_align differ in length"))
    for field, text in entry.templates().items():
        try:
            sandbox_environment().parse(text)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(CatalogueProblem(source, name, field, f"template syntax error: {exc.message}"))
    return (None if problems else entry), problems


def load_catalogue(path: str | Path) -> list[CatalogueEntry]:
    """Load and validate a TLF catalogue YAML file.

    Parameters
    ----------
    path : path
        The catalogue, e.g. ``specs/alter_e003/tlf_catalogue.yaml``.

    Returns
    -------
    list of CatalogueEntry
        In file order.

    Raises
    ------
    CatalogueError
        Listing every problem: schema violations, unknown keys, a template shell that does not
        draw the entry's kind, duplicate ids, template syntax errors; each names the output id
        (or its position when the id itself is bad) and the field.
    """
    path = Path(path)
    source = path.name
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CatalogueError([CatalogueProblem(source, "", "", f"cannot read: {exc}")]) from exc
    validator = cerberus.Validator(CATALOGUE_SCHEMA, allow_unknown=False)
    if not validator.validate(document if isinstance(document, dict) else {"outputs": document}):
        raise CatalogueError(_flatten(source, "", validator.errors))
    entries, problems, seen = [], [], set()
    entry_validator = cerberus.Validator(ENTRY_SCHEMA, allow_unknown=False)
    for index, raw in enumerate(document["outputs"]):
        entry, found = _check_entry(source, index, raw, entry_validator)
        problems += found
        if entry is not None:
            if entry.id in seen:
                problems.append(CatalogueProblem(source, entry.id, "id", "duplicate output id"))
            seen.add(entry.id)
            entries.append(entry)
    if problems:
        raise CatalogueError(problems)
    return entries


def create_output_spec(
    entry: CatalogueEntry,
    body: pd.DataFrame | None = None,
    *,
    context: Mapping[str, object],
    study_id: str,
    cutoff: str,
    figure_png: str | Path | None = None,
    figure_svg: str | Path | None = None,
    **layout: object,
) -> OutputSpec:
    """Fill an entry's templates from ``context`` (in the sandbox) and build its :class:`OutputSpec`.

    Parameters
    ----------
    entry : CatalogueEntry
    body : pandas.DataFrame, optional
        The formatted body (tables and listings).
    context : mapping
        Values for the templates, e.g. ``{"n": 46}``; ``study_id`` and ``cutoff`` are added.
    study_id, cutoff : str
    figure_png, figure_svg : path, optional
        The rendered figure files (figures).
    **layout
        Overrides of layout fields the table builder knows better (``col_widths``, ``col_align``,
        ``group_by``, ``page_by``, ``new_page``, ``orientation``, ``rows_per_page``).

    Raises
    ------
    TemplateRenderError
        Naming the output id and the field when a template needs a value ``context`` lacks or
        does something the sandbox refuses.
    """
    values = {**context, "study_id": study_id, "cutoff": cutoff}
    oid = entry.id

    def fill(text: str | None, field: str) -> str | None:
        return None if text is None else fill_template(text, values, output_id=oid, field=field)

    headers = tuple(
        tuple(HeaderCell(fill(c.text, f"column_headers[{i}][{j}]"), c.span) for j, c in enumerate(row))
        for i, row in enumerate(entry.column_headers)
    )
    options: dict[str, object] = {
        "col_widths": entry.col_widths,
        "col_align": entry.col_align,
        "group_by": entry.group_by,
        "page_by": entry.page_by,
        "orientation": entry.orientation,
    }
    options.update(layout)
    return OutputSpec(
        output_id=oid,
        kind=entry.kind,
        title=fill_templates(entry.title, values, output_id=oid, field="title"),
        subtitle=fill(entry.subtitle, "subtitle"),
        population=fill(entry.population_label, "population.label"),
        footnotes=fill_templates(entry.footnotes, values, output_id=oid, field="footnotes"),
        column_headers=headers,
        body=body,
        source_datasets=entry.source,
        program=entry.program,
        study_id=study_id,
        cutoff=cutoff,
        figure_png=Path(figure_png) if figure_png else None,
        figure_svg=Path(figure_svg) if figure_svg else None,
        **options,
    )
