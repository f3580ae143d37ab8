"""Exact search for all scenarios with inconsistency ≤ k, with interventions.

:func:`find_scenarios` validates its arguments, builds the tested-descriptor mask (descriptors neither exogenous
nor fixed) and hands plain arrays to one of three methods: ``bnb`` (depth-first branch-and-bound, compiled with
numba, split over threads when a search is large), ``sweep`` (every scenario in Gray-code order, balances updated
by one row per step; for small spaces) and ``brute`` (plain numpy enumeration, an independent check). ``auto``
picks between the first two. All return the same set, scored and ordered by one routine (:func:`make_set`), so the
results are identical bit for bit. :func:`tally_scenarios` runs many searches (matrices × interventions) in one
parallel call and keeps only counts per variant, for Monte Carlo. The kernels are in :mod:`._kernels`;
:func:`run_kernel` is the array-level entry point.

A search keeps at most ``max_results`` scenarios (default :data:`MAX_RESULTS`): every method stops as soon as it
has found one more than that, so a loose tolerance on a large model (``k = 99`` keeps all 2·10^8 scenarios of the
flagship) is refused in seconds with :class:`TooManyScenariosError` instead of exhausting memory or time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..checks import MAX_RESULTS, MAX_RESULTS_LIMIT, check_max_results, check_tolerance  # bounds stated with the others
from ..errors import OptionError, UnknownNameError
from .compile import CompiledModel, check_matrix_bounds
from .core import evaluate

#: When a search exceeds ``max_results``, scenarios are counted (not kept) up to this many to say how many there are.
COUNT_MAX = 10_000_000


class TooManyScenariosError(OptionError):
    """A search would keep more scenarios than ``max_results`` allows.

    Attributes
    ----------
    found : int
        Number of scenarios with inconsistency ≤ k: exact when ``exact``, else a lower bound (counting stopped).
    exact : bool
    max_results : int
    max_inconsistency : int
    fixed : dict of str → str
        The interventions of the search (descriptor id → variant id).
    """

    def __init__(
        self, found: int, exact: bool, max_results: int, max_inconsistency: int, fixed: Mapping[str, str] | None = None
    ):
        self.found = int(found)
        self.exact = bool(exact)
        self.max_results = int(max_results)
        self.max_inconsistency = int(max_inconsistency)
        self.fixed = dict(fixed or {})
        super().__init__(self.describe())

    def describe(self, limit: str = "max_results", tolerance: str = "max_inconsistency", fix: str = "fixed") -> str:
        """The message, naming the settings as the caller spells them (``limit="--max-results"``, …)."""
        count = f"{self.found:,}" if self.exact else f"more than {self.found - 1:,}"
        under = " under " + ", ".join(f"{d}={v}" for d, v in self.fixed.items()) if self.fixed else ""
        # past the largest max_results there is nothing to raise
        more = f", or raise {limit}" if self.max_results < MAX_RESULTS_LIMIT else f" ({limit} is at its largest)"
        return (
            f"{count} scenarios have inconsistency ≤ {self.max_inconsistency}{under}, more than the "
            f"{self.max_results:,} that {limit} allows to keep. Lower {tolerance} or fix descriptors ({fix}){more}."
        )


@dataclass(frozen=True)
class ScenarioSet:
    """Scenarios found by a search, in tableau order.

    Order: total impact score descending, ties broken by variant order (lexicographic on variant positions,
    first descriptor first).

    Attributes
    ----------
    compiled : CompiledModel
    scenarios : (n, n_descriptors) int64
        0-based variant positions.
    inconsistency, consistency_value, total_impact_score : (n,) int64
    fixed : (n_descriptors,) int64
        The intervention applied (-1 where the descriptor was free).
    max_inconsistency : int
        Tolerance k of the search.
    method : str
        The search method that ran (``bnb``, ``sweep`` or ``brute``).
    nodes : int
        Search nodes visited (every pass of ``bnb`` counted; for ``sweep`` the scenarios visited; -1 when not
        counted).
    """

    compiled: CompiledModel
    scenarios: np.ndarray
    inconsistency: np.ndarray
    consistency_value: np.ndarray
    total_impact_score: np.ndarray
    fixed: np.ndarray
    max_inconsistency: int = 0
    method: str = ""
    nodes: int = -1

    def __len__(self) -> int:
        return len(self.scenarios)

    def mapping(self, i: int) -> dict[str, str]:
        """Scenario ``i`` (0-based) as ``{descriptor id: variant id}``."""
        return self.compiled.scenario_to_mapping(self.scenarios[i])

    def to_dict(self) -> dict:
        """JSON-safe dict: one entry per scenario numbered 1.., plus the search settings."""
        c = self.compiled
        return {
            "max_inconsistency": int(self.max_inconsistency),
            "fixed": {c.descriptor_ids[d]: c.variant_ids[d][int(v)] for d, v in enumerate(self.fixed) if v >= 0},
            "scenarios": [
                {
                    "number": i + 1,
                    "variants": self.mapping(i),
                    "inconsistency": int(self.inconsistency[i]),
                    "consistency_value": int(self.consistency_value[i]),
                    "total_impact_score": int(self.total_impact_score[i]),
                }
                for i in range(len(self))
            ],
        }

    def to_frame(self):
        """pandas DataFrame: one row per scenario (index = number 1..), one column per descriptor + the scores."""
        import pandas as pd

        rows = []
        for i in range(len(self)):
            row = {"number": i + 1, **self.mapping(i)}
            row.update(
                inconsistency=int(self.inconsistency[i]),
                consistency_value=int(self.consistency_value[i]),
                total_impact_score=int(self.total_impact_score[i]),
            )
            rows.append(row)
        cols = ["number", *self.compiled.descriptor_ids, "inconsistency", "consistency_value", "total_impact_score"]
        return pd.DataFrame(rows, columns=cols).set_index("number")


def tested_mask(compiled: CompiledModel, fixed: np.ndarray) -> np.ndarray:
    """Descriptors the consistency test looks at: neither exogenous nor fixed by an intervention."""
    return ~compiled.exogenous & (fixed < 0)


def normalise_fixed(compiled: CompiledModel, fixed: Mapping[str, str] | np.ndarray | None) -> np.ndarray:
    """Interventions as an (n_descriptors,) int64 array (-1 = free) from a mapping or array.

    Raises :class:`~scenarist.errors.UnknownNameError` for unknown names (its message starts ``fixed:``, or
    ``--fix:`` as the command line words it) and :class:`OptionError` for out-of-range positions.
    """
    if fixed is None:
        return np.full(compiled.n_descriptors, -1, dtype=np.int64)
    if isinstance(fixed, Mapping):
        try:
            return compiled.scenario_from_mapping(fixed, partial=True)
        except UnknownNameError as exc:  # say which input held the name (the CLI: --fix)
            raise UnknownNameError(str(exc), name="fixed", option="--fix") from None
    arr = np.asarray(fixed, dtype=np.int64)
    if arr.shape != (compiled.n_descriptors,) or (arr >= compiled.counts).any() or (arr < -1).any():
        raise OptionError("fixed must give, per descriptor, -1 or a valid variant position")
    return arr


def order_scenarios(scenarios: np.ndarray, tis: np.ndarray) -> np.ndarray:
    """Tableau order: indices sorting by total impact score descending, then variant positions ascending."""
    if len(scenarios) == 0:
        return np.zeros(0, dtype=np.int64)
    width = scenarios.max(axis=0) + 1
    if (
        scenarios.min() >= 0 and float(np.prod(width.astype(float))) < 2.0**62
    ):  # one key of mixed radix, the first descriptor the highest digit
        code = np.zeros(len(scenarios), dtype=np.int64)
        for d in range(scenarios.shape[1]):
            code = code * width[d] + scenarios[:, d]
        return np.lexsort((code, -tis))
    keys = [scenarios[:, d] for d in range(scenarios.shape[1] - 1, -1, -1)] + [-tis]
    return np.lexsort(keys)


def _enumerate_chunked(matrix, offsets, counts, fixed, tested, k, chunk=1 << 16, limit=-1):
    """Plain exhaustive enumeration with numpy, in chunks (first free descriptor varies fastest).

    The ``brute`` method: slow, simple, and independent of the compiled kernels. Returns matching scenarios; with
    ``limit`` ≥ 0 it stops at the first chunk that brings the total above ``limit`` (it then returns more than
    ``limit`` rows, but never more than ``limit`` + ``chunk``).
    """
    free = np.flatnonzero(fixed < 0)
    sizes = counts[free]
    total = int(np.prod(sizes, dtype=object)) if len(free) else 1
    found = []
    kept = 0
    for start in range(0, total, chunk):
        if 0 <= limit < kept:
            break
        idx = np.arange(start, min(start + chunk, total), dtype=np.int64)
        sc = np.empty((len(idx), len(counts)), dtype=np.int64)
        sc[:] = np.where(fixed < 0, 0, fixed)
        rem = idx.copy()
        for d, n in zip(free, sizes):
            sc[:, d] = rem % n
            rem //= n
        ic, _, _ = evaluate(matrix, offsets, sc, tested)
        found.append(sc[ic <= k])
        kept += len(found[-1])
    return np.concatenate(found) if found else np.zeros((0, len(counts)), dtype=np.int64)


#: Free-space size up to which ``auto`` uses the incremental sweep (it beats branch-and-bound's set-up there).
SWEEP_MAX = 2048
#: Rows reserved for the scenarios found before a search runs (a search that finds more runs again, sized to fit).
FIRST_ROWS = 1024
#: The one-thread search reserves up to this many int64 entries (just under 32 MiB; rows of n) for what it finds,
#: so that only a search finding more runs a second time. Pages are only touched as rows are written, and glibc
#: serves a block this size from its heap once one has been freed; the rows found are copied out, so the block
#: never outlives the call. Under 32 MiB because glibc maps any larger block afresh on every call (its dynamic
#: mmap threshold stops at 32 MiB): at exactly 2^22 entries, with the page header, each search paid a mapping,
#: its page faults and an unmapping, 35 µs against 4 µs (about 50 µs of the flagship's 0.37 ms search, stop 25).
#: The threaded search's slots use the same total (``_kernels.BLOCK_ENTRIES``).
FIRST_ENTRIES = (1 << 22) - (1 << 16)
#: Free-space size (scenarios) up to which branch-and-bound runs on one thread even when more are available: such
#: trees are searched in well under a millisecond, less than waking the threads costs. Larger ones are split over
#: the threads from the start (no serial probe; tests set this to 0 to split every search).
SERIAL_NODES = 50_000
#: Larger spaces first get a one-thread try of at most this many nodes, which spares a small tree the split (the
#: try's work is kept either way: what it found, and what it left as subtrees). A tree of a few hundred nodes,
#: split, is mostly walked by the serial cut (which stops at about 16 subtrees a thread, more than such a tree
#: has) and then pays the parallel loop: CIB_natl_regional (140 nodes) took 0.16 ms on two threads against
#: 0.06 ms on one. Measured at stop 23 (docs/performance.md, "Threads"), kernel on 2 threads, median of 200
#: interleaved calls, try of 0 / 300 nodes: CIB_natl_regional 0.161 / 0.061 ms, CIB_nested (490 nodes) 0.239 /
#: 0.233, the flagship 0.48 / 0.51, random 15×3 1.29 / 1.26, random 12×4 2.21 / 2.26, bench_50x50 3.30 / 3.39.
#: Capped by SERIAL_NODES.
PROBE_NODES = 300
METHODS = ("auto", "bnb", "sweep", "brute")


def free_space_size(counts: np.ndarray, fixed: np.ndarray) -> int:
    """Number of scenarios of the free descriptors (exact Python int)."""
    out = 1
    for c, f in zip(counts, fixed):
        if f < 0:
            out *= int(c)
    return out


def choose_method(counts: np.ndarray, fixed: np.ndarray) -> str:
    """What ``method="auto"`` runs: ``sweep`` for at most :data:`SWEEP_MAX` free scenarios, else ``bnb``."""
    return "sweep" if free_space_size(counts, fixed) <= SWEEP_MAX else "bnb"


def run_kernel(
    matrix, offsets, counts, fixed, tested, k: int, method: str, limit: int = -1, stats: dict | None = None
) -> np.ndarray | None:
    """Run one search method on plain arrays and return the kept scenarios, (N, n) int64, in no set order.

    ``matrix``, ``offsets``, ``counts``, ``fixed`` are int64 and ``tested`` bool (see :mod:`._kernels`). With
    ``limit`` ≥ 0, returns ``None`` as soon as more than ``limit`` scenarios are found (nothing larger than about
    ``limit`` rows is ever allocated). ``stats`` (a dict), when given, gets ``nodes``: the search nodes visited
    by ``bnb`` (every pass counted; the scenarios visited by ``sweep``).

    ``bnb`` runs on numba's threads (``numba.get_num_threads()``) when there are two or more, the free space
    has more than :data:`SERIAL_NODES` scenarios and a one-thread try of :data:`PROBE_NODES` nodes (300)
    does not finish (:func:`._kernels.bnb_search_threads`: subtrees taken by threads as they free up,
    merged in subtree order; the same rows, possibly in another order and after a slightly different number of
    nodes), else on one. ``nodes`` then includes the try's.
    """
    from . import _kernels as K

    stats = {} if stats is None else stats
    stats["nodes"] = 0

    n = len(counts)
    k = np.int64(k)
    lim = np.int64(limit)
    if method == "brute":
        sc = _enumerate_chunked(matrix, offsets, counts, fixed, tested, int(k), limit=int(limit))
        return None if 0 <= limit < len(sc) else sc
    if method == "sweep":
        out = _first_rows(counts, fixed, limit)
        found = K.sweep_search(matrix, offsets, counts, fixed, tested, k, out, lim)
        stats["nodes"] = free_space_size(counts, fixed)
        if 0 <= limit < found:
            return None
        if found > len(out):  # only past FIRST_ENTRIES: the space a second time, into rows that fit
            out = np.empty((found, n), dtype=np.int64)
            K.sweep_search(matrix, offsets, counts, fixed, tested, k, out, lim)
            return out
        return out[:found].copy()  # not a view: the reserved block goes back now
    import numba

    threads = numba.get_num_threads()
    nodes = np.zeros(1, dtype=np.int64)
    split = threads >= 2 and free_space_size(counts, fixed) > SERIAL_NODES
    try:
        if split:  # a one-thread try of PROBE_NODES nodes, then subtrees handed to threads as they free up
            budget = np.int64(min(PROBE_NODES, SERIAL_NODES))
            sc, found, nodes[0] = K.bnb_search_threads(
                matrix, offsets, counts, fixed, tested, k, threads, lim, True, budget
            )
            return None if 0 <= limit < found else sc
        out = _first_rows(counts, fixed, limit)
        found = K.bnb_search(matrix, offsets, counts, fixed, tested, k, out, np.int64(-1), lim, True, nodes)
        if 0 <= limit < found:
            return None
        if found > len(out):  # only past FIRST_ENTRIES: the whole tree a second time, into rows that fit
            out = np.empty((found, n), dtype=np.int64)
            K.bnb_search(matrix, offsets, counts, fixed, tested, k, out, np.int64(-1), lim, True, nodes)
            return out
    finally:
        stats["nodes"] = int(nodes[0])
    return out[:found].copy()  # not a view: the reserved block goes back now


def _first_rows(counts: np.ndarray, fixed: np.ndarray, limit: int) -> np.ndarray:
    """An uninitialised (rows, n) int64 block for the scenarios a one-thread search finds in its first pass:
    :data:`FIRST_ENTRIES` entries (at least :data:`FIRST_ROWS` rows), no more rows than the free space holds, and
    at most ``limit + 1`` when ``limit`` ≥ 0 (a search past its limit stops at one more). np.empty, not zeros:
    only the rows found are read, and zeroing even 1 024 rows cost up to 0.05 ms (each page faulted in)."""
    n = len(counts)
    rows = min(free_space_size(counts, fixed), max(FIRST_ROWS, FIRST_ENTRIES // max(n, 1)))
    if limit >= 0:
        rows = min(rows, limit + 1)
    return np.empty((max(1, rows), n), dtype=np.int64)


def count_scenarios(matrix, offsets, counts, fixed, tested, k: int, limit: int = -1) -> int:
    """Number of scenarios with inconsistency ≤ k, counted without keeping them (one thread, branch-and-bound).

    With ``limit`` ≥ 0 counting stops at ``limit + 1``. Arrays as for :func:`run_kernel`.
    """
    from . import _kernels as K

    return int(K.bnb_count(matrix, offsets, counts, fixed, tested, np.int64(k), np.zeros(0, np.int64), np.int64(limit)))


def _moved_last(order: np.ndarray, last: np.ndarray) -> np.ndarray:
    """``order`` with the descriptors of ``last`` taken out and appended (in their order within ``order``)."""
    late = np.isin(order, last)
    return np.concatenate([order[~late], order[late]]).astype(np.int64)


def choose_order(matrix, offsets, counts, fixed, tested, last=None, k: int = 0, measure: bool = True) -> np.ndarray:
    """Branching order of the free descriptors for searches that will run many times on similar matrices.

    Candidates: the descriptors in model order, the greedy order of the single search (most strongly tied to
    those already placed first), and, when ``last`` is given, both with the descriptors of ``last`` moved to the end
    (for exogenous descriptors whose combinations are tallied: at the end they vary in the leaves of the tree). The
    candidate whose search visits the fewest nodes on this matrix wins (ties: the earlier one). The order changes
    the speed of a search, never its result; a matrix drawn around this one (a few scores moved by a point) is
    searched fastest in about the same order.

    Parameters
    ----------
    matrix : (V, V) int64
    offsets : (n + 1,) int64
    counts : (n,) int64
    fixed : (n,) int64
        Interventions, -1 where free.
    tested : (n,) bool
        Descriptors the consistency test looks at (see :func:`tested_mask`).
    last : (e,) int64, optional
        Free descriptors to try at the end of the order.
    k : int ≥ 0
        Tolerance the searches will use (Weimer-Jehle 2006: inconsistency ≤ k).
    measure : bool
        False: take the greedy order (with ``last`` at the end) without running a search.

    Returns
    -------
    (n_free,) int64
        The free descriptors, each once.

    Raises
    ------
    OptionError
        ``k`` < 0, or ``last`` names a descriptor that is not free.
    """
    from . import _kernels as K

    if k < 0:
        raise OptionError(f"max inconsistency must be ≥ 0, got {k}")
    free = np.flatnonzero(np.asarray(fixed) < 0).astype(np.int64)
    last = np.zeros(0, dtype=np.int64) if last is None else np.asarray(last, dtype=np.int64)
    if not np.isin(last, free).all():
        raise OptionError("descriptors to order last must be free")
    greedy = K.search_order(matrix, offsets, counts, fixed, tested)
    candidates = [free, greedy] + ([_moved_last(free, last), _moved_last(greedy, last)] if len(last) else [])
    if not measure:
        return candidates[-1]
    if len(free) <= 1:
        return free
    costs = [int(K.bnb_nodes(matrix, offsets, counts, fixed, tested, np.int64(k), o)) for o in candidates]
    return candidates[int(np.argmin(costs))]


def scenarios_by_combination(
    matrix, offsets, counts, fixed, tested, order, exo, combos=None, k: int = 0, rows: int = FIRST_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """Every scenario with inconsistency ≤ k, for each combination of the descriptors ``exo``, tagged by it.

    The array-level search of the likelihood layer (same branch-and-bound as :func:`find_scenarios`). Two ways:

    - ``combos=None``: all combinations, in one search (``exo`` free but not tested, in ``order`` like the rest;
      the work above them in the tree is shared). Tag of a scenario: its combination's number
      ``Σ_e v_e · Π_{e' > e} n_{e'}`` (first ``exo`` descriptor most significant, so sorting tags sorts the
      combinations lexicographically), in ``[0, Π_e n_e)``.
    - ``combos`` given: each row fixed on top of ``fixed`` in turn and the rest searched (for a sample of
      combinations too many to enumerate). Tag: the row of ``combos``.

    Parameters
    ----------
    matrix : (V, V) int64, C-contiguous
    offsets : (n + 1,) int64
    counts : (n,) int64
    fixed : (n,) int64
        Interventions, -1 where free; ``exo`` must be free.
    tested : (n,) bool
        Descriptors the test looks at; ``exo`` must not be among them.
    order : (m,) int64
        Branching order (:func:`choose_order`): the free descriptors, ``exo`` included when ``combos`` is None
        and excluded otherwise.
    exo : (e,) int64
        The descriptors whose combinations tag the results.
    combos : (F, e) int64, optional
        Variant positions of ``exo``, one combination per row.
    k : int ≥ 0
        Tolerance: keep scenarios whose inconsistency on the tested descriptors is ≤ k (0: consistent).
    rows : int ≥ 1
        Rows reserved for the results before the search (it runs again, sized to fit, when they are too few).

    Returns
    -------
    scenarios : (M, n) int64
        Variant positions, in search order.
    tags : (M,) int64

    Raises
    ------
    OptionError
        ``k`` < 0, ``exo`` not free or tested, ``order`` not the free descriptors it should be, ``combos`` of the
        wrong width or with positions out of range.

    References
    ----------
    Weimer-Jehle, W. (2006). Cross-impact balances. Technological Forecasting and Social Change 73(4), 334–361.
    https://doi.org/10.1016/j.techfore.2005.06.005
    """
    from . import _kernels as K

    exo = np.asarray(exo, dtype=np.int64)
    order = np.asarray(order, dtype=np.int64)
    if k < 0:
        raise OptionError(f"max inconsistency must be ≥ 0, got {k}")
    free = fixed < 0
    if not free[exo].all() or tested[exo].any():
        raise OptionError("the combination descriptors must be free and left out of the test")
    want = free.copy()
    if combos is not None:
        want[exo] = False
    seen = np.zeros(len(counts), dtype=np.int64)
    np.add.at(seen, order, 1)
    if (seen != want).any():
        raise OptionError(
            "order must list each free descriptor once"
            + ("" if combos is None else ", the combination descriptors left out")
        )
    if combos is None:
        return K.bnb_by_combination(matrix, offsets, counts, fixed, tested, np.int64(k), order, exo, np.int64(rows))[:2]
    combos = np.ascontiguousarray(combos, dtype=np.int64)
    if combos.ndim != 2 or combos.shape[1] != len(exo) or (combos < 0).any() or (combos >= counts[exo]).any():
        raise OptionError(f"combos must be (F, {len(exo)}) variant positions of the combination descriptors")
    return K.bnb_combinations_in_turn(
        matrix, offsets, counts, fixed, tested, np.int64(k), order, exo, combos, np.int64(rows)
    )[:2]


def find_scenarios(
    compiled: CompiledModel,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    method: str = "auto",
    max_results: int | None = MAX_RESULTS,
) -> ScenarioSet:
    """All scenarios whose inconsistency is at most ``max_inconsistency`` (k), exactly.

    Parameters
    ----------
    compiled : CompiledModel
    max_inconsistency : int, 0 ≤ k ≤ ``compiled.max_inconsistency_bound``
        Tolerance k; 0 finds the consistent scenarios. The upper bound (n_descriptors × the scale's span, 0
        included) is the largest inconsistency any scenario can have.
    fixed : mapping descriptor id → variant id, or (n_descriptors,) int array with -1 for free descriptors
        Interventions: fixed descriptors keep their variant, are left out of the consistency test, and their
        impacts still count. Exogenous descriptors are likewise left out of the test.
    method : {"auto", "bnb", "sweep", "brute"}
        ``bnb``: depth-first branch-and-bound (compiled; split over threads for large spaces). ``sweep``: visit
        every scenario in Gray-code order, updating the balances by one row per step (compiled; best for small
        spaces). ``brute``: plain numpy enumeration (slow; an independent check). ``auto`` picks ``sweep`` up to
        :data:`SWEEP_MAX` free scenarios and ``bnb`` above. All methods return the same set, bit for bit.
    max_results : int in 0..10^7 (:data:`~scenarist.checks.MAX_RESULTS_LIMIT`) or None
        Most scenarios to keep (default :data:`MAX_RESULTS`); ``None`` for no limit (memory and time then grow
        with the number found). The search stops as soon as it finds more.

    Returns
    -------
    ScenarioSet
        In tableau order (total impact score descending, ties by variant order).

    Raises
    ------
    OptionError
        ``max_inconsistency`` outside its bound (:class:`~scenarist.checks.BoundError`), ``max_results`` outside
        0..10^7, an unknown ``method``, malformed ``fixed``, or a matrix whose balances could overflow int32
        (:func:`~scenarist.cib.compile.check_matrix_bounds`).
    TooManyScenariosError
        More than ``max_results`` scenarios have inconsistency ≤ k (an :class:`OptionError`; its ``found`` is the
        exact number when counting them took at most :data:`COUNT_MAX`, else that lower bound).
    UnknownNameError
        Unknown descriptor or variant in ``fixed``.

    References
    ----------
    Weimer-Jehle, W. (2006). Cross-impact balances. Technological Forecasting and Social Change 73(4), 334–361.
    https://doi.org/10.1016/j.techfore.2005.06.005
    """
    check_matrix_bounds(compiled.matrix, compiled.n_descriptors)
    max_inconsistency = check_k(compiled, max_inconsistency)
    if method not in METHODS:
        raise OptionError(f"unknown search method {method!r} (choose from {', '.join(METHODS)})")
    if max_results is not None:
        max_results = check_max_results(max_results)
    fx = normalise_fixed(compiled, fixed)
    tested = tested_mask(compiled, fx)
    matrix = np.ascontiguousarray(compiled.matrix, dtype=np.int64)
    offsets = np.ascontiguousarray(compiled.offsets, dtype=np.int64)
    counts = np.ascontiguousarray(compiled.counts, dtype=np.int64)
    chosen = choose_method(counts, fx) if method == "auto" else method
    limit = -1 if max_results is None else int(max_results)
    stats: dict = {}
    sc = run_kernel(matrix, offsets, counts, fx, tested, int(max_inconsistency), chosen, limit, stats)
    if sc is None:
        # Say how many there are when counting them (nothing kept) is cheap; past COUNT_MAX, a lower bound.
        stop = max(COUNT_MAX, limit + 1)
        n = count_scenarios(matrix, offsets, counts, fx, tested, int(max_inconsistency), stop)
        fixed_names = {compiled.descriptor_ids[d]: compiled.variant_ids[d][int(v)] for d, v in enumerate(fx) if v >= 0}
        raise TooManyScenariosError(n, n <= stop, limit, int(max_inconsistency), fixed_names)
    return make_set(compiled, sc, fx, tested, int(max_inconsistency), chosen, stats.get("nodes", -1))


def check_k(compiled: CompiledModel, k, name: str = "max_inconsistency", option: str = "-k") -> int:
    """Tolerance ``k`` as an int in [0, ``compiled.max_inconsistency_bound``] (n_descriptors × the scale's span,
    0 included: no scenario is more inconsistent, and the search compares in int32); for a compiled model built by
    hand (``scale`` None), in [0, 2^31 − 1].

    Raises
    ------
    BoundError
        (an :class:`OptionError`) Not an integer, negative, or above the bound; the message states the bound and
        its derivation, worded ``max_inconsistency …`` (``-k …`` on the command line).
    """
    c = compiled
    if c.scale is None:  # arrays built by hand: only the kernels' own int32 bound is known
        from ..checks import MAX_BALANCE

        return check_tolerance(k, MAX_BALANCE, name, option, "the search compares, 2^31 − 1")
    from ..checks import scale_span

    detail = f"of this model: {c.n_descriptors} descriptors × scale span {scale_span(*c.scale)}"
    return check_tolerance(k, c.max_inconsistency_bound, name, option, detail)


def make_set(
    compiled: CompiledModel,
    scenarios: np.ndarray,
    fixed: np.ndarray,
    tested: np.ndarray,
    k: int,
    method: str = "",
    nodes: int = -1,
) -> ScenarioSet:
    """Score and order found scenarios into a :class:`ScenarioSet` (one evaluation routine for every method).

    Parameters
    ----------
    compiled : CompiledModel
    scenarios : (N, n_descriptors) int array
        Variant positions (0 ≤ v < counts[d]), in any order (a search's order scores fastest); a flat array of
        N × n_descriptors is reshaped.
    fixed : (n_descriptors,) int64
        Interventions, -1 for free descriptors (stored on the set).
    tested : (n_descriptors,) bool
        Descriptors the consistency test looks at (:func:`tested_mask`).
    k : int ≥ 0
        The tolerance the scenarios were found with (stored; not re-checked).
    method : str
        The search method's name (stored).
    nodes : int
        Search nodes visited (stored; -1 when unknown).

    Returns
    -------
    ScenarioSet
        In tableau order (total impact score descending, ties by variant positions ascending): one compiled pass
        (``_kernels.score_sorted``) up to 100 000 rows whose variant code fits 62 bits, else numpy's scoring and
        :func:`order_scenarios`; the same rows and numbers either way.
    """
    from . import _kernels as K

    sc = np.ascontiguousarray(scenarios, dtype=np.int64).reshape(-1, compiled.n_descriptors)
    arrays = (
        np.ascontiguousarray(compiled.matrix, dtype=np.int64),
        np.ascontiguousarray(compiled.offsets, dtype=np.int64),
        np.ascontiguousarray(compiled.counts, dtype=np.int64),
    )
    tested = np.ascontiguousarray(tested, dtype=np.bool_)
    if len(sc) <= 100_000:  # sorted and scored in one compiled pass (the same rows and numbers as below)
        ok, rows, ic, cv, tis = K.score_sorted(*arrays, sc, tested)
        if ok:
            return ScenarioSet(compiled, rows, ic, cv, tis, fixed, k, method, nodes)
    evaluate = K.evaluate_many_parallel if len(sc) > 100_000 else K.evaluate_many
    ic, cv, tis = evaluate(*arrays, sc, tested)
    order = order_scenarios(sc, tis)
    return ScenarioSet(compiled, sc[order], ic[order], cv[order], tis[order], fixed, k, method, nodes)


@dataclass(frozen=True)
class ScenarioTally:
    """Result of :func:`tally_scenarios`: for every matrix r and intervention vector f, how many scenarios have
    inconsistency ≤ k and how many of them take each variant.

    Attributes
    ----------
    found : (R, F) int64
    tally : (R, F, V) int64
        ``tally[r, f, offsets[d] + v]`` = number of kept scenarios with descriptor d in variant v.
    offsets : (n + 1,) int64
    max_inconsistency : int
    """

    found: np.ndarray
    tally: np.ndarray
    offsets: np.ndarray
    max_inconsistency: int = 0

    def variant_counts(self, descriptor: int) -> np.ndarray:
        """(R, F, n_variants) counts for one descriptor position."""
        return self.tally[:, :, self.offsets[descriptor] : self.offsets[descriptor + 1]]

    def to_dict(self) -> dict:
        """JSON-safe: nested lists of ``found`` and ``tally``."""
        return {
            "max_inconsistency": int(self.max_inconsistency),
            "found": self.found.tolist(),
            "tally": self.tally.tolist(),
        }

    def to_frame(self):
        """Long pandas DataFrame: one row per (matrix, intervention vector, variant column) with its count."""
        import pandas as pd

        R, F, V = self.tally.shape
        r, f, v = np.meshgrid(np.arange(R), np.arange(F), np.arange(V), indexing="ij")
        return pd.DataFrame(
            {"matrix": r.ravel(), "fixed": f.ravel(), "variant_column": v.ravel(), "count": self.tally.ravel()}
        )


def tally_scenarios(
    compiled: CompiledModel,
    fixed: np.ndarray,
    matrices: np.ndarray | None = None,
    max_inconsistency: int = 0,
) -> ScenarioTally:
    """Run the exact search for many matrices × many interventions at once, in parallel, keeping only counts.

    Made for Monte Carlo over judgments (many matrices) and over exogenous combinations (many ``fixed`` rows):
    one compiled call, no Python per search.

    Parameters
    ----------
    fixed : (F, n_descriptors) int array, -1 where free
    matrices : (R, V, V) int array, optional
        Default: the compiled matrix alone (R = 1). Must have exogenous columns zero, as the model's does.
    max_inconsistency : int ≥ 0

    Returns
    -------
    ScenarioTally

    Raises
    ------
    OptionError
        Shapes that do not match the model, positions out of range, or k < 0.
    """
    from . import _kernels as K

    max_inconsistency = check_k(compiled, max_inconsistency)
    fx = np.atleast_2d(np.asarray(fixed, dtype=np.int64))
    n, V = compiled.n_descriptors, compiled.n_variants
    if fx.shape[1] != n or (fx >= compiled.counts).any() or (fx < -1).any():
        raise OptionError("fixed must be (F, n_descriptors) with -1 or a valid variant position in each cell")
    mats = compiled.matrix[None] if matrices is None else np.asarray(matrices)
    if mats.ndim != 3 or mats.shape[1:] != (V, V):
        raise OptionError(f"matrices must be (R, {V}, {V}), got {mats.shape}")
    check_matrix_bounds(mats, n, "the matrices")
    found, tally = K.bnb_tally_batch(
        np.ascontiguousarray(mats, dtype=np.int64),
        np.ascontiguousarray(compiled.offsets, dtype=np.int64),
        np.ascontiguousarray(compiled.counts, dtype=np.int64),
        np.ascontiguousarray(fx),
        np.ascontiguousarray(compiled.exogenous, dtype=np.bool_),
        np.int64(max_inconsistency),
    )
    return ScenarioTally(found, tally, np.asarray(compiled.offsets, dtype=np.int64), int(max_inconsistency))


def warm_search() -> None:
    """Run every search kernel once on a 2 × 2 model, so that numba loads (the first time ever: compiles) them.

    Called by :func:`scenarist.cib.warmup.load_kernels`, which times it.
    """
    m = np.array([[0, 0, 1, -1], [0, 0, -1, 1], [1, -1, 0, 0], [-1, 1, 0, 0]], dtype=np.int64)
    counts = np.array([2, 2], dtype=np.int64)
    offsets = np.array([0, 2, 4], dtype=np.int64)
    fixed = np.full(2, -1, dtype=np.int64)
    tested = np.ones(2, dtype=np.bool_)
    for method in ("sweep", "bnb"):
        sc = run_kernel(m, offsets, counts, fixed, tested, 0, method, MAX_RESULTS)
    from . import _kernels as K

    K.evaluate_many(m, offsets, counts, sc, tested)
    K.bnb_search_threads(m, offsets, counts, fixed, tested, np.int64(0), 2, np.int64(-1), True, np.int64(PROBE_NODES))
    # the likelihood pass's searches: descriptor 1 plays an exogenous one, its combinations tagged
    exo = np.array([1], dtype=np.int64)
    untested = np.array([True, False])
    order = choose_order(m, offsets, counts, fixed, untested, last=exo)
    scenarios_by_combination(m, offsets, counts, fixed, untested, order, exo)
    scenarios_by_combination(m, offsets, counts, fixed, untested, order[order != 1], exo, np.array([[0], [1]]))
