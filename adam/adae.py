"""ADAE: adverse events analysis dataset (ADaM OCCDS v1.1), one record per AE of an ADSL subject.

Generic over any SDTMIG AE (+ SUPPAE): the study's choices are keyword options — the study
drugs and the SUPPAE variables holding their causality/action (``drugs``), the causality terms
that count as related (``related_terms``), the treatment-emergent window
(``teae_window_days``, study.yaml ``analysis.teae_window_days``). Spec methods MT.ADAE.*:

| variables                   | rule (spec method)                                                                 |
|-----------------------------|------------------------------------------------------------------------------------|
| ASTDT, ASTDTF               | AESTDTC; missing day -> 1st, missing day and month -> 1 Jan; not before TRTSDT when the partial date may fall on/after it and the AE does not end before TRTSDT; missing year -> null (MT.ADAE.ASTDT) |
| AENDT, AENDTF               | AEENDTC; missing day -> last of month, missing month -> 31 Dec; capped at DTHDT and DCUTDT (MT.ADAE.AENDT) |
| ASTDY, AENDY                | date - TRTSDT + 1 on/after TRTSDT, date - TRTSDT before (MT.ADAE.DY)               |
| ADURN, ADURU                | AENDT - ASTDT + 1, 'DAYS' (MT.ADAE.ADURN)                                         |
| TRTEMFL                     | admiral ``derive_var_trtemfl`` with the window (MT.ADAE.TRTEMFL)                  |
| ATOXGR, ATOXGRN             | AETOXGR, not imputed (MT.ADAE.ATOXGR)                                             |
| <drug>RELFL, AREL, ARELN    | related to the drug when its causality is in ``related_terms`` or missing; AREL RELATED when related to any drug (MT.ADAE.DRUGREL, MT.ADAE.AREL) |
| DISCFL, INTRFL, REDFL       | any drug's action withdrawn / interrupted / reduced (MT.ADAE.ACNFL)                |
| AOCCFL, AOCCSFL, AOCCPFL    | first TEAE per subject / SOC / PT by ASTDT, AESEQ (MT.ADAE.AOCC)                   |
| AOCCIFL, AOCCSIFL, AOCCPIFL | first TEAE of the worst grade per subject / SOC / PT (MT.ADAE.AOCCI)               |
| AOCC01FL, AOCC02FL          | the same among treatment-related TEAEs, per subject / PT (MT.ADAE.AOCCTR)          |

ADaM OCCDS v1.1: AESEQ identifies the record (no ASEQ, spec comment COM.DS.ADAE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from adam.dates import compute_dt
from adam.flags import derive_var_extreme_flag, derive_var_trtemfl

RELATED_TERMS = ("RELATED", "DEFINITELY RELATED", "PROBABLY RELATED", "POSSIBLY RELATED")
"""Causality answers that count as related: the binary scale and the upper three points of the
NCI CTEP 5-point attribution scale (definitely / probably / possibly; unlikely and not = not
related)."""

ACTION_FLAGS = {"DISCFL": "DRUG WITHDRAWN", "INTRFL": "DRUG INTERRUPTED", "REDFL": "DOSE REDUCED"}
"""Action flag -> the CDISC ACN term (C66767) that sets it."""

MULTIPLE = "MULTIPLE"
ADSL_VARS = ("STUDYID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "TRTSDT", "TRTEDT")
"""ADSL variables carried to ADAE (spec: predecessors ADSL.*)."""
ADSL_WORK = ("DTHDT", "DCUTDT")
"""ADSL variables used by the derivations but not kept."""
ADAE_VARS = (
    "STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "TRTSDT", "TRTEDT", "AESEQ", "AETERM", "AELLT",
    "AEDECOD", "AEHLT", "AEHLGT", "AEBODSYS", "AESOC", "AESTDTC", "AEENDTC", "ASTDT", "ASTDTF", "AENDT", "AENDTF",
    "ASTDY", "AENDY", "ADURN", "ADURU", "AESER", "AESDTH", "AETOXGR", "ATOXGR", "ATOXGRN", "AEREL", "AREL", "ARELN",
    "AEACN", "DISCFL", "INTRFL", "REDFL", "AEIRFL", "AEOUT", "TRTEMFL", "AOCCFL", "AOCCSFL", "AOCCPFL", "AOCCIFL",
    "AOCCSIFL", "AOCCPIFL", "AOCC01FL", "AOCC02FL",
)
"""ADAE variables in spec order, without the per-drug ones (added from ``drugs``)."""


def compute_drug_codes(treatments: Sequence[Mapping]) -> dict[str, str]:
    """Variable-name code (first three letters, upper case) -> EX.EXTRT of each study drug.

    The code names the per-drug variables: SUPPAE QNAM ``AEREL<code>``/``AEACN<code>`` and the
    flag ``<code>RELFL`` (spec comment COM.ADAE.PERDRUG).

    >>> compute_drug_codes([{"name": "ANLOTINIB"}, {"name": "BENMELSTOBART"}])
    {'ANL': 'ANLOTINIB', 'BEN': 'BENMELSTOBART'}
    """
    codes = {str(t["name"]).upper()[:3]: str(t["name"]).upper() for t in treatments}
    if len(codes) != len(treatments):
        raise ValueError(f"study drugs share their first three letters: {[t['name'] for t in treatments]}")
    return codes


def compute_dy(dates: pd.Series, reference: pd.Series) -> pd.Series:
    """Relative day (ADaMIG 1.3 section 3.1.2; admiral ``derive_vars_dy``): no day 0.

    >>> compute_dy(pd.Series(pd.to_datetime(["2022-03-01", "2022-02-28"])), pd.Series(pd.to_datetime(["2022-03-01"] * 2))).tolist()
    [1, -1]
    """
    days = (pd.to_datetime(dates) - pd.to_datetime(reference)).dt.days
    return (days + (days >= 0).astype(int)).astype("Int64")


def _as_key(values: pd.Series) -> pd.Series:
    """IDVAR values as IDVARVAL text: numbers without a decimal part (AESEQ 3.0 -> "3"), text stripped."""
    if pd.api.types.is_numeric_dtype(values):
        number = pd.to_numeric(values, errors="coerce")
        integral = number.notna() & (number == number.round())
        text = number.astype(object).where(number.notna(), None)
        text = text.mask(integral, number.where(integral).astype("Int64").astype(str))
        return text.where(~number.notna() | integral, number.astype(str)).astype(object)
    return values.astype(object).where(values.isna(), values.astype(str).str.strip())


def derive_vars_supp(dataset: pd.DataFrame, supp: pd.DataFrame | None, *, qnams: Sequence[str] | None = None) -> pd.DataFrame:
    """Add SUPPQUAL qualifiers as columns named by QNAM (SDTMIG 3.4 section 8.4; admiral ``combine_supp``).

    Rows of ``supp`` are matched to ``dataset`` on USUBJID and IDVAR = IDVARVAL (each IDVAR in
    ``supp``, compared as text); ``qnams`` restricts the qualifiers taken (all by default). A
    qualifier absent from ``supp`` is added as a null column when listed in ``qnams``.
    """
    out = dataset
    wanted = list(qnams) if qnams is not None else None
    if supp is not None and len(supp):
        rows = supp if wanted is None else supp[supp["QNAM"].isin(wanted)]
        for idvar, group in rows.groupby(rows["IDVAR"].fillna(""), sort=True):
            group = group.assign(IDVARVAL=_as_key(group["IDVARVAL"].astype(object)))
            group = group.drop_duplicates(["USUBJID", "IDVARVAL", "QNAM"])
            wide = group.set_index(["USUBJID", "IDVARVAL", "QNAM"])["QVAL"].unstack("QNAM")
            wide.columns = list(wide.columns)
            wide = wide.reset_index()
            if idvar:
                merged = out.assign(_key=_as_key(out[idvar])).merge(wide.rename(columns={"IDVARVAL": "_key"}),
                                                                    on=["USUBJID", "_key"], how="left")
                out = merged.drop(columns="_key")
            else:
                out = out.merge(wide.drop(columns="IDVARVAL"), on="USUBJID", how="left")
            out.index = dataset.index
    missing = {name: None for name in wanted or [] if name not in out.columns}
    return out.assign(**missing) if missing else out.copy()


def derive_vars_adae_dates(dataset: pd.DataFrame) -> pd.DataFrame:
    """ASTDT/ASTDTF and AENDT/AENDTF from AESTDTC/AEENDTC (MT.ADAE.ASTDT, MT.ADAE.AENDT).

    Requires TRTSDT, DTHDT and DCUTDT (dates; may be null). End first: missing day/month
    imputed to the last possible day, capped at the earlier of death and cut-off when the partial
    date's range contains it (admiral ``highest_imputation = "M"``, ``date_imputation = "last"``,
    ``max_dates``). Start: first possible day, raised to TRTSDT when TRTSDT lies in the partial
    date's range and the AE does not end before TRTSDT (admiral ``min_dates = TRTSDT``; an event
    that may have started on treatment is counted as such).

    >>> ae = pd.DataFrame({"AESTDTC": ["2022-03"], "AEENDTC": [None], "TRTSDT": [pd.Timestamp("2022-03-15")],
    ...                    "DTHDT": [pd.NaT], "DCUTDT": [pd.Timestamp("2024-12-31")]})
    >>> str(derive_vars_adae_dates(ae)["ASTDT"][0].date())
    '2022-03-15'
    """
    cap = pd.concat([pd.to_datetime(dataset["DTHDT"]), pd.to_datetime(dataset["DCUTDT"])], axis=1).min(axis=1)
    aendt, aendtf = compute_dt(dataset["AEENDTC"], highest_imputation="M", date_imputation="last", max_dates=cap)
    trtsdt = pd.to_datetime(dataset["TRTSDT"])
    floor = trtsdt.where(aendt.isna() | (aendt >= trtsdt))
    astdt, astdtf = compute_dt(dataset["AESTDTC"], highest_imputation="M", date_imputation="first", min_dates=floor)
    return dataset.assign(ASTDT=astdt, ASTDTF=astdtf, AENDT=aendt, AENDTF=aendtf)


def derive_var_adurn(dataset: pd.DataFrame, *, start_date: str = "ASTDT", end_date: str = "AENDT") -> pd.DataFrame:
    """ADURN = end - start + 1 (days) when both are known, ADURU = 'DAYS' (MT.ADAE.ADURN)."""
    days = (pd.to_datetime(dataset[end_date]) - pd.to_datetime(dataset[start_date])).dt.days + 1
    return dataset.assign(ADURN=days.astype("Int64"), ADURU=np.where(days.notna(), "DAYS", None).astype(object))


def derive_vars_atoxgr(dataset: pd.DataFrame, *, source: str = "AETOXGR") -> pd.DataFrame:
    """ATOXGR = the collected CTCAE grade as text, ATOXGRN its number; missing stays missing (MT.ADAE.ATOXGR)."""
    if source not in dataset.columns:
        return dataset.assign(ATOXGR=None, ATOXGRN=pd.array([pd.NA] * len(dataset), dtype="Int64"))
    number = pd.to_numeric(dataset[source], errors="coerce").round().astype("Int64")
    text = number.astype(str).astype(object).where(number.notna(), None)
    return dataset.assign(ATOXGR=text, ATOXGRN=number)


def compute_related(causality: pd.Series, *, related_terms: Sequence[str] = RELATED_TERMS, missing_related: bool = True) -> pd.Series:
    """'Y' when the causality answer counts as related, else 'N' (MT.ADAE.DRUGREL).

    Comparison ignores case and surrounding blanks. A missing answer counts as related when
    ``missing_related`` (the conservative convention).

    >>> compute_related(pd.Series(["Possibly related", "UNLIKELY RELATED", None])).tolist()
    ['Y', 'N', 'Y']
    """
    text = causality.astype(object).where(causality.notna(), None)
    text = text.map(lambda v: v.strip().upper() if isinstance(v, str) else v)
    missing = text.isna() | text.eq("")
    related = text.isin([t.upper() for t in related_terms]) | (missing & missing_related)
    return pd.Series(np.where(related, "Y", "N"), index=causality.index, dtype=object)


def compute_exposed_drugs(ex: pd.DataFrame, *, drugs: Mapping[str, str]) -> pd.DataFrame:
    """Per subject, whether each drug was given: columns USUBJID and one boolean per drug code.

    Exposed = at least one EX record of the drug (EXTRT, case-insensitive) with EXDOSE > 0.
    """
    given = ex[pd.to_numeric(ex["EXDOSE"], errors="coerce") > 0]
    treatment = given["EXTRT"].astype(str).str.strip().str.upper()
    out = pd.DataFrame({"USUBJID": pd.unique(ex["USUBJID"])})
    for code, name in drugs.items():
        out[code] = out["USUBJID"].isin(given.loc[treatment == name.upper(), "USUBJID"])
    return out


def derive_vars_arel(
    dataset: pd.DataFrame,
    *,
    drugs: Mapping[str, str] | None = None,
    exposure: pd.DataFrame | None = None,
    related_terms: Sequence[str] = RELATED_TERMS,
    missing_related: bool = True,
) -> pd.DataFrame:
    """Per-drug relationship flags ``<code>RELFL`` and AREL/ARELN (MT.ADAE.DRUGREL, MT.ADAE.AREL).

    With ``drugs`` (code -> EXTRT), ``<code>RELFL`` comes from column ``AEREL<code>`` (the
    SUPPAE causality of that drug; :func:`compute_related`) and is 'N' for a subject the
    ``exposure`` frame (:func:`compute_exposed_drugs`) shows never received the drug; AREL is
    'RELATED' when any drug flag is 'Y'. Without ``drugs`` (one study treatment) AREL comes from
    AE.AEREL. ARELN = 1 / 0.
    """
    out = dataset.copy()
    if drugs:
        any_related = pd.Series(False, index=out.index)
        exposed = None if exposure is None else out[["USUBJID"]].merge(exposure, on="USUBJID", how="left")
        for code in drugs:
            flag = compute_related(out[f"AEREL{code}"], related_terms=related_terms, missing_related=missing_related)
            if exposed is not None:
                flag = flag.where(exposed[code].eq(True).to_numpy(), "N")
            out[f"{code}RELFL"] = flag
            any_related |= flag.eq("Y")
    else:
        any_related = compute_related(out["AEREL"], related_terms=related_terms, missing_related=missing_related).eq("Y")
    out["AREL"] = np.where(any_related, "RELATED", "NOT RELATED").astype(object)
    out["ARELN"] = any_related.astype(int)
    return out


def derive_vars_action_flags(
    dataset: pd.DataFrame,
    *,
    actions: Sequence[str] = (),
    overall: str = "AEACN",
    flags: Mapping[str, str] = ACTION_FLAGS,
) -> pd.DataFrame:
    """'Y'/'N' flags for an action taken with any study drug (MT.ADAE.ACNFL).

    ``actions`` are the per-drug action columns (e.g. SUPPAE AEACNANL, AEACNBEN); where all of
    them are missing the overall ``overall`` (AE.AEACN) is used unless it is 'MULTIPLE'. Each
    flag of ``flags`` is 'Y' when any action equals its term (case-insensitive), else 'N'.
    """
    columns = [dataset[c] for c in actions if c in dataset.columns]
    per_drug = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=dataset.index)
    none_given = per_drug.isna().all(axis=1) if columns else pd.Series(True, index=dataset.index)
    if overall in dataset.columns:
        fallback = dataset[overall].where(none_given & dataset[overall].ne(MULTIPLE))
        per_drug = pd.concat([per_drug, fallback.rename("_overall")], axis=1)
    values = per_drug.apply(lambda c: c.astype(object).str.strip().str.upper()) if len(per_drug.columns) else per_drug
    out = dataset.copy()
    for flag, term in flags.items():
        hit = values.eq(term.upper()).any(axis=1) if len(values.columns) else pd.Series(False, index=dataset.index)
        out[flag] = np.where(hit, "Y", "N").astype(object)
    return out


def derive_vars_occurrence_flags(dataset: pd.DataFrame) -> pd.DataFrame:
    """AOCC*/AOCC0* first-occurrence flags among TEAEs (MT.ADAE.AOCC, AOCCI, AOCCTR).

    Requires TRTEMFL, AREL, ASTDT, AESEQ, ATOXGRN, AEBODSYS, AEDECOD. admiral
    ``derive_var_extreme_flag(mode = "first")`` for each (flag, by variables, order):
    first event (ASTDT, AESEQ) per subject / SOC / SOC and PT; first of the worst grade
    (ATOXGRN descending, null last, then ASTDT, AESEQ) per subject / SOC / SOC and PT; and the
    worst-grade flags restricted to treatment-related TEAEs per subject / SOC and PT.
    """
    teae = dataset["TRTEMFL"].eq("Y")
    trae = teae & dataset["AREL"].eq("RELATED")
    subject, soc, pt = ["USUBJID"], ["USUBJID", "AEBODSYS"], ["USUBJID", "AEBODSYS", "AEDECOD"]
    first, worst = ["ASTDT", "AESEQ"], ["ATOXGRN", "ASTDT", "AESEQ"]
    specs = [
        ("AOCCFL", subject, first, teae), ("AOCCSFL", soc, first, teae), ("AOCCPFL", pt, first, teae),
        ("AOCCIFL", subject, worst, teae), ("AOCCSIFL", soc, worst, teae), ("AOCCPIFL", pt, worst, teae),
        ("AOCC01FL", subject, worst, trae), ("AOCC02FL", pt, worst, trae),
    ]
    out = dataset
    for new_var, by_vars, order, mask in specs:
        out = derive_var_extreme_flag(out, by_vars=by_vars, order=order, new_var=new_var, descending=["ATOXGRN"],
                                      filter_mask=mask)
    return out


def create_adae(
    ae: pd.DataFrame,
    adsl: pd.DataFrame,
    *,
    suppae: pd.DataFrame | None = None,
    ex: pd.DataFrame | None = None,
    drugs: Mapping[str, str] | None = None,
    teae_window_days: int = 30,
    related_terms: Sequence[str] = RELATED_TERMS,
    missing_related: bool = True,
) -> pd.DataFrame:
    """The ADAE dataset: every AE of an ADSL subject with the variables of the module table.

    Parameters
    ----------
    ae, suppae
        SDTM AE and SUPPAE (SUPPAE optional: per-drug causality ``AEREL<code>``, action
        ``AEACN<code>``, irAE flag AEIRFL, any other QNAM is ignored).
    adsl
        USUBJID, STUDYID, SUBJID, SITEID, TRT01A, SAFFL, TRTSDT, TRTEDT, DTHDT, DCUTDT (dates).
    ex
        SDTM EX, to find drugs a subject never received (their flag is 'N'); optional.
    drugs
        Variable-name code -> EXTRT (:func:`compute_drug_codes` of study.yaml
        ``arms[].treatments``); ``None`` for a single-treatment study (AE.AEREL/AEACN only).
    teae_window_days
        Days after the last dose an AE still counts as treatment-emergent.

    Returns
    -------
    DataFrame with the spec's ADAE variables (``ADAE_VARS`` plus the per-drug ones that exist),
    sorted by USUBJID, AESEQ.
    """
    drugs = dict(drugs or {})
    per_drug = [f"AEREL{c}" for c in drugs] + [f"AEACN{c}" for c in drugs]
    data = derive_vars_supp(ae, suppae, qnams=[*per_drug, "AEIRFL"] if drugs or suppae is not None else None)
    keep = [c for c in (*ADSL_VARS, *ADSL_WORK) if c in adsl.columns]
    base = adsl[["USUBJID", *keep]].copy()
    for column in ("TRTSDT", "TRTEDT", "DTHDT", "DCUTDT"):
        base[column] = pd.to_datetime(base[column]) if column in base.columns else pd.NaT
    data = data.drop(columns=[c for c in keep if c != "STUDYID" and c in data.columns])
    data = data.drop(columns=["STUDYID"], errors="ignore").merge(base, on="USUBJID", how="inner")
    data = derive_vars_adae_dates(data)
    data["ASTDY"] = compute_dy(data["ASTDT"], data["TRTSDT"])
    data["AENDY"] = compute_dy(data["AENDT"], data["TRTSDT"])
    data = derive_var_adurn(data)
    data = derive_var_trtemfl(data, end_window=teae_window_days)
    data = derive_vars_atoxgr(data)
    exposure = compute_exposed_drugs(ex, drugs=drugs) if ex is not None and drugs else None
    data = derive_vars_arel(data, drugs=drugs, exposure=exposure, related_terms=related_terms, missing_related=missing_related)
    data = derive_vars_action_flags(data, actions=[f"AEACN{c}" for c in drugs])
    data = derive_vars_occurrence_flags(data)
    data = data.sort_values(["USUBJID", "AESEQ"], kind="mergesort").reset_index(drop=True)
    return data[[c for c in adae_variables(drugs) if c in data.columns]]


def adae_variables(drugs: Mapping[str, str] | None = None) -> list[str]:
    """ADAE variable names in spec order, the per-drug ones placed as in the spec.

    >>> adae_variables({"ANL": "ANLOTINIB"})[31:36]
    ['AEREL', 'AERELANL', 'AREL', 'ARELN', 'ANLRELFL']
    """
    codes = list(drugs or {})
    order: list[str] = []
    for name in ADAE_VARS:
        if name == "AREL":
            order += [f"AEREL{c}" for c in codes]
        order.append(name)
        if name == "ARELN":
            order += [f"{c}RELFL" for c in codes]
        if name == "AEACN":
            order += [f"AEACN{c}" for c in codes]
    return order
