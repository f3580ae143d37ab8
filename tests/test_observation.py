"""Seeing on any descriptor: observations and likelihood vectors, checked against brute-force enumeration.

The reference below writes the rule of docs/method.md §10 out from its definition with Fractions: for every exogenous
combination x, the consistent scenarios S(x) by brute force; x's weight times Σ_v c(v|x) λ(v); inside x, the
scenarios holding d = v as a component of mass c(v|x) λ(v), each credited by the convention among its own.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from likelihood_naive import build_model, naive_consistent, naive_matrix
from scenarist.probability import outcome_distribution
from scenarist.probability.observation import Finding, condition_scenarios, observed_draws, weigh
from test_likelihood import random_model


def naive_credit(sc, ds, credit):
    out = {d.id: {v.id: Fraction(0) for v in d.variants} for d in ds}
    for d in ds:
        if credit == "variants":
            taken = sorted({s[d.id] for s in sc})
            for v in taken:
                out[d.id][v] += Fraction(1, len(taken))
        else:
            for s in sc:
                out[d.id][s[d.id]] += Fraction(1, len(sc))
    return out


def naive_observed(model, target, lam, credit="variants"):
    """Reference: one finding λ on descriptor ``target``; returns ({d: {v: Fraction}}, none, contradicted)."""
    cells = naive_matrix(model)
    ds = model.descriptors
    pri = {}
    for d in ds:
        if d.exogenous:
            p = d.prior.probabilities if d.prior else {v.id: 1.0 / len(d.variants) for v in d.variants}
            pri[d.id] = {v: Fraction(str(x)) for v, x in p.items()}
    exo = list(pri)
    acc = {d.id: {v.id: Fraction(0) for v in d.variants} for d in ds}
    none = Fraction(0)
    total = Fraction(0)
    z = Fraction(0)
    for combo in itertools.product(*[list(pri[e]) for e in exo]):
        w = Fraction(1)
        for e, v in zip(exo, combo):
            w *= pri[e][v]
        sc = naive_consistent(model, cells, dict(zip(exo, combo)))
        if not sc:
            none += w
            continue
        total += w
        c = naive_credit(sc, ds, credit)[target]
        for v, share in c.items():
            m = share * Fraction(str(lam.get(v, 0.0)))
            if m == 0:
                continue
            sub = naive_credit([s for s in sc if s[target] == v], ds, credit)
            z += w * m
            for d in ds:
                for u, q in sub[d.id].items():
                    acc[d.id][u] += w * m * q
    if z == 0:
        return None, none, True
    return {d: {v: x * total / z for v, x in vs.items()} for d, vs in acc.items()}, none, False


def got_marginals(model, findings, credit="variants"):
    o = observed_draws(model, findings, credit=credit)
    rows, bad = o.rows()
    c = o.setup.compiled
    out = {}
    for d in range(c.n_descriptors):
        out[c.descriptor_ids[d]] = {v: float(rows[0, c.offsets[d] + j]) for j, v in enumerate(c.variant_ids[d])}
    return out, float(rows[0, -1]), bool(bad[0])


def small():
    """Exogenous e (a 0.6, b 0.4) drives d; d = x only under e = a, so observing d = x removes e = b."""
    return build_model(
        [("e", ["a", "b"], True, {"a": 0.6, "b": 0.4}), ("d", ["x", "y"], False, None), ("o", ["p", "q"], False, None)],
        [
            ("e.a", "d.x", 1),
            ("e.a", "d.y", 1),
            ("e.b", "d.y", 2),
            ("d.x", "o.p", 2),
            ("d.y", "o.q", 2),
        ],
        outcome="o",
    )


def test_observation_removes_a_combination_by_hand():
    m = small()
    # e = a: d ties (x and y both consistent), o follows d; e = b: d = y only.
    got, none, bad = got_marginals(m, [("d", {"x": 1.0}, True, "obs")])
    assert not bad and none == 0.0
    # only e = a holds d = x: P(e = a | d = x) = 1; inside it only the scenario (a, x, p) remains
    assert got["e"] == pytest.approx({"a": 1.0, "b": 0.0})
    assert got["o"] == pytest.approx({"p": 1.0, "q": 0.0})
    # observing d = y keeps both combinations: weights 0.6 · 1/2 and 0.4 · 1 → e = a with 0.3 / 0.7
    got, _, _ = got_marginals(m, [("d", {"y": 1.0}, True, "obs")])
    assert got["e"]["a"] == pytest.approx(0.3 / 0.7)
    assert got["o"] == pytest.approx({"p": 0.0, "q": 1.0})


def test_observation_that_contradicts_the_model():
    m = build_model(
        [("e", ["a", "b"], True, {"a": 0.5, "b": 0.5}), ("d", ["x", "y"], False, None)],
        [("e.a", "d.y", 1), ("e.b", "d.y", 2)],
        outcome="d",
    )
    _got, _none, bad = got_marginals(m, [("d", {"x": 1.0}, True, "obs")])
    assert bad
    ref = naive_observed(m, "d", {"x": 1.0})
    assert ref[2]


def test_likelihood_vector_on_an_endogenous_descriptor_by_hand():
    m = small()
    # λ(x) = 1, λ(y) = 0.25. e = a: mass 1/2 · 1 + 1/2 · 0.25 = 0.625; e = b: 0.25.
    got, _, _ = got_marginals(m, [("d", {"x": 1.0, "y": 0.25}, False, "lik")])
    z = 0.6 * 0.625 + 0.4 * 0.25
    assert got["e"]["a"] == pytest.approx(0.6 * 0.625 / z)
    assert got["d"]["x"] == pytest.approx(0.6 * 0.5 / z)
    assert got["o"]["p"] == pytest.approx(0.6 * 0.5 / z)


@pytest.mark.parametrize("credit", ["variants", "scenarios"])
def test_matches_brute_force_on_random_models(credit):
    rng = np.random.default_rng(12)
    checked = contradicted = 0
    for trial in range(30):
        m = random_model(rng, int(rng.integers(1, 3)), int(rng.integers(2, 4)))
        endo = [d for d in m.descriptors if not d.exogenous]
        d = endo[int(rng.integers(0, len(endo)))]
        ids = [v.id for v in d.variants]
        if trial % 2:
            lam = {ids[int(rng.integers(0, len(ids)))]: 1.0}
            hard = True
        else:
            lam = {v: float(round(rng.uniform(0.05, 1.0), 2)) for v in ids}
            hard = False
        want, none, bad_want = naive_observed(m, d.id, lam, credit)
        got, got_none, bad = got_marginals(m, [(d.id, lam, hard, "f")], credit)
        assert bad == bad_want, trial
        if bad:
            contradicted += 1
            continue
        assert got_none == pytest.approx(float(none), abs=1e-12)
        for desc, vs in want.items():
            assert got[desc] == pytest.approx({k: float(v) for k, v in vs.items()}, abs=1e-9), (trial, desc)
        checked += 1
    assert checked >= 10


def test_no_findings_equals_the_plain_pass_and_outcome_lambda_equals_the_indicator_step():
    from scenarist.evidence.bayes import apply_indicator

    m = small()
    plain = outcome_distribution(m)
    got, _none, _ = got_marginals(m, [])
    assert got["o"] == pytest.approx(plain.marginal("o").probabilities)
    lam = {"p": 0.9, "q": 0.3}
    got, _, _ = got_marginals(m, [("o", lam, False, "ind")])
    p, _ = apply_indicator(plain.marginal("o").stated, plain.none.stated, [0.9, 0.3])
    assert [got["o"]["p"], got["o"]["q"]] == pytest.approx(p.tolist())


def test_scenarios_credit_is_order_free_and_n_copies_of_a_hard_observation_equal_one():
    offsets = np.array([0, 2, 4, 6])
    counts = np.array([2, 2, 2])
    scen = np.array([[0, 0, 0], [0, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 0]])
    tags = np.array([0, 0, 0, 1, 1])
    f1 = Finding(1, (1.0, 0.5))
    f2 = Finding(2, (0.2, 1.0))
    a = condition_scenarios(scen, tags, offsets, counts, True, [f1, f2])
    b = condition_scenarios(scen, tags, offsets, counts, True, [f2, f1])
    assert np.allclose(a.mass, b.mass) and np.allclose(a.credit, b.credit)
    h = Finding(1, (1.0, 0.0), True)
    one = condition_scenarios(scen, tags, offsets, counts, False, [h])
    three = condition_scenarios(scen, tags, offsets, counts, False, [h, h, h])
    assert np.allclose(one.mass, three.mass) and np.allclose(one.credit, three.credit)
    flat, bad = weigh(one, np.array([0.5, 0.5]))
    assert not bad and flat[:-1].reshape(3, 2).sum(axis=1) == pytest.approx([1, 1, 1])
