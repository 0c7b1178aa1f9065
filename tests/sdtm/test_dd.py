"""DD: the primary cause of death from the survival follow-up form, on hand-made raw rows."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import sdtm_support
from sdtm_support import outcomes

from sdtm.context import DomainResult, MappingContext
from sdtm.dd import map_dd
from sdtm.mapping import load_mapping
from specs.loader import load_study

STUDY = load_study("alter_e003")
MAPPING = load_mapping(Path(STUDY.folder))
CUTOFF = dt.date(2024, 12, 31)
KEYS = {"STUDYID": "ALTER-E-003", "FORMOID": "SF"}
S1, S2, S3, S4 = (f"ALTER-E-003-02-00{n}" for n in range(1, 5))
FORM = "survival_followup"

write_form = partial(sdtm_support.write_form, mapping=MAPPING, keys=KEYS)
errors = partial(sdtm_support.errors, study=STUDY)


def make_ctx(raw: Path) -> MappingContext:
    ctx = MappingContext(STUDY, MAPPING, raw, CUTOFF)
    dm = pd.DataFrame({"USUBJID": [S1, S2, S3, S4], "RFSTDTC": ["2022-01-10"] * 4})
    ctx.results["DM"] = DomainResult("DM", dm)
    se = pd.DataFrame({"USUBJID": [S1], "SESTDTC": ["2022-01-10"], "SEENDTC": [None], "EPOCH": ["FOLLOW-UP"]})
    ctx.results["SE"] = DomainResult("SE", se)
    return ctx


def _contact(subjid: str, visit: int, date: str, status: str, death: str = "", cause: str = "") -> dict:
    return {"SUBJID": subjid, "VISIT": f"FU{visit:02d}", "VISITNAME": f"Survival Follow-up {visit}", "SFDAT": date,
            "SFMETHOD": "Telephone", "SFSTAT": status, "DTHDAT": death, "DTHCAUS": cause}


ROWS = [
    _contact("001", 1, "2022-06-01", "Alive"),
    _contact("001", 2, "2022-09-03", "Dead", "2022-08-30", " Disease progression "),
    _contact("001", 3, "2022-12-01", "Dead", "2022-08-30", "Disease progression"),  # reported again
    _contact("002", 1, "2022-07-01", "Dead", "2022-06", "Pneumonia"),                  # partial death date
    _contact("003", 1, "2025-02-01", "Dead", "2025-01-20", "Sudden death"),            # death after cut-off
    _contact("004", 1, "2022-05-01", "Dead", "2022-04-28", ""),                        # no cause given
    _contact("009", 1, "2022-05-01", "Dead", "2022-04-28", "Pneumonia"),               # not in DM
]


def test_one_primary_cause_record_per_death(tmp_path):
    write_form(tmp_path, "02", FORM, ROWS)
    result = map_dd(make_ctx(tmp_path))
    dd = result.data.set_index("USUBJID")
    assert list(dd.index) == [S1, S2]
    assert dd["DDTESTCD"].eq("PRCDTH").all() and dd["DDTEST"].eq("Primary Cause of Death").all()
    assert dd.loc[S1, ["DDORRES", "DDSTRESC", "DDDTC", "DDSEQ"]].tolist() == ["Disease progression", "Disease progression", "2022-09-03", 1]
    assert dd.loc[S1, "DDDY"] == 237 and dd.loc[S1, "EPOCH"] == "FOLLOW-UP"
    assert dd.loc[S2, "DDORRES"] == "Pneumonia"
    assert errors(result).empty


def test_every_row_with_a_death_is_accounted_for_with_its_reason(tmp_path):
    write_form(tmp_path, "02", FORM, ROWS)
    ctx = make_ctx(tmp_path)
    result = map_dd(ctx)
    file = "site_02/survival_followup.csv"
    reasons = dict(zip(result.excluded["SOURCE_ROW"], result.excluded["REASON"]))
    assert reasons == {4: "death already reported on an earlier contact", 6: "death after data cut-off 2024-12-31",
                       7: "death without a reported cause"}
    assert result.rejected[["SOURCE_ROW", "REASON"]].values.tolist() == [[8, "subject not in demographics"]]
    status = outcomes(ctx, [result], [FORM])
    assert status[(file, 2)] == "unaccounted"   # an 'Alive' contact is SS's, not DD's
    assert {row: status[(file, row)] for row in (3, 5)} == {3: "mapped", 5: "mapped"}
    found = [(i.row, i.check, i.severity) for i in ctx.issues.issues if i.check in ("DD001", "SUBJ001")]
    assert sorted(found) == [(7, "DD001", "WARNING"), (8, "SUBJ001", "ERROR")]
