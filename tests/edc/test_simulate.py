"""write_study: reproducible, one file per form per site."""

from __future__ import annotations

from edc.forms import FORMS, LAB_FILE


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix in (".csv", ".xlsx"))


def test_regeneration_gives_the_committed_files(raw_dir, regenerated):
    assert _files(regenerated) == _files(raw_dir)
    different = [f for f in _files(raw_dir) if (raw_dir / f).read_bytes() != (regenerated / f).read_bytes()]
    assert different == []


def test_every_site_has_one_file_per_form(raw_dir):
    expected = sorted([f"{stem}.csv" for stem in FORMS] + [f"{LAB_FILE}.xlsx"])
    for site in ("01", "02", "03", "04", "05"):
        assert sorted(p.name for p in (raw_dir / f"site_{site}").iterdir()) == expected


def test_csv_files_are_utf8_with_lf_newlines(raw_dir):
    for path in raw_dir.glob("site_*/*.csv"):
        data = path.read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data and data.endswith(b"\n"), path


def test_every_row_carries_the_edc_keys(forms):
    for name, frame in forms.items():
        assert list(frame.columns[:7]) == ["STUDYID", "SITEID", "SUBJID", "VISIT", "VISITNAME", "FORMOID", "RECPOS"], name
        assert frame["SUBJID"].str.fullmatch(r"\d{3}").all(), name
        assert frame["SITEID"].isin(["01", "02", "03", "04", "05"]).all(), name
