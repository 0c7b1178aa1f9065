"""LB (Laboratory Test Results), SDTMIG 3.4 section 6.3.5.6: the sites' local laboratories.

Source: the local-labs workbook of each site (forms ``lab_haematology``, ``lab_chemistry``,
``lab_urinalysis``, ``lab_thyroid``: one row per sample, one column per analyte) and its Ranges
sheet (form ``lab_ranges``: per site, analyte and sex the laboratory's unit and reference
range). One LB record per analyte per sample (wide -> long, vectorised).

| variable            | rule                                                                          |
|---------------------|-------------------------------------------------------------------------------|
| LBTESTCD/LBCAT/LBSPEC | from the analyte column through ``lab_units.yaml``; LBTEST = codelist decode |
| LBORRES             | the cell as exported                                                          |
| LBORRESU            | the unit on the site's Ranges row for the analyte and the subject's DM.SEX (value map LBORRESU to CDISC UNIT) |
| LBORNRLO/LBORNRHI   | LOW/HIGH of that Ranges row as written                                        |
| LBSTRESN/LBSTRESC   | numeric result x factor to the standard unit (:mod:`sdtm.units`); ordinal dipstick grades through value map URPROT; non-numeric results (e.g. "<5") copied to LBSTRESC |
| LBSTNRLO/LBSTNRHI   | the range converted with the same factor; LBSTNRC for the dipstick (e.g. NEGATIVE) |
| LBNRIND             | LOW/HIGH/NORMAL against the range in original units; dipstick: NORMAL inside the range on the URPROT scale (codelist order), else ABNORMAL (CDISC NRIND) |
| LBLOBXFL            | :func:`sdtm.baseline.derive_var_lobxfl` by USUBJID, LBTESTCD, LBSPEC          |
| LBDTC/LBDY/EPOCH    | LBDAT (site date convention); LBDY from RFSTDTC; EPOCH from SE                |
| VISIT/VISITNUM      | the visit name of the form; VISITNUM by :func:`sdtm.trial_design.planned_visitnum` |

Accounting: every sample row is the primary source of its records; a row without any result is
excluded; rows after the data cut-off are excluded; Ranges rows are reference data, listed as
contributing (``used``) when a result used them and as excluded otherwise.

Data-issue checks raised here (besides SUBJ001, DATE001, DUP001, MAP001 of sdtm.common):

| check   | severity | meaning                                                                   |
|---------|----------|---------------------------------------------------------------------------|
| RNG001  | WARNING  | two Ranges rows for one site, analyte and sex: the first is used           |
| RNG002  | WARNING  | no Ranges row for a result's site, analyte and sex: no unit, range or standard result |
| UNIT001 | ERROR    | the Ranges unit of an analyte has no conversion to the standard unit: standard results empty |
| LB001   | WARNING  | a numeric test has a result that is not a number: copied to LBSTRESC, LBSTRESN empty |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdtm.baseline import derive_var_lobxfl
from sdtm.common import map_coded, map_date, order_variables, read_subject_rows, split_after_cutoff
from sdtm.context import REASON_COLUMNS, DomainResult, MappingContext
from sdtm.dates import dtc_date, map_subject_dates
from sdtm.frames import add_columns, drop_columns, expand_rows, reset_rows, select_columns
from sdtm.identifiers import compute_seq
from sdtm.timing import derive_var_dy, derive_var_epoch
from sdtm.units import FindingsUnits, compute_converted, compute_factor, format_number, load_units, numeric_unique
from sdtm.visits import compute_planned_visitnum

FORMS = ("lab_haematology", "lab_chemistry", "lab_urinalysis", "lab_thyroid")
RANGES = "lab_ranges"
ORDINAL_MAP = "URPROT"
RECORD_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "USUBJID", "SITEID", "VISIT", "VISITNUM", "LBDTC", "LBDY", "EPOCH", "_PRE", "LBNAM",
                  "ANALYTE", "LBORRES"]


def derive_vars_timing(rows: pd.DataFrame, ctx: MappingContext, *, dtc_var: str, dy_var: str) -> pd.DataFrame:
    """--DY, EPOCH, VISIT/VISITNUM and ``_PRE`` (on/before first exposure) on raw sample rows.

    --DY from DM.RFSTDTC and EPOCH from SE exactly as :func:`sdtm.common.finalise_domain` derives
    them, but once per distinct (USUBJID, date) before the wide-to-long step (a findings form
    has many results per row and many rows per visit day).
    """
    pairs, at = expand_rows(rows, ["USUBJID", dtc_var])
    dm = ctx.domain("DM")
    pairs = derive_var_dy(pairs, dm, dtc_var=dtc_var, new_var=dy_var)
    pairs["EPOCH"] = derive_var_epoch(pairs, ctx.domain("SE"), dtc_var=dtc_var)["EPOCH"] if "SE" in ctx.results else None
    exposure = map_subject_dates(pairs["USUBJID"], dm, "RFXSTDTC")
    pairs["_PRE"] = (dtc_date(pairs[dtc_var]) <= exposure).fillna(False).astype(bool)
    derived = reset_rows(pairs[[dy_var, "EPOCH", "_PRE"]].take(at))
    timed = reset_rows(drop_columns(rows, [c for c in (dy_var, "EPOCH", "_PRE") if c in rows.columns]))
    timed = add_columns(timed, **{column: derived[column] for column in derived.columns})
    return add_columns(timed, VISIT=timed["VISITNAME"], VISITNUM=compute_planned_visitnum(timed["VISIT"]))


def compute_lobxfl_subset(data: pd.DataFrame, ctx: MappingContext, *, pre: pd.Series, by_vars: list[str], dtc_var: str,
                          result_var: str) -> np.ndarray:
    """--LOBXFL values: :func:`sdtm.baseline.derive_var_lobxfl` on the records dated on/before exposure.

    Only those records can be flagged, and their relative order is kept, so the flags are the
    same as on the whole dataset, at a fraction of the cost.
    """
    chosen = pre.to_numpy(dtype=bool)
    flags = np.full(len(data), None, dtype=object)
    if chosen.any():
        subset = data.loc[chosen, list(dict.fromkeys(["USUBJID", *by_vars, dtc_var, result_var]))]
        flagged = derive_var_lobxfl(subset, ctx.domain("DM"), by_vars=by_vars, dtc_var=dtc_var, result_var=result_var, new_var="_FLAG")
        flags[np.flatnonzero(chosen)] = flagged["_FLAG"].to_numpy(dtype=object)
    return flags


def _reasons(frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    return frame[["SOURCE_FILE", "SOURCE_ROW"]].assign(REASON=reason)


def _analytes(ctx: MappingContext, form: str) -> list[str]:
    """The result columns of a lab form (declared columns other than keys, LBDAT, LBNAM)."""
    spec = ctx.mapping.form(form)
    return [c for c in spec.columns if c not in ctx.mapping.keys and c not in ("LBDAT", "LBNAM")]


def create_long_results(rows: pd.DataFrame, *, id_vars: list[str], value_vars: list[str], var_name: str,
                        value_name: str, positions: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Wide findings rows -> one row per result cell (wide to long), and which rows have no result.

    The records of ``DataFrame.melt`` without its empty cells (the readers make blank cells
    missing), in the same order (column by column), built from the filled cells only; the
    second value flags the rows without any filled ``value_vars`` cell. ``positions``: the
    rows to use (default all; e.g. one form's rows of a frame holding several forms), the
    flags are theirs.
    """
    at = np.arange(len(rows)) if positions is None else positions
    values = np.empty((len(at), len(value_vars)), dtype=object)
    for number, name in enumerate(value_vars):
        values[:, number] = rows[name].to_numpy(dtype=object)[at]
    filled = pd.notna(values)
    column, row = np.nonzero(filled.T)
    long = reset_rows(select_columns(rows, id_vars).take(at[row]))
    long[var_name] = np.asarray(value_vars, dtype=object)[column]
    long[value_name] = values[row, column]
    return long, ~filled.any(axis=1)


