"""RTF rendering with rtflite (tlf/render/rtf.py): structure, pagination, escaping, assembly."""

from __future__ import annotations

import re
import shutil
import subprocess

import matplotlib
import pandas as pd
import pytest
import rtflite.attributes
import rtflite.pagination.core
import rtflite.strwidth

from tlf.render.rtf import assemble_rtf, encode_rtf, memoise_string_width, page_count, render_rtf, rows_per_page
from tlf.render.spec import OutputSpec

matplotlib.use("Agg")


def listing(n=400, **options):
    body = pd.DataFrame(
        {
            "Subject": [f"003-{i // 4:04d}" for i in range(n)],
            "Preferred term": ["Rash maculo-papular" if i % 2 else "Nausea" for i in range(n)],
            "Grade": [str(1 + i % 3) for i in range(n)],
            "Start day": [str(i) for i in range(n)],
        }
    )
    fields = {
        "output_id": "L-16.2.7",
        "kind": "listing",
        "title": ("Listing of adverse events", "All treated subjects"),
        "population": "Safety set (N=46)",
        "body": body,
        "column_headers": [
            [("Subject", 1), ("Adverse event", 3)],
            ["Subject ID", "Preferred term", "Grade", "Start day"],
        ],
        "group_by": ("Subject",),
        "footnotes": ("Grades per CTCAE v5.0.", "Start day relative to first dose."),
        "source_datasets": ("ADAE", "ADSL"),
        "program": "tlf.listings.ae:build_ae_listing",
        "study_id": "ALTER-E-003",
        "cutoff": "2023-12-31",
    }
    fields.update(options)
    return OutputSpec(**fields)


def table(**options):
    fields = {
        "output_id": "T-14.2.1",
        "kind": "table",
        "title": ("Best overall response (confirmed), RECIST 1.1",),
        "population": "Efficacy set (N=46)",
        "body": pd.DataFrame(
            {"Response": ["CR", "PR", "ORR (95% CI)"], "n (%)": ["1 (2.2)", "13 (28.3)", "14 (30.4) [17.7, 45.8]"]}
        ),
        "footnotes": ("CI: exact Clopper-Pearson.",),
        "source_datasets": ("ADRS",),
        "program": "tlf.tables.response:build_response_table",
        "study_id": "ALTER-E-003",
        "cutoff": "2023-12-31",
    }
    fields.update(options)
    return OutputSpec(**fields)


def figure(folder):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(range(5), [-50, -30, -10, 5, 25])
    fig.savefig(folder / "wf.png", dpi=50)
    plt.close(fig)
    return OutputSpec(
        output_id="F-14.2.2", kind="figure", title=("Waterfall plot",), figure_png=folder / "wf.png",
        footnotes=("Lines at -30% and +20%.",), source_datasets=("ADTR",), program="tlf.figures.waterfall:build",
        study_id="ALTER-E-003", cutoff="2023-12-31",
    )  # fmt: skip


def balanced(text: str) -> bool:
    """Braces balance outside escapes (\\{ \\} \\\\), never going negative."""
    depth, i = 0, 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


def group(text: str, name: str) -> str:
    r"""The text of the first ``{\name ...}`` group."""
    start = text.index("{\\" + name)
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0 and text[i - 1] != "\\":
            return text[start : i + 1]
    raise AssertionError(f"unclosed group {name}")


# -- structure ----------------------------------------------------------------------------------
def test_table_rtf_is_well_formed_ascii_with_every_part(tmp_path):
    path = render_rtf(table(), tmp_path / "t.rtf")
    text = path.read_text(encoding="ascii")
    assert text.startswith("{\\rtf1") and text.rstrip().endswith("}")
    assert balanced(text)
    for part in ["Table 14.2.1", "Best overall response (confirmed), RECIST 1.1", "Efficacy set (N=46)",
                 "Response", "n (%)", "ORR (95% CI)", "14 (30.4) [17.7, 45.8]", "CI: exact Clopper-Pearson."]:  # fmt: skip
        assert part in text, part
    header, footer = group(text, "header"), group(text, "footer")
    assert "ALTER-E-003" in header and "Data cut-off: 2023-12-31" in header
    assert "\\chpgn" in header and "NUMPAGES" in header and "Page" in header
    assert "Source: ADRS. Program: tlf.tables.response:build_response_table" in footer
    assert "\\landscape" not in text and "\\paperw12240" in text


def test_landscape_listing_sets_paper_and_orientation():
    text = encode_rtf(listing(20, orientation="landscape"))
    assert "\\landscape" in text and "\\paperw15840\\paperh12240" in text


def test_multi_page_listing_repeats_headers_on_every_page():
    spec = listing(400)
    text = encode_rtf(spec)
    pages = page_count(text)
    assert pages > 5
    assert text.count("Subject ID") == pages  # last header row, once per page
    assert text.count("Adverse event") == pages  # spanning header row
    assert text.count("Listing of adverse events") == pages  # titles on every page
    assert text.count("Grades per CTCAE v5.0.") == pages  # footnotes on every page
    assert f"{{\\fldrslt {pages}}}" in text  # stored "of y" is rtflite's page count


def test_rows_per_page_shrinks_with_more_footnotes_and_orientation():
    base = rows_per_page(listing(10))
    assert rows_per_page(listing(10, footnotes=("x",) * 6)) == base - 4
    assert rows_per_page(listing(10, orientation="landscape")) < rows_per_page(listing(10, orientation="portrait"))
    assert rows_per_page(listing(10, rows_per_page=12)) == 12


