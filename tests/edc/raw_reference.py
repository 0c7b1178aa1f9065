"""Independent re-derivation of the calibrated endpoints straight from the raw export files.

This is the test-side twin of the derivation contract (``edc/reference.py`` states it for the
solver); it shares no code with ``edc``: it reads the CSV/xlsx files the way a pipeline would
(site 03 dates DD/MM/YYYY, coded answers trimmed and case-folded, the duplicated AE row
dropped) and applies the rules of the brief until the real ADaM exists. Statistics come from
``tlf.stats``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd

RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 3, "NE": 4}
RELATED = {"definitely related", "probably related", "possibly related"}


def parse_date(text: str, site: str) -> date | None:
    """A full date as the site writes it; None for empty or partial dates."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if site == "03":
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text)
    except ValueError:
        return None


def yes(text: str) -> bool:
    return (text or "").strip().lower() in ("y", "yes")


@dataclass
class RawSubject:
    key: str
    site: str
    treated: bool = False
    trtsdt: date | None = None
    assessments: list[tuple[date, str]] = field(default_factory=list)
    death: date | None = None
    new_therapy: date | None = None
    dated: list[tuple[str, date]] = field(default_factory=list)   # (source, date) alive evidence
    ngs: bool = False
    genes: set[str] = field(default_factory=set)
    aes: list[dict] = field(default_factory=list)

    @property
    def signature(self) -> str | None:
        if not self.ngs:
            return None
        return "POS" if {"TP53", "FAT1"} <= self.genes and "NOTCH3" not in self.genes else "NEG"


