"""QC of the investigator's tumour responses: RECIST 1.1 recomputed from the recorded measurements.

:func:`compute_recist_response` recomputes, for every post-baseline assessment, the target,
non-target and overall response from ADTR (target-lesion sums, baseline, nadir) and SDTM TR/TU
(non-target lesion states, new lesions); :func:`filter_response_discrepancies` keeps the
assessments where the investigator's RS response differs. Rules (Eisenhauer et al., Eur J
Cancer 2009;45:228-47):

Target lesions (section 4.3.1), checked in this order:

| response | condition                                                                                   |
|----------|---------------------------------------------------------------------------------------------|
| PD       | sum >= 120% of the nadir (smallest sum on study, baseline included) and >= nadir + 5 mm; also when lesions are missing but the measured ones alone already reach it |
| NE       | a target lesion not measured (and no PD)                                                    |
| CR       | every non-nodal target lesion gone (0 mm) and every nodal one < 10 mm short axis (section 4.3.1 note on nodes) |
| PR       | sum <= 70% of the baseline sum                                                              |
| SD       | otherwise                                                                                   |

Non-target lesions (section 4.3.3), from TR TUMSTATE of TU NON-TARGET lesions: PD when any is
unequivocal progression; NE when any is not assessed; CR when all are absent; NON-CR/NON-PD
otherwise; none at baseline: not applicable. New lesion (section 4.3.2): a TU NEW lesion
identified, or a TR record of one, at the assessment.

Overall response (Table 1; Table 2 when there are no target lesions):

| target | non-target               | new | overall        |
|--------|--------------------------|-----|----------------|
| any    | any                      | yes | PD             |
| PD     | any                      | no  | PD             |
| any    | PD                       | no  | PD             |
| CR     | CR or none               | no  | CR             |
| CR     | NON-CR/NON-PD or NE      | no  | PR             |
| PR     | not PD                   | no  | PR             |
| SD     | not PD                   | no  | SD             |
| NE     | not PD                   | no  | NE             |
| none   | CR / NON-CR/NON-PD / NE  | no  | CR / NON-CR/NON-PD / NE |

Comparisons are made on sums rounded to 1e-6 mm, so exactly 20% (or 30%) counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NONTARGET_STATES = {
    "ABSENT": "CR", "PRESENT": "NON-CR/NON-PD", "UNEQUIVOCAL": "PD", "UNEQUIVOCAL PROGRESSION": "PD", "NOT ASSESSED": "NE",
}
"""TR.TRSTRESC of TUMSTATE (CDISC TRPROPRS) -> the lesion's contribution to the non-target response."""

RESPONSE_COLUMNS = ["USUBJID", "VISITNUM", "VISIT", "ADT", "SUM", "BASE", "NADIR", "PCHG", "PCHGNAD", "TRGRESP", "NTRGRESP",
                    "NEWLIND", "OVRLRESP"]


def _at_least(value: pd.Series, limit: pd.Series) -> pd.Series:
    return value.round(6) >= limit.round(6)


def compute_target_response(
    total: pd.Series,
    base: pd.Series,
    nadir: pd.Series,
    *,
    complete: pd.Series,
    all_gone: pd.Series,
    pd_fraction: float = 0.20,
    pd_absolute: float = 5.0,
    pr_fraction: float = 0.30,
) -> pd.Series:
    """Target-lesion response per assessment (RECIST 1.1 section 4.3.1; rules in the module docstring).

    ``total``: sum of the measured analysis diameters; ``base``/``nadir``: baseline sum and the
    smallest earlier sum (baseline included); ``complete``: every target lesion measured;
    ``all_gone``: non-nodal lesions 0 mm and nodes < 10 mm.

    >>> s = lambda *v: pd.Series(v, dtype=float)
    >>> b = lambda *v: pd.Series(v)
    >>> compute_target_response(s(60, 59.9, 54, 70, 0), s(100, 60, 100, 100, 100), s(50, 50, 49, 100, 50),
    ...                         complete=b(True, True, True, True, True), all_gone=b(False, False, False, False, True)).tolist()
    ['PD', 'SD', 'PR', 'PR', 'CR']
    """
    increase = total - nadir
    progression = nadir.notna() & _at_least(increase, pd_fraction * nadir) & _at_least(increase, pd.Series(pd_absolute, index=total.index))
    response = _at_least(base - total, pr_fraction * base) & base.notna()
    result = np.select(
        [progression, ~complete, all_gone, response, total.notna()],
        ["PD", "NE", "CR", "PR", "SD"],
        default="NE",
    )
    return pd.Series(result, index=total.index, dtype=object)


