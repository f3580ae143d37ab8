"""Forward checking in the exact search (issue 14): with propagation the branch-and-bound returns exactly the
brute-force kernel, for every variant of the kernel (tolerance k, interventions, exogenous descriptors, self-impacts
counted or zero), never visits more nodes than without it, and the threaded split and the likelihood layer's
tagged search agree with it."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist.cib import _kernels as K
from scenarist.cib import find_scenarios
from scenarist.cib import search as S
from scenarist.cib.search import scenarios_by_combination
from test_search import compiled_from, fixed_array, problems


def _run(c, fx, k, propagate):
    tested = S.tested_mask(c, fx)
    out = np.zeros((4096, c.n_descriptors), dtype=np.int64)
    nodes = np.zeros(1, dtype=np.int64)
    args = (c.matrix.astype(np.int64), c.offsets.astype(np.int64), c.counts.astype(np.int64), fx, tested)
    found = K.bnb_search(*args, np.int64(k), out, np.int64(-1), np.int64(-1), propagate, nodes)
    return sorted(tuple(int(x) for x in row) for row in out[:found]), int(nodes[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=600))
def test_propagation_returns_exactly_the_brute_force_kernel(problem):
    m, counts, exo, fixed, k = problem
    want = sorted(s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k, fixed, exo))
    c = compiled_from(m, counts, exo)
    fx = fixed_array(fixed, len(counts))
    with_fc, n_fc = _run(c, fx, k, True)
    without, n_plain = _run(c, fx, k, False)
    assert with_fc == want
    assert without == want
    assert n_fc <= n_plain


def _dense(n, seed, counts=3, self_block=False):
    rng = np.random.default_rng(seed)
    cs = [counts] * n
    V = sum(cs)
    m = rng.integers(-3, 4, size=(V, V)) * (rng.random((V, V)) < 0.6)
    if not self_block:
        for d in range(n):
            m[d * counts : (d + 1) * counts, d * counts : (d + 1) * counts] = 0
    return m.astype(np.int64), cs


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(6, 8), st.sampled_from([0, 1, 3]), st.booleans())
def test_dense_models_match_the_brute_force_with_ties_and_tolerance(seed, n, k, self_block):
    m, counts = _dense(n, seed, self_block=self_block)
    want = sorted(s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k))
    c = compiled_from(m, counts)
    got, n_fc = _run(c, np.full(n, -1, dtype=np.int64), k, True)
    assert got == want
    assert n_fc <= _run(c, np.full(n, -1, dtype=np.int64), k, False)[1]


def test_threaded_split_with_propagation_matches_one_thread(monkeypatch):
    import scenarist.cib.search as search_module

    m, counts = _dense(9, 7)
    c = compiled_from(m, counts)
    for k in (0, 2, 5):
        one = find_scenarios(c, k, method="bnb", max_results=None)
        monkeypatch.setattr(search_module, "SERIAL_NODES", 0)
        split = find_scenarios(c, k, method="bnb", max_results=None)
        monkeypatch.undo()
        brute = find_scenarios(c, k, method="brute", max_results=None)
        assert one.scenarios.tobytes() == brute.scenarios.tobytes() == split.scenarios.tobytes()
        assert one.nodes > 0 and split.nodes > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(0, 2), st.booleans())
def test_descriptors_of_one_variant_have_no_pairs_and_are_searched_exactly(seed, k, split):
    # a descriptor of one variant has no rival, so no bound pairs (n_j − 1 = 0 per variant); a model of only such
    # tested descriptors has none at all
    rng = np.random.default_rng(seed)
    counts = [int(x) for x in rng.integers(1, 4, size=int(rng.integers(2, 7)))]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    m = rng.integers(-3, 4, size=(offsets[-1], offsets[-1]))
    for d in range(len(counts)):
        m[offsets[d] : offsets[d + 1], offsets[d] : offsets[d + 1]] = 0
    c = compiled_from(m, counts)
    want = find_scenarios(c, k, method="brute", max_results=None)  # numpy enumeration (naive.py needs rivals)
    previous = S.SERIAL_NODES
    S.SERIAL_NODES = 0 if split else previous  # 0: every search split over the threads
    try:
        got = find_scenarios(c, k, method="bnb", max_results=None)
    finally:
        S.SERIAL_NODES = previous
    assert got.scenarios.tobytes() == want.scenarios.tobytes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.sampled_from([0, 1, 3]))
def test_wide_descriptors_match_the_brute_force(seed, k):
    # a descriptor of 7 or more variants has no tables (FC_TABLE_VARIANTS: its least gains are computed as needed),
    # and one of 9 or more has more pairs than a 64-bit word holds (removal parks them in one pass whatever the width)
    rng = np.random.default_rng(seed)
    counts = [int(rng.integers(9, 12)), int(rng.integers(7, 9)), 3, 2, 2]
    rng.shuffle(counts)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    m = rng.integers(-3, 4, size=(offsets[-1], offsets[-1])) * (rng.random((offsets[-1], offsets[-1])) < 0.7)
    for d in range(len(counts)):
        m[offsets[d] : offsets[d + 1], offsets[d] : offsets[d + 1]] = 0
    want = sorted(s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k))
    c = compiled_from(m.astype(np.int64), counts)
    got, n_fc = _run(c, np.full(len(counts), -1, dtype=np.int64), k, True)
    assert got == want
    assert n_fc <= _run(c, np.full(len(counts), -1, dtype=np.int64), k, False)[1]


def test_node_counts_fall_on_a_dense_model():
    m, counts = _dense(12, 3)
    c = compiled_from(m, counts)
    fx = np.full(12, -1, dtype=np.int64)
    got, n_fc = _run(c, fx, 0, True)
    want, n_plain = _run(c, fx, 0, False)
    assert got == want
    assert 3 * n_fc < n_plain


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=300))
def test_tagged_search_of_the_likelihood_layer_matches_the_brute_force(problem):
    m, counts, exo, fixed, k = problem
    if not exo:
        return
    c = compiled_from(m, counts, exo)
    fx = fixed_array(fixed, len(counts))
    ex = np.array(sorted(d for d in exo if fx[d] < 0), dtype=np.int64)
    if len(ex) == 0:
        return
    tested = S.tested_mask(c, fx)
    order = np.flatnonzero(fx < 0).astype(np.int64)
    sc, _tags = scenarios_by_combination(c.matrix, c.offsets, c.counts, fx, tested, order, ex, k=k)
    want = sorted(s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k, fixed, exo))
    assert sorted(tuple(int(x) for x in row) for row in sc) == want


def test_above16_packs_sixteen_compares_into_bits():
    """The rules-1-2 scan's vector compare, against numpy: bit l of the mask is ``arr[idx + l] > k``, at every
    offset (aligned or not) and for k below, inside and above the values."""
    from numba import njit

    @njit
    def masks(arr, k):
        out = np.empty(arr.shape[0] - 15, dtype=np.uint64)
        for i in range(out.shape[0]):
            out[i] = K._above16(arr, i, k)
        return out

    rng = np.random.default_rng(7)
    arr = rng.integers(-40, 40, size=70).astype(np.int32)
    arr[3] = K.FC_DEAD
    for k in (-50, -1, 0, 5, 39, 40):
        got = masks(arr, np.int32(k))
        weights = np.uint64(1) << np.arange(16, dtype=np.uint64)
        want = [int(((arr[i : i + 16] > k).astype(np.uint64) * weights).sum()) for i in range(len(arr) - 15)]
        assert [int(x) for x in got] == want
