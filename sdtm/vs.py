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

from sdtm.common import map_date, order_variables, read_subject_rows, split_after_cutoff
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.frames import add_columns, reset_rows
from sdtm.identifiers import compute_seq
from sdtm.lb import compute_lobxfl_subset, create_long_results, derive_vars_timing
from sdtm.units import format_number, load_units, numeric_unique

FORM = "vital_signs"


def map_vs(ctx: MappingContext) -> DomainResult:
    """Map the vital-signs form to VS."""
    units = load_units(ctx.study.folder)
    rows, (unknown, dups) = read_subject_rows(ctx, FORM)
    rows = add_columns(rows, VSDTC=map_date(rows, "VSDAT", ctx))
    rows, late = split_after_cutoff(rows, rows["VSDTC"], ctx)
    rows = derive_vars_timing(rows, ctx, dtc_var="VSDTC", dy_var="VSDY")
    tests = units.vs_tests
    data, no_result = create_long_results(
        rows, id_vars=["SOURCE_FILE", "SOURCE_ROW", "USUBJID", "VISIT", "VISITNUM", "VSDTC", "VSDY", "EPOCH", "_PRE"],
        value_vars=list(tests["COLUMN"]), var_name="COLUMN", value_name="VSORRES")
    empty = rows[no_result]
    data = reset_rows(data.merge(tests, on="COLUMN", how="left"))
    value = numeric_unique(data["VSORRES"])
    bad = value.isna()
    if bad.any():
        ctx.issues.add_rows(data[bad], column="COLUMN", check="VS001", severity="WARNING",
                            message="vital sign is not a number; kept in VSORRES, standard result empty")
    codelist = ctx.study.sdtm.codelists["VSTESTCD"]
    data["VSTEST"] = data["VSTESTCD"].map({t.value: t.decode for t in codelist.terms})
    data["VSORRESU"], data["VSSTRESN"], data["VSSTRESC"] = data["UNIT"], value, format_number(value)
    data["VSSTRESU"] = data["UNIT"].astype(object).where(value.notna(), None)
    data["STUDYID"], data["DOMAIN"] = ctx.studyid, "VS"
    data["VSSEQ"] = compute_seq(data, order=["VSDTC", "VISITNUM", "VSTESTCD"])
    data["VSLOBXFL"] = compute_lobxfl_subset(data, ctx, pre=data["_PRE"], by_vars=["USUBJID", "VSTESTCD"], dtc_var="VSDTC",
                                             result_var="VSSTRESC")
    data = data.drop(columns=["COLUMN", "UNIT", "_PRE"])
    excluded = pd.concat([late, empty[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="no vital sign recorded on the row")],
                         ignore_index=True)
    return DomainResult("VS", order_variables(data, ctx, "VS"), rejected=pd.concat([unknown, dups], ignore_index=True),
                        excluded=excluded[REASON_COLUMNS])
