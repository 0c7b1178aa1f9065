"""The declarative output spec (tlf/render/spec.py): defaults, checks and derived text."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tlf.render.spec import HeaderCell, OutputSpec


def make(body=None, **options):
    body = pd.DataFrame({"Response": ["CR", "PR"], "n (%)": ["1 (2.2)", "13 (28.3)"]}) if body is None else body
    fields = {
        "output_id": "T-14.2.1",
        "kind": "table",
        "title": ("Best overall response",),
        "study_id": "S",
        "cutoff": "2023-12-31",
    }
    fields.update(options)
    return OutputSpec(body=body, **fields)


def test_defaults_for_a_table():
    spec = make()
    assert spec.label == "Table 14.2.1"
    assert spec.column_headers == ((HeaderCell("Response"), HeaderCell("n (%)")),)
    assert spec.col_align == ("l", "c")
    assert spec.orientation == "portrait"
    assert len(spec.col_widths) == 2


def test_listing_defaults_to_left_alignment_and_label():
    spec = make(output_id="L-16.2.7", kind="listing")
    assert spec.col_align == ("l", "l")
    assert spec.label == "Listing 16.2.7"


def test_wide_body_goes_landscape():
    wide = pd.DataFrame({f"Column {i}": ["a fairly long cell value"] for i in range(6)})
    assert make(wide).orientation == "landscape"
    many = pd.DataFrame({f"C{i}": ["x"] for i in range(9)})
    assert make(many).orientation == "landscape"


def test_header_spans_must_cover_the_columns():
    with pytest.raises(ValueError, match="T-14.2.1: column header row 1 spans 3 columns, the body shows 2"):
        make(column_headers=[[("Span", 3)], ["a", "b"]])
    with pytest.raises(ValueError, match="last column header row"):
        make(column_headers=[[("Both", 2)]])


def test_spanning_header_rows_accept_pairs_strings_and_cells():
    spec = make(column_headers=[[("Overall", 2)], ["Response", HeaderCell("n (%)")]])
    assert spec.column_headers[0] == (HeaderCell("Overall", 2),)


def test_body_must_be_formatted_strings_missing_prints_empty():
    spec = make(pd.DataFrame({"a": ["x", None, np.nan], "b": ["1", "2", pd.NA]}))
    assert spec.body["a"].tolist() == ["x", "", ""]
    assert spec.body["b"].tolist() == ["1", "2", ""]
    with pytest.raises(TypeError, match="T-14.2.1: body column 'b' holds float 0.5"):
        make(pd.DataFrame({"a": ["x"], "b": [0.5]}))


def test_widths_and_alignment_are_checked():
    with pytest.raises(ValueError, match="col_widths needs 2"):
        make(col_widths=(1, 2, 3))
    with pytest.raises(ValueError, match="col_align needs 2"):
        make(col_align=("l", "x"))


def test_page_by_is_not_a_displayed_column():
    body = pd.DataFrame({"SOC": ["Skin", "Skin"], "PT": ["Rash", "Itch"], "n": ["1", "2"]})
    spec = make(body, page_by="SOC")
    assert spec.display_columns == ["PT", "n"]
    with pytest.raises(ValueError, match="page_by column 'XX'"):
        make(body, page_by="XX")


def test_display_body_blanks_group_by_repeats_within_page_by():
    body = pd.DataFrame(
        {"SOC": ["A", "A", "B"], "Subject": ["01", "01", "01"], "Term": ["x", "y", "z"]},
    )
    spec = make(body, output_id="L-1", kind="listing", page_by="SOC", group_by=("Subject",))
    assert spec.display_body()["Subject"].tolist() == ["01", "", "01"]
    assert spec.body["Subject"].tolist() == ["01", "01", "01"]  # the spec itself is untouched


def test_figure_needs_a_file_and_defaults_to_landscape(tmp_path):
    with pytest.raises(ValueError, match="F-1: a figure needs"):
        OutputSpec(output_id="F-1", kind="figure", title=("x",), study_id="S", cutoff="2023-12-31")
    spec = OutputSpec(
        output_id="F-1",
        kind="figure",
        title=("x",),
        study_id="S",
        cutoff=dt.date(2023, 12, 31),
        figure_png=tmp_path / "a.png",
    )
    assert spec.orientation == "landscape" and spec.cutoff == "2023-12-31"


def test_title_block_source_and_study_lines():
    spec = make(subtitle="Confirmed", population="Efficacy set (N=46)", source_datasets=("ADSL", "ADRS"), program="m:f")
    assert spec.title_block == ("Table 14.2.1", "Best overall response", "Confirmed", "Efficacy set (N=46)")
    assert spec.source_line == "Source: ADSL, ADRS. Program: m:f"
    assert spec.study_line == "S | Data cut-off: 2023-12-31"


def test_spec_copies_its_body():
    body = pd.DataFrame({"a": ["x"], "b": ["y"]})
    spec = make(body)
    body.loc[0, "a"] = "changed"
    assert spec.body.loc[0, "a"] == "x"
