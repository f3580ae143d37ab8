"""Basins of attraction: exact basins against the naive reference, against CrossImpactBalances.jl's published
basins and cycle counts, and against ScenarioWizard's weight column of CIB_nested.sl; sampled basins' intervals."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist.cib import compile_model, find_scenarios
from scenarist.cib.basins import basins, exact_basins, sampled_basins, wilson_interval
from scenarist.cib.succession import OPERATORS, succession
from scenarist.errors import OptionError
from scenarist.io.scw import SelfImpactWarning, import_scw
from scenarist.io.sl import SINGLE_PRECISION_CAP, format_weight, read_sl
from test_search import compiled_from, problems

CIB = Path(__file__).parent / "data" / "cib"
JULIA = {r["file"]: r for r in json.loads((CIB / "bench_results_julia.json").read_text())}


def compiled_file(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfImpactWarning)
        return compile_model(import_scw(CIB / f"{name}.scw"))


def signature(scenarios, counts):
    mult = np.concatenate([[1], np.cumprod(counts)[:-1]])
    return (np.asarray(scenarios) * mult).sum(axis=-1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_space=200), st.sampled_from(OPERATORS))
def test_exact_basins_equal_the_naive_reference(problem, operator):
    m, counts, exo, fixed, _ = problem
    c = compiled_from(m, counts, exo)
    fx = np.array([fixed.get(d, -1) for d in range(len(counts))])
    got = exact_basins(c, operator, fx)
    sizes, in_cycles = naive.basins(m.tolist(), counts, operator, fixed, exo)
    assert {tuple(a): int(s) for a, s in zip(got.attractors.tolist(), got.sizes)} == sizes
    assert got.in_cycles == in_cycles
    assert got.sizes.sum() + got.in_cycles == got.total
    # labels: each scenario of the free space (first free descriptor fastest) names where it ends
    free = [d for d in range(len(counts)) if d not in fixed]
    for s, lab in enumerate(got.labels.tolist()):
        start = list(fx)
        rem = s
        for d in free:
            start[d] = rem % counts[d]
            rem //= counts[d]
        r = succession(c, np.array(start), operator, fixed=fx)
        if lab >= 0:
            assert r.is_attractor and tuple(r.end[0]) == tuple(got.attractors[lab])
        else:
            cyc = {tuple(x) for x in got.cycles[-1 - lab].tolist()}
            assert not r.is_attractor and {tuple(x) for x in r.end.tolist()} == cyc


@pytest.mark.parametrize(
    "name", ["CIB_global", "bench_medium", "bench_large", "bench_typical", "bench_xlarge", "bench_50x50"]
)
def test_exact_basins_equal_crossimpactbalances_jl(name):
    c = compiled_file(name)
    b = exact_basins(c, keep_labels=False)
    want = JULIA[name]
    got = dict(zip(signature(b.attractors, c.counts).tolist(), b.sizes.tolist()))
    assert got == {r["sig"]: r["size"] for r in want["basins"]}
    assert b.in_cycles == want["cycle_count"]
    assert b.total == want["total_scenarios"]
    # the attractors are exactly the consistent scenarios
    assert sorted(got) == sorted(want["kernel_sigs"])
    assert sorted(signature(find_scenarios(c).scenarios, c.counts).tolist()) == sorted(want["kernel_sigs"])


@pytest.mark.slow  # 7-13 s and 1.7 GB (4 bytes per scenario); deselect with -m "not slow"
def test_cib_nested_weights_match_scenariowizard_below_its_single_precision_cap():
    # 408 146 688 scenarios, all followed; ScenarioWizard's float counter stops at 2^24 and prints 7 digits.
    c = compiled_file("CIB_nested")
    b = exact_basins(c, keep_labels=False)
    sl = read_sl(CIB / "CIB_nested.sl")
    ours = b.weight_of(sl.scenarios)
    assert (ours > 0).all()  # every listed scenario is an attractor
    capped = sl.weights >= np.float32(SINGLE_PRECISION_CAP) * (1 - 1e-6)
    assert capped.sum() == 4
    exact_below_1e7 = ~capped & (sl.weights < 1e7)
    assert exact_below_1e7.sum() == 15
    assert np.array_equal(ours[exact_below_1e7], sl.weights[exact_below_1e7].astype(np.int64))
    # between 10^7 and the cap ScenarioWizard prints 7 significant digits: ours agree to that precision
    for o, w in zip(ours[~capped & ~exact_below_1e7], sl.weights[~capped & ~exact_below_1e7]):
        assert format_weight(float(o)) == format_weight(float(w))
    assert (ours[capped] > SINGLE_PRECISION_CAP).all()  # the real basins are larger than what SW could count
    assert b.sizes.sum() + b.in_cycles == b.total == 408_146_688


def test_sampled_basins_are_seeded_and_their_intervals_cover_the_exact_shares():
    c = compiled_file("bench_typical")
    exact = exact_basins(c)
    s1 = sampled_basins(c, 20_000, seed=0)
    s2 = sampled_basins(c, 20_000, seed=0)
    assert np.array_equal(s1.sizes, s2.sizes) and np.array_equal(s1.attractors, s2.attractors)
    assert np.array_equal(s1.attractors, exact.attractors)
    share = exact.sizes / exact.total
    assert ((s1.share_low <= share) & (share <= s1.share_high)).all()
    cyc = exact.in_cycles / exact.total
    assert s1.cycle_share_low <= cyc <= s1.cycle_share_high
    assert s1.sizes.sum() + s1.in_cycles == 20_000
    auto = basins(c, method="sampled", samples=500, seed=3)
    assert not auto.exact and auto.to_dict()["method"] == "sampled"


def test_wilson_interval_known_values():
    # Wilson (1927) interval, 95 %: 0 of 10 → [0, 0.2775]; 5 of 10 → [0.2366, 0.7634] (standard tables)
    lo, hi = wilson_interval(np.array([0, 5]), 10, 0.95)
    assert abs(lo[0]) < 1e-12 and abs(hi[0] - 0.2775) < 1e-4
    assert abs(lo[1] - 0.2366) < 1e-4 and abs(hi[1] - 0.7634) < 1e-4


def test_bad_options():
    c = compiled_from(np.zeros((4, 4), dtype=np.int64), [2, 2])
    with pytest.raises(OptionError):
        basins(c, method="magic")
    with pytest.raises(OptionError):
        sampled_basins(c, 0)
    with pytest.raises(OptionError):
        exact_basins(c, "chaotic")


def test_negative_seed_is_refused_whichever_method_would_run():
    # fresh-user #18: the exact method never uses the seed, so -1 used to pass on small spaces only
    c = compiled_from(np.zeros((4, 4), dtype=np.int64), [2, 2])
    for method in ("auto", "exact", "sampled"):
        with pytest.raises(OptionError, match="seed must be ≥ 0, got -1"):
            basins(c, method=method, seed=-1)
    with pytest.raises(OptionError, match="seed must be ≥ 0"):
        sampled_basins(c, 10, seed=-3)
    assert basins(c, method="sampled", samples=10, seed=0).total == 10  # 0 is a seed
    assert basins(c, seed=np.random.default_rng(1)).exact
