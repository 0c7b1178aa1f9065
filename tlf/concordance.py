"""Publication concordance: every published value of the study's ``publication.yaml`` against the TLF results.

Each leaf of ``publication.yaml`` (except ``source``/``note`` annotations and ``not_published``)
is one *claim*. A claim the TLFs compute is looked up in the results dataset
(:mod:`tlf.results`) by :data:`RULES` (variable, level, group, statistic; rows of tables before
those of figures) and compared at the published rounding:

============  ===================================================================================
kind          rule
============  ===================================================================================
count         integers equal
pct           100 x proportion rounded half-up to 1 decimal equals the published percentage
months        days / ``days_per_month`` rounded half-up to 2 decimals equals the published months
p             a published ``0.005`` is met when P rounded half-up to the published decimals (3)
              is 0.005; a published ``"<0.001"`` when P rounded to 3 decimals is below 0.001,
              i.e. P < 0.0005 (P = 0.0007 would be printed 0.001). When a rule names several
              tests (Fisher exact two-sided and Pearson chi-square without continuity
              correction) any one of them meeting the claim is a match, and the report names it
text          equal text (study identifier)
month         a date whose year-month equals the published ``YYYY-MM`` (enrolment window)
at_least      the reproduced minimum is >= the published bound (eligibility: youngest subject)
at_most       the reproduced maximum is <= the published bound (oldest subject)
============  ===================================================================================

Statuses: ``match``; ``mismatch``; ``missing`` (the TLFs produced no such number);
``irreproducible`` (a P-value that the publication's own counts cannot give: it is recomputed
from the published counts with every test the rule names, and when none meets the claim, the
claim is reported with those P-values as the reason, never forced); ``descriptive`` (a design
fact such as the regimen or the registry number, listed and not compared). The eligibility
criterion ``ecog: [0, 1]`` is descriptive: it applies at screening, and ADSL holds only the
baseline ECOG (the last value on or before the first dose, which may be a day-1 value). The
summary line counts every compared claim (all but the descriptive ones).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import jinja2
import pandas as pd

from tlf.stats import chi_square_test, fisher_exact_test
from tlf.tables.common import fmt_number, round_half_up

TEMPLATES = Path(__file__).resolve().parent / "templates"
P_TESTS = {"FISHER": "Fisher exact two-sided", "CHISQ": "Pearson chi-square", "LOGRANK": "log-rank"}
STATUSES = ("match", "mismatch", "missing", "irreproducible", "descriptive")


@dataclass(frozen=True)
class Rule:
    """Where a published value sits in the results dataset, and how it is compared.

    ``levels`` lists alternative LEVELs (P-values: the tests that may have produced it);
    ``counts`` names the publication entries (each with ``n`` and ``N``) whose 2 x 2 table
    the published P-value must come from.
    """

    variable: str
    statistic: str
    kind: str
    levels: tuple[str, ...] = ("",)
    group: str = ""
    counts: tuple[str, str] | None = None


def _rate_rules(prefix: str, variable: str, group: str = "", ci: bool = True) -> dict[str, Rule]:
    rules = {
        f"{prefix}.n": Rule(variable, "n", "count", ("Y",), group),
        f"{prefix}.N": Rule(variable, "N", "count", ("Y",), group),
        f"{prefix}.pct": Rule(variable, "pct", "pct", ("Y",), group),
    }
    if ci:
        rules[f"{prefix}.ci95[0]"] = Rule(variable, "lcl_pct", "pct", ("Y",), group)
        rules[f"{prefix}.ci95[1]"] = Rule(variable, "ucl_pct", "pct", ("Y",), group)
    return rules


def _bor_rules(prefix: str, variable: str) -> dict[str, Rule]:
    return {f"{prefix}.{c}": Rule(variable, "n", "count", (c,)) for c in ("CR", "PR", "SD", "PD", "NE")}


POS, NEG = "SIGGR1=Signature positive", "SIGGR1=Signature negative"
RULES: dict[str, Rule] = {
    "study.id": Rule("STUDYID", "value", "text"),
    "study.sites": Rule("SITEID", "n_distinct", "count", ("Screened",)),
    "study.screened": Rule("DISPOSITION", "n", "count", ("Screened",)),
    "study.treated": Rule("SAFFL", "n", "count", ("Y",)),
    "study.enrollment_first": Rule("TRTSDT", "min", "month"),
    "study.enrollment_last": Rule("TRTSDT", "max", "month"),
    "study.eligibility.age_min": Rule("AGE", "min", "at_least"),
    "study.eligibility.age_max": Rule("AGE", "max", "at_most"),
    **_bor_rules("efficacy.confirmed_bor", "CBOR"),
    **_rate_rules("efficacy.confirmed_orr", "CRSP"),
    **_rate_rules("efficacy.dcr", "CCB"),
    **_bor_rules("efficacy.unconfirmed_bor", "BOR"),
    **_rate_rules("efficacy.unconfirmed_orr", "RSP"),
    "efficacy.pfs_median_months.value": Rule("PFS", "median_months", "months"),
    "efficacy.pfs_median_months.ci95[0]": Rule("PFS", "lcl_months", "months"),
    "efficacy.pfs_median_months.ci95[1]": Rule("PFS", "ucl_months", "months"),
    **_rate_rules("safety.trae_any", "TRAE", ci=False),
    **_rate_rules("safety.trae_grade3plus", "TRAE3", ci=False),
    "biomarker.ngs_evaluable": Rule("BMEVLFL", "n", "count", ("Y",)),
    **_rate_rules("biomarker.orr_signature_pos", "CRSP", POS, ci=False),
    **_rate_rules("biomarker.orr_signature_neg", "CRSP", NEG, ci=False),
    "biomarker.orr_p_value.published": Rule("CRSP", "p_value", "p", ("FISHER", "CHISQ"), "SIGGR1",
                                            counts=("biomarker.orr_signature_pos", "biomarker.orr_signature_neg")),
    "biomarker.pfs_median_signature_pos.value": Rule("PFS", "median_months", "months", group=POS),
    "biomarker.pfs_median_signature_neg.value": Rule("PFS", "median_months", "months", group=NEG),
    "biomarker.pfs_logrank_p.value": Rule("PFS", "p_value", "p", ("LOGRANK",), "SIGGR1"),
    "biomarker.os_logrank_p.value": Rule("OS", "p_value", "p", ("LOGRANK",), "SIGGR1"),
}
"""Publication path -> results lookup; paths use ``.`` for keys and ``[i]`` for list items."""
ANNOTATIONS = {"source", "note"}
SKIPPED = {"not_published"}


@dataclass(frozen=True)
class Claim:
    """One published value: its path in publication.yaml, the value, and the entry's source and note."""

    path: str
    published: object
    source: str | None = None
    note: str | None = None