def test_group_by_blanks_repeats_and_restores_them_at_each_page_top():
    text = encode_rtf(listing(400))
    pages = text.split("\\page")
    first_rows = [re.search(r"003-\d{4}", page) for page in pages]
    assert all(first_rows)  # every page shows its subject, even mid-group
    assert text.count("003-0001") == 1  # and blanks the repeats


def test_page_by_rows_and_empty_body(tmp_path):
    body = pd.DataFrame({"SOC": ["Skin", "Skin", "Gastro"], "PT": ["Rash", "Itch", "Nausea"], "n": ["3", "1", "2"]})
    text = encode_rtf(table(body=body, page_by="SOC", column_headers=[["Preferred term", "n"]]))
    assert "Skin" in text and "Gastro" in text and balanced(text)
    empty = encode_rtf(table(body=pd.DataFrame({"Response": [], "n (%)": []})))
    assert "No data to report" in empty and balanced(empty)


# -- escaping -----------------------------------------------------------------------------------
def test_escaping_of_control_and_non_ascii_characters():
    body = pd.DataFrame({"Term": ["Grade ≥ 3", "5 µmol/L", "a — b", "中文", "{x} \\ y", "AE_TERM x^2 >= 3", "±1"]})
    text = encode_rtf(table(body=body, title=("Title {with} braces ≥",), column_headers=[["Term"]]))
    assert text.isascii() and balanced(text)
    assert "\\uc1\\u8805* 3" in text  # ≥ (rtflite's \uN with * fallback)
    assert "\\u181?mol/L" in text  # µ, escaped before rtflite would write it raw
    assert "\\u8212*" in text  # em dash
    assert "\\u20013*\\uc1\\u25991*" in text  # 中文
    assert "\\{x\\} \\\\ y" in text
    assert "AE_TERM x^2 >= 3" in text  # no sub/superscript or symbol conversion
    assert "\\u177?1" in text
    assert "Title \\{with\\} braces" in text


# -- figures and assembly -----------------------------------------------------------------------
def test_figure_embeds_png(tmp_path):
    text = encode_rtf(figure(tmp_path))
    assert "\\pngblip" in text and "Figure 14.2.2" in text and "Waterfall plot" in text
    assert "Lines at -30% and +20%." in text and "\\landscape" in text and balanced(text)


def test_assemble_makes_one_section_per_output(tmp_path):
    parts = [table(), listing(120), figure(tmp_path)]
    render_rtf(parts[0], tmp_path / "t.rtf")
    path = assemble_rtf([tmp_path / "t.rtf", parts[1], parts[2]], tmp_path / "all.rtf")
    text = path.read_text(encoding="ascii")
    assert text.startswith("{\\rtf1") and balanced(text)
    assert text.count("\\fonttbl") == 1
    assert text.count("\\sect\\sectd") == 2 and text.count("\\pgnrestart") == 3
    assert text.count("\\lndscpsxn") == 1  # only the figure is landscape
    assert "SECTIONPAGES" in text and "NUMPAGES" not in text
    for label in ("Table 14.2.1", "Listing 16.2.7", "Figure 14.2.2"):
        assert label in text


def test_rerun_is_byte_identical(tmp_path):
    first = render_rtf(listing(200), tmp_path / "a.rtf").read_bytes()
    second = render_rtf(listing(200), tmp_path / "b.rtf").read_bytes()
    assert first == second
    one = assemble_rtf([table(), listing(50), figure(tmp_path)], tmp_path / "x.rtf").read_bytes()
    two = assemble_rtf([table(), listing(50), figure(tmp_path)], tmp_path / "y.rtf").read_bytes()
    assert one == two


# -- LibreOffice (only where it is installed) ---------------------------------------------------
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(rtf, folder):
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{folder}/lo_profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(rtf)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return folder / (rtf.stem + ".pdf")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_libreoffice_lays_out_the_pages_rtflite_planned(tmp_path, orientation):
    pypdf = pytest.importorskip("pypdf")
    spec = listing(400, orientation=orientation)
    rtf = render_rtf(spec, tmp_path / "listing.rtf")
    planned = page_count(rtf.read_text(encoding="ascii"))
    reader = pypdf.PdfReader(to_pdf(rtf, tmp_path))
    assert len(reader.pages) == planned  # no row spilled onto an extra page
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {planned}" in text
        assert "Subject ID" in text and "Listing 16.2.7" in text and "Grades per CTCAE v5.0." in text


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_escaped_text_and_assembled_sections(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    body = pd.DataFrame({"Term": ["Grade ≥ 3", "5 µmol/L — x", "{x} \\ y"]})
    parts = [table(body=body, column_headers=[["Term"]]), listing(120), figure(tmp_path)]
    reader = pypdf.PdfReader(to_pdf(assemble_rtf(parts, tmp_path / "all.rtf"), tmp_path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Grade ≥ 3" in text and "5 µmol/L — x" in text and "{x} \\ y" in text
    listing_pages = page_count(encode_rtf(parts[1]))
    assert len(reader.pages) == 1 + listing_pages + 1
    assert f"Page {listing_pages} of {listing_pages}" in text  # numbering restarts per output
    widths = [float(page.mediabox.width) for page in reader.pages]
    assert widths[0] == 612 and widths[-1] == 792  # portrait table, landscape figure


def test_rtflite_measures_strings_through_one_memoised_function():
    memoised = memoise_string_width()
    assert memoise_string_width() is memoised  # idempotent
    assert rtflite.pagination.core.get_string_width is memoised
    assert rtflite.attributes.get_string_width is memoised
    assert memoised.__wrapped__ is rtflite.strwidth.get_string_width
    for text, size in (("Rash maculo-papular", 9), ("003-0001", 9), ("", 10)):
        assert memoised(text, font=1, font_size=size) == rtflite.strwidth.get_string_width(text, font=1, font_size=size)
