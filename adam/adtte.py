"""ADTTE: time-to-event parameters from the study's endpoint definitions (``endpoints.yaml``).

Each endpoint is data (admiralonco ``event_source``/``censor_source`` style): an origin (a
date in ADSL, or a date of an ADRS parameter, e.g. the first confirmed response for DOR), event
and censoring sources, an optional population, and whether the FDA rules for new anticancer
therapy and missed assessments apply. :func:`adam.tte.derive_param_tte` applies the rules;
this module only reads the definitions, prepares the origins and assembles the dataset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from adam.tte import MissedAssessments, NewTherapy, TteSource, derive_param_tte
from specs.documents import load_yaml_document
from specs.errors import SpecError, SpecProblem
from specs.model import AssessmentSchedule

ENDPOINTS_FILE = "endpoints.yaml"
ADSL_KEEP = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "FASFL", "EFFFL"]

_WHERE = {"type": "dict", "valuesrules": {"anyof": [{"type": "string"}, {"type": "list", "schema": {"type": "string"}}]}}
_SOURCE = {
    "dataset": {"type": "string", "required": True, "allowed": ["ADSL", "ADRS"]},
    "where": _WHERE,
    "date": {"type": "string", "required": True},
    "censor": {"type": "integer", "required": True, "min": 0},
    "description": {"type": "string", "required": True},
    "date_description": {"type": "string"},
    "srcdom": {"type": "string"},
    "srcvar": {"type": "string"},
    "srcseq": {"type": "string"},
}
_RULE = {"date": {"type": "string"}, "adequate": {"type": "string"}, "censor": {"type": "integer", "required": True},
         "description": {"type": "string", "required": True}, "date_description": {"type": "string"}}
SCHEMA = {
    "sources": {"type": "dict", "required": True, "valuesrules": {"type": "dict", "schema": _SOURCE}},
    "new_therapy": {"type": "dict", "schema": _RULE},
    "missed_assessments": {"type": "dict", "schema": _RULE},
    "endpoints": {
        "type": "dict",
        "required": True,
        "keysrules": {"type": "string", "regex": r"^[A-Z][A-Z0-9]{0,7}$"},
        "valuesrules": {
            "type": "dict",
            "schema": {
                "param": {"type": "string", "required": True},
                "parcat1": {"type": "string"},
                "start": {"type": "dict", "required": True, "schema": {"dataset": {"type": "string", "required": True},
                                                                        "where": _WHERE, "date": {"type": "string", "required": True}}},
                "population": {"type": "dict", "schema": {"dataset": {"type": "string", "required": True}, "where": _WHERE}},
                "events": {"type": "list", "required": True, "schema": {"type": "string"}},
                "censors": {"type": "list", "required": True, "schema": {"type": "string"}},
                "new_therapy": {"type": "boolean"},
                "missed_assessments": {"type": "boolean"},
            },
        },
    },
}


def load_endpoints(folder: Path) -> dict:
    """Read and validate ``endpoints.yaml``; unknown source names are errors."""
    path = folder / ENDPOINTS_FILE
    document = load_yaml_document(path, SCHEMA)
    problems = [SpecProblem(str(path), "", None, f"endpoints.{code}", f"unknown source {name!r}")
                for code, endpoint in document["endpoints"].items()
                for name in endpoint["events"] + endpoint["censors"] if name not in document["sources"]]
    if problems:
        raise SpecError(problems)
    return document


def _source(name: str, spec: dict) -> TteSource:
    where = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in (spec.get("where") or {}).items())
    return TteSource(name, spec["dataset"], spec["date"], spec["censor"], spec["description"], spec.get("date_description"),
                     where, spec.get("srcdom"), spec.get("srcvar"), spec.get("srcseq"))


def _select(data: pd.DataFrame, where: dict | None) -> pd.Series:
    mask = pd.Series(True, index=data.index)
    for variable, value in (where or {}).items():
        column = data[variable].astype(object)
        mask &= column.isin(value) if isinstance(value, list) else column.eq(value)
    return mask


def _origins(endpoint: dict, datasets: Mapping[str, pd.DataFrame], adsl: pd.DataFrame) -> pd.DataFrame:
    """ADSL with the endpoint's origin date as _STARTDT, restricted to its population."""
    start = endpoint["start"]
    source = datasets[start["dataset"]]
    chosen = source[_select(source, start.get("where"))][["USUBJID", start["date"]]].dropna()
    first = chosen.groupby("USUBJID")[start["date"]].min()
    frame = adsl.assign(_STARTDT=adsl["USUBJID"].map(first))
    if "population" in endpoint:
        population = endpoint["population"]
        members = datasets[population["dataset"]]
        frame = frame[frame["USUBJID"].isin(members.loc[_select(members, population.get("where")), "USUBJID"])]
    return frame


def create_adtte(adsl: pd.DataFrame, adrs: pd.DataFrame, definitions: dict, *, schedule: AssessmentSchedule,
                 cutoff: dt.date | None) -> pd.DataFrame:
    """Every endpoint of ``definitions`` for every subject with an origin date."""
    datasets = {"ADSL": adsl, "ADRS": adrs}
    sources = {name: _source(name, spec) for name, spec in definitions["sources"].items()}
    therapy = definitions.get("new_therapy")
    missed = definitions.get("missed_assessments")
    frames = []
    for paramcd, endpoint in definitions["endpoints"].items():
        base = _origins(endpoint, datasets, adsl)
        rule_therapy = NewTherapy(therapy["date"], therapy["censor"], therapy["description"], therapy.get("date_description")) \
            if endpoint.get("new_therapy") and therapy else None
        rule_missed = MissedAssessments(missed["adequate"], missed["censor"], missed["description"], missed.get("date_description"),
                                        schedule.early_interval_weeks, schedule.early_until_week,
                                        schedule.late_interval_weeks, schedule.window_days) \
            if endpoint.get("missed_assessments") and missed else None
        tte = derive_param_tte(
            base, sources={"ADSL": base, "ADRS": adrs}, start_date="_STARTDT",
            events=[sources[n] for n in endpoint["events"]], censors=[sources[n] for n in endpoint["censors"]],
            paramcd=paramcd, param=endpoint["param"], cutoff=cutoff, new_therapy=rule_therapy, missed=rule_missed,
        )
        frames.append(tte.assign(PARCAT1=endpoint.get("parcat1")))
    adtte = pd.concat(frames, ignore_index=True)
    adtte = adtte.merge(adsl[[c for c in ADSL_KEEP if c in adsl.columns]], on="USUBJID", how="left")
    order = {code: i for i, code in enumerate(definitions["endpoints"])}
    adtte = adtte.assign(_o=adtte["PARAMCD"].map(order)).sort_values(["USUBJID", "_o"], kind="mergesort").drop(columns="_o")
    adtte["ASEQ"] = adtte.groupby("USUBJID").cumcount() + 1
    return adtte.reset_index(drop=True)
