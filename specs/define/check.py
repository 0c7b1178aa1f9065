"""Checks of a define.xml: the official schema, its internal references, and the data it describes.

- :func:`validate_define`: the Define-XML 2.1 schema that odmlib ships (``define2-1-0.xsd``;
  ``arm1-0-0.xsd`` for a document carrying Analysis Results Metadata), plus the OID references
  the schema cannot check (ODM OIDs are plain strings, only def:leaf IDs are xs:ID).
- :func:`check_define_against_data`: define.xml and the datasets agree both ways: datasets,
  variables and their order, numeric vs character, and Length equal to the longest value
  (Define-XML 2.1 ItemDef/@Length; FDA Study Data Technical Conformance Guide 4.1.2.1 asks for
  character lengths set to the longest value, not a padded maximum).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd
from lxml import etree

from specs.define.data import data_length, has_value, where_mask
from specs.define.xml import define_bytes, defx, odm
from specs.model import NUMERIC_TYPES, WhereCondition
from specs.rules.xport import read_xport_meta
from specs.values import text_column

ARM_NS = "http://www.cdisc.org/ns/arm/v1.0"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _schemas_folder() -> Path:
    spec = importlib.util.find_spec("odmlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("odmlib is not installed: it ships the Define-XML 2.1 schemas")
    return Path(spec.submodule_search_locations[0]) / "schemas"


def define_xsd() -> Path:
    """Path of the Define-XML 2.1 schema shipped with odmlib."""
    return _schemas_folder() / "define" / "2.1" / "define2-1-0.xsd"


def arm_xsd() -> Path:
    """Path of the ARM 1.0 schema (odmlib's variant paired with Define-XML 2.1)."""
    return _schemas_folder() / "arm" / "1.0-define2.1" / "arm1-0-0.xsd"


@lru_cache(maxsize=4)
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


DefineSource = etree._ElementTree | etree._Element | Path | str


def load_define(define: DefineSource) -> etree._ElementTree:
    """A define.xml as an element tree, from a path or a tree (a tree is re-read from its bytes,
    so messages carry line numbers)."""
    if isinstance(define, etree._ElementTree):
        return etree.ElementTree(etree.fromstring(define_bytes(define)))
    if isinstance(define, etree._Element):
        return etree.ElementTree(etree.fromstring(define_bytes(etree.ElementTree(define))))
    return etree.parse(str(define))


def validate_define(define: DefineSource) -> list[str]:
    """Schema and reference errors of a define.xml; empty when it is valid.

    The schema is Define-XML 2.1 (``define2-1-0.xsd``), or ARM 1.0 over Define-XML 2.1
    (``arm1-0-0.xsd``) when the document has ``arm:`` elements. Each message starts with the
    line number. Reference errors come from :func:`check_define_references`.
    """
    try:
        tree = load_define(define)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    has_arm = any(el.tag.startswith(f"{{{ARM_NS}}}") for el in tree.getroot().iter() if isinstance(el.tag, str))
    schema = _schema(str(arm_xsd() if has_arm else define_xsd()))
    errors = []
    if not schema.validate(tree):
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log]
    return errors + check_define_references(tree)


def _oids(root: etree._Element, tag: str, attribute: str = "OID") -> Counter:
    return Counter(el.get(attribute) for el in root.iter(tag))


