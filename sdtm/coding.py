"""Study dictionaries: verbatim terms -> coded columns, from the coding tables of the mapping spec.

MedDRA and WHODrug are licensed and not available, so the study keeps small coding tables in
``specs/<study>/coding/`` (declared under ``coding:`` in ``raw_mapping.yaml`` and in the spec's
Dictionaries sheet). Each table is keyed by the normalised verbatim (``KEY``: trimmed, inner blanks
collapsed, upper case, :func:`sdtm.mapping.normalise_text`), so "Hypertension " and "hypertension"
find the same row. Names only: no dictionary codes are stored or invented.

| table            | columns                                | used for                               |
|------------------|----------------------------------------|----------------------------------------|
| adverse_events   | LLT, PT, HLT, HLGT, SOC                | AE (AELLT ... AESOC), MH (MHDECOD ...) |
| medications      | DECOD, ATC_CODE, ATC_CLASS             | CM (CMDECOD, CMCLASCD, CMCLAS)         |
| procedures       | DECOD, LOC                             | PR (PRDECOD, PRLOC)                    |

A verbatim the table does not know is reported (check CODE001, WARNING: file, row, column,
value) and left uncoded (null); the table must be extended, never the verbatim guessed.
"""

from __future__ import annotations

import pandas as pd

from sdtm.context import MappingContext
from sdtm.mapping import normalise_text

EVENT_TABLE = "adverse_events"
MEDICATION_TABLE = "medications"
PROCEDURE_TABLE = "procedures"

EVENT_COLUMNS = {"LLT": "LLT", "PT": "DECOD", "HLT": "HLT", "HLGT": "HLGT", "SOC": "SOC"}
"""Event table column -> coded role (the caller prefixes the domain: AE + DECOD = AEDECOD)."""
MEDICATION_COLUMNS = {"DECOD": "DECOD", "ATC_CODE": "CLASCD", "ATC_CLASS": "CLAS"}
PROCEDURE_COLUMNS = {"DECOD": "DECOD", "LOC": "LOC"}


def compute_text(values: pd.Series) -> pd.Series:
    """Raw text trimmed (inner spacing kept), None for blanks: how verbatims are submitted (--TERM, --TRT).

    >>> compute_text(pd.Series([" Rash ", "  ", None])).tolist()
    ['Rash', None, None]
    """
    text = values.astype(object)
    stripped = {v: (v.strip() or None) if isinstance(v, str) else None for v in pd.unique(text.dropna())}
    return text.map(stripped).astype(object).where(lambda s: s.notna(), None)


def compute_keys(values: pd.Series) -> pd.Series:
    """The lookup keys of raw values (:func:`sdtm.mapping.normalise_text`), computed once per distinct value."""
    text = values.astype(object)
    keys = {v: normalise_text(v) for v in pd.unique(text.dropna())}
    return text.map(keys).astype(object).where(lambda s: s.notna(), None)


def coding_table(rows: list[dict[str, str]], columns: list[str]) -> pd.DataFrame:
    """A coding table indexed by its normalised ``KEY`` (blank cells as None).

    Raises ``ValueError`` when a key appears twice with different codings (a spec error).

    >>> coding_table([{"KEY": "htn", "PT": "Hypertension"}], ["PT"]).loc["HTN", "PT"]
    'Hypertension'
    """
    table = pd.DataFrame(rows, columns=["KEY", *columns], dtype=object)
    table["KEY"] = table["KEY"].map(normalise_text)
    table = table.dropna(subset=["KEY"])
    table[columns] = table[columns].map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None)
    table = table.drop_duplicates()
    clashes = table["KEY"][table["KEY"].duplicated()]
    if not clashes.empty:
        raise ValueError(f"coding table has conflicting rows for {', '.join(sorted(set(clashes)))}")
    return table.set_index("KEY")


def compute_coded_terms(verbatim: pd.Series, table: pd.DataFrame) -> pd.DataFrame:
    """The table columns for each verbatim (aligned with ``verbatim``; None where not coded).

    >>> t = coding_table([{"KEY": "HTN", "PT": "Hypertension"}], ["PT"])
    >>> compute_coded_terms(pd.Series([" htn", "Flu", None]), t)["PT"].tolist()
    ['Hypertension', None, None]
    """
    keys = compute_keys(verbatim)
    coded = table.reindex(keys.to_numpy())
    coded.index = verbatim.index
    return coded.astype(object).where(coded.notna(), None)


def uncoded(verbatim: pd.Series, coded: pd.DataFrame, first_column: str) -> pd.Series:
    """Rows with a verbatim that the table does not code."""
    has_text = compute_keys(verbatim).notna()
    return has_text & coded[first_column].isna()


def _code(ctx: MappingContext, frame: pd.DataFrame, column: str, *, table: str, columns: dict[str, str], prefix: str) -> pd.DataFrame:
    rows = ctx.mapping.coding.get(table, [])
    lookup = coding_table(rows, list(columns))
    coded = compute_coded_terms(frame[column], lookup)
    first = next(iter(columns))
    missing = uncoded(frame[column], coded, first)
    if missing.any():
        ctx.issues.add_rows(frame[missing], column=column, check="CODE001", severity="WARNING",
                            message=f"verbatim is not in the study coding table {table!r}; left uncoded")
    return coded.rename(columns={name: f"{prefix}{role}" for name, role in columns.items()})


def code_events(frame: pd.DataFrame, column: str, ctx: MappingContext, *, prefix: str) -> pd.DataFrame:
    """MedDRA-style names of event verbatims: ``<prefix>LLT``, ``DECOD``, ``HLT``, ``HLGT``, ``SOC``.

    The caller takes --BODSYS from --SOC (the primary SOC of the PT: SDTMIG 3.4 AE assumption 2).
    """
    return _code(ctx, frame, column, table=EVENT_TABLE, columns=EVENT_COLUMNS, prefix=prefix)


def code_medications(frame: pd.DataFrame, column: str, ctx: MappingContext, *, prefix: str = "CM") -> pd.DataFrame:
    """Standardised name and ATC class of medication verbatims: ``CMDECOD``, ``CMCLASCD``, ``CMCLAS``."""
    return _code(ctx, frame, column, table=MEDICATION_TABLE, columns=MEDICATION_COLUMNS, prefix=prefix)


def code_procedures(frame: pd.DataFrame, column: str, ctx: MappingContext, *, prefix: str = "PR") -> pd.DataFrame:
    """CDISC procedure term and location of procedure verbatims: ``PRDECOD``, ``PRLOC``."""
    return _code(ctx, frame, column, table=PROCEDURE_TABLE, columns=PROCEDURE_COLUMNS, prefix=prefix)
