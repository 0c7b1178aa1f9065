"""Steps every domain mapper takes on raw rows: subject keys, coded values, dates, cut-off,
duplicates, and the standard identifier/timing variables at the end. Records after the data
cut-off are excluded (not an issue: the reconciliation lists them).

Each step reports what it cannot do as a data issue (file, row, column, value) and never
guesses: an unmapped coded value is kept as written (normalised) for the conformance check to
flag, an unreadable date becomes missing, a row of an unknown subject is rejected.

Data-issue checks raised here:

| check   | severity | meaning                                                           |
|---------|----------|-------------------------------------------------------------------|
| SUBJ001 | ERROR    | subject not in demographics: row rejected                          |
| MAP001  | ERROR    | coded value not in the study's value map: kept as written          |
| DATE001 | ERROR    | date not readable (impossible date, unknown format): set missing   |
| DUP001  | WARNING  | exact duplicate of an earlier row of the same form: rejected       |
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from sdtm.context import MappingContext
from sdtm.dates import compute_dtc, compute_dy_of_dates, dtc_date, map_subject_dates
from sdtm.frames import add_columns, compute_duplicated, filter_rows, select_columns
from sdtm.identifiers import compute_usubjid, derive_var_seq
from sdtm.mapping import normalise_text
from sdtm.timing import derive_var_epoch


def factorize_distinct(values: pd.Series, function: Callable[[object], object]) -> tuple[np.ndarray, np.ndarray]:
    """``function`` of each distinct value: ``(codes, results)`` with ``results[codes]`` aligned with ``values``.

    Distinct texts share a code; missing values are passed to ``function`` as they are, once
    per kind (None, NaN, NaT, NA each read differently); a column holding values other than
    text gets one code per row (numbers that compare equal, such as 1 and 1.0, must not share a
    result).
    """
    array = values.to_numpy(dtype=object)
    if infer_dtype(array, skipna=True) not in ("string", "empty"):
        return np.arange(len(array)), np.fromiter(map(function, array), dtype=object, count=len(array))
    codes, uniques = pd.factorize(array)
    results = np.fromiter(map(function, uniques), dtype=object, count=len(uniques))
    positions = np.flatnonzero(codes < 0)
    if len(positions):
        kinds, _ = pd.factorize(np.fromiter(map(type, array[positions]), dtype=object, count=len(positions)))
        codes[positions] = len(results) + kinds
        firsts = [array[positions[np.argmax(kinds == kind)]] for kind in range(kinds.max() + 1)]
        results = np.concatenate([results, np.fromiter(map(function, firsts), dtype=object, count=len(firsts))])
    return codes, results


def compute_distinct(values: pd.Series, function: Callable[[object], object]) -> pd.Series:
    """``values.map(function)`` as an object series, ``function`` called once per distinct text.

    Raw columns repeat a few values over many rows (site numbers, codes, dates), so this costs
    the distinct values only (see :func:`factorize_distinct` for missing and non-text values).

    >>> compute_distinct(pd.Series([" a", "b", " a", None]), lambda v: str(v).strip()).tolist()
    ['a', 'b', 'a', 'None']
    """
    codes, results = factorize_distinct(values, function)
    return pd.Series(results[codes], index=values.index, dtype=object)


def _stripped_text(value: object) -> str:
    return str(value).strip()


def is_filled(value: object) -> bool:
    """Whether a value reads as text that is not blank (``str(value).strip()`` not empty)."""
    return str(value).strip() != ""


def add_subject_keys(frame: pd.DataFrame, ctx: MappingContext) -> pd.DataFrame:
    """Add STUDYID, SITEID, SUBJID and USUBJID from the EDC keys.

    The EDC numbers subjects within each site ("001" at every site), so SUBJID, which SDTMIG 3.4
    (DM) requires unique within the study, is SITEID-number ("03-001"), and USUBJID is
    STUDYID-SITEID-number ("ALTER-E-003-03-001"). Built once per distinct pair of EDC keys.
    """
    site_codes, sites = factorize_distinct(frame["SITEID"], _stripped_text)
    number_codes, numbers = factorize_distinct(frame["SUBJID"], _stripped_text)
    width = max(len(numbers), 1)
    codes, pairs = pd.factorize(site_codes.astype("int64") * width + number_codes)
    pair_site = pd.Series(sites[pairs // width], dtype=object)
    pair_number = pd.Series(numbers[pairs % width], dtype=object)
    subjid = (pair_site + "-" + pair_number).to_numpy(dtype=object)[codes]
    usubjid = compute_usubjid(ctx.studyid, pair_site, pair_number).to_numpy(dtype=object)[codes]
    return add_columns(frame, STUDYID=ctx.studyid, SITEID=sites[site_codes], SUBJID=subjid, USUBJID=usubjid)


def read_keyed_rows(ctx: MappingContext, form: str) -> pd.DataFrame:
    """The rows of raw form ``form`` with their subject keys (:func:`add_subject_keys`).

    Several mappers read the same form (DM reads the dosing, visit and AE forms for its
    reference dates, then EX, SV and AE map them), so the keys are added once per run; each
    call gets a new frame over the same columns (add or replace columns freely, never write
    into them).
    """
    if form not in ctx._keyed:
        ctx._keyed[form] = add_subject_keys(ctx.form(form).data, ctx)
    return ctx._keyed[form].copy(deep=False)


def reject_unknown_subjects(frame: pd.DataFrame, ctx: MappingContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off rows whose USUBJID is not in DM (check SUBJ001)."""
    known = frame["USUBJID"].isin(ctx.domain("DM")["USUBJID"])
    bad = frame[~known]
    if not bad.empty:
        ctx.issues.add_rows(bad, column="SUBJID", check="SUBJ001", severity="ERROR",
                            message="subject is not in the demographics form; row not mapped")
    rejected = bad[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="subject not in demographics")
    return filter_rows(frame, known), rejected


