"""A define.xml rendered as one HTML page for human reviewers.

Reads any Define-XML 2.1 document (with or without ARM 1.0) into plain dictionaries and renders
``templates/define.html.j2`` with jinja2 (autoescape on): table of contents, standards and
documents, the datasets table with links to the XPT files, one table per dataset (variable,
label, key, type, length, controlled terms or format, origin / source / method / comment),
value-level tables, codelists and dictionaries, methods, comments, analysis results. Links are
relative to the folder of define.xml, as def:leaf hrefs are; PDF page references open the page
(``#page=N``). Plain CSS, printable. Layout modelled on the CDISC Define-XML 2.1 stylesheet.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from lxml import etree

from specs.define.check import ARM_NS, DefineSource, load_define
from specs.define.xml import add_description, defx, odm

TEMPLATES = Path(__file__).parents[1] / "templates"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_SYMBOLS = {
    "EQ": "=", "NE": "\u2260", "LT": "<", "LE": "\u2264", "GT": ">", "GE": "\u2265", "IN": "in", "NOTIN": "not in",
}


def _text(element: etree._Element | None, tag: str = "Description") -> str:
    """The TranslatedText of a Description (or another holder) child, '' when absent."""
    if element is None:
        return ""
    holder = element.find(odm(tag))
    if holder is None:
        return ""
    return " ".join((t.text or "").strip() for t in holder.iter(odm("TranslatedText")))


class _Reader:
    """Turns a define.xml tree into the dictionaries the template shows."""

    def __init__(self, root: etree._Element):
        self.root = root
        self.mdv = root.find(f"{odm('Study')}/{odm('MetaDataVersion')}")
        if self.mdv is None:
            raise ValueError("not a define.xml: no Study/MetaDataVersion")
        self.leaves = {
            lf.get("ID"): {"href": lf.get(XLINK_HREF), "title": lf.findtext(defx("title")) or lf.get(XLINK_HREF)}
            for lf in self.mdv.iter(defx("leaf"))
        }
        self.items = {i.get("OID"): i for i in self.mdv.iter(odm("ItemDef"))}
        self.codelists = {c.get("OID"): c for c in self.mdv.iter(odm("CodeList"))}
        self.methods = {m.get("OID"): m for m in self.mdv.findall(odm("MethodDef"))}
        self.wheres = {w.get("OID"): w for w in self.mdv.iter(defx("WhereClauseDef"))}
        self.lists = {v.get("OID"): v for v in self.mdv.iter(defx("ValueListDef"))}

    def document_refs(self, element: etree._Element | None) -> list[dict]:
        """Links of the def:DocumentRef children: title, href, pages (each with its link)."""
        refs = []
        if element is None:
            return refs
        for ref in element.findall(defx("DocumentRef")):
            target = self.leaves.get(ref.get("leafID"), {"href": "", "title": ref.get("leafID")})
            pages = []
            for page in ref.findall(defx("PDFPageRef")):
                if page.get("FirstPage"):
                    pages.append({"label": f"{page.get('FirstPage')}\u2013{page.get('LastPage')}",
                                  "href": f"{target['href']}#page={page.get('FirstPage')}"})
                for token in (page.get("PageRefs") or "").split():
                    anchor = f"page={token}" if page.get("Type") == "PhysicalRef" else f"nameddest={token}"
                    pages.append({"label": token, "href": f"{target['href']}#{anchor}"})
            refs.append({"title": target["title"], "href": target["href"], "pages": pages})
        return refs

    def where_text(self, oid: str | None) -> str:
        clause = self.wheres.get(oid or "")
        if clause is None:
            return ""
        parts = []
        for check in clause.findall(odm("RangeCheck")):
            item = self.items.get(check.get(defx("ItemOID")))
            name = item.get("Name") if item is not None else check.get(defx("ItemOID"))
            values = [v.text or "" for v in check.findall(odm("CheckValue"))]
            shown = f"({', '.join(values)})" if check.get("Comparator") in ("IN", "NOTIN") else ", ".join(values)
            parts.append(f"{name} {_SYMBOLS.get(check.get('Comparator'), check.get('Comparator'))} {shown}")
        return " and ".join(parts)

    def variable(self, ref: etree._Element) -> dict:
        item = self.items.get(ref.get("ItemOID"))
        if item is None:
            item = etree.Element(odm("ItemDef"), {"OID": ref.get("ItemOID") or "", "Name": ref.get("ItemOID") or ""})
            add_description(item, "(ItemDef missing)", "en")
        origin = item.find(defx("Origin"))
        codelist_ref = item.find(odm("CodeListRef"))
        codelist = self.codelists.get(codelist_ref.get("CodeListOID")) if codelist_ref is not None else None
        method = self.methods.get(ref.get("MethodOID") or "")
        value_list = item.find(defx("ValueListRef"))
        where = ref.find(defx("WhereClauseRef"))
        return {
            "oid": item.get("OID"),
            "name": item.get("Name"),
            "label": _text(item),
            "key": ref.get("KeySequence") or "",
            "order": ref.get("OrderNumber") or "",
            "mandatory": ref.get("Mandatory") == "Yes",
            "role": ref.get("Role") or "",
            "no_data": ref.get(defx("HasNoData")) == "Yes",
            "data_type": item.get("DataType"),
            "length": item.get("Length") or "",
            "digits": item.get("SignificantDigits") or "",
            "format": item.get(defx("DisplayFormat")) or "",
            "codelist": {"oid": codelist.get("OID"), "name": codelist.get("Name")} if codelist is not None else None,
            "origin": {
                "type": origin.get("Type"), "source": origin.get("Source") or "", "text": _text(origin),
                "refs": self.document_refs(origin),
            } if origin is not None else None,
            "method": {"oid": method.get("OID"), "name": method.get("Name")} if method is not None else None,
            "comment": item.get(defx("CommentOID")) or "",
            "value_list": value_list.get("ValueListOID") if value_list is not None else "",
            "where": self.where_text(where.get("WhereClauseOID")) if where is not None else "",
        }

    def datasets(self) -> list[dict]:
        out = []
        for group in self.mdv.findall(odm("ItemGroupDef")):
            refs = group.findall(odm("ItemRef"))
            variables = [self.variable(r) for r in sorted(refs, key=lambda r: int(r.get("OrderNumber") or 0))]
            keys = sorted((v for v in variables if v.get("key")), key=lambda v: int(v["key"]))
            class_element = group.find(defx("Class"))
            subclass_elements = class_element.findall(defx("SubClass")) if class_element is not None else []
            subclasses = [s.get("Name") for s in subclass_elements]
            location = self.leaves.get(group.get(defx("ArchiveLocationID")), {})
            own_leaf = group.find(defx("leaf"))
            if own_leaf is not None:
                location = {"href": own_leaf.get(XLINK_HREF), "title": own_leaf.findtext(defx("title"))}
            out.append({
                "oid": group.get("OID"),
                "name": group.get("Name"),
                "label": _text(group),
                "class": class_element.get("Name") if class_element is not None else "",
                "subclass": ", ".join(subclasses),
                "structure": group.get(defx("Structure")) or "",
                "purpose": group.get("Purpose") or "",
                "repeating": group.get("Repeating"),
                "reference": group.get("IsReferenceData") == "Yes",
                "no_data": group.get(defx("HasNoData")) == "Yes",
                "key_variables": ", ".join(v["name"] for v in keys),
                "href": location.get("href") or "",
                "file": location.get("title") or "",
                "comment": group.get(defx("CommentOID")) or "",
                "variables": variables,
            })
        return out

    def value_lists(self) -> list[dict]:
        parents = {}
        for item in self.items.values():
            ref = item.find(defx("ValueListRef"))
            if ref is not None:
                parents[ref.get("ValueListOID")] = item
        out = []
        for oid, value_list in self.lists.items():
            parent = parents.get(oid)
            rows = [self.variable(r) for r in value_list.findall(odm("ItemRef"))]
            parent_oid = parent.get("OID", "") if parent is not None else ""
            dataset = parent_oid.split(".")[1] if parent_oid.count(".") >= 2 else ""
            out.append({"oid": oid, "variable": parent.get("Name") if parent is not None else "", "dataset": dataset,
                        "rows": rows})
        return out

    def codelists_view(self) -> list[dict]:
        out = []
        for oid, codelist in self.codelists.items():
            external = codelist.find(odm("ExternalCodeList"))
            alias = codelist.find(odm("Alias"))
            terms = []
            for term in (*codelist.findall(odm("CodeListItem")), *codelist.findall(odm("EnumeratedItem"))):
                term_alias = term.find(odm("Alias"))
                terms.append({
                    "value": term.get("CodedValue"),
                    "decode": _text(term, "Decode"),
                    "code": term_alias.get("Name") if term_alias is not None else "",
                    "extended": term.get(defx("ExtendedValue")) == "Yes",
                    "order": int(term.get("OrderNumber") or 0),
                })
            terms.sort(key=lambda t: t["order"])
            out.append({
                "oid": oid, "name": codelist.get("Name"), "data_type": codelist.get("DataType"),
                "code": alias.get("Name") if alias is not None else "",
                "standard": codelist.get(defx("StandardOID")) or "",
                "description": _text(codelist),
                "dictionary": external.get("Dictionary") if external is not None else "",
                "version": external.get("Version") if external is not None else "",
                "terms": terms,
            })
        return out

    def methods_view(self) -> list[dict]:
        return [{
            "oid": oid, "name": m.get("Name"), "type": m.get("Type") or "", "description": _text(m),
            "expressions": [
                {"context": e.get("Context") or "", "code": e.text or ""} for e in m.findall(odm("FormalExpression"))
            ],
            "refs": self.document_refs(m),
        } for oid, m in self.methods.items()]

    def comments_view(self) -> list[dict]:
        return [{"oid": c.get("OID"), "description": _text(c), "refs": self.document_refs(c)}
                for c in self.mdv.findall(defx("CommentDef"))]

    def results_view(self) -> list[dict]:
        displays = []
        for display in self.mdv.iter(f"{{{ARM_NS}}}ResultDisplay"):
            results = []
            for result in display.findall(f"{{{ARM_NS}}}AnalysisResult"):
                datasets = []
                for dataset in result.iter(f"{{{ARM_NS}}}AnalysisDataset"):
                    where = dataset.find(defx("WhereClauseRef"))
                    oids = [v.get("ItemOID") for v in dataset.findall(f"{{{ARM_NS}}}AnalysisVariable")]
                    datasets.append({
                        "name": (dataset.get("ItemGroupOID") or "").removeprefix("IG."),
                        "where": self.where_text(where.get("WhereClauseOID")) if where is not None else "",
                        "variables": ", ".join(self.items[o].get("Name") if o in self.items else o for o in oids),
                    })
                documentation = result.find(f"{{{ARM_NS}}}Documentation")
                code = result.find(f"{{{ARM_NS}}}ProgrammingCode")
                parameter = self.items.get(result.get("ParameterOID") or "")
                results.append({
                    "oid": result.get("OID"), "description": _text(result),
                    "reason": result.get("AnalysisReason"), "purpose": result.get("AnalysisPurpose"),
                    "parameter": parameter.get("Name") if parameter is not None else "",
                    "datasets": datasets,
                    "documentation": _text(documentation) if documentation is not None else "",
                    "documentation_refs": self.document_refs(documentation),
                    "code_context": code.get("Context") or "" if code is not None else "",
                    "code": code.findtext(f"{{{ARM_NS}}}Code") or "" if code is not None else "",
                    "code_refs": self.document_refs(code),
                })
            displays.append({"oid": display.get("OID"), "name": display.get("Name"), "title": _text(display),
                             "refs": self.document_refs(display), "results": results})
        return displays

    def view(self) -> dict:
        study = self.root.find(odm("Study"))
        glob = study.find(odm("GlobalVariables")) if study is not None else None
        return {
            "study_name": glob.findtext(odm("StudyName")) if glob is not None else "",
            "study_description": glob.findtext(odm("StudyDescription")) if glob is not None else "",
            "protocol": glob.findtext(odm("ProtocolName")) if glob is not None else "",
            "mdv_name": self.mdv.get("Name"),
            "mdv_description": self.mdv.get("Description") or "",
            "define_version": self.mdv.get(defx("DefineVersion")) or "",
            "created": self.root.get("CreationDateTime") or "",
            "originator": self.root.get("Originator") or "",
            "standards": [dict(s.attrib) for s in self.mdv.iter(defx("Standard"))],
            "acrf": self.document_refs(self.mdv.find(defx("AnnotatedCRF"))),
            "supplemental": self.document_refs(self.mdv.find(defx("SupplementalDoc"))),
            "datasets": self.datasets(),
            "value_lists": self.value_lists(),
            "codelists": self.codelists_view(),
            "methods": self.methods_view(),
            "comments": self.comments_view(),
            "comments_by_oid": {c.get("OID"): _text(c) for c in self.mdv.findall(defx("CommentDef"))},
            "results": self.results_view(),
        }


def define_view(define: DefineSource) -> dict:
    """The content of a define.xml as plain dictionaries (what the HTML page shows)."""
    tree = define if isinstance(define, etree._ElementTree) else load_define(define)
    return _Reader(tree.getroot()).view()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The jinja2 environment of the templates, built once (it keeps compiled templates)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_define_html(define: DefineSource) -> str:
    """HTML page of a define.xml (a path or a tree), for reviewers; deterministic.

    jinja2 with autoescape on: every label, comment and code text is escaped.
    """
    return _environment().get_template("define.html.j2").render(define_view(define))


def write_define_html(define: DefineSource, path: Path | str) -> Path:
    """Write :func:`render_define_html` to ``path`` (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_define_html(define), encoding="utf-8")
    return path
