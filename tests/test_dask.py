"""Scale-out: judgment draws on a Dask LocalCluster give exactly the in-process numbers, for 1 and 2 workers; a
scheduler that cannot be reached, is not a Dask scheduler, or has no workers is one line and exit 2, in bounded time."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time

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


# -- schedulers that cannot serve: no workers, not Dask, nothing listening (shared with test_dask_search.py) --------


@pytest.fixture
def short_timeout(monkeypatch):
    """CONNECT_TIMEOUT of 1 s, so that the waits below take about a second."""
    from scenarist.probability import backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "1s")


@contextlib.contextmanager
def cluster_without_workers():
    """A Dask scheduler on TCP in this process, without a worker; yields its address."""
    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None, silence_logs=40
    ) as cluster:
        yield cluster.scheduler_address


class _Silent(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # no request log on stderr
        pass


@contextlib.contextmanager
def web_server():
    """An HTTP server (not Dask) on a free port; yields ``tcp://127.0.0.1:PORT``. It accepts Dask's handshake and
    never answers it (it waits for the end of a request line that never comes), as ``python -m http.server`` does."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Silent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_line(result) -> str:
    """The CLI's whole stderr, checked to be one line, exit status 2 and no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "server, message",
    [
        ("no workers", "the scheduler has no workers (waited 1 s)"),
        # the connection opens at once; the handshake is what is cut at 1 s
        ("not dask", "cannot connect to a Dask scheduler (no Dask handshake within 1 s; is something else listening"),
    ],
)
def test_likelihood_on_a_scheduler_that_cannot_serve(model, short_timeout, server, message):
    from typer.testing import CliRunner

    from scenarist.cli import app
    from scenarist.errors import OptionError

    with cluster_without_workers() if server == "no workers" else web_server() as address:
        start = time.monotonic()
        with pytest.raises(OptionError) as err:
            outcome_distribution(model, draws=4, seed=1, scheduler=address)
        waited = time.monotonic() - start
        r = CliRunner().invoke(app, ["likelihood", "example", "--draws", "4", "--scheduler", address])
    expected = f"--scheduler {address}: {message}"
    assert str(err.value).startswith(expected) and "\n" not in str(err.value)
    assert 1 <= waited < 5
    assert one_line(r) == str(err.value)


def test_refused_connection_is_reported_at_once(model, monkeypatch):
    from scenarist.errors import OptionError
    from scenarist.probability import backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "30s")  # not waited for: a refusal is final
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(OptionError) as err:
        outcome_distribution(model, draws=4, seed=1, scheduler=address)
    assert time.monotonic() - start < 5
    assert str(err.value) == f"--scheduler {address}: cannot connect to a Dask scheduler (connection refused)"


def test_a_worker_address_is_not_a_scheduler(short_timeout):
    from scenarist.errors import OptionError
    from scenarist.probability import backends

    with distributed.LocalCluster(
        n_workers=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None, silence_logs=40
    ) as cluster:
        worker = next(iter(cluster.workers.values())).address
        with pytest.raises(OptionError, match="that is a Dask worker, not a scheduler"):
            backends.connect_scheduler(worker)
        client, own = backends.connect_scheduler(cluster.scheduler_address)
        try:
            assert own and len(backends.wait_for_workers(client)) == 1
        finally:
            client.close()
