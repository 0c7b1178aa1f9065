"""Subject-level latent facts: enrollment, demographics, disease, history, biomarkers.

Each screened subject is a :class:`Subject`. Its random draws come from its own stream
(:func:`subject_rng`, seeded by study seed, site, subject number and purpose), so a subject's
facts do not depend on how many subjects come before it and the scaled simulator can generate
subjects one at a time. Every distribution is a parameter of the simulator configuration
(``edc/alter_e003.yaml``, section ``population``), with its plausibility source stated there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from edc.courses import Course

GENE_TRANSCRIPTS = {
    "TP53": ("NM_000546.6", 393), "FAT1": ("NM_005245.4", 4588), "NOTCH3": ("NM_000435.3", 2321),
    "NOTCH1": ("NM_017617.5", 2555), "PIK3CA": ("NM_006218.4", 1068), "CDKN2A": ("NM_000077.5", 156),
    "KMT2D": ("NM_003482.4", 5537), "KMT2C": ("NM_170606.3", 4911), "NFE2L2": ("NM_006164.5", 605),
    "ZNF750": ("NM_024702.3", 723), "LRP1B": ("NM_018557.3", 4599), "EP300": ("NM_001429.4", 2414),
    "RB1": ("NM_000321.3", 928), "FAT2": ("NM_001447.3", 4349), "CCND1": ("NM_053056.3", 295),
    "FGF19": ("NM_005117.3", 216), "SOX2": ("NM_003106.4", 317), "EGFR": ("NM_005228.5", 1210),
    "MYC": ("NM_002467.6", 439),
}
# Mutation frequencies of the background genes in ESCC (population section of the config gives
# the sources); amplifications are reported as copy-number gains.
BACKGROUND = {
    "NOTCH1": 0.15, "PIK3CA": 0.10, "CDKN2A": 0.08, "KMT2D": 0.18, "KMT2C": 0.10, "NFE2L2": 0.07,
    "ZNF750": 0.07, "LRP1B": 0.15, "EP300": 0.08, "RB1": 0.05, "FAT2": 0.08,
}
AMPLIFIED = {"CCND1": 0.38, "FGF19": 0.30, "SOX2": 0.15, "EGFR": 0.10, "MYC": 0.08}
TP53_HOTSPOTS = [
    ("c.524G>A", "p.Arg175His", "Missense"), ("c.743G>A", "p.Arg248Gln", "Missense"),
    ("c.818G>A", "p.Arg273His", "Missense"), ("c.844C>T", "p.Arg282Trp", "Missense"),
    ("c.659A>G", "p.Tyr220Cys", "Missense"), ("c.733G>A", "p.Gly245Ser", "Missense"),
    ("c.742C>T", "p.Arg248Trp", "Missense"), ("c.536A>G", "p.His179Arg", "Missense"),
    ("c.637C>T", "p.Arg213*", "Nonsense"), ("c.586C>T", "p.Arg196*", "Nonsense"),
    ("c.1024C>T", "p.Arg342*", "Nonsense"), ("c.375+1G>A", "p.?", "Splice site"),
    ("c.438G>A", "p.Trp146*", "Nonsense"), ("c.818G>T", "p.Arg273Leu", "Missense"),
]
PIK3CA_HOTSPOTS = [("c.1633G>A", "p.Glu545Lys"), ("c.1624G>A", "p.Glu542Lys"), ("c.3140A>G", "p.His1047Arg")]
NFE2L2_HOTSPOTS = [("c.85G>C", "p.Asp29His"), ("c.100C>G", "p.Arg34Gly"), ("c.235G>C", "p.Glu79Gln")]
AA = ["Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly", "His", "Ile", "Leu", "Lys", "Met", "Phe", "Pro", "Ser", "Thr", "Trp", "Tyr", "Val"]


def subject_rng(seed: int, siteid: str, subjid: str, purpose: str) -> random.Random:
    """The random stream of one subject for one purpose (string-seeded, platform independent)."""
    return random.Random(f"{seed}/{siteid}/{subjid}/{purpose}")


def pick(rng: random.Random, weights: dict):
    """Draw a key of ``weights`` with probability proportional to its value."""
    x = rng.random() * sum(weights.values())
    for key, w in weights.items():
        x -= w
        if x < 0:
            return key
    return key


@dataclass
class Subject:
    """Latent facts of one screened subject (dates are day numbers)."""

    siteid: str
    subjid: str
    consent: int
    treated: bool
    trtsdt: int | None = None
    sf_reason: str | None = None
    sf_day: int | None = None
    sex: str = "M"
    birth: int = 0
    birth_precision: str = "day"
    age: int = 60
    ethnic: str = "Han"
    height: float = 168.0
    weight: float = 60.0
    ecog0: int = 1
    smoking: str = "NEVER"
    alcohol: str = "NEVER"
    pack_years: int = 0
    diag_day: int = 0
    diag_precision: str = "day"
    differentiation: str = ""
    location: str = ""
    status: str = ""
    stage: str = "IVB"
    tnm: tuple[str, str, str] = ("T3", "N2", "M1")
    mets: list[str] = field(default_factory=list)
    pdl1: str = ""
    prior: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    lab_mean: dict = field(default_factory=dict)
    group: str = "NONE"
    course: Course | None = None
    ngs_sample: dict | None = None
    variants: list[dict] = field(default_factory=list)
    mihc: list[tuple[str, str, float]] = field(default_factory=list)
    trae: str = "any"                # none / any / g3: treatment-related AE level required
    death_cause: tuple[str, bool] | None = None

    @property
    def key(self) -> str:
        """``SITEID-SUBJID``."""
        return f"{self.siteid}-{self.subjid}"


# ---------------------------------------------------------------------------------------------
# Enrollment
# ---------------------------------------------------------------------------------------------


def enroll_embedded(cfg: dict, study: dict, seed: int) -> list[Subject]:
    """Screened subjects of the embedded study: consent dates, first doses, screen failures.

    Consent dates are spread over ``enrollment.first_consent .. last_consent``; treated
    subjects get their first dose 7-26 days later, inside the study's enrollment window
    (``study.yaml`` ``enrollment``), with at least one first dose in the first and the last
    month. Screen failures get the criteria of ``enrollment.screen_failure_reasons``.
    """
    rng = random.Random(f"{seed}/enrollment")
    enr = cfg["enrollment"]
    first = _day(enr["first_consent"])
    last = _day(enr["last_consent"])
    win_lo, win_hi = _day(study["enrollment"]["first"]), _day(study["enrollment"]["last"])
    lo_scr, hi_scr = enr["screening_days"]
    reasons = list(enr["screen_failure_reasons"])
    rng.shuffle(reasons)
    subjects: list[Subject] = []
    for siteid, v in enr["sites"].items():
        n, n_sf = v["screened"], v["screen_failures"]
        consents = sorted(rng.randint(first, last) for _ in range(n))
        sf_positions = set(rng.sample(range(1, n - 1), n_sf))
        for i, c in enumerate(consents):
            subj = Subject(siteid=siteid, subjid=f"{i + 1:03d}", consent=c, treated=i not in sf_positions)
            if subj.treated:
                subj.trtsdt = min(max(c + rng.randint(lo_scr, hi_scr), win_lo + 3), win_hi - 3)
            else:
                subj.sf_reason = reasons.pop()
                subj.sf_day = c + rng.randint(5, 20)
            subjects.append(subj)
    treated = [s for s in subjects if s.treated]
    # the ASCO abstract reports enrollment March-September 2022: first doses in both months
    earliest = min(treated, key=lambda s: s.trtsdt)
    earliest.trtsdt = min(earliest.trtsdt, win_lo + rng.randint(3, 12))
    latest = max(treated, key=lambda s: s.trtsdt)
    latest.trtsdt = max(latest.trtsdt, win_hi - rng.randint(3, 12))
    for s in (earliest, latest):
        s.consent = s.trtsdt - rng.randint(lo_scr, hi_scr)
    # screening numbers follow the order of consent within each site
    ordered: list[Subject] = []
    for siteid in enr["sites"]:
        site = sorted((s for s in subjects if s.siteid == siteid), key=lambda s: (s.consent, s.subjid))
        for i, s in enumerate(site):
            s.subjid = f"{i + 1:03d}"
        ordered += site
    return ordered


def _day(value) -> int:
    return value.toordinal() if isinstance(value, date) else date.fromisoformat(str(value)).toordinal()


# ---------------------------------------------------------------------------------------------
# Baseline characteristics
# ---------------------------------------------------------------------------------------------


def draw_baseline(subj: Subject, pop: dict, labs: dict, seed: int) -> None:
    """Demographics, disease, history and baseline lab levels (simulated, see config sources)."""
    rng = subject_rng(seed, subj.siteid, subj.subjid, "baseline")
    ref = subj.trtsdt or subj.sf_day
    subj.sex = "M" if rng.random() < pop["male"] else "F"
    a = pop["age"]
    age = int(round(rng.gauss(a["median"], a["sd"])))
    subj.age = min(max(age, a["min"]), a["max"] - 1)
    if subj.sf_reason == "IN01":
        subj.age = 77
    subj.birth = subj.consent - int(subj.age * 365.25) - rng.randint(20, 340)
    subj.ethnic = pick(rng, pop["ethnic_groups"])
    h_mu, h_sd = pop["height_cm"][subj.sex]
    subj.height = round(rng.gauss(h_mu, h_sd), 1)
    bmi = max(15.5, rng.gauss(*pop["bmi"]))
    subj.weight = round(bmi * (subj.height / 100) ** 2, 1)
    subj.ecog0 = 1 if rng.random() < pop["ecog1"] else 0
    if subj.sf_reason == "IN05":
        subj.ecog0 = 2
    subj.smoking = pick(rng, pop["smoking"][subj.sex])
    subj.alcohol = pick(rng, pop["alcohol"][subj.sex])
    subj.pack_years = 0 if subj.smoking == "NEVER" else rng.randint(8, 60)

    subj.location = pick(rng, pop["location"])
    subj.differentiation = pick(rng, pop["differentiation"])
    subj.status = pick(rng, pop["disease_status"])
    distant = [m for m, p in pop["metastases"].items() if rng.random() < p]
    if subj.status == "Locally advanced unresectable":
        distant = []
        subj.stage, subj.tnm = "IVA", (rng.choice(["T4b", "T4b", "T3"]), rng.choice(["N2", "N3"]), "M0")
        if subj.tnm[0] == "T3":
            subj.tnm = ("T3", "N3", "M0")
    else:
        if not distant:
            distant = ["Distant lymph node"]
        subj.stage = "IVB"
        subj.tnm = (rng.choice(["T2", "T3", "T3", "T4a"]), rng.choice(["N1", "N2", "N2", "N3"]), "M1")
    if subj.sf_reason == "IN04":
        distant = ["Bone"]  # bone-only disease: no measurable lesion
    subj.mets = distant
    months_before = {"Metastatic (de novo)": (0.5, 2), "Locally advanced unresectable": (0.5, 2),
                     "Recurrent after surgery": (14, 40), "Recurrent after radiotherapy": (12, 30)}[subj.status]
    subj.diag_day = ref - int(30.4 * rng.uniform(*months_before))
    subj.diag_precision = pick(rng, {"day": 0.75, "month": 0.2, "year": 0.05})
    cat = pick(rng, pop["pdl1_cps"])
    subj.pdl1 = {"<1": "<1", "1-9": str(rng.randint(1, 9)), ">=10": str(rng.choice([10, 12, 15, 20, 25, 30, 40, 50, 60, 70, 80]))}[cat]
    subj.prior = _prior_therapy(subj, rng)
    subj.history = _history(subj, pop, rng)
    subj.lab_mean = {}
    for code, (panel, unit, m_m, m_f, sd_b, _sd_w, _dec) in labs["analytes"].items():
        mean = m_m if subj.sex == "M" else m_f
        # subject means within 2 SD: eligible organ function (inclusion IN07-IN09)
        subj.lab_mean[code] = min(max(rng.gauss(mean, sd_b), mean - 2 * sd_b), mean + 2 * sd_b) if sd_b else 0.0
    if subj.sf_reason == "IN08":
        subj.lab_mean["TBIL"] = rng.uniform(38, 52)  # > 1.5 x ULN: hepatic function not adequate
        subj.mets = sorted(set(subj.mets) | {"Liver"})


def _prior_therapy(subj: Subject, rng: random.Random) -> list[dict]:
    out = []
    if subj.status == "Recurrent after surgery":
        surg = subj.diag_day + rng.randint(20, 45)
        out.append({"type": "SURGERY", "text": rng.choice(["Ivor Lewis esophagectomy", "McKeown esophagectomy (three-incision)", "Sweet esophagectomy"]),
                    "start": surg, "end": surg, "setting": "CURATIVE"})
        if rng.random() < 0.5:
            s = surg + rng.randint(28, 45)
            out.append({"type": "CHEMOTHERAPY", "text": "Adjuvant paclitaxel + cisplatin x4", "start": s, "end": s + 84, "setting": "ADJUVANT"})
    elif subj.status == "Recurrent after radiotherapy":
        s = subj.diag_day + rng.randint(14, 30)
        out.append({"type": "RADIOTHERAPY", "text": "Definitive chemoradiotherapy 60 Gy/30 fx with weekly paclitaxel + cisplatin", "start": s, "end": s + 42, "setting": "DEFINITIVE"})
    elif rng.random() < 0.08:
        ref = subj.trtsdt or subj.sf_day
        s = ref - rng.randint(35, 60)
        out.append({"type": "RADIOTHERAPY", "text": "Palliative radiotherapy to bone metastasis 30 Gy/10 fx", "start": s, "end": s + 13, "setting": "PALLIATIVE"})
    if subj.sf_reason == "IN03":
        s = subj.diag_day + rng.randint(10, 20)
        out.append({"type": "CHEMOTHERAPY", "text": "Paclitaxel + nedaplatin x2 cycles for metastatic disease", "start": s, "end": s + 42, "setting": "ADVANCED (FIRST-LINE)"})
    return out


def _history(subj: Subject, pop: dict, rng: random.Random) -> list[dict]:
    out = []
    for term, (p, verbatims, years) in pop["medical_history"].items():
        if term == "Benign prostatic hyperplasia" and subj.sex == "F":
            continue
        if rng.random() >= p:
            continue
        if term == "Dysphagia":
            start = subj.diag_day - rng.randint(20, 90)
        else:
            start = subj.consent - int(365.25 * max(0.5, rng.gauss(years, years / 2)))
        out.append({"term": term, "verbatim": rng.choice(verbatims), "start": start,
                    "precision": pick(rng, {"day": 0.3, "month": 0.45, "year": 0.25}), "ongoing": True})
    if subj.sf_reason == "EX03" and not any(h["term"] == "Hypertension" for h in out):
        out.append({"term": "Hypertension", "verbatim": "Hypertension", "start": subj.consent - 3000, "precision": "year", "ongoing": True})
    return out


# ---------------------------------------------------------------------------------------------
# Biomarkers
# ---------------------------------------------------------------------------------------------


def draw_ngs(subj: Subject, seed: int, collected: int) -> None:
    """Tumour NGS sample and variants consistent with the subject's signature group.

    POS: TP53 and FAT1 mutated, NOTCH3 wild type. NEG: one of TP53 wild type, FAT1 wild type
    or NOTCH3 mutated. Background genes at ESCC frequencies (module constants).
    """
    rng = subject_rng(seed, subj.siteid, subj.subjid, "ngs")
    purity = rng.uniform(0.25, 0.75)
    subj.ngs_sample = {"sample": f"NGS{subj.siteid}{subj.subjid}", "collected": collected, "purity": round(100 * purity),
                       "tmb": round(max(0.5, rng.lognormvariate(1.6, 0.55)), 1), "msi": "MSS"}
    if subj.group == "POS":
        tp53, fat1, notch3 = True, True, False
    else:
        failure = pick(rng, {"tp53_wt": 0.25, "fat1_wt": 0.45, "notch3_mut": 0.30})
        tp53 = failure != "tp53_wt" and not (failure == "fat1_wt" and rng.random() < 0.15)
        fat1 = failure != "fat1_wt" and (failure == "notch3_mut" or rng.random() < 0.5)
        notch3 = failure == "notch3_mut"
    variants = []

    def vaf(clonal: bool = True) -> float:
        base = purity / 2 if clonal else purity * rng.uniform(0.08, 0.3)
        return round(100 * min(0.95, max(0.02, rng.gauss(base, 0.04))), 1)

    if tp53:
        c, p, klass = rng.choice(TP53_HOTSPOTS)
        variants.append(_variant("TP53", c, p, klass, vaf()))
        if rng.random() < 0.08:
            c, p, klass = rng.choice(TP53_HOTSPOTS)
            variants.append(_variant("TP53", c, p, klass, vaf(False)))
    if fat1:
        variants.append(_random_variant("FAT1", rng, vaf(rng.random() < 0.7), truncating=0.75))
        if rng.random() < 0.2:
            variants.append(_random_variant("FAT1", rng, vaf(False), truncating=0.75))
    if notch3:
        variants.append(_random_variant("NOTCH3", rng, vaf(), truncating=0.2))
    for gene, freq in BACKGROUND.items():
        if rng.random() < freq:
            if gene == "PIK3CA":
                c, p = rng.choice(PIK3CA_HOTSPOTS)
                variants.append(_variant(gene, c, p, "Missense", vaf()))
            elif gene == "NFE2L2":
                c, p = rng.choice(NFE2L2_HOTSPOTS)
                variants.append(_variant(gene, c, p, "Missense", vaf()))
            else:
                variants.append(_random_variant(gene, rng, vaf(rng.random() < 0.6), truncating=0.5))
    for gene, freq in AMPLIFIED.items():
        if rng.random() < freq:
            variants.append({"gene": gene, "transcript": GENE_TRANSCRIPTS[gene][0], "hgvs_c": "", "hgvs_p": "",
                             "class": "Amplification", "vaf": None, "copies": rng.choice([5, 6, 7, 8, 9, 10, 12, 15])})
    subj.variants = variants


def _variant(gene: str, c: str, p: str, klass: str, vaf: float) -> dict:
    return {"gene": gene, "transcript": GENE_TRANSCRIPTS[gene][0], "hgvs_c": c, "hgvs_p": p, "class": klass, "vaf": vaf, "copies": None}


def _random_variant(gene: str, rng: random.Random, vaf: float, truncating: float) -> dict:
    length = GENE_TRANSCRIPTS[gene][1]
    pos = rng.randint(20, length - 20)
    ref = rng.choice(AA)
    if rng.random() < truncating:
        if rng.random() < 0.5:
            cpos = 3 * pos - 2
            return _variant(gene, f"c.{cpos}C>T", f"p.{ref}{pos}*", "Nonsense", vaf)
        cpos = 3 * pos - rng.randint(0, 2)
        return _variant(gene, f"c.{cpos}del{rng.choice('ACGT')}", f"p.{ref}{pos}fs", "Frameshift", vaf)
    alt = rng.choice([a for a in AA if a != ref])
    cpos = 3 * pos - rng.randint(0, 2)
    bases = rng.sample("ACGT", 2)
    return _variant(gene, f"c.{cpos}{bases[0]}>{bases[1]}", f"p.{ref}{pos}{alt}", "Missense", vaf)


def draw_mihc(subj: Subject, seed: int, responder: bool) -> None:
    """Multiplex IHC cell densities (cells/mm2): CD8+ and PD-L1+ in tumour and stroma."""
    rng = subject_rng(seed, subj.siteid, subj.subjid, "mihc")
    scale = 1.6 if responder else 1.0
    subj.mihc = [
        ("CD8", "TUMOUR", round(rng.lognormvariate(4.3, 0.7) * scale, 1)),
        ("CD8", "STROMA", round(rng.lognormvariate(5.4, 0.6) * scale, 1)),
        ("PD-L1", "TUMOUR", round(rng.lognormvariate(3.8, 1.0) * scale, 1)),
        ("PD-L1", "STROMA", round(rng.lognormvariate(4.2, 0.8) * scale, 1)),
    ]
