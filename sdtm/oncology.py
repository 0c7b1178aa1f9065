"""Shared steps of the RECIST 1.1 tumour domains TU, TR and RS (SDTMIG 3.4 sections 6.3.15-6.3.16
and 6.3.5.x RS; RECIST 1.1, Eisenhauer et al. 2009), and their RELREC relationships.

The tumour forms hold one row per lesion per assessment (``tumour_target``: target lesions with
their diameter; ``tumour_nontarget``: non-target lesions with their status; ``tumour_new``: one
row per assessment saying whether a new lesion appeared and where) and one row per assessment
with the investigator's responses (``tumour_response``). Every form is prepared the same way
(:func:`prepare_form`): subject keys, unknown subjects rejected, exact duplicates rejected, the
assessment date, the data cut-off, VISITNUM/VISIT, the assessment link group and conflicting
second records for the same lesion/assessment rejected.

TR owns the data issues of the lesion forms and RS those of the response form; TU reads the
same prepared lesion rows through :func:`quiet` (a context whose issue log is thrown away), so
each raw problem is reported once.

Data-issue checks raised by the tumour mappers:

| check  | severity | meaning                                                                       |
|--------|----------|-------------------------------------------------------------------------------|
| ONC001 | ERROR    | a second, different record for the same lesion (or response) at one assessment: not mapped |
| ONC002 | WARNING  | target/non-target lesion first recorded after screening: identified there in TU |
| ONC003 | WARNING  | lesion result missing without a reason: TRSTAT NOT DONE, TRREASND null         |
| ONC004 | ERROR    | diameter is not a number: kept in TRORRES/TRSTRESC, TRSTRESN missing           |
| ONC005 | WARNING  | nodal status missing or different between a lesion's records: the first known value decides LDIAM/LPERP |
| ONC006 | WARNING  | new-lesion question not answered: row not mapped                              |
| ONC007 | WARNING  | overall response missing on the response form                                 |
| ONC008 | WARNING  | new-lesion answer of the response form differs from the new-lesion form        |
| VIS001 | WARNING  | visit code neither planned nor unscheduled, or an unscheduled visit without a preceding scheduled visit: VISITNUM missing |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from edc.issues import IssueLog
from edc.readers import RawForm
from sdtm.common import (
    add_subject_keys,
    map_coded,
    map_date,
    read_keyed_rows,
    reject_unknown_subjects,
    split_after_cutoff,
    split_duplicates,
)
from sdtm.context import DomainResult, MappingContext, empty_rejections
from sdtm.dates import dtc_date
from sdtm.frames import add_columns, filter_rows, reset_rows, select_columns
from sdtm.mapping import normalise_text
from sdtm.visits import compute_unscheduled_series, compute_visitnum, planned_visit_names

EVALUATOR = "INVESTIGATOR"
"""TUEVAL/TREVAL/RSEVAL: every tumour assessment of the study is the investigator's."""

LINK_SUFFIX = "-INV"
"""TRLNKGRP/RSLNKGRP = EDC visit code + this suffix (the evaluator), e.g. ``TA_W006-INV``."""

TUMOUR_FORMS = ("tumour_target", "tumour_nontarget", "tumour_new", "tumour_response")
"""The forms whose visits make the tumour-assessment series (reference for unscheduled visits)."""

DATE_COLUMN = {"tumour_target": "TRDAT", "tumour_nontarget": "TRDAT", "tumour_new": "TRDAT", "tumour_response": "RSDAT",
               "ecog": "ECOGDAT"}
"""The assessment date column of each form."""


@dataclass(frozen=True)
class LesionForm:
    """A lesion form: its raw name, the lesion role it records (TU result), id and location columns."""

    form: str
    role: str  # TUORRES: TARGET, NON-TARGET, NEW
    id_column: str | None  # None: lesions are numbered (new lesions)
    location_column: str
    id_prefix: str


TARGET = LesionForm("tumour_target", "TARGET", "TLID", "TLLOC", "T")
NON_TARGET = LesionForm("tumour_nontarget", "NON-TARGET", "NTLID", "NTLOC", "NT")
NEW = LesionForm("tumour_new", "NEW", None, "NEWLOC", "NEW")
LESION_FORMS = (TARGET, NON_TARGET, NEW)


@dataclass
class Prepared:
    """Rows of one form ready for mapping, and the rows set aside (with reasons)."""

    data: pd.DataFrame
    rejected: pd.DataFrame
    excluded: pd.DataFrame


@dataclass
class _QuietContext(MappingContext):
    """A context whose mapping issues go to a private log; raw files are still read (and their
    reading problems reported) through the real context."""

    loud: MappingContext | None = None

    def form(self, name: str) -> RawForm:
        return self.loud.form(name) if self.loud is not None else super().form(name)


