"""The TLF catalogue (tlf/catalogue.py): loading, validation errors, filling an entry into a spec."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from specs.errors import SpecError
from tlf.catalogue import CatalogueError, HeaderCell, create_output_spec, load_catalogue
from tlf.render.text import TemplateRenderError

EXAMPLE = """
study: alter_e003
outputs:
  - id: T-14.2.1
    kind: table
    template: summary_table
    title:
      - Best overall response (confirmed), RECIST 1.1
    subtitle: "Data cut-off {{ cutoff }}"
    population: {flag: EFFFL, label: "Efficacy set (N={{ n }})"}
    column_headers:
      - [{text: "All subjects", span: 2}]
      - ["Response", "n (%) [N={{ n }}]"]
    footnotes:
      - "CI: exact Clopper-Pearson."
      - "Confirmation at least {{ interval }} days later."
    source: [ADSL, ADRS]
    program: tlf.tables.response:build_response_table
  - id: L-16.2.7
    kind: listing
    template: listing
    title: Listing of adverse events
    population: {flag: SAFFL, label: Safety set}
    group_by: [Subject]
    source: [ADAE]
    program: tlf.listings.ae:build_ae_listing
    orientation: landscape
  - id: F-14.2.2
    kind: figure
    template: figure
    title: [Waterfall plot of best percentage change in target lesions]
    source: [ADTR]
    program: tlf.figures.waterfall:build_waterfall
"""


def write(tmp_path, text):
    path = tmp_path / "tlf_catalogue.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path, text):
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def test_example_catalogue_loads(tmp_path):
    entries = load_catalogue(write(tmp_path, EXAMPLE))
    assert [e.id for e in entries] == ["T-14.2.1", "L-16.2.7", "F-14.2.2"]
    response = entries[0]
    assert response.population_flag == "EFFFL" and response.population_label == "Efficacy set (N={{ n }})"
    assert response.column_headers[0] == (HeaderCell("All subjects", 2),)
    assert response.source == ("ADSL", "ADRS") and response.program == "tlf.tables.response:build_response_table"
    assert entries[1].title == ("Listing of adverse events",) and entries[1].orientation == "landscape"
    assert entries[2].orientation is None  # decided from the width


def test_entry_becomes_a_spec_with_templates_filled(tmp_path):
    entry = load_catalogue(write(tmp_path, EXAMPLE))[0]
    body = pd.DataFrame({"Response": ["CR"], "n (%)": ["1 (2.2)"]})
    spec = create_output_spec(
        entry, body, context={"n": 46, "interval": 28}, study_id="ALTER-E-003", cutoff="2023-12-31"
    )
    assert spec.population == "Efficacy set (N=46)"
    assert spec.subtitle == "Data cut-off 2023-12-31"
    assert spec.column_headers[1] == (HeaderCell("Response"), HeaderCell("n (%) [N=46]"))
    assert spec.footnotes[1] == "Confirmation at least 28 days later."
    assert spec.source_line == "Source: ADSL, ADRS. Program: tlf.tables.response:build_response_table"


def test_missing_template_variable_names_output_and_field(tmp_path):
    entry = load_catalogue(write(tmp_path, EXAMPLE))[0]
    body = pd.DataFrame({"Response": ["CR"], "n (%)": ["1"]})
    with pytest.raises(TemplateRenderError, match=r"T-14.2.1 footnotes\[1\].*interval"):
        create_output_spec(entry, body, context={"n": 46}, study_id="S", cutoff="2023-12-31")


def test_sandbox_applies_to_catalogue_templates(tmp_path):
    text = EXAMPLE.replace("Efficacy set (N={{ n }})", "{{ ''.__class__.__mro__ }}")
    entry = load_catalogue(write(tmp_path, text))[0]
    with pytest.raises(TemplateRenderError, match=r"T-14.2.1 population.label.*sandbox"):
        create_output_spec(entry, None, context={"n": 1, "interval": 1}, study_id="S", cutoff="2023-12-31")


def test_schema_errors_name_entry_and_field(tmp_path):
    found = problems(
        tmp_path,
        """
        outputs:
          - id: T-1
            kind: table
            template: summary_table
            title: x
            source: [adsl]
            program: "not a program"
            colour: red
        """,
    )
    assert "tlf_catalogue.yaml: output T-1, field colour: unknown field" in found
    assert any(p.startswith("tlf_catalogue.yaml: output T-1, field program:") for p in found)
    assert any(p.startswith("tlf_catalogue.yaml: output T-1, field source[0]:") for p in found)


def test_missing_id_is_named_by_position(tmp_path):
    found = problems(
        tmp_path, "outputs:\n  - {kind: table, template: summary_table, title: x, source: [ADSL], program: a:b}\n"
    )
    assert found == ["tlf_catalogue.yaml: output #1, field id: required field"]


def test_template_shell_must_draw_the_kind(tmp_path):
    found = problems(
        tmp_path, "outputs:\n  - {id: T-1, kind: table, template: figure, title: x, source: [ADSL], program: a:b}\n"
    )
    assert found == ["tlf_catalogue.yaml: output T-1, field template: 'figure' draws a figure, not a table"]


def test_duplicate_ids_and_template_syntax_errors(tmp_path):
    found = problems(
        tmp_path,
        """
        outputs:
          - {id: T-1, kind: table, template: summary_table, title: x, source: [ADSL], program: a:b}
          - {id: T-1, kind: table, template: summary_table, title: ["N={{ n "], source: [ADSL], program: a:b}
          - {id: T-2, kind: table, template: summary_table, title: y, source: [ADSL], program: a:b}
          - {id: T-2, kind: table, template: summary_table, title: y, source: [ADSL], program: a:b}
        """,
    )
    assert found[0].startswith("tlf_catalogue.yaml: output T-1, field title[0]: template syntax error")
    assert found[1] == "tlf_catalogue.yaml: output T-2, field id: duplicate output id"


def test_unreadable_or_empty_catalogue(tmp_path):
    assert problems(tmp_path, "outputs: []\n") == ["tlf_catalogue.yaml, field outputs: empty values not allowed"]
    assert "cannot read" in problems(tmp_path, "outputs: [unclosed\n")[0]


def test_catalogue_error_is_a_spec_error(tmp_path):
    text = "outputs:\n  - {id: T-1, kind: table, template: summary_table, title: x, source: [ADSL], program: a:b, orientation: up}\n"
    with pytest.raises(SpecError, match="1 problem"):
        load_catalogue(write(tmp_path, text))
