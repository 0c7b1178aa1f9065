"""Analysis Results Metadata (ARM 1.0) for an ADaM define.xml.

ARM links a display (table or figure) and each result on it to the analysis dataset, the records
(a where clause), the variables analysed, the documentation of the method and the program.
Structure per CDISC "Analysis Results Metadata Specification v1.0 for Define-XML" (2015):
``arm:AnalysisResultDisplays`` > ``arm:ResultDisplay`` (Description, def:DocumentRef) >
``arm:AnalysisResult`` (ParameterOID, AnalysisReason, AnalysisPurpose; Description,
``arm:AnalysisDatasets`` > ``arm:AnalysisDataset`` (def:WhereClauseRef, ``arm:AnalysisVariable``),
``arm:Documentation``, ``arm:ProgrammingCode``). The block is the last child of MetaDataVersion
and the where clauses it uses are ordinary def:WhereClauseDef elements; the result validates
against odmlib's ``arm/1.0-define2.1/arm1-0-0.xsd``, which redefines the Define-XML 2.1
MetaDataVersion to append ``arm:AnalysisResultDisplays`` after def:leaf.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from specs.define.xml import (
    XML_LANG,
    add_description,
    defx,
    document_ref,
    leaf,
    make_oid,
    odm,
    safe_oid,
    sub_element,
)
from specs.model import Document, WhereCondition
from specs.workbook import parse_where

ARM_NS = "http://www.cdisc.org/ns/arm/v1.0"
REASONS = ("SPECIFIED IN PROTOCOL", "SPECIFIED IN SAP", "DATA DRIVEN", "REQUESTED BY REGULATORY AGENCY")
PURPOSES = ("PRIMARY OUTCOME MEASURE", "SECONDARY OUTCOME MEASURE", "EXPLORATORY OUTCOME MEASURE")


def arm(tag: str) -> str:
    """Clark name of an ARM 1.0 element."""
    return f"{{{ARM_NS}}}{tag}"


@dataclass(frozen=True)
class PageReference:
    """A document (an ID of the Documents sheet, or of ``documents`` given to
    :func:`add_analysis_results`) and, optionally, its pages (``12 14``, ``3-5``) or named
    destinations."""

    document: str
    pages: str | None = None


@dataclass(frozen=True)
class AnalysisDatasetRef:
    """The records and variables of one analysis dataset a result uses.

    ``where`` uses the workbook's Where Clause syntax (``PARAMCD EQ BOR AND SAFFL EQ Y``).
    """

    dataset: str
    variables: tuple[str, ...]
    where: str | None = None


@dataclass(frozen=True)
class AnalysisResultSpec:
    """One analysis result on a display, as ARM 1.0 describes it.

    ``parameter`` is the PARAMCD value analysed: it becomes a ``PARAMCD EQ <value>`` condition
    of the first dataset with a PARAMCD variable, and ParameterOID points to that PARAMCD.
    ``reason`` and ``purpose`` take the ARM 1.0 terms (:data:`REASONS`, :data:`PURPOSES`).
    """

    display: str
    display_title: str
    result: str
    description: str
    datasets: tuple[AnalysisDatasetRef, ...]
    parameter: str | None = None
    reason: str = "SPECIFIED IN PROTOCOL"
    purpose: str = "PRIMARY OUTCOME MEASURE"
    documentation: str | None = None
    documentation_refs: tuple[PageReference, ...] = ()
    code_context: str | None = None
    code: str | None = None
    code_refs: tuple[PageReference, ...] = ()
    display_refs: tuple[PageReference, ...] = ()


def analysis_result_from_mapping(entry: Mapping) -> AnalysisResultSpec:
    """An :class:`AnalysisResultSpec` from a plain mapping (e.g. a YAML entry): ``datasets`` a
    list of mappings (dataset, variables, where), ``*_refs`` lists of mappings (document, pages)."""
    values = dict(entry)
    values["datasets"] = tuple(
        AnalysisDatasetRef(d["dataset"], tuple(d.get("variables", ())), d.get("where"))
        for d in values.get("datasets", ())
    )
    for key in ("documentation_refs", "code_refs", "display_refs"):
        values[key] = tuple(PageReference(r["document"], r.get("pages")) for r in values.get(key, ()))
    return AnalysisResultSpec(**values)


class _ArmWriter:
    def __init__(self, root: etree._Element, documents: Mapping[str, Document]):
        self.root = root
        self.mdv = root.find(f"{odm('Study')}/{odm('MetaDataVersion')}")
        if self.mdv is None:
            raise ValueError("not a define.xml: no Study/MetaDataVersion")
        if self.mdv.find(arm("AnalysisResultDisplays")) is not None:
            raise ValueError("the define.xml already has Analysis Results Metadata")
        self.items = {i.get("OID") for i in self.mdv.iter(odm("ItemDef"))}
        self.groups = {g.get("OID") for g in self.mdv.iter(odm("ItemGroupDef"))}
        self.leaves = {lf.get("ID") for lf in self.mdv.iter(defx("leaf"))}
        self.documents = documents
        self.new_leaves: dict[str, Document] = {}
        self.new_wheres: list[etree._Element] = []

    def refs(self, parent: etree._Element, references: Iterable[PageReference], user: str) -> None:
        for reference in references:
            leaf_id = make_oid("LF", reference.document)
            if leaf_id not in self.leaves and reference.document not in self.new_leaves:
                if reference.document not in self.documents:
                    raise ValueError(f"{user} names document {reference.document!r}: neither in the define nor given")
                self.new_leaves[reference.document] = self.documents[reference.document]
            document_ref(parent, reference.document, reference.pages)

    def item(self, dataset: str, variable: str, user: str) -> str:
        oid = f"IT.{dataset}.{variable}"
        if oid not in self.items:
            raise ValueError(f"{user}: {dataset}.{variable} is not in the define.xml")
        return oid

    def where_clause(self, oid: str, dataset: str, where: tuple[WhereCondition, ...], user: str) -> None:
        clause = etree.Element(defx("WhereClauseDef"), {"OID": oid})
        for condition in where:
            check = sub_element(clause, odm("RangeCheck"), {
                "Comparator": condition.comparator, "SoftHard": "Soft",
                defx("ItemOID"): self.item(dataset, condition.variable, user),
            })
            for value in condition.values:
                sub_element(check, odm("CheckValue"), text=value)
        self.new_wheres.append(clause)

    def result(self, display: etree._Element, spec: AnalysisResultSpec, lang: str) -> None:
        user = f"analysis result {spec.result}"
        if spec.reason not in REASONS or spec.purpose not in PURPOSES:
            raise ValueError(f"{user}: reason must be one of {REASONS} and purpose one of {PURPOSES}")
        if not spec.datasets:
            raise ValueError(f"{user} names no analysis dataset")
        result_oid = f"AR.{safe_oid(spec.result)}"
        parameter_dataset = None
        if spec.parameter is not None:
            with_paramcd = [d.dataset for d in spec.datasets if f"IT.{d.dataset}.PARAMCD" in self.items]
            parameter_dataset = with_paramcd[0] if with_paramcd else None
            if parameter_dataset is None:
                raise ValueError(f"{user}: parameter {spec.parameter} given but no analysis dataset has PARAMCD")
        element = sub_element(display, arm("AnalysisResult"), {
            "OID": result_oid,
            "ParameterOID": f"IT.{parameter_dataset}.PARAMCD" if parameter_dataset else None,
            "AnalysisReason": spec.reason,
            "AnalysisPurpose": spec.purpose,
        })
        add_description(element, spec.description, lang)
        holder = sub_element(element, arm("AnalysisDatasets"))
        for ref in spec.datasets:
            group_oid = f"IG.{ref.dataset}"
            if group_oid not in self.groups:
                raise ValueError(f"{user}: dataset {ref.dataset} is not in the define.xml")
            where = parse_where(ref.where) if ref.where else ()
            if ref.dataset == parameter_dataset and not any(c.variable == "PARAMCD" for c in where):
                where = (WhereCondition("PARAMCD", "EQ", (str(spec.parameter),)), *where)
            dataset = sub_element(holder, arm("AnalysisDataset"), {"ItemGroupOID": group_oid})
            if where:
                where_oid = f"WC.{result_oid}.{ref.dataset}"
                self.where_clause(where_oid, ref.dataset, where, user)
                sub_element(dataset, defx("WhereClauseRef"), {"WhereClauseOID": where_oid})
            for variable in ref.variables:
                sub_element(dataset, arm("AnalysisVariable"), {"ItemOID": self.item(ref.dataset, variable, user)})
        if spec.documentation or spec.documentation_refs:
            if not spec.documentation:
                raise ValueError(f"{user}: documentation references need a documentation text")
            documentation = sub_element(element, arm("Documentation"))
            add_description(documentation, spec.documentation, lang)
            self.refs(documentation, spec.documentation_refs, user)
        if spec.code or spec.code_refs or spec.code_context:
            code = sub_element(element, arm("ProgrammingCode"), {"Context": spec.code_context})
            if spec.code:
                sub_element(code, arm("Code"), text=spec.code)
            self.refs(code, spec.code_refs, user)


def add_analysis_results(
    define: etree._ElementTree,
    results: Sequence[AnalysisResultSpec],
    *,
    documents: Iterable[Document] = (),
) -> etree._ElementTree:
    """A copy of an ADaM define.xml with ARM 1.0 ``arm:AnalysisResultDisplays`` for ``results``.

    Results are grouped into displays by ``display`` in the order given. Every dataset and
    variable named must be in the define (ValueError otherwise): ARM describes the submitted
    data. Where clauses become def:WhereClauseDef ``WC.AR.<result>.<dataset>`` placed with the
    others (before the ItemGroupDefs); documents not yet in the define (SAP, programs, the display
    file) are taken from ``documents`` and added as def:leaf. The input tree is not changed.

    Examples
    --------
    The primary endpoint of a response study::

        orr = AnalysisResultSpec(
            display="Table 14.2.1", display_title="Confirmed objective response rate (RECIST 1.1)",
            result="ORR", description="Confirmed ORR with exact 95% Clopper-Pearson CI",
            datasets=(AnalysisDatasetRef("ADRS", ("AVALC",), "EFFFL EQ Y"),), parameter="BOR",
            documentation="Responders: confirmed CR or PR; Clopper-Pearson exact CI.",
            documentation_refs=(PageReference("sap", "12"),),
            code_context="Python 3.11", code_refs=(PageReference("tlf_program"),),
        )
    """
    old = define.getroot()
    root = etree.Element(old.tag, nsmap={**old.nsmap, "arm": ARM_NS})
    for key, value in old.attrib.items():
        root.set(key, value)
    for child in copy.deepcopy(old):
        root.append(child)
    writer = _ArmWriter(root, {d.id: d for d in documents})
    lang = next((t.get(XML_LANG) for t in root.iter(odm("TranslatedText"))), None) or "en"
    block = etree.Element(arm("AnalysisResultDisplays"))
    displays: dict[str, etree._Element] = {}
    for spec in results:
        display = displays.get(spec.display)
        if display is None:
            display = sub_element(
                block, arm("ResultDisplay"), {"OID": f"RD.{safe_oid(spec.display)}", "Name": spec.display}
            )
            add_description(display, spec.display_title, lang)
            writer.refs(display, spec.display_refs, f"display {spec.display}")
            displays[spec.display] = display
        writer.result(display, spec, lang)
    if not displays:
        raise ValueError("no analysis result to add")
    result_oids = [r.get("OID") for r in block.iter(arm("AnalysisResult"))]
    duplicates = sorted({oid for oid in result_oids if result_oids.count(oid) > 1})
    if duplicates:
        raise ValueError(f"analysis result identifiers repeat: {', '.join(duplicates)}")
    mdv = writer.mdv
    first_group = mdv.find(odm("ItemGroupDef"))
    for clause in writer.new_wheres:
        if first_group is not None:
            first_group.addprevious(clause)
        else:
            mdv.append(clause)
    for document_id in sorted(writer.new_leaves):
        document = writer.new_leaves[document_id]
        leaf(mdv, make_oid("LF", document_id), document.href, document.title)
    mdv.append(block)
    return etree.ElementTree(root)
