"""Subject counts, enrollment and eligibility of the embedded study, read from the raw files."""

from __future__ import annotations

from collections import Counter
from datetime import date

from raw_reference import parse_date, yes


def test_53_screened_at_5_sites(forms):
    dm = forms["demographics"]
    assert len(dm) == 53
    assert sorted(dm["SITEID"].unique()) == ["01", "02", "03", "04", "05"]


def test_46_treated_7_screen_failures(treated, forms):
    assert len(treated) == 46
    eos = forms["end_of_study"]
    assert (eos["EOSREAS"] == "Screen failure").sum() == 7


def test_each_screen_failure_fails_a_stated_criterion(forms, subjects):
    ie = forms["eligibility"]
    failed = ie[((ie.IECAT == "INCLUSION") & ~ie.IEORRES.map(yes)) | ((ie.IECAT == "EXCLUSION") & ie.IEORRES.map(yes))]
    keys = set(failed.SITEID + "-" + failed.SUBJID)
    assert keys == {k for k, s in subjects.items() if not s.treated}
    assert sorted(failed.IETESTCD) == ["EX02", "EX03", "IN01", "IN03", "IN04", "IN05", "IN08"]


def test_first_doses_march_to_september_2022(treated):
    first = [s.trtsdt for s in treated]
    assert min(first) >= date(2022, 3, 1) and max(first) <= date(2022, 9, 30)
    assert min(first).month == 3 and max(first).month == 9


def test_treated_subjects_are_18_to_75_with_ecog_0_or_1(forms, subjects):
    dm = forms["demographics"]
    ecog = forms["ecog"]
    for _, r in dm.iterrows():
        if subjects[f"{r.SITEID}-{r.SUBJID}"].treated:
            assert 18 <= int(r.AGE) <= 75
    scr = ecog[ecog.VISIT == "SCR"]
    treated_scr = scr[[subjects[f"{a}-{b}"].treated for a, b in zip(scr.SITEID, scr.SUBJID)]]
    assert set(treated_scr.ECOG) <= {"0", "1"} and len(treated_scr) == 46


def test_every_treated_subject_has_a_measurable_target_lesion(forms, treated):
    tl = forms["tumour_target"]
    base = tl[tl.VISIT == "SCR"]
    keys = set(base.SITEID + "-" + base.SUBJID)
    assert {s.key for s in treated} <= keys
    for _, r in base.iterrows():
        assert int(r.TRDIAM) >= (15 if r.TLNODAL.strip().lower().startswith("y") else 10)


def test_ngs_for_41_with_signature_32_positive_9_negative(treated):
    assert Counter(s.signature for s in treated) == {"POS": 32, "NEG": 9, None: 5}


def test_mihc_for_a_subset_of_the_ngs_subjects(forms, subjects):
    mihc = forms["mihc"]
    keys = set(mihc.SITEID + "-" + mihc.SUBJID)
    assert 10 <= len(keys) < 41
    assert all(subjects[k].ngs for k in keys)


def test_consent_at_most_28_days_before_first_dose(forms, subjects):
    for _, r in forms["informed_consent"].iterrows():
        s = subjects[f"{r.SITEID}-{r.SUBJID}"]
        if s.treated:
            assert 0 < (s.trtsdt - parse_date(r.DSSTDAT, s.site)).days <= 28
