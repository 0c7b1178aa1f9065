"""A small, hand-made, conformant SDTM + ADaM study for the rule tests.

Three subjects: 001 treated and completed, 002 treated and died (fatal AE, DS DEATH, DM DTHFL),
003 a screen failure (not treated, no EX). Every rule of the engine is silent on it; each rule
test changes one thing and expects that rule (and only the behaviour under test) to fire.
Dates are ISO 8601 text in SDTM and SAS day numbers in ADaM, study days computed per SDTMIG 3.4
section 4.4.4 from the dates written here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

STUDY = "S1"
RFSTDTC = "2022-03-01"
TS_VALUES = {
    "ADDON": "N", "AGEMAX": None, "AGEMIN": "P18Y", "LENGTH": "P2Y", "PLANSUB": "3", "RANDOM": "N",
    "SEXPOP": "BOTH", "STOPRULE": "NONE", "TBLIND": "OPEN LABEL", "TCNTRL": "NONE", "TDIGRP": "Adults with disease X",
    "TINDTP": "TREATMENT", "TITLE": "A study of drug A", "TPHASE": "PHASE II TRIAL", "TTYPE": "EFFICACY",
    "OBJPRIM": "Response rate", "SPONSOR": "Sponsor", "TRT": "DRUG A", "REGID": "NCT00000000", "INDIC": "Disease X",
    "STYPE": "INTERVENTIONAL", "SENDTC": "2022-07-01", "ACTSUB": "2", "FCNTRY": "CHN", "ADAPT": "N", "NARMS": "1",
    "HLTSUBJI": "N", "INTMODEL": "SINGLE GROUP", "SSTDTC": "2022-02-20", "INTTYPE": "DRUG",
}


def day(dtc: str | None, reference: str | None = RFSTDTC) -> float | None:
    """SDTMIG study day of ``dtc`` relative to ``reference`` (no day 0)."""
    if not dtc or not reference:
        return None
    delta = (dt.date.fromisoformat(dtc[:10]) - dt.date.fromisoformat(reference[:10])).days
    return float(delta + 1 if delta >= 0 else delta)


def sas(dtc: str) -> float:
    """SAS day number (days since 1960-01-01) of an ISO date."""
    return float((dt.date.fromisoformat(dtc) - dt.date(1960, 1, 1)).days)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def sdtm() -> dict[str, pd.DataFrame]:
    """The SDTM datasets (a fresh copy each call)."""
    base = {"STUDYID": STUDY}
    dm = _frame([
        {**base, "DOMAIN": "DM", "USUBJID": "S1-001", "SUBJID": "001", "RFSTDTC": RFSTDTC, "RFENDTC": "2022-06-01",
         "RFXSTDTC": RFSTDTC, "RFXENDTC": "2022-05-31", "RFICDTC": "2022-02-20", "RFPENDTC": "2022-07-01",
         "DTHDTC": None, "DTHFL": None, "SITEID": "01", "AGE": 60.0, "AGEU": "YEARS", "SEX": "M", "RACE": "ASIAN",
         "ARMCD": "A", "ARM": "Drug A", "ACTARMCD": "A", "ACTARM": "Drug A", "COUNTRY": "CHN"},
        {**base, "DOMAIN": "DM", "USUBJID": "S1-002", "SUBJID": "002", "RFSTDTC": RFSTDTC, "RFENDTC": "2022-05-10",
         "RFXSTDTC": RFSTDTC, "RFXENDTC": "2022-05-09", "RFICDTC": "2022-02-21", "RFPENDTC": "2022-05-10",
         "DTHDTC": "2022-05-10", "DTHFL": "Y", "SITEID": "01", "AGE": 55.0, "AGEU": "YEARS", "SEX": "F",
         "RACE": "ASIAN", "ARMCD": "A", "ARM": "Drug A", "ACTARMCD": "A", "ACTARM": "Drug A", "COUNTRY": "CHN"},
        {**base, "DOMAIN": "DM", "USUBJID": "S1-003", "SUBJID": "003", "RFSTDTC": None, "RFENDTC": None,
         "RFXSTDTC": None, "RFXENDTC": None, "RFICDTC": "2022-02-22", "RFPENDTC": "2022-02-25",
         "DTHDTC": None, "DTHFL": None, "SITEID": "02", "AGE": 70.0, "AGEU": "YEARS", "SEX": "M", "RACE": "ASIAN",
         "ARMCD": "SCRNFAIL", "ARM": "Screen Failure", "ACTARMCD": "SCRNFAIL", "ACTARM": "Screen Failure",
         "COUNTRY": "CHN"},
    ])
    criteria = {c: "N" for c in ("AESCAN", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESOD")}
    ae = _frame([
        {**base, "DOMAIN": "AE", "USUBJID": "S1-001", "AESEQ": 1.0, "AETERM": "NAUSEA", "AEDECOD": "Nausea",
         "AEBODSYS": "Gastrointestinal disorders", "AESER": "N", "AEACN": "DOSE NOT CHANGED", "AEREL": "RELATED",
         "AEOUT": "RECOVERED/RESOLVED", "AETOXGR": "1", **criteria, "EPOCH": "TREATMENT",
         "AESTDTC": "2022-03-05", "AEENDTC": "2022-03-10", "AESTDY": day("2022-03-05"), "AEENDY": day("2022-03-10")},
        {**base, "DOMAIN": "AE", "USUBJID": "S1-002", "AESEQ": 1.0, "AETERM": "SEPSIS", "AEDECOD": "Sepsis",
         "AEBODSYS": "Infections and infestations", "AESER": "Y", "AEACN": "DRUG WITHDRAWN", "AEREL": "NOT RELATED",
         "AEOUT": "FATAL", "AETOXGR": "5", **criteria, "AESDTH": "Y", "EPOCH": "TREATMENT",
         "AESTDTC": "2022-05-01", "AEENDTC": "2022-05-10", "AESTDY": day("2022-05-01"), "AEENDY": day("2022-05-10")},
    ])
    ex = _frame([
        {**base, "DOMAIN": "EX", "USUBJID": u, "EXSEQ": 1.0, "EXTRT": "DRUG A", "EXDOSE": 10.0, "EXDOSU": "mg",
         "EPOCH": "TREATMENT", "EXSTDTC": RFSTDTC, "EXENDTC": end, "EXSTDY": day(RFSTDTC), "EXENDY": day(end)}
        for u, end in (("S1-001", "2022-05-31"), ("S1-002", "2022-05-09"))
    ])
    ds = _frame([
        {**base, "DOMAIN": "DS", "USUBJID": u, "DSSEQ": seq, "DSTERM": term, "DSDECOD": term, "DSCAT": cat,
         "EPOCH": epoch, "DSSTDTC": start, "DSSTDY": day(start, ref)}
        for u, seq, term, cat, epoch, start, ref in (
            ("S1-001", 1.0, "INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE", "SCREENING", "2022-02-20", RFSTDTC),
            ("S1-001", 2.0, "COMPLETED", "DISPOSITION EVENT", "TREATMENT", "2022-06-01", RFSTDTC),
            ("S1-002", 1.0, "DEATH", "DISPOSITION EVENT", "TREATMENT", "2022-05-10", RFSTDTC),
            ("S1-003", 1.0, "SCREEN FAILURE", "DISPOSITION EVENT", "SCREENING", "2022-02-25", None),
        )
    ])
    lb_rows = [
        ("S1-001", 1.0, "ALT", "Alanine Aminotransferase", "30", 30.0, "NORMAL", 1.0, "WEEK 1", RFSTDTC, None, None),
        ("S1-001", 2.0, "ALB", "Albumin", "50", 50.0, "HIGH", 1.0, "WEEK 1", RFSTDTC, None, None),
        ("S1-002", 1.0, "ALT", "Alanine Aminotransferase", None, None, None, 2.0, "WEEK 2", "2022-03-08",
         "NOT DONE", "SAMPLE LOST"),
    ]
    lb = _frame([
        {**base, "DOMAIN": "LB", "USUBJID": u, "LBSEQ": seq, "LBTESTCD": code, "LBTEST": test, "LBORRES": res,
         "LBORRESU": "U/L" if res else None, "LBSTRESC": res, "LBSTRESN": num, "LBSTRESU": "U/L" if res else None,
         "LBSTNRLO": 10.0, "LBSTNRHI": 40.0, "LBNRIND": nrind, "LBSTAT": stat, "LBREASND": reason,
         "VISITNUM": visit, "VISIT": name, "EPOCH": "TREATMENT", "LBDTC": dtc, "LBDY": day(dtc)}
        for u, seq, code, test, res, num, nrind, visit, name, dtc, stat, reason in lb_rows
    ])
    sv = _frame([
        {**base, "DOMAIN": "SV", "USUBJID": u, "VISITNUM": n, "VISIT": v, "SVSTDTC": d, "SVENDTC": d}
        for u, n, v, d in (("S1-001", 1.0, "WEEK 1", RFSTDTC), ("S1-002", 2.0, "WEEK 2", "2022-03-08"))
    ])
    tv = _frame([{**base, "DOMAIN": "TV", "VISITNUM": n, "VISIT": v, "ARMCD": "A"}
                 for n, v in ((1.0, "WEEK 1"), (2.0, "WEEK 2"))])
    ta = _frame([
        {**base, "DOMAIN": "TA", "ARMCD": "A", "ARM": "Drug A", "TAETORD": 1.0, "ETCD": "SCRN", "ELEMENT": "Screening",
         "EPOCH": "SCREENING"},
        {**base, "DOMAIN": "TA", "ARMCD": "A", "ARM": "Drug A", "TAETORD": 2.0, "ETCD": "TRT", "ELEMENT": "Treatment",
         "EPOCH": "TREATMENT"},
    ])
    te = _frame([
        {**base, "DOMAIN": "TE", "ETCD": "SCRN", "ELEMENT": "Screening", "TESTRL": "Informed consent", "TEDUR": "P14D"},
        {**base, "DOMAIN": "TE", "ETCD": "TRT", "ELEMENT": "Treatment", "TESTRL": "First dose", "TEDUR": None},
    ])
    se = _frame([
        {**base, "DOMAIN": "SE", "USUBJID": u, "SESEQ": seq, "ETCD": etcd, "ELEMENT": element, "EPOCH": epoch,
         "SESTDTC": start}
        for u, seq, etcd, element, epoch, start in (
            ("S1-001", 1.0, "SCRN", "Screening", "SCREENING", "2022-02-20"),
            ("S1-001", 2.0, "TRT", "Treatment", "TREATMENT", RFSTDTC),
            ("S1-002", 1.0, "SCRN", "Screening", "SCREENING", "2022-02-21"),
            ("S1-002", 2.0, "TRT", "Treatment", "TREATMENT", RFSTDTC),
            ("S1-003", 1.0, "SCRN", "Screening", "SCREENING", "2022-02-22"),
        )
    ])
    ts = _frame([
        {**base, "DOMAIN": "TS", "TSSEQ": 1.0, "TSPARMCD": code, "TSPARM": code.title(), "TSVAL": value,
         "TSVALNF": None if value else "PINF"}
        for code, value in TS_VALUES.items()
    ])
    suppae = _frame([
        {**base, "RDOMAIN": "AE", "USUBJID": "S1-001", "IDVAR": "AESEQ", "IDVARVAL": "1", "QNAM": "AETRTEM",
         "QLABEL": "Treatment Emergent Flag", "QVAL": "Y", "QORIG": "DERIVED", "QEVAL": None},
    ])
    suppdm = _frame([
        {**base, "RDOMAIN": "DM", "USUBJID": "S1-001", "IDVAR": None, "IDVARVAL": None, "QNAM": "RANDFL",
         "QLABEL": "Randomized Flag", "QVAL": "Y", "QORIG": "DERIVED", "QEVAL": None},
    ])
    relrec = _frame([
        {**base, "RDOMAIN": "AE", "USUBJID": "S1-001", "IDVAR": "AESEQ", "IDVARVAL": "1", "RELTYPE": None, "RELID": "R1"},
        {**base, "RDOMAIN": "LB", "USUBJID": "S1-001", "IDVAR": "LBSEQ", "IDVARVAL": "1", "RELTYPE": None, "RELID": "R1"},
    ])
    return {"DM": dm, "AE": ae, "EX": ex, "DS": ds, "LB": lb, "SV": sv, "TV": tv, "TA": ta, "TE": te, "SE": se,
            "TS": ts, "SUPPAE": suppae, "SUPPDM": suppdm, "RELREC": relrec}


def adam() -> dict[str, pd.DataFrame]:
    """The ADaM datasets (a fresh copy each call); dates are SAS day numbers."""
    base = {"STUDYID": STUDY}
    start = sas(RFSTDTC)
    adsl = _frame([
        {**base, "USUBJID": u, "SUBJID": s, "SITEID": "01", "AGE": age, "AGEU": "YEARS", "SEX": sex, "RACE": "ASIAN",
         "ARM": "Drug A", "TRT01P": "Drug A", "TRT01PN": 1.0, "TRT01A": "Drug A", "TRT01AN": 1.0,
         "TRTSDT": start, "TRTEDT": sas(end), "SAFFL": "Y", "ITTFL": "Y", "DTHFL": dthfl}
        for u, s, age, sex, end, dthfl in (("S1-001", "001", 60.0, "M", "2022-05-31", None),
                                          ("S1-002", "002", 55.0, "F", "2022-05-09", "Y"))
    ])
    adlb = _frame([
        {**base, "USUBJID": "S1-001", "ASEQ": seq, "PARAMCD": "ALT", "PARAM": "Alanine Aminotransferase (U/L)",
         "PARAMN": 1.0, "AVISIT": visit, "AVISITN": visitn, "ADT": sas(date), "ADY": day(date), "AVAL": aval,
         "BASE": 30.0, "CHG": aval - 30.0, "PCHG": (aval - 30.0) / 30.0 * 100, "ABLFL": ablfl, "TRT01A": "Drug A"}
        for seq, visit, visitn, date, aval, ablfl in ((1.0, "Baseline", 0.0, RFSTDTC, 30.0, "Y"),
                                                     (2.0, "Week 1", 1.0, "2022-03-08", 45.0, None))
    ])
    adtte = _frame([
        {**base, "USUBJID": u, "PARAMCD": "OS", "PARAM": "Overall Survival (days)", "STARTDT": start, "ADT": sas(date),
         "AVAL": sas(date) - start + 1, "CNSR": cnsr, "EVNTDESC": desc}
        for u, date, cnsr, desc in (("S1-001", "2022-07-01", 1.0, "LAST KNOWN ALIVE"), ("S1-002", "2022-05-10", 0.0, "DEATH"))
    ])
    adae = _frame([
        {**base, "USUBJID": "S1-001", "ASEQ": 1.0, "AETERM": "NAUSEA", "ASTDT": sas("2022-03-05"),
         "AENDT": sas("2022-03-10"), "TRTEMFL": "Y", "TRT01A": "Drug A"},
    ])
    return {"ADSL": adsl, "ADLB": adlb, "ADTTE": adtte, "ADAE": adae}


def study() -> dict[str, pd.DataFrame]:
    """SDTM and ADaM together."""
    return {**sdtm(), **adam()}


ADAM_FORMATS = {
    "ADSL": {"TRTSDT": "DATE9", "TRTEDT": "DATE9"},
    "ADLB": {"ADT": "DATE9"},
    "ADTTE": {"STARTDT": "DATE9", "ADT": "DATE9"},
    "ADAE": {"ASTDT": "DATE9", "AENDT": "DATE9"},
}
"""SAS formats of the ADaM date variables, as an XPT file would carry them."""


# --- changing the study in tests ---------------------------------------------------------------

def setv(name: str, row: int, column: str, value):
    """A change: set one cell (adds the column, empty elsewhere, when it is new)."""
    def change(data: dict[str, pd.DataFrame]) -> None:
        frame = data[name]
        if column not in frame.columns:
            frame[column] = None if isinstance(value, str) or value is None else float("nan")
        numeric = pd.api.types.is_float_dtype(frame[column])
        if numeric and (value is None or isinstance(value, (int, float))):
            frame.loc[row, column] = float("nan") if value is None else float(value)
        else:
            frame[column] = frame[column].astype(object)
            frame.loc[row, column] = value
    return change


def drop(name: str, *columns: str):
    """A change: remove variables from a dataset."""
    def change(data: dict[str, pd.DataFrame]) -> None:
        data[name] = data[name].drop(columns=list(columns))
    return change


def remove(name: str, rows=None):
    """A change: remove a dataset, or some of its records."""
    def change(data: dict[str, pd.DataFrame]) -> None:
        if rows is None:
            del data[name]
        else:
            data[name] = data[name].drop(index=list(rows)).reset_index(drop=True)
    return change


def duplicate(name: str, row: int, **values):
    """A change: append a copy of a record, with some values changed."""
    def change(data: dict[str, pd.DataFrame]) -> None:
        frame = data[name]
        copy = frame.iloc[[row]].copy()
        for column, value in values.items():
            copy[column] = value
        data[name] = pd.concat([frame, copy], ignore_index=True)
    return change


def both(*changes):
    """A change made of several changes (one behaviour that needs more than one cell)."""
    def change(data: dict[str, pd.DataFrame]) -> None:
        for one in changes:
            one(data)
    return change


def findings_of(rule_id: str, change=None, **options):
    """Validate the study after ``change`` with only rule ``rule_id``; its findings frame."""
    from specs.rules.engine import ALL_RULES, validate_datasets
    data = study()
    if change is not None:
        change(data)
    rule = [r for r in ALL_RULES if r.id == rule_id]
    assert rule, f"no rule {rule_id}"
    options.setdefault("formats", ADAM_FORMATS)
    findings = validate_datasets(data, rules=rule, **options)
    status = findings.rules.iloc[0]
    assert status["status"] != "failed", status["reason"]
    return findings.frame


def write_define(path, data: dict[str, pd.DataFrame]):
    """A minimal define.xml 2.1 describing ``data`` exactly (lengths = longest values)."""
    from lxml import etree
    odm_ns, def_ns = "http://www.cdisc.org/ns/odm/v1.3", "http://www.cdisc.org/ns/def/v2.1"
    nsmap = {None: odm_ns, "def": def_ns}
    odm = etree.Element(f"{{{odm_ns}}}ODM", nsmap=nsmap, FileOID="DEF.S1", ODMVersion="1.3.2")
    version = etree.SubElement(etree.SubElement(odm, f"{{{odm_ns}}}Study", OID="S1"), f"{{{odm_ns}}}MetaDataVersion",
                               OID="MDV.S1", Name="S1")
    items = []
    for name, frame in data.items():
        group = etree.SubElement(version, f"{{{odm_ns}}}ItemGroupDef", OID=f"IG.{name}", Name=name, Repeating="Yes")
        description = etree.SubElement(group, f"{{{odm_ns}}}Description")
        etree.SubElement(description, f"{{{odm_ns}}}TranslatedText").text = name.title()
        for column in frame.columns:
            etree.SubElement(group, f"{{{odm_ns}}}ItemRef", ItemOID=f"IT.{name}.{column}", Mandatory="No")
            numeric = pd.api.types.is_numeric_dtype(frame[column])
            values = frame[column].dropna().astype(str)
            length = 8 if numeric else max([len(v.encode("utf-8")) for v in values] + [1])
            items.append((f"IT.{name}.{column}", column, "float" if numeric else "text", length))
    for oid, column, data_type, length in items:
        etree.SubElement(version, f"{{{odm_ns}}}ItemDef", OID=oid, Name=column, DataType=data_type, Length=str(length))
    etree.ElementTree(odm).write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return path
