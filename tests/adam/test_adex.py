"""ADEX on hand-made EX/SUPPEX/ADSL frames: per-drug duration, cycles, dose, intensity, reductions, interruptions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from adam.adex import DrugPlan, compute_drug_plans, create_adex

T = pd.Timestamp
ANL = DrugPlan("ANLOTINIB", "ANL", 12.0, 14, 21, "mg", "ORAL")
BEN = DrugPlan("BENMELSTOBART", "BEN", 1200.0, 1, 21, "mg", "INTRAVENOUS")


def _adsl(*subjects: tuple[str, str], cutoff: str = "2024-12-31") -> pd.DataFrame:
    return pd.DataFrame([{"STUDYID": "S", "USUBJID": s, "SUBJID": s, "SITEID": "01", "TRT01A": "A+B", "SAFFL": fl,
                          "DCUTDT": T(cutoff)} for s, fl in subjects])


def _ex(rows: list[tuple], subject: str = "1") -> pd.DataFrame:
    """(EXTRT, EXDOSE, EXSTDTC, EXENDTC, VISITNUM) records."""
    return pd.DataFrame([{"USUBJID": subject, "EXSEQ": i, "EXTRT": trt, "EXDOSE": dose, "EXSTDTC": start, "EXENDTC": end,
                          "VISITNUM": visit} for i, (trt, dose, start, end, visit) in enumerate(rows, start=1)])


def _supp(values: dict[int, dict[str, str]], subject: str = "1") -> pd.DataFrame:
    return pd.DataFrame([{"USUBJID": subject, "RDOMAIN": "EX", "IDVAR": "EXSEQ", "IDVARVAL": str(seq), "QNAM": q, "QVAL": v}
                         for seq, qualifiers in values.items() for q, v in qualifiers.items()])


def _values(adex: pd.DataFrame, subject: str = "1") -> dict[str, float]:
    return adex[adex["USUBJID"].eq(subject)].set_index("PARAMCD")["AVAL"].round(4).to_dict()


ANLOTINIB_CYCLES = [
    ("ANLOTINIB", 12.0, "2022-03-01", "2022-03-14", None),
    ("ANLOTINIB", 12.0, "2022-03-22", "2022-04-04", None),   # 5 of 14 days missed
    ("ANLOTINIB", 10.0, "2022-04-12", "2022-04-25", None),   # reduced
    ("ANLOTINIB", 0.0, "2022-05-03", "2022-05-16", None),    # zero-dose cycle: not an administration
    ("ANLOTINIB", 10.0, "2022-05-24", "2022-06-06", None),   # after the zero dose: not a reduction
]
ANLOTINIB_SUPP = {1: {"EXCYCLE": "1", "EXTKDAYS": "14", "EXMSDAYS": "0"}, 2: {"EXCYCLE": "2", "EXTKDAYS": "9", "EXMSDAYS": "5"},
                  3: {"EXCYCLE": "3", "EXTKDAYS": "14", "EXMSDAYS": "0"}, 4: {"EXCYCLE": "4", "EXTKDAYS": "0", "EXMSDAYS": "14"},
                  5: {"EXCYCLE": "5", "EXTKDAYS": "14", "EXMSDAYS": "0"}}


def test_drug_plans_from_the_study_schedule():
    plans = compute_drug_plans([{"name": "ANLOTINIB", "dose": 12, "unit": "mg", "route": "ORAL", "schedule": "days 1-14 of each 21-day cycle"},
                                {"name": "BENMELSTOBART", "dose": 1200, "unit": "mg", "route": "INTRAVENOUS",
                                 "schedule": "day 1 of each 21-day cycle, up to 24 months"}])
    assert plans == (ANL, BEN)
    assert [p.planned_per_week for p in plans] == [56.0, 400.0]
    with pytest.raises(ValueError, match="schedule"):
        compute_drug_plans([{"name": "X", "dose": 1, "schedule": "weekly"}])


def test_daily_drug_parameters_with_missed_days_reduction_and_zero_dose_cycle():
    adex = create_adex(_ex(ANLOTINIB_CYCLES), _adsl(("1", "Y")), plans=[ANL], suppex=_supp(ANLOTINIB_SUPP))
    cumulative = 12 * 14 + 12 * 9 + 10 * 14 + 10 * 14                     # 556 mg
    intended_weeks = ((T("2022-05-24") - T("2022-03-01")).days + 21) / 7   # last cycle started + 21 days
    assert _values(adex) == {
        "ANLCUMD": cumulative, "ANLDINT": round(cumulative / intended_weeks, 4), "ANLDURD": 98, "ANLNCYC": 4,
        "ANLNINT": 1, "ANLNRED": 1, "ANLRDI": round(100 * cumulative / intended_weeks / 56, 4),
    }
    assert set(adex["ASTDT"]) == {T("2022-03-01")} and set(adex["AENDT"]) == {T("2022-06-06")}


def test_daily_drug_without_suppex_uses_the_period_days_and_gaps_within_a_cycle():
    ex = _ex([("ANLOTINIB", 12.0, "2022-03-01", "2022-03-05", 101.0), ("ANLOTINIB", 12.0, "2022-03-09", "2022-03-14", 101.0),
              ("ANLOTINIB", 12.0, "2022-03-22", "2022-04-04", 102.0)])
    values = _values(create_adex(ex, _adsl(("1", "Y")), plans=[ANL]))
    assert values["ANLCUMD"] == 12 * (5 + 6 + 14)
    assert values["ANLNCYC"] == 2 and values["ANLNINT"] == 1 and values["ANLNRED"] == 0


def test_infusions_delayed_beyond_the_window_count_as_interruptions():
    ex = _ex([("BENMELSTOBART", 1200.0, "2022-03-01T09:00", "2022-03-01T10:00", 101.0),
              ("BENMELSTOBART", 1200.0, "2022-03-22T09:00", "2022-03-22T10:00", 102.0),   # 21 days
              ("BENMELSTOBART", 1200.0, "2022-04-19T09:00", "2022-04-19T10:00", 103.0),   # 28 days: within 21 + 7
              ("BENMELSTOBART", 1200.0, "2022-05-24T09:00", "2022-05-24T10:00", 104.0)])  # 35 days: delayed
    values = _values(create_adex(ex, _adsl(("1", "Y")), plans=[BEN]))
    intended_weeks = ((T("2022-05-24") - T("2022-03-01")).days + 21) / 7
    assert values == {"BENCUMD": 4800, "BENDINT": round(4800 / intended_weeks, 4), "BENDURD": 85, "BENNCYC": 4, "BENNINT": 1,
                      "BENNRED": 0, "BENRDI": round(100 * 4800 / intended_weeks / 400, 4)}


def test_cutoff_drops_later_administrations_and_cuts_a_running_period():
    ex = _ex([("ANLOTINIB", 12.0, "2022-03-01", "2022-03-14", 101.0), ("ANLOTINIB", 12.0, "2022-03-22", "2022-04-04", 102.0),
              ("ANLOTINIB", 12.0, "2022-04-12", "2022-04-25", 103.0)])
    adex = create_adex(ex, _adsl(("1", "Y"), cutoff="2022-03-25"), plans=[ANL])
    values = _values(adex)
    assert values["ANLCUMD"] == 12 * (14 + 4) and values["ANLNCYC"] == 2 and values["ANLDURD"] == 25
    assert adex["AENDT"].iloc[0] == T("2022-03-25")


def test_safety_subjects_only_parameter_selection_and_order():
    first = ("ANLOTINIB", 12.0, "2022-03-01", "2022-03-14", 101.0)
    ex = pd.concat([_ex([first, ("BENMELSTOBART", 1200.0, "2022-03-01", "2022-03-01", 101.0)]), _ex([first], subject="2")],
                   ignore_index=True)
    adex = create_adex(ex, _adsl(("1", "Y"), ("2", "N")), plans=[ANL, BEN],
                       paramcds=["ANLDURD", "ANLNRED", "BENDURD", "BENCUMD"])
    assert set(adex["USUBJID"]) == {"1"}
    assert adex[["PARCAT1", "PARAMCD", "ASEQ"]].values.tolist() == [
        ["ANLOTINIB", "ANLDURD", 1], ["ANLOTINIB", "ANLNRED", 2], ["BENMELSTOBART", "BENCUMD", 3], ["BENMELSTOBART", "BENDURD", 4]]
    assert adex.loc[adex["PARAMCD"].eq("BENCUMD"), "PARAM"].item() == "Benmelstobart Cumulative Dose (mg)"
    assert list(adex.columns) == ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "ASEQ", "PARAMCD", "PARAM", "PARCAT1",
                                  "AVAL", "ASTDT", "AENDT"]


def test_drug_never_given_has_no_records():
    adex = create_adex(_ex(ANLOTINIB_CYCLES[:2]), _adsl(("1", "Y")), plans=[ANL, BEN])
    assert set(adex["PARCAT1"]) == {"ANLOTINIB"}


@pytest.mark.slow
def test_embedded_study_exposure_is_consistent_with_the_spec_and_ex():
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
    for mapper in (map_dm, map_se, map_ex):
        results = mapper(ctx)
        for result in results if isinstance(results, list) else [results]:
            ctx.results[result.domain] = result
    dm, ex, suppex = (publishable(ctx.results[name].data) for name in ("DM", "EX", "SUPPEX"))
    treated = dm["USUBJID"].isin(ex.loc[ex["EXDOSE"] > 0, "USUBJID"])
    adsl = dm[["STUDYID", "USUBJID", "SUBJID", "SITEID"]].assign(TRT01A="A", SAFFL=treated.map({True: "Y", False: "N"}),
                                                                 DCUTDT=T(study.cutoff_date()))
    spec = study.adam
    paramcds = [t.value for t in spec.codelists["ADEX.PARAMCD"].terms]
    adex = create_adex(ex, adsl, plans=compute_drug_plans(study.arms[0]["treatments"]), suppex=suppex, paramcds=paramcds)
    assert adex["USUBJID"].nunique() == 46
    assert set(adex["PARAMCD"]) == set(paramcds)
    assert set(adex["PARAM"]) <= {t.value for t in spec.codelists["ADEX.PARAM"].terms}
    values = adex.pivot(index="USUBJID", columns="PARAMCD", values="AVAL")
    assert (values["ANLRDI"] <= 100).all() and (values["BENRDI"] <= 100).all()
    assert values["BENNCYC"].max() <= 35                     # benmelstobart for at most 24 months
    # 12 -> 10 -> 8 mg: at most two reductions, each a dosing period whose dose was adjusted (EXADJ);
    # one interruption per dosing period with missed days (SUPPEX EXMSDAYS)
    adjusted = ex["EXTRT"].eq("ANLOTINIB") & ex["EXADJ"].notna() & (ex["EXDOSE"] > 0)
    missed = pd.to_numeric(suppex.loc[suppex["QNAM"].eq("EXMSDAYS"), "QVAL"]) > 0
    assert values["ANLNRED"].max() <= 2 and values["ANLNRED"].sum() == adjusted.sum() > 0
    assert values["ANLNINT"].sum() == missed.sum() > 0