def map_coded(frame: pd.DataFrame, column: str, value_map: str, ctx: MappingContext) -> pd.Series:
    """Submission values of a coded raw column through the study's value map (check MAP001).

    Lookup is on the normalised text (trimmed, blanks collapsed, upper case), so "Male " and
    "male" both find "MALE". A value the map does not know is reported and kept normalised.
    Each distinct raw value is normalised and looked up once (:func:`factorize_distinct`).
    """
    mapping = ctx.mapping.value_maps[value_map]
    codes, keys = factorize_distinct(frame[column], normalise_text)
    values = np.fromiter((mapping.get(k, k) if k is not None else None for k in keys), dtype=object, count=len(keys))
    unknown = np.fromiter((k is not None and k not in mapping for k in keys), dtype=bool, count=len(keys))[codes]
    if unknown.any():
        ctx.issues.add_rows(frame[unknown], column=column, check="MAP001", severity="ERROR",
                            message=f"value is not in value map {value_map}; kept as written")
    return pd.Series(values[codes], index=frame.index, dtype=object)


def compute_site_dtc(frame: pd.DataFrame, column: str, ctx: MappingContext) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """ISO 8601 text of a raw date column, each site's rows read with its declared slash order.

    Returns the text, the invalid flags, and each row's site rank in sorted SITEID order (-1 and
    no date for a row without a site). Sites sharing a slash order are read together.
    """
    site, names = pd.factorize(frame["SITEID"], sort=True)
    orders = [ctx.mapping.slash_date_order.get(str(name)) for name in names]
    dtc = np.full(len(frame), None, dtype=object)
    invalid = np.zeros(len(frame), dtype=bool)
    for order in dict.fromkeys(orders):
        rows = np.flatnonzero(np.isin(site, [rank for rank, o in enumerate(orders) if o == order]))
        text, bad = compute_dtc(frame[column].iloc[rows], slash_order=order)
        dtc[rows], invalid[rows] = text.to_numpy(dtype=object), bad.to_numpy(dtype=bool)
    return pd.Series(dtc, index=frame.index, dtype=object), invalid, site


def map_date(frame: pd.DataFrame, column: str, ctx: MappingContext) -> pd.Series:
    """ISO 8601 text of a raw date column, with each site's declared slash order (check DATE001)."""
    dtc, invalid, site = compute_site_dtc(frame, column, ctx)
    if invalid.any():
        bad = np.flatnonzero(invalid)
        ctx.issues.add_rows(frame.iloc[bad[np.argsort(site[bad], kind="stable")]], column=column, check="DATE001",
                            severity="ERROR", message="date is not readable; set missing")
    return dtc


def map_date_unreported(frame: pd.DataFrame, column: str, ctx: MappingContext) -> pd.Series:
    """ISO dates like :func:`map_date`, without issues: for another domain's form, whose own
    mapper reports its date problems (each problem is reported once)."""
    return compute_site_dtc(frame, column, ctx)[0]


