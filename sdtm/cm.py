"""CM (Concomitant/Prior Medications), SDTMIG 3.4 section 6.1.1, with SUPPCM and the CM-AE links.

Three sources, one record per raw row:

| source form          | rows                                                   | CMCAT                          |
|----------------------|--------------------------------------------------------|--------------------------------|
| con_meds             | every row                                              | GENERAL                        |
| prior_therapy        | type whose category (value map THERCAT) is a CMCAT term | PRIOR CANCER THERAPY          |
| subsequent_therapy   | idem (chemotherapy, targeted therapy, immunotherapy)   | SUBSEQUENT ANTICANCER THERAPY  |

The therapy type decides the domain: value map THERCAT gives its category, and a category of the
spec's CMCAT codelist is a CM record, one of PRCAT a PR record (:func:`compute_therapy_category`;
PR takes the others, see :mod:`sdtm.pr`). CMSCAT holds the type (CHEMOTHERAPY ...). A type the map
does not know is reported (MAP001) and the row rejected here, once.

CMTRT is the verbatim as written (trimmed); CMDECOD/CMCLAS/CMCLASCD come from the study coding
table (CODE001 when unknown); dose, unit (UNIT), frequency (FREQ) and route (ROUTE) through value
maps (DOSE001 when the dose is not a number); dates keep partial precision; records starting after
the cut-off are excluded. CMENRTPT/CMENTPT come from the ongoing answer of the con-med page.
The prior therapy setting/intent goes to SUPPCM.TRTINTNT. The AE number a con-med was given for
(CMAENO) becomes a record-level RELREC pair AE.AESEQ - CM.CMSEQ (returned as ``RELREC_CMAE`` for
the lead's RELREC; LINK001 when it matches no AE record of the subject).
"""

from __future__ import annotations

import pandas as pd

from sdtm.ae import DUPLICATE_IGNORED, END_REFERENCE, derive_vars_enrtpt, reject_duplicate_rows
from sdtm.coding import code_medications, compute_keys, compute_text
from sdtm.common import (
    compute_distinct,
    finalise_domain,
    map_coded,
    map_date,
    numeric_text,
    order_variables,
    read_keyed_rows,
    reject_unknown_subjects,
    split_after_cutoff,
)
from sdtm.context import DomainResult, MappingContext, empty_rejections
from sdtm.frames import reset_rows
from sdtm.suppqual import Qualifier, create_supp

GENERAL = "GENERAL"
"""CMCAT of the con-med page (spec codelist CMCAT)."""
THERAPY_FORMS = {
    # form: (timing prefix of the THERCAT keys, type, verbatim, start, end, setting)
    "prior_therapy": ("PRIOR", "PRTYPE", "PRTRT", "PRSTDAT", "PRENDAT", "PRSETTING"),
    "subsequent_therapy": ("SUBSEQUENT", "STTYPE", "STTRT", "STSTDAT", "STENDAT", None),
}
RELREC_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELTYPE", "RELID"]
SETTING = Qualifier("TRTINTNT", "TRTINTNT", "Therapy Setting or Intent", "CRF")


def compute_therapy_category(frame: pd.DataFrame, *, timing: str, type_column: str, ctx: MappingContext,
                             report: bool = False) -> pd.Series:
    """CMCAT/PRCAT of prior/subsequent therapy rows: value map THERCAT of ``"<timing> <type>"``.

    None where the map does not know the type; with ``report`` those rows get MAP001 (raw type column).
    """
    mapping = ctx.mapping.value_maps["THERCAT"]
    keys = compute_distinct(frame[type_column].pipe(compute_keys), lambda t: f"{timing} {t}" if t else None)
    category = compute_distinct(keys, lambda k: mapping.get(k) if k else None)
    unknown = category.isna()
    if report and unknown.any():
        ctx.issues.add_rows(frame[unknown], column=type_column, check="MAP001", severity="ERROR",
                            message="therapy type is not in value map THERCAT; row not mapped")
    return category.where(category.notna(), None)


