"""Entry points of the simulator: the calibrated embedded study and uncalibrated scaled studies.

* :func:`write_study` writes ALTER-E-003's raw EDC exports (53 screened, 46 treated, 5 sites),
  calibrated so that the downstream derivations reproduce the publication (see
  :mod:`edc.calibration`). Same seed, byte-identical files.
* :func:`write_scaled_study` writes an uncalibrated study of N subjects with the same forms and
  the same data issues, for benchmarks. Subjects are generated and written one at a time per
  site (streaming), sites in parallel on up to ``scaled.workers`` processes.

Both write one folder per site (``site_01`` ...) with one CSV file per CRF form and the local
labs as ``local_labs.xlsx``; :data:`edc.forms.FORMS` lists the forms.
"""

from __future__ import annotations

import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import yaml

from edc import calibration as cal
from edc.clinical import Timeline, build_timeline
from edc.courses import RESPONDER_KINDS, Course, assessments
from edc.export import CsvForm, XlsxForm
from edc.forms import FORMS, KEYS, LAB_FILE, SubjectRecord, lab_rows, lab_sheet_columns, range_rows
from edc.mess import SiteStyle
from edc.population import Subject, _day, draw_baseline, draw_mihc, draw_ngs, enroll_embedded, pick, subject_rng
from edc.recist import Tumour, baseline_lesions, render_tumour
from edc.reference import Conventions
from edc.schedule import Schedule

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "alter_e003.yaml"
TERMS = HERE / "terms.yaml"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader


def load_config(path: Path = CONFIG) -> dict:
    """The simulator configuration."""
    return _yaml(path)


def load_terms(path: Path = TERMS) -> dict:
    """The verbatim-term catalogue (AEs, medications, subsequent therapy)."""
    return _yaml(path)


def load_study(study_dir: Path) -> dict:
    """``study.yaml`` of a study folder."""
    return _yaml(Path(study_dir) / "study.yaml")


# ---------------------------------------------------------------------------------------------
# The embedded, calibrated study
# ---------------------------------------------------------------------------------------------


class World:
    """The latent embedded study: subjects with courses, timelines and tumours, plus the
    locations of the catalogued data issues and the achieved calibration."""

    def __init__(self) -> None:
        self.subjects: list[Subject] = []
        self.timelines: dict[str, Timeline] = {}
        self.tumours: dict[str, Tumour] = {}
        self.issues: dict[str, object] = {}
        self.achieved: cal.Achieved | None = None
        self.problem: cal.Problem | None = None


def problem_for(cfg: dict, study: dict) -> cal.Problem:
    """The calibration problem of the embedded study."""
    c = cfg["calibration"]
    return cal.Problem(
        schedule=Schedule.from_study(study),
        conv=Conventions.from_study(study),
        targets=cal.Targets.from_config(c, float(study["analysis"]["days_per_month"])),
        cutoff=_day(study["cutoffs"]["final"]),
        interim=_day(study["cutoffs"]["interim"]),
        export=_day(cfg["simulator"]["export_date"]),
        priors=c["priors"], margins=c["margins"], solver=c["solver"],
        os_median_range=tuple(m * float(study["analysis"]["days_per_month"]) for m in c["os_median_months_range"]),
    )


def build_world(cfg: dict, terms: dict, study: dict, seed: int) -> World:
    """Solve the calibration and build every subject's latent facts (no file is written)."""
    world = World()
    prob = problem_for(cfg, study)
    world.problem = prob
    subjects = enroll_embedded(cfg, study, seed)
    for s in subjects:
        draw_baseline(s, cfg["population"], cfg["labs"], seed)
    treated = [s for s in subjects if s.treated]
    courses = cal.solve_pfs([s.trtsdt for s in treated], prob, cfg["calibration"]["allocation"], seed)
    for s, c in zip(treated, courses):
        s.course, s.group = c, c.group
    world.subjects = subjects
    world.issues["post_cutoff_progression"] = _post_cutoff_progression(treated, prob)
    _assign_death_causes(treated, cfg, prob)
    _assign_trae_levels(treated, cfg, random.Random(f"{seed}/trae"))
    _tumours(world, treated, prob, seed)

    alive = {s.key: _timeline(s, replace(s.course, pps=None), cfg, terms, prob, seed, world) for s in treated}
    variants = [[_lka(alive[s.key], world.tumours[s.key], prob.cutoff, v) for s in treated] for v in LKA_VARIANTS]
    cal.solve_os([s.course for s in treated], variants, prob, seed)
    world.issues["post_cutoff_death"] = _post_cutoff_death(treated, prob, random.Random(f"{seed}/exercise-death"))
    for s in treated:
        world.timelines[s.key] = _timeline(s, s.course, cfg, terms, prob, seed, world)
    lka = [_lka(world.timelines[s.key], world.tumours[s.key], prob.cutoff, "contract") for s in treated]
    world.achieved = cal.evaluate([s.course for s in treated], lka, prob)
    cal.verify(world.achieved, cfg["calibration"]["targets"], prob)
    for s in subjects:
        if s.treated and s.group in ("POS", "NEG"):
            draw_ngs(s, seed, s.diag_day + 7)
            if subject_rng(seed, s.siteid, s.subjid, "mihc-select").random() < cfg["population"]["mihc_fraction"]:
                draw_mihc(s, seed, s.course.kind in RESPONDER_KINDS)
    _duplicate_ae(world)
    return world


