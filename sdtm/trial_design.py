"""Trial design domains TE, TA, TV, TI, TS (SDTMIG 3.4 chapter 7) from the study's protocol facts.

Sources: ``study.yaml`` (identifiers, arms, tumour-assessment schedule, cut-offs) and
``trial_design.yaml`` (elements, arm structure, planned visits, trial summary parameters);
TI takes the eligibility criteria as the eligibility form states them (one text per criterion
id; differing texts for one id are reported, check TI001). Trial-design records come from the
protocol, not from raw records, so they carry no raw provenance.

Planned visits are numbered so that each series sorts in time and numbers never move when a
series grows (:func:`planned_visitnum`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sdtm.common import compute_distinct
from sdtm.context import DomainResult, MappingContext
from specs.ct import load_ct
from specs.documents import load_yaml_document
from specs.errors import SpecError, SpecProblem
from specs.model import Study

DESIGN_FILE = "trial_design.yaml"

_ELEMENT = {
    "role": {"type": "string", "required": True, "allowed": ["screening", "combination", "maintenance", "follow-up"]},
    "etcd": {"type": "string", "required": True, "maxlength": 8},
    "element": {"type": "string", "required": True},
    "testrl": {"type": "string", "required": True},
    "teenrl": {"type": "string"},
    "tedur": {"type": "string", "regex": r"^P(\d+[YMWD])+$"},
}
_VISIT = {"visit": {"type": "string", "required": True}, "name": {"type": "string", "required": True},
          "start": {"type": "integer"}, "end": {"type": "integer"}, "rule": {"type": "string", "required": True}}
SCHEMA = {
    "drugs": {"type": "list", "required": True, "schema": {"type": "string"}},
    "elements": {"type": "list", "required": True, "schema": {"type": "dict", "schema": _ELEMENT}},
    "arm_elements": {
        "type": "list",
        "required": True,
        "schema": {"type": "dict", "schema": {"role": {"type": "string", "required": True}, "epoch": {"type": "string", "required": True},
                                              "transition": {"type": "string"}, "branch": {"type": "string"}}},
    },
    "visits": {
        "type": "dict",
        "required": True,
        "schema": {
            "screening": {"type": "dict", "required": True, "schema": _VISIT},
            "cycle_days": {"type": "integer", "required": True, "min": 1},
            "cycles": {"type": "integer", "required": True, "min": 1},
            "tumour_assessment_weeks_max": {"type": "integer", "required": True, "min": 1},
            "end_of_treatment": {"type": "dict", "required": True, "schema": _VISIT},
            "safety_followup": {"type": "dict", "required": True, "schema": _VISIT},
            "followup_interval_days": {"type": "integer", "required": True, "min": 1},
            "followups": {"type": "integer", "required": True, "min": 0},
            "end_of_study": {"type": "dict", "required": True, "schema": _VISIT},
        },
    },
    "summary_unknown": {"type": "list", "schema": {"type": "string", "maxlength": 8}},
    "summary": {
        "type": "list",
        "required": True,
        "schema": {"type": "dict", "schema": {"parmcd": {"type": "string", "required": True, "maxlength": 8},
                                              "value": {"type": "string", "required": True},
                                              "codelist": {"type": "string"}}},
    },
}


@dataclass(frozen=True)
class Element:
    """A trial element (TE row) and the role the mappers know it by."""

    role: str
    etcd: str
    element: str
    testrl: str
    teenrl: str | None
    tedur: str | None


@dataclass(frozen=True)
class TrialDesign:
    """The validated trial_design.yaml."""

    drugs: tuple[str, ...]
    elements: tuple[Element, ...]
    arm_elements: tuple[dict, ...]
    visits: dict
    summary: tuple[dict, ...]
    unknown: tuple[str, ...] = ()

    def element(self, role: str) -> Element:
        """The element playing ``role``."""
        for item in self.elements:
            if item.role == role:
                return item
        raise KeyError(f"{DESIGN_FILE} has no element with role {role!r}")

    def order(self, role: str) -> int:
        """TAETORD of the element playing ``role`` (1-based position in arm_elements)."""
        for position, item in enumerate(self.arm_elements, start=1):
            if item["role"] == role:
                return position
        raise KeyError(f"{DESIGN_FILE} arm_elements has no role {role!r}")

    def epoch(self, role: str) -> str:
        """EPOCH of the element playing ``role``."""
        return self.arm_elements[self.order(role) - 1]["epoch"]


def load_trial_design(study: Study) -> TrialDesign:
    """Load and validate ``trial_design.yaml`` of the study folder."""
    path = Path(study.folder) / DESIGN_FILE
    document = load_yaml_document(path, SCHEMA)
    roles = {e["role"] for e in document["elements"]}
    unknown = [a["role"] for a in document["arm_elements"] if a["role"] not in roles]
    if unknown:
        raise SpecError([SpecProblem(str(path), "", None, "arm_elements", f"unknown role(s) {', '.join(unknown)}")])
    return TrialDesign(
        drugs=tuple(document["drugs"]),
        elements=tuple(Element(e["role"], e["etcd"], e["element"], e["testrl"], e.get("teenrl"), e.get("tedur")) for e in document["elements"]),
        arm_elements=tuple(document["arm_elements"]),
        visits=document["visits"],
        summary=tuple(document["summary"]),
        unknown=tuple(document.get("summary_unknown", [])),
    )


_SERIES = [
    (re.compile(r"^SCR$"), lambda m: 1.0),
    (re.compile(r"^C(\d+)D01$"), lambda m: 100.0 + int(m.group(1))),
    (re.compile(r"^TA_W(\d+)$"), lambda m: 300.0 + int(m.group(1))),
    (re.compile(r"^EOT$"), lambda m: 800.0),
    (re.compile(r"^SFU$"), lambda m: 810.0),
    (re.compile(r"^FU(\d+)$"), lambda m: 900.0 + int(m.group(1))),
    (re.compile(r"^EOS$"), lambda m: 999.0),
]


def planned_visitnum(visit: str) -> float | None:
    """VISITNUM of a planned visit code; None for unscheduled or non-visit codes.

    Screening 1; cycle n day 1: 100 + n; tumour assessment in week w: 300 + w; end of
    treatment 800; safety follow-up 810; survival follow-up k: 900 + k; end of study 999.
    Each series sorts in time and no number moves when a series grows. Unscheduled visits take
    the subject's preceding scheduled VISITNUM + 0.01 per unscheduled visit (SDTMIG 3.4 4.4.5).
    """
    for pattern, number in _SERIES:
        match = pattern.match(visit)
        if match:
            return number(match)
    return None


def planned_visits(study: Study, design: TrialDesign) -> pd.DataFrame:
    """TV rows: VISITNUM, VISIT, VISITDY, TVSTRL, TVENRL for every planned visit."""
    visits = design.visits
    schedule = study.analysis.tumour_assessment
    rows = [(visits["screening"]["visit"], visits["screening"]["name"], None, visits["screening"]["rule"])]
    for cycle in range(1, visits["cycles"] + 1):
        day = (cycle - 1) * visits["cycle_days"] + 1
        rows.append((f"C{cycle:02d}D01", f"Cycle {cycle} Day 1", day, f"Day {day}: day 1 of cycle {cycle}"))
    weeks = list(range(schedule.early_interval_weeks, schedule.early_until_week + 1, schedule.early_interval_weeks))
    week = schedule.early_until_week + schedule.late_interval_weeks
    while week <= visits["tumour_assessment_weeks_max"]:
        weeks.append(week)
        week += schedule.late_interval_weeks
    for week in weeks:
        rows.append((f"TA_W{week:03d}", f"Week {week} Tumour Assessment", 7 * week + 1,
                     f"Week {week} (day {7 * week + 1}) +/- {schedule.window_days} days"))
    for key in ("end_of_treatment", "safety_followup"):
        rows.append((visits[key]["visit"], visits[key]["name"], None, visits[key]["rule"]))
    for number in range(1, visits["followups"] + 1):
        rows.append((f"FU{number:02d}", f"Survival Follow-up {number}", None,
                     f"Every {visits['followup_interval_days']} days after the end of treatment ({number})"))
    rows.append((visits["end_of_study"]["visit"], visits["end_of_study"]["name"], None, visits["end_of_study"]["rule"]))
    frame = pd.DataFrame(rows, columns=["_CODE", "VISIT", "VISITDY", "TVSTRL"])
    frame["VISITNUM"] = frame["_CODE"].map(planned_visitnum)
    return frame.sort_values("VISITNUM", kind="mergesort").reset_index(drop=True)


def map_te(ctx: MappingContext) -> DomainResult:
    """TE: one record per element (trial_design.yaml ``elements``)."""
    design = load_trial_design(ctx.study)
    te = pd.DataFrame([{"ETCD": e.etcd, "ELEMENT": e.element, "TESTRL": e.testrl, "TEENRL": e.teenrl, "TEDUR": e.tedur}
                       for e in design.elements])
    return DomainResult("TE", te.assign(STUDYID=ctx.studyid, DOMAIN="TE"))


def map_ta(ctx: MappingContext) -> DomainResult:
    """TA: every arm of study.yaml with the planned elements in order, their epoch and transitions."""
    design = load_trial_design(ctx.study)
    rows = []
    for arm in ctx.study.arms:
        for order, item in enumerate(design.arm_elements, start=1):
            element = design.element(item["role"])
            rows.append({"ARMCD": arm["armcd"], "ARM": arm["arm"], "TAETORD": order, "ETCD": element.etcd,
                         "ELEMENT": element.element, "TABRANCH": item.get("branch"), "TATRANS": item.get("transition"),
                         "EPOCH": item["epoch"]})
    return DomainResult("TA", pd.DataFrame(rows).assign(STUDYID=ctx.studyid, DOMAIN="TA"))


def map_tv(ctx: MappingContext) -> DomainResult:
    """TV: the planned visits of every arm."""
    design = load_trial_design(ctx.study)
    visits = planned_visits(ctx.study, design)
    frames = [visits.assign(ARMCD=arm["armcd"], ARM=arm["arm"]) for arm in ctx.study.arms]
    tv = pd.concat(frames, ignore_index=True).drop(columns=["_CODE"])
    return DomainResult("TV", tv.assign(STUDYID=ctx.studyid, DOMAIN="TV", TVENRL=None))


def _stripped(value: object) -> object:
    """``Series.str.strip`` of one value: text trimmed, missing kept, anything else NaN."""
    if isinstance(value, str):
        return value.strip()
    return value if pd.isna(value) else np.nan


def map_ti(ctx: MappingContext) -> DomainResult:
    """TI: one record per eligibility criterion, as the eligibility form words it (check TI001)."""
    raw = ctx.form("eligibility").data
    criteria = pd.DataFrame({column: compute_distinct(raw[column], _stripped)
                             for column in ("IETESTCD", "IECAT", "IETEST")})
    criteria["IECAT"] = compute_distinct(criteria["IECAT"], lambda v: v.upper() if isinstance(v, str) else v)
    variants = criteria.drop_duplicates().groupby("IETESTCD")["IETEST"].nunique()
    for code in variants[variants > 1].index:
        rows = raw[raw["IETESTCD"].str.strip() == code]
        ctx.issues.add(rows["SOURCE_FILE"].iloc[0], int(rows["SOURCE_ROW"].iloc[0]), "IETEST", code, "TI001", "WARNING",
                       "criterion text differs between subjects; TI takes the most frequent")
    ti = (criteria.groupby(["IETESTCD", "IECAT", "IETEST"]).size().reset_index(name="_n")
          .sort_values(["IETESTCD", "_n"], ascending=[True, False], kind="mergesort").drop_duplicates("IETESTCD"))
    order = ti["IECAT"].map({"INCLUSION": 0, "EXCLUSION": 1})
    ti = ti.assign(_order=order).sort_values(["_order", "IETESTCD"], kind="mergesort").drop(columns=["_n", "_order"])
    return DomainResult("TI", ti.assign(STUDYID=ctx.studyid, DOMAIN="TI").reset_index(drop=True))


def _code(ctx: MappingContext, codelist: str | None, value: str) -> tuple[str | None, str | None]:
    """NCI code of a term and the dictionary it comes from (CDISC CT)."""
    if not codelist:
        return None, None
    cl = ctx.study.sdtm.codelists.get(codelist) if ctx.study.sdtm else None
    if cl is None:
        return None, None
    for term in cl.terms:
        if term.value == value:
            return term.nci_code, "CDISC CT"
    return None, None


def map_ts(ctx: MappingContext) -> DomainResult:
    """TS: trial summary parameters from trial_design.yaml, study.yaml and the mapped data.

    TSVALCD/TSVCDREF/TSVCDVER: the NCI code from the CT subset for CT-valued parameters, ISO 3166
    for FCNTRY; left empty where no code is known (INDIC, TRT:
    SNOMED and UNII codes are not available to this project).
    """
    design = load_trial_design(ctx.study)
    study = ctx.study
    dm = ctx.domain("DM")
    treated = int(dm["RFXSTDTC"].notna().sum())
    first_consent = dm["RFICDTC"].dropna().min()
    ct_version = _sdtm_ct_version()
    rows = [
        ("TITLE", study.title, None), ("REGID", study.registry_id, None), ("SPONSOR", study.sponsor, None),
        ("TPHASE", study.phase, "TPHASE"), ("INDIC", study.indication, None),
        ("PLANSUB", str(study.planned_subjects), None), ("ACTSUB", str(treated), None),
        ("FCNTRY", study.country, None), ("SSTDTC", first_consent, None),
        ("DCUTDTC", ctx.cutoff.isoformat(), None),
        ("DCUTDESC", _cutoff_description(ctx), None),
    ]
    for arm in study.arms:
        for treatment in arm["treatments"]:
            rows.append(("TRT", treatment["name"], None))
    rows += [(item["parmcd"], item["value"], item.get("codelist")) for item in design.summary]
    rows += [(parmcd, None, None) for parmcd in design.unknown]
    records = []
    parm_names = study.sdtm.codelists.get("TSPARM") if study.sdtm else None
    parm_codes = study.sdtm.codelists.get("TSPARMCD") if study.sdtm else None
    for parmcd, value, codelist in rows:
        code, ref = _code(ctx, codelist, value)
        version = ct_version if ref == "CDISC CT" else None
        if parmcd == "FCNTRY":
            ref, code = "ISO 3166", value
        name = parm_codes.decode(parmcd) if parm_codes else None
        if parm_names and name not in parm_names.values:
            name = None
        records.append({"TSPARMCD": parmcd, "TSPARM": name, "TSVAL": value, "TSVALNF": None if value else "NI",
                        "TSVALCD": code, "TSVCDREF": ref, "TSVCDVER": version})
    ts = pd.DataFrame(records)
    ts["TSSEQ"] = ts.groupby("TSPARMCD").cumcount() + 1
    return DomainResult("TS", ts.assign(STUDYID=ctx.studyid, DOMAIN="TS"))


def _cutoff_description(ctx: MappingContext) -> str:
    names = [name for name, day in ctx.study.cutoffs.items() if day == ctx.cutoff]
    return f"{names[0].upper()} ANALYSIS DATA CUT-OFF" if names else "DATA CUT-OFF"


def _sdtm_ct_version() -> str | None:
    """The date of the SDTM CT package of the CT subset (e.g. 2022-09-30), for TSVCDVER."""
    ct, _ = load_ct()
    for package in ct.packages:
        match = re.search(r"SDTM.*?(\d{4}-\d{2}-\d{2})", package)
        if match:
            return match.group(1)
    return None
