"""Raw form reader: provenance columns, bad encodings and missing columns become data issues."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from edc.issues import IssueLog
from edc.readers import read_form


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    (tmp_path / "site_01").mkdir()
    (tmp_path / "site_02").mkdir()
    (tmp_path / "site_01" / "ae.csv").write_text('SUBJID,AETERM,AESTDAT\n001,Nausea ,2022-03-01\n002,"Rash,\nitchy",\n', encoding="utf-8")
    (tmp_path / "site_02" / "ae.csv").write_text("SUBJID,AETERM,AESTDAT,EXTRA\n001,Fatigue,UN-MAR-2022,x\n", encoding="utf-8")
    return tmp_path


def test_rows_from_all_sites_with_provenance_and_raw_text(raw):
    issues = IssueLog()
    form = read_form(raw, "ae", columns=["SUBJID", "AETERM", "AESTDAT"], issues=issues)
    data = form.data
    assert data["SOURCE_FILE"].tolist() == ["site_01/ae.csv", "site_01/ae.csv", "site_02/ae.csv"]
    # header is row 1; a quoted newline stays inside its record
    assert data["SOURCE_ROW"].tolist() == [2, 3, 2]
    assert data["SITEFOLDER"].tolist() == ["site_01", "site_01", "site_02"]
    assert data["AETERM"].tolist() == ["Nausea ", "Rash,\nitchy", "Fatigue"]  # not trimmed here
    assert data["AESTDAT"].tolist() == ["2022-03-01", None, "UN-MAR-2022"]
    assert "EXTRA" not in data.columns
    assert form.rejected.empty
    assert [(i.file, i.column, i.check, i.severity) for i in issues.issues] == [("site_02/ae.csv", "EXTRA", "RAW003", "WARNING")]


def test_missing_required_column_rejects_the_files_rows(raw):
    (raw / "site_02" / "ae.csv").write_text("SUBJID,AESTDAT\n001,2022-03-01\n002,2022-03-02\n", encoding="utf-8")
    issues = IssueLog()
    form = read_form(raw, "ae", columns=["SUBJID", "AETERM", "AESTDAT"], issues=issues)
    assert len(form.data) == 2
    assert form.rejected.values.tolist() == [
        ["site_02/ae.csv", 2, "missing column(s) AETERM"],
        ["site_02/ae.csv", 3, "missing column(s) AETERM"],
    ]
    assert [str(i) for i in issues.issues] == [
        "site_02/ae.csv row 1 column AETERM: required column is missing; none of the file's rows are mapped [RAW002]"
    ]


def test_file_not_in_utf8_is_reported_with_line_and_rejected(raw):
    (raw / "site_02" / "ae.csv").write_bytes("SUBJID,AETERM,AESTDAT\n001,Fatigue,2022-03-01\n002,\u4e4f\u529b,2022-03-02\n".encode("gb18030"))
    issues = IssueLog()
    form = read_form(raw, "ae", columns=["SUBJID", "AETERM", "AESTDAT"], issues=issues)
    (issue,) = issues.issues
    assert (issue.file, issue.row, issue.check, issue.severity) == ("site_02/ae.csv", 3, "RAW001", "ERROR")
    assert form.rejected["SOURCE_ROW"].tolist() == [2, 3]
    assert set(form.data["SOURCE_FILE"]) == {"site_01/ae.csv"}


def test_xlsx_cells_become_export_text(tmp_path):
    (tmp_path / "site_01").mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SUBJID", "LBTEST", "LBORRES", "LBDAT"])
    import datetime as dt

    sheet.append(["001", "ALT", 35.0, dt.datetime(2022, 3, 1)])
    sheet.append(["001", "Creatinine", 0.82, None])
    sheet.append([None, None, None, None])
    book.save(tmp_path / "site_01" / "lab.xlsx")
    form = read_form(tmp_path, "lab", columns=["SUBJID", "LBTEST", "LBORRES", "LBDAT"], issues=IssueLog())
    assert form.data[["LBORRES", "LBDAT"]].values.tolist() == [["35", "2022-03-01"], ["0.82", None]]


def test_absent_form_gives_empty_frame_with_columns(tmp_path):
    (tmp_path / "site_01").mkdir()
    form = read_form(tmp_path, "cm", columns=["SUBJID", "CMTRT"], issues=IssueLog())
    assert form.data.empty and {"SUBJID", "CMTRT", "SOURCE_FILE"} <= set(form.data.columns)


def test_issue_log_frame_and_csv(tmp_path):
    log = IssueLog()
    log.add("site_03/dm.csv", 4, "BRTHDAT", "31/02/1960", "DATE001", "ERROR", "invalid date")
    log.add("site_01/ae.csv", 2, "AEDECOD", None, "CODE001", "WARNING", "uncoded term")
    frame = log.to_frame()
    assert frame["file"].tolist() == ["site_01/ae.csv", "site_03/dm.csv"]
    assert log.counts() == {"ERROR": 1, "WARNING": 1}
    log.write_csv(tmp_path / "issues.csv")
    lines = (tmp_path / "issues.csv").read_text().splitlines()
    assert lines[0] == "file,row,column,value,check,severity,message"
    assert lines[2] == "site_03/dm.csv,4,BRTHDAT,31/02/1960,DATE001,ERROR,invalid date"


def test_named_sheet_and_its_source_name(tmp_path):
    (tmp_path / "site_01").mkdir()
    book = openpyxl.Workbook()
    book.active.title = "Haematology"
    book.active.append(["SUBJID", "HGB"])
    book.active.append(["001", 130])
    chemistry = book.create_sheet("Chemistry")
    chemistry.append(["SUBJID", "ALT"])
    chemistry.append(["001", 20])
    chemistry.append(["002", 31])
    book.save(tmp_path / "site_01" / "labs.xlsx")
    issues = IssueLog()
    form = read_form(tmp_path, "labs", columns=["SUBJID", "ALT"], issues=issues, sheet="Chemistry")
    assert form.data["SOURCE_FILE"].unique().tolist() == ["site_01/labs.xlsx[Chemistry]"]
    assert form.data["ALT"].tolist() == ["20", "31"]
    missing = read_form(tmp_path, "labs", columns=["SUBJID"], issues=issues, sheet="Urinalysis")
    assert missing.data.empty and issues.issues[-1].check == "RAW004"

    from edc.inventory import inventory

    entries = {(f.path, f.records) for f in inventory(tmp_path)}
    assert entries == {("site_01/labs.xlsx[Haematology]", 1), ("site_01/labs.xlsx[Chemistry]", 2)}


def _workbook(path: Path, rows: list[list], *, title: str = "Sheet") -> Path:
    """A one-sheet workbook written by openpyxl (as the sites' exports are)."""
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_xlsx_dates_times_and_numbers_read_as_export_text(tmp_path):
    import datetime as dt

    (tmp_path / "site_01").mkdir()
    rows = [
        ["SUBJID", "VALUE"],
        ["001", dt.datetime(2022, 3, 1)],  # midnight: the date only
        ["002", dt.datetime(2022, 3, 1, 10, 30, 15)],  # a time: to the minute
        ["003", dt.date(2022, 3, 2)],
        ["004", dt.time(8, 5)],
        ["005", 35],  # whole numbers without ".0", whether written as int or float
        ["006", 35.0],
        ["007", -4.0],
        ["008", 0.82],
        ["009", 1e20],
        ["010", "001"],  # text stays text
        ["011", " x "],  # not trimmed
        ["012", "  "],  # whitespace only: missing
        ["013", True],
        ["014", 1.0],  # a number equal to True still reads as a number
    ]
    _workbook(tmp_path / "site_01" / "f.xlsx", rows)
    form = read_form(tmp_path, "f", columns=["SUBJID", "VALUE"], issues=IssueLog())
    assert form.data["VALUE"].tolist() == [
        "2022-03-01", "2022-03-01T10:30", "2022-03-02", "08:05:00", "35", "35", "-4", "0.82",
        "100000000000000000000", "001", " x ", None, "True", "1",
    ]


def test_xlsx_source_row_is_the_sheet_row_when_blank_rows_are_skipped(tmp_path):
    (tmp_path / "site_01").mkdir()
    rows = [["SUBJID", "AETERM"], ["001", "Nausea"], [None, None], ["  ", None], ["002", "Rash"], [None, None]]
    _workbook(tmp_path / "site_01" / "ae.xlsx", rows)
    form = read_form(tmp_path, "ae", columns=["SUBJID", "AETERM"], issues=IssueLog())
    # rows 3 and 4 are blank (whitespace counts as blank): not records, and row 5 stays row 5
    assert form.data[["SOURCE_ROW", "SUBJID", "AETERM"]].values.tolist() == [[2, "001", "Nausea"], [5, "002", "Rash"]]
    from edc.inventory import inventory

    assert [(f.path, f.records) for f in inventory(tmp_path)] == [("site_01/ae.xlsx[Sheet]", 2)]


def test_xlsx_leading_empty_columns_keep_their_place(tmp_path):
    (tmp_path / "site_01").mkdir()
    book = openpyxl.Workbook()
    book.active["B1"], book.active["C1"], book.active["B2"], book.active["C2"] = "SUBJID", "AETERM", "001", "Nausea"
    book.save(tmp_path / "site_01" / "ae.xlsx")
    issues = IssueLog()
    form = read_form(tmp_path, "ae", columns=["SUBJID", "AETERM"], issues=issues)
    assert form.data[["SOURCE_ROW", "SUBJID", "AETERM"]].values.tolist() == [[2, "001", "Nausea"]]
    assert not issues.issues


def test_workbook_opened_once_for_several_sheets(tmp_path, monkeypatch):
    from edc import readers

    (tmp_path / "site_01").mkdir()
    book = openpyxl.Workbook()
    book.active.title = "A"
    book.active.append(["SUBJID"])
    book.active.append(["001"])
    book.create_sheet("B").append(["SUBJID"])
    book.save(tmp_path / "site_01" / "labs.xlsx")
    opened = []
    real = readers.CalamineWorkbook.from_path
    monkeypatch.setattr(readers.CalamineWorkbook, "from_path", lambda path: opened.append(path) or real(path))
    workbooks = readers.Workbooks()
    for sheet in ("A", "B"):
        read_form(tmp_path, "labs", columns=["SUBJID"], issues=IssueLog(), sheet=sheet, workbooks=workbooks)
    assert len(opened) == 1
    read_form(tmp_path, "labs", columns=["SUBJID"], issues=IssueLog(), sheet="A")  # a new read opens it again
    assert len(opened) == 2


def test_compute_cell_texts_matches_cell_text_per_cell():
    import datetime as dt

    import numpy as np

    from edc.readers import _cell_text, compute_cell_texts

    cells = np.array([[1.0, True, "a", ""], [dt.date(2022, 1, 2), 1.0, "  ", dt.datetime(2022, 1, 2, 5)]], dtype=object)
    expected = [[_cell_text(v) for v in row] for row in cells]
    assert compute_cell_texts(cells).tolist() == expected
    assert compute_cell_texts(cells[:, 2:]).tolist() == [r[2:] for r in expected]


@pytest.mark.parametrize("text", [
    "A,B,C\n1,2,3\n", "A,B,C\n1,2\n", "A,B,C\n\n1,2,3\n", 'A,B,C\n1,"x,y",3\n', 'A,B,C\n1,"x\ny",3\n', 'A,B,C\n1,b"c,3\n',
    'A,B,C\n1,"b"c,3\n', 'A,B,C\n1,"b""c",3\n', 'A,B,C\n1, "b",3\n', 'A,B,C\n1,"",3\n', "A,B,C\n1,2,3", "A,B\n1,2,3\n",
    "A,B,C\n  ,2,3\n", "A,B,C\n1,2,3\n\n\n", 'A,B,C\n1,2,"3\n', "A,B,C\nNA,null,nan\n", "A,B,C\n#1,2,3\n", "\ufeffA,B\n1,2\n",
    "A,B\r\n1,2\r\n", "\nA,B\n1,2\n", 'A,B\n"a""\n', "A,B\n1\\,2,3\n", "A\n1\n\n2\n", "", "A,B\n",
])
def test_fast_csv_parser_reads_like_the_csv_module_or_declines(text):
    import numpy as np

    from edc.readers import parse_csv_records, parse_csv_table

    expected = parse_csv_records(text)
    table = parse_csv_table(text)
    if table is None:
        return
    blank_to_none = np.vectorize(lambda v: None if v == "" else v, otypes=[object])
    assert blank_to_none(table).tolist() == blank_to_none(expected).tolist()


def _labs_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Haematology"
    book.active.append(["SUBJID", "HGB"])
    book.active.append(["001", 130])
    book.create_sheet("Chemistry").append(["SUBJID", "ALT"])
    book.save(path)
    return path


def test_sheets_read_by_the_inventory_are_handed_to_the_reader_once(tmp_path, monkeypatch):
    import pickle

    from edc import readers
    from edc.inventory import inventory

    (tmp_path / "site_01").mkdir()
    _labs_workbook(tmp_path / "site_01" / "labs.xlsx")
    parsed = readers.ParsedSheets()
    assert [(f.path, f.records) for f in inventory(tmp_path, keep=parsed)] == [
        ("site_01/labs.xlsx[Haematology]", 1), ("site_01/labs.xlsx[Chemistry]", 0)]
    assert pickle.loads(pickle.dumps(parsed)).names(tmp_path / "site_01" / "labs.xlsx") is None  # not sent to other processes
    opened = []
    real = readers.CalamineWorkbook.from_path
    monkeypatch.setattr(readers.CalamineWorkbook, "from_path", lambda path: opened.append(path) or real(path))
    workbooks = readers.Workbooks(parsed=parsed)
    first = read_form(tmp_path, "labs", columns=["SUBJID", "HGB"], issues=IssueLog(), sheet="Haematology", workbooks=workbooks)
    assert not opened
    assert first.data[["SOURCE_FILE", "SOURCE_ROW", "HGB"]].values.tolist() == [["site_01/labs.xlsx[Haematology]", 2, "130"]]
    again = read_form(tmp_path, "labs", columns=["SUBJID", "HGB"], issues=IssueLog(), sheet="Haematology", workbooks=workbooks)
    assert len(opened) == 1  # given out once: read from the file the second time
    assert first.data.equals(again.data)


def test_a_workbook_changed_since_the_inventory_is_read_again(tmp_path):
    import os

    from edc import readers
    from edc.inventory import inventory

    (tmp_path / "site_01").mkdir()
    path = _labs_workbook(tmp_path / "site_01" / "labs.xlsx")
    parsed = readers.ParsedSheets()
    inventory(tmp_path, keep=parsed)
    book = openpyxl.load_workbook(path)
    book["Haematology"].append(["002", 140])
    book.save(path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    form = read_form(tmp_path, "labs", columns=["SUBJID", "HGB"], issues=IssueLog(), sheet="Haematology",
                     workbooks=readers.Workbooks(parsed=parsed))
    assert form.data["HGB"].tolist() == ["130", "140"]
