"""Dependent evidence: families combine as the strongest item plus ρ times the others (docs/evidence.md §3)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from likelihood_naive import build_model
from scenarist.evidence.bayes import evidence_state
from scenarist.evidence.items import EvidenceItem
from scenarist.model import Model


def model(rho=0.0):
    m = build_model(
        [("e", ["a", "b"], True, {"a": 0.5, "b": 0.5}), ("o", ["p", "q"], False, None)],
        [("e.a", "o.p", 1), ("e.b", "o.q", 1)],
        outcome="o",
    )
    data = m.model_dump(by_alias=True, exclude_none=True)
    data["metadata"]["as_of"] = "2025-01-01"
    data["evidence_families"] = [{"id": "fam", "rho": rho}]
    return Model.model_validate(data)


def item(i, lik, family="fam", grade="A1", day=2):
    return EvidenceItem.model_validate(
        {
            "id": f"i{i}",
            "date": dt.date(2025, 1, day),
            "title": "t",
            "summary": "s",
            "source": {"outlet": "o", "accessed": "2025-02-01"},
            "grade": grade,
            "status": "report",
            "family": family,
            "bearing": {"kind": "likelihood", "descriptor": "e", "likelihoods": lik, "rationale": "r"},
        }
    )


def test_n_copies_move_the_posterior_exactly_as_one():
    for rho in (0.0, 0.5, 1.0):
        m = model(rho)
        one = evidence_state(m, [item(0, {"a": 0.9, "b": 0.3})])
        five = evidence_state(m, [item(k, {"a": 0.9, "b": 0.3}) for k in range(5)])
        assert five.priors == one.priors
        assert five.n_eff == one.n_eff == 1.0


def test_strongest_plus_rho_times_the_others_by_hand():
    # A1 items have weight 1: log-LRs log(1/3) (strong) and log(1/2) (weaker), on b relative to a
    for rho in (0.0, 0.25, 1.0):
        st = evidence_state(model(rho), [item(0, {"a": 0.9, "b": 0.3}), item(1, {"a": 0.8, "b": 0.4})])
        lr = math.exp(math.log(1 / 3) + rho * math.log(1 / 2))
        assert st.priors["e"]["a"] == pytest.approx(1 / (1 + lr))
        assert st.n_eff == pytest.approx(1 + rho)
        assert st.families["fam"]["strongest"] == "i0"


def test_items_without_family_are_independent_and_n_eff_sums_families():
    st = evidence_state(model(0.0), [item(0, {"a": 0.9, "b": 0.3}, None), item(1, {"a": 0.8, "b": 0.4}, None)])
    assert st.priors["e"]["a"] == pytest.approx(1 / (1 + 1 / 6))
    assert st.n_eff == 2.0
    st = evidence_state(
        model(0.5),
        [
            item(0, {"a": 0.9, "b": 0.3}),
            item(1, {"a": 0.8, "b": 0.4}),
            item(2, {"a": 0.7, "b": 0.5}),
            item(3, {"a": 0.6, "b": 0.5}, None),
        ],
    )
    assert st.n_eff == pytest.approx(1 + 0.5 * 2 + 1)
