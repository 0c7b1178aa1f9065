"""ADRS on hand-made RS/ADSL: analysis flag rules and the derived parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.adrs import create_adrs, derive_ovr, derive_var_anl01fl
from adam.recist import ResponseRules

START = pd.Timestamp("2022-03-01")


def _adsl(**values) -> pd.DataFrame:
    base = {"STUDYID": "S", "USUBJID": "1", "SUBJID": "01-001", "SITEID": "01", "TRT01P": "A", "FASFL": "Y", "EFFFL": "Y",
            "TRTSDT": START, "DCUTDT": pd.Timestamp("2024-12-31"), "NACTDT": pd.NaT, "DTHDT": pd.NaT, "DTHDTF": None}
    base.update(values)
    return pd.DataFrame([base])


def _rs(*records: tuple[str, str]) -> pd.DataFrame:
    """(RSDTC, response) overall responses, plus a target-response record that must be ignored."""
    rows = [{"USUBJID": "1", "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1", "RSSTRESC": resp, "RSDTC": dtc,
             "VISIT": f"V{i}", "VISITNUM": float(i), "RSSEQ": i} for i, (dtc, resp) in enumerate(records, start=1)]
    rows.append({"USUBJID": "1", "RSTESTCD": "TRGRESP", "RSCAT": "RECIST 1.1", "RSSTRESC": "PR", "RSDTC": "2022-04-12",
                 "VISIT": "V1", "VISITNUM": 1.0, "RSSEQ": 99})
    return pd.DataFrame(rows)


def _flags(rs: pd.DataFrame, adsl: pd.DataFrame) -> list:
    return derive_var_anl01fl(derive_ovr(rs, adsl), adsl)["ANL01FL"].tolist()


def test_analysis_flag_excludes_baseline_after_pd_and_after_cutoff():
    rs = _rs(("2022-03-01", "SD"), ("2022-04-12", "PR"), ("2022-05-24", "PD"), ("2022-07-05", "PR"), ("2025-01-10", "SD"))
    # day of first dose is baseline; after the first PD nothing counts; after the cut-off nothing counts
    assert _flags(rs, _adsl()) == [None, "Y", "Y", None, None]


def test_analysis_flag_stops_at_new_anticancer_therapy():
    rs = _rs(("2022-04-12", "PR"), ("2022-05-24", "PR"), ("2022-07-05", "PD"))
    assert _flags(rs, _adsl(NACTDT=pd.Timestamp("2022-06-01"))) == ["Y", "Y", None]


def test_worst_response_of_the_day_and_ne_only_when_all_ne():
    rs = _rs(("2022-04-12", "PR"), ("2022-04-12", "SD"), ("2022-05-24", "NE"), ("2022-05-24", "PR"), ("2022-07-05", "NE"))
    assert _flags(rs, _adsl()) == [None, "Y", None, "Y", "Y"]


def test_partial_assessment_date_imputed_not_before_day_after_first_dose():
    rs = _rs(("2022-03", "SD"), ("2022-05", "PR"))
    ovr = derive_ovr(rs, _adsl())
    assert ovr["ADT"].tolist() == [pd.Timestamp("2022-03-02"), pd.Timestamp("2022-05-01")]
    assert ovr["ADTF"].tolist() == ["D", "D"]


def test_parameters_of_a_confirmed_responder():
    rs = _rs(("2022-04-12", "SD"), ("2022-05-24", "PR"), ("2022-07-05", "PR"), ("2022-09-06", "PD"))
    adrs = create_adrs(rs, _adsl(), rules=ResponseRules()).set_index("PARAMCD")
    assert adrs.loc["BOR", ["AVALC", "AVAL"]].tolist() == ["PR", 2]
    assert adrs.loc["CBOR", ["AVALC", "AVAL", "ADT", "SRCSEQ"]].tolist() == ["PR", 2, pd.Timestamp("2022-05-24"), 2]
    assert adrs.loc["RSP", ["AVALC", "AVAL"]].tolist() == ["Y", 1]
    assert adrs.loc["CRSP", "AVALC"] == "Y" and adrs.loc["CCB", "AVALC"] == "Y"
    assert adrs.loc["PD", ["AVALC", "ADT", "SRCSEQ"]].tolist() == ["Y", pd.Timestamp("2022-09-06"), 4]
    assert adrs.loc["LSTA", ["AVALC", "ADT"]].tolist() == ["PD", pd.Timestamp("2022-09-06")]
    assert adrs.loc["DEATH", "AVALC"] == "N"
    assert adrs.loc["BOR", "PARAM"] == "Best Overall Response by Investigator (confirmation not required)"


def test_parameters_without_assessments():
    adrs = create_adrs(_rs(), _adsl(DTHDT=pd.Timestamp("2022-04-01")), rules=ResponseRules()).set_index("PARAMCD")
    assert adrs.loc["BOR", "AVALC"] == "NE" and adrs.loc["CBOR", "AVALC"] == "NE"
    assert adrs.loc["RSP", "AVALC"] == "N" and pd.isna(adrs.loc["RSP", "ADT"])
    assert adrs.loc["DEATH", ["AVALC", "ADT", "SRCVAR"]].tolist() == ["Y", pd.Timestamp("2022-04-01"), "DTHDT"]
    assert "LSTA" not in adrs.index  # no adequate assessment: no LSTA record


def test_aseq_and_ady():
    rs = _rs(("2022-04-12", "SD"), ("2022-05-24", "SD"))
    adrs = create_adrs(rs, _adsl(), rules=ResponseRules())
    assert adrs["ASEQ"].tolist() == list(range(1, len(adrs) + 1))
    ovr = adrs[adrs["PARAMCD"] == "OVR"]
    assert ovr["ADY"].tolist() == [43, 85]  # 2022-04-12 is 42 days after 2022-03-01: day 43
    assert np.array_equal(adrs.columns.isin(["TRTSDT", "FASFL", "PARCAT3"]).sum(), 3)
