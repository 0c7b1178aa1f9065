"""Raw date text -> ISO 8601, partial dates kept partial, study days without day 0."""

from __future__ import annotations

import pandas as pd
import pytest

from sdtm.dates import compute_dtc, compute_dy, dtc_date


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2022-03-15", "2022-03-15"),
        ("2022-03-15T10:30", "2022-03-15T10:30"),
        ("2022-03-15T10:30:05", "2022-03-15T10:30:05"),
        ("2022-03", "2022-03"),
        ("2022", "2022"),
        ("2022-03-UN", "2022-03"),
        ("2022-UN-UN", "2022"),
        ("UN-MAR-2022", "2022-03"),
        ("unk-Mar-2022", "2022-03"),
        ("UN-UN-2022", "2022"),
        ("05-SEP-2022", "2022-09-05"),
        ("2022-UN-15", "2022---15"),  # SDTMIG 3.4 4.4.2: a missing middle component is a hyphen
        (" 2022-03-15 ", "2022-03-15"),
        ("2024-02-29", "2024-02-29"),
    ],
)
def test_readable_forms(raw, iso):
    dtc, invalid = compute_dtc(pd.Series([raw]))
    assert dtc.tolist() == [iso] and not invalid.any()


@pytest.mark.parametrize("raw", ["2022-02-29", "2022-13-01", "31-APR-2022", "15-FOO-2022", "sometime", "2022-03-15T24:00", "2022/03/15"])
def test_impossible_or_unknown_text_is_invalid_not_guessed(raw):
    dtc, invalid = compute_dtc(pd.Series([raw]), slash_order="DMY")
    assert dtc.tolist() == [None] and invalid.tolist() == [True]


def test_blank_is_missing_not_invalid():
    dtc, invalid = compute_dtc(pd.Series([None, "", "  "]))
    assert dtc.tolist() == [None, None, None] and not invalid.any()


def test_slashed_dates_follow_the_declared_site_order():
    raw = pd.Series(["03/04/2022", "15/03/2022"])
    assert compute_dtc(raw, slash_order="DMY")[0].tolist() == ["2022-04-03", "2022-03-15"]
    dtc, invalid = compute_dtc(raw, slash_order="MDY")
    assert dtc.tolist() == ["2022-03-04", None] and invalid.tolist() == [False, True]


def test_slashed_dates_without_declared_order_are_invalid():
    assert compute_dtc(pd.Series(["03/04/2022"]))[1].tolist() == [True]


def test_unknown_slash_order_is_a_programming_error():
    with pytest.raises(ValueError, match="slash_order"):
        compute_dtc(pd.Series(["03/04/2022"]), slash_order="YMD")


def test_index_is_preserved():
    dtc, invalid = compute_dtc(pd.Series(["2022-03-15", "bad"], index=[10, 20]))
    assert dtc.index.tolist() == [10, 20] and invalid.to_dict() == {10: False, 20: True}


def test_study_day_has_no_day_zero():
    reference = pd.Series(["2022-03-15"] * 5)
    dtc = pd.Series(["2022-03-15", "2022-03-16", "2022-03-14", "2022-03-01T08:00", "2022-03"])
    # on the reference date: day 1; the day after: 2; the day before: -1; 14 days before: -14
    assert compute_dy(dtc, reference).tolist() == [1, 2, -1, -14, pd.NA]


def test_study_day_missing_when_reference_is_partial():
    assert compute_dy(pd.Series(["2022-03-15"]), pd.Series(["2022-03"])).tolist() == [pd.NA]


def test_dtc_date_ignores_partial_dates():
    dates = dtc_date(pd.Series(["2022-03-15T10:00", "2022-03", None]))
    assert str(dates.iloc[0].date()) == "2022-03-15" and dates.iloc[1:].isna().all()


def test_repeated_and_all_missing_values():
    dtc, invalid = compute_dtc(pd.Series(["2022-03-01", "2022-03-01", None, "bad", "bad"]))
    assert dtc.tolist() == ["2022-03-01", "2022-03-01", None, None, None]
    assert invalid.tolist() == [False, False, False, True, True]
    dtc, invalid = compute_dtc(pd.Series([None, None], dtype=object))
    assert dtc.tolist() == [None, None] and not invalid.any()