CONTRACT_SOURCES = frozenset({"visit", "dosing", "ae", "contact", "assessment"})
# Last-known-alive conventions the OS calibration must survive: the contract's list, the same
# without AE dates and/or scan dates, a dosing period running over the cut-off read as ending
# on it, and con-med / subsequent-therapy dates added.
LKA_VARIANTS = {
    "contract": CONTRACT_SOURCES,
    "no_ae": CONTRACT_SOURCES - {"ae"},
    "no_assessment": CONTRACT_SOURCES - {"assessment"},
    "visits_dosing_contacts": frozenset({"visit", "dosing", "contact"}),
    "truncated_dosing": CONTRACT_SOURCES | {"truncated"},
    "with_meds_and_therapy": CONTRACT_SOURCES | {"medication", "therapy"},
}


def _lka(tl: Timeline, tumour: Tumour, cutoff: int, variant: str) -> int:
    """Last known alive on/before the cut-off under one convention of :data:`LKA_VARIANTS`."""
    sources = LKA_VARIANTS[variant]
    dated = tl.alive_days() + [("assessment", tumour.baseline_day)] + [("assessment", a.day) for a in tumour.assessments]
    dated += [("truncated", cutoff) for c in tl.cycles if c.anl_last and c.day <= cutoff < c.anl_last]
    dated += [("medication", m.start) for m in tl.meds] + [("medication", m.end) for m in tl.meds if m.end]
    dated += [("therapy", t[2]) for t in tl.subsequent]
    return max(d for src, d in dated if src in sources and d <= cutoff)


def _timeline(s: Subject, course: Course, cfg, terms, prob, seed, world) -> Timeline:
    tm = world.tumours[s.key]
    return build_timeline(s, course, cfg, terms, prob.schedule, seed=seed, export=prob.export, cutoff=prob.cutoff,
                          baseline_scan=tm.baseline_day)


def _post_cutoff_progression(treated: list[Subject], prob: cal.Problem) -> Subject | None:
    """Rule exercise: a subject progression-free at the cut-off whose progression is on a scan
    after it (the pipeline must censor at the last scan on/before the cut-off). Uses one the
    solver produced if there is one, else moves a progression-free responder's progression to
    its first scan after the cut-off."""
    def after(s: Subject) -> bool:
        day = s.course.progression_day(prob.schedule)
        return day is not None and prob.cutoff < day <= prob.export
    found = sorted((s for s in treated if after(s)), key=lambda s: s.key)
    if found:
        return found[0]
    for s in sorted((s for s in treated if s.course.kind == "PR" and s.course.end == "cut"), key=lambda s: s.key):
        c = s.course
        k = next(k for k in range(1, len(c.offsets)) if c.assessment_day(k, prob.schedule) > prob.cutoff)
        if c.assessment_day(k, prob.schedule) <= prob.export - 7:
            c.end, c.k_end = "pd", k
            return s
    return None