def iter_claims(publication: Mapping) -> Iterator[Claim]:
    """Every leaf of ``publication`` (depth first, file order) as a :class:`Claim`.

    Lists of scalars that a rule addresses item by item (``ci95``) give one claim per item;
    other lists (``ecog: [0, 1]``) are one claim. ``source`` and ``note`` annotate their entry.
    """

    def walk(node: object, path: str, source: str | None, note: str | None) -> Iterator[Claim]:
        if isinstance(node, Mapping):
            source = node.get("source", source)
            note = node.get("note", note)
            for key, value in node.items():
                if key in ANNOTATIONS or (not path and key in SKIPPED):
                    continue
                yield from walk(value, f"{path}.{key}" if path else str(key), source, note)
        elif isinstance(node, list) and f"{path}[0]" in RULES:
            for i, value in enumerate(node):
                yield Claim(f"{path}[{i}]", value, source, note)
        else:
            yield Claim(path, node, source, note)

    yield from walk(publication, "", None, None)


class _Index:
    """Results rows by (VARIABLE, STATISTIC, LEVEL, GROUP); tables (``T-`` ids) first, then catalogue order."""

    def __init__(self, results: pd.DataFrame) -> None:
        self.results = results
        keys = results[["VARIABLE", "STATISTIC", "LEVEL", "GROUP"]].fillna("").astype(str).to_numpy()
        table_first = (~results["OUTPUT_ID"].astype(str).str.startswith("T-")).to_numpy().argsort(kind="stable")
        self.rows: dict[tuple[str, ...], int] = {}
        for position in table_first:
            self.rows.setdefault(tuple(keys[position]), int(position))

    def find(self, rule: Rule, level: str) -> pd.Series | None:
        position = self.rows.get((rule.variable, rule.statistic, level, rule.group))
        return None if position is None else self.results.iloc[position]


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def p_meets(p: float, published: object) -> bool:
    """True when ``p`` would be printed as ``published`` (rule in the module docstring)."""
    text = str(published).strip()
    match = re.fullmatch(r"([<>]=?)?\s*([0-9.]+)", text)
    if match is None or pd.isna(p):
        return False
    bound = Decimal(match.group(2))
    shown = round_half_up(p, _decimals(match.group(2)))
    return {None: shown == bound, "<": shown < bound, "<=": shown <= bound, ">": shown > bound,
            ">=": shown >= bound}[match.group(1)]


