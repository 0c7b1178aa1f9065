"""Read the parts of a define.xml (v2.0 or v2.1) the rules compare the data with.

Only what conformance needs: each ItemGroupDef (dataset) with its label and the ItemDefs its
ItemRefs point to (variable name, DataType, Length, def:DisplayFormat). Source: CDISC
Define-XML 2.1 specification, sections 5.3.4 (ItemGroupDef), 5.3.6 (ItemDef).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NAMESPACES = ("http://www.cdisc.org/ns/def/v2.1", "http://www.cdisc.org/ns/def/v2.0")


@dataclass(frozen=True)
class DefineVariable:
    """One ItemDef as referenced by a dataset."""

    name: str
    data_type: str
    length: int | None = None
    display_format: str | None = None


@dataclass(frozen=True)
class DefineDataset:
    """One ItemGroupDef and its variables, in ItemRef order."""

    name: str
    label: str | None
    variables: dict[str, DefineVariable] = field(default_factory=dict)


@dataclass(frozen=True)
class DefineMetadata:
    """The datasets a define.xml describes, by name (upper case)."""

    path: str
    datasets: dict[str, DefineDataset]


def _def_attribute(element, name: str) -> str | None:
    for namespace in DEF_NAMESPACES:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return value
    return None


def _description(element) -> str | None:
    node = element.find(f"{{{ODM}}}Description/{{{ODM}}}TranslatedText")
    if node is not None and node.text:
        return node.text.strip()
    return _def_attribute(element, "Label")


def read_define(path: Path | str) -> DefineMetadata:
    """Parse a define.xml; raise ``ValueError`` naming the file if it is not a define.xml."""
    path = Path(path)
    try:
        tree = etree.parse(str(path))
    except (OSError, etree.XMLSyntaxError) as exc:
        raise ValueError(f"{path}: not readable as XML: {exc}") from None
    root = tree.getroot()
    items = {}
    for item in root.iter(f"{{{ODM}}}ItemDef"):
        length = item.get("Length")
        items[item.get("OID")] = DefineVariable(
            name=(item.get("Name") or "").upper(),
            data_type=item.get("DataType") or "",
            length=int(length) if length and length.isdigit() else None,
            display_format=_def_attribute(item, "DisplayFormat"),
        )
    datasets = {}
    for group in root.iter(f"{{{ODM}}}ItemGroupDef"):
        name = (group.get("Name") or "").upper()
        variables = {}
        for ref in group.iter(f"{{{ODM}}}ItemRef"):
            item = items.get(ref.get("ItemOID"))
            if item is not None:
                variables[item.name] = item
        datasets[name] = DefineDataset(name=name, label=_description(group), variables=variables)
    if not datasets:
        raise ValueError(f"{path}: no ItemGroupDef found (is this a define.xml?)")
    return DefineMetadata(path=str(path), datasets=datasets)
