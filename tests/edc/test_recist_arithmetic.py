"""The investigator's overall responses agree with RECIST 1.1 arithmetic, except the two catalogued."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from raw_reference import yes

CATALOGUE = Path(__file__).resolve().parents[2] / "edc" / "mess_catalogue.yaml"


def _arithmetic(forms) -> dict[tuple[str, str], tuple[str, str]]:
    """(subject, visit) -> (arithmetic overall response, investigator overall response)."""
    tl, ntl, nl, rs = forms["tumour_target"], forms["tumour_nontarget"], forms["tumour_new"], forms["tumour_response"]
    for f in (tl, ntl, nl, rs):
        f["KEY"] = f.SITEID + "-" + f.SUBJID
    out = {}
    for key, lesions in tl.groupby("KEY"):
        base = lesions[lesions.VISIT == "SCR"]
        nodal = {r.TLID: yes(r.TLNODAL) for r in base.itertuples()}
        baseline = sum(int(v) for v in base.TRDIAM)
        nadir = baseline
        post = rs[rs.KEY == key].sort_values("RSDAT", key=lambda s: s.map(lambda x: x[-4:] + x[3:5] + x[:2] if "/" in x else x))
        for r in post.itertuples():
            visit = r.VISIT
            meas = lesions[lesions.VISIT == visit]
            values = {m.TLID: (int(m.TRDIAM) if m.TRDIAM else None) for m in meas.itertuples()}
            nts = list(ntl[(ntl.KEY == key) & (ntl.VISIT == visit)].NTSTAT)
            new = any(yes(x) for x in nl[(nl.KEY == key) & (nl.VISIT == visit)].NEWLES)
            measured = sum(v for v in values.values() if v is not None)
            if None in values.values():
                target = "PD" if measured >= 1.2 * nadir and measured - nadir >= 5 else "NE"
            elif measured >= 1.2 * nadir and measured - nadir >= 5:
                target = "PD"
            elif all((v < 10) if nodal[k] else (v == 0) for k, v in values.items()):
                target = "CR"
            elif measured <= 0.7 * baseline:
                target = "PR"
            else:
                target = "SD"
            if target == "PD" or new or "Unequivocal progression" in nts:
                overall = "PD"
            elif target == "NE":
                overall = "NE"
            elif target == "CR":
                overall = "CR" if all(s == "Absent" for s in nts) else "PR"
            else:
                overall = target
            out[(key, visit)] = (overall, r.OVRLRESP)
            if None not in values.values():
                nadir = min(nadir, measured)
    return out


@pytest.fixture(scope="module")
def result(forms):
    return _arithmetic({k: v.copy() for k, v in forms.items()})


def test_arithmetic_disagrees_only_at_the_two_catalogued_assessments(result):
    disagreements = sorted((k, v) for k, v in result.items() if v[0] != v[1])
    catalogue = yaml.safe_load(CATALOGUE.read_text())
    listed = next(i for i in catalogue["issues"] if i["id"] == "response_discrepancies")["locations"]
    expected = sorted(((d["subject"], d["visit"]), (d["arithmetic"], d["investigator"])) for d in listed)
    assert disagreements == expected


def test_every_post_baseline_assessment_is_checked(result, forms):
    assert len(result) == len(forms["tumour_response"])
