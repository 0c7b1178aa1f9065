"""TU and SUPPTU on hand-made raw rows (real mapping spec, hand-made DM/SE), and on the committed raw data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from oncology_support import MAPPING, S1, STUDY, issues, make_ctx, write_form

from sdtm.build import publishable
from sdtm.tr import map_tr
from sdtm.tu import map_tu
from specs.conformance import check_dataset


def target(visit, date, tlid, loc, nodal="N", diam="20", subject="001"):
    return {"SUBJID": subject, "VISIT": visit, "TRDAT": date, "TLID": tlid, "TLLOC": loc, "TLNODAL": nodal,
            "TRMETHOD": "CT", "TRDIAM": diam}


def nontarget(visit, date, ntlid, loc, subject="001", method="MRI"):
    return {"SUBJID": subject, "VISIT": visit, "TRDAT": date, "NTLID": ntlid, "NTLOC": loc, "TRMETHOD": method, "NTSTAT": "Present"}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    write_form(folder, "01", "tumour_target", [
        target("SCR", "2022-03-15", "T01", "Right upper lobe of lung", diam="25"),
        target("SCR", "2022-03-15", "T02", "Left supraclavicular lymph node", nodal="Y"),
        target("TA_W006", "2022-05-01", "T01", "Right upper lobe of lung", diam="18"),
        target("TA_W006", "2022-05-01", "T02", "Left supraclavicular lymph node", nodal="Y", diam="12"),
    ])
    write_form(folder, "01", "tumour_nontarget", [
        nontarget("SCR", "2022-03-14", "NT01", "Oesophagus, primary tumour (middle thoracic)"),
        nontarget("TA_W006", "2022-05-01", "NT01", "Oesophagus, primary tumour (middle thoracic)"),
    ])
    write_form(folder, "01", "tumour_new", [
        {"VISIT": "TA_W006", "TRDAT": "2022-05-01", "NEWLES": "N"},
        {"VISIT": "TA_W012", "TRDAT": "2022-06-12", "NEWLES": "Y", "NEWLOC": "Bone (L2 vertebra)", "TRMETHOD": "CT"},
    ])
    return folder


def tu_of(raw: Path):
    ctx = make_ctx(raw)
    tu, supp = map_tu(ctx)
    return ctx, tu, supp


def test_one_identification_per_lesion_where_it_is_first_recorded(raw):
    _, tu, _ = tu_of(raw)
    expected = pd.DataFrame({
        "USUBJID": [S1] * 4, "TUSEQ": [1, 2, 3, 4], "TULNKID": ["NT01", "T01", "T02", "NEW01"],
        "TUTESTCD": ["TUMIDENT"] * 4, "TUTEST": ["Tumor Identification"] * 4,
        "TUORRES": ["NON-TARGET", "TARGET", "TARGET", "NEW"], "TUSTRESC": ["NON-TARGET", "TARGET", "TARGET", "NEW"],
        "TULOC": ["ESOPHAGUS, MIDDLE THIRD", "LUNG", "SUPRACLAVICULAR LYMPH NODE", "BONE"],
        "TULAT": [None, "RIGHT", "LEFT", None], "TUDIR": [None, "UPPER", None, None],
        "TUMETHOD": ["MRI", "CT SCAN", "CT SCAN", "CT SCAN"], "TULOBXFL": ["Y", "Y", "Y", None],
        "TUEVAL": ["INVESTIGATOR"] * 4, "VISITNUM": [1.0, 1.0, 1.0, 312.0],
        "VISIT": ["Screening", "Screening", "Screening", "Week 12 Tumour Assessment"],
        "EPOCH": ["SCREENING", "SCREENING", "SCREENING", "TREATMENT"],
        "TUDTC": ["2022-03-14", "2022-03-15", "2022-03-15", "2022-06-12"], "TUDY": [-6, -5, -5, 85],
    })
    got = tu.data.sort_values("TUSEQ")[expected.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_location_text_as_collected_goes_to_supptu(raw):
    _, _, supp = tu_of(raw)
    assert supp.domain == "SUPPTU"
    got = supp.data.sort_values("IDVARVAL")[["RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]]
    assert got.values.tolist() == [
        ["TU", S1, "TUSEQ", "1", "TULOCTXT", "Tumor/Lesion Location as Collected", "Oesophagus, primary tumour (middle thoracic)", "CRF", "INVESTIGATOR"],
        ["TU", S1, "TUSEQ", "2", "TULOCTXT", "Tumor/Lesion Location as Collected", "Right upper lobe of lung", "CRF", "INVESTIGATOR"],
        ["TU", S1, "TUSEQ", "3", "TULOCTXT", "Tumor/Lesion Location as Collected", "Left supraclavicular lymph node", "CRF", "INVESTIGATOR"],
        ["TU", S1, "TUSEQ", "4", "TULOCTXT", "Tumor/Lesion Location as Collected", "Bone (L2 vertebra)", "CRF", "INVESTIGATOR"],
    ]


def test_identification_rows_are_the_primary_source_of_tu(raw):
    _, tu, _ = tu_of(raw)
    assert sorted(zip(tu.data["SOURCE_FILE"], tu.data["SOURCE_ROW"])) == [
        ("site_01/tumour_new.csv", 3), ("site_01/tumour_nontarget.csv", 2), ("site_01/tumour_target.csv", 2),
        ("site_01/tumour_target.csv", 3)]


def test_lesion_first_recorded_after_screening_is_identified_there_and_reported(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("TA_W006", "2022-05-01", "T03", "Liver segment IV")])
    ctx, tu, _ = tu_of(tmp_path)
    assert tu.data[["TULNKID", "VISITNUM", "TULOBXFL"]].values.tolist() == [["T03", 306.0, None]]
    assert issues(ctx, "ONC002")[["row", "column", "value"]].values.tolist() == [[2, "TLID", "T03"]]


def test_unknown_location_is_reported_and_kept(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-03-15", "T01", "Spleen hilum")])
    ctx, tu, supp = tu_of(tmp_path)
    assert tu.data["TULOC"].tolist() == ["SPLEEN HILUM"]
    assert supp.data["QVAL"].tolist() == ["Spleen hilum"]
    assert issues(ctx, "MAP001")[["column", "value"]].values.tolist() == [["TLLOC", "Spleen hilum"]]


def test_tu_reports_no_issue_that_tr_reports(tmp_path):
    write_form(tmp_path, "01", "tumour_target", [target("SCR", "2022-02-30", "T01", "Liver segment IV"),
                                                  target("SCR", "2022-03-15", "T02", "Liver segment IV", subject="099")])
    ctx = make_ctx(tmp_path)
    map_tu(ctx)
    assert ctx.issues.to_frame().empty
    map_tr(ctx)
    assert sorted(issues(ctx)["check"]) == ["DATE001", "SUBJ001"]


def test_location_maps_cover_the_same_texts():
    locations = set(MAPPING.value_maps["TULOC"])
    assert set(MAPPING.value_maps["TULAT"]) == locations
    assert set(MAPPING.value_maps["TUDIR"]) == locations


@pytest.mark.slow
def test_committed_raw_data_conform():
    from sdtm.context import MappingContext
    from sdtm.dm import map_dm
    from sdtm.se import map_se

    raw = Path(STUDY.folder).parents[1] / "rawdata" / "alter_e003"
    ctx = MappingContext(study=STUDY, mapping=MAPPING, raw=raw, cutoff=STUDY.cutoff_date())
    for mapper in (map_dm, map_se):
        produced = mapper(ctx)
        ctx.results[produced.domain] = produced
    tu, supp = map_tu(ctx)
    for result in (tu, supp):
        findings = check_dataset(publishable(result.data), STUDY.sdtm.dataset(result.domain), STUDY.sdtm.codelists,
                                 STUDY.sdtm.value_level)
        assert findings[findings["severity"] == "Error"].empty, findings
    assert issues(ctx, "MAP001").empty
    assert tu.data.groupby("USUBJID")["TULNKID"].apply(lambda s: s.is_unique).all()
    baseline = tu.data[tu.data["TUORRES"] != "NEW"]
    assert (baseline["TULOBXFL"] == "Y").all()


def test_every_lesion_location_the_simulator_writes_is_in_the_location_maps():
    from edc.recist import NEW_LESION_SITES, NODE_SITES, NON_TARGET_ONLY, ORGAN_SITES, REGIONAL_NODES, primary_site
    from edc.simulate import load_config
    from sdtm.mapping import normalise_text

    written = {*NODE_SITES, *REGIONAL_NODES, *NEW_LESION_SITES}
    written |= {site for sites in (*ORGAN_SITES.values(), *NON_TARGET_ONLY.values()) for site in sites}
    written |= {primary_site(location) for location in load_config()["population"]["location"]}
    known = {normalise_text(text) for text in MAPPING.value_maps["TULOC"]}
    assert sorted(text for text in written if normalise_text(text) not in known) == []
