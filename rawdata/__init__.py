"""Committed raw EDC exports of the embedded studies (``rawdata/<study>/site_NN/``).

Shipped as package data so that an installed ``subpack`` finds them without the source tree.
"""

from __future__ import annotations

from pathlib import Path

RAWDATA_FOLDER = Path(__file__).parent


def raw_folder(study: str) -> Path:
    """The raw-data folder of an embedded study (it may not exist yet)."""
    return RAWDATA_FOLDER / study
