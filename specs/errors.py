"""Errors a user can fix: a broken spec, or a dataset that cannot be written as the spec says.

Each carries every problem found (not only the first), each naming where it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a spec document: which file, sheet, row and column, and what is wrong."""

    source: str
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.sheet:
            where += f" [{self.sheet}]"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" column {self.column}"
        return f"{where}: {self.message}"


class SpecError(ValueError):
    """A spec document that contradicts itself or the standard; lists every problem."""

    def __init__(self, problems: list[SpecProblem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the study specs:\n{lines}")

    def __reduce__(self):
        """Pickle as the problems (the error crosses process boundaries whole)."""
        return type(self), (self.problems,)


@dataclass(frozen=True)
class WriteProblem:
    """One value or attribute that would be silently changed by the file format."""

    dataset: str
    variable: str | None
    row: int | None
    value: object
    message: str

    def __str__(self) -> str:
        where = self.dataset
        if self.variable:
            where += f".{self.variable}"
        if self.row is not None:
            where += f" row {self.row}"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{value}"


class DatasetWriteError(ValueError):
    """A dataset that cannot be written without losing or changing information."""

    def __init__(self, problems: list[WriteProblem]):
        self.problems = list(problems)
        shown = self.problems[:20]
        lines = "\n".join(f"  - {p}" for p in shown)
        more = len(self.problems) - len(shown)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"cannot write dataset: {len(self.problems)} problem(s):\n{lines}{tail}")

    def __reduce__(self):
        """Pickle as the problems (the error crosses process boundaries whole)."""
        return type(self), (self.problems,)
