"""Output files written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """A temporary file beside ``path`` to write instead of it.

    When the block ends normally the temporary file gets the usual mode of a new file (0o666
    less the umask: ``mkstemp`` makes it owner-only) and replaces ``path`` in one step; when the
    block raises it is removed, and ``path`` stays as it was (or absent). The folder is created
    when missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=path.suffix, prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