def _post_cutoff_death(treated: list[Subject], prob: cal.Problem, rng: random.Random) -> Subject | None:
    """Rule exercise: a subject alive at the cut-off who dies after it, before the export date
    (OS must be censored at the last known alive date). Uses one the solver produced if any,
    else moves the death of a subject who progressed long before the cut-off."""
    def after(s: Subject) -> bool:
        day = s.course.death_day(prob.schedule)
        return day is not None and prob.cutoff < day <= prob.export
    found = sorted((s for s in treated if after(s)), key=lambda s: s.key)
    if found:
        return found[0]
    for s in sorted(treated, key=lambda s: s.key):
        c = s.course
        pd_day = c.progression_day(prob.schedule)
        death = c.death_day(prob.schedule)
        if pd_day is not None and pd_day < prob.cutoff - 60 and (death is None or death > prob.export):
            c.pps = prob.cutoff + rng.randint(8, 20) - pd_day
            return s
    return None


def _anchor_roles(treated: list[Subject], prob: cal.Problem) -> dict[str, Subject]:
    days = {"median": prob.targets.median, "lower": prob.targets.ci[0], "upper": prob.targets.ci[1],
            "pos": prob.targets.median_pos, "neg": prob.targets.median_neg}
    out = {}
    for name, day in days.items():
        out[name] = next(s for s in treated if s.course.end == "death" and s.course.kind in ("PR", "SD") and s.course.death_rel == day - 1)
    return out


def _assign_death_causes(treated: list[Subject], cfg: dict, prob: cal.Problem) -> None:
    causes = cfg["calibration"]["death_causes"]
    for name, s in _anchor_roles(treated, prob).items():
        s.death_cause = (causes[name][0], causes[name][1] == "related")
    for s in treated:
        if s.course.kind in ("NE_DEATH", "NE_EARLY_SD", "UPR_DEATH"):
            pt, rel = causes[s.course.kind]
            s.death_cause = (pt, rel == "related")


def _assign_trae_levels(treated: list[Subject], cfg: dict, rng: random.Random) -> None:
    """Which subjects have a treatment-related AE (43) and a grade >= 3 one (13).

    Forced: a related fatal AE, or the pneumonitis that precedes a new anticancer therapy, is a
    grade >= 3 TRAE; the subject who withdrew in cycle 1 has none. The rest are drawn, with
    longer exposure making a grade >= 3 TRAE more likely.
    """
    t = cfg["calibration"]["targets"]
    n_none, n_g3 = len(treated) - t["trae_any"], t["trae_grade3plus"]
    g3 = [s for s in treated if (s.death_cause and s.death_cause[1]) or s.course.end == "newtx"]
    none = [s for s in treated if s.course.kind == "NE_WITHDRAW"]
    free = sorted((s for s in treated if s not in g3 and s not in none and not (s.death_cause and s.death_cause[1])), key=lambda s: s.key)
    short = [s for s in free if s.course.kind in ("PD", "UPR_DEATH", "NE_EARLY_SD") or (s.death_cause and not s.death_cause[1])]
    rng.shuffle(short)
    for s in short:
        if len(none) < n_none:
            none.append(s)
    rest = [s for s in free if s not in none]
    rng.shuffle(rest)
    rest.sort(key=lambda s: 0 if s.course.kind in ("PR", "CR", "SD") else 1)
    g3 += rest[: n_g3 - len(g3)]
    for s in treated:
        s.trae = "none" if s in none else ("g3" if s in g3 else "any")


def _tumours(world: World, treated: list[Subject], prob: cal.Problem, seed: int) -> None:
    """Baseline lesions and measurements; places the catalogued response discrepancies and the
    missing lesion measurement."""
    cr = next(s for s in treated if s.course.kind == "CR")
    pr_hosts = sorted((s for s in treated if s.course.kind == "PR" and s.course.end == "cut" and s.group == "POS"), key=lambda s: s.key)
    pr_host = pr_hosts[0]
    for s in treated:
        rng = subject_rng(seed, s.siteid, s.subjid, "tumour")
        targets, non_targets = baseline_lesions(s.location, s.mets, rng, s.siteid == "03", require_node=s is cr)
        course_ass = assessments(s.course, prob.schedule, prob.export)
        disc = None
        if s is cr:
            disc = next(i for i, a in enumerate(course_ass) if a.k >= 5)
        elif s is pr_host:
            disc = next(i for i, a in enumerate(course_ass) if a.k >= s.course.onset + 3)
        base_day = s.trtsdt - rng.randint(4, 24)
        world.tumours[s.key] = render_tumour(targets, non_targets, base_day, course_ass, rng, discrepancy=disc)
        if disc is not None:
            a = course_ass[disc]
            world.issues.setdefault("response_discrepancies", []).append(
                {"subject": s.key, "visit": prob.schedule.visit_code(a.k), "investigator": a.response,
                 "arithmetic": world.tumours[s.key].assessments[disc].arithmetic})


