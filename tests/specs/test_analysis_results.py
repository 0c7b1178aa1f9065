"""The study's Analysis Results Metadata file (analysis_results.yaml) and its ARM 1.0 block."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from specs.ct import CT_FOLDER, load_ct
from specs.define import DefineContext, build_define, validate_define
from specs.define.analysis_results import FILE, load_analysis_results
from specs.define.arm import add_analysis_results
from specs.errors import SpecError
from specs.loader import STUDIES_FOLDER, load_study
from specs.workbook import load_standard

EMBEDDED = STUDIES_FOLDER / "alter_e003"
NS = {"arm": "http://www.cdisc.org/ns/arm/v1.0", "def": "http://www.cdisc.org/ns/def/v2.1",
      "odm": "http://www.cdisc.org/ns/odm/v1.3"}


@pytest.fixture(scope="module")
def adam_define():
    """The embedded ADaM define.xml for empty typed datasets (no pipeline run needed)."""
    ct, _ = load_ct(CT_FOLDER)
    standard, problems = load_standard(EMBEDDED / "adam_spec.xlsx", ct)
    assert not problems
    frames = {name: pd.DataFrame({v.name: pd.Series([], dtype="float64" if v.is_numeric else object) for v in spec.variables})
              for name, spec in standard.datasets.items()}
    study = load_study("alter_e003")
    tree = build_define(standard, study, frames, context=DefineContext.for_study(study, ct_yaml=CT_FOLDER / "ct_subset.yaml"))
    return tree, standard


def test_embedded_results_give_a_schema_valid_arm_block(adam_define):
    tree, standard = adam_define
    arm = load_analysis_results(EMBEDDED)
    out = add_analysis_results(tree, arm.results, documents=[*arm.documents, *standard.documents.values()])
    assert validate_define(out) == []
    results = out.xpath("//arm:AnalysisResult", namespaces=NS)
    assert [(r.get("OID"), r.get("ParameterOID"), r.get("AnalysisPurpose")) for r in results] == [
        ("AR.ORR", "IT.ADRS.PARAMCD", "PRIMARY OUTCOME MEASURE"), ("AR.PFS", "IT.ADTTE.PARAMCD", "SECONDARY OUTCOME MEASURE")]
    where = out.xpath("//def:WhereClauseDef[@OID='WC.AR.PFS.ADTTE']/odm:RangeCheck/odm:CheckValue/text()", namespaces=NS)
    assert where == ["PFS", "Y"]
    hrefs = out.xpath("//def:leaf/@xlink:href", namespaces={**NS, "xlink": "http://www.w3.org/1999/xlink"})
    assert {"../tlf/t_14_2_1.rtf", "../tlf/t_14_2_2.rtf", "../tlf/f_14_2_1.rtf", "sap.pdf"} <= set(hrefs)


def test_every_display_is_in_the_tlf_catalogue():
    catalogue = yaml.safe_load((EMBEDDED / "tlf_catalogue.yaml").read_text())
    ids = {entry["id"] for entry in catalogue["outputs"]}
    assert {r.display for r in load_analysis_results(EMBEDDED).results} <= ids


def test_a_study_without_the_file_has_no_arm(tmp_path: Path):
    assert load_analysis_results(tmp_path) is None


def test_a_bad_purpose_is_a_spec_error_naming_the_key(tmp_path: Path):
    document = yaml.safe_load((EMBEDDED / FILE).read_text())
    document["results"][0]["purpose"] = "MAIN"
    (tmp_path / FILE).write_text(yaml.safe_dump(document))
    with pytest.raises(SpecError, match="results"):
        load_analysis_results(tmp_path)


def test_a_result_naming_a_variable_not_in_the_define_is_a_spec_error(adam_define, tmp_path: Path):
    from specs.define.analysis_results import add_study_analysis_results

    tree, standard = adam_define
    document = yaml.safe_load((EMBEDDED / FILE).read_text())
    document["results"][0]["datasets"][0]["variables"] = ["NOSUCHVAR"]
    (tmp_path / FILE).write_text(yaml.safe_dump(document))
    with pytest.raises(SpecError, match="ADRS.NOSUCHVAR is not in the define.xml"):
        add_study_analysis_results(tree, tmp_path, standard)
