"""Template filling in the jinja2 sandbox, and RTF escaping (tlf/render/text.py)."""

from __future__ import annotations

import pytest

from tlf.render.text import TemplateRenderError, fill_template, fill_templates, rtf_escape, rtf_escape_for_rtflite


def fill(template, **context):
    return fill_template(template, context, output_id="T-14.2.1", field="title[0]")


# -- filling ------------------------------------------------------------------------------------
def test_fills_variables_and_filters():
    assert fill("Efficacy set (N={{ n }})", n=46) == "Efficacy set (N=46)"
    assert fill("ORR {{ '%.1f' | format(p) }}%", p=30.4348) == "ORR 30.4%"
    assert fill("Data cut-off: {{ cutoff }}", cutoff="2023-12-31") == "Data cut-off: 2023-12-31"


def test_plain_text_is_returned_unchanged_even_with_braces_of_other_kinds():
    assert fill("CR + PR (no template)") == "CR + PR (no template)"


def test_undefined_variable_names_output_field_and_template():
    with pytest.raises(TemplateRenderError) as caught:
        fill("Safety set (N={{ n_safety }})", n=46)
    message = str(caught.value)
    assert "T-14.2.1" in message and "title[0]" in message
    assert "{{ n_safety }}" in message and "n_safety" in message and "undefined" in message
    assert caught.value.output_id == "T-14.2.1"


def test_undefined_variable_in_a_list_names_the_item():
    with pytest.raises(TemplateRenderError, match=r"footnotes\[1\]"):
        fill_templates(["ok", "{{ missing }}"], {}, output_id="L-16.2.7", field="footnotes")


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ n.__add__(1) }}",
        "{{ (lambda_ | default(''))._TemplateReference__context }}",
        "{{ ''.format.__globals__ }}",
    ],
)
def test_sandbox_refuses_attribute_tricks(template):
    with pytest.raises(TemplateRenderError) as caught:
        fill(template, n=1)
    assert "T-14.2.1" in str(caught.value)
    assert "sandbox" in str(caught.value) or "undefined" in str(caught.value)


def test_sandbox_refuses_dunder_access_as_a_security_error():
    with pytest.raises(TemplateRenderError, match="refused by the sandbox"):
        fill("{{ ''.__class__ }}")


def test_no_file_access_through_include():
    with pytest.raises(TemplateRenderError):
        fill("{% include '/etc/passwd' %}")


def test_syntax_error_is_reported_with_the_field():
    with pytest.raises(TemplateRenderError, match=r"T-14.2.1 title\[0\].*syntax error"):
        fill("N={{ n ")


# -- RTF escaping -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text 1.5%", "plain text 1.5%"),
        ("{x}", r"\{x\}"),
        ("a\\b", r"a\\b"),
        ("≥ 3", r"\u8805? 3"),
        ("µmol/L", r"\u181?mol/L"),
        ("—", r"\u8212?"),
        ("中文", r"\u20013?\u25991?"),
        ("±", r"\u177?"),
        ("line1\nline2", r"line1\line line2"),
        ("AE_TERM x^2 >= 3", "AE_TERM x^2 >= 3"),
        ("\U0001f600", r"\u-10179?\u-8704?"),  # outside the BMP: UTF-16 surrogates, signed
        ("bell\x07", "bell"),
    ],
)
def test_rtf_escape(text, expected):
    assert rtf_escape(text) == expected
    assert rtf_escape(text).isascii()


def test_rtf_escape_for_rtflite_leaves_bmp_above_255_to_rtflite():
    assert rtf_escape_for_rtflite("≥ 3 µmol/L {x} 中") == r"≥ 3 \u181?mol/L \{x\} 中"
    assert rtf_escape_for_rtflite("\U0001f600") == r"\u-10179?\u-8704?"
