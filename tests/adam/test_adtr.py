"""ADTR and the RECIST 1.1 response QC (adam/recist_qc.py) on hand-made TU/TR/ADSL frames, and on the embedded study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adam.adtr import create_adtr, derive_param_lesion_diameters, derive_vars_nadir
from adam.recist_qc import (
    compute_overall_response,
    compute_recist_response,
    compute_target_response,
    filter_response_discrepancies,
)

T = pd.Timestamp
FIRST_DOSE = T("2022-03-01")
VISITS = {1.0: ("Screening", "2022-02-20"), 306.0: ("Week 6", "2022-04-12"), 312.0: ("Week 12", "2022-05-24"),
          318.0: ("Week 18", "2022-07-05"), 327.0: ("Week 27", "2022-09-06")}


def make_tu(subject: str = "1", *, targets: dict[str, str] | None = None, nontargets: tuple[str, ...] = (),
            new: dict[str, float] | None = None) -> pd.DataFrame:
    """TU: target lesions id -> location, non-target ids, new lesion id -> VISITNUM of identification."""
    targets = targets if targets is not None else {"T01": "LIVER", "T02": "MEDIASTINAL LYMPH NODE"}
    rows = [{"USUBJID": subject, "TULNKID": k, "TUSTRESC": "TARGET", "TULOC": loc, "TUEVAL": "INVESTIGATOR", "VISITNUM": 1.0}
            for k, loc in targets.items()]
    rows += [{"USUBJID": subject, "TULNKID": k, "TUSTRESC": "NON-TARGET", "TULOC": "LUNG", "TUEVAL": "INVESTIGATOR", "VISITNUM": 1.0}
             for k in nontargets]
    rows += [{"USUBJID": subject, "TULNKID": k, "TUSTRESC": "NEW", "TULOC": "BONE", "TUEVAL": "INVESTIGATOR", "VISITNUM": v}
             for k, v in (new or {}).items()]
    return pd.DataFrame(rows)


def make_tr(measurements: dict[float, dict[str, float | None]], subject: str = "1", *, nodal: tuple[str, ...] = ("T02",),
            states: dict[float, dict[str, str]] | None = None, dates: dict[float, str] | None = None) -> pd.DataFrame:
    """TR: VISITNUM -> {lesion: diameter (None = NOT DONE)}; nodal lesions measured by LPERP; non-target/new states."""
    rows, seq = [], 1
    for visitnum, lesions in measurements.items():
        visit, date = VISITS[visitnum]
        date = (dates or {}).get(visitnum, date)
        for lesion, value in lesions.items():
            test = "LPERP" if lesion in nodal else "LDIAM"
            rows.append({"USUBJID": subject, "TRSEQ": seq, "TRLNKID": lesion, "TRTESTCD": test, "TRSTRESC": None if value is None else str(value),
                         "TRSTRESN": value, "TRSTAT": "NOT DONE" if value is None else None, "TREVAL": "INVESTIGATOR",
                         "TRLOBXFL": "Y" if visitnum == 1.0 else None, "VISITNUM": visitnum, "VISIT": visit, "TRDTC": date})
            seq += 1
        for lesion, state in (states or {}).get(visitnum, {}).items():
            rows.append({"USUBJID": subject, "TRSEQ": seq, "TRLNKID": lesion, "TRTESTCD": "TUMSTATE", "TRSTRESC": state, "TRSTRESN": np.nan,
                         "TRSTAT": None, "TREVAL": "INVESTIGATOR", "TRLOBXFL": "Y" if visitnum == 1.0 else None,
                         "VISITNUM": visitnum, "VISIT": visit, "TRDTC": date})
            seq += 1
    return pd.DataFrame(rows)


def make_adsl(subject: str = "1", **values) -> pd.DataFrame:
    base = {"STUDYID": "S", "USUBJID": subject, "SUBJID": subject, "SITEID": "01", "TRT01P": "A", "EFFFL": "Y",
            "TRTSDT": FIRST_DOSE, "DCUTDT": T("2024-12-31"), "NACTDT": pd.NaT}
    return pd.DataFrame([{**base, **values}])


def _sdiam(adtr: pd.DataFrame) -> pd.DataFrame:
    return adtr[adtr["PARAMCD"].eq("SDIAM")].set_index("AVISITN")


def test_lesion_parameters_number_lesions_and_use_short_axis_for_nodes():
    tu = make_tu(targets={"T01": "LIVER", "T02": "MEDIASTINAL LYMPH NODE", "T03": "LUNG"}, nontargets=("NT01",))
    tr = make_tr({1.0: {"T01": 30, "T02": 15, "T03": 12}}, states={1.0: {"NT01": "PRESENT"}})
    tr = pd.concat([tr, tr[tr["TRLNKID"].eq("T02")].assign(TRTESTCD="LDIAM", TRSTRESN=25.0, TRSEQ=99)], ignore_index=True)
    lesions = derive_param_lesion_diameters(tr, tu, make_adsl()).set_index("PARAMCD")
    assert lesions["TRLNKID"].to_dict() == {"LDIAM1": "T01", "LDIAM2": "T02", "LDIAM3": "T03"}
    assert lesions["AVAL"].tolist() == [30, 15, 12]              # node: short axis 15, not its long axis 25
    assert lesions["NODAL"].tolist() == [False, True, False]
    assert lesions.loc["LDIAM2", ["SRCDOM", "SRCVAR", "SRCSEQ"]].tolist() == ["TR", "TRSTRESN", 2]
    assert lesions.loc["LDIAM1", "PARAM"] == "Target Lesion 1 Analysis Diameter by Investigator (mm)"


def test_sum_baseline_change_and_visits():
    tr = make_tr({1.0: {"T01": 30, "T02": 20}, 306.0: {"T01": 20, "T02": 15}, 312.0: {"T01": 10, "T02": 8}})
    adtr = create_adtr(tr, make_tu(), make_adsl())
    sums = _sdiam(adtr)
    assert sums["AVAL"].tolist() == [50, 35, 18]
    assert sums["ABLFL"].tolist() == ["Y", None, None]
    assert sums["BASE"].tolist() == [50, 50, 50]
    assert sums["CHG"].fillna(0).tolist() == [0, -15, -32] and pd.isna(sums.loc[0.0, "CHG"])
    assert sums["PCHG"].round(1).tolist()[1:] == [-30.0, -64.0]
    assert sums["AVISIT"].tolist() == ["BASELINE", "Week 6", "Week 12"]
    assert sums["ADY"].tolist() == [-9, 43, 85]
    assert sums["LSEXP"].tolist() == ["T01,T02"] * 3 and sums["LSASS"].tolist() == ["T01,T02"] * 3
    assert sums[["SRCDOM", "SRCVAR"]].isna().all(axis=None) and sums["SRCSEQ"].isna().all()
    ldiam2 = adtr[adtr["PARAMCD"].eq("LDIAM2")]
    assert ldiam2["BASE"].tolist() == [20, 20, 20] and ldiam2["CHG"].tolist()[1:] == [-5, -12]
    assert adtr["ASEQ"].tolist() == list(range(1, 10))
    assert adtr[["PARCAT1", "PARCAT2", "PARCAT3"]].drop_duplicates().values.tolist() == [["Target Lesion(s)", "Investigator", "RECIST 1.1"]]


def test_lesion_not_done_makes_the_sum_incomplete():
    tr = make_tr({1.0: {"T01": 30, "T02": 20}, 306.0: {"T01": 20, "T02": None}, 312.0: {"T01": 18, "T02": 14}})
    adtr = create_adtr(tr, make_tu(), make_adsl())
    sums = _sdiam(adtr)
    assert sums.loc[306.0, ["AVAL", "LSASS", "ANL01FL"]].tolist() == [20, "T01", None]
    assert sums.loc[312.0, "NADIR"] == 50            # the incomplete sum is not a nadir
    assert sums["ANL03FL"].tolist() == ["Y", None, "Y"]
    lesion = adtr[adtr["PARAMCD"].eq("LDIAM2")].set_index("AVISITN")
    # the lesion not measured has no record of its own (a BDS record needs AVAL or AVALC)
    assert 306.0 not in lesion.index and lesion.loc[312.0, "ANL01FL"] == "Y"


def test_an_assessment_with_no_target_lesion_measured_has_no_sum():
    tr = make_tr({1.0: {"T01": 30}, 306.0: {"T01": 20}, 312.0: {"T01": None}, 318.0: {"T01": 23}})
    adtr = create_adtr(tr, make_tu(targets={"T01": "LIVER"}), make_adsl())
    sums = _sdiam(adtr)
    # no sum at Week 12 (a BDS record needs AVAL or AVALC); the others are complete and unchanged
    assert sums.index.tolist() == [0.0, 306.0, 318.0]
    assert sums["AVAL"].tolist() == [30, 20, 23] and sums["ANL01FL"].tolist() == ["Y", "Y", "Y"]
    assert sums.loc[318.0, "NADIR"] == 20
    assert adtr["AVAL"].notna().all()
    assert adtr["ASEQ"].tolist() == list(range(1, len(adtr) + 1))


def test_nadir_is_the_smallest_earlier_analysis_sum():
    tr = make_tr({1.0: {"T01": 30, "T02": 20}, 306.0: {"T01": 20, "T02": 10}, 312.0: {"T01": 25, "T02": 15},
                  318.0: {"T01": 26, "T02": 16}})
    sums = _sdiam(create_adtr(tr, make_tu(), make_adsl()))
    assert sums["NADIR"].tolist()[1:] == [50, 30, 30] and pd.isna(sums.loc[0.0, "NADIR"])
    assert sums["CHGNAD"].tolist()[1:] == [-20, 10, 12]
    assert sums["PCHGNAD"].round(2).tolist()[1:] == [-40.0, 33.33, 40.0]


def test_nadir_same_day_records_use_earlier_dates_only():
    data = pd.DataFrame({"USUBJID": ["1"] * 4, "ADT": pd.to_datetime(["2022-02-20", "2022-04-12", "2022-04-12", "2022-05-24"]),
                         "AVAL": [50.0, 40.0, 45.0, 30.0], "ANL01FL": ["Y", "Y", None, "Y"], "ABLFL": ["Y", None, None, None]})
    assert derive_vars_nadir(data)["NADIR"].tolist()[1:] == [50, 50, 40]


def test_analysis_flag_cutoff_new_therapy_and_same_day_larger():
    tr = make_tr({1.0: {"T01": 30, "T02": 20}, 306.0: {"T01": 20, "T02": 10}, 312.0: {"T01": 25, "T02": 15},
                  318.0: {"T01": 26, "T02": 16}}, dates={312.0: "2022-04-12"})   # week 12 scanned the same day as week 6
    sums = _sdiam(create_adtr(tr, make_tu(), make_adsl(NACTDT=T("2022-06-01"))))
    # weeks 6 (30 mm) and 12 (40 mm) share a date: only the larger is kept; week 18 comes after the new therapy
    assert sums["ANL01FL"].tolist() == ["Y", None, "Y", None]
    sums = _sdiam(create_adtr(tr, make_tu(), make_adsl(DCUTDT=T("2022-04-30"))))
    assert sums["ANL01FL"].tolist() == ["Y", None, "Y", None]


def test_partial_assessment_date_imputed_not_before_day_after_first_dose():
    tr = make_tr({1.0: {"T01": 30, "T02": 20}, 306.0: {"T01": 20, "T02": 10}}, dates={306.0: "2022-03"})
    sums = _sdiam(create_adtr(tr, make_tu(), make_adsl()))
    assert sums.loc[306.0, ["ADT", "ADTF"]].tolist() == [T("2022-03-02"), "D"]


def test_best_change_and_spider_flags_stop_at_first_progression():
    tr = make_tr({1.0: {"T01": 30, "T02": 20}, 306.0: {"T01": 20, "T02": 15}, 312.0: {"T01": 30, "T02": 15},
                  318.0: {"T01": 10, "T02": 5}, 327.0: {"T01": 20, "T02": 15}})
    adrs = pd.DataFrame({"USUBJID": ["1"], "PARAMCD": ["PD"], "AVALC": ["Y"], "ADT": [T("2022-05-24")]})
    sums = _sdiam(create_adtr(tr, make_tu(), make_adsl(), adrs=adrs))
    assert sums["ANL02FL"].tolist() == [None, "Y", None, None, None]   # week 18's -70% comes after the PD
    assert sums["ANL03FL"].tolist() == ["Y", "Y", "Y", None, None]     # PD date itself included
    sums = _sdiam(create_adtr(tr, make_tu(), make_adsl()))
    assert sums["ANL02FL"].tolist() == [None, None, None, "Y", None]
    assert sums["ANL03FL"].tolist() == ["Y"] * 5


def test_best_change_ties_take_the_earliest():
    tr = make_tr({1.0: {"T01": 30, "T02": 20}, 306.0: {"T01": 20, "T02": 10}, 312.0: {"T01": 15, "T02": 15}})
    sums = _sdiam(create_adtr(tr, make_tu(), make_adsl()))
    assert sums["ANL02FL"].tolist() == [None, "Y", None]


def test_subjects_outside_adsl_dropped_and_variables_in_spec_order():
    tr = pd.concat([make_tr({1.0: {"T01": 30, "T02": 20}}), make_tr({1.0: {"T01": 30, "T02": 20}}, subject="2")], ignore_index=True)
    tu = pd.concat([make_tu(), make_tu("2")], ignore_index=True)
    adtr = create_adtr(tr, tu, make_adsl())
    assert set(adtr["USUBJID"]) == {"1"}
    assert list(adtr.columns) == ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "EFFFL", "ASEQ", "PARAMCD", "PARAM", "PARCAT1",
                                  "PARCAT2", "PARCAT3", "AVAL", "ADT", "ADTF", "ADY", "AVISIT", "AVISITN", "ABLFL", "BASE", "CHG", "PCHG",
                                  "NADIR", "CHGNAD", "PCHGNAD", "ANL01FL", "ANL02FL", "ANL03FL", "TRLNKID", "TULOC", "LSEXP", "LSASS",
                                  "SRCDOM", "SRCVAR", "SRCSEQ"]


# --- response QC (adam/recist_qc.py) ----------------------------------------------------------------
BASELINE = {"T01": 30, "T02": 20}


def _responses(measurements, *, tu=None, states=None, nodal=("T02",)) -> pd.DataFrame:
    tr = make_tr({1.0: dict(BASELINE), **measurements}, nodal=nodal, states=states)
    tu = tu if tu is not None else make_tu()
    return compute_recist_response(create_adtr(tr, tu, make_adsl()), tr, tu).set_index("VISITNUM")


@pytest.mark.parametrize(
    ("week6", "week12", "expected"),
    [
        ({"T01": 10, "T02": 10}, {"T01": 14, "T02": 10}, "PR"),    # 20 -> 24: +20% but only +4 mm: still -52% from baseline
        ({"T01": 20, "T02": 15}, {"T01": 27, "T02": 15}, "PD"),    # 35 -> 42: +20% and +7 mm
        ({"T01": 30, "T02": 20}, {"T01": 39.95, "T02": 20}, "SD"),  # 50 -> 59.95: +19.9%, +9.95 mm
        ({"T01": 30, "T02": 20}, {"T01": 40, "T02": 20}, "PD"),    # 50 -> 60: exactly +20%, +10 mm
        ({"T01": 20, "T02": 5}, {"T01": 24, "T02": 5}, "PR"),      # 25 -> 29: +16%, +4 mm
    ],
)
def test_target_progression_needs_twenty_percent_and_five_mm_over_the_nadir(week6, week12, expected):
    assert _responses({306.0: week6, 312.0: week12}).loc[312.0, "TRGRESP"] == expected


def test_exactly_five_mm_and_twenty_percent_is_progression():
    out = _responses({306.0: {"T01": 20, "T02": 5}, 312.0: {"T01": 25, "T02": 5}})   # 25 -> 30: +20%, +5 mm
    assert out.loc[312.0, ["NADIR", "TRGRESP"]].tolist() == [25, "PD"]


def test_partial_response_is_thirty_percent_below_baseline():
    out = _responses({306.0: {"T01": 15, "T02": 20}, 312.0: {"T01": 16, "T02": 20}})   # 35 = -30%; 36 = -28%
    assert out["TRGRESP"].tolist() == ["PR", "SD"]


@pytest.mark.parametrize(("node", "expected"), [(9, "CR"), (10, "PR"), (0, "CR")])
def test_complete_response_allows_nodes_below_ten_mm(node, expected):
    out = _responses({306.0: {"T01": 0, "T02": node}})
    assert out.loc[306.0, "TRGRESP"] == expected


def test_lesion_not_measured_is_not_evaluable_unless_progression_is_already_shown():
    out = _responses({306.0: {"T01": 20, "T02": None}, 312.0: {"T01": 20, "T02": 10}, 318.0: {"T01": 45, "T02": None}})
    assert out["TRGRESP"].tolist() == ["NE", "PR", "PD"]     # week 18: T01 alone (45) >= 120% of nadir 30 and +15 mm


def test_non_target_and_new_lesions_in_the_overall_response():
    tu = make_tu(nontargets=("NT01",), new={"NEW01": 318.0})
    states = {1.0: {"NT01": "PRESENT"}, 306.0: {"NT01": "ABSENT"}, 312.0: {"NT01": "PRESENT"}, 318.0: {"NT01": "PRESENT"},
              327.0: {"NT01": "UNEQUIVOCAL"}}
    out = _responses({306.0: {"T01": 0, "T02": 5}, 312.0: {"T01": 0, "T02": 5}, 318.0: {"T01": 0, "T02": 5}, 327.0: {"T01": 0, "T02": 5}},
                     tu=tu, states=states)
    assert out["TRGRESP"].tolist() == ["CR"] * 4
    assert out["NTRGRESP"].tolist() == ["CR", "NON-CR/NON-PD", "NON-CR/NON-PD", "PD"]
    assert out["NEWLIND"].tolist() == ["N", "N", "Y", "N"]
    assert out["OVRLRESP"].tolist() == ["CR", "PR", "PD", "PD"]


def test_non_target_lesion_not_assessed_is_not_evaluable():
    tu = make_tu(nontargets=("NT01", "NT02"))
    states = {1.0: {"NT01": "PRESENT", "NT02": "PRESENT"}, 306.0: {"NT01": "PRESENT"}}
    out = _responses({306.0: {"T01": 20, "T02": 10}}, tu=tu, states=states)
    assert out.loc[306.0, ["TRGRESP", "NTRGRESP", "OVRLRESP"]].tolist() == ["PR", "NE", "PR"]


def test_overall_response_table():
    target = pd.Series(["CR", "CR", "CR", "PR", "SD", "NE", "PD", "SD", None, None, None])
    nontarget = pd.Series([None, "CR", "NE", "NE", "NON-CR/NON-PD", "NON-CR/NON-PD", "CR", "PD", "NON-CR/NON-PD", "CR", "PD"])
    new = pd.Series([False] * 10 + [False])
    assert compute_overall_response(target, nontarget, new).tolist() == \
        ["CR", "CR", "PR", "PR", "SD", "NE", "PD", "PD", "NON-CR/NON-PD", "CR", "PD"]
    assert compute_overall_response(pd.Series(["CR"]), pd.Series(["CR"]), pd.Series([True])).tolist() == ["PD"]


def test_target_response_without_nadir_history_uses_baseline():
    s = pd.Series
    out = compute_target_response(s([60.0]), s([50.0]), s([50.0]), complete=s([True]), all_gone=s([False]))
    assert out.tolist() == ["PD"]


def test_discrepancies_listed_against_rs():
    computed = _responses({306.0: {"T01": 15, "T02": 10}, 312.0: {"T01": 16, "T02": 10}}).reset_index()
    rs = pd.DataFrame({"USUBJID": ["1", "1", "1", "1"], "VISITNUM": [306.0, 312.0, 312.0, 318.0], "RSCAT": ["RECIST 1.1"] * 3 + ["RECIST 1.1"],
                       "RSTESTCD": ["OVRLRESP", "OVRLRESP", "TRGRESP", "OVRLRESP"], "RSSTRESC": ["PR", "SD", "PR", "PD"], "RSSEQ": [1, 2, 3, 4]})
    found = filter_response_discrepancies(computed, rs)
    assert found[["VISITNUM", "RSSTRESC", "OVRLRESP", "RSSEQ"]].values.tolist() == [[312.0, "SD", "PR", 2]]
    assert filter_response_discrepancies(computed, rs, testcd="TRGRESP").empty


@pytest.mark.slow
def test_embedded_study_adtr_and_response_qc():
    from sdtm.build import publishable
    from sdtm.context import MappingContext
    from sdtm.dm import map_dm
    from sdtm.ex import map_ex
    from sdtm.mapping import load_mapping
    from sdtm.rs import map_rs
    from sdtm.se import map_se
    from sdtm.tr import map_tr
    from sdtm.tu import map_tu
    from specs.loader import load_study

    study = load_study("alter_e003")
    ctx = MappingContext(study, load_mapping(Path(study.folder)), Path(study.folder).parents[1] / "rawdata" / "alter_e003",
                         study.cutoff_date())
    frames = {}
    for mapper in (map_dm, map_se, map_ex, map_tu, map_tr, map_rs):
        results = mapper(ctx)
        for result in results if isinstance(results, list) else [results]:
            ctx.results[result.domain] = result
            frames[result.domain] = publishable(result.data)
    dm, ex = frames["DM"], frames["EX"]
    given = ex[ex["EXDOSE"] > 0]
    adsl = dm[["STUDYID", "USUBJID", "SUBJID", "SITEID"]].assign(TRT01P="A", EFFFL="Y", DCUTDT=T(study.cutoff_date()), NACTDT=pd.NaT)
    adsl["TRTSDT"] = adsl["USUBJID"].map(pd.to_datetime(given["EXSTDTC"].str[:10]).groupby(given["USUBJID"]).min())
    adtr = create_adtr(frames["TR"], frames["TU"], adsl[adsl["TRTSDT"].notna()])
    sums = adtr[adtr["PARAMCD"].eq("SDIAM")]
    # the one target lesion not measured (04-008, week 12) makes that sum incomplete
    incomplete = sums[sums["LSASS"].ne(sums["LSEXP"])]
    assert incomplete[["SUBJID", "AVISITN"]].values.tolist() == [["04-008", 312.0]]
    assert incomplete["ANL01FL"].isna().all()
    assert sums["ABLFL"].eq("Y").sum() == sums["USUBJID"].nunique()
    # QC: the recomputed RECIST 1.1 response disagrees with the investigator's at exactly two assessments
    computed = compute_recist_response(adtr, frames["TR"], frames["TU"])
    found = filter_response_discrepancies(computed, frames["RS"])
    found = found.merge(adsl[["USUBJID", "SUBJID"]], on="USUBJID")
    assert found[["SUBJID", "VISIT", "RSSTRESC", "OVRLRESP"]].values.tolist() == [
        ["01-010", "Week 27 Tumour Assessment", "PR", "SD"],
        ["03-006", "Week 36 Tumour Assessment", "CR", "PR"],
    ]
    assert computed.set_index(["USUBJID", "VISITNUM"]).loc[(adsl.set_index("SUBJID").loc["04-008", "USUBJID"], 312.0), "OVRLRESP"] == "NE"
