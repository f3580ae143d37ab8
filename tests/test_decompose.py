"""Decomposition of the exact search into blocks of the impact graph (scenarist.cib.decompose).

Against independent references: the naive brute force (tests/naive.py) on small random block-diagonal and
block-chained models with ties, self-blocks, constant rows, tolerance k, exogenous descriptors and interventions;
a brute-force reading of the edge rule; and constructed 60–200-descriptor models whose kernels are known (products
of per-block kernels found by brute force block by block, or fixed by hand).
"""

from __future__ import annotations

import importlib
import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist.cib import CompiledModel, count_kernel, decompose, find_scenarios, find_scenarios_decomposed
from scenarist.cib.decompose import (
    FRONTIER_MAX,
    FrontierTooLargeError,
    estimated_gain,
    frontier_need,
    impact_graph,
    plan_search,
    search,
)
from scenarist.cib.search import TooManyScenariosError
from scenarist.errors import OptionError, UnknownNameError

decompose_module = importlib.import_module("scenarist.cib.decompose")  # the module (``cib.decompose`` is the function)


def compiled_from(matrix, counts, exogenous=(), scale=None) -> CompiledModel:
    counts = np.asarray(counts, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    n = len(counts)
    return CompiledModel(
        descriptor_ids=tuple(f"d{i}" for i in range(n)),
        descriptor_names=tuple(f"D{i}" for i in range(n)),
        variant_ids=tuple(tuple(f"v{j}" for j in range(c)) for c in counts),
        variant_names=tuple(tuple(f"V{j}" for j in range(c)) for c in counts),
        counts=counts,
        offsets=offsets,
        matrix=np.asarray(matrix, dtype=np.int64),
        exogenous=np.array([i in exogenous for i in range(n)], dtype=bool),
        scale=scale,
    )


def fixed_array(n, fixed: dict) -> np.ndarray:
    out = np.full(n, -1, dtype=np.int64)
    for d, v in fixed.items():
        out[d] = v
    return out


def scores_by_numpy(matrix, counts, scenarios):
    """``(IC over all descriptors, TIS)`` of each scenario, from the definitions (θ = sum of the chosen rows)."""
    offsets = np.concatenate([[0], np.cumsum(counts)])
    out_ic, out_tis = [], []
    for s in scenarios:
        theta = np.asarray(matrix)[offsets[:-1] + np.asarray(s)].sum(axis=0)
        ic = max(theta[offsets[j] : offsets[j + 1]].max() - theta[offsets[j] + s[j]] for j in range(len(counts)))
        out_ic.append(int(ic))
        out_tis.append(int(sum(theta[offsets[j] + s[j]] for j in range(len(counts)))))
    return out_ic, out_tis


def tableau_order(rows, tis):
    """Rows sorted as the tableau: total impact score descending, then variant positions ascending."""
    return [r for _, r in sorted(zip(tis, rows), key=lambda p: (-p[0], p[1]))]


# -- small random models against the brute force ---------------------------------------------------------------


@st.composite
def block_models(draw, chained: bool):
    """A model of 1–3 blocks (1–3 descriptors of 2–3 variants each, at most 7 descriptors), descriptors shuffled.

    Scores −2..2 (ties); cells within a block (self-blocks sometimes) and, when ``chained``, from earlier blocks
    into later ones; elsewhere sometimes a row that cannot change the impacted descriptor's choice (the same
    constant on every variant, or one fixed row whatever the impacting variant). Then exogenous descriptors
    (columns zeroed), interventions and a tolerance k."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    while sum(sizes) > 7:
        sizes.pop()
    n = sum(sizes)
    counts = [draw(st.integers(2, 3)) for _ in range(n)]
    while math.prod(counts) > 1500:
        counts[counts.index(3)] = 2
    block_of = [b for b, s in enumerate(sizes) for _ in range(s)]
    perm = draw(st.permutations(range(n)))  # position of each built descriptor in the model
    pos_counts = [0] * n
    for d, p in enumerate(perm):
        pos_counts[p] = counts[d]
    offsets = np.concatenate([[0], np.cumsum(pos_counts)])
    V = int(offsets[-1])
    m = np.zeros((V, V), dtype=np.int64)
    self_blocks = draw(st.booleans())
    for i, j in itertools.product(range(n), range(n)):
        bi, bj = block_of[i], block_of[j]
        ri = slice(offsets[perm[i]], offsets[perm[i] + 1])
        cj = slice(offsets[perm[j]], offsets[perm[j] + 1])
        shape = (counts[i], counts[j])
        if i == j and not self_blocks:
            continue
        if bi == bj or (chained and bi < bj):
            if draw(st.integers(0, 3)) > 0:
                cells = draw(st.lists(st.integers(-2, 2), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]))
                m[ri, cj] = np.reshape(cells, shape)
        elif draw(st.integers(0, 3)) == 0:
            if draw(st.booleans()):  # the same constant on every variant of j, varying with i's variant
                m[ri, cj] = np.array(draw(st.lists(st.integers(-2, 2), min_size=shape[0], max_size=shape[0])))[:, None]
            else:  # one row whatever i's variant (a fixed preference of j, no dependence on i)
                row = draw(st.lists(st.integers(-2, 2), min_size=shape[1], max_size=shape[1]))
                m[ri, cj] = np.array(row)[None, :]
    exogenous = set(draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True)))
    for e in exogenous:
        m[:, offsets[e] : offsets[e + 1]] = 0
    free = [d for d in range(n) if d not in exogenous]
    fixed = {}
    for d in draw(st.lists(st.sampled_from(free), max_size=2, unique=True)) if free else []:
        fixed[d] = draw(st.integers(0, pos_counts[d] - 1))
    k = draw(st.integers(0, 2))
    return m, pos_counts, exogenous, fixed, k


def check_against_naive(m, counts, exogenous, fixed, k):
    c = compiled_from(m, counts, exogenous)
    fx = fixed_array(len(counts), fixed)
    expected = naive.consistent_scenarios(m.tolist(), counts, k, fixed, exogenous)
    found, report = find_scenarios_decomposed(c, k, fx, max_results=None)
    assert [tuple(int(v) for v in s) for s in found.scenarios] == [e[0] for e in expected]
    assert found.inconsistency.tolist() == [e[1] for e in expected]
    assert found.consistency_value.tolist() == [e[2] for e in expected]
    assert found.total_impact_score.tolist() == [e[3] for e in expected]
    assert report.used and report.count == len(expected)
    assert count_kernel(c, k, fx) == len(expected)
    auto, _ = search(c, k, fx, max_results=None)
    assert np.array_equal(auto.scenarios, found.scenarios)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block_models(chained=False))
def test_block_diagonal_equals_brute_force(problem):
    check_against_naive(*problem)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block_models(chained=True))
def test_block_chained_equals_brute_force(problem):
    check_against_naive(*problem)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block_models(chained=True))
def test_edges_follow_the_rule_and_blocks_are_in_order(problem):
    """Edge i → j exactly when two variants of i shift two variants of j differently (brute force over every
    a, a', b, c), j tested; every edge runs from a block to itself or a later one; the blocks partition."""
    m, counts, exogenous, fixed, _ = problem
    c = compiled_from(m, counts, exogenous)
    fx = fixed_array(len(counts), fixed)
    adj = impact_graph(c, fx)
    off = c.offsets
    for i, j in itertools.product(range(len(counts)), repeat=2):
        tested = j not in exogenous and j not in fixed
        changes = any(
            m[off[i] + a, off[j] + b] - m[off[i] + a, off[j] + cc]
            != m[off[i] + a2, off[j] + b] - m[off[i] + a2, off[j] + cc]
            for a, a2 in itertools.product(range(counts[i]), repeat=2)
            for b, cc in itertools.product(range(counts[j]), repeat=2)
        )
        assert adj[i, j] == (i != j and tested and changes)
    plan = decompose(c, fx)
    where = {d: t for t, b in enumerate(plan.blocks) for d in b}
    assert sorted(where) == list(range(len(counts)))
    for i, j in zip(*np.nonzero(adj)):
        assert where[int(i)] <= where[int(j)]
        if where[int(i)] < where[int(j)]:
            assert int(i) in plan.parents[where[int(j)]]
    assert sorted(t for comp in plan.components for t in comp) == list(range(plan.n_blocks))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9).flatmap(lambda n: st.lists(st.booleans(), min_size=n * n, max_size=n * n)))