def _duplicate_ae(world: World) -> None:
    """Mess: the second AE of the first site-02 subject with three or more AEs is exported twice."""
    for s in world.subjects:
        if s.treated and s.siteid == "02" and len(world.timelines[s.key].aes) >= 3:
            world.issues["duplicated_ae"] = {"subject": s.key, "aespid": 2}
            return


def site_styles(cfg: dict) -> dict[str, SiteStyle]:
    """One :class:`SiteStyle` per configured site."""
    labs = cfg["labs"]
    out = {}
    for siteid, sc in cfg["sites"].items():
        profile = labs["profiles"][sc["lab_profile"]]
        kind = profile["UPRO"][1]
        out[siteid] = SiteStyle(siteid, sc, profile, labs["dipstick"][kind])
    return out


def records(world: World, cfg: dict, terms: dict, seed: int) -> dict[str, list[SubjectRecord]]:
    """Per site, the subjects' form inputs in screening-number order."""
    styles = site_styles(cfg)
    studyid = cfg["simulator"]["studyid_in_export"]
    dup = world.issues.get("duplicated_ae", {})
    out: dict[str, list[SubjectRecord]] = {sid: [] for sid in cfg["sites"]}
    for s in world.subjects:
        out[s.siteid].append(SubjectRecord(
            subj=s, style=styles[s.siteid], studyid=studyid, schedule=world.problem.schedule, seed=seed,
            labs_cfg=cfg["labs"], tl=world.timelines.get(s.key), tumour=world.tumours.get(s.key),
            duplicate_ae=dup.get("aespid") if dup.get("subject") == s.key else None,
            extra={"medications": terms["medications"]}))
    return out


def write_site(site_dir: Path, style: SiteStyle, recs, labs_cfg: dict, *, compresslevel: int = 6) -> list[Path]:
    """Write one site's files, streaming the subjects' rows form by form."""
    site_dir.mkdir(parents=True, exist_ok=True)
    writers = {stem: CsvForm(site_dir / f"{stem}.csv", KEYS + cols) for stem, (_, cols, _) in FORMS.items()}
    labs = XlsxForm(site_dir / f"{LAB_FILE}.xlsx", lab_sheet_columns(labs_cfg), compresslevel=compresslevel)
    for row in range_rows(style, labs_cfg):
        labs.write("Ranges", row)
    try:
        for rec in recs:
            for stem, (_, _, fn) in FORMS.items():
                w = writers[stem]
                for row in fn(rec):
                    w.write(row)
            for sheet, row in lab_rows(rec):
                labs.write(sheet, row)
    finally:
        for w in writers.values():
            w.close()
        labs.close()
    return sorted([w.path for w in writers.values()] + [labs.path])


def write_study(study_dir: Path, out_dir: Path, *, seed: int | None = None) -> list[Path]:
    """Write the calibrated embedded study's raw exports.

    Parameters
    ----------
    study_dir : Path
        The study folder (``specs/alter_e003``): ``study.yaml`` gives sites, cut-offs, the
        enrollment window and the RECIST conventions.
    out_dir : Path
        Folder to write ``site_01`` ... ``site_05`` into.
    seed : int, optional
        Random seed; default ``simulator.seed`` of ``edc/alter_e003.yaml`` (the committed data).

    Returns
    -------
    list of Path
        The files written, sorted.
    """
    cfg, terms, study = load_config(), load_terms(), load_study(study_dir)
    seed = int(cfg["simulator"]["seed"] if seed is None else seed)
    world = build_world(cfg, terms, study, seed)
    styles = site_styles(cfg)
    files: list[Path] = []
    for siteid, recs in records(world, cfg, terms, seed).items():
        files += write_site(Path(out_dir) / f"site_{siteid}", styles[siteid], recs, cfg["labs"])
    return sorted(files)


# ---------------------------------------------------------------------------------------------
# Scaled, uncalibrated studies
# ---------------------------------------------------------------------------------------------


