"""Loading study folders: good specs load into the typed model; broken ones name the problem."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
import yaml

from support import REPO, write_workbook
from specs.errors import SpecError
from specs.loader import load_study, parse_study_config


def _problems(excinfo) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def test_minimal_study_loads_into_typed_model(study_dir, empty_ct):
    study = load_study(study_dir, ct_folder=empty_ct)
    dm = study.sdtm.dataset("DM")
    assert dm.variable_names == ("STUDYID", "DOMAIN", "USUBJID", "AGE", "SEX", "RACE", "BRTHDTC")
    assert dm.keys == ("STUDYID", "USUBJID")
    assert dm.variable("AGE").is_numeric and not dm.variable("SEX").is_numeric
    assert dm.variable("USUBJID").method == "MT.USUBJID"
    assert study.sdtm.codelists["SEX"].values == {"M", "F"}
    assert study.sdtm.codelists["SEX"].decode("F") == "Female"
    assert study.sdtm.codelists["RACE"].extensible
    assert study.adam is None


def test_embedded_study_config_values(study_dir, empty_ct):
    study = load_study(study_dir, ct_folder=empty_ct)
    assert study.id == "ALTER-E-003"
    assert study.registry_id == "NCT05038813"
    assert [s.siteid for s in study.sites] == ["01", "02", "03", "04", "05"]
    assert study.cutoff_date() == dt.date(2024, 12, 31)
    assert study.cutoff_date("interim") == dt.date(2023, 12, 31)
    assert study.cutoff_date("2024-06-30") == dt.date(2024, 6, 30)
    assert study.analysis.days_per_month == 30.4375
    assert study.analysis.recist.confirmation_min_days == 28
    assert study.analysis.recist.sd_min_days == 42


def test_unknown_cutoff_name_is_a_clear_error(study_dir, empty_ct):
    study = load_study(study_dir, ct_folder=empty_ct)
    with pytest.raises(ValueError, match="neither a named cut-off"):
        study.cutoff_date("primary")


def test_duplicate_variable_names_sheet_row_and_column(study_dir, spec_sheets, empty_ct):
    spec_sheets["Variables"].append(dict(spec_sheets["Variables"][4], Order=8))
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError) as excinfo:
        load_study(study_dir, ct_folder=empty_ct)
    # header is row 1, so the 8th variable row is Excel row 9; the first SEX is row 6
    assert _problems(excinfo) == ["sdtm_spec.xlsx [Variables] row 9 column Variable: duplicate variable DM.SEX (first at row 6)"]


def test_label_longer_than_40_characters(study_dir, spec_sheets, empty_ct):
    spec_sheets["Variables"][3]["Label"] = "Age of the subject at informed consent in years"
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError) as excinfo:
        load_study(study_dir, ct_folder=empty_ct)
    (problem,) = excinfo.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("Variables", 5, "Label")
    assert "max length is 40" in problem.message


def test_unknown_codelist(study_dir, spec_sheets, empty_ct):
    spec_sheets["Variables"][5]["Codelist"] = "RACEX"
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError) as excinfo:
        load_study(study_dir, ct_folder=empty_ct)
    assert _problems(excinfo) == ["sdtm_spec.xlsx [Variables] row 7 column Codelist: unknown codelist 'RACEX'"]


def test_key_variable_not_in_dataset(study_dir, spec_sheets, empty_ct):
    spec_sheets["Datasets"][0]["Key Variables"] = "STUDYID, USUBJID, SUBJID"
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError) as excinfo:
        load_study(study_dir, ct_folder=empty_ct)
    assert _problems(excinfo) == [
        "sdtm_spec.xlsx [Datasets] row 2 column Key Variables: key variable SUBJID is not a variable of DM"
    ]


def test_mandatory_contradicting_core(study_dir, spec_sheets, empty_ct):
    spec_sheets["Variables"][3]["Mandatory"] = "Yes"  # AGE is Exp
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError, match="Mandatory: Yes contradicts Core Exp"):
        load_study(study_dir, ct_folder=empty_ct)


def test_bad_data_type_and_missing_label_reported_together(study_dir, spec_sheets, empty_ct):
    spec_sheets["Variables"][3]["Data Type"] = "number"
    spec_sheets["Variables"][4]["Label"] = None
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError) as excinfo:
        load_study(study_dir, ct_folder=empty_ct)
    where = {(p.row, p.column) for p in excinfo.value.problems}
    assert where == {(5, "Data Type"), (6, "Label")}


def test_missing_required_sheet(study_dir, spec_sheets, empty_ct):
    del spec_sheets["Codelists"]
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError, match=r"\[Codelists\]: required sheet is missing"):
        load_study(study_dir, ct_folder=empty_ct)


def test_unknown_column_is_reported(study_dir, spec_sheets, empty_ct):
    spec_sheets["Datasets"][0]["Keys"] = "x"
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    # write_workbook writes only the known columns of Datasets; add an unknown one by hand
    import openpyxl

    book = openpyxl.load_workbook(study_dir / "sdtm_spec.xlsx")
    book["Datasets"].cell(row=1, column=20, value="Keys")
    book.save(study_dir / "sdtm_spec.xlsx")
    with pytest.raises(SpecError, match=r"\[Datasets\] row 1 column Keys: unknown column"):
        load_study(study_dir, ct_folder=empty_ct)


def test_value_level_where_clause_must_parse_and_name_variables(study_dir, spec_sheets, empty_ct):
    spec_sheets["ValueLevel"] = [
        {"Order": 1, "Dataset": "DM", "Variable": "AGE", "Where Clause": "SEX EQ M", "Data Type": "integer"},
        {"Order": 2, "Dataset": "DM", "Variable": "AGE", "Where Clause": "SEX LIKE M", "Data Type": "integer"},
        {"Order": 3, "Dataset": "DM", "Variable": "AGE", "Where Clause": "ARMCD IN (A, B)", "Data Type": "integer"},
    ]
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError) as excinfo:
        load_study(study_dir, ct_folder=empty_ct)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(3, "Where Clause"), (4, "Where Clause")]
    assert "ARMCD is not a variable of DM" in excinfo.value.problems[1].message


def test_cdisc_codelist_checked_against_ct(study_dir, spec_sheets, tmp_path):
    ct = tmp_path / "ct2"
    ct.mkdir()
    (ct / "ct_subset.csv").write_text(
        "codelist_code,codelist_id,codelist_name,extensible,term_code,term,decode\n"
        "C66731,SEX,Sex,No,C20197,M,Male\n"
        "C66731,SEX,Sex,No,C16576,F,Female\n"
    )
    spec_sheets["Codelists"][:2] = [
        {"ID": "SEX", "Name": "Sex", "NCI Codelist Code": "C66731", "Data Type": "text", "Terminology": "CDISC CT",
         "Order": 1, "Term": "M", "NCI Term Code": "C20197"},
        {"ID": "SEX", "Name": "Sex", "NCI Codelist Code": "C66731", "Data Type": "text", "Terminology": "CDISC CT",
         "Order": 2, "Term": "X", "NCI Term Code": "C99999"},
    ]
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError) as excinfo:
        load_study(study_dir, ct_folder=ct)
    assert _problems(excinfo) == ["sdtm_spec.xlsx [Codelists] row 3 column Term: 'X' is not a term of non-extensible SEX"]


def test_cdisc_codelist_takes_codes_and_decodes_from_ct(study_dir, spec_sheets, tmp_path):
    ct = tmp_path / "ct3"
    ct.mkdir()
    (ct / "ct_subset.csv").write_text(
        "codelist_code,codelist_id,codelist_name,extensible,term_code,term,decode\n"
        "C66731,SEX,Sex,No,C20197,M,Male\n"
        "C66731,SEX,Sex,No,C16576,F,Female\n"
    )
    spec_sheets["Codelists"][:2] = [
        {"ID": "SEX", "Name": "Sex", "NCI Codelist Code": "C66731", "Data Type": "text", "Terminology": "CDISC CT",
         "Order": 1, "Term": "F"},
    ]
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    sex = load_study(study_dir, ct_folder=ct).sdtm.codelists["SEX"]
    assert [(t.value, t.nci_code, t.decode) for t in sex.terms] == [("F", "C16576", "Female")]
    assert sex.extensible is False


def test_study_yaml_schema_errors_name_the_key():
    config = yaml.safe_load((REPO / "specs" / "alter_e003" / "study.yaml").read_text())
    config["study"]["registry_id"] = "05038813"
    config["analysis"]["recist"]["confirmation_min_days"] = "28 days"
    config["default_cutoff"] = "primary"
    document, problems = parse_study_config(config)
    assert document is None
    columns = sorted(p.column for p in problems)
    assert columns == ["analysis.recist.confirmation_min_days", "study.registry_id"]


def test_default_cutoff_must_name_a_cutoff():
    config = yaml.safe_load((REPO / "specs" / "alter_e003" / "study.yaml").read_text())
    config["default_cutoff"] = "primary"
    document, problems = parse_study_config(config)
    assert document is None and [p.column for p in problems] == ["default_cutoff"]


def test_invalid_yaml_is_a_spec_error(study_dir, empty_ct):
    (study_dir / "study.yaml").write_text(textwrap.dedent("""\
        study:
          id: [unclosed
    """))
    with pytest.raises(SpecError, match="not valid YAML"):
        load_study(study_dir, ct_folder=empty_ct)


def test_unknown_study_name_lists_known_ones():
    with pytest.raises(FileNotFoundError, match="alter_e003"):
        load_study("no_such_study")


def test_codelist_term_order_must_not_repeat(study_dir, spec_sheets, empty_ct):
    spec_sheets["Codelists"][1]["Order"] = 1
    write_workbook(study_dir / "sdtm_spec.xlsx", spec_sheets)
    with pytest.raises(SpecError, match=r"\[Codelists\] row 3 column Order: order 1 of SEX repeats row 2"):
        load_study(study_dir, ct_folder=empty_ct)
