"""Bayes updates, Admiralty tempering and clustering, checked against numbers worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scenarist.evidence import (
    EvidenceItem,
    apply_indicator,
    bayes_update,
    counted_items,
    evidence_state,
    grade_weight,
    temper,
)
from scenarist.evidence.grading import CREDIBILITY_WEIGHT, RELIABILITY_WEIGHT
from scenarist.io.yaml_model import load_model

D = dt.date


@pytest.fixture(scope="module")
def model():
    return load_model("example")  # as of 2025-01-01; world prior growth 0.6, recession 0.4


def item(id, date, lik=None, grade="A1", status="report", cluster=None, kind="likelihood", variant=None):
    if kind == "likelihood":
        bearing = {"kind": "likelihood", "descriptor": "world", "likelihoods": lik, "rationale": "r"}
    elif kind == "indicator":
        bearing = {"kind": "indicator", "likelihoods": lik, "rationale": "r"}
    elif kind == "intervention":
        bearing = {"kind": "intervention", "descriptor": "world", "variant": variant, "rationale": "r"}
        status = "confirmed"
    else:
        bearing = {"kind": "outside", "descriptor": "politics", "what": "w"}
    return EvidenceItem.model_validate(
        {
            "id": id,
            "date": date,
            "title": id,
            "summary": "s",
            "source": {"outlet": "o", "accessed": date},
            "grade": grade,
            "status": status,
            "cluster": cluster,
            "bearing": bearing,
        }
    )


def test_weight_table_and_product():
    assert RELIABILITY_WEIGHT == {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.5}
    assert CREDIBILITY_WEIGHT == {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.3, 5: 0.1, 6: 0.5}
    assert grade_weight("A", 1) == 1.0
    assert grade_weight("B", 2) == pytest.approx(0.64)
    assert grade_weight("C", 3) == pytest.approx(0.36)
    assert grade_weight("D", 4) == pytest.approx(0.12)
    assert grade_weight("E", 5) == pytest.approx(0.02)


def test_temper_by_hand():
    # (0.3, 0.9) → ratios (1/3, 1); B2 (w = 0.64) → ((1/3)^0.64, 1) = (0.49504, 1)
    out = temper([0.3, 0.9], 0.64)
    assert out[1] == 1.0
    assert out[0] == pytest.approx(3**-0.64) and out[0] == pytest.approx(0.495042, abs=1e-6)
    assert np.all(temper([0.2, 0.5, 0.8], 0.0) == 1.0)  # weight 0: flat
    assert temper([0.2, 0.5, 0.8], 1.0) == pytest.approx([0.25, 0.625, 1.0])


def test_bayes_update_by_hand():
    # prior (0.6, 0.4), likelihood (0.3, 0.9): (0.18, 0.36)/0.54 = (1/3, 2/3)
    assert bayes_update([0.6, 0.4], [0.3, 0.9]) == pytest.approx([1 / 3, 2 / 3])
    # three variants: (0.5, 0.3, 0.2) × (0.2, 0.5, 1.0) = (0.1, 0.15, 0.2)/0.45
    assert bayes_update([0.5, 0.3, 0.2], [0.2, 0.5, 1.0]) == pytest.approx([2 / 9, 1 / 3, 4 / 9])


def test_one_item_updates_the_prior(model):
    # A2: w = 0.8. L = ((0.3/0.9)^0.8, 1) = (0.41524, 1). post growth = 0.6·0.41524 / (0.6·0.41524 + 0.4)
    st = evidence_state(model, [item("a", D(2025, 2, 1), {"growth": 0.3, "recession": 0.9}, "A2")])
    l = (1 / 3) ** 0.8
    assert st.priors["world"]["growth"] == pytest.approx(0.6 * l / (0.6 * l + 0.4))
    assert st.priors["world"]["growth"] == pytest.approx(0.383806, abs=1e-6)
    assert st.fixed == {} and st.indicator is None and st.counted == ("a",)


def test_two_independent_items_multiply(model):
    a = item("a", D(2025, 2, 1), {"growth": 0.3, "recession": 0.9}, "A1")
    b = item("b", D(2025, 3, 1), {"growth": 0.8, "recession": 0.4}, "B2")
    st = evidence_state(model, [a, b])
    # 0.6 · (1/3) · 1  vs  0.4 · 1 · (0.5)^0.64
    g, r = 0.6 / 3, 0.4 * 0.5**0.64
    assert st.priors["world"]["growth"] == pytest.approx(g / (g + r))


def test_cluster_counts_once(model):
    a = item("a", D(2025, 2, 1), {"growth": 0.3, "recession": 0.9}, "A1", cluster="same")
    b = item("b", D(2025, 2, 3), {"growth": 0.3, "recession": 0.9}, "A1", cluster="same")
    once = evidence_state(model, [a])
    both = evidence_state(model, [a, b])
    assert both.priors == once.priors
    assert both.priors["world"]["growth"] == pytest.approx(0.6 / 3 / (0.6 / 3 + 0.4))  # (1/3)·0.6 vs 0.4
    # without the cluster the two items would move the prior twice: 0.6/9 vs 0.4
    apart = evidence_state(model, [a.model_copy(update={"cluster": None}), b.model_copy(update={"cluster": None})])
    assert apart.priors["world"]["growth"] == pytest.approx(0.6 / 9 / (0.6 / 9 + 0.4))


def test_cluster_speaks_with_its_best_graded_item(model):
    weak = item("weak", D(2025, 2, 1), {"growth": 0.3, "recession": 0.9}, "C3", cluster="c")
    strong = item("strong", D(2025, 2, 5), {"growth": 0.3, "recession": 0.9}, "A2", cluster="c")
    early = evidence_state(model, [weak, strong], until=D(2025, 2, 2))
    late = evidence_state(model, [weak, strong], until=D(2025, 2, 5))
    l_weak, l_strong = (1 / 3) ** 0.36, (1 / 3) ** 0.8
    assert early.counted == ("weak",)
    assert early.priors["world"]["growth"] == pytest.approx(0.6 * l_weak / (0.6 * l_weak + 0.4))
    assert late.counted == ("strong",)
    assert late.priors["world"]["growth"] == pytest.approx(0.6 * l_strong / (0.6 * l_strong + 0.4))


def test_background_and_outside_do_not_count(model):
    bg = item("bg", D(2024, 12, 1), {"growth": 0.1, "recession": 1.0})
    on_as_of = item("edge", D(2025, 1, 1), {"growth": 0.1, "recession": 1.0})
    out = item("out", D(2025, 3, 1), kind="outside")
    st = evidence_state(model, [bg, on_as_of, out])
    assert st.priors == {"world": {"growth": 0.6, "recession": 0.4}}
    assert st.counted == ()
    assert counted_items([bg, on_as_of, out], model.metadata.as_of) == []


def test_interventions_latest_wins(model):
    a = item("a", D(2025, 2, 1), kind="intervention", variant="recession")
    b = item("b", D(2025, 5, 1), kind="intervention", variant="growth")
    assert evidence_state(model, [a, b], until=D(2025, 3, 1)).fixed == {"world": "recession"}
    assert evidence_state(model, [a, b]).fixed == {"world": "growth"}


def test_indicators_combine_and_apply_last(model):
    a = item("a", D(2025, 2, 1), {"integration": 0.9, "truce": 0.45, "rupture": 0.1}, "A1", kind="indicator")
    b = item("b", D(2025, 2, 2), {"integration": 0.2, "truce": 0.5, "rupture": 0.8}, "D4", kind="indicator")
    st = evidence_state(model, [a, b])
    w = 0.4 * 0.3
    raw = np.array([1.0, 0.5, 1 / 9]) * np.array([0.25, 0.625, 1.0]) ** w
    assert list(st.indicator.values()) == pytest.approx(raw / raw.max())
    assert st.priors == {"world": {"growth": 0.6, "recession": 0.4}}  # indicators never touch the priors


def test_apply_indicator_by_hand():
    # (0.5, 0.3) with none 0.2, likelihood (0.9, 0.3): (0.45, 0.09) → ×0.8/0.54 = (2/3, 2/15); none stays 0.2
    p, none = apply_indicator([0.5, 0.3], 0.2, [0.9, 0.3])
    assert p == pytest.approx([2 / 3, 2 / 15]) and none == 0.2
    p, none = apply_indicator([0.5, 0.3], 0.2, None)
    assert p == pytest.approx([0.5, 0.3])
