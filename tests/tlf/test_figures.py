"""Figure builders (tlf/figures/*.py): the numbers behind each figure, and PNG/SVG output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from tlf.figures import biomarker, consort, km, tumour
from tlf.figures.common import agg_image, quantise, save_figure, write_png
from tlf.tables.common import Settings

EFF, NGS = Settings(population="EFFFL"), Settings(population="BMEVLFL")


def value(built, variable, statistic, level="", group=""):
    s = built.stats
    return s.loc[(s["VARIABLE"] == variable) & (s["STATISTIC"] == statistic) & (s["LEVEL"] == level)
                 & (s["GROUP"] == group), "VALUE"].item()


def test_numbers_at_risk_count_subjects_still_observed():
    # AVAL 10, 40, 100, 200 days; ticks 0, 1, 3, 6 months (0, 30.4, 91.3, 182.6 days)
    assert km.at_risk(np.array([10, 40, 100, 200.0]), np.array([0, 1, 3, 6.0]), 30.4375).tolist() == [4, 3, 2, 1]


def test_km_figure_records_at_risk_and_median(small_adam):
    built = km.build_pfs_figure(small_adam["ADSL"], small_adam["ADTTE"], settings=EFF)
    assert isinstance(built.figure, Figure)
    assert value(built, "PFS", "n_at_risk", "0 months") == 12
    assert value(built, "PFS", "N") == 12


def test_km_by_group_figure_records_logrank(small_adam):
    built = km.build_os_by_signature_figure(small_adam["ADSL"], small_adam["ADTTE"], settings=NGS)
    assert 0 < value(built, "OS", "p_value", "LOGRANK", "SIGGR1") < 1
    assert built.context["n_group"] == {"Signature positive": 6, "Signature negative": 4}


def test_waterfall_counts(small_adam):
    # best changes -100, -60, -45, -35, -10, 5, 30, (none), -50, -20, -40, 25
    built = tumour.build_waterfall_figure(small_adam["ADSL"], small_adam["ADRS"], small_adam["ADTR"], settings=EFF)
    assert value(built, "PCHG", "n") == 11
    assert value(built, "PCHG", "n", "<=-30") == 6
    assert value(built, "PCHG", "n", ">=20") == 2
    assert value(built, "PCHG", "n", "NO POST-BASELINE") == 1


def test_spider_plots_subjects_up_to_progression(small_adam):
    built = tumour.build_spider_figure(small_adam["ADSL"], small_adam["ADRS"], small_adam["ADTR"], settings=EFF)
    assert value(built, "PCHG", "n", "SUBJECTS") == 12  # subject 8 has its baseline only


def test_swimmer_counts_ongoing(small_adam):
    built = tumour.build_swimmer_figure(small_adam["ADSL"], small_adam["ADRS"], settings=EFF)
    assert value(built, "TRTDURD", "n") == 12
    assert value(built, "EOTSTT", "n", "ONGOING") == 6


def _many_subjects(frame: pd.DataFrame, copies: int) -> pd.DataFrame:
    """``frame`` repeated ``copies`` times, each copy's subjects renamed (USUBJID and SUBJID)."""
    parts = []
    for copy in range(copies):
        part = frame.copy()
        part["USUBJID"] = part["USUBJID"].astype(str) + f"-{copy}"
        if "SUBJID" in part.columns:
            part["SUBJID"] = part["SUBJID"].astype(str) + f"-{copy}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_swimmer_labels_each_subject_only_while_the_labels_fit(small_adam):
    few = tumour.build_swimmer_figure(small_adam["ADSL"], small_adam["ADRS"], settings=EFF).figure.axes[0]
    assert len([t for t in few.get_yticklabels() if t.get_text()]) == 12
    assert len(few.texts) == 6  # one arrow per ongoing subject
    many = tumour.build_swimmer_figure(_many_subjects(small_adam["ADSL"], 10), _many_subjects(small_adam["ADRS"], 10),
                                       settings=EFF)
    ax = many.figure.axes[0]
    assert value(many, "TRTDURD", "n") == 120 and value(many, "EOTSTT", "n", "ONGOING") == 60
    assert list(ax.get_yticks()) == [] and ax.get_ylabel() == "Subjects (n=120), by treatment duration"
    assert len(ax.texts) == 0 and len(ax.collections[-1].get_offsets()) == 60  # the arrowheads, one set


def test_oncoprint_keeps_signature_genes_beyond_top_n(small_adam):
    settings = Settings(population="BMEVLFL", top_genes=2)
    built = biomarker.build_oncoprint_figure(small_adam["ADSL"], small_adam["ADBM"], small_adam["ADRS"], settings=settings)
    genes = set(built.stats["VARIABLE"])
    assert {"TP53", "FAT1", "NOTCH3"} <= genes and len(genes) <= 5
    assert value(built, "TP53", "n", "MUTATED") == 8  # 1-6 and even 8, 10


def test_orr_by_signature_figure_states_both_tests(small_adam):
    built = biomarker.build_orr_by_signature_figure(small_adam["ADSL"], small_adam["ADRS"], settings=NGS)
    levels = set(built.stats.loc[built.stats["STATISTIC"] == "p_value", "LEVEL"])
    assert levels == {"FISHER", "CHISQ"}
    texts = " ".join(t.get_text() for t in built.figure.texts)
    assert "Fisher" in texts and "chi-square" in texts


