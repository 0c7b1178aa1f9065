"""define.xml 2.1: build from hand-made specs and frames, schema-validate, check against data,
render HTML, add ARM 1.0. One behaviour per test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from specs.define import (
    AnalysisDatasetRef,
    AnalysisResultSpec,
    CTPackage,
    DefineContext,
    PageReference,
    add_analysis_results,
    build_define,
    check_define_against_data,
    check_define_against_xpt,
    define_bytes,
    read_ct_packages,
    render_define_html,
    validate_define,
    write_define,
    write_define_tree,
)
from specs.ct import CT_FOLDER, load_ct
from specs.loader import STUDIES_FOLDER
from specs.model import (
    Analysis,
    AssessmentSchedule,
    Codelist,
    Comment,
    DatasetSpec,
    Dictionary,
    Document,
    Method,
    Recist,
    Site,
    Standard,
    Study,
    Term,
    ValueLevelSpec,
    VariableSpec,
    WhereCondition,
)
from specs.workbook import load_standard
from specs.xpt import write_xpt

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "arm": "http://www.cdisc.org/ns/arm/v1.0", "xlink": "http://www.w3.org/1999/xlink"}
CREATED = dt.datetime(2025, 1, 15, 0, 0, 0)


# --------------------------------------------------------------------------- hand-made specs


def make_study() -> Study:
    analysis = Analysis(
        days_per_month=30.4375, ci_level=0.95, response_ci_method="clopper-pearson",
        km_median_ci_method="brookmeyer-crowley-loglog", landmark_months=(6, 12), teae_window_days=30,
        recist=Recist(28, 42, 1), tumour_assessment=AssessmentSchedule(6, 18, 9, 7), xpt_timestamp=CREATED,
    )
    return Study(
        id="TEST-001", registry_id="NCT00000001", title="A single-arm test study", short_title="Test",
        phase="PHASE II TRIAL", design="single-arm", indication="ESCC", country="CHN", sponsor="Test Sponsor",
        planned_subjects=3, sites=(Site("01", "Site one"),), enrollment=(dt.date(2022, 3, 1), dt.date(2022, 9, 30)),
        cutoffs={"final": dt.date(2024, 12, 31)}, default_cutoff="final", arms=(), analysis=analysis, folder="",
    )


def var(dataset, order, name, label, data_type="text", core="Req", **extra) -> VariableSpec:
    return VariableSpec(dataset=dataset, name=name, label=label, data_type=data_type, order=order, core=core, **extra)


SEX = Codelist("SEX", "Sex", "C66731", "text", "CDISC CT", False,
               (Term("F", "C16576", "Female", 1), Term("M", "C20197", "Male", 2)))
RACE = Codelist("RACE", "Race", "C74457", "text", "CDISC CT", True,
                (Term("ASIAN", "C41260", None, 1), Term("HAN CHINESE", None, None, 2)))
AESEV = Codelist("AESEV", "Severity/Intensity Scale for Adverse Events", "C66769", "text", "CDISC CT", False,
                 (Term("MILD", "C70666", None, 1), Term("MODERATE", "C70667", None, 2),
                  Term("SEVERE", "C70668", None, 3)))
VSTESTCD = Codelist("VSTESTCD", "Vital Signs Test Code", "C66741", "text", "CDISC CT", True,
                    (Term("HEIGHT", "C25347", "Height", 1), Term("WEIGHT", "C25208", "Weight", 2)))
UNUSED = Codelist("NY", "No Yes Response", "C66742", "text", "CDISC CT", False, (Term("N", "C49487", "No", 1),))


def sdtm_standard() -> Standard:
    dm = DatasetSpec("DM", "Demographics", "SPECIAL PURPOSE", "One record per subject", ("STUDYID", "USUBJID"), (
        var("DM", 1, "STUDYID", "Study Identifier", origin="Protocol", source="Sponsor", role="Identifier"),
        var("DM", 2, "DOMAIN", "Domain Abbreviation", origin="Assigned", source="Sponsor", role="Identifier"),
        var("DM", 3, "USUBJID", "Unique Subject Identifier", origin="Derived", source="Sponsor", method="MT.USUBJID",
            role="Identifier"),
        var("DM", 4, "BRTHDTC", "Date/Time of Birth", "date", "Perm", origin="Collected", source="Investigator",
            pages="3", role="Record Qualifier"),
        var("DM", 5, "AGE", "Age", "integer", "Exp", origin="Collected", source="Investigator", pages="3",
            role="Record Qualifier"),
        var("DM", 6, "SEX", "Sex", codelist="SEX", origin="Collected", source="Investigator", pages="3 4",
            role="Record Qualifier"),
        var("DM", 7, "RACE", "Race", core="Exp", codelist="RACE", origin="Collected", source="Investigator",
            pages="4-5", role="Record Qualifier", comment="COM.RACE"),
        var("DM", 8, "COUNTRY", "Country", codelist="ISO3166", origin="Assigned", source="Sponsor",
            role="Record Qualifier"),
    ), standard="SDTMIG 3.4", repeating=False, comment="COM.DM")
    ae = DatasetSpec("AE", "Adverse Events", "EVENTS", "One record per adverse event per subject",
                     ("STUDYID", "USUBJID", "AETERM", "AESEQ"), (
        var("AE", 1, "STUDYID", "Study Identifier", origin="Protocol", source="Sponsor", role="Identifier"),
        var("AE", 2, "DOMAIN", "Domain Abbreviation", origin="Assigned", source="Sponsor", role="Identifier"),
        var("AE", 3, "USUBJID", "Unique Subject Identifier", origin="Derived", source="Sponsor", method="MT.USUBJID",
            role="Identifier"),
        var("AE", 4, "AESEQ", "Sequence Number", "integer", origin="Derived", source="Sponsor", method="MT.SEQ",
            role="Identifier"),
        var("AE", 5, "AETERM", "Reported Term for the Adverse Event", origin="Collected", source="Investigator",
            pages="7", role="Topic"),
        var("AE", 6, "AEDECOD", "Dictionary-Derived Term", codelist="MEDDRA", origin="Assigned", source="Sponsor",
            role="Synonym Qualifier"),
        var("AE", 7, "AESEV", "Severity/Intensity", core="Perm", codelist="AESEV", origin="Collected",
            source="Investigator", pages="7", role="Record Qualifier"),
    ), standard="SDTMIG 3.4")
    vs = DatasetSpec("VS", "Vital Signs", "FINDINGS", "One record per vital sign measurement per visit per subject",
                     ("STUDYID", "USUBJID", "VSTESTCD"), (
        var("VS", 1, "STUDYID", "Study Identifier", origin="Protocol", source="Sponsor", role="Identifier"),
        var("VS", 2, "DOMAIN", "Domain Abbreviation", origin="Assigned", source="Sponsor", role="Identifier"),
        var("VS", 3, "USUBJID", "Unique Subject Identifier", origin="Derived", source="Sponsor", method="MT.USUBJID",
            role="Identifier"),
        var("VS", 4, "VSTESTCD", "Vital Signs Test Short Name", codelist="VSTESTCD", origin="Assigned",
            source="Sponsor", role="Topic"),
        var("VS", 5, "VSORRES", "Result or Finding in Original Units", core="Exp", origin="Collected",
            source="Investigator", pages="9", role="Result Qualifier"),
        var("VS", 6, "VSSTRESN", "Numeric Result/Finding in Standard Units", "float", "Exp", origin="Derived",
            source="Sponsor", method="MT.VSSTRESN", role="Result Qualifier"),
    ), standard="SDTMIG 3.4")
    value_level = (
        ValueLevelSpec("VS", "VSORRES", (WhereCondition("VSTESTCD", "EQ", ("HEIGHT",)),), "text", 1,
                       origin="Collected", source="Investigator", pages="9"),
        ValueLevelSpec("VS", "VSORRES", (WhereCondition("VSTESTCD", "EQ", ("WEIGHT",)),), "text", 2,
                       origin="Collected", source="Investigator", pages="9"),
        ValueLevelSpec("VS", "VSSTRESN", (WhereCondition("VSTESTCD", "IN", ("HEIGHT", "WEIGHT")),), "float", 3,
                       significant_digits=1, origin="Derived", source="Sponsor", method="MT.VSSTRESN"),
    )
    return Standard(
        name="SDTMIG", version="3.4",
        study_attributes={"StudyName": "TEST-001", "StudyDescription": "A single-arm test study",
                          "ProtocolName": "TEST-001-PROT", "Language": "en"},
        datasets={"DM": dm, "AE": ae, "VS": vs}, value_level=value_level,
        codelists={"SEX": SEX, "RACE": RACE, "AESEV": AESEV, "VSTESTCD": VSTESTCD, "NY": UNUSED},
        dictionaries={
            "MEDDRA": Dictionary("MEDDRA", "Adverse Event Dictionary", "text", "MedDRA", "26.1"),
            "ISO3166": Dictionary("ISO3166", "Country codes", "text", "ISO 3166", "2013"),
        },
        methods={
            "MT.USUBJID": Method("MT.USUBJID", "USUBJID", "Computation", "STUDYID || '-' || SITEID || '-' || SUBJID",
                                 "Python 3.11", "f'{studyid}-{siteid}-{subjid}'"),
            "MT.SEQ": Method("MT.SEQ", "--SEQ", "Computation", "Sequential number within USUBJID, in key order"),
            "MT.VSSTRESN": Method("MT.VSSTRESN", "VSSTRESN", "Computation", "Numeric VSORRES in standard units",
                                  document="csdrg", pages="6"),
        },
        comments={
            "COM.DM": Comment("COM.DM", "Screen failures are not included."),
            "COM.RACE": Comment("COM.RACE", "Collected as free text; see the reviewer's guide.", "csdrg", "4"),
        },
        documents={
            "acrf": Document("acrf", "Annotated CRF", "acrf.pdf"),
            "csdrg": Document("csdrg", "Clinical Study Data Reviewer's Guide", "csdrg.pdf"),
        },
        source="sdtm_spec.xlsx",
    )


def sdtm_frames() -> dict[str, pd.DataFrame]:
    dm = pd.DataFrame({
        "STUDYID": ["TEST-001"] * 3, "DOMAIN": ["DM"] * 3,
        "USUBJID": ["TEST-001-01-001", "TEST-001-01-002", "TEST-001-01-0003"],
        "AGE": [55, 61, 70], "SEX": ["M", "F", "M"], "RACE": ["ASIAN", "HAN CHINESE", "ASIAN"],
        "COUNTRY": ["CHN"] * 3,
    })
    ae = pd.DataFrame({
        "STUDYID": ["TEST-001"] * 2, "DOMAIN": ["AE"] * 2, "USUBJID": ["TEST-001-01-001", "TEST-001-01-002"],
        "AESEQ": [1, 1], "AETERM": ["HYPERTENSION", "RASH ON BOTH ARMS"], "AEDECOD": ["Hypertension", "Rash"],
        "AESEV": ["MILD", "MODERATE"],
    })
    vs = pd.DataFrame({
        "STUDYID": ["TEST-001"] * 4, "DOMAIN": ["VS"] * 4, "USUBJID": ["TEST-001-01-001"] * 2 + ["TEST-001-01-002"] * 2,
        "VSTESTCD": ["HEIGHT", "WEIGHT", "HEIGHT", "WEIGHT"], "VSORRES": ["172", "65.5", "160", "101.25"],
        "VSSTRESN": [172.0, 65.5, 160.0, 101.25],
    })
    return {"DM": dm, "AE": ae, "VS": vs}


def adam_standard() -> Standard:
    adsl = DatasetSpec("ADSL", "Subject-Level Analysis Dataset", "SUBJECT LEVEL ANALYSIS DATASET",
                       "One record per subject", ("STUDYID", "USUBJID"), (
        var("ADSL", 1, "STUDYID", "Study Identifier", origin="Predecessor", predecessor="DM.STUDYID"),
        var("ADSL", 2, "USUBJID", "Unique Subject Identifier", origin="Predecessor", predecessor="DM.USUBJID"),
        var("ADSL", 3, "AGEGR1", "Pooled Age Group 1 (<65, >=65)", core="Cond", codelist="AGEGR1", origin="Derived",
            method="MT.AGEGR1"),
        var("ADSL", 4, "TRTSDT", "Date of First Exposure to Treatment", "integer", "Cond", display_format="DATE9.",
            origin="Derived", method="MT.TRTSDT"),
        var("ADSL", 5, "EFFFL", "Efficacy Population Flag", core="Cond", codelist="NY", origin="Derived",
            method="MT.EFFFL"),
    ), standard="ADaMIG 1.3", repeating=False)
    adrs = DatasetSpec("ADRS", "Response Analysis Dataset", "BASIC DATA STRUCTURE",
                       "One record per subject per parameter per analysis date",
                       ("STUDYID", "USUBJID", "PARAMCD", "ADT"), (
        var("ADRS", 1, "STUDYID", "Study Identifier", origin="Predecessor", predecessor="ADSL.STUDYID"),
        var("ADRS", 2, "USUBJID", "Unique Subject Identifier", origin="Predecessor", predecessor="ADSL.USUBJID"),
        var("ADRS", 3, "EFFFL", "Efficacy Population Flag", core="Cond", codelist="NY", origin="Predecessor",
            predecessor="ADSL.EFFFL"),
        var("ADRS", 4, "PARAMCD", "Parameter Code", codelist="PARAMCD_RS", origin="Assigned"),
        var("ADRS", 5, "PARAM", "Parameter", origin="Assigned"),
        var("ADRS", 6, "AVALC", "Analysis Value (C)", core="Cond", origin="Derived", method="MT.AVALC"),
        var("ADRS", 7, "ADT", "Analysis Date", "integer", "Cond", display_format="DATE9.", origin="Derived",
            method="MT.ADT"),
    ), standard="ADaMIG 1.3")
    adtte = DatasetSpec("ADTTE", "Time-to-Event Analysis Dataset", "BASIC DATA STRUCTURE",
                        "One record per subject per parameter", ("STUDYID", "USUBJID", "PARAMCD"), (
        var("ADTTE", 1, "STUDYID", "Study Identifier", origin="Predecessor", predecessor="ADSL.STUDYID"),
        var("ADTTE", 2, "USUBJID", "Unique Subject Identifier", origin="Predecessor", predecessor="ADSL.USUBJID"),
        var("ADTTE", 3, "PARAMCD", "Parameter Code", codelist="PARAMCD_TTE", origin="Assigned"),
        var("ADTTE", 4, "PARAM", "Parameter", origin="Assigned"),
        var("ADTTE", 5, "AVAL", "Analysis Value", "float", origin="Derived", method="MT.AVAL_TTE",
            significant_digits=2, display_format="8.2"),
        var("ADTTE", 6, "CNSR", "Censor", "integer", core="Cond", origin="Derived", method="MT.CNSR",
            comment="COM.CNSR"),
    ), subclass="TIME-TO-EVENT", standard="ADaMIG 1.3")
    value_level = (
        ValueLevelSpec("ADRS", "AVALC", (WhereCondition("PARAMCD", "EQ", ("BOR",)),), "text", 1,
                       codelist="BOR", origin="Derived", method="MT.BOR"),
        ValueLevelSpec("ADRS", "AVALC", (WhereCondition("PARAMCD", "EQ", ("OVR",)),), "text", 2,
                       codelist="BOR", origin="Predecessor", predecessor="RS.RSSTRESC"),
    )
    return Standard(
        name="ADaMIG", version="1.3",
        study_attributes={"StudyName": "TEST-001", "StudyDescription": "A single-arm test study",
                          "ProtocolName": "TEST-001-PROT"},
        datasets={"ADSL": adsl, "ADRS": adrs, "ADTTE": adtte}, value_level=value_level,
        codelists={
            "NY": Codelist("NY", "No Yes Response", "C66742", "text", "CDISC CT", False,
                           (Term("N", "C49487", "No", 1), Term("Y", "C49488", "Yes", 2))),
            "AGEGR1": Codelist("AGEGR1", "Pooled Age Group 1", None, "text", "Sponsor", False,
                               (Term("<65", None, None, 1), Term(">=65", None, None, 2))),
            "PARAMCD_RS": Codelist("PARAMCD_RS", "ADRS Parameter Code", None, "text", "Sponsor", False,
                                   (Term("BOR", None, "Best Overall Response", 1),
                                    Term("OVR", None, "Overall Response by Investigator", 2))),
            "PARAMCD_TTE": Codelist("PARAMCD_TTE", "ADTTE Parameter Code", None, "text", "Sponsor", False,
                                    (Term("PFS", None, "Progression-Free Survival (months)", 1),)),
            "BOR": Codelist("BOR", "Response", None, "text", "Sponsor", False,
                            tuple(Term(v, None, None, i) for i, v in enumerate(("CR", "PR", "SD", "PD", "NE"), 1))),
        },
        dictionaries={},
        methods={m.id: m for m in (
            Method("MT.AGEGR1", "AGEGR1", "Computation", "'<65' when AGE < 65, else '>=65'"),
            Method("MT.TRTSDT", "TRTSDT", "Computation", "Date of the first dose in EX"),
            Method("MT.EFFFL", "EFFFL", "Computation", "Y when the subject received a dose"),
            Method("MT.AVALC", "AVALC", "Computation", "See value-level metadata"),
            Method("MT.ADT", "ADT", "Computation", "Date part of RSDTC"),
            Method("MT.BOR", "BOR", "Computation", "Best overall response with confirmation (RECIST 1.1)",
                   document="sap", pages="12"),
            Method("MT.AVAL_TTE", "AVAL", "Computation", "(ADT - STARTDT + 1) / 30.4375"),
            Method("MT.CNSR", "CNSR", "Computation", "0 for an event, 1 for a censoring"),
        )},
        comments={"COM.CNSR": Comment("COM.CNSR", "Censoring rules: SAP section 9.", "sap", "14-15")},
        documents={
            "adrg": Document("adrg", "Analysis Data Reviewer's Guide", "adrg.pdf"),
            "sap": Document("sap", "Statistical Analysis Plan", "sap.pdf"),
        },
        source="adam_spec.xlsx",
    )


def adam_frames() -> dict[str, pd.DataFrame]:
    adsl = pd.DataFrame({
        "STUDYID": ["TEST-001"] * 3, "USUBJID": ["TEST-001-01-001", "TEST-001-01-002", "TEST-001-01-003"],
        "AGEGR1": ["<65", "<65", ">=65"], "TRTSDT": pd.to_datetime(["2022-03-01", "2022-03-09", "2022-04-11"]).date,
        "EFFFL": ["Y", "Y", "N"],
    })
    adrs = pd.DataFrame({
        "STUDYID": ["TEST-001"] * 4, "USUBJID": ["TEST-001-01-001"] * 2 + ["TEST-001-01-002"] * 2,
        "EFFFL": ["Y"] * 4, "PARAMCD": ["OVR", "BOR", "OVR", "BOR"],
        "PARAM": ["Overall Response by Investigator", "Best Overall Response"] * 2,
        "AVALC": ["PR", "PR", "SD", "SD"],
        "ADT": pd.to_datetime(["2022-04-12", "2022-04-12", "2022-04-20", "2022-04-20"]).date,
    })
    adtte = pd.DataFrame({
        "STUDYID": ["TEST-001"] * 2, "USUBJID": ["TEST-001-01-001", "TEST-001-01-002"],
        "PARAMCD": ["PFS", "PFS"], "PARAM": ["Progression-Free Survival (months)"] * 2,
        "AVAL": [7.524, 12.0], "CNSR": [0, 1],
    })
    return {"ADSL": adsl, "ADRS": adrs, "ADTTE": adtte}


CONTEXT = DefineContext(
    created=CREATED, originator="Test Sponsor", source_system="subpack", source_system_version="0.1",
    ct_packages=(CTPackage("SDTM", "2024-03-29"), CTPackage("ADaM", "2024-03-29")),
)


def sdtm_define() -> etree._ElementTree:
    return build_define(sdtm_standard(), make_study(), sdtm_frames(), context=CONTEXT)


def adam_define() -> etree._ElementTree:
    return build_define(adam_standard(), make_study(), adam_frames(), context=CONTEXT)


def one(tree: etree._ElementTree, xpath: str) -> etree._Element:
    found = tree.xpath(xpath, namespaces=NS)
    assert len(found) == 1, f"{xpath}: {len(found)} matches"
    return found[0]


def results() -> list[AnalysisResultSpec]:
    return [
        AnalysisResultSpec(
            display="Table 14.2.1", display_title="Confirmed objective response rate (RECIST 1.1)", result="ORR",
            description="Confirmed ORR with exact 95% Clopper-Pearson CI",
            datasets=(AnalysisDatasetRef("ADRS", ("AVALC",), "EFFFL EQ Y"),), parameter="BOR",
            documentation="Responders have a confirmed CR or PR.", documentation_refs=(PageReference("sap", "12"),),
            code_context="Python 3.11", code="tlf.tables.response_table(adrs)",
            code_refs=(PageReference("tlf_program"),), display_refs=(PageReference("t_14_2_1"),),
        ),
        AnalysisResultSpec(
            display="Figure 14.2.2", display_title="Kaplan-Meier plot of progression-free survival", result="PFS",
            description="Median PFS (Brookmeyer-Crowley log-log 95% CI)",
            datasets=(AnalysisDatasetRef("ADTTE", ("AVAL", "CNSR")),), parameter="PFS",
            reason="SPECIFIED IN SAP", purpose="SECONDARY OUTCOME MEASURE",
        ),
    ]


ARM_DOCUMENTS = (
    Document("tlf_program", "TLF program", "programs/tables.py"),
    Document("t_14_2_1", "Table 14.2.1", "tlf/t_14_2_1.rtf"),
)


# --------------------------------------------------------------------------- schema validity


def test_sdtm_define_is_valid_against_define_2_1_schema():
    assert validate_define(sdtm_define()) == []


def test_adam_define_is_valid_against_define_2_1_schema():
    assert validate_define(adam_define()) == []


def test_written_file_is_valid_and_its_path_is_returned(tmp_path: Path):
    path = write_define(sdtm_standard(), make_study(), sdtm_frames(), tmp_path / "sdtm" / "define.xml", context=CONTEXT)
    assert path == tmp_path / "sdtm" / "define.xml"
    assert validate_define(path) == []


def test_validate_define_reports_a_broken_document(tmp_path: Path):
    text = define_bytes(sdtm_define()).replace(b' def:Structure="One record per subject"', b"", 1)
    text = text.replace(b'leafID="LF.acrf"', b'leafID="LF.nowhere"', 1)
    path = tmp_path / "define.xml"
    path.write_bytes(text)
    errors = validate_define(path)
    assert any("Structure' is required but missing" in e for e in errors)
    assert any("LF.nowhere" in e for e in errors)


def test_validate_define_reports_a_reference_the_schema_cannot_check():
    tree = sdtm_define()
    one(tree, "//odm:ItemRef[@ItemOID='IT.AE.AESEQ']").set("MethodOID", "MT.MISSING")
    assert validate_define(tree) == ["ItemRef IT.AE.AESEQ refers to MethodDef MT.MISSING, which is not defined"]


def test_validate_define_reports_text_that_is_not_xml(tmp_path: Path):
    path = tmp_path / "define.xml"
    path.write_text("<ODM><Study></ODM>", encoding="utf-8")
    assert validate_define(path)[0].startswith("not well-formed XML")


# --------------------------------------------------------------------------- document header


def test_header_comes_from_context_and_study_sheet():
    root = sdtm_define().getroot()
    assert root.get("CreationDateTime") == "2025-01-15T00:00:00"
    assert (root.get("FileType"), root.get("ODMVersion")) == ("Snapshot", "1.3.2")
    assert root.get("{%s}Context" % NS["def"]) == "Submission"
    assert root.get("Originator") == "Test Sponsor"
    assert root.findtext(".//odm:ProtocolName", namespaces=NS) == "TEST-001-PROT"


def test_sdtm_standards_list_the_ig_and_sdtm_ct_only():
    standards = sdtm_define().xpath("//def:Standard", namespaces=NS)
    assert [(s.get("Name"), s.get("Type"), s.get("PublishingSet"), s.get("Version")) for s in standards] == [
        ("SDTMIG", "IG", None, "3.4"), ("CDISC/NCI", "CT", "SDTM", "2024-03-29"),
    ]


def test_documents_named_acrf_and_csdrg_become_annotated_crf_and_supplemental_doc():
    tree = sdtm_define()
    assert one(tree, "//def:AnnotatedCRF/def:DocumentRef").get("leafID") == "LF.acrf"
    assert one(tree, "//def:SupplementalDoc/def:DocumentRef").get("leafID") == "LF.csdrg"
    acrf = one(tree, "/odm:ODM/odm:Study/odm:MetaDataVersion/def:leaf[@ID='LF.acrf']")
    assert acrf.get("{%s}href" % NS["xlink"]) == "acrf.pdf"


# --------------------------------------------------------------------------- datasets and variables


def test_item_group_points_to_its_xpt_and_has_class():
    group = one(sdtm_define(), "//odm:ItemGroupDef[@Name='DM']")
    assert group.get("{%s}ArchiveLocationID" % NS["def"]) == "LF.DM"
    assert one(group, "def:leaf").get("{%s}href" % NS["xlink"]) == "dm.xpt"
    assert one(group, "def:Class").get("Name") == "SPECIAL PURPOSE"
    assert (group.get("Purpose"), group.get("Domain"), group.get("Repeating")) == ("Tabulation", "DM", "No")


def test_adam_item_group_has_analysis_purpose_subclass_and_no_role():
    tree = adam_define()
    group = one(tree, "//odm:ItemGroupDef[@Name='ADTTE']")
    assert group.get("Purpose") == "Analysis" and group.get("Domain") is None
    assert one(group, "def:Class/def:SubClass").get("Name") == "TIME-TO-EVENT"
    assert tree.xpath("//odm:ItemGroupDef/odm:ItemRef[@Role]", namespaces=NS) == []


def test_item_refs_follow_spec_order_with_key_sequence_and_method():
    refs = sdtm_define().xpath("//odm:ItemGroupDef[@Name='AE']/odm:ItemRef", namespaces=NS)
    names = ("STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AESEV")
    assert [r.get("ItemOID") for r in refs] == [f"IT.AE.{v}" for v in names]
    assert [r.get("OrderNumber") for r in refs] == [str(i) for i in range(1, 8)]
    assert {r.get("ItemOID"): r.get("KeySequence") for r in refs if r.get("KeySequence")} == {
        "IT.AE.STUDYID": "1", "IT.AE.USUBJID": "2", "IT.AE.AETERM": "3", "IT.AE.AESEQ": "4"}
    assert refs[3].get("MethodOID") == "MT.SEQ" and refs[4].get("Role") == "Topic"


def test_perm_variable_absent_from_data_is_not_listed():
    tree = sdtm_define()
    assert tree.xpath("//*[@OID='IT.DM.BRTHDTC' or @ItemOID='IT.DM.BRTHDTC']", namespaces=NS) == []


def test_exp_variable_absent_from_data_is_listed_as_having_no_data():
    frames = sdtm_frames()
    frames["DM"] = frames["DM"].drop(columns="RACE")
    tree = build_define(sdtm_standard(), make_study(), frames, context=CONTEXT)
    ref = one(tree, "//odm:ItemRef[@ItemOID='IT.DM.RACE']")
    assert ref.get("{%s}HasNoData" % NS["def"]) == "Yes"


def test_dataset_absent_from_data_is_not_listed():
    frames = sdtm_frames()
    del frames["VS"]
    tree = build_define(sdtm_standard(), make_study(), frames, context=CONTEXT)
    assert [g.get("Name") for g in tree.xpath("//odm:ItemGroupDef", namespaces=NS)] == ["DM", "AE"]
    assert tree.xpath("//def:ValueListDef", namespaces=NS) == []


def test_data_column_not_in_spec_raises_naming_dataset_and_variable():
    frames = sdtm_frames()
    frames["AE"]["AEXTRA"] = "x"
    with pytest.raises(ValueError, match=r"AE: data column\(s\) not in the spec: AEXTRA"):
        build_define(sdtm_standard(), make_study(), frames, context=CONTEXT)


def test_dataset_not_in_spec_raises():
    frames = sdtm_frames()
    frames["XX"] = pd.DataFrame({"STUDYID": ["TEST-001"]})
    with pytest.raises(ValueError, match="dataset.*not in the SDTMIG spec: XX"):
        build_define(sdtm_standard(), make_study(), frames, context=CONTEXT)


def test_text_length_is_the_longest_value_in_the_data():
    tree = sdtm_define()
    assert one(tree, "//odm:ItemDef[@OID='IT.DM.USUBJID']").get("Length") == "16"
    assert one(tree, "//odm:ItemDef[@OID='IT.AE.AETERM']").get("Length") == str(len("RASH ON BOTH ARMS"))


def test_numeric_length_is_8_and_iso_dates_carry_no_length():
    tree = adam_define()
    assert one(tree, "//odm:ItemDef[@OID='IT.ADTTE.CNSR']").get("Length") == "8"
    trtsdt = one(tree, "//odm:ItemDef[@OID='IT.ADSL.TRTSDT']")
    assert (trtsdt.get("DataType"), trtsdt.get("Length")) == ("integer", "8")
    assert trtsdt.get("{%s}DisplayFormat" % NS["def"]) == "DATE9."


def test_float_significant_digits_come_from_the_spec_else_the_data():
    assert one(adam_define(), "//odm:ItemDef[@OID='IT.ADTTE.AVAL']").get("SignificantDigits") == "2"
    assert one(sdtm_define(), "//odm:ItemDef[@OID='IT.VS.VSSTRESN']").get("SignificantDigits") == "2"  # 101.25


def test_collected_origin_refers_to_acrf_pages():
    tree = sdtm_define()
    origin = one(tree, "//odm:ItemDef[@OID='IT.DM.SEX']/def:Origin")
    assert (origin.get("Type"), origin.get("Source")) == ("Collected", "Investigator")
    assert one(origin, "def:DocumentRef").get("leafID") == "LF.acrf"
    assert one(origin, "def:DocumentRef/def:PDFPageRef").attrib == {"PageRefs": "3 4", "Type": "PhysicalRef"}
    race = one(tree, "//odm:ItemDef[@OID='IT.DM.RACE']/def:Origin/def:DocumentRef/def:PDFPageRef")
    assert (race.get("FirstPage"), race.get("LastPage")) == ("4", "5")


def test_predecessor_origin_carries_its_source_variable():
    origin = one(adam_define(), "//odm:ItemDef[@OID='IT.ADSL.USUBJID']/def:Origin")
    assert origin.get("Type") == "Predecessor"
    assert origin.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == "DM.USUBJID"


def test_collected_pages_without_an_acrf_document_raise():
    standard = sdtm_standard()
    documents = {k: v for k, v in standard.documents.items() if k != "acrf"}
    broken = Standard(**{**standard.__dict__, "documents": documents})
    with pytest.raises(ValueError, match="DM.BRTHDTC|DM.AGE.*annotated CRF"):
        build_define(broken, make_study(), sdtm_frames(), context=CONTEXT)


# --------------------------------------------------------------------------- codelists, methods, comments


def test_cdisc_codelist_has_nci_aliases_on_list_and_terms():
    codelist = one(sdtm_define(), "//odm:CodeList[@OID='CL.SEX']")
    assert codelist.get("{%s}StandardOID" % NS["def"]) == "STD.CT.SDTM.2024-03-29"
    assert one(codelist, "odm:Alias").attrib == {"Context": "nci:ExtCodeID", "Name": "C66731"}
    female = one(codelist, "odm:CodeListItem[@CodedValue='F']")
    assert female.findtext("odm:Decode/odm:TranslatedText", namespaces=NS) == "Female"
    assert one(female, "odm:Alias").get("Name") == "C16576"


def test_sponsor_term_of_extensible_list_is_marked_extended():
    codelist = one(sdtm_define(), "//odm:CodeList[@OID='CL.RACE']")
    items = codelist.xpath("odm:EnumeratedItem", namespaces=NS)
    assert [(i.get("CodedValue"), i.get("{%s}ExtendedValue" % NS["def"])) for i in items] == [
        ("ASIAN", None), ("HAN CHINESE", "Yes")]


def test_dictionaries_become_external_codelists():
    tree = sdtm_define()
    meddra = one(tree, "//odm:CodeList[@OID='CL.MEDDRA']/odm:ExternalCodeList")
    assert (meddra.get("Dictionary"), meddra.get("Version")) == ("MedDRA", "26.1")
    assert one(tree, "//odm:CodeList[@OID='CL.ISO3166']/odm:ExternalCodeList").get("Dictionary") == "ISO 3166"


def test_only_referenced_codelists_are_written():
    oids = [c.get("OID") for c in sdtm_define().xpath("//odm:CodeList", namespaces=NS)]
    assert oids == sorted(oids) and "CL.NY" not in oids
    assert set(oids) == {"CL.AESEV", "CL.ISO3166", "CL.MEDDRA", "CL.RACE", "CL.SEX", "CL.VSTESTCD"}


def test_method_has_formal_expression_and_document_pages():
    tree = sdtm_define()
    expression = one(tree, "//odm:MethodDef[@OID='MT.USUBJID']/odm:FormalExpression")
    assert expression.get("Context") == "Python 3.11"
    ref = one(tree, "//odm:MethodDef[@OID='MT.VSSTRESN']/def:DocumentRef")
    assert ref.get("leafID") == "LF.csdrg" and one(ref, "def:PDFPageRef").get("PageRefs") == "6"


def test_comments_of_datasets_and_variables_are_written_with_documents():
    tree = sdtm_define()
    assert one(tree, "//odm:ItemGroupDef[@Name='DM']").get("{%s}CommentOID" % NS["def"]) == "COM.DM"
    assert one(tree, "//odm:ItemDef[@OID='IT.DM.RACE']").get("{%s}CommentOID" % NS["def"]) == "COM.RACE"
    assert [c.get("OID") for c in tree.xpath("//def:CommentDef", namespaces=NS)] == ["COM.DM", "COM.RACE"]
    assert one(tree, "//def:CommentDef[@OID='COM.RACE']/def:DocumentRef").get("leafID") == "LF.csdrg"


def test_unknown_method_reference_raises():
    standard = sdtm_standard()
    broken = Standard(**{**standard.__dict__, "methods": {k: v for k, v in standard.methods.items() if k != "MT.SEQ"}})
    with pytest.raises(ValueError, match="AE.AESEQ names method 'MT.SEQ'"):
        build_define(broken, make_study(), sdtm_frames(), context=CONTEXT)


# --------------------------------------------------------------------------- value level


def test_value_level_rows_become_value_list_and_where_clauses():
    tree = sdtm_define()
    assert one(tree, "//odm:ItemDef[@OID='IT.VS.VSORRES']/def:ValueListRef").get("ValueListOID") == "VL.VS.VSORRES"
    refs = tree.xpath("//def:ValueListDef[@OID='VL.VS.VSORRES']/odm:ItemRef", namespaces=NS)
    assert [r.get("ItemOID") for r in refs] == ["IT.VS.VSORRES.HEIGHT", "IT.VS.VSORRES.WEIGHT"]
    check = one(tree, "//def:WhereClauseDef[@OID='WC.VS.VSORRES.HEIGHT']/odm:RangeCheck")
    assert (check.get("Comparator"), check.get("{%s}ItemOID" % NS["def"])) == ("EQ", "IT.VS.VSTESTCD")
    assert [v.text for v in check] == ["HEIGHT"]


def test_value_level_length_is_the_longest_value_where_the_clause_holds():
    tree = sdtm_define()
    assert one(tree, "//odm:ItemDef[@OID='IT.VS.VSORRES.HEIGHT']").get("Length") == "3"
    assert one(tree, "//odm:ItemDef[@OID='IT.VS.VSORRES.WEIGHT']").get("Length") == "6"
    assert one(tree, "//odm:ItemDef[@OID='IT.VS.VSORRES']").get("Length") == "6"


def test_value_level_row_matching_no_record_is_left_out():
    frames = adam_frames()
    frames["ADRS"] = frames["ADRS"][frames["ADRS"]["PARAMCD"] == "BOR"]
    tree = build_define(adam_standard(), make_study(), frames, context=CONTEXT)
    refs = tree.xpath("//def:ValueListDef/odm:ItemRef", namespaces=NS)
    assert [r.get("ItemOID") for r in refs] == ["IT.ADRS.AVALC.BOR"]


# --------------------------------------------------------------------------- determinism, consistency


def test_two_runs_give_byte_identical_files(tmp_path: Path):
    first = write_define(adam_standard(), make_study(), adam_frames(), tmp_path / "a.xml", context=CONTEXT)
    second = write_define(adam_standard(), make_study(), adam_frames(), tmp_path / "b.xml", context=CONTEXT)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ODM ')


def test_define_agrees_with_the_data_it_was_built_from():
    tree = sdtm_define()
    written = {name: frame for name, frame in sdtm_frames().items()}
    assert check_define_against_data(tree, written) == []


def test_define_agrees_with_the_xpt_files_the_writer_writes(tmp_path: Path):
    standard, frames = sdtm_standard(), sdtm_frames()
    frames["DM"]["RACE"] = None
    written = {name: write_xpt(frame, tmp_path / f"{name.lower()}.xpt", standard.datasets[name], timestamp=CREATED)
               for name, frame in frames.items()}
    path = write_define(standard, make_study(), written, tmp_path / "define.xml", context=CONTEXT)
    assert check_define_against_xpt(path, tmp_path) == []


def test_check_against_data_reports_extra_column_missing_dataset_and_wrong_length():
    tree = sdtm_define()
    frames = sdtm_frames()
    frames["DM"]["ARMCD"] = "A"
    frames["AE"].loc[0, "AETERM"] = "A MUCH LONGER REPORTED TERM"
    del frames["VS"]
    problems = check_define_against_data(tree, frames)
    assert "DM.ARMCD: variable is in the data but not in define.xml" in problems
    assert "VS: dataset is in define.xml but not in the data" in problems
    assert "AE.AETERM: Length 17 but the longest value in the data is 27" in problems


def test_check_against_data_reports_value_level_length():
    tree = sdtm_define()
    frames = sdtm_frames()
    frames["VS"].loc[0, "VSORRES"] = "172.25"
    problems = check_define_against_data(tree, frames)
    assert problems == ["VS.VSORRES (IT.VS.VSORRES.HEIGHT): Length 3 but the longest value in the data is 6"]


def test_empty_dataset_is_listed_with_has_no_data_and_stays_valid():
    frames = sdtm_frames()
    frames["AE"] = frames["AE"].iloc[0:0]
    tree = build_define(sdtm_standard(), make_study(), frames, context=CONTEXT)
    assert one(tree, "//odm:ItemGroupDef[@Name='AE']").get("{%s}HasNoData" % NS["def"]) == "Yes"
    assert validate_define(tree) == []


def test_read_ct_packages_accepts_text_and_mappings(tmp_path: Path):
    path = tmp_path / "ct_subset.yaml"
    path.write_text(
        "packages:\n  - SDTM Terminology 2024-03-29\n  - {name: ADaM CT, version: '2024-03-29'}\n", encoding="utf-8")
    assert read_ct_packages(path) == (CTPackage("SDTM", "2024-03-29"), CTPackage("ADaM", "2024-03-29"))
    assert read_ct_packages(tmp_path / "absent.yaml") == ()


def test_context_for_study_takes_the_configured_timestamp():
    context = DefineContext.for_study(make_study())
    assert (context.created, context.originator, context.ct_packages) == (CREATED, "Test Sponsor", ())


# --------------------------------------------------------------------------- HTML


def test_html_lists_every_dataset_with_a_link_to_its_xpt():
    html = render_define_html(sdtm_define())
    for name in ("DM", "AE", "VS"):
        assert f'id="IG.{name}"' in html
        assert f'href="{name.lower()}.xpt"' in html


def test_html_escapes_markup_in_labels():
    html = render_define_html(adam_define())
    assert "Pooled Age Group 1 (&lt;65, &gt;=65)" in html
    assert "(<65" not in html


def test_html_shows_value_level_codelists_methods_and_comments(tmp_path: Path):
    path = write_define(sdtm_standard(), make_study(), sdtm_frames(), tmp_path / "define.xml", context=CONTEXT)
    html = render_define_html(path)
    assert 'id="VL.VS.VSORRES"' in html and "VSTESTCD = HEIGHT" in html
    assert 'id="CL.SEX"' in html and "C16576" in html
    assert 'id="MT.USUBJID"' in html and 'id="COM.RACE"' in html
    assert 'href="acrf.pdf#page=3"' in html


def test_html_is_deterministic():
    assert render_define_html(adam_define()) == render_define_html(adam_define())


# --------------------------------------------------------------------------- ARM 1.0


def test_arm_for_orr_and_pfs_validates_against_the_arm_schema(tmp_path: Path):
    tree = add_analysis_results(adam_define(), results(), documents=ARM_DOCUMENTS)
    path = write_define_tree(tree, tmp_path / "define.xml")
    assert validate_define(path) == []
    displays = tree.xpath("//arm:ResultDisplay", namespaces=NS)
    assert [d.get("Name") for d in displays] == ["Table 14.2.1", "Figure 14.2.2"]


def test_arm_result_points_to_parameter_dataset_where_clause_and_variables():
    tree = add_analysis_results(adam_define(), results(), documents=ARM_DOCUMENTS)
    result = one(tree, "//arm:AnalysisResult[@OID='AR.ORR']")
    assert result.get("ParameterOID") == "IT.ADRS.PARAMCD"
    dataset = one(result, "arm:AnalysisDatasets/arm:AnalysisDataset")
    assert dataset.get("ItemGroupOID") == "IG.ADRS"
    assert [v.get("ItemOID") for v in dataset.xpath("arm:AnalysisVariable", namespaces=NS)] == ["IT.ADRS.AVALC"]
    clause = one(tree, "//def:WhereClauseDef[@OID='WC.AR.ORR.ADRS']")
    conditions = [(c.get("{%s}ItemOID" % NS["def"]), c[0].text) for c in clause]
    assert conditions == [("IT.ADRS.PARAMCD", "BOR"), ("IT.ADRS.EFFFL", "Y")]


def test_arm_adds_leaves_for_new_documents_only():
    tree = add_analysis_results(adam_define(), results(), documents=ARM_DOCUMENTS)
    leaves = [lf.get("ID") for lf in tree.xpath("/odm:ODM/odm:Study/odm:MetaDataVersion/def:leaf", namespaces=NS)]
    assert leaves == ["LF.adrg", "LF.sap", "LF.t_14_2_1", "LF.tlf_program"]


def test_arm_leaves_the_input_tree_unchanged():
    tree = adam_define()
    before = define_bytes(tree)
    add_analysis_results(tree, results(), documents=ARM_DOCUMENTS)
    assert define_bytes(tree) == before


def test_arm_variable_not_in_define_raises():
    bad = AnalysisResultSpec(display="Table 1", display_title="x", result="X", description="x",
                             datasets=(AnalysisDatasetRef("ADTTE", ("AVALU",)),))
    with pytest.raises(ValueError, match="ADTTE.AVALU is not in the define.xml"):
        add_analysis_results(adam_define(), [bad])


def test_html_shows_analysis_results():
    html = render_define_html(add_analysis_results(adam_define(), results(), documents=ARM_DOCUMENTS))
    assert 'id="AR.ORR"' in html and "PARAMCD = BOR and EFFFL = Y" in html
    assert 'href="sap.pdf#page=12"' in html


# --------------------------------------------------------------------------- numeric edge cases


def test_missing_numeric_values_do_not_change_significant_digits():
    frames = adam_frames()
    frames["ADTTE"]["AVAL"] = [np.nan, 3.5]
    standard = adam_standard()
    adtte = standard.datasets["ADTTE"]
    variables = tuple(VariableSpec(**{**v.__dict__, "significant_digits": None}) if v.name == "AVAL" else v
                      for v in adtte.variables)
    datasets = {**standard.datasets, "ADTTE": DatasetSpec(**{**adtte.__dict__, "variables": variables})}
    tree = build_define(Standard(**{**standard.__dict__, "datasets": datasets}), make_study(), frames, context=CONTEXT)
    assert one(tree, "//odm:ItemDef[@OID='IT.ADTTE.AVAL']").get("SignificantDigits") == "1"


# --------------------------------------------------------------------------- the embedded study


@pytest.mark.parametrize("workbook", ["sdtm_spec.xlsx", "adam_spec.xlsx"])
def test_embedded_study_spec_gives_a_valid_define_for_empty_typed_datasets(workbook: str):
    path = STUDIES_FOLDER / "alter_e003" / workbook
    if not path.exists():
        pytest.skip(f"{workbook} is not written yet")
    ct, _ = load_ct(CT_FOLDER)
    standard, problems = load_standard(path, ct)
    if standard is None or problems:
        pytest.skip(f"{workbook} does not load ({len(problems)} problems; the loader tests report them)")
    frames = {
        name: pd.DataFrame({v.name: pd.Series([], dtype="float64" if v.is_numeric else object) for v in spec.variables})
        for name, spec in standard.datasets.items()
    }
    context = DefineContext.for_study(make_study(), ct_yaml=CT_FOLDER / "ct_subset.yaml")
    tree = build_define(standard, make_study(), frames, context=context)
    assert validate_define(tree) == []
    assert check_define_against_data(tree, frames) == []


def test_define_check_in_memory_gives_the_problems_of_the_files(tmp_path: Path):
    standard, frames = sdtm_standard(), sdtm_frames()
    written = {name: write_xpt(frame, tmp_path / f"{name.lower()}.xpt", standard.datasets[name], timestamp=CREATED)
               for name, frame in frames.items()}
    shorter = dict(written, AE=written["AE"].assign(AETERM=written["AE"]["AETERM"].str[:5]))
    path = write_define(standard, make_study(), shorter, tmp_path / "define.xml", context=CONTEXT)
    on_disk = check_define_against_xpt(path, tmp_path)
    assert "AE.AETERM: Length 5 but the XPT stores 17 bytes" in on_disk
    assert "AE.AETERM: Length 5 but the longest value in the data is 17" in on_disk
    assert check_define_against_xpt(path, tmp_path, datasets=written) == on_disk
