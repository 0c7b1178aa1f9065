"""Double programming of ADTTE PFS and OS (issue #7): the independent QC re-derivation in
``tests/qc/adtte_qc.py`` against production ``adam/adtte.xpt``, through the project's PROC COMPARE
tool (``specs.compare`` and ``subpack compare``); plus hand-made checks of the QC rules themselves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from qc.adtte_qc import (
    KEYS,
    QC_VARIABLES,
    AssessmentSchedule,
    compare_with_production,
    compute_dthdt,
    compute_missed_limit,
    compute_nactdt,
    create_adtte_qc,
    create_pfs_os,
    create_subjects,
    derive_var_anl01fl,
    read_sdtm,
    read_study_inputs,
    write_compare_files,
)

from specs.compare import compare_datasets, read_dataset
from subpack.cli import main as subpack_main

pytestmark = pytest.mark.slow

# --------------------------------------------------------------------------- the package
@pytest.fixture(scope="module")
def package(embedded_package) -> Path:
    """The package at the default cut-off (tests/conftest.py builds it once per session)."""
    return embedded_package


@pytest.fixture(scope="module")
def qc(package) -> pd.DataFrame:
    return create_adtte_qc(package)


def _cli_compare(base: Path, compare: Path, capsys) -> tuple[int, str]:
    code = subpack_main(["compare", str(base), str(compare), "--by", ",".join(KEYS)])
    return code, capsys.readouterr().out


def test_qc_matches_production_in_every_variable(package, qc, tmp_path):
    result, _, _ = compare_with_production(package, qc, tmp_path)
    assert result.base_records == result.compare_records == result.observations_in_common == 92
    assert not (result.dataset_differences or result.variable_differences or result.variables_only_in_base
                or result.variables_only_in_compare)
    assert len(result.observations_only_in_base) == len(result.observations_only_in_compare) == 0
    # the QC found that OS deaths were traced to ADSL.DTHDT instead of the ADRS DEATH record
    # (MT.ADTTE.TRACE); production was corrected, so no value may differ now
    assert not any(v.count for v in result.value_differences)
    os_deaths = qc[(qc["PARAMCD"] == "OS") & (qc["CNSR"] == 0)]
    assert len(os_deaths) == 30 and set(zip(os_deaths["SRCDOM"], os_deaths["SRCVAR"])) == {("ADRS", "ADT")}


def test_compare_cli_finds_no_difference_in_any_qc_variable(package, qc, tmp_path, capsys):
    base, compare = write_compare_files(package, qc, tmp_path)
    code, report = _cli_compare(base, compare, capsys)
    assert code == 0, report
    assert "NOTE: No differences were found." in report
    assert "Number of Observations in Common: 92." in report


def test_negative_control_perturbed_qc_is_caught(package, qc, tmp_path, capsys):
    perturbed = qc.copy()
    pfs = perturbed.index[perturbed["PARAMCD"] == "PFS"]
    adt_row, cnsr_row = pfs[0], pfs[1]
    perturbed.at[adt_row, "ADT"] = perturbed.at[adt_row, "ADT"] + dt.timedelta(days=1)
    perturbed.at[cnsr_row, "CNSR"] = perturbed.at[cnsr_row, "CNSR"] + 1
    result, base, compare = compare_with_production(package, perturbed, tmp_path)
    assert not result.identical
    assert {v.variable: v.count for v in result.value_differences} == {"ADT": 1, "CNSR": 1}
    found = {v.variable: v.examples for v in result.value_differences}
    assert found["ADT"].loc[0, "USUBJID"] == perturbed.at[adt_row, "USUBJID"] and found["ADT"].loc[0, "DIFF"] == 1
    assert found["CNSR"].loc[0, "USUBJID"] == perturbed.at[cnsr_row, "USUBJID"]
    code, report = _cli_compare(base, compare, capsys)
    assert code == 1
    assert "NOTE: The datasets differ: 2 unequal value(s) in 2 variable(s)." in report


def test_qc_subject_dates_match_production_adsl(package):
    """The QC's ADSL-level intermediates against production ADSL, with compare_datasets on frames."""
    subjects = create_subjects(read_sdtm(package / "sdtm"), read_study_inputs())
    production, _ = pyreadstat.read_xport(str(package / "adam" / "adsl.xpt"))
    columns = ["USUBJID", "TRTSDT", "FASFL", "EFFFL", "NACTDT", "DTHDT", "LSTALVDT", "DCUTDT"]
    result = compare_datasets(production[columns], subjects[columns], by=["USUBJID"])
    assert result.identical, [(v.variable, v.examples) for v in result.value_differences]


