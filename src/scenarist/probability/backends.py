"""Where judgment draws run: in this process (default) or on a Dask cluster (``scheduler=ADDRESS``).

Draws are split into contiguous chunks of draw numbers; each chunk is evaluated by :func:`evaluate_draws` from a
picklable :class:`DrawTask`. Because draw r is seeded by ``(seed, r)`` alone (see :mod:`.draws`) and the exact pass
is deterministic, the numbers do not depend on the chunking or on the number of workers.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import OptionError
from .combinations import PassSpec, run_pass
from .draws import JudgmentSpread, apply_scores, draw_generator, draw_scores

#: How long to wait for a Dask scheduler given by address (connection and handshake together), and then for its
#: first worker, before giving up.
CONNECT_TIMEOUT = "10s"
#: Address schemes Dask's comm layer knows; ``inproc`` addresses (in-process clusters) carry no port.
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
#: Schemes carried over TCP: a refused connection is reported at once instead of being retried until the timeout.
TCP_SCHEMES = ("tcp", "tls", "ws", "wss")


def check_scheduler_address(address: str) -> str:
    """Check a Dask scheduler address (``[SCHEME://]HOST:PORT``) before anything connects to it.

    Parameters
    ----------
    address : str
        E.g. ``tcp://10.0.0.5:8786``, ``10.0.0.5:8786`` (tcp is Dask's default), ``tls://[::1]:8786``.

    Returns
    -------
    str
        The address, stripped of surrounding blanks.

    Raises
    ------
    OptionError
        Empty address, unknown scheme, missing host, missing or non-numeric port, or a port outside 1..65535.
    """
    _parse_address(address)
    return str(address).strip()


def _parse_address(address: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a scheduler address (host without IPv6 brackets; port None for ``inproc``).

    Raises :class:`OptionError` as :func:`check_scheduler_address` says."""
    text = str(address).strip()
    expected = "expected [tcp://]HOST:PORT, e.g. tcp://127.0.0.1:8786"

    def bad(why: str) -> OptionError:
        return OptionError(f"--scheduler {address!r}: {why}; {expected}")

    if not text:
        raise bad("empty address")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme not in SCHEMES:
        raise bad(f"unknown scheme {scheme!r} (Dask knows {', '.join(SCHEMES)})")
    if scheme == "inproc":
        if not rest:
            raise bad("no in-process address")
        return scheme, rest, None
    if rest.startswith("["):  # IPv6 literal: [::1]:8786
        host, _, port = rest[1:].partition("]")
        port = port[1:] if port.startswith(":") else ("" if not port else None)
    else:
        host, colon, port = rest.rpartition(":")
        if not colon:
            host, port = rest, ""
    if port is None or not host:
        raise bad("no host")
    if not port:
        raise bad("no port number")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise bad(f"port {port!r} is not a number in 1..65535")
    return scheme, host, int(port)


def connect_seconds() -> float:
    """:data:`CONNECT_TIMEOUT` in seconds."""
    from dask.utils import parse_timedelta

    return float(parse_timedelta(CONNECT_TIMEOUT, default="seconds"))


class _NoScheduler(Exception):
    """Why the probe of an address found no Dask scheduler there (the reason, for the one-line message)."""


async def _handshake(address: str, seconds: float, state: dict[str, bool]) -> dict:
    """Dask's handshake with ``address`` and the answer to ``identity`` (bounded by the caller)."""
    from distributed.comm import connect

    comm = await connect(address, timeout=seconds)  # the timeout bounds the connection only, not the handshake
    state["open"] = True
    try:
        await comm.write({"op": "identity", "reply": True})
        info = await comm.read()
        await comm.write({"op": "close", "reply": False})
    finally:
        comm.abort()
    return info


def _probe(address: str, seconds: float) -> dict:
    """What the server at ``address`` says it is (Dask's ``identity``), within ``seconds`` in all.

    ``distributed``'s ``connect(address, timeout=)``, which ``Client(address, timeout=)`` calls, bounds only the
    attempts to open the connection: its handshake (one message each way) waits without a limit, so a server that
    accepts the connection but never answers in Dask's protocol (a web server, for one) keeps a Client waiting for
    ever. Here the connection, the handshake and the ``identity`` request run on an event loop of their own, in a
    thread of their own, under one deadline; the caller never waits longer than ``seconds`` plus a second.

    Raises
    ------
    _NoScheduler
        With the reason: connection refused, unknown host, timed out (before or after the connection opened), or a
        server that does not speak Dask's protocol or is not a scheduler.
    """
    scheme, host, port = _parse_address(address)
    box: dict[str, Any] = {}
    state = {"open": False}  # whether a connection opened (then a timeout means no Dask handshake)

    def run() -> None:
        try:
            start = time.monotonic()
            if scheme in TCP_SCHEMES:  # one plain attempt first: Dask would retry a refusal until the timeout
                with socket.create_connection((host, port), timeout=seconds):
                    state["open"] = True
            left = max(0.1, seconds - (time.monotonic() - start))
            box["info"] = asyncio.run(asyncio.wait_for(_handshake(address, left, state), left))
        except BaseException as exc:  # handed to the calling thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="scenarist-scheduler-probe", daemon=True)
    thread.start()
    thread.join(seconds + 1.0)
    waited = f"{seconds:g} s"
    if thread.is_alive() or isinstance(box.get("error"), TimeoutError):
        if state["open"]:
            raise _NoScheduler(f"no Dask handshake within {waited}; is something else listening there?")
        raise _NoScheduler(f"timed out after {waited}")
    exc = box.get("error")
    if isinstance(exc, ConnectionRefusedError):
        raise _NoScheduler("connection refused")
    if isinstance(exc, socket.gaierror):
        raise _NoScheduler(f"unknown host {host!r}")
    if exc is not None:
        why = " ".join(str(exc).split()) or type(exc).__name__
        if state["open"]:
            raise _NoScheduler(f"the server there does not speak Dask's protocol: {why}")
        raise _NoScheduler(why)
    info = box.get("info")
    if not isinstance(info, dict):
        raise _NoScheduler(f"the server there answered {type(info).__name__}, not a Dask scheduler's identity")
    if info.get("type") in ("Worker", "Nanny"):
        raise _NoScheduler(f"that is a Dask {info['type'].lower()}, not a scheduler")
    return info


def wait_for_workers(client: Any, label: str | None = None) -> dict[str, int]:
    """The worker threads of ``client``'s cluster, waiting up to :data:`CONNECT_TIMEOUT` for a first worker.

    Parameters
    ----------
    client : distributed.Client
    label : str, optional
        How the message names the scheduler (default ``"Dask scheduler ADDRESS"``).

    Returns
    -------
    dict
        Worker address → number of threads; at least one worker.

    Raises
    ------
    OptionError
        No worker joined within the timeout (``LABEL: the scheduler has no workers (waited 10 s)``).
    """
    nthreads = client.nthreads()
    if nthreads:
        return nthreads
    seconds = connect_seconds()
    if label is None:
        label = f"Dask scheduler {client.scheduler.address}"
    try:
        client.wait_for_workers(1, timeout=seconds)
        nthreads = client.nthreads()
    except (OSError, TimeoutError):
        nthreads = {}
    if not nthreads:
        raise OptionError(f"{label}: the scheduler has no workers (waited {seconds:g} s)")
    return nthreads


def connect_scheduler(scheduler: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` for ``scheduler``, with at least one worker, and whether it was opened here.

    Parameters
    ----------
    scheduler : str, ``distributed.Client`` or a Dask cluster object
        An address ``[SCHEME://]HOST:PORT`` (checked by :func:`check_scheduler_address`), a Client used as it is,
        or a cluster (e.g. ``distributed.LocalCluster``, anything with a ``scheduler_address``) to which a Client
        is opened.

    Returns
    -------
    (distributed.Client, bool)
        The Client, and True when it was opened here (the caller closes it).

    Raises
    ------
    OptionError
        A malformed address; no Dask scheduler reached at the address within :data:`CONNECT_TIMEOUT`, connection
        and handshake together (``--scheduler ADDRESS: cannot connect to a Dask scheduler (WHY)``; a refused
        connection is reported at once); or a scheduler without a worker after that long again
        (``--scheduler ADDRESS: the scheduler has no workers (waited 10 s)``). Always one line (docs/method.md §7).
    """
    from distributed import Client

    if isinstance(scheduler, Client):
        wait_for_workers(scheduler)
        return scheduler, False
    if hasattr(scheduler, "scheduler_address") and not isinstance(scheduler, str):
        client = Client(scheduler)
        label = f"Dask scheduler {scheduler.scheduler_address}"
    else:
        address = check_scheduler_address(scheduler)
        label = f"--scheduler {address}"
        try:
            _probe(address, connect_seconds())
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except (_NoScheduler, OSError, TimeoutError, ValueError) as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__
            raise OptionError(f"{label}: cannot connect to a Dask scheduler ({why})") from None
    try:
        wait_for_workers(client, label)
    except BaseException:
        client.close()
        raise
    return client, True


@dataclass(frozen=True)
class DrawTask:
    """Everything a worker needs to evaluate draws: structure, base matrix, spreads, seed entropy (picklable)."""

    spec: PassSpec
    base: np.ndarray
    spread: JudgmentSpread
    entropy: int
    shared_sections: bool = False


@dataclass(frozen=True)
class DrawChunk:
    """Results of draws ``start .. stop - 1``.

    Attributes
    ----------
    flat : (stop - start, V + 1) float64
        Per draw, the exact outcome distribution of every variant plus the none bin (see :class:`.search.PassResult`).
    scenarios : (u, n) int64
        The distinct scenarios consistent in at least one of these draws (lexicographic order).
    counts : (u,) int64
        In how many of these draws each is consistent.
    """

    start: int
    stop: int
    flat: np.ndarray
    scenarios: np.ndarray
    counts: np.ndarray


def count_scenarios(scenarios: np.ndarray, counts_in: np.ndarray | None, variant_counts: np.ndarray):
    """Distinct rows of ``scenarios`` (m, n) and their total counts (``counts_in`` per row, default 1 each).

    Rows are encoded as one integer each (mixed radix over ``variant_counts``) when the scenario space fits in
    62 bits, which makes this a 1-D sort; otherwise rows are compared whole. Returns ``(rows (u, n), counts (u,))``
    in lexicographic order.
    """
    n = len(variant_counts)
    w = np.ones(len(scenarios), dtype=np.int64) if counts_in is None else np.asarray(counts_in, dtype=np.int64)
    if len(scenarios) == 0:
        return np.zeros((0, n), dtype=np.int64), np.zeros(0, dtype=np.int64)
    space = 1
    for c in variant_counts:
        space *= int(c)
    if space < 2**62:
        radix = np.ones(n, dtype=np.int64)
        for d in range(n - 2, -1, -1):  # first descriptor most significant: code order = lexicographic order
            radix[d] = radix[d + 1] * int(variant_counts[d + 1])
        codes = scenarios @ radix
        uniq, inv = np.unique(codes, return_inverse=True)
        total = np.bincount(inv.reshape(-1), weights=w, minlength=len(uniq)).astype(np.int64)
        rows = (uniq[:, None] // radix[None, :]) % np.asarray(variant_counts, dtype=np.int64)[None, :]
        return rows.astype(np.int64), total
    rows, inv = np.unique(scenarios, axis=0, return_inverse=True)
    return rows, np.bincount(inv.reshape(-1), weights=w, minlength=len(rows)).astype(np.int64)


def evaluate_draws(task: DrawTask, start: int, stop: int) -> DrawChunk:
    """Evaluate draws ``start .. stop - 1`` of ``task``; draws that repeat an earlier matrix of the chunk reuse its
    exact pass (only when combinations are enumerated, where the pass is a pure function of the matrix)."""
    spec = task.spec
    flat = np.empty((stop - start, spec.width), dtype=np.float64)  # V + 1 columns (V + 2 crediting by definition)
    scen = []
    cache: dict[bytes, Any] = {}
    for r in range(start, stop):
        rng = draw_generator(task.entropy, r)
        scores = draw_scores(task.spread, rng, task.shared_sections)
        key = scores.tobytes()
        res = cache.get(key) if spec.samples == 0 else None
        if res is None:
            res = run_pass(spec, apply_scores(task.base, task.spread, scores), rng)
            if spec.samples == 0:
                cache[key] = res
        flat[r - start] = res.flat
        scen.append(res.scenarios)
    n = len(spec.counts)
    rows, counts = count_scenarios(np.concatenate(scen) if scen else np.zeros((0, n), np.int64), None, spec.counts)
    return DrawChunk(start, stop, flat, rows, counts)


def merge_counts(chunks: list[DrawChunk], variant_counts: np.ndarray):
    """Distinct scenarios over all chunks with the number of draws each is consistent in: ``(rows, counts)``."""
    n = len(variant_counts)
    rows = [c.scenarios for c in chunks]
    counts = [c.counts for c in chunks]
    if not rows:
        return np.zeros((0, n), dtype=np.int64), np.zeros(0, dtype=np.int64)
    return count_scenarios(np.concatenate(rows), np.concatenate(counts), variant_counts)


def _chunks(n_draws: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, n_draws)) for a in range(0, n_draws, size)]


def run_draws(
    task: DrawTask,
    n_draws: int,
    scheduler: Any = None,
    progress: Callable[[float, str], None] | None = None,
    chunk_size: int | None = None,
    threads: int | None = None,
) -> list[DrawChunk]:
    """Evaluate draws ``0 .. n_draws - 1``, in-process or on Dask; chunks come back in draw order.

    Parameters
    ----------
    task : DrawTask
    n_draws : int ≥ 1
    scheduler : None, str or ``distributed.Client``
        None runs here; a string is a Dask scheduler address (``tcp://host:8786``); a Client is used as it is.
    progress : callable(fraction, phase), optional
        Called after each chunk with the fraction of draws done (0–1] and the phase ``"judgment draws"``.
    chunk_size : int, optional
        Draws per task (default: 25 in-process; about four tasks per Dask worker).
    threads : int ≥ 1, optional
        In-process only: chunks evaluated at once on that many Python threads (default ``numba.get_num_threads()``,
        which ``NUMBA_NUM_THREADS`` sets). The search releases the GIL, so two threads use two cores; the chunks
        come back in draw order and the numbers are the same for any thread count.

    Raises
    ------
    OptionError
        ``threads`` < 1; a scheduler that cannot be reached or has no workers (see :func:`connect_scheduler`).
    """
    if scheduler is None:
        chunks = _chunks(n_draws, chunk_size or 25)
        if threads is None:
            import numba

            threads = numba.get_num_threads()
        if threads < 1:
            raise OptionError(f"threads must be ≥ 1, got {threads}")
        out = []
        if threads == 1 or len(chunks) == 1:
            results = (evaluate_draws(task, a, b) for a, b in chunks)
            for chunk in results:
                out.append(chunk)
                if progress is not None:
                    progress(chunk.stop / n_draws, "judgment draws")
            return out
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(threads, len(chunks))) as pool:
            for chunk in pool.map(lambda ab: evaluate_draws(task, *ab), chunks):  # map keeps draw order
                out.append(chunk)
                if progress is not None:
                    progress(chunk.stop / n_draws, "judgment draws")
        return out
    return _run_on_dask(task, n_draws, scheduler, progress, chunk_size)


def _run_on_dask(task, n_draws, scheduler, progress, chunk_size):
    from distributed import as_completed

    client, own = connect_scheduler(scheduler)
    try:
        workers = len(client.nthreads())
        size = chunk_size or max(1, -(-n_draws // (4 * max(1, workers))))
        # a key of its own (hash=False): with a key from the content, a second run on the same scheduler could
        # scatter while the first run's release of that key was in flight, and the scheduler then cancelled the
        # new run's tasks ("lost dependencies")
        remote = client.scatter(task, broadcast=True, hash=False)
        futures = [client.submit(evaluate_draws, remote, a, b, pure=False) for a, b in _chunks(n_draws, size)]
        done = 0
        for fut in as_completed(futures):
            chunk = fut.result()
            done += chunk.stop - chunk.start
            if progress is not None:
                progress(done / n_draws, "judgment draws")
        chunks = client.gather(futures)
    finally:
        if own:
            client.close()
    return sorted(chunks, key=lambda c: c.start)
