"""The SDTM mappers in run order. Adding a domain is one line here.

Order matters: DM first (every other domain needs the subjects and RFSTDTC), SE next (EPOCH),
then the constraints noted per line; trial design last (TS counts the treated subjects in DM).
"""

from __future__ import annotations

from sdtm.ae import map_ae
from sdtm.build import Mapper
from sdtm.cm import map_cm
from sdtm.dd import map_dd
from sdtm.dm import map_dm
from sdtm.ds import map_ds
from sdtm.ex import map_ex
from sdtm.fa import map_fa
from sdtm.gf import map_gf
from sdtm.ie import map_ie
from sdtm.lb import map_lb
from sdtm.mh import map_mh
from sdtm.mi import map_mi
from sdtm.oncology import map_relrec_oncology, map_tumour
from sdtm.pr import map_pr
from sdtm.se import map_se
from sdtm.ss import map_ss
from sdtm.su import map_su
from sdtm.sv import map_sv
from sdtm.trial_design import map_ta, map_te, map_ti, map_ts, map_tv
from sdtm.vs import map_vs

MAPPERS: tuple[tuple[str, Mapper], ...] = (
    ("DM", map_dm),
    ("SE", map_se),
    ("SV", map_sv),
    ("EX", map_ex),
    ("DS", map_ds),
    ("IE", map_ie),
    ("AE", map_ae),
    ("CM", map_cm),  # after AE: links con-meds to AEs
    ("MH", map_mh),
    ("PR", map_pr),  # after CM: CM reports the therapy forms' bad rows once
    ("SU", map_su),
    ("FA", map_fa),  # after MH
    ("LB", map_lb),
    ("VS", map_vs),
    ("TUMOUR", map_tumour),  # TU, SUPPTU, TR, RS: the tumour forms read and prepared once
    ("RELREC", map_relrec_oncology),
    ("GF", map_gf),
    ("MI", map_mi),
    ("SS", map_ss),
    ("DD", map_dd),
    ("TE", map_te),
    ("TA", map_ta),
    ("TV", map_tv),
    ("TI", map_ti),
    ("TS", map_ts),
)
"""(name, mapper) in run order."""
