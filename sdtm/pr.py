"""PR (Procedures), SDTMIG 3.4 section 6.1.5: prior cancer surgery/radiotherapy and subsequent radiotherapy.

Sources: the prior therapy and subsequent therapy forms, rows whose therapy type has a category
(value map THERCAT) of the spec's PRCAT codelist (PRIOR CANCER SURGERY, PRIOR RADIOTHERAPY,
SUBSEQUENT RADIOTHERAPY, SUBSEQUENT CANCER SURGERY); the systemic therapies of the same forms go to
CM (:mod:`sdtm.cm`, which also reports and rejects duplicates, unknown subjects and unknown therapy
types of these forms, once).

PRTRT is the verbatim as written; PRDECOD (CDISC PROCEDUR) and PRLOC (CDISC LOC) come from the study
procedure table (CT 2022-09-30 has no oesophagectomy term: EXCISION + PRLOC ESOPHAGUS, COM.PR).
Dates keep partial precision; procedures starting after the cut-off are excluded. The prior therapy
setting/intent goes to SUPPPR.TRTINTNT.
"""

from __future__ import annotations

import pandas as pd

from sdtm.cm import SETTING, read_therapies
from sdtm.coding import code_procedures, compute_text
from sdtm.common import finalise_domain, map_coded, map_date, order_variables, split_after_cutoff
from sdtm.context import DomainResult, MappingContext
from sdtm.frames import reset_rows
from sdtm.suppqual import create_supp


def build_procedures(rows: pd.DataFrame, spec: tuple, ctx: MappingContext) -> pd.DataFrame:
    """PR records of the procedure rows of one therapy form."""
    _, _, trt, start, end, setting = spec
    pr = rows[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID"]].copy()
    pr["PRTRT"] = compute_text(rows[trt])
    pr = pr.join(code_procedures(rows, trt, ctx))
    pr["PRCAT"] = rows["_CAT"]
    pr["PRSTDTC"] = map_date(rows, start, ctx)
    pr["PRENDTC"] = map_date(rows, end, ctx)
    pr["TRTINTNT"] = map_coded(rows, setting, "TRTINTNT", ctx) if setting else None
    return pr


def map_pr(ctx: MappingContext) -> list[DomainResult]:
    """Map prior/subsequent surgery and radiotherapy to PR (+ SUPPPR)."""
    forms, _ = read_therapies(ctx, codelist="PRCAT", report=False)
    frames = [build_procedures(rows, spec, ctx) for spec, rows in forms]
    pr = pd.concat(frames, ignore_index=True)
    pr, after_cutoff = split_after_cutoff(pr, pr["PRSTDTC"], ctx)
    pr = finalise_domain(pr, ctx, domain="PR", seq_order=["PRCAT", "PRTRT", "PRSTDTC", "SOURCE_FILE", "SOURCE_ROW"],
                         dy={"PRSTDTC": "PRSTDY", "PRENDTC": "PRENDY"}, epoch_from="PRSTDTC")
    supp = create_supp(pr, rdomain="PR", qualifiers=[SETTING], idvar="PRSEQ")
    pr = reset_rows(order_variables(pr, ctx, "PR", drop=["TRTINTNT"]))
    return [DomainResult("PR", pr, excluded=after_cutoff), DomainResult("SUPPPR", supp)]