def test_strongly_connected_agrees_with_networkx(cells):
    """The numpy test decompose uses to skip networkx on a one-block graph, against networkx's own answer."""
    import networkx as nx

    from scenarist.cib.decompose import strongly_connected

    n = math.isqrt(len(cells))
    adj = np.array(cells, dtype=bool).reshape(n, n)
    np.fill_diagonal(adj, False)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(*(a.tolist() for a in np.nonzero(adj))))
    assert strongly_connected(adj) == nx.is_strongly_connected(g)


def test_a_fixed_preference_from_outside_counts_though_it_is_no_edge():
    """d0 gives d1 the same row [2, 0] whatever d0's variant: no edge, but d1 must still prefer v0 (dropping the
    offset would leave d1 tied and keep both of its variants)."""
    m = np.zeros((4, 4), dtype=np.int64)
    m[0:2, 2:4] = [[2, 0], [2, 0]]
    c = compiled_from(m, [2, 2])
    assert not impact_graph(c).any()
    assert decompose(c).n_blocks == 2
    found, _ = find_scenarios_decomposed(c)
    assert found.scenarios.tolist() == [[0, 0], [1, 0]]
    assert [e[0] for e in naive.consistent_scenarios(m.tolist(), [2, 2])] == [(0, 0), (1, 0)]


