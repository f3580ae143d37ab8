"""Where judgment draws run: in this process (default) or on a Dask cluster (``scheduler=ADDRESS``).

Draws are split into contiguous chunks of draw numbers; each chunk is evaluated by :func:`evaluate_draws` from a
picklable :class:`DrawTask`. Because draw r is seeded by ``(seed, r)`` alone (see :mod:`.draws`) and the exact pass
is deterministic, the numbers do not depend on the chunking or on the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import OptionError
from .draws import JudgmentSpread, apply_scores, draw_generator, draw_scores
from .search import PassSpec, run_pass

#: How long to wait for a Dask scheduler given by address before giving up.
CONNECT_TIMEOUT = "10s"


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
    scenarios : (m, n) int64
        The consistent scenarios of all these draws, stacked.
    owner : (m,) int64
        Draw number of each row of ``scenarios``.
    """

    start: int
    stop: int
    flat: np.ndarray
    scenarios: np.ndarray
    owner: np.ndarray


def evaluate_draws(task: DrawTask, start: int, stop: int) -> DrawChunk:
    """Evaluate draws ``start .. stop - 1`` of ``task``; draws that repeat an earlier matrix of the chunk reuse its
    exact pass (only when combinations are enumerated, where the pass is a pure function of the matrix)."""
    spec = task.spec
    V = spec.n_variants
    flat = np.empty((stop - start, V + 1), dtype=np.float64)
    scen, owner = [], []
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
        owner.append(np.full(len(res.scenarios), r, dtype=np.int64))
    n = len(spec.counts)
    return DrawChunk(
        start,
        stop,
        flat,
        np.concatenate(scen) if scen else np.zeros((0, n), dtype=np.int64),
        np.concatenate(owner) if owner else np.zeros(0, dtype=np.int64),
    )


def _chunks(n_draws: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, n_draws)) for a in range(0, n_draws, size)]


def run_draws(
    task: DrawTask,
    n_draws: int,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int | None = None,
) -> list[DrawChunk]:
    """Evaluate draws ``0 .. n_draws - 1``, in-process or on Dask; chunks come back in draw order.

    Parameters
    ----------
    task : DrawTask
    n_draws : int ≥ 1
    scheduler : None, str or ``distributed.Client``
        None runs here; a string is a Dask scheduler address (``tcp://host:8786``); a Client is used as it is.
    progress : callable(done, total), optional
        Called after each chunk with the number of draws done so far.
    chunk_size : int, optional
        Draws per task (default: 25 in-process; about four tasks per Dask worker).

    Raises
    ------
    OptionError
        The scheduler cannot be reached.
    """
    if scheduler is None:
        out = []
        done = 0
        for a, b in _chunks(n_draws, chunk_size or 25):
            out.append(evaluate_draws(task, a, b))
            done = b
            if progress is not None:
                progress(done, n_draws)
        return out
    return _run_on_dask(task, n_draws, scheduler, progress, chunk_size)


def _run_on_dask(task, n_draws, scheduler, progress, chunk_size):
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise OptionError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler ({exc})") from None
    else:
        client = scheduler
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = chunk_size or max(1, -(-n_draws // (4 * workers)))
        remote = client.scatter(task, broadcast=True)
        futures = [client.submit(evaluate_draws, remote, a, b, pure=False) for a, b in _chunks(n_draws, size)]
        done = 0
        for fut in as_completed(futures):
            chunk = fut.result()
            done += chunk.stop - chunk.start
            if progress is not None:
                progress(done, n_draws)
        chunks = client.gather(futures)
    finally:
        if own:
            client.close()
    return sorted(chunks, key=lambda c: c.start)
