"""Publication concordance (tlf/concordance.py): claims, rounding rules, statuses, the report files."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from support import REPO

from tlf.concordance import create_concordance, iter_claims, p_meets, summary_line, write_concordance
from tlf.results import StatRows, create_results

POS, NEG = "SIGGR1=Signature positive", "SIGGR1=Signature negative"


def study_publication() -> dict:
    """The embedded study's publication.yaml (what Study.publication holds)."""
    return yaml.safe_load((REPO / "specs" / "alter_e003" / "publication.yaml").read_text(encoding="utf-8"))


def results(*rows, output_id="T-14.2.1"):
    """A results dataset from (variable, statistic, value, level, group) tuples."""
    stats = StatRows()
    for variable, statistic, value, level, group in rows:
        stats.add(variable, statistic, value, level=level, group=group)
    return create_results({output_id: stats.frame()})


def status(publication, res, path):
    table = create_concordance(publication, res)
    return table.set_index("path").loc[path]


def test_count_match():
    pub = {"efficacy": {"confirmed_bor": {"CR": 1}}}
    assert status(pub, results(("CBOR", "n", 1, "CR", "")), "efficacy.confirmed_bor.CR")["status"] == "match"


def test_count_mismatch():
    pub = {"efficacy": {"confirmed_bor": {"CR": 1}}}
    row = status(pub, results(("CBOR", "n", 2, "CR", "")), "efficacy.confirmed_bor.CR")
    assert (row["status"], row["reproduced"]) == ("mismatch", "2")


def test_percentage_matches_at_one_decimal():
    # 26/46 = 56.5217...% -> 56.5; CI lower 41.1 from 41.0913...
    pub = {"efficacy": {"confirmed_orr": {"pct": 56.5, "ci95": [41.1, 71.1]}}}
    res = results(("CRSP", "pct", 100 * 26 / 46, "Y", ""), ("CRSP", "lcl_pct", 41.0913, "Y", ""),
                  ("CRSP", "ucl_pct", 71.0, "Y", ""))
    table = create_concordance(pub, res).set_index("path")["status"]
    assert table.to_dict() == {"efficacy.confirmed_orr.pct": "match", "efficacy.confirmed_orr.ci95[0]": "match",
                               "efficacy.confirmed_orr.ci95[1]": "mismatch"}


def test_months_match_at_two_decimals_half_up():
    pub = {"efficacy": {"pfs_median_months": {"value": 15.74}}}
    # 15.735 months rounds half up to 15.74 (banker's rounding of the float would give 15.73)
    assert status(pub, results(("PFS", "median_months", 15.735, "", "")),
                  "efficacy.pfs_median_months.value")["status"] == "match"


@pytest.mark.parametrize(("p", "published", "met"), [
    (0.0004, "<0.001", True), (0.0005, "<0.001", False), (0.0007, "<0.001", False),
    (0.0054, 0.005, True), (0.0045, 0.005, True), (0.0055, 0.005, False), (0.0064, 0.006, True),
])
def test_p_value_rounding_rule(p, published, met):
    assert p_meets(p, published) is met


def test_p_value_met_by_either_named_test_is_a_match():
    pub = {"biomarker": {"orr_p_value": {"published": 0.004}}}
    res = results(("CRSP", "p_value", 0.0064, "FISHER", "SIGGR1"), ("CRSP", "p_value", 0.0038, "CHISQ", "SIGGR1"))
    row = status(pub, res, "biomarker.orr_p_value.published")
    assert row["status"] == "match"
    assert "chi-square" in row["reason"]


def test_orr_p_value_irreproducible_from_published_counts():
    pub = {"biomarker": {
        "orr_signature_pos": {"n": 21, "N": 32}, "orr_signature_neg": {"n": 1, "N": 9},
        "orr_p_value": {"published": "<0.001", "note": "not reproducible"},
    }}
    res = results(("CRSP", "p_value", 0.006429694, "FISHER", "SIGGR1"),
                  ("CRSP", "p_value", 0.003762798, "CHISQ", "SIGGR1"))
    row = status(pub, res, "biomarker.orr_p_value.published")
    assert row["status"] == "irreproducible"
    assert "21/32 vs 1/9" in row["reason"]
    assert "P=0.0064" in row["reason"] and "P=0.0038" in row["reason"]