# -- constructed large models with known kernels -------------------------------------------------------------------


def agree_pairs(n_pairs: int) -> np.ndarray:
    """Binary descriptors in pairs (2p, 2p+1) that pull each other to the same variant (+1 same, −1 other)."""
    n = 2 * n_pairs
    m = np.zeros((2 * n, 2 * n), dtype=np.int64)
    agree = np.array([[1, -1], [-1, 1]])
    for p in range(n_pairs):
        a, b = 2 * p, 2 * p + 1
        m[2 * a : 2 * a + 2, 2 * b : 2 * b + 2] = agree
        m[2 * b : 2 * b + 2, 2 * a : 2 * a + 2] = agree
    return m


def test_block_diagonal_200_descriptors_counts_past_int64():
    """100 pairs, each consistent only when both agree: 2^100 consistent scenarios (past 2^63); at k = 2 every
    scenario (4^100); with one descriptor of a pair fixed, 2^99; with 95 pairs fixed the 2^5 left are listed."""
    c = compiled_from(agree_pairs(100), [2] * 200, scale=(-3, 3))
    plan = decompose(c)
    assert plan.n_blocks == 100 and set(plan.sizes()) == {2} and len(plan.components) == 100
    assert count_kernel(c) == 2**100
    assert count_kernel(c, 2) == 4**100
    assert count_kernel(c, 0, {"d0": "v1"}) == 2**99
    with pytest.raises(TooManyScenariosError) as err:
        find_scenarios_decomposed(c, max_results=1000)
    assert err.value.found == 2**100 and err.value.exact
    assert "1,267,650,600,228,229,401,496,703,205,376 scenarios" in str(err.value)
    rng = np.random.default_rng(5)
    held = rng.integers(0, 2, size=95)
    fixed = {f"d{2 * p}": f"v{int(held[p])}" for p in range(95)}
    found, _ = find_scenarios_decomposed(c, 0, fixed)
    expected = []
    for free in itertools.product((0, 1), repeat=5):
        s = [int(held[p]) for p in range(95) for _ in (0, 1)] + [v for v in free for _ in (0, 1)]
        expected.append(tuple(s))
    ic, tis = scores_by_numpy(c.matrix, [2] * 200, expected)
    assert set(ic) == {0}
    assert [tuple(int(v) for v in s) for s in found.scenarios] == tableau_order(expected, tis)


