"""The flagship's graded evidence record (data/evidence/iran-russia-2024-2026.yaml), the model extension it led
to, and the two forecasts of scripts/flagship_forecasts.sh (issue 6).

The facts compilation (``../shared/facts/iran-russia-timeline.md``) is read when it is present, so that the file
is checked against the rows it was made from (addresses, statuses); its 43 dates are also kept below, so the date
checks run without it. Scores are recomputed here by hand from the recorded probability vectors.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ruamel.yaml import YAML

from conftest import SHARED
from scenarist.evidence import EvidenceStore, counted_items, load_evidence
from scenarist.evidence.replay import track
from scenarist.forecasts import assessment_probabilities, list_forecasts
from scenarist.io.yaml_model import load_model
from scenarist.model import Model
from scenarist.probability import outcome_distribution

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "data" / "evidence" / "iran-russia-2024-2026.yaml"
PACKAGED = ROOT / "src" / "scenarist" / "data" / "iran-russia-2024-2026.yaml"
SCRIPT = ROOT / "scripts" / "flagship_forecasts.sh"
FACTS = SHARED / "facts" / "iran-russia-timeline.md"
NAME = "iran-russia-pezeshkian"

# The facts file's date column, row by row (43 rows).
FACT_DATES = [
    "2024-07-05",
    "2024-09-03",
    "2024-09-10",
    "2024-10-01",
    "2024-10-23",
    "2024-10-26",
    "2024-11-06",
    "2024-12-08",
    "2024-12-22",
    "2025-01-17",
    "2025-01-24",
    "2025-02-04",
    "2025-04-08→21",
    "2025-04-12/19",
    "2025-05-15",
    "2025-05-21",
    "2025-06-13",
    "2025-06-18",
    "2025-06-22",
    "2025-06-23/24",
    "2025-06→2026-02",
    "2025-07-02",
    "2025-08-08",
    "2025-08-28/09-01",
    "2025-09-09",
    "2025-09-11",
    "2025-09-19→10-02",
    "2025-09-23",
    "2025-09-24/26",
    "2025-10-02",
    "2025-10-07",
    "2025-10-09/11",
    "2025-10-15",
    "2025-12-12/17",
    "2026-01-13/14",
    "2026-01",
    "2026-02-06→26",
    "2026-02-19",
    "2026-02-28",
    "2026-03-05/07",
    "2026-03-09",
    "2026-04-07→25",
    "2026-06-17→29",
]


def span_end(text: str) -> dt.date:
    """The day a facts-file date counts in the replay: the last day of its span (the last day of the month when
    the day is not given). ``2025-04-08→21`` → 2025-04-21; ``2025-08-28/09-01`` → 2025-09-01; ``2026-01`` →
    2026-01-31; ``2025-06→2026-02`` → 2026-02-28."""
    start, _, end = re.split(r"(→|/)", text, maxsplit=1) if re.search(r"→|/", text) else (text, "", "")
    parts = [int(x) for x in start.split("-")]
    y, m = parts[0], parts[1]
    d = parts[2] if len(parts) > 2 else None
    if end:
        e = end.split("-")
        if len(e[0]) == 4:  # year-month
            y, m, d = int(e[0]), int(e[1]), None
        elif len(e) == 2:  # month-day
            m, d = int(e[0]), int(e[1])
        else:  # day
            d = int(e[0])
    return dt.date(y, m, d if d is not None else calendar.monthrange(y, m)[1])


def facts_rows() -> list[dict]:
    """The timeline table of the facts file: date, source cell, status cell per row."""
    rows = []
    in_table = False
    for line in FACTS.read_text(encoding="utf-8").splitlines():
        if line.startswith("Date | Event"):
            in_table = True
            continue
        if in_table and line.startswith("---"):
            continue
        if in_table and not line.strip():
            break
        if in_table:
            cells = [c.strip() for c in line.split(" | ")]
            rows.append({"date": cells[0], "source": cells[4], "status": cells[5]})
    return rows


@pytest.fixture(scope="module")
def model():
    return load_model(NAME)


@pytest.fixture(scope="module")
def evidence(model):
    return load_evidence(EVIDENCE, model)


# ------------------------------------------------------------------------------------------------ the file
def test_span_end_rule():
    assert span_end("2024-07-05") == dt.date(2024, 7, 5)
    assert span_end("2025-04-08→21") == dt.date(2025, 4, 21)
    assert span_end("2025-08-28/09-01") == dt.date(2025, 9, 1)
    assert span_end("2026-01") == dt.date(2026, 1, 31)
    assert span_end("2025-06→2026-02") == dt.date(2026, 2, 28)


def test_file_validates_and_is_shipped(model, evidence):
    assert evidence.model == NAME
    assert len(evidence.items) == 45
    assert len(evidence.contradicted_claims) == 6
    # the data/evidence path is the packaged file (package data, like models/)
    assert EVIDENCE.resolve() == PACKAGED.resolve()


def facts_items(evidence):
    """The items that are rows of the facts compilation: issue 12 gave two facts a second bearing (the treaty's
    terms as an observation, the snapback's sanctions as an intervention), tagged ``second-bearing``."""
    return [it for it in evidence.items if "second-bearing" not in it.tags]


def test_43_items_match_the_facts_dates(evidence):
    if FACTS.exists():
        assert [r["date"] for r in facts_rows()] == FACT_DATES
    assert [it.date for it in facts_items(evidence)] == [span_end(t) for t in FACT_DATES]
    for it, text in zip(facts_items(evidence), FACT_DATES):
        plain = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None
        assert it.period == (None if plain else text), it.id
        assert it.id.startswith(f"ir-{it.date.isoformat()}-")


def test_sources_and_grades(evidence):
    raw = YAML(typ="safe", pure=True).load(PACKAGED.read_text(encoding="utf-8"))
    for it, node in zip(evidence.items, raw["items"]):
        # every source states its address, or an explicit null
        assert "address" in node["source"], it.id
        assert it.source.outlet and it.source.accessed >= it.date
        # every grade is explained in the note, which starts with the grade
        assert it.note and it.note.startswith(f"{it.grade} "), it.id
    if not FACTS.exists():
        pytest.skip("the facts compilation is not available here")
    for it, row in zip(facts_items(evidence), facts_rows()):
        urls = re.findall(r"https?://\S+", row["source"])
        assert it.source.address == (urls[0] if urls else None), it.id


def test_status_and_grade_reflect_the_facts_status(evidence):
    if not FACTS.exists():
        pytest.skip("the facts compilation is not available here")
    for it, row in zip(facts_items(evidence), facts_rows()):
        s = row["status"]
        expected = (
            "leak"
            if "(leak)" in s
            else "claim"
            if "(claim" in s
            else "report"
            if ("report" in s or "weak" in s)
            else "confirmed"
        )
        assert it.status == expected, it.id
        if it.status in ("claim", "leak"):
            assert it.grade.credibility >= 3, it.id
        if it.status == "report":
            assert it.grade.credibility >= 2, it.id
        if "weak" in s:
            assert it.grade.reliability == "F" or it.grade.credibility >= 3, it.id
        if it.status != "confirmed":
            assert it.bearing.kind != "intervention"


def test_contradicted_claims_cite_the_article(evidence):
    ids = {it.id for it in evidence.items}
    for c in evidence.contradicted_claims:
        assert c.citation is not None and c.citation.source == "article"
        assert c.evidence and set(c.evidence) <= ids


# ------------------------------------------------------------------------------------------------ the replay
@pytest.fixture(scope="module")
def replay(model, evidence):
    return track(model, evidence.items, draws=0, claims=evidence.contradicted_claims)


def test_background_is_recorded_not_replayed(model, evidence, replay):
    as_of = model.metadata.as_of
    background = [it.id for it in evidence.items if it.date <= as_of]
    assert len(background) == 7 and list(replay.background) == background
    for p in replay.points:
        assert not set(p.state.counted) & set(background)
    # the same replay without the background items is the same, date by date
    rest = [it for it in evidence.items if it.date > as_of]
    again = track(model, rest, draws=0)
    assert [p.date for p in again.points] == [p.date for p in replay.points]
    for a, b in zip(again.points, replay.points):
        assert np.array_equal(a.indicators.vector(), b.indicators.vector())
    # and the first point is the model as of its date
    d = outcome_distribution(model)
    assert np.allclose(replay.points[0].model.probability, d.marginal("relationship").stated)


def test_outside_and_interventions(evidence, replay):
    outside = {replay.item(i).bearing.descriptor: i for i in replay.outside}
    assert outside == {"caucasus": "ir-2025-08-08-tripp"}
    by_date = {p.date: p for p in replay.points}
    assert by_date[dt.date(2024, 12, 8)].state.fixed == {"syria_order": "assad_falls"}
    assert by_date[dt.date(2025, 6, 13)].state.fixed == {"syria_order": "assad_falls", "israel_campaign": "expanding"}
    # the succession is done, not seen: the extension's descriptor is fixed from the day the successor was named
    assert by_date[dt.date(2026, 3, 9)].state.fixed["leadership"] == "successor"
    assert "leadership" not in by_date[dt.date(2026, 3, 7)].state.fixed
    assert replay.points[-1].date == dt.date(2026, 6, 29)


def test_clusters_count_once(model, evidence):
    counted = counted_items(evidence.items, model.metadata.as_of, dt.date(2026, 6, 30))
    by_cluster: dict[str, list[str]] = {}
    for it in evidence.items:
        if it.cluster:
            by_cluster.setdefault(it.cluster, []).append(it.id)
    assert set(by_cluster) == {
        "eaeu-fta",
        "partnership-treaty",
        "russia-june-war",
        "snapback",
        "russian-combat-aircraft",
        "treaty-terms",
        "snapback-sanctions",
    }
    ids = {it.id for it in counted}
    for cluster, members in by_cluster.items():
        assert len(ids & set(members)) == 1, cluster
    # the best-graded member speaks: the B1 signature (earliest of the B1 treaty items), the B2 Moscow Times
    # account of Russia's response to the June war, the F3 leak rather than the F4 claim
    assert {"ir-2025-01-17-treaty-signed", "ir-2025-06-24-putin-araghchi-ceasefire", "ir-2025-10-07-rostec-leak"} <= ids


# ------------------------------------------------------------------------------------------------ the extension
#: The post-article extensions: each exogenous descriptor and its prior (all weight on the article-time variant).
EXTENSION_PRIORS = {
    "syria_order": {"assad_holds": 1.0, "assad_falls": 0.0},
    "leadership": {"incumbent": 1.0, "successor": 0.0},
}


def article_time_model(model: Model) -> Model:
    """The flagship without the post-article extensions (each descriptor, its judgments, its reference entry)."""
    data = model.model_dump(by_alias=True, exclude_none=True)
    data["descriptors"] = [d for d in data["descriptors"] if d["id"] not in EXTENSION_PRIORS]
    data["judgments"] = [j for j in data["judgments"] if j["from"].split(".")[0] not in EXTENSION_PRIORS]
    for r in data["reference_scenarios"]:
        for d in EXTENSION_PRIORS:
            r["variants"].pop(d)
    return Model.model_validate(data)


def test_extension_leaves_the_as_of_results_unchanged(model):
    for d_id, prior in EXTENSION_PRIORS.items():
        ext = model.descriptors[[d.id for d in model.descriptors].index(d_id)]
        assert ext.exogenous and ext.prior.probabilities == prior
        assert "postdating the article" in ext.note
    old = article_time_model(model)
    assert len(old.descriptors) == len(model.descriptors) - len(EXTENSION_PRIORS)
    a, b = outcome_distribution(model, draws=20, seed=11), outcome_distribution(old, draws=20, seed=11)
    ma, mb = a.marginal("relationship"), b.marginal("relationship")
    # equal up to rounding (the zero-weight combinations add exact zeros, in a different summation order)
    assert np.allclose(ma.stated, mb.stated, rtol=0, atol=1e-12)
    assert np.allclose(ma.probability, mb.probability, rtol=0, atol=1e-12)
    assert np.allclose(ma.low, mb.low, rtol=0, atol=1e-12) and np.allclose(ma.high, mb.high, rtol=0, atol=1e-12)
    assert a.none.stated == pytest.approx(0.0, abs=1e-12) and b.none.stated == pytest.approx(0.0, abs=1e-12)


def test_the_successor_pushes_the_leader_toward_restrictive_without_fixing_it(model):
    """With everything else held at the Raisi-era reference, a successor moves the leader descriptor's balance by
    the extension's two judgments (flexible −2, restrictive +2), by hand from the model's own cells."""
    from scenarist.cib.compile import compile_model
    from scenarist.cib.core import impact_balances

    c = compile_model(model)
    lead = c.descriptor_ids.index("leader")
    cells = slice(int(c.offsets[lead]), int(c.offsets[lead + 1]))
    ref = dict(model.reference_scenarios[0].variants)
    before = impact_balances(c.matrix, c.offsets, c.scenario_from_mapping(ref))[cells]
    after = impact_balances(c.matrix, c.offsets, c.scenario_from_mapping({**ref, "leadership": "successor"}))[cells]
    assert c.variant_ids[lead] == ("flexible", "restrictive")
    assert list(after - before) == [-2, 2]
    # not fixed: with the drivers of the article's pragmatic scenario the successor can still be flexible
    d = outcome_distribution(
        model, fixed={"leadership": "successor", "hardliners": "checked", "us_approach": "dialogue"}
    )
    assert d.marginal("leader").stated[0] > 0


def test_the_fall_decouples_iran_from_russia_in_syria(model):
    d = outcome_distribution(model, fixed={"syria_order": "assad_falls"})
    m = d.marginal("syria_reliance")
    assert m.variant_ids == ("reliant", "decoupled")
    assert m.stated[0] == 0.0 and m.stated[1] == pytest.approx(1.0 - d.none.stated)


# ------------------------------------------------------------------------------------------------ the forecasts
def article_vector_by_hand(model) -> dict[str, float]:
    """The ledger's rule (docs/evidence.md §6) worked by hand on the model's WEP table: term midpoints for the
    graded variants, the joint term's midpoint minus tactical for pragmatic (graded "no likelihood stated", which
    grades nothing), nothing left for the unrated downturn, then normalised."""
    terms = {t.term: (t.low + t.high) / 2 for t in model.assessments.wep.terms}
    rated = {v.variant: v.term for v in model.assessments.variants}
    (joint,) = model.assessments.joint
    s, t = terms[rated["strategic"]], terms[rated["tactical"]]
    p = terms[joint.term] - t
    raw = {"strategic": s, "tactical": t, "pragmatic": p, "estrangement": max(0.0, 1.0 - (s + t + p))}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def test_article_forecast_follows_the_wep_table(model):
    by_hand = article_vector_by_hand(model)
    # 0.325, 0.675 and 0.875 - 0.675 = 0.2, over 1.2
    assert by_hand == pytest.approx(
        {"strategic": 0.325 / 1.2, "tactical": 0.5625, "pragmatic": 0.2 / 1.2, "estrangement": 0.0}, abs=1e-12
    )
    assert assessment_probabilities(model) == pytest.approx(by_hand, abs=1e-12)
    assert "--from-assessments" in SCRIPT.read_text(encoding="utf-8")


@pytest.mark.slow  # 6-18 s (numba cache warm or cold): runs scripts/flagship_forecasts.sh, several processes
def test_forecasts_resolve_and_score_by_hand(tmp_path, model, evidence):
    db = tmp_path / "ledger.db"
    exe = Path(sys.executable).with_name("scenarist")
    env = {**os.environ, "DB": str(db), "DRAWS": "20", "SEED": "2024", "JSON": "1", "SCENARIST": str(exe)}
    env.pop("SCENARIST_DB", None)
    out = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    scores = json.loads(out.stdout)
    with EvidenceStore(str(db)) as store:
        every = list_forecasts(store, NAME)
        fs = {f.forecaster: f for f in every if not f.id.endswith("-own")}
        own = {f.forecaster: f for f in every if f.id.endswith("-own")}
        assert len(store.items(NAME)) == 45
    # all four are retrodictions; under the model's own definitions the same vectors resolve as pragmatic
    assert all(f.retrodiction for f in every) and set(own) == {"article", "model"}
    for who, f in own.items():
        assert f.probabilities == fs[who].probabilities and f.resolution.outcome == "pragmatic"
        assert f.resolution.resolver and f.resolution.source
    assert set(fs) == {"article", "model"}
    # the vectors: the article's from its words, the model's from the likelihood layer at the as-of date
    assert dict(zip(fs["article"].variants, fs["article"].probabilities)) == pytest.approx(
        article_vector_by_hand(model), abs=1e-12
    )
    cond = outcome_distribution(model, draws=20, seed=2024).conditional
    assert dict(zip(fs["model"].variants, fs["model"].probabilities)) == pytest.approx(cond, abs=1e-12)
    ids = {it.id for it in evidence.items}
    rows = {r["forecaster"]: r for r in scores["scores"] if not r["forecast"].endswith("-own")}
    for who, f in fs.items():
        assert f.made_on == dt.date(2024, 11, 10) and f.horizon == dt.date(2026, 6, 30)
        assert f.resolution.outcome == "tactical" and f.resolution.resolved_on == dt.date(2026, 6, 30)
        assert f.resolution.evidence and set(f.resolution.evidence) <= ids
        brier = sum((p - (v == "tactical")) ** 2 for v, p in zip(f.variants, f.probabilities))
        log = -math.log(f.probability("tactical"))
        assert rows[who]["brier"] == pytest.approx(brier, abs=1e-12)
        assert rows[who]["log"] == pytest.approx(log, abs=1e-12)
        assert scores["summary"][who]["n"] == 2 and rows[who]["retrodiction"] is True
    # the article's by hand: (0.325/1.2)² + (1 − 0.5625)² + (0.2/1.2)² + 0², and −ln 0.5625
    assert rows["article"]["brier"] == pytest.approx((0.325 / 1.2) ** 2 + 0.4375**2 + (0.2 / 1.2) ** 2, abs=1e-12)
    assert rows["article"]["brier"] == pytest.approx(0.292535, abs=1e-6)
    assert rows["article"]["log"] == pytest.approx(0.575364, abs=1e-6)


def test_packaged_evidence_resolves_by_name():
    """The shipped evidence file is found by its name, as `track -e iran-russia-2024-2026` uses it."""
    from scenarist.evidence.files import load_evidence, resolve_evidence_path
    from scenarist.io.yaml_model import load_model

    path = resolve_evidence_path("iran-russia-2024-2026")
    assert path.name == "iran-russia-2024-2026.yaml" and path.exists()
    ev = load_evidence("iran-russia-2024-2026", load_model("iran-russia-pezeshkian"))
    assert len(ev.items) == 45