def _pct_shown(value: float) -> str:
    return fmt_number(value, 1)


def _compare_value(kind: str, value: float, text: str | None, published: object) -> tuple[bool, str]:
    """(matches, reproduced value as shown) for the scalar kinds."""
    if kind == "count":
        return (pd.notna(value) and int(value) == int(published)), ("" if pd.isna(value) else str(int(value)))
    if kind == "pct":
        shown = _pct_shown(value)
        return shown == str(round_half_up(float(published), 1)), shown
    if kind == "months":
        shown = fmt_number(value, 2)
        return shown == str(round_half_up(float(published), 2)), shown
    if kind == "text":
        return text == str(published), str(text)
    if kind == "month":
        month = str(text or "")[:7]
        wanted = published.strftime("%Y-%m") if isinstance(published, dt.date) else str(published)[:7]
        return month == wanted, month
    if kind == "at_least":
        return (pd.notna(value) and value >= float(published)), fmt_number(value, 0)
    if kind == "at_most":
        return (pd.notna(value) and value <= float(published)), fmt_number(value, 0)
    raise ValueError(f"unknown comparison kind {kind!r}")


def _irreproducible_reason(publication: Mapping, rule: Rule, published: object) -> str | None:
    """The reason a published P cannot come from the publication's own counts, or None if it can."""
    entries = []
    for path in rule.counts or ():
        node: object = publication
        for key in path.split("."):
            node = node.get(key, {}) if isinstance(node, Mapping) else {}
        if not isinstance(node, Mapping) or "n" not in node or "N" not in node:
            return None
        entries.append((int(node["n"]), int(node["N"])))
    if len(entries) != 2:
        return None
    table = [[n, total - n] for n, total in entries]
    tests = {"FISHER": fisher_exact_test(table).p_value, "CHISQ": chi_square_test(table).p_value}
    found = {name: p for name, p in tests.items() if name in rule.levels}
    if any(p_meets(p, published) for p in found.values()):
        return None
    counts = " vs ".join(f"{n}/{total}" for n, total in entries)
    given = ", ".join(f"{P_TESTS[name]} P={p:.4f}" for name, p in found.items())
    return f"the published counts {counts} give {given}; none is {published}"