def _scaled_problem(cfg: dict, subjects: int) -> tuple[cal.Problem, int, int]:
    sc = cfg["scaled"]
    first = _day(sc["first_consent"])
    last = first + int(30.4375 * sc["enrollment_months"])
    export = last + int(30.4375 * sc["followup_after_last_months"])
    prob = cal.Problem(Schedule(), Conventions(), None, cutoff=export - 20, interim=export - 380, export=export,
                       priors=cfg["calibration"]["priors"], margins=cfg["calibration"]["margins"], solver=cfg["calibration"]["solver"])
    return prob, first, last


def _scaled_subject(siteid: str, number: int, width: int, cfg: dict, terms: dict, prob: cal.Problem,
                    first: int, last: int, seed: int) -> tuple[Subject, Timeline | None, Tumour | None]:
    """One subject of a scaled study, drawn from the priors (no calibration)."""
    sc = cfg["scaled"]
    subjid = f"{number:0{width}d}"
    rng = subject_rng(seed, siteid, subjid, "scaled")
    consent = rng.randint(first, last)
    treated = rng.random() >= sc["screen_failure_rate"]
    s = Subject(siteid=siteid, subjid=subjid, consent=consent, treated=treated)
    if treated:
        s.trtsdt = consent + rng.randint(7, 26)
    else:
        s.sf_reason = rng.choice(cfg["enrollment"]["screen_failure_reasons"])
        s.sf_day = consent + rng.randint(5, 20)
    draw_baseline(s, cfg["population"], cfg["labs"], seed)
    if not treated:
        return s, None, None
    kind = pick(rng, sc["kind_probabilities"])
    group = pick(rng, sc["group_probabilities"])
    c = Course(kind=kind, group=group, trtsdt=s.trtsdt)
    c.offsets = cal._safe_offsets(c, prob, rng)
    c.onset = 2 if (kind == "PR" and rng.random() < 0.25) else 1
    if kind == "PD":
        c.end, c.k_end = "pd", 1
    elif kind == "NE_DEATH":
        c.end, c.death_rel = "death", rng.randint(18, 34)
    elif kind == "NE_WITHDRAW":
        c.end = "withdraw"
    elif kind == "UPR_UNSCHED":
        c.end, c.k_end, c.onset = "pd", 3, 2
        c.unscheduled_gap = rng.randint(14, 20)
    elif kind == "UPR_LTFU":
        c.end, c.k_end = "ltfu", 3
    elif kind in ("UPR_DEATH", "NE_EARLY_SD"):
        c.end, c.death_rel = "death", rng.randint(60, 72)
    else:
        prior_kind = kind if kind in prob.priors["pd_median_days"] else "SD"
        tmp = replace(c, kind=prior_kind)
        cal._draw_end(tmp, prob, rng)
        c.end, c.k_end = tmp.end, tmp.k_end
        if kind == "UPR_PD":
            c.end, c.k_end = "pd", rng.choice((2, 3))
    if c.progression_k() is not None and rng.random() < 0.75:
        c.pps = cal._draw_pps(c, prob, rng)
    s.course, s.group = c, group
    s.trae = pick(rng, {"none": 0.07, "any": 0.65, "g3": 0.28})
    if c.end == "death":
        s.death_cause = ("Upper gastrointestinal haemorrhage" if kind == "NE_DEATH" else "Sudden death", False)
        s.trae = "any" if s.trae == "g3" else s.trae
    t_rng = subject_rng(seed, siteid, subjid, "tumour")
    targets, non_targets = baseline_lesions(s.location, s.mets, t_rng, siteid == "03", require_node=kind == "CR")
    course_ass = assessments(c, prob.schedule, prob.export)
    # same mess as the embedded study: complete responders carry the CR-read-over-an-11-mm-node
    # discrepancy at their 5th scan
    disc = next((i for i, a in enumerate(course_ass) if a.k >= 5), None) if kind == "CR" else None
    tumour = render_tumour(targets, non_targets, s.trtsdt - t_rng.randint(4, 24), course_ass, t_rng, discrepancy=disc)
    tl = build_timeline(s, c, cfg, terms, prob.schedule, seed=seed, export=prob.export, cutoff=prob.cutoff,
                        baseline_scan=tumour.baseline_day)
    if group in ("POS", "NEG"):
        draw_ngs(s, seed, s.diag_day + 7)
        if rng.random() < cfg["population"]["mihc_fraction"]:
            draw_mihc(s, seed, kind in RESPONDER_KINDS)
    return s, tl, tumour


