"""The forecast ledger: Brier and log scores and the calibration table on a hand-made ledger, and the ledger in the
store (SQLite and, when available, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import pytest

from scenarist.errors import OptionError, UnknownNameError
from scenarist.evidence import EvidenceStore, StoreError, load_evidence
from scenarist.forecasts import (
    Forecast,
    Resolution,
    assessment_probabilities,
    brier_score,
    list_forecasts,
    log_score,
    make_forecast,
    record_forecast,
    resolve_forecast,
    score,
    score_ledger,
)
from scenarist.io.yaml_model import load_model

D = dt.date
V = ("integration", "truce", "rupture")
EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"
PG = os.environ.get("SCENARIST_TEST_PG_URL")


def fc(id, who, probs, outcome=None):
    res = None if outcome is None else Resolution(outcome, D(2025, 7, 1))
    return Forecast(
        id, "example-trade", "relationship", who, D(2025, 1, 1), D(2030, 12, 31), V, probs, "c", resolution=res
    )


LEDGER = [
    fc("f1", "model", (0.2, 0.5, 0.3), "truce"),
    fc("f2", "model", (0.7, 0.2, 0.1), "integration"),
    fc("f3", "article", (0.675, 0.0, 0.325), "truce"),
    fc("f4", "article", (0.5, 0.25, 0.25)),
]


def test_brier_and_log_by_hand():
    assert brier_score((0.2, 0.5, 0.3), 1) == pytest.approx(0.04 + 0.25 + 0.09)
    assert brier_score((0.7, 0.2, 0.1), 0) == pytest.approx(0.09 + 0.04 + 0.01)
    assert brier_score((1.0, 0.0, 0.0), 0) == 0.0 and brier_score((0.0, 1.0, 0.0), 0) == 2.0
    assert brier_score((1 / 3,) * 3, 2) == pytest.approx(2 / 3)  # even spread: 1 − 1/k
    assert log_score((0.2, 0.5, 0.3), 1) == pytest.approx(math.log(2))
    assert log_score((0.675, 0.0, 0.325), 1) == math.inf


def test_hand_made_ledger():
    s = score(LEDGER)
    assert [r.forecast_id for r in s.rows] == ["f3", "f1", "f2"]  # by forecaster, date, id
    assert s.summary["model"]["n"] == 2
    assert s.summary["model"]["brier"] == pytest.approx((0.38 + 0.14) / 2)
    assert s.summary["model"]["log"] == pytest.approx((math.log(2) - math.log(0.7)) / 2)
    assert s.summary["article"]["brier"] == pytest.approx(0.675**2 + 1 + 0.325**2)  # 1.56125
    assert s.summary["article"]["log"] == math.inf
    assert s.unresolved == ("f4",)
    bins = {round(b.low, 1): (b.n, b.mean_forecast, b.observed) for b in s.calibration}
    assert bins[0.0] == (1, 0.0, 1.0)  # the article's 0 for truce, which happened
    assert bins[0.1] == (1, pytest.approx(0.1), 0.0)
    assert bins[0.2] == (2, pytest.approx(0.2), 0.0)
    assert bins[0.3] == (2, pytest.approx(0.3125), 0.0)
    assert bins[0.4][0] == 0 and bins[0.4][1] is None
    assert bins[0.5] == (1, 0.5, 1.0)
    assert bins[0.6] == (1, 0.675, 0.0)
    assert bins[0.7] == (1, 0.7, 1.0)
    assert sum(b.n for b in s.calibration) == 9
    doc = s.to_dict()
    assert doc["summary"]["article"]["log"] is None and doc["scores"][0]["log"] is None
    assert "single data point" in doc["notes"][0]
    assert s.to_frame().loc["f1", "brier"] == pytest.approx(0.38)


@pytest.fixture(scope="module")
def model():
    return load_model("example")


def test_make_forecast_checks(model):
    f = make_forecast(
        "x", model, {"integration": 0.5, "truce": 0.3, "rupture": 0.2}, D(2025, 1, 1), D(2026, 1, 1), "FTA in force"
    )
    assert f.variants == V and f.probability("truce") == 0.3 and f.forecaster == "analyst"
    with pytest.raises(OptionError, match="sum to"):
        make_forecast("x", model, {"integration": 0.5, "truce": 0.3, "rupture": 0.3}, D(2025, 1, 1), D(2026, 1, 1), "c")
    with pytest.raises(UnknownNameError, match="no probability for variant"):
        make_forecast("x", model, {"integration": 0.5, "truce": 0.5}, D(2025, 1, 1), D(2026, 1, 1), "c")
    with pytest.raises(UnknownNameError, match="unknown variant 'peace'"):
        make_forecast(
            "x", model, {"integration": 0.5, "truce": 0.5, "rupture": 0, "peace": 0}, D(2025, 1, 1), D(2026, 1, 1), "c"
        )
    with pytest.raises(OptionError, match="horizon"):
        make_forecast("x", model, {"integration": 1, "truce": 0, "rupture": 0}, D(2025, 1, 1), D(2024, 1, 1), "c")
    with pytest.raises(OptionError, match="criteria"):
        make_forecast("x", model, {"integration": 1, "truce": 0, "rupture": 0}, D(2025, 1, 1), D(2026, 1, 1), " ")


ARTICLE = {"integration": 0.675 / 1.2, "truce": 0.2 / 1.2, "rupture": 0.325 / 1.2}


def test_assessment_probabilities_by_hand(model):
    # integration "likely" (0.55–0.80 → 0.675), rupture "unlikely" (0.20–0.45 → 0.325); the joint "integration or
    # truce: very likely" (0.80–0.95 → 0.875) leaves truce 0.875 − 0.675 = 0.2; the total 1.2 is normalised away
    assert assessment_probabilities(model) == pytest.approx(ARTICLE)


def test_uninformative_terms_grade_nothing(model):
    m = model.model_copy(deep=True)
    m.assessments.variants[1].term = "no likelihood stated"
    m.assessments.wep.terms.append(
        m.assessments.wep.terms[0].model_copy(update={"term": "no likelihood stated", "low": 0.0, "high": 1.0})
    )
    m.assessments.joint = []
    # integration 0.675 only; truce and rupture share the remaining 0.325
    assert assessment_probabilities(m) == pytest.approx({"integration": 0.675, "truce": 0.1625, "rupture": 0.1625})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path, model):
    if request.param == "sqlite":
        s = EvidenceStore(f"sqlite:///{tmp_path / 'ledger.db'}")
        drop = None
    else:
        if not PG:
            pytest.skip("SCENARIST_TEST_PG_URL is not set")
        from test_evidence_store import pg_schema_url

        url, drop = pg_schema_url(PG)
        s = EvidenceStore(url)
    s.import_evidence(load_evidence(EXAMPLE, model))
    yield s
    s.close()
    if drop:
        drop()


def test_ledger_in_the_store(store, model):
    a = make_forecast(
        "article", model, assessment_probabilities(model), D(2025, 1, 1), D(2030, 12, 31), "FTA in force", "article"
    )
    m = make_forecast(
        "model",
        model,
        {"integration": 0.6, "truce": 0.2, "rupture": 0.2},
        D(2025, 1, 1),
        D(2030, 12, 31),
        "FTA in force",
        "model",
    )
    assert record_forecast(store, a) is True
    assert record_forecast(store, a) is False  # the same forecast again: nothing added
    record_forecast(store, m)
    with pytest.raises(StoreError, match="never edited"):
        record_forecast(store, Forecast(**{**m.__dict__, "probabilities": (0.5, 0.3, 0.2)}))
    assert [f.id for f in list_forecasts(store)] == ["article", "model"]
    assert list_forecasts(store, forecaster="model")[0].probabilities == pytest.approx((0.6, 0.2, 0.2))

    with pytest.raises(UnknownNameError, match="unknown evidence item"):
        resolve_forecast(store, "model", "truce", D(2025, 7, 1), ["nope"])
    with pytest.raises(UnknownNameError, match="unknown variant"):
        resolve_forecast(store, "model", "peace", D(2025, 7, 1))
    with pytest.raises(OptionError, match="before"):
        resolve_forecast(store, "model", "truce", D(2024, 7, 1))
    assert list_forecasts(store, forecaster="model")[0].resolution is None  # failed resolutions wrote nothing
    done = resolve_forecast(store, "model", "truce", D(2025, 7, 1), ["ex-2025-06-recession"], "recession confirmed")
    assert done.resolution.evidence == ("ex-2025-06-recession",)
    assert (
        resolve_forecast(store, "model", "truce", D(2025, 7, 1), ["ex-2025-06-recession"], "recession confirmed")
        == done
    )
    with pytest.raises(StoreError, match="already resolved"):
        resolve_forecast(store, "model", "rupture", D(2025, 7, 2))
    resolve_forecast(store, "article", "truce", D(2025, 7, 1))

    s = score_ledger(store)
    assert s.summary["model"]["brier"] == pytest.approx(0.6**2 + 0.8**2 + 0.2**2)  # 1.04
    assert s.summary["model"]["log"] == pytest.approx(-math.log(0.2))
    assert s.summary["article"]["brier"] == pytest.approx(
        ARTICLE["integration"] ** 2 + (1 - ARTICLE["truce"]) ** 2 + ARTICLE["rupture"] ** 2
    )
    assert s.summary["article"]["log"] == pytest.approx(math.log(6))
    resolve_forecast(store, "model", "rupture", D(2025, 7, 2), replace=True)
    assert score_ledger(store, forecaster="model").rows[0].outcome == "rupture"


def test_a_question_over_another_descriptor_with_provenance(store, model, tmp_path):
    from scenarist.forecasts import record, resolve, scores

    other = next(d for d in model.descriptors if d.id != model.outcome.id)
    db = str(store.engine.url.render_as_string(hide_password=False))
    rec = record(
        "desc-q", "written criteria", D(2030, 1, 1), "example", from_model=True, draws=0, descriptor=other.id, db=db
    )
    f = rec.forecast
    assert f.outcome == other.id and f.variants == tuple(v.id for v in other.variants)
    assert f.provenance["method"] == {"source": "model", "draws": 0, "seed": 0, "credit": "variants"}
    assert len(f.provenance["model_digest"]) == 64 and f.provenance["scenarist"]
    done = resolve("desc-q", None, D(2026, 1, 1), state="annulled", resolver="me", source="none", db=db)
    assert done.resolution.state == "annulled" and done.resolution.resolver == "me"
    assert scores(db).void == (("desc-q", "annulled"),)
    with pytest.raises(OptionError, match="names no variant"):
        resolve("desc-q", f.variants[0], D(2026, 1, 1), state="ambiguous", replace=True, db=db)
