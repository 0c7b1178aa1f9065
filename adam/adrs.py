"""ADRS: tumour response per assessment (OVR) and the derived response parameters.

admiralonco conventions (ADRS vignette). Inputs: SDTM RS (the investigator's overall
response per RECIST 1.1: ``RSTESTCD == "OVRLRESP"``, ``RSCAT == "RECIST 1.1"``) and ADSL
(TRTSDT, NACTDT, DTHDT, DCUTDT). Parameters and their rules (spec methods MT.ADRS.*):

| PARAMCD | AVALC                                                       | ADT                                  |
|---------|-------------------------------------------------------------|--------------------------------------|
| OVR     | RSSTRESC per assessment; ANL01FL marks the analysis records | RSDTC (day imputed to the 1st, not before TRTSDT + 1) |
| BOR     | best overall response, confirmation not required             | first date of the deciding assessment |
| CBOR    | best confirmed overall response (RECIST 1.1 4.4)             | first response of the confirmed pair |
| RSP     | Y when BOR is CR or PR                                       | BOR date                             |
| CRSP    | Y when CBOR is CR or PR                                      | CBOR date                            |
| CB      | Y when BOR is CR, PR, SD or NON-CR/NON-PD                    | BOR date                             |
| CCB     | Y when CBOR is CR, PR, SD or NON-CR/NON-PD                   | CBOR date                            |
| PD      | Y when an analysis OVR is PD                                 | first PD                             |
| DEATH   | Y when ADSL.DTHDT is populated                               | DTHDT                                |
| LSTA    | the last adequate (not NE) analysis OVR; no record without one | its date                            |

ANL01FL of OVR (MT.ADRS.ANL01FL): response and date present, ADT after TRTSDT, on or before
the cut-off, on or before NACTDT, on or before the first PD, and the worst evaluable response of
its day (NE only when every response of the day is NE). The SD window, confirmation interval and
NE limit come from the study's ``analysis.recist`` (:class:`adam.recist.ResponseRules`).
AVAL: CR 1, PR 2, SD 3, NON-CR/NON-PD 4, PD 5, NE 6; Y 1, N 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.dates import compute_dt
from adam.recist import ResponseRules, derive_bor, derive_confirmed_bor

RESPONSE_AVAL = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}
YN_AVAL = {"Y": 1, "N": 0}
PARAMS = {
    "OVR": "Overall Response by Investigator",
    "BOR": "Best Overall Response by Investigator (confirmation not required)",
    "CBOR": "Best Confirmed Overall Response by Investigator",
    "RSP": "Response by Investigator (confirmation not required)",
    "CRSP": "Confirmed Response by Investigator",
    "CB": "Clinical Benefit by Investigator (confirmation for response not required)",
    "CCB": "Confirmed Clinical Benefit by Investigator",
    "PD": "Disease Progression by Investigator",
    "DEATH": "Death",
    "LSTA": "Last Disease Assessment by Investigator",
}
ADSL_KEEP = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "FASFL", "EFFFL", "TRTSDT"]


def derive_ovr(rs: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """OVR records from RS: AVALC, AVAL, ADT/ADTF, ADY, AVISIT/AVISITN and the RS trace.

    Required RS columns: USUBJID, RSTESTCD, RSCAT, RSSTRESC, RSDTC, VISIT, VISITNUM, RSSEQ.
    """
    ovr = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSCAT"] == "RECIST 1.1")]
    ovr = ovr.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID", how="inner")
    first_possible = pd.to_datetime(ovr["TRTSDT"]) + pd.Timedelta(days=1)
    adt, adtf = compute_dt(ovr["RSDTC"].reset_index(drop=True), highest_imputation="D", date_imputation="first",
                           min_dates=first_possible.reset_index(drop=True))
    ovr = ovr.reset_index(drop=True)
    return pd.DataFrame({
        "USUBJID": ovr["USUBJID"], "PARAMCD": "OVR", "AVALC": ovr["RSSTRESC"],
        "AVAL": ovr["RSSTRESC"].map(RESPONSE_AVAL), "ADT": adt, "ADTF": adtf,
        "AVISIT": ovr["VISIT"], "AVISITN": ovr["VISITNUM"],
        "SRCDOM": "RS", "SRCVAR": "RSSTRESC", "SRCSEQ": ovr["RSSEQ"],
    })


def derive_var_anl01fl(ovr: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """ANL01FL on OVR records (rules in the module docstring)."""
    data = ovr.merge(adsl[["USUBJID", "TRTSDT", "DCUTDT", "NACTDT"]], on="USUBJID", how="left")
    adt = pd.to_datetime(data["ADT"])
    valid = data["AVALC"].notna() & adt.notna() & (adt > pd.to_datetime(data["TRTSDT"]))
    valid &= data["DCUTDT"].isna() | (adt <= pd.to_datetime(data["DCUTDT"]))
    valid &= data["NACTDT"].isna() | (adt <= pd.to_datetime(data["NACTDT"]))
    rank = data["AVAL"].where(data["AVALC"] != "NE", 0)  # NE only when nothing else that day
    candidates = data[valid].assign(_rank=rank[valid], _pos=np.flatnonzero(valid.to_numpy()))
    worst = candidates.sort_values(["USUBJID", "ADT", "_rank", "_pos"], ascending=[True, True, False, True],
                                   kind="mergesort").drop_duplicates(["USUBJID", "ADT"])
    first_pd = worst[worst["AVALC"] == "PD"].groupby("USUBJID")["ADT"].min()
    keep = worst[worst["ADT"] <= worst["USUBJID"].map(first_pd).fillna(pd.Timestamp.max)]
    flag = np.full(len(ovr), None, dtype=object)
    flag[keep["_pos"].to_numpy()] = "Y"
    return ovr.assign(ANL01FL=flag)


def _response_param(best: pd.DataFrame, paramcd: str, analysis: pd.DataFrame) -> pd.DataFrame:
    """BOR/CBOR records with the trace (SRCDOM/SRCVAR/SRCSEQ) of the deciding OVR record."""
    trace = analysis[["SRCDOM", "SRCVAR", "SRCSEQ"]]
    rows = best.assign(_row=best["SRCROW"].astype("Int64"))
    merged = rows.merge(trace, left_on="_row", right_index=True, how="left")
    return merged[["USUBJID", "AVALC", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ"]].assign(
        PARAMCD=paramcd, AVAL=lambda d: d["AVALC"].map(RESPONSE_AVAL)).reset_index(drop=True)


def _flag_param(source: pd.DataFrame, paramcd: str, categories: set[str]) -> pd.DataFrame:
    hit = source["AVALC"].isin(categories)
    return pd.DataFrame({
        "USUBJID": source["USUBJID"], "PARAMCD": paramcd, "AVALC": np.where(hit, "Y", "N"),
        "AVAL": np.where(hit, 1, 0), "ADT": source["ADT"].where(hit),
        "SRCDOM": np.where(hit, "ADRS", None), "SRCVAR": np.where(hit, "ADT", None), "SRCSEQ": np.nan,
    })


def derive_params(ovr: pd.DataFrame, adsl: pd.DataFrame, *, rules: ResponseRules) -> pd.DataFrame:
    """BOR, CBOR, RSP, CRSP, CB, CCB, PD, DEATH, LSTA per subject of ``adsl``."""
    analysis = ovr[ovr["ANL01FL"] == "Y"]
    subjects = adsl[["USUBJID", "TRTSDT"]].dropna(subset=["TRTSDT"])
    bor = derive_bor(analysis, subjects, rules=rules)
    cbor = derive_confirmed_bor(analysis, subjects, rules=rules)
    params = [_response_param(bor, "BOR", analysis), _response_param(cbor, "CBOR", analysis)]
    params += [_flag_param(bor, "RSP", {"CR", "PR"}), _flag_param(cbor, "CRSP", {"CR", "PR"}),
               _flag_param(bor, "CB", {"CR", "PR", "SD", "NON-CR/NON-PD"}),
               _flag_param(cbor, "CCB", {"CR", "PR", "SD", "NON-CR/NON-PD"})]
    first_pd = (analysis[analysis["AVALC"] == "PD"].sort_values(["USUBJID", "ADT"], kind="mergesort")
                .drop_duplicates("USUBJID").set_index("USUBJID"))
    pd_param = subjects[["USUBJID"]].assign(
        PARAMCD="PD", AVALC=lambda d: np.where(d["USUBJID"].isin(first_pd.index), "Y", "N"),
        ADT=lambda d: d["USUBJID"].map(first_pd["ADT"]), SRCDOM=lambda d: d["USUBJID"].map(first_pd["SRCDOM"]),
        SRCVAR=lambda d: d["USUBJID"].map(first_pd["SRCVAR"]), SRCSEQ=lambda d: d["USUBJID"].map(first_pd["SRCSEQ"]),
    )
    death = adsl[["USUBJID", "TRTSDT", "DTHDT", "DTHDTF"]].dropna(subset=["TRTSDT"])
    died = death["DTHDT"].notna()
    death_param = pd.DataFrame({
        "USUBJID": death["USUBJID"], "PARAMCD": "DEATH", "AVALC": np.where(died, "Y", "N"), "ADT": death["DTHDT"],
        "ADTF": death["DTHDTF"], "SRCDOM": np.where(died, "ADSL", None), "SRCVAR": np.where(died, "DTHDT", None), "SRCSEQ": np.nan,
    })
    adequate = analysis[analysis["AVALC"] != "NE"].sort_values(["USUBJID", "ADT"], kind="mergesort").drop_duplicates("USUBJID", keep="last")
    # subjects without an adequate assessment get no LSTA record (a BDS record needs AVAL/AVALC)
    lsta = subjects[["USUBJID"]].merge(adequate[["USUBJID", "AVALC", "AVAL", "ADT", "AVISIT", "AVISITN", "SRCDOM", "SRCVAR", "SRCSEQ"]],
                                       on="USUBJID", how="inner").assign(PARAMCD="LSTA")
    params += [pd_param, death_param, lsta]
    derived = pd.concat(params, ignore_index=True)
    yn = derived["PARAMCD"].isin(["RSP", "CRSP", "CB", "CCB", "PD", "DEATH"])
    derived.loc[yn, "AVAL"] = derived.loc[yn, "AVALC"].map(YN_AVAL)
    return derived.assign(ANL01FL="Y")


def create_adrs(rs: pd.DataFrame, adsl: pd.DataFrame, *, rules: ResponseRules) -> pd.DataFrame:
    """The ADRS dataset: OVR records with ANL01FL, derived parameters, ADSL variables, ASEQ."""
    ovr = derive_var_anl01fl(derive_ovr(rs, adsl), adsl)
    adrs = pd.concat([ovr, derive_params(ovr, adsl, rules=rules)], ignore_index=True)
    adrs["PARAM"] = adrs["PARAMCD"].map(PARAMS)
    adrs["PARCAT1"] = np.where(adrs["PARAMCD"] == "DEATH", "Reference Event", "Tumor Response")
    adrs["PARCAT2"] = np.where(adrs["PARAMCD"] == "DEATH", None, "Investigator")
    adrs["PARCAT3"] = np.where(adrs["PARAMCD"] == "DEATH", None, "RECIST 1.1")
    adrs = adrs.merge(adsl[[c for c in ADSL_KEEP if c in adsl.columns]], on="USUBJID", how="inner")
    adt = pd.to_datetime(adrs["ADT"])
    days = (adt - pd.to_datetime(adrs["TRTSDT"])).dt.days
    adrs["ADY"] = (days + (days >= 0)).astype("Int64")
    order = adrs["PARAMCD"].map({code: i for i, code in enumerate(PARAMS)})
    adrs = adrs.assign(_order=order).sort_values(["USUBJID", "_order", "ADT", "SRCSEQ"], kind="mergesort", na_position="last")
    adrs["ASEQ"] = adrs.groupby("USUBJID").cumcount() + 1
    return adrs.drop(columns=["_order"]).reset_index(drop=True)