def check_define_references(define: DefineSource) -> list[str]:
    """Every OID a define.xml refers to is defined exactly once, and every ItemDef is used.

    Checked (Define-XML 2.1 reference rules): ItemRef/@ItemOID and @MethodOID, CodeListRef,
    def:CommentOID, def:ValueListRef, def:WhereClauseRef, RangeCheck/@def:ItemOID,
    def:StandardOID, def:ArchiveLocationID and def:DocumentRef/@leafID (to a def:leaf: libxml2
    does not resolve the schema's xs:IDREF), and the ARM ItemGroupOID, ItemOID and
    ParameterOID references.
    """
    root = load_define(define).getroot() if not isinstance(define, etree._ElementTree) else define.getroot()
    defined = {
        "ItemGroupDef": _oids(root, odm("ItemGroupDef")),
        "ItemDef": _oids(root, odm("ItemDef")),
        "CodeList": _oids(root, odm("CodeList")),
        "MethodDef": _oids(root, odm("MethodDef")),
        "def:CommentDef": _oids(root, defx("CommentDef")),
        "def:ValueListDef": _oids(root, defx("ValueListDef")),
        "def:WhereClauseDef": _oids(root, defx("WhereClauseDef")),
        "def:Standard": _oids(root, defx("Standard")),
        "def:leaf": _oids(root, defx("leaf"), "ID"),
    }
    problems = [
        f"{kind} {oid} is defined {count} times"
        for kind, counter in defined.items()
        for oid, count in sorted(counter.items())
        if count > 1
    ]

    def need(kind: str, oid: str | None, where: str) -> None:
        if oid is not None and oid not in defined[kind]:
            problems.append(f"{where} refers to {kind} {oid}, which is not defined")

    used_items: set[str] = set()
    for parent in (*root.iter(odm("ItemGroupDef")), *root.iter(defx("ValueListDef"))):
        for ref in parent.iter(odm("ItemRef")):
            need("ItemDef", ref.get("ItemOID"), f"ItemRef in {parent.get('OID')}")
            need("MethodDef", ref.get("MethodOID"), f"ItemRef {ref.get('ItemOID')}")
            used_items.add(ref.get("ItemOID"))
            for where in ref.iter(defx("WhereClauseRef")):
                need("def:WhereClauseDef", where.get("WhereClauseOID"), f"ItemRef {ref.get('ItemOID')}")
        if parent.get(defx("ArchiveLocationID")):
            need("def:leaf", parent.get(defx("ArchiveLocationID")), f"ItemGroupDef {parent.get('OID')}")
    for item in root.iter(odm("ItemDef")):
        oid = item.get("OID")
        if oid not in used_items:
            problems.append(f"ItemDef {oid} is not referenced by any ItemRef")
        for ref in item.iter(odm("CodeListRef")):
            need("CodeList", ref.get("CodeListOID"), f"ItemDef {oid}")
        for ref in item.iter(defx("ValueListRef")):
            need("def:ValueListDef", ref.get("ValueListOID"), f"ItemDef {oid}")
    for ref in root.iter(defx("DocumentRef")):
        holder = ref.getparent()
        owner = holder.getparent() if holder is not None and holder.get("OID") is None else holder
        label = etree.QName(owner).localname if owner is not None else "DocumentRef"
        need("def:leaf", ref.get("leafID"), f"def:DocumentRef in {label} {owner.get('OID') or ''}".strip())
    for check in root.iter(odm("RangeCheck")):
        need("ItemDef", check.get(defx("ItemOID")), "RangeCheck")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        need("def:CommentDef", element.get(defx("CommentOID")), f"{name} {element.get('OID') or ''}".strip())
        need("def:Standard", element.get(defx("StandardOID")), f"{name} {element.get('OID') or ''}".strip())
    for dataset in root.iter(f"{{{ARM_NS}}}AnalysisDataset"):
        need("ItemGroupDef", dataset.get("ItemGroupOID"), "arm:AnalysisDataset")
    for variable in root.iter(f"{{{ARM_NS}}}AnalysisVariable"):
        need("ItemDef", variable.get("ItemOID"), "arm:AnalysisVariable")
    for result in root.iter(f"{{{ARM_NS}}}AnalysisResult"):
        need("ItemDef", result.get("ParameterOID"), f"arm:AnalysisResult {result.get('OID')}")
    return problems


def _where(root_items: dict[str, etree._Element], clause: etree._Element) -> tuple[WhereCondition, ...]:
    conditions = []
    for check in clause.iter(odm("RangeCheck")):
        item = root_items.get(check.get(defx("ItemOID")))
        name = item.get("Name") if item is not None else str(check.get(defx("ItemOID")))
        values = tuple(v.text or "" for v in check.iter(odm("CheckValue")))
        conditions.append(WhereCondition(name, check.get("Comparator"), values))
    return tuple(conditions)


def check_define_against_data(define: DefineSource, datasets: Mapping[str, pd.DataFrame]) -> list[str]:
    """Differences between a define.xml and the datasets it describes; empty when they agree.

    Pass the frames as written (the return value of :func:`specs.xpt.write_xpt`) or as read back
    from the XPT files. Checked: the same datasets; the same variables in the same order;
    numeric DataType exactly for numeric columns; ItemDef Length equal to the longest value
    (character: bytes; numeric: 8), also for value-level definitions on the records their where
    clause selects; every value-level where clause selects at least one record.
    """
    root = load_define(define).getroot() if not isinstance(define, etree._ElementTree) else define.getroot()
    groups = {g.get("Name"): g for g in root.iter(odm("ItemGroupDef"))}
    items = {i.get("OID"): i for i in root.iter(odm("ItemDef"))}
    lists = {v.get("OID"): v for v in root.iter(defx("ValueListDef"))}
    wheres = {w.get("OID"): w for w in root.iter(defx("WhereClauseDef"))}
    problems = [f"{n}: dataset is in the data but not in define.xml" for n in sorted(set(datasets) - set(groups))]
    problems += [f"{n}: dataset is in define.xml but not in the data" for n in sorted(set(groups) - set(datasets))]
    for name, group in groups.items():
        if name not in datasets:
            continue
        frame = datasets[name]
        refs = sorted(group.iter(odm("ItemRef")), key=lambda r: int(r.get("OrderNumber") or 0))
        defined = [items[r.get("ItemOID")] for r in refs if r.get("ItemOID") in items]
        names = [i.get("Name") for i in defined]
        columns = [str(c) for c in frame.columns]
        problems += [f"{name}.{c}: variable is in the data but not in define.xml" for c in columns if c not in names]
        problems += [f"{name}.{v}: variable is in define.xml but not in the data" for v in names if v not in columns]
        if set(names) == set(columns) and names != columns:
            problems.append(
                f"{name}: variable order differs (define.xml {', '.join(names)}; data {', '.join(columns)})"
            )
        for item in defined:
            column = item.get("Name")
            if column not in frame.columns:
                continue
            problems += _item_problems(f"{name}.{column}", item, frame[column])
            for ref in item.iter(defx("ValueListRef")):
                value_list = lists.get(ref.get("ValueListOID"))
                if value_list is None:
                    continue
                for vl_ref in value_list.iter(odm("ItemRef")):
                    vl_item = items.get(vl_ref.get("ItemOID"))
                    clause = next(iter(vl_ref.iter(defx("WhereClauseRef"))), None)
                    if vl_item is None or clause is None or clause.get("WhereClauseOID") not in wheres:
                        continue
                    where = _where(items, wheres[clause.get("WhereClauseOID")])
                    label = f"{name}.{column} ({vl_item.get('OID')})"
                    try:
                        mask = where_mask(frame, where)
                    except ValueError:
                        continue
                    if not mask.any():
                        problems.append(f"{label}: where clause selects no record")
                        continue
                    problems += _item_problems(label, vl_item, frame.loc[mask, column], check_type=False)
    return problems


