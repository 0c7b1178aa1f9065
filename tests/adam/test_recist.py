"""BOR and confirmed BOR on hand-worked RECIST 1.1 cases (first dose 2022-01-01 throughout)."""

from __future__ import annotations

import pandas as pd
import pytest

from adam.recist import ResponseRules, derive_bor, derive_confirmed_bor

START = pd.Timestamp("2022-01-01")


def _ovr(*visits: tuple[int, str], subject: str = "1") -> pd.DataFrame:
    """Assessments given as (study day, response); study day 1 = first dose."""
    return pd.DataFrame(
        {
            "USUBJID": [subject] * len(visits),
            "ADT": [START + pd.Timedelta(days=day - 1) for day, _ in visits],
            "AVALC": [response for _, response in visits],
        }
    )


def _adsl(*subjects: str) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": list(subjects or ["1"]), "TRTSDT": [START] * len(subjects or ["1"])})


def _both(ovr: pd.DataFrame, **kwargs) -> tuple[str, str]:
    adsl = _adsl()
    return derive_bor(ovr, adsl, **kwargs)["AVALC"].iloc[0], derive_confirmed_bor(ovr, adsl, **kwargs)["AVALC"].iloc[0]


def test_cr_ne_cr_is_confirmed_cr():
    # CR day 43, NE day 85, CR day 127: 84 days apart (>= 28), one NE between (<= 1)
    assert _both(_ovr((43, "CR"), (85, "NE"), (127, "CR"))) == ("CR", "CR")


def test_cr_ne_ne_cr_exceeds_max_ne_and_falls_back_to_sd():
    assert _both(_ovr((43, "CR"), (85, "NE"), (127, "NE"), (190, "CR"))) == ("CR", "SD")


def test_pr_sd_pr_is_not_confirmed():
    # SD between the two PRs breaks confirmation; the PRs are after day 42, so SD is the BOR
    assert _both(_ovr((43, "PR"), (85, "SD"), (127, "PR"))) == ("PR", "SD")


def test_pr_then_pd():
    # an unconfirmed PR on day 43 still counts as SD (>= day 42 + ... window holds: 43 >= 1 + 42)
    assert _both(_ovr((43, "PR"), (85, "PD"))) == ("PR", "SD")


def test_pr_confirmed_by_scan_less_than_28_days_later_is_not_confirmed():
    # PR day 43, PR day 70: 27 days apart
    assert _both(_ovr((43, "PR"), (70, "PR"))) == ("PR", "SD")


def test_pr_confirmed_exactly_28_days_later():
    assert _both(_ovr((43, "PR"), (71, "PR"))) == ("PR", "PR")


def test_pr_with_no_further_scan_before_cutoff():
    assert _both(_ovr((43, "SD"), (85, "PR"))) == ("PR", "SD")


def test_pr_confirmed_by_later_cr():
    assert _both(_ovr((43, "PR"), (85, "CR"))) == ("CR", "PR")


def test_pr_ne_pr_confirmed_with_one_ne_between():
    assert _both(_ovr((43, "PR"), (85, "NE"), (127, "PR"))) == ("PR", "PR")


def test_sd_before_day_42_is_ne():
    # ADT must be >= first dose + 42 days: day 42 is first dose + 41 days -> too early
    assert _both(_ovr((42, "SD"))) == ("NE", "NE")
    assert _both(_ovr((43, "SD"))) == ("SD", "SD")


def test_early_unconfirmed_pr_only_is_ne_when_confirmed():
    assert _both(_ovr((36, "PR"), (40, "NE"))) == ("PR", "NE")


def test_only_ne():
    assert _both(_ovr((43, "NE"), (85, "NE"))) == ("NE", "NE")


def test_no_assessment_is_ne_with_missing_date():
    adsl = _adsl("1", "2")
    result = derive_confirmed_bor(_ovr((43, "SD"), subject="1"), adsl)
    assert result["AVALC"].tolist() == ["SD", "NE"]
    assert pd.isna(result["ADT"].iloc[1]) and pd.isna(result["SRCROW"].iloc[1])


def test_pd_only():
    assert _both(_ovr((20, "PD"))) == ("PD", "PD")


def test_non_cr_non_pd_for_non_measurable_disease():
    assert _both(_ovr((43, "NON-CR/NON-PD"), (85, "NON-CR/NON-PD"))) == ("NON-CR/NON-PD", "NON-CR/NON-PD")


def test_bor_date_and_source_row_are_the_first_response_of_the_pair():
    ovr = _ovr((43, "SD"), (85, "PR"), (127, "PR"), (169, "PR"))
    result = derive_confirmed_bor(ovr, _adsl())
    assert result["AVALC"].iloc[0] == "PR"
    assert result["ADT"].iloc[0] == START + pd.Timedelta(days=84)
    assert result["SRCROW"].iloc[0] == 1


def test_rules_come_from_arguments():
    ovr = _ovr((43, "PR"), (64, "PR"))  # 21 days apart
    assert derive_confirmed_bor(ovr, _adsl(), rules=ResponseRules(confirm_days=21))["AVALC"].iloc[0] == "PR"
    assert derive_confirmed_bor(ovr, _adsl())["AVALC"].iloc[0] == "SD"


def test_subjects_are_independent():
    ovr = pd.concat([_ovr((43, "PR"), (85, "PR"), subject="1"), _ovr((43, "PR"), subject="2")], ignore_index=True)
    result = derive_confirmed_bor(ovr, _adsl("1", "2"))
    assert result["AVALC"].tolist() == ["PR", "SD"]


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 0, 1]])
def test_input_order_does_not_matter(order):
    ovr = _ovr((43, "CR"), (85, "NE"), (127, "CR")).iloc[order]
    assert derive_confirmed_bor(ovr, _adsl())["AVALC"].iloc[0] == "CR"
