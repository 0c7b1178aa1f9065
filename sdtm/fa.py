"""FA (Findings About), SDTMIG 3.4 section 6.4: characteristics of the primary diagnosis at study entry.

The disease history page (one row per subject at screening) describes the study disease. Its
characteristics need a result, a standard result and, for metastases, a location, so they are
findings about the MH PRIMARY DIAGNOSIS record (SDTMIG 3.4 section 6.4.1, criterion 2), not
supplemental qualifiers of it. FAOBJ is the primary diagnosis term (value map MHPRIMDX, as MHTERM);
FACAT = DISEASE CHARACTERISTICS; FATEST is the spec codelist's decode of FATESTCD.

| raw column(s)            | FATESTCD | FASCAT             | FASTRESC (value map)           | FALOC              |
|--------------------------|----------|--------------------|--------------------------------|--------------------|
| DIFFGRD                  | HISTGRD  | HISTOPATHOLOGY     | FAHISTGR (AJCC 8 G1-G4/GX)     |                    |
| TUMLOC                   | PLLOC    | PRIMARY TUMOR      | FAPLLOC (CDISC LOC)            |                    |
| DISSTAT                  | DISSTAT  |                    | FADISSTA                       |                    |
| TSTAGE, NSTAGE, MSTAGE   | T/N/MSTAGE | TNM STAGING      | FATSTAGE, FANSTAGE, FAMSTAGE   |                    |
| STAGE                    | STAGE    | TNM STAGING        | FASTAGE (AJCC 8 stage group)   |                    |
| each column of FAMETLOC  | METIND   | DISTANT METASTASES | NY (answer Y/N)                | FAMETLOC (column)  |
| METOTHSP (other, specify)| METIND   | DISTANT METASTASES | Y                              | FAOTHLOC (text)    |

Why this model: one test per collected item keeps FATESTCD/FATEST meaningful and FASTRESC
controlled per test (value-level codelists); the metastatic-site checklist becomes one indicator
test with the site in FALOC (the FA location variable, CDISC LOC) instead of one test code per
organ, so new sites need a value-map line, not a new test code. Unanswered items give no record.
VISITNUM/VISIT come from the page's visit code (:mod:`sdtm.visits`); FADTC is the date of that
visit (visit date form, method MT.FADTC). FALNKID links the records to their MH record (RELREC at
dataset level: MH.MHLNKID ONE - FA.FALNKID MANY, returned as ``RELREC_FA`` for the lead's RELREC).
Duplicates and unknown subjects of the page are reported and rejected by MH, not here.
"""

from __future__ import annotations

import pandas as pd

from sdtm.coding import compute_keys, compute_text
from sdtm.common import add_subject_keys, finalise_domain, map_coded, order_variables
from sdtm.context import DomainResult, MappingContext
from sdtm.dates import compute_dtc
from sdtm.frames import reset_rows
from sdtm.mh import PRIMARY_DIAGNOSIS, compute_primary_diagnosis, read_disease_history
from sdtm.visits import compute_visitnum, planned_visit_names

FACAT = "DISEASE CHARACTERISTICS"
TESTS = (
    # raw column, FATESTCD, value map of FASTRESC, FASCAT
    ("DIFFGRD", "HISTGRD", "FAHISTGR", "HISTOPATHOLOGY"),
    ("TUMLOC", "PLLOC", "FAPLLOC", "PRIMARY TUMOR"),
    ("DISSTAT", "DISSTAT", "FADISSTA", None),
    ("TSTAGE", "TSTAGE", "FATSTAGE", "TNM STAGING"),
    ("NSTAGE", "NSTAGE", "FANSTAGE", "TNM STAGING"),
    ("MSTAGE", "MSTAGE", "FAMSTAGE", "TNM STAGING"),
    ("STAGE", "STAGE", "FASTAGE", "TNM STAGING"),
)
METASTASIS = ("METIND", "DISTANT METASTASES")
SITE_MAP, OTHER_SITE_MAP, OTHER_SITE_COLUMN = "FAMETLOC", "FAOTHLOC", "METOTHSP"
RELREC_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELTYPE", "RELID"]
RELID = "MHFA"



def _records(raw: pd.DataFrame, column: str, testcd: str, scat: str | None, stresc: pd.Series, loc=None) -> pd.DataFrame:
    """One FA record per answered raw row of ``column``."""
    orres = compute_text(raw[column])
    keep = orres.notna()
    return pd.DataFrame({
        "SOURCE_FILE": raw["SOURCE_FILE"], "SOURCE_ROW": raw["SOURCE_ROW"], "STUDYID": raw["STUDYID"],
        "USUBJID": raw["USUBJID"], "_ROW": raw.index,
        "FATESTCD": testcd, "FASCAT": scat, "FAORRES": orres, "FASTRESC": stresc, "FALOC": loc,
    }, index=raw.index)[keep.to_numpy()]