def _is_numeric(values: pd.Series) -> bool:
    """Stored as an XPT numeric: numbers, or dates/times (pyreadstat reads DATE9.-formatted
    numerics back as dates unless told not to)."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return True
    present = values[values.notna()]
    return not present.empty and bool(present.map(lambda v: isinstance(v, (dt.date, dt.time))).all())


def _item_problems(label: str, item: etree._Element, values: pd.Series, *, check_type: bool = True) -> list[str]:
    problems = []
    data_type = item.get("DataType")
    column = text_column(values)
    numeric = column is None and _is_numeric(values)
    if check_type and (data_type in NUMERIC_TYPES) != numeric and has_value(values, column).any():
        kind = "numeric" if numeric else "character"
        problems.append(f"{label}: DataType {data_type} but the data are {kind}")
    declared = item.get("Length")
    expected = data_length(values, data_type, column)
    if expected is not None and (declared is None or int(declared) != expected):
        problems.append(f"{label}: Length {declared} but the longest value in the data is {expected}")
    return problems



def check_define_against_xpt(
    define: DefineSource, folder: Path | str, *, datasets: Mapping[str, pd.DataFrame] | None = None
) -> list[str]:
    """:func:`check_define_against_data` on the XPT files of ``folder``, plus each character
    variable's XPT storage width against its define.xml Length.

    Datasets are the ``*.xpt`` files of the folder (name = file stem, upper case); each is read
    with pyreadstat (numeric dates kept as numbers). A caller that has just written the files
    passes the frames as written (the return values of :func:`specs.xpt.write_xpt`) as
    ``datasets``: the data are then checked in memory and only the files' headers are read, for
    the storage widths.
    """
    tree = load_define(define)
    if datasets is None:
        frames, widths = _read_xpt_folder(Path(folder))
    else:
        frames, widths = dict(datasets), _xpt_widths(Path(folder))
    return check_define_against_data(tree, frames) + _width_problems(tree, widths)


def _read_xpt_folder(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]]]:
    """Frames and storage widths of every ``*.xpt`` of a folder, read with pyreadstat."""
    import pyreadstat

    frames: dict[str, pd.DataFrame] = {}
    widths: dict[str, dict[str, int]] = {}
    for path in sorted(folder.glob("*.xpt")):
        frame, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
        frames[path.stem.upper()] = frame
        widths[path.stem.upper()] = dict(meta.variable_storage_width)
    return frames, widths


def _xpt_widths(folder: Path) -> dict[str, dict[str, int]]:
    """Storage widths of every ``*.xpt`` of a folder, from the NAMESTR headers only."""
    return {path.stem.upper(): read_xport_meta(path).widths for path in sorted(folder.glob("*.xpt"))}


def _width_problems(tree: etree._ElementTree, widths: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Character ItemDefs whose Length differs from the XPT storage width of their variable."""
    problems = []
    items = {i.get("OID"): i for i in tree.getroot().iter(odm("ItemDef"))}
    for group in tree.getroot().iter(odm("ItemGroupDef")):
        name = group.get("Name")
        for ref in group.iter(odm("ItemRef")):
            item = items.get(ref.get("ItemOID"))
            if item is None or item.get("DataType") in NUMERIC_TYPES or item.get("Length") is None:
                continue
            width = widths.get(name, {}).get(item.get("Name"))
            if width is not None and width != int(item.get("Length")):
                problems.append(
                    f"{name}.{item.get('Name')}: Length {item.get('Length')} but the XPT stores {width} bytes"
                )
    return problems
