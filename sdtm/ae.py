"""AE (Adverse Events), SDTMIG 3.4 section 6.2.1, and SUPPAE: one record per adverse event per subject.

Primary source: the adverse events log form (one row per event). Steps, in order:

1. exact duplicates of an earlier row (all raw columns except the EDC record position and the
   provenance) are rejected (DUP001); rows of subjects missing from DM are rejected (SUBJ001);
2. AETERM is the verbatim as written (trimmed); AELLT/AEDECOD/AEHLT/AEHLGT/AESOC come from the study
   coding table (:mod:`sdtm.coding`, CODE001 when a verbatim is unknown) and AEBODSYS = AESOC
   (the PT's primary SOC, AE assumption 2);
3. dates through the site conventions (partial dates stay partial); events starting after the
   data cut-off are excluded by their start date;
4. coded answers through value maps: seriousness and the SAE criteria (NY), AETOXGR (CTCAE v5.0
   grade "1".."5"), AEOUT (OUT), per-drug causality on the collected 5-point scale (AEREL) and
   per-drug action (AEACN = CDISC ACN), the immune-related flag (NY);
5. multiple study treatments (SDTMIG 3.4 section 4.2.8.3): AEREL and AEACN hold the value the two
   drugs share, "MULTIPLE" when they differ (:func:`compute_multiple_treatment`); the per-drug
   values and the irAE flag go to SUPPAE (QNAM AERELANL, AERELBEN, AEACNANL, AEACNBEN, AEIRFL);
6. AEENRTPT/AEENTPT for events without an end date (:func:`derive_vars_enrtpt`), then AESEQ,
   AESTDY/AEENDY and EPOCH (from AESTDTC, AE assumption 8).

Data-issue checks raised here (besides the common ones): CODE001 (uncoded verbatim, WARNING),
ONGO001 (marked ongoing but an end date is given, WARNING: the end date is kept).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sdtm.coding import code_events, compute_text
from sdtm.common import (
    finalise_domain,
    first_not_null,
    map_coded,
    map_date,
    order_variables,
    read_keyed_rows,
    reject_unknown_subjects,
    split_after_cutoff,
    split_duplicates,
)
from sdtm.context import DomainResult, MappingContext
from sdtm.frames import reset_rows
from sdtm.suppqual import Qualifier, create_supp

FORM = "adverse_events"
MULTIPLE = "MULTIPLE"
NOT_APPLICABLE = "NOT APPLICABLE"
END_REFERENCE = "END OF STUDY"
"""--ENTPT of AE and CM: the reference time point of the ongoing answer (spec method MT.ENRTPT)."""

SAE_CRITERIA = ("AESER", "AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")
PER_DRUG = {
    # raw column: (value map, QNAM, QLABEL) -- QNAM/QLABEL as in the spec codelists QNAM.AE/QLABEL.AE
    "AERELANL": ("AEREL", "AERELANL", "Causality of Anlotinib"),
    "AERELBEN": ("AEREL", "AERELBEN", "Causality of Benmelstobart"),
    "AEACNANL": ("AEACN", "AEACNANL", "Action Taken with Anlotinib"),
    "AEACNBEN": ("AEACN", "AEACNBEN", "Action Taken with Benmelstobart"),
}
RELATIONSHIP_COLUMNS = ("AERELANL", "AERELBEN")
ACTION_COLUMNS = ("AEACNANL", "AEACNBEN")
IRAE = Qualifier("AEIRFL", "AEIRFL", "Immune-Related Adverse Event Flag", "CRF", "INVESTIGATOR")
DUPLICATE_IGNORED = ("SOURCE_FILE", "SOURCE_ROW", "SITEFOLDER", "RECPOS")
"""Columns not compared when looking for duplicated rows (provenance and the EDC record position)."""


def compute_multiple_treatment(values: Sequence[pd.Series], *, ignore: Sequence[str] = ()) -> pd.Series:
    """The value several per-treatment assessments share, or ``"MULTIPLE"`` when they differ.

    SDTMIG 3.4 section 4.2.8.3 (multiple values for a non-result qualifier), example 2: with two
    study treatments AEREL/AEACN hold the common value, "MULTIPLE" otherwise, and the per-drug
    values go to SUPPAE. Missing assessments, and values in ``ignore`` (e.g. NOT APPLICABLE for an
    action with a drug already stopped), do not count; when nothing else remains the first of the
    ignored values present is kept.

    >>> compute_multiple_treatment([pd.Series(["A", "A", None, "NOT APPLICABLE"]),
    ...                             pd.Series(["A", "B", "B", "C"])], ignore=["NOT APPLICABLE"]).tolist()
    ['A', 'MULTIPLE', 'B', 'C']
    """
    columns = [v.astype(object) for v in values]
    counted = [c.where(~c.isin(list(ignore))) for c in columns]
    first_counted = first_not_null(*counted)
    differs = pd.Series(False, index=first_counted.index)
    for column in counted:
        differs |= column.notna() & (column != first_counted)
    first_ignored = first_not_null(*[c.where(c.isin(list(ignore))) for c in columns])
    result = first_counted.where(~differs, MULTIPLE)
    result = result.where(first_counted.notna(), first_ignored)
    return result.astype(object).where(result.notna(), None)


def derive_vars_enrtpt(data: pd.DataFrame, *, prefix: str, ongoing: pd.Series, reference: str,
                       ctx: MappingContext | None = None, raw: pd.DataFrame | None = None,
                       ongoing_column: str | None = None) -> pd.DataFrame:
    """Add ``--ENRTPT``/``--ENTPT`` from the CRF's ongoing answer (Y/N) and ``--ENDTC``.

    SDTMIG 3.4 section 4.4.7 and spec method MT.ENRTPT: without an end date, ONGOING when marked
    ongoing, BEFORE when marked not ongoing, UNKNOWN when not answered; with an end date both are
    null. ``--ENTPT`` is ``reference`` whenever ``--ENRTPT`` is set. A row marked ongoing that has an
    end date is reported (ONGO001; needs ``ctx``, ``raw`` and ``ongoing_column``) and keeps its date.
    """
    ended = data[f"{prefix}ENDTC"].notna()
    answer = ongoing.astype(object)
    relation = np.select([ended, answer.eq("Y"), answer.eq("N")], [None, "ONGOING", "BEFORE"], default="UNKNOWN")
    relation = pd.Series(relation, index=data.index, dtype=object).where(~ended, None)
    conflict = ended & answer.eq("Y")
    if conflict.any() and ctx is not None and raw is not None and ongoing_column is not None:
        ctx.issues.add_rows(raw[conflict.to_numpy()], column=ongoing_column, check="ONGO001", severity="WARNING",
                            message="marked ongoing but an end date is given; the end date is kept")
    return data.assign(**{f"{prefix}ENRTPT": relation, f"{prefix}ENTPT": relation.where(relation.isna(), reference)})


def _spid_number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def reject_duplicate_rows(raw: pd.DataFrame, ctx: MappingContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reject rows identical to an earlier row in every raw column (DUP001)."""
    columns = [c for c in raw.columns if c not in DUPLICATE_IGNORED]
    return split_duplicates(raw, columns, ctx)