def quiet(ctx: MappingContext) -> MappingContext:
    """The same context (forms, results, mapping) with a private issue log that nobody reads.

    Raw files are read through ``ctx`` (once per run), so a file's reading problems (RAW001-4)
    are reported whichever mapper reads it first.
    """
    return _QuietContext(study=ctx.study, mapping=ctx.mapping, raw=ctx.raw, cutoff=ctx.cutoff, issues=IssueLog(),
                         results=ctx.results, _forms=ctx._forms, _keyed=ctx._keyed, loud=ctx)


def map_unique(values: pd.Series, function) -> pd.Series:
    """``function`` applied once per distinct non-missing value (vectorised over repeated codes)."""
    values = values.astype(object)
    distinct = pd.unique(values[values.notna()].to_numpy())
    out = values.map({v: function(v) for v in distinct}).astype(object)
    return out.where(out.notna(), None)


def strip_text(values: pd.Series) -> pd.Series:
    """Raw text trimmed, blanks missing (for --ORRES/--REASND: the value as collected)."""
    return map_unique(values, lambda v: (v.strip() or None) if isinstance(v, str) else v)


def normalise(values: pd.Series) -> pd.Series:
    """:func:`sdtm.mapping.normalise_text` of each value (the value-map lookup key)."""
    return map_unique(values, normalise_text)


def lookup_map(values: pd.Series, value_map: str, ctx: MappingContext) -> pd.Series:
    """Values of a value map without reporting (for maps keyed like another, already checked map)."""
    mapping = ctx.mapping.value_maps[value_map]
    return map_unique(values, lambda v: mapping.get(normalise_text(v)))


