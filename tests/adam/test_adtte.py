"""ADTTE from the study's endpoint definitions, on hand-made ADSL/RS."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from adam.adrs import create_adrs
from adam.adtte import create_adtte, load_endpoints
from adam.recist import ResponseRules
from specs.errors import SpecError
from specs.loader import load_study

STUDY = load_study("alter_e003")
DEFINITIONS = load_endpoints(Path(STUDY.folder))
START = pd.Timestamp("2022-03-01")


def _adsl() -> pd.DataFrame:
    return pd.DataFrame([
        {"STUDYID": "S", "USUBJID": "1", "TRT01P": "A", "FASFL": "Y", "EFFFL": "Y", "TRTSDT": START, "DCUTDT": pd.Timestamp("2024-12-31"),
         "NACTDT": pd.NaT, "DTHDT": pd.Timestamp("2023-01-10"), "DTHDTF": None, "LSTALVDT": pd.Timestamp("2023-01-10")},
        {"STUDYID": "S", "USUBJID": "2", "TRT01P": "A", "FASFL": "Y", "EFFFL": "Y", "TRTSDT": START, "DCUTDT": pd.Timestamp("2024-12-31"),
         "NACTDT": pd.NaT, "DTHDT": pd.NaT, "DTHDTF": None, "LSTALVDT": pd.Timestamp("2024-11-30")},
    ])


def _rs() -> pd.DataFrame:
    visits = {"1": [("2022-04-12", "PR"), ("2022-05-24", "PR"), ("2022-07-05", "PD")],
              "2": [("2022-04-12", "SD"), ("2022-05-24", "SD")]}
    rows = [{"USUBJID": s, "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1", "RSSTRESC": r, "RSDTC": d, "VISIT": "V", "VISITNUM": 1.0,
             "RSSEQ": i} for s, items in visits.items() for i, (d, r) in enumerate(items, start=1)]
    return pd.DataFrame(rows)


@pytest.fixture
def adtte() -> pd.DataFrame:
    adsl = _adsl()
    adrs = create_adrs(_rs(), adsl, rules=ResponseRules())
    return create_adtte(adsl, adrs, DEFINITIONS, schedule=STUDY.analysis.tumour_assessment, cutoff=STUDY.cutoff_date())


def test_pfs_event_and_censoring(adtte):
    pfs = adtte[adtte["PARAMCD"] == "PFS"].set_index("USUBJID")
    # 2022-07-05 is day 127
    assert pfs.loc["1", ["CNSR", "AVAL", "EVNTDESC", "SRCDOM"]].tolist() == [0, 127, "Disease Progression", "ADRS"]
    assert pfs.loc["2", ["CNSR", "AVAL", "CNSDTDSC"]].tolist() == [2, 85, "Last Adequate Tumor Assessment"]


def test_os_death_and_last_known_alive(adtte):
    os_ = adtte[adtte["PARAMCD"] == "OS"].set_index("USUBJID")
    assert os_.loc["1", ["CNSR", "EVNTDESC"]].tolist() == [0, "Death"]
    assert os_.loc["2", ["CNSR", "EVNTDESC", "CNSDTDSC"]].tolist() == [5, "Alive", "Last Known Alive Date"]


def test_duration_of_response_only_for_responders_from_first_response(adtte):
    dor = adtte[adtte["PARAMCD"] == "DOR"]
    assert dor["USUBJID"].tolist() == ["1"]
    # confirmed response from 2022-04-12; PD 2022-07-05: 84 days + 1
    assert dor[["STARTDT", "AVAL", "CNSR"]].values.tolist() == [[pd.Timestamp("2022-04-12"), 85, 0]]


def test_time_to_response_among_confirmed_responders(adtte):
    ttr = adtte[adtte["PARAMCD"] == "TTR"]
    assert ttr[["USUBJID", "AVAL", "CNSR", "EVNTDESC"]].values.tolist() == [["1", 43, 0, "Confirmed Response"]]


def test_aseq_and_params(adtte):
    assert adtte.groupby("USUBJID")["ASEQ"].apply(list).to_dict() == {"1": [1, 2, 3, 4, 5], "2": [1, 2]}
    assert set(adtte["PARAM"]) >= {"Progression-Free Survival by Investigator (Days)", "Overall Survival (Days)"}


def test_unknown_source_is_a_spec_error(tmp_path):
    text = (Path(STUDY.folder) / "endpoints.yaml").read_text().replace("events: [pd, death]", "events: [pd, dead]", 1)
    (tmp_path / "endpoints.yaml").write_text(text)
    with pytest.raises(SpecError, match="unknown source 'dead'"):
        load_endpoints(tmp_path)
