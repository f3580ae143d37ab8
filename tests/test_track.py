"""Tracking: the replay of the example evidence, date by date, against numbers worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import numpy as np
import pytest

from scenarist.errors import ModelError, OptionError
from scenarist.evidence import load_evidence
from scenarist.evidence.replay import snapshot_from_rows, track
from scenarist.io.yaml_model import load_model

EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"
D = dt.date

# In the example model, growth leads to integration only and recession to truce and rupture (one consistent
# scenario each, so the truce/rupture weight splits evenly): P = (g, (1 − g)/2, (1 − g)/2), none 0.
G0 = 0.6
L_IMF = (1 / 3) ** 0.8  # A2 item, likelihoods (0.3, 0.9)
G1 = G0 * L_IMF / (G0 * L_IMF + 0.4)  # 0.383806
TARIFF = np.array([1.0, 0.5, 1 / 9])  # A1 indicator (0.9, 0.45, 0.1) / 0.9
LEAK = np.array([0.25, 0.625, 1.0]) ** 0.12  # D4 indicator (0.2, 0.5, 0.8) / 0.8, w = 0.4 × 0.3


def model_dist(g):
    return np.array([g, (1 - g) / 2, (1 - g) / 2])


def with_indicator(p, lik):
    q = p * lik
    return q / q.sum() * p.sum()


@pytest.fixture(scope="module")
def model():
    return load_model("example")


@pytest.fixture(scope="module")
def evidence(model):
    return load_evidence(EXAMPLE, model)


@pytest.fixture(scope="module")
def result(model, evidence):
    return track(model, evidence.items, claims=evidence.contradicted_claims)


def test_series_by_hand(result):
    dates = [p.date for p in result.points]
    assert dates == [
        D(2025, 1, 1),
        D(2025, 2, 10),
        D(2025, 2, 12),
        D(2025, 3, 5),
        D(2025, 4, 2),
        D(2025, 5, 10),
        D(2025, 6, 30),
    ]
    expected_model = [
        model_dist(G0),
        model_dist(G1),
        model_dist(G1),
        model_dist(G1),
        model_dist(G1),
        model_dist(G1),
        np.array([0.0, 0.5, 0.5]),
    ]
    ind = [None, None, None, TARIFF, TARIFF, TARIFF * LEAK, TARIFF * LEAK]
    for p, m, lik in zip(result.points, expected_model, ind):
        assert p.model.probability == pytest.approx(m, abs=1e-12), p.date
        assert p.model.none == pytest.approx(0.0, abs=1e-12)
        want = m if lik is None else with_indicator(m, lik)
        assert p.indicators.probability == pytest.approx(want, abs=1e-12), p.date
        assert p.model.low is None  # no draws, no band
    assert result.points[1].model.probability[0] == pytest.approx(0.383806, abs=1e-6)
    # the echo (same cluster, weaker grade) moves nothing; the outside item moves nothing
    assert result.points[2].shift == 0.0 and result.points[4].shift == 0.0
    assert result.points[6].state.fixed == {"world": "recession"}


def test_shift_and_events_that_moved_most(result):
    p = result.points
    tv = 0.5 * np.abs(np.append(p[3].indicators.probability, 0) - np.append(p[2].indicators.probability, 0)).sum()
    assert p[3].shift == pytest.approx(tv)
    moved = result.moved_most(3)
    assert [m.date for m in moved] == [D(2025, 6, 30), D(2025, 3, 5), D(2025, 2, 10)]
    assert moved[0].items == ("ex-2025-06-recession",)
    assert [m.date for m in result.moved_most(3, series="model")] == [D(2025, 6, 30), D(2025, 2, 10)]


def test_background_outside_claims(result):
    assert result.background == ("ex-2024-12-outlook",)
    assert result.outside == ("ex-2025-04-parliament",)
    assert [c.id for c in result.claims] == ["steady-growth"]
    doc = result.to_dict()
    json.dumps(doc)
    assert doc["outside"][0]["descriptor"] == "politics"
    assert len(doc["series"]) == 7 and doc["series"][0]["model"]["none"] == 0.0
    frame = result.to_frame()
    assert frame.shape[0] == 14 and frame.loc[(D(2025, 6, 30), "model"), "integration"] == 0.0


def test_replay_order_does_not_depend_on_input_order(model, evidence, result):
    items = list(evidence.items)
    random.Random(3).shuffle(items)
    again = track(model, items, claims=evidence.contradicted_claims)
    assert again.to_dict() == result.to_dict()


def test_cib_pass_runs_once_per_distinct_state(model, evidence):
    calls = []

    def stand_in(m, priors, fixed, draws, seed):
        calls.append((round(priors["world"]["growth"], 6), dict(fixed)))
        return np.append(model_dist(priors["world"]["growth"] if not fixed else 0.0), 0.0)[None, :]

    r = track(model, evidence.items, distribution=stand_in)
    # as-of, after the lender's cut, after the recession: the other dates change only indicators or nothing
    assert calls == [(0.6, {}), (round(G1, 6), {}), (round(G1, 6), {"world": "recession"})]
    assert len(r.points) == 7


def test_from_and_to(model, evidence):
    r = track(model, evidence.items, start=D(2025, 3, 1), end=D(2025, 4, 30))
    assert [p.date for p in r.points] == [D(2025, 2, 28), D(2025, 3, 5), D(2025, 4, 2)]
    assert r.points[0].model.probability == pytest.approx(model_dist(G1))  # earlier evidence still counts
    assert r.points[-1].state.fixed == {}  # the June intervention is left out
    before = track(model, evidence.items, start=D(2024, 6, 1))
    assert before.points[0].date == D(2025, 1, 1)  # never before the as-of date


def test_bands_over_draws_with_indicator_step_per_draw():
    rows = np.array([[0.6, 0.2, 0.2, 0.0], [0.2, 0.3, 0.3, 0.2]])
    plain = snapshot_from_rows(rows)
    assert plain.probability == pytest.approx([0.4, 0.25, 0.25]) and plain.none == pytest.approx(0.1)
    # 5 % and 95 % of two values by linear interpolation
    assert plain.low == pytest.approx([0.22, 0.205, 0.205]) and plain.high == pytest.approx([0.58, 0.295, 0.295])
    lik = np.array([1.0, 0.5, 0.1])
    upd = snapshot_from_rows(rows, lik)
    r0 = np.array([0.6, 0.1, 0.02]) / 0.72 * 1.0
    r1 = np.array([0.2, 0.15, 0.03]) / 0.38 * 0.8
    assert upd.probability == pytest.approx((r0 + r1) / 2)
    assert upd.none == pytest.approx(0.1) and upd.none_high == pytest.approx(0.19)
    assert upd.low == pytest.approx(np.minimum(r0, r1) + 0.05 * np.abs(r0 - r1))


def test_draws_with_the_likelihood_layer(model, evidence):
    # the example's judgments carry no spread: every draw is the stated matrix, so the band is a point
    r = track(model, evidence.items, draws=3, seed=0)
    assert r.draws == 3 and r.seed == 0
    last = r.points[-1]
    assert last.model.low == pytest.approx(last.model.high) and last.model.low == pytest.approx([0.0, 0.5, 0.5])


def test_bad_options(model, evidence):
    with pytest.raises(OptionError, match="after"):
        track(model, evidence.items, start=D(2025, 5, 1), end=D(2025, 4, 1))
    with pytest.raises(OptionError, match="draws"):
        track(model, evidence.items, draws=-1)


def test_first_point_is_the_likelihood_layers_distribution():
    # with no evidence, "model" at the as-of date is exactly what scenarist likelihood reports (same draws, seed)
    from scenarist.probability import outcome_distribution

    flagship = load_model("iran-russia-pezeshkian")
    r = track(flagship, [], draws=20, seed=7)
    d = outcome_distribution(flagship, draws=20, seed=7)
    (p,) = r.points
    assert p.model.probability == pytest.approx(list(d.probability.values()), abs=1e-12)
    assert p.model.none == pytest.approx(d.none.probability, abs=1e-12)
    assert p.model.low == pytest.approx([lo for lo, _ in d.bands.values()], abs=1e-12)
    assert p.indicators.probability == pytest.approx(p.model.probability)


def test_items_that_no_longer_fit_the_model_are_reported(model, evidence):
    # e.g. stored items checked against an older version of the model
    changed = model.model_copy(deep=True)
    changed.descriptors[0].variants[1].id = "slump"
    changed.descriptors[0].prior.probabilities = {"growth": 0.6, "slump": 0.4}
    with pytest.raises(ModelError) as exc:
        track(changed, evidence.items, source="sqlite:///team.db")
    text = str(exc.value)
    assert "sqlite:///team.db: item 'ex-2025-02-imf'.bearing.likelihoods.recession: unknown variant 'recession'" in text
    assert "item 'ex-2025-06-recession'.bearing.variant: unknown variant 'recession'" in text