def read_forms(raw: Path) -> dict[str, pd.DataFrame]:
    """Every CSV form of every site, concatenated (all columns as text)."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for path in sorted(raw.glob("site_*/*.csv")):
        frames.setdefault(path.stem, []).append(pd.read_csv(path, dtype=str, keep_default_na=False))
    return {k: pd.concat(v, ignore_index=True) for k, v in frames.items()}


def read_lab_dates(raw: Path) -> list[tuple[str, str, str]]:
    """(site, subject, LBDAT) of every lab row."""
    out = []
    for path in sorted(raw.glob("site_*/local_labs.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            if sheet.title == "Ranges":
                continue
            rows = sheet.iter_rows(values_only=True)
            header = next(rows)
            i_site, i_subj, i_dat = header.index("SITEID"), header.index("SUBJID"), header.index("LBDAT")
            out += [(r[i_site], r[i_subj], r[i_dat]) for r in rows]
        book.close()
    return out


def load_subjects(raw: Path) -> dict[str, RawSubject]:
    """Per subject (``SITEID-SUBJID``), the facts the endpoint derivations read."""
    forms = read_forms(raw)
    subjects: dict[str, RawSubject] = {}
    for _, r in forms["demographics"].iterrows():
        subjects[f"{r.SITEID}-{r.SUBJID}"] = RawSubject(f"{r.SITEID}-{r.SUBJID}", r.SITEID)

    def each(form: str):
        for _, r in forms[form].iterrows():
            yield subjects[f"{r.SITEID}-{r.SUBJID}"], r

    first_dose: dict[str, list[date]] = {}
    for s, r in each("dosing_anlotinib"):
        if r.EXDOSE and float(r.EXDOSE) > 0:
            first_dose.setdefault(s.key, []).append(parse_date(r.EXSTDAT, s.site))
            s.dated += [("dosing", parse_date(r.EXSTDAT, s.site)), ("dosing", parse_date(r.EXENDAT, s.site))]
    for s, r in each("dosing_benmelstobart"):
        if yes(r.EXOCCUR):
            first_dose.setdefault(s.key, []).append(parse_date(r.EXDAT, s.site))
            s.dated.append(("dosing", parse_date(r.EXDAT, s.site)))
    for key, days in first_dose.items():
        subjects[key].treated = True
        subjects[key].trtsdt = min(days)
    for s, r in each("tumour_response"):
        s.assessments.append((parse_date(r.RSDAT, s.site), r.OVRLRESP.strip().upper()))
    for s, r in each("tumour_target"):
        s.dated.append(("assessment", parse_date(r.TRDAT, s.site)))
    for s, r in each("survival_followup"):
        if r.DTHDAT:
            s.death = parse_date(r.DTHDAT, s.site)
        if r.SFSTAT.strip().lower() == "alive":
            s.dated.append(("contact", parse_date(r.SFDAT, s.site)))
    for s, r in each("subsequent_therapy"):
        start = parse_date(r.STSTDAT, s.site)
        if start and (s.new_therapy is None or start < s.new_therapy):
            s.new_therapy = start
    for s, r in each("visit_dates"):
        s.dated.append(("visit", parse_date(r.VISDAT, s.site)))
    ae = forms["adverse_events"].drop_duplicates()
    for _, r in ae.iterrows():
        s = subjects[f"{r.SITEID}-{r.SUBJID}"]
        start, end = parse_date(r.AESTDAT, s.site), parse_date(r.AEENDAT, s.site)
        s.aes.append({"start": start, "grade": int(r.AETOXGR), "rel": {r.AERELANL.strip().lower(), r.AERELBEN.strip().lower()}})
        s.dated.append(("ae", start))
        if end:
            s.dated.append(("ae", end))
    for site, subj, dat in read_lab_dates(raw):
        s = subjects[f"{site}-{subj}"]
        s.dated.append(("lab", parse_date(dat, s.site)))
    for s, r in each("ngs_sample"):
        s.ngs = True
    for s, r in each("ngs_variants"):
        if r.VARCLASS != "Amplification":
            s.genes.add(r.GENE)
    for s in subjects.values():
        s.assessments.sort()
        s.dated = [(src, d) for src, d in s.dated if d is not None]
    return subjects


# ---------------------------------------------------------------------------------------------
# The rules (brief of issue 3; admiralonco derive_param_confirmed_bor; FDA 2018 censoring)
# ---------------------------------------------------------------------------------------------


def used_assessments(s: RawSubject, cutoff: date) -> list[tuple[date, str]]:
    out = []
    for d, resp in s.assessments:
        if s.trtsdt < d <= cutoff:
            out.append((d, resp))
            if resp == "PD":
                break
    return out


def bor(s: RawSubject, cutoff: date, confirm: int = 28, sd_days: int = 42, max_ne: int = 1) -> tuple[str, str]:
    """(unconfirmed, confirmed) best overall response."""
    used = used_assessments(s, cutoff)
    if not used:
        return "NE", "NE"

    def sd_ok(d: date) -> bool:
        return (d - s.trtsdt).days >= sd_days

    unconf = min((("NE" if r == "SD" and not sd_ok(d) else r) for d, r in used), key=RANK.get)
    best = "NE"
    for i, (d, r) in enumerate(used):
        value = r
        if r in ("CR", "PR"):
            ok, n_ne = False, 0
            allowed = {"CR"} if r == "CR" else {"CR", "PR"}
            for d2, r2 in used[i + 1:]:
                if r2 == "NE":
                    n_ne += 1
                    if n_ne > max_ne:
                        break
                    continue
                if r2 not in allowed:
                    break
                if (d2 - d).days >= confirm:
                    ok = True
                    break
            value = r if ok else ("SD" if sd_ok(d) else "NE")
        elif r == "SD":
            value = "SD" if sd_ok(d) else "NE"
        if RANK[value] < RANK[best]:
            best = value
    return unconf, best


def pfs(s: RawSubject, cutoff: date) -> tuple[int, int]:
    """(AVAL days, event) with the FDA censoring rules of the contract."""
    start = s.trtsdt
    used = [(d, r) for d, r in s.assessments if start < d <= cutoff]
    adequate = [d for d, r in used if r != "NE"]
    pd_day = next((d for d, r in used if r == "PD"), None)
    death = s.death if s.death and s.death <= cutoff else None
    event = min([x for x in (pd_day, death) if x is not None], default=None)
    new_tx = s.new_therapy if s.new_therapy and s.new_therapy <= cutoff else None

    def aval(d: date) -> int:
        return (d - start).days + 1

    if new_tx and (event is None or new_tx < event):
        return aval(max([d for d in adequate if d <= new_tx], default=start)), 0
    if event:
        last = max([d for d in adequate if d < event], default=start)
        interval = 42 if (last - start).days <= 105 else 63
        if (event - last).days > 2 * interval + 7:
            return aval(last), 0
        return aval(event), 1
    return aval(max(adequate, default=start)), 0


def os_(s: RawSubject, cutoff: date, sources: set[str] | None = None) -> tuple[int, int]:
    """(AVAL days, event); censored at the last known alive date on/before the cut-off."""
    if s.death and s.death <= cutoff:
        return (s.death - s.trtsdt).days + 1, 1
    days = [d for src, d in s.dated if d <= cutoff and (sources is None or src in sources)]
    return (max(days) - s.trtsdt).days + 1, 0


def trae(s: RawSubject) -> tuple[bool, bool]:
    """(any treatment-related TEAE, grade >= 3 treatment-related TEAE)."""
    rel = [a for a in s.aes if a["start"] and a["start"] >= s.trtsdt and a["rel"] & RELATED]
    return bool(rel), any(a["grade"] >= 3 for a in rel)