def create_lab_long(ctx: MappingContext) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """Sample rows of every lab form -> one row per analyte result (``RECORD_COLUMNS``).

    Row-level steps run once on the wide rows of all four forms (unknown subject, exact
    duplicate, date, cut-off, LBDY, EPOCH, VISIT/VISITNUM, whether the sample is on/before first
    exposure); empty cells give no record; a row with no result at all is excluded.
    Returns the long frame and the rejected and excluded row lists.
    """
    prepared, rejected, excluded = [], [], []
    for form in FORMS:
        if ctx.form(form).data.empty:
            continue
        rows, (bad, dups) = read_subject_rows(ctx, form)
        rejected += [bad, dups]
        prepared.append(add_columns(rows, _FORM=form))
    if not prepared:
        return pd.DataFrame(columns=RECORD_COLUMNS), rejected, excluded
    rows = pd.concat(prepared, ignore_index=True)
    rows = add_columns(rows, LBDTC=map_date(rows, "LBDAT", ctx))
    rows, late = split_after_cutoff(rows, rows["LBDTC"], ctx)
    excluded.append(late)
    rows = derive_vars_timing(rows, ctx, dtc_var="LBDTC", dy_var="LBDY")
    longs = []
    form_codes, forms = pd.factorize(rows["_FORM"])
    for code, form in enumerate(forms):
        part = np.flatnonzero(form_codes == code)
        long, empty = create_long_results(rows, id_vars=[c for c in RECORD_COLUMNS if c not in ("ANALYTE", "LBORRES")],
                                          value_vars=_analytes(ctx, form), var_name="ANALYTE", value_name="LBORRES",
                                          positions=part)
        excluded.append(_reasons(rows.take(part[empty]), "no laboratory result recorded on the row"))
        longs.append(select_columns(long, RECORD_COLUMNS))
    if not longs:  # every sample after the cut-off
        return pd.DataFrame(columns=RECORD_COLUMNS), rejected, excluded
    return pd.concat(longs, ignore_index=True), rejected, excluded


