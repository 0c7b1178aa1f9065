"""One standard's define.xml in a package folder: built, completed with the study's Analysis
Results Metadata (ADaM), written with its HTML view and checked against the schema and the data.

Shared by the pipeline's define stage and ``subpack define``, so both write the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from specs.define.analysis_results import add_study_analysis_results
from specs.define.arm import ARM_NS
from specs.define.check import check_define_against_xpt, validate_define
from specs.define.context import DefineContext
from specs.define.html import write_define_html
from specs.define.xml import build_define, write_define_tree
from specs.model import Standard, Study


@dataclass(frozen=True)
class DefineOutcome:
    """The written define.xml, the problems the checks found and how many analysis results it describes."""

    path: Path
    problems: list[str]
    analysis_results: int


def write_package_define(standard: Standard, study: Study, frames: Mapping[str, pd.DataFrame], folder: Path, *,
                         context: DefineContext, analysis_results: bool) -> DefineOutcome:
    """Write ``folder/define.xml`` and ``define.html`` for ``frames`` (the datasets of ``folder``).

    With ``analysis_results``, the study folder's ``analysis_results.yaml`` (when present) adds
    the ARM 1.0 block. Checks: the Define-XML (and ARM) schema, and the define against the data
    (every dataset and variable both ways, lengths). A broken ARM file raises SpecError naming
    the problem.
    """
    tree = build_define(standard, study, frames, context=context)
    if analysis_results:
        tree = add_study_analysis_results(tree, Path(study.folder), standard)
    path = write_define_tree(tree, folder / "define.xml")
    write_define_html(path, folder / "define.html")
    problems = validate_define(path) + check_define_against_xpt(path, folder, datasets=frames)
    described = len(tree.getroot().findall(f".//{{{ARM_NS}}}AnalysisResult"))
    return DefineOutcome(path, problems, described)
