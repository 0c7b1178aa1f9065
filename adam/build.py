"""Build the ADaM datasets from SDTM frames in dependency order, with the study's choices.

Thin composition: each dataset's rules live in its module (adsl, adrs, adtte, ...); this module
reads the study's ADaM configuration files (``adsl.yaml``, ``endpoints.yaml``) and passes the
choices as arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import cerberus
import pandas as pd
import yaml

from adam.adrs import create_adrs
from adam.adsl import create_adsl
from adam.adtte import create_adtte, load_endpoints
from adam.recist import ResponseRules
from specs.errors import SpecError, SpecProblem
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
}


def load_adsl_config(folder: Path) -> dict:
    """Read and validate ``adsl.yaml``."""
    path = folder / ADSL_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (FileNotFoundError, yaml.YAMLError) as exc:
        raise SpecError([SpecProblem(str(path), "", None, None, f"cannot read: {exc}")]) from None
    validator = cerberus.Validator(ADSL_SCHEMA)
    if not validator.validate(document):
        raise SpecError([SpecProblem(str(path), "", None, key, str(msg)) for key, msg in sorted(validator.errors.items())])
    return document


def cutoff_description(study: Study, cutoff: dt.date) -> str:
    """DCUTDESC: the named analysis the cut-off belongs to, else an ad hoc cut-off."""
    names = [name for name, day in study.cutoffs.items() if day == cutoff]
    return f"{names[0].upper()} ANALYSIS" if names else "AD HOC DATA CUT-OFF"


def build_adam(sdtm: Mapping[str, pd.DataFrame], study: Study, *, cutoff: dt.date) -> dict[str, pd.DataFrame]:
    """ADSL, ADRS and ADTTE from the SDTM datasets as written."""
    folder = Path(study.folder)
    config = load_adsl_config(folder)
    adsl = create_adsl(
        sdtm, study_sites={s.siteid: s.name for s in study.sites}, arms=study.arms, drugs=config["drugs"], cutoff=cutoff,
        cutoff_description=cutoff_description(study, cutoff),
        new_therapy=[(t["domain"], t["variable"], t["values"], t["start"]) for t in config["new_anticancer_therapy"]],
        site_flags=config["metastatic_site_flags"], substances=config["substances"],
        age_group_cut=config["age_group_cut"], pdl1_cuts=tuple(config["pdl1_cuts"]),
    )
    recist = study.analysis.recist
    rules = ResponseRules(recist.confirmation_min_days, recist.sd_min_days, recist.max_ne_between)
    efficacy = adsl[adsl["EFFFL"] == "Y"]
    adrs = create_adrs(sdtm["RS"], efficacy, rules=rules)
    adtte = create_adtte(efficacy, adrs, load_endpoints(folder), schedule=study.analysis.tumour_assessment, cutoff=cutoff)
    return {"ADSL": adsl, "ADRS": adrs, "ADTTE": adtte}
