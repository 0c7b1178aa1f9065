"""The HTML review page (tlf/render/html.py, tlf/templates/review.html.j2)."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

from tlf.render.html import anchor, render_html_page
from tlf.render.spec import OutputSpec

STUDY = {"study_id": "ALTER-E-003", "cutoff": "2023-12-31"}
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def outputs(folder):
    (folder / "wf.svg").write_text(SVG, encoding="utf-8")
    response = OutputSpec(
        output_id="T-14.2.1",
        kind="table",
        title=("Best overall response <b>confirmed</b> & RECIST",),
        population="Efficacy set (N=46)",
        body=pd.DataFrame({"Response": ["CR", "PR <2>"], "n (%)": ["1 (2.2)", "13 (28.3)"]}),
        column_headers=[[("All subjects", 2)], ["Response", "n (%)"]],
        footnotes=("CI: <i>exact</i> Clopper-Pearson; ≥ 3.",),
        source_datasets=("ADRS",),
        program="tlf.tables.response:build_response_table",
        **STUDY,
    )
    soc = OutputSpec(
        output_id="T-14.3.2",
        kind="table",
        title=("TEAEs by SOC and PT",),
        body=pd.DataFrame({"SOC": ["Skin", "Skin", "Gastro"], "PT": ["Rash", "Itch", "Nausea"], "n": ["3", "1", "2"]}),
        page_by="SOC",
        **STUDY,
    )
    waterfall = OutputSpec(
        output_id="F-14.2.2", kind="figure", title=("Waterfall",), figure_svg=folder / "wf.svg", **STUDY
    )
    return [response, soc, waterfall]


def render(folder, **options):
    return render_html_page(
        outputs(folder), folder / "review.html", title="ALTER-E-003 <TLF> review", **options
    ).read_text(encoding="utf-8")


def test_page_lists_and_holds_every_output(tmp_path):
    html = render(tmp_path, context={"Study": "ALTER-E-003", "Cut-off": "2023-12-31"})
    for output_id in ("T-14.2.1", "T-14.3.2", "F-14.2.2"):
        assert f'data-output-id="{output_id}"' in html
        assert f'href="#{anchor(output_id)}"' in html and f'id="{anchor(output_id)}"' in html
    assert html.count("<section") == 3
    assert "<dt>Cut-off</dt><dd>2023-12-31</dd>" in html


def test_markup_in_titles_cells_and_footnotes_is_escaped(tmp_path):
    html = render(tmp_path)
    assert "<b>confirmed</b>" not in html and "&lt;b&gt;confirmed&lt;/b&gt; &amp; RECIST" in html
    assert "PR &lt;2&gt;" in html
    assert "&lt;i&gt;exact&lt;/i&gt;" in html and "≥ 3" in html
    assert "<title>ALTER-E-003 &lt;TLF&gt; review</title>" in html


def test_spanning_headers_and_page_by_group_rows(tmp_path):
    html = render(tmp_path)
    assert re.search(r'<th scope="colgroup" class="span" colspan="2">All subjects</th>', html)
    assert '<tr class="group"><th colspan="2">Skin</th></tr>' in html
    assert html.count('<tr class="group">') == 2


def test_figure_is_an_image_of_the_svg(tmp_path):
    html = render(tmp_path)
    match = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="Figure 14.2.2 Waterfall">', html)
    assert match and base64.b64decode(match.group(1)).decode() == SVG
    assert "<svg" not in html  # never inlined: an image-embedded SVG cannot run script


def test_rerun_is_byte_identical(tmp_path):
    first = render(tmp_path)
    second = render(tmp_path)
    assert first == second


def test_duplicate_output_ids_are_refused(tmp_path):
    specs = outputs(tmp_path)
    with pytest.raises(ValueError, match="unique.*T-14.2.1"):
        render_html_page([specs[0], specs[0]], tmp_path / "x.html", title="x")