def read_therapies(ctx: MappingContext, *, codelist: str, report: bool) -> tuple[list[tuple[tuple, pd.DataFrame]], pd.DataFrame]:
    """Prior/subsequent therapy rows whose category belongs to ``codelist`` (CMCAT or PRCAT).

    Returns, per therapy form, its column names (:data:`THERAPY_FORMS`) and its rows (subject keys
    and ``_CAT`` added), and the rows rejected: duplicates, unknown subjects and, when ``report``,
    unknown therapy types. With ``report`` (the CM mapper) the data issues are raised and every
    rejection returned; without it (PR) nothing is reported or returned twice.
    """
    allowed = set(ctx.study.sdtm.codelists[codelist].values)
    routed = set(ctx.study.sdtm.codelists["CMCAT"].values) | set(ctx.study.sdtm.codelists["PRCAT"].values)
    forms, rejected = [], []
    for form, spec in THERAPY_FORMS.items():
        timing, type_col = spec[0], spec[1]
        raw = read_keyed_rows(ctx, form)
        if report:
            raw, duplicates = reject_duplicate_rows(raw, ctx)
            raw, unknown = reject_unknown_subjects(raw, ctx)
            rejected += [duplicates, unknown]
        else:
            duplicated = raw.duplicated(subset=[c for c in raw.columns if c not in DUPLICATE_IGNORED], keep="first")
            raw = raw[~duplicated & raw["USUBJID"].isin(ctx.domain("DM")["USUBJID"])]
        category = compute_therapy_category(raw, timing=timing, type_column=type_col, ctx=ctx, report=report)
        if report:
            rejected.append(raw.loc[category.isna(), ["SOURCE_FILE", "SOURCE_ROW"]].assign(
                REASON=f"therapy type not in value map THERCAT ({type_col})"))
            stray = category.notna() & ~category.isin(routed)
            if stray.any():  # a spec error: THERCAT names a category of neither CMCAT nor PRCAT
                ctx.issues.add_rows(raw[stray], column=type_col, check="MAP001", severity="ERROR",
                                    message="THERCAT category is in neither codelist CMCAT nor PRCAT; row not mapped")
                rejected.append(raw.loc[stray, ["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="therapy category not in CMCAT/PRCAT"))
        forms.append((spec, raw.assign(_CAT=category)[category.isin(allowed).to_numpy()]))
    return forms, _frames(rejected)


def _frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else empty_rejections()


def build_general(raw: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """CM records of the con-med page (CMCAT GENERAL)."""
    cm = raw[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID"]].copy()
    cm["CMTRT"] = compute_text(raw["CMTRT"])
    cm["CMCAT"] = GENERAL
    cm = cm.join(code_medications(raw, "CMTRT", ctx))
    cm["CMINDC"] = compute_text(raw["CMINDC"])
    dose = numeric_text(raw["CMDOSE"])
    bad = dose.isna() & raw["CMDOSE"].pipe(compute_keys).notna()
    if bad.any():
        ctx.issues.add_rows(raw[bad], column="CMDOSE", check="DOSE001", severity="WARNING", message="dose is not a number; set missing")
    cm["CMDOSE"] = dose
    cm["CMDOSU"] = map_coded(raw, "CMDOSU", "CMDOSU", ctx)
    cm["CMDOSFRQ"] = map_coded(raw, "CMDOSFRQ", "CMDOSFRQ", ctx)
    cm["CMROUTE"] = map_coded(raw, "CMROUTE", "CMROUTE", ctx)
    cm["CMSTDTC"] = map_date(raw, "CMSTDAT", ctx)
    cm["CMENDTC"] = map_date(raw, "CMENDAT", ctx)
    cm = derive_vars_enrtpt(cm, prefix="CM", ongoing=map_coded(raw, "CMONGO", "NY", ctx), reference=END_REFERENCE,
                            ctx=ctx, raw=raw, ongoing_column="CMONGO")
    cm["_AENO"] = raw["CMAENO"].pipe(compute_keys)
    return cm


def build_therapies(rows: pd.DataFrame, spec: tuple, ctx: MappingContext) -> pd.DataFrame:
    """CM records of systemic prior/subsequent anticancer therapy rows of one therapy form."""
    _, type_col, trt, start, end, setting = spec
    cm = rows[["SOURCE_FILE", "SOURCE_ROW", "STUDYID", "USUBJID"]].copy()
    cm["CMTRT"] = compute_text(rows[trt])
    cm["CMCAT"] = rows["_CAT"]
    cm = cm.join(code_medications(rows, trt, ctx))
    cm["CMSCAT"] = map_coded(rows, type_col, "CMSCAT", ctx)
    cm["CMSTDTC"] = map_date(rows, start, ctx)
    cm["CMENDTC"] = map_date(rows, end, ctx)
    cm["TRTINTNT"] = map_coded(rows, setting, "TRTINTNT", ctx) if setting else None
    return cm


def create_relrec_cmae(cm: pd.DataFrame, ae: pd.DataFrame | None, ctx: MappingContext) -> pd.DataFrame:
    """Record-level RELREC pairs (SDTMIG 3.4 section 8.2) of con-meds given for an AE.

    The con-med page names the AE by its number (AESPID); each match gives two rows, AE/AESEQ and
    CM/CMSEQ, with RELID ``CMAE<n>`` numbered within the subject and RELTYPE null. A number that
    matches no AE record of the subject is reported (LINK001).
    """
    linked = cm[cm["_AENO"].notna()]
    if linked.empty:
        return pd.DataFrame(columns=RELREC_COLUMNS)
    if ae is None or ae.empty:
        ae = pd.DataFrame(columns=["USUBJID", "AESPID", "AESEQ"])
    keys = ae[["USUBJID", "AESPID", "AESEQ"]].assign(_AENO=ae["AESPID"].pipe(compute_keys)).drop_duplicates(["USUBJID", "_AENO"])
    pairs = linked.merge(keys[["USUBJID", "_AENO", "AESEQ"]], on=["USUBJID", "_AENO"], how="left")
    missing = pairs["AESEQ"].isna()
    if missing.any():
        ctx.issues.add_rows(pairs[missing].assign(CMAENO=pairs.loc[missing, "_AENO"]), column="CMAENO", check="LINK001",
                            severity="WARNING", message="AE number matches no AE record of the subject; no RELREC link")
    pairs = pairs[~missing].sort_values(["USUBJID", "CMSEQ"], kind="mergesort")
    relid = "CMAE" + (pairs.groupby("USUBJID").cumcount() + 1).astype(str)
    common = {"STUDYID": pairs["STUDYID"].to_numpy(), "USUBJID": pairs["USUBJID"].to_numpy(), "RELTYPE": None, "RELID": relid.to_numpy()}
    ae_rows = pd.DataFrame({**common, "RDOMAIN": "AE", "IDVAR": "AESEQ", "IDVARVAL": pairs["AESEQ"].astype("int64").astype(str).to_numpy()})
    cm_rows = pd.DataFrame({**common, "RDOMAIN": "CM", "IDVAR": "CMSEQ", "IDVARVAL": pairs["CMSEQ"].astype(str).to_numpy()})
    out = pd.concat([ae_rows, cm_rows], ignore_index=True).assign(_order=lambda d: d["RDOMAIN"].map({"AE": 0, "CM": 1}))
    out = out.sort_values(["USUBJID", "RELID", "_order"], kind="mergesort")
    return out[RELREC_COLUMNS].reset_index(drop=True)


def map_cm(ctx: MappingContext) -> list[DomainResult]:
    """Map con-meds and systemic prior/subsequent anticancer therapy to CM (+ SUPPCM, RELREC_CMAE)."""
    raw = read_keyed_rows(ctx, "con_meds")
    raw, duplicates = reject_duplicate_rows(raw, ctx)
    raw, unknown = reject_unknown_subjects(raw, ctx)
    general = build_general(raw, ctx)
    forms, therapy_rejected = read_therapies(ctx, codelist="CMCAT", report=True)
    cm = pd.concat([general, *(build_therapies(rows, spec, ctx) for spec, rows in forms)], ignore_index=True)
    cm, after_cutoff = split_after_cutoff(cm, cm["CMSTDTC"], ctx)
    cm = finalise_domain(cm, ctx, domain="CM", seq_order=["CMCAT", "CMTRT", "CMSTDTC", "SOURCE_FILE", "SOURCE_ROW"],
                         dy={"CMSTDTC": "CMSTDY", "CMENDTC": "CMENDY"}, epoch_from="CMSTDTC")
    cm["CMDOSE"] = cm["CMDOSE"].astype("float64")
    supp = create_supp(cm, rdomain="CM", qualifiers=[SETTING], idvar="CMSEQ")
    ae = ctx.results["AE"].data if "AE" in ctx.results else None
    relrec = create_relrec_cmae(cm, ae, ctx)
    cm = reset_rows(order_variables(cm, ctx, "CM", drop=["TRTINTNT", "_AENO"]))
    rejected = _frames([duplicates, unknown, therapy_rejected])
    return [DomainResult("CM", cm, rejected=rejected, excluded=after_cutoff), DomainResult("SUPPCM", supp),
            DomainResult("RELREC_CMAE", relrec)]
