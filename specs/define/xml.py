"""Define-XML 2.1 writer: one define.xml per standard (SDTM or ADaM), from the spec and the data.

The spec (:class:`specs.model.Standard`) gives names, labels, types, codelists, origins, methods
and comments; the data give which datasets and variables exist and how long their values are.
The document describes exactly the data: a dataset or variable the data leave out is not listed,
a data column the spec does not know is an error, and every length is the longest value present.

Element order follows the Define-XML 2.1 schema (``define2-1-0.xsd`` redefining ODM 1.3.2
``MetaDataVersion``): def:Standards, def:AnnotatedCRF, def:SupplementalDoc, def:ValueListDef,
def:WhereClauseDef, ItemGroupDef, ItemDef, CodeList, MethodDef, def:CommentDef, def:leaf.
Source: CDISC Define-XML Specification Version 2.1 (2019), with its schema and examples; OIDs
follow the usual conventions (``IG.<DS>``, ``IT.<DS>.<VAR>``, ``CL.<ID>``, ``MT.<ID>``, ``COM.<ID>``,
``LF.<ID>``, ``VL.<DS>.<VAR>``, ``WC.<DS>.<VAR>.<values>``), shared with :mod:`specs.datasetjson`.
Output is deterministic: the only time stamp is :attr:`DefineContext.created`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from specs.conform import conform_to_spec
from specs.define.context import CTPackage, DefineContext
from specs.define.data import data_decimals, data_length, where_mask
from specs.files import replacing
from specs.model import (
    Codelist,
    DatasetSpec,
    Dictionary,
    Document,
    Standard,
    Study,
    ValueLevelSpec,
    VariableSpec,
    WhereCondition,
)
from specs.values import compute_blank, text_column

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS}

ANNOTATED_CRF_IDS = frozenset({"acrf"})
REVIEWERS_GUIDE_IDS = frozenset({"csdrg", "sdrg", "adrg"})
_CLASS_ALIASES = {"SPECIAL-PURPOSE": "SPECIAL PURPOSE", "ADAM-OTHER": "ADAM OTHER"}
_STANDARD_ALIASES = {"ADaM-OCCDS": "ADaM-OCCDSIG"}
"""Workbook standard names -> def:Standard/@Name terms of the Define-XML CT (C170452)."""
_UNSAFE_OID = re.compile(r"[^A-Za-z0-9_.\-]+")


def odm(tag: str) -> str:
    """Clark name of an ODM 1.3 element (the default namespace of define.xml)."""
    return f"{{{ODM_NS}}}{tag}"


def defx(tag: str) -> str:
    """Clark name of a Define-XML 2.1 ``def:`` element or attribute."""
    return f"{{{DEF_NS}}}{tag}"


def safe_oid(text: str) -> str:
    """Text usable inside an OID: runs of characters other than letters, digits, ``_.-`` become ``_``."""
    return _UNSAFE_OID.sub("_", text).strip("_")


def make_oid(prefix: str, identifier: str) -> str:
    """``<prefix>.<identifier>``, unless the identifier already starts with the prefix."""
    return identifier if identifier.startswith(prefix + ".") else f"{prefix}.{identifier}"


# --------------------------------------------------------------------------- element helpers


def sub_element(
    parent: etree._Element, tag: str, attrib: Mapping[str, object] | None = None, text: str | None = None
) -> etree._Element:
    """Append a child; attributes whose value is None are left out (in the order given)."""
    element = etree.SubElement(parent, tag)
    for key, value in (attrib or {}).items():
        if value is not None:
            element.set(key, str(value))
    if text is not None:
        element.text = text
    return element


def add_description(parent: etree._Element, text: str, lang: str, tag: str = "Description") -> etree._Element:
    """Append ``<Description><TranslatedText xml:lang=...>`` (or another holder such as Decode)."""
    holder = sub_element(parent, odm(tag))
    sub_element(holder, odm("TranslatedText"), {XML_LANG: lang}, text)
    return holder


def page_refs(parent: etree._Element, pages: str) -> None:
    """def:PDFPageRef children for a Pages cell (Define-XML 2.1 def:PDFPageRef).

    ``12 14`` or ``12, 14`` give PageRefs="12 14"; ``12-14`` gives FirstPage/LastPage; text that
    is not page numbers (``AE``) gives a NamedDestination: single pages first, then ranges, then
    named destinations.
    """
    singles: list[str] = []
    named: list[str] = []
    ranges: list[tuple[str, str]] = []
    for token in re.split(r"[,\s]+", pages.strip()):
        if not token:
            continue
        span = re.fullmatch(r"(\d+)-(\d+)", token)
        if span:
            ranges.append((span.group(1), span.group(2)))
        elif token.isdigit():
            singles.append(token)
        else:
            named.append(token)
    if singles:
        sub_element(parent, defx("PDFPageRef"), {"PageRefs": " ".join(singles), "Type": "PhysicalRef"})
    for first, last in ranges:
        sub_element(parent, defx("PDFPageRef"), {"FirstPage": first, "LastPage": last, "Type": "PhysicalRef"})
    if named:
        sub_element(parent, defx("PDFPageRef"), {"PageRefs": " ".join(named), "Type": "NamedDestination"})


def document_ref(parent: etree._Element, document_id: str, pages: str | None) -> etree._Element:
    """A def:DocumentRef to leaf ``LF.<id>`` with the page references of ``pages``."""
    ref = sub_element(parent, defx("DocumentRef"), {"leafID": make_oid("LF", document_id)})
    if pages:
        page_refs(ref, pages)
    return ref


def leaf(parent: etree._Element, leaf_id: str, href: str, title: str) -> etree._Element:
    """A def:leaf: ID, xlink:href relative to define.xml, def:title (Define-XML 2.1 def:leaf)."""
    element = sub_element(parent, defx("leaf"), {"ID": leaf_id, f"{{{XLINK_NS}}}href": href})
    sub_element(element, defx("title"), text=title)
    return element


# --------------------------------------------------------------------------- what the data hold


@dataclass
class _Item:
    """One ItemDef to write: a dataset variable or a value-level definition."""

    oid: str
    dataset: str
    name: str
    label: str
    data_type: str
    length: int | None
    significant_digits: int | None
    display_format: str | None
    codelist: str | None
    origin: str | None
    source: str | None
    pages: str | None
    predecessor: str | None
    comment: str | None
    method: str | None = None
    mandatory: bool = False
    value_list: str | None = None


@dataclass
class _ValueList:
    oid: str
    entries: list[tuple[_Item, str]] = field(default_factory=list)  # (item, where clause OID)


@dataclass
class _Group:
    spec: DatasetSpec
    data: pd.DataFrame
    items: list[tuple[VariableSpec, _Item, bool]]  # spec, item, has data


def _conformed(spec: DatasetSpec, data: pd.DataFrame) -> pd.DataFrame:
    """The frame as the XPT writer writes it; ValueError for a column the spec does not know."""
    unknown = [str(c) for c in data.columns if c not in spec.variable_names]
    if unknown:
        raise ValueError(f"{spec.name}: data column(s) not in the spec: {', '.join(unknown)}")
    frame, problems = conform_to_spec(data, spec)
    if problems:
        raise ValueError(f"{spec.name}: data do not conform to the spec: " + "; ".join(str(p) for p in problems))
    return frame


def _significant_digits(declared: int | None, data_type: str, values: pd.Series) -> int | None:
    if data_type != "float":
        return None
    return declared if declared is not None else data_decimals(values)


def _groups(standard: Standard, datasets: Mapping[str, pd.DataFrame]) -> list[_Group]:
    """Datasets present in the data, in spec order, with an item per variable present."""
    unknown = sorted(set(datasets) - set(standard.datasets))
    if unknown:
        raise ValueError(f"dataset(s) not in the {standard.name} spec: {', '.join(unknown)}")
    groups = []
    for name, spec in standard.datasets.items():
        if name not in datasets:
            continue
        frame = _conformed(spec, datasets[name])
        for key in spec.keys:
            if key not in frame.columns:
                raise ValueError(f"{name}: key variable {key} is not in the data")
        items = []
        for var in spec.variables:
            if var.name not in frame.columns:
                continue
            values = frame[var.name]
            column = text_column(values)
            item = _Item(
                oid=f"IT.{name}.{var.name}", dataset=name, name=var.name, label=var.label, data_type=var.data_type,
                length=data_length(values, var.data_type, column),
                significant_digits=_significant_digits(var.significant_digits, var.data_type, values),
                display_format=var.display_format, codelist=var.codelist, origin=var.origin, source=var.source,
                pages=var.pages, predecessor=var.predecessor, comment=var.comment, method=var.method,
                mandatory=var.mandatory,
            )
            items.append((var, item, not compute_blank(values, column).all()))
        groups.append(_Group(spec, frame, items))
    return groups


def _value_lists(standard: Standard, groups: list[_Group]) -> tuple[dict[str, _ValueList], dict[str, tuple]]:
    """ValueListDefs by parent ItemDef OID, and WhereClauseDefs by OID.

    A ValueLevel row is kept when its variable is in the data and its where clause matches at
    least one record (define.xml describes the data, not the plan); lengths and significant
    digits come from the matching records. Rows follow the spec's dataset and variable order.
    OIDs: ``IT.<DS>.<VAR>.<values>`` (``NOT.`` before NE/NOTIN values) and ``WC.`` likewise.
    """
    by_dataset = {g.spec.name: g for g in groups}
    lists: dict[str, _ValueList] = {}
    wheres: dict[str, tuple] = {}
    used: set[str] = set()
    dataset_order = {name: i for i, name in enumerate(standard.datasets)}

    def position(row: ValueLevelSpec) -> tuple:
        spec = standard.datasets.get(row.dataset)
        names = spec.variable_names if spec else ()
        variable = names.index(row.variable) if row.variable in names else 0
        return (dataset_order.get(row.dataset, len(dataset_order)), variable, row.order)

    for row in sorted(standard.value_level, key=position):
        group = by_dataset.get(row.dataset)
        if group is None or row.variable not in group.data.columns:
            continue
        for condition in row.where:
            if condition.variable not in group.data.columns:
                raise ValueError(
                    f"{row.dataset}.{row.variable}: where clause variable {condition.variable} is not in the data"
                )
        mask = where_mask(group.data, row.where)
        if not mask.any():
            continue
        values = group.data.loc[mask, row.variable]
        suffix = safe_oid(".".join(
            ("NOT." if c.comparator in ("NE", "NOTIN") else "") + ".".join(c.values) for c in row.where
        )) or str(row.order)
        oid = f"IT.{row.dataset}.{row.variable}.{suffix}"
        while oid in used:
            oid += f".{row.order}"
        used.add(oid)
        where_oid = "WC" + oid[2:]
        item = _vlm_item(row, oid, values, group.spec.variable(row.variable).label)
        parent = f"IT.{row.dataset}.{row.variable}"
        lists.setdefault(parent, _ValueList(f"VL.{row.dataset}.{row.variable}")).entries.append((item, where_oid))
        wheres[where_oid] = (row.dataset, row.where)
    return lists, wheres


def _vlm_item(row: ValueLevelSpec, oid: str, values: pd.Series, label: str) -> _Item:
    return _Item(
        oid=oid, dataset=row.dataset, name=row.variable, label=label, data_type=row.data_type,
        length=data_length(values, row.data_type),
        significant_digits=_significant_digits(row.significant_digits, row.data_type, values),
        display_format=row.display_format, codelist=row.codelist, origin=row.origin, source=row.source,
        pages=row.pages, predecessor=row.predecessor, comment=row.comment, method=row.method, mandatory=row.mandatory,
    )


# --------------------------------------------------------------------------- the document


class _Writer:
    """Builds one define.xml; collects the codelists, methods, comments and documents it uses."""

    def __init__(self, standard: Standard, study: Study, context: DefineContext):
        self.standard = standard
        self.study = study
        self.context = context
        self.lang = standard.study_attributes.get("Language") or context.language
        self.analysis = standard.name.upper().startswith("ADAM")
        self.codelists: set[str] = set()
        self.methods: set[str] = set()
        self.comments: set[str] = set()
        self.documents: set[str] = set()
        self.standards: dict[str, tuple[str, str]] = {}  # OID -> (name, version) of IGs

    # ---- references
    def _document(self, document_id: str, user: str) -> str:
        if document_id not in self.standard.documents:
            raise ValueError(f"{user} names document {document_id!r}, which is not in the Documents sheet")
        self.documents.add(document_id)
        return document_id

    def _acrf(self, user: str) -> str:
        found = [d for d in self.standard.documents if d.lower() in ANNOTATED_CRF_IDS]
        if not found:
            raise ValueError(f"{user} has CRF pages but the Documents sheet has no annotated CRF (ID acrf)")
        return self._document(found[0], user)

    def _comment(self, comment_id: str | None, user: str) -> str | None:
        if comment_id is None:
            return None
        if comment_id not in self.standard.comments:
            raise ValueError(f"{user} names comment {comment_id!r}, which is not in the Comments sheet")
        self.comments.add(comment_id)
        return make_oid("COM", comment_id)

    def _method(self, method_id: str | None, user: str) -> str | None:
        if method_id is None:
            return None
        if method_id not in self.standard.methods:
            raise ValueError(f"{user} names method {method_id!r}, which is not in the Methods sheet")
        self.methods.add(method_id)
        return make_oid("MT", method_id)

    def _codelist(self, codelist_id: str | None, user: str) -> str | None:
        if codelist_id is None:
            return None
        if codelist_id not in self.standard.codelists and codelist_id not in self.standard.dictionaries:
            raise ValueError(f"{user} names codelist {codelist_id!r}, which is in neither Codelists nor Dictionaries")
        self.codelists.add(codelist_id)
        return make_oid("CL", codelist_id)

    def _standard_oid(self, spec: DatasetSpec) -> str:
        name, version = self.standard.name, self.standard.version
        if spec.standard:
            parts = spec.standard.rsplit(" ", 1)
            if len(parts) == 2:
                name, version = parts
                name = _STANDARD_ALIASES.get(name, name)
        oid = f"STD.{name}.{version}"
        self.standards.setdefault(oid, (name, version))
        return oid

    # ---- elements
    def build(self, groups: list[_Group], lists: dict[str, _ValueList], wheres: dict[str, tuple]) -> etree._ElementTree:
        ctx = self.context
        kind = "ADAM" if self.analysis else "SDTM"
        study_id = self.standard.study_attributes.get("StudyName") or self.study.id
        root = etree.Element(odm("ODM"), nsmap=NSMAP)
        for key, value in (
            ("FileType", "Snapshot"),
            ("FileOID", ctx.file_oid or f"DEF.{study_id}.{kind}"),
            ("CreationDateTime", ctx.created.isoformat(timespec="seconds")),
            ("ODMVersion", "1.3.2"),
            ("Originator", ctx.originator),
            ("SourceSystem", ctx.source_system),
            ("SourceSystemVersion", ctx.source_system_version),
            (defx("Context"), ctx.context),
        ):
            if value is not None:
                root.set(key, value)
        study = sub_element(root, odm("Study"), {"OID": f"ST.{study_id}"})
        attributes = self.standard.study_attributes
        glob = sub_element(study, odm("GlobalVariables"))
        sub_element(glob, odm("StudyName"), text=study_id)
        sub_element(glob, odm("StudyDescription"), text=attributes.get("StudyDescription") or self.study.title)
        sub_element(glob, odm("ProtocolName"), text=attributes.get("ProtocolName") or self.study.id)
        mdv = sub_element(study, odm("MetaDataVersion"), {
            "OID": f"MDV.{study_id}.{self.standard.name}.{self.standard.version}",
            "Name": f"{study_id} {self.standard.name} {self.standard.version}",
            "Description": f"Data definitions for the {study_id} {'analysis' if self.analysis else 'tabulation'} data",
            defx("DefineVersion"): ctx.define_version,
        })
        group_elements = [self._item_group(g) for g in groups]
        item_elements = []
        for group in groups:
            for _, item, _ in group.items:
                if item.oid in lists:
                    item.value_list = lists[item.oid].oid
                item_elements.append(self._item_def(item))
        vl_elements = [self._value_list(vl) for vl in lists.values()]
        for vl in lists.values():
            for item, _ in vl.entries:
                item_elements.append(self._item_def(item))
        wc_elements = [self._where_clause(oid, dataset, where) for oid, (dataset, where) in wheres.items()]
        codelist_elements = [self._codelist_def(c) for c in sorted(self.codelists)]
        method_elements = [self._method_def(m) for m in sorted(self.methods)]
        comment_elements = [self._comment_def(c) for c in sorted(self.comments)]
        self._standards(mdv)
        self._documents_block(mdv)
        for element in (*vl_elements, *wc_elements, *group_elements, *item_elements, *codelist_elements,
                        *method_elements, *comment_elements):
            mdv.append(element)
        for document_id in sorted(self.documents):
            document: Document = self.standard.documents[document_id]
            leaf(mdv, make_oid("LF", document_id), document.href, document.title)
        return etree.ElementTree(root)

    def _standards(self, mdv: etree._Element) -> None:
        block = sub_element(mdv, defx("Standards"))
        for oid, (name, version) in self.standards.items():
            sub_element(block, defx("Standard"), {
                "OID": oid, "Name": name, "Type": "IG", "Version": version, "Status": self.context.standard_status,
            })
        for package in self._ct_packages():
            sub_element(block, defx("Standard"), {
                "OID": package.oid, "Name": "CDISC/NCI", "Type": "CT", "PublishingSet": package.publishing_set,
                "Version": package.version, "Status": package.status,
            })

    def _ct_packages(self) -> tuple[CTPackage, ...]:
        """CT packages for this standard: an SDTM define leaves out the ADaM package."""
        if self.analysis:
            return self.context.ct_packages
        return tuple(p for p in self.context.ct_packages if p.publishing_set != "ADaM")

    def _documents_block(self, mdv: etree._Element) -> None:
        docs = self.standard.documents
        acrf = sorted(d for d in docs if d.lower() in ANNOTATED_CRF_IDS)
        guides = sorted(d for d in docs if d.lower() in REVIEWERS_GUIDE_IDS)
        if acrf:
            block = sub_element(mdv, defx("AnnotatedCRF"))
            for d in acrf:
                document_ref(block, self._document(d, "AnnotatedCRF"), None)
        if guides:
            block = sub_element(mdv, defx("SupplementalDoc"))
            for d in guides:
                document_ref(block, self._document(d, "SupplementalDoc"), None)

    def _item_group(self, group: _Group) -> etree._Element:
        spec = group.spec
        name = spec.name
        element = etree.Element(odm("ItemGroupDef"))
        for key, value in (
            ("OID", f"IG.{name}"),
            ("Domain", None if self.analysis else name),
            ("Name", name),
            ("Repeating", "Yes" if spec.repeating else "No"),
            ("IsReferenceData", "Yes" if spec.reference_data else "No"),
            ("SASDatasetName", name),
            ("Purpose", "Analysis" if self.analysis else "Tabulation"),
            (defx("Structure"), spec.structure),
            (defx("StandardOID"), self._standard_oid(spec)),
            (defx("ArchiveLocationID"), f"LF.{name}"),
            (defx("HasNoData"), "Yes" if group.data.empty else None),
            (defx("CommentOID"), self._comment(spec.comment, f"dataset {name}")),
        ):
            if value is not None:
                element.set(key, value)
        add_description(element, spec.label, self.lang)
        for number, (var, item, has_data) in enumerate(group.items, start=1):
            sub_element(element, odm("ItemRef"), {
                "ItemOID": item.oid,
                "OrderNumber": number,
                "Mandatory": "Yes" if var.mandatory else "No",
                "KeySequence": spec.keys.index(var.name) + 1 if var.name in spec.keys else None,
                "MethodOID": self._method(var.method, f"{name}.{var.name}"),
                "Role": None if self.analysis else var.role,
                defx("HasNoData"): "Yes" if not has_data and not var.mandatory else None,
            })
        class_name = " ".join(spec.class_.upper().split())
        class_element = sub_element(element, defx("Class"), {"Name": _CLASS_ALIASES.get(class_name, class_name)})
        if spec.subclass:
            sub_element(class_element, defx("SubClass"), {"Name": " ".join(spec.subclass.upper().split())})
        leaf(element, f"LF.{name}", f"{name.lower()}.xpt", f"{name.lower()}.xpt")
        return element

    def _item_def(self, item: _Item) -> etree._Element:
        user = f"{item.dataset}.{item.name}" + ("" if item.oid.count(".") == 2 else f" ({item.oid})")
        element = etree.Element(odm("ItemDef"))
        for key, value in (
            ("OID", item.oid),
            ("Name", item.name),
            ("DataType", item.data_type),
            ("Length", item.length),
            ("SignificantDigits", item.significant_digits),
            ("SASFieldName", item.name),
            (defx("DisplayFormat"), item.display_format),
            (defx("CommentOID"), self._comment(item.comment, user)),
        ):
            if value is not None:
                element.set(key, str(value))
        add_description(element, item.label, self.lang)
        codelist = self._codelist(item.codelist, user)
        if codelist:
            sub_element(element, odm("CodeListRef"), {"CodeListOID": codelist})
        if item.origin:
            origin = sub_element(element, defx("Origin"), {"Type": item.origin, "Source": item.source})
            if item.predecessor:
                add_description(origin, item.predecessor, self.lang)
            if item.pages:
                document_ref(origin, self._acrf(user), item.pages)
        elif item.pages or item.predecessor:
            raise ValueError(f"{user} has Pages or Predecessor but no Origin")
        if item.value_list:
            sub_element(element, defx("ValueListRef"), {"ValueListOID": item.value_list})
        return element

    def _value_list(self, value_list: _ValueList) -> etree._Element:
        element = etree.Element(defx("ValueListDef"), {"OID": value_list.oid})
        for number, (item, where_oid) in enumerate(value_list.entries, start=1):
            ref = sub_element(element, odm("ItemRef"), {
                "ItemOID": item.oid,
                "OrderNumber": number,
                "Mandatory": "Yes" if item.mandatory else "No",
                "MethodOID": self._method(item.method, f"{item.dataset}.{item.name} ({item.oid})"),
            })
            sub_element(ref, defx("WhereClauseRef"), {"WhereClauseOID": where_oid})
        return element

    def _where_clause(self, oid: str, dataset: str, where: tuple[WhereCondition, ...]) -> etree._Element:
        element = etree.Element(defx("WhereClauseDef"), {"OID": oid})
        for condition in where:
            check = sub_element(element, odm("RangeCheck"), {"Comparator": condition.comparator, "SoftHard": "Soft",
                                                      defx("ItemOID"): f"IT.{dataset}.{condition.variable}"})
            for value in condition.values:
                sub_element(check, odm("CheckValue"), text=value)
        return element

    def _codelist_def(self, codelist_id: str) -> etree._Element:
        if codelist_id in self.standard.dictionaries:
            return self._dictionary_def(self.standard.dictionaries[codelist_id])
        codelist: Codelist = self.standard.codelists[codelist_id]
        cdisc = codelist.terminology == "CDISC CT"
        packages = self._ct_packages()
        element = etree.Element(odm("CodeList"))
        for key, value in (
            ("OID", make_oid("CL", codelist.id)),
            ("Name", codelist.name),
            ("DataType", codelist.data_type),
            (defx("StandardOID"), packages[0].oid if cdisc and len(packages) == 1 else None),
        ):
            if value is not None:
                element.set(key, value)
        if not codelist.terms:
            raise ValueError(f"codelist {codelist.id} has no terms")
        decoded = any(t.decode for t in codelist.terms)
        for number, term in enumerate(codelist.terms, start=1):
            attrib = {
                "CodedValue": term.value,
                "OrderNumber": term.order or number,
                defx("ExtendedValue"): "Yes" if cdisc and codelist.extensible and not term.nci_code else None,
            }
            if decoded:
                entry = sub_element(element, odm("CodeListItem"), attrib)
                add_description(entry, term.decode or term.value, self.lang, tag="Decode")
            else:
                entry = sub_element(element, odm("EnumeratedItem"), attrib)
            if term.nci_code:
                sub_element(entry, odm("Alias"), {"Context": "nci:ExtCodeID", "Name": term.nci_code})
        if codelist.nci_code:
            sub_element(element, odm("Alias"), {"Context": "nci:ExtCodeID", "Name": codelist.nci_code})
        return element

    def _dictionary_def(self, dictionary: Dictionary) -> etree._Element:
        element = etree.Element(odm("CodeList"), {
            "OID": make_oid("CL", dictionary.id), "Name": dictionary.name, "DataType": dictionary.data_type,
        })
        if dictionary.comment:
            add_description(element, dictionary.comment, self.lang)
        external = {"Dictionary": dictionary.dictionary, "Version": dictionary.version}
        sub_element(element, odm("ExternalCodeList"), external)
        return element

    def _method_def(self, method_id: str) -> etree._Element:
        method = self.standard.methods[method_id]
        element = etree.Element(
            odm("MethodDef"), {"OID": make_oid("MT", method.id), "Name": method.name, "Type": method.type}
        )
        add_description(element, method.description, self.lang)
        if method.expression_code:
            context = {"Context": method.expression_context}
            sub_element(element, odm("FormalExpression"), context, method.expression_code)
        if method.document:
            document_ref(element, self._document(method.document, f"method {method.id}"), method.pages)
        return element

    def _comment_def(self, comment_id: str) -> etree._Element:
        comment = self.standard.comments[comment_id]
        element = etree.Element(defx("CommentDef"), {"OID": make_oid("COM", comment.id)})
        add_description(element, comment.description, self.lang)
        if comment.document:
            document_ref(element, self._document(comment.document, f"comment {comment.id}"), comment.pages)
        return element


def build_define(
    standard: Standard, study: Study, datasets: Mapping[str, pd.DataFrame], *, context: DefineContext
) -> etree._ElementTree:
    """Define-XML 2.1 document describing ``datasets`` by ``standard`` (one per SDTM/ADaM).

    Rules (Define-XML 2.1 specification; element names in brackets):

    - [ODM] FileType Snapshot, ODMVersion 1.3.2, def:Context, FileOID, CreationDateTime,
      Originator and SourceSystem from ``context``; [GlobalVariables] StudyName,
      StudyDescription and ProtocolName from the workbook's Study sheet, else from ``study``.
    - [def:Standards] the implementation guide(s) the datasets name, and the CDISC CT packages of
      ``context`` (an SDTM define leaves out ADaM CT); [def:AnnotatedCRF] the document with ID
      ``acrf``; [def:SupplementalDoc] the reviewer's guides (``csdrg``/``sdrg``/``adrg``).
    - [ItemGroupDef] one per dataset present in ``datasets``, in spec order: Purpose Tabulation
      (SDTM, with Domain) or Analysis (ADaM), def:Structure, def:Class (+ def:SubClass),
      def:leaf to ``<name>.xpt``; ItemRefs in spec order for the variables in the data as the
      XPT writer writes them (:func:`specs.conform.conform_to_spec`: Req/Exp kept even when
      empty, Perm left out when absent), with KeySequence from Key Variables, MethodOID, Role
      (SDTM), def:HasNoData for a non-mandatory variable without values.
    - [ItemDef] ``IT.<DS>.<VAR>``: Length the longest value in the data (text; 8 for numerics,
      none for ISO 8601 types), SignificantDigits for floats (spec, else the data),
      def:DisplayFormat, CodeListRef, def:Origin (Collected with a def:DocumentRef to the aCRF
      pages, Predecessor with its text, Derived with the ItemRef's MethodOID), def:CommentOID.
    - [def:ValueListDef / def:WhereClauseDef] per ValueLevel row whose where clause matches data.
    - [CodeList] only those referenced: EnumeratedItem, or CodeListItem + Decode when decodes
      exist; Alias ``nci:ExtCodeID`` on list and terms with NCI codes; def:ExtendedValue for
      sponsor terms of extensible CDISC lists; ExternalCodeList for Dictionaries.
    - [MethodDef], [def:CommentDef], [def:leaf] only those referenced.

    Raises
    ------
    ValueError
        A dataset or column not in the spec (naming dataset and variable), a value the spec's
        type cannot hold, a key variable missing from the data, or a reference to a method,
        comment, codelist or document the workbook does not define.
    """
    groups = _groups(standard, datasets)
    if not groups:
        raise ValueError(f"no {standard.name} dataset to describe")
    lists, wheres = _value_lists(standard, groups)
    return _Writer(standard, study, context).build(groups, lists, wheres)


def define_bytes(tree: etree._ElementTree) -> bytes:
    """The document as UTF-8 bytes with an XML declaration, indented (deterministic)."""
    tree = copy.deepcopy(tree)
    etree.indent(tree, space="  ")
    body = etree.tostring(tree, encoding="UTF-8", pretty_print=True, xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def write_define(
    standard: Standard,
    study: Study,
    datasets: Mapping[str, pd.DataFrame],
    path: Path | str,
    *,
    context: DefineContext,
) -> Path:
    """Build the define.xml (:func:`build_define`) and write it to ``path`` atomically.

    The file is written to a temporary file beside ``path`` and moved into place, so a failure
    never leaves a half-written define.xml. Identical inputs give byte-identical files.
    """
    return write_define_tree(build_define(standard, study, datasets, context=context), path)


def write_define_tree(tree: etree._ElementTree, path: Path | str) -> Path:
    """Write an already built define tree (e.g. after :func:`specs.define.arm.add_analysis_results`)."""
    with replacing(path) as temp:
        temp.write_bytes(define_bytes(tree))
    return Path(path)
