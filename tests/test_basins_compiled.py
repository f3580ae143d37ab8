"""Exact basins under local and sequential succession: the vectorised kernels (cib/_basin_kernels.py) against the
scalar path and against a brute-force reference written here from the definitions (docs/cib.md §6; the operators
and tie rule of cib/succession.py), on random models with ties, self-blocks, exogenous descriptors and
interventions, and on the ScenarioWizard files whose global basins tests/test_basins.py checks."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarist.cib import _basin_kernels as BK
from scenarist.cib import _kernels as K
from scenarist.cib import basins as B
from scenarist.cib import compile_model
from scenarist.cib.compile import CompiledModel
from scenarist.io.scw import SelfImpactWarning, import_scw

CIB = Path(__file__).parent / "data" / "cib"
OPS = ("local", "sequential")


# -- the reference, from the definitions ---------------------------------------------------------------------------


def balances(m, off, counts, s):
    """θ_j(b; s) = Σ_i C[i, s_i][j, b], as nested lists."""
    return [
        [sum(int(m[off[i] + s[i]][off[j] + b]) for i in range(len(counts))) for b in range(counts[j])]
        for j in range(len(counts))
    ]


def best(row, current):
    """The tie rule: keep the current variant when it has the highest balance, else the first highest."""
    top = max(row)
    return current if row[current] == top else row.index(top)


def step(m, off, counts, moving, op, s):
    """One succession step from the tuple s."""
    s = list(s)
    if op == "global":
        th = balances(m, off, counts, s)
        return tuple(best(th[j], s[j]) if moving[j] else s[j] for j in range(len(s)))
    if op == "local":
        th = balances(m, off, counts, s)
        ic = [max(th[j]) - th[j][s[j]] if moving[j] else 0 for j in range(len(s))]
        if max(ic, default=0) > 0:
            j = ic.index(max(ic))  # the first of the most inconsistent
            s[j] = best(th[j], s[j])
        return tuple(s)
    for j in range(len(s)):  # sequential: in model order, each seeing the moves before it
        if moving[j]:
            s[j] = best(balances(m, off, counts, s)[j], s[j])
    return tuple(s)


def reference(m, counts, exo, fixed, op):
    """Follow every start of the free space: (attractor → size, frozenset(cycle) → size, ends per start number).

    Starts are numbered over the free descriptors, first fastest; an end is ``("a", state)`` or ``("c", frozenset)``.
    """
    n = len(counts)
    off = [0]
    for c in counts:
        off.append(off[-1] + c)
    moving = [d not in exo and d not in fixed for d in range(n)]
    free = [d for d in range(n) if d not in fixed]
    nxt: dict = {}
    ends = []
    for number in range(int(np.prod([counts[d] for d in free], dtype=np.int64))):
        s, rem = [fixed.get(d, 0) for d in range(n)], number
        for d in free:
            s[d], rem = rem % counts[d], rem // counts[d]
        path, seen = [tuple(s)], {tuple(s): 0}
        while True:
            x = path[-1]
            if x not in nxt:
                nxt[x] = step(m, off, counts, moving, op, x)
            y = nxt[x]
            if y in seen:
                loop = path[seen[y] :]
                ends.append(("a", loop[0]) if len(loop) == 1 else ("c", frozenset(loop)))
                break
            seen[y] = len(path)
            path.append(y)
    att, cyc = {}, {}
    for kind, e in ends:
        (att if kind == "a" else cyc)[e] = (att if kind == "a" else cyc).get(e, 0) + 1
    return att, cyc, ends, nxt


# -- random models ------------------------------------------------------------------------------------------------


def compiled_from(m, counts, exo) -> CompiledModel:
    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    return CompiledModel(
        descriptor_ids=tuple(f"d{i}" for i in range(n)),
        descriptor_names=tuple(f"D{i}" for i in range(n)),
        variant_ids=tuple(tuple(f"v{j}" for j in range(c)) for c in counts),
        variant_names=tuple(tuple(f"V{j}" for j in range(c)) for c in counts),
        counts=counts,
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        matrix=np.asarray(m, dtype=np.int64),
        exogenous=np.array([i in exo for i in range(n)], dtype=bool),
    )


@st.composite
def models(draw, max_space=500):
    """Up to 7 descriptors of 2–4 variants; scores mostly 0 and ±1 (many ties), optional self-blocks, zero rows,
    exogenous descriptors (zero column block) and interventions (on any descriptor, exogenous ones too)."""
    counts, space = [], 1
    for _ in range(draw(st.integers(1, 7))):
        c = draw(st.integers(2, 4))
        if space * c > max_space:
            break
        counts.append(c)
        space *= c
    n, V = len(counts), sum(counts)
    cells = draw(st.lists(st.sampled_from([0, 0, 0, 1, -1, 1, -1, 2, -2, 3]), min_size=V * V, max_size=V * V))
    m = np.array(cells, dtype=np.int64).reshape(V, V)
    off = np.concatenate([[0], np.cumsum(counts)])
    keep_self = draw(st.booleans())
    exo = set()
    for d in range(n):
        if not keep_self:
            m[off[d] : off[d + 1], off[d] : off[d + 1]] = 0
        if n > 1 and draw(st.integers(0, 4)) == 0:
            exo.add(d)
            m[:, off[d] : off[d + 1]] = 0
    for r in draw(st.lists(st.integers(0, V - 1), max_size=2)):
        m[r] = 0
    fixed = {d: draw(st.integers(0, counts[d] - 1)) for d in range(n) if draw(st.integers(0, 4)) == 0}
    return m, counts, exo, fixed


def fixed_array(fixed, n):
    return np.array([fixed.get(d, -1) for d in range(n)], dtype=np.int64)


def assert_same(a, b):
    """Two Basins results agree field by field (attractors, sizes, cycles in order, labels)."""
    np.testing.assert_array_equal(a.attractors, b.attractors)
    np.testing.assert_array_equal(a.sizes, b.sizes)
    assert len(a.cycles) == len(b.cycles)
    for x, y in zip(a.cycles, b.cycles):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.cycle_sizes, b.cycle_sizes)
    assert a.total == b.total
    if a.labels is not None and b.labels is not None:
        np.testing.assert_array_equal(a.labels, b.labels)


# -- tests ----------------------------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.sampled_from(OPS), st.sampled_from([1, 2, 8, 2048]), st.sampled_from([0.0, 2.0]))
def test_compiled_basins_equal_the_scalar_path_and_the_definitions(problem, op, low, walk_share):
    m, counts, exo, fixed = problem
    c = compiled_from(m, counts, exo)
    fx = fixed_array(fixed, len(counts))
    scalar = B.exact_basins(c, op, fx, scalar=True)
    old = B.LOW_BLOCK, B.WALK_SHARE
    B.LOW_BLOCK, B.WALK_SHARE = low, walk_share  # small low blocks: most descriptors in the high block
    try:
        got = B.exact_basins(c, op, fx)
    finally:
        B.LOW_BLOCK, B.WALK_SHARE = old
    assert_same(got, scalar)
    att, cyc, ends, nxt = reference(m.tolist(), counts, exo, fixed, op)
    assert {tuple(a): int(s) for a, s in zip(got.attractors.tolist(), got.sizes)} == att
    assert {frozenset(map(tuple, x.tolist())): int(s) for x, s in zip(got.cycles, got.cycle_sizes)} == cyc
    for x in got.cycles:  # each cycle in succession order, from its state with the smallest signature
        states = [tuple(r) for r in x.tolist()]
        assert all(nxt[states[i]] == states[(i + 1) % len(states)] for i in range(len(states)))
        mult = np.concatenate([[1], np.cumprod(counts)[:-1]])
        sigs = (x * mult).sum(axis=1)
        assert sigs[0] == sigs.min()
    for lab, (kind, e) in zip(got.labels.tolist(), ends, strict=True):
        if lab >= 0:
            assert kind == "a" and tuple(got.attractors[lab]) == e
        else:
            assert kind == "c" and frozenset(map(tuple, got.cycles[-1 - lab].tolist())) == e


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(max_space=3000), st.sampled_from(OPS), st.integers(1, 64))
def test_successor_kernel_equals_the_scalar_kernel_state_for_state(problem, op, low):
    m, counts, exo, fixed = problem
    c = compiled_from(m, counts, exo)
    fx = fixed_array(fixed, len(counts))
    moving = ~c.exogenous & (fx < 0)
    N = int(np.prod([counts[d] for d in range(len(counts)) if fx[d] < 0], dtype=np.int64))
    want = np.full(N, -7, dtype=np.int32)
    got = np.full(N, -7, dtype=np.int32)
    parts_want = np.zeros((2, (N + 63) // 64), dtype=np.uint64)
    parts_got = np.zeros((3, (N + 63) // 64), dtype=np.uint64)
    mm, off, cnt = B._arrays(c)
    op_code = np.int64(1 if op == "local" else 2)
    K.successors(mm, off, cnt, fx, moving, op_code, want, parts_want, np.int64(0), np.int64(N))
    _, NH = BK.block_counts_ls(cnt, fx, np.int64(low))
    for h in range(NH):  # one high block at a time, as the chunked caller does
        BK.successors_ls(mm, off, cnt, fx, moving, op_code, got, parts_got, np.int64(h), np.int64(h + 1), np.int64(low))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.bitwise_or.reduce(parts_got), np.bitwise_or.reduce(parts_want))


def test_walk_terminals_on_a_hand_made_successor_array():
    # 0 → 1 → 2 → 1 (cycle {1, 2}); 3 → 3 (attractor); 4 → 3; 5 → 0
    arr = np.array([1, 2, 1, 3, 3, 0], dtype=np.int32)
    T, members, starts = BK.walk_terminals(arr)
    assert T == 2
    assert members[starts[0] : starts[1]].tolist() == [1, 2]
    assert members[starts[1] : starts[2]].tolist() == [3]
    assert arr.tolist() == [-1, -1, -1, -2, -2, -1]
    BK.codes_to_labels(arr, np.array([-1, 0], dtype=np.int32))
    assert arr.tolist() == [-1, -1, -1, 0, 0, -1]


def compiled_file(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfImpactWarning)
        return compile_model(import_scw(CIB / f"{name}.scw"))


@pytest.mark.parametrize("name", ["CIB_global", "bench_medium", "bench_large", "bench_typical", "bench_xlarge"])
@pytest.mark.parametrize("op", OPS)
def test_scenariowizard_files_compiled_equal_scalar(name, op):
    c = compiled_file(name)
    want = B.exact_basins(c, op, scalar=True)
    assert_same(B.exact_basins(c, op), want)
    old = B.LOW_BLOCK
    B.LOW_BLOCK = 16
    try:
        assert_same(B.exact_basins(c, op), want)
    finally:
        B.LOW_BLOCK = old
    # with an intervention on the second descriptor (a hole in the free numbering)
    fx = np.full(c.n_descriptors, -1, dtype=np.int64)
    fx[1] = 0
    assert_same(B.exact_basins(c, op, fx), B.exact_basins(c, op, fx, scalar=True))
    assert want.sizes.sum() + want.in_cycles == c.space_size


@pytest.mark.slow
@pytest.mark.parametrize("op", OPS)
def test_bench_50x50_compiled_equals_scalar(op):
    c = compiled_file("bench_50x50")
    assert_same(B.exact_basins(c, op, keep_labels=True), B.exact_basins(c, op, keep_labels=True, scalar=True))
