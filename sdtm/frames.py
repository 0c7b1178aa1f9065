"""Frame steps that do not copy the columns a frame already has.

The mappers pass raw forms of hundreds of thousands of rows through several steps, each adding a
few columns or dropping a few rows. ``DataFrame.assign`` and ``frame[mask]`` (when the mask
keeps every row) copy every column first, and the copy consolidates the frame's blocks (a second
copy); on a large study that was a large part of the mapping time. The helpers here give the same frame
(same values, dtypes, column order and index) sharing the unchanged columns with their input.

Rule that makes sharing safe: frames read from raw forms are never modified in place (no
``frame.loc[...] = ...`` on a column the frame got from its input); a step that changes a
column replaces it whole (``frame[column] = values``), which leaves the input untouched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def add_columns(frame: pd.DataFrame, **columns: object) -> pd.DataFrame:
    """``frame.assign(**columns)`` without copying the columns of ``frame``.

    Columns are set in order like ``assign`` (an existing column is replaced in its position,
    a new one appended; a Series aligns on the index, a callable gets the frame so far); the
    input frame is not changed.

    >>> raw = pd.DataFrame({"A": [1, 2]})
    >>> add_columns(raw, B=lambda d: d["A"] * 10, A=0).to_dict("list"), raw.columns.tolist()
    ({'A': [0, 0], 'B': [10, 20]}, ['A'])
    """
    out = frame.copy(deep=False)
    for name, value in columns.items():
        out[name] = value(out) if callable(value) else value
    return out


def filter_rows(frame: pd.DataFrame, keep: pd.Series | np.ndarray) -> pd.DataFrame:
    """``frame[keep]`` for a boolean mask, without copying the columns when every row is kept.

    >>> filter_rows(pd.DataFrame({"A": [1, 2, 3]}), np.array([True, False, True]))["A"].tolist()
    [1, 3]
    """
    mask = np.asarray(keep, dtype=bool)
    if mask.all():
        return frame.copy(deep=False)
    return frame.take(np.flatnonzero(mask))


def drop_columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame.drop(columns=names)`` without copying the other columns (every name must be a column).

    >>> drop_columns(pd.DataFrame({"A": [1], "B": [2]}), ["A"]).columns.tolist()
    ['B']
    """
    out = frame.copy(deep=False)
    for name in names:
        del out[name]
    return out


def reset_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.reset_index(drop=True)`` without copying the columns.

    >>> reset_rows(pd.DataFrame({"A": [1, 2]}, index=[5, 3])).index.tolist()
    [0, 1]
    """
    out = frame.copy(deep=False)
    out.index = pd.RangeIndex(len(out))
    return out


def expand_rows(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct ``keys`` combinations of ``frame`` and, per row, the position of its own.

    The combinations are ``frame[keys].drop_duplicates()`` (first occurrences in row order,
    index reset; missing values equal each other, as in ``drop_duplicates`` and ``merge``);
    taking a result derived per combination at the positions gives what merging it back on
    ``keys`` gives, without the merge.

    >>> pairs, at = expand_rows(pd.DataFrame({"K": ["a", "b", "a"], "D": [None, "x", None]}), ["K", "D"])
    >>> pairs.values.tolist(), at.tolist()
    ([['a', None], ['b', 'x']], [0, 1, 0])
    """
    positions = np.zeros(len(frame), dtype="int64")
    for key in keys:
        codes, uniques = pd.factorize(frame[key], use_na_sentinel=False)
        positions, _ = pd.factorize(positions * (len(uniques) + 1) + codes)
    _, first = np.unique(positions, return_index=True)
    return reset_rows(frame[keys].take(first)), positions


def select_columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame[names]`` (e.g. to put the columns in spec order) without copying them: a new frame
    holding the same column arrays, one block per column.

    >>> select_columns(pd.DataFrame({"A": [1], "B": ["x"]}), ["B", "A"]).to_dict("list")
    {'B': ['x'], 'A': [1]}
    """
    return pd.DataFrame({name: frame[name] for name in names}, index=frame.index, copy=False)


def compute_duplicated(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``frame.duplicated(subset=columns, keep="first")`` as a boolean array, faster on rows that
    rarely repeat.

    A row repeats an earlier one only if it does on every column, so the columns are compared
    one after the other and, after each, the rows whose values so far occur once are set aside:
    the later columns are compared on the few rows left. Missing values equal each other across
    several columns, as in ``DataFrame.duplicated`` (which, on one column, tells None from NaN:
    one column is left to it).

    >>> frame = pd.DataFrame({"A": ["x", "x", "y", "x"], "B": [None, None, "1", "2"]})
    >>> compute_duplicated(frame, ["A", "B"]).tolist()
    [False, True, False, False]
    """
    if len(columns) == 1:
        return frame.duplicated(subset=columns, keep="first").to_numpy()
    positions = np.arange(len(frame))
    group = np.zeros(len(frame), dtype="int64")
    for column in columns:
        codes, uniques = pd.factorize(frame[column].iloc[positions])
        group, _ = pd.factorize(group * (len(uniques) + 1) + codes + 1)
        shared = np.bincount(group)[group] > 1
        positions, group = positions[shared], group[shared]
    duplicated = np.zeros(len(frame), dtype=bool)
    duplicated[positions[pd.Series(group).duplicated(keep="first").to_numpy()]] = True
    return duplicated