def _compare(claim: Claim, rule: Rule, index: _Index, publication: Mapping) -> dict[str, object]:
    row: dict[str, object] = {"reproduced": "", "output_id": "", "status": "missing", "reason": ""}
    found = [(level, index.find(rule, level)) for level in rule.levels]
    found = [(level, hit) for level, hit in found if hit is not None]
    if not found:
        return row
    if rule.kind == "p":
        shown = "; ".join(f"{P_TESTS.get(level, level)} P={hit['VALUE']:.4f}" for level, hit in found)
        matches = [level for level, hit in found if p_meets(hit["VALUE"], claim.published)]
        row.update(reproduced=shown, output_id=found[0][1]["OUTPUT_ID"])
        if matches:
            row.update(status="match", reason=f"met by the {P_TESTS.get(matches[0], matches[0])} test")
            return row
        reason = _irreproducible_reason(publication, rule, claim.published)
        row.update(status="irreproducible" if reason else "mismatch", reason=reason or "")
        return row
    hit = found[0][1]
    text = hit["VALUEC"] if isinstance(hit["VALUEC"], str) else None
    ok, shown = _compare_value(rule.kind, hit["VALUE"], text, claim.published)
    row.update(reproduced=shown, output_id=hit["OUTPUT_ID"], status="match" if ok else "mismatch")
    return row


def create_concordance(publication: Mapping, results: pd.DataFrame) -> pd.DataFrame:
    """Compare every claim of ``publication`` with the results dataset.

    Parameters
    ----------
    publication : mapping
        The study's ``publication.yaml`` as loaded (``Study.publication``).
    results : pandas.DataFrame
        The results dataset (:func:`tlf.results.create_results`).

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``path, kind, published, reproduced, status, output_id, reason,
        source``; ``reason`` carries the publication's note when the rule gives none.
    """
    rows = []
    index = _Index(results)
    for claim in iter_claims(publication):
        rule = RULES.get(claim.path)
        published = ", ".join(map(str, claim.published)) if isinstance(claim.published, list) else str(claim.published)
        row = {"path": claim.path, "kind": rule.kind if rule else "descriptive", "published": published,
               "reproduced": "", "status": "descriptive", "output_id": "", "reason": "", "source": claim.source or ""}
        if rule is not None:
            row.update(_compare(claim, rule, index, publication))
            if row["status"] == "irreproducible" and claim.note:
                row["reason"] = f"{row['reason']} (publication.yaml: {claim.note})"
        rows.append(row)
    return pd.DataFrame(rows, columns=["path", "kind", "published", "reproduced", "status", "output_id", "reason",
                                       "source"])


def summary_line(concordance: pd.DataFrame, *, report: str | None = "concordance.html") -> str:
    """``"53/54 published values reproduced; 1 irreproducible, see concordance.html"`` (no pointer when ``report`` is None)."""
    compared = concordance[concordance["status"] != "descriptive"]
    counts = compared["status"].value_counts()
    parts = [f"{counts.get('match', 0)}/{len(compared)} published values reproduced"]
    parts += [f"{counts[s]} {s}" for s in ("mismatch", "missing", "irreproducible") if counts.get(s, 0)]
    line = "; ".join(parts)
    return f"{line}, see {report}" if len(parts) > 1 and report else line


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def write_concordance(
    concordance: pd.DataFrame, folder: str | Path, *, study_id: str, cutoff: str, rules_text: str | None = None
) -> tuple[Path, Path]:
    """Write ``concordance.csv`` and ``concordance.html`` into ``folder``; return their paths.

    The HTML page (template ``tlf/templates/concordance.html.j2``, autoescaped) shows the
    summary line, the comparison rules and one row per claim coloured by status. Nothing
    time-dependent is written, so a rerun gives the same bytes.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "concordance.csv"
    concordance.to_csv(csv_path, index=False, lineterminator="\n")
    html = _environment().get_template("concordance.html.j2").render(
        study_id=study_id, cutoff=cutoff, summary=summary_line(concordance, report=None),
        rules=rules_text if rules_text is not None else __doc__, rows=concordance.to_dict("records"),
        counts=concordance["status"].value_counts().reindex(STATUSES, fill_value=0).to_dict(),
    )
    html_path = folder / "concordance.html"
    html_path.write_bytes(html.encode("utf-8"))
    return csv_path, html_path
