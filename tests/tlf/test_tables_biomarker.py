"""Response by signature group and by subgroup (tlf/tables/biomarker.py).

The publication's groups: 21/32 responders with the signature, 1/9 without. Textbook values
(R 4.3): ``fisher.test(matrix(c(21, 11, 1, 8), 2, byrow = TRUE))$p.value`` = 0.006430;
``chisq.test(matrix(c(21, 11, 1, 8), 2, byrow = TRUE), correct = FALSE)$p.value`` = 0.003763.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tlf.tables.biomarker import build_orr_by_signature_table, build_subgroup_orr_table
from tlf.tables.common import MissingInputError, Settings

POS, NEG = "Signature positive", "Signature negative"


@pytest.fixture
def publication_groups():
    """41 NGS-evaluable subjects (21/32 and 1/9 confirmed responders) and 5 without NGS (4 responders)."""
    groups = [POS] * 32 + [NEG] * 9 + [None] * 5
    responders = [True] * 21 + [False] * 11 + [True] + [False] * 8 + [True] * 4 + [False]
    ids = [f"S{i:02d}" for i in range(1, 47)]
    adsl = pd.DataFrame({"USUBJID": ids, "EFFFL": "Y", "BMEVLFL": ["Y"] * 41 + ["N"] * 5, "SIGGR1": groups,
                         "SEX": ["M", "F"] * 23})
    adrs = pd.concat([
        pd.DataFrame({"USUBJID": ids, "PARAMCD": "CRSP", "AVALC": ["Y" if r else "N" for r in responders]}),
        pd.DataFrame({"USUBJID": ids, "PARAMCD": "CCB", "AVALC": "Y"}),
        pd.DataFrame({"USUBJID": ids, "PARAMCD": "CBOR", "AVALC": ["PR" if r else "SD" for r in responders]}),
    ], ignore_index=True)
    return adsl, adrs


def value(built, variable, statistic, level, group):
    s = built.stats
    return s.loc[(s["VARIABLE"] == variable) & (s["STATISTIC"] == statistic) & (s["LEVEL"] == level)
                 & (s["GROUP"] == group), "VALUE"].item()


def test_orr_per_group(publication_groups):
    built = build_orr_by_signature_table(*publication_groups, settings=Settings(population="BMEVLFL"))
    assert (value(built, "CRSP", "n", "Y", f"SIGGR1={POS}"), value(built, "CRSP", "N", "Y", f"SIGGR1={POS}")) == (21, 32)
    assert value(built, "CRSP", "pct", "Y", f"SIGGR1={NEG}") == pytest.approx(100 / 9)


def test_fisher_and_chi_square_textbook(publication_groups):
    built = build_orr_by_signature_table(*publication_groups, settings=Settings(population="BMEVLFL"))
    assert value(built, "CRSP", "p_value", "FISHER", "SIGGR1") == pytest.approx(0.006430, abs=1e-6)
    assert value(built, "CRSP", "p_value", "CHISQ", "SIGGR1") == pytest.approx(0.003763, abs=1e-6)


def test_both_tests_printed_after_the_orr_rows(publication_groups):
    body = build_orr_by_signature_table(*publication_groups, settings=Settings(population="BMEVLFL")).body
    orr = body[body["Section"].str.startswith("Objective")]
    assert orr["Characteristic"].tolist() == ["n (%)", "95% CI (exact)", "Fisher exact test, two-sided P",
                                              "Pearson chi-square test P"]
    assert orr[POS].tolist()[2:] == ["0.006", "0.004"]
    assert body["Section"].drop_duplicates().tolist()[-1].startswith("Disease control")


def test_orr_by_signature_needs_siggr1(publication_groups):
    adsl, adrs = publication_groups
    with pytest.raises(MissingInputError):
        build_orr_by_signature_table(adsl.drop(columns="SIGGR1"), adrs, settings=Settings(population="BMEVLFL"))


def test_subgroup_rates(publication_groups):
    built = build_subgroup_orr_table(*publication_groups, settings=Settings(population="EFFFL"))
    # men are rows 0, 2, 4, ...: responders 0-20 (11 men), 32 (1), 41-44 (2) -> 14
    assert value(built, "CRSP", "n", "Y", "SEX=M") == 14
    rows = built.body.set_index(["Subgroup", "Level"])
    assert rows.loc[("TP53+/FAT1+/NOTCH3- signature", POS), "Responders/N"] == "21/32"
    assert built.context == {"n": 46}


def test_subgroup_levels_in_display_order(publication_groups):
    body = build_subgroup_orr_table(*publication_groups, settings=Settings(population="EFFFL")).body
    assert body.loc[body["Subgroup"] == "Sex", "Level"].tolist() == ["Male", "Female"]