def compute_nontarget_response(tr: pd.DataFrame, tu: pd.DataFrame, *, states: dict[str, str] = NONTARGET_STATES) -> pd.DataFrame:
    """Non-target response per subject and assessment (VISITNUM) from TR TUMSTATE of TU NON-TARGET lesions.

    Returns USUBJID, VISITNUM, NTRGRESP. A baseline non-target lesion without a record at the
    assessment, or with a status not in ``states`` (e.g. NOT DONE), makes it NE unless another
    lesion shows progression.
    """
    lesions = tu.loc[tu["TUSTRESC"].astype(str).str.upper().eq("NON-TARGET"), ["USUBJID", "TULNKID"]].drop_duplicates()
    records = tr[tr["TRTESTCD"].eq("TUMSTATE")].merge(lesions, left_on=["USUBJID", "TRLNKID"], right_on=["USUBJID", "TULNKID"])
    status = records["TRSTRESC"].astype(str).str.strip().str.upper().map(states).fillna("NE")
    records = records.assign(_pd=status.eq("PD"), _ne=status.eq("NE"), _cr=status.eq("CR"), _n=1)
    summary = records.groupby(["USUBJID", "VISITNUM"]).agg(
        _pd=("_pd", "any"), _ne=("_ne", "any"), _cr=("_cr", "all"), _n=("_n", "sum")).reset_index()
    summary["_expected"] = summary["USUBJID"].map(lesions.groupby("USUBJID").size())
    missing = summary["_n"] < summary["_expected"]
    summary["NTRGRESP"] = np.select([summary["_pd"], summary["_ne"] | missing, summary["_cr"]], ["PD", "NE", "CR"],
                                    default="NON-CR/NON-PD")
    return summary[["USUBJID", "VISITNUM", "NTRGRESP"]]


def compute_new_lesions(tr: pd.DataFrame, tu: pd.DataFrame) -> pd.DataFrame:
    """USUBJID, VISITNUM of the assessments showing a new lesion (TU NEW identification or a TR record of one)."""
    new = tu[tu["TUSTRESC"].astype(str).str.upper().eq("NEW")]
    found = new[["USUBJID", "VISITNUM"]]
    measured = tr.merge(new[["USUBJID", "TULNKID"]], left_on=["USUBJID", "TRLNKID"], right_on=["USUBJID", "TULNKID"])
    return pd.concat([found, measured[["USUBJID", "VISITNUM"]]], ignore_index=True).drop_duplicates().reset_index(drop=True)


def compute_overall_response(target: pd.Series, nontarget: pd.Series, new: pd.Series) -> pd.Series:
    """Overall response per RECIST 1.1 Tables 1 and 2 (module docstring). ``target``/``nontarget``
    null = no such lesions at baseline; ``new`` boolean.

    >>> compute_overall_response(pd.Series(["CR", "CR", "SD", "NE", None, "PR"]),
    ...                          pd.Series([None, "NON-CR/NON-PD", "NE", "NON-CR/NON-PD", "CR", "PD"]),
    ...                          pd.Series([False, False, False, False, False, False])).tolist()
    ['CR', 'PR', 'SD', 'NE', 'CR', 'PD']
    """
    nt = nontarget.fillna("NONE")
    no_target = target.isna()
    result = np.select(
        [new.eq(True), target.eq("PD") | nt.eq("PD"),
         no_target & nt.isin(["CR", "NON-CR/NON-PD", "NE"]), no_target,
         target.eq("CR") & nt.isin(["CR", "NONE"]), target.eq("CR"), target.isin(["PR", "SD", "NE"])],
        ["PD", "PD", nt, "NE", "CR", "PR", target],
        default="NE",
    )
    return pd.Series(result, index=target.index, dtype=object)