def build_characteristics(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """FA records of the single-answer items (grade, location, status, TNM, stage)."""
    frames = []
    for column, testcd, value_map, scat in TESTS:
        frames.append(_records(raw, column, testcd, scat, map_coded(raw, column, value_map, ctx)))
    return pd.concat(frames, ignore_index=True)


def build_metastases(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """METIND records: one per site column of value map FAMETLOC, plus the "other site" text."""
    testcd, scat = METASTASIS
    frames = []
    for column, location in ctx.mapping.value_maps[SITE_MAP].items():
        if column in raw.columns:
            frames.append(_records(raw, column, testcd, scat, map_coded(raw, column, "NY", ctx), loc=location))
    if OTHER_SITE_COLUMN in raw.columns:
        other = raw[compute_text(raw[OTHER_SITE_COLUMN]).notna().to_numpy()]
        if not other.empty:
            site = map_coded(other, OTHER_SITE_COLUMN, OTHER_SITE_MAP, ctx)
            frames.append(_records(other, OTHER_SITE_COLUMN, testcd, scat, pd.Series("Y", index=other.index), loc=site)
                          .assign(FAORRES="Y"))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def compute_visit_dates(raw: pd.DataFrame, ctx: MappingContext) -> pd.Series:
    """FADTC of each raw row: the date of its visit on the visit date form (same subject and visit
    code); None when there is none. Unreadable visit dates are left out silently (SV reports them)."""
    codes = raw["VISIT"].pipe(compute_keys)
    visits = ctx.form("visit_dates").data
    visits = visits[visits["VISIT"].pipe(compute_keys).isin(set(codes.dropna())).to_numpy()]
    if visits.empty:
        return pd.Series([None] * len(raw), index=raw.index, dtype=object)
    visits = add_subject_keys(visits, ctx)
    dates = pd.Series([None] * len(visits), index=visits.index, dtype=object)
    for site, rows in visits.groupby("SITEID"):
        dtc, _ = compute_dtc(rows["VISDAT"], slash_order=ctx.mapping.slash_date_order.get(str(site)))
        dates.loc[rows.index] = dtc.to_numpy(dtype=object)
    table = pd.DataFrame({"USUBJID": visits["USUBJID"], "_VISIT": visits["VISIT"].pipe(compute_keys), "FADTC": dates})
    table = table.dropna(subset=["FADTC"]).drop_duplicates(["USUBJID", "_VISIT"])
    keys = pd.DataFrame({"USUBJID": raw["USUBJID"].to_numpy(), "_VISIT": codes.to_numpy()})
    found = keys.merge(table, on=["USUBJID", "_VISIT"], how="left")["FADTC"]
    return pd.Series(found.to_numpy(dtype=object), index=raw.index).where(lambda d: d.notna(), None)


def compute_row_context(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """Per disease history row: FAOBJ, VISITNUM, VISIT and FADTC (shared by all its records)."""
    fadtc = compute_visit_dates(raw, ctx)
    visit = compute_visitnum(raw["VISIT"].pipe(compute_keys), fadtc, raw["USUBJID"], names=planned_visit_names(ctx.study))
    return pd.DataFrame({"FAOBJ": compute_primary_diagnosis(raw, ctx, report=False), "VISITNUM": visit["VISITNUM"],
                         "VISIT": visit["VISIT"], "FADTC": fadtc}, index=raw.index)


def create_relrec_fa(fa: pd.DataFrame, studyid: str) -> pd.DataFrame:
    """Dataset-level RELREC rows relating MH.MHLNKID (ONE) to FA.FALNKID (MANY) (SDTMIG 3.4 8.3)."""
    if fa.empty:
        return pd.DataFrame(columns=RELREC_COLUMNS)
    return pd.DataFrame({
        "STUDYID": studyid, "RDOMAIN": ["MH", "FA"], "USUBJID": None, "IDVAR": ["MHLNKID", "FALNKID"],
        "IDVARVAL": None, "RELTYPE": ["ONE", "MANY"], "RELID": RELID,
    })[RELREC_COLUMNS]


def map_fa(ctx: MappingContext) -> list[DomainResult]:
    """Map the disease history page to FA (findings about the primary diagnosis) and RELREC_FA."""
    raw, _ = read_disease_history(ctx, report=False)
    fa = pd.concat([build_characteristics(raw, ctx), build_metastases(raw, ctx)], ignore_index=True)
    if fa.empty:
        empty = pd.DataFrame(columns=["STUDYID", "DOMAIN", "USUBJID", "FASEQ", "FATESTCD", "FATEST", "FAOBJ", "SOURCE_FILE", "SOURCE_ROW"])
        return [DomainResult("FA", empty), DomainResult("RELREC_FA", create_relrec_fa(empty, ctx.studyid))]
    fa = fa.join(compute_row_context(raw, ctx), on="_ROW")
    fa["FALNKID"] = PRIMARY_DIAGNOSIS
    fa["FACAT"] = FACAT
    tests = ctx.study.sdtm.codelists["FATESTCD"]
    fa["FATEST"] = fa["FATESTCD"].map({code: tests.decode(code) for code in fa["FATESTCD"].unique()})
    fa = finalise_domain(fa, ctx, domain="FA", seq_order=["FATESTCD", "FAOBJ", "FALOC", "VISITNUM", "SOURCE_FILE", "SOURCE_ROW"],
                         dy={"FADTC": "FADY"}, epoch_from="FADTC")
    fa = reset_rows(order_variables(fa, ctx, "FA", drop=["_ROW"]))
    return [DomainResult("FA", fa), DomainResult("RELREC_FA", create_relrec_fa(fa, ctx.studyid))]
