"""ADBM: tumour biomarker analysis dataset (BDS), one record per NGS-evaluable subject per gene and signature.

Source: SDTM GF (SDTMIG 3.4 section 6.3.5.4) as :mod:`sdtm.gf` models it — every gene the panel
reports has DETECTION records (``GFTSTDTL = 'DETECTION'``): 'DETECTED' once per somatic variant,
or one 'NOT DETECTED' record when the gene carries none, so wild type differs from not tested.
Spec methods MT.ADBM.*:

| variable        | rule                                                                                       |
|-----------------|--------------------------------------------------------------------------------------------|
| PARAMCD, PARAM  | gene symbol, upper case, other characters than A-Z/0-9 -> '_', at most 8 characters; '<symbol> Somatic Mutation Status (NGS)'; PARCAT1 'Somatic Mutation (NGS)' (MT.ADBM.PARAM) |
| AVALC, AVAL     | MUTATED (1) when a somatic DETECTION record is DETECTED, WILD TYPE (0) when all are NOT DETECTED, else null (MT.ADBM.GENE) |
| AVALCAT1        | variant class of the gene's detected variants (GFTEST), 'Multiple' for several classes (MT.ADBM.AVALCAT1) |
| ADT             | date of the subject's NGS result (GFDTC, date part; not imputed) (MT.ADBM.ADT)               |
| SRCDOM/VAR/SEQ  | GF / GFSTRESC / lowest GFSEQ of the gene's DETECTED records; null for wild type and the signature (MT.ADBM.TRACE) |
| signature       | :class:`Signature`: 'Y' (1) when every ``mutated`` gene is MUTATED and every ``wild_type`` gene is WILD TYPE, 'N' (0) otherwise, null when a component is unknown (MT.ADBM.SIG) |

Subjects: ADSL ``BMEVLFL = 'Y'``. ASEQ numbers the records by STUDYID, USUBJID, PARAMCD (MT.ASEQ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DETECTION = "DETECTION"
DETECTED = "DETECTED"
NOT_DETECTED = "NOT DETECTED"
SOMATIC = "SOMATIC VARIATION"
GENE_PARCAT1 = "Somatic Mutation (NGS)"
MULTIPLE_CLASSES = "Multiple"
ADSL_VARS = ("STUDYID", "SUBJID", "SITEID", "TRT01P", "BMEVLFL")
ADBM_VARS = ("STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "BMEVLFL", "ASEQ", "PARAMCD", "PARAM", "PARCAT1", "AVALC",
             "AVAL", "AVALCAT1", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ")


@dataclass(frozen=True)
class Signature:
    """A mutational signature: genes that must be mutated and genes that must be wild type."""

    paramcd: str
    param: str
    mutated: tuple[str, ...]
    wild_type: tuple[str, ...] = ()
    parcat1: str = "Mutational Signature"


TP53_FAT1_NOTCH3 = Signature("SIG", "TP53+/FAT1+/NOTCH3- Mutational Signature", mutated=("TP53", "FAT1"), wild_type=("NOTCH3",))
"""TP53+/FAT1+/NOTCH3- (Meng et al., Mol Cancer 2025;24:175), the ALTER-E-003 signature (MT.ADBM.SIG)."""


def compute_gene_paramcd(symbols: pd.Series) -> pd.Series:
    """PARAMCD of a gene: upper case, characters other than A-Z and 0-9 replaced by '_', first 8.

    >>> compute_gene_paramcd(pd.Series(["TP53", "KMT2D", "hla-a", "C11orf30"])).tolist()
    ['TP53', 'KMT2D', 'HLA_A', 'C11ORF30']
    """
    return symbols.astype(str).str.strip().str.upper().str.replace(r"[^A-Z0-9]", "_", regex=True).str[:8]


def derive_param_gene_status(gf: pd.DataFrame) -> pd.DataFrame:
    """Per subject and reported gene: the mutation status records (module table, MT.ADBM.GENE).

    Required GF columns: USUBJID, GFSEQ, GFTEST, GFTSTDTL, GFSTRESC, GFINHERT, GFSYM, GFDTC.
    Returns USUBJID, PARAMCD, PARAM, PARCAT1, AVALC, AVAL, AVALCAT1, ADT, SRCDOM, SRCVAR, SRCSEQ.
    """
    rows = gf[gf["GFTSTDTL"].astype(str).str.upper().eq(DETECTION) & gf["GFSYM"].notna()].copy()
    result = rows["GFSTRESC"].astype(str).str.strip().str.upper()
    somatic = rows["GFINHERT"].astype(str).str.strip().str.upper().eq(SOMATIC)
    rows["_hit"] = result.eq(DETECTED) & somatic
    rows["_wild"] = result.eq(NOT_DETECTED)
    rows["_date"] = pd.to_datetime(rows["GFDTC"].astype(str).str[:10], errors="coerce", format="%Y-%m-%d")
    rows["PARAMCD"] = compute_gene_paramcd(rows["GFSYM"])
    keys = ["USUBJID", "PARAMCD"]
    grouped = rows.groupby(keys, sort=True)
    genes = grouped.agg(_symbol=("GFSYM", "first"), _hit=("_hit", "any"), _wild=("_wild", "all")).reset_index()
    hits = rows[rows["_hit"]].sort_values("GFSEQ", kind="mergesort")
    found = hits.groupby(keys, sort=False).agg(_classes=("GFTEST", "nunique"), _class=("GFTEST", "first"),
                                               SRCSEQ=("GFSEQ", "min")).reset_index()
    found["AVALCAT1"] = found["_class"].where(found["_classes"] == 1, MULTIPLE_CLASSES)
    genes = genes.merge(found[[*keys, "AVALCAT1", "SRCSEQ"]], on=keys, how="left")
    result_date = rows.groupby("USUBJID")["_date"].min()
    status = np.select([genes["_hit"], genes["_wild"]], ["MUTATED", "WILD TYPE"], default=None)
    genes["AVALC"] = pd.Series(status, index=genes.index, dtype=object).where(pd.notna(status), None)
    genes["AVAL"] = genes["AVALC"].map({"MUTATED": 1, "WILD TYPE": 0}).astype("Int64")
    genes["AVALCAT1"] = genes["AVALCAT1"].where(genes["_hit"], None)
    genes["PARAM"] = genes["_symbol"].astype(str).str.strip() + " Somatic Mutation Status (NGS)"
    genes["PARCAT1"] = GENE_PARCAT1
    genes["ADT"] = genes["USUBJID"].map(result_date)
    genes["SRCDOM"] = np.where(genes["_hit"], "GF", None)
    genes["SRCVAR"] = np.where(genes["_hit"], "GFSTRESC", None)
    genes["SRCSEQ"] = genes["SRCSEQ"].where(genes["_hit"]).astype("Int64")
    return genes[["USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVALC", "AVAL", "AVALCAT1", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ"]]


def derive_param_signature(genes: pd.DataFrame, *, signature: Signature = TP53_FAT1_NOTCH3) -> pd.DataFrame:
    """One signature record per subject of ``genes`` (MT.ADBM.SIG).

    AVALC 'Y' / AVAL 1 when every ``signature.mutated`` gene is MUTATED and every
    ``signature.wild_type`` gene is WILD TYPE; 'N' / 0 when any component says otherwise; null
    when no component contradicts it but one is unknown (gene not reported or status null).
    ADT = the subject's NGS result date; no SRC* (derived from several records).
    """
    status = genes.pivot_table(index="USUBJID", columns="PARAMCD", values="AVALC", aggfunc="first")
    wanted = {g: "MUTATED" for g in compute_gene_paramcd(pd.Series(signature.mutated, dtype=object))} | \
        {g: "WILD TYPE" for g in compute_gene_paramcd(pd.Series(signature.wild_type, dtype=object))}
    status = status.reindex(columns=list(wanted))
    subjects = pd.Index(genes["USUBJID"].unique(), name="USUBJID")
    status = status.reindex(subjects)
    match = pd.DataFrame({g: status[g].eq(v) for g, v in wanted.items()}, index=subjects)
    contradict = pd.DataFrame({g: status[g].notna() & status[g].ne(v) for g, v in wanted.items()}, index=subjects)
    value = np.select([match.all(axis=1), contradict.any(axis=1)], ["Y", "N"], default=None)
    avalc = pd.Series(value, index=subjects, dtype=object).where(pd.notna(value), None)
    adt = genes.groupby("USUBJID")["ADT"].min()
    return pd.DataFrame({
        "USUBJID": subjects, "PARAMCD": signature.paramcd, "PARAM": signature.param, "PARCAT1": signature.parcat1,
        "AVALC": avalc.to_numpy(), "AVAL": avalc.map({"Y": 1, "N": 0}).astype("Int64").to_numpy(), "AVALCAT1": None,
        "ADT": subjects.map(adt), "SRCDOM": None, "SRCVAR": None, "SRCSEQ": pd.array([pd.NA] * len(subjects), dtype="Int64"),
    })


def create_adbm(gf: pd.DataFrame, adsl: pd.DataFrame, *, signatures: tuple[Signature, ...] = (TP53_FAT1_NOTCH3,)) -> pd.DataFrame:
    """The ADBM dataset: gene status and signature records of the subjects with ADSL BMEVLFL = 'Y'.

    ``adsl`` needs USUBJID, BMEVLFL and the carried variables (STUDYID, SUBJID, SITEID, TRT01P).
    Sorted by USUBJID, PARAMCD, with ASEQ.

    >>> gf = pd.DataFrame({"USUBJID": ["1"] * 3, "GFSEQ": [1, 2, 3], "GFTSTDTL": ["DETECTION"] * 3,
    ...                    "GFTEST": ["Single Nucleotide Variation", "Short Variation", "Short Variation"],
    ...                    "GFSTRESC": ["DETECTED", "DETECTED", "NOT DETECTED"], "GFINHERT": ["SOMATIC VARIATION"] * 3,
    ...                    "GFSYM": ["TP53", "FAT1", "NOTCH3"], "GFDTC": ["2022-01-05"] * 3})
    >>> create_adbm(gf, pd.DataFrame({"USUBJID": ["1"], "BMEVLFL": ["Y"]}))[["PARAMCD", "AVALC", "AVAL"]].values.tolist()
    [['FAT1', 'MUTATED', 1], ['NOTCH3', 'WILD TYPE', 0], ['SIG', 'Y', 1], ['TP53', 'MUTATED', 1]]
    """
    evaluable = adsl[adsl["BMEVLFL"].eq("Y")]
    genes = derive_param_gene_status(gf[gf["USUBJID"].isin(evaluable["USUBJID"])])
    records = [genes, *[derive_param_signature(genes, signature=s) for s in signatures]]
    # all-null columns (AVALCAT1, SRC* of a signature) are left out and come back null from concat
    adbm = pd.concat([r.dropna(axis=1, how="all") for r in records if len(r)], ignore_index=True) \
        if any(len(r) for r in records) else genes
    adbm = adbm.reindex(columns=genes.columns)
    carried = [c for c in ADSL_VARS if c in adsl.columns]
    adbm = evaluable[["USUBJID", *carried]].merge(adbm, on="USUBJID", how="inner")
    adbm = adbm.sort_values(["USUBJID", "PARAMCD"], kind="mergesort").reset_index(drop=True)
    adbm["ASEQ"] = adbm.groupby("USUBJID").cumcount() + 1
    adbm["SRCSEQ"] = adbm["SRCSEQ"].astype("Int64")
    for column in ("AVALC", "AVALCAT1", "SRCDOM", "SRCVAR"):
        adbm[column] = adbm[column].astype(object).where(adbm[column].notna(), None)
    return adbm[[c for c in ADBM_VARS if c in adbm.columns]]