def test_production_srcseq_points_at_the_adrs_record_that_set_adt(package):
    """SRCSEQ (an ADRS ASEQ) is not re-derived; check instead that it names an ADRS record of the
    right parameter and date (MT.ADTTE.TRACE) in the production ADRS."""
    adtte, _ = read_dataset(package / "adam" / "adtte.xpt")
    adrs, _ = read_dataset(package / "adam" / "adrs.xpt")
    traced = adtte[adtte["PARAMCD"].isin(["PFS", "OS"]) & (adtte["SRCDOM"] == "ADRS")]
    merged = traced.merge(adrs, left_on=["USUBJID", "SRCSEQ"], right_on=["USUBJID", "ASEQ"], suffixes=("", "_ADRS"))
    assert len(merged) == len(traced) > 0
    assert (merged["ADT"] == merged["ADT_ADRS"]).all()
    expected = merged.apply(
        lambda r: "OVR" if r["CNSR"] > 0 else ("DEATH" if r["EVNTDESC"] == "Death" else "PD"), axis=1
    )
    assert (merged["PARAMCD_ADRS"] == expected).all()
    assert (merged["ANL01FL"] == "Y").all()
    assert adtte.loc[adtte["SRCDOM"] == "ADSL", "SRCSEQ"].isna().all()


# ------------------------------------------------------------------- the QC rules themselves
START = dt.date(2023, 1, 2)
PARAMS = {"PFS": "Progression-Free Survival by Investigator (Days)", "OS": "Overall Survival (Days)"}


def _day(n: int) -> dt.date:
    """The date n days after the start date (study day n + 1)."""
    return START + dt.timedelta(days=n)


def _subject(**values) -> pd.DataFrame:
    row = {"STUDYID": "QC", "USUBJID": "S1", "TRTSDT": START, "FASFL": "Y", "EFFFL": "Y", "NACTDT": None,
           "DTHDT": None, "LSTALVDT": _day(400), "DCUTDT": _day(1000)}
    row.update(values)
    return pd.DataFrame([row])


def _ovr(*assessments: tuple[int, str]) -> pd.DataFrame:
    return pd.DataFrame([{"USUBJID": "S1", "ADT": _day(n), "AVALC": v} for n, v in assessments],
                        columns=["USUBJID", "ADT", "AVALC"])


def _tte(subject: pd.DataFrame, ovr: pd.DataFrame, paramcd: str = "PFS") -> dict:
    frame = create_pfs_os(subject, ovr, schedule=AssessmentSchedule(), params=PARAMS)
    [record] = frame[frame["PARAMCD"] == paramcd].to_dict("records")
    return record


def _expect(record: dict, *, adt: dt.date, cnsr: int, evntdesc: str, cnsdtdsc: str | None, src: tuple[str, str]):
    assert (record["ADT"], record["CNSR"], record["EVNTDESC"]) == (adt, cnsr, evntdesc)
    assert record["CNSDTDSC"] == cnsdtdsc
    assert (record["SRCDOM"], record["SRCVAR"]) == src
    assert record["AVAL"] == (adt - record["STARTDT"]).days + 1


def test_rule_2_event_after_two_missed_assessments_is_censored_at_the_last_adequate_one():
    # SD at week 6 (day 42), next scheduled week 12; PD 92 days later > 2 x 42 + 7 = 91
    record = _tte(_subject(), _ovr((42, "SD"), (134, "PD")))
    _expect(record, adt=_day(42), cnsr=3, evntdesc="Event After Two or More Missed Assessments",
            cnsdtdsc="Last Adequate Tumor Assessment", src=("ADRS", "ADT"))
    assert record["AVAL"] == 43


def test_rule_2_limit_is_inclusive_and_widens_from_week_18():
    assert _tte(_subject(), _ovr((42, "SD"), (133, "PD")))["CNSR"] == 0          # 91 days: not censored
    assert _tte(_subject(), _ovr((189, "SD"), (322, "PD")))["CNSR"] == 0         # week 27 + 133 days
    assert _tte(_subject(), _ovr((189, "SD"), (323, "PD")))["CNSR"] == 3         # week 27 + 134 days
    schedule = AssessmentSchedule()
    # k = the scheduled assessment nearest to L (a tie, day 105 between weeks 12 and 18, takes the earlier)
    assert [compute_missed_limit(START, _day(n), schedule) for n in (0, 40, 84, 105, 106, 126, 190, 400)] == [
        91, 91, 91, 91, 133, 133, 133, 133]


def test_rule_1_new_anticancer_therapy_before_pd_censors_at_the_last_assessment_before_it():
    subject = _subject(NACTDT=_day(60))
    ovr = _ovr((42, "SD"), (84, "PD"))
    _expect(_tte(subject, ovr), adt=_day(42), cnsr=4, evntdesc="New Anticancer Therapy Before Event",
            cnsdtdsc="Last Adequate Tumor Assessment Before New Anticancer Therapy", src=("ADRS", "ADT"))
    flags = derive_var_anl01fl(ovr, subject)
    assert flags["ANL01FL"].tolist() == ["Y", None]                              # no assessment after NACTDT
    # OS is not censored by the new therapy
    assert _tte(subject, ovr, "OS")["CNSR"] == 5


