"""Deterministic writers."""

from __future__ import annotations

import openpyxl

from edc.export import CsvForm, XlsxForm


def test_csv_form_writes_lf_and_empty_missing(tmp_path):
    path = tmp_path / "f.csv"
    with CsvForm(path, ["A", "B", "C"]) as form:
        form.write(["x, y", None, 3])
    assert path.read_bytes() == b'A,B,C\n"x, y",,3\n'


def test_xlsx_is_byte_identical_and_readable(tmp_path):
    paths = []
    for i in range(2):
        path = tmp_path / f"w{i}.xlsx"
        with XlsxForm(path, {"One": ["A", "B"], "Two": ["C"]}) as book:
            book.write("One", ["text ", 1.5])
            book.write("Two", ["<&>"])
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    book = openpyxl.load_workbook(paths[0])
    assert [[c.value for c in row] for row in book["One"].iter_rows()] == [["A", "B"], ["text ", 1.5]]
    assert book["Two"]["A2"].value == "<&>"
