"""Exact search: every method against the naive brute force (tests/naive.py) on random matrices, and on the real
ScenarioWizard files against ScenarioWizard's own solution lists."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist.cib import CompiledModel, find_scenarios
from scenarist.cib.search import METHODS, choose_method, tally_scenarios
from scenarist.errors import OptionError


def compiled_from(matrix, counts, exogenous=()) -> CompiledModel:
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
    )


@st.composite
def problems(draw, max_space=400):
    """A random CIB problem: mixed variant counts, mostly-zero scores with ties, zero rows, optional self-blocks,
    exogenous descriptors (zero column blocks), interventions and a tolerance k."""
    n = draw(st.integers(1, 5))
    counts = []
    space = 1
    for _ in range(n):
        c = draw(st.integers(2, 4))
        if space * c > max_space:
            c = 2 if space * 2 <= max_space else None
        if c is None:
            break
        counts.append(c)
        space *= c
    n = len(counts)
    V = sum(counts)
    cells = draw(st.lists(st.sampled_from([0, 0, 0, -1, 1, -2, 2, 3, -3]), min_size=V * V, max_size=V * V))
    m = np.array(cells, dtype=np.int64).reshape(V, V)
    off = np.concatenate([[0], np.cumsum(counts)])
    keep_self = draw(st.booleans())
    exo = set()
    for d in range(n):
        if not keep_self:
            m[off[d] : off[d + 1], off[d] : off[d + 1]] = 0
        if n > 1 and draw(st.integers(0, 5)) == 0:
            exo.add(d)
            m[:, off[d] : off[d + 1]] = 0
    for r in draw(st.lists(st.integers(0, V - 1), max_size=2)):
        m[r] = 0  # zero rows
    fixed = {}
    for d in range(n):
        if draw(st.integers(0, 4)) == 0:
            fixed[d] = draw(st.integers(0, counts[d] - 1))
    k = draw(st.sampled_from([0, 0, 0, 1, 2, 4]))
    return m, counts, exo, fixed, k


def fixed_array(fixed, n):
    return np.array([fixed.get(d, -1) for d in range(n)], dtype=np.int64)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_method_equals_the_naive_brute_force(problem):
    m, counts, exo, fixed, k = problem
    want = naive.consistent_scenarios(m.tolist(), counts, k, fixed, exo)
    c = compiled_from(m, counts, exo)
    results = {meth: find_scenarios(c, k, fixed_array(fixed, len(counts)), method=meth) for meth in METHODS}
    for meth, got in results.items():
        rows = [
            (tuple(int(x) for x in s), int(ic), int(cv), int(tis))
            for s, ic, cv, tis in zip(got.scenarios, got.inconsistency, got.consistency_value, got.total_impact_score)
        ]
        assert rows == want, meth
    first = results["bnb"]
    for got in results.values():  # bit for bit: same arrays, same dtypes
        for name in ("scenarios", "inconsistency", "consistency_value", "total_impact_score"):
            a, b = getattr(first, name), getattr(got, name)
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


@settings(max_examples=40, deadline=None)
@given(problems(max_space=200), st.integers(1, 3))
def test_tally_batch_counts_match_the_naive_search(problem, n_matrices):
    m, counts, exo, fixed, k = problem
    rng = np.random.default_rng(len(counts) * 7 + k)
    V = len(m)
    off = np.concatenate([[0], np.cumsum(counts)])
    mats = [m]
    for _ in range(n_matrices - 1):
        other = m + rng.integers(-1, 2, size=m.shape)
        for d in exo:
            other[:, off[d] : off[d + 1]] = 0
        mats.append(other)
    fixed_rows = [fixed_array(fixed, len(counts)), np.full(len(counts), -1, dtype=np.int64)]
    c = compiled_from(m, counts, exo)
    got = tally_scenarios(c, np.array(fixed_rows), np.array(mats), k)
    assert got.tally.shape == (len(mats), 2, V)
    for r, mat in enumerate(mats):
        for f, row in enumerate(fixed_rows):
            fx = {d: int(v) for d, v in enumerate(row) if v >= 0}
            want = naive.consistent_scenarios(mat.tolist(), counts, k, fx, exo)
            assert got.found[r, f] == len(want)
            expect = np.zeros(V, dtype=np.int64)
            for s, *_ in want:
                for d, v in enumerate(s):
                    expect[off[d] + v] += 1
            assert got.tally[r, f].tolist() == expect.tolist()


def test_large_space_uses_the_parallel_split_and_agrees_with_naive_counts():
    # 4^10 ≈ 10^6 scenarios: above the parallel threshold; the consistent set is checked scenario by scenario.
    rng = np.random.default_rng(7)
    counts = [4] * 10
    V = 40
    m = rng.integers(-3, 4, size=(V, V)) * (rng.random((V, V)) < 0.5)
    for d in range(10):
        m[4 * d : 4 * d + 4, 4 * d : 4 * d + 4] = 0
    c = compiled_from(m, counts)
    tested = [True] * 10
    for k in (0, 1):
        got = find_scenarios(c, k, method="bnb")
        small = find_scenarios(c, k, fixed=np.array([0] + [-1] * 9), method="sweep")
        assert len(got) > 0
        for s, ic, cv, tis in zip(got.scenarios, got.inconsistency, got.consistency_value, got.total_impact_score):
            assert naive.score(m.tolist(), counts, tuple(int(x) for x in s), tested) == (ic, cv, tis)
            assert ic <= k
        # the scenarios with descriptor 0 in variant 0 and all tested form a subset of the fixed search's result
        sub = {tuple(s) for s in got.scenarios.tolist() if s[0] == 0}
        assert sub <= {tuple(s) for s in small.scenarios.tolist()}


def test_auto_method_choice_and_bad_options():
    c = compiled_from(np.zeros((4, 4), dtype=np.int64), [2, 2])
    assert choose_method(c.counts, np.array([-1, -1])) == "sweep"
    assert find_scenarios(c).method == "sweep"
    with pytest.raises(OptionError):
        find_scenarios(c, method="quantum")
    with pytest.raises(OptionError):
        find_scenarios(c, -1)
    with pytest.raises(OptionError):
        tally_scenarios(c, np.array([[0, 5]]))


def test_all_zero_matrix_keeps_every_scenario_with_consistency_value_zero():
    c = compiled_from(np.zeros((5, 5), dtype=np.int64), [2, 3])
    got = find_scenarios(c, method="bnb")
    assert len(got) == 6
    assert got.consistency_value.tolist() == [0] * 6
    assert got.scenarios.tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(problem=problems())
def test_threaded_split_equals_the_naive_brute_force(monkeypatch, problem):
    # a zero node budget sends every search straight to the split over threads (subtrees by prefixes)
    import scenarist.cib.search as search_module

    monkeypatch.setattr(search_module, "SERIAL_NODES", 0)
    m, counts, exo, fixed, k = problem
    want = naive.consistent_scenarios(m.tolist(), counts, k, fixed, exo)
    got = find_scenarios(compiled_from(m, counts, exo), k, fixed_array(fixed, len(counts)), method="bnb")
    rows = [
        (tuple(int(x) for x in s), int(ic), int(cv), int(tis))
        for s, ic, cv, tis in zip(got.scenarios, got.inconsistency, got.consistency_value, got.total_impact_score)
    ]
    assert rows == want


# -- result limit (max_results): a loose tolerance on a large model is refused with the count, never run out --


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(problem=problems(), cut=st.integers(0, 3), split=st.booleans())
def test_max_results_refuses_exactly_when_more_scenarios_exist(monkeypatch, problem, cut, split):
    # The limit is set just below, at, or above the naive count: refused (with the exact count) iff exceeded.
    import scenarist.cib.search as search_module
    from scenarist.cib.search import TooManyScenariosError

    if split:
        monkeypatch.setattr(search_module, "SERIAL_NODES", 0)
    m, counts, exo, fixed, k = problem
    want = naive.consistent_scenarios(m.tolist(), counts, k, fixed, exo)
    limit = max(0, len(want) - 2 + cut)  # len-2 .. len+1
    c = compiled_from(m, counts, exo)
    for meth in METHODS:
        if len(want) > limit:
            with pytest.raises(TooManyScenariosError) as info:
                find_scenarios(c, k, fixed_array(fixed, len(counts)), method=meth, max_results=limit)
            assert (info.value.found, info.value.exact, info.value.max_results) == (len(want), True, limit)
            assert f"{len(want):,} scenarios have inconsistency ≤ {k}" in str(info.value)
        else:
            got = find_scenarios(c, k, fixed_array(fixed, len(counts)), method=meth, max_results=limit)
            assert [tuple(int(x) for x in s) for s in got.scenarios] == [w[0] for w in want]


def test_max_results_counts_only_up_to_count_max_then_gives_a_lower_bound(monkeypatch):
    # all-zero 3^6 matrix: every one of the 729 scenarios is consistent
    import scenarist.cib.search as search_module
    from scenarist.cib.search import TooManyScenariosError

    c = compiled_from(np.zeros((18, 18), dtype=np.int64), [3] * 6)
    with pytest.raises(TooManyScenariosError) as info:
        find_scenarios(c, max_results=100)
    assert (info.value.found, info.value.exact) == (729, True)
    monkeypatch.setattr(search_module, "COUNT_MAX", 200)
    with pytest.raises(TooManyScenariosError) as info:
        find_scenarios(c, max_results=100, fixed={"d0": "v2"})
    assert (info.value.found, info.value.exact) == (201, False)
    message = info.value.describe(limit="--max-results", tolerance="-k", fix="--fix")
    assert message.startswith("more than 200 scenarios have inconsistency ≤ 0 under d0=v2, more than the 100")
    assert "raise --max-results" in message
    assert len(find_scenarios(c, max_results=729)) == 729
    assert len(find_scenarios(c, max_results=None)) == 729
    with pytest.raises(OptionError):
        find_scenarios(c, max_results=-1)


def test_kernels_stop_one_past_the_limit():
    from scenarist.cib import _kernels as K

    c = compiled_from(np.zeros((18, 18), dtype=np.int64), [3] * 6)
    args = (c.matrix, c.offsets, c.counts, np.full(6, -1, dtype=np.int64), np.ones(6, dtype=np.bool_), np.int64(0))
    out = np.zeros((50, 6), dtype=np.int64)
    assert K.bnb_search(*args, out, np.int64(-1), np.int64(40)) == 41
    assert K.sweep_search(*args, out, np.int64(40)) == 41
    assert K.bnb_count(*args, np.zeros(0, np.int64), np.int64(40)) == 41
    assert K.bnb_count(*args, np.zeros(0, np.int64), np.int64(-1)) == 729


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.integers(0, 3), min_size=n, max_size=n), min_size=1, max_size=40),
            st.lists(st.integers(-5, 5), min_size=40, max_size=40),
            st.booleans(),
        )
    )
)
def test_tableau_order_sorts_by_score_then_by_variants(data):
    """order_scenarios against a sort of Python tuples (-TIS, then the variants left to right): both the one-key
    path and the many-key path (taken when the variants' radix product passes 2^62, forced here by a huge
    variant position)."""
    from scenarist.cib.search import order_scenarios

    rows, scores, huge = data
    sc = np.array(rows, dtype=np.int64)
    if huge:
        sc[:, 0] *= 1 << 40
        if sc.shape[1] > 1:
            sc[:, 1] *= 1 << 30
    tis = np.array(scores[: len(sc)], dtype=np.int64)
    want = sorted(range(len(sc)), key=lambda i: (-tis[i], tuple(sc[i]), i))
    got = order_scenarios(sc, tis)
    assert [(-tis[i], tuple(sc[i])) for i in got] == [(-tis[i], tuple(sc[i])) for i in want]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=300), st.data())
def test_scores_of_a_list_match_scoring_each_scenario_alone(problem, data):
    """evaluate_many carries the balances from one row to the next (only the descriptors that changed): against
    tests/naive.score of each row on its own, on rows in any order, with repeats. score_sorted (make_set's
    compiled pass) gives the same scores in tableau order: a sort of Python tuples (-TIS, then the variants)."""
    from scenarist.cib import _kernels as K

    m, counts, exo, fixed, _k = problem
    tested = naive.tested_list(len(counts), fixed, exo)
    rows = data.draw(
        st.lists(st.tuples(*(st.integers(0, c - 1) for c in counts)), min_size=1, max_size=30), label="rows"
    )
    c = compiled_from(m, counts, exo)
    sc = np.array(rows, dtype=np.int64).reshape(len(rows), len(counts))
    ic, cv, tis = K.evaluate_many(c.matrix, c.offsets, c.counts, sc, np.array(tested, dtype=np.bool_))
    want = [naive.score(m.tolist() if hasattr(m, "tolist") else m, counts, list(r), tested) for r in rows]
    assert list(zip(ic.tolist(), cv.tolist(), tis.tolist())) == want
    ok, got, ic, cv, tis = K.score_sorted(c.matrix, c.offsets, c.counts, sc, np.array(tested, dtype=np.bool_))
    assert ok
    tableau = sorted(((*w, tuple(r)) for w, r in zip(want, rows)), key=lambda x: (-x[2], x[3]))
    assert list(zip(ic.tolist(), cv.tolist(), tis.tolist(), map(tuple, got.tolist()))) == tableau


@pytest.mark.parametrize("n", [36, 40])
def test_score_sorted_paths_for_wide_models(n):
    """Past one key (36 descriptors of 3 variants: the code fits in 2^62, code × score range does not) the pass
    sorts twice (by code, then stably by score); past 2^62 for the code alone (40) it declines and make_set orders
    in numpy. Both against a sort of Python tuples and tests/naive.score."""
    from scenarist.cib import _kernels as K
    from scenarist.cib.search import make_set

    rng = np.random.default_rng(n)
    counts = [3] * n
    m = rng.integers(-3, 4, size=(3 * n, 3 * n))
    for d in range(n):
        m[3 * d : 3 * d + 3, 3 * d : 3 * d + 3] = 0
    c = compiled_from(m, counts, [False] * n)
    sc = rng.integers(0, 3, size=(60, n))
    sc[:3] = np.arange(3)[:, None]  # every variant present in every column: the radix is 3 throughout
    tested = np.ones(n, dtype=np.bool_)
    ok = K.score_sorted(c.matrix, c.offsets, c.counts, sc, tested)[0]
    assert ok == (n == 36)
    got = make_set(c, sc, np.full(n, -1, dtype=np.int64), tested, 0)
    want = sorted(((*naive.score(m.tolist(), counts, list(r), [True] * n), tuple(r)) for r in sc.tolist()),
                  key=lambda x: (-x[2], x[3]))  # fmt: skip
    assert (
        list(
            zip(
                got.inconsistency.tolist(),
                got.consistency_value.tolist(),
                got.total_impact_score.tolist(),
                map(tuple, got.scenarios.tolist()),
            )
        )
        == want
    )
