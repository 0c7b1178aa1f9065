"""Rule helpers on integer codes and cached per-category measurements give what the plain
pandas formulation gives, on object columns and on Categoricals alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from specs.rules.dates import after
from specs.rules.registry import byte_length, clear_cache, longest_bytes, many_for_one, text


def _many_for_one_reference(data: pd.DataFrame, key: str, value: str) -> list[int]:
    """Records whose key has several values: drop_duplicates + groupby on the text values."""
    k, v = text(data[key]), text(data[value])
    both = k.notna() & v.notna()
    counts = pd.DataFrame({"k": k[both], "v": v[both]}).drop_duplicates().groupby("k")["v"].nunique()
    many = set(counts.index[counts > 1])
    return list(data.index[k.isin(many) & both])


def _random_visits(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    numbers = rng.choice([1.0, 2.0, 3.0, 3.5, np.nan], n)
    names = rng.choice(["SCREENING", "WEEK 1", "WEEK 2", "week 2 ", "UNSCHEDULED", None], n).astype(object)
    return pd.DataFrame({"VISITNUM": numbers, "VISIT": names})


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("categorical", [False, True])
def test_many_for_one_finds_the_records_of_keys_with_several_values(seed, categorical):
    data = _random_visits(seed)
    if categorical:
        data["VISIT"] = data["VISIT"].astype("category")
    clear_cache()
    for key, value in (("VISITNUM", "VISIT"), ("VISIT", "VISITNUM")):
        found = many_for_one(data, key, value)
        expected = _many_for_one_reference(data, key, value)
        assert (list(found.index) if found is not None else []) == expected


def test_many_for_one_is_silent_when_each_key_has_one_value():
    data = pd.DataFrame({"VISITNUM": [1.0, 1.0, 2.0, np.nan], "VISIT": ["WEEK 1", "WEEK 1 ", "WEEK 2", "WEEK 3"]})
    assert many_for_one(data, "VISITNUM", "VISIT") is None


def test_after_compares_at_the_common_precision_only_simple_values():
    start = pd.Series(["2014-01-15", "2014-01", "2014-02-01T10:00", None, "2014---15", "2015", "2014-01-15T10:00",
                       "2014-01-15/2014-01-20"])
    end = pd.Series(["2014-01-14", "2014-01-15", "2014-02-01T09:59", "2014", "2014-01-01", "2014-12-31",
                     "2014-01-15", "2014-01-01"])
    expected = [True, False, True, False, False, True, False, False]
    assert after(start, end).tolist() == expected
    assert after(start.astype("category"), end.astype("category")).tolist() == expected


def test_cached_byte_lengths_of_a_categorical_are_those_of_its_values():
    clear_cache()
    values = pd.Series(["ab", None, "\u00e9t\u00e9", "ab", "x" * 201], dtype=object)
    as_category = values.astype("category")
    expected = [2.0, np.nan, 5.0, 2.0, 201.0]
    np.testing.assert_array_equal(byte_length(values).to_numpy(dtype=float), expected)
    np.testing.assert_array_equal(byte_length(as_category).to_numpy(dtype=float), expected)
    assert longest_bytes(values) == longest_bytes(as_category) == 201
    assert longest_bytes(as_category.iloc[:4]) == 5  # categories not in use do not count
    assert longest_bytes(pd.Series([None, None], dtype=object).astype("category")) == 0
