"""What the rules see: each dataset's standard, domain and class, and the study around it.

Datasets are classified from their name and structure alone, so any study's SDTM or ADaM can
be validated: a dataset named ``AD*`` (or with PARAMCD and no DOMAIN) is ADaM (SUBJECT LEVEL for ADSL,
TTE when it has CNSR or TTE in its name, BDS when it has PARAMCD, OCCDS otherwise); every other dataset is SDTM,
its domain taken from DOMAIN (so split datasets such as LBCH belong to LB, SDTMIG 3.4 section
4.1.7), its class from the SDTMIG domain list or, for a custom domain, from its topic variable
(--TESTCD findings, --TRT interventions, --TERM events).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from specs.model import DatasetSpec, Standard
from specs.rules.dates import complete_date
from specs.rules.define import DefineMetadata
from specs.rules.registry import present, text

SPECIAL_PURPOSE = frozenset({"DM", "CO", "SE", "SV", "SM", "SJ"})
TRIAL_DESIGN = frozenset({"TA", "TE", "TV", "TI", "TS", "TD", "TM"})
INTERVENTIONS = frozenset({"EX", "EC", "CM", "PR", "SU", "AG", "ML"})
EVENTS = frozenset({"AE", "MH", "DS", "DV", "CE", "HO", "BE"})
FINDINGS = frozenset({
    "LB", "VS", "EG", "QS", "SC", "PE", "FA", "IE", "MB", "MS", "PC", "PP", "TU", "TR", "RS",
    "DA", "DD", "RP", "IS", "CV", "MO", "NV", "RE", "UR", "OE", "SS", "FT", "GF", "CP", "MI",
    "MK", "BS", "SR",
})
RELATIONSHIP = frozenset({"RELREC", "RELSUB", "RELSPEC", "SUPPQUAL"})
NOT_TREATED = frozenset({"SCRNFAIL", "NOTASSGN", "NOTTRT"})
"""ARMCD/ACTARMCD values of subjects who were never treated (SDTMIG 3.4 section 5.2, DM assumption 4)."""


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset as the rules address it."""

    name: str
    standard: str  # SDTM | ADaM
    domain: str  # SDTM domain code (LB for LBCH), SUPPQUAL, RELREC; ADaM: the dataset name
    prefix: str  # variable prefix that replaces "--" (the domain code; "" where none applies)
    cls: str  # SDTM class or ADaM class (SUBJECT LEVEL, BDS, TTE, OCCDS)
    records: int
    label: str | None = None

    def var(self, name: str) -> str:
        """A variable name with ``--`` replaced by the domain prefix (``--SEQ`` -> ``AESEQ``)."""
        return self.prefix + name[2:] if name.startswith("--") else name

    def vars(self, *names: str) -> list[str]:
        """Several names through :meth:`var`."""
        return [self.var(n) for n in names]