def test_p_value_mismatch_when_published_counts_support_it():
    # 30/32 vs 0/9: Fisher P < 0.0005, so "<0.001" is consistent; results differ -> mismatch
    pub = {"biomarker": {
        "orr_signature_pos": {"n": 30, "N": 32}, "orr_signature_neg": {"n": 0, "N": 9},
        "orr_p_value": {"published": "<0.001"},
    }}
    res = results(("CRSP", "p_value", 0.01, "FISHER", "SIGGR1"), ("CRSP", "p_value", 0.02, "CHISQ", "SIGGR1"))
    assert status(pub, res, "biomarker.orr_p_value.published")["status"] == "mismatch"


def test_missing_when_no_result():
    pub = {"safety": {"trae_any": {"n": 43}}}
    assert status(pub, results(), "safety.trae_any.n")["status"] == "missing"


def test_descriptive_entries_are_listed_not_compared():
    pub = {"study": {"design": "single-arm", "screened": 53}}
    table = create_concordance(pub, results(("DISPOSITION", "n", 53, "Screened", "")))
    assert table.set_index("path")["status"].to_dict() == {"study.design": "descriptive", "study.screened": "match"}
    assert summary_line(table) == "1/1 published values reproduced"


def test_summary_line_counts_irreproducible():
    table = pd.DataFrame({"status": ["match"] * 31 + ["irreproducible", "descriptive"]})
    assert summary_line(table) == "31/32 published values reproduced; 1 irreproducible, see concordance.html"


def test_table_rows_preferred_over_figure_rows():
    stats_fig, stats_tab = StatRows(), StatRows()
    stats_fig.add("PFS", "median_months", 1.0)
    stats_tab.add("PFS", "median_months", 15.74)
    res = create_results({"F-14.2.1": stats_fig.frame(), "T-14.2.2": stats_tab.frame()})
    row = status({"efficacy": {"pfs_median_months": {"value": 15.74}}}, res, "efficacy.pfs_median_months.value")
    assert (row["status"], row["output_id"]) == ("match", "T-14.2.2")


def test_signature_group_lookup():
    pub = {"biomarker": {"orr_signature_neg": {"n": 1, "N": 9, "pct": 11.1}}}
    res = results(("CRSP", "n", 1, "Y", NEG), ("CRSP", "N", 9, "Y", NEG), ("CRSP", "pct", 100 / 9, "Y", NEG),
                  ("CRSP", "n", 21, "Y", POS))
    assert set(create_concordance(pub, res)["status"]) == {"match"}


def test_enrolment_month_and_eligibility_bounds():
    pub = {"study": {"enrollment_first": "2022-03", "eligibility": {"age_min": 18, "age_max": 75}}}
    stats = StatRows()
    stats.add("TRTSDT", "min", None, text="2022-03-04")
    stats.add("AGE", "min", 45)
    stats.add("AGE", "max", 77)
    table = create_concordance(pub, create_results({"T-14.1.2": stats.frame()})).set_index("path")["status"]
    assert table.to_dict() == {"study.enrollment_first": "match", "study.eligibility.age_min": "match",
                               "study.eligibility.age_max": "mismatch"}


def test_claims_of_the_study_publication():
    claims = {c.path: c for c in iter_claims(study_publication())}
    assert claims["efficacy.confirmed_orr.ci95[0]"].published == 41.1
    assert claims["biomarker.orr_p_value.published"].source == "paper"
    assert not any(path.startswith("not_published") or path.endswith(".source") for path in claims)


def test_study_publication_orr_p_is_irreproducible_from_its_own_counts():
    publication = study_publication()
    res = results(("CRSP", "p_value", 0.006429694, "FISHER", "SIGGR1"),
                  ("CRSP", "p_value", 0.003762798, "CHISQ", "SIGGR1"))
    row = status(publication, res, "biomarker.orr_p_value.published")
    assert row["status"] == "irreproducible"
    assert "publication.yaml" in row["reason"]


def test_report_files_escape_html(tmp_path):
    table = create_concordance({"study": {"design": "<b>arm</b>"}}, results())
    csv_path, html_path = write_concordance(table, tmp_path, study_id="ALTER-E-003", cutoff="2024-12-31")
    assert pd.read_csv(csv_path)["published"].tolist() == ["<b>arm</b>"]
    html = html_path.read_text(encoding="utf-8")
    assert "&lt;b&gt;arm&lt;/b&gt;" in html and "<b>arm</b>" not in html
