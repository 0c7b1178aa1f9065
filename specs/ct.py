"""The CDISC controlled-terminology subset shipped in ``specs/ct/``.

``ct_subset.csv`` holds one row per term (codelist code and id, extensibility, term code,
submission value, decode); ``ct_subset.yaml`` names the CT packages it was taken from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from specs.documents import parse_yaml
from specs.errors import SpecProblem
from specs.model import Codelist, Term

CT_FOLDER = Path(__file__).parent / "ct"
CT_COLUMNS = ("codelist_code", "codelist_id", "codelist_name", "extensible", "term_code", "term", "decode")


@dataclass(frozen=True)
class ControlledTerminology:
    """Codelists of the CT subset by codelist id, and the package versions they come from."""

    codelists: dict[str, Codelist]
    packages: tuple[str, ...]

    def by_code(self, nci_code: str) -> Codelist | None:
        """The codelist with this NCI codelist code, or None."""
        for codelist in self.codelists.values():
            if codelist.nci_code == nci_code:
                return codelist
        return None


def load_ct(folder: Path = CT_FOLDER) -> tuple[ControlledTerminology, list[SpecProblem]]:
    """Load the CT subset; return it with the problems found (never raises for bad rows).

    A missing folder gives an empty terminology (a study may use sponsor lists only).
    """
    problems: list[SpecProblem] = []
    csv_path = folder / "ct_subset.csv"
    yaml_path = folder / "ct_subset.yaml"
    if not csv_path.exists():
        return ControlledTerminology({}, ()), problems
    packages: tuple[str, ...] = ()
    if yaml_path.exists():
        meta = parse_yaml(yaml_path.read_text(encoding="utf-8")) or {}
        packages = tuple(str(p.get("name", p)) if isinstance(p, dict) else str(p) for p in meta.get("packages", []))
    grouped: dict[str, dict] = {}
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(SpecProblem(str(csv_path), "", 1, ", ".join(missing), "missing column(s)"))
            return ControlledTerminology({}, packages), problems
        for line, row in enumerate(reader, start=2):
            row = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in row.items()}
            cl_id = row["codelist_id"]
            if not cl_id or not row["term"]:
                problems.append(SpecProblem(str(csv_path), "", line, "codelist_id/term", "is empty"))
                continue
            if row["extensible"] not in ("Yes", "No"):
                problems.append(
                    SpecProblem(str(csv_path), "", line, "extensible", f"must be Yes or No, not {row['extensible']!r}")
                )
            entry = grouped.setdefault(
                cl_id,
                {"code": row["codelist_code"], "name": row["codelist_name"] or cl_id, "ext": row["extensible"], "terms": []},
            )
            if any(t.value == row["term"] for t in entry["terms"]):
                problems.append(SpecProblem(str(csv_path), "", line, "term", f"duplicate term {row['term']!r} in {cl_id}"))
                continue
            entry["terms"].append(Term(row["term"], row["term_code"], row["decode"], len(entry["terms"]) + 1))
    codelists = {
        cl_id: Codelist(
            id=cl_id,
            name=e["name"],
            nci_code=e["code"],
            data_type="text",
            terminology="CDISC CT",
            extensible=e["ext"] == "Yes",
            terms=tuple(e["terms"]),
        )
        for cl_id, e in grouped.items()
    }
    return ControlledTerminology(codelists, packages), problems
