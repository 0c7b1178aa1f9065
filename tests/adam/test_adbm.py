"""ADBM on hand-made GF/ADSL frames (gene status, variant class, signature, traceability) and on the embedded study."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from adam.adbm import Signature, compute_gene_paramcd, create_adbm, derive_param_gene_status, derive_param_signature

SNV, SHORT, CNV = "Single Nucleotide Variation", "Short Variation", "Copy Number Variation"


def _gf(subject: str, genes: dict[str, list[tuple[str, str]]], *, date: str = "2022-02-10", start_seq: int = 1) -> pd.DataFrame:
    """DETECTION records per gene: (GFSTRESC, GFTEST); each variant also gets a protein-change record."""
    rows, seq = [], start_seq
    for gene, results in genes.items():
        for result, test in results:
            rows.append({"USUBJID": subject, "GFSEQ": seq, "GFTEST": test, "GFTSTDTL": "DETECTION", "GFSTRESC": result,
                         "GFINHERT": "SOMATIC VARIATION", "GFSYM": gene, "GFDTC": date})
            seq += 1
            if result == "DETECTED":
                rows.append({"USUBJID": subject, "GFSEQ": seq, "GFTEST": test, "GFTSTDTL": "PREDICTED AMINO ACID CHANGE",
                             "GFSTRESC": "p.Arg273Leu", "GFINHERT": "SOMATIC VARIATION", "GFSYM": gene, "GFDTC": date})
                seq += 1
    rows.append({"USUBJID": subject, "GFSEQ": seq, "GFTEST": "Tumor Mutation Burden", "GFTSTDTL": None, "GFSTRESC": "5.1",
                 "GFINHERT": None, "GFSYM": None, "GFDTC": date})
    return pd.DataFrame(rows)


def _adsl(*subjects: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"STUDYID": "S", "USUBJID": s, "SUBJID": s, "SITEID": "01", "TRT01P": "A", "BMEVLFL": fl}
                         for s, fl in subjects])


WILD = [("NOT DETECTED", SHORT)]


def test_gene_status_mutated_wild_type_and_variant_class():
    gf = _gf("1", {"TP53": [("DETECTED", SNV)], "FAT1": [("DETECTED", SNV), ("DETECTED", CNV)], "NOTCH3": WILD,
                   "CCND1": [("DETECTED", CNV), ("DETECTED", CNV)]})
    genes = derive_param_gene_status(gf).set_index("PARAMCD")
    assert genes.loc[["TP53", "FAT1", "NOTCH3", "CCND1"], "AVALC"].tolist() == ["MUTATED", "MUTATED", "WILD TYPE", "MUTATED"]
    assert genes.loc[["TP53", "FAT1", "NOTCH3"], "AVAL"].tolist() == [1, 1, 0]
    assert genes.loc["FAT1", "AVALCAT1"] == "Multiple"
    assert genes.loc["CCND1", "AVALCAT1"] == CNV           # two variants of one class
    assert genes.loc["NOTCH3", "AVALCAT1"] is None
    assert genes.loc["TP53", "PARAM"] == "TP53 Somatic Mutation Status (NGS)"
    assert set(genes["PARCAT1"]) == {"Somatic Mutation (NGS)"}
    assert set(genes["ADT"]) == {pd.Timestamp("2022-02-10")}


def test_traceability_points_to_the_first_detected_record():
    gf = _gf("1", {"NOTCH3": WILD, "FAT1": [("DETECTED", SNV), ("DETECTED", SHORT)]})
    genes = derive_param_gene_status(gf).set_index("PARAMCD")
    assert genes.loc["FAT1", ["SRCDOM", "SRCVAR", "SRCSEQ"]].tolist() == ["GF", "GFSTRESC", 2]
    assert genes.loc["NOTCH3", ["SRCDOM", "SRCVAR"]].tolist() == [None, None] and pd.isna(genes.loc["NOTCH3", "SRCSEQ"])


def test_germline_variant_is_not_a_somatic_mutation():
    gf = _gf("1", {"TP53": [("DETECTED", SNV)]}).assign(GFINHERT="GERMLINE VARIATION")
    assert derive_param_gene_status(gf)["AVALC"].tolist() == [None]


@pytest.mark.parametrize(
    ("tp53", "fat1", "notch3", "expected"),
    [
        ([("DETECTED", SNV)], [("DETECTED", SNV)], WILD, "Y"),
        ([("DETECTED", SNV)], [("DETECTED", SNV)], [("DETECTED", SNV)], "N"),   # NOTCH3 mutated
        ([("DETECTED", SNV)], WILD, WILD, "N"),                                 # FAT1 wild type
        (WILD, WILD, WILD, "N"),                                                # all wild type
        ([("DETECTED", SNV)], [("DETECTED", SNV)], None, None),                 # NOTCH3 not reported: unknown
        (WILD, [("DETECTED", SNV)], None, "N"),                                 # TP53 wild type decides
    ],
)
def test_signature(tp53, fat1, notch3, expected):
    genes = {"TP53": tp53, "FAT1": fat1} | ({"NOTCH3": notch3} if notch3 else {})
    sig = derive_param_signature(derive_param_gene_status(_gf("1", genes)))
    assert sig["AVALC"].tolist() == [expected]
    assert sig["AVAL"].fillna(-1).tolist() == [{"Y": 1, "N": 0}.get(expected, -1)]


def test_signature_definition_is_data():
    genes = derive_param_gene_status(_gf("1", {"KRAS": [("DETECTED", SNV)], "STK11": WILD}))
    sig = derive_param_signature(genes, signature=Signature("KRASSTK", "KRAS+/STK11-", mutated=("KRAS",), wild_type=("STK11",)))
    assert sig[["PARAMCD", "PARAM", "PARCAT1", "AVALC"]].iloc[0].tolist() == ["KRASSTK", "KRAS+/STK11-", "Mutational Signature", "Y"]


def test_paramcd_of_unusual_symbols():
    assert compute_gene_paramcd(pd.Series(["hla-a", "C11orf30", "LONGGENENAME1"])).tolist() == ["HLA_A", "C11ORF30", "LONGGENE"]


def test_only_evaluable_subjects_with_adsl_variables_and_aseq():
    gf = pd.concat([_gf("1", {"TP53": [("DETECTED", SNV)], "FAT1": [("DETECTED", SNV)], "NOTCH3": WILD}),
                    _gf("2", {"TP53": WILD, "FAT1": WILD, "NOTCH3": WILD})], ignore_index=True)
    adbm = create_adbm(gf, _adsl(("1", "Y"), ("2", "N")))
    assert adbm["USUBJID"].unique().tolist() == ["1"]
    assert adbm["PARAMCD"].tolist() == ["FAT1", "NOTCH3", "SIG", "TP53"]
    assert adbm["ASEQ"].tolist() == [1, 2, 3, 4]
    assert adbm.loc[adbm["PARAMCD"].eq("SIG"), ["AVALC", "AVAL", "PARAM"]].iloc[0].tolist() == \
        ["Y", 1, "TP53+/FAT1+/NOTCH3- Mutational Signature"]
    assert adbm[["STUDYID", "SUBJID", "SITEID", "TRT01P", "BMEVLFL"]].drop_duplicates().values.tolist() == [["S", "1", "01", "A", "Y"]]
    assert list(adbm.columns) == ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "BMEVLFL", "ASEQ", "PARAMCD", "PARAM",
                                  "PARCAT1", "AVALC", "AVAL", "AVALCAT1", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ"]


@pytest.mark.slow
def test_embedded_study_signature_counts_match_the_publication():
    from sdtm.build import publishable
    from sdtm.context import MappingContext
    from sdtm.dm import map_dm
    from sdtm.gf import map_gf
    from sdtm.mapping import load_mapping
    from sdtm.se import map_se
    from specs.loader import load_study

    study = load_study("alter_e003")
    ctx = MappingContext(study, load_mapping(Path(study.folder)), Path(study.folder).parents[1] / "rawdata" / "alter_e003",
                         study.cutoff_date())
    for mapper in (map_dm, map_se, map_gf):
        result = mapper(ctx)
        ctx.results[result.domain] = result
    dm, gf = publishable(ctx.results["DM"].data), publishable(ctx.results["GF"].data)
    # MT.ADSL.BMEVLFL (treated subjects with a panel result); the real flag comes from ADSL
    panel = gf.loc[gf["GFTSTDTL"].eq("DETECTION"), "USUBJID"]
    treated = dm["RFXSTDTC"].notna()
    adsl = dm[["STUDYID", "USUBJID", "SUBJID", "SITEID"]].assign(TRT01P="A", BMEVLFL=(treated & dm["USUBJID"].isin(panel)).map({True: "Y", False: "N"}))
    adbm = create_adbm(gf, adsl)
    signature = adbm[adbm["PARAMCD"].eq("SIG")]
    assert adbm["USUBJID"].nunique() == len(signature) == 41
    assert signature["AVALC"].value_counts().to_dict() == {"Y": 32, "N": 9}
    assert adbm.groupby("USUBJID")["PARAMCD"].nunique().eq(adbm.groupby("USUBJID").size()).all()
