"""One exact search: the likelihood layer's pass over exogenous combinations uses the engine's search, so on random
models its consistent scenarios per exogenous combination are exactly those of :func:`scenarist.cib.find_scenarios`
with the combination fixed, and those of the brute force in tests/naive.py — with a tolerance k > 0,
interventions and exogenous descriptors, in both ways of visiting the combinations (all in one search, or each
fixed in turn as when they are sampled). The shares credited per combination are checked against the definition
(``docs/method.md`` §2) with exact fractions.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist.cib import CompiledModel, find_scenarios
from scenarist.cib.search import choose_order, scenarios_by_combination
from scenarist.errors import OptionError
from scenarist.probability.combinations import make_pass_spec, run_pass
from scenarist.probability.priors import Priors


def compiled_from(matrix, counts, exogenous) -> CompiledModel:
    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    return CompiledModel(
        descriptor_ids=tuple(f"d{i}" for i in range(n)),
        descriptor_names=tuple(f"D{i}" for i in range(n)),
        variant_ids=tuple(tuple(f"v{j}" for j in range(c)) for c in counts),
        variant_names=tuple(tuple(f"V{j}" for j in range(c)) for c in counts),
        counts=counts,
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        matrix=np.asarray(matrix, dtype=np.int64),
        exogenous=np.array([i in exogenous for i in range(n)], dtype=bool),
    )


@st.composite
def models(draw, max_space=600):
    """A random model with at least one exogenous descriptor (zero column block), sparse scores with ties,
    optional interventions (on exogenous descriptors too) and a tolerance k."""
    n = draw(st.integers(2, 6))
    counts, space = [], 1
    for _ in range(n):
        c = draw(st.integers(2, 4))
        if space * c > max_space:
            break
        counts.append(c)
        space *= c
    n = len(counts)
    V = sum(counts)
    cells = draw(st.lists(st.sampled_from([0, 0, 0, 0, -1, 1, -2, 2, 3, -3]), min_size=V * V, max_size=V * V))
    m = np.array(cells, dtype=np.int64).reshape(V, V)
    off = np.concatenate([[0], np.cumsum(counts)])
    for d in range(n):
        m[off[d] : off[d + 1], off[d] : off[d + 1]] = 0  # the method's definition: no self-impact
    exo = {d for d in range(n) if draw(st.integers(0, 2)) == 0} or {draw(st.integers(0, n - 1))}
    if len(exo) == n:
        exo.discard(n - 1)
    for d in exo:
        m[:, off[d] : off[d + 1]] = 0
    fixed = {d: draw(st.integers(0, counts[d] - 1)) for d in range(n) if draw(st.integers(0, 4)) == 0}
    k = draw(st.sampled_from([0, 0, 1, 2]))
    return m, counts, sorted(exo), fixed, k


def uniform_priors(compiled: CompiledModel) -> Priors:
    exo = tuple(int(d) for d in np.flatnonzero(compiled.exogenous))
    return Priors(
        exo,
        tuple(np.full(int(compiled.counts[d]), 1.0 / int(compiled.counts[d])) for d in exo),
        ("assumed uniform",) * len(exo),
    )


def free_combinations(counts, exo, fixed):
    free = [e for e in exo if e not in fixed]
    return free, list(itertools.product(*[range(counts[e]) for e in free]))


def rows_set(a) -> set[tuple[int, ...]]:
    return {tuple(int(x) for x in r) for r in a}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_pass_finds_per_combination_what_find_scenarios_and_the_brute_force_find(model):
    m, counts, exo, fixed, k = model
    c = compiled_from(m, counts, exo)
    n = len(counts)
    fx = np.array([fixed.get(d, -1) for d in range(n)], dtype=np.int64)
    spec = make_pass_spec(c, uniform_priors(c), fx, max_inconsistency=k)
    assert spec.samples == 0
    res = run_pass(spec, c.matrix)
    free, combos = free_combinations(counts, exo, fixed)
    assert list(spec.exo) == free

    # the same scenarios each exogenous combination fixed in turn (the way sampled combinations are searched)
    turn_sc, turn_tag = scenarios_by_combination(
        c.matrix,
        spec.offsets,
        spec.counts,
        spec.fixed,
        spec.tested,
        spec.order_endogenous,
        spec.exo,
        np.array(combos, dtype=np.int64).reshape(len(combos), len(free)),
        k=k,
    )
    with_some = []
    for q, x in enumerate(combos):
        both = {**fixed, **dict(zip(free, x))}
        want = {s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k, both, exo)}
        engine = rows_set(find_scenarios(c, k, np.array([both.get(d, -1) for d in range(n)]), method="bnb").scenarios)
        in_pass = rows_set(r for r in res.scenarios if tuple(r[free]) == x)
        in_turn = rows_set(turn_sc[turn_tag == q])
        assert engine == want
        assert in_pass == want
        assert in_turn == want
        if want:
            with_some.append(x)
    # the pass lists exactly the combinations with some scenario, in lexicographic order
    assert [tuple(int(v) for v in r) for r in res.combos] == sorted(with_some)
    assert len(res.scenarios) == sum(
        len(naive.consistent_scenarios(m.tolist(), counts, k, {**fixed, **dict(zip(free, x))}, exo)) for x in combos
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(max_space=300), st.sampled_from(["variants", "scenarios"]))
def test_credited_shares_follow_the_definition(model, credit):
    m, counts, exo, fixed, k = model
    c = compiled_from(m, counts, exo)
    n = len(counts)
    fx = np.array([fixed.get(d, -1) for d in range(n)], dtype=np.int64)
    spec = make_pass_spec(c, uniform_priors(c), fx, credit=credit, max_inconsistency=k)
    res = run_pass(spec, c.matrix)
    free, combos = free_combinations(counts, exo, fixed)
    off = c.offsets
    want = np.zeros(int(off[-1]) + 1, dtype=object)
    want[:] = Fraction(0)
    w = Fraction(1, max(len(combos), 1)) if free else Fraction(1)
    for x in combos:
        sc = [s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k, {**fixed, **dict(zip(free, x))}, exo)]
        if not sc:
            want[-1] += w
            continue
        for d in range(n):
            if credit == "variants":
                taken = sorted({s[d] for s in sc})
                for v in taken:
                    want[off[d] + v] += w / len(taken)
            else:
                for s in sc:
                    want[off[d] + s[d]] += w / len(sc)
    assert np.allclose(res.flat, want.astype(float), atol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(max_space=300), st.integers(0, 2**31))
def test_sampled_combinations_credit_what_the_brute_force_finds(model, seed):
    m, counts, exo, fixed, k = model
    c = compiled_from(m, counts, exo)
    n = len(counts)
    fx = np.array([fixed.get(d, -1) for d in range(n)], dtype=np.int64)
    free, combos = free_combinations(counts, exo, fixed)
    spec = make_pass_spec(c, uniform_priors(c), fx, max_combinations=1, samples=12, max_inconsistency=k)
    if not free or len(combos) <= 1:
        assert spec.samples == 0
        return
    res = run_pass(spec, c.matrix, np.random.default_rng(seed))
    off = c.offsets
    for x, row in zip(res.combos, res.group_credit):
        sc = [s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k, {**fixed, **dict(zip(free, x))}, exo)]
        assert row[-1] == (0.0 if sc else 1.0)
        taken = {int(off[d]) + s[d] for s in sc for d in range(n)}
        assert set(np.flatnonzero(row[:-1]).tolist()) == taken


def test_one_search_serves_a_model_with_many_scenarios():
    # more scenarios than the rows reserved up front: the search runs again, sized to fit, and loses none
    counts = [3] * 7
    c = compiled_from(np.zeros((21, 21), dtype=np.int64), counts, {0, 1})
    fx = np.full(7, -1, dtype=np.int64)
    tested = ~c.exogenous
    order = choose_order(c.matrix, c.offsets, c.counts, fx, tested, last=np.array([0, 1]))
    sc, tags = scenarios_by_combination(c.matrix, c.offsets, c.counts, fx, tested, order, np.array([0, 1]), rows=5)
    assert len(sc) == 3**7 and len(rows_set(sc)) == 3**7
    assert (tags == sc[:, 0] * 3 + sc[:, 1]).all()
    sc, tags = scenarios_by_combination(
        c.matrix,
        c.offsets,
        c.counts,
        fx,
        tested,
        order[order > 1],
        np.array([0, 1]),
        np.array([[2, 1], [0, 0]]),
        rows=5,
    )
    assert len(sc) == 2 * 3**5 and (sc[tags == 0][:, :2] == [2, 1]).all() and (sc[tags == 1][:, :2] == 0).all()


def test_bad_arguments_are_refused():
    c = compiled_from(np.zeros((6, 6), dtype=np.int64), [2, 2, 2], {0})
    fx = np.full(3, -1, dtype=np.int64)
    tested = ~c.exogenous
    exo = np.array([0])
    args = (c.matrix, c.offsets, c.counts, fx, tested)
    with pytest.raises(OptionError):
        scenarios_by_combination(*args, np.array([1, 2]), exo)  # order misses the exogenous descriptor
    with pytest.raises(OptionError):
        scenarios_by_combination(*args, np.array([0, 1, 2]), exo, np.array([[0]]))  # order holds it
    with pytest.raises(OptionError):
        scenarios_by_combination(*args, np.array([1, 2]), exo, np.array([[2]]))  # no variant 2
    with pytest.raises(OptionError):
        scenarios_by_combination(*args, np.array([0, 1, 2]), np.array([1]))  # a tested descriptor
    with pytest.raises(OptionError):
        scenarios_by_combination(*args, np.array([0, 1, 2]), exo, k=-1)
    with pytest.raises(OptionError):
        choose_order(*args, last=np.array([0]), k=-1)
    with pytest.raises(OptionError):
        make_pass_spec(c, uniform_priors(c), fx, max_inconsistency=-1)
