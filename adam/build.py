"""Build the ADaM datasets from SDTM frames in dependency order, with the study's choices.

Thin composition: each dataset's rules live in its module (adsl, adrs, adtte, ...); this module
reads the study's ADaM configuration files (``adsl.yaml``, ``endpoints.yaml``) and passes the
choices as arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from adam.adae import compute_drug_codes, create_adae
from adam.adbm import create_adbm
from adam.adex import compute_drug_plans, create_adex
from adam.adrs import create_adrs
from adam.adsl import DeathCauseSource, create_adsl, derive_vars_signature
from adam.adtr import create_adtr
from adam.adtte import create_adtte, load_endpoints
from adam.recist import ResponseRules
from specs.documents import load_yaml_document
from specs.model import Study

ADSL_FILE = "adsl.yaml"
ADSL_SCHEMA = {
    "drugs": {"type": "list", "required": True, "schema": {"type": "string"}},
    "age_group_cut": {"type": "integer", "required": True},
    "pdl1_cuts": {"type": "list", "required": True, "minlength": 2, "maxlength": 2, "schema": {"type": "number"}},
    "new_anticancer_therapy": {"type": "list", "required": True, "schema": {"type": "dict", "schema": {
        "domain": {"type": "string", "required": True}, "variable": {"type": "string", "required": True},
        "values": {"type": "list", "required": True, "schema": {"type": "string"}}, "start": {"type": "string", "required": True}}}},
    "metastatic_site_flags": {"type": "dict", "required": True, "valuesrules": {"type": "string"}},
    "substances": {"type": "dict", "required": True, "valuesrules": {"type": "string"}},
    "death_cause_sources": {"type": "list", "required": True, "schema": {"type": "dict", "schema": {
        key: {"type": "string", "required": True} for key in ("domain", "variable", "value", "cause", "date")}}},
}


def load_adsl_config(folder: Path) -> dict:
    """Read and validate ``adsl.yaml``."""
    return load_yaml_document(folder / ADSL_FILE, ADSL_SCHEMA)


def cutoff_description(study: Study, cutoff: dt.date) -> str:
    """DCUTDESC: the named analysis the cut-off belongs to, else an ad hoc cut-off."""
    names = [name for name, day in study.cutoffs.items() if day == cutoff]
    return f"{names[0].upper()} ANALYSIS" if names else "AD HOC DATA CUT-OFF"


def build_adam(sdtm: Mapping[str, pd.DataFrame], study: Study, *, cutoff: dt.date) -> dict[str, pd.DataFrame]:
    """ADSL, ADBM, ADRS, ADTTE, ADTR, ADAE and ADEX from the SDTM datasets as written.

    Order: ADSL first, then ADBM (whose signature parameter completes ADSL's SIGFL/SIGGR1),
    then the rest, each from SDTM plus ADSL (ADTTE also from ADRS)."""
    folder = Path(study.folder)
    config = load_adsl_config(folder)
    adsl = create_adsl(
        sdtm, study_sites={s.siteid: s.name for s in study.sites}, arms=study.arms, drugs=config["drugs"], cutoff=cutoff,
        cutoff_description=cutoff_description(study, cutoff),
        new_therapy=[(t["domain"], t["variable"], t["values"], t["start"]) for t in config["new_anticancer_therapy"]],
        site_flags=config["metastatic_site_flags"], substances=config["substances"],
        age_group_cut=config["age_group_cut"], pdl1_cuts=tuple(config["pdl1_cuts"]),
        death_causes=[DeathCauseSource(**source) for source in config["death_cause_sources"]],
    )
    adbm = create_adbm(sdtm["GF"], adsl)
    adsl = derive_vars_signature(adsl, adbm)
    recist = study.analysis.recist
    rules = ResponseRules(recist.confirmation_min_days, recist.sd_min_days, recist.max_ne_between)
    efficacy = adsl[adsl["EFFFL"] == "Y"]
    adrs = create_adrs(sdtm["RS"], efficacy, rules=rules)
    adtte = create_adtte(efficacy, adrs, load_endpoints(folder), schedule=study.analysis.tumour_assessment, cutoff=cutoff)
    treatments = [t for arm in study.arms for t in arm["treatments"]]
    adtr = create_adtr(sdtm["TR"], sdtm["TU"], efficacy, adrs=adrs)
    adae = create_adae(sdtm["AE"], adsl, suppae=sdtm.get("SUPPAE"), ex=sdtm["EX"], drugs=compute_drug_codes(treatments),
                       teae_window_days=study.analysis.teae_window_days)
    adex_params = study.adam.codelists.get("ADEX.PARAMCD") if study.adam else None
    adex = create_adex(sdtm["EX"], adsl, plans=compute_drug_plans(treatments), suppex=sdtm.get("SUPPEX"),
                       paramcds=sorted(adex_params.values) if adex_params else None)
    return {"ADSL": adsl, "ADBM": adbm, "ADRS": adrs, "ADTTE": adtte, "ADTR": adtr, "ADAE": adae, "ADEX": adex}
