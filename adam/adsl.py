"""ADSL: one record per screened subject, from SDTM only (rules: the ADaM spec's MT.ADSL.* methods).

Each block is one derivation over standard SDTM variables (no study ids, subjects or visit
names in the logic); study choices (age groups, PD-L1 cut points, which categories start a new
anticancer therapy, the cut-off) are arguments. :func:`create_adsl` composes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from adam.dates import compute_dt
from sdtm.dates import dtc_date

DM_KEEP = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "COUNTRY", "AGE", "AGEU", "SEX", "RACE", "ETHNIC",
           "ARM", "ACTARM", "ARMNRS", "DTHFL"]


def _yn(mask: pd.Series) -> np.ndarray:
    return np.where(mask.to_numpy(dtype=bool), "Y", "N")


def _by_subject(adsl: pd.DataFrame, values: pd.Series) -> pd.Series:
    """Align a USUBJID-indexed series to ADSL rows."""
    return adsl["USUBJID"].map(values)


def derive_vars_treatment_dates(adsl: pd.DataFrame, ex: pd.DataFrame, *, cutoff: dt.date | None,
                                placebo_pattern: str = "PLACEBO") -> pd.DataFrame:
    """TRTSDT/TRTEDT/TRTDURD: first and last valid exposure (complete dates only; MT.ADSL.TRTSDT/TRTEDT).

    A valid dose is EXDOSE > 0, or EXDOSE = 0 for a placebo (EXTRT contains ``placebo_pattern``,
    case-insensitive): the admiral ADSL template convention, so placebo subjects count as treated.
    TRTEDT uses EXENDTC (EXSTDTC when missing), capped by the cut-off. TRTDURD = TRTEDT - TRTSDT + 1.
    """
    dose = pd.to_numeric(ex["EXDOSE"], errors="coerce")
    placebo = ex["EXTRT"].astype("string").str.contains(placebo_pattern, case=False, regex=False).fillna(False)
    dosed = ex[(dose > 0) | ((dose == 0) & placebo).to_numpy(dtype=bool)]
    start = dtc_date(dosed["EXSTDTC"])
    end = dtc_date(dosed["EXENDTC"]).fillna(start)
    if cutoff is not None:
        end = end.where(end <= pd.Timestamp(cutoff), pd.Timestamp(cutoff))
    first = start.groupby(dosed["USUBJID"]).min()
    last = end.groupby(dosed["USUBJID"]).max()
    trtsdt, trtedt = _by_subject(adsl, first), _by_subject(adsl, last)
    return adsl.assign(TRTSDT=trtsdt, TRTEDT=trtedt, TRTDURD=((trtedt - trtsdt).dt.days + 1).astype("Int64"))


def derive_vars_treatment(adsl: pd.DataFrame, *, arms: Sequence[Mapping]) -> pd.DataFrame:
    """TRT01P/TRT01A (= ARM/ACTARM) and their numeric codes in study.yaml arm order."""
    codes = {arm["arm"]: position for position, arm in enumerate(arms, start=1)}
    return adsl.assign(TRT01P=adsl["ARM"], TRT01PN=adsl["ARM"].map(codes).astype("Int64"),
                       TRT01A=adsl["ACTARM"], TRT01AN=adsl["ACTARM"].map(codes).astype("Int64"))


def derive_var_agegr1(adsl: pd.DataFrame, *, cut: int = 65) -> pd.DataFrame:
    """AGEGR1 '<cut' / '>=cut' and AGEGR1N 1/2 (MT.ADSL.AGEGR1)."""
    age = pd.to_numeric(adsl["AGE"], errors="coerce")
    group = np.where(age.isna(), None, np.where(age < cut, f"<{cut}", f">={cut}"))
    return adsl.assign(AGEGR1=group, AGEGR1N=pd.Series(np.where(age.isna(), np.nan, np.where(age < cut, 1, 2)), index=adsl.index).astype("Int64"))


NOT_ASSIGNED_ARMCD = ("SCRNFAIL", "NOTASSGN")
"""ARMCD values of subjects never assigned, in SDTMIG 3.1.x studies (before ARMNRS)."""


def derive_vars_populations(adsl: pd.DataFrame, dm: pd.DataFrame, tu: pd.DataFrame | None = None,
                            gf: pd.DataFrame | None = None) -> pd.DataFrame:
    """ENRLFL, SAFFL, FASFL, EFFFL, BMEVLFL (MT.ADSL.ENRLFL ... BMEVLFL).

    Enrolled: assigned to an arm (ARMCD present, ARMNRS not SCREEN FAILURE, per SDTMIG 3.4
    section 5.2; or, in older studies, ARMCD not SCRNFAIL/NOTASSGN). Safety: treated (TRTSDT).
    Full analysis: enrolled and treated. Efficacy: full analysis with a baseline target lesion
    (TU, on or before first dose). Biomarker-evaluable: full analysis with an NGS result (GF
    not NOT DONE). Without TU or GF nobody is efficacy- or biomarker-evaluable.
    """
    armcd = _by_subject(adsl, dm.set_index("USUBJID")["ARMCD"])
    enrolled = armcd.notna() & ~armcd.str.upper().isin(NOT_ASSIGNED_ARMCD)
    if "ARMNRS" in adsl.columns:
        enrolled &= adsl["ARMNRS"].ne("SCREEN FAILURE")
    treated = adsl["TRTSDT"].notna()
    measurable: set = set()
    if tu is not None:
        baseline = tu[(tu["TUSTRESC"] == "TARGET") & tu["TUEVAL"].eq("INVESTIGATOR")]
        first_dose = baseline["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDT"])
        measurable = set(baseline.loc[(dtc_date(baseline["TUDTC"]) <= first_dose).to_numpy(), "USUBJID"])
    tested: set = set()
    if gf is not None:
        tested = set((gf[gf["GFSTAT"].ne("NOT DONE")] if "GFSTAT" in gf.columns else gf)["USUBJID"])
    fas = enrolled & treated
    return adsl.assign(ENRLFL=_yn(enrolled), SAFFL=_yn(treated), FASFL=_yn(fas),
                       EFFFL=_yn(fas & adsl["USUBJID"].isin(measurable)), BMEVLFL=_yn(fas & adsl["USUBJID"].isin(tested)))


def derive_var_scrfreas(adsl: pd.DataFrame, ie: pd.DataFrame, ds: pd.DataFrame) -> pd.DataFrame:
    """SCRFREAS: the first failed eligibility criterion (IE), else the screen-failure DS term."""
    order = ie.assign(_cat=ie["IECAT"].map({"INCLUSION": 0, "EXCLUSION": 1})).sort_values(["USUBJID", "_cat", "IETESTCD"], kind="mergesort")
    failed = order.drop_duplicates("USUBJID").set_index("USUBJID")["IETEST"]
    sf = ds[ds["DSDECOD"] == "SCREEN FAILURE"].drop_duplicates("USUBJID").set_index("USUBJID")["DSTERM"]
    reason = _by_subject(adsl, failed).fillna(_by_subject(adsl, sf))
    return adsl.assign(SCRFREAS=reason.where(adsl["ENRLFL"] == "N"))


def derive_var_ecogbl(adsl: pd.DataFrame, rs: pd.DataFrame) -> pd.DataFrame:
    """ECOGBL: last ECOG (RS, RSCAT ECOG) on or before TRTSDT; last screening value if untreated."""
    ecog = rs[(rs["RSCAT"] == "ECOG") & rs["RSSTRESN"].notna()].assign(_date=lambda d: dtc_date(d["RSDTC"]))
    ecog = ecog.dropna(subset=["_date"])
    first = ecog["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDT"])
    before = ecog[(first.isna() | (ecog["_date"] <= first)).to_numpy()]
    last = before.sort_values(["USUBJID", "_date", "RSSEQ"], kind="mergesort").drop_duplicates("USUBJID", keep="last")
    return adsl.assign(ECOGBL=_by_subject(adsl, last.set_index("USUBJID")["RSSTRESN"]).astype("Int64"))


def derive_vars_disease(adsl: pd.DataFrame, fa: pd.DataFrame, *, site_flags: Mapping[str, str]) -> pd.DataFrame:
    """STAGEBL, TUMLOC, METSCNT and metastatic-site flags from FA (disease characteristics).

    ``site_flags`` maps a flag variable to the FALOC term of its site (e.g. LIVERMFL: LIVER).
    """
    def test(code: str) -> pd.Series:
        rows = fa[fa["FATESTCD"] == code].drop_duplicates("USUBJID").set_index("USUBJID")["FASTRESC"]
        return _by_subject(adsl, rows)

    mets = fa[(fa["FATESTCD"] == "METIND") & (fa["FASTRESC"] == "Y")]
    count = mets.groupby("USUBJID")["FALOC"].nunique()
    has_fa = adsl["USUBJID"].isin(fa["USUBJID"])
    out = adsl.assign(STAGEBL=test("STAGE"), TUMLOC=test("PLLOC"),
                      METSCNT=_by_subject(adsl, count).fillna(0).where(has_fa).astype("Int64"))
    for flag, site in site_flags.items():
        sites = set(mets.loc[mets["FALOC"] == site, "USUBJID"])
        out[flag] = np.where(has_fa, _yn(out["USUBJID"].isin(sites)), None)
    return out


def derive_vars_pdl1(adsl: pd.DataFrame, mi: pd.DataFrame, *, cuts: tuple[float, float] = (1.0, 10.0)) -> pd.DataFrame:
    """PDL1CPS (MI PD-L1 combined positive score) and PDL1GR1/PDL1GR1N groups (<1, 1-<10, >=10)."""
    cps = mi[(mi["MITESTCD"] == "PDL1") & (mi["MITSTDTL"] == "COMBINED POSITIVE SCORE")]
    value = _by_subject(adsl, cps.drop_duplicates("USUBJID").set_index("USUBJID")["MISTRESN"]).astype("float64")
    low, high = cuts
    group = np.select([value < low, value < high, value >= high], [f"<{low:g}", f"{low:g}-<{high:g}", f">={high:g}"], default=None)
    number = np.select([value < low, value < high, value >= high], [1, 2, 3], default=0)
    return adsl.assign(PDL1CPS=value, PDL1GR1=np.where(value.isna(), None, group),
                       PDL1GR1N=pd.Series(np.where(value.isna(), np.nan, number), index=adsl.index).astype("Int64"))


def derive_vars_substance(adsl: pd.DataFrame, su: pd.DataFrame, *, substances: Mapping[str, str]) -> pd.DataFrame:
    """SMOKHX/DRINKHX-style history per substance: NEVER / FORMER / CURRENT (MT.ADSL.SUHX)."""
    out = adsl.copy()
    for variable, treatment in substances.items():
        rows = su[su["SUTRT"] == treatment].drop_duplicates("USUBJID").set_index("USUBJID")
        status = np.select([rows["SUOCCUR"] == "N", rows["SUENRTPT"] == "ONGOING", rows["SUENRTPT"] == "BEFORE"],
                           ["NEVER", "CURRENT", "FORMER"], default=None)
        out[variable] = _by_subject(out, pd.Series(status, index=rows.index))
    return out


def _disposition(ds: pd.DataFrame, scat: Sequence[str] | None, cutoff: dt.date | None) -> pd.DataFrame:
    """Disposition events (DSCAT DISPOSITION EVENT) of the subcategories ``scat`` (any when None)
    on or before the cut-off, with their date in ``_date``."""
    chosen = ds["DSCAT"] == "DISPOSITION EVENT"
    if scat is not None:
        chosen &= ds["DSSCAT"].isin(list(scat))
    events = ds[chosen].assign(_date=lambda d: dtc_date(d["DSSTDTC"]))
    if cutoff is not None:
        events = events[events["_date"] <= pd.Timestamp(cutoff)]
    return events


def derive_vars_end_of_treatment(adsl: pd.DataFrame, ds: pd.DataFrame, *, drugs: Sequence[str], cutoff: dt.date | None) -> pd.DataFrame:
    """EOTSTT/EOTDT/DCTREAS: treatment ends when every drug has ended (MT.ADSL.EOT).

    The decisive record is the drug ending last; COMPLETED when it completed, else DISCONTINUED
    with its reason; ONGOING for a treated subject with a drug not yet ended.
    """
    events = _disposition(ds, drugs, cutoff)
    ended = events.groupby("USUBJID")["DSSCAT"].nunique() >= len(drugs)
    last = events.sort_values(["USUBJID", "_date", "DSSEQ"], kind="mergesort").drop_duplicates("USUBJID", keep="last").set_index("USUBJID")
    done = adsl["USUBJID"].map(ended.to_dict()).eq(True)
    decod = _by_subject(adsl, last["DSDECOD"]).where(done)
    status = np.where(adsl["TRTSDT"].isna(), None, np.where(~done, "ONGOING", np.where(decod == "COMPLETED", "COMPLETED", "DISCONTINUED")))
    return adsl.assign(EOTSTT=status, EOTDT=_by_subject(adsl, last["_date"]).where(done),
                       DCTREAS=decod.where(status == "DISCONTINUED"))


def derive_vars_end_of_study(adsl: pd.DataFrame, ds: pd.DataFrame, *, cutoff: dt.date | None,
                             scat: Sequence[str] | None = ("STUDY PARTICIPATION",)) -> pd.DataFrame:
    """EOSSTT/EOSDT/DCSREAS from the last end-of-study disposition event (MT.ADSL.EOS).

    The end-of-study events are the disposition events of subcategory ``scat`` (SDTMIG 3.4
    section 6.2.4: DSSCAT tells apart the epochs' dispositions); ``None`` takes every
    disposition event, for studies with one disposition per subject and no DSSCAT. COMPLETED
    when the event's DSDECOD is COMPLETED, else DISCONTINUED with DCSREAS = DSDECOD; ONGOING
    without an event on or before the cut-off.
    """
    events = _disposition(ds, scat, cutoff)
    last = events.sort_values(["USUBJID", "_date", "DSSEQ"], kind="mergesort").drop_duplicates("USUBJID", keep="last").set_index("USUBJID")
    decod = _by_subject(adsl, last["DSDECOD"])
    status = np.where(decod.isna(), "ONGOING", np.where(decod == "COMPLETED", "COMPLETED", "DISCONTINUED"))
    return adsl.assign(EOSSTT=status, EOSDT=_by_subject(adsl, last["_date"]), DCSREAS=decod.where(status == "DISCONTINUED"))


def derive_var_nactdt(adsl: pd.DataFrame, therapies: Sequence[tuple[pd.DataFrame, str, Sequence[str], str]], *,
                      cutoff: dt.date | None) -> pd.DataFrame:
    """NACTDT: earliest possible start of a new anticancer therapy after TRTSDT (MT.ADSL.NACTDT).

    ``therapies``: (dataset, category variable, categories, start --DTC) per source. Partial
    dates take their earliest possible day, not before TRTSDT + 1.
    """
    starts = []
    for data, category, values, dtc in therapies:
        rows = data[data[category].isin(list(values))]
        first = rows["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDT"]) + pd.Timedelta(days=1)
        date, _ = compute_dt(rows[dtc].reset_index(drop=True), highest_imputation="M", date_imputation="first",
                             min_dates=first.reset_index(drop=True))
        starts.append(pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(), "_date": date.to_numpy()}))
    frame = pd.concat(starts, ignore_index=True).dropna()
    frame = frame[frame["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDT"]) < frame["_date"]]
    if cutoff is not None:
        frame = frame[frame["_date"] <= pd.Timestamp(cutoff)]
    return adsl.assign(NACTDT=_by_subject(adsl, frame.groupby("USUBJID")["_date"].min()))


def derive_var_lstalvdt(adsl: pd.DataFrame, sources: Sequence[tuple[pd.DataFrame, str]], *, cutoff: dt.date | None) -> pd.DataFrame:
    """LSTALVDT: latest complete date among ``sources`` (dataset, --DTC) on or before the cut-off;
    DTHDT for subjects who died (MT.ADSL.LSTALVDT)."""
    dates = pd.concat([pd.DataFrame({"USUBJID": data["USUBJID"].to_numpy(), "_date": dtc_date(data[dtc]).to_numpy()})
                       for data, dtc in sources if dtc in data.columns], ignore_index=True).dropna()
    if cutoff is not None:
        dates = dates[dates["_date"] <= pd.Timestamp(cutoff)]
    alive = _by_subject(adsl, dates.groupby("USUBJID")["_date"].max())
    return adsl.assign(LSTALVDT=adsl["DTHDT"].fillna(alive) if "DTHDT" in adsl else alive, _LASTCONT=alive)


@dataclass(frozen=True)
class DeathCauseSource:
    """Where a cause of death may be recorded: rows of ``domain`` where ``variable`` equals
    ``value``; the cause is ``cause`` and the record's date ``date`` (a --DTC)."""

    domain: str
    variable: str
    value: str
    cause: str
    date: str


def derive_vars_death(adsl: pd.DataFrame, dm: pd.DataFrame, *, cutoff: dt.date | None) -> pd.DataFrame:
    """DTHDT/DTHDTF from DM.DTHDTC: a partial date is imputed to the first of the month (or of
    January), not before the last contact (MT.ADSL.DTHDT; admiral ``derive_vars_dt`` with
    ``min_dates``); a death after the cut-off is not a death at the cut-off."""
    dtc = _by_subject(adsl, dm.set_index("USUBJID")["DTHDTC"]).reset_index(drop=True)
    date, flag = compute_dt(dtc, highest_imputation="M", date_imputation="first",
                            min_dates=adsl["_LASTCONT"].reset_index(drop=True) if "_LASTCONT" in adsl else None)
    if cutoff is not None:
        keep = date <= pd.Timestamp(cutoff)
        date, flag = date.where(keep), flag.where(keep)
    return adsl.assign(DTHDT=date.to_numpy(), DTHDTF=flag.to_numpy())


def derive_var_dthcaus(adsl: pd.DataFrame, sdtm: Mapping[str, pd.DataFrame], sources: Sequence[DeathCauseSource]) -> pd.DataFrame:
    """DTHCAUS for subjects with DTHDT: the cause from the first source (in the order given) that
    records one for the subject, its earliest record within that source (MT.ADSL.DTHCAUS).

    This is admiral's ``derive_vars_extreme_event(mode = "first", order = event_nr)`` of the ADSL
    template, e.g. sources DD (DDTESTCD PRCDTH -> DDSTRESC), AE (AEOUT FATAL -> AEDECOD), DS
    (DSDECOD DEATH -> DSTERM). Sources whose domain or variables are absent are skipped.
    """
    found = []
    for priority, source in enumerate(sources):
        data = sdtm.get(source.domain)
        if data is None or not {source.variable, source.cause, "USUBJID"} <= set(data.columns):
            continue
        rows = data[data[source.variable].eq(source.value) & data[source.cause].notna()]
        date = dtc_date(rows[source.date]) if source.date in rows.columns else pd.Series(pd.NaT, index=rows.index)
        found.append(pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(), "_priority": priority,
                                   "_date": date.to_numpy(), "DTHCAUS": rows[source.cause].to_numpy()}))
    if not found:
        return adsl.assign(DTHCAUS=None)
    causes = pd.concat(found, ignore_index=True).sort_values(["USUBJID", "_priority", "_date"], kind="mergesort", na_position="last")
    first = causes.drop_duplicates("USUBJID").set_index("USUBJID")["DTHCAUS"]
    return adsl.assign(DTHCAUS=_by_subject(adsl, first).where(adsl["DTHDT"].notna()))


