"""The exact search on a Dask cluster: the search tree split by prefixes into tasks, run on the workers, merged here.

:func:`find_scenarios_on_cluster` returns what :func:`scenarist.cib.find_scenarios` returns in-process: the same
scenarios with the same scores in the same (tableau) order, the same refusal (:class:`~.search.TooManyScenariosError`
with the same count) when more than ``max_results`` scenarios have inconsistency ≤ k, for any tolerance k and any
interventions. Only ``method`` (``"bnb"``) and ``nodes`` (the sum over the subtrees) may differ from an in-process
run that chose the sweep.

How the tree is split. The branch-and-bound search of :mod:`._kernels` branches on the free descriptors in one
fixed order (``search_order``). The variant combinations of the first L descriptors of that order (``split_prefixes``,
L the smallest giving enough combinations) cut the tree into disjoint subtrees that together cover it: every
scenario lies in exactly one subtree, the one of its own variants on those L descriptors. Each subtree is searched
by the in-process kernel (``_walk``, with the prefix held), so the union of the subtrees' scenarios is exactly the
in-process set; scoring and ordering (:func:`~.search.make_set`) then run here, as in-process, so the order does not
depend on which worker finished first. Prefixes are dealt round-robin into a few tasks per worker thread; each
worker builds the search tables once per problem and keeps them for the next task (:func:`_tables`).

``max_results``. Each task stops once it holds ``max_results + 1`` scenarios; as results arrive the total is
summed, and once it exceeds ``max_results`` the remaining tasks are cancelled and the scenarios are counted (not
kept) on the cluster up to ``max(COUNT_MAX, max_results + 1)``, each task's count capped there too, so the reported
count is the in-process one (exact when at most that cap, else the cap + 1 as a lower bound).

Workers need ``scenarist`` (the same version) installed; they compile the kernels on first use like any process.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import MAX_RESULTS, check_max_results
from ..errors import OptionError
from .compile import CompiledModel, check_matrix_bounds
from .search import (
    COUNT_MAX,
    FIRST_ROWS,
    ScenarioSet,
    TooManyScenariosError,
    check_k,
    make_set,
    normalise_fixed,
    tested_mask,
)

#: Tasks per worker thread: enough that a thread freed by a cheap task takes another (subtrees differ widely in cost).
TASKS_PER_THREAD = 4
#: Prefixes (subtrees) per task: a task takes them round-robin, which evens out the cost of neighbouring subtrees.
PREFIXES_PER_TASK = 8


@dataclass(frozen=True)
class SearchProblem:
    """One exact search as plain arrays, shipped once to every worker (picklable).

    Attributes
    ----------
    matrix : (V, V) int64
        Cross-impact matrix (row = source variant, column = target variant).
    offsets : (n + 1,) int64
    counts : (n,) int64
    fixed : (n,) int64
        Interventions, -1 where free.
    tested : (n,) bool
        Descriptors the consistency test looks at (free and not exogenous).
    k : int ≥ 0
        Tolerance.
    order : (m,) int64
        Branching order of the free descriptors (the kernel's ``search_order``).
    key : str
        SHA-256 of the arrays the search tables depend on: a worker reuses its tables for the same key.
    """

    matrix: np.ndarray
    offsets: np.ndarray
    counts: np.ndarray
    fixed: np.ndarray
    tested: np.ndarray
    k: int
    order: np.ndarray
    key: str


@dataclass(frozen=True)
class SubtreeResult:
    """What one task returns.

    Attributes
    ----------
    task : int
        The task's number (results are merged in this order).
    scenarios : (m, n) int64
        Scenarios found in the task's subtrees (search order); at most ``limit + 1`` rows.
    found : int
        Number found (``len(scenarios)``), or the count when the task counted without keeping.
    nodes : int
        Search nodes visited.
    """

    task: int
    scenarios: np.ndarray
    found: int
    nodes: int


def make_problem(matrix, offsets, counts, fixed, tested, k: int) -> SearchProblem:
    """A :class:`SearchProblem` from the arrays of one search (``run_kernel``'s arguments), its order computed."""
    from . import _kernels as K

    matrix = np.ascontiguousarray(matrix, dtype=np.int64)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    fixed = np.ascontiguousarray(fixed, dtype=np.int64)
    tested = np.ascontiguousarray(tested, dtype=np.bool_)
    order = np.ascontiguousarray(K.search_order(matrix, offsets, counts, fixed, tested), dtype=np.int64)
    h = hashlib.sha256()
    for a in (matrix, offsets, counts, tested, order):
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return SearchProblem(matrix, offsets, counts, fixed, tested, int(k), order, h.hexdigest())


def split_tasks(problem: SearchProblem, n_tasks: int) -> list[np.ndarray]:
    """The subtrees of ``problem`` dealt into at most ``n_tasks`` tasks.

    The tree is cut by the variants of the first descriptors of the order, into at least
    ``n_tasks × PREFIXES_PER_TASK`` subtrees when the tree has that many leaves (``split_prefixes``); prefix i goes to
    task ``i mod n_tasks``. Returns one (t_i, L) int64 array of prefixes per non-empty task; together they hold every
    prefix once.
    """
    from . import _kernels as K

    n_tasks = max(1, int(n_tasks))
    pre = K.split_prefixes(problem.counts, problem.order, np.int64(n_tasks * PREFIXES_PER_TASK))
    return [np.ascontiguousarray(pre[t::n_tasks]) for t in range(min(n_tasks, len(pre)))]


_TABLES: dict[str, Any] = {}
_TABLES_LOCK = threading.Lock()
#: Search tables a worker keeps (one problem's tables can take tens of MB; two cover a problem and its count).
TABLES_KEPT = 2


def _tables(problem: SearchProblem):
    """The kernel's search tables for ``problem`` (built once per worker process and key, then reused)."""
    from . import _kernels as K

    with _TABLES_LOCK:
        got = _TABLES.get(problem.key)
    if got is None:
        got = K.search_tables(problem.matrix, problem.offsets, problem.counts, problem.tested, problem.order, True)
        with _TABLES_LOCK:
            while len(_TABLES) >= TABLES_KEPT:
                _TABLES.pop(next(iter(_TABLES)))
            _TABLES[problem.key] = got
    return got


def _walk(problem: SearchProblem, tables, prefix: np.ndarray, out: np.ndarray, limit: int, nodes: np.ndarray) -> int:
    """One subtree: the in-process kernel's search with ``prefix`` held (scenarios to ``out``, count returned; see
    ``_kernels._walk``). The one place this module reaches into the kernel's private functions."""
    from . import _kernels as K

    p = problem
    return int(
        K._walk(
            p.offsets,
            p.counts,
            p.fixed,
            p.tested,
            np.int64(p.k),
            p.order,
            np.ascontiguousarray(prefix, dtype=np.int64),
            tables,
            out,
            np.zeros(0, dtype=np.int64),
            np.int64(-1),
            np.int64(limit),
            nodes,
        )
    )


def search_subtrees(problem: SearchProblem, task: int, prefixes: np.ndarray, limit: int = -1) -> SubtreeResult:
    """Every scenario with inconsistency ≤ k in the subtrees of ``prefixes`` ((t, L) int64), on this worker.

    With ``limit`` ≥ 0 the task stops once it holds ``limit + 1`` scenarios (the whole search then has more than
    ``limit``). Rows are kept in one array that doubles when full (the subtree that overflowed it is searched again).
    """
    n = len(problem.counts)
    tables = _tables(problem)
    nodes = np.zeros(1, dtype=np.int64)
    out = np.zeros((FIRST_ROWS if limit < 0 else min(FIRST_ROWS, limit + 1), n), dtype=np.int64)
    kept = 0
    for prefix in prefixes:
        left = -1 if limit < 0 else limit - kept  # the subtree stops at left + 1: the task then holds limit + 1
        got = _walk(problem, tables, prefix, out[kept:], left, nodes)
        if kept + got > len(out):
            grown = np.zeros((max(2 * len(out), kept + got), n), dtype=np.int64)
            grown[:kept] = out[:kept]
            out = grown
            _walk(problem, tables, prefix, out[kept:], left, nodes)
        kept += got
        if 0 <= limit < kept:
            break
    return SubtreeResult(task, out[:kept].copy(), kept, int(nodes[0]))


def count_subtrees(problem: SearchProblem, task: int, prefixes: np.ndarray, limit: int = -1) -> SubtreeResult:
    """Number of scenarios with inconsistency ≤ k in the subtrees of ``prefixes``, none kept; counting stops at
    ``limit + 1`` when ``limit`` ≥ 0."""
    n = len(problem.counts)
    tables = _tables(problem)
    nodes = np.zeros(1, dtype=np.int64)
    none = np.zeros((0, n), dtype=np.int64)
    total = 0
    for prefix in prefixes:
        total += _walk(problem, tables, prefix, none, -1 if limit < 0 else limit - total, nodes)
        if 0 <= limit < total:
            break
    return SubtreeResult(task, none, total, int(nodes[0]))


def connect(scheduler: Any):
    """A ``distributed.Client`` for ``scheduler`` and whether this module opened it (and must close it).

    The one connection routine of both scale-outs: :func:`scenarist.probability.backends.connect_scheduler`.

    Parameters
    ----------
    scheduler : str, ``distributed.Client`` or a Dask cluster object
        An address ``[SCHEME://]HOST:PORT`` (checked by
        :func:`~scenarist.probability.backends.check_scheduler_address`), a Client used as it is, or a cluster
        (e.g. ``distributed.LocalCluster``, anything with a ``scheduler_address``) to which a Client is opened.

    Raises
    ------
    OptionError
        A malformed address, no Dask scheduler at the address within
        :data:`~scenarist.probability.backends.CONNECT_TIMEOUT` (connection and handshake together), or a scheduler
        without workers after that long; one line naming the scheduler.
    """
    from ..probability import backends

    return backends.connect_scheduler(scheduler)


def _threads(client) -> int:
    """Worker threads of the cluster (waiting up to the connect timeout for a first worker)."""
    from ..probability import backends

    return max(1, sum(backends.wait_for_workers(client).values()))


def run_on_cluster(client, problem: SearchProblem, limit: int = -1, n_tasks: int | None = None, remote=None):
    """Run ``problem``'s search on ``client``'s workers: ``(scenarios (N, n) int64 or None, nodes)``.

    ``scenarios`` are in task order (then search order within a task), unscored; ``None`` when ``limit`` ≥ 0 and
    more than ``limit`` were found (the remaining tasks are then cancelled). ``n_tasks`` defaults to
    :data:`TASKS_PER_THREAD` per worker thread; ``remote``: ``problem`` already scattered to the workers.
    """
    from distributed import as_completed

    batches = split_tasks(problem, n_tasks or TASKS_PER_THREAD * _threads(client))
    remote = client.scatter(problem, broadcast=True, hash=False) if remote is None else remote
    futures = [client.submit(search_subtrees, remote, t, b, limit, pure=False) for t, b in enumerate(batches)]
    results: list[SubtreeResult] = []
    total = 0
    try:
        for fut in as_completed(futures):
            r = fut.result()
            results.append(r)
            total += r.found
            if 0 <= limit < total:
                return None, sum(x.nodes for x in results)
    finally:
        client.cancel(futures)
    results.sort(key=lambda r: r.task)
    n = len(problem.counts)
    rows = [r.scenarios for r in results]
    return (np.concatenate(rows) if rows else np.zeros((0, n), dtype=np.int64)), sum(r.nodes for r in results)


def count_on_cluster(client, problem: SearchProblem, limit: int = -1, n_tasks: int | None = None, remote=None) -> int:
    """Number of scenarios with inconsistency ≤ k, counted on the workers (nothing kept); with ``limit`` ≥ 0 the
    result is ``min(count, limit + 1)``, as :func:`~.search.count_scenarios` returns in-process. Other arguments
    as for :func:`run_on_cluster`."""
    batches = split_tasks(problem, n_tasks or TASKS_PER_THREAD * _threads(client))
    remote = client.scatter(problem, broadcast=True, hash=False) if remote is None else remote
    futures = [client.submit(count_subtrees, remote, t, b, limit, pure=False) for t, b in enumerate(batches)]
    total = sum(r.found for r in client.gather(futures))
    return total if limit < 0 else min(total, limit + 1)


def find_scenarios_on_cluster(
    compiled: CompiledModel,
    max_inconsistency: int = 0,
    fixed=None,
    max_results: int | None = MAX_RESULTS,
    *,
    scheduler: Any,
    n_tasks: int | None = None,
) -> ScenarioSet:
    """:func:`scenarist.cib.find_scenarios` with the search tree split over a Dask cluster's workers.

    Parameters
    ----------
    compiled, max_inconsistency, fixed, max_results
        As for :func:`~scenarist.cib.find_scenarios` (k in 0..``compiled.max_inconsistency_bound``, ``fixed`` a
        mapping descriptor id → variant id or an (n_descriptors,) int array with -1 where free, ``max_results`` in
        0..10^7 or None).
    scheduler : str, ``distributed.Client`` or a Dask cluster object
        Where to run (see :func:`connect`); a Client or cluster given here is left open.
    n_tasks : int ≥ 1, optional
        Tasks to cut the search into (default :data:`TASKS_PER_THREAD` per worker thread).

    Returns
    -------
    ScenarioSet
        The in-process result: same scenarios, scores and tableau order (``method`` is ``"bnb"``, ``nodes`` the
        sum over the subtrees).

    Raises
    ------
    OptionError
        As :func:`~scenarist.cib.find_scenarios`, and a scheduler that cannot be reached or has no workers (one line
        naming it; see :func:`connect`).
    TooManyScenariosError
        More than ``max_results`` scenarios, with the in-process count.
    UnknownNameError
        Unknown descriptor or variant in ``fixed``.

    References
    ----------
    Weimer-Jehle, W. (2006). Cross-impact balances. Technological Forecasting and Social Change 73(4), 334–361.
    https://doi.org/10.1016/j.techfore.2005.06.005
    """
    check_matrix_bounds(compiled.matrix, compiled.n_descriptors)
    k = check_k(compiled, max_inconsistency)
    if max_results is not None:
        max_results = check_max_results(max_results)
    if n_tasks is not None and (not isinstance(n_tasks, int | np.integer) or n_tasks < 1):
        raise OptionError(f"n_tasks must be an integer ≥ 1, got {n_tasks!r}")
    fx = normalise_fixed(compiled, fixed)
    tested = tested_mask(compiled, fx)
    problem = make_problem(compiled.matrix, compiled.offsets, compiled.counts, fx, tested, k)
    limit = -1 if max_results is None else int(max_results)
    client, own = connect(scheduler)
    try:
        remote = client.scatter(problem, broadcast=True, hash=False)
        sc, nodes = run_on_cluster(client, problem, limit, n_tasks, remote)
        if sc is None:
            stop = max(COUNT_MAX, limit + 1)
            n = count_on_cluster(client, problem, stop, n_tasks, remote)
            names = {compiled.descriptor_ids[d]: compiled.variant_ids[d][int(v)] for d, v in enumerate(fx) if v >= 0}
            raise TooManyScenariosError(n, n <= stop, limit, k, names)
    finally:
        if own:
            client.close()
    return make_set(compiled, sc, fx, tested, k, "bnb", int(nodes))
