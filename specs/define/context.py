"""File-level settings of a define.xml: the run's context and the CDISC CT packages it names.

Nothing here reads the clock: CreationDateTime comes from the study configuration, so reruns
give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from specs.documents import parse_yaml
from specs.model import Study

CT_SETS = ("SDTM", "ADaM", "CDASH", "SEND", "DEFINE-XML")
"""def:Standard/@PublishingSet terms of the Define-XML CT (C172331)."""


@dataclass(frozen=True)
class CTPackage:
    """One CDISC CT package named in def:Standards (Define-XML 2.1 def:Standard, Type="CT")."""

    publishing_set: str
    version: str
    status: str = "Final"

    @property
    def oid(self) -> str:
        """OID of the def:Standard element, e.g. ``STD.CT.SDTM.2024-03-29``."""
        return f"STD.CT.{self.publishing_set}.{self.version}"


@dataclass(frozen=True)
class DefineContext:
    """File-level attributes of a define.xml, fixed by the run's configuration (never the clock).

    Attributes
    ----------
    created
        ODM/@CreationDateTime; the study configuration fixes it (``analysis.xpt_timestamp``).
    originator
        ODM/@Originator (the sponsor).
    source_system, source_system_version
        ODM/@SourceSystem and @SourceSystemVersion.
    ct_packages
        CDISC CT packages for def:Standards (from ``specs/ct/ct_subset.yaml``: :func:`read_ct_packages`).
    file_oid
        ODM/@FileOID; default ``DEF.<STUDYID>.<SDTM|ADAM>``.
    context
        ODM/@def:Context: ``Submission`` or ``Other``.
    define_version
        MetaDataVersion/@def:DefineVersion.
    language
        xml:lang of every TranslatedText (the workbook's ``Language`` study attribute wins).
    standard_status
        def:Standard/@Status of the implementation guide(s).
    """

    created: dt.datetime
    originator: str
    source_system: str = "subpack"
    source_system_version: str | None = None
    ct_packages: tuple[CTPackage, ...] = ()
    file_oid: str | None = None
    context: str = "Submission"
    define_version: str = "2.1.0"
    language: str = "en"
    standard_status: str = "Final"

    @classmethod
    def for_study(cls, study: Study, *, ct_yaml: Path | str | None = None, **options) -> DefineContext:
        """Context from the study configuration: CreationDateTime = ``analysis.xpt_timestamp``,
        Originator = sponsor, CT packages read from ``ct_yaml`` (if given and present)."""
        packages = read_ct_packages(ct_yaml) if ct_yaml is not None else ()
        options.setdefault("ct_packages", packages)
        return cls(created=study.analysis.xpt_timestamp, originator=study.sponsor, **options)


def read_ct_packages(path: Path | str) -> tuple[CTPackage, ...]:
    """The CT packages ``ct_subset.yaml`` names, for def:Standards; () when the file is absent.

    Accepts ``packages:`` entries written as text (``SDTM CT 2024-03-29``, ``sdtmct-20240329``)
    or as mappings with ``publishing_set``/``standard``/``name`` and ``version``/``date``. The publishing set
    must be one of SDTM, ADaM, CDASH, SEND, DEFINE-XML (Define-XML 2.1 def:Standard/@PublishingSet)
    and the version an ISO date; ValueError names the entry otherwise.
    """
    path = Path(path)
    if not path.exists():
        return ()
    meta = parse_yaml(path.read_text(encoding="utf-8")) or {}
    entries = meta.get("packages", []) if isinstance(meta, dict) else meta
    packages: list[CTPackage] = []
    for entry in entries or []:
        if isinstance(entry, dict):
            text = " ".join(str(entry.get(k, "")) for k in ("publishing_set", "standard", "name", "version", "date"))
            status = str(entry.get("status", "Final"))
        else:
            text, status = str(entry), "Final"
        found_set = next((s for s in CT_SETS if re.search(rf"(?<![A-Za-z]){re.escape(s)}", text, re.IGNORECASE)), None)
        date = re.search(r"(\d{4})-?(\d{2})-?(\d{2})", text)
        if found_set is None or date is None:
            raise ValueError(f"{path}: cannot tell the publishing set and date of CT package {entry!r}")
        package = CTPackage(found_set, "-".join(date.groups()), status)
        if package not in packages:
            packages.append(package)
    return tuple(packages)
