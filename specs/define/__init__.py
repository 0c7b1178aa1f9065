"""define.xml 2.1 for a submission: build, check, render, and Analysis Results Metadata.

One import for the pipeline and the CLI; the work is done in
:mod:`specs.define.xml` (the document), :mod:`specs.define.context` (run settings, CT
packages), :mod:`specs.define.data` (lengths and where clauses measured on the data),
:mod:`specs.define.check` (schema, references, data), :mod:`specs.define.html` (HTML for
reviewers, template ``specs/templates/define.html.j2``) and :mod:`specs.define.arm` (ARM 1.0).

Typical use::

    context = DefineContext.for_study(study, ct_yaml=CT_FOLDER / "ct_subset.yaml")
    path = write_define(study.adam, study, frames, out / "define.xml", context=context)
    assert not validate_define(path) and not check_define_against_data(path, frames)
    write_define_html(path, out / "define.html")
"""

from specs.define.arm import (
    AnalysisDatasetRef,
    AnalysisResultSpec,
    PageReference,
    add_analysis_results,
    analysis_result_from_mapping,
)
from specs.define.check import (
    check_define_against_data,
    check_define_against_xpt,
    check_define_references,
    load_define,
    validate_define,
)
from specs.define.context import CTPackage, DefineContext, read_ct_packages
from specs.define.html import define_view, render_define_html, write_define_html
from specs.define.xml import (
    build_define,
    define_bytes,
    write_define,
    write_define_tree,
)

__all__ = [
    "AnalysisDatasetRef",
    "AnalysisResultSpec",
    "CTPackage",
    "DefineContext",
    "PageReference",
    "add_analysis_results",
    "analysis_result_from_mapping",
    "build_define",
    "check_define_against_data",
    "check_define_against_xpt",
    "check_define_references",
    "define_bytes",
    "define_view",
    "load_define",
    "read_ct_packages",
    "render_define_html",
    "validate_define",
    "write_define",
    "write_define_html",
    "write_define_tree",
]
