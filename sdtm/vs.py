"""VS (Vital Signs), SDTMIG 3.4 section 6.3.5.9: the vital-signs form, one column per test.

One VS record per measurement (wide -> long, vectorised). The form collects no units: each
field's unit is the one the CRF prints (``lab_units.yaml`` ``vs_tests``), which is also the
standard unit, so VSSTRESN = VSORRES as a number (MT.VSSTRESN: unchanged in the same unit).

| variable          | rule                                                                 |
|-------------------|----------------------------------------------------------------------|
| VSTESTCD/VSTEST   | from the column through ``lab_units.yaml``; VSTEST = codelist decode  |
| VSORRES/VSORRESU  | the cell as exported / the CRF unit                                   |
| VSSTRESN/VSSTRESC/VSSTRESU | the number, its text, the unit                               |
| VSLOBXFL          | :func:`sdtm.baseline.derive_var_lobxfl` by USUBJID, VSTESTCD          |
| VSDTC/VSDY/EPOCH  | VSDAT (site date convention); VSDY from RFSTDTC; EPOCH from SE        |
| VISIT/VISITNUM    | visit name of the form; VISITNUM from the planned visit code          |

Rows after the data cut-off and rows without any measurement are excluded. Check VS001
(WARNING): a measurement that is not a number (kept in VSORRES, standard result empty).
"""

from __future__ import annotations

import pandas as pd

from sdtm.baseline import derive_var_lobxfl
from sdtm.common import (
    add_subject_keys,
    finalise_domain,
    map_date,
    numeric_text,
    reject_unknown_subjects,
    split_after_cutoff,
    split_duplicates,
)
from sdtm.context import DomainResult, MappingContext
from sdtm.lb import compute_visitnum, order_variables
from sdtm.units import format_number, load_units

FORM = "vital_signs"
REASON_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "REASON"]


def map_vs(ctx: MappingContext) -> DomainResult:
    """Map the vital-signs form to VS."""
    units = load_units(ctx.study.folder)
    raw = ctx.form(FORM).data
    rows = add_subject_keys(raw, ctx)
    rows, unknown = reject_unknown_subjects(rows, ctx)
    rows, dups = split_duplicates(rows, [c for c in raw.columns if c != "SOURCE_ROW"], ctx)
    rows = rows.assign(VSDTC=map_date(rows, "VSDAT", ctx))
    rows, late = split_after_cutoff(rows, rows["VSDTC"], ctx)
    tests = units.vs_tests
    data = rows.melt(id_vars=["SOURCE_FILE", "SOURCE_ROW", "USUBJID", "VISIT", "VISITNAME", "VSDTC"],
                     value_vars=list(tests["COLUMN"]), var_name="COLUMN", value_name="VSORRES")
    data = data[data["VSORRES"].notna() & (data["VSORRES"].astype(str).str.strip() != "")]
    keys = pd.MultiIndex.from_frame(data[["SOURCE_FILE", "SOURCE_ROW"]])
    empty = rows[~pd.MultiIndex.from_frame(rows[["SOURCE_FILE", "SOURCE_ROW"]]).isin(keys)]
    data = data.merge(tests, on="COLUMN", how="left").reset_index(drop=True)
    value = numeric_text(data["VSORRES"])
    bad = value.isna()
    if bad.any():
        ctx.issues.add_rows(data[bad], column="COLUMN", check="VS001", severity="WARNING",
                            message="vital sign is not a number; kept in VSORRES, standard result empty")
    codelist = ctx.study.sdtm.codelists["VSTESTCD"]
    data = data.assign(
        VSTEST=data["VSTESTCD"].map({t.value: t.decode for t in codelist.terms}),
        VSORRESU=data["UNIT"], VSSTRESN=value, VSSTRESC=format_number(value),
        VSSTRESU=data["UNIT"].astype(object).where(value.notna(), None), VISIT=data["VISITNAME"], VISITNUM=compute_visitnum(data["VISIT"]),
    )
    data = finalise_domain(data, ctx, domain="VS", seq_order=["VSDTC", "VISITNUM", "VSTESTCD"], dy={"VSDTC": "VSDY"},
                           epoch_from="VSDTC")
    data = derive_var_lobxfl(data, ctx.domain("DM"), by_vars=["USUBJID", "VSTESTCD"], dtc_var="VSDTC",
                             result_var="VSSTRESC", new_var="VSLOBXFL")
    data = data.drop(columns=["COLUMN", "UNIT", "VISITNAME"])
    excluded = pd.concat([late, empty[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="no vital sign recorded on the row")],
                         ignore_index=True)
    return DomainResult("VS", order_variables(data, ctx, "VS"), rejected=pd.concat([unknown, dups], ignore_index=True),
                        excluded=excluded[REASON_COLUMNS])