def test_block_diagonal_60_descriptors_is_the_product_of_brute_force_blocks():
    """20 random blocks of 3 descriptors × 3 variants (scores −3..3, self-blocks zero), plus rows from other blocks
    that add one constant to every variant of a descriptor (no edge, no effect on choices). Each block's kernel
    by brute force on its own 27 scenarios; the model's kernel is their product, listed in tableau order."""
    rng = np.random.default_rng(60)
    n_blocks, size = 20, 3
    n = n_blocks * size
    m = np.zeros((3 * n, 3 * n), dtype=np.int64)
    kernels = []
    for b in range(n_blocks):
        while True:  # a block with 1–3 consistent scenarios (so the product stays listable)
            sub = rng.integers(-3, 4, size=(9, 9)) * (rng.random((9, 9)) < 0.7)
            for d in range(size):
                sub[3 * d : 3 * d + 3, 3 * d : 3 * d + 3] = 0
            kern = [e[0] for e in naive.consistent_scenarios(sub.tolist(), [3] * size)]
            if 1 <= len(kern) <= 3:
                break
        kernels.append(kern)
        m[9 * b : 9 * b + 9, 9 * b : 9 * b + 9] = sub
    for _ in range(40):  # constant rows across blocks
        i, j = rng.integers(0, n, size=2)
        if i // size != j // size:
            m[3 * i : 3 * i + 3, 3 * j : 3 * j + 3] = rng.integers(-3, 4, size=(3, 1))
    c = compiled_from(m, [3] * n, scale=(-3, 3))
    plan = decompose(c)
    assert sorted(plan.blocks) == [tuple(range(size * b, size * b + size)) for b in range(n_blocks)]
    expected_count = math.prod(len(k) for k in kernels)
    assert count_kernel(c) == expected_count
    expected = [tuple(v for part in combo for v in part) for combo in itertools.product(*kernels)]
    found, report = find_scenarios_decomposed(c, max_results=None)
    assert report.count == expected_count == len(found)
    _, tis = scores_by_numpy(m, [3] * n, expected)
    assert [tuple(int(v) for v in s) for s in found.scenarios] == tableau_order(expected, tis)
    # the plain search agrees on a model of 8 of these blocks (its space 3^24 is still searched in well under 1 s)
    part = compiled_from(m[:72, :72], [3] * 24, scale=(-3, 3))
    assert np.array_equal(find_scenarios_decomposed(part)[0].scenarios, find_scenarios(part).scenarios)


