"""Biomarker figures: oncoprint of the most frequent genes, ORR by signature group, forest plot of ORR by subgroup.

Sources and rules:

* Oncoprint: ADBM gene parameters (``PARCAT1 == "Somatic Mutation (NGS)"``; AVALC
  ``MUTATED`` / ``WILD TYPE``, variant class in ``AVALCAT1``, MT.ADBM.*) of the analysis set
  (BMEVLFL). Genes: the ``settings.top_genes`` most frequently mutated (ties by name), plus
  the signature genes TP53, FAT1 and NOTCH3 whatever their rank. Subjects ordered by
  signature group, then confirmed BOR (best first), then mutation pattern (top gene first).
  Tracks above: confirmed BOR (ADRS ``CBOR``) and the signature group (ADSL ``SIGGR1``); bars
  on the right: % of subjects mutated.
* ORR by signature: the rates and tests of :mod:`tlf.tables.biomarker` (exact CIs; Fisher
  exact two-sided and Pearson chi-square P, both printed).
* Forest: :func:`tlf.tables.biomarker.subgroup_rates`, point = ORR, line = exact CI, dashed
  line = ORR of all subjects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.patches import Patch

from tlf.figures.common import GROUP_COLOURS, RESPONSE_COLOURS, new_figure, response_colour, style
from tlf.results import BuiltOutput, StatRows
from tlf.tables.biomarker import SIGNATURE_GROUPS, compare_rates, subgroup_rates
from tlf.tables.common import Settings, fmt_ci, fmt_number, require_columns, select_population
from tlf.tables.response import subject_values, summarise_rate
from tlf.tables.survival import fmt_p

VARIANT_CLASSES = {
    "Single Nucleotide Variation": "#6a3d9a",
    "Short Variation": "#ff7f00",
    "Copy Number Variation": "#b15928",
    "Sequence Rearrangement": "#e7298a",
    "Multiple": "#1a1a1a",
}
WILD_TYPE_COLOUR = "#e6e6e6"
SIGNATURE_GENES = ("TP53", "FAT1", "NOTCH3")
BOR_RANK = {"CR": 0, "PR": 1, "SD": 2, "NON-CR/NON-PD": 3, "PD": 4, "NE": 5}


def mutation_matrix(adbm: pd.DataFrame, subjects: pd.Series) -> pd.DataFrame:
    """Genes x subjects of variant-class codes: 0 wild type (or not reported), 1.. the class in :data:`VARIANT_CLASSES`."""
    genes = adbm[adbm["USUBJID"].isin(subjects) & (adbm["PARAMCD"] != "SIG")]
    if "PARCAT1" in genes.columns:
        genes = genes[genes["PARCAT1"].fillna("Somatic Mutation (NGS)") == "Somatic Mutation (NGS)"]
    classes = {name: i for i, name in enumerate(VARIANT_CLASSES, start=1)}
    code = np.where(genes["AVALC"].eq("MUTATED"),
                    genes.get("AVALCAT1", pd.Series(index=genes.index, dtype=object)).map(classes).fillna(1), 0)
    matrix = genes.assign(_CODE=code).pivot_table(index="PARAMCD", columns="USUBJID", values="_CODE", aggfunc="max")
    return matrix.reindex(columns=list(subjects)).fillna(0).astype(int)


def _choose_genes(matrix: pd.DataFrame, top: int) -> list[str]:
    counts = (matrix > 0).sum(axis=1)
    ranked = sorted(counts.index, key=lambda g: (-counts[g], g))
    chosen = ranked[:top] + [g for g in SIGNATURE_GENES if g in counts.index and g not in ranked[:top]]
    return sorted(chosen, key=lambda g: (-counts[g], g))


def build_oncoprint_figure(adsl: pd.DataFrame, adbm: pd.DataFrame, adrs: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Oncoprint (rules in the module docstring).

    Statistics: per gene shown, ``N`` (subjects) and ``n``/``pct`` at level ``MUTATED``
    (VARIABLE = gene). Context ``n`` and ``n_genes``.
    """
    population = select_population(adsl, settings.population)
    ids = population["USUBJID"]
    matrix = mutation_matrix(adbm, ids)
    genes = _choose_genes(matrix, settings.top_genes)
    matrix = matrix.loc[genes]
    cbor = subject_values(adrs, "CBOR", ids)
    sig = pd.Series(population.get("SIGGR1", pd.Series(index=population.index, dtype=object)).to_numpy(), index=ids)
    sig_rank = sig.map({g: i for i, g in enumerate(SIGNATURE_GROUPS)}).fillna(len(SIGNATURE_GROUPS))
    keys = [sig_rank.to_numpy(), cbor.map(BOR_RANK).fillna(9).to_numpy()] + [(matrix.loc[g].to_numpy() == 0) for g in genes]
    order = np.lexsort(keys[::-1]) if len(ids) else np.array([], dtype=int)
    columns = list(ids.iloc[order])
    matrix = matrix[columns]
    stats = StatRows()
    for gene in genes:
        mutated = matrix.columns[(matrix.loc[gene] > 0).to_numpy()]
        stats.add(gene, "N", len(columns), subjects=columns, level="MUTATED")
        stats.add(gene, "n", len(mutated), subjects=mutated, level="MUTATED")
        if columns:
            stats.add(gene, "pct", 100 * len(mutated) / len(columns), subjects=mutated, level="MUTATED")
    with style():
        height = max(3.0, 0.22 * len(genes) + 2.0)
        figure = new_figure((9.0, height))
        grid = figure.add_gridspec(3, 2, height_ratios=(0.35, 0.35, max(len(genes), 1)), width_ratios=(8, 1.2),
                                   hspace=0.08, wspace=0.03, left=0.1, right=0.8, top=0.97, bottom=0.45 / height)
        bor_ax, sig_ax, main = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[1, 0]), figure.add_subplot(grid[2, 0])
        bar_ax = figure.add_subplot(grid[2, 1], sharey=main)
        colours = ListedColormap([WILD_TYPE_COLOUR, *VARIANT_CLASSES.values()])
        main.imshow(matrix.to_numpy(), aspect="auto", cmap=colours, vmin=0, vmax=len(VARIANT_CLASSES),
                    interpolation="nearest")
        main.set_yticks(range(len(genes)), genes, fontstyle="italic")
        main.set_xticks([])
        main.set_xticks(np.arange(-0.5, len(columns), 1), minor=True)
        main.set_yticks(np.arange(-0.5, len(genes), 1), minor=True)
        main.grid(which="minor", color="white", linewidth=0.8)
        main.tick_params(which="minor", length=0)
        main.set_xlabel(f"NGS-evaluable subjects (n={len(columns)})")
        for spine in main.spines.values():
            spine.set_visible(False)
        tracks = ((bor_ax, "Confirmed BOR", [response_colour(cbor.get(c)) for c in columns]),
                  (sig_ax, "Signature", [GROUP_COLOURS[int(sig_rank.get(c, 2))] if sig_rank.get(c, 2) < 2 else "#ffffff"
                                         for c in columns]))
        for ax, label, track in tracks:
            ax.imshow(np.array([[to_rgb(c) for c in track]]) if track else np.ones((1, 1, 3)), aspect="auto",
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([0], [label])
            for spine in ax.spines.values():
                spine.set_visible(False)
        pct = (matrix > 0).mean(axis=1).to_numpy() * 100 if columns else np.zeros(len(genes))
        bar_ax.barh(range(len(genes)), pct, color="#555555", height=0.7)
        for y, value in enumerate(pct):
            bar_ax.text(value + 2, y, f"{value:.0f}%", va="center", fontsize=6)
        bar_ax.set_xlim(0, 120)
        bar_ax.tick_params(labelleft=False, left=False)
        bar_ax.set_xlabel("% mutated")
        handles = [Patch(color=c, label=k) for k, c in VARIANT_CLASSES.items() if (matrix.to_numpy() == list(VARIANT_CLASSES).index(k) + 1).any()]
        handles += [Patch(color=WILD_TYPE_COLOUR, label="Wild type")]
        handles += [Patch(color=RESPONSE_COLOURS[k], label=f"BOR {k}") for k in RESPONSE_COLOURS if cbor.eq(k).any()]
        handles += [Patch(color=GROUP_COLOURS[i], label=g) for i, g in enumerate(SIGNATURE_GROUPS)]
        figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.81, 0.97), frameon=False, fontsize=6)
    return BuiltOutput(stats=stats.frame(), context={"n": len(columns), "n_genes": len(genes)}, figure=figure)