def _write_scaled_site(args) -> list[str]:
    out_dir, siteid, numbers, width, seed, cfg, terms = args
    prob, first, last = _scaled_problem(cfg, 0)
    style = site_styles(cfg)[siteid if siteid in cfg["sites"] else "01"]
    studyid = cfg["simulator"]["studyid_in_export"] + "-SIM"

    def recs():
        dup_done = False
        for n in numbers:
            s, tl, tumour = _scaled_subject(siteid, n, width, cfg, terms, prob, first, last, seed)
            dup = None
            if not dup_done and tl is not None and len(tl.aes) >= 2:
                dup, dup_done = 2, True
            yield SubjectRecord(subj=s, style=style, studyid=studyid, schedule=prob.schedule, seed=seed,
                                labs_cfg=cfg["labs"], tl=tl, tumour=tumour, duplicate_ae=dup,
                                extra={"medications": terms["medications"]})

    files = write_site(Path(out_dir) / f"site_{siteid}", style, recs(), cfg["labs"], compresslevel=1)
    return [str(p) for p in files]


def write_scaled_study(out_dir: Path, *, subjects: int, seed: int) -> list[Path]:
    """Write an uncalibrated study of ``subjects`` screened subjects (same forms, same mess).

    Subjects are spread over the five configured sites (screening numbers zero-padded to at
    least 3 digits) and generated one at a time from the configured distributions; each site
    is written by one worker process (``scaled.workers``: one per site, shared over the
    machine's cores), streaming row by row.

    Returns
    -------
    list of Path
        The files written, sorted.
    """
    if subjects < 1:
        raise ValueError("subjects must be at least 1")
    cfg, terms = load_config(), load_terms()
    sites = list(cfg["scaled"]["sites"])
    per_site = {sid: [] for sid in sites}
    for i in range(subjects):
        per_site[sites[i % len(sites)]].append(len(per_site[sites[i % len(sites)]]) + 1)
    width = max(3, len(str(max(len(v) for v in per_site.values()))))
    jobs = [(str(out_dir), sid, nums, width, seed, cfg, terms) for sid, nums in per_site.items()]
    workers = max(1, min(int(cfg["scaled"]["workers"]), len(jobs)))
    if workers == 1 or subjects < 200:
        results = [_write_scaled_site(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_write_scaled_site, jobs))
    return sorted(Path(p) for r in results for p in r)


def issue_locations(world: World) -> dict:
    """Where the subject-specific catalogued issues and rule exercises sit in the embedded study
    (compared with ``edc/mess_catalogue.yaml`` by the tests)."""
    prob = world.problem
    treated = [s for s in world.subjects if s.treated]
    by_kind = {k: sorted(s.key for s in treated if s.course.kind == k) for k in ("UPR_NE", "UPR_UNSCHED", "UPR_LTFU", "NE_EARLY_SD", "NE_WITHDRAW")}
    out = {
        "duplicated_ae": dict(world.issues["duplicated_ae"]),
        "missing_lesion_measurement": {"subject": by_kind["UPR_NE"][0], "visit": prob.schedule.visit_code(2)},
        "unscheduled_assessment": {"subject": by_kind["UPR_UNSCHED"][0], "visit": "TA_UNS01"},
        "lost_to_follow_up": {"subject": by_kind["UPR_LTFU"][0]},
        "response_discrepancies": sorted(world.issues["response_discrepancies"], key=lambda d: d["subject"]),
        "sd_before_day_42": {"subject": by_kind["NE_EARLY_SD"][0], "visit": prob.schedule.visit_code(1)},
        "no_post_baseline_assessment": {"subject": by_kind["NE_WITHDRAW"][0]},
        "new_therapy_before_progression": {"subject": next(s.key for s in treated if s.course.end == "newtx")},
        "progression_after_missed_scans": {"subject": next(s.key for s in treated if s.course.end == "missed")},
        "progression_after_cutoff": {"subject": world.issues["post_cutoff_progression"].key},
        "death_after_cutoff": {"subject": world.issues["post_cutoff_death"].key},
        "deaths_without_progression": sorted(
            ({"subject": s.key, "study_day": s.course.death_rel + 1, "cause": s.death_cause[0]}
             for s in treated if s.course.end == "death"), key=lambda d: d["study_day"]),
    }
    return out