def compute_recist_response(adtr: pd.DataFrame, tr: pd.DataFrame, tu: pd.DataFrame, *, nodal_cr_mm: float = 10.0,
                            short_axis: str = "LPERP", states: dict[str, str] = NONTARGET_STATES) -> pd.DataFrame:
    """Recomputed RECIST 1.1 responses of every post-baseline target-lesion assessment.

    ``adtr`` as :func:`adam.adtr.create_adtr` makes it (SDIAM with BASE, NADIR, LSEXP, LSASS;
    LDIAMn with TRLNKID); ``tr``/``tu`` SDTM, for the nodal lesions (those measured by
    ``short_axis``), non-target states and new lesions. Returns one row per assessment with
    ``RESPONSE_COLUMNS``: SUM (sum of measured diameters), BASE, NADIR, PCHG, PCHGNAD and the
    recomputed TRGRESP, NTRGRESP, NEWLIND (Y/N), OVRLRESP.
    """
    sums = adtr[adtr["PARAMCD"].eq("SDIAM") & adtr["BASE"].notna() & adtr["ABLFL"].ne("Y") & adtr["CHG"].notna()]
    lesions = adtr[adtr["PARAMCD"].str.startswith("LDIAM") & adtr["ABLFL"].ne("Y")]
    nodal = tr.loc[tr["TRTESTCD"].eq(short_axis), ["USUBJID", "TRLNKID"]].drop_duplicates().assign(_nodal=True)
    lesions = lesions.merge(nodal, on=["USUBJID", "TRLNKID"], how="left")
    gone = np.where(lesions["_nodal"].eq(True), lesions["AVAL"] < nodal_cr_mm, lesions["AVAL"] == 0)
    lesions = lesions.assign(_gone=gone & lesions["AVAL"].notna())
    all_gone = lesions.groupby(["USUBJID", "AVISITN"])["_gone"].all().rename("_all_gone")
    # the SDIAM nadir is over complete assessments before the record (ADTR MT.ADTR.NADIR)
    data = sums.merge(all_gone, left_on=["USUBJID", "AVISITN"], right_index=True, how="left")
    complete = data["LSASS"].eq(data["LSEXP"])
    trgresp = compute_target_response(data["AVAL"], data["BASE"], data["NADIR"].fillna(data["BASE"]), complete=complete,
                                      all_gone=data["_all_gone"].eq(True) & complete)
    out = pd.DataFrame({
        "USUBJID": data["USUBJID"], "VISITNUM": data["AVISITN"], "VISIT": data["AVISIT"], "ADT": data["ADT"],
        "SUM": data["AVAL"], "BASE": data["BASE"], "NADIR": data["NADIR"], "PCHG": data["PCHG"], "PCHGNAD": data["PCHGNAD"],
        "TRGRESP": trgresp,
    }).reset_index(drop=True)
    out = out.merge(compute_nontarget_response(tr, tu, states=states), on=["USUBJID", "VISITNUM"], how="left")
    has_nontarget = out["USUBJID"].isin(tu.loc[tu["TUSTRESC"].astype(str).str.upper().eq("NON-TARGET"), "USUBJID"])
    out["NTRGRESP"] = out["NTRGRESP"].where(out["NTRGRESP"].notna() | ~has_nontarget, "NE")
    new = compute_new_lesions(tr, tu).assign(_new=True)
    out = out.merge(new, on=["USUBJID", "VISITNUM"], how="left")
    out["NEWLIND"] = np.where(out["_new"].eq(True), "Y", "N")
    out["OVRLRESP"] = compute_overall_response(out["TRGRESP"], out["NTRGRESP"].astype(object).where(out["NTRGRESP"].notna(), None),
                                               out["NEWLIND"].eq("Y"))
    return out[RESPONSE_COLUMNS]


def filter_response_discrepancies(computed: pd.DataFrame, rs: pd.DataFrame, *, testcd: str = "OVRLRESP",
                                  category: str = "RECIST 1.1") -> pd.DataFrame:
    """The assessments whose recorded RS response (``testcd``, RSCAT ``category``) differs from
    the recomputed one (column of the same name in ``computed``), matched on USUBJID and VISITNUM.

    Returns USUBJID, VISITNUM, VISIT, ADT, SUM, BASE, NADIR, PCHG, PCHGNAD, the recomputed
    responses, RSSTRESC (recorded) and RSSEQ; assessments without a recorded response are not
    listed.
    """
    recorded = rs.loc[rs["RSTESTCD"].eq(testcd) & rs["RSCAT"].eq(category), ["USUBJID", "VISITNUM", "RSSTRESC", "RSSEQ"]]
    both = computed.merge(recorded, on=["USUBJID", "VISITNUM"], how="inner")
    recorded_value = both["RSSTRESC"].astype(object).where(both["RSSTRESC"].notna(), None).str.strip().str.upper()
    computed_value = both[testcd].astype(object).where(both[testcd].notna(), None)
    differs = recorded_value.ne(computed_value) & ~(recorded_value.isna() & computed_value.isna())
    return both[differs].reset_index(drop=True)
