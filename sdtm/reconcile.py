"""Reconciliation: every raw record is accounted for, mapped or not, with a reason.

The ledger has one line per (raw record, outcome): ``mapped`` into a domain record (with its
USUBJID and --SEQ), ``contributed`` a value to a record of another row, ``excluded`` by design
(e.g. after the cut-off, a criterion met) or ``rejected`` (unknown subject, duplicate,
unreadable file ...). The summary compares, per raw file, the records delivered (from the raw
inventory) with the records the ledger accounts for; the totals must agree exactly.
"""

from __future__ import annotations

import pandas as pd

from sdtm.context import DomainResult

LEDGER_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "STATUS", "DOMAIN", "USUBJID", "SEQ", "REASON"]
SUMMARY_COLUMNS = ["file", "raw_records", "accounted", "mapped", "contributed", "excluded", "rejected", "unaccounted"]


def build_ledger(results: dict[str, DomainResult], read_rejections: pd.DataFrame) -> pd.DataFrame:
    """The ledger of every outcome of every raw record (sorted by file and row)."""
    frames = []
    for name, result in results.items():
        data = result.data
        if {"SOURCE_FILE", "SOURCE_ROW"} <= set(data.columns) and not data.empty:
            seq = f"{name}SEQ"
            frames.append(pd.DataFrame({
                "SOURCE_FILE": data["SOURCE_FILE"], "SOURCE_ROW": data["SOURCE_ROW"], "STATUS": "mapped", "DOMAIN": name,
                "USUBJID": data["USUBJID"] if "USUBJID" in data else None, "SEQ": data[seq] if seq in data else None, "REASON": None,
            }))
        for status, frame in (("contributed", result.used), ("excluded", result.excluded), ("rejected", result.rejected)):
            if not frame.empty:
                frames.append(frame[["SOURCE_FILE", "SOURCE_ROW", "REASON"]].assign(STATUS=status, DOMAIN=name, USUBJID=None, SEQ=None))
    if not read_rejections.empty:
        frames.append(read_rejections[["SOURCE_FILE", "SOURCE_ROW", "REASON"]].assign(STATUS="rejected", DOMAIN=None, USUBJID=None, SEQ=None))
    if not frames:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    ledger = pd.concat(frames, ignore_index=True)[LEDGER_COLUMNS]
    ledger = ledger[ledger["SOURCE_FILE"].notna() & ledger["SOURCE_ROW"].notna()]  # derived records have no raw row
    ledger["SOURCE_ROW"] = ledger["SOURCE_ROW"].astype("int64")
    return ledger.sort_values(["SOURCE_FILE", "SOURCE_ROW", "DOMAIN", "SEQ"], kind="mergesort", na_position="last").reset_index(drop=True)


def summarise(ledger: pd.DataFrame, raw_counts: dict[str, int]) -> pd.DataFrame:
    """Per raw file: records delivered, accounted for (by their best outcome), unaccounted.

    A record counts once, under its best outcome: mapped > contributed > excluded > rejected.
    """
    rank = {"mapped": 0, "contributed": 1, "excluded": 2, "rejected": 3}
    best = (ledger.assign(_rank=ledger["STATUS"].map(rank))
            .sort_values(["SOURCE_FILE", "SOURCE_ROW", "_rank"], kind="mergesort")
            .drop_duplicates(["SOURCE_FILE", "SOURCE_ROW"]))
    rows = []
    for file in sorted(set(raw_counts) | set(best["SOURCE_FILE"])):
        outcomes = best[best["SOURCE_FILE"] == file]
        count = raw_counts.get(file, 0)
        within = outcomes[(outcomes["SOURCE_ROW"] >= 2) & (outcomes["SOURCE_ROW"] <= count + 1)]
        by_status = within["STATUS"].value_counts()
        accounted = len(within)
        rows.append({
            "file": file, "raw_records": count, "accounted": accounted,
            **{status: int(by_status.get(status, 0)) for status in rank},
            "unaccounted": count - accounted,
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