def test_forest_rates_match_subgroup_table(small_adam):
    built = biomarker.build_forest_figure(small_adam["ADSL"], small_adam["ADRS"], settings=EFF)
    assert value(built, "CRSP", "N", "Y", "SEX=M") == 8


def test_consort_counts(small_adam):
    built = consort.build_consort_figure(small_adam["ADSL"])
    assert (value(built, "DISPOSITION", "n", "Screened"), value(built, "DISPOSITION", "n", "Treated")) == (14, 12)
    assert value(built, "BMEVLFL", "n", "Y") == 10


def test_consort_text_stays_inside_its_boxes_and_the_figure(small_adam):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import FancyBboxPatch

    adsl = small_adam["ADSL"]
    long_reason = ("Adequate hepatic function (total bilirubin <= 1.5 x ULN; ALT and AST <= 2.5 x ULN, "
                   "<= 5 x ULN with liver metastases)")
    adsl.loc[adsl["SCRFREAS"].notna().idxmax(), "SCRFREAS"] = long_reason
    figure = consort.build_consort_figure(adsl).figure
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in figure.axes[0].patches if isinstance(p, FancyBboxPatch)]
    texts = [t for t in figure.axes[0].texts if t.get_text()]
    assert len(texts) == len(boxes) == 6
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert figure.bbox.x0 <= extent.x0 and extent.x1 <= figure.bbox.x1, text.get_text()
        assert any(b.x0 <= extent.x0 and extent.x1 <= b.x1 and b.y0 <= extent.y0 and extent.y1 <= b.y1 for b in boxes), \
            text.get_text()
    failures = next(t.get_text() for t in texts if t.get_text().startswith("Screen failures"))
    assert "(n=1)" in failures and "liver metastases)" in failures  # wrapped, nothing cut off
    assert len(failures.splitlines()) > 3


def test_wrap_text_fits_the_width_keeps_every_word_and_indents_continuations():
    from tlf.figures.common import text_width_in, wrap_text

    line = "  Tumour invading major blood vessels or high risk of oesophageal fistula or bleeding (n=1)"
    wrapped = wrap_text(f"Screen failures (n = 7)\n{line}", 2.0, 7.5)
    lines = wrapped.splitlines()
    assert lines[0] == "Screen failures (n = 7)"
    assert all(text_width_in(part, 7.5) <= 2.0 for part in lines)
    assert " ".join(wrapped.split()) == " ".join(f"Screen failures (n = 7) {line}".split())
    assert lines[1].startswith("  Tumour") and all(part.startswith("    ") for part in lines[2:])
    assert wrap_text("short\n\nlines", 2.0, 7.5) == "short\n\nlines"
    assert wrap_text("Supercalifragilisticexpialidocious-and-more", 0.5, 7.5) == "Supercalifragilisticexpialidocious-and-more"
    assert text_width_in("WWW", 7.5) > text_width_in("iii", 7.5) > 0


def test_save_figure_png_300_dpi_and_svg(tmp_path, small_adam):
    built = km.build_pfs_figure(small_adam["ADSL"], small_adam["ADTTE"], settings=EFF)
    png, svg = save_figure(built.figure, tmp_path / "f.png", tmp_path / "f.svg")
    with Image.open(png) as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert image.size == (2700, 1680)  # 9 x 5.6 in
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_save_figure_is_byte_stable(tmp_path, small_adam):
    files = []
    for run in ("a", "b"):
        built = tumour.build_waterfall_figure(small_adam["ADSL"], small_adam["ADRS"], small_adam["ADTR"], settings=EFF)
        files.append(save_figure(built.figure, tmp_path / f"{run}.png", tmp_path / f"{run}.svg"))
    assert files[0][0].read_bytes() == files[1][0].read_bytes()
    assert files[0][1].read_bytes() == files[1][1].read_bytes()


def test_figures_accept_sas_numeric_dates(small_adam):
    adsl = small_adam["ADSL"].copy()
    adsl["TRTSDT"] = (adsl["TRTSDT"] - pd.Timestamp("1960-01-01")).dt.days
    built = tumour.build_swimmer_figure(adsl, small_adam["ADRS"], settings=EFF)
    assert value(built, "TRTDURD", "n") == 12


def test_agg_image_is_the_canvas_rgb_pixels():
    figure = Figure(figsize=(1, 0.5), dpi=40)
    figure.patch.set_facecolor("#123456")
    figure.add_axes((0.2, 0.2, 0.6, 0.6)).plot([0, 1], [1, 0], color="#d73027")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = agg_image(canvas)
    assert (image.mode, image.size) == ("RGB", (40, 20))
    assert np.array_equal(np.asarray(image), np.asarray(canvas.buffer_rgba())[..., :3])


def test_write_png_quantises_rgb_and_keeps_a_palette_image(tmp_path):
    rgb = Image.new("RGB", (8, 4), "#4575b4")
    written = write_png(rgb, tmp_path / "rgb.png")
    kept = write_png(quantise(rgb), tmp_path / "palette.png")
    assert written.read_bytes() == kept.read_bytes()
    with Image.open(written) as image:
        assert image.mode == "P"
        assert image.convert("RGB").getpixel((0, 0)) == (0x45, 0x75, 0xB4)
