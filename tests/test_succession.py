"""Succession operators against the naive reference (tests/naive.py) on random matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist.cib.succession import OPERATORS, succession
from scenarist.errors import OptionError
from test_search import compiled_from, problems


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=300), st.sampled_from(OPERATORS), st.integers(0, 10**6))
def test_path_and_end_equal_the_naive_succession(problem, operator, pick):
    m, counts, exo, fixed, _ = problem
    rng = np.random.default_rng(pick)
    start = np.array([fixed.get(d, rng.integers(0, c)) for d, c in enumerate(counts)], dtype=np.int64)
    moving = naive.tested_list(len(counts), fixed, exo)
    c = compiled_from(m, counts, exo)
    got = succession(c, start, operator, fixed=np.array([fixed.get(d, -1) for d in range(len(counts))]))
    # the naive path, state by state
    path = [tuple(start)]
    while True:
        nxt = naive.step(m.tolist(), counts, path[-1], operator, moving)
        if nxt in path:
            first = path.index(nxt)
            break
        path.append(nxt)
    assert [tuple(s) for s in got.path.tolist()] == path
    assert got.cycle_start == first
    kind, end = naive.follow(m.tolist(), counts, tuple(start), operator, moving)
    assert got.is_attractor == (kind == "attractor")
    if kind == "attractor":
        # an attractor of any operator is a consistent scenario (on the moving descriptors)
        assert naive.score(m.tolist(), counts, end, moving)[0] == 0


def test_global_succession_on_cib_global_reaches_a_listed_attractor():
    from pathlib import Path

    from scenarist.cib import compile_model, find_scenarios
    from scenarist.io.scw import import_scw

    c = compile_model(import_scw(Path(__file__).parent / "data" / "cib" / "CIB_global.scw"))
    consistent = {tuple(s) for s in find_scenarios(c).scenarios.tolist()}
    ends = 0
    for start in np.ndindex(*c.counts):
        r = succession(c, np.array(start))
        if r.is_attractor:
            assert tuple(r.end[0]) in consistent
            ends += 1
    assert ends == 36 - 17  # bench_results_julia.json: 17 of the 36 starts end in cycles


def test_bad_operator_and_start():
    c = compiled_from(np.zeros((4, 4), dtype=np.int64), [2, 2])
    with pytest.raises(OptionError, match="operator"):
        succession(c, np.array([0, 0]), "chaotic")
    with pytest.raises(OptionError):
        succession(c, np.array([0, 5]))
    r = succession(c, {"d0": "v1", "d1": "v0"})
    assert r.is_attractor and r.steps == 0 and r.to_dict()["ends_in"] == "attractor"
    assert list(r.to_frame().columns) == ["d0", "d1", "in_end"]
