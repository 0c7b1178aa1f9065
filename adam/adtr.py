"""ADTR: target-lesion measurements and their sum per assessment (BDS; admiralonco ADTR template).

Inputs: SDTM TU (lesion identification), TR (measurements), ADSL (TRTSDT, DCUTDT, NACTDT) and,
optionally, ADRS (the first progression, PARAMCD PD). Spec methods MT.ADTR.*:

| variables            | rule                                                                                     |
|----------------------|------------------------------------------------------------------------------------------|
| LDIAMn               | one parameter per baseline target lesion (TU ``TUSTRESC = 'TARGET'``), n = rank of its TRLNKID; AVAL = TRSTRESN of the analysis diameter: short axis (``short_axis``, LPERP) for a nodal lesion (one measured by short axis), longest diameter (LDIAM) otherwise (RECIST 1.1 section 4.2) (MT.ADTR.PARAM, MT.ADTR.SDIAM) |
| SDIAM                | per assessment (USUBJID, VISITNUM): sum of the measured analysis diameters; LSEXP / LSASS = expected / measured TRLNKIDs (MT.ADTR.SDIAM, MT.ADTR.ANL01FL) |
| ADT, ADTF            | TRDTC, missing day -> 1st, not before TRTSDT + 1 for a post-baseline record; SDIAM: earliest lesion date (MT.ADTR.ADT) |
| AVISIT, AVISITN, ADY | 'BASELINE'/0 on/before TRTSDT, else VISIT/VISITNUM; ADT - TRTSDT (+1 on/after) (MT.AVISIT, MT.ADY) |
| ABLFL, BASE          | last record per parameter with ADT <= TRTSDT (MT.ADTR.BASE)                              |
| CHG, PCHG            | AVAL - BASE, 100 x CHG / BASE, post-baseline (MT.ADTR.CHG)                               |
| NADIR, CHGNAD, PCHGNAD | SDIAM: smallest analysis sum (ANL01FL, baseline included) dated before the record (MT.ADTR.NADIR) |
| ANL01FL              | SDIAM: all expected lesions measured, on/before DCUTDT and NACTDT, the larger of a same-day pair; LDIAMn: AVAL present |
| ANL02FL              | SDIAM: post-baseline analysis record on/before the first PD with the smallest PCHG (earliest on ties) — waterfall |
| ANL03FL              | SDIAM: baseline and analysis records on/before the first PD — spider plot                 |
| SRCDOM/SRCVAR/SRCSEQ | LDIAMn: TR / TRSTRESN / TRSEQ; SDIAM null (MT.ADTR.TRACE)                                |

The recomputed RECIST 1.1 response and its comparison with the investigator's are in
:mod:`adam.recist_qc`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.adae import compute_dy
from adam.dates import compute_dt
from adam.flags import derive_var_extreme_flag

SUM_PARAMCD = "SDIAM"
TARGET = "TARGET"
ADSL_VARS = ("STUDYID", "SUBJID", "SITEID", "TRT01P", "EFFFL")
ADTR_VARS = (
    "STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "EFFFL", "ASEQ", "PARAMCD", "PARAM", "PARCAT1", "PARCAT2", "PARCAT3",
    "AVAL", "ADT", "ADTF", "ADY", "AVISIT", "AVISITN", "ABLFL", "BASE", "CHG", "PCHG", "NADIR", "CHGNAD", "PCHGNAD",
    "ANL01FL", "ANL02FL", "ANL03FL", "TRLNKID", "TULOC", "LSEXP", "LSASS", "SRCDOM", "SRCVAR", "SRCSEQ",
)


def _dates(adsl: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    out = adsl[["USUBJID"]].copy()
    for name in names:
        out[name] = pd.to_datetime(adsl[name]) if name in adsl.columns else pd.NaT
    return out


def _compute_dt_once(dtc: pd.Series, floor: pd.Series) -> tuple[pd.Series, pd.Series]:
    """:func:`adam.dates.compute_dt` (day imputed to the 1st, not before ``floor``) once per distinct
    (date text, floor): the lesions of one assessment share both."""
    pairs = pd.DataFrame({"dtc": dtc.astype(object), "floor": floor})
    unique = pairs.drop_duplicates().reset_index(drop=True)
    dates, flags = compute_dt(unique["dtc"], highest_imputation="D", date_imputation="first", min_dates=unique["floor"])
    found = pairs.merge(unique.assign(_date=dates, _flag=flags), on=["dtc", "floor"], how="left")
    return found["_date"].set_axis(dtc.index), found["_flag"].set_axis(dtc.index)


def derive_param_lesion_diameters(
    tr: pd.DataFrame,
    tu: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    evaluator: str = "INVESTIGATOR",
    longest: str = "LDIAM",
    short_axis: str = "LPERP",
    max_lesions: int = 5,
) -> pd.DataFrame:
    """LDIAMn records: the analysis diameter of each baseline target lesion at each assessment.

    Target lesions: TU records with ``TUSTRESC = 'TARGET'`` (and ``TUEVAL = evaluator`` when TU has
    TUEVAL), numbered 1.. in TRLNKID order within the subject (at most ``max_lesions``, RECIST 1.1
    section 4.2). A lesion with ``short_axis`` records is nodal: its analysis diameter is the short
    axis; otherwise the ``longest`` diameter. A measurement not done (TRSTAT NOT DONE) keeps its
    record with AVAL null. Returns the LDIAMn records with USUBJID, PARAMCD, PARAM, AVAL, ADT,
    ADTF, VISIT, VISITNUM, TRLNKID, TULOC, SRCDOM/SRCVAR/SRCSEQ and the helper column ``NODAL``.
    """
    targets = tu[tu["TUSTRESC"].astype(str).str.upper().eq(TARGET)]
    if "TUEVAL" in tu.columns:
        targets = targets[targets["TUEVAL"].isna() | targets["TUEVAL"].astype(str).str.upper().eq(evaluator)]
    targets = targets.sort_values(["USUBJID", "TULNKID"], kind="mergesort").drop_duplicates(["USUBJID", "TULNKID"])
    targets = targets.assign(_n=targets.groupby("USUBJID").cumcount() + 1)
    targets = targets[targets["_n"] <= max_lesions]
    needed = ["USUBJID", "TRSEQ", "TRLNKID", "TRTESTCD", "TRSTRESN", "VISIT", "VISITNUM", "TRDTC", "TREVAL", "TRLOBXFL"]
    rows = tr.loc[tr["TRTESTCD"].isin([longest, short_axis]), [c for c in needed if c in tr.columns]]
    if "TREVAL" in tr.columns:
        rows = rows[rows["TREVAL"].isna() | rows["TREVAL"].astype(str).str.upper().eq(evaluator)]
    tuloc = targets["TULOC"] if "TULOC" in targets.columns else None
    rows = rows.merge(targets[["USUBJID", "TULNKID", "_n"]].assign(TULOC=tuloc), left_on=["USUBJID", "TRLNKID"],
                      right_on=["USUBJID", "TULNKID"], how="inner")
    nodal = rows.loc[rows["TRTESTCD"].eq(short_axis), ["USUBJID", "TRLNKID"]].drop_duplicates().assign(NODAL=True)
    rows = rows.merge(nodal, on=["USUBJID", "TRLNKID"], how="left")
    rows["NODAL"] = rows["NODAL"].eq(True)
    rows = rows[rows["TRTESTCD"].eq(np.where(rows["NODAL"], short_axis, longest))]
    rows = rows.merge(_dates(adsl, ("TRTSDT",)), on="USUBJID", how="inner").reset_index(drop=True)
    post_baseline = ~rows["TRLOBXFL"].eq("Y") if "TRLOBXFL" in rows.columns else pd.Series(True, index=rows.index)
    floor = (rows["TRTSDT"] + pd.Timedelta(days=1)).where(post_baseline)
    adt, adtf = _compute_dt_once(rows["TRDTC"], floor)
    label = evaluator.title()
    return pd.DataFrame({
        "USUBJID": rows["USUBJID"], "PARAMCD": "LDIAM" + rows["_n"].astype(str),
        "PARAM": "Target Lesion " + rows["_n"].astype(str) + f" Analysis Diameter by {label} (mm)",
        "AVAL": pd.to_numeric(rows["TRSTRESN"], errors="coerce"), "ADT": adt, "ADTF": adtf,
        "VISIT": rows["VISIT"], "VISITNUM": rows["VISITNUM"], "TRLNKID": rows["TRLNKID"], "TULOC": rows["TULOC"],
        "NODAL": rows["NODAL"], "SRCDOM": "TR", "SRCVAR": "TRSTRESN", "SRCSEQ": rows["TRSEQ"],
    })


def _join_ids(ids: pd.Series, by: list[pd.Series]) -> pd.Series:
    """Comma-separated ``ids`` per group (in the order given); a vectorised string sum."""
    return (ids.astype(str) + ",").groupby(by, sort=True).sum().str[:-1]


def derive_param_sum_diameters(lesions: pd.DataFrame, *, evaluator: str = "INVESTIGATOR") -> pd.DataFrame:
    """SDIAM records: per subject and assessment (VISITNUM), the sum of the measured target lesions.

    LSEXP = the subject's target lesions (every TRLNKID of ``lesions``, sorted, comma-separated),
    LSASS = those measured at the assessment; AVAL sums the measured ones only (a lesion not
    measured contributes nothing; ANL01FL then marks the sum as incomplete). An assessment at
    which no target lesion was measured has no record: there is no sum, and a BDS record needs
    AVAL or AVALC (ADaMIG 1.3 BDS analysis values; rule ADAM0011); its overall response is in
    ADRS. ADT/ADTF from the earliest lesion date of the assessment (MT.ADTR.ADT).
    """
    keys = ["USUBJID", "VISITNUM"]
    ids = lesions[["USUBJID", "TRLNKID"]].drop_duplicates().sort_values(["USUBJID", "TRLNKID"], kind="mergesort")
    expected = _join_ids(ids["TRLNKID"], [ids["USUBJID"]])
    measured = lesions[lesions["AVAL"].notna()].sort_values([*keys, "TRLNKID"], kind="mergesort")
    first = lesions.sort_values([*keys, "ADT"], kind="mergesort", na_position="last").drop_duplicates(keys)
    sums = measured.groupby(keys)["AVAL"].sum().to_frame().assign(LSASS=_join_ids(measured["TRLNKID"], [measured[k] for k in keys]))
    out = first[[*keys, "VISIT", "ADT", "ADTF"]].merge(sums, left_on=keys, right_index=True, how="inner")
    out["LSEXP"] = out["USUBJID"].map(expected)
    label = evaluator.title()
    return out.assign(PARAMCD=SUM_PARAMCD, PARAM=f"Target Lesions Sum of Diameters by {label} (mm)", SRCDOM=None,
                      SRCVAR=None, SRCSEQ=np.nan).reset_index(drop=True)


def derive_vars_base(dataset: pd.DataFrame, *, by_vars: tuple[str, ...] = ("USUBJID", "PARAMCD")) -> pd.DataFrame:
    """ABLFL on the last record per ``by_vars`` with ADT <= TRTSDT; BASE = its AVAL (MT.ADTR.BASE);
    CHG/PCHG on records after TRTSDT (MT.ADTR.CHG, PCHG null when BASE is 0)."""
    candidate = dataset["ADT"].notna() & (dataset["ADT"] <= dataset["TRTSDT"])
    out = derive_var_extreme_flag(dataset, by_vars=list(by_vars), order=["ADT", "VISITNUM"], new_var="ABLFL", mode="last",
                                  filter_mask=candidate)
    base = out.loc[out["ABLFL"].eq("Y"), [*by_vars, "AVAL"]].rename(columns={"AVAL": "BASE"})
    out = out.merge(base, on=list(by_vars), how="left")
    out.index = dataset.index
    post = out["ADT"] > out["TRTSDT"]
    out["CHG"] = (out["AVAL"] - out["BASE"]).where(post)
    out["PCHG"] = (100 * out["CHG"] / out["BASE"].where(out["BASE"] != 0)).where(post)
    return out


def derive_var_sum_anl01fl(sums: pd.DataFrame) -> pd.DataFrame:
    """ANL01FL of SDIAM records (MT.ADTR.ANL01FL): complete (LSASS = LSEXP), ADT on/before DCUTDT
    and NACTDT (when populated); of two records the same day only the larger sum."""
    valid = sums["AVAL"].notna() & sums["ADT"].notna() & sums["LSASS"].eq(sums["LSEXP"])
    valid &= sums["DCUTDT"].isna() | (sums["ADT"] <= sums["DCUTDT"])
    valid &= sums["NACTDT"].isna() | (sums["ADT"] <= sums["NACTDT"])
    return derive_var_extreme_flag(sums, by_vars=["USUBJID", "ADT"], order=["AVAL", "VISITNUM"], descending=["AVAL"],
                                   new_var="ANL01FL", filter_mask=valid)


def derive_vars_nadir(sums: pd.DataFrame) -> pd.DataFrame:
    """NADIR, CHGNAD, PCHGNAD of SDIAM records (MT.ADTR.NADIR; RECIST 1.1 section 4.3.1).

    NADIR = the smallest AVAL among the subject's analysis records (ANL01FL = 'Y', from the
    baseline record on) dated strictly before the record; null on the baseline and earlier
    records. Vectorised with a per-subject running minimum over dates and an as-of join.
    """
    base_date = sums.loc[sums["ABLFL"].eq("Y")].groupby("USUBJID")["ADT"].min()
    start = sums["USUBJID"].map(base_date)
    usable = sums["ANL01FL"].eq("Y") & sums["ADT"].notna() & (sums["ADT"] >= start)
    daily = sums[usable].groupby(["USUBJID", "ADT"], as_index=False)["AVAL"].min().sort_values(["USUBJID", "ADT"])
    daily["_running"] = daily.groupby("USUBJID")["AVAL"].cummin()
    target = sums[["USUBJID", "ADT"]].assign(_row=np.arange(len(sums)))
    known = target[target["ADT"].notna()].sort_values("ADT", kind="mergesort")
    found = pd.merge_asof(known, daily[["USUBJID", "ADT", "_running"]].sort_values("ADT", kind="mergesort"), on="ADT",
                          by="USUBJID", allow_exact_matches=False, direction="backward")
    nadir = pd.Series(np.nan, index=sums.index)
    nadir.iloc[found["_row"].to_numpy()] = found["_running"].to_numpy()
    nadir = nadir.where(sums["ADT"] > start)
    chg = sums["AVAL"] - nadir
    return sums.assign(NADIR=nadir, CHGNAD=chg, PCHGNAD=100 * chg / nadir.where(nadir != 0))


def derive_vars_plot_flags(sums: pd.DataFrame, *, first_pd: pd.Series | None = None) -> pd.DataFrame:
    """ANL02FL (best percentage change, waterfall) and ANL03FL (up to first PD, spider plot) of SDIAM.

    ``first_pd``: first progression date per USUBJID (index), e.g. ADRS PARAMCD PD with AVALC Y;
    no limit for subjects without one (MT.ADTR.ANL02FL, MT.ADTR.ANL03FL).
    """
    limit = sums["USUBJID"].map(first_pd) if first_pd is not None else pd.Series(pd.NaT, index=sums.index)
    limit = pd.to_datetime(limit)
    before_pd = limit.isna() | (sums["ADT"] <= limit)
    analysis = sums["ANL01FL"].eq("Y") & before_pd
    post = analysis & (sums["ADT"] > sums["TRTSDT"]) & sums["PCHG"].notna()
    out = derive_var_extreme_flag(sums, by_vars=["USUBJID"], order=["PCHG", "ADT"], new_var="ANL02FL", filter_mask=post)
    out["ANL03FL"] = np.where(sums["ABLFL"].eq("Y") | (analysis & (sums["ADT"] > sums["TRTSDT"])), "Y", None).astype(object)
    return out


def compute_first_pd(adrs: pd.DataFrame, *, paramcd: str = "PD") -> pd.Series:
    """First progression date per USUBJID from ADRS (the PD parameter with AVALC 'Y')."""
    rows = adrs[adrs["PARAMCD"].eq(paramcd) & adrs["AVALC"].eq("Y")]
    return pd.to_datetime(rows["ADT"]).groupby(rows["USUBJID"]).min()


def create_adtr(
    tr: pd.DataFrame,
    tu: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    adrs: pd.DataFrame | None = None,
    evaluator: str = "INVESTIGATOR",
    longest: str = "LDIAM",
    short_axis: str = "LPERP",
    max_lesions: int = 5,
) -> pd.DataFrame:
    """The ADTR dataset: LDIAMn and SDIAM records with the variables of the module table.

    ``adsl`` needs USUBJID, TRTSDT, DCUTDT, NACTDT and the carried STUDYID, SUBJID, SITEID, TRT01P,
    EFFFL; ``adrs`` (optional) gives the first progression for ANL02FL/ANL03FL. Subjects not in
    ``adsl`` are dropped. Helper column NODAL is kept out of the result; records sorted by
    USUBJID, PARAMCD, AVISITN, ADT with ASEQ.
    """
    dates = _dates(adsl, ("TRTSDT", "DCUTDT", "NACTDT"))
    lesions = derive_param_lesion_diameters(tr, tu, adsl, evaluator=evaluator, longest=longest, short_axis=short_axis,
                                            max_lesions=max_lesions)
    sums = derive_param_sum_diameters(lesions, evaluator=evaluator).merge(dates, on="USUBJID", how="left")
    sums = derive_var_sum_anl01fl(sums)
    sums = derive_vars_base(sums)
    sums = derive_vars_nadir(sums)
    first_pd = compute_first_pd(adrs) if adrs is not None else None
    sums = derive_vars_plot_flags(sums, first_pd=first_pd)
    lesions = lesions.merge(dates, on="USUBJID", how="left")
    lesions["ANL01FL"] = np.where(lesions["AVAL"].notna(), "Y", None).astype(object)
    lesions = derive_vars_base(lesions)
    # a lesion not measured (TRSTAT NOT DONE) makes its sum incomplete (LSASS) but has no record
    # of its own: a BDS record needs AVAL or AVALC
    lesions = lesions[lesions["AVAL"].notna()]
    adtr = pd.concat([sums, lesions.drop(columns=["NODAL"])], ignore_index=True)
    pre = adtr["ADT"].notna() & (adtr["ADT"] <= adtr["TRTSDT"])
    adtr["AVISIT"] = adtr["VISIT"].where(~pre, "BASELINE")
    adtr["AVISITN"] = pd.to_numeric(adtr["VISITNUM"], errors="coerce").where(~pre, 0.0)
    adtr["ADY"] = compute_dy(adtr["ADT"], adtr["TRTSDT"])
    adtr["PARCAT1"], adtr["PARCAT2"], adtr["PARCAT3"] = "Target Lesion(s)", evaluator.title(), "RECIST 1.1"
    carried = [c for c in ADSL_VARS if c in adsl.columns]
    adtr = adtr.merge(adsl[["USUBJID", *carried]], on="USUBJID", how="inner")
    adtr = adtr.sort_values(["USUBJID", "PARAMCD", "AVISITN", "ADT"], kind="mergesort").reset_index(drop=True)
    adtr["ASEQ"] = adtr.groupby("USUBJID").cumcount() + 1
    adtr["SRCSEQ"] = pd.to_numeric(adtr["SRCSEQ"], errors="coerce").astype("Int64")
    for column in ("ADTF", "ABLFL", "ANL01FL", "ANL02FL", "ANL03FL", "TRLNKID", "TULOC", "LSEXP", "LSASS", "SRCDOM", "SRCVAR"):
        adtr[column] = adtr[column].astype(object).where(adtr[column].notna(), None)
    return adtr[[c for c in ADTR_VARS if c in adtr.columns]]