def tumour_visit_reference(ctx: MappingContext) -> pd.DataFrame | None:
    """Every dated visit of the tumour forms (USUBJID, VISIT code, DTC), read without reporting.

    The reference that places unscheduled tumour assessments after the right scheduled one
    (:func:`sdtm.visits.compute_visitnum`); the same for TU, TR and RS. None when no tumour form
    has an unscheduled visit (nothing to place).
    """
    silent = quiet(ctx)
    forms = {name: silent.form(name).data for name in TUMOUR_FORMS}
    if not any(compute_unscheduled_series(data["VISIT"]).notna().any() for data in forms.values() if not data.empty):
        return None
    frames = []
    for name, data in forms.items():
        visits = data.drop_duplicates(["SITEID", "SUBJID", "VISIT", DATE_COLUMN[name]])
        rows = add_subject_keys(visits, silent)
        frames.append(pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(), "VISIT": rows["VISIT"].to_numpy(),
                                    "DTC": map_date(rows, DATE_COLUMN[name], silent).to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def derive_vars_visit(frame: pd.DataFrame, ctx: MappingContext, *, dtc_var: str,
                      reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add VISITNUM/VISIT from the raw visit code (raw code kept in ``_VISITCD``); VIS001 when unknown."""
    codes = frame["VISIT"].astype(object)
    visits = compute_visitnum(codes, frame[dtc_var], frame["USUBJID"], names=planned_visit_names(ctx.study), reference=reference)
    out = add_columns(frame, _VISITCD=normalise(codes).to_numpy(),
                       VISITNUM=visits["VISITNUM"].to_numpy(), VISIT=visits["VISIT"].to_numpy())
    unknown = out["VISITNUM"].isna() & out["_VISITCD"].notna()
    if unknown.any():
        ctx.issues.add_rows(out[unknown].assign(VISIT=out.loc[unknown, "_VISITCD"]), column="VISIT", check="VIS001",
                            severity="WARNING",
                            message="visit code is not a planned visit, or an unscheduled visit without a dated preceding scheduled visit; VISITNUM left missing")
    return out


def split_conflicts(frame: pd.DataFrame, keys: Sequence[str], ctx: MappingContext, *, what: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reject a later row that repeats ``keys`` of an earlier one with other values (check ONC001)."""
    usable = frame[list(keys)].notna().all(axis=1)
    repeated = frame.duplicated(subset=list(keys), keep="first") & usable
    bad = frame[repeated]
    if not bad.empty:
        ctx.issues.add_rows(bad, column=None, check="ONC001", severity="ERROR",
                            message=f"second record for the same {what} at this assessment, with other values; not mapped (the first is kept)")
    rejected = bad[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON=f"second record for the same {what} at one assessment")
    return filter_rows(frame, ~repeated), rejected


def prepare_form(ctx: MappingContext, form: str, *, keys: Sequence[str] = (), what: str = "record",
                 reference: pd.DataFrame | None = None) -> Prepared:
    """Keys, subject check, duplicates, date (``_DTC``), cut-off, VISITNUM/VISIT, link group.

    ``keys``: raw columns that, with USUBJID and the visit code, identify one record of the form
    (a second, different row with the same keys is rejected, ONC001). ``reference``: the dated
    visits unscheduled visits are placed after (default: the form's own rows; the tumour forms
    pass :func:`tumour_visit_reference`). Adds ``_DTC`` (ISO date of the assessment), ``_DATE``
    (its calendar date, NaT when partial), ``_VISITCD``, ``VISITNUM``, ``VISIT`` and ``_LNKGRP``.
    """
    raw = ctx.form(form).data
    raw_columns = [c for c in raw.columns if c not in ("SOURCE_FILE", "SOURCE_ROW", "SITEFOLDER")]
    frame = read_keyed_rows(ctx, form)
    frame, unknown = reject_unknown_subjects(frame, ctx)
    frame, duplicates = split_duplicates(frame, raw_columns, ctx)
    frame = add_columns(frame, _DTC=map_date(frame, DATE_COLUMN[form], ctx).to_numpy())
    frame, after = split_after_cutoff(frame, frame["_DTC"], ctx)
    frame = add_columns(frame, _DATE=dtc_date(frame["_DTC"]).to_numpy())
    frame = derive_vars_visit(frame, ctx, dtc_var="_DTC", reference=reference)
    normalised = {f"_K{i}": normalise(frame[k]).to_numpy() for i, k in enumerate(keys)}
    frame = add_columns(frame, **normalised)
    frame, conflicts = split_conflicts(frame, ["USUBJID", "_VISITCD", *normalised], ctx, what=what)
    frame = frame.drop(columns=list(normalised))
    frame["_LNKGRP"] = map_unique(frame["_VISITCD"], lambda v: f"{v}{LINK_SUFFIX}").to_numpy()
    rejected = pd.concat([r for r in (unknown, duplicates, conflicts) if not r.empty] or [empty_rejections()], ignore_index=True)
    return Prepared(reset_rows(frame), rejected, after)


def assign_lesion_ids(frame: pd.DataFrame, lesion: LesionForm) -> pd.Series:
    """The lesion identifier (TULNKID/TRLNKID) of each row.

    Target and non-target lesions keep the CRF's lesion id (T01, NT01; per subject). The new
    lesion form has no id: each row that reports a new lesion identifies one, numbered per
    subject in order of assessment date (NEW01, NEW02, ...; SDTMIG 3.4 TU assumption 2 example).
    """
    if lesion.id_column is not None:
        return normalise(frame[lesion.id_column])
    order = frame.sort_values(["USUBJID", "_DATE", "VISITNUM", "SOURCE_FILE", "SOURCE_ROW"], kind="mergesort")
    number = order.groupby("USUBJID", sort=False).cumcount() + 1
    ids = map_unique(number, lambda n: f"{lesion.id_prefix}{n:02d}")
    return ids.reindex(frame.index).astype(object)


def sort_by_subject(data: pd.DataFrame, seq_var: str) -> pd.DataFrame:
    """Records in USUBJID, --SEQ order (the order --SEQ was assigned in), index reset."""
    return reset_rows(data.sort_values(["USUBJID", seq_var], kind="mergesort"))


def order_like_spec(data: pd.DataFrame, ctx: MappingContext, domain: str) -> pd.DataFrame:
    """Columns in the spec's variable order, then provenance and helper columns."""
    names = ctx.study.sdtm.dataset(domain).variable_names if ctx.study.sdtm is not None else ()
    first = [n for n in names if n in data.columns]
    return select_columns(data, first + [c for c in data.columns if c not in first])


RELREC_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELTYPE", "RELID"]
RELATIONSHIPS = (
    ("TUTR", (("TU", "TULNKID", "ONE"), ("TR", "TRLNKID", "MANY"))),
    ("TRRS", (("TR", "TRLNKGRP", "MANY"), ("RS", "RSLNKGRP", "ONE"))),
)
"""Dataset-level relationships (SDTMIG 3.4 section 8.3; TU/TR assumptions 1-2, RS assumption 4)."""


def map_relrec_oncology(ctx: MappingContext) -> DomainResult:
    """RELREC rows of the tumour domains: TU-TR by lesion id, TR-RS by assessment link group.

    Dataset-level (USUBJID and IDVARVAL null). RELID TUTR: TU.TULNKID (ONE) to TR.TRLNKID
    (MANY). RELID TRRS: TR.TRLNKGRP (MANY) to RS.RSLNKGRP (ONE; only the RECIST 1.1 overall
    response carries it). A relationship is written only when both of its domains were mapped
    and hold the identifying variable.
    """
    rows = []
    for relid, members in RELATIONSHIPS:
        present = all(d in ctx.results and var in ctx.results[d].data.columns and ctx.results[d].data[var].notna().any()
                      for d, var, _ in members)
        if present:
            rows += [{"STUDYID": ctx.studyid, "RDOMAIN": d, "USUBJID": None, "IDVAR": var, "IDVARVAL": None,
                      "RELTYPE": reltype, "RELID": relid} for d, var, reltype in members]
    return DomainResult("RELREC", pd.DataFrame(rows, columns=RELREC_COLUMNS))


def prepare_lesions(ctx: MappingContext, lesion: LesionForm, reference: pd.DataFrame | None) -> Prepared:
    """A target or non-target lesion form prepared, with the lesion id in ``_LNKID``."""
    prepared = prepare_form(ctx, lesion.form, keys=[lesion.id_column], what=f"{lesion.role.lower()} lesion", reference=reference)
    data = add_columns(prepared.data, _LNKID=assign_lesion_ids(prepared.data, lesion).to_numpy())
    return Prepared(data, prepared.rejected, prepared.excluded)


def prepare_new_lesions(ctx: MappingContext, reference: pd.DataFrame | None) -> Prepared:
    """Rows of the new-lesion form that report a new lesion (``NEWLES`` yes), numbered NEW01, ...

    A "no" answer identifies nothing (there is no lesion to put in TU/TR; the assessment's
    new-lesion indicator is RS NEWLIND from the response form): excluded by design. An
    unanswered question is excluded with a warning (ONC006); an unreadable answer is reported by
    the value map (MAP001) and rejected.
    """
    prepared = prepare_form(ctx, NEW.form, keys=["RECPOS"], what="new-lesion record", reference=reference)
    data = prepared.data
    answer = map_coded(data, "NEWLES", "NY", ctx) if not data.empty else pd.Series(dtype=object)
    blank = answer.isna()
    if blank.any():
        ctx.issues.add_rows(data[blank], column="NEWLES", check="ONC006", severity="WARNING",
                            message="new-lesion question not answered; row not mapped")
    unreadable = answer.notna() & ~answer.isin(["Y", "N"])
    excluded = pd.concat([
        prepared.excluded,
        data.loc[answer.eq("N"), ["SOURCE_FILE", "SOURCE_ROW"]].assign(
            REASON="no new lesion reported (NEWLES no): nothing to identify in TU/TR; see RS NEWLIND"),
        data.loc[blank, ["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="new-lesion question not answered"),
    ], ignore_index=True)
    rejected = pd.concat([prepared.rejected, data.loc[unreadable, ["SOURCE_FILE", "SOURCE_ROW"]].assign(
        REASON="new-lesion answer not in value map NY")], ignore_index=True)
    reported = reset_rows(data[answer.eq("Y").to_numpy()])
    reported = add_columns(reported, _LNKID=assign_lesion_ids(reported, NEW).to_numpy())
    return Prepared(reported, rejected, excluded)


@dataclass
class TumourForms:
    """The prepared tumour forms of one run (shared by TU, TR and RS when mapped together)."""

    target: Prepared
    nontarget: Prepared
    new: Prepared
    response: Prepared | None = None


def prepare_tumour_forms(ctx: MappingContext, *, response: bool = True) -> TumourForms:
    """Prepare the lesion forms (and the response form) once, reporting their data issues to ``ctx``."""
    reference = tumour_visit_reference(ctx)
    return TumourForms(
        target=prepare_lesions(ctx, TARGET, reference),
        nontarget=prepare_lesions(ctx, NON_TARGET, reference),
        new=prepare_new_lesions(ctx, reference),
        response=prepare_form(ctx, "tumour_response", keys=["RECPOS"], what="response record", reference=reference)
        if response else None,
    )


def map_tumour(ctx: MappingContext) -> list[DomainResult]:
    """TU, SUPPTU, TR and RS in one pass: the tumour forms are read and prepared once.

    The registry runs this instead of :func:`sdtm.tu.map_tu`, :func:`sdtm.tr.map_tr` and
    :func:`sdtm.rs.map_rs` (same records, same issues; about a third of the work on a large
    study). Needs DM (and SE for EPOCH) mapped before.
    """
    from sdtm.rs import derive_rs
    from sdtm.tr import derive_tr
    from sdtm.tu import derive_tu

    forms = prepare_tumour_forms(ctx)
    return [*derive_tu(forms, ctx), derive_tr(forms, ctx), derive_rs(forms.response, forms.new.data, ctx)]
