"""Response by biomarker group and by baseline subgroup (ADSL groups x ADRS confirmed response).

Rules: ORR is the confirmed objective response (ADRS ``CRSP == "Y"``), DCR the confirmed
disease control (``CCB == "Y"``), each with its exact Clopper-Pearson CI
(:func:`tlf.tables.response.summarise_rate`). The signature groups are ADSL ``SIGGR1``
(MT.ADSL.SIGFL: TP53 mutated, FAT1 mutated, NOTCH3 wild type), defined for the NGS-evaluable
set (BMEVLFL). The two groups' ORRs are compared with Fisher's exact test (two-sided) and with
Pearson's chi-square test without continuity correction; both P-values are reported and named
(:func:`tlf.stats.fisher_exact_test`, :func:`tlf.stats.chi_square_test`). Subgroups of the
forest plot: the ADSL variables of :data:`SUBGROUPS` present, each level with its ORR and CI.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tlf.results import BuiltOutput, StatRows
from tlf.stats import chi_square_test, fisher_exact_test
from tlf.tables.common import (
    Settings,
    body_frame,
    fmt_ci,
    fmt_n_pct,
    fmt_number,
    require_columns,
    select_population,
)
from tlf.tables.response import RESPONSES, fmt_rate, subject_values, summarise_rate
from tlf.tables.survival import fmt_p

SIGNATURE_GROUPS = ("Signature positive", "Signature negative")
"""SIGGR1 values (ADaM codelist SIGGR1), the reference group last."""
SUBGROUPS = (
    ("AGEGR1", "Age", {"<65": "<65 years", ">=65": ">=65 years"}),
    ("SEX", "Sex", {"M": "Male", "F": "Female"}),
    ("ECOGBL", "ECOG performance status", {}),
    ("PDL1GR1", "PD-L1 CPS", {"<1": "<1", "1-<10": "1 to <10", ">=10": ">=10"}),
    ("LIVERMFL", "Liver metastasis", {"Y": "Yes", "N": "No"}),
    ("SMOKHX", "Smoking history", {"NEVER": "Never", "FORMER": "Former", "CURRENT": "Current"}),
    ("SIGGR1", "TP53+/FAT1+/NOTCH3- signature", {g: g for g in SIGNATURE_GROUPS}),
)
"""Forest-plot subgroups: ADSL variable, label, value labels (display order; others sorted after)."""


def compare_rates(stats: StatRows, values: pd.Series, groups: pd.Series, *, variable: str, group_var: str,
                  ordered: Sequence[str]) -> dict[str, float]:
    """Fisher and chi-square P of ``values == "Y"`` between the two ``ordered`` groups; recorded at levels FISHER/CHISQ."""
    table = [[int((values[groups == g] == "Y").sum()), int((values[groups == g] != "Y").sum())] for g in ordered]
    if any(sum(row) == 0 for row in table) or sum(r[0] for r in table) in (0, sum(map(sum, table))):
        return {}
    ids = values.index[groups.isin(ordered)]
    out = {"FISHER": fisher_exact_test(table).p_value, "CHISQ": chi_square_test(table).p_value}
    for level, p in out.items():
        stats.add(variable, "p_value", p, subjects=ids, level=level, group=group_var)
    return out


def build_orr_by_signature_table(
    adsl: pd.DataFrame, adrs: pd.DataFrame, *, settings: Settings, groups: Sequence[str] = SIGNATURE_GROUPS
) -> BuiltOutput:
    """Confirmed BOR, ORR and DCR (exact CIs) by signature group, with Fisher and chi-square P for ORR.

    Returns
    -------
    BuiltOutput
        Body: Section (page_by), Characteristic, one column per group. Statistics with GROUP
        ``SIGGR1=<group>``: ``CBOR n/pct`` by level, ``CRSP``/``CCB`` ``N, n, pct, lcl_pct,
        ucl_pct``; ``CRSP p_value`` at levels ``FISHER`` and ``CHISQ`` with GROUP ``SIGGR1``.
        Context ``n`` (subjects in a group) and ``n_group``.
    """
    require_columns(adsl, "ADSL", ["SIGGR1"])
    population = select_population(adsl, settings.population)
    population = population[population["SIGGR1"].isin(groups)]
    ids = population["USUBJID"]
    sig = pd.Series(population["SIGGR1"].to_numpy(), index=ids.to_numpy())
    stats = StatRows()
    columns = ["Section", "Characteristic", *groups]
    rows: dict[tuple[str, str], dict[str, str]] = {}
    n_group = {}
    for g in groups:
        members = ids[population["SIGGR1"].eq(g).to_numpy()]
        n_group[g] = len(members)
        label = f"SIGGR1={g}"
        stats.add("POPULATION", "N", len(members), subjects=members, group=label)
        cbor = subject_values(adrs, "CBOR", members)
        for level, name in RESPONSES.items():
            hit = cbor.eq(level)
            if level == "NON-CR/NON-PD" and not hit.any():
                continue
            stats.add("CBOR", "n", int(hit.sum()), subjects=members[hit.to_numpy()], level=level, group=label)
            if len(members):
                stats.add("CBOR", "pct", 100 * hit.sum() / len(members), subjects=members[hit.to_numpy()], level=level,
                          group=label)
            rows.setdefault(("Best overall response (confirmed)", name), {})[g] = fmt_n_pct(int(hit.sum()), len(members))
        for variable, section in (("CRSP", "Objective response rate (CR + PR)"),
                                  ("CCB", "Disease control rate (CR + PR + SD)")):
            count, ci = fmt_rate(summarise_rate(stats, subject_values(adrs, variable, members), variable=variable,
                                                settings=settings, group=label))
            rows.setdefault((section, "n (%)"), {})[g] = count
            rows.setdefault((section, f"{settings.ci_pct}% CI (exact)"), {})[g] = ci
    tests = compare_rates(stats, subject_values(adrs, "CRSP", ids), sig, variable="CRSP", group_var="SIGGR1",
                          ordered=list(groups))
    section = "Objective response rate (CR + PR)"
    rows[(section, "Fisher exact test, two-sided P")] = {groups[0]: fmt_p(tests.get("FISHER", float("nan")))}
    rows[(section, "Pearson chi-square test P")] = {groups[0]: fmt_p(tests.get("CHISQ", float("nan")))}
    order = {section: i for i, section in enumerate(dict.fromkeys(s for s, _ in rows))}
    ranked = sorted(rows.items(), key=lambda item: order[item[0][0]])  # stable: tests follow their section's rates
    body = body_frame([{"Section": s, "Characteristic": c, **v} for (s, c), v in ranked], columns)
    return BuiltOutput(stats=stats.frame(), context={"n": len(population), "n_group": n_group}, body=body,
                       layout={"page_by": "Section"})


def subgroup_rates(adsl: pd.DataFrame, adrs: pd.DataFrame, stats: StatRows, *, settings: Settings) -> pd.DataFrame:
    """Confirmed ORR with exact CI for all subjects and each level of each subgroup of :data:`SUBGROUPS`.

    Returns one row per level: ``variable, label, level, level_label, n, N, pct, lcl_pct,
    ucl_pct`` (first row: all subjects); records ``CRSP`` rates with GROUP ``VAR=level``.
    """
    population = select_population(adsl, settings.population)
    ids = population["USUBJID"]
    rsp = subject_values(adrs, "CRSP", ids)
    rows = [{"variable": "", "label": "All subjects", "level": "", "level_label": "All subjects",
             **summarise_rate(StatRows(), rsp, variable="CRSP", settings=settings)}]
    for variable, label, names in SUBGROUPS:
        if variable not in population.columns:
            continue
        values = population[variable].map(lambda v: None if pd.isna(v) else
                                          (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
        levels = [v for v in names if v in set(values.dropna())] + sorted(set(values.dropna()) - set(names))
        for level in levels:
            members = values.eq(level).to_numpy()
            rate = summarise_rate(stats, rsp[members], variable="CRSP", settings=settings,
                                  group=f"{variable}={level}")
            rows.append({"variable": variable, "label": label, "level": level, "level_label": names.get(level, level),
                         **rate})
    return pd.DataFrame(rows)


def build_subgroup_orr_table(adsl: pd.DataFrame, adrs: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Confirmed ORR (exact CI) by baseline subgroup: the numbers of the forest plot.

    Body: Subgroup (group_by), Level, Responders/N, ORR (``% (CI)``). Statistics as :func:`subgroup_rates`.
    Context ``n``.
    """
    stats = StatRows()
    rates = subgroup_rates(adsl, adrs, stats, settings=settings)
    rows = [{"Subgroup": r.label, "Level": r.level_label, "Responders/N": f"{r.n}/{r.N}",
             "ORR": "-" if not r.N else
             f"{fmt_number(r.pct, 1)} {fmt_ci(r.lcl_pct, r.ucl_pct, 1)}"} for r in rates.iloc[1:].itertuples()]
    columns = ["Subgroup", "Level", "Responders/N", "ORR"]
    return BuiltOutput(stats=stats.frame(), context={"n": int(rates["N"].iloc[0])}, body=body_frame(rows, columns),
                       layout={"group_by": ("Subgroup",)})
