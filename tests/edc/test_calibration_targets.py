"""The published results, derived straight from the committed raw files (independent code,
tests/edc/raw_reference.py; statistics from tlf.stats), hold exactly at the published rounding."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from raw_reference import bor, os_, pfs, trae
from tlf.stats import KaplanMeier, clopper_pearson_ci, logrank_test

REPO = Path(__file__).resolve().parents[2]
PUB = yaml.safe_load((REPO / "specs" / "alter_e003" / "publication.yaml").read_text())
FINAL, INTERIM = date(2024, 12, 31), date(2023, 12, 31)
DAYS_PER_MONTH = 30.4375


def months(days: float) -> Decimal:
    return Decimal(repr(days / DAYS_PER_MONTH)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rounded(value: float, places: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _counts(values):
    return dict(Counter(values)) | {k: 0 for k in ("CR", "PR", "SD", "PD", "NE") if k not in values}


@pytest.mark.parametrize("cutoff", [FINAL, INTERIM], ids=["final", "interim"])
def test_confirmed_bor(treated, cutoff):
    assert _counts([bor(s, cutoff)[1] for s in treated]) == PUB["efficacy"]["confirmed_bor"]


@pytest.mark.parametrize("cutoff", [FINAL, INTERIM], ids=["final", "interim"])
def test_unconfirmed_bor(treated, cutoff):
    want = {k: v for k, v in PUB["efficacy"]["unconfirmed_bor"].items() if k != "source"}
    assert _counts([bor(s, cutoff)[0] for s in treated]) == want


def test_orr_and_dcr_with_clopper_pearson_ci(treated):
    conf = [bor(s, FINAL)[1] for s in treated]
    orr = sum(b in ("CR", "PR") for b in conf)
    dcr = sum(b in ("CR", "PR", "SD") for b in conf)
    assert (orr, dcr) == (26, 42)
    lo, hi = clopper_pearson_ci(orr, 46)
    assert (rounded(100 * lo, 1), rounded(100 * hi, 1)) == (Decimal("41.1"), Decimal("71.1"))


def test_orr_by_signature(treated):
    by = Counter((s.signature, bor(s, FINAL)[1] in ("CR", "PR")) for s in treated)
    assert (by[("POS", True)], by[("POS", True)] + by[("POS", False)]) == (21, 32)
    assert (by[("NEG", True)], by[("NEG", True)] + by[("NEG", False)]) == (1, 9)


def _km(treated, group=None):
    data = [pfs(s, FINAL) for s in treated if group is None or s.signature == group]
    return KaplanMeier().fit([d[0] for d in data], [d[1] for d in data])


def test_median_pfs_and_brookmeyer_crowley_ci(treated):
    km = _km(treated)
    assert months(km.median_) == Decimal("15.74")
    assert (months(km.median_ci_[0]), months(km.median_ci_[1])) == (Decimal("9.03"), Decimal("21.91"))


def test_median_pfs_by_signature(treated):
    assert months(_km(treated, "POS").median_) == Decimal("17.91")
    assert months(_km(treated, "NEG").median_) == Decimal("5.32")


def _logrank(treated, endpoint, **kw):
    subset = [s for s in treated if s.signature]
    data = [endpoint(s, FINAL, **kw) for s in subset]
    return logrank_test([d[0] for d in data], [d[1] for d in data], [s.signature for s in subset]).p_value


def test_pfs_logrank_p_rounds_to_0_005(treated):
    assert rounded(_logrank(treated, pfs), 3) == Decimal("0.005")


@pytest.mark.parametrize("sources", [
    None,
    {"visit", "dosing", "ae", "lab", "contact", "assessment"},
    {"visit", "dosing", "lab", "contact", "assessment"},
    {"visit", "dosing", "lab", "contact"},
], ids=["all-dates", "contract", "without-ae", "visits-dosing-contacts"])
def test_os_logrank_p_rounds_to_0_006(treated, sources):
    assert rounded(_logrank(treated, os_, sources=sources), 3) == Decimal("0.006")


def test_treatment_related_aes(treated):
    levels = [trae(s) for s in treated]
    assert sum(any_ for any_, _ in levels) == PUB["safety"]["trae_any"]["n"]
    assert sum(g3 for _, g3 in levels) == PUB["safety"]["trae_grade3plus"]["n"]


def test_median_os_is_plausible(treated):
    data = [os_(s, FINAL) for s in treated]
    median = KaplanMeier().fit([d[0] for d in data], [d[1] for d in data]).median_
    assert 20 <= median / DAYS_PER_MONTH <= 34


def test_config_restates_the_publication():
    cfg = yaml.safe_load((REPO / "edc" / "alter_e003.yaml").read_text())["calibration"]["targets"]
    eff, bio = PUB["efficacy"], PUB["biomarker"]
    assert cfg["confirmed_bor"] == eff["confirmed_bor"]
    assert cfg["unconfirmed_bor"] == {k: v for k, v in eff["unconfirmed_bor"].items() if k != "source"}
    assert cfg["pfs_median_months"] == eff["pfs_median_months"]["value"]
    assert cfg["pfs_ci95_months"] == eff["pfs_median_months"]["ci95"]
    assert (cfg["trae_any"], cfg["trae_grade3plus"]) == (PUB["safety"]["trae_any"]["n"], PUB["safety"]["trae_grade3plus"]["n"])
    assert (cfg["orr_signature_pos"], cfg["signature_positive"]) == (bio["orr_signature_pos"]["n"], bio["orr_signature_pos"]["N"])
    assert (cfg["orr_signature_neg"], cfg["signature_negative"]) == (bio["orr_signature_neg"]["n"], bio["orr_signature_neg"]["N"])
    assert cfg["pfs_median_signature_pos_months"] == bio["pfs_median_signature_pos"]["value"]
    assert cfg["pfs_median_signature_neg_months"] == bio["pfs_median_signature_neg"]["value"]
    assert (cfg["pfs_logrank_p"], cfg["os_logrank_p"]) == (bio["pfs_logrank_p"]["value"], bio["os_logrank_p"]["value"])
    assert (cfg["screened"], cfg["treated"]) == (PUB["study"]["screened"], PUB["study"]["treated"])
