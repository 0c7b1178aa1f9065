"""SDTM cross-domain rules (specs/rules/sdtm_rules.py): each fires on one change to the
conformant study of ``rules_study`` and stays silent on a near miss that is conformant."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rules_study, the shared test study
from rules_study import both, drop, duplicate, findings_of, setv

FIRES = [
    ("SDTM0001", setv("AE", 0, "AEDECOD", None), ("AE", 0, "AEDECOD")),
    ("SDTM0001", setv("DM", 1, "SEX", "  "), ("DM", 1, "SEX")),
    ("SDTM0002", drop("AE", "AETERM"), ("AE", None, "VARIABLE")),
    ("SDTM0003", drop("DM", "RFSTDTC"), ("DM", None, "VARIABLE")),
    ("SDTM0004", setv("AE", 1, "DOMAIN", "EA"), ("AE", 1, "DOMAIN")),
    ("SDTM0005", setv("DS", 1, "DSSEQ", 1.0), ("DS", 1, "USUBJID, DSSEQ")),
    ("SDTM0006", setv("AE", 1, "USUBJID", "S1-999"), ("AE", 1, "USUBJID")),
    ("SDTM0007", setv("LB", 2, "STUDYID", "S2"), ("LB", 2, "STUDYID")),
    ("SDTM0008", duplicate("LB", 0, LBSEQ=9.0), ("LB", 3, None)),
    ("SDTM0009", setv("LB", 0, "LBTESTCD", "1ALT"), ("LB", 0, "LBTESTCD")),
    ("SDTM0009", setv("LB", 0, "LBTESTCD", "ALANINEAT"), ("LB", 0, "LBTESTCD")),
    ("SDTM0010", setv("LB", 1, "LBTEST", "A" * 41), ("LB", 1, "LBTEST")),
    ("SDTM0011", setv("LB", 2, "LBTEST", "ALT"), ("LB", 0, "LBTESTCD, LBTEST")),
    ("SDTM0012", setv("AE", 0, "AESTDTC", "05MAR2022"), ("AE", 0, "AESTDTC")),
    ("SDTM0012", setv("AE", 0, "AEENDTC", "2022-02-30"), ("AE", 0, "AEENDTC")),
    ("SDTM0013", setv("TE", 0, "TEDUR", "14 days"), ("TE", 0, "TEDUR")),
    ("SDTM0014", setv("AE", 0, "AEENDTC", "2022-03-04"), ("AE", 0, "AESTDTC, AEENDTC")),
    ("SDTM0015", setv("LB", 0, "LBENDTC", "2022-02-28"), ("LB", 0, "LBDTC, LBENDTC")),
    ("SDTM0016", setv("AE", 0, "AEENDY", 2.0), ("AE", 0, "AESTDY, AEENDY")),
    ("SDTM0017", setv("LB", 2, "LBDY", 7.0), ("LB", 2, "LBDY, LBDTC, RFSTDTC")),
    ("SDTM0017", setv("LB", 2, "LBDY", None), ("LB", 2, "LBDY, LBDTC, RFSTDTC")),
    ("SDTM0018", setv("AE", 0, "AESTDY", 4.0), ("AE", 0, "AESTDY, AESTDTC, RFSTDTC")),
    ("SDTM0019", setv("EX", 1, "EXENDY", 69.0), ("EX", 1, "EXENDY, EXENDTC, RFSTDTC")),
    ("SDTM0020", setv("DS", 0, "DSSTDY", 0.0), ("DS", 0, "DSSTDY")),
    ("SDTM0021", both(setv("LB", 2, "LBDTC", "2022-03"), setv("LB", 2, "LBDY", 8.0)), ("LB", 2, "LBDY, LBDTC, RFSTDTC")),
    ("SDTM0022", setv("AE", 0, "AESTDTC", "2022-07-02"), ("AE", 0, "AESTDTC, RFPENDTC")),
    ("SDTM0023", setv("LB", 0, "LBSTRESN", 31.0), ("LB", 0, "LBSTRESC, LBSTRESN")),
    ("SDTM0024", setv("LB", 0, "LBSTRESC", None), ("LB", 0, "LBORRES, LBSTRESC")),
    ("SDTM0025", both(setv("LB", 2, "LBSTRESU", "U/L")), ("LB", 2, "LBSTRESU, LBSTRESC")),
    ("SDTM0026", setv("LB", 2, "LBORRESU", "U/L"), ("LB", 2, "LBORRESU, LBORRES")),
    ("SDTM0027", setv("LB", 2, "LBORRES", "31"), ("LB", 2, "LBSTAT, LBORRES")),
    ("SDTM0028", setv("LB", 0, "LBREASND", "NOT NEEDED"), ("LB", 0, "LBREASND, LBSTAT")),
    ("SDTM0029", setv("LB", 0, "LBSTNRHI", 5.0), ("LB", 0, "LBSTNRLO, LBSTNRHI")),
    ("SDTM0030", setv("LB", 0, "LBNRIND", "HIGH"), ("LB", 0, "LBNRIND, LBSTRESN, LBSTNRLO, LBSTNRHI")),
    ("SDTM0031", setv("EX", 0, "EXDOSE", -10.0), ("EX", 0, "EXDOSE")),
    ("SDTM0032", setv("EX", 0, "EXDOSU", None), ("EX", 0, "EXDOSE, EXDOSU")),
    ("SDTM0033", both(drop("AE", "AETOXGR"), setv("AE", 0, "AETOX", "NAUSEA")), ("AE", None, "VARIABLE")),
    ("SDTM0034", setv("AE", 0, "AETOXGR", "0"), ("AE", 0, "AETOXGR")),
    ("SDTM0035", setv("AE", 0, "EPOCH", "RUN-IN"), ("AE", 0, "EPOCH")),
    ("SDTM0036", setv("LB", 2, "VISITNUM", 1.0), ("LB", 2, "VISITNUM, VISIT")),
    ("SDTM0037", setv("LB", 2, "VISIT", "WEEK 1"), ("LB", 2, "VISIT, VISITNUM")),
    ("SDTM0038", setv("SV", 1, "VISIT", "WEEK TWO"), ("SV", 1, "VISITNUM, VISIT")),
    ("SDTM0039", both(setv("LB", 2, "VISITNUM", 3.0), setv("LB", 2, "VISIT", "WEEK 3")), ("LB", 2, "USUBJID, VISITNUM")),
]

SILENT = [
    ("SDTM0001", setv("AE", 0, "AESPID", None)),  # a Perm variable may be null
    ("SDTM0004", setv("LB", 0, "DOMAIN", "LB")),  # split dataset LBCH is covered by the engine test
    ("SDTM0005", setv("DS", 2, "DSSEQ", 2.0)),  # the same --SEQ in another subject
    ("SDTM0008", duplicate("LB", 0, LBSEQ=9.0, VISITNUM=2.0, VISIT="WEEK 2", LBDTC="2022-03-08", LBDY=8.0)),
    ("SDTM0008", duplicate("LB", 0, LBSEQ=9.0, LBTSTDTL="PREDICTED AMINO ACID CHANGE")),  # another detail of the test
    ("SDTM0008", duplicate("LB", 0, LBSEQ=9.0, LBANTREG="STROMA")),  # another region of the location
    ("SDTM0008", duplicate("LB", 0, LBSEQ=9.0, LBGRPID="V02")),  # another group (in GF: another variant)
    ("SDTM0008", duplicate("LB", 0, LBSEQ=9.0, LBSYM="FAT1")),  # another gene symbol
    ("SDTM0009", setv("LB", 0, "LBTESTCD", "ALT_2")),
    ("SDTM0010", setv("LB", 1, "LBTEST", "A" * 40)),
    ("SDTM0012", setv("AE", 0, "AEENDTC", "2022---10")),  # missing month written with a hyphen
    ("SDTM0012", setv("AE", 0, "AESTDTC", "2022-03-05T10:15/2022-03-05T12:00")),  # interval of uncertainty
    ("SDTM0013", setv("TE", 0, "TEDUR", "P2W")),
    ("SDTM0014", setv("AE", 0, "AEENDTC", "2022-03")),  # same month at the common precision
    ("SDTM0017", setv("LB", 2, "LBDTC", "2022-03")),  # partial date: no expected --DY (and none given)
    ("SDTM0020", setv("DS", 0, "DSSTDY", -1.0)),
    ("SDTM0023", setv("LB", 0, "LBSTRESC", "30.0")),  # the same number written differently
    ("SDTM0030", both(setv("LB", 0, "LBSTRESN", 40.0), setv("LB", 0, "LBSTRESC", "40"), setv("LB", 0, "LBORRES", "40"))),
    ("SDTM0035", setv("AE", 0, "EPOCH", "SCREENING")),
    ("SDTM0038", both(setv("SV", 1, "VISITNUM", 2.1), setv("SV", 1, "VISIT", "UNSCHEDULED 2.1"))),
]


@pytest.mark.parametrize("rule, change, expected", FIRES, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(FIRES)])
def test_rule_fires(rule, change, expected):
    found = findings_of(rule, change)
    dataset, row, variables = expected
    assert not found.empty, f"{rule} did not fire"
    hit = found[found["dataset"] == dataset]
    assert not hit.empty, found
    if row is None:
        assert hit["row"].isna().all()
    else:
        assert row in set(hit["row"].dropna().astype(int))
    if variables is not None:
        assert variables in set(hit["variables"]), hit["variables"].tolist()


@pytest.mark.parametrize("rule, change", SILENT, ids=[f"{r}-{i}" for i, (r, _) in enumerate(SILENT)])
def test_rule_silent_on_near_miss(rule, change):
    assert findings_of(rule, change).empty