@pytest.mark.parametrize(
    ("raw", "iso", "bad"),
    [
        ("0099-03-15", "0099-03-15", False),  # the year keeps its four digits
        ("1500-02-29", "1500-02-29", True),  # Julian leap day, not Gregorian: impossible
        ("1600-02-29", "1600-02-29", False),  # outside pandas' Timestamp range: read without the fast path
        ("2022-03-15T10:30:60", None, True),  # no leap seconds
        ("2022-03-15T23:59:59", "2022-03-15T23:59:59", False),
        ("\u0662\u0660\u0662\u0662-03-15", None, True),  # digits are ASCII digits
    ],
)
def test_edge_values(raw, iso, bad):
    dtc, invalid = compute_dtc(pd.Series([raw]))
    assert dtc.tolist() == [iso if not bad else None] and invalid.tolist() == [bad]


COMPLETE = [
    "2022-03-15", "2024-02-29", "2023-02-29", "2022-13-01", "2022-00-10", "2022-04-31", "2022-04-00", "1677-09-21",
    "2262-04-12", "9999-12-31", "0001-01-01", "2022-03-15T00:00", "2022-03-15T23:59", "2022-03-15T24:00",
    "2022-03-15T12:60", "2022-03-15T10:30:00", "2022-03-15T10:30:59", "2022-03-15T10:30:61", "2022-3-15T1:30",
    "2022/03/15", "2022-03-15X", "20220315", "2022-03-1 ", "2022-03-15t10:30",
]


def test_fast_path_agrees_with_the_general_reader():
    import numpy as np

    from sdtm.dates import compute_complete_iso, parse_dtc

    texts = np.array([t.strip().upper() for t in COMPLETE], dtype=object)
    fast = compute_complete_iso(texts)
    assert fast.any() and not fast.all()
    for text, complete in zip(texts, fast):
        if complete:  # whatever the fast path accepts, the general reader reads as itself
            assert parse_dtc(text, None) == (text, False), text


def test_fast_path_agrees_with_the_general_reader_on_generated_values():
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sdtm.dates import compute_complete_iso, parse_dtc

    digits = st.text(alphabet="0123456789", min_size=2, max_size=2)
    stamp = st.tuples(st.text(alphabet="0123456789", min_size=4, max_size=4), digits, digits,
                      st.sampled_from(["", "T"]), digits, digits, st.sampled_from(["", ":"]), digits)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(stamp, min_size=1, max_size=20))
    def check(parts):
        texts = []
        for y, m, d, t, hh, mm, colon, ss in parts:
            text = f"{y}-{m}-{d}"
            if t:
                text += f"T{hh}:{mm}" + (f":{ss}" if colon else "")
            texts.append(text)
        array = np.array(texts, dtype=object)
        fast = compute_complete_iso(array)
        for text, complete in zip(texts, fast):
            read = parse_dtc(text, None)
            assert (read == (text, False)) if complete else True, text
        series = pd.Series(texts)
        dtc, invalid = compute_dtc(series)
        assert list(zip(dtc.tolist(), invalid.tolist())) == [parse_dtc(t, None) for t in texts]

    check()


def test_many_calls_and_repeated_values_give_the_same_result():
    values = pd.Series(["2022-03-15", "15-MAR-2022", "03/15/2022", "2022-03", "bad", None] * 50)
    whole = compute_dtc(values, slash_order="MDY")
    parts = [compute_dtc(values.iloc[i:i + 7], slash_order="MDY") for i in range(0, len(values), 7)]
    assert pd.concat([p[0] for p in parts]).tolist() == whole[0].tolist()
    assert pd.concat([p[1] for p in parts]).tolist() == whole[1].tolist()
    assert whole[0].iloc[:6].tolist() == ["2022-03-15", "2022-03-15", "2022-03-15", "2022-03", None, None]


@pytest.mark.parametrize("order", ["DMY", "MDY"])
def test_vectorised_slashed_dates_read_like_parse_dtc(order):
    import numpy as np

    from sdtm.dates import compute_slashed_iso, parse_dtc

    texts = [f"{a:02d}/{b:02d}/{year}" for a in range(0, 34, 3) for b in range(15) for year in (1500, 2022, 2024)]
    texts += ["29/02/2024", "02/29/2024", "29/02/2023", "1/02/2022", "12-02-2022", "ab/cd/efgh", None]
    found = compute_slashed_iso(np.array(texts, dtype=object), order)
    assert any(value is not None for value in found)
    for text, iso in zip(texts, found):
        if iso is not None:
            assert parse_dtc(text, order) == (iso, False)


def test_study_day_of_dates_equals_study_day_of_text():
    from sdtm.dates import compute_dy_of_dates

    dtc = pd.Series(["2022-03-15", "2022-03-14", "2022-03", None])
    reference = pd.Series(["2022-03-15", "2022-03-15", "2022-03-15", "2022-03-15"])
    pd.testing.assert_series_equal(compute_dy_of_dates(dtc_date(dtc), dtc_date(reference)), compute_dy(dtc, reference))
