"""The whole package on the embedded study: reconciled, conformant, deterministic, and on the
published numbers (study publication.yaml) at the final cut-off."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from rich.console import Console

from specs.define import validate_define
from specs.loader import load_study
from subpack.pipeline import run_pipeline
from tlf.stats import KaplanMeier, clopper_pearson_ci

STUDY = load_study("alter_e003")
PUBLICATION = yaml.safe_load((Path(STUDY.folder) / "publication.yaml").read_text())
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def package(embedded_package) -> Path:
    """The package at the default cut-off (tests/conftest.py builds it once per session)."""
    return embedded_package


def _xpt(package: Path, standard: str, name: str) -> pd.DataFrame:
    frame, _ = pyreadstat.read_xport(package / standard / f"{name}.xpt")
    return frame


def test_every_raw_record_is_accounted_for(package):
    summary = pd.read_csv(package / "reports" / "sdtm_reconciliation_summary.csv")
    assert summary["unaccounted"].sum() == 0
    assert summary["raw_records"].sum() == summary["accounted"].sum() > 13_000
    ledger = pd.read_csv(package / "reports" / "sdtm_reconciliation.csv")
    # the planted duplicate AE row is the one rejection, with its reason
    assert ledger.loc[ledger["STATUS"] == "rejected", "REASON"].tolist() == ["duplicate record"]


def assert_no_conformance_or_validation_errors(package: Path) -> None:
    """No error in the spec conformance reports, the validation workbooks or the define.xml checks."""
    for name in ("sdtm_conformance.csv", "adam_conformance.csv"):
        findings = pd.read_csv(package / "reports" / name)
        assert findings[findings["severity"] == "Error"].empty, findings.head()
    for standard in ("sdtm", "adam"):
        issues = pd.read_excel(package / "reports" / f"validation_{standard}.xlsx", sheet_name="Issue Summary")
        assert issues[issues["Severity"] == "Error"].empty, issues
        assert validate_define(package / standard / "define.xml") == []


def test_conformance_and_validation_have_no_errors(package):
    assert_no_conformance_or_validation_errors(package)


def test_manifest_lists_every_output_with_checksums(package):
    manifest = json.loads((package / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert {"sdtm/dm.xpt", "sdtm/dm.json", "adam/adsl.xpt", "sdtm/define.xml", "reports/data_issues.csv"} <= paths
    on_disk = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()} - {"manifest.json", "run.log"}
    assert paths == on_disk


def test_study_population_counts(package):
    adsl = _xpt(package, "adam", "adsl")
    study = PUBLICATION["study"]
    assert len(adsl) == study["screened"]
    assert (adsl["SAFFL"] == "Y").sum() == study["treated"]
    assert (adsl["EFFFL"] == "Y").sum() == study["treated"]
    assert adsl["SITEID"].nunique() == study["sites"]
    assert (adsl["BMEVLFL"] == "Y").sum() == PUBLICATION["biomarker"]["ngs_evaluable"]


@pytest.mark.parametrize(("paramcd", "target"), [("CBOR", "confirmed_bor"), ("BOR", "unconfirmed_bor")])
def test_best_overall_response_counts(package, paramcd, target):
    adrs = _xpt(package, "adam", "adrs")
    counts = adrs.loc[adrs["PARAMCD"] == paramcd, "AVALC"].value_counts().to_dict()
    expected = {k: v for k, v in PUBLICATION["efficacy"][target].items() if k in ("CR", "PR", "SD", "PD", "NE")}
    assert counts == expected


@pytest.mark.parametrize(("paramcd", "target"), [("CRSP", "confirmed_orr"), ("CCB", "dcr"), ("RSP", "unconfirmed_orr")])
def test_rates_and_exact_confidence_intervals(package, paramcd, target):
    adrs = _xpt(package, "adam", "adrs")
    flags = adrs.loc[adrs["PARAMCD"] == paramcd, "AVALC"]
    published = PUBLICATION["efficacy"][target]
    n, total = int((flags == "Y").sum()), len(flags)
    low, high = clopper_pearson_ci(n, total)
    assert (n, total) == (published["n"], published["N"])
    assert [round(100 * n / total, 1), round(100 * low, 1), round(100 * high, 1)] == [published["pct"], *published["ci95"]]


def test_median_pfs_with_brookmeyer_crowley_interval(package):
    adtte = _xpt(package, "adam", "adtte")
    pfs = adtte[adtte["PARAMCD"] == "PFS"]
    km = KaplanMeier(level=STUDY.analysis.ci_level).fit(pfs["AVAL"] / STUDY.analysis.days_per_month, (pfs["CNSR"] == 0).astype(int))
    published = PUBLICATION["efficacy"]["pfs_median_months"]
    assert round(km.median_, 2) == published["value"]
    assert [round(x, 2) for x in km.median_ci_] == published["ci95"]


def test_rerun_gives_byte_identical_outputs(package, tmp_path):
    again = tmp_path / "again"
    assert run_pipeline("alter_e003", out=again, console=Console(quiet=True)) == 0
    assert (again / "manifest.json").read_bytes() == (package / "manifest.json").read_bytes()


def test_interim_cutoff_runs_and_keeps_the_response_counts(tmp_path):
    out = tmp_path / "interim"
    assert run_pipeline("alter_e003", out=out, cutoff="interim", console=Console(quiet=True)) == 0
    adsl, _ = pyreadstat.read_xport(out / "adam" / "adsl.xpt")
    assert set(adsl["DCUTDESC"]) == {"INTERIM ANALYSIS"}
    adrs, _ = pyreadstat.read_xport(out / "adam" / "adrs.xpt")
    counts = adrs.loc[adrs["PARAMCD"] == "CBOR", "AVALC"].value_counts().to_dict()
    assert counts == {k: v for k, v in PUBLICATION["efficacy"]["confirmed_bor"].items()}
    assert_no_conformance_or_validation_errors(out)  # a subsequent therapy after the last contact: RFPENDTC


def test_treatment_related_adverse_events(package):
    adae = _xpt(package, "adam", "adae")
    related = adae[(adae["TRTEMFL"] == "Y") & (adae["AREL"] == "RELATED")]
    safety = PUBLICATION["safety"]
    assert related["USUBJID"].nunique() == safety["trae_any"]["n"]
    assert related.loc[related["ATOXGRN"] >= 3, "USUBJID"].nunique() == safety["trae_grade3plus"]["n"]


def test_signature_groups_and_their_confirmed_response(package):
    adsl = _xpt(package, "adam", "adsl")
    adrs = _xpt(package, "adam", "adrs")
    biomarker = PUBLICATION["biomarker"]
    responders = set(adrs.loc[(adrs["PARAMCD"] == "CRSP") & (adrs["AVALC"] == "Y"), "USUBJID"])
    for flag, target in (("Y", "orr_signature_pos"), ("N", "orr_signature_neg")):
        group = adsl.loc[adsl["SIGFL"] == flag, "USUBJID"]
        assert (len(responders & set(group)), len(group)) == (biomarker[target]["n"], biomarker[target]["N"])


def test_response_qc_finds_the_two_planted_discrepancies(package):
    from adam.recist_qc import compute_recist_response, filter_response_discrepancies

    adtr = _xpt(package, "adam", "adtr")
    tr, tu, rs = (_xpt(package, "sdtm", name) for name in ("tr", "tu", "rs"))
    found = filter_response_discrepancies(compute_recist_response(adtr, tr, tu), rs)
    assert sorted(found["USUBJID"].unique()) == ["ALTER-E-003-01-010", "ALTER-E-003-03-006"]


def test_publication_concordance(package):
    concordance = pd.read_csv(package / "concordance.csv")
    statuses = concordance["status"].value_counts().to_dict()
    assert statuses.get("mismatch", 0) == 0
    irreproducible = concordance[concordance["status"] == "irreproducible"]
    assert irreproducible["path"].tolist() == ["biomarker.orr_p_value.published"]
    assert statuses["match"] >= 50
    assert (package / "concordance.html").exists() and (package / "tlf" / "tlf_bundle.pdf").exists()


def test_every_rtf_output_is_well_formed(package):
    for path in (package / "tlf").glob("*.rtf"):
        text = path.read_text(encoding="ascii")
        assert text.startswith("{\\rtf1") and text.count("{") == text.count("}"), path.name


def test_subpack_define_regenerates_the_same_define(package, tmp_path):
    import shutil

    from subpack.cli import main

    copy = tmp_path / "copy"
    shutil.copytree(package, copy)
    (copy / "sdtm" / "define.xml").unlink()
    assert main(["define", str(copy)]) == 0
    for standard in ("sdtm", "adam"):
        assert (copy / standard / "define.xml").read_bytes() == (package / standard / "define.xml").read_bytes()
    assert main(["define", str(tmp_path / "empty")]) == 2


def test_adam_define_describes_the_primary_endpoint_and_pfs(package):
    from lxml import etree

    tree = etree.parse(str(package / "adam" / "define.xml"))
    ns = {"arm": "http://www.cdisc.org/ns/arm/v1.0"}
    results = tree.xpath("//arm:AnalysisResult", namespaces=ns)
    assert [(r.get("OID"), r.get("AnalysisPurpose")) for r in results] == [
        ("AR.ORR", "PRIMARY OUTCOME MEASURE"), ("AR.PFS", "SECONDARY OUTCOME MEASURE")]
    # the displays the results point to are files of this package
    hrefs = tree.xpath("//*[local-name()='leaf']/@*[local-name()='href']")
    for href in (h for h in hrefs if h.startswith("../tlf/")):
        assert (package / "adam" / href).resolve().is_file(), href
    assert validate_define(package / "adam" / "define.xml") == []


def test_an_uncalibrated_simulated_study_builds_without_errors(tmp_path):
    """300 screened subjects drawn from the simulator's distributions meet values and edge cases the
    53 calibrated ones do not (every ethnic group and lesion site, an assessment with no target
    lesion measured); the package is built with no error anywhere."""
    from edc.simulate import write_scaled_study

    raw, out = tmp_path / "raw", tmp_path / "pkg"
    write_scaled_study(raw, subjects=300, seed=1)
    assert run_pipeline("alter_e003", out=out, raw=raw, console=Console(quiet=True)) == 0
    assert_no_conformance_or_validation_errors(out)
    issues = pd.read_csv(out / "reports" / "data_issues.csv")
    assert issues[issues["severity"] == "ERROR"].empty, issues.head()
    dm = _xpt(out, "sdtm", "dm")
    assert dm["USUBJID"].nunique() == 300
