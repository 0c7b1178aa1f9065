"""Fixtures of the TLF builder tests: hand-made ADaM frames (spec variable names, a few subjects).

Each frame's docstring states the numbers a test expects from it, worked by hand.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

STUDYID = "ALTER-E-003"
START = dt.date(2022, 3, 15)


def sid(i: int) -> str:
    """USUBJID of hand-made subject ``i``."""
    return f"{STUDYID}-01-{i:03d}"


def response_adsl() -> pd.DataFrame:
    """Ten efficacy subjects (S1-S10) and one subject outside the efficacy set (S11)."""
    ids = [sid(i) for i in range(1, 12)]
    return pd.DataFrame({
        "STUDYID": STUDYID, "USUBJID": ids,
        "EFFFL": ["Y"] * 10 + ["N"], "SAFFL": "Y", "FASFL": "Y",
        "TRTSDT": pd.to_datetime([START] * 11),
    })


CBOR = ["CR", "PR", "PR", "PR", "SD", "SD", "SD", "PD", "PD", "NE", "PR"]
BOR = ["CR", "PR", "PR", "PR", "PR", "PR", "SD", "SD", "PD", "NE", "PR"]


def response_adrs() -> pd.DataFrame:
    """Subject-level ADRS parameters of :func:`response_adsl` (S11 a responder outside the set).

    Confirmed: CR 1, PR 3, SD 3, PD 2, NE 1 -> ORR 4/10, DCR 7/10.
    Unconfirmed: CR 1, PR 5, SD 2, PD 1, NE 1 -> ORR 6/10, DCR 8/10.
    """
    rows = []
    for i, (cbor, bor) in enumerate(zip(CBOR, BOR), start=1):
        values = {
            "CBOR": cbor, "BOR": bor,
            "CRSP": "Y" if cbor in ("CR", "PR") else "N", "RSP": "Y" if bor in ("CR", "PR") else "N",
            "CCB": "Y" if cbor in ("CR", "PR", "SD") else "N", "CB": "Y" if bor in ("CR", "PR", "SD") else "N",
        }
        rows += [{"USUBJID": sid(i), "PARAMCD": p, "AVALC": v} for p, v in values.items()]
    return pd.DataFrame(rows).assign(STUDYID=STUDYID)


def response_adtte() -> pd.DataFrame:
    """TTR and DOR of the four confirmed responders S1-S4 (and S11, outside the set).

    TTR days 43, 85, 44, 127 -> months 1.41, 2.79, 1.45, 4.17 (median 2.12).
    DOR days 100 (event), 200 (censored), 300 (event), 400 (censored): KM median 300 days.
    """
    ids = [sid(i) for i in (1, 2, 3, 4, 11)]
    ttr = pd.DataFrame({"USUBJID": ids, "PARAMCD": "TTR", "AVAL": [43, 85, 44, 127, 10], "CNSR": 0,
                        "EVNTDESC": "Confirmed Response"})
    dor = pd.DataFrame({"USUBJID": ids, "PARAMCD": "DOR", "AVAL": [100, 200, 300, 400, 5], "CNSR": [0, 2, 0, 2, 0],
                        "EVNTDESC": ["Disease Progression", "No Progression or Death", "Death",
                                     "No Progression or Death", "Death"]})
    return pd.concat([ttr, dor], ignore_index=True).assign(STUDYID=STUDYID)


@pytest.fixture
def response_adam() -> dict[str, pd.DataFrame]:
    """ADSL, ADRS and ADTTE of the ten-subject response example."""
    return {"ADSL": response_adsl(), "ADRS": response_adrs(), "ADTTE": response_adtte()}


# ---------------------------------------------------------------------------------------------
# A complete small study: 12 treated subjects and 2 screen failures, every ADaM dataset the
# TLFs read. Deterministic; used by smoke tests of every builder and by the build test.
# ---------------------------------------------------------------------------------------------

SMALL_CBOR = ["CR", "PR", "PR", "PR", "SD", "SD", "PD", "NE", "PR", "SD", "PR", "PD"]
SMALL_BOR = ["CR", "PR", "PR", "PR", "PR", "SD", "PD", "NE", "PR", "PR", "PR", "PD"]
GENES = ["TP53", "FAT1", "NOTCH3", "NOTCH1", "PIK3CA", "KMT2D"]


def small_adsl() -> pd.DataFrame:
    """ADSL of the small study (S1-S12 treated, S13-S14 screen failures)."""
    n = 14
    ids = [sid(i) for i in range(1, n + 1)]
    treated = [i <= 12 for i in range(1, n + 1)]
    trtsdt = [pd.Timestamp(START) + pd.Timedelta(days=7 * i) if t else pd.NaT for i, t in enumerate(treated)]
    durd = [60 * ((i % 6) + 1) if t else None for i, t in enumerate(treated)]
    trtedt = [s + pd.Timedelta(days=d - 1) if t else pd.NaT for s, d, t in zip(trtsdt, durd, treated)]
    bmev = ["Y" if i <= 10 else "N" for i in range(1, n + 1)]
    sig = ["Signature positive" if i <= 6 else "Signature negative" if i <= 10 else None for i in range(1, n + 1)]
    dead = [i in (2, 7, 8, 12) for i in range(1, n + 1)]
    frame = pd.DataFrame({
        "STUDYID": STUDYID, "USUBJID": ids, "SUBJID": [f"01-{i:03d}" for i in range(1, n + 1)],
        "SITEID": ["01", "02"] * 7, "AGE": [45 + 2 * i for i in range(n)],
        "AGEGR1": ["<65" if 45 + 2 * i < 65 else ">=65" for i in range(n)],
        "SEX": ["M", "M", "F"] * 4 + ["M", "F"], "RACE": "ASIAN",
        "TRT01P": ["Anlotinib + Benmelstobart" if t else None for t in treated],
        "RFICDT": [pd.Timestamp(START) + pd.Timedelta(days=7 * i - 14) for i in range(n)],
        "TRTSDT": trtsdt, "TRTEDT": trtedt, "TRTDURD": durd,
        "ENRLFL": ["Y" if t else "N" for t in treated], "SAFFL": ["Y" if t else "N" for t in treated],
        "FASFL": ["Y" if t else "N" for t in treated], "EFFFL": ["Y" if t else "N" for t in treated],
        "BMEVLFL": bmev, "SCRFREAS": [None] * 12 + ["Age outside 18-75", "ECOG >= 2"],
        "ECOGBL": [i % 2 for i in range(n)], "STAGEBL": ["IVA", "IVB"] * 7,
        "TUMLOC": ["ESOPHAGUS, MIDDLE THIRD", "ESOPHAGUS, LOWER THIRD"] * 7, "METSCNT": [i % 4 for i in range(n)],
        "LIVERMFL": ["Y" if i % 3 == 0 else "N" for i in range(n)], "LUNGMFL": ["Y" if i % 2 else "N" for i in range(n)],
        "BONEMFL": "N", "NODEMFL": ["Y" if i % 4 == 0 else "N" for i in range(n)],
        "PDL1CPS": [0.5, 2, 12, 15, 3, 0.2, 20, 5, 1, 30, 8, 11, None, 4],
        "PDL1GR1": ["<1", "1-<10", ">=10", ">=10", "1-<10", "<1", ">=10", "1-<10", "1-<10", ">=10", "1-<10", ">=10",
                    None, "1-<10"],
        "SIGFL": [{"Signature positive": "Y", "Signature negative": "N"}.get(s) for s in sig], "SIGGR1": sig,
        "EOTSTT": ["ONGOING", "ONGOING", "DISCONTINUED", "COMPLETED"] * 3 + [None, None],
        "DCTREAS": [None, None, "PROGRESSIVE DISEASE", None] * 3 + [None, None],
        "EOSSTT": ["ONGOING"] * 6 + ["DISCONTINUED", "DISCONTINUED"] + ["ONGOING"] * 3 + ["DISCONTINUED"] * 3,
        "DCSREAS": [None] * 6 + ["DEATH", "DEATH"] + [None] * 3 + ["DEATH", "SCREEN FAILURE", "SCREEN FAILURE"],
        "DTHFL": ["Y" if d else None for d in dead],
        "DTHDT": [s + pd.Timedelta(days=300 + 10 * i) if d else pd.NaT for i, (s, d) in enumerate(zip(trtsdt, dead))],
        "DTHCAUS": ["Disease progression" if d else None for d in dead],
        "DCUTDT": pd.Timestamp("2024-12-31"),
    })
    frame["LSTALVDT"] = frame["DTHDT"].fillna(pd.Timestamp("2024-12-01")).where(treated)
    return frame


def small_adrs(adsl: pd.DataFrame) -> pd.DataFrame:
    """OVR per assessment (every 42 days up to the best response) and the subject-level parameters."""
    rows = []
    for i, (cbor, bor) in enumerate(zip(SMALL_CBOR, SMALL_BOR), start=1):
        start = adsl.loc[i - 1, "TRTSDT"]
        visits = [("SD" if bor in ("CR", "PR") else bor), bor, (cbor if cbor != "SD" else bor), "PD" if cbor != "CR" else "CR"]
        for k, resp in enumerate(visits, start=1):
            rows.append({"USUBJID": sid(i), "PARAMCD": "OVR", "AVALC": resp, "ADT": start + pd.Timedelta(days=42 * k),
                         "AVISIT": f"WEEK {6 * k}", "AVISITN": float(k), "ANL01FL": "Y"})
        first_resp = start + pd.Timedelta(days=84)
        values = {"CBOR": cbor, "BOR": bor, "CRSP": "Y" if cbor in ("CR", "PR") else "N",
                  "RSP": "Y" if bor in ("CR", "PR") else "N", "CCB": "Y" if cbor in ("CR", "PR", "SD") else "N",
                  "CB": "Y" if bor in ("CR", "PR", "SD") else "N", "PD": "N" if cbor == "CR" else "Y"}
        for p, v in values.items():
            adt = first_resp if (p in ("CRSP", "RSP") and v == "Y") else (start + pd.Timedelta(days=168) if p == "PD" and v == "Y" else pd.NaT)
            rows.append({"USUBJID": sid(i), "PARAMCD": p, "AVALC": v, "ADT": adt, "ANL01FL": "Y"})
    adrs = pd.DataFrame(rows).assign(STUDYID=STUDYID)
    return adrs.merge(adsl[["USUBJID", "TRTSDT", "EFFFL"]], on="USUBJID", how="left")


def small_adtte(adsl: pd.DataFrame) -> pd.DataFrame:
    """PFS, OS for the 12 treated; TTR, DOR for the confirmed responders."""
    rows = []
    for i in range(1, 13):
        pfs = 60 + 45 * ((5 * i) % 12 + 1)
        rows.append({"USUBJID": sid(i), "PARAMCD": "PFS", "AVAL": pfs, "CNSR": 0 if i % 3 else 2,
                     "EVNTDESC": "Disease Progression" if i % 3 else "No Progression or Death"})
        rows.append({"USUBJID": sid(i), "PARAMCD": "OS", "AVAL": 200 + 50 * i, "CNSR": 0 if i in (2, 7, 8, 12) else 5,
                     "EVNTDESC": "Death" if i in (2, 7, 8, 12) else "Alive"})
        if SMALL_CBOR[i - 1] in ("CR", "PR"):
            rows.append({"USUBJID": sid(i), "PARAMCD": "TTR", "AVAL": 85, "CNSR": 0, "EVNTDESC": "Confirmed Response"})
            rows.append({"USUBJID": sid(i), "PARAMCD": "DOR", "AVAL": pfs - 84, "CNSR": 0 if i % 3 else 2,
                         "EVNTDESC": "Disease Progression" if i % 3 else "No Progression or Death"})
    return pd.DataFrame(rows).assign(STUDYID=STUDYID, EFFFL="Y")


def small_adae(adsl: pd.DataFrame) -> pd.DataFrame:
    """Three AEs per treated subject: hypertension (related), proteinuria (related, grade 3 for some), fatigue."""
    rows, seq = [], 0
    for i in range(1, 13):
        start = adsl.loc[i - 1, "TRTSDT"]
        for k, (pt, soc, rel, grade) in enumerate([
            ("Hypertension", "Vascular disorders", "RELATED", 3 if i % 4 == 0 else 2),
            ("Proteinuria", "Renal and urinary disorders", "RELATED" if i % 2 else "NOT RELATED", 3 if i == 5 else 1),
            ("Fatigue", "General disorders and administration site conditions", "NOT RELATED", 5 if i == 12 else 1),
        ]):
            if i % 5 == 0 and k == 2:
                continue
            seq += 1
            rows.append({"USUBJID": sid(i), "AESEQ": seq, "AETERM": pt.upper(), "AEDECOD": pt, "AEBODSYS": soc,
                         "AESOC": soc, "ASTDT": start + pd.Timedelta(days=10 * (k + 1)), "ASTDY": 10 * (k + 1) + 1,
                         "AENDT": start + pd.Timedelta(days=10 * (k + 1) + 5), "ATOXGR": str(grade), "ATOXGRN": grade,
                         "AREL": rel, "AESER": "Y" if grade >= 3 else "N", "AESDTH": "Y" if grade == 5 else "N",
                         "DISCFL": "Y" if (i == 3 and k == 0) else "N", "INTRFL": "Y" if k == 0 and i % 2 else "N",
                         "REDFL": "Y" if k == 1 and i == 5 else "N", "TRTEMFL": "Y",
                         "AEOUT": "FATAL" if grade == 5 else "RECOVERED/RESOLVED", "AEACN": "DOSE NOT CHANGED"})
    rows.append({**rows[0], "AESEQ": 99, "TRTEMFL": None, "AEDECOD": "Cough", "ASTDY": -3})  # pre-treatment
    return pd.DataFrame(rows).assign(STUDYID=STUDYID, SAFFL="Y")


def small_adtr(adsl: pd.DataFrame) -> pd.DataFrame:
    """SDIAM: baseline 100 mm and four post-baseline sums; best change flagged by ANL02FL."""
    rows = []
    for i in range(1, 13):
        start = adsl.loc[i - 1, "TRTSDT"]
        best = [-100, -60, -45, -35, -10, 5, 30, None, -50, -20, -40, 25][i - 1]
        rows.append({"USUBJID": sid(i), "PARAMCD": "SDIAM", "AVAL": 100.0, "ADT": start - pd.Timedelta(days=5),
                     "ADY": -5, "ABLFL": "Y", "BASE": 100.0, "PCHG": None, "ANL01FL": "Y", "ANL02FL": None,
                     "ANL03FL": "Y", "AVISIT": "BASELINE", "AVISITN": 0.0})
        if best is None:
            continue
        for k, frac in enumerate((0.5, 1.0, 0.8), start=1):
            pchg = best * frac
            rows.append({"USUBJID": sid(i), "PARAMCD": "SDIAM", "AVAL": 100 + pchg, "ADT": start + pd.Timedelta(days=42 * k),
                         "ADY": 42 * k + 1, "ABLFL": None, "BASE": 100.0, "PCHG": pchg, "ANL01FL": "Y",
                         "ANL02FL": "Y" if frac == 1.0 else None, "ANL03FL": "Y", "AVISIT": f"WEEK {6 * k}",
                         "AVISITN": float(k)})
    return pd.DataFrame(rows).assign(STUDYID=STUDYID, EFFFL="Y")


def small_adbm(adsl: pd.DataFrame) -> pd.DataFrame:
    """Gene status for the 10 NGS-evaluable subjects (TP53/FAT1/NOTCH3 consistent with SIGGR1) and SIG."""
    rows = []
    for i in range(1, 11):
        positive = i <= 6
        status = {"TP53": positive or i % 2 == 0, "FAT1": positive or i == 9, "NOTCH3": (not positive) and i != 9,
                  "NOTCH1": i % 3 == 0, "PIK3CA": i in (2, 7), "KMT2D": i % 4 == 1}
        if i == 9:
            status["TP53"] = False
        for gene, mutated in status.items():
            rows.append({"USUBJID": sid(i), "PARAMCD": gene, "PARAM": f"{gene} Somatic Mutation Status (NGS)",
                         "PARCAT1": "Somatic Mutation (NGS)", "AVALC": "MUTATED" if mutated else "WILD TYPE",
                         "AVAL": int(mutated), "AVALCAT1": ("Single Nucleotide Variation" if i % 2 else "Short Variation")
                         if mutated else None})
        rows.append({"USUBJID": sid(i), "PARAMCD": "SIG", "PARAM": "TP53+/FAT1+/NOTCH3- Mutational Signature",
                     "PARCAT1": "Mutational Signature", "AVALC": "Y" if positive else "N", "AVAL": int(positive),
                     "AVALCAT1": None})
    return pd.DataFrame(rows).assign(STUDYID=STUDYID, BMEVLFL="Y")


def small_adex(adsl: pd.DataFrame) -> pd.DataFrame:
    """Anlotinib treatment duration per treated subject."""
    treated = adsl[adsl["SAFFL"] == "Y"]
    return pd.DataFrame({"USUBJID": treated["USUBJID"], "PARAMCD": "ANLDURD", "PARCAT1": "ANLOTINIB",
                         "AVAL": treated["TRTDURD"].astype(float)}).assign(STUDYID=STUDYID)


def small_study_adam() -> dict[str, pd.DataFrame]:
    """Every ADaM dataset of the small study."""
    adsl = small_adsl()
    return {"ADSL": adsl, "ADRS": small_adrs(adsl), "ADTTE": small_adtte(adsl), "ADAE": small_adae(adsl),
            "ADTR": small_adtr(adsl), "ADBM": small_adbm(adsl), "ADEX": small_adex(adsl)}


@pytest.fixture
def small_adam() -> dict[str, pd.DataFrame]:
    """The small study's ADaM datasets (fresh copies per test)."""
    return small_study_adam()


@pytest.fixture(scope="module")
def small_adam_shared() -> dict[str, pd.DataFrame]:
    """The small study's ADaM datasets, shared by a module's tests (builders do not modify their inputs)."""
    return small_study_adam()
