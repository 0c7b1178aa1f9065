"""A study's Analysis Results Metadata as data: ``analysis_results.yaml`` in the study folder.

The file lists the documents the results point to (the displays' files; hrefs relative to the
ADaM define.xml) and the results themselves in the fields of
:class:`specs.define.arm.AnalysisResultSpec`. It is validated with cerberus on loading; a study
without the file simply has no ARM block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from specs.define.arm import PURPOSES, REASONS, AnalysisResultSpec, add_analysis_results, analysis_result_from_mapping
from specs.documents import load_yaml_document
from specs.errors import SpecError, SpecProblem
from specs.model import Document, Standard

FILE = "analysis_results.yaml"
_TEXT = {"type": "string", "required": True, "empty": False}
_REFS = {"type": "list", "schema": {"type": "dict", "schema": {"document": _TEXT, "pages": {"type": "string"}}}}
SCHEMA = {
    "documents": {"type": "list", "required": True, "schema": {"type": "dict", "schema": {
        "id": _TEXT, "title": _TEXT, "href": _TEXT}}},
    "results": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "dict", "schema": {
        "display": _TEXT, "display_title": _TEXT, "result": _TEXT, "description": _TEXT,
        "parameter": {"type": "string"},
        "datasets": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "dict", "schema": {
            "dataset": _TEXT, "variables": {"type": "list", "schema": {"type": "string"}}, "where": {"type": "string"}}}},
        "reason": {"type": "string", "allowed": list(REASONS)},
        "purpose": {"type": "string", "allowed": list(PURPOSES)},
        "documentation": {"type": "string"}, "code_context": {"type": "string"}, "code": {"type": "string"},
        "documentation_refs": _REFS, "code_refs": _REFS, "display_refs": _REFS,
    }}},
}


@dataclass(frozen=True)
class AnalysisResults:
    """The results to describe and the documents they reference."""

    results: tuple[AnalysisResultSpec, ...]
    documents: tuple[Document, ...]


def load_analysis_results(folder: Path) -> AnalysisResults | None:
    """The study's ARM definitions, or None when the study folder has no ``analysis_results.yaml``.

    Raises :class:`specs.errors.SpecError` naming the key when the file breaks the schema.
    """
    path = Path(folder) / FILE
    if not path.exists():
        return None
    document = load_yaml_document(path, SCHEMA)
    return AnalysisResults(
        results=tuple(analysis_result_from_mapping(entry) for entry in document["results"]),
        documents=tuple(Document(d["id"], d["title"], d["href"]) for d in document["documents"]),
    )


def add_study_analysis_results(define: etree._ElementTree, folder: Path, standard: Standard) -> etree._ElementTree:
    """``define`` with the study's ARM block when the study has ``analysis_results.yaml``
    (documents from the file and the workbook's Documents sheet); unchanged otherwise. A result
    naming something the define does not hold is a SpecError naming the file."""
    arm = load_analysis_results(folder)
    if arm is None:
        return define
    try:
        return add_analysis_results(define, arm.results, documents=[*arm.documents, *standard.documents.values()])
    except SpecError:
        raise
    except ValueError as exc:  # a dataset, variable or document the file names is not in the define
        raise SpecError([SpecProblem(str(Path(folder) / FILE), "", None, None, str(exc))]) from None