def build_ae(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """AE variables (and the per-drug qualifier columns) of the accepted raw rows."""
    ae = raw[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID"]].copy()
    ae["AESPID"] = compute_text(raw["AESPID"])
    ae["AETERM"] = compute_text(raw["AETERM"])
    coded = code_events(raw, "AETERM", ctx, prefix="AE")
    ae = ae.join(coded)
    ae["AEBODSYS"] = ae["AESOC"]
    ae["AESTDTC"] = map_date(raw, "AESTDAT", ctx)
    ae["AEENDTC"] = map_date(raw, "AEENDAT", ctx)
    ae["AETOXGR"] = map_coded(raw, "AETOXGR", "AETOXGR", ctx)
    for column in SAE_CRITERIA:
        ae[column] = map_coded(raw, column, "NY", ctx)
    ae["AEOUT"] = map_coded(raw, "AEOUT", "AEOUT", ctx)
    for column, (value_map, _, _) in PER_DRUG.items():
        ae[column] = map_coded(raw, column, value_map, ctx)
    ae["AEIRFL"] = map_coded(raw, "AEIRAE", "NY", ctx)
    ae["AEREL"] = compute_multiple_treatment([ae[c] for c in RELATIONSHIP_COLUMNS])
    ae["AEACN"] = compute_multiple_treatment([ae[c] for c in ACTION_COLUMNS], ignore=[NOT_APPLICABLE])
    ongoing = map_coded(raw, "AEONGO", "NY", ctx)
    ae = derive_vars_enrtpt(ae, prefix="AE", ongoing=ongoing, reference=END_REFERENCE, ctx=ctx, raw=raw, ongoing_column="AEONGO")
    ae["_SPIDN"] = _spid_number(ae["AESPID"])
    return ae


def create_suppae(ae: pd.DataFrame) -> pd.DataFrame:
    """SUPPAE: the per-drug causality and action and the irAE flag (SDTMIG 3.4 section 8.4)."""
    qualifiers = [Qualifier(column, qnam, qlabel, "CRF", "INVESTIGATOR") for column, (_, qnam, qlabel) in PER_DRUG.items()]
    return create_supp(ae, rdomain="AE", qualifiers=[*qualifiers, IRAE], idvar="AESEQ")


def map_ae(ctx: MappingContext) -> list[DomainResult]:
    """Map the adverse events form to AE and SUPPAE."""
    raw = read_keyed_rows(ctx, FORM)
    raw, duplicates = reject_duplicate_rows(raw, ctx)
    raw, unknown = reject_unknown_subjects(raw, ctx)
    ae = build_ae(raw, ctx)
    ae, after_cutoff = split_after_cutoff(ae, ae["AESTDTC"], ctx)
    ae = finalise_domain(ae, ctx, domain="AE", seq_order=["AEDECOD", "AESTDTC", "_SPIDN", "SOURCE_FILE", "SOURCE_ROW"],
                         dy={"AESTDTC": "AESTDY", "AEENDTC": "AEENDY"}, epoch_from="AESTDTC")
    supp = create_suppae(ae)
    ae = reset_rows(order_variables(ae, ctx, "AE", drop=[*PER_DRUG, "AEIRFL", "_SPIDN"]))
    rejected = pd.concat([duplicates, unknown], ignore_index=True)
    return [DomainResult("AE", ae, rejected=rejected, excluded=after_cutoff), DomainResult("SUPPAE", supp)]
