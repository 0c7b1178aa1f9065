"""The SDTM mappers in run order. Adding a domain is one line here.

Order matters: DM first (every other domain needs the subjects and RFSTDTC), SE next (EPOCH),
then any order; trial design last (TS counts the treated subjects in DM).
"""

from __future__ import annotations

from sdtm.build import Mapper
from sdtm.dm import map_dm
from sdtm.se import map_se
from sdtm.trial_design import map_ta, map_te, map_ti, map_ts, map_tv

MAPPERS: tuple[tuple[str, Mapper], ...] = (
    ("DM", map_dm),
    ("SE", map_se),
    ("TE", map_te),
    ("TA", map_ta),
    ("TV", map_tv),
    ("TI", map_ti),
    ("TS", map_ts),
)
"""(name, mapper) in run order."""
