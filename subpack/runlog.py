"""A run log a SAS programmer can scan: ``NOTE:``, ``WARNING:`` and ``ERROR:`` lines.

Lines go to the log file and to the console (through rich when given). Counts of warnings and
errors are kept so the pipeline can decide the exit code and print a summary.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

from rich.console import Console

LEVELS = ("NOTE", "WARNING", "ERROR")
_STYLES = {"NOTE": "", "WARNING": "yellow", "ERROR": "bold red"}


class RunLog:
    """Collects log lines; writes them to ``path`` when :meth:`save` is called."""

    def __init__(self, *, console: Console | None = None, quiet: bool = False):
        self.lines: list[str] = []
        self.counts = {level: 0 for level in LEVELS}
        self.timings: dict[str, float] = {}
        self._console = console
        self._quiet = quiet

    def _emit(self, level: str, message: str) -> None:
        self.counts[level] += 1
        lines = str(message).splitlines() or [""]
        text = f"{level}: {lines[0]}" + "".join(f"\n{' ' * (len(level) + 2)}{line}" for line in lines[1:])
        self.lines.append(text)
        self._echo(level, text)

    def _echo(self, level: str, text: str) -> None:
        if self._console is not None and (not self._quiet or level != "NOTE"):
            self._console.print(text, style=_STYLES[level], markup=False, highlight=False, soft_wrap=True)

    def note(self, message: str) -> None:
        """An informational line."""
        self._emit("NOTE", message)

    def warning(self, message: str) -> None:
        """Something the user should look at; the run still succeeds."""
        self._emit("WARNING", message)

    def error(self, message: str) -> None:
        """Something that makes the run fail."""
        self._emit("ERROR", message)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Time a stage; logs its duration as a NOTE when it ends, even on failure."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.timings[stage] = elapsed
            self.note(f"Stage {stage} took {elapsed:.2f} seconds.")

    def insert(self, position: int, lines: list[str], *, stage: str, seconds: float) -> None:
        """Put another log's ``lines`` (a stage run elsewhere) at ``position``; count and echo them."""
        self.lines[position:position] = lines
        self.timings[stage] = seconds
        for text in lines:
            level = text.split(":", 1)[0]
            self.counts[level] += 1
            self._echo(level, text)

    def write(self, handle: TextIO) -> None:
        """Write every line collected so far."""
        for line in self.lines:
            handle.write(line + "\n")

    def save(self, path: Path) -> None:
        """Write the log to ``path`` (UTF-8)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            self.write(handle)
