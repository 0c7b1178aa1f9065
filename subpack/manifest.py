"""``manifest.json``: every output file of a run with its size and SHA-256 checksum."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

EXCLUDED = frozenset({"manifest.json", "run.log"})
"""Files not listed: the manifest itself, and the run log (it carries timings)."""


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(folder: Path, *, study: str, cutoff: str, version: str) -> dict:
    """Describe every file under ``folder`` (sorted by path, POSIX separators)."""
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative in EXCLUDED:
            continue
        files.append({"path": relative, "size": path.stat().st_size, "sha256": sha256_file(path)})
    return {"study": study, "cutoff": cutoff, "subpack_version": version, "files": files}


def write_manifest(folder: Path, **attributes: str) -> Path:
    """Write ``folder/manifest.json`` and return its path."""
    manifest = build_manifest(folder, **attributes)
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path
