"""IE (Inclusion/Exclusion Criteria Not Met), SDTMIG 3.4 section 6.3.4: criteria not met only.

Source: the eligibility form (one row per criterion per subject, answer Y/N through value map
NY). SDTMIG 3.4 IE assumption 1: IE holds only the criteria a subject did not meet: an inclusion
criterion answered N (IEORRES "N") or an exclusion criterion answered Y (IEORRES "Y"). Criteria
that were met are excluded by design (listed with that reason); a criterion without an answer is
rejected (check IE001).

| variable         | rule                                                                 |
|------------------|----------------------------------------------------------------------|
| IETESTCD/IETEST/IECAT | as collected (the same codes and texts as TI)                    |
| IEORRES/IESTRESC | the answer (Y/N)                                                      |
| IEDTC            | the date of the subject's visit of the eligibility row in the visit-date form (the form itself has no date); that visit-date row is listed as contributing |
| IEDY/EPOCH       | from RFSTDTC (empty for screen failures) / SE (SCREENING)              |

Checks: IE001 (ERROR) criterion not answered; IE002 (WARNING) IETEST longer than 200 characters
(kept whole; the spec length check reports it); IE003 (WARNING) no visit date for the row's visit.
"""

from __future__ import annotations

import pandas as pd

from sdtm.common import (
    finalise_domain,
    map_coded,
    map_date,
    order_variables,
    read_keyed_rows,
    read_subject_rows,
    split_after_cutoff,
)
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.frames import add_columns
from sdtm.visits import compute_planned_visitnum

FORM = "eligibility"
VISIT_FORM = "visit_dates"


def derive_var_iedtc(rows: pd.DataFrame, ctx: MappingContext) -> tuple[pd.Series, pd.DataFrame]:
    """IEDTC: the subject's visit date (visit-date form) of the row's VISIT; and the rows used."""
    visits = read_keyed_rows(ctx, VISIT_FORM)
    visits = add_columns(visits, _DTC=map_date(visits, "VISDAT", ctx)).dropna(subset=["_DTC"])
    visits = visits.sort_values(["USUBJID", "VISIT", "_DTC"], kind="mergesort").drop_duplicates(["USUBJID", "VISIT"])
    matched = rows[["USUBJID", "VISIT"]].merge(visits[["USUBJID", "VISIT", "_DTC", "SOURCE_FILE", "SOURCE_ROW"]],
                                               on=["USUBJID", "VISIT"], how="left")
    missing = matched["_DTC"].isna().to_numpy()
    if missing.any():
        first = rows[missing].drop_duplicates(["USUBJID", "VISIT"])
        ctx.issues.add_rows(first, column="VISIT", check="IE003", severity="WARNING",
                            message="no visit date for this visit in the visit-date form; IEDTC empty")
    used = matched.dropna(subset=["SOURCE_ROW"]).drop_duplicates(["SOURCE_FILE", "SOURCE_ROW"])
    used = used[["SOURCE_FILE", "SOURCE_ROW"]].astype({"SOURCE_ROW": "int64"}).assign(REASON="IE.IEDTC (date of the eligibility visit)")
    dtc = pd.Series(matched["_DTC"].to_numpy(), index=rows.index, dtype=object)
    return dtc.where(dtc.notna(), None), used


def map_ie(ctx: MappingContext) -> DomainResult:
    """Map the eligibility criteria not met to IE."""
    rows, (unknown, dups) = read_subject_rows(ctx, FORM)
    answer = map_coded(rows, "IEORRES", "NY", ctx)
    category = rows["IECAT"].astype(str).str.strip().str.upper()
    unanswered = answer.isna() | ~answer.isin(["Y", "N"])
    if unanswered.any():
        ctx.issues.add_rows(rows[unanswered.to_numpy()], column="IEORRES", check="IE001", severity="ERROR",
                            message="criterion has no Y/N answer; not mapped")
    not_met = ((category == "INCLUSION") & (answer == "N")) | ((category == "EXCLUSION") & (answer == "Y"))
    met = ~not_met & ~unanswered
    excluded = [rows.loc[met.to_numpy(), ["SOURCE_FILE", "SOURCE_ROW"]].assign(
        REASON="criterion met: IE holds only criteria not met (SDTMIG 3.4 IE assumption 1)")]
    rejected = [unknown, dups, rows.loc[unanswered.to_numpy(), ["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="criterion not answered")]
    chosen = rows[not_met.to_numpy()]
    long_text = chosen["IETEST"].astype(str).str.len() > 200
    if long_text.any():
        ctx.issues.add_rows(chosen[long_text], column="IETEST", check="IE002", severity="WARNING",
                            message="criterion text longer than 200 characters")
    iedtc, used = derive_var_iedtc(chosen, ctx)
    data = pd.DataFrame({
        "SOURCE_FILE": chosen["SOURCE_FILE"], "SOURCE_ROW": chosen["SOURCE_ROW"], "USUBJID": chosen["USUBJID"],
        "IETESTCD": chosen["IETESTCD"].astype(str).str.strip(), "IETEST": chosen["IETEST"].astype(str).str.strip(),
        "IECAT": category[not_met], "IEORRES": answer[not_met], "IESTRESC": answer[not_met],
        "VISITNUM": compute_planned_visitnum(chosen["VISIT"]), "VISIT": chosen["VISITNAME"], "IEDTC": iedtc,
    })
    data, late = split_after_cutoff(data, data["IEDTC"], ctx)
    excluded.append(late)
    data = finalise_domain(data.reset_index(drop=True), ctx, domain="IE", seq_order=["IETESTCD"], dy={"IEDTC": "IEDY"},
                           epoch_from="IEDTC")
    frames = [f for f in rejected if not f.empty]
    return DomainResult("IE", order_variables(data, ctx, "IE"),
                        rejected=pd.concat(frames, ignore_index=True)[REASON_COLUMNS] if frames else pd.DataFrame(columns=REASON_COLUMNS),
                        excluded=pd.concat(excluded, ignore_index=True)[REASON_COLUMNS], used=used)
