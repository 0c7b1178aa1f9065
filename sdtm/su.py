"""SU (Substance Use), SDTMIG 3.4 section 6.1.6, and SUPPSU: tobacco and alcohol use at screening.

The screening page asks, for each prespecified substance (SUTRT as collected: TOBACCO, ALCOHOL),
whether the subject never, formerly or currently uses it, and the pack-years of smokers. Following
SDTMIG 3.4 SU example 1 and section 4.4.7 (spec method MT.SUTIMING), with the status through value
map SUNCF:

| status  | SUOCCUR | SUSTRTPT | SUENRTPT | SUSTTPT / SUENTPT      |
|---------|---------|----------|----------|------------------------|
| NEVER   | N       |          |          |                        |
| FORMER  | Y       | BEFORE   | BEFORE   | visit of collection    |
| CURRENT | Y       | BEFORE   | ONGOING  | visit of collection    |

SUPRESP = "Y" (prespecified). SUCAT is not used: it would repeat SUTRT (SU assumption 3a). Pack-years
are a cumulative total over the smoking history, not a per-use amount (SUDOSE) or a daily total
(SUDOSTOT): SDTMIG 3.4 sends totals over other periods to a supplemental qualifier, SUPPSU.PACKYRS
(NUM001 when not a number; SU001 when given for a never user).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdtm.ae import reject_duplicate_rows
from sdtm.coding import compute_keys
from sdtm.common import (
    finalise_domain,
    map_coded,
    numeric_text,
    order_variables,
    read_keyed_rows,
    reject_unknown_subjects,
)
from sdtm.context import DomainResult, MappingContext
from sdtm.frames import reset_rows
from sdtm.suppqual import Qualifier, create_supp
from sdtm.tr import compute_number_text

PACK_YEARS = Qualifier("PACKYRS", "PACKYRS", "Tobacco Use in Pack-Years", "CRF")


def derive_vars_su_timing(data: pd.DataFrame, status: pd.Series, reference: pd.Series) -> pd.DataFrame:
    """Add SUOCCUR, SUSTRTPT, SUSTTPT, SUENRTPT, SUENTPT from NEVER / FORMER / CURRENT (module table).

    >>> out = derive_vars_su_timing(pd.DataFrame(index=[0, 1, 2]), pd.Series(["NEVER", "FORMER", "CURRENT"]),
    ...                             pd.Series(["SCREENING"] * 3))
    >>> out[["SUOCCUR", "SUENRTPT"]].values.tolist()
    [['N', None], ['Y', 'BEFORE'], ['Y', 'ONGOING']]
    """
    used = status.isin(["FORMER", "CURRENT"])
    occur = np.select([used, status.eq("NEVER")], ["Y", "N"], default=None)
    end = np.select([status.eq("FORMER"), status.eq("CURRENT")], ["BEFORE", "ONGOING"], default=None)
    ref = reference.astype(object).where(used, None)
    return data.assign(
        SUOCCUR=pd.Series(occur, index=data.index, dtype=object),
        SUSTRTPT=pd.Series(np.where(used, "BEFORE", None), index=data.index, dtype=object),
        SUSTTPT=ref.to_numpy(),
        SUENRTPT=pd.Series(end, index=data.index, dtype=object),
        SUENTPT=ref.to_numpy(),
    )


def build_su(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """SU variables (and the pack-years column for SUPPSU) of the accepted raw rows."""
    su = raw[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID"]].copy()
    su["SUTRT"] = raw["SUTRT"].pipe(compute_keys)
    su["SUPRESP"] = "Y"
    status = map_coded(raw, "SUNCF", "SUNCF", ctx)
    su = derive_vars_su_timing(su, status, raw["VISITNAME"].pipe(compute_keys))
    packs = numeric_text(raw["SUPKYRS"])
    given = raw["SUPKYRS"].pipe(compute_keys).notna()
    if (given & packs.isna()).any():
        ctx.issues.add_rows(raw[given & packs.isna()], column="SUPKYRS", check="NUM001", severity="WARNING",
                            message="pack-years is not a number; not mapped")
    never = given & status.eq("NEVER")
    if never.any():
        ctx.issues.add_rows(raw[never], column="SUPKYRS", check="SU001", severity="WARNING",
                            message="pack-years given for a never user; kept as collected")
    su["PACKYRS"] = compute_number_text(packs)
    return su


def map_su(ctx: MappingContext) -> list[DomainResult]:
    """Map the substance use form to SU and SUPPSU."""
    raw = read_keyed_rows(ctx, "substance_use")
    raw, duplicates = reject_duplicate_rows(raw, ctx)
    raw, unknown = reject_unknown_subjects(raw, ctx)
    su = build_su(raw, ctx)
    su = finalise_domain(su, ctx, domain="SU", seq_order=["SUTRT", "SOURCE_FILE", "SOURCE_ROW"])
    supp = create_supp(su, rdomain="SU", qualifiers=[PACK_YEARS], idvar="SUSEQ")
    su = reset_rows(order_variables(su, ctx, "SU", drop=["PACKYRS"]))
    return [DomainResult("SU", su, rejected=pd.concat([duplicates, unknown], ignore_index=True)), DomainResult("SUPPSU", supp)]
