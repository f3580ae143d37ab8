"""Scale-out: the exact search split by prefixes over a Dask LocalCluster returns exactly the in-process result
(flagship, real ScenarioWizard files with their solution lists, random models against the naive brute force), with
the same max_results refusal; ``analyze --scheduler`` on the command line, and its one-line error for an unreachable
scheduler, a server that is not Dask and a scheduler without workers."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

distributed = pytest.importorskip("distributed")

import naive  # noqa: E402
from scenarist.cib import compile_model, find_scenarios  # noqa: E402
from scenarist.cib.cluster import find_scenarios_on_cluster, make_problem, split_tasks  # noqa: E402
from scenarist.cib.search import TooManyScenariosError  # noqa: E402
from scenarist.errors import OptionError  # noqa: E402
from test_dask import cluster_without_workers, one_line, short_timeout, web_server  # noqa: E402, F401 (fixture)
from test_search import compiled_from, fixed_array, problems  # noqa: E402

CIB = Path(__file__).parent / "data" / "cib"
FIELDS = ("scenarios", "inconsistency", "consistency_value", "total_impact_score", "fixed")


def local_cluster(workers: int):
    return distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=40
    )


@pytest.fixture(scope="module", params=[1, 2], ids=["1 worker", "2 workers"])
def client(request):
    with local_cluster(request.param) as cluster, distributed.Client(cluster) as c:
        assert len(c.scheduler_info()["workers"]) == request.param
        yield c


@pytest.fixture(scope="module")
def flagship():
    import scenarist

    return compile_model(scenarist.load(None))


def assert_same(here, there):
    """Bit for bit: same arrays (values, dtypes, order) and the same settings."""
    for name in FIELDS:
        a, b = getattr(here, name), getattr(there, name)
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), name
    assert here.max_inconsistency == there.max_inconsistency


@pytest.mark.parametrize("k,fixed", [(0, None), (1, None), (0, "first"), (2, "first")])
def test_flagship_on_the_cluster_is_the_in_process_search(client, flagship, k, fixed):
    if fixed == "first":
        fixed = {flagship.descriptor_ids[0]: flagship.variant_ids[0][1]}
    here = find_scenarios(flagship, k, fixed)
    there = find_scenarios_on_cluster(flagship, k, fixed, scheduler=client)
    assert len(here) > 0
    assert_same(here, there)
    assert there.method == "bnb" and there.nodes > 0


@pytest.mark.parametrize("n_tasks", [1, 3, 50, 400])
def test_any_number_of_tasks_gives_the_same_set(client, flagship, n_tasks):
    here = find_scenarios(flagship, 1)
    assert_same(here, find_scenarios_on_cluster(flagship, 1, scheduler=client, n_tasks=n_tasks))


def test_prefixes_cover_the_tree_once(flagship):
    # every variant combination of the split descriptors is dealt to exactly one task
    from scenarist.cib.search import tested_mask

    fx = np.full(flagship.n_descriptors, -1, dtype=np.int64)
    p = make_problem(flagship.matrix, flagship.offsets, flagship.counts, fx, tested_mask(flagship, fx), 0)
    batches = split_tasks(p, 7)
    assert len(batches) == 7
    rows = np.concatenate(batches)
    L = rows.shape[1]
    assert 7 * 8 <= len(rows) == int(np.prod(flagship.counts[p.order[:L]]))
    assert len({tuple(r) for r in rows.tolist()}) == len(rows)


@pytest.mark.parametrize(
    "scw,sl",
    [("CIB_natl_regional.scw", "CIB_natl_regional.sl"), ("bench_50x50.scw", "bench_50x50_sw.sl")],
)
def test_scenariowizard_files_on_the_cluster(client, scw, sl):
    from scenarist.io.scw import SelfImpactWarning, import_scw
    from scenarist.io.sl import read_sl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfImpactWarning)
        compiled = compile_model(import_scw(CIB / scw))
    there = find_scenarios_on_cluster(compiled, scheduler=client)
    assert_same(find_scenarios(compiled), there)
    theirs = read_sl(CIB / sl)  # ScenarioWizard's own solution list
    want = {
        tuple(s): (int(cv), int(t))
        for s, cv, t in zip(theirs.scenarios.tolist(), theirs.consistency_value, theirs.total_impact_score)
    }
    got = {
        tuple(s): (int(cv), int(t))
        for s, cv, t in zip(there.scenarios.tolist(), there.consistency_value, there.total_impact_score)
    }
    assert got == want and len(got) > 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(problem=problems(), n_tasks=st.integers(1, 12))
def test_random_models_against_the_naive_brute_force(client, problem, n_tasks):
    m, counts, exo, fixed, k = problem
    want = naive.consistent_scenarios(m.tolist(), counts, k, fixed, exo)
    c = compiled_from(m, counts, exo)
    got = find_scenarios_on_cluster(c, k, fixed_array(fixed, len(counts)), scheduler=client, n_tasks=n_tasks)
    rows = [
        (tuple(int(x) for x in s), int(ic), int(cv), int(tis))
        for s, ic, cv, tis in zip(got.scenarios, got.inconsistency, got.consistency_value, got.total_impact_score)
    ]
    assert rows == want


def test_a_large_random_model_splits_deeper_and_agrees(client):
    # 4^10 ≈ 10^6 scenarios, dense: many subtrees of very different cost; tolerance 2 keeps a few hundred scenarios
    rng = np.random.default_rng(7)
    counts = [4] * 10
    V = 40
    m = rng.integers(-3, 4, size=(V, V)) * (rng.random((V, V)) < 0.5)
    for d in range(10):
        m[4 * d : 4 * d + 4, 4 * d : 4 * d + 4] = 0
    c = compiled_from(m, counts)
    for k in (0, 2):
        here = find_scenarios(c, k)
        assert_same(here, find_scenarios_on_cluster(c, k, scheduler=client))
    assert len(find_scenarios(c, 2)) > 10


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(problem=problems(), cut=st.integers(0, 3), n_tasks=st.integers(1, 6))
def test_max_results_refuses_exactly_when_more_scenarios_exist(client, problem, cut, n_tasks):
    m, counts, exo, fixed, k = problem
    want = naive.consistent_scenarios(m.tolist(), counts, k, fixed, exo)
    limit = max(0, len(want) - 2 + cut)  # len-2 .. len+1
    c = compiled_from(m, counts, exo)
    fx = fixed_array(fixed, len(counts))
    if len(want) > limit:
        with pytest.raises(TooManyScenariosError) as info:
            find_scenarios_on_cluster(c, k, fx, limit, scheduler=client, n_tasks=n_tasks)
        assert (info.value.found, info.value.exact, info.value.max_results) == (len(want), True, limit)
    else:
        got = find_scenarios_on_cluster(c, k, fx, limit, scheduler=client, n_tasks=n_tasks)
        assert [tuple(int(x) for x in s) for s in got.scenarios] == [w[0] for w in want]


def test_count_beyond_count_max_is_the_in_process_lower_bound(client, monkeypatch):
    import scenarist.cib.cluster as cluster

    c = compiled_from(np.zeros((18, 18), dtype=np.int64), [3] * 6)  # all 729 scenarios consistent
    with pytest.raises(TooManyScenariosError) as info:
        find_scenarios_on_cluster(c, max_results=100, scheduler=client)
    assert (info.value.found, info.value.exact) == (729, True)
    monkeypatch.setattr(cluster, "COUNT_MAX", 200)
    with pytest.raises(TooManyScenariosError) as info:
        find_scenarios_on_cluster(c, max_results=100, fixed={"d0": "v2"}, scheduler=client, n_tasks=5)
    assert (info.value.found, info.value.exact, info.value.fixed) == (201, False, {"d0": "v2"})
    assert len(find_scenarios_on_cluster(c, max_results=None, scheduler=client)) == 729


def test_bad_options_are_refused_before_connecting(flagship):
    with pytest.raises(OptionError):
        find_scenarios_on_cluster(flagship, -1, scheduler="tcp://127.0.0.1:9")
    with pytest.raises(OptionError):
        find_scenarios_on_cluster(flagship, max_results=-1, scheduler="tcp://127.0.0.1:9")
    with pytest.raises(OptionError, match="n_tasks"):
        find_scenarios_on_cluster(flagship, n_tasks=0, scheduler="tcp://127.0.0.1:9")
    with pytest.raises(OptionError, match="port"):
        find_scenarios_on_cluster(flagship, scheduler="127.0.0.1:http")


def test_api_and_command_line_by_address_and_by_cluster():
    from typer.testing import CliRunner

    import scenarist
    from scenarist.cli import app

    here = scenarist.analyze("example", max_inconsistency=1)
    cli_here = CliRunner().invoke(app, ["analyze", "example", "-k", "1", "--json"])
    assert cli_here.exit_code == 0, cli_here.output
    with local_cluster(2) as cluster:
        by_object = scenarist.analyze("example", max_inconsistency=1, scheduler=cluster)
        by_address = scenarist.analyze("example", max_inconsistency=1, scheduler=cluster.scheduler_address)
        r = CliRunner().invoke(
            app, ["analyze", "example", "-k", "1", "--json", "--scheduler", cluster.scheduler_address]
        )
    assert here.to_dict() == by_object.to_dict() == by_address.to_dict()
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == json.loads(cli_here.stdout)


def test_unreachable_scheduler_is_one_line_and_exit_2(monkeypatch):
    from typer.testing import CliRunner

    from scenarist.cli import app
    from scenarist.probability import backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "1s")
    r = CliRunner().invoke(app, ["analyze", "example", "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("--scheduler tcp://127.0.0.1:9: cannot connect to a Dask scheduler")
    assert "Traceback" not in r.output
    r = CliRunner().invoke(app, ["analyze", "example", "--scheduler", "host-without-port"])
    assert r.exit_code == 2 and "no port number" in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.usefixtures("short_timeout")
def test_analyze_on_a_scheduler_without_workers(flagship):
    from typer.testing import CliRunner

    import scenarist
    from scenarist.cli import app

    with cluster_without_workers() as address:
        start = time.monotonic()
        with pytest.raises(OptionError) as api:
            scenarist.analyze("example", scheduler=address)
        waited = time.monotonic() - start
        with pytest.raises(OptionError) as direct:
            find_scenarios_on_cluster(flagship, scheduler=address)
        r = CliRunner().invoke(app, ["analyze", "example", "--scheduler", address])
    expected = f"--scheduler {address}: the scheduler has no workers (waited 1 s)"
    assert str(api.value) == str(direct.value) == expected
    assert 1 <= waited < 5
    assert one_line(r) == expected


@pytest.mark.usefixtures("short_timeout")
def test_analyze_on_a_server_that_is_not_dask():
    from typer.testing import CliRunner

    import scenarist
    from scenarist.cli import app

    with web_server() as address:
        start = time.monotonic()
        with pytest.raises(OptionError) as api:
            scenarist.analyze("example", scheduler=address)
        waited = time.monotonic() - start
        r = CliRunner().invoke(app, ["analyze", "example", "--scheduler", address])
    expected = f"--scheduler {address}: cannot connect to a Dask scheduler (no Dask handshake within 1 s"
    assert str(api.value).startswith(expected) and "\n" not in str(api.value)
    assert 1 <= waited < 5  # without the bound this waited for ever
    assert one_line(r).startswith(expected)
