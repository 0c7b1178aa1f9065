"""The catalogued data-quality issues, applied when latent facts are written out.

Every issue here is listed, with where it occurs, in ``edc/mess_catalogue.yaml`` and in
``rawdata/alter_e003/README.md``; none is ever cleaned at the source. Formatting issues live in
:class:`SiteStyle` (one per site): how the site writes full and partial dates, coded answers
(sex, yes/no, relationship, action taken) and lab units. Per-row variation (a lower-case "y",
a trailing space) is decided by a CRC32 hash of the row's identity, so it is reproducible and
independent of generation order.
"""

from __future__ import annotations

import zlib
from datetime import date
from functools import lru_cache

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# How each site's EDC spells coded answers (mess catalogue: coded_spellings).
SEX_SPELLING = {
    "01": {"M": "Male", "F": "Female"},
    "02": {"M": "MALE", "F": "FEMALE"},
    "03": {"M": "Male ", "F": "Female "},
    "04": {"M": "M", "F": "F"},
    "05": {"M": "male", "F": "female"},
}


def _hash_fraction(key: str) -> float:
    return zlib.crc32(key.encode()) / 0xFFFFFFFF


@lru_cache(maxsize=200_000)
def _format_day(day: int, fmt: str) -> str:
    return date.fromordinal(day).strftime(fmt)


class SiteStyle:
    """How one site writes values into its exports.

    Parameters
    ----------
    siteid : str
        Site number ("01" ... ).
    site_cfg : dict
        The site's entry of the configuration (``date_format``, ``partial_style``, ``yes``,
        ``no``, ``race_text``, ``lab_profile``).
    profile : dict
        The site's lab profile (units and reference ranges).
    """

    def __init__(self, siteid: str, site_cfg: dict, profile: dict, dipstick: list[str]) -> None:
        self.siteid = siteid
        self.profile_name = site_cfg["lab_profile"]
        self.date_format = site_cfg["date_format"]
        self.partial_style = site_cfg["partial_style"]
        self.yes_text, self.no_text = str(site_cfg["yes_text"]), str(site_cfg["no_text"])
        self.race_text = site_cfg["race_text"]
        self.profile = profile
        self.dipstick = dipstick
        self.sex_spelling = SEX_SPELLING.get(siteid, SEX_SPELLING["01"])

    def date(self, day: int | None) -> str | None:
        """A full date in the site's format (site 03: DD/MM/YYYY)."""
        return None if day is None else _format_day(day, self.date_format)

    def partial(self, day: int | None, precision: str) -> str | None:
        """A date known to ``precision`` (day / month / year) in the site's partial style.

        Examples
        --------
        >>> s = SiteStyle("02", {"date_format": "%Y-%m-%d", "partial_style": "mon", "yes_text": "Y", "no_text": "N",
        ...                      "race_text": "ASIAN", "lab_profile": "B"}, {}, [])
        >>> d = date(2022, 3, 15).toordinal()
        >>> s.partial(d, "month"), s.partial(d, "year"), s.partial(d, "day")
        ('UN-MAR-2022', 'UN-UNK-2022', '2022-03-15')
        """
        if day is None:
            return None
        if precision == "day":
            return self.date(day)
        d = date.fromordinal(day)
        if self.partial_style == "iso":
            return f"{d.year:04d}-{d.month:02d}" if precision == "month" else f"{d.year:04d}"
        return f"UN-{MONTHS[d.month - 1]}-{d.year:04d}" if precision == "month" else f"UN-UNK-{d.year:04d}"

    def yn(self, flag: bool | None, key: str) -> str | None:
        """Yes/no answer; site 05 writes 15% of them in lower case ("y", "n")."""
        if flag is None:
            return None
        text = self.yes_text if flag else self.no_text
        if self.siteid == "05" and _hash_fraction(key) < 0.15:
            text = text.lower()
        return text

    def sex(self, code: str) -> str:
        """The site's spelling of sex (trailing space at site 03, lower case at site 05)."""
        return self.sex_spelling[code]

    def coded(self, text: str | None, key: str) -> str | None:
        """Relationship / action / outcome answers: site 02 writes upper case with a trailing
        space in 10% of rows; site 05 writes 20% in lower case."""
        if text is None:
            return None
        if self.siteid == "02":
            text = text.upper()
            if _hash_fraction(key) < 0.10:
                text += " "
        elif self.siteid == "05" and _hash_fraction(key) < 0.20:
            text = text.lower()
        return text

    def lab(self, analyte: str, value_si: float, decimals: int) -> tuple[float | str, str]:
        """Value and unit as the site's lab reports them."""
        unit, factor, _ = self.profile[analyte]
        if factor in ("plus", "sign"):
            return self.dipstick[int(value_si)], unit
        value = value_si * float(factor)
        places = decimals if float(factor) == 1 else max(decimals, 2 if value < 10 else 1)
        return round(value, places), unit

    def reference_range(self, analyte: str, sex: str) -> tuple[float | str, float | str]:
        """The site's normal range of an analyte for a sex (in site units)."""
        rng = self.profile[analyte][2]
        if isinstance(rng, dict):
            rng = rng[sex]
        return rng[0], rng[1]

    def si_range(self, analyte: str, sex: str) -> tuple[float, float]:
        """The site's normal range converted to SI units (numeric analytes)."""
        factor = self.profile[analyte][1]
        lo, hi = self.reference_range(analyte, sex)
        return float(lo) / float(factor), float(hi) / float(factor)