def create_adsl(
    sdtm: Mapping[str, pd.DataFrame],
    *,
    study_sites: Mapping[str, str],
    arms: Sequence[Mapping],
    drugs: Sequence[str],
    cutoff: dt.date,
    cutoff_description: str,
    new_therapy: Sequence[tuple[str, str, Sequence[str], str]],
    site_flags: Mapping[str, str],
    substances: Mapping[str, str],
    age_group_cut: int = 65,
    pdl1_cuts: tuple[float, float] = (1.0, 10.0),
    death_causes: Sequence[DeathCauseSource] = (),
) -> pd.DataFrame:
    """ADSL from the SDTM domains (name -> frame). ``new_therapy``: (domain, category variable,
    categories, start --DTC) per source of new anticancer therapy; ``death_causes`` the
    DTHCAUS sources in priority order."""
    dm = sdtm["DM"]
    adsl = dm[[c for c in DM_KEEP if c in dm.columns]].copy()
    adsl["SITENAM"] = adsl["SITEID"].map(study_sites)
    adsl["RFICDT"] = dtc_date(dm["RFICDTC"]).to_numpy()
    adsl = derive_vars_treatment_dates(adsl, sdtm["EX"], cutoff=cutoff)
    adsl = derive_vars_treatment(adsl, arms=arms)
    adsl = derive_var_agegr1(adsl, cut=age_group_cut)
    adsl = derive_vars_populations(adsl, dm, sdtm["TU"], sdtm["GF"])
    adsl = derive_var_scrfreas(adsl, sdtm["IE"], sdtm["DS"])
    adsl = derive_var_ecogbl(adsl, sdtm["RS"])
    adsl = derive_vars_disease(adsl, sdtm["FA"], site_flags=site_flags)
    adsl = derive_vars_pdl1(adsl, sdtm["MI"], cuts=tuple(pdl1_cuts))
    adsl = derive_vars_substance(adsl, sdtm["SU"], substances=substances)
    adsl = derive_vars_end_of_treatment(adsl, sdtm["DS"], drugs=drugs, cutoff=cutoff)
    adsl = derive_vars_end_of_study(adsl, sdtm["DS"], cutoff=cutoff)
    adsl = derive_var_nactdt(adsl, [(sdtm[d], var, values, dtc) for d, var, values, dtc in new_therapy], cutoff=cutoff)
    alive_ss = sdtm["SS"][sdtm["SS"]["SSSTRESC"] == "ALIVE"]
    contact_sources = [(dm, "RFICDTC"), (dm, "RFXENDTC"), (sdtm["EX"], "EXSTDTC"), (sdtm["EX"], "EXENDTC"),
                       (sdtm["AE"], "AESTDTC"), (sdtm["AE"], "AEENDTC"), (sdtm["LB"], "LBDTC"), (sdtm["VS"], "VSDTC"),
                       (sdtm["RS"], "RSDTC"), (sdtm["TR"], "TRDTC"), (sdtm["DS"][sdtm["DS"]["DSDECOD"] != "DEATH"], "DSSTDTC"),
                       (alive_ss, "SSDTC")]
    adsl = derive_var_lstalvdt(adsl.drop(columns=[c for c in ("DTHDT",) if c in adsl]), contact_sources, cutoff=cutoff)
    adsl = derive_vars_death(adsl, dm, cutoff=cutoff)
    adsl = derive_var_dthcaus(adsl, sdtm, death_causes)
    adsl["DTHFL"] = np.where(adsl["DTHDT"].notna(), "Y", None)
    adsl["LSTALVDT"] = adsl["DTHDT"].fillna(adsl["_LASTCONT"])
    adsl["DCUTDT"] = pd.Timestamp(cutoff)
    adsl["DCUTDESC"] = cutoff_description
    return adsl.drop(columns=["_LASTCONT"])


def derive_vars_signature(adsl: pd.DataFrame, adbm: pd.DataFrame, *, paramcd: str = "SIG",
                          positive: str = "Y") -> pd.DataFrame:
    """SIGFL/SIGGR1 from the ADBM signature parameter, for NGS-evaluable subjects (MT.ADSL.SIGFL)."""
    sig = adbm[adbm["PARAMCD"] == paramcd].drop_duplicates("USUBJID").set_index("USUBJID")["AVALC"]
    status = _by_subject(adsl, sig)
    evaluable = adsl["BMEVLFL"] == "Y"
    flag = np.where(evaluable & status.notna(), np.where(status == positive, "Y", "N"), None)
    group = np.where(flag == "Y", "Signature positive", np.where(flag == "N", "Signature negative", None))
    return adsl.assign(SIGFL=flag, SIGGR1=group)