def classify(name: str, data: pd.DataFrame, label: str | None = None) -> DatasetInfo:
    """Standard, domain, prefix and class of a dataset from its name and columns."""
    name = name.upper()
    columns = set(data.columns)
    if (name.startswith("AD") and len(name) > 2) or ("DOMAIN" not in columns and "PARAMCD" in columns):
        if name == "ADSL":
            cls = "SUBJECT LEVEL"
        elif "PARAMCD" in columns and ("CNSR" in columns or "TTE" in name):
            cls = "TTE"
        elif "PARAMCD" in columns:
            cls = "BDS"
        else:
            cls = "OCCDS"
        return DatasetInfo(name, "ADaM", name, "", cls, len(data), label)
    if name.startswith("SUPP") or name == "SUPPQUAL":
        return DatasetInfo(name, "SDTM", "SUPPQUAL", "", "RELATIONSHIP", len(data), label)
    if name in RELATIONSHIP:
        return DatasetInfo(name, "SDTM", name, "", "RELATIONSHIP", len(data), label)
    domain = name[:2]
    if "DOMAIN" in columns:
        values = text(data["DOMAIN"]).dropna()
        if not values.empty:
            domain = str(values.mode().iloc[0]).upper()
    prefix = domain if len(domain) == 2 else domain[:2]
    if domain in SPECIAL_PURPOSE:
        cls = "SPECIAL PURPOSE"
    elif domain in TRIAL_DESIGN:
        cls = "TRIAL DESIGN"
    elif domain in INTERVENTIONS or f"{prefix}TRT" in columns:
        cls = "INTERVENTIONS"
    elif domain in EVENTS or f"{prefix}TERM" in columns:
        cls = "EVENTS"
    elif domain in FINDINGS or f"{prefix}TESTCD" in columns:
        cls = "FINDINGS"
    else:
        cls = "OTHER"
    return DatasetInfo(name, "SDTM", domain, prefix, cls, len(data), label)


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Split datasets of one domain as one frame; character columns stay Categoricals."""
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    stacked = {}
    for column in columns:
        parts = [f[column] if column in f.columns else pd.Series(np.nan, index=f.index) for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            stacked[column] = union_categoricals([p.array for p in parts])
        elif all(p.dtype == "float64" for p in parts):
            stacked[column] = np.concatenate([p.to_numpy() for p in parts])
        else:
            stacked[column] = np.concatenate([p.astype(object).to_numpy() for p in parts])
    return pd.DataFrame(stacked, index=pd.RangeIndex(sum(len(f) for f in frames)))


@dataclass
class Context:
    """The study being validated: every dataset, their classification and the engine options.

    ``formats``, ``lengths`` and ``labels`` (per dataset, per variable) come from the XPT files
    when validating a folder; ``dataset_labels`` from the XPT member labels.
    """

    datasets: dict[str, pd.DataFrame]
    info: dict[str, DatasetInfo]
    standards: tuple[Standard, ...] = ()
    define: DefineMetadata | None = None
    cutoff: dt.date | None = None
    formats: dict[str, dict[str, str]] = field(default_factory=dict)
    lengths: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    def names(self, standard: str | None = None, domain: str | None = None) -> list[str]:
        """Dataset names, optionally of one standard and/or SDTM domain, in sorted order."""
        return sorted(
            n for n, i in self.info.items()
            if (standard is None or i.standard == standard) and (domain is None or i.domain == domain)
        )

    def has(self, domain: str) -> bool:
        """True when a dataset of this domain (or ADaM dataset of this name) is present."""
        return any(i.domain == domain for i in self.info.values())

    def domain(self, code: str) -> pd.DataFrame | None:
        """All records of a domain (split datasets stacked), or None when absent."""
        return self._domains.get(code)

    @cached_property
    def _domains(self) -> dict[str, pd.DataFrame]:
        grouped: dict[str, list[pd.DataFrame]] = {}
        for name in sorted(self.info):
            grouped.setdefault(self.info[name].domain, []).append(self.datasets[name])
        return {d: f[0] if len(f) == 1 else _stack(f) for d, f in grouped.items()}

    def spec(self, name: str) -> tuple[DatasetSpec, Standard] | None:
        """The spec of a dataset in the first standard that has it, with that standard."""
        for standard in self.standards:
            if name in standard.datasets:
                return standard.datasets[name], standard
        return None

    @cached_property
    def subjects(self) -> pd.DataFrame | None:
        """DM (or, for ADaM-only packages, ADSL) indexed by USUBJID: one row per subject.

        Adds ``_RFSTDT``: the day number of RFSTDTC's date (NaN when partial or missing).
        """
        dm = self.domain("DM")
        if dm is None or "USUBJID" not in dm.columns:
            return None
        dm = dm[present(dm["USUBJID"])].drop_duplicates("USUBJID").copy()
        dm["USUBJID"] = text(dm["USUBJID"])
        if "RFSTDTC" in dm.columns:
            dm["_RFSTDT"] = complete_date(dm["RFSTDTC"])
        return dm.set_index("USUBJID")

    def subject_value(self, usubjid: pd.Series, variable: str) -> pd.Series:
        """A DM variable looked up for each record's USUBJID (NaN where absent)."""
        dm = self.subjects
        if dm is None or variable not in dm.columns:
            return pd.Series(pd.NA, index=usubjid.index, dtype=object)
        return text(usubjid).map(dm[variable])

    @cached_property
    def adsl(self) -> pd.DataFrame | None:
        """ADSL indexed by USUBJID (first record per subject), or None."""
        adsl = self.datasets.get("ADSL")
        if adsl is None or "USUBJID" not in adsl.columns:
            return None
        adsl = adsl[present(adsl["USUBJID"])].drop_duplicates("USUBJID").copy()
        adsl["USUBJID"] = text(adsl["USUBJID"])
        return adsl.set_index("USUBJID")
