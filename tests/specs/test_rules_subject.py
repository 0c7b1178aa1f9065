"""SDTM subject- and study-level rules (specs/rules/sdtm_subject_rules.py): DM, death, arms and
exposure, disposition, trial summary and design, SUPP-- and RELREC. Each fires on one change to
the conformant study of ``rules_study`` and stays silent on a conformant near miss."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rules_study, the shared test study
from rules_study import both, duplicate, findings_of, remove, setv

FIRES = [
    ("SDTM0040", remove("DM"), ("DM", None, "DATASET")),
    ("SDTM0041", duplicate("DM", 0), ("DM", 3, "USUBJID")),
    ("SDTM0042", setv("DM", 1, "SUBJID", "001"), ("DM", 1, "STUDYID, SUBJID")),
    ("SDTM0043", setv("DM", 0, "RFENDTC", "2022-02-28"), ("DM", 0, "RFSTDTC, RFENDTC")),
    ("SDTM0044", setv("DM", 0, "RFXENDTC", None), ("DM", 0, "RFXSTDTC, RFXENDTC")),
    ("SDTM0045", setv("DM", 0, "AGE", -1.0), ("DM", 0, "AGE")),
    ("SDTM0046", setv("DM", 0, "AGEU", None), ("DM", 0, "AGE, AGEU")),
    ("SDTM0047", setv("DM", 1, "DTHDTC", None), ("DM", 1, "DTHFL, DTHDTC")),
    ("SDTM0048", setv("DM", 1, "DTHFL", None), ("DM", 1, "DTHDTC, DTHFL")),
    ("SDTM0049", setv("DS", 2, "DSSTDTC", "2022-05-11"), ("DS", 2, "USUBJID, DSDECOD, DSSTDTC, DTHDTC")),
    ("SDTM0050", setv("DS", 2, "DSDECOD", "ADVERSE EVENT"), ("DM", 1, "USUBJID, DTHFL")),
    ("SDTM0051", setv("DM", 1, "DTHFL", "N"), ("AE", 1, "USUBJID, AEOUT, AESDTH, DTHFL")),
    ("SDTM0052", setv("AE", 1, "AESDTH", "N"), ("AE", 1, None)),
    ("SDTM0053", setv("AE", 0, "AESHOSP", "Y"), ("AE", 0, None)),
    ("SDTM0054", remove("EX", [1]), ("DM", 1, "USUBJID, ACTARMCD")),
    ("SDTM0055", duplicate("EX", 0, USUBJID="S1-003"), ("EX", 2, "USUBJID, ACTARMCD")),
    ("SDTM0056", setv("DM", 2, "ARMCD", "NOTASSGN"), ("DM", 2, None)),
    ("SDTM0057", setv("DM", 1, "ACTARM", "Drug A 10 mg"), ("DM", 0, "ACTARMCD, ACTARM")),
    ("SDTM0058", setv("DM", 1, "ARM", "Drug A 10 mg"), ("DM", 1, "ARMCD, ARM")),
    ("SDTM0059", setv("DM", 0, "ARMCD", "B"), ("DM", 0, "ARMCD, ACTARMCD")),
    ("SDTM0060", both(setv("DM", 0, "ACTARM", "Screen Failure")), ("DM", 0, "USUBJID, ARM, ACTARM")),
    ("SDTM0061", setv("DM", 0, "RFSTDTC", None), ("DM", 0, "USUBJID, ACTARMCD, RFSTDTC")),
    ("SDTM0062", remove("DS"), ("DS", None, "DATASET")),
    ("SDTM0063", remove("DS", [3]), ("DM", 2, "USUBJID")),
    ("SDTM0064", setv("AE", 1, "AESTDTC", "2022-05-11"), ("AE", 1, "USUBJID, AESTDTC, DSSTDTC")),
    ("SDTM0065", setv("DS", 1, "EPOCH", None), ("DS", 1, "DSCAT, EPOCH")),
    ("SDTM0066", setv("TS", 28, "TSPARMCD", "SSTDT"), ("TS", None, "TSPARMCD")),
    ("SDTM0066", remove("TS"), ("TS", None, "TSPARMCD")),
    ("SDTM0067", remove("TS", [7]), ("TS", None, "TSPARMCD")),
    ("SDTM0068", remove("TS", [29]), ("TS", None, "TSPARMCD")),
    ("SDTM0069", duplicate("TS", 2, TSSEQ=2.0), ("TS", 30, "TSPARMCD")),
    ("SDTM0070", setv("TS", 3, "TSVAL", "2 years"), ("TS", 3, "TSPARMCD, TSVAL")),
    ("SDTM0071", setv("TS", 0, "TSPARM", "A" * 41), ("TS", 0, "TSPARM")),
    ("SDTM0072", setv("SE", 1, "ETCD", "TRTX"), ("SE", 1, "ETCD")),
    ("SDTM0073", setv("TE", 1, "ELEMENT", "Screening"), ("TE", 0, "ELEMENT, ETCD")),
    ("SDTM0074", setv("SUPPAE", 0, "QNAM", "AE_TREATEMENT"), ("SUPPAE", 0, "QNAM")),
    ("SDTM0075", duplicate("SUPPAE", 0, QVAL="N"), ("SUPPAE", 1, None)),
    ("SDTM0076", setv("SUPPAE", 0, "IDVARVAL", "2"), ("SUPPAE", 0, "RDOMAIN, USUBJID, IDVAR, IDVARVAL, QNAM")),
    ("SDTM0076", setv("SUPPDM", 0, "USUBJID", "S1-999"), ("SUPPDM", 0, None)),
    ("SDTM0077", duplicate("SUPPAE", 0, USUBJID="S1-002", QLABEL="TEAE"), ("SUPPAE", 0, "QNAM, QLABEL")),
    ("SDTM0078", duplicate("SUPPAE", 0, USUBJID="S1-002", QNAM="TEAE"), ("SUPPAE", 0, "QLABEL, QNAM")),
    ("SDTM0079", both(setv("SUPPDM", 0, "IDVAR", "DMSEQ"), setv("SUPPDM", 0, "IDVARVAL", "1")), ("SUPPDM", 0, None)),
    ("SDTM0080", setv("RELREC", 1, "IDVARVAL", "7"), ("RELREC", 1, None)),
    ("SDTM0081", setv("RELREC", 0, "RELTYPE", "ONE"), ("RELREC", 0, "IDVAR, RELTYPE")),
]

SILENT = [
    ("SDTM0064", remove("DS", [1])),  # S1-001 still on treatment: consent is a milestone, not a disposition event
    ("SDTM0042", setv("DM", 1, "SUBJID", "004")),
    ("SDTM0043", setv("DM", 0, "RFENDTC", "2022-03")),  # partial end in the start month
    ("SDTM0049", setv("DS", 2, "DSSTDTC", "2022-05-10T08:00")),  # same date, with a time
    ("SDTM0052", both(setv("AE", 1, "AESDTH", "N"), setv("AE", 1, "AESHOSP", "Y"))),
    ("SDTM0054", both(remove("EX", [0]), setv("DM", 0, "ACTARMCD", "NOTTRT"))),  # not treated: no EX needed
    ("SDTM0059", setv("DM", 2, "ARMCD", "NOTASSGN")),  # not-treated codes need no TA arm
    ("SDTM0066", setv("TS", 28, "TSVAL", "2022-02")),  # a partial date is still a value
    ("SDTM0067", setv("TS", 1, "TSVALNF", "PINF")),  # AGEMAX given as a null flavor
    ("SDTM0068", setv("TS", 20, "TSVAL", "OBSERVATIONAL")),  # INTTYPE is only needed when interventional
    ("SDTM0072", setv("SE", 1, "ETCD", "UNPLAN")),
    ("SDTM0074", setv("SUPPAE", 0, "QNAM", "AETRTEM1")),
    ("SDTM0076", setv("SUPPAE", 0, "IDVARVAL", " 1")),  # padded text of the same --SEQ
    ("SDTM0081", both(setv("RELREC", 0, "IDVAR", "AESPID"), setv("RELREC", 0, "RELTYPE", "ONE"))),
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
        assert row in set(hit["row"].dropna().astype(int)), hit
    if variables is not None:
        assert variables in set(hit["variables"]), hit["variables"].tolist()


@pytest.mark.parametrize("rule, change", SILENT, ids=[f"{r}-{i}" for i, (r, _) in enumerate(SILENT)])
def test_rule_silent_on_near_miss(rule, change):
    assert findings_of(rule, change).empty
