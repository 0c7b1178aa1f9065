"""SUPP-- split."""

from __future__ import annotations

import pandas as pd

from sdtm.suppqual import SUPP_COLUMNS, Qualifier, create_supp


def test_one_record_per_parent_and_qualifier_with_a_value():
    ae = pd.DataFrame(
        {
            "STUDYID": ["S"] * 3,
            "USUBJID": ["S-01-002", "S-01-001", "S-01-001"],
            "AESEQ": [1, 10, 2],
            "REL1": ["RELATED", "NOT RELATED", None],
            "REL2": ["NOT RELATED", "", "RELATED"],
        }
    )
    supp = create_supp(
        ae,
        rdomain="AE",
        idvar="AESEQ",
        qualifiers=[
            Qualifier("REL1", "AEREL1", "Relationship to Anlotinib", "Collected", "INVESTIGATOR"),
            Qualifier("REL2", "AEREL2", "Relationship to Benmelstobart", "Collected", "INVESTIGATOR"),
        ],
    )
    assert list(supp.columns) == SUPP_COLUMNS
    # sorted by subject, then numerically by AESEQ (2 before 10), then qualifier order
    assert supp[["USUBJID", "IDVARVAL", "QNAM", "QVAL"]].values.tolist() == [
        ["S-01-001", "2", "AEREL2", "RELATED"],
        ["S-01-001", "10", "AEREL1", "NOT RELATED"],
        ["S-01-002", "1", "AEREL1", "RELATED"],
        ["S-01-002", "1", "AEREL2", "NOT RELATED"],
    ]
    assert set(supp["RDOMAIN"]) == {"AE"} and set(supp["IDVAR"]) == {"AESEQ"}


def test_no_qualifiers_gives_empty_frame_with_columns():
    supp = create_supp(pd.DataFrame({"STUDYID": [], "USUBJID": [], "AESEQ": []}), rdomain="AE", qualifiers=[], idvar="AESEQ")
    assert list(supp.columns) == SUPP_COLUMNS and supp.empty


def test_numeric_qualifier_values_and_whitespace_cells():
    data = pd.DataFrame({"STUDYID": ["S"] * 3, "USUBJID": ["A", "A", "B"], "EXSEQ": [2, 1, 1],
                         "DAYS": [14.0, float("nan"), 7.5], "NOTE": ["  ", "x", None]})
    supp = create_supp(data, rdomain="EX", idvar="EXSEQ",
                       qualifiers=[Qualifier("DAYS", "EXTKDAYS", "Days", "CRF"), Qualifier("NOTE", "EXNOTE", "Note", "CRF")])
    assert supp[["USUBJID", "IDVARVAL", "QNAM", "QVAL"]].values.tolist() == [
        ["A", "1", "EXNOTE", "x"], ["A", "2", "EXTKDAYS", "14.0"], ["B", "1", "EXTKDAYS", "7.5"]]