def earliest_possible(dtc: pd.Series) -> pd.Series:
    """Earliest calendar date an ISO 8601 (possibly partial) value can mean (once per distinct value)."""
    codes, uniques = pd.factorize(dtc.astype(object, copy=False), use_na_sentinel=True)
    text = pd.Series(list(uniques) + [None], dtype=object)
    parts = text.str.extract(r"^(?P<y>\d{4})(?:-(?P<m>\d{2}))?(?:-(?P<d>\d{2}))?")
    iso = parts["y"] + "-" + parts["m"].fillna("01") + "-" + parts["d"].fillna("01")
    dates = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").to_numpy()
    return pd.Series(dates[codes], index=dtc.index)


def split_after_cutoff(frame: pd.DataFrame, dtc: pd.Series, ctx: MappingContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exclude records that start after the data cut-off.

    Rule (stated in the reviewer's guide): a record is after the cut-off when the earliest date
    its start date can mean is after it; so a partial "2024-12" is kept at a 2024-12-31
    cut-off, a partial "2025" is not. Records without a start date are kept.
    """
    after = earliest_possible(dtc) > pd.Timestamp(ctx.cutoff)
    excluded = frame.loc[after, ["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON=f"after data cut-off {ctx.cutoff.isoformat()}")
    return filter_rows(frame, ~after.to_numpy()), excluded


def split_duplicates(frame: pd.DataFrame, columns: Sequence[str], ctx: MappingContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reject rows that repeat an earlier row on ``columns`` (check DUP001)."""
    duplicated = pd.Series(compute_duplicated(frame, list(columns)), index=frame.index)
    bad = frame[duplicated]
    if not bad.empty:
        repeated = frame[frame.duplicated(subset=list(columns), keep=False)]
        original = repeated.groupby(list(columns), dropna=False, sort=False)["SOURCE_ROW"].transform("first")
        for file, row, first in zip(bad["SOURCE_FILE"], bad["SOURCE_ROW"], original.loc[bad.index]):
            ctx.issues.add(file, int(row), None, None, "DUP001", "WARNING",
                           f"exact duplicate of row {first}; not mapped")
    rejected = bad[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON="duplicate record")
    return filter_rows(frame, ~duplicated), rejected


def read_subject_rows(ctx: MappingContext, form: str) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The rows of ``form`` with their subject keys, and the rows split off on the way: those of
    subjects not in demographics (check SUBJ001) and exact duplicates of an earlier row (check
    DUP001), as ``[unknown, duplicates]`` rejection frames."""
    raw = ctx.form(form).data
    rows, unknown = reject_unknown_subjects(read_keyed_rows(ctx, form), ctx)
    rows, duplicates = split_duplicates(rows, [c for c in raw.columns if c != "SOURCE_ROW"], ctx)
    return rows, [unknown, duplicates]


def finalise_domain(
    data: pd.DataFrame,
    ctx: MappingContext,
    *,
    domain: str,
    seq_order: Sequence[str],
    dy: dict[str, str] | None = None,
    epoch_from: str | None = None,
) -> pd.DataFrame:
    """Add STUDYID, DOMAIN, --SEQ (within subject, in ``seq_order``), --DY and EPOCH.

    ``dy`` maps each --DTC variable to its --DY variable; ``epoch_from`` names the --DTC that
    decides EPOCH (from the SE domain when it has been mapped).
    """
    data = add_columns(data, STUDYID=ctx.studyid, DOMAIN=domain)
    data = derive_var_seq(data, new_var=f"{domain}SEQ", order=list(seq_order))
    if dy:
        reference = map_subject_dates(data["USUBJID"], ctx.domain("DM"), "RFSTDTC")
        for dtc_var, dy_var in dy.items():
            data[dy_var] = compute_dy_of_dates(dtc_date(data[dtc_var]), reference)
    if epoch_from and "SE" in ctx.results:
        data = derive_var_epoch(data, ctx.domain("SE"), dtc_var=epoch_from)
    return data


def numeric_text(values: pd.Series) -> pd.Series:
    """Numbers from raw text (None where not a number); commas as decimal marks are not guessed."""
    return pd.to_numeric(values.astype(object).where(values.notna(), None), errors="coerce").astype("float64")


def first_not_null(*series: pd.Series) -> pd.Series:
    """Element-wise first non-missing value across aligned series."""
    result = series[0].copy()
    for other in series[1:]:
        result = result.where(result.notna(), other)
    return result.where(result.notna(), None).astype(object) if result.dtype == object else result


def order_variables(data: pd.DataFrame, ctx: MappingContext, domain: str, *, drop: Sequence[str] = ()) -> pd.DataFrame:
    """Spec variables in spec order, then provenance and helper columns; ``drop``: columns left out."""
    names = [n for n in ctx.study.sdtm.dataset(domain).variable_names if n in data.columns and n not in drop]
    return select_columns(data, names + [c for c in data.columns if c not in names and c not in drop])
