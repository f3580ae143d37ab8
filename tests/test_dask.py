"""Scale-out: judgment draws on a Dask LocalCluster give exactly the in-process numbers, for 1 and 2 workers."""

from __future__ import annotations

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from scenarist.probability import outcome_distribution  # noqa: E402


@pytest.fixture(scope="module")
def model():
    from scenarist.io.yaml_model import load_model

    m = load_model("example")
    # give a few judgments a spread so that draws differ
    for j in m.judgments[::3]:
        j.spread = 1
    return m


@pytest.mark.parametrize("workers", [1, 2])
def test_same_seed_same_numbers_on_a_local_cluster(model, workers):
    here = outcome_distribution(model, draws=60, seed=123)
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == workers
        there = outcome_distribution(model, draws=60, seed=123, scheduler=client)
        by_address = outcome_distribution(model, draws=60, seed=123, scheduler=cluster.scheduler_address)
    assert np.array_equal(here.per_draw, there.per_draw)
    assert np.array_equal(here.per_draw, by_address.per_draw)
    assert here.to_dict() == there.to_dict()
    assert not np.allclose(here.per_draw, here.per_draw[0])  # the draws really vary


def test_unreachable_scheduler_is_a_clean_error(model, monkeypatch):
    from scenarist.errors import OptionError
    from scenarist.probability import backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(OptionError):
        outcome_distribution(model, draws=2, seed=1, scheduler="tcp://127.0.0.1:9")


def test_cli_scheduler_option(model, tmp_path):
    import json

    from typer.testing import CliRunner

    from scenarist.cli import app
    from scenarist.io.yaml_model import save_model

    path = tmp_path / "m.yaml"
    save_model(model, path)
    here = json.loads(
        CliRunner().invoke(app, ["likelihood", str(path), "--draws", "30", "--seed", "5", "--json"]).stdout
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        r = CliRunner().invoke(
            app,
            [
                "likelihood",
                str(path),
                "--draws",
                "30",
                "--seed",
                "5",
                "--json",
                "--scheduler",
                cluster.scheduler_address,
            ],
        )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == here


def test_sampled_combinations_with_draws_are_worker_independent():
    from likelihood_naive import build_model

    m = build_model(
        [
            ("a", ["a1", "a2", "a3"], True, {"a1": 0.2, "a2": 0.3, "a3": 0.5}),
            ("b", ["b1", "b2"], True, {"b1": 0.6, "b2": 0.4}),
            ("o", ["o1", "o2"], False, None),
        ],
        [("a.a1", "o.o1", 1, {"spread": 1}), ("a.a2", "o.o2", 1, {"spread": 1}), ("b.b1", "o.o1", 1, {"spread": 2})],
        outcome="o",
    )
    here = outcome_distribution(m, draws=24, seed=9, max_combinations=2, samples=50)
    assert here.samples == 50
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        there = outcome_distribution(m, draws=24, seed=9, max_combinations=2, samples=50, scheduler=client)
    assert np.array_equal(here.per_draw, there.per_draw)
