"""``analyze(..., scheduler=...)`` decides the decomposition as in-process: a model it decomposes is solved here,
block by block, with the same scenarios, the same ``decomposition`` and the same ``to_dict()``; only a model left
to the plain search goes to the cluster. Against the in-process analysis of the same files."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import scenarist  # noqa: E402
from scenarist.cib import cluster  # noqa: E402
from scenarist.io.scw import ScwProject, write_scw  # noqa: E402
from test_decompose import agree_pairs  # noqa: E402


@pytest.fixture(scope="module")
def local_cluster():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dashboard's port
        with distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=40
        ) as c:
            yield c


@pytest.fixture
def cluster_calls(monkeypatch):
    """Every call to the cluster search, recorded (the search itself still runs on the cluster)."""
    calls = []
    real = cluster.find_scenarios_on_cluster

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cluster, "find_scenarios_on_cluster", spy)
    return calls


def write_model(tmp_path, name: str, matrix: np.ndarray):
    n = matrix.shape[0] // 2
    path = tmp_path / f"{name}.scw"
    write_scw(ScwProject(name, tuple(f"D{i}" for i in range(n)), (("low", "high"),) * n, matrix), path)
    return path


def ring(n: int) -> np.ndarray:
    """Binary descriptors in one ring, each pulled by its predecessor toward the same variant: one block."""
    m = np.zeros((2 * n, 2 * n), dtype=np.int64)
    for d in range(n):
        p = (d - 1) % n
        m[2 * p : 2 * p + 2, 2 * d : 2 * d + 2] = [[1, -1], [-1, 1]]
    return m


def assert_same_analysis(here, there):
    assert np.array_equal(here.scenarios.scenarios, there.scenarios.scenarios)
    assert here.scenarios.method == there.scenarios.method
    assert here.decomposition == there.decomposition
    assert here.decomposition.to_dict(here.compiled) == there.decomposition.to_dict(there.compiled)
    assert here.to_dict() == there.to_dict()  # timings left out


def test_decomposed_model_is_solved_here_as_in_process(tmp_path, local_cluster, cluster_calls):
    """8 agreeing pairs (16 descriptors, 2^16 scenarios, 2^8 consistent): decomposed with a scheduler too, the
    cluster never asked; before, it was searched on the cluster and ``decomposition`` was None."""
    path = write_model(tmp_path, "pairs", agree_pairs(8))
    here = scenarist.analyze(path)
    there = scenarist.analyze(path, scheduler=local_cluster)
    assert there.decomposition.used and there.decomposition.count == len(there.scenarios) == 256
    assert there.scenarios.method == "decomposed"
    assert_same_analysis(here, there)
    assert cluster_calls == []


def test_plain_search_still_goes_to_the_cluster(tmp_path, local_cluster, cluster_calls):
    """A ring of 12 descriptors (one block, 4,096 scenarios: past the sweep) is left to the plain search, which
    runs on the cluster; its report says why, as in-process."""
    path = write_model(tmp_path, "ring", ring(12))
    here = scenarist.analyze(path)
    there = scenarist.analyze(path, scheduler=local_cluster)
    assert len(cluster_calls) == 1
    assert not there.decomposition.used and there.decomposition.reason == "one block"
    assert there.decomposition == here.decomposition
    assert np.array_equal(here.scenarios.scenarios, there.scenarios.scenarios) and len(there.scenarios) == 2
    assert here.to_dict() == there.to_dict()
    assert "not decomposed (one block)" in there.decomposition.describe()


def test_command_line_reports_the_decomposition_with_a_scheduler(tmp_path, local_cluster):
    """``analyze --scheduler … --json --timings`` has the ``decomposition`` key, and ``--timings`` its line."""
    from typer.testing import CliRunner

    from scenarist.cli import app

    path = write_model(tmp_path, "pairs", agree_pairs(8))
    address = local_cluster.scheduler_address
    here = CliRunner().invoke(app, ["analyze", str(path), "--json", "--timings"])
    there = CliRunner().invoke(app, ["analyze", str(path), "--json", "--timings", "--scheduler", address])
    assert here.exit_code == there.exit_code == 0, there.output
    doc_here, doc_there = json.loads(here.stdout), json.loads(there.stdout)
    assert doc_there["decomposition"] == doc_here["decomposition"] and doc_there["decomposition"]["used"]
    doc_here.pop("timings"), doc_there.pop("timings")
    assert doc_here == doc_there
    r = CliRunner().invoke(app, ["analyze", str(path), "--timings", "--scheduler", address])
    assert r.exit_code == 0 and "decomposed: 8 blocks of 2 descriptors, 8 components" in r.stderr
