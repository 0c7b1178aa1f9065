"""TR (Tumor/Lesion Results), SDTMIG 3.4 section 6.3.16: one record per lesion per assessment.

Sources: ``tumour_target`` (target lesion diameters), ``tumour_nontarget`` (non-target lesion
status) and ``tumour_new`` (new lesions), investigator assessment per RECIST 1.1:

| lesion     | TRTESTCD | TRORRES / TRSTRESC / TRSTRESN                                           |
|------------|----------|------------------------------------------------------------------------|
| target, non-nodal | LDIAM | diameter as collected / same / number, mm (TRORRESU, TRSTRESU)   |
| target, nodal | LPERP | short axis (RECIST 1.1 section 3.2: nodes are measured in short axis, the longest diameter perpendicular to the long axis; CDISC RECIST 1.1 supplement uses LPERP) |
| non-target | TUMSTATE | status as collected / PRESENT, ABSENT, UNEQUIVOCAL (TRPROPRS)            |
| new        | TUMSTATE | PRESENT (the CRF answers yes to a new lesion; SDTMIG 3.4 TU assumption 6) |

A lesion result not collected is a TRSTAT = "NOT DONE" record with the collected reason in
TRREASND (SDTMIG 3.4 section 4.5.1.2). The CRF collects no sum of diameters and TR derives none
(SDTMIG 3.4 TR assumption 3: results not collected belong in ADaM, here ADTR). TRLNKID = the
lesion id (T01, NT01, NEW01; TU.TULNKID); TRLNKGRP = the assessment (visit code + "-INV"; the
RECIST 1.1 overall response in RS carries the same RSLNKGRP). TRLOBXFL per lesion and test
(SDTMIG 3.4 --LOBXFL). Data issues: see :mod:`sdtm.oncology` (TR reports those of the lesion
forms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdtm.baseline import derive_var_lobxfl
from sdtm.common import finalise_domain, map_coded, numeric_text
from sdtm.context import DomainResult, MappingContext
from sdtm.frames import add_columns
from sdtm.oncology import (
    EVALUATOR,
    TumourForms,
    order_like_spec,
    prepare_tumour_forms,
    sort_by_subject,
    strip_text,
)

TEST_NAMES = {"LDIAM": "Longest Diameter", "LPERP": "Longest Perpendicular", "TUMSTATE": "Tumor State"}
"""TRTESTCD -> TRTEST (CDISC TRTESTCD C96779 / TRTEST C96778)."""

UNIT = "mm"
NOT_DONE = "NOT DONE"


def compute_number_text(numbers: pd.Series) -> pd.Series:
    """Numbers as result text without a trailing ``.0`` (23.0 -> "23", 23.5 -> "23.5").

    >>> compute_number_text(pd.Series([23.0, 23.5, float("nan")])).tolist()
    ['23', '23.5', None]
    """
    out = numbers.map({v: f"{v:g}" for v in pd.unique(numbers.dropna().to_numpy())}).astype(object)
    return out.where(out.notna(), None)


def derive_var_nodal(rows: pd.DataFrame, ctx: MappingContext) -> pd.Series:
    """Whether each target lesion row is a lymph node ("Y"/"N"), decided per lesion (check ONC005).

    Nodal status is a property of the lesion: the first known answer (by assessment date) of
    the lesion's rows decides for all of them. A row whose own answer differs, and a lesion
    without any answer (then measured as LDIAM), are reported.
    """
    answer = map_coded(rows, "TLNODAL", "NY", ctx)
    known = answer.where(answer.isin(["Y", "N"]))
    order = rows.assign(_answer=known.to_numpy())
    order = order.sort_values(["USUBJID", "_LNKID", "_DATE", "VISITNUM", "SOURCE_ROW"], kind="mergesort")
    lesion = order.groupby(["USUBJID", "_LNKID"], sort=False)["_answer"].transform("first").reindex(rows.index)
    differs = known.notna() & lesion.notna() & (known != lesion)
    if differs.any():
        ctx.issues.add_rows(rows[differs], column="TLNODAL", check="ONC005", severity="WARNING",
                            message="nodal status differs from the lesion's first answer; the first answer decides LDIAM/LPERP")
    missing = lesion.isna()
    if missing.any():
        ctx.issues.add_rows(rows[missing], column="TLNODAL", check="ONC005", severity="WARNING",
                            message="nodal status of the lesion is not known; measured as longest diameter (LDIAM)")
    return lesion.astype(object)


def _common(rows: pd.DataFrame) -> dict:
    return {"SOURCE_FILE": rows["SOURCE_FILE"].to_numpy(), "SOURCE_ROW": rows["SOURCE_ROW"].to_numpy(),
            "USUBJID": rows["USUBJID"].to_numpy(), "TRLNKGRP": rows["_LNKGRP"].to_numpy(), "TRLNKID": rows["_LNKID"].to_numpy(),
            "VISITNUM": rows["VISITNUM"].to_numpy(), "VISIT": rows["VISIT"].to_numpy(), "TRDTC": rows["_DTC"].to_numpy()}


def report_missing_results(rows: pd.DataFrame, result: pd.Series, reason: pd.Series, column: str, ctx: MappingContext) -> None:
    """ONC003: a lesion result missing with no reason recorded."""
    silent = result.isna() & reason.isna()
    if silent.any():
        ctx.issues.add_rows(rows[silent], column=column, check="ONC003", severity="WARNING",
                            message="lesion result missing and no reason recorded; TRSTAT NOT DONE")


def derive_target_results(rows: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """TR records of target lesions: LDIAM (non-nodal) or LPERP (nodal short axis), mm."""
    nodal = derive_var_nodal(rows, ctx)
    testcd = pd.Series(np.where(nodal.eq("Y"), "LPERP", "LDIAM"), index=rows.index)
    orres = strip_text(rows["TRDIAM"])
    number = numeric_text(orres)
    not_number = orres.notna() & number.isna()
    if not_number.any():
        ctx.issues.add_rows(rows[not_number], column="TRDIAM", check="ONC004", severity="ERROR",
                            message="diameter is not a number; kept as collected, TRSTRESN missing")
    reason = strip_text(rows["TRNDREAS"])
    report_missing_results(rows, orres, reason, "TRDIAM", ctx)
    return pd.DataFrame({
        **_common(rows),
        "TRTESTCD": testcd.to_numpy(), "TRTEST": testcd.map(TEST_NAMES).to_numpy(),
        "TRORRES": orres.to_numpy(), "TRORRESU": np.where(orres.notna(), UNIT, None),
        "TRSTRESC": compute_number_text(number).where(number.notna(), orres).to_numpy(),
        "TRSTRESN": number.to_numpy(), "TRSTRESU": np.where(number.notna(), UNIT, None),
        "TRSTAT": np.where(orres.isna(), NOT_DONE, None), "TRREASND": reason.where(orres.isna(), None).to_numpy(),
        "TRMETHOD": map_coded(rows, "TRMETHOD", "TUMETHOD", ctx).to_numpy(),
    })


def derive_nontarget_results(rows: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """TR records of non-target lesions: TUMSTATE as collected, standardised to TRPROPRS."""
    orres = strip_text(rows["NTSTAT"])
    report_missing_results(rows, orres, pd.Series(None, index=rows.index, dtype=object), "NTSTAT", ctx)
    return pd.DataFrame({
        **_common(rows),
        "TRTESTCD": "TUMSTATE", "TRTEST": TEST_NAMES["TUMSTATE"],
        "TRORRES": orres.to_numpy(), "TRSTRESC": map_coded(rows, "NTSTAT", "TUMSTATE", ctx).to_numpy(),
        "TRSTAT": np.where(orres.isna(), NOT_DONE, None),
        "TRMETHOD": map_coded(rows, "TRMETHOD", "TUMETHOD", ctx).to_numpy(),
    })


def derive_new_results(rows: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """TR records of new lesions: TUMSTATE PRESENT (SDTMIG 3.4 TU assumption 6)."""
    return pd.DataFrame({
        **_common(rows),
        "TRTESTCD": "TUMSTATE", "TRTEST": TEST_NAMES["TUMSTATE"], "TRORRES": "PRESENT", "TRSTRESC": "PRESENT",
        "TRMETHOD": map_coded(rows, "TRMETHOD", "TUMETHOD", ctx).to_numpy(),
    })


def derive_tr(forms: TumourForms, ctx: MappingContext) -> DomainResult:
    """TR from the prepared lesion forms, with the rows they set aside."""
    target, nontarget, new = forms.target, forms.nontarget, forms.new
    parts = [derive_target_results(target.data, ctx), derive_nontarget_results(nontarget.data, ctx),
             derive_new_results(new.data, ctx)]
    tr = add_columns(pd.concat([p for p in parts if not p.empty] or [parts[0]], ignore_index=True), TREVAL=EVALUATOR)
    tr = finalise_domain(tr, ctx, domain="TR", seq_order=["VISITNUM", "TRDTC", "TRLNKID", "TRTESTCD"],
                         dy={"TRDTC": "TRDY"}, epoch_from="TRDTC")
    tr = derive_var_lobxfl(tr, ctx.domain("DM"), by_vars=["USUBJID", "TRLNKID", "TRTESTCD"], dtc_var="TRDTC",
                           result_var="TRSTRESC", new_var="TRLOBXFL")
    rejected = pd.concat([target.rejected, nontarget.rejected, new.rejected], ignore_index=True)
    excluded = pd.concat([target.excluded, nontarget.excluded, new.excluded], ignore_index=True)
    return DomainResult("TR", order_like_spec(sort_by_subject(tr, "TRSEQ"), ctx, "TR"), rejected=rejected, excluded=excluded)


def map_tr(ctx: MappingContext) -> DomainResult:
    """Map the target, non-target and new-lesion forms to TR (needs DM; SE for EPOCH).

    :func:`sdtm.oncology.map_tumour` maps TU, TR and RS in one pass.
    """
    return derive_tr(prepare_tumour_forms(ctx, response=False), ctx)
