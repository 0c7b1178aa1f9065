"""The PDF bundle (tlf/render/pdf.py, tlf/render/pdf_table.py): bookmarks, pagination, furniture."""

from __future__ import annotations

import datetime as dt
import re

import matplotlib
import pandas as pd
import pytest
from PIL import Image

from tlf.render.pdf import pdf_image, render_pdf_bundle
from tlf.render.spec import OutputSpec

matplotlib.use("Agg")
pypdf = pytest.importorskip("pypdf")

STUDY = {"study_id": "ALTER-E-003", "cutoff": "2023-12-31"}


def listing(n=300, **options):
    body = pd.DataFrame(
        {
            "Subject": [f"003-{i // 4:04d}" for i in range(n)],
            "Preferred term": ["Rash maculo-papular" if i % 2 else "Nausea ≥ 3 µmol/L — x" for i in range(n)],
            "Day": [f"D{i:04d}" for i in range(n)],
        }
    )
    fields = dict(
        output_id="L-16.2.7",
        kind="listing",
        title=("Listing of adverse events",),
        body=body,
        column_headers=[[("Subject", 1), ("Adverse event", 2)], ["Subject ID", "Preferred term", "Start"]],
        group_by=("Subject",),
        footnotes=("Grades per CTCAE v5.0.",),
        source_datasets=("ADAE",),
        program="tlf.listings.ae:build_ae_listing",
        **STUDY,
    )
    fields.update(options)
    return OutputSpec(**fields)


def table():
    return OutputSpec(
        output_id="T-14.2.1",
        kind="table",
        title=("Best overall response",),
        body=pd.DataFrame({"Response": ["CR", "PR"], "n (%)": ["1 (2.2)", "13 (28.3)"]}),
        **STUDY,
    )


def figure(folder):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [1, 0])
    fig.savefig(folder / "km.png", dpi=50)
    plt.close(fig)
    return OutputSpec(
        output_id="F-14.2.5", kind="figure", title=("Kaplan-Meier PFS",), figure_png=folder / "km.png", **STUDY
    )


def bundle(folder, specs, name="bundle.pdf", **options):
    return pypdf.PdfReader(render_pdf_bundle(specs, folder / name, **options))


def test_one_bookmark_per_output_pointing_at_its_first_page(tmp_path):
    specs = [table(), listing(300), figure(tmp_path)]
    reader = bundle(tmp_path, specs)
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    n = len(reader.pages)
    assert outline == [
        ("Table 14.2.1 Best overall response", 0),
        ("Listing 16.2.7 Listing of adverse events", 1),
        ("Figure 14.2.5 Kaplan-Meier PFS", n - 1),
    ]
    assert "/XObject" in str(reader.pages[n - 1]["/Resources"])  # the figure page holds the image


def test_long_listing_pages_repeat_titles_headers_footnotes_and_number(tmp_path):
    reader = bundle(tmp_path, [listing(300)])
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total > 3
    rows = []
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert text.count("Listing 16.2.7") == 1 and text.count("Subject ID") == 1 and "Adverse event" in text
        assert "Grades per CTCAE v5.0." in text and "Program: tlf.listings.ae:build_ae_listing" in text
        assert "ALTER-E-003 | Data cut-off: 2023-12-31" in text
        rows.append(re.findall(r"D\d{4}", text))
    assert [r for page in rows for r in page] == [f"D{i:04d}" for i in range(300)]  # every row once, in order
    per_page = len(rows[0])
    assert total == -(-300 // per_page)  # the right page count: full pages, then the remainder
    assert all(len(page) == per_page for page in rows[:-1])


def test_group_by_value_is_restored_at_the_top_of_each_page(tmp_path):
    reader = bundle(tmp_path, [listing(300)])
    for page in reader.pages[1:]:
        text = page.extract_text()
        body = text[text.index("Start") :]
        assert re.search(r"003-\d{4}", body.splitlines()[1]), body.splitlines()[:2]


def test_non_ascii_text_survives(tmp_path):
    text = bundle(tmp_path, [listing(4)]).pages[0].extract_text()
    assert "Nausea ≥ 3 µmol/L — x" in text


def test_page_numbers_count_within_each_output(tmp_path):
    reader = bundle(tmp_path, [table(), listing(300)])
    assert "Page 1 of 1" in reader.pages[0].extract_text()
    assert "Page 1 of" in reader.pages[1].extract_text()


def test_rerun_is_byte_identical_and_dated_by_the_cutoff(tmp_path):
    specs = [table(), listing(100), figure(tmp_path)]
    first = render_pdf_bundle(specs, tmp_path / "a.pdf").read_bytes()
    second = render_pdf_bundle(specs, tmp_path / "b.pdf").read_bytes()
    assert first == second
    assert b"D:20231231000000Z" in first
    other = render_pdf_bundle(specs, tmp_path / "c.pdf", created=dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    assert other.read_bytes() != first


def test_landscape_output_gets_landscape_pages(tmp_path):
    reader = bundle(tmp_path, [table(), listing(10, orientation="landscape")])
    assert [round(float(p.mediabox.width)) for p in reader.pages] == [612, 792]


def test_prepared_figure_image_gives_the_same_bytes_as_the_png_file(tmp_path):
    spec = figure(tmp_path)
    with Image.open(spec.figure_png) as png:
        palette = png.convert("RGB").quantize(colors=256)
    palette.save(spec.figure_png)  # the bundle's PNG is a palette image, as the TLF build writes it
    specs = [table(), spec, table()]
    from_file = render_pdf_bundle(specs, tmp_path / "file.pdf").read_bytes()
    prepared = render_pdf_bundle(specs, tmp_path / "prepared.pdf", images={spec.figure_png: pdf_image(palette)})
    assert prepared.read_bytes() == from_file


def test_prepared_image_with_icc_profile_is_refused(tmp_path):
    spec = figure(tmp_path)
    info = pdf_image(Image.new("P", (4, 4)))
    info["iccp"] = b"profile"
    with pytest.raises(ValueError, match="ICC profile"):
        render_pdf_bundle([spec], tmp_path / "b.pdf", images={spec.figure_png: info})
