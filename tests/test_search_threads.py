"""The threaded exact search (issue 14): subtrees handed to threads as they free up give exactly the one-thread
search's scenarios (in the same order without forward checking) for 1, 2 and 4 threads, with forward checking on and
off, tolerance, interventions, exogenous descriptors, a result limit, a one-thread try of any node budget,
descriptors too large for the propagation's tables, and models whose scores are too large for propagation; all
against the brute force of tests/naive.py."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist.cib import _kernels as K
from scenarist.cib import find_scenarios
from scenarist.cib import search as S
from test_search import compiled_from, fixed_array, problems


def _arrays(c, fx):
    return (
        np.ascontiguousarray(c.matrix, dtype=np.int64),
        c.offsets.astype(np.int64),
        c.counts.astype(np.int64),
        fx,
        S.tested_mask(c, fx),
    )


def _serial(args, k, propagate=True):
    out = np.zeros((20_000, len(args[2])), dtype=np.int64)
    nodes = np.zeros(1, dtype=np.int64)
    found = K.bnb_search(*args, np.int64(k), out, np.int64(-1), np.int64(-1), propagate, nodes)
    return out[:found], int(nodes[0])


def _naive_rows(m, counts, k, fixed=None, exo=()):
    return sorted(s for s, *_ in naive.consistent_scenarios(m.tolist(), counts, k, fixed or {}, set(exo)))


def _rows(a):
    return sorted(tuple(int(x) for x in r) for r in a)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=500), st.booleans())
def test_threads_give_the_one_thread_list_for_1_2_and_4_threads(problem, propagate):
    m, counts, exo, fixed, k = problem
    c = compiled_from(m, counts, exo)
    args = _arrays(c, fixed_array(fixed, len(counts)))
    one, one_nodes = _serial(args, k, propagate)
    assert _rows(one) == _naive_rows(m, counts, k, fixed, exo)
    for threads in (1, 2, 4):
        sc, found, nodes = K.bnb_search_threads(*args, np.int64(k), threads, np.int64(-1), propagate)
        assert found == len(one)
        if propagate:  # the one-thread walk's tree cut in pieces: same rows (in subtree order), same nodes
            assert _rows(sc) == _rows(one)
            assert nodes == one_nodes
        else:
            assert sc.tobytes() == one.tobytes()  # same rows, same order


def _dense(n, seed, counts=3, density=0.6):
    rng = np.random.default_rng(seed)
    cs = [counts] * n if np.isscalar(counts) else list(counts)
    V = sum(cs)
    m = rng.integers(-3, 4, size=(V, V)) * (rng.random((V, V)) < density)
    off = np.concatenate([[0], np.cumsum(cs)])
    for d in range(len(cs)):
        m[off[d] : off[d + 1], off[d] : off[d + 1]] = 0
    return m.astype(np.int64), cs


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.sampled_from([0, 2, 4, 8]))
def test_threads_on_dense_models_with_many_results_match_the_brute_force(seed, k):
    # k up to 8 keeps hundreds of scenarios; with slots of 2 rows most subtrees overflow and are searched again
    m, counts = _dense(7, seed)
    c = compiled_from(m, counts)
    args = _arrays(c, np.full(7, -1, dtype=np.int64))
    one, one_nodes = _serial(args, k)
    assert _rows(one) == _naive_rows(m, counts, k)
    for threads in (2, 4):
        sc, found, nodes = K.bnb_search_threads(*args, np.int64(k), threads, np.int64(-1), True)
        assert _rows(sc) == _rows(one) and found == len(one) and nodes == one_nodes
        sc, found, nodes = K.bnb_search_threads(*args, np.int64(k), threads, np.int64(-1), True, np.int64(0), 2)
        assert _rows(sc) == _rows(one) and found == len(one)
        assert nodes >= one_nodes  # the subtrees searched again are counted twice


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=500), st.sampled_from([1, 3, 17, 10**6]), st.integers(-1, 3), st.booleans())
def test_a_one_thread_try_of_any_budget_keeps_the_scenarios(problem, probe, cut, propagate):
    # the try is given up at once (1), part way (3, 17) or not at all (10**6: it is the one-thread search)
    m, counts, exo, fixed, k = problem
    want = _naive_rows(m, counts, k, fixed, exo)
    limit = -1 if cut < 0 else max(0, len(want) - 2 + cut)
    args = _arrays(compiled_from(m, counts, exo), fixed_array(fixed, len(counts)))
    sc, found, nodes = K.bnb_search_threads(*args, np.int64(k), 2, np.int64(limit), propagate, np.int64(probe))
    if 0 <= limit < len(want):
        assert found > limit and len(sc) == 0
        return
    assert found == len(want) and _rows(sc) == want
    one, one_nodes = _serial(args, k, propagate)
    _, _, split_nodes = K.bnb_search_threads(*args, np.int64(k), 2, np.int64(limit), propagate, np.int64(0))
    if probe == 10**6:  # the try finishes: the one-thread search itself, row for row and node for node
        assert sc.tobytes() == one.tobytes() and nodes == one_nodes
    elif propagate and one_nodes > probe:
        # given up: what it found is kept and what it left is cut into subtrees (_fc_rest), so every scenario is
        # found once (the rows above, duplicates included) and the try's nodes are counted, not searched again
        assert nodes >= probe + 1
    elif one_nodes > probe:  # without propagation the try is thrown away: its nodes come on top of the split's
        assert nodes == split_nodes + probe + 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=400), st.integers(0, 3))
def test_threaded_limit_is_passed_exactly_when_more_scenarios_exist(problem, cut):
    m, counts, exo, fixed, k = problem
    want = _naive_rows(m, counts, k, fixed, exo)
    limit = max(0, len(want) - 2 + cut)
    args = _arrays(compiled_from(m, counts, exo), fixed_array(fixed, len(counts)))
    for threads in (2, 4):
        sc, found, _ = K.bnb_search_threads(*args, np.int64(k), threads, np.int64(limit), True)
        if len(want) > limit:
            assert found > limit and len(sc) == 0
        else:
            assert found == len(want) and _rows(sc) == want


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.sampled_from([0, 1, 3]))
def test_descriptors_too_large_for_the_tables_are_propagated_exactly(seed, k):
    # 7 and 9 variants exceed FC_TABLE_VARIANTS: their least gains are computed when needed (_fc_shift_wide)
    assert K.FC_TABLE_VARIANTS < 7
    m, counts = _dense(4, seed, counts=[7, 2, 9, 3])
    c = compiled_from(m, counts)
    args = _arrays(c, np.full(4, -1, dtype=np.int64))
    order = K.search_order(*args)
    assert K.fc_tables(args[0], args[1], args[2], args[4], order, True)[0][0]
    with_fc, n_fc = _serial(args, k, True)
    without, n_plain = _serial(args, k, False)
    want = _naive_rows(m, counts, k)
    assert _rows(with_fc) == _rows(without) == want
    assert n_fc <= n_plain
    sc, _, _ = K.bnb_search_threads(*args, np.int64(k), 2, np.int64(-1), True)
    assert _rows(sc) == want


def test_scores_too_large_for_propagation_are_searched_without_it():
    # Σ over descriptors of 2·max|score| above FC_BOUND: the parked bounds of removed variants could reach 0
    m, counts = _dense(6, 5)
    big = m * (K.FC_BOUND // 12 + 1)
    c = compiled_from(big, counts)
    args = _arrays(c, np.full(6, -1, dtype=np.int64))
    order = K.search_order(*args)
    assert not K.fc_tables(args[0], args[1], args[2], args[4], order, True)[0][0]
    assert K.fc_tables(m, args[1], args[2], args[4], order, True)[0][0]
    for k in (0, 2 * (K.FC_BOUND // 12 + 1)):
        got = find_scenarios(c, k, method="bnb", max_results=None)
        brute = find_scenarios(c, k, method="brute", max_results=None)
        assert got.scenarios.tobytes() == brute.scenarios.tobytes()


def test_find_scenarios_is_the_same_on_one_thread_and_on_two(monkeypatch):
    import numba

    m, counts = _dense(10, 11)
    c = compiled_from(m, counts)
    monkeypatch.setattr(S, "SERIAL_NODES", 0)
    previous = numba.get_num_threads()
    try:
        got = {}
        for threads in (1, 2):
            numba.set_num_threads(threads)
            got[threads] = find_scenarios(c, 2, method="bnb", max_results=None)
    finally:
        numba.set_num_threads(previous)
    assert got[1].scenarios.tobytes() == got[2].scenarios.tobytes()  # tableau order: row for row
    assert got[1].nodes > 0 and got[2].nodes > 0


def test_one_thread_searches_once_unless_it_finds_more_than_its_block(monkeypatch):
    # k = 6 keeps 2 413 of 59 049 scenarios: more than FIRST_ROWS (1 024), which used to mean a second whole
    # search; the first pass now has room for FIRST_ENTRIES entries, so only a search finding more runs again
    import numba

    m, counts = _dense(10, 11)
    c = compiled_from(m, counts)
    fx = np.full(10, -1, dtype=np.int64)
    args = _arrays(c, fx)
    one, one_nodes = _serial(args, 6)  # room for every row: one pass
    assert _rows(one) == _naive_rows(m, counts, 6) and len(one) == 2413
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        stats = {}
        got = S.run_kernel(*args, 6, "bnb", stats=stats)
        assert _rows(got) == _rows(one) and got.base is None  # a copy: the reserved block is not kept alive
        assert stats["nodes"] == one_nodes
        monkeypatch.setattr(S, "FIRST_ROWS", 4)
        monkeypatch.setattr(S, "FIRST_ENTRIES", 1)
        stats = {}
        got = S.run_kernel(*args, 6, "bnb", stats=stats)
        assert _rows(got) == _rows(one) and stats["nodes"] == 2 * one_nodes  # the second pass, sized to fit
        got = S.run_kernel(*args, 6, "bnb", limit=2413)
        assert _rows(got) == _rows(one)
        assert S.run_kernel(*args, 6, "bnb", limit=2412) is None
    finally:
        numba.set_num_threads(previous)


def _openmp_env(**env):
    """The OpenMP wait settings a fresh interpreter has after importing scenarist.cib, given ``env``."""
    import json
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    code = "import os, json, scenarist.cib; print(json.dumps([os.environ.get(k) for k in ('OMP_WAIT_POLICY', 'GOMP_SPINCOUNT')]))"
    out = subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_idle_threads_spin_briefly_then_sleep_unless_the_user_chose():
    assert _openmp_env() == ["PASSIVE", "10000"]
    assert _openmp_env(OMP_WAIT_POLICY="ACTIVE") == ["ACTIVE", None]  # a chosen policy is not overridden
    assert _openmp_env(GOMP_SPINCOUNT="5") == [None, "5"]