def copy_chains(n_chains: int, n_blocks: int, size: int, seed: int):
    """Chains of blocks of binary descriptors whose kernels are known by hand.

    Block 0 of a chain: ``size / 2`` agreeing pairs (2^(size/2) consistent states). Block t ≥ 1: a ring (each
    descriptor pulled by its predecessor in the block, ±1) and a copy of the block before: descriptor j pulled
    by descriptor ``src[t][j]`` of block t − 1 toward the same variant (or, where ``flip[t][j]``, the other), ±3.
    The copy outweighs the ring, so block t's only consistent state is the copy of block t − 1's, and each chain
    has exactly 2^(size/2) consistent scenarios. Returns ``(matrix, chains)``: ``chains[c]`` lists, per block,
    its descriptor positions, ``src`` and ``flip``."""
    rng = np.random.default_rng(seed)
    n = n_chains * n_blocks * size
    m = np.zeros((2 * n, 2 * n), dtype=np.int64)
    agree = np.array([[1, -1], [-1, 1]])
    chains = []
    for ch in range(n_chains):
        blocks = []
        for t in range(n_blocks):
            ds = list(range((ch * n_blocks + t) * size, (ch * n_blocks + t + 1) * size))
            src, flip = rng.permutation(size), rng.random(size) < 0.3
            if t == 0:
                for p in range(size // 2):
                    a, b = ds[2 * p], ds[2 * p + 1]
                    m[2 * a : 2 * a + 2, 2 * b : 2 * b + 2] = agree
                    m[2 * b : 2 * b + 2, 2 * a : 2 * a + 2] = agree
            else:
                for j, d in enumerate(ds):
                    pred = ds[j - 1]
                    m[2 * pred : 2 * pred + 2, 2 * d : 2 * d + 2] = agree
                    up = blocks[-1][0][src[j]]
                    m[2 * up : 2 * up + 2, 2 * d : 2 * d + 2] = 3 * (agree[:, ::-1] if flip[j] else agree)
            blocks.append((ds, src, flip))
        chains.append(blocks)
    return m, chains


def chain_kernel(chains, n: int):
    """The consistent scenarios of :func:`copy_chains`, by hand: free pairs in block 0, copies after."""
    per_chain = []
    for blocks in chains:
        size = len(blocks[0][0])
        states = []
        for free in itertools.product((0, 1), repeat=size // 2):
            s = {}
            prev = [v for v in free for _ in (0, 1)]
            for d, v in zip(blocks[0][0], prev):
                s[d] = v
            for ds, src, flip in blocks[1:]:
                prev = [prev[src[j]] ^ int(flip[j]) for j in range(size)]
                s.update(zip(ds, prev))
            states.append(s)
        per_chain.append(states)
    out = []
    for combo in itertools.product(*per_chain):
        s = [0] * n
        for part in combo:
            for d, v in part.items():
                s[d] = v
        out.append(tuple(s))
    return out


@pytest.mark.parametrize("n_chains,n_blocks,size", [(1, 6, 10), (2, 10, 10), (4, 5, 6)])
def test_block_chained_models_of_60_to_200_descriptors(n_chains, n_blocks, size):
    """Known kernels of 60- and 200-descriptor chains: count, every scenario and the tableau order."""
    m, chains = copy_chains(n_chains, n_blocks, size, seed=n_chains * 100 + n_blocks)
    n = n_chains * n_blocks * size
    c = compiled_from(m, [2] * n, scale=(-3, 3))
    plan = decompose(c)
    assert len(plan.components) == n_chains
    assert plan.tested_sizes().count(size) == n_chains * (n_blocks - 1)  # the ring blocks, whole
    expected = chain_kernel(chains, n)
    assert len(expected) == 2 ** (n_chains * size // 2)
    assert count_kernel(c) == len(expected)
    found, report = find_scenarios_decomposed(c, max_results=None)
    assert report.used and report.count == len(expected)
    ic, tis = scores_by_numpy(m, [2] * n, expected)
    assert set(ic) == {0}
    assert [tuple(int(v) for v in s) for s in found.scenarios] == tableau_order(expected, tis)
    # an intervention on block 0 of the first chain halves its count; a fixed descriptor is a block of its own
    d = chains[0][0][0][0]
    assert count_kernel(c, 0, {f"d{d}": "v1"}) == len(expected) // 2


def test_chain_through_analyze_and_the_command_line(tmp_path):
    """A 60-descriptor chain written as a .scw: analyze decomposes it (its report says so) and lists the plain
    search's scenarios in the same order; ``analyze --timings`` prints the decomposition."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    import scenarist
    from scenarist.io.scw import ScwProject, write_scw

    m, _ = copy_chains(1, 6, 10, seed=3)
    n = 60
    path = tmp_path / "chain.scw"
    write_scw(ScwProject("chain", tuple(f"D{i}" for i in range(n)), (("low", "high"),) * n, m), path)
    result = scenarist.analyze(path)
    assert result.decomposition.used and result.scenarios.method == "decomposed"
    assert np.array_equal(result.scenarios.scenarios, find_scenarios(result.compiled).scenarios)
    exe = Path(sys.executable).with_name("scenarist")
    env = {**os.environ, "COLUMNS": "200"}
    run = [str(exe), "analyze", str(path), "--timings"]
    out = subprocess.run(run, capture_output=True, text=True, check=True, env=env)
    assert "decomposed: 10 blocks (5 × 2, 5 × 10 descriptors), 1 component, " in out.stderr
    out = subprocess.run([*run, "--json"], capture_output=True, text=True, check=True, env=env)
    doc = json.loads(out.stdout)
    assert doc["decomposition"]["used"] and doc["decomposition"]["count"] == 32


def test_too_many_to_list_gives_the_exact_count_in_one_line(tmp_path):
    """200 agreeing pairs' descriptors: analyze refuses to list 2^100 scenarios, and says exactly how many."""
    import scenarist
    from scenarist.io.scw import ScwProject, write_scw

    path = tmp_path / "pairs.scw"
    write_scw(ScwProject("pairs", tuple(f"D{i}" for i in range(200)), (("a", "b"),) * 200, agree_pairs(100)), path)
    with pytest.raises(OptionError) as err:
        scenarist.analyze(path, max_results=1000)
    assert str(err.value).startswith("1,267,650,600,228,229,401,496,703,205,376 scenarios have inconsistency ≤ 0")
    assert "\n" not in str(err.value)


def test_auto_decomposes_only_when_it_helps():
    """The example is swept (small space); the flagship is one coupled block behind its exogenous descriptors
    (not decomposed); a chain is decomposed; many exogenous descriptors read by the last block would make a
    frontier of 2^21 states, so auto leaves that model to the plain search."""
    import scenarist

    assert scenarist.analyze("example").decomposition.reason == "small space"
    flagship = scenarist.analyze("iran-russia-pezeshkian")
    assert not flagship.decomposition.used and flagship.decomposition.reason == "blocks too coupled to gain"
    assert "not decomposed (blocks too coupled to gain)" in flagship.decomposition.describe()
    m, _ = copy_chains(1, 3, 10, seed=1)
    c = compiled_from(m, [2] * 30, scale=(-3, 3))
    found, report = search(c)
    assert report.used and report.count == len(found) == 32
    plain, report = search(c, decompose_model="never")
    assert not report.used and np.array_equal(plain.scenarios, found.scenarios)
    # 21 exogenous binary descriptors, all read by the last descriptor, after 5 agreeing pairs
    n = 21 + 10 + 1
    m = np.zeros((2 * n, 2 * n), dtype=np.int64)
    m[: 2 * 10, : 2 * 10] = agree_pairs(5)
    for e in range(10, 31):
        m[2 * e : 2 * e + 2, 2 * 31 : 2 * 31 + 2] = [[1, -1], [-1, 1]]
    c = compiled_from(m, [2] * n, exogenous=set(range(10, 31)), scale=(-3, 3))
    plan = decompose(c)
    assert plan.parents[-1] == tuple(range(10, 31))
    plain_work, work, states = estimated_gain(c, plan, np.full(n, -1))
    assert (plain_work, work, states) == (2**32, 5 * 4 + 2**22, 2**21)


def test_errors():
    c = compiled_from(agree_pairs(2), [2] * 4, scale=(-3, 3))
    with pytest.raises(OptionError, match="decompose must be auto, always or never"):
        search(c, decompose_model="sometimes")
    with pytest.raises(OptionError, match="max_inconsistency"):
        count_kernel(c, -1)
    with pytest.raises(UnknownNameError, match="unknown descriptor 'x'"):
        count_kernel(c, 0, {"x": "v0"})
    with pytest.raises(OptionError, match="max_results"):
        find_scenarios_decomposed(c, max_results=-1)


# -- the bound on the frontier's states (FRONTIER_MAX, 2 GiB) -----------------------------------------------------


def feeders(n_feeders: int, k_rows: int = 3, seed: int = 5) -> CompiledModel:
    """``n_feeders`` independent binary descriptors (each a block of its own, consistent either way) all read by one
    final binary descriptor: the frontier before the last block holds every feeder, 2^n_feeders states. Each feeder
    pulls the final descriptor by a random 2×2 cell block that is never a constant shift (so every feeder is a
    parent), scores −k_rows..k_rows."""
    rng = np.random.default_rng(seed)
    n = n_feeders + 1
    m = np.zeros((2 * n, 2 * n), dtype=np.int64)
    for i in range(n_feeders):
        while True:
            cell = rng.integers(-k_rows, k_rows + 1, (2, 2))
            if cell[0, 0] - cell[0, 1] != cell[1, 0] - cell[1, 1]:
                break
        m[2 * i : 2 * i + 2, 2 * n_feeders :] = cell
    return compiled_from(m, [2] * n, scale=(-3, 3))


def test_frontier_past_the_bound_is_refused_at_once_with_the_numbers():
    """22 feeders of one final descriptor: 2^22 frontier states (the bound is 2^20). Before the guard, ``always``
    ran for more than 300 s and 2.7 GB, and ``count_kernel`` grew from 0.8 s (12 feeders) to 5.8 s (16)."""
    import time

    c = feeders(22)
    plan = decompose(c)
    assert plan.parents[-1] == tuple(range(22))
    states, nbytes, width = frontier_need(c, plan, np.full(23, -1))
    assert (states, width) == (2**22, 22) and nbytes > 2**30
    calls = [
        lambda: count_kernel(c),
        lambda: find_scenarios_decomposed(c, max_results=None),
        lambda: search(c, max_results=None, decompose_model="always"),
    ]
    for call in calls:
        t = time.perf_counter()
        with pytest.raises(FrontierTooLargeError) as err:
            call()
        assert time.perf_counter() - t < 2.0
        msg = str(err.value)
        assert "4,194,304 states of 22 upstream descriptors" in msg and "bound of 1,048,576 states" in msg
        assert 'use the plain search (decompose_model="auto" or "never"' in msg and "\n" not in msg
        assert isinstance(err.value, OptionError) and isinstance(err.value, ValueError)  # one line in the CLI
        assert (err.value.states, err.value.width) == (2**22, 22)
    assert plan_search(c).reason == "blocks too coupled to gain"  # auto: no gain here, the plain search runs


def test_frontier_bound_monkeypatched_low_and_under_it_the_brute_force_count(monkeypatch):
    """8 feeders (2^8 states): refused under a bound of 2^7 states, or of a memory limit below its estimate;
    under the bound the count and the listing are the brute force's."""
    c = feeders(8)
    fx = np.full(9, -1)
    states, nbytes, _ = frontier_need(c, decompose(c), fx)
    assert states == 256 <= FRONTIER_MAX
    expected = naive.consistent_scenarios(c.matrix.tolist(), [2] * 9)
    assert count_kernel(c) == len(expected) > 0
    found, report = search(c, max_results=None, decompose_model="always")
    assert report.used and report.count == len(expected)
    assert [tuple(int(v) for v in s) for s in found.scenarios] == [e[0] for e in expected]
    # k = 1 and an intervention, still under the bound
    fixed = {"d8": "v1"}
    assert count_kernel(c, 1, fixed) == len(naive.consistent_scenarios(c.matrix.tolist(), [2] * 9, 1, {8: 1}))

    monkeypatch.setattr(decompose_module, "FRONTIER_MAX", 128)
    with pytest.raises(
        FrontierTooLargeError, match=r"up to 256 states of 8 upstream descriptors .* bound of 128 states"
    ):
        count_kernel(c)
    assert plan_search(c).reason == "small space"  # auto would not even build the graph
    monkeypatch.setattr(decompose_module, "FRONTIER_MAX", 1 << 20)
    monkeypatch.setattr(decompose_module, "MAX_MEMORY_BYTES", nbytes - 1)
    with pytest.raises(FrontierTooLargeError, match=r"GiB over all frontiers, more than the limit of 0\.0 GiB"):
        find_scenarios_decomposed(c, max_results=None)


def test_auto_refuses_the_frontier_as_always_does(monkeypatch):
    """A model auto decomposes (5 pairs, then 4 exogenous descriptors read by the last one): with the bound
    lowered below its frontier, auto runs the plain search (same scenarios) and always raises."""
    n = 10 + 4 + 1
    m = np.zeros((2 * n, 2 * n), dtype=np.int64)
    m[:20, :20] = agree_pairs(5)
    for e in range(10, 14):
        m[2 * e : 2 * e + 2, 28:30] = [[1, -1], [-1, 1]]
    c = compiled_from(m, [2] * n, exogenous=set(range(10, 14)), scale=(-3, 3))
    found, report = search(c, max_results=None)
    assert report.used and plan_search(c).used and plan_search(c).plan == report.plan
    monkeypatch.setattr(decompose_module, "FRONTIER_MAX", 8)
    assert plan_search(c).reason == "too many upstream states to carry"
    plain, report = search(c, max_results=None)
    assert not report.used and report.reason == "too many upstream states to carry"
    assert np.array_equal(plain.scenarios, found.scenarios)
    with pytest.raises(FrontierTooLargeError, match="16 states of 4 upstream descriptors"):
        search(c, max_results=None, decompose_model="always")


def test_plan_search_decides_before_searching():
    """The plan alone, as ``search`` would take it: reasons, the plan, nothing searched."""
    from scenarist.cib import compile_model
    from scenarist.io.yaml_model import load_model

    assert plan_search(compile_model(load_model("example"))).reason == "small space"
    m, _ = copy_chains(1, 3, 10, seed=1)
    c = compiled_from(m, [2] * 30, scale=(-3, 3))
    planned = plan_search(c)
    assert planned.used and planned.searches == 0 and planned.count is None and planned.plan == decompose(c)
    assert plan_search(c, decompose_model="never") == type(planned)(None, False, "asked not to")
    assert plan_search(c, decompose_model="always").used
    with pytest.raises(OptionError, match="decompose must be auto, always or never"):
        plan_search(c, decompose_model="sometimes")
    with pytest.raises(UnknownNameError):
        plan_search(c, {"x": "v0"})
