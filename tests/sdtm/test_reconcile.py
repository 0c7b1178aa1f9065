"""The reconciliation ledger and its per-file summary."""

from __future__ import annotations

import pandas as pd

from sdtm.context import DomainResult
from sdtm.reconcile import LEDGER_COLUMNS, SUMMARY_COLUMNS, build_ledger, summarise

FILE_A, FILE_B = "site_01/ae.csv", "site_01/labs.xlsx[Chemistry]"


def _results() -> dict[str, DomainResult]:
    ae = pd.DataFrame({"SOURCE_FILE": [FILE_A, FILE_A], "SOURCE_ROW": [3, 2], "USUBJID": ["S-1", "S-1"], "AESEQ": [2, 1]})
    lb = pd.DataFrame({"SOURCE_FILE": [FILE_B, FILE_B, None], "SOURCE_ROW": [5, 2, None], "USUBJID": ["S-1", "S-2", "S-2"],
                       "LBSEQ": [1, 1, 2]})
    rejected = pd.DataFrame({"SOURCE_FILE": [FILE_A], "SOURCE_ROW": [4], "REASON": ["duplicate record"]})
    used = pd.DataFrame({"SOURCE_FILE": [FILE_B], "SOURCE_ROW": [2], "REASON": ["range"]})
    return {"AE": DomainResult("AE", ae, rejected=rejected), "LB": DomainResult("LB", lb, used=used)}


def test_ledger_lists_every_outcome_sorted_by_file_and_row():
    read = pd.DataFrame({"SOURCE_FILE": ["site_02/ae.csv"], "SOURCE_ROW": [2], "REASON": ["file is not valid UTF-8"]})
    ledger = build_ledger(_results(), read)
    assert list(ledger.columns) == LEDGER_COLUMNS
    assert ledger.astype(object).where(ledger.notna(), None).values.tolist() == [
        [FILE_A, 2, "mapped", "AE", "S-1", 1, None],
        [FILE_A, 3, "mapped", "AE", "S-1", 2, None],
        [FILE_A, 4, "rejected", "AE", None, None, "duplicate record"],
        [FILE_B, 2, "mapped", "LB", "S-2", 1, None],
        [FILE_B, 2, "contributed", "LB", None, None, "range"],
        [FILE_B, 5, "mapped", "LB", "S-1", 1, None],  # the derived record without a raw row is not listed
        ["site_02/ae.csv", 2, "rejected", None, None, None, "file is not valid UTF-8"],
    ]


def test_summary_counts_each_record_once_under_its_best_outcome():
    ledger = build_ledger(_results(), pd.DataFrame(columns=["SOURCE_FILE", "SOURCE_ROW", "REASON"]))
    # the workbook sheet has a blank row 3-4: its records are rows 2 and 5, two records delivered
    summary = summarise(ledger, {FILE_A: 4, FILE_B: 2, "site_01/cm.csv": 1})
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary.values.tolist() == [
        [FILE_A, 4, 3, 2, 0, 0, 1, 1],
        ["site_01/cm.csv", 1, 0, 0, 0, 0, 0, 1],
        [FILE_B, 2, 2, 2, 0, 0, 0, 0],
    ]


def test_summary_lists_a_file_missing_from_the_inventory_without_counting_it():
    ledger = build_ledger(_results(), pd.DataFrame(columns=["SOURCE_FILE", "SOURCE_ROW", "REASON"]))
    summary = summarise(ledger, {FILE_A: 3})
    assert summary.values.tolist() == [[FILE_A, 3, 3, 2, 0, 0, 1, 0], [FILE_B, 0, 0, 0, 0, 0, 0, 0]]
