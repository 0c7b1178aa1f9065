"""Best overall response per RECIST 1.1, unconfirmed and confirmed, from per-assessment responses.

Generic over any study's ADRS: the input is one record per subject and assessment (parameter
OVR, already restricted to the analysis records, e.g. ``ANL01FL == "Y"``: valid, on or after
first dose, on or before the cut-off, worst of same-day, up to first PD) with ``USUBJID``,
``ADT`` (date) and ``AVALC`` in CR, PR, SD, NON-CR/NON-PD, PD, NE. The rules follow RECIST 1.1
(Eisenhauer et al. 2009, section 4.4 and Table 3) as admiralonco implements them
(``derive_param_bor`` / ``derive_param_confirmed_bor`` and the ADRS vignette's event objects):

| category        | unconfirmed BOR                               | confirmed BOR                                                    |
|-----------------|-----------------------------------------------|------------------------------------------------------------------|
| CR              | any CR                                        | CR followed by a CR >= ``confirm_days`` later; only CR or NE in   |
|                 |                                               | between, at most ``max_ne`` NE                                    |
| PR              | any PR                                        | CR/PR followed by a CR/PR >= ``confirm_days`` later; only CR, PR  |
|                 |                                               | or NE in between (no SD/PD), at most ``max_ne`` NE                |
| SD              | CR/PR/SD at ADT >= first dose + ``sd_days``    | same (an unconfirmed CR/PR counts as SD when the window holds)   |
| NON-CR/NON-PD   | NON-CR/NON-PD at ADT >= first dose + ``sd_days`` | same                                                          |
| PD              | any PD                                        | same                                                             |
| NE              | any other assessment (NE, or SD too early)    | same                                                             |
| NE (no data)    | no assessment at all                          | same                                                             |

The best category wins in the order above; the BOR date is the first date of the assessment
that decided it (for confirmed responses, the first response of the confirmed pair).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ORDER = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
"""Best-to-worst order of response categories."""

_BETWEEN = {"ne": ["NE"], "not_cr": ["PR", "SD", "NON-CR/NON-PD", "PD"], "not_resp": ["SD", "NON-CR/NON-PD", "PD"]}
"""Responses counted between a response and its confirmation: NE (limited), and those that break
a CR (anything but CR/NE) or a PR (SD, NON-CR/NON-PD, PD)."""


@dataclass(frozen=True)
class ResponseRules:
    """Study choices of the BOR derivation (study.yaml ``analysis.recist``)."""

    confirm_days: int = 28
    sd_days: int = 42
    max_ne: int = 1


def _prepare(assessments: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    data = assessments[["USUBJID", "ADT", "AVALC"]].copy()
    data["_src"] = assessments.index.to_numpy()
    data["ADT"] = pd.to_datetime(data["ADT"])
    data = data.merge(adsl[["USUBJID", "TRTSDT"]].assign(TRTSDT=lambda d: pd.to_datetime(d["TRTSDT"])), on="USUBJID", how="inner")
    data = data.sort_values(["USUBJID", "ADT", "_src"], kind="mergesort").reset_index(drop=True)
    data["_pos"] = data.groupby("USUBJID").cumcount()
    return data


def _sd_window(data: pd.DataFrame, rules: ResponseRules) -> pd.Series:
    return data["ADT"] >= data["TRTSDT"] + pd.to_timedelta(rules.sd_days, unit="D")


def _confirmed_pairs(data: pd.DataFrame, rules: ResponseRules) -> pd.DataFrame:
    """For each CR/PR assessment, whether a later assessment confirms it as CR and/or as PR.

    Vectorised: every (i, j > i) pair of a subject's assessments, with the counts of NE and of
    'breaking' responses strictly between i and j taken from per-subject cumulative counts.
    """
    frame = data[["USUBJID", "_pos", "ADT", "AVALC"]]
    for name, values in _BETWEEN.items():
        frame = frame.assign(**{f"_c_{name}": frame["AVALC"].isin(values).groupby(frame["USUBJID"]).cumsum()})
    first = frame[frame["AVALC"].isin(["CR", "PR"])]
    pairs = first.merge(frame, on="USUBJID", suffixes=("", "_j"))
    pairs = pairs[(pairs["_pos_j"] > pairs["_pos"]) & (pairs["ADT_j"] >= pairs["ADT"] + pd.to_timedelta(rules.confirm_days, unit="D"))]

    def between(name: str) -> pd.Series:
        # counts strictly between i and j: cum at j-1 minus cum at i; cum at j-1 = cum_j - own_j
        own_j = pairs["AVALC_j"].isin(_BETWEEN[name]).astype(int)
        return pairs[f"_c_{name}_j"] - own_j - pairs[f"_c_{name}"]

    ne_ok = between("ne") <= rules.max_ne
    cr = (pairs["AVALC"] == "CR") & (pairs["AVALC_j"] == "CR") & ne_ok & (between("not_cr") == 0)
    pr = pairs["AVALC_j"].isin(["CR", "PR"]) & ne_ok & (between("not_resp") == 0)
    flags = pairs.assign(_cr=cr, _pr=pr).groupby(["USUBJID", "_pos"])[["_cr", "_pr"]].any().reset_index()
    return flags


def _best(data: pd.DataFrame, category: pd.Series, adsl: pd.DataFrame) -> pd.DataFrame:
    """Per subject, the best category and the first date/source record of it; NE if none."""
    rank = category.map({c: i for i, c in enumerate(ORDER)})
    candidates = data.assign(_cat=category, _rank=rank).dropna(subset=["_rank"])
    best = candidates.sort_values(["USUBJID", "_rank", "ADT", "_src"], kind="mergesort").drop_duplicates("USUBJID")
    result = adsl[["USUBJID"]].merge(best[["USUBJID", "_cat", "ADT", "_src"]], on="USUBJID", how="left")
    result = result.rename(columns={"_cat": "AVALC", "_src": "SRCROW"})
    result["AVALC"] = result["AVALC"].fillna("NE")
    return result


def derive_bor(assessments: pd.DataFrame, adsl: pd.DataFrame, *, rules: ResponseRules = ResponseRules()) -> pd.DataFrame:
    """Unconfirmed best overall response per subject of ``adsl``.

    Returns USUBJID, AVALC, ADT (first date of the deciding assessment, NaT if none) and
    SRCROW (index label of that assessment in ``assessments``, NaN if none).

    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": [pd.Timestamp("2022-01-01")]})
    >>> ovr = pd.DataFrame({"USUBJID": ["1", "1"], "ADT": pd.to_datetime(["2022-02-12", "2022-03-26"]), "AVALC": ["SD", "PR"]})
    >>> derive_bor(ovr, adsl)["AVALC"].tolist()
    ['PR']
    """
    data = _prepare(assessments, adsl)
    window = _sd_window(data, rules)
    category = pd.Series(np.where(data["AVALC"].isin(["CR", "PR", "PD"]), data["AVALC"], "NE"), index=data.index)
    category = category.mask(data["AVALC"].isin(["SD", "NON-CR/NON-PD"]) & window, data["AVALC"])
    return _best(data, category, adsl)


def derive_confirmed_bor(assessments: pd.DataFrame, adsl: pd.DataFrame, *, rules: ResponseRules = ResponseRules()) -> pd.DataFrame:
    """Confirmed best overall response per subject of ``adsl`` (RECIST 1.1 section 4.4; table above).

    Same columns as :func:`derive_bor`.

    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": [pd.Timestamp("2022-01-01")]})
    >>> ovr = pd.DataFrame({"USUBJID": ["1", "1", "1"], "AVALC": ["PR", "SD", "PR"],
    ...                     "ADT": pd.to_datetime(["2022-02-12", "2022-03-26", "2022-05-07"])})
    >>> derive_confirmed_bor(ovr, adsl)["AVALC"].tolist()   # SD between the PRs breaks confirmation
    ['SD']
    """
    data = _prepare(assessments, adsl)
    window = _sd_window(data, rules)
    flags = _confirmed_pairs(data, rules)
    data = data.merge(flags, on=["USUBJID", "_pos"], how="left")
    confirmed_cr = data["_cr"].eq(True)
    confirmed_pr = data["_pr"].eq(True)
    category = pd.Series("NE", index=data.index, dtype=object)
    category = category.mask(data["AVALC"] == "PD", "PD")
    category = category.mask(data["AVALC"].isin(["CR", "PR", "SD"]) & window, "SD")
    category = category.mask((data["AVALC"] == "NON-CR/NON-PD") & window, "NON-CR/NON-PD")
    category = category.mask(confirmed_pr, "PR")
    category = category.mask(confirmed_cr, "CR")
    return _best(data, category, adsl)