def build_orr_by_signature_figure(adsl: pd.DataFrame, adrs: pd.DataFrame, *, settings: Settings,
                                  groups: Sequence[str] = SIGNATURE_GROUPS) -> BuiltOutput:
    """Bar chart of confirmed ORR (exact CI) by signature group with the Fisher and chi-square P.

    Statistics as :func:`tlf.tables.biomarker.build_orr_by_signature_table` for ``CRSP``.
    Context ``n`` and ``n_group``.
    """
    require_columns(adsl, "ADSL", ["SIGGR1"])
    population = select_population(adsl, settings.population)
    population = population[population["SIGGR1"].isin(groups)]
    ids = population["USUBJID"]
    stats = StatRows()
    rates = []
    for g in groups:
        members = ids[population["SIGGR1"].eq(g).to_numpy()]
        rates.append(summarise_rate(stats, subject_values(adrs, "CRSP", members), variable="CRSP", settings=settings,
                                    group=f"SIGGR1={g}"))
    tests = compare_rates(stats, subject_values(adrs, "CRSP", ids), pd.Series(population["SIGGR1"].to_numpy(), index=ids),
                          variable="CRSP", group_var="SIGGR1", ordered=list(groups))
    with style():
        figure = new_figure((6.5, 4.8))
        ax = figure.add_axes((0.13, 0.12, 0.82, 0.72))
        x = np.arange(len(groups))
        pct = [r.get("pct", 0.0) for r in rates]
        err = np.array([[r.get("pct", 0) - r.get("lcl_pct", 0) for r in rates], [r.get("ucl_pct", 0) - r.get("pct", 0) for r in rates]])
        ax.bar(x, pct, color=GROUP_COLOURS[: len(groups)], width=0.55)
        ax.errorbar(x, pct, yerr=err, fmt="none", ecolor="black", capsize=5, linewidth=0.9)
        for xi, r in zip(x, rates):
            ax.text(xi, r.get("ucl_pct", 0) + 3, f"{r['n']}/{r['N']}\n{fmt_number(r.get('pct'), 1)}% "
                    f"{fmt_ci(r.get('lcl_pct'), r.get('ucl_pct'), 1)}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(x, [f"{g}\n(N={r['N']})" for g, r in zip(groups, rates)])
        ax.set_ylim(0, 125)
        ax.set_yticks(range(0, 101, 20))
        ax.set_ylabel(f"Confirmed objective response rate, % ({settings.ci_pct}% CI, exact)")
        if tests:
            figure.text(0.5, 0.95, f"Fisher exact test (two-sided) P = {fmt_p(tests['FISHER'])};  "
                                   f"Pearson chi-square test P = {fmt_p(tests['CHISQ'])}", ha="center", fontsize=8)
    return BuiltOutput(stats=stats.frame(), context={"n": len(population), "n_group": {g: r["N"] for g, r in zip(groups, rates)}},
                       figure=figure)


def build_forest_figure(adsl: pd.DataFrame, adrs: pd.DataFrame, *, settings: Settings) -> BuiltOutput:
    """Forest plot of confirmed ORR with exact CIs by baseline subgroup (statistics as :func:`subgroup_rates`)."""
    stats = StatRows()
    rates = subgroup_rates(adsl, adrs, stats, settings=settings)
    lines: list[tuple[str, pd.Series | None, bool]] = [("All subjects", rates.iloc[0], True)]
    for label, part in rates.iloc[1:].groupby("label", sort=False):
        lines.append((label, None, True))
        lines += [(f"   {row['level_label']}", row, False) for _, row in part.iterrows()]
    overall = rates.iloc[0].get("pct", np.nan)
    with style():
        figure = new_figure((9.0, max(3.0, 0.2 * len(lines) + 1.0)))
        ax = figure.add_axes((0.36, 0.08, 0.4, 0.88))
        y = np.arange(len(lines))[::-1]
        for yi, (text, row, bold) in zip(y, lines):
            ax.text(-0.62, yi, text, transform=ax.get_yaxis_transform(), ha="left", va="center",
                    fontweight="bold" if bold else "normal", fontsize=7)
            if row is None or not row["N"]:
                continue
            ax.plot([row["lcl_pct"], row["ucl_pct"]], [yi, yi], color="black", linewidth=0.9)
            ax.plot(row["pct"], yi, marker="s", color=GROUP_COLOURS[1], markersize=4 + 4 * np.sqrt(row["N"] / rates.iloc[0]["N"]))
            ax.text(1.03, yi, f"{row['n']}/{row['N']}", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
            ax.text(1.2, yi, f"{fmt_number(row['pct'], 1)} {fmt_ci(row['lcl_pct'], row['ucl_pct'], 1)}",
                    transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        ax.text(1.03, len(lines) - 0.2, "n/N", transform=ax.get_yaxis_transform(), fontsize=7, fontweight="bold")
        ax.text(1.2, len(lines) - 0.2, f"ORR, % ({settings.ci_pct}% CI)", transform=ax.get_yaxis_transform(), fontsize=7,
                fontweight="bold")
        if np.isfinite(overall):
            ax.axvline(overall, color="#888888", linestyle="--", linewidth=0.7)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.8, len(lines) - 0.2 + 0.6)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Confirmed objective response rate (%)")
    return BuiltOutput(stats=stats.frame(), context={"n": int(rates.iloc[0]["N"])}, figure=figure)