def create_ranges(ctx: MappingContext, units: FindingsUnits) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Ranges sheet rows with SEX (value map SEX), LBORRESU and the conversion factor.

    One row per SITEID, ANALYTE, SEX (RNG001 for later duplicates, returned as rejected).
    UNIT001 is reported on a Ranges row whose unit cannot be converted to the standard unit.
    """
    raw = ctx.form(RANGES).data
    ranges = raw.assign(SITEID=raw["SITEID"].astype(str).str.strip(), ANALYTE=raw["ANALYTE"].astype(str).str.strip())
    ranges["SEX"] = map_coded(ranges, "SEX", "SEX", ctx)
    ranges["LBORRESU"] = map_coded(ranges, "UNIT", "LBORRESU", ctx)
    dup = ranges.duplicated(["SITEID", "ANALYTE", "SEX"], keep="first")
    if dup.any():
        ctx.issues.add_rows(ranges[dup], column="ANALYTE", check="RNG001", severity="WARNING",
                            message="second reference range for the same site, analyte and sex; the first is used")
    rejected = _reasons(ranges[dup], "duplicate reference range (site, analyte, sex)")
    ranges = ranges[~dup].merge(units.lab_tests, on="ANALYTE", how="left")
    ranges["FACTOR"] = compute_factor(ranges["LBTESTCD"], ranges["LBORRESU"], ranges["STDUNIT"], units.conversions).to_numpy()
    unconvertible = (ranges["TYPE"] == "numeric") & ranges["LBORRESU"].notna() & ranges["FACTOR"].isna()
    if unconvertible.any():
        ctx.issues.add_rows(ranges[unconvertible], column="UNIT", check="UNIT001", severity="ERROR",
                            message="no conversion of this unit to the analyte's standard unit in lab_units.yaml; standard results empty")
    return ranges, rejected


def _take(values: pd.Series, positions: np.ndarray) -> np.ndarray:
    """``values`` at ``positions`` (None where the position is -1: no match)."""
    array = values.to_numpy(dtype=object)
    return np.where(positions >= 0, array[np.maximum(positions, 0)] if len(array) else None, None)


def derive_vars_range(data: pd.DataFrame, ranges: pd.DataFrame, sex: pd.Series, ctx: MappingContext) -> np.ndarray:
    """Attach the site's unit, range and factor by SITEID, ANALYTE and the subject's DM.SEX.

    Adds LBORRESU, LOW, HIGH, FACTOR (in place) and returns, per record, the position of its
    Ranges row (-1: none, check RNG002 once per site, analyte and sex).
    """
    data["SEX"] = data["USUBJID"].map(sex).to_numpy()
    keys = ["SITEID", "ANALYTE", "SEX"]
    positions = pd.MultiIndex.from_frame(ranges[keys]).get_indexer(pd.MultiIndex.from_frame(data[keys]))
    for column in ("LBORRESU", "LOW", "HIGH"):
        data[column] = _take(ranges[column], positions)
    data["FACTOR"] = pd.Series(_take(ranges["FACTOR"], positions), index=data.index).astype("float64")
    missing = positions < 0
    if missing.any():
        first = data[missing].drop_duplicates(keys)
        ctx.issues.add_rows(first, column="ANALYTE", check="RNG002", severity="WARNING",
                            message="no reference range on the Ranges sheet for this site, analyte and the subject's sex "
                                    f"({int(missing.sum())} results in all); unit, range and standard result empty")
    return positions


def derive_vars_std_numeric(data: pd.DataFrame, numeric: pd.Series, ctx: MappingContext) -> pd.DataFrame:
    """LBSTRESN/LBSTRESC/LBSTNRLO/LBSTNRHI and LBNRIND for the numeric tests (rows ``numeric``)."""
    value = numeric_unique(data["LBORRES"])
    low, high = numeric_unique(data["LOW"]), numeric_unique(data["HIGH"])
    factor = data["FACTOR"]
    stresn = compute_converted(value, factor).where(numeric)
    text_result = numeric & value.isna()
    odd = text_result.copy()
    odd[text_result] = ~data.loc[text_result, "LBORRES"].astype(str).str.match(r"^\s*[<>]=?\s*\d", na=False).to_numpy(dtype=bool)
    if odd.any():
        ctx.issues.add_rows(data[odd], column="ANALYTE", check="LB001", severity="WARNING",
                            message="result of a numeric test is not a number; LBSTRESN empty (LBSTRESC keeps it when no unit conversion is needed)")
    data["LBSTRESN"] = stresn
    copied = data["LBORRES"].where(text_result & (factor == 1))
    data["LBSTRESC"] = format_number(stresn).where(~text_result, copied).where(numeric, data["LBSTRESC"])
    data["LBSTNRLO"] = compute_converted(low, factor).where(numeric)
    data["LBSTNRHI"] = compute_converted(high, factor).where(numeric)
    category = np.select([value < low, value > high, value.notna() & (low.notna() | high.notna())], [0, 1, 2], default=3)
    nrind = np.array(["LOW", "HIGH", "NORMAL", None], dtype=object)[category]
    data["LBNRIND"] = pd.Series(nrind, index=data.index, dtype=object).where(numeric, data["LBNRIND"])
    return data


def derive_vars_std_ordinal(data: pd.DataFrame, ordinal: pd.Series, ctx: MappingContext) -> pd.DataFrame:
    """LBSTRESC, LBSTNRC and LBNRIND for ordinal results (urine dipstick, value map URPROT).

    LBNRIND is NORMAL when the grade lies within [LOW, HIGH] on the scale of the spec's URPROT
    codelist (term order), ABNORMAL otherwise (CDISC NRIND).
    """
    rows = data[ordinal]
    if rows.empty:
        return data
    grade = map_coded(rows, "LBORRES", ORDINAL_MAP, ctx)
    low = map_coded(rows.assign(_LOW=rows["LOW"]), "_LOW", ORDINAL_MAP, ctx)
    high = map_coded(rows.assign(_HIGH=rows["HIGH"]), "_HIGH", ORDINAL_MAP, ctx)
    scale = {term.value: position for position, term in enumerate(ctx.study.sdtm.codelists[ORDINAL_MAP].terms)}
    g, lo, hi = grade.map(scale), low.map(scale), high.map(scale)
    known = g.notna() & lo.notna() & hi.notna()
    inside = (g >= lo) & (g <= hi)
    data.loc[rows.index, "LBSTRESC"] = grade.to_numpy(dtype=object)
    data.loc[rows.index, "LBSTNRC"] = low.where(low == high).to_numpy(dtype=object)
    data.loc[rows.index, "LBNRIND"] = np.where(known, np.where(inside, "NORMAL", "ABNORMAL"), None)
    return data


def map_lb(ctx: MappingContext) -> DomainResult:
    """Map the four local-lab forms and their Ranges sheet to LB."""
    units = load_units(ctx.study.folder)
    data, rejected, excluded = create_lab_long(ctx)
    ranges, range_rejected = create_ranges(ctx, units)
    tests = units.lab_tests
    test_positions = pd.Index(tests["ANALYTE"]).get_indexer(data["ANALYTE"])
    for column in ("LBTESTCD", "LBCAT", "LBSPEC", "STDUNIT", "TYPE"):
        data[column] = _take(tests[column], test_positions)
    positions = derive_vars_range(data, ranges, ctx.domain("DM").set_index("USUBJID")["SEX"], ctx)
    data["LBORNRLO"], data["LBORNRHI"] = data["LOW"], data["HIGH"]
    data["LBSTRESC"], data["LBSTNRC"], data["LBNRIND"] = None, None, None
    data = derive_vars_std_numeric(data, data["TYPE"] == "numeric", ctx)
    data = derive_vars_std_ordinal(data, data["TYPE"] == "ordinal", ctx)
    has_std = data["LBSTRESN"].notna() | data["LBSTNRLO"].notna() | data["LBSTNRHI"].notna()
    data["LBSTRESU"] = data["STDUNIT"].where(has_std, None)
    data["LBTEST"] = data["LBTESTCD"].map({t.value: t.decode for t in ctx.study.sdtm.codelists["LBTESTCD"].terms})
    data["STUDYID"], data["DOMAIN"] = ctx.studyid, "LB"
    data["LBSEQ"] = compute_seq(data, order=["LBDTC", "VISITNUM", "LBCAT", "LBTESTCD", "LBSPEC"])
    data["LBLOBXFL"] = compute_lobxfl_subset(data, ctx, pre=data["_PRE"], by_vars=["USUBJID", "LBTESTCD", "LBSPEC"],
                                             dtc_var="LBDTC", result_var="LBSTRESC")
    used_rows = np.zeros(len(ranges), dtype=bool)
    used_rows[np.unique(positions[positions >= 0])] = True
    used = _reasons(ranges[used_rows], "LB reference range and unit (LBORRESU, LBORNRLO/HI, LBSTNRLO/HI)")
    excluded.append(_reasons(ranges[~used_rows], "reference range not used by any mapped result"))
    data["_RANGE_FILE"] = _take(ranges["SOURCE_FILE"], positions)
    data["_RANGE_ROW"] = _take(ranges["SOURCE_ROW"], positions)
    helpers = ["ANALYTE", "SEX", "LOW", "HIGH", "FACTOR", "STDUNIT", "TYPE", "SITEID", "_PRE"]
    return DomainResult("LB", order_variables(data, ctx, "LB", drop=helpers),
                        rejected=_concat(rejected + [range_rejected]), excluded=_concat(excluded), used=used)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True)[REASON_COLUMNS] if frames else pd.DataFrame(columns=REASON_COLUMNS)