def test_rule_1_without_any_assessment_censors_at_the_start_date():
    _expect(_tte(_subject(NACTDT=_day(20)), _ovr()), adt=START, cnsr=4,
            evntdesc="New Anticancer Therapy Before Event",
            cnsdtdsc="Last Adequate Tumor Assessment Before New Anticancer Therapy", src=("ADSL", "TRTSDT"))


def test_rule_5_no_adequate_post_baseline_assessment_censors_at_the_start_date():
    # an assessment on the day of first dose is baseline; NE is not adequate
    record = _tte(_subject(), _ovr((0, "SD"), (42, "NE")))
    _expect(record, adt=START, cnsr=1, evntdesc="No Adequate Post-Baseline Assessment",
            cnsdtdsc="Treatment Start", src=("ADSL", "TRTSDT"))
    assert record["AVAL"] == 1


def test_rule_4_no_event_censors_at_the_last_adequate_assessment():
    _expect(_tte(_subject(), _ovr((42, "PR"), (84, "SD"), (126, "NE"))), adt=_day(84), cnsr=2,
            evntdesc="No Progression or Death", cnsdtdsc="Last Adequate Tumor Assessment", src=("ADRS", "ADT"))


def test_death_without_assessments_is_an_event_within_the_limit_and_censored_after_it():
    subject = _subject(DTHDT=_day(50), LSTALVDT=_day(50))
    _expect(_tte(subject, _ovr()), adt=_day(50), cnsr=0, evntdesc="Death", cnsdtdsc=None, src=("ADRS", "ADT"))
    _expect(_tte(subject, _ovr(), "OS"), adt=_day(50), cnsr=0, evntdesc="Death", cnsdtdsc=None, src=("ADRS", "ADT"))
    late = _subject(DTHDT=_day(120), LSTALVDT=_day(120))
    _expect(_tte(late, _ovr()), adt=START, cnsr=3, evntdesc="Event After Two or More Missed Assessments",
            cnsdtdsc="Last Adequate Tumor Assessment", src=("ADSL", "TRTSDT"))
    assert _tte(late, _ovr(), "OS")["CNSR"] == 0                                 # missed scans do not censor OS


def test_event_on_the_start_day_has_aval_1():
    subject = _subject(DTHDT=START, LSTALVDT=START)
    for paramcd in ("PFS", "OS"):
        record = _tte(subject, _ovr(), paramcd)
        assert (record["ADT"], record["CNSR"], record["AVAL"]) == (START, 0, 1)


def test_pd_is_the_first_pd_and_wins_over_a_later_death():
    # two assessments on one date: the worse (PD) is kept; assessments after the first PD are not used
    ovr = _ovr((42, "SD"), (84, "SD"), (84, "PD"), (126, "PD"))
    assert derive_var_anl01fl(ovr, _subject())["ANL01FL"].tolist() == ["Y", None, "Y", None]
    record = _tte(_subject(DTHDT=_day(200), LSTALVDT=_day(200)), ovr)
    _expect(record, adt=_day(84), cnsr=0, evntdesc="Disease Progression", cnsdtdsc=None, src=("ADRS", "ADT"))


def test_os_alive_is_censored_at_the_last_known_alive_date():
    _expect(_tte(_subject(), _ovr(), "OS"), adt=_day(400), cnsr=5, evntdesc="Alive",
            cnsdtdsc="Last Known Alive Date", src=("ADSL", "LSTALVDT"))


def test_partial_dates_of_new_therapy_and_death_are_imputed_as_specified():
    sources = [{"domain": "CM", "variable": "CMCAT", "values": ["SUBSEQUENT ANTICANCER THERAPY"], "start": "CMSTDTC"}]
    cm = pd.DataFrame({"USUBJID": ["S1", "S1"], "CMCAT": ["SUBSEQUENT ANTICANCER THERAPY"] * 2,
                       "CMSTDTC": ["2023-01", "2022-11"]})
    # '2023-01' -> 2023-01-01, moved to TRTSDT + 1; '2022-11' ended before the first dose: not new
    assert compute_nactdt({"CM": cm}, "S1", dt.date(2023, 1, 15), sources=sources,
                          cutoff=dt.date(2024, 12, 31)) == dt.date(2023, 1, 16)
    cutoff = dt.date(2024, 12, 31)
    assert compute_dthdt("2024-03", dt.date(2024, 3, 10), cutoff=cutoff) == dt.date(2024, 3, 10)
    assert compute_dthdt("2024-03", dt.date(2024, 2, 1), cutoff=cutoff) == dt.date(2024, 3, 1)
    assert compute_dthdt("2025-01-05", None, cutoff=cutoff) is None
